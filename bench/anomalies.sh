#!/usr/bin/env bash
# Anomaly detectors (nine of the ten implemented kinds; cost_p95_week_over_week needs sketches the
# generator does not write, see test/sql/anomalies.sql): quality on a synthetic history, and speed at scale, in one run.
#
# The generator writes synthetic daily pre-aggregates (dexcost.daily_customer, the only table the
# detectors read) straight away: customers each using 3 of the task types, a lognormal spend level
# per customer and type, weekends at 60%, +-15% gaussian day noise, 5% retry cost, cost per run
# fixed per type, 1.5 llm_calls per run, a 60% prompt cache hit rate (+-10%), and dexcost.daily_retry
# rows with 3% validation retries per llm_call and 5% regenerations per run (+-15%). (The ledger -> daily path is tested in test/sql/anomalies.sql.)
#
#   1. quality: Q customers x 10 task types x 60 days; detect_anomalies on days 40..59 of the clean
#      history (false alarms per subject-day, subjects = customers + task types + the day), then
#      with injected anomalies of the nine kinds (recall per injected kind, subject and day).
#      Goals: recall >= 95%, false alarms <= 2% per subject-day.
#   2. speed: 90 days x N customers x T task types; detect_anomalies (28-day lookback) against a
#      plain-SQL version of the doubling rule over the same rows, medians of R runs each.
#      Goal: <= 2 s at 10k customers x 200 task types.
# Usage: bench/anomalies.sh [customers=10000] [task_types=200] [repeats=5] [quality_customers=300]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
types=${2:-200}
repeats=${3:-5}
qcustomers=${4:-300}
cluster=bench-anomalies
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '1GB'
work_mem = '64MB'
max_wal_size = '4GB'"
bench_start "$cluster"
[ -n "${KEEP:-}" ] && trap - EXIT  # KEEP=1: leave the cluster running to explore (stop: scripts/cluster.sh stop bench-anomalies)
createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'

# generate(customers, task_types, days): a clean synthetic history ending 2026-03-31 + days - 90.
q <<'SQL'
CREATE FUNCTION gauss() RETURNS float8 LANGUAGE sql VOLATILE
  RETURN sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
CREATE PROCEDURE generate(n_customers int, n_types int, n_days int) LANGUAGE sql AS $$
  TRUNCATE dexcost.daily_customer, dexcost.daily_retry;
  INSERT INTO dexcost.daily_customer (day, customer_id, task_type, cost_usd, tasks, retry_cost_usd, llm_calls, input_tokens,
                                      cache_read_tokens)
  SELECT day, customer_id, task_type, cost, runs, round((cost * 0.05 * (1 + 0.15 * gauss()))::numeric, 6), calls, calls * 800,
         round(calls * 1200 * greatest(0.1, 1 + 0.1 * gauss()))
    FROM (SELECT *, greatest(1, round(cost / unit)) AS runs, greatest(1, round(1.5 * cost / unit)) AS calls FROM (SELECT date '2026-01-01' + d AS day, 'cust-' || k AS customer_id, 'type-' || t AS task_type,
                 round((lvl * CASE WHEN extract(isodow FROM date '2026-01-01' + d) >= 6 THEN 0.6 ELSE 1 END
                        * greatest(0.1, 1 + 0.15 * gauss()))::numeric, 6) AS cost,
                 0.05 * (1 + t % 7) AS unit
            FROM (SELECT k, t, exp(random() * 3) AS lvl
                    FROM (SELECT DISTINCT k, t
                            FROM generate_series(0, n_customers - 1) AS k,
                                 LATERAL (VALUES (k % n_types), ((k * 7 + 3) % n_types), ((k * 13 + 5) % n_types)) AS v(t)) AS u) AS s,
                 generate_series(0, n_days - 1) AS d) AS g) AS h;
  -- About 3% of llm_calls are validation retries and 5% of runs are regenerated.
  INSERT INTO dexcost.daily_retry (day, task_type, retry_type, retry_reason, retries, retry_cost_usd)
  SELECT day, task_type, v.retry_type, '', round(v.share * v.base * greatest(0, 1 + 0.15 * gauss())), 0
    FROM (SELECT day, task_type, sum(llm_calls) AS calls, sum(tasks) AS runs FROM dexcost.daily_customer GROUP BY 1, 2) AS a,
         LATERAL (VALUES ('validation_retry', 0.03, a.calls), ('user_regeneration', 0.05, a.runs)) AS v(retry_type, share, base);
  ANALYZE dexcost.daily_customer;
  ANALYZE dexcost.daily_retry;
