#!/usr/bin/env bash
# Invoice import + reconcile: dexcost.import_invoice() of an OpenAI cost export (CSV, 17 columns) and
# dexcost.reconcile() of one month against the ledger, timed together, against a hand-written plain-SQL
# baseline on the same data in the same run: COPY of the same CSV into a plain table, then one
# GROUP BY / FULL JOIN query that prices tracked tokens per model and usage type and compares.
#
#   bench/reconcile.sh [invoice_lines] [events] [repeats]     defaults 1000000 10000000 3
#
# Data: `events` llm_call events of 4 OpenAI models over September 2026 in dexcost.cost_event (costs
# computed in the generator; triggers off while loading), and an invoice of about `invoice_lines` daily
# lines: 30 days x 4 models x 3 usage types x N project/API-key pairs, whose tokens split the ledger's
# daily totals (so most rows reconcile ok). Goal: import + reconcile <= 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
events=${2:-10000000}
repeats=${3:-3}
cluster=bench
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
max_wal_size = '16GB'
checkpoint_timeout = '30min'
work_mem = '256MB'
maintenance_work_mem = '1GB'
synchronous_commit = off
max_parallel_workers_per_gather = 2"
bench_start "$cluster"
createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== generating $events events"
t0=$(now)
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'cust-' || (n % 100), 'bench'
  FROM generate_series(1, 1000) n;
