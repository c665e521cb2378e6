
------------------------------------------------------------------------------------------
-- Daily pre-aggregates: what the BI views (schema dexcost_bi) and the anomaly detectors read
--
-- Same machinery as the task roll-ups: statement triggers on cost_event and task append one
-- signed delta row per key and statement (append-only, so concurrent ingest never waits on
-- each other's rows), fold_daily() moves them into the folded tables, and the *_all views
-- add what is not folded yet, so a query sees exactly the ledger at any moment. Days are in
-- the workspace time zone (dexcost.timezone()); set_setting('timezone', ...) rebuilds them.
--
--   daily_customer  day x customer x task type   cost by category, retries, failures, tokens, task runs
--   daily_workflow  day x task type              the same summed over customers (kept by fold_daily)
--   daily_customer_total  day x customer         cost by category, retries, root tasks over task types
--                                                  (kept by fold_daily; the customer pages' columns only)
--   daily_model     day x task type x provider x model x route x tier x fallback reason
--                                                  llm_calls, tokens, latency, sketches per call
--   daily_retry     day x task type x retry type x reason   retries, retry cost, attempt counts
--
-- Sketches (cost per call, latency, prompt and output tokens) only grow: an event deleted or
-- changed after it was counted stays in them until rebuild_daily(); every sum stays exact.
------------------------------------------------------------------------------------------

-- Per day, customer and task type: what the customer drill-down and daily_check() read. The
-- deltas below carry every measure (daily_workflow sums them all); this folded table keeps
-- only the customer measures, so a question about every customer's workflows reads rows half
-- as wide.
CREATE TABLE @extschema@.daily_customer (
    day               date    NOT NULL,
    customer_id       text    NOT NULL,
    task_type         text    NOT NULL,
    events            bigint  NOT NULL DEFAULT 0,
    cost_usd          numeric NOT NULL DEFAULT 0,
    llm_cost_usd      numeric NOT NULL DEFAULT 0,
    non_llm_cost_usd  numeric NOT NULL DEFAULT 0,
    retry_count       bigint  NOT NULL DEFAULT 0,
    retry_cost_usd    numeric NOT NULL DEFAULT 0,
    failure_cost_usd  numeric NOT NULL DEFAULT 0,
    tasks             bigint  NOT NULL DEFAULT 0,
    root_tasks        bigint  NOT NULL DEFAULT 0,
    CONSTRAINT daily_customer_pkey PRIMARY KEY (day, customer_id, task_type)
);
-- One customer's days by task type (the drill-down) read from the index alone: a large
-- customer's rows lie on a different page each day, and fetching them cost 5x more.
CREATE INDEX daily_customer_customer_idx ON @extschema@.daily_customer (customer_id, day)
  INCLUDE (task_type, events, cost_usd, llm_cost_usd, non_llm_cost_usd, retry_cost_usd, tasks);
-- Signed per-statement changes, every measure (the statement triggers append them).
CREATE TABLE @extschema@.daily_customer_delta (
    day               date    NOT NULL,
    customer_id       text    NOT NULL,
    task_type         text    NOT NULL,
    events            bigint  NOT NULL DEFAULT 0,
    llm_calls         bigint  NOT NULL DEFAULT 0,
    cost_usd          numeric NOT NULL DEFAULT 0,
    llm_cost_usd      numeric NOT NULL DEFAULT 0,
    external_cost_usd numeric NOT NULL DEFAULT 0,
    compute_cost_usd  numeric NOT NULL DEFAULT 0,
    other_cost_usd    numeric NOT NULL DEFAULT 0,
    retry_count       bigint  NOT NULL DEFAULT 0,
    retry_cost_usd    numeric NOT NULL DEFAULT 0,
    failure_count     bigint  NOT NULL DEFAULT 0,
    failure_cost_usd  numeric NOT NULL DEFAULT 0,
    unpriced_events   bigint  NOT NULL DEFAULT 0,
    input_tokens      bigint  NOT NULL DEFAULT 0,
    cache_read_tokens bigint  NOT NULL DEFAULT 0,
    cache_write_tokens bigint NOT NULL DEFAULT 0,
    output_tokens     bigint  NOT NULL DEFAULT 0,
    tasks             bigint  NOT NULL DEFAULT 0,
    root_tasks        bigint  NOT NULL DEFAULT 0,
    succeeded_tasks   bigint  NOT NULL DEFAULT 0,
    failed_tasks      bigint  NOT NULL DEFAULT 0,
    accepted_tasks    bigint  NOT NULL DEFAULT 0
);
COMMENT ON TABLE @extschema@.daily_customer IS
  'Folded daily customer measures per customer and task type (derived from the ledger; read them through dexcost.daily_customer_merged or _all).';
COMMENT ON TABLE @extschema@.daily_customer_delta IS
  'Signed per-statement changes to dexcost.daily_customer not yet folded (fold_daily() moves them).';

-- The same measures per day and task type only: the grain of the overview, cost health, task
-- and unit economics pages. Kept by fold_daily() from the folded deltas.
CREATE TABLE @extschema@.daily_workflow (
    day               date    NOT NULL,
    task_type         text    NOT NULL,
    events            bigint  NOT NULL DEFAULT 0,
    llm_calls         bigint  NOT NULL DEFAULT 0,
    cost_usd          numeric NOT NULL DEFAULT 0,
    llm_cost_usd      numeric NOT NULL DEFAULT 0,
    external_cost_usd numeric NOT NULL DEFAULT 0,
    compute_cost_usd  numeric NOT NULL DEFAULT 0,
    other_cost_usd    numeric NOT NULL DEFAULT 0,
    retry_count       bigint  NOT NULL DEFAULT 0,
    retry_cost_usd    numeric NOT NULL DEFAULT 0,
    failure_count     bigint  NOT NULL DEFAULT 0,
    failure_cost_usd  numeric NOT NULL DEFAULT 0,
    unpriced_events   bigint  NOT NULL DEFAULT 0,
    input_tokens      bigint  NOT NULL DEFAULT 0,
    cache_read_tokens bigint  NOT NULL DEFAULT 0,
    cache_write_tokens bigint NOT NULL DEFAULT 0,
    output_tokens     bigint  NOT NULL DEFAULT 0,
    tasks             bigint  NOT NULL DEFAULT 0,
    root_tasks        bigint  NOT NULL DEFAULT 0,
    succeeded_tasks   bigint  NOT NULL DEFAULT 0,
    failed_tasks      bigint  NOT NULL DEFAULT 0,
    accepted_tasks    bigint  NOT NULL DEFAULT 0,
    CONSTRAINT daily_workflow_pkey PRIMARY KEY (day, task_type)
);
COMMENT ON TABLE @extschema@.daily_workflow IS
  'Folded daily totals per task type (dexcost.daily_customer summed over customers, kept by fold_daily(); read through dexcost.daily_workflow_all).';

-- Per day and customer only, the measures the customer pages and detectors read: the grain
-- of customer_daily, customer_period and the customer anomaly rules. Narrow on purpose: a
-- 90-day question about every customer reads some 300,000 of these rows, and a row half as
-- wide is read in about half the time.
CREATE TABLE @extschema@.daily_customer_total (
    day               date    NOT NULL,
    customer_id       text    NOT NULL,
    events            bigint  NOT NULL DEFAULT 0,
    cost_usd          numeric NOT NULL DEFAULT 0,
    llm_cost_usd      numeric NOT NULL DEFAULT 0,
    non_llm_cost_usd  numeric NOT NULL DEFAULT 0,
    retry_count       bigint  NOT NULL DEFAULT 0,
    retry_cost_usd    numeric NOT NULL DEFAULT 0,
    failure_cost_usd  numeric NOT NULL DEFAULT 0,
    root_tasks        bigint  NOT NULL DEFAULT 0,
    CONSTRAINT daily_customer_total_pkey PRIMARY KEY (day, customer_id)
);
COMMENT ON TABLE @extschema@.daily_customer_total IS
  'Folded daily totals per customer: the customer pages'' measures of dexcost.daily_customer summed over task types (kept by fold_daily(); read through dexcost.daily_customer_total_merged or _all).';

CREATE TABLE @extschema@.daily_model (
    day                 date    NOT NULL,
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
    prompt_tokens_sketch @extschema@.ddsketch,
    output_tokens_sketch @extschema@.ddsketch,
    CONSTRAINT daily_model_pkey PRIMARY KEY (day, task_type, provider, model, route, service_tier, fallback_reason)
);
-- The few days and keys with unpriced calls (dexcost_bi.unpriced_daily starts from them).
CREATE INDEX daily_model_unpriced_idx ON @extschema@.daily_model (day, task_type, provider, model)
  WHERE unpriced_calls <> 0;
CREATE TABLE @extschema@.daily_model_delta (LIKE @extschema@.daily_model INCLUDING DEFAULTS);
COMMENT ON TABLE @extschema@.daily_model IS
  'Folded daily llm_call statistics per task type, provider, model, route, service tier and fallback reason, with sketches per call (derived; read through dexcost.daily_model_all). Empty text means none.';
COMMENT ON TABLE @extschema@.daily_model_delta IS
  'Per-statement changes to dexcost.daily_model not yet folded.';

-- Per day and task type, daily_model's sketches merged over provider, model, route, tier and
-- fallback reason: the daily percentiles by workflow read 200 rows a day here instead of
-- merging some 700 sketches a day (kept by fold_daily()).
CREATE TABLE @extschema@.daily_workflow_sketch (
    day                 date    NOT NULL,
    task_type           text    NOT NULL,
    llm_calls           bigint  NOT NULL DEFAULT 0,
    cost_sketch         @extschema@.ddsketch,
    latency_sketch      @extschema@.ddsketch,
    prompt_tokens_sketch @extschema@.ddsketch,
    output_tokens_sketch @extschema@.ddsketch,
    CONSTRAINT daily_workflow_sketch_pkey PRIMARY KEY (day, task_type)
);
COMMENT ON TABLE @extschema@.daily_workflow_sketch IS
  'Folded daily llm_call sketches per task type (dexcost.daily_model merged over its other keys, kept by fold_daily(); read through dexcost.daily_workflow_sketch_merged).';

CREATE TABLE @extschema@.daily_retry (
    day             date    NOT NULL,
    task_type       text    NOT NULL,
    retry_type      text    NOT NULL,
    retry_reason    text    NOT NULL,
    retries         bigint  NOT NULL DEFAULT 0,
    retry_cost_usd  numeric NOT NULL DEFAULT 0,
    second_attempts bigint  NOT NULL DEFAULT 0,
    later_attempts  bigint  NOT NULL DEFAULT 0,
    CONSTRAINT daily_retry_pkey PRIMARY KEY (day, task_type, retry_type, retry_reason)
);
CREATE TABLE @extschema@.daily_retry_delta (LIKE @extschema@.daily_retry INCLUDING DEFAULTS);
COMMENT ON TABLE @extschema@.daily_retry IS
  'Folded daily retry counts and cost per task type, retry type and reason (derived; read through dexcost.daily_retry_all).';
COMMENT ON TABLE @extschema@.daily_retry_delta IS 'Per-statement changes to dexcost.daily_retry not yet folded.';

DO $$
DECLARE
    c   record;
    tbl text;
    nsp text := (SELECT n.nspname FROM pg_catalog.pg_extension AS e
                   JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'dexcost');
BEGIN
    -- The same column comments on folded tables and their deltas.
    FOR c IN SELECT * FROM (VALUES
        ('day', 'Day in the workspace time zone (dexcost.timezone()) of the event''s occurred_at, or of the task''s start.'),
        ('customer_id', 'Customer the cost is attributed to.'),
        ('task_type', 'Task type (workflow) of the event''s task.'),
        ('events', 'Cost events.'),
        ('llm_calls', 'llm_call events.'),
        ('cost_usd', 'Known cost in USD (unpriced events add nothing).'),
        ('llm_cost_usd', 'Cost of llm_calls and of retry_markers naming a model.'),
        ('external_cost_usd', 'Cost of external_cost events and retry_markers without a model.'),
        ('compute_cost_usd', 'Cost of compute_cost events.'),
        ('other_cost_usd', 'Cost of network and GPU events.'),
        ('non_llm_cost_usd', 'Cost of external, compute, network and GPU events (and retry_markers without a model).'),
        ('retry_count', 'Events counted as retries (is_retry or retry_marker, not dismissed).'),
        ('retry_cost_usd', 'Cost of those retries.'),
        ('failure_count', 'Events with an error_type.'),
        ('failure_cost_usd', 'Cost of the failed events.'),
        ('unpriced_events', 'Events whose cost is unknown.'),
        ('input_tokens', 'Uncached input tokens.'),
        ('cache_read_tokens', 'Input tokens read from the prompt cache.'),
        ('cache_write_tokens', 'Input tokens written to the prompt cache (5 minute and 1 hour).'),
        ('output_tokens', 'Output tokens.'),
        ('reasoning_tokens', 'Reasoning tokens billed as output.'),
        ('tasks', 'Tasks started that day (by started_at, else created_at).'),
        ('root_tasks', 'Of them, tasks without a parent.'),
        ('succeeded_tasks', 'Of them, tasks with status success.'),
        ('failed_tasks', 'Of them, tasks with status failed.'),
        ('accepted_tasks', 'Of them, tasks whose output was accepted.'),
        ('provider', 'Provider of the call (empty: none).'),
        ('model', 'Model of the call (empty: none).'),
        ('route', 'Route the call took (empty: none).'),
        ('service_tier', 'standard, batch, flex or priority.'),
        ('fallback_reason', 'Why the call fell back to this model (empty: no fallback).'),
        ('unpriced_calls', 'llm_calls whose cost is unknown.'),
        ('retry_calls', 'llm_calls counted as retries.'),
        ('failed_calls', 'llm_calls with an error_type.'),
        ('latency_ms_sum', 'Sum of latency_ms over the calls that report it.'),
        ('latency_calls', 'Calls that report latency_ms.'),
        ('cost_sketch', 'ddsketch of the cost per priced call.'),
        ('latency_sketch', 'ddsketch of latency_ms per call.'),
        ('prompt_tokens_sketch', 'ddsketch of prompt size per call (input + cache read + cache write tokens).'),
        ('output_tokens_sketch', 'ddsketch of output tokens per call.'),
        ('retry_type', 'provider_retry, application_retry, validation_retry or user_regeneration.'),
        ('retry_reason', 'The retry''s reason (empty: none given).'),
        ('retries', 'Retries.'),
        ('second_attempts', 'Retries that were attempt 2 of their chain.'),
        ('later_attempts', 'Retries that were attempt 3 or later.')) AS v(col, txt) LOOP
        FOREACH tbl IN ARRAY ARRAY['daily_customer', 'daily_customer_delta', 'daily_workflow', 'daily_customer_total', 'daily_model', 'daily_model_delta', 'daily_workflow_sketch',
                                   'daily_retry', 'daily_retry_delta'] LOOP
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS a
                        WHERE a.attrelid = pg_catalog.format('%I.%I', nsp, tbl)::regclass
                          AND a.attname = c.col AND NOT a.attisdropped) THEN
                EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', nsp, tbl, c.col, c.txt);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- The day of a time in the workspace time zone.
CREATE FUNCTION @extschema@.local_day(at timestamptz, tz text) RETURNS date
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (at AT TIME ZONE tz)::date;
COMMENT ON FUNCTION @extschema@.local_day(timestamptz, text) IS
  'The calendar day of a time in a time zone (the daily pre-aggregates use the workspace time zone, dexcost.timezone()).';

-- Appends the signed daily contributions of the events a statement changed (old rows -1,
-- new rows +1) to the three daily delta tables. C++ (src/pg_daily.cpp): one pass over the
-- transition tables, one lookup of the statement's tasks, three appends from arrays.
CREATE FUNCTION @extschema@.daily_events_changed() RETURNS trigger
  LANGUAGE c VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'dexcost_daily_events_changed';
COMMENT ON FUNCTION @extschema@.daily_events_changed() IS
  'Statement trigger on cost_event: appends the signed daily contributions of the changed events (old rows subtract, new rows add) to the daily delta tables.';

CREATE TRIGGER daily_events_inserted AFTER INSERT ON @extschema@.cost_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_events_changed();
CREATE TRIGGER daily_events_deleted AFTER DELETE ON @extschema@.cost_event
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_events_changed();
CREATE TRIGGER daily_events_updated AFTER UPDATE ON @extschema@.cost_event
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_events_changed();

-- Task runs: sign x the tasks of changed_rows counted on their start day. C++
-- (src/pg_daily.cpp): one pass over the transition table, one append from arrays; it writes
-- daily_customer_delta as the owner of schema dexcost (a writer inserts tasks without any
-- right on it), which costs less than SECURITY DEFINER.
CREATE FUNCTION @extschema@.daily_tasks_changed() RETURNS trigger
  LANGUAGE c VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'dexcost_daily_tasks_changed';
COMMENT ON FUNCTION @extschema@.daily_tasks_changed() IS
  'Statement trigger on task (C++): appends the signed task-run counts of the changed tasks (argument +1 new rows, -1 old rows) to dexcost.daily_customer_delta.';

CREATE TRIGGER daily_tasks_inserted AFTER INSERT ON @extschema@.task
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_tasks_changed('1');
CREATE TRIGGER daily_tasks_deleted AFTER DELETE ON @extschema@.task
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_tasks_changed('-1');
CREATE TRIGGER daily_tasks_updated_old AFTER UPDATE ON @extschema@.task
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_tasks_changed('-1');
CREATE TRIGGER daily_tasks_updated_new AFTER UPDATE ON @extschema@.task
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.daily_tasks_changed('1');

-- The same contributions computed from the stored ledger: all of it (rebuild_daily), or one
-- task's events under a given task type (a task whose type changes). The statement trigger
-- above computes the same contributions in C++ (src/core/daily.cpp); pg_regress daily and
-- daily_check() compare the two.
CREATE FUNCTION @extschema@.daily_contributions(one_customer text, one_task uuid, as_task_type text, sign int, tz text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO @extschema@.daily_customer_delta
           (day, customer_id, task_type, events, llm_calls, cost_usd, llm_cost_usd, external_cost_usd,
            compute_cost_usd, other_cost_usd, retry_count, retry_cost_usd, failure_count, failure_cost_usd,
            unpriced_events, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens)
    SELECT @extschema@.local_day(e.occurred_at, tz), e.customer_id, k.task_type,
           sign * count(*),
           sign * count(*) FILTER (WHERE e.event_type = 'llm_call'),
           sign * COALESCE(sum(e.cost_usd), 0),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'llm_call'
                                                     OR (e.event_type = 'retry_marker' AND e.model IS NOT NULL)), 0),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'external_cost'
                                                     OR (e.event_type = 'retry_marker' AND e.model IS NULL)), 0),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'compute_cost'), 0),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type IN ('network', 'gpu_cost', 'gpu_utilization_signal')), 0),
           sign * count(*) FILTER (WHERE (e.is_retry OR e.event_type = 'retry_marker')
                                     AND e.retry_detection IS DISTINCT FROM 'dismissed'),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE (e.is_retry OR e.event_type = 'retry_marker')
                                                     AND e.retry_detection IS DISTINCT FROM 'dismissed'), 0),
           sign * count(*) FILTER (WHERE e.error_type IS NOT NULL),
           sign * COALESCE(sum(e.cost_usd) FILTER (WHERE e.error_type IS NOT NULL), 0),
           sign * count(*) FILTER (WHERE e.cost_usd IS NULL),
           sign * COALESCE(sum(e.input_tokens), 0),
           sign * COALESCE(sum(e.cache_read_tokens), 0),
           sign * (COALESCE(sum(e.cache_write_tokens), 0) + COALESCE(sum(e.cache_write_1h_tokens), 0)),
           sign * COALESCE(sum(e.output_tokens), 0)
      FROM @extschema@.cost_event AS e
      JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
     CROSS JOIN LATERAL (SELECT COALESCE(as_task_type, t.task_type) AS task_type) AS k
     WHERE (one_customer IS NULL OR e.customer_id = one_customer) AND (one_task IS NULL OR e.task_id = one_task)
     GROUP BY 1, 2, 3;

    INSERT INTO @extschema@.daily_model_delta
           (day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd,
            unpriced_calls, retry_calls, failed_calls, input_tokens, cache_read_tokens, cache_write_tokens,
            output_tokens, reasoning_tokens, latency_ms_sum, latency_calls,
            cost_sketch, latency_sketch, prompt_tokens_sketch, output_tokens_sketch)
    SELECT @extschema@.local_day(e.occurred_at, tz), k.task_type, COALESCE(e.provider, ''), COALESCE(e.model, ''),
           COALESCE(e.route, ''), e.service_tier, COALESCE(e.fallback_reason, ''),
           sign * count(*),
           sign * COALESCE(sum(e.cost_usd), 0),
           sign * count(*) FILTER (WHERE e.cost_usd IS NULL),
           sign * count(*) FILTER (WHERE e.is_retry AND e.retry_detection IS DISTINCT FROM 'dismissed'),
           sign * count(*) FILTER (WHERE e.error_type IS NOT NULL),
           sign * COALESCE(sum(e.input_tokens), 0),
           sign * COALESCE(sum(e.cache_read_tokens), 0),
           sign * (COALESCE(sum(e.cache_write_tokens), 0) + COALESCE(sum(e.cache_write_1h_tokens), 0)),
           sign * COALESCE(sum(e.output_tokens), 0),
           sign * COALESCE(sum(e.reasoning_tokens), 0),
           sign * COALESCE(sum(e.latency_ms), 0),
           sign * count(e.latency_ms),
           CASE WHEN sign > 0 THEN @extschema@.sketch(e.cost_usd::float8) END,
           CASE WHEN sign > 0 THEN @extschema@.sketch(e.latency_ms::float8) END,
           CASE WHEN sign > 0 THEN @extschema@.sketch((COALESCE(e.input_tokens, 0) + COALESCE(e.cache_read_tokens, 0)
                                                      + COALESCE(e.cache_write_tokens, 0)
                                                      + COALESCE(e.cache_write_1h_tokens, 0))::float8) END,
           CASE WHEN sign > 0 THEN @extschema@.sketch(e.output_tokens::float8) END
      FROM @extschema@.cost_event AS e
      JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
     CROSS JOIN LATERAL (SELECT COALESCE(as_task_type, t.task_type) AS task_type) AS k
     WHERE e.event_type = 'llm_call'
       AND (one_customer IS NULL OR e.customer_id = one_customer) AND (one_task IS NULL OR e.task_id = one_task)
     GROUP BY 1, 2, 3, 4, 5, 6, 7;

    INSERT INTO @extschema@.daily_retry_delta
           (day, task_type, retry_type, retry_reason, retries, retry_cost_usd, second_attempts, later_attempts)
    SELECT @extschema@.local_day(e.occurred_at, tz), k.task_type, COALESCE(e.retry_type, 'application_retry'),
           COALESCE(e.retry_reason, ''),
           sign * count(*), sign * COALESCE(sum(e.cost_usd), 0),
           sign * count(*) FILTER (WHERE e.retry_attempt = 2), sign * count(*) FILTER (WHERE e.retry_attempt >= 3)
      FROM @extschema@.cost_event AS e
      JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
     CROSS JOIN LATERAL (SELECT COALESCE(as_task_type, t.task_type) AS task_type) AS k
     WHERE (e.is_retry OR e.event_type = 'retry_marker') AND e.retry_detection IS DISTINCT FROM 'dismissed'
       AND (one_customer IS NULL OR e.customer_id = one_customer) AND (one_task IS NULL OR e.task_id = one_task)
     GROUP BY 1, 2, 3, 4;
