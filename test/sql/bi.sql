-- dexcost_bi views on a small data set whose numbers are worked out by hand in the comments.
-- Customers bi-a and bi-b; tasks b0...; events b1.... Days are yesterday (D1) and today (D0)
-- in UTC, so the period views (last 7/30/90 days) include them; no date is printed.
SET timezone = 'UTC';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Tasks (root unless a parent is named):
--   T1 bi-a summarize, D1, success, accepted      T2 bi-a summarize, D1, failed
--   T3 bi-b extract,   D0, success, accepted      T4 bi-b extract child of T3 (not a root task)
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, accepted, started_at) VALUES
    ('b0000000-0000-0000-0000-000000000001', 'bi-a', 'summarize', 'success', true, current_date - 1 + time '10:00'),
    ('b0000000-0000-0000-0000-000000000002', 'bi-a', 'summarize', 'failed', false, current_date - 1 + time '11:00'),
    ('b0000000-0000-0000-0000-000000000003', 'bi-b', 'extract', 'success', true, current_date + time '00:10');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at) VALUES
    ('b0000000-0000-0000-0000-000000000004', 'extract', 'b0000000-0000-0000-0000-000000000003', current_date + time '00:11');

-- Events (costs given, so no catalogue price is involved):
--   T1: llm gpt-4o 0.40, 1000 input, 200 cached, 100 output, 2 s      -> D1
--   T1: llm gpt-4o 0.10 failed (rate_limit)                           -> D1
--   T1: llm gpt-4o 0.10 retry of the previous (declared, rate_limit)  -> D1
--   T2: external tavily 0.20                                          -> D1
--   T3: llm gpt-4o-mini 0.30, 500 input, 50 output, 1 s               -> D0
--   T4: compute 0.60                                                  -> D0
--   T4: llm unpriced model (cost unknown), 10 input                   -> D0
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_name, cost_usd,
                                input_tokens, cache_read_tokens, output_tokens, latency_ms, error_type, is_retry,
                                retry_reason, retry_of) VALUES
    ('b1000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 'llm_call', current_date - 1 + time '10:00', 'openai', 'gpt-4o', NULL, 0.40, 1000, 200, 100, 2000, NULL, false, NULL, NULL),
    ('b1000000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-000000000001', 'llm_call', current_date - 1 + time '10:01', 'openai', 'gpt-4o', NULL, 0.10, NULL, NULL, NULL, NULL, 'rate_limit', false, NULL, NULL),
    ('b1000000-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-000000000001', 'llm_call', current_date - 1 + time '10:02', 'openai', 'gpt-4o', NULL, 0.10, NULL, NULL, NULL, NULL, NULL, true, 'rate_limit', 'b1000000-0000-0000-0000-000000000002'),
    ('b1000000-0000-0000-0000-000000000004', 'b0000000-0000-0000-0000-000000000002', 'external_cost', current_date - 1 + time '11:00', NULL, NULL, 'tavily', 0.20, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL),
    ('b1000000-0000-0000-0000-000000000005', 'b0000000-0000-0000-0000-000000000003', 'llm_call', current_date + time '00:10', 'openai', 'gpt-4o-mini', NULL, 0.30, 500, NULL, 50, 1000, NULL, false, NULL, NULL),
    ('b1000000-0000-0000-0000-000000000006', 'b0000000-0000-0000-0000-000000000004', 'compute_cost', current_date + time '00:11', NULL, NULL, 'lambda', 0.60, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL),
    ('b1000000-0000-0000-0000-000000000007', 'b0000000-0000-0000-0000-000000000004', 'llm_call', current_date + time '00:12', 'acme-ai', 'mystery-1', NULL, NULL, 10, NULL, NULL, NULL, NULL, false, NULL, NULL);

-- Overview, per day (D1 then D0):
--   D1: cost 0.40+0.10+0.10+0.20 = 0.80; root tasks T1,T2 = 2; avg 0.40; retry 0.10; failure 0.10;
--       efficiency 1 - 0.20/0.80 = 75.00%
--   D0: cost 0.30+0.60 = 0.90; root tasks T3 = 1 (T4 is a subtask); avg 0.90; efficiency 100%
SELECT day = current_date AS today, total_cost_usd, tasks, events, avg_cost_per_task_usd, retry_cost_usd,
       failure_cost_usd, cost_efficiency_pct
  FROM dexcost_bi.overview_daily WHERE day >= current_date - 1 ORDER BY day;
-- Cost health: retry % = 0.10/0.80 = 12.50, failure % the same on D1; by reason: one rate_limit retry.
SELECT day = current_date AS today, retries, retry_cost_usd, failures, failure_cost_usd, retry_pct, failure_pct
  FROM dexcost_bi.cost_health_daily WHERE day >= current_date - 1 ORDER BY day;
SELECT workflow, retry_type, retry_reason, retries, retry_cost_usd, second_attempts, later_attempts
  FROM dexcost_bi.retry_cost_by_reason_daily WHERE day >= current_date - 1;

-- Customers over both days: bi-a 0.80 (llm 0.60, non-llm 0.20, retry 0.10, 2 tasks);
-- bi-b 0.90 (llm 0.30, non-llm 0.60 compute, 1 task).
SELECT customer_id, sum(total_cost_usd) AS total, sum(llm_cost_usd) AS llm, sum(non_llm_cost_usd) AS non_llm,
       sum(retry_cost_usd) AS retry, sum(tasks) AS tasks
  FROM dexcost_bi.customer_daily WHERE day >= current_date - 1 AND customer_id LIKE 'bi-%' GROUP BY 1 ORDER BY 1;
-- The same per period (last 7 days), from the period view.
SELECT customer_id, total_cost_usd, llm_cost_usd, non_llm_cost_usd, retry_cost_usd, tasks, avg_cost_per_task_usd, retry_pct
  FROM dexcost_bi.customer_period WHERE period = 'last_7_days' AND customer_id LIKE 'bi-%' ORDER BY 1;
-- Drill-down: bi-b extract runs = 2 (T3 and its subtask T4).
SELECT customer_id, workflow, sum(total_cost_usd) AS total, sum(runs) AS runs
  FROM dexcost_bi.customer_task_type_daily WHERE day >= current_date - 1 AND customer_id LIKE 'bi-%' GROUP BY 1, 2 ORDER BY 1, 2;
-- Ranking (last 7 days; only these two customers have cost): total 1.70.
--   bi-b 0.90 -> share 52.94%, rank 1, cumulative 52.94%, percentile 50.00%
--   bi-a 0.80 -> share 47.06%, rank 2, cumulative 100.00%; avg per customer 0.85; bi-a retry % 12.50
SELECT customer_id, total_cost_usd, tasks, avg_cost_per_task_usd, retry_pct, share_of_total_pct, rank,
       cumulative_share_pct, customer_percentile_pct, avg_cost_per_customer_usd
  FROM dexcost_bi.customer_ranking WHERE period = 'last_7_days' ORDER BY rank;

-- Tasks: summarize 0.80 over 2 runs (0.40 each), 1 retry 0.10 (attempt 2 of its chain);
-- extract 0.90 over 2 runs (0.45 each). Top 3 holds both.
SELECT workflow, total_cost_usd, runs, avg_cost_per_run_usd, retry_cost_usd, second_attempts, later_attempts, rank, is_top_3
  FROM dexcost_bi.task_type_ranking WHERE period = 'last_30_days' ORDER BY rank;

-- Engineering: gpt-4o on summarize: 3 calls, 0.60, avg 0.20; 1000 input + 200 cached + 0 writes:
-- cache hit 200/1200 = 16.67%; savings 200 x (2.50 - 1.25) / 1e6 = 0.00025 (seed prices of
-- gpt-4o: input 2.50, cache read 1.25 USD per million tokens); latency only on one call: 2 s.
SELECT workflow, provider, model, request_mode, llm_calls, cost_usd, avg_cost_per_call_usd, input_tokens,
       cached_input_tokens, output_tokens, cache_hit_rate_pct, cache_savings_usd, avg_latency_seconds, retry_calls,
       failed_calls, unpriced_calls
  FROM dexcost_bi.model_usage_daily WHERE day >= current_date - 1 ORDER BY workflow, model;
-- Percentiles (sketch, 1% relative error): summarize calls cost 0.10, 0.10, 0.40 -> p50 0.10; p95 lies
-- between the two largest, interpolated: 0.10 + 0.9 x 0.30 = 0.37.
SELECT workflow, route, llm_calls, round(cost_per_call_p50_usd, 2) AS p50, round(cost_per_call_p95_usd, 2) AS p95,
       latency_p50_seconds IS NOT NULL AS has_latency
  FROM dexcost_bi.workflow_percentiles WHERE period = 'last_7_days' AND route = '(all routes)' ORDER BY workflow;
-- The same per day: summarize on D1 as above; extract on D0 has one priced call (0.30) and the
-- unpriced one, which counts as a call but has no cost to rank.
SELECT day = current_date AS today, workflow, llm_calls, round(cost_per_call_p50_usd, 2) AS p50,
       round(cost_per_call_p95_usd, 2) AS p95, latency_p50_seconds
  FROM dexcost_bi.workflow_percentiles_daily WHERE day >= current_date - 1 ORDER BY day, workflow;

-- Unit economics: summarize 0.80 / 1 accepted = 0.80; per call 0.60/3 = 0.20; acceptance 1/2 = 50%.
--                 extract 0.90 / 1 accepted = 0.90; per call 0.30/2 = 0.15 (the unpriced call counts).
SELECT workflow, sum(total_cost_usd) AS total, sum(runs) AS runs, sum(accepted_tasks) AS accepted,
       round(sum(total_cost_usd) / NULLIF(sum(accepted_tasks), 0), 6) AS per_accepted
  FROM dexcost_bi.unit_economics_daily WHERE day >= current_date - 1 GROUP BY 1 ORDER BY 1;
SELECT workflow, cost_per_accepted_task_usd, cost_per_call_usd, acceptance_rate_pct
  FROM dexcost_bi.unit_economics_daily WHERE day >= current_date - 1 ORDER BY workflow;

-- Unpriced: the mystery-1 call.
SELECT provider, model, workflow, unpriced_calls, llm_calls, unpriced_pct FROM dexcost_bi.unpriced_daily
 WHERE day >= current_date - 1;
SELECT provider, model, workflow, unpriced_calls, llm_calls, unpriced_pct FROM dexcost_bi.unpriced_period
 WHERE period = 'last_30_days';
-- Engineering per period: the same rows as the days summed (gpt-4o on summarize: 3 calls, 0.60).
SELECT workflow, model, llm_calls, cost_usd, cached_input_tokens, cache_hit_rate_pct, cache_savings_usd
  FROM dexcost_bi.model_usage_period WHERE period = 'last_90_days' ORDER BY workflow, model;

-- The *_merged views the day-grain BI views read give one row per key, equal to the folded
-- and pending rows summed (dexcost.*_all grouped): checked with everything pending, after a
-- fold, and with some keys pending on top of folded rows and others only pending.
CREATE FUNCTION pg_temp.merged_differ() RETURNS bigint LANGUAGE sql AS $$
  WITH m AS (
      SELECT 'total' AS v, row_to_json(x)::text AS r FROM dexcost.daily_customer_total_merged AS x
      UNION ALL SELECT 'customer', row_to_json(x)::text FROM dexcost.daily_customer_merged AS x
      UNION ALL SELECT 'model', row_to_json(x)::text
        FROM (SELECT day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd,
                     unpriced_calls, retry_calls, failed_calls, input_tokens, cache_read_tokens, cache_write_tokens,
                     output_tokens, reasoning_tokens, latency_ms_sum, latency_calls,
                     dexcost.sketch_count(cost_sketch) AS n FROM dexcost.daily_model_merged) AS x
      UNION ALL SELECT 'workflow sketches', row_to_json(x)::text
        FROM (SELECT day, task_type, llm_calls, dexcost.sketch_count(cost_sketch) AS costs,
                     dexcost.sketch_count(latency_sketch) AS latencies, dexcost.sketch_count(prompt_tokens_sketch) AS prompts,
                     dexcost.sketch_count(output_tokens_sketch) AS outputs
                FROM dexcost.daily_workflow_sketch_merged) AS x),
  g AS (
      SELECT 'total' AS v, row_to_json(x)::text AS r
        FROM (SELECT day, customer_id, sum(events)::bigint AS events, sum(cost_usd) AS cost_usd,
                     sum(llm_cost_usd) AS llm_cost_usd, sum(non_llm_cost_usd) AS non_llm_cost_usd,
                     sum(retry_count)::bigint AS retry_count, sum(retry_cost_usd) AS retry_cost_usd,
                     sum(failure_cost_usd) AS failure_cost_usd, sum(root_tasks)::bigint AS root_tasks
                FROM dexcost.daily_customer_total_all GROUP BY day, customer_id) AS x
      UNION ALL SELECT 'customer', row_to_json(x)::text
        FROM (SELECT day, customer_id, task_type, sum(events)::bigint AS events, sum(cost_usd) AS cost_usd,
                     sum(llm_cost_usd) AS llm_cost_usd, sum(non_llm_cost_usd) AS non_llm_cost_usd,
                     sum(retry_count)::bigint AS retry_count, sum(retry_cost_usd) AS retry_cost_usd,
                     sum(failure_cost_usd) AS failure_cost_usd, sum(tasks)::bigint AS tasks,
                     sum(root_tasks)::bigint AS root_tasks
                FROM dexcost.daily_customer_all GROUP BY day, customer_id, task_type) AS x
      UNION ALL SELECT 'model', row_to_json(x)::text
        FROM (SELECT day, task_type, provider, model, route, service_tier, fallback_reason,
                     sum(llm_calls)::bigint AS llm_calls, sum(cost_usd) AS cost_usd,
                     sum(unpriced_calls)::bigint AS unpriced_calls, sum(retry_calls)::bigint AS retry_calls,
                     sum(failed_calls)::bigint AS failed_calls, sum(input_tokens)::bigint AS input_tokens,
                     sum(cache_read_tokens)::bigint AS cache_read_tokens,
                     sum(cache_write_tokens)::bigint AS cache_write_tokens, sum(output_tokens)::bigint AS output_tokens,
                     sum(reasoning_tokens)::bigint AS reasoning_tokens, sum(latency_ms_sum)::bigint AS latency_ms_sum,
                     sum(latency_calls)::bigint AS latency_calls,
                     dexcost.sketch_count(dexcost.sketch_merge(cost_sketch)) AS n
                FROM dexcost.daily_model_all
               GROUP BY day, task_type, provider, model, route, service_tier, fallback_reason) AS x
      UNION ALL SELECT 'workflow sketches', row_to_json(x)::text
        FROM (SELECT day, task_type, sum(llm_calls)::bigint AS llm_calls,
                     dexcost.sketch_count(dexcost.sketch_merge(cost_sketch)) AS costs,
                     dexcost.sketch_count(dexcost.sketch_merge(latency_sketch)) AS latencies,
                     dexcost.sketch_count(dexcost.sketch_merge(prompt_tokens_sketch)) AS prompts,
                     dexcost.sketch_count(dexcost.sketch_merge(output_tokens_sketch)) AS outputs
                FROM dexcost.daily_model_all GROUP BY day, task_type) AS x)
  SELECT count(*) FROM ((SELECT * FROM m EXCEPT ALL SELECT * FROM g) UNION ALL (SELECT * FROM g EXCEPT ALL SELECT * FROM m)) AS d;
$$;
SELECT pg_temp.merged_differ() AS all_pending,
       (SELECT count(*) FROM dexcost.daily_customer_total) AS folded_rows,
       (SELECT count(*) > 0 FROM dexcost.daily_customer_total_merged) AS merged_rows;

-- The period views read, in turn: the period totals plus pending deltas (now), the folded
-- period totals (after fold_daily), the daily tables (when the period totals do not end
-- today, e.g. before the first fold of a day), and recomputed totals. Always the same rows.
CREATE TEMP TABLE period_views AS
  SELECT 0 AS step, 'customer' AS v, row_to_json(c)::text AS r FROM dexcost_bi.customer_period AS c
  UNION ALL SELECT 0, 'ranking', row_to_json(k)::text FROM dexcost_bi.customer_ranking AS k
  UNION ALL SELECT 0, 'model', row_to_json(m)::text FROM dexcost_bi.model_usage_period AS m
  UNION ALL SELECT 0, 'percentiles', row_to_json(w)::text FROM dexcost_bi.workflow_percentiles AS w
  UNION ALL SELECT 0, 'unpriced', row_to_json(u)::text FROM dexcost_bi.unpriced_period AS u;
CREATE FUNCTION pg_temp.period_views_differ(step int) RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO period_views
  SELECT step, 'customer', row_to_json(c)::text FROM dexcost_bi.customer_period AS c
  UNION ALL SELECT step, 'ranking', row_to_json(k)::text FROM dexcost_bi.customer_ranking AS k
  UNION ALL SELECT step, 'model', row_to_json(m)::text FROM dexcost_bi.model_usage_period AS m
  UNION ALL SELECT step, 'percentiles', row_to_json(w)::text FROM dexcost_bi.workflow_percentiles AS w
  UNION ALL SELECT step, 'unpriced', row_to_json(u)::text FROM dexcost_bi.unpriced_period AS u;
  SELECT count(*) FROM ((SELECT v, r FROM period_views WHERE period_views.step = 0
                          EXCEPT ALL SELECT v, r FROM period_views WHERE period_views.step = $1)
                        UNION ALL
                        (SELECT v, r FROM period_views WHERE period_views.step = $1
                          EXCEPT ALL SELECT v, r FROM period_views WHERE period_views.step = 0)) AS d;
$$;
SELECT count(*) > 10 AS enough_rows, dexcost.periods_fresh() AS fresh FROM period_views;
SELECT status FROM dexcost.fold_daily();
SELECT pg_temp.period_views_differ(1) AS after_fold, (SELECT count(*) FROM dexcost.customer_period) > 0 AS folded;
UPDATE dexcost.period_state SET anchor = anchor - 1;
SELECT pg_temp.period_views_differ(2) AS from_daily_tables, dexcost.periods_fresh() AS fresh;
SELECT dexcost.refresh_periods() = current_date AS refreshed;
SELECT pg_temp.period_views_differ(3) AS recomputed, dexcost.periods_fresh() AS fresh;

-- Folding changes nothing a view shows; the sums equal the ledger.
CREATE TEMP TABLE before_fold AS SELECT * FROM dexcost_bi.overview_daily WHERE day >= current_date - 1;
SELECT status FROM dexcost.fold_daily();
SELECT count(*) AS differing FROM (SELECT * FROM dexcost_bi.overview_daily WHERE day >= current_date - 1
                                   EXCEPT SELECT * FROM before_fold) AS d;
SELECT count(*) AS daily_check_rows FROM dexcost.daily_check();

-- A time zone far east moves D0's first minutes... every event keeps its day or moves whole;
-- the totals stay 1.70.
SELECT dexcost.set_setting('timezone', 'Pacific/Kiritimati');
SELECT sum(total_cost_usd) FROM dexcost_bi.overview_daily;
SELECT count(*) AS daily_check_rows FROM dexcost.daily_check();
DELETE FROM dexcost.workspace_setting;
SELECT dexcost.rebuild_daily() > 0 AS rebuilt;

-- Every view is flat: no array, composite, jsonb, interval or enum column.
SELECT c.relname, a.attname, t.typname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relnamespace = 'dexcost_bi'::regnamespace AND a.attnum > 0
   AND (t.typcategory IN ('A', 'C', 'E', 'T') OR t.typname IN ('jsonb', 'json'));

-- Pending on top of folded: one more call for T1 (bi-a, summarize, gpt-4o, D1: keys already
-- folded) and a new customer bi-c (keys only pending). The day views show the folded rows
-- plus the new ones: bi-a 0.80 + 0.05 = 0.85 on D1 with 4 gpt-4o calls; bi-c 0.25 today.
SELECT status FROM dexcost.fold_daily();
SELECT pg_temp.merged_differ() AS nothing_pending;
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('b0000000-0000-0000-0000-000000000005', 'bi-c', 'extract', current_date + time '01:00');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd, cache_read_tokens) VALUES
    ('b1000000-0000-0000-0000-000000000008', 'b0000000-0000-0000-0000-000000000001', 'llm_call', current_date - 1 + time '10:30', 'openai', 'gpt-4o', 0.05, 400),
    ('b1000000-0000-0000-0000-000000000009', 'b0000000-0000-0000-0000-000000000005', 'llm_call', current_date + time '01:00', 'openai', 'gpt-4o-mini', 0.25, NULL);
