
------------------------------------------------------------------------------------------
-- Budgets and guardrails (docs/budgets.md)
--
-- A budget caps the spend of one scope (customer, team, user, task type, project or the
-- whole workspace) per day or month of the workspace time zone, with a hard limit and soft
-- thresholds. Spend so far comes from dexcost.budget_spend: statement triggers on the ledger
-- append one row per budget and 15-minute bucket they touched (no row locks, as with the
-- roll-ups), dexcost.run_budget_checks() folds them. 15-minute UTC buckets line up with the
-- day and month boundaries of every time zone in use, so a new dexcost.timezone needs no
-- rebuild. Reservations (reserve_budget / settle_budget) lock the budget row, so concurrent
-- callers never reserve past the hard limit.
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.budget (
    budget_id   bigserial   NOT NULL,
    scope       text        NOT NULL,
    scope_id    text        NOT NULL,
    period      text        NOT NULL DEFAULT 'month',
    limit_usd   numeric     NOT NULL,
    thresholds  numeric[]   NOT NULL DEFAULT '{0.8}',
    name        text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT budget_pkey PRIMARY KEY (budget_id),
    CONSTRAINT budget_scope_key UNIQUE (scope, scope_id, period),
    CONSTRAINT budget_scope_check CHECK (scope IN ('customer', 'team', 'user', 'task_type', 'project', 'workspace')),
    CONSTRAINT budget_workspace_check CHECK ((scope = 'workspace') = (scope_id = '*')),
    CONSTRAINT budget_period_check CHECK (period IN ('day', 'month')),
    CONSTRAINT budget_limit_usd_check CHECK (limit_usd > 0 AND limit_usd < 1000000000000000),
    CONSTRAINT budget_thresholds_check
        CHECK (pg_catalog.array_ndims(thresholds) = 1 AND 0 < ALL (thresholds) AND 1 > ALL (thresholds)
               AND pg_catalog.array_position(thresholds, NULL) IS NULL)
);
COMMENT ON TABLE @extschema@.budget IS
  'Spend budgets: a hard limit per scope and day or month (workspace time zone), with soft alert thresholds. Status in dexcost.budget_status; apps ask dexcost.check_budget() or reserve_budget() before a call.';
COMMENT ON COLUMN @extschema@.budget.budget_id IS 'Identifier of the budget.';
COMMENT ON COLUMN @extschema@.budget.scope IS 'What is capped: customer, team, user, task_type, project (task attributes of the events) or workspace (everything).';
COMMENT ON COLUMN @extschema@.budget.scope_id IS 'The customer_id, team, user_id, task_type or project_id capped; * for the workspace.';
COMMENT ON COLUMN @extschema@.budget.period IS 'day or month, in the workspace time zone (dexcost.timezone()).';
COMMENT ON COLUMN @extschema@.budget.limit_usd IS 'Hard limit in USD per period: reserve_budget() refuses what would exceed it.';
COMMENT ON COLUMN @extschema@.budget.thresholds IS 'Soft thresholds as fractions of the limit (default {0.8}); each crossing is alerted once per period. The limit itself (1.0) is always alerted.';
COMMENT ON COLUMN @extschema@.budget.name IS 'Optional label.';
COMMENT ON COLUMN @extschema@.budget.created_at IS 'When the budget was created.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget_budget_id_seq', '');

CREATE TABLE @extschema@.budget_spend (
    budget_id bigint      NOT NULL REFERENCES @extschema@.budget (budget_id) ON DELETE CASCADE,
    bucket    timestamptz NOT NULL,
    spent_usd numeric     NOT NULL
);
CREATE INDEX budget_spend_idx ON @extschema@.budget_spend (budget_id, bucket) INCLUDE (spent_usd);
COMMENT ON TABLE @extschema@.budget_spend IS
  'Derived: known cost per budget and 15-minute UTC bucket over the last 62 days, appended by the ledger''s statement triggers and folded by dexcost.run_budget_checks(). Not dumped; rebuilt by dexcost.rebuild_budget_spend().';
COMMENT ON COLUMN @extschema@.budget_spend.budget_id IS 'The budget.';
COMMENT ON COLUMN @extschema@.budget_spend.bucket IS 'Start of the 15-minute UTC bucket the events occurred in.';
COMMENT ON COLUMN @extschema@.budget_spend.spent_usd IS 'Change of the bucket''s spend (negative after deletes and cheaper reprices).';

