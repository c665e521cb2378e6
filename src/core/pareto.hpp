// Exact per-key cost sums for Pareto questions, kept in flat memory: dexcost.pareto(key text, cost numeric).
//
// Why flat: the PostgreSQL binding keeps the table as ONE varlena (not `internal`), updated in place in the
// aggregate memory context, so partial states cross parallel workers as they are and Citus nodes through the
// text form. The state holds no pointer and no STL container and the core never allocates: every function is
// noexcept and returns a ParetoStatus; the binding allocates between steps and turns statuses into ereport.
//
// Layout (8-byte alignment is enough; nothing needs 16):
//   ParetoHeader (56 bytes) | capacity x ParetoSlot (32 bytes each) | arena_capacity bytes of key bytes
// The slots are an open-addressing table with linear probing, at most 3/4 full (pareto_max_keys). A slot is
// empty when all its bytes are zero; an occupied slot stores pareto_hash(key) | kParetoOccupied (bit 0), and
// its home slot is the hash's top log2(capacity) bits (pareto_home). So slot order is nearly hash order, at
// every capacity: regrowing, merging and deserializing (which visit keys in hash order) write through the
// table almost sequentially, and the canonical order (by hash) is nearly sorted already. Every key's bytes sit
// back to back in the arena in insertion order (there is no deletion), so arena_used is the sum of the key
// lengths. Sums are int128 units of 1e-18 (dexcost::Decimal), stored as two uint64 halves (lo, hi) so that
// no access needs 16-byte alignment. The NULL key is not a key of the table: its sum is kept apart
// (pareto_null_sum) and is excluded from the total, the ranking and every share.
//
// Exactness: every sum is exact; a sum that would leave Decimal's range is refused with kOverflow and nothing
// changes (pareto_add), so per-key sums, the total (sum of the keyed sums, maintained on every add) and the
// NULL key's sum always fit. Shares and "keys for a fraction" are decided in exact 192-bit integer arithmetic.
//
// Hash: wyhash (final version 4, rewritten in pareto.cpp) with a fixed seed and little-endian reads: the same
// on every platform. It is part of both the flat and the serialized format (slot positions, canonical order),
// so changing it requires a new kParetoVersion.
//
// How the binding drives it (no step allocates):
//   add:   st = pareto_add(h, key, len, amount); if st == kNeedsGrow: pareto_needed(h, 1, len, &cap, &arena),
//          palloc(pareto_bytes(cap, arena)), pareto_regrow(h, new, cap, arena), SET_VARSIZE, add again.
//          kOverflow and kKeyTooLong are errors to report (nothing changed).
//   merge: cursor = 0; while ((st = pareto_merge(dst, src, &cursor)) == kNeedsGrow): pareto_merge_needed(dst,
//          src, cursor, &cap, &arena), regrow dst as above, retry with the same cursor. src is only read.
//   final: order = palloc(nkeys * 4); pareto_rank(h, order, nkeys); then pareto_total, pareto_cumulative,
//          pareto_keys_for_share, pareto_top_count, pareto_share and the slot accessors. All read-only.
//   disk:  flat memory from disk or a client goes through pareto_validate; serialized bytes through
//          pareto_deserialized_sizes + pareto_deserialize_into. Use PG_DETOAST_DATUM (not _PACKED).
//
// Serialized form, version 1 (canonical: equal tables give equal bytes whatever the insertion or merge order):
//   u8 version (1), u8 flags (bit 0: the NULL key was seen; other bits 0),
//   varint nkeys (LEB128, minimal), then, if flags bit 0, the NULL key's sum as zigzag LEB128 (minimal),
//   then nkeys entries in canonical order, strictly ascending: by stored hash (pareto_hash(key) | 1), then by
//   key bytes (unsigned bytewise, a prefix first; only for the vanishingly rare equal hashes). Each entry is
//     varint key_len (<= kParetoMaxKeyBytes), key_len bytes, sum as zigzag LEB128 of the int128 (minimal).
//   No trailing bytes. The total is not stored: it is recomputed and must fit. Text form: "pareto:" followed
//   by canonical padded base64 of those bytes.
//   Hash order rather than key order: serializing a 1M-key table sorted by key bytes took 0.70 s (random
//   memory access), by hash 0.14 s, and deserializing fell from 0.22 s to 0.05 s since the table is then
//   written almost sequentially (bench/pareto_micro.cpp).
#pragma once

