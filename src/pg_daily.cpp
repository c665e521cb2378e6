// The cost_event statement trigger that keeps the daily pre-aggregates (src/core/daily.*).
//
// Each INSERT, UPDATE or DELETE statement on cost_event appends, per key it touched, one
// signed delta row to dexcost.daily_customer_delta, daily_model_delta and daily_retry_delta
// (append-only, like the roll-ups: concurrent writers never wait on each other's rows).
// fold_daily() folds them; the *_all views add what is not folded yet.
//
// One pass per transition table: the rows' tasks are looked up once per statement (their
// task type is part of every key), each row's day is taken in the workspace time zone, and
// the C++ accumulator groups the rows. Three kept plans append the groups from arrays.
#include "core/daily.hpp"

#include <charconv>
#include <new>

#include "pg_bridge.hpp"
#include "pg_sketch.hpp"

extern "C" {
#include "utils/date.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_daily_events_changed);
PG_FUNCTION_INFO_V1(dexcost_daily_tasks_changed);
}

namespace dexcost_pg {

namespace {

// The cost_event columns the daily tables read. retry_detection, retry_attempt (0.2) last:
// a 0.1 schema without them reads as not dismissed, attempt unknown.
enum Col {
	cCustomer, cTask, cType, cModel, cCost, cIsRetry, cError, cFirstToken,
	cOccurred = cFirstToken + 6, cProvider, cRoute, cTier, cFallback, cLatency, cRetryType, cRetryReason,
	cDetection, cAttempt, cColCount
};
const char *const kColNames[cColCount] = {
    "customer_id", "task_id", "event_type", "model", "cost_usd", "is_retry", "error_type",
    "input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens",
    "reasoning_tokens", "occurred_at", "provider", "route", "service_tier", "fallback_reason", "latency_ms",
    "retry_type", "retry_reason", "retry_detection", "retry_attempt"};
constexpr int kFirstOptional = cDetection;

void column_numbers(TupleDesc desc, int *attnums) {
	for (int c = 0; c < cColCount; ++c) {
		attnums[c] = SPI_fnumber(desc, kColNames[c]);
		if (attnums[c] <= 0 && c >= kFirstOptional)
			attnums[c] = 0;
		else if (attnums[c] <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("cost_event has no column \"%s\"", kColNames[c]),
			                errhint("Reinstall the dexcost extension.")));
	}
}

// A task of the statement: its task type once looked up (nullptr: the task does not exist).
struct TaskEntry {
	pg_uuid_t task_id; // hash key; tasks of other customers with the same id chain through next
	char *customer_id;
	char *task_type;
	TaskEntry *next;
};
DEXCOST_PLAIN(TaskEntry);

using TaskTable = StatementTasks<TaskEntry>;
void no_type_yet(TaskEntry *e) {
	e->task_type = nullptr;
}
TaskEntry *find_task(TaskTable *tasks, const pg_uuid_t *id, const char *customer) {
	return tasks->find(id, customer);
}

// Collects the (customer, task) pairs of a transition table.
void collect_tasks(Tuplestorestate *rows, TupleDesc desc, const int *attnums, TaskTable *tasks) {
	tasks->collect(rows, desc, attnums[cCustomer], attnums[cTask], [](TupleTableSlot *) { return true; }, no_type_yet);
}

SPIPlanPtr g_task_types = nullptr;
SPIPlanPtr g_timezone = nullptr;

SPIPlanPtr keep(const char *sql, int nargs, Oid *types) {
	return keep_generic_plan(sql, nargs, types, "a daily pre-aggregate statement");
}

// Fills in the task types (inside SPI). Tasks that no longer exist keep nullptr.
void look_up_task_types(TaskTable *tasks) {
	if (tasks->count == 0)
		return;
	if (!g_task_types) {
		Oid types[2] = {TEXTARRAYOID, get_array_type(UUIDOID)};
		g_task_types = keep("SELECT t.customer_id, t.task_id, t.task_type"
		                    "  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS k(customer_id, task_id)"
		                    "  JOIN dexcost.task AS t ON t.customer_id OPERATOR(pg_catalog.=) k.customer_id"
		                    "   AND t.task_id OPERATOR(pg_catalog.=) k.task_id",
		                    2, types);
	}
	Datum *customers = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	Datum *ids = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	int n = 0;
	tasks->for_each([customers, ids, &n](TaskEntry *e) {
		customers[n] = CStringGetTextDatum(e->customer_id);
		ids[n] = UUIDPGetDatum(&e->task_id);
		++n;
	});
	Datum args[2] = {PointerGetDatum(construct_array(customers, n, TEXTOID, -1, false, TYPALIGN_INT)),
	                 PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR))};
	int rc = SPI_execute_plan(g_task_types, args, nullptr, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look up the tasks of cost events: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; ++i) {
		HeapTuple tuple = SPI_tuptable->vals[i];
		bool isnull = false;
		char *customer = TextDatumGetCString(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
		Datum id = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull);
		Datum type = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull);
		TaskEntry *e = find_task(tasks, DatumGetUUIDP(id), customer);
		if (e)
			e->task_type = MemoryContextStrdup(tasks->cxt, TextDatumGetCString(type));
	}
}

