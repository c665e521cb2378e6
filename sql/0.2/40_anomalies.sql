
------------------------------------------------------------------------------------------
-- Anomalies: detectors in C++ over the daily pre-aggregates, stored findings, alerts
--
--   anomalies_on_day(day, baseline_days, ...)   the detectors on one day (C++, src/pg_anomaly.cpp)
--   detect_anomalies(as_of, lookback, ...)     the same for the last complete day before as_of
--   anomaly                                    findings stored by run_checks(), once each
--   run_checks()                               for pg_cron: detect, store, pg_notify('dexcost_alerts')
--   acknowledge_anomaly(id, note)              mark one as handled
--   dexcost_bi.open_anomalies                  what is not acknowledged yet
--   output_token_budget                        per task type display budget of output tokens (detector 11)
-- Method: docs/anomalies.md.
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.anomalies_on_day(day date, baseline_days integer,
                                             spike_ratio double precision DEFAULT 2,
                                             per_run_ratio double precision DEFAULT 3,
                                             dominant_share double precision DEFAULT 0.5,
                                             min_cost_usd double precision DEFAULT 1,
                                             min_score double precision DEFAULT 3.5,
                                             cache_drop double precision DEFAULT 0.2,
                                             validation_rate double precision DEFAULT 0.10,
                                             regeneration_rate double precision DEFAULT 0.15,
                                             accepted_rise double precision DEFAULT 0.25,
                                             output_budget_ratio double precision DEFAULT 2,
                                             prompt_ratio double precision DEFAULT 1.5,
                                             route_shift double precision DEFAULT 0.2)
  RETURNS TABLE (kind text, subject_type text, subject_id text, metric text, baseline double precision,
                 observed double precision, ratio double precision, score double precision, baseline_from date,
                 baseline_to date, baseline_points integer, seasonal boolean, excess_cost_usd double precision,
                 share_of_monthly_spend double precision, severity text, fix_suggestion text)
  LANGUAGE C STABLE PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'dexcost_anomalies_on_day';
COMMENT ON FUNCTION @extschema@.anomalies_on_day(date, integer, double precision, double precision, double precision,
                                                 double precision, double precision, double precision, double precision,
                                                 double precision, double precision, double precision, double precision,
                                                 double precision) IS
  'The anomalies of one day (workspace time zone) against the baseline_days before it, read from the daily pre-aggregates; detect_anomalies() is the friendlier entry point.';

CREATE FUNCTION @extschema@.detect_anomalies(as_of timestamptz DEFAULT pg_catalog.now(),
                                             lookback interval DEFAULT '28 days',
                                             spike_ratio double precision DEFAULT 2,
                                             per_run_ratio double precision DEFAULT 3,
                                             dominant_share double precision DEFAULT 0.5,
                                             min_cost_usd numeric DEFAULT 1,
                                             min_score double precision DEFAULT 3.5,
                                             cache_drop double precision DEFAULT 0.2,
                                             validation_rate double precision DEFAULT 0.10,
                                             regeneration_rate double precision DEFAULT 0.15,
                                             accepted_rise double precision DEFAULT 0.25,
                                             output_budget_ratio double precision DEFAULT 2,
                                             prompt_ratio double precision DEFAULT 1.5,
                                             route_shift double precision DEFAULT 0.2)
  RETURNS TABLE (kind text, subject_type text, subject_id text, day date, metric text, baseline numeric,
                 observed numeric, ratio numeric, score numeric, baseline_from date, baseline_to date,
                 observed_from date, observed_to date, baseline_points integer, seasonal boolean,
                 estimated_excess_cost_usd numeric, share_of_monthly_spend numeric, severity text,
                 fix_suggestion text)
  LANGUAGE sql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@._check_range('as_of', as_of, 'as_of', as_of,  -- its own statement: runs before the detectors
                                  'Leave as_of out for now(), or give a finite instant such as ''2026-09-15''.');
  SELECT a.kind, a.subject_type, COALESCE(a.subject_id, o.d::text), o.d, a.metric,
         pg_catalog.round(a.baseline::numeric, 6), pg_catalog.round(a.observed::numeric, 6),
         pg_catalog.round(a.ratio::numeric, 3), pg_catalog.round(a.score::numeric, 2),
         a.baseline_from, a.baseline_to, o.d, o.d, a.baseline_points, a.seasonal,
         pg_catalog.round(a.excess_cost_usd::numeric, 6), pg_catalog.round(a.share_of_monthly_spend::numeric, 4),
         a.severity, a.fix_suggestion
    FROM (SELECT @extschema@.local_day(as_of, @extschema@.timezone()) - 1 AS d,
                 pg_catalog.ceil(EXTRACT(epoch FROM lookback) / 86400)::integer AS n) AS o,
         LATERAL @extschema@.anomalies_on_day(o.d, o.n, spike_ratio, per_run_ratio, dominant_share,
                                              min_cost_usd::double precision, min_score, cache_drop, validation_rate,
                                              regeneration_rate, accepted_rise, output_budget_ratio, prompt_ratio,
                                              route_shift) AS a
   ORDER BY a.share_of_monthly_spend DESC, a.kind, a.subject_id
