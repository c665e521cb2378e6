// libFuzzer harness: the pareto table's serialized form (src/core/pareto.*), which arrives from clients
// as bytea or "pareto:" text. Whatever deserializes must validate, rank, answer shares, and serialize
// back to exactly the same bytes (the form is canonical).
#include "core/pareto.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	uint32_t capacity = 0, arena = 0;
	if (pareto_deserialized_sizes(data, size, &capacity, &arena) != ParetoStatus::kOk)
		return 0;
	const size_t bytes = pareto_bytes(capacity, arena);
	std::vector<uint64_t> mem((bytes + 7) / 8);
	auto *h = reinterpret_cast<ParetoHeader *>(mem.data());
	if (pareto_deserialize_into(data, size, h, capacity, arena) != ParetoStatus::kOk)
		abort();
	if (pareto_validate(h, bytes) != ParetoStatus::kOk)
		abort();
	std::vector<uint32_t> order(pareto_nkeys(h) + 1);
	if (pareto_rank(h, order.data(), order.size()) != ParetoStatus::kOk)
		abort();
	Decimal cum;
	(void)pareto_cumulative(h, order.data(), pareto_nkeys(h), &cum);
	uint32_t k;
	Decimal half;
	Decimal::parse("0.5", &half);
	(void)pareto_keys_for_share(h, order.data(), half, &k);
	(void)pareto_top_count(h, half, &k);
	const size_t out_size = pareto_serialized_size(h);
	std::vector<uint8_t> out(out_size);
	size_t written = 0;
	if (pareto_serialize(h, order.data(), order.size(), out.data(), out.size(), &written) != ParetoStatus::kOk ||
		written != size || memcmp(out.data(), data, size) != 0)
		abort();
	return 0;
}
