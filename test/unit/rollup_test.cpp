// Unit tests for roll-up arithmetic: event classification and per-statement accumulation.
#include "core/rollup.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

namespace {

const unsigned char kTaskA[16] = {1};
const unsigned char kTaskB[16] = {2};

EventFacts event(int type, const char *cost, bool has_model = true) {
	EventFacts f;
	f.event_type = type;
	f.has_model = has_model;
	if (cost) {
		f.priced = true;
		EXPECT_EQ(Decimal::parse(cost, &f.cost), DecimalError::kNone);
	}
	return f;
}

} // namespace

TEST(Rollup, CategoriesCoverEveryPricedEventOnce) {
	EXPECT_EQ(category_of(event(0, "1")), CostCategory::kLlm);
	EXPECT_EQ(category_of(event(1, "1", false)), CostCategory::kExternal);
	EXPECT_EQ(category_of(event(2, "1", false)), CostCategory::kCompute);
	EXPECT_EQ(category_of(event(3, "1", true)), CostCategory::kLlm);       // a retried model call
	EXPECT_EQ(category_of(event(3, "1", false)), CostCategory::kExternal); // a retried paid API call
	EXPECT_EQ(category_of(event(4, "1", false)), CostCategory::kNetwork);
	EXPECT_EQ(category_of(event(5, "1", false)), CostCategory::kGpu);
	EXPECT_EQ(category_of(event(6, "0", false)), CostCategory::kGpu);
}

TEST(Rollup, NetworkAndGpuCostCountOnceInTheTotal) {
	Totals t;
	ASSERT_TRUE(t.add_event(event(4, "0.25", false), +1));
	ASSERT_TRUE(t.add_event(event(5, "2", false), +1));
	EXPECT_EQ(t.total_cost.to_string(), "2.25");
	EXPECT_EQ(t.network_cost.to_string(), "0.25");
	EXPECT_EQ(t.gpu_cost.to_string(), "2");
	EXPECT_TRUE(t.external_cost.is_zero());
	EXPECT_TRUE(t.compute_cost.is_zero());
}

TEST(Rollup, TotalsSplitCostIntoCategoriesRetriesAndFailures) {
	Totals t;
	EventFacts llm = event(0, "0.5");
	llm.tokens[static_cast<int>(Bucket::kInput)] = 100;
	llm.tokens[static_cast<int>(Bucket::kOutput)] = 7;
	EventFacts failed = event(0, "0.25");
	failed.has_error = true;
	EventFacts retry = event(3, "0.125");
	EventFacts flagged = event(0, "0.0625");
	flagged.is_retry = true;
	EventFacts search = event(1, "0.005", false);
	EventFacts unknown = event(0, nullptr);
	for (const EventFacts *f : {&llm, &failed, &retry, &flagged, &search, &unknown})
		ASSERT_TRUE(t.add_event(*f, +1));
	EXPECT_EQ(t.event_count, 6);
	EXPECT_EQ(t.retry_count, 2);
	EXPECT_EQ(t.failure_count, 1);
	EXPECT_EQ(t.unpriced_count, 1);
	EXPECT_EQ(t.total_cost.to_string(), "0.9425");
	EXPECT_EQ(t.llm_cost.to_string(), "0.9375");
	EXPECT_EQ(t.external_cost.to_string(), "0.005");
	EXPECT_EQ(t.compute_cost.to_string(), "0");
	EXPECT_EQ(t.retry_cost.to_string(), "0.1875");
	EXPECT_EQ(t.failure_cost.to_string(), "0.25");
	EXPECT_EQ(t.tokens[static_cast<int>(Bucket::kInput)], 100);
	EXPECT_EQ(t.tokens[static_cast<int>(Bucket::kOutput)], 7);
}

TEST(Rollup, RemovingWhatWasAddedCancelsOut) {
	Totals t;
	EventFacts f = event(2, "3.14159", false);
	f.tokens[0] = 5;
	ASSERT_TRUE(t.add_event(f, +1));
	EXPECT_FALSE(t.is_zero());
	ASSERT_TRUE(t.add_event(f, -1));
	EXPECT_TRUE(t.is_zero());
}

TEST(Rollup, AccumulatorGroupsByTaskAndDropsNetZero) {
	Accumulator acc;
	EventFacts a = event(0, "1");
	EventFacts b = event(0, "2");
	ASSERT_TRUE(acc.add("acme", kTaskB, a, +1));
	ASSERT_TRUE(acc.add("acme", kTaskA, a, +1));
	ASSERT_TRUE(acc.add("acme", kTaskA, b, +1));
	// An UPDATE that moves nothing: old row out, identical new row in.
	ASSERT_TRUE(acc.add("globex", kTaskA, b, -1));
	ASSERT_TRUE(acc.add("globex", kTaskA, b, +1));
	EXPECT_EQ(acc.size(), 3u);
	auto rows = acc.nonzero();
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(rows[0]->task_id[0], 1); // sorted by task id
	EXPECT_EQ(rows[0]->totals.total_cost.to_string(), "3");
	EXPECT_EQ(rows[0]->totals.event_count, 2);
	EXPECT_EQ(rows[1]->task_id[0], 2);
	EXPECT_EQ(rows[1]->customer_id, "acme");
}

TEST(Rollup, SameTaskIdUnderTwoCustomersStaysApart) {
	Accumulator acc;
	ASSERT_TRUE(acc.add("acme", kTaskA, event(0, "1"), +1));
	ASSERT_TRUE(acc.add("globex", kTaskA, event(0, "1"), +1));
	EXPECT_EQ(acc.nonzero().size(), 2u);
}

TEST(Rollup, OverflowIsReported) {
	Totals t;
	t.event_count = INT64_MAX;
	EXPECT_FALSE(t.add_event(event(0, "1"), +1));
}
