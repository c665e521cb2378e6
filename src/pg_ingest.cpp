// SQL surface of SDK ingest: dexcost.ingest(jsonb) and dexcost.ingest(text) store a dexcost SDK
// payload of v1 records.
//
//   phase 1  walk the records into plain Field views: from the jsonb PostgreSQL parsed, or
//            from the tape core/json made of the text (no jsonb built but for what is stored);
//   phase 2  check and normalise each record in C++ (src/core/ingest.cpp), noexcept;
//   phase 3  write: tasks (parents first), the SDK's reported totals, events, revenue
//            revisions, parked and raw records, each kind with one set-based statement.
// A set-based statement that fails is rolled back in a subtransaction and retried record by
// record, so one record PostgreSQL refuses never costs the others. Records whose task is not
// known yet are parked in dexcost.ingest_pending and stored when the task arrives.
#include "core/ingest.hpp"
#include "core/json.hpp"
#include "core/task_order.hpp"

#include <string>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_ingest);
PG_FUNCTION_INFO_V1(dexcost_ingest_text);
PG_FUNCTION_INFO_V1(dexcost_ingest_records);
}

namespace dexcost_pg {

namespace {

using dexcost::Field;
using dexcost::JsonKind;

// Record kinds, in the order their arrays are numbered for error indexes (the SDK's order).
enum Kind { kEvents, kTasks, kIdentities, kOutcomes, kRevenue, kKindCount };
const char *const kKindKeys[kKindCount] = {"events", "tasks", "business_identities", "outcomes", "revenue_revisions"};
const char *const kRawTypes[kKindCount] = {"event", "task", "business_identity", "outcome", "revenue_revision"};

constexpr int kReasonSize = 320;

// A JSON object or array records are read from: a jsonb container (dexcost.ingest(jsonb)),
// or a node of the payload text parsed by core/json (dexcost.ingest(text), no jsonb_in).
struct Obj {
	JsonbContainer *jb;            // jsonb path
	int jb_len;                    // size of jb's binary form
	const dexcost::JsonTape *tape; // text path
	uint32 node;
};
DEXCOST_PLAIN(Obj);

// One record of the payload: where it sits, its JSON, and its verdict.
struct Slot {
	int index;             // global position: the arrays concatenated in kKindKeys order
	Obj obj;               // unset when the element is not an object
	bool ok;               // accepted so far
	bool done;             // stored, parked or kept raw
	bool parked;
	char reason[kReasonSize];
};

struct EventSlot {
	Slot s;
	dexcost::EventFields f;
	dexcost::EventValues v;
	Datum details;
};

struct TaskSlot {
	Slot s;
	dexcost::TaskFields f;
	dexcost::TaskValues v;
	Datum metadata;
	const char *customer; // the customer dexcost files it under (decided in phase 3)
};

struct RevenueSlot {
	Slot s;
	dexcost::RevenueFields f;
	dexcost::RevenueValues v;
};

DEXCOST_PLAIN(Slot);
DEXCOST_PLAIN(EventSlot);
DEXCOST_PLAIN(TaskSlot);
DEXCOST_PLAIN(RevenueSlot);
DEXCOST_PLAIN(dexcost::TaskLink);

// Marks a slot refused with a reason.
void refuse(Slot *s, const char *reason) {
	s->ok = false;
	copy_text(s->reason, sizeof s->reason, reason);
	clip_to_characters(s->reason);
}

// ---------------------------------------------------------------------------------------
// Phase 1: reading the records (from jsonb, or from the tape of the parsed text)
// ---------------------------------------------------------------------------------------

// A jsonb value as a Field view (strings point into the jsonb; numbers are numeric_out text);
// child receives an object or array value.
Field jsonb_field(const JsonbValue *v, Obj *child) {
	Field f;
	switch (v->type) {
	case jbvNull:
		f.kind = JsonKind::kNull;
		break;
	case jbvString:
		f.kind = JsonKind::kString;
		f.text = std::string_view(v->val.string.val, v->val.string.len);
		break;
	case jbvNumeric: {
		f.kind = JsonKind::kNumber;
		char *t = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		f.text = std::string_view(t, strlen(t));
		break;
	}
	case jbvBool:
		f.kind = v->val.boolean ? JsonKind::kTrue : JsonKind::kFalse;
		break;
	case jbvBinary:
		f.kind = JsonContainerIsObject(v->val.binary.data) ? JsonKind::kObject : JsonKind::kArray;
		if (child)
			*child = Obj{v->val.binary.data, v->val.binary.len, nullptr, 0};
		break;
	default:
		f.kind = JsonKind::kArray;
		break;
	}
	return f;
}

// A number literal of the text as jsonb would show it: numeric_out of the value. Plain
// literals are already that; exponents and negative zeros go through numeric.
std::string_view number_as_jsonb(std::string_view literal) {
	bool plain = literal.find_first_of("eE") == std::string_view::npos &&
	             !(literal.size() >= 2 && literal[0] == '-' && literal[1] == '0');
	if (plain)
		return literal;
	Datum n = numeric_from_cstring(pnstrdup(literal.data(), literal.size()));
	char *t = DatumGetCString(DirectFunctionCall1(numeric_out, n));
	return std::string_view(t, strlen(t));
}

// A tape node as a Field view (strings point into the text or the tape); child receives an
// object or array value.
Field tape_field(const dexcost::JsonTape *tape, uint32 node, Obj *child) {
	Field f;
	const dexcost::JsonNode &n = tape->node(node);
	f.kind = n.kind;
	if (n.kind == JsonKind::kString)
		f.text = tape->string_value(node);
	else if (n.kind == JsonKind::kNumber)
		f.text = number_as_jsonb(tape->number_text(node));
	else if ((n.kind == JsonKind::kObject || n.kind == JsonKind::kArray) && child)
		*child = Obj{nullptr, 0, tape, node};
	return f;
}

// One field of an object (kMissing when o is not an object or has no such key).
Field field_of(const Obj &o, const char *key, Obj *child = nullptr) {
	if (child)
		*child = Obj{};
	if (o.jb) {
		JsonbValue k;
		k.type = jbvString;
		k.val.string.val = const_cast<char *>(key);
		k.val.string.len = static_cast<int>(strlen(key));
		JsonbValue *v = findJsonbValueFromContainer(o.jb, JB_FOBJECT, &k);
		return v ? jsonb_field(v, child) : Field();
	}
	if (o.tape) {
		std::string_view wanted(key);
		uint32 node = dexcost::kJsonNone;
		o.tape->find_keys(o.node, &wanted, 1, &node);
		return node == dexcost::kJsonNone ? Field() : tape_field(o.tape, node, child);
	}
	return Field();
}

// Pushes a tape node (and what it holds) into a jsonb being built; returns the container
// built when the node closes the outermost one.
JsonbValue *push_tape(const dexcost::JsonTape *tape, uint32 node, JsonbIteratorToken scalar_token,
                      JsonbParseState **state) {
	check_stack_depth();
	const dexcost::JsonNode &n = tape->node(node);
	JsonbValue v;
	switch (n.kind) {
	case JsonKind::kObject:
	case JsonKind::kArray: {
		bool object = n.kind == JsonKind::kObject;
		pushJsonbValue(state, object ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY, nullptr);
		uint32 i = node + 1;
		for (uint32 m = 0; m < n.count; ++m) {
			if (object) {
				std::string_view key = tape->string_value(i);
				v.type = jbvString;
				v.val.string.val = const_cast<char *>(key.data());
				v.val.string.len = static_cast<int>(key.size());
				pushJsonbValue(state, WJB_KEY, &v);
				i = tape->node(i).next;
			}
			push_tape(tape, i, object ? WJB_VALUE : WJB_ELEM, state);
			i = tape->node(i).next;
		}
		return pushJsonbValue(state, object ? WJB_END_OBJECT : WJB_END_ARRAY, nullptr);
	}
	case JsonKind::kString: {
		std::string_view text = tape->string_value(node);
		v.type = jbvString;
		v.val.string.val = const_cast<char *>(text.data());
		v.val.string.len = static_cast<int>(text.size());
		break;
	}
	case JsonKind::kNumber: {
		std::string_view literal = tape->number_text(node);
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(numeric_from_cstring(pnstrdup(literal.data(), literal.size())));
		break;
	}
	case JsonKind::kTrue:
	case JsonKind::kFalse:
		v.type = jbvBool;
		v.val.boolean = n.kind == JsonKind::kTrue;
		break;
	default:
		v.type = jbvNull;
		break;
	}
	return pushJsonbValue(state, scalar_token, &v);
}

// An object or array as a jsonb of its own (a record to park or keep, details, metadata).
Datum jsonb_datum(const Obj &o) {
	if (o.jb) {
		JsonbValue v;
		v.type = jbvBinary;
		v.val.binary.data = o.jb;
		v.val.binary.len = o.jb_len;
		return JsonbPGetDatum(JsonbValueToJsonb(&v));
	}
	JsonbParseState *state = nullptr;
	return JsonbPGetDatum(JsonbValueToJsonb(push_tape(o.tape, o.node, WJB_VALUE, &state)));
}

// The record as a jsonb of its own (for parking and raw storage; most records never need it).
Datum raw_of(const Slot &s) {
	return jsonb_datum(s.obj);
}

// One key a record kind reads, and the Field it fills.
template <typename F>
struct Key {
	const char *name;
	Field F::*member;
};

// A key list's keys in ascending order (for JsonTape::find_keys), computed on first use.
constexpr int kMaxKeys = 48;
struct KeyOrder {
	bool ready;
	std::string_view sorted[kMaxKeys];
	uint8 key[kMaxKeys]; // sorted position -> position in the key list
};
DEXCOST_PLAIN(KeyOrder);

// Reads keys of o into out (missing keys read kMissing); children[k], when given, receives
// the object or array under keys[k].
template <typename F, size_t N>
void fetch(const Obj &o, const Key<F> (&keys)[N], KeyOrder *order, F *out, Obj *children) {
	static_assert(N <= kMaxKeys, "raise kMaxKeys");
	if (o.tape) {
		if (!order->ready) {
			for (size_t k = 0; k < N; ++k) {
				std::string_view name(keys[k].name);
				size_t at = k;
				for (; at > 0 && order->sorted[at - 1] > name; --at) {
					order->sorted[at] = order->sorted[at - 1];
					order->key[at] = order->key[at - 1];
				}
				order->sorted[at] = name;
				order->key[at] = static_cast<uint8>(k);
			}
			order->ready = true;
		}
		uint32 nodes[kMaxKeys];
		o.tape->find_keys(o.node, order->sorted, N, nodes);
		for (size_t at = 0; at < N; ++at) {
			int k = order->key[at];
			if (children)
				children[k] = Obj{};
			out->*(keys[k].member) =
			    nodes[at] == dexcost::kJsonNone ? Field() : tape_field(o.tape, nodes[at], children ? &children[k] : nullptr);
		}
		return;
	}
	for (size_t k = 0; k < N; ++k)
		out->*(keys[k].member) = field_of(o, keys[k].name, children ? &children[k] : nullptr);
}

using dexcost::EventFields;
using dexcost::RevenueFields;
using dexcost::TaskFields;

// details first: read_event takes its object from children[0].
const Key<EventFields> kEventKeys[] = {
    {"details", &EventFields::details},
    {"event_id", &EventFields::event_id},
    {"task_id", &EventFields::task_id},
    {"event_type", &EventFields::event_type},
    {"occurred_at", &EventFields::occurred_at},
    {"cost_usd", &EventFields::cost_usd},
    {"cost_confidence", &EventFields::cost_confidence},
    {"pricing_source", &EventFields::pricing_source},
    {"pricing_version", &EventFields::pricing_version},
    {"service_name", &EventFields::service_name},
    {"provider", &EventFields::provider},
    {"model", &EventFields::model},
    {"input_tokens", &EventFields::input_tokens},
    {"output_tokens", &EventFields::output_tokens},
    {"cached_tokens", &EventFields::cached_tokens},
    {"latency_ms", &EventFields::latency_ms},
    {"is_retry", &EventFields::is_retry},
    {"retry_reason", &EventFields::retry_reason},
    {"retry_of", &EventFields::retry_of},
    {"schema_version", &EventFields::schema_version},
};
const Key<EventFields> kEventDetailKeys[] = {
    {"error_type", &EventFields::error_type},
    {"cache_write_input_tokens", &EventFields::cache_write_input_tokens},
    {"cache_creation_input_tokens", &EventFields::cache_creation_input_tokens},
    {"reasoning_output_tokens", &EventFields::reasoning_output_tokens},
    {"service_tier", &EventFields::service_tier},
};
// metadata first: read_task takes its object from children[0].
const Key<TaskFields> kTaskKeys[] = {
    {"metadata", &TaskFields::metadata},
    {"task_id", &TaskFields::task_id},
    {"task_type", &TaskFields::task_type},
    {"status", &TaskFields::status},
    {"started_at", &TaskFields::started_at},
    {"ended_at", &TaskFields::ended_at},
    {"customer_id", &TaskFields::customer_id},
    {"project_id", &TaskFields::project_id},
    {"user_id", &TaskFields::user_id},
    {"product_id", &TaskFields::product_id},
    {"parent_task_id", &TaskFields::parent_task_id},
    {"root_task_id", &TaskFields::root_task_id},
    {"agent_id", &TaskFields::agent_id},
    {"agent_version", &TaskFields::agent_version},
    {"workflow_id", &TaskFields::workflow_id},
    {"workflow_session_id", &TaskFields::workflow_session_id},
    {"experiment_id", &TaskFields::experiment_id},
    {"variant", &TaskFields::variant},
    {"schema_version", &TaskFields::schema_version},
    {"llm_cost_usd", &TaskFields::llm_cost_usd},
    {"external_cost_usd", &TaskFields::external_cost_usd},
    {"compute_cost_usd", &TaskFields::compute_cost_usd},
    {"network_cost_usd", &TaskFields::network_cost_usd},
    {"gpu_cost_usd", &TaskFields::gpu_cost_usd},
    {"total_cost_usd", &TaskFields::total_cost_usd},
    {"total_input_tokens", &TaskFields::total_input_tokens},
    {"total_output_tokens", &TaskFields::total_output_tokens},
    {"total_cached_tokens", &TaskFields::total_cached_tokens},
    {"retry_count", &TaskFields::retry_count},
    {"retry_cost_usd", &TaskFields::retry_cost_usd},
    {"failure_count", &TaskFields::failure_count},
    {"network_bytes_in", &TaskFields::network_bytes_in},
    {"network_bytes_out", &TaskFields::network_bytes_out},
    {"network_call_count", &TaskFields::network_call_count},
};
// lifecycle, amount and source first: read_revenue takes their objects from children[0..2].
const Key<RevenueFields> kRevenueKeys[] = {
    {"lifecycle", &RevenueFields::lifecycle},   {"amount", &RevenueFields::amount},
    {"source", &RevenueFields::source},         {"schema_version", &RevenueFields::schema_version},
    {"revenue_id", &RevenueFields::revenue_id}, {"task_id", &RevenueFields::task_id},
    {"outcome_id", &RevenueFields::outcome_id}, {"effective_at", &RevenueFields::effective_at},
    {"observed_at", &RevenueFields::observed_at},
};
const Key<RevenueFields> kLifecycleKeys[] = {{"state", &RevenueFields::state}, {"revision", &RevenueFields::revision}};
const Key<RevenueFields> kAmountKeys[] = {{"value", &RevenueFields::amount_value},
                                          {"currency", &RevenueFields::amount_currency}};
const Key<RevenueFields> kSourceKeys[] = {{"type", &RevenueFields::source_type},
                                          {"record_id", &RevenueFields::source_record_id}};

KeyOrder g_event_order, g_event_detail_order, g_task_order, g_revenue_order, g_lifecycle_order, g_amount_order,
    g_source_order;

// Reads the fields of an event.
void read_event(EventSlot *e) {
	Obj children[std::size(kEventKeys)];
	fetch(e->s.obj, kEventKeys, &g_event_order, &e->f, children);
	fetch(children[0], kEventDetailKeys, &g_event_detail_order, &e->f, nullptr);
	e->details = e->f.details.kind == JsonKind::kObject ? jsonb_datum(children[0]) : (Datum)0;
}

// Reads the fields of a task.
void read_task(TaskSlot *t) {
	Obj children[std::size(kTaskKeys)];
	fetch(t->s.obj, kTaskKeys, &g_task_order, &t->f, children);
	t->metadata = t->f.metadata.kind == JsonKind::kObject ? jsonb_datum(children[0]) : (Datum)0;
}

// Reads the fields of a revenue revision (nested objects flattened).
void read_revenue(RevenueSlot *r) {
	Obj children[std::size(kRevenueKeys)];
	fetch(r->s.obj, kRevenueKeys, &g_revenue_order, &r->f, children);
	fetch(children[0], kLifecycleKeys, &g_lifecycle_order, &r->f, nullptr);
	fetch(children[1], kAmountKeys, &g_amount_order, &r->f, nullptr);
	fetch(children[2], kSourceKeys, &g_source_order, &r->f, nullptr);
}

// The records of one top-level array, as slots of elem_size bytes; raises for a non-array.
char *read_array(const Obj &root, Kind kind, size_t elem_size, int *count, int *next_index) {
	*count = 0;
	Obj array{};
	Field f = field_of(root, kKindKeys[kind], &array);
	if (f.kind == JsonKind::kMissing || f.kind == JsonKind::kNull)
		return nullptr;
	if (f.kind != JsonKind::kArray)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("payload key \"%s\" must be an array", kKindKeys[kind]),
		                errhint("Send {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
	int n = array.jb ? static_cast<int>(JsonContainerSize(array.jb)) : static_cast<int>(array.tape->node(array.node).count);
	char *slots = static_cast<char *>(palloc0(elem_size * (n + 1)));
	auto place = [&](int i, bool is_object, const Obj &obj) {
		Slot *s = reinterpret_cast<Slot *>(slots + elem_size * i);
		s->index = (*next_index)++;
		s->ok = true;
		if (is_object)
			s->obj = obj;
		else
			refuse(s, "record: must be a JSON object");
	};
	if (array.jb) {
		JsonbIterator *it = JsonbIteratorInit(array.jb);
		JsonbValue v;
		JsonbIteratorToken tok;
		int i = 0;
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
			if (tok != WJB_ELEM || i >= n)
				continue;
			bool is_object = v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data);
			place(i++, is_object, is_object ? Obj{v.val.binary.data, v.val.binary.len, nullptr, 0} : Obj{});
		}
		n = i;
	} else {
		uint32 node = array.node + 1;
		for (int i = 0; i < n; ++i) {
			bool is_object = array.tape->node(node).kind == JsonKind::kObject;
			place(i, is_object, Obj{nullptr, 0, array.tape, node});
			node = array.tape->node(node).next;
		}
	}
	*count = n;
	return slots;
}

// Refuses a payload with an array under a key dexcost does not know: records sent under a
// misspelt key would otherwise be dropped without a word. Other unknown keys are ignored.
void check_payload_keys(const Obj &root) {
	auto check = [](std::string_view key, bool is_array) {
		if (!is_array)
			return;
		for (const char *k : kKindKeys)
			if (key == k)
				return;
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("payload key \"%.*s\" is not a kind of record dexcost knows", static_cast<int>(key.size()),
		                       key.data()),
		                errdetail("dexcost reads records from events, tasks, business_identities, outcomes and "
		                          "revenue_revisions."),
		                errhint("Send {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
	};
	if (root.jb) {
		JsonbIterator *it = JsonbIteratorInit(root.jb);
		JsonbValue v;
		JsonbIteratorToken tok;
		std::string_view key;
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
			if (tok == WJB_KEY)
				key = std::string_view(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE)
				check(key, v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data));
		}
		return;
	}
	const dexcost::JsonNode &obj = root.tape->node(root.node);
	uint32 node = root.node + 1;
	for (uint32 m = 0; m < obj.count; ++m) {
		uint32 value = root.tape->node(node).next;
		check(root.tape->string_value(node), root.tape->node(value).kind == JsonKind::kArray);
		node = root.tape->node(value).next;
	}
}

