// Unit tests for the flat-memory Pareto table: exact sums against std::map, growth, resumable merging,
// canonical serialization, validation and fuzzing, ranking, exact shares, numeric digit conversion.
#include "core/pareto.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace dexcost;

namespace {

using u128 = unsigned __int128;
constexpr int128 kMax = static_cast<int128>(~static_cast<u128>(0) >> 1);
constexpr int128 kMin = -kMax - 1;
constexpr int128 kOne = 1000000000000000000; // Decimal units of 1

// A Decimal of this many units.
Decimal units(int128 u) {
	return Decimal::from_units(u);
}

// A Decimal from text, which must parse.
Decimal dec(const char *text) {
	Decimal d;
	EXPECT_EQ(Decimal::parse(text, &d), DecimalError::kNone) << text;
	return d;
}

// A flat table in exactly pareto_bytes of heap (so ASan sees any overrun), grown the way the binding grows its
// varlena: new memory of pareto_needed's sizes and pareto_regrow.
class Table {
  public:
	explicit Table(uint32_t capacity = kParetoMinCapacity, uint32_t arena = 0) : mem_(pareto_bytes(capacity, arena)) {
		EXPECT_EQ(pareto_init(h(), capacity, arena), ParetoStatus::kOk);
	}
	// Adopts flat memory as it is.
	static Table adopt(std::vector<uint8_t> mem) {
		Table t;
		t.mem_ = std::move(mem);
		return t;
	}

	// The header (the slots and arena follow it).
	ParetoHeader *h() { return reinterpret_cast<ParetoHeader *>(mem_.data()); }
	const ParetoHeader *h() const { return reinterpret_cast<const ParetoHeader *>(mem_.data()); }
	// Bytes of flat memory.
	size_t bytes() const { return mem_.size(); }
	std::vector<uint8_t> &mem() { return mem_; }
	// Times the table was regrown.
	int regrows() const { return regrows_; }

	// Adds like the binding's transition function: fast path, then regrow and retry once.
	ParetoStatus add(const std::string &key, Decimal amount) {
		ParetoStatus st = pareto_add(h(), key.data(), key.size(), amount);
		if (st != ParetoStatus::kNeedsGrow)
			return st;
		uint32_t cap, arena;
		st = pareto_needed(h(), 1, key.size(), &cap, &arena);
		if (st != ParetoStatus::kOk)
			return st;
		regrow(cap, arena);
		st = pareto_add(h(), key.data(), key.size(), amount);
		EXPECT_NE(st, ParetoStatus::kNeedsGrow) << "pareto_needed's sizes did not fit the key";
		return st;
	}
	// Adds to the NULL key.
	ParetoStatus add_null(Decimal amount) { return pareto_add_null_key(h(), amount); }

	// Regrows into new memory of these sizes.
	void regrow(uint32_t cap, uint32_t arena) {
		std::vector<uint8_t> grown(pareto_bytes(cap, arena));
		ASSERT_EQ(pareto_regrow(h(), reinterpret_cast<ParetoHeader *>(grown.data()), cap, arena), ParetoStatus::kOk);
		mem_ = std::move(grown);
		++regrows_;
	}

	// Merges src in like the binding's combine function: resume after each regrow.
	ParetoStatus merge(const Table &src) {
		uint32_t cursor = 0;
		for (int attempt = 0; attempt < 64; ++attempt) {
			ParetoStatus st = pareto_merge(h(), src.h(), &cursor);
			if (st != ParetoStatus::kNeedsGrow)
				return st;
			uint32_t cap, arena;
			st = pareto_merge_needed(h(), src.h(), cursor, &cap, &arena);
			if (st != ParetoStatus::kOk)
				return st;
			regrow(cap, arena);
		}
		ADD_FAILURE() << "merge did not converge";
		return ParetoStatus::kCorrupt;
	}

	// The canonical serialized bytes.
	std::vector<uint8_t> serialize() const {
		std::vector<uint32_t> order(h()->nkeys);
		std::vector<uint8_t> out(pareto_serialized_size(h()));
		size_t written = 0;
		EXPECT_EQ(pareto_serialize(h(), order.data(), order.size(), out.data(), out.size(), &written),
				  ParetoStatus::kOk);
		EXPECT_EQ(written, out.size());
		return out;
	}

	// The ranking: slot numbers by sum descending, ties by key.
	std::vector<uint32_t> rank() const {
		std::vector<uint32_t> order(h()->nkeys);
		EXPECT_EQ(pareto_rank(h(), order.data(), order.size()), ParetoStatus::kOk);
		return order;
	}

	// The key of a slot.
	std::string key(uint32_t slot) const {
		const uint8_t *k;
		uint32_t len;
		pareto_slot_key(h(), slot, &k, &len);
		return std::string(reinterpret_cast<const char *>(k), len);
	}

	// The keys of a ranking, in order.
	std::vector<std::string> ranked_keys() const {
		std::vector<std::string> keys;
		for (uint32_t slot : rank())
			keys.push_back(key(slot));
		return keys;
	}

  private:
	std::vector<uint8_t> mem_;
	int regrows_ = 0;
};

// Builds a table from serialized bytes (exact minimal sizes unless given larger ones).
ParetoStatus deserialize(const std::vector<uint8_t> &b, Table *out, uint32_t extra_cap_shift = 0,
						 uint32_t extra_arena = 0) {
	uint32_t cap, arena;
	ParetoStatus st = pareto_deserialized_sizes(b.data(), b.size(), &cap, &arena);
	if (st != ParetoStatus::kOk)
		return st;
	cap <<= extra_cap_shift;
	arena += extra_arena;
	std::vector<uint8_t> mem(pareto_bytes(cap, arena));
	st = pareto_deserialize_into(b.data(), b.size(), reinterpret_cast<ParetoHeader *>(mem.data()), cap, arena);
	if (st == ParetoStatus::kOk)
		*out = Table::adopt(std::move(mem));
	return st;
}

using Reference = std::map<std::string, int128>;

// One cost event; has_key false for a NULL key.
struct Event {
	bool has_key;
	std::string key;
	int128 amount;
};

// A random key: lengths 0..40 from a small alphabet (so prefixes and ties happen), with some binary bytes.
std::string random_key(std::mt19937_64 &rng) {
	static const char kAlphabet[] = {'a', 'b', 'c', 'A', '0', '\0', '\x7f', '\x80', '\xff'};
	size_t len = rng() % 41;
	if (rng() % 4 == 0)
		len = rng() % 4;
	std::string k(len, 'x');
	for (char &c : k)
		c = kAlphabet[rng() % sizeof kAlphabet];
	return k;
}

// A random amount: mostly cent-like costs, some tiny or huge, some negative (refunds).
int128 random_amount(std::mt19937_64 &rng) {
	int128 a;
	switch (rng() % 6) {
	case 0:
		a = static_cast<int128>(rng() % 1000); // 1e-18 scale dust
		break;
	case 1:
		a = static_cast<int128>(rng() % 100000) * (kOne / 100); // cents up to 1000 USD
		break;
	case 2:
		a = static_cast<int128>(rng()) * 1000; // up to 1.8e22 units: 18,000 USD
		break;
	default:
		a = static_cast<int128>(rng() % 1000000000) * 1000000000; // up to 1 USD, 9 places
	}
	return rng() % 7 == 0 ? -a : a;
}

// n random events over about nkeys keys, 1 in 50 with a NULL key.
std::vector<Event> random_events(std::mt19937_64 &rng, size_t n, size_t nkeys) {
	std::vector<std::string> keys;
	std::set<std::string> seen;
	while (keys.size() < nkeys) {
		std::string k = random_key(rng);
		if (k.size() < 4)
			k += std::to_string(keys.size()); // make enough distinct keys
		if (seen.insert(k).second)
			keys.push_back(k);
	}
	std::vector<Event> events;
	for (size_t i = 0; i < n; ++i) {
		if (rng() % 50 == 0)
			events.push_back(Event{false, "", random_amount(rng)});
		else
			events.push_back(Event{true, keys[rng() % keys.size()], random_amount(rng)});
	}
	return events;
}

// Adds events to a table, expecting success.
void add_all(Table *t, const std::vector<Event> &events) {
	for (const Event &e : events) {
		if (e.has_key)
			ASSERT_EQ(t->add(e.key, units(e.amount)), ParetoStatus::kOk);
		else
			ASSERT_EQ(t->add_null(units(e.amount)), ParetoStatus::kOk);
	}
}

// A table of events, grown from the smallest size.
Table table_of(const std::vector<Event> &events) {
	Table t;
	add_all(&t, events);
	return t;
}

// Expects a table to hold exactly the reference sums, NULL key and total, and to be valid flat memory.
void expect_matches(Table &t, const Reference &ref, bool has_null, int128 null_sum) {
	ASSERT_EQ(pareto_validate(t.h(), t.bytes()), ParetoStatus::kOk);
	ASSERT_EQ(pareto_nkeys(t.h()), ref.size());
	int128 total = 0;
	for (const auto &kv : ref) {
		Decimal sum;
		ASSERT_EQ(pareto_lookup(t.h(), kv.first.data(), kv.first.size(), &sum), ParetoStatus::kOk) << kv.first;
		ASSERT_TRUE(sum.units() == kv.second) << kv.first << ": " << sum.to_string();
		total += kv.second;
	}
	EXPECT_TRUE(pareto_total(t.h()).units() == total) << pareto_total(t.h()).to_string();
	EXPECT_EQ(pareto_has_null_key(t.h()), has_null);
	EXPECT_TRUE(pareto_null_sum(t.h()).units() == null_sum);
	Decimal none;
	EXPECT_EQ(pareto_lookup(t.h(), "no such key, surely", 19, &none), ParetoStatus::kNotFound);
}

// The reference sums of events.
void reference_of(const std::vector<Event> &events, Reference *ref, bool *has_null, int128 *null_sum) {
	*has_null = false;
	*null_sum = 0;
	for (const Event &e : events) {
		if (e.has_key) {
			(*ref)[e.key] += e.amount;
		} else {
			*has_null = true;
			*null_sum += e.amount;
		}
	}
}

// Little-endian LEB128 of v (an independent encoder, to build serialized forms by hand).
void put_varint(std::vector<uint8_t> *b, u128 v) {
	while (v >= 0x80) {
		b->push_back(static_cast<uint8_t>(v | 0x80));
		v >>= 7;
	}
	b->push_back(static_cast<uint8_t>(v));
}

// Zigzag LEB128 of a signed sum.
void put_sum(std::vector<uint8_t> *b, int128 v) {
	put_varint(b, (static_cast<u128>(v) << 1) ^ static_cast<u128>(v >> 127));
}

// A serialized form built by hand from entries in the given order.
std::vector<uint8_t> hand_serialized(const std::vector<std::pair<std::string, int128>> &entries, bool has_null = false,
									 int128 null_sum = 0, uint8_t version = kParetoVersion) {
	std::vector<uint8_t> b = {version, static_cast<uint8_t>(has_null ? 1 : 0)};
	put_varint(&b, entries.size());
	if (has_null)
		put_sum(&b, null_sum);
	for (const auto &e : entries) {
		put_varint(&b, e.first.size());
		b.insert(b.end(), e.first.begin(), e.first.end());
		put_sum(&b, e.second);
	}
	return b;
}

// Entries in the canonical order of the serialized form: by stored hash, then key bytes.
std::vector<std::pair<std::string, int128>> canonical(std::vector<std::pair<std::string, int128>> entries) {
	auto stored = [](const std::string &k) { return pareto_hash(k.data(), k.size()) | kParetoOccupied; };
	std::sort(entries.begin(), entries.end(), [&](const auto &a, const auto &b) {
		uint64_t ha = stored(a.first), hb = stored(b.first);
		return ha != hb ? ha < hb : a.first < b.first; // std::string compares bytes as unsigned char
	});
	return entries;
}

// The status of pareto_deserialized_sizes on some bytes.
ParetoStatus sizes_status(const std::vector<uint8_t> &b) {
	uint32_t cap, arena;
	return pareto_deserialized_sizes(b.data(), b.size(), &cap, &arena);
}

} // namespace

