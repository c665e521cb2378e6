// Unit tests of the provider invoice parsers (src/core/invoice.*).
#include "core/invoice.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using dexcost::Decimal;
using dexcost::DecimalError;
using dexcost::InvoiceFormat;
using dexcost::InvoiceRowKind;
using dexcost::OwnedInvoiceRow;

namespace {

std::string amount_text(const char *text, int shift = 0, bool *rounded_out = nullptr) {
	Decimal d;
	bool rounded = false;
	DecimalError e = dexcost::parse_amount(text, shift, &d, &rounded);
	if (rounded_out)
		*rounded_out = rounded;
	return e == DecimalError::kNone ? d.to_string() : std::string("error");
}

std::vector<OwnedInvoiceRow> parse(InvoiceFormat f, const std::string &text, std::string *error = nullptr) {
	std::vector<OwnedInvoiceRow> rows;
	std::string e;
	bool ok = dexcost::parse_invoice_all(f, text, &rows, &e);
	if (error)
		*error = ok ? "" : e;
	else
		EXPECT_TRUE(ok) << e;
	return rows;
}

const char *kOpenAIHeader = "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,"
                            "quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,"
                            "organization_name,user_email,api_source\n";

} // namespace

TEST(InvoiceAmount, ThirtyDecimalsRoundHalfToEvenAt18Places) {
	bool rounded = true;
	EXPECT_EQ(amount_text("0.003835980000000000000000000000", 0, &rounded), "0.00383598");
	EXPECT_FALSE(rounded); // the extra places are zeros
	EXPECT_EQ(amount_text("0.0000000000000000015", 0, &rounded), "0.000000000000000002");
	EXPECT_TRUE(rounded);
	EXPECT_EQ(amount_text("0.0000000000000000025"), "0.000000000000000002"); // half to even: down
	EXPECT_EQ(amount_text("0.00000000000000000250000000001"), "0.000000000000000003");
	EXPECT_EQ(amount_text("-0.0000000000000000035"), "-0.000000000000000004");
	EXPECT_EQ(amount_text("0.0000000000000000004"), "0");
	EXPECT_EQ(amount_text("123456789.123456789012345678901234"), "123456789.123456789012345679");
}

TEST(InvoiceAmount, CentsExponentsAndErrors) {
	EXPECT_EQ(amount_text("123.45", 2), "1.2345"); // Anthropic: cents as a decimal string
	EXPECT_EQ(amount_text("0.5", 2), "0.005");
	EXPECT_EQ(amount_text("6.4e-05"), "0.000064");
	EXPECT_EQ(amount_text("1E3"), "1000");
	EXPECT_EQ(amount_text("-0"), "0");
	EXPECT_EQ(amount_text(""), "error");
	EXPECT_EQ(amount_text("1,5"), "error");
	EXPECT_EQ(amount_text("1e"), "error");
	EXPECT_EQ(amount_text("1e30"), "error"); // beyond about 1.7e20
}

TEST(InvoiceTimestamp, IsoAndUnix) {
	int64_t us = 0;
	ASSERT_TRUE(dexcost::parse_timestamp("1756684800", &us));
	EXPECT_EQ(us, int64_t{1756684800} * 1000000); // 2025-09-01T00:00:00Z
	ASSERT_TRUE(dexcost::parse_timestamp("2025-09-01T00:00:00Z", &us));
	EXPECT_EQ(us, int64_t{1756684800} * 1000000);
	ASSERT_TRUE(dexcost::parse_timestamp("2025-09-01T02:00:00+02:00", &us));
	EXPECT_EQ(us, int64_t{1756684800} * 1000000);
	ASSERT_TRUE(dexcost::parse_timestamp("2025-09-01 00:00:00.5", &us)); // no offset: UTC
	EXPECT_EQ(us, int64_t{1756684800} * 1000000 + 500000);
	ASSERT_TRUE(dexcost::parse_timestamp("2025-09-01", &us));
	EXPECT_EQ(us, int64_t{1756684800} * 1000000);
	EXPECT_FALSE(dexcost::parse_timestamp("09/01/2025", &us));
	EXPECT_FALSE(dexcost::parse_timestamp("2025-13-01", &us));
}

