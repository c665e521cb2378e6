#!/usr/bin/env bash
# What the daily pre-aggregates (and the budget spend counters) cost at ingest: the same
# COPY and single-row INSERT workloads with roll-ups only (the baseline), + the daily
# pre-aggregate triggers, + the budget spend triggers too, in rotating order, in one run.
# The roll-up triggers stay on throughout (bench/rollups.sh measures those). 100 of the 500
# customers have a monthly budget, so a fifth of the statements touch one.
# Usage: bench/daily_ingest.sh [copy_rows] [pgbench_seconds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-500000}
seconds=${2:-20}
repeats=${3:-3}
cluster=${DEXCOST_BENCH_CLUSTER:-bench}
db=dexcost_bench
source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'
synchronous_commit = off"
bench_start "$cluster"
createdb "$db"
q -c "CREATE EXTENSION dexcost CASCADE"
one_row_ingest_setup
q <<SQL
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'customer', 'c' || i, 'month', 1000 FROM generate_series(0, 99) AS i;
SQL
csv="$base/events.csv"
q -c "COPY (SELECT gen_random_uuid(), 'c' || (t % 500), ('00000000-0000-4000-8000-' || lpad(to_hex(t), 12, '0'))::uuid,
               'llm_call', timestamptz '2026-06-01' + i * interval '1 s', 'openai', 'gpt-4o-mini', 1200, 150
          FROM (SELECT i, 1 + (i % 5000) AS t FROM generate_series(1, $rows) AS i) AS s) TO '$csv' CSV"
daily_triggers="daily_events_inserted daily_events_deleted daily_events_updated"
budget_triggers="cost_event_budget_insert cost_event_budget_update cost_event_budget_delete"
triggers() { # none|daily|all: which 0.2 statement triggers on cost_event (besides the roll-ups) are on
  local on off t sql=""
  case $1 in
    none) on=""; off="$daily_triggers $budget_triggers" ;;
    daily) on="$daily_triggers"; off="$budget_triggers" ;;
    all) on="$daily_triggers $budget_triggers"; off="" ;;
  esac
  for t in $on; do sql="$sql, ENABLE TRIGGER $t"; done
  for t in $off; do sql="$sql, DISABLE TRIGGER $t"; done
  q -c "ALTER TABLE dexcost.cost_event ${sql#, }"
}
reset() { q -c "SET session_replication_role = replica; TRUNCATE dexcost.cost_event" -c 'CHECKPOINT' >/dev/null; }
for m in none daily all; do : > "$work/copy_$m"; : > "$work/tps_$m"; done
for i in $(seq "$repeats"); do
  case $((i % 3)) in 1) order="none daily all" ;; 2) order="all none daily" ;; *) order="daily all none" ;; esac
  for m in $order; do
    reset; triggers "$m"
    s=$(date +%s.%N)
    q -c "COPY dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens) FROM '$csv' CSV"
    e=$(date +%s.%N)
    awk -v n="$rows" -v a="$s" -v b="$e" 'BEGIN { printf "%.0f\n", n / (b - a) }' >> "$work/copy_$m"
    single_tps >> "$work/tps_$m"
  done
done
triggers all
for k in copy tps; do
  none=$(median < "$work/${k}_none"); daily=$(median < "$work/${k}_daily"); all=$(median < "$work/${k}_all")
  echo "   $k: roll-ups only $(paste -sd' ' "$work/${k}_none") (median $none)"
  echo "   $k: + daily pre-aggregates $(paste -sd' ' "$work/${k}_daily") (median $daily), ratio $(awk -v a="$daily" -v b="$none" 'BEGIN { printf "%.2f", a / b }')"
  echo "   $k: + daily and budget spend $(paste -sd' ' "$work/${k}_all") (median $all), ratio $(awk -v a="$all" -v b="$none" 'BEGIN { printf "%.2f", a / b }')"
done