// ---------------------------------------------------------------------------------------
// Phase 2: checking (C++)
// ---------------------------------------------------------------------------------------

// Checks every read event; never throws.
void check_events_noexcept(EventSlot *e, int n) noexcept {
	for (int i = 0; i < n; ++i) {
		if (!e[i].s.ok)
			continue;
		try {
			std::string reason;
			if (!dexcost::check_event(e[i].f, &e[i].v, &reason)) {
				e[i].s.ok = false;
				copy_text(e[i].s.reason, sizeof e[i].s.reason, reason.c_str());
			}
		} catch (...) {
			e[i].s.ok = false;
			copy_text(e[i].s.reason, sizeof e[i].s.reason, "record: could not be checked (out of memory)");
		}
	}
}

// Checks every read task; never throws.
void check_tasks_noexcept(TaskSlot *t, int n) noexcept {
	for (int i = 0; i < n; ++i) {
		if (!t[i].s.ok)
			continue;
		try {
			std::string reason;
			if (!dexcost::check_task(t[i].f, &t[i].v, &reason)) {
				t[i].s.ok = false;
				copy_text(t[i].s.reason, sizeof t[i].s.reason, reason.c_str());
			}
		} catch (...) {
			t[i].s.ok = false;
			copy_text(t[i].s.reason, sizeof t[i].s.reason, "record: could not be checked (out of memory)");
		}
	}
}

