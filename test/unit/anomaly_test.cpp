// Anomaly detectors on small series: each rule fires just past its boundary and not just before it.
#include "core/anomaly.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

namespace {

using dexcost::AnomalyFinding;
using dexcost::AnomalyKind;
using dexcost::AnomalyPanel;
using dexcost::AnomalyParams;

// A noisy but steady series: base x (1 + small deterministic wiggle).
std::vector<double> steady(int n, double base) {
	std::vector<double> v(n);
	for (int i = 0; i < n; ++i)
		v[i] = base * (1 + 0.05 * ((i * 7919) % 5 - 2) / 2.0);
	return v;
}

// A panel of task types and customers built from plain rows.
struct Fixture {
	int days = 29;
	std::vector<std::vector<double>> cost, runs, retry, customers;
	std::vector<double> type_cost, type_runs, type_retry, customer_cost;
	// Optional series of detectors 7, 10, 12 (when `rates`): per type.
	bool rates = false;
	std::vector<std::vector<double>> calls, prompt, cache_read, validations, regenerations;
	std::vector<double> f_calls, f_prompt, f_cache, f_val, f_regen, f_zero;
	std::vector<AnomalyFinding> run(const AnomalyParams &p = AnomalyParams()) {
		type_cost.clear();
		type_runs.clear();
		type_retry.clear();
		customer_cost.clear();
		for (size_t t = 0; t < cost.size(); ++t) {
			type_cost.insert(type_cost.end(), cost[t].begin(), cost[t].end());
			type_runs.insert(type_runs.end(), runs[t].begin(), runs[t].end());
			type_retry.insert(type_retry.end(), retry[t].begin(), retry[t].end());
		}
		for (auto &c : customers)
			customer_cost.insert(customer_cost.end(), c.begin(), c.end());
		AnomalyPanel panel;
		panel.days = days;
		panel.task_types = static_cast<int>(cost.size());
		panel.customers = static_cast<int>(customers.size());
		panel.type_cost = type_cost.data();
		panel.type_runs = type_runs.data();
		panel.type_retry_cost = type_retry.data();
		panel.customer_cost = customer_cost.data();
		if (rates) {
			auto flat = [](const std::vector<std::vector<double>> &m) {
				std::vector<double> v;
				for (auto &r : m)
					v.insert(v.end(), r.begin(), r.end());
				return v;
			};
			f_calls = flat(calls);
			f_prompt = flat(prompt);
			f_cache = flat(cache_read);
			f_val = flat(validations);
			f_regen = flat(regenerations);
			f_zero.assign(f_calls.size(), 1);
			panel.type_llm_calls = f_calls.data();
			panel.type_prompt_tokens = f_prompt.data();
			panel.type_cache_read_tokens = f_cache.data();
			panel.type_validation_retries = f_val.data();
			panel.type_validation_cost = f_zero.data();
			panel.type_regenerations = f_regen.data();
			panel.type_regeneration_cost = f_zero.data();
		}
		std::vector<AnomalyFinding> out(dexcost::anomaly_capacity(panel));
		out.resize(dexcost::detect_anomalies(panel, p, out.data(), out.size()));
		return out;
	}
	void add_type(double cost_per_day, double runs_per_day, double retry_per_day) {
		cost.push_back(steady(days, cost_per_day));
		runs.push_back(std::vector<double>(days, runs_per_day));
		retry.push_back(steady(days, retry_per_day));
		// 100 llm_calls a day, 100k prompt tokens of which 60% read from the cache, 3% validation
		// retries, 5% regenerations of the runs.
		calls.push_back(std::vector<double>(days, 100));
		prompt.push_back(std::vector<double>(days, 100000));
		cache_read.push_back(steady(days, 60000));
		validations.push_back(std::vector<double>(days, 3));
		regenerations.push_back(std::vector<double>(days, 0.05 * runs_per_day));
	}
};

int count(const std::vector<AnomalyFinding> &v, AnomalyKind k) {
	int n = 0;
	for (auto &f : v)
		n += f.kind == k;
	return n;
}

TEST(AnomalyBaseline, MedianAndMadIgnoreOneOutlier) {
	std::vector<double> h = {10, 11, 9, 10, 1000, 10, 11, 9, 10, 10};
	dexcost::Baseline b = dexcost::robust_baseline(h.data(), nullptr, static_cast<int>(h.size()));
	EXPECT_FALSE(b.seasonal);
	EXPECT_DOUBLE_EQ(b.level, 10);
	EXPECT_DOUBLE_EQ(b.mad, 0.5);
	EXPECT_EQ(b.points, 10);
}

TEST(AnomalyBaseline, WeekdaySeasonalityWithThreeSameWeekdays) {
	// 21 days: every 7th day (same weekday as the observed day 21) costs 100, others 10.
	std::vector<double> h(21, 10);
	for (int i = 0; i < 21; ++i)
		if ((21 - i) % 7 == 0)
			h[i] = 100;
	dexcost::Baseline b = dexcost::robust_baseline(h.data(), nullptr, 21);
	EXPECT_TRUE(b.seasonal);
	EXPECT_DOUBLE_EQ(b.level, 100);
	EXPECT_DOUBLE_EQ(b.mad, 0);
	// Two same weekdays only: not seasonal.
	dexcost::Baseline b2 = dexcost::robust_baseline(h.data() + 7, nullptr, 14);
	EXPECT_FALSE(b2.seasonal);
	EXPECT_DOUBLE_EQ(b2.level, 10);
}

TEST(AnomalyBaseline, AbsentPointsAreLeftOut) {
	std::vector<double> h = {5, 0, 5, 0, 5, 0, 5};
	bool present[] = {true, false, true, false, true, false, true};
	dexcost::Baseline b = dexcost::robust_baseline(h.data(), present, 7);
	EXPECT_EQ(b.points, 4);
	EXPECT_DOUBLE_EQ(b.level, 5);
}

TEST(AnomalyRule, JudgeUpNeedsRatioScoreAndVolume) {
	std::vector<double> h(14, 10);
	dexcost::Baseline b = dexcost::robust_baseline(h.data(), nullptr, 14);
	dexcost::Rule r; // ratio 2, score 3.5, volume 1, floor 10% of level = 1
	EXPECT_TRUE(dexcost::judge_up(20, 20, b, r).fires);
	EXPECT_FALSE(dexcost::judge_up(19.99, 19.99, b, r).fires); // ratio just below 2
	EXPECT_FALSE(dexcost::judge_up(20, 0.5, b, r).fires);      // below the minimum volume
	r.min_score = 10.01;                                       // score of 20 is exactly 10
	EXPECT_FALSE(dexcost::judge_up(20, 20, b, r).fires);
	r.min_score = 10;
	EXPECT_TRUE(dexcost::judge_up(20, 20, b, r).fires);
	// A noisy series: the ratio holds but the score does not.
	std::vector<double> noisy = {2, 18, 3, 17, 10, 1, 19, 4, 16, 10, 2, 18, 3, 17};
	dexcost::Baseline nb = dexcost::robust_baseline(noisy.data(), nullptr, 14);
	dexcost::Rule r2;
	dexcost::Judgement j = dexcost::judge_up(2.2 * nb.level, 30, nb, r2);
	EXPECT_GE(j.ratio, 2);
	EXPECT_LT(j.score, 3.5);
	EXPECT_FALSE(j.fires);
}

TEST(AnomalyRule, RollingMeanOfTheLastSevenDays) {
	std::vector<double> v = {100, 100, 1, 2, 3, 4, 5, 6, 7};
	EXPECT_DOUBLE_EQ(dexcost::rolling_mean_7(v.data(), 9), 4);
	EXPECT_DOUBLE_EQ(dexcost::rolling_mean_7(v.data(), 0), 0);
}

TEST(AnomalyDetectors, CleanHistoryFiresNothing) {
	Fixture f;
	f.add_type(100, 50, 5);
	f.add_type(60, 20, 3);
	f.customers.push_back(steady(f.days, 40));
	EXPECT_TRUE(f.run().empty());
}

TEST(AnomalyDetectors, CustomerDoubled) {
	Fixture f;
	f.add_type(100, 50, 5);
	f.customers.push_back(std::vector<double>(f.days, 40));
	f.customers[0][f.days - 1] = 80; // exactly 2x
	auto out = f.run();
	ASSERT_EQ(count(out, AnomalyKind::kCustomerCostDoubled), 1);
	EXPECT_EQ(out[0].subject, 0);
	EXPECT_DOUBLE_EQ(out[0].ratio, 2);
	EXPECT_DOUBLE_EQ(out[0].excess_cost_usd, 40);
	f.customers[0][f.days - 1] = 79.9;
	EXPECT_EQ(count(f.run(), AnomalyKind::kCustomerCostDoubled), 0);
	// A small customer: doubled, but below the minimum volume.
	f.customers[0] = std::vector<double>(f.days, 0.3);
	f.customers[0][f.days - 1] = 0.9;
	EXPECT_EQ(count(f.run(), AnomalyKind::kCustomerCostDoubled), 0);
}

TEST(AnomalyDetectors, CostPerRunTripled) {
	Fixture f;
	f.add_type(100, 50, 0);
	f.add_type(500, 50, 0); // a large steady type keeps the day's total from spiking
	f.cost[0][f.days - 1] = 300;  // 6 per run against 2: exactly 3x
	auto out = f.run();
	EXPECT_EQ(count(out, AnomalyKind::kCostPerRunUp), 1);
	f.cost[0][f.days - 1] = 299;
	EXPECT_EQ(count(f.run(), AnomalyKind::kCostPerRunUp), 0);
	f.cost[0][f.days - 1] = 300;
	f.runs[0][f.days - 1] = 4; // below min_runs (5): cost 300 over 4 runs
	EXPECT_EQ(count(f.run(), AnomalyKind::kCostPerRunUp), 0);
}

TEST(AnomalyDetectors, DailySpendAgainstRollingAverage) {
	Fixture f;
	f.add_type(100, 50, 0);
	f.cost[0][f.days - 1] = 2 * dexcost::rolling_mean_7(f.cost[0].data(), f.days - 1);
	auto out = f.run();
	EXPECT_EQ(count(out, AnomalyKind::kDailySpendSpike), 1);
	f.cost[0][f.days - 1] *= 0.99;
	EXPECT_EQ(count(f.run(), AnomalyKind::kDailySpendSpike), 0);
}

TEST(AnomalyDetectors, RetryWasteSpike) {
	Fixture f;
	f.add_type(100, 50, 5);
	f.retry[0] = std::vector<double>(f.days, 5);
	f.retry[0][f.days - 1] = 15; // 3x, score (15-5)/max(0, 10% of 100 spend) = 1... too small
	EXPECT_EQ(count(f.run(), AnomalyKind::kRetryWasteSpike), 0);
	f.retry[0][f.days - 1] = 5 + 3.5 * 10; // score exactly 3.5 against the 10-dollar floor
	EXPECT_EQ(count(f.run(), AnomalyKind::kRetryWasteSpike), 1);
	f.retry[0][f.days - 1] = 5 + 3.49 * 10;
	EXPECT_EQ(count(f.run(), AnomalyKind::kRetryWasteSpike), 0);
}

TEST(AnomalyDetectors, UseCaseDominates) {
	Fixture f;
	f.add_type(40, 10, 0);
	f.add_type(60, 10, 0);
	// Type 0 usually ~40%; on the observed day 60 of 110 (54.5%): above half and far off its baseline.
	f.cost[0][f.days - 1] = 60;
	f.cost[1][f.days - 1] = 50;
	EXPECT_EQ(count(f.run(), AnomalyKind::kUseCaseDominates), 1);
	// Type 1 usually ~60% stays above half every day: never fires for it.
	auto out = f.run();
	for (auto &x : out) {
		if (x.kind == AnomalyKind::kUseCaseDominates) {
			EXPECT_EQ(x.subject, 0);
		}
	}
	f.cost[0][f.days - 1] = 50; // exactly half: not more than 50%
	f.cost[1][f.days - 1] = 50;
	EXPECT_EQ(count(f.run(), AnomalyKind::kUseCaseDominates), 0);
}

TEST(AnomalyDetectors, ZeroSpendOnAnActiveTaskType) {
	Fixture f;
	f.add_type(40, 10, 0);
	f.add_type(60, 10, 0);
	f.cost[0][f.days - 1] = 0;
	f.runs[0][f.days - 1] = 0;
	auto out = f.run();
	ASSERT_EQ(count(out, AnomalyKind::kZeroSpend), 1);
	// Active on fewer than 80% of the window days: not "normally active".
	for (int d = 0; d < 6; ++d)
		f.cost[0][d] = 0;
	EXPECT_EQ(count(f.run(), AnomalyKind::kZeroSpend), 0);
	// A type idle on this weekday every week: the seasonal baseline is 0, nothing fires.
	Fixture g;
	g.add_type(40, 10, 0);
	g.add_type(60, 10, 0);
	for (int d = 0; d < g.days; ++d)
		if ((g.days - 1 - d) % 7 == 0)
			g.cost[0][d] = 0;
	EXPECT_EQ(count(g.run(), AnomalyKind::kZeroSpend), 0);
}

TEST(AnomalyDetectors, CacheHitRateDown) {
	Fixture f;
	f.rates = true;
	f.add_type(100, 50, 0);
	EXPECT_TRUE(f.run().empty());
	// Median hit rate about 0.6: a fall of 20% (scale floor 0.01: score about 12) fires, 19% does not.
	dexcost::Baseline b = dexcost::robust_baseline(f.cache_read[0].data(), nullptr, f.days - 1);
	f.cache_read[0][f.days - 1] = 0.7999 * b.level; // 0.8 itself rounds either way
	EXPECT_EQ(count(f.run(), AnomalyKind::kCacheHitRateDown), 1);
	f.cache_read[0][f.days - 1] = 0.81 * b.level;
	EXPECT_EQ(count(f.run(), AnomalyKind::kCacheHitRateDown), 0);
	f.cache_read[0][f.days - 1] = 0;
	f.prompt[0][f.days - 1] = 9999; // below the minimum prompt volume
	EXPECT_EQ(count(f.run(), AnomalyKind::kCacheHitRateDown), 0);
}

TEST(AnomalyDetectors, ValidationRetryRateAboveTenPercent) {
	Fixture f;
	f.rates = true;
	f.add_type(100, 50, 0);
	f.validations[0][f.days - 1] = 10; // 10%: not above
	EXPECT_EQ(count(f.run(), AnomalyKind::kValidationRetryRate), 0);
	f.validations[0][f.days - 1] = 11;
	auto out = f.run();
	ASSERT_EQ(count(out, AnomalyKind::kValidationRetryRate), 1);
	EXPECT_NEAR(out[0].observed, 0.11, 1e-12);
	EXPECT_NEAR(out[0].baseline, 0.03, 1e-12);
	f.calls[0][f.days - 1] = 19; // below min_calls
	f.validations[0][f.days - 1] = 5;
	EXPECT_EQ(count(f.run(), AnomalyKind::kValidationRetryRate), 0);
	// A type always at 12%: above the seeds' line every day, but not an anomaly.
	Fixture g;
	g.rates = true;
	g.add_type(100, 50, 0);
	g.validations[0] = std::vector<double>(g.days, 12);
	EXPECT_EQ(count(g.run(), AnomalyKind::kValidationRetryRate), 0);
}

TEST(AnomalyDetectors, RegenerationRateAboveFifteenPercent) {
	Fixture f;
	f.rates = true;
	f.add_type(100, 40, 0);
	f.regenerations[0][f.days - 1] = 6; // 15% of 40 runs: not above
	EXPECT_EQ(count(f.run(), AnomalyKind::kRegenerationRate), 0);
	f.regenerations[0][f.days - 1] = 7;
	EXPECT_EQ(count(f.run(), AnomalyKind::kRegenerationRate), 1);
}

TEST(AnomalyDetectors, CostP95WeekOverWeek) {
	Fixture f;
	f.add_type(100, 50, 0);
	std::vector<double> p95 = {0.010, 0.0102, 0.0099, 0.013}, calls = {700, 700, 700, 700};
	auto run = [&]() {
		f.type_cost.clear();
		AnomalyPanel panel;
		std::vector<double> cost = f.cost[0], runs = f.runs[0], retry = f.retry[0];
		panel.days = f.days;
		panel.task_types = 1;
		panel.type_cost = cost.data();
		panel.type_runs = runs.data();
		panel.type_retry_cost = retry.data();
		panel.weeks = 4;
		panel.type_week_p95_cost = p95.data();
		panel.type_week_calls = calls.data();
		std::vector<AnomalyFinding> out(dexcost::anomaly_capacity(panel));
		out.resize(dexcost::detect_anomalies(panel, AnomalyParams(), out.data(), out.size()));
		return count(out, AnomalyKind::kCostP95WeekOverWeek);
	};
	p95[3] = 1.3 * p95[2] * 1.0001; // just past 30% over last week
	EXPECT_EQ(run(), 1);
	p95[3] = 1.29 * p95[2];
	EXPECT_EQ(run(), 0);
	p95[3] = 0.02;
	calls[3] = 49; // below the weekly minimum of calls
	EXPECT_EQ(run(), 0);
	calls[3] = 700;
	p95[1] = 0; // no calls two weeks ago: two prior weeks still make a baseline
	calls[1] = 0;
	EXPECT_EQ(run(), 1);
	// The observed day itself must be costly: a later day of the same week does not fire again.
	std::vector<double> day = {0.0128};
	auto with_day = [&]() {
		AnomalyPanel panel;
		std::vector<double> cost = f.cost[0], runs = f.runs[0], retry = f.retry[0];
		panel.days = f.days;
		panel.task_types = 1;
		panel.type_cost = cost.data();
		panel.type_runs = runs.data();
		panel.type_retry_cost = retry.data();
		panel.weeks = 4;
		panel.type_week_p95_cost = p95.data();
		panel.type_week_calls = calls.data();
		panel.type_day_p95_cost = day.data();
		std::vector<AnomalyFinding> out(dexcost::anomaly_capacity(panel));
		out.resize(dexcost::detect_anomalies(panel, AnomalyParams(), out.data(), out.size()));
		return count(out, AnomalyKind::kCostP95WeekOverWeek);
	};
	EXPECT_EQ(with_day(), 0); // 0.0128 < 1.3 x 0.0099 = 0.01287
	day[0] = 0.0129;
	EXPECT_EQ(with_day(), 1);
}

// One task type over 29 days with every optional series of detectors 9, 11 and 13: 100 runs a day
// at 1 USD, 80 accepted, 90 succeeded, 150 llm_calls, p95 prompt 4000 and output 300 tokens,
// calls split 70/30 between two models.
struct TypeSeries {
	int days = 29;
	std::vector<double> cost, runs, retry, accepted, succeeded, calls, prompt, output, p95_prompt, p95_output,
	    model_calls, cache_read, zero;
	double budget = 0;
	TypeSeries() {
		cost = steady(days, 100);
		runs.assign(days, 100);
		retry.assign(days, 0);
		accepted.assign(days, 80);
		succeeded.assign(days, 90);
		calls.assign(days, 150);
		prompt.assign(days, 150 * 3000);
		output.assign(days, 150 * 200);
		p95_prompt = steady(days, 4000);
		p95_output = steady(days, 300);
		cache_read.assign(days, 150 * 1800);
		zero.assign(days, 0);
		model_calls.assign(2 * days, 0);
		for (int d = 0; d < days; ++d) {
			model_calls[d] = 105 + (d % 3) - 1; // model 0: 70% +- 1 call
			model_calls[days + d] = 150 - model_calls[d];
		}
	}
	std::vector<AnomalyFinding> run(const AnomalyParams &p = AnomalyParams()) {
		AnomalyPanel panel;
		panel.days = days;
		panel.task_types = 1;
		panel.type_cost = cost.data();
		panel.type_runs = runs.data();
		panel.type_retry_cost = retry.data();
		panel.type_accepted = accepted.data();
		panel.type_succeeded = succeeded.data();
		panel.type_llm_calls = calls.data();
		panel.type_prompt_tokens = prompt.data();
		panel.type_cache_read_tokens = cache_read.data();
		panel.type_validation_retries = zero.data();
		panel.type_validation_cost = zero.data();
		panel.type_regenerations = zero.data();
		panel.type_regeneration_cost = zero.data();
		panel.type_output_tokens = output.data();
		panel.type_day_p95_prompt = p95_prompt.data();
		panel.type_day_p95_output = p95_output.data();
		panel.type_output_budget = &budget;
		panel.models = 2;
		panel.type_model_calls = model_calls.data();
		std::vector<AnomalyFinding> out(dexcost::anomaly_capacity(panel));
		out.resize(dexcost::detect_anomalies(panel, p, out.data(), out.size()));
		return out;
	}
	const AnomalyFinding *find(const std::vector<AnomalyFinding> &v, AnomalyKind k) {
		for (auto &f : v)
			if (f.kind == k)
				return &f;
		return nullptr;
	}
};

TEST(AnomalyDetectors, TypeSeriesCleanFiresNothing) {
	TypeSeries s;
	s.budget = 200; // p95 300 is 1.5x the budget: under the 2x line
	EXPECT_TRUE(s.run().empty());
}

TEST(AnomalyDetectors, CostPerAcceptedTaskWeekOverWeek) {
	TypeSeries s;
	const int w = s.days - 1;
	// Acceptance collapses on the last two days: the week's cost per accepted task rises.
	auto set = [&](double a) { s.accepted[w] = s.accepted[w - 1] = a; };
	set(20); // week: 5 x 80 + 2 x 20 = 440 accepted against 560: 1.27x
	auto out = s.run();
	ASSERT_EQ(count(out, AnomalyKind::kCostPerAcceptedUp), 1);
	const AnomalyFinding *f = s.find(out, AnomalyKind::kCostPerAcceptedUp);
	EXPECT_NEAR(f->ratio, 560.0 / 440, 0.01);
	EXPECT_GT(f->excess_cost_usd, 0);
	set(28); // 456 accepted: 1.228x, under the 25% line
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 0);
	set(20);
	AnomalyParams p;
	p.accepted_rise = 0.3; // the rise is a parameter
	EXPECT_EQ(count(s.run(p), AnomalyKind::kCostPerAcceptedUp), 0);
	// A matching volume gain excuses it: the week ran 30% more tasks.
	for (int d = w - 6; d <= w; ++d)
		s.runs[d] = 130;
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 0);
	for (int d = w - 6; d <= w; ++d)
		s.runs[d] = 100;
	// So does a matching success-rate gain.
	for (int d = w - 6; d <= w; ++d)
		s.succeeded[d] = 100 * 0.9 * 1.3;
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 0);
	for (int d = w - 6; d <= w; ++d)
		s.succeeded[d] = 90;
	// First crossing only: when the week ending yesterday already crossed, today does not fire again.
	s.accepted[w - 2] = 20; // three bad days: the week ending yesterday is 1.27x too
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 0);
	s.accepted[w - 2] = 80;
	// Nor when the rolling week had crossed within the 6 days before.
	s.accepted[w - 6] = 0;
	s.accepted[w - 7] = 0; // the week ending w - 6 holds these two days without acceptance
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 0);
	s.accepted[w - 6] = s.accepted[w - 7] = 80;
	// Too few accepted tasks in the week.
	for (int d = 0; d < s.days; ++d)
		s.accepted[d] /= 10; // 44 in the week
	p = AnomalyParams();
	p.min_week_accepted = 45;
	EXPECT_EQ(count(s.run(p), AnomalyKind::kCostPerAcceptedUp), 0);
	EXPECT_EQ(count(s.run(), AnomalyKind::kCostPerAcceptedUp), 1);
}