TEST(InvoiceOpenAICsv, QuotedCommasEmptyBucketsAndBadLines) {
	std::string text = std::string(kOpenAIHeader) +
	                   "1756684800,1756771200,2025-09-01T00:00:00Z,2025-09-02T00:00:00Z,"
	                   "0.003835980000000000000000000000,usd,76720,tokens,\"gpt-5-nano, input_tokens\",,key_1,proj_a,org_1,"
	                   "Main,Org,,\n"
	                   "1756771200,1756857600,2025-09-02T00:00:00,2025-09-03T00:00:00\n"
	                   "1756684800,1756771200,,,abc,usd,1,tokens,\"gpt-4o, output_tokens\",,key_1,proj_a,org_1,,,,\n"
	                   "1756684800,1756771200,,,1.5,usd,,,\"say \"\"hi\"\", input_tokens\",,,proj_b,org_1,,,,\r\n";
	auto rows = parse(InvoiceFormat::kOpenAICostsCsv, text);
	ASSERT_EQ(rows.size(), 4u);
	const OwnedInvoiceRow &a = rows[0];
	EXPECT_EQ(a.kind, InvoiceRowKind::kLine);
	EXPECT_EQ(a.line_no, 2u);
	EXPECT_EQ(a.amount.to_string(), "0.00383598");
	EXPECT_EQ(a.currency, "USD");
	EXPECT_TRUE(a.has_amount_usd);
	EXPECT_EQ(a.model_name, "gpt-5-nano");
	EXPECT_EQ(a.usage_type, "input");
	EXPECT_EQ(a.item_name, "gpt-5-nano, input_tokens");
	EXPECT_EQ(a.tokens.to_string(), "76720");
	EXPECT_EQ(a.project_id, "proj_a");
	EXPECT_EQ(a.charge_category, "usage");
	EXPECT_EQ(a.period_start_us, int64_t{1756684800} * 1000000);
	EXPECT_EQ(rows[1].kind, InvoiceRowKind::kEmptyBucket);
	EXPECT_EQ(rows[1].line_no, 3u);
	EXPECT_EQ(rows[2].kind, InvoiceRowKind::kError);
	EXPECT_EQ(rows[2].line_no, 4u);
	EXPECT_EQ(rows[2].error, "amount_value \"abc\": not a decimal amount");
	EXPECT_EQ(rows[3].model_name, "say \"hi\"");
	EXPECT_EQ(rows[3].usage_type, "input");
	EXPECT_NE(rows[0].line_key, rows[3].line_key);
}

TEST(InvoiceOpenAICsv, FileErrors) {
	std::string error;
	parse(InvoiceFormat::kOpenAICostsCsv, "start_time,end_time\n1,2\n", &error);
	EXPECT_EQ(error, "the header has no column \"amount_value\"");
	parse(InvoiceFormat::kOpenAICostsCsv, "", &error);
	EXPECT_EQ(error, "the file is empty");
	auto rows = parse(InvoiceFormat::kOpenAICostsCsv, std::string(kOpenAIHeader) + "1,2,,,\"0.5,usd\n3,4\n");
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0].kind, InvoiceRowKind::kError);
	EXPECT_EQ(rows[0].error, "unterminated quoted field (the rest of the file is this line)");
}

