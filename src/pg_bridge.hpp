// PostgreSQL headers for the binding files, always included after every core header.
//
// Binding functions run in three phases: (1) read and check arguments in PostgreSQL,
// ereport freely, only plain data alive; (2) run core C++ in a noexcept shim that catches
// everything into a plain buffer; (3) with every C++ object gone, raise or build the result.
#pragma once

// PostgreSQL's headers are C; with -Wextra a few of their inline functions trip C++ warnings
// that are not ours to fix. Silence exactly those, for the headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/xact.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/resowner.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
#include "utils/guc.h"
#include "common/hashfn.h"
#include "windowapi.h"
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
#include "catalog/pg_namespace.h"
}
#pragma GCC diagnostic pop

#include <type_traits>

namespace dexcost_pg {

// Values that stay alive while PostgreSQL may raise an error must have no destructor to skip.
#define DEXCOST_PLAIN(T) \
	static_assert(std::is_trivially_destructible_v<T>, #T " may outlive a longjmp: it must stay plain data")

// Schema that holds every dexcost object (the control file fixes it).
constexpr const char *kSchema = "dexcost";

// Whether a text datum equals s, bytewise, without copying it out (for per-row checks).
inline bool text_equals_cstring(Datum value, const char *s) {
	text *t = DatumGetTextPP(value);
	size_t len = VARSIZE_ANY_EXHDR(t);
	return len == strlen(s) && memcmp(VARDATA_ANY(t), s, len) == 0;
}

// Runs a trigger's catalogue lookups (task, prices) as the owner of schema dexcost, so a role
// that may only INSERT (dexcost_writer) needs no SELECT: the per-row alternative to
// SECURITY DEFINER, whose GUC save/restore of search_path on every call costs far more.
// An error in between is safe: transaction abort restores the user.
struct OwnerSwitch {
	Oid saved_user;
	int saved_context;
};
inline Oid dexcost_schema_owner() {
	HeapTuple tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(get_namespace_oid(kSchema, false)));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for schema %s", kSchema);
	Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}
inline OwnerSwitch become_schema_owner() {
	OwnerSwitch s;
	GetUserIdAndSecContext(&s.saved_user, &s.saved_context);
	SetUserIdAndSecContext(dexcost_schema_owner(),
	                       s.saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	return s;
}
inline void restore_user(const OwnerSwitch &s) {
	SetUserIdAndSecContext(s.saved_user, s.saved_context);
}

// Reads a transition table in batches of plain rows: read(slot, &batch[n]) copies one row
// (returning false skips it) into a memory context reset per batch, flush(batch, n) handles a
// full batch. A batch holds at most 1,024 rows and no more than the table has, so a one-row
// statement allocates one row. The lambdas capture pointers only: nothing to destroy if
// PostgreSQL raises inside them.
template <typename Row, typename Read, typename Flush>
void for_each_batch(Tuplestorestate *rows, TupleDesc desc, Read read, Flush flush) {
	static_assert(std::is_trivially_destructible_v<Row>, "batch rows may outlive a longjmp: plain data only");
	if (!rows)
		return;
	constexpr int64 kBatchMax = 1024;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dexcost transition batch", ALLOCSET_DEFAULT_SIZES);
	int capacity = static_cast<int>(Min(kBatchMax, Max(tuplestore_tuple_count(rows), static_cast<int64>(1))));
	auto *batch = static_cast<Row *>(palloc(sizeof(Row) * capacity));
	tuplestore_rescan(rows);
	bool more = true;
	while (more) {
		MemoryContextReset(batch_cxt);
		int n = 0;
		// Fetch in the caller's context: a tuplestore spilled to disk pallocs the tuple it hands
		// the slot there, and the slot frees it on the next fetch. Only our copies go to batch_cxt.
		while (n < capacity && (more = tuplestore_gettupleslot(rows, true, false, slot))) {
			MemoryContext old = MemoryContextSwitchTo(batch_cxt);
			if (read(slot, &batch[n]))
				++n;
			MemoryContextSwitchTo(old);
		}
		CHECK_FOR_INTERRUPTS();
		if (n > 0)
			flush(batch, n);
	}
	MemoryContextDelete(batch_cxt);
	ExecDropSingleTupleTableSlot(slot);
}

// The (customer, task) pairs a statement touches, in a dynahash keyed by task id (tasks of
// other customers with the same id chain through next), allocated in the context current at
// make(). Entry is plain data starting with pg_uuid_t task_id, with char *customer_id and
// Entry *next; init(e) sets its other fields when a pair is first seen.
template <typename Entry>
struct StatementTasks {
	HTAB *hash;
	int count;
	MemoryContext cxt; // entries, their customer ids and whatever the caller copies for them

	static StatementTasks make(const char *name) {
		HASHCTL ctl = {};
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(Entry);
		ctl.hcxt = CurrentMemoryContext;
		return {hash_create(name, 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT), 0, CurrentMemoryContext};
	}

	// The pair's entry; nullptr when it is not there and create is false.
	template <typename Init>
	Entry *find(const pg_uuid_t *id, const char *customer, bool create, Init init) {
		bool found = false;
		auto *head = static_cast<Entry *>(hash_search(hash, id, create ? HASH_ENTER : HASH_FIND, &found));
		if (!head)
			return nullptr;
		if (!found)
			return fill(head, id, customer, init);
		for (Entry *e = head; e; e = e->next)
			if (strcmp(e->customer_id, customer) == 0)
				return e;
		if (!create)
			return nullptr;
		Entry *e = fill(static_cast<Entry *>(MemoryContextAlloc(cxt, sizeof(Entry))), id, customer, init);
		e->next = head->next;
		head->next = e;
		return e;
	}
	Entry *find(const pg_uuid_t *id, const char *customer) {
		return find(id, customer, false, [](Entry *) {});
	}

	// Adds the pairs of a transition table's rows that keep(slot) accepts.
	template <typename Keep, typename Init>
	void collect(Tuplestorestate *rows, TupleDesc desc, int customer_att, int task_att, Keep keep, Init init) {
		if (!rows)
			return;
		TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		tuplestore_rescan(rows);
		while (tuplestore_gettupleslot(rows, true, false, slot)) {
			if (!keep(slot))
				continue;
			bool isnull = false;
			char *c = TextDatumGetCString(slot_getattr(slot, customer_att, &isnull));
			find(DatumGetUUIDP(slot_getattr(slot, task_att, &isnull)), c, true, init);
			pfree(c);
		}
		ExecDropSingleTupleTableSlot(slot);
	}

	// Calls fn on every entry.
	template <typename Fn>
	void for_each(Fn fn) {
		HASH_SEQ_STATUS seq;
		hash_seq_init(&seq, hash);
		Entry *head;
		while ((head = static_cast<Entry *>(hash_seq_search(&seq))) != nullptr)
			for (Entry *e = head; e; e = e->next)
				fn(e);
	}

  private:
	template <typename Init>
	Entry *fill(Entry *e, const pg_uuid_t *id, const char *customer, Init init) {
		e->task_id = *id;
		e->customer_id = MemoryContextStrdup(cxt, customer);
		e->next = nullptr;
		init(e);
		++count;
		return e;
	}
};

// The TriggerData of an AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT trigger with at
// least one transition table; anything else raises, naming the function.
inline TriggerData *statement_trigger_data(FunctionCallInfo fcinfo, const char *function) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("%s() must be called as a trigger", function)));
	auto *trigdata = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
	    TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) || (!trigdata->tg_newtable && !trigdata->tg_oldtable))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("%s() must fire AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT with its transition tables",
		                       function),
		                errhint("Reinstall the dexcost extension to restore its triggers.")));
	return trigdata;
}

