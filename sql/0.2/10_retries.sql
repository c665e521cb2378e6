
------------------------------------------------------------------------------------------
-- Retries: lineage, manual marking, the SDK's heuristic, and functions over history
--
-- The event trigger (C++) fills the lineage of every retry on insert and, with the setting
-- dexcost.enable_retry_heuristics on, flags an llm_call that closely follows a transient
-- failure of the same task and model (one index probe per llm_call). The rule lives in
-- src/core/retry.cpp; docs/retries.md explains it.
------------------------------------------------------------------------------------------

ALTER TABLE @extschema@.cost_event
    ADD COLUMN retry_root_id    uuid,
    ADD COLUMN retry_attempt    integer,
    ADD COLUMN retry_confidence double precision,
    ADD COLUMN retry_detection  text,
    ADD CONSTRAINT cost_event_retry_attempt_check CHECK (retry_attempt >= 2),
    ADD CONSTRAINT cost_event_retry_confidence_check CHECK (retry_confidence >= 0 AND retry_confidence <= 1),
    ADD CONSTRAINT cost_event_retry_detection_check
        CHECK (retry_detection IN ('declared', 'manual', 'heuristic', 'dismissed'));
COMMENT ON COLUMN @extschema@.cost_event.retry_root_id IS
  'For a retry: event_id of the first attempt of its chain (the original operation).';
COMMENT ON COLUMN @extschema@.cost_event.retry_attempt IS
  'For a retry: its attempt number in the chain (2 for a direct retry of the original, 3 for a retry of that retry, ...).';
COMMENT ON COLUMN @extschema@.cost_event.retry_confidence IS
  'How sure the retry flag is: 1 when declared or marked, the heuristic''s confidence (0 to 1) when detected.';
COMMENT ON COLUMN @extschema@.cost_event.retry_detection IS
  'How the event became a retry: declared (sent as is_retry or retry_marker), manual (mark_retry), heuristic, or dismissed (mark_not_retry cleared it). NULL: not a retry, or recorded before dexcost 0.2.';

CREATE INDEX cost_event_retry_root_idx ON @extschema@.cost_event (customer_id, retry_root_id)
  WHERE retry_root_id IS NOT NULL;

CREATE FUNCTION @extschema@.mark_retry(task_id uuid, reason text, cost_usd numeric DEFAULT 0, retry_of uuid DEFAULT NULL,
                                       retry_type text DEFAULT NULL, customer_id text DEFAULT NULL)
  RETURNS @extschema@.cost_event
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    original @extschema@.cost_event;
    marker   @extschema@.cost_event;
BEGIN
    IF task_id IS NULL OR reason IS NULL OR pg_catalog.btrim(reason) = '' THEN
        RAISE EXCEPTION 'mark_retry needs a task_id and a reason'
          USING ERRCODE = 'null_value_not_allowed',
                HINT = 'Say why the work was repeated: rate_limit, timeout, 5xx, parse_error, user_regeneration, ...';
    END IF;
    IF mark_retry.cost_usd < 0 THEN
        RAISE EXCEPTION 'retry cost % is negative', mark_retry.cost_usd
          USING ERRCODE = 'check_violation', HINT = 'Give what the retry cost in USD, 0 or more (default 0).';
    END IF;
    IF mark_retry.retry_type IS NOT NULL AND mark_retry.retry_type NOT IN
           ('provider_retry', 'application_retry', 'validation_retry', 'user_regeneration') THEN
        RAISE EXCEPTION 'invalid retry_type "%"', mark_retry.retry_type
          USING ERRCODE = 'invalid_text_representation',
                HINT = 'Use provider_retry, application_retry, validation_retry or user_regeneration, or leave it out to derive it from the reason.';
    END IF;
    IF mark_retry.retry_of IS NOT NULL THEN
        SELECT e.* INTO original FROM @extschema@.cost_event AS e
         WHERE e.event_id = mark_retry.retry_of AND e.task_id = mark_retry.task_id
           AND (mark_retry.customer_id IS NULL OR e.customer_id = mark_retry.customer_id);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'event % of task % does not exist', mark_retry.retry_of, mark_retry.task_id
              USING ERRCODE = 'foreign_key_violation',
                    HINT = 'retry_of names the attempt that is repeated: an event of the same task.';
        END IF;
    END IF;
    INSERT INTO @extschema@.cost_event AS e
           (customer_id, task_id, event_type, provider, model, cost_usd, cost_confidence, pricing_source,
            is_retry, retry_reason, retry_of, retry_type, retry_confidence, retry_detection)
    VALUES (COALESCE(mark_retry.customer_id, original.customer_id), mark_retry.task_id, 'retry_marker',
            original.provider, original.model, COALESCE(mark_retry.cost_usd, 0), 'exact', 'mark_retry',
            true, reason, mark_retry.retry_of, mark_retry.retry_type, 1, 'manual')
    RETURNING e.* INTO marker;
    RETURN marker;
