#!/usr/bin/env bash
# Roll-up overhead: dexcost.cost_event with its roll-up triggers against the same table,
# indexes, foreign key and pricing trigger with the roll-up triggers disabled, in one run.
#
#   1. COPY of N events (default 1,000,000), rows/s          goal >= 0.80 of the baseline
#   2. pgbench, 8 clients, single-row INSERTs into shared task trees, tps   goal >= 0.80
#   3. pgbench, 8 clients, 100-row INSERT ... SELECT batches over shared task trees three
#      levels deep, rows/s; deadlocks, failed transactions and lock waits counted; at the end
#      the totals are folded and checked against the ledger            goal >= 0.70, 0 deadlocks
#
# Baseline and roll-up runs alternate (B R B R ...) and the medians are compared, so machine
# noise hits both sides. Usage: bench/rollups.sh [copy_rows] [pgbench_seconds] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
seconds=${2:-30}
repeats=${3:-3}
cluster=bench
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'
work_mem = '64MB'
max_connections = 60"
bench_start "$cluster"

createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'
# 200 trees, three levels: a root, 5 children, 25 grandchildren (6,200 tasks), 50 customers.
# Task n has a uuid made from n, and the customer of its tree, so a client can name both.
q <<'SQL'
CREATE FUNCTION bench_task(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  RETURN ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid;
CREATE FUNCTION bench_customer(n int) RETURNS text LANGUAGE sql IMMUTABLE
  RETURN 'cust-' || (((n - 1) / 31) % 50);
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT bench_task(n), bench_customer(n), 'root' FROM generate_series(1, 6200) n WHERE (n - 1) % 31 = 0;
-- Within a tree, offset o = (n - 1) % 31: 0 is the root, 1..5 its children, 6..30 grandchildren
-- (five per child: grandchild o belongs to child 1 + (o - 6) / 5).
INSERT INTO dexcost.task (task_id, task_type, parent_task_id)
SELECT bench_task(n), 'child', bench_task(n - (n - 1) % 31)
  FROM generate_series(1, 6200) n WHERE (n - 1) % 31 BETWEEN 1 AND 5;
INSERT INTO dexcost.task (task_id, task_type, parent_task_id)
SELECT bench_task(n), 'grandchild', bench_task(n - (n - 1) % 31 + 1 + ((n - 1) % 31 - 6) / 5)
  FROM generate_series(1, 6200) n WHERE (n - 1) % 31 >= 6;
SQL
q -c "SELECT 'tasks: ' || count(*) || ', trees: ' || count(*) FILTER (WHERE parent_task_id IS NULL)
             || ', deepest path: ' || max(cardinality(ancestor_ids) + 1) FROM dexcost.task"

# The COPY data: llm calls priced by the trigger, spread over every task of every tree.
csv="$base/events.csv"
q -c "COPY (SELECT gen_random_uuid(), bench_customer(t), bench_task(t), 'llm_call',
                   timestamptz '2026-11-01' + i * interval '1 second', 'openai',
                   (ARRAY['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o4-mini'])[1 + i % 4],
                   100 + i % 3000, 10 + i % 700
              FROM (SELECT i, (1 + (i::bigint * 7919) % 6200)::int AS t FROM generate_series(1, $rows) i) s)
      TO '$csv' CSV"

rollup_triggers() { # enable|disable
  local action=${1^^}
  q -c "ALTER TABLE dexcost.cost_event $action TRIGGER cost_event_rollup_insert,
        $action TRIGGER cost_event_rollup_update, $action TRIGGER cost_event_rollup_delete"
}
reset_ledger() { q -c 'TRUNCATE dexcost.cost_event' -c 'VACUUM ANALYZE dexcost.task' -c 'CHECKPOINT'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "== 1. COPY of $rows events (median of $repeats each, alternating)"
copy_base=(); copy_roll=()
for i in $(seq 1 "$repeats"); do
  for mode in disable enable; do
    reset_ledger
    rollup_triggers "$mode"
    start=$(date +%s.%N)
    q -c "COPY dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model,
                                   input_tokens, output_tokens) FROM '$csv' CSV"
    end=$(date +%s.%N)
    rate=$(awk -v n="$rows" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
    if [ "$mode" = disable ]; then copy_base+=("$rate"); else copy_roll+=("$rate"); fi
    echo "   run $i $( [ "$mode" = disable ] && echo 'baseline' || echo 'roll-ups' ): $rate rows/s"
  done
done
cb=$(printf '%s\n' "${copy_base[@]}" | median); cr=$(printf '%s\n' "${copy_roll[@]}" | median)
echo "   baseline $cb rows/s, roll-ups $cr rows/s, ratio $(ratio "$cr" "$cb") (goal >= 0.80)"
q -c "SELECT '   deltas appended by the last COPY: ' || count(*) FROM dexcost.task_rollup_delta"
q -c "SELECT '   after fold: ' || status || ', ' || tasks_updated || ' tasks' FROM dexcost.fold_rollups()"
q -c "SELECT '   tasks whose totals differ from the ledger: ' || count(*) FROM dexcost.rollup_check()"

# pgbench scripts: one event per transaction, and 100 events per transaction on random tasks.
cat > "$work/single.sql" <<'SQL'
\set t random(1, 6200)
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, output_tokens)
VALUES (bench_customer(:t), bench_task(:t), 'llm_call', 'openai', 'gpt-4o-mini', 1200, 150);
SQL
cat > "$work/batch.sql" <<'SQL'
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, output_tokens)
SELECT bench_customer(t), bench_task(t), 'llm_call', 'openai', 'gpt-4o-mini', 1200, 150
  FROM (SELECT 1 + floor(random() * 6200)::int AS t FROM generate_series(1, 100)) AS r;
