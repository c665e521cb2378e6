// Cost anomaly detectors over daily series: robust baselines, scores and the seeds' fixed-ratio rules.
//
// Every detector compares the observed day with a baseline of the days before it (the window):
//   level  median of the window, or of its same-weekday days when at least 3 of them exist
//          (weekday seasonality: a Monday is compared with Mondays)
//   scale  1.4826 x MAD (median absolute deviation; around each weekday's own median when seasonal),
//          never below floor = max(floor_abs, floor_rel x level), so a perfectly flat history still
//          needs a real jump
//   score  (observed - level) / scale: how many robust standard deviations the day is off
//   ratio  observed / level
// A detector fires only when the seeds' fixed-ratio rule AND the score both hold, and the day has the
// minimum volume: the ratio alone fires on noise for small subjects, the score alone on tiny moves of
// very steady large ones.
//
// Why median/MAD is our own code: Boost.Accumulators' median is the P-square estimator, an
// approximation built for streams; a window holds at most a few hundred points, the exact median
// (nth_element) costs nothing, and MAD needs a second pass around that median that no accumulator
// offers. Boost's rolling_mean is used where it fits: the seeds' "2x the rolling 7-day average".
//
// The core is plain arrays in, plain findings out (the binding owns all memory); nothing here knows
// PostgreSQL.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpp_only.hpp"