TEST(Pareto, HashIsPinnedAndSpreadsSequentialIds) {
	// The hash is part of the flat and the serialized format (slots, canonical order): a change must bump
	// kParetoVersion.
	const std::pair<const char *, uint64_t> pinned[] = {
		{"", 0x8473c045f958fd5cULL},
		{"a", 0x8ab43b1f627d1633ULL},
		{"abc", 0x81508df51f8b4ea4ULL},
		{"cus_0001", 0x5742c46aa543cd8dULL},
		{"customer-000123", 0x0873e23149b7feb1ULL},
		{"0123456789abcdefg", 0x4cf5835de1caf35aULL},
		{"The quick brown fox jumps over the lazy dog, twice over.", 0xfbd950a9ef988e29ULL},
	};
	for (const auto &p : pinned)
		EXPECT_EQ(pareto_hash(p.first, std::strlen(p.first)), p.second) << p.first;
	// 131,072 home slots (the top 17 bits, as the table uses them), 100,000 sequential ids: Poisson(0.763) has
	// e^-0.763 = 46.6 % empty buckets and, over 131,072 buckets, a largest bucket of about 7.
	constexpr uint32_t kBuckets = 1u << 17;
	std::vector<uint32_t> load(kBuckets);
	std::set<uint64_t> hashes;
	char buf[32];
	for (int i = 0; i < 100000; ++i) {
		int n = std::snprintf(buf, sizeof buf, "cust-%06d", i);
		uint64_t hv = pareto_hash(buf, static_cast<size_t>(n));
		hashes.insert(hv);
		++load[pareto_home(hv | kParetoOccupied, kBuckets)];
	}
	EXPECT_EQ(hashes.size(), 100000u);
	size_t empty = static_cast<size_t>(std::count(load.begin(), load.end(), 0u));
	EXPECT_NEAR(static_cast<double>(empty) / kBuckets, 0.4662, 0.01);
	EXPECT_LE(*std::max_element(load.begin(), load.end()), 11u);
	// Keys that differ only in length (runs of NUL bytes) all hash differently, across every code path.
	std::set<uint64_t> by_len;
	std::string zeros(200, '\0');
	for (size_t len = 0; len <= 200; ++len)
		by_len.insert(pareto_hash(zeros.data(), len));
	EXPECT_EQ(by_len.size(), 201u);
	// One flipped bit in a long key changes the hash.
	std::string longkey(150, 'q');
	uint64_t base = pareto_hash(longkey.data(), longkey.size());
	for (size_t i = 0; i < longkey.size(); i += 7) {
		std::string k = longkey;
		k[i] ^= 1;
		EXPECT_NE(pareto_hash(k.data(), k.size()), base) << i;
	}
}

TEST(Pareto, AddsMatchAReferenceMapThroughEveryGrowth) {
	std::mt19937_64 rng(1);
	std::vector<Event> events = random_events(rng, 200000, 20000);
	Table t;
	add_all(&t, events);
	Reference ref;
	bool has_null;
	int128 null_sum;
	reference_of(events, &ref, &has_null, &null_sum);
	expect_matches(t, ref, has_null, null_sum);
	EXPECT_GE(t.regrows(), 12); // 8 slots to 32,768, and the arena from 0
	EXPECT_EQ(t.h()->capacity, 32768u);
}

TEST(Pareto, MergesInAnyOrderAndTreeEqualOnePass) {
	std::mt19937_64 rng(2);
	std::vector<Event> events = random_events(rng, 60000, 5000);
	std::vector<uint8_t> one_pass = table_of(events).serialize();
	Reference ref;
	bool has_null;
	int128 null_sum;
	reference_of(events, &ref, &has_null, &null_sum);
	for (int trial = 0; trial < 6; ++trial) {
		// Random split into 1..8 parts (some possibly empty), each grown from the smallest size.
		size_t nparts = 1 + rng() % 8;
		std::vector<std::vector<Event>> parts(nparts);
		for (const Event &e : events)
			parts[rng() % nparts].push_back(e);
		std::vector<Table> tables;
		for (const auto &p : parts)
			tables.push_back(table_of(p));
		std::shuffle(tables.begin(), tables.end(), rng);
		if (trial % 2 == 0) {
			// Sequential, into an empty accumulator (the binding's first combine copies; this regrows instead).
			Table acc;
			for (const Table &p : tables)
				ASSERT_EQ(acc.merge(p), ParetoStatus::kOk);
			expect_matches(acc, ref, has_null, null_sum);
			EXPECT_EQ(acc.serialize(), one_pass) << trial;
		} else {
			// A tree: merge neighbours pairwise until one is left.
			while (tables.size() > 1) {
				std::vector<Table> next;
				for (size_t i = 0; i + 1 < tables.size(); i += 2) {
					ASSERT_EQ(tables[i].merge(tables[i + 1]), ParetoStatus::kOk);
					next.push_back(std::move(tables[i]));
				}
				if (tables.size() % 2)
					next.push_back(std::move(tables.back()));
				tables = std::move(next);
			}
			expect_matches(tables[0], ref, has_null, null_sum);
			EXPECT_EQ(tables[0].serialize(), one_pass) << trial;
		}
	}
}

