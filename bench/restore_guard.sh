#!/usr/bin/env bash
# What the restore guard (a statement trigger on every dumped table, WHEN application_name is
# pg_restore) costs a one-row INSERT into dexcost.cost_event outside a restore: pgbench
# (4 clients) with every other trigger on, the guard off (baseline) and on, alternating, in one
# run; the ratio is taken per off/on pair.
# Usage: bench/restore_guard.sh [pgbench_seconds] [pairs]
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
trigger_pairs "restore guard" restore_guard
