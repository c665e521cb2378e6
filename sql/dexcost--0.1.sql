-- dexcost 0.1: tasks, cost events, the price catalogue and cost computation.
--
-- Every reference is schema-qualified and the script runs with a search_path that holds
-- nothing a user can create objects in (PostgreSQL's guidance for extension scripts).

\echo Use "CREATE EXTENSION dexcost CASCADE" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

COMMENT ON SCHEMA @extschema@ IS
  'dexcost: the system of record for what AI agents cost (tasks, cost events, prices, roll-ups).';

------------------------------------------------------------------------------------------
-- Vocabulary helpers
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.unattributed_customer() RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN '(unattributed)';
COMMENT ON FUNCTION @extschema@.unattributed_customer() IS
  'The customer_id given to a root task that names no customer, so its cost stays visible in every report.';

------------------------------------------------------------------------------------------
-- Tasks
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.task (
    task_id        uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    customer_id    text        NOT NULL,
    task_type      text        NOT NULL,
    parent_task_id uuid,
    root_task_id   uuid        NOT NULL,
    ancestor_ids   uuid[]      NOT NULL DEFAULT '{}',
    status         text        NOT NULL DEFAULT 'pending',
    accepted       boolean,
    project_id     text,
    team           text,
    user_id        text,
    environment    text,
    request_path   text,
    product_id     text,
    agent_id       text,
    agent_version  text,
    workflow_id    text,
    workflow_session_id text,
    experiment_id  text,
    variant        text,
    started_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ended_at       timestamptz,
    metadata       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT task_pkey PRIMARY KEY (customer_id, task_id),
    CONSTRAINT task_parent_fkey FOREIGN KEY (customer_id, parent_task_id)
        REFERENCES @extschema@.task (customer_id, task_id) ON DELETE CASCADE,
    CONSTRAINT task_status_check CHECK (status IN ('pending', 'success', 'failed')),
    CONSTRAINT task_request_path_check CHECK (request_path IN ('live', 'batch')),
    CONSTRAINT task_type_check CHECK (task_type <> '' AND pg_catalog.length(task_type) <= 256),
    CONSTRAINT task_customer_id_check CHECK (customer_id <> ''),
    CONSTRAINT task_not_own_parent_check CHECK (parent_task_id <> task_id),
    CONSTRAINT task_ended_at_check CHECK (ended_at >= started_at)
);
CREATE INDEX task_task_id_idx ON @extschema@.task (task_id);
CREATE INDEX task_parent_idx ON @extschema@.task (customer_id, parent_task_id) WHERE parent_task_id IS NOT NULL;

COMMENT ON TABLE @extschema@.task IS
  'One business operation an AI agent performs (resolve a ticket, generate a report). Tasks nest: a child belongs to its parent''s customer.';
COMMENT ON COLUMN @extschema@.task.task_id IS 'Client-generated UUID of the task (as the dexcost SDK sends it).';
COMMENT ON COLUMN @extschema@.task.customer_id IS 'Customer the task serves. A child task inherits its parent''s; a root task without one gets dexcost.unattributed_customer().';
COMMENT ON COLUMN @extschema@.task.task_type IS 'Workflow name, stable across runs, e.g. support_ticket_summary.v2.';
COMMENT ON COLUMN @extschema@.task.parent_task_id IS 'The task this one runs inside, or NULL for a root task.';
COMMENT ON COLUMN @extschema@.task.root_task_id IS 'The root of this task''s tree (the task itself for a root); maintained by dexcost.';
COMMENT ON COLUMN @extschema@.task.ancestor_ids IS 'The task''s ancestors, root first and parent last (empty for a root); maintained by dexcost.';
COMMENT ON COLUMN @extschema@.task.status IS 'pending, success or failed.';
COMMENT ON COLUMN @extschema@.task.accepted IS 'Whether a validator, parser or user accepted the output (NULL: not judged). Cost per accepted task counts true.';
COMMENT ON COLUMN @extschema@.task.project_id IS 'Project the cost is attributed to.';
COMMENT ON COLUMN @extschema@.task.team IS 'Team the cost is attributed to.';
COMMENT ON COLUMN @extschema@.task.user_id IS 'End user on whose behalf the task ran.';
COMMENT ON COLUMN @extschema@.task.environment IS 'Deployment environment, e.g. prod or staging.';
COMMENT ON COLUMN @extschema@.task.request_path IS 'live (a user is waiting) or batch (background work).';
COMMENT ON COLUMN @extschema@.task.product_id IS 'Product the task belongs to (dexcost SDK product_id).';
COMMENT ON COLUMN @extschema@.task.agent_id IS 'Agent that ran the task (dexcost SDK agent_id).';
COMMENT ON COLUMN @extschema@.task.agent_version IS 'Version of that agent.';
COMMENT ON COLUMN @extschema@.task.workflow_id IS 'Workflow identifier the SDK reports (dexcost SDK workflow_id).';
COMMENT ON COLUMN @extschema@.task.workflow_session_id IS 'Session of that workflow.';
COMMENT ON COLUMN @extschema@.task.experiment_id IS 'Experiment the task ran under, for A/B cost comparisons.';
COMMENT ON COLUMN @extschema@.task.variant IS 'Variant of that experiment.';
COMMENT ON COLUMN @extschema@.task.started_at IS 'When the task started.';
COMMENT ON COLUMN @extschema@.task.ended_at IS 'When the task ended (NULL while running); not before started_at.';
COMMENT ON COLUMN @extschema@.task.metadata IS 'Free-form attributes of the task (JSON object).';
COMMENT ON COLUMN @extschema@.task.created_at IS 'When the row was stored.';

-- Fills customer_id, root_task_id and ancestor_ids and checks the tree, with messages that
-- say how to fix it. Moving a task to another parent waits for folds and for other tree
-- changes of the customer, and refuses cycles.
CREATE FUNCTION @extschema@.task_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parent record;
BEGIN
    IF NEW.status IS NULL THEN
        RAISE EXCEPTION 'status of task % must not be NULL', NEW.task_id
            USING ERRCODE = '23502',
                  HINT = 'Use pending while the task runs, then success or failed.';
    END IF;
    IF NEW.status NOT IN ('pending', 'success', 'failed') THEN
        RAISE EXCEPTION 'invalid status "%" for task %', NEW.status, NEW.task_id
            USING ERRCODE = '22P02',
                  DETAIL = 'status must be pending, success or failed.',
                  HINT = 'Use pending while the task runs, then success or failed.';
    END IF;
    IF NEW.request_path IS NOT NULL AND NEW.request_path NOT IN ('live', 'batch') THEN
        RAISE EXCEPTION 'invalid request_path "%" for task %', NEW.request_path, NEW.task_id
            USING ERRCODE = '22P02',
                  DETAIL = 'request_path must be live or batch.',
                  HINT = 'Use live when a user waits for the answer and batch for background work; keep finer labels in metadata.';
    END IF;
    IF NEW.ended_at < NEW.started_at THEN
        RAISE EXCEPTION 'task % ends at % before it starts at %', NEW.task_id, NEW.ended_at, NEW.started_at
            USING ERRCODE = '23514',
                  HINT = 'Check the clock of the client that reported the task.';
    END IF;
    IF NEW.parent_task_id = NEW.task_id THEN
        RAISE EXCEPTION 'task % cannot be its own parent', NEW.task_id
            USING ERRCODE = '23514',
                  HINT = 'Leave parent_task_id NULL for a root task.';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
            RAISE EXCEPTION 'cannot move task % from customer "%" to "%"', NEW.task_id, OLD.customer_id,
                    coalesce(NEW.customer_id, 'NULL')
                USING ERRCODE = '23514',
                      HINT = 'A task''s customer is fixed: delete the task and insert it again under the new customer.';
        END IF;
        IF NEW.task_id IS DISTINCT FROM OLD.task_id THEN
            RAISE EXCEPTION 'cannot change task_id % to %', OLD.task_id, NEW.task_id
                USING ERRCODE = '23514',
                      HINT = 'Task ids are client-generated and permanent: insert a new task instead.';
        END IF;
        IF NEW.parent_task_id IS NOT DISTINCT FROM OLD.parent_task_id THEN
            -- root_task_id and ancestor_ids are dexcost's: only its own re-parenting (a nested
            -- trigger) rewrites them.
            IF pg_catalog.pg_trigger_depth() < 2 THEN
                NEW.root_task_id := OLD.root_task_id;
                NEW.ancestor_ids := OLD.ancestor_ids;
            END IF;
            RETURN NEW;
        END IF;
        PERFORM @extschema@.lock_for_tree_change(ARRAY[NEW.customer_id]);
    END IF;

    IF NEW.parent_task_id IS NULL THEN
        NEW.customer_id := coalesce(NEW.customer_id, @extschema@.unattributed_customer());
        NEW.root_task_id := NEW.task_id;
        NEW.ancestor_ids := '{}';
        RETURN NEW;
    END IF;

    SELECT t.customer_id, t.root_task_id, t.ancestor_ids, pg_catalog.count(*) OVER () AS matches
      INTO parent
      FROM @extschema@.task AS t
     WHERE t.task_id = NEW.parent_task_id
       AND (NEW.customer_id IS NULL OR t.customer_id = NEW.customer_id)
     LIMIT 1;
    IF NOT FOUND AND NEW.customer_id IS NOT NULL THEN
        SELECT t.customer_id, t.root_task_id, t.ancestor_ids, 0 AS matches INTO parent
          FROM @extschema@.task AS t WHERE t.task_id = NEW.parent_task_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'task % cannot belong to customer "%": its parent task % belongs to customer "%"',
                    NEW.task_id, NEW.customer_id, NEW.parent_task_id, parent.customer_id
                USING ERRCODE = '23503',
                      DETAIL = 'A task tree never crosses customers.',
                      HINT = CASE TG_OP
                               WHEN 'INSERT' THEN 'Leave customer_id NULL on a child task to inherit its parent''s customer.'
                               ELSE 'Move the task under a parent of its own customer.'
                             END;
        END IF;
        -- A restore may load a child before its parent: the foreign key checks it at the end
        -- of the statement, and the dumped root_task_id and ancestor_ids stand.
        IF TG_OP = 'INSERT' AND NEW.root_task_id IS NOT NULL THEN
            RETURN NEW;
        END IF;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'parent task % of task % does not exist', NEW.parent_task_id, NEW.task_id
            USING ERRCODE = '23503',
                  HINT = 'Insert the parent task before its children.';
    END IF;
    IF parent.matches > 1 THEN
        RAISE EXCEPTION 'parent task % exists for several customers', NEW.parent_task_id
            USING ERRCODE = '23503',
                  HINT = 'Give the child task a customer_id to say which parent is meant.';
    END IF;
    IF NEW.task_id = ANY (parent.ancestor_ids) THEN
        RAISE EXCEPTION 'cannot move task % under task %: that task is inside its subtree', NEW.task_id, NEW.parent_task_id
            USING ERRCODE = '23514',
                  DETAIL = 'The task tree would become a cycle.',
                  HINT = 'Choose a parent outside the task''s own subtree.';
    END IF;

    NEW.customer_id := parent.customer_id;
    NEW.root_task_id := parent.root_task_id;
    NEW.ancestor_ids := parent.ancestor_ids || NEW.parent_task_id;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.task_before_write() IS
  'Trigger: checks a task row, inherits the parent''s customer, sets root_task_id and ancestor_ids, and refuses cycles.';

CREATE TRIGGER task_before_write
  BEFORE INSERT OR UPDATE ON @extschema@.task
  FOR EACH ROW EXECUTE FUNCTION @extschema@.task_before_write();

------------------------------------------------------------------------------------------
-- Cost events
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.cost_event (
    event_id              uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    customer_id           text        NOT NULL,
    task_id               uuid        NOT NULL,
    event_type            text        NOT NULL,
    occurred_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
    provider              text,
    model                 text,
    service_tier          text        NOT NULL DEFAULT 'standard',
    service_name          text,
    route                 text,
    fallback_reason       text,
    input_tokens          bigint,
    cache_read_tokens     bigint,
    cache_write_tokens    bigint,
    cache_write_1h_tokens bigint,
    output_tokens         bigint,
    reasoning_tokens      bigint,
    quantity              numeric,
    quantity_unit         text,
    unit_price_usd        numeric,
    cost_usd              numeric,
    cost_confidence       text        NOT NULL,
    pricing_source        text,
    pricing_version       text,
    latency_ms            bigint,
    error_type            text,
    is_retry              boolean     NOT NULL DEFAULT false,
    retry_reason          text,
    retry_of              uuid,
    retry_type            text,
    batch_job_id          text,
    batch_status          text,
    details               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT cost_event_pkey PRIMARY KEY (customer_id, event_id),
    CONSTRAINT cost_event_task_fkey FOREIGN KEY (customer_id, task_id)
        REFERENCES @extschema@.task (customer_id, task_id) ON DELETE CASCADE,
    CONSTRAINT cost_event_event_type_check
        CHECK (event_type IN ('llm_call', 'external_cost', 'compute_cost', 'retry_marker',
                              'network', 'gpu_cost', 'gpu_utilization_signal')),
    CONSTRAINT cost_event_cost_confidence_check
        CHECK (cost_confidence IN ('exact', 'computed', 'estimated', 'unknown')),
    CONSTRAINT cost_event_service_tier_check
        CHECK (service_tier IN ('standard', 'batch', 'flex', 'priority')),
    CONSTRAINT cost_event_retry_type_check
        CHECK (retry_type IN ('provider_retry', 'application_retry', 'validation_retry', 'user_regeneration')),
    CONSTRAINT cost_event_cost_usd_check
        CHECK (cost_usd >= 0 AND cost_usd < 1000000000000000 AND pg_catalog.min_scale(cost_usd) <= 18),
    CONSTRAINT cost_event_unknown_cost_check
        CHECK ((cost_confidence = 'unknown') = (cost_usd IS NULL)),
    CONSTRAINT cost_event_tokens_check
        CHECK (input_tokens >= 0 AND cache_read_tokens >= 0 AND cache_write_tokens >= 0
               AND cache_write_1h_tokens >= 0 AND output_tokens >= 0 AND reasoning_tokens >= 0),
    CONSTRAINT cost_event_quantity_check
        CHECK (quantity >= 0 AND quantity <> 'NaN'::numeric AND quantity <> 'Infinity'::numeric
               AND unit_price_usd >= 0 AND unit_price_usd <> 'NaN'::numeric
               AND unit_price_usd <> 'Infinity'::numeric),
    CONSTRAINT cost_event_latency_ms_check CHECK (latency_ms >= 0)
);
CREATE INDEX cost_event_task_idx ON @extschema@.cost_event (customer_id, task_id, occurred_at);
CREATE INDEX cost_event_occurred_at_idx ON @extschema@.cost_event USING brin (occurred_at);

