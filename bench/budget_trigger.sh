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
q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || (i % 500), 'w' || (i % 50)
  FROM generate_series(1, 5000) AS i;
SQL
cat > "$work/single.sql" <<SQL
\set t random(1, 5000)
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, output_tokens)
VALUES ('c' || (:t::int % 500), ('00000000-0000-4000-8000-' || lpad(to_hex(:t::int), 12, '0'))::uuid, 'llm_call',
        'openai', 'gpt-4o-mini', 1200, 150);
SQL
for setup in customer task_type; do
  q -c "TRUNCATE dexcost.budget CASCADE"
  case $setup in
    customer) q -c "INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'customer', 'c' || i, 'month', 1000 FROM generate_series(0, 99) AS i" ;;
    task_type) q -c "INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) SELECT 'task_type', 'w' || i, 'month', 1000 FROM generate_series(0, 9) AS i" ;;
  esac
  : > "$work/off"; : > "$work/on"; : > "$work/ratio"
  for i in $(seq "$pairs"); do
    for m in off on; do
      if [ "$m" = off ]; then how=DISABLE; else how=ENABLE; fi
      q -c "ALTER TABLE dexcost.cost_event $how TRIGGER cost_event_budget_insert"
      pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$work/single.sql" "$db" 2>/dev/null | awk '/^tps = / {print $3}' | head -1 >> "$work/$m"
    done
    awk -v a="$(tail -1 "$work/off")" -v b="$(tail -1 "$work/on")" 'BEGIN { printf "%.3f\n", b / a }' >> "$work/ratio"
  done
  echo "   $setup budgets: tps budget triggers off $(paste -sd' ' "$work/off") (median $(median < "$work/off"))"
  echo "   $setup budgets: tps budget triggers on  $(paste -sd' ' "$work/on") (median $(median < "$work/on")), on/off per pair $(paste -sd' ' "$work/ratio"), median ratio $(median < "$work/ratio")"
done