TEST(InvoiceOpenAIJson, BucketsResultsAndEmptyBuckets) {
	std::string text = R"({"object":"page","data":[
 {"object":"bucket","start_time":1756684800,"end_time":1756771200,"results":[
  {"object":"organization.costs.result","amount":{"value":0.06,"currency":"usd"},"line_item":"gpt-4o-2024-08-06, input","project_id":"proj_a","api_key_id":null,"quantity":24000},
  {"object":"organization.costs.result","amount":{"value":1.2e-05,"currency":"usd"},"line_item":null,"project_id":null}]},
 {"object":"bucket","start_time":1756771200,"end_time":1756857600,"results":[]}
],"has_more":false,"next_page":null})";
	auto rows = parse(InvoiceFormat::kOpenAICostsJson, text);
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].line_no, 3u);
	EXPECT_EQ(rows[0].amount.to_string(), "0.06");
	EXPECT_EQ(rows[0].model_name, "gpt-4o-2024-08-06");
	EXPECT_EQ(rows[0].usage_type, "input");
	EXPECT_EQ(rows[0].tokens.to_string(), "24000");
	EXPECT_EQ(rows[1].amount.to_string(), "0.000012");
	EXPECT_EQ(rows[2].kind, InvoiceRowKind::kEmptyBucket);
	EXPECT_EQ(rows[2].line_no, 5u);
	std::string error;
	parse(InvoiceFormat::kOpenAICostsJson, "[1,2]", &error);
	EXPECT_NE(error.find("\"data\" array"), std::string::npos);
}

TEST(InvoiceAnthropic, CentsAsStringsAndTokenTypes) {
	std::string text = R"({"data":[{"starting_at":"2025-09-01T00:00:00Z","ending_at":"2025-09-02T00:00:00Z","results":[
 {"currency":"USD","amount":"123.45","workspace_id":"wrk_1","description":null,"cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-5-20250929","service_tier":"standard","token_type":"cache_creation.ephemeral_1h_input_tokens","inference_geo":null},
 {"currency":"USD","amount":"7","cost_type":"web_search","model":null},
 {"currency":"USD","amount":12}
]}],"has_more":false})";
	auto rows = parse(InvoiceFormat::kAnthropicCostReport, text);
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].amount.to_string(), "1.2345");
	EXPECT_EQ(rows[0].usage_type, "cache_write_1h");
	EXPECT_EQ(rows[0].model_name, "claude-sonnet-4-5-20250929");
	EXPECT_EQ(rows[0].service_tier, "standard");
	EXPECT_EQ(rows[0].project_id, "wrk_1");
	EXPECT_EQ(rows[1].usage_type, "web_search");
	EXPECT_EQ(rows[1].amount.to_string(), "0.07");
	EXPECT_EQ(rows[2].amount.to_string(), "0.12"); // a number is accepted too
}

TEST(InvoiceAws, BedrockUsageTypesAndChargeCategories) {
	std::string text =
	    "identity_line_item_id,bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,"
	    "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
	    "line_item_operation,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,pricing_unit\n"
	    "id1,111,222,Usage,2025-09-01T00:00:00Z,2025-09-01T01:00:00Z,AmazonBedrock,USE1-Claude4.6Sonnet-input-tokens,"
	    "InvokeModel,1000000,3.0,USD,\n"
	    "id2,111,222,Usage,2025-09-01T00:00:00Z,2025-09-01T01:00:00Z,AmazonBedrock,"
	    "USW2-Claude4.5Haiku-batch-cache-read-input-token-count,InvokeModel,2000,0.0001,USD,1K tokens\n"
	    "id3,111,222,Usage,2025-09-01T00:00:00Z,2025-09-01T01:00:00Z,AmazonEC2,USE1-BoxUsage,RunInstances,1,0.1,USD,\n"
	    "id4,111,222,Credit,2025-09-01T00:00:00Z,2025-10-01T00:00:00Z,AmazonBedrock,USE1-Claude4.6Sonnet-output-tokens,,"
	    ",-2.5,USD,\n";
	auto rows = parse(InvoiceFormat::kAwsCur2, text);
	ASSERT_EQ(rows.size(), 3u); // the EC2 line is not read
	EXPECT_EQ(rows[0].provider, "aws");
	EXPECT_EQ(rows[0].region, "USE1");
	EXPECT_EQ(rows[0].model_name, "Claude4.6Sonnet");
	EXPECT_EQ(rows[0].usage_type, "input");
	EXPECT_EQ(rows[0].tokens.to_string(), "1000000");
	EXPECT_EQ(rows[1].model_name, "Claude4.5Haiku");
	EXPECT_EQ(rows[1].service_tier, "batch");
	EXPECT_EQ(rows[1].usage_type, "cache_read");
	EXPECT_EQ(rows[1].tokens.to_string(), "2000000"); // 2000 x 1K tokens
	EXPECT_EQ(rows[2].charge_category, "credit");
	EXPECT_EQ(rows[2].line_no, 5u);
	EXPECT_EQ(rows[2].amount.to_string(), "-2.5");
}

