-- pgTAP: the roll-ups' retry count and retry cost follow mark_retry and mark_not_retry, in
-- the task and in its ancestors' subtree totals, and stay equal to the ledger.
-- Tasks c0...: a root R with one child C; customer tap-retry.
BEGIN;
SELECT plan(14);

INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
    ('c0000000-0000-0000-0000-000000000001', 'tap-retry', 'R');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id) VALUES
    ('c0000000-0000-0000-0000-000000000002', 'C', 'c0000000-0000-0000-0000-000000000001');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, provider, model, cost_usd, error_type) VALUES
    ('c1000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000002', 'llm_call', 'openai', 'gpt-4o', 0.25, 'timeout');

CREATE FUNCTION pg_temp.retries(task uuid, part text) RETURNS text LANGUAGE sql STABLE
  RETURN (SELECT CASE part WHEN 'own' THEN ((own).retry_count, trim_scale((own).retry_cost_usd))::text
                           ELSE ((subtree).retry_count, trim_scale((subtree).retry_cost_usd))::text END
            FROM dexcost.task_cost WHERE task_id = task);

SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000002', 'own'), '(0,0)', 'no retry yet');

-- mark_retry: the retry of the timed-out call, 0.25 USD.
CREATE TEMP TABLE m AS
  SELECT * FROM dexcost.mark_retry('c0000000-0000-0000-0000-000000000002', 'timeout', 0.25,
                                   'c1000000-0000-0000-0000-000000000001');
SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000002', 'own'), '(1,0.25)', 'mark_retry counts in the task');
SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000001', 'subtree'), '(1,0.25)', '... and in its parent''s subtree');
SELECT is((SELECT retry_attempt FROM m), 2, 'a direct retry is attempt 2');
SELECT is((SELECT retry_root_id FROM m), 'c1000000-0000-0000-0000-000000000001'::uuid, 'its root is the original call');

-- A retry of that retry: attempt 3 of the same chain; a zero-cost marker counts once.
CREATE TEMP TABLE m2 AS
  SELECT * FROM dexcost.mark_retry('c0000000-0000-0000-0000-000000000002', 'timeout', 0, (SELECT event_id FROM m));
SELECT is((SELECT retry_attempt FROM m2), 3, 'a retry of a retry is attempt 3');
SELECT is((SELECT retry_root_id FROM m2), 'c1000000-0000-0000-0000-000000000001'::uuid, '... of the same chain');
SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000002', 'own'), '(2,0.25)', 'two retries, 0.25 USD');
SELECT is((SELECT attempts FROM dexcost.retry_chain WHERE customer_id = 'tap-retry'), 3, 'the chain shows three attempts');

-- mark_not_retry by event, then the task's most recent retry.
SELECT lives_ok($$SELECT dexcost.mark_not_retry((SELECT event_id FROM m))$$, 'mark_not_retry by event');
SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000002', 'own'), '(1,0)', 'the dismissed retry and its cost leave the task');
SELECT is(pg_temp.retries('c0000000-0000-0000-0000-000000000001', 'subtree'), '(1,0)', '... and the parent''s subtree');
SELECT lives_ok($$SELECT dexcost.mark_not_retry(task_id => 'c0000000-0000-0000-0000-000000000002')$$,
                'mark_not_retry of the task''s most recent retry');
SELECT is_empty($$SELECT * FROM dexcost.rollup_check()$$, 'folded and pending totals equal the ledger');

SELECT * FROM finish();
ROLLBACK;
