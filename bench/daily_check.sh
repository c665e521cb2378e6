#!/usr/bin/env bash
# What auditing every daily measure costs: dexcost.daily_check() against the previous daily_check()
# (session 4: daily_customer's events, cost and retry cost, daily_model's calls, cost and tokens,
# daily_retry; kept below as bench.daily_check_before) on the same ledger, alternating, in one run.
# Data: N events (default 1,000,000) over 30 days, 20,000 tasks of 500 customers and 50 task types,
# six models on two routes and tiers, retries, failures, unpriced calls, latency, external, compute,
# network cost and retry markers; loaded through the triggers, then rebuild_daily() (folded).
# Server defaults (work_mem 4MB, jit on); both audits must return no row.
# Usage: bench/daily_check.sh [events] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
repeats=${2:-5}
cluster=${DEXCOST_BENCH_CLUSTER:-bench}
db=dexcost_bench
source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '1GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'
synchronous_commit = off"
bench_start "$cluster"
createdb "$db"
q -c "CREATE EXTENSION dexcost CASCADE"
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, accepted, started_at)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || (i % 500), 'w' || ((i / 400) % 50),
       (ARRAY['success', 'success', 'failed', 'pending'])[1 + i % 4], CASE i % 3 WHEN 0 THEN true WHEN 1 THEN false END,
       timestamptz '2026-06-01' + (i % 30) * interval '1 day' + (i % 86400) * interval '1 s'
  FROM generate_series(1, 20000) AS i;
