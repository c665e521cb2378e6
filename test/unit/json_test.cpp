// Unit tests for the JSON tape parser: conformance (what jsonb_in accepts), unescaping, the tape's layout and
// spans, find_keys, limits, re-use, truncations, and random documents and mutations checked against an
// independent reference parser written after PostgreSQL's json lexer and numeric_in.
#include "core/json.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace dexcost;
using namespace std::string_literals;

namespace {

// ---------------------------------------------------------------------------------------------------------
// The reference: a recursive-descent parser that follows PostgreSQL 15's json_lex/json_lex_string/
// json_lex_number and set_var_from_str/make_result step by step (strtol and all), and writes a canonical form
// of the document. Slow and obvious; shares no code with json.cpp.

// Whether c is what PostgreSQL's lexer counts as part of a word (JSON_ALPHANUMERIC_CHAR).
bool pg_alnum(unsigned char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

// Whether numeric_in takes the literal (already known to be JSON number syntax), as numeric.c computes it.
bool pg_numeric_ok(const std::string &lit) {
	const char *cp = lit.c_str();
	if (*cp == '-')
		++cp;
	std::vector<int> digits;
	int dweight = -1, dscale = 0;
	bool have_dp = false;
	for (; *cp; ++cp) {
		if (*cp >= '0' && *cp <= '9') {
			digits.push_back(*cp - '0');
			if (!have_dp)
				dweight++;
			else
				dscale++;
		} else if (*cp == '.') {
			have_dp = true;
		} else {
			break;
		}
	}
	if (*cp == 'e' || *cp == 'E') {
		++cp;
		errno = 0;
		char *endptr;
		long exponent = std::strtol(cp, &endptr, 10);
		if (exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2))
			return false;
		dweight += static_cast<int>(exponent);
		dscale -= static_cast<int>(exponent);
		if (dscale < 0)
			dscale = 0;
	}
	int weight = dweight >= 0 ? (dweight + 1 + 4 - 1) / 4 - 1 : -((-dweight - 1) / 4 + 1);
	int offset = (weight + 1) * 4 - (dweight + 1);
	// strip_var: drop leading zero base-10000 digits; the first non-zero decimal digit sits in group
	// (offset + its index) / 4.
	size_t first = 0;
	while (first < digits.size() && digits[first] == 0)
		++first;
	if (first == digits.size())
		weight = 0;
	else
		weight -= static_cast<int>((static_cast<size_t>(offset) + first) / 4);
	return weight >= -32768 && weight <= 32767 && dscale <= 0x3fff;
}

// Appends code point ch as UTF-8 (unicode_to_utf8).
void ref_utf8(std::string *out, int ch) {
	if (ch <= 0x7f) {
		*out += static_cast<char>(ch);
	} else if (ch <= 0x7ff) {
		*out += static_cast<char>(0xc0 | ((ch >> 6) & 0x1f));
		*out += static_cast<char>(0x80 | (ch & 0x3f));
	} else if (ch <= 0xffff) {
		*out += static_cast<char>(0xe0 | ((ch >> 12) & 0x0f));
		*out += static_cast<char>(0x80 | ((ch >> 6) & 0x3f));
		*out += static_cast<char>(0x80 | (ch & 0x3f));
	} else {
		*out += static_cast<char>(0xf0 | ((ch >> 18) & 0x07));
		*out += static_cast<char>(0x80 | ((ch >> 12) & 0x3f));
		*out += static_cast<char>(0x80 | ((ch >> 6) & 0x3f));
		*out += static_cast<char>(0x80 | (ch & 0x3f));
	}
}

// The reference parser over one text.
struct Ref {
	std::string_view s;
	size_t i = 0;
	int depth = 0;
	std::string out; // canonical form

	// Skips JSON whitespace.
	void ws() {
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			++i;
	}

	// A string token at s[i] == '"', unescaped into *val, as json_lex_string with need_escapes.
	bool string(std::string *val) {
		int hi_surrogate = -1;
		for (;;) {
			++i;
			if (i >= s.size())
				return false;
			unsigned char c = static_cast<unsigned char>(s[i]);
			if (c == '"')
				break;
			if (c == '\\') {
				++i;
				if (i >= s.size())
					return false;
				if (s[i] == 'u') {
					int ch = 0;
					for (int k = 1; k <= 4; ++k) {
						++i;
						if (i >= s.size())
							return false;
						char h = s[i];
						if (h >= '0' && h <= '9')
							ch = ch * 16 + (h - '0');
						else if (h >= 'a' && h <= 'f')
							ch = ch * 16 + (h - 'a') + 10;
						else if (h >= 'A' && h <= 'F')
							ch = ch * 16 + (h - 'A') + 10;
						else
							return false;
					}
					if (ch >= 0xd800 && ch <= 0xdbff) {
						if (hi_surrogate != -1)
							return false;
						hi_surrogate = ch;
						continue;
					} else if (ch >= 0xdc00 && ch <= 0xdfff) {
						if (hi_surrogate == -1)
							return false;
						ch = ((hi_surrogate & 0x3ff) << 10) + (ch & 0x3ff) + 0x10000;
						hi_surrogate = -1;
					}
					if (hi_surrogate != -1)
						return false;
					if (ch == 0)
						return false;
					ref_utf8(val, ch);
				} else {
					if (hi_surrogate != -1)
						return false;
					switch (s[i]) {
					case '"':
					case '\\':
					case '/':
						*val += s[i];
						break;
					case 'b':
						*val += '\b';
						break;
					case 'f':
						*val += '\f';
						break;
					case 'n':
						*val += '\n';
						break;
					case 'r':
						*val += '\r';
						break;
					case 't':
						*val += '\t';
						break;
					default:
						return false;
					}
				}
			} else {
				if (hi_surrogate != -1)
					return false;
				if (c < 32)
					return false;
				*val += static_cast<char>(c);
			}
		}
		if (hi_surrogate != -1)
			return false;
		++i;
		return val->size() <= 0x0fffffff; // checkStringLen
	}

	// A number token at s[i] ('-' or a digit), as json_lex_number plus numeric_in.
	bool number() {
		size_t start = i;
		if (s[i] == '-')
			++i;
		if (i < s.size() && s[i] == '0') {
			++i;
		} else if (i < s.size() && s[i] >= '1' && s[i] <= '9') {
			while (i < s.size() && s[i] >= '0' && s[i] <= '9')
				++i;
		} else {
			return false;
		}
		if (i < s.size() && s[i] == '.') {
			++i;
			if (i == s.size() || s[i] < '0' || s[i] > '9')
				return false;
			while (i < s.size() && s[i] >= '0' && s[i] <= '9')
				++i;
		}
		if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
			++i;
			if (i < s.size() && (s[i] == '+' || s[i] == '-'))
				++i;
			if (i == s.size() || s[i] < '0' || s[i] > '9')
				return false;
			while (i < s.size() && s[i] >= '0' && s[i] <= '9')
				++i;
		}
		if (i < s.size() && pg_alnum(static_cast<unsigned char>(s[i])))
			return false;
		std::string lit(s.substr(start, i - start));
		if (!pg_numeric_ok(lit))
			return false;
		out += 'N' + lit + ';';
		return true;
	}

