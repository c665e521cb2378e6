// libFuzzer harness: the SDK record checks (src/core/ingest.*) on records the JSON tape parser read from
// client text, as dexcost.ingest(text) does: {"events": [...], "tasks": [...], "revenue_revisions": [...]},
// each record's keys mapped to Fields (strings unescaped, numbers as their literal text). A refused record
// must come with a reason.
#include "core/ingest.hpp"
#include "core/json.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace dexcost;

namespace {

// A tape node as a Field: its kind, and its text for strings and numbers.
Field field_at(const JsonTape &t, uint32_t node) {
	Field f;
	f.kind = t.node(node).kind;
	if (f.kind == JsonKind::kString)
		f.text = t.string_value(node);
	else if (f.kind == JsonKind::kNumber)
		f.text = t.number_text(node);
	return f;
}

// Calls fill(key, field, value node) for each member of object node o (nothing if o is no object).
template <typename Fill>
void members(const JsonTape &t, uint32_t o, Fill fill) {
	if (t.node(o).kind != JsonKind::kObject)
		return;
	for (uint32_t k = o + 1; k < t.node(o).next; k = t.node(k + 1).next)
		fill(t.string_value(k), field_at(t, k + 1), k + 1);
}

void check_events(const JsonTape &t, uint32_t rec) {
	EventFields f;
	Field *const slots[] = {&f.event_id, &f.task_id, &f.event_type, &f.occurred_at, &f.cost_usd,
	                        &f.cost_confidence, &f.pricing_source, &f.pricing_version, &f.service_name,
	                        &f.provider, &f.model, &f.input_tokens, &f.output_tokens, &f.cached_tokens,
	                        &f.latency_ms, &f.is_retry, &f.retry_reason, &f.retry_of, &f.details,
	                        &f.schema_version};
	static const char *const names[] = {"event_id", "task_id", "event_type", "occurred_at", "cost_usd",
	                                    "cost_confidence", "pricing_source", "pricing_version", "service_name",
	                                    "provider", "model", "input_tokens", "output_tokens", "cached_tokens",
	                                    "latency_ms", "is_retry", "retry_reason", "retry_of", "details",
	                                    "schema_version"};
	uint32_t details = kJsonNone;
	members(t, rec, [&](std::string_view key, Field v, uint32_t node) {
		for (size_t i = 0; i < std::size(names); ++i)
			if (key == names[i]) {
				*slots[i] = v;
				if (i == 18)
					details = node;
			}
	});
	if (details != kJsonNone)
		members(t, details, [&](std::string_view key, Field v, uint32_t) {
			if (key == "error_type") f.error_type = v;
			else if (key == "cache_write_input_tokens") f.cache_write_input_tokens = v;
			else if (key == "cache_creation_input_tokens") f.cache_creation_input_tokens = v;
			else if (key == "reasoning_output_tokens") f.reasoning_output_tokens = v;
			else if (key == "service_tier") f.service_tier = v;
		});
	EventValues out;
	std::string reason;
	if (!check_event(f, &out, &reason) && reason.empty())
		abort();
}

void check_tasks(const JsonTape &t, uint32_t rec) {
	TaskFields f;
	Field *const slots[] = {&f.task_id, &f.task_type, &f.status, &f.started_at, &f.ended_at, &f.metadata,
	                        &f.customer_id, &f.parent_task_id, &f.root_task_id, &f.schema_version,
	                        &f.llm_cost_usd, &f.total_cost_usd, &f.total_input_tokens, &f.retry_count,
	                        &f.network_bytes_in};
	static const char *const names[] = {"task_id", "task_type", "status", "started_at", "ended_at", "metadata",
	                                    "customer_id", "parent_task_id", "root_task_id", "schema_version",
	                                    "llm_cost_usd", "total_cost_usd", "total_input_tokens", "retry_count",
	                                    "network_bytes_in"};
	members(t, rec, [&](std::string_view key, Field v, uint32_t) {
		for (size_t i = 0; i < std::size(names); ++i)
			if (key == names[i])
				*slots[i] = v;
	});
	TaskValues out;
	std::string reason;
	if (!check_task(f, &out, &reason) && reason.empty())
		abort();
}

void check_revenues(const JsonTape &t, uint32_t rec) {
	RevenueFields f;
	members(t, rec, [&](std::string_view key, Field v, uint32_t node) {
		if (key == "schema_version") f.schema_version = v;
		else if (key == "revenue_id") f.revenue_id = v;
		else if (key == "task_id") f.task_id = v;
		else if (key == "outcome_id") f.outcome_id = v;
		else if (key == "effective_at") f.effective_at = v;
		else if (key == "observed_at") f.observed_at = v;
		else if (key == "lifecycle") {
			f.lifecycle = v;
			members(t, node, [&](std::string_view k2, Field v2, uint32_t) {
				if (k2 == "state") f.state = v2;
				else if (k2 == "revision") f.revision = v2;
			});
		} else if (key == "amount") {
			f.amount = v;
			members(t, node, [&](std::string_view k2, Field v2, uint32_t) {
				if (k2 == "value") f.amount_value = v2;
				else if (k2 == "currency") f.amount_currency = v2;
			});
		} else if (key == "source") {
			f.source = v;
			members(t, node, [&](std::string_view k2, Field v2, uint32_t) {
				if (k2 == "type") f.source_type = v2;
				else if (k2 == "record_id") f.source_record_id = v2;
			});
		}
	});
	RevenueValues out;
	std::string reason;
	if (!check_revenue(f, &out, &reason) && reason.empty())
		abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static JsonTape tape;
	if (!tape.parse(std::string_view(reinterpret_cast<const char *>(data), size)))
		return 0;
	members(tape, 0, [&](std::string_view key, Field v, uint32_t array) {
		if (v.kind != JsonKind::kArray)
			return;
		for (uint32_t e = array + 1; e < tape.node(array).next; e = tape.node(e).next) {
			if (key == "events") check_events(tape, e);
			else if (key == "tasks") check_tasks(tape, e);
			else if (key == "revenue_revisions") check_revenues(tape, e);
		}
	});
	(void)cache_counters_disjoint(std::string_view(reinterpret_cast<const char *>(data), size < 16 ? size : 16));
	return 0;
}
