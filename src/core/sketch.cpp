// DDSketch with uniform collapse in flat memory: mapping, windows, collapse, merge, quantiles, serialization.
//
// The mapping and its bound, in full. For x > 0 write x = 2^e (1 + s), s in [0, 1), and let
//   Lambda(x) = e + P(s),  P(s) = (6 s^3 - 21 s^2 + 50 s) / 35   (Masson's cubic: P(0) = 0, P(1) = 1, P' > 0).
// Lambda is continuous and increasing, and d Lambda / d log2(x) = P'(s) (1 + s) ln 2 lies in
// [d_min, 1.03] with d_min = 10 ln 2 / 7 (reached at s = 0 and s = 2/3). So an interval of Lambda-width W
// holds values whose upper/lower ratio is at most 2^(W / d_min).
//   The key is computed from the top 32 mantissa bits in integer arithmetic: L = floor(35 * 2^46 * Lambda32(x)),
// where Lambda32 uses the truncated mantissa, so 0 <= Lambda(x) - L / (35 * 2^46) < eps = 2^-31 (P' <= 50/35).
// key0 = ceil(L * M / 2^92) with an integer multiplier M, i.e. key0 = ceil((L / (35 * 2^46)) / w) with
// w = 2^46 / (35 M). After c collapses the key is ceil(key0 / 2^c), so a bucket j holds exactly the values with
// L / (35 * 2^46) in ((j-1) 2^c w, j 2^c w], hence Lambda in ((j-1) 2^c w, j 2^c w + eps): width <= 2^c (w + eps).
//   M is chosen (from alpha_e6, in integer arithmetic) so that w + eps <= d_min log2(gamma) (1 - 2^-20), with
// gamma = (1 + alpha) / (1 - alpha); note d_min log2(gamma) = (20/7) atanh(alpha). Then a bucket's bounds lo, hi
// satisfy hi / lo <= gamma^(2^c) (1 - tiny), and its value 2 lo hi / (lo + hi) is within
// (gamma^(2^c) - 1) / (gamma^(2^c) + 1) = alpha_c of every value it holds, where alpha_c is alpha after c
// applications of a -> 2a / (1 + a^2). The margin 2^-20 covers the floating-point rounding of lo and hi.
// Subnormal inputs are mapped exactly too; their bucket bounds are rounded to the subnormal grid.
#include "core/sketch.hpp"

#include "core/base64.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace dexcost {

