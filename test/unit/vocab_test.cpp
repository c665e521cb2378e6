// Unit tests for the closed vocabularies.
#include "core/vocab.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace dexcost;

TEST(Vocab, KnowsEachWordAndOnlyThose) {
	EXPECT_EQ(vocab_index(kEventTypes, "llm_call"), 0);
	EXPECT_EQ(vocab_index(kEventTypes, "retry_marker"), 3);
	EXPECT_EQ(vocab_index(kEventTypes, "gpu_utilization_signal"), 6);
	EXPECT_EQ(vocab_index(kEventTypes, "LLM_CALL"), -1);
	EXPECT_EQ(vocab_index(kEventTypes, "llm"), -1);
	EXPECT_EQ(vocab_index(kEventTypes, ""), -1);
	EXPECT_TRUE(vocab_contains(kServiceTiers, "flex"));
	EXPECT_FALSE(vocab_contains(kServiceTiers, "scale"));
}

TEST(Vocab, ListingNamesEveryWord) {
	for (const Vocabulary *v : {&kEventTypes, &kCostConfidences, &kTaskStatuses, &kServiceTiers, &kUsageTypes,
	                            &kRetryTypes, &kRequestPaths}) {
		std::string listing = v->listing;
		for (size_t i = 0; i < v->count; ++i)
			EXPECT_NE(listing.find(v->words[i]), std::string::npos) << v->column << ": " << v->words[i];
	}
}

TEST(Vocab, BucketsFollowUsageTypes) {
	EXPECT_STREQ(bucket_name(Bucket::kInput), "input");
	EXPECT_STREQ(bucket_name(Bucket::kCacheWrite1h), "cache_write_1h");
	EXPECT_STREQ(bucket_name(Bucket::kReasoning), "reasoning");
	EXPECT_EQ(static_cast<int>(kUsageTypes.count), kBucketCount);
	EXPECT_EQ(vocab_index(kCostConfidences, "unknown"), static_cast<int>(Confidence::kUnknown));
}
