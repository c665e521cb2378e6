// Parsers of provider invoice and cost exports into normalised invoice lines, for dexcost.import_invoice().
//
// Formats (see docs/reconcile.md for the columns read from each):
//   openai_costs_csv        OpenAI dashboard cost export (the 17-column header; start_time in unix seconds)
//   openai_costs_json       OpenAI Costs API page ({"data": [bucket, ...]}, amounts in dollars)
//   anthropic_cost_report   Anthropic cost_report page (amounts are decimal strings in cents)
//   aws_cur2                AWS CUR 2.0 / Data Exports CSV; only AmazonBedrock lines are read
//   focus                   FOCUS 1.x CSV (BilledCost, ChargeCategory, ...)
//
// Money is exact: amounts are parsed as decimals (exponents allowed for JSON numbers) and rounded half to
// even to Decimal's 18 places; row.rounded says when that dropped a non-zero digit (OpenAI writes 30
// decimals, e.g. 0.003835980000000000000000000000, whose extra places are zeros and lose nothing).
//
// Memory: everything here is plain data. The caller hands an arena (a char buffer) and a row array; row
// texts point into the input text or that arena. invoice_next() fills up to max_rows rows per call and
// resumes from the cursor, so a binding can stream a 1M-line file in chunks (src/pg_invoice.cpp). Between
// calls a CSV cursor is plain data; a JSON cursor also holds its parsed page (one heap block, freed by the
// last call or invoice_cursor_release()). Every function is noexcept.
#pragma once

#include "core/cpp_only.hpp"
#include "core/decimal.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dexcost {

enum class InvoiceFormat : uint8_t { kOpenAICostsCsv, kOpenAICostsJson, kAnthropicCostReport, kAwsCur2, kFocus };

// The format of a name ("openai_costs_csv", ...); false for an unknown name.
bool invoice_format_from_name(std::string_view name, InvoiceFormat *out) noexcept;

// kLine: a cost line. kEmptyBucket: a time bucket with no cost (it still says the period was exported).
// kError: a line that could not be read (error says why; raw and line_no say which).
enum class InvoiceRowKind : uint8_t { kLine, kEmptyBucket, kError };

// A text: a view into the input or the caller's arena (never owned).
struct Text {
	const char *ptr = nullptr;
	uint32_t len = 0;
	std::string_view view() const { return std::string_view(ptr ? ptr : "", len); }
	bool empty() const { return len == 0; }
};

// One normalised row. Timestamps are microseconds since 1970-01-01 UTC.
struct InvoiceRow {
	InvoiceRowKind kind;
	uint32_t line_no;       // 1-based line of the input where the row starts (CSV header: line 1)
	Text error;             // kError: the reason, lower case
	Text line_key;          // identity of the line within its source (upsert key)
	Text provider;          // openai, anthropic, aws, or FOCUS ProviderName lower-cased
	Text account_id;        // organisation, payer or billing account
	Text project_id;        // project, workspace or usage account
	Text item_name;         // the provider's own name of what was billed (line_item, usage type, SKU meter)
	Text model_name;        // the model part of item_name, as the provider spells it
	Text usage_type;        // input, cache_read, cache_write, cache_write_1h, output, reasoning, or the provider's word
	Text service_tier;      // as the provider says it (empty when not given)
	Text region;            // region or inference geography (empty when not given)
	int64_t period_start_us;
	int64_t period_end_us;
	bool has_quantity;
	bool has_tokens;
	bool has_amount_usd;
	bool rounded;           // the amount had non-zero digits beyond 18 places (rounded half to even)
	Decimal quantity;       // as exported, in quantity_unit
	Text quantity_unit;
	Decimal tokens;         // quantity in tokens when the unit is tokens, 1K or 1M tokens
	Decimal amount;         // in currency (major units: dollars, never cents)
	Text currency;          // upper case ISO code
	Decimal amount_usd;     // amount when the currency is USD
	Text charge_category;   // usage, credit, tax, refund, adjustment, purchase
	Text raw;               // the line as read (CSV record, or the JSON result object)
};

