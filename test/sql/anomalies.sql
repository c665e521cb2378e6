-- Anomaly detectors on a hand-made history: 39 days (2026-06-01 .. 2026-07-09) of three customers
-- running three task types with +-8% deterministic noise, and anomalies from day 28 on.
-- Each detector must fire exactly once, and nothing on the clean days (the 3.5x cost per run of
-- day 31 also lifts that day's p95 cost per call and that week's cost per accepted task:
-- cost_p95_week_over_week and cost_per_accepted_task_up fire with it).
SET client_min_messages = warning;
CREATE TEMP TABLE plan (d int, customer text, task_type text, runs int, unit_cost numeric, retry_share numeric DEFAULT 0,
                        cached boolean DEFAULT true, retry_type text DEFAULT 'application_retry',
                        prompt_scale int DEFAULT 1, output_tokens int DEFAULT 100, model text DEFAULT 'gpt-4o');
INSERT INTO plan (d, customer, task_type, runs, unit_cost)
SELECT d, c.customer, t.task_type, t.runs,
       round(t.unit_cost * (1 + 0.04 * ((d * 7 + c.ci * 3 + t.ti) % 5 - 2)), 4)
  FROM generate_series(0, 38) AS d,
       (VALUES ('an-a', 0), ('an-b', 1), ('an-c', 2)) AS c(customer, ci),
       (VALUES ('summarize', 0, 10, 1.00), ('extract', 1, 4, 0.50), ('classify', 2, 6, 0.75)) AS t(task_type, ti, runs, unit_cost);
-- day 28: summarize prompts are 4x larger (same cache share)  -> large_prompts
UPDATE plan SET prompt_scale = 4 WHERE d = 28 AND task_type = 'summarize';
-- day 29: summarize answers run 400 tokens (display budget 150) -> output_tokens_over_budget
UPDATE plan SET output_tokens = 400 WHERE d = 29 AND task_type = 'summarize';
INSERT INTO dexcost.output_token_budget (task_type, output_tokens, note) VALUES ('summarize', 150, 'summary card');
-- day 30: summarize is routed to gpt-4o-mini                 -> route_change
UPDATE plan SET model = 'gpt-4o-mini' WHERE d = 30 AND task_type = 'summarize';
-- day 30: customer an-c runs 2.5x its usual volume          -> customer_cost_doubled
UPDATE plan SET runs = runs * 5 / 2 WHERE d = 30 AND customer = 'an-c';
-- day 31: extract costs 3.5x per run                        -> cost_per_run_up
UPDATE plan SET unit_cost = unit_cost * 3.5 WHERE d = 31 AND task_type = 'extract';
-- day 32: every run is retried at 60% of its cost           -> retry_waste_spike
UPDATE plan SET retry_share = 0.6 WHERE d = 32;
-- day 33: a new customer arrives with 6x a usual customer   -> daily_spend_spike
INSERT INTO plan SELECT 33, 'an-new', task_type, runs * 6, unit_cost FROM plan WHERE d = 33 AND customer = 'an-a';
-- day 34: classify runs 4x as often                         -> use_case_dominates
UPDATE plan SET runs = runs * 4 WHERE d = 34 AND task_type = 'classify';
-- day 35: extract records nothing                           -> zero_spend
DELETE FROM plan WHERE d = 35 AND task_type = 'extract';
-- day 36: extract's prompts miss the cache (75% read from it before) -> cache_hit_rate_down
UPDATE plan SET cached = false WHERE d = 36 AND task_type = 'extract';
-- day 37: a fifth of summarize runs fail validation and retry  -> validation_retry_rate
UPDATE plan SET retry_share = 0.2, retry_type = 'validation_retry' WHERE d = 37 AND task_type = 'summarize';
-- day 38: a quarter of summarize answers are regenerated       -> regeneration_rate
UPDATE plan SET retry_share = 0.25, retry_type = 'user_regeneration' WHERE d = 38 AND task_type = 'summarize';

