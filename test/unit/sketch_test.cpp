// Unit tests for the flat-memory DDSketch: error bound, collapse, exact merging, serialization and fuzzing.
#include "core/sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace dexcost;

namespace {

constexpr double kPs[] = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kValues = 200000;

// Raw bits of a double, to compare results bit for bit.
uint64_t bits(double x) {
	uint64_t b;
	std::memcpy(&b, &x, sizeof b);
	return b;
}

// A flat sketch in a vector, grown the way the PostgreSQL binding grows its varlena (alternating palloc +
// sketch_regrow and repalloc + sketch_regrow_in_place, so both paths run).
class TestSketch {
  public:
	explicit TestSketch(double alpha = 0.01, uint32_t max_buckets = kSketchDefaultMaxBuckets)
		: mem_(words(sketch_bytes(0, 0))) {
		EXPECT_EQ(sketch_init(h(), alpha, max_buckets), SketchStatus::kOk);
	}

	// The header and the counts after it.
	SketchHeader *h() { return reinterpret_cast<SketchHeader *>(mem_.data()); }
	const SketchHeader *h() const { return reinterpret_cast<const SketchHeader *>(mem_.data()); }
	uint64_t *counts() { return sketch_counts(h()); }
	const uint64_t *counts() const { return sketch_counts(h()); }
	// sketch_bytes of the current windows.
	size_t bytes() const { return sketch_bytes(h()->pos_len, h()->neg_len); }

	// Adds a value like the binding's transition function: fast path, then collapse or regrow and retry.
	SketchStatus add(double x) {
		for (int attempt = 0; attempt < 200; ++attempt) {
			SketchStatus st = sketch_add(h(), counts(), x);
			if (st != SketchStatus::kNeedsWindow)
				return st;
			SketchWindows w;
			st = sketch_needed_window(h(), counts(), x, &w);
			if (st == SketchStatus::kNeedsCollapse) {
				collapse();
			} else if (st == SketchStatus::kNeedsGrow) {
				regrow(w);
			} else {
				ADD_FAILURE() << "sketch_needed_window said " << sketch_status_text(st) << " after kNeedsWindow";
				return st;
			}
		}
		ADD_FAILURE() << "add did not converge";
		return SketchStatus::kCorrupt;
	}

	// Adds every value, expecting success.
	void add_all(const std::vector<double> &xs) {
		for (double x : xs)
			ASSERT_EQ(add(x), SketchStatus::kOk) << x;
	}

	// Collapses once and shrinks the memory to the new size.
	void collapse() {
		ASSERT_EQ(sketch_collapse(h(), counts()), SketchStatus::kOk);
		mem_.resize(words(bytes()));
	}

	// Moves to new windows, alternating the copying and the in-place regrow.
	void regrow(const SketchWindows &w) {
		size_t new_words = words(sketch_bytes(w.pos_len, w.neg_len));
		if (in_place_) {
			mem_.resize(std::max(mem_.size(), new_words)); // repalloc keeps the bytes
			ASSERT_EQ(sketch_regrow_in_place(h(), counts(), w), SketchStatus::kOk);
			mem_.resize(new_words);
		} else {
			std::vector<uint64_t> fresh(new_words, 0xdeadbeefdeadbeefULL); // palloc'd memory is not zeroed
			SketchHeader *dst = reinterpret_cast<SketchHeader *>(fresh.data());
			ASSERT_EQ(sketch_regrow(h(), counts(), dst, sketch_counts(dst), w), SketchStatus::kOk);
			mem_.swap(fresh);
		}
		in_place_ = !in_place_;
	}

	// percentile_cont estimate, expecting success.
	double quantile(double p) const {
		double out = std::nan("");
		EXPECT_EQ(sketch_quantile(h(), counts(), p, &out), SketchStatus::kOk) << p;
		return out;
	}

	// The serialized form.
	std::vector<uint8_t> serialize() const {
		std::vector<uint8_t> out(sketch_serialized_size(h(), counts()));
		size_t written = 0;
		EXPECT_EQ(sketch_serialize(h(), counts(), out.data(), out.size(), &written), SketchStatus::kOk);
		EXPECT_EQ(written, out.size());
		return out;
	}

	// Builds a sketch from serialized bytes with the two-pass API; the status of the first failing step.
	static SketchStatus deserialize(const std::vector<uint8_t> &in, TestSketch *out) {
		uint32_t pos_len = 0, neg_len = 0;
		SketchStatus st = sketch_deserialized_size(in.data(), in.size(), &pos_len, &neg_len);
		if (st != SketchStatus::kOk)
			return st;
		out->mem_.assign(words(sketch_bytes(pos_len, neg_len)), 0xabababababababab);
		return sketch_deserialize_into(in.data(), in.size(), out->h(), sketch_bytes(pos_len, neg_len));
	}

	// Validates the flat memory as if it came from disk.
	SketchStatus validate() const { return sketch_validate(h(), bytes()); }

	// The raw memory, to corrupt or resize it.
	std::vector<uint64_t> &memory() { return mem_; }

