// The closed vocabularies of dexcost's schema.
#include "core/vocab.hpp"

namespace dexcost {

namespace {

const char *const kEventTypeWords[] = {"llm_call",     "external_cost", "compute_cost",          "retry_marker",
                                       "network",      "gpu_cost",      "gpu_utilization_signal"};
const char *const kConfidenceWords[] = {"exact", "computed", "estimated", "unknown"};
const char *const kStatusWords[] = {"pending", "success", "failed"};
const char *const kTierWords[] = {"standard", "batch", "flex", "priority"};
const char *const kUsageWords[] = {"input", "cache_read", "cache_write", "cache_write_1h", "output", "reasoning"};
const char *const kRetryWords[] = {"provider_retry", "application_retry", "validation_retry", "user_regeneration"};
const char *const kPathWords[] = {"live", "batch"};

template <size_t N>
constexpr size_t count_of(const char *const (&)[N]) {
	return N;
}

} // namespace

const Vocabulary kEventTypes = {
    "event_type", kEventTypeWords, count_of(kEventTypeWords),
    "llm_call, external_cost, compute_cost, retry_marker, network, gpu_cost or gpu_utilization_signal"};
const Vocabulary kCostConfidences = {"cost_confidence", kConfidenceWords, count_of(kConfidenceWords),
                                     "exact, computed, estimated or unknown"};
const Vocabulary kTaskStatuses = {"status", kStatusWords, count_of(kStatusWords), "pending, success or failed"};
const Vocabulary kServiceTiers = {"service_tier", kTierWords, count_of(kTierWords),
                                  "standard, batch, flex or priority"};
const Vocabulary kUsageTypes = {"usage_type", kUsageWords, count_of(kUsageWords),
                                "input, cache_read, cache_write, cache_write_1h, output or reasoning"};
const Vocabulary kRetryTypes = {"retry_type", kRetryWords, count_of(kRetryWords),
                                "provider_retry, application_retry, validation_retry or user_regeneration"};
const Vocabulary kRequestPaths = {"request_path", kPathWords, count_of(kPathWords), "live or batch"};

int vocab_index(const Vocabulary &vocab, std::string_view word) noexcept {
	for (size_t i = 0; i < vocab.count; ++i)
		if (word == vocab.words[i])
			return static_cast<int>(i);
	return -1;
}

const char *bucket_name(Bucket bucket) noexcept {
	return kUsageWords[static_cast<int>(bucket)];
}

} // namespace dexcost