#include "core/cpp_only.hpp"
#include "core/decimal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace dexcost {

constexpr uint8_t kParetoVersion = 1;             // SerializedForm[0] and ParetoHeader::version
constexpr uint8_t kParetoHasNullKey = 1;          // ParetoHeader::flags: a NULL key was added
constexpr uint32_t kParetoMinCapacity = 8;        // slots
constexpr uint32_t kParetoMaxCapacity = 1u << 24; // 512 MB of slots: up to 12,582,912 keys
constexpr uint32_t kParetoMaxKeyBytes = 1u << 20; // one key (customer id) is at most 1 MiB
constexpr size_t kParetoMaxBytes = 0x3fffffff;    // a flat state is a varlena: at most 1 GB - 1 bytes
constexpr uint64_t kParetoOccupied = 1;           // set in the stored hash of every occupied slot
constexpr char kParetoTextPrefix[] = "pareto:";   // text form: prefix + base64 of the serialized bytes

// What an operation did, or why it refused.
enum class ParetoStatus : uint8_t {
	kOk,
	kNeedsGrow,       // add/merge: the table or the arena is full; nothing changed; see pareto_needed
	kTooLarge,        // the state would exceed kParetoMaxBytes or kParetoMaxCapacity
	kKeyTooLong,      // a key longer than kParetoMaxKeyBytes
	kOverflow,        // a sum (key, NULL key, total, cumulative, share) would leave Decimal's range
	kBadCapacity,     // capacity not a power of two in range, or too small for the keys or their bytes
	kBadFraction,     // a fraction outside [0, 1]
	kBadRank,         // k greater than the number of keys
	kNoPositiveTotal, // the keyed total is <= 0: shares are undefined (the binding returns NULL)
	kNotFound,        // pareto_lookup: no such key
	kBufferTooSmall,  // an output buffer is smaller than the size the two-pass API reported, or misaligned
	kBadVersion,      // unknown version byte
	kTruncated,       // the bytes end too early
	kCorrupt,         // the bytes or the flat state are inconsistent
	kInterrupted,     // rank, serialize, merge, regrow, cumulative, keys_for_share: an interrupt is pending
	                  // (core/interrupt.hpp); merge resumes from *cursor, the others start again
};

// The fixed part of the flat state. Trivially copyable, no pointer; needs 8-byte alignment.
struct ParetoHeader {
	uint32_t vl_len_;        // the binding's varlena length word: the core never reads it or writes it
	uint8_t version;         // kParetoVersion
	uint8_t flags;           // kParetoHasNullKey or 0
	uint16_t reserved;       // 0
	uint32_t capacity;       // slots: a power of two in [kParetoMinCapacity, kParetoMaxCapacity]
	uint32_t nkeys;          // occupied slots (distinct non-NULL keys), <= pareto_max_keys(capacity)
	uint32_t arena_capacity; // bytes of the arena after the slots
	uint32_t arena_used;     // bytes holding keys: the sum of every key's length
	uint64_t total[2];       // int128 sum of every key's sum (NULL key excluded), lo then hi half
	uint64_t null_sum[2];    // int128 sum of the NULL key's amounts; 0 unless flags has kParetoHasNullKey
};
static_assert(sizeof(ParetoHeader) == 56, "ParetoHeader is a fixed in-memory layout");
static_assert(std::is_trivially_copyable<ParetoHeader>::value && std::is_standard_layout<ParetoHeader>::value,
			  "ParetoHeader must be plain data");