$$;
COMMENT ON FUNCTION @extschema@.detect_anomalies(timestamptz, interval, double precision, double precision,
                                                 double precision, numeric, double precision, double precision,
                                                 double precision, double precision, double precision, double precision,
                                                 double precision, double precision) IS
  'Cost anomalies of the last complete day before as_of (workspace time zone) against a robust baseline of the lookback before it: customer cost doubled, task type cost per run 3x, retry waste spike, daily spend > 2x the 7-day average, one task type > 50% of the day, zero spend on an active task type, p95 cost per llm_call up > 30% week over week, cache hit rate down > 20%, cost per accepted task up > 25% week over week without matching volume or success-rate gain, validation retries > 10% of llm_calls, p95 output tokens > 2x the display budget (dexcost.output_token_budget), regenerations > 15% of runs, unusually large prompts (p95 prompt tokens >= 1.5x usual) and route changes (> 20% of calls off the usual model mix). Each row has before/after, ratio, score, estimated excess cost, share of monthly spend, severity and a fix. See docs/anomalies.md.';

CREATE TABLE @extschema@.anomaly (
    anomaly_id       bigint      GENERATED ALWAYS AS IDENTITY,
    kind             text        NOT NULL,
    subject_type     text        NOT NULL,
    subject_id       text        NOT NULL,
    day              date        NOT NULL,
    metric           text        NOT NULL,
    baseline         numeric     NOT NULL,
    observed         numeric     NOT NULL,
    ratio            numeric,
    score            numeric     NOT NULL,
    baseline_from    date        NOT NULL,
    baseline_to      date        NOT NULL,
    estimated_excess_cost_usd numeric NOT NULL,
    share_of_monthly_spend numeric NOT NULL,
    severity         text        NOT NULL,
    fix_suggestion   text        NOT NULL,
    detected_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    note             text,
    CONSTRAINT anomaly_pkey PRIMARY KEY (anomaly_id),
    CONSTRAINT anomaly_once UNIQUE (kind, subject_type, subject_id, day),
    CONSTRAINT anomaly_severity_check CHECK (severity IN ('high', 'medium', 'low'))
);
COMMENT ON TABLE @extschema@.anomaly IS
  'Anomalies found by run_checks(), one row per kind, subject and day (re-running stores nothing twice); acknowledge_anomaly() marks one as handled.';
