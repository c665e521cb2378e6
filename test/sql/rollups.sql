-- Roll-ups: own and subtree totals per task, exact after every kind of change.
-- Tasks f0000000-...; events f1000000-...; customer ru-acme. Deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- The tree:  R ─┬─ A ── A1        S (a second root)
--               └─ B
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, started_at) VALUES
    ('f0000000-0000-0000-0000-00000000000a', 'ru-acme', 'R', NULL, '2026-06-01 09:00+00'),
    ('f0000000-0000-0000-0000-00000000000b', 'ru-acme', 'S', NULL, '2026-06-01 09:00+00');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at) VALUES
    ('f0000000-0000-0000-0000-000000000001', 'A', 'f0000000-0000-0000-0000-00000000000a', '2026-06-01 09:01+00'),
    ('f0000000-0000-0000-0000-000000000002', 'B', 'f0000000-0000-0000-0000-00000000000a', '2026-06-01 09:01+00');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at) VALUES
    ('f0000000-0000-0000-0000-000000000011', 'A1', 'f0000000-0000-0000-0000-000000000001', '2026-06-01 09:02+00');

-- Every task's totals: own events and cost, subtree events and cost with its parts.
\set totals 'SELECT task_type, (own).event_count AS own_n, (own).total_cost_usd AS own_usd, (subtree).event_count AS sub_n, (subtree).total_cost_usd AS sub_usd, (subtree).llm_cost_usd AS llm, (subtree).external_cost_usd AS ext, (subtree).compute_cost_usd AS comp, (subtree).retry_count AS retries, (subtree).retry_cost_usd AS retry_usd, (subtree).failure_count AS failures, (subtree).failure_cost_usd AS fail_usd, (subtree).unpriced_count AS unpriced, (subtree).input_tokens AS input, (subtree).output_tokens AS output FROM dexcost.task_cost WHERE customer_id = \'ru-acme\' ORDER BY task_type'

-- One statement, events in four tasks:
--   R:  external 0.10
--   A:  llm 1.00 (exact), 100 input / 10 output tokens
--   A1: llm 0.50 that failed (timeout), then its retry_marker 0.50 naming the model
--   B:  compute 10 x 0.025 = 0.250 (estimated); an llm_call of an unpriced model, 5 input tokens
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_name,
                                input_tokens, output_tokens, quantity, unit_price_usd, cost_usd,
                                error_type, is_retry, retry_reason, retry_of) VALUES
    ('f1000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-00000000000a', 'external_cost', '2026-06-01 09:00+00',
     NULL, NULL, 'tavily', NULL, NULL, NULL, NULL, 0.10, NULL, false, NULL, NULL),
    ('f1000000-0000-0000-0000-000000000002', 'f0000000-0000-0000-0000-000000000001', 'llm_call', '2026-06-01 09:01+00',
     'openai', 'gpt-4o', NULL, 100, 10, NULL, NULL, 1.00, NULL, false, NULL, NULL),
    ('f1000000-0000-0000-0000-000000000003', 'f0000000-0000-0000-0000-000000000011', 'llm_call', '2026-06-01 09:02+00',
     'openai', 'gpt-4o', NULL, NULL, NULL, NULL, NULL, 0.50, 'timeout', false, NULL, NULL),
    ('f1000000-0000-0000-0000-000000000004', 'f0000000-0000-0000-0000-000000000011', 'retry_marker', '2026-06-01 09:02:30+00',
     'openai', 'gpt-4o', NULL, NULL, NULL, NULL, NULL, 0.50, NULL, true, 'timeout', 'f1000000-0000-0000-0000-000000000003'),
    ('f1000000-0000-0000-0000-000000000005', 'f0000000-0000-0000-0000-000000000002', 'compute_cost', '2026-06-01 09:03+00',
     NULL, NULL, 'lambda', NULL, NULL, 10, 0.025, NULL, NULL, false, NULL, NULL),
    ('f1000000-0000-0000-0000-000000000006', 'f0000000-0000-0000-0000-000000000002', 'llm_call', '2026-06-01 09:04+00',
     'openai', 'gpt-9-unreleased', NULL, 5, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL);