// The workspace time zone (inside SPI), copied into the caller's context.
char *workspace_timezone(MemoryContext into) {
	// dexcost.timezone()'s body: calling the SQL function would plan its body on every statement.
	if (!g_timezone)
		g_timezone = keep("SELECT COALESCE((SELECT s.value FROM dexcost.workspace_setting AS s"
		                  " WHERE s.name OPERATOR(pg_catalog.=) 'timezone'), 'UTC')",
		                  0, nullptr);
	int rc = SPI_execute_plan(g_timezone, nullptr, nullptr, true, 1);
	bool isnull = true;
	Datum tz = (rc == SPI_OK_SELECT && SPI_processed == 1)
	               ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
	               : (Datum)0;
	if (isnull)
		elog(ERROR, "dexcost.timezone() returned no time zone");
	return MemoryContextStrdup(into, TextDatumGetCString(tz));
}

// One row read into plain data (phase 1); strings are palloc'd, empty for NULL.
struct PlainRow {
	int32 day;
	const char *customer_id, *task_type, *provider, *model, *route, *tier, *fallback, *retry_type, *retry_reason;
	int event_type;
	bool has_model, is_retry, dismissed, has_error, has_latency, has_output;
	int64 tokens[dexcost::kBucketCount];
	int64 latency_ms;
	int32 attempt;
	const char *cost_text; // nullptr: unknown
};
DEXCOST_PLAIN(PlainRow);

const char *text_or_empty(TupleTableSlot *slot, int attnum) {
	bool isnull = false;
	Datum v = slot_getattr(slot, attnum, &isnull);
	return isnull ? "" : TextDatumGetCString(v);
}

// Reads one row; false when its task no longer exists (the row counts nowhere).
bool read_row(TupleTableSlot *slot, const int *attnums, TaskTable *tasks, Datum tz, PlainRow *out) {
	bool isnull = false;
	out->customer_id = TextDatumGetCString(slot_getattr(slot, attnums[cCustomer], &isnull));
	TaskEntry *task = find_task(tasks, DatumGetUUIDP(slot_getattr(slot, attnums[cTask], &isnull)), out->customer_id);
	if (!task || !task->task_type)
		return false;
	out->task_type = task->task_type;
	Datum occurred = slot_getattr(slot, attnums[cOccurred], &isnull);
	Datum local = DirectFunctionCall2(timestamptz_zone, tz, occurred);
	out->day = DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
	char *type = TextDatumGetCString(slot_getattr(slot, attnums[cType], &isnull));
	out->event_type = dexcost::vocab_index(dexcost::kEventTypes, type);
	out->model = text_or_empty(slot, attnums[cModel]);
	slot_getattr(slot, attnums[cModel], &isnull);
	out->has_model = !isnull;
	Datum retry = slot_getattr(slot, attnums[cIsRetry], &isnull);
	out->is_retry = !isnull && DatumGetBool(retry);
	out->dismissed = false;
	if (attnums[cDetection] > 0) {
		Datum detection = slot_getattr(slot, attnums[cDetection], &isnull);
		out->dismissed = !isnull && text_equals_cstring(detection, "dismissed");
	}
	out->attempt = 0;
	if (attnums[cAttempt] > 0) {
		Datum attempt = slot_getattr(slot, attnums[cAttempt], &isnull);
		out->attempt = isnull ? 0 : DatumGetInt32(attempt);
	}
	slot_getattr(slot, attnums[cError], &isnull);
	out->has_error = !isnull;
	for (int b = 0; b < dexcost::kBucketCount; ++b) {
		Datum n = slot_getattr(slot, attnums[cFirstToken + b], &isnull);
		out->tokens[b] = isnull ? 0 : DatumGetInt64(n);
		if (b == static_cast<int>(dexcost::Bucket::kOutput))
			out->has_output = !isnull;
	}
	Datum latency = slot_getattr(slot, attnums[cLatency], &isnull);
	out->has_latency = !isnull;
	out->latency_ms = isnull ? 0 : DatumGetInt64(latency);
	Datum cost = slot_getattr(slot, attnums[cCost], &isnull);
	out->cost_text = isnull ? nullptr : DatumGetCString(DirectFunctionCall1(numeric_out, cost));
	out->provider = text_or_empty(slot, attnums[cProvider]);
	out->route = text_or_empty(slot, attnums[cRoute]);
	out->tier = text_or_empty(slot, attnums[cTier]);
	out->fallback = text_or_empty(slot, attnums[cFallback]);
	out->retry_type = text_or_empty(slot, attnums[cRetryType]);
	out->retry_reason = text_or_empty(slot, attnums[cRetryReason]);
	return true;
}