TEST(InvoiceFocus, ChargeCategoriesAndErrors) {
	std::string text = "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,"
	                   "SkuMeter,ConsumedQuantity,ConsumedUnit,SubAccountId\n"
	                   "4.20,USD,2025-09-01T00:00:00Z,2025-09-02T00:00:00Z,Usage,Microsoft,gpt-4o-0806-Inp-glbl Tokens,"
	                   "1.68,1M Tokens,sub1\n"
	                   "0.33,USD,2025-09-01T00:00:00Z,2025-10-01T00:00:00Z,Tax,Microsoft,,,,sub1\n"
	                   "1,USD,2025-09-01,2025-09-02,Rebate,Microsoft,,,,sub1\n";
	auto rows = parse(InvoiceFormat::kFocus, text);
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].provider, "azure");
	EXPECT_EQ(rows[0].usage_type, "input");
	EXPECT_EQ(rows[0].tokens.to_string(), "1680000");
	EXPECT_EQ(rows[1].charge_category, "tax");
	EXPECT_EQ(rows[2].kind, InvoiceRowKind::kError);
	EXPECT_EQ(rows[2].error, "ChargeCategory \"Rebate\": not Usage, Purchase, Tax, Credit or Adjustment");
}

TEST(InvoiceStreaming, SmallChunksGiveTheSameRows) {
	std::string text = kOpenAIHeader;
	for (int i = 0; i < 500; ++i)
		text += "1756684800,1756771200,,,0.0" + std::to_string(i) + ",usd,10,tokens,\"gpt-4o, output_tokens\",,k" +
		        std::to_string(i) + ",p,o,,,,\n";
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kOpenAICostsCsv);
	std::vector<dexcost::InvoiceRow> rows(7);
	std::vector<char> arena(4096);
	size_t total = 0;
	for (;;) {
		size_t n = 0, needed = 0;
		auto st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		ASSERT_NE(st, dexcost::InvoiceStatus::kBadFile);
		ASSERT_NE(st, dexcost::InvoiceStatus::kNeedArena);
		for (size_t k = 0; k < n; ++k)
			EXPECT_EQ(rows[k].line_no, total + k + 2);
		total += n;
		if (st == dexcost::InvoiceStatus::kDone)
			break;
	}
	EXPECT_EQ(total, 500u);
}

// Found by fuzz/fuzz_invoice.cpp: records the AWS parser skips (not Bedrock) used the arena of the call (quoted
// fields with doubled quotes are unescaped there), so a later record that did not fit in what was left made
// invoice_next ask for kNeedArena with a size no larger than the arena it had: the binding then swapped its
// 4 MB arena for that smaller one for the rest of the file. Now a call returns kOk (zero rows, the cursor moved)
// and kNeedArena only asks for more than an empty arena of the given size holds.
TEST(InvoiceStreaming, SkippedRecordsNeverMakeTheArenaShrink) {
	std::string text = "line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,"
	                   "line_item_usage_type,line_item_unblended_cost,line_item_currency_code,line_item_line_item_description\n";
	for (int i = 0; i < 40; ++i)
		text += "Usage,2025-09-01,2025-09-02,AmazonEC2,BoxUsage,0.1,USD,\"" + std::string(100, 'x') + " \"\"quoted\"\"\"\n";
	text += "Usage,2025-09-01,2025-09-02,AmazonBedrock,USE1-Claude4.6Sonnet-input-tokens,3.0,USD,\"" +
	        std::string(600, 'y') + "\"\n";
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kAwsCur2);
	std::vector<dexcost::InvoiceRow> rows(4);
	std::vector<char> arena(4096);
	size_t total = 0;
	for (int calls = 0; calls < 100; ++calls) {
		size_t n = 0, needed = 0;
		auto st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		ASSERT_NE(st, dexcost::InvoiceStatus::kBadFile);
		if (st == dexcost::InvoiceStatus::kNeedArena) {
			ASSERT_GT(needed, arena.size());
			arena.assign(needed, '\0');
			continue;
		}
		total += n;
		if (st == dexcost::InvoiceStatus::kDone)
			break;
	}
	EXPECT_EQ(total, 1u);
	EXPECT_EQ(arena.size(), 4096u); // never swapped for a smaller (or larger) one
}

