// The JSON tape parser (see json.hpp for the tape and what is accepted).
//
// One iterative state machine over the bytes (value / key / after-value, with an explicit stack of open
// containers bounded by kJsonMaxDepth), writing nodes into a buffer it doubles when full. Its state lives
// in locals so that the compiler keeps it in registers even under PGXS's -fno-strict-aliasing. Strings
// are scanned 16 bytes at a time (SSE2, baseline on x86-64), then 8 (SWAR), then 1, for '"', '\\' and
// bytes below 0x20; a string without escapes is recorded as a span of the text, one with escapes is
// unescaped into the arena. Every read is bounds-checked against the end of the text: the text need not
// be terminated or padded.
#include "core/json.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dexcost {

namespace {

// Byte classes, one table lookup each.
enum : uint8_t {
	kWhitespace = 1, // space, \t, \n, \r
	kDigit = 2,      // 0-9
	kWordTail = 4,   // what may not directly follow a number or literal: letters, digits, '_', '.', '+', '-', >= 0x80
	kStringStop = 8, // '"', '\\' and bytes below 0x20: the end of a plain run of string bytes
};

// The class bits of every byte.
constexpr std::array<uint8_t, 256> make_classes() {
	std::array<uint8_t, 256> t{};
	for (int c = 0; c < 256; ++c) {
		uint8_t bits = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			bits |= kWhitespace;
		if (c >= '0' && c <= '9')
			bits |= kDigit;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
			c == '+' || c == '-' || c >= 0x80)
			bits |= kWordTail;
		if (c == '"' || c == '\\' || c < 0x20)
			bits |= kStringStop;
		t[static_cast<size_t>(c)] = bits;
	}
	return t;
}

constexpr std::array<uint8_t, 256> kClass = make_classes();

// The value of every hexadecimal digit, 0xff for other bytes.
constexpr std::array<uint8_t, 256> make_hex() {
	std::array<uint8_t, 256> t{};
	for (int c = 0; c < 256; ++c)
		t[static_cast<size_t>(c)] = c >= '0' && c <= '9'   ? static_cast<uint8_t>(c - '0')
									: c >= 'a' && c <= 'f' ? static_cast<uint8_t>(c - 'a' + 10)
									: c >= 'A' && c <= 'F' ? static_cast<uint8_t>(c - 'A' + 10)
														   : 0xff;
	return t;
}

constexpr std::array<uint8_t, 256> kHex = make_hex();

// PostgreSQL numeric's limits (numeric.c): the int16 weight of the first base-10000 digit, the 14-bit display
// scale, and the exponent bound set_var_from_str checks before anything else.
constexpr int64_t kNumericMaxWeight = 32767;
constexpr int64_t kNumericMinWeight = -32768;
constexpr int64_t kNumericMaxDscale = 0x3fff;
constexpr int64_t kNumericMaxExponent = 0x7fffffff / 2; // |exponent| >= INT_MAX / 2 is refused

// Messages whose failure is not a plain syntax error (error_kind() tells them apart).
constexpr const char kMsgNul[] = "unsupported Unicode escape sequence \\u0000 (text cannot hold NUL)";
constexpr const char kMsgLongString[] = "string longer than jsonb allows (256 MB)";
constexpr const char kMsgNumericRange[] = "value overflows numeric format";
constexpr const char kMsgTooDeep[] = "nesting deeper than 1000 levels";

// Why and where parsing stopped.
struct Failure {
	const char *what;
	const uint8_t *at;
};

// Records a failure; returns nullptr for the caller to return.
const uint8_t *fail(Failure *f, const char *what, const uint8_t *at) noexcept {
	f->what = what;
	f->at = at;
	return nullptr;
}

// Whether byte c is in class bits.
inline bool is(uint8_t c, uint8_t bits) noexcept {
	return (kClass[c] & bits) != 0;
}

// The first non-whitespace byte at or after p (end if none).
inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end) noexcept {
	while (p < end && is(*p, kWhitespace))
		++p;
	return p;
}

