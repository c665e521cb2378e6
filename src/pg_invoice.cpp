// SQL surface of the invoice parsers (src/core/invoice.*): dexcost._parse_invoice(format, content), the
// set-returning function dexcost.import_invoice() reads a provider export through.
//
//   phase 1  check the format name, detoast the content;
//   phase 2  parse the next chunk of rows in C++ (invoice_next, noexcept) into a palloc'd plain row array
//            and arena: every row text points into the content or that arena, nothing C++ stays alive;
//   phase 3  turn the chunk into tuples, then parse the next chunk. A 1M-line file streams through a
//            fixed amount of memory besides the tuplestore.
#include "core/invoice.hpp"

#include "pg_bridge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(dexcost_parse_invoice);
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

} // namespace

} // namespace dexcost_pg

using namespace dexcost_pg;

// _parse_invoice(format text, content text): every row of the export (kind line, empty or error), in order,
// numbered from 1 (ordinal).
Datum dexcost_parse_invoice(PG_FUNCTION_ARGS) {
	text *format_arg = PG_GETARG_TEXT_PP(0);
	dexcost::InvoiceFormat format;
	std::string_view name(VARDATA_ANY(format_arg), VARSIZE_ANY_EXHDR(format_arg));
	if (!dexcost::invoice_format_from_name(name, &format))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("unknown invoice format \"%s\"", text_to_cstring(format_arg)),
		                errhint("Use openai_costs_csv, openai_costs_json, anthropic_cost_report, aws_cur2 or focus.")));
	text *content = PG_GETARG_TEXT_PP(1);
	std::string_view input(VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content));
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

	auto *cursor = static_cast<dexcost::InvoiceCursor *>(palloc(sizeof(dexcost::InvoiceCursor)));
	dexcost::invoice_cursor_init(cursor, format);
	// InvoiceRow holds 128-bit integers: align the array to 16 bytes (palloc gives MAXALIGN, 8).
	static_assert(alignof(InvoiceRow) <= 16, "InvoiceRow alignment");
	char *row_bytes = static_cast<char *>(palloc(sizeof(InvoiceRow) * kChunkRows + 16));
	auto *rows = reinterpret_cast<InvoiceRow *>(TYPEALIGN(16, reinterpret_cast<uintptr_t>(row_bytes)));
	size_t arena_size = kChunkArena;
	char *arena = static_cast<char *>(palloc(arena_size));
	int64 ordinal = 0;
	MemoryContext per_chunk = AllocSetContextCreate(CurrentMemoryContext, "dexcost invoice chunk", ALLOCSET_DEFAULT_SIZES);
	for (;;) {
		size_t n = 0, needed = 0;
		InvoiceStatus st = dexcost::invoice_next(input, cursor, rows, kChunkRows, arena, arena_size, &n, &needed);
		if (st == InvoiceStatus::kBadFile)
			ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			                errmsg("cannot read the %s file: %s", text_to_cstring(format_arg), cursor->file_error),
			                errhint("Check the format name and that the whole export was passed (see docs/reconcile.md).")));
		if (st == InvoiceStatus::kNeedArena) {
			if (needed > MaxAllocSize)
				ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("an invoice line is longer than 512 MB")));
			pfree(arena);
			arena_size = needed;
			arena = static_cast<char *>(palloc(arena_size));
			continue;
		}
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
