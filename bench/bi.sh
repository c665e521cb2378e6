#!/usr/bin/env bash
# dexcost_bi on a large ledger: each dashboard view answering a 90-day filter, against the
# same question asked of the raw ledger (cost_event joined to task), in one run, warm cache.
#
#   data: N events (default 10,000,000) over the 180 days up to today, 10,000 customers (Pareto-like: a few
#   large, a long tail), 200 task types, 5 events per task, 4 models, 1 in 20 calls retried,
#   1 in 25 failing. Loaded with the user triggers off, then rebuild_daily() (the same
#   contributions the statement triggers append at ingest) and fold_daily(), which also
#   computes the period totals (customer_period, model_period) the period views read.
#   The 90-day questions about every customer or model are asked of the period views; the
#   day-grain views (customer_daily, model_usage_daily, unpriced_daily) are timed on the same
#   questions too, marked "(days)", for what a BI filter on their day column costs, and
#   "table alone" asks it of the folded table without the view: PostgreSQL's own cost of
#   summing those rows, which no view over them can go below.
#   For each view: median of 5 timings of the view query and of the raw-ledger query in one
#   session (a pooled connection), and the ratio raw / view; and the view's first query in a new
#   session.                                   goal: <= 100 ms each, >= 100x on the largest
#   Then again for the views that merge pending deltas, with 1,000 events ingested and not
#   folded yet (the state between two pg_cron folds).
# Usage: bench/bi.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
cluster=bench
db=dexcost_bench
source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '4GB'
work_mem = '256MB'
max_wal_size = '16GB'
checkpoint_timeout = '30min'
synchronous_commit = off
max_parallel_workers_per_gather = 2"
bench_start "$cluster"
createdb "$db"
q -c "CREATE EXTENSION dexcost CASCADE"

tasks=$((events / 5))
start=$(date -u -d '-179 days' +%F)  # the data ends today, so the period views see 90 days of it
echo "== data: $events events, $tasks tasks, 10000 customers, 200 task types, 180 days"
t0=$(date +%s)
q <<SQL
ALTER TABLE dexcost.task DISABLE TRIGGER USER;
ALTER TABLE dexcost.cost_event DISABLE TRIGGER USER;
-- Customer i's weight falls like 1/i: customer = floor(10000^u) for u uniform in [0, 1).
INSERT INTO dexcost.task (task_id, customer_id, task_type, root_task_id, status, accepted, started_at, created_at)
SELECT id, c, 'workflow_' || (hashint4(i * 7) & 2147483647) % 200, id,
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'success' END, i % 10 <> 0 AND i % 7 <> 0, at, at
  FROM (SELECT i, ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
               'customer_' || floor(power(10000, ((hashint4(i) & 2147483647) % 1000000) / 1000000.0))::int AS c,
               timestamptz '$start' + ((i - 1)::float8 / $tasks) * interval '179 days 23 hours' AS at
          FROM generate_series(1, $tasks) AS i) AS s;
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model, cost_usd,
                                cost_confidence, input_tokens, cache_read_tokens, output_tokens, latency_ms, error_type,
                                is_retry, retry_reason, retry_type, route)
SELECT gen_random_uuid(), t.customer_id, t.task_id, CASE WHEN k = 5 THEN 'external_cost' ELSE 'llm_call' END,
       t.started_at + k * interval '3 s', CASE WHEN k = 5 THEN NULL ELSE 'openai' END,
       CASE WHEN k = 5 THEN NULL ELSE (ARRAY['gpt-4o', 'gpt-4o-mini', 'o3', 'gpt-4.1'])[1 + (hashint4(k + 31 * (t.started_at::date - date '$start')) & 3)] END,
       round((0.0005 + ((hashint4(k * 7919 + (t.started_at::date - date '$start')) & 1023) / 20000.0))::numeric, 6),
       'exact', 1000 + k * 100, 200, 150 + k * 10, 400 + k * 50,
       CASE WHEN k = 3 AND (t.started_at::date - date '$start') % 25 = 0 THEN 'timeout' END,
       k = 4 AND (t.started_at::date - date '$start') % 20 = 0,
       CASE WHEN k = 4 AND (t.started_at::date - date '$start') % 20 = 0 THEN 'rate_limit' END,
       CASE WHEN k = 4 AND (t.started_at::date - date '$start') % 20 = 0 THEN 'provider_retry' END,
       CASE WHEN k % 2 = 0 THEN 'primary' ELSE 'fallback' END
  FROM dexcost.task AS t, generate_series(1, 5) AS k;
ALTER TABLE dexcost.task ENABLE TRIGGER USER;
ALTER TABLE dexcost.cost_event ENABLE TRIGGER USER;
SELECT dexcost.rebuild_daily();
VACUUM ANALYZE;
SQL
echo "   loaded and pre-aggregated in $(( $(date +%s) - t0 )) s: $(q -c "SELECT count(*) FROM dexcost.daily_customer") daily_customer rows, $(q -c "SELECT count(*) FROM dexcost.daily_model") daily_model rows"
today=$(q -c "SELECT max(day) FROM dexcost.daily_customer")
since="date '$today' - 89"
ts="(timestamptz '$today' - interval '89 days')"

