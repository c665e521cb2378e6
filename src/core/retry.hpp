// Retry detection: the dexcost SDK's heuristic rule, and a scan that applies it to history.
//
// The rule (same semantics as the SDK's enable_retry_heuristics, so numbers agree): a new
// llm_call E of a task is compared with the most recent earlier llm_call C of the same task
// and model. E is a retry of C when C failed with a transient error and the gap
// E.at - C.at lies in [0, W]; its confidence is likelihood(C.error) x (1 - gap / W), and E is
// flagged when the confidence reaches the threshold.
#pragma once

#include "core/cpp_only.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace dexcost {

// Defaults of the settings dexcost.retry_window and dexcost.retry_threshold.
constexpr int64_t kDefaultRetryWindowUs = 30 * 1000000LL;
constexpr double kDefaultRetryThreshold = 0.8;

// How likely a call that follows an error of this type is its retry: rate_limit 1.0,
// timeout 0.9, 5xx and server_error 0.85, connection_error and the other transient types 0.8;
// 0 for an absent or non-transient error type. Case-insensitive; never throws.
double retry_likelihood(std::string_view error_type) noexcept;

// Confidence that a call gap_us after a failed candidate retries it; 0 when the candidate's
// error is not transient (likelihood 0), the gap is negative or longer than the window, or
// the window is not positive.
double retry_confidence(double likelihood, int64_t gap_us, int64_t window_us) noexcept;

// Whether a confidence flags a call: > 0 and >= threshold, where "equal" allows for the
// rounding of the division (a gap that reaches the threshold exactly on paper is flagged).
bool retry_flagged(double confidence, double threshold) noexcept;

// The retry type a reason suggests: provider_retry for transient provider errors,
// validation_retry for parser and schema failures, user_regeneration for a user's try-again,
// application_retry otherwise (including an empty reason).
const char *retry_type_for_reason(std::string_view reason) noexcept;

// One llm_call as the history scan sees it. Texts are interned by the caller: equal ids
// mean equal texts. task is the caller's id of (customer_id, task_id).
struct RetryCall {
	uint64_t task_hi = 0, task_lo = 0; // task id (128 bits)
	uint32_t customer = 0;             // interned customer_id
	uint32_t model = 0;                // interned model (0: no model)
	int64_t at_us = 0;                 // occurred_at, microseconds
	double likelihood = 0;             // retry_likelihood(error_type) of this call
	uint32_t seq = 0;                  // read order, breaks ties of at_us
};

// A suspected retry found by the scan: indexes into the calls given.
struct RetryFinding {
	uint32_t call;      // the retry
	uint32_t candidate; // the attempt it repeats
	int64_t gap_us;
	double confidence;
};

// Applies the rule to the n calls (in any order): for each call, the candidate is the most
// recent earlier call of the same customer, task and model (ties in at_us: the earlier seq).
// Flagged findings are written to out (room for n), in (task, model, time) order, and their
// number to *found. keep_from_us: calls before it are candidates only, never reported.
// Returns false (with *found 0) only when memory runs out.
bool scan_retries(const RetryCall *calls, size_t n, int64_t window_us, double threshold, int64_t keep_from_us,
                  RetryFinding *out, size_t *found) noexcept;

} // namespace dexcost