	// Appends a string's canonical form.
	void put_string(char tag, const std::string &v) { out += tag + std::to_string(v.size()) + ':' + v; }

	// One value, after optional whitespace.
	bool value() {
		ws();
		if (i >= s.size())
			return false;
		char c = s[i];
		if (c == '{' || c == '[') {
			if (++depth > 1000)
				return false;
			bool object = c == '{';
			out += c;
			++i;
			ws();
			if (i < s.size() && s[i] == (object ? '}' : ']')) {
				++i;
			} else {
				for (;;) {
					if (object) {
						ws();
						if (i >= s.size() || s[i] != '"')
							return false;
						std::string k;
						if (!string(&k))
							return false;
						put_string('K', k);
						ws();
						if (i >= s.size() || s[i] != ':')
							return false;
						++i;
					}
					if (!value())
						return false;
					ws();
					if (i >= s.size())
						return false;
					if (s[i] == ',') {
						++i;
						continue;
					}
					if (s[i] != (object ? '}' : ']'))
						return false;
					++i;
					break;
				}
			}
			out += object ? '}' : ']';
			--depth;
			return true;
		}
		if (c == '"') {
			std::string v;
			if (!string(&v))
				return false;
			put_string('S', v);
			return true;
		}
		if (c == '-' || (c >= '0' && c <= '9'))
			return number();
		size_t p = i;
		while (p < s.size() && pg_alnum(static_cast<unsigned char>(s[p])))
			++p;
		std::string_view word = s.substr(i, p - i);
		if (word == "true")
			out += 'T';
		else if (word == "false")
			out += 'F';
		else if (word == "null")
			out += 'Z';
		else
			return false;
		i = p;
		return true;
	}
};

// The reference's verdict on text, and its canonical form when accepted.
bool ref_parse(std::string_view text, std::string *canon) {
	Ref r;
	r.s = text;
	if (!r.value())
		return false;
	r.ws();
	if (r.i != text.size())
		return false;
	*canon = r.out;
	return true;
}

// ---------------------------------------------------------------------------------------------------------
// Reading a tape back.

// Appends the canonical form of node i and checks the tape's invariants on the way; returns false (with a
// gtest failure) when one does not hold.
bool canon_tape(const JsonTape &t, uint32_t i, std::string *out) {
	const JsonNode &n = t.node(i);
	if (n.next <= i || n.next > t.size()) {
		ADD_FAILURE() << "node " << i << ": next " << n.next << " out of range";
		return false;
	}
	switch (n.kind) {
	case JsonKind::kObject:
	case JsonKind::kArray: {
		bool object = n.kind == JsonKind::kObject;
		std::string_view span = t.json_text(i);
		if (span.size() < 2 || span.front() != (object ? '{' : '[') || span.back() != (object ? '}' : ']')) {
			ADD_FAILURE() << "node " << i << ": span is not the container's text";
			return false;
		}
		*out += object ? '{' : '[';
		uint32_t members = 0, k = i + 1;
		while (k < n.next) {
			if (object) {
				const JsonNode &key = t.node(k);
				if (key.kind != JsonKind::kString || key.next != k + 1) {
					ADD_FAILURE() << "node " << k << ": not a key";
					return false;
				}
				std::string_view name = t.string_value(k);
				*out += 'K' + std::to_string(name.size()) + ':';
				*out += name;
				++k;
			}
			if (!canon_tape(t, k, out))
				return false;
			k = t.node(k).next;
			++members;
		}
		if (k != n.next || members != n.count) {
			ADD_FAILURE() << "node " << i << ": count " << n.count << ", iterated " << members;
			return false;
		}
		*out += object ? '}' : ']';
		return true;
	}
	case JsonKind::kString: {
		std::string_view v = t.string_value(i);
		*out += 'S' + std::to_string(v.size()) + ':';
		*out += v;
		break;
	}
	case JsonKind::kNumber:
		*out += 'N';
		*out += t.number_text(i);
		*out += ';';
		break;
	case JsonKind::kTrue:
		*out += 'T';
		break;
	case JsonKind::kFalse:
		*out += 'F';
		break;
	case JsonKind::kNull:
		*out += 'Z';
		break;
	default:
		ADD_FAILURE() << "node " << i << ": kind " << static_cast<int>(n.kind);
		return false;
	}
	if (n.next != i + 1 || n.count != 0) {
		ADD_FAILURE() << "scalar node " << i << ": next " << n.next << ", count " << n.count;
		return false;
	}
	return true;
}

// The canonical form of a whole tape ("" with a failure when invariants break).
std::string canon(const JsonTape &t) {
	std::string out;
	if (t.size() == 0 || !canon_tape(t, 0, &out) || t.node(0).next != t.size())
		return "<broken tape>";
	return out;
}

// Parses text with a fresh tape; true when accepted.
bool accepts(std::string_view text) {
	JsonTape t;
	return t.parse(text);
}

// The error of a refused text ("accepted" when it was not refused).
std::string error_of(std::string_view text, size_t *offset = nullptr) {
	JsonTape t;
	if (t.parse(text))
		return "accepted";
	if (offset)
		*offset = t.error_offset();
	return t.error();
}

// A copy of text in a heap buffer of exactly its size, so that AddressSanitizer reports any read past the end
// (a std::string has a terminator and often spare capacity after its bytes).
class Exact {
  public:
	explicit Exact(std::string_view text) : bytes_(text.begin(), text.end()) {}
	// The copy.
	std::string_view view() const { return std::string_view(bytes_.data(), bytes_.size()); }

  private:
	std::vector<char> bytes_;
};

