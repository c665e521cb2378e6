// Exact fixed-point money for pricing arithmetic: 18 decimal places in a 128-bit integer.
//
// 18 places hold any token x price product exactly: prices are kept to 12 places per
// million tokens (1e-18 USD per token), so summing 10,000 events of 0.0000000123 USD is
// exactly 0.000123. The range (about 1.7e20 USD) is far beyond any invoice.
#pragma once

#include "core/cpp_only.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace dexcost {

using int128 = __int128;

// Why a decimal string was refused.
enum class DecimalError { kNone, kEmpty, kSyntax, kTooManyDecimals, kOverflow };

// A signed decimal value stored as units of 10^-scale.
class Decimal {
public:
	static constexpr int kScale = 18;

	constexpr Decimal() = default;
	static constexpr Decimal from_units(int128 units) { return Decimal(units); }

	// Parses plain decimal text ("-12.5", "0.000001"); no exponent, NaN or infinity.
	static DecimalError parse(std::string_view text, Decimal *out) noexcept;

	constexpr int128 units() const { return units_; }
	constexpr bool is_negative() const { return units_ < 0; }
	constexpr bool is_zero() const { return units_ == 0; }

	// Adds with overflow detection; returns false on overflow.
	bool checked_add(const Decimal &other, Decimal *out) const noexcept;

	// Shortest exact text: no trailing zeros, "0" for zero.
	std::string to_string() const;

	friend constexpr bool operator==(const Decimal &a, const Decimal &b) { return a.units_ == b.units_; }
	friend constexpr bool operator!=(const Decimal &a, const Decimal &b) { return a.units_ != b.units_; }
	friend constexpr bool operator<(const Decimal &a, const Decimal &b) { return a.units_ < b.units_; }

private:
	explicit constexpr Decimal(int128 units) : units_(units) {}
	int128 units_ = 0;
};

// Parses decimal text into units of 10^-scale (scale <= 30); refuses more places than scale.
DecimalError parse_scaled(std::string_view text, int scale, int128 *out) noexcept;

// Formats units of 10^-scale as shortest exact decimal text.
std::string format_scaled(int128 units, int scale);

// A human-readable reason for a parse error.
const char *decimal_error_text(DecimalError error) noexcept;

} // namespace dexcost