// One slot of the table; all zero when empty.
struct ParetoSlot {
	uint64_t hash;    // pareto_hash(key) | kParetoOccupied, or 0 when empty
	uint32_t key_off; // where the key's bytes start in the arena
	uint32_t key_len; // how many bytes
	uint64_t sum[2];  // int128 sum of the key's amounts, lo then hi half
};
static_assert(sizeof(ParetoSlot) == 32, "ParetoSlot is a fixed in-memory layout");
static_assert(std::is_trivially_copyable<ParetoSlot>::value && std::is_standard_layout<ParetoSlot>::value,
			  "ParetoSlot must be plain data");

// Bytes of a flat state with this many slots and arena bytes (header included; not rounded).
inline size_t pareto_bytes(uint32_t capacity, uint32_t arena_capacity) noexcept {
	return sizeof(ParetoHeader) + sizeof(ParetoSlot) * static_cast<size_t>(capacity) + arena_capacity;
}
// Keys a table of this many slots holds before it must grow: 3/4 of the slots.
inline uint32_t pareto_max_keys(uint32_t capacity) noexcept {
	return capacity - capacity / 4;
}
// The slots after a header.
inline ParetoSlot *pareto_slots(ParetoHeader *h) noexcept {
	return reinterpret_cast<ParetoSlot *>(h + 1);
}
// The slots after a header, read-only.
inline const ParetoSlot *pareto_slots(const ParetoHeader *h) noexcept {
	return reinterpret_cast<const ParetoSlot *>(h + 1);
}
// The key arena after the slots.
inline uint8_t *pareto_arena(ParetoHeader *h) noexcept {
	return reinterpret_cast<uint8_t *>(pareto_slots(h) + h->capacity);
}
// The key arena after the slots, read-only.
inline const uint8_t *pareto_arena(const ParetoHeader *h) noexcept {
	return reinterpret_cast<const uint8_t *>(pareto_slots(h) + h->capacity);
}
// An int128 from its two stored halves.
inline int128 pareto_load_sum(const uint64_t halves[2]) noexcept {
	return static_cast<int128>((static_cast<unsigned __int128>(halves[1]) << 64) | halves[0]);
}
// Stores an int128 as two halves.
inline void pareto_store_sum(uint64_t halves[2], int128 v) noexcept {
	halves[0] = static_cast<uint64_t>(v);
	halves[1] = static_cast<uint64_t>(static_cast<unsigned __int128>(v) >> 64);
}

// The 64-bit hash of a key (the slot's stored hash is this | kParetoOccupied).
uint64_t pareto_hash(const void *key, size_t len) noexcept;
// The home slot of a stored hash: its top log2(capacity) bits.
inline uint32_t pareto_home(uint64_t stored_hash, uint32_t capacity) noexcept {
	return static_cast<uint32_t>(stored_hash >> (64 - __builtin_ctz(capacity)));
}

// Starts an empty table in pareto_bytes(capacity, arena_capacity) bytes of 8-aligned memory.
ParetoStatus pareto_init(ParetoHeader *h, uint32_t capacity, uint32_t arena_capacity) noexcept;

// Adds amount to a key's sum (a new key starts at amount). kNeedsGrow: a new key does not fit (nothing
// changed); kOverflow: the key's sum or the total would leave Decimal's range (nothing changed).
ParetoStatus pareto_add(ParetoHeader *h, const void *key, size_t key_len, Decimal amount) noexcept;
// Adds amount to the NULL key's sum (kOverflow: nothing changed).
ParetoStatus pareto_add_null_key(ParetoHeader *h, Decimal amount) noexcept;
// Sizes that fit extra_keys more keys and extra_arena more key bytes: each of capacity and arena doubles
// from its current size until it fits (or takes the exact need when doubling would pass the limits).
// kOk with the current sizes when nothing needs to grow; kTooLarge when pareto_bytes would exceed
// kParetoMaxBytes or capacity kParetoMaxCapacity.
ParetoStatus pareto_needed(const ParetoHeader *h, uint64_t extra_keys, uint64_t extra_arena, uint32_t *capacity,
						   uint32_t *arena_capacity) noexcept;