INSERT INTO dexcost.task (customer_id, task_type, started_at, status, accepted)
SELECT p.customer, p.task_type, timestamptz '2026-06-01 12:00+00' + p.d * interval '1 day', 'success', true
  FROM plan AS p, generate_series(1, p.runs) AS r;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cache_read_tokens, output_tokens, cost_usd, cost_confidence)
SELECT t.customer_id, t.task_id, 'llm_call', t.started_at, 'openai', p.model,
       p.prompt_scale * CASE WHEN p.cached THEN 1000 ELSE 4000 END, p.prompt_scale * CASE WHEN p.cached THEN 3000 ELSE 0 END,
       p.output_tokens, p.unit_cost, 'exact'
  FROM dexcost.task AS t
  JOIN plan AS p ON p.customer = t.customer_id AND p.task_type = t.task_type
                AND p.d = (t.started_at::date - date '2026-06-01')
 WHERE t.customer_id LIKE 'an-%';
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cache_read_tokens, output_tokens, cost_usd, cost_confidence, is_retry, retry_type, retry_reason)
SELECT t.customer_id, t.task_id, 'llm_call', t.started_at + interval '1 minute', 'openai', p.model, 1000, 3000, 100,
       CASE WHEN p.retry_type = 'application_retry' THEN round(p.unit_cost * p.retry_share, 4) ELSE 0.001 END, 'exact', true,
       p.retry_type, 'schema_mismatch'
  FROM (SELECT t.*, row_number() OVER (PARTITION BY t.customer_id, t.task_type, t.started_at ORDER BY t.task_id) AS n
          FROM dexcost.task AS t) AS t
  JOIN plan AS p ON p.customer = t.customer_id AND p.task_type = t.task_type
                AND p.d = (t.started_at::date - date '2026-06-01')
 WHERE p.retry_share > 0
   -- application retries: every run (costing a share of it); the other types: that share of the runs
   AND (p.retry_type = 'application_retry' OR t.n <= round(p.runs * p.retry_share));
SELECT deltas_folded > 0 AS folded FROM dexcost.fold_daily();

-- Day by day: observed days 27 .. 38 (as_of is the next day; the observed day is the last complete one).
SELECT a.day, a.kind, a.subject_type, a.subject_id, a.metric, a.baseline, a.observed, a.ratio,
       a.score >= 3.5 AS score_ok, a.baseline_from, a.baseline_to, a.observed_from, a.baseline_points,
       a.estimated_excess_cost_usd, a.severity, length(a.fix_suggestion) > 20 AS has_fix
  FROM generate_series(date '2026-06-29', date '2026-07-10', interval '1 day') AS g(as_of),
       LATERAL dexcost.detect_anomalies(g.as_of + interval '12 hours') AS a
 ORDER BY a.day, a.kind, a.subject_id;

-- Each kind exactly once.
SELECT a.kind, count(*)
  FROM generate_series(date '2026-06-29', date '2026-07-10', interval '1 day') AS g(as_of),
       LATERAL dexcost.detect_anomalies(g.as_of + interval '12 hours') AS a
 GROUP BY a.kind ORDER BY a.kind;

-- Thresholds are parameters: with a per-run ratio of 4 the 3.5x day is no longer an anomaly.
SELECT count(*) AS at_3x, (SELECT count(*) FROM dexcost.detect_anomalies('2026-07-03 12:00+00', per_run_ratio => 4)) AS at_4x
  FROM dexcost.detect_anomalies('2026-07-03 12:00+00');
SELECT (SELECT count(*) FROM dexcost.detect_anomalies('2026-07-03 12:00+00', accepted_rise => 0.4)) AS accepted_at_40pct,
       (SELECT count(*) FROM dexcost.detect_anomalies('2026-06-30 12:00+00', prompt_ratio => 5)) AS prompts_at_5x,
       (SELECT count(*) FROM dexcost.detect_anomalies('2026-07-01 12:00+00', output_budget_ratio => 3)) AS output_at_3x,
       (SELECT count(*) FROM dexcost.detect_anomalies('2026-07-02 12:00+00', route_shift => 1)) AS route_at_100pct;