END
$$;
COMMENT ON FUNCTION @extschema@.daily_contributions(text, uuid, text, int, text) IS
  'Internal: appends sign x the daily contributions of the stored events (all, or one customer''s task, counted under as_task_type when given) to the daily delta tables.';

-- A task whose type changes takes its events' contributions along.
CREATE FUNCTION @extschema@.daily_task_retyped() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.daily_contributions(OLD.customer_id, OLD.task_id, OLD.task_type, -1, @extschema@.timezone());
    PERFORM @extschema@.daily_contributions(NEW.customer_id, NEW.task_id, NEW.task_type, 1, @extschema@.timezone());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.daily_task_retyped() IS
  'Row trigger on task after its task_type changed: moves its events'' daily contributions to the new type.';
CREATE TRIGGER daily_task_retyped AFTER UPDATE OF task_type ON @extschema@.task
  FOR EACH ROW WHEN (OLD.task_type IS DISTINCT FROM NEW.task_type) EXECUTE FUNCTION @extschema@.daily_task_retyped();

-- A task being deleted: its events go first, while the task still names their type, so the
-- event trigger subtracts them (the foreign key's cascade then finds nothing left).
CREATE FUNCTION @extschema@.daily_task_deleting() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM @extschema@.cost_event AS e WHERE e.customer_id = OLD.customer_id AND e.task_id = OLD.task_id;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION @extschema@.daily_task_deleting() IS
  'Row trigger on task before delete: deletes the task''s events first, so the daily pre-aggregates subtract them under the task''s type.';
CREATE TRIGGER daily_task_deleting BEFORE DELETE ON @extschema@.task
  FOR EACH ROW EXECUTE FUNCTION @extschema@.daily_task_deleting();

-- Moves the pending deltas into the folded tables (sums add; sketches merge).
CREATE FUNCTION @extschema@.fold_daily(OUT status text, OUT deltas_folded bigint)
  RETURNS record
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '5s'
AS $$
DECLARE
    n bigint;
BEGIN
    deltas_folded := 0;
    IF NOT pg_catalog.pg_try_advisory_xact_lock(1684371555, 2) THEN
        status := 'skipped_concurrent';
        RETURN;
    END IF;
    -- Every folded table is written in key order, day first: a BI filter on the last N days then
    -- reads rows stored together, as they are in a table folded minute by minute. Without it,
    -- rebuild_daily() left each table in hash order, and a 90-day read of every customer took
    -- 1.15 to 1.3 times as long (docs/bi.md, Speed).
    WITH taken AS (DELETE FROM @extschema@.daily_customer_delta RETURNING *),
    agg AS (
        SELECT day, customer_id, task_type, sum(events) AS events, sum(llm_calls) AS llm_calls, sum(cost_usd) AS cost_usd,
               sum(llm_cost_usd) AS llm_cost_usd, sum(external_cost_usd) AS external_cost_usd,
               sum(compute_cost_usd) AS compute_cost_usd, sum(other_cost_usd) AS other_cost_usd,
               sum(retry_count) AS retry_count, sum(retry_cost_usd) AS retry_cost_usd, sum(failure_count) AS failure_count,
               sum(failure_cost_usd) AS failure_cost_usd, sum(unpriced_events) AS unpriced_events,
               sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
               sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens, sum(tasks) AS tasks,
               sum(root_tasks) AS root_tasks, sum(succeeded_tasks) AS succeeded_tasks, sum(failed_tasks) AS failed_tasks,
               sum(accepted_tasks) AS accepted_tasks, count(*) AS n
          FROM taken GROUP BY day, customer_id, task_type),
    up AS (
        INSERT INTO @extschema@.daily_customer AS d
        SELECT day, customer_id, task_type, events, cost_usd, llm_cost_usd,
               external_cost_usd + compute_cost_usd + other_cost_usd, retry_count, retry_cost_usd, failure_cost_usd,
               tasks, root_tasks
          FROM agg
         ORDER BY day, customer_id, task_type
        ON CONFLICT ON CONSTRAINT daily_customer_pkey DO UPDATE SET
            events = d.events + excluded.events, cost_usd = d.cost_usd + excluded.cost_usd,
            llm_cost_usd = d.llm_cost_usd + excluded.llm_cost_usd,
            non_llm_cost_usd = d.non_llm_cost_usd + excluded.non_llm_cost_usd,
            retry_count = d.retry_count + excluded.retry_count, retry_cost_usd = d.retry_cost_usd + excluded.retry_cost_usd,
            failure_cost_usd = d.failure_cost_usd + excluded.failure_cost_usd, tasks = d.tasks + excluded.tasks,
            root_tasks = d.root_tasks + excluded.root_tasks
        RETURNING 1),
    wf AS (
        SELECT day, task_type, sum(events) AS events,
               sum(llm_calls) AS llm_calls,
               sum(cost_usd) AS cost_usd,
               sum(llm_cost_usd) AS llm_cost_usd,
               sum(external_cost_usd) AS external_cost_usd,
               sum(compute_cost_usd) AS compute_cost_usd,
               sum(other_cost_usd) AS other_cost_usd,
               sum(retry_count) AS retry_count,
               sum(retry_cost_usd) AS retry_cost_usd,
               sum(failure_count) AS failure_count,
               sum(failure_cost_usd) AS failure_cost_usd,
               sum(unpriced_events) AS unpriced_events,
               sum(input_tokens) AS input_tokens,
               sum(cache_read_tokens) AS cache_read_tokens,
               sum(cache_write_tokens) AS cache_write_tokens,
               sum(output_tokens) AS output_tokens,
               sum(tasks) AS tasks,
               sum(root_tasks) AS root_tasks,
               sum(succeeded_tasks) AS succeeded_tasks,
               sum(failed_tasks) AS failed_tasks,
               sum(accepted_tasks) AS accepted_tasks
          FROM agg GROUP BY day, task_type),
    up_wf AS (
        INSERT INTO @extschema@.daily_workflow AS d SELECT * FROM wf ORDER BY day, task_type
        ON CONFLICT ON CONSTRAINT daily_workflow_pkey DO UPDATE SET
            events = d.events + excluded.events,
            llm_calls = d.llm_calls + excluded.llm_calls,
            cost_usd = d.cost_usd + excluded.cost_usd,
            llm_cost_usd = d.llm_cost_usd + excluded.llm_cost_usd,
            external_cost_usd = d.external_cost_usd + excluded.external_cost_usd,
            compute_cost_usd = d.compute_cost_usd + excluded.compute_cost_usd,
            other_cost_usd = d.other_cost_usd + excluded.other_cost_usd,
            retry_count = d.retry_count + excluded.retry_count,
            retry_cost_usd = d.retry_cost_usd + excluded.retry_cost_usd,
            failure_count = d.failure_count + excluded.failure_count,
            failure_cost_usd = d.failure_cost_usd + excluded.failure_cost_usd,
            unpriced_events = d.unpriced_events + excluded.unpriced_events,
            input_tokens = d.input_tokens + excluded.input_tokens,
            cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens,
            cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
            output_tokens = d.output_tokens + excluded.output_tokens,
            tasks = d.tasks + excluded.tasks,
            root_tasks = d.root_tasks + excluded.root_tasks,
            succeeded_tasks = d.succeeded_tasks + excluded.succeeded_tasks,
            failed_tasks = d.failed_tasks + excluded.failed_tasks,
            accepted_tasks = d.accepted_tasks + excluded.accepted_tasks
        RETURNING 1),
    ct AS (
        SELECT day, customer_id, sum(events) AS events, sum(cost_usd) AS cost_usd, sum(llm_cost_usd) AS llm_cost_usd,
               sum(external_cost_usd) + sum(compute_cost_usd) + sum(other_cost_usd) AS non_llm_cost_usd,
               sum(retry_count) AS retry_count, sum(retry_cost_usd) AS retry_cost_usd,
               sum(failure_cost_usd) AS failure_cost_usd, sum(root_tasks) AS root_tasks
          FROM agg GROUP BY day, customer_id),
    up_ct AS (
        INSERT INTO @extschema@.daily_customer_total AS d SELECT * FROM ct ORDER BY day, customer_id
        ON CONFLICT ON CONSTRAINT daily_customer_total_pkey DO UPDATE SET
            events = d.events + excluded.events, cost_usd = d.cost_usd + excluded.cost_usd,
            llm_cost_usd = d.llm_cost_usd + excluded.llm_cost_usd,
            non_llm_cost_usd = d.non_llm_cost_usd + excluded.non_llm_cost_usd,
            retry_count = d.retry_count + excluded.retry_count, retry_cost_usd = d.retry_cost_usd + excluded.retry_cost_usd,
            failure_cost_usd = d.failure_cost_usd + excluded.failure_cost_usd, root_tasks = d.root_tasks + excluded.root_tasks
        RETURNING 1),
    -- The deltas of days inside a period count in its totals (22_periods.sql).
    up_cp AS (
        INSERT INTO @extschema@.customer_period AS d
        SELECT p.period, ct.customer_id, sum(ct.events), sum(ct.cost_usd), sum(ct.llm_cost_usd), sum(ct.non_llm_cost_usd),
               sum(ct.retry_count), sum(ct.retry_cost_usd), sum(ct.failure_cost_usd), sum(ct.root_tasks)
          FROM ct, @extschema@.period_state AS s, @extschema@.report_periods() AS p
         WHERE ct.day BETWEEN s.anchor - p.days + 1 AND s.anchor
         GROUP BY p.period, ct.customer_id
        ON CONFLICT ON CONSTRAINT customer_period_pkey DO UPDATE SET
            events = d.events + excluded.events, cost_usd = d.cost_usd + excluded.cost_usd,
            llm_cost_usd = d.llm_cost_usd + excluded.llm_cost_usd,
            non_llm_cost_usd = d.non_llm_cost_usd + excluded.non_llm_cost_usd,
            retry_count = d.retry_count + excluded.retry_count, retry_cost_usd = d.retry_cost_usd + excluded.retry_cost_usd,
            failure_cost_usd = d.failure_cost_usd + excluded.failure_cost_usd, root_tasks = d.root_tasks + excluded.root_tasks
        RETURNING 1)
    SELECT COALESCE(sum(agg.n), 0) INTO n FROM agg;
    deltas_folded := deltas_folded + n;

    WITH taken AS (DELETE FROM @extschema@.daily_model_delta RETURNING *),
    agg AS (
        SELECT day, task_type, provider, model, route, service_tier, fallback_reason, sum(llm_calls) AS llm_calls,
               sum(cost_usd) AS cost_usd, sum(unpriced_calls) AS unpriced_calls, sum(retry_calls) AS retry_calls,
               sum(failed_calls) AS failed_calls, sum(input_tokens) AS input_tokens,
               sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
               sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
               sum(latency_ms_sum) AS latency_ms_sum, sum(latency_calls) AS latency_calls,
               @extschema@.sketch_merge(cost_sketch) AS cost_sketch, @extschema@.sketch_merge(latency_sketch) AS latency_sketch,
               @extschema@.sketch_merge(prompt_tokens_sketch) AS prompt_tokens_sketch,
               @extschema@.sketch_merge(output_tokens_sketch) AS output_tokens_sketch, count(*) AS n
          FROM taken GROUP BY day, task_type, provider, model, route, service_tier, fallback_reason),
    up AS (
        INSERT INTO @extschema@.daily_model AS d
        SELECT day, task_type, provider, model, route, service_tier, fallback_reason, llm_calls, cost_usd, unpriced_calls,
               retry_calls, failed_calls, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
               reasoning_tokens, latency_ms_sum, latency_calls, cost_sketch, latency_sketch, prompt_tokens_sketch,
               output_tokens_sketch
          FROM agg
         ORDER BY day, task_type, provider, model, route, service_tier, fallback_reason
        ON CONFLICT ON CONSTRAINT daily_model_pkey DO UPDATE SET
            llm_calls = d.llm_calls + excluded.llm_calls, cost_usd = d.cost_usd + excluded.cost_usd,
            unpriced_calls = d.unpriced_calls + excluded.unpriced_calls, retry_calls = d.retry_calls + excluded.retry_calls,
            failed_calls = d.failed_calls + excluded.failed_calls, input_tokens = d.input_tokens + excluded.input_tokens,
            cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens,
            cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
            output_tokens = d.output_tokens + excluded.output_tokens,
            reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
            latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum,
            latency_calls = d.latency_calls + excluded.latency_calls,
            cost_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.cost_sketch), (excluded.cost_sketch)) AS v(x)),
            latency_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.latency_sketch), (excluded.latency_sketch)) AS v(x)),
            prompt_tokens_sketch = (SELECT @extschema@.sketch_merge(x)
                                      FROM (VALUES (d.prompt_tokens_sketch), (excluded.prompt_tokens_sketch)) AS v(x)),
            output_tokens_sketch = (SELECT @extschema@.sketch_merge(x)
                                      FROM (VALUES (d.output_tokens_sketch), (excluded.output_tokens_sketch)) AS v(x))
        RETURNING 1),
    up_ws AS (
        INSERT INTO @extschema@.daily_workflow_sketch AS d
        SELECT a.day, a.task_type, sum(a.llm_calls), @extschema@.sketch_merge(a.cost_sketch),
               @extschema@.sketch_merge(a.latency_sketch), @extschema@.sketch_merge(a.prompt_tokens_sketch),
               @extschema@.sketch_merge(a.output_tokens_sketch)
          FROM agg AS a
         GROUP BY a.day, a.task_type
         ORDER BY a.day, a.task_type
        ON CONFLICT ON CONSTRAINT daily_workflow_sketch_pkey DO UPDATE SET
            llm_calls = d.llm_calls + excluded.llm_calls,
            cost_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.cost_sketch), (excluded.cost_sketch)) AS v(x)),
            latency_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.latency_sketch), (excluded.latency_sketch)) AS v(x)),
            prompt_tokens_sketch = (SELECT @extschema@.sketch_merge(x)
                                      FROM (VALUES (d.prompt_tokens_sketch), (excluded.prompt_tokens_sketch)) AS v(x)),
            output_tokens_sketch = (SELECT @extschema@.sketch_merge(x)
                                      FROM (VALUES (d.output_tokens_sketch), (excluded.output_tokens_sketch)) AS v(x))
        RETURNING 1),
    up_mp AS (
        INSERT INTO @extschema@.model_period AS d
        SELECT p.period, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason, sum(a.llm_calls),
               sum(a.cost_usd), sum(a.unpriced_calls), sum(a.retry_calls), sum(a.failed_calls), sum(a.input_tokens),
               sum(a.cache_read_tokens), sum(a.cache_write_tokens), sum(a.output_tokens), sum(a.reasoning_tokens),
               sum(a.latency_ms_sum), sum(a.latency_calls), @extschema@.sketch_merge(a.cost_sketch),
               @extschema@.sketch_merge(a.latency_sketch), @extschema@.sketch_merge(a.output_tokens_sketch)
          FROM agg AS a, @extschema@.period_state AS s, @extschema@.report_periods() AS p
         WHERE a.day BETWEEN s.anchor - p.days + 1 AND s.anchor
         GROUP BY p.period, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason
        ON CONFLICT ON CONSTRAINT model_period_pkey DO UPDATE SET
            llm_calls = d.llm_calls + excluded.llm_calls, cost_usd = d.cost_usd + excluded.cost_usd,
            unpriced_calls = d.unpriced_calls + excluded.unpriced_calls, retry_calls = d.retry_calls + excluded.retry_calls,
            failed_calls = d.failed_calls + excluded.failed_calls, input_tokens = d.input_tokens + excluded.input_tokens,
            cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens,
            cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
            output_tokens = d.output_tokens + excluded.output_tokens,
            reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
            latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum,
            latency_calls = d.latency_calls + excluded.latency_calls,
            cost_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.cost_sketch), (excluded.cost_sketch)) AS v(x)),
            latency_sketch = (SELECT @extschema@.sketch_merge(x) FROM (VALUES (d.latency_sketch), (excluded.latency_sketch)) AS v(x)),
            output_tokens_sketch = (SELECT @extschema@.sketch_merge(x)
                                      FROM (VALUES (d.output_tokens_sketch), (excluded.output_tokens_sketch)) AS v(x))
        RETURNING 1)
    SELECT COALESCE(sum(agg.n), 0) INTO n FROM agg;
    deltas_folded := deltas_folded + n;

    WITH taken AS (DELETE FROM @extschema@.daily_retry_delta RETURNING *),
    agg AS (
        SELECT day, task_type, retry_type, retry_reason, sum(retries) AS retries, sum(retry_cost_usd) AS retry_cost_usd,
               sum(second_attempts) AS second_attempts, sum(later_attempts) AS later_attempts, count(*) AS n
          FROM taken GROUP BY day, task_type, retry_type, retry_reason),
    up AS (
        INSERT INTO @extschema@.daily_retry AS d
        SELECT day, task_type, retry_type, retry_reason, retries, retry_cost_usd, second_attempts, later_attempts FROM agg
         ORDER BY day, task_type, retry_type, retry_reason
        ON CONFLICT ON CONSTRAINT daily_retry_pkey DO UPDATE SET
            retries = d.retries + excluded.retries, retry_cost_usd = d.retry_cost_usd + excluded.retry_cost_usd,
            second_attempts = d.second_attempts + excluded.second_attempts,
            later_attempts = d.later_attempts + excluded.later_attempts
        RETURNING 1)
    SELECT COALESCE(sum(agg.n), 0) INTO n FROM agg;
    deltas_folded := deltas_folded + n;
    -- The first fold of a day moves the periods on (22_periods.sql).
    PERFORM @extschema@.refresh_periods();
    status := 'folded';
