// Checking and normalising records of the dexcost SDK's v1 wire format.
#include "core/ingest.hpp"

#include "core/decimal.hpp"
#include "core/wire.hpp"

#include <cctype>
#include <limits>

namespace dexcost {

namespace {

const char *const kRevenueStateWords[] = {"pending", "provisional", "recognized", "voided"};
const char *const kRevenueSourceWords[] = {"sdk", "workspace_api", "import", "manual"};

// A value quoted for a reason, shortened when long.
std::string quoted(std::string_view v) {
	std::string s(v.substr(0, 64));
	return "\"" + s + (v.size() > 64 ? "...\"" : "\"");
}

// Sets the reason and returns false.
bool fail(std::string *reason, std::string_view field, const std::string &problem) {
	*reason = std::string(field) + ": " + problem;
	return false;
}

const char *kind_name(JsonKind k) {
	switch (k) {
	case JsonKind::kMissing:
		return "missing";
	case JsonKind::kNull:
		return "null";
	case JsonKind::kString:
		return "a string";
	case JsonKind::kNumber:
		return "a number";
	case JsonKind::kTrue:
	case JsonKind::kFalse:
		return "a boolean";
	case JsonKind::kObject:
		return "an object";
	case JsonKind::kArray:
		return "an array";
	}
	return "unknown";
}

// The key must be there; null is allowed only when nullable.
bool present(const Field &f, std::string_view name, bool nullable, std::string *r) {
	if (f.kind == JsonKind::kMissing)
		return fail(r, name, "missing required field");
	if (f.kind == JsonKind::kNull && !nullable)
		return fail(r, name, "must not be null");
	return true;
}

// A string (when not null) of min..max code points.
bool string_field(const Field &f, std::string_view name, bool required, bool nullable, long min_len, long max_len,
                  std::string *r) {
	if (required && !present(f, name, nullable, r))
		return false;
	if (!f.present()) {
		if (f.kind == JsonKind::kNull && !nullable)
			return fail(r, name, "must not be null");
		return true;
	}
	if (f.kind != JsonKind::kString)
		return fail(r, name, std::string("must be a string, not ") + kind_name(f.kind));
	long n = utf8_length(f.text);
	if (n < 0)
		return fail(r, name, "is not valid UTF-8");
	if (n < min_len)
		return fail(r, name, min_len == 1 ? "must not be empty" : "is too short");
	if (n > max_len)
		return fail(r, name, "is longer than " + std::to_string(max_len) + " characters");
	return true;
}

// A uuid string (when not null).
bool uuid_field(const Field &f, std::string_view name, bool required, bool nullable, std::string *r) {
	if (!string_field(f, name, required, nullable, 0, 64, r))
		return false;
	if (f.present() && !is_uuid(f.text))
		return fail(r, name, "not a uuid: " + quoted(f.text));
	return true;
}

// An RFC 3339 date-time string (when not null).
bool time_field(const Field &f, std::string_view name, bool required, bool nullable, std::string *r) {
	if (!string_field(f, name, required, nullable, 0, 64, r))
		return false;
	if (f.present() && !is_rfc3339(f.text))
		return fail(r, name, "not an RFC 3339 date-time with a time zone: " + quoted(f.text));
	return true;
}

// A decimal string in the contract's format (when not null).
bool decimal_field(const Field &f, std::string_view name, bool required, bool nullable, std::string *r) {
	if (!string_field(f, name, required, nullable, 0, 128, r))
		return false;
	if (f.present() && !is_wire_decimal(f.text))
		return fail(r, name, "not a decimal string: " + quoted(f.text));
	return true;
}

// A non-negative JSON integer (when not null) that fits int64.
bool counter_field(const Field &f, std::string_view name, bool required, bool nullable, int64_t *value,
                   std::string *r) {
	if (required && !present(f, name, nullable, r))
		return false;
	if (!f.present())
		return true;
	if (f.kind != JsonKind::kNumber)
		return fail(r, name, std::string("must be an integer, not ") + kind_name(f.kind));
	std::string_view t = f.text;
	size_t point = t.find('.');
	std::string_view whole = t.substr(0, point);
	if (point != std::string_view::npos && t.find_first_not_of('0', point + 1) != std::string_view::npos)
		return fail(r, name, "must be an integer: " + quoted(t));
	if (!whole.empty() && whole[0] == '-')
		return fail(r, name, "must not be negative: " + quoted(t));
	int64_t v = 0;
	if (whole.empty())
		return fail(r, name, "must be an integer: " + quoted(t));
	for (char c : whole) {
		if (c < '0' || c > '9')
			return fail(r, name, "must be an integer: " + quoted(t));
		if (__builtin_mul_overflow(v, static_cast<int64_t>(10), &v) || __builtin_add_overflow(v, c - '0', &v))
			return fail(r, name, "is too large: " + quoted(t));
	}
	if (value)
		*value = v;
	return true;
}

// A JSON boolean.
bool bool_field(const Field &f, std::string_view name, bool *value, std::string *r) {
	if (!present(f, name, false, r))
		return false;
	if (f.kind != JsonKind::kTrue && f.kind != JsonKind::kFalse)
		return fail(r, name, std::string("must be true or false, not ") + kind_name(f.kind));
	*value = f.kind == JsonKind::kTrue;
	return true;
}

// A JSON object.
bool object_field(const Field &f, std::string_view name, bool required, std::string *r) {
	if (required && !present(f, name, false, r))
		return false;
	if (f.present() && f.kind != JsonKind::kObject)
		return fail(r, name, std::string("must be an object, not ") + kind_name(f.kind));
	return true;
}

// One word of a vocabulary.
bool enum_field(const Field &f, std::string_view name, const Vocabulary &vocab, int *index, std::string *r) {
	if (!string_field(f, name, true, false, 0, 64, r))
		return false;
	int i = vocab_index(vocab, f.text);
	if (i < 0)
		return fail(r, name, "unknown value " + quoted(f.text) + " (expected " + vocab.listing + ")");
	*index = i;
	return true;
}

// schema_version must be the string "1".
bool version_field(const Field &f, std::string *r) {
	if (!present(f, "schema_version", false, r))
		return false;
	if (f.kind != JsonKind::kString || f.text != "1")
		return fail(r, "schema_version", "must be \"1\", got " + (f.kind == JsonKind::kString ? quoted(f.text)
		                                                                                        : std::string(kind_name(f.kind))));
	return true;
}

// Checks a cost the SDK sends: a non-negative decimal of at most 18 places, below 1e15.
bool cost_value(const Field &f, std::string_view name, std::string *r) {
	if (!f.present())
		return true;
	if (!f.text.empty() && f.text[0] == '-')
		return fail(r, name, "must not be negative: " + quoted(f.text));
	// 1e15 USD in units of 1e-18: the bound the cost_event trigger applies too.
	static const int128 kLimit = static_cast<int128>(1000000000000000LL) * 1000000000000000000LL;
	Decimal d;
	DecimalError e = Decimal::parse(f.text, &d);
	if (e == DecimalError::kTooManyDecimals)
		return fail(r, name, "more than 18 decimal places: " + quoted(f.text));
	if (e != DecimalError::kNone || d.units() >= kLimit)
		return fail(r, name, "out of range (one event costs less than 1e15 USD): " + quoted(f.text));
	return true;
}

} // namespace

const Vocabulary kRevenueStates = {"state", kRevenueStateWords, 4, "pending, provisional, recognized or voided"};
const Vocabulary kRevenueSources = {"type", kRevenueSourceWords, 4, "sdk, workspace_api, import or manual"};

bool cache_counters_disjoint(std::string_view provider) {
	std::string p;
	for (char c : provider)
		p.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
	return p.find("anthropic") != std::string::npos || p.find("bedrock") != std::string::npos || p == "aws";
}

bool check_event(const EventFields &in, EventValues *out, std::string *r) {
	*out = EventValues();
	if (!version_field(in.schema_version, r) || !uuid_field(in.event_id, "event_id", true, false, r) ||
	    !uuid_field(in.task_id, "task_id", true, false, r) ||
	    !enum_field(in.event_type, "event_type", kEventTypes, &out->event_type, r) ||
	    !time_field(in.occurred_at, "occurred_at", true, false, r) ||
	    !decimal_field(in.cost_usd, "cost_usd", true, false, r) || !cost_value(in.cost_usd, "cost_usd", r) ||
	    !enum_field(in.cost_confidence, "cost_confidence", kCostConfidences, &out->confidence, r) ||
	    !string_field(in.pricing_source, "pricing_source", true, true, 0, 256, r) ||
	    !string_field(in.pricing_version, "pricing_version", true, true, 0, 256, r) ||
	    !string_field(in.service_name, "service_name", true, true, 0, 256, r) ||
	    !string_field(in.provider, "provider", true, true, 0, 256, r) ||
	    !string_field(in.model, "model", true, true, 0, 256, r) ||
	    !bool_field(in.is_retry, "is_retry", &out->is_retry, r) ||
	    !string_field(in.retry_reason, "retry_reason", true, true, 0, 256, r) ||
	    !uuid_field(in.retry_of, "retry_of", true, true, r) || !object_field(in.details, "details", true, r))
		return false;

	int64_t input = 0, output = 0, cached = 0, write = 0, reasoning = 0;
	if (!counter_field(in.input_tokens, "input_tokens", true, true, &input, r) ||
	    !counter_field(in.output_tokens, "output_tokens", true, true, &output, r) ||
	    !counter_field(in.cached_tokens, "cached_tokens", true, true, &cached, r) ||
	    !counter_field(in.latency_ms, "latency_ms", true, true, &out->latency_ms, r) ||
	    !string_field(in.error_type, "details.error_type", false, true, 0, 256, r) ||
	    !counter_field(in.cache_write_input_tokens, "details.cache_write_input_tokens", false, true, &write, r) ||
	    !counter_field(in.cache_creation_input_tokens, "details.cache_creation_input_tokens", false, true, &write, r) ||
	    !counter_field(in.reasoning_output_tokens, "details.reasoning_output_tokens", false, true, &reasoning, r))
		return false;
	out->has_latency = in.latency_ms.present();
	// details.service_tier prices the tokens at that tier; OpenAI's "default" and "auto" are
	// its standard tier.
	if (in.service_tier.present()) {
		int tier = -1;
		if (in.service_tier.kind == JsonKind::kString &&
		    (in.service_tier.text == "default" || in.service_tier.text == "auto"))
			tier = vocab_index(kServiceTiers, "standard");
		else if (!enum_field(in.service_tier, "details.service_tier", kServiceTiers, &tier, r))
			return false;
		out->service_tier = kServiceTiers.words[tier];
	}
	bool has_write = in.cache_write_input_tokens.present() || in.cache_creation_input_tokens.present();

	// Token buckets never overlap in dexcost. Anthropic and Bedrock report cache tokens apart from
	// input; the others (OpenAI, Gemini, ...) count cache reads and writes inside input_tokens.
	const int kIn = 0, kRead = 1, kWrite = 2, kOut = 4, kReason = 5;
	bool disjoint = in.provider.present() && cache_counters_disjoint(in.provider.text);
	if (in.input_tokens.present()) {
		int64_t uncached = input;
		if (!disjoint && (__builtin_sub_overflow(uncached, cached, &uncached) ||
		                  __builtin_sub_overflow(uncached, write, &uncached) || uncached < 0))
			return fail(r, "cached_tokens",
			            std::to_string(cached) + " cache-read and " + std::to_string(write) +
			                " cache-write tokens exceed input_tokens " + std::to_string(input) +
			                ", which already count them for this provider");
		out->tokens[kIn] = uncached;
		out->known[kIn] = true;
	}
	if (in.cached_tokens.present()) {
		out->tokens[kRead] = cached;
		out->known[kRead] = true;
	}
	if (has_write) {
		out->tokens[kWrite] = write;
		out->known[kWrite] = true;
	}
	if (in.output_tokens.present()) {
		if (reasoning > output)
			return fail(r, "details.reasoning_output_tokens",
			            std::to_string(reasoning) + " exceed output_tokens " + std::to_string(output) +
			                ", which count them");
		out->tokens[kOut] = output - reasoning;
		out->known[kOut] = true;
		if (in.reasoning_output_tokens.present()) {
			out->tokens[kReason] = reasoning;
			out->known[kReason] = true;
		}
	}
	// An unknown cost is dexcost's to price; a known one is kept with the SDK's confidence.
	out->cost_given = out->confidence != static_cast<int>(Confidence::kUnknown);
	if (!out->cost_given)
		out->confidence = -1;
	return true;
}

bool check_task(const TaskFields &in, TaskValues *out, std::string *r) {
	*out = TaskValues();
	if (!version_field(in.schema_version, r) || !uuid_field(in.task_id, "task_id", true, false, r) ||
	    !string_field(in.task_type, "task_type", true, false, 1, 256, r) ||
	    !enum_field(in.status, "status", kTaskStatuses, &out->status, r) ||
	    !time_field(in.started_at, "started_at", true, false, r) ||
	    !time_field(in.ended_at, "ended_at", true, true, r) || !object_field(in.metadata, "metadata", true, r) ||
	    !string_field(in.customer_id, "customer_id", true, true, 1, 256, r) ||
	    !string_field(in.project_id, "project_id", true, true, 1, 256, r) ||
	    !string_field(in.user_id, "user_id", false, true, 1, 512, r) ||
	    !string_field(in.product_id, "product_id", false, true, 1, 512, r) ||
	    !uuid_field(in.parent_task_id, "parent_task_id", true, true, r) ||
	    !uuid_field(in.root_task_id, "root_task_id", false, true, r) ||
	    !string_field(in.agent_id, "agent_id", false, true, 1, 256, r) ||
	    !string_field(in.agent_version, "agent_version", false, true, 1, 256, r) ||
	    !string_field(in.workflow_id, "workflow_id", false, true, 1, 256, r) ||
	    !string_field(in.workflow_session_id, "workflow_session_id", false, true, 1, 256, r) ||
	    // The schema lists experiment_id and variant as required; the SDK's own fixtures omit them.
	    !string_field(in.experiment_id, "experiment_id", false, true, 1, 256, r) ||
	    !string_field(in.variant, "variant", false, true, 1, 256, r))
		return false;
	if (in.parent_task_id.present() && in.parent_task_id.text == in.task_id.text)
		return fail(r, "parent_task_id", "a task cannot be its own parent");
	// The SDK's own totals: optional (the current SDK does not send them), checked when present.
	const Field *money[] = {&in.llm_cost_usd,  &in.external_cost_usd, &in.compute_cost_usd, &in.network_cost_usd,
	                        &in.gpu_cost_usd,  &in.total_cost_usd,    &in.retry_cost_usd};
	const char *money_names[] = {"llm_cost_usd", "external_cost_usd", "compute_cost_usd", "network_cost_usd",
	                             "gpu_cost_usd", "total_cost_usd",    "retry_cost_usd"};
	for (size_t i = 0; i < sizeof money / sizeof money[0]; ++i)
		if (!decimal_field(*money[i], money_names[i], false, true, r) || !cost_value(*money[i], money_names[i], r))
			return false;
	const Field *counters[] = {&in.total_input_tokens, &in.total_output_tokens, &in.total_cached_tokens,
	                           &in.retry_count,        &in.failure_count,       &in.network_bytes_in,
	                           &in.network_bytes_out,  &in.network_call_count};
	const char *counter_names[] = {"total_input_tokens", "total_output_tokens", "total_cached_tokens",
	                               "retry_count",        "failure_count",       "network_bytes_in",
	                               "network_bytes_out",  "network_call_count"};
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; ++i)
		if (!counter_field(*counters[i], counter_names[i], false, true, nullptr, r))
			return false;
	out->has_reported_totals = in.total_cost_usd.present();
	return true;
}

