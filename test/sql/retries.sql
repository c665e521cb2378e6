-- Retries: lineage, mark_retry / mark_not_retry, the heuristic on insert, the window
-- functions and detect_retries over history. Tasks e0000000-...; events e1000000-...;
-- customer rt-acme. Deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('e0000000-0000-0000-0000-000000000001', 'rt-acme', 'summarize', '2026-07-01 10:00+00'),
    ('e0000000-0000-0000-0000-000000000002', 'rt-acme', 'extract', '2026-07-01 10:00+00');

-- Heuristics off (the default): a call 2 s after a rate limit is not flagged.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type) VALUES
    ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 10:00:00+00', 'openai', 'gpt-4o', 0.01, 'rate_limit'),
    ('e1000000-0000-0000-0000-000000000002', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 10:00:02+00', 'openai', 'gpt-4o', 0.01, NULL);
SELECT event_id, is_retry, retry_of, retry_detection FROM dexcost.cost_event
 WHERE customer_id = 'rt-acme' ORDER BY occurred_at;

-- The settings and their defaults (shown once the library is loaded; SET works before).
SHOW dexcost.enable_retry_heuristics;
SHOW dexcost.retry_window;
SHOW dexcost.retry_threshold;

-- Heuristics on. Task 2, one statement (the batch sees its own earlier rows):
--   10:00:00 gpt-4o fails with timeout
--   10:00:03 gpt-4o-mini ok                    other model: no candidate
--   10:00:06 gpt-4o fails with rate_limit      retry of :00? timeout 0.9 x (1 - 6/30) = 0.72 < 0.8: no
--   10:00:08 gpt-4o ok                         retry of :06, rate_limit 1.0 x (1 - 2/30) = 0.9333: yes, attempt 2
--   10:00:20 gpt-4o fails with invalid_request retry of :08? :08 had no error: no
--   10:00:21 gpt-4o ok                         candidate :20 is not transient: no
SET dexcost.enable_retry_heuristics = on;
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type) VALUES
    ('e1000000-0000-0000-0000-000000000011', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:00+00', 'openai', 'gpt-4o', 0.02, 'timeout'),
    ('e1000000-0000-0000-0000-000000000012', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:03+00', 'openai', 'gpt-4o-mini', 0.001, NULL),
    ('e1000000-0000-0000-0000-000000000013', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:06+00', 'openai', 'gpt-4o', 0.02, 'rate_limit'),
    ('e1000000-0000-0000-0000-000000000014', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:08+00', 'openai', 'gpt-4o', 0.02, NULL),
    ('e1000000-0000-0000-0000-000000000015', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:20+00', 'openai', 'gpt-4o', 0.02, 'invalid_request'),
    ('e1000000-0000-0000-0000-000000000016', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:21+00', 'openai', 'gpt-4o', 0.02, NULL);
SELECT right(event_id::text, 2) AS ev, is_retry, right(retry_of::text, 2) AS retry_of, retry_reason, retry_type,
       round(retry_confidence::numeric, 4) AS confidence, retry_detection, right(retry_root_id::text, 2) AS root, retry_attempt
  FROM dexcost.cost_event WHERE task_id = 'e0000000-0000-0000-0000-000000000002' ORDER BY occurred_at;

-- A chain across statements: :08 now fails with timeout (a correction), then a call at :10
-- retries it: timeout 0.9 x (1 - 2/30) = 0.84, attempt 3 of the chain rooted at :06.
UPDATE dexcost.cost_event SET error_type = 'timeout' WHERE event_id = 'e1000000-0000-0000-0000-000000000014';
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd) VALUES
    ('e1000000-0000-0000-0000-000000000017', 'e0000000-0000-0000-0000-000000000002', 'llm_call', '2026-07-01 10:00:10+00', 'openai', 'gpt-4o', 0.02);
SELECT right(event_id::text, 2) AS ev, right(retry_of::text, 2) AS retry_of, round(retry_confidence::numeric, 4) AS confidence,
       right(retry_root_id::text, 2) AS root, retry_attempt
  FROM dexcost.cost_event WHERE event_id = 'e1000000-0000-0000-0000-000000000017';

-- A lower threshold and a shorter window are settings too: 0.72 passes at 0.7.
SET dexcost.retry_threshold = 0.7;
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type) VALUES
    ('e1000000-0000-0000-0000-000000000021', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 11:00:00+00', 'anthropic', 'claude-sonnet-4', 0.03, 'timeout'),
    ('e1000000-0000-0000-0000-000000000022', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 11:00:06+00', 'anthropic', 'claude-sonnet-4', 0.03, NULL);
SET dexcost.retry_window = '5s';
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd, error_type) VALUES
    ('e1000000-0000-0000-0000-000000000023', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 12:00:00+00', 'anthropic', 'claude-sonnet-4', 0.03, 'rate_limit'),
    ('e1000000-0000-0000-0000-000000000024', 'e0000000-0000-0000-0000-000000000001', 'llm_call', '2026-07-01 12:00:06+00', 'anthropic', 'claude-sonnet-4', 0.03, NULL);
SELECT right(event_id::text, 2) AS ev, is_retry, round(retry_confidence::numeric, 4) AS confidence
  FROM dexcost.cost_event WHERE event_id IN ('e1000000-0000-0000-0000-000000000022', 'e1000000-0000-0000-0000-000000000024')
 ORDER BY 1;
RESET dexcost.retry_threshold;
RESET dexcost.retry_window;
SET dexcost.retry_threshold = 1.5;
RESET dexcost.retry_threshold;
RESET dexcost.enable_retry_heuristics;

-- Manual marking: a retry of the timeout at 10:00:00 in task 2, cost 0.02, reason timeout.
-- The marker names the model (LLM spend), is exact, attempt 2 of the chain rooted at :11.
SELECT event_type, provider, model, cost_usd, cost_confidence, is_retry, retry_reason, retry_type,
       right(retry_of::text, 2) AS retry_of, retry_detection, retry_confidence, right(retry_root_id::text, 2) AS root, retry_attempt
  FROM dexcost.mark_retry('e0000000-0000-0000-0000-000000000002', 'timeout', 0.02, 'e1000000-0000-0000-0000-000000000011');
-- Without cost or original: a user's regeneration, cost 0.
SELECT event_type, cost_usd, retry_type, retry_detection, retry_root_id, retry_attempt
  FROM dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', 'user_regenerate');
SELECT retry_type FROM dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', 'parse_error', retry_type => 'validation_retry');
-- Errors.
SELECT dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', NULL);
SELECT dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', 'timeout', 0, 'e1000000-0000-0000-0000-000000000011');
SELECT dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', 'timeout', -1);
SELECT dexcost.mark_retry('e0000000-0000-0000-0000-000000000001', 'timeout', retry_type => 'bogus');

-- The roll-ups count them: task 2 retries :14, :17 and the marker (0.02 each).
SELECT task_type, (own).retry_count, (own).retry_cost_usd FROM dexcost.task_cost WHERE customer_id = 'rt-acme' ORDER BY 1;
-- mark_not_retry clears a false positive, by event or as the task's most recent retry.
SELECT right(event_id::text, 2) AS ev, is_retry, retry_detection, retry_reason FROM dexcost.mark_not_retry('e1000000-0000-0000-0000-000000000017');
SELECT event_type, is_retry, retry_detection FROM dexcost.mark_not_retry(task_id => 'e0000000-0000-0000-0000-000000000002');
SELECT task_type, (own).retry_count, (own).retry_cost_usd FROM dexcost.task_cost WHERE customer_id = 'rt-acme' ORDER BY 1;
SELECT dexcost.rollup_check();
SELECT dexcost.mark_not_retry('e1000000-0000-0000-0000-000000000017');
SELECT dexcost.mark_not_retry();

-- Chains: attempts and retry cost per original operation.
SELECT task_type, right(root_event_id::text, 2) AS root, attempts, retries, retry_cost_usd, reasons
  FROM dexcost.retry_chain WHERE customer_id = 'rt-acme' ORDER BY 1, 2;

-- History without changing it: the window functions apply the rule per task. Task 2
-- (heuristic default window 30 s): :14 retries :13 (0.9333); :17 retries :14 (0.84).
SELECT right(event_id::text, 2) AS ev,
       round(dexcost.retry_confidence(occurred_at, event_type, model, error_type)
             OVER w::numeric, 4) AS confidence,
       right((dexcost.retry_candidate(event_id, occurred_at, event_type, model, error_type) OVER w)::text, 2) AS candidate,
       round(dexcost.retry_confidence(occurred_at, event_type, model, error_type, '3 seconds')
             OVER w::numeric, 4) AS within_3s
  FROM dexcost.cost_event WHERE task_id = 'e0000000-0000-0000-0000-000000000002' AND event_type = 'llm_call'
WINDOW w AS (PARTITION BY customer_id, task_id ORDER BY occurred_at)
 ORDER BY occurred_at, event_id;

-- detect_retries over the whole history: task 1's :02 (never flagged, heuristics were off)
-- is new; :14 is flagged; :17 was dismissed; :22 (0.72) stays below the default 0.8.
SELECT task_id = 'e0000000-0000-0000-0000-000000000002' AS task2, right(event_id::text, 2) AS ev, model,
       right(retry_of::text, 2) AS retry_of, retry_of_error_type, gap_seconds, round(confidence::numeric, 4) AS confidence,
       cost_usd, status
  FROM dexcost.detect_retries('2026-07-01', '2026-07-02') ORDER BY occurred_at, event_id;
SELECT count(*) FROM dexcost.detect_retries('2026-07-01', '2026-07-02', '1 minute', 0.5);
SELECT count(*) FROM dexcost.detect_retries('2026-07-01 10:00:05+00', '2026-07-02');
SELECT * FROM dexcost.detect_retries('2026-07-01', '2026-07-02', '-1 s');
SELECT * FROM dexcost.detect_retries('2026-07-01', '2026-07-02', '1 month');
SELECT * FROM dexcost.detect_retries('2026-07-01', '2026-07-02', NULL, 2);
SELECT * FROM dexcost.detect_retries(NULL, '2026-07-02');

-- Back-filling flags what detect_retries reports as new, with lineage; roll-ups follow.
SELECT dexcost.backfill_retries('2026-07-01', '2026-07-02');
SELECT right(event_id::text, 2) AS ev, is_retry, right(retry_of::text, 2) AS retry_of, retry_detection, retry_attempt
  FROM dexcost.cost_event WHERE event_id = 'e1000000-0000-0000-0000-000000000002';
SELECT dexcost.backfill_retries('2026-07-01', '2026-07-02');
SELECT dexcost.rollup_check();

-- Retry cost by task type, type and reason, with its share of spend.
SELECT * FROM dexcost.retry_summary('2026-07-01', '2026-07-02');

DELETE FROM dexcost.task WHERE customer_id = 'rt-acme';
