// libFuzzer harness: canonical base64 (src/core/base64.*) behind the text forms of ddsketch and pareto
// values (client text). Whatever decodes must encode back to exactly the input (canonical on input).
#include "core/base64.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const std::string_view prefix = "p:";
	const char *text = reinterpret_cast<const char *>(data);
	size_t need = 0;
	if (base64_decode(prefix, text, size, nullptr, 0, &need) != Base64Status::kOk)
		return 0;
	std::vector<uint8_t> bytes(need + 1);
	size_t got = 0;
	if (need > 0 && base64_decode(prefix, text, size, bytes.data(), need - 1, &got) != Base64Status::kBufferTooSmall)
		abort();
	if (base64_decode(prefix, text, size, bytes.data(), need, &got) != Base64Status::kOk || got != need)
		abort();
	std::vector<char> back(base64_text_size(prefix, got));
	size_t written = 0;
	if (!base64_encode(prefix, bytes.data(), got, back.data(), back.size(), &written) || written != size ||
		memcmp(back.data(), text, size) != 0)
		abort();
	return 0;
}
