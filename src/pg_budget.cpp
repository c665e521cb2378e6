// The cost_event statement trigger that keeps dexcost.budget_spend (src/core/budget.*).
//
// Each INSERT, UPDATE or DELETE statement on cost_event appends, per budget and 15-minute
// bucket it touched, one signed row to budget_spend (append-only: concurrent writers never
// wait on each other's rows); run_budget_checks() folds them. An event counts in every budget
// whose (scope, scope_id) is one of its task's six scopes: customer, team, user, task_type,
// project and workspace '*'. Events older than 62 days and zero or unknown costs add nothing.
//
// Each backend keeps a copy of dexcost.budget's (scope, scope_id, budget_id) in a C++
// BudgetIndex, reloaded after the table changed (the budget_changed statement trigger sends a
// relcache invalidation, as the price catalogue does): with no budget a statement costs no
// query at all, and with budgets on customers and the workspace only the events alone decide.
// Otherwise one lookup per statement reads its tasks' team, user, task type and project. The
// C++ accumulator groups the rows; one kept INSERT appends the groups from an array. A DELETE
// whose tasks are already gone (ON DELETE CASCADE from task) cannot tell their team, user or
// project any more and recomputes with rebuild_budget_spend().
#include "core/budget.hpp"

#include <algorithm>
#include <memory>
#include <new>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_cost_event_budget);
PG_FUNCTION_INFO_V1(dexcost_budget_changed);
}

