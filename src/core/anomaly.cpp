// Cost anomaly detectors (see anomaly.hpp for the method).
#include "core/anomaly.hpp"

#include "core/interrupt.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/rolling_mean.hpp>
#include <boost/accumulators/statistics/stats.hpp>

namespace dexcost {

namespace {

constexpr double kMadToSigma = 1.4826; // MAD of a normal distribution x this = its standard deviation

// Exact median of v (reorders it); 0 when empty.
double median(std::vector<double> &v) {
	if (v.empty())
		return 0;
	size_t mid = v.size() / 2;
	std::nth_element(v.begin(), v.begin() + mid, v.end());
	double hi = v[mid];
	if (v.size() % 2 == 1)
		return hi;
	double lo = *std::max_element(v.begin(), v.begin() + mid);
	return (lo + hi) / 2;
}

bool is_present(const bool *present, int i) { return present == nullptr || present[i]; }

} // namespace

// Median and MAD of the window; seasonal (same weekday as the observed day) when >= 3 such points.
Baseline robust_baseline(const double *history, const bool *present, int n) {
	Baseline b;
	std::vector<double> all, same;
	for (int i = 0; i < n; ++i) {
		if (!is_present(present, i))
			continue;
		all.push_back(history[i]);
		if ((n - i) % 7 == 0)
			same.push_back(history[i]);
		b.active += history[i] > 0;
	}
	b.points = static_cast<int>(all.size());
	if (all.empty())
		return b;
	std::vector<double> dev;
	if (same.size() >= 3) {
		b.seasonal = true;
		b.level = median(same);
		// Residuals around each weekday's own median, so the weekly rhythm is not counted as noise.
		for (int wd = 0; wd < 7; ++wd) {
			std::vector<double> group;
			for (int i = 0; i < n; ++i)
				if (is_present(present, i) && (n - i) % 7 == wd)
					group.push_back(history[i]);
			std::vector<double> copy = group;
			double m = median(copy);
			for (double x : group)
				dev.push_back(std::fabs(x - m));
		}
	} else {
		std::vector<double> copy = all;
		b.level = median(copy);
		for (double x : all)
			dev.push_back(std::fabs(x - b.level));
	}
	b.mad = median(dev);
	return b;
}

double robust_scale(const Baseline &b, const Rule &r) {
	return std::max({kMadToSigma * b.mad, r.floor_abs, r.floor_rel * std::fabs(b.level)});
}

Judgement judge_up(double observed, double volume, const Baseline &b, const Rule &r) {
	Judgement j;
	j.score = (observed - b.level) / robust_scale(b, r);
	j.ratio = b.level > 0 ? observed / b.level : 0;
	j.fires = volume >= r.min_volume && b.points >= r.min_points && b.level > 0 && j.ratio >= r.min_ratio &&
	          j.score >= r.min_score;
	return j;
}

Judgement judge_rate(double rate, double volume, const Baseline &b, double limit, const Rule &r) {
	Judgement j;
	j.score = (rate - b.level) / robust_scale(b, r);
	j.ratio = b.level > 0 ? rate / b.level : 0;
	j.fires = volume >= r.min_volume && b.points >= r.min_points && rate > limit && j.score >= r.min_score;
	return j;
}

Judgement judge_down(double observed, double volume, const Baseline &b, double drop, const Rule &r) {
	Judgement j;
	j.score = (b.level - observed) / robust_scale(b, r);
	j.ratio = b.level > 0 ? observed / b.level : 0;
	j.fires = volume >= r.min_volume && b.points >= r.min_points && b.level > 0 && observed <= (1 - drop) * b.level &&
	          j.score >= r.min_score;
	return j;
}

double rolling_mean_7(const double *series, int n) {
	using namespace boost::accumulators;
	accumulator_set<double, stats<tag::rolling_mean>> acc(tag::rolling_window::window_size = 7);
	for (int i = 0; i < n; ++i)
		acc(series[i]);
	return n > 0 ? rolling_mean(acc) : 0;
}

size_t anomaly_capacity(const AnomalyPanel &p) {
	return 2 + 12 * static_cast<size_t>(p.task_types) + static_cast<size_t>(p.customers);
}

double week_sum(const double *series, int end) {
	double s = 0;
	for (int d = end - 6; d <= end; ++d)
		s += series[d];
	return s;
}

double mix_shift(const double *day_shares, const double *usual_shares, int models) {
	double s = 0;
	for (int m = 0; m < models; ++m)
		s += std::fabs(day_shares[m] - usual_shares[m]);
	return s / 2;
}

namespace {

// Collects findings and fills in the shares once the 30-day spend is known.
struct Collector {
	AnomalyFinding *out;
	size_t capacity;
	size_t n = 0;
	void add(AnomalyKind kind, int subject, const Baseline &b, double baseline, double observed, const Judgement &j,
	         double excess) {
		if (n >= capacity)
			return;
		AnomalyFinding &f = out[n++];
		f.kind = kind;
		f.subject = subject;
		f.baseline = baseline;
		f.observed = observed;
		f.ratio = j.ratio;
		f.score = j.score;
		f.excess_cost_usd = excess;
		f.baseline_points = b.points;
		f.seasonal = b.seasonal;
	}
};

// Detectors 3 and 4: the whole day's spend and retry waste.
void detect_day(const std::vector<double> &total, const std::vector<double> &retry, int w, const AnomalyParams &p,
                Collector &c) {
	Rule rule;
	rule.min_ratio = p.spike_ratio;
	rule.min_score = p.min_score;
	rule.min_volume = p.min_cost_usd;
	// 4: the seeds' rule against the rolling 7-day mean, and the robust score as the second condition.
	Baseline b = robust_baseline(total.data(), nullptr, w);
	double mean7 = rolling_mean_7(total.data(), w);
	Judgement j = judge_up(total[w], total[w], b, rule);
	j.ratio = mean7 > 0 ? total[w] / mean7 : 0;
	if (total[w] >= rule.min_volume && b.points >= rule.min_points && mean7 > 0 && j.ratio >= p.spike_ratio &&
	    j.score >= p.min_score)
		c.add(AnomalyKind::kDailySpendSpike, -1, b, mean7, total[w], j, total[w] - mean7);
	// 3: retry waste against its own baseline (a floor of 10% of the usual spend keeps a day of two
	// retries after weeks of none from firing).
	Baseline r = robust_baseline(retry.data(), nullptr, w);
	Rule rr = rule;
	rr.floor_abs = std::max(rule.floor_abs, 0.1 * b.level);
	Judgement jr = judge_up(retry[w], retry[w], r, rr);
	if (r.level <= 0 && retry[w] >= rule.min_volume && b.points >= rule.min_points && jr.score >= p.min_score) {
		jr.fires = true; // waste from nothing: the ratio is unbounded
	}
	if (jr.fires)
		c.add(AnomalyKind::kRetryWasteSpike, -1, r, r.level, retry[w], jr, retry[w] - r.level);
}

// The series num / den of one task type, present where den > 0.
void rate_series(const double *num, const double *den, int days, std::vector<double> *rate, std::unique_ptr<bool[]> *present) {
	rate->assign(days, 0);
	present->reset(new bool[days]());
	for (int d = 0; d < days; ++d)
		if (den[d] > 0) {
			(*rate)[d] = num[d] / den[d];
			(*present)[d] = true;
		}
}

// Detectors 7, 10 and 12 for one task type.
void detect_type_rates(const AnomalyPanel &panel, int t, int w, bool today, const double *per_run, const bool *has_runs,
                       const AnomalyParams &p, Collector &c) {
	const int days = panel.days;
	const size_t row = static_cast<size_t>(t) * days;
	std::vector<double> rate;
	std::unique_ptr<bool[]> present;
	Rule rule;
	rule.min_score = p.min_score;
	rule.floor_abs = 0.01; // one percentage point
	rule.floor_rel = 0;
	// 7: cache hit rate = cache read / prompt tokens.
	rate_series(panel.type_cache_read_tokens + row, panel.type_prompt_tokens + row, days, &rate, &present);
	{
		Rule r7 = rule;
		r7.min_volume = p.min_prompt_tokens;
		Baseline b = robust_baseline(rate.data(), present.get(), w);
		Judgement j = judge_down(rate[w], panel.type_prompt_tokens[row + w], b, p.cache_drop, r7);
		// First crossing: quiet when the day before was already down by cache_drop from this baseline.
		if (j.fires && !(today && present[w - 1] && rate[w - 1] <= (1 - p.cache_drop) * b.level)) {
			// The cost per run above usual that day (what the lost cache reads cost, roughly).
			Baseline pr = robust_baseline(per_run, has_runs, w);
			const double runs = panel.type_runs[row + w];
			double excess = runs > 0 ? std::max(0.0, (per_run[w] - pr.level) * runs) : 0;
			c.add(AnomalyKind::kCacheHitRateDown, t, b, b.level, rate[w], j, excess);
		}
	}
	// 10: validation retries per llm_call; 12: user regenerations per run.
	struct RateRule {
		AnomalyKind kind;
		const double *num, *den, *cost;
		double limit;
	} rules[] = {{AnomalyKind::kValidationRetryRate, panel.type_validation_retries + row, panel.type_llm_calls + row,
	              panel.type_validation_cost + row, p.validation_rate},
	             {AnomalyKind::kRegenerationRate, panel.type_regenerations + row, panel.type_runs + row,
	              panel.type_regeneration_cost + row, p.regeneration_rate}};
	for (const RateRule &rr : rules) {
		rate_series(rr.num, rr.den, days, &rate, &present);
		Rule r = rule;
		r.min_volume = p.min_calls;
		Baseline b = robust_baseline(rate.data(), present.get(), w);
		Judgement j = judge_rate(rate[w], rr.den[w], b, rr.limit, r);
		// First crossing: quiet when the day before was already above the line.
		if (j.fires && !(today && present[w - 1] && rate[w - 1] > rr.limit)) {
			// The share of the day's retry cost above the usual rate.
			double excess = rate[w] > 0 ? rr.cost[w] * std::max(0.0, rate[w] - b.level) / rate[w] : 0;
			c.add(rr.kind, t, b, b.level, rate[w], j, excess);
		}
	}
}

// Detector 6's first crossing: whether the rolling week ending one of the 6 days before the observed
// day was already >= line x the 7 days before it (a lasting drift, or one costly day, stays in the
// rolling week for 7 days). Without the lagged p95s (nullptr), nothing is known: false.
bool weekly_crossed_before(const AnomalyPanel &panel, int t, double line) {
	if (panel.type_lag_week_p95_cost == nullptr)
		return false;
	const double *lag = panel.type_lag_week_p95_cost + static_cast<size_t>(t) * 14;
	for (int k = 1; k <= 6; ++k)
		if (lag[k] > 0 && lag[k + 7] > 0 && lag[k] >= line * lag[k + 7])
			return true;
	return false;
}

// Detector 6 for one task type: the observed week's p95 cost per call against the week before
// (the seeds' rule) and against the median of the earlier weeks (score; 5% floor, as weekly p95s
// of a steady workflow move little and there are only a few of them).
void detect_type_weekly(const AnomalyPanel &panel, int t, const AnomalyParams &p, Collector &c) {
	const int weeks = panel.weeks, ow = weeks - 1;
	if (weeks < 3)
		return;
	const double *p95 = panel.type_week_p95_cost + static_cast<size_t>(t) * weeks;
	const double *calls = panel.type_week_calls + static_cast<size_t>(t) * weeks;
	std::unique_ptr<bool[]> present(new bool[weeks]());
	for (int k = 0; k < weeks; ++k)
		present[k] = calls[k] > 0 && p95[k] > 0;
	if (!present[ow] || !present[ow - 1])
		return;
	Rule rule;
	rule.min_score = p.min_score;
	rule.min_ratio = 1 + p.p95_rise;
	rule.min_volume = p.min_week_calls;
	rule.min_points = 2;
	rule.floor_abs = 1e-9;
	rule.floor_rel = 0.05;
	// Weeks are not weekdays: the baseline is never seasonal (robust_baseline would look for points 7 apart).
	std::vector<double> prior;
	for (int k = 0; k < ow; ++k)
		if (present[k])
			prior.push_back(p95[k]);
	Baseline b = robust_baseline(prior.data(), nullptr, static_cast<int>(prior.size()));
	Judgement j;
	j.score = (p95[ow] - b.level) / robust_scale(b, rule);
	j.ratio = p95[ow] / p95[ow - 1];
	// The observed day must itself be costly, or every day of a week holding one bad day would fire.
	const bool day_costly = panel.type_day_p95_cost == nullptr || panel.type_day_p95_cost[t] >= rule.min_ratio * p95[ow - 1];
	if (calls[ow] >= rule.min_volume && b.points >= rule.min_points && j.ratio >= rule.min_ratio &&
	    j.score >= rule.min_score && day_costly && !weekly_crossed_before(panel, t, rule.min_ratio)) {
		// The week's calls at the rise of the mean cost per call over the week before.
		double excess = 0;
		if (panel.type_week_cost != nullptr) {
			const double *cost = panel.type_week_cost + static_cast<size_t>(t) * weeks;
			excess = std::max(0.0, (cost[ow] / calls[ow] - cost[ow - 1] / calls[ow - 1]) * calls[ow]);
		}
		c.add(AnomalyKind::kCostP95WeekOverWeek, t, b, p95[ow - 1], p95[ow], j, excess);
	}
}

// Detector 9 for one task type: cost per accepted task of the 7 days ending with day `end` against
// the 7 days before. Returns the ratio (0 without accepted tasks in either week); *excused when the
// task volume or the success rate rose at least as much (the seeds: "without matching task volume
// or success-rate gain").
double accepted_cost_ratio(const double *cost, const double *tasks, const double *accepted, const double *succeeded,
                           int end, bool *excused) {
	*excused = false;
	const double a1 = week_sum(accepted, end), a0 = week_sum(accepted, end - 7);
	const double c1 = week_sum(cost, end), c0 = week_sum(cost, end - 7);
	if (a1 <= 0 || a0 <= 0 || c0 <= 0)
		return 0;
	const double ratio = (c1 / a1) / (c0 / a0);
	const double t1 = week_sum(tasks, end), t0 = week_sum(tasks, end - 7);
	const double s1 = week_sum(succeeded, end), s0 = week_sum(succeeded, end - 7);
	const double volume = t0 > 0 ? t1 / t0 : 0;
	const double success = t0 > 0 && t1 > 0 && s0 > 0 ? (s1 / t1) / (s0 / t0) : 0;
	*excused = volume >= ratio || success >= ratio;
	return ratio;
}

// Detector 9: fires on the first day the rolling week crosses the seeds' line, not when the week
// ending one of the 6 days before had crossed it already (so one costly day, or a lasting rise,
// fires once, not on every day of the week that still holds it), with a score against the earlier weeks' cost
// per accepted task (5% floor, as in detector 6).
void detect_type_accepted(const AnomalyPanel &panel, int t, const AnomalyParams &p, Collector &c) {
	const int days = panel.days, w = days - 1;
	if (w < 13)
		return; // two full weeks are needed
	const size_t row = static_cast<size_t>(t) * days;
	const double *cost = panel.type_cost + row, *tasks = panel.type_runs + row;
	const double *accepted = panel.type_accepted + row, *succeeded = panel.type_succeeded + row;
	const double line = 1 + p.accepted_rise;
	bool excused = false;
	const double ratio = accepted_cost_ratio(cost, tasks, accepted, succeeded, w, &excused);
	if (ratio < line || excused || week_sum(accepted, w) < p.min_week_accepted || week_sum(cost, w) < p.min_cost_usd)
		return;
	// Crossed on one of the 6 days before (excused or not): the same costly days are still in the week.
	for (int end = w - 1; end >= std::max(13, w - 6); --end) {
		bool excused_before = false;
		if (accepted_cost_ratio(cost, tasks, accepted, succeeded, end, &excused_before) >= line)
			return;
	}
	std::vector<double> prior; // cost per accepted task of the earlier whole weeks
	for (int end = w - 7; end >= 6; end -= 7) {
		const double a = week_sum(accepted, end);
		if (a > 0)
			prior.push_back(week_sum(cost, end) / a);
	}
	Rule rule;
	rule.min_points = 2;
	rule.floor_abs = 1e-9;
	rule.floor_rel = 0.05;
	Baseline b = robust_baseline(prior.data(), nullptr, static_cast<int>(prior.size()));
	const double a1 = week_sum(accepted, w), observed = week_sum(cost, w) / a1;
	const double last = week_sum(cost, w - 7) / week_sum(accepted, w - 7);
	Judgement j;
	j.ratio = ratio;
	j.score = (observed - b.level) / robust_scale(b, rule);
	if (b.points >= rule.min_points && j.score >= p.min_score)
		c.add(AnomalyKind::kCostPerAcceptedUp, t, b, last, observed, j, (observed - last) * a1);
}

// Detectors 11 and 13 (large prompts) for one task type: the day's p95 output and prompt tokens per
// llm_call from the merged sketches, against the display budget and the robust baseline.
void detect_type_tokens(const AnomalyPanel &panel, int t, int w, bool today, const AnomalyParams &p, Collector &c) {
	const int days = panel.days;
	const size_t row = static_cast<size_t>(t) * days;
	const double *calls = panel.type_llm_calls + row, *cost = panel.type_cost + row;
	const double *prompt = panel.type_prompt_tokens + row, *output = panel.type_output_tokens + row;
	const double tokens = prompt[w] + output[w];
	std::vector<double> series(days, 0);
	std::unique_ptr<bool[]> present(new bool[days]());
	auto load = [&](const double *p95) {
		for (int d = 0; d < days; ++d) {
			present[d] = calls[d] > 0 && p95[d] > 0;
			series[d] = p95[d];
		}
	};
	// 11: p95 output tokens over output_budget_ratio x the display budget (a rate rule: a task type
	// always above the line is a known state, and its budget or cap needs a look, not an alert a day).
	const double budget = panel.type_output_budget ? panel.type_output_budget[t] : 0;
	if (budget > 0) {
		load(panel.type_day_p95_output + row);
		Rule rule;
		rule.min_score = p.min_score;
		rule.min_volume = p.min_calls;
		rule.floor_abs = 1; // one token
		rule.floor_rel = 0.1;
		Baseline b = robust_baseline(series.data(), present.get(), w);
		const double limit = p.output_budget_ratio * budget;
		Judgement j = judge_rate(series[w], calls[w], b, limit, rule);
		// First crossing: quiet when the day before was already above the line.
		if (j.fires && cost[w] >= p.min_cost_usd && !(today && present[w - 1] && series[w - 1] > limit)) {
			j.ratio = series[w] / budget;
			// The output tokens beyond the budget at the day's mean cost per token.
			double excess = tokens > 0 ? cost[w] * std::max(0.0, output[w] - calls[w] * budget) / tokens : 0;
			c.add(AnomalyKind::kOutputOverBudget, t, b, budget, series[w], j, excess);
		}
	}
	// 13: p95 prompt tokens per call far above the baseline.
	load(panel.type_day_p95_prompt + row);
	Rule rule;
	rule.min_ratio = p.prompt_ratio;
	rule.min_score = p.min_score;
	rule.min_volume = p.min_calls;
	rule.floor_abs = 1;
	Baseline b = robust_baseline(series.data(), present.get(), w);
	Judgement j = judge_up(series[w], calls[w], b, rule);
	// First crossing: quiet when the day before was already prompt_ratio x this baseline.
	if (j.fires && cost[w] >= p.min_cost_usd && !(today && present[w - 1] && series[w - 1] >= p.prompt_ratio * b.level)) {
		// The prompt tokens above the usual mean prompt per call, at the day's mean cost per token.
		std::vector<double> mean(days, 0);
		for (int d = 0; d < days; ++d)
			mean[d] = calls[d] > 0 ? prompt[d] / calls[d] : 0;
		Baseline m = robust_baseline(mean.data(), present.get(), w);
		double excess = tokens > 0 ? cost[w] * std::max(0.0, prompt[w] - calls[w] * m.level) / tokens : 0;
		c.add(AnomalyKind::kLargePrompts, t, b, b.level, series[w], j, excess);
	}
}

// Detector 13 (route changes) for one task type: the share of the day's calls that left the usual
// model mix (usual share of a model: its median daily share over the window, renormalised), against
// the same distance for the window's days; fires on the first day it crosses route_shift.
void detect_type_route(const AnomalyPanel &panel, int t, const AnomalyParams &p, Collector &c) {
	const int days = panel.days, w = days - 1, nm = panel.models;
	if (nm < 2)
		return;
	const double *mc = panel.type_model_calls + static_cast<size_t>(t) * nm * days; // [model][day]
	std::vector<double> total(days, 0), shares(static_cast<size_t>(days) * nm, 0), usual(nm, 0), day(nm, 0);
	for (int m = 0; m < nm; ++m)
		for (int d = 0; d < days; ++d)
			total[d] += mc[static_cast<size_t>(m) * days + d];
	if (total[w] < p.min_calls)
		return;
	std::unique_ptr<bool[]> present(new bool[days]());
	for (int d = 0; d < days; ++d)
		present[d] = total[d] > 0;
	double sum = 0;
	std::vector<double> v;
	for (int m = 0; m < nm; ++m) {
		v.clear();
		for (int d = 0; d < w; ++d)
			if (present[d])
				v.push_back(mc[static_cast<size_t>(m) * days + d] / total[d]);
		usual[m] = median(v);
		sum += usual[m];
	}
	if (sum <= 0)
		return;
	for (double &u : usual)
		u /= sum;
	std::vector<double> shift(days, 0);
	for (int d = 0; d < days; ++d) {
		if (!present[d])
			continue;
		for (int m = 0; m < nm; ++m)
			day[m] = mc[static_cast<size_t>(m) * days + d] / total[d];
		shift[d] = mix_shift(day.data(), usual.data(), nm);
	}
	Rule rule;
	rule.min_score = p.min_score;
	rule.min_volume = p.min_calls;
	rule.floor_abs = 0.02; // two share points
	rule.floor_rel = 0;
	Baseline b = robust_baseline(shift.data(), present.get(), w);
	Judgement j = judge_rate(shift[w], total[w], b, p.route_shift, rule);
	if (!j.fires || (present[w - 1] && shift[w - 1] > p.route_shift))
		return;
	// Cost per call above the usual one, times the day's calls (0 when the new route is cheaper).
	const double *cost = panel.type_cost + static_cast<size_t>(t) * days;
	std::vector<double> per_call(days, 0);
	for (int d = 0; d < days; ++d)
		per_call[d] = present[d] ? cost[d] / total[d] : 0;
	Baseline pc = robust_baseline(per_call.data(), present.get(), w);
	c.add(AnomalyKind::kRouteChange, t, b, b.level, shift[w], j, std::max(0.0, (per_call[w] - pc.level) * total[w]));
}

// Detectors 2, 5 and 8 for one task type with day w observed (and 7, 10-13 when the panel has their
// series; 6, 9 and route changes, which keep their own first-crossing rules, only when `weekly`).
void detect_type(const AnomalyPanel &panel, int t, int w, bool weekly, const std::vector<double> &total,
                 const Baseline &total_b, const AnomalyParams &p, Collector &c) {
	const int days = panel.days;
	const double *cost = panel.type_cost + static_cast<size_t>(t) * days;
	const double *runs = panel.type_runs + static_cast<size_t>(t) * days;
	std::vector<double> per_run(days, 0), share(days, 0);
	std::unique_ptr<bool[]> has_runs(new bool[days]()), has_total(new bool[days]());
	for (int d = 0; d < days; ++d) {
		if (runs[d] > 0) {
			per_run[d] = cost[d] / runs[d];
			has_runs[d] = true;
		}
		if (total[d] > 0) {
			share[d] = cost[d] / total[d];
			has_total[d] = true;
		}
	}
	// 2: cost per run.
	{
		Rule rule;
		rule.min_ratio = p.per_run_ratio;
		rule.min_score = p.min_score;
		rule.min_volume = p.min_runs;
		rule.floor_abs = 1e-6;
		Baseline b = robust_baseline(per_run.data(), has_runs.get(), w);
		Judgement j = judge_up(per_run[w], runs[w], b, rule);
		if (j.fires && cost[w] >= p.min_cost_usd)
			c.add(AnomalyKind::kCostPerRunUp, t, b, b.level, per_run[w], j, (per_run[w] - b.level) * runs[w]);
	}
	// 5: share of the day's spend.
	if (total[w] >= p.min_cost_usd && share[w] > p.dominant_share) {
		Rule rule;
		rule.min_ratio = 0;
		rule.min_score = p.min_score;
		rule.min_volume = 0;
		rule.floor_abs = 0.02; // two share points
		Baseline b = robust_baseline(share.data(), has_total.get(), w);
		Judgement j;
		j.score = (share[w] - b.level) / robust_scale(b, rule);
		j.ratio = b.level > 0 ? share[w] / b.level : 0;
		if (b.points >= rule.min_points && j.score >= p.min_score)
			c.add(AnomalyKind::kUseCaseDominates, t, b, b.level, share[w], j, cost[w] - b.level * total[w]);
	}
	if (panel.type_llm_calls != nullptr)
		detect_type_rates(panel, t, w, weekly, per_run.data(), has_runs.get(), p, c);
	if (weekly && panel.type_week_p95_cost != nullptr)
		detect_type_weekly(panel, t, p, c);
	if (weekly && panel.type_accepted != nullptr && panel.type_succeeded != nullptr)
		detect_type_accepted(panel, t, p, c);
	if (panel.type_llm_calls != nullptr && panel.type_output_tokens != nullptr && panel.type_day_p95_output != nullptr &&
	    panel.type_day_p95_prompt != nullptr)
		detect_type_tokens(panel, t, w, weekly, p, c);
	if (weekly && panel.type_model_calls != nullptr)
		detect_type_route(panel, t, p, c);
	// 8: no spend on a normally active task type.
	if (cost[w] <= 0 && total_b.points >= 7) {
		Rule rule;
		rule.min_score = p.min_score;
		Baseline b = robust_baseline(cost, nullptr, w);
		Judgement j;
		j.score = b.level / robust_scale(b, rule);
		j.ratio = 0;
		if (b.points >= rule.min_points && b.active >= p.active_share * b.points && b.level >= p.min_cost_usd &&
		    j.score >= p.min_score)
			c.add(AnomalyKind::kZeroSpend, t, b, b.level, 0, j, -b.level);
	}
}

// Detector 1 for customer k with day w observed.
void detect_customer(const AnomalyPanel &panel, int k, int w, const AnomalyParams &p, Collector &c) {
	const double *cost = panel.customer_cost + static_cast<size_t>(k) * panel.days;
	if (cost[w] < p.min_cost_usd)
		return; // cheap skip: most customers never reach the minimum volume
	Rule rule;
	rule.min_ratio = p.spike_ratio;
	rule.min_score = p.min_score;
	rule.min_volume = p.min_cost_usd;
	Baseline b = robust_baseline(cost, nullptr, w);
	Judgement j = judge_up(cost[w], cost[w], b, rule);
	if (j.fires)
		c.add(AnomalyKind::kCustomerCostDoubled, k, b, b.level, cost[w], j, cost[w] - b.level);
}

// Kinds whose first-crossing rule is the generic one of drop_repeats (6, 9 and route changes have
// their own; customer spikes have none: a customer's new bulk job the day after a workspace-wide 4x
// day is a second bill, which the rule would hide; see docs/anomalies.md).
bool daily_kind(AnomalyKind k) {
	return k != AnomalyKind::kCostP95WeekOverWeek && k != AnomalyKind::kCostPerAcceptedUp && k != AnomalyKind::kRouteChange &&
	       k != AnomalyKind::kCustomerCostDoubled;
}

// The first-crossing rule of the daily detectors: a finding of the observed day w is dropped when the
// same detector, run on day w-1 against that day's own window (the days before it), fired on the same
// subject. A lasting shift (a workflow that stays at 20 % validation retries, a customer that stays at
// 3x) then fires on its first day, not on every day until the median of the window catches up with
// it; a shift that ends and comes back fires again. Only subjects with a finding are re-run.
size_t drop_repeats(const AnomalyPanel &panel, const std::vector<double> &total, const std::vector<double> &retry,
                    const AnomalyParams &p, AnomalyFinding *out, size_t n) {
	const int w = panel.days - 1;
	if (w < 2 || n == 0)
		return n;
	std::vector<AnomalyFinding> before(anomaly_capacity(panel));
	Collector y{before.data(), before.size()};
	bool day_done = false;
	std::vector<bool> type_done(panel.task_types, false);
	const Baseline total_b = robust_baseline(total.data(), nullptr, w - 1);
	for (size_t i = 0; i < n; ++i) {
		const AnomalyFinding &f = out[i];
		if (!daily_kind(f.kind))
			continue;
		if (f.subject < 0) {
			if (!day_done)
				detect_day(total, retry, w - 1, p, y);
			day_done = true;
		} else if (!type_done[f.subject]) {
			detect_type(panel, f.subject, w - 1, false, total, total_b, p, y);
			type_done[f.subject] = true;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; ++i) {
		bool repeat = false;
		for (size_t k = 0; k < y.n && !repeat; ++k)
			repeat = daily_kind(out[i].kind) && before[k].kind == out[i].kind && before[k].subject == out[i].subject;
		if (!repeat)
			out[kept++] = out[i];
	}
	return kept;
}

} // namespace

size_t detect_anomalies(const AnomalyPanel &panel, const AnomalyParams &p, AnomalyFinding *out, size_t capacity) {
	Collector c{out, capacity};
	const int days = panel.days;
	if (days < 2)
		return 0;
	const int w = days - 1; // the observed day; days [0, w) are the window
	std::vector<double> total(days, 0), retry(days, 0);
	for (int t = 0; t < panel.task_types; ++t)
		for (int d = 0; d < days; ++d) {
			total[d] += panel.type_cost[static_cast<size_t>(t) * days + d];
			retry[d] += panel.type_retry_cost[static_cast<size_t>(t) * days + d];
		}
	detect_day(total, retry, w, p, c);
	Baseline total_b = robust_baseline(total.data(), nullptr, w);
	for (int t = 0; t < panel.task_types; ++t) {
		if (interrupt_pending())
			return kAnomalyInterrupted;
		detect_type(panel, t, w, true, total, total_b, p, c);
	}
	for (int k = 0; k < panel.customers; ++k) {
		if (interrupt_pending())
			return kAnomalyInterrupted;
		detect_customer(panel, k, w, p, c);
	}
	c.n = drop_repeats(panel, total, retry, p, out, c.n);
	// Shares of a 30-day spend estimated from the window's mean day.
	double sum = 0;
	for (int d = 0; d < days; ++d)
		sum += total[d];
	double monthly = 30 * sum / days;
	for (size_t i = 0; i < c.n; ++i)
		out[i].share_of_monthly = monthly > 0 ? std::fabs(out[i].excess_cost_usd) / monthly : 0;
	return c.n;
}

const char *anomaly_kind_name(AnomalyKind k) {
	switch (k) {
	case AnomalyKind::kCustomerCostDoubled: return "customer_cost_doubled";
	case AnomalyKind::kCostPerRunUp: return "cost_per_run_up";
	case AnomalyKind::kRetryWasteSpike: return "retry_waste_spike";
	case AnomalyKind::kDailySpendSpike: return "daily_spend_spike";
	case AnomalyKind::kUseCaseDominates: return "use_case_dominates";
	case AnomalyKind::kZeroSpend: return "zero_spend";
	case AnomalyKind::kCostP95WeekOverWeek: return "cost_p95_week_over_week";
	case AnomalyKind::kCacheHitRateDown: return "cache_hit_rate_down";
	case AnomalyKind::kValidationRetryRate: return "validation_retry_rate";
	case AnomalyKind::kRegenerationRate: return "regeneration_rate";
	case AnomalyKind::kCostPerAcceptedUp: return "cost_per_accepted_task_up";
	case AnomalyKind::kOutputOverBudget: return "output_tokens_over_budget";
	case AnomalyKind::kLargePrompts: return "large_prompts";
	case AnomalyKind::kRouteChange: return "route_change";
	}
	return "unknown";
}

const char *anomaly_metric(AnomalyKind k) {
	switch (k) {
	case AnomalyKind::kCustomerCostDoubled: return "daily_cost_usd";
	case AnomalyKind::kCostPerRunUp: return "cost_per_run_usd";
	case AnomalyKind::kRetryWasteSpike: return "daily_retry_cost_usd";
	case AnomalyKind::kDailySpendSpike: return "daily_cost_usd";
	case AnomalyKind::kUseCaseDominates: return "share_of_daily_cost";
	case AnomalyKind::kZeroSpend: return "daily_cost_usd";
	case AnomalyKind::kCostP95WeekOverWeek: return "p95_cost_per_llm_call_usd";
	case AnomalyKind::kCacheHitRateDown: return "cache_read_share_of_prompt_tokens";
	case AnomalyKind::kValidationRetryRate: return "validation_retries_per_llm_call";
	case AnomalyKind::kRegenerationRate: return "regenerations_per_run";
	case AnomalyKind::kCostPerAcceptedUp: return "weekly_cost_per_accepted_task_usd";
	case AnomalyKind::kOutputOverBudget: return "p95_output_tokens_per_llm_call";
	case AnomalyKind::kLargePrompts: return "p95_prompt_tokens_per_llm_call";
	case AnomalyKind::kRouteChange: return "share_of_llm_calls_off_usual_models";
	}
	return "unknown";
}

const char *anomaly_subject_type(AnomalyKind k) {
	switch (k) {
	case AnomalyKind::kCustomerCostDoubled: return "customer";
	case AnomalyKind::kCostPerRunUp:
	case AnomalyKind::kUseCaseDominates:
	case AnomalyKind::kZeroSpend:
	case AnomalyKind::kCostP95WeekOverWeek:
	case AnomalyKind::kCacheHitRateDown:
	case AnomalyKind::kValidationRetryRate:
	case AnomalyKind::kRegenerationRate:
	case AnomalyKind::kCostPerAcceptedUp:
	case AnomalyKind::kOutputOverBudget:
	case AnomalyKind::kLargePrompts:
	case AnomalyKind::kRouteChange: return "task_type";
	case AnomalyKind::kRetryWasteSpike:
	case AnomalyKind::kDailySpendSpike: return "day";
	}
	return "unknown";
}

const char *anomaly_fix(AnomalyKind k) {
	switch (k) {
	case AnomalyKind::kCustomerCostDoubled:
		return "Check the customer's task types for a bulk job or backfill: batch the backfill (batch tier) and set a "
		       "per-customer budget.";
	case AnomalyKind::kCostPerRunUp:
		return "Compare the task type's model mix, prompt size and output tokens with last week: move static prompt "
		       "content first so it caches, and cap max output tokens.";
	case AnomalyKind::kRetryWasteSpike:
		return "Look at dexcost_bi.retry_cost_by_reason_daily for the failing reason: use structured output for "
		       "validation failures, back off on rate limits, cap the attempts.";
	case AnomalyKind::kDailySpendSpike:
		return "Find the customer or task type that moved (see the other anomalies of the day) before spend "
		       "continues; set a daily budget alert.";
	case AnomalyKind::kUseCaseDominates:
		return "Check whether this task type's volume or per-run cost jumped; route it to a cheaper model or batch "
		       "it if it is background work.";
	case AnomalyKind::kZeroSpend:
		return "A normally active task type recorded nothing: check for a silent failure, a routing error or a "
		       "broken SDK integration.";
	case AnomalyKind::kCostP95WeekOverWeek:
		return "The costliest requests grew (prompt or context drift): trim the retrieved context and history, "
		       "cap max output tokens, and check which model the slow tail is routed to.";
	case AnomalyKind::kCacheHitRateDown:
		return "The prompt prefix changed: move the static prompt (system text, tools, examples) first and the "
		       "per-request content last, so the cached prefix matches again.";
	case AnomalyKind::kValidationRetryRate:
		return "Outputs fail validation: use structured output (JSON schema / tool calling) instead of parsing "
		       "free text, and show the validator's error in the retry prompt.";
	case AnomalyKind::kRegenerationRate:
		return "Users ask for another answer: review the regenerated outputs, tighten the prompt, and cap max "
		       "output tokens if answers run long.";
	case AnomalyKind::kCostPerAcceptedUp:
		return "Each accepted result costs more than last week: compare acceptance, retries and the model route "
		       "with last week (dexcost_bi unit economics); move back to the route that finished once, or fix the "
		       "validator or prompt that makes outputs rejected.";
	case AnomalyKind::kOutputOverBudget:
		return "Outputs run past what the UI displays: lower max output tokens, tighten the response schema, or "
		       "ask for bullets instead of prose.";
	case AnomalyKind::kLargePrompts:
		return "Prompts grew: trim retrieved context and conversation history, summarise long histories, and keep "
		       "the static prompt first so it caches.";
	case AnomalyKind::kRouteChange:
		return "The task type's calls moved to other models: check dexcost.daily_model_all's fallback_reason for a "
		       "quota or availability fallback, and pin the intended route if the change was not deliberate.";
	}
	return "";
}

const char *anomaly_severity(const AnomalyFinding &f) {
	if (f.share_of_monthly >= 0.05)
		return "high"; // the seeds: investigate anything above 5% of monthly spend
	if (f.share_of_monthly >= 0.01 || f.score >= 10)
		return "medium";
	return "low";
}

} // namespace dexcost