END
$$;
COMMENT ON FUNCTION @extschema@.mark_retry(uuid, text, numeric, uuid, text, text) IS
  'Records a retry of a task by hand: a retry_marker event (cost exact, default 0; detection manual, confidence 1) with the reason, the attempt it repeats and its lineage; the retry type follows from the reason unless given. Returns the event.';

CREATE FUNCTION @extschema@.mark_not_retry(event_id uuid DEFAULT NULL, task_id uuid DEFAULT NULL,
                                           customer_id text DEFAULT NULL)
  RETURNS @extschema@.cost_event
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target @extschema@.cost_event;
    n      bigint;
BEGIN
    IF mark_not_retry.event_id IS NULL AND mark_not_retry.task_id IS NULL THEN
        RAISE EXCEPTION 'mark_not_retry needs an event_id or a task_id'
          USING ERRCODE = 'null_value_not_allowed',
                HINT = 'Give the event to clear, or task_id => ... to clear the task''s most recent retry.';
    END IF;
    SELECT e.* INTO target FROM @extschema@.cost_event AS e
     WHERE (mark_not_retry.event_id IS NULL OR e.event_id = mark_not_retry.event_id)
       AND (mark_not_retry.task_id IS NULL OR e.task_id = mark_not_retry.task_id)
       AND (mark_not_retry.customer_id IS NULL OR e.customer_id = mark_not_retry.customer_id)
       AND (e.is_retry OR e.event_type = 'retry_marker')
       AND e.retry_detection IS DISTINCT FROM 'dismissed'
     ORDER BY e.occurred_at DESC, e.recorded_at DESC
     LIMIT 1
     FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no retry to clear for %',
              COALESCE('event ' || mark_not_retry.event_id::text, 'task ' || mark_not_retry.task_id::text)
          USING ERRCODE = 'no_data_found',
                HINT = 'Only events counted as retries (is_retry, or a retry_marker) can be cleared.';
    END IF;
    IF mark_not_retry.event_id IS NOT NULL AND mark_not_retry.customer_id IS NULL THEN
        SELECT pg_catalog.count(*) INTO n FROM @extschema@.cost_event AS e
         WHERE e.event_id = mark_not_retry.event_id AND (e.is_retry OR e.event_type = 'retry_marker');
        IF n > 1 THEN
            RAISE EXCEPTION 'event % exists for several customers', mark_not_retry.event_id
              USING ERRCODE = 'cardinality_violation', HINT = 'Give customer_id => ... to say which is meant.';
        END IF;
    END IF;
    UPDATE @extschema@.cost_event AS e
       SET is_retry = false, retry_detection = 'dismissed', retry_confidence = NULL,
           retry_root_id = NULL, retry_attempt = NULL
     WHERE e.customer_id = target.customer_id AND e.event_id = target.event_id
    RETURNING e.* INTO target;
    RETURN target;
END
$$;
COMMENT ON FUNCTION @extschema@.mark_not_retry(uuid, uuid, text) IS
  'Clears a false positive: the event (or, given task_id only, the task''s most recent retry) no longer counts as a retry (detection dismissed; its reason and the attempt it named stay for the record), and the roll-ups follow. Returns the event.';

CREATE FUNCTION @extschema@.retry_confidence(occurred_at timestamptz, event_type text, model text, error_type text)
  RETURNS double precision
  LANGUAGE C STABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_retry_confidence_win';
