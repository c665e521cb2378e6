------------------------------------------------------------------------------------------
-- Period totals: the last 7, 30 and 90 days per customer and per model usage key, kept ready
--
-- A 90-day question about 10,000 customers would otherwise sum some 300,000 daily rows.
-- These tables hold each period's totals as of an anchor day (today in the workspace time
-- zone when they were last refreshed):
--
--   customer_period  period x customer                      cost by category, retries, tasks
--   model_period     period x task type x provider x model x route x tier x fallback reason
--                                                            llm_calls, tokens, latency, sketches
--
-- fold_daily() adds the deltas it folds (those whose day lies in a period), and the first
-- fold of a new day recomputes them from the folded daily tables (refresh_periods()). The BI
-- views read them plus the deltas not folded yet, so they stay exact; until the first fold
-- of a day they fall back to summing the daily tables.
------------------------------------------------------------------------------------------

-- The reporting periods (also those of dexcost_bi.periods).
CREATE FUNCTION @extschema@.report_periods() RETURNS TABLE (period text, days int)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT v.period, v.days FROM (VALUES ('last_7_days', 7), ('last_30_days', 30), ('last_90_days', 90)) AS v(period, days);
END;
COMMENT ON FUNCTION @extschema@.report_periods() IS
  'The reporting periods of the period tables and views: last_7_days, last_30_days and last_90_days, each ending today.';

CREATE TABLE @extschema@.period_state (
    only_row bool NOT NULL DEFAULT true,
    anchor   date NOT NULL,
    CONSTRAINT period_state_pkey PRIMARY KEY (only_row),
    CONSTRAINT period_state_one_row CHECK (only_row)
);
COMMENT ON TABLE @extschema@.period_state IS
  'The day (workspace time zone) the period tables end on; refresh_periods() moves it to today.';
COMMENT ON COLUMN @extschema@.period_state.only_row IS 'Always true: the table has one row.';
COMMENT ON COLUMN @extschema@.period_state.anchor IS 'Last day of every period in dexcost.customer_period and dexcost.model_period.';

CREATE TABLE @extschema@.customer_period (
    period            text    NOT NULL,
    customer_id       text    NOT NULL,
    events            bigint  NOT NULL DEFAULT 0,
    cost_usd          numeric NOT NULL DEFAULT 0,
    llm_cost_usd      numeric NOT NULL DEFAULT 0,
    non_llm_cost_usd  numeric NOT NULL DEFAULT 0,
    retry_count       bigint  NOT NULL DEFAULT 0,
    retry_cost_usd    numeric NOT NULL DEFAULT 0,
    failure_cost_usd  numeric NOT NULL DEFAULT 0,
    root_tasks        bigint  NOT NULL DEFAULT 0,
    CONSTRAINT customer_period_pkey PRIMARY KEY (period, customer_id)
);
COMMENT ON TABLE @extschema@.customer_period IS
  'Derived: per customer, the folded totals of each reporting period ending on period_state.anchor (read through dexcost_bi.customer_period).';

CREATE TABLE @extschema@.model_period (
    period              text    NOT NULL,
    task_type           text    NOT NULL,
    provider            text    NOT NULL,
    model               text    NOT NULL,
    route               text    NOT NULL,
    service_tier        text    NOT NULL,
    fallback_reason     text    NOT NULL,
    llm_calls           bigint  NOT NULL DEFAULT 0,
    cost_usd            numeric NOT NULL DEFAULT 0,
    unpriced_calls      bigint  NOT NULL DEFAULT 0,
    retry_calls         bigint  NOT NULL DEFAULT 0,
    failed_calls        bigint  NOT NULL DEFAULT 0,
    input_tokens        bigint  NOT NULL DEFAULT 0,
    cache_read_tokens   bigint  NOT NULL DEFAULT 0,
    cache_write_tokens  bigint  NOT NULL DEFAULT 0,
    output_tokens       bigint  NOT NULL DEFAULT 0,
    reasoning_tokens    bigint  NOT NULL DEFAULT 0,
    latency_ms_sum      bigint  NOT NULL DEFAULT 0,
    latency_calls       bigint  NOT NULL DEFAULT 0,
    cost_sketch         @extschema@.ddsketch,
    latency_sketch      @extschema@.ddsketch,
    output_tokens_sketch @extschema@.ddsketch,
    CONSTRAINT model_period_pkey PRIMARY KEY (period, task_type, provider, model, route, service_tier, fallback_reason)
);
COMMENT ON TABLE @extschema@.model_period IS
  'Derived: per task type, provider, model, route, tier and fallback reason, the folded llm_call statistics of each reporting period ending on period_state.anchor (read through the dexcost_bi period views).';

