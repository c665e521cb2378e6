#!/usr/bin/env bash
# Anomaly detectors (all 14 kinds): quality on a synthetic history, and speed at scale, in one run.
#
# The generator writes synthetic daily pre-aggregates (table gen: every measure per day, customer
# and task type, as the deltas carry them; derive() fills the daily tables the
# detectors read) straight away: customers each using 3 of the task types, a lognormal spend level
# per customer and type, weekends at 60%, +-15% gaussian day noise, 5% retry cost, cost per run
# fixed per type, 1.5 llm_calls per run, a 60% prompt cache hit rate (+-10%), and dexcost.daily_retry
# rows with 3% validation retries per llm_call and 5% regenerations per run (+-15%). (The ledger -> daily path is tested in test/sql/anomalies.sql.)
#
#   1. quality: Q customers x 10 task types x 60 days; detect_anomalies on days 40..59 of the clean
#      history (false alarms per subject-day, subjects = customers + task types + the day), then
#      with injected anomalies of 14 kinds (recall per injected kind, subject and day).
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
# derive(): daily_workflow and daily_customer_total from daily_customer (what fold_daily keeps), and
# daily_model: per task type and day two models (gpt-4o 70 % +- 3 % of the calls, gpt-4o-mini the
# rest) with sketches of 30 sampled calls (prompt ~2,000 tokens x lognormal(0.3), output ~250 x
# lognormal(0.3)) and a cost sketch of sampled per-call costs: 60 samples on a day of usual volume
# (in proportion to the day's llm_calls, split by model, at least 5), each the row's mean cost per call
# x a day factor 1 +- 5 % (gaussian) x lognormal(0.3) with mean 1; model_tweak(day, task_type,
# prompt_x, output_x, mini_share) injects into the token sketches and the model mix.
q <<'SQL'
CREATE FUNCTION gauss() RETURNS float8 LANGUAGE sql VOLATILE
  RETURN sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
CREATE TABLE model_tweak (day date, task_type text, prompt_x float8 DEFAULT 1, output_x float8 DEFAULT 1,
                          mini_share float8, PRIMARY KEY (day, task_type));
CREATE TABLE gen (LIKE dexcost.daily_customer_delta INCLUDING DEFAULTS, PRIMARY KEY (day, customer_id, task_type));
CREATE PROCEDURE generate(n_customers int, n_types int, n_days int) LANGUAGE sql AS $$
  TRUNCATE gen, dexcost.daily_retry;
  INSERT INTO gen (day, customer_id, task_type, cost_usd, tasks, retry_cost_usd, llm_calls, input_tokens,
                                      cache_read_tokens, output_tokens, accepted_tasks, succeeded_tasks)
  SELECT day, customer_id, task_type, cost, runs, round((cost * 0.05 * (1 + 0.15 * gauss()))::numeric, 6), calls, calls * 800,
         round(calls * 1200 * greatest(0.1, 1 + 0.1 * gauss())), calls * 250, round(runs * 0.85), round(runs * 0.92)
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
    FROM (SELECT day, task_type, sum(llm_calls) AS calls, sum(tasks) AS runs FROM gen GROUP BY 1, 2) AS a,
         LATERAL (VALUES ('validation_retry', 0.03, a.calls), ('user_regeneration', 0.05, a.runs)) AS v(retry_type, share, base);
  ANALYZE gen;
  ANALYZE dexcost.daily_retry;
