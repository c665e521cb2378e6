// The cost_event statement trigger that keeps dexcost.budget_spend (src/core/budget.*).
//
// Each INSERT, UPDATE or DELETE statement on cost_event appends, per budget and 15-minute
// bucket it touched, one signed row to budget_spend (append-only: concurrent writers never
// wait on each other's rows); run_budget_checks() folds them. An event counts in every budget
// whose (scope, scope_id) is one of its task's six scopes: customer, team, user, task_type,
// project and workspace '*'. Events older than 62 days and zero or unknown costs add nothing.
//
// One lookup per statement gives each task of the statement its budgets (nothing at all when
// no budget exists); the C++ accumulator groups the rows; one kept INSERT appends the groups
// from an array. A DELETE whose tasks are already gone (ON DELETE CASCADE from task) cannot
// tell their team, user or project any more and recomputes with rebuild_budget_spend().
#include "core/budget.hpp"

#include <new>

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_cost_event_budget);
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

// A task of the statement and the budgets its scopes match (found: the task exists).
struct TaskEntry {
	pg_uuid_t task_id; // hash key; tasks of other customers with the same id chain through next
	char *customer_id;
	bool found;
	int nbudgets, capacity;
	int64 *budgets;
	TaskEntry *next;
};
DEXCOST_PLAIN(TaskEntry);

struct TaskTable {
	HTAB *hash;
	int count;
	MemoryContext cxt; // where entries and budget lists live (the trigger call's context)
};

TaskEntry *new_entry(TaskEntry *e, const pg_uuid_t *id, const char *customer, MemoryContext cxt) {
	e->task_id = *id;
	e->customer_id = MemoryContextStrdup(cxt, customer);
	e->found = false;
	e->nbudgets = e->capacity = 0;
	e->budgets = nullptr;
	e->next = nullptr;
	return e;
}

TaskEntry *find_task(TaskTable *tasks, const pg_uuid_t *id, const char *customer, bool create) {
	bool found = false;
	auto *head = static_cast<TaskEntry *>(hash_search(tasks->hash, id, create ? HASH_ENTER : HASH_FIND, &found));
	if (!head)
		return nullptr;
	if (!found) {
		tasks->count++;
		return new_entry(head, id, customer, tasks->cxt);
	}
	for (TaskEntry *e = head; e; e = e->next)
		if (strcmp(e->customer_id, customer) == 0)
			return e;
	if (!create)
		return nullptr;
	auto *e = new_entry(static_cast<TaskEntry *>(MemoryContextAlloc(tasks->cxt, sizeof(TaskEntry))), id, customer,
	                    tasks->cxt);
	e->next = head->next;
	head->next = e;
	tasks->count++;
	return e;
}

void add_budget(TaskEntry *e, int64 budget_id, MemoryContext cxt) {
	if (e->nbudgets == e->capacity) {
		e->capacity = e->capacity ? 2 * e->capacity : 4;
		e->budgets = static_cast<int64 *>(e->budgets ? repalloc(e->budgets, sizeof(int64) * e->capacity)
		                                             : MemoryContextAlloc(cxt, sizeof(int64) * e->capacity));
	}
	e->budgets[e->nbudgets++] = budget_id;
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
	if (!rows)
		return;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot)) {
		if (!all && !may_count(slot, attnums, cutoff))
			continue;
		bool isnull = false;
		Datum customer = slot_getattr(slot, attnums[cCustomer], &isnull);
		Datum task = slot_getattr(slot, attnums[cTask], &isnull);
		char *c = TextDatumGetCString(customer);
		find_task(tasks, DatumGetUUIDP(task), c, true);
		pfree(c);
	}
	ExecDropSingleTupleTableSlot(slot);
}

SPIPlanPtr g_task_budgets = nullptr;
SPIPlanPtr g_any_budget = nullptr;
SPIPlanPtr g_rebuild = nullptr;
SPIPlanPtr g_insert = nullptr;
Oid g_insert_rowtype = InvalidOid;

// A kept plan, generic (see pg_daily.cpp: a custom plan per statement costs more than the trigger).
SPIPlanPtr keep(const char *sql, int nargs, Oid *types) {
	SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
	if (!plan || SPI_keepplan(plan) != 0)
		elog(ERROR, "could not prepare a budget spend statement: %s", SPI_result_code_string(SPI_result));
	return plan;
}

// Runs a kept plan (inside SPI) with a new snapshot, as a VOLATILE function's statements do:
// a task deleted earlier in this statement (ON DELETE CASCADE) must read as gone.
void run(SPIPlanPtr plan, Datum *args, int expected, const char *what) {
	int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
	if (rc != expected)
		elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
}