namespace {

using u128 = unsigned __int128;
using i128 = __int128;

constexpr uint64_t kMantissaMask = (uint64_t{1} << 52) - 1;
constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint64_t kExponentAll = uint64_t{0x7ff} << 52; // Inf and NaN have every exponent bit set
constexpr int kMantissaBitsUsed = 32;
constexpr int64_t kExponentBias = 1100; // e + 1100 > 0 for every double (e >= -1074)
constexpr int kLambdaShift = 50;        // 35 * 2^96 * Lambda >> 50: units of 1 / (35 * 2^46)
constexpr int kKeyShift = 92;
constexpr int64_t kKeyBias = int64_t{1} << 30;      // |key0| < 2^29
constexpr double kLambdaSlack = 1.0 / 2147483648.0; // eps = 2^-31
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kFixedBytes = 76; // serialized header, see sketch_serialize
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

// Raw bits of a double.
inline uint64_t bits_of(double x) {
	uint64_t b;
	std::memcpy(&b, &x, sizeof b);
	return b;
}

// The double with these bits.
inline double double_of(uint64_t b) {
	double x;
	std::memcpy(&x, &b, sizeof x);
	return x;
}

// ceil(k / 2^c); GCC and Clang shift negative values arithmetically (C++20 requires it).
inline int64_t ceil_shift(int64_t k, unsigned c) {
	return -((-k) >> c);
}

// floor(35 * 2^46 * Lambda(x)) from the bits of a finite x > 0, with Lambda read from 32 mantissa bits.
inline int64_t lambda_units(uint64_t abs_bits) {
	int64_t e = static_cast<int64_t>(abs_bits >> 52) - 1023;
	uint64_t mant = abs_bits & kMantissaMask;
	if (e == -1023) {
		// Subnormal: x = mant * 2^-1074 = 2^(p - 1074) (1 + s) with p the leading bit of mant.
		int p = 63 - __builtin_clzll(mant);
		mant = (mant << (52 - p)) & kMantissaMask;
		e = p - 1074;
	}
	uint64_t m = mant >> (52 - kMantissaBitsUsed);
	uint64_t m2 = m * m;
	// 35 * 2^96 * P(m / 2^32) = 6 m^3 - 21 m^2 2^32 + 50 m 2^64, exactly; non-negative since m < 2^32.
	u128 poly = static_cast<u128>(m2) * m * 6 + (static_cast<u128>(50 * m) << 64) - (static_cast<u128>(m2) * 21 << 32);
	u128 biased = static_cast<u128>(e + kExponentBias) * (static_cast<u128>(35) << 96) + poly;
	return static_cast<int64_t>(biased >> kLambdaShift) - kExponentBias * 35 * (int64_t{1} << 46);
}

// Level-0 key of a finite x > 0.
inline int64_t key0_of(uint64_t abs_bits, uint64_t multiplier) {
	i128 q = static_cast<i128>(lambda_units(abs_bits)) * static_cast<i128>(multiplier); // |q| < 2^121
	u128 biased =
		static_cast<u128>(q + (static_cast<i128>(kKeyBias) << kKeyShift)) + ((static_cast<u128>(1) << kKeyShift) - 1);
	return static_cast<int64_t>(biased >> kKeyShift) - kKeyBias;
}

// Key of a finite x > 0 after `collapses` collapses.
inline int64_t key_of(uint64_t abs_bits, uint64_t multiplier, unsigned collapses) {
	int64_t k = key0_of(abs_bits, multiplier);
	return collapses ? ceil_shift(k, collapses) : k;
}

// The mapping's multiplier M = ceil(2^110 / D), D = 35 * w * 2^64, from alpha_e6 by exact integer arithmetic.
uint64_t multiplier_of(uint32_t alpha_e6) {
	// atanh(alpha) * 2^64 by its series, every step rounded down (so w, and the buckets, only get narrower).
	u128 a = (static_cast<u128>(alpha_e6) << 64) / kSketchAlphaUnits; // < 2^63
	u128 a2 = (a * a) >> 64;
	u128 term = a, atanh = 0;
	for (unsigned k = 1; term != 0; k += 2) {
		atanh += term / k;
		term = (term * a2) >> 64;
	}
	u128 d = 100 * atanh;             // 35 * (20/7) atanh(alpha) * 2^64
	d -= (d >> 20) + 1;               // the margin, rounded towards narrower buckets
	d -= static_cast<u128>(35) << 33; // minus 35 * eps * 2^64
	return static_cast<uint64_t>(((static_cast<u128>(1) << 110) + d - 1) / d);
}

// Lambda^-1(t): the x with Lambda(x) = t (Newton on the monotone cubic, then an exact power-of-two scale).
double lambda_inverse(double t) {
	double e = std::floor(t);
	if (!(e > -2000.0))
		return 0.0; // far below the smallest double (or NaN)
	if (e > 2000.0)
		return kInf;
	double u = t - e;
	double s = u;
	for (int i = 0; i < 6; ++i) {
		double f = ((6.0 * s - 21.0) * s + 50.0) * s - 35.0 * u;
		double df = (18.0 * s - 42.0) * s + 50.0;
		s -= f / df;
	}
	if (s < 0.0)
		s = 0.0;
	return std::ldexp(1.0 + s, static_cast<int>(e));
}

// Value of a key after c collapses: 2 lo hi / (lo + hi) for the bucket's bounds lo, hi.
double key_value(uint64_t multiplier, unsigned collapses, int64_t key) {
	double step =
		std::ldexp(std::ldexp(1.0, 46) / (35.0 * static_cast<double>(multiplier)), static_cast<int>(collapses));
	double lo = lambda_inverse(static_cast<double>(key - 1) * step);
	double hi = lambda_inverse(static_cast<double>(key) * step + kLambdaSlack);
	if (!(hi <= std::numeric_limits<double>::max()))
		hi = std::numeric_limits<double>::max(); // no finite value lies above
	return lo * (2.0 / (1.0 + lo / hi));
}

// Neumaier's compensated addition of x to (sum, comp); an overflowed sum stays infinite.
inline void neumaier_add(double *sum, double *comp, double x) {
	double t = *sum + x;
	if (std::isfinite(t)) {
		if (std::fabs(*sum) >= std::fabs(x))
			*comp += (*sum - t) + x;
		else
			*comp += (x - t) + *sum;
	}
	*sum = t;
}

// Rounds alpha to units of 1e-6; 0 when it is out of (0, 0.5) or has more than 6 decimal places.
uint32_t alpha_units(double alpha) {
	if (!(alpha > 0.0 && alpha < 0.5))
		return 0;
	double scaled = alpha * kSketchAlphaUnits;
	double r = std::nearbyint(scaled);
	if (std::fabs(scaled - r) > 1e-6 || r < 1.0 || r >= kSketchAlphaUnits / 2)
		return 0;
	return static_cast<uint32_t>(r);
}

// Whether alpha_e6 and max_buckets are in range.
SketchStatus check_parameters(uint32_t alpha_e6, uint32_t max_buckets) {
	if (alpha_e6 < 1 || alpha_e6 >= kSketchAlphaUnits / 2)
		return SketchStatus::kBadAlpha;
	if (max_buckets < kSketchMinMaxBuckets || max_buckets > kSketchMaxMaxBuckets)
		return SketchStatus::kBadMaxBuckets;
	return SketchStatus::kOk;
}

// A closed range of keys; empty when lo > hi.
struct KeyRange {
	int64_t lo = 1;
	int64_t hi = 0;
	// Whether no key is in the range.
	bool empty() const { return lo > hi; }
	// Number of keys in the range.
	int64_t size() const { return empty() ? 0 : hi - lo + 1; }
	// The smallest range holding both.
	KeyRange join(const KeyRange &o) const {
		if (empty())
			return o;
		if (o.empty())
			return *this;
		return KeyRange{lo < o.lo ? lo : o.lo, hi > o.hi ? hi : o.hi};
	}
	// The range after `c` more collapses.
	KeyRange collapsed(unsigned c) const {
		if (empty() || c == 0)
			return *this;
		return KeyRange{ceil_shift(lo, c), ceil_shift(hi, c)};
	}
	// Whether every key of o is in this range.
	bool covers(const KeyRange &o) const { return o.empty() || (!empty() && lo <= o.lo && o.hi <= hi); }
};

// The keys of a window.
inline KeyRange window_range(int32_t offset, uint32_t len) {
	return len ? KeyRange{offset, static_cast<int64_t>(offset) + len - 1} : KeyRange{};
}

// The keys of a window's non-zero counts.
KeyRange occupied(const uint64_t *c, int32_t offset, uint32_t len) {
	uint32_t first = 0, last = len;
	while (first < len && c[first] == 0)
		++first;
	if (first == len)
		return KeyRange{};
	while (c[last - 1] == 0)
		--last;
	return KeyRange{static_cast<int64_t>(offset) + first, static_cast<int64_t>(offset) + last - 1};
}

// Whether a window is no longer than max_buckets and its keys fit in int32.
bool window_ok(int32_t offset, uint32_t len, uint32_t max_buckets) {
	return len <= max_buckets && static_cast<int64_t>(offset) + len - 1 <= kInt32Max;
}

// Windows of a range of keys: offset and length (offset 0 when empty).
inline void set_window(const KeyRange &r, int32_t *offset, uint32_t *len) {
	*offset = r.empty() ? 0 : static_cast<int32_t>(r.lo);
	*len = static_cast<uint32_t>(r.size());
}

// Copies every header field except the binding's length word.
inline void copy_header(SketchHeader *dst, const SketchHeader *src) {
	std::memcpy(reinterpret_cast<char *>(dst) + sizeof dst->vl_len_,
				reinterpret_cast<const char *>(src) + sizeof src->vl_len_, sizeof(SketchHeader) - sizeof dst->vl_len_);
}

// Sum of counts with overflow detection.
bool sum_counts(const uint64_t *c, uint32_t len, uint64_t *total) {
	for (uint32_t i = 0; i < len; ++i)
		if (__builtin_add_overflow(*total, c[i], total))
			return false;
	return true;
}

// The invariants tying count, zeros, extremes and sum to the occupied keys (shared by validate and deserialize).
SketchStatus check_contents(const SketchHeader *h, const KeyRange &pos, const KeyRange &neg, uint64_t stored) {
	uint64_t total;
	if (h->count > kSketchMaxCount || __builtin_add_overflow(stored, h->zero_count, &total) || total != h->count)
		return SketchStatus::kCorrupt;
	if (h->count == 0)
		return h->min == kInf && h->max == -kInf && h->sum == 0.0 && h->sum_comp == 0.0 ? SketchStatus::kOk
																						: SketchStatus::kCorrupt;
	if (!std::isfinite(h->min) || !std::isfinite(h->max) || !(h->min <= h->max) || std::isnan(h->sum_comp))
		return SketchStatus::kCorrupt;
	if ((h->min == 0.0 && std::signbit(h->min)) || (h->max == 0.0 && std::signbit(h->max)))
		return SketchStatus::kCorrupt; // -0 is stored as 0
	// The smallest value is in the lowest non-empty bucket, the largest in the highest.
	bool min_ok, max_ok;
	if (!neg.empty())
		min_ok = h->min < 0.0 && key_of(bits_of(-h->min), h->key_multiplier, h->collapses) == neg.hi;
	else if (h->zero_count)
		min_ok = h->min == 0.0;
	else
		min_ok = h->min > 0.0 && key_of(bits_of(h->min), h->key_multiplier, h->collapses) == pos.lo;
	if (!pos.empty())
		max_ok = h->max > 0.0 && key_of(bits_of(h->max), h->key_multiplier, h->collapses) == pos.hi;
	else if (h->zero_count)
		max_ok = h->max == 0.0;
	else
		max_ok = h->max < 0.0 && key_of(bits_of(-h->max), h->key_multiplier, h->collapses) == neg.lo;
	return min_ok && max_ok ? SketchStatus::kOk : SketchStatus::kCorrupt;
}

// Moves one store's counts into another window in the same array (memmove semantics), reporting what it wrote.
void move_store(uint64_t *counts, size_t src_base, int32_t src_off, uint32_t src_len, size_t dst_base, int32_t dst_off,
				uint32_t dst_len, size_t *written_at, size_t *written_len) {
	KeyRange common = window_range(src_off, src_len);
	KeyRange target = window_range(dst_off, dst_len);
	int64_t lo = common.lo > target.lo ? common.lo : target.lo;
	int64_t hi = common.hi < target.hi ? common.hi : target.hi;
	*written_at = dst_base;
	*written_len = 0;
	if (common.empty() || target.empty() || lo > hi)
		return;
	*written_at = dst_base + static_cast<size_t>(lo - dst_off);
	*written_len = static_cast<size_t>(hi - lo + 1);
	std::memmove(counts + *written_at, counts + src_base + static_cast<size_t>(lo - src_off),
				 *written_len * sizeof *counts);
}

// Zeroes [base, base + len) except the written part.
void zero_around(uint64_t *counts, size_t base, size_t len, size_t written_at, size_t written_len) {
	if (written_len == 0) {
		std::memset(counts + base, 0, len * sizeof *counts);
		return;
	}
	std::memset(counts + base, 0, (written_at - base) * sizeof *counts);
	size_t end = written_at + written_len;
	std::memset(counts + end, 0, (base + len - end) * sizeof *counts);
}

// Checks requested windows against max_buckets and the non-zero counts they must keep.
SketchStatus check_new_windows(const SketchHeader *h, const uint64_t *counts, const SketchWindows &w) {
	if (!window_ok(w.pos_offset, w.pos_len, h->max_buckets) || !window_ok(w.neg_offset, w.neg_len, h->max_buckets))
		return SketchStatus::kBadWindow;
	KeyRange pos = occupied(counts, h->pos_offset, h->pos_len);
	KeyRange neg = occupied(counts + h->pos_len, h->neg_offset, h->neg_len);
	if (!window_range(w.pos_offset, w.pos_len).covers(pos) || !window_range(w.neg_offset, w.neg_len).covers(neg))
		return SketchStatus::kBadWindow;
	return SketchStatus::kOk;
}

// One store halved in place: keys k -> ceil(k/2); reads at src, writes at dst <= src, ascending.
void collapse_store(uint64_t *counts, size_t src, size_t dst, int32_t *offset, uint32_t *len) {
	if (*len == 0) {
		*offset = 0;
		return;
	}
	int64_t off = *offset;
	int64_t new_off = ceil_shift(off, 1);
	int64_t new_end = ceil_shift(off + *len - 1, 1);
	int64_t prev = -1;
	for (uint32_t i = 0; i < *len; ++i) {
		uint64_t v = counts[src + i]; // read before the write below can reach it (dst + t <= src + i)
		int64_t t = ceil_shift(off + i, 1) - new_off;
		if (t != prev)
			counts[dst + t] = v;
		else
			counts[dst + t] += v;
		prev = t;
	}
	*offset = static_cast<int32_t>(new_off);
	*len = static_cast<uint32_t>(new_end - new_off + 1);
}

// The r-th smallest value (0-based) of a non-empty sketch, clamped to [min, max]; neg_total counts the negatives.
double order_statistic(const SketchHeader *h, const uint64_t *counts, uint64_t r, uint64_t neg_total) {
	if (r == 0)
		return h->min;
	if (r + 1 >= h->count)
		return h->max;
	double v = h->max;
	if (r < neg_total) {
		// Negatives first, by descending |x|: the negative window from its highest key down.
		const uint64_t *neg = counts + h->pos_len;
		uint64_t seen = 0;
		for (uint32_t i = h->neg_len; i-- > 0;) {
			seen += neg[i];
			if (r < seen) {
				v = -key_value(h->key_multiplier, h->collapses, static_cast<int64_t>(h->neg_offset) + i);
				break;
			}
		}
	} else if (r < neg_total + h->zero_count) {
		v = 0.0;
	} else {
		uint64_t seen = neg_total + h->zero_count;
		for (uint32_t i = 0; i < h->pos_len; ++i) {
			seen += counts[i];
			if (r < seen) {
				v = key_value(h->key_multiplier, h->collapses, static_cast<int64_t>(h->pos_offset) + i);
				break;
			}
		}
	}
	return v < h->min ? h->min : (v > h->max ? h->max : v);
}

// Little-endian writer over a buffer known to be large enough.
struct Writer {
	uint8_t *p;
	// Appends one byte.
	void u8(uint8_t v) { *p++ = v; }
	// Appends an unsigned integer of n bytes.
	void le(uint64_t v, int n) {
		for (int i = 0; i < n; ++i)
			*p++ = static_cast<uint8_t>(v >> (8 * i));
	}
	// Appends an unsigned LEB128 varint.
	void varint(uint64_t v) {
		while (v >= 0x80) {
			*p++ = static_cast<uint8_t>(v | 0x80);
			v >>= 7;
		}
		*p++ = static_cast<uint8_t>(v);
	}
};

// Bytes of an unsigned LEB128 varint.
inline size_t varint_size(uint64_t v) {
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		++n;
	}
	return n;
}

