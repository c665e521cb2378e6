-- Budgets: spend per scope and period, thresholds at the boundary, alerts once per period,
-- check_budget / reserve_budget / settle_budget, spend kept equal to the ledger.
SET TimeZone = 'UTC';
SET client_min_messages = warning;

INSERT INTO dexcost.task (task_id, customer_id, task_type, team, user_id, project_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'acme',   'summary.v1', 'support', 'u1', 'p1'),
  ('a0000000-0000-4000-8000-000000000002', 'acme',   'triage.v1',  'sales',   'u2', 'p1'),
  ('a0000000-0000-4000-8000-000000000003', 'globex', 'summary.v1', 'support', 'u3', 'p2');

-- Spend before the budget exists is counted by the backfill when the budget is created.
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 5.00, 'exact'),
  ('acme', 'a0000000-0000-4000-8000-000000000002', 'external_cost', 1.00, 'exact'),
  ('globex', 'a0000000-0000-4000-8000-000000000003', 'external_cost', 2.00, 'exact');
-- An event of last year counts in no current period.
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence, occurred_at) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 100, 'exact', now() - interval '1 year');

INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, thresholds, name) VALUES
  ('customer', 'acme', 'month', 10, '{0.5,0.8}', 'acme monthly'),
  ('team', 'support', 'day', 20, '{0.8}', 'support daily'),
  ('task_type', 'summary.v1', 'month', 100, DEFAULT, NULL),
  ('workspace', '*', 'month', 1000, DEFAULT, 'everything');

SELECT name, scope, scope_id, period, limit_usd, spent_usd, reserved_usd, remaining_usd, used_pct,
       thresholds_crossed, status
  FROM dexcost.budget_status ORDER BY budget_id;
SELECT b.name, a.threshold, a.spent_usd FROM dexcost.budget_alert AS a JOIN dexcost.budget AS b USING (budget_id)
 ORDER BY a.budget_id, a.threshold;

-- Thresholds at the boundary: 7.99 of 10 is below 80 %, 8.00 is at it.
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000002', 'external_cost', 1.99, 'exact');
SELECT spent_usd, thresholds_crossed, status FROM dexcost.budget_status WHERE name = 'acme monthly';
-- Crossings are recorded by the scheduled checks (run_budget_checks calls this), not at ingest.
SELECT dexcost.record_budget_alerts() AS new_alerts;
SELECT count(*) AS acme_alerts FROM dexcost.budget_alert WHERE budget_id = 1;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000002', 'external_cost', 0.01, 'exact');
SELECT spent_usd, thresholds_crossed, status FROM dexcost.budget_status WHERE name = 'acme monthly';
SELECT dexcost.record_budget_alerts() AS new_alerts;
-- Crossing again in the same period records nothing new (no alert storm).
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000002', 'external_cost', 0.50, 'exact');
SELECT dexcost.record_budget_alerts() AS new_alerts_when_crossed_again;
SELECT threshold, spent_usd FROM dexcost.budget_alert WHERE budget_id = 1 ORDER BY threshold;

-- Asking before a call: 1.50 left of acme's 10.
SELECT * FROM dexcost.check_budget('customer', 'acme', 1.50);
SELECT * FROM dexcost.check_budget('customer', 'acme', 1.51);
SELECT * FROM dexcost.check_budget('customer', 'nobody', 99);
-- The tightest budget answers: support has 20/day, and summary.v1 100/month.
SELECT allowed, period, limit_usd, spent_usd, remaining_usd FROM dexcost.check_budget('team', 'support', 1);

-- Reservations count against the limit until settled.
SELECT allowed, budget_id, remaining_usd, reservation_id IS NOT NULL AS reserved
  FROM dexcost.reserve_budget('customer', 'acme', 1.00);
SELECT allowed, remaining_usd FROM dexcost.check_budget('customer', 'acme', 0.50);
SELECT allowed, reservation_id IS NULL AS refused, remaining_usd FROM dexcost.reserve_budget('customer', 'acme', 0.51);
SELECT reserved_usd, remaining_usd FROM dexcost.budget_status WHERE name = 'acme monthly';
-- Settle in the same transaction as the real cost's event.
BEGIN;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence) VALUES
  ('acme', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 0.70, 'exact');
SELECT dexcost.settle_budget(reservation_id, 0.70) AS released FROM dexcost.budget_reservation;
COMMIT;
SELECT spent_usd, reserved_usd, remaining_usd FROM dexcost.budget_status WHERE name = 'acme monthly';
SELECT dexcost.settle_budget('a0000000-0000-4000-8000-000000000009', 1) AS unknown_reservation;
-- Settle with a hold: the real cost counts until the event arrives (asynchronous ingest).
SELECT reservation_id AS r FROM dexcost.reserve_budget('customer', 'acme', 0.50) \gset
SELECT dexcost.settle_budget(:'r', 0.20, interval '2 minutes') AS released;
SELECT reserved_usd FROM dexcost.budget_status WHERE name = 'acme monthly';
SELECT dexcost.settle_budget(:'r', 0.20) AS settled_twice;
DELETE FROM dexcost.budget_reservation;
-- Expired reservations stop counting and are cleaned up.
SELECT allowed FROM dexcost.reserve_budget('customer', 'acme', 0.40, interval '1 microsecond');
SELECT pg_sleep(0.01);
SELECT reserved_usd FROM dexcost.budget_status WHERE name = 'acme monthly';
SELECT (dexcost.run_budget_checks())->'reservations_expired' AS expired;

