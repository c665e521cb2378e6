-- Revenue import and profitability on a hand-checked data set (month 2026-03, UTC):
--   alpha  revenue 100 (csv)            cost 30.00  margin  70.00   70.00 %  profitable
--   beta   revenue  40 (csv; SDK 999    cost 50.00  margin -10.00  -25.00 %  losing money
--          ignored: the import wins)
--   gamma  no revenue                   cost 12.50  margin NULL     NULL     no revenue data
--   delta  SDK: 20 recognised (the      cost  5.00  margin  15.00   75.00 %  profitable
--          provisional and voided ones do not count)
--   eps    csv: 50 deferred only        cost  1.00  margin  -1.00   NULL     losing money
--   zeta   revenue 10 (csv)             no cost     margin  10.00  100.00 %  profitable
SET TimeZone = 'UTC';

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
SELECT ('c0000000-0000-4000-8000-00000000000' || n)::uuid, c, 'report.v1', '2026-03-01'
  FROM (VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma'), (4, 'delta'), (5, 'eps')) AS v(n, c);
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence, occurred_at) VALUES
  ('alpha', 'c0000000-0000-4000-8000-000000000001', 'external_cost', 20.00, 'exact', '2026-03-05 10:00+00'),
  ('alpha', 'c0000000-0000-4000-8000-000000000001', 'external_cost', 10.00, 'exact', '2026-03-31 23:30+00'),
  ('beta',  'c0000000-0000-4000-8000-000000000002', 'external_cost', 50.00, 'exact', '2026-03-10 10:00+00'),
  ('gamma', 'c0000000-0000-4000-8000-000000000003', 'external_cost', 12.50, 'exact', '2026-03-11 10:00+00'),
  ('delta', 'c0000000-0000-4000-8000-000000000004', 'external_cost',  5.00, 'exact', '2026-03-12 10:00+00'),
  ('eps',   'c0000000-0000-4000-8000-000000000005', 'external_cost',  1.00, 'exact', '2026-03-13 10:00+00');
-- An unpriced event counts as unknown, not as zero.
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, occurred_at) VALUES
  ('gamma', 'c0000000-0000-4000-8000-000000000003', 'llm_call', 'acme-ai', 'mystery-1', 100, '2026-03-11 11:00+00');

INSERT INTO dexcost.revenue_revision (customer_id, revenue_id, revision, task_id, state, amount, currency,
                                      effective_at, observed_at, source_type) VALUES
  ('delta', 'd0000000-0000-4000-8000-000000000001', 1, 'c0000000-0000-4000-8000-000000000004', 'provisional', 20, 'USD', '2026-03-10', '2026-03-10', 'sdk'),
  ('delta', 'd0000000-0000-4000-8000-000000000001', 2, 'c0000000-0000-4000-8000-000000000004', 'recognized', 20, 'USD', '2026-03-10', '2026-03-11', 'sdk'),
  ('delta', 'd0000000-0000-4000-8000-000000000002', 1, 'c0000000-0000-4000-8000-000000000004', 'provisional', 100, 'USD', '2026-03-10', '2026-03-10', 'sdk'),
  ('delta', 'd0000000-0000-4000-8000-000000000003', 1, 'c0000000-0000-4000-8000-000000000004', 'recognized', 7, 'USD', '2026-03-10', '2026-03-10', 'sdk'),
  ('delta', 'd0000000-0000-4000-8000-000000000003', 2, 'c0000000-0000-4000-8000-000000000004', 'voided', NULL, NULL, '2026-03-10', '2026-03-12', 'sdk'),
  ('beta',  'd0000000-0000-4000-8000-000000000004', 1, 'c0000000-0000-4000-8000-000000000002', 'recognized', 999, 'USD', '2026-03-10', '2026-03-10', 'sdk');

-- The CSV: a bad file is refused as a whole, with every bad line named.
COPY dexcost.revenue_import (customer_id, month, amount_usd, state) FROM STDIN WITH (FORMAT csv);
alpha,2026-03,100,recognized
,2026-03,5,
beta,March,40,
zeta,2026-03-01,-10,recognised
eps,2026-03-17,50,maybe
\.
SELECT dexcost.load_revenue('csv');
SELECT count(*) AS lines_kept_for_fixing FROM dexcost.revenue_import;
TRUNCATE dexcost.revenue_import;
COPY dexcost.revenue_import (customer_id, month, amount_usd, state) FROM STDIN WITH (FORMAT csv);
alpha,2026-03,100,recognized
beta,2026-03-01,40,
zeta,2026-03-20,"10.00",Recognised
eps,2026-03,50,deferred
\.
SELECT dexcost.load_revenue('csv');
SELECT customer_id, month, amount_usd, state, source FROM dexcost.revenue ORDER BY customer_id;

SELECT customer_id, month, revenue_usd, ai_cost_usd, margin_usd, margin_pct, status, revenue_source,
       unpriced_events
  FROM dexcost.profitability;

-- Loading a line again replaces that customer's month of that source; the rest stays.
INSERT INTO dexcost.revenue_import (customer_id, month, amount_usd) VALUES ('alpha', '2026-03', '120');
SELECT dexcost.load_revenue('csv');
SELECT customer_id, revenue_usd, margin_pct, status FROM dexcost.profitability ORDER BY customer_id;

-- Months follow the workspace time zone: alpha's 23:30 UTC event on 31 March is in April in Berlin.
SELECT dexcost.set_setting('timezone', 'Europe/Berlin');
SELECT customer_id, month, revenue_usd, ai_cost_usd, margin_usd, status FROM dexcost.profitability WHERE customer_id = 'alpha';
SELECT dexcost.set_setting('timezone', 'UTC');

-- Export: the events of a period, with every column, ready for COPY ... TO STDOUT.
COPY (SELECT customer_id, event_type, cost_usd, occurred_at FROM dexcost.export_events('2026-03-10', '2026-03-12'))
  TO STDOUT WITH CSV HEADER;
COPY (SELECT customer_id, task_type FROM dexcost.export_tasks('2026-03-01', '2026-03-02') ORDER BY customer_id)
  TO STDOUT WITH CSV HEADER;

SELECT dexcost.load_revenue('');

-- Clean up (later suites share the database).
DELETE FROM dexcost.task WHERE task_id::text LIKE 'c0000000-0000-4000-8000-%';
DELETE FROM dexcost.revenue;
SELECT count(*) AS rows_left FROM dexcost.profitability;
