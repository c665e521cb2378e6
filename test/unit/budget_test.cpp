// Unit tests for the budget spend accumulation (src/core/budget.*).
#include "core/budget.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace dexcost;

namespace {

SpendAmount amount(const char *text) {
	SpendAmount a;
	EXPECT_EQ(parse_spend_amount(text, &a), DecimalError::kNone) << text;
	return a;
}

constexpr int64_t kHour = 3600LL * 1000000;

} // namespace

TEST(BudgetSpend, BucketsAreFifteenMinutesFrom2000) {
	EXPECT_EQ(spend_bucket(0), 0);
	EXPECT_EQ(spend_bucket(kSpendBucketMicros - 1), 0);
	EXPECT_EQ(spend_bucket(kSpendBucketMicros), kSpendBucketMicros);
	EXPECT_EQ(spend_bucket(kHour + 20 * 60 * 1000000LL), kHour + kSpendBucketMicros);
	// Before the origin the bucket still starts at or before the instant (floor, not truncation).
	EXPECT_EQ(spend_bucket(-1), -kSpendBucketMicros);
	EXPECT_EQ(spend_bucket(-kSpendBucketMicros), -kSpendBucketMicros);
}

TEST(BudgetSpend, AmountKeepsItsDisplayScale) {
	EXPECT_EQ(amount("0.500").scale, 3);
	EXPECT_EQ(amount("12").scale, 0);
	EXPECT_EQ(amount("0.000000000000000001").value.units(), 1);
	// Places past 18 are accepted when they are zeros (numeric keeps a larger display scale).
	SpendAmount wide = amount("1.50000000000000000000");
	EXPECT_EQ(wide.scale, 20);
	EXPECT_EQ(format_spend(wide.value, wide.scale), "1.50000000000000000000");
	SpendAmount bad;
	EXPECT_EQ(parse_spend_amount("0.0000000000000000001", &bad), DecimalError::kTooManyDecimals);
	EXPECT_EQ(parse_spend_amount("NaN", &bad), DecimalError::kSyntax);
}

TEST(BudgetSpend, FormatsAtTheGivenScale) {
	EXPECT_EQ(format_spend(amount("0.75").value, 3), "0.750");
	EXPECT_EQ(format_spend(amount("2").value, 0), "2");
	EXPECT_EQ(format_spend(Decimal(), 2), "0.00");
	EXPECT_EQ(format_spend(Decimal::from_units(-amount("2").value.units()), 1), "-2.0");
}

TEST(BudgetSpend, SumsPerBudgetAndBucketLikeSqlSum) {
	BudgetSpendAccumulator acc;
	ASSERT_TRUE(acc.add(7, 0, amount("0.50"), +1));
	ASSERT_TRUE(acc.add(7, 0, amount("0.250"), +1));
	ASSERT_TRUE(acc.add(7, kSpendBucketMicros, amount("1"), +1));
	ASSERT_TRUE(acc.add(3, 0, amount("0.1"), +1));
	auto rows = acc.rows(false);
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].budget_id, 3); // sorted by budget, then bucket
	EXPECT_EQ(rows[1].budget_id, 7);
	EXPECT_EQ(rows[1].bucket, 0);
	EXPECT_EQ(format_spend(rows[1].spent, rows[1].scale), "0.750");
	EXPECT_EQ(rows[2].bucket, kSpendBucketMicros);
	EXPECT_EQ(format_spend(rows[2].spent, rows[2].scale), "1");
}

TEST(BudgetSpend, OldRowsSubtractAndNetZeroGroupsDropOnlyWhenAsked) {
	BudgetSpendAccumulator acc;
	ASSERT_TRUE(acc.add(1, 0, amount("0.40"), -1)); // an update that changes nothing for budget 1
	ASSERT_TRUE(acc.add(1, 0, amount("0.4"), +1));
	ASSERT_TRUE(acc.add(2, 0, amount("0.4"), -1)); // repriced: 0.4 -> 0.3
	ASSERT_TRUE(acc.add(2, 0, amount("0.3"), +1));
	auto kept = acc.rows(true);
	ASSERT_EQ(kept.size(), 1u);
	EXPECT_EQ(kept[0].budget_id, 2);
	EXPECT_EQ(format_spend(kept[0].spent, kept[0].scale), "-0.1");
	auto all = acc.rows(false); // inserts and deletes keep them, as the SQL trigger did
	ASSERT_EQ(all.size(), 2u);
	EXPECT_EQ(format_spend(all[0].spent, all[0].scale), "0.00");
}

