// Micro-benchmark of the quantile sketch's hot path against baselines measured in the same run.
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/bench --target sketch_micro && build/bench/sketch_micro [values] [repeats]
//
// Defaults: 10M lognormal(-5, 1.5) values (the cost column of performance.md section 2), 7 repeats,
// alternating the runs so that machine noise hits every variant. The values are generated once, before
// timing. sketch.cpp is compiled with PGXS's optimisation flags (-O2 -fwrapv -fno-strict-aliasing), in
// its own translation unit, so every add is a real call as from the binding.
//   baseline   count + sum + min + max in one loop (what avg/min/max cost without a sketch)
//   ln-dds     a minimal inlined DDSketch add with std::log (the textbook mapping) and the same bookkeeping
//   sketch     sketch_add, with needed_window/regrow when a value falls outside the window (the binding's loop)
//   sort       copy + std::sort: what an exact percentile costs per value
#include "core/sketch.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace dexcost;

namespace {

using Clock = std::chrono::steady_clock;

// Nanoseconds per value of one run of f over xs.
template <class F> double ns_per_value(const std::vector<double> &xs, F &&f) {
	auto t0 = Clock::now();
	f(xs);
	auto t1 = Clock::now();
	return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(xs.size());
}

// The median of some timings.
double median(std::vector<double> v) {
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

volatile double g_sink; // keeps results alive

// count + sum + min + max.
__attribute__((noinline)) void baseline(const std::vector<double> &xs) {
	double sum = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
	uint64_t n = 0;
	for (double x : xs) {
		sum += x;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		++n;
	}
	g_sink = sum + lo + hi + static_cast<double>(n);
}

// A minimal inlined DDSketch with the ln mapping, key = ceil(ln x / ln gamma) into a fixed dense array, and the
// same bookkeeping as sketch_add (count, min, max, Neumaier sum).
__attribute__((noinline)) void ln_dds(const std::vector<double> &xs) {
	static std::vector<uint64_t> counts(8192);
	std::fill(counts.begin(), counts.end(), 0);
	const double inv_log_gamma = 1.0 / std::log((1 + 0.01) / (1 - 0.01));
	double sum = 0, comp = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
	uint64_t n = 0;
	for (double x : xs) {
		int64_t k = static_cast<int64_t>(std::ceil(std::log(x) * inv_log_gamma)) + 4096;
		counts[static_cast<size_t>(std::clamp<int64_t>(k, 0, 8191))]++;
		++n;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		double t = sum + x;
		if (std::isfinite(t))
			comp += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
		sum = t;
	}
	g_sink = static_cast<double>(counts[4096]) + sum + comp + lo + hi + static_cast<double>(n);
}

// The sketch as the binding drives it: a flat state in a growable buffer.
struct Flat {
	std::vector<uint64_t> mem;
	// The header and the counts after it.
	SketchHeader *h() { return reinterpret_cast<SketchHeader *>(mem.data()); }
	uint64_t *counts() { return sketch_counts(h()); }
};

// Adds one value, growing or collapsing as sketch_needed_window says.
inline void flat_add(Flat *s, double x) {
	while (sketch_add(s->h(), s->counts(), x) == SketchStatus::kNeedsWindow) {
		SketchWindows w;
		SketchStatus st = sketch_needed_window(s->h(), s->counts(), x, &w);
		if (st == SketchStatus::kNeedsCollapse) {
			sketch_collapse(s->h(), s->counts());
		} else if (st == SketchStatus::kNeedsGrow) {
			size_t words = (sketch_bytes(w.pos_len, w.neg_len) + 7) / 8;
			s->mem.resize(std::max(s->mem.size(), words)); // repalloc
			sketch_regrow_in_place(s->h(), s->counts(), w);
		} else {
			std::abort();
		}
	}
}

Flat g_last;

// Every value through sketch_add.
__attribute__((noinline)) void sketch(const std::vector<double> &xs) {
	Flat s;
	s.mem.resize((sketch_bytes(0, 0) + 7) / 8);
	sketch_init(s.h(), 0.01);
	for (double x : xs)
		flat_add(&s, x);
	g_last = std::move(s);
}

// Copy and sort, as an exact percentile must.
__attribute__((noinline)) void sort_copy(const std::vector<double> &xs) {
	std::vector<double> c = xs;
	std::sort(c.begin(), c.end());
	g_sink = c[c.size() / 2];
}

} // namespace

// Times every variant, alternating, and prints medians and ratios.
int main(int argc, char **argv) {
	size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
	int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
	std::mt19937_64 rng(42);
	std::lognormal_distribution<double> dist(-5, 1.5);
	std::vector<double> xs(n);
	for (double &x : xs)
		x = dist(rng);

	std::vector<double> t_base, t_ln, t_sketch, t_sort;
	for (int r = 0; r < repeats; ++r) {
		t_base.push_back(ns_per_value(xs, baseline));
		t_sketch.push_back(ns_per_value(xs, sketch));
		t_ln.push_back(ns_per_value(xs, ln_dds));
		if (r < 3)
			t_sort.push_back(ns_per_value(xs, sort_copy));
	}
	double base = median(t_base), sk = median(t_sketch), ln = median(t_ln), so = median(t_sort);
	std::printf("%zu lognormal(-5, 1.5) values, median of %d runs, ns per value\n", n, repeats);
	std::printf("  baseline count+sum+min+max  %6.2f\n", base);
	std::printf("  ln-mapping DDSketch, inline %6.2f\n", ln);
	std::printf("  sketch_add (binding loop)   %6.2f   (min %.2f, max %.2f)\n", sk,
				*std::min_element(t_sketch.begin(), t_sketch.end()),
				*std::max_element(t_sketch.begin(), t_sketch.end()));
	std::printf("  copy + std::sort (exact)    %6.2f\n", so);
	std::printf("ratios: sketch/baseline %.2f, sketch/ln-mapping %.2f, sort/sketch %.1f\n", sk / base, sk / ln,
				so / sk);

	// Answering: percentiles, serialization and merging of the 10M-value sketch.
	Flat &s = g_last;
	const double ps[] = {0.5, 0.95, 0.99};
	auto t0 = Clock::now();
	double q = 0;
	for (int i = 0; i < 1000; ++i)
		for (double p : ps) {
			double out;
			sketch_quantile(s.h(), s.counts(), p, &out);
			q += out;
		}
	auto t1 = Clock::now();
	g_sink = q;
	size_t bytes = sketch_serialized_size(s.h(), s.counts());
	std::vector<uint8_t> ser(bytes);
	size_t written;
	auto t2 = Clock::now();
	for (int i = 0; i < 1000; ++i)
		sketch_serialize(s.h(), s.counts(), ser.data(), ser.size(), &written);
	auto t3 = Clock::now();
	uint32_t pl, nl;
	sketch_deserialized_size(ser.data(), ser.size(), &pl, &nl);
	std::vector<uint64_t> back((sketch_bytes(pl, nl) + 7) / 8);
	auto t4 = Clock::now();
	for (int i = 0; i < 1000; ++i)
		sketch_deserialize_into(ser.data(), ser.size(), reinterpret_cast<SketchHeader *>(back.data()), back.size() * 8);
	auto t5 = Clock::now();
	std::vector<uint64_t> dst_mem = s.mem;
	SketchHeader *dst = reinterpret_cast<SketchHeader *>(dst_mem.data());
	auto t6 = Clock::now();
	for (int i = 0; i < 1000; ++i)
		sketch_merge(dst, sketch_counts(dst), s.h(), s.counts());
	auto t7 = Clock::now();
	auto us = [](Clock::time_point a, Clock::time_point b) {
		return std::chrono::duration<double, std::micro>(b - a).count() / 1000;
	};
	std::printf("state: %u positive buckets, flat %zu bytes, serialized %zu bytes\n", s.h()->pos_len,
				sketch_bytes(s.h()->pos_len, s.h()->neg_len), bytes);
	std::printf("per call, us: 3 percentiles %.2f, serialize %.2f, deserialize (validating) %.2f, merge %.2f\n",
				us(t0, t1), us(t2, t3), us(t4, t5), us(t6, t7));
	return 0;
}
