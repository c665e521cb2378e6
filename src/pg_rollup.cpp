// SQL surface of the roll-ups: the cost_event statement trigger that appends per-task deltas,
// and the dexcost.cost_totals functions (totals_of, +, -, the sum aggregate's step).
//
// Ingest never updates a task: each INSERT, UPDATE or DELETE statement on cost_event appends
// one delta row per task it touched to dexcost.task_rollup_delta (no row locks, so no lock
// waits and no deadlocks between concurrent writers). fold_rollups() moves deltas into
// dexcost.task_rollup; the task_cost view adds the deltas not yet folded, so totals read
// through it are exact at any moment.
#include "core/rollup.hpp"

#include <memory>
#include <new>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_cost_event_rollup);
PG_FUNCTION_INFO_V1(dexcost_totals_of);
PG_FUNCTION_INFO_V1(dexcost_totals_add);
PG_FUNCTION_INFO_V1(dexcost_totals_sub);
}

namespace dexcost_pg {

namespace {

// cost_totals fields, in the type's order.
enum TotalsField {
	kEventCount,
	kRetryCount,
	kFailureCount,
	kUnpricedCount,
	kTotalCost,
	kLlmCost,
	kExternalCost,
	kComputeCost,
	kNetworkCost,
	kGpuCost,
	kRetryCost,
	kFailureCost,
	kFirstToken, // six token buckets follow, in dexcost::Bucket order
	kTotalsFieldCount = kFirstToken + dexcost::kBucketCount
};

bool is_money_field(int f) {
	return f >= kTotalCost && f <= kFailureCost;
}

// The cost_event columns an event's contribution depends on.
// retry_detection (0.2) comes last: a 0.1 schema without it, between installing the new
// library and ALTER EXTENSION UPDATE, reads as "not dismissed".
enum EventCol { eCustomer, eTask, eType, eModel, eCost, eIsRetry, eError, eFirstToken,
	            eDetection = eFirstToken + 6, eColCount };
const char *const kEventColNames[eColCount] = {
    "customer_id",  "task_id",           "event_type",         "model",
    "cost_usd",     "is_retry",          "error_type",         "input_tokens",
    "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens",
    "retry_detection"};

// Column numbers of kEventColNames in desc (0 for an optional column that is missing).
void event_attnums(TupleDesc desc, int *attnums) {
	for (int c = 0; c < eColCount; ++c) {
		attnums[c] = SPI_fnumber(desc, kEventColNames[c]);
		if (attnums[c] <= 0 && c == eDetection)
			attnums[c] = 0;
		else if (attnums[c] <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("cost_event has no column \"%s\"", kEventColNames[c]),
			                errhint("Reinstall the dexcost extension.")));
	}
}

// The type oid of dexcost.cost_totals.
Oid totals_type() {
	Oid nsp = get_namespace_oid(kSchema, false);
	Oid typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("cost_totals"), ObjectIdGetDatum(nsp));
	if (!OidIsValid(typid))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("type dexcost.cost_totals does not exist"),
		                errhint("Reinstall the dexcost extension.")));
	return typid;
}

Datum numeric_zero() {
	return NumericGetDatum(int64_to_numeric(0));
}

// An event's facts in plain data (palloc'd: only 8-byte alignment, so no int128 members).
struct PlainEvent {
	const char *customer_id;
	pg_uuid_t task_id;
	int event_type;
	bool has_model, is_retry, retry_dismissed, has_error;
	int64 tokens[dexcost::kBucketCount];
	const char *cost_text; // nullptr when the cost is unknown
};