TEST(BudgetSpend, DeletesAreNegative) {
	BudgetSpendAccumulator acc;
	ASSERT_TRUE(acc.add(5, 0, amount("1.5"), -1));
	ASSERT_TRUE(acc.add(5, 0, amount("0.25"), -1));
	auto rows = acc.rows(false);
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(format_spend(rows[0].spent, rows[0].scale), "-1.75");
}

TEST(BudgetSpend, OverflowIsReported) {
	BudgetSpendAccumulator acc;
	SpendAmount big = amount("999999999999999"); // just below cost_usd's limit of 1e15
	bool ok = true;
	for (int i = 0; i < 200000 && ok; ++i)
		ok = acc.add(1, 0, big, +1);
	EXPECT_FALSE(ok);
}

namespace {

using Values = std::optional<std::string_view>[kBudgetScopeCount];

std::vector<int64_t> matched(const BudgetIndex &index, const char *customer, const char *team, const char *user,
                             const char *type, const char *project) {
	Values v = {customer ? std::optional<std::string_view>(customer) : std::nullopt,
	            team ? std::optional<std::string_view>(team) : std::nullopt,
	            user ? std::optional<std::string_view>(user) : std::nullopt,
	            type ? std::optional<std::string_view>(type) : std::nullopt,
	            project ? std::optional<std::string_view>(project) : std::nullopt, std::nullopt};
	std::vector<int64_t> out;
	index.match(v, &out);
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace

TEST(BudgetIndex, ScopeWords) {
	EXPECT_EQ(budget_scope_of("customer"), BudgetScope::kCustomer);
	EXPECT_EQ(budget_scope_of("task_type"), BudgetScope::kTaskType);
	EXPECT_EQ(budget_scope_of("workspace"), BudgetScope::kWorkspace);
	EXPECT_FALSE(budget_scope_of("Customer").has_value());
	EXPECT_FALSE(budget_scope_of("").has_value());
}

TEST(BudgetIndex, EmptyAndCustomerOnlyNeedNoTask) {
	BudgetIndex index;
	EXPECT_TRUE(index.empty());
	EXPECT_FALSE(index.needs_task());
	index.add(BudgetScope::kCustomer, "acme", 1);
	index.add(BudgetScope::kWorkspace, "*", 2);
	EXPECT_FALSE(index.empty());
	EXPECT_FALSE(index.needs_task());
	index.add(BudgetScope::kProject, "p1", 3);
	EXPECT_TRUE(index.needs_task());
}

TEST(BudgetIndex, MatchesEachScopeByItsOwnValue) {
	BudgetIndex index;
	index.add(BudgetScope::kCustomer, "acme", 1);
	index.add(BudgetScope::kCustomer, "acme", 2); // a day and a month budget
	index.add(BudgetScope::kTeam, "support", 3);
	index.add(BudgetScope::kUser, "u1", 4);
	index.add(BudgetScope::kTaskType, "triage", 5);
	index.add(BudgetScope::kProject, "p1", 6);
	index.add(BudgetScope::kWorkspace, "*", 7);
	index.add(BudgetScope::kTeam, "acme", 8); // a team named like the customer
	EXPECT_EQ(matched(index, "acme", "support", "u1", "triage", "p1"), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
	// NULL scopes match nothing; the workspace matches every event.
	EXPECT_EQ(matched(index, "globex", nullptr, nullptr, "summary", nullptr), (std::vector<int64_t>{7}));
	// A value counts only in its own scope: user "support" is not team "support".
	EXPECT_EQ(matched(index, "globex", "acme", "support", "x", "y"), (std::vector<int64_t>{7, 8}));
}