SQL

# Runs pgbench; prints "tps failed deadlocks lock_wait_share".
pgbench_run() {
  local script=$1 out="$work/pgbench.out" samples="$work/samples"
  local dl0; dl0=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
  : > "$samples"
  ( while :; do
      q -c "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') || ' ' || count(*)
              FROM pg_stat_activity WHERE application_name = 'pgbench' AND state = 'active'" >> "$samples" 2>/dev/null || true
      sleep 0.5
    done ) &
  local sampler=$!
  pgbench -n -M prepared -c 8 -j 2 -T "$seconds" -f "$script" "$db" > "$out" 2>&1 || true
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  local dl1; dl1=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
  local tps failed waits
  tps=$(awk '/^tps = / {print $3}' "$out" | head -1)
  failed=$(awk '/number of failed transactions/ {print $5}' "$out" | head -1)
  waits=$(awk '{w += $1; a += $2} END { if (a > 0) printf "%.3f", w / a; else print 0 }' "$samples")
  echo "${tps:-0} ${failed:-0} $((dl1 - dl0)) $waits"
}

pgbench_compare() { # title script rows_per_tx goal
  local title=$1 script=$2 per_tx=$3 goal=$4
  echo
  echo "== $title (8 clients, ${seconds}s per run, median of $repeats each, alternating)"
  local base=() roll=() fails=0 deadlocks=0
  for i in $(seq 1 "$repeats"); do
    for mode in disable enable; do
      reset_ledger
      rollup_triggers "$mode"
      read -r tps failed dl waits < <(pgbench_run "$script")
      local rate; rate=$(awk -v t="$tps" -v k="$per_tx" 'BEGIN { printf "%.0f", t * k }')
      if [ "$mode" = disable ]; then base+=("$rate"); else roll+=("$rate"); fails=$((fails + failed)); deadlocks=$((deadlocks + dl)); fi
      echo "   run $i $( [ "$mode" = disable ] && echo 'baseline' || echo 'roll-ups' ): $rate rows/s (tps $tps), failed $failed, deadlocks $dl, share of backends waiting on a lock $waits"
    done
  done
  local b r; b=$(printf '%s\n' "${base[@]}" | median); r=$(printf '%s\n' "${roll[@]}" | median)
  echo "   baseline $b rows/s, roll-ups $r rows/s, ratio $(ratio "$r" "$b") (goal >= $goal); roll-up runs: $fails failed transactions, $deadlocks deadlocks"
  q -c "SELECT '   after the last run: ' || (SELECT count(*) FROM dexcost.cost_event) || ' events, '
               || (SELECT count(*) FROM dexcost.task_rollup_delta) || ' pending deltas'"
  q -c "SELECT '   fold: ' || status || ', ' || deltas_folded || ' deltas into ' || tasks_updated || ' tasks' FROM dexcost.fold_rollups()"
  q -c "SELECT '   tasks whose totals differ from the ledger: ' || count(*) FROM dexcost.rollup_check()"
  q -c "SELECT '   root subtree totals = ledger: ' || ((SELECT sum(subtree_cost_usd) FROM dexcost.task_cost WHERE parent_task_id IS NULL)
                                                   = (SELECT sum(cost_usd) FROM dexcost.cost_event))"
}

pgbench_compare "2. single-row INSERTs into shared task trees" "$work/single.sql" 1 0.80
pgbench_compare "3. 100-row batches over task trees three levels deep" "$work/batch.sql" 100 0.70