$$;
CREATE PROCEDURE derive() LANGUAGE sql AS $$
  TRUNCATE dexcost.daily_customer, dexcost.daily_workflow, dexcost.daily_customer_total, dexcost.daily_model;
  INSERT INTO dexcost.daily_customer (day, customer_id, task_type, cost_usd, tasks, root_tasks, retry_cost_usd)
  SELECT day, customer_id, task_type, cost_usd, tasks, tasks, retry_cost_usd FROM gen;
  INSERT INTO dexcost.daily_workflow (day, task_type, cost_usd, tasks, retry_cost_usd, llm_calls, input_tokens,
                                      cache_read_tokens, output_tokens, accepted_tasks, succeeded_tasks)
  SELECT day, task_type, sum(cost_usd), sum(tasks), sum(retry_cost_usd), sum(llm_calls), sum(input_tokens),
         sum(cache_read_tokens), sum(output_tokens), sum(accepted_tasks), sum(succeeded_tasks)
    FROM gen GROUP BY 1, 2;
  INSERT INTO dexcost.daily_customer_total (day, customer_id, cost_usd, root_tasks, retry_cost_usd)
  SELECT day, customer_id, sum(cost_usd), sum(tasks), sum(retry_cost_usd) FROM gen GROUP BY 1, 2;
  INSERT INTO dexcost.daily_model (day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls,
                                   cost_usd, cost_sketch, prompt_tokens_sketch, output_tokens_sketch)
  SELECT w.day, w.task_type, 'openai', m.model, '', 'standard', '',
         round(w.llm_calls * ms.share), w.cost_usd * ms.share,
         (SELECT dexcost.sketch(w.cost_usd / w.llm_calls * dn.x * exp(0.3 * gauss() - 0.045) + 0 * g.i)
            FROM generate_series(1, greatest(5, round(60 * ms.share * w.llm_calls / w.usual_calls))::int) AS g(i)),
         (SELECT dexcost.sketch(2000 * coalesce(x.prompt_x, 1) * exp(0.3 * gauss()) + 0 * g.i) FROM generate_series(1, 30) AS g(i)),
         (SELECT dexcost.sketch(250 * coalesce(x.output_x, 1) * exp(0.3 * gauss()) + 0 * g.i) FROM generate_series(1, 30) AS g(i))
    FROM (SELECT *, avg(llm_calls) OVER (PARTITION BY task_type) AS usual_calls FROM dexcost.daily_workflow) AS w
    LEFT JOIN model_tweak AS x USING (day, task_type)
   CROSS JOIN LATERAL (SELECT coalesce(x.mini_share, 0.3 + 0.03 * gauss()) AS share) AS sh
   CROSS JOIN (VALUES ('gpt-4o'), ('gpt-4o-mini')) AS m(model)
   CROSS JOIN LATERAL (SELECT CASE WHEN m.model = 'gpt-4o' THEN 1 - sh.share ELSE sh.share END AS share) AS ms
   CROSS JOIN LATERAL (SELECT greatest(0.5, 1 + 0.05 * gauss()) + 0 * ms.share AS x) AS dn;
  ANALYZE dexcost.daily_customer;
  ANALYZE dexcost.daily_workflow;
  ANALYZE dexcost.daily_customer_total;
  ANALYZE dexcost.daily_model;
$$;
SQL

echo "== quality: $qcustomers customers x 10 task types x 60 days, observed days 40..59"
q -c "SELECT setseed(0.42); CALL generate($qcustomers, 10, 60); CALL derive()"
q <<SQL
-- A display budget of 300 output tokens on every task type (usual p95: about 410).
INSERT INTO dexcost.output_token_budget (task_type, output_tokens) SELECT 'type-' || t, 300 FROM generate_series(0, 9) AS t;
CREATE TABLE found_clean AS
  SELECT a.kind, a.subject_id, a.day
    FROM generate_series(40, 59) AS d, LATERAL dexcost.detect_anomalies(date '2026-01-01' + d + 1 + interval '12 hours') AS a;