  private:
	// uint64 words holding bytes.
	static size_t words(size_t bytes) { return (bytes + 7) / 8; }
	std::vector<uint64_t> mem_;
	bool in_place_ = false;
};

// Merges src into dst the way the binding's combine function does: plan, collapse, regrow, add.
void merge_into(TestSketch *dst, const TestSketch &src) {
	SketchMergePlan plan;
	ASSERT_EQ(sketch_merge_plan(dst->h(), dst->counts(), src.h(), src.counts(), &plan), SketchStatus::kOk);
	while (dst->h()->collapses < plan.collapses)
		dst->collapse();
	if (plan.regrow)
		dst->regrow(plan.windows);
	ASSERT_EQ(sketch_merge(dst->h(), dst->counts(), src.h(), src.counts()), SketchStatus::kOk);
}

// PostgreSQL's percentile_cont over sorted values (orderedsetaggs.c, float8_lerp).
double percentile_cont(const std::vector<double> &sorted, double p) {
	double position = p * static_cast<double>(sorted.size() - 1);
	double first_row = std::floor(position), second_row = std::ceil(position);
	double first = sorted[static_cast<size_t>(first_row)];
	if (second_row == first_row)
		return first;
	double second = sorted[static_cast<size_t>(second_row)];
	return first + (position - first_row) * (second - first);
}

// Checks every p against the exact percentile_cont: exact at 0 and 1, within alpha relative elsewhere.
// When the two order statistics straddle zero the bound is alpha ((1-f)|lo| + f|hi|) (see sketch_quantile).
double expect_within_bound(const TestSketch &s, std::vector<double> values, double alpha, const std::vector<double> &ps,
						   const char *name) {
	std::sort(values.begin(), values.end());
	double worst = 0;
	for (double p : ps) {
		double exact = percentile_cont(values, p);
		double est = s.quantile(p);
		if (p == 0 || p == 1) {
			EXPECT_EQ(bits(est), bits(exact)) << name << " p=" << p;
			continue;
		}
		double position = p * static_cast<double>(values.size() - 1);
		double f = position - std::floor(position);
		double lo = values[static_cast<size_t>(std::floor(position))],
			   hi = values[static_cast<size_t>(std::ceil(position))];
		double bound = (lo <= 0) == (hi <= 0) || lo == 0 || hi == 0
						   ? alpha * std::fabs(exact)
						   : alpha * ((1 - f) * std::fabs(lo) + f * std::fabs(hi));
		double err = std::fabs(est - exact);
		EXPECT_LE(err, bound) << name << " p=" << p << " exact=" << exact << " est=" << est;
		if (exact != 0)
			worst = std::max(worst, err / std::fabs(exact));
	}
	return worst;
}

// p = 0, 0.001, ..., 1.
std::vector<double> dense_ps() {
	std::vector<double> ps;
	for (int i = 0; i <= 1000; ++i)
		ps.push_back(i / 1000.0);
	return ps;
}

// Lognormal values.
std::vector<double> lognormal(std::mt19937_64 &rng, size_t n, double mu, double sigma) {
	std::lognormal_distribution<double> dist(mu, sigma);
	std::vector<double> xs(n);
	for (double &x : xs)
		x = dist(rng);
	return xs;
}

// 70 % embeddings near e^-9, 25 % chat near e^-5, 5 % agent runs near e^-1.
std::vector<double> multimodal(std::mt19937_64 &rng, size_t n) {
	std::lognormal_distribution<double> emb(-9, 0.3), chat(-5, 0.5), agent(-1, 0.7);
	std::uniform_real_distribution<double> u(0, 1);
	std::vector<double> xs(n);
	for (double &x : xs) {
		double r = u(rng);
		x = r < 0.70 ? emb(rng) : r < 0.95 ? chat(rng) : agent(rng);
	}
	return xs;
}

// Costs, refunds (negative) and free calls (zero).
std::vector<double> mixed_signs(std::mt19937_64 &rng, size_t n) {
	std::lognormal_distribution<double> cost(-5, 1.5), refund(-4, 1);
	std::uniform_real_distribution<double> u(0, 1);
	std::vector<double> xs(n);
	for (double &x : xs) {
		double r = u(rng);
		x = r < 0.75 ? cost(rng) : r < 0.95 ? -refund(rng) : 0.0;
	}
	return xs;
}

// A sketch of the values.
TestSketch sketch_of(const std::vector<double> &xs, double alpha = 0.01,
					 uint32_t max_buckets = kSketchDefaultMaxBuckets) {
	TestSketch s(alpha, max_buckets);
	s.add_all(xs);
	return s;
}

// Serialized bytes without the sum fields (offsets 44..59), which may differ in the last bits between merges.
std::vector<uint8_t> without_sum(std::vector<uint8_t> b) {
	b.erase(b.begin() + 44, b.begin() + 60);
	return b;
}

// Expects two sketches to answer every quantile bit for bit the same, and to be the same sketch but for the sum.
void expect_identical(const TestSketch &a, const TestSketch &b, const char *what) {
	EXPECT_EQ(a.h()->count, b.h()->count) << what;
	EXPECT_EQ(a.h()->collapses, b.h()->collapses) << what;
	EXPECT_EQ(without_sum(a.serialize()), without_sum(b.serialize())) << what;
	for (double p : dense_ps())
		ASSERT_EQ(bits(a.quantile(p)), bits(b.quantile(p))) << what << " p=" << p;
	EXPECT_NEAR(sketch_sum(a.h()), sketch_sum(b.h()), 1e-12 * std::fabs(sketch_sum(a.h()))) << what;
}

// alpha after c uniform collapses.
double collapsed_alpha(double alpha, int c) {
	for (int i = 0; i < c; ++i)
		alpha = 2 * alpha / (1 + alpha * alpha);
	return alpha;
}

// The least level at which keys [lo, hi] (level 0) span at most max_buckets.
int least_level(int64_t lo, int64_t hi, uint32_t max_buckets) {
	for (int c = 0;; ++c) {
		int64_t l = -((-lo) >> c), h = -((-hi) >> c);
		if (h - l + 1 <= static_cast<int64_t>(max_buckets))
			return c;
	}
}

} // namespace

// ---- error bound on realistic and adversarial data ----

TEST(Sketch, LognormalCostsAreWithinAlpha) {
	std::mt19937_64 rng(1);
	std::vector<double> xs = lognormal(rng, kValues, -5, 1.5);
	TestSketch s = sketch_of(xs);
	EXPECT_EQ(s.h()->collapses, 0);
	EXPECT_EQ(s.validate(), SketchStatus::kOk);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	double worst = expect_within_bound(s, xs, 0.01, ps, "lognormal");
	expect_within_bound(s, xs, 0.01, dense_ps(), "lognormal dense");
	std::printf("lognormal: worst relative error %.5f %%, window %u buckets\n", 100 * worst, s.h()->pos_len);
}

TEST(Sketch, MultimodalMixtureIsWithinAlphaInTheGaps) {
	std::mt19937_64 rng(2);
	std::vector<double> xs = multimodal(rng, kValues);
	TestSketch s = sketch_of(xs);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	double worst = expect_within_bound(s, xs, 0.01, ps, "multimodal");
	expect_within_bound(s, xs, 0.01, dense_ps(), "multimodal dense");
	std::printf("multimodal: worst relative error %.5f %%\n", 100 * worst);
}

TEST(Sketch, SortedReverseAndDriftingInputAreWithinAlpha) {
	std::mt19937_64 rng(3);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	std::vector<double> sorted = lognormal(rng, kValues, -5, 1.5);
	std::sort(sorted.begin(), sorted.end());
	expect_within_bound(sketch_of(sorted), sorted, 0.01, ps, "sorted");
	std::vector<double> reverse(sorted.rbegin(), sorted.rend());
	expect_within_bound(sketch_of(reverse), reverse, 0.01, ps, "reverse");
	// Time drift: mu rises from -7 to -3 along the stream, as costs do when agents grow.
	std::vector<double> drift(kValues);
	for (size_t i = 0; i < drift.size(); ++i) {
		std::lognormal_distribution<double> d(-7 + 4.0 * i / drift.size(), 0.5);
		drift[i] = d(rng);
	}
	expect_within_bound(sketch_of(drift), drift, 0.01, ps, "drift");
	expect_within_bound(sketch_of(drift), drift, 0.01, dense_ps(), "drift dense");
}

TEST(Sketch, HeavyTiesAreWithinAlpha) {
	std::mt19937_64 rng(4);
	const double prices[] = {0.0001, 0.00015, 0.002, 0.0025, 0.01, 0.03, 0.03000001, 0.12, 1.5, 15};
	std::discrete_distribution<int> pick({500, 200, 100, 80, 50, 30, 20, 10, 5, 1});
	std::vector<double> xs(kValues);
	for (double &x : xs)
		x = prices[pick(rng)];
	TestSketch s = sketch_of(xs);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	expect_within_bound(s, xs, 0.01, ps, "ties");
	expect_within_bound(s, xs, 0.01, dense_ps(), "ties dense");
	// All equal: every percentile is that value exactly (clamped to min = max).
	std::vector<double> same(kValues, 0.0042);
	TestSketch t = sketch_of(same);
	for (double p : kPs)
		EXPECT_EQ(t.quantile(p), 0.0042);
}

