// Unit tests for the daily pre-aggregate accumulation (src/core/daily.*).
#include "core/daily.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

namespace {

constexpr int kLlmCall = 0, kExternalCost = 1, kRetryMarker = 3, kGpuCost = 5;

DailyEvent call(int32_t day, const char *customer, const char *cost, const char *model = "gpt-4o") {
	DailyEvent e;
	e.day = day;
	e.customer_id = customer;
	e.task_type = "triage";
	e.facts.event_type = kLlmCall;
	e.facts.has_model = true;
	e.provider = "openai";
	e.model = model;
	e.service_tier = "standard";
	e.facts.tokens[static_cast<int>(Bucket::kInput)] = 100;
	e.facts.tokens[static_cast<int>(Bucket::kCacheRead)] = 20;
	e.facts.tokens[static_cast<int>(Bucket::kCacheWrite)] = 3;
	e.facts.tokens[static_cast<int>(Bucket::kCacheWrite1h)] = 4;
	e.facts.tokens[static_cast<int>(Bucket::kOutput)] = 50;
	e.has_output_tokens = true;
	if (cost) {
		e.facts.priced = true;
		EXPECT_EQ(Decimal::parse(cost, &e.facts.cost), DecimalError::kNone);
		e.cost_value = std::stod(cost);
	}
	return e;
}

} // namespace

TEST(Daily, GroupsByDayCustomerAndTaskType) {
	DailyAccumulator acc;
	ASSERT_TRUE(acc.add(call(10, "acme", "0.5"), +1));
	ASSERT_TRUE(acc.add(call(10, "acme", "0.25"), +1));
	ASSERT_TRUE(acc.add(call(11, "acme", "1"), +1));
	ASSERT_TRUE(acc.add(call(10, "globex", nullptr), +1));
	auto rows = acc.customer_rows();
	ASSERT_EQ(rows.size(), 3u);
	// sorted by key: day first
	EXPECT_EQ(rows[0]->day, 10);
	int found = 0;
	for (const auto *r : rows) {
		if (r->day == 10 && r->customer_id == "acme") {
			++found;
			EXPECT_EQ(r->totals.event_count, 2);
			EXPECT_EQ(r->llm_calls, 2);
			EXPECT_EQ(r->totals.total_cost.to_string(), "0.75");
			EXPECT_EQ(r->totals.llm_cost.to_string(), "0.75");
			EXPECT_EQ(r->totals.tokens[static_cast<int>(Bucket::kInput)], 200);
		}
		if (r->customer_id == "globex") {
			++found;
			EXPECT_EQ(r->totals.unpriced_count, 1);
			EXPECT_TRUE(r->totals.total_cost.is_zero());
		}
	}
	EXPECT_EQ(found, 2);
}

TEST(Daily, KeysDoNotRunTogether) {
	DailyAccumulator acc;
	DailyEvent a = call(1, "ab", "1");
	a.task_type = "c";
	DailyEvent b = call(1, "a", "1");
	b.task_type = "bc";
	ASSERT_TRUE(acc.add(a, +1));
	ASSERT_TRUE(acc.add(b, +1));
	EXPECT_EQ(acc.customer_rows().size(), 2u);
}

TEST(Daily, ModelRowsCountCallsTokensLatencyAndSketchValues) {
	DailyAccumulator acc;
	DailyEvent e = call(3, "acme", "0.002");
	e.has_latency = true;
	e.latency_ms = 800;
	e.route = "primary";
	ASSERT_TRUE(acc.add(e, +1));
	DailyEvent f = call(3, "acme", nullptr);
	f.route = "primary";
	f.has_output_tokens = false;
	f.facts.tokens[static_cast<int>(Bucket::kOutput)] = 0;
	f.facts.has_error = true;
	ASSERT_TRUE(acc.add(f, +1));
	auto models = acc.model_rows();
	ASSERT_EQ(models.size(), 1u);
	const DailyModelEntry &m = *models[0];
	EXPECT_EQ(m.llm_calls, 2);
	EXPECT_EQ(m.unpriced_calls, 1);
	EXPECT_EQ(m.failed_calls, 1);
	EXPECT_EQ(m.cache_write_tokens, 14); // 5 minute + 1 hour writes
	EXPECT_EQ(m.latency_ms_sum, 800);
	EXPECT_EQ(m.latency_calls, 1);
	EXPECT_EQ(m.cost.to_string(), "0.002");
	ASSERT_EQ(m.cost_values.size(), 1u);   // the unpriced call adds no cost value
	EXPECT_EQ(m.latency_values.size(), 1u); // nor a latency it does not report
	ASSERT_EQ(m.prompt_values.size(), 2u);  // every call has a prompt size
	EXPECT_EQ(m.prompt_values[0], 127.0);   // input + cache read + both cache writes
	EXPECT_EQ(m.output_values.size(), 1u);  // NULL output tokens are skipped
}

