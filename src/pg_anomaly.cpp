// SQL surface of the anomaly detectors (src/core/anomaly.*): dexcost.anomalies_on_day(), which
// dexcost.detect_anomalies() wraps.
//
// Phase 1 reads the daily pre-aggregates with one SPI query per detector family (task types,
// customers) into plain subject x day matrices; phase 2 runs the core in a no-throw shim; phase 3
// builds the rows. The ledger is never read.
#include "core/anomaly.hpp"

#include <cstring>
#include <new>

#include "pg_bridge.hpp"

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

// Subjects of one family: names and up to `columns` matrices of subjects x days, in `work`.
struct Family {
	int subjects;
	char **names;
	double *matrix[3];
};

// Reads one family: rows (key text, day index int, value float8 ...) ordered by key. Every
// allocation goes to `work` (SPI's own context dies at SPI_finish).
Family read_family(const char *sql, int columns, DateADT first, DateADT last, int days, MemoryContext work) {
	Oid types[2] = {DATEOID, DATEOID};
	Datum args[2] = {DateADTGetDatum(first), DateADTGetDatum(last)};
	int rc = SPI_execute_with_args(sql, 2, types, args, nullptr, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "dexcost: could not read the daily pre-aggregates: %s", SPI_result_code_string(rc));
	TupleDesc d = SPI_tuptable->tupdesc;
	uint64 rows = SPI_processed;
	// First pass: the distinct keys (rows come sorted by key).
	Family f{0, nullptr, {nullptr, nullptr, nullptr}};
	char *prev = nullptr;
	char **keys = static_cast<char **>(MemoryContextAllocHuge(work, sizeof(char *) * (rows ? rows : 1)));
	int *subject_of = static_cast<int *>(MemoryContextAllocHuge(work, sizeof(int) * (rows ? rows : 1)));
	for (uint64 r = 0; r < rows; ++r) {
		bool isnull;
		Datum key = SPI_getbinval(SPI_tuptable->vals[r], d, 1, &isnull);
		char *k = isnull ? nullptr : TextDatumGetCString(key);
		if (prev == nullptr || k == nullptr || strcmp(prev, k) != 0) {
			keys[f.subjects++] = k ? MemoryContextStrdup(work, k) : nullptr;
			prev = k;
		}
		subject_of[r] = f.subjects - 1;
	}
	f.names = keys;
	for (int c = 0; c < columns; ++c)
		f.matrix[c] = static_cast<double *>(
		    MemoryContextAllocExtended(work, sizeof(double) * days * (f.subjects ? f.subjects : 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	// Second pass: the values.
	for (uint64 r = 0; r < rows; ++r) {
		bool isnull;
		HeapTuple t = SPI_tuptable->vals[r];
		int day = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
		if (isnull || day < 0 || day >= days)
			continue;
		for (int c = 0; c < columns; ++c) {
			Datum v = SPI_getbinval(t, d, 3 + c, &isnull);
			f.matrix[c][static_cast<size_t>(subject_of[r]) * days + day] = isnull ? 0 : DatumGetFloat8(v);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	return f;
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
// min_cost_usd, min_score): the anomalies of one day against the baseline_days before it.
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

	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "dexcost anomalies", ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(work);
	const int days = baseline_days + 1;
	const DateADT first = day - baseline_days;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Family types = read_family(
	    "SELECT d.task_type, d.day - $1, sum(d.cost_usd)::float8, sum(d.tasks)::float8, sum(d.retry_cost_usd)::float8"
	    "  FROM dexcost.daily_customer_all AS d WHERE d.day BETWEEN $1 AND $2"
	    " GROUP BY d.task_type, d.day ORDER BY d.task_type",
	    3, first, day, days, work);
	Family customers = read_family(
	    "SELECT d.customer_id, d.day - $1, sum(d.cost_usd)::float8"
	    "  FROM dexcost.daily_customer_all AS d WHERE d.day BETWEEN $1 AND $2"
	    " GROUP BY d.customer_id, d.day ORDER BY d.customer_id",
	    1, first, day, days, work);
	SPI_finish();
	MemoryContextSwitchTo(work);

	dexcost::AnomalyPanel panel;
	panel.days = days;
	panel.task_types = types.subjects;
	panel.customers = customers.subjects;
	panel.type_cost = types.matrix[0];
	panel.type_runs = types.matrix[1];
	panel.type_retry_cost = types.matrix[2];
	panel.customer_cost = customers.matrix[0];
	size_t capacity = dexcost::anomaly_capacity(panel);
	auto *out = static_cast<dexcost::AnomalyFinding *>(
	    palloc_extended(sizeof(dexcost::AnomalyFinding) * capacity, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO));
	CHECK_FOR_INTERRUPTS();

	// Phase 2.
	ShimResult r = detect_noexcept(panel, params, out, capacity);

	// Phase 3.
	if (r.failed)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("anomaly detection failed: %s", r.message),
		                errdetail("%d task types and %d customers over %d days.", types.subjects, customers.subjects, days)));
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