TEST(Sketch, ThirteenDecadesFitWithoutCollapse) {
	std::mt19937_64 rng(5);
	std::uniform_real_distribution<double> exponent(-9, 4);
	std::vector<double> xs(kValues);
	for (double &x : xs)
		x = std::pow(10.0, exponent(rng));
	xs.push_back(1e-9);
	xs.push_back(1e4);
	TestSketch s = sketch_of(xs);
	EXPECT_EQ(s.h()->collapses, 0);
	EXPECT_EQ(sketch_error_bound(s.h()), 0.01);
	int64_t span = sketch_key(s.h(), 1e4) - sketch_key(s.h(), 1e-9) + 1;
	EXPECT_LE(span, 1520); // 1,497 for ln(x) keys; the cubic mapping adds under 1 %
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	expect_within_bound(s, xs, 0.01, ps, "1e-9..1e4");
	expect_within_bound(s, xs, 0.01, dense_ps(), "1e-9..1e4 dense");
	std::printf("1e-9..1e4: %lld buckets\n", static_cast<long long>(span));
}

TEST(Sketch, MixedSignsOrderNegativesZerosPositives) {
	std::mt19937_64 rng(6);
	std::vector<double> xs = mixed_signs(rng, kValues);
	TestSketch s = sketch_of(xs);
	EXPECT_GT(s.h()->neg_len, 0u);
	EXPECT_GT(s.h()->zero_count, 0u);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	expect_within_bound(s, xs, 0.01, ps, "mixed");
	expect_within_bound(s, xs, 0.01, dense_ps(), "mixed dense");
	double prev = -kInf;
	for (double p : dense_ps()) {
		double q = s.quantile(p);
		EXPECT_GE(q, prev) << p;
		prev = q;
	}
}

TEST(Sketch, NegativesOnly) {
	std::mt19937_64 rng(7);
	std::vector<double> xs = lognormal(rng, kValues, -3, 2);
	for (double &x : xs)
		x = -x;
	TestSketch s = sketch_of(xs);
	EXPECT_EQ(s.h()->pos_len, 0u);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	expect_within_bound(s, xs, 0.01, ps, "negatives");
	expect_within_bound(s, xs, 0.01, dense_ps(), "negatives dense");
	EXPECT_LT(s.quantile(0.999), 0);
}

TEST(Sketch, OtherAlphasKeepTheirBound) {
	std::mt19937_64 rng(8);
	std::vector<double> xs = mixed_signs(rng, 50000);
	std::vector<double> ps(std::begin(kPs), std::end(kPs));
	for (double alpha : {0.00001, 0.0001, 0.001, 0.05, 0.2, 0.499999}) {
		TestSketch s = sketch_of(xs, alpha, kSketchMaxMaxBuckets);
		EXPECT_EQ(s.h()->collapses, 0) << alpha;
		expect_within_bound(s, xs, alpha, alpha < 0.001 ? ps : dense_ps(), "alpha"); // dense p: 1001 window scans
	}
}

// ---- the mapping ----

TEST(Sketch, EveryBucketValueIsWithinTheBoundAtItsEdges) {
	// Bisect the bits of positive doubles for the first value of random keys: the values on both sides of
	// each bucket boundary are the worst cases of the bound.
	std::mt19937_64 rng(9);
	for (double alpha : {0.000001, 0.001, 0.01, 0.1, 0.499999}) {
		TestSketch s(alpha);
		for (int c = 0; c <= 6; ++c) {
			double bound = sketch_error_bound(s.h());
			EXPECT_DOUBLE_EQ(bound, collapsed_alpha(alpha, c));
			int64_t lo_key = sketch_key(s.h(), DBL_MIN), hi_key = sketch_key(s.h(), DBL_MAX);
			std::uniform_int_distribution<int64_t> key(lo_key + 1, hi_key);
			double worst = 0;
			for (int i = 0; i < 400; ++i) {
				int64_t k = key(rng);
				uint64_t a = bits(DBL_MIN), b = bits(DBL_MAX); // key(a) < k <= key(b)
				while (b - a > 1) {
					uint64_t m = a + (b - a) / 2;
					double x;
					std::memcpy(&x, &m, sizeof x);
					(sketch_key(s.h(), x) >= k ? b : a) = m;
				}
				double first, last;
				std::memcpy(&first, &b, sizeof first);
				std::memcpy(&last, &a, sizeof last);
				ASSERT_EQ(sketch_key(s.h(), first), k);
				ASSERT_EQ(sketch_key(s.h(), last), k - 1);
				double v = sketch_key_value(s.h(), k), w = sketch_key_value(s.h(), k - 1);
				EXPECT_LE(std::fabs(v - first), bound * first) << alpha << " c=" << c << " k=" << k;
				EXPECT_LE(std::fabs(w - last), bound * last) << alpha << " c=" << c << " k=" << k;
				worst = std::max({worst, std::fabs(v - first) / first, std::fabs(w - last) / last});
			}
			// The buckets are not needlessly narrow: the bound is nearly reached.
			EXPECT_GT(worst, 0.95 * bound) << alpha << " c=" << c;
			sketch_collapse(s.h(), s.counts());
		}
	}
}

TEST(Sketch, KeysAreMonotoneAcrossOctavesAndSubnormals) {
	TestSketch s(0.01);
	std::vector<double> xs = {
		std::numeric_limits<double>::denorm_min(), 1e-320, DBL_MIN, 1e-300, 1e-9, 0.5, 1, 2, 1e300, DBL_MAX};
	for (int e = -1074; e <= 1023; ++e) {
		double x = std::ldexp(1.0, e);
		xs.push_back(x);
		xs.push_back(std::nextafter(x, 0.0));
		xs.push_back(std::nextafter(x, kInf));
		xs.push_back(x * 1.5);
	}
	std::mt19937_64 rng(10);
	std::uniform_int_distribution<uint64_t> any(1, bits(DBL_MAX));
	for (int i = 0; i < 100000; ++i) {
		uint64_t b = any(rng);
		double x;
		std::memcpy(&x, &b, sizeof x);
		xs.push_back(x);
	}
	std::sort(xs.begin(), xs.end());
	xs.erase(std::remove_if(xs.begin(), xs.end(), [](double x) { return !(x > 0) || std::isinf(x); }), xs.end());
	for (size_t i = 1; i < xs.size(); ++i)
		ASSERT_LE(sketch_key(s.h(), xs[i - 1]), sketch_key(s.h(), xs[i])) << xs[i - 1] << " " << xs[i];
	EXPECT_EQ(sketch_key(s.h(), 1.0), 0);
	EXPECT_EQ(sketch_key(s.h(), -3.0), sketch_key(s.h(), 3.0));
	// Every normal value is within the bound of its bucket's value (subnormals lose it once their own
	// precision, 2^-1074 / x, nears alpha).
	for (double x : xs) {
		if (x < DBL_MIN)
			continue;
		ASSERT_LE(std::fabs(sketch_key_value(s.h(), sketch_key(s.h(), x)) - x), 0.01 * x) << x;
	}
}

