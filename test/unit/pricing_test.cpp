// Unit tests for the price catalogue: tiers, context bands, cache buckets, effective dates.
#include "core/pricing.hpp"

#include <gtest/gtest.h>

using namespace dexcost;

namespace {

constexpr int64_t kDay = 86400LL * 1000000LL;
constexpr int64_t kMay15 = 100 * kDay; // any fixed instant stands in for a mid-month price change

int64_t next_id = 1;

// A price row at `usd` per million tokens.
PriceRow row(const char *provider, const char *model, Bucket bucket, const char *usd, const char *tier = "standard",
             int64_t from = kMinTime, int64_t to = kMaxTime, int64_t min_input = 0, bool seed = true) {
	PriceRow r;
	r.price_id = next_id++;
	r.provider = provider;
	r.model = model;
	r.service_tier = tier;
	r.bucket = bucket;
	r.min_input_tokens = min_input;
	r.valid_from = from;
	r.valid_to = to;
	r.is_seed = seed;
	EXPECT_EQ(parse_scaled(usd, kPriceScale, &r.usd_per_mtok), DecimalError::kNone);
	return r;
}

PriceRequest request(const char *provider, const char *model, int64_t at = 0, const char *tier = "standard") {
	PriceRequest q;
	q.provider = provider;
	q.model = model;
	q.at = at;
	q.service_tier = tier;
	return q;
}

// A catalogue in the shape of the seeds: gpt-4o standard and batch, claude with bands and cache writes.
PriceCatalog sample() {
	PriceCatalog c;
	c.add_price(row("openai", "gpt-4o", Bucket::kInput, "2.50"));
	c.add_price(row("openai", "gpt-4o", Bucket::kCacheRead, "1.25"));
	c.add_price(row("openai", "gpt-4o", Bucket::kOutput, "10.00"));
	c.add_price(row("openai", "gpt-4o", Bucket::kInput, "1.25", "batch"));
	c.add_price(row("openai", "gpt-4o", Bucket::kOutput, "5.00", "batch"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kInput, "3.00"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kCacheRead, "0.30"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kCacheWrite, "3.75"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kCacheWrite1h, "6.00"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kOutput, "15.00"));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kInput, "6.00", "standard", kMinTime, kMaxTime, 200001));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kCacheRead, "0.60", "standard", kMinTime, kMaxTime, 200001));
	c.add_price(row("anthropic", "claude-sonnet-4-5", Bucket::kOutput, "22.50", "standard", kMinTime, kMaxTime, 200001));
	c.add_alias("openai", "gpt-4o-2024-08-06", "gpt-4o");
	return c;
}

std::string cost_of(const PriceCatalog &c, PriceRequest q) {
	PriceResult r = c.price(q);
	EXPECT_TRUE(r.priced()) << r.reason;
	return r.cost.to_string();
}

} // namespace

TEST(Pricing, MultipliesEachBucketByItsPrice) {
	PriceCatalog c = sample();
	PriceRequest q = request("openai", "gpt-4o");
	q.tokens.set(Bucket::kInput, 1338);    // 1850 prompt tokens of which 512 cached
	q.tokens.set(Bucket::kCacheRead, 512);
	q.tokens.set(Bucket::kOutput, 420);
	// 1338*2.5e-6 + 512*1.25e-6 + 420*10e-6 = 0.003345 + 0.00064 + 0.0042
	EXPECT_EQ(cost_of(c, q), "0.008185");
}

TEST(Pricing, CacheWritesArePricedByTheirTtl) {
	PriceCatalog c = sample();
	PriceRequest q = request("anthropic", "claude-sonnet-4-5");
	q.tokens.set(Bucket::kInput, 1000);
	q.tokens.set(Bucket::kCacheWrite, 1000);
	q.tokens.set(Bucket::kCacheWrite1h, 1000);
	q.tokens.set(Bucket::kCacheRead, 1000);
	// 3.00 + 3.75 + 6.00 + 0.30 per million, times 1000
	EXPECT_EQ(cost_of(c, q), "0.01305");
}

