-- The budget spend kept at ingest by the C++ statement trigger (src/pg_budget.cpp) equals what
-- rebuild_budget_spend() recomputes from the ledger in SQL, per budget and 15-minute bucket,
-- after every kind of change: multi-row and single-row inserts over every scope, events older
-- than 62 days, updates of cost, occurred_at (across the 62-day line both ways) and customer,
-- deletes of events and of whole tasks (the rebuild fallback). The check itself is checked:
-- a trigger that got the sign of a delete wrong shows up as differences.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
-- The budget ids this test takes are given back at the end (later tests count on theirs).
SELECT last_value AS seq_last, is_called AS seq_called FROM dexcost.budget_budget_id_seq \gset

-- (budget, bucket, spend) rows of what the triggers kept and of a rebuild that differ (none
-- expected). The rebuild runs in a subtransaction that is rolled back, so every later step
-- again checks what the triggers alone keep. Values compared exactly (trim_scale: as values).
CREATE FUNCTION pg_temp.differences() RETURNS TABLE (side text, budget text, bucket timestamptz, spent numeric)
LANGUAGE plpgsql AS $$
DECLARE
  rebuilt text[];
BEGIN
  BEGIN
    PERFORM dexcost.rebuild_budget_spend();
    SELECT array_agg(g.r) INTO rebuilt
      FROM (SELECT concat_ws('|', b.name, s.bucket, trim_scale(sum(s.spent_usd))) AS r
              FROM dexcost.budget_spend AS s JOIN dexcost.budget AS b USING (budget_id)
             GROUP BY b.name, s.bucket HAVING sum(s.spent_usd) <> 0) AS g;
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'undo the rebuild';
  EXCEPTION WHEN raise_exception THEN
    NULL;
  END;
  RETURN QUERY
  WITH kept AS (SELECT concat_ws('|', b.name, s.bucket, trim_scale(sum(s.spent_usd))) AS r
                  FROM dexcost.budget_spend AS s JOIN dexcost.budget AS b USING (budget_id)
                 GROUP BY b.name, s.bucket HAVING sum(s.spent_usd) <> 0),
       recomputed AS (SELECT u.r FROM unnest(rebuilt) AS u(r)),
       diff AS ((SELECT 'kept' AS side, k.r FROM kept AS k EXCEPT SELECT 'kept', c.r FROM recomputed AS c)
                UNION ALL
                (SELECT 'rebuilt', c.r FROM recomputed AS c EXCEPT SELECT 'rebuilt', k.r FROM kept AS k))
  SELECT d.side, split_part(d.r, '|', 1), split_part(d.r, '|', 2)::timestamptz, split_part(d.r, '|', 3)::numeric
    FROM diff AS d ORDER BY 1, 2, 3;
END $$;

-- Per budget: the spend the triggers kept (so each step shows it changed something).
CREATE FUNCTION pg_temp.spend() RETURNS TABLE (budget text, spent numeric)
LANGUAGE sql AS $$
  SELECT b.name, trim_scale(COALESCE(sum(s.spent_usd), 0)) FROM dexcost.budget AS b
    LEFT JOIN dexcost.budget_spend AS s USING (budget_id) WHERE b.name LIKE 'bp %' GROUP BY b.name ORDER BY b.name
$$;