TEST(AnomalyDetectors, OutputTokensOverDisplayBudget) {
	TypeSeries s;
	const int w = s.days - 1;
	s.p95_output[w] = 900;
	EXPECT_EQ(count(s.run(), AnomalyKind::kOutputOverBudget), 0); // no budget set
	s.budget = 450; // 900 is exactly 2x: not over
	EXPECT_EQ(count(s.run(), AnomalyKind::kOutputOverBudget), 0);
	s.budget = 440;
	s.output[w] = 150 * 600;
	auto out = s.run();
	ASSERT_EQ(count(out, AnomalyKind::kOutputOverBudget), 1);
	const AnomalyFinding *f = s.find(out, AnomalyKind::kOutputOverBudget);
	EXPECT_DOUBLE_EQ(f->baseline, 440);
	EXPECT_NEAR(f->ratio, 900.0 / 440, 1e-9);
	// The output above the budget (160 tokens x 150 calls) at the day's mean cost per token.
	EXPECT_NEAR(f->excess_cost_usd, s.cost[w] * 150 * 160 / (150 * 3000 + 150 * 600.0), 1e-9);
	AnomalyParams p;
	p.output_budget_ratio = 2.1;
	EXPECT_EQ(count(s.run(p), AnomalyKind::kOutputOverBudget), 0);
	// Always above the line: a known state, not an anomaly of the day.
	for (int d = 0; d < s.days; ++d)
		s.p95_output[d] = 880 + d % 3;
	s.p95_output[w] = 900;
	EXPECT_EQ(count(s.run(), AnomalyKind::kOutputOverBudget), 0);
}