COMMENT ON FUNCTION @extschema@.retry_confidence(timestamptz, text, text, text) IS
  'Window function: OVER (PARTITION BY customer_id, task_id ORDER BY occurred_at), the retry heuristic''s confidence that an llm_call retries the previous llm_call of its model (0 when it does not; NULL for other event types), with the window of dexcost.retry_window.';
CREATE FUNCTION @extschema@.retry_confidence(occurred_at timestamptz, event_type text, model text, error_type text,
                                             retry_window interval)
  RETURNS double precision
  LANGUAGE C STABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_retry_confidence_win';
COMMENT ON FUNCTION @extschema@.retry_confidence(timestamptz, text, text, text, interval) IS
  'Window function: as retry_confidence(occurred_at, event_type, model, error_type) with the given window.';
CREATE FUNCTION @extschema@.retry_candidate(event_id uuid, occurred_at timestamptz, event_type text, model text,
                                            error_type text)
  RETURNS uuid
  LANGUAGE C STABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_retry_candidate_win';
COMMENT ON FUNCTION @extschema@.retry_candidate(uuid, timestamptz, text, text, text) IS
  'Window function: OVER (PARTITION BY customer_id, task_id ORDER BY occurred_at), the event_id of the attempt an llm_call may retry (the previous llm_call of its model, when its confidence is above 0), else NULL.';
CREATE FUNCTION @extschema@.retry_candidate(event_id uuid, occurred_at timestamptz, event_type text, model text,
                                            error_type text, retry_window interval)
  RETURNS uuid
  LANGUAGE C STABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_retry_candidate_win';
COMMENT ON FUNCTION @extschema@.retry_candidate(uuid, timestamptz, text, text, text, interval) IS
  'Window function: as retry_candidate(event_id, occurred_at, event_type, model, error_type) with the given window.';

CREATE FUNCTION @extschema@.detect_retries(since timestamptz, until timestamptz, retry_window interval DEFAULT NULL,
                                           threshold double precision DEFAULT NULL)
  RETURNS TABLE (customer_id text, task_id uuid, event_id uuid, occurred_at timestamptz, model text, retry_of uuid,
                 retry_of_error_type text, gap_seconds double precision, confidence double precision,
                 cost_usd numeric, status text)
  LANGUAGE C STABLE PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'dexcost_detect_retries';
COMMENT ON FUNCTION @extschema@.detect_retries(timestamptz, timestamptz, interval, double precision) IS
  'The llm_calls in [since, until) that the retry heuristic flags (window and threshold default to dexcost.retry_window and dexcost.retry_threshold), each with the attempt it retries, that attempt''s error, the gap, the confidence, its cost, and its status: new, flagged (already a retry) or dismissed. Changes nothing; see backfill_retries().';

CREATE FUNCTION @extschema@.backfill_retries(since timestamptz, until timestamptz, retry_window interval DEFAULT NULL,
                                             threshold double precision DEFAULT NULL)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f       record;
    flagged bigint := 0;
BEGIN
    -- In time order, so a chain's earlier retries carry their lineage before later ones copy it.
    FOR f IN SELECT d.* FROM @extschema@.detect_retries(since, until, retry_window, threshold) AS d
              WHERE d.status = 'new' ORDER BY d.occurred_at, d.event_id LOOP
        UPDATE @extschema@.cost_event AS e
           SET is_retry = true, retry_of = f.retry_of, retry_reason = 'heuristic', retry_type = 'provider_retry',
               retry_confidence = f.confidence, retry_detection = 'heuristic',
               retry_root_id = COALESCE(c.retry_root_id, c.event_id), retry_attempt = COALESCE(c.retry_attempt, 1) + 1
          FROM @extschema@.cost_event AS c
         WHERE e.customer_id = f.customer_id AND e.event_id = f.event_id
           AND c.customer_id = f.customer_id AND c.event_id = f.retry_of;
        flagged := flagged + 1;
    END LOOP;
    RETURN flagged;
END
$$;
COMMENT ON FUNCTION @extschema@.backfill_retries(timestamptz, timestamptz, interval, double precision) IS
  'Flags, as the heuristic would have on insert, every llm_call that detect_retries() reports as new for the range; the roll-ups follow. Returns how many were flagged.';

