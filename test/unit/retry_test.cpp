// Unit tests of the retry rule and the history scan (src/core/retry.*), at its boundaries.
#include "core/retry.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kW = 30 * kSec;

RetryCall call(uint64_t task, uint32_t model, int64_t at_s, const char *error, uint32_t seq) {
	RetryCall c;
	c.task_lo = task;
	c.customer = 1;
	c.model = model;
	c.at_us = at_s * kSec;
	c.likelihood = retry_likelihood(error ? error : "");
	c.seq = seq;
	return c;
}

std::vector<RetryFinding> scan(const std::vector<RetryCall> &calls, double threshold = 0.8) {
	std::vector<RetryFinding> out(calls.size());
	size_t found = 0;
	EXPECT_TRUE(scan_retries(calls.data(), calls.size(), kW, threshold, INT64_MIN, out.data(), &found));
	out.resize(found);
	return out;
}

} // namespace

TEST(RetryRule, LikelihoodsOfTheSdk) {
	EXPECT_DOUBLE_EQ(retry_likelihood("rate_limit"), 1.0);
	EXPECT_DOUBLE_EQ(retry_likelihood("timeout"), 0.9);
	EXPECT_DOUBLE_EQ(retry_likelihood("5xx"), 0.85);
	EXPECT_DOUBLE_EQ(retry_likelihood("server_error"), 0.85);
	EXPECT_DOUBLE_EQ(retry_likelihood("connection_error"), 0.8);
	EXPECT_DOUBLE_EQ(retry_likelihood("Overloaded"), 0.8); // another transient type, any case
	EXPECT_DOUBLE_EQ(retry_likelihood("RATE_LIMIT"), 1.0);
	EXPECT_DOUBLE_EQ(retry_likelihood("invalid_request"), 0.0); // not transient
	EXPECT_DOUBLE_EQ(retry_likelihood(""), 0.0);
}

TEST(RetryRule, ConfidenceFallsLinearlyOverTheWindow) {
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, 0, kW), 1.0);          // zero gap
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, 15 * kSec, kW), 0.5);  // half the window
	EXPECT_DOUBLE_EQ(retry_confidence(0.9, 3 * kSec, kW), 0.81);
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, kW, kW), 0.0);         // gap exactly the window
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, kW + 1, kW), 0.0);     // beyond it
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, -1, kW), 0.0);         // negative gap
	EXPECT_DOUBLE_EQ(retry_confidence(0.0, 0, kW), 0.0);          // non-transient candidate
	EXPECT_DOUBLE_EQ(retry_confidence(1.0, 0, 0), 0.0);           // no window
}

TEST(RetryRule, ConfidenceExactlyAtTheThresholdIsFlagged) {
	// rate_limit, gap 6 s of 30 s: 1.0 x (1 - 0.2) = 0.8 on paper, a hair off in binary.
	double at = retry_confidence(1.0, 6 * kSec, kW);
	EXPECT_TRUE(retry_flagged(at, 0.8));
	EXPECT_FALSE(retry_flagged(retry_confidence(1.0, 6 * kSec + 1, kW), 0.8)); // one microsecond later
	EXPECT_FALSE(retry_flagged(0.0, 0.0)); // a zero confidence never flags, whatever the threshold
}

TEST(RetryRule, RetryTypesKeptApart) {
	EXPECT_STREQ(retry_type_for_reason("rate_limit"), "provider_retry");
	EXPECT_STREQ(retry_type_for_reason("timeout"), "provider_retry");
	EXPECT_STREQ(retry_type_for_reason("5xx"), "provider_retry");
	EXPECT_STREQ(retry_type_for_reason("connection_error"), "provider_retry");
	EXPECT_STREQ(retry_type_for_reason("parse_error"), "validation_retry");
	EXPECT_STREQ(retry_type_for_reason("schema_validation"), "validation_retry");
	EXPECT_STREQ(retry_type_for_reason("user_regenerate"), "user_regeneration");
	EXPECT_STREQ(retry_type_for_reason("tool_failed"), "application_retry");
	EXPECT_STREQ(retry_type_for_reason(""), "application_retry");
}