-- Injections: (kind, subject, day); applied in this order, never two on one subject and day but
-- type-8 on day 41 (cache_hit_rate_down and cost_per_accepted_task_up, which change other columns).
CREATE TABLE injected AS
  SELECT 'customer_cost_doubled' AS kind, c.subject_id, date '2026-01-01' + d AS day
    FROM generate_series(40, 59) AS d,
         -- a customer that does not use the task type zero_spend empties that day
         LATERAL (SELECT 'cust-' || k AS subject_id FROM generate_series(0, $qcustomers - 1) AS k
                   WHERE (d + 5) % 10 NOT IN (k % 10, (k * 7 + 3) % 10, (k * 13 + 5) % 10)
                   ORDER BY (k - d * 37 % $qcustomers + $qcustomers) % $qcustomers LIMIT 1) AS c
  -- types 8 and 9 are left to cost_per_accepted_task_up (a 4x day would lift their week too)
  UNION ALL SELECT 'cost_per_run_up', 'type-' || (d % 10), date '2026-01-01' + d FROM generate_series(40, 59) AS d WHERE d % 10 < 8
  UNION ALL SELECT 'zero_spend', 'type-' || ((d + 5) % 10), date '2026-01-01' + d FROM generate_series(40, 59, 2) AS d
  UNION ALL SELECT 'daily_spend_spike', (date '2026-01-01' + d)::text, date '2026-01-01' + d FROM unnest(ARRAY[42, 49, 56]) AS d
  UNION ALL SELECT 'retry_waste_spike', (date '2026-01-01' + d)::text, date '2026-01-01' + d FROM unnest(ARRAY[44, 52, 59]) AS d
  UNION ALL SELECT 'use_case_dominates', 'type-' || ((d + 2) % 10), date '2026-01-01' + d FROM unnest(ARRAY[46, 54]) AS d
  UNION ALL SELECT 'cache_hit_rate_down', 'type-' || ((d + 7) % 10), date '2026-01-01' + d FROM unnest(ARRAY[41, 45, 50, 55]) AS d
  UNION ALL SELECT 'validation_retry_rate', 'type-' || ((d + 3) % 10), date '2026-01-01' + d FROM unnest(ARRAY[42, 47, 53, 58]) AS d
  UNION ALL SELECT 'regeneration_rate', 'type-' || ((d + 8) % 10), date '2026-01-01' + d FROM unnest(ARRAY[43, 48, 52, 57]) AS d
  -- Mondays to Wednesdays whose week and the week before hold the same number of spend spikes
  -- (a spike week against a plain one is a matching volume gain, which excuses the rise)
  UNION ALL SELECT 'cost_per_accepted_task_up', 'type-' || t, date '2026-01-01' + d FROM (VALUES (8, 41), (9, 41), (8, 55)) AS v(t, d)
  UNION ALL SELECT 'output_tokens_over_budget', 'type-' || ((d + 4) % 10), date '2026-01-01' + d FROM unnest(ARRAY[41, 47, 53, 59]) AS d
  UNION ALL SELECT 'large_prompts', 'type-' || ((d + 6) % 10), date '2026-01-01' + d FROM unnest(ARRAY[43, 49, 55]) AS d
  UNION ALL SELECT 'route_change', 'type-' || ((d + 1) % 10), date '2026-01-01' + d FROM unnest(ARRAY[42, 48, 56]) AS d
  -- Weekdays in weeks without a cost_per_run_up or use_case_dominates day of the type: the week's
  -- p95 counts calls, and a weekend day (60 % of the calls) or a week holding a 4x-volume day of
  -- the type weighs one day too little to lift it by 30 % (the spend spikes, 4x on every type,
  -- are in every week from day 42 on and are left in).
  UNION ALL SELECT 'cost_p95_week_over_week', 'type-' || t, date '2026-01-01' + d
    FROM (VALUES (2, 41), (6, 43), (3, 50), (4, 53), (7, 54), (0, 57)) AS v(t, d);
-- More work is more calls: spend injections scale llm_calls and tokens with it (the cost per call,
-- which cost_p95_week_over_week watches, moves only where it is injected).
UPDATE gen AS c SET cost_usd = c.cost_usd * 3, tasks = c.tasks * 3, accepted_tasks = c.accepted_tasks * 3,
                                       succeeded_tasks = c.succeeded_tasks * 3, llm_calls = c.llm_calls * 3, input_tokens = c.input_tokens * 3,
                                       cache_read_tokens = c.cache_read_tokens * 3, output_tokens = c.output_tokens * 3
  FROM injected AS i WHERE i.kind = 'customer_cost_doubled' AND c.customer_id = i.subject_id AND c.day = i.day;
-- An agent loop: 4x the calls per run.
UPDATE gen AS c SET cost_usd = c.cost_usd * 4, llm_calls = c.llm_calls * 4, input_tokens = c.input_tokens * 4,
                                       cache_read_tokens = c.cache_read_tokens * 4, output_tokens = c.output_tokens * 4
  FROM injected AS i WHERE i.kind = 'cost_per_run_up' AND c.task_type = i.subject_id AND c.day = i.day;
DELETE FROM gen AS c
 USING injected AS i WHERE i.kind = 'zero_spend' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE gen AS c SET cost_usd = c.cost_usd * 4, tasks = c.tasks * 4, accepted_tasks = c.accepted_tasks * 4,
                                       succeeded_tasks = c.succeeded_tasks * 4, llm_calls = c.llm_calls * 4, input_tokens = c.input_tokens * 4,
                                       cache_read_tokens = c.cache_read_tokens * 4, output_tokens = c.output_tokens * 4
  FROM injected AS i WHERE i.kind = 'daily_spend_spike' AND c.day = i.day;