// The first byte at or after p that ends a plain run of string bytes ('"', '\\', below 0x20); end if none.
inline const uint8_t *string_stop(const uint8_t *p, const uint8_t *end) noexcept {
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i control = _mm_set1_epi8(0x1f);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
		// x <= 0x1f (unsigned) exactly when min(x, 0x1f) == x.
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
									_mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
		unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	// SWAR, 8 bytes at a time (after SSE2: the tail): the lowest flagged byte of each test is exact (a borrow
	// only propagates above a true hit).
	constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
	while (end - p >= 8) {
		uint64_t w;
		std::memcpy(&w, p, 8);
		uint64_t q = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
		uint64_t hit = ((q - kOnes) & ~q) | ((b - kOnes) & ~b) | ((w - kOnes * 0x20) & ~w);
		hit &= kHigh;
		if (hit != 0)
			return p + (__builtin_ctzll(hit) >> 3);
		p += 8;
	}
#endif
	while (p < end && !is(*p, kStringStop))
		++p;
	return p;
}

// Reads 4 hexadecimal digits at p into *out; false if there are fewer than 4 bytes or one is not a digit.
inline bool hex4(const uint8_t *p, const uint8_t *end, uint32_t *out) noexcept {
	if (end - p < 4)
		return false;
	uint32_t a = kHex[p[0]], b = kHex[p[1]], c = kHex[p[2]], d = kHex[p[3]];
	if ((a | b | c | d) > 0xf) // some byte was not a digit (0xff)
		return false;
	*out = (a << 12) | (b << 8) | (c << 4) | d;
	return true;
}

// Appends code point cp (1 .. 0x10ffff, not a surrogate) to s as UTF-8.
void append_utf8(std::string *s, uint32_t cp) {
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = static_cast<char>(cp);
		n = 1;
	} else if (cp < 0x800) {
		b[0] = static_cast<char>(0xc0 | (cp >> 6));
		b[1] = static_cast<char>(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = static_cast<char>(0xe0 | (cp >> 12));
		b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
		b[2] = static_cast<char>(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = static_cast<char>(0xf0 | (cp >> 18));
		b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
		b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
		b[3] = static_cast<char>(0x80 | (cp & 0x3f));
		n = 4;
	}
	s->append(b, n);
}

// Decodes the \u escape at q (q[0] == '\\', q[1] == 'u'), pairing surrogates as jsonb_in does, and appends the
// character to arena; returns the byte after the escape (or pair), or nullptr.
const uint8_t *unicode_escape(const uint8_t *q, const uint8_t *end, std::string *arena, Failure *f) {
	uint32_t cp;
	if (!hex4(q + 2, end, &cp))
		return fail(f, "\"\\u\" must be followed by four hexadecimal digits", q);
	const uint8_t *s = q + 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		uint32_t low;
		if (end - s < 2 || s[0] != '\\' || s[1] != 'u')
			return fail(f, "Unicode high surrogate not followed by a low surrogate", q);
		if (!hex4(s + 2, end, &low))
			return fail(f, "\"\\u\" must be followed by four hexadecimal digits", s);
		if (low < 0xdc00 || low > 0xdfff)
			return fail(f, "Unicode high surrogate not followed by a low surrogate", q);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		s += 6;
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		return fail(f, "Unicode low surrogate not preceded by a high surrogate", q);
	} else if (cp == 0) {
		return fail(f, kMsgNul, q);
	}
	append_utf8(arena, cp);
	return s;
}

// Unescapes the string whose content starts at s (after the opening quote) onto the end of arena; q is the
// first stop byte at or after s. Returns the byte after the closing quote, or nullptr.
const uint8_t *unescape_string(const uint8_t *s, const uint8_t *q, const uint8_t *end, std::string *arena, Failure *f) {
	for (;;) {
		arena->append(reinterpret_cast<const char *>(s), static_cast<size_t>(q - s));
		if (q == end)
			return fail(f, "unterminated string", end);
		if (*q == '"')
			return q + 1;
		if (*q != '\\')
			return fail(f, "unescaped control character in a string", q);
		if (end - q < 2)
			return fail(f, "unterminated string", end);
		char c;
		switch (q[1]) {
		case '"':
		case '\\':
		case '/':
			c = static_cast<char>(q[1]);
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			s = unicode_escape(q, end, arena, f);
			if (s == nullptr)
				return nullptr;
			q = string_stop(s, end);
			continue;
		default:
			return fail(f, "invalid escape sequence", q);
		}
		arena->push_back(c);
		s = q + 2;
		q = string_stop(s, end);
	}
}