// Copies a table into separate memory of pareto_bytes(capacity, arena_capacity) bytes, rehashing its slots.
// kBadCapacity when capacity is not a power of two in range or the keys or their bytes do not fit.
ParetoStatus pareto_regrow(const ParetoHeader *src, ParetoHeader *dst, uint32_t capacity,
						   uint32_t arena_capacity) noexcept;

// Adds every key of src (slots from *cursor on, starting at 0) and then its NULL key into dst; src is only
// read (src == dst doubles every sum). Resumable: on kNeedsGrow, *cursor is the src slot whose key did not fit
// and every slot before it is merged; regrow dst (pareto_merge_needed) and call again with the same cursor.
// On kOk, *cursor is past the end (another call does nothing). On kOverflow, dst is a valid table holding
// part of src: report the error.
ParetoStatus pareto_merge(ParetoHeader *dst, const ParetoHeader *src, uint32_t *cursor) noexcept;
// Sizes for dst to go on merging at cursor: room for the key at cursor, and at least for the union's lower
// bound (src's keys and key bytes), with doubling (see pareto_needed).
ParetoStatus pareto_merge_needed(const ParetoHeader *dst, const ParetoHeader *src, uint32_t cursor, uint32_t *capacity,
								 uint32_t *arena_capacity) noexcept;

// A key's sum, or kNotFound.
ParetoStatus pareto_lookup(const ParetoHeader *h, const void *key, size_t key_len, Decimal *sum) noexcept;
// Number of distinct non-NULL keys.
inline uint32_t pareto_nkeys(const ParetoHeader *h) noexcept {
	return h->nkeys;
}
// The exact sum of every key's sum (the NULL key excluded): the denominator of every share.
inline Decimal pareto_total(const ParetoHeader *h) noexcept {
	return Decimal::from_units(pareto_load_sum(h->total));
}
// Whether a NULL key was added (even if its sum is 0).
inline bool pareto_has_null_key(const ParetoHeader *h) noexcept {
	return (h->flags & kParetoHasNullKey) != 0;
}
// The NULL key's sum (0 when there was none).
inline Decimal pareto_null_sum(const ParetoHeader *h) noexcept {
	return Decimal::from_units(pareto_load_sum(h->null_sum));
}
// The key of an occupied slot (as pareto_rank reports them).
inline void pareto_slot_key(const ParetoHeader *h, uint32_t slot, const uint8_t **key, uint32_t *len) noexcept {
	const ParetoSlot &s = pareto_slots(h)[slot];
	*key = pareto_arena(h) + s.key_off;
	*len = s.key_len;
}
// The sum of an occupied slot.
inline Decimal pareto_slot_sum(const ParetoHeader *h, uint32_t slot) noexcept {
	return Decimal::from_units(pareto_load_sum(pareto_slots(h)[slot].sum));
}