-- Spend follows the ledger: reprice-like updates, deletes, re-attributed and deleted tasks.
UPDATE dexcost.cost_event SET cost_usd = cost_usd * 2 WHERE customer_id = 'globex';
SELECT (dexcost.run_budget_checks())->>'spend_rows_folded' <> '0' AS folded;
SELECT name, spent_usd FROM dexcost.budget_status ORDER BY budget_id;
UPDATE dexcost.task SET team = 'sales' WHERE task_id = 'a0000000-0000-4000-8000-000000000003';
SELECT name, spent_usd FROM dexcost.budget_status ORDER BY budget_id;
DELETE FROM dexcost.cost_event WHERE cost_usd = 0.50;
DELETE FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000002';
SELECT name, spent_usd FROM dexcost.budget_status ORDER BY budget_id;
-- The counter still equals a recomputation from the ledger.
SELECT b.budget_id, dexcost.budget_spent_now(b.budget_id) AS counter,
       (SELECT coalesce(sum(e.cost_usd), 0) FROM dexcost.cost_event e JOIN dexcost.task t USING (customer_id, task_id)
         WHERE e.occurred_at >= dexcost.period_start(b.period, now())
           AND CASE b.scope WHEN 'customer' THEN t.customer_id WHEN 'team' THEN t.team
                            WHEN 'task_type' THEN t.task_type ELSE '*' END = b.scope_id) AS ledger
  FROM dexcost.budget b ORDER BY 1;

-- Projections: linear never below spend; weekday-aware NULL without 28 days of history.
SELECT name, projected_linear_usd >= spent_usd AS linear_ok, projected_weekday_usd
  FROM dexcost.budget_status ORDER BY budget_id;
-- With 28 days of history at 7 USD a day, the weekday rate is 7 every day: the weekday
-- projection adds 7 USD per remaining day (and the remaining part of today) to the spend.
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('a0000000-0000-4000-8000-000000000004', 'hist', 'x');
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, name) VALUES
  ('customer', 'hist', 'day', 50, 'hist daily'), ('customer', 'hist', 'month', 5000, 'hist monthly');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence, occurred_at)
SELECT 'hist', 'a0000000-0000-4000-8000-000000000004', 'external_cost', 7, 'exact',
       date_trunc('day', now()) - k * interval '1 day' + interval '12 hours'
  FROM generate_series(1, 28) AS k;
SELECT name,
       projected_weekday_usd = round(spent_usd + 7 * extract(epoch FROM period_end - now()) / 86400, 6) AS weekday_ok,
       projected_linear_usd = round(spent_usd * extract(epoch FROM period_end - period_start)
                                    / extract(epoch FROM now() - period_start), 6) AS linear_ok
  FROM dexcost.budget_status WHERE scope_id = 'hist' ORDER BY budget_id;

-- A new time zone moves period boundaries without any rebuild.
SELECT dexcost.set_setting('timezone', 'Asia/Kathmandu');
SELECT name, period_start = date_trunc(period, now(), 'Asia/Kathmandu') AS kathmandu_period FROM dexcost.budget_status ORDER BY budget_id;
SELECT dexcost.set_setting('timezone', 'UTC');

-- Errors.
SELECT * FROM dexcost.check_budget('galaxy', 'x', 1);
SELECT * FROM dexcost.check_budget('customer', 'acme', -1);
SELECT * FROM dexcost.reserve_budget('customer', 'acme', 1, interval '0');
SELECT dexcost.settle_budget('a0000000-0000-4000-8000-000000000009', 'NaN');
\set VERBOSITY terse
INSERT INTO dexcost.budget (scope, scope_id, limit_usd, thresholds) VALUES ('team', 'x', 10, '{1.2}');
INSERT INTO dexcost.budget (scope, scope_id, limit_usd) VALUES ('workspace', 'acme', 10);
INSERT INTO dexcost.budget (scope, scope_id, limit_usd) VALUES ('customer', 'acme', 10);

-- Clean up (later suites share the database).
\set VERBOSITY default
DELETE FROM dexcost.budget;
DELETE FROM dexcost.task WHERE customer_id IN ('acme', 'globex', 'hist') AND task_id::text LIKE 'a0000000-0000-4000-8000-%';
SELECT count(*) AS spend_rows_left FROM dexcost.budget_spend;