// The accumulator and its exported rows live on the C++ heap, owned by a memory context
// callback: an error raised while they exist frees them and skips no destructor.
struct Box {
	dexcost::DailyAccumulator *acc = nullptr;
	std::vector<const dexcost::DailyCustomerEntry *> *customers = nullptr;
	std::vector<const dexcost::DailyModelEntry *> *models = nullptr;
	std::vector<const dexcost::DailyRetryEntry *> *retries = nullptr;
};

void free_box(void *arg) noexcept {
	auto *box = static_cast<Box *>(arg);
	delete box->customers;
	delete box->models;
	delete box->retries;
	delete box->acc;
	*box = Box();
}

// Phase 2 for a batch of rows. Returns false with err set.
bool add_batch_noexcept(dexcost::DailyAccumulator *acc, const PlainRow *rows, int n, int sign, char *err,
                        size_t errsize) noexcept {
	try {
		for (int i = 0; i < n; ++i) {
			const PlainRow &r = rows[i];
			dexcost::DailyEvent e;
			e.day = r.day;
			e.customer_id = r.customer_id;
			e.task_type = r.task_type;
			e.facts.event_type = r.event_type;
			e.facts.has_model = r.has_model;
			e.facts.is_retry = r.is_retry;
			e.facts.retry_dismissed = r.dismissed;
			e.facts.has_error = r.has_error;
			for (int b = 0; b < dexcost::kBucketCount; ++b)
				e.facts.tokens[b] = r.tokens[b];
			if (r.cost_text) {
				dexcost::DecimalError de = dexcost::Decimal::parse(r.cost_text, &e.facts.cost);
				if (de != dexcost::DecimalError::kNone) {
					snprintf(err, errsize, "cost_usd \"%s\": %s", r.cost_text, dexcost::decimal_error_text(de));
					return false;
				}
				e.facts.priced = true;
				const char *end = r.cost_text + strlen(r.cost_text);
				std::from_chars(r.cost_text, end, e.cost_value); // the same double as numeric::float8
			}
			e.provider = r.provider;
			e.model = r.model;
			e.route = r.route;
			e.service_tier = r.tier;
			e.fallback_reason = r.fallback;
			e.has_latency = r.has_latency;
			e.latency_ms = r.latency_ms;
			e.has_output_tokens = r.has_output;
			e.retry_type = r.retry_type;
			e.retry_reason = r.retry_reason;
			e.retry_attempt = r.attempt;
			if (!acc->add(e, sign)) {
				copy_text(err, errsize, "a daily total is out of range");
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

// Feeds every row of a transition table into the accumulator (phases 1 and 2 per batch).
void accumulate(Tuplestorestate *rows, TupleDesc desc, const int *attnums, TaskTable *tasks, Datum tz,
                dexcost::DailyAccumulator *acc, int sign) {
	char err[256] = "";
	for_each_batch<PlainRow>(
	    rows, desc,
	    [attnums, tasks, tz](TupleTableSlot *slot, PlainRow *out) { return read_row(slot, attnums, tasks, tz, out); },
	    [acc, sign, &err](const PlainRow *batch, int n) {
		    if (!add_batch_noexcept(acc, batch, n, sign, err, sizeof err))
			    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			                    errmsg("could not add cost events to the daily totals: %s", err),
			                    errhint("Costs are kept to 18 decimal places; daily totals must stay within about 1.7e20 USD.")));
	    });
}

bool collect_rows_noexcept(Box *box) noexcept {
	try {
		box->customers = new std::vector<const dexcost::DailyCustomerEntry *>(box->acc->customer_rows());
		box->models = new std::vector<const dexcost::DailyModelEntry *>(box->acc->model_rows());
		box->retries = new std::vector<const dexcost::DailyRetryEntry *>(box->acc->retry_rows());
		return true;
	} catch (...) {
		return false;
	}
}

// Money as text (phase 2 of the export): the customer delta's seven money measures.
struct PlainMoney {
	char text[7][64];
};
DEXCOST_PLAIN(PlainMoney);

bool money_noexcept(const dexcost::Decimal *const *values, int n, PlainMoney *out) noexcept {
	try {
		for (int m = 0; m < n; ++m)
			copy_text(out->text[m], sizeof out->text[m], values[m]->is_zero() ? "0" : values[m]->to_string().c_str());
		return true;
	} catch (...) {
		return false;
	}
}

bool customer_money_noexcept(const dexcost::DailyCustomerEntry &e, PlainMoney *out) noexcept {
	const dexcost::Totals &t = e.totals;
	dexcost::Decimal other;
	if (!t.network_cost.checked_add(t.gpu_cost, &other))
		return false;
	const dexcost::Decimal *values[7] = {&t.total_cost, &t.llm_cost, &t.external_cost, &t.compute_cost,
	                                     &other,        &t.retry_cost, &t.failure_cost};
	return money_noexcept(values, 7, out);
}

// The rows of one insert, column by column (a column of nulls for nullable columns).
struct Columns {
	int rows;
	Datum *values[32];
	bool *nulls[32];
};

Datum *column(Columns *c, int i) {
	if (!c->values[i])
		c->values[i] = static_cast<Datum *>(palloc(sizeof(Datum) * (c->rows + 1)));
	return c->values[i];
}

Datum numeric_or_zero(const char *text, Datum zero) {
	return strcmp(text, "0") == 0 ? zero : numeric_from_cstring(text);
}

// A kept INSERT of a whole array of the table's row type: one function scan, where one
// unnest() per column costs a tuplestore each and dominated a one-row statement.
struct DeltaTable {
	const char *name;
	SPIPlanPtr plan;
	Oid rowtype;
};
DeltaTable g_customer_delta = {"daily_customer_delta", nullptr, InvalidOid};
DeltaTable g_model_delta = {"daily_model_delta", nullptr, InvalidOid};
DeltaTable g_retry_delta = {"daily_retry_delta", nullptr, InvalidOid};

// Appends c's rows to the table: columns named in cols; the others get 0 (bigint, numeric)
// or NULL. Inside SPI.
void append_rows(DeltaTable *t, const char *const *cols, int ncols, Columns *c) {
	Oid relid = get_relname_relid(t->name, get_namespace_oid(kSchema, false));
	Oid rowtype = OidIsValid(relid) ? get_rel_type_id(relid) : InvalidOid;
	if (!OidIsValid(rowtype))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("table dexcost.%s does not exist", t->name),
		                errhint("Reinstall the dexcost extension.")));
	if (!t->plan || t->rowtype != rowtype) {
		char sql[160];
		snprintf(sql, sizeof sql, "INSERT INTO dexcost.%s SELECT * FROM pg_catalog.unnest($1)", t->name);
		Oid argtype = get_array_type(rowtype);
		if (t->plan)
			SPI_freeplan(t->plan);
		t->plan = nullptr;
		t->plan = keep(sql, 1, &argtype);
		t->rowtype = rowtype;
	}
	TupleDesc desc = lookup_rowtype_tupdesc_copy(rowtype, -1);
	int natts = desc->natts;
	int source[64];
	if (natts > 64)
		elog(ERROR, "dexcost.%s has more columns than expected", t->name);
	for (int a = 0; a < natts; ++a)
		source[a] = -1;
	for (int k = 0; k < ncols; ++k) {
		int attnum = SPI_fnumber(desc, cols[k]);
		if (attnum <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("dexcost.%s has no column \"%s\"", t->name, cols[k]),
			                errhint("Reinstall the dexcost extension.")));
		source[attnum - 1] = k;
	}
	Datum zero = NumericGetDatum(int64_to_numeric(0));
	Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * natts));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * natts));
	Datum *rows = static_cast<Datum *>(palloc(sizeof(Datum) * c->rows));
	for (int i = 0; i < c->rows; ++i) {
		for (int a = 0; a < natts; ++a) {
			Form_pg_attribute att = TupleDescAttr(desc, a);
			int k = source[a];
			if (k >= 0) {
				nulls[a] = c->nulls[k] && c->nulls[k][i];
				values[a] = nulls[a] ? (Datum)0 : c->values[k][i];
			} else if (!att->attisdropped && att->atttypid == INT8OID) {
				values[a] = Int64GetDatum(0);
				nulls[a] = false;
			} else if (!att->attisdropped && att->atttypid == NUMERICOID) {
				values[a] = zero;
				nulls[a] = false;
			} else {
				values[a] = (Datum)0;
				nulls[a] = true;
			}
		}
		rows[i] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	Datum arg = PointerGetDatum(construct_array(rows, c->rows, rowtype, -1, false, TYPALIGN_DOUBLE));
	int rc = SPI_execute_plan(t->plan, &arg, nullptr, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not append to dexcost.%s: %s", t->name, SPI_result_code_string(rc));
}

const char *const kCustomerCols[] = {"day", "customer_id", "task_type", "events", "llm_calls", "retry_count",
                                     "failure_count", "unpriced_events", "input_tokens", "cache_read_tokens",
                                     "cache_write_tokens", "output_tokens", "cost_usd", "llm_cost_usd",
                                     "external_cost_usd", "compute_cost_usd", "other_cost_usd", "retry_cost_usd",
                                     "failure_cost_usd"};
constexpr int kCustomerColCount = 19;

void insert_customers(const std::vector<const dexcost::DailyCustomerEntry *> &rows) {
	int n = static_cast<int>(rows.size());
	if (n == 0)
		return;
	Columns c = {n, {}, {}};
	Datum zero = NumericGetDatum(int64_to_numeric(0));
	PlainMoney money;
	for (int i = 0; i < n; ++i) {
		const dexcost::DailyCustomerEntry &e = *rows[i];
		const dexcost::Totals &t = e.totals;
		column(&c, 0)[i] = DateADTGetDatum(e.day);
		column(&c, 1)[i] = PointerGetDatum(cstring_to_text_with_len(e.customer_id.data(), static_cast<int>(e.customer_id.size())));
		column(&c, 2)[i] = PointerGetDatum(cstring_to_text_with_len(e.task_type.data(), static_cast<int>(e.task_type.size())));
		int64 cache_write = 0;
		if (pg_add_s64_overflow(t.tokens[static_cast<int>(dexcost::Bucket::kCacheWrite)],
		                        t.tokens[static_cast<int>(dexcost::Bucket::kCacheWrite1h)], &cache_write))
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("a daily token total is out of range"),
			                errhint("Token totals must stay within bigint.")));
		int64 counts[9] = {t.event_count, e.llm_calls, t.retry_count, t.failure_count, t.unpriced_count,
		                   t.tokens[static_cast<int>(dexcost::Bucket::kInput)],
		                   t.tokens[static_cast<int>(dexcost::Bucket::kCacheRead)], cache_write,
		                   t.tokens[static_cast<int>(dexcost::Bucket::kOutput)]};
		for (int k = 0; k < 9; ++k)
			column(&c, 3 + k)[i] = Int64GetDatum(counts[k]);
		if (!customer_money_noexcept(e, &money))
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("a daily total is out of range")));
		for (int m = 0; m < 7; ++m)
			column(&c, 12 + m)[i] = numeric_or_zero(money.text[m], zero);
	}
	append_rows(&g_customer_delta, kCustomerCols, kCustomerColCount, &c);
}