TEST(Sketch, KeysAreAStableFormat) {
	// Keys are stored on disk: the integer mapping must never change (a change needs a new version).
	// These values were cross-checked against an independent big-integer implementation of the mapping.
	TestSketch s(0.01);
	EXPECT_EQ(s.h()->key_multiplier, 70366466743802ULL);
	EXPECT_EQ(sketch_key(s.h(), 1.0), 0);
	EXPECT_EQ(sketch_key(s.h(), 2.0), 35);
	EXPECT_EQ(sketch_key(s.h(), 0.0067), -252);
	EXPECT_EQ(sketch_key(s.h(), 1e-9), -1046);
	EXPECT_EQ(sketch_key(s.h(), 1e4), 466);
	EXPECT_EQ(sketch_key(s.h(), DBL_MAX), 35839);
	EXPECT_EQ(sketch_key(s.h(), std::numeric_limits<double>::denorm_min()), -37588);
	TestSketch fine(0.000001);
	EXPECT_EQ(sketch_key(fine.h(), DBL_MAX), 358458764);
	EXPECT_EQ(sketch_key(fine.h(), std::numeric_limits<double>::denorm_min()), -375961633);
	EXPECT_EQ(sketch_key(fine.h(), 0.0067), -2528281);
}

// ---- collapse ----

TEST(Sketch, CollapsePairsKeysAndKeepsCounts) {
	std::mt19937_64 rng(11);
	std::vector<double> xs = mixed_signs(rng, 20000);
	TestSketch s = sketch_of(xs);
	TestSketch c = s;
	c.collapse();
	EXPECT_EQ(c.h()->collapses, 1);
	EXPECT_EQ(c.validate(), SketchStatus::kOk);
	EXPECT_EQ(c.h()->count, s.h()->count);
	// Pairs (2j-1, 2j) become j, in both stores: keys k -> ceil(k/2), the key a value gets at level 1.
	for (int store = 0; store < 2; ++store) {
		int32_t off = store ? s.h()->neg_offset : s.h()->pos_offset;
		uint32_t len = store ? s.h()->neg_len : s.h()->pos_len;
		const uint64_t *old = s.counts() + (store ? s.h()->pos_len : 0);
		int32_t coff = store ? c.h()->neg_offset : c.h()->pos_offset;
		uint32_t clen = store ? c.h()->neg_len : c.h()->pos_len;
		const uint64_t *now = c.counts() + (store ? c.h()->pos_len : 0);
		std::vector<uint64_t> expect(clen, 0);
		for (uint32_t i = 0; i < len; ++i) {
			int64_t k = off + static_cast<int64_t>(i);
			int64_t j = k > 0 ? (k + 1) / 2 : -((-k) / 2); // ceil(k / 2)
			ASSERT_GE(j - coff, 0);
			ASSERT_LT(j - coff, clen);
			expect[j - coff] += old[i];
		}
		EXPECT_EQ(std::vector<uint64_t>(now, now + clen), expect) << "store " << store;
	}
	for (double x : xs)
		if (x != 0) {
			int64_t k = sketch_key(s.h(), x);
			ASSERT_EQ(sketch_key(c.h(), x), k > 0 ? (k + 1) / 2 : -((-k) / 2)) << x;
		}
	// Deterministic.
	TestSketch again = s;
	again.collapse();
	EXPECT_EQ(again.memory(), c.memory());
}

TEST(Sketch, BoundedBucketsCollapseToTheLeastLevelAndKeepTheCollapsedBound) {
	std::mt19937_64 rng(12);
	std::uniform_real_distribution<double> exponent(-9, 4);
	std::vector<double> xs(kValues);
	for (double &x : xs)
		x = std::pow(10.0, exponent(rng));
	for (uint32_t max_buckets : {8u, 64u, 200u, 1000u}) {
		TestSketch s = sketch_of(xs, 0.01, max_buckets);
		EXPECT_EQ(s.validate(), SketchStatus::kOk);
		EXPECT_LE(s.h()->pos_len, max_buckets);
		TestSketch level0(0.01);
		double lo = *std::min_element(xs.begin(), xs.end()), hi = *std::max_element(xs.begin(), xs.end());
		int expected = least_level(sketch_key(level0.h(), lo), sketch_key(level0.h(), hi), max_buckets);
		EXPECT_EQ(s.h()->collapses, expected) << max_buckets;
		EXPECT_GT(s.h()->collapses, 0) << max_buckets;
		double bound = sketch_error_bound(s.h());
		EXPECT_DOUBLE_EQ(bound, collapsed_alpha(0.01, s.h()->collapses));
		double worst = expect_within_bound(s, xs, bound, dense_ps(), "collapsed");
		std::printf("max_buckets %u: %d collapses, bound %.4f %%, worst %.4f %%\n", max_buckets, s.h()->collapses,
					100 * bound, 100 * worst);
	}
}

TEST(Sketch, CollapseDecisionIgnoresWindowSlack) {
	// Values that arrive in an order that makes windows grow with slack still collapse exactly when the keys
	// seen stop fitting: the level is that of the key span, whatever the growth history.
	std::mt19937_64 rng(13);
	std::uniform_real_distribution<double> exponent(-6, 0);
	for (int trial = 0; trial < 20; ++trial) {
		std::vector<double> xs(2000);
		for (double &x : xs)
			x = std::pow(10.0, exponent(rng));
		std::sort(xs.begin(), xs.end());
		if (trial % 2)
			std::reverse(xs.begin(), xs.end());
		if (trial % 4 == 3)
			std::shuffle(xs.begin(), xs.end(), rng);
		TestSketch s = sketch_of(xs, 0.01, 100);
		TestSketch level0(0.01);
		auto extremes = std::minmax_element(xs.begin(), xs.end());
		int expected =
			least_level(sketch_key(level0.h(), *extremes.first), sketch_key(level0.h(), *extremes.second), 100);
		EXPECT_EQ(s.h()->collapses, expected) << trial;
	}
}

// ---- merging ----

TEST(Sketch, MergedPartsEqualOneSketchBitForBit) {
	std::mt19937_64 rng(14);
	struct Case {
		const char *name;
		std::vector<double> xs;
		uint32_t max_buckets;
	};
	std::uniform_real_distribution<double> exponent(-9, 4);
	std::vector<double> wide(60000);
	for (double &x : wide)
		x = (rng() % 5 == 0 ? -1 : 1) * std::pow(10.0, exponent(rng));
	// Sorted and cut into contiguous parts, each part fits at a lower level than the union needs.
	std::vector<double> sorted = wide;
	std::sort(sorted.begin(), sorted.end());
	std::vector<Case> cases = {{"lognormal", lognormal(rng, 60000, -5, 1.5), kSketchDefaultMaxBuckets},
							   {"mixed", mixed_signs(rng, 60000), kSketchDefaultMaxBuckets},
							   {"collapsing", wide, 64},
							   {"collapsing hard", wide, 8},
							   {"collapsing sorted", sorted, 200}};
	for (const Case &c : cases) {
		TestSketch whole = sketch_of(c.xs, 0.01, c.max_buckets);
		for (int trial = 0; trial < 12; ++trial) {
			size_t parts = 2 + rng() % 15;
			std::vector<TestSketch> part(parts, TestSketch(0.01, c.max_buckets));
			bool contiguous = trial % 2 || c.xs == sorted;
			size_t cut = c.xs.size() / parts + 1;
			for (size_t i = 0; i < c.xs.size(); ++i)
				ASSERT_EQ(part[contiguous ? i / cut : rng() % parts].add(c.xs[i]), SketchStatus::kOk);
			// Fold in a random order.
			std::vector<size_t> order(parts);
			for (size_t i = 0; i < parts; ++i)
				order[i] = i;
			std::shuffle(order.begin(), order.end(), rng);
			TestSketch folded(0.01, c.max_buckets);
			for (size_t i : order)
				merge_into(&folded, part[i]);
			EXPECT_EQ(folded.validate(), SketchStatus::kOk);
			expect_identical(folded, whole, c.name);
			// A random tree: merge two random sketches until one is left.
			std::vector<TestSketch> pool = part;
			while (pool.size() > 1) {
				size_t a = rng() % pool.size(), b = rng() % (pool.size() - 1);
				if (b >= a)
					++b;
				merge_into(&pool[a], pool[b]);
				pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(b));
			}
			EXPECT_EQ(pool[0].validate(), SketchStatus::kOk);
			expect_identical(pool[0], whole, c.name);
		}
	}
}