// Reads one event's facts from a slot (phase 1).
void read_event(TupleTableSlot *slot, const int *attnums, PlainEvent *out) {
	bool isnull = false;
	out->customer_id = TextDatumGetCString(slot_getattr(slot, attnums[eCustomer], &isnull));
	memcpy(&out->task_id, DatumGetUUIDP(slot_getattr(slot, attnums[eTask], &isnull)), sizeof(pg_uuid_t));
	char *type = TextDatumGetCString(slot_getattr(slot, attnums[eType], &isnull));
	out->event_type = dexcost::vocab_index(dexcost::kEventTypes, type);
	slot_getattr(slot, attnums[eModel], &isnull);
	out->has_model = !isnull;
	Datum retry = slot_getattr(slot, attnums[eIsRetry], &isnull);
	out->is_retry = !isnull && DatumGetBool(retry);
	out->retry_dismissed = false;
	if (attnums[eDetection] > 0) {
		Datum detection = slot_getattr(slot, attnums[eDetection], &isnull);
		out->retry_dismissed = !isnull && text_equals_cstring(detection, "dismissed");
	}
	slot_getattr(slot, attnums[eError], &isnull);
	out->has_error = !isnull;
	for (int b = 0; b < dexcost::kBucketCount; ++b) {
		Datum n = slot_getattr(slot, attnums[eFirstToken + b], &isnull);
		out->tokens[b] = isnull ? 0 : DatumGetInt64(n);
	}
	Datum cost = slot_getattr(slot, attnums[eCost], &isnull);
	out->cost_text = isnull ? nullptr : DatumGetCString(DirectFunctionCall1(numeric_out, cost));
}

// A statement's C++ state, owned by a memory context: a reset callback frees it, so an
// error raised while it exists leaks nothing and skips no destructor on the stack.
struct AccumulatorBox {
	dexcost::Accumulator *acc = nullptr;
	std::vector<const dexcost::Accumulator::Entry *> *rows = nullptr;
};

void free_accumulator(void *arg) noexcept {
	auto *box = static_cast<AccumulatorBox *>(arg);
	delete box->rows;
	delete box->acc;
	box->rows = nullptr;
	box->acc = nullptr;
}

// Creates the accumulator (phase 2); false when out of memory.
bool create_accumulator_noexcept(AccumulatorBox *box) noexcept {
	box->acc = new (std::nothrow) dexcost::Accumulator();
	return box->acc != nullptr;
}

// Collects the tasks whose totals changed (phase 2); false when out of memory.
bool collect_nonzero_noexcept(AccumulatorBox *box) noexcept {
	try {
		box->rows = new std::vector<const dexcost::Accumulator::Entry *>(box->acc->nonzero());
		return true;
	} catch (...) {
		return false;
	}
}

// Phase 2 for a batch of events: parses costs and adds them with sign. Returns false with err set.
bool add_batch_noexcept(dexcost::Accumulator *acc, const PlainEvent *events, int n, int sign, char *err,
                        size_t errsize) noexcept {
	try {
		for (int i = 0; i < n; ++i) {
			const PlainEvent &e = events[i];
			dexcost::EventFacts facts;
			facts.event_type = e.event_type;
			facts.has_model = e.has_model;
			facts.is_retry = e.is_retry;
			facts.retry_dismissed = e.retry_dismissed;
			facts.has_error = e.has_error;
			for (int b = 0; b < dexcost::kBucketCount; ++b)
				facts.tokens[b] = e.tokens[b];
			if (e.cost_text) {
				dexcost::DecimalError de = dexcost::Decimal::parse(e.cost_text, &facts.cost);
				if (de != dexcost::DecimalError::kNone) {
					snprintf(err, errsize, "cost_usd \"%s\": %s", e.cost_text, dexcost::decimal_error_text(de));
					return false;
				}
				facts.priced = true;
			}
			if (!acc->add(e.customer_id, e.task_id.data, facts, sign)) {
				copy_text(err, errsize, "a task total is out of range");
				return false;
			}
		}
		return true;
	} catch (const std::exception &ex) {
		copy_text(err, errsize, ex.what());
	} catch (...) {
		copy_text(err, errsize, "unexpected C++ exception");
	}
	return false;
}

DEXCOST_PLAIN(PlainEvent);
DEXCOST_PLAIN(dexcost::EventFacts); // lives on the stack of totals_of() across heap_getattr()

// Feeds every row of a transition table into the accumulator (phases 1 and 2 per batch).
void accumulate(Tuplestorestate *rows, TupleDesc desc, const int *attnums, dexcost::Accumulator *acc, int sign) {
	char err[256] = "";
	for_each_batch<PlainEvent>(
	    rows, desc,
	    [attnums](TupleTableSlot *slot, PlainEvent *out) {
		    read_event(slot, attnums, out);
		    return true;
	    },
	    [acc, sign, &err](const PlainEvent *batch, int n) {
		    if (!add_batch_noexcept(acc, batch, n, sign, err, sizeof err))
			    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("could not roll up cost events: %s", err),
			                    errhint("Costs are kept to 18 decimal places; totals must stay within about 1.7e20 USD.")));
	    });
}

