-- dexcost.daily_check() compares every measure of the daily tables with the ledger, using the definitions of
-- daily_contributions() and rebuild_daily(): empty on a consistent ledger (deltas pending or folded), and one row
-- per key and measure when a folded daily table was tampered with (as superuser, which nobody else may). Each
-- UPDATE below changes every measure it covers, so each comparison shows as a row of its own.
SET timezone = 'UTC';
\set VERBOSITY terse
BEGIN;
-- Earlier tests changed and deleted llm_calls: their sums followed, their sketches only grew, so whatever
-- daily_check() reports now is sketch values above the ledger; rebuild_daily() recomputes them.
SELECT count(*) FILTER (WHERE NOT (measure LIKE '%\_sketch\_count' AND daily > ledger)) AS not_stale_sketches
  FROM dexcost.daily_check();
SELECT dexcost.rebuild_daily() >= 0 AS rebuilt;
SELECT count(*) AS rebuilt_rows FROM dexcost.daily_check();
-- Task runs on two days: roots and a child, succeeded, failed, accepted.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, status, accepted, started_at) VALUES
  ('dc000000-0000-0000-0000-000000000001', 'dc-a', 'triage', NULL, 'success', true, '2026-08-03 09:00+00'),
  ('dc000000-0000-0000-0000-000000000002', 'dc-b', 'triage', NULL, 'failed', NULL, '2026-08-04 08:00+00'),
  ('dc000000-0000-0000-0000-000000000003', 'dc-b', 'summarise', NULL, 'success', false, '2026-08-04 08:30+00'),
  ('dc000000-0000-0000-0000-000000000004', 'dc-b', 'summarise', 'dc000000-0000-0000-0000-000000000003', 'success', true,
   '2026-08-04 08:40+00');
-- llm_calls over two days, providers, models, routes, tiers and a fallback; retries of two types (one
-- without a type: application_retry), a retry_marker, an unpriced call, a failed call, calls with and
-- without latency and output tokens, external, compute and network cost, reasoning tokens.
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, service_name, cost_usd,
                                input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                                is_retry, retry_type, retry_reason, retry_attempt, route, service_tier, fallback_reason,
                                latency_ms, error_type)
VALUES
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:00+00', 'openai', 'gpt-4o', NULL, 0.10,
   1000, 200, NULL, 100, NULL, false, NULL, NULL, NULL, 'primary', 'standard', NULL, 800, NULL),
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:01+00', 'openai', 'gpt-4o', NULL, 0.12,
   1100, NULL, 50, 120, 30, true, 'provider_retry', 'rate_limit', 2, 'primary', 'standard', NULL, 1200, NULL),
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:02+00', 'anthropic', 'claude-haiku-4-5', NULL, 0.02,
   900, NULL, NULL, 80, NULL, true, 'provider_retry', 'rate_limit', 3, 'fallback', 'batch', 'rate_limited', 400,
   'overloaded'),
  ('dc000000-0000-0000-0000-000000000002', 'llm_call', '2026-08-04 09:00+00', 'openai', 'gpt-9', NULL, NULL,
   10, NULL, NULL, 10, NULL, true, NULL, NULL, NULL, NULL, 'standard', NULL, NULL, NULL),
  ('dc000000-0000-0000-0000-000000000003', 'llm_call', '2026-08-04 09:30+00', 'openai', 'gpt-4o-mini', NULL, 0.01,
   500, NULL, NULL, 60, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL, 300, NULL),
  ('dc000000-0000-0000-0000-000000000003', 'external_cost', '2026-08-04 09:31+00', NULL, NULL, 'pinecone', 0.30,
   NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL, NULL, NULL),
  ('dc000000-0000-0000-0000-000000000003', 'retry_marker', '2026-08-04 09:32+00', NULL, NULL, NULL, 0.05,
   NULL, NULL, NULL, NULL, NULL, false, 'validation_retry', 'validation_failed', NULL, NULL, 'standard', NULL, NULL, NULL),
  ('dc000000-0000-0000-0000-000000000004', 'compute_cost', '2026-08-04 09:40+00', NULL, NULL, 'lambda', 0.07,
   NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL, NULL, NULL),
  ('dc000000-0000-0000-0000-000000000004', 'network', '2026-08-04 09:41+00', NULL, NULL, 'egress', 0.01,
   NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL, NULL, NULL),
  ('dc000000-0000-0000-0000-000000000004', 'llm_call', '2026-08-04 09:45+00', 'openai', 'gpt-4.1', NULL, 0.03,
   700, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL, 500, NULL);