namespace dexcost_pg {

namespace {

enum Col { cCustomer, cTask, cOccurred, cCost, cColCount };
const char *const kColNames[cColCount] = {"customer_id", "task_id", "occurred_at", "cost_usd"};

void column_numbers(TupleDesc desc, int *attnums) {
	for (int c = 0; c < cColCount; ++c) {
		attnums[c] = SPI_fnumber(desc, kColNames[c]);
		if (attnums[c] <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("cost_event has no column \"%s\"", kColNames[c]),
			                errhint("Reinstall the dexcost extension.")));
	}
}

// At most this many budgets match one event: six scopes, each with a day and a month budget
// (budget_scope_key is unique on scope, scope_id, period).
constexpr int kMaxMatches = 12;

// A task of the statement: whether it exists, its scope values (nullptr: NULL), and the
// budgets they match.
struct TaskEntry {
	pg_uuid_t task_id; // hash key; tasks of other customers with the same id chain through next
	char *customer_id;
	bool found;
	char *scope[dexcost::kBudgetScopeCount]; // customer, team, user, task type, project ('*' implied)
	int nbudgets;
	int64 budgets[kMaxMatches];
	TaskEntry *next;
};
DEXCOST_PLAIN(TaskEntry);

using TaskTable = StatementTasks<TaskEntry>;
void no_scopes_yet(TaskEntry *e) {
	e->found = false;
	for (char *&v : e->scope)
		v = nullptr;
	e->scope[static_cast<int>(dexcost::BudgetScope::kCustomer)] = e->customer_id;
	e->nbudgets = 0;
}
TaskEntry *find_task(TaskTable *tasks, const pg_uuid_t *id, const char *customer) {
	return tasks->find(id, customer);
}
template <typename Fn>
void for_each_task(TaskTable *tasks, Fn fn) {
	tasks->for_each(fn);
}

// Whether a row can add spend: a known cost and not older than the cutoff.
bool may_count(TupleTableSlot *slot, const int *attnums, TimestampTz cutoff) {
	bool isnull = false;
	slot_getattr(slot, attnums[cCost], &isnull);
	if (isnull)
		return false;
	return DatumGetTimestampTz(slot_getattr(slot, attnums[cOccurred], &isnull)) >= cutoff;
}

// Collects the (customer, task) pairs of a transition table: of every row (all), or of the
// rows that may add spend.
void collect_tasks(Tuplestorestate *rows, TupleDesc desc, const int *attnums, bool all, TimestampTz cutoff,
                   TaskTable *tasks) {
	tasks->collect(
	    rows, desc, attnums[cCustomer], attnums[cTask],
	    [all, attnums, cutoff](TupleTableSlot *slot) { return all || may_count(slot, attnums, cutoff); }, no_scopes_yet);
}

SPIPlanPtr g_task_scopes = nullptr;
SPIPlanPtr g_rebuild = nullptr;
SPIPlanPtr g_insert = nullptr;
Oid g_insert_rowtype = InvalidOid;

// The backend's copy of dexcost.budget (C++ heap, replaced whole on reload).
dexcost::BudgetIndex *g_index = nullptr;
bool g_index_valid = false;
// Set when the index was read with a REPEATABLE READ or SERIALIZABLE snapshot: it may be older
// than what is committed, so it serves only the transaction that read it.
LocalTransactionId g_index_lxid = InvalidLocalTransactionId;
uint64 g_invalidations = 0;
Oid g_budget_relid = InvalidOid;

// Drops the index when dexcost.budget changed (or on a full reset).
void relcache_callback(Datum, Oid relid) {
	if (relid == InvalidOid || relid == g_budget_relid) {
		g_index_valid = false;
		++g_invalidations;
	}
}

SPIPlanPtr keep(const char *sql, int nargs, Oid *types) {
	return keep_generic_plan(sql, nargs, types, "a budget spend statement");
}

// Runs a kept plan (inside SPI) with a new snapshot, as a VOLATILE function's statements do:
// a task deleted earlier in this statement (ON DELETE CASCADE) must read as gone.
void run(SPIPlanPtr plan, Datum *args, int expected, const char *what) {
	int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
	if (rc != expected)
		elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
}

// One budget row copied out of SPI.
struct PlainBudget {
	int scope; // -1: not a scope word (the table's CHECK refuses those)
	const char *scope_id;
	int64 budget_id;
};
DEXCOST_PLAIN(PlainBudget);

void free_index_noexcept(dexcost::BudgetIndex *index) noexcept {
	delete index;
}

// Phase 2 of a load: the index from plain rows, or nullptr when out of memory.
dexcost::BudgetIndex *build_index_noexcept(const PlainBudget *rows, int n) noexcept {
	try {
		auto index = std::make_unique<dexcost::BudgetIndex>();
		for (int i = 0; i < n; ++i)
			if (rows[i].scope >= 0)
				index->add(static_cast<dexcost::BudgetScope>(rows[i].scope), rows[i].scope_id, rows[i].budget_id);
		return index.release();
	} catch (...) {
		return nullptr;
	}
}

// Makes sure the index reflects dexcost.budget (reads it as the schema owner when not).
// Invalidations are read first: a transaction that already holds its locks need not read any by
// itself, and a budget deleted meanwhile must not get spend (its foreign key would fail).
void ensure_budget_index() {
	AcceptInvalidationMessages();
	if (g_index && g_index_valid && (g_index_lxid == InvalidLocalTransactionId || g_index_lxid == MyProc->lxid))
		return;
	g_budget_relid = get_relname_relid("budget", get_namespace_oid(kSchema, false));
	uint64 invalidations_before = g_invalidations;
	MemoryContext load_cxt = AllocSetContextCreate(CurrentMemoryContext, "dexcost budget index load", ALLOCSET_SMALL_SIZES);
	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	int rc = SPI_execute("SELECT scope, scope_id, budget_id FROM dexcost.budget", false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read dexcost.budget: %s", SPI_result_code_string(rc));
	int n = static_cast<int>(SPI_processed);
	auto *rows = static_cast<PlainBudget *>(MemoryContextAllocZero(load_cxt, sizeof(PlainBudget) * (n + 1)));
	for (int r = 0; r < n; ++r) {
		HeapTuple tuple = SPI_tuptable->vals[r];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull = false;
		char *scope = TextDatumGetCString(SPI_getbinval(tuple, desc, 1, &isnull));
		std::optional<dexcost::BudgetScope> s = dexcost::budget_scope_of(scope);
		rows[r].scope = s ? static_cast<int>(*s) : -1;
		rows[r].scope_id = MemoryContextStrdup(load_cxt, TextDatumGetCString(SPI_getbinval(tuple, desc, 2, &isnull)));
		rows[r].budget_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
	}
	SPI_finish();
	restore_user(as_owner);
	dexcost::BudgetIndex *fresh = build_index_noexcept(rows, n);
	MemoryContextDelete(load_cxt);
	if (!fresh)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	free_index_noexcept(g_index);
	g_index = fresh;
	g_index_valid = invalidations_before == g_invalidations;
	g_index_lxid = IsolationUsesXactSnapshot() ? MyProc->lxid : InvalidLocalTransactionId;
}

// Fills in which tasks exist and their team, user, task type and project (inside SPI).
void look_up_tasks(TaskTable *tasks) {
	if (!g_task_scopes) {
		Oid types[2] = {TEXTARRAYOID, get_array_type(UUIDOID)};
		g_task_scopes = keep(
		    "SELECT k.i, t.team, t.user_id, t.task_type, t.project_id"
		    "  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS k(customer_id, task_id, i)"
		    "  JOIN dexcost.task AS t ON t.customer_id OPERATOR(pg_catalog.=) k.customer_id"
		    "   AND t.task_id OPERATOR(pg_catalog.=) k.task_id",
		    2, types);
	}
	auto **entries = static_cast<TaskEntry **>(palloc(sizeof(TaskEntry *) * tasks->count));
	Datum *customers = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	Datum *ids = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	int n = 0;
	for_each_task(tasks, [&](TaskEntry *e) {
		entries[n] = e;
		customers[n] = CStringGetTextDatum(e->customer_id);
		ids[n] = UUIDPGetDatum(&e->task_id);
		++n;
	});
	Datum args[2] = {PointerGetDatum(construct_array(customers, n, TEXTOID, -1, false, TYPALIGN_INT)),
	                 PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR))};
	run(g_task_scopes, args, SPI_OK_SELECT, "look up the tasks of cost events");
	for (uint64 r = 0; r < SPI_processed; ++r) {
		HeapTuple tuple = SPI_tuptable->vals[r];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull = false;
		int64 i = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		if (i < 1 || i > n)
			elog(ERROR, "task lookup returned task %lld of %d", static_cast<long long>(i), n);
		TaskEntry *e = entries[i - 1];
		e->found = true;
		for (int s = 1; s <= 4; ++s) { // team, user, task type, project
			Datum v = SPI_getbinval(tuple, desc, 1 + s, &isnull);
			e->scope[s] = isnull ? nullptr : MemoryContextStrdup(tasks->cxt, TextDatumGetCString(v));
		}
	}
}

