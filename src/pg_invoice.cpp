// SQL surface of the invoice parsers (src/core/invoice.*): dexcost._parse_invoice(format, content), the
// set-returning function dexcost.import_invoice() reads a provider export through.
//
//   phase 1  check the format name, detoast the content;
//   phase 2  parse the next chunk of rows in C++ (invoice_next, noexcept) into a palloc'd plain row array
//            and arena: every row text points into the content or that arena;
//   phase 3  turn the chunk into tuples, then parse the next chunk. A 1M-line CSV streams through a
//            fixed amount of memory besides the tuplestore.
// One C++ allocation outlives phase 2: a JSON page is parsed once, by the first chunk, and its tape kept by
// the cursor until the last (parsing it again per chunk made an 800k-line page 19x slower than its CSV).
// A memory context callback frees it if an error ends the call between two chunks.
//
// dexcost._load_invoice(import_id, source, provider, format, content) is the loader of a source's first
// import: the same chunks, stored straight into dexcost.invoice_line the way COPY does it (tuples in
// batches through table_multi_insert, then their index entries), without a tuplestore or an executor
// node per row. It returns the bad lines and one summary row; a line key seen twice raises
// unique_violation like the INSERT did, and import_invoice() falls back to its upsert.
#include "core/invoice.hpp"

#include "pg_bridge.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "parser/parse_relation.h"
#include "utils/acl.h"
#include "utils/rls.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_parse_invoice);
PG_FUNCTION_INFO_V1(dexcost_load_invoice);
}