// Fills in which tasks exist and their budgets (inside SPI). No rows at all when no budget
// exists. Returns whether any task has a budget.
bool look_up_budgets(TaskTable *tasks) {
	if (!g_task_budgets) {
		Oid types[2] = {TEXTARRAYOID, get_array_type(UUIDOID)};
		g_task_budgets = keep(
		    "SELECT k.i, b.budget_id"
		    "  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS k(customer_id, task_id, i)"
		    "  JOIN dexcost.task AS t ON t.customer_id OPERATOR(pg_catalog.=) k.customer_id"
		    "   AND t.task_id OPERATOR(pg_catalog.=) k.task_id"
		    "  LEFT JOIN LATERAL (SELECT x.budget_id"
		    "          FROM (VALUES ('customer', t.customer_id), ('team', t.team), ('user', t.user_id),"
		    "                       ('task_type', t.task_type), ('project', t.project_id), ('workspace', '*'))"
		    "               AS s(scope, scope_id)"
		    "          JOIN dexcost.budget AS x ON x.scope OPERATOR(pg_catalog.=) s.scope"
		    "           AND x.scope_id OPERATOR(pg_catalog.=) s.scope_id) AS b ON true"
		    " WHERE EXISTS (SELECT FROM dexcost.budget)",
		    2, types);
	}
	auto **entries = static_cast<TaskEntry **>(palloc(sizeof(TaskEntry *) * tasks->count));
	Datum *customers = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	Datum *ids = static_cast<Datum *>(palloc(sizeof(Datum) * tasks->count));
	int n = 0;
	HASH_SEQ_STATUS seq;
	hash_seq_init(&seq, tasks->hash);
	TaskEntry *head;
	while ((head = static_cast<TaskEntry *>(hash_seq_search(&seq))) != nullptr)
		for (TaskEntry *e = head; e; e = e->next) {
			entries[n] = e;
			customers[n] = CStringGetTextDatum(e->customer_id);
			ids[n] = UUIDPGetDatum(&e->task_id);
			++n;
		}
	Datum args[2] = {PointerGetDatum(construct_array(customers, n, TEXTOID, -1, false, TYPALIGN_INT)),
	                 PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR))};
	run(g_task_budgets, args, SPI_OK_SELECT, "look up the budgets of cost events");
	bool any = false;
	for (uint64 r = 0; r < SPI_processed; ++r) {
		HeapTuple tuple = SPI_tuptable->vals[r];
		bool isnull = false;
		int64 i = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
		Datum budget = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull);
		if (i < 1 || i > n)
			elog(ERROR, "budget lookup returned task %lld of %d", static_cast<long long>(i), n);
		TaskEntry *e = entries[i - 1];
		e->found = true;
		if (!isnull) {
			add_budget(e, DatumGetInt64(budget), tasks->cxt);
			any = true;
		}
	}
	return any;
}

// Whether any budget exists (inside SPI).
bool any_budget() {
	if (!g_any_budget)
		g_any_budget = keep("SELECT EXISTS (SELECT FROM dexcost.budget)", 0, nullptr);
	run(g_any_budget, nullptr, SPI_OK_SELECT, "look for budgets");
	bool isnull = true;
	Datum v = SPI_processed == 1 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : (Datum)0;
	return !isnull && DatumGetBool(v);
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
	TaskEntry *task = find_task(tasks, DatumGetUUIDP(slot_getattr(slot, attnums[cTask], &isnull)), customer, false);
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
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("cost_event_budget() must be called as a trigger")));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
	    TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) || (!trigdata->tg_newtable && !trigdata->tg_oldtable) ||
	    (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && (!trigdata->tg_newtable || !trigdata->tg_oldtable)))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("cost_event_budget() must fire AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT "
		                       "with its transition tables")));
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

	// The statement's tasks: a DELETE checks that all of them still exist.
	HASHCTL ctl = {};
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(TaskEntry);
	ctl.hcxt = CurrentMemoryContext;
	TaskTable tasks = {hash_create("dexcost budget tasks", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT), 0,
	                   CurrentMemoryContext};
	collect_tasks(old_rows, desc, attnums, is_delete, cutoff, &tasks);
	collect_tasks(new_rows, desc, attnums, false, cutoff, &tasks);
	if (tasks.count == 0)
		return PointerGetDatum(nullptr);

	// An ingest role may not write budget_spend: run the statements as the schema owner
	// (become_schema_owner: cheaper than SECURITY DEFINER; every statement here is qualified).
	OwnerSwitch as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	bool any = look_up_budgets(&tasks);
	if (is_delete) {
		bool task_gone = false;
		HASH_SEQ_STATUS seq;
		hash_seq_init(&seq, tasks.hash);
		TaskEntry *head;
		while ((head = static_cast<TaskEntry *>(hash_seq_search(&seq))) != nullptr)
			for (TaskEntry *e = head; e; e = e->next)
				task_gone = task_gone || !e->found;
		// Events deleted with their task no longer tell their team, user or project:
		// recompute from what the ledger still holds (when there is a budget at all).
		if (task_gone && (any || any_budget())) {
			rebuild_all();
			SPI_finish();
			restore_user(as_owner);
			return PointerGetDatum(nullptr);
		}
	}
	SPI_finish();
	restore_user(as_owner);
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

	as_owner = become_schema_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	insert_spend(*box->rows);
	SPI_finish();
	restore_user(as_owner);
	return PointerGetDatum(nullptr);
}