COMMENT ON COLUMN @extschema@.anomaly.anomaly_id IS 'Identifier (in the pg_notify payload too).';
COMMENT ON COLUMN @extschema@.anomaly.kind IS 'Detector: customer_cost_doubled, cost_per_run_up, retry_waste_spike, daily_spend_spike, use_case_dominates, cost_p95_week_over_week, cache_hit_rate_down, zero_spend, cost_per_accepted_task_up, validation_retry_rate, output_tokens_over_budget, regeneration_rate, large_prompts or route_change.';
COMMENT ON COLUMN @extschema@.anomaly.subject_type IS 'customer, task_type or day.';
COMMENT ON COLUMN @extschema@.anomaly.subject_id IS 'The customer id, the task type, or the day (YYYY-MM-DD) for whole-day kinds.';
COMMENT ON COLUMN @extschema@.anomaly.day IS 'The observed day (workspace time zone).';
COMMENT ON COLUMN @extschema@.anomaly.metric IS 'What was measured: daily_cost_usd, cost_per_run_usd, daily_retry_cost_usd, share_of_daily_cost, p95_cost_per_llm_call_usd, cache_read_share_of_prompt_tokens, weekly_cost_per_accepted_task_usd, validation_retries_per_llm_call, p95_output_tokens_per_llm_call, regenerations_per_run, p95_prompt_tokens_per_llm_call or share_of_llm_calls_off_usual_models.';
COMMENT ON COLUMN @extschema@.anomaly.baseline IS 'The usual value before (robust median; the rolling 7-day mean for daily_spend_spike; the previous week''s p95 for cost_p95_week_over_week, last week''s cost per accepted task for cost_per_accepted_task_up, the display budget for output_tokens_over_budget); USD, a share or a rate as metric says.';
COMMENT ON COLUMN @extschema@.anomaly.observed IS 'The value on the day.';
COMMENT ON COLUMN @extschema@.anomaly.ratio IS 'observed / baseline (NULL when the baseline is 0).';
COMMENT ON COLUMN @extschema@.anomaly.score IS 'Robust standard deviations off: (observed - median) / max(1.4826 x MAD, floor).';
COMMENT ON COLUMN @extschema@.anomaly.baseline_from IS 'First day of the baseline window.';
COMMENT ON COLUMN @extschema@.anomaly.baseline_to IS 'Last day of the baseline window.';
COMMENT ON COLUMN @extschema@.anomaly.estimated_excess_cost_usd IS 'Cost above the baseline on the day (negative for zero_spend: the usual spend that is missing).';
COMMENT ON COLUMN @extschema@.anomaly.share_of_monthly_spend IS 'Absolute excess cost over a 30-day spend estimated from the window (the seeds: investigate above 0.05).';
COMMENT ON COLUMN @extschema@.anomaly.severity IS 'high (>= 5% of monthly spend), medium (>= 1% or score >= 10) or low.';
COMMENT ON COLUMN @extschema@.anomaly.fix_suggestion IS 'A concrete first fix for this kind of anomaly.';
COMMENT ON COLUMN @extschema@.anomaly.detected_at IS 'When run_checks() stored it.';
COMMENT ON COLUMN @extschema@.anomaly.acknowledged_at IS 'When it was acknowledged (NULL: open).';
COMMENT ON COLUMN @extschema@.anomaly.acknowledged_by IS 'Role that acknowledged it.';
COMMENT ON COLUMN @extschema@.anomaly.note IS 'Note given when acknowledging.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly', '');
-- Its identity too: restored rows keep their ids, and the next finding must not reuse one.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_anomaly_id_seq', '');

CREATE FUNCTION @extschema@.run_checks(as_of timestamptz DEFAULT pg_catalog.now(),
                                       OUT status text, OUT checked_day date, OUT detected integer,
                                       OUT new_anomalies integer, OUT notified integer,
                                       OUT new_budget_alerts integer, OUT isolation_drift integer)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a record;
    drift json;
    lines text;