// Bounds-checked little-endian reader.
struct Reader {
	const uint8_t *p;
	const uint8_t *end;
	// Reads an unsigned integer of n bytes (the caller checked the length).
	uint64_t le(int n) {
		uint64_t v = 0;
		for (int i = 0; i < n; ++i)
			v |= static_cast<uint64_t>(*p++) << (8 * i);
		return v;
	}
	// Reads a canonical LEB128 varint of at most 10 bytes.
	SketchStatus varint(uint64_t *out) {
		uint64_t v = 0;
		for (int i = 0; i < 10; ++i) {
			if (p == end)
				return SketchStatus::kTruncated;
			uint8_t b = *p++;
			if (i == 9 && b > 1)
				return SketchStatus::kCorrupt; // more than 64 bits
			v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
			if (!(b & 0x80)) {
				if (i > 0 && b == 0)
					return SketchStatus::kCorrupt; // overlong
				*out = v;
				return SketchStatus::kOk;
			}
		}
		return SketchStatus::kCorrupt;
	}
};

// Encodes counts[0, len) (first and last non-zero): a count c as varint(2c), a run of r zeros as varint(2(r-1)+1).
template <class Sink> void encode_store(const uint64_t *c, uint32_t len, Sink &&sink) {
	uint32_t i = 0;
	while (i < len) {
		if (c[i] != 0) {
			sink(c[i] << 1);
			++i;
			continue;
		}
		uint32_t run = 0;
		while (i < len && c[i] == 0) {
			++run;
			++i;
		}
		sink((static_cast<uint64_t>(run - 1) << 1) | 1);
	}
}