// Orders the payload's tasks (core/task_order); false when memory ran out. Never throws.
bool order_tasks_noexcept(const dexcost::TaskLink *links, int n, int *order, size_t *n_order,
                          dexcost::TaskPlace *place) noexcept {
	try {
		dexcost::order_tasks(links, static_cast<size_t>(n), order, n_order, place);
		return true;
	} catch (...) {
		return false;
	}
}

// Checks every read revenue revision; never throws.
void check_revenue_noexcept(RevenueSlot *r, int n) noexcept {
	for (int i = 0; i < n; ++i) {
		if (!r[i].s.ok)
			continue;
		try {
			std::string reason;
			if (!dexcost::check_revenue(r[i].f, &r[i].v, &reason)) {
				r[i].s.ok = false;
				copy_text(r[i].s.reason, sizeof r[i].s.reason, reason.c_str());
			}
		} catch (...) {
			r[i].s.ok = false;
			copy_text(r[i].s.reason, sizeof r[i].s.reason, "record: could not be checked (out of memory)");
		}
	}
}

// ---------------------------------------------------------------------------------------
// Phase 3: writing
// ---------------------------------------------------------------------------------------

// Runs fn(arg) in a subtransaction. On an error about the data (SQLSTATE class 22 or 23),
// rolls it back, copies the message into reason and returns false; any other error is raised
// again after the rollback.
bool run_in_subtransaction(void (*fn)(void *), void *arg, char *reason, size_t size) {
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;
	BeginInternalSubTransaction(nullptr);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ErrorData *edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		// Only what is wrong with the records (data exceptions, class 22, and integrity
		// violations, class 23) refuses them; anything else (privileges, deadlocks, lock
		// timeouts, cancels, resources, internal errors) fails the call, so the SDK sends
		// the payload again rather than dropping records that were fine.
		int category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		if (category != ERRCODE_DATA_EXCEPTION && category != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
			ReThrowError(edata);
		copy_text(reason, size, edata->message);
		clip_to_characters(reason);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

// A column of an array parameter being built.
struct Column {
	Oid type;
	Datum *values;
	bool *nulls;
	int n;
};
DEXCOST_PLAIN(Column);

Column column(Oid type, int capacity) {
	Column c{type, static_cast<Datum *>(palloc0(sizeof(Datum) * (capacity + 1))),
	         static_cast<bool *>(palloc0(sizeof(bool) * (capacity + 1))), 0};
	return c;
}

void push(Column *c, Datum value, bool is_null) {
	c->values[c->n] = value;
	c->nulls[c->n] = is_null;
	++c->n;
}

// A text (or NULL) from a field.
void push_text(Column *c, const Field &f) {
	if (f.kind == JsonKind::kString || f.kind == JsonKind::kNumber)
		push(c, PointerGetDatum(cstring_to_text_with_len(f.text.data(), static_cast<int>(f.text.size()))), false);
	else
		push(c, (Datum)0, true);
}

void push_cstring(Column *c, const char *s) {
	push(c, s ? CStringGetTextDatum(s) : (Datum)0, s == nullptr);
}

Datum array_of(const Column &c) {
	int16 typlen;
	bool typbyval;
	char typalign;
	get_typlenbyvalalign(c.type, &typlen, &typbyval, &typalign);
	int dims[1] = {c.n};
	int lbs[1] = {1};
	return PointerGetDatum(construct_md_array(c.values, c.nulls, 1, dims, lbs, c.type, typlen, typbyval, typalign));
}

// A kept plan for sql with n array parameters of the given element types.
SPIPlanPtr keep_plan(SPIPlanPtr *slot, const char *sql, int n, const Oid *element_types) {
	if (*slot)
		return *slot;
	Oid types[32];
	for (int i = 0; i < n; ++i)
		types[i] = get_array_type(element_types[i]);
	*slot = keep_generic_plan(sql, n, types, "an ingest statement");
	return *slot;
}

// Runs a kept plan with array arguments built from columns.
void execute(SPIPlanPtr plan, Column *cols, int n) {
	Datum args[32];
	for (int i = 0; i < n; ++i)
		args[i] = array_of(cols[i]);
	int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
	if (rc < 0)
		elog(ERROR, "ingest statement failed: %s", SPI_result_code_string(rc));
}

// Known tasks: task_id -> customer (or several customers).
struct KnownTask {
	pg_uuid_t task_id;
	char *customer;
	int customers;
};
DEXCOST_PLAIN(KnownTask);

HTAB *new_task_map() {
	HASHCTL ctl;
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(KnownTask);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("dexcost ingest tasks", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

// An empty set of uuids.
HTAB *new_uuid_set(int size) {
	HASHCTL ctl;
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(pg_uuid_t);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("dexcost ingest ids", size > 16 ? size : 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

// The uuid of a checked uuid text.
pg_uuid_t uuid_of(std::string_view text) {
	char buf[64];
	size_t n = text.size() < sizeof buf - 1 ? text.size() : sizeof buf - 1;
	memcpy(buf, text.data(), n);
	buf[n] = '\0';
	return *DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(buf)));
}

// A uuid Datum of a checked uuid text.
Datum uuid_datum(std::string_view text) {
	pg_uuid_t *u = palloc_object(pg_uuid_t);
	*u = uuid_of(text);
	return UUIDPGetDatum(u);
}

KnownTask *known(HTAB *map, std::string_view task_id) {
	pg_uuid_t key = uuid_of(task_id);
	return static_cast<KnownTask *>(hash_search(map, &key, HASH_FIND, nullptr));
}

// The one customer of a known task (KnownCustomerFn over a task map).
const char *known_customer(const pg_uuid_t *task_id, void *map) {
	auto *k = static_cast<KnownTask *>(hash_search(static_cast<HTAB *>(map), task_id, HASH_FIND, nullptr));
	return k && k->customers == 1 ? k->customer : nullptr;
}

void remember(HTAB *map, std::string_view task_id, const char *customer) {
	pg_uuid_t key = uuid_of(task_id);
	bool found = false;
	auto *k = static_cast<KnownTask *>(hash_search(map, &key, HASH_ENTER, &found));
	if (!found) {
		k->customer = pstrdup(customer);
		k->customers = 1;
	} else if (strcmp(k->customer, customer) != 0) {
		++k->customers;
	}
}

SPIPlanPtr g_lookup_tasks = nullptr;

// Loads the customers of the given task ids into the map.
void load_tasks(HTAB *map, Column *ids) {
	Oid types[1] = {UUIDOID};
	// Each distinct id is one index probe, whatever the payload repeats.
	SPIPlanPtr plan = keep_plan(&g_lookup_tasks,
	                            "SELECT t.task_id::pg_catalog.text, t.customer_id"
	                            " FROM (SELECT DISTINCT u.id FROM pg_catalog.unnest($1) AS u(id)) AS ids"
	                            " JOIN dexcost.task AS t ON t.task_id OPERATOR(pg_catalog.=) ids.id",
	                            1, types);
	Datum args[1] = {array_of(*ids)};
	// Not read-only: a read-only execution keeps the snapshot and would miss tasks this call wrote.
	int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look up tasks: %s", SPI_result_code_string(rc));
	for (uint64 r = 0; r < SPI_processed; ++r) {
		char *id = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		char *customer = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);
		remember(map, std::string_view(id), customer);
	}
}

// The state of one ingest call.
struct Ingest {
	EventSlot *events;
	TaskSlot *tasks;
	RevenueSlot *revenue;
	Slot *raw[kKindCount]; // identities and outcomes
	size_t raw_size[kKindCount];
	int n_events, n_tasks, n_revenue, n_raw[kKindCount];
	int *order; // tasks in write order (parents first)
	int n_order;
	HTAB *tasks_known;
	const char *origin;
	// The batch a write callback works on.
	int *batch;
	int n_batch;
	bool upsert; // write_events: take the new values of events sent again
};
DEXCOST_PLAIN(Ingest);

// Orders accepted tasks so that a parent in the payload comes before its children
// (core/task_order, linear in the payload's tasks); a task id sent twice counts once (the later
// copy), tasks whose parents form a cycle are refused.
void order_tasks(Ingest *in) {
	int n = in->n_tasks;
	in->order = static_cast<int *>(palloc(sizeof(int) * (n + 1)));
	in->n_order = 0;
	auto *links = static_cast<dexcost::TaskLink *>(palloc(sizeof(dexcost::TaskLink) * (n + 1)));
	auto *place = static_cast<dexcost::TaskPlace *>(palloc(sizeof(dexcost::TaskPlace) * (n + 1)));
	for (int i = 0; i < n; ++i) {
		const TaskSlot &t = in->tasks[i];
		links[i].ok = t.s.ok;
		links[i].id = t.s.ok ? t.f.task_id.text : std::string_view();
		links[i].parent = t.s.ok && t.f.parent_task_id.present() ? t.f.parent_task_id.text : std::string_view();
	}
	size_t n_order = 0;
	if (!order_tasks_noexcept(links, n, in->order, &n_order, place))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
		                errdetail("Ordering the payload's %d tasks failed.", n)));
	in->n_order = static_cast<int>(n_order);
	for (int i = 0; i < n; ++i) {
		Slot &s = in->tasks[i].s;
		if (place[i] == dexcost::TaskPlace::kSuperseded) {
			s.done = true; // superseded, counts as received
			s.ok = false;
		} else if (place[i] == dexcost::TaskPlace::kCycle) {
			refuse(&s, "parent_task_id: the payload's tasks form a cycle");
		}
	}
}

// Decides each task's customer, or parks it (unknown parent), or refuses it.
void place_tasks(Ingest *in, Column *park_type, Column *park_key, Column *park_wait, Column *park_record) {
	for (int o = 0; o < in->n_order; ++o) {
		TaskSlot &t = in->tasks[in->order[o]];
		if (!t.s.ok)
			continue;
		const char *given = t.f.customer_id.present() ? pnstrdup(t.f.customer_id.text.data(), t.f.customer_id.text.size())
		                                              : nullptr;
		KnownTask *self = known(in->tasks_known, t.f.task_id.text);
		if (self && self->customers > 1) {
			refuse(&t.s, "task_id: exists for several customers");
			continue;
		}
		if (self) {
			// Sent again: the task keeps its customer.
			if (given && strcmp(given, self->customer) != 0) {
				char reason[kReasonSize];
				snprintf(reason, sizeof reason, "customer_id: the task already belongs to customer \"%s\"",
				         self->customer);
				refuse(&t.s, reason);
				continue;
			}
			t.customer = self->customer;
			continue;
		}
		const char *customer = given;
		if (t.f.parent_task_id.present()) {
			KnownTask *parent = known(in->tasks_known, t.f.parent_task_id.text);
			if (!parent) {
				// The parent is not known yet: park the task until it arrives.
				push_cstring(park_type, "task");
				push_text(park_key, t.f.task_id);
				push(park_wait, uuid_datum(t.f.parent_task_id.text), false);
				push(park_record, raw_of(t.s), false);
				t.s.parked = true;
				t.s.done = true;
				t.s.ok = false;
				continue;
			}
			if (parent->customers > 1) {
				refuse(&t.s, "parent_task_id: exists for several customers");
				continue;
			}
			if (given && strcmp(given, parent->customer) != 0) {
				char reason[kReasonSize];
				snprintf(reason, sizeof reason,
				         "customer_id: \"%s\" differs from the customer \"%s\" of its parent task (a task tree never "
				         "crosses customers)",
				         given, parent->customer);
				refuse(&t.s, reason);
				continue;
			}
			customer = parent->customer;
		}
		if (!customer)
			customer = "(unattributed)";
		t.customer = customer;
		// Children later in this payload find it as a known parent.
		remember(in->tasks_known, t.f.task_id.text, customer);
	}
}

SPIPlanPtr g_insert_tasks = nullptr;

// Writes the batch of tasks (one statement).
void write_tasks(void *arg) {
	Ingest *in = static_cast<Ingest *>(arg);
	static const Oid types[17] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,  TEXTOID, JSONBOID, TEXTOID,
	                              TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	SPIPlanPtr plan = keep_plan(
	    &g_insert_tasks,
	    "INSERT INTO dexcost.task AS t (task_id, customer_id, task_type, parent_task_id, status, started_at, ended_at,"
	    " metadata, project_id, user_id, product_id, agent_id, agent_version, workflow_id, workflow_session_id,"
	    " experiment_id, variant)"
	    " SELECT u.task_id::pg_catalog.uuid, u.customer_id, u.task_type, u.parent_task_id::pg_catalog.uuid, u.status,"
	    " u.started_at::pg_catalog.timestamptz, u.ended_at::pg_catalog.timestamptz, u.metadata, u.project_id,"
	    " u.user_id, u.product_id, u.agent_id, u.agent_version, u.workflow_id, u.workflow_session_id,"
	    " u.experiment_id, u.variant"
	    " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
	    " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
	    " pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12),"
	    " pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), pg_catalog.unnest($16),"
	    " pg_catalog.unnest($17))"
	    " AS u(task_id, customer_id, task_type, parent_task_id, status, started_at, ended_at, metadata, project_id,"
	    " user_id, product_id, agent_id, agent_version, workflow_id, workflow_session_id, experiment_id, variant)"
	    // Sent again: status, end and metadata move forward only (a finished task never becomes
	    // pending again; of two finished versions the later end wins); everything else stays.
	    " ON CONFLICT ON CONSTRAINT task_pkey DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at,"
	    " metadata = excluded.metadata"
	    " WHERE (t.status OPERATOR(pg_catalog.=) 'pending' OR (excluded.status OPERATOR(pg_catalog.<>) 'pending'"
	    "        AND excluded.ended_at OPERATOR(pg_catalog.>=) coalesce(t.ended_at, '-infinity'::pg_catalog.timestamptz)))"
	    // record_ne: IS DISTINCT FROM, without looking "=" up in the caller's search_path.
	    "   AND pg_catalog.record_ne(ROW(t.status, t.ended_at, t.metadata),"
	    "                            ROW(excluded.status, excluded.ended_at, excluded.metadata))",
	    17, types);
	Column c[17];
	for (int k = 0; k < 17; ++k)
		c[k] = column(types[k], in->n_batch);
	for (int b = 0; b < in->n_batch; ++b) {
		TaskSlot &t = in->tasks[in->batch[b]];
		const dexcost::TaskFields &f = t.f;
		push_text(&c[0], f.task_id);
		push_cstring(&c[1], t.customer);
		push_text(&c[2], f.task_type);
		push_text(&c[3], f.parent_task_id);
		push_text(&c[4], f.status);
		push_text(&c[5], f.started_at);
		push_text(&c[6], f.ended_at);
		push(&c[7], t.metadata, t.metadata == (Datum)0);
		push_text(&c[8], f.project_id);
		push_text(&c[9], f.user_id);
		push_text(&c[10], f.product_id);
		push_text(&c[11], f.agent_id);
		push_text(&c[12], f.agent_version);
		push_text(&c[13], f.workflow_id);
		push_text(&c[14], f.workflow_session_id);
		push_text(&c[15], f.experiment_id);
		push_text(&c[16], f.variant);
	}
	execute(plan, c, 17);
}

SPIPlanPtr g_insert_reported = nullptr;

// Writes the SDK's reported totals of the batch of tasks: those of a copy the task now matches
// (status and end), so a stale copy the task ignored does not replace newer totals either.
void write_reported(void *arg) {
	Ingest *in = static_cast<Ingest *>(arg);
	static const Oid types[19] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	                              TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	                              TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	SPIPlanPtr plan = keep_plan(
	    &g_insert_reported,
	    "INSERT INTO dexcost.task_reported_totals AS r (customer_id, task_id, llm_cost_usd, external_cost_usd,"
	    " compute_cost_usd, network_cost_usd, gpu_cost_usd, total_cost_usd, total_input_tokens, total_output_tokens,"
	    " total_cached_tokens, retry_count, retry_cost_usd, failure_count, network_bytes_in, network_bytes_out,"
	    " network_call_count)"
	    " SELECT u.c, u.t::pg_catalog.uuid, u.a1::pg_catalog.numeric, u.a2::pg_catalog.numeric, u.a3::pg_catalog.numeric,"
	    " u.a4::pg_catalog.numeric, u.a5::pg_catalog.numeric, u.a6::pg_catalog.numeric, u.b1::pg_catalog.int8,"
	    " u.b2::pg_catalog.int8, u.b3::pg_catalog.int8, u.b4::pg_catalog.int8, u.a7::pg_catalog.numeric,"
	    " u.b5::pg_catalog.int8, u.b6::pg_catalog.int8, u.b7::pg_catalog.int8, u.b8::pg_catalog.int8"
	    " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
	    " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
	    " pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12),"
	    " pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), pg_catalog.unnest($16),"
	    " pg_catalog.unnest($17), pg_catalog.unnest($18), pg_catalog.unnest($19))"
	    " AS u(c, t, a1, a2, a3, a4, a5, a6, b1, b2, b3, b4, a7, b5, b6, b7, b8, status, ended_at)"
	    " JOIN dexcost.task AS k ON k.customer_id OPERATOR(pg_catalog.=) u.c"
	    " AND k.task_id OPERATOR(pg_catalog.=) u.t::pg_catalog.uuid"
	    " WHERE k.status OPERATOR(pg_catalog.=) u.status"
	    " AND pg_catalog.record_eq(ROW(k.ended_at), ROW(u.ended_at::pg_catalog.timestamptz))"
	    " ON CONFLICT ON CONSTRAINT task_reported_totals_pkey DO UPDATE SET llm_cost_usd = excluded.llm_cost_usd,"
	    " external_cost_usd = excluded.external_cost_usd, compute_cost_usd = excluded.compute_cost_usd,"
	    " network_cost_usd = excluded.network_cost_usd, gpu_cost_usd = excluded.gpu_cost_usd,"
	    " total_cost_usd = excluded.total_cost_usd, total_input_tokens = excluded.total_input_tokens,"
	    " total_output_tokens = excluded.total_output_tokens, total_cached_tokens = excluded.total_cached_tokens,"
	    " retry_count = excluded.retry_count, retry_cost_usd = excluded.retry_cost_usd,"
	    " failure_count = excluded.failure_count, network_bytes_in = excluded.network_bytes_in,"
	    " network_bytes_out = excluded.network_bytes_out, network_call_count = excluded.network_call_count,"
	    " reported_at = pg_catalog.now()",
	    19, types);
	Column c[19];
	for (int k = 0; k < 19; ++k)
		c[k] = column(types[k], in->n_batch);
	for (int b = 0; b < in->n_batch; ++b) {
		TaskSlot &t = in->tasks[in->batch[b]];
		const dexcost::TaskFields &f = t.f;
		push_cstring(&c[0], t.customer);
		push_text(&c[1], f.task_id);
		const Field *fields[15] = {&f.llm_cost_usd,       &f.external_cost_usd,   &f.compute_cost_usd,
		                           &f.network_cost_usd,   &f.gpu_cost_usd,        &f.total_cost_usd,
		                           &f.total_input_tokens, &f.total_output_tokens, &f.total_cached_tokens,
		                           &f.retry_count,        &f.retry_cost_usd,      &f.failure_count,
		                           &f.network_bytes_in,   &f.network_bytes_out,   &f.network_call_count};
		for (int k = 0; k < 15; ++k)
			push_text(&c[2 + k], *fields[k]);
		push_text(&c[17], f.status);
		push_text(&c[18], f.ended_at);
	}
	execute(plan, c, 19);
}

SPIPlanPtr g_insert_events = nullptr;
SPIPlanPtr g_upsert_events = nullptr;

// The events of the batch as rows (parameters $1 .. $24).
constexpr const char kInsertEvents[] =
    "INSERT INTO dexcost.cost_event AS e (event_id, customer_id, task_id, event_type, occurred_at, cost_usd,"
    " cost_confidence, pricing_source, pricing_version, service_name, provider, model, input_tokens,"
    " cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, latency_ms, error_type, is_retry,"
    " retry_reason, retry_of, details, service_tier)"
    // Set-returning functions in the target list run in lockstep without a tuplestore (a
    // FROM-clause unnest materialises every row first).
    " SELECT pg_catalog.unnest($1)::pg_catalog.uuid, pg_catalog.unnest($2), pg_catalog.unnest($3)::pg_catalog.uuid,"
    " pg_catalog.unnest($4), pg_catalog.unnest($5)::pg_catalog.timestamptz, pg_catalog.unnest($6)::pg_catalog.numeric,"
    " pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10),"
    " pg_catalog.unnest($11), pg_catalog.unnest($12), pg_catalog.unnest($13), pg_catalog.unnest($14),"
    " pg_catalog.unnest($15), pg_catalog.unnest($16), pg_catalog.unnest($17), pg_catalog.unnest($18),"
    " pg_catalog.unnest($19), pg_catalog.unnest($20), pg_catalog.unnest($21), pg_catalog.unnest($22)::pg_catalog.uuid,"
    " pg_catalog.unnest($23), pg_catalog.unnest($24)";

// Sent again (the SDK re-sends an event once it has priced it): take the new values; the
// same values again change nothing and append no roll-up delta.
constexpr const char kOnConflict[] =
    " ON CONFLICT ON CONSTRAINT cost_event_pkey DO UPDATE SET task_id = excluded.task_id,"
    " event_type = excluded.event_type, occurred_at = excluded.occurred_at, cost_usd = excluded.cost_usd,"
    " cost_confidence = excluded.cost_confidence, pricing_source = excluded.pricing_source,"
    " pricing_version = excluded.pricing_version, service_name = excluded.service_name,"
    " provider = excluded.provider, model = excluded.model, input_tokens = excluded.input_tokens,"
    " cache_read_tokens = excluded.cache_read_tokens, cache_write_tokens = excluded.cache_write_tokens,"
    " output_tokens = excluded.output_tokens, reasoning_tokens = excluded.reasoning_tokens,"
    " latency_ms = excluded.latency_ms, error_type = excluded.error_type, is_retry = excluded.is_retry,"
    " retry_reason = excluded.retry_reason, retry_of = excluded.retry_of, details = excluded.details,"
    " service_tier = excluded.service_tier"
    // record_ne: IS DISTINCT FROM, without looking "=" up in the caller's search_path.
    " WHERE pg_catalog.record_ne(ROW(e.task_id, e.event_type, e.occurred_at, e.cost_usd, e.cost_confidence, e.pricing_source,"
    " e.pricing_version, e.service_name, e.provider, e.model, e.input_tokens, e.cache_read_tokens,"
    " e.cache_write_tokens, e.output_tokens, e.reasoning_tokens, e.latency_ms, e.error_type, e.is_retry,"
    " e.retry_reason, e.retry_of, e.details, e.service_tier), ROW(excluded.task_id, excluded.event_type,"
    " excluded.occurred_at, excluded.cost_usd, excluded.cost_confidence, excluded.pricing_source,"
    " excluded.pricing_version, excluded.service_name, excluded.provider, excluded.model, excluded.input_tokens,"
    " excluded.cache_read_tokens, excluded.cache_write_tokens, excluded.output_tokens, excluded.reasoning_tokens,"
    " excluded.latency_ms, excluded.error_type, excluded.is_retry, excluded.retry_reason, excluded.retry_of,"
    " excluded.details, excluded.service_tier))";

// Writes the batch of events in one statement: a plain INSERT first (in->upsert false), or
// an INSERT that takes a sent-again event's new values (in->upsert true).
void write_events(void *arg) {
	Ingest *in = static_cast<Ingest *>(arg);
	// event_id .. model: 12 texts; five token buckets and latency_ms: 6 bigints; then the rest.
	static const Oid types[24] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	                              TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID,
	                              INT8OID, INT8OID, TEXTOID, BOOLOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID};
	SPIPlanPtr plan;
	if (!in->upsert) {
		plan = keep_plan(&g_insert_events, kInsertEvents, 24, types);
	} else {
		if (!g_upsert_events) {
			char *sql = psprintf("%s%s", kInsertEvents, kOnConflict);
			keep_plan(&g_upsert_events, sql, 24, types);
			pfree(sql);
		}
		plan = g_upsert_events;
	}
	Column c[24];
	for (int k = 0; k < 24; ++k)
		c[k] = column(types[k], in->n_batch);
	for (int b = 0; b < in->n_batch; ++b) {
		EventSlot &e = in->events[in->batch[b]];
		const dexcost::EventFields &f = e.f;
		const dexcost::EventValues &v = e.v;
		KnownTask *task = known(in->tasks_known, f.task_id.text);
		push_text(&c[0], f.event_id);
		push_cstring(&c[1], task->customer);
		push_text(&c[2], f.task_id);
		push_text(&c[3], f.event_type);
		push_text(&c[4], f.occurred_at);
		if (v.cost_given)
			push_text(&c[5], f.cost_usd);
		else
			push(&c[5], (Datum)0, true);
		push_cstring(&c[6], v.confidence < 0 ? nullptr : dexcost::kCostConfidences.words[v.confidence]);
		push_text(&c[7], f.pricing_source);
		push_text(&c[8], f.pricing_version);
		push_text(&c[9], f.service_name);
		push_text(&c[10], f.provider);
		push_text(&c[11], f.model);
		// Buckets input, cache read, cache write, (1-hour writes: not in the contract), output, reasoning.
		const int buckets[5] = {0, 1, 2, 4, 5};
		for (int k = 0; k < 5; ++k)
			push(&c[11 + 1 + k], Int64GetDatum(v.tokens[buckets[k]]), !v.known[buckets[k]]);
		push(&c[17], Int64GetDatum(v.latency_ms), !v.has_latency);
		push_text(&c[18], f.error_type);
		push(&c[19], BoolGetDatum(v.is_retry), false);
		push_text(&c[20], f.retry_reason);
		push_text(&c[21], f.retry_of);
		push(&c[22], e.details, e.details == (Datum)0);
		push_cstring(&c[23], v.service_tier);
	}
	// The trigger need not look up again the tasks this call just read.
	trust_known_tasks(known_customer, in->tasks_known);
	PG_TRY();
	{
		execute(plan, c, 24);
	}
	PG_FINALLY();
	{
		trust_known_tasks(nullptr, nullptr);
	}
	PG_END_TRY();
}

