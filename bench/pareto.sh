#!/usr/bin/env bash
# Pareto over N cost events (default 10,000,000) and 10,000 customers, 2 parallel workers, in one
# run: every customer ranked by exact cost with its share and cumulative share,
#   baseline  GROUP BY customer_id + window functions (the SQL of the project's measurements)
#   dexcost   dexcost.pareto_top(dexcost.pareto(customer_id, cost_usd))
# and the one-row answer dexcost.pareto_summary(dexcost.pareto(...)). Both must produce the same
# ranking and cumulative shares (checked). Goal: dexcost >= 1.5x faster than the baseline.
#
# Usage: bench/pareto.sh [events] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
repeats=${2:-3}
cluster=bench-pareto
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
work_mem = '64MB'
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
jit = off"
bench_start "$cluster"

createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'
echo "loading $events events"
# Customer activity skewed (random()^3): a few customers make most of the events.
q <<SQL
SELECT setseed(0.7);
CREATE TABLE ev (customer_id text NOT NULL, cost_usd numeric(20, 10) NOT NULL);
INSERT INTO ev
SELECT 'cust-' || floor(10000 * random() ^ 3)::int, round((random() * 0.05)::numeric, 10)
  FROM generate_series(1, $events);
VACUUM ANALYZE ev;
SQL
q -c "SELECT pg_size_pretty(pg_relation_size('ev')) || ', ' || count(DISTINCT customer_id) || ' customers' FROM ev" |
  sed 's/^/table: /'

baseline="WITH c AS (SELECT customer_id, sum(cost_usd) AS cost FROM ev GROUP BY customer_id)
SELECT customer_id, cost, rank() OVER (ORDER BY cost DESC) AS rnk,
       sum(cost) OVER (ORDER BY cost DESC, customer_id ROWS UNBOUNDED PRECEDING) / sum(cost) OVER () AS cum_share
  FROM c ORDER BY cost DESC, customer_id"
ours="SELECT rank, key, cost, cumulative_share FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM ev))"
summary="SELECT dexcost.pareto_summary(dexcost.pareto(customer_id, cost_usd)) FROM ev"

# The same answer: every key at the same rank with the same cost and cumulative share.
same=$(q -c "SELECT count(*) FILTER (WHERE b.customer_id = o.key AND b.cost = o.cost AND b.cum_share = o.cumulative_share)
                    || ' of ' || count(*)
               FROM (SELECT row_number() OVER () AS r, * FROM ($baseline) x) b
               JOIN (SELECT row_number() OVER () AS r, * FROM ($ours) y) o USING (r)")
echo "rows equal (key, cost, cumulative share): $same"

# Milliseconds of one query, its rows fetched by psql and thrown away (so nothing is optimised out).
ms() { q -c '\timing on' -c '\o /dev/null' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
echo "plan of dexcost.pareto: $(q -c "EXPLAIN (COSTS OFF) SELECT dexcost.pareto(customer_id, cost_usd) FROM ev" | tr -s ' ' | paste -sd' ')"
ms "$baseline" >/dev/null; ms "$ours" >/dev/null # warm-up
b=(); o=(); s=()
for r in $(seq 1 "$repeats"); do
  b+=("$(ms "$baseline")"); o+=("$(ms "$ours")"); s+=("$(ms "$summary")")
done
mb=$(printf '%s\n' "${b[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median); msu=$(printf '%s\n' "${s[@]}" | median)
echo "GROUP BY + window functions: $mb ms (${b[*]})"
echo "dexcost.pareto_top(dexcost.pareto(...)): $mo ms (${o[*]})"
echo "dexcost.pareto_summary(dexcost.pareto(...)): $msu ms (${s[*]})"
echo "baseline / dexcost = $(awk -v a="$mb" -v b="$mo" 'BEGIN { printf "%.2f", a / b }')x (goal >= 1.5)"
echo "summary: $(q -c "$summary")"