TEST(Sketch, MergeHandlesEmptySidesAndCoarserSources) {
	std::mt19937_64 rng(15);
	std::vector<double> xs = mixed_signs(rng, 5000);
	TestSketch full = sketch_of(xs);
	TestSketch into_empty(0.01);
	merge_into(&into_empty, full);
	expect_identical(into_empty, full, "empty destination");
	TestSketch empty_src = full;
	merge_into(&empty_src, TestSketch(0.01));
	expect_identical(empty_src, full, "empty source");
	TestSketch both(0.01);
	merge_into(&both, TestSketch(0.01));
	EXPECT_EQ(both.h()->count, 0u);
	EXPECT_EQ(both.validate(), SketchStatus::kOk);
	// A source more collapsed than the destination: the plan collapses the destination first.
	TestSketch coarse = sketch_of(xs);
	coarse.collapse();
	coarse.collapse();
	TestSketch fine = sketch_of(xs);
	merge_into(&fine, coarse);
	EXPECT_EQ(fine.h()->collapses, 2);
	EXPECT_EQ(fine.h()->count, 2 * xs.size());
	EXPECT_EQ(fine.validate(), SketchStatus::kOk);
	// Without the plan, sketch_merge refuses a finer destination.
	TestSketch raw = sketch_of(xs);
	EXPECT_EQ(sketch_merge(raw.h(), raw.counts(), coarse.h(), coarse.counts()), SketchStatus::kLevelMismatch);
}

TEST(Sketch, MergeRefusesDifferentParameters) {
	TestSketch a = sketch_of({1, 2, 3}, 0.01), b = sketch_of({1, 2, 3}, 0.02), c = sketch_of({1, 2, 3}, 0.01, 1000);
	SketchMergePlan plan;
	EXPECT_EQ(sketch_merge_plan(a.h(), a.counts(), b.h(), b.counts(), &plan), SketchStatus::kIncompatible);
	EXPECT_EQ(sketch_merge(a.h(), a.counts(), b.h(), b.counts()), SketchStatus::kIncompatible);
	EXPECT_EQ(sketch_merge_plan(a.h(), a.counts(), c.h(), c.counts(), &plan), SketchStatus::kIncompatible);
	EXPECT_EQ(sketch_merge(a.h(), a.counts(), c.h(), c.counts()), SketchStatus::kIncompatible);
	// A destination whose windows do not cover the source is refused, not overrun.
	TestSketch d = sketch_of({1e-6}), e = sketch_of({1e6});
	EXPECT_EQ(sketch_merge(d.h(), d.counts(), e.h(), e.counts()), SketchStatus::kBadWindow);
}

// ---- windows ----

TEST(Sketch, RegrowRefusesWindowsThatDropCountsOrExceedMaxBuckets) {
	TestSketch s = sketch_of({0.5, 1, 2, -4});
	SketchWindows w = sketch_windows(s.h());
	std::vector<uint64_t> mem(200);
	SketchHeader *dst = reinterpret_cast<SketchHeader *>(mem.data());
	SketchWindows narrow = w;
	narrow.pos_offset = sketch_key(s.h(), 1.0);
	narrow.pos_len = 1;
	EXPECT_EQ(sketch_regrow(s.h(), s.counts(), dst, sketch_counts(dst), narrow), SketchStatus::kBadWindow);
	EXPECT_EQ(sketch_regrow_in_place(s.h(), s.counts(), narrow), SketchStatus::kBadWindow);
	SketchWindows huge = w;
	huge.neg_len = kSketchDefaultMaxBuckets + 1;
	EXPECT_EQ(sketch_regrow(s.h(), s.counts(), dst, sketch_counts(dst), huge), SketchStatus::kBadWindow);
	SketchWindows wrap = w;
	wrap.pos_offset = std::numeric_limits<int32_t>::max() - 2;
	EXPECT_EQ(sketch_regrow(s.h(), s.counts(), dst, sketch_counts(dst), wrap), SketchStatus::kBadWindow);
}

TEST(Sketch, InPlaceRegrowShrinksAndShiftsWindows) {
	std::mt19937_64 rng(16);
	std::vector<double> xs = mixed_signs(rng, 3000);
	TestSketch s = sketch_of(xs);
	std::vector<uint8_t> before = s.serialize();
	// Trim both windows to their counts, then widen them on both sides, in place.
	std::vector<SketchWindows> ws;
	SketchWindows w = sketch_windows(s.h());
	for (int step = 0; step < 40; ++step) {
		SketchWindows t = w;
		std::vector<uint8_t> b = s.serialize();
		int32_t pos_lo, neg_lo;
		uint32_t pos_len, neg_len;
		std::memcpy(&pos_lo, &b[60], 4);
		std::memcpy(&pos_len, &b[64], 4);
		std::memcpy(&neg_lo, &b[68], 4);
		std::memcpy(&neg_len, &b[72], 4);
		int32_t grow_pos_lo = static_cast<int32_t>(rng() % 7), grow_neg_lo = static_cast<int32_t>(rng() % 7);
		t.pos_offset = pos_lo - grow_pos_lo;
		t.pos_len = pos_len + grow_pos_lo + static_cast<uint32_t>(rng() % 7);
		t.neg_offset = neg_lo - grow_neg_lo;
		t.neg_len = neg_len + grow_neg_lo + static_cast<uint32_t>(rng() % 7);
		size_t words = std::max(s.memory().size(), (sketch_bytes(t.pos_len, t.neg_len) + 7) / 8);
		s.memory().resize(words);
		ASSERT_EQ(sketch_regrow_in_place(s.h(), s.counts(), t), SketchStatus::kOk);
		s.memory().resize((s.bytes() + 7) / 8);
		ASSERT_EQ(s.validate(), SketchStatus::kOk);
		ASSERT_EQ(s.serialize(), before) << step;
	}
}