TEST(Pricing, ServiceTierSelectsItsOwnPrices) {
	PriceCatalog c = sample();
	PriceRequest q = request("openai", "gpt-4o", 0, "batch");
	q.tokens.set(Bucket::kInput, 1000000);
	q.tokens.set(Bucket::kOutput, 1000000);
	EXPECT_EQ(cost_of(c, q), "6.25");

	PriceRequest flex = request("openai", "gpt-4o", 0, "flex");
	flex.tokens.set(Bucket::kInput, 10);
	PriceResult r = c.price(flex);
	EXPECT_EQ(r.status, PriceStatus::kNoTier);
	EXPECT_EQ(r.reason, "no flex tier price for openai/gpt-4o");
}

TEST(Pricing, ContextBandAppliesFromItsThresholdOn) {
	PriceCatalog c = sample();
	PriceRequest at = request("anthropic", "claude-sonnet-4-5");
	at.tokens.set(Bucket::kInput, 200000);
	at.tokens.set(Bucket::kOutput, 1000);
	EXPECT_EQ(cost_of(c, at), "0.615"); // 200000*3e-6 + 1000*15e-6

	PriceRequest above = at;
	above.tokens.set(Bucket::kInput, 199999);
	above.tokens.set(Bucket::kCacheRead, 2); // the band counts every prompt token: 200001
	// every bucket of a prompt past the threshold takes the band price
	EXPECT_EQ(cost_of(c, above), "1.2224952"); // 1.199994 + 0.0000012 + 0.0225
}

TEST(Pricing, ABucketTheBandDoesNotPriceIsUnknownNotChargedAtTheBaseRate) {
	PriceCatalog c = sample();
	PriceRequest q = request("anthropic", "claude-sonnet-4-5");
	q.tokens.set(Bucket::kInput, 300000);
	q.tokens.set(Bucket::kCacheWrite1h, 1000); // no >200k cache_write_1h row in the sample
	PriceResult r = c.price(q);
	EXPECT_EQ(r.status, PriceStatus::kMissingBucketPrice);
	EXPECT_EQ(r.reason, "no cache_write_1h price for anthropic/claude-sonnet-4-5 (standard tier) for prompts of "
	                    "200001 tokens or more");
}

TEST(Pricing, EffectiveDatesAreHalfOpen) {
	PriceCatalog c;
	c.add_price(row("deepseek", "deepseek-chat", Bucket::kInput, "0.27", "standard", kMinTime, kMay15));
	c.add_price(row("deepseek", "deepseek-chat", Bucket::kInput, "0.28", "standard", kMay15, kMaxTime));
	auto at = [&](int64_t t) {
		PriceRequest q = request("deepseek", "deepseek-chat", t);
		q.tokens.set(Bucket::kInput, 1000000);
		return cost_of(c, q);
	};
	EXPECT_EQ(at(kMay15 - 1), "0.27");
	EXPECT_EQ(at(kMay15), "0.28"); // valid_from is inclusive, valid_to exclusive
	EXPECT_EQ(at(kMay15 + 1), "0.28");
}

TEST(Pricing, NoPriceInForceIsReportedNotZero) {
	PriceCatalog c;
	c.add_price(row("openai", "gpt-5", Bucket::kInput, "1.25", "standard", kMay15, kMaxTime));
	PriceRequest q = request("openai", "gpt-5", kMay15 - 1);
	q.tokens.set(Bucket::kInput, 5);
	PriceResult r = c.price(q);
	EXPECT_EQ(r.status, PriceStatus::kNoPriceAtTime);
	EXPECT_TRUE(r.cost.is_zero());
}

TEST(Pricing, UserRowsOverrideSeedsInTheirPeriod) {
	PriceCatalog c;
	c.add_price(row("openai", "gpt-4o-mini", Bucket::kInput, "0.15"));
	c.add_price(row("openai", "gpt-4o-mini", Bucket::kInput, "0.10", "standard", kMay15, kMaxTime, 0, false));
	PriceRequest before = request("openai", "gpt-4o-mini", kMay15 - 1);
	before.tokens.set(Bucket::kInput, 1000000);
	PriceRequest after = before;
	after.at = kMay15;
	EXPECT_EQ(cost_of(c, before), "0.15");
	EXPECT_EQ(cost_of(c, after), "0.1");
	EXPECT_EQ(c.price(after).pricing_version, "dexcost:" + std::to_string(next_id - 1));
}