# name | view query | raw-ledger query answering the same question
cat > "$work/queries" <<SQL
overview|SELECT day, sum(total_cost_usd), sum(tasks) FROM dexcost_bi.overview_daily WHERE day >= $since GROUP BY day|SELECT e.occurred_at::date, sum(e.cost_usd), count(DISTINCT e.task_id) FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1
cost_health|SELECT day, sum(retry_cost_usd), sum(failure_cost_usd) FROM dexcost_bi.cost_health_daily WHERE day >= $since GROUP BY day|SELECT e.occurred_at::date, sum(e.cost_usd) FILTER (WHERE e.is_retry), sum(e.cost_usd) FILTER (WHERE e.error_type IS NOT NULL) FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1
retry_reasons|SELECT retry_reason, sum(retry_cost_usd) FROM dexcost_bi.retry_cost_by_reason_daily WHERE day >= $since GROUP BY 1|SELECT e.retry_reason, sum(e.cost_usd) FROM dexcost.cost_event e WHERE e.occurred_at >= $ts AND e.is_retry GROUP BY 1
customers|SELECT customer_id, total_cost_usd AS c FROM dexcost_bi.customer_period WHERE period = 'last_90_days' ORDER BY c DESC LIMIT 100|SELECT e.customer_id, sum(e.cost_usd) AS c FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1 ORDER BY c DESC LIMIT 100
customers (days)|SELECT customer_id, sum(total_cost_usd) AS c FROM dexcost_bi.customer_daily WHERE day >= $since GROUP BY 1 ORDER BY c DESC LIMIT 100|SELECT e.customer_id, sum(e.cost_usd) AS c FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1 ORDER BY c DESC LIMIT 100
customers (days), table alone|SELECT customer_id, sum(cost_usd) AS c FROM dexcost.daily_customer_total WHERE day >= $since GROUP BY 1 ORDER BY c DESC LIMIT 100|SELECT e.customer_id, sum(e.cost_usd) AS c FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1 ORDER BY c DESC LIMIT 100
customer_ranking|SELECT * FROM dexcost_bi.customer_ranking WHERE period = 'last_90_days' AND rank <= 100|SELECT customer_id, c, row_number() OVER (ORDER BY c DESC), sum(c) OVER (ORDER BY c DESC) / sum(c) OVER () FROM (SELECT e.customer_id, sum(e.cost_usd) c FROM dexcost.cost_event e WHERE e.occurred_at >= $ts GROUP BY 1) s ORDER BY c DESC LIMIT 100
customer_drilldown|SELECT workflow, sum(total_cost_usd) FROM dexcost_bi.customer_task_type_daily WHERE day >= $since AND customer_id = 'customer_1' GROUP BY 1|SELECT t.task_type, sum(e.cost_usd) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts AND e.customer_id = 'customer_1' GROUP BY 1
task_types|SELECT workflow, sum(total_cost_usd), sum(runs) FROM dexcost_bi.task_type_daily WHERE day >= $since GROUP BY 1|SELECT t.task_type, sum(e.cost_usd), count(DISTINCT t.task_id) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts GROUP BY 1
engineering|SELECT workflow, model, sum(llm_calls), sum(cost_usd), sum(cached_input_tokens) FROM dexcost_bi.model_usage_period WHERE period = 'last_90_days' GROUP BY 1, 2|SELECT t.task_type, e.model, count(*), sum(e.cost_usd), sum(e.cache_read_tokens) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts AND e.event_type = 'llm_call' GROUP BY 1, 2
engineering (days)|SELECT workflow, model, sum(llm_calls), sum(cost_usd), sum(cached_input_tokens) FROM dexcost_bi.model_usage_daily WHERE day >= $since GROUP BY 1, 2|SELECT t.task_type, e.model, count(*), sum(e.cost_usd), sum(e.cache_read_tokens) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts AND e.event_type = 'llm_call' GROUP BY 1, 2
percentiles|SELECT * FROM dexcost_bi.workflow_percentiles WHERE period = 'last_90_days' AND route = '(all routes)'|SELECT t.task_type, percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY e.cost_usd), percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts AND e.event_type = 'llm_call' GROUP BY 1
unit_economics|SELECT workflow, sum(total_cost_usd) / nullif(sum(accepted_tasks), 0) FROM dexcost_bi.unit_economics_daily WHERE day >= $since GROUP BY 1|SELECT t.task_type, sum(e.cost_usd) / nullif(count(DISTINCT t.task_id) FILTER (WHERE t.accepted), 0) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts GROUP BY 1
unpriced|SELECT provider, model, sum(unpriced_calls) FROM dexcost_bi.unpriced_period WHERE period = 'last_90_days' GROUP BY 1, 2|SELECT e.provider, e.model, count(*) FROM dexcost.cost_event e WHERE e.occurred_at >= $ts AND e.cost_usd IS NULL GROUP BY 1, 2
overview_monthly|SELECT month, total_cost_usd, month_over_month_pct FROM dexcost_bi.overview_monthly WHERE month >= date_trunc('month', $since)|SELECT date_trunc('month', e.occurred_at), sum(e.cost_usd) FROM dexcost.cost_event e WHERE e.occurred_at >= date_trunc('month', $ts) GROUP BY 1
task_type_ranking|SELECT * FROM dexcost_bi.task_type_ranking WHERE period = 'last_90_days' AND is_top_3|SELECT t.task_type, sum(e.cost_usd) AS c FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts GROUP BY 1 ORDER BY c DESC LIMIT 3
percentiles (days)|SELECT workflow, max(cost_per_call_p95_usd), max(latency_p95_seconds) FROM dexcost_bi.workflow_percentiles_daily WHERE day >= $since GROUP BY 1|SELECT task_type, max(p_cost), max(p_latency) FROM (SELECT t.task_type, e.occurred_at::date, percentile_cont(0.95) WITHIN GROUP (ORDER BY e.cost_usd) AS p_cost, percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) AS p_latency FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts AND e.event_type = 'llm_call' GROUP BY 1, 2) AS s GROUP BY 1
customer_drilldown (all)|SELECT customer_id, workflow, sum(total_cost_usd) AS c FROM dexcost_bi.customer_task_type_daily WHERE day >= $since GROUP BY 1, 2 ORDER BY c DESC LIMIT 100|SELECT e.customer_id, t.task_type, sum(e.cost_usd) AS c FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id) WHERE e.occurred_at >= $ts GROUP BY 1, 2 ORDER BY c DESC LIMIT 100
unpriced (days)|SELECT provider, model, sum(unpriced_calls) FROM dexcost_bi.unpriced_daily WHERE day >= $since GROUP BY 1, 2|SELECT e.provider, e.model, count(*) FROM dexcost.cost_event e WHERE e.occurred_at >= $ts AND e.cost_usd IS NULL GROUP BY 1, 2
SQL