// Reads a string or key whose content starts at s into node o (whose next is set by the caller); returns the
// byte after the closing quote, or nullptr.
inline const uint8_t *read_string(const uint8_t *begin, const uint8_t *s, const uint8_t *end, JsonNode *o,
								  std::string *arena, Failure *f) {
	const uint8_t *q = string_stop(s, end);
	o->kind = JsonKind::kString;
	o->count = 0;
	if (q < end && *q == '"') {
		if (q - s > kJsonMaxString)
			return fail(f, kMsgLongString, s);
		o->escaped = false;
		o->start = static_cast<uint32_t>(s - begin);
		o->len = static_cast<uint32_t>(q - s);
		return q + 1;
	}
	size_t at = arena->size();
	const uint8_t *after = unescape_string(s, q, end, arena, f);
	if (after == nullptr)
		return nullptr;
	if (arena->size() - at > kJsonMaxString)
		return fail(f, kMsgLongString, s);
	o->escaped = true;
	o->start = static_cast<uint32_t>(at);
	o->len = static_cast<uint32_t>(arena->size() - at);
	return after;
}

// Whether PostgreSQL's numeric_in takes the number with integer digits [ib, ie), fraction digits [fb, fe) and
// exponent digits [eb, ee) (eb == nullptr: none; negative: the exponent's sign), as set_var_from_str and
// make_result decide: |exponent| < INT_MAX / 2, display scale <= 16383, weight of the first non-zero
// base-10000 digit within int16.
bool numeric_in_range(const uint8_t *ib, const uint8_t *ie, const uint8_t *fb, const uint8_t *fe, const uint8_t *eb,
					  const uint8_t *ee, bool negative) noexcept {
	int64_t exponent = 0;
	for (const uint8_t *p = eb; p != nullptr && p < ee; ++p)
		exponent = std::min<int64_t>(exponent * 10 + (*p - '0'), kNumericMaxExponent); // strtol saturates too
	if (negative)
		exponent = -exponent;
	if (exponent >= kNumericMaxExponent || exponent <= -kNumericMaxExponent)
		return false;
	int64_t dscale = std::max<int64_t>(0, (fe - fb) - exponent);
	if (dscale > kNumericMaxDscale)
		return false;
	// The decimal exponent of the first non-zero digit (JSON has no leading zeros but a lone "0").
	int64_t p10;
	if (*ib != '0') {
		p10 = (ie - ib) - 1 + exponent;
	} else {
		const uint8_t *nz = fb;
		while (nz < fe && *nz == '0')
			++nz;
		if (nz == fe)
			return true; // zero: weight 0
		p10 = -(nz - fb) - 1 + exponent;
	}
	int64_t weight = p10 >= 0 ? p10 / 4 : -((-p10 - 1) / 4 + 1); // floor(p10 / 4)
	return weight >= kNumericMinWeight && weight <= kNumericMaxWeight;
}

// Scans the number literal at p ('-' or a digit, p < end); returns the byte after it, or nullptr.
inline const uint8_t *scan_number(const uint8_t *p, const uint8_t *end, Failure *f) noexcept {
	const uint8_t *start = p;
	if (*p == '-')
		++p;
	const uint8_t *ib = p;
	if (p == end || !is(*p, kDigit))
		return fail(f, "invalid number", start);
	if (*p++ != '0')
		while (p < end && is(*p, kDigit))
			++p;
	const uint8_t *ie = p, *fb = p, *fe = p, *eb = nullptr, *ee = nullptr;
	bool negative = false;
	if (p < end && *p == '.') {
		fb = ++p;
		if (p == end || !is(*p, kDigit))
			return fail(f, "invalid number", start);
		while (p < end && is(*p, kDigit))
			++p;
		fe = p;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		++p;
		if (p < end && (*p == '+' || *p == '-'))
			negative = *p++ == '-';
		eb = p;
		if (p == end || !is(*p, kDigit))
			return fail(f, "invalid number", start);
		while (p < end && is(*p, kDigit))
			++p;
		ee = p;
	}
	if (p < end && is(*p, kWordTail))
		return fail(f, "invalid number", start); // "01", "1.2.3", "1x", "-1-"
	if ((eb != nullptr || ie - ib > 4 * (kNumericMaxWeight + 1) || fe - fb > kNumericMaxDscale) &&
		!numeric_in_range(ib, ie, fb, fe, eb, ee, negative))
		return fail(f, kMsgNumericRange, start);
	return p;
}

