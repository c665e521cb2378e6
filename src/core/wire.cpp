// Validation of the dexcost SDK v1 wire format's scalar fields.
#include "core/wire.hpp"

namespace dexcost {

namespace {

bool is_hex(char c) {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

// Reads exactly n digits at s[pos] into *value.
bool digits(std::string_view s, size_t pos, size_t n, int *value) {
	if (pos + n > s.size())
		return false;
	int v = 0;
	for (size_t i = 0; i < n; ++i) {
		if (!is_digit(s[pos + i]))
			return false;
		v = v * 10 + (s[pos + i] - '0');
	}
	*value = v;
	return true;
}

bool leap_year(int y) {
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

} // namespace

bool is_uuid(std::string_view s) noexcept {
	if (s.size() != 36)
		return false;
	for (size_t i = 0; i < s.size(); ++i) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return false;
	}
	return true;
}

bool is_wire_decimal(std::string_view s) noexcept {
	size_t i = 0;
	if (i < s.size() && s[i] == '-')
		++i;
	if (i >= s.size() || !is_digit(s[i]))
		return false;
	if (s[i] == '0') {
		++i;
	} else {
		while (i < s.size() && is_digit(s[i]))
			++i;
	}
	if (i == s.size())
		return true;
	if (s[i] != '.')
		return false;
	++i;
	if (i >= s.size())
		return false;
	while (i < s.size() && is_digit(s[i]))
		++i;
	return i == s.size();
}

bool is_rfc3339(std::string_view s) noexcept {
	int y, mo, d, h, mi, sec;
	if (!digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
	    !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, &h) ||
	    s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' || !digits(s, 17, 2, &sec))
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return false;
	size_t i = 19;
	if (i < s.size() && s[i] == '.') {
		size_t start = ++i;
		while (i < s.size() && is_digit(s[i]))
			++i;
		if (i == start)
			return false;
	}
	if (i < s.size() && (s[i] == 'Z' || s[i] == 'z'))
		return i + 1 == s.size();
	int oh, om;
	if (i < s.size() && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2, &oh) && i + 3 < s.size() &&
	    s[i + 3] == ':' && digits(s, i + 4, 2, &om))
		return i + 6 == s.size() && oh <= 23 && om <= 59;
	return false;
}

long utf8_length(std::string_view s) noexcept {
	long n = 0;
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
		if (len == 0 || i + len > s.size())
			return -1;
		for (size_t k = 1; k < len; ++k)
			if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
				return -1;
		i += len;
		++n;
	}
	return n;
}

} // namespace dexcost