// One task's delta in plain form (phase 2 output); customer_id is copied separately.
struct PlainDelta {
	pg_uuid_t task_id;
	int64 counts[4];
	char money[8][64];
	int64 tokens[dexcost::kBucketCount];
};

DEXCOST_PLAIN(PlainDelta);

// Copies entry i of the accumulator's non-zero tasks into plain data; returns the customer id pointer.
const char *export_noexcept(const std::vector<const dexcost::Accumulator::Entry *> &rows, size_t i, PlainDelta *out,
                            bool *ok) noexcept {
	try {
		const dexcost::Totals &t = rows[i]->totals;
		memcpy(out->task_id.data, rows[i]->task_id, 16);
		out->counts[0] = t.event_count;
		out->counts[1] = t.retry_count;
		out->counts[2] = t.failure_count;
		out->counts[3] = t.unpriced_count;
		const dexcost::Decimal *money[8] = {&t.total_cost,   &t.llm_cost, &t.external_cost, &t.compute_cost,
		                                    &t.network_cost, &t.gpu_cost, &t.retry_cost,    &t.failure_cost};
		for (int m = 0; m < 8; ++m)
			copy_text(out->money[m], sizeof out->money[m], money[m]->is_zero() ? "0" : money[m]->to_string().c_str());
		for (int b = 0; b < dexcost::kBucketCount; ++b)
			out->tokens[b] = t.tokens[b];
		*ok = true;
		return rows[i]->customer_id.c_str();
	} catch (...) {
		*ok = false;
		return nullptr;
	}
}

// Builds a cost_totals datum from a plain delta; zero is the numeric given (most of a delta's
// money fields are zero, and heap_form_tuple copies it).
Datum totals_datum(TupleDesc totals_desc, const PlainDelta &d, Datum zero) {
	Datum values[kTotalsFieldCount];
	bool nulls[kTotalsFieldCount] = {};
	for (int f = 0; f < 4; ++f)
		values[f] = Int64GetDatum(d.counts[f]);
	for (int m = 0; m < 8; ++m)
		values[kTotalCost + m] = strcmp(d.money[m], "0") == 0 ? zero : numeric_from_cstring(d.money[m]);
	for (int b = 0; b < dexcost::kBucketCount; ++b)
		values[kFirstToken + b] = Int64GetDatum(d.tokens[b]);
	return HeapTupleGetDatum(heap_form_tuple(totals_desc, values, nulls));
}

SPIPlanPtr g_insert_deltas = nullptr;
SPIPlanPtr g_insert_deltas_of_live_tasks = nullptr;

// A kept plan that appends deltas from three arrays, optionally only for tasks that exist.
SPIPlanPtr prepare_delta_insert(Oid totals_array_type, bool live_tasks_only) {
	Oid types[3] = {TEXTARRAYOID, get_array_type(UUIDOID), totals_array_type};
	const char *sql =
	    live_tasks_only
	        ? "INSERT INTO dexcost.task_rollup_delta (customer_id, task_id, totals)"
	          " SELECT d.customer_id, d.task_id, d.totals FROM (SELECT pg_catalog.unnest($1) AS customer_id,"
	          " pg_catalog.unnest($2) AS task_id, pg_catalog.unnest($3) AS totals) AS d"
	          " WHERE EXISTS (SELECT 1 FROM dexcost.task AS t WHERE t.customer_id OPERATOR(pg_catalog.=) d.customer_id"
	          " AND t.task_id OPERATOR(pg_catalog.=) d.task_id)"
	        : "INSERT INTO dexcost.task_rollup_delta (customer_id, task_id, totals)"
	          " SELECT pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3)";
	return keep_generic_plan(sql, 3, types, "the roll-up delta insert");
}