const char *const kModelCols[] = {"day", "task_type", "provider", "model", "route", "service_tier", "fallback_reason",
                                  "llm_calls", "unpriced_calls", "retry_calls", "failed_calls", "input_tokens",
                                  "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
                                  "latency_ms_sum", "latency_calls", "cost_usd", "cost_sketch", "latency_sketch",
                                  "prompt_tokens_sketch", "output_tokens_sketch"};
constexpr int kModelColCount = 23;

Datum text_datum(const std::string &s) {
	return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

void insert_models(const std::vector<const dexcost::DailyModelEntry *> &rows) {
	int n = static_cast<int>(rows.size());
	if (n == 0)
		return;
	Columns c = {n, {}, {}};
	for (int s = 19; s < 23; ++s)
		c.nulls[s] = static_cast<bool *>(palloc0(sizeof(bool) * n));
	Datum zero = NumericGetDatum(int64_to_numeric(0));
	PlainMoney money;
	for (int i = 0; i < n; ++i) {
		const dexcost::DailyModelEntry &e = *rows[i];
		column(&c, 0)[i] = DateADTGetDatum(e.day);
		const std::string *keys[6] = {&e.task_type, &e.provider, &e.model, &e.route, &e.service_tier, &e.fallback_reason};
		for (int k = 0; k < 6; ++k)
			column(&c, 1 + k)[i] = text_datum(*keys[k]);
		int64 counts[11] = {e.llm_calls,     e.unpriced_calls,     e.retry_calls,        e.failed_calls,
		                    e.input_tokens,  e.cache_read_tokens,  e.cache_write_tokens, e.output_tokens,
		                    e.reasoning_tokens, e.latency_ms_sum, e.latency_calls};
		for (int k = 0; k < 11; ++k)
			column(&c, 7 + k)[i] = Int64GetDatum(counts[k]);
		const dexcost::Decimal *cost = &e.cost;
		if (!money_noexcept(&cost, 1, &money))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		column(&c, 18)[i] = numeric_or_zero(money.text[0], zero);
		const std::vector<double> *values[4] = {&e.cost_values, &e.latency_values, &e.prompt_values, &e.output_values};
		for (int s = 0; s < 4; ++s) {
			c.nulls[19 + s][i] = values[s]->empty();
			column(&c, 19 + s)[i] = values[s]->empty() ? (Datum)0 : sketch_of_values(values[s]->data(), values[s]->size());
		}
	}
	append_rows(&g_model_delta, kModelCols, kModelColCount, &c);
}

const char *const kRetryCols[] = {"day", "task_type", "retry_type", "retry_reason", "retries", "second_attempts",
                                  "later_attempts", "retry_cost_usd"};
constexpr int kRetryColCount = 8;

void insert_retries(const std::vector<const dexcost::DailyRetryEntry *> &rows) {
	int n = static_cast<int>(rows.size());
	if (n == 0)
		return;
	Columns c = {n, {}, {}};
	Datum zero = NumericGetDatum(int64_to_numeric(0));
	PlainMoney money;
	for (int i = 0; i < n; ++i) {
		const dexcost::DailyRetryEntry &e = *rows[i];
		column(&c, 0)[i] = DateADTGetDatum(e.day);
		column(&c, 1)[i] = text_datum(e.task_type);
		column(&c, 2)[i] = text_datum(e.retry_type);
		column(&c, 3)[i] = text_datum(e.retry_reason);
		column(&c, 4)[i] = Int64GetDatum(e.retries);
		column(&c, 5)[i] = Int64GetDatum(e.second_attempts);
		column(&c, 6)[i] = Int64GetDatum(e.later_attempts);
		const dexcost::Decimal *cost = &e.retry_cost;
		if (!money_noexcept(&cost, 1, &money))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		column(&c, 7)[i] = numeric_or_zero(money.text[0], zero);
	}
	append_rows(&g_retry_delta, kRetryCols, kRetryColCount, &c);
}

// ---- Task runs: the statement trigger on task ----

enum TaskCol { tCustomer, tType, tParent, tStatus, tAccepted, tStarted, tCreated, tColCount };
const char *const kTaskColNames[tColCount] = {"customer_id", "task_type", "parent_task_id", "status",
                                              "accepted",    "started_at", "created_at"};

void task_column_numbers(TupleDesc desc, int *attnums) {
	for (int c = 0; c < tColCount; ++c) {
		attnums[c] = SPI_fnumber(desc, kTaskColNames[c]);
		if (attnums[c] <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("task has no column \"%s\"", kTaskColNames[c]),
			                errhint("Reinstall the dexcost extension.")));
	}
}