SPIPlanPtr g_insert_revenue = nullptr;

// Writes the batch of revenue revisions (the ledger trigger checks them one by one).
void write_revenue(void *arg) {
	Ingest *in = static_cast<Ingest *>(arg);
	static const Oid types[12] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	                              TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	SPIPlanPtr plan = keep_plan(
	    &g_insert_revenue,
	    "INSERT INTO dexcost.revenue_revision (customer_id, revenue_id, revision, task_id, outcome_id, state, amount,"
	    " currency, effective_at, observed_at, source_type, source_record_id)"
	    " SELECT u.c, u.r::pg_catalog.uuid, u.n, u.t::pg_catalog.uuid, u.o::pg_catalog.uuid, u.s,"
	    " u.a::pg_catalog.numeric, u.cur, u.e::pg_catalog.timestamptz, u.ob::pg_catalog.timestamptz, u.st, u.sr"
	    " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
	    " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
	    " pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12))"
	    " AS u(c, r, n, t, o, s, a, cur, e, ob, st, sr)",
	    12, types);
	Column c[12];
	for (int k = 0; k < 12; ++k)
		c[k] = column(types[k], in->n_batch);
	for (int b = 0; b < in->n_batch; ++b) {
		RevenueSlot &r = in->revenue[in->batch[b]];
		const dexcost::RevenueFields &f = r.f;
		push_cstring(&c[0], known(in->tasks_known, f.task_id.text)->customer);
		push_text(&c[1], f.revenue_id);
		push(&c[2], Int32GetDatum(static_cast<int32>(r.v.revision)), false);
		push_text(&c[3], f.task_id);
		push_text(&c[4], f.outcome_id);
		push_text(&c[5], f.state);
		push_text(&c[6], f.amount_value);
		push_text(&c[7], f.amount_currency);
		push_text(&c[8], f.effective_at);
		push_text(&c[9], f.observed_at);
		push_text(&c[10], f.source_type);
		push_text(&c[11], f.source_record_id);
	}
	execute(plan, c, 12);
}

