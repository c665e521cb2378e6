// A relative-error quantile sketch (DDSketch with UDDSketch-style uniform collapse) kept in flat memory.
//
// Why flat: the PostgreSQL binding keeps the sketch as a varlena, palloc'd and updated in place in the
// aggregate memory context, so the state holds no pointer and no STL container, and the core never
// allocates. Layout: a SketchHeader, then the uint64 counts of the positive window, then those of the
// negative window (refunds and credits, by |x|). Zeros are counted apart. Every function is noexcept and
// returns a SketchStatus; the binding does every allocation (palloc + sketch_regrow, or repalloc +
// sketch_regrow_in_place) and turns statuses into ereport.
//
// Guarantee: every order statistic is estimated within alpha relative error, |v_est - v| <= alpha * |v|;
// after c uniform collapses alpha becomes 2a/(1+a^2) applied c times (sketch_error_bound). Quantiles follow
// percentile_cont: the two neighbouring order statistics are estimated and interpolated, which stays within
// alpha * |percentile_cont| whenever they have the same sign (see sketch_quantile).
//
// Mapping (sketch.cpp has the proof): instead of ln(x), a cubic interpolation of log2 between powers of two
// (Masson, Rim and Lee, "DDSketch", VLDB 2019, section 4.2) computed in exact integer arithmetic from the
// bits of the double: Lambda(x) = e + P(s) for x = 2^e (1 + s), P(s) = (6s^3 - 21s^2 + 50s) / 35. The level-0
// key is ceil(Lambda(x) / w), where the bucket width w is derived from alpha by integer arithmetic only and
// is small enough for the bucket's upper/lower value ratio to stay below gamma = (1+alpha)/(1-alpha) (with a
// margin of 2^-20). So the bound is exactly alpha; the price is 7 / (10 ln 2) = 1.0099 times the bucket count
// of the ln(x) mapping, and keys are bit-for-bit the same on every platform and compiler (no libm, no
// floating-point rounding in the key).
//
// Collapse pairing: after c collapses a value's key is ceil(key0 / 2^c). One collapse maps key k to
// ceil(k / 2), i.e. merges the pair (2j-1, 2j) into j (for example -1 and 0 into 0, 1 and 2 into 1), which is
// exactly the key a value gets from a sketch built at the coarser level, since ceil(ceil(t/2^c)/2) = ceil(t/2^(c+1)).
//
// Determinism: a sketch is collapsed only when the span of its occupied keys (not of its allocated window)
// would exceed max_buckets, so its level is the least level at which all keys it has seen fit. Merging takes
// the least level at which the union fits. Counts are integers. Hence single-pass, merged-in-any-order and
// merged-in-any-tree sketches have the same level, counts, n, min and max, and give bit-identical quantiles.
// Only the compensated sum may differ in its last bits (floating-point addition is not associative); no
// quantile reads it.
//
// How the binding drives it (no step allocates; the binding allocates between steps):
//   add:   st = sketch_add(h, c, x); while st == kNeedsWindow: st2 = sketch_needed_window(h, c, x, &w);
//          kNeedsCollapse -> sketch_collapse(h, c) (in place; set VARSIZE to the smaller sketch_bytes);
//          kNeedsGrow -> palloc(sketch_bytes(w)) + sketch_regrow, or repalloc + sketch_regrow_in_place;
//          then sketch_add again. kNotFinite and kCountOverflow are errors to report.
//   merge: sketch_merge_plan(dst, src, &plan); sketch_collapse(dst) until dst->collapses == plan.collapses;
//          if plan.regrow, regrow dst to plan.windows; sketch_merge(dst, src). src is only read.
//   disk:  flat memory from disk or from a client goes through sketch_validate (or the serialized form
//          through sketch_deserialized_size + sketch_deserialize_into) before any other call. Use
//          PG_DETOAST_DATUM (not _PACKED): a short 1-byte varlena header is neither 4 bytes nor aligned.
//
// Serialized form, version 1, little-endian: 76 fixed bytes
//   u8 version, u8 flags (0), u8 collapses, u8 reserved (0), u32 alpha_e6, u32 max_buckets,
//   u64 count, u64 zero_count, f64 min, f64 max, f64 sum, f64 sum_comp,
//   i32 pos_offset, u32 pos_len, i32 neg_offset, u32 neg_len,
// then the pos_len positive and the neg_len negative counts as LEB128 varint tokens: a count c >= 1 as
// varint(2c), a run of r >= 1 zeros as varint(2(r-1) + 1). Canonical, and required so on input: windows
// trimmed to their first and last non-zero count (an empty window is offset 0, length 0), zero runs maximal,
// varints minimal, no trailing bytes. So a sketch has exactly one serialized form. Text form: "ddsketch:"
// followed by canonical padded base64 of those bytes.
#pragma once

