// The closed vocabularies of dexcost's schema, in one place.
//
// The SQL CHECK constraints, the trigger's error messages and the docs all list the same
// words; this header is their C++ source. Lookups never allocate and never throw, so the
// PostgreSQL bindings may call them while checking arguments.
#pragma once

#include "core/cpp_only.hpp"

#include <cstddef>
#include <string_view>

namespace dexcost {

// One closed vocabulary: its column name, its words, and the words as a sentence.
struct Vocabulary {
	const char *column;
	const char *const *words;
	size_t count;
	const char *listing; // "a, b, c or d", for messages
};

extern const Vocabulary kEventTypes;      // llm_call ... retry_marker, and the SDK's network, gpu_cost, gpu_utilization_signal
extern const Vocabulary kCostConfidences; // exact, computed, estimated, unknown
extern const Vocabulary kTaskStatuses;    // pending, success, failed
extern const Vocabulary kServiceTiers;    // standard, batch, flex, priority
extern const Vocabulary kUsageTypes;      // the disjoint token buckets a price applies to
extern const Vocabulary kRetryTypes;      // provider_retry, application_retry, validation_retry, user_regeneration
extern const Vocabulary kRequestPaths;    // live, batch

// Index of word in vocab, or -1 when it is not one of its words.
int vocab_index(const Vocabulary &vocab, std::string_view word) noexcept;

inline bool vocab_contains(const Vocabulary &vocab, std::string_view word) noexcept {
	return vocab_index(vocab, word) >= 0;
}

// Cost confidence levels, in kCostConfidences order.
enum class Confidence { kExact = 0, kComputed = 1, kEstimated = 2, kUnknown = 3 };

// Token buckets, in kUsageTypes order. They never overlap: input means uncached input.
enum class Bucket { kInput = 0, kCacheRead, kCacheWrite, kCacheWrite1h, kOutput, kReasoning };
constexpr int kBucketCount = 6;

// The usage_type word of a bucket.
const char *bucket_name(Bucket bucket) noexcept;

} // namespace dexcost