BEGIN
    PERFORM @extschema@._check_range('as_of', as_of, 'as_of', as_of,
                                     'Leave as_of out for now(), or give a finite instant such as ''2026-09-15''.');
    checked_day := @extschema@.local_day(as_of, @extschema@.timezone()) - 1;
    detected := 0;
    new_anomalies := 0;
    notified := 0;
    new_budget_alerts := 0;
    isolation_drift := 0;
    -- One run at a time: a concurrent second run returns at once instead of queueing.
    IF NOT pg_catalog.pg_try_advisory_xact_lock(4242000009) THEN
        status := 'skipped';
        RETURN;
    END IF;
    SELECT count(*) INTO detected FROM @extschema@.detect_anomalies(as_of);
    FOR a IN
        INSERT INTO @extschema@.anomaly
               (kind, subject_type, subject_id, day, metric, baseline, observed, ratio, score, baseline_from,
                baseline_to, estimated_excess_cost_usd, share_of_monthly_spend, severity, fix_suggestion)
        SELECT d.kind, d.subject_type, d.subject_id, d.day, d.metric, d.baseline, d.observed, d.ratio, d.score,
               d.baseline_from, d.baseline_to, d.estimated_excess_cost_usd, d.share_of_monthly_spend, d.severity,
               d.fix_suggestion
          FROM @extschema@.detect_anomalies(as_of) AS d
        ON CONFLICT ON CONSTRAINT anomaly_once DO NOTHING
        RETURNING *
    LOOP
        new_anomalies := new_anomalies + 1;
        PERFORM pg_catalog.pg_notify('dexcost_alerts', pg_catalog.json_build_object(
            'type', 'anomaly', 'anomaly_id', a.anomaly_id, 'kind', a.kind, 'subject_type', a.subject_type, 'subject_id', a.subject_id,
            'day', a.day, 'metric', a.metric, 'baseline', a.baseline, 'observed', a.observed, 'ratio', a.ratio,
            'score', a.score, 'estimated_excess_cost_usd', a.estimated_excess_cost_usd,
            'share_of_monthly_spend', a.share_of_monthly_spend, 'severity', a.severity,
            'fix_suggestion', a.fix_suggestion)::text);
        notified := notified + 1;
    END LOOP;
    -- Budget thresholds crossed in the current periods (recorded and notified once per period by
    -- record_budget_alerts; they count in notified too).
    new_budget_alerts := @extschema@.record_budget_alerts();
    notified := notified + new_budget_alerts;
    -- Isolation drift (isolation_check): reported on every run while it lasts, since tenants
    -- may see every customer until someone puts RLS and the policies back.
    -- The payload lists the items in order while they fit in 7000 bytes (pg_notify takes 8000).
    SELECT pg_catalog.count(*)::integer,
           pg_catalog.json_agg(d.entry ORDER BY d.n) FILTER (WHERE d.upto <= 7000),
           pg_catalog.string_agg(pg_catalog.format('%s: %s is %s, expected %s', d.table_name, d.item, d.actual, d.expected),
                                 E'\n' ORDER BY d.n)
      INTO isolation_drift, drift, lines
      FROM (SELECT e.*, pg_catalog.sum(pg_catalog.octet_length(e.entry::text) + 2) OVER (ORDER BY e.n) AS upto
              FROM (SELECT c.*, pg_catalog.json_build_object('table_name', c.table_name, 'item', c.item,
                                                             'expected', c.expected, 'actual', c.actual) AS entry
                      FROM @extschema@.isolation_check() WITH ORDINALITY AS c(table_name, item, expected, actual, n)) AS e
           ) AS d;
    IF isolation_drift > 0 THEN
        RAISE WARNING 'customer isolation drift: % item(s) differ from dexcost.customer_isolation', isolation_drift
          USING DETAIL = lines,
                HINT = 'SELECT * FROM dexcost.isolation_check() lists them; SELECT dexcost.set_customer_isolation(true) (or false) puts row-level security and the customer_isolation policies back, other policies must be dropped by hand.';
        PERFORM pg_catalog.pg_notify('dexcost_alerts', pg_catalog.json_build_object(
            'type', 'customer_isolation_drift',
            'isolation', CASE WHEN EXISTS (SELECT 1 FROM @extschema@.customer_isolation AS i WHERE i.enabled)
                              THEN 'on' ELSE 'off' END,
            'drift_count', isolation_drift, 'drift', drift)::text);
        notified := notified + 1;
    END IF;
    status := 'ok';
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(timestamptz) IS
  'Runs the anomaly detectors for the last complete day before as_of, stores new findings in dexcost.anomaly (once each) and sends pg_notify(''dexcost_alerts'', json) for each new one; then records the budget thresholds crossed in the current periods (dexcost.record_budget_alerts: once per period, notified too) and counts them in new_budget_alerts; finally counts the per-customer isolation drift (dexcost.isolation_check()) in isolation_drift and, while there is any, raises a WARNING and sends a customer_isolation_drift payload on every run. Payloads: docs/reference.md#alert-payloads. A concurrent second run returns status skipped at once. Schedule it with pg_cron: SELECT cron.schedule(''dexcost-checks'', ''*/15 * * * *'', ''SELECT dexcost.run_checks()'').';

CREATE FUNCTION @extschema@.acknowledge_anomaly(anomaly_id bigint, note text DEFAULT NULL) RETURNS boolean
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint := anomaly_id;
    n  text := note;
