#!/usr/bin/env bash
# What the budget spend triggers alone cost a one-row INSERT: pgbench (4 clients) with the
# roll-up and daily triggers on, the budget triggers off (baseline) and on, alternating, in
# one run; the ratio is taken per off/on pair. Two budget set-ups: 100 of 500 customers with
# a budget (the events alone decide), and 10 task-type budgets (one task lookup per statement).
# Usage: bench/budget_trigger.sh [pgbench_seconds] [pairs]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-6}
pairs=${2:-6}
cluster=${DEXCOST_BENCH_CLUSTER:-bench}
db=dexcost_bench
source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '1GB'
synchronous_commit = off"
bench_start "$cluster"
createdb "$db"
q -c "CREATE EXTENSION dexcost CASCADE"
one_row_ingest_setup
for setup in customer task_type; do
  q -c "TRUNCATE dexcost.budget CASCADE"
  case $setup in
    customer) q -c "INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'customer', 'c' || i, 'month', 1000 FROM generate_series(0, 99) AS i" ;;
    task_type) q -c "INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'task_type', 'w' || i, 'month', 1000 FROM generate_series(0, 9) AS i" ;;
  esac
  trigger_pairs "$setup budgets, budget trigger" cost_event_budget_insert
done