// Decodes one store of len counts, checking canonical form; counts may be null (validation only).
SketchStatus decode_store(Reader *r, uint32_t len, uint64_t *counts, uint64_t *total) {
	uint32_t i = 0;
	bool after_run = false;
	while (i < len) {
		uint64_t token;
		SketchStatus st = r->varint(&token);
		if (st != SketchStatus::kOk)
			return st;
		if (token & 1) {
			// A maximal run of zeros strictly inside the window (its first and last counts are non-zero).
			uint64_t run = (token >> 1) + 1;
			if (i == 0 || after_run || run >= len - i)
				return SketchStatus::kCorrupt;
			if (counts)
				std::memset(counts + i, 0, run * sizeof *counts);
			i += static_cast<uint32_t>(run);
			after_run = true;
		} else {
			uint64_t v = token >> 1;
			if (v == 0 || __builtin_add_overflow(*total, v, total))
				return SketchStatus::kCorrupt;
			if (counts)
				counts[i] = v;
			++i;
			after_run = false;
		}
	}
	return SketchStatus::kOk;
}

// Parses serialized bytes, validating everything; writes the flat sketch when out is not null.
SketchStatus parse(const uint8_t *bytes, size_t len, SketchHeader *out, size_t out_bytes, uint32_t *pos_len,
				   uint32_t *neg_len) {
	if (len < 1 || bytes == nullptr)
		return SketchStatus::kTruncated;
	if (bytes[0] != kSketchVersion)
		return SketchStatus::kBadVersion;
	if (len < kFixedBytes)
		return SketchStatus::kTruncated;
	Reader r{bytes, bytes + len};
	SketchHeader h;
	std::memset(&h, 0, sizeof h);
	h.version = static_cast<uint8_t>(r.le(1));
	h.flags = static_cast<uint8_t>(r.le(1));
	h.collapses = static_cast<uint8_t>(r.le(1));
	h.reserved = static_cast<uint8_t>(r.le(1));
	h.alpha_e6 = static_cast<uint32_t>(r.le(4));
	h.max_buckets = static_cast<uint32_t>(r.le(4));
	h.count = r.le(8);
	h.zero_count = r.le(8);
	h.min = double_of(r.le(8));
	h.max = double_of(r.le(8));
	h.sum = double_of(r.le(8));
	h.sum_comp = double_of(r.le(8));
	h.pos_offset = static_cast<int32_t>(static_cast<uint32_t>(r.le(4)));
	h.pos_len = static_cast<uint32_t>(r.le(4));
	h.neg_offset = static_cast<int32_t>(static_cast<uint32_t>(r.le(4)));
	h.neg_len = static_cast<uint32_t>(r.le(4));
	if (h.flags != 0 || h.reserved != 0 || h.collapses > kSketchMaxCollapses)
		return SketchStatus::kCorrupt;
	SketchStatus st = check_parameters(h.alpha_e6, h.max_buckets);
	if (st != SketchStatus::kOk)
		return st;
	h.key_multiplier = multiplier_of(h.alpha_e6);
	// Windows are trimmed to their non-zero counts; an empty one has offset 0.
	if (!window_ok(h.pos_offset, h.pos_len, h.max_buckets) || !window_ok(h.neg_offset, h.neg_len, h.max_buckets) ||
		(h.pos_len == 0 && h.pos_offset != 0) || (h.neg_len == 0 && h.neg_offset != 0))
		return SketchStatus::kCorrupt;
	uint64_t *counts = nullptr;
	if (out) {
		if (out_bytes < sketch_bytes(h.pos_len, h.neg_len) || reinterpret_cast<uintptr_t>(out) % alignof(uint64_t))
			return SketchStatus::kBufferTooSmall;
		counts = sketch_counts(out);
	}
	uint64_t stored = 0;
	if ((st = decode_store(&r, h.pos_len, counts, &stored)) != SketchStatus::kOk)
		return st;
	if ((st = decode_store(&r, h.neg_len, counts ? counts + h.pos_len : nullptr, &stored)) != SketchStatus::kOk)
		return st;
	if (r.p != r.end)
		return SketchStatus::kCorrupt; // trailing bytes
	if ((st = check_contents(&h, window_range(h.pos_offset, h.pos_len), window_range(h.neg_offset, h.neg_len),
							 stored)) != SketchStatus::kOk)
		return st;
	if (out)
		copy_header(out, &h);
	*pos_len = h.pos_len;
	*neg_len = h.neg_len;
	return SketchStatus::kOk;
}

