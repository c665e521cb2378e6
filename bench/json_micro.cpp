// Micro-benchmark of the JSON tape parser (src/core/json.cpp) on dexcost SDK payloads, against baselines
// measured in the same run.
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release
//   cmake --build build/bench --target json_micro && build/bench/json_micro [events] [repeats]
//
// Payload: {"events": [...], "tasks": [...], "revenue_revisions": [...]} with, by default, 500 events of
// 21 keys and a details object of 2 or 3 (uuids, timestamps, decimal strings, token counts; one event in
// ten has a string with escapes), 50 tasks of 20 keys and 20 revenue revisions: 347 kB in the jsonb
// layout, generated once before timing. Three layouts of the same payload: "jsonb" as jsonb's text output
// writes it (", " and ": ", what bench/ingest.sh sends), "compact" (no whitespace), "pretty" (two-space
// indentation). json.cpp is compiled with PGXS's optimisation flags (-O2 -fwrapv -fno-strict-aliasing) in
// its own translation unit.
//   count      std::count of '"' over the text: a plain byte-scan loop, one compare per byte
//   bytes      a byte loop with a table lookup and a branch per byte (what a byte-at-a-time lexer pays)
//   parse      JsonTape::parse on a reused tape
//   first      a new JsonTape per parse (buffers allocated each time, as the binding does per call)
//   +keys      parse, then find_keys of every event's and task's known keys (the binding's read phase)
//   find_keys  that find_keys pass alone, and the same with a naive std::lower_bound per member key
// Runs alternate between variants so that machine noise hits each; medians are printed.
#include "core/json.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace dexcost;

namespace {

using Clock = std::chrono::steady_clock;

volatile uint64_t g_sink; // keeps results alive

// A random lowercase hex uuid.
std::string uuid(std::mt19937_64 &rng) {
	static const char kHexDigits[] = "0123456789abcdef";
	std::string s;
	for (int i = 0; i < 32; ++i) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			s += '-';
		s += kHexDigits[rng() % 16];
	}
	return s;
}

// Writes JSON in one of three layouts.
struct Writer {
	enum Layout { kJsonb, kCompact, kPretty } layout;
	std::string out;
	int depth = 0;
	bool first = true;

	// A newline and indentation (pretty only).
	void indent() {
		if (layout == kPretty) {
			out += '\n';
			out.append(static_cast<size_t>(depth) * 2, ' ');
		}
	}
	// The separator before a member or element.
	void sep() {
		if (!first)
			out += layout == kJsonb ? ", " : ",";
		first = false;
		indent();
	}
	// Opens an object or array.
	void open(char c) {
		out += c;
		++depth;
		first = true;
	}
	// Closes an object or array.
	void close(char c) {
		--depth;
		if (!first)
			indent();
		out += c;
		first = false;
	}
	// A key and the colon after it.
	void key(const char *k) {
		sep();
		out += '"';
		out += k;
		out += layout == kCompact ? "\":" : "\": ";
	}
	// Raw JSON text for a value.
	void raw(const std::string &v) { out += v; }
	// A string value (v already escaped).
	void str(const std::string &v) {
		out += '"';
		out += v;
		out += '"';
	}
	// key: "string".
	void kv_str(const char *k, const std::string &v) {
		key(k);
		str(v);
	}
	// key: raw JSON.
	void kv_raw(const char *k, const std::string &v) {
		key(k);
		raw(v);
	}
};