// Found by fuzz/fuzz_invoice.cpp: a row's texts are copied into the arena up to three times (item, model, usage
// type, then the line key), more than the 2 x record length + 1 kB checked before reading it. Near the end of the
// binding's 4 MB arena, or in an arena sized to what kNeedArena asked, the last copies came back empty: a
// cost line without its line key (import_invoice failed on invoice_line's NOT NULL) or with an empty model.
// Now a row that overflows the arena is left for the next call, which gets a larger arena if it was alone.
TEST(InvoiceStreaming, ARowLargerThanItsEstimateIsNeverTruncated) {
	std::string item = "\"" + std::string(1500, 'm') + ", " + std::string(200, 'u') + "\"";
	std::string text = std::string(kOpenAIHeader) + "1756684800,1756771200,,,1.5,usd,10,tokens," + item +
	                   ",,key,proj_" + std::string(300, 'p') + ",org,,,,\n";
	auto whole = parse(InvoiceFormat::kOpenAICostsCsv, text);
	ASSERT_EQ(whole.size(), 1u);
	ASSERT_FALSE(whole[0].line_key.empty());
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kOpenAICostsCsv);
	std::vector<dexcost::InvoiceRow> rows(1);
	std::vector<char> arena(1);
	std::vector<std::string> keys, models;
	for (int calls = 0; calls < 20; ++calls) {
		size_t n = 0, needed = 0;
		auto st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		ASSERT_NE(st, dexcost::InvoiceStatus::kBadFile);
		if (st == dexcost::InvoiceStatus::kNeedArena) {
			ASSERT_GT(needed, arena.size());
			arena.assign(needed, '\0');
			continue;
		}
		for (size_t k = 0; k < n; ++k) {
			keys.emplace_back(rows[k].line_key.view());
			models.emplace_back(rows[k].model_name.view());
		}
		if (st == dexcost::InvoiceStatus::kDone)
			break;
	}
	ASSERT_EQ(keys.size(), 1u);
	EXPECT_EQ(keys[0], whole[0].line_key);
	EXPECT_EQ(models[0], whole[0].model_name);
}

// ---------------------------------------------------------------------------------------------
// JSON pages in chunks: the page is parsed by the first call and kept by the cursor, each later call walks on
// from the tape node where the previous one stopped (a 1M-line page used to be parsed again for every chunk).
// ---------------------------------------------------------------------------------------------