SQL
t="('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid"
for b in $(seq 0 9); do
  q -c "INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, route, service_tier,
                                        service_name, cost_usd, input_tokens, cache_read_tokens, output_tokens, latency_ms,
                                        is_retry, retry_type, retry_reason, retry_attempt, error_type)
        SELECT 'c' || (t % 500), $t, k.event_type, timestamptz '2026-06-01' + (i % 30) * interval '1 day' + (i % 86000) * interval '1 s',
               CASE WHEN k.llm THEN (ARRAY['openai', 'openai', 'anthropic'])[1 + (i / 31) % 3] END,
               CASE WHEN k.llm THEN (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude-haiku-4-5', 'gpt-4.1', 'o4-mini', 'claude-sonnet-4-5'])[1 + (i / 31) % 6]
                    WHEN k.event_type = 'retry_marker' AND i % 2 = 0 THEN 'gpt-4o' END,
               CASE WHEN k.llm THEN (ARRAY['primary', 'fallback'])[1 + (i / 7) % 2] END, (ARRAY['standard', 'batch'])[1 + (i / 11) % 2],
               CASE WHEN NOT k.llm THEN 'svc' || (i % 5) END,
               CASE WHEN i % 97 = 0 AND k.llm THEN NULL ELSE round((i % 1000) * 0.00001 + 0.0001, 6) END,
               CASE WHEN k.llm THEN 100 + i % 3000 END, CASE WHEN k.llm AND i % 4 = 0 THEN i % 500 END,
               CASE WHEN k.llm AND i % 13 <> 0 THEN 10 + i % 700 END, CASE WHEN k.llm AND i % 5 <> 0 THEN 50 + i % 4000 END,
               k.llm AND i % 20 = 0, CASE WHEN k.llm AND i % 20 = 0 OR k.event_type = 'retry_marker' THEN 'provider_retry' END,
               CASE WHEN k.llm AND i % 20 = 0 THEN 'rate_limit' END, CASE WHEN k.llm AND i % 20 = 0 THEN 2 + (i / 20) % 2 END,
               CASE WHEN i % 50 = 0 THEN 'timeout' END
          FROM (SELECT i, 1 + (i::bigint * 7919) % 20000 AS t FROM generate_series($b * $rows / 10 + 1, ($b + 1) * $rows / 10) AS i) AS s
         CROSS JOIN LATERAL (SELECT e AS event_type, e = 'llm_call' AS llm
                               FROM (SELECT CASE WHEN i % 100 < 90 THEN 'llm_call' WHEN i % 100 < 94 THEN 'external_cost'
                                                 WHEN i % 100 < 97 THEN 'compute_cost' WHEN i % 100 < 99 THEN 'retry_marker'
                                                 ELSE 'network' END AS e) AS x) AS k" >/dev/null
done
q -c "SELECT dexcost.rebuild_daily()" -c "VACUUM ANALYZE" >/dev/null
q -c "SELECT 'events ' || (SELECT count(*) FROM dexcost.cost_event) || ', daily_customer ' || (SELECT count(*) FROM dexcost.daily_customer)
             || ', daily_model ' || (SELECT count(*) FROM dexcost.daily_model) || ', daily_workflow_sketch '
             || (SELECT count(*) FROM dexcost.daily_workflow_sketch) || ', daily_retry ' || (SELECT count(*) FROM dexcost.daily_retry)"
# The previous daily_check() (commit 24462ef), verbatim but for its schema and name.
q -c "CREATE SCHEMA bench"
q <<'SQL'
CREATE FUNCTION bench.daily_check_before()
  RETURNS TABLE (day date, customer_id text, task_type text, measure text, daily numeric, ledger numeric,
                 daily_table text, provider text, model text, route text, service_tier text, fallback_reason text,
                 retry_type text, retry_reason text)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  WITH tz AS (SELECT dexcost.timezone() AS tz),
  l AS (
      SELECT dexcost.local_day(e.occurred_at, tz.tz) AS day, e.customer_id, t.task_type,
             count(*)::numeric AS events, COALESCE(sum(e.cost_usd), 0) AS cost_usd,
             COALESCE(sum(e.cost_usd) FILTER (WHERE (e.is_retry OR e.event_type = 'retry_marker')
                                                AND e.retry_detection IS DISTINCT FROM 'dismissed'), 0) AS retry_cost_usd
        FROM dexcost.cost_event AS e
        JOIN dexcost.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       GROUP BY 1, 2, 3),
  d AS (
      SELECT a.day, a.customer_id, a.task_type, sum(a.events)::numeric AS events, sum(a.cost_usd) AS cost_usd,
             sum(a.retry_cost_usd) AS retry_cost_usd
        FROM dexcost.daily_customer_all AS a GROUP BY 1, 2, 3),
  lm AS (
      SELECT dexcost.local_day(e.occurred_at, tz.tz) AS day, t.task_type, COALESCE(e.provider, '') AS provider,
             COALESCE(e.model, '') AS model, COALESCE(e.route, '') AS route, e.service_tier,
             COALESCE(e.fallback_reason, '') AS fallback_reason,
             count(*)::numeric AS llm_calls, COALESCE(sum(e.cost_usd), 0) AS cost_usd,
             (count(*) FILTER (WHERE e.cost_usd IS NULL))::numeric AS unpriced_calls,
             COALESCE(sum(e.input_tokens), 0)::numeric AS input_tokens,
             COALESCE(sum(e.cache_read_tokens), 0)::numeric AS cache_read_tokens,
             (COALESCE(sum(e.cache_write_tokens), 0) + COALESCE(sum(e.cache_write_1h_tokens), 0))::numeric AS cache_write_tokens,
             COALESCE(sum(e.output_tokens), 0)::numeric AS output_tokens,
             COALESCE(sum(e.reasoning_tokens), 0)::numeric AS reasoning_tokens
        FROM dexcost.cost_event AS e
        JOIN dexcost.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       WHERE e.event_type = 'llm_call'
       GROUP BY 1, 2, 3, 4, 5, 6, 7),
  dm AS (
      SELECT a.day, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason,
             sum(a.llm_calls)::numeric AS llm_calls, sum(a.cost_usd) AS cost_usd,
             sum(a.unpriced_calls)::numeric AS unpriced_calls, sum(a.input_tokens)::numeric AS input_tokens,
             sum(a.cache_read_tokens)::numeric AS cache_read_tokens, sum(a.cache_write_tokens)::numeric AS cache_write_tokens,
             sum(a.output_tokens)::numeric AS output_tokens, sum(a.reasoning_tokens)::numeric AS reasoning_tokens
        FROM dexcost.daily_model_all AS a GROUP BY 1, 2, 3, 4, 5, 6, 7),
  lr AS (
      SELECT dexcost.local_day(e.occurred_at, tz.tz) AS day, t.task_type,
             COALESCE(e.retry_type, 'application_retry') AS retry_type, COALESCE(e.retry_reason, '') AS retry_reason,
             count(*)::numeric AS retries, COALESCE(sum(e.cost_usd), 0) AS retry_cost_usd,
             (count(*) FILTER (WHERE e.retry_attempt = 2))::numeric AS second_attempts,
             (count(*) FILTER (WHERE e.retry_attempt >= 3))::numeric AS later_attempts
        FROM dexcost.cost_event AS e
        JOIN dexcost.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       WHERE (e.is_retry OR e.event_type = 'retry_marker') AND e.retry_detection IS DISTINCT FROM 'dismissed'
       GROUP BY 1, 2, 3, 4),
  dr AS (
      SELECT a.day, a.task_type, a.retry_type, a.retry_reason, sum(a.retries)::numeric AS retries,
             sum(a.retry_cost_usd) AS retry_cost_usd, sum(a.second_attempts)::numeric AS second_attempts,
             sum(a.later_attempts)::numeric AS later_attempts
        FROM dexcost.daily_retry_all AS a GROUP BY 1, 2, 3, 4)
  SELECT COALESCE(d.day, l.day), COALESCE(d.customer_id, l.customer_id), COALESCE(d.task_type, l.task_type),
         m.measure, m.daily, m.ledger, 'daily_customer', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM d FULL JOIN l ON l.day = d.day AND l.customer_id = d.customer_id AND l.task_type = d.task_type
   CROSS JOIN LATERAL (VALUES ('events', COALESCE(d.events, 0), COALESCE(l.events, 0)),
                              ('cost_usd', COALESCE(d.cost_usd, 0), COALESCE(l.cost_usd, 0)),
                              ('retry_cost_usd', COALESCE(d.retry_cost_usd, 0), COALESCE(l.retry_cost_usd, 0)))
         AS m(measure, daily, ledger)
   WHERE m.daily <> m.ledger
  UNION ALL
  SELECT COALESCE(dm.day, lm.day), NULL, COALESCE(dm.task_type, lm.task_type), m.measure, m.daily, m.ledger,
         'daily_model', COALESCE(dm.provider, lm.provider), COALESCE(dm.model, lm.model), COALESCE(dm.route, lm.route),
         COALESCE(dm.service_tier, lm.service_tier), COALESCE(dm.fallback_reason, lm.fallback_reason), NULL, NULL
    FROM dm FULL JOIN lm
      ON lm.day = dm.day AND lm.task_type = dm.task_type AND lm.provider = dm.provider AND lm.model = dm.model
     AND lm.route = dm.route AND lm.service_tier = dm.service_tier AND lm.fallback_reason = dm.fallback_reason
   CROSS JOIN LATERAL (VALUES ('llm_calls', COALESCE(dm.llm_calls, 0), COALESCE(lm.llm_calls, 0)),
                              ('cost_usd', COALESCE(dm.cost_usd, 0), COALESCE(lm.cost_usd, 0)),
                              ('unpriced_calls', COALESCE(dm.unpriced_calls, 0), COALESCE(lm.unpriced_calls, 0)),
                              ('input_tokens', COALESCE(dm.input_tokens, 0), COALESCE(lm.input_tokens, 0)),
                              ('cache_read_tokens', COALESCE(dm.cache_read_tokens, 0), COALESCE(lm.cache_read_tokens, 0)),
                              ('cache_write_tokens', COALESCE(dm.cache_write_tokens, 0), COALESCE(lm.cache_write_tokens, 0)),
                              ('output_tokens', COALESCE(dm.output_tokens, 0), COALESCE(lm.output_tokens, 0)),
                              ('reasoning_tokens', COALESCE(dm.reasoning_tokens, 0), COALESCE(lm.reasoning_tokens, 0)))
         AS m(measure, daily, ledger)
   WHERE m.daily <> m.ledger
  UNION ALL
  SELECT COALESCE(dr.day, lr.day), NULL, COALESCE(dr.task_type, lr.task_type), m.measure, m.daily, m.ledger,
         'daily_retry', NULL, NULL, NULL, NULL, NULL, COALESCE(dr.retry_type, lr.retry_type),
         COALESCE(dr.retry_reason, lr.retry_reason)
    FROM dr FULL JOIN lr
      ON lr.day = dr.day AND lr.task_type = dr.task_type AND lr.retry_type = dr.retry_type
     AND lr.retry_reason = dr.retry_reason
   CROSS JOIN LATERAL (VALUES ('retries', COALESCE(dr.retries, 0), COALESCE(lr.retries, 0)),
                              ('retry_cost_usd', COALESCE(dr.retry_cost_usd, 0), COALESCE(lr.retry_cost_usd, 0)),
                              ('second_attempts', COALESCE(dr.second_attempts, 0), COALESCE(lr.second_attempts, 0)),
                              ('later_attempts', COALESCE(dr.later_attempts, 0), COALESCE(lr.later_attempts, 0)))
         AS m(measure, daily, ledger)
   WHERE m.daily <> m.ledger
   ORDER BY 1, 7, 2, 3, 8, 9, 10, 11, 12, 13, 14, 4;
END;
SQL
time_ms() { # settings function: runs it, prints "ms rows"
  q -c "$1" -c '\timing on' -c "SELECT count(*) FROM $2()" | awk '/^Time:/ {ms=$2} /^[0-9]+$/ {n=$1} END {print ms, n}'
}
# The previous audit as it ran (server defaults), the same with the planner settings daily_check() now
# sets for itself (so the ratio against it is the cost of the added measures alone), and the new audit.
runs=("before|RESET jit|bench.daily_check_before" "before_same|SET jit = off; SET enable_sort = off|bench.daily_check_before"
      "after|RESET jit|dexcost.daily_check")
for r in "${runs[@]}"; do : > "$work/${r%%|*}"; done
for i in $(seq "$repeats"); do
  for r in "${runs[@]}"; do
    IFS='|' read -r name settings f <<< "$r"
    read -r ms n < <(time_ms "$settings" "$f")
    [ "$n" = 0 ] || { echo "$f returned $n rows on a consistent ledger" >&2; exit 1; }
    echo "$ms" >> "$work/$name"
  done
done
before=$(median < "$work/before"); same=$(median < "$work/before_same"); after=$(median < "$work/after")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "   previous daily_check(), server defaults:         $(paste -sd' ' "$work/before") ms (median $before)"
echo "   previous daily_check(), jit and enable_sort off: $(paste -sd' ' "$work/before_same") ms (median $same)"
echo "   daily_check():                                   $(paste -sd' ' "$work/after") ms (median $after)"
echo "   ratio to the previous as it ran $(ratio "$after" "$before"), to the previous with the same settings $(ratio "$after" "$same")"