// Writes the slots of batch with fn in one statement; if PostgreSQL refuses it, writes them one
// by one, each in its own subtransaction, and refuses only those it refuses.
void write_all(Ingest *in, void (*fn)(void *), Slot *(*slot_of)(Ingest *, int), int *batch, int n) {
	if (n == 0)
		return;
	char reason[kReasonSize];
	in->batch = batch;
	in->n_batch = n;
	if (run_in_subtransaction(fn, in, reason, sizeof reason)) {
		for (int b = 0; b < n; ++b)
			slot_of(in, batch[b])->done = true;
		return;
	}
	for (int b = 0; b < n; ++b) {
		in->batch = &batch[b];
		in->n_batch = 1;
		Slot *s = slot_of(in, batch[b]);
		if (run_in_subtransaction(fn, in, reason, sizeof reason))
			s->done = true;
		else
			refuse(s, reason);
	}
}

Slot *task_slot(Ingest *in, int i) {
	return &in->tasks[i].s;
}
Slot *event_slot(Ingest *in, int i) {
	return &in->events[i].s;
}
Slot *revenue_slot(Ingest *in, int i) {
	return &in->revenue[i].s;
}

SPIPlanPtr g_park = nullptr;

// Parks records that wait for a task (a record sent again replaces its earlier copy).
void park(Column *type, Column *key, Column *wait, Column *record, Datum receipt) {
	if (type->n == 0)
		return;
	static const Oid types[5] = {TEXTOID, TEXTOID, UUIDOID, JSONBOID, UUIDOID};
	SPIPlanPtr plan = keep_plan(
	    &g_park,
	    "INSERT INTO dexcost.ingest_pending AS p (record_type, record_key, waits_for, record, receipt_id)"
	    " SELECT u.t, u.k, u.w, u.r, ($5)[1] FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
	    " pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(t, k, w, r)"
	    " ON CONFLICT ON CONSTRAINT ingest_pending_pkey DO UPDATE SET waits_for = excluded.waits_for,"
	    " record = excluded.record, received_at = pg_catalog.now(), receipt_id = excluded.receipt_id",
	    5, types);
	Column receipt_col = column(UUIDOID, 1);
	push(&receipt_col, receipt, false);
	Column cols[5] = {*type, *key, *wait, *record, receipt_col};
	execute(plan, cols, 5);
}