-- Expected (by hand):
--   A1: own 2 events 1.00; subtree the same: llm 1.00, 1 retry 0.50, 1 failure 0.50
--   A:  own 1 event 1.00; subtree 3 events 2.00 (A + A1): llm 2.00, input 100, output 10
--   B:  own 2 events 0.250; subtree the same: compute 0.250, 1 unpriced, input 5
--   R:  own 1 event 0.10; subtree 6 events 2.35 = llm 2.00 + external 0.10 + compute 0.25
--   S:  nothing
-- The statement appended one delta per task it touched, folded or not the totals are the same.
SELECT count(*) AS pending_deltas FROM dexcost.task_rollup_delta WHERE customer_id = 'ru-acme';
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();
SELECT status, deltas_folded >= 4 AS folded_ours, tasks_updated >= 4 AS updated_ours FROM dexcost.fold_rollups();
SELECT count(*) AS pending_deltas FROM dexcost.task_rollup_delta WHERE customer_id = 'ru-acme';
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- UPDATE: A's call was 1.20, not 1.00. A and R go up by 0.20 (A 2.20, R 2.55).
UPDATE dexcost.cost_event SET cost_usd = 1.20 WHERE event_id = 'f1000000-0000-0000-0000-000000000002';
-- DELETE: B's lambda charge goes. B drops to 0 (1 unpriced event left), R to 2.30.
DELETE FROM dexcost.cost_event WHERE event_id = 'f1000000-0000-0000-0000-000000000005';
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- Re-parenting: A1 moves from A to B. Its 1.00 leaves A (2.20 -> 1.20) and joins B (0 -> 1.00);
-- R keeps 2.30. A1's path follows.
SELECT dexcost.fold_rollups() IS NOT NULL AS folded;
UPDATE dexcost.task SET parent_task_id = 'f0000000-0000-0000-0000-000000000002'
 WHERE task_id = 'f0000000-0000-0000-0000-000000000011';
:totals;
SELECT task_type, root_task_id, ancestor_ids FROM dexcost.task
 WHERE task_id = 'f0000000-0000-0000-0000-000000000011';
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- A cycle is refused: B cannot go under A1, which is now inside B's subtree.
UPDATE dexcost.task SET parent_task_id = 'f0000000-0000-0000-0000-000000000011'
 WHERE task_id = 'f0000000-0000-0000-0000-000000000002';

-- Moving a whole subtree to another root: B (with A1) goes under S. R keeps R + A = 0.10 + 1.20
-- = 1.30; S gets B's 1.00 (3 events). Descendants learn their new root and path.
UPDATE dexcost.task SET parent_task_id = 'f0000000-0000-0000-0000-00000000000b'
 WHERE task_id = 'f0000000-0000-0000-0000-000000000002';
:totals;
SELECT task_type, root_task_id, ancestor_ids FROM dexcost.task
 WHERE task_id IN ('f0000000-0000-0000-0000-000000000002', 'f0000000-0000-0000-0000-000000000011')
 ORDER BY task_type;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- Events keep coming while nothing is folded: a new call in A1 (0.05) shows in A1, B and S.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('f1000000-0000-0000-0000-000000000007', 'f0000000-0000-0000-0000-000000000011', 'external_cost',
        '2026-06-01 10:00+00', 0.05);
:totals;

-- Deleting B deletes A1 (cascade) and their events: S drops back to 0; no rollup row or delta
-- of a deleted task stays behind.
DELETE FROM dexcost.task WHERE task_id = 'f0000000-0000-0000-0000-000000000002';
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();
SELECT count(*) AS rollup_rows_of_deleted_tasks FROM dexcost.task_rollup
 WHERE task_id IN ('f0000000-0000-0000-0000-000000000002', 'f0000000-0000-0000-0000-000000000011');