// Decodes the text form; out may be null (syntax check and size only).
SketchStatus decode_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) {
	switch (base64_decode(kSketchTextPrefix, text, len, out, cap, written)) {
	case Base64Status::kOk:
		return SketchStatus::kOk;
	case Base64Status::kBufferTooSmall:
		return SketchStatus::kBufferTooSmall;
	default:
		return SketchStatus::kCorrupt;
	}
}

} // namespace

SketchStatus sketch_init(SketchHeader *h, double alpha, uint32_t max_buckets) noexcept {
	uint32_t units = alpha_units(alpha);
	if (units == 0)
		return SketchStatus::kBadAlpha;
	SketchStatus st = check_parameters(units, max_buckets);
	if (st != SketchStatus::kOk)
		return st;
	SketchHeader fresh;
	std::memset(&fresh, 0, sizeof fresh);
	fresh.version = kSketchVersion;
	fresh.alpha_e6 = units;
	fresh.max_buckets = max_buckets;
	fresh.key_multiplier = multiplier_of(units);
	fresh.min = kInf;
	fresh.max = -kInf;
	copy_header(h, &fresh);
	return SketchStatus::kOk;
}

SketchStatus sketch_add(SketchHeader *h, uint64_t *counts, double x) noexcept {
	uint64_t bits = bits_of(x);
	uint64_t abs_bits = bits & ~kSignBit;
	if (abs_bits >= kExponentAll)
		return SketchStatus::kNotFinite;
	if (h->count >= kSketchMaxCount)
		return SketchStatus::kCountOverflow;
	if (abs_bits == 0) {
		x = 0.0; // -0 counts as 0, so min and max do not depend on the order of 0 and -0
		++h->zero_count;
	} else {
		int64_t key = key_of(abs_bits, h->key_multiplier, h->collapses);
		if (bits & kSignBit) {
			uint64_t i = static_cast<uint64_t>(key - h->neg_offset);
			if (i >= h->neg_len)
				return SketchStatus::kNeedsWindow;
			++counts[h->pos_len + i];
		} else {
			uint64_t i = static_cast<uint64_t>(key - h->pos_offset);
			if (i >= h->pos_len)
				return SketchStatus::kNeedsWindow;
			++counts[i];
		}
	}
	++h->count;
	if (x < h->min)
		h->min = x;
	if (x > h->max)
		h->max = x;
	neumaier_add(&h->sum, &h->sum_comp, x);
	return SketchStatus::kOk;
}

SketchStatus sketch_needed_window(const SketchHeader *h, const uint64_t *counts, double x,
								  SketchWindows *out) noexcept {
	uint64_t bits = bits_of(x);
	uint64_t abs_bits = bits & ~kSignBit;
	if (abs_bits >= kExponentAll)
		return SketchStatus::kNotFinite;
	*out = sketch_windows(h);
	if (abs_bits == 0)
		return SketchStatus::kOk;
	bool negative = bits & kSignBit;
	int32_t *offset = negative ? &out->neg_offset : &out->pos_offset;
	uint32_t *len = negative ? &out->neg_len : &out->pos_len;
	int64_t key = key_of(abs_bits, h->key_multiplier, h->collapses);
	KeyRange window = window_range(*offset, *len);
	if (window.covers(KeyRange{key, key}))
		return SketchStatus::kOk;
	// Keep the whole window if that fits; else drop its empty edges; else the keys seen need a collapse.
	// Only occupied keys decide a collapse, so the level never depends on how windows were grown.
	KeyRange need = window.join(KeyRange{key, key});
	if (need.size() > h->max_buckets) {
		const uint64_t *c = negative ? counts + h->pos_len : counts;
		need = occupied(c, *offset, *len).join(KeyRange{key, key});
		if (need.size() > h->max_buckets)
			return SketchStatus::kNeedsCollapse;
	}
	// Grow geometrically towards the new key so that a stream of values costs few regrows.
	int64_t want = static_cast<int64_t>(*len) * 2;
	if (want < 16)
		want = 16;
	if (want < need.size())
		want = need.size();
	if (want > h->max_buckets)
		want = h->max_buckets;
	int64_t lo;
	if (window.empty())
		lo = key - (want - 1) / 2;
	else if (key < window.lo)
		lo = need.hi - want + 1;
	else
		lo = need.lo;
	if (lo < kInt32Min)
		lo = kInt32Min;
	if (lo + want - 1 > kInt32Max)
		lo = kInt32Max - want + 1;
	*offset = static_cast<int32_t>(lo);
	*len = static_cast<uint32_t>(want);
	return SketchStatus::kNeedsGrow;
}

