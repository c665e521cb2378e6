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
: > "$work/off"; : > "$work/on"; : > "$work/ratio"
for i in $(seq "$pairs"); do
  for m in off on; do
    if [ "$m" = off ]; then how=DISABLE; else how=ENABLE; fi
    q -c "ALTER TABLE dexcost.cost_event $how TRIGGER restore_guard"
    pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$work/single.sql" "$db" 2>/dev/null | awk '/^tps = / {print $3}' | head -1 >> "$work/$m"
  done
  awk -v a="$(tail -1 "$work/off")" -v b="$(tail -1 "$work/on")" 'BEGIN { printf "%.3f\n", b / a }' >> "$work/ratio"
done
echo "restore guard: tps guard off $(paste -sd' ' "$work/off") (median $(median < "$work/off"))"
echo "restore guard: tps guard on  $(paste -sd' ' "$work/on") (median $(median < "$work/on")), on/off per pair $(paste -sd' ' "$work/ratio"), median ratio $(median < "$work/ratio")"