#include "core/cpp_only.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace dexcost {

constexpr uint8_t kSketchVersion = 1;               // first byte of the serialized form, and SketchHeader::version
constexpr uint32_t kSketchAlphaUnits = 1000000;     // alpha is stored in units of 1e-6
constexpr uint32_t kSketchDefaultMaxBuckets = 2048; // per store: 1e-9 .. 1e4 needs 1,512 buckets at alpha 1 %
constexpr uint32_t kSketchMinMaxBuckets = 8;
constexpr uint32_t kSketchMaxMaxBuckets = 1u << 20;         // 8 MB of counts per store
constexpr uint8_t kSketchMaxCollapses = 32;                 // every finite double fits in 2 buckets after 30
constexpr uint64_t kSketchMaxCount = 0x7fffffffffffffffULL; // n stays a PostgreSQL bigint
constexpr char kSketchTextPrefix[] = "ddsketch:";           // text form: prefix + base64 of the serialized bytes

// What an operation did, or why it refused.
enum class SketchStatus : uint8_t {
	kOk,
	kNotFinite,        // NaN or +-Infinity: not added
	kNeedsWindow,      // sketch_add: the value is outside the windows; call sketch_needed_window
	kNeedsGrow,        // sketch_needed_window: allocate the windows it returned and sketch_regrow
	kNeedsCollapse,    // the occupied keys would exceed max_buckets: call sketch_collapse, then retry
	kTooManyCollapses, // kSketchMaxCollapses reached (cannot happen with valid keys)
	kBadAlpha,         // alpha not in (0, 0.5) or with more than 6 decimal places
	kBadMaxBuckets,    // max_buckets not in [kSketchMinMaxBuckets, kSketchMaxMaxBuckets]
	kBadWindow,        // a requested window is too large or does not cover every non-zero count
	kIncompatible,     // merge: different alpha or max_buckets
	kLevelMismatch,    // merge: the destination is less collapsed than the source
	kCountOverflow,    // n would exceed kSketchMaxCount
	kEmpty,            // no values: the binding returns NULL
	kBadPercentile,    // p is NaN or outside [0, 1]
	kBufferTooSmall,   // an output buffer is smaller than the size the two-pass API reported
	kBadVersion,       // unknown serialization version
	kTruncated,        // the bytes end too early
	kCorrupt,          // the bytes or the flat state are inconsistent
};

// Counts follow this header in memory: pos_len uint64 counts, then neg_len. Fixed size, no pointer,
// trivially copyable; needs 8-byte alignment (palloc gives it; a stored type needs alignment = double).
struct SketchHeader {
	uint32_t vl_len_;        // the binding's varlena length word: the core never reads it or writes it
	uint8_t version;         // kSketchVersion
	uint8_t flags;           // reserved, 0
	uint8_t collapses;       // uniform collapses applied so far
	uint8_t reserved;        // 0
	uint32_t alpha_e6;       // initial alpha in units of 1e-6, in [1, 499999]
	uint32_t max_buckets;    // per store
	int32_t pos_offset;      // key of the first positive count
	uint32_t pos_len;        // positive window length
	int32_t neg_offset;      // key of the first negative count (keys of |x|)
	uint32_t neg_len;        // negative window length
	uint64_t key_multiplier; // derived from alpha_e6 (never serialized): the mapping's fixed-point 1/width
	uint64_t count;          // n, including zeros
	uint64_t zero_count;     // values equal to 0 (and -0)
	double min;              // exact; +inf when empty; -0 is kept as 0
	double max;              // exact; -inf when empty
	double sum;              // Neumaier compensated sum: sum + sum_comp
	double sum_comp;
};
static_assert(sizeof(SketchHeader) == 88, "SketchHeader is a fixed on-memory layout");
static_assert(std::is_trivially_copyable<SketchHeader>::value && std::is_standard_layout<SketchHeader>::value,
			  "SketchHeader must be plain data");