// A kept (SPI_keepplan) plan for a trigger's statement, always generic: with a custom plan
// the statement is planned again on every call (the planner prices unnest() of a one-element
// array below the generic plan, so the plan cache never switches), which cost more than the
// whole trigger. what names the statement in the error.
inline SPIPlanPtr keep_generic_plan(const char *sql, int nargs, Oid *types, const char *what) {
	SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
	if (!plan || SPI_keepplan(plan) != 0)
		elog(ERROR, "could not prepare %s: %s", what, SPI_result_code_string(SPI_result));
	return plan;
}

// Copies a C string into a fixed buffer, always terminated; never allocates or throws.
inline void copy_text(char *dst, size_t size, const char *src) noexcept {
	if (size == 0)
		return;
	size_t i = 0;
	for (; src && src[i] && i + 1 < size; ++i)
		dst[i] = src[i];
	dst[i] = '\0';
}

// A fixed buffer filled by copy_text may end inside a multibyte character; cut it back to the
// last whole character of the server encoding (PostgreSQL world: call in phase 3).
inline char *clip_to_characters(char *text) {
	int len = static_cast<int>(strlen(text));
	text[pg_mbcliplen(text, len, len)] = '\0';
	return text;
}

// The customer a caller already read for a task, or nullptr when it does not know the task.
using KnownCustomerFn = const char *(*)(const pg_uuid_t *task_id, void *arg);

// While set, the cost_event trigger accepts an event whose (task, customer) the function
// confirms instead of looking the task up again (cost_event's foreign key still checks every
// row). Set it around one statement, and clear it in PG_FINALLY (pg_event.cpp).
void trust_known_tasks(KnownCustomerFn fn, void *arg);

// Registers the relcache callback that drops the budget index when dexcost.budget changes
// (pg_budget.cpp).
void budget_init();

// A numeric from its text (numeric_in; raises 22P02 for text that is not a number).
inline Datum numeric_from_cstring(const char *text) {
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

} // namespace dexcost_pg