// Builds the payload in one layout (the same records for every layout: same seed).
std::string make_payload(Writer::Layout layout, int events) {
	std::mt19937_64 rng(42);
	Writer w{layout, {}};
	std::vector<std::string> tasks;
	for (int t = 0; t < 50; ++t)
		tasks.push_back(uuid(rng));
	w.open('{');
	w.key("events");
	w.open('[');
	for (int i = 0; i < events; ++i) {
		w.sep();
		w.open('{');
		char buf[64];
		w.kv_str("event_id", uuid(rng));
		w.kv_str("task_id", tasks[rng() % tasks.size()]);
		w.kv_str("event_type", i % 7 == 0 ? "tool_call" : "llm_call");
		std::snprintf(buf, sizeof buf, "2026-11-%02dT%02d:%02d:%02d.%06dZ", 1 + i % 28, i % 24, i % 60, (i * 7) % 60,
					  (i * 7919) % 1000000);
		w.kv_str("occurred_at", buf);
		std::snprintf(buf, sizeof buf, "0.%06d", static_cast<int>(rng() % 999999));
		w.kv_str("cost_usd", buf);
		w.kv_str("cost_confidence", "exact");
		w.kv_str("pricing_source", "provider_response");
		w.kv_str("pricing_version", "2026-05-01");
		w.kv_str("service_name", "openai");
		w.kv_str("provider", "openai");
		w.kv_str("model", i % 3 == 0 ? "gpt-4o-mini" : "claude-sonnet-4-5");
		w.kv_raw("input_tokens", std::to_string(100 + rng() % 30000));
		w.kv_raw("output_tokens", std::to_string(10 + rng() % 4000));
		w.kv_raw("cached_tokens", std::to_string((rng() % 8) * 64));
		w.kv_raw("latency_ms", std::to_string(200 + rng() % 5000));
		w.kv_raw("is_retry", i % 11 == 0 ? "true" : "false");
		w.kv_raw("retry_reason", "null");
		w.kv_raw("retry_of", "null");
		w.key("details");
		w.open('{');
		w.kv_raw("temperature", "0.2");
		w.kv_str("service_tier", "standard");
		if (i % 10 == 0)
			w.kv_str("note", "line one\\nline \\\"two\\\" caf\\u00e9 \\ud83d\\ude80 done");
		w.close('}');
		w.kv_str("schema_version", "1");
		w.kv_str("customer_id", "cust-" + std::to_string(rng() % 50));
		w.close('}');
	}
	w.close(']');
	w.key("tasks");
	w.open('[');
	for (const std::string &t : tasks) {
		w.sep();
		w.open('{');
		w.kv_str("task_id", t);
		w.kv_str("task_type", "support_ticket");
		w.kv_str("status", "completed");
		w.kv_str("started_at", "2026-11-01T10:00:00.000000Z");
		w.kv_str("ended_at", "2026-11-01T10:05:12.345678Z");
		w.key("metadata");
		w.open('{');
		w.kv_str("queue", "billing");
		w.kv_raw("priority", "2");
		w.close('}');
		w.kv_str("customer_id", "cust-" + std::to_string(rng() % 50));
		w.kv_str("project_id", "proj-7");
		w.kv_raw("user_id", "null");
		w.kv_raw("product_id", "null");
		w.kv_raw("parent_task_id", "null");
		w.kv_str("root_task_id", t);
		w.kv_str("agent_id", "triage-agent");
		w.kv_str("agent_version", "3.1.0");
		w.kv_str("workflow_id", "wf-" + std::to_string(rng() % 9));
		w.kv_raw("workflow_session_id", "null");
		w.kv_raw("experiment_id", "null");
		w.kv_raw("variant", "null");
		w.kv_str("schema_version", "1");
		w.kv_str("total_cost_usd", "0.0265");
		w.close('}');
	}
	w.close(']');
	w.key("revenue_revisions");
	w.open('[');
	for (int r = 0; r < 20; ++r) {
		w.sep();
		w.open('{');
		w.kv_str("schema_version", "1");
		w.kv_str("revenue_id", uuid(rng));
		w.kv_str("task_id", tasks[static_cast<size_t>(r)]);
		w.kv_str("effective_at", "2026-11-02T00:00:00Z");
		w.kv_str("state", "recognized");
		w.kv_raw("revision", "1");
		w.key("amount");
		w.open('{');
		w.kv_str("value", "12.50");
		w.kv_str("currency", "USD");
		w.close('}');
		w.close('}');
	}
	w.close(']');
	w.close('}');
	return w.out;
}

