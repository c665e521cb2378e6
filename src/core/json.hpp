// A fast, strict JSON parser into a flat tape of nodes, for dexcost.ingest(text).
//
// Why: the binding reads ~25 known keys of each of hundreds of records in a payload of a few hundred kB.
// jsonb_in builds a whole jsonb (every number through numeric_in, every object sorted) to be read once;
// this parser only records where things are, and the binding builds jsonb for what it stores.
//
// Tape: the nodes of the document in document order, node 0 the top-level value. An object node is
// followed by its members, each a key node (kind kString) and then the value's subtree; an array node by
// its elements' subtrees. JsonNode::next is the index of the first node after a node's subtree (i + 1
// for scalars and keys), so a subtree is skipped in one step:
//   elements of array a:    for (uint32_t e = a + 1; e < tape.node(a).next; e = tape.node(e).next)
//   members of object o:    for (uint32_t k = o + 1; k < tape.node(o).next; k = tape.node(k + 1).next)
//                           (key k, value k + 1)
// Spans (start, len) are byte offsets: objects and arrays cover their whole JSON text ('{' to '}'), so
// json_text() can be handed to jsonb_in; numbers and true/false/null their literal; strings and keys the
// unescaped value, in the input text when the string has no escape, else in an arena the tape owns
// (JsonNode::escaped). Views returned by the tape point into the input text or the tape: both must
// outlive them, and the next parse() invalidates them.
//
// Strictness: exactly what PostgreSQL 15's jsonb_in accepts in a UTF-8 database, so that the text path
// and the jsonb path accept the same documents:
//   - RFC 8259 grammar; any value at top level; whitespace only space, tab, LF, CR; nothing but whitespace
//     after the value; no comments, trailing commas, single quotes, NaN/Infinity, '+1', '01', '1.', '.5', '1e';
//   - strings: no raw byte below 0x20; escapes \" \\ \/ \b \f \n \r \t \uXXXX (hex in either case); a
//     surrogate pair becomes one 4-byte UTF-8 sequence; a lone surrogate is refused, and so is \u0000
//     (text cannot hold NUL: jsonb_in says "unsupported Unicode escape sequence"); other bytes are copied
//     as they are (PostgreSQL has validated the encoding; the parser never reads outside the text anyway);
//   - numbers outside PostgreSQL numeric's range, which jsonb_in refuses with "value overflows numeric
//     format": more than 131072 digits before the point (weight above 32767), more than 16383 after
//     (display scale), or an exponent of 1073741823 or more in magnitude; so "1e131072" and "1e-16384"
//     are refused while "1e131071" and "0e99" are accepted;
//   - strings and keys longer than jsonb can store (kJsonMaxString bytes unescaped) are refused.
// Limits of this parser (jsonb_in has none or others): nesting deeper than kJsonMaxDepth, and input of
// 1 GB or more (PostgreSQL cannot hold such a text anyway). Not checked: jsonb's limits on a container's
// binary size (256 MB) and pair count, which only a payload of hundreds of MB can reach.
// A database whose encoding is not UTF-8 must use jsonb_in: \u escapes are decoded to UTF-8 here.
//
// Every function is noexcept: parse() catches std::bad_alloc and reports "out of memory". The parser is
// iterative (no recursion) and allocates only the tape's node buffer and arena, kept across parses.
#pragma once

#include "core/cpp_only.hpp"
#include "core/ingest.hpp" // JsonKind

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace dexcost {

constexpr uint32_t kJsonNone = 0xffffffffu;             // no node: an absent key in find_keys
constexpr uint32_t kJsonMaxDepth = 1000;                // deepest nesting of objects and arrays accepted
constexpr size_t kJsonMaxInput = (size_t{1} << 30) - 1; // longest input accepted (PostgreSQL's MaxAllocSize)
constexpr uint32_t kJsonMaxString = 0x0fffffff;         // longest string or key jsonb stores (JENTRY_OFFLENMASK)

// Kinds of parse failure: kSyntax for text that is not JSON; the others for JSON that
// PostgreSQL's jsonb could not hold either (\u0000, a number outside numeric's range, a
// string over 256 MB or an input of 1 GB or more, nesting deeper than kJsonMaxDepth).
enum class JsonError : uint8_t { kNone, kSyntax, kNulEscape, kNumericRange, kTooLong, kTooDeep, kOutOfMemory };

// One value, or one object key, of a parsed document. Plain data: the tape is an array of these.
struct JsonNode {
	JsonKind kind;  // kString for keys too; never kMissing in a parsed tape
	bool escaped;   // strings and keys: start/len index the tape's arena (the text had escapes), not the text
	uint32_t start; // byte offset of the value (see the file comment for what the span covers)
	uint32_t len;   // byte length of that span
	uint32_t next;  // index of the first node after this node's subtree
	uint32_t count; // objects: members; arrays: elements; otherwise 0
};

// A parsed JSON document. Reusable: parse() again to replace the document, keeping the buffers.
class JsonTape {
  public:
	JsonTape() noexcept = default;
	JsonTape(const JsonTape &) = delete;
	JsonTape &operator=(const JsonTape &) = delete;

	// Parses text into the tape; false (and an empty tape) when text is not acceptable JSON or memory ran out.
	bool parse(std::string_view text) noexcept;
	// Empties the tape (keeps its buffers).
	void clear() noexcept;

	// Why the last parse() failed: a short lower-case phrase, no period ("" after a success).
	const char *error() const noexcept { return error_; }
	// The byte offset where the last parse() failed (text.size() when the text ended too soon).
	size_t error_offset() const noexcept { return error_offset_; }
	// What kind of failure that was (the binding picks the SQLSTATE jsonb input would raise).
	JsonError error_kind() const noexcept { return error_kind_; }

	// The number of nodes (0 after a failed parse).
	uint32_t size() const noexcept { return size_; }
	// Node i; a kMissing node with next = kJsonNone when i is out of range.
	const JsonNode &node(uint32_t i) const noexcept;
	// The text the tape was parsed from.
	std::string_view text() const noexcept { return text_; }

	// The unescaped value of a string or key node; empty for other nodes.
	std::string_view string_value(uint32_t i) const noexcept;
	// The literal text of a number node ("-1.5e3"); empty for other nodes.
	std::string_view number_text(uint32_t i) const noexcept;
	// The JSON text of an object, array, number, true, false or null node; empty for strings and keys.
	std::string_view json_text(uint32_t i) const noexcept;

	// For each of n keys (sorted ascending, as std::string_view compares, no duplicates), the index of the
	// value node of its last occurrence in object node `object` (jsonb keeps the last duplicate), or
	// kJsonNone when absent or when `object` is not an object. One pass over the members, each key
	// binary-searched in sorted_keys.
	void find_keys(uint32_t object, const std::string_view *sorted_keys, size_t n,
				   uint32_t *value_nodes) const noexcept;

  private:
	// Parses into the buffers; throws std::bad_alloc when a buffer cannot grow.
	bool parse_or_throw(std::string_view text);
	// Makes room for at least `want` nodes, keeping the first size_.
	void grow_nodes(size_t want);

	std::string_view text_;
	std::unique_ptr<JsonNode[]> nodes_; // capacity_ nodes, the first size_ valid
	uint32_t size_ = 0;
	size_t capacity_ = 0;
	std::string arena_; // unescaped strings and keys that had escapes
	const char *error_ = "";
	size_t error_offset_ = 0;
	JsonError error_kind_ = JsonError::kNone;
};

} // namespace dexcost