// Window offsets and lengths of both stores.
struct SketchWindows {
	int32_t pos_offset;
	uint32_t pos_len;
	int32_t neg_offset;
	uint32_t neg_len;
};

// What sketch_merge needs from the destination before it can add a source.
struct SketchMergePlan {
	uint8_t collapses;     // collapse the destination (sketch_collapse) until it has this many
	bool regrow;           // then, if true, regrow it to windows
	SketchWindows windows; // covering both, at the target level
};

// Bytes of a sketch with these window lengths (header included).
inline size_t sketch_bytes(uint32_t pos_len, uint32_t neg_len) noexcept {
	return sizeof(SketchHeader) + sizeof(uint64_t) * (static_cast<size_t>(pos_len) + neg_len);
}
// The counts that follow a header.
inline uint64_t *sketch_counts(SketchHeader *h) noexcept {
	return reinterpret_cast<uint64_t *>(h + 1);
}
// The counts that follow a header, read-only.
inline const uint64_t *sketch_counts(const SketchHeader *h) noexcept {
	return reinterpret_cast<const uint64_t *>(h + 1);
}
// The current windows of a sketch.
inline SketchWindows sketch_windows(const SketchHeader *h) noexcept {
	return SketchWindows{h->pos_offset, h->pos_len, h->neg_offset, h->neg_len};
}

// Starts an empty sketch in sketch_bytes(0, 0) bytes; alpha in (0, 0.5) with at most 6 decimal places.
SketchStatus sketch_init(SketchHeader *h, double alpha, uint32_t max_buckets = kSketchDefaultMaxBuckets) noexcept;

// Adds one value; kNeedsWindow (nothing changed) when its bucket is outside the windows.
SketchStatus sketch_add(SketchHeader *h, uint64_t *counts, double x) noexcept;
// Whether x fits (kOk), needs larger windows (kNeedsGrow, *out = windows to allocate) or a collapse first.
SketchStatus sketch_needed_window(const SketchHeader *h, const uint64_t *counts, double x, SketchWindows *out) noexcept;
// Copies a sketch into separate memory of sketch_bytes(w) bytes with windows w (which cover every count).
SketchStatus sketch_regrow(const SketchHeader *src, const uint64_t *src_counts, SketchHeader *dst, uint64_t *dst_counts,
						   const SketchWindows &w) noexcept;
// Same, in place: the memory (e.g. after repalloc) holds at least sketch_bytes of the old and new windows.
SketchStatus sketch_regrow_in_place(SketchHeader *h, uint64_t *counts, const SketchWindows &w) noexcept;
// The windows shrunk to the non-zero counts (length 0, offset 0 when a store is empty), e.g. to store a
// sketch compactly: grown windows carry up to 2x slack.
SketchWindows sketch_trimmed_windows(const SketchHeader *h, const uint64_t *counts) noexcept;
// Halves the resolution in place (keys k -> ceil(k/2)); the windows shrink, so sketch_bytes shrinks.
SketchStatus sketch_collapse(SketchHeader *h, uint64_t *counts) noexcept;

// What dst needs (level, windows) to absorb src; kIncompatible when alpha or max_buckets differ.
SketchStatus sketch_merge_plan(const SketchHeader *dst, const uint64_t *dst_counts, const SketchHeader *src,
							   const uint64_t *src_counts, SketchMergePlan *plan) noexcept;
// Adds src into dst once dst follows the plan; src may be less collapsed and is never modified.
SketchStatus sketch_merge(SketchHeader *dst, uint64_t *dst_counts, const SketchHeader *src,
						  const uint64_t *src_counts) noexcept;

