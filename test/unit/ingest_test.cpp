// Unit tests for checking and normalising SDK v1 records.
#include "core/ingest.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

namespace {

Field str(const char *s) { return Field{JsonKind::kString, s}; }
Field num(const char *s) { return Field{JsonKind::kNumber, s}; }
Field null() { return Field{JsonKind::kNull, {}}; }
Field obj() { return Field{JsonKind::kObject, {}}; }
Field yes_no(bool b) { return Field{b ? JsonKind::kTrue : JsonKind::kFalse, {}}; }

// The llm_call example of the SDK's contract (sdk-v1/llm_call.v1.json).
EventFields llm_call() {
	EventFields e;
	e.event_id = str("22222222-0001-0000-0000-000000000001");
	e.task_id = str("11111111-0001-0000-0000-000000000001");
	e.event_type = str("llm_call");
	e.occurred_at = str("2026-05-26T12:34:56.789000Z");
	e.cost_usd = str("0.0265");
	e.cost_confidence = str("exact");
	e.pricing_source = str("provider_response");
	e.pricing_version = str("2026-05-01");
	e.service_name = str("openai");
	e.provider = str("openai");
	e.model = str("gpt-4o");
	e.input_tokens = num("1850");
	e.output_tokens = num("420");
	e.cached_tokens = num("512");
	e.latency_ms = num("1340");
	e.is_retry = yes_no(false);
	e.retry_reason = null();
	e.retry_of = null();
	e.details = obj();
	e.schema_version = str("1");
	return e;
}

std::string reason_of(const EventFields &e) {
	EventValues v;
	std::string reason;
	EXPECT_FALSE(check_event(e, &v, &reason));
	return reason;
}

} // namespace

TEST(Ingest, OpenAiInputCountsCachedTokens) {
	EventValues v;
	std::string reason;
	ASSERT_TRUE(check_event(llm_call(), &v, &reason)) << reason;
	EXPECT_EQ(v.tokens[0], 1338); // 1850 input of which 512 cached
	EXPECT_EQ(v.tokens[1], 512);
	EXPECT_EQ(v.tokens[4], 420);
	EXPECT_FALSE(v.known[2]);
	EXPECT_TRUE(v.cost_given);
	EXPECT_EQ(v.confidence, 0); // exact
	EXPECT_EQ(v.latency_ms, 1340);
}

TEST(Ingest, AnthropicReportsCacheApartAndWritesInDetails) {
	EventFields e = llm_call();
	e.provider = str("anthropic");
	e.model = str("claude-sonnet-4-5");
	e.input_tokens = num("300");
	e.cached_tokens = num("6000");
	e.cache_creation_input_tokens = num("1200");
	EventValues v;
	std::string reason;
	ASSERT_TRUE(check_event(e, &v, &reason)) << reason;
	EXPECT_EQ(v.tokens[0], 300);
	EXPECT_EQ(v.tokens[1], 6000);
	EXPECT_EQ(v.tokens[2], 1200);
}

TEST(Ingest, OpenAiCacheWritesAndReasoningComeOutOfTheirTotals) {
	EventFields e = llm_call();
	e.cache_write_input_tokens = num("300");
	e.output_tokens = num("1000");
	e.reasoning_output_tokens = num("800");
	EventValues v;
	std::string reason;
	ASSERT_TRUE(check_event(e, &v, &reason)) << reason;
	EXPECT_EQ(v.tokens[0], 1850 - 512 - 300);
	EXPECT_EQ(v.tokens[2], 300);
	EXPECT_EQ(v.tokens[4], 200);
	EXPECT_EQ(v.tokens[5], 800);
}

TEST(Ingest, CacheLargerThanInclusiveInputIsRefused) {
	EventFields e = llm_call();
	e.cached_tokens = num("2000");
	EXPECT_EQ(reason_of(e), "cached_tokens: 2000 cache-read and 0 cache-write tokens exceed input_tokens 1850, "
	                        "which already count them for this provider");
}

TEST(Ingest, UnknownCostIsLeftToTheCatalogue) {
	EventFields e = llm_call();
	e.cost_usd = str("0");
	e.cost_confidence = str("unknown");
	EventValues v;
	std::string reason;
	ASSERT_TRUE(check_event(e, &v, &reason)) << reason;
	EXPECT_FALSE(v.cost_given);
	EXPECT_EQ(v.confidence, -1);
}

TEST(Ingest, ReasonsNameTheField) {
	EventFields e = llm_call();
	e.event_id = Field{};
	EXPECT_EQ(reason_of(e), "event_id: missing required field");
	e = llm_call();
	e.task_id = str("not-a-uuid");
	EXPECT_EQ(reason_of(e), "task_id: not a uuid: \"not-a-uuid\"");
	e = llm_call();
	e.cost_usd = str("1e-5");
	EXPECT_EQ(reason_of(e), "cost_usd: not a decimal string: \"1e-5\"");
	e = llm_call();
	e.cost_usd = str("-0.5");
	EXPECT_EQ(reason_of(e), "cost_usd: must not be negative: \"-0.5\"");
	e = llm_call();
	e.event_type = str("tool_call");
	EXPECT_EQ(reason_of(e), "event_type: unknown value \"tool_call\" (expected llm_call, external_cost, compute_cost, "
	                        "retry_marker, network, gpu_cost or gpu_utilization_signal)");
	e = llm_call();
	e.schema_version = str("2");
	EXPECT_EQ(reason_of(e), "schema_version: must be \"1\", got \"2\"");
	e = llm_call();
	e.input_tokens = num("-3");
	EXPECT_EQ(reason_of(e), "input_tokens: must not be negative: \"-3\"");
	e = llm_call();
	e.input_tokens = num("1.5");
	EXPECT_EQ(reason_of(e), "input_tokens: must be an integer: \"1.5\"");
	e = llm_call();
	e.occurred_at = str("2026-02-30T00:00:00Z");
	EXPECT_EQ(reason_of(e), "occurred_at: not an RFC 3339 date-time with a time zone: \"2026-02-30T00:00:00Z\"");
	e = llm_call();
	e.is_retry = str("false");
	EXPECT_EQ(reason_of(e), "is_retry: must be true or false, not a string");
	e = llm_call();
	e.details = null();
	EXPECT_EQ(reason_of(e), "details: must not be null");
	e = llm_call();
	e.cost_usd = str("0.0000000000000000001");
	EXPECT_EQ(reason_of(e), "cost_usd: more than 18 decimal places: \"0.0000000000000000001\"");
}

