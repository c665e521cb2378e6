#!/usr/bin/env bash
# What the daily pre-aggregates (and the budget spend counters) cost at ingest: the same
# COPY and single-row INSERT workloads with their statement triggers on vs off, alternating,
# in one run. The roll-up triggers stay on in both (bench/rollups.sh measures those).
# Usage: bench/daily_ingest.sh [copy_rows] [pgbench_seconds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
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
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || (i % 500), 'w' || (i % 50)
  FROM generate_series(1, 5000) AS i;
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'customer', 'c' || i, 'month', 1000 FROM generate_series(0, 99) AS i;
SQL
csv="$base/events.csv"
q -c "COPY (SELECT gen_random_uuid(), 'c' || (t % 500), ('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid,
               'llm_call', timestamptz '2026-06-01' + i * interval '1 s', 'openai', 'gpt-4o-mini', 1200, 150
          FROM (SELECT i, 1 + (i % 5000) AS t FROM generate_series(1, $rows) AS i) AS s) TO '$csv' CSV"
triggers() { # enable|disable: the 0.2 statement triggers on cost_event other than the roll-ups
  local a=${1^^}
  q -c "ALTER TABLE dexcost.cost_event $a TRIGGER daily_events_inserted, $a TRIGGER daily_events_deleted,
        $a TRIGGER daily_events_updated, $a TRIGGER cost_event_budget_insert,
        $a TRIGGER cost_event_budget_update, $a TRIGGER cost_event_budget_delete"
}
reset() { q -c "SET session_replication_role = replica; TRUNCATE dexcost.cost_event" -c 'CHECKPOINT' >/dev/null; }
cat > "$work/single.sql" <<SQL
\set t random(1, 5000)
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, output_tokens)
VALUES ('c' || (:t::int % 500), ('00000000-0000-4000-8000-' || lpad(to_hex(:t::int), 12, '0'))::uuid, 'llm_call',
        'openai', 'gpt-4o-mini', 1200, 150);
SQL
: > "$work/copy_off"; : > "$work/copy_on"; : > "$work/tps_off"; : > "$work/tps_on"
for i in $(seq "$repeats"); do
  if [ $((i % 2)) = 1 ]; then order="disable enable"; else order="enable disable"; fi
  for m in $order; do
    reset; triggers "$m"
    s=$(date +%s.%N)
    q -c "COPY dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens) FROM '$csv' CSV"
    e=$(date +%s.%N)
    f=$([ "$m" = enable ] && echo on || echo off)
    awk -v n="$rows" -v a="$s" -v b="$e" 'BEGIN { printf "%.0f\n", n / (b - a) }' >> "$work/copy_$f"
    pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$work/single.sql" "$db" 2>/dev/null | awk '/^tps = / {print $3}' | head -1 >> "$work/tps_$f"
  done
done
triggers enable
for k in copy tps; do
  off=$(median < "$work/${k}_off"); on=$(median < "$work/${k}_on")
  echo "   $k: pre-aggregates off $(paste -sd' ' "$work/${k}_off") (median $off), on $(paste -sd' ' "$work/${k}_on") (median $on), ratio $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }')"
done