-- 24 tasks over 3 customers, 2 teams, 3 users, 2 task types, 2 projects (some NULL); tasks
-- 1 to 4 exist under two customers with the same id (customer moves need both).
INSERT INTO dexcost.task (task_id, customer_id, task_type, team, user_id, project_id)
SELECT ('b0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'bp-' || (i % 3), 'bp-flow-' || (i % 2),
       CASE WHEN i % 4 <> 3 THEN 'bp-team-' || (i % 2) END, 'bp-user-' || (i % 3),
       CASE WHEN i % 5 <> 4 THEN 'bp-proj-' || (i % 2) END
  FROM generate_series(1, 24) AS i;
INSERT INTO dexcost.task (task_id, customer_id, task_type, team, user_id, project_id)
SELECT ('b0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'bp-' || ((i + 1) % 3), 'bp-flow-9', 'bp-team-9', NULL, NULL
  FROM generate_series(1, 4) AS i;

-- A budget of every scope and period; one that matches no event.
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, name) VALUES
  ('customer', 'bp-0', 'month', 100, 'bp customer 0'),
  ('customer', 'bp-1', 'day', 100, 'bp customer 1 day'),
  ('customer', 'bp-1', 'month', 100, 'bp customer 1 month'),
  ('team', 'bp-team-1', 'month', 100, 'bp team 1'),
  ('team', 'bp-team-9', 'month', 100, 'bp team 9'),
  ('user', 'bp-user-2', 'month', 100, 'bp user 2'),
  ('task_type', 'bp-flow-0', 'day', 100, 'bp flow 0'),
  ('project', 'bp-proj-1', 'month', 100, 'bp project 1'),
  ('workspace', '*', 'month', 1000, 'bp workspace'),
  ('team', 'nobody', 'month', 100, 'bp nobody');

-- 300 events in one statement: costs of several scales (and zero, and unknown), over 40
-- 15-minute buckets, a fifth of them older than 62 days.
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, service_name, cost_usd, cost_confidence)
SELECT ('b1000000-0000-4000-8000-' || lpad(k::text, 12, '0'))::uuid, 'bp-' || (t % 3),
       ('b0000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid, 'external_cost',
       date_trunc('hour', now()) - CASE WHEN k % 5 = 0 THEN interval '70 days' ELSE interval '0' END
         - (k % 40) * interval '7 minutes',
       'svc', CASE k % 7 WHEN 0 THEN NULL WHEN 1 THEN 0 WHEN 2 THEN 0.5 WHEN 3 THEN 0.250 ELSE round(k * 0.0013, 6) END,
       CASE WHEN k % 7 = 0 THEN 'unknown' ELSE 'exact' END
  FROM generate_series(1, 300) AS k, LATERAL (SELECT 1 + k % 24 AS t) AS x;
SELECT count(*) AS events, count(*) FILTER (WHERE occurred_at < now() - interval '62 days') AS older_than_62_days
  FROM dexcost.cost_event WHERE customer_id LIKE 'bp-%';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- Single-row inserts, one statement each (one under the second customer of task 1).
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence)
VALUES ('bp-1', 'b0000000-0000-4000-8000-000000000001', 'external_cost', 'svc', 1.5, 'exact');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence)
VALUES ('bp-2', 'b0000000-0000-4000-8000-000000000001', 'external_cost', 'svc', 0.125, 'exact');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence, occurred_at)
VALUES ('bp-2', 'b0000000-0000-4000-8000-000000000002', 'external_cost', 'svc', 9, 'exact', now() - interval '63 days');
-- Two events in one bucket, one statement: one row at the scale SQL's sum() gives.
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence, occurred_at)
VALUES ('bp-0', 'b0000000-0000-4000-8000-000000000002', 'external_cost', 'svc', 0.50, 'exact', date_trunc('hour', now())),
       ('bp-0', 'b0000000-0000-4000-8000-000000000002', 'external_cost', 'svc', 0.250, 'exact', date_trunc('hour', now()));
SELECT s.spent_usd FROM dexcost.budget_spend AS s JOIN dexcost.budget AS b USING (budget_id)
 WHERE b.name = 'bp team 9' ORDER BY s.spent_usd;
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- Updates: costs (one to zero), occurred_at across the 62-day line both ways, events moved to
-- another task of their customer (other team, user, project), and an update that changes
-- nothing the spend counts. An event's customer cannot change (refused, and counted nowhere).
UPDATE dexcost.cost_event SET cost_usd = cost_usd * 2 WHERE customer_id = 'bp-1' AND cost_usd > 0.3;
UPDATE dexcost.cost_event SET cost_usd = 0 WHERE event_id = 'b1000000-0000-4000-8000-000000000002';
UPDATE dexcost.cost_event SET occurred_at = now() - interval '1 hour'
 WHERE customer_id = 'bp-0' AND occurred_at < now() - interval '62 days';
