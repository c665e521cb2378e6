// libFuzzer harness: the JSON tape parser (src/core/json.*) that dexcost.ingest(text) runs on client text.
// Any input: parse, then walk the whole tape through every accessor and check its structural invariants
// (a subtree's next lies after it and within the tape, views stay inside the text or the arena).
#include "core/json.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static JsonTape tape; // reused across inputs, as the binding reuses it across records
	std::string_view text(reinterpret_cast<const char *>(data), size);
	if (!tape.parse(text)) {
		if (tape.size() != 0 || tape.error()[0] == '\0' || tape.error_offset() > size)
			abort();
		return 0;
	}
	const uint32_t n = tape.size();
	if (n == 0 || tape.node(0).next != n)
		abort();
	static const std::string_view keys[] = {"cost_usd", "event_id", "events", "model", "tasks"};
	uint32_t found[std::size(keys)];
	size_t touched = 0;
	for (uint32_t i = 0; i < n; ++i) {
		const JsonNode &node = tape.node(i);
		if (node.next <= i || node.next > n)
			abort();
		if (!node.escaped && (static_cast<size_t>(node.start) + node.len > size))
			abort();
		for (std::string_view v : {tape.string_value(i), tape.number_text(i), tape.json_text(i)})
			for (char c : v)
				touched += static_cast<unsigned char>(c); // ASan checks every byte is readable
		if (node.kind == JsonKind::kObject) {
			tape.find_keys(i, keys, std::size(keys), found);
			for (uint32_t f : found)
				if (f != kJsonNone && (f <= i || f >= node.next))
					abort();
		}
	}
	if (tape.node(n).kind != JsonKind::kMissing) // out of range reads the sentinel
		abort();
	(void)touched;
	return 0;
}
