// Validation of the dexcost SDK v1 wire format's scalar fields (contracts/python-vnext/v1).
//
// ingest() must refuse a bad record with a reason that names the field, and store every good
// one: a value PostgreSQL would refuse (a 13th month, a malformed uuid) must be caught here,
// before it reaches a PostgreSQL input function that would abort the whole call. All checks
// are pure, allocation-free and noexcept.
#pragma once

#include "core/cpp_only.hpp"

#include <cstddef>
#include <string_view>

namespace dexcost {

// Whether s is a canonical hyphenated uuid (8-4-4-4-12 hex digits, either case).
bool is_uuid(std::string_view s) noexcept;

// Whether s matches the contract's decimal string: -?(0|[1-9][0-9]*)(\.[0-9]+)?
bool is_wire_decimal(std::string_view s) noexcept;

// Whether s is an RFC 3339 date-time with a real calendar date and an offset (Z or +hh:mm),
// e.g. 2026-05-26T12:34:56.789000Z. A space instead of T is accepted, as Python writes it.
bool is_rfc3339(std::string_view s) noexcept;

// Number of Unicode code points in UTF-8 text (what JSON Schema's maxLength counts); -1 if invalid.
long utf8_length(std::string_view s) noexcept;

} // namespace dexcost