// Matches the literal word (length n) at p; returns the byte after it, or nullptr.
inline const uint8_t *scan_literal(const uint8_t *p, const uint8_t *end, const char *word, size_t n,
								   Failure *f) noexcept {
	size_t left = static_cast<size_t>(end - p);
	if (left < n || std::memcmp(p, word, n) != 0 || (left > n && is(p[n], kWordTail)))
		return fail(f, "invalid literal (expected true, false or null)", p);
	return p + n;
}

// Completes container node c, whose text ends at byte offset end, with its subtree's end and member count.
inline void close_container(JsonNode *c, uint32_t end, uint32_t next, uint32_t count) noexcept {
	c->len = end - c->start;
	c->next = next;
	c->count = count;
}

// An open object or array on the parser's stack.
struct Open {
	uint32_t node;  // its index in the tape
	uint32_t count; // members or elements so far
	bool object;
};

const JsonNode kNoNode = {JsonKind::kMissing, false, 0, 0, kJsonNone, 0};

} // namespace

// Parses text, turning allocation failures into an error.
bool JsonTape::parse(std::string_view text) noexcept {
	clear();
	text_ = text;
	bool ok;
	try {
		ok = parse_or_throw(text);
	} catch (...) { // std::bad_alloc, or std::length_error from the arena
		error_ = "out of memory";
		error_kind_ = JsonError::kOutOfMemory;
		error_offset_ = 0;
		ok = false;
	}
	if (!ok) {
		size_ = 0;
		arena_.clear();
	}
	return ok;
}

// Empties the tape, keeping its buffers.
void JsonTape::clear() noexcept {
	text_ = std::string_view();
	size_ = 0;
	arena_.clear();
	error_ = "";
	error_kind_ = JsonError::kNone;
	error_offset_ = 0;
}

// Makes room for at least `want` nodes (doubling), keeping the first size_.
void JsonTape::grow_nodes(size_t want) {
	size_t cap = std::max<size_t>({want, capacity_ * 2, 64});
	std::unique_ptr<JsonNode[]> bigger(new JsonNode[cap]);
	if (size_ > 0)
		std::memcpy(bigger.get(), nodes_.get(), size_ * sizeof(JsonNode));
	nodes_ = std::move(bigger);
	capacity_ = cap;
}

