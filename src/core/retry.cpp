// Retry detection rule and history scan (see retry.hpp).
#include "core/retry.hpp"

#include <algorithm>
#include <cctype>
#include <new>

namespace dexcost {

namespace {

// Whether a equals b ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept {
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
			return false;
	return true;
}

struct Likelihood {
	const char *error_type;
	double value;
};

// The SDK's five named transient types, then the other transient spellings providers and
// client libraries use (likelihood 0.8, the SDK's figure for "any other transient type").
const Likelihood kLikelihoods[] = {
    {"rate_limit", 1.0},          {"timeout", 0.9},           {"5xx", 0.85},
    {"server_error", 0.85},       {"connection_error", 0.8},  {"rate_limit_error", 1.0},
    {"overloaded", 0.8},          {"overloaded_error", 0.8},  {"service_unavailable", 0.8},
    {"bad_gateway", 0.8},         {"gateway_timeout", 0.8},   {"api_connection_error", 0.8},
    {"api_timeout", 0.8},         {"network_error", 0.8},     {"internal_server_error", 0.8},
};

bool contains_any(std::string_view text, std::initializer_list<std::string_view> words) noexcept {
	for (std::string_view w : words) {
		if (w.size() > text.size())
			continue;
		for (size_t i = 0; i + w.size() <= text.size(); ++i)
			if (iequals(text.substr(i, w.size()), w))
				return true;
	}
	return false;
}

} // namespace

double retry_likelihood(std::string_view error_type) noexcept {
	for (const Likelihood &l : kLikelihoods)
		if (iequals(error_type, l.error_type))
			return l.value;
	return 0.0;
}

double retry_confidence(double likelihood, int64_t gap_us, int64_t window_us) noexcept {
	if (likelihood <= 0 || window_us <= 0 || gap_us < 0 || gap_us > window_us)
		return 0.0;
	return likelihood * (1.0 - static_cast<double>(gap_us) / static_cast<double>(window_us));
}

bool retry_flagged(double confidence, double threshold) noexcept {
	return confidence > 0 && confidence >= threshold - 1e-12;
}

const char *retry_type_for_reason(std::string_view reason) noexcept {
	if (retry_likelihood(reason) > 0 || contains_any(reason, {"rate_limit", "timeout", "5xx", "server_error",
	                                                          "connection", "overloaded", "unavailable"}))
		return "provider_retry";
	if (contains_any(reason, {"regenerat", "try_again", "try again", "thumbs_down"}))
		return "user_regeneration";
	if (contains_any(reason, {"parse", "parser", "validation", "schema", "invalid_json", "json"}))
		return "validation_retry";
	return "application_retry";
}

bool scan_retries(const RetryCall *calls, size_t n, int64_t window_us, double threshold, int64_t keep_from_us,
                  RetryFinding *out, size_t *found) noexcept {
	*found = 0;
	try {
		std::vector<uint32_t> order(n);
		for (uint32_t i = 0; i < order.size(); ++i)
			order[i] = i;
		std::sort(order.begin(), order.end(), [calls](uint32_t a, uint32_t b) {
			const RetryCall &x = calls[a], &y = calls[b];
			if (x.task_hi != y.task_hi)
				return x.task_hi < y.task_hi;
			if (x.task_lo != y.task_lo)
				return x.task_lo < y.task_lo;
			if (x.customer != y.customer)
				return x.customer < y.customer;
			if (x.model != y.model)
				return x.model < y.model;
			if (x.at_us != y.at_us)
				return x.at_us < y.at_us;
			return x.seq < y.seq;
		});
		for (size_t k = 1; k < order.size(); ++k) {
			const RetryCall &c = calls[order[k - 1]], &e = calls[order[k]];
			if (c.task_hi != e.task_hi || c.task_lo != e.task_lo || c.customer != e.customer || c.model != e.model ||
			    e.at_us < keep_from_us)
				continue;
			int64_t gap = e.at_us - c.at_us;
			double confidence = retry_confidence(c.likelihood, gap, window_us);
			if (retry_flagged(confidence, threshold))
				out[(*found)++] = RetryFinding{order[k], order[k - 1], gap, confidence};
		}
		return true;
	} catch (const std::bad_alloc &) {
		*found = 0;
		return false;
	}
}

} // namespace dexcost
