// libFuzzer harness: decimal parsing (src/core/decimal.*): prices, costs and quantities from clients.
// First byte: the scale for parse_scaled; the rest: the text. Whatever parses must print back to a text
// that parses to the same value (round trip), and checked_add must agree with 128-bit arithmetic.
#include "core/decimal.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size == 0)
		return 0;
	const int scale = data[0] % 31; // parse_scaled accepts 0..30
	std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);

	Decimal d;
	if (Decimal::parse(text, &d) == DecimalError::kNone) {
		Decimal again;
		if (Decimal::parse(d.to_string(), &again) != DecimalError::kNone || again != d)
			abort();
		Decimal sum;
		if (d.checked_add(d, &sum)) {
			if (sum.units() / 2 != d.units())
				abort();
		}
	} else if (decimal_error_text(Decimal::parse(text, &d))[0] == '\0') {
		abort();
	}

	int128 units = 0;
	if (parse_scaled(text, scale, &units) == DecimalError::kNone) {
		int128 again = 0;
		if (parse_scaled(format_scaled(units, scale), scale, &again) != DecimalError::kNone || again != units)
			abort();
	}
	return 0;
}
