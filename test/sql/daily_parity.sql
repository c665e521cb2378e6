-- The daily pre-aggregates kept at ingest by the C++ statement trigger (src/pg_daily.cpp)
-- equal what rebuild_daily() recomputes from the ledger in SQL, after every kind of change:
-- multi-row inserts over several customers, days and task types, cost and day updates, retry
-- marks and dismissals, event and task deletes, a task type change, and a time zone where
-- the day boundary falls between events. Every folded table is compared: daily_workflow holds
-- every measure, daily_customer and daily_customer_total the customer ones. Sums are compared
-- exactly (as values: trim_scale, since the trigger writes 0.5 where SQL's sum writes 0.500000);
-- sketches are left out (they only grow until a rebuild).
SET timezone = 'UTC';
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.snapshot() RETURNS TABLE (tbl text, key text, measures text)
LANGUAGE sql AS $$
  SELECT 'customer', concat_ws('|', day, customer_id, task_type),
         concat_ws('|', trim_scale(sum(events)), trim_scale(sum(cost_usd)), trim_scale(sum(llm_cost_usd)), trim_scale(sum(non_llm_cost_usd)),
                   trim_scale(sum(retry_count)), trim_scale(sum(retry_cost_usd)), trim_scale(sum(failure_cost_usd)), trim_scale(sum(tasks)),
                   trim_scale(sum(root_tasks)))
    FROM dexcost.daily_customer_all GROUP BY day, customer_id, task_type
  UNION ALL
  SELECT 'customer_total', concat_ws('|', day, customer_id),
         concat_ws('|', trim_scale(sum(events)), trim_scale(sum(cost_usd)), trim_scale(sum(llm_cost_usd)), trim_scale(sum(non_llm_cost_usd)),
                   trim_scale(sum(retry_count)), trim_scale(sum(retry_cost_usd)), trim_scale(sum(failure_cost_usd)), trim_scale(sum(root_tasks)))
    FROM dexcost.daily_customer_total_all GROUP BY day, customer_id
  UNION ALL
  SELECT 'workflow', concat_ws('|', day, task_type),
         concat_ws('|', trim_scale(sum(events)), trim_scale(sum(llm_calls)), trim_scale(sum(cost_usd)), trim_scale(sum(llm_cost_usd)), trim_scale(sum(external_cost_usd)),
                   trim_scale(sum(compute_cost_usd)), trim_scale(sum(other_cost_usd)), trim_scale(sum(retry_count)), trim_scale(sum(retry_cost_usd)), trim_scale(sum(failure_count)),
                   trim_scale(sum(failure_cost_usd)), trim_scale(sum(unpriced_events)), trim_scale(sum(input_tokens)), trim_scale(sum(cache_read_tokens)),
                   trim_scale(sum(cache_write_tokens)), trim_scale(sum(output_tokens)), trim_scale(sum(tasks)), trim_scale(sum(root_tasks)), trim_scale(sum(succeeded_tasks)),
                   trim_scale(sum(failed_tasks)), trim_scale(sum(accepted_tasks)))
    FROM dexcost.daily_workflow_all GROUP BY day, task_type
  UNION ALL
  SELECT 'model', concat_ws('|', day, task_type, provider, model, route, service_tier, fallback_reason),
         concat_ws('|', trim_scale(sum(llm_calls)), trim_scale(sum(cost_usd)), trim_scale(sum(unpriced_calls)), trim_scale(sum(retry_calls)), trim_scale(sum(failed_calls)),
                   trim_scale(sum(input_tokens)), trim_scale(sum(cache_read_tokens)), trim_scale(sum(cache_write_tokens)), trim_scale(sum(output_tokens)),
                   trim_scale(sum(reasoning_tokens)), trim_scale(sum(latency_ms_sum)), trim_scale(sum(latency_calls)))
    FROM dexcost.daily_model_all GROUP BY day, task_type, provider, model, route, service_tier, fallback_reason
   HAVING sum(llm_calls) <> 0
  UNION ALL
  SELECT 'workflow_sketch', concat_ws('|', day, task_type), trim_scale(sum(llm_calls))::text
    FROM (SELECT day, task_type, llm_calls FROM dexcost.daily_workflow_sketch
          UNION ALL SELECT day, task_type, llm_calls FROM dexcost.daily_model_delta) AS w
   GROUP BY day, task_type
  HAVING sum(llm_calls) <> 0
  UNION ALL
  SELECT 'retry', concat_ws('|', day, task_type, retry_type, retry_reason),
         concat_ws('|', trim_scale(sum(retries)), trim_scale(sum(retry_cost_usd)), trim_scale(sum(second_attempts)), trim_scale(sum(later_attempts)))
    FROM dexcost.daily_retry_all GROUP BY day, task_type, retry_type, retry_reason
   HAVING sum(retries) <> 0 OR sum(retry_cost_usd) <> 0
$$;
-- Rows that differ between what the triggers kept and a rebuild from the ledger (none expected),
-- then the rebuild is undone so the next step again checks what the triggers keep.
CREATE FUNCTION pg_temp.differences() RETURNS TABLE (side text, tbl text, key text, measures text)
LANGUAGE plpgsql AS $$
BEGIN
  -- (keys whose every measure is 0 are no difference: deletes leave them behind)
  CREATE TEMP TABLE kept AS SELECT * FROM pg_temp.snapshot() AS s WHERE s.measures !~ '^[0|]*$';
  PERFORM dexcost.rebuild_daily();
  CREATE TEMP TABLE rebuilt AS SELECT * FROM pg_temp.snapshot() AS s WHERE s.measures !~ '^[0|]*$';
  RETURN QUERY (SELECT 'kept', k.* FROM kept AS k EXCEPT SELECT 'kept', r.* FROM rebuilt AS r)
     UNION ALL (SELECT 'rebuilt', r.* FROM rebuilt AS r EXCEPT SELECT 'rebuilt', k.* FROM kept AS k);
  DROP TABLE kept, rebuilt;
END $$;

-- 40 tasks over 4 customers, 3 task types and 3 days; 400 events of every type in one INSERT
-- (one statement, so the trigger groups them), some unpriced, failed, retried, with routes,
-- tiers and fallbacks.
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, accepted, started_at)
SELECT ('d0000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'dp-' || (i % 4), 'flow-' || (i % 3),
       CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'success' END, i % 2 = 0,
       timestamptz '2026-07-01 22:30+00' + (i % 3) * interval '1 day'
  FROM generate_series(1, 40) AS i;
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model, service_name,
                                cost_usd, input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
                                output_tokens, reasoning_tokens, latency_ms, error_type, is_retry, retry_reason,
                                retry_type, route, service_tier, fallback_reason)