TEST(AnomalyDetectors, LargePrompts) {
	TypeSeries s;
	const int w = s.days - 1;
	s.p95_prompt[w] = 1.5 * 4000;
	s.prompt[w] = 150 * 4500;
	auto out = s.run();
	ASSERT_EQ(count(out, AnomalyKind::kLargePrompts), 1);
	EXPECT_GT(s.find(out, AnomalyKind::kLargePrompts)->excess_cost_usd, 0);
	s.p95_prompt[w] = 1.45 * 4000;
	EXPECT_EQ(count(s.run(), AnomalyKind::kLargePrompts), 0);
	s.p95_prompt[w] = 8000;
	s.calls[w] = 19; // below min_calls
	EXPECT_EQ(count(s.run(), AnomalyKind::kLargePrompts), 0);
}

TEST(AnomalyDetectors, RouteChange) {
	TypeSeries s;
	const int w = s.days - 1;
	EXPECT_DOUBLE_EQ(dexcost::mix_shift(std::vector<double>{0.7, 0.3}.data(), std::vector<double>{0.4, 0.6}.data(), 2), 0.3);
	// A fifth of the calls move from model 0 to model 1: exactly the line, not above it.
	s.model_calls[w] = 75;
	s.model_calls[s.days + w] = 75;
	EXPECT_EQ(count(s.run(), AnomalyKind::kRouteChange), 0);
	s.model_calls[w] = 70;
	s.model_calls[s.days + w] = 80;
	auto out = s.run();
	ASSERT_EQ(count(out, AnomalyKind::kRouteChange), 1);
	EXPECT_NEAR(s.find(out, AnomalyKind::kRouteChange)->observed, 0.7 - 70.0 / 150, 0.01);
	AnomalyParams p;
	p.route_shift = 0.3;
	EXPECT_EQ(count(s.run(p), AnomalyKind::kRouteChange), 0);
	// Already moved yesterday: the change fired then, not again today.
	s.model_calls[w - 1] = 60;
	s.model_calls[s.days + w - 1] = 90;
	EXPECT_EQ(count(s.run(), AnomalyKind::kRouteChange), 0);
}