END
$$;
COMMENT ON FUNCTION @extschema@.fold_daily() IS
  'Moves pending daily deltas into dexcost.daily_customer, daily_workflow, daily_customer_total, daily_model, daily_workflow_sketch and daily_retry (and the period totals of dexcost.customer_period and model_period, which it moves on to a new day with refresh_periods()). Safe at any time and from pg_cron (schedule it with fold_rollups); a second concurrent run returns skipped_concurrent at once.';

-- Recomputes every daily table from the ledger (after a time zone change, or to refresh the sketches).
CREATE FUNCTION @extschema@.rebuild_daily(OUT days bigint)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tz text := @extschema@.timezone();
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1684371555, 2);
    -- Blocks concurrent writers of the ledger for the rebuild: their deltas would count twice.
    LOCK TABLE @extschema@.cost_event, @extschema@.task IN SHARE MODE;
    DELETE FROM @extschema@.daily_customer;
    DELETE FROM @extschema@.daily_customer_delta;
    DELETE FROM @extschema@.daily_workflow;
    DELETE FROM @extschema@.daily_customer_total;
    DELETE FROM @extschema@.daily_model;
    DELETE FROM @extschema@.daily_model_delta;
    DELETE FROM @extschema@.daily_workflow_sketch;
    DELETE FROM @extschema@.daily_retry;
    DELETE FROM @extschema@.daily_retry_delta;
    -- The period tables are recomputed by the fold below (no anchor: nothing is added twice).
    DELETE FROM @extschema@.customer_period;
    DELETE FROM @extschema@.model_period;
    DELETE FROM @extschema@.period_state;
    PERFORM @extschema@.daily_contributions(NULL, NULL, NULL, 1, tz);
    INSERT INTO @extschema@.daily_customer_delta
           (day, customer_id, task_type, tasks, root_tasks, succeeded_tasks, failed_tasks, accepted_tasks)
    SELECT @extschema@.local_day(COALESCE(t.started_at, t.created_at), tz), t.customer_id, t.task_type,
           count(*), count(*) FILTER (WHERE t.parent_task_id IS NULL), count(*) FILTER (WHERE t.status = 'success'),
           count(*) FILTER (WHERE t.status = 'failed'), count(*) FILTER (WHERE t.accepted)
      FROM @extschema@.task AS t
     GROUP BY 1, 2, 3;
    PERFORM @extschema@.fold_daily();
    SELECT count(DISTINCT d.day) INTO days FROM @extschema@.daily_customer AS d;
