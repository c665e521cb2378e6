// Micro-benchmark of the Pareto table's hot path against baselines measured in the same run.
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/bench --target pareto_micro && build/bench/pareto_micro [events] [keys] [repeats]
//
// Defaults: 10M cost events over 10k customer ids ("cus_" + 1..36 base62 characters: 5-40 bytes), drawn with
// Zipf(1.0) skew, amounts with 9 decimal places as Decimal units; 7 repeats, alternating the variants so that
// machine noise hits all of them. Keys sit in one buffer and events point into it, as text datums do. The
// events are generated before timing. pareto.cpp is compiled with PGXS's optimisation flags (-O2 -fwrapv
// -fno-strict-aliasing) in its own translation unit, so every add is a real call, as from the binding.
//   array       sums[key index] += amount: no hashing at all (the floor)
//   hash only   pareto_hash of every event's key (what the hash costs of pareto_add)
//   umap+string std::unordered_map<std::string, __int128>, m[std::string(ptr, len)] += amount (what a binding
//               without C++20 heterogeneous lookup does with a text pointer)
//   umap        the same map with prebuilt std::string keys (no construction: flatters the baseline)
//   pareto_add  the binding's loop: pareto_add, and pareto_needed + pareto_regrow from 8 slots when it says so
// Then: merging two tables built from halves of the events, ranking, keys-for-80 %, serialization, and the
// same at 1M keys.
#include "core/pareto.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dexcost;