CREATE TABLE @extschema@.budget_reservation (
    reservation_id uuid        NOT NULL,
    budget_id      bigint      NOT NULL REFERENCES @extschema@.budget (budget_id) ON DELETE CASCADE,
    amount_usd     numeric     NOT NULL,
    reserved_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at     timestamptz NOT NULL,
    settled        boolean     NOT NULL DEFAULT false,
    reserved_by    name        NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT budget_reservation_pkey PRIMARY KEY (reservation_id, budget_id),
    CONSTRAINT budget_reservation_amount_check CHECK (amount_usd >= 0)
);
CREATE INDEX budget_reservation_budget_idx ON @extschema@.budget_reservation (budget_id, expires_at);
COMMENT ON TABLE @extschema@.budget_reservation IS
  'Spend reserved by dexcost.reserve_budget() and not yet settled or expired; it counts against the limit like spend.';
COMMENT ON COLUMN @extschema@.budget_reservation.reservation_id IS 'The reservation (one per reserve_budget() call, one row per budget it covers).';
COMMENT ON COLUMN @extschema@.budget_reservation.budget_id IS 'A budget it counts against.';
COMMENT ON COLUMN @extschema@.budget_reservation.amount_usd IS 'Reserved amount (after a settle with a hold: the real cost).';
COMMENT ON COLUMN @extschema@.budget_reservation.reserved_at IS 'When it was reserved.';
COMMENT ON COLUMN @extschema@.budget_reservation.expires_at IS 'When it stops counting (a stale reservation of a crashed caller frees itself).';
COMMENT ON COLUMN @extschema@.budget_reservation.settled IS 'Whether settle_budget() already replaced the estimate by the real cost (held until its event is ingested).';
COMMENT ON COLUMN @extschema@.budget_reservation.reserved_by IS 'Login that reserved it.';

CREATE TABLE @extschema@.budget_alert (
    budget_id    bigint      NOT NULL REFERENCES @extschema@.budget (budget_id) ON DELETE CASCADE,
    period_start timestamptz NOT NULL,
    threshold    numeric     NOT NULL,
    spent_usd    numeric     NOT NULL,
    limit_usd    numeric     NOT NULL,
    crossed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT budget_alert_pkey PRIMARY KEY (budget_id, period_start, threshold)
);
COMMENT ON TABLE @extschema@.budget_alert IS
  'Threshold crossings, recorded once per budget, period and threshold (the first crossing also sends pg_notify on channel dexcost_alerts).';
COMMENT ON COLUMN @extschema@.budget_alert.budget_id IS 'The budget.';
COMMENT ON COLUMN @extschema@.budget_alert.period_start IS 'Start of the period (day or month, workspace time zone) it was crossed in.';
COMMENT ON COLUMN @extschema@.budget_alert.threshold IS 'The threshold crossed, as a fraction of the limit (1 is the hard limit).';
COMMENT ON COLUMN @extschema@.budget_alert.spent_usd IS 'Spend of the period when the crossing was seen.';
COMMENT ON COLUMN @extschema@.budget_alert.limit_usd IS 'The limit at that moment.';
COMMENT ON COLUMN @extschema@.budget_alert.crossed_at IS 'When the crossing was seen.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget_alert', '');

------------------------------------------------------------------------------------------
-- Periods and spend
------------------------------------------------------------------------------------------

-- Start of the day or month that contains at, in the workspace time zone.
CREATE FUNCTION @extschema@.period_start(period text, at timestamptz) RETURNS timestamptz
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN pg_catalog.date_trunc(period, at, @extschema@.timezone());
COMMENT ON FUNCTION @extschema@.period_start(text, timestamptz) IS
  'Start of the day or month containing at, in the workspace time zone (dexcost.timezone()).';

-- End (exclusive) of the day or month that contains at, in the workspace time zone.
CREATE FUNCTION @extschema@.period_end(period text, at timestamptz) RETURNS timestamptz
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN (pg_catalog.timezone(@extschema@.timezone(), @extschema@.period_start(period, at))
          + CASE period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END)
         AT TIME ZONE @extschema@.timezone();
COMMENT ON FUNCTION @extschema@.period_end(text, timestamptz) IS
  'End (exclusive) of the day or month containing at, in the workspace time zone.';

