#!/usr/bin/env bash
# Cancellation: each long computation of dexcost stops within 1 s of pg_cancel_backend.
#
#   scripts/cancel.sh [KEYS]     KEYS: distinct keys of the big Pareto tables (default 4000000)
#
# In a throwaway cluster: builds big inputs, then for each case starts the statement in its own
# backend, calls pg_cancel_backend after 1 s and measures the time from the cancel to the end of
# the statement. The same-run baseline is PostgreSQL's own count(*) over generate_series. A case
# that had already finished when the cancel came is reported as such (make its input bigger).
# Exits non-zero when a case takes more than 1 s to stop. Not part of `make test` (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-4000000}
cluster=cancel
db=dexcost_cancel
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT
make -s >/dev/null
make -s install >/dev/null
scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
DEXCOST_CLUSTER_CONF="work_mem = '256MB'
max_parallel_workers_per_gather = 0" scripts/cluster.sh start "$cluster" >/dev/null
eval "$(scripts/cluster.sh env "$cluster")"
createdb "$db"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
psql_q -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null

echo "cancel: building inputs ($keys-key Pareto tables, SDK payloads)"
psql_q <<SQL
CREATE TABLE public.big AS SELECT dexcost.pareto(g::text, (g % 1000)::numeric) AS p FROM generate_series(1, $keys) AS g;
CREATE TABLE public.halves AS
  SELECT dexcost.pareto(g::text, 1) AS p FROM generate_series(1, $keys) AS g
  UNION ALL SELECT dexcost.pareto((g + $keys / 2)::text, 1) FROM generate_series(1, $keys) AS g;
-- 200,000 events of one task: about 90 MB of JSON text.
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('c0000000-0000-0000-0000-000000000001', 'cancel-co', 'cancel');
CREATE TABLE public.events_payload AS
  SELECT '{"events": [' || string_agg(format(
    '{"event_id": "%s", "task_id": "c0000000-0000-0000-0000-000000000001", "event_type": "llm_call",'
    ' "occurred_at": "2026-11-10T10:00:00Z", "cost_usd": null, "cost_confidence": "unknown", "pricing_source": null,'
    ' "pricing_version": null, "service_name": "openai", "provider": "openai", "model": "gpt-4o-mini",'
    ' "input_tokens": %s, "output_tokens": 20, "cached_tokens": null, "latency_ms": 100, "is_retry": false,'
    ' "retry_reason": null, "retry_of": null, "details": {}, "schema_version": "1"}',
    ('c1000000-0000-0000-0000-' || lpad(g::text, 12, '0')), g), ',') || ']}' AS payload
  FROM generate_series(1, 200000) AS g;
-- 3,000 tasks, each the parent of the one before it: children come first in the payload.
CREATE TABLE public.chain_payload AS
  SELECT '{"tasks": [' || string_agg(format(
    '{"task_id": "%s", "task_type": "chain", "status": "pending", "started_at": "2026-11-10T10:00:00Z",'
    ' "ended_at": null, "metadata": {}, "customer_id": "cancel-co", "project_id": null, "parent_task_id": %s,'
    ' "llm_cost_usd": "0.00", "external_cost_usd": "0.00", "compute_cost_usd": "0.00", "network_cost_usd": "0.00",'
    ' "gpu_cost_usd": "0.00", "total_cost_usd": "0.00", "total_input_tokens": 0, "total_output_tokens": 0,'
    ' "total_cached_tokens": 0, "network_bytes_in": 0, "network_bytes_out": 0, "network_call_count": 0,'
    ' "retry_count": 0, "retry_cost_usd": "0.00", "failure_count": 0, "schema_version": "1"}',
    'c2000000-0000-0000-0000-' || lpad(g::text, 12, '0'),
    CASE WHEN g = 3000 THEN 'null' ELSE '"c2000000-0000-0000-0000-' || lpad((g + 1)::text, 12, '0') || '"' END),
    ',' ORDER BY g) || ']}' AS payload
  FROM generate_series(1, 3000) AS g;
SQL

# name|statement
cases=$(cat <<'CASES'
baseline: count(*) over generate_series|SELECT count(*) FROM generate_series(1, 2000000000);
pareto_top: ranking the keys|SELECT count(*) FROM public.big, dexcost.pareto_top(p, 10);
pareto_top: every key as a row|SELECT count(*) FROM public.big, dexcost.pareto_top(p, NULL);
pareto_summary: ranking and shares|SELECT dexcost.pareto_summary(p) IS NOT NULL FROM public.big;
pareto output: canonical serialization|SELECT length(p::text) FROM public.big;
pareto_merge: merging two big tables|SELECT dexcost.pareto_summary(dexcost.pareto_merge(p)) FROM public.halves;
ingest(text): 200,000 events|SELECT dexcost.ingest(payload) FROM public.events_payload;
ingest(text): 3,000 tasks in a reversed parent chain|SELECT dexcost.ingest(payload) FROM public.chain_payload;
percentiles: 1000 fractions over 20M values|SELECT dexcost.percentiles(g::float8, (SELECT array_agg(f / 1000.0) FROM generate_series(0, 999) AS f)) FROM generate_series(1, 20000000) AS g;
cost_event: 2M-row insert and its roll-up trigger|INSERT INTO dexcost.cost_event (task_id, event_type, service_name, cost_usd) SELECT 'c0000000-0000-0000-0000-000000000001', 'external_cost', 'x', 0.001 FROM generate_series(1, 2000000);
CASES
)

printf '%-52s %12s %12s\n' case "ran (s)" "cancel (s)"
failed=0
while IFS='|' read -r name stmt; do
  [ -n "$name" ] || continue
  out=$(mktemp)
  start=$(date +%s.%N)
  PGAPPNAME=dexcost_cancel psql -X -q -d "$db" -c "$stmt" >"$out" 2>&1 &
  pid=$!
  sleep 1
  t0=$(date +%s.%N)
  hit=$(psql -X -q -At -d "$db" -c "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity
                                    WHERE application_name = 'dexcost_cancel' AND state = 'active'")
  wait "$pid" || true
  t1=$(date +%s.%N)
  if [ "$hit" = 0 ]; then
    printf '%-52s %12.2f %12s\n' "$name" "$(echo "$t1 - $start" | bc)" "finished first"
  elif ! grep -q 'canceling statement due to user request' "$out"; then
    printf '%-52s %12.2f %12s  %s\n' "$name" "$(echo "$t1 - $start" | bc)" "?" "$(head -c 200 "$out" | tr '\n' ' ')"
    failed=1
  else
    latency=$(echo "$t1 - $t0" | bc)
    verdict=""
    if [ "$(echo "$latency > 1.0" | bc)" = 1 ]; then verdict="  TOO SLOW"; failed=1; fi
    printf '%-52s %12.2f %12.3f%s\n' "$name" "$(echo "$t1 - $start" | bc)" "$latency" "$verdict"
  fi
  rm -f "$out"
done <<< "$cases"
exit $failed