// Appends the deltas in one INSERT (phase 3). A DELETE's deltas are kept only for tasks that
// still exist: a foreign-key cascade from a deleted task fires this trigger after the task's
// own AFTER DELETE trigger has cleared its totals, and must not leave deltas behind it.
void insert_deltas(int n, Datum *customers, Datum *tasks, Datum *totals, Oid totals_typid, bool live_tasks_only) {
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Oid array_type = get_array_type(totals_typid);
	SPIPlanPtr *plan = live_tasks_only ? &g_insert_deltas_of_live_tasks : &g_insert_deltas;
	if (!*plan)
		*plan = prepare_delta_insert(array_type, live_tasks_only);
	int16 typlen;
	bool typbyval;
	char typalign;
	get_typlenbyvalalign(totals_typid, &typlen, &typbyval, &typalign);
	Datum args[3] = {
	    PointerGetDatum(construct_array(customers, n, TEXTOID, -1, false, TYPALIGN_INT)),
	    PointerGetDatum(construct_array(tasks, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)),
	    PointerGetDatum(construct_array(totals, n, totals_typid, typlen, typbyval, typalign))};
	int rc = SPI_execute_plan(*plan, args, nullptr, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not append roll-up deltas: %s", SPI_result_code_string(rc));
	SPI_finish();
}

// Reads a cost_totals datum into arrays of datums (NULL fields read as zero).
void deform_totals(Datum composite, Datum *values) {
	HeapTupleHeader header = DatumGetHeapTupleHeader(composite);
	TupleDesc desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(header), HeapTupleHeaderGetTypMod(header));
	if (desc->natts != kTotalsFieldCount) {
		ReleaseTupleDesc(desc);
		elog(ERROR, "dexcost.cost_totals has %d fields, expected %d", desc->natts, kTotalsFieldCount);
	}
	HeapTupleData tuple;
	tuple.t_len = HeapTupleHeaderGetDatumLength(header);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = header;
	bool nulls[kTotalsFieldCount];
	heap_deform_tuple(&tuple, desc, values, nulls);
	ReleaseTupleDesc(desc);
	for (int f = 0; f < kTotalsFieldCount; ++f)
		if (nulls[f])
			values[f] = is_money_field(f) ? numeric_zero() : Int64GetDatum(0);
}

// a + sign * b, field by field, as a new cost_totals datum of the function's result type.
Datum combine_totals(FunctionCallInfo fcinfo, Datum a, Datum b, int sign) {
	Datum av[kTotalsFieldCount], bv[kTotalsFieldCount], out[kTotalsFieldCount];
	bool nulls[kTotalsFieldCount] = {};
	deform_totals(a, av);
	deform_totals(b, bv);
	for (int f = 0; f < kTotalsFieldCount; ++f) {
		if (is_money_field(f)) {
			out[f] = sign > 0 ? DirectFunctionCall2(numeric_add, av[f], bv[f]) : DirectFunctionCall2(numeric_sub, av[f], bv[f]);
		} else {
			int64 r;
			bool overflow = sign > 0 ? pg_add_s64_overflow(DatumGetInt64(av[f]), DatumGetInt64(bv[f]), &r)
			                         : pg_sub_s64_overflow(DatumGetInt64(av[f]), DatumGetInt64(bv[f]), &r);
			if (overflow)
				ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("cost_totals count out of range"),
				                errhint("Counts and token totals must stay within bigint.")));
			out[f] = Int64GetDatum(r);
		}
	}
	TupleDesc desc;
	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cost_totals function must return a composite");
	desc = BlessTupleDesc(desc);
	return HeapTupleGetDatum(heap_form_tuple(desc, out, nulls));
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT on cost_event, with transition tables:
// appends one delta per task the statement changed.
Datum dexcost_cost_event_rollup(PG_FUNCTION_ARGS) {
	TriggerData *trigdata = statement_trigger_data(fcinfo, "cost_event_rollup");
	TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
	int attnums[eColCount];
	event_attnums(desc, attnums);

	// The accumulator lives on the C++ heap; a reset callback frees it if an error strikes.
	auto *box = static_cast<AccumulatorBox *>(palloc0(sizeof(AccumulatorBox)));
	auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	callback->func = free_accumulator;
	callback->arg = box;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	if (!create_accumulator_noexcept(box))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	accumulate(trigdata->tg_oldtable, desc, attnums, box->acc, -1);
	accumulate(trigdata->tg_newtable, desc, attnums, box->acc, +1);

	// The tasks whose totals changed, copied out one by one (phase 3).
	if (!collect_nonzero_noexcept(box))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	int n = static_cast<int>(box->rows->size());
	Datum *customers = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	Datum *tasks = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	Datum *totals = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	Oid typid = totals_type();
	TupleDesc totals_desc = lookup_rowtype_tupdesc_copy(typid, -1);
	PlainDelta delta;
	Datum zero = numeric_zero();
	bool ok = true;
	for (int i = 0; i < n && ok; ++i) {
		const char *customer = export_noexcept(*box->rows, i, &delta, &ok);
		if (!ok)
			break;
		customers[i] = CStringGetTextDatum(customer);
		pg_uuid_t *uuid = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
		*uuid = delta.task_id;
		tasks[i] = UUIDPGetDatum(uuid);
		totals[i] = totals_datum(totals_desc, delta, zero);
	}
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory while rolling up cost events")));
	if (n > 0)
		insert_deltas(n, customers, tasks, totals, typid, TRIGGER_FIRED_BY_DELETE(trigdata->tg_event));
	return PointerGetDatum(nullptr);
}