-- The 15-minute UTC bucket of an instant.
CREATE FUNCTION @extschema@.spend_bucket(at timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN pg_catalog.date_bin(interval '15 minutes', at, timestamptz '2000-01-01 00:00:00+00');
COMMENT ON FUNCTION @extschema@.spend_bucket(timestamptz) IS
  'Internal: the 15-minute UTC bucket of dexcost.budget_spend an instant falls in.';

-- Spend of a budget between two instants (bucket starts), from the folded and pending rows.
CREATE FUNCTION @extschema@.budget_spent(budget_id bigint, from_at timestamptz, to_at timestamptz) RETURNS numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN (SELECT COALESCE(pg_catalog.sum(s.spent_usd), 0) FROM @extschema@.budget_spend AS s
           WHERE s.budget_id = budget_spent.budget_id AND s.bucket >= from_at AND s.bucket < to_at);
COMMENT ON FUNCTION @extschema@.budget_spent(bigint, timestamptz, timestamptz) IS
  'Known cost counted against a budget between two instants (15-minute resolution).';

-- Spend of a budget in its current period.
CREATE FUNCTION @extschema@.budget_spent_now(budget_id bigint) RETURNS numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN (SELECT @extschema@.budget_spent(b.budget_id, @extschema@.period_start(b.period, pg_catalog.now()),
                                          @extschema@.period_end(b.period, pg_catalog.now()))
            FROM @extschema@.budget AS b WHERE b.budget_id = budget_spent_now.budget_id);
COMMENT ON FUNCTION @extschema@.budget_spent_now(bigint) IS 'Known cost counted against a budget in its current period.';

-- Unexpired reservations of a budget.
CREATE FUNCTION @extschema@.budget_reserved(budget_id bigint) RETURNS numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  RETURN (SELECT COALESCE(pg_catalog.sum(r.amount_usd), 0) FROM @extschema@.budget_reservation AS r
           WHERE r.budget_id = budget_reserved.budget_id AND r.expires_at > pg_catalog.now());
COMMENT ON FUNCTION @extschema@.budget_reserved(bigint) IS 'Amount reserved against a budget and not yet settled or expired.';

-- Recomputes budget_spend from the ledger (all budgets, or the given ones), in one
-- statement: the rows removed are exactly those of the events read.
CREATE FUNCTION @extschema@.rebuild_budget_spend(budget_ids bigint[] DEFAULT NULL) RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    WITH removed AS (
        DELETE FROM @extschema@.budget_spend AS s
         WHERE budget_ids IS NULL OR s.budget_id = ANY (budget_ids)
        RETURNING 1
    ), recomputed AS (
        INSERT INTO @extschema@.budget_spend (budget_id, bucket, spent_usd)
        SELECT b.budget_id, @extschema@.spend_bucket(e.occurred_at), pg_catalog.sum(e.cost_usd)
          FROM @extschema@.cost_event AS e
          JOIN @extschema@.task AS t ON t.customer_id = e.customer_id AND t.task_id = e.task_id
          JOIN @extschema@.budget AS b
            ON b.scope_id = CASE b.scope WHEN 'customer' THEN t.customer_id WHEN 'team' THEN t.team
                                         WHEN 'user' THEN t.user_id WHEN 'task_type' THEN t.task_type
                                         WHEN 'project' THEN t.project_id ELSE '*' END
         WHERE e.occurred_at >= pg_catalog.now() - interval '62 days' AND e.cost_usd <> 0
           AND (budget_ids IS NULL OR b.budget_id = ANY (budget_ids))
         GROUP BY b.budget_id, @extschema@.spend_bucket(e.occurred_at)
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO n FROM recomputed;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION @extschema@.rebuild_budget_spend(bigint[]) IS
  'Recomputes the spend of all budgets (or of the given ones) over the last 62 days from the cost_event ledger. Runs by itself when a budget is created or re-scoped, when tasks are deleted or re-attributed.';

-- Records the thresholds each budget crossed in its current period (once per period and
-- threshold) and notifies channel dexcost_alerts of each new crossing.
CREATE FUNCTION @extschema@.record_budget_alerts(budget_ids bigint[] DEFAULT NULL) RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a record;
    n bigint := 0;
BEGIN
    FOR a IN
        WITH state AS (
            SELECT b.budget_id, b.scope, b.scope_id, b.period, b.limit_usd, b.thresholds,
                   @extschema@.period_start(b.period, pg_catalog.now()) AS period_start,
                   @extschema@.budget_spent_now(b.budget_id) AS spent
              FROM @extschema@.budget AS b
             WHERE budget_ids IS NULL OR b.budget_id = ANY (budget_ids)
        ), crossed AS (
            INSERT INTO @extschema@.budget_alert AS x (budget_id, period_start, threshold, spent_usd, limit_usd)
            SELECT s.budget_id, s.period_start, th.t, s.spent, s.limit_usd
              FROM state AS s
             CROSS JOIN LATERAL (SELECT pg_catalog.unnest(s.thresholds || 1::numeric)) AS th(t)
             WHERE s.spent >= th.t * s.limit_usd
             ORDER BY s.budget_id, th.t
            ON CONFLICT ON CONSTRAINT budget_alert_pkey DO NOTHING
            RETURNING x.*
        )
        SELECT c.*, s.scope, s.scope_id, s.period FROM crossed AS c JOIN state AS s USING (budget_id)
         ORDER BY c.budget_id, c.threshold
    LOOP
        PERFORM pg_catalog.pg_notify('dexcost_alerts', pg_catalog.json_build_object(
            'type', CASE WHEN a.threshold >= 1 THEN 'budget_limit_reached' ELSE 'budget_threshold_crossed' END,
            'budget_id', a.budget_id, 'scope', a.scope, 'scope_id', a.scope_id, 'period', a.period,
            'period_start', a.period_start, 'threshold', a.threshold, 'spent_usd', a.spent_usd,
            'limit_usd', a.limit_usd, 'crossed_at', a.crossed_at)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION @extschema@.record_budget_alerts(bigint[]) IS
  'Records each threshold (and the limit) a budget crossed in its current period into dexcost.budget_alert, once per period, and sends each new crossing as JSON with pg_notify(''dexcost_alerts'', ...). Returns the number of new crossings.';

------------------------------------------------------------------------------------------
-- Triggers that keep budget_spend equal to the ledger
------------------------------------------------------------------------------------------

-- Old rows subtract, new rows add; one row per budget and 15-minute bucket (an UPDATE drops
-- those that cancel out). C++ (src/pg_budget.cpp): one pass over the transition tables,
-- matched against the backend's copy of the budget scopes (with the statement's tasks read
-- once when a budget caps a team, user, task type or project), one append from an array. It writes
-- budget_spend as the owner of schema dexcost (an ingest role has no rights on it), like
-- daily_events_changed(): cheaper than SECURITY DEFINER, whose search_path save and restore
-- ran on every statement.
CREATE FUNCTION @extschema@.cost_event_budget() RETURNS trigger
  LANGUAGE c VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'dexcost_cost_event_budget';
COMMENT ON FUNCTION @extschema@.cost_event_budget() IS
  'Trigger (C++): appends what a cost_event statement changed to the spend of every matching budget, per 15-minute bucket; a delete of events whose task is gone recomputes with rebuild_budget_spend() (threshold crossings are recorded by run_budget_checks() and run_checks(), scheduled with pg_cron).';

-- Each backend keeps a copy of the budgets' scopes for the trigger above; this statement
-- trigger makes every backend reload it after budgets change.
CREATE FUNCTION @extschema@.budget_changed() RETURNS trigger
  LANGUAGE c VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'dexcost_budget_changed';
COMMENT ON FUNCTION @extschema@.budget_changed() IS
  'Trigger (C++): after budgets change, every backend reloads the copy of budget scopes that cost_event_budget() matches events against.';
CREATE TRIGGER budget_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.budget
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.budget_changed();

CREATE TRIGGER cost_event_budget_insert
  AFTER INSERT ON @extschema@.cost_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_budget();
CREATE TRIGGER cost_event_budget_update
  AFTER UPDATE ON @extschema@.cost_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_budget();
CREATE TRIGGER cost_event_budget_delete
  AFTER DELETE ON @extschema@.cost_event REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_budget();

CREATE FUNCTION @extschema@.budget_spend_reset() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'cost_event' THEN
        DELETE FROM @extschema@.budget_spend;           -- TRUNCATE of the ledger
    ELSIF TG_TABLE_NAME = 'task' THEN
        PERFORM @extschema@.rebuild_budget_spend();      -- a task changed team, user, project or type
    ELSE
        -- A budget was created or re-scoped: wait for ledger writes in flight, so that every
        -- event is counted either by this backfill or by its own statement trigger.
        LOCK TABLE @extschema@.cost_event IN SHARE MODE;
        PERFORM @extschema@.rebuild_budget_spend(ARRAY[NEW.budget_id]);
        PERFORM @extschema@.record_budget_alerts(ARRAY[NEW.budget_id]);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_spend_reset() IS
  'Trigger: recomputes budget spend when a budget is created or re-scoped, when a task is re-attributed, and empties it on TRUNCATE of the ledger.';

CREATE TRIGGER cost_event_budget_truncate
  AFTER TRUNCATE ON @extschema@.cost_event
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.budget_spend_reset();
CREATE TRIGGER task_budget_reattribute
  AFTER UPDATE OF team, user_id, project_id, task_type ON @extschema@.task
  FOR EACH ROW WHEN ((OLD.team, OLD.user_id, OLD.project_id, OLD.task_type)
                     IS DISTINCT FROM (NEW.team, NEW.user_id, NEW.project_id, NEW.task_type))
  EXECUTE FUNCTION @extschema@.budget_spend_reset();
CREATE TRIGGER budget_backfill
  AFTER INSERT OR UPDATE OF scope, scope_id ON @extschema@.budget
  FOR EACH ROW EXECUTE FUNCTION @extschema@.budget_spend_reset();

------------------------------------------------------------------------------------------
-- Asking before a call: check_budget, reserve_budget, settle_budget
------------------------------------------------------------------------------------------

-- Refuses an unknown scope or a bad estimate.
CREATE FUNCTION @extschema@.check_budget_args(scope text, estimated_cost_usd numeric) RETURNS void
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF scope IS NULL OR scope NOT IN ('customer', 'team', 'user', 'task_type', 'project', 'workspace') THEN
        RAISE EXCEPTION 'unknown budget scope "%"', scope
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Use customer, team, user, task_type, project or workspace.';
    END IF;
    IF estimated_cost_usd IS NULL OR estimated_cost_usd < 0 OR estimated_cost_usd = 'NaN'::numeric
       OR estimated_cost_usd = 'Infinity'::numeric THEN
        RAISE EXCEPTION 'invalid estimated cost "%": it must be a finite amount of at least 0 USD',
                COALESCE(estimated_cost_usd::text, 'NULL')
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Pass your estimate of the call''s cost in USD (0 just asks whether the budget is exhausted).';
    END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_budget_args(text, numeric) IS 'Internal: checks the arguments of check_budget() and reserve_budget().';

CREATE FUNCTION @extschema@.check_budget(scope text, scope_id text, estimated_cost_usd numeric,
    OUT allowed boolean, OUT budget_id bigint, OUT period text, OUT limit_usd numeric, OUT spent_usd numeric,
    OUT reserved_usd numeric, OUT remaining_usd numeric)
  RETURNS record
  LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.check_budget_args(scope, estimated_cost_usd);
    allowed := true;
    -- The tightest of the budgets of this scope (a day and a month budget may both apply).
    SELECT b.budget_id, b.period, b.limit_usd, s.spent, s.reserved, b.limit_usd - s.spent - s.reserved
      INTO budget_id, period, limit_usd, spent_usd, reserved_usd, remaining_usd
      FROM @extschema@.budget AS b
     CROSS JOIN LATERAL (SELECT @extschema@.budget_spent_now(b.budget_id) AS spent,
                                @extschema@.budget_reserved(b.budget_id) AS reserved) AS s
     WHERE b.scope = check_budget.scope AND b.scope_id = check_budget.scope_id
     ORDER BY b.limit_usd - s.spent - s.reserved, b.budget_id
     LIMIT 1;
    IF FOUND THEN
        allowed := estimated_cost_usd <= remaining_usd;
    END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_budget(text, text, numeric) IS
  'Asks whether a call estimated at estimated_cost_usd fits the budgets of a scope (customer, team, user, task_type, project or workspace with id *), counting spend so far and open reservations. Answers for the tightest budget; allowed with NULL figures when the scope has no budget. Reserves nothing: use reserve_budget() when concurrent callers must not overshoot.';

CREATE FUNCTION @extschema@.reserve_budget(scope text, scope_id text, estimated_cost_usd numeric,
    ttl interval DEFAULT interval '15 minutes',
    OUT allowed boolean, OUT reservation_id uuid, OUT budget_id bigint, OUT remaining_usd numeric)
  RETURNS record
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b record;
    ids bigint[];
    left_usd numeric;
BEGIN
    PERFORM @extschema@.check_budget_args(scope, estimated_cost_usd);
    IF ttl IS NULL OR ttl <= interval '0' THEN
        RAISE EXCEPTION 'invalid reservation ttl "%": it must be positive', COALESCE(ttl::text, 'NULL')
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Give how long the call may take, e.g. interval ''5 minutes''.';
    END IF;
    IF ttl > interval '1 day' THEN  -- a longer one would hold the budget for nothing (or past the end of time)
        RAISE EXCEPTION 'invalid reservation ttl "%": it must be at most 1 day', ttl
          USING ERRCODE = 'invalid_parameter_value', DETAIL = 'An unsettled reservation counts against the budget until its ttl ends.',
                HINT = 'Give how long the call may take, e.g. interval ''5 minutes''.';
    END IF;
    allowed := true;
    -- Row locks on the budgets serialise reservations of a scope; each decides on what the
    -- previous one committed (a new snapshot per statement).
    SELECT pg_catalog.array_agg(x.budget_id ORDER BY x.budget_id) INTO ids
      FROM (SELECT k.budget_id FROM @extschema@.budget AS k
             WHERE k.scope = reserve_budget.scope AND k.scope_id = reserve_budget.scope_id
             ORDER BY k.budget_id FOR UPDATE) AS x;
    IF ids IS NULL THEN
        RETURN;                                  -- no budget: nothing to reserve against
    END IF;
    DELETE FROM @extschema@.budget_reservation AS r WHERE r.budget_id = ANY (ids) AND r.expires_at <= pg_catalog.now();
    FOR b IN SELECT k.budget_id, k.limit_usd FROM @extschema@.budget AS k WHERE k.budget_id = ANY (ids) ORDER BY k.budget_id
    LOOP
        left_usd := b.limit_usd - @extschema@.budget_spent_now(b.budget_id) - @extschema@.budget_reserved(b.budget_id);
        IF remaining_usd IS NULL OR left_usd < remaining_usd THEN
            remaining_usd := left_usd;
            budget_id := b.budget_id;
        END IF;
    END LOOP;
    IF estimated_cost_usd > remaining_usd THEN
        allowed := false;
        RETURN;
    END IF;
    reservation_id := pg_catalog.gen_random_uuid();
    INSERT INTO @extschema@.budget_reservation (reservation_id, budget_id, amount_usd, expires_at)
    SELECT reserve_budget.reservation_id, i, estimated_cost_usd, pg_catalog.now() + ttl FROM pg_catalog.unnest(ids) AS i;
    remaining_usd := remaining_usd - estimated_cost_usd;
END;
$$;
COMMENT ON FUNCTION @extschema@.reserve_budget(text, text, numeric, interval) IS
  'Reserves estimated_cost_usd against every budget of a scope if all of them can take it (allowed) and returns the reservation; concurrent callers wait for each other, so reservations never exceed a hard limit. Settle it with settle_budget(); an unsettled reservation frees itself after ttl.';

CREATE FUNCTION @extschema@.settle_budget(reservation_id uuid, actual_cost_usd numeric,
    hold interval DEFAULT interval '0')
  RETURNS numeric
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    reserved numeric;
BEGIN
    IF actual_cost_usd IS NULL OR actual_cost_usd < 0 OR actual_cost_usd = 'NaN'::numeric
       OR actual_cost_usd = 'Infinity'::numeric THEN
        RAISE EXCEPTION 'invalid actual cost "%": it must be a finite amount of at least 0 USD',
                COALESCE(actual_cost_usd::text, 'NULL')
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the real cost of the call in USD.';
    END IF;
    IF hold IS NULL OR hold < interval '0' THEN
        RAISE EXCEPTION 'invalid hold "%": it must be zero or positive', COALESCE(hold::text, 'NULL')
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Use 0 when the event is inserted in the same transaction, or how long your ingest lags.';
    END IF;
    IF hold > interval '1 day' THEN
        RAISE EXCEPTION 'invalid hold "%": it must be at most 1 day', hold
          USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A held amount counts against the budget until the hold ends.',
                HINT = 'Use 0 when the event is inserted in the same transaction, or how long your ingest lags.';
    END IF;
    SELECT pg_catalog.max(r.amount_usd) INTO reserved FROM @extschema@.budget_reservation AS r
     WHERE r.reservation_id = settle_budget.reservation_id AND NOT r.settled AND r.expires_at > pg_catalog.now();
    IF hold = interval '0' THEN
        DELETE FROM @extschema@.budget_reservation AS r WHERE r.reservation_id = settle_budget.reservation_id;
    ELSE
        UPDATE @extschema@.budget_reservation AS r
           SET amount_usd = actual_cost_usd, settled = true, expires_at = pg_catalog.now() + hold
         WHERE r.reservation_id = settle_budget.reservation_id AND NOT r.settled;
    END IF;
    RETURN reserved;
END;
$$;
COMMENT ON FUNCTION @extschema@.settle_budget(uuid, numeric, interval) IS
  'Settles a reservation with the real cost: with hold 0 (insert the cost event in the same transaction) the reservation goes; with a hold it counts actual_cost_usd for that long, covering asynchronous ingest. Returns the amount that was reserved, or NULL when the reservation had already expired or been settled.';

------------------------------------------------------------------------------------------
-- Status, projection and the scheduled check
------------------------------------------------------------------------------------------

-- Projected spend at the end of the period. linear: spend so far / elapsed time x period
-- length. weekday: spend so far + for the rest of the period, each day's weekday run rate
-- (mean spend of that weekday over the 28 complete days before today; today's for the part
-- of today still to come); NULL without spend in those 28 days.
CREATE FUNCTION @extschema@.budget_projection(budget_id bigint, OUT linear_usd numeric, OUT weekday_usd numeric)
  RETURNS record
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b record;
    tz text := @extschema@.timezone();
    now_at timestamptz := pg_catalog.now();
    p_start timestamptz;
    p_end timestamptz;
    today timestamptz := @extschema@.period_start('day', pg_catalog.now());
    spent numeric;
    rate numeric[];
    d timestamptz;
    history numeric;
BEGIN
    SELECT k.* INTO b FROM @extschema@.budget AS k WHERE k.budget_id = budget_projection.budget_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    p_start := @extschema@.period_start(b.period, now_at);
    p_end := @extschema@.period_end(b.period, now_at);
    spent := @extschema@.budget_spent(b.budget_id, p_start, p_end);
    linear_usd := pg_catalog.round(spent * (EXTRACT(epoch FROM p_end - p_start)
                                            / GREATEST(EXTRACT(epoch FROM now_at - p_start), 1)), 6);
    -- Mean spend per ISO weekday (1 = Monday) over the 28 days before today.
    SELECT pg_catalog.array_agg(COALESCE(w.total, 0) / 4 ORDER BY g.dow), pg_catalog.sum(w.total)
      INTO rate, history
      FROM pg_catalog.generate_series(1, 7) AS g(dow)
      LEFT JOIN (SELECT EXTRACT(isodow FROM pg_catalog.timezone(tz, s.bucket))::integer AS dow,
                        pg_catalog.sum(s.spent_usd) AS total
                   FROM @extschema@.budget_spend AS s
                  WHERE s.budget_id = b.budget_id
                    AND s.bucket >= (pg_catalog.timezone(tz, today) - interval '28 days') AT TIME ZONE tz
                    AND s.bucket < today
                  GROUP BY 1) AS w ON w.dow = g.dow;
    IF COALESCE(history, 0) = 0 THEN
        RETURN;
    END IF;
    weekday_usd := spent;
    d := today;
    WHILE d < p_end LOOP
        weekday_usd := weekday_usd + rate[EXTRACT(isodow FROM pg_catalog.timezone(tz, d))::integer]
                       * CASE WHEN d = today
                              THEN EXTRACT(epoch FROM @extschema@.period_end('day', now_at) - now_at)
                                   / EXTRACT(epoch FROM @extschema@.period_end('day', now_at) - today)
                              ELSE 1 END;
        d := (pg_catalog.timezone(tz, d) + interval '1 day') AT TIME ZONE tz;
    END LOOP;
    weekday_usd := pg_catalog.round(weekday_usd, 6);
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_projection(bigint) IS
  'Projected spend of a budget at the end of its current period: linear on elapsed time, and weekday-aware (spend so far plus the mean spend of each remaining day''s weekday over the trailing 28 days; NULL without history). Formulas in docs/budgets.md.';

CREATE VIEW @extschema@.budget_status WITH (security_invoker = true) AS
SELECT b.budget_id, b.name, b.scope, b.scope_id, b.period,
       (pg_catalog.timezone(@extschema@.timezone(), x.period_start))::date AS day,
       x.period_start, x.period_end,
       pg_catalog.round(b.limit_usd, 6) AS limit_usd,
       pg_catalog.round(x.spent, 6) AS spent_usd,
       pg_catalog.round(x.reserved, 6) AS reserved_usd,
       pg_catalog.round(b.limit_usd - x.spent - x.reserved, 6) AS remaining_usd,
       pg_catalog.round(100 * x.spent / b.limit_usd, 2) AS used_pct,
       p.linear_usd AS projected_linear_usd,
       p.weekday_usd AS projected_weekday_usd,
       (SELECT pg_catalog.string_agg(pg_catalog.round(100 * t)::text || '%', ',' ORDER BY t)
          FROM pg_catalog.unnest(b.thresholds || 1::numeric) AS t WHERE x.spent >= t * b.limit_usd) AS thresholds_crossed,
       CASE WHEN x.spent >= b.limit_usd THEN 'over_limit'
            WHEN x.spent >= (SELECT pg_catalog.min(t) FROM pg_catalog.unnest(b.thresholds) AS t) * b.limit_usd THEN 'warning'
            ELSE 'ok' END AS status
  FROM @extschema@.budget AS b
 CROSS JOIN LATERAL (SELECT @extschema@.period_start(b.period, pg_catalog.now()) AS period_start,
                            @extschema@.period_end(b.period, pg_catalog.now()) AS period_end,
                            @extschema@.budget_spent_now(b.budget_id) AS spent,
                            @extschema@.budget_reserved(b.budget_id) AS reserved) AS x
 CROSS JOIN LATERAL @extschema@.budget_projection(b.budget_id) AS p;
COMMENT ON VIEW @extschema@.budget_status IS
  'Every budget in its current period: spend so far, reservations, % used, projected end-of-period spend (linear and weekday-aware) and the thresholds crossed.';
COMMENT ON COLUMN @extschema@.budget_status.budget_id IS 'The budget.';
COMMENT ON COLUMN @extschema@.budget_status.name IS 'Its label.';
COMMENT ON COLUMN @extschema@.budget_status.scope IS 'customer, team, user, task_type, project or workspace.';
COMMENT ON COLUMN @extschema@.budget_status.scope_id IS 'Which customer, team, user, task type or project (* for the workspace).';
COMMENT ON COLUMN @extschema@.budget_status.period IS 'day or month.';
COMMENT ON COLUMN @extschema@.budget_status.day IS 'First day of the current period (workspace time zone).';
COMMENT ON COLUMN @extschema@.budget_status.period_start IS 'Start of the current period.';
COMMENT ON COLUMN @extschema@.budget_status.period_end IS 'End (exclusive) of the current period.';
COMMENT ON COLUMN @extschema@.budget_status.limit_usd IS 'Hard limit per period.';
COMMENT ON COLUMN @extschema@.budget_status.spent_usd IS 'Known cost so far in the period.';
COMMENT ON COLUMN @extschema@.budget_status.reserved_usd IS 'Open reservations.';
COMMENT ON COLUMN @extschema@.budget_status.remaining_usd IS 'Limit minus spend minus reservations (negative when over).';
COMMENT ON COLUMN @extschema@.budget_status.used_pct IS 'Spend as a percentage of the limit.';
COMMENT ON COLUMN @extschema@.budget_status.projected_linear_usd IS 'Spend at the end of the period if it continues at the average rate so far.';
COMMENT ON COLUMN @extschema@.budget_status.projected_weekday_usd IS 'Spend so far plus each remaining day at its weekday''s mean over the trailing 28 days (NULL without history).';
COMMENT ON COLUMN @extschema@.budget_status.thresholds_crossed IS 'Thresholds reached, e.g. 80%,100% (NULL: none).';
COMMENT ON COLUMN @extschema@.budget_status.status IS 'ok, warning (a soft threshold reached) or over_limit.';

CREATE FUNCTION @extschema@.run_budget_checks() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    expired bigint;
    folded bigint := 0;
    alerts bigint;
BEGIN
    DELETE FROM @extschema@.budget_reservation AS r WHERE r.expires_at <= pg_catalog.now();
    GET DIAGNOSTICS expired = ROW_COUNT;
    -- Fold: one row per budget and bucket, nothing older than 62 days (a second run waits).
    IF pg_catalog.pg_try_advisory_xact_lock(1684371555, 2) THEN
        WITH taken AS (
            DELETE FROM @extschema@.budget_spend RETURNING budget_id, bucket, spent_usd
        ), merged AS (
            INSERT INTO @extschema@.budget_spend (budget_id, bucket, spent_usd)
            SELECT t.budget_id, t.bucket, pg_catalog.sum(t.spent_usd) FROM taken AS t
             WHERE t.bucket >= pg_catalog.now() - interval '62 days'
             GROUP BY t.budget_id, t.bucket
            HAVING pg_catalog.sum(t.spent_usd) <> 0
            RETURNING 1
        )
        SELECT (SELECT pg_catalog.count(*) FROM taken) - (SELECT pg_catalog.count(*) FROM merged) INTO folded;
    END IF;
    alerts := @extschema@.record_budget_alerts();
    RETURN pg_catalog.jsonb_build_object('reservations_expired', expired, 'spend_rows_folded', folded,
                                         'new_alerts', alerts);
END;
$$;
COMMENT ON FUNCTION @extschema@.run_budget_checks() IS
  'Scheduled budget upkeep (pg_cron, every minute): drops expired reservations, folds dexcost.budget_spend, and records threshold crossings not seen yet (after a limit was lowered, say).';

------------------------------------------------------------------------------------------
-- Privileges (docs/roles.md)
------------------------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION @extschema@.period_start(text, timestamptz), @extschema@.period_end(text, timestamptz),
    @extschema@.budget_spent(bigint, timestamptz, timestamptz), @extschema@.budget_spent_now(bigint),
    @extschema@.budget_reserved(bigint),
    @extschema@.rebuild_budget_spend(bigint[]), @extschema@.record_budget_alerts(bigint[]),
    @extschema@.cost_event_budget(), @extschema@.budget_changed(), @extschema@.budget_spend_reset(),
    @extschema@.check_budget(text, text, numeric), @extschema@.reserve_budget(text, text, numeric, interval),
    @extschema@.settle_budget(uuid, numeric, interval), @extschema@.budget_projection(bigint),
    @extschema@.run_budget_checks()
  FROM PUBLIC;

GRANT SELECT ON @extschema@.budget, @extschema@.budget_spend, @extschema@.budget_reservation, @extschema@.budget_alert,
                @extschema@.budget_status TO dexcost_viewer;
GRANT EXECUTE ON FUNCTION @extschema@.period_start(text, timestamptz), @extschema@.period_end(text, timestamptz),
    @extschema@.budget_spent(bigint, timestamptz, timestamptz), @extschema@.budget_spent_now(bigint),
    @extschema@.budget_reserved(bigint), @extschema@.budget_projection(bigint) TO dexcost_viewer;
GRANT INSERT, UPDATE, DELETE ON @extschema@.budget TO dexcost_finops;
GRANT USAGE ON SEQUENCE @extschema@.budget_budget_id_seq TO dexcost_finops;
GRANT DELETE ON @extschema@.budget_reservation, @extschema@.budget_alert TO dexcost_finops;
GRANT EXECUTE ON FUNCTION @extschema@.check_budget(text, text, numeric), @extschema@.reserve_budget(text, text, numeric, interval),
    @extschema@.settle_budget(uuid, numeric, interval) TO dexcost_writer, dexcost_finops;
GRANT EXECUTE ON FUNCTION @extschema@.rebuild_budget_spend(bigint[]), @extschema@.record_budget_alerts(bigint[]),
    @extschema@.run_budget_checks()
  TO dexcost_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.budget_spend, @extschema@.budget_reservation, @extschema@.budget_alert
  TO dexcost_admin;