UPDATE gen AS c SET retry_cost_usd = c.retry_cost_usd + 0.5 * c.cost_usd, cost_usd = 1.5 * c.cost_usd,
                                       llm_calls = c.llm_calls * 1.5, input_tokens = c.input_tokens * 1.5,
                                       cache_read_tokens = c.cache_read_tokens * 1.5, output_tokens = c.output_tokens * 1.5
  FROM injected AS i WHERE i.kind = 'retry_waste_spike' AND c.day = i.day;
UPDATE gen AS c SET cost_usd = c.cost_usd * 12, tasks = c.tasks * 12, accepted_tasks = c.accepted_tasks * 12,
                                       succeeded_tasks = c.succeeded_tasks * 12, llm_calls = c.llm_calls * 12, input_tokens = c.input_tokens * 12,
                                       cache_read_tokens = c.cache_read_tokens * 12, output_tokens = c.output_tokens * 12
  FROM injected AS i WHERE i.kind = 'use_case_dominates' AND c.task_type = i.subject_id AND c.day = i.day;
-- Users accept fewer results on three weekdays ending with the day (half of them in weeks without
-- a spend spike, 30 % in weeks holding one): the week ending the day before is about 1.2x per
-- accepted task, under the 25 % line; the day's week about 1.3x.
UPDATE gen AS c
   SET accepted_tasks = round(c.accepted_tasks * CASE WHEN i.day = date '2026-01-01' + 55 THEN 0.3 ELSE 0.5 END)
  FROM injected AS i WHERE i.kind = 'cost_per_accepted_task_up' AND c.task_type = i.subject_id
   AND c.day BETWEEN i.day - 2 AND i.day;
-- Answers 3x longer, prompts 3x larger, 90 % of the calls on the other model.
INSERT INTO model_tweak (day, task_type, output_x, prompt_x, mini_share)
SELECT day, subject_id, CASE kind WHEN 'output_tokens_over_budget' THEN 3 ELSE 1 END,
       CASE kind WHEN 'large_prompts' THEN 3 ELSE 1 END, CASE kind WHEN 'route_change' THEN 0.9 END
  FROM injected WHERE kind IN ('output_tokens_over_budget', 'large_prompts', 'route_change');
-- Prompt drift: every call of the day costs 2.5x (under cost_per_run_up's 3x; calls per run unchanged).
UPDATE gen AS c SET cost_usd = c.cost_usd * 2.5
  FROM injected AS i WHERE i.kind = 'cost_p95_week_over_week' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE gen AS c SET cache_read_tokens = c.cache_read_tokens / 2
  FROM injected AS i WHERE i.kind = 'cache_hit_rate_down' AND c.task_type = i.subject_id AND c.day = i.day;
UPDATE dexcost.daily_retry AS r SET retries = (SELECT round(0.2 * sum(c.llm_calls)) FROM gen AS c
                                                WHERE c.task_type = r.task_type AND c.day = r.day)
  FROM injected AS i WHERE i.kind = 'validation_retry_rate' AND r.retry_type = 'validation_retry'
   AND r.task_type = i.subject_id AND r.day = i.day;
UPDATE dexcost.daily_retry AS r SET retries = (SELECT round(0.3 * sum(c.tasks)) FROM gen AS c
                                                WHERE c.task_type = r.task_type AND c.day = r.day)
  FROM injected AS i WHERE i.kind = 'regeneration_rate' AND r.retry_type = 'user_regeneration'
   AND r.task_type = i.subject_id AND r.day = i.day;
CALL derive();
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
q -c "TRUNCATE model_tweak; SELECT setseed(0.7); CALL generate($customers, $types, 90); CALL derive()"
t1=$(date +%s.%N)
rows=$(q -c "SELECT count(*) FROM gen")
budgets=$(q -c "INSERT INTO dexcost.output_token_budget (task_type, output_tokens) SELECT 'type-' || t, 300 FROM generate_series(0, $types - 1, 2) AS t ON CONFLICT (task_type) DO NOTHING; SELECT count(*) FROM dexcost.output_token_budget")
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
echo "detect_anomalies (14 kinds, 28-day robust baselines; daily_model with sketches, $budgets output budgets): ${detect_ms} ms median of $repeats ($found anomalies)"
echo "plain SQL doubling rule (customers only, 28-day mean):   ${plain_ms} ms median of $repeats"
echo "ratio detect_anomalies / plain SQL: $(echo "scale=2; $detect_ms / $plain_ms" | bc)"