// The parser proper: a state machine over value, key and after-value, with an explicit stack.
bool JsonTape::parse_or_throw(std::string_view text) {
	if (text.size() > kJsonMaxInput) {
		error_ = "input of 1 GB or more";
		error_kind_ = JsonError::kTooLong;
		error_offset_ = 0;
		return false;
	}
	Failure f = {nullptr, nullptr};
	const uint8_t *const begin = reinterpret_cast<const uint8_t *>(text.data());
	const uint8_t *const end = begin + text.size();
	if (capacity_ == 0)
		grow_nodes(std::min<size_t>(text.size() / 8 + 16, size_t{1} << 20)); // ~1 node per 10 bytes of payload
	JsonNode *base = nodes_.get();
	uint32_t n = 0;
	size_t cap = capacity_;
	Open stack[kJsonMaxDepth];
	uint32_t depth = 0;
	const uint8_t *p = begin;
	JsonNode *o;

	// Appends a node, growing the buffer when full.
	auto emit = [&]() -> JsonNode * {
		if (n == cap) {
			size_ = n;
			grow_nodes(size_t{n} + 1);
			base = nodes_.get();
			cap = capacity_;
		}
		return base + n++;
	};

value:
	p = skip_ws(p, end);
	if (p == end)
		goto eof;
	switch (*p) {
	case '{':
	case '[': {
		if (depth == kJsonMaxDepth) {
			fail(&f, kMsgTooDeep, p);
			goto failed;
		}
		bool object = *p == '{';
		o = emit();
		o->kind = object ? JsonKind::kObject : JsonKind::kArray;
		o->escaped = false;
		o->start = static_cast<uint32_t>(p - begin);
		stack[depth++] = Open{n - 1, 0, object};
		p = skip_ws(p + 1, end);
		if (p == end)
			goto eof;
		if (*p == (object ? '}' : ']'))
			goto close;
		if (object)
			goto key;
		stack[depth - 1].count = 1;
		goto value;
	}
	case '"':
		o = emit();
		o->next = n;
		p = read_string(begin, p + 1, end, o, &arena_, &f);
		if (p == nullptr)
			goto failed;
		goto after;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': {
		const uint8_t *q = scan_number(p, end, &f);
		if (q == nullptr)
			goto failed;
		o = emit();
		*o = JsonNode{JsonKind::kNumber, false, static_cast<uint32_t>(p - begin), static_cast<uint32_t>(q - p), n, 0};
		p = q;
		goto after;
	}
	case 't':
	case 'f':
	case 'n': {
		JsonKind kind = *p == 't' ? JsonKind::kTrue : *p == 'f' ? JsonKind::kFalse : JsonKind::kNull;
		const uint8_t *q = kind == JsonKind::kTrue    ? scan_literal(p, end, "true", 4, &f)
						   : kind == JsonKind::kFalse ? scan_literal(p, end, "false", 5, &f)
													  : scan_literal(p, end, "null", 4, &f);
		if (q == nullptr)
			goto failed;
		o = emit();
		*o = JsonNode{kind, false, static_cast<uint32_t>(p - begin), static_cast<uint32_t>(q - p), n, 0};
		p = q;
		goto after;
	}
	default:
		fail(&f, "expected a JSON value", p);
		goto failed;
	}

key: // p at the first byte of a member, after skipping whitespace
	if (*p != '"') {
		fail(&f, "expected a string as object key", p);
		goto failed;
	}
	stack[depth - 1].count++;
	o = emit();
	o->next = n;
	p = read_string(begin, p + 1, end, o, &arena_, &f);
	if (p == nullptr)
		goto failed;
	p = skip_ws(p, end);
	if (p == end)
		goto eof;
	if (*p != ':') {
		fail(&f, "expected ':' after an object key", p);
		goto failed;
	}
	++p;
	goto value;

after: // a value ended at p
	if (depth == 0)
		goto done;
	p = skip_ws(p, end);
	if (p == end)
		goto eof;
	if (stack[depth - 1].object) {
		if (*p == ',') {
			p = skip_ws(p + 1, end);
			if (p == end)
				goto eof;
			goto key;
		}
		if (*p == '}')
			goto close;
		fail(&f, "expected ',' or '}' after an object member", p);
		goto failed;
	}
	if (*p == ',') {
		stack[depth - 1].count++;
		++p;
		goto value;
	}
	if (*p == ']')
		goto close;
	fail(&f, "expected ',' or ']' after an array element", p);
	goto failed;

close: // p at the closing bracket of the innermost open container
	--depth;
	++p;
	close_container(base + stack[depth].node, static_cast<uint32_t>(p - begin), n, stack[depth].count);
	goto after;

done:
	p = skip_ws(p, end);
	if (p != end) {
		fail(&f, "unexpected text after the JSON value", p);
		goto failed;
	}
	size_ = n;
	return true;

eof:
	fail(&f, text.empty() ? "empty input" : "unexpected end of input", end);
failed:
	error_ = f.what;
	error_kind_ = f.what == kMsgNul            ? JsonError::kNulEscape
	              : f.what == kMsgNumericRange ? JsonError::kNumericRange
	              : f.what == kMsgLongString   ? JsonError::kTooLong
	              : f.what == kMsgTooDeep      ? JsonError::kTooDeep
	                                           : JsonError::kSyntax;
	error_offset_ = static_cast<size_t>(f.at - begin);
	return false;
}

