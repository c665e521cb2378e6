// libFuzzer harness: the ddsketch serialized form (src/core/sketch.*), which arrives from clients as
// bytea or "ddsketch:" text. Whatever deserializes must validate, answer quantiles, and serialize back
// to exactly the same bytes (the form is canonical). Inputs cost at most 16 MB of counts.
#include "core/sketch.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	uint32_t pos_len = 0, neg_len = 0;
	if (sketch_deserialized_size(data, size, &pos_len, &neg_len) != SketchStatus::kOk)
		return 0;
	const size_t bytes = sketch_bytes(pos_len, neg_len);
	std::vector<uint64_t> mem((bytes + 7) / 8);
	auto *h = reinterpret_cast<SketchHeader *>(mem.data());
	if (sketch_deserialize_into(data, size, h, bytes) != SketchStatus::kOk)
		abort();
	if (sketch_validate(h, bytes) != SketchStatus::kOk)
		abort();
	for (double p : {0.0, 0.01, 0.5, 0.99, 1.0}) {
		double q;
		SketchStatus st = sketch_quantile(h, sketch_counts(h), p, &q);
		if (st != SketchStatus::kOk && st != SketchStatus::kEmpty)
			abort();
	}
	double v;
	(void)sketch_min(h, &v);
	(void)sketch_max(h, &v);
	(void)sketch_mean(h, &v);
	(void)sketch_error_bound(h);
	const size_t out_size = sketch_serialized_size(h, sketch_counts(h));
	std::vector<uint8_t> out(out_size);
	size_t written = 0;
	if (sketch_serialize(h, sketch_counts(h), out.data(), out.size(), &written) != SketchStatus::kOk ||
		written != size || memcmp(out.data(), data, size) != 0)
		abort();
	return 0;
}