TEST(Pareto, SerializationIgnoresInsertionOrderAndSizes) {
	std::mt19937_64 rng(3);
	std::vector<Event> events = random_events(rng, 20000, 3000);
	std::vector<uint8_t> first = table_of(events).serialize();
	for (int trial = 0; trial < 4; ++trial) {
		std::shuffle(events.begin(), events.end(), rng);
		Table big(1u << (13 + trial), 1000u * static_cast<uint32_t>(trial)); // other capacities, other layouts
		add_all(&big, events);
		EXPECT_EQ(big.serialize(), first) << trial;
	}
	// And the flat images do differ (the test would be empty otherwise).
	Table a = table_of(events);
	std::shuffle(events.begin(), events.end(), rng);
	Table b = table_of(events);
	EXPECT_EQ(a.bytes(), b.bytes());
	EXPECT_NE(a.mem(), b.mem());
}

TEST(Pareto, SerializedFormIsPinned) {
	Table t;
	ASSERT_EQ(t.add("b", units(-1)), ParetoStatus::kOk);
	ASSERT_EQ(t.add("a", units(1)), ParetoStatus::kOk);
	ASSERT_EQ(t.add_null(units(2)), ParetoStatus::kOk);
	// hash("b") | 1 = 0x424fae12c5c43583 < hash("a") | 1 = 0x8ab43b1f627d1633: "b" comes first.
	std::vector<uint8_t> expected = {1, 1, 2, 4, 1, 'b', 1, 1, 'a', 2};
	EXPECT_EQ(t.serialize(), expected);
	EXPECT_EQ(hand_serialized(canonical({{"a", 1}, {"b", -1}}), true, 2), expected);
	Table empty;
	EXPECT_EQ(empty.serialize(), (std::vector<uint8_t>{1, 0, 0}));
	// Extreme sums: zigzag of INT128_MIN is 2^128 - 1 (19 bytes), of INT128_MAX 2^128 - 2.
	Table ext;
	ASSERT_EQ(ext.add("x", units(kMin)), ParetoStatus::kOk);
	ASSERT_EQ(ext.add("y", units(kMax)), ParetoStatus::kOk);
	std::vector<uint8_t> b = ext.serialize();
	EXPECT_EQ(b, hand_serialized(canonical({{"x", kMin}, {"y", kMax}})));
	EXPECT_EQ(b.size(), 3u + 2 * (2 + 19));
	Table back;
	ASSERT_EQ(deserialize(b, &back), ParetoStatus::kOk);
	EXPECT_EQ(back.serialize(), b);
}

TEST(Pareto, RoundTripsThroughBytesAndText) {
	std::mt19937_64 rng(4);
	std::vector<Event> events = random_events(rng, 30000, 4000);
	Table t = table_of(events);
	std::vector<uint8_t> b = t.serialize();
	for (uint32_t shift : {0u, 2u}) {
		Table back;
		ASSERT_EQ(deserialize(b, &back, shift, 100 * shift), ParetoStatus::kOk);
		ASSERT_EQ(pareto_validate(back.h(), back.bytes()), ParetoStatus::kOk);
		EXPECT_EQ(back.serialize(), b);
		Reference ref;
		bool has_null;
		int128 null_sum;
		reference_of(events, &ref, &has_null, &null_sum);
		expect_matches(back, ref, has_null, null_sum);
		// A deserialized table takes more keys (growing when it was built at the minimal size).
		ASSERT_EQ(back.add("a brand new key", units(5)), ParetoStatus::kOk);
		EXPECT_EQ(pareto_validate(back.h(), back.bytes()), ParetoStatus::kOk);
	}
	// Minimal sizes: the smallest power of two holding nkeys at 3/4, the exact key bytes.
	uint32_t cap, arena;
	ASSERT_EQ(pareto_deserialized_sizes(b.data(), b.size(), &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 8192u); // 4,000 keys: 6,144 fit in 8,192 slots, 3,072 in 4,096
	EXPECT_EQ(arena, t.h()->arena_used);
	// Text form.
	std::string text(pareto_text_size(b.size()), '\0');
	size_t written;
	ASSERT_EQ(pareto_to_text(b.data(), b.size(), &text[0], text.size(), &written), ParetoStatus::kOk);
	EXPECT_EQ(text.rfind("pareto:", 0), 0u);
	size_t n;
	ASSERT_EQ(pareto_text_decoded_size(text.data(), text.size(), &n), ParetoStatus::kOk);
	ASSERT_EQ(n, b.size());
	std::vector<uint8_t> decoded(n);
	ASSERT_EQ(pareto_from_text(text.data(), text.size(), decoded.data(), decoded.size(), &written), ParetoStatus::kOk);
	EXPECT_EQ(decoded, b);
	// Every length mod 3, and refusals.
	for (size_t len = 0; len < 7; ++len) {
		std::vector<uint8_t> raw(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len));
		std::string s(pareto_text_size(len), '\0');
		ASSERT_EQ(pareto_to_text(raw.data(), raw.size(), &s[0], s.size(), &written), ParetoStatus::kOk);
		std::vector<uint8_t> out(len + 1);
		ASSERT_EQ(pareto_from_text(s.data(), s.size(), out.data(), out.size(), &written), ParetoStatus::kOk);
		out.resize(written);
		EXPECT_EQ(out, raw);
	}
	EXPECT_EQ(pareto_text_decoded_size("ddsketch:AQAA", 13, &n), ParetoStatus::kCorrupt);
	EXPECT_EQ(pareto_text_decoded_size("pareto:AQA", 10, &n), ParetoStatus::kCorrupt);  // not a multiple of 4
	EXPECT_EQ(pareto_text_decoded_size("pareto:AQB=", 11, &n), ParetoStatus::kCorrupt); // non-zero pad bits
	EXPECT_EQ(pareto_text_decoded_size("pareto:AQ*=", 11, &n), ParetoStatus::kCorrupt); // bad digit
	EXPECT_EQ(pareto_text_decoded_size("pareto:AQA=", 11, &n), ParetoStatus::kOk);
	EXPECT_EQ(pareto_from_text("pareto:AQA=", 11, decoded.data(), 1, &written), ParetoStatus::kBufferTooSmall);
	EXPECT_EQ(pareto_to_text(b.data(), b.size(), &text[0], text.size() - 1, &written), ParetoStatus::kBufferTooSmall);
}

