// Pricing an event's tokens against the effective-dated catalogue.
#include "core/pricing.hpp"

#include <algorithm>
#include <set>

namespace dexcost {

bool TokenCounts::any_known() const {
	for (bool k : known)
		if (k)
			return true;
	return false;
}

int64_t TokenCounts::prompt_tokens() const {
	int64_t total = 0;
	for (Bucket b : {Bucket::kInput, Bucket::kCacheRead, Bucket::kCacheWrite, Bucket::kCacheWrite1h}) {
		int i = static_cast<int>(b);
		if (known[i] && __builtin_add_overflow(total, n[i], &total))
			return std::numeric_limits<int64_t>::max();
	}
	return total;
}

std::string PriceCatalog::pair(std::string_view a, std::string_view b) {
	std::string k;
	k.reserve(a.size() + b.size() + 1);
	k.append(a).push_back('\x1f');
	k.append(b);
	return k;
}

std::string PriceCatalog::key(std::string_view provider, std::string_view model, std::string_view tier) {
	return pair(pair(provider, model), tier);
}

void PriceCatalog::add_price(PriceRow row) {
	std::string model_key = pair(row.provider, row.model);
	if (!known_models_.count(model_key)) {
		known_models_[model_key] = true;
		providers_of_[row.model].push_back(row.provider);
	}
	rows_by_key_[key(row.provider, row.model, row.service_tier)].push_back(std::move(row));
	++price_count_;
}

void PriceCatalog::add_alias(std::string provider, std::string alias, std::string model) {
	auto &providers = alias_providers_[alias];
	if (std::find(providers.begin(), providers.end(), provider) == providers.end())
		providers.push_back(provider);
	aliases_[pair(provider, alias)] = std::move(model);
}

bool PriceCatalog::resolve(const PriceRequest &request, PriceResult *result) const {
	std::string model(request.model);
	std::string provider(request.provider);
	if (model.empty()) {
		result->status = PriceStatus::kNoModel;
		result->reason = "no model given";
		return false;
	}
	if (provider.empty()) {
		// Without a provider, a model (or alias) name must belong to exactly one provider.
		std::set<std::string> candidates;
		if (auto it = providers_of_.find(model); it != providers_of_.end())
			candidates.insert(it->second.begin(), it->second.end());
		if (auto it = alias_providers_.find(model); it != alias_providers_.end())
			candidates.insert(it->second.begin(), it->second.end());
		if (candidates.size() > 1) {
			result->status = PriceStatus::kAmbiguousModel;
			result->reason = "model \"" + model + "\" is priced for several providers and no provider was given";
			return false;
		}
		if (candidates.empty()) {
			result->status = PriceStatus::kUnknownModel;
			result->reason = "no price for model \"" + model + "\"";
			return false;
		}
		provider = *candidates.begin();
	}
	if (!known_models_.count(pair(provider, model))) {
		auto alias = aliases_.find(pair(provider, model));
		if (alias == aliases_.end()) {
			result->status = PriceStatus::kUnknownModel;
			result->reason = "no price for model \"" + model + "\" of provider \"" + provider + "\"";
			return false;
		}
		model = alias->second;
		if (!known_models_.count(pair(provider, model))) {
			result->status = PriceStatus::kUnknownModel;
			result->reason = "alias \"" + std::string(request.model) + "\" points to \"" + model +
			                 "\", which has no price for provider \"" + provider + "\"";
			return false;
		}
	}
	result->provider = provider;
	result->model = model;
	return true;
}

int64_t PriceCatalog::band(const std::vector<PriceRow> &rows, int64_t at, int64_t prompt_tokens) const {
	int64_t best = 0;
	for (const PriceRow &row : rows)
		if (at >= row.valid_from && at < row.valid_to && row.min_input_tokens <= prompt_tokens)
			best = std::max(best, row.min_input_tokens);
	return best;
}

const PriceRow *PriceCatalog::pick(const std::vector<PriceRow> &rows, Bucket bucket, int64_t at, int64_t band) const {
	// Within the band, a user's row beats a seed row.
	const PriceRow *best = nullptr;
	for (const PriceRow &row : rows) {
		if (row.bucket != bucket || at < row.valid_from || at >= row.valid_to || row.min_input_tokens != band)
			continue;
		if (!best || (best->is_seed && !row.is_seed))
			best = &row;
	}
	return best;
}

PriceResult PriceCatalog::price(const PriceRequest &request) const {
	PriceResult result;
	if (!resolve(request, &result))
		return result;
	std::string label = result.provider + "/" + result.model;
	if (!request.tokens.any_known()) {
		result.status = PriceStatus::kNoTokens;
		result.reason = "no token counts given to price " + label;
		return result;
	}
	auto it = rows_by_key_.find(key(result.provider, result.model, request.service_tier));
	if (it == rows_by_key_.end()) {
		result.status = PriceStatus::kNoTier;
		result.reason = "no " + std::string(request.service_tier) + " tier price for " + label;
		return result;
	}
	const std::vector<PriceRow> &rows = it->second;
	// The highest context band the prompt reaches prices every bucket; a bucket without a
	// price in that band is unpriced rather than charged at another band's rate.
	int64_t band = this->band(rows, request.at, request.tokens.prompt_tokens());
	int128 units = 0;
	std::set<int64_t> used;
	for (int i = 0; i < kBucketCount; ++i) {
		if (!request.tokens.known[i] || request.tokens.n[i] == 0)
			continue;
		Bucket bucket = static_cast<Bucket>(i);
		const PriceRow *row = pick(rows, bucket, request.at, band);
		// Providers bill reasoning tokens as output unless they price them apart.
		if (!row && bucket == Bucket::kReasoning)
			row = pick(rows, Bucket::kOutput, request.at, band);
		if (!row) {
			bool any_in_force = std::any_of(rows.begin(), rows.end(), [&](const PriceRow &r) {
				return request.at >= r.valid_from && request.at < r.valid_to;
			});
			result.status = any_in_force ? PriceStatus::kMissingBucketPrice : PriceStatus::kNoPriceAtTime;
			std::string where = band > 0 ? " for prompts of " + std::to_string(band) + " tokens or more" : "";
			result.reason = any_in_force ? "no " + std::string(bucket_name(bucket)) + " price for " + label + " (" +
			                                   std::string(request.service_tier) + " tier)" + where
			                             : "no " + std::string(request.service_tier) + " price for " + label +
			                                   " was in force at that time";
			return result;
		}
		int128 term = 0;
		if (__builtin_mul_overflow(static_cast<int128>(request.tokens.n[i]), row->usd_per_mtok, &term) ||
		    __builtin_add_overflow(units, term, &units)) {
			result.status = PriceStatus::kOverflow;
			result.reason = "the cost of " + label + " is out of range";
			return result;
		}
		used.insert(row->price_id);
	}
	// tokens x (1e-12 USD per 1e6 tokens) = units of 1e-18 USD, which is Decimal's scale.
	static_assert(kPriceScale + 6 == Decimal::kScale, "price scale must make token products exact");
	result.status = PriceStatus::kPriced;
	result.cost = Decimal::from_units(units);
	result.pricing_version = "dexcost:";
	if (used.empty())
		result.pricing_version += "none";
	bool first = true;
	for (int64_t id : used) {
		if (!first)
			result.pricing_version += "+";
		result.pricing_version += std::to_string(id);
		first = false;
	}
	return result;
}

} // namespace dexcost