-- The ledger as the pricing trigger would write it (seed prices per million tokens; input uncached,
-- cache read, output): gpt-4o 2.50/1.25/10, gpt-4o-mini 0.15/0.075/0.60, gpt-4.1 2/0.50/8, o4-mini 1.10/0.275/4.40.
SET session_replication_role = replica;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cache_read_tokens, output_tokens, cost_usd, cost_confidence)
SELECT 'cust-' || (t % 100), ('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid, 'llm_call',
       timestamptz '2026-09-01 00:00+00' + ((i * 259) % 2592000) * interval '1 second', 'openai', m.model,
       inp, cr, outp, (inp * m.pi + cr * m.pc + outp * m.po) / 1000000, 'computed'
  FROM (SELECT i, 1 + (i * 7919) % 1000 AS t, 100 + i % 3000 AS inp, (i % 7) * 100 AS cr, 10 + i % 700 AS outp
          FROM generate_series(1::bigint, $events) i) s
  JOIN (VALUES (0, 'gpt-4o', 2.50, 1.25, 10.00), (1, 'gpt-4o-mini', 0.15, 0.075, 0.60),
               (2, 'gpt-4.1', 2.00, 0.50, 8.00), (3, 'o4-mini', 1.10, 0.275, 4.40)) AS m(k, model, pi, pc, po)
    ON m.k = s.i % 4;
RESET session_replication_role;
VACUUM ANALYZE dexcost.cost_event;
SQL
t1=$(now)
echo "   $(elapsed "$t0" "$t1") s; $(q -c "SELECT pg_size_pretty(pg_total_relation_size('dexcost.cost_event'))") on disk"
# The triggers were off while loading: build the daily pre-aggregates they keep up to date in a
# live workspace (reconcile() reads dexcost.daily_model when it gives the ledger's sums).
t0=$(now)
q -c 'SELECT dexcost.rebuild_daily()' >/dev/null
t1=$(now)
echo "   daily pre-aggregates rebuilt in $(elapsed "$t0" "$t1") s (setup, not timed below)"

echo "== writing the invoice CSV (about $lines lines)"
csv="$base/invoice.csv"
pairs=$(( (lines + 359) / 360 ))
q <<SQL
COPY (
  WITH daily AS (
      SELECT date_trunc('day', e.occurred_at AT TIME ZONE 'UTC') AS d, e.model,
             sum(e.input_tokens) AS input, sum(e.cache_read_tokens) AS cached, sum(e.output_tokens) AS output
        FROM dexcost.cost_event AS e GROUP BY 1, 2
  ), items AS (
      SELECT d, model, u.word, u.tokens, u.price
        FROM daily JOIN (VALUES ('gpt-4o', 2.50, 1.25, 10.00), ('gpt-4o-mini', 0.15, 0.075, 0.60),
                                ('gpt-4.1', 2.00, 0.50, 8.00), ('o4-mini', 1.10, 0.275, 4.40)) AS m(model, pi, pc, po)
          USING (model)
        CROSS JOIN LATERAL (VALUES ('input_tokens', input, pi), ('cached_input_tokens', cached, pc),
                                   ('output_tokens', output, po)) AS u(word, tokens, price)
  )
  SELECT extract(epoch FROM d AT TIME ZONE 'UTC')::bigint AS start_time,
         extract(epoch FROM d AT TIME ZONE 'UTC')::bigint + 86400 AS end_time,
         to_char(d, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS start_time_iso,
         to_char(d + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS end_time_iso,
         (share * price / 1000000)::numeric(40, 30) AS amount_value, 'usd' AS amount_currency,
         share AS quantity, 'tokens' AS quantity_unit, model || ', ' || word AS line_item, NULL AS user_id,
         'key_' || (p % 28) AS api_key_id, 'proj_' || (p / 28) AS project_id, 'org_bench' AS organization_id,
         'Project ' || (p / 28) AS project_name, 'Bench Inc' AS organization_name, NULL AS user_email,
         'api' AS api_source
    FROM items CROSS JOIN generate_series(0, $pairs - 1) AS p
    CROSS JOIN LATERAL (SELECT tokens / $pairs + CASE WHEN p < tokens % $pairs THEN 1 ELSE 0 END AS share) AS s
) TO '$csv' WITH (FORMAT csv, HEADER)
SQL
echo "   $(($(wc -l < "$csv") - 1)) lines, $(du -m "$csv" | cut -f1) MB"

# The baseline: the same file into a plain table, and the same question in one hand-written query.
baseline_sql="DROP TABLE IF EXISTS plain_invoice;
CREATE TABLE plain_invoice (start_time bigint, end_time bigint, start_time_iso text, end_time_iso text,
  amount_value numeric, amount_currency text, quantity numeric, quantity_unit text, line_item text, user_id text,
  api_key_id text, project_id text, organization_id text, project_name text, organization_name text,
  user_email text, api_source text);
COPY plain_invoice FROM '$csv' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE plain_result AS
WITH inv AS (
    SELECT split_part(line_item, ', ', 1) AS model,
           CASE split_part(line_item, ', ', 2) WHEN 'input_tokens' THEN 'input' WHEN 'cached_input_tokens' THEN 'cache_read'
                                               ELSE 'output' END AS usage_type,
           sum(quantity) AS qty, sum(amount_value) AS cost
      FROM plain_invoice
     WHERE start_time >= extract(epoch FROM timestamptz '2026-09-01 00:00+00')
       AND start_time < extract(epoch FROM timestamptz '2026-10-01 00:00+00')
     GROUP BY 1, 2
), trk AS (
    SELECT e.model, sum(e.input_tokens) AS input, sum(e.cache_read_tokens) AS cache_read, sum(e.output_tokens) AS output
      FROM dexcost.cost_event AS e
     WHERE e.provider = 'openai' AND e.occurred_at >= '2026-09-01 00:00+00' AND e.occurred_at < '2026-10-01 00:00+00'
     GROUP BY 1
), trk_usage AS (
    SELECT trk.model, u.usage_type, u.qty, u.qty * mp.usd_per_mtok / 1000000 AS cost
      FROM trk CROSS JOIN LATERAL (VALUES ('input', trk.input), ('cache_read', trk.cache_read), ('output', trk.output)) AS u(usage_type, qty)
      JOIN dexcost.model_price AS mp ON mp.provider = 'openai' AND mp.model = trk.model AND mp.usage_type = u.usage_type
                                   AND mp.service_tier = 'standard' AND mp.min_input_tokens = 0
)
SELECT COALESCE(t.model, i.model) AS model, COALESCE(t.usage_type, i.usage_type) AS usage_type,
       t.cost AS tracked, i.cost AS invoiced, round((t.cost - i.cost) / i.cost * 100, 2) AS variance_pct,
       CASE WHEN i.cost IS NULL THEN 'missing_on_invoice' WHEN t.cost IS NULL THEN 'missing_in_tracking'
            WHEN abs(t.cost - i.cost) <= 0.05 * abs(i.cost) THEN 'ok' WHEN t.cost > i.cost THEN 'over' ELSE 'under' END AS status
  FROM trk_usage AS t FULL JOIN inv AS i USING (model, usage_type);"

dexcost_sql="SELECT status, lines_loaded, lines_rejected FROM dexcost.import_invoice('bench', 'openai_costs_csv', pg_read_file('$csv'));
CREATE TEMP TABLE dexcost_result AS SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01');"

run_baseline() {
  q -c 'DROP TABLE IF EXISTS plain_invoice' -c 'CHECKPOINT'
  local a b; a=$(now); q >/dev/null <<<"$baseline_sql"; b=$(now); elapsed "$a" "$b"
}
run_dexcost() {
  q -c 'TRUNCATE dexcost.invoice_line' -c 'VACUUM dexcost.invoice_line' -c 'CHECKPOINT'
  local a b; a=$(now); q >/dev/null <<<"$dexcost_sql"; b=$(now); elapsed "$a" "$b"
}

echo "== import + reconcile, $repeats runs each, alternating (seconds); $(uptime | sed 's/.*load/load/')"
base_t=(); dex_t=()
for i in $(seq 1 "$repeats"); do
  tb=$(run_baseline); base_t+=("$tb")
  td=$(run_dexcost); dex_t+=("$td")
  echo "   run $i: baseline $tb s, dexcost $td s"
done
mb=$(printf '%s\n' "${base_t[@]}" | median); md=$(printf '%s\n' "${dex_t[@]}" | median)

# Where dexcost's time goes (one more run, each half alone), and what it found.
q -c 'TRUNCATE dexcost.invoice_line' -c 'VACUUM dexcost.invoice_line' -c 'CHECKPOINT'
a=$(now); q -c "SELECT lines_loaded FROM dexcost.import_invoice('bench', 'openai_costs_csv', pg_read_file('$csv'))" >/dev/null; b=$(now)
ti=$(elapsed "$a" "$b")
a=$(now); q -c "SELECT count(*) FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01')" >/dev/null; b=$(now)
tr=$(elapsed "$a" "$b")
a=$(now); q -c "SELECT lines_loaded FROM dexcost.import_invoice('bench', 'openai_costs_csv', pg_read_file('$csv'))" >/dev/null; b=$(now)
tre=$(elapsed "$a" "$b")
echo "   split: import $ti s, reconcile $tr s; re-import of the same file (all upserts) $tre s"
# The tracked side alone, from the daily pre-aggregate (what reconcile() read) and from the ledger (its
# fallback when the daily sums would differ: other event types, cache writes, unaligned time zone).
tracked() {
  local a b
  a=$(now)
  q -c "SET enable_mergejoin = off" -c "SET jit = off" \
    -c "CREATE TEMP TABLE t AS SELECT * FROM dexcost._tracked_usage('openai', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month', $1)"
  b=$(now); elapsed "$a" "$b"
}
echo "   tracked side alone: daily pre-aggregate $(tracked true) s (used: $(q -c "SELECT dexcost._daily_is_exact('openai', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month')")), ledger $(tracked false) s"
q -c "SELECT status, count(*) FROM dexcost.reconcile_result WHERE run_id = (SELECT max(run_id) FROM dexcost.reconcile_run) GROUP BY 1 ORDER BY 1" |
  sed 's/^/   status /'
echo "   baseline rows: $(q -c "SELECT count(*) FROM plain_invoice") invoice lines"
echo "   $(uptime | sed 's/.*load/load/') at the end"
echo
echo "RESULT: $(($(wc -l < "$csv") - 1)) invoice lines + $events events: dexcost import + reconcile $md s (median of $repeats; goal <= 10 s)," \
     "plain-SQL baseline $mb s, ratio dexcost/baseline $(ratio "$md" "$mb")"