TEST(Daily, OnlyLlmCallsReachTheModelTable) {
	DailyAccumulator acc;
	DailyEvent e = call(1, "acme", "2");
	e.facts.event_type = kExternalCost;
	e.facts.has_model = false;
	ASSERT_TRUE(acc.add(e, +1));
	EXPECT_TRUE(acc.model_rows().empty());
	ASSERT_EQ(acc.customer_rows().size(), 1u);
	EXPECT_EQ(acc.customer_rows()[0]->totals.external_cost.to_string(), "2");
	EXPECT_EQ(acc.customer_rows()[0]->llm_calls, 0);
}

TEST(Daily, RetriesGroupByTypeAndReasonWithAttempts) {
	DailyAccumulator acc;
	DailyEvent r2 = call(1, "acme", "0.1");
	r2.facts.is_retry = true;
	r2.retry_type = "provider_retry";
	r2.retry_reason = "rate_limit";
	r2.retry_attempt = 2;
	DailyEvent r3 = r2;
	r3.retry_attempt = 3;
	DailyEvent marker = call(1, "acme", "0.3");
	marker.facts.event_type = kRetryMarker; // no type given: an application retry
	DailyEvent dismissed = r2;
	dismissed.facts.retry_dismissed = true;
	for (const DailyEvent *e : {&r2, &r3, &marker, &dismissed})
		ASSERT_TRUE(acc.add(*e, +1));
	auto rows = acc.retry_rows();
	ASSERT_EQ(rows.size(), 2u);
	for (const auto *r : rows) {
		if (r->retry_type == "provider_retry") {
			EXPECT_EQ(r->retry_reason, "rate_limit");
			EXPECT_EQ(r->retries, 2);
			EXPECT_EQ(r->second_attempts, 1);
			EXPECT_EQ(r->later_attempts, 1);
			EXPECT_EQ(r->retry_cost.to_string(), "0.2");
		} else {
			EXPECT_EQ(r->retry_type, "application_retry");
			EXPECT_EQ(r->retries, 1);
		}
	}
	auto customers = acc.customer_rows();
	ASSERT_EQ(customers.size(), 1u);
	EXPECT_EQ(customers[0]->totals.retry_count, 3); // the dismissed one is not a retry
}

TEST(Daily, AnUpdateThatChangesNothingCountedCancelsOutButKeepsItsSketchValues) {
	DailyAccumulator acc;
	DailyEvent e = call(5, "acme", "1");
	ASSERT_TRUE(acc.add(e, -1));
	ASSERT_TRUE(acc.add(e, +1));
	EXPECT_TRUE(acc.customer_rows().empty());
	EXPECT_TRUE(acc.retry_rows().empty());
	auto models = acc.model_rows();
	ASSERT_EQ(models.size(), 1u); // sketches only grow: the new row's values stay
	EXPECT_EQ(models[0]->llm_calls, 0);
	EXPECT_EQ(models[0]->cost_values.size(), 1u);
}

TEST(Daily, MovingAnEventToAnotherDaySubtractsAndAdds) {
	DailyAccumulator acc;
	ASSERT_TRUE(acc.add(call(5, "acme", "1"), -1));
	ASSERT_TRUE(acc.add(call(6, "acme", "1"), +1));
	auto rows = acc.customer_rows();
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(rows[0]->day, 5);
	EXPECT_EQ(rows[0]->totals.event_count, -1);
	EXPECT_EQ(rows[0]->totals.total_cost.to_string(), "-1");
	EXPECT_EQ(rows[1]->totals.event_count, 1);
}