// One task row read into plain data (phase 1); strings are palloc'd.
struct PlainTaskRow {
	int32 day;
	const char *customer_id, *task_type;
	bool root, succeeded, failed, accepted;
};
DEXCOST_PLAIN(PlainTaskRow);

// Reads one task: counted on the local day of started_at (created_at when it has none).
bool read_task_row(TupleTableSlot *slot, const int *attnums, Datum tz, PlainTaskRow *out) {
	bool isnull = false;
	out->customer_id = TextDatumGetCString(slot_getattr(slot, attnums[tCustomer], &isnull));
	out->task_type = TextDatumGetCString(slot_getattr(slot, attnums[tType], &isnull));
	slot_getattr(slot, attnums[tParent], &isnull);
	out->root = isnull;
	Datum status = slot_getattr(slot, attnums[tStatus], &isnull);
	out->succeeded = !isnull && text_equals_cstring(status, "success");
	out->failed = !isnull && text_equals_cstring(status, "failed");
	Datum accepted = slot_getattr(slot, attnums[tAccepted], &isnull);
	out->accepted = !isnull && DatumGetBool(accepted);
	Datum at = slot_getattr(slot, attnums[tStarted], &isnull);
	if (isnull)
		at = slot_getattr(slot, attnums[tCreated], &isnull);
	if (isnull)
		elog(ERROR, "task has neither started_at nor created_at");
	Datum local = DirectFunctionCall2(timestamptz_zone, tz, at);
	out->day = DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
	return true;
}

