#!/usr/bin/env bash
# Cancellation: each long computation of dexcost stops within 1 s of pg_cancel_backend.
#
#   scripts/cancel.sh [KEYS]     KEYS: distinct keys of the big Pareto tables (default 4000000)
#   DEXCOST_CANCEL_ONLY=REGEX scripts/cancel.sh   only the cases whose name matches (and only their inputs)
#
# In a throwaway cluster: builds big inputs, then for each case starts the statement in its own
# backend, calls pg_cancel_backend after 1 s and measures the time from the cancel to the end of
# the statement (a case may wait longer, to land in its C++ phase). The same-run baseline is PostgreSQL's own count(*) over generate_series. A case
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

# name|statement[|seconds before the cancel, default 1: later for a case whose C++ phase starts later]
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
percentile: one fraction over 50M values|SELECT dexcost.percentile(g::float8, 0.95) FROM generate_series(1, 50000000) AS g;
anomalies: read the 300,000 x 366-day panel|SELECT count(*) FROM dexcost.detect_anomalies(as_of => '2027-01-01 12:00+00', lookback => '366 days');
anomalies: detectors over 300,000 customers x 366 days|SELECT count(*) FROM dexcost.detect_anomalies(as_of => '2027-01-01 12:00+00', lookback => '366 days');|4.5
import_invoice: 500,000-line OpenAI CSV|SELECT status FROM public.big_csv, dexcost.import_invoice('openai-big', 'openai_costs_csv', content);
import_invoice: 300,000-result Anthropic JSON|SELECT status FROM public.big_json, dexcost.import_invoice('anthropic-big', 'anthropic_cost_report', content);
reconcile: 200,000 invoice lines, 1M events, by day|SELECT count(*) FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'day');
cost_event: 2M-row insert and its roll-up trigger|INSERT INTO dexcost.cost_event (task_id, event_type, service_name, cost_usd) SELECT 'c0000000-0000-0000-0000-000000000001', 'external_cost', 'x', 0.001 FROM generate_series(1, 2000000);
CASES
)
want() { [[ "$1" =~ ${DEXCOST_CANCEL_ONLY:-.} ]]; }
# The names of the selected cases; need REGEX: some selected case's name matches (its inputs are built).
selected=$(while IFS='|' read -r name _; do [ -n "$name" ] && want "$name" && echo "$name"; done <<< "$cases" || true)
need() { grep -qE "$1" <<< "$selected"; }
echo "cancel: building inputs"
psql_q -c "INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('c0000000-0000-0000-0000-000000000001', 'cancel-co', 'cancel')"
if need pareto; then
psql_q <<SQL
CREATE TABLE public.big AS SELECT dexcost.pareto(g::text, (g % 1000)::numeric) AS p FROM generate_series(1, $keys) AS g;
CREATE TABLE public.halves AS
  SELECT dexcost.pareto(g::text, 1) AS p FROM generate_series(1, $keys) AS g
  UNION ALL SELECT dexcost.pareto((g + $keys / 2)::text, 1) FROM generate_series(1, $keys) AS g;
SQL
fi
if need ingest; then
psql_q <<SQL
-- 200,000 events of one task: about 90 MB of JSON text.
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
fi
if need 'anomal|reconcile|import_invoice'; then
psql_q <<'SQL'
-- Anomaly scan: 300,000 customers (300 task types) on the observed day 2026-12-31, each over the cost
-- floor, against a 366-day baseline: a 300,000 x 367 matrix the detectors walk customer by customer.
INSERT INTO dexcost.daily_customer (day, customer_id, task_type, cost_usd, tasks)
  SELECT date '2026-12-31', 'cust-' || k, 'type-' || (k % 300), 5 + (k % 17), 1 FROM generate_series(1, 300000) AS k;
-- Invoices: a 500,000-line OpenAI cost CSV (about 100 MB) and a 300,000-result Anthropic cost report.
CREATE TABLE public.big_csv AS
  SELECT 'start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,'
         'user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source' || E'\n' ||
         string_agg(format('%s,%s,,,0.0015,usd,600,tokens,"gpt-4o-2024-08-06, input_tokens",,key_%s,proj_%s,org_1,,,,',
                           1788220800 + (g % 30) * 86400, 1788307200 + (g % 30) * 86400, g, g % 100), E'\n') AS content
    FROM generate_series(1, 500000) AS g;
CREATE TABLE public.big_json AS
  SELECT '{"data": [{"starting_at": "2026-09-01T00:00:00Z", "ending_at": "2026-09-02T00:00:00Z", "results": [' ||
         string_agg(format('{"currency": "USD", "amount": "%s.25", "workspace_id": "wrk_%s", "description": "d%s",'
                           ' "cost_type": "tokens", "model": "claude-sonnet-4-5", "service_tier": "standard",'
                           ' "token_type": "output_tokens"}', g % 1000, g % 50, g), ', ') || ']}]}' AS content
    FROM generate_series(1, 300000) AS g;
-- Reconcile: 200,000 invoice lines and 1,000,000 priced events over September.
SELECT status, lines_loaded FROM dexcost.import_invoice('seed', 'openai_costs_csv',
  (SELECT 'start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,'
          'user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source' || E'\n' ||
          string_agg(format('%s,%s,,,0.01,usd,1000,tokens,"m%s, input_tokens",,key_%s,proj_%s,org_1,,,,',
                            1788220800 + (g % 30) * 86400, 1788307200 + (g % 30) * 86400, g % 2000, g, g % 100), E'\n')
     FROM generate_series(1, 200000) AS g));
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('c3000000-0000-0000-0000-000000000001', 'cancel-co', 'reconcile');
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens, cost_usd)
  SELECT 'c3000000-0000-0000-0000-000000000001', 'llm_call', timestamptz '2026-09-01 00:00+00' + (g % 720) * interval '1 hour',
         'openai', 'm' || (g % 2000), 1000, 0, 0.01
    FROM generate_series(1, 1000000) AS g;
SQL
fi

printf '%-52s %12s %12s\n' case "ran (s)" "cancel (s)"
failed=0
while IFS='|' read -r name stmt delay; do
  [ -n "$name" ] || continue
  want "$name" || continue
  out=$(mktemp)
  start=$(date +%s.%N)
  PGAPPNAME=dexcost_cancel psql -X -q -d "$db" -c "$stmt" >"$out" 2>&1 &
  pid=$!
  sleep "${delay:-1}"
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