TEST(Sketch, TrimmedWindowsHoldExactlyTheCounts) {
	std::mt19937_64 rng(23);
	TestSketch s = sketch_of(mixed_signs(rng, 5000));
	std::vector<uint8_t> before = s.serialize();
	SketchWindows w = sketch_trimmed_windows(s.h(), s.counts());
	EXPECT_LE(w.pos_len, s.h()->pos_len);
	// The highest positive bucket holds max; the highest negative key holds |min|.
	EXPECT_EQ(w.pos_offset + static_cast<int64_t>(w.pos_len) - 1, sketch_key(s.h(), s.h()->max));
	EXPECT_EQ(w.neg_offset + static_cast<int64_t>(w.neg_len) - 1, sketch_key(s.h(), s.h()->min));
	s.regrow(w);
	EXPECT_EQ(s.validate(), SketchStatus::kOk);
	EXPECT_NE(s.counts()[0], 0u);
	EXPECT_NE(s.counts()[s.h()->pos_len - 1], 0u);
	EXPECT_NE(s.counts()[s.h()->pos_len], 0u);
	EXPECT_EQ(s.serialize(), before);
	TestSketch empty(0.01);
	SketchWindows none = sketch_trimmed_windows(empty.h(), empty.counts());
	EXPECT_EQ(none.pos_len + none.neg_len, 0u);
	EXPECT_EQ(none.pos_offset, 0);
}

// ---- serialization ----

TEST(Sketch, SerializationRoundTripsBitForBit) {
	std::mt19937_64 rng(17);
	std::vector<TestSketch> sketches;
	sketches.push_back(TestSketch(0.01));
	sketches.push_back(sketch_of({0.0, -0.0}));
	sketches.push_back(sketch_of({42.5}));
	sketches.push_back(sketch_of(lognormal(rng, 50000, -5, 1.5)));
	sketches.push_back(sketch_of(mixed_signs(rng, 50000), 0.001));
	sketches.push_back(sketch_of(mixed_signs(rng, 50000), 0.01, 16));
	for (const TestSketch &s : sketches) {
		std::vector<uint8_t> b = s.serialize();
		ASSERT_GE(b.size(), 76u);
		EXPECT_EQ(b[0], kSketchVersion);
		TestSketch back(0.5 / 2);
		ASSERT_EQ(TestSketch::deserialize(b, &back), SketchStatus::kOk);
		EXPECT_EQ(back.validate(), SketchStatus::kOk);
		EXPECT_EQ(back.serialize(), b);
		EXPECT_EQ(back.h()->collapses, s.h()->collapses);
		EXPECT_EQ(bits(sketch_sum(back.h())), bits(sketch_sum(s.h())));
		if (s.h()->count == 0) {
			double out;
			EXPECT_EQ(sketch_quantile(back.h(), back.counts(), 0.5, &out), SketchStatus::kEmpty);
			continue;
		}
		for (double p : dense_ps())
			ASSERT_EQ(bits(back.quantile(p)), bits(s.quantile(p))) << p;
		// The deserialized sketch keeps growing.
		ASSERT_EQ(back.add(1e3), SketchStatus::kOk);
		EXPECT_EQ(back.validate(), SketchStatus::kOk);
	}
	// Sparse windows stay small: two far-apart values cost a few bytes of zero run.
	EXPECT_LT(sketch_of({1e-6, 1e3}).serialize().size(), 90u);
}

TEST(Sketch, TextFormRoundTrips) {
	std::mt19937_64 rng(18);
	for (size_t n : {0, 1, 2, 3, 100, 5000}) {
		TestSketch s = sketch_of(mixed_signs(rng, n));
		std::vector<uint8_t> b = s.serialize();
		std::string text(sketch_text_size(b.size()), '\0');
		size_t written = 0;
		ASSERT_EQ(sketch_to_text(b.data(), b.size(), &text[0], text.size(), &written), SketchStatus::kOk);
		EXPECT_EQ(written, text.size());
		EXPECT_EQ(text.rfind(kSketchTextPrefix, 0), 0u);
		size_t len = 0;
		ASSERT_EQ(sketch_text_decoded_size(text.data(), text.size(), &len), SketchStatus::kOk);
		std::vector<uint8_t> back(len);
		ASSERT_EQ(sketch_from_text(text.data(), text.size(), back.data(), back.size(), &written), SketchStatus::kOk);
		EXPECT_EQ(back, b);
		EXPECT_EQ(sketch_from_text(text.data(), text.size(), back.data(), back.size() - 1, &written),
				  SketchStatus::kBufferTooSmall);
	}
	size_t len;
	for (const char *bad : {"", "ddsketch", "DDSKETCH:AQID", "ddsketch:AQI", "ddsketch:AQ*D", "ddsketch:AR==",
							"ddsketch:AQJ=", "ddsketch:A===", "ddsketch:====", "ddsketch:AQ=D", "ddsketch: AQID"})
		EXPECT_NE(sketch_text_decoded_size(bad, std::strlen(bad), &len), SketchStatus::kOk) << bad;
	EXPECT_EQ(sketch_text_decoded_size("ddsketch:AQ==", 13, &len), SketchStatus::kOk);
	EXPECT_EQ(len, 1u);
}

