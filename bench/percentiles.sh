#!/usr/bin/env bash
# Percentiles on N float8 rows (default 10,000,000), 2 parallel workers, in one run:
#   dexcost.percentiles(x, '{0.5,0.95,0.99}')  against  percentile_cont (exact, never parallel),
#   tdigest_percentile(x, 100, ...) (postgresql-15-tdigest, installed here), and count(*) + sum(x);
#   ungrouped and grouped by 1,000 customers. Goals: >= 5x percentile_cont and >= 1.5x tdigest
#   ungrouped, within 1.3x of count+sum; >= 3x percentile_cont grouped.
# Then the accuracy of dexcost and tdigest against percentile_cont at p50, p95 and p99, on a
# lognormal column (x) and a multimodal one (y), ungrouped and for every customer: the worst
# relative error of each (goal: dexcost <= 1 %).
#
# Runs alternate (baseline, dexcost, ...) and medians are compared. Usage:
#   bench/percentiles.sh [rows] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
repeats=${2:-3}
cluster=bench-percentiles
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '2GB'
work_mem = '64MB'
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
jit = off"
bench_start "$cluster" postgresql-15-tdigest

createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE' -c 'CREATE EXTENSION tdigest'
# x: lognormal(mu -5, sigma 1.5) costs in USD; y: 70 % embeddings near e^-9, 25 % chat near
# e^-5, 5 % agent runs near e^-1 (p95 falls between two modes). Box-Muller from random().
echo "loading $rows rows"
q <<SQL
SELECT setseed(0.42);
CREATE TABLE pct (cust int NOT NULL, x float8 NOT NULL, y float8 NOT NULL);
INSERT INTO pct
SELECT (i % 1000)::int,
       exp(-5 + 1.5 * z1),
       CASE WHEN u < 0.70 THEN exp(-9 + 0.5 * z2) WHEN u < 0.95 THEN exp(-5 + 0.5 * z2) ELSE exp(-1 + 0.5 * z2) END
  FROM (SELECT i, sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2, random() AS u
          FROM generate_series(1, $rows) i) s;
VACUUM ANALYZE pct;
SQL
q -c "SELECT pg_size_pretty(pg_relation_size('pct'))" | sed 's/^/table size: /'

# Milliseconds of one query (psql's \timing), run once to warm the cache first by the caller.
ms() { q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
declare -A query=(
  [count_sum]="SELECT count(*), sum(x) FROM pct"
  [percentile_cont]="SELECT percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY x) FROM pct"
  [tdigest]="SELECT tdigest_percentile(x, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct"
  [dexcost]="SELECT dexcost.percentiles(x, '{0.5,0.95,0.99}') FROM pct"
  [g_avg]="SELECT cust, avg(x) FROM pct GROUP BY cust"
  [g_percentile_cont]="SELECT cust, percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY x) FROM pct GROUP BY cust"
  [g_tdigest]="SELECT cust, tdigest_percentile(x, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct GROUP BY cust"
  [g_dexcost]="SELECT cust, dexcost.percentiles(x, '{0.5,0.95,0.99}') FROM pct GROUP BY cust"
)
order=(count_sum dexcost percentile_cont dexcost tdigest dexcost g_avg g_dexcost g_percentile_cont g_dexcost g_tdigest g_dexcost)
echo "plans (2 workers):"
for k in dexcost g_dexcost tdigest percentile_cont; do
  echo "  $k: $(q -c "EXPLAIN (COSTS OFF) ${query[$k]}" | tr -s ' ' | paste -sd' ' | cut -c1-160)"
done
declare -A times
for k in "${!query[@]}"; do ms "${query[$k]}" >/dev/null; done # warm-up
for r in $(seq 1 "$repeats"); do
  for k in "${order[@]}"; do times[$k]+="$(ms "${query[$k]}") "; done
done
declare -A med
for k in "${!query[@]}"; do med[$k]=$(printf '%s\n' ${times[$k]} | median); done
printf '%-20s %10s  (runs: ms)\n' query median_ms
for k in count_sum percentile_cont tdigest dexcost g_avg g_percentile_cont g_tdigest g_dexcost; do
  printf '%-20s %10.0f  (%s)\n' "$k" "${med[$k]}" "${times[$k]}"
done
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "ungrouped: percentile_cont / dexcost = $(r "${med[percentile_cont]}" "${med[dexcost]}")x (goal >= 5)," \
     "tdigest / dexcost = $(r "${med[tdigest]}" "${med[dexcost]}")x (goal >= 1.5)," \
     "dexcost / count+sum = $(r "${med[dexcost]}" "${med[count_sum]}")x (goal <= 1.3)"
echo "grouped by 1000: percentile_cont / dexcost = $(r "${med[g_percentile_cont]}" "${med[g_dexcost]}")x (goal >= 3)," \
     "tdigest / dexcost = $(r "${med[g_tdigest]}" "${med[g_dexcost]}")x"

echo "accuracy against percentile_cont (worst |estimate / exact - 1| at p50, p95, p99):"
q <<'SQL'
CREATE TEMP TABLE acc (col text, cust int, exact float8[], dexcost float8[], tdigest float8[]);
INSERT INTO acc
SELECT 'x', NULL::int, percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY x),
       dexcost.percentiles(x, '{0.5,0.95,0.99}'), tdigest_percentile(x, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct
UNION ALL
SELECT 'y', NULL::int, percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY y),
       dexcost.percentiles(y, '{0.5,0.95,0.99}'), tdigest_percentile(y, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct
UNION ALL
SELECT 'x', cust, percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY x),
       dexcost.percentiles(x, '{0.5,0.95,0.99}'), tdigest_percentile(x, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct GROUP BY cust
UNION ALL
SELECT 'y', cust, percentile_cont('{0.5,0.95,0.99}'::float8[]) WITHIN GROUP (ORDER BY y),
       dexcost.percentiles(y, '{0.5,0.95,0.99}'), tdigest_percentile(y, 100, '{0.5,0.95,0.99}'::float8[]) FROM pct GROUP BY cust;
SELECT format('  %s (%s) %-9s dexcost %7s %%   tdigest %8s %%',
              CASE col WHEN 'x' THEN 'lognormal ' ELSE 'multimodal' END,
              CASE WHEN grouped THEN 'per customer, 1000 groups' ELSE 'all rows                 ' END,
              'p' || (ARRAY[50, 95, 99])[i],
              to_char(100 * max(abs(dexcost[i] / exact[i] - 1)), 'FM990.000'),
              to_char(100 * max(abs(tdigest[i] / exact[i] - 1)), 'FM99990.000'))
  FROM (SELECT *, cust IS NOT NULL AS grouped FROM acc) a, generate_series(1, 3) i
 GROUP BY col, grouped, i ORDER BY col, grouped, i;
SELECT format('  dexcost worst over everything: %s %% (goal <= 1 %%); tdigest worst: %s %%',
              to_char(100 * max(abs(dexcost[i] / exact[i] - 1)), 'FM990.000'),
              to_char(100 * max(abs(tdigest[i] / exact[i] - 1)), 'FM99990.000'))
  FROM acc, generate_series(1, 3) i;
SQL