SketchStatus sketch_regrow(const SketchHeader *src, const uint64_t *src_counts, SketchHeader *dst, uint64_t *dst_counts,
						   const SketchWindows &w) noexcept {
	SketchStatus st = check_new_windows(src, src_counts, w);
	if (st != SketchStatus::kOk)
		return st;
	copy_header(dst, src);
	dst->pos_offset = w.pos_offset;
	dst->pos_len = w.pos_len;
	dst->neg_offset = w.neg_offset;
	dst->neg_len = w.neg_len;
	std::memset(dst_counts, 0, (static_cast<size_t>(w.pos_len) + w.neg_len) * sizeof *dst_counts);
	// Copy the keys both windows share; the others are zero.
	KeyRange pos = window_range(src->pos_offset, src->pos_len);
	KeyRange pos_new = window_range(w.pos_offset, w.pos_len);
	for (int64_t k = pos.lo > pos_new.lo ? pos.lo : pos_new.lo; k <= pos.hi && k <= pos_new.hi; ++k)
		dst_counts[k - w.pos_offset] = src_counts[k - src->pos_offset];
	KeyRange neg = window_range(src->neg_offset, src->neg_len);
	KeyRange neg_new = window_range(w.neg_offset, w.neg_len);
	const uint64_t *src_neg = src_counts + src->pos_len;
	uint64_t *dst_neg = dst_counts + w.pos_len;
	for (int64_t k = neg.lo > neg_new.lo ? neg.lo : neg_new.lo; k <= neg.hi && k <= neg_new.hi; ++k)
		dst_neg[k - w.neg_offset] = src_neg[k - src->neg_offset];
	return SketchStatus::kOk;
}

SketchStatus sketch_regrow_in_place(SketchHeader *h, uint64_t *counts, const SketchWindows &w) noexcept {
	SketchStatus st = check_new_windows(h, counts, w);
	if (st != SketchStatus::kOk)
		return st;
	// The stores' destinations never overlap each other. If the positive window grows, the negative store
	// moves up past every positive source, so it goes first; otherwise the positive store does.
	size_t pos_at, pos_n, neg_at, neg_n;
	if (w.pos_len >= h->pos_len) {
		move_store(counts, h->pos_len, h->neg_offset, h->neg_len, w.pos_len, w.neg_offset, w.neg_len, &neg_at, &neg_n);
		move_store(counts, 0, h->pos_offset, h->pos_len, 0, w.pos_offset, w.pos_len, &pos_at, &pos_n);
	} else {
		move_store(counts, 0, h->pos_offset, h->pos_len, 0, w.pos_offset, w.pos_len, &pos_at, &pos_n);
		move_store(counts, h->pos_len, h->neg_offset, h->neg_len, w.pos_len, w.neg_offset, w.neg_len, &neg_at, &neg_n);
	}
	zero_around(counts, 0, w.pos_len, pos_at, pos_n);
	zero_around(counts, w.pos_len, w.neg_len, neg_at, neg_n);
	h->pos_offset = w.pos_offset;
	h->pos_len = w.pos_len;
	h->neg_offset = w.neg_offset;
	h->neg_len = w.neg_len;
	return SketchStatus::kOk;
}

SketchWindows sketch_trimmed_windows(const SketchHeader *h, const uint64_t *counts) noexcept {
	SketchWindows w;
	set_window(occupied(counts, h->pos_offset, h->pos_len), &w.pos_offset, &w.pos_len);
	set_window(occupied(counts + h->pos_len, h->neg_offset, h->neg_len), &w.neg_offset, &w.neg_len);
	return w;
}

SketchStatus sketch_collapse(SketchHeader *h, uint64_t *counts) noexcept {
	if (h->collapses >= kSketchMaxCollapses)
		return SketchStatus::kTooManyCollapses;
	uint32_t old_pos_len = h->pos_len;
	collapse_store(counts, 0, 0, &h->pos_offset, &h->pos_len);
	// The negative store moves down to follow the shorter positive one.
	collapse_store(counts, old_pos_len, h->pos_len, &h->neg_offset, &h->neg_len);
	++h->collapses;
	return SketchStatus::kOk;
}

SketchStatus sketch_merge_plan(const SketchHeader *dst, const uint64_t *dst_counts, const SketchHeader *src,
							   const uint64_t *src_counts, SketchMergePlan *plan) noexcept {
	if (dst->alpha_e6 != src->alpha_e6 || dst->max_buckets != src->max_buckets)
		return SketchStatus::kIncompatible;
	KeyRange dpos = occupied(dst_counts, dst->pos_offset, dst->pos_len);
	KeyRange dneg = occupied(dst_counts + dst->pos_len, dst->neg_offset, dst->neg_len);
	KeyRange spos = occupied(src_counts, src->pos_offset, src->pos_len);
	KeyRange sneg = occupied(src_counts + src->pos_len, src->neg_offset, src->neg_len);
	// The least level at which the union fits: the level one sketch of all the values would have.
	unsigned level = dst->collapses > src->collapses ? dst->collapses : src->collapses;
	for (;; ++level) {
		if (level > kSketchMaxCollapses)
			return SketchStatus::kTooManyCollapses;
		unsigned dc = level - dst->collapses, sc = level - src->collapses;
		if (dpos.collapsed(dc).join(spos.collapsed(sc)).size() <= dst->max_buckets &&
			dneg.collapsed(dc).join(sneg.collapsed(sc)).size() <= dst->max_buckets)
			break;
	}
	unsigned dc = level - dst->collapses, sc = level - src->collapses;
	KeyRange win[2] = {window_range(dst->pos_offset, dst->pos_len).collapsed(dc),
					   window_range(dst->neg_offset, dst->neg_len).collapsed(dc)};
	KeyRange used[2] = {dpos.collapsed(dc), dneg.collapsed(dc)};
	KeyRange add[2] = {spos.collapsed(sc), sneg.collapsed(sc)};
	plan->collapses = static_cast<uint8_t>(level);
	plan->regrow = false;
	for (int s = 0; s < 2; ++s) {
		if (!win[s].covers(add[s])) {
			plan->regrow = true;
			KeyRange grown = win[s].join(add[s]);
			win[s] = grown.size() <= dst->max_buckets ? grown : used[s].join(add[s]);
		}
	}
	// A collapse keeps an empty window's length 0 and sets its offset to 0.
	set_window(win[0], &plan->windows.pos_offset, &plan->windows.pos_len);
	set_window(win[1], &plan->windows.neg_offset, &plan->windows.neg_len);
	return SketchStatus::kOk;
}