// n copies of s.
std::string repeat(const std::string &s, size_t n) {
	std::string out;
	for (size_t k = 0; k < n; ++k)
		out += s;
	return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// Conformance, in the spirit of JSONTestSuite's y_ and n_ files, with PostgreSQL's jsonb_in as the judge.

TEST(Json, AcceptsWhatJsonbAccepts) {
	// clang-format off
	const std::vector<std::string> yes = {
		"[]", "{}", "[[]]", "[{}]", "{\"a\":[]}", " [1] ", "\t\n\r [1]\r\n\t ", "\"x\"", "\"\"", "0", "-0", "1", "-1",
		"1.5", "-1.5e-10", "1E5", "1e+5", "1e-5", "0.0", "0e0", "-0.0e-0", "1E-2", "0e1073741822",
		"123456789012345678901234567890", "true", "false", "null", "[true,false,null]", "{\"a\":1,\"a\":2}",
		"{\"\":0}", "[\"\"]", "[\"\\u0060\\u012a\\u12AB\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[\"\xc3\xa9\"]",
		"[\"\x7f\"]", "[1 , 2 ]", "{ \"a\" : 1 }", "[\"a\\u0020b\"]", "[\"\\uD834\\uDD1E\"]", "[\"\\ud800\\udc00\"]",
		"[\"\\uDBFF\\uDFFF\"]", "[\"\\uFFFF\"]", "[\"\\u0001\"]", "[\"\xf0\x9f\x9a\x80\"]", "[-123.456e+78]",
		"{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}", "[1,\"a\",true,false,null,{},[]]", "  \"lonely\"  ", "[0.000001]",
		"[1e131071]", "[0e-0]", "[\"\\/\"]", "{\"x\":\"\\u00e9\",\"\\u0079\":1}",
		"[\"\xff\xfe\"]", // bytes pass as they are
	};
	// clang-format on
	for (const std::string &text : yes) {
		JsonTape t;
		EXPECT_TRUE(t.parse(text)) << "refused: " << text << " (" << t.error() << " at " << t.error_offset() << ")";
		std::string ref;
		EXPECT_TRUE(ref_parse(text, &ref)) << "reference refused: " << text;
		EXPECT_EQ(canon(t), ref) << text;
	}
}

TEST(Json, RefusesWhatJsonbRefuses) {
	// clang-format off
	const std::vector<std::string> no = {
		"", " ", "\n", "[", "]", "{", "}", "[1,]", "[,1]", "[1,,2]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}",
		"{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1 \"b\":2}", "[1 2]", "[\"a\" \"b\"]", "[01]", "[-01]", "[00]",
		"[1.]", "[.5]", "[-.5]", "[1.e5]", "[1e]", "[1e+]", "[1e-]", "[+1]", "[-]", "[--1]", "[0x10]", "[NaN]",
		"[Infinity]", "[-Infinity]", "[1.5.5]", "[1e5e5]", "[tru]", "[True]", "[nul]", "[nulll]", "[truefalse]",
		"[true false]", "[\"a]", "[\"\\\"]", "['a']", "[1]x", "[1] [2]", "[1]]", "{}}", "[/* */]", "[1]//",
		"\xef\xbb\xbf[]", "[\f1]", "[\v1]", "[\xa0" "1]", "[\"\\u00\"]", "[\"\\u00G0\"]", "[1,2", "{\"a\":1",
		"[\"a\x01" "b\"]", "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x1f\"]", "1 2", "\"a\" \"b\"", "nul", "-", "[-1x]",
		"[1_000]", "[\xc2\xbd]", "{\"a\":1}{\"b\":2}", "[1:2]", "{\"a\":1:2}", "{\"a\"::1}", "{:1}", "{\"a\",1}", "[}",
		"{]", "[1}", "{\"a\":1]", "[\"\\a\"]", "[\"\\x41\"]", "[\"\\'\"]", "[\"\\U0041\"]", "[\"\\u0000\"]",
		"\"\\uDFAA\"", "[1.0e]", "[2.e3]", "[1e1.5]", "[.]", "[e1]", "[-e1]", "[0e]", "[Inf]", "[1]\x00"s, "\x00"s,
		"[\x00]"s, "[\"a\x00" "b\"]"s, "[\"\\uD800\"]", "[\"\\uD800x\"]", "[\"\\uD800\\n\"]", "[\"\\uD800\\uD800\"]",
		"[\"\\uDC00\"]", "[\"\\uD800\\u0041\"]", "[\"\\uD800\\uE000\"]", "[\"\\uDBFF\\uFFFF\"]",
		"[\"\\uDBFF\\uDBFF\\uDC00\"]", "[\"\\uDC00\\uD800\"]", "[\"\\uD800\\uDC0\"]", "[\"\\ud800\\", "{\"a\":1,\"b\"}",
		"[1e131072]",
		"[1e-16384]", "[0e-16384]", "[1.5e-16383]", "[0e1073741823]", "[1e-1073741823]", "[1e99999999999999999999]",
		"[-1e131072]", "[truE]", "[fals]", "[falsee]", "[null1]", "[true_]", "{\"a\":tru}", "[\"\\", "\"", "[\"\\u",
		"[1e+-1]", "[-+1]", "[1+1]", "[1-1]", "{\"a\":1\"b\":2}", "[[[]]", "[[]]]",
	};
	// clang-format on
	for (const std::string &text : no) {
		JsonTape t;
		EXPECT_FALSE(t.parse(text)) << "accepted: " << text;
		EXPECT_STRNE(t.error(), "") << text;
		EXPECT_LE(t.error_offset(), text.size()) << text;
		EXPECT_EQ(t.size(), 0u) << text;
		std::string ref;
		EXPECT_FALSE(ref_parse(text, &ref)) << "reference accepted: " << text;
	}
}

TEST(Json, ErrorsSayWhatAndWhere) {
	size_t at = 99;
	EXPECT_EQ(error_of("", &at), "empty input");
	EXPECT_EQ(at, 0u);
	EXPECT_EQ(error_of("[1,]", &at), "expected a JSON value");
	EXPECT_EQ(at, 3u);
	EXPECT_EQ(error_of("{\"a\" 1}", &at), "expected ':' after an object key");
	EXPECT_EQ(at, 5u);
	EXPECT_EQ(error_of("{\"a\":1 \"b\":2}", &at), "expected ',' or '}' after an object member");
	EXPECT_EQ(at, 7u);
	EXPECT_EQ(error_of("[1 2]", &at), "expected ',' or ']' after an array element");
	EXPECT_EQ(at, 3u);
	EXPECT_EQ(error_of("{1:2}", &at), "expected a string as object key");
	EXPECT_EQ(at, 1u);
	EXPECT_EQ(error_of("[01]", &at), "invalid number");
	EXPECT_EQ(at, 1u);
	EXPECT_EQ(error_of("[nul]", &at), "invalid literal (expected true, false or null)");
	EXPECT_EQ(at, 1u);
	EXPECT_EQ(error_of("\"abc", &at), "unterminated string");
	EXPECT_EQ(at, 4u);
	EXPECT_EQ(error_of("[\"a\\qb\"]", &at), "invalid escape sequence");
	EXPECT_EQ(at, 3u);
	EXPECT_EQ(error_of("[\"ab\\u0000\"]", &at), "unsupported Unicode escape sequence \\u0000 (text cannot hold NUL)");
	EXPECT_EQ(at, 4u);
	EXPECT_EQ(error_of("[\"\\uD800\"]", &at), "Unicode high surrogate not followed by a low surrogate");
	EXPECT_EQ(at, 2u);
	EXPECT_EQ(error_of("[\"\\uDC00\"]", &at), "Unicode low surrogate not preceded by a high surrogate");
	EXPECT_EQ(error_of("[\"\\u12\"]", &at), "\"\\u\" must be followed by four hexadecimal digits");
	EXPECT_EQ(error_of("[\"a\nb\"]", &at), "unescaped control character in a string");
	EXPECT_EQ(at, 3u);
	EXPECT_EQ(error_of("[1] x", &at), "unexpected text after the JSON value");
	EXPECT_EQ(at, 4u);
	EXPECT_EQ(error_of("{\"a\": [1, 2", &at), "unexpected end of input");
	EXPECT_EQ(at, 11u);
	EXPECT_EQ(error_of("[1e131072]", &at), "value overflows numeric format");
	EXPECT_EQ(at, 1u);
}

// The kind of a failure picks the SQLSTATE the binding raises: the one jsonb input raises.
TEST(Json, ErrorKindsSeparateSyntaxFromLimits) {
	JsonTape t;
	auto kind_of = [&t](std::string_view text) {
		EXPECT_FALSE(t.parse(text)) << text;
		return t.error_kind();
	};
	EXPECT_EQ(kind_of("[1,]"), JsonError::kSyntax);
	EXPECT_EQ(kind_of("[\"\\uDC00\"]"), JsonError::kSyntax);
	EXPECT_EQ(kind_of(""), JsonError::kSyntax);
	EXPECT_EQ(kind_of("[\"ab\\u0000\"]"), JsonError::kNulEscape);
	EXPECT_EQ(kind_of("[1e131072]"), JsonError::kNumericRange);
	EXPECT_EQ(kind_of(std::string(1001, '[')), JsonError::kTooDeep);
	EXPECT_TRUE(t.parse("{\"a\": 1}"));
	EXPECT_EQ(t.error_kind(), JsonError::kNone);
}

// ---------------------------------------------------------------------------------------------------------
// Strings.

TEST(Json, UnescapesToTheExactBytes) {
	struct Case {
		std::string json, bytes;
	};
	const Case cases[] = {
		{R"("plain")", "plain"},
		{R"("a\"b\\c\/d")", "a\"b\\c/d"},
		{R"("\b\f\n\r\t")", "\b\f\n\r\t"},
		{R"("\u0001")", "\x01"},
		{R"("\u007F\u007f")", "\x7f\x7f"},
		{R"("\u0080")", "\xc2\x80"},
		{R"("\u00e9\u00E9")", "\xc3\xa9\xc3\xa9"},
		{R"("\u07FF")", "\xdf\xbf"},
		{R"("\u0800")", "\xe0\xa0\x80"},
		{R"("\u20AC")", "\xe2\x82\xac"},
		{R"("\uFFFF")", "\xef\xbf\xbf"},
		{R"("\uD800\uDC00")", "\xf0\x90\x80\x80"},
		{R"("\uD834\uDD1E")", "\xf0\x9d\x84\x9e"},
		{R"("\ud83d\ude80")", "\xf0\x9f\x9a\x80"},
		{R"("\uDBFF\uDFFF")", "\xf4\x8f\xbf\xbf"},
		{R"("x\u0041y\n")", "xAy\n"},
		{"\"caf\xc3\xa9 \\u2014 ok\"", "caf\xc3\xa9 \xe2\x80\x94 ok"},
		{R"("0123456789abcdef0123456789abcdef\n0123456789abcdef0123456789abcdef")",
		 "0123456789abcdef0123456789abcdef\n0123456789abcdef0123456789abcdef"},
		{R"("\\\\\\")", "\\\\\\"},
		{R"("\"")", "\""},
	};
	for (const Case &c : cases) {
		JsonTape t;
		ASSERT_TRUE(t.parse(c.json)) << c.json << ": " << t.error();
		ASSERT_EQ(t.size(), 1u);
		EXPECT_EQ(t.node(0).kind, JsonKind::kString);
		EXPECT_EQ(t.node(0).escaped, c.json.find('\\') != std::string::npos) << c.json;
		EXPECT_EQ(t.string_value(0), c.bytes) << c.json;
		EXPECT_EQ(t.node(0).len, c.bytes.size());
		EXPECT_EQ(t.json_text(0), "") << "strings have no json_text";
	}
}