namespace dexcost_pg {

namespace {

using dexcost::Decimal;
using dexcost::InvoiceRow;
using dexcost::InvoiceRowKind;
using dexcost::InvoiceStatus;

constexpr size_t kChunkRows = 4096;
constexpr size_t kChunkArena = size_t{4} << 20;
constexpr int kColumns = 24;
// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
constexpr int64 kUnixToPostgresUs = INT64CONST(946684800000000);

// A Decimal's text in a fixed buffer (phase 2 of a conversion: no allocation can escape).
bool decimal_text(Decimal d, char *buf, size_t size) noexcept {
	try {
		copy_text(buf, size, d.to_string().c_str());
		return true;
	} catch (...) {
		return false;
	}
}

Datum numeric_datum(Decimal d) {
	char buf[64];
	if (!decimal_text(d, buf, sizeof buf))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return numeric_from_cstring(buf);
}

// A text column; NULL for an empty text.
void put_text(Datum *values, bool *nulls, int k, dexcost::Text t) {
	nulls[k] = t.len == 0;
	if (t.len)
		values[k] = PointerGetDatum(cstring_to_text_with_len(t.ptr, static_cast<int>(t.len)));
}

void put_time(Datum *values, bool *nulls, int k, int64_t us) {
	values[k] = TimestampTzGetDatum(static_cast<TimestampTz>(us - kUnixToPostgresUs));
	nulls[k] = false;
}

// One tuple of a parsed row.
void put_row(ReturnSetInfo *rsinfo, const InvoiceRow &r, int64 ordinal) {
	Datum values[kColumns];
	bool nulls[kColumns];
	for (int k = 0; k < kColumns; ++k)
		nulls[k] = true;
	const char *kind = r.kind == InvoiceRowKind::kLine ? "line" : r.kind == InvoiceRowKind::kEmptyBucket ? "empty" : "error";
	values[0] = CStringGetTextDatum(kind);
	nulls[0] = false;
	values[1] = Int32GetDatum(static_cast<int32>(r.line_no));
	nulls[1] = false;
	put_text(values, nulls, 2, r.error);
	put_text(values, nulls, 22, r.raw);
	values[23] = Int64GetDatum(ordinal);
	nulls[23] = false;
	if (r.kind == InvoiceRowKind::kError) {
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return;
	}
	put_time(values, nulls, 12, r.period_start_us);
	put_time(values, nulls, 13, r.period_end_us);
	if (r.kind == InvoiceRowKind::kLine) {
		put_text(values, nulls, 3, r.line_key);
		put_text(values, nulls, 4, r.provider);
		put_text(values, nulls, 5, r.account_id);
		put_text(values, nulls, 6, r.project_id);
		put_text(values, nulls, 7, r.item_name);
		put_text(values, nulls, 8, r.model_name);
		put_text(values, nulls, 9, r.usage_type);
		put_text(values, nulls, 10, r.service_tier);
		put_text(values, nulls, 11, r.region);
		if (r.has_quantity) {
			values[14] = numeric_datum(r.quantity);
			nulls[14] = false;
		}
		put_text(values, nulls, 15, r.quantity_unit);
		if (r.has_tokens) {
			values[16] = numeric_datum(r.tokens);
			nulls[16] = false;
		}
		values[17] = numeric_datum(r.amount);
		nulls[17] = false;
		put_text(values, nulls, 18, r.currency);
		if (r.has_amount_usd) {
			values[19] = numeric_datum(r.amount_usd);
			nulls[19] = false;
		}
		put_text(values, nulls, 20, r.charge_category);
		values[21] = BoolGetDatum(r.rounded);
		nulls[21] = false;
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

// Columns of dexcost.invoice_line the loader fills, by name (their positions are looked up).
constexpr const char *kLineColumns[] = {"source", "line_key", "import_id", "provider", "account_id", "project_id",
                                        "item_name", "model_name", "usage_type", "service_tier", "region",
                                        "period_start", "period_end", "quantity", "quantity_unit", "tokens",
                                        "amount", "currency", "amount_usd", "charge_category", "raw"};
constexpr int kLineColumnCount = sizeof kLineColumns / sizeof kLineColumns[0];
constexpr int kBatch = 1000;

// The tuple of one invoice line in a slot (values palloc'd in the current, per-batch context).
void fill_line_slot(TupleTableSlot *slot, const AttrNumber *att, const InvoiceRow &r, Datum source, int64 import_id,
                    Datum provider_override) {
	ExecClearTuple(slot);
	Datum *v = slot->tts_values;
	bool *n = slot->tts_isnull;
	for (int k = 0; k < slot->tts_tupleDescriptor->natts; ++k)
		n[k] = true;
	auto text_at = [&](int col, dexcost::Text t) {
		int a = att[col] - 1;
		n[a] = t.len == 0;
		if (t.len)
			v[a] = PointerGetDatum(cstring_to_text_with_len(t.ptr, static_cast<int>(t.len)));
	};
	auto datum_at = [&](int col, Datum d) {
		v[att[col] - 1] = d;
		n[att[col] - 1] = false;
	};
	datum_at(0, source);
	text_at(1, r.line_key);
	datum_at(2, Int64GetDatum(import_id));
	if (provider_override != (Datum)0)
		datum_at(3, provider_override);
	else
		text_at(3, r.provider);
	text_at(4, r.account_id);
	text_at(5, r.project_id);
	text_at(6, r.item_name);
	text_at(7, r.model_name);
	text_at(8, r.usage_type);
	text_at(9, r.service_tier);
	text_at(10, r.region);
	datum_at(11, TimestampTzGetDatum(static_cast<TimestampTz>(r.period_start_us - kUnixToPostgresUs)));
	datum_at(12, TimestampTzGetDatum(static_cast<TimestampTz>(r.period_end_us - kUnixToPostgresUs)));
	// Tokens usually equal the quantity and the USD amount the amount: one numeric serves both.
	Datum quantity = r.has_quantity ? numeric_datum(r.quantity) : (Datum)0;
	if (r.has_quantity)
		datum_at(13, quantity);
	text_at(14, r.quantity_unit);
	if (r.has_tokens)
		datum_at(15, r.has_quantity && r.tokens == r.quantity ? quantity : numeric_datum(r.tokens));
	Datum amount = numeric_datum(r.amount);
	datum_at(16, amount);
	text_at(17, r.currency);
	if (r.has_amount_usd)
		datum_at(18, r.amount_usd == r.amount ? amount : numeric_datum(r.amount_usd));
	text_at(19, r.charge_category);
	text_at(20, r.raw);
	ExecStoreVirtualTuple(slot);
}

// The loader's state over one call: the table, its indexes and the batch being filled.
struct Loader {
	Relation rel;
	EState *estate;
	ResultRelInfo *rri;
	BulkInsertState bistate;
	CommandId cid;
	TupleTableSlot *slots[kBatch];
	int nslots;
	MemoryContext batch_context;
};
DEXCOST_PLAIN(Loader);

void loader_flush(Loader *l) {
	if (l->nslots == 0)
		return;
	table_multi_insert(l->rel, l->slots, l->nslots, l->cid, 0, l->bistate);
	for (int k = 0; k < l->nslots; ++k) {
		ResetPerTupleExprContext(l->estate);
		if (l->rri->ri_NumIndices > 0)
			ExecInsertIndexTuples(l->rri, l->slots[k], l->estate, false, false, nullptr, NIL);
		ExecClearTuple(l->slots[k]);
	}
	l->nslots = 0;
	MemoryContextReset(l->batch_context);
}

// Frees the cursor's JSON page when the call's memory context goes (after an error between chunks too; the
// last chunk freed it already on success).
void release_on_reset(dexcost::InvoiceCursor *cursor) {
	auto *cb = static_cast<MemoryContextCallback *>(palloc(sizeof(MemoryContextCallback)));
	cb->func = [](void *arg) { dexcost::invoice_cursor_release(static_cast<dexcost::InvoiceCursor *>(arg)); };
	cb->arg = cursor;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
}


// An export read chunk by chunk (phase 2 per chunk): the cursor, the row array (aligned for
// InvoiceRow's 128-bit integers) and the text arena, which grows when a row needs more.
struct ChunkReader {
	dexcost::InvoiceCursor *cursor;
	InvoiceRow *rows;
	char *arena;
	size_t arena_size;
	const char *format_name;
};
DEXCOST_PLAIN(ChunkReader);

// The format a format name argument names (phase 1: an unknown name raises).
dexcost::InvoiceFormat format_of(text *format_arg) {
	dexcost::InvoiceFormat format;
	std::string_view name(VARDATA_ANY(format_arg), VARSIZE_ANY_EXHDR(format_arg));
	if (!dexcost::invoice_format_from_name(name, &format))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("unknown invoice format \"%s\"", text_to_cstring(format_arg)),
		                errhint("Use openai_costs_csv, openai_costs_json, anthropic_cost_report, aws_cur2 or focus.")));
	return format;
}

ChunkReader start_chunks(dexcost::InvoiceFormat format, text *format_arg) {
	ChunkReader r;
	r.cursor = static_cast<dexcost::InvoiceCursor *>(palloc(sizeof(dexcost::InvoiceCursor)));
	dexcost::invoice_cursor_init(r.cursor, format);
	release_on_reset(r.cursor);
	// InvoiceRow holds 128-bit integers: align the array to 16 bytes (palloc gives MAXALIGN, 8).
	static_assert(alignof(InvoiceRow) <= 16, "InvoiceRow alignment");
	char *row_bytes = static_cast<char *>(palloc(sizeof(InvoiceRow) * kChunkRows + 16));
	r.rows = reinterpret_cast<InvoiceRow *>(TYPEALIGN(16, reinterpret_cast<uintptr_t>(row_bytes)));
	r.arena_size = kChunkArena;
	r.arena = static_cast<char *>(palloc(r.arena_size));
	r.format_name = text_to_cstring(format_arg);
	return r;
}

// Parses the next chunk into r->rows (*n rows): kMore, or kDone for the last one. An unreadable
// file raises; a row longer than the arena grows it and parses again.
InvoiceStatus next_chunk(ChunkReader *r, std::string_view input, size_t *n) {
	for (;;) {
		size_t needed = 0;
		*n = 0;
		InvoiceStatus st = dexcost::invoice_next(input, r->cursor, r->rows, kChunkRows, r->arena, r->arena_size, n, &needed);
		if (st == InvoiceStatus::kBadFile)
			ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			                errmsg("cannot read the %s file: %s", r->format_name, r->cursor->file_error),
			                errhint("Check the format name and that the whole export was passed (see docs/reconcile.md).")));
		if (st != InvoiceStatus::kNeedArena)
			return st;
		if (needed > MaxAllocSize)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("an invoice line is longer than 512 MB")));
		pfree(r->arena);
		r->arena_size = needed;
		r->arena = static_cast<char *>(palloc(r->arena_size));
	}
}

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// _load_invoice(import_id, source, provider, format, content): stores every line of a source's first
// import into invoice_line; returns the bad lines (kind error) and a summary row (kind summary).
Datum dexcost_load_invoice(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("_load_invoice needs an import, a source, a format and the content")));
	int64 import_id = PG_GETARG_INT64(0);
	Datum source = PointerGetDatum(PG_GETARG_TEXT_P_COPY(1));
	Datum provider = PG_ARGISNULL(2) ? (Datum)0 : PointerGetDatum(PG_GETARG_TEXT_P_COPY(2));
	text *format_arg = PG_GETARG_TEXT_PP(3);
	dexcost::InvoiceFormat format = format_of(format_arg);
	text *content = PG_GETARG_TEXT_PP(4);
	std::string_view input(VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content));
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

	// The table, checked as INSERT would: privilege, no row security, no trigger (the caller uses its
	// SQL path for those).
	Oid relid = get_relname_relid("invoice_line", get_namespace_oid(kSchema, false));
	if (!OidIsValid(relid))
		elog(ERROR, "table %s.invoice_line is missing", kSchema);
	AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_INSERT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, get_rel_name(relid));
	Loader *l = static_cast<Loader *>(palloc0(sizeof(Loader)));
	l->rel = table_open(relid, RowExclusiveLock);
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED || l->rel->trigdesc != nullptr)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("the bulk loader does not apply to invoice_line with row security or triggers"),
		                errhint("dexcost.import_invoice() uses its SQL path then.")));
	AttrNumber att[kLineColumnCount];
	for (int k = 0; k < kLineColumnCount; ++k) {
		att[k] = attnameAttNum(l->rel, kLineColumns[k], false);
		if (att[k] <= 0)
			elog(ERROR, "column invoice_line.%s is missing", kLineColumns[k]);
	}
	// An executor state like COPY FROM's: range table, result relation, its indexes.
	l->estate = CreateExecutorState();
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = l->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	ExecInitRangeTable(l->estate, list_make1(rte));
	l->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(l->rri, l->rel, 1, nullptr, 0);
	ExecOpenIndices(l->rri, false);
	l->bistate = GetBulkInsertState();
	l->cid = GetCurrentCommandId(true);
	TupleDesc desc = RelationGetDescr(l->rel);
	for (int k = 0; k < kBatch; ++k)
		l->slots[k] = MakeSingleTupleTableSlot(desc, table_slot_callbacks(l->rel));
	l->batch_context = AllocSetContextCreate(CurrentMemoryContext, "dexcost invoice batch", ALLOCSET_DEFAULT_SIZES);
	bool has_check = desc->constr != nullptr && (desc->constr->has_not_null || desc->constr->num_check > 0);

	ChunkReader reader = start_chunks(format, format_arg);
	const InvoiceRow *rows = reader.rows;
	int64 ordinal = 0, loaded = 0;
	int32 rounded = 0;
	int64 from_us = 0, to_us = 0;
	bool any_period = false;
	MemoryContext per_chunk = AllocSetContextCreate(CurrentMemoryContext, "dexcost invoice chunk", ALLOCSET_DEFAULT_SIZES);
	for (;;) {
		size_t n = 0;
		InvoiceStatus st = next_chunk(&reader, input, &n);
		// The batch's tuples must outlive the chunk's arena: flush before the next invoice_next().
		for (size_t k = 0; k < n; ++k) {
			const InvoiceRow &r = rows[k];
			++ordinal;
			if (r.kind == InvoiceRowKind::kError) {
				MemoryContext old = MemoryContextSwitchTo(per_chunk);
				put_row(rsinfo, r, ordinal);
				MemoryContextSwitchTo(old);
				continue;
			}
			if (!any_period || r.period_start_us < from_us)
				from_us = r.period_start_us;
			if (!any_period || r.period_end_us > to_us)
				to_us = r.period_end_us;
			any_period = true;
			if (r.kind != InvoiceRowKind::kLine)
				continue;
			rounded += r.rounded ? 1 : 0;
			MemoryContext old = MemoryContextSwitchTo(l->batch_context);
			TupleTableSlot *slot = l->slots[l->nslots];
			fill_line_slot(slot, att, r, source, import_id, provider);
			MemoryContextSwitchTo(old);
			if (has_check)
				ExecConstraints(l->rri, slot, l->estate);
			++loaded;
			if (++l->nslots == kBatch)
				loader_flush(l);
		}
		loader_flush(l);
		MemoryContextReset(per_chunk);
		CHECK_FOR_INTERRUPTS();
		if (st == InvoiceStatus::kDone)
			break;
	}
	FreeBulkInsertState(l->bistate);
	for (int k = 0; k < kBatch; ++k)
		ExecDropSingleTupleTableSlot(l->slots[k]);
	ExecCloseIndices(l->rri);
	FreeExecutorState(l->estate);
	table_close(l->rel, NoLock);

	// The summary: rows read, lines stored, amounts rounded, the covered period.
	Datum values[kColumns];
	bool nulls[kColumns];
	for (int k = 0; k < kColumns; ++k)
		nulls[k] = true;
	values[0] = CStringGetTextDatum("summary");
	nulls[0] = false;
	values[1] = Int32GetDatum(static_cast<int32>(ordinal));  // line_no: rows read
	nulls[1] = false;
	values[23] = Int64GetDatum(loaded);                       // ordinal: lines stored
	nulls[23] = false;
	values[14] = DirectFunctionCall1(int4_numeric, Int32GetDatum(rounded));  // quantity: amounts rounded
	nulls[14] = false;
	if (any_period) {
		put_time(values, nulls, 12, from_us);
		put_time(values, nulls, 13, to_us);
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum)0;
}

// _parse_invoice(format text, content text): every row of the export (kind line, empty or error), in order,
// numbered from 1 (ordinal).
Datum dexcost_parse_invoice(PG_FUNCTION_ARGS) {
	text *format_arg = PG_GETARG_TEXT_PP(0);
	dexcost::InvoiceFormat format = format_of(format_arg);
	text *content = PG_GETARG_TEXT_PP(1);
	std::string_view input(VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content));
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

	ChunkReader reader = start_chunks(format, format_arg);
	const InvoiceRow *rows = reader.rows;
	int64 ordinal = 0;
	MemoryContext per_chunk = AllocSetContextCreate(CurrentMemoryContext, "dexcost invoice chunk", ALLOCSET_DEFAULT_SIZES);
	for (;;) {
		size_t n = 0;
		InvoiceStatus st = next_chunk(&reader, input, &n);
		MemoryContext old = MemoryContextSwitchTo(per_chunk);
		for (size_t k = 0; k < n; ++k)
			put_row(rsinfo, rows[k], ++ordinal);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_chunk);
		CHECK_FOR_INTERRUPTS();
		if (st == InvoiceStatus::kDone)
			break;
	}
	return (Datum)0;
}