-- Consistent, with the deltas pending and once folded.
SELECT count(*) AS pending_rows FROM dexcost.daily_check();
SELECT status FROM dexcost.fold_daily();
SELECT count(*) AS folded_rows FROM dexcost.daily_check();
-- What the test tampers with below: the folded keys of its data.
SELECT day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd, input_tokens
  FROM dexcost.daily_model WHERE task_type IN ('triage', 'summarise') AND llm_calls <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT day, task_type, retry_type, retry_reason, retries, retry_cost_usd, second_attempts, later_attempts
  FROM dexcost.daily_retry WHERE task_type IN ('triage', 'summarise') AND retries <> 0 ORDER BY 1, 2, 3, 4;
SELECT day, customer_id, task_type, events, cost_usd, llm_cost_usd, non_llm_cost_usd, failure_cost_usd, tasks, root_tasks
  FROM dexcost.daily_customer WHERE customer_id LIKE 'dc-%' ORDER BY 1, 2, 3;
SELECT day, task_type, llm_calls, dexcost.sketch_count(cost_sketch) AS cost_values,
       dexcost.sketch_count(latency_sketch) AS latency_values, dexcost.sketch_count(prompt_tokens_sketch) AS prompt_values,
       dexcost.sketch_count(output_tokens_sketch) AS output_values
  FROM dexcost.daily_workflow_sketch WHERE task_type IN ('triage', 'summarise') ORDER BY 1, 2;

-- daily_customer: a cost changed.
SAVEPOINT tamper;
UPDATE dexcost.daily_customer SET cost_usd = cost_usd + 1 WHERE customer_id = 'dc-a' AND day = '2026-08-03';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_model: a call count and tokens changed; a whole row lost; a row the ledger has not.
UPDATE dexcost.daily_model SET llm_calls = llm_calls + 1, output_tokens = output_tokens - 20, reasoning_tokens = 0
 WHERE day = '2026-08-03' AND model = 'gpt-4o';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;
DELETE FROM dexcost.daily_model WHERE day = '2026-08-04' AND model = 'gpt-9';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;
INSERT INTO dexcost.daily_model (day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd)
VALUES ('2026-08-05', 'triage', 'openai', 'gpt-4o', 'primary', 'standard', '', 2, 0.5);
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_retry: a retry's cost and attempts changed; its row moved to another reason.
UPDATE dexcost.daily_retry SET retry_cost_usd = retry_cost_usd * 2, second_attempts = 0, later_attempts = 2
 WHERE day = '2026-08-03' AND retry_type = 'provider_retry';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;
UPDATE dexcost.daily_retry SET retry_reason = 'timeout' WHERE day = '2026-08-04' AND retry_type = 'application_retry';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_customer: every measure changed.
UPDATE dexcost.daily_customer
   SET events = events + 1, llm_cost_usd = llm_cost_usd + 1, non_llm_cost_usd = non_llm_cost_usd + 2,
       retry_count = retry_count + 3, retry_cost_usd = retry_cost_usd + 1, failure_cost_usd = failure_cost_usd + 4,
       tasks = tasks + 5, root_tasks = root_tasks + 6
 WHERE customer_id = 'dc-a' AND day = '2026-08-03';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_workflow (kept by fold_daily() apart from daily_customer): every measure changed.