TEST(Daily, GpuAndNetworkAreOtherCost) {
	DailyAccumulator acc;
	DailyEvent g = call(1, "acme", "3");
	g.facts.event_type = kGpuCost;
	g.facts.has_model = false;
	ASSERT_TRUE(acc.add(g, +1));
	EXPECT_EQ(acc.customer_rows()[0]->totals.gpu_cost.to_string(), "3");
}

TEST(Daily, OverflowIsReported) {
	DailyAccumulator acc;
	DailyEvent e = call(1, "acme", "1");
	e.facts.tokens[static_cast<int>(Bucket::kOutput)] = INT64_MAX;
	ASSERT_TRUE(acc.add(e, +1));
	EXPECT_FALSE(acc.add(e, +1));
}

namespace {

DailyTaskRun run(int32_t day, const char *customer, const char *type, bool root, const char *status, int accepted) {
	DailyTaskRun r;
	r.day = day;
	r.customer_id = customer;
	r.task_type = type;
	r.root = root;
	r.succeeded = std::string_view(status) == "success";
	r.failed = std::string_view(status) == "failed";
	r.accepted = accepted > 0; // -1: NULL (not judged)
	return r;
}

} // namespace

TEST(DailyTasks, CountsRunsPerDayCustomerAndTaskType) {
	DailyTaskAccumulator acc;
	ASSERT_TRUE(acc.add(run(10, "acme", "triage", true, "success", 1), +1));
	ASSERT_TRUE(acc.add(run(10, "acme", "triage", false, "failed", 0), +1));
	ASSERT_TRUE(acc.add(run(10, "acme", "triage", false, "pending", -1), +1));
	ASSERT_TRUE(acc.add(run(11, "acme", "triage", true, "success", 1), +1));
	ASSERT_TRUE(acc.add(run(10, "acme", "summary", true, "pending", -1), +1));
	auto rows = acc.rows();
	ASSERT_EQ(rows.size(), 3u);
	const DailyTaskEntry *triage10 = nullptr;
	for (const auto *r : rows)
		if (r->day == 10 && r->task_type == "triage")
			triage10 = r;
	ASSERT_NE(triage10, nullptr);
	EXPECT_EQ(triage10->customer_id, "acme");
	EXPECT_EQ(triage10->tasks, 3);
	EXPECT_EQ(triage10->root_tasks, 1);
	EXPECT_EQ(triage10->succeeded_tasks, 1);
	EXPECT_EQ(triage10->failed_tasks, 1);
	EXPECT_EQ(triage10->accepted_tasks, 1);
	EXPECT_EQ(rows[0]->day, 10); // sorted: day first
	EXPECT_EQ(rows[2]->day, 11);
}

TEST(DailyTasks, OldRowsSubtract) {
	DailyTaskAccumulator acc;
	ASSERT_TRUE(acc.add(run(10, "acme", "triage", true, "success", 1), -1));
	ASSERT_TRUE(acc.add(run(10, "acme", "triage", false, "failed", 0), -1));
	auto rows = acc.rows();
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0]->tasks, -2);
	EXPECT_EQ(rows[0]->root_tasks, -1);
	EXPECT_EQ(rows[0]->succeeded_tasks, -1);
	EXPECT_EQ(rows[0]->failed_tasks, -1);
	EXPECT_EQ(rows[0]->accepted_tasks, -1);
}

TEST(DailyTasks, KeysDoNotRunTogether) {
	DailyTaskAccumulator acc; // ("ab", "c") and ("a", "bc") are two keys
	ASSERT_TRUE(acc.add(run(1, "ab", "c", true, "pending", -1), +1));
	ASSERT_TRUE(acc.add(run(1, "a", "bc", true, "pending", -1), +1));
	EXPECT_EQ(acc.rows().size(), 2u);
}