COMMENT ON TABLE @extschema@.cost_event IS
  'The cost ledger: one row per cost-generating action (LLM call, paid API call, compute charge, retry) inside a task.';
COMMENT ON COLUMN @extschema@.cost_event.event_id IS 'Client-generated UUID of the event; with customer_id, the key that makes re-sending idempotent.';
COMMENT ON COLUMN @extschema@.cost_event.customer_id IS 'The task''s customer, copied from dexcost.task when left NULL (needed as the distribution key on Citus).';
COMMENT ON COLUMN @extschema@.cost_event.task_id IS 'The task the event belongs to; it must exist.';
COMMENT ON COLUMN @extschema@.cost_event.event_type IS 'llm_call, external_cost, compute_cost or retry_marker; the dexcost SDK also sends network, gpu_cost and gpu_utilization_signal.';
COMMENT ON COLUMN @extschema@.cost_event.occurred_at IS 'When the action happened; prices in force at this instant apply.';
COMMENT ON COLUMN @extschema@.cost_event.provider IS 'Model provider as named in dexcost.model_price (openai, anthropic, google, ...).';
COMMENT ON COLUMN @extschema@.cost_event.model IS 'Model name as the provider reports it; aliases in dexcost.model_alias map dated snapshots onto catalogue models.';
COMMENT ON COLUMN @extschema@.cost_event.service_tier IS 'standard, batch, flex or priority: each tier has its own prices.';
COMMENT ON COLUMN @extschema@.cost_event.service_name IS 'Paid service of a non-LLM event, e.g. pinecone, tavily, lambda.';
COMMENT ON COLUMN @extschema@.cost_event.route IS 'Model route chosen first, e.g. primary.summary.fast.us.';
COMMENT ON COLUMN @extschema@.cost_event.fallback_reason IS 'Why a fallback route was used (quota_exhausted, timeout, policy, quality), or NULL.';
COMMENT ON COLUMN @extschema@.cost_event.input_tokens IS 'Uncached input tokens only: cache reads and writes are counted in their own buckets (see docs/pricing.md).';
COMMENT ON COLUMN @extschema@.cost_event.cache_read_tokens IS 'Input tokens served from the prompt cache.';
COMMENT ON COLUMN @extschema@.cost_event.cache_write_tokens IS 'Input tokens written to the prompt cache (default, 5-minute lifetime).';
COMMENT ON COLUMN @extschema@.cost_event.cache_write_1h_tokens IS 'Input tokens written to the prompt cache with a 1-hour lifetime.';
COMMENT ON COLUMN @extschema@.cost_event.output_tokens IS 'Visible output tokens, excluding reasoning tokens.';
COMMENT ON COLUMN @extschema@.cost_event.reasoning_tokens IS 'Reasoning (thinking) tokens; billed at the output price unless the catalogue prices them apart.';
COMMENT ON COLUMN @extschema@.cost_event.quantity IS 'Billable quantity of a non-token charge (seconds, requests, GB); with unit_price_usd it gives an estimated cost.';
COMMENT ON COLUMN @extschema@.cost_event.quantity_unit IS 'Unit of quantity, e.g. vcpu_second, request, gb_month.';
COMMENT ON COLUMN @extschema@.cost_event.unit_price_usd IS 'USD per unit of quantity.';
COMMENT ON COLUMN @extschema@.cost_event.cost_usd IS 'Cost in USD, exact numeric: at least 0, below 1e15, at most 18 decimal places. NULL only when the cost is unknown: never a silent zero.';
COMMENT ON COLUMN @extschema@.cost_event.cost_confidence IS 'exact (given), computed (tokens x catalogue price), estimated (quantity x unit price) or unknown.';
COMMENT ON COLUMN @extschema@.cost_event.pricing_source IS 'Where a given cost came from, e.g. provider_response, sdk_catalog, manual.';
COMMENT ON COLUMN @extschema@.cost_event.pricing_version IS 'Prices used: dexcost:<price_id>+... for costs dexcost computed, or the version the client reported.';
COMMENT ON COLUMN @extschema@.cost_event.latency_ms IS 'Wall-clock latency of the call in milliseconds.';
COMMENT ON COLUMN @extschema@.cost_event.error_type IS 'Error the call ended with (rate_limit, timeout, 5xx, parse_error, ...), or NULL on success.';
COMMENT ON COLUMN @extschema@.cost_event.is_retry IS 'Whether the event repeats an earlier attempt.';
COMMENT ON COLUMN @extschema@.cost_event.retry_reason IS 'Why it was retried (rate_limit, timeout, parse_error, ...).';
COMMENT ON COLUMN @extschema@.cost_event.retry_of IS 'event_id of the attempt this one retries.';
COMMENT ON COLUMN @extschema@.cost_event.retry_type IS 'provider_retry, application_retry, validation_retry or user_regeneration.';
COMMENT ON COLUMN @extschema@.cost_event.batch_job_id IS 'Provider batch job the call ran in.';
COMMENT ON COLUMN @extschema@.cost_event.batch_status IS 'State of the batch record: completed, failed, expired or cancelled.';
COMMENT ON COLUMN @extschema@.cost_event.details IS 'Free-form details of the event (JSON object).';
COMMENT ON COLUMN @extschema@.cost_event.recorded_at IS 'When the row was stored (late data shows as recorded_at well after occurred_at).';

CREATE FUNCTION @extschema@.cost_event_before_write() RETURNS trigger
  LANGUAGE C
  AS 'MODULE_PATHNAME', 'dexcost_cost_event_before_write';
COMMENT ON FUNCTION @extschema@.cost_event_before_write() IS
  'Trigger (C++): checks an event, copies the task''s customer and computes the cost from the catalogue when none is given.';

CREATE TRIGGER cost_event_before_write
  BEFORE INSERT OR UPDATE ON @extschema@.cost_event
  FOR EACH ROW EXECUTE FUNCTION @extschema@.cost_event_before_write();

------------------------------------------------------------------------------------------
-- Roll-ups: exact own and subtree totals per task
--
-- Ingest only appends: a statement trigger on cost_event (C++) adds one delta row per task a
-- statement changed to task_rollup_delta. fold_rollups() moves deltas into task_rollup
-- (schedule it with pg_cron). The task_cost view adds the deltas not yet folded, so totals
-- read through it equal the ledger at any moment. task_rollup and the deltas are derived:
-- they are not dumped, and a restore's COPY of cost_event rebuilds them.
------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.cost_totals AS (
    event_count           bigint,
    retry_count           bigint,
    failure_count         bigint,
    unpriced_count        bigint,
    total_cost_usd        numeric,
    llm_cost_usd          numeric,
    external_cost_usd     numeric,
    compute_cost_usd      numeric,
    network_cost_usd      numeric,
    gpu_cost_usd          numeric,
    retry_cost_usd        numeric,
    failure_cost_usd      numeric,
    input_tokens          bigint,
    cache_read_tokens     bigint,
    cache_write_tokens    bigint,
    cache_write_1h_tokens bigint,
    output_tokens         bigint,
    reasoning_tokens      bigint
);
COMMENT ON TYPE @extschema@.cost_totals IS
  'Totals over a set of cost events; add them with + or dexcost.sum(). total = llm + external + compute + network + gpu; retry and failure costs are parts of the total.';
COMMENT ON COLUMN @extschema@.cost_totals.event_count IS 'Number of events.';
COMMENT ON COLUMN @extschema@.cost_totals.retry_count IS 'Events that repeat an earlier attempt (is_retry, or a retry_marker).';
COMMENT ON COLUMN @extschema@.cost_totals.failure_count IS 'Events that ended with an error_type.';
COMMENT ON COLUMN @extschema@.cost_totals.unpriced_count IS 'Events whose cost is unknown: their tokens count, their cost does not.';
COMMENT ON COLUMN @extschema@.cost_totals.total_cost_usd IS 'Sum of known costs.';
COMMENT ON COLUMN @extschema@.cost_totals.llm_cost_usd IS 'Cost of llm_call events and of retry_markers that name a model.';
COMMENT ON COLUMN @extschema@.cost_totals.external_cost_usd IS 'Cost of external_cost events and of retry_markers without a model.';
COMMENT ON COLUMN @extschema@.cost_totals.compute_cost_usd IS 'Cost of compute_cost events.';
COMMENT ON COLUMN @extschema@.cost_totals.network_cost_usd IS 'Cost of network events (data transfer), counted once.';
COMMENT ON COLUMN @extschema@.cost_totals.gpu_cost_usd IS 'Cost of gpu_cost events (and of gpu_utilization_signal events, which the SDK never prices).';
COMMENT ON COLUMN @extschema@.cost_totals.retry_cost_usd IS 'Cost of retries (part of the total).';
COMMENT ON COLUMN @extschema@.cost_totals.failure_cost_usd IS 'Cost of failed calls (part of the total).';
COMMENT ON COLUMN @extschema@.cost_totals.input_tokens IS 'Uncached input tokens.';
COMMENT ON COLUMN @extschema@.cost_totals.cache_read_tokens IS 'Cache-read tokens.';
COMMENT ON COLUMN @extschema@.cost_totals.cache_write_tokens IS 'Cache-write tokens (5-minute lifetime).';
COMMENT ON COLUMN @extschema@.cost_totals.cache_write_1h_tokens IS 'Cache-write tokens (1-hour lifetime).';
COMMENT ON COLUMN @extschema@.cost_totals.output_tokens IS 'Output tokens, reasoning excluded.';
COMMENT ON COLUMN @extschema@.cost_totals.reasoning_tokens IS 'Reasoning tokens.';

CREATE FUNCTION @extschema@.totals_add(a @extschema@.cost_totals, b @extschema@.cost_totals)
  RETURNS @extschema@.cost_totals
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_totals_add';
COMMENT ON FUNCTION @extschema@.totals_add(@extschema@.cost_totals, @extschema@.cost_totals) IS
  'Field-by-field sum of two cost_totals (the + operator); NULL fields count as zero.';

CREATE FUNCTION @extschema@.totals_sub(a @extschema@.cost_totals, b @extschema@.cost_totals)
  RETURNS @extschema@.cost_totals
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_totals_sub';
COMMENT ON FUNCTION @extschema@.totals_sub(@extschema@.cost_totals, @extschema@.cost_totals) IS
  'Field-by-field difference of two cost_totals (the - operator); NULL fields count as zero.';

CREATE OPERATOR @extschema@.+ (
    LEFTARG = @extschema@.cost_totals, RIGHTARG = @extschema@.cost_totals,
    FUNCTION = @extschema@.totals_add, COMMUTATOR = OPERATOR(@extschema@.+));
COMMENT ON OPERATOR @extschema@.+ (@extschema@.cost_totals, @extschema@.cost_totals) IS 'Adds two cost_totals.';
CREATE OPERATOR @extschema@.- (
    LEFTARG = @extschema@.cost_totals, RIGHTARG = @extschema@.cost_totals,
    FUNCTION = @extschema@.totals_sub);
COMMENT ON OPERATOR @extschema@.- (@extschema@.cost_totals, @extschema@.cost_totals) IS 'Subtracts two cost_totals.';