// Phase 2 for one task: the budgets its scope values match. False when out of memory or
// when more match than a task can (the table's unique key prevents that).
bool match_noexcept(const dexcost::BudgetIndex *index, TaskEntry *e) noexcept {
	try {
		std::optional<std::string_view> values[dexcost::kBudgetScopeCount];
		for (int s = 0; s < dexcost::kBudgetScopeCount; ++s)
			if (e->scope[s])
				values[s] = std::string_view(e->scope[s]);
		std::vector<int64_t> ids;
		index->match(values, &ids);
		if (ids.size() > static_cast<size_t>(kMaxMatches))
			return false;
		e->nbudgets = static_cast<int>(ids.size());
		std::copy(ids.begin(), ids.end(), e->budgets);
		return true;
	} catch (...) {
		return false;
	}
}

// Recomputes every budget's spend from the ledger (inside SPI).
void rebuild_all() {
	if (!g_rebuild)
		g_rebuild = keep("SELECT dexcost.rebuild_budget_spend()", 0, nullptr);
	run(g_rebuild, nullptr, SPI_OK_SELECT, "rebuild the budget spend");
}

// One row read into plain data (phase 1): its bucket, cost text and budgets.
struct PlainRow {
	int64 bucket;
	const char *cost_text;
	const int64 *budgets;
	int nbudgets;
};
DEXCOST_PLAIN(PlainRow);

// Reads one row; false when it adds nothing (unknown cost, too old, no budget).
bool read_row(TupleTableSlot *slot, const int *attnums, TaskTable *tasks, TimestampTz cutoff, PlainRow *out) {
	if (!may_count(slot, attnums, cutoff))
		return false;
	bool isnull = false;
	char *customer = TextDatumGetCString(slot_getattr(slot, attnums[cCustomer], &isnull));
	TaskEntry *task = find_task(tasks, DatumGetUUIDP(slot_getattr(slot, attnums[cTask], &isnull)), customer);
	if (!task || task->nbudgets == 0)
		return false;
	TimestampTz at = DatumGetTimestampTz(slot_getattr(slot, attnums[cOccurred], &isnull));
	out->bucket = TIMESTAMP_NOT_FINITE(at) ? at : dexcost::spend_bucket(at); // date_bin keeps infinity
	out->cost_text = DatumGetCString(DirectFunctionCall1(numeric_out, slot_getattr(slot, attnums[cCost], &isnull)));
	out->budgets = task->budgets;
	out->nbudgets = task->nbudgets;
	return true;
}

// The accumulator and its rows live on the C++ heap, owned by a memory context callback: an
// error raised while they exist frees them and skips no destructor.
struct Box {
	dexcost::BudgetSpendAccumulator *acc = nullptr;
	std::vector<dexcost::BudgetSpendRow> *rows = nullptr;
};

void free_box(void *arg) noexcept {
	auto *box = static_cast<Box *>(arg);
	delete box->rows;
	delete box->acc;
	*box = Box();
}

