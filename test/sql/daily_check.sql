-- dexcost.daily_check() compares daily_customer, daily_model and daily_retry with the ledger, using the
-- definitions of daily_contributions(): empty on a consistent ledger (deltas pending or folded), and one row
-- per key and measure when a folded daily table was tampered with (as superuser, which nobody else may).
SET timezone = 'UTC';
\set VERBOSITY terse
BEGIN;
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
  ('dc000000-0000-0000-0000-000000000001', 'dc-a', 'triage'),
  ('dc000000-0000-0000-0000-000000000002', 'dc-b', 'triage'),
  ('dc000000-0000-0000-0000-000000000003', 'dc-b', 'summarise');
-- llm_calls over two days, providers, models, routes, tiers and a fallback; retries of two types (one
-- without a type: application_retry), a retry_marker, an unpriced call, external cost, reasoning tokens.
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, service_name, cost_usd,
                                input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                                is_retry, retry_type, retry_reason, retry_attempt, route, service_tier, fallback_reason)
VALUES
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:00+00', 'openai', 'gpt-4o', NULL, 0.10,
   1000, 200, NULL, 100, NULL, false, NULL, NULL, NULL, 'primary', 'standard', NULL),
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:01+00', 'openai', 'gpt-4o', NULL, 0.12,
   1100, NULL, 50, 120, 30, true, 'provider_retry', 'rate_limit', 2, 'primary', 'standard', NULL),
  ('dc000000-0000-0000-0000-000000000001', 'llm_call', '2026-08-03 10:02+00', 'anthropic', 'claude-haiku-4-5', NULL, 0.02,
   900, NULL, NULL, 80, NULL, true, 'provider_retry', 'rate_limit', 3, 'fallback', 'batch', 'rate_limited'),
  ('dc000000-0000-0000-0000-000000000002', 'llm_call', '2026-08-04 09:00+00', 'openai', 'gpt-9', NULL, NULL,
   10, NULL, NULL, 10, NULL, true, NULL, NULL, NULL, NULL, 'standard', NULL),
  ('dc000000-0000-0000-0000-000000000003', 'llm_call', '2026-08-04 09:30+00', 'openai', 'gpt-4o-mini', NULL, 0.01,
   500, NULL, NULL, 60, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL),
  ('dc000000-0000-0000-0000-000000000003', 'external_cost', '2026-08-04 09:31+00', NULL, NULL, 'pinecone', 0.30,
   NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, 'standard', NULL),
  ('dc000000-0000-0000-0000-000000000003', 'retry_marker', '2026-08-04 09:32+00', NULL, NULL, NULL, 0.05,
   NULL, NULL, NULL, NULL, NULL, false, 'validation_retry', 'validation_failed', NULL, NULL, 'standard', NULL);

-- Consistent, with the deltas pending and once folded.
SELECT count(*) AS pending_rows FROM dexcost.daily_check();
SELECT status FROM dexcost.fold_daily();
SELECT count(*) AS folded_rows FROM dexcost.daily_check();
-- What the test tampers with below: the folded keys of its data.
SELECT day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd, input_tokens
  FROM dexcost.daily_model WHERE task_type IN ('triage', 'summarise') AND llm_calls <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT day, task_type, retry_type, retry_reason, retries, retry_cost_usd, second_attempts, later_attempts
  FROM dexcost.daily_retry WHERE task_type IN ('triage', 'summarise') AND retries <> 0 ORDER BY 1, 2, 3, 4;

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

-- daily_retry: a retry's cost and attempt changed; its row moved to another reason.
UPDATE dexcost.daily_retry SET retry_cost_usd = retry_cost_usd * 2, second_attempts = 0
 WHERE day = '2026-08-03' AND retry_type = 'provider_retry';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;
UPDATE dexcost.daily_retry SET retry_reason = 'timeout' WHERE day = '2026-08-04' AND retry_type = 'application_retry';
SELECT * FROM dexcost.daily_check();
ROLLBACK TO SAVEPOINT tamper;

-- Untouched again: empty.
SELECT count(*) AS rows_after FROM dexcost.daily_check();
ROLLBACK;