BEGIN
    UPDATE @extschema@.anomaly AS a
       SET acknowledged_at = pg_catalog.now(), acknowledged_by = CURRENT_USER, note = COALESCE(n, a.note)
     WHERE a.anomaly_id = id AND a.acknowledged_at IS NULL;
    IF FOUND THEN
        RETURN true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.anomaly AS a WHERE a.anomaly_id = id) THEN
        RAISE EXCEPTION 'anomaly % does not exist', id USING ERRCODE = 'no_data_found',
              HINT = 'See dexcost_bi.open_anomalies for the open ones.';
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION @extschema@.acknowledge_anomaly(bigint, text) IS
  'Marks an anomaly as handled (with an optional note); false when it was already acknowledged.';

CREATE VIEW dexcost_bi.open_anomalies WITH (security_invoker = true) AS
  SELECT a.anomaly_id, a.day, pg_catalog.date_trunc('month', a.day)::date AS month, a.kind, a.subject_type,
         a.subject_id, a.metric, a.baseline::numeric(20,6) AS baseline_value, a.observed::numeric(20,6) AS observed_value,
         a.ratio::numeric(12,3) AS ratio, a.score::numeric(12,2) AS score,
         a.estimated_excess_cost_usd::numeric(20,6) AS estimated_excess_cost_usd,
         (100 * a.share_of_monthly_spend)::numeric(7,2) AS share_of_monthly_spend_pct,
         a.severity, a.fix_suggestion, a.baseline_from, a.baseline_to, a.detected_at
    FROM @extschema@.anomaly AS a
   WHERE a.acknowledged_at IS NULL;
COMMENT ON VIEW dexcost_bi.open_anomalies IS
  'Anomalies page: anomalies stored by dexcost.run_checks() and not acknowledged yet, one row each with before/after, excess cost and a fix.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.anomaly_id IS 'Identifier (pass it to dexcost.acknowledge_anomaly).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.day IS 'The observed day (workspace time zone).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.month IS 'First day of the observed day''s month.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.kind IS 'Detector that fired.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.subject_type IS 'customer, task_type or day.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.subject_id IS 'Customer id, task type, or the day for whole-day kinds.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.metric IS 'What was measured.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.baseline_value IS 'Usual value before (USD, a share or a rate, as metric says).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.observed_value IS 'Value on the day.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.ratio IS 'observed / baseline (NULL when the baseline is 0).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.score IS 'Robust standard deviations off the baseline.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.estimated_excess_cost_usd IS 'Cost above the baseline on the day (negative: usual spend missing).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.share_of_monthly_spend_pct IS 'Excess as a percentage of monthly spend (investigate above 5).';
COMMENT ON COLUMN dexcost_bi.open_anomalies.severity IS 'high, medium or low.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.fix_suggestion IS 'A concrete first fix.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.baseline_from IS 'First day of the baseline window.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.baseline_to IS 'Last day of the baseline window.';
COMMENT ON COLUMN dexcost_bi.open_anomalies.detected_at IS 'When it was stored.';

-- Detector 11: the display budget of a task type's answers, in output tokens.
CREATE TABLE @extschema@.output_token_budget (
    task_type     text        NOT NULL,
    output_tokens integer     NOT NULL,
    note          text,
    set_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    set_by        text        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT output_token_budget_pkey PRIMARY KEY (task_type),
    CONSTRAINT output_token_budget_positive CHECK (output_tokens > 0)
);
COMMENT ON TABLE @extschema@.output_token_budget IS
  'Display budget of output tokens per task type (workflow): what the UI shows of an answer. detect_anomalies() reports output_tokens_over_budget when a day''s p95 output tokens per llm_call exceed output_budget_ratio (2) x this budget. Set one with INSERT ... ON CONFLICT (task_type) DO UPDATE; delete the row to remove it.';
COMMENT ON COLUMN @extschema@.output_token_budget.task_type IS 'Task type (workflow), as in dexcost.task.task_type.';
COMMENT ON COLUMN @extschema@.output_token_budget.output_tokens IS 'Output tokens the product displays (> 0).';
COMMENT ON COLUMN @extschema@.output_token_budget.note IS 'Free text: where the budget comes from (the UI component, say).';
COMMENT ON COLUMN @extschema@.output_token_budget.set_at IS 'When the row was inserted.';
COMMENT ON COLUMN @extschema@.output_token_budget.set_by IS 'Role that inserted it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.output_token_budget', '');