// Node i, or a kMissing node when out of range.
const JsonNode &JsonTape::node(uint32_t i) const noexcept {
	return i < size_ ? nodes_[i] : kNoNode;
}

// The unescaped value of a string or key node.
std::string_view JsonTape::string_value(uint32_t i) const noexcept {
	if (i >= size_ || nodes_[i].kind != JsonKind::kString)
		return std::string_view();
	const JsonNode &n = nodes_[i];
	return std::string_view((n.escaped ? arena_.data() : text_.data()) + n.start, n.len);
}

// The literal of a number node.
std::string_view JsonTape::number_text(uint32_t i) const noexcept {
	if (i >= size_ || nodes_[i].kind != JsonKind::kNumber)
		return std::string_view();
	return std::string_view(text_.data() + nodes_[i].start, nodes_[i].len);
}

// The JSON text of any node but a string or key.
std::string_view JsonTape::json_text(uint32_t i) const noexcept {
	if (i >= size_ || nodes_[i].kind == JsonKind::kString)
		return std::string_view();
	return std::string_view(text_.data() + nodes_[i].start, nodes_[i].len);
}

namespace {

// The first 8 bytes of a key as a big-endian number, zero-padded: keys hold no NUL (the parser refuses raw
// control bytes and \u0000), so comparing prefixes orders keys as std::string_view does, up to ties.
// Reads p[0, n) only, or p[0, 8) when readable is true.
inline uint64_t key_prefix(const char *p, size_t n, bool readable) noexcept {
	uint64_t w = 0;
	if (n >= 8 || readable) {
		std::memcpy(&w, p, 8);
		if (n < 8)
			w &= (uint64_t{1} << (8 * n)) - 1;
	} else {
		for (size_t i = 0; i < n; ++i)
			w |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

constexpr size_t kPrefixKeys = 64; // find_keys with more wanted keys uses plain binary search

} // namespace

// One pass over the object's members, each key binary-searched among the wanted ones (on 8-byte prefixes,
// branch-free, then the tie run compared in full); later duplicates win.
void JsonTape::find_keys(uint32_t object, const std::string_view *sorted_keys, size_t n,
						 uint32_t *value_nodes) const noexcept {
	for (size_t k = 0; k < n; ++k)
		value_nodes[k] = kJsonNone;
	if (object >= size_ || nodes_[object].kind != JsonKind::kObject || n == 0)
		return;
	uint64_t prefix[kPrefixKeys];
	const bool prefixed = n <= kPrefixKeys;
	for (size_t k = 0; prefixed && k < n; ++k)
		prefix[k] = key_prefix(sorted_keys[k].data(), sorted_keys[k].size(), false);
	const uint32_t end = nodes_[object].next;
	for (uint32_t key = object + 1; key < end; key = nodes_[key + 1].next) {
		const JsonNode &kn = nodes_[key];
		const std::string &buffer_owner = arena_; // escaped keys live in the arena, others in the text
		const char *base = kn.escaped ? buffer_owner.data() : text_.data();
		size_t buffer_size = kn.escaped ? buffer_owner.size() : text_.size();
		std::string_view name(base + kn.start, kn.len);
		size_t lo = 0;
		if (prefixed) {
			uint64_t x = key_prefix(name.data(), name.size(), size_t{kn.start} + 8 <= buffer_size);
			for (size_t len = n; len > 1;) { // lo: first wanted key whose prefix is >= x
				size_t half = len / 2;
				lo = prefix[lo + half - 1] < x ? lo + half : lo;
				len -= half;
			}
			lo += prefix[lo] < x;
			for (; lo < n && prefix[lo] == x; ++lo) {
				const std::string_view &want = sorted_keys[lo];
				if (want.size() == name.size() &&
					(name.size() <= 8 || std::memcmp(want.data() + 8, name.data() + 8, name.size() - 8) == 0)) {
					value_nodes[lo] = key + 1;
					break;
				}
			}
			continue;
		}
		for (size_t hi = n; lo < hi;) {
			size_t mid = (lo + hi) / 2;
			int c = sorted_keys[mid].compare(name);
			if (c == 0) {
				value_nodes[mid] = key + 1;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
}

} // namespace dexcost