# Server-side timings, ms: EXPLAIN ANALYZE's planning + execution time, without per-node
# timing (TIMING OFF), whose clock reads would inflate the plans that read many rows. Six runs
# in one session, as a BI tool's pooled connection asks them: the first (a new connection:
# catalogue caches empty, memory not yet mapped) is printed apart, the median of the other five
# is the figure. The same for the view and for the raw ledger.
timings() {
  for _ in 1 2 3 4 5 6; do echo "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $1;"; done |
    q | awk '/^Planning Time:/ { p = $3 } /^Execution Time:/ { print p + $3 }'
}
run_queries() {
  printf '   %-30s %10s %14s %10s %18s\n' view "view ms" "raw ledger ms" ratio "view, new session"
  while IFS='|' read -r name view raw; do
    timings "$view" > "$work/tv"; timings "$raw" > "$work/tr"
    tv=$(tail -n 5 "$work/tv" | median); tr=$(tail -n 5 "$work/tr" | median); t1=$(head -n 1 "$work/tv")
    awk -v n="$name" -v a="$tv" -v b="$tr" -v f="$t1" 'BEGIN { printf "   %-30s %10.1f %14.1f %9.0fx %18.1f\n", n, a, b, b / a, f }'
  done < "$1"
}
echo "== every view, all folded"
run_queries "$work/queries"

# Between two folds (pg_cron folds every minute) deltas are pending: the views add them.
# 200 tasks of 5 events today for random customers (1,000 events: 25 minutes at the data
# set's average rate), through the statement triggers, not folded.
pending_at="$(date -u -d '-1 min' +'%F %T').123457+00"  # marks the new tasks (no generated task starts then)
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, accepted, started_at)
SELECT gen_random_uuid(), 'customer_' || (1 + (hashint4(i) & 2147483647) % 10000), 'workflow_' || i % 200, 'success', true,
       timestamptz '$pending_at'
  FROM generate_series(1, 200) AS i;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, cost_usd, cost_confidence,
                                input_tokens, cache_read_tokens, output_tokens, latency_ms, route)
SELECT t.customer_id, t.task_id, 'llm_call', t.started_at + k * interval '1 s', 'openai', 'gpt-4o-mini', 0.0021, 'exact',
       1200, 200, 160, 500, 'primary'
  FROM dexcost.task AS t, generate_series(1, 5) AS k
 WHERE t.started_at = timestamptz '$pending_at';
ANALYZE dexcost.daily_customer_delta;
ANALYZE dexcost.daily_model_delta;
SQL
echo "== the views that add pending deltas to folded rows, with $(q -c "SELECT count(*) FROM dexcost.daily_customer_delta") daily_customer and $(q -c "SELECT count(*) FROM dexcost.daily_model_delta") daily_model delta rows pending"
grep -E '^(customers|customer_ranking|customer_drilldown|engineering|percentiles|unpriced)' "$work/queries" | grep -v 'table alone' > "$work/pending_queries"
run_queries "$work/pending_queries"