SELECT ('d1000000-0000-0000-0000-' || lpad(k::text, 12, '0'))::uuid, 'dp-' || (t % 4),
       ('d0000000-0000-0000-0000-' || lpad(t::text, 12, '0'))::uuid,
       (ARRAY['llm_call', 'llm_call', 'llm_call', 'external_cost', 'compute_cost', 'retry_marker', 'network', 'gpu_cost'])[1 + k % 8],
       timestamptz '2026-07-01 22:30+00' + (t % 3) * interval '1 day' + (k % 7) * interval '20 minutes',
       CASE WHEN k % 8 IN (0, 1, 2) THEN (ARRAY['openai', 'anthropic'])[1 + k % 2] END,
       CASE WHEN k % 8 IN (0, 1, 2) THEN (ARRAY['gpt-4o', 'claude-sonnet-4-5', 'gpt-4o-mini'])[1 + k % 3]
            WHEN k % 8 = 5 AND k % 16 = 5 THEN 'gpt-4o' END,
       CASE WHEN k % 8 IN (3, 4, 6, 7) THEN 'svc' END,
       CASE WHEN k % 11 = 0 THEN NULL ELSE round((k % 97) * 0.0013, 6) END,
       CASE WHEN k % 8 IN (0, 1, 2) THEN 100 + k END, CASE WHEN k % 3 = 0 THEN 50 END,
       CASE WHEN k % 5 = 0 THEN 7 END, CASE WHEN k % 10 = 0 THEN 3 END,
       CASE WHEN k % 8 IN (0, 1, 2) AND k % 4 <> 0 THEN 40 + k % 13 END, CASE WHEN k % 9 = 0 THEN 5 END,
       CASE WHEN k % 8 IN (0, 1, 2) AND k % 6 <> 0 THEN 300 + k END,
       CASE WHEN k % 13 = 0 THEN 'timeout' END,
       k % 8 IN (0, 1, 2) AND k % 12 = 1, CASE WHEN k % 12 = 1 THEN 'rate_limit' END,
       CASE WHEN k % 8 IN (0, 1, 2) AND k % 12 = 1 THEN 'provider_retry' END,
       CASE WHEN k % 8 IN (0, 1, 2) THEN (ARRAY['primary', 'fallback', NULL])[1 + k % 3] END,
       CASE WHEN k % 8 IN (0, 1, 2) THEN (ARRAY['standard', 'batch'])[1 + k % 2] ELSE 'standard' END,
       CASE WHEN k % 8 IN (0, 1, 2) AND k % 3 = 1 THEN 'rate_limited' END
  FROM generate_series(1, 400) AS k, LATERAL (SELECT 1 + k % 40 AS t) AS x;