// The keys the binding reads from events and tasks, sorted as find_keys wants them.
std::vector<std::string_view> sorted(std::vector<std::string_view> keys) {
	std::sort(keys.begin(), keys.end());
	return keys;
}

// clang-format off
const std::vector<std::string_view> kEventKeys =
	sorted({"event_id", "task_id", "event_type", "occurred_at", "cost_usd", "cost_confidence", "pricing_source",
			"pricing_version", "service_name", "provider", "model", "input_tokens", "output_tokens", "cached_tokens",
			"latency_ms", "is_retry", "retry_reason", "retry_of", "details", "schema_version"});
const std::vector<std::string_view> kTaskKeys =
	sorted({"task_id", "task_type", "status", "started_at", "ended_at", "metadata", "customer_id", "project_id",
			"user_id", "product_id", "parent_task_id", "root_task_id", "agent_id", "agent_version", "workflow_id",
			"workflow_session_id", "experiment_id", "variant", "schema_version", "llm_cost_usd", "total_cost_usd"});
// clang-format on
const std::vector<std::string_view> kPayloadKeys = {"events", "tasks"}; // sorted

// std::count of '"'.
__attribute__((noinline)) void count_quotes(const std::string &s) {
	g_sink = static_cast<uint64_t>(std::count(s.begin(), s.end(), '"'));
}

// A byte loop with a table lookup and a data-dependent branch per byte (what a byte-at-a-time lexer pays).
__attribute__((noinline)) void classify_bytes(const std::string &s) {
	static uint8_t table[256];
	table[static_cast<uint8_t>('"')] = 1;
	table[static_cast<uint8_t>('\\')] = 2;
	uint64_t quotes = 0, other = 0;
	for (unsigned char c : s) {
		if (table[c] == 1)
			++quotes;
		else if (table[c] == 2)
			++other;
	}
	g_sink = quotes + other;
}

JsonTape g_tape;

// Parse on a reused tape.
__attribute__((noinline)) void parse_reused(const std::string &s) {
	if (!g_tape.parse(s))
		std::abort();
	g_sink = g_tape.size();
}

// Parse on a new tape.
__attribute__((noinline)) void parse_fresh(const std::string &s) {
	JsonTape t;
	if (!t.parse(s))
		std::abort();
	g_sink = t.size();
}

// Reads every record's keys as the binding does: payload keys, then find_keys per record.
uint64_t read_records(const JsonTape &t) {
	uint32_t top[2], values[32];
	t.find_keys(0, kPayloadKeys.data(), kPayloadKeys.size(), top);
	uint64_t found = 0;
	for (int kind = 0; kind < 2; ++kind) {
		const std::vector<std::string_view> &keys = kind == 0 ? kEventKeys : kTaskKeys;
		uint32_t a = top[kind];
		for (uint32_t e = a + 1; e < t.node(a).next; e = t.node(e).next) {
			t.find_keys(e, keys.data(), keys.size(), values);
			for (size_t k = 0; k < keys.size(); ++k)
				found += values[k] != kJsonNone;
		}
	}
	return found;
}

// find_keys written the obvious way over the public accessors: std::lower_bound of each member key.
void naive_find_keys(const JsonTape &t, uint32_t object, const std::string_view *keys, size_t n, uint32_t *out) {
	std::fill(out, out + n, kJsonNone);
	if (t.node(object).kind != JsonKind::kObject)
		return;
	for (uint32_t k = object + 1; k < t.node(object).next; k = t.node(k + 1).next) {
		std::string_view name = t.string_value(k);
		const std::string_view *at = std::lower_bound(keys, keys + n, name);
		if (at != keys + n && *at == name)
			out[at - keys] = k + 1;
	}
}