CREATE AGGREGATE @extschema@.sum(@extschema@.cost_totals) (
    SFUNC = @extschema@.totals_add,
    STYPE = @extschema@.cost_totals,
    COMBINEFUNC = @extschema@.totals_add,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sum(@extschema@.cost_totals) IS 'Sum of cost_totals (NULL for no rows).';

CREATE FUNCTION @extschema@.zero_totals() RETURNS @extschema@.cost_totals
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ROW(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)::@extschema@.cost_totals;
COMMENT ON FUNCTION @extschema@.zero_totals() IS 'cost_totals with every field zero.';

CREATE FUNCTION @extschema@.totals_of(event @extschema@.cost_event) RETURNS @extschema@.cost_totals
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_totals_of';
COMMENT ON FUNCTION @extschema@.totals_of(@extschema@.cost_event) IS
  'What one event contributes to its task''s totals; the roll-up trigger applies the same rule (src/core/rollup.cpp).';

CREATE TABLE @extschema@.task_rollup (
    customer_id text                    NOT NULL,
    task_id     uuid                    NOT NULL,
    own         @extschema@.cost_totals NOT NULL,
    subtree     @extschema@.cost_totals NOT NULL,
    folded_at   timestamptz             NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT task_rollup_pkey PRIMARY KEY (customer_id, task_id)
);
COMMENT ON TABLE @extschema@.task_rollup IS
  'Folded totals per task (derived; read them through dexcost.task_cost, which adds what is not folded yet).';
COMMENT ON COLUMN @extschema@.task_rollup.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.task_rollup.task_id IS 'The task.';
COMMENT ON COLUMN @extschema@.task_rollup.own IS 'Folded totals of the task''s own events.';
COMMENT ON COLUMN @extschema@.task_rollup.subtree IS 'Folded totals of the events of the task and all its descendants.';
COMMENT ON COLUMN @extschema@.task_rollup.folded_at IS 'Last time a fold changed the row.';

CREATE TABLE @extschema@.task_rollup_delta (
    customer_id text                    NOT NULL,
    task_id     uuid                    NOT NULL,
    totals      @extschema@.cost_totals NOT NULL,
    recorded_at timestamptz             NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.task_rollup_delta IS
  'Append-only changes to task totals, one row per task per cost_event statement; fold_rollups() empties it.';
COMMENT ON COLUMN @extschema@.task_rollup_delta.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.task_rollup_delta.task_id IS 'The task whose own totals changed.';
COMMENT ON COLUMN @extschema@.task_rollup_delta.totals IS 'The change (negative after deletes).';
COMMENT ON COLUMN @extschema@.task_rollup_delta.recorded_at IS 'When the statement ran.';

CREATE FUNCTION @extschema@.cost_event_rollup() RETURNS trigger
  LANGUAGE C
  AS 'MODULE_PATHNAME', 'dexcost_cost_event_rollup';
COMMENT ON FUNCTION @extschema@.cost_event_rollup() IS
  'Trigger (C++): appends one delta per task that a cost_event statement changed (no row locks on tasks).';

CREATE TRIGGER cost_event_rollup_insert
  AFTER INSERT ON @extschema@.cost_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_rollup();
CREATE TRIGGER cost_event_rollup_update
  AFTER UPDATE ON @extschema@.cost_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_rollup();
CREATE TRIGGER cost_event_rollup_delete
  AFTER DELETE ON @extschema@.cost_event REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_rollup();

-- Advisory locks (two-int form, class 1684371555 = 'dexc'): key 1 serialises folds against
-- tree changes; class 1684371556 keyed by customer serialises tree changes of one customer.
CREATE FUNCTION @extschema@.lock_for_tree_change(customer_ids text[]) RETURNS void
  LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT pg_catalog.pg_advisory_xact_lock_shared(1684371555, 1);
  SELECT pg_catalog.pg_advisory_xact_lock(1684371556, pg_catalog.hashtext(c))
    FROM (SELECT DISTINCT c FROM pg_catalog.unnest(customer_ids) AS u(c) ORDER BY c) AS s;
END;
COMMENT ON FUNCTION @extschema@.lock_for_tree_change(text[]) IS
  'Internal: waits until no fold runs and no other tree change of these customers is under way (held to commit).';

CREATE FUNCTION @extschema@.cost_event_truncated() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1684371555, 1);
    DELETE FROM @extschema@.task_rollup;
    DELETE FROM @extschema@.task_rollup_delta;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.cost_event_truncated() IS 'Trigger: TRUNCATE of the ledger empties every total.';
CREATE TRIGGER cost_event_rollup_truncate
  AFTER TRUNCATE ON @extschema@.cost_event
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.cost_event_truncated();

-- Adds delta to the subtree totals of each task in task_ids.
CREATE FUNCTION @extschema@.shift_subtree_totals(customer_id text, task_ids uuid[], delta @extschema@.cost_totals)
  RETURNS void
  LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  INSERT INTO @extschema@.task_rollup AS r (customer_id, task_id, own, subtree)
  SELECT shift_subtree_totals.customer_id, a.task_id, @extschema@.zero_totals(), shift_subtree_totals.delta
    FROM pg_catalog.unnest(shift_subtree_totals.task_ids) AS a(task_id)
  ON CONFLICT ON CONSTRAINT task_rollup_pkey DO UPDATE
    SET subtree = @extschema@.totals_add(r.subtree, excluded.subtree), folded_at = pg_catalog.now();
END;
COMMENT ON FUNCTION @extschema@.shift_subtree_totals(text, uuid[], @extschema@.cost_totals) IS
  'Internal: adds delta to the folded subtree totals of the given tasks (re-parenting and task deletes).';

-- AFTER UPDATE of a task's parent: its folded subtree totals move from the old ancestors to
-- the new, and its descendants learn their new root and path.
CREATE FUNCTION @extschema@.task_after_reparent() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    moved @extschema@.cost_totals;
BEGIN
    moved := (SELECT r.subtree FROM @extschema@.task_rollup AS r
               WHERE r.customer_id = NEW.customer_id AND r.task_id = NEW.task_id);
    IF moved IS NOT NULL THEN
        PERFORM @extschema@.shift_subtree_totals(NEW.customer_id, OLD.ancestor_ids,
                                                 @extschema@.totals_sub(@extschema@.zero_totals(), moved));
        PERFORM @extschema@.shift_subtree_totals(NEW.customer_id, NEW.ancestor_ids, moved);
    END IF;
    UPDATE @extschema@.task AS d
       SET root_task_id = NEW.root_task_id,
           ancestor_ids = NEW.ancestor_ids || d.ancestor_ids[pg_catalog.array_position(d.ancestor_ids, NEW.task_id):]
     WHERE d.customer_id = NEW.customer_id
       AND d.ancestor_ids OPERATOR(pg_catalog.@>) ARRAY[NEW.task_id];
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.task_after_reparent() IS
  'Trigger: after a task moves to another parent, moves its folded subtree totals and updates its descendants'' root and path.';

-- AFTER DELETE of tasks: the folded totals of a deleted subtree leave its surviving ancestors,
-- and the deleted tasks' rollup rows and pending deltas go.
CREATE FUNCTION @extschema@.task_after_delete() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    top record;
BEGIN
    PERFORM @extschema@.lock_for_tree_change(ARRAY(SELECT DISTINCT g.customer_id FROM gone AS g));
    -- A deleted task whose parent survives carries its whole deleted subtree in its totals.
    -- (Deletes cascade one level per statement; deeper levels found their parent gone.)
    FOR top IN
        SELECT g.customer_id, g.ancestor_ids, r.subtree
          FROM gone AS g
          JOIN @extschema@.task_rollup AS r ON r.customer_id = g.customer_id AND r.task_id = g.task_id
         WHERE EXISTS (SELECT 1 FROM @extschema@.task AS p
                        WHERE p.customer_id = g.customer_id AND p.task_id = g.parent_task_id)
    LOOP
        PERFORM @extschema@.shift_subtree_totals(top.customer_id, top.ancestor_ids,
                                                 @extschema@.totals_sub(@extschema@.zero_totals(), top.subtree));
    END LOOP;
    DELETE FROM @extschema@.task_rollup AS r USING gone AS g
     WHERE r.customer_id = g.customer_id AND r.task_id = g.task_id;
    DELETE FROM @extschema@.task_rollup_delta AS d USING gone AS g
     WHERE d.customer_id = g.customer_id AND d.task_id = g.task_id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.task_after_delete() IS
  'Trigger: removes deleted tasks'' folded totals from their surviving ancestors, and their rollup rows and deltas.';

CREATE TRIGGER task_after_reparent
  AFTER UPDATE OF parent_task_id ON @extschema@.task
  FOR EACH ROW WHEN (OLD.parent_task_id IS DISTINCT FROM NEW.parent_task_id)
  EXECUTE FUNCTION @extschema@.task_after_reparent();
CREATE TRIGGER task_after_delete
  AFTER DELETE ON @extschema@.task REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.task_after_delete();

CREATE FUNCTION @extschema@.fold_rollups(OUT status text, OUT deltas_folded bigint, OUT tasks_updated bigint)
  RETURNS record
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '5s'
AS $$
BEGIN
    IF NOT pg_catalog.pg_try_advisory_xact_lock(1684371555, 1) THEN
        status := 'skipped_concurrent';
        deltas_folded := 0;
        tasks_updated := 0;
        RETURN;
    END IF;
    WITH taken AS (
        DELETE FROM @extschema@.task_rollup_delta RETURNING customer_id, task_id, totals
    ), own AS (
        -- Deltas of deleted tasks are dropped: their tasks' totals left with them.
        SELECT d.customer_id, d.task_id, @extschema@.sum(d.totals) AS totals
          FROM taken AS d
          JOIN @extschema@.task AS t ON t.customer_id = d.customer_id AND t.task_id = d.task_id
         GROUP BY d.customer_id, d.task_id
    ), contribution AS (
        -- Each task's own change counts in its own subtree and in every ancestor's.
        SELECT o.customer_id, a.task_id,
               @extschema@.sum(o.totals) FILTER (WHERE a.task_id = o.task_id) AS own,
               @extschema@.sum(o.totals) AS subtree
          FROM own AS o
          JOIN @extschema@.task AS t ON t.customer_id = o.customer_id AND t.task_id = o.task_id
         CROSS JOIN LATERAL pg_catalog.unnest(t.ancestor_ids || t.task_id) AS a(task_id)
         GROUP BY o.customer_id, a.task_id
    ), upserted AS (
        INSERT INTO @extschema@.task_rollup AS r (customer_id, task_id, own, subtree)
        SELECT c.customer_id, c.task_id, coalesce(c.own, @extschema@.zero_totals()), c.subtree FROM contribution AS c
        ON CONFLICT ON CONSTRAINT task_rollup_pkey DO UPDATE
           SET own = @extschema@.totals_add(r.own, excluded.own),
               subtree = @extschema@.totals_add(r.subtree, excluded.subtree),
               folded_at = pg_catalog.now()
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM upserted) INTO deltas_folded, tasks_updated;
    status := 'folded';
END;
$$;
COMMENT ON FUNCTION @extschema@.fold_rollups() IS
  'Moves pending roll-up deltas into dexcost.task_rollup. Safe to run at any time and from pg_cron; a second concurrent run returns status skipped_concurrent at once.';

CREATE FUNCTION @extschema@.rebuild_rollups(OUT tasks_rebuilt bigint)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1684371555, 1);
    DELETE FROM @extschema@.task_rollup;
    -- One statement, one snapshot: the deltas removed are exactly those of the events read.
    WITH removed AS (
        DELETE FROM @extschema@.task_rollup_delta RETURNING 1
    )
    INSERT INTO @extschema@.task_rollup_delta (customer_id, task_id, totals)
    SELECT e.customer_id, e.task_id, @extschema@.sum(@extschema@.totals_of(e))
      FROM @extschema@.cost_event AS e
     GROUP BY e.customer_id, e.task_id;
    SELECT f.tasks_updated INTO tasks_rebuilt FROM @extschema@.fold_rollups() AS f;
END;
$$;
COMMENT ON FUNCTION @extschema@.rebuild_rollups() IS
  'Recomputes every task''s totals from the cost_event ledger (after a data-only restore with triggers disabled, say). Waits for running folds and tree changes.';

CREATE VIEW @extschema@.task_cost WITH (security_invoker = true) AS
WITH pending AS (
    SELECT d.customer_id, d.task_id, @extschema@.sum(d.totals) AS totals
      FROM @extschema@.task_rollup_delta AS d
     GROUP BY d.customer_id, d.task_id
), pending_subtree AS (
    SELECT p.customer_id, a.task_id, @extschema@.sum(p.totals) AS totals
      FROM pending AS p
      JOIN @extschema@.task AS t ON t.customer_id = p.customer_id AND t.task_id = p.task_id
     CROSS JOIN LATERAL pg_catalog.unnest(t.ancestor_ids || t.task_id) AS a(task_id)
     GROUP BY p.customer_id, a.task_id
), totals AS (
    SELECT t.customer_id, t.task_id,
           @extschema@.totals_add(coalesce(r.own, @extschema@.zero_totals()),
                                  coalesce(p.totals, @extschema@.zero_totals())) AS own,
           @extschema@.totals_add(coalesce(r.subtree, @extschema@.zero_totals()),
                                  coalesce(s.totals, @extschema@.zero_totals())) AS subtree
      FROM @extschema@.task AS t
      LEFT JOIN @extschema@.task_rollup AS r ON r.customer_id = t.customer_id AND r.task_id = t.task_id
      LEFT JOIN pending AS p ON p.customer_id = t.customer_id AND p.task_id = t.task_id
      LEFT JOIN pending_subtree AS s ON s.customer_id = t.customer_id AND s.task_id = t.task_id
)
SELECT t.task_id, t.customer_id, t.task_type, t.parent_task_id, t.root_task_id, t.status, t.accepted,
       t.started_at, t.ended_at,
       (x.own).total_cost_usd AS own_cost_usd,
       (x.subtree).total_cost_usd AS subtree_cost_usd,
       (x.subtree).event_count AS subtree_event_count,
       (x.subtree).retry_cost_usd AS subtree_retry_cost_usd,
       x.own,
       x.subtree
  FROM @extschema@.task AS t
  JOIN totals AS x ON x.customer_id = t.customer_id AND x.task_id = t.task_id;
COMMENT ON VIEW @extschema@.task_cost IS
  'Every task with its own and subtree totals, exact at any moment (folded totals plus pending deltas).';
COMMENT ON COLUMN @extschema@.task_cost.task_id IS 'The task.';
COMMENT ON COLUMN @extschema@.task_cost.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.task_cost.task_type IS 'Workflow name.';
COMMENT ON COLUMN @extschema@.task_cost.parent_task_id IS 'Parent task, or NULL for a root.';
COMMENT ON COLUMN @extschema@.task_cost.root_task_id IS 'Root of the task''s tree.';
COMMENT ON COLUMN @extschema@.task_cost.status IS 'pending, success or failed.';
COMMENT ON COLUMN @extschema@.task_cost.accepted IS 'Whether the output was accepted.';
COMMENT ON COLUMN @extschema@.task_cost.started_at IS 'When the task started.';
COMMENT ON COLUMN @extschema@.task_cost.ended_at IS 'When the task ended.';
COMMENT ON COLUMN @extschema@.task_cost.own_cost_usd IS 'Known cost of the task''s own events.';
COMMENT ON COLUMN @extschema@.task_cost.subtree_cost_usd IS 'Known cost of the events of the task and all its descendants.';
COMMENT ON COLUMN @extschema@.task_cost.subtree_event_count IS 'Events of the task and all its descendants.';
COMMENT ON COLUMN @extschema@.task_cost.subtree_retry_cost_usd IS 'Retry cost in the task and all its descendants.';
COMMENT ON COLUMN @extschema@.task_cost.own IS 'All totals of the task''s own events (dexcost.cost_totals).';
COMMENT ON COLUMN @extschema@.task_cost.subtree IS 'All totals of the events of the task and its descendants (dexcost.cost_totals).';

CREATE FUNCTION @extschema@.rollup_check()
  RETURNS TABLE (customer_id text, task_id uuid, scope text,
                 stored @extschema@.cost_totals, ledger @extschema@.cost_totals)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH own AS (
        SELECT e.customer_id, e.task_id, @extschema@.sum(@extschema@.totals_of(e)) AS totals
          FROM @extschema@.cost_event AS e
         GROUP BY e.customer_id, e.task_id
    ), subtree AS (
        SELECT o.customer_id, a.task_id, @extschema@.sum(o.totals) AS totals
          FROM own AS o
          JOIN @extschema@.task AS t ON t.customer_id = o.customer_id AND t.task_id = o.task_id
         CROSS JOIN LATERAL pg_catalog.unnest(t.ancestor_ids || t.task_id) AS a(task_id)
         GROUP BY o.customer_id, a.task_id
    )
    SELECT c.customer_id, c.task_id, v.scope, v.stored, v.ledger
      FROM @extschema@.task_cost AS c
      LEFT JOIN own AS o ON o.customer_id = c.customer_id AND o.task_id = c.task_id
      LEFT JOIN subtree AS s ON s.customer_id = c.customer_id AND s.task_id = c.task_id
     CROSS JOIN LATERAL (VALUES
            ('own', c.own, coalesce(o.totals, @extschema@.zero_totals())),
            ('subtree', c.subtree, coalesce(s.totals, @extschema@.zero_totals()))) AS v(scope, stored, ledger)
     WHERE v.stored IS DISTINCT FROM v.ledger
    UNION ALL
    SELECT r.customer_id, r.task_id, 'orphan', r.subtree, @extschema@.zero_totals()
      FROM @extschema@.task_rollup AS r
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.task AS t
                        WHERE t.customer_id = r.customer_id AND t.task_id = r.task_id);
END;
$$;
COMMENT ON FUNCTION @extschema@.rollup_check() IS
  'Lists every task whose totals (folded plus pending) differ from the cost_event ledger, and rollup rows of tasks that no longer exist. Always empty unless something bypassed the triggers; dexcost.rebuild_rollups() repairs it.';

