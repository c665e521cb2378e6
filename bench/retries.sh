#!/usr/bin/env bash
# Retry detection, two measurements in one run:
#
#   1. Single-row ingest with dexcost.enable_retry_heuristics on vs off (pgbench, 4 clients,
#      one llm_call per transaction into tasks that already hold calls, 1 in 5 of them
#      failing with a transient error). Off and on alternate (off on off on ...) and the
#      medians are compared (the order swaps each round).                  goal >= 0.85
#   2. detect_retries() over N llm_calls (default 1,000,000) against the same question in
#      plain SQL with LAG over (customer, task, model) ordered by time; the two must return
#      the same rows (counted and summed), then the medians of the timings are compared.
#                                                                         goal >= 3x
# Usage: bench/retries.sh [events] [pgbench_seconds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
seconds=${2:-20}
repeats=${3:-3}
cluster=bench
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'
synchronous_commit = off"
bench_start "$cluster"
createdb "$db"
q -c "CREATE EXTENSION dexcost CASCADE"

tasks=$((events / 20))
echo "== data: $events llm_calls in $tasks tasks (20 each, 3 models, 1 in 5 failing, 1 to 7 s apart, no ties)"
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || (i % 1000), 't' || (i % 50)
  FROM generate_series(1, $tasks) AS i;
ALTER TABLE dexcost.cost_event DISABLE TRIGGER cost_event_rollup_insert;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type)
SELECT 'c' || (t % 1000), ('00000000-0000-0000-0000-' || lpad(to_hex(t), 12, '0'))::uuid, 'llm_call',
       timestamptz '2026-06-01' + (t % 86400) * interval '1 s' + (k * 4 + (hashint4(t * 31 + k) & 3)) * interval '1 s',
       'openai', (ARRAY['gpt-4o', 'gpt-4o-mini', 'o3'])[1 + (hashint4(t * 7 + k) & 1) + (k % 3 = 0)::int], 0.001,
       CASE WHEN hashint4(t * 13 + k) % 5 = 0 THEN (ARRAY['rate_limit', 'timeout', '5xx', 'invalid_request'])[1 + (hashint4(k + t) & 3)] END
  FROM generate_series(1, $tasks) AS t, generate_series(1, 20) AS k;
ALTER TABLE dexcost.cost_event ENABLE TRIGGER cost_event_rollup_insert;
SELECT dexcost.rebuild_rollups();
VACUUM ANALYZE dexcost.cost_event;
VACUUM ANALYZE dexcost.task;
SQL

echo "== 1. single-row ingest, heuristics off vs on ($seconds s each, 4 clients, medians of $repeats)"
cat > "$work/single.sql" <<SQL
\set t random(1, $tasks)
\set k random(1, 20)
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type)
VALUES ('c' || (:t::int % 1000), ('00000000-0000-0000-0000-' || lpad(to_hex(:t::int), 12, '0'))::uuid, 'llm_call',
        timestamptz '2026-06-01' + (:t::int % 86400) * interval '1 s' + (:k::int * 20 + 3) * interval '1 s', 'openai', 'gpt-4o', 0.001,
        CASE WHEN :k::int % 5 = 0 THEN 'rate_limit' END);
SQL
run() { # setting -> tps (pgbench errors in $work/pgbench.err)
  PGOPTIONS="-c client_min_messages=warning -c dexcost.enable_retry_heuristics=$1" \
    pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$work/single.sql" "$db" 2>"$work/pgbench.err" | awk '/^tps = / {print $3}' | head -1
}
: > "$work/off"; : > "$work/on"
for i in $(seq "$repeats"); do # off on, on off, off on, ...: table growth hits both sides
  if [ $((i % 2)) = 1 ]; then order="off on"; else order="on off"; fi
  for s in $order; do run "$s" >> "$work/$s" || { cat "$work/pgbench.err" >&2; exit 1; }; done
done
off=$(median < "$work/off"); on=$(median < "$work/on")
flagged=$(q -c "SELECT count(*) FROM dexcost.cost_event WHERE retry_detection = 'heuristic'")
echo "   off: $(paste -sd' ' "$work/off") tps  (median $off)"
echo "   on:  $(paste -sd' ' "$work/on") tps  (median $on); $flagged calls flagged by the heuristic"
awk -v a="$on" -v b="$off" 'BEGIN { printf "   ratio on/off: %.2f  (goal >= 0.85)\n", a / b }'

echo "== 2. detect_retries over $events llm_calls vs plain SQL with LAG (medians of $repeats)"
q -c "SET work_mem = '256MB'" >/dev/null
cat > "$work/c.sql" <<'SQL'
SET work_mem = '256MB';
SELECT count(*), sum(confidence)::numeric(20,6), sum(cost_usd) FROM dexcost.detect_retries('2026-06-01', '2026-06-03', '30 s', 0.8);
SQL
cat > "$work/sql.sql" <<'SQL'
SET work_mem = '256MB';
WITH c AS (
  SELECT e.event_id, e.occurred_at, e.cost_usd, e.retry_detection,
         lag(e.occurred_at) OVER w AS cand_at, lag(e.error_type) OVER w AS cand_error
    FROM dexcost.cost_event AS e
   WHERE e.event_type = 'llm_call' AND e.occurred_at >= timestamptz '2026-06-01' - interval '30 s'
     AND e.occurred_at < '2026-06-03'
  WINDOW w AS (PARTITION BY e.customer_id, e.task_id, e.model ORDER BY e.occurred_at, e.recorded_at)),
s AS (
  SELECT c.*, CASE lower(c.cand_error) WHEN 'rate_limit' THEN 1.0 WHEN 'timeout' THEN 0.9 WHEN '5xx' THEN 0.85
                WHEN 'server_error' THEN 0.85 WHEN 'connection_error' THEN 0.8 ELSE 0 END
              * (1 - extract(epoch FROM c.occurred_at - c.cand_at) / 30) AS confidence
    FROM c WHERE c.occurred_at >= '2026-06-01' AND c.cand_at IS NOT NULL
     AND c.occurred_at - c.cand_at BETWEEN interval '0' AND interval '30 s')
SELECT count(*), sum(confidence)::numeric(20,6), sum(cost_usd) FROM s WHERE confidence > 0 AND confidence >= 0.8 - 1e-12;
SQL
timeit() { # file -> seconds; answer to $work/answer
  local t0 t1
  t0=$(date +%s.%N); q -f "$1" | tail -1 > "$work/answer"; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
: > "$work/tc"; : > "$work/tsql"
for _ in $(seq "$repeats"); do
  timeit "$work/sql.sql" >> "$work/tsql"; cp "$work/answer" "$work/answer_sql"
  timeit "$work/c.sql" >> "$work/tc"; cp "$work/answer" "$work/answer_c"
done
echo "   detect_retries: $(cat "$work/answer_c")   (count|sum confidence|sum cost)"
echo "   plain SQL:      $(cat "$work/answer_sql")"
if ! cmp -s "$work/answer_c" "$work/answer_sql"; then echo "   ANSWERS DIFFER" >&2; exit 1; fi
tc=$(median < "$work/tc"); tsql=$(median < "$work/tsql")
echo "   detect_retries: $(paste -sd' ' "$work/tc") s (median $tc); plain SQL: $(paste -sd' ' "$work/tsql") s (median $tsql)"
awk -v a="$tsql" -v b="$tc" 'BEGIN { printf "   speed-up: %.2fx  (goal >= 3x)\n", a / b }'