// read_records with naive_find_keys.
uint64_t naive_read_records(const JsonTape &t) {
	uint32_t top[2], values[32];
	naive_find_keys(t, 0, kPayloadKeys.data(), kPayloadKeys.size(), top);
	uint64_t found = 0;
	for (int kind = 0; kind < 2; ++kind) {
		const std::vector<std::string_view> &keys = kind == 0 ? kEventKeys : kTaskKeys;
		uint32_t a = top[kind];
		for (uint32_t e = a + 1; e < t.node(a).next; e = t.node(e).next) {
			naive_find_keys(t, e, keys.data(), keys.size(), values);
			for (size_t k = 0; k < keys.size(); ++k)
				found += values[k] != kJsonNone;
		}
	}
	return found;
}

// Parse, then read every record.
__attribute__((noinline)) void parse_and_read(const std::string &s) {
	if (!g_tape.parse(s))
		std::abort();
	g_sink = read_records(g_tape);
}

// find_keys of every record on the parsed tape (no parse).
__attribute__((noinline)) void read_only(const std::string &) {
	g_sink = read_records(g_tape);
}

// naive_find_keys of every record on the parsed tape (no parse).
__attribute__((noinline)) void naive_read_only(const std::string &) {
	g_sink = naive_read_records(g_tape);
}

// Milliseconds of one run of f over s.
template <class F> double ms(const std::string &s, F &&f) {
	auto t0 = Clock::now();
	f(s);
	auto t1 = Clock::now();
	return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// The median of some timings.
double median(std::vector<double> v) {
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

// Times every variant on every layout, alternating, and prints MB/s and ratios.
int main(int argc, char **argv) {
	int events = argc > 1 ? std::atoi(argv[1]) : 500;
	int repeats = argc > 2 ? std::atoi(argv[2]) : 301;
	const char *names[] = {"jsonb", "compact", "pretty"};
	std::printf("%d events, median of %d runs each (runs alternate), MB/s = 10^6 bytes per second\n", events, repeats);
	std::printf("%-8s %8s %8s %8s %8s %8s %8s %11s   %s\n", "layout", "kB", "count", "bytes", "parse", "first", "+keys",
				"nodes", "parse/count  parse/bytes  read phase us");
	for (int l = 0; l < 3; ++l) {
		std::string s = make_payload(static_cast<Writer::Layout>(l), events);
		if (!g_tape.parse(s)) {
			std::fprintf(stderr, "generated payload refused: %s at %zu\n", g_tape.error(), g_tape.error_offset());
			return 1;
		}
		uint32_t nodes = g_tape.size();
		uint64_t found = read_records(g_tape);
		std::vector<double> t_count, t_bytes, t_parse, t_fresh, t_read, t_keys, t_naive;
		for (int r = 0; r < repeats; ++r) {
			t_count.push_back(ms(s, count_quotes));
			t_bytes.push_back(ms(s, classify_bytes));
			t_parse.push_back(ms(s, parse_reused));
			t_fresh.push_back(ms(s, parse_fresh));
			t_read.push_back(ms(s, parse_and_read));
			t_keys.push_back(ms(s, read_only));
			t_naive.push_back(ms(s, naive_read_only));
		}
		if (naive_read_records(g_tape) != found) {
			std::fprintf(stderr, "find_keys and the naive search disagree\n");
			return 1;
		}
		double mb = static_cast<double>(s.size()) / 1e6;
		double c = mb / median(t_count) * 1e3, b = mb / median(t_bytes) * 1e3, p = mb / median(t_parse) * 1e3,
			   f = mb / median(t_fresh) * 1e3, k = mb / median(t_read) * 1e3;
		std::printf("%-8s %8.1f %8.0f %8.0f %8.0f %8.0f %8.0f %11u   %11.2f  %11.2f  %8.1f (find_keys %.1f us, naive "
					"%.1f us, %llu keys found)\n",
					names[l], static_cast<double>(s.size()) / 1024, c, b, p, f, k, nodes, p / c, p / b,
					median(t_read) * 1e3, median(t_keys) * 1e3, median(t_naive) * 1e3,
					static_cast<unsigned long long>(found));
	}
	return 0;
}
