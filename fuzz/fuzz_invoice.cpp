// libFuzzer harness: the provider invoice parsers (src/core/invoice.*) as dexcost.import_invoice() runs them.
// The same bytes go to every format (OpenAI cost CSV and Costs JSON, Anthropic cost report, AWS CUR 2.0, FOCUS)
// through parse_invoice_all (64 rows, 64 kB arena per call), and to one of them (JSON or CSV by the first byte)
// streamed one to three rows per call from a 1-byte arena grown only to what kNeedArena asks for, as a binding
// resuming at its cursor would.
// Besides "no crash, no sanitizer report", checked:
//   - both runs give the same file error or the same rows (kind, line, every text and number);
//   - a file error has a reason, an error row has a reason, a cost line has a line key and a charge category
//     (and a provider, but in FOCUS, whose ProviderName is optional);
//   - every row text lies inside the input, the arena of its call or is a constant word; line numbers stay within the input;
//   - kNeedArena asks for more than the arena given, and a call that returns kOk made progress;
//   - an amount in USD is the amount; parse_amount / parse_timestamp on the first line agree with themselves.
#include "core/invoice.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace dexcost;

namespace {

const InvoiceFormat kFormats[] = {InvoiceFormat::kOpenAICostsCsv, InvoiceFormat::kOpenAICostsJson,
                                  InvoiceFormat::kAnthropicCostReport, InvoiceFormat::kAwsCur2, InvoiceFormat::kFocus};

// Aborts (a libFuzzer crash) naming the failed check.
#define check(ok) check_at((ok), __LINE__)
void check_at(bool ok, int line) {
	if (!ok) {
		fprintf(stderr, "fuzz_invoice: check failed at line %d\n", line);
		abort();
	}
}

// The parsers' own constant words (provider, usage type, tier, charge category).
bool constant_word(std::string_view w) {
	static const char *const kWords[] = {"openai", "anthropic", "aws", "azure", "google", "input", "cache_read",
	                                     "cache_write", "cache_write_1h", "output", "reasoning", "batch", "flex",
	                                     "priority", "usage", "purchase", "tax", "credit", "adjustment", "refund"};
	for (const char *k : kWords)
		if (w == k)
			return true;
	return false;
}

// A row text points into the input, into the arena of the call that produced it, or at a constant word.
void check_text(Text t, std::string_view input, const char *arena, size_t arena_size) {
	if (t.len == 0)
		return;
	check(t.ptr != nullptr);
	const char *b = t.ptr, *e = t.ptr + t.len;
	bool in_input = b >= input.data() && e <= input.data() + input.size();
	bool in_arena = b >= arena && e <= arena + arena_size;
	check(in_input || in_arena || constant_word(t.view()));
}

bool same(const OwnedInvoiceRow &a, const OwnedInvoiceRow &b) {
	return a.kind == b.kind && a.line_no == b.line_no && a.error == b.error && a.line_key == b.line_key &&
	       a.provider == b.provider && a.account_id == b.account_id && a.project_id == b.project_id &&
	       a.item_name == b.item_name && a.model_name == b.model_name && a.usage_type == b.usage_type &&
	       a.service_tier == b.service_tier && a.region == b.region && a.quantity_unit == b.quantity_unit &&
	       a.currency == b.currency && a.charge_category == b.charge_category && a.raw == b.raw &&
	       a.period_start_us == b.period_start_us && a.period_end_us == b.period_end_us &&
	       a.has_quantity == b.has_quantity && a.has_tokens == b.has_tokens && a.has_amount_usd == b.has_amount_usd &&
	       a.rounded == b.rounded && a.quantity == b.quantity && a.tokens == b.tokens && a.amount == b.amount &&
	       a.amount_usd == b.amount_usd;
}

// Streams text through invoice_next, max_rows rows per call, from a 1-byte arena grown on kNeedArena.
bool stream(InvoiceFormat format, std::string_view text, size_t max_rows, std::vector<OwnedInvoiceRow> *out,
            std::string *file_error) {
	InvoiceCursor cursor;
	invoice_cursor_init(&cursor, format);
	alignas(16) static InvoiceRow rows[3];
	std::vector<char> arena(1);
	uint32_t max_line = 1;
	for (char ch : text)
		max_line += ch == '\n';
	for (;;) {
		InvoiceCursor before = cursor;
		size_t n = 0, needed = 0;
		InvoiceStatus st = invoice_next(text, &cursor, rows, max_rows, arena.data(), arena.size(), &n, &needed);
		check(n <= max_rows);
		if (st == InvoiceStatus::kBadFile) {
			check(cursor.file_error[0] != '\0');
			*file_error = cursor.file_error;
			return false;
		}
		if (st == InvoiceStatus::kNeedArena) {
			// Only when one row does not fit in an empty arena of this size: asks for more.
			check(n == 0 && needed > arena.size());
			arena.assign(needed, '\0');
			continue;
		}
		for (size_t k = 0; k < n; ++k) {
			const InvoiceRow &r = rows[k];
			for (Text t : {r.error, r.line_key, r.provider, r.account_id, r.project_id, r.item_name, r.model_name,
			               r.usage_type, r.service_tier, r.region, r.quantity_unit, r.currency, r.charge_category, r.raw})
				check_text(t, text, arena.data(), arena.size());
			check(r.line_no >= 1 && r.line_no <= max_line);
			check(r.kind != InvoiceRowKind::kError || !r.error.empty());
			if (r.kind == InvoiceRowKind::kLine) {
				// FOCUS's ProviderName is optional (import_invoice's provider argument names it then).
				check(!r.line_key.empty() && !r.charge_category.empty());
				check(!r.provider.empty() || format == InvoiceFormat::kFocus);
				check(!r.has_amount_usd || (r.amount_usd == r.amount && r.currency.view() == "USD"));
				check(!r.has_tokens || r.has_quantity);
			}
			out->push_back(own_invoice_row(r));
		}
		if (st == InvoiceStatus::kDone)
			return true;
		// kOk: the call moved on (rows, or records it skipped or read into an arena then too full for the next).
		check(n > 0 || before.started != cursor.started || before.offset != cursor.offset ||
		      before.bucket != cursor.bucket || before.result != cursor.result);
	}
}

// The first line's text through the number and time parsers: deterministic, and rounding flags consistent.
void scalars(std::string_view text) {
	std::string_view line = text.substr(0, text.find('\n'));
	for (int shift : {0, 2}) {
		Decimal a, b;
		bool ra = false, rb = false;
		DecimalError ea = parse_amount(line, shift, &a, &ra), eb = parse_amount(line, shift, &b, &rb);
		check(ea == eb && ra == rb && (ea != DecimalError::kNone || a == b));
		if (ea == DecimalError::kNone && !ra && shift == 0) {
			// An amount that lost nothing reads back from its own text.
			Decimal c;
			bool rc = true;
			check(parse_amount(a.to_string(), 0, &c, &rc) == DecimalError::kNone && c == a && !rc);
		}
	}
	int64_t us1 = 0, us2 = 0;
	check(parse_timestamp(line, &us1) == parse_timestamp(line, &us2) && us1 == us2);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view text(reinterpret_cast<const char *>(data), size);
	// The streamed run (the costly one: a JSON page is parsed again on every call) for one format per input,
	// a JSON one for text that starts like JSON, else a CSV one; the whole-file parse for all five.
	size_t first = text.find_first_not_of(" \t\r\n");
	bool json_like = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
	InvoiceFormat streamed_format = json_like ? kFormats[1 + size % 2] : kFormats[size % 3 == 0 ? 0 : 2 + size % 3];
	size_t max_rows = 1 + (size / 3) % 3;
	for (InvoiceFormat format : kFormats) {
		std::vector<OwnedInvoiceRow> whole, streamed;
		std::string whole_error, streamed_error;
		bool ok_whole = parse_invoice_all(format, text, &whole, &whole_error);
		check(ok_whole || !whole_error.empty());
		for (const OwnedInvoiceRow &r : whole) {
			check(r.kind != InvoiceRowKind::kError || !r.error.empty());
			check(r.kind != InvoiceRowKind::kLine || (!r.line_key.empty() && !r.charge_category.empty()));
		}
		if (format != streamed_format)
			continue;
		bool ok_streamed = stream(format, text, max_rows, &streamed, &streamed_error);
		check(ok_whole == ok_streamed);
		if (!ok_whole) {
			check(whole_error == streamed_error);
			continue;
		}
		check(whole.size() == streamed.size());
		for (size_t k = 0; k < whole.size(); ++k)
			check(same(whole[k], streamed[k]));
	}
	scalars(text);
	return 0;
}