UPDATE dexcost.daily_workflow
   SET events = events + 1, llm_calls = llm_calls + 1, cost_usd = cost_usd + 1, llm_cost_usd = llm_cost_usd + 1,
       external_cost_usd = external_cost_usd + 1, compute_cost_usd = compute_cost_usd + 1,
       other_cost_usd = other_cost_usd + 1, retry_count = retry_count + 1, retry_cost_usd = retry_cost_usd + 1,
       failure_count = failure_count + 1, failure_cost_usd = failure_cost_usd + 1, unpriced_events = unpriced_events + 1,
       input_tokens = input_tokens + 1, cache_read_tokens = cache_read_tokens + 1,
       cache_write_tokens = cache_write_tokens + 1, output_tokens = output_tokens + 1, tasks = tasks + 1,
       root_tasks = root_tasks + 1, succeeded_tasks = succeeded_tasks + 1, failed_tasks = failed_tasks + 1,
       accepted_tasks = accepted_tasks + 1
 WHERE day = '2026-08-04' AND task_type = 'summarise';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_customer_total (kept by fold_daily() apart from daily_customer): every measure changed.
UPDATE dexcost.daily_customer_total
   SET events = events + 1, cost_usd = cost_usd + 1, llm_cost_usd = llm_cost_usd + 1,
       non_llm_cost_usd = non_llm_cost_usd + 1, retry_count = retry_count + 1, retry_cost_usd = retry_cost_usd + 1,
       failure_cost_usd = failure_cost_usd + 1, root_tasks = root_tasks + 1
 WHERE day = '2026-08-04' AND customer_id = 'dc-b';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_model: retries, failures, cached tokens and latency changed.
UPDATE dexcost.daily_model
   SET retry_calls = retry_calls + 1, failed_calls = failed_calls + 1, cache_read_tokens = cache_read_tokens + 1,
       cache_write_tokens = cache_write_tokens + 1, latency_ms_sum = latency_ms_sum + 100, latency_calls = latency_calls - 1
 WHERE day = '2026-08-03' AND model = 'gpt-4o';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_model: the four sketches of a key (2 calls) replaced by another day's (1 call): each holds the
-- wrong number of values, and daily_workflow_sketch no longer matches daily_model merged for that day.
UPDATE dexcost.daily_model AS m
   SET cost_sketch = o.cost_sketch, latency_sketch = o.latency_sketch, prompt_tokens_sketch = o.prompt_tokens_sketch,
       output_tokens_sketch = o.output_tokens_sketch
  FROM dexcost.daily_model AS o
 WHERE m.day = '2026-08-03' AND m.model = 'gpt-4o' AND o.day = '2026-08-04' AND o.model = 'gpt-4o-mini';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- daily_workflow_sketch: the call count changed and the sketches replaced by another day's.
UPDATE dexcost.daily_workflow_sketch AS w
   SET llm_calls = w.llm_calls + 1, cost_sketch = o.cost_sketch, latency_sketch = o.latency_sketch,
       prompt_tokens_sketch = o.prompt_tokens_sketch, output_tokens_sketch = o.output_tokens_sketch
  FROM dexcost.daily_workflow_sketch AS o
 WHERE w.day = '2026-08-03' AND w.task_type = 'triage' AND o.day = '2026-08-04' AND o.task_type = 'summarise';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- A corrected call (a new cost, as reprice() writes): the sums follow, but the sketches only grow and
-- hold the old values too (daily > ledger) until rebuild_daily() recomputes them.
UPDATE dexcost.cost_event SET cost_usd = 0.11
 WHERE task_id = 'dc000000-0000-0000-0000-000000000001' AND occurred_at = '2026-08-03 10:00+00';
SELECT * FROM dexcost.daily_check();
SELECT status FROM dexcost.fold_daily();
SELECT * FROM dexcost.daily_check();
SELECT dexcost.rebuild_daily() > 0 AS rebuilt;
SELECT count(*) AS rebuilt_rows FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- Untouched again: empty.
SELECT count(*) AS rows_after FROM dexcost.daily_check();
ROLLBACK;