------------------------------------------------------------------------------------------
-- Price catalogue
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.model_price (
    price_id         bigserial   NOT NULL,
    provider         text        NOT NULL,
    model            text        NOT NULL,
    usage_type       text        NOT NULL,
    service_tier     text        NOT NULL DEFAULT 'standard',
    min_input_tokens bigint      NOT NULL DEFAULT 0,
    usd_per_mtok     numeric     NOT NULL,
    currency         text        NOT NULL DEFAULT 'USD',
    valid_from       timestamptz NOT NULL DEFAULT '-infinity',
    valid_to         timestamptz,
    source           text        NOT NULL,
    snapshot_date    date,
    is_seed          boolean     NOT NULL DEFAULT false,
    note             text,
    CONSTRAINT model_price_pkey PRIMARY KEY (price_id),
    CONSTRAINT model_price_usage_type_check
        CHECK (usage_type IN ('input', 'cache_read', 'cache_write', 'cache_write_1h', 'output', 'reasoning')),
    CONSTRAINT model_price_service_tier_check
        CHECK (service_tier IN ('standard', 'batch', 'flex', 'priority')),
    CONSTRAINT model_price_usd_per_mtok_check
        CHECK (usd_per_mtok >= 0 AND usd_per_mtok < 1000000000 AND pg_catalog.min_scale(usd_per_mtok) <= 12),
    CONSTRAINT model_price_currency_check CHECK (currency = 'USD'),
    CONSTRAINT model_price_min_input_tokens_check CHECK (min_input_tokens >= 0),
    CONSTRAINT model_price_valid_range_check CHECK (valid_to > valid_from),
    CONSTRAINT model_price_no_overlap EXCLUDE USING gist (
        provider WITH OPERATOR(pg_catalog.=),
        model WITH OPERATOR(pg_catalog.=),
        usage_type WITH OPERATOR(pg_catalog.=),
        service_tier WITH OPERATOR(pg_catalog.=),
        min_input_tokens WITH OPERATOR(pg_catalog.=),
        is_seed WITH OPERATOR(pg_catalog.=),
        pg_catalog.tstzrange(valid_from, valid_to) WITH OPERATOR(pg_catalog.&&))
);

COMMENT ON TABLE @extschema@.model_price IS
  'Effective-dated model prices in USD per million tokens, per provider, model, usage type, service tier and context band. Rows you add take precedence over the seed rows dexcost ships.';
COMMENT ON COLUMN @extschema@.model_price.price_id IS 'Identifier; costs computed from this row record it in cost_event.pricing_version.';
COMMENT ON COLUMN @extschema@.model_price.provider IS 'Provider, e.g. openai, anthropic, google, deepseek, xai, mistral.';
COMMENT ON COLUMN @extschema@.model_price.model IS 'Catalogue model name, e.g. gpt-4o, claude-sonnet-4-5.';
COMMENT ON COLUMN @extschema@.model_price.usage_type IS 'Token bucket the price applies to: input (uncached), cache_read, cache_write, cache_write_1h, output or reasoning.';
COMMENT ON COLUMN @extschema@.model_price.service_tier IS 'standard, batch, flex or priority.';
COMMENT ON COLUMN @extschema@.model_price.min_input_tokens IS 'Context band: the price applies to requests whose prompt (input + cache tokens) has at least this many tokens; the highest band reached wins.';
COMMENT ON COLUMN @extschema@.model_price.usd_per_mtok IS 'Price in USD per million tokens: at least 0, below 1,000,000,000, at most 12 decimal places.';
COMMENT ON COLUMN @extschema@.model_price.currency IS 'Currency of the price; USD only in this version.';
COMMENT ON COLUMN @extschema@.model_price.valid_from IS 'First instant the price is in force (inclusive); -infinity for a snapshot price with no known start.';
COMMENT ON COLUMN @extschema@.model_price.valid_to IS 'Instant the price stops being in force (exclusive); NULL while it still is.';
COMMENT ON COLUMN @extschema@.model_price.source IS 'Where the price was read, e.g. a provider pricing page.';
COMMENT ON COLUMN @extschema@.model_price.snapshot_date IS 'Date the source was read.';
COMMENT ON COLUMN @extschema@.model_price.is_seed IS 'Shipped with dexcost (read-only). Your own rows override seed rows where both are in force.';
COMMENT ON COLUMN @extschema@.model_price.note IS 'Free-text remark, e.g. what to verify.';

CREATE TABLE @extschema@.model_alias (
    provider text    NOT NULL,
    alias    text    NOT NULL,
    model    text    NOT NULL,
    is_seed  boolean NOT NULL DEFAULT false,
    note     text,
    CONSTRAINT model_alias_pkey PRIMARY KEY (provider, alias, is_seed),
    CONSTRAINT model_alias_not_self_check CHECK (alias <> model)
);
COMMENT ON TABLE @extschema@.model_alias IS
  'Other names of a catalogue model: dated snapshots (gpt-4o-2024-08-06) and deployment names. No other name matching is done: an unlisted name is unpriced, never guessed.';
COMMENT ON COLUMN @extschema@.model_alias.provider IS 'Provider the alias belongs to.';
COMMENT ON COLUMN @extschema@.model_alias.alias IS 'The name as events or invoices carry it.';
COMMENT ON COLUMN @extschema@.model_alias.model IS 'The catalogue model (dexcost.model_price.model) it stands for.';
COMMENT ON COLUMN @extschema@.model_alias.is_seed IS 'Shipped with dexcost (read-only); your own row for the same alias takes precedence.';
COMMENT ON COLUMN @extschema@.model_alias.note IS 'Free-text remark.';

-- Seed prices: USD per million tokens, from ../reference/provider-formats.md section 5.
INSERT INTO @extschema@.model_price
    (provider, model, service_tier, usage_type, min_input_tokens, usd_per_mtok, source, snapshot_date, is_seed, note)
SELECT s.provider, s.model, s.tier, s.usage, s.min_input, s.usd::numeric,
       CASE s.src
         WHEN 'litellm' THEN 'LiteLLM model_prices_and_context_window.json (as bundled in dexcost-sdk model_cost_map.json)'
         WHEN 'anthropic' THEN 'Anthropic pricing page, docs.anthropic.com/en/docs/about-claude/pricing'
         WHEN 'langfuse' THEN 'Langfuse worker/src/constants/default-model-prices.json'
       END,
       CASE s.src WHEN 'litellm' THEN date '2026-05-19' WHEN 'langfuse' THEN date '2025-12-12' END,
       true,
       CASE WHEN s.src = 'anthropic'
            THEN pg_catalog.concat_ws('; ', s.note, 'page snapshot of about 2025-Q3, exact date not recorded')
            ELSE s.note END
FROM (VALUES
    ('openai', 'gpt-5', 'standard', 'input', 0, '1.25', 'litellm', NULL),
    ('openai', 'gpt-5', 'standard', 'cache_read', 0, '0.125', 'litellm', NULL),
    ('openai', 'gpt-5', 'standard', 'output', 0, '10.00', 'litellm', NULL),
    ('openai', 'gpt-5', 'flex', 'input', 0, '0.625', 'litellm', 'flex output price not in the source'),
    ('openai', 'gpt-5', 'priority', 'input', 0, '2.50', 'litellm', 'priority output price not in the source'),
    ('openai', 'gpt-5-mini', 'standard', 'input', 0, '0.25', 'litellm', NULL),
    ('openai', 'gpt-5-mini', 'standard', 'cache_read', 0, '0.025', 'litellm', NULL),
    ('openai', 'gpt-5-mini', 'standard', 'output', 0, '2.00', 'litellm', NULL),
    ('openai', 'gpt-5-mini', 'flex', 'input', 0, '0.125', 'litellm', 'flex output price not in the source'),
    ('openai', 'gpt-5-mini', 'priority', 'input', 0, '0.45', 'litellm', 'priority output price not in the source'),
    ('openai', 'gpt-5.2', 'standard', 'input', 0, '1.75', 'litellm', NULL),
    ('openai', 'gpt-5.2', 'standard', 'cache_read', 0, '0.175', 'litellm', NULL),
    ('openai', 'gpt-5.2', 'standard', 'output', 0, '14.00', 'litellm', NULL),
    ('openai', 'gpt-5.2', 'priority', 'input', 0, '3.50', 'litellm', 'priority output price not in the source'),
    ('openai', 'gpt-4.1', 'standard', 'input', 0, '2.00', 'litellm', NULL),
    ('openai', 'gpt-4.1', 'standard', 'cache_read', 0, '0.50', 'litellm', NULL),
    ('openai', 'gpt-4.1', 'standard', 'output', 0, '8.00', 'litellm', NULL),
    ('openai', 'gpt-4.1', 'batch', 'input', 0, '1.00', 'litellm', NULL),
    ('openai', 'gpt-4.1', 'batch', 'output', 0, '4.00', 'litellm', NULL),
    ('openai', 'gpt-4.1', 'priority', 'input', 0, '3.50', 'litellm', 'priority output price not in the source'),
    ('openai', 'gpt-4o', 'standard', 'input', 0, '2.50', 'litellm', 'Langfuse seed agrees'),
    ('openai', 'gpt-4o', 'standard', 'cache_read', 0, '1.25', 'litellm', 'Langfuse seed agrees'),
    ('openai', 'gpt-4o', 'standard', 'output', 0, '10.00', 'litellm', 'Langfuse seed agrees'),
    ('openai', 'gpt-4o', 'batch', 'input', 0, '1.25', 'litellm', NULL),
    ('openai', 'gpt-4o', 'batch', 'output', 0, '5.00', 'litellm', NULL),
    ('openai', 'gpt-4o', 'priority', 'input', 0, '4.25', 'litellm', 'priority output price not in the source'),
    ('openai', 'gpt-4o-mini', 'standard', 'input', 0, '0.15', 'litellm', NULL),
    ('openai', 'gpt-4o-mini', 'standard', 'cache_read', 0, '0.075', 'litellm', NULL),
    ('openai', 'gpt-4o-mini', 'standard', 'output', 0, '0.60', 'litellm', NULL),
    ('openai', 'gpt-4o-mini', 'batch', 'input', 0, '0.075', 'litellm', NULL),
    ('openai', 'gpt-4o-mini', 'batch', 'output', 0, '0.30', 'litellm', NULL),
    ('openai', 'o4-mini', 'standard', 'input', 0, '1.10', 'litellm', NULL),
    ('openai', 'o4-mini', 'standard', 'cache_read', 0, '0.275', 'litellm', NULL),
    ('openai', 'o4-mini', 'standard', 'output', 0, '4.40', 'litellm', NULL),
    ('openai', 'o4-mini', 'flex', 'input', 0, '0.55', 'litellm', 'flex output price not in the source'),
    ('openai', 'o4-mini', 'priority', 'input', 0, '2.00', 'litellm', 'priority output price not in the source'),
    ('anthropic', 'claude-opus-4-6', 'standard', 'input', 0, '5.00', 'litellm', NULL),
    ('anthropic', 'claude-opus-4-6', 'standard', 'cache_read', 0, '0.50', 'litellm', NULL),
    ('anthropic', 'claude-opus-4-6', 'standard', 'cache_write', 0, '6.25', 'litellm', '5-minute cache write'),
    ('anthropic', 'claude-opus-4-6', 'standard', 'cache_write_1h', 0, '10.00', 'litellm', '1-hour cache write'),
    ('anthropic', 'claude-opus-4-6', 'standard', 'output', 0, '25.00', 'litellm', NULL),
    ('anthropic', 'claude-opus-4-6', 'standard', 'input', 200001, '10.00', 'litellm', 'above 200K; a 2026-03 third-party page says 4.6 removed the surcharge: verify'),
    ('anthropic', 'claude-opus-4-6', 'standard', 'output', 200001, '37.50', 'litellm', 'above 200K; a 2026-03 third-party page says 4.6 removed the surcharge: verify'),
    ('anthropic', 'claude-opus-4-6', 'batch', 'input', 0, '2.50', 'anthropic', 'batch is 50% of standard'),
    ('anthropic', 'claude-opus-4-6', 'batch', 'output', 0, '12.50', 'anthropic', 'batch is 50% of standard'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'input', 0, '3.00', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'cache_read', 0, '0.30', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'cache_write', 0, '3.75', 'litellm', '5-minute cache write'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'cache_write_1h', 0, '6.00', 'langfuse', '1-hour cache write'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'output', 0, '15.00', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'input', 200001, '6.00', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'cache_read', 200001, '0.60', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'cache_write', 200001, '7.50', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 'output', 200001, '22.50', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 'input', 0, '1.50', 'anthropic', 'page lists Sonnet 4 batch at 1.50 / 7.50'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 'output', 0, '7.50', 'anthropic', 'page lists Sonnet 4 batch at 1.50 / 7.50'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'input', 0, '3.00', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'cache_read', 0, '0.30', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'cache_write', 0, '3.75', 'litellm', '5-minute cache write'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'cache_write_1h', 0, '6.00', 'langfuse', '1-hour cache write'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'output', 0, '15.00', 'litellm', NULL),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'input', 200001, '6.00', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'cache_read', 200001, '0.60', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'cache_write', 200001, '7.50', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-6', 'standard', 'output', 200001, '22.50', 'litellm', 'above 200K input tokens'),
    ('anthropic', 'claude-sonnet-4-6', 'batch', 'input', 0, '1.50', 'anthropic', 'page lists Sonnet 4 batch at 1.50 / 7.50'),
    ('anthropic', 'claude-sonnet-4-6', 'batch', 'output', 0, '7.50', 'anthropic', 'page lists Sonnet 4 batch at 1.50 / 7.50'),
    ('anthropic', 'claude-haiku-4-5', 'standard', 'input', 0, '1.00', 'litellm', NULL),
    ('anthropic', 'claude-haiku-4-5', 'standard', 'cache_read', 0, '0.10', 'litellm', NULL),
    ('anthropic', 'claude-haiku-4-5', 'standard', 'cache_write', 0, '1.25', 'litellm', '5-minute cache write'),
    ('anthropic', 'claude-haiku-4-5', 'standard', 'cache_write_1h', 0, '2.00', 'litellm', '1-hour cache write'),
    ('anthropic', 'claude-haiku-4-5', 'standard', 'output', 0, '5.00', 'litellm', NULL),
    ('anthropic', 'claude-haiku-4-5', 'batch', 'input', 0, '0.50', 'anthropic', 'batch is 50% of standard'),
    ('anthropic', 'claude-haiku-4-5', 'batch', 'output', 0, '2.50', 'anthropic', 'batch is 50% of standard'),
    ('google', 'gemini-2.5-pro', 'standard', 'input', 0, '1.25', 'litellm', NULL),
    ('google', 'gemini-2.5-pro', 'standard', 'cache_read', 0, '0.125', 'litellm', 'was 0.3125 in the Sep-2025 map'),
    ('google', 'gemini-2.5-pro', 'standard', 'output', 0, '10.00', 'litellm', NULL),
    ('google', 'gemini-2.5-pro', 'standard', 'input', 200001, '2.50', 'litellm', 'above 200K input tokens'),
    ('google', 'gemini-2.5-pro', 'standard', 'output', 200001, '15.00', 'litellm', 'above 200K input tokens'),
    ('google', 'gemini-2.5-flash', 'standard', 'input', 0, '0.30', 'litellm', NULL),
    ('google', 'gemini-2.5-flash', 'standard', 'cache_read', 0, '0.03', 'litellm', 'was 0.075 in the Sep-2025 map'),
    ('google', 'gemini-2.5-flash', 'standard', 'output', 0, '2.50', 'litellm', NULL),
    ('google', 'gemini-3-pro-preview', 'standard', 'input', 0, '2.00', 'litellm', NULL),
    ('google', 'gemini-3-pro-preview', 'standard', 'cache_read', 0, '0.20', 'litellm', NULL),
    ('google', 'gemini-3-pro-preview', 'standard', 'output', 0, '12.00', 'litellm', NULL),
    ('google', 'gemini-3-pro-preview', 'standard', 'input', 200001, '4.00', 'litellm', 'above 200K input tokens'),
    ('google', 'gemini-3-pro-preview', 'standard', 'output', 200001, '18.00', 'litellm', 'above 200K input tokens'),
    ('google', 'gemini-3-pro-preview', 'batch', 'input', 0, '1.00', 'litellm', NULL),
    ('google', 'gemini-3-pro-preview', 'batch', 'output', 0, '6.00', 'litellm', NULL),
    ('deepseek', 'deepseek-chat', 'standard', 'input', 0, '0.28', 'litellm', 'history: 0.14/0.28 (2024-05), 0.27/1.10 (2025-02), then 0.28/0.42'),
    ('deepseek', 'deepseek-chat', 'standard', 'cache_read', 0, '0.028', 'litellm', NULL),
    ('deepseek', 'deepseek-chat', 'standard', 'cache_write', 0, '0', 'litellm', NULL),
    ('deepseek', 'deepseek-chat', 'standard', 'output', 0, '0.42', 'litellm', 'history: 0.14/0.28 (2024-05), 0.27/1.10 (2025-02), then 0.28/0.42'),
    ('xai', 'grok-4', 'standard', 'input', 0, '3.00', 'litellm', NULL),
    ('xai', 'grok-4', 'standard', 'output', 0, '15.00', 'litellm', NULL),
    ('mistral', 'mistral-large-latest', 'standard', 'input', 0, '2.00', 'litellm', NULL),
    ('mistral', 'mistral-large-latest', 'standard', 'output', 0, '6.00', 'litellm', NULL)
) AS s(provider, model, tier, usage, min_input, usd, src, note);

