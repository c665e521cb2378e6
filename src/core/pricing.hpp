// The price catalogue and the cost of one event's tokens.
//
// A catalogue holds effective-dated prices per provider, model, service tier, usage type
// (token bucket) and context band. Pricing an event picks, for every token bucket with
// tokens, the price in force at the event's time, and multiplies exactly. Anything it
// cannot price is reported with a reason, never as a cost of zero.
#pragma once

#include "core/cpp_only.hpp"
#include "core/decimal.hpp"
#include "core/vocab.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dexcost {

// Timestamps are microseconds on PostgreSQL's timestamptz scale; these stand for +-infinity.
constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// Places kept for a price per million tokens: 12, i.e. 1e-18 USD per token.
constexpr int kPriceScale = 12;

// One row of dexcost.model_price.
struct PriceRow {
	int64_t price_id = 0;
	std::string provider;
	std::string model;
	std::string service_tier; // standard, batch, flex, priority
	Bucket bucket = Bucket::kInput;
	int64_t min_input_tokens = 0; // context band: the highest band a prompt reaches prices all its buckets
	int64_t valid_from = kMinTime; // inclusive
	int64_t valid_to = kMaxTime;   // exclusive
	int128 usd_per_mtok = 0;       // units of 1e-12 USD per million tokens
	bool is_seed = false;          // shipped with dexcost; rows users add take precedence
};

// Token counts of one event, by bucket; known[b] is false where the column was NULL.
struct TokenCounts {
	int64_t n[kBucketCount] = {0, 0, 0, 0, 0, 0};
	bool known[kBucketCount] = {false, false, false, false, false, false};

	void set(Bucket b, int64_t value) {
		n[static_cast<int>(b)] = value;
		known[static_cast<int>(b)] = true;
	}
	bool any_known() const;
	// Tokens the prompt carried: uncached input plus cache reads and writes.
	int64_t prompt_tokens() const;
};

// What is to be priced.
struct PriceRequest {
	std::string_view provider; // may be empty: resolved from the model when unambiguous
	std::string_view model;
	std::string_view service_tier = "standard";
	int64_t at = 0;
	TokenCounts tokens;
};

enum class PriceStatus {
	kPriced,             // cost is exact arithmetic on catalogue prices
	kNoModel,            // the event names no model
	kNoTokens,           // no token counts to price
	kUnknownModel,       // the catalogue has no such model
	kAmbiguousModel,     // no provider given and several providers have the model
	kNoTier,             // the model has no prices for this service tier
	kNoPriceAtTime,      // no price was in force at the event's time
	kMissingBucketPrice, // some bucket has tokens but no price
	kOverflow,           // the arithmetic left the supported range
};

struct PriceResult {
	PriceStatus status = PriceStatus::kNoModel;
	Decimal cost;                // set when status == kPriced
	std::string pricing_version; // "dexcost:<price ids>", set when priced
	std::string reason;          // why it could not be priced, for people
	std::string provider;        // provider and catalogue model actually used (after aliases)
	std::string model;

	bool priced() const { return status == PriceStatus::kPriced; }
};

// An in-memory price catalogue with model aliases.
class PriceCatalog {
public:
	void add_price(PriceRow row);
	// Maps a provider's name for a model (a dated snapshot, a deployment name) onto a catalogue model.
	void add_alias(std::string provider, std::string alias, std::string model);

	PriceResult price(const PriceRequest &request) const;

	size_t price_count() const { return price_count_; }

private:
	static std::string key(std::string_view provider, std::string_view model, std::string_view tier);
	static std::string pair(std::string_view a, std::string_view b);

	// Resolves provider and model (aliases, provider-less lookups) or explains why not.
	bool resolve(const PriceRequest &request, PriceResult *result) const;
	// The context band (min_input_tokens) that applies: the highest one the prompt reaches.
	int64_t band(const std::vector<PriceRow> &rows, int64_t at, int64_t prompt_tokens) const;
	// The price row for one bucket in one band, or nullptr.
	const PriceRow *pick(const std::vector<PriceRow> &rows, Bucket bucket, int64_t at, int64_t band) const;

	size_t price_count_ = 0;
	std::unordered_map<std::string, std::vector<PriceRow>> rows_by_key_;         // provider|model|tier
	std::unordered_map<std::string, std::vector<std::string>> providers_of_;     // model -> providers
	std::unordered_map<std::string, bool> known_models_;                         // provider|model
	std::unordered_map<std::string, std::string> aliases_;                       // provider|alias -> model
	std::unordered_map<std::string, std::vector<std::string>> alias_providers_;  // alias -> providers
};

} // namespace dexcost