TEST(AnomalyNames, EveryKindHasNamesAndAFix) {
	for (AnomalyKind k : {AnomalyKind::kCustomerCostDoubled, AnomalyKind::kCostPerRunUp, AnomalyKind::kRetryWasteSpike,
	                      AnomalyKind::kDailySpendSpike, AnomalyKind::kUseCaseDominates, AnomalyKind::kZeroSpend,
	                      AnomalyKind::kCacheHitRateDown, AnomalyKind::kValidationRetryRate, AnomalyKind::kCostP95WeekOverWeek,
	                      AnomalyKind::kRegenerationRate, AnomalyKind::kCostPerAcceptedUp, AnomalyKind::kOutputOverBudget,
	                      AnomalyKind::kLargePrompts, AnomalyKind::kRouteChange}) {
		EXPECT_NE(std::string(dexcost::anomaly_kind_name(k)), "unknown");
		EXPECT_NE(std::string(dexcost::anomaly_subject_type(k)), "unknown");
		EXPECT_FALSE(std::string(dexcost::anomaly_fix(k)).empty());
	}
	AnomalyFinding f;
	f.share_of_monthly = 0.05;
	EXPECT_STREQ(dexcost::anomaly_severity(f), "high");
	f.share_of_monthly = 0.049;
	EXPECT_STREQ(dexcost::anomaly_severity(f), "medium");
	f.share_of_monthly = 0.001;
	EXPECT_STREQ(dexcost::anomaly_severity(f), "low");
}

} // namespace