$$;
SQL

echo "== quality: $qcustomers customers x 10 task types x 60 days, observed days 40..59"
q -c "SELECT setseed(0.42); CALL generate($qcustomers, 10, 60)"
q <<SQL
CREATE TABLE found_clean AS
  SELECT a.kind, a.subject_id, a.day
    FROM generate_series(40, 59) AS d, LATERAL dexcost.detect_anomalies(date '2026-01-01' + d + 1 + interval '12 hours') AS a;
-- Injections: (kind, subject, day); applied in this order, never two on one subject and day.
CREATE TABLE injected AS
  SELECT 'customer_cost_doubled' AS kind, c.subject_id, date '2026-01-01' + d AS day
    FROM generate_series(40, 59) AS d,
         -- a customer that does not use the task type zero_spend empties that day
         LATERAL (SELECT 'cust-' || k AS subject_id FROM generate_series(0, $qcustomers - 1) AS k
                   WHERE (d + 5) % 10 NOT IN (k % 10, (k * 7 + 3) % 10, (k * 13 + 5) % 10)
                   ORDER BY (k - d * 37 % $qcustomers + $qcustomers) % $qcustomers LIMIT 1) AS c
  UNION ALL SELECT 'cost_per_run_up', 'type-' || (d % 10), date '2026-01-01' + d FROM generate_series(40, 59) AS d
  UNION ALL SELECT 'zero_spend', 'type-' || ((d + 5) % 10), date '2026-01-01' + d FROM generate_series(40, 59, 2) AS d
  UNION ALL SELECT 'daily_spend_spike', (date '2026-01-01' + d)::text, date '2026-01-01' + d FROM unnest(ARRAY[42, 49, 56]) AS d
  UNION ALL SELECT 'retry_waste_spike', (date '2026-01-01' + d)::text, date '2026-01-01' + d FROM unnest(ARRAY[44, 52, 59]) AS d
  UNION ALL SELECT 'use_case_dominates', 'type-' || ((d + 2) % 10), date '2026-01-01' + d FROM unnest(ARRAY[46, 54]) AS d
  UNION ALL SELECT 'cache_hit_rate_down', 'type-' || ((d + 7) % 10), date '2026-01-01' + d FROM unnest(ARRAY[41, 45, 50, 55]) AS d
  UNION ALL SELECT 'validation_retry_rate', 'type-' || ((d + 3) % 10), date '2026-01-01' + d FROM unnest(ARRAY[42, 47, 53, 58]) AS d
  UNION ALL SELECT 'regeneration_rate', 'type-' || ((d + 8) % 10), date '2026-01-01' + d FROM unnest(ARRAY[43, 48, 52, 57]) AS d;
UPDATE dexcost.daily_customer AS c SET cost_usd = c.cost_usd * 3, tasks = c.tasks * 3
  FROM injected AS i WHERE i.kind = 'customer_cost_doubled' AND c.customer_id = i.subject_id AND c.day = i.day;
UPDATE dexcost.daily_customer AS c SET cost_usd = c.cost_usd * 4
  FROM injected AS i WHERE i.kind = 'cost_per_run_up' AND c.task_type = i.subject_id AND c.day = i.day;
DELETE FROM dexcost.daily_customer AS c
 USING injected AS i WHERE i.kind = 'zero_spend' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE dexcost.daily_customer AS c SET cost_usd = c.cost_usd * 4, tasks = c.tasks * 4
  FROM injected AS i WHERE i.kind = 'daily_spend_spike' AND c.day = i.day;
UPDATE dexcost.daily_customer AS c SET retry_cost_usd = c.retry_cost_usd + 0.5 * c.cost_usd, cost_usd = 1.5 * c.cost_usd
  FROM injected AS i WHERE i.kind = 'retry_waste_spike' AND c.day = i.day;
UPDATE dexcost.daily_customer AS c SET cost_usd = c.cost_usd * 12, tasks = c.tasks * 12
  FROM injected AS i WHERE i.kind = 'use_case_dominates' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE dexcost.daily_customer AS c SET cache_read_tokens = c.cache_read_tokens / 2
  FROM injected AS i WHERE i.kind = 'cache_hit_rate_down' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE dexcost.daily_retry AS r SET retries = (SELECT round(0.2 * sum(c.llm_calls)) FROM dexcost.daily_customer AS c
                                                WHERE c.task_type = r.task_type AND c.day = r.day)
  FROM injected AS i WHERE i.kind = 'validation_retry_rate' AND r.retry_type = 'validation_retry'
   AND r.task_type = i.subject_id AND r.day = i.day;