END
$$;
COMMENT ON FUNCTION @extschema@.rebuild_daily() IS
  'Recomputes the daily pre-aggregates from the ledger in the workspace time zone (set_setting(''timezone'', ...) calls it). Holds writes to task and cost_event meanwhile. Returns the number of days.';


-- Folded plus pending: exactly the ledger at any moment.
CREATE VIEW @extschema@.daily_customer_all AS
  SELECT * FROM @extschema@.daily_customer
  UNION ALL
  SELECT day, customer_id, task_type, events, cost_usd, llm_cost_usd, external_cost_usd + compute_cost_usd + other_cost_usd,
         retry_count, retry_cost_usd, failure_cost_usd, tasks, root_tasks
    FROM @extschema@.daily_customer_delta;
COMMENT ON VIEW @extschema@.daily_customer_all IS
  'dexcost.daily_customer plus its pending deltas: several rows may share a key, sum them.';
CREATE VIEW @extschema@.daily_workflow_all AS
  SELECT * FROM @extschema@.daily_workflow
  UNION ALL
  SELECT day, task_type, events, llm_calls, cost_usd, llm_cost_usd, external_cost_usd, compute_cost_usd, other_cost_usd, retry_count, retry_cost_usd, failure_count, failure_cost_usd, unpriced_events, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, tasks, root_tasks, succeeded_tasks, failed_tasks, accepted_tasks FROM @extschema@.daily_customer_delta;