SPIPlanPtr g_raw = nullptr;

// Keeps records of kinds dexcost does not model yet, as received.
void keep_raw(Column *type, Column *record, Datum receipt) {
	if (type->n == 0)
		return;
	static const Oid types[3] = {TEXTOID, JSONBOID, UUIDOID};
	SPIPlanPtr plan = keep_plan(&g_raw,
	                            "INSERT INTO dexcost.ingest_raw_record (record_type, record_key, record, receipt_id)"
	                            " SELECT u.t, pg_catalog.md5(u.r::pg_catalog.text), u.r, ($3)[1]"
	                            " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(t, r)"
	                            " ON CONFLICT ON CONSTRAINT ingest_raw_record_pkey DO NOTHING",
	                            3, types);
	Column receipt_col = column(UUIDOID, 1);
	push(&receipt_col, receipt, false);
	Column cols[3] = {*type, *record, receipt_col};
	execute(plan, cols, 3);
}

// Appends one refused record to the errors array text.
void append_error(StringInfo errors, const Slot &s, bool *first) {
	if (!*first)
		appendStringInfoString(errors, ", ");
	*first = false;
	appendStringInfo(errors, "{\"index\": %d, \"reason\": ", s.index);
	escape_json(errors, s.reason);
	appendStringInfoChar(errors, '}');
}