TEST(Ingest, TasksWithAndWithoutTheSdkTotals) {
	TaskFields t;
	t.task_id = str("11111111-0004-0000-0000-000000000001");
	t.task_type = str("minimal_test");
	t.status = str("success");
	t.started_at = str("2026-05-26T12:34:00.000000Z");
	t.ended_at = str("2026-05-26T12:34:30.000000Z");
	t.metadata = obj();
	t.customer_id = null();
	t.project_id = null();
	t.parent_task_id = null();
	t.experiment_id = null();
	t.variant = null();
	t.schema_version = str("1");
	TaskValues v;
	std::string reason;
	ASSERT_TRUE(check_task(t, &v, &reason)) << reason;
	EXPECT_FALSE(v.has_reported_totals);
	t.total_cost_usd = str("0.00");
	t.retry_count = num("0");
	ASSERT_TRUE(check_task(t, &v, &reason)) << reason;
	EXPECT_TRUE(v.has_reported_totals);
	t.status = str("running");
	EXPECT_FALSE(check_task(t, &v, &reason));
	EXPECT_EQ(reason, "status: unknown value \"running\" (expected pending, success or failed)");
	t.status = str("pending");
	t.customer_id = str("");
	EXPECT_FALSE(check_task(t, &v, &reason));
	EXPECT_EQ(reason, "customer_id: must not be empty");
}

TEST(Ingest, RevenueRevisionsFollowTheLifecycleRules) {
	RevenueFields r;
	r.schema_version = str("1");
	r.revenue_id = str("33333333-0001-0000-0000-000000000001");
	r.task_id = str("11111111-0001-0000-0000-000000000001");
	r.effective_at = str("2026-05-26T12:35:00Z");
	r.observed_at = str("2026-05-26T12:35:01Z");
	r.lifecycle = obj();
	r.state = str("recognized");
	r.revision = num("1");
	r.amount = obj();
	r.amount_value = str("49.90");
	r.amount_currency = str("USD");
	r.source = obj();
	r.source_type = str("sdk");
	RevenueValues v;
	std::string reason;
	ASSERT_TRUE(check_revenue(r, &v, &reason)) << reason;
	EXPECT_EQ(v.state, 2);
	r.amount_currency = str("usd");
	EXPECT_FALSE(check_revenue(r, &v, &reason));
	EXPECT_EQ(reason, "amount.currency: not an ISO 4217 code: \"usd\"");
	r.amount_currency = str("USD");
	r.state = str("voided");
	EXPECT_FALSE(check_revenue(r, &v, &reason));
	EXPECT_EQ(reason, "amount: not allowed for state \"voided\"");
	r.amount = Field{};
	EXPECT_FALSE(check_revenue(r, &v, &reason));
	EXPECT_EQ(reason, "lifecycle.revision: a voided revenue must supersede an earlier revision (revision 2 or more)");
	r.revision = num("2");
	EXPECT_TRUE(check_revenue(r, &v, &reason)) << reason;
	r.state = str("pending");
	r.source_type = str("crm");
	EXPECT_FALSE(check_revenue(r, &v, &reason));
	EXPECT_EQ(reason, "source.type: unknown value \"crm\" (expected sdk, workspace_api, import or manual)");
}

TEST(Ingest, ServiceTierComesFromDetails) {
	auto tier_of = [](Field f) {
		EventFields e = llm_call();
		e.service_tier = f;
		EventValues v;
		std::string reason;
		EXPECT_TRUE(check_event(e, &v, &reason)) << reason;
		return std::string(v.service_tier);
	};
	EXPECT_EQ(tier_of(Field()), "standard"); // absent
	EXPECT_EQ(tier_of(null()), "standard");
	EXPECT_EQ(tier_of(str("flex")), "flex");
	EXPECT_EQ(tier_of(str("priority")), "priority");
	EXPECT_EQ(tier_of(str("batch")), "batch");
	EXPECT_EQ(tier_of(str("default")), "standard"); // OpenAI's names for its standard tier
	EXPECT_EQ(tier_of(str("auto")), "standard");
	EventFields e = llm_call();
	e.service_tier = str("scale");
	EXPECT_EQ(reason_of(e), "details.service_tier: unknown value \"scale\" (expected standard, batch, flex or priority)");
	e.service_tier = num("1");
	EXPECT_EQ(reason_of(e), "details.service_tier: must be a string, not a number");
}
