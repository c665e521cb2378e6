// Exact per-key sums in a flat open-addressing table: add, grow, merge, rank, Pareto answers, serialization.
#include "core/pareto.hpp"

#include "core/base64.hpp"
#include "core/interrupt.hpp"

#include <algorithm>
#include <limits>

namespace dexcost {

namespace {

using u128 = unsigned __int128;

constexpr uint32_t kMinArena = 64; // first arena size when one must be made
constexpr int128 kInt128Max = static_cast<int128>(~static_cast<u128>(0) >> 1);
constexpr u128 kInt128MinMagnitude = static_cast<u128>(1) << 127; // |INT128_MIN|
constexpr uint64_t kUnitsPerOne = 1000000000000000000ULL;         // 10^18: Decimal units of 1

// ---- hashing ---------------------------------------------------------------------------------------------
// wyhash, final version 4 (Wang Yi, public domain; it passes SMHasher), rewritten here: keys of up to 16 bytes
// are read as two overlapping 32-bit pairs, longer keys are folded 16 (or 3 x 16) bytes at a time with a
// 64 x 64 -> 128-bit multiply whose halves are xored ("mum"); a final mum mixes in the length. With seed s
// instead of kSeed it reproduces wyhash's published test vectors (checked when this was written). Reads are
// little-endian so the hash is the same on every platform; the seed is fixed because flat states cross
// processes (parallel workers). Cost on the benchmark's 5-40 byte ids: see bench/pareto_micro.cpp.

constexpr uint64_t kP0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;
constexpr uint64_t kP3 = 0x589965cc75374cc3ULL;
constexpr uint64_t kSeed = 0x243f6a8885a308d3ULL; // the first fractional digits of pi

// The 128-bit product of a and b, low half into a, high half into b.
inline void mum(uint64_t *a, uint64_t *b) {
	u128 r = static_cast<u128>(*a) * *b;
	*a = static_cast<uint64_t>(r);
	*b = static_cast<uint64_t>(r >> 64);
}

// The xor of the two halves of a * b.
inline uint64_t mix(uint64_t a, uint64_t b) {
	mum(&a, &b);
	return a ^ b;
}

// 8 bytes, little-endian.
inline uint64_t read64(const uint8_t *p) {
	uint64_t v;
	std::memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

// 4 bytes, little-endian.
inline uint64_t read32(const uint8_t *p) {
	uint32_t v;
	std::memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

// 1 to 3 bytes: the first, middle and last.
inline uint64_t read_small(const uint8_t *p, size_t k) {
	return (static_cast<uint64_t>(p[0]) << 16) | (static_cast<uint64_t>(p[k >> 1]) << 8) | p[k - 1];
}

// The hash of len bytes (p may be null when len is 0).
inline uint64_t hash_bytes(const uint8_t *p, size_t len) {
	uint64_t seed = kSeed ^ mix(kSeed ^ kP0, kP1);
	uint64_t a, b;
	if (len <= 16) {
		if (len >= 4) {
			size_t d = (len >> 3) << 2;
			a = (read32(p) << 32) | read32(p + d);
			b = (read32(p + len - 4) << 32) | read32(p + len - 4 - d);
		} else if (len > 0) {
			a = read_small(p, len);
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;
		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;
			do {
				seed = mix(read64(p) ^ kP1, read64(p + 8) ^ seed);
				s1 = mix(read64(p + 16) ^ kP2, read64(p + 24) ^ s1);
				s2 = mix(read64(p + 32) ^ kP3, read64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = mix(read64(p) ^ kP1, read64(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		a = read64(p + i - 16); // overlaps the last chunk: len > 16, so it stays inside the key
		b = read64(p + i - 8);
	}
	a ^= kP1;
	b ^= seed;
	mum(&a, &b);
	return mix(a ^ kP0 ^ len, b ^ kP1);
}

// ---- table primitives ------------------------------------------------------------------------------------

// Whether x is a power of two in [kParetoMinCapacity, kParetoMaxCapacity].
inline bool capacity_ok(uint64_t x) {
	return x >= kParetoMinCapacity && x <= kParetoMaxCapacity && (x & (x - 1)) == 0;
}

// Whether p is 8-byte aligned.
inline bool aligned8(const void *p) {
	return reinterpret_cast<uintptr_t>(p) % 8 == 0;
}

// Whether a key's bytes equal len bytes at k.
inline bool same_key(const uint8_t *arena, const ParetoSlot &s, const uint8_t *k, size_t len) {
	return s.key_len == len && (len == 0 || std::memcmp(arena + s.key_off, k, len) == 0);
}

// The slot holding a key (hv = its stored hash), or the empty slot where it would go.
inline uint32_t probe(const ParetoSlot *slots, const uint8_t *arena, uint32_t capacity, uint64_t hv, const uint8_t *k,
					  size_t len, bool *found) {
	uint32_t mask = capacity - 1;
	for (uint32_t i = pareto_home(hv, capacity);; i = (i + 1) & mask) {
		const ParetoSlot &s = slots[i];
		if (s.hash == hv && same_key(arena, s, k, len)) {
			*found = true;
			return i;
		}
		if (s.hash == 0) {
			*found = false;
			return i;
		}
	}
}

// The first empty slot on a probe sequence (for a key known to be absent).
inline uint32_t empty_slot(const ParetoSlot *slots, uint32_t capacity, uint64_t hv) {
	uint32_t mask = capacity - 1;
	uint32_t i = pareto_home(hv, capacity);
	while (slots[i].hash != 0)
		i = (i + 1) & mask;
	return i;
}

// The smallest capacity that holds nkeys keys.
inline uint64_t min_capacity(uint64_t nkeys) {
	uint64_t c = kParetoMinCapacity;
	while (c - c / 4 < nkeys)
		c *= 2;
	return c;
}

// Copies every header field except the binding's length word.
inline void copy_header(ParetoHeader *dst, const ParetoHeader *src) {
	std::memcpy(reinterpret_cast<char *>(dst) + sizeof dst->vl_len_,
				reinterpret_cast<const char *>(src) + sizeof src->vl_len_, sizeof(ParetoHeader) - sizeof dst->vl_len_);
}

// An empty header with these sizes (version set, everything else zero).
inline ParetoHeader fresh_header(uint32_t capacity, uint32_t arena_capacity) {
	ParetoHeader h;
	std::memset(&h, 0, sizeof h);
	h.version = kParetoVersion;
	h.capacity = capacity;
	h.arena_capacity = arena_capacity;
	return h;
}

// Bytewise key order: unsigned bytes, a prefix first.
inline bool key_less(const uint8_t *a, uint32_t la, const uint8_t *b, uint32_t lb) {
	uint32_t n = la < lb ? la : lb;
	int c = n ? std::memcmp(a, b, n) : 0;
	return c < 0 || (c == 0 && la < lb);
}

// Ranking order over slot numbers: sum descending, then key bytes ascending.
struct RankLess {
	const ParetoSlot *slots;
	const uint8_t *arena;
	// Whether slot a ranks before slot b.
	bool operator()(uint32_t a, uint32_t b) const {
		int128 x = pareto_load_sum(slots[a].sum), y = pareto_load_sum(slots[b].sum);
		if (x != y)
			return x > y;
		return key_less(arena + slots[a].key_off, slots[a].key_len, arena + slots[b].key_off, slots[b].key_len);
	}
};

// Whether (hash a, key a) sorts before (hash b, key b): the canonical order of the serialized form.
inline bool canonical_less(uint64_t ha, const uint8_t *a, uint32_t la, uint64_t hb, const uint8_t *b, uint32_t lb) {
	return ha != hb ? ha < hb : key_less(a, la, b, lb);
}

// Canonical order over slot numbers (keys are distinct, so this is a total order). Slots are nearly in this
// order already (home slots follow the hash's top bits), so sorting touches memory almost sequentially.
struct CanonicalLess {
	const ParetoSlot *slots;
	const uint8_t *arena;
	// Whether slot a sorts before slot b.
	bool operator()(uint32_t a, uint32_t b) const {
		const ParetoSlot &x = slots[a], &y = slots[b];
		return canonical_less(x.hash, arena + x.key_off, x.key_len, y.hash, arena + y.key_off, y.key_len);
	}
};

// Thrown by PollingLess to abandon std::sort when an interrupt is pending; caught in sort_slots.
struct SortInterrupted {};

// A comparator that polls for interrupts (a sort of 12M keys takes seconds).
template <typename Less>
struct PollingLess {
	Less less;
	InterruptPoll *poll;
	bool operator()(uint32_t a, uint32_t b) const {
		if (poll->stop())
			throw SortInterrupted{};
		return less(a, b);
	}
};

// Sorts order[0, n) by less; false when an interrupt stopped it (order is then some permutation of the
// same slot numbers: std::sort only swaps).
template <typename Less>
bool sort_slots(uint32_t *order, uint32_t n, Less less) noexcept {
	InterruptPoll poll;
	try {
		std::sort(order, order + n, PollingLess<Less>{less, &poll});
		return true;
	} catch (const SortInterrupted &) {
		return false;
	}
}

// Writes the occupied slot numbers into order; false if their number is not nkeys (a corrupt state).
bool list_slots(const ParetoHeader *h, uint32_t *order) {
	const ParetoSlot *slots = pareto_slots(h);
	uint32_t n = 0;
	for (uint32_t i = 0; i < h->capacity; ++i) {
		if (slots[i].hash == 0)
			continue;
		if (n == h->nkeys)
			return false;
		order[n++] = i;
	}
	return n == h->nkeys;
}

// ---- exact wide arithmetic -------------------------------------------------------------------------------

// An unsigned 192-bit integer, most significant word last.
struct U192 {
	uint64_t w[3];
};

// a * b exactly.
inline U192 mul_128_64(u128 a, uint64_t b) {
	u128 p0 = static_cast<u128>(static_cast<uint64_t>(a)) * b;
	u128 p1 = static_cast<u128>(static_cast<uint64_t>(a >> 64)) * b;
	u128 mid = (p0 >> 64) + static_cast<uint64_t>(p1);
	return U192{
		{static_cast<uint64_t>(p0), static_cast<uint64_t>(mid), static_cast<uint64_t>((p1 >> 64) + (mid >> 64))}};
}

// Whether a >= b.
inline bool ge(const U192 &a, const U192 &b) {
	for (int i = 2; i >= 0; --i)
		if (a.w[i] != b.w[i])
			return a.w[i] > b.w[i];
	return true;
}

// The magnitude of v (|INT128_MIN| included).
inline u128 magnitude(int128 v) {
	return v < 0 ? ~static_cast<u128>(v) + 1 : static_cast<u128>(v);
}

// Whether a Decimal is a fraction in [0, 1].
inline bool fraction_ok(Decimal x) {
	return x.units() >= 0 && x.units() <= static_cast<int128>(kUnitsPerOne);
}

// ---- serialization helpers -------------------------------------------------------------------------------

// Zigzag: small magnitudes of either sign become small unsigned numbers.
inline u128 zigzag(int128 v) {
	return (static_cast<u128>(v) << 1) ^ static_cast<u128>(v >> 127);
}

// Inverse of zigzag.
inline int128 unzigzag(u128 z) {
	return static_cast<int128>((z >> 1) ^ (~(z & 1) + 1));
}

// Bytes of an unsigned LEB128 varint.
inline size_t varint_size(u128 v) {
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		++n;
	}
	return n;
}

// Little-endian writer over a buffer known to be large enough.
struct Writer {
	uint8_t *p;
	// Appends one byte.
	void u8(uint8_t v) { *p++ = v; }
	// Appends an unsigned LEB128 varint.
	void varint(u128 v) {
		while (v >= 0x80) {
			*p++ = static_cast<uint8_t>(v | 0x80);
			v >>= 7;
		}
		*p++ = static_cast<uint8_t>(v);
	}
	// Appends raw bytes.
	void bytes(const uint8_t *b, size_t n) {
		if (n)
			std::memcpy(p, b, n);
		p += n;
	}
};

// Bounds-checked reader.
struct Reader {
	const uint8_t *p;
	const uint8_t *end;
	// Reads a minimal LEB128 varint of at most `bits` bits (64 or 128).
	ParetoStatus varint(u128 *out, int bits) {
		u128 v = 0;
		int max_bytes = (bits + 6) / 7;
		for (int i = 0; i < max_bytes; ++i) {
			if (p == end)
				return ParetoStatus::kTruncated;
			uint8_t b = *p++;
			if (i == max_bytes - 1 && (b >> (bits - 7 * i)) != 0)
				return ParetoStatus::kCorrupt; // more than `bits` bits (or a continuation bit)
			v |= static_cast<u128>(b & 0x7f) << (7 * i);
			if (!(b & 0x80)) {
				if (i > 0 && b == 0)
					return ParetoStatus::kCorrupt; // overlong
				*out = v;
				return ParetoStatus::kOk;
			}
		}
		return ParetoStatus::kCorrupt;
	}
};

// Serialized bytes of one entry.
inline size_t entry_size(const ParetoSlot &s) {
	return varint_size(s.key_len) + s.key_len + varint_size(zigzag(pareto_load_sum(s.sum)));
}

// Parses serialized bytes, validating everything; builds the table in out when it is not null.
ParetoStatus parse(const uint8_t *bytes, size_t len, ParetoHeader *out, uint32_t capacity, uint32_t arena_capacity,
				   uint32_t *min_cap, uint32_t *min_arena) {
	if (bytes == nullptr || len < 1)
		return ParetoStatus::kTruncated;
	if (bytes[0] != kParetoVersion)
		return ParetoStatus::kBadVersion;
	if (len < 2)
		return ParetoStatus::kTruncated;
	uint8_t flags = bytes[1];
	if (flags & ~kParetoHasNullKey)
		return ParetoStatus::kCorrupt;
	Reader r{bytes + 2, bytes + len};
	u128 v;
	ParetoStatus st = r.varint(&v, 64);
	if (st != ParetoStatus::kOk)
		return st;
	if (v > pareto_max_keys(kParetoMaxCapacity))
		return ParetoStatus::kCorrupt;
	uint32_t nkeys = static_cast<uint32_t>(v);
	int128 null_sum = 0;
	if (flags & kParetoHasNullKey) {
		if ((st = r.varint(&v, 128)) != ParetoStatus::kOk)
			return st;
		null_sum = unzigzag(v);
	}
	ParetoSlot *slots = nullptr;
	uint8_t *arena = nullptr;
	if (out) {
		if (!aligned8(out))
			return ParetoStatus::kBufferTooSmall;
		if (!capacity_ok(capacity) || pareto_max_keys(capacity) < nkeys ||
			pareto_bytes(capacity, arena_capacity) > kParetoMaxBytes)
			return ParetoStatus::kBadCapacity;
		ParetoHeader fresh = fresh_header(capacity, arena_capacity);
		copy_header(out, &fresh);
		slots = pareto_slots(out);
		arena = pareto_arena(out);
		std::memset(slots, 0, sizeof(ParetoSlot) * static_cast<size_t>(capacity));
	}
	const uint8_t *prev = nullptr;
	uint32_t prev_len = 0;
	uint64_t prev_hash = 0;
	uint64_t key_bytes = 0;
	int128 total = 0;
	for (uint32_t i = 0; i < nkeys; ++i) {
		if ((st = r.varint(&v, 64)) != ParetoStatus::kOk)
			return st;
		if (v > kParetoMaxKeyBytes)
			return ParetoStatus::kCorrupt;
		uint32_t klen = static_cast<uint32_t>(v);
		if (static_cast<size_t>(r.end - r.p) < klen)
			return ParetoStatus::kTruncated;
		const uint8_t *key = r.p;
		r.p += klen;
		uint64_t hv = hash_bytes(key, klen) | kParetoOccupied;
		if (i > 0 && !canonical_less(prev_hash, prev, prev_len, hv, key, klen))
			return ParetoStatus::kCorrupt; // entries must be strictly ascending (so no key twice)
		if ((st = r.varint(&v, 128)) != ParetoStatus::kOk)
			return st;
		int128 sum = unzigzag(v);
		if (__builtin_add_overflow(total, sum, &total))
			return ParetoStatus::kCorrupt; // no valid table has a total beyond the range
		key_bytes += klen;
		if (out) {
			if (key_bytes > arena_capacity)
				return ParetoStatus::kBadCapacity;
			uint32_t off = static_cast<uint32_t>(key_bytes - klen);
			if (klen)
				std::memcpy(arena + off, key, klen);
			ParetoSlot &s = slots[empty_slot(slots, capacity, hv)];
			s.hash = hv;
			s.key_off = off;
			s.key_len = klen;
			pareto_store_sum(s.sum, sum);
		}
		prev = key;
		prev_len = klen;
		prev_hash = hv;
	}
	if (r.p != r.end)
		return ParetoStatus::kCorrupt; // trailing bytes
	uint64_t cap = min_capacity(nkeys);
	if (key_bytes > kParetoMaxBytes ||
		pareto_bytes(static_cast<uint32_t>(cap), static_cast<uint32_t>(key_bytes)) > kParetoMaxBytes)
		return ParetoStatus::kTooLarge;
	if (out) {
		out->flags = flags;
		out->nkeys = nkeys;
		out->arena_used = static_cast<uint32_t>(key_bytes);
		pareto_store_sum(out->total, total);
		pareto_store_sum(out->null_sum, null_sum);
		std::memset(arena + key_bytes, 0, arena_capacity - key_bytes);
	}
	*min_cap = static_cast<uint32_t>(cap);
	*min_arena = static_cast<uint32_t>(key_bytes);
	return ParetoStatus::kOk;
}

// ---- text form -------------------------------------------------------------------------------------------
// Decodes the text form; out may be null (syntax check and size only).
ParetoStatus decode_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) {
	switch (base64_decode(kParetoTextPrefix, text, len, out, cap, written)) {
	case Base64Status::kOk:
		return ParetoStatus::kOk;
	case Base64Status::kBufferTooSmall:
		return ParetoStatus::kBufferTooSmall;
	default:
		return ParetoStatus::kCorrupt;
	}
}

} // namespace

uint64_t pareto_hash(const void *key, size_t len) noexcept {
	return hash_bytes(static_cast<const uint8_t *>(key), len);
}

ParetoStatus pareto_init(ParetoHeader *h, uint32_t capacity, uint32_t arena_capacity) noexcept {
	if (!aligned8(h))
		return ParetoStatus::kBufferTooSmall;
	if (!capacity_ok(capacity))
		return ParetoStatus::kBadCapacity;
	if (pareto_bytes(capacity, arena_capacity) > kParetoMaxBytes)
		return ParetoStatus::kTooLarge;
	ParetoHeader fresh = fresh_header(capacity, arena_capacity);
	copy_header(h, &fresh);
	std::memset(pareto_slots(h), 0, pareto_bytes(capacity, arena_capacity) - sizeof(ParetoHeader));
	return ParetoStatus::kOk;
}

ParetoStatus pareto_add(ParetoHeader *h, const void *key, size_t key_len, Decimal amount) noexcept {
	if (key_len > kParetoMaxKeyBytes)
		return ParetoStatus::kKeyTooLong;
	const uint8_t *k = static_cast<const uint8_t *>(key);
	uint64_t hv = hash_bytes(k, key_len) | kParetoOccupied;
	ParetoSlot *slots = pareto_slots(h);
	uint8_t *arena = pareto_arena(h);
	bool found;
	uint32_t i = probe(slots, arena, h->capacity, hv, k, key_len, &found);
	ParetoSlot &s = slots[i];
	int128 total;
	if (__builtin_add_overflow(pareto_load_sum(h->total), amount.units(), &total))
		return ParetoStatus::kOverflow;
	if (found) {
		int128 sum;
		if (__builtin_add_overflow(pareto_load_sum(s.sum), amount.units(), &sum))
			return ParetoStatus::kOverflow;
		pareto_store_sum(s.sum, sum);
		pareto_store_sum(h->total, total);
		return ParetoStatus::kOk;
	}
	if (h->nkeys >= pareto_max_keys(h->capacity) || key_len > h->arena_capacity - h->arena_used)
		return ParetoStatus::kNeedsGrow;
	if (key_len)
		std::memcpy(arena + h->arena_used, k, key_len);
	s.hash = hv;
	s.key_off = h->arena_used;
	s.key_len = static_cast<uint32_t>(key_len);
	pareto_store_sum(s.sum, amount.units());
	h->arena_used += static_cast<uint32_t>(key_len);
	++h->nkeys;
	pareto_store_sum(h->total, total);
	return ParetoStatus::kOk;
}

ParetoStatus pareto_add_null_key(ParetoHeader *h, Decimal amount) noexcept {
	int128 sum;
	if (__builtin_add_overflow(pareto_load_sum(h->null_sum), amount.units(), &sum))
		return ParetoStatus::kOverflow;
	pareto_store_sum(h->null_sum, sum);
	h->flags |= kParetoHasNullKey;
	return ParetoStatus::kOk;
}

ParetoStatus pareto_needed(const ParetoHeader *h, uint64_t extra_keys, uint64_t extra_arena, uint32_t *capacity,
						   uint32_t *arena_capacity) noexcept {
	if (extra_keys > kParetoMaxCapacity || extra_arena > kParetoMaxBytes)
		return ParetoStatus::kTooLarge;
	uint64_t want_keys = h->nkeys + extra_keys;
	uint64_t want_arena = h->arena_used + extra_arena;
	uint64_t cap = h->capacity;
	while (cap - cap / 4 < want_keys) {
		if (cap >= kParetoMaxCapacity)
			return ParetoStatus::kTooLarge;
		cap *= 2;
	}
	uint64_t arena = h->arena_capacity;
	if (arena < want_arena) {
		if (arena < kMinArena)
			arena = kMinArena;
		while (arena < want_arena)
			arena *= 2;
	}
	auto fits = [cap](uint64_t a) {
		return a <= kParetoMaxBytes &&
			   pareto_bytes(static_cast<uint32_t>(cap), static_cast<uint32_t>(a)) <= kParetoMaxBytes;
	};
	if (!fits(arena))
		arena = want_arena > h->arena_capacity ? want_arena : h->arena_capacity; // doubling overshoots: exact need
	if (!fits(arena))
		return ParetoStatus::kTooLarge;
	*capacity = static_cast<uint32_t>(cap);
	*arena_capacity = static_cast<uint32_t>(arena);
	return ParetoStatus::kOk;
}

ParetoStatus pareto_regrow(const ParetoHeader *src, ParetoHeader *dst, uint32_t capacity,
						   uint32_t arena_capacity) noexcept {
	if (!aligned8(dst))
		return ParetoStatus::kBufferTooSmall;
	if (!capacity_ok(capacity) || src->nkeys > pareto_max_keys(capacity) || src->arena_used > arena_capacity)
		return ParetoStatus::kBadCapacity;
	if (pareto_bytes(capacity, arena_capacity) > kParetoMaxBytes)
		return ParetoStatus::kTooLarge;
	copy_header(dst, src);
	dst->capacity = capacity;
	dst->arena_capacity = arena_capacity;
	ParetoSlot *ds = pareto_slots(dst);
	uint8_t *da = pareto_arena(dst);
	std::memset(ds, 0, sizeof(ParetoSlot) * static_cast<size_t>(capacity));
	// Keys keep their offsets: the arena is copied as it is.
	if (src->arena_used)
		std::memcpy(da, pareto_arena(src), src->arena_used);
	std::memset(da + src->arena_used, 0, arena_capacity - src->arena_used);
	const ParetoSlot *ss = pareto_slots(src);
	// In slot order, which is nearly hash order: the writes move through dst almost sequentially.
	InterruptPoll poll;
	for (uint32_t i = 0; i < src->capacity; ++i) {
		if (poll.stop())
			return ParetoStatus::kInterrupted;
		if (ss[i].hash != 0)
			ds[empty_slot(ds, capacity, ss[i].hash)] = ss[i];
	}
	return ParetoStatus::kOk;
}

ParetoStatus pareto_merge(ParetoHeader *dst, const ParetoHeader *src, uint32_t *cursor) noexcept {
	if (*cursor > src->capacity)
		return ParetoStatus::kOk; // already merged, NULL key included
	const ParetoSlot *ss = pareto_slots(src);
	const uint8_t *sa = pareto_arena(src);
	InterruptPoll poll;
	for (uint32_t i = *cursor; i < src->capacity; ++i) {
		if (poll.stop()) {
			*cursor = i;
			return ParetoStatus::kInterrupted;
		}
		const ParetoSlot &s = ss[i];
		if (s.hash == 0)
			continue;
		// Read everything from src before dst changes (src may be dst).
		const uint8_t *key = sa + s.key_off;
		uint32_t len = s.key_len;
		int128 amount = pareto_load_sum(s.sum);
		ParetoSlot *ds = pareto_slots(dst);
		uint8_t *da = pareto_arena(dst);
		bool found;
		uint32_t j = probe(ds, da, dst->capacity, s.hash, key, len, &found);
		int128 total, sum;
		if (__builtin_add_overflow(pareto_load_sum(dst->total), amount, &total)) {
			*cursor = i;
			return ParetoStatus::kOverflow;
		}
		if (found) {
			if (__builtin_add_overflow(pareto_load_sum(ds[j].sum), amount, &sum)) {
				*cursor = i;
				return ParetoStatus::kOverflow;
			}
			pareto_store_sum(ds[j].sum, sum);
		} else {
			if (dst->nkeys >= pareto_max_keys(dst->capacity) || len > dst->arena_capacity - dst->arena_used) {
				*cursor = i;
				return ParetoStatus::kNeedsGrow;
			}
			if (len)
				std::memcpy(da + dst->arena_used, key, len);
			ds[j].hash = s.hash;
			ds[j].key_off = dst->arena_used;
			ds[j].key_len = len;
			pareto_store_sum(ds[j].sum, amount);
			dst->arena_used += len;
			++dst->nkeys;
		}
		pareto_store_sum(dst->total, total);
	}
	*cursor = src->capacity;
	if (pareto_has_null_key(src)) {
		int128 sum;
		if (__builtin_add_overflow(pareto_load_sum(dst->null_sum), pareto_load_sum(src->null_sum), &sum))
			return ParetoStatus::kOverflow;
		pareto_store_sum(dst->null_sum, sum);
		dst->flags |= kParetoHasNullKey;
	}
	*cursor = src->capacity + 1;
	return ParetoStatus::kOk;
}

ParetoStatus pareto_merge_needed(const ParetoHeader *dst, const ParetoHeader *src, uint32_t cursor, uint32_t *capacity,
								 uint32_t *arena_capacity) noexcept {
	uint32_t key_len = cursor < src->capacity ? pareto_slots(src)[cursor].key_len : 0;
	// The union has at least as many keys and key bytes as src.
	uint64_t extra_keys = src->nkeys > dst->nkeys ? src->nkeys - dst->nkeys : 1;
	uint64_t extra_arena = src->arena_used > dst->arena_used ? src->arena_used - dst->arena_used : 0;
	if (extra_arena < key_len)
		extra_arena = key_len;
	return pareto_needed(dst, extra_keys, extra_arena, capacity, arena_capacity);
}

ParetoStatus pareto_lookup(const ParetoHeader *h, const void *key, size_t key_len, Decimal *sum) noexcept {
	if (key_len > kParetoMaxKeyBytes)
		return ParetoStatus::kNotFound;
	const uint8_t *k = static_cast<const uint8_t *>(key);
	bool found;
	uint32_t i = probe(pareto_slots(h), pareto_arena(h), h->capacity, hash_bytes(k, key_len) | kParetoOccupied, k,
					   key_len, &found);
	if (!found)
		return ParetoStatus::kNotFound;
	*sum = pareto_slot_sum(h, i);
	return ParetoStatus::kOk;
}

ParetoStatus pareto_rank(const ParetoHeader *h, uint32_t *order, size_t order_len) noexcept {
	if (order_len < h->nkeys)
		return ParetoStatus::kBufferTooSmall;
	if (!list_slots(h, order))
		return ParetoStatus::kCorrupt;
	if (!sort_slots(order, h->nkeys, RankLess{pareto_slots(h), pareto_arena(h)}))
		return ParetoStatus::kInterrupted;
	return ParetoStatus::kOk;
}

ParetoStatus pareto_cumulative(const ParetoHeader *h, const uint32_t *order, uint32_t k, Decimal *out) noexcept {
	if (k > h->nkeys)
		return ParetoStatus::kBadRank;
	const ParetoSlot *slots = pareto_slots(h);
	int128 cum = 0;
	InterruptPoll poll;
	for (uint32_t i = 0; i < k; ++i) {
		if (poll.stop())
			return ParetoStatus::kInterrupted;
		if (__builtin_add_overflow(cum, pareto_load_sum(slots[order[i]].sum), &cum))
			return ParetoStatus::kOverflow;
	}
	*out = Decimal::from_units(cum);
	return ParetoStatus::kOk;
}

ParetoStatus pareto_keys_for_share(const ParetoHeader *h, const uint32_t *order, Decimal y, uint32_t *k) noexcept {
	if (!fraction_ok(y))
		return ParetoStatus::kBadFraction;
	int128 total = pareto_load_sum(h->total);
	if (total <= 0)
		return ParetoStatus::kNoPositiveTotal;
	if (y.units() == 0) {
		*k = 0;
		return ParetoStatus::kOk;
	}
	// cum(k) / total >= y.units() / 10^18, cross-multiplied: both sides are below 2^187.
	U192 target = mul_128_64(static_cast<u128>(total), static_cast<uint64_t>(y.units()));
	const ParetoSlot *slots = pareto_slots(h);
	int128 cum = 0;
	InterruptPoll poll;
	for (uint32_t i = 0; i < h->nkeys; ++i) {
		if (poll.stop())
			return ParetoStatus::kInterrupted;
		if (__builtin_add_overflow(cum, pareto_load_sum(slots[order[i]].sum), &cum))
			return ParetoStatus::kOverflow;
		if (cum > 0 && ge(mul_128_64(static_cast<u128>(cum), kUnitsPerOne), target)) {
			*k = i + 1;
			return ParetoStatus::kOk;
		}
	}
	return ParetoStatus::kCorrupt; // the sums do not add up to total, or order is not a ranking
}

ParetoStatus pareto_top_count(const ParetoHeader *h, Decimal x, uint32_t *k) noexcept {
	if (!fraction_ok(x))
		return ParetoStatus::kBadFraction;
	u128 p = static_cast<u128>(x.units()) * h->nkeys; // < 2^60 * 2^32
	*k = static_cast<uint32_t>((p + kUnitsPerOne - 1) / kUnitsPerOne);
	return ParetoStatus::kOk;
}

ParetoStatus pareto_share(Decimal part, Decimal total, Decimal *share) noexcept {
	if (total.units() <= 0)
		return ParetoStatus::kNoPositiveTotal;
	bool negative = part.units() < 0;
	U192 n = mul_128_64(magnitude(part.units()), kUnitsPerOne);
	u128 d = static_cast<u128>(total.units()); // < 2^127, so 2 * remainder fits in 128 bits
	// Long division of the 192-bit numerator, one bit at a time; the quotient must stay below 2^128.
	u128 q = 0, r = 0;
	for (int bit = 191; bit >= 0; --bit) {
		r = (r << 1) | ((n.w[bit / 64] >> (bit % 64)) & 1);
		bool take = r >= d;
		if (take)
			r -= d;
		if (q >> 127)
			return ParetoStatus::kOverflow; // shifting would lose a bit
		q = (q << 1) | static_cast<u128>(take);
	}
	bool round_up = r >= d - r; // 2r >= d: round half away from zero
	u128 limit = negative ? kInt128MinMagnitude : static_cast<u128>(kInt128Max);
	if (q > limit || (round_up && q == limit))
		return ParetoStatus::kOverflow;
	q += round_up;
	*share = Decimal::from_units(negative ? static_cast<int128>(~q + 1) : static_cast<int128>(q));
	return ParetoStatus::kOk;
}

ParetoStatus pareto_validate(const ParetoHeader *h, size_t bytes) noexcept {
	if (h == nullptr || bytes < sizeof(ParetoHeader))
		return ParetoStatus::kTruncated;
	if (!aligned8(h))
		return ParetoStatus::kBufferTooSmall;
	if (h->version != kParetoVersion)
		return ParetoStatus::kBadVersion;
	if ((h->flags & ~kParetoHasNullKey) || h->reserved != 0 || !capacity_ok(h->capacity))
		return ParetoStatus::kCorrupt;
	size_t need = pareto_bytes(h->capacity, h->arena_capacity);
	if (bytes != need)
		return bytes < need ? ParetoStatus::kTruncated : ParetoStatus::kCorrupt;
	if (need > kParetoMaxBytes || h->arena_used > h->arena_capacity || h->nkeys > pareto_max_keys(h->capacity))
		return ParetoStatus::kCorrupt;
	if (!pareto_has_null_key(h) && pareto_load_sum(h->null_sum) != 0)
		return ParetoStatus::kCorrupt;
	const ParetoSlot *slots = pareto_slots(h);
	const uint8_t *arena = pareto_arena(h);
	uint32_t mask = h->capacity - 1;
	uint64_t nkeys = 0, key_bytes = 0;
	int128 total = 0;
	for (uint32_t i = 0; i < h->capacity; ++i) {
		const ParetoSlot &s = slots[i];
		if (s.hash == 0) {
			if (s.key_off != 0 || s.key_len != 0 || s.sum[0] != 0 || s.sum[1] != 0)
				return ParetoStatus::kCorrupt;
			continue;
		}
		if (!(s.hash & kParetoOccupied) || s.key_len > kParetoMaxKeyBytes ||
			static_cast<uint64_t>(s.key_off) + s.key_len > h->arena_used)
			return ParetoStatus::kCorrupt;
		const uint8_t *key = arena + s.key_off;
		if ((hash_bytes(key, s.key_len) | kParetoOccupied) != s.hash)
			return ParetoStatus::kCorrupt;
		if (__builtin_add_overflow(total, pareto_load_sum(s.sum), &total))
			return ParetoStatus::kCorrupt;
		++nkeys;
		key_bytes += s.key_len;
		// Reachable from its home slot without crossing an empty slot, and the first slot with its key.
		for (uint32_t j = pareto_home(s.hash, h->capacity); j != i; j = (j + 1) & mask) {
			const ParetoSlot &o = slots[j];
			if (o.hash == 0)
				return ParetoStatus::kCorrupt;
			if (o.hash == s.hash && o.key_len == s.key_len &&
				o.key_off + static_cast<uint64_t>(o.key_len) <= h->arena_used && same_key(arena, o, key, s.key_len))
				return ParetoStatus::kCorrupt; // the same key twice
		}
	}
	if (nkeys != h->nkeys || key_bytes != h->arena_used || total != pareto_load_sum(h->total))
		return ParetoStatus::kCorrupt;
	return ParetoStatus::kOk;
}

// The serialized form is described in pareto.hpp.
size_t pareto_serialized_size(const ParetoHeader *h) noexcept {
	size_t size = 2 + varint_size(h->nkeys);
	if (pareto_has_null_key(h))
		size += varint_size(zigzag(pareto_load_sum(h->null_sum)));
	const ParetoSlot *slots = pareto_slots(h);
	for (uint32_t i = 0; i < h->capacity; ++i)
		if (slots[i].hash != 0)
			size += entry_size(slots[i]);
	return size;
}

ParetoStatus pareto_serialize(const ParetoHeader *h, uint32_t *order, size_t order_len, uint8_t *out, size_t cap,
							  size_t *written) noexcept {
	if (order_len < h->nkeys)
		return ParetoStatus::kBufferTooSmall;
	size_t size = pareto_serialized_size(h);
	if (cap < size)
		return ParetoStatus::kBufferTooSmall;
	if (!list_slots(h, order))
		return ParetoStatus::kCorrupt;
	const ParetoSlot *slots = pareto_slots(h);
	const uint8_t *arena = pareto_arena(h);
	if (!sort_slots(order, h->nkeys, CanonicalLess{slots, arena}))
		return ParetoStatus::kInterrupted;
	Writer w{out};
	w.u8(kParetoVersion);
	w.u8(h->flags & kParetoHasNullKey);
	w.varint(h->nkeys);
	if (pareto_has_null_key(h))
		w.varint(zigzag(pareto_load_sum(h->null_sum)));
	for (uint32_t i = 0; i < h->nkeys; ++i) {
		const ParetoSlot &s = slots[order[i]];
		w.varint(s.key_len);
		w.bytes(arena + s.key_off, s.key_len);
		w.varint(zigzag(pareto_load_sum(s.sum)));
	}
	*written = size;
	return ParetoStatus::kOk;
}

ParetoStatus pareto_deserialized_sizes(const uint8_t *bytes, size_t len, uint32_t *capacity,
									   uint32_t *arena_capacity) noexcept {
	return parse(bytes, len, nullptr, 0, 0, capacity, arena_capacity);
}

ParetoStatus pareto_deserialize_into(const uint8_t *bytes, size_t len, ParetoHeader *out, uint32_t capacity,
									 uint32_t arena_capacity) noexcept {
	uint32_t c, a;
	return parse(bytes, len, out, capacity, arena_capacity, &c, &a);
}

size_t pareto_text_size(size_t len) noexcept {
	return base64_text_size(kParetoTextPrefix, len);
}

ParetoStatus pareto_to_text(const uint8_t *bytes, size_t len, char *out, size_t cap, size_t *written) noexcept {
	return base64_encode(kParetoTextPrefix, bytes, len, out, cap, written) ? ParetoStatus::kOk : ParetoStatus::kBufferTooSmall;
}

ParetoStatus pareto_text_decoded_size(const char *text, size_t len, size_t *bytes_len) noexcept {
	return decode_text(text, len, nullptr, 0, bytes_len);
}

ParetoStatus pareto_from_text(const char *text, size_t len, uint8_t *out, size_t cap, size_t *written) noexcept {
	return decode_text(text, len, out, cap, written);
}

const char *pareto_status_text(ParetoStatus status) noexcept {
	switch (status) {
	case ParetoStatus::kOk:
		return "ok";
	case ParetoStatus::kNeedsGrow:
		return "pareto table must grow";
	case ParetoStatus::kTooLarge:
		return "pareto table would exceed 1 GB";
	case ParetoStatus::kKeyTooLong:
		return "pareto key is longer than 1 MiB";
	case ParetoStatus::kOverflow:
		return "pareto sum is out of range";
	case ParetoStatus::kBadCapacity:
		return "pareto capacity is not a power of two in range or is too small";
	case ParetoStatus::kBadFraction:
		return "fraction must be between 0 and 1";
	case ParetoStatus::kBadRank:
		return "rank is greater than the number of keys";
	case ParetoStatus::kNoPositiveTotal:
		return "total cost is not positive";
	case ParetoStatus::kNotFound:
		return "key not found";
	case ParetoStatus::kBufferTooSmall:
		return "output buffer is too small or misaligned";
	case ParetoStatus::kBadVersion:
		return "unsupported pareto version";
	case ParetoStatus::kInterrupted:
		return "interrupted";
	case ParetoStatus::kTruncated:
		return "pareto data is truncated";
	case ParetoStatus::kCorrupt:
		return "pareto data is corrupt";
	}
	return "unknown pareto status";
}

DecimalError decimal_from_numeric_digits(bool negative, int weight, int dscale, const int16_t *digits, int ndigits,
										 Decimal *out) noexcept {
	if (ndigits < 0 || dscale < 0 || (ndigits > 0 && digits == nullptr))
		return DecimalError::kSyntax;
	static constexpr uint64_t kPow10[] = {1, 10, 100, 1000};
	u128 mag = 0;
	for (int i = 0; i < ndigits; ++i) {
		int d = digits[i];
		if (d < 0 || d > 9999)
			return DecimalError::kSyntax;
		if (d == 0)
			continue;
		// digits[i] * 10000^(weight - i) in units of 10^-18: digits[i] * 10^e.
		int64_t e = 4 * (static_cast<int64_t>(weight) - i) + Decimal::kScale;
		u128 term = static_cast<u128>(d);
		if (e < 0) {
			if (e <= -4 || d % kPow10[-e] != 0)
				return DecimalError::kTooManyDecimals;
			term /= kPow10[-e];
			e = 0;
		}
		if (e > 38)
			return DecimalError::kOverflow; // d >= 1 and 10^39 > 2^128
		for (int64_t j = 0; j < e; ++j)
			if (__builtin_mul_overflow(term, static_cast<u128>(10), &term))
				return DecimalError::kOverflow;
		if (__builtin_add_overflow(mag, term, &mag))
			return DecimalError::kOverflow;
	}
	if (mag > (negative ? kInt128MinMagnitude : static_cast<u128>(kInt128Max)))
		return DecimalError::kOverflow;
	*out = Decimal::from_units(negative ? static_cast<int128>(~mag + 1) : static_cast<int128>(mag));
	return DecimalError::kNone;
}

} // namespace dexcost