COMMENT ON COLUMN @extschema@.customer_period.period IS 'last_7_days, last_30_days or last_90_days (dexcost.report_periods()).';
COMMENT ON COLUMN @extschema@.customer_period.non_llm_cost_usd IS 'Cost of external, compute, network and GPU events.';
COMMENT ON COLUMN @extschema@.customer_period.root_tasks IS 'Tasks without a parent started in the period.';
COMMENT ON COLUMN @extschema@.model_period.period IS 'last_7_days, last_30_days or last_90_days (dexcost.report_periods()).';

-- Whether the period tables end today (else the views sum the daily tables instead).
CREATE FUNCTION @extschema@.periods_fresh() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT COALESCE((SELECT s.anchor FROM @extschema@.period_state AS s)
                  = @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()), false);
END;
COMMENT ON FUNCTION @extschema@.periods_fresh() IS
  'Whether dexcost.customer_period and dexcost.model_period end today (workspace time zone); fold_daily() keeps them so.';

-- Recomputes the period tables from the folded daily tables when the day has changed (or
-- always, with force). Holds the fold lock, so no fold adds to them meanwhile.
CREATE FUNCTION @extschema@.refresh_periods(force boolean DEFAULT false) RETURNS date
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    today date := @extschema@.local_day(pg_catalog.now(), @extschema@.timezone());
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1684371555, 2);
    IF NOT force AND @extschema@.periods_fresh() THEN
        RETURN today;
    END IF;
    DELETE FROM @extschema@.customer_period;
    DELETE FROM @extschema@.model_period;
    INSERT INTO @extschema@.customer_period
    SELECT p.period, d.customer_id, sum(d.events), sum(d.cost_usd), sum(d.llm_cost_usd), sum(d.non_llm_cost_usd),
           sum(d.retry_count), sum(d.retry_cost_usd), sum(d.failure_cost_usd), sum(d.root_tasks)
      FROM @extschema@.daily_customer_total AS d
      JOIN @extschema@.report_periods() AS p ON d.day BETWEEN today - p.days + 1 AND today
     GROUP BY p.period, d.customer_id;
    INSERT INTO @extschema@.model_period
    SELECT p.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason, sum(m.llm_calls),
           sum(m.cost_usd), sum(m.unpriced_calls), sum(m.retry_calls), sum(m.failed_calls), sum(m.input_tokens),
           sum(m.cache_read_tokens), sum(m.cache_write_tokens), sum(m.output_tokens), sum(m.reasoning_tokens),
           sum(m.latency_ms_sum), sum(m.latency_calls), @extschema@.sketch_merge(m.cost_sketch),
           @extschema@.sketch_merge(m.latency_sketch), @extschema@.sketch_merge(m.output_tokens_sketch)
      FROM @extschema@.daily_model AS m
      JOIN @extschema@.report_periods() AS p ON m.day BETWEEN today - p.days + 1 AND today
     GROUP BY p.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason;
    INSERT INTO @extschema@.period_state AS s (anchor) VALUES (today)
    ON CONFLICT ON CONSTRAINT period_state_pkey DO UPDATE SET anchor = excluded.anchor;
    RETURN today;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_periods(boolean) IS
  'Recomputes dexcost.customer_period and dexcost.model_period from the folded daily tables if they do not end today (or always, with force => true); fold_daily() calls it. Returns the day they now end on.';