// Phase 2 for a batch of rows: zero costs add nothing. Returns false with err set.
bool add_batch_noexcept(dexcost::BudgetSpendAccumulator *acc, const PlainRow *rows, int n, int sign, char *err,
                        size_t errsize) noexcept {
	try {
		for (int i = 0; i < n; ++i) {
			const PlainRow &r = rows[i];
			dexcost::SpendAmount amount;
			dexcost::DecimalError de = dexcost::parse_spend_amount(r.cost_text, &amount);
			if (de != dexcost::DecimalError::kNone) {
				snprintf(err, errsize, "cost_usd \"%s\": %s", r.cost_text, dexcost::decimal_error_text(de));
				return false;
			}
			if (amount.value.is_zero())
				continue;
			for (int b = 0; b < r.nbudgets; ++b)
				if (!acc->add(r.budgets[b], r.bucket, amount, sign)) {
					copy_text(err, errsize, "a budget's spend in one 15-minute bucket is out of range");
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
void accumulate(Tuplestorestate *rows, TupleDesc desc, const int *attnums, TaskTable *tasks, TimestampTz cutoff,
                dexcost::BudgetSpendAccumulator *acc, int sign) {
	char err[256] = "";
	for_each_batch<PlainRow>(
	    rows, desc,
	    [attnums, tasks, cutoff](TupleTableSlot *slot, PlainRow *out) {
		    return read_row(slot, attnums, tasks, cutoff, out);
	    },
	    [acc, sign, &err](const PlainRow *batch, int n) {
		    if (!add_batch_noexcept(acc, batch, n, sign, err, sizeof err))
			    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			                    errmsg("could not add cost events to the budget spend: %s", clip_to_characters(err)),
			                    errhint("Costs are kept to 18 decimal places; the spend of one budget in one statement "
			                            "and 15-minute bucket must stay within about 1.7e20 USD.")));
	    });
}

bool collect_rows_noexcept(Box *box, bool drop_zero) noexcept {
	try {
		box->rows = new std::vector<dexcost::BudgetSpendRow>(box->acc->rows(drop_zero));
		return true;
	} catch (...) {
		return false;
	}
}

// Amounts as text (phase 2 of the export), at SQL sum()'s display scale.
bool spend_text_noexcept(const dexcost::BudgetSpendRow &row, char *out, size_t size) noexcept {
	try {
		copy_text(out, size, dexcost::format_spend(row.spent, row.scale).c_str());
		return true;
	} catch (...) {
		return false;
	}
}

// Appends the rows to budget_spend (inside SPI) with one kept INSERT of a budget_spend[]
// array: one function scan, where one unnest() per column costs a tuplestore each.
void insert_spend(const std::vector<dexcost::BudgetSpendRow> &rows) {
	int n = static_cast<int>(rows.size());
	if (n == 0)
		return;
	Oid relid = get_relname_relid("budget_spend", get_namespace_oid(kSchema, false));
	Oid rowtype = OidIsValid(relid) ? get_rel_type_id(relid) : InvalidOid;
	if (!OidIsValid(rowtype))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("table dexcost.budget_spend does not exist"),
		                errhint("Reinstall the dexcost extension.")));
	if (!g_insert || g_insert_rowtype != rowtype) {
		Oid argtype = get_array_type(rowtype);
		if (g_insert)
			SPI_freeplan(g_insert);
		g_insert = nullptr;
		g_insert = keep("INSERT INTO dexcost.budget_spend SELECT * FROM pg_catalog.unnest($1)", 1, &argtype);
		g_insert_rowtype = rowtype;
	}
	TupleDesc desc = lookup_rowtype_tupdesc_copy(rowtype, -1);
	int at[3] = {SPI_fnumber(desc, "budget_id"), SPI_fnumber(desc, "bucket"), SPI_fnumber(desc, "spent_usd")};
	if (desc->natts != 3 || at[0] <= 0 || at[1] <= 0 || at[2] <= 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("dexcost.budget_spend is not (budget_id, bucket, spent_usd)"),
		                errhint("Reinstall the dexcost extension.")));
	Datum values[3];
	bool nulls[3] = {false, false, false};
	char text[80];
	Datum *tuples = static_cast<Datum *>(palloc(sizeof(Datum) * n));
	for (int i = 0; i < n; ++i) {
		const dexcost::BudgetSpendRow &r = rows[i];
		if (!spend_text_noexcept(r, text, sizeof text))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		values[at[0] - 1] = Int64GetDatum(r.budget_id);
		values[at[1] - 1] = TimestampTzGetDatum(r.bucket);
		values[at[2] - 1] = numeric_from_cstring(text);
		tuples[i] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	Datum arg = PointerGetDatum(construct_array(tuples, n, rowtype, -1, false, TYPALIGN_DOUBLE));
	run(g_insert, &arg, SPI_OK_INSERT, "append to dexcost.budget_spend");
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT on cost_event, with transition tables:
// appends the statement's signed spend per budget and bucket to dexcost.budget_spend.
Datum dexcost_cost_event_budget(PG_FUNCTION_ARGS) {
	TriggerData *trigdata = statement_trigger_data(fcinfo, "cost_event_budget");
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && (!trigdata->tg_newtable || !trigdata->tg_oldtable))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("cost_event_budget() on UPDATE needs both transition tables"),
		                errhint("Reinstall the dexcost extension to restore its triggers.")));
	bool is_delete = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
	bool is_update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);
	Tuplestorestate *old_rows = is_delete || is_update ? trigdata->tg_oldtable : nullptr;
	Tuplestorestate *new_rows = is_delete ? nullptr : trigdata->tg_newtable;
	TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
	int attnums[cColCount];
	column_numbers(desc, attnums);

	// now() - interval '62 days', in the session time zone as in SQL.
	Interval days62 = {0, 62, 0};
	TimestampTz cutoff = DatumGetTimestampTz(DirectFunctionCall2(
	    timestamptz_mi_interval, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), IntervalPGetDatum(&days62)));

	// No budget at all: nothing to count.
	ensure_budget_index();
	if (g_index->empty())
		return PointerGetDatum(nullptr);

	// The statement's tasks: a DELETE checks that all of them still exist.
	TaskTable tasks = TaskTable::make("dexcost budget tasks");
	collect_tasks(old_rows, desc, attnums, is_delete, cutoff, &tasks);
	collect_tasks(new_rows, desc, attnums, false, cutoff, &tasks);
	if (tasks.count == 0)
		return PointerGetDatum(nullptr);

	// Read the tasks when a budget needs their team, user, task type or project, or when a
	// DELETE's tasks may be gone. Otherwise cost_event's foreign key (checked before this
	// trigger fires) vouches for them. An ingest role may not read task or write
	// budget_spend: run the statements as the schema owner (become_schema_owner: cheaper than
	// SECURITY DEFINER; every statement here is qualified).
	if (is_delete || g_index->needs_task()) {
		OwnerSwitch as_owner = become_schema_owner();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		look_up_tasks(&tasks);
		bool task_gone = false;
		for_each_task(&tasks, [&task_gone](TaskEntry *e) { task_gone = task_gone || !e->found; });
		// Events deleted with their task no longer tell their team, user or project:
		// recompute from what the ledger still holds.
		if (task_gone) {
			rebuild_all();
			SPI_finish();
			restore_user(as_owner);
			return PointerGetDatum(nullptr);
		}
		SPI_finish();
		restore_user(as_owner);
	} else {
		for_each_task(&tasks, [](TaskEntry *e) { e->found = true; });
	}
	bool any = false, matched = true;
	const dexcost::BudgetIndex *index = g_index;
	for_each_task(&tasks, [index, &any, &matched](TaskEntry *e) {
		matched = matched && match_noexcept(index, e);
		any = any || e->nbudgets > 0;
	});
	if (!matched)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (!any)
		return PointerGetDatum(nullptr);

	auto *box = static_cast<Box *>(palloc0(sizeof(Box)));
	auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	callback->func = free_box;
	callback->arg = box;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	box->acc = new (std::nothrow) dexcost::BudgetSpendAccumulator();
	if (!box->acc)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	accumulate(old_rows, desc, attnums, &tasks, cutoff, box->acc, -1);
	accumulate(new_rows, desc, attnums, &tasks, cutoff, box->acc, +1);
	// An UPDATE drops groups that cancel out; INSERT and DELETE append every group, as SQL did.
	if (!collect_rows_noexcept(box, is_update))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (box->rows->empty())
		return PointerGetDatum(nullptr);

	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insert_spend(*box->rows);
	SPI_finish();
	restore_user(as_owner);
	return PointerGetDatum(nullptr);
}

// Statement trigger on dexcost.budget: every backend reloads its budget index (the one that
// changed it at once, the others when the change commits).
Datum dexcost_budget_changed(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("budget_changed() must be called as a trigger")));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(nullptr);
}

namespace dexcost_pg {

void budget_init() {
	CacheRegisterRelcacheCallback(relcache_callback, (Datum)0);
}

} // namespace dexcost_pg