TEST(Sketch, DeserializeRefusesEveryTruncationAndBadField) {
	std::mt19937_64 rng(19);
	TestSketch s = sketch_of(mixed_signs(rng, 20000));
	std::vector<uint8_t> b = s.serialize();
	uint32_t p, n;
	for (size_t len = 0; len < b.size(); ++len) {
		std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len)); // exact size for ASan
		ASSERT_NE(sketch_deserialized_size(cut.data(), cut.size(), &p, &n), SketchStatus::kOk) << len;
	}
	std::vector<uint8_t> longer = b;
	longer.push_back(0);
	EXPECT_EQ(sketch_deserialized_size(longer.data(), longer.size(), &p, &n), SketchStatus::kCorrupt);
	// Field by field (offsets of the fixed part).
	auto patched = [&b](size_t at, std::vector<uint8_t> bytes) {
		std::vector<uint8_t> c = b;
		std::copy(bytes.begin(), bytes.end(), c.begin() + static_cast<std::ptrdiff_t>(at));
		return c;
	};
	auto status = [&](const std::vector<uint8_t> &c) { return sketch_deserialized_size(c.data(), c.size(), &p, &n); };
	EXPECT_EQ(status(patched(0, {2})), SketchStatus::kBadVersion);
	EXPECT_EQ(status(patched(0, {0})), SketchStatus::kBadVersion);
	EXPECT_EQ(status(patched(1, {1})), SketchStatus::kCorrupt);                    // flags
	EXPECT_EQ(status(patched(2, {33})), SketchStatus::kCorrupt);                   // collapses
	EXPECT_EQ(status(patched(3, {1})), SketchStatus::kCorrupt);                    // reserved
	EXPECT_EQ(status(patched(4, {0, 0, 0, 0})), SketchStatus::kBadAlpha);          // alpha 0
	EXPECT_EQ(status(patched(4, {0x20, 0xa1, 0x07, 0})), SketchStatus::kBadAlpha); // alpha 0.5
	EXPECT_EQ(status(patched(4, {0x20, 0x4e, 0, 0})), SketchStatus::kCorrupt);     // alpha 0.02: other keys
	EXPECT_EQ(status(patched(8, {7, 0, 0, 0})), SketchStatus::kBadMaxBuckets);
	EXPECT_EQ(status(patched(8, {0x40, 0, 0, 0})), SketchStatus::kCorrupt); // max_buckets 64 < window
	std::vector<uint8_t> more = b;
	++more[12]; // count + 1
	EXPECT_EQ(status(more), SketchStatus::kCorrupt);
	std::vector<uint8_t> zeros = b;
	++zeros[20]; // zero_count + 1
	EXPECT_EQ(status(zeros), SketchStatus::kCorrupt);
	double other_min = -1e3; // far from the lowest bucket
	std::vector<uint8_t> bad_min = b;
	std::memcpy(&bad_min[28], &other_min, 8);
	EXPECT_EQ(status(bad_min), SketchStatus::kCorrupt);
	double nan = std::nan("");
	std::vector<uint8_t> nan_max = b;
	std::memcpy(&nan_max[36], &nan, 8);
	EXPECT_EQ(status(nan_max), SketchStatus::kCorrupt);
	std::vector<uint8_t> shifted = b;
	++shifted[60]; // pos_offset + 1: the extremes no longer fall in the end buckets
	EXPECT_EQ(status(shifted), SketchStatus::kCorrupt);
	EXPECT_EQ(status(patched(64, {0xff, 0xff, 0xff, 0xff})), SketchStatus::kCorrupt); // pos_len
	// Hand-made count encodings on a one-bucket sketch of 3 copies of 1.0.
	TestSketch one = sketch_of({1.0, 1.0, 1.0});
	std::vector<uint8_t> o = one.serialize();
	ASSERT_EQ(o.size(), 77u);
	ASSERT_EQ(o[76], 6);
	auto with_counts = [&o](std::vector<uint8_t> tail, uint32_t pos_len) {
		std::vector<uint8_t> c(76 + tail.size()); // sized once: GCC 12 -O3 misreads insert() (-Warray-bounds)
		std::copy(o.begin(), o.begin() + 76, c.begin());
		std::copy(tail.begin(), tail.end(), c.begin() + 76);
		std::memcpy(&c[64], &pos_len, 4);
		return c;
	};
	EXPECT_EQ(status(with_counts({6}, 1)), SketchStatus::kOk);
	EXPECT_EQ(status(with_counts({0x86, 0x00}, 1)), SketchStatus::kCorrupt); // overlong varint
	EXPECT_EQ(status(with_counts({0}, 1)), SketchStatus::kCorrupt);          // a zero count
	EXPECT_EQ(status(with_counts({1, 6}, 2)), SketchStatus::kCorrupt);       // window starts with zeros
	EXPECT_EQ(status(with_counts({2, 1}, 2)), SketchStatus::kCorrupt);       // window ends with zeros
	EXPECT_EQ(status(with_counts({2, 1, 1, 4}, 4)), SketchStatus::kCorrupt); // two runs in a row
	// A window ending in an empty bucket, even with max claiming that bucket (which the extremes check accepts).
	double in_key_1 = 1.01;
	ASSERT_EQ(sketch_key(one.h(), in_key_1), 1);
	std::vector<uint8_t> empty_end = with_counts({6, 1}, 2);
	std::memcpy(&empty_end[36], &in_key_1, 8);
	EXPECT_EQ(status(empty_end), SketchStatus::kCorrupt);
	EXPECT_EQ(status(with_counts({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 1)),
			  SketchStatus::kCorrupt); // more than 64 bits
	EXPECT_EQ(status(with_counts({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1)), SketchStatus::kTruncated);
	// deserialize_into checks its buffer.
	std::vector<uint64_t> small(20);
	EXPECT_EQ(sketch_deserialize_into(b.data(), b.size(), reinterpret_cast<SketchHeader *>(small.data()), 160),
			  SketchStatus::kBufferTooSmall);
}

TEST(Sketch, RandomCorruptionsAreRefusedOrYieldAValidSketch) {
	std::mt19937_64 rng(20);
	std::vector<std::vector<uint8_t>> seeds = {sketch_of(mixed_signs(rng, 3000)).serialize(),
											   sketch_of(lognormal(rng, 3000, -5, 1.5), 0.01, 16).serialize(),
											   sketch_of({0.0, 1.0, -1.0}).serialize(), TestSketch(0.01).serialize()};
	int accepted = 0, trials = 0;
	for (int trial = 0; trial < 6000; ++trial) {
		std::vector<uint8_t> b = seeds[rng() % seeds.size()];
		int edits = 1 + static_cast<int>(rng() % 4);
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
				b[at] = static_cast<uint8_t>(b[at] + 1 - 2 * static_cast<int>(rng() % 2)); // off by one
			}
		}
		++trials;
		TestSketch s(0.01);
		if (TestSketch::deserialize(b, &s) != SketchStatus::kOk)
			continue;
		++accepted;
		// Accepted: a valid sketch that answers, re-serializes to the same bytes, and keeps working.
		ASSERT_EQ(s.validate(), SketchStatus::kOk);
		ASSERT_EQ(s.serialize(), b);
		if (s.h()->count > 0) {
			for (double p : {0.0, 0.3, 0.5, 0.99, 1.0}) {
				double q = s.quantile(p);
				ASSERT_GE(q, s.h()->min);
				ASSERT_LE(q, s.h()->max);
			}
		}
		if (s.h()->count < kSketchMaxCount) {
			ASSERT_EQ(s.add(0.5), SketchStatus::kOk);
		}
	}
	std::printf("corruptions: %d of %d accepted as valid sketches\n", accepted, trials);
}