// totals_of(cost_event): what one event contributes to its task's totals.
Datum dexcost_totals_of(PG_FUNCTION_ARGS) {
	HeapTupleHeader event = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc event_desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(event), HeapTupleHeaderGetTypMod(event));
	int attnums[eColCount];
	event_attnums(event_desc, attnums);
	HeapTupleData tuple;
	tuple.t_len = HeapTupleHeaderGetDatumLength(event);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = event;

	bool isnull = false;
	dexcost::EventFacts facts;
	facts.event_type = dexcost::vocab_index(dexcost::kEventTypes,
	                                        TextDatumGetCString(heap_getattr(&tuple, attnums[eType], event_desc, &isnull)));
	heap_getattr(&tuple, attnums[eModel], event_desc, &isnull);
	facts.has_model = !isnull;
	Datum retry = heap_getattr(&tuple, attnums[eIsRetry], event_desc, &isnull);
	facts.is_retry = !isnull && DatumGetBool(retry);
	if (attnums[eDetection] > 0) {
		Datum detection = heap_getattr(&tuple, attnums[eDetection], event_desc, &isnull);
		facts.retry_dismissed = !isnull && text_equals_cstring(detection, "dismissed");
	}
	heap_getattr(&tuple, attnums[eError], event_desc, &isnull);
	facts.has_error = !isnull;
	Datum cost = heap_getattr(&tuple, attnums[eCost], event_desc, &isnull);
	facts.priced = !isnull;

	Datum values[kTotalsFieldCount];
	bool nulls[kTotalsFieldCount] = {};
	bool retry_counted = dexcost::counts_as_retry(facts);
	values[kEventCount] = Int64GetDatum(1);
	values[kRetryCount] = Int64GetDatum(retry_counted ? 1 : 0);
	values[kFailureCount] = Int64GetDatum(facts.has_error ? 1 : 0);
	values[kUnpricedCount] = Int64GetDatum(facts.priced ? 0 : 1);
	Datum zero = numeric_zero();
	Datum priced_cost = facts.priced ? cost : zero;
	dexcost::CostCategory category = dexcost::category_of(facts);
	values[kTotalCost] = priced_cost;
	values[kLlmCost] = category == dexcost::CostCategory::kLlm ? priced_cost : zero;
	values[kExternalCost] = category == dexcost::CostCategory::kExternal ? priced_cost : zero;
	values[kComputeCost] = category == dexcost::CostCategory::kCompute ? priced_cost : zero;
	values[kNetworkCost] = category == dexcost::CostCategory::kNetwork ? priced_cost : zero;
	values[kGpuCost] = category == dexcost::CostCategory::kGpu ? priced_cost : zero;
	values[kRetryCost] = retry_counted ? priced_cost : zero;
	values[kFailureCost] = facts.has_error ? priced_cost : zero;
	for (int b = 0; b < dexcost::kBucketCount; ++b) {
		Datum n = heap_getattr(&tuple, attnums[eFirstToken + b], event_desc, &isnull);
		values[kFirstToken + b] = isnull ? Int64GetDatum(0) : n;
	}
	ReleaseTupleDesc(event_desc);

	TupleDesc desc;
	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "totals_of must return dexcost.cost_totals");
	desc = BlessTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

// totals_add(a, b) = a + b.
Datum dexcost_totals_add(PG_FUNCTION_ARGS) {
	PG_RETURN_DATUM(combine_totals(fcinfo, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), +1));
}

// totals_sub(a, b) = a - b.
Datum dexcost_totals_sub(PG_FUNCTION_ARGS) {
	PG_RETURN_DATUM(combine_totals(fcinfo, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), -1));
}