INSERT INTO @extschema@.model_alias (provider, alias, model, is_seed, note) VALUES
    ('openai', 'gpt-4o-2024-08-06', 'gpt-4o', true, 'dated snapshot'),
    ('openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini', true, 'dated snapshot'),
    ('openai', 'gpt-4.1-2025-04-14', 'gpt-4.1', true, 'dated snapshot'),
    ('openai', 'o4-mini-2025-04-16', 'o4-mini', true, 'dated snapshot'),
    ('openai', 'gpt-5-2025-08-07', 'gpt-5', true, 'dated snapshot'),
    ('openai', 'gpt-5-mini-2025-08-07', 'gpt-5-mini', true, 'dated snapshot'),
    ('anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', true, 'dated snapshot'),
    ('anthropic', 'claude-haiku-4-5-20251001', 'claude-haiku-4-5', true, 'dated snapshot'),
    ('google', 'gemini/gemini-2.5-pro', 'gemini-2.5-pro', true, 'LiteLLM key'),
    ('google', 'gemini/gemini-2.5-flash', 'gemini-2.5-flash', true, 'LiteLLM key'),
    ('google', 'gemini/gemini-3-pro-preview', 'gemini-3-pro-preview', true, 'LiteLLM key'),
    ('deepseek', 'deepseek/deepseek-chat', 'deepseek-chat', true, 'LiteLLM key'),
    ('xai', 'xai/grok-4', 'grok-4', true, 'LiteLLM key'),
    ('mistral', 'mistral/mistral-large-latest', 'mistral-large-latest', true, 'LiteLLM key');

-- Checks a price row before the exclusion constraint does, with a message that says how to fix it.
CREATE FUNCTION @extschema@.model_price_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_seed THEN
        RAISE EXCEPTION 'seed price % (%/% %) is read-only', OLD.price_id, OLD.provider, OLD.model, OLD.usage_type
            USING ERRCODE = '42501',
                  DETAIL = 'Seed prices ship with dexcost and are replaced by its upgrades.',
                  HINT = 'Insert your own row for the same model and period: it takes precedence over the seed row.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.is_seed THEN
        RAISE EXCEPTION 'cannot add seed price rows'
            USING ERRCODE = '42501',
                  HINT = 'Leave is_seed false: your rows take precedence over the seed rows.';
    END IF;
    IF NEW.usage_type IS NULL OR NEW.service_tier IS NULL OR NEW.usd_per_mtok IS NULL OR NEW.min_input_tokens IS NULL THEN
        RAISE EXCEPTION 'price for %/% must give usage_type, service_tier, usd_per_mtok and min_input_tokens',
                NEW.provider, NEW.model
            USING ERRCODE = '23502',
                  HINT = 'Leave service_tier and min_input_tokens out for the standard tier''s base price.';
    END IF;
    IF NEW.usage_type NOT IN ('input', 'cache_read', 'cache_write', 'cache_write_1h', 'output', 'reasoning') THEN
        RAISE EXCEPTION 'invalid usage_type "%"', NEW.usage_type
            USING ERRCODE = '22P02',
                  DETAIL = 'usage_type must be input, cache_read, cache_write, cache_write_1h, output or reasoning.',
                  HINT = 'input means uncached input tokens; price cache reads and writes in their own rows.';
    END IF;
    IF NEW.service_tier NOT IN ('standard', 'batch', 'flex', 'priority') THEN
        RAISE EXCEPTION 'invalid service_tier "%"', NEW.service_tier
            USING ERRCODE = '22P02',
                  DETAIL = 'service_tier must be standard, batch, flex or priority.',
                  HINT = 'Price each tier in its own rows.';
    END IF;
    IF NEW.usd_per_mtok < 0 OR NEW.usd_per_mtok = 'NaN'::numeric OR NEW.usd_per_mtok >= 1000000000 THEN
        RAISE EXCEPTION 'invalid usd_per_mtok "%" for %/% %', NEW.usd_per_mtok, NEW.provider, NEW.model, NEW.usage_type
            USING ERRCODE = '23514',
                  HINT = 'Give the price in USD per million tokens: at least 0 and below 1,000,000,000.';
    END IF;
    IF pg_catalog.min_scale(NEW.usd_per_mtok) > 12 THEN
        RAISE EXCEPTION 'invalid usd_per_mtok "%": more than 12 decimal places', NEW.usd_per_mtok
            USING ERRCODE = '23514',
                  HINT = 'Prices are kept to 12 decimal places per million tokens (1e-18 USD per token).';
    END IF;
    IF NEW.currency IS DISTINCT FROM 'USD' THEN
        RAISE EXCEPTION 'invalid currency "%" for %/%', NEW.currency, NEW.provider, NEW.model
            USING ERRCODE = '0A000',
                  HINT = 'This version keeps prices in USD only: convert the price before inserting it.';
    END IF;
    IF NEW.min_input_tokens < 0 THEN
        RAISE EXCEPTION 'invalid min_input_tokens "%"', NEW.min_input_tokens
            USING ERRCODE = '23514',
                  HINT = 'Use 0 for the base price and the first token count of a long-context band (e.g. 200001) for its price.';
    END IF;
    IF NEW.valid_to <= NEW.valid_from THEN
        RAISE EXCEPTION 'price for %/% % must end after it starts (valid_from %, valid_to %)',
                NEW.provider, NEW.model, NEW.usage_type, NEW.valid_from, NEW.valid_to
            USING ERRCODE = '23514',
                  HINT = 'valid_from is inclusive and valid_to exclusive; leave valid_to NULL for an open-ended price.';
    END IF;
    SELECT p.price_id, p.valid_from, p.valid_to INTO other
      FROM @extschema@.model_price AS p
     WHERE p.provider = NEW.provider AND p.model = NEW.model AND p.usage_type = NEW.usage_type
       AND p.service_tier = NEW.service_tier AND p.min_input_tokens = NEW.min_input_tokens
       AND p.is_seed = NEW.is_seed AND p.price_id <> NEW.price_id
       AND pg_catalog.tstzrange(p.valid_from, p.valid_to) OPERATOR(pg_catalog.&&)
           pg_catalog.tstzrange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price for %/% % (% tier) from % to % overlaps price % in force from % to %',
                NEW.provider, NEW.model, NEW.usage_type, NEW.service_tier,
                NEW.valid_from, coalesce(NEW.valid_to::text, 'open end'),
                other.price_id, other.valid_from, coalesce(other.valid_to::text, 'open end')
            USING ERRCODE = '23P01',
                  HINT = CASE
                    WHEN NEW.valid_from > other.valid_from THEN
                      pg_catalog.format('Close price %s where the new one starts: UPDATE dexcost.model_price SET valid_to = %L WHERE price_id = %s.',
                                        other.price_id, NEW.valid_from, other.price_id)
                    WHEN NEW.valid_from < other.valid_from THEN
                      pg_catalog.format('End the new price where price %s starts: valid_to = %L.', other.price_id, other.valid_from)
                    ELSE
                      pg_catalog.format('Price %s starts at the same time: update it instead of adding another row.', other.price_id)
                  END;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.model_price_before_write() IS
  'Trigger: checks a price row (vocabulary, range, overlap) and keeps seed rows read-only.';

-- Seed rows are in; from here on every write goes through the checks.
CREATE TRIGGER model_price_before_write
  BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.model_price
  FOR EACH ROW EXECUTE FUNCTION @extschema@.model_price_before_write();

CREATE FUNCTION @extschema@.model_alias_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_seed THEN
        RAISE EXCEPTION 'seed alias "%" of provider "%" is read-only', OLD.alias, OLD.provider
            USING ERRCODE = '42501',
                  HINT = 'Insert your own row for the same alias: it takes precedence over the seed row.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.is_seed THEN
        RAISE EXCEPTION 'cannot add seed alias rows'
            USING ERRCODE = '42501',
                  HINT = 'Leave is_seed false: your rows take precedence over the seed rows.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.model_alias_before_write() IS
  'Trigger: keeps seed alias rows read-only.';

CREATE TRIGGER model_alias_before_write
  BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.model_alias
  FOR EACH ROW EXECUTE FUNCTION @extschema@.model_alias_before_write();

CREATE FUNCTION @extschema@.refuse_truncate_seeds() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'cannot truncate dexcost.%: it holds read-only seed rows', TG_TABLE_NAME
        USING ERRCODE = '42501',
              HINT = pg_catalog.format('Delete your own rows instead: DELETE FROM dexcost.%I WHERE NOT is_seed;', TG_TABLE_NAME);
END;
$$;
COMMENT ON FUNCTION @extschema@.refuse_truncate_seeds() IS
  'Trigger: refuses TRUNCATE of a catalogue table, which would remove the read-only seed rows.';
CREATE TRIGGER model_price_no_truncate
  BEFORE TRUNCATE ON @extschema@.model_price
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_truncate_seeds();
CREATE TRIGGER model_alias_no_truncate
  BEFORE TRUNCATE ON @extschema@.model_alias
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_truncate_seeds();

-- Every backend keeps the catalogue in memory; a change to it tells them all to reload.
CREATE FUNCTION @extschema@.price_catalog_changed() RETURNS trigger
  LANGUAGE C
  AS 'MODULE_PATHNAME', 'dexcost_price_catalog_changed';
COMMENT ON FUNCTION @extschema@.price_catalog_changed() IS
  'Trigger (C++): invalidates the in-memory price catalogue of every backend when prices or aliases change (at commit).';

CREATE TRIGGER model_price_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.model_price
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.price_catalog_changed();
CREATE TRIGGER model_alias_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.model_alias
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.price_catalog_changed();

------------------------------------------------------------------------------------------
-- Cost computation
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.compute_cost(
    provider text,
    model text,
    service_tier text DEFAULT 'standard',
    at timestamptz DEFAULT pg_catalog.now(),
    input_tokens bigint DEFAULT NULL,
    cache_read_tokens bigint DEFAULT NULL,
    cache_write_tokens bigint DEFAULT NULL,
    cache_write_1h_tokens bigint DEFAULT NULL,
    output_tokens bigint DEFAULT NULL,
    reasoning_tokens bigint DEFAULT NULL,
    OUT cost_usd numeric,
    OUT cost_confidence text,
    OUT pricing_version text,
    OUT unpriced_reason text)
  RETURNS record
  LANGUAGE C STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'dexcost_compute_cost';
COMMENT ON FUNCTION @extschema@.compute_cost(text, text, text, timestamptz, bigint, bigint, bigint, bigint, bigint, bigint) IS
  'Prices token counts with the catalogue in force at the given time: cost_confidence computed with the price ids used, or unknown with the reason (never a zero cost).';