// percentile_cont(p) estimate, kEmpty without values: with h = p (n-1), the order statistics floor(h) and
// ceil(h) (0-based) are estimated (rank 0 is min, rank n-1 is max, exactly; others are bucket values clamped
// to [min, max]) and interpolated as percentile_cont does, lo + (h - floor(h)) (hi - lo). Negatives sort first
// (largest |x| first), then zeros, then positives. The error is at most alpha ((1-f)|lo| + f|hi|), which is
// alpha |percentile_cont| unless lo < 0 < hi (a percentile that falls exactly between a refund and a cost).
SketchStatus sketch_quantile(const SketchHeader *h, const uint64_t *counts, double p, double *out) noexcept;

// n, zeros included.
inline uint64_t sketch_count(const SketchHeader *h) noexcept {
	return h->count;
}
// Compensated sum (0 when empty); may differ in the last bits between merge orders.
inline double sketch_sum(const SketchHeader *h) noexcept {
	return h->sum + h->sum_comp;
}
// Exact minimum, or kEmpty.
SketchStatus sketch_min(const SketchHeader *h, double *out) noexcept;
// Exact maximum, or kEmpty.
SketchStatus sketch_max(const SketchHeader *h, double *out) noexcept;
// sum / n, or kEmpty.
SketchStatus sketch_mean(const SketchHeader *h, double *out) noexcept;
// The initial alpha.
inline double sketch_alpha(const SketchHeader *h) noexcept {
	return static_cast<double>(h->alpha_e6) / kSketchAlphaUnits;
}
// The relative error bound in effect: alpha after the collapses applied so far.
double sketch_error_bound(const SketchHeader *h) noexcept;

// Key of a finite non-zero |x| at the sketch's current level (the same for both stores).
int64_t sketch_key(const SketchHeader *h, double magnitude) noexcept;
// The value a key stands for at the sketch's current level: within error_bound of every |x| it holds.
double sketch_key_value(const SketchHeader *h, int64_t key) noexcept;

// Checks a flat sketch of exactly `bytes` bytes from untrusted memory: every field and invariant.
SketchStatus sketch_validate(const SketchHeader *h, size_t bytes) noexcept;

// Bytes the serialized form takes (windows trimmed to the non-zero counts).
size_t sketch_serialized_size(const SketchHeader *h, const uint64_t *counts) noexcept;
// Writes the versioned little-endian form; *written = sketch_serialized_size.
SketchStatus sketch_serialize(const SketchHeader *h, const uint64_t *counts, uint8_t *out, size_t cap,
							  size_t *written) noexcept;
// Validates serialized bytes completely and reports the window lengths to allocate.
SketchStatus sketch_deserialized_size(const uint8_t *bytes, size_t len, uint32_t *pos_len, uint32_t *neg_len) noexcept;
// Validates again and builds the flat sketch in out (8-aligned, out_bytes >= sketch_bytes(pos_len, neg_len));
// on error out holds garbage. Inputs cost at most 2 x 8 MB (max_buckets <= 2^20 per store).
SketchStatus sketch_deserialize_into(const uint8_t *bytes, size_t len, SketchHeader *out, size_t out_bytes) noexcept;

// Characters of the text form of len serialized bytes (no terminating NUL).
size_t sketch_text_size(size_t len) noexcept;
// Writes kSketchTextPrefix + base64 (no NUL); *written = sketch_text_size(len).
SketchStatus sketch_to_text(const uint8_t *bytes, size_t len, char *out, size_t cap, size_t *written) noexcept;
// Checks the text form's syntax and reports how many bytes it decodes to.
SketchStatus sketch_text_decoded_size(const char *text, size_t len, size_t *bytes_len) noexcept;
// Decodes the text form (then use sketch_deserialized_size / sketch_deserialize_into).
SketchStatus sketch_from_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) noexcept;

// A lower-case message for a status, for errmsg.
const char *sketch_status_text(SketchStatus status) noexcept;

} // namespace dexcost
