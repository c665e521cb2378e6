// Checking and normalising one record of the dexcost SDK's v1 wire format.
//
// The PostgreSQL binding reads each JSON field into a Field (its kind and, for strings and
// numbers, its text); these functions decide whether the record is acceptable, say which
// field is at fault if not, and derive what the schema stores (disjoint token buckets, the
// cost dexcost should keep or compute). Pure, no allocation outside the reason text.
#pragma once

#include "core/cpp_only.hpp"
#include "core/vocab.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace dexcost {

// The JSON kinds a field can have; kMissing when the key is absent.
enum class JsonKind : uint8_t { kMissing, kNull, kString, kNumber, kTrue, kFalse, kObject, kArray };

// One JSON field: its kind, and its text for strings and numbers (PostgreSQL's numeric text).
struct Field {
	JsonKind kind = JsonKind::kMissing;
	std::string_view text;

	bool present() const { return kind != JsonKind::kMissing && kind != JsonKind::kNull; }
};

// The fields of an event.v1 record that dexcost reads, and the details keys it maps.
struct EventFields {
	Field event_id, task_id, event_type, occurred_at, cost_usd, cost_confidence, pricing_source, pricing_version,
	    service_name, provider, model, input_tokens, output_tokens, cached_tokens, latency_ms, is_retry, retry_reason,
	    retry_of, details, schema_version;
	// From details (only meaningful when details is an object).
	Field error_type, cache_write_input_tokens, cache_creation_input_tokens, reasoning_output_tokens, service_tier;
};

// What the schema stores for an acceptable event, beyond fields copied as they are.
struct EventValues {
	int event_type = 0;
	bool cost_given = false; // false: dexcost prices it (the SDK said unknown)
	int confidence = -1;     // index in kCostConfidences, -1 for NULL
	const char *service_tier = "standard";
	int64_t tokens[kBucketCount] = {0, 0, 0, 0, 0, 0};
	bool known[kBucketCount] = {false, false, false, false, false, false};
	int64_t latency_ms = 0;
	bool has_latency = false;
	bool is_retry = false;
};

// The fields of a task.v1 record.
struct TaskFields {
	Field task_id, task_type, status, started_at, ended_at, metadata, customer_id, project_id, user_id, product_id,
	    parent_task_id, root_task_id, agent_id, agent_version, workflow_id, workflow_session_id, experiment_id, variant,
	    schema_version;
	// The SDK's own totals (optional: the current SDK no longer sends them).
	Field llm_cost_usd, external_cost_usd, compute_cost_usd, network_cost_usd, gpu_cost_usd, total_cost_usd,
	    total_input_tokens, total_output_tokens, total_cached_tokens, retry_count, retry_cost_usd, failure_count,
	    network_bytes_in, network_bytes_out, network_call_count;
};

// What dexcost derives from an acceptable task.
struct TaskValues {
	int status = 0;             // index in kTaskStatuses
	bool has_reported_totals = false;
};

// The fields of a revenue-revision.v1 record (nested objects flattened by the binding).
struct RevenueFields {
	Field schema_version, revenue_id, task_id, outcome_id, effective_at, observed_at, lifecycle, state, revision,
	    amount, amount_value, amount_currency, source, source_type, source_record_id;
};

struct RevenueValues {
	int state = 0; // pending, provisional, recognized, voided
	int64_t revision = 0;
};

// Revenue lifecycle states, in order of the contract.
extern const Vocabulary kRevenueStates; // pending, provisional, recognized, voided
extern const Vocabulary kRevenueSources; // sdk, workspace_api, import, manual

// Checks an event; on failure returns false with a reason naming the field.
bool check_event(const EventFields &in, EventValues *out, std::string *reason);
// Checks a task; on failure returns false with a reason naming the field.
bool check_task(const TaskFields &in, TaskValues *out, std::string *reason);
// Checks a revenue revision; on failure returns false with a reason naming the field.
bool check_revenue(const RevenueFields &in, RevenueValues *out, std::string *reason);

// Whether a provider reports cache tokens apart from input tokens (Anthropic, Bedrock), as the
// dexcost SDK's converter decides; the others count cache reads and writes inside input_tokens.
bool cache_counters_disjoint(std::string_view provider);

} // namespace dexcost