SketchStatus sketch_merge(SketchHeader *dst, uint64_t *dst_counts, const SketchHeader *src,
						  const uint64_t *src_counts) noexcept {
	if (dst->alpha_e6 != src->alpha_e6 || dst->max_buckets != src->max_buckets)
		return SketchStatus::kIncompatible;
	if (dst->collapses < src->collapses)
		return SketchStatus::kLevelMismatch;
	unsigned shift = dst->collapses - src->collapses;
	const uint64_t *src_neg = src_counts + src->pos_len;
	KeyRange spos = occupied(src_counts, src->pos_offset, src->pos_len).collapsed(shift);
	KeyRange sneg = occupied(src_neg, src->neg_offset, src->neg_len).collapsed(shift);
	if (!window_range(dst->pos_offset, dst->pos_len).covers(spos) ||
		!window_range(dst->neg_offset, dst->neg_len).covers(sneg))
		return SketchStatus::kBadWindow;
	uint64_t n;
	if (__builtin_add_overflow(dst->count, src->count, &n) || n > kSketchMaxCount)
		return SketchStatus::kCountOverflow;
	uint64_t *dst_neg = dst_counts + dst->pos_len;
	for (uint32_t i = 0; i < src->pos_len; ++i)
		if (src_counts[i])
			dst_counts[ceil_shift(static_cast<int64_t>(src->pos_offset) + i, shift) - dst->pos_offset] += src_counts[i];
	for (uint32_t i = 0; i < src->neg_len; ++i)
		if (src_neg[i])
			dst_neg[ceil_shift(static_cast<int64_t>(src->neg_offset) + i, shift) - dst->neg_offset] += src_neg[i];
	dst->count = n;
	dst->zero_count += src->zero_count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	neumaier_add(&dst->sum, &dst->sum_comp, src->sum);
	dst->sum_comp += src->sum_comp;
	return SketchStatus::kOk;
}

SketchStatus sketch_quantile(const SketchHeader *h, const uint64_t *counts, double p, double *out) noexcept {
	if (!(p >= 0.0 && p <= 1.0))
		return SketchStatus::kBadPercentile;
	if (h->count == 0)
		return SketchStatus::kEmpty;
	uint64_t neg_total = 0;
	const uint64_t *neg = counts + h->pos_len;
	for (uint32_t i = 0; i < h->neg_len; ++i)
		neg_total += neg[i];
	// percentile_cont: rows first_row and second_row around p (n - 1), interpolated by PostgreSQL's float8_lerp.
	double position = p * static_cast<double>(h->count - 1);
	double first_row = std::floor(position);
	double second_row = std::ceil(position);
	double first = order_statistic(h, counts, static_cast<uint64_t>(first_row), neg_total);
	if (second_row == first_row) {
		*out = first;
		return SketchStatus::kOk;
	}
	double second = order_statistic(h, counts, static_cast<uint64_t>(second_row), neg_total);
	*out = first + (position - first_row) * (second - first);
	return SketchStatus::kOk;
}

SketchStatus sketch_min(const SketchHeader *h, double *out) noexcept {
	if (h->count == 0)
		return SketchStatus::kEmpty;
	*out = h->min;
	return SketchStatus::kOk;
}

SketchStatus sketch_max(const SketchHeader *h, double *out) noexcept {
	if (h->count == 0)
		return SketchStatus::kEmpty;
	*out = h->max;
	return SketchStatus::kOk;
}

SketchStatus sketch_mean(const SketchHeader *h, double *out) noexcept {
	if (h->count == 0)
		return SketchStatus::kEmpty;
	*out = (h->sum + h->sum_comp) / static_cast<double>(h->count);
	return SketchStatus::kOk;
}

double sketch_error_bound(const SketchHeader *h) noexcept {
	double a = sketch_alpha(h);
	for (unsigned c = 0; c < h->collapses; ++c)
		a = 2.0 * a / (1.0 + a * a);
	return a;
}

int64_t sketch_key(const SketchHeader *h, double magnitude) noexcept {
	uint64_t abs_bits = bits_of(magnitude) & ~kSignBit;
	if (abs_bits == 0 || abs_bits >= kExponentAll)
		return std::numeric_limits<int64_t>::min();
	return key_of(abs_bits, h->key_multiplier, h->collapses);
}

double sketch_key_value(const SketchHeader *h, int64_t key) noexcept {
	return key_value(h->key_multiplier, h->collapses, key);
}

SketchStatus sketch_validate(const SketchHeader *h, size_t bytes) noexcept {
	if (h == nullptr || bytes < sizeof(SketchHeader))
		return SketchStatus::kTruncated;
	if (h->version != kSketchVersion)
		return SketchStatus::kBadVersion;
	if (h->flags != 0 || h->reserved != 0 || h->collapses > kSketchMaxCollapses)
		return SketchStatus::kCorrupt;
	SketchStatus st = check_parameters(h->alpha_e6, h->max_buckets);
	if (st != SketchStatus::kOk)
		return st;
	if (h->key_multiplier != multiplier_of(h->alpha_e6) || !window_ok(h->pos_offset, h->pos_len, h->max_buckets) ||
		!window_ok(h->neg_offset, h->neg_len, h->max_buckets))
		return SketchStatus::kCorrupt;
	if (bytes != sketch_bytes(h->pos_len, h->neg_len))
		return bytes < sketch_bytes(h->pos_len, h->neg_len) ? SketchStatus::kTruncated : SketchStatus::kCorrupt;
	const uint64_t *counts = sketch_counts(h);
	uint64_t stored = 0;
	if (!sum_counts(counts, h->pos_len, &stored) || !sum_counts(counts + h->pos_len, h->neg_len, &stored))
		return SketchStatus::kCorrupt;
	return check_contents(h, occupied(counts, h->pos_offset, h->pos_len),
						  occupied(counts + h->pos_len, h->neg_offset, h->neg_len), stored);
}