-- rebuild_rollups() recomputes everything from the ledger: the same totals.
SELECT tasks_rebuilt >= 2 AS rebuilt FROM dexcost.rebuild_rollups();
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- A second fold right after finds nothing of ours to fold.
SELECT status FROM dexcost.fold_rollups();
SELECT count(*) AS pending_deltas FROM dexcost.task_rollup_delta WHERE customer_id = 'ru-acme';

-- cost_totals arithmetic: +, - and sum().
SELECT (dexcost.zero_totals() OPERATOR(dexcost.+) dexcost.totals_of(e)).total_cost_usd AS plus,
       (dexcost.zero_totals() OPERATOR(dexcost.-) dexcost.totals_of(e)).event_count AS minus,
       (SELECT (dexcost.sum(dexcost.totals_of(x))).event_count FROM dexcost.cost_event x
         WHERE x.customer_id = 'ru-acme') AS summed
  FROM dexcost.cost_event e WHERE e.event_id = 'f1000000-0000-0000-0000-000000000002';

-- A deleted task leaves no delta behind, even from its events' cascaded delete (which runs after
-- the task's own AFTER DELETE trigger): a task inserted again under the same id starts at zero.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id) VALUES
    ('f0000000-0000-0000-0000-000000000003', 'ru-acme', 'C', 'f0000000-0000-0000-0000-00000000000b');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('f1000000-0000-0000-0000-000000000008', 'f0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-06-01 11:00+00', 7);
DELETE FROM dexcost.task WHERE task_id = 'f0000000-0000-0000-0000-000000000003';
SELECT count(*) AS deltas_of_deleted_task FROM dexcost.task_rollup_delta
 WHERE task_id = 'f0000000-0000-0000-0000-000000000003';
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id) VALUES
    ('f0000000-0000-0000-0000-000000000003', 'ru-acme', 'C', 'f0000000-0000-0000-0000-00000000000b');
:totals;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- A big statement's transition table spills to disk past work_mem: 20,000 events of 0.0001 in
-- A read back from the spill file add up to 2.0000 more in A and R (A 3.20, R 3.30).
SET work_mem = '64kB';
INSERT INTO dexcost.cost_event (task_id, customer_id, event_type, occurred_at, cost_usd)
SELECT 'f0000000-0000-0000-0000-000000000001', 'ru-acme', 'external_cost', '2026-06-02 00:00+00', 0.0001
  FROM generate_series(1, 20000);
RESET work_mem;
SELECT task_type, own_cost_usd, subtree_cost_usd, subtree_event_count FROM dexcost.task_cost
 WHERE customer_id = 'ru-acme' AND task_type IN ('A', 'R') ORDER BY task_type;
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- The dexcost SDK's network and GPU events have their own buckets, and count once in the total:
-- C gets network 0.03 and gpu 1.50 (+ a gpu_utilization_signal of 0): total 1.53.
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, cost_usd) VALUES
    ('f0000000-0000-0000-0000-000000000003', 'network', '2026-06-03 00:00+00', 0.03),
    ('f0000000-0000-0000-0000-000000000003', 'gpu_cost', '2026-06-03 00:00+00', 1.50),
    ('f0000000-0000-0000-0000-000000000003', 'gpu_utilization_signal', '2026-06-03 00:00+00', 0);
SELECT task_type, (own).event_count, (own).total_cost_usd, (own).network_cost_usd, (own).gpu_cost_usd,
       (own).external_cost_usd, (own).compute_cost_usd
  FROM dexcost.task_cost WHERE task_id = 'f0000000-0000-0000-0000-000000000003';
SELECT count(*) AS mismatches FROM dexcost.rollup_check();

-- Clean up.
DELETE FROM dexcost.task WHERE customer_id = 'ru-acme';
SELECT count(*) AS rollup_rows_left FROM dexcost.task_rollup WHERE customer_id = 'ru-acme';
