// SQL surface of retry detection: the heuristic's settings, the window functions
// dexcost.retry_confidence / dexcost.retry_candidate, and dexcost.detect_retries().
// The rule itself lives in src/core/retry.* (the event trigger applies it on insert).
#include "pg_retry.hpp"

#include "core/retry.hpp"

#include "pg_bridge.hpp"
#include "pg_intern.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_retry_confidence_win);
PG_FUNCTION_INFO_V1(dexcost_retry_candidate_win);
PG_FUNCTION_INFO_V1(dexcost_detect_retries);
}

namespace dexcost_pg {

namespace {

bool g_heuristics = false;
int g_window_ms = static_cast<int>(dexcost::kDefaultRetryWindowUs / 1000);
double g_threshold = dexcost::kDefaultRetryThreshold;

// The last llm_call of one model seen in the current window partition.
struct LastCall {
	char *model; // nullptr: calls without a model
	TimestampTz at;
	double likelihood;
	pg_uuid_t event_id;
};

// Per-partition state of the window functions, in the partition's memory (zeroed at its start).
struct WindowState {
	int count;
	int capacity;
	LastCall *calls;
};

DEXCOST_PLAIN(LastCall);
DEXCOST_PLAIN(WindowState);

// The longest retry window: 24 hours, as for the setting dexcost.retry_window.
constexpr int64 kMaxWindowUs = 24 * USECS_PER_HOUR;

// A window interval argument in microseconds; raises for a non-positive, month-based or longer
// than 24 hours one (computed without overflow: a window of 2,000,000,000 days is refused too).
int64 window_arg_us(Interval *window) {
	if (window->month != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("retry window must not be given in months or years"),
		                errhint("Give it in seconds, minutes or hours, such as '30 seconds'.")));
	int64 us;
	bool overflow = pg_mul_s64_overflow(window->day, USECS_PER_DAY, &us) || pg_add_s64_overflow(us, window->time, &us);
	if (overflow ? window->day < 0 : us <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("retry window must be positive"),
		                errhint("The SDK's default is '30 seconds'.")));
	if (overflow || us > kMaxWindowUs)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("retry window must be at most 24 hours"),
		                errdetail("A retry follows its failed attempt within the window; dexcost.retry_window has the "
		                          "same limit."),
		                errhint("The SDK's default is '30 seconds'.")));
	return us;
}