// Counts a slot into queued, parked and rejected.
void tally(const Slot &s, int *queued, int *parked, int *rejected) {
	if (s.done) {
		++*queued;
		if (s.parked)
			++*parked;
	} else {
		++*rejected;
	}
}

// Raises for a payload that is not a JSON object.
void refuse_non_object() {
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("payload must be a JSON object"),
	                errhint("Send {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
}

// The root of a jsonb payload.
Obj jsonb_root(Jsonb *payload) {
	if (!JB_ROOT_IS_OBJECT(payload) || JB_ROOT_IS_SCALAR(payload))
		refuse_non_object();
	return Obj{&payload->root, static_cast<int>(VARSIZE(payload) - VARHDRSZ), nullptr, 0};
}

// The parsed tape of a payload text; a reset callback of the memory context that holds the
// box deletes it, so an error raised while it exists leaks nothing.
struct TapeBox {
	dexcost::JsonTape *tape;
};
DEXCOST_PLAIN(TapeBox);

void free_tape(void *arg) noexcept {
	auto *box = static_cast<TapeBox *>(arg);
	delete box->tape;
	box->tape = nullptr;
}

// Why a payload text did not parse (plain data for phase 3).
struct ParseFailure {
	dexcost::JsonError kind;
	size_t offset;
	char what[256];
};
DEXCOST_PLAIN(ParseFailure);

// Parses text into the box's tape (phase 2); false with failure filled in.
bool parse_noexcept(TapeBox *box, std::string_view text, ParseFailure *failure) noexcept {
	try {
		box->tape = new dexcost::JsonTape();
	} catch (...) {
		failure->kind = dexcost::JsonError::kOutOfMemory;
		failure->offset = 0;
		copy_text(failure->what, sizeof failure->what, "out of memory");
		return false;
	}
	if (box->tape->parse(text))
		return true;
	failure->kind = box->tape->error_kind();
	failure->offset = box->tape->error_offset();
	copy_text(failure->what, sizeof failure->what, box->tape->error());
	return false;
}

// Raises for a payload text that did not parse, with the SQLSTATE jsonb input would raise.
void refuse_text(ParseFailure *failure) {
	int code = ERRCODE_INVALID_TEXT_REPRESENTATION;
	const char *message = "invalid input syntax for type json";
	switch (failure->kind) {
	case dexcost::JsonError::kNulEscape:
		code = ERRCODE_UNTRANSLATABLE_CHARACTER;
		message = "unsupported Unicode escape sequence";
		break;
	case dexcost::JsonError::kNumericRange:
		code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		message = "value overflows numeric format";
		break;
	case dexcost::JsonError::kTooLong:
		code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		message = "payload too large for jsonb";
		break;
	case dexcost::JsonError::kTooDeep:
		code = ERRCODE_STATEMENT_TOO_COMPLEX;
		message = "payload nested too deeply";
		break;
	case dexcost::JsonError::kOutOfMemory:
		code = ERRCODE_OUT_OF_MEMORY;
		message = "out of memory";
		break;
	default:
		break;
	}
	ereport(ERROR, (errcode(code), errmsg("%s", message),
	                errdetail("The payload's JSON: %s at byte %zu.", clip_to_characters(failure->what), failure->offset),
	                errhint("Send one JSON object: {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
}

// The whole ingest of one payload; returns the response jsonb (in the caller's context).
Datum ingest_payload(const Obj &root, const char *origin, MemoryContext result_cxt) {
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Ingest *in = static_cast<Ingest *>(palloc0(sizeof(Ingest)));
	in->origin = origin;
	Datum receipt = DirectFunctionCall1(gen_random_uuid, (Datum)0);

	// Phase 1.
	check_payload_keys(root);
	int next_index = 0;
	in->events = reinterpret_cast<EventSlot *>(read_array(root, kEvents, sizeof(EventSlot), &in->n_events, &next_index));
	in->tasks = reinterpret_cast<TaskSlot *>(read_array(root, kTasks, sizeof(TaskSlot), &in->n_tasks, &next_index));
	for (Kind k : {kIdentities, kOutcomes}) {
		in->raw[k] = reinterpret_cast<Slot *>(read_array(root, k, sizeof(Slot), &in->n_raw[k], &next_index));
		in->raw_size[k] = sizeof(Slot);
	}
	in->revenue =
	    reinterpret_cast<RevenueSlot *>(read_array(root, kRevenue, sizeof(RevenueSlot), &in->n_revenue, &next_index));
	for (int i = 0; i < in->n_events; ++i)
		if (in->events[i].s.ok)
			read_event(&in->events[i]);
	for (int i = 0; i < in->n_tasks; ++i)
		if (in->tasks[i].s.ok)
			read_task(&in->tasks[i]);
	for (int i = 0; i < in->n_revenue; ++i)
		if (in->revenue[i].s.ok)
			read_revenue(&in->revenue[i]);

	// Phase 2.
	check_events_noexcept(in->events, in->n_events);
	check_tasks_noexcept(in->tasks, in->n_tasks);
	check_revenue_noexcept(in->revenue, in->n_revenue);
	for (int i = 0; i < in->n_events; ++i)
		clip_to_characters(in->events[i].s.reason);
	for (int i = 0; i < in->n_tasks; ++i)
		clip_to_characters(in->tasks[i].s.reason);
	for (int i = 0; i < in->n_revenue; ++i)
		clip_to_characters(in->revenue[i].s.reason);

	// Phase 3: the tasks the payload refers to.
	int refs = in->n_events + 2 * in->n_tasks + in->n_revenue;
	Column ids = column(UUIDOID, refs);
	auto add_ref = [&ids](const Field &f) {
		if (f.present())
			push(&ids, uuid_datum(f.text), false);
	};
	for (int i = 0; i < in->n_events; ++i)
		if (in->events[i].s.ok)
			add_ref(in->events[i].f.task_id);
	for (int i = 0; i < in->n_tasks; ++i)
		if (in->tasks[i].s.ok) {
			add_ref(in->tasks[i].f.task_id);
			add_ref(in->tasks[i].f.parent_task_id);
		}
	for (int i = 0; i < in->n_revenue; ++i)
		if (in->revenue[i].s.ok)
			add_ref(in->revenue[i].f.task_id);
	in->tasks_known = new_task_map();
	load_tasks(in->tasks_known, &ids);

	// Tasks, parents first.
	int capacity = in->n_events + in->n_tasks + in->n_revenue + 1;
	Column park_type = column(TEXTOID, capacity), park_key = column(TEXTOID, capacity),
	       park_wait = column(UUIDOID, capacity), park_record = column(JSONBOID, capacity);
	order_tasks(in);
	place_tasks(in, &park_type, &park_key, &park_wait, &park_record);
	int *batch = static_cast<int *>(palloc(sizeof(int) * capacity));
	int n = 0;
	for (int o = 0; o < in->n_order; ++o)
		if (in->tasks[in->order[o]].s.ok)
			batch[n++] = in->order[o];
	write_all(in, write_tasks, task_slot, batch, n);
	int m = 0;
	for (int b = 0; b < n; ++b)
		if (in->tasks[batch[b]].s.done && in->tasks[batch[b]].v.has_reported_totals)
			batch[m++] = batch[b];
	if (m > 0) {
		char reason[kReasonSize];
		in->batch = batch;
		in->n_batch = m;
		if (!run_in_subtransaction(write_reported, in, reason, sizeof reason))
			ereport(WARNING, (errmsg("dexcost ingest could not keep the SDK's reported totals: %s", reason)));
	}

	// Events and revenue: stored when their task is known, parked otherwise.
	// The map also holds the payload's tasks as placed, refused ones included: reload it
	// whenever the payload had tasks.
	if (in->n_tasks > 0) {
		in->tasks_known = new_task_map();
		load_tasks(in->tasks_known, &ids);
	}
	// An event sent twice in one payload: the later copy replaces the earlier.
	HTAB *seen = new_uuid_set(in->n_events);
	for (int i = in->n_events - 1; i >= 0; --i) {
		EventSlot &e = in->events[i];
		if (!e.s.ok)
			continue;
		pg_uuid_t key = uuid_of(e.f.event_id.text);
		bool later = false;
		hash_search(seen, &key, HASH_ENTER, &later);
		if (later) {
			e.s.ok = false;
			e.s.done = true;
		}
	}
	n = 0;
	for (int i = 0; i < in->n_events; ++i) {
		EventSlot &e = in->events[i];
		if (!e.s.ok)
			continue;
		KnownTask *task = known(in->tasks_known, e.f.task_id.text);
		if (task && task->customers > 1) {
			refuse(&e.s, "task_id: exists for several customers");
		} else if (!task) {
			push_cstring(&park_type, "event");
			push_text(&park_key, e.f.event_id);
			push(&park_wait, uuid_datum(e.f.task_id.text), false);
			push(&park_record, raw_of(e.s), false);
			e.s.parked = e.s.done = true;
		} else {
			batch[n++] = i;
		}
	}
	// Most events are new: a plain INSERT skips the conflict check each row of an upsert
	// pays. When it fails (an event sent again, or a bad record), the upsert takes over.
	char reason[kReasonSize];
	in->batch = batch;
	in->n_batch = n;
	in->upsert = false;
	if (n > 0 && run_in_subtransaction(write_events, in, reason, sizeof reason)) {
		for (int b = 0; b < n; ++b)
			in->events[batch[b]].s.done = true;
	} else {
		in->upsert = true;
		write_all(in, write_events, event_slot, batch, n);
	}
	n = 0;
	for (int i = 0; i < in->n_revenue; ++i) {
		RevenueSlot &r = in->revenue[i];
		if (!r.s.ok)
			continue;
		KnownTask *task = known(in->tasks_known, r.f.task_id.text);
		if (task && task->customers > 1) {
			refuse(&r.s, "task_id: exists for several customers");
		} else if (!task) {
			push_cstring(&park_type, "revenue_revision");
			std::string_view id = r.f.revenue_id.text;
			push(&park_key,
			     CStringGetTextDatum(psprintf("%.*s:%lld", static_cast<int>(id.size()), id.data(),
			                                  static_cast<long long>(r.v.revision))),
			     false);
			push(&park_wait, uuid_datum(r.f.task_id.text), false);
			push(&park_record, raw_of(r.s), false);
			r.s.parked = r.s.done = true;
		} else {
			batch[n++] = i;
		}
	}
	// Revisions of one revenue go in revision order, whatever order the payload has (one
	// statement inserts in array order; a refused one is retried alone). Stable insertion
	// sort: a payload holds few revisions.
	for (int b = 1; b < n; ++b) {
		int moving = batch[b];
		const RevenueSlot &m = in->revenue[moving];
		int at = b;
		for (; at > 0; --at) {
			const RevenueSlot &p = in->revenue[batch[at - 1]];
			int c = p.f.revenue_id.text.compare(m.f.revenue_id.text);
			if (c < 0 || (c == 0 && p.v.revision <= m.v.revision))
				break;
			batch[at] = batch[at - 1];
		}
		batch[at] = moving;
	}
	write_all(in, write_revenue, revenue_slot, batch, n);
	park(&park_type, &park_key, &park_wait, &park_record, receipt);

	Column raw_type = column(TEXTOID, capacity), raw_record = column(JSONBOID, capacity);
	for (Kind k : {kIdentities, kOutcomes})
		for (int i = 0; i < in->n_raw[k]; ++i) {
			Slot &s = in->raw[k][i];
			if (!s.ok)
				continue;
			push_cstring(&raw_type, kRawTypes[k]);
			push(&raw_record, raw_of(s), false);
			s.done = true;
		}
	keep_raw(&raw_type, &raw_record, receipt);

	// The answer, and its receipt.
	int queued = 0, parked = 0, rejected = 0;
	StringInfoData errors;
	initStringInfo(&errors);
	appendStringInfoChar(&errors, '[');
	bool first = true;
	// Refused records in index order: the arrays were numbered in kKindKeys order.
	for (int i = 0; i < in->n_events; ++i) {
		tally(in->events[i].s, &queued, &parked, &rejected);
		if (!in->events[i].s.done)
			append_error(&errors, in->events[i].s, &first);
	}
	for (int i = 0; i < in->n_tasks; ++i) {
		tally(in->tasks[i].s, &queued, &parked, &rejected);
		if (!in->tasks[i].s.done)
			append_error(&errors, in->tasks[i].s, &first);
	}
	for (Kind k : {kIdentities, kOutcomes})
		for (int i = 0; i < in->n_raw[k]; ++i) {
			tally(in->raw[k][i], &queued, &parked, &rejected);
			if (!in->raw[k][i].done)
				append_error(&errors, in->raw[k][i], &first);
		}
	for (int i = 0; i < in->n_revenue; ++i) {
		tally(in->revenue[i].s, &queued, &parked, &rejected);
		if (!in->revenue[i].s.done)
			append_error(&errors, in->revenue[i].s, &first);
	}
	appendStringInfoChar(&errors, ']');

	Oid receipt_types[6] = {UUIDOID, TEXTOID, INT4OID, INT4OID, INT4OID, JSONBOID};
	Datum receipt_args[6] = {receipt, CStringGetTextDatum(origin), Int32GetDatum(queued), Int32GetDatum(parked),
	                         Int32GetDatum(rejected), DirectFunctionCall1(jsonb_in, CStringGetDatum(errors.data))};
	int rc = SPI_execute_with_args("INSERT INTO dexcost.ingest_receipt (receipt_id, origin, queued, parked, rejected,"
	                               " errors) VALUES ($1, $2, $3, $4, $5, $6)",
	                               6, receipt_types, receipt_args, nullptr, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not record the ingest receipt: %s", SPI_result_code_string(rc));

	StringInfoData answer;
	initStringInfo(&answer);
	appendStringInfo(&answer, "{\"receipt_id\": \"%s\", \"queued\": %d, \"parked\": %d, \"rejected\": %d, \"errors\": %s}",
	                 DatumGetCString(DirectFunctionCall1(uuid_out, receipt)), queued, parked, rejected, errors.data);
	MemoryContext old = MemoryContextSwitchTo(result_cxt);
	Datum result = DirectFunctionCall1(jsonb_in, CStringGetDatum(answer.data));
	MemoryContextSwitchTo(old);
	SPI_finish();
	return result;
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// ingest(payload jsonb) -> jsonb
Datum dexcost_ingest(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("payload must not be NULL"),
		                errhint("Send {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
	PG_RETURN_DATUM(ingest_payload(jsonb_root(PG_GETARG_JSONB_P(0)), "call", CurrentMemoryContext));
}

// ingest(payload text) -> jsonb: the same, parsing the text with core/json instead of jsonb_in.
Datum dexcost_ingest_text(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("payload must not be NULL"),
		                errhint("Send {\"events\": [...], \"tasks\": [...], \"revenue_revisions\": [...]}.")));
	text *payload = PG_GETARG_TEXT_PP(0);
	if (GetDatabaseEncoding() != PG_UTF8) {
		// \u escapes must become characters of the database's encoding: jsonb_in knows how.
		Datum jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(text_to_cstring(payload)));
		PG_RETURN_DATUM(ingest_payload(jsonb_root(DatumGetJsonbP(jb)), "call", CurrentMemoryContext));
	}
	// Phase 1: the box, freed with this call's memory.
	auto *box = static_cast<TapeBox *>(palloc0(sizeof(TapeBox)));
	auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	callback->func = free_tape;
	callback->arg = box;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	std::string_view text(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload));
	// Phase 2.
	ParseFailure failure;
	bool parsed = parse_noexcept(box, text, &failure);
	// Phase 3.
	if (!parsed)
		refuse_text(&failure);
	if (box->tape->node(0).kind != JsonKind::kObject)
		refuse_non_object();
	PG_RETURN_DATUM(ingest_payload(Obj{nullptr, 0, box->tape, 0}, "call", CurrentMemoryContext));
}

// ingest_records(payload jsonb, origin text) -> jsonb (internal: adoption of parked records)
Datum dexcost_ingest_records(PG_FUNCTION_ARGS) {
	char *origin = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(origin, "call") != 0 && strcmp(origin, "adoption") != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid origin \"%s\"", origin),
		                errhint("Use call or adoption.")));
	PG_RETURN_DATUM(ingest_payload(jsonb_root(PG_GETARG_JSONB_P(0)), origin, CurrentMemoryContext));
}