SELECT count(*) AS events FROM dexcost.cost_event;
SELECT * FROM pg_temp.differences();

-- Single-row inserts, one statement each.
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, cost_usd, input_tokens, output_tokens)
VALUES ('d0000000-0000-0000-0000-000000000001', 'llm_call', timestamptz '2026-07-02 23:59:59+00', 'openai', 'gpt-4o', 0.5, 10, 5);
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, service_name, cost_usd)
VALUES ('d0000000-0000-0000-0000-000000000002', 'external_cost', timestamptz '2026-07-03 00:00:00+00', 'svc', 0.25);
SELECT * FROM pg_temp.differences();

-- Updates: costs, a move to another day, another model; and retry marks and dismissals.
UPDATE dexcost.cost_event SET cost_usd = cost_usd * 2 WHERE event_id::text LIKE 'd1%' AND customer_id = 'dp-1';
UPDATE dexcost.cost_event SET occurred_at = occurred_at + interval '1 day' WHERE customer_id = 'dp-2' AND event_type = 'llm_call';
UPDATE dexcost.cost_event SET model = 'gpt-4.1', route = 'primary' WHERE customer_id = 'dp-3' AND event_type = 'llm_call';
SELECT count(*) AS marked FROM (SELECT dexcost.mark_retry('d0000000-0000-0000-0000-000000000004', 'validation_failed', 0.05)) AS m;
SELECT count(*) > 0 AS dismissed FROM dexcost.mark_not_retry(task_id => 'd0000000-0000-0000-0000-000000000002');
SELECT * FROM pg_temp.differences();

-- Deletes: some events, then whole tasks (their events go with them).
DELETE FROM dexcost.cost_event WHERE customer_id = 'dp-0' AND event_type = 'external_cost';
DELETE FROM dexcost.task WHERE task_id IN ('d0000000-0000-0000-0000-000000000005', 'd0000000-0000-0000-0000-000000000006');
SELECT * FROM pg_temp.differences();

-- A task type change carries its events along.
UPDATE dexcost.task SET task_type = 'flow-renamed' WHERE task_id = 'd0000000-0000-0000-0000-000000000007';
SELECT * FROM pg_temp.differences();

-- Task runs (the C++ task statement trigger): child tasks in one multi-row insert, one single
-- task, then status, acceptance and start changes of several tasks in one statement.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, status, accepted, started_at)
SELECT ('d0000000-0000-0000-0001-' || lpad(i::text, 12, '0'))::uuid, 'dp-' || (i % 4), 'flow-' || (i % 3),
       ('d0000000-0000-0000-0000-' || lpad((i + 8)::text, 12, '0'))::uuid,
       (ARRAY['pending', 'success', 'failed'])[1 + i % 3], CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
       timestamptz '2026-07-01 23:50+00' + i * interval '5 minutes'
  FROM generate_series(1, 8) AS i;
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, accepted, started_at)
VALUES ('d0000000-0000-0000-0002-000000000001', 'dp-1', 'flow-new', 'success', true, timestamptz '2026-07-02 12:00+00');
UPDATE dexcost.task SET status = 'success', accepted = true, started_at = started_at + interval '1 day'
 WHERE customer_id = 'dp-2' AND parent_task_id IS NULL AND status = 'pending' OR task_id::text LIKE 'd0000000-0000-0000-0001-%3';
-- (outcomes are per task type only, in daily_workflow: differences() compares them)
SELECT sum(tasks) AS tasks, sum(root_tasks) AS root_tasks FROM dexcost.daily_customer_all WHERE customer_id LIKE 'dp-%';
SELECT * FROM pg_temp.differences();