TEST(Json, PlainStringsPointIntoTheText) {
	std::string text = "{\"key\": \"value\", \"esc\": \"a\\nb\"}";
	JsonTape t;
	ASSERT_TRUE(t.parse(text));
	EXPECT_EQ(t.string_value(1).data(), text.data() + 2); // the key, in place
	EXPECT_EQ(t.string_value(2).data(), text.data() + 9);
	EXPECT_EQ(t.node(2).start, 9u);
	EXPECT_FALSE(t.node(2).escaped);
	EXPECT_TRUE(t.node(4).escaped);
	EXPECT_EQ(t.string_value(4), "a\nb");
	EXPECT_TRUE(t.string_value(4).data() < text.data() || t.string_value(4).data() >= text.data() + text.size());
}

TEST(Json, EveryByteAtEveryPositionOfAString) {
	// Strings of 1 to 40 bytes with one chosen byte at each position: the 16-byte, 8-byte and 1-byte scans
	// all meet it, at every lane. Below 0x20 refused; '"' ends the string early; '\\' starts an escape
	// ("\\a" is not one, and a last '\\' escapes the closing quote); anything else is kept as it is.
	JsonTape t;
	for (int b = 0; b < 256; ++b)
		for (size_t len = 1; len <= 40; ++len)
			for (size_t at = 0; at < len; ++at) {
				std::string body(len, 'a');
				body[at] = static_cast<char>(b);
				Exact text("\"" + body + "\"");
				bool ok = t.parse(text.view());
				if (b < 0x20 || b == '"' || b == '\\') {
					ASSERT_FALSE(ok) << "byte " << b << " at " << at << " of " << len;
					size_t stop = 1 + at;
					if (b == '"')
						EXPECT_STREQ(t.error(), "unexpected text after the JSON value");
					else if (b == '\\')
						EXPECT_STREQ(t.error(), at + 1 == len ? "unterminated string"
															  : "invalid escape sequence"); // \\" escapes the end
					else
						EXPECT_EQ(t.error_offset(), stop) << "byte " << b << " at " << at << " of " << len;
				} else {
					ASSERT_TRUE(ok) << "byte " << b << " at " << at << " of " << len << ": " << t.error();
					ASSERT_EQ(t.string_value(0), body);
				}
			}
}

TEST(Json, RawBytesAboveAsciiPassThrough) {
	// PostgreSQL validated the encoding; the parser copies such bytes, even when they are not UTF-8.
	std::string text = "[\"\xe2\x82\xac \xff\x80\", \"\xc3\xa9\\n\xf0\x9f\x98\x80\"]";
	JsonTape t;
	ASSERT_TRUE(t.parse(text)) << t.error();
	EXPECT_EQ(t.string_value(1), "\xe2\x82\xac \xff\x80");
	EXPECT_EQ(t.string_value(2), "\xc3\xa9\n\xf0\x9f\x98\x80");
}