TEST(Pareto, DeserializeRefusesEveryTruncationAndBadField) {
	std::mt19937_64 rng(5);
	Table t = table_of(random_events(rng, 2000, 300));
	ASSERT_TRUE(pareto_has_null_key(t.h()));
	std::vector<uint8_t> b = t.serialize();
	for (size_t len = 0; len < b.size(); ++len) {
		std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len)); // exact size for ASan
		ASSERT_NE(sizes_status(cut), ParetoStatus::kOk) << len;
		Table out;
		ASSERT_NE(deserialize(cut, &out), ParetoStatus::kOk) << len;
	}
	std::vector<uint8_t> longer = b;
	longer.push_back(0);
	EXPECT_EQ(sizes_status(longer), ParetoStatus::kCorrupt);
	EXPECT_EQ(pareto_deserialized_sizes(nullptr, 0, nullptr, nullptr), ParetoStatus::kTruncated);

	std::vector<std::pair<std::string, int128>> ok = canonical({{"a", 5}, {"ab", -3}, {"b", 0}, {"\xff", 7}});
	EXPECT_EQ(sizes_status(hand_serialized(ok)), ParetoStatus::kOk);
	EXPECT_EQ(sizes_status(hand_serialized(ok, true, -9)), ParetoStatus::kOk);
	EXPECT_EQ(sizes_status(hand_serialized(ok, false, 0, 0)), ParetoStatus::kBadVersion);
	EXPECT_EQ(sizes_status(hand_serialized(ok, false, 0, 2)), ParetoStatus::kBadVersion);
	std::vector<uint8_t> flags = hand_serialized(ok);
	flags[1] = 2;
	EXPECT_EQ(sizes_status(flags), ParetoStatus::kCorrupt);
	// Order: by hash ("b" before "a"), not by key; every swap of neighbours is refused; no key twice.
	EXPECT_EQ(sizes_status(hand_serialized({{"b", 1}, {"a", 1}})), ParetoStatus::kOk);
	EXPECT_EQ(sizes_status(hand_serialized({{"a", 1}, {"b", 1}})), ParetoStatus::kCorrupt);
	for (size_t i = 0; i + 1 < ok.size(); ++i) {
		std::vector<std::pair<std::string, int128>> swapped = ok;
		std::swap(swapped[i], swapped[i + 1]);
		EXPECT_EQ(sizes_status(hand_serialized(swapped)), ParetoStatus::kCorrupt) << i;
	}
	EXPECT_EQ(sizes_status(hand_serialized({{"a", 1}, {"a", 1}})), ParetoStatus::kCorrupt);
	EXPECT_EQ(sizes_status(hand_serialized(canonical({{"", 1}, {"a", 1}}))), ParetoStatus::kOk);
	// Count: one more key than present is truncated, one fewer leaves trailing bytes.
	std::vector<uint8_t> more = hand_serialized(ok);
	++more[2];
	EXPECT_EQ(sizes_status(more), ParetoStatus::kTruncated);
	std::vector<uint8_t> fewer = hand_serialized(ok);
	--fewer[2];
	EXPECT_EQ(sizes_status(fewer), ParetoStatus::kCorrupt);
	// More keys than any table holds.
	std::vector<uint8_t> huge = {1, 0};
	put_varint(&huge, pareto_max_keys(kParetoMaxCapacity) + 1ULL);
	EXPECT_EQ(sizes_status(huge), ParetoStatus::kCorrupt);
	// Varints: overlong, too wide.
	EXPECT_EQ(sizes_status({1, 0, 0x80, 0x00}), ParetoStatus::kCorrupt);
	std::vector<uint8_t> wide_count = {1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	EXPECT_EQ(sizes_status(wide_count), ParetoStatus::kCorrupt);
	std::vector<uint8_t> wide_sum = {1, 1, 0};
	for (int i = 0; i < 18; ++i)
		wide_sum.push_back(0xff);
	wide_sum.push_back(0x04); // bit 128
	EXPECT_EQ(sizes_status(wide_sum), ParetoStatus::kCorrupt);
	wide_sum.back() = 0x03; // 2^128 - 1: zigzag of INT128_MIN
	EXPECT_EQ(sizes_status(wide_sum), ParetoStatus::kOk);
	std::vector<uint8_t> long_sum = {1, 1, 0};
	for (int i = 0; i < 19; ++i)
		long_sum.push_back(0x80);
	long_sum.push_back(0x01); // a 20th byte
	EXPECT_EQ(sizes_status(long_sum), ParetoStatus::kCorrupt);
	// The total must fit, though each sum does.
	EXPECT_EQ(sizes_status(hand_serialized(canonical({{"a", kMax}, {"b", 1}}))), ParetoStatus::kCorrupt);
	EXPECT_EQ(sizes_status(hand_serialized(canonical({{"a", kMax}, {"b", -1}}))), ParetoStatus::kOk);
	// A key longer than the limit (the bytes are there).
	std::string too_long(kParetoMaxKeyBytes + 1, 'k');
	EXPECT_EQ(sizes_status(hand_serialized({{too_long, 1}})), ParetoStatus::kCorrupt);
	too_long.pop_back();
	EXPECT_EQ(sizes_status(hand_serialized({{too_long, 1}})), ParetoStatus::kOk);
	// deserialize_into checks its sizes and alignment.
	std::vector<uint8_t> small = hand_serialized(ok);
	uint32_t cap, arena;
	ASSERT_EQ(pareto_deserialized_sizes(small.data(), small.size(), &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 8u);
	EXPECT_EQ(arena, 5u);
	std::vector<uint64_t> mem(pareto_bytes(16, 16) / 8 + 1);
	auto *out = reinterpret_cast<ParetoHeader *>(mem.data());
	EXPECT_EQ(pareto_deserialize_into(small.data(), small.size(), out, 8, 4), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_deserialize_into(small.data(), small.size(), out, 12, 5), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_deserialize_into(small.data(), small.size(), out, 8, 5), ParetoStatus::kOk);
	EXPECT_EQ(pareto_deserialize_into(small.data(), small.size(),
									  reinterpret_cast<ParetoHeader *>(reinterpret_cast<char *>(mem.data()) + 4), 8, 5),
			  ParetoStatus::kBufferTooSmall);
	// Six keys fit 8 slots, seven do not.
	std::vector<std::pair<std::string, int128>> seven;
	for (char c = 'a'; c < 'h'; ++c)
		seven.push_back({std::string(1, c), 1});
	std::vector<uint8_t> s7 = hand_serialized(canonical(seven));
	ASSERT_EQ(pareto_deserialized_sizes(s7.data(), s7.size(), &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 16u);
	EXPECT_EQ(pareto_deserialize_into(s7.data(), s7.size(), out, 8, 7), ParetoStatus::kBadCapacity);
}

TEST(Pareto, RandomCorruptionsAreRefusedOrCanonical) {
	std::mt19937_64 rng(6);
	std::vector<std::vector<uint8_t>> seeds = {
		table_of(random_events(rng, 600, 60)).serialize(),
		hand_serialized(canonical({{"", 0}, {"a", kMax}, {"b", kMin + kMax}}), true, kMin), Table().serialize()};
	int accepted = 0;
	for (int trial = 0; trial < 20000; ++trial) {
		std::vector<uint8_t> b = seeds[rng() % seeds.size()];
		int edits = 1 + static_cast<int>(rng() % 3);
		for (int e = 0; e < edits; ++e) {
			size_t at = rng() % b.size();
			switch (rng() % 5) {
			case 0:
				b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
				break;
			case 1:
				b[at] = static_cast<uint8_t>(rng());
				break;
			case 2:
				b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng()));
				break;
			case 3:
				if (b.size() > 1)
					b.erase(b.begin() + static_cast<std::ptrdiff_t>(at));
				break;
			default:
				b[at] = static_cast<uint8_t>(b[at] + 1 - 2 * static_cast<int>(rng() % 2));
			}
		}
		Table t;
		ParetoStatus st = deserialize(b, &t);
		if (st != ParetoStatus::kOk)
			continue;
		// Accepted bytes are a valid table, and canonical: they are exactly its serialization.
		++accepted;
		ASSERT_EQ(pareto_validate(t.h(), t.bytes()), ParetoStatus::kOk) << trial;
		ASSERT_EQ(t.serialize(), b) << trial;
	}
	EXPECT_GT(accepted, 100); // sum and key bytes edits yield other valid tables
	EXPECT_LT(accepted, 15000);
}

TEST(Pareto, ValidateRefusesCorruptFlatMemory) {
	std::mt19937_64 rng(7);
	Table t = table_of(random_events(rng, 3000, 400));
	ASSERT_EQ(pareto_validate(t.h(), t.bytes()), ParetoStatus::kOk);
	const std::vector<uint8_t> good = t.mem();
	auto status_after = [&good](auto &&patch) {
		Table c = Table::adopt(good);
		patch(c.h());
		return pareto_validate(c.h(), c.bytes());
	};
	// The first occupied slot whose home is elsewhere (displaced by a collision), and the first one at home.
	const ParetoSlot *slots = pareto_slots(t.h());
	uint32_t mask = t.h()->capacity - 1, displaced = 0, at_home = 0;
	bool have_displaced = false, have_home = false;
	for (uint32_t i = 0; i < t.h()->capacity; ++i) {
		if (!slots[i].hash)
			continue;
		bool home = pareto_home(slots[i].hash, t.h()->capacity) == i;
		if (!home && !have_displaced) {
			displaced = i;
			have_displaced = true;
		}
		if (home && !have_home) {
			at_home = i;
			have_home = true;
		}
	}
	ASSERT_TRUE(have_displaced && have_home);
	uint32_t empty = 0;
	while (slots[empty].hash)
		++empty;

	EXPECT_EQ(pareto_validate(t.h(), t.bytes() - 1), ParetoStatus::kTruncated);
	EXPECT_EQ(pareto_validate(t.h(), 10), ParetoStatus::kTruncated);
	EXPECT_EQ(pareto_validate(nullptr, 0), ParetoStatus::kTruncated);
	std::vector<uint8_t> bigger = good;
	bigger.push_back(0);
	Table b = Table::adopt(bigger);
	EXPECT_EQ(pareto_validate(b.h(), b.bytes()), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->version = 2; }), ParetoStatus::kBadVersion);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->flags = 2; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->reserved = 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->capacity = 3 * h->capacity / 2; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->capacity /= 2; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->arena_capacity += 1; }), ParetoStatus::kTruncated);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->arena_capacity -= 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->nkeys += 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->nkeys -= 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->nkeys = h->capacity; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->arena_used -= 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->arena_used = h->arena_capacity + 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->total[0] ^= 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) {
				  h->flags = 0;
				  pareto_store_sum(h->null_sum, 1);
			  }),
			  ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([](ParetoHeader *h) { h->flags = 0; }), // a zero NULL sum without the flag is fine
			  pareto_load_sum(t.h()->null_sum) == 0 ? ParetoStatus::kOk : ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[displaced].hash ^= 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[displaced].hash &= ~kParetoOccupied; }),
			  ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[displaced].sum[1] += 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[displaced].key_off = h->arena_used; }),
			  ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[displaced].key_len += 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[empty].key_len = 1; }), ParetoStatus::kCorrupt);
	EXPECT_EQ(status_after([&](ParetoHeader *h) { pareto_slots(h)[empty].sum[0] = 1; }), ParetoStatus::kCorrupt);
	// A key moved to another empty slot than its probe sequence reaches.
	EXPECT_EQ(status_after([&](ParetoHeader *h) {
				  ParetoSlot *s = pareto_slots(h);
				  uint32_t target = (at_home + 1) & mask;
				  while (s[target].hash)
					  target = (target + 1) & mask;
				  target = (target + 1) & mask; // past an empty slot
				  while (s[target].hash)
					  target = (target + 1) & mask;
				  s[target] = s[at_home];
				  s[at_home] = ParetoSlot{};
			  }),
			  ParetoStatus::kCorrupt);
	// The same key twice: a copy of a slot placed further along its own probe sequence, counts adjusted.
	EXPECT_EQ(status_after([&](ParetoHeader *h) {
				  ParetoSlot *s = pareto_slots(h);
				  uint32_t target = (at_home + 1) & mask;
				  while (s[target].hash)
					  target = (target + 1) & mask;
				  s[target] = s[at_home];
				  pareto_store_sum(s[target].sum, 0);
				  h->nkeys += 1;
				  h->arena_used += s[at_home].key_len; // the copy's bytes overlap the original's
				  // Only the duplicate is wrong: counts, sizes, hashes and reachability all hold.
				  EXPECT_LE(h->arena_used, h->arena_capacity);
				  EXPECT_LE(h->nkeys, pareto_max_keys(h->capacity));
			  }),
			  ParetoStatus::kCorrupt);
	// Misaligned memory.
	std::vector<uint64_t> words(good.size() / 8 + 2);
	std::memcpy(reinterpret_cast<char *>(words.data()) + 4, good.data(), good.size());
	EXPECT_EQ(
		pareto_validate(reinterpret_cast<ParetoHeader *>(reinterpret_cast<char *>(words.data()) + 4), good.size()),
		ParetoStatus::kBufferTooSmall);
}

