// Canonical padded base64 behind a text prefix: the text forms of the ddsketch and pareto types
// ("ddsketch:…", "pareto:…"). Canonical on input too: padding only at the end, the unused bits
// of the last group zero, so every byte string has exactly one text form.
#pragma once

#include "core/cpp_only.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dexcost {

// What decoding found.
enum class Base64Status : uint8_t {
	kOk,
	kCorrupt,        // not prefix + canonical padded base64
	kBufferTooSmall, // the output buffer is smaller than the decoded size
};

// Characters of prefix + the base64 of len bytes (no terminating NUL).
inline size_t base64_text_size(std::string_view prefix, size_t len) noexcept {
	return prefix.size() + (len + 2) / 3 * 4;
}

// Writes prefix + base64 of bytes into out (no NUL); false when cap < base64_text_size.
bool base64_encode(std::string_view prefix, const uint8_t *bytes, size_t len, char *out, size_t cap,
                   size_t *written) noexcept;

// Decodes prefix + canonical padded base64 into out; with out null, only checks the syntax and
// reports the decoded size in *written.
Base64Status base64_decode(std::string_view prefix, const char *text, size_t len, uint8_t *out, size_t cap,
                           size_t *written) noexcept;

} // namespace dexcost