TEST(RetryScan, FlagsACallAfterARateLimit) {
	auto found = scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 102, nullptr, 1)});
	ASSERT_EQ(found.size(), 1u);
	EXPECT_EQ(found[0].call, 1u);
	EXPECT_EQ(found[0].candidate, 0u);
	EXPECT_EQ(found[0].gap_us, 2 * kSec);
	EXPECT_NEAR(found[0].confidence, 1.0 - 2.0 / 30, 1e-12);
}

TEST(RetryScan, OtherModelInBetweenIsSkipped) {
	// The walk back looks at the same model only: the gpt call in between does not hide the candidate.
	auto found = scan({call(1, 7, 100, "timeout", 0), call(1, 8, 101, nullptr, 1), call(1, 7, 102, nullptr, 2)});
	ASSERT_EQ(found.size(), 1u);
	EXPECT_EQ(found[0].call, 2u);
	EXPECT_EQ(found[0].candidate, 0u);
}

TEST(RetryScan, NonTransientErrorInBetweenStopsTheWalk) {
	// The call at 102 follows one that failed with a non-transient error: not a retry, even
	// though an earlier call hit a rate limit (the call at 101 is that one's retry).
	auto found = scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 101, "invalid_request", 1),
	                   call(1, 7, 102, nullptr, 2)});
	ASSERT_EQ(found.size(), 1u);
	EXPECT_EQ(found[0].call, 1u);
}

TEST(RetryScan, ZeroGapAndTies) {
	auto found = scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 100, nullptr, 1)});
	ASSERT_EQ(found.size(), 1u);
	EXPECT_DOUBLE_EQ(found[0].confidence, 1.0);
	EXPECT_EQ(found[0].candidate, 0u); // the tie goes to the one read first
}

TEST(RetryScan, WindowAndThresholdBoundaries) {
	EXPECT_TRUE(scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 130, nullptr, 1)}, 0.0).empty()); // gap = W
	EXPECT_EQ(scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 106, nullptr, 1)}).size(), 1u);      // 0.8 exactly
	EXPECT_TRUE(scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 107, nullptr, 1)}).empty());       // 0.7667
	EXPECT_EQ(scan({call(1, 7, 100, "rate_limit", 0), call(1, 7, 107, nullptr, 1)}, 0.5).size(), 1u);
}

TEST(RetryScan, TasksAndCustomersAreSeparate) {
	RetryCall other = call(1, 7, 101, nullptr, 1);
	other.customer = 2; // same task id under another customer: another task
	EXPECT_TRUE(scan({call(1, 7, 100, "rate_limit", 0), other}).empty());
	EXPECT_TRUE(scan({call(1, 7, 100, "rate_limit", 0), call(2, 7, 101, nullptr, 1)}).empty());
}

TEST(RetryScan, ChainsAndInputOrder) {
	// Three attempts, given out of order: each retry names the one before it.
	auto found = scan({call(1, 7, 104, nullptr, 0), call(1, 7, 100, "rate_limit", 1), call(1, 7, 102, "rate_limit", 2)});
	ASSERT_EQ(found.size(), 2u);
	EXPECT_EQ(found[0].call, 2u);
	EXPECT_EQ(found[0].candidate, 1u);
	EXPECT_EQ(found[1].call, 0u);
	EXPECT_EQ(found[1].candidate, 2u);
}

TEST(RetryScan, KeepFromReportsOnlyTheRange) {
	std::vector<RetryCall> calls = {call(1, 7, 100, "rate_limit", 0), call(1, 7, 101, "rate_limit", 1),
	                                call(1, 7, 102, nullptr, 2)};
	std::vector<RetryFinding> out(calls.size());
	size_t found = 0;
	ASSERT_TRUE(scan_retries(calls.data(), calls.size(), kW, 0.8, 102 * kSec, out.data(), &found));
	ASSERT_EQ(found, 1u); // the call at 101 retries 100 but lies before the range
	EXPECT_EQ(out[0].call, 2u);
}