namespace {

using Clock = std::chrono::steady_clock;

// Events as the binding sees them: a key pointer and length, an amount.
struct Events {
	std::string key_bytes;         // every key, back to back
	std::vector<uint32_t> key_off; // per key
	std::vector<uint32_t> key_len; // per key
	std::vector<std::string> keys; // the same keys as strings (for the prebuilt-key baseline)
	std::vector<uint32_t> idx;     // per event: key index
	std::vector<int128> amount;    // per event: Decimal units
};

// The median of some timings.
double median(std::vector<double> v) {
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

// Seconds since t0.
double since(Clock::time_point t0) {
	return std::chrono::duration<double>(Clock::now() - t0).count();
}

volatile uint64_t g_sink; // keeps results alive

// Generates nkeys distinct ids and n Zipf(1.0)-distributed events with 9-decimal amounts.
Events make_events(size_t n, size_t nkeys, uint64_t seed) {
	static const char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	std::mt19937_64 rng(seed);
	Events e;
	std::unordered_map<std::string, int> seen;
	while (e.keys.size() < nkeys) {
		std::string k = "cus_";
		size_t len = 1 + rng() % 36;
		for (size_t i = 0; i < len; ++i)
			k += kB62[rng() % 62];
		if (!seen.emplace(k, 1).second)
			continue;
		e.key_off.push_back(static_cast<uint32_t>(e.key_bytes.size()));
		e.key_len.push_back(static_cast<uint32_t>(k.size()));
		e.key_bytes += k;
		e.keys.push_back(k);
	}
	std::vector<double> cdf(nkeys);
	double acc = 0;
	for (size_t i = 0; i < nkeys; ++i)
		cdf[i] = acc += 1.0 / static_cast<double>(i + 1);
	std::uniform_real_distribution<double> u(0, acc);
	std::lognormal_distribution<double> cost(-5, 1.5);
	e.idx.resize(n);
	e.amount.resize(n);
	for (size_t i = 0; i < n; ++i) {
		e.idx[i] = static_cast<uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
		if (e.idx[i] >= nkeys)
			e.idx[i] = static_cast<uint32_t>(nkeys - 1);
		e.amount[i] = static_cast<int128>(std::llround(cost(rng) * 1e9)) * 1000000000; // 9 places
	}
	return e;
}

// A flat table in a growable buffer, grown as the binding grows its varlena.
struct Flat {
	std::vector<uint64_t> mem;
	// The header.
	ParetoHeader *h() { return reinterpret_cast<ParetoHeader *>(mem.data()); }
	const ParetoHeader *h() const { return reinterpret_cast<const ParetoHeader *>(mem.data()); }
	// Starts empty at the smallest size.
	void init(uint32_t cap = kParetoMinCapacity, uint32_t arena = 0) {
		mem.assign((pareto_bytes(cap, arena) + 7) / 8, 0);
		pareto_init(h(), cap, arena);
	}
	// Regrows into new memory (palloc + pareto_regrow).
	void regrow(uint32_t cap, uint32_t arena) {
		std::vector<uint64_t> grown((pareto_bytes(cap, arena) + 7) / 8);
		if (pareto_regrow(h(), reinterpret_cast<ParetoHeader *>(grown.data()), cap, arena) != ParetoStatus::kOk)
			std::abort();
		mem = std::move(grown);
	}
	// One add with the binding's grow-and-retry.
	void add(const char *k, size_t len, int128 a) {
		ParetoStatus st = pareto_add(h(), k, len, Decimal::from_units(a));
		if (st == ParetoStatus::kOk)
			return;
		if (st != ParetoStatus::kNeedsGrow)
			std::abort();
		uint32_t cap, arena;
		if (pareto_needed(h(), 1, len, &cap, &arena) != ParetoStatus::kOk)
			std::abort();
		regrow(cap, arena);
		if (pareto_add(h(), k, len, Decimal::from_units(a)) != ParetoStatus::kOk)
			std::abort();
	}
	// Merges src in (pareto_merge, resumed after each regrow).
	void merge(const Flat &src) {
		uint32_t cursor = 0;
		ParetoStatus st;
		while ((st = pareto_merge(h(), src.h(), &cursor)) == ParetoStatus::kNeedsGrow) {
			uint32_t cap, arena;
			if (pareto_merge_needed(h(), src.h(), cursor, &cap, &arena) != ParetoStatus::kOk)
				std::abort();
			regrow(cap, arena);
		}
		if (st != ParetoStatus::kOk)
			std::abort();
	}
};

// Events [from, to) into a fresh table.
Flat build(const Events &e, size_t from, size_t to) {
	Flat f;
	f.init();
	const char *base = e.key_bytes.data();
	for (size_t i = from; i < to; ++i) {
		uint32_t k = e.idx[i];
		f.add(base + e.key_off[k], e.key_len[k], e.amount[i]);
	}
	return f;
}

// Nanoseconds per event of f.
template <class F> double ns_per_event(const Events &e, F &&f) {
	auto t0 = Clock::now();
	f();
	return since(t0) * 1e9 / static_cast<double>(e.idx.size());
}

// Milliseconds per call of f, median of `reps` calls (setup runs untimed before each).
template <class Setup, class F> double ms_per_call(int reps, Setup &&setup, F &&f) {
	std::vector<double> t;
	for (int r = 0; r < reps; ++r) {
		setup();
		auto t0 = Clock::now();
		f();
		t.push_back(since(t0) * 1e3);
	}
	return median(t);
}

// Answers on one table: ranking, keys for 80 %, serialization, deserialization (milliseconds).
void answers(const char *label, const Flat &f, int reps) {
	const ParetoHeader *h = f.h();
	std::vector<uint32_t> order(h->nkeys);
	uint32_t k80 = 0;
	double rank = ms_per_call(
		reps, [] {}, [&] { pareto_rank(h, order.data(), order.size()); });
	double share = ms_per_call(
		reps, [] {}, [&] { pareto_keys_for_share(h, order.data(), Decimal::from_units(800000000000000000), &k80); });
	std::vector<uint8_t> bytes(pareto_serialized_size(h));
	size_t written;
	double ser = ms_per_call(
		reps, [] {}, [&] { pareto_serialize(h, order.data(), order.size(), bytes.data(), bytes.size(), &written); });
	uint32_t cap, arena;
	pareto_deserialized_sizes(bytes.data(), bytes.size(), &cap, &arena);
	std::vector<uint64_t> back((pareto_bytes(cap, arena) + 7) / 8);
	double de = ms_per_call(
		reps, [] {},
		[&] {
			pareto_deserialized_sizes(bytes.data(), bytes.size(), &cap, &arena);
			pareto_deserialize_into(bytes.data(), bytes.size(), reinterpret_cast<ParetoHeader *>(back.data()), cap,
									arena);
		});
	double val = ms_per_call(
		reps, [] {}, [&] { pareto_validate(h, pareto_bytes(h->capacity, h->arena_capacity)); });
	pareto_rank(h, order.data(), order.size());
	pareto_keys_for_share(h, order.data(), Decimal::from_units(800000000000000000), &k80);
	std::printf("%s: %u keys, capacity %u, flat %zu bytes, serialized %zu bytes; 80 %% of cost in %u keys (%.1f %%)\n",
				label, h->nkeys, h->capacity, pareto_bytes(h->capacity, h->arena_capacity), bytes.size(), k80,
				100.0 * k80 / h->nkeys);
	std::printf("  ms: rank %.2f, keys_for_share(0.8) %.3f, serialize %.2f, deserialize (validating) %.2f, "
				"validate flat %.2f\n",
				rank, share, ser, de, val);
}

} // namespace

// Times every variant, alternating, and prints medians and ratios.
int main(int argc, char **argv) {
	size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
	size_t nkeys = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000;
	int repeats = argc > 3 ? std::atoi(argv[3]) : 7;
	Events e = make_events(n, nkeys, 42);
	const char *base = e.key_bytes.data();

	std::vector<double> t_array, t_hash, t_umap_str, t_umap, t_pareto;
	Flat last;
	for (int r = 0; r < repeats; ++r) {
		t_array.push_back(ns_per_event(e, [&] {
			std::vector<int128> sums(nkeys);
			for (size_t i = 0; i < e.idx.size(); ++i)
				sums[e.idx[i]] += e.amount[i];
			g_sink = static_cast<uint64_t>(sums[0]);
		}));
		t_hash.push_back(ns_per_event(e, [&] {
			uint64_t x = 0;
			for (size_t i = 0; i < e.idx.size(); ++i) {
				uint32_t k = e.idx[i];
				x += pareto_hash(base + e.key_off[k], e.key_len[k]);
			}
			g_sink = x;
		}));
		t_pareto.push_back(ns_per_event(e, [&] { last = build(e, 0, e.idx.size()); }));
		t_umap_str.push_back(ns_per_event(e, [&] {
			std::unordered_map<std::string, int128> m;
			for (size_t i = 0; i < e.idx.size(); ++i) {
				uint32_t k = e.idx[i];
				m[std::string(base + e.key_off[k], e.key_len[k])] += e.amount[i];
			}
			g_sink = m.size();
		}));
		t_umap.push_back(ns_per_event(e, [&] {
			std::unordered_map<std::string, int128> m;
			for (size_t i = 0; i < e.idx.size(); ++i)
				m[e.keys[e.idx[i]]] += e.amount[i];
			g_sink = m.size();
		}));
	}
	double arr = median(t_array), ha = median(t_hash), us = median(t_umap_str), um = median(t_umap),
		   pa = median(t_pareto);
	std::printf("%zu events over %zu keys (Zipf 1.0, keys 5-40 bytes), median of %d runs, ns per event\n", n, nkeys,
				repeats);
	std::printf("  array sums[idx] (no hashing)            %6.2f\n", arr);
	std::printf("  pareto_hash only                        %6.2f\n", ha);
	std::printf("  unordered_map, std::string per event    %6.2f\n", us);
	std::printf("  unordered_map, prebuilt std::string     %6.2f\n", um);
	std::printf("  pareto_add (binding loop, grows from 8) %6.2f   (min %.2f, max %.2f)\n", pa,
				*std::min_element(t_pareto.begin(), t_pareto.end()),
				*std::max_element(t_pareto.begin(), t_pareto.end()));
	std::printf("ratios: pareto/umap+string %.2f, pareto/umap-prebuilt %.2f, pareto/array %.2f\n", pa / us, pa / um,
				pa / arr);

	// Merge: two tables from the halves of the events (about the same 10k keys each), into a fresh copy of one.
	Flat a = build(e, 0, n / 2), b = build(e, n / 2, n);
	Flat dst;
	double copy_ms = ms_per_call(
		21, [] {}, [&] { dst = a; });
	double merge_ms = ms_per_call(
		21, [&] { dst = a; }, [&] { dst.merge(b); });
	std::unordered_map<std::string, int128> ma, mb, md;
	for (size_t i = 0; i < n; ++i)
		(i < n / 2 ? ma : mb)[e.keys[e.idx[i]]] += e.amount[i];
	double umap_merge_ms = ms_per_call(
		21, [&] { md = ma; },
		[&] {
			for (const auto &kv : mb)
				md[kv.first] += kv.second;
		});
	std::printf("merge of two tables (%u and %u keys): pareto_merge %.3f ms (copying the destination: %.3f ms), "
				"unordered_map %.3f ms, ratio %.2f\n",
				a.h()->nkeys, b.h()->nkeys, merge_ms, copy_ms, umap_merge_ms, merge_ms / umap_merge_ms);
	std::vector<uint32_t> o1(dst.h()->nkeys), o2(last.h()->nkeys);
	std::vector<uint8_t> s1(pareto_serialized_size(dst.h())), s2(pareto_serialized_size(last.h()));
	size_t w;
	pareto_serialize(dst.h(), o1.data(), o1.size(), s1.data(), s1.size(), &w);
	pareto_serialize(last.h(), o2.data(), o2.size(), s2.data(), s2.size(), &w);
	std::printf("merged halves serialize identically to one pass: %s\n", s1 == s2 ? "yes" : "NO");

	answers("one pass table", last, 21);

	// 1M keys: one event each, sequential ids, random sums.
	Flat big;
	big.init();
	std::mt19937_64 rng(7);
	char buf[32];
	auto t0 = Clock::now();
	for (int i = 0; i < 1000000; ++i) {
		int len = std::snprintf(buf, sizeof buf, "cus_%08d", i);
		big.add(buf, static_cast<size_t>(len), static_cast<int128>(rng() % 100000000000ULL) * 1000000000);
	}
	std::printf("1M distinct keys inserted in %.0f ms (%.1f ns per add, every one a new key, with regrows)\n",
				since(t0) * 1e3, since(t0) * 1e9 / 1e6);
	answers("1M-key table", big, 3);

	// Merging two 1M-key tables that share half their keys (as partial states of parallel workers do).
	Flat big2;
	big2.init();
	for (int i = 500000; i < 1500000; ++i) {
		int len = std::snprintf(buf, sizeof buf, "cus_%08d", i);
		big2.add(buf, static_cast<size_t>(len), static_cast<int128>(rng() % 100000000000ULL) * 1000000000);
	}
	Flat bdst;
	double big_merge = ms_per_call(
		3, [&] { bdst = big; }, [&] { bdst.merge(big2); });
	std::printf("merge of two 1M-key tables sharing 500k keys: %.1f ms (%u keys after, with regrows)\n", big_merge,
				bdst.h()->nkeys);
	return 0;
}