namespace {

// Runs the detectors on every observed day of a long Fixture (each day against its 28 days before)
// and counts the findings of kind k: what run_checks, scheduled daily, would store.
int fires_over_days(const Fixture &full, AnomalyKind k, int first_observed) {
	int n = 0;
	for (int o = first_observed; o < full.days; ++o) {
		Fixture g;
		g.days = 29;
		g.rates = full.rates;
		auto slice = [&](const std::vector<std::vector<double>> &from, std::vector<std::vector<double>> *to) {
			to->clear();
			for (auto &row : from)
				to->emplace_back(row.begin() + (o - 28), row.begin() + o + 1);
		};
		slice(full.cost, &g.cost);
		slice(full.runs, &g.runs);
		slice(full.retry, &g.retry);
		slice(full.customers, &g.customers);
		slice(full.calls, &g.calls);
		slice(full.prompt, &g.prompt);
		slice(full.cache_read, &g.cache_read);
		slice(full.validations, &g.validations);
		slice(full.regenerations, &g.regenerations);
		n += count(g.run(), k);
	}
	return n;
}

// A lasting shift from day 40 on (until `until`, then again from `again`) of the customer's cost (3x),
// the type's cost per run (4x), validation retries (20 %), regenerations (30 %) and cache reads (half).
Fixture lasting_shift(int until, int again) {
	Fixture f;
	f.days = 80;
	f.rates = true;
	f.add_type(100, 40, 0);
	f.customers.push_back(steady(f.days, 50));
	for (int d = 40; d < f.days; ++d) {
		if (d > until && d < again)
			continue;
		f.customers[0][d] *= 3;
		f.cost[0][d] *= 4;
		f.validations[0][d] = 20;
		f.regenerations[0][d] = 12;
		f.cache_read[0][d] /= 2;
	}
	return f;
}

const AnomalyKind kShifted[] = {AnomalyKind::kCostPerRunUp,
                                AnomalyKind::kDailySpendSpike,     AnomalyKind::kValidationRetryRate,
                                AnomalyKind::kRegenerationRate,    AnomalyKind::kCacheHitRateDown};

TEST(AnomalyFirstCrossing, LastingShiftFiresOnce) {
	Fixture f = lasting_shift(1000, 1000);
	for (AnomalyKind k : kShifted)
		EXPECT_EQ(fires_over_days(f, k, 28), 1) << dexcost::anomaly_kind_name(k);
	// Nothing but those kinds fires (and nothing before the shift).
	EXPECT_EQ(fires_over_days(f, AnomalyKind::kRetryWasteSpike, 28), 0);
	EXPECT_EQ(fires_over_days(f, AnomalyKind::kZeroSpend, 28), 0);
	// Customer spikes have no first-crossing rule (docs/anomalies.md): the lasting 3x fires until the
	// customer's baseline catches up with it.
	EXPECT_GT(fires_over_days(f, AnomalyKind::kCustomerCostDoubled, 28), 1);
}

TEST(AnomalyFirstCrossing, ShiftBackAfterAQuietWeekFiresAgain) {
	// Shifted on days 40..42, quiet 43..49, shifted again from 50 (a first shift of more than a few
	// days would have lifted the robust baseline: the median breaks down at half the window).
	Fixture f = lasting_shift(42, 50);
	for (AnomalyKind k : kShifted)
		EXPECT_EQ(fires_over_days(f, k, 28), 2) << dexcost::anomaly_kind_name(k);
}

TEST(AnomalyFirstCrossing, LastingSilenceFiresOnce) {
	Fixture f;
	f.days = 60;
	f.add_type(100, 40, 0);
	f.add_type(100, 40, 0);
	for (int d = 40; d < f.days; ++d) {
		f.cost[1][d] = 0;
		f.runs[1][d] = 0;
	}
	EXPECT_EQ(fires_over_days(f, AnomalyKind::kZeroSpend, 28), 1);
	EXPECT_EQ(fires_over_days(f, AnomalyKind::kUseCaseDominates, 28), 1); // type 0 now takes it all
}

// Detector 6 on every observed day of a daily per-call cost level: the weekly p95 of 7 days is their
// highest level (one day holds 1/7 of the week's calls, more than the top 5 %).
int weekly_fires(const std::vector<double> &level) {
	auto week = [&](int end) { return *std::max_element(level.begin() + (end - 6), level.begin() + end + 1); };
	Fixture f;
	f.add_type(100, 50, 0);
	int n = 0;
	for (int o = 27; o < static_cast<int>(level.size()); ++o) {
		std::vector<double> p95 = {week(o - 21), week(o - 14), week(o - 7), week(o)}, calls(4, 700), day = {level[o]},
		                    lag(14, 0);
		for (int k = 1; k <= 13; ++k)
			lag[k] = week(o - k);
		AnomalyPanel panel;
		panel.days = f.days;
		panel.task_types = 1;
		panel.type_cost = f.cost[0].data();
		panel.type_runs = f.runs[0].data();
		panel.type_retry_cost = f.retry[0].data();
		panel.weeks = 4;
		panel.type_week_p95_cost = p95.data();
		panel.type_week_calls = calls.data();
		panel.type_day_p95_cost = day.data();
		panel.type_lag_week_p95_cost = lag.data();
		std::vector<AnomalyFinding> out(dexcost::anomaly_capacity(panel));
		out.resize(dexcost::detect_anomalies(panel, AnomalyParams(), out.data(), out.size()));
		n += count(out, AnomalyKind::kCostP95WeekOverWeek);
	}
	return n;
}

TEST(AnomalyFirstCrossing, WeeklyP95LastingDriftFiresOnce) {
	std::vector<double> level = steady(70, 0.01);
	for (int d = 35; d < 70; ++d)
		level[d] *= 2.5;
	EXPECT_EQ(weekly_fires(level), 1);
	// It ends on day 40 and comes back on day 55, once the week it is compared with is clean again
	// (a week holding one costly day has a costly p95, so week over week sees nothing before).
	for (int d = 41; d < 55; ++d)
		level[d] /= 2.5;
	EXPECT_EQ(weekly_fires(level), 2);
	// One costly day fires once, not on the 6 days its week still holds it.
	level = steady(70, 0.01);
	level[40] *= 2.5;
	EXPECT_EQ(weekly_fires(level), 1);
}

} // namespace