// The task accumulator and its rows on the C++ heap, freed by a memory context callback.
struct TaskBox {
	dexcost::DailyTaskAccumulator *acc = nullptr;
	std::vector<const dexcost::DailyTaskEntry *> *rows = nullptr;
};

void free_task_box(void *arg) noexcept {
	auto *box = static_cast<TaskBox *>(arg);
	delete box->rows;
	delete box->acc;
	*box = TaskBox();
}

// Phase 2 for a batch of task rows. Returns false with err set.
bool add_task_batch_noexcept(dexcost::DailyTaskAccumulator *acc, const PlainTaskRow *rows, int n, int sign, char *err,
                             size_t errsize) noexcept {
	try {
		for (int i = 0; i < n; ++i) {
			const PlainTaskRow &r = rows[i];
			dexcost::DailyTaskRun run;
			run.day = r.day;
			run.customer_id = r.customer_id;
			run.task_type = r.task_type;
			run.root = r.root;
			run.succeeded = r.succeeded;
			run.failed = r.failed;
			run.accepted = r.accepted;
			if (!acc->add(run, sign)) {
				copy_text(err, errsize, "a daily task count is out of range");
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

bool collect_task_rows_noexcept(TaskBox *box) noexcept {
	try {
		box->rows = new std::vector<const dexcost::DailyTaskEntry *>(box->acc->rows());
		return true;
	} catch (...) {
		return false;
	}
}

const char *const kTaskCols[] = {"day", "customer_id", "task_type", "tasks", "root_tasks", "succeeded_tasks",
                                 "failed_tasks", "accepted_tasks"};
constexpr int kTaskColCount = 8;

// Appends the task counts to daily_customer_delta (inside SPI); the event measures are 0.
void insert_task_runs(const std::vector<const dexcost::DailyTaskEntry *> &rows) {
	int n = static_cast<int>(rows.size());
	if (n == 0)
		return;
	Columns c = {n, {}, {}};
	for (int i = 0; i < n; ++i) {
		const dexcost::DailyTaskEntry &e = *rows[i];
		column(&c, 0)[i] = DateADTGetDatum(e.day);
		column(&c, 1)[i] = text_datum(e.customer_id);
		column(&c, 2)[i] = text_datum(e.task_type);
		int64 counts[5] = {e.tasks, e.root_tasks, e.succeeded_tasks, e.failed_tasks, e.accepted_tasks};
		for (int k = 0; k < 5; ++k)
			column(&c, 3 + k)[i] = Int64GetDatum(counts[k]);
	}
	append_rows(&g_customer_delta, kTaskCols, kTaskColCount, &c);
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT on task, with one transition table and
// the sign as argument ('1': new rows, '-1': old rows): appends the signed task-run counts
// per (day, customer, task type) to daily_customer_delta.
Datum dexcost_daily_tasks_changed(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("daily_tasks_changed() must be called as a trigger")));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	Tuplestorestate *rows = trigdata->tg_newtable ? trigdata->tg_newtable : trigdata->tg_oldtable;
	const Trigger *trigger = trigdata->tg_trigger;
	int sign = 0;
	if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "1") == 0)
		sign = 1;
	else if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "-1") == 0)
		sign = -1;
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
	    TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) || !rows || (trigdata->tg_newtable && trigdata->tg_oldtable) ||
	    sign == 0)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("daily_tasks_changed() must fire AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT "
		                       "with one transition table and the sign '1' or '-1' as argument")));
	if (tuplestore_tuple_count(rows) == 0)
		return PointerGetDatum(nullptr);
	TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
	int attnums[tColCount];
	task_column_numbers(desc, attnums);

	// A writer inserts tasks without any right on the daily tables: run as the schema owner.
	MemoryContext caller = CurrentMemoryContext;
	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	char *tz_name = workspace_timezone(caller);
	SPI_finish();
	restore_user(as_owner);
	Datum tz = CStringGetTextDatum(tz_name);

	auto *box = static_cast<TaskBox *>(palloc0(sizeof(TaskBox)));
	auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	callback->func = free_task_box;
	callback->arg = box;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	box->acc = new (std::nothrow) dexcost::DailyTaskAccumulator();
	if (!box->acc)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	char err[256] = "";
	dexcost::DailyTaskAccumulator *acc = box->acc;
	const int *cols = attnums;
	for_each_batch<PlainTaskRow>(
	    rows, desc, [cols, tz](TupleTableSlot *slot, PlainTaskRow *out) { return read_task_row(slot, cols, tz, out); },
	    [acc, sign, &err](const PlainTaskRow *batch, int n) {
		    if (!add_task_batch_noexcept(acc, batch, n, sign, err, sizeof err))
			    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			                    errmsg("could not add tasks to the daily totals: %s", clip_to_characters(err))));
	    });
	if (!collect_task_rows_noexcept(box))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insert_task_runs(*box->rows);
	SPI_finish();
	restore_user(as_owner);
	return PointerGetDatum(nullptr);
}

// AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT on cost_event, with transition tables:
// appends the statement's signed daily contributions to the three daily delta tables.
Datum dexcost_daily_events_changed(PG_FUNCTION_ARGS) {
	TriggerData *trigdata = statement_trigger_data(fcinfo, "daily_events_changed");
	TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
	int attnums[cColCount];
	column_numbers(desc, attnums);

	// The statement's tasks, and their types.
	TaskTable tasks = TaskTable::make("dexcost daily tasks");
	collect_tasks(trigdata->tg_oldtable, desc, attnums, &tasks);
	collect_tasks(trigdata->tg_newtable, desc, attnums, &tasks);
	if (tasks.count == 0)
		return PointerGetDatum(nullptr);

	// A writer that may only INSERT reads tasks and settings as the schema owner (see
	// become_schema_owner: cheaper than SECURITY DEFINER, and every statement here is qualified).
	MemoryContext caller = CurrentMemoryContext;
	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	look_up_task_types(&tasks);
	char *tz_name = workspace_timezone(caller);
	SPI_finish();
	restore_user(as_owner);
	Datum tz = CStringGetTextDatum(tz_name);

	auto *box = static_cast<Box *>(palloc0(sizeof(Box)));
	auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	callback->func = free_box;
	callback->arg = box;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	box->acc = new (std::nothrow) dexcost::DailyAccumulator();
	if (!box->acc)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	accumulate(trigdata->tg_oldtable, desc, attnums, &tasks, tz, box->acc, -1);
	accumulate(trigdata->tg_newtable, desc, attnums, &tasks, tz, box->acc, +1);
	if (!collect_rows_noexcept(box))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insert_customers(*box->customers);
	insert_models(*box->models);
	insert_retries(*box->retries);
	SPI_finish();
	restore_user(as_owner);
	return PointerGetDatum(nullptr);
}