TEST(Pricing, ReasoningIsBilledAsOutputUnlessPricedApart) {
	PriceCatalog c = sample();
	PriceRequest q = request("openai", "gpt-4o");
	q.tokens.set(Bucket::kOutput, 100);
	q.tokens.set(Bucket::kReasoning, 900);
	EXPECT_EQ(cost_of(c, q), "0.01");
}

TEST(Pricing, MissingBucketPriceMakesTheCostUnknown) {
	PriceCatalog c = sample();
	PriceRequest q = request("openai", "gpt-4o");
	q.tokens.set(Bucket::kInput, 10);
	q.tokens.set(Bucket::kCacheWrite, 10); // OpenAI publishes no cache-write price
	PriceResult r = c.price(q);
	EXPECT_EQ(r.status, PriceStatus::kMissingBucketPrice);
	EXPECT_EQ(r.reason, "no cache_write price for openai/gpt-4o (standard tier)");
}

TEST(Pricing, ZeroTokensCostNothingButNullTokensAreUnknown) {
	PriceCatalog c = sample();
	PriceRequest zero = request("openai", "gpt-4o");
	zero.tokens.set(Bucket::kInput, 0);
	zero.tokens.set(Bucket::kCacheWrite, 0); // unpriced bucket, but no tokens in it
	PriceResult r = c.price(zero);
	ASSERT_TRUE(r.priced());
	EXPECT_TRUE(r.cost.is_zero());
	EXPECT_EQ(r.pricing_version, "dexcost:none");

	EXPECT_EQ(c.price(request("openai", "gpt-4o")).status, PriceStatus::kNoTokens);
}

TEST(Pricing, AliasesAndProviderLessLookups) {
	PriceCatalog c = sample();
	PriceRequest dated = request("openai", "gpt-4o-2024-08-06");
	dated.tokens.set(Bucket::kInput, 1000000);
	PriceResult r = c.price(dated);
	ASSERT_TRUE(r.priced());
	EXPECT_EQ(r.model, "gpt-4o");
	EXPECT_EQ(r.cost.to_string(), "2.5");

	PriceRequest no_provider = request("", "claude-sonnet-4-5");
	no_provider.tokens.set(Bucket::kOutput, 1000000);
	r = c.price(no_provider);
	ASSERT_TRUE(r.priced());
	EXPECT_EQ(r.provider, "anthropic");

	c.add_price(row("azure", "gpt-4o", Bucket::kInput, "2.75"));
	PriceRequest ambiguous = request("", "gpt-4o");
	ambiguous.tokens.set(Bucket::kInput, 1);
	EXPECT_EQ(c.price(ambiguous).status, PriceStatus::kAmbiguousModel);
}

TEST(Pricing, UnknownModelsAreNeverFreeAndNeverGuessed) {
	PriceCatalog c = sample();
	PriceRequest q = request("openai", "gpt-4o-2024-05-13"); // a different, older price: no prefix matching
	q.tokens.set(Bucket::kInput, 10);
	PriceResult r = c.price(q);
	EXPECT_EQ(r.status, PriceStatus::kUnknownModel);
	EXPECT_EQ(r.reason, "no price for model \"gpt-4o-2024-05-13\" of provider \"openai\"");
	EXPECT_EQ(c.price(request("openai", "")).status, PriceStatus::kNoModel);
	EXPECT_EQ(c.price(request("openai", "")).reason, "no model given");
}

TEST(Pricing, OverflowIsReported) {
	PriceCatalog c;
	c.add_price(row("x", "huge", Bucket::kInput, "99999999999999"));
	PriceRequest q = request("x", "huge");
	q.tokens.set(Bucket::kInput, INT64_MAX);
	EXPECT_EQ(c.price(q).status, PriceStatus::kOverflow);
}
