// SQL surface of the anomaly detectors (src/core/anomaly.*): dexcost.anomalies_on_day(), which
// dexcost.detect_anomalies() wraps.
//
// Phase 1 reads the window's rows of the daily pre-aggregates with one SPI cursor per query (task
// types from daily_workflow_all, customers from daily_customer_total_all, sketches and model mix
// from daily_model_all; mostly no GROUP BY: subjects are interned in a dynahash and summed into
// plain subject x day matrices); phase 2 runs the core in a no-throw shim; phase 3 builds the rows.
// The ledger is never read.
#include "core/anomaly.hpp"
#include "core/interrupt.hpp"

#include <cstring>
#include <new>

#include "pg_bridge.hpp"
#include "pg_intern.hpp"

extern "C" {
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/date.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_anomalies_on_day);
}

namespace dexcost_pg {

namespace {

DEXCOST_PLAIN(dexcost::AnomalyFinding);
DEXCOST_PLAIN(dexcost::AnomalyPanel);
DEXCOST_PLAIN(dexcost::AnomalyParams);

// The SQL of phase 1. Every operator and function is schema-qualified, so objects planted in
// public (or anywhere on the caller's search_path) never run; casts resolve through pg_cast.
// $1 is the window's first day, $2 the observed day.
#define DAY_IN_WINDOW(col) \
	" " col " OPERATOR(pg_catalog.>=) $1 AND " col " OPERATOR(pg_catalog.<=) $2"

// Task types x days: one row per key of daily_workflow, plus pending deltas (summed here).
const char *const kTypeSql =
    "SELECT w.task_type, w.day OPERATOR(pg_catalog.-) $1, w.cost_usd::pg_catalog.float8, w.tasks::pg_catalog.float8,"
    " w.retry_cost_usd::pg_catalog.float8, w.llm_calls::pg_catalog.float8,"
    " (w.input_tokens OPERATOR(pg_catalog.+) w.cache_read_tokens OPERATOR(pg_catalog.+) w.cache_write_tokens)::pg_catalog.float8,"
    " w.cache_read_tokens::pg_catalog.float8, w.output_tokens::pg_catalog.float8, w.accepted_tasks::pg_catalog.float8, w.succeeded_tasks::pg_catalog.float8"
    " FROM dexcost.daily_workflow_all AS w WHERE" DAY_IN_WINDOW("w.day");

// Customers x days: the per-customer totals (a third of daily_customer's rows at 3 task types each).
const char *const kCustomerSql =
    "SELECT c.customer_id, c.day OPERATOR(pg_catalog.-) $1, c.cost_usd::pg_catalog.float8"
    " FROM dexcost.daily_customer_total_all AS c WHERE" DAY_IN_WINDOW("c.day");

// The two retry types the rate detectors read.
const char *const kRetrySql =
    "SELECT r.task_type, r.day OPERATOR(pg_catalog.-) $1, r.retry_type OPERATOR(pg_catalog.=) 'user_regeneration',"
    " r.retries::pg_catalog.float8, r.retry_cost_usd::pg_catalog.float8 FROM dexcost.daily_retry_all AS r WHERE" DAY_IN_WINDOW("r.day")
    " AND r.retry_type OPERATOR(pg_catalog.=) ANY (ARRAY['validation_retry', 'user_regeneration'])";

// Detector 6: weeks ending with the observed day ($1 is the first day of the first whole week),
// and week -1, the observed day alone.
const char *const kWeekSql =
    "SELECT m.task_type, (m.day OPERATOR(pg_catalog.-) $1) OPERATOR(pg_catalog./) 7,"
    " dexcost.sketch_percentile(dexcost.sketch_merge(m.cost_sketch), 0.95), pg_catalog.sum(m.llm_calls)::pg_catalog.float8,"
    " pg_catalog.sum(m.cost_usd)::pg_catalog.float8 FROM dexcost.daily_model_all AS m WHERE" DAY_IN_WINDOW("m.day")
    " GROUP BY 1, 2"
    " UNION ALL SELECT m.task_type, -1,"
    " dexcost.sketch_percentile(dexcost.sketch_merge(m.cost_sketch), 0.95), pg_catalog.sum(m.llm_calls)::pg_catalog.float8,"
    " pg_catalog.sum(m.cost_usd)::pg_catalog.float8 FROM dexcost.daily_model_all AS m WHERE m.day OPERATOR(pg_catalog.=) $2"
    " GROUP BY 1";

// Detector 6's first crossing: the p95 of the 7 days ending `lag` days before the observed day, for
// lags 1..6 and 8..13 ($1 is 19 days before the observed day, $2 the observed day; 0 and 7 are the
// weeks above).
const char *const kLagSql =
    "SELECT m.task_type, l.lag, dexcost.sketch_percentile(dexcost.sketch_merge(m.cost_sketch), 0.95)"
    " FROM pg_catalog.generate_series(1, 13) AS l(lag) JOIN dexcost.daily_model_all AS m"
    " ON m.day OPERATOR(pg_catalog.<=) ($2 OPERATOR(pg_catalog.-) l.lag)"
    " AND m.day OPERATOR(pg_catalog.>=) ($2 OPERATOR(pg_catalog.-) (l.lag OPERATOR(pg_catalog.+) 6))"
    " WHERE" DAY_IN_WINDOW("m.day") " AND l.lag OPERATOR(pg_catalog.<>) 7 GROUP BY 1, 2";

// Detectors 11 and 13: each task type's daily p95 prompt and output tokens per call (sketches merged
// over models), and its calls per model and day (rows summed here).
const char *const kTokenSql =
    "SELECT m.task_type, m.day OPERATOR(pg_catalog.-) $1,"
    " dexcost.sketch_percentile(dexcost.sketch_merge(m.prompt_tokens_sketch), 0.95),"
    " dexcost.sketch_percentile(dexcost.sketch_merge(m.output_tokens_sketch), 0.95)"
    " FROM dexcost.daily_model_all AS m WHERE" DAY_IN_WINDOW("m.day") " GROUP BY 1, 2";
const char *const kModelSql =
    "SELECT m.task_type, m.day OPERATOR(pg_catalog.-) $1,"
    " m.provider OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) m.model, m.llm_calls::pg_catalog.float8"
    " FROM dexcost.daily_model_all AS m WHERE" DAY_IN_WINDOW("m.day");

// Detector 11: the display budgets (day 0: not by day; $1 and $2 are unused).
const char *const kBudgetSql = "SELECT b.task_type, 0, b.output_tokens::pg_catalog.float8 FROM dexcost.output_token_budget AS b";

// A DestReceiver that hands each result slot straight to a callback: no tuple is formed or
// copied into an SPI tuptable (what a cursor fetch does for each of the customer rows).
struct SlotReceiver {
	DestReceiver pub; // first: the executor sees a DestReceiver
	void (*fn)(void *ctx, TupleTableSlot *slot);
	void *ctx;
	MemoryContext work;
	uint64 rows;
};
DEXCOST_PLAIN(SlotReceiver);

bool slot_receive(TupleTableSlot *slot, DestReceiver *self) {
	auto *r = reinterpret_cast<SlotReceiver *>(self);
	slot_getallattrs(slot);
	MemoryContext old = MemoryContextSwitchTo(r->work);
	r->fn(r->ctx, slot);
	MemoryContextSwitchTo(old);
	if (++r->rows % 65536 == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}
void slot_startup(DestReceiver *, int, TupleDesc) {}
void slot_shutdown(DestReceiver *) {}
void slot_destroy(DestReceiver *) {}

// Runs the query with the window's two dates, calling on_row(values, nulls) per result row with
// the current context switched to `work`.
template <typename OnRow>
void scan(const char *sql, DateADT first, DateADT last, MemoryContext work, OnRow on_row) {
	Oid argtypes[2] = {DATEOID, DATEOID};
	SPIPlanPtr plan = SPI_prepare(sql, 2, argtypes);
	if (!plan)
		elog(ERROR, "could not prepare the daily scan: %s", SPI_result_code_string(SPI_result));
	ParamListInfo params = makeParamList(2);
	params->numParams = 2;
	DateADT dates[2] = {first, last};
	for (int i = 0; i < 2; ++i) {
		params->params[i].value = DateADTGetDatum(dates[i]);
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = DATEOID;
	}
	SlotReceiver receiver;
	receiver.pub.receiveSlot = slot_receive;
	receiver.pub.rStartup = slot_startup;
	receiver.pub.rShutdown = slot_shutdown;
	receiver.pub.rDestroy = slot_destroy;
	receiver.pub.mydest = DestNone;
	receiver.fn = [](void *ctx, TupleTableSlot *slot) { (*static_cast<OnRow *>(ctx))(slot->tts_values, slot->tts_isnull); };
	receiver.ctx = &on_row;
	receiver.work = work;
	receiver.rows = 0;
	SPIExecuteOptions options;
	memset(&options, 0, sizeof options);
	options.params = params;
	options.read_only = true;
	options.dest = &receiver.pub;
	int rc = SPI_execute_plan_extended(plan, &options);
	// SPI answers SPI_OK_UTILITY for a SELECT whose receiver says DestNone; the rows were sent to it.
	if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
		elog(ERROR, "daily scan failed: %s", SPI_result_code_string(rc));
	SPI_freeplan(plan);
}

// A float8 column (0 for NULL).
inline double float_col(const Datum *values, const bool *nulls, int col) {
	return nulls[col] ? 0 : DatumGetFloat8(values[col]);
}

// A growable array of plain rows in `work`.
template <typename Row>
struct Rows {
	Row *data = nullptr;
	size_t n = 0, capacity = 0;
	Row &next(MemoryContext work) {
		if (n == capacity) {
			capacity = capacity ? 2 * capacity : 1024;
			data = static_cast<Row *>(data ? repalloc_huge(data, sizeof(Row) * capacity)
			                               : MemoryContextAllocHuge(work, sizeof(Row) * capacity));
		}
		return data[n++];
	}
};

// One row of a query keyed by subject and day, with up to 10 float8 columns.
struct KeyedRow {
	int subject;
	int day; // 0 = first day of the window (or the week, or -1)
	int key; // a second interned key (the model), or -1
	double v[10];
};
DEXCOST_PLAIN(KeyedRow);

// Scans `sql` into rows: column 1 interned by `subjects`, column 2 the day, then (when `keys`)
// column 3 interned by `keys`, then `values` float8 columns. Keys and days are never NULL (NOT NULL
// columns, and a NULL date difference cannot come from them).
void scan_keyed(const char *sql, DateADT first, DateADT last, MemoryContext work, Interner *subjects, Interner *keys,
                int values, Rows<KeyedRow> *out) {
	scan(sql, first, last, work, [&](const Datum *v, const bool *nulls) {
		KeyedRow &row = out->next(work);
		row.subject = intern(subjects, v[0]);
		row.day = DatumGetInt32(v[1]);
		int col = 2;
		row.key = keys ? intern(keys, v[col++]) : -1;
		for (int i = 0; i < values; ++i)
			row.v[i] = float_col(v, nulls, col++);
	});
}

// A zeroed subjects x width matrix of doubles in the current context.
double *zeroed(size_t subjects, size_t width) {
	return static_cast<double *>(palloc_extended(sizeof(double) * (subjects ? subjects : 1) * (width ? width : 1),
	                                             MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
}

// Phase 1: the window's rows of the daily pre-aggregates (folded and pending rows of one key are
// simply summed), read by one cursor per query into `work`, and summed into the panel's matrices.
void read_panel(DateADT first, DateADT last, int days, MemoryContext work, Interner *customers, Interner *types,
                dexcost::AnomalyPanel *panel) {
	MemoryContextSwitchTo(work);
	interner_init(customers, "dexcost anomaly customers");
	interner_init(types, "dexcost anomaly task types");
	Interner models;
	interner_init(&models, "dexcost anomaly models");
	Rows<KeyedRow> type_rows, customer_rows, retry_rows, week_rows, lag_rows, token_rows, model_rows, budget_rows;
	// Weeks end with the observed day: week (days / 7) - 1 is its 7 days.
	const int weeks = days / 7;
	const DateADT week0 = first + days % 7;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	scan_keyed(kTypeSql, first, last, work, types, nullptr, 9, &type_rows);
	scan_keyed(kCustomerSql, first, last, work, customers, nullptr, 1, &customer_rows);
	scan_keyed(kRetrySql, first, last, work, types, nullptr, 3, &retry_rows);
	scan_keyed(kWeekSql, week0, last, work, types, nullptr, 3, &week_rows);
	if (weeks >= 3) // detector 6 needs 3 weeks, so the window holds the lags' 19 days
		scan_keyed(kLagSql, last - 19, last, work, types, nullptr, 1, &lag_rows);
	scan_keyed(kTokenSql, first, last, work, types, nullptr, 2, &token_rows);
	scan_keyed(kModelSql, first, last, work, types, &models, 1, &model_rows);
	scan_keyed(kBudgetSql, first, last, work, types, nullptr, 1, &budget_rows);
	SPI_finish();
	MemoryContextSwitchTo(work);

	const size_t nt = types->count, nm = models.count;
	double *type_cost = zeroed(nt, days), *type_runs = zeroed(nt, days), *type_retry = zeroed(nt, days),
	       *llm_calls = zeroed(nt, days), *prompt = zeroed(nt, days), *cache_read = zeroed(nt, days),
	       *output = zeroed(nt, days), *accepted = zeroed(nt, days), *succeeded = zeroed(nt, days),
	       *validations = zeroed(nt, days), *validation_cost = zeroed(nt, days), *regenerations = zeroed(nt, days),
	       *regeneration_cost = zeroed(nt, days), *p95_prompt = zeroed(nt, days), *p95_output = zeroed(nt, days),
	       *model_calls = zeroed(nt * (nm ? nm : 1), days), *budget = zeroed(nt, 1),
	       *customer_cost = zeroed(customers->count, days);
	for (size_t i = 0; i < type_rows.n; ++i) {
		const KeyedRow &r = type_rows.data[i];
		if (r.day < 0 || r.day >= days)
			continue;
		const size_t at = static_cast<size_t>(r.subject) * days + r.day;
		double *into[9] = {type_cost, type_runs, type_retry, llm_calls, prompt, cache_read, output, accepted, succeeded};
		for (int k = 0; k < 9; ++k)
			into[k][at] += r.v[k];
	}
	for (size_t i = 0; i < customer_rows.n; ++i) {
		const KeyedRow &r = customer_rows.data[i];
		if (r.day >= 0 && r.day < days)
			customer_cost[static_cast<size_t>(r.subject) * days + r.day] += r.v[0];
	}
	for (size_t i = 0; i < retry_rows.n; ++i) {
		const KeyedRow &r = retry_rows.data[i];
		if (r.day < 0 || r.day >= days)
			continue;
		const size_t at = static_cast<size_t>(r.subject) * days + r.day;
		const bool regeneration = r.v[0] != 0;
		(regeneration ? regenerations : validations)[at] += r.v[1];
		(regeneration ? regeneration_cost : validation_cost)[at] += r.v[2];
	}
	double *week_p95 = zeroed(nt, weeks), *week_calls = zeroed(nt, weeks), *week_cost = zeroed(nt, weeks),
	       *day_p95 = zeroed(nt, 1);
	for (size_t i = 0; i < week_rows.n; ++i) {
		const KeyedRow &r = week_rows.data[i];
		if (r.day == -1)
			day_p95[r.subject] = r.v[0];
		if (r.day < 0 || r.day >= weeks)
			continue;
		const size_t at = static_cast<size_t>(r.subject) * weeks + r.day;
		week_p95[at] = r.v[0];
		week_calls[at] = r.v[1];
		week_cost[at] = r.v[2];
	}
	double *lag_p95 = zeroed(nt, 14);
	for (size_t i = 0; i < lag_rows.n; ++i) {
		const KeyedRow &r = lag_rows.data[i];
		if (r.day >= 1 && r.day <= 13)
			lag_p95[static_cast<size_t>(r.subject) * 14 + r.day] = r.v[0];
	}
	for (size_t i = 0; i < token_rows.n; ++i) {
		const KeyedRow &r = token_rows.data[i];
		if (r.day < 0 || r.day >= days)
			continue;
		p95_prompt[static_cast<size_t>(r.subject) * days + r.day] = r.v[0];
		p95_output[static_cast<size_t>(r.subject) * days + r.day] = r.v[1];
	}
	for (size_t i = 0; i < model_rows.n; ++i) {
		const KeyedRow &r = model_rows.data[i];
		if (r.day >= 0 && r.day < days)
			model_calls[(static_cast<size_t>(r.subject) * nm + r.key) * days + r.day] += r.v[0];
	}
	for (size_t i = 0; i < budget_rows.n; ++i)
		budget[budget_rows.data[i].subject] = budget_rows.data[i].v[0];
	panel->days = days;
	panel->task_types = types->count;
	panel->customers = customers->count;
	panel->type_cost = type_cost;
	panel->type_runs = type_runs;
	panel->type_retry_cost = type_retry;
	panel->customer_cost = customer_cost;
	panel->type_llm_calls = llm_calls;
	panel->type_prompt_tokens = prompt;
	panel->type_cache_read_tokens = cache_read;
	panel->type_validation_retries = validations;
	panel->type_validation_cost = validation_cost;
	panel->type_regenerations = regenerations;
	panel->type_regeneration_cost = regeneration_cost;
	panel->weeks = weeks;
	panel->type_week_p95_cost = week_p95;
	panel->type_week_calls = week_calls;
	panel->type_week_cost = week_cost;
	panel->type_day_p95_cost = day_p95;
	panel->type_lag_week_p95_cost = lag_p95;
	panel->type_accepted = accepted;
	panel->type_succeeded = succeeded;
	panel->type_output_tokens = output;
	panel->type_day_p95_output = p95_output;
	panel->type_day_p95_prompt = p95_prompt;
	panel->type_output_budget = budget;
	panel->models = static_cast<int>(nm);
	panel->type_model_calls = model_calls;
}

// Checks one threshold argument.
double positive_arg(FunctionCallInfo fcinfo, int arg, const char *name, double max) {
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", name)));
	double v = PG_GETARG_FLOAT8(arg);
	if (!(v >= 0 && v <= max))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid %s \"%g\"", name, v),
		                errdetail("%s must be between 0 and %g.", name, max),
		                errhint("Leave it out to use the seeds' default.")));
	return v;
}

struct ShimResult {
	size_t found;
	bool failed;
	char message[256];
};
DEXCOST_PLAIN(ShimResult);

// Phase 2: the core, with every exception caught into plain data.
ShimResult detect_noexcept(const dexcost::AnomalyPanel &panel, const dexcost::AnomalyParams &params,
                           dexcost::AnomalyFinding *out, size_t capacity) noexcept {
	ShimResult r{0, false, {0}};
	try {
		r.found = dexcost::detect_anomalies(panel, params, out, capacity);
	} catch (const std::exception &e) {
		r.failed = true;
		copy_text(r.message, sizeof r.message, e.what());
	} catch (...) {
		r.failed = true;
		copy_text(r.message, sizeof r.message, "unknown exception");
	}
	return r;
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// dexcost.anomalies_on_day(day date, baseline_days int, spike_ratio, per_run_ratio, dominant_share,
// min_cost_usd, min_score, cache_drop, validation_rate, regeneration_rate, accepted_rise, output_budget_ratio,
// prompt_ratio, route_shift): the anomalies of one day against the baseline_days before it.
extern "C" Datum dexcost_anomalies_on_day(PG_FUNCTION_ARGS) {
	// Phase 1.
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("day and baseline_days must not be NULL")));
	DateADT day = PG_GETARG_DATEADT(0);
	int32 baseline_days = PG_GETARG_INT32(1);
	if (DATE_NOT_FINITE(day))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("day must be finite")));
	if (baseline_days < 7 || baseline_days > 366)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid lookback of %d days", baseline_days),
		                errdetail("The baseline needs between 7 and 366 days."),
		                errhint("Use a lookback such as interval '28 days'.")));
	dexcost::AnomalyParams params;
	params.spike_ratio = positive_arg(fcinfo, 2, "spike_ratio", 1e6);
	params.per_run_ratio = positive_arg(fcinfo, 3, "per_run_ratio", 1e6);
	params.dominant_share = positive_arg(fcinfo, 4, "dominant_share", 1);
	params.min_cost_usd = positive_arg(fcinfo, 5, "min_cost_usd", 1e12);
	params.min_score = positive_arg(fcinfo, 6, "min_score", 1e6);
	params.cache_drop = positive_arg(fcinfo, 7, "cache_drop", 1);
	params.validation_rate = positive_arg(fcinfo, 8, "validation_rate", 1e6);
	params.regeneration_rate = positive_arg(fcinfo, 9, "regeneration_rate", 1e6);
	params.accepted_rise = positive_arg(fcinfo, 10, "accepted_rise", 1e6);
	params.output_budget_ratio = positive_arg(fcinfo, 11, "output_budget_ratio", 1e6);
	params.prompt_ratio = positive_arg(fcinfo, 12, "prompt_ratio", 1e6);
	params.route_shift = positive_arg(fcinfo, 13, "route_shift", 1);

	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "dexcost anomalies", ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(work);
	const int days = baseline_days + 1;
	const DateADT first = day - baseline_days;

	Interner customers, types;
	dexcost::AnomalyPanel panel;
	read_panel(first, day, days, work, &customers, &types, &panel);
	size_t capacity = dexcost::anomaly_capacity(panel);
	auto *out = static_cast<dexcost::AnomalyFinding *>(
	    palloc_extended(sizeof(dexcost::AnomalyFinding) * capacity, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	CHECK_FOR_INTERRUPTS();

	// Phase 2.
	ShimResult r = detect_noexcept(panel, params, out, capacity);
	// Stopped for an interrupt: serve it with no C++ object alive (a cancel raises here), then run again;
	// with interrupts held off the flag stays set, so the last run ignores it.
	while (!r.failed && r.found == dexcost::kAnomalyInterrupted) {
		CHECK_FOR_INTERRUPTS();
		if (InterruptPending) {
			dexcost::InterruptsIgnored ignored;
			r = detect_noexcept(panel, params, out, capacity);
			break;
		}
		r = detect_noexcept(panel, params, out, capacity);
	}

	// Phase 3.
	if (r.failed)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("anomaly detection failed: %s", r.message),
		                errdetail("%d task types and %d customers over %d days.", types.count, customers.count, days)));
	MemoryContextSwitchTo(caller);
	for (size_t i = 0; i < r.found; ++i) {
		const dexcost::AnomalyFinding &f = out[i];
		const char *subject = f.subject < 0 ? nullptr
		                      : f.kind == dexcost::AnomalyKind::kCustomerCostDoubled ? customers.names[f.subject]
		                                                                            : types.names[f.subject];
		Datum values[16];
		bool nulls[16] = {};
		values[0] = CStringGetTextDatum(dexcost::anomaly_kind_name(f.kind));
		values[1] = CStringGetTextDatum(dexcost::anomaly_subject_type(f.kind));
		nulls[2] = subject == nullptr;
		values[2] = subject ? CStringGetTextDatum(subject) : (Datum)0;
		values[3] = CStringGetTextDatum(dexcost::anomaly_metric(f.kind));
		values[4] = Float8GetDatum(f.baseline);
		values[5] = Float8GetDatum(f.observed);
		nulls[6] = f.baseline <= 0;
		values[6] = Float8GetDatum(f.ratio);
		values[7] = Float8GetDatum(f.score);
		values[8] = DateADTGetDatum(first);
		values[9] = DateADTGetDatum(day - 1);
		values[10] = Int32GetDatum(f.baseline_points);
		values[11] = BoolGetDatum(f.seasonal);
		values[12] = Float8GetDatum(f.excess_cost_usd);
		values[13] = Float8GetDatum(f.share_of_monthly);
		values[14] = CStringGetTextDatum(dexcost::anomaly_severity(f));
		values[15] = CStringGetTextDatum(dexcost::anomaly_fix(f.kind));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum)0;
}
