-- The rest of a working dexcost database for the round trip: a workspace time zone other
-- than UTC (days of the daily tables), budgets with spend and a recorded alert, revenue, a
-- provider invoice imported and reconciled, and a statement adjustment. Runs after data.sql.
SET timezone = 'UTC';
SET client_min_messages = warning;
SELECT dexcost.set_setting('timezone', 'America/Los_Angeles');

INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, thresholds, name)
VALUES ('customer', 'dump-co', 'month', 0.05, '{0.5,0.8}', 'dump-co monthly'),
       ('workspace', '*', 'day', 100, '{0.8}', 'workspace daily'),
       ('task_type', 'resolve_ticket', 'month', 10, '{0.8}', NULL);
SELECT dexcost.record_budget_alerts();

-- Two anomalies (as run_checks() stores them; the detectors have their own tests): the restored
-- identity must go on after the highest restored id, or the next finding collides with one.
INSERT INTO dexcost.anomaly (kind, subject_type, subject_id, day, metric, baseline, observed, ratio, score, baseline_from,
                             baseline_to, estimated_excess_cost_usd, share_of_monthly_spend, severity, fix_suggestion,
                             detected_at)
VALUES ('customer_cost_doubled', 'customer', 'dump-co', '2026-11-10', 'cost_usd', 0.01, 0.03, 3, 4.2, '2026-10-13',
        '2026-11-09', 0.02, 0.1, 'high', 'dump test', '2026-11-11 06:00+00'),
       ('retry_waste_spike', 'workspace', '*', '2026-11-10', 'retry_cost_usd', 0.001, 0.004, 4, 3.1, '2026-10-13',
        '2026-11-09', 0.003, 0.01, 'medium', 'dump test', '2026-11-11 06:00+00');

INSERT INTO dexcost.revenue (customer_id, month, amount_usd, source)
VALUES ('dump-co', '2026-11-01', 120.00, 'dump test'), ('iso-a', '2026-11-01', 40.00, 'dump test');
INSERT INTO dexcost.statement_adjustment (customer_id, month, kind, description, amount_usd)
VALUES ('dump-co', '2026-11-01', 'credit', 'dump test: goodwill credit', -1.50);

SELECT status FROM dexcost.import_invoice('openai-main', 'openai_costs_csv',
$csv$start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source
1794268800,1794355200,2026-11-10T00:00:00+00:00,2026-11-11T00:00:00+00:00,0.003000000000000000000000000000,usd,30000,tokens,"gpt-4o-mini, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1794268800,1794355200,2026-11-10T00:00:00+00:00,2026-11-11T00:00:00+00:00,0.002000000000000000000000000000,usd,5000,tokens,"gpt-4o-mini, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1794268800,1794355200,2026-11-10T00:00:00+00:00,2026-11-11T00:00:00+00:00,abc,usd,1,tokens,"gpt-4o-mini, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
$csv$);
SELECT count(*) FROM dexcost.reconcile('openai', '2026-11-01', '2026-12-01');