TEST(Pareto, NullKeyIsKeptApartFromKeysAndShares) {
	Table t;
	EXPECT_FALSE(pareto_has_null_key(t.h()));
	ASSERT_EQ(t.add_null(units(0)), ParetoStatus::kOk);
	EXPECT_TRUE(pareto_has_null_key(t.h())); // seen, though its sum is 0
	ASSERT_EQ(t.add("a", dec("3")), ParetoStatus::kOk);
	ASSERT_EQ(t.add_null(dec("100")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("", dec("1")), ParetoStatus::kOk); // the empty string is a key, not NULL
	EXPECT_EQ(pareto_nkeys(t.h()), 2u);
	EXPECT_EQ(pareto_total(t.h()), dec("4"));
	EXPECT_EQ(pareto_null_sum(t.h()), dec("100"));
	EXPECT_EQ(t.ranked_keys(), (std::vector<std::string>{"a", ""}));
	uint32_t k;
	std::vector<uint32_t> order = t.rank();
	ASSERT_EQ(pareto_keys_for_share(t.h(), order.data(), dec("0.75"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 1u); // 3 of 4: the NULL key's 100 is not in the total
	// Merging carries the flag even with a zero sum, and adds the sums.
	Table u;
	ASSERT_EQ(u.add_null(units(0)), ParetoStatus::kOk);
	Table v;
	ASSERT_EQ(v.merge(u), ParetoStatus::kOk);
	EXPECT_TRUE(pareto_has_null_key(v.h()));
	ASSERT_EQ(v.merge(t), ParetoStatus::kOk);
	EXPECT_EQ(pareto_null_sum(v.h()), dec("100"));
	Table w;
	ASSERT_EQ(w.add("a", dec("1")), ParetoStatus::kOk);
	ASSERT_EQ(w.merge(Table()), ParetoStatus::kOk);
	EXPECT_FALSE(pareto_has_null_key(w.h()));
	EXPECT_NE(u.serialize(), Table().serialize());
}

TEST(Pareto, NegativeSumsRankLastAndNonPositiveTotalsHaveNoShares) {
	Table t;
	ASSERT_EQ(t.add("refunded", dec("-5")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("big", dec("10")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("netted", dec("2")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("netted", dec("-2")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("small", dec("1")), ParetoStatus::kOk);
	EXPECT_EQ(t.ranked_keys(), (std::vector<std::string>{"big", "small", "netted", "refunded"}));
	EXPECT_EQ(pareto_total(t.h()), dec("6"));
	std::vector<uint32_t> order = t.rank();
	uint32_t k;
	// 100 % of 6 is reached after "big" (10 >= 6): positives exceed the total when refunds exist.
	ASSERT_EQ(pareto_keys_for_share(t.h(), order.data(), dec("1"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 1u);
	Decimal cum;
	ASSERT_EQ(pareto_cumulative(t.h(), order.data(), 4, &cum), ParetoStatus::kOk);
	EXPECT_EQ(cum, dec("6"));
	Decimal share;
	ASSERT_EQ(pareto_cumulative(t.h(), order.data(), 1, &cum), ParetoStatus::kOk);
	ASSERT_EQ(pareto_share(cum, pareto_total(t.h()), &share), ParetoStatus::kOk);
	EXPECT_EQ(share, dec("1.666666666666666667"));
	ASSERT_EQ(pareto_share(dec("-5"), pareto_total(t.h()), &share), ParetoStatus::kOk);
	EXPECT_EQ(share, dec("-0.833333333333333333"));
	// A total of 0 or less: no shares.
	ASSERT_EQ(t.add("refunded", dec("-6")), ParetoStatus::kOk);
	EXPECT_EQ(pareto_total(t.h()), dec("0"));
	order = t.rank();
	EXPECT_EQ(pareto_keys_for_share(t.h(), order.data(), dec("0.5"), &k), ParetoStatus::kNoPositiveTotal);
	EXPECT_EQ(pareto_share(dec("1"), pareto_total(t.h()), &share), ParetoStatus::kNoPositiveTotal);
	EXPECT_EQ(pareto_share(dec("1"), dec("-1"), &share), ParetoStatus::kNoPositiveTotal);
	Table empty;
	EXPECT_EQ(pareto_keys_for_share(empty.h(), nullptr, dec("0.5"), &k), ParetoStatus::kNoPositiveTotal);
	EXPECT_EQ(empty.rank().size(), 0u);
}

TEST(Pareto, OverflowsAreStatusesAndChangeNothing) {
	Table t;
	ASSERT_EQ(t.add("a", units(kMax)), ParetoStatus::kOk);
	std::vector<uint8_t> before = t.mem();
	EXPECT_EQ(t.add("a", units(1)), ParetoStatus::kOverflow); // the key's sum (and the total)
	EXPECT_EQ(t.add("b", units(1)), ParetoStatus::kOverflow); // the total, for a new key
	EXPECT_EQ(t.mem(), before);
	ASSERT_EQ(t.add("b", units(-1)), ParetoStatus::kOk);
	ASSERT_EQ(t.add("a", units(-kMax)), ParetoStatus::kOk);
	ASSERT_EQ(t.add("a", units(kMin + 1)), ParetoStatus::kOk); // a = kMin + 1, total = -1 + kMin + 1 = kMin
	EXPECT_EQ(t.add("b", units(-1)), ParetoStatus::kOverflow); // b = -2 fits, the total does not
	// The key's own sum overflows while the total would fit.
	Table k;
	ASSERT_EQ(k.add("x", units(kMin)), ParetoStatus::kOk);
	ASSERT_EQ(k.add("y", units(kMax)), ParetoStatus::kOk); // total -1
	before = k.mem();
	EXPECT_EQ(k.add("x", units(-1)), ParetoStatus::kOverflow);
	EXPECT_EQ(k.mem(), before);
	// NULL key.
	ASSERT_EQ(k.add_null(units(kMin)), ParetoStatus::kOk);
	before = k.mem();
	EXPECT_EQ(k.add_null(units(-1)), ParetoStatus::kOverflow);
	EXPECT_EQ(k.mem(), before);
	// Cumulative sums overflow when positives exceed the range (the total fits thanks to a refund).
	Table c;
	ASSERT_EQ(c.add("p1", units(kMax)), ParetoStatus::kOk);
	ASSERT_EQ(c.add("n", units(-10)), ParetoStatus::kOk);
	ASSERT_EQ(c.add("p2", units(5)), ParetoStatus::kOk);
	std::vector<uint32_t> order = c.rank();
	Decimal cum;
	EXPECT_EQ(pareto_cumulative(c.h(), order.data(), 1, &cum), ParetoStatus::kOk);
	EXPECT_EQ(pareto_cumulative(c.h(), order.data(), 2, &cum), ParetoStatus::kOverflow);
	EXPECT_EQ(pareto_cumulative(c.h(), order.data(), 4, &cum), ParetoStatus::kBadRank);
	uint32_t n;
	EXPECT_EQ(pareto_keys_for_share(c.h(), order.data(), dec("1"), &n), ParetoStatus::kOk);
	EXPECT_EQ(n, 1u);
	// Merge: per key, total, NULL key; dst stays a valid table.
	Table m1, m2;
	ASSERT_EQ(m1.add("a", units(kMax)), ParetoStatus::kOk);
	ASSERT_EQ(m1.add("b", units(-kMax)), ParetoStatus::kOk);
	ASSERT_EQ(m2.add("a", units(1)), ParetoStatus::kOk);
	EXPECT_EQ(m1.merge(m2), ParetoStatus::kOverflow);
	EXPECT_EQ(pareto_validate(m1.h(), m1.bytes()), ParetoStatus::kOk);
	Table n1, n2;
	ASSERT_EQ(n1.add_null(units(kMax)), ParetoStatus::kOk);
	ASSERT_EQ(n2.add_null(units(1)), ParetoStatus::kOk);
	EXPECT_EQ(n1.merge(n2), ParetoStatus::kOverflow);
	EXPECT_EQ(pareto_validate(n1.h(), n1.bytes()), ParetoStatus::kOk);
	// Shares beyond the range.
	Decimal share;
	EXPECT_EQ(pareto_share(units(kMax), units(1), &share), ParetoStatus::kOverflow);
	EXPECT_EQ(pareto_share(units(kMin), units(1), &share), ParetoStatus::kOverflow);
	EXPECT_EQ(pareto_share(units(kMax), units(kOne), &share), ParetoStatus::kOk);
	EXPECT_TRUE(share.units() == kMax);
	EXPECT_EQ(pareto_share(units(kMin), units(kOne), &share), ParetoStatus::kOk);
	EXPECT_TRUE(share.units() == kMin);
}

TEST(Pareto, RankingTiesAreDeterministicByKeyBytes) {
	std::vector<std::pair<std::string, const char *>> rows = {
		{"b", "2"},  {"ba", "2"}, {"a", "2"}, {std::string("\x80", 1), "2"}, {std::string("\x7f", 1), "2"}, {"", "2"},
		{"bb", "2"}, {"z", "3"},  {"y", "1"}, {std::string("a\0", 2), "2"}};
	const std::vector<std::string> expected = {"z",    "",     "a", std::string("a\0", 2), "b", "ba", "bb",
											   "\x7f", "\x80", "y"};
	std::mt19937_64 rng(8);
	for (int trial = 0; trial < 20; ++trial) {
		std::shuffle(rows.begin(), rows.end(), rng);
		Table t(trial % 2 ? 64 : 8);
		for (const auto &r : rows)
			ASSERT_EQ(t.add(r.first, dec(r.second)), ParetoStatus::kOk);
		ASSERT_EQ(t.ranked_keys(), expected) << trial;
	}
	Table t;
	std::vector<uint32_t> small(3);
	for (const auto &r : rows)
		ASSERT_EQ(t.add(r.first, dec(r.second)), ParetoStatus::kOk);
	EXPECT_EQ(pareto_rank(t.h(), small.data(), small.size()), ParetoStatus::kBufferTooSmall);
}

TEST(Pareto, KeysForShareIsExactAtBoundaries) {
	// 50 + 30 + 20 = 100.
	Table t;
	ASSERT_EQ(t.add("c", dec("20")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("a", dec("50")), ParetoStatus::kOk);
	ASSERT_EQ(t.add("b", dec("30")), ParetoStatus::kOk);
	std::vector<uint32_t> order = t.rank();
	auto keys = [&](const char *y) {
		uint32_t k = 99;
		EXPECT_EQ(pareto_keys_for_share(t.h(), order.data(), dec(y), &k), ParetoStatus::kOk) << y;
		return k;
	};
	EXPECT_EQ(keys("0"), 0u);
	EXPECT_EQ(keys("0.000000000000000001"), 1u);
	EXPECT_EQ(keys("0.5"), 1u); // exactly reached by the first
	EXPECT_EQ(keys("0.500000000000000001"), 2u);
	EXPECT_EQ(keys("0.8"), 2u); // exactly 80 %
	EXPECT_EQ(keys("0.800000000000000001"), 3u);
	EXPECT_EQ(keys("0.999999999999999999"), 3u);
	EXPECT_EQ(keys("1"), 3u);
	uint32_t k;
	EXPECT_EQ(pareto_keys_for_share(t.h(), order.data(), dec("1.000000000000000001"), &k), ParetoStatus::kBadFraction);
	EXPECT_EQ(pareto_keys_for_share(t.h(), order.data(), dec("-0.000000000000000001"), &k), ParetoStatus::kBadFraction);
	// Near the top of the range, where a double would be off: total = 3 * 10^37 units, top key 2 * 10^37 + 1.
	int128 e37 = static_cast<int128>(kOne) * static_cast<int128>(10000000000000000000ULL);
	Table w;
	ASSERT_EQ(w.add("top", units(2 * e37 + 1)), ParetoStatus::kOk);
	ASSERT_EQ(w.add("rest", units(e37 - 1)), ParetoStatus::kOk);
	order = w.rank();
	// 2/3 rounds to 0.666666666666666667 > (2e37 + 1) / 3e37, so that takes two keys; ...666 takes one.
	ASSERT_EQ(pareto_keys_for_share(w.h(), order.data(), dec("0.666666666666666667"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 2u);
	ASSERT_EQ(pareto_keys_for_share(w.h(), order.data(), dec("0.666666666666666666"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 1u);
	// A key exactly at y * total among many: 80 % of 1000 keys of 1 unit is the 800th key.
	Table many;
	for (int i = 0; i < 1000; ++i)
		ASSERT_EQ(many.add("k" + std::to_string(i), units(1)), ParetoStatus::kOk);
	order = many.rank();
	ASSERT_EQ(pareto_keys_for_share(many.h(), order.data(), dec("0.8"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 800u);
	ASSERT_EQ(pareto_keys_for_share(many.h(), order.data(), dec("0.8001"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 801u);
}

TEST(Pareto, TopCountRoundsUp) {
	Table t;
	for (int i = 0; i < 10; ++i)
		ASSERT_EQ(t.add("k" + std::to_string(i), dec("1")), ParetoStatus::kOk);
	auto count = [&](const char *x) {
		uint32_t k = 99;
		EXPECT_EQ(pareto_top_count(t.h(), dec(x), &k), ParetoStatus::kOk) << x;
		return k;
	};
	EXPECT_EQ(count("0"), 0u);
	EXPECT_EQ(count("0.000000000000000001"), 1u);
	EXPECT_EQ(count("0.1"), 1u);
	EXPECT_EQ(count("0.2"), 2u);
	EXPECT_EQ(count("0.200000000000000001"), 3u);
	EXPECT_EQ(count("0.21"), 3u);
	EXPECT_EQ(count("1"), 10u);
	uint32_t k;
	EXPECT_EQ(pareto_top_count(t.h(), dec("1.5"), &k), ParetoStatus::kBadFraction);
	EXPECT_EQ(pareto_top_count(t.h(), dec("-0.1"), &k), ParetoStatus::kBadFraction);
	// The share of the top 20 %: k = 2 keys, then cumulative and share.
	std::vector<uint32_t> order = t.rank();
	Decimal cum, share;
	ASSERT_EQ(pareto_cumulative(t.h(), order.data(), count("0.2"), &cum), ParetoStatus::kOk);
	ASSERT_EQ(pareto_share(cum, pareto_total(t.h()), &share), ParetoStatus::kOk);
	EXPECT_EQ(share, dec("0.2"));
	Table empty;
	ASSERT_EQ(pareto_top_count(empty.h(), dec("0.5"), &k), ParetoStatus::kOk);
	EXPECT_EQ(k, 0u);
}

TEST(Pareto, ShareRoundsHalfAwayFromZero) {
	Decimal s;
	ASSERT_EQ(pareto_share(dec("1"), dec("3"), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("0.333333333333333333"));
	ASSERT_EQ(pareto_share(dec("2"), dec("3"), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("0.666666666666666667"));
	ASSERT_EQ(pareto_share(dec("-2"), dec("3"), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("-0.666666666666666667"));
	// Exactly half a unit: 1e-18 / 2 rounds away from zero.
	ASSERT_EQ(pareto_share(units(1), units(2 * kOne), &s), ParetoStatus::kOk);
	EXPECT_TRUE(s.units() == 1);
	ASSERT_EQ(pareto_share(units(-1), units(2 * kOne), &s), ParetoStatus::kOk);
	EXPECT_TRUE(s.units() == -1);
	ASSERT_EQ(pareto_share(units(1), units(2 * kOne + 1), &s), ParetoStatus::kOk); // just below half
	EXPECT_TRUE(s.units() == 0);
	ASSERT_EQ(pareto_share(dec("0"), dec("7"), &s), ParetoStatus::kOk);
	EXPECT_TRUE(s.is_zero());
	ASSERT_EQ(pareto_share(dec("7"), dec("7"), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("1"));
	// Large operands: (10^38 - 1) / (3 * 10^37) = 3.333... with the 192-bit numerator.
	int128 e37 = static_cast<int128>(kOne) * static_cast<int128>(10000000000000000000ULL);
	ASSERT_EQ(pareto_share(units(10 * e37 - 1), units(3 * e37), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("3.333333333333333333"));
	ASSERT_EQ(pareto_share(units(kMax), units(kMax), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("1"));
	ASSERT_EQ(pareto_share(units(kMin), units(kMax), &s), ParetoStatus::kOk);
	EXPECT_EQ(s, dec("-1")); // -(1 + 1/kMax) rounds to -1
}

TEST(Pareto, ManyKeysLongKeysAndArenaGrowth) {
	// Long keys grow the arena far more than the table.
	Table t;
	Reference ref;
	std::mt19937_64 rng(9);
	for (int i = 0; i < 200; ++i) {
		std::string k(1 + rng() % 100000, static_cast<char>('a' + i % 26));
		k += std::to_string(i);
		int128 a = random_amount(rng);
		ASSERT_EQ(t.add(k, units(a)), ParetoStatus::kOk);
		ref[k] += a;
		if (i % 3 == 0) {
			ASSERT_EQ(t.add(k, units(a)), ParetoStatus::kOk);
			ref[k] += a;
		}
	}
	expect_matches(t, ref, false, 0);
	EXPECT_GT(t.h()->arena_capacity, 5000000u);
	EXPECT_EQ(t.h()->capacity, 512u);
	Table back;
	ASSERT_EQ(deserialize(t.serialize(), &back), ParetoStatus::kOk);
	expect_matches(back, ref, false, 0);
	// The largest key is accepted, one byte more is refused and changes nothing.
	std::string max_key(kParetoMaxKeyBytes, 'm');
	ASSERT_EQ(t.add(max_key, dec("1")), ParetoStatus::kOk);
	max_key.push_back('m');
	std::vector<uint8_t> before = t.mem();
	EXPECT_EQ(t.add(max_key, dec("1")), ParetoStatus::kKeyTooLong);
	EXPECT_EQ(t.mem(), before);
	Decimal sum;
	EXPECT_EQ(pareto_lookup(t.h(), max_key.data(), max_key.size(), &sum), ParetoStatus::kNotFound);
	// Many short keys.
	Table many;
	char buf[32];
	for (int i = 0; i < 300000; ++i) {
		int n = std::snprintf(buf, sizeof buf, "cus_%07d", i);
		ASSERT_EQ(many.add(std::string(buf, static_cast<size_t>(n)), units(i)), ParetoStatus::kOk);
	}
	EXPECT_EQ(pareto_nkeys(many.h()), 300000u);
	EXPECT_EQ(many.h()->capacity, 524288u);
	EXPECT_EQ(pareto_validate(many.h(), many.bytes()), ParetoStatus::kOk);
	std::vector<uint32_t> order = many.rank();
	EXPECT_EQ(many.key(order[0]), "cus_0299999");
	EXPECT_EQ(many.key(order.back()), "cus_0000000");
}

TEST(Pareto, SizingAndRegrowRefuseWhatDoesNotFit) {
	Table t;
	uint32_t cap = 0, arena = 0;
	// Nothing to grow: the current sizes.
	ASSERT_EQ(pareto_needed(t.h(), 0, 0, &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 8u);
	EXPECT_EQ(arena, 0u);
	// Doubling: 6 keys fit in 8 slots, 7 need 16; the arena starts at 64 and doubles.
	ASSERT_EQ(pareto_needed(t.h(), 7, 65, &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 16u);
	EXPECT_EQ(arena, 128u);
	ASSERT_EQ(pareto_needed(t.h(), 6, 64, &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(cap, 8u);
	EXPECT_EQ(arena, 64u);
	// Limits: more keys than the largest table, more bytes than a varlena; doubling falls back to the need.
	EXPECT_EQ(pareto_needed(t.h(), pareto_max_keys(kParetoMaxCapacity) + 1ULL, 0, &cap, &arena),
			  ParetoStatus::kTooLarge);
	EXPECT_EQ(pareto_needed(t.h(), 1, kParetoMaxBytes, &cap, &arena), ParetoStatus::kTooLarge);
	ASSERT_EQ(pareto_needed(t.h(), 1, 600000000, &cap, &arena), ParetoStatus::kOk);
	EXPECT_EQ(arena, 600000000u); // doubling from 64 would give 2^30
	EXPECT_LE(pareto_bytes(cap, arena), kParetoMaxBytes);
	EXPECT_EQ(pareto_needed(t.h(), pareto_max_keys(kParetoMaxCapacity), 600000000, &cap, &arena),
			  ParetoStatus::kTooLarge); // 512 MB of slots + 600 MB of keys
	// Init and regrow.
	std::vector<uint64_t> mem(pareto_bytes(64, 64) / 8 + 1);
	auto *h = reinterpret_cast<ParetoHeader *>(mem.data());
	EXPECT_EQ(pareto_init(h, 4, 0), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_init(h, 12, 0), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_init(h, kParetoMaxCapacity * 2, 0), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_init(h, kParetoMaxCapacity, 0x3fffffff), ParetoStatus::kTooLarge);
	EXPECT_EQ(pareto_init(reinterpret_cast<ParetoHeader *>(reinterpret_cast<char *>(mem.data()) + 4), 8, 0),
			  ParetoStatus::kBufferTooSmall);
	for (int i = 0; i < 6; ++i)
		ASSERT_EQ(t.add("key" + std::to_string(i), dec("1")), ParetoStatus::kOk);
	EXPECT_EQ(pareto_regrow(t.h(), h, 16, t.h()->arena_used - 1), ParetoStatus::kBadCapacity);
	EXPECT_EQ(pareto_regrow(t.h(), h, 24, t.h()->arena_used), ParetoStatus::kBadCapacity);
	ASSERT_EQ(t.add("key6", dec("1")), ParetoStatus::kOk); // 7 keys: capacity 16
	EXPECT_EQ(pareto_regrow(t.h(), h, 8, 64), ParetoStatus::kBadCapacity);
	ASSERT_EQ(pareto_regrow(t.h(), h, 64, 64), ParetoStatus::kOk);
	EXPECT_EQ(pareto_validate(h, pareto_bytes(64, 64)), ParetoStatus::kOk);
	// The seventh key needed a regrow from 8 slots, and pareto_add said so without changing anything.
	Table s;
	for (int i = 0; i < 6; ++i)
		ASSERT_EQ(pareto_add(s.h(), "abcdefgh", 1 + i, dec("1")), ParetoStatus::kNeedsGrow); // arena 0
	s.regrow(8, 64);
	for (int i = 0; i < 6; ++i)
		ASSERT_EQ(pareto_add(s.h(), "abcdefgh", 1 + i, dec("1")), ParetoStatus::kOk);
	std::vector<uint8_t> before = s.mem();
	EXPECT_EQ(pareto_add(s.h(), "abcdefgh", 7, dec("1")), ParetoStatus::kNeedsGrow);
	EXPECT_EQ(s.mem(), before);
	EXPECT_EQ(pareto_add(s.h(), "abcdefgh", 6, dec("1")), ParetoStatus::kOk); // an existing key still adds
}

TEST(Pareto, MergeResumesAfterGrowthAndRunsOnce) {
	std::mt19937_64 rng(10);
	Table src = table_of(random_events(rng, 5000, 1000));
	ASSERT_TRUE(pareto_has_null_key(src.h()));
	Table dst;
	ASSERT_EQ(dst.add("zz-only-in-dst", dec("1")), ParetoStatus::kOk);
	uint32_t cursor = 0;
	ASSERT_EQ(pareto_merge(dst.h(), src.h(), &cursor), ParetoStatus::kNeedsGrow);
	EXPECT_LT(cursor, src.h()->capacity);
	EXPECT_NE(pareto_slots(src.h())[cursor].hash, 0u);
	uint32_t cap, arena;
	ASSERT_EQ(pareto_merge_needed(dst.h(), src.h(), cursor, &cap, &arena), ParetoStatus::kOk);
	EXPECT_GE(pareto_max_keys(cap), src.h()->nkeys); // straight to the union's lower bound
	EXPECT_GE(arena, src.h()->arena_used);
	dst.regrow(cap, arena);
	int rounds = 1;
	ParetoStatus st;
	while ((st = pareto_merge(dst.h(), src.h(), &cursor)) == ParetoStatus::kNeedsGrow) {
		ASSERT_EQ(pareto_merge_needed(dst.h(), src.h(), cursor, &cap, &arena), ParetoStatus::kOk);
		dst.regrow(cap, arena);
		++rounds;
	}
	ASSERT_EQ(st, ParetoStatus::kOk);
	EXPECT_LE(rounds, 3);
	std::vector<uint8_t> merged = dst.mem();
	// Calling again after kOk changes nothing (the NULL key is not added twice).
	ASSERT_EQ(pareto_merge(dst.h(), src.h(), &cursor), ParetoStatus::kOk);
	EXPECT_EQ(dst.mem(), merged);
	Table expected = table_of({});
	ASSERT_EQ(expected.add("zz-only-in-dst", dec("1")), ParetoStatus::kOk);
	ASSERT_EQ(expected.merge(src), ParetoStatus::kOk);
	EXPECT_EQ(dst.serialize(), expected.serialize());
	// Merging a table into itself doubles every sum.
	Table twice = Table::adopt(src.mem());
	cursor = 0;
	ASSERT_EQ(pareto_merge(twice.h(), twice.h(), &cursor), ParetoStatus::kOk);
	EXPECT_EQ(pareto_validate(twice.h(), twice.bytes()), ParetoStatus::kOk);
	Table doubled = Table::adopt(src.mem());
	ASSERT_EQ(doubled.merge(src), ParetoStatus::kOk);
	EXPECT_EQ(twice.serialize(), doubled.serialize());
	EXPECT_TRUE(pareto_total(twice.h()).units() == 2 * pareto_total(src.h()).units());
}

TEST(Pareto, NumericDigitsConvertExactly) {
	auto conv = [](bool neg, int weight, int dscale, std::vector<int16_t> digits, Decimal *out) {
		return decimal_from_numeric_digits(neg, weight, dscale, digits.data(), static_cast<int>(digits.size()), out);
	};
	auto value = [&](bool neg, int weight, int dscale, std::vector<int16_t> digits) {
		Decimal d = units(12345);
		EXPECT_EQ(conv(neg, weight, dscale, digits, &d), DecimalError::kNone);
		return d.to_string();
	};
	Decimal d;
	EXPECT_EQ(value(false, 0, 0, {}), "0"); // numeric 0: no digits
	EXPECT_EQ(decimal_from_numeric_digits(false, 0, 0, nullptr, 0, &d), DecimalError::kNone);
	EXPECT_TRUE(d.is_zero());
	EXPECT_EQ(value(false, 0, 0, {1}), "1");
	EXPECT_EQ(value(false, -1, 4, {1}), "0.0001");
	EXPECT_EQ(value(false, 1, 0, {1}), "10000"); // one digit with weight 1
	EXPECT_EQ(value(false, 1, 0, {1, 0}), "10000");
	EXPECT_EQ(value(false, 0, 2, {12, 3400}), "12.34");
	EXPECT_EQ(value(true, 0, 2, {12, 3400}), "-12.34");
	EXPECT_EQ(value(false, 1, 3, {1, 2345, 6780}), "12345.678");
	EXPECT_EQ(value(false, -2, 8, {1}), "0.00000001");
	// 18 places exactly: 0.000000000000000001 is digit 100 at weight -5 (10^-20 * 100).
	EXPECT_EQ(value(false, -5, 18, {100}), "0.000000000000000001");
	EXPECT_EQ(value(false, 0, 18, {1, 2345, 6789, 123, 4567, 8900}), "1.234567890123456789");
	EXPECT_EQ(value(false, 0, 22, {0, 0, 0, 0, 0, 0}), "0"); // zero digits beyond 18 places are fine
	EXPECT_EQ(value(false, 0, 21, {5, 0, 0, 0, 0, 1200}), "5.000000000000000012");
	// 12345.678901234567890123 is 1 | 2345 . 6789 0123 4567 8901 23(00): exactly 18 places, so it converts;
	// one more place (12345.6789012345678901234, last group 2340) is refused.
	EXPECT_EQ(value(false, 1, 18, {1, 2345, 6789, 123, 4567, 8901, 2300}), "12345.678901234567890123");
	EXPECT_EQ(conv(false, 1, 19, {1, 2345, 6789, 123, 4567, 8901, 2340}, &d), DecimalError::kTooManyDecimals);
	EXPECT_EQ(conv(true, 1, 19, {1, 2345, 6789, 123, 4567, 8901, 2301}, &d), DecimalError::kTooManyDecimals);
	// Refused: a non-zero digit beyond 18 places.
	EXPECT_EQ(conv(false, -5, 20, {1}, &d), DecimalError::kTooManyDecimals);  // 10^-20
	EXPECT_EQ(conv(false, -5, 19, {10}, &d), DecimalError::kTooManyDecimals); // 10^-19
	EXPECT_EQ(conv(false, -6, 24, {1000}, &d), DecimalError::kTooManyDecimals);
	// Large values: the range ends at 170141183460469231731.687303715884105727.
	EXPECT_EQ(value(false, 5, 18, {1, 7014, 1183, 4604, 6923, 1731, 6873, 371, 5884, 1057, 2700}),
			  "170141183460469231731.687303715884105727");
	EXPECT_EQ(value(true, 5, 18, {1, 7014, 1183, 4604, 6923, 1731, 6873, 371, 5884, 1057, 2800}),
			  "-170141183460469231731.687303715884105728");
	EXPECT_EQ(conv(false, 5, 18, {1, 7014, 1183, 4604, 6923, 1731, 6873, 371, 5884, 1057, 2800}, &d),
			  DecimalError::kOverflow);
	EXPECT_EQ(value(false, 5, 0, {1}), "100000000000000000000"); // 10^20: 10^38 units fit
	EXPECT_EQ(value(false, 4, 0, {99}), "990000000000000000");
	EXPECT_EQ(conv(false, 5, 0, {2}, &d), DecimalError::kOverflow); // 2 * 10^38 units do not
	EXPECT_EQ(conv(false, 5, 0, {1, 0, 0, 0, 0, 1}, &d), DecimalError::kNone);
	EXPECT_EQ(value(false, 5, 0, {1, 7014, 1183, 4604, 6923, 1731}), "170141183460469231731");
	EXPECT_EQ(conv(false, 5, 0, {1, 7014, 1183, 4604, 6923, 1732}, &d), DecimalError::kOverflow);
	EXPECT_EQ(conv(false, 1000, 0, {1}, &d), DecimalError::kOverflow);
	EXPECT_EQ(conv(true, 1000, 0, {1}, &d), DecimalError::kOverflow);
	EXPECT_EQ(conv(false, 1000, 0, {0}, &d), DecimalError::kNone); // a zero digit is zero at any weight
	// Malformed input.
	EXPECT_EQ(conv(false, 0, 0, {10000}, &d), DecimalError::kSyntax);
	EXPECT_EQ(conv(false, 0, 0, {-1}, &d), DecimalError::kSyntax);
	EXPECT_EQ(conv(false, 0, -1, {1}, &d), DecimalError::kSyntax);
	EXPECT_EQ(decimal_from_numeric_digits(false, 0, 0, nullptr, 1, &d), DecimalError::kSyntax);
	EXPECT_EQ(decimal_from_numeric_digits(false, 0, 0, nullptr, -1, &d), DecimalError::kSyntax);
	// Random values against the text parser.
	std::mt19937_64 rng(11);
	for (int i = 0; i < 2000; ++i) {
		int ndig = static_cast<int>(rng() % 10);
		int weight = static_cast<int>(rng() % 10) - 5;
		std::vector<int16_t> digits(static_cast<size_t>(ndig));
		for (auto &g : digits)
			g = static_cast<int16_t>(rng() % 10000);
		bool neg = rng() % 2;
		// The value as text: base-10000 groups placed by weight.
		std::string int_part, frac_part;
		for (int j = 0; j < ndig; ++j) {
			char buf[8];
			std::snprintf(buf, sizeof buf, "%04d", digits[static_cast<size_t>(j)]);
			int w = weight - j;
			if (w >= 0) {
				int_part += buf;
				if (j == ndig - 1)
					int_part += std::string(4 * static_cast<size_t>(w), '0');
			} else {
				if (frac_part.empty() && j == 0)
					frac_part = std::string(4 * static_cast<size_t>(-w - 1), '0');
				frac_part += buf;
			}
		}
		std::string text = (neg ? "-" : "") + (int_part.empty() ? "0" : int_part) + "." + frac_part + "0";
		Decimal want, got;
		DecimalError pe = Decimal::parse(text, &want);
		DecimalError ce = conv(neg, weight, 0, digits, &got);
		// Both refuse the same inputs (the reason may differ when a value is both too precise and too large).
		ASSERT_EQ(ce == DecimalError::kNone, pe == DecimalError::kNone) << text;
		if (pe == DecimalError::kTooManyDecimals && weight < 2) {
			ASSERT_EQ(ce, pe) << text; // too small to overflow
		}
		if (pe == DecimalError::kNone) {
			ASSERT_EQ(got, want) << text;
		}
	}
}

TEST(Pareto, StatusTextsAreLowerCaseMessages) {
	std::set<std::string> seen;
	for (int s = 0; s <= static_cast<int>(ParetoStatus::kCorrupt); ++s) {
		std::string text = pareto_status_text(static_cast<ParetoStatus>(s));
		EXPECT_FALSE(text.empty());
		EXPECT_TRUE(std::islower(static_cast<unsigned char>(text[0]))) << text;
		EXPECT_NE(text.back(), '.');
		EXPECT_TRUE(seen.insert(text).second) << text;
	}
}
