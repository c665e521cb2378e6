// Daily pre-aggregates: what one statement's changed events add to the daily tables.
//
// The cost_event statement triggers feed every inserted, deleted or updated row through a
// DailyAccumulator (old rows with sign -1, new rows with +1) and append one signed delta row
// per key to each of the three daily delta tables:
//
//   customer  (day, customer, task type)                    the task Totals plus llm_calls
//   model     (day, task type, provider, model, route, tier, fallback reason), llm_calls only:
//             counts, cost, tokens, latency, and the values the sketches of new rows take
//   retry     (day, task type, retry type, retry reason), events counted as retries
//
// Exact like the roll-ups: costs are Decimal, counts int64, overflow is reported. Keys whose
// sums cancel out (an UPDATE that changes nothing the tables count) append nothing, except
// that a model key with new sketch values is kept: sketches only grow (rebuild_daily()
// recomputes them).
#pragma once

#include "core/cpp_only.hpp"
#include "core/rollup.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dexcost {

// One event as the daily tables see it. Empty strings mean NULL (the tables store '' for none).
struct DailyEvent {
	int32_t day = 0; // the local day, as a PostgreSQL date (days since 2000-01-01)
	std::string_view customer_id;
	std::string_view task_type;
	EventFacts facts;
	// llm_call detail (daily_model)
	std::string_view provider, model, route, service_tier, fallback_reason;
	bool has_latency = false;
	int64_t latency_ms = 0;
	bool has_output_tokens = false; // output_tokens is not NULL (the sketch skips NULL)
	double cost_value = 0;           // cost as float8, when facts.priced
	// retry detail (daily_retry)
	std::string_view retry_type;   // empty: application_retry
	std::string_view retry_reason; // empty: none given
	int32_t retry_attempt = 0;     // 0: unknown
};

struct DailyCustomerEntry {
	int32_t day = 0;
	std::string customer_id, task_type;
	Totals totals;
	int64_t llm_calls = 0;
};

struct DailyModelEntry {
	int32_t day = 0;
	std::string task_type, provider, model, route, service_tier, fallback_reason;
	int64_t llm_calls = 0, unpriced_calls = 0, retry_calls = 0, failed_calls = 0;
	Decimal cost;
	int64_t input_tokens = 0, cache_read_tokens = 0, cache_write_tokens = 0, output_tokens = 0, reasoning_tokens = 0;
	int64_t latency_ms_sum = 0, latency_calls = 0;
	// Values of the new rows (sign +1) for the four sketches; an empty list is a NULL sketch.
	std::vector<double> cost_values, latency_values, prompt_values, output_values;
};

struct DailyRetryEntry {
	int32_t day = 0;
	std::string task_type, retry_type, retry_reason;
	int64_t retries = 0, second_attempts = 0, later_attempts = 0;
	Decimal retry_cost;
};

// Is this event an llm_call (the only events daily_model counts)?
bool is_llm_call(const EventFacts &facts);

class DailyAccumulator {
public:
	// Adds one event with sign +1 or -1; false on overflow.
	bool add(const DailyEvent &event, int sign);

	// The entries that did not cancel out, in a stable order (sorted by key).
	std::vector<const DailyCustomerEntry *> customer_rows() const;
	std::vector<const DailyModelEntry *> model_rows() const;
	std::vector<const DailyRetryEntry *> retry_rows() const;

private:
	std::unordered_map<std::string, DailyCustomerEntry> customers_;
	std::unordered_map<std::string, DailyModelEntry> models_;
	std::unordered_map<std::string, DailyRetryEntry> retries_;
	std::string key_; // scratch
};

// Task runs (the task columns of daily_customer): a task counts once on the local day it
// started, under its customer and task type. The task statement triggers feed old rows with
// sign -1 and new rows with +1.
struct DailyTaskRun {
	int32_t day = 0; // the local day of started_at (created_at when it has none)
	std::string_view customer_id;
	std::string_view task_type;
	bool root = false;      // no parent task
	bool succeeded = false; // status 'success'
	bool failed = false;    // status 'failed'
	bool accepted = false;  // accepted is true (NULL: not judged, not counted)
};

struct DailyTaskEntry {
	int32_t day = 0;
	std::string customer_id, task_type;
	int64_t tasks = 0, root_tasks = 0, succeeded_tasks = 0, failed_tasks = 0, accepted_tasks = 0;
};

class DailyTaskAccumulator {
public:
	// Adds one task with sign +1 or -1; false on overflow.
	bool add(const DailyTaskRun &run, int sign);

	// Every (day, customer, task type) seen, sorted by key (one transition table per
	// accumulator: nothing cancels out).
	std::vector<const DailyTaskEntry *> rows() const;

private:
	std::unordered_map<std::string, DailyTaskEntry> entries_;
	std::string key_; // scratch
};

} // namespace dexcost
