// Budget spend: what one statement's changed events add to dexcost.budget_spend.
//
// The cost_event statement trigger (src/pg_budget.cpp) finds, per event, the budgets whose
// scope matches the event's task and its 15-minute UTC bucket, and feeds the event's cost
// through a BudgetSpendAccumulator (old rows with sign -1, new rows with +1). One signed row
// per (budget, bucket) comes out, equal to what SQL's sum() gives: the exact value, at the
// largest display scale of the amounts summed (sum(0.50, 0.250) is 0.750).
#pragma once

#include "core/cpp_only.hpp"
#include "core/decimal.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dexcost {

// Width of a budget_spend bucket: 15 minutes, in microseconds.
constexpr int64_t kSpendBucketMicros = 15LL * 60 * 1000000;

// Start of the 15-minute bucket of a finite PostgreSQL timestamptz (microseconds since
// 2000-01-01 00:00 UTC): date_bin('15 minutes', at, '2000-01-01 00:00+00').
int64_t spend_bucket(int64_t at) noexcept;

// A cost as summed: its exact value and its display scale (digits after the point).
struct SpendAmount {
	Decimal value;
	int scale = 0;
};

// Parses numeric text as PostgreSQL prints it ("0.001500"); digits past 18 places must be zeros.
DecimalError parse_spend_amount(std::string_view text, SpendAmount *out) noexcept;

// Text of units of 10^-18 with exactly scale digits after the point ("0.750", "-2", "0.00").
std::string format_spend(const Decimal &value, int scale);

struct BudgetSpendRow {
	int64_t budget_id = 0;
	int64_t bucket = 0;
	Decimal spent;
	int scale = 0;
};

class BudgetSpendAccumulator {
public:
	// Adds sign x amount to (budget, bucket); false on overflow (about 1.7e20 USD).
	bool add(int64_t budget_id, int64_t bucket, const SpendAmount &amount, int sign);

	// The groups, sorted by budget and bucket; without those that sum to zero when drop_zero.
	std::vector<BudgetSpendRow> rows(bool drop_zero) const;

private:
	struct Key {
		int64_t budget_id, bucket;
		bool operator==(const Key &o) const { return budget_id == o.budget_id && bucket == o.bucket; }
	};
	struct KeyHash {
		size_t operator()(const Key &k) const noexcept;
	};
	std::unordered_map<Key, BudgetSpendRow, KeyHash> groups_;
};

// The scopes a budget caps, in the order of an event's scope values.
enum class BudgetScope { kCustomer, kTeam, kUser, kTaskType, kProject, kWorkspace };
constexpr int kBudgetScopeCount = 6;

// The scope of a scope word ("customer", "task_type", …), or nullopt for another word.
std::optional<BudgetScope> budget_scope_of(std::string_view word) noexcept;

// Which budgets an event counts in, from its task's scope values: a backend's copy of
// dexcost.budget (scope, scope_id, budget_id), reloaded when the table changes.
class BudgetIndex {
public:
	void add(BudgetScope scope, std::string_view scope_id, int64_t budget_id);

	bool empty() const { return count_ == 0; }
	// Whether some budget caps a team, user, task type or project: matching then needs the
	// event's task; with only customer and workspace budgets the event alone decides.
	bool needs_task() const { return needs_task_; }

	// Appends to out every budget whose (scope, scope_id) is one of the event's: values[s] is
	// the value of scope s (nullopt: NULL, matches nothing); the workspace scope matches '*'
	// whatever values holds for it.
	void match(const std::optional<std::string_view> (&values)[kBudgetScopeCount], std::vector<int64_t> *out) const;

private:
	std::unordered_map<std::string, std::vector<int64_t>> by_key_; // scope byte + scope_id
	size_t count_ = 0;
	bool needs_task_ = false;
};

} // namespace dexcost