// The serialized form is described in sketch.hpp.
size_t sketch_serialized_size(const SketchHeader *h, const uint64_t *counts) noexcept {
	size_t size = kFixedBytes;
	auto add = [&size](uint64_t token) { size += varint_size(token); };
	KeyRange pos = occupied(counts, h->pos_offset, h->pos_len);
	KeyRange neg = occupied(counts + h->pos_len, h->neg_offset, h->neg_len);
	if (!pos.empty())
		encode_store(counts + (pos.lo - h->pos_offset), static_cast<uint32_t>(pos.size()), add);
	if (!neg.empty())
		encode_store(counts + h->pos_len + (neg.lo - h->neg_offset), static_cast<uint32_t>(neg.size()), add);
	return size;
}

SketchStatus sketch_serialize(const SketchHeader *h, const uint64_t *counts, uint8_t *out, size_t cap,
							  size_t *written) noexcept {
	size_t size = sketch_serialized_size(h, counts);
	if (cap < size)
		return SketchStatus::kBufferTooSmall;
	for (uint32_t i = 0; i < h->pos_len + h->neg_len; ++i)
		if (counts[i] > kSketchMaxCount)
			return SketchStatus::kCorrupt;
	KeyRange pos = occupied(counts, h->pos_offset, h->pos_len);
	KeyRange neg = occupied(counts + h->pos_len, h->neg_offset, h->neg_len);
	int32_t pos_offset, neg_offset;
	uint32_t pos_len, neg_len;
	set_window(pos, &pos_offset, &pos_len);
	set_window(neg, &neg_offset, &neg_len);
	Writer w{out};
	w.u8(h->version);
	w.u8(h->flags);
	w.u8(h->collapses);
	w.u8(h->reserved);
	w.le(h->alpha_e6, 4);
	w.le(h->max_buckets, 4);
	w.le(h->count, 8);
	w.le(h->zero_count, 8);
	w.le(bits_of(h->min), 8);
	w.le(bits_of(h->max), 8);
	w.le(bits_of(h->sum), 8);
	w.le(bits_of(h->sum_comp), 8);
	w.le(static_cast<uint32_t>(pos_offset), 4);
	w.le(pos_len, 4);
	w.le(static_cast<uint32_t>(neg_offset), 4);
	w.le(neg_len, 4);
	auto sink = [&w](uint64_t token) { w.varint(token); };
	if (!pos.empty())
		encode_store(counts + (pos.lo - h->pos_offset), pos_len, sink);
	if (!neg.empty())
		encode_store(counts + h->pos_len + (neg.lo - h->neg_offset), neg_len, sink);
	*written = size;
	return SketchStatus::kOk;
}

SketchStatus sketch_deserialized_size(const uint8_t *bytes, size_t len, uint32_t *pos_len, uint32_t *neg_len) noexcept {
	return parse(bytes, len, nullptr, 0, pos_len, neg_len);
}

SketchStatus sketch_deserialize_into(const uint8_t *bytes, size_t len, SketchHeader *out, size_t out_bytes) noexcept {
	uint32_t pos_len, neg_len;
	return parse(bytes, len, out, out_bytes, &pos_len, &neg_len);
}

size_t sketch_text_size(size_t len) noexcept {
	return base64_text_size(kSketchTextPrefix, len);
}

SketchStatus sketch_to_text(const uint8_t *bytes, size_t len, char *out, size_t cap, size_t *written) noexcept {
	return base64_encode(kSketchTextPrefix, bytes, len, out, cap, written) ? SketchStatus::kOk : SketchStatus::kBufferTooSmall;
}

SketchStatus sketch_text_decoded_size(const char *text, size_t len, size_t *bytes_len) noexcept {
	return decode_text(text, len, nullptr, 0, bytes_len);
}

SketchStatus sketch_from_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) noexcept {
	return decode_text(text, len, out, cap, written);
}

const char *sketch_status_text(SketchStatus status) noexcept {
	switch (status) {
	case SketchStatus::kOk:
		return "ok";
	case SketchStatus::kNotFinite:
		return "value is NaN or infinite";
	case SketchStatus::kNeedsWindow:
		return "value is outside the sketch's windows";
	case SketchStatus::kNeedsGrow:
		return "sketch windows must grow";
	case SketchStatus::kNeedsCollapse:
		return "sketch must be collapsed";
	case SketchStatus::kTooManyCollapses:
		return "sketch cannot be collapsed further";
	case SketchStatus::kBadAlpha:
		return "alpha must be in (0, 0.5) with at most 6 decimal places";
	case SketchStatus::kBadMaxBuckets:
		return "max_buckets is out of range";
	case SketchStatus::kBadWindow:
		return "sketch window is too large or drops counts";
	case SketchStatus::kIncompatible:
		return "sketches with different alpha or max_buckets cannot be merged";
	case SketchStatus::kLevelMismatch:
		return "sketch to merge into is less collapsed than the source";
	case SketchStatus::kCountOverflow:
		return "sketch count overflows";
	case SketchStatus::kEmpty:
		return "sketch is empty";
	case SketchStatus::kBadPercentile:
		return "percentile must be between 0 and 1";
	case SketchStatus::kBufferTooSmall:
		return "output buffer is too small";
	case SketchStatus::kBadVersion:
		return "unsupported sketch version";
	case SketchStatus::kTruncated:
		return "sketch data is truncated";
	case SketchStatus::kCorrupt:
		return "sketch data is corrupt";
	}
	return "unknown sketch status";
}

} // namespace dexcost