UPDATE dexcost.daily_retry AS r SET retries = (SELECT round(0.3 * sum(c.tasks)) FROM dexcost.daily_customer AS c
                                                WHERE c.task_type = r.task_type AND c.day = r.day)
  FROM injected AS i WHERE i.kind = 'regeneration_rate' AND r.retry_type = 'user_regeneration'
   AND r.task_type = i.subject_id AND r.day = i.day;
CREATE TABLE found AS
  SELECT a.kind, a.subject_id, a.day
    FROM generate_series(40, 59) AS d, LATERAL dexcost.detect_anomalies(date '2026-01-01' + d + 1 + interval '12 hours') AS a;
SQL
q -F ' ' <<SQL
SELECT 'recall', i.kind, count(*) FILTER (WHERE f.kind IS NOT NULL) || '/' || count(*),
       round(100.0 * count(*) FILTER (WHERE f.kind IS NOT NULL) / count(*), 1) || '%'
  FROM injected AS i LEFT JOIN found AS f USING (kind, subject_id, day) GROUP BY i.kind ORDER BY i.kind;
SELECT 'recall all kinds:', count(*) FILTER (WHERE f.kind IS NOT NULL) || '/' || count(*),
       round(100.0 * count(*) FILTER (WHERE f.kind IS NOT NULL) / count(*), 1) || '%'
  FROM injected AS i LEFT JOIN found AS f USING (kind, subject_id, day);
SELECT 'false alarms on clean data:', (SELECT count(*) FROM found_clean) || ' over ' || 20 * ($qcustomers + 10 + 1)
       || ' subject-days =', round(100.0 * (SELECT count(*) FROM found_clean) / (20 * ($qcustomers + 10 + 1)), 2) || '%',
       coalesce((SELECT string_agg(kind || ' ' || n, ', ') FROM (SELECT kind, count(*) AS n FROM found_clean GROUP BY kind) AS k), '');
SELECT 'with injections: detections not injected (collateral of the injected spend):', count(*)
  FROM found AS f WHERE NOT EXISTS (SELECT 1 FROM injected AS i WHERE (i.kind, i.subject_id, i.day) = (f.kind, f.subject_id, f.day));
SQL

[ -n "${QUALITY_ONLY:-}" ] && exit 0
echo "== speed: 90 days x $customers customers x $types task types (3 task types per customer)"
t0=$(date +%s.%N)
q -c "SELECT setseed(0.7); CALL generate($customers, $types, 90)"
t1=$(date +%s.%N)
rows=$(q -c "SELECT count(*) FROM dexcost.daily_customer")
printf 'generated %s daily rows in %.1f s\n' "$rows" "$(echo "$t1 - $t0" | bc)"
asof="date '2026-01-01' + 90 + interval '12 hours'"
time_ms() { # median ms of the query over $repeats runs
  for _ in $(seq 1 "$repeats"); do
    q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
  done | median
}
detect_ms=$(time_ms "SELECT count(*) FROM dexcost.detect_anomalies($asof)")
plain_ms=$(time_ms "
  WITH daily AS (SELECT customer_id, day, sum(cost_usd) AS cost FROM dexcost.daily_customer_all
                  WHERE day BETWEEN date '2026-01-01' + 89 - 28 AND date '2026-01-01' + 89 GROUP BY 1, 2),
       base AS (SELECT customer_id, sum(cost) FILTER (WHERE day < date '2026-01-01' + 89) / 28 AS avg_cost,
                       sum(cost) FILTER (WHERE day = date '2026-01-01' + 89) AS observed
                  FROM daily GROUP BY customer_id)
  SELECT count(*) FROM base WHERE observed >= 1 AND observed >= 2 * avg_cost")
found=$(q -c "SELECT count(*) FROM dexcost.detect_anomalies($asof)")
echo "detect_anomalies (10 detectors, 28-day robust baselines; daily_model empty here): ${detect_ms} ms median of $repeats ($found anomalies)"
echo "plain SQL doubling rule (customers only, 28-day mean):   ${plain_ms} ms median of $repeats"
echo "ratio detect_anomalies / plain SQL: $(echo "scale=2; $detect_ms / $plain_ms" | bc)"