namespace {

// An OpenAI page: an empty bucket, buckets of 1, 5 and 3 results (one not an object), a bucket without times.
std::string json_page_text() {
	std::string text = "{\"object\":\"page\",\"data\":[\n";
	const int sizes[] = {0, 1, 5, 3, -1};
	int64_t day = 1756684800;
	for (size_t b = 0; b < sizeof sizes / sizeof sizes[0]; ++b, day += 86400) {
		if (b)
			text += ",\n";
		if (sizes[b] < 0) {
			text += " {\"object\":\"bucket\",\"results\":[]}";
			continue;
		}
		text += " {\"object\":\"bucket\",\"start_time\":" + std::to_string(day) + ",\"end_time\":" +
		        std::to_string(day + 86400) + ",\"results\":[";
		for (int r = 0; r < sizes[b]; ++r) {
			text += r ? ",\n  " : "\n  ";
			if (b == 3 && r == 1) {
				text += "17";
				continue;
			}
			text += "{\"amount\":{\"value\":0.0" + std::to_string(r + 1) +
			        ",\"currency\":\"usd\"},\"line_item\":\"gpt-4o, input\",\"project_id\":\"p" + std::to_string(b) +
			        "\",\"api_key_id\":\"k\\u005f" + std::to_string(r) + "\",\"quantity\":" + std::to_string(1000 * (r + 1)) + "}";
		}
		text += "]}";
	}
	text += "\n],\"has_more\":false}";
	return text;
}

struct Streamed {
	std::vector<OwnedInvoiceRow> rows;
	int calls = 0;
	std::string file_error;
};

// Streams text max_rows rows per call from an arena of arena_size bytes (grown on kNeedArena).
Streamed stream(InvoiceFormat f, const std::string &text, size_t max_rows, size_t arena_size) {
	Streamed out;
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, f);
	std::vector<dexcost::InvoiceRow> rows(max_rows);
	std::vector<char> arena(arena_size);
	for (;;) {
		size_t n = 0, needed = 0;
		auto st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		++out.calls;
		if (st == dexcost::InvoiceStatus::kBadFile) {
			out.file_error = cursor.file_error;
			break;
		}
		if (st == dexcost::InvoiceStatus::kNeedArena) {
			arena.assign(needed, '\0');
			continue;
		}
		for (size_t k = 0; k < n; ++k)
			out.rows.push_back(dexcost::own_invoice_row(rows[k]));
		if (st == dexcost::InvoiceStatus::kDone)
			break;
	}
	EXPECT_EQ(cursor.json, nullptr); // the last call freed the page
	return out;
}

void expect_same_rows(const std::vector<OwnedInvoiceRow> &a, const std::vector<OwnedInvoiceRow> &b, size_t chunk) {
	ASSERT_EQ(a.size(), b.size()) << "chunk " << chunk;
	for (size_t k = 0; k < a.size(); ++k) {
		EXPECT_EQ(a[k].kind, b[k].kind) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].line_no, b[k].line_no) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].line_key, b[k].line_key) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].error, b[k].error) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].raw, b[k].raw) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].amount, b[k].amount) << "chunk " << chunk << " row " << k;
		EXPECT_EQ(a[k].period_start_us, b[k].period_start_us) << "chunk " << chunk << " row " << k;
	}
}

} // namespace

TEST(InvoiceJsonStreaming, EveryChunkSizeGivesTheRowsOfOneCall) {
	std::string text = json_page_text();
	Streamed whole = stream(InvoiceFormat::kOpenAICostsJson, text, 64, 1 << 16);
	ASSERT_EQ(whole.calls, 1);
	// empty bucket, 1 + 5 + 3 results (one an error), the bucket without times (an error)
	ASSERT_EQ(whole.rows.size(), 11u);
	EXPECT_EQ(whole.rows[0].kind, InvoiceRowKind::kEmptyBucket);
	EXPECT_EQ(whole.rows[8].kind, InvoiceRowKind::kError);
	EXPECT_EQ(whole.rows[8].error, "result \"\": not an object");
	EXPECT_EQ(whole.rows[10].kind, InvoiceRowKind::kError);
	EXPECT_EQ(whole.rows[3].line_key, "1756857600|1756944000|p2|k_1|gpt-4o, input"); // \u005f unescaped
	EXPECT_EQ(whole.rows[3].line_no, 7u);
	// Chunks of every size end inside buckets, at their last result and on empty buckets.
	for (size_t chunk = 1; chunk <= whole.rows.size() + 1; ++chunk) {
		Streamed s = stream(InvoiceFormat::kOpenAICostsJson, text, chunk, 1 << 16);
		expect_same_rows(whole.rows, s.rows, chunk);
		EXPECT_EQ(s.calls, static_cast<int>((whole.rows.size() + chunk - 1) / chunk)) << "chunk " << chunk; // one call per chunk
		// A 1-byte arena: every row first asks for a larger one, and the cursor resumes where it was.
		expect_same_rows(whole.rows, stream(InvoiceFormat::kOpenAICostsJson, text, chunk, 1).rows, chunk);
	}
}

