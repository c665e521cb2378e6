// Canonical padded base64 behind a text prefix (see base64.hpp).
#include "core/base64.hpp"

#include <cstring>

namespace dexcost {

namespace {

constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of a base64 digit, or -1.
inline int digit_value(char c) noexcept {
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

} // namespace

bool base64_encode(std::string_view prefix, const uint8_t *bytes, size_t len, char *out, size_t cap,
                   size_t *written) noexcept {
	size_t size = base64_text_size(prefix, len);
	if (cap < size)
		return false;
	std::memcpy(out, prefix.data(), prefix.size());
	char *p = out + prefix.size();
	for (size_t i = 0; i < len; i += 3) {
		size_t take = len - i < 3 ? len - i : 3;
		uint32_t group = static_cast<uint32_t>(bytes[i]) << 16;
		if (take > 1)
			group |= static_cast<uint32_t>(bytes[i + 1]) << 8;
		if (take > 2)
			group |= bytes[i + 2];
		*p++ = kDigits[(group >> 18) & 63];
		*p++ = kDigits[(group >> 12) & 63];
		*p++ = take > 1 ? kDigits[(group >> 6) & 63] : '=';
		*p++ = take > 2 ? kDigits[group & 63] : '=';
	}
	*written = size;
	return true;
}

Base64Status base64_decode(std::string_view prefix, const char *text, size_t len, uint8_t *out, size_t cap,
                           size_t *written) noexcept {
	if (text == nullptr || len < prefix.size() || std::memcmp(text, prefix.data(), prefix.size()) != 0)
		return Base64Status::kCorrupt;
	const char *b = text + prefix.size();
	size_t n = len - prefix.size();
	if (n % 4 != 0)
		return Base64Status::kCorrupt;
	size_t pad = 0;
	if (n >= 4 && b[n - 1] == '=')
		pad = b[n - 2] == '=' ? 2 : 1;
	size_t bytes = n / 4 * 3 - pad;
	if (out && cap < bytes)
		return Base64Status::kBufferTooSmall;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int v[4];
		for (int j = 0; j < 4; ++j) {
			bool is_pad = last && j >= 4 - static_cast<int>(pad);
			v[j] = is_pad ? 0 : digit_value(b[i + j]);
			if (v[j] < 0)
				return Base64Status::kCorrupt;
		}
		uint32_t group = (static_cast<uint32_t>(v[0]) << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
		int take = last ? 3 - static_cast<int>(pad) : 3;
		// Canonical: the bits below the last encoded byte are zero.
		if (take < 3 && (group & ((1u << (8 * (3 - take))) - 1)) != 0)
			return Base64Status::kCorrupt;
		for (int j = 0; j < take; ++j) {
			if (out)
				out[o] = static_cast<uint8_t>(group >> (16 - 8 * j));
			++o;
		}
	}
	*written = bytes;
	return Base64Status::kOk;
}

} // namespace dexcost