TEST(Json, StringsLongerThanJsonbAllowsAreRefused) {
	// jsonb stores at most 0x0fffffff bytes per string (checkStringLen); one 256 MB buffer serves both sides.
	std::string text(size_t{kJsonMaxString} + 3, 'a');
	text.front() = '"';
	text.back() = '"'; // 0x10000000 bytes between the quotes
	JsonTape t;
	EXPECT_FALSE(t.parse(text));
	EXPECT_STREQ(t.error(), "string longer than jsonb allows (256 MB)");
	text[text.size() - 2] = '"';
	ASSERT_TRUE(t.parse(std::string_view(text.data(), text.size() - 1))) << t.error();
	EXPECT_EQ(t.string_value(0).size(), size_t{kJsonMaxString});
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: PostgreSQL numeric's range.

TEST(Json, NumbersFollowNumericRange) {
	// weight (first base-10000 digit) within int16, display scale <= 16383, |exponent| < 1073741823.
	EXPECT_TRUE(accepts("1e131071"));
	EXPECT_TRUE(accepts("9.999e131071"));
	EXPECT_FALSE(accepts("1e131072"));
	EXPECT_FALSE(accepts("10e131071"));
	EXPECT_TRUE(accepts("0.1e131072"));
	EXPECT_TRUE(accepts("1" + std::string(131071, '0'))); // 131072 digits before the point
	EXPECT_FALSE(accepts("1" + std::string(131072, '0')));
	EXPECT_TRUE(accepts("0." + std::string(16383, '1')));
	EXPECT_FALSE(accepts("0." + std::string(16384, '1')));
	EXPECT_FALSE(accepts("1." + std::string(16384, '0'))); // trailing zeros count in the scale
	EXPECT_TRUE(accepts("1e-16383"));
	EXPECT_FALSE(accepts("1e-16384"));
	EXPECT_FALSE(accepts("1.5e-16383"));
	EXPECT_FALSE(accepts("15e-16384")); // 1.5e-16383 needs 16384 places
	EXPECT_TRUE(accepts("15e-16383"));
	EXPECT_TRUE(accepts("0e-16383"));
	EXPECT_FALSE(accepts("0e-16384")); // zero has a scale too
	EXPECT_TRUE(accepts("0e1073741822"));
	EXPECT_FALSE(accepts("0e1073741823"));
	EXPECT_FALSE(accepts("0e-1073741823"));
	EXPECT_FALSE(accepts("1e000000000000000000000000000000000000000001073741823"));
	EXPECT_TRUE(accepts("1e00000000000000000000000000000000000000000000000005"));
	EXPECT_TRUE(accepts("0." + std::string(20000, '0') + "e20000"));
	EXPECT_TRUE(accepts("-0.0000" + std::string(100, '0') + "1e-16000"));
	// Against the reference's step-by-step emulation, around every boundary.
	std::mt19937_64 rng(7);
	const char *mantissas[] = {"0",       "1",   "9",   "12", "1234",  "12345", "0.1",           "0.0001",
							   "0.00001", "1.5", "0.0", "10", "99.99", "1000",  "0.000000000123"};
	const long exponents[] = {0,           131068,  131069,  131070,  131071,  131072,     131073,     -16380,
							  -16381,      -16382,  -16383,  -16384,  -16385,  1073741822, 1073741823, -1073741822,
							  -1073741823, -131072, -131073, -131075, -131080, 5000000000L};
	for (const char *m : mantissas)
		for (long e : exponents)
			for (const char *sign : {"", "-"})
				for (const char *exp_sign : {"", "+"}) {
					if (*exp_sign && e < 0)
						continue;
					std::string lit = std::string(sign) + m + "e" + exp_sign + std::to_string(e);
					std::string ref;
					EXPECT_EQ(accepts(lit), ref_parse(lit, &ref)) << lit;
				}
	for (int k = 0; k < 3000; ++k) {
		std::string lit = std::to_string(rng() % 100000);
		if (rng() % 2)
			lit = "0." + std::string(rng() % 6, '0') + lit;
		long e = static_cast<long>(rng() % 300000) - 150000;
		lit += "e" + std::to_string(e);
		std::string ref;
		EXPECT_EQ(accepts(lit), ref_parse(lit, &ref)) << lit;
	}
}

TEST(Json, NumberNodesKeepTheirLiteral) {
	std::string text = "[0, -0, 1.50, -2.5E+3, 1e-7, 12345678901234567890123]";
	JsonTape t;
	ASSERT_TRUE(t.parse(text));
	const char *want[] = {"0", "-0", "1.50", "-2.5E+3", "1e-7", "12345678901234567890123"};
	ASSERT_EQ(t.node(0).count, 6u);
	uint32_t e = 1;
	for (const char *w : want) {
		EXPECT_EQ(t.node(e).kind, JsonKind::kNumber);
		EXPECT_EQ(t.number_text(e), w);
		EXPECT_EQ(t.json_text(e), w);
		EXPECT_EQ(text.substr(t.node(e).start, t.node(e).len), w);
		EXPECT_EQ(t.string_value(e), "") << "a number has no string value";
		e = t.node(e).next;
	}
	EXPECT_EQ(e, t.size());
}

// ---------------------------------------------------------------------------------------------------------
// The tape.

TEST(Json, TapeLayoutAndSpans) {
	std::string text = " {\"a\": [1, \"x\", {\"b\": null}], \"c\": {}, \"d\": [], \"e\": true, \"f\": false} ";
	JsonTape t;
	ASSERT_TRUE(t.parse(text)) << t.error();
	// 0 {  1 "a"  2 [  3 1  4 "x"  5 {  6 "b"  7 null  8 "c"  9 {}  10 "d"  11 []  12 "e"  13 true  14 "f"  15 false
	ASSERT_EQ(t.size(), 16u);
	const JsonKind kinds[] = {JsonKind::kObject, JsonKind::kString, JsonKind::kArray,  JsonKind::kNumber,
							  JsonKind::kString, JsonKind::kObject, JsonKind::kString, JsonKind::kNull,
							  JsonKind::kString, JsonKind::kObject, JsonKind::kString, JsonKind::kArray,
							  JsonKind::kString, JsonKind::kTrue,   JsonKind::kString, JsonKind::kFalse};
	const uint32_t next[] = {16, 2, 8, 4, 5, 8, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	const uint32_t count[] = {5, 0, 3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	for (uint32_t i = 0; i < 16; ++i) {
		EXPECT_EQ(t.node(i).kind, kinds[i]) << i;
		EXPECT_EQ(t.node(i).next, next[i]) << i;
		EXPECT_EQ(t.node(i).count, count[i]) << i;
	}
	EXPECT_EQ(t.json_text(0), text.substr(1, text.size() - 2));
	EXPECT_EQ(t.json_text(2), "[1, \"x\", {\"b\": null}]");
	EXPECT_EQ(t.json_text(5), "{\"b\": null}");
	EXPECT_EQ(t.json_text(9), "{}");
	EXPECT_EQ(t.json_text(11), "[]");
	EXPECT_EQ(t.json_text(7), "null");
	EXPECT_EQ(t.json_text(13), "true");
	EXPECT_EQ(t.json_text(15), "false");
	EXPECT_EQ(t.string_value(4), "x");
	EXPECT_EQ(t.string_value(14), "f");
	// The documented loops.
	std::vector<std::string> keys;
	for (uint32_t k = 1; k < t.node(0).next; k = t.node(k + 1).next)
		keys.emplace_back(t.string_value(k));
	EXPECT_EQ(keys, (std::vector<std::string>{"a", "c", "d", "e", "f"}));
	std::vector<JsonKind> elements;
	for (uint32_t e = 3; e < t.node(2).next; e = t.node(e).next)
		elements.push_back(t.node(e).kind);
	EXPECT_EQ(elements, (std::vector<JsonKind>{JsonKind::kNumber, JsonKind::kString, JsonKind::kObject}));
	// Out of range.
	EXPECT_EQ(t.node(16).kind, JsonKind::kMissing);
	EXPECT_EQ(t.node(kJsonNone).next, kJsonNone);
	EXPECT_EQ(t.string_value(99), "");
	EXPECT_EQ(t.number_text(99), "");
	EXPECT_EQ(t.json_text(99), "");
	EXPECT_EQ(t.text(), text);
}

TEST(Json, ScalarsAtTopLevel) {
	JsonTape t;
	ASSERT_TRUE(t.parse("  42  "));
	EXPECT_EQ(t.size(), 1u);
	EXPECT_EQ(t.number_text(0), "42");
	EXPECT_EQ(t.node(0).start, 2u);
	ASSERT_TRUE(t.parse("null"));
	EXPECT_EQ(t.node(0).kind, JsonKind::kNull);
	ASSERT_TRUE(t.parse("\"s\""));
	EXPECT_EQ(t.string_value(0), "s");
}

TEST(Json, HugeArraysAndObjects) {
	const size_t n = 1000000;
	std::string text = "[";
	for (size_t k = 0; k < n; ++k)
		text += k ? ",7" : "7";
	text += "]";
	JsonTape t;
	ASSERT_TRUE(t.parse(text)) << t.error();
	EXPECT_EQ(t.size(), n + 1);
	EXPECT_EQ(t.node(0).count, n);
	EXPECT_EQ(t.node(0).next, n + 1);
	size_t seen = 0;
	for (uint32_t e = 1; e < t.node(0).next; e = t.node(e).next, ++seen)
		ASSERT_EQ(t.number_text(e), "7");
	EXPECT_EQ(seen, n);

	std::string obj = "{";
	for (size_t k = 0; k < 200000; ++k)
		obj += (k ? ",\"k" : "\"k") + std::to_string(k) + "\":[" + std::to_string(k) + "]";
	obj += "}";
	ASSERT_TRUE(t.parse(obj));
	EXPECT_EQ(t.node(0).count, 200000u);
	EXPECT_EQ(t.size(), 1 + 200000u * 3);
	const std::string_view wanted[] = {"k0", "k199999", "k5", "nope"}; // sorted
	uint32_t values[4];
	t.find_keys(0, wanted, 4, values);
	EXPECT_EQ(t.number_text(values[0] + 1), "0");
	EXPECT_EQ(t.number_text(values[1] + 1), "199999");
	EXPECT_EQ(t.number_text(values[2] + 1), "5");
	EXPECT_EQ(values[3], kJsonNone);
}

TEST(Json, NestingIsLimitedTo1000Levels) {
	for (const char *open : {"[", "{\"k\":"}) {
		std::string close = open[0] == '[' ? "]" : "}";
		std::string ok = repeat(open, 1000) + "1" + repeat(close, 1000);
		JsonTape t;
		ASSERT_TRUE(t.parse(ok)) << open << ": " << t.error();
		std::string canon_form;
		EXPECT_TRUE(ref_parse(ok, &canon_form));
		EXPECT_EQ(canon(t), canon_form);
		std::string deep = repeat(open, 1001) + "1" + repeat(close, 1001);
		size_t at = 0;
		EXPECT_EQ(error_of(deep, &at), "nesting deeper than 1000 levels");
		EXPECT_EQ(at, repeat(open, 1000).size());
		EXPECT_FALSE(ref_parse(deep, &canon_form));
	}
	// Far deeper than any stack would hold: refused at level 1001, no recursion.
	EXPECT_EQ(error_of(std::string(10000000, '[')), "nesting deeper than 1000 levels");
	EXPECT_EQ(error_of(repeat("{\"a\":", 1000000)), "nesting deeper than 1000 levels");
}

TEST(Json, InputOfOneGigabyteIsRefused) {
	// A 1 GB mapping that is never touched: the size alone is refused, before any byte is read.
	size_t size = size_t{1} << 30;
	void *mem = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(mem, MAP_FAILED);
	JsonTape t;
	EXPECT_FALSE(t.parse(std::string_view(static_cast<const char *>(mem), size)));
	EXPECT_STREQ(t.error(), "input of 1 GB or more");
	EXPECT_EQ(kJsonMaxInput, size - 1);
	munmap(mem, size);
}

TEST(Json, OneTapeParsesAgainAndAgain) {
	JsonTape t;
	EXPECT_STREQ(t.error(), "");
	EXPECT_EQ(t.size(), 0u);
	std::string a = "{\"k\\u0041\": \"v\\n1\", \"n\": [1, 2, 3]}";
	std::string b = "[\"\\u00e9\", {\"x\": \"y\\t\"}]";
	ASSERT_TRUE(t.parse(a));
	EXPECT_EQ(t.string_value(1), "kA");
	EXPECT_EQ(t.string_value(2), "v\n1");
	ASSERT_TRUE(t.parse(b));
	EXPECT_EQ(t.size(), 5u);
	EXPECT_EQ(t.string_value(1), "\xc3\xa9"); // the arena was emptied: offsets start again
	EXPECT_EQ(t.node(1).start, 0u);
	EXPECT_EQ(t.string_value(4), "y\t");
	EXPECT_FALSE(t.parse("[1, 2"));
	EXPECT_EQ(t.size(), 0u);
	EXPECT_EQ(t.node(0).kind, JsonKind::kMissing);
	EXPECT_EQ(t.string_value(1), "");
	ASSERT_TRUE(t.parse(a));
	EXPECT_STREQ(t.error(), "");
	EXPECT_EQ(t.string_value(2), "v\n1");
	EXPECT_EQ(t.size(), 8u);
	EXPECT_EQ(t.number_text(7), "3");
	t.clear();
	EXPECT_EQ(t.size(), 0u);
	// Growth across parses: a small document, then one with many more nodes, then small again.
	ASSERT_TRUE(t.parse("[1]"));
	std::string big = "[" + repeat("{\"a\":\"b\\n\"},", 50000) + "0]";
	ASSERT_TRUE(t.parse(big));
	EXPECT_EQ(t.node(0).count, 50001u);
	EXPECT_EQ(t.string_value(3 + 3 * 49999), "b\n");
	ASSERT_TRUE(t.parse("[2]"));
	EXPECT_EQ(t.number_text(1), "2");
}

// ---------------------------------------------------------------------------------------------------------
// find_keys.

TEST(Json, FindKeysTakesTheLastDuplicate) {
	JsonTape t;
	ASSERT_TRUE(t.parse("{\"a\": 1, \"b\": 2, \"a\": 3, \"c\": {\"a\": 9}, \"b\": 4}"));
	const std::string_view wanted[] = {"a", "b", "c", "d"};
	uint32_t v[4];
	t.find_keys(0, wanted, 4, v);
	EXPECT_EQ(t.number_text(v[0]), "3");
	EXPECT_EQ(t.number_text(v[1]), "4");
	EXPECT_EQ(t.node(v[2]).kind, JsonKind::kObject);
	EXPECT_EQ(v[3], kJsonNone);
	// The nested object is searched on its own.
	uint32_t inner[4];
	t.find_keys(v[2], wanted, 4, inner);
	EXPECT_EQ(t.number_text(inner[0]), "9");
	EXPECT_EQ(inner[1], kJsonNone);
}

TEST(Json, FindKeysOnMissingKeysAndNonObjects) {
	JsonTape t;
	ASSERT_TRUE(t.parse("[{\"x\": 1}, 5, \"s\", [], {}]"));
	const std::string_view wanted[] = {"", "a", "x", "y"};
	uint32_t v[4] = {1, 2, 3, 4};
	t.find_keys(0, wanted, 4, v); // an array
	for (uint32_t x : v)
		EXPECT_EQ(x, kJsonNone);
	v[2] = 0;
	t.find_keys(1, wanted, 4, v);
	EXPECT_EQ(v[0], kJsonNone);
	EXPECT_EQ(v[1], kJsonNone);
	EXPECT_EQ(t.number_text(v[2]), "1");
	EXPECT_EQ(v[3], kJsonNone);
	for (uint32_t node : {4u, 5u, 6u, 7u, 100u, kJsonNone}) { // number, string, empty array, empty object, out of range
		v[2] = 0;
		t.find_keys(node, wanted, 4, v);
		EXPECT_EQ(v[2], kJsonNone) << node;
	}
	v[0] = 77;
	t.find_keys(1, wanted, 0, v); // nothing wanted: nothing written
	EXPECT_EQ(v[0], 77u);
	ASSERT_FALSE(t.parse("{\"x\": "));
	v[2] = 0;
	t.find_keys(0, wanted, 4, v); // a failed parse leaves no object
	EXPECT_EQ(v[2], kJsonNone);
}

TEST(Json, FindKeysMatchesUnescapedKeysExactly) {
	// Keys sharing 8-byte prefixes, prefixes of one another, shorter than 8 bytes, with escapes, non-ASCII,
	// and a key ending the text (so its 8-byte prefix cannot be read past its end).
	JsonTape t;
	std::string text =
		"{\"pricing_source\": 1, \"pricing_version\": 2, \"pricing_\": 3, \"pricing\": 4, \"p\": 5, "
		"\"\\u0070ricing_source\": 6, \"caf\xc3\xa9\": 7, \"caf\\u00e9s\": 8, \"workflow_session_id\": 9, "
		"\"workflow_id\": 10, \"\": 11, \"pricing_sourcE\": 12, \"pricing_sourcex\": 13}";
	ASSERT_TRUE(t.parse(text)) << t.error();
	std::vector<std::string_view> wanted = {
		"pricing_source",      "pricing_version", "pricing_", "pricing",       "p", "caf\xc3\xa9", "caf\xc3\xa9s",
		"workflow_session_id", "workflow_id",     "",         "pricing_sourc", "q", "workflow"};
	std::sort(wanted.begin(), wanted.end());
	auto expect = [&](std::string_view key) -> std::string {
		if (key == "pricing_source")
			return "6"; // last of "pricing_source" and "\u0070ricing_source"
		if (key == "pricing_version")
			return "2";
		if (key == "pricing_")
			return "3";
		if (key == "pricing")
			return "4";
		if (key == "p")
			return "5";
		if (key == "caf\xc3\xa9")
			return "7";
		if (key == "caf\xc3\xa9s")
			return "8";
		if (key == "workflow_session_id")
			return "9";
		if (key == "workflow_id")
			return "10";
		if (key == "")
			return "11";
		return "";
	};
	std::vector<uint32_t> v(wanted.size());
	t.find_keys(0, wanted.data(), wanted.size(), v.data());
	for (size_t k = 0; k < wanted.size(); ++k)
		EXPECT_EQ(v[k] == kJsonNone ? "" : std::string(t.number_text(v[k])), expect(wanted[k])) << wanted[k];
	// Short keys at the very end of the text and of the arena.
	for (std::string doc : {"{\"b\":1,\"a\":2}", "{\"a\\n\":1}", "{\"z\":{\"a\":[]}}"}) {
		Exact exact(doc); // no slack after the text
		ASSERT_TRUE(t.parse(exact.view()));
		const std::string_view few[] = {"a", "a\n", "b"};
		uint32_t f[3];
		t.find_keys(0, few, 3, f);
		if (doc[2] == 'b') {
			EXPECT_EQ(t.number_text(f[0]), "2");
			EXPECT_EQ(t.number_text(f[2]), "1");
		} else if (doc[2] == 'a') {
			EXPECT_EQ(t.number_text(f[1]), "1");
			EXPECT_EQ(f[0], kJsonNone);
		} else {
			EXPECT_EQ(f[0], kJsonNone);
		}
	}
}

TEST(Json, FindKeysAgreesWithLinearSearch) {
	// Random objects and random wanted lists, more than 64 wanted keys included (the plain binary search).
	std::mt19937_64 rng(11);
	const char *parts[] = {"a", "b", "_", "id", "cost", "usd", "\xc3\xa9", "0", "x"};
	auto random_key = [&]() {
		std::string k;
		for (size_t n = rng() % 6; n > 0; --n)
			k += parts[rng() % 9];
		return k;
	};
	JsonTape t;
	for (int round = 0; round < 400; ++round) {
		std::vector<std::string> keys(rng() % 40);
		std::string doc = "{";
		for (size_t m = 0; m < keys.size(); ++m) {
			keys[m] = random_key();
			doc += (m ? ", \"" : "\"") + keys[m] + "\": " + std::to_string(m);
		}
		doc += "}";
		ASSERT_TRUE(t.parse(doc)) << doc;
		std::vector<std::string> want_s;
		for (size_t w = rng() % 100; w > 0; --w)
			want_s.push_back(random_key());
		std::sort(want_s.begin(), want_s.end());
		want_s.erase(std::unique(want_s.begin(), want_s.end()), want_s.end());
		std::vector<std::string_view> want(want_s.begin(), want_s.end());
		std::vector<uint32_t> got(want.size() + 1, 12345);
		t.find_keys(0, want.data(), want.size(), got.data());
		EXPECT_EQ(got.back(), 12345u) << "wrote past n";
		for (size_t w = 0; w < want.size(); ++w) {
			std::string expected;
			for (size_t m = 0; m < keys.size(); ++m)
				if (keys[m] == want[w])
					expected = std::to_string(m);
			EXPECT_EQ(got[w] == kJsonNone ? "" : std::string(t.number_text(got[w])), expected) << want[w];
		}
	}
}

// ---------------------------------------------------------------------------------------------------------
// Truncations, random documents and mutations.

namespace {

// A document using every feature.
const std::string kSample =
	"{\"events\": [{\"event_id\": \"0b6f3c2e-1f6a-4d7e-9c1e-2a7b4c5d6e7f\", \"cost_usd\": \"0.0265\", "
	"\"input_tokens\": 1234, \"latency_ms\": -0.5e+3, \"is_retry\": false, \"retry_of\": null, \"ok\": true, "
	"\"details\": {\"note\": \"caf\xc3\xa9 \\u00e9 \\ud83d\\ude80 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\", "
	"\"n\": [0, 1.5, -2E-3, [], {}]}}],\n\t\"tasks\": [ ], \"x\": \"\"}";

// A random valid document of at most `depth` levels, written with random whitespace.
std::string random_doc(std::mt19937_64 &rng, int depth) {
	auto ws = [&]() {
		static const char kWs[] = {' ', '\t', '\n', '\r'};
		std::string w;
		if (rng() % 3 == 0)
			for (size_t n = rng() % 3 + 1; n > 0; --n)
				w += kWs[rng() % 4];
		return w;
	};
	auto str = [&]() {
		static const char *kPieces[] = {"a",
										"Z",
										" ",
										"\\n",
										"\\\"",
										"\\\\",
										"\\/",
										"\\b",
										"\\f",
										"\\r",
										"\\t",
										"\\u0041",
										"\\u00e9",
										"\\u20ac",
										"\\uFFFF",
										"\\ud83d\\ude80",
										"\\uDBFF\\uDFFF",
										"\xc3\xa9",
										"\xf0\x9f\x98\x80",
										"\x7f",
										"0123456789abcdefghij",
										"'",
										"/"};
		std::string s = "\"";
		for (size_t n = rng() % 6; n > 0; --n)
			s += kPieces[rng() % (sizeof kPieces / sizeof *kPieces)];
		return s + "\"";
	};
	auto num = [&]() {
		std::string s = rng() % 4 == 0 ? "-" : "";
		s += rng() % 3 == 0 ? "0" : std::to_string(1 + rng() % 100000);
		if (rng() % 3 == 0)
			s += "." + std::to_string(rng() % 1000);
		if (rng() % 4 == 0)
			s += std::string(rng() % 2 ? "e" : "E") +
				 (rng() % 2   ? "-"
				  : rng() % 2 ? "+"
							  : "") +
				 std::to_string(rng() % 400);
		return s;
	};
	int pick = static_cast<int>(rng() % (depth > 0 ? 8 : 6));
	switch (pick) {
	case 0:
		return str();
	case 1:
		return num();
	case 2:
		return "true";
	case 3:
		return "false";
	case 4:
		return "null";
	case 5:
		return num();
	case 6: {
		std::string s = "[" + ws();
		for (size_t n = rng() % 5, k = 0; k < n; ++k)
			s += (k ? "," + ws() : "") + random_doc(rng, depth - 1) + ws();
		return s + "]";
	}
	default: {
		static const char *kKeys[] = {"\"a\"", "\"b\"", "\"\"", "\"\\u0061\"", "\"event_id\"", "\"caf\xc3\xa9\""};
		std::string s = "{" + ws();
		for (size_t n = rng() % 5, k = 0; k < n; ++k)
			s += (k ? "," + ws() : "") + kKeys[rng() % 6] + ws() + ":" + ws() + random_doc(rng, depth - 1) + ws();
		return s + "}";
	}
	}
}

// A few random edits of text, with bytes that matter to JSON.
std::string mutate(std::mt19937_64 &rng, std::string text) {
	static const char kBytes[] = "{}[]\",:\\/ \t\n\r0123456789-+.eEuUabfnrtlsxDdCc\x01\x1f\x7f\x80\xc3\xff\x00";
	for (size_t edits = 1 + rng() % 3; edits > 0; --edits) {
		size_t at = text.empty() ? 0 : rng() % text.size();
		char b = kBytes[rng() % (sizeof kBytes - 1)];
		switch (rng() % 5) {
		case 0:
			if (!text.empty())
				text[at] = b;
			break;
		case 1:
			text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), b);
			break;
		case 2:
			if (!text.empty())
				text.erase(at, 1 + rng() % 3);
			break;
		case 3: { // duplicate a slice
			size_t len = std::min<size_t>(rng() % 12, text.size() - std::min(at, text.size()));
			text.insert(at, text.substr(at, len));
			break;
		}
		default:
			text = text.substr(0, at);
			break;
		}
	}
	return text;
}

// Parses text with the tape and the reference; they must agree, and on acceptance give the same document.
void check_against_reference(JsonTape *t, const std::string &text, bool *accepted = nullptr) {
	std::string ref;
	bool want = ref_parse(text, &ref);
	Exact exact(text);
	bool got = t->parse(exact.view());
	if (accepted)
		*accepted = got;
	ASSERT_EQ(got, want) << (got ? "accepted" : t->error()) << ": " << text;
	if (got) {
		ASSERT_EQ(canon(*t), ref) << text;
		// Every container and number span holds exactly that value.
		for (uint32_t i = 0; i < t->size(); ++i) {
			JsonKind k = t->node(i).kind;
			if (k == JsonKind::kObject || k == JsonKind::kArray || k == JsonKind::kNumber) {
				std::string sub(t->json_text(i)), sub_ref;
				JsonTape inner;
				ASSERT_TRUE(inner.parse(sub)) << sub;
				ASSERT_TRUE(ref_parse(sub, &sub_ref));
				ASSERT_EQ(canon(inner), sub_ref);
			}
		}
	} else {
		ASSERT_LE(t->error_offset(), text.size());
		ASSERT_EQ(t->size(), 0u);
	}
}

} // namespace

TEST(Json, EveryTruncationIsRefused) {
	std::string ref;
	ASSERT_TRUE(ref_parse(kSample, &ref));
	JsonTape t;
	ASSERT_TRUE(t.parse(kSample)) << t.error() << " at " << t.error_offset();
	EXPECT_EQ(canon(t), ref);
	for (size_t len = 0; len < kSample.size(); ++len) {
		Exact prefix(std::string_view(kSample).substr(0, len));
		EXPECT_FALSE(t.parse(prefix.view())) << "accepted a prefix of " << len << " bytes";
		EXPECT_LE(t.error_offset(), len);
	}
}

TEST(Json, RandomDocumentsAgreeWithTheReference) {
	std::mt19937_64 rng(2026);
	JsonTape t;
	for (int k = 0; k < 3000; ++k) {
		std::string doc = random_doc(rng, 4);
		std::string ref;
		ASSERT_TRUE(ref_parse(doc, &ref)) << "generator wrote invalid JSON: " << doc;
		check_against_reference(&t, doc);
	}
}

TEST(Json, RandomMutationsNeverCrashAndAgreeWithTheReference) {
	std::mt19937_64 rng(8259);
	JsonTape reused;
	int accepted = 0, refused = 0;
	for (int k = 0; k < 40000; ++k) {
		std::string base = k % 4 == 0 ? kSample : random_doc(rng, 3);
		std::string text = mutate(rng, base);
		bool ok = false;
		if (k % 2 == 0) {
			check_against_reference(&reused, text, &ok);
		} else {
			JsonTape fresh;
			check_against_reference(&fresh, text, &ok);
		}
		if (HasFatalFailure())
			return;
		(ok ? accepted : refused)++;
	}
	// Both outcomes must be exercised for the comparison to mean something.
	EXPECT_GT(accepted, 1000);
	EXPECT_GT(refused, 1000);
}

TEST(Json, RandomBytesNeverCrash) {
	std::mt19937_64 rng(1);
	JsonTape t;
	for (int k = 0; k < 20000; ++k) {
		std::string text(rng() % 64, '\0');
		for (char &c : text)
			c = static_cast<char>(rng() % 4 == 0 ? "[]{}\":,\\u0"[rng() % 10] : rng());
		check_against_reference(&t, text);
		if (HasFatalFailure())
			return;
	}
}