COMMENT ON VIEW @extschema@.daily_workflow_all IS
  'dexcost.daily_workflow plus the pending deltas of dexcost.daily_customer: several rows may share a key, sum them.';
CREATE VIEW @extschema@.daily_customer_total_all AS
  SELECT * FROM @extschema@.daily_customer_total
  UNION ALL
  SELECT day, customer_id, events, cost_usd, llm_cost_usd, external_cost_usd + compute_cost_usd + other_cost_usd,
         retry_count, retry_cost_usd, failure_cost_usd, root_tasks
    FROM @extschema@.daily_customer_delta;
COMMENT ON VIEW @extschema@.daily_customer_total_all IS
  'dexcost.daily_customer_total plus the pending deltas of dexcost.daily_customer: several rows may share a key, sum them.';
CREATE VIEW @extschema@.daily_model_all AS
  SELECT * FROM @extschema@.daily_model UNION ALL SELECT * FROM @extschema@.daily_model_delta;
COMMENT ON VIEW @extschema@.daily_model_all IS
  'dexcost.daily_model plus its pending deltas: several rows may share a key, sum the counts and merge the sketches.';
CREATE VIEW @extschema@.daily_retry_all AS
  SELECT * FROM @extschema@.daily_retry UNION ALL SELECT * FROM @extschema@.daily_retry_delta;
COMMENT ON VIEW @extschema@.daily_retry_all IS
  'dexcost.daily_retry plus its pending deltas: several rows may share a key, sum them.';

-- Folded merged with pending, one row per key: what a BI filter reads. Most keys have no
-- pending delta, and their folded row is the answer as it stands; only the keys with one are
-- summed (a 90-day question about every customer reads each daily row once, instead of
-- grouping 300,000 rows to find the few that changed). Pending deltas fall on few days (today,
-- mostly): a folded row of any other day passes on a comparison of its day with that short
-- list, and only the rows of those days (a few thousand) are anti-joined with the deltas.
-- Between two folds, a 90-day question about every customer probed all 300,000 rows before.
CREATE VIEW @extschema@.daily_customer_merged AS
  SELECT f.day, f.customer_id, f.task_type, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd, f.retry_count,
         f.retry_cost_usd, f.failure_cost_usd, f.tasks, f.root_tasks
    FROM @extschema@.daily_customer AS f
   WHERE f.day <> ALL (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_customer_delta AS x))
  UNION ALL
  SELECT f.day, f.customer_id, f.task_type, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd, f.retry_count,
         f.retry_cost_usd, f.failure_cost_usd, f.tasks, f.root_tasks
    FROM @extschema@.daily_customer AS f
   WHERE f.day = ANY (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_customer_delta AS x))
     AND NOT EXISTS (SELECT FROM @extschema@.daily_customer_delta AS x
                      WHERE x.day = f.day AND x.customer_id = f.customer_id AND x.task_type = f.task_type)
  UNION ALL
  SELECT a.day, a.customer_id, a.task_type, sum(a.events)::bigint, sum(a.cost_usd), sum(a.llm_cost_usd),
         sum(a.non_llm_cost_usd), sum(a.retry_count)::bigint, sum(a.retry_cost_usd), sum(a.failure_cost_usd),
         sum(a.tasks)::bigint, sum(a.root_tasks)::bigint
    FROM (SELECT f.day, f.customer_id, f.task_type, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd,
                 f.retry_count, f.retry_cost_usd, f.failure_cost_usd, f.tasks, f.root_tasks
            FROM @extschema@.daily_customer AS f
           WHERE EXISTS (SELECT FROM @extschema@.daily_customer_delta AS x
                          WHERE x.day = f.day AND x.customer_id = f.customer_id AND x.task_type = f.task_type)
          UNION ALL
          SELECT x.day, x.customer_id, x.task_type, x.events, x.cost_usd, x.llm_cost_usd,
                 x.external_cost_usd + x.compute_cost_usd + x.other_cost_usd, x.retry_count, x.retry_cost_usd,
                 x.failure_cost_usd, x.tasks, x.root_tasks
            FROM @extschema@.daily_customer_delta AS x) AS a
   GROUP BY a.day, a.customer_id, a.task_type;
COMMENT ON VIEW @extschema@.daily_customer_merged IS
  'dexcost.daily_customer with its pending deltas added: one row per day, customer and task type, exactly the ledger.';
CREATE VIEW @extschema@.daily_customer_total_merged AS
  SELECT f.day, f.customer_id, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd, f.retry_count,
         f.retry_cost_usd, f.failure_cost_usd, f.root_tasks
    FROM @extschema@.daily_customer_total AS f
   WHERE f.day <> ALL (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_customer_delta AS x))
  UNION ALL
  SELECT f.day, f.customer_id, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd, f.retry_count,
         f.retry_cost_usd, f.failure_cost_usd, f.root_tasks
    FROM @extschema@.daily_customer_total AS f
   WHERE f.day = ANY (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_customer_delta AS x))
     AND NOT EXISTS (SELECT FROM @extschema@.daily_customer_delta AS x WHERE x.day = f.day AND x.customer_id = f.customer_id)
  UNION ALL
  SELECT a.day, a.customer_id, sum(a.events)::bigint, sum(a.cost_usd), sum(a.llm_cost_usd), sum(a.non_llm_cost_usd),
         sum(a.retry_count)::bigint, sum(a.retry_cost_usd), sum(a.failure_cost_usd), sum(a.root_tasks)::bigint
    FROM (SELECT f.day, f.customer_id, f.events, f.cost_usd, f.llm_cost_usd, f.non_llm_cost_usd, f.retry_count,
                 f.retry_cost_usd, f.failure_cost_usd, f.root_tasks
            FROM @extschema@.daily_customer_total AS f
           WHERE EXISTS (SELECT FROM @extschema@.daily_customer_delta AS x WHERE x.day = f.day AND x.customer_id = f.customer_id)
          UNION ALL
          SELECT x.day, x.customer_id, x.events, x.cost_usd, x.llm_cost_usd,
                 x.external_cost_usd + x.compute_cost_usd + x.other_cost_usd, x.retry_count, x.retry_cost_usd,
                 x.failure_cost_usd, x.root_tasks
            FROM @extschema@.daily_customer_delta AS x) AS a
   GROUP BY a.day, a.customer_id;
COMMENT ON VIEW @extschema@.daily_customer_total_merged IS
  'dexcost.daily_customer_total with the pending deltas of dexcost.daily_customer added: one row per day and customer, exactly the ledger.';
CREATE VIEW @extschema@.daily_model_merged AS
  SELECT f.day, f.task_type, f.provider, f.model, f.route, f.service_tier, f.fallback_reason, f.llm_calls, f.cost_usd,
         f.unpriced_calls, f.retry_calls, f.failed_calls, f.input_tokens, f.cache_read_tokens, f.cache_write_tokens,
         f.output_tokens, f.reasoning_tokens, f.latency_ms_sum, f.latency_calls, f.cost_sketch, f.latency_sketch,
         f.prompt_tokens_sketch, f.output_tokens_sketch
    FROM @extschema@.daily_model AS f
   WHERE f.day <> ALL (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_model_delta AS x))
  UNION ALL
  SELECT f.day, f.task_type, f.provider, f.model, f.route, f.service_tier, f.fallback_reason, f.llm_calls, f.cost_usd,
         f.unpriced_calls, f.retry_calls, f.failed_calls, f.input_tokens, f.cache_read_tokens, f.cache_write_tokens,
         f.output_tokens, f.reasoning_tokens, f.latency_ms_sum, f.latency_calls, f.cost_sketch, f.latency_sketch,
         f.prompt_tokens_sketch, f.output_tokens_sketch
    FROM @extschema@.daily_model AS f
   WHERE f.day = ANY (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_model_delta AS x))
     AND NOT EXISTS (SELECT FROM @extschema@.daily_model_delta AS x WHERE x.day = f.day AND x.task_type = f.task_type
                                                                      AND x.provider = f.provider
                                                                      AND x.model = f.model AND x.route = f.route
                                                                      AND x.service_tier = f.service_tier
                                                                      AND x.fallback_reason = f.fallback_reason)
  UNION ALL
  SELECT a.day, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason,
         sum(a.llm_calls)::bigint, sum(a.cost_usd), sum(a.unpriced_calls)::bigint, sum(a.retry_calls)::bigint,
         sum(a.failed_calls)::bigint, sum(a.input_tokens)::bigint, sum(a.cache_read_tokens)::bigint,
         sum(a.cache_write_tokens)::bigint, sum(a.output_tokens)::bigint, sum(a.reasoning_tokens)::bigint,
         sum(a.latency_ms_sum)::bigint, sum(a.latency_calls)::bigint, @extschema@.sketch_merge(a.cost_sketch),
         @extschema@.sketch_merge(a.latency_sketch), @extschema@.sketch_merge(a.prompt_tokens_sketch),
         @extschema@.sketch_merge(a.output_tokens_sketch)
    FROM (SELECT f.day, f.task_type, f.provider, f.model, f.route, f.service_tier, f.fallback_reason, f.llm_calls,
                 f.cost_usd, f.unpriced_calls, f.retry_calls, f.failed_calls, f.input_tokens, f.cache_read_tokens,
                 f.cache_write_tokens, f.output_tokens, f.reasoning_tokens, f.latency_ms_sum, f.latency_calls,
                 f.cost_sketch, f.latency_sketch, f.prompt_tokens_sketch, f.output_tokens_sketch
            FROM @extschema@.daily_model AS f
           WHERE EXISTS (SELECT FROM @extschema@.daily_model_delta AS x WHERE x.day = f.day
             AND x.task_type = f.task_type AND x.provider = f.provider AND x.model = f.model AND x.route = f.route
             AND x.service_tier = f.service_tier AND x.fallback_reason = f.fallback_reason)
          UNION ALL
          SELECT x.day, x.task_type, x.provider, x.model, x.route, x.service_tier, x.fallback_reason, x.llm_calls,
                 x.cost_usd, x.unpriced_calls, x.retry_calls, x.failed_calls, x.input_tokens, x.cache_read_tokens,
                 x.cache_write_tokens, x.output_tokens, x.reasoning_tokens, x.latency_ms_sum, x.latency_calls,
                 x.cost_sketch, x.latency_sketch, x.prompt_tokens_sketch, x.output_tokens_sketch
            FROM @extschema@.daily_model_delta AS x) AS a
   GROUP BY a.day, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason;