CREATE FUNCTION @extschema@.reprice(
    from_time timestamptz,
    to_time timestamptz,
    OUT events_changed bigint,
    OUT events_newly_priced bigint,
    OUT events_now_unpriced bigint,
    OUT cost_before_usd numeric,
    OUT cost_after_usd numeric,
    OUT cost_change_usd numeric)
  RETURNS record
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_time >= to_time THEN
        RAISE EXCEPTION 'invalid period from % to %', from_time, to_time
            USING ERRCODE = '22023',
                  HINT = 'from_time is inclusive and must come before to_time (exclusive).';
    END IF;
    WITH candidate AS (
        SELECT e.customer_id, e.event_id, e.cost_usd AS old_cost, e.cost_confidence AS old_confidence
          FROM @extschema@.cost_event AS e
         CROSS JOIN LATERAL @extschema@.compute_cost(
                   e.provider, e.model, e.service_tier, e.occurred_at, e.input_tokens, e.cache_read_tokens,
                   e.cache_write_tokens, e.cache_write_1h_tokens, e.output_tokens, e.reasoning_tokens) AS c
         WHERE e.occurred_at >= from_time AND e.occurred_at < to_time
           AND e.cost_confidence IN ('computed', 'unknown')
           -- A cost the client computed stays unless dexcost can now price it itself.
           AND (c.cost_confidence = 'computed' OR e.pricing_version LIKE 'dexcost:%')
           AND (e.cost_usd IS DISTINCT FROM c.cost_usd OR e.cost_confidence <> c.cost_confidence
                OR e.pricing_version IS DISTINCT FROM c.pricing_version)
    ), changed AS (
        -- The cost_event trigger prices a computed event whose cost is NULL: the same catalogue
        -- and rule as compute_cost() above.
        UPDATE @extschema@.cost_event AS e
           SET cost_usd = NULL,
               cost_confidence = 'computed',
               pricing_version = NULL
          FROM candidate
         WHERE e.customer_id = candidate.customer_id AND e.event_id = candidate.event_id
        RETURNING candidate.old_cost, candidate.old_confidence, e.cost_usd AS new_cost, e.cost_confidence AS new_confidence
    )
    SELECT count(*),
           count(*) FILTER (WHERE old_confidence = 'unknown' AND new_confidence = 'computed'),
           count(*) FILTER (WHERE old_confidence = 'computed' AND new_confidence = 'unknown'),
           coalesce(sum(old_cost), 0),
           coalesce(sum(new_cost), 0),
           coalesce(sum(new_cost), 0) - coalesce(sum(old_cost), 0)
      INTO events_changed, events_newly_priced, events_now_unpriced, cost_before_usd, cost_after_usd, cost_change_usd
      FROM changed;
END;
$$;
COMMENT ON FUNCTION @extschema@.reprice(timestamptz, timestamptz) IS
  'Recomputes computed and unknown event costs in [from_time, to_time) with the current catalogue, never touching exact or estimated costs; returns how many events and how much money changed.';

------------------------------------------------------------------------------------------
-- Unpriced spend
------------------------------------------------------------------------------------------

CREATE VIEW @extschema@.unpriced_spend WITH (security_invoker = true) AS
SELECT g.provider,
       g.model,
       g.service_tier,
       g.event_type,
       g.service_name,
       g.events,
       g.customers,
       g.input_tokens,
       g.cache_read_tokens,
       g.cache_write_tokens,
       g.output_tokens,
       g.first_seen,
       g.last_seen,
       CASE
         WHEN g.model IS NULL AND g.event_type IN ('external_cost', 'compute_cost')
           THEN 'no cost_usd, and no quantity with unit_price_usd to estimate it'
         ELSE c.unpriced_reason
       END AS reason
  FROM (SELECT e.provider, e.model, e.service_tier, e.event_type, e.service_name,
               count(*) AS events,
               count(DISTINCT e.customer_id) AS customers,
               coalesce(sum(e.input_tokens), 0)::bigint AS input_tokens,
               coalesce(sum(e.cache_read_tokens), 0)::bigint AS cache_read_tokens,
               coalesce(sum(coalesce(e.cache_write_tokens, 0) + coalesce(e.cache_write_1h_tokens, 0)), 0)::bigint
                 AS cache_write_tokens,
               coalesce(sum(coalesce(e.output_tokens, 0) + coalesce(e.reasoning_tokens, 0)), 0)::bigint AS output_tokens,
               min(e.occurred_at) AS first_seen,
               max(e.occurred_at) AS last_seen,
               -- The latest event's own counts (sums could reach a context band no event reached).
               (pg_catalog.array_agg(ARRAY[e.input_tokens, e.cache_read_tokens, e.cache_write_tokens,
                                           e.cache_write_1h_tokens, e.output_tokens, e.reasoning_tokens]
                                     ORDER BY e.occurred_at DESC, e.event_id))[1:1] AS latest_tokens
          FROM @extschema@.cost_event AS e
         WHERE e.cost_confidence = 'unknown'
         GROUP BY e.provider, e.model, e.service_tier, e.event_type, e.service_name) AS g
  -- The reason shown for a group is the catalogue's answer for its latest event.
  CROSS JOIN LATERAL @extschema@.compute_cost(
            g.provider, g.model, g.service_tier, g.last_seen,
            g.latest_tokens[1][1], g.latest_tokens[1][2], g.latest_tokens[1][3],
            g.latest_tokens[1][4], g.latest_tokens[1][5], g.latest_tokens[1][6]) AS c;

COMMENT ON VIEW @extschema@.unpriced_spend IS
  'Events whose cost is unknown, by provider, model, tier, event type and service, with the reason: spend that would otherwise hide as $0.';
COMMENT ON COLUMN @extschema@.unpriced_spend.provider IS 'Provider the events name.';
COMMENT ON COLUMN @extschema@.unpriced_spend.model IS 'Model the events name.';
COMMENT ON COLUMN @extschema@.unpriced_spend.service_tier IS 'Service tier of the events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.event_type IS 'Event type.';
COMMENT ON COLUMN @extschema@.unpriced_spend.service_name IS 'Paid service the events name (external and compute costs).';
COMMENT ON COLUMN @extschema@.unpriced_spend.events IS 'Number of unpriced events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.customers IS 'Number of customers with unpriced events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.input_tokens IS 'Uncached input tokens of those events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.cache_read_tokens IS 'Cache-read tokens of those events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.cache_write_tokens IS 'Cache-write tokens (both lifetimes) of those events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.output_tokens IS 'Output and reasoning tokens of those events.';
COMMENT ON COLUMN @extschema@.unpriced_spend.first_seen IS 'Earliest unpriced event.';
COMMENT ON COLUMN @extschema@.unpriced_spend.last_seen IS 'Latest unpriced event.';
COMMENT ON COLUMN @extschema@.unpriced_spend.reason IS 'Why dexcost cannot price them, e.g. no price for the model or tier: add a row to dexcost.model_price or dexcost.model_alias, then run dexcost.reprice().';