-- Another time zone: 22:30 UTC is the next day in Berlin, so events move days; six new calls
-- from 23:40 to 00:30 Berlin time fall on two days.
SELECT dexcost.set_setting('timezone', 'Europe/Berlin');
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, cost_usd, input_tokens, output_tokens)
SELECT 'd0000000-0000-0000-0000-000000000008', 'llm_call', timestamptz '2026-07-01 21:30+00' + i * interval '10 minutes',
       'openai', 'gpt-4o', 0.01 * i, 10 * i, i
  FROM generate_series(1, 6) AS i;
SELECT count(DISTINCT dexcost.local_day(e.occurred_at, dexcost.timezone())) AS days_of_the_six_calls
  FROM dexcost.cost_event AS e
 WHERE e.task_id = 'd0000000-0000-0000-0000-000000000008'
   AND e.occurred_at BETWEEN timestamptz '2026-07-01 21:40+00' AND timestamptz '2026-07-01 22:30+00';
SELECT * FROM pg_temp.differences();

-- Everything folded: still equal, and no delta left.
SELECT status FROM dexcost.fold_daily();
SELECT * FROM pg_temp.differences();
SELECT (SELECT count(*) FROM dexcost.daily_customer_delta) + (SELECT count(*) FROM dexcost.daily_model_delta)
       + (SELECT count(*) FROM dexcost.daily_retry_delta) AS deltas_left;
SELECT count(*) AS daily_check_rows FROM dexcost.daily_check();

-- rebuild_daily() folds everything at once and writes each folded table in key order, day first,
-- as a table folded minute by minute is laid out: a BI filter on the last N days then reads rows
-- stored together. Hash order (what the fold wrote before) puts about half of the neighbouring rows
-- out of order. A few may be here too: the rows the rebuild deleted leave room on pages that the
-- new rows can fill first, so the test allows one in five.
SELECT dexcost.rebuild_daily() >= 0 AS rebuilt;
SELECT t.folded_table, t.n_rows > 3 AS several_rows, t.out_of_order * 5 <= t.n_rows AS in_key_order
  FROM (SELECT 'daily_customer' AS folded_table, count(*) AS n_rows, count(*) FILTER (WHERE k < prev) AS out_of_order
          FROM (SELECT (day, customer_id, task_type) AS k, lag((day, customer_id, task_type)) OVER (ORDER BY ctid) AS prev
                  FROM dexcost.daily_customer) AS s
        UNION ALL
        SELECT 'daily_customer_total', count(*), count(*) FILTER (WHERE k < prev)
          FROM (SELECT (day, customer_id) AS k, lag((day, customer_id)) OVER (ORDER BY ctid) AS prev
                  FROM dexcost.daily_customer_total) AS s
        UNION ALL
        SELECT 'daily_workflow', count(*), count(*) FILTER (WHERE k < prev)
          FROM (SELECT (day, task_type) AS k, lag((day, task_type)) OVER (ORDER BY ctid) AS prev
                  FROM dexcost.daily_workflow) AS s
        UNION ALL
        SELECT 'daily_model', count(*), count(*) FILTER (WHERE k < prev)
          FROM (SELECT (day, task_type, provider, model, route, service_tier, fallback_reason) AS k,
                       lag((day, task_type, provider, model, route, service_tier, fallback_reason)) OVER (ORDER BY ctid) AS prev
                  FROM dexcost.daily_model) AS s
        UNION ALL
        SELECT 'daily_workflow_sketch', count(*), count(*) FILTER (WHERE k < prev)
          FROM (SELECT (day, task_type) AS k, lag((day, task_type)) OVER (ORDER BY ctid) AS prev
                  FROM dexcost.daily_workflow_sketch) AS s) AS t
 ORDER BY 1;

-- Its tasks deleted, the test leaves nothing behind in the ledger or the daily tables.
DELETE FROM dexcost.task WHERE customer_id LIKE 'dp-%';
SELECT * FROM pg_temp.differences();
SELECT count(*) AS daily_rows_left FROM dexcost.daily_customer_all WHERE customer_id LIKE 'dp-%' AND events <> 0;

-- Back to UTC (a direct change of the setting table needs the rebuild that set_setting() does).
DELETE FROM dexcost.workspace_setting;
SELECT dexcost.rebuild_daily() >= 0 AS rebuilt;