COMMENT ON VIEW @extschema@.daily_model_merged IS
  'dexcost.daily_model with its pending deltas added: one row per day and key, exactly the ledger (sketches merged).';
CREATE VIEW @extschema@.daily_workflow_sketch_merged AS
  SELECT f.day, f.task_type, f.llm_calls, f.cost_sketch, f.latency_sketch, f.prompt_tokens_sketch, f.output_tokens_sketch
    FROM @extschema@.daily_workflow_sketch AS f
   WHERE f.day <> ALL (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_model_delta AS x))
  UNION ALL
  SELECT f.day, f.task_type, f.llm_calls, f.cost_sketch, f.latency_sketch, f.prompt_tokens_sketch, f.output_tokens_sketch
    FROM @extschema@.daily_workflow_sketch AS f
   WHERE f.day = ANY (ARRAY(SELECT DISTINCT x.day FROM @extschema@.daily_model_delta AS x))
     AND NOT EXISTS (SELECT FROM @extschema@.daily_model_delta AS x WHERE x.day = f.day AND x.task_type = f.task_type)
  UNION ALL
  SELECT a.day, a.task_type, sum(a.llm_calls)::bigint, @extschema@.sketch_merge(a.cost_sketch),
         @extschema@.sketch_merge(a.latency_sketch), @extschema@.sketch_merge(a.prompt_tokens_sketch),
         @extschema@.sketch_merge(a.output_tokens_sketch)
    FROM (SELECT f.day, f.task_type, f.llm_calls, f.cost_sketch, f.latency_sketch, f.prompt_tokens_sketch,
                 f.output_tokens_sketch
            FROM @extschema@.daily_workflow_sketch AS f
           WHERE EXISTS (SELECT FROM @extschema@.daily_model_delta AS x WHERE x.day = f.day AND x.task_type = f.task_type)
          UNION ALL
          SELECT x.day, x.task_type, x.llm_calls, x.cost_sketch, x.latency_sketch, x.prompt_tokens_sketch,
                 x.output_tokens_sketch
            FROM @extschema@.daily_model_delta AS x) AS a
   GROUP BY a.day, a.task_type;
COMMENT ON VIEW @extschema@.daily_workflow_sketch_merged IS
  'dexcost.daily_workflow_sketch with the pending deltas of dexcost.daily_model merged in: one row per day and task type.';
DO $$
DECLARE
    v   text;
    c   record;
    nsp text := (SELECT n.nspname FROM pg_catalog.pg_extension AS e
                   JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'dexcost');
BEGIN
    -- Each view's columns carry the comments of its folded table's columns.
    FOREACH v IN ARRAY ARRAY['daily_customer_all', 'daily_workflow_all', 'daily_customer_total_all', 'daily_model_all',
                             'daily_retry_all', 'daily_customer_merged', 'daily_customer_total_merged',
                             'daily_model_merged', 'daily_workflow_sketch_merged'] LOOP
        FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS txt
                   FROM pg_catalog.pg_attribute AS a
                  WHERE a.attrelid = pg_catalog.format('%I.%I', nsp, pg_catalog.regexp_replace(v, '_(all|merged)$', ''))::regclass
                    AND a.attnum > 0 AND NOT a.attisdropped LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', nsp, v, c.attname, c.txt);
        END LOOP;
    END LOOP;
END
$$;

