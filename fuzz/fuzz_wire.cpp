// libFuzzer harness: the SDK wire-format scalar checks (src/core/wire.*): uuids, decimal strings,
// RFC 3339 timestamps and UTF-8 lengths of client strings. Checks cross-consistency too: a wire
// decimal is a syntactically valid Decimal (it may still overflow or carry too many places).
#include "core/decimal.hpp"
#include "core/wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace dexcost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view s(reinterpret_cast<const char *>(data), size);
	if (is_uuid(s) && size != 36)
		abort();
	if (is_wire_decimal(s)) {
		Decimal d;
		DecimalError e = Decimal::parse(s, &d);
		if (e == DecimalError::kSyntax || e == DecimalError::kEmpty)
			abort();
	}
	(void)is_rfc3339(s);
	long n = utf8_length(s);
	if (n > static_cast<long>(size) || n < -1)
		abort();
	return 0;
}