TEST(Sketch, ValidateRefusesCorruptFlatMemory) {
	std::mt19937_64 rng(21);
	TestSketch s = sketch_of(mixed_signs(rng, 2000));
	EXPECT_EQ(s.validate(), SketchStatus::kOk);
	EXPECT_EQ(sketch_validate(s.h(), s.bytes() - 8), SketchStatus::kTruncated);
	EXPECT_EQ(sketch_validate(s.h(), s.bytes() + 8), SketchStatus::kCorrupt);
	EXPECT_EQ(sketch_validate(s.h(), 10), SketchStatus::kTruncated);
	int accepted = 0;
	for (int trial = 0; trial < 3000; ++trial) {
		TestSketch c = s;
		uint8_t *raw = reinterpret_cast<uint8_t *>(c.memory().data());
		size_t at = 4 + rng() % (c.bytes() - 4); // bytes 0..3 belong to the binding
		raw[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
		if (sketch_validate(c.h(), c.bytes()) != SketchStatus::kOk)
			continue;
		++accepted; // a flipped count bit that keeps every invariant cannot be detected, but must be harmless
		for (double p : {0.0, 0.5, 1.0})
			ASSERT_TRUE(std::isfinite(c.quantile(p)));
	}
	EXPECT_LT(accepted, 300);
}

// ---- edge cases ----

TEST(Sketch, NanAndInfinityAreRefusedAndChangeNothing) {
	TestSketch s = sketch_of({1, 2, 3});
	std::vector<uint64_t> before = s.memory();
	for (double x : {std::nan(""), -std::nan(""), kInf, -kInf}) {
		EXPECT_EQ(sketch_add(s.h(), s.counts(), x), SketchStatus::kNotFinite);
		SketchWindows w;
		EXPECT_EQ(sketch_needed_window(s.h(), s.counts(), x, &w), SketchStatus::kNotFinite);
		EXPECT_EQ(s.add(x), SketchStatus::kNotFinite);
	}
	EXPECT_EQ(s.memory(), before);
}

TEST(Sketch, EmptySketchReportsEmpty) {
	TestSketch s(0.01);
	double out = 123;
	EXPECT_EQ(sketch_quantile(s.h(), s.counts(), 0.5, &out), SketchStatus::kEmpty);
	EXPECT_EQ(sketch_min(s.h(), &out), SketchStatus::kEmpty);
	EXPECT_EQ(sketch_max(s.h(), &out), SketchStatus::kEmpty);
	EXPECT_EQ(sketch_mean(s.h(), &out), SketchStatus::kEmpty);
	EXPECT_EQ(out, 123);
	EXPECT_EQ(sketch_count(s.h()), 0u);
	EXPECT_EQ(sketch_sum(s.h()), 0.0);
	EXPECT_EQ(sketch_error_bound(s.h()), 0.01);
	EXPECT_EQ(s.validate(), SketchStatus::kOk);
	EXPECT_EQ(s.bytes(), sizeof(SketchHeader));
}

TEST(Sketch, SingleValuesAreExact) {
	for (double x : {0.0067, -12.5, 1e-300, std::numeric_limits<double>::denorm_min(), DBL_MAX, -DBL_MAX, 0.0}) {
		TestSketch s = sketch_of({x});
		for (double p : kPs)
			EXPECT_EQ(s.quantile(p), x) << x << " p=" << p;
		double v;
		ASSERT_EQ(sketch_min(s.h(), &v), SketchStatus::kOk);
		EXPECT_EQ(v, x);
		ASSERT_EQ(sketch_max(s.h(), &v), SketchStatus::kOk);
		EXPECT_EQ(v, x);
		ASSERT_EQ(sketch_mean(s.h(), &v), SketchStatus::kOk);
		EXPECT_EQ(v, x);
		EXPECT_EQ(s.validate(), SketchStatus::kOk);
	}
}

TEST(Sketch, ZerosAndNegativeZero) {
	TestSketch s = sketch_of({0.0, -0.0, 0.0});
	EXPECT_EQ(s.h()->zero_count, 3u);
	EXPECT_EQ(s.h()->pos_len + s.h()->neg_len, 0u);
	for (double p : kPs)
		EXPECT_EQ(bits(s.quantile(p)), bits(0.0)); // -0 is kept as 0: min does not depend on arrival order
	TestSketch t = sketch_of({-0.0, 0.0});
	EXPECT_EQ(bits(t.h()->min), bits(0.0));
	TestSketch u = sketch_of({-1.0, 0.0, 0.0, 0.0, 1.0});
	EXPECT_EQ(u.quantile(0.5), 0.0);
	EXPECT_EQ(u.quantile(0.25), 0.0);
	EXPECT_EQ(u.quantile(0), -1.0);
	EXPECT_EQ(u.quantile(1), 1.0);
}

TEST(Sketch, PercentileOutsideZeroOneIsRefused) {
	TestSketch s = sketch_of({1, 2});
	double out;
	for (double p : {-0.01, 1.01, std::nan(""), kInf})
		EXPECT_EQ(sketch_quantile(s.h(), s.counts(), p, &out), SketchStatus::kBadPercentile) << p;
}

TEST(Sketch, InterpolatesLikePercentileCont) {
	// Four values that each sit in their own bucket: percentile_cont's fraction applies to the estimates.
	TestSketch s = sketch_of({1, 2, 3, 4});
	double two = sketch_key_value(s.h(), sketch_key(s.h(), 2.0)),
		   three = sketch_key_value(s.h(), sketch_key(s.h(), 3.0));
	EXPECT_EQ(s.quantile(0.5), two + 0.5 * (three - two));
	EXPECT_EQ(s.quantile(1.0 / 3), two);
	EXPECT_EQ(s.quantile(0.0), 1.0);
	EXPECT_EQ(s.quantile(1.0), 4.0);
}

TEST(Sketch, InitRefusesBadParameters) {
	SketchHeader h;
	for (double alpha : {0.0, -0.01, 0.5, 0.7, 1.0, 1e-7, 0.0123456, std::nan(""), kInf})
		EXPECT_EQ(sketch_init(&h, alpha), SketchStatus::kBadAlpha) << alpha;
	for (double alpha : {0.000001, 0.01, 0.05, 0.123456, 0.499999})
		EXPECT_EQ(sketch_init(&h, alpha), SketchStatus::kOk) << alpha;
	EXPECT_EQ(sketch_init(&h, 0.01, kSketchMinMaxBuckets - 1), SketchStatus::kBadMaxBuckets);
	EXPECT_EQ(sketch_init(&h, 0.01, kSketchMaxMaxBuckets + 1), SketchStatus::kBadMaxBuckets);
	h.vl_len_ = 0x1234;
	EXPECT_EQ(sketch_init(&h, 0.01), SketchStatus::kOk);
	EXPECT_EQ(h.vl_len_, 0x1234u); // the binding's length word is left alone
	EXPECT_EQ(h.alpha_e6, 10000u);
	EXPECT_EQ(h.max_buckets, kSketchDefaultMaxBuckets);
}

TEST(Sketch, SumMeanAndCountOverflow) {
	std::mt19937_64 rng(22);
	std::vector<double> xs = mixed_signs(rng, 100000);
	TestSketch s = sketch_of(xs);
	long double exact = 0;
	for (double x : xs)
		exact += x;
	EXPECT_NEAR(sketch_sum(s.h()), static_cast<double>(exact), 1e-13 * std::fabs(static_cast<double>(exact)));
	double mean;
	ASSERT_EQ(sketch_mean(s.h(), &mean), SketchStatus::kOk);
	EXPECT_NEAR(mean, static_cast<double>(exact / xs.size()), 1e-13 * std::fabs(mean));
	EXPECT_EQ(sketch_count(s.h()), xs.size());
	s.h()->count = kSketchMaxCount;
	EXPECT_EQ(sketch_add(s.h(), s.counts(), 1.0), SketchStatus::kCountOverflow);
	TestSketch big = sketch_of({1.0});
	big.h()->count = kSketchMaxCount;
	TestSketch one = sketch_of({1.0});
	EXPECT_EQ(sketch_merge(one.h(), one.counts(), big.h(), big.counts()), SketchStatus::kCountOverflow);
}

TEST(Sketch, StatusTextsAreLowerCaseMessages) {
	for (int i = 0; i <= static_cast<int>(SketchStatus::kCorrupt); ++i) {
		const char *text = sketch_status_text(static_cast<SketchStatus>(i));
		ASSERT_NE(std::string(text), "unknown sketch status") << i;
		EXPECT_TRUE(text[0] >= 'a' && text[0] <= 'z') << text;
		EXPECT_NE(text[std::strlen(text) - 1], '.') << text;
	}
}