-- Keys of the daily tables whose measures differ from the ledger (empty when all is well), computed with the
-- definitions of daily_contributions() and rebuild_daily(): one row per key and measure that differs, every
-- measure of every daily table. daily_table says which table; the key columns it does not have are NULL
-- (customer_id: daily_customer and daily_customer_total; task_type: all but daily_customer_total; provider ..
-- fallback_reason: daily_model only; retry_type, retry_reason: daily_retry only). A sketch is compared by the
-- values it holds (sketch_count) with the calls it summarizes; daily_workflow_sketch's sketches, which no ledger
-- sum can check, also by their exact min and max and their sum with daily_model's merged per day and task type
-- (both folded from the same deltas, so equal even after corrections; ledger is then daily_model's value).
-- Planner settings for this one full scan (bench/daily_check.sh, 1M events): it cannot estimate how many local
-- days the events span, assumes a group per event and sorts the events twice instead of hashing their ~100,000
-- keys (about 1.7x the time), and JIT compiles some 250 expressions for a single run (6 s of 14 s).
CREATE FUNCTION @extschema@.daily_check()
  RETURNS TABLE (day date, customer_id text, task_type text, measure text, daily numeric, ledger numeric,
                 daily_table text, provider text, model text, route text, service_tier text, fallback_reason text,
                 retry_type text, retry_reason text)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  SET enable_sort = off
  SET jit = off
BEGIN ATOMIC
  WITH tz AS (SELECT @extschema@.timezone() AS tz),
  -- The ledger per day x customer x task type: events (daily_contributions()) and task runs (rebuild_daily()).
  le AS (
      SELECT @extschema@.local_day(e.occurred_at, tz.tz) AS day, e.customer_id, t.task_type,
             count(*) AS events, count(*) FILTER (WHERE e.event_type = 'llm_call') AS llm_calls,
             COALESCE(sum(e.cost_usd), 0) AS cost_usd,
             COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'llm_call'
                                                OR (e.event_type = 'retry_marker' AND e.model IS NOT NULL)), 0) AS llm_cost_usd,
             COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'external_cost'
                                                OR (e.event_type = 'retry_marker' AND e.model IS NULL)), 0) AS external_cost_usd,
             COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type = 'compute_cost'), 0) AS compute_cost_usd,
             COALESCE(sum(e.cost_usd) FILTER (WHERE e.event_type IN ('network', 'gpu_cost', 'gpu_utilization_signal')), 0)
               AS other_cost_usd,
             count(*) FILTER (WHERE (e.is_retry OR e.event_type = 'retry_marker')
                                AND e.retry_detection IS DISTINCT FROM 'dismissed') AS retry_count,
             COALESCE(sum(e.cost_usd) FILTER (WHERE (e.is_retry OR e.event_type = 'retry_marker')
                                                AND e.retry_detection IS DISTINCT FROM 'dismissed'), 0) AS retry_cost_usd,
             count(*) FILTER (WHERE e.error_type IS NOT NULL) AS failure_count,
             COALESCE(sum(e.cost_usd) FILTER (WHERE e.error_type IS NOT NULL), 0) AS failure_cost_usd,
             count(*) FILTER (WHERE e.cost_usd IS NULL) AS unpriced_events,
             COALESCE(sum(e.input_tokens), 0) AS input_tokens, COALESCE(sum(e.cache_read_tokens), 0) AS cache_read_tokens,
             COALESCE(sum(e.cache_write_tokens), 0) + COALESCE(sum(e.cache_write_1h_tokens), 0) AS cache_write_tokens,
             COALESCE(sum(e.output_tokens), 0) AS output_tokens
        FROM @extschema@.cost_event AS e
        JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       GROUP BY 1, 2, 3),
  lt AS (
      SELECT @extschema@.local_day(COALESCE(t.started_at, t.created_at), tz.tz) AS day, t.customer_id, t.task_type,
             count(*) AS tasks, count(*) FILTER (WHERE t.parent_task_id IS NULL) AS root_tasks,
             count(*) FILTER (WHERE t.status = 'success') AS succeeded_tasks,
             count(*) FILTER (WHERE t.status = 'failed') AS failed_tasks, count(*) FILTER (WHERE t.accepted) AS accepted_tasks
        FROM @extschema@.task AS t, tz
       GROUP BY 1, 2, 3),
  l AS (
      SELECT COALESCE(le.day, lt.day) AS day, COALESCE(le.customer_id, lt.customer_id) AS customer_id,
             COALESCE(le.task_type, lt.task_type) AS task_type, COALESCE(le.events, 0) AS events,
             COALESCE(le.llm_calls, 0) AS llm_calls, COALESCE(le.cost_usd, 0) AS cost_usd,
             COALESCE(le.llm_cost_usd, 0) AS llm_cost_usd, COALESCE(le.external_cost_usd, 0) AS external_cost_usd,
             COALESCE(le.compute_cost_usd, 0) AS compute_cost_usd, COALESCE(le.other_cost_usd, 0) AS other_cost_usd,
             COALESCE(le.retry_count, 0) AS retry_count, COALESCE(le.retry_cost_usd, 0) AS retry_cost_usd,
             COALESCE(le.failure_count, 0) AS failure_count, COALESCE(le.failure_cost_usd, 0) AS failure_cost_usd,
             COALESCE(le.unpriced_events, 0) AS unpriced_events, COALESCE(le.input_tokens, 0) AS input_tokens,
             COALESCE(le.cache_read_tokens, 0) AS cache_read_tokens, COALESCE(le.cache_write_tokens, 0) AS cache_write_tokens,
             COALESCE(le.output_tokens, 0) AS output_tokens, COALESCE(lt.tasks, 0) AS tasks,
             COALESCE(lt.root_tasks, 0) AS root_tasks, COALESCE(lt.succeeded_tasks, 0) AS succeeded_tasks,
             COALESCE(lt.failed_tasks, 0) AS failed_tasks, COALESCE(lt.accepted_tasks, 0) AS accepted_tasks
        FROM le FULL JOIN lt ON lt.day = le.day AND lt.customer_id = le.customer_id AND lt.task_type = le.task_type),
  d AS (
      SELECT a.day, a.customer_id, a.task_type, sum(a.events) AS events, sum(a.cost_usd) AS cost_usd,
             sum(a.llm_cost_usd) AS llm_cost_usd, sum(a.non_llm_cost_usd) AS non_llm_cost_usd,
             sum(a.retry_count) AS retry_count, sum(a.retry_cost_usd) AS retry_cost_usd,
             sum(a.failure_cost_usd) AS failure_cost_usd, sum(a.tasks) AS tasks, sum(a.root_tasks) AS root_tasks
        FROM @extschema@.daily_customer_all AS a GROUP BY 1, 2, 3),
  lw AS (
      SELECT l.day, l.task_type, sum(l.events) AS events, sum(l.llm_calls) AS llm_calls, sum(l.cost_usd) AS cost_usd,
             sum(l.llm_cost_usd) AS llm_cost_usd, sum(l.external_cost_usd) AS external_cost_usd,
             sum(l.compute_cost_usd) AS compute_cost_usd, sum(l.other_cost_usd) AS other_cost_usd,
             sum(l.retry_count) AS retry_count, sum(l.retry_cost_usd) AS retry_cost_usd,
             sum(l.failure_count) AS failure_count, sum(l.failure_cost_usd) AS failure_cost_usd,
             sum(l.unpriced_events) AS unpriced_events, sum(l.input_tokens) AS input_tokens,
             sum(l.cache_read_tokens) AS cache_read_tokens, sum(l.cache_write_tokens) AS cache_write_tokens,
             sum(l.output_tokens) AS output_tokens, sum(l.tasks) AS tasks, sum(l.root_tasks) AS root_tasks,
             sum(l.succeeded_tasks) AS succeeded_tasks, sum(l.failed_tasks) AS failed_tasks,
             sum(l.accepted_tasks) AS accepted_tasks
        FROM l GROUP BY 1, 2),
  dw AS (
      SELECT a.day, a.task_type, sum(a.events) AS events, sum(a.llm_calls) AS llm_calls, sum(a.cost_usd) AS cost_usd,
             sum(a.llm_cost_usd) AS llm_cost_usd, sum(a.external_cost_usd) AS external_cost_usd,
             sum(a.compute_cost_usd) AS compute_cost_usd, sum(a.other_cost_usd) AS other_cost_usd,
             sum(a.retry_count) AS retry_count, sum(a.retry_cost_usd) AS retry_cost_usd,
             sum(a.failure_count) AS failure_count, sum(a.failure_cost_usd) AS failure_cost_usd,
             sum(a.unpriced_events) AS unpriced_events, sum(a.input_tokens) AS input_tokens,
             sum(a.cache_read_tokens) AS cache_read_tokens, sum(a.cache_write_tokens) AS cache_write_tokens,
             sum(a.output_tokens) AS output_tokens, sum(a.tasks) AS tasks, sum(a.root_tasks) AS root_tasks,
             sum(a.succeeded_tasks) AS succeeded_tasks, sum(a.failed_tasks) AS failed_tasks,
             sum(a.accepted_tasks) AS accepted_tasks
        FROM @extschema@.daily_workflow_all AS a GROUP BY 1, 2),
  lc AS (
      SELECT l.day, l.customer_id, sum(l.events) AS events, sum(l.cost_usd) AS cost_usd, sum(l.llm_cost_usd) AS llm_cost_usd,
             sum(l.external_cost_usd + l.compute_cost_usd + l.other_cost_usd) AS non_llm_cost_usd,
             sum(l.retry_count) AS retry_count, sum(l.retry_cost_usd) AS retry_cost_usd,
             sum(l.failure_cost_usd) AS failure_cost_usd, sum(l.root_tasks) AS root_tasks
        FROM l GROUP BY 1, 2),
  dc AS (
      SELECT a.day, a.customer_id, sum(a.events) AS events, sum(a.cost_usd) AS cost_usd, sum(a.llm_cost_usd) AS llm_cost_usd,
             sum(a.non_llm_cost_usd) AS non_llm_cost_usd, sum(a.retry_count) AS retry_count,
             sum(a.retry_cost_usd) AS retry_cost_usd, sum(a.failure_cost_usd) AS failure_cost_usd,
             sum(a.root_tasks) AS root_tasks
        FROM @extschema@.daily_customer_total_all AS a GROUP BY 1, 2),
  -- llm_calls per day x task type x provider x model x route x tier x fallback reason, and the values each
  -- sketch holds: the priced calls (cost), those reporting latency_ms, every call (prompt size), those
  -- reporting output_tokens.
  lm AS (
      SELECT @extschema@.local_day(e.occurred_at, tz.tz) AS day, t.task_type, COALESCE(e.provider, '') AS provider,
             COALESCE(e.model, '') AS model, COALESCE(e.route, '') AS route, e.service_tier,
             COALESCE(e.fallback_reason, '') AS fallback_reason,
             count(*) AS llm_calls, COALESCE(sum(e.cost_usd), 0) AS cost_usd,
             count(*) FILTER (WHERE e.cost_usd IS NULL) AS unpriced_calls,
             count(*) FILTER (WHERE e.is_retry AND e.retry_detection IS DISTINCT FROM 'dismissed') AS retry_calls,
             count(*) FILTER (WHERE e.error_type IS NOT NULL) AS failed_calls,
             COALESCE(sum(e.input_tokens), 0) AS input_tokens, COALESCE(sum(e.cache_read_tokens), 0) AS cache_read_tokens,
             COALESCE(sum(e.cache_write_tokens), 0) + COALESCE(sum(e.cache_write_1h_tokens), 0) AS cache_write_tokens,
             COALESCE(sum(e.output_tokens), 0) AS output_tokens, COALESCE(sum(e.reasoning_tokens), 0) AS reasoning_tokens,
             COALESCE(sum(e.latency_ms), 0) AS latency_ms_sum, count(e.latency_ms) AS latency_calls,
             count(e.cost_usd) AS cost_values, count(e.latency_ms) AS latency_values, count(*) AS prompt_values,
             count(e.output_tokens) AS output_values
        FROM @extschema@.cost_event AS e
        JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       WHERE e.event_type = 'llm_call'
       GROUP BY 1, 2, 3, 4, 5, 6, 7),
  dm AS (
      SELECT a.day, a.task_type, a.provider, a.model, a.route, a.service_tier, a.fallback_reason,
             sum(a.llm_calls) AS llm_calls, sum(a.cost_usd) AS cost_usd, sum(a.unpriced_calls) AS unpriced_calls,
             sum(a.retry_calls) AS retry_calls, sum(a.failed_calls) AS failed_calls, sum(a.input_tokens) AS input_tokens,
             sum(a.cache_read_tokens) AS cache_read_tokens, sum(a.cache_write_tokens) AS cache_write_tokens,
             sum(a.output_tokens) AS output_tokens, sum(a.reasoning_tokens) AS reasoning_tokens,
             sum(a.latency_ms_sum) AS latency_ms_sum, sum(a.latency_calls) AS latency_calls,
             COALESCE(sum(@extschema@.sketch_count(a.cost_sketch)), 0) AS cost_values,
             COALESCE(sum(@extschema@.sketch_count(a.latency_sketch)), 0) AS latency_values,
             COALESCE(sum(@extschema@.sketch_count(a.prompt_tokens_sketch)), 0) AS prompt_values,
             COALESCE(sum(@extschema@.sketch_count(a.output_tokens_sketch)), 0) AS output_values
        FROM @extschema@.daily_model_all AS a GROUP BY 1, 2, 3, 4, 5, 6, 7),
  lws AS (
      SELECT lm.day, lm.task_type, sum(lm.llm_calls) AS llm_calls, sum(lm.cost_values) AS cost_values,
             sum(lm.latency_values) AS latency_values, sum(lm.prompt_values) AS prompt_values,
             sum(lm.output_values) AS output_values
        FROM lm GROUP BY 1, 2),
  -- daily_workflow_sketch's pending values are daily_model's deltas.
  dws AS (
      SELECT a.day, a.task_type, sum(a.llm_calls) AS llm_calls,
             COALESCE(sum(@extschema@.sketch_count(a.cost_sketch)), 0) AS cost_values,
             COALESCE(sum(@extschema@.sketch_count(a.latency_sketch)), 0) AS latency_values,
             COALESCE(sum(@extschema@.sketch_count(a.prompt_tokens_sketch)), 0) AS prompt_values,
             COALESCE(sum(@extschema@.sketch_count(a.output_tokens_sketch)), 0) AS output_values
        FROM (SELECT w.day, w.task_type, w.llm_calls, w.cost_sketch, w.latency_sketch, w.prompt_tokens_sketch,
                     w.output_tokens_sketch
                FROM @extschema@.daily_workflow_sketch AS w
              UNION ALL
              SELECT x.day, x.task_type, x.llm_calls, x.cost_sketch, x.latency_sketch, x.prompt_tokens_sketch,
                     x.output_tokens_sketch
                FROM @extschema@.daily_model_delta AS x) AS a
       GROUP BY 1, 2),
  -- Folded daily_model merged per day and task type, as daily_workflow_sketch holds it: min and max of a
  -- merge are exact; the sums may differ in their last bits (float8, another order).
  fm AS (
      SELECT f.day, f.task_type,
             min(@extschema@.sketch_min(f.cost_sketch)) AS cost_min, max(@extschema@.sketch_max(f.cost_sketch)) AS cost_max,
             sum(@extschema@.sketch_sum(f.cost_sketch)) AS cost_sum,
             min(@extschema@.sketch_min(f.latency_sketch)) AS latency_min,
             max(@extschema@.sketch_max(f.latency_sketch)) AS latency_max,
             sum(@extschema@.sketch_sum(f.latency_sketch)) AS latency_sum,
             min(@extschema@.sketch_min(f.prompt_tokens_sketch)) AS prompt_min,
             max(@extschema@.sketch_max(f.prompt_tokens_sketch)) AS prompt_max,
             sum(@extschema@.sketch_sum(f.prompt_tokens_sketch)) AS prompt_sum,
             min(@extschema@.sketch_min(f.output_tokens_sketch)) AS output_min,
             max(@extschema@.sketch_max(f.output_tokens_sketch)) AS output_max,
             sum(@extschema@.sketch_sum(f.output_tokens_sketch)) AS output_sum
        FROM @extschema@.daily_model AS f GROUP BY 1, 2),
  fw AS (
      SELECT w.day, w.task_type,
             @extschema@.sketch_min(w.cost_sketch) AS cost_min, @extschema@.sketch_max(w.cost_sketch) AS cost_max,
             @extschema@.sketch_sum(w.cost_sketch) AS cost_sum,
             @extschema@.sketch_min(w.latency_sketch) AS latency_min, @extschema@.sketch_max(w.latency_sketch) AS latency_max,
             @extschema@.sketch_sum(w.latency_sketch) AS latency_sum,
             @extschema@.sketch_min(w.prompt_tokens_sketch) AS prompt_min,
             @extschema@.sketch_max(w.prompt_tokens_sketch) AS prompt_max,
             @extschema@.sketch_sum(w.prompt_tokens_sketch) AS prompt_sum,
             @extschema@.sketch_min(w.output_tokens_sketch) AS output_min,
             @extschema@.sketch_max(w.output_tokens_sketch) AS output_max,
             @extschema@.sketch_sum(w.output_tokens_sketch) AS output_sum
        FROM @extschema@.daily_workflow_sketch AS w),
  lr AS (
      SELECT @extschema@.local_day(e.occurred_at, tz.tz) AS day, t.task_type,
             COALESCE(e.retry_type, 'application_retry') AS retry_type, COALESCE(e.retry_reason, '') AS retry_reason,
             count(*) AS retries, COALESCE(sum(e.cost_usd), 0) AS retry_cost_usd,
             count(*) FILTER (WHERE e.retry_attempt = 2) AS second_attempts,
             count(*) FILTER (WHERE e.retry_attempt >= 3) AS later_attempts
        FROM @extschema@.cost_event AS e
        JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id, tz
       WHERE (e.is_retry OR e.event_type = 'retry_marker') AND e.retry_detection IS DISTINCT FROM 'dismissed'
       GROUP BY 1, 2, 3, 4),
  dr AS (
      SELECT a.day, a.task_type, a.retry_type, a.retry_reason, sum(a.retries) AS retries,
             sum(a.retry_cost_usd) AS retry_cost_usd, sum(a.second_attempts) AS second_attempts,
             sum(a.later_attempts) AS later_attempts
        FROM @extschema@.daily_retry_all AS a GROUP BY 1, 2, 3, 4)
  SELECT COALESCE(d.day, l.day), COALESCE(d.customer_id, l.customer_id), COALESCE(d.task_type, l.task_type),
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_customer', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM d FULL JOIN l ON l.day = d.day AND l.customer_id = d.customer_id AND l.task_type = d.task_type
   CROSS JOIN LATERAL (VALUES ('events', d.events, l.events),
                              ('cost_usd', d.cost_usd, l.cost_usd),
                              ('llm_cost_usd', d.llm_cost_usd, l.llm_cost_usd),
                              ('non_llm_cost_usd', d.non_llm_cost_usd,
                               l.external_cost_usd + l.compute_cost_usd + l.other_cost_usd),
                              ('retry_count', d.retry_count, l.retry_count),
                              ('retry_cost_usd', d.retry_cost_usd, l.retry_cost_usd),
                              ('failure_cost_usd', d.failure_cost_usd, l.failure_cost_usd),
                              ('tasks', d.tasks, l.tasks),
                              ('root_tasks', d.root_tasks, l.root_tasks))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
  UNION ALL
  SELECT COALESCE(dw.day, lw.day), NULL, COALESCE(dw.task_type, lw.task_type),
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_workflow', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM dw FULL JOIN lw ON lw.day = dw.day AND lw.task_type = dw.task_type
   CROSS JOIN LATERAL (VALUES ('events', dw.events, lw.events),
                              ('llm_calls', dw.llm_calls, lw.llm_calls),
                              ('cost_usd', dw.cost_usd, lw.cost_usd),
                              ('llm_cost_usd', dw.llm_cost_usd, lw.llm_cost_usd),
                              ('external_cost_usd', dw.external_cost_usd, lw.external_cost_usd),
                              ('compute_cost_usd', dw.compute_cost_usd, lw.compute_cost_usd),
                              ('other_cost_usd', dw.other_cost_usd, lw.other_cost_usd),
                              ('retry_count', dw.retry_count, lw.retry_count),
                              ('retry_cost_usd', dw.retry_cost_usd, lw.retry_cost_usd),
                              ('failure_count', dw.failure_count, lw.failure_count),
                              ('failure_cost_usd', dw.failure_cost_usd, lw.failure_cost_usd),
                              ('unpriced_events', dw.unpriced_events, lw.unpriced_events),
                              ('input_tokens', dw.input_tokens, lw.input_tokens),
                              ('cache_read_tokens', dw.cache_read_tokens, lw.cache_read_tokens),
                              ('cache_write_tokens', dw.cache_write_tokens, lw.cache_write_tokens),
                              ('output_tokens', dw.output_tokens, lw.output_tokens),
                              ('tasks', dw.tasks, lw.tasks),
                              ('root_tasks', dw.root_tasks, lw.root_tasks),
                              ('succeeded_tasks', dw.succeeded_tasks, lw.succeeded_tasks),
                              ('failed_tasks', dw.failed_tasks, lw.failed_tasks),
                              ('accepted_tasks', dw.accepted_tasks, lw.accepted_tasks))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
  UNION ALL
  SELECT COALESCE(dc.day, lc.day), COALESCE(dc.customer_id, lc.customer_id), NULL,
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_customer_total', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM dc FULL JOIN lc ON lc.day = dc.day AND lc.customer_id = dc.customer_id
   CROSS JOIN LATERAL (VALUES ('events', dc.events, lc.events),
                              ('cost_usd', dc.cost_usd, lc.cost_usd),
                              ('llm_cost_usd', dc.llm_cost_usd, lc.llm_cost_usd),
                              ('non_llm_cost_usd', dc.non_llm_cost_usd, lc.non_llm_cost_usd),
                              ('retry_count', dc.retry_count, lc.retry_count),
                              ('retry_cost_usd', dc.retry_cost_usd, lc.retry_cost_usd),
                              ('failure_cost_usd', dc.failure_cost_usd, lc.failure_cost_usd),
                              ('root_tasks', dc.root_tasks, lc.root_tasks))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
  UNION ALL
  SELECT COALESCE(dm.day, lm.day), NULL, COALESCE(dm.task_type, lm.task_type),
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_model', COALESCE(dm.provider, lm.provider), COALESCE(dm.model, lm.model), COALESCE(dm.route, lm.route),
         COALESCE(dm.service_tier, lm.service_tier), COALESCE(dm.fallback_reason, lm.fallback_reason), NULL, NULL
    FROM dm FULL JOIN lm
      ON lm.day = dm.day AND lm.task_type = dm.task_type AND lm.provider = dm.provider AND lm.model = dm.model
     AND lm.route = dm.route AND lm.service_tier = dm.service_tier AND lm.fallback_reason = dm.fallback_reason
   CROSS JOIN LATERAL (VALUES ('llm_calls', dm.llm_calls, lm.llm_calls),
                              ('cost_usd', dm.cost_usd, lm.cost_usd),
                              ('unpriced_calls', dm.unpriced_calls, lm.unpriced_calls),
                              ('retry_calls', dm.retry_calls, lm.retry_calls),
                              ('failed_calls', dm.failed_calls, lm.failed_calls),
                              ('input_tokens', dm.input_tokens, lm.input_tokens),
                              ('cache_read_tokens', dm.cache_read_tokens, lm.cache_read_tokens),
                              ('cache_write_tokens', dm.cache_write_tokens, lm.cache_write_tokens),
                              ('output_tokens', dm.output_tokens, lm.output_tokens),
                              ('reasoning_tokens', dm.reasoning_tokens, lm.reasoning_tokens),
                              ('latency_ms_sum', dm.latency_ms_sum, lm.latency_ms_sum),
                              ('latency_calls', dm.latency_calls, lm.latency_calls),
                              ('cost_sketch_count', dm.cost_values, lm.cost_values),
                              ('latency_sketch_count', dm.latency_values, lm.latency_values),
                              ('prompt_tokens_sketch_count', dm.prompt_values, lm.prompt_values),
                              ('output_tokens_sketch_count', dm.output_values, lm.output_values))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
  UNION ALL
  SELECT COALESCE(dws.day, lws.day), NULL, COALESCE(dws.task_type, lws.task_type),
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_workflow_sketch', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM dws FULL JOIN lws ON lws.day = dws.day AND lws.task_type = dws.task_type
   CROSS JOIN LATERAL (VALUES ('llm_calls', dws.llm_calls, lws.llm_calls),
                              ('cost_sketch_count', dws.cost_values, lws.cost_values),
                              ('latency_sketch_count', dws.latency_values, lws.latency_values),
                              ('prompt_tokens_sketch_count', dws.prompt_values, lws.prompt_values),
                              ('output_tokens_sketch_count', dws.output_values, lws.output_values))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
  UNION ALL
  SELECT COALESCE(fw.day, fm.day), NULL, COALESCE(fw.task_type, fm.task_type), m.measure, m.daily::numeric,
         m.ledger::numeric, 'daily_workflow_sketch', NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM fw FULL JOIN fm ON fm.day = fw.day AND fm.task_type = fw.task_type
   -- min and max exactly; sums (floating point, merged in another order) within 1e-9 relative.
   CROSS JOIN LATERAL (VALUES ('cost_sketch_min', fw.cost_min, fm.cost_min, 0),
                              ('cost_sketch_max', fw.cost_max, fm.cost_max, 0),
                              ('cost_sketch_sum', fw.cost_sum, fm.cost_sum, 1e-9),
                              ('latency_sketch_min', fw.latency_min, fm.latency_min, 0),
                              ('latency_sketch_max', fw.latency_max, fm.latency_max, 0),
                              ('latency_sketch_sum', fw.latency_sum, fm.latency_sum, 1e-9),
                              ('prompt_tokens_sketch_min', fw.prompt_min, fm.prompt_min, 0),
                              ('prompt_tokens_sketch_max', fw.prompt_max, fm.prompt_max, 0),
                              ('prompt_tokens_sketch_sum', fw.prompt_sum, fm.prompt_sum, 1e-9),
                              ('output_tokens_sketch_min', fw.output_min, fm.output_min, 0),
                              ('output_tokens_sketch_max', fw.output_max, fm.output_max, 0),
                              ('output_tokens_sketch_sum', fw.output_sum, fm.output_sum, 1e-9))
         AS m(measure, daily, ledger, tolerance)
   WHERE CASE WHEN m.tolerance = 0 THEN m.daily IS DISTINCT FROM m.ledger
              ELSE NOT pg_catalog.abs(COALESCE(m.daily, 0) - COALESCE(m.ledger, 0))
                       <= m.tolerance * GREATEST(1, pg_catalog.abs(m.daily), pg_catalog.abs(m.ledger)) END
  UNION ALL
  SELECT COALESCE(dr.day, lr.day), NULL, COALESCE(dr.task_type, lr.task_type),
         m.measure, COALESCE(m.daily, 0), COALESCE(m.ledger, 0),
         'daily_retry', NULL, NULL, NULL, NULL, NULL, COALESCE(dr.retry_type, lr.retry_type),
         COALESCE(dr.retry_reason, lr.retry_reason)
    FROM dr FULL JOIN lr
      ON lr.day = dr.day AND lr.task_type = dr.task_type AND lr.retry_type = dr.retry_type
     AND lr.retry_reason = dr.retry_reason
   CROSS JOIN LATERAL (VALUES ('retries', dr.retries, lr.retries),
                              ('retry_cost_usd', dr.retry_cost_usd, lr.retry_cost_usd),
                              ('second_attempts', dr.second_attempts, lr.second_attempts),
                              ('later_attempts', dr.later_attempts, lr.later_attempts))
         AS m(measure, daily, ledger)
   WHERE COALESCE(m.daily, 0) <> COALESCE(m.ledger, 0)
   ORDER BY 1, 7, 2, 3, 8, 9, 10, 11, 12, 13, 14, 4;
END;
COMMENT ON FUNCTION @extschema@.daily_check() IS
  'Keys of the daily tables whose folded plus pending measures differ from the ledger, one row per key and measure: every measure of daily_customer, daily_workflow and daily_customer_total (costs, retries, failures, tokens, task runs), daily_model (calls, cost, tokens, latency, and the values each sketch holds), daily_workflow_sketch (calls and sketch values; its sketches'' min, max and sum against daily_model''s merged per day and task type) and daily_retry. daily_table names the table and the key columns it lacks are NULL. Sketches only grow, so after events were changed or deleted they hold more values than the ledger until rebuild_daily(). Empty when all is well (full scans: for tests and audits).';