// Raises unless [since, until) is a range dexcost answers: the one shared check,
// dexcost._check_range (NULL 22004; infinite or reversed 22023; outside the timestamps 22008).
void check_range_args(FunctionCallInfo fcinfo) {
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Oid types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	const char nulls[3] = {PG_ARGISNULL(0) ? 'n' : ' ', PG_ARGISNULL(1) ? 'n' : ' ', '\0'};
	int rc = SPI_execute_with_args("SELECT dexcost._check_range('since', $1, 'until', $2, 'Give the time range to "
	                               "examine, such as now() - interval ''7 days'' and now().')",
	                               2, types, args, nulls, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not check the range: %s", SPI_result_code_string(rc));
	SPI_finish();
}

// Raises unless 0 <= threshold <= 1.
void check_threshold(double threshold) {
	if (!(threshold >= 0 && threshold <= 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("retry threshold %g is outside [0, 1]", threshold),
		                errhint("A confidence is between 0 and 1; the SDK flags from 0.8.")));
}

// The likelihood of a text datum's error type.
double likelihood_of(Datum error_type) {
	text *t = DatumGetTextPP(error_type);
	return dexcost::retry_likelihood(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

// The window functions' common step for the current row. Returns false for a row that is no
// llm_call (the result is NULL); otherwise sets *confidence and *candidate (the last
// same-model call, when one was seen) and remembers the row as its model's last call.
// Arguments: occurred_at, event_type, model, error_type, window (first = index of occurred_at).
bool window_step(FunctionCallInfo fcinfo, int first, Datum event_id, double *confidence, pg_uuid_t *candidate,
                 bool *has_candidate) {
	WindowObject win = PG_WINDOW_OBJECT();
	auto *state = static_cast<WindowState *>(WinGetPartitionLocalMemory(win, sizeof(WindowState)));
	bool isnull;
	Datum at_d = WinGetFuncArgCurrent(win, first, &isnull);
	if (isnull)
		return false;
	Datum type_d = WinGetFuncArgCurrent(win, first + 1, &isnull);
	if (isnull)
		return false;
	if (!text_equals_cstring(type_d, "llm_call"))
		return false;
	bool model_null;
	Datum model_d = WinGetFuncArgCurrent(win, first + 2, &model_null);
	bool error_null;
	Datum error_d = WinGetFuncArgCurrent(win, first + 3, &error_null);
	int64 window_us = static_cast<int64>(g_window_ms) * 1000;
	if (PG_NARGS() > first + 4) {
		bool window_null;
		Datum w = WinGetFuncArgCurrent(win, first + 4, &window_null);
		if (!window_null)
			window_us = window_arg_us(DatumGetIntervalP(w));
	}
	TimestampTz at = DatumGetTimestampTz(at_d);
	char *model = model_null ? nullptr : TextDatumGetCString(model_d);

	LastCall *last = nullptr;
	for (int i = 0; i < state->count && !last; ++i) {
		LastCall &c = state->calls[i];
		if ((c.model == nullptr) == (model == nullptr) && (model == nullptr || strcmp(c.model, model) == 0))
			last = &c;
	}
	*has_candidate = last != nullptr;
	*confidence = last ? dexcost::retry_confidence(last->likelihood, at - last->at, window_us) : 0.0;
	if (last)
		*candidate = last->event_id;

	MemoryContext part = GetMemoryChunkContext(state);
	if (!last) {
		if (state->count == state->capacity) {
			int capacity = state->capacity ? state->capacity * 2 : 8;
			auto *calls = static_cast<LastCall *>(MemoryContextAlloc(part, sizeof(LastCall) * capacity));
			if (state->count)
				memcpy(calls, state->calls, sizeof(LastCall) * state->count);
			state->calls = calls;
			state->capacity = capacity;
		}
		last = &state->calls[state->count++];
		last->model = model ? MemoryContextStrdup(part, model) : nullptr;
	}
	last->at = at;
	last->likelihood = error_null ? 0.0 : likelihood_of(error_d);
	if (event_id != (Datum)0)
		last->event_id = *DatumGetUUIDP(event_id);
	return true;
}

void define_settings() {
	DefineCustomBoolVariable("dexcost.enable_retry_heuristics",
	                         "Flags an llm_call that closely follows a transient failure of the same task and model as "
	                         "its retry.",
	                         "Same rule as the dexcost SDK's enable_retry_heuristics; see dexcost.retry_window and "
	                         "dexcost.retry_threshold.",
	                         &g_heuristics, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("dexcost.retry_window", "How far back the retry heuristic looks for the failed attempt.",
	                        "The confidence falls linearly from the candidate's likelihood at a zero gap to 0 at the "
	                        "window's end.",
	                        &g_window_ms, g_window_ms, 1, 24 * 3600 * 1000, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
	                        nullptr);
	DefineCustomRealVariable("dexcost.retry_threshold", "Confidence from which the retry heuristic flags a call.",
	                         nullptr, &g_threshold, g_threshold, 0.0, 1.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	MarkGUCPrefixReserved("dexcost");
}

} // namespace

void retry_init() {
	define_settings();
}

bool retry_heuristics_enabled() {
	return g_heuristics;
}

int64_t retry_window_us() {
	return static_cast<int64_t>(g_window_ms) * 1000;
}

double retry_threshold() {
	return g_threshold;
}

} // namespace dexcost_pg

using namespace dexcost_pg;

// retry_confidence(occurred_at, event_type, model, error_type [, window]) OVER (PARTITION BY
// task ORDER BY occurred_at): the heuristic's confidence that the row retries the previous
// llm_call of its model; NULL for rows that are no llm_call.
Datum dexcost_retry_confidence_win(PG_FUNCTION_ARGS) {
	double confidence;
	pg_uuid_t candidate;
	bool has_candidate;
	if (!window_step(fcinfo, 0, (Datum)0, &confidence, &candidate, &has_candidate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(confidence);
}

// retry_candidate(event_id, occurred_at, event_type, model, error_type [, window]) OVER (...):
// the event_id of the attempt the row may retry (confidence > 0), else NULL.
Datum dexcost_retry_candidate_win(PG_FUNCTION_ARGS) {
	WindowObject win = PG_WINDOW_OBJECT();
	bool isnull;
	Datum event_id = WinGetFuncArgCurrent(win, 0, &isnull);
	double confidence;
	pg_uuid_t candidate;
	bool has_candidate;
	if (isnull || !window_step(fcinfo, 1, event_id, &confidence, &candidate, &has_candidate) || !has_candidate ||
	    confidence <= 0)
		PG_RETURN_NULL();
	auto *out = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
	*out = candidate;
	PG_RETURN_UUID_P(out);
}

namespace dexcost_pg {
namespace {

// Interned text ids as the scan keys them: 0 for NULL, else the interner's id + 1.
uint32 intern_or_null(Interner *in, Datum value, bool isnull) {
	return isnull ? 0 : static_cast<uint32>(intern(in, value)) + 1;
}
const char *interned_name(const Interner &in, uint32 id) {
	return in.names[id - 1];
}

// Everything detect_retries keeps of one llm_call, besides its dexcost::RetryCall.
struct CallInfo {
	pg_uuid_t event_id;
	uint32 error; // interned error_type
	char status;  // 'n' new, 'f' already flagged as a retry, 'd' dismissed
	Datum cost;   // numeric, or 0 when unknown
};
DEXCOST_PLAIN(CallInfo);
DEXCOST_PLAIN(dexcost::RetryCall);
DEXCOST_PLAIN(dexcost::RetryFinding);

// The no-throw shim of the scan (phase 2).
bool scan_noexcept(const dexcost::RetryCall *calls, size_t n, int64 window_us, double threshold, int64 keep_from,
                   dexcost::RetryFinding *out, size_t *found) noexcept {
	return dexcost::scan_retries(calls, n, window_us, threshold, keep_from, out, found);
}

} // namespace
} // namespace dexcost_pg

// detect_retries(since, until, retry_window, threshold): the llm_calls in [since, until) that
// the heuristic would flag, with the attempt each retries, the gap, the confidence, the cost,
// and whether the event is already flagged or was dismissed.
Datum dexcost_detect_retries(PG_FUNCTION_ARGS) {
	// Phase 1: arguments, then every llm_call of the range (and of the window before it).
	check_range_args(fcinfo);
	TimestampTz since = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz until = PG_GETARG_TIMESTAMPTZ(1);
	int64 window_us = PG_ARGISNULL(2) ? retry_window_us() : window_arg_us(PG_GETARG_INTERVAL_P(2));
	double threshold = PG_ARGISNULL(3) ? retry_threshold() : PG_GETARG_FLOAT8(3);
	check_threshold(threshold);

	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "dexcost detect_retries", ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(work);

	Interner customers, models, errors;
	interner_init(&customers, "dexcost retry customers");
	interner_init(&models, "dexcost retry models");
	interner_init(&errors, "dexcost retry errors");
	size_t capacity = 4096, n = 0;
	auto *calls = static_cast<dexcost::RetryCall *>(palloc_extended(sizeof(dexcost::RetryCall) * capacity, MCXT_ALLOC_HUGE));
	auto *info = static_cast<CallInfo *>(palloc_extended(sizeof(CallInfo) * capacity, MCXT_ALLOC_HUGE));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Oid types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum args[2] = {TimestampTzGetDatum(since - window_us), TimestampTzGetDatum(until)};
	SPIPlanPtr plan = SPI_prepare(
	    "SELECT e.customer_id, e.task_id, e.event_id, e.occurred_at, e.model, e.error_type, e.cost_usd,"
	    " e.is_retry, e.retry_detection OPERATOR(pg_catalog.=) 'dismissed' FROM dexcost.cost_event AS e"
	    " WHERE e.event_type OPERATOR(pg_catalog.=) 'llm_call' AND e.occurred_at OPERATOR(pg_catalog.>=) $1"
	    " AND e.occurred_at OPERATOR(pg_catalog.<) $2",
	    2, types);
	if (!plan)
		elog(ERROR, "could not prepare the retry scan: %s", SPI_result_code_string(SPI_result));
	Portal portal = SPI_cursor_open(nullptr, plan, args, nullptr, true);
	for (;;) {
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		MemoryContext spi = MemoryContextSwitchTo(work);
		TupleDesc d = SPI_tuptable->tupdesc;
		for (uint64 r = 0; r < SPI_processed; ++r) {
			CHECK_FOR_INTERRUPTS();
			HeapTuple t = SPI_tuptable->vals[r];
			if (n == capacity) {
				capacity *= 2;
				calls = static_cast<dexcost::RetryCall *>(repalloc_huge(calls, sizeof(dexcost::RetryCall) * capacity));
				info = static_cast<CallInfo *>(repalloc_huge(info, sizeof(CallInfo) * capacity));
			}
			bool isnull;
			dexcost::RetryCall &c = calls[n];
			CallInfo &ci = info[n];
			c.customer = intern_or_null(&customers, SPI_getbinval(t, d, 1, &isnull), false);
			const uint8 *task = DatumGetUUIDP(SPI_getbinval(t, d, 2, &isnull))->data;
			c.task_hi = c.task_lo = 0;
			for (int b = 0; b < 8; ++b) {
				c.task_hi = (c.task_hi << 8) | task[b];
				c.task_lo = (c.task_lo << 8) | task[8 + b];
			}
			ci.event_id = *DatumGetUUIDP(SPI_getbinval(t, d, 3, &isnull));
			c.at_us = DatumGetTimestampTz(SPI_getbinval(t, d, 4, &isnull));
			Datum model = SPI_getbinval(t, d, 5, &isnull);
			c.model = intern_or_null(&models, model, isnull);
			Datum error = SPI_getbinval(t, d, 6, &isnull);
			ci.error = intern_or_null(&errors, error, isnull);
			c.likelihood = isnull ? 0.0 : likelihood_of(error);
			Datum cost = SPI_getbinval(t, d, 7, &isnull);
			ci.cost = isnull ? (Datum)0 : datumCopy(cost, false, -1);
			bool flagged = DatumGetBool(SPI_getbinval(t, d, 8, &isnull));
			Datum dismissed = SPI_getbinval(t, d, 9, &isnull);
			ci.status = (!isnull && DatumGetBool(dismissed)) ? 'd' : flagged ? 'f' : 'n';
			c.seq = static_cast<uint32_t>(n);
			++n;
		}
		MemoryContextSwitchTo(spi);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	MemoryContextSwitchTo(work);
	auto *findings =
	    static_cast<dexcost::RetryFinding *>(palloc_extended(sizeof(dexcost::RetryFinding) * (n ? n : 1), MCXT_ALLOC_HUGE));

	// Phase 2.
	size_t found = 0;
	bool ok = scan_noexcept(calls, n, window_us, threshold, since, findings, &found);

	// Phase 3.
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory while scanning %zu llm_calls for retries", n),
		                errhint("Scan a shorter time range.")));
	MemoryContextSwitchTo(caller);
	for (size_t k = 0; k < found; ++k) {
		const dexcost::RetryFinding &f = findings[k];
		const dexcost::RetryCall &c = calls[f.call];
		const CallInfo &ci = info[f.call];
		const CallInfo &cand = info[f.candidate];
		Datum values[11];
		bool nulls[11] = {};
		values[0] = CStringGetTextDatum(interned_name(customers, c.customer));
		auto *task = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
		for (int b = 0; b < 8; ++b) {
			task->data[b] = static_cast<uint8>(c.task_hi >> (56 - 8 * b));
			task->data[8 + b] = static_cast<uint8>(c.task_lo >> (56 - 8 * b));
		}
		values[1] = UUIDPGetDatum(task);
		values[2] = UUIDPGetDatum(&info[f.call].event_id);
		values[3] = TimestampTzGetDatum(c.at_us);
		nulls[4] = c.model == 0;
		values[4] = c.model ? CStringGetTextDatum(interned_name(models, c.model)) : (Datum)0;
		values[5] = UUIDPGetDatum(&info[f.candidate].event_id);
		nulls[6] = cand.error == 0;
		values[6] = cand.error ? CStringGetTextDatum(interned_name(errors, cand.error)) : (Datum)0;
		values[7] = Float8GetDatum(static_cast<double>(f.gap_us) / USECS_PER_SEC);
		values[8] = Float8GetDatum(f.confidence);
		nulls[9] = ci.cost == (Datum)0;
		values[9] = ci.cost;
		values[10] = CStringGetTextDatum(ci.status == 'd' ? "dismissed" : ci.status == 'f' ? "flagged" : "new");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum)0;
}