bool check_revenue(const RevenueFields &in, RevenueValues *out, std::string *r) {
	*out = RevenueValues();
	int source_type = 0;
	if (!version_field(in.schema_version, r) || !uuid_field(in.revenue_id, "revenue_id", true, false, r) ||
	    !uuid_field(in.task_id, "task_id", true, false, r) || !uuid_field(in.outcome_id, "outcome_id", false, false, r) ||
	    !time_field(in.effective_at, "effective_at", true, false, r) ||
	    !time_field(in.observed_at, "observed_at", true, false, r) ||
	    !object_field(in.lifecycle, "lifecycle", true, r) ||
	    !enum_field(in.state, "lifecycle.state", kRevenueStates, &out->state, r) ||
	    !counter_field(in.revision, "lifecycle.revision", true, false, &out->revision, r) ||
	    !object_field(in.source, "source", true, r) ||
	    !enum_field(in.source_type, "source.type", kRevenueSources, &source_type, r))
		return false;
	if (out->revision < 1 || out->revision > std::numeric_limits<int32_t>::max())
		return fail(r, "lifecycle.revision", "must be between 1 and 2147483647");
	if (!string_field(in.source_record_id, "source.record_id", false, false, 1, 256, r))
		return false;
	bool needs_amount = out->state == 1 || out->state == 2; // provisional, recognized
	if (needs_amount && !in.amount.present())
		return fail(r, "amount", std::string("required for state ") + quoted(in.state.text));
	if (!needs_amount && in.amount.kind != JsonKind::kMissing)
		return fail(r, "amount", std::string("not allowed for state ") + quoted(in.state.text));
	if (needs_amount) {
		if (!object_field(in.amount, "amount", true, r) ||
		    !string_field(in.amount_value, "amount.value", true, false, 1, 64, r) ||
		    !string_field(in.amount_currency, "amount.currency", true, false, 3, 3, r))
			return false;
		// ^(0|[1-9][0-9]{0,25})(\.[0-9]{1,12})?$: non-negative, 26 integer and 12 fractional digits at most.
		std::string_view v = in.amount_value.text;
		size_t point = v.find('.');
		std::string_view whole = v.substr(0, point), frac = point == std::string_view::npos ? "" : v.substr(point + 1);
		if (!is_wire_decimal(v) || v[0] == '-' || whole.size() > 26 || frac.size() > 12 ||
		    (point != std::string_view::npos && frac.empty()))
			return fail(r, "amount.value", "not a non-negative decimal with at most 26 integer and 12 fractional digits: " +
			                                   quoted(v));
		for (char c : in.amount_currency.text)
			if (c < 'A' || c > 'Z')
				return fail(r, "amount.currency", "not an ISO 4217 code: " + quoted(in.amount_currency.text));
	}
	if (out->state == 3 && out->revision < 2)
		return fail(r, "lifecycle.revision", "a voided revenue must supersede an earlier revision (revision 2 or more)");
	return true;
}

} // namespace dexcost
