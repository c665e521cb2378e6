// Exact fixed-point decimal parsing, formatting and addition.
#include "core/decimal.hpp"

#include <algorithm>

namespace dexcost {

namespace {

constexpr int kMaxScale = 30;

// 10^n as a 128-bit integer, n <= 36.
int128 pow10(int n) {
	int128 p = 1;
	for (int i = 0; i < n; ++i)
		p *= 10;
	return p;
}

} // namespace

DecimalError parse_scaled(std::string_view text, int scale, int128 *out) noexcept {
	if (scale < 0 || scale > kMaxScale)
		return DecimalError::kOverflow;
	if (text.empty())
		return DecimalError::kEmpty;
	size_t i = 0;
	bool negative = false;
	if (text[0] == '-' || text[0] == '+') {
		negative = text[0] == '-';
		i = 1;
	}
	int128 value = 0;
	int int_digits = 0, frac_digits = 0;
	bool seen_point = false;
	for (; i < text.size(); ++i) {
		char c = text[i];
		if (c == '.') {
			if (seen_point)
				return DecimalError::kSyntax;
			seen_point = true;
			continue;
		}
		if (c < '0' || c > '9')
			return DecimalError::kSyntax;
		int digit = c - '0';
		if (seen_point) {
			// Extra places are allowed only when they are zeros.
			if (frac_digits >= scale) {
				if (digit != 0)
					return DecimalError::kTooManyDecimals;
				continue;
			}
			++frac_digits;
		} else {
			++int_digits;
		}
		if (__builtin_mul_overflow(value, static_cast<int128>(10), &value) ||
		    __builtin_add_overflow(value, static_cast<int128>(digit), &value))
			return DecimalError::kOverflow;
	}
	if (int_digits + frac_digits == 0)
		return DecimalError::kSyntax;
	if (__builtin_mul_overflow(value, pow10(scale - frac_digits), &value))
		return DecimalError::kOverflow;
	*out = negative ? -value : value;
	return DecimalError::kNone;
}

std::string format_scaled(int128 units, int scale) {
	bool negative = units < 0;
	// Work on the unsigned magnitude so the most negative value formats too.
	unsigned __int128 mag = negative ? -static_cast<unsigned __int128>(units) : static_cast<unsigned __int128>(units);
	std::string digits;
	do {
		digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
		mag /= 10;
	} while (mag != 0);
	while (static_cast<int>(digits.size()) <= scale)
		digits.push_back('0');
	std::reverse(digits.begin(), digits.end());
	std::string int_part = digits.substr(0, digits.size() - scale);
	std::string frac_part = digits.substr(digits.size() - scale);
	while (!frac_part.empty() && frac_part.back() == '0')
		frac_part.pop_back();
	std::string result = negative ? "-" : "";
	result += int_part;
	if (!frac_part.empty())
		result += "." + frac_part;
	return result == "-0" ? "0" : result;
}

DecimalError Decimal::parse(std::string_view text, Decimal *out) noexcept {
	int128 units = 0;
	DecimalError err = parse_scaled(text, kScale, &units);
	if (err == DecimalError::kNone)
		*out = Decimal(units);
	return err;
}

bool Decimal::checked_add(const Decimal &other, Decimal *out) const noexcept {
	int128 sum = 0;
	if (__builtin_add_overflow(units_, other.units_, &sum))
		return false;
	*out = Decimal(sum);
	return true;
}

std::string Decimal::to_string() const {
	return format_scaled(units_, kScale);
}

const char *decimal_error_text(DecimalError error) noexcept {
	switch (error) {
	case DecimalError::kNone:
		return "no error";
	case DecimalError::kEmpty:
		return "empty value";
	case DecimalError::kSyntax:
		return "not a plain decimal number";
	case DecimalError::kTooManyDecimals:
		return "more decimal places than supported";
	case DecimalError::kOverflow:
		return "value out of range";
	}
	return "unknown error";
}

} // namespace dexcost
