#!/usr/bin/env bash
# SDK ingest throughput: N dexcost SDK v1 events sent to dexcost.ingest(text) and ingest(jsonb) in payloads of 500
# records, one transaction per payload as the SDK posts them (the JSON text is parsed in the
# call), against COPY of the same rows into the same dexcost.cost_event (same indexes,
# triggers and roll-ups) in the same run. Goal: ingest >= 0.5 of COPY's rows/s.
#
# Events belong to 1,000 tasks of 100 events each (at 100k events), run `concurrent` at a time
# as an agent fleet runs them: a payload holds the events of the tasks running while it filled.
# concurrent=1000 has every task running through the whole run: each payload of 500 events then
# touches 500 tasks, the worst case for the per-statement roll-up ledger.
#
# Usage: bench/ingest.sh [events] [payload_size] [repeats] [concurrent]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
per_payload=${2:-500}
repeats=${3:-3}
concurrent=${4:-50}
cluster=bench-ingest
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'"
bench_start "$cluster"

createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'
# 1,000 tasks of 50 customers, and the events: llm calls with an exact cost, as the SDK sends them.
# Event j (from 0) falls in block j / (concurrent * per_task), where concurrent tasks take turns.
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid, 'cust-' || (t % 50), 'bench'
  FROM generate_series(1, 1000) t;
CREATE TABLE bench_event AS
SELECT i, gen_random_uuid() AS event_id, 'cust-' || (t % 50) AS customer_id,
       ('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid AS task_id,
       timestamptz '2026-11-01' + i * interval '1 second' AS occurred_at,
       (100 + i % 3000) AS input_tokens, (10 + i % 700) AS output_tokens, (i % 7) * 64 AS cached_tokens,
       round((0.000001 * (i % 5000))::numeric, 6)::text AS cost_usd
  FROM (SELECT i, 1 + ((j / ($concurrent * p)) * $concurrent + j % $concurrent) % 1000 AS t
          FROM generate_series(1, $events) i, LATERAL (SELECT i - 1 AS j, greatest($events / 1000, 1) AS p) k) s;
-- The SDK's JSON, one payload per $per_payload events.
CREATE TABLE bench_payload AS
SELECT (i - 1) / $per_payload AS n,
       jsonb_build_object('events', jsonb_agg(jsonb_build_object(
           'event_id', event_id, 'task_id', task_id, 'event_type', 'llm_call',
           'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'cost_usd', cost_usd, 'cost_confidence', 'exact', 'pricing_source', 'provider_response',
           'pricing_version', '2026-05-01', 'service_name', 'openai', 'provider', 'openai', 'model', 'gpt-4o-mini',
           'input_tokens', input_tokens + cached_tokens, 'output_tokens', output_tokens, 'cached_tokens', cached_tokens,
           'latency_ms', 800, 'is_retry', false, 'retry_reason', NULL, 'retry_of', NULL,
           'details', jsonb_build_object('temperature', 0.2), 'schema_version', '1') ORDER BY i))::text AS payload
  FROM bench_event GROUP BY (i - 1) / $per_payload;
SQL
# The same rows as COPY would load them.
q -c "COPY (SELECT event_id, customer_id, task_id, 'llm_call', occurred_at, cost_usd, 'exact', 'provider_response',
                   '2026-05-01', 'openai', 'openai', 'gpt-4o-mini', input_tokens, cached_tokens, output_tokens, 800, false,
                   '{\"temperature\": 0.2}' FROM bench_event ORDER BY i) TO '$base/events.csv' CSV"
payloads=$(q -c "SELECT count(*) FROM bench_payload")
# ingest(text): the payload as the JSON text a relay receives, parsed by dexcost's parser;
# ingest(jsonb): the same text cast to jsonb in the call (PostgreSQL's jsonb input parses it).
for n in $(seq 0 $((payloads - 1))); do
  echo "SELECT (dexcost.ingest(payload))->>'rejected' FROM bench_payload WHERE n = $n;"
done > "$work/ingest.sql"
sed 's/dexcost.ingest(payload)/dexcost.ingest(payload::jsonb)/' "$work/ingest.sql" > "$work/ingest_jsonb.sql"
bytes=$(q -c "SELECT sum(octet_length(payload)) FROM bench_payload")
tasks_per_payload=$(q -c "SELECT round(avg(c)) FROM (SELECT count(DISTINCT task_id) AS c FROM bench_event GROUP BY (i - 1) / $per_payload) s")
echo "$events events in $payloads payloads of $per_payload ($((bytes / payloads / 1024)) kB of JSON each, $tasks_per_payload tasks each; $concurrent tasks running at once)"

reset() { q -c 'TRUNCATE dexcost.cost_event' -c 'DELETE FROM dexcost.ingest_receipt' -c 'CHECKPOINT'; }
now() { date +%s.%N; }
copy_rates=(); ingest_rates=(); jsonb_rates=()
rate() { awk -v n="$events" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", n / (b - a) }'; }
total() { q -c "SELECT sum(cost_usd) || ' USD in ' || count(*) || ' events' FROM dexcost.cost_event"; }
for r in $(seq 1 "$repeats"); do
  reset
  t0=$(now)
  q -c "COPY dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, cost_usd, cost_confidence,
                                 pricing_source, pricing_version, service_name, provider, model, input_tokens,
                                 cache_read_tokens, output_tokens, latency_ms, is_retry, details) FROM '$base/events.csv' CSV"
  t1=$(now)
  copy_rates+=("$(rate "$t0" "$t1")")
  copy_sum=$(total)
  for variant in ingest ingest_jsonb; do
    reset
    t0=$(now)
    rejected=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f "$work/$variant.sql" | awk '{s += $1} END {print s + 0}')
    t1=$(now)
    if [ "$variant" = ingest ]; then ingest_rates+=("$(rate "$t0" "$t1")"); else jsonb_rates+=("$(rate "$t0" "$t1")"); fi
    sum=$(total)
    [ "$copy_sum" = "$sum" ] && [ "$rejected" = 0 ] ||
      { echo "$variant stored something else than COPY: $sum, $rejected rejected" >&2; exit 1; }
  done
  echo "run $r: COPY ${copy_rates[-1]} rows/s, ingest(text) ${ingest_rates[-1]} rows/s," \
       "ingest(jsonb) ${jsonb_rates[-1]} rows/s (each: $copy_sum, 0 rejected)"
done
c=$(printf '%s\n' "${copy_rates[@]}" | median)
i=$(printf '%s\n' "${ingest_rates[@]}" | median)
j=$(printf '%s\n' "${jsonb_rates[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "COPY $c rows/s; ingest(text) $i rows/s, ratio $(ratio "$i" "$c") (goal >= 0.50);" \
     "ingest(jsonb) $j rows/s, ratio $(ratio "$j" "$c")"
# A second delivery of every payload stores nothing twice.
q -c "SELECT dexcost.fold_rollups()" >/dev/null
before=$(q -c "SELECT count(*) || ' events, ' || sum(cost_usd) || ' USD' FROM dexcost.cost_event")
psql -X -q -At -d "$db" -f "$work/ingest.sql" >/dev/null
after=$(q -c "SELECT count(*) || ' events, ' || sum(cost_usd) || ' USD' FROM dexcost.cost_event")
deltas=$(q -c "SELECT count(*) FROM dexcost.task_rollup_delta")
echo "every payload sent again: $before before, $after after, $deltas roll-up deltas appended"