TEST(InvoiceJsonStreaming, AnthropicChunksAcrossBuckets) {
	std::string text = R"({"data":[)";
	for (int b = 0; b < 4; ++b) {
		text += std::string(b ? "," : "") + R"({"starting_at":"2025-09-0)" + std::to_string(b + 1) +
		        R"(T00:00:00Z","ending_at":"2025-09-0)" + std::to_string(b + 2) + R"(T00:00:00Z","results":[)";
		for (int r = 0; r < b; ++r)
			text += std::string(r ? "," : "") + R"({"currency":"USD","amount":")" + std::to_string(r + 1) +
			        R"(","cost_type":"tokens","model":"claude-haiku-4-5","token_type":"uncached_input_tokens","workspace_id":"w)" +
			        std::to_string(r) + "\"}";
		text += "]}";
	}
	text += "]}";
	Streamed whole = stream(InvoiceFormat::kAnthropicCostReport, text, 64, 1 << 16);
	ASSERT_EQ(whole.rows.size(), 7u); // an empty bucket, then 1 + 2 + 3 results
	for (size_t chunk = 1; chunk <= 8; ++chunk)
		expect_same_rows(whole.rows, stream(InvoiceFormat::kAnthropicCostReport, text, chunk, 1 << 16).rows, chunk);
}

// The page is parsed once: bytes after the rows changed between calls (same text, same length) are not read
// again; a parse per call would now refuse the file.
TEST(InvoiceJsonStreaming, ThePageIsParsedOnce) {
	std::string text = json_page_text();
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kOpenAICostsJson);
	std::vector<dexcost::InvoiceRow> rows(2);
	std::vector<char> arena(1 << 16);
	size_t n = 0, needed = 0, total = 0;
	auto st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
	ASSERT_EQ(st, dexcost::InvoiceStatus::kOk);
	ASSERT_NE(cursor.json, nullptr);
	total += n;
	text.back() = ']'; // no longer JSON
	std::vector<OwnedInvoiceRow> again;
	std::string error;
	ASSERT_FALSE(dexcost::parse_invoice_all(InvoiceFormat::kOpenAICostsJson, text, &again, &error));
	do {
		st = dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed);
		ASSERT_NE(st, dexcost::InvoiceStatus::kBadFile) << cursor.file_error;
		total += n;
	} while (st == dexcost::InvoiceStatus::kOk);
	EXPECT_EQ(total, 11u);
	EXPECT_EQ(cursor.json, nullptr);
}

// A caller that stops early releases the page (an error between two chunks: the binding's memory context
// callback); release is idempotent and the cursor then reads nothing more. Another text is refused.
TEST(InvoiceJsonStreaming, ReleaseAndAnotherText) {
	std::string text = json_page_text();
	dexcost::InvoiceCursor cursor;
	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kOpenAICostsJson);
	dexcost::invoice_cursor_release(&cursor); // before the first call: nothing to free
	std::vector<dexcost::InvoiceRow> rows(3);
	std::vector<char> arena(1 << 16);
	size_t n = 0, needed = 0;
	ASSERT_EQ(dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed),
	          dexcost::InvoiceStatus::kOk);
	dexcost::invoice_cursor_release(&cursor);
	dexcost::invoice_cursor_release(&cursor);
	EXPECT_EQ(dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed),
	          dexcost::InvoiceStatus::kDone);
	EXPECT_EQ(n, 0u);

	dexcost::invoice_cursor_init(&cursor, InvoiceFormat::kOpenAICostsJson);
	ASSERT_EQ(dexcost::invoice_next(text, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed),
	          dexcost::InvoiceStatus::kOk);
	std::string copy = text;
	EXPECT_EQ(dexcost::invoice_next(copy, &cursor, rows.data(), rows.size(), arena.data(), arena.size(), &n, &needed),
	          dexcost::InvoiceStatus::kBadFile);
	EXPECT_STREQ(cursor.file_error, "the input changed between calls");
	EXPECT_EQ(cursor.json, nullptr);
}