-- Model usage per period, exact: the period totals plus the deltas not folded yet (or, before
-- the first fold of a day, the daily rows of the period). Several rows may share a key.
CREATE VIEW @extschema@.model_period_all AS
  SELECT m.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason, m.llm_calls, m.cost_usd,
         m.unpriced_calls, m.retry_calls, m.failed_calls, m.input_tokens, m.cache_read_tokens, m.cache_write_tokens,
         m.output_tokens, m.reasoning_tokens, m.latency_ms_sum, m.latency_calls, m.cost_sketch, m.latency_sketch,
         m.output_tokens_sketch
    FROM @extschema@.model_period AS m
   WHERE @extschema@.periods_fresh()
  UNION ALL
  SELECT p.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason, m.llm_calls, m.cost_usd,
         m.unpriced_calls, m.retry_calls, m.failed_calls, m.input_tokens, m.cache_read_tokens, m.cache_write_tokens,
         m.output_tokens, m.reasoning_tokens, m.latency_ms_sum, m.latency_calls, m.cost_sketch, m.latency_sketch,
         m.output_tokens_sketch
    FROM @extschema@.daily_model_delta AS m
    JOIN @extschema@.report_periods() AS p
      ON m.day BETWEEN @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()) - p.days + 1
                   AND @extschema@.local_day(pg_catalog.now(), @extschema@.timezone())
   WHERE @extschema@.periods_fresh()
  UNION ALL
  SELECT p.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason, m.llm_calls, m.cost_usd,
         m.unpriced_calls, m.retry_calls, m.failed_calls, m.input_tokens, m.cache_read_tokens, m.cache_write_tokens,
         m.output_tokens, m.reasoning_tokens, m.latency_ms_sum, m.latency_calls, m.cost_sketch, m.latency_sketch,
         m.output_tokens_sketch
    FROM @extschema@.daily_model_all AS m
    JOIN @extschema@.report_periods() AS p
      ON m.day BETWEEN @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()) - p.days + 1
                   AND @extschema@.local_day(pg_catalog.now(), @extschema@.timezone())
   WHERE NOT @extschema@.periods_fresh();
COMMENT ON VIEW @extschema@.model_period_all IS
  'dexcost.model_period plus the pending deltas of its periods (or the daily rows, before the first fold of a day): exact at any moment; several rows may share a key, sum the counts and merge the sketches.';

-- Column comments: each period table's columns carry those of the daily table they sum, and
-- the view those of its table (the period columns are commented above).
DO $$
DECLARE
    pair text[];
    c    record;
    nsp  text := (SELECT n.nspname FROM pg_catalog.pg_extension AS e
                    JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'dexcost');
BEGIN
    FOREACH pair SLICE 1 IN ARRAY ARRAY[['daily_model', 'model_period'], ['daily_customer_total', 'customer_period'],
                                        ['model_period', 'model_period_all']] LOOP
        FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS txt
                   FROM pg_catalog.pg_attribute AS a
                  WHERE a.attrelid = pg_catalog.format('%I.%I', nsp, pair[1])::regclass AND a.attnum > 0
                    AND NOT a.attisdropped AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL
                    AND pg_catalog.col_description(pg_catalog.format('%I.%I', nsp, pair[2])::regclass,
                                                   (SELECT d.attnum FROM pg_catalog.pg_attribute AS d
                                                     WHERE d.attrelid = pg_catalog.format('%I.%I', nsp, pair[2])::regclass
                                                       AND d.attname = a.attname)) IS NULL
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS d
                                 WHERE d.attrelid = pg_catalog.format('%I.%I', nsp, pair[2])::regclass
                                   AND d.attname = a.attname)
        LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', nsp, pair[2], c.attname, c.txt);
        END LOOP;
    END LOOP;
END
$$;