-- Without a display budget, detector 11 has nothing to compare with.
BEGIN;
DELETE FROM dexcost.output_token_budget;
SELECT count(*) AS without_budget FROM dexcost.detect_anomalies('2026-07-01 12:00+00');
ROLLBACK;

-- run_checks also records budget thresholds: a limit lowered under this month's spend is caught by
-- the next run (once; its summary counts it).
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('b0000000-0000-4000-8000-000000000001', 'an-budget', 'summarize');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence)
VALUES ('an-budget', 'b0000000-0000-4000-8000-000000000001', 'external_cost', 6, 'exact');
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, thresholds, name)
VALUES ('customer', 'an-budget', 'month', 100, '{0.5}', 'an-budget monthly');
UPDATE dexcost.budget SET limit_usd = 10 WHERE name = 'an-budget monthly';
SELECT count(*) AS budget_alerts_before FROM dexcost.budget_alert;

-- Stored once: a second run over the same days finds nothing new.
SELECT g.as_of::date, c.* FROM generate_series(date '2026-06-29', date '2026-07-10', interval '1 day') AS g(as_of),
       LATERAL dexcost.run_checks(g.as_of + interval '12 hours') AS c ORDER BY 1;
SELECT b.threshold, b.spent_usd, b.limit_usd FROM dexcost.budget_alert AS b;
SELECT sum(c.new_anomalies) AS new_on_rerun, sum(c.detected) AS detected_on_rerun, sum(c.new_budget_alerts) AS budget_alerts_on_rerun
  FROM generate_series(date '2026-06-29', date '2026-07-10', interval '1 day') AS g(as_of),
       LATERAL dexcost.run_checks(g.as_of + interval '12 hours') AS c;
SELECT kind, subject_id, day, severity FROM dexcost.anomaly ORDER BY anomaly_id;

-- Acknowledging takes it off the open list.
SELECT count(*) AS open_before FROM dexcost_bi.open_anomalies;
SELECT dexcost.acknowledge_anomaly(anomaly_id, 'bulk import, agreed with an-c') FROM dexcost.anomaly WHERE kind = 'customer_cost_doubled';
SELECT dexcost.acknowledge_anomaly(anomaly_id) FROM dexcost.anomaly WHERE kind = 'customer_cost_doubled';
SELECT kind, note, acknowledged_by IS NOT NULL AS by FROM dexcost.anomaly WHERE acknowledged_at IS NOT NULL;
SELECT count(*) AS open_after, min(share_of_monthly_spend_pct) >= 0 AS pct_ok FROM dexcost_bi.open_anomalies;
SELECT dexcost.acknowledge_anomaly(-1);

-- Argument errors.
SELECT * FROM dexcost.detect_anomalies(lookback => interval '3 days');
SELECT * FROM dexcost.detect_anomalies(dominant_share => 1.5);
SELECT * FROM dexcost.detect_anomalies(route_shift => 1.5);
SELECT * FROM dexcost.anomalies_on_day(NULL, 28);

-- Leave the shared regression database as we found it.
RESET client_min_messages;
DELETE FROM dexcost.anomaly;
DELETE FROM dexcost.output_token_budget;
DELETE FROM dexcost.budget WHERE name = 'an-budget monthly';
-- budgets.sql counts on the budget ids it creates.
SELECT setval('dexcost.budget_budget_id_seq', COALESCE(max(budget_id), 0) + 1, false) AS next_budget_id FROM dexcost.budget;
DELETE FROM dexcost.cost_event WHERE customer_id LIKE 'an-%';
DELETE FROM dexcost.task WHERE customer_id LIKE 'an-%';
SELECT count(*) AS days_left FROM dexcost.rebuild_daily() WHERE days > 0;
