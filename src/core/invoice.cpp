// Provider invoice parsers (see invoice.hpp): CSV with RFC 4180 quoting, the JSON tape for API pages,
// exact amounts, and each provider's mapping onto normalised lines.
#include "core/invoice.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace dexcost {

namespace {

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
	if (needle.size() > hay.size())
		return false;
	for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
		if (iequals(hay.substr(i, needle.size()), needle))
			return true;
	return false;
}

bool iends_with(std::string_view s, std::string_view suffix) {
	return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view trim(std::string_view s) {
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

Text lit(const char *s) { return Text{s, static_cast<uint32_t>(std::strlen(s))}; }
Text view_text(std::string_view s) { return Text{s.data(), static_cast<uint32_t>(s.size())}; }

// A bump allocator over the caller's buffer; a write that does not fit sets `full` and yields an empty text.
struct Arena {
	char *buf;
	size_t size;
	size_t used;
	bool full;

	Text put(std::string_view s) {
		if (s.size() > size - used) {
			full = true;
			return Text{};
		}
		char *p = buf + used;
		if (!s.empty())
			std::memcpy(p, s.data(), s.size());
		used += s.size();
		return Text{p, static_cast<uint32_t>(s.size())};
	}
	Text lower_copy(std::string_view s) {
		Text t = put(s);
		for (uint32_t i = 0; i < t.len; ++i)
			const_cast<char *>(t.ptr)[i] = lower(t.ptr[i]);
		return t;
	}
	Text upper_copy(std::string_view s) {
		Text t = put(s);
		for (uint32_t i = 0; i < t.len; ++i) {
			char c = t.ptr[i];
			const_cast<char *>(t.ptr)[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
		}
		return t;
	}
	// The parts joined by '|' (the identity key of a line).
	Text join(std::initializer_list<std::string_view> parts) {
		size_t start = used;
		bool first = true;
		for (std::string_view p : parts) {
			if (!first)
				put("|");
			first = false;
			put(p);
		}
		return full ? Text{} : Text{buf + start, static_cast<uint32_t>(used - start)};
	}
};

// ---------------------------------------------------------------------------------------------
// Numbers and timestamps
// ---------------------------------------------------------------------------------------------

int128 pow10_128(int n) {
	int128 p = 1;
	for (int i = 0; i < n; ++i)
		p *= 10;
	return p;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits_at(std::string_view s, size_t at, size_t n, int *out) {
	if (at + n > s.size())
		return false;
	int v = 0;
	for (size_t i = at; i < at + n; ++i) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

// Decimal times an integer factor, false on overflow.
bool scale_decimal(Decimal d, int64_t factor, Decimal *out) {
	int128 u;
	if (__builtin_mul_overflow(d.units(), static_cast<int128>(factor), &u))
		return false;
	*out = Decimal::from_units(u);
	return true;
}

// The catalogue usage type of a provider's token-direction word, or nullptr when it is not one.
const char *normalised_usage(std::string_view w) {
	w = trim(w);
	static const struct {
		const char *word;
		const char *usage;
	} kWords[] = {
	    {"input", "input"},
	    {"input_tokens", "input"},
	    {"input tokens", "input"},
	    {"input-tokens", "input"},
	    {"uncached_input_tokens", "input"},
	    {"input_uncached_tokens", "input"},
	    {"input-token-count", "input"},
	    {"cached input", "cache_read"},
	    {"cached_input", "cache_read"},
	    {"cached_input_tokens", "cache_read"},
	    {"input_cached_tokens", "cache_read"},
	    {"cached input tokens", "cache_read"},
	    {"cache_read_input_tokens", "cache_read"},
	    {"cache-read-input-token-count", "cache_read"},
	    {"cache_creation_input_tokens", "cache_write"},
	    {"cache_creation.ephemeral_5m_input_tokens", "cache_write"},
	    {"cache-write-input-token-count", "cache_write"},
	    {"cache_write_input_tokens", "cache_write"},
	    {"cache_creation.ephemeral_1h_input_tokens", "cache_write_1h"},
	    {"output", "output"},
	    {"output_tokens", "output"},
	    {"output tokens", "output"},
	    {"output-tokens", "output"},
	    {"output-token-count", "output"},
	    {"reasoning_tokens", "reasoning"},
	};
	for (const auto &k : kWords)
		if (iequals(w, k.word))
			return k.usage;
	return nullptr;
}

bool is_token_usage(std::string_view u) {
	return u == "input" || u == "cache_read" || u == "cache_write" || u == "cache_write_1h" || u == "output" ||
	       u == "reasoning";
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

constexpr size_t kRowSlack = 1024; // arena a row may use beyond twice its raw length (key separators, error text)

struct Record {
	size_t start, end;  // bytes of the record, without its line terminator
	size_t next;        // offset of the next record
	uint32_t lines;     // line terminators consumed (record and its terminator)
	bool unterminated;  // a quoted field never closed
	bool too_many;      // more than kInvoiceMaxColumns fields
	int nfields;
	Text fields[kInvoiceMaxColumns];
};

// Splits the record at offset into fields; quoted fields with doubled quotes are unescaped into the arena.
void scan_record(std::string_view text, size_t offset, Arena *arena, Record *r) {
	r->start = offset;
	r->lines = 0;
	r->unterminated = false;
	r->too_many = false;
	r->nfields = 0;
	size_t i = offset, n = text.size();
	for (;;) {
		size_t fstart = i;
		Text field;
		if (i < n && text[i] == '"') {
			// Quoted field: ends at a quote not followed by another.
			size_t j = i + 1;
			bool doubled = false;
			for (;;) {
				if (j >= n) {
					r->unterminated = true;
					break;
				}
				if (text[j] == '"') {
					if (j + 1 < n && text[j + 1] == '"') {
						doubled = true;
						j += 2;
						continue;
					}
					break;
				}
				if (text[j] == '\n')
					++r->lines;
				++j;
			}
			if (r->unterminated) {
				r->end = n;
				r->next = n;
				return;
			}
			std::string_view inner = text.substr(i + 1, j - i - 1);
			if (doubled) {
				size_t s = arena->used;
				for (size_t k = 0; k < inner.size(); ++k) {
					arena->put(inner.substr(k, 1));
					if (inner[k] == '"')
						++k;
				}
				field = arena->full ? Text{} : Text{arena->buf + s, static_cast<uint32_t>(arena->used - s)};
			} else {
				field = view_text(inner);
			}
			i = j + 1;
			// Anything between the closing quote and the separator is kept out (lenient, like most readers).
			while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
				++i;
		} else {
			while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
				++i;
			field = view_text(text.substr(fstart, i - fstart));
		}
		if (r->nfields < kInvoiceMaxColumns)
			r->fields[r->nfields++] = field;
		else
			r->too_many = true;
		if (i < n && text[i] == ',') {
			++i;
			continue;
		}
		r->end = i;
		if (i < n && text[i] == '\r')
			++i;
		if (i < n && text[i] == '\n') {
			++i;
			++r->lines;
		}
		r->next = i;
		return;
	}
}

// Length of the raw record starting at offset (for the arena budget), without parsing it.
size_t record_length(std::string_view text, size_t offset) {
	bool quoted = false;
	size_t i = offset;
	for (; i < text.size(); ++i) {
		char c = text[i];
		if (c == '"')
			quoted = !quoted;
		else if (c == '\n' && !quoted)
			break;
	}
	return i - offset;
}

struct ColumnSpec {
	const char *name;
	bool required;
};

const ColumnSpec kOpenAICols[] = {
    {"start_time", true},       {"end_time", true},      {"start_time_iso", false},    {"end_time_iso", false},
    {"amount_value", true},     {"amount_currency", true}, {"quantity", false},        {"quantity_unit", false},
    {"line_item", true},        {"user_id", false},      {"api_key_id", false},        {"project_id", false},
    {"organization_id", false}, {"project_name", false}, {"organization_name", false}, {"user_email", false},
    {"api_source", false},
};
enum { kOaStart, kOaEnd, kOaStartIso, kOaEndIso, kOaAmount, kOaCurrency, kOaQuantity, kOaUnit, kOaLineItem, kOaUser,
       kOaApiKey, kOaProject, kOaOrg };

const ColumnSpec kAwsCols[] = {
    {"identity_line_item_id", false},     {"line_item_line_item_type", true},  {"line_item_usage_start_date", true},
    {"line_item_usage_end_date", true},   {"line_item_product_code", true},    {"line_item_usage_type", true},
    {"line_item_operation", false},       {"line_item_resource_id", false},    {"line_item_usage_amount", false},
    {"line_item_unblended_cost", true},   {"line_item_currency_code", true},   {"line_item_usage_account_id", false},
    {"bill_payer_account_id", false},     {"line_item_line_item_description", false}, {"pricing_unit", false},
    {"product_region_code", false},
};
enum { kAwsId, kAwsType, kAwsStart, kAwsEnd, kAwsProduct, kAwsUsageType, kAwsOperation, kAwsResource, kAwsAmount,
       kAwsCost, kAwsCurrency, kAwsAccount, kAwsPayer, kAwsDescription, kAwsPricingUnit, kAwsRegion };

const ColumnSpec kFocusCols[] = {
    {"BilledCost", true},         {"BillingCurrency", true},   {"ChargePeriodStart", true}, {"ChargePeriodEnd", true},
    {"ChargeCategory", true},     {"ChargeClass", false},      {"ChargeDescription", false}, {"ConsumedQuantity", false},
    {"ConsumedUnit", false},      {"ProviderName", false},     {"ServiceName", false},       {"SkuId", false},
    {"SkuPriceId", false},        {"SkuMeter", false},         {"SubAccountId", false},      {"ResourceId", false},
    {"RegionId", false},          {"BillingAccountId", false}, {"InvoiceId", false},
};
enum { kFoCost, kFoCurrency, kFoStart, kFoEnd, kFoCategory, kFoClass, kFoDescription, kFoQuantity, kFoUnit,
       kFoProvider, kFoService, kFoSku, kFoSkuPrice, kFoMeter, kFoSubAccount, kFoResource, kFoRegion, kFoAccount,
       kFoInvoice };

template <size_t N> constexpr size_t count_of(const ColumnSpec (&)[N]) { return N; }

void set_file_error(InvoiceCursor *c, const char *a, std::string_view b = {}, const char *d = "") {
	std::string msg = std::string(a) + std::string(b) + d;
	size_t n = msg.size() < sizeof c->file_error - 1 ? msg.size() : sizeof c->file_error - 1;
	std::memcpy(c->file_error, msg.data(), n);
	c->file_error[n] = '\0';
}

// Row builder shared by the formats.
struct RowBuilder {
	Arena *arena;
	InvoiceRow *row;

	void begin(InvoiceRowKind kind, uint32_t line_no, Text raw) {
		*row = InvoiceRow{};
		row->kind = kind;
		row->line_no = line_no;
		row->raw = raw;
	}
	void fail(const char *what, std::string_view value = {}, const char *why = "") {
		row->kind = InvoiceRowKind::kError;
		std::string_view v = value.size() > 80 ? value.substr(0, 80) : value;
		size_t s = arena->used;
		arena->put(what);
		if (!value.empty() || *why) {
			arena->put(" \"");
			arena->put(v);
			arena->put("\"");
		}
		arena->put(why);
		row->error = Text{arena->buf + s, static_cast<uint32_t>(arena->used - s)};
	}
	bool amount(std::string_view text, int shift, const char *name) {
		DecimalError e = parse_amount(trim(text), shift, &row->amount, &row->rounded);
		if (e != DecimalError::kNone) {
			fail(name, text, e == DecimalError::kEmpty ? ": missing" : ": not a decimal amount");
			return false;
		}
		return true;
	}
	bool time(std::string_view text, int64_t *us, const char *name) {
		if (!parse_timestamp(trim(text), us)) {
			fail(name, text, ": not a timestamp (ISO 8601 or unix seconds)");
			return false;
		}
		return true;
	}
	bool quantity(std::string_view text, std::string_view unit) {
		text = trim(text);
		if (text.empty())
			return true;
		bool r = false;
		if (parse_amount(text, 0, &row->quantity, &r) != DecimalError::kNone) {
			fail("quantity", text, ": not a decimal");
			return false;
		}
		row->has_quantity = true;
		row->quantity_unit = arena->put(trim(unit));
		return true;
	}
	// Currency upper-cased; amount_usd set for USD.
	void currency(std::string_view c) {
		row->currency = arena->upper_copy(trim(c));
		if (iequals(trim(c), "usd")) {
			row->has_amount_usd = true;
			row->amount_usd = row->amount;
		}
	}
	// Derives tokens from quantity and unit (tokens, 1K tokens, 1M tokens; no unit on a token usage type).
	bool tokens() {
		if (!row->has_quantity)
			return true;
		std::string_view unit = row->quantity_unit.view();
		int64_t factor = 0;
		if (icontains(unit, "token")) {
			factor = 1;
			if (icontains(unit, "1k") || icontains(unit, "1,000") || icontains(unit, "1000") || icontains(unit, "thousand"))
				factor = 1000;
			else if (icontains(unit, "1m") || icontains(unit, "million"))
				factor = 1000000;
		} else if (unit.empty() && is_token_usage(row->usage_type.view())) {
			factor = 1;
		}
		if (factor == 0)
			return true;
		if (!scale_decimal(row->quantity, factor, &row->tokens)) {
			fail("quantity", {}, " is out of range in tokens");
			return false;
		}
		row->has_tokens = true;
		return true;
	}
	// Sets model and usage type from "model, usage" (OpenAI line items); a name without a known usage word is
	// all model and its usage type the whole text.
	void split_item(std::string_view item) {
		row->item_name = arena->put(item);
		size_t comma = item.rfind(',');
		if (comma != std::string_view::npos) {
			const char *u = normalised_usage(item.substr(comma + 1));
			std::string_view model = trim(item.substr(0, comma));
			row->model_name = arena->put(model);
			row->usage_type = u ? lit(u) : arena->put(trim(item.substr(comma + 1)));
			return;
		}
		row->model_name = arena->put(trim(item));
		row->usage_type = lit("");
	}
};

// The field of a record for column k of the format (empty when the column or the field is absent).
std::string_view field(const InvoiceCursor *c, const Record &r, int k) {
	int at = c->col[k];
	if (at < 0 || at >= r.nfields)
		return {};
	return r.fields[at].view();
}

// Reads the CSV header into cursor->col; false (file error) when a required column is missing.
bool read_header(std::string_view text, InvoiceCursor *c, Arena *arena, Record *r, const ColumnSpec *spec, size_t nspec) {
	size_t offset = 0;
	if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0)
		offset = 3;
	if (offset >= text.size()) {
		set_file_error(c, "the file is empty");
		return false;
	}
	scan_record(text, offset, arena, r);
	if (r->unterminated || r->too_many) {
		set_file_error(c, r->unterminated ? "the header has an unterminated quoted field" : "the header has more than 512 columns");
		return false;
	}
	c->ncols = static_cast<int16_t>(r->nfields);
	for (size_t k = 0; k < nspec; ++k) {
		c->col[k] = -1;
		for (int f = 0; f < r->nfields; ++f)
			if (iequals(trim(r->fields[f].view()), spec[k].name)) {
				c->col[k] = static_cast<int16_t>(f);
				break;
			}
		if (c->col[k] < 0 && spec[k].required) {
			set_file_error(c, "the header has no column \"", spec[k].name, "\"");
			return false;
		}
	}
	c->offset = r->next;
	c->line_no = 1 + r->lines;
	c->started = true;
	return true;
}

// OpenAI cost export row.
void openai_csv_row(const InvoiceCursor *c, const Record &r, RowBuilder *b) {
	std::string_view amount = trim(field(c, r, kOaAmount)), item = trim(field(c, r, kOaLineItem));
	InvoiceRow *row = b->row;
	if (!b->time(field(c, r, kOaStart), &row->period_start_us, "start_time") ||
	    !b->time(field(c, r, kOaEnd), &row->period_end_us, "end_time"))
		return;
	if (amount.empty() && item.empty()) {
		row->kind = InvoiceRowKind::kEmptyBucket; // an exported day with nothing billed
		return;
	}
	if (!b->amount(amount, 0, "amount_value"))
		return;
	b->currency(field(c, r, kOaCurrency));
	row->provider = lit("openai");
	row->account_id = b->arena->put(trim(field(c, r, kOaOrg)));
	row->project_id = b->arena->put(trim(field(c, r, kOaProject)));
	b->split_item(item);
	row->charge_category = lit(row->amount.is_negative() ? "credit" : "usage");
	if (!b->quantity(field(c, r, kOaQuantity), field(c, r, kOaUnit)) || !b->tokens())
		return;
	row->line_key = b->arena->join({trim(field(c, r, kOaStart)), trim(field(c, r, kOaEnd)), row->project_id.view(),
	                                trim(field(c, r, kOaApiKey)), trim(field(c, r, kOaUser)), item,
	                                trim(field(c, r, 16))});
}

// Region prefix of a Bedrock usage type ("USE1", "EUC1", "APN1"): 3 to 5 upper-case letters and digits, one digit.
bool looks_like_region(std::string_view s) {
	if (s.size() < 3 || s.size() > 5)
		return false;
	bool digit = false;
	for (char ch : s) {
		if (ch >= '0' && ch <= '9')
			digit = true;
		else if (!(ch >= 'A' && ch <= 'Z'))
			return false;
	}
	return digit;
}

// AWS CUR 2.0 row (Bedrock lines only; *skip set for other products).
void aws_row(const InvoiceCursor *c, const Record &r, RowBuilder *b, bool *skip) {
	std::string_view product = trim(field(c, r, kAwsProduct));
	*skip = !(product.size() >= 13 && iequals(product.substr(0, 13), "AmazonBedrock"));
	if (*skip)
		return;
	InvoiceRow *row = b->row;
	if (!b->time(field(c, r, kAwsStart), &row->period_start_us, "line_item_usage_start_date") ||
	    !b->time(field(c, r, kAwsEnd), &row->period_end_us, "line_item_usage_end_date") ||
	    !b->amount(field(c, r, kAwsCost), 0, "line_item_unblended_cost"))
		return;
	b->currency(field(c, r, kAwsCurrency));
	row->provider = lit("aws");
	row->account_id = b->arena->put(trim(field(c, r, kAwsPayer)));
	row->project_id = b->arena->put(trim(field(c, r, kAwsAccount)));
	std::string_view type = trim(field(c, r, kAwsType));
	const char *category = "usage";
	if (iequals(type, "Tax"))
		category = "tax";
	else if (iequals(type, "Credit"))
		category = "credit";
	else if (iequals(type, "Refund"))
		category = "refund";
	else if (icontains(type, "Discount") || iequals(type, "SavingsPlanNegation"))
		category = "adjustment";
	else if (icontains(type, "Fee"))
		category = "purchase";
	row->charge_category = lit(category);
	// Usage type: [region-]model[-tier]-direction, e.g. USE1-Claude4.6Sonnet-input-tokens.
	std::string_view usage = trim(field(c, r, kAwsUsageType));
	row->item_name = b->arena->put(usage);
	std::string_view rest = usage;
	size_t dash = rest.find('-');
	if (dash != std::string_view::npos && looks_like_region(rest.substr(0, dash))) {
		row->region = b->arena->put(rest.substr(0, dash));
		rest.remove_prefix(dash + 1);
	} else {
		row->region = b->arena->put(trim(field(c, r, kAwsRegion)));
	}
	static const struct {
		const char *suffix;
		const char *usage;
	} kDirections[] = {
	    {"-cache-read-input-token-count", "cache_read"}, {"-cache-write-input-token-count", "cache_write"},
	    {"-input-token-count", "input"},                 {"-output-token-count", "output"},
	    {"-input-tokens", "input"},                      {"-output-tokens", "output"},
	};
	const char *direction = nullptr;
	size_t mantle = std::string_view::npos;
	for (const auto &d : kDirections)
		if (iends_with(rest, d.suffix)) {
			direction = d.usage;
			rest.remove_suffix(std::strlen(d.suffix));
			break;
		}
	if (!direction) {
		for (size_t i = 0; i + 20 <= rest.size(); ++i)
			if (iequals(rest.substr(i, 20), "-mantle-input-tokens")) {
				mantle = i;
				break;
			}
		if (mantle != std::string_view::npos) {
			direction = "input";
			rest = rest.substr(0, mantle);
		}
	}
	// A tier word at the end of the model part (…-batch, …-flex, …-priority).
	static const char *const kTiers[] = {"batch", "flex", "priority"};
	for (const char *t : kTiers) {
		std::string_view suffix(t);
		if (rest.size() > suffix.size() + 1 && rest[rest.size() - suffix.size() - 1] == '-' && iends_with(rest, suffix)) {
			row->service_tier = lit(t);
			rest.remove_suffix(suffix.size() + 1);
			break;
		}
	}
	row->model_name = b->arena->put(rest);
	row->usage_type = direction ? lit(direction) : b->arena->put(rest);
	std::string_view unit = trim(field(c, r, kAwsPricingUnit));
	if (unit.empty() && direction)
		unit = "tokens";
	if (!b->quantity(field(c, r, kAwsAmount), unit) || !b->tokens())
		return;
	std::string_view id = trim(field(c, r, kAwsId));
	if (!id.empty())
		row->line_key = b->arena->join({id, trim(field(c, r, kAwsStart)), trim(field(c, r, kAwsEnd))});
	else
		row->line_key = b->arena->join({row->project_id.view(), type, trim(field(c, r, kAwsStart)),
		                                trim(field(c, r, kAwsEnd)), usage, trim(field(c, r, kAwsOperation)),
		                                trim(field(c, r, kAwsResource)), trim(field(c, r, kAwsDescription))});
}

// The usage type named by words in a FOCUS SKU meter or description ("... Input Tokens", "Cached Input").
const char *usage_from_words(std::string_view s) {
	if (icontains(s, "cache") && (icontains(s, "read") || icontains(s, "hit") || icontains(s, "cached input")))
		return "cache_read";
	if (icontains(s, "cache") && (icontains(s, "write") || icontains(s, "creation")))
		return "cache_write";
	if (icontains(s, "output") || icontains(s, "outp") || icontains(s, "completion"))
		return "output";
	if (icontains(s, "input") || icontains(s, "inp") || icontains(s, "prompt"))
		return "input";
	return nullptr;
}

// FOCUS 1.x row.
void focus_row(const InvoiceCursor *c, const Record &r, RowBuilder *b) {
	InvoiceRow *row = b->row;
	if (!b->time(field(c, r, kFoStart), &row->period_start_us, "ChargePeriodStart") ||
	    !b->time(field(c, r, kFoEnd), &row->period_end_us, "ChargePeriodEnd") ||
	    !b->amount(field(c, r, kFoCost), 0, "BilledCost"))
		return;
	b->currency(field(c, r, kFoCurrency));
	std::string_view provider = trim(field(c, r, kFoProvider));
	if (iequals(provider, "aws") || iequals(provider, "amazon web services"))
		row->provider = lit("aws");
	else if (iequals(provider, "microsoft") || iequals(provider, "azure") || iequals(provider, "microsoft azure"))
		row->provider = lit("azure");
	else if (iequals(provider, "google cloud") || iequals(provider, "google"))
		row->provider = lit("google");
	else
		row->provider = b->arena->lower_copy(provider);
	std::string_view category = trim(field(c, r, kFoCategory));
	static const char *const kCategories[] = {"usage", "purchase", "tax", "credit", "adjustment", "refund"};
	row->charge_category = Text{};
	for (const char *k : kCategories)
		if (iequals(category, k))
			row->charge_category = lit(k);
	if (row->charge_category.empty()) {
		b->fail("ChargeCategory", category, ": not Usage, Purchase, Tax, Credit or Adjustment");
		return;
	}
	row->account_id = b->arena->put(trim(field(c, r, kFoAccount)));
	row->project_id = b->arena->put(trim(field(c, r, kFoSubAccount)));
	row->region = b->arena->put(trim(field(c, r, kFoRegion)));
	std::string_view item = trim(field(c, r, kFoMeter));
	if (item.empty())
		item = trim(field(c, r, kFoDescription));
	row->item_name = b->arena->put(item);
	row->model_name = row->item_name;
	const char *u = usage_from_words(item);
	row->usage_type = u ? lit(u) : lit("");
	if (!b->quantity(field(c, r, kFoQuantity), field(c, r, kFoUnit)) || !b->tokens())
		return;
	row->line_key = b->arena->join({trim(field(c, r, kFoInvoice)), trim(field(c, r, kFoStart)), trim(field(c, r, kFoEnd)),
	                                category, trim(field(c, r, kFoClass)), row->project_id.view(),
	                                trim(field(c, r, kFoSku)), trim(field(c, r, kFoSkuPrice)), trim(field(c, r, kFoResource)),
	                                row->region.view(), item, trim(field(c, r, kFoService))});
}

InvoiceStatus csv_next(std::string_view text, InvoiceCursor *c, InvoiceRow *rows, size_t max_rows, Arena *arena,
                       size_t *n_rows, size_t *arena_needed) {
	static Record record; // 8 kB of field spans, plain data (a backend is single-threaded; not reentrant)
	Record &r = record;
	const ColumnSpec *spec = c->format == InvoiceFormat::kOpenAICostsCsv ? kOpenAICols
	                         : c->format == InvoiceFormat::kAwsCur2      ? kAwsCols
	                                                                     : kFocusCols;
	size_t nspec = c->format == InvoiceFormat::kOpenAICostsCsv ? count_of(kOpenAICols)
	               : c->format == InvoiceFormat::kAwsCur2      ? count_of(kAwsCols)
	                                                           : count_of(kFocusCols);
	if (!c->started) {
		if (!read_header(text, c, arena, &r, spec, nspec))
			return InvoiceStatus::kBadFile;
		arena->used = 0; // the header's columns are matched: its texts are not needed any more
		arena->full = false;
	}
	while (*n_rows < max_rows) {
		if (c->offset >= text.size())
			return InvoiceStatus::kDone;
		size_t len = record_length(text, c->offset);
		if (arena->size - arena->used < 2 * len + kRowSlack) {
			if (*n_rows == 0 && arena->used == 0) { // (else the header or skipped records used it: kOk)
				*arena_needed = 2 * len + kRowSlack;
				return InvoiceStatus::kNeedArena;
			}
			return InvoiceStatus::kOk;
		}
		uint32_t line_no = c->line_no;
		size_t offset = c->offset, mark = arena->used;
		scan_record(text, c->offset, arena, &r);
		c->offset = r.next;
		c->line_no += r.lines;
		if (r.end == r.start && !r.unterminated)
			continue; // blank line
		RowBuilder b{arena, &rows[*n_rows]};
		b.begin(InvoiceRowKind::kLine, line_no, view_text(text.substr(r.start, r.end - r.start)));
		bool skip = false;
		if (r.unterminated)
			b.fail("unterminated quoted field (the rest of the file is this line)");
		else if (r.too_many)
			b.fail("more than 512 fields");
		else if (r.nfields > c->ncols)
			b.fail("more fields than the header has columns");
		else if (c->format == InvoiceFormat::kOpenAICostsCsv)
			openai_csv_row(c, r, &b);
		else if (c->format == InvoiceFormat::kAwsCur2)
			aws_row(c, r, &b, &skip);
		else
			focus_row(c, r, &b);
		if (arena->full) { // the row took more arena than its estimate: leave it to the next call
			c->offset = offset;
			c->line_no = line_no;
			arena->used = mark;
			arena->full = false;
			if (*n_rows == 0 && mark == 0) {
				*arena_needed = std::max(2 * arena->size, 4 * len + kRowSlack);
				return InvoiceStatus::kNeedArena;
			}
			return InvoiceStatus::kOk;
		}
		if (skip)
			continue;
		++*n_rows;
	}
	return c->offset >= text.size() ? InvoiceStatus::kDone : InvoiceStatus::kOk;
}

// ---------------------------------------------------------------------------------------------
// JSON pages (OpenAI Costs API, Anthropic cost report)
// ---------------------------------------------------------------------------------------------

// A string value copied to the arena when the tape unescaped it (the tape's own buffer dies with it).
Text json_string(const JsonTape &t, uint32_t node, Arena *arena) {
	if (node == kJsonNone || t.node(node).kind != JsonKind::kString)
		return Text{};
	std::string_view s = t.string_value(node);
	return t.node(node).escaped ? arena->put(s) : view_text(s);
}

// The text of a scalar (string or number) value.
std::string_view json_scalar(const JsonTape &t, uint32_t node) {
	if (node == kJsonNone)
		return {};
	if (t.node(node).kind == JsonKind::kString)
		return t.string_value(node);
	if (t.node(node).kind == JsonKind::kNumber)
		return t.number_text(node);
	return {};
}

// Line number of a byte offset, counted forward from the cursor's last position.
uint32_t line_at(std::string_view text, InvoiceCursor *c, size_t offset) {
	if (offset < c->offset) {
		c->offset = 0;
		c->line_no = 1;
	}
	for (size_t i = c->offset; i < offset && i < text.size(); ++i)
		if (text[i] == '\n')
			++c->line_no;
	c->offset = offset;
	return c->line_no;
}

bool json_time(const JsonTape &t, uint32_t node, int64_t *us) {
	std::string_view s = json_scalar(t, node);
	return !s.empty() && parse_timestamp(s, us);
}

void openai_json_result(const JsonTape &t, uint32_t res, std::string_view bucket_start, std::string_view bucket_end,
                        RowBuilder *b) {
	static const std::string_view keys[] = {"amount", "api_key_id", "line_item", "organization_id", "project_id", "quantity"};
	uint32_t v[6];
	t.find_keys(res, keys, 6, v);
	InvoiceRow *row = b->row;
	if (v[0] == kJsonNone || t.node(v[0]).kind != JsonKind::kObject) {
		b->fail("amount", {}, ": missing (expected {\"value\": ..., \"currency\": ...})");
		return;
	}
	static const std::string_view akeys[] = {"currency", "value"};
	uint32_t a[2];
	t.find_keys(v[0], akeys, 2, a);
	if (!b->amount(json_scalar(t, a[1]), 0, "amount.value"))
		return;
	b->currency(json_scalar(t, a[0]));
	row->provider = lit("openai");
	row->account_id = json_string(t, v[3], b->arena);
	row->project_id = json_string(t, v[4], b->arena);
	Text item = json_string(t, v[2], b->arena);
	b->split_item(item.view());
	row->charge_category = lit(row->amount.is_negative() ? "credit" : "usage");
	if (!b->quantity(json_scalar(t, v[5]), "") || !b->tokens())
		return;
	row->line_key = b->arena->join({bucket_start, bucket_end, row->project_id.view(), json_scalar(t, v[1]), item.view()});
}

void anthropic_result(const JsonTape &t, uint32_t res, std::string_view bucket_start, std::string_view bucket_end,
                      RowBuilder *b) {
	static const std::string_view keys[] = {"amount",        "context_window", "cost_type",  "currency",
	                                        "description",   "inference_geo",  "model",      "service_tier",
	                                        "token_type",    "workspace_id"};
	uint32_t v[10];
	t.find_keys(res, keys, 10, v);
	InvoiceRow *row = b->row;
	// Amounts are decimal strings in cents ("123.45" is $1.2345): shift two places.
	if (!b->amount(json_scalar(t, v[0]), 2, "amount"))
		return;
	b->currency(json_scalar(t, v[3]).empty() ? std::string_view("USD") : json_scalar(t, v[3]));
	row->provider = lit("anthropic");
	row->project_id = json_string(t, v[9], b->arena);
	row->model_name = json_string(t, v[6], b->arena);
	row->service_tier = json_string(t, v[7], b->arena);
	row->region = json_string(t, v[5], b->arena);
	std::string_view cost_type = json_scalar(t, v[2]), token_type = json_scalar(t, v[8]);
	const char *u = normalised_usage(token_type);
	if (iequals(cost_type, "tokens") || cost_type.empty())
		row->usage_type = u ? lit(u) : b->arena->put(token_type);
	else
		row->usage_type = b->arena->put(cost_type);
	Text description = json_string(t, v[4], b->arena);
	if (!description.empty())
		row->item_name = description;
	else if (!token_type.empty())
		row->item_name = b->arena->join({row->model_name.view(), token_type});
	else
		row->item_name = b->arena->join({row->model_name.view(), cost_type});
	row->charge_category = lit(row->amount.is_negative() ? "credit" : "usage");
	row->line_key = b->arena->join({bucket_start, bucket_end, row->project_id.view(), description.view(), cost_type,
	                                token_type, row->model_name.view(), row->service_tier.view(),
	                                json_scalar(t, v[1]), row->region.view()});
}

} // namespace

// The page's document and its "data" array: parsed by the first call, kept by the cursor until the last.
struct InvoiceJsonPage {
	JsonTape tape;
	uint32_t data = kJsonNone;
};

namespace {

// The cursor's page, parsed on the first call; nullptr (file error set) when the text is no page.
InvoiceJsonPage *json_page(std::string_view text, InvoiceCursor *c) {
	if (c->json != nullptr) {
		// The same text on every call: the tape's spans index it.
		if (c->json->tape.text().data() == text.data() && c->json->tape.text().size() == text.size())
			return c->json;
		set_file_error(c, "the input changed between calls");
		return nullptr;
	}
	auto *p = new (std::nothrow) InvoiceJsonPage;
	if (p == nullptr) {
		set_file_error(c, "out of memory");
		return nullptr;
	}
	c->json = p;
	JsonTape &t = p->tape;
	if (!t.parse(text)) {
		set_file_error(c, "not JSON: ", t.error());
		return nullptr;
	}
	if (t.node(0).kind == JsonKind::kObject) {
		static const std::string_view keys[] = {"data"};
		t.find_keys(0, keys, 1, &p->data);
	}
	if (p->data == kJsonNone || t.node(p->data).kind != JsonKind::kArray) {
		set_file_error(c, "expected an object with a \"data\" array of buckets (one page of the API's answer)");
		return nullptr;
	}
	c->started = true;
	c->bucket = p->data + 1;
	c->result = 0;
	return p;
}

// Rows from the cursor's bucket and result on: each call costs what it reads, not the page again.
InvoiceStatus json_rows(std::string_view text, InvoiceCursor *c, const JsonTape &t, uint32_t data, InvoiceRow *rows,
                        size_t max_rows, Arena *arena, size_t *n_rows, size_t *arena_needed) {
	bool anthropic = c->format == InvoiceFormat::kAnthropicCostReport;
	static const std::string_view oa_keys[] = {"end_time", "results", "start_time"};
	static const std::string_view an_keys[] = {"ending_at", "results", "starting_at"};
	for (uint32_t bucket = c->bucket; bucket < t.node(data).next; bucket = t.node(bucket).next) {
		uint32_t v[3];
		t.find_keys(bucket, anthropic ? an_keys : oa_keys, 3, v);
		std::string_view start = json_scalar(t, v[2]), end = json_scalar(t, v[0]);
		int64_t start_us = 0, end_us = 0;
		bool times = json_time(t, v[2], &start_us) && json_time(t, v[0], &end_us);
		bool has_results = v[1] != kJsonNone && t.node(v[1]).kind == JsonKind::kArray;
		if (!times || !has_results || t.node(v[1]).count == 0) { // one row for the bucket itself
			if (*n_rows >= max_rows)
				return InvoiceStatus::kOk;
			const JsonNode &bn = t.node(bucket);
			if (arena->size - arena->used < 2 * bn.len + kRowSlack) {
				if (*n_rows == 0) {
					*arena_needed = 2 * bn.len + kRowSlack;
					return InvoiceStatus::kNeedArena;
				}
				return InvoiceStatus::kOk;
			}
			RowBuilder b{arena, &rows[*n_rows]};
			b.begin(InvoiceRowKind::kEmptyBucket, line_at(text, c, bn.start), view_text(t.json_text(bucket)));
			b.row->period_start_us = start_us;
			b.row->period_end_us = end_us;
			if (!times)
				b.fail(anthropic ? "bucket starting_at/ending_at" : "bucket start_time/end_time", {},
				       ": missing or not a timestamp");
			else if (!has_results)
				b.fail("bucket results", {}, ": missing (expected an array)");
			++*n_rows;
			c->bucket = t.node(bucket).next;
			c->result = 0;
			continue;
		}
		for (uint32_t res = c->result ? c->result : v[1] + 1; res < t.node(v[1]).next; res = t.node(res).next) {
			if (*n_rows >= max_rows)
				return InvoiceStatus::kOk;
			const JsonNode &rn = t.node(res);
			if (arena->size - arena->used < 2 * rn.len + kRowSlack) {
				if (*n_rows == 0) {
					*arena_needed = 2 * rn.len + kRowSlack;
					return InvoiceStatus::kNeedArena;
				}
				return InvoiceStatus::kOk;
			}
			size_t mark = arena->used;
			RowBuilder b{arena, &rows[*n_rows]};
			b.begin(InvoiceRowKind::kLine, line_at(text, c, rn.start), view_text(t.json_text(res)));
			b.row->period_start_us = start_us;
			b.row->period_end_us = end_us;
			if (rn.kind != JsonKind::kObject)
				b.fail("result", {}, ": not an object");
			else if (anthropic)
				anthropic_result(t, res, start, end, &b);
			else
				openai_json_result(t, res, start, end, &b);
			if (arena->full) { // more arena than its estimate (the bucket's times are in the key too): next call
				arena->used = mark;
				arena->full = false;
				if (*n_rows == 0 && mark == 0) {
					*arena_needed = std::max(2 * arena->size, 4 * (rn.len + start.size() + end.size()) + kRowSlack);
					return InvoiceStatus::kNeedArena;
				}
				return InvoiceStatus::kOk;
			}
			// Texts taken from the tape's unescaped buffer were copied; those in the input stay valid.
			++*n_rows;
			c->result = t.node(res).next;
		}
		c->bucket = t.node(bucket).next;
		c->result = 0;
	}
	return InvoiceStatus::kDone;
}

InvoiceStatus json_next(std::string_view text, InvoiceCursor *c, InvoiceRow *rows, size_t max_rows, Arena *arena,
                        size_t *n_rows, size_t *arena_needed) {
	if (c->started && c->json == nullptr)
		return InvoiceStatus::kDone; // finished or released
	InvoiceJsonPage *p = json_page(text, c);
	if (p == nullptr) {
		invoice_cursor_release(c);
		return InvoiceStatus::kBadFile;
	}
	InvoiceStatus st = json_rows(text, c, p->tape, p->data, rows, max_rows, arena, n_rows, arena_needed);
	if (st == InvoiceStatus::kDone)
		invoice_cursor_release(c);
	return st;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

bool invoice_format_from_name(std::string_view name, InvoiceFormat *out) noexcept {
	static const struct {
		const char *name;
		InvoiceFormat format;
	} kNames[] = {{"openai_costs_csv", InvoiceFormat::kOpenAICostsCsv},
	              {"openai_costs_json", InvoiceFormat::kOpenAICostsJson},
	              {"anthropic_cost_report", InvoiceFormat::kAnthropicCostReport},
	              {"aws_cur2", InvoiceFormat::kAwsCur2},
	              {"focus", InvoiceFormat::kFocus}};
	for (const auto &n : kNames)
		if (name == n.name) {
			*out = n.format;
			return true;
		}
	return false;
}

void invoice_cursor_init(InvoiceCursor *cursor, InvoiceFormat format) noexcept {
	std::memset(cursor, 0, sizeof *cursor);
	cursor->format = format;
	cursor->line_no = 1;
	for (auto &k : cursor->col)
		k = -1;
}

void invoice_cursor_release(InvoiceCursor *cursor) noexcept {
	delete cursor->json; // ~JsonTape frees its buffers and throws nothing
	cursor->json = nullptr;
}

InvoiceStatus invoice_next(std::string_view text, InvoiceCursor *cursor, InvoiceRow *rows, size_t max_rows, char *arena,
                           size_t arena_size, size_t *n_rows, size_t *arena_needed) noexcept {
	*n_rows = 0;
	*arena_needed = 0;
	Arena a{arena, arena_size, 0, false};
	try {
		if (cursor->format == InvoiceFormat::kOpenAICostsJson || cursor->format == InvoiceFormat::kAnthropicCostReport) {
			if (text.size() > kJsonMaxInput) {
				set_file_error(cursor, "the file is 1 GB or larger");
				return InvoiceStatus::kBadFile;
			}
			return json_next(text, cursor, rows, max_rows, &a, n_rows, arena_needed);
		}
		if (text.size() > 0xffffffffu) {
			set_file_error(cursor, "the file is 4 GB or larger");
			return InvoiceStatus::kBadFile;
		}
		return csv_next(text, cursor, rows, max_rows, &a, n_rows, arena_needed);
	} catch (...) {
		set_file_error(cursor, "out of memory");
		invoice_cursor_release(cursor);
		*n_rows = 0;
		return InvoiceStatus::kBadFile;
	}
}

DecimalError parse_amount(std::string_view text, int shift, Decimal *out, bool *rounded) noexcept {
	*rounded = false;
	if (text.empty())
		return DecimalError::kEmpty;
	size_t i = 0;
	bool negative = false;
	if (text[0] == '-' || text[0] == '+') {
		negative = text[0] == '-';
		i = 1;
	}
	// Significant digits (leading zeros dropped) and the power of ten of the last one.
	char digits[64];
	int nd = 0, frac = 0, dropped_extra = 0; // dropped_extra: digits past 64 (only zero check matters)
	bool any_digit = false, point = false, nonzero_beyond = false;
	for (; i < text.size(); ++i) {
		char ch = text[i];
		if (ch == '.') {
			if (point)
				return DecimalError::kSyntax;
			point = true;
			continue;
		}
		if (ch == 'e' || ch == 'E')
			break;
		if (ch < '0' || ch > '9')
			return DecimalError::kSyntax;
		any_digit = true;
		if (point)
			++frac;
		if (nd == 0 && ch == '0')
			continue;
		if (nd < 64)
			digits[nd++] = ch;
		else {
			++dropped_extra;
			if (ch != '0')
				nonzero_beyond = true;
		}
	}
	if (!any_digit)
		return DecimalError::kSyntax;
	long exponent = 0;
	if (i < text.size()) { // exponent
		++i;
		bool eneg = false;
		if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
			eneg = text[i] == '-';
			++i;
		}
		if (i >= text.size())
			return DecimalError::kSyntax;
		for (; i < text.size(); ++i) {
			if (text[i] < '0' || text[i] > '9')
				return DecimalError::kSyntax;
			if (exponent < 100000)
				exponent = exponent * 10 + (text[i] - '0');
		}
		if (eneg)
			exponent = -exponent;
	}
	// value = digits x 10^(exponent + dropped_extra - frac - shift); units = value x 10^18.
	long power = exponent + dropped_extra - frac - shift + Decimal::kScale;
	if (nd == 0) {
		*out = Decimal();
		return DecimalError::kNone;
	}
	int128 units = 0;
	if (power >= 0) {
		if (power + nd > 38)
			return DecimalError::kOverflow;
		for (int k = 0; k < nd; ++k)
			units = units * 10 + (digits[k] - '0');
		if (nonzero_beyond)
			*rounded = true; // cannot happen with power >= 0 unless > 64 digits: those are beyond range anyway
		if (__builtin_mul_overflow(units, pow10_128(static_cast<int>(power)), &units))
			return DecimalError::kOverflow;
	} else {
		long drop = -power; // digits to drop from the right
		long keep = nd - drop;
		if (keep > 38)
			return DecimalError::kOverflow;
		for (long k = 0; k < keep; ++k)
			units = units * 10 + (digits[k] - '0');
		int first = keep >= 0 ? (digits[keep] - '0') : 0;
		bool rest = nonzero_beyond;
		for (long k = (keep >= 0 ? keep + 1 : 0); k < nd; ++k)
			if (digits[k] != '0')
				rest = true;
		if (keep < 0)
			rest = true; // every digit is below the first dropped place, and one is non-zero
		if (keep < 0)
			first = 0;
		*rounded = first != 0 || rest;
		if (first > 5 || (first == 5 && (rest || (units & 1))))
			++units;
	}
	*out = Decimal::from_units(negative ? -units : units);
	return DecimalError::kNone;
}

bool parse_timestamp(std::string_view s, int64_t *us) noexcept {
	s = trim(s);
	if (s.empty())
		return false;
	bool all_digits = s.size() <= 12;
	for (char ch : s)
		if (ch < '0' || ch > '9')
			all_digits = false;
	if (all_digits) { // unix seconds
		int64_t v = 0;
		for (char ch : s)
			v = v * 10 + (ch - '0');
		*us = v * 1000000;
		return true;
	}
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (!digits_at(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits_at(s, 5, 2, &mo) || s[7] != '-' ||
	    !digits_at(s, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	size_t i = 10;
	int64_t frac_us = 0;
	if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		if (!digits_at(s, i + 1, 2, &h) || i + 3 >= s.size() || s[i + 3] != ':' || !digits_at(s, i + 4, 2, &mi))
			return false;
		i += 6;
		if (i < s.size() && s[i] == ':') {
			if (!digits_at(s, i + 1, 2, &sec))
				return false;
			i += 3;
			if (i < s.size() && s[i] == '.') {
				++i;
				int64_t scale = 100000;
				size_t startf = i;
				while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
					frac_us += (s[i] - '0') * scale;
					scale /= 10;
					++i;
				}
				if (i == startf)
					return false;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
	}
	int64_t offset_s = 0;
	if (i < s.size()) {
		if (s[i] == 'Z' || s[i] == 'z') {
			++i;
		} else if (s[i] == '+' || s[i] == '-') {
			int oh, om = 0;
			int sign = s[i] == '-' ? -1 : 1;
			if (!digits_at(s, i + 1, 2, &oh))
				return false;
			i += 3;
			if (i < s.size() && s[i] == ':')
				++i;
			if (i < s.size()) {
				if (!digits_at(s, i, 2, &om))
					return false;
				i += 2;
			}
			offset_s = sign * (oh * 3600 + om * 60);
		} else if (s.substr(i) == " UTC") {
			i = s.size();
		}
	}
	if (i != s.size())
		return false;
	int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
	*us = ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000000 + frac_us;
	return true;
}

OwnedInvoiceRow own_invoice_row(const InvoiceRow &r) {
	OwnedInvoiceRow o{};
	o.kind = r.kind;
	o.line_no = r.line_no;
	o.error = std::string(r.error.view());
	o.line_key = std::string(r.line_key.view());
	o.provider = std::string(r.provider.view());
	o.account_id = std::string(r.account_id.view());
	o.project_id = std::string(r.project_id.view());
	o.item_name = std::string(r.item_name.view());
	o.model_name = std::string(r.model_name.view());
	o.usage_type = std::string(r.usage_type.view());
	o.service_tier = std::string(r.service_tier.view());
	o.region = std::string(r.region.view());
	o.quantity_unit = std::string(r.quantity_unit.view());
	o.currency = std::string(r.currency.view());
	o.charge_category = std::string(r.charge_category.view());
	o.raw = std::string(r.raw.view());
	o.period_start_us = r.period_start_us;
	o.period_end_us = r.period_end_us;
	o.has_quantity = r.has_quantity;
	o.has_tokens = r.has_tokens;
	o.has_amount_usd = r.has_amount_usd;
	o.rounded = r.rounded;
	o.quantity = r.quantity;
	o.tokens = r.tokens;
	o.amount = r.amount;
	o.amount_usd = r.amount_usd;
	return o;
}

bool parse_invoice_all(InvoiceFormat format, std::string_view text, std::vector<OwnedInvoiceRow> *out,
                       std::string *file_error) {
	InvoiceCursor cursor;
	invoice_cursor_init(&cursor, format);
	std::vector<InvoiceRow> rows(64);
	std::string arena(1 << 16, '\0');
	for (;;) {
		size_t n = 0, needed = 0;
		InvoiceStatus st = invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		if (st == InvoiceStatus::kBadFile) {
			*file_error = cursor.file_error;
			return false;
		}
		if (st == InvoiceStatus::kNeedArena) {
			arena.assign(needed, '\0');
			continue;
		}
		for (size_t k = 0; k < n; ++k)
			out->push_back(own_invoice_row(rows[k]));
		if (st == InvoiceStatus::kDone)
			return true;
	}
}

} // namespace dexcost
