// SQL surface of the anomaly detectors (src/core/anomaly.*): dexcost.anomalies_on_day(), which
// dexcost.detect_anomalies() wraps.
//
// Phase 1 reads the window's rows of the daily pre-aggregates with one SPI cursor (no GROUP BY:
// subjects are interned in a dynahash and summed into plain subject x day matrices, which is
// faster than letting the executor hash-aggregate twice); phase 2 runs the core in a no-throw shim; phase 3
// builds the rows. The ledger is never read.
#include "core/anomaly.hpp"
#include "core/interrupt.hpp"

#include <cstring>
#include <new>

#include "pg_bridge.hpp"
#include "pg_intern.hpp"

extern "C" {
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

// One row of the daily pre-aggregates, with its subjects interned.
struct DailyRow {
	int customer;
	int task_type;
	int day; // 0 = first day of the window
	double cost, runs, retry_cost, llm_calls, prompt_tokens, cache_read_tokens;
};
DEXCOST_PLAIN(DailyRow);

// One row of daily_retry_all of the two retry types the rate detectors read.
struct RetryRow {
	int task_type;
	int day;
	bool regeneration; // user_regeneration, else validation_retry
	double retries, cost;
};
DEXCOST_PLAIN(RetryRow);

// One task type's week of daily_model_all: the p95 cost per call of the merged sketches.
struct WeekRow {
	int task_type;
	int week;
	double p95, calls, cost;
};
DEXCOST_PLAIN(WeekRow);

// Runs the query with the window's two dates through a cursor, calling on_row per row with the
// current context switched to `work`.
template <typename OnRow>
void scan(const char *sql, DateADT first, DateADT last, MemoryContext work, OnRow on_row) {
	Oid argtypes[2] = {DATEOID, DATEOID};
	Datum args[2] = {DateADTGetDatum(first), DateADTGetDatum(last)};
	SPIPlanPtr plan = SPI_prepare(sql, 2, argtypes);
	if (!plan)
		elog(ERROR, "could not prepare the daily scan: %s", SPI_result_code_string(SPI_result));
	Portal portal = SPI_cursor_open(nullptr, plan, args, nullptr, true);
	for (;;) {
		SPI_cursor_fetch(portal, true, 50000);
		if (SPI_processed == 0)
			break;
		MemoryContext spi = MemoryContextSwitchTo(work);
		for (uint64 r = 0; r < SPI_processed; ++r)
			on_row(SPI_tuptable->vals[r], SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(spi);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

// A float8 column (0 for NULL).
double float_col(HeapTuple t, TupleDesc d, int col) {
	bool isnull;
	Datum v = SPI_getbinval(t, d, col, &isnull);
	return isnull ? 0 : DatumGetFloat8(v);
}

// Phase 1: every daily_customer_all row of [first, last] (folded and pending rows of one key are
// simply summed), read by one cursor into `work`, and summed into the panel's matrices.
void read_panel(DateADT first, DateADT last, int days, MemoryContext work, Interner *customers, Interner *types,
                dexcost::AnomalyPanel *panel) {
	MemoryContextSwitchTo(work);
	interner_init(customers, "dexcost anomaly customers");
	interner_init(types, "dexcost anomaly task types");
	size_t n = 0, capacity = 65536;
	auto *rows = static_cast<DailyRow *>(palloc_extended(sizeof(DailyRow) * capacity, MCXT_ALLOC_HUGE));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	scan("SELECT d.customer_id, d.task_type, d.day - $1, d.cost_usd::float8, d.tasks::float8, d.retry_cost_usd::float8,"
	     " d.llm_calls::float8, (d.input_tokens + d.cache_read_tokens + d.cache_write_tokens)::float8,"
	     " d.cache_read_tokens::float8 FROM dexcost.daily_customer_all AS d WHERE d.day BETWEEN $1 AND $2",
	     first, last, work, [&](HeapTuple t, TupleDesc d) {
		     if (n == capacity) {
			     capacity *= 2;
			     rows = static_cast<DailyRow *>(repalloc_huge(rows, sizeof(DailyRow) * capacity));
		     }
		     bool isnull;
		     DailyRow &row = rows[n++];
		     row.customer = intern(customers, SPI_getbinval(t, d, 1, &isnull));
		     row.task_type = intern(types, SPI_getbinval(t, d, 2, &isnull));
		     row.day = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
		     row.cost = float_col(t, d, 4);
		     row.runs = float_col(t, d, 5);
		     row.retry_cost = float_col(t, d, 6);
		     row.llm_calls = float_col(t, d, 7);
		     row.prompt_tokens = float_col(t, d, 8);
		     row.cache_read_tokens = float_col(t, d, 9);
	     });
	size_t nr = 0, rcapacity = 1024;
	// In `work`: the current context is SPI's here, which SPI_finish frees.
	auto *retries = static_cast<RetryRow *>(MemoryContextAllocHuge(work, sizeof(RetryRow) * rcapacity));
	scan("SELECT r.task_type, r.day - $1, r.retry_type = 'user_regeneration', r.retries::float8, r.retry_cost_usd::float8"
	     "  FROM dexcost.daily_retry_all AS r WHERE r.day BETWEEN $1 AND $2"
	     "   AND r.retry_type IN ('validation_retry', 'user_regeneration')",
	     first, last, work, [&](HeapTuple t, TupleDesc d) {
		     if (nr == rcapacity) {
			     rcapacity *= 2;
			     retries = static_cast<RetryRow *>(repalloc_huge(retries, sizeof(RetryRow) * rcapacity));
		     }
		     bool isnull;
		     RetryRow &row = retries[nr++];
		     row.task_type = intern(types, SPI_getbinval(t, d, 1, &isnull));
		     row.day = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
		     row.regeneration = DatumGetBool(SPI_getbinval(t, d, 3, &isnull));
		     row.retries = float_col(t, d, 4);
		     row.cost = float_col(t, d, 5);
	     });
	// Weeks end with the observed day: week (days / 7) - 1 is its 7 days.
	const int weeks = days / 7;
	const DateADT week0 = first + days % 7;
	size_t nw = 0, wcapacity = 1024;
	auto *week_rows = static_cast<WeekRow *>(MemoryContextAllocHuge(work, sizeof(WeekRow) * wcapacity));
	// Week -1: the observed day alone (detector 6 fires only on a day that is itself costly).
	scan("SELECT m.task_type, (m.day - $1) / 7,"
	     " dexcost.sketch_percentile(dexcost.sketch_merge(m.cost_sketch), 0.95), sum(m.llm_calls)::float8,"
	     " sum(m.cost_usd)::float8 FROM dexcost.daily_model_all AS m WHERE m.day BETWEEN $1 AND $2 GROUP BY 1, 2"
	     " UNION ALL SELECT m.task_type, -1,"
	     " dexcost.sketch_percentile(dexcost.sketch_merge(m.cost_sketch), 0.95), sum(m.llm_calls)::float8,"
	     " sum(m.cost_usd)::float8 FROM dexcost.daily_model_all AS m WHERE m.day = $2 GROUP BY 1",
	     week0, last, work, [&](HeapTuple t, TupleDesc d) {
		     if (nw == wcapacity) {
			     wcapacity *= 2;
			     week_rows = static_cast<WeekRow *>(repalloc_huge(week_rows, sizeof(WeekRow) * wcapacity));
		     }
		     bool isnull;
		     WeekRow &row = week_rows[nw++];
		     row.task_type = intern(types, SPI_getbinval(t, d, 1, &isnull));
		     row.week = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
		     row.p95 = float_col(t, d, 3);
		     row.calls = float_col(t, d, 4);
		     row.cost = float_col(t, d, 5);
	     });
	SPI_finish();
	MemoryContextSwitchTo(work);
	auto matrix = [&](int subjects) {
		return static_cast<double *>(palloc_extended(sizeof(double) * days * (subjects ? subjects : 1),
		                                             MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	};
	const int nt = types->count;
	double *type_cost = matrix(nt), *type_runs = matrix(nt), *type_retry = matrix(nt), *llm_calls = matrix(nt),
	       *prompt = matrix(nt), *cache_read = matrix(nt), *validations = matrix(nt), *validation_cost = matrix(nt),
	       *regenerations = matrix(nt), *regeneration_cost = matrix(nt), *customer_cost = matrix(customers->count);
	for (size_t i = 0; i < n; ++i) {
		const DailyRow &row = rows[i];
		if (row.day < 0 || row.day >= days)
			continue;
		size_t tt = static_cast<size_t>(row.task_type) * days + row.day;
		type_cost[tt] += row.cost;
		type_runs[tt] += row.runs;
		type_retry[tt] += row.retry_cost;
		llm_calls[tt] += row.llm_calls;
		prompt[tt] += row.prompt_tokens;
		cache_read[tt] += row.cache_read_tokens;
		customer_cost[static_cast<size_t>(row.customer) * days + row.day] += row.cost;
	}
	pfree(rows);
	for (size_t i = 0; i < nr; ++i) {
		const RetryRow &row = retries[i];
		if (row.day < 0 || row.day >= days)
			continue;
		size_t tt = static_cast<size_t>(row.task_type) * days + row.day;
		(row.regeneration ? regenerations : validations)[tt] += row.retries;
		(row.regeneration ? regeneration_cost : validation_cost)[tt] += row.cost;
	}
	pfree(retries);
	double *week_p95 = static_cast<double *>(palloc_extended(sizeof(double) * (weeks ? weeks : 1) * (nt ? nt : 1),
	                                                        MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	double *week_calls = static_cast<double *>(palloc_extended(sizeof(double) * (weeks ? weeks : 1) * (nt ? nt : 1),
	                                                          MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	double *week_cost = static_cast<double *>(palloc_extended(sizeof(double) * (weeks ? weeks : 1) * (nt ? nt : 1),
	                                                         MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	double *day_p95 = static_cast<double *>(palloc_extended(sizeof(double) * (nt ? nt : 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	for (size_t i = 0; i < nw; ++i) {
		const WeekRow &row = week_rows[i];
		if (row.week == -1)
			day_p95[row.task_type] = row.p95;
		if (row.week < 0 || row.week >= weeks)
			continue;
		week_cost[static_cast<size_t>(row.task_type) * weeks + row.week] = row.cost;
		week_p95[static_cast<size_t>(row.task_type) * weeks + row.week] = row.p95;
		week_calls[static_cast<size_t>(row.task_type) * weeks + row.week] = row.calls;
	}
	pfree(week_rows);
	panel->weeks = weeks;
	panel->type_week_p95_cost = week_p95;
	panel->type_week_calls = week_calls;
	panel->type_week_cost = week_cost;
	panel->type_day_p95_cost = day_p95;
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
// min_cost_usd, min_score, cache_drop, validation_rate, regeneration_rate): the anomalies of one day against the baseline_days before it.
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
