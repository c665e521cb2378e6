// Roll-up arithmetic: what one event contributes to its task's totals, and per-statement
// accumulation of those contributions by task.
//
// The cost_event statement triggers feed every inserted, deleted or updated row through an
// Accumulator (old rows with sign -1, new rows with +1) and append one delta per task it
// touched. Exact: costs are Decimal (int128), counts int64, and overflow is reported.
#pragma once

#include "core/cpp_only.hpp"
#include "core/decimal.hpp"
#include "core/vocab.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dexcost {

// Cost categories: what was paid for. Together they cover every priced event exactly once.
enum class CostCategory { kLlm, kExternal, kCompute, kNetwork, kGpu };

// The facts of one event that decide its contribution.
struct EventFacts {
	int event_type = 0;     // index in kEventTypes
	bool has_model = false; // names a model (a retry_marker with a model is LLM spend)
	bool is_retry = false;
	bool retry_dismissed = false; // mark_not_retry() said it is not a retry (retry_detection 'dismissed')
	bool has_error = false; // error_type is set: the call failed
	bool priced = false;    // cost known
	Decimal cost;
	int64_t tokens[kBucketCount] = {0, 0, 0, 0, 0, 0}; // NULL counts as 0
};

// Where an event's cost goes.
CostCategory category_of(const EventFacts &facts);
// Retries: flagged is_retry, or a retry_marker event, unless dismissed by mark_not_retry().
bool counts_as_retry(const EventFacts &facts);

// The measures of dexcost.cost_totals, in its field order.
struct Totals {
	int64_t event_count = 0;
	int64_t retry_count = 0;
	int64_t failure_count = 0;
	int64_t unpriced_count = 0;
	Decimal total_cost;
	Decimal llm_cost;
	Decimal external_cost;
	Decimal compute_cost;
	Decimal network_cost;
	Decimal gpu_cost;
	Decimal retry_cost;
	Decimal failure_cost;
	int64_t tokens[kBucketCount] = {0, 0, 0, 0, 0, 0};

	// Adds (sign +1) or removes (sign -1) one event; false on overflow.
	bool add_event(const EventFacts &facts, int sign);
	bool is_zero() const;
};

// Totals of one statement, by (customer_id, task_id).
class Accumulator {
public:
	// Adds one event of a task; false on overflow.
	bool add(std::string_view customer_id, const unsigned char task_id[16], const EventFacts &facts, int sign);

	// Tasks whose totals did not cancel out, in a stable order.
	struct Entry {
		std::string customer_id;
		unsigned char task_id[16];
		Totals totals;
	};
	std::vector<const Entry *> nonzero() const;
	size_t size() const { return entries_.size(); }

private:
	std::unordered_map<std::string, Entry> entries_;
};

} // namespace dexcost