CREATE VIEW @extschema@.retry_chain AS
  SELECT e.customer_id, t.task_id, t.task_type, e.retry_root_id AS root_event_id,
         pg_catalog.max(e.retry_attempt) AS attempts,
         pg_catalog.count(*) AS retries,
         COALESCE(pg_catalog.sum(e.cost_usd), 0) AS retry_cost_usd,
         pg_catalog.min(e.occurred_at) AS first_retry_at, pg_catalog.max(e.occurred_at) AS last_retry_at,
         pg_catalog.string_agg(DISTINCT e.retry_reason, ', ' ORDER BY e.retry_reason) AS reasons
    FROM @extschema@.cost_event AS e
    JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
   WHERE e.retry_root_id IS NOT NULL AND e.retry_detection IS DISTINCT FROM 'dismissed'
   GROUP BY e.customer_id, t.task_id, t.task_type, e.retry_root_id;
COMMENT ON VIEW @extschema@.retry_chain IS
  'One row per retry chain (an original operation and its retries): how many attempts it took and what the retries cost.';
COMMENT ON COLUMN @extschema@.retry_chain.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.retry_chain.task_id IS 'The task the chain ran in.';
COMMENT ON COLUMN @extschema@.retry_chain.task_type IS 'Its task type (workflow).';
COMMENT ON COLUMN @extschema@.retry_chain.root_event_id IS 'event_id of the original attempt.';
COMMENT ON COLUMN @extschema@.retry_chain.attempts IS 'Attempts in the chain, the original included (2: one retry).';
COMMENT ON COLUMN @extschema@.retry_chain.retries IS 'Retry events recorded in the chain.';
COMMENT ON COLUMN @extschema@.retry_chain.retry_cost_usd IS 'What the retries cost (the original attempt excluded).';
COMMENT ON COLUMN @extschema@.retry_chain.first_retry_at IS 'When the first retry happened.';
COMMENT ON COLUMN @extschema@.retry_chain.last_retry_at IS 'When the last retry happened.';
COMMENT ON COLUMN @extschema@.retry_chain.reasons IS 'The reasons given for the retries, comma-separated.';

CREATE FUNCTION @extschema@.retry_summary(since timestamptz, until timestamptz)
  RETURNS TABLE (task_type text, retry_type text, retry_reason text, retries bigint, retry_cost_usd numeric,
                 task_type_cost_usd numeric, share_of_task_type_cost numeric, share_of_total_cost numeric)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT @extschema@._check_range('since', retry_summary.since, 'until', retry_summary.until,
                                  'Give the time range to sum, such as now() - interval ''30 days'' and now().');
  WITH ev AS (
      SELECT t.task_type, e.cost_usd,
             (e.is_retry OR e.event_type = 'retry_marker') AND e.retry_detection IS DISTINCT FROM 'dismissed' AS counted,
             COALESCE(e.retry_type, 'application_retry') AS retry_type, COALESCE(e.retry_reason, '(none)') AS retry_reason
        FROM @extschema@.cost_event AS e
        JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
       WHERE e.occurred_at >= retry_summary.since AND e.occurred_at < retry_summary.until),
  by_type AS (SELECT ev.task_type, COALESCE(pg_catalog.sum(ev.cost_usd), 0) AS cost FROM ev GROUP BY ev.task_type),
  total AS (SELECT COALESCE(pg_catalog.sum(ev.cost_usd), 0) AS cost FROM ev)
  SELECT r.task_type, r.retry_type, r.retry_reason, pg_catalog.count(*),
         COALESCE(pg_catalog.sum(r.cost_usd), 0), b.cost,
         pg_catalog.round(COALESCE(pg_catalog.sum(r.cost_usd), 0) / NULLIF(b.cost, 0), 6),
         pg_catalog.round(COALESCE(pg_catalog.sum(r.cost_usd), 0) / NULLIF((SELECT total.cost FROM total), 0), 6)
    FROM ev AS r JOIN by_type AS b ON b.task_type = r.task_type
   WHERE r.counted
   GROUP BY r.task_type, r.retry_type, r.retry_reason, b.cost
   ORDER BY 5 DESC, 1, 2, 3;
END;
COMMENT ON FUNCTION @extschema@.retry_summary(timestamptz, timestamptz) IS
  'Retry cost in [since, until) by task type, retry type and reason: how many retries, what they cost, and their share of the task type''s cost and of all cost.';