UPDATE dexcost.cost_event SET occurred_at = occurred_at - interval '80 days'
 WHERE customer_id = 'bp-2' AND occurred_at > now() - interval '62 days' AND cost_usd = 0.5;
\set VERBOSITY terse
UPDATE dexcost.cost_event SET customer_id = 'bp-2' WHERE event_id = 'b1000000-0000-4000-8000-000000000120';
\set VERBOSITY default
UPDATE dexcost.cost_event SET task_id = 'b0000000-0000-4000-8000-000000000003'
 WHERE customer_id = 'bp-0' AND task_id = 'b0000000-0000-4000-8000-000000000006';
UPDATE dexcost.cost_event SET task_id = 'b0000000-0000-4000-8000-000000000004'
 WHERE customer_id = 'bp-1' AND task_id IN ('b0000000-0000-4000-8000-000000000010', 'b0000000-0000-4000-8000-000000000022');
SELECT count(*) AS moved FROM dexcost.cost_event
 WHERE (customer_id, task_id) IN (('bp-0', 'b0000000-0000-4000-8000-000000000003'), ('bp-1', 'b0000000-0000-4000-8000-000000000004'));
UPDATE dexcost.cost_event SET service_name = 'svc2' WHERE customer_id LIKE 'bp-%';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- Deletes: events whose tasks remain (one statement), a single event, then whole tasks (their
-- events go with them: the trigger recomputes from the ledger).
DELETE FROM dexcost.cost_event WHERE customer_id = 'bp-0' AND event_id::text LIKE 'b1000000-%1';  -- (not the events with random ids)
DELETE FROM dexcost.cost_event WHERE event_id = 'b1000000-0000-4000-8000-000000000004';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- The check catches a wrong trigger: had the deletes above added their cost instead of
-- subtracting it, budget_spend would hold each negative row with the opposite sign.
BEGIN;
UPDATE dexcost.budget_spend SET spent_usd = -spent_usd WHERE spent_usd < 0;
SELECT count(*) > 0 AS wrong_sign_caught FROM pg_temp.differences();
ROLLBACK;

DELETE FROM dexcost.task WHERE customer_id = 'bp-2' AND task_id = 'b0000000-0000-4000-8000-000000000005';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- With budgets on customers and the workspace only, the events alone decide (no task is read);
-- budgets created and deleted on the way count from the next statement on.
DELETE FROM dexcost.budget WHERE scope IN ('team', 'user', 'task_type', 'project');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence, occurred_at)
SELECT 'bp-' || (t % 3), ('b0000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid, 'external_cost', 'svc',
       round(k * 0.0107, 4), 'exact', date_trunc('hour', now()) - k * interval '11 minutes'
  FROM generate_series(1, 30) AS k, LATERAL (SELECT 7 + k % 12 AS t) AS x;
UPDATE dexcost.cost_event SET cost_usd = cost_usd + 0.01 WHERE customer_id = 'bp-1' AND occurred_at > now() - interval '1 day';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, name) VALUES ('customer', 'bp-2', 'day', 100, 'bp customer 2 day');
DELETE FROM dexcost.budget WHERE name = 'bp customer 0';
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, service_name, cost_usd, cost_confidence)
VALUES ('bp-2', 'b0000000-0000-4000-8000-000000000008', 'external_cost', 'svc', 2.5, 'exact'),
       ('bp-0', 'b0000000-0000-4000-8000-000000000009', 'external_cost', 'svc', 4, 'exact');
DELETE FROM dexcost.cost_event WHERE customer_id = 'bp-1' AND cost_usd > 0.2 AND occurred_at > now() - interval '1 day';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();

-- Its tasks deleted, the test leaves no spend behind.
DELETE FROM dexcost.task WHERE customer_id LIKE 'bp-%';
SELECT * FROM pg_temp.spend();
SELECT * FROM pg_temp.differences();
DELETE FROM dexcost.budget WHERE name LIKE 'bp %';
SELECT setval('dexcost.budget_budget_id_seq', :seq_last, :'seq_called') IS NOT NULL AS ids_given_back;