// Writes the nkeys occupied slot numbers into order (order_len >= nkeys), sorted by sum descending, ties by
// key bytes ascending (unsigned bytewise, a prefix first): a total order, so the ranking is deterministic.
ParetoStatus pareto_rank(const ParetoHeader *h, uint32_t *order, size_t order_len) noexcept;
// Sum of the first k keys of a ranking (cum(0) = 0); kBadRank if k > nkeys, kOverflow if a prefix sum leaves
// Decimal's range (possible only when negative sums make the positive ones exceed it).
ParetoStatus pareto_cumulative(const ParetoHeader *h, const uint32_t *order, uint32_t k, Decimal *out) noexcept;
// The smallest k with cum(k) >= y * total, decided exactly (cum(k) * 10^18 >= y.units() * total in 192-bit
// integers), for y in [0, 1] (kBadFraction otherwise) and total > 0 (kNoPositiveTotal otherwise). Such a k
// exists even with negative sums: cum reaches the sum of the positive sums, which is >= total. y = 0 gives 0.
ParetoStatus pareto_keys_for_share(const ParetoHeader *h, const uint32_t *order, Decimal y, uint32_t *k) noexcept;
// How many keys "the top x of keys" is, for x in [0, 1]: ceil(x * nkeys), exactly (so any x > 0 counts at
// least one key when there is one, and x = 1 counts them all). No ranking needed.
ParetoStatus pareto_top_count(const ParetoHeader *h, Decimal x, uint32_t *k) noexcept;
// part / total rounded to 18 places, half away from zero (as numeric does); total <= 0 gives kNoPositiveTotal,
// a quotient beyond Decimal's range kOverflow.
ParetoStatus pareto_share(Decimal part, Decimal total, Decimal *share) noexcept;

// Checks a flat table of exactly `bytes` bytes from untrusted memory: header fields, every slot (hash,
// bounds, reachability from its home slot, no duplicate key), the counts and the total.
ParetoStatus pareto_validate(const ParetoHeader *h, size_t bytes) noexcept;

// Bytes the serialized form takes.
size_t pareto_serialized_size(const ParetoHeader *h) noexcept;
// Writes the canonical form (entries sorted: order is scratch space of order_len >= nkeys slot numbers);
// *written = pareto_serialized_size.
ParetoStatus pareto_serialize(const ParetoHeader *h, uint32_t *order, size_t order_len, uint8_t *out, size_t cap,
							  size_t *written) noexcept;
// Validates serialized bytes completely and reports the smallest capacity and arena that hold them.
ParetoStatus pareto_deserialized_sizes(const uint8_t *bytes, size_t len, uint32_t *capacity,
									   uint32_t *arena_capacity) noexcept;
// Validates again and builds the table in out (8-aligned, pareto_bytes(capacity, arena_capacity) bytes, with
// sizes at least those reported; kBadCapacity otherwise). On error out holds garbage.
ParetoStatus pareto_deserialize_into(const uint8_t *bytes, size_t len, ParetoHeader *out, uint32_t capacity,
									 uint32_t arena_capacity) noexcept;

// Characters of the text form of len serialized bytes (no terminating NUL).
size_t pareto_text_size(size_t len) noexcept;
// Writes kParetoTextPrefix + base64 (no NUL); *written = pareto_text_size(len).
ParetoStatus pareto_to_text(const uint8_t *bytes, size_t len, char *out, size_t cap, size_t *written) noexcept;
// Checks the text form's syntax and reports how many bytes it decodes to.
ParetoStatus pareto_text_decoded_size(const char *text, size_t len, size_t *bytes_len) noexcept;
// Decodes the text form (then use pareto_deserialized_sizes / pareto_deserialize_into).
ParetoStatus pareto_from_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) noexcept;

// A lower-case message for a status, for errmsg.
const char *pareto_status_text(ParetoStatus status) noexcept;

// Converts PostgreSQL's numeric representation to a Decimal exactly, without text: the value is
//   (negative ? -1 : 1) * sum over i of digits[i] * 10000^(weight - i),
// digits in base 10000 (each in [0, 9999]), weight the base-10000 exponent of digits[0], dscale the display
// scale (>= 0; it does not change the value). kTooManyDecimals when a non-zero decimal digit lies beyond 18
// places, kOverflow beyond Decimal's range, kSyntax for a malformed input (a digit out of range, ndigits < 0,
// dscale < 0, or no digit array). NaN and infinities are the binding's to refuse before calling. (It belongs
// in decimal.hpp; it lives here until that file can change.)
DecimalError decimal_from_numeric_digits(bool negative, int weight, int dscale, const int16_t *digits, int ndigits,
										 Decimal *out) noexcept;

} // namespace dexcost