// Where a file-level failure happened; kNeedArena: one row needs more arena than was given.
enum class InvoiceStatus : uint8_t { kOk, kDone, kBadFile, kNeedArena };

constexpr int kInvoiceMaxColumns = 512;

// The parsed JSON page a cursor keeps between calls (opaque; see invoice_cursor_release).
struct InvoiceJsonPage;

// Resume point of invoice_next(); initialise with invoice_cursor_init() before the first call.
// Plain data, except that a JSON cursor owns its parsed page from the first call until invoice_next() returns
// kDone or kBadFile: a caller that stops earlier (an error between two calls) calls invoice_cursor_release().
// Parsing the page once is what keeps a JSON import linear: the tape of a 1M-line page is read in one pass,
// then each call walks on from the node where the previous one stopped.
struct InvoiceCursor {
	InvoiceFormat format;
	bool started;        // header read (CSV) / document checked (JSON)
	size_t offset;       // CSV: byte offset of the next record; JSON: offset the line number is counted to
	uint32_t line_no;    // line number at offset
	uint32_t bucket;     // JSON: tape node of the next bucket
	uint32_t result;     // JSON: tape node of the next result within that bucket (0: its first)
	int16_t col[48];     // CSV: header position of each column the format reads (-1 when absent)
	int16_t ncols;       // CSV: number of header columns
	InvoiceJsonPage *json; // JSON: the page parsed by the first call (nullptr before it and once released)
	char file_error[256];
};

void invoice_cursor_init(InvoiceCursor *cursor, InvoiceFormat format) noexcept;

// Frees what the cursor holds (a JSON page); the cursor then reads no further rows (kDone). Idempotent.
// A binding registers it to run when its memory context goes away, so an error between calls frees it too.
void invoice_cursor_release(InvoiceCursor *cursor) noexcept;

// Reads the next rows into `rows` (aligned for InvoiceRow: 16 bytes, it holds 128-bit integers; palloc's
// 8-byte alignment is not enough). Fills up to max_rows rows (texts in arena, which is reused from its start on every
// call), sets *n_rows. kOk: more may follow; kDone: the input is finished (rows may have been filled too);
// kBadFile: the file cannot be read at all (cursor->file_error says why; no row is valid);
// kNeedArena: not even one row fitted: call again with a larger arena (*arena_needed bytes).
InvoiceStatus invoice_next(std::string_view text, InvoiceCursor *cursor, InvoiceRow *rows, size_t max_rows, char *arena,
                           size_t arena_size, size_t *n_rows, size_t *arena_needed) noexcept;

// Parses a decimal amount (sign, digits, optional point, optional exponent) divided by 10^shift, rounded
// half to even to 18 places. *rounded says when non-zero digits were dropped.
DecimalError parse_amount(std::string_view text, int shift, Decimal *out, bool *rounded) noexcept;

// Parses an ISO 8601 / RFC 3339 timestamp (date only, or date and time with optional fraction and offset;
// no offset means UTC) or unix seconds, into microseconds since 1970-01-01 UTC.
bool parse_timestamp(std::string_view text, int64_t *us) noexcept;

// Test and tool convenience: every row of a whole input with owned texts.
struct OwnedInvoiceRow {
	InvoiceRowKind kind;
	uint32_t line_no;
	std::string error, line_key, provider, account_id, project_id, item_name, model_name, usage_type, service_tier,
	    region, quantity_unit, currency, charge_category, raw;
	int64_t period_start_us, period_end_us;
	bool has_quantity, has_tokens, has_amount_usd, rounded;
	Decimal quantity, tokens, amount, amount_usd;
};
// A row with its texts copied out of the input and the arena (may throw std::bad_alloc).
OwnedInvoiceRow own_invoice_row(const InvoiceRow &row);
// Parses all of text; false on a file-level error (*file_error says why).
bool parse_invoice_all(InvoiceFormat format, std::string_view text, std::vector<OwnedInvoiceRow> *rows,
                       std::string *file_error);

} // namespace dexcost