SELECT pg_temp.merged_differ() AS some_pending, (SELECT count(*) > 0 FROM dexcost.daily_customer_delta) AS pending;
SELECT day = current_date AS today, customer_id, total_cost_usd, tasks, events FROM dexcost_bi.customer_daily
 WHERE customer_id LIKE 'bi-%' ORDER BY customer_id, day;
SELECT day = current_date AS today, customer_id, workflow, total_cost_usd, runs FROM dexcost_bi.customer_task_type_daily
 WHERE customer_id LIKE 'bi-%' ORDER BY customer_id, day;
-- gpt-4o on D1 now: 4 calls, 0.65; 600 cached tokens save 600 x 1.25 / 1e6 = 0.00075.
SELECT day = current_date AS today, workflow, model, llm_calls, cost_usd, cached_input_tokens, cache_savings_usd
  FROM dexcost_bi.model_usage_daily WHERE day >= current_date - 1 ORDER BY day, workflow, model;

DELETE FROM dexcost.task WHERE customer_id LIKE 'bi-%';
SELECT count(*) AS left_over FROM dexcost_bi.customer_daily WHERE customer_id LIKE 'bi-%' AND total_cost_usd <> 0;

-- Catalogue prices hold from a moment; the daily savings use the price at the start of the
-- day (workspace time zone): a price from midnight holds that day, from one second later
-- only the next. Berlin's midnight of 1 March is 23:00 UTC the day before.
SELECT dexcost.day_starting_at_or_after('2026-03-01 00:00:00+00', 'UTC') AS at_midnight,
       dexcost.day_starting_at_or_after('2026-03-01 00:00:01+00', 'UTC') AS just_after,
       dexcost.day_starting_at_or_after('2026-02-28 23:00:00+00', 'Europe/Berlin') AS berlin_midnight,
       dexcost.day_starting_at_or_after('-infinity', 'UTC') AS since_ever,
       dexcost.day_starting_at_or_after('infinity', 'UTC') AS never;