------------------------------------------------------------------------------------------
-- Revenue revisions (the dexcost SDK's revenue-revision.v1 ledger)
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.revenue_revision (
    customer_id      text        NOT NULL,
    revenue_id       uuid        NOT NULL,
    revision         integer     NOT NULL,
    task_id          uuid        NOT NULL,
    outcome_id       uuid,
    state            text        NOT NULL,
    amount           numeric,
    currency         text,
    effective_at     timestamptz NOT NULL,
    observed_at      timestamptz NOT NULL,
    source_type      text        NOT NULL,
    source_record_id text,
    recorded_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT revenue_revision_pkey PRIMARY KEY (customer_id, revenue_id, revision),
    CONSTRAINT revenue_revision_task_fkey FOREIGN KEY (customer_id, task_id)
        REFERENCES @extschema@.task (customer_id, task_id) ON DELETE CASCADE,
    CONSTRAINT revenue_revision_revision_check CHECK (revision >= 1),
    CONSTRAINT revenue_revision_state_check CHECK (state IN ('pending', 'provisional', 'recognized', 'voided')),
    CONSTRAINT revenue_revision_amount_check
        CHECK ((state IN ('provisional', 'recognized')) = (amount IS NOT NULL) AND (amount IS NULL) = (currency IS NULL)
               AND amount >= 0 AND amount <> 'NaN'::numeric AND amount <> 'Infinity'::numeric),
    CONSTRAINT revenue_revision_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT revenue_revision_voided_check CHECK (state <> 'voided' OR revision >= 2),
    CONSTRAINT revenue_revision_source_check CHECK (source_type IN ('sdk', 'workspace_api', 'import', 'manual'))
);
COMMENT ON TABLE @extschema@.revenue_revision IS
  'Revenue attributed to tasks, as an append-only ledger of revisions (dexcost SDK revenue-revision.v1): the highest revision of a revenue_id is its current state.';
COMMENT ON COLUMN @extschema@.revenue_revision.customer_id IS 'The task''s customer (filled from the task when NULL).';
COMMENT ON COLUMN @extschema@.revenue_revision.revenue_id IS 'Identity of the revenue across its revisions.';
COMMENT ON COLUMN @extschema@.revenue_revision.revision IS 'Revision number: 1, then each next one, without gaps.';
COMMENT ON COLUMN @extschema@.revenue_revision.task_id IS 'Task the revenue is attributed to (fixed across revisions).';
COMMENT ON COLUMN @extschema@.revenue_revision.outcome_id IS 'Outcome the revenue depends on, if any (fixed across revisions).';
COMMENT ON COLUMN @extschema@.revenue_revision.state IS 'pending, provisional, recognized or voided; only recognized revenue counts as revenue.';
COMMENT ON COLUMN @extschema@.revenue_revision.amount IS 'Amount in currency; present exactly for provisional and recognized revisions.';
COMMENT ON COLUMN @extschema@.revenue_revision.currency IS 'ISO 4217 code of the amount; a revenue keeps its currency across revisions.';
COMMENT ON COLUMN @extschema@.revenue_revision.effective_at IS 'When the revenue takes effect (its period).';
COMMENT ON COLUMN @extschema@.revenue_revision.observed_at IS 'When the source system observed this revision.';
COMMENT ON COLUMN @extschema@.revenue_revision.source_type IS 'Who asserted it: sdk, workspace_api, import or manual (fixed across revisions).';
COMMENT ON COLUMN @extschema@.revenue_revision.source_record_id IS 'The asserting system''s own record identifier.';
COMMENT ON COLUMN @extschema@.revenue_revision.recorded_at IS 'When dexcost stored the revision.';

-- Enforces the revision ledger: contiguous revisions, immutable identity, allowed transitions.
CREATE FUNCTION @extschema@.revenue_revision_before_write() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev record;
    tasks integer;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'revision % of revenue % cannot be changed', OLD.revision, OLD.revenue_id
            USING ERRCODE = '23001',
                  HINT = 'Revenue revisions are append-only: insert the next revision instead.';
    END IF;
    IF NEW.customer_id IS NULL THEN
        SELECT min(t.customer_id), count(*) INTO NEW.customer_id, tasks
          FROM @extschema@.task AS t WHERE t.task_id = NEW.task_id;
        IF tasks <> 1 THEN
            RAISE EXCEPTION 'task % of revenue % %', NEW.task_id, NEW.revenue_id,
                    CASE WHEN tasks = 0 THEN 'does not exist' ELSE 'exists for several customers' END
                USING ERRCODE = '23503',
                      HINT = 'Insert the task first, or give the revenue''s customer_id.';
        END IF;
    END IF;
    -- One revenue's revisions are decided one at a time.
    PERFORM pg_catalog.pg_advisory_xact_lock(1684371557, pg_catalog.hashtext(NEW.revenue_id::text));
    SELECT r.* INTO prev FROM @extschema@.revenue_revision AS r
     WHERE r.customer_id = NEW.customer_id AND r.revenue_id = NEW.revenue_id AND r.revision = NEW.revision;
    IF FOUND THEN
        IF (prev.task_id, prev.outcome_id, prev.state, prev.amount, prev.currency, prev.effective_at, prev.observed_at,
            prev.source_type, prev.source_record_id)
           IS NOT DISTINCT FROM
           (NEW.task_id, NEW.outcome_id, NEW.state, NEW.amount, NEW.currency, NEW.effective_at, NEW.observed_at,
            NEW.source_type, NEW.source_record_id) THEN
            RETURN NULL; -- the same revision again: nothing to do
        END IF;
        RAISE EXCEPTION 'revision % of revenue % already exists with different contents', NEW.revision, NEW.revenue_id
            USING ERRCODE = '23505',
                  HINT = 'Send the change as the next revision.';
    END IF;
    SELECT r.* INTO prev FROM @extschema@.revenue_revision AS r
     WHERE r.customer_id = NEW.customer_id AND r.revenue_id = NEW.revenue_id
     ORDER BY r.revision DESC LIMIT 1;
    IF NOT FOUND THEN
        IF NEW.revision <> 1 THEN
            RAISE EXCEPTION 'revision % of revenue % arrived before revision 1', NEW.revision, NEW.revenue_id
                USING ERRCODE = '23514',
                      HINT = 'Revisions count 1, 2, 3 ... without gaps: send the missing revisions first.';
        END IF;
        RETURN NEW;
    END IF;
    IF prev.revision <> NEW.revision - 1 THEN
        RAISE EXCEPTION 'revision % of revenue % does not follow its latest revision %', NEW.revision, NEW.revenue_id,
                prev.revision
            USING ERRCODE = '23514',
                  HINT = 'Revisions count 1, 2, 3 ... without gaps: send the missing revisions first.';
    END IF;
    IF (prev.task_id, prev.outcome_id, prev.source_type, prev.source_record_id)
       IS DISTINCT FROM (NEW.task_id, NEW.outcome_id, NEW.source_type, NEW.source_record_id) THEN
        RAISE EXCEPTION 'revision % of revenue % changes its task, outcome or source', NEW.revision, NEW.revenue_id
            USING ERRCODE = '23514',
                  HINT = 'A revenue keeps its task_id, outcome_id and source across revisions: void it and create a new revenue_id.';
    END IF;
    IF prev.currency IS NOT NULL AND NEW.currency IS NOT NULL AND prev.currency <> NEW.currency THEN
        RAISE EXCEPTION 'revision % of revenue % changes its currency from % to %', NEW.revision, NEW.revenue_id,
                prev.currency, NEW.currency
            USING ERRCODE = '23514',
                  HINT = 'Void the revenue and create a new revenue_id in the other currency.';
    END IF;
    IF prev.state = 'voided'
       OR (prev.state = 'provisional' AND NEW.state = 'pending')
       OR (prev.state = 'recognized' AND NEW.state IN ('pending', 'provisional')) THEN
        RAISE EXCEPTION 'revenue % cannot go from % to %', NEW.revenue_id, prev.state, NEW.state
            USING ERRCODE = '23514',
                  HINT = 'Revenue moves forward: pending, provisional, recognized, and any of them to voided; voided is final.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.revenue_revision_before_write() IS
  'Trigger: keeps revenue revisions an append-only ledger (contiguous revisions, fixed task, outcome, source and currency, forward-only states); the same revision sent again is ignored.';
CREATE TRIGGER revenue_revision_before_write
  BEFORE INSERT OR UPDATE ON @extschema@.revenue_revision
  FOR EACH ROW EXECUTE FUNCTION @extschema@.revenue_revision_before_write();

CREATE VIEW @extschema@.revenue_current WITH (security_invoker = true) AS
SELECT DISTINCT ON (r.customer_id, r.revenue_id)
       r.customer_id, r.revenue_id, r.revision, r.task_id, r.outcome_id, r.state,
       r.amount, r.currency, r.effective_at, r.observed_at, r.source_type, r.source_record_id,
       r.state = 'recognized' AS recognized
  FROM @extschema@.revenue_revision AS r
 ORDER BY r.customer_id, r.revenue_id, r.revision DESC;
COMMENT ON VIEW @extschema@.revenue_current IS
  'The current (highest) revision of every revenue; only recognized revenue counts as revenue.';
COMMENT ON COLUMN @extschema@.revenue_current.customer_id IS 'Customer of the revenue''s task.';
COMMENT ON COLUMN @extschema@.revenue_current.revenue_id IS 'The revenue.';
COMMENT ON COLUMN @extschema@.revenue_current.revision IS 'Its latest revision.';
COMMENT ON COLUMN @extschema@.revenue_current.task_id IS 'Task it is attributed to.';
COMMENT ON COLUMN @extschema@.revenue_current.outcome_id IS 'Outcome it depends on, if any.';
COMMENT ON COLUMN @extschema@.revenue_current.state IS 'pending, provisional, recognized or voided.';
COMMENT ON COLUMN @extschema@.revenue_current.amount IS 'Amount in currency (NULL when pending or voided).';
COMMENT ON COLUMN @extschema@.revenue_current.currency IS 'ISO 4217 currency of the amount.';
COMMENT ON COLUMN @extschema@.revenue_current.effective_at IS 'When the revenue takes effect.';
COMMENT ON COLUMN @extschema@.revenue_current.observed_at IS 'When the latest revision was observed.';
COMMENT ON COLUMN @extschema@.revenue_current.source_type IS 'Who asserted it.';
COMMENT ON COLUMN @extschema@.revenue_current.source_record_id IS 'The asserting system''s record identifier.';
COMMENT ON COLUMN @extschema@.revenue_current.recognized IS 'Whether it counts as revenue now.';

------------------------------------------------------------------------------------------
-- SDK ingest
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.task_reported_totals (
    customer_id         text        NOT NULL,
    task_id             uuid        NOT NULL,
    llm_cost_usd        numeric,
    external_cost_usd   numeric,
    compute_cost_usd    numeric,
    network_cost_usd    numeric,
    gpu_cost_usd        numeric,
    total_cost_usd      numeric,
    total_input_tokens  bigint,
    total_output_tokens bigint,
    total_cached_tokens bigint,
    retry_count         bigint,
    retry_cost_usd      numeric,
    failure_count       bigint,
    network_bytes_in    bigint,
    network_bytes_out   bigint,
    network_call_count  bigint,
    reported_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT task_reported_totals_pkey PRIMARY KEY (customer_id, task_id),
    CONSTRAINT task_reported_totals_task_fkey FOREIGN KEY (customer_id, task_id)
        REFERENCES @extschema@.task (customer_id, task_id) ON DELETE CASCADE
);
COMMENT ON TABLE @extschema@.task_reported_totals IS
  'The totals a dexcost SDK client reported in its task records, kept as reported: the ledger''s own totals (dexcost.task_cost) are the system of record; dexcost.reported_totals_mismatch compares them.';
COMMENT ON COLUMN @extschema@.task_reported_totals.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.task_reported_totals.task_id IS 'The task.';
COMMENT ON COLUMN @extschema@.task_reported_totals.llm_cost_usd IS 'Reported LLM cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.external_cost_usd IS 'Reported external cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.compute_cost_usd IS 'Reported compute cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.network_cost_usd IS 'Reported network cost (the SDK prices bytes per task, not per event).';
COMMENT ON COLUMN @extschema@.task_reported_totals.gpu_cost_usd IS 'Reported GPU cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.total_cost_usd IS 'Reported total cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.total_input_tokens IS 'Reported input tokens (the SDK adds providers'' counts as they come, cache included or not).';
COMMENT ON COLUMN @extschema@.task_reported_totals.total_output_tokens IS 'Reported output tokens.';
COMMENT ON COLUMN @extschema@.task_reported_totals.total_cached_tokens IS 'Reported cached tokens.';
COMMENT ON COLUMN @extschema@.task_reported_totals.retry_count IS 'Reported retry count.';
COMMENT ON COLUMN @extschema@.task_reported_totals.retry_cost_usd IS 'Reported retry cost.';
COMMENT ON COLUMN @extschema@.task_reported_totals.failure_count IS 'Reported failure count (the SDK counts a failed task as 1).';
COMMENT ON COLUMN @extschema@.task_reported_totals.network_bytes_in IS 'Reported bytes received.';
COMMENT ON COLUMN @extschema@.task_reported_totals.network_bytes_out IS 'Reported bytes sent.';
COMMENT ON COLUMN @extschema@.task_reported_totals.network_call_count IS 'Reported network calls.';
COMMENT ON COLUMN @extschema@.task_reported_totals.reported_at IS 'When the report was last received.';

CREATE VIEW @extschema@.reported_totals_mismatch WITH (security_invoker = true) AS
SELECT r.customer_id, r.task_id, m.measure, m.reported, m.ledger, r.reported_at
  FROM @extschema@.task_reported_totals AS r
  JOIN @extschema@.task_cost AS c ON c.customer_id = r.customer_id AND c.task_id = r.task_id
 CROSS JOIN LATERAL (VALUES
        ('total_cost_usd', r.total_cost_usd, (c.own).total_cost_usd),
        ('retry_cost_usd', r.retry_cost_usd, (c.own).retry_cost_usd),
        ('retry_count', r.retry_count::numeric, (c.own).retry_count::numeric)) AS m(measure, reported, ledger)
 WHERE m.reported IS NOT NULL AND m.reported IS DISTINCT FROM m.ledger;
COMMENT ON VIEW @extschema@.reported_totals_mismatch IS
  'Tasks whose SDK-reported totals differ from what the ledger''s events add up to (total cost, retry cost, retry count). Expected while events are still arriving; the SDK also prices network bytes per task while dexcost sums network events.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.customer_id IS 'Customer of the task.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.task_id IS 'The task.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.measure IS 'What differs: total_cost_usd, retry_cost_usd or retry_count.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.reported IS 'The SDK''s figure.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.ledger IS 'The figure of the task''s own events in dexcost.';
COMMENT ON COLUMN @extschema@.reported_totals_mismatch.reported_at IS 'When the SDK last reported it.';

CREATE TABLE @extschema@.ingest_pending (
    record_type text        NOT NULL,
    record_key  text        NOT NULL,
    waits_for   uuid        NOT NULL,
    record      jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    receipt_id  uuid,
    CONSTRAINT ingest_pending_pkey PRIMARY KEY (record_type, record_key),
    CONSTRAINT ingest_pending_record_type_check CHECK (record_type IN ('event', 'task', 'revenue_revision'))
);
CREATE INDEX ingest_pending_waits_for_idx ON @extschema@.ingest_pending (waits_for);
COMMENT ON TABLE @extschema@.ingest_pending IS
  'Records dexcost.ingest() received for a task it does not know yet (or, for tasks, whose parent it does not know): kept as received and stored the moment that task is inserted, by ingest() or plain SQL.';
COMMENT ON COLUMN @extschema@.ingest_pending.record_type IS 'event, task or revenue_revision.';
COMMENT ON COLUMN @extschema@.ingest_pending.record_key IS 'event_id, task_id, or revenue_id:revision: a record sent again replaces its earlier copy.';
COMMENT ON COLUMN @extschema@.ingest_pending.waits_for IS 'The task it waits for (for a task record: its parent).';
COMMENT ON COLUMN @extschema@.ingest_pending.record IS 'The record as the SDK sent it.';
COMMENT ON COLUMN @extschema@.ingest_pending.received_at IS 'When it was last received.';
COMMENT ON COLUMN @extschema@.ingest_pending.receipt_id IS 'The ingest call that last received it (dexcost.ingest_receipt).';

CREATE TABLE @extschema@.ingest_raw_record (
    record_type text        NOT NULL,
    record_key  text        NOT NULL,
    record      jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    receipt_id  uuid,
    CONSTRAINT ingest_raw_record_pkey PRIMARY KEY (record_type, record_key)
);
COMMENT ON TABLE @extschema@.ingest_raw_record IS
  'SDK records of kinds dexcost keeps but does not model yet (business_identities, outcomes), stored as received so nothing the SDK sends is lost.';
COMMENT ON COLUMN @extschema@.ingest_raw_record.record_type IS 'business_identity or outcome.';
COMMENT ON COLUMN @extschema@.ingest_raw_record.record_key IS 'md5 of the record''s JSON: the same record sent again is kept once; an edited record is kept as another row (the v1 contract publishes no schema, so no id, for these records).';
COMMENT ON COLUMN @extschema@.ingest_raw_record.record IS 'The record as the SDK sent it.';
COMMENT ON COLUMN @extschema@.ingest_raw_record.received_at IS 'When it was first received (a copy sent again changes nothing).';
COMMENT ON COLUMN @extschema@.ingest_raw_record.receipt_id IS 'The ingest call that first received it.';

CREATE TABLE @extschema@.ingest_receipt (
    receipt_id  uuid        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    origin      text        NOT NULL,
    queued      integer     NOT NULL,
    parked      integer     NOT NULL,
    rejected    integer     NOT NULL,
    errors      jsonb       NOT NULL,
    CONSTRAINT ingest_receipt_pkey PRIMARY KEY (receipt_id),
    CONSTRAINT ingest_receipt_origin_check CHECK (origin IN ('call', 'adoption'))
);
COMMENT ON TABLE @extschema@.ingest_receipt IS
  'One row per dexcost.ingest() call (origin call) and per adoption of parked records (origin adoption), with what was stored and what was refused and why.';
COMMENT ON COLUMN @extschema@.ingest_receipt.receipt_id IS 'The receipt_id the call answered with.';
COMMENT ON COLUMN @extschema@.ingest_receipt.received_at IS 'When the call ran.';
COMMENT ON COLUMN @extschema@.ingest_receipt.origin IS 'call: an ingest() call; adoption: parked records stored when their task arrived.';
COMMENT ON COLUMN @extschema@.ingest_receipt.queued IS 'Records accepted (stored, parked or kept raw).';
COMMENT ON COLUMN @extschema@.ingest_receipt.parked IS 'Of those, records parked until their task arrives.';
COMMENT ON COLUMN @extschema@.ingest_receipt.rejected IS 'Records refused.';
COMMENT ON COLUMN @extschema@.ingest_receipt.errors IS 'The refused records: [{"index": i, "reason": "..."}].';

CREATE FUNCTION @extschema@.ingest(payload jsonb) RETURNS jsonb
  LANGUAGE C VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'dexcost_ingest';
COMMENT ON FUNCTION @extschema@.ingest(jsonb) IS
  'Stores a dexcost SDK payload {"events": [...], "tasks": [...], "revenue_revisions": [...]} of v1 records, idempotently, and answers {"receipt_id", "queued", "parked", "rejected", "errors": [{"index", "reason"}]}; a bad record is refused alone (docs/ingest.md).';

CREATE FUNCTION @extschema@.ingest(payload text) RETURNS jsonb
  LANGUAGE C VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'dexcost_ingest_text';
COMMENT ON FUNCTION @extschema@.ingest(text) IS
  'ingest(jsonb) for the payload as JSON text, parsed by dexcost''s own parser instead of jsonb input (faster; the same answers and the same rows): what an SDK relay sends. A string literal or a text parameter calls this one.';

CREATE FUNCTION @extschema@.adopt_pending(task_ids uuid[] DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    payload jsonb;
BEGIN
    WITH taken AS (
        DELETE FROM @extschema@.ingest_pending AS p
         WHERE CASE WHEN task_ids IS NULL
                    THEN EXISTS (SELECT 1 FROM @extschema@.task AS t WHERE t.task_id = p.waits_for)
                    ELSE p.waits_for = ANY (task_ids) END
        RETURNING p.record_type, p.record, p.received_at
    )
    SELECT pg_catalog.jsonb_build_object(
             'events', coalesce(pg_catalog.jsonb_agg(record ORDER BY received_at) FILTER (WHERE record_type = 'event'), '[]'),
             'tasks', coalesce(pg_catalog.jsonb_agg(record ORDER BY received_at) FILTER (WHERE record_type = 'task'), '[]'),
             -- Revisions of one revenue in revision order, whatever order they arrived in.
             'revenue_revisions', coalesce(pg_catalog.jsonb_agg(record
                                               ORDER BY record->>'revenue_id',
                                                        CASE WHEN pg_catalog.jsonb_typeof(record->'lifecycle'->'revision') = 'number'
                                                             THEN (record->'lifecycle'->>'revision')::numeric END,
                                                        received_at)
                                           FILTER (WHERE record_type = 'revenue_revision'), '[]'),
             'count', count(*))
      INTO payload FROM taken;
    IF (payload->>'count')::bigint = 0 THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.ingest_records(payload - 'count', 'adoption');
END;
$$;
COMMENT ON FUNCTION @extschema@.adopt_pending(uuid[]) IS
  'Stores the parked ingest records waiting for the given tasks (all tasks that exist now when NULL); runs by itself when a task is inserted. Returns the adoption''s receipt, or NULL when nothing waited.';

CREATE FUNCTION @extschema@.ingest_records(payload jsonb, origin text) RETURNS jsonb
  LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'dexcost_ingest_records';
COMMENT ON FUNCTION @extschema@.ingest_records(jsonb, text) IS
  'Internal: ingest() with the origin recorded on its receipt (call or adoption).';

CREATE FUNCTION @extschema@.task_adopt_pending() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM @extschema@.ingest_pending AS p JOIN arrived AS a ON a.task_id = p.waits_for) THEN
        PERFORM @extschema@.adopt_pending(ARRAY(SELECT a.task_id FROM arrived AS a));
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.task_adopt_pending() IS
  'Trigger: when tasks are inserted, stores the ingest records that were waiting for them.';
CREATE TRIGGER task_adopt_pending
  AFTER INSERT ON @extschema@.task REFERENCING NEW TABLE AS arrived
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.task_adopt_pending();

------------------------------------------------------------------------------------------
-- Percentiles: the ddsketch type and its aggregates (src/pg_sketch.cpp, docs/percentiles.md)
------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.ddsketch;

CREATE FUNCTION @extschema@.ddsketch_in(cstring) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_ddsketch_in';
COMMENT ON FUNCTION @extschema@.ddsketch_in(cstring) IS
  'Input of ddsketch: "ddsketch:" followed by base64 of the versioned sketch bytes; checks every field.';
CREATE FUNCTION @extschema@.ddsketch_out(@extschema@.ddsketch) RETURNS cstring
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_ddsketch_out';
COMMENT ON FUNCTION @extschema@.ddsketch_out(@extschema@.ddsketch) IS
  'Output of ddsketch: "ddsketch:" followed by base64 of the versioned, compact sketch bytes.';
CREATE FUNCTION @extschema@.ddsketch_recv(internal) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_ddsketch_recv';
COMMENT ON FUNCTION @extschema@.ddsketch_recv(internal) IS 'Binary input of ddsketch (COPY BINARY, binary protocol).';
CREATE FUNCTION @extschema@.ddsketch_send(@extschema@.ddsketch) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_ddsketch_send';
COMMENT ON FUNCTION @extschema@.ddsketch_send(@extschema@.ddsketch) IS 'Binary output of ddsketch.';

CREATE TYPE @extschema@.ddsketch (
  INPUT = @extschema@.ddsketch_in,
  OUTPUT = @extschema@.ddsketch_out,
  RECEIVE = @extschema@.ddsketch_recv,
  SEND = @extschema@.ddsketch_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.ddsketch IS
  'A mergeable quantile sketch (DDSketch): every percentile within its relative error (1 % by default) of the exact one, for any distribution; store it per day or customer and merge later with sketch_merge().';

-- Transition, combine and final functions (not STRICT: they make the state on the first value).
CREATE FUNCTION @extschema@.sketch_add(@extschema@.ddsketch, float8) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_add';
COMMENT ON FUNCTION @extschema@.sketch_add(@extschema@.ddsketch, float8) IS
  'Aggregate support: adds a value to the state of sketch(value) (relative error 0.01); NULL values are skipped.';
CREATE FUNCTION @extschema@.sketch_add(@extschema@.ddsketch, float8, float8) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_add_alpha';
COMMENT ON FUNCTION @extschema@.sketch_add(@extschema@.ddsketch, float8, float8) IS
  'Aggregate support: adds a value to the state of sketch(value, relative_error).';
CREATE FUNCTION @extschema@.percentile_add(@extschema@.ddsketch, float8, float8) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentile_add';
COMMENT ON FUNCTION @extschema@.percentile_add(@extschema@.ddsketch, float8, float8) IS
  'Aggregate support: the transition of percentile(value, fraction); the state keeps the fraction.';
CREATE FUNCTION @extschema@.percentile_add(@extschema@.ddsketch, float8, float8, float8) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentile_add_alpha';
COMMENT ON FUNCTION @extschema@.percentile_add(@extschema@.ddsketch, float8, float8, float8) IS
  'Aggregate support: the transition of percentile(value, fraction, relative_error).';
CREATE FUNCTION @extschema@.percentiles_add(@extschema@.ddsketch, float8, float8[]) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentiles_add';
COMMENT ON FUNCTION @extschema@.percentiles_add(@extschema@.ddsketch, float8, float8[]) IS
  'Aggregate support: the transition of percentiles(value, fractions); the state keeps the fractions.';
CREATE FUNCTION @extschema@.percentiles_add(@extschema@.ddsketch, float8, float8[], float8) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentiles_add_alpha';
COMMENT ON FUNCTION @extschema@.percentiles_add(@extschema@.ddsketch, float8, float8[], float8) IS
  'Aggregate support: the transition of percentiles(value, fractions, relative_error).';
CREATE FUNCTION @extschema@.sketch_combine(@extschema@.ddsketch, @extschema@.ddsketch) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_combine';
COMMENT ON FUNCTION @extschema@.sketch_combine(@extschema@.ddsketch, @extschema@.ddsketch) IS
  'Aggregate support: merges the second sketch into the first (the combine function of every sketch aggregate, and the transition of sketch_merge).';
CREATE FUNCTION @extschema@.sketch_final(@extschema@.ddsketch) RETURNS @extschema@.ddsketch
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_final';
COMMENT ON FUNCTION @extschema@.sketch_final(@extschema@.ddsketch) IS
  'Aggregate support: the state as a compact sketch to store.';
CREATE FUNCTION @extschema@.percentile_final(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentile_final';
COMMENT ON FUNCTION @extschema@.percentile_final(@extschema@.ddsketch) IS
  'Aggregate support: the estimate of the fraction the state keeps; NULL without values or with a NULL fraction.';
CREATE FUNCTION @extschema@.percentiles_final(@extschema@.ddsketch) RETURNS float8[]
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_percentiles_final';
COMMENT ON FUNCTION @extschema@.percentiles_final(@extschema@.ddsketch) IS
  'Aggregate support: the estimates of the fractions the state keeps, in their order.';

CREATE AGGREGATE @extschema@.sketch(float8) (
  SFUNC = @extschema@.sketch_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.sketch_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sketch(float8) IS
  'A ddsketch of the values (relative error 0.01): store it, merge it with sketch_merge(), read it with sketch_percentile().';
CREATE AGGREGATE @extschema@.sketch(float8, float8) (
  SFUNC = @extschema@.sketch_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.sketch_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sketch(float8, float8) IS
  'sketch(value, relative_error): a ddsketch with the given relative error bound (above 0, below 0.5).';
CREATE AGGREGATE @extschema@.sketch_merge(@extschema@.ddsketch) (
  SFUNC = @extschema@.sketch_combine, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.sketch_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.sketch_merge(@extschema@.ddsketch) IS
  'Merges sketches into one, exactly as if one sketch had seen every value (same relative error required).';
CREATE AGGREGATE @extschema@.percentile(float8, float8) (
  SFUNC = @extschema@.percentile_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.percentile_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.percentile(float8, float8) IS
  'percentile(value, fraction): percentile_cont(fraction) within 1 % of the exact value, parallel and mergeable; NULL values are skipped.';
CREATE AGGREGATE @extschema@.percentile(float8, float8, float8) (
  SFUNC = @extschema@.percentile_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.percentile_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.percentile(float8, float8, float8) IS
  'percentile(value, fraction, relative_error): with the given relative error bound.';
CREATE AGGREGATE @extschema@.percentiles(float8, float8[]) (
  SFUNC = @extschema@.percentiles_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.percentiles_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.percentiles(float8, float8[]) IS
  'percentiles(value, fractions): several percentiles in one pass, as an array in the order asked, each within 1 %.';
CREATE AGGREGATE @extschema@.percentiles(float8, float8[], float8) (
  SFUNC = @extschema@.percentiles_add, STYPE = @extschema@.ddsketch,
  COMBINEFUNC = @extschema@.sketch_combine, FINALFUNC = @extschema@.percentiles_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.percentiles(float8, float8[], float8) IS
  'percentiles(value, fractions, relative_error): with the given relative error bound.';

-- Reading a stored sketch.
CREATE FUNCTION @extschema@.sketch_percentile(@extschema@.ddsketch, fraction float8) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_percentile';
COMMENT ON FUNCTION @extschema@.sketch_percentile(@extschema@.ddsketch, float8) IS
  'The percentile_cont(fraction) estimate of a sketch; NULL when it holds no value.';
CREATE FUNCTION @extschema@.sketch_percentiles(@extschema@.ddsketch, fractions float8[]) RETURNS float8[]
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_percentiles';
COMMENT ON FUNCTION @extschema@.sketch_percentiles(@extschema@.ddsketch, float8[]) IS
  'The estimates of several fractions of a sketch, in the order asked.';
CREATE FUNCTION @extschema@.sketch_count(@extschema@.ddsketch) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_count';
COMMENT ON FUNCTION @extschema@.sketch_count(@extschema@.ddsketch) IS 'How many values the sketch holds (zeros included).';
CREATE FUNCTION @extschema@.sketch_sum(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_sum';
COMMENT ON FUNCTION @extschema@.sketch_sum(@extschema@.ddsketch) IS 'The sum of its values (compensated float8), NULL when empty.';
CREATE FUNCTION @extschema@.sketch_min(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_min';
COMMENT ON FUNCTION @extschema@.sketch_min(@extschema@.ddsketch) IS 'The exact smallest value, NULL when empty.';
CREATE FUNCTION @extschema@.sketch_max(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_max';
COMMENT ON FUNCTION @extschema@.sketch_max(@extschema@.ddsketch) IS 'The exact largest value, NULL when empty.';
CREATE FUNCTION @extschema@.sketch_mean(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_mean';
COMMENT ON FUNCTION @extschema@.sketch_mean(@extschema@.ddsketch) IS 'The mean of its values, NULL when empty.';
CREATE FUNCTION @extschema@.sketch_relative_error(@extschema@.ddsketch) RETURNS float8
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_sketch_relative_error';
COMMENT ON FUNCTION @extschema@.sketch_relative_error(@extschema@.ddsketch) IS
  'The relative error bound the sketch guarantees: the one it was built with, unless its values span more than 2,048 buckets (then coarser).';

------------------------------------------------------------------------------------------
-- Pareto: the pareto type, its aggregates and readers (src/pg_pareto.cpp, docs/pareto.md)
------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.pareto;

CREATE FUNCTION @extschema@.pareto_in(cstring) RETURNS @extschema@.pareto
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_in';
COMMENT ON FUNCTION @extschema@.pareto_in(cstring) IS
  'Input of pareto: "pareto:" followed by base64 of the canonical table bytes; checks every entry.';
CREATE FUNCTION @extschema@.pareto_out(@extschema@.pareto) RETURNS cstring
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_out';
COMMENT ON FUNCTION @extschema@.pareto_out(@extschema@.pareto) IS
  'Output of pareto: "pareto:" followed by base64 of the canonical bytes (equal tables print equal).';
CREATE FUNCTION @extschema@.pareto_recv(internal) RETURNS @extschema@.pareto
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_recv';
COMMENT ON FUNCTION @extschema@.pareto_recv(internal) IS 'Binary input of pareto (the canonical bytes).';
CREATE FUNCTION @extschema@.pareto_send(@extschema@.pareto) RETURNS bytea
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_send';
COMMENT ON FUNCTION @extschema@.pareto_send(@extschema@.pareto) IS 'Binary output of pareto.';

CREATE TYPE @extschema@.pareto (
  INPUT = @extschema@.pareto_in,
  OUTPUT = @extschema@.pareto_out,
  RECEIVE = @extschema@.pareto_recv,
  SEND = @extschema@.pareto_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE @extschema@.pareto IS
  'Exact cost per key (e.g. per customer) for Pareto questions: made by dexcost.pareto(key, cost), merged by pareto_merge(), read by pareto_top(), pareto_summary(), pareto_share_of_top() and pareto_keys_for_share().';

CREATE FUNCTION @extschema@.pareto_add(@extschema@.pareto, text, numeric) RETURNS @extschema@.pareto
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_add';
COMMENT ON FUNCTION @extschema@.pareto_add(@extschema@.pareto, text, numeric) IS
  'Aggregate support: adds a cost to its key''s exact sum (NULL costs are skipped; a NULL key is summed apart).';
CREATE FUNCTION @extschema@.pareto_combine(@extschema@.pareto, @extschema@.pareto) RETURNS @extschema@.pareto
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_combine';
COMMENT ON FUNCTION @extschema@.pareto_combine(@extschema@.pareto, @extschema@.pareto) IS
  'Aggregate support: adds the second table into the first (the combine function of pareto, the transition of pareto_merge).';
CREATE FUNCTION @extschema@.pareto_final(@extschema@.pareto) RETURNS @extschema@.pareto
  LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_final';
COMMENT ON FUNCTION @extschema@.pareto_final(@extschema@.pareto) IS 'Aggregate support: the table, compacted.';

CREATE AGGREGATE @extschema@.pareto(key text, cost numeric) (
  SFUNC = @extschema@.pareto_add, STYPE = @extschema@.pareto,
  COMBINEFUNC = @extschema@.pareto_combine, FINALFUNC = @extschema@.pareto_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pareto(text, numeric) IS
  'The exact cost of every key in one pass, parallel and mergeable: read it with pareto_top(), pareto_summary(), pareto_share_of_top(), pareto_keys_for_share().';
CREATE AGGREGATE @extschema@.pareto_merge(@extschema@.pareto) (
  SFUNC = @extschema@.pareto_combine, STYPE = @extschema@.pareto,
  COMBINEFUNC = @extschema@.pareto_combine, FINALFUNC = @extschema@.pareto_final,
  FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.pareto_merge(@extschema@.pareto) IS
  'Merges Pareto tables (e.g. stored per day) into one: the sums of each key added exactly.';

CREATE FUNCTION @extschema@.pareto_top(p @extschema@.pareto, n integer DEFAULT NULL)
  RETURNS TABLE (rank bigint, key text, cost numeric, share numeric, cumulative_cost numeric,
                 cumulative_share numeric, key_share numeric)
  LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 100 AS 'MODULE_PATHNAME', 'dexcost_pareto_top';
COMMENT ON FUNCTION @extschema@.pareto_top(@extschema@.pareto, integer) IS
  'The top n keys (every key when n is NULL), biggest cost first (ties by key): cost, share of the total, cumulative cost and share, and rank / keys. Shares are NULL when the total is not positive.';
CREATE FUNCTION @extschema@.pareto_share_of_top(p @extschema@.pareto, key_fraction numeric) RETURNS numeric
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_share_of_top';
COMMENT ON FUNCTION @extschema@.pareto_share_of_top(@extschema@.pareto, numeric) IS
  'The share of the total cost taken by the top key_fraction of keys (ceil(key_fraction x keys) of them): 0.2 answers "what do the top 20 % cost".';
CREATE FUNCTION @extschema@.pareto_keys_for_share(p @extschema@.pareto, cost_fraction numeric) RETURNS bigint
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_keys_for_share';
COMMENT ON FUNCTION @extschema@.pareto_keys_for_share(@extschema@.pareto, numeric) IS
  'How many keys, biggest first, make at least cost_fraction of the total cost: 0.8 answers "how many customers drive 80 %".';
CREATE FUNCTION @extschema@.pareto_summary(p @extschema@.pareto) RETURNS jsonb
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'dexcost_pareto_summary';
COMMENT ON FUNCTION @extschema@.pareto_summary(@extschema@.pareto) IS
  'keys, total_cost, the shares of the top 1/5/10/20 % of keys (6 places) and the keys that make 50/80/90 % of the cost, as one jsonb.';

------------------------------------------------------------------------------------------
-- pg_dump: dump user data, not the seed rows this script creates
------------------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('@extschema@.task', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.cost_event', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_price', 'WHERE NOT is_seed');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_price_price_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_alias', 'WHERE NOT is_seed');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.revenue_revision', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.task_reported_totals', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ingest_pending', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ingest_raw_record', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ingest_receipt', '');
-- task_rollup and task_rollup_delta are derived and not dumped: restoring cost_event (COPY
-- fires its statement triggers) appends the deltas again.