namespace dexcost {

// Detector numbers follow issue 9's list.
enum class AnomalyKind : uint8_t {
	kCustomerCostDoubled = 1, // a customer's daily cost doubled against its own baseline
	kCostPerRunUp = 2,        // a task type's cost per run rose 3x against usual
	kRetryWasteSpike = 3,     // the day's retry cost spiked
	kDailySpendSpike = 4,     // daily spend > 2x the rolling 7-day average
	kUseCaseDominates = 5,    // one task type took > 50% of the day's spend, unusually
	kCostP95WeekOverWeek = 6, // a task type's p95 cost per llm_call rose > 30% week over week
	kCacheHitRateDown = 7,    // a task type's prompt cache hit rate fell > 20% from baseline
	kZeroSpend = 8,           // no spend on a task type that is normally active
	kCostPerAcceptedUp = 9,   // cost per accepted task up > 25% week over week, no matching volume or success gain
	kValidationRetryRate = 10, // validation retries > 10% of a task type's llm_calls
	kOutputOverBudget = 11,   // p95 output tokens per call > 2x the task type's display budget
	kRegenerationRate = 12,   // user regenerations > 15% of a task type's runs
	kLargePrompts = 13,       // p95 prompt size per call far above the task type's baseline
	kRouteChange = 14,        // detector 13's second half: the task type's model mix shifted
};

// A robust baseline of one window.
struct Baseline {
	double level = 0;   // median (of the same weekday when seasonal)
	double mad = 0;     // median absolute deviation
	int points = 0;     // window points used (present ones)
	int active = 0;     // of them, points above zero
	bool seasonal = false;
};

// history[0..n) oldest first; the observed day follows history[n-1]. present may be nullptr (all
// present); absent points (no runs that day, say) are left out.
Baseline robust_baseline(const double *history, const bool *present, int n);

// Thresholds of one test.
struct Rule {
	double min_ratio = 2;    // the seeds' fixed ratio
	double min_score = 3.5;  // robust standard deviations
	double min_volume = 1;   // observed value (USD, runs, ...) below which nothing fires
	double floor_abs = 0.01; // scale floor, absolute
	double floor_rel = 0.1;  // scale floor, relative to the level
	int min_points = 7;      // window points required
};

struct Judgement {
	bool fires = false;
	double ratio = 0; // observed / level (0 when the level is 0)
	double score = 0; // (observed - level) / scale
};

// The scale the score divides by.
double robust_scale(const Baseline &b, const Rule &r);

// An upward move: fires when volume >= min_volume, enough points, level > 0, ratio >= min_ratio and
// score >= min_score.
Judgement judge_up(double observed, double volume, const Baseline &b, const Rule &r);

// Mean of the last 7 values of series[0..n) (Boost.Accumulators rolling_mean); 0 when n == 0.
double rolling_mean_7(const double *series, int n);

// Parameters of detect_anomalies (defaults are the seeds').
struct AnomalyParams {
	double spike_ratio = 2;       // detectors 1, 3, 4
	double per_run_ratio = 3;     // detector 2
	double dominant_share = 0.5;  // detector 5
	double min_cost_usd = 1;      // minimum volume of every cost detector
	double min_score = 3.5;
	double min_runs = 5;          // detector 2: runs on the observed day
	double active_share = 0.8;    // detector 8: share of window days with spend
	double cache_drop = 0.2;      // detector 7: relative fall of the cache hit rate
	double min_prompt_tokens = 10000; // detector 7: prompt tokens on the observed day
	double validation_rate = 0.10; // detector 10
	double regeneration_rate = 0.15; // detector 12
	double min_calls = 20;        // detectors 10 and 12: llm_calls / runs on the observed day
	double p95_rise = 0.3;        // detector 6: week over week
	double min_week_calls = 50;   // detector 6: llm_calls in the observed week
	double accepted_rise = 0.25;  // detector 9: week over week
	double min_week_accepted = 20; // detector 9: accepted tasks in the observed week
	double output_budget_ratio = 2; // detector 11: p95 output tokens against the display budget
	double prompt_ratio = 1.5;    // detector 13: p95 prompt size against its baseline
	double route_shift = 0.2;     // detector 13: share of the day's calls on another model than usual
};

// The daily panel: subjects x days, row-major, day days-1 is the observed day.
struct AnomalyPanel {
	int days = 0;
	int task_types = 0;
	int customers = 0;
	const double *type_cost = nullptr;       // task_types x days
	const double *type_runs = nullptr;       // task_types x days
	const double *type_retry_cost = nullptr; // task_types x days
	const double *customer_cost = nullptr;   // customers x days
	// Optional (nullptr: detectors 7, 10 and 12 are skipped), task_types x days each.
	const double *type_llm_calls = nullptr;
	const double *type_prompt_tokens = nullptr;   // input + cache read + cache write
	const double *type_cache_read_tokens = nullptr;
	const double *type_validation_retries = nullptr;
	const double *type_validation_cost = nullptr;
	const double *type_regenerations = nullptr;
	const double *type_regeneration_cost = nullptr;
	// Optional weekly series (nullptr: detector 6 skipped), task_types x weeks; week weeks-1 is the
	// 7 days ending with the observed day, week weeks-2 the 7 before, ...
	int weeks = 0;
	const double *type_week_p95_cost = nullptr; // p95 cost per priced llm_call (0: no calls)
	const double *type_week_calls = nullptr;    // llm_calls
	const double *type_week_cost = nullptr;     // cost of those calls (nullptr: no excess estimate)
	const double *type_day_p95_cost = nullptr;  // task_types: p95 of the observed day alone (nullptr: not required)
	// task_types x 14: entry k is the p95 cost per call of the 7 days ending k days before the
	// observed day (0: no calls); entries 1..6 and 8..13 are read, for detector 6's first-crossing
	// rule (nullptr: the rule is skipped and a lasting drift fires on every day that crosses).
	const double *type_lag_week_p95_cost = nullptr;
	// Optional (nullptr: detector 9 skipped), task_types x days each.
	const double *type_accepted = nullptr;  // accepted tasks
	const double *type_succeeded = nullptr; // tasks with status success
	// Optional (nullptr: detectors 11 and 13 skipped), task_types x days each; 0 where no calls.
	const double *type_output_tokens = nullptr;   // output tokens
	const double *type_day_p95_output = nullptr;  // p95 output tokens per llm_call
	const double *type_day_p95_prompt = nullptr;  // p95 prompt tokens per llm_call
	const double *type_output_budget = nullptr;   // task_types: display budget in output tokens (0: none set)
	// Optional (nullptr: route changes skipped): llm_calls per task type, model and day,
	// task_types x models x days (type-major, then model).
	int models = 0;
	const double *type_model_calls = nullptr;
};

struct AnomalyFinding {
	AnomalyKind kind{};
	int subject = -1;           // task type or customer index; -1 for the whole day
	double baseline = 0;        // level (or the rolling 7-day mean for detector 4)
	double observed = 0;
	double ratio = 0;
	double score = 0;
	double excess_cost_usd = 0; // cost above the baseline (negative: spend missing)
	double share_of_monthly = 0; // |excess| / 30-day spend estimated from the window
	int baseline_points = 0;
	bool seasonal = false;
};

// Most findings one panel can give (one per kind and subject).
size_t anomaly_capacity(const AnomalyPanel &p);

// A rate rule (detectors 10 and 12): fires when volume >= min_volume, enough points, rate > limit
// and score >= min_score (floor 1 percentage point). The ratio is rate / level (0 when the level is 0).
Judgement judge_rate(double rate, double volume, const Baseline &b, double limit, const Rule &r);

// A fall (detector 7): fires when volume >= min_volume, level > 0, observed <= (1 - drop) x level
// and (level - observed) / scale >= min_score; the score is reported positive.
Judgement judge_down(double observed, double volume, const Baseline &b, double drop, const Rule &r);

// Sum of series[end-6 .. end] (a week ending with day end); end >= 6.
double week_sum(const double *series, int end);

// Total variation distance between the day's model shares and usual ones: half the sum of the
// absolute share differences, i.e. the share of the day's calls that went elsewhere than usual.
double mix_shift(const double *day_shares, const double *usual_shares, int models);

// What detect_anomalies returns when it stopped for a pending interrupt (core/interrupt.hpp): serve it, call again.
constexpr size_t kAnomalyInterrupted = ~size_t{0};

// Runs every detector on the observed day; writes at most capacity findings, returns how many, or
// kAnomalyInterrupted (polled once per task type and per customer).
// May throw std::bad_alloc (call it from a no-throw shim).
size_t detect_anomalies(const AnomalyPanel &p, const AnomalyParams &params, AnomalyFinding *out, size_t capacity);

const char *anomaly_kind_name(AnomalyKind k);   // customer_cost_doubled, ...
const char *anomaly_metric(AnomalyKind k);      // daily_cost_usd, ...
const char *anomaly_subject_type(AnomalyKind k); // customer, task_type or day
const char *anomaly_fix(AnomalyKind k);          // a concrete fix to try first
const char *anomaly_severity(const AnomalyFinding &f); // high (>= 5% of monthly spend), medium or low

} // namespace dexcost
