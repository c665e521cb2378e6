-- pgTAP: the catalogue shape of the dexcost extension, as sql/dexcost--0.1.sql declares it.
--
-- Tables, columns and types, keys, the exclusion constraint, indexes, triggers, functions,
-- the extension's own settings, COMMENTs on every object (BI tools show them) and the
-- pg_dump registration of the tables that hold user data. The SDK ingest objects (revenue
-- revisions, reported totals, parked and raw records, receipts) are listed with the rest.
BEGIN;
SELECT plan(282);

------------------------------------------------------------------------------------------
-- Relations
------------------------------------------------------------------------------------------

SELECT has_schema('dexcost');
SELECT tables_are('dexcost', ARRAY[
    'anomaly', 'budget', 'budget_alert', 'budget_reservation', 'budget_spend', 'cost_event', 'customer_access',
    'customer_isolation', 'customer_period', 'daily_customer', 'daily_customer_delta', 'daily_customer_total',
    'daily_model', 'daily_model_delta', 'daily_retry', 'daily_retry_delta', 'daily_workflow',
    'daily_workflow_sketch', 'ingest_pending', 'ingest_raw_record', 'ingest_receipt', 'invoice_alias',
    'invoice_import', 'invoice_import_error', 'invoice_line', 'model_alias', 'model_period', 'model_price',
    'output_token_budget', 'period_state', 'reconcile_result', 'reconcile_run', 'revenue', 'revenue_import',
    'revenue_revision', 'statement_adjustment', 'task', 'task_reported_totals', 'task_rollup', 'task_rollup_delta',
    'workspace_setting'
]);
SELECT views_are('dexcost', ARRAY[
    'budget_status', 'cache_saving_days', 'daily_customer_all', 'daily_customer_merged',
    'daily_customer_total_all', 'daily_customer_total_merged', 'daily_model_all', 'daily_model_merged',
    'daily_retry_all', 'daily_workflow_all', 'daily_workflow_sketch_merged', 'model_period_all', 'profitability',
    'reconciliation_latest', 'reported_totals_mismatch', 'retry_chain', 'revenue_current', 'revenue_monthly',
    'settings', 'task_cost', 'unpriced_spend'
]);
SELECT types_are('dexcost', ARRAY['cost_totals', 'ddsketch', 'pareto']);
SELECT sequences_are('dexcost', ARRAY[
    'anomaly_anomaly_id_seq', 'budget_budget_id_seq', 'invoice_import_import_id_seq', 'model_price_price_id_seq',
    'reconcile_run_run_id_seq', 'revenue_import_line_seq', 'statement_adjustment_adjustment_id_seq'
]);

SELECT columns_are('dexcost', 'task', ARRAY[
    'task_id', 'customer_id', 'task_type', 'parent_task_id', 'root_task_id', 'ancestor_ids', 'status', 'accepted',
    'project_id', 'team', 'user_id', 'environment', 'request_path', 'product_id', 'agent_id', 'agent_version',
    'workflow_id', 'workflow_session_id', 'experiment_id', 'variant', 'started_at', 'ended_at',
    'metadata', 'created_at'
]);
SELECT columns_are('dexcost', 'cost_event', ARRAY[
    'event_id', 'customer_id', 'task_id', 'event_type', 'occurred_at', 'provider', 'model',
    'service_tier', 'service_name', 'route', 'fallback_reason', 'input_tokens', 'cache_read_tokens',
    'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'quantity',
    'quantity_unit', 'unit_price_usd', 'cost_usd', 'cost_confidence', 'pricing_source',
    'pricing_version', 'latency_ms', 'error_type', 'is_retry', 'retry_reason', 'retry_of',
    'retry_type', 'batch_job_id', 'batch_status', 'details', 'recorded_at',
    'retry_root_id', 'retry_attempt', 'retry_confidence', 'retry_detection'
]);
SELECT columns_are('dexcost', 'model_price', ARRAY[
    'price_id', 'provider', 'model', 'usage_type', 'service_tier', 'min_input_tokens',
    'usd_per_mtok', 'currency', 'valid_from', 'valid_to', 'source', 'snapshot_date', 'is_seed', 'note'
]);
SELECT columns_are('dexcost', 'model_alias', ARRAY[
    'provider', 'alias', 'model', 'is_seed', 'note'
]);
SELECT columns_are('dexcost', 'unpriced_spend', ARRAY[
    'provider', 'model', 'service_tier', 'event_type', 'service_name', 'events', 'customers', 'input_tokens',
    'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'first_seen', 'last_seen', 'reason'
]);
SELECT columns_are('dexcost', 'task_rollup', ARRAY['customer_id', 'task_id', 'own', 'subtree', 'folded_at']);
SELECT columns_are('dexcost', 'task_rollup_delta', ARRAY['customer_id', 'task_id', 'totals', 'recorded_at']);
SELECT columns_are('dexcost', 'task_cost', ARRAY[
    'task_id', 'customer_id', 'task_type', 'parent_task_id', 'root_task_id', 'status', 'accepted', 'started_at',
    'ended_at', 'own_cost_usd', 'subtree_cost_usd', 'subtree_event_count', 'subtree_retry_cost_usd', 'own', 'subtree'
]);
SELECT columns_are('dexcost', 'revenue_revision', ARRAY[
    'customer_id', 'revenue_id', 'revision', 'task_id', 'outcome_id', 'state', 'amount', 'currency', 'effective_at',
    'observed_at', 'source_type', 'source_record_id', 'recorded_at'
]);
SELECT columns_are('dexcost', 'revenue_current', ARRAY[
    'customer_id', 'revenue_id', 'revision', 'task_id', 'outcome_id', 'state', 'amount', 'currency', 'effective_at',
    'observed_at', 'source_type', 'source_record_id', 'recognized'
]);
SELECT columns_are('dexcost', 'task_reported_totals', ARRAY[
    'customer_id', 'task_id', 'llm_cost_usd', 'external_cost_usd', 'compute_cost_usd', 'network_cost_usd', 'gpu_cost_usd',
    'total_cost_usd', 'total_input_tokens', 'total_output_tokens', 'total_cached_tokens', 'retry_count', 'retry_cost_usd',
    'failure_count', 'network_bytes_in', 'network_bytes_out', 'network_call_count', 'reported_at'
]);
SELECT columns_are('dexcost', 'reported_totals_mismatch', ARRAY[
    'customer_id', 'task_id', 'measure', 'reported', 'ledger', 'reported_at'
]);
SELECT columns_are('dexcost', 'ingest_pending', ARRAY[
    'record_type', 'record_key', 'waits_for', 'record', 'received_at', 'receipt_id'
]);
SELECT columns_are('dexcost', 'ingest_raw_record', ARRAY['record_type', 'record_key', 'record', 'received_at', 'receipt_id']);
SELECT columns_are('dexcost', 'ingest_receipt', ARRAY[
    'receipt_id', 'received_at', 'origin', 'queued', 'parked', 'rejected', 'errors'
]);
SELECT col_type_is('dexcost', 'task_rollup', 'own', 'dexcost.cost_totals', 'task_rollup.own is dexcost.cost_totals');
SELECT col_type_is('dexcost', 'task_rollup', 'subtree', 'dexcost.cost_totals', 'task_rollup.subtree is dexcost.cost_totals');
SELECT col_type_is('dexcost', 'task_rollup_delta', 'totals', 'dexcost.cost_totals', 'task_rollup_delta.totals is dexcost.cost_totals');
SELECT col_is_pk('dexcost', 'task_rollup', ARRAY['customer_id', 'task_id'], 'task_rollup is keyed by (customer_id, task_id)');
-- The delta ledger is append-only and has no index: ingest pays for one heap insert per task touched.
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_index WHERE indrelid = 'dexcost.task_rollup_delta'::regclass),
          0::bigint, 'task_rollup_delta has no index');
-- Money in cost_totals is numeric (exact), counts are bigint.
SELECT set_eq(
    $$SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute AS a
       WHERE a.attrelid = 'dexcost.cost_totals'::regclass AND a.attnum > 0$$,
    $$VALUES ('event_count', 'bigint'), ('retry_count', 'bigint'), ('failure_count', 'bigint'), ('unpriced_count', 'bigint'),
             ('total_cost_usd', 'numeric'), ('llm_cost_usd', 'numeric'), ('external_cost_usd', 'numeric'),
             ('compute_cost_usd', 'numeric'), ('network_cost_usd', 'numeric'), ('gpu_cost_usd', 'numeric'),
             ('retry_cost_usd', 'numeric'), ('failure_cost_usd', 'numeric'),
             ('input_tokens', 'bigint'), ('cache_read_tokens', 'bigint'), ('cache_write_tokens', 'bigint'),
             ('cache_write_1h_tokens', 'bigint'), ('output_tokens', 'bigint'), ('reasoning_tokens', 'bigint')$$,
    'cost_totals keeps money as numeric and counts as bigint');

-- task
SELECT col_type_is('dexcost', 'task', 'task_id', 'uuid', 'task.task_id is uuid');
SELECT col_type_is('dexcost', 'task', 'customer_id', 'text', 'task.customer_id is text');
SELECT col_type_is('dexcost', 'task', 'task_type', 'text', 'task.task_type is text');
SELECT col_type_is('dexcost', 'task', 'parent_task_id', 'uuid', 'task.parent_task_id is uuid');
SELECT col_type_is('dexcost', 'task', 'root_task_id', 'uuid', 'task.root_task_id is uuid');
SELECT col_type_is('dexcost', 'task', 'ancestor_ids', 'uuid[]', 'task.ancestor_ids is uuid[]');
SELECT col_type_is('dexcost', 'task', 'status', 'text', 'task.status is text');
SELECT col_type_is('dexcost', 'task', 'accepted', 'boolean', 'task.accepted is boolean');
SELECT col_type_is('dexcost', 'task', 'project_id', 'text', 'task.project_id is text');
SELECT col_type_is('dexcost', 'task', 'team', 'text', 'task.team is text');
SELECT col_type_is('dexcost', 'task', 'user_id', 'text', 'task.user_id is text');
SELECT col_type_is('dexcost', 'task', 'environment', 'text', 'task.environment is text');
SELECT col_type_is('dexcost', 'task', 'request_path', 'text', 'task.request_path is text');
SELECT col_type_is('dexcost', 'task', 'product_id', 'text', 'task.product_id is text');
SELECT col_type_is('dexcost', 'task', 'agent_id', 'text', 'task.agent_id is text');
SELECT col_type_is('dexcost', 'task', 'agent_version', 'text', 'task.agent_version is text');
SELECT col_type_is('dexcost', 'task', 'workflow_id', 'text', 'task.workflow_id is text');
SELECT col_type_is('dexcost', 'task', 'workflow_session_id', 'text', 'task.workflow_session_id is text');
SELECT col_type_is('dexcost', 'task', 'experiment_id', 'text', 'task.experiment_id is text');
SELECT col_type_is('dexcost', 'task', 'variant', 'text', 'task.variant is text');
-- The SDK's attributes are optional: a task written with plain SQL leaves them NULL.
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute
            WHERE attrelid = 'dexcost.task'::regclass AND attnotnull
              AND attname IN ('product_id', 'agent_id', 'agent_version', 'workflow_id', 'workflow_session_id',
                              'experiment_id', 'variant')),
          0::bigint, 'the SDK attributes of task accept NULL');
SELECT col_type_is('dexcost', 'task', 'started_at', 'timestamp with time zone', 'task.started_at is timestamp with time zone');
SELECT col_type_is('dexcost', 'task', 'ended_at', 'timestamp with time zone', 'task.ended_at is timestamp with time zone');
SELECT col_type_is('dexcost', 'task', 'metadata', 'jsonb', 'task.metadata is jsonb');
SELECT col_type_is('dexcost', 'task', 'created_at', 'timestamp with time zone', 'task.created_at is timestamp with time zone');
-- cost_event
SELECT col_type_is('dexcost', 'cost_event', 'event_id', 'uuid', 'cost_event.event_id is uuid');
SELECT col_type_is('dexcost', 'cost_event', 'customer_id', 'text', 'cost_event.customer_id is text');
SELECT col_type_is('dexcost', 'cost_event', 'task_id', 'uuid', 'cost_event.task_id is uuid');
SELECT col_type_is('dexcost', 'cost_event', 'event_type', 'text', 'cost_event.event_type is text');
SELECT col_type_is('dexcost', 'cost_event', 'occurred_at', 'timestamp with time zone', 'cost_event.occurred_at is timestamp with time zone');
SELECT col_type_is('dexcost', 'cost_event', 'provider', 'text', 'cost_event.provider is text');
SELECT col_type_is('dexcost', 'cost_event', 'model', 'text', 'cost_event.model is text');
SELECT col_type_is('dexcost', 'cost_event', 'service_tier', 'text', 'cost_event.service_tier is text');
SELECT col_type_is('dexcost', 'cost_event', 'service_name', 'text', 'cost_event.service_name is text');
SELECT col_type_is('dexcost', 'cost_event', 'route', 'text', 'cost_event.route is text');
SELECT col_type_is('dexcost', 'cost_event', 'fallback_reason', 'text', 'cost_event.fallback_reason is text');
SELECT col_type_is('dexcost', 'cost_event', 'input_tokens', 'bigint', 'cost_event.input_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'cache_read_tokens', 'bigint', 'cost_event.cache_read_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'cache_write_tokens', 'bigint', 'cost_event.cache_write_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'cache_write_1h_tokens', 'bigint', 'cost_event.cache_write_1h_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'output_tokens', 'bigint', 'cost_event.output_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'reasoning_tokens', 'bigint', 'cost_event.reasoning_tokens is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'quantity', 'numeric', 'cost_event.quantity is numeric');
SELECT col_type_is('dexcost', 'cost_event', 'quantity_unit', 'text', 'cost_event.quantity_unit is text');
SELECT col_type_is('dexcost', 'cost_event', 'unit_price_usd', 'numeric', 'cost_event.unit_price_usd is numeric');
SELECT col_type_is('dexcost', 'cost_event', 'cost_usd', 'numeric', 'cost_event.cost_usd is numeric');
SELECT col_type_is('dexcost', 'cost_event', 'cost_confidence', 'text', 'cost_event.cost_confidence is text');
SELECT col_type_is('dexcost', 'cost_event', 'pricing_source', 'text', 'cost_event.pricing_source is text');
SELECT col_type_is('dexcost', 'cost_event', 'pricing_version', 'text', 'cost_event.pricing_version is text');
SELECT col_type_is('dexcost', 'cost_event', 'latency_ms', 'bigint', 'cost_event.latency_ms is bigint');
SELECT col_type_is('dexcost', 'cost_event', 'error_type', 'text', 'cost_event.error_type is text');
SELECT col_type_is('dexcost', 'cost_event', 'is_retry', 'boolean', 'cost_event.is_retry is boolean');
SELECT col_type_is('dexcost', 'cost_event', 'retry_reason', 'text', 'cost_event.retry_reason is text');
SELECT col_type_is('dexcost', 'cost_event', 'retry_of', 'uuid', 'cost_event.retry_of is uuid');
SELECT col_type_is('dexcost', 'cost_event', 'retry_type', 'text', 'cost_event.retry_type is text');
SELECT col_type_is('dexcost', 'cost_event', 'batch_job_id', 'text', 'cost_event.batch_job_id is text');
SELECT col_type_is('dexcost', 'cost_event', 'batch_status', 'text', 'cost_event.batch_status is text');
SELECT col_type_is('dexcost', 'cost_event', 'details', 'jsonb', 'cost_event.details is jsonb');
SELECT col_type_is('dexcost', 'cost_event', 'recorded_at', 'timestamp with time zone', 'cost_event.recorded_at is timestamp with time zone');
-- model_price
SELECT col_type_is('dexcost', 'model_price', 'price_id', 'bigint', 'model_price.price_id is bigint');
SELECT col_type_is('dexcost', 'model_price', 'provider', 'text', 'model_price.provider is text');
SELECT col_type_is('dexcost', 'model_price', 'model', 'text', 'model_price.model is text');
SELECT col_type_is('dexcost', 'model_price', 'usage_type', 'text', 'model_price.usage_type is text');
SELECT col_type_is('dexcost', 'model_price', 'service_tier', 'text', 'model_price.service_tier is text');
SELECT col_type_is('dexcost', 'model_price', 'min_input_tokens', 'bigint', 'model_price.min_input_tokens is bigint');
SELECT col_type_is('dexcost', 'model_price', 'usd_per_mtok', 'numeric', 'model_price.usd_per_mtok is numeric');
SELECT col_type_is('dexcost', 'model_price', 'currency', 'text', 'model_price.currency is text');
SELECT col_type_is('dexcost', 'model_price', 'valid_from', 'timestamp with time zone', 'model_price.valid_from is timestamp with time zone');
SELECT col_type_is('dexcost', 'model_price', 'valid_to', 'timestamp with time zone', 'model_price.valid_to is timestamp with time zone');
SELECT col_type_is('dexcost', 'model_price', 'source', 'text', 'model_price.source is text');
SELECT col_type_is('dexcost', 'model_price', 'snapshot_date', 'date', 'model_price.snapshot_date is date');
SELECT col_type_is('dexcost', 'model_price', 'is_seed', 'boolean', 'model_price.is_seed is boolean');
SELECT col_type_is('dexcost', 'model_price', 'note', 'text', 'model_price.note is text');
-- model_alias
SELECT col_type_is('dexcost', 'model_alias', 'provider', 'text', 'model_alias.provider is text');
SELECT col_type_is('dexcost', 'model_alias', 'alias', 'text', 'model_alias.alias is text');
SELECT col_type_is('dexcost', 'model_alias', 'model', 'text', 'model_alias.model is text');
SELECT col_type_is('dexcost', 'model_alias', 'is_seed', 'boolean', 'model_alias.is_seed is boolean');
SELECT col_type_is('dexcost', 'model_alias', 'note', 'text', 'model_alias.note is text');
-- unpriced_spend
SELECT col_type_is('dexcost', 'unpriced_spend', 'provider', 'text', 'unpriced_spend.provider is text');
SELECT col_type_is('dexcost', 'unpriced_spend', 'model', 'text', 'unpriced_spend.model is text');
SELECT col_type_is('dexcost', 'unpriced_spend', 'service_tier', 'text', 'unpriced_spend.service_tier is text');
SELECT col_type_is('dexcost', 'unpriced_spend', 'event_type', 'text', 'unpriced_spend.event_type is text');
SELECT col_type_is('dexcost', 'unpriced_spend', 'events', 'bigint', 'unpriced_spend.events is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'customers', 'bigint', 'unpriced_spend.customers is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'input_tokens', 'bigint', 'unpriced_spend.input_tokens is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'cache_read_tokens', 'bigint', 'unpriced_spend.cache_read_tokens is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'cache_write_tokens', 'bigint', 'unpriced_spend.cache_write_tokens is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'output_tokens', 'bigint', 'unpriced_spend.output_tokens is bigint');
SELECT col_type_is('dexcost', 'unpriced_spend', 'first_seen', 'timestamp with time zone', 'unpriced_spend.first_seen is timestamp with time zone');
SELECT col_type_is('dexcost', 'unpriced_spend', 'last_seen', 'timestamp with time zone', 'unpriced_spend.last_seen is timestamp with time zone');
SELECT col_type_is('dexcost', 'unpriced_spend', 'reason', 'text', 'unpriced_spend.reason is text');

-- SDK ingest relations: every column's type and nullability (money numeric, counters bigint).
CREATE TEMP VIEW column_shape AS
SELECT c.relname::text AS relation, a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'dexcost'::regnamespace;
SELECT set_eq(
    $$SELECT name, type, not_null FROM column_shape WHERE relation = 'revenue_revision'$$,
    $$VALUES ('customer_id', 'text', true), ('revenue_id', 'uuid', true), ('revision', 'integer', true),
             ('task_id', 'uuid', true), ('outcome_id', 'uuid', false), ('state', 'text', true),
             ('amount', 'numeric', false), ('currency', 'text', false),
             ('effective_at', 'timestamp with time zone', true), ('observed_at', 'timestamp with time zone', true),
             ('source_type', 'text', true), ('source_record_id', 'text', false),
             ('recorded_at', 'timestamp with time zone', true)$$,
    'revenue_revision has the declared column types and nullability');
SELECT set_eq(
    $$SELECT name, type FROM column_shape WHERE relation = 'revenue_current'$$,
    $$VALUES ('customer_id', 'text'), ('revenue_id', 'uuid'), ('revision', 'integer'), ('task_id', 'uuid'),
             ('outcome_id', 'uuid'), ('state', 'text'), ('amount', 'numeric'), ('currency', 'text'),
             ('effective_at', 'timestamp with time zone'), ('observed_at', 'timestamp with time zone'),
             ('source_type', 'text'), ('source_record_id', 'text'), ('recognized', 'boolean')$$,
    'revenue_current has the declared column types');
SELECT set_eq(
    $$SELECT name, type, not_null FROM column_shape WHERE relation = 'task_reported_totals'$$,
    $$VALUES ('customer_id', 'text', true), ('task_id', 'uuid', true),
             ('llm_cost_usd', 'numeric', false), ('external_cost_usd', 'numeric', false),
             ('compute_cost_usd', 'numeric', false), ('network_cost_usd', 'numeric', false),
             ('gpu_cost_usd', 'numeric', false), ('total_cost_usd', 'numeric', false),
             ('total_input_tokens', 'bigint', false), ('total_output_tokens', 'bigint', false),
             ('total_cached_tokens', 'bigint', false), ('retry_count', 'bigint', false),
             ('retry_cost_usd', 'numeric', false), ('failure_count', 'bigint', false),
             ('network_bytes_in', 'bigint', false), ('network_bytes_out', 'bigint', false),
             ('network_call_count', 'bigint', false), ('reported_at', 'timestamp with time zone', true)$$,
    'task_reported_totals keeps money as numeric and counts as bigint, each NULL when not reported');
SELECT set_eq(
    $$SELECT name, type FROM column_shape WHERE relation = 'reported_totals_mismatch'$$,
    $$VALUES ('customer_id', 'text'), ('task_id', 'uuid'), ('measure', 'text'), ('reported', 'numeric'),
             ('ledger', 'numeric'), ('reported_at', 'timestamp with time zone')$$,
    'reported_totals_mismatch has the declared column types');
SELECT set_eq(
    $$SELECT name, type, not_null FROM column_shape WHERE relation = 'ingest_pending'$$,
    $$VALUES ('record_type', 'text', true), ('record_key', 'text', true), ('waits_for', 'uuid', true),
             ('record', 'jsonb', true), ('received_at', 'timestamp with time zone', true), ('receipt_id', 'uuid', false)$$,
    'ingest_pending has the declared column types and nullability');
SELECT set_eq(
    $$SELECT name, type, not_null FROM column_shape WHERE relation = 'ingest_raw_record'$$,
    $$VALUES ('record_type', 'text', true), ('record_key', 'text', true), ('record', 'jsonb', true),
             ('received_at', 'timestamp with time zone', true), ('receipt_id', 'uuid', false)$$,
    'ingest_raw_record has the declared column types and nullability');
SELECT set_eq(
    $$SELECT name, type, not_null FROM column_shape WHERE relation = 'ingest_receipt'$$,
    $$VALUES ('receipt_id', 'uuid', true), ('received_at', 'timestamp with time zone', true), ('origin', 'text', true),
             ('queued', 'integer', true), ('parked', 'integer', true), ('rejected', 'integer', true),
             ('errors', 'jsonb', true)$$,
    'ingest_receipt has the declared column types and nullability');

------------------------------------------------------------------------------------------
-- Keys and constraints
------------------------------------------------------------------------------------------

SELECT has_pk('dexcost', 'task', 'task has a primary key');
SELECT has_pk('dexcost', 'cost_event', 'cost_event has a primary key');
SELECT has_pk('dexcost', 'model_price', 'model_price has a primary key');
SELECT has_pk('dexcost', 'model_alias', 'model_alias has a primary key');
SELECT has_pk('dexcost', 'revenue_revision', 'revenue_revision has a primary key');
SELECT has_pk('dexcost', 'task_reported_totals', 'task_reported_totals has a primary key');
SELECT has_pk('dexcost', 'ingest_pending', 'ingest_pending has a primary key');
SELECT has_pk('dexcost', 'ingest_raw_record', 'ingest_raw_record has a primary key');
SELECT has_pk('dexcost', 'ingest_receipt', 'ingest_receipt has a primary key');
SELECT col_is_pk('dexcost', 'task', ARRAY['customer_id', 'task_id'], 'task is keyed by (customer_id, task_id)');
SELECT col_is_pk('dexcost', 'cost_event', ARRAY['customer_id', 'event_id'],
                 'cost_event is keyed by (customer_id, event_id)');
SELECT col_is_pk('dexcost', 'model_price', ARRAY['price_id'], 'model_price is keyed by price_id');
SELECT col_is_pk('dexcost', 'model_alias', ARRAY['provider', 'alias', 'is_seed'],
                 'model_alias is keyed by (provider, alias, is_seed)');
SELECT col_is_pk('dexcost', 'revenue_revision', ARRAY['customer_id', 'revenue_id', 'revision'],
                 'revenue_revision is keyed by (customer_id, revenue_id, revision)');
SELECT col_is_pk('dexcost', 'task_reported_totals', ARRAY['customer_id', 'task_id'],
                 'task_reported_totals is keyed by (customer_id, task_id)');
SELECT col_is_pk('dexcost', 'ingest_pending', ARRAY['record_type', 'record_key'],
                 'ingest_pending is keyed by (record_type, record_key)');
SELECT col_is_pk('dexcost', 'ingest_raw_record', ARRAY['record_type', 'record_key'],
                 'ingest_raw_record is keyed by (record_type, record_key)');
SELECT col_is_pk('dexcost', 'ingest_receipt', ARRAY['receipt_id'], 'ingest_receipt is keyed by receipt_id');

SELECT fk_ok('dexcost', 'cost_event', ARRAY['customer_id', 'task_id'],
             'dexcost', 'task', ARRAY['customer_id', 'task_id'],
             'cost_event(customer_id, task_id) references task(customer_id, task_id)');
SELECT fk_ok('dexcost', 'task', ARRAY['customer_id', 'parent_task_id'],
             'dexcost', 'task', ARRAY['customer_id', 'task_id'],
             'task(customer_id, parent_task_id) references task(customer_id, task_id)');
SELECT fk_ok('dexcost', 'revenue_revision', ARRAY['customer_id', 'task_id'],
             'dexcost', 'task', ARRAY['customer_id', 'task_id'],
             'revenue_revision(customer_id, task_id) references task(customer_id, task_id)');
SELECT fk_ok('dexcost', 'task_reported_totals', ARRAY['customer_id', 'task_id'],
             'dexcost', 'task', ARRAY['customer_id', 'task_id'],
             'task_reported_totals(customer_id, task_id) references task(customer_id, task_id)');
SELECT is((SELECT pg_catalog.string_agg(conname || ' ' || confdeltype::text, ', ' ORDER BY conname)
             FROM pg_catalog.pg_constraint
            WHERE connamespace = 'dexcost'::regnamespace AND contype = 'f'),
          'budget_alert_budget_id_fkey c, budget_reservation_budget_id_fkey c, budget_spend_budget_id_fkey c, cost_event_task_fkey c, invoice_import_error_import_id_fkey c, reconcile_result_run_id_fkey c, revenue_revision_task_fkey c, task_parent_fkey c, task_reported_totals_task_fkey c',
          'every foreign key cascades on delete (deleting a task deletes its subtasks, events, revenue and reported totals; a budget its spend, reservations and alerts)');
-- Parked and raw records and receipts reference no task: they are kept before the task exists.
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint
            WHERE contype = 'f' AND conrelid IN (pg_catalog.to_regclass('dexcost.ingest_pending'),
                                                 pg_catalog.to_regclass('dexcost.ingest_raw_record'),
                                                 pg_catalog.to_regclass('dexcost.ingest_receipt'))),
          0::bigint, 'ingest_pending, ingest_raw_record and ingest_receipt have no foreign key');
SELECT set_eq(
    $$SELECT conrelid::regclass::text, conname::text, contype::text FROM pg_catalog.pg_constraint
       WHERE conrelid IN (pg_catalog.to_regclass('dexcost.revenue_revision'), pg_catalog.to_regclass('dexcost.task_reported_totals'),
                          pg_catalog.to_regclass('dexcost.ingest_pending'), pg_catalog.to_regclass('dexcost.ingest_raw_record'),
                          pg_catalog.to_regclass('dexcost.ingest_receipt'))$$,
    $$VALUES ('dexcost.revenue_revision', 'revenue_revision_pkey', 'p'),
             ('dexcost.revenue_revision', 'revenue_revision_task_fkey', 'f'),
             ('dexcost.revenue_revision', 'revenue_revision_revision_check', 'c'),
             ('dexcost.revenue_revision', 'revenue_revision_state_check', 'c'),
             ('dexcost.revenue_revision', 'revenue_revision_amount_check', 'c'),
             ('dexcost.revenue_revision', 'revenue_revision_currency_check', 'c'),
             ('dexcost.revenue_revision', 'revenue_revision_voided_check', 'c'),
             ('dexcost.revenue_revision', 'revenue_revision_source_check', 'c'),
             ('dexcost.task_reported_totals', 'task_reported_totals_pkey', 'p'),
             ('dexcost.task_reported_totals', 'task_reported_totals_task_fkey', 'f'),
             ('dexcost.ingest_pending', 'ingest_pending_pkey', 'p'),
             ('dexcost.ingest_pending', 'ingest_pending_record_type_check', 'c'),
             ('dexcost.ingest_raw_record', 'ingest_raw_record_pkey', 'p'),
             ('dexcost.ingest_receipt', 'ingest_receipt_pkey', 'p'),
             ('dexcost.ingest_receipt', 'ingest_receipt_origin_check', 'c')$$,
    'the SDK ingest tables have exactly the declared constraints');
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass('dexcost.cost_event') AND conname = 'cost_event_event_type_check'),
          'CHECK ((event_type = ANY (ARRAY[''llm_call''::text, ''external_cost''::text, ''compute_cost''::text, '
          '''retry_marker''::text, ''network''::text, ''gpu_cost''::text, ''gpu_utilization_signal''::text])))',
          'cost_event_event_type_check allows the four dexcost types and the SDK''s network, gpu_cost and gpu_utilization_signal');
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass('dexcost.revenue_revision') AND conname = 'revenue_revision_state_check'),
          'CHECK ((state = ANY (ARRAY[''pending''::text, ''provisional''::text, ''recognized''::text, ''voided''::text])))',
          'revenue_revision_state_check allows the four lifecycle states');
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass('dexcost.ingest_pending') AND conname = 'ingest_pending_record_type_check'),
          'CHECK ((record_type = ANY (ARRAY[''event''::text, ''task''::text, ''revenue_revision''::text])))',
          'ingest_pending parks events, tasks and revenue revisions only');

SELECT is((SELECT contype::text FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass('dexcost.model_price') AND conname = 'model_price_no_overlap'),
          'x', 'model_price has the exclusion constraint model_price_no_overlap');
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass('dexcost.model_price') AND conname = 'model_price_no_overlap'),
          'EXCLUDE USING gist (provider WITH =, model WITH =, usage_type WITH =, service_tier WITH =, '
          'min_input_tokens WITH =, is_seed WITH =, tstzrange(valid_from, valid_to) WITH &&)',
          'model_price_no_overlap forbids overlapping periods per provider, model, usage type, tier, band and seededness');

------------------------------------------------------------------------------------------
-- Indexes
------------------------------------------------------------------------------------------

SELECT indexes_are('dexcost', 'task', ARRAY['task_pkey', 'task_task_id_idx', 'task_parent_idx']);
SELECT indexes_are('dexcost', 'cost_event', ARRAY['cost_event_pkey', 'cost_event_task_idx', 'cost_event_occurred_at_idx',
                                                  'cost_event_retry_root_idx']);
SELECT indexes_are('dexcost', 'model_price', ARRAY['model_price_pkey', 'model_price_no_overlap']);
SELECT indexes_are('dexcost', 'model_alias', ARRAY['model_alias_pkey']);
SELECT indexes_are('dexcost', 'revenue_revision', ARRAY['revenue_revision_pkey']);
SELECT indexes_are('dexcost', 'task_reported_totals', ARRAY['task_reported_totals_pkey']);
SELECT indexes_are('dexcost', 'ingest_pending', ARRAY['ingest_pending_pkey', 'ingest_pending_waits_for_idx']);
SELECT indexes_are('dexcost', 'ingest_raw_record', ARRAY['ingest_raw_record_pkey']);
SELECT indexes_are('dexcost', 'ingest_receipt', ARRAY['ingest_receipt_pkey']);
SELECT has_index('dexcost', 'ingest_pending', 'ingest_pending_waits_for_idx', ARRAY['waits_for'],
                 'ingest_pending_waits_for_idx is on ingest_pending(waits_for) (the adoption trigger looks records up by task)');
SELECT has_index('dexcost', 'task', 'task_task_id_idx', ARRAY['task_id'], 'task_task_id_idx is on task(task_id)');
SELECT has_index('dexcost', 'task', 'task_parent_idx', ARRAY['customer_id', 'parent_task_id'],
                 'task_parent_idx is on task(customer_id, parent_task_id)');
SELECT is((SELECT pg_catalog.pg_get_expr(indpred, indrelid) FROM pg_catalog.pg_index
            WHERE indexrelid = pg_catalog.to_regclass('dexcost.task_parent_idx')),
          '(parent_task_id IS NOT NULL)', 'task_parent_idx only covers child tasks');
SELECT has_index('dexcost', 'cost_event', 'cost_event_task_idx', ARRAY['customer_id', 'task_id', 'occurred_at'],
                 'cost_event_task_idx is on cost_event(customer_id, task_id, occurred_at)');
SELECT has_index('dexcost', 'cost_event', 'cost_event_occurred_at_idx', ARRAY['occurred_at'],
                 'cost_event_occurred_at_idx is on cost_event(occurred_at)');
SELECT index_is_type('dexcost', 'cost_event', 'cost_event_occurred_at_idx', 'brin');
SELECT index_is_type('dexcost', 'model_price', 'model_price_no_overlap', 'gist');

------------------------------------------------------------------------------------------
-- Triggers
------------------------------------------------------------------------------------------

SELECT triggers_are('dexcost', 'task', ARRAY[
    'daily_task_deleting', 'daily_task_retyped', 'daily_tasks_deleted', 'daily_tasks_inserted',
    'daily_tasks_updated_new', 'daily_tasks_updated_old', 'restore_guard', 'task_adopt_pending',
    'task_after_delete', 'task_after_reparent', 'task_before_write', 'task_budget_reattribute'
]);
SELECT triggers_are('dexcost', 'cost_event', ARRAY[
    'cost_event_before_write', 'cost_event_budget_delete', 'cost_event_budget_insert',
    'cost_event_budget_truncate', 'cost_event_budget_update', 'cost_event_rollup_delete',
    'cost_event_rollup_insert', 'cost_event_rollup_truncate', 'cost_event_rollup_update', 'daily_events_deleted',
    'daily_events_inserted', 'daily_events_updated', 'restore_guard'
]);
SELECT triggers_are('dexcost', 'model_price', ARRAY['model_price_before_write', 'model_price_changed', 'model_price_no_truncate', 'restore_guard']);
SELECT triggers_are('dexcost', 'model_alias', ARRAY['model_alias_before_write', 'model_alias_changed', 'model_alias_no_truncate', 'restore_guard']);
SELECT triggers_are('dexcost', 'revenue_revision', ARRAY['restore_guard', 'revenue_revision_before_write']);
SELECT triggers_are('dexcost', 'task_reported_totals', ARRAY['restore_guard']);
SELECT triggers_are('dexcost', 'ingest_pending', ARRAY['restore_guard']);
SELECT triggers_are('dexcost', 'ingest_raw_record', ARRAY['restore_guard']);
SELECT triggers_are('dexcost', 'ingest_receipt', ARRAY['restore_guard']);
SELECT has_trigger('dexcost', 'task', 'task_before_write', 'task has trigger task_before_write');
SELECT has_trigger('dexcost', 'cost_event', 'cost_event_before_write', 'cost_event has trigger cost_event_before_write');
SELECT has_trigger('dexcost', 'model_price', 'model_price_before_write', 'model_price has trigger model_price_before_write');
SELECT has_trigger('dexcost', 'model_price', 'model_price_changed', 'model_price has trigger model_price_changed');
SELECT has_trigger('dexcost', 'model_alias', 'model_alias_before_write', 'model_alias has trigger model_alias_before_write');
SELECT has_trigger('dexcost', 'model_alias', 'model_alias_changed', 'model_alias has trigger model_alias_changed');
SELECT trigger_is('dexcost', 'task', 'task_before_write', 'dexcost', 'task_before_write');
SELECT trigger_is('dexcost', 'cost_event', 'cost_event_before_write', 'dexcost', 'cost_event_before_write');
SELECT trigger_is('dexcost', 'model_price', 'model_price_before_write', 'dexcost', 'model_price_before_write');
SELECT trigger_is('dexcost', 'model_price', 'model_price_changed', 'dexcost', 'price_catalog_changed');
SELECT trigger_is('dexcost', 'model_alias', 'model_alias_before_write', 'dexcost', 'model_alias_before_write');
SELECT trigger_is('dexcost', 'model_alias', 'model_alias_changed', 'dexcost', 'price_catalog_changed');
SELECT has_trigger('dexcost', 'task', 'task_adopt_pending', 'task has trigger task_adopt_pending');
SELECT has_trigger('dexcost', 'revenue_revision', 'revenue_revision_before_write',
                   'revenue_revision has trigger revenue_revision_before_write');
SELECT trigger_is('dexcost', 'task', 'task_adopt_pending', 'dexcost', 'task_adopt_pending');
SELECT trigger_is('dexcost', 'revenue_revision', 'revenue_revision_before_write', 'dexcost', 'revenue_revision_before_write');
-- When they fire matters as much as what they call: row triggers BEFORE the write (so they can
-- fill and refuse values), the catalogue invalidation once per statement, TRUNCATE included.
SELECT set_eq(
    $$SELECT pg_catalog.pg_get_triggerdef(t.oid) FROM pg_catalog.pg_trigger AS t
       JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'dexcost'::regnamespace AND NOT t.tgisinternal$$,
    ARRAY[
      'CREATE TRIGGER budget_backfill AFTER INSERT OR UPDATE OF scope, scope_id ON dexcost.budget FOR EACH ROW EXECUTE FUNCTION dexcost.budget_spend_reset()',
      'CREATE TRIGGER budget_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON dexcost.budget FOR EACH STATEMENT EXECUTE FUNCTION dexcost.budget_changed()',
      'CREATE TRIGGER cost_event_before_write BEFORE INSERT OR UPDATE ON dexcost.cost_event FOR EACH ROW EXECUTE FUNCTION dexcost.cost_event_before_write()',
      'CREATE TRIGGER cost_event_budget_delete AFTER DELETE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_budget()',
      'CREATE TRIGGER cost_event_budget_insert AFTER INSERT ON dexcost.cost_event REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_budget()',
      'CREATE TRIGGER cost_event_budget_truncate AFTER TRUNCATE ON dexcost.cost_event FOR EACH STATEMENT EXECUTE FUNCTION dexcost.budget_spend_reset()',
      'CREATE TRIGGER cost_event_budget_update AFTER UPDATE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_budget()',
      'CREATE TRIGGER cost_event_rollup_delete AFTER DELETE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_rollup()',
      'CREATE TRIGGER cost_event_rollup_insert AFTER INSERT ON dexcost.cost_event REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_rollup()',
      'CREATE TRIGGER cost_event_rollup_truncate AFTER TRUNCATE ON dexcost.cost_event FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_truncated()',
      'CREATE TRIGGER cost_event_rollup_update AFTER UPDATE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.cost_event_rollup()',
      'CREATE TRIGGER customer_isolation_apply AFTER INSERT OR DELETE OR UPDATE ON dexcost.customer_isolation FOR EACH ROW EXECUTE FUNCTION dexcost.customer_isolation_apply()',
      'CREATE TRIGGER daily_events_deleted AFTER DELETE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_events_changed()',
      'CREATE TRIGGER daily_events_inserted AFTER INSERT ON dexcost.cost_event REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_events_changed()',
      'CREATE TRIGGER daily_events_updated AFTER UPDATE ON dexcost.cost_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_events_changed()',
      'CREATE TRIGGER daily_task_deleting BEFORE DELETE ON dexcost.task FOR EACH ROW EXECUTE FUNCTION dexcost.daily_task_deleting()',
      'CREATE TRIGGER daily_task_retyped AFTER UPDATE OF task_type ON dexcost.task FOR EACH ROW WHEN ((old.task_type IS DISTINCT FROM new.task_type)) EXECUTE FUNCTION dexcost.daily_task_retyped()',
      'CREATE TRIGGER daily_tasks_deleted AFTER DELETE ON dexcost.task REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_tasks_changed(''-1'')',
      'CREATE TRIGGER daily_tasks_inserted AFTER INSERT ON dexcost.task REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_tasks_changed(''1'')',
      'CREATE TRIGGER daily_tasks_updated_new AFTER UPDATE ON dexcost.task REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_tasks_changed(''1'')',
      'CREATE TRIGGER daily_tasks_updated_old AFTER UPDATE ON dexcost.task REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION dexcost.daily_tasks_changed(''-1'')',
      'CREATE TRIGGER model_alias_before_write BEFORE INSERT OR DELETE OR UPDATE ON dexcost.model_alias FOR EACH ROW EXECUTE FUNCTION dexcost.model_alias_before_write()',
      'CREATE TRIGGER model_alias_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON dexcost.model_alias FOR EACH STATEMENT EXECUTE FUNCTION dexcost.price_catalog_changed()',
      'CREATE TRIGGER model_alias_no_truncate BEFORE TRUNCATE ON dexcost.model_alias FOR EACH STATEMENT EXECUTE FUNCTION dexcost.refuse_truncate_seeds()',
      'CREATE TRIGGER model_price_before_write BEFORE INSERT OR DELETE OR UPDATE ON dexcost.model_price FOR EACH ROW EXECUTE FUNCTION dexcost.model_price_before_write()',
      'CREATE TRIGGER model_price_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON dexcost.model_price FOR EACH STATEMENT EXECUTE FUNCTION dexcost.price_catalog_changed()',
      'CREATE TRIGGER model_price_no_truncate BEFORE TRUNCATE ON dexcost.model_price FOR EACH STATEMENT EXECUTE FUNCTION dexcost.refuse_truncate_seeds()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.anomaly FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.budget FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.budget_alert FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.cost_event FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.customer_access FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.customer_isolation FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.ingest_pending FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.ingest_raw_record FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.ingest_receipt FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.invoice_alias FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.invoice_import FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.invoice_import_error FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.invoice_line FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.model_alias FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.model_price FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.output_token_budget FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.reconcile_result FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.reconcile_run FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.revenue FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.revenue_revision FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.statement_adjustment FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.task FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.task_reported_totals FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER restore_guard BEFORE INSERT ON dexcost.workspace_setting FOR EACH STATEMENT WHEN ((current_setting(''application_name''::text) = ''pg_restore''::text)) EXECUTE FUNCTION dexcost.restore_guard()',
      'CREATE TRIGGER revenue_revision_before_write BEFORE INSERT OR UPDATE ON dexcost.revenue_revision FOR EACH ROW EXECUTE FUNCTION dexcost.revenue_revision_before_write()',
      'CREATE TRIGGER task_adopt_pending AFTER INSERT ON dexcost.task REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION dexcost.task_adopt_pending()',
      'CREATE TRIGGER task_after_delete AFTER DELETE ON dexcost.task REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION dexcost.task_after_delete()',
      'CREATE TRIGGER task_after_reparent AFTER UPDATE OF parent_task_id ON dexcost.task FOR EACH ROW WHEN ((old.parent_task_id IS DISTINCT FROM new.parent_task_id)) EXECUTE FUNCTION dexcost.task_after_reparent()',
      'CREATE TRIGGER task_before_write BEFORE INSERT OR UPDATE ON dexcost.task FOR EACH ROW EXECUTE FUNCTION dexcost.task_before_write()',
      'CREATE TRIGGER task_budget_reattribute AFTER UPDATE OF team, user_id, project_id, task_type ON dexcost.task FOR EACH ROW WHEN (((((old.team IS DISTINCT FROM new.team) OR (old.user_id IS DISTINCT FROM new.user_id)) OR (old.project_id IS DISTINCT FROM new.project_id)) OR (old.task_type IS DISTINCT FROM new.task_type))) EXECUTE FUNCTION dexcost.budget_spend_reset()',
      'CREATE TRIGGER workspace_setting_changed AFTER INSERT OR DELETE OR UPDATE ON dexcost.workspace_setting FOR EACH ROW EXECUTE FUNCTION dexcost.workspace_setting_changed()'
    ],
    'every trigger fires at the declared time, for the declared events and granularity');

------------------------------------------------------------------------------------------
-- Functions
------------------------------------------------------------------------------------------

SELECT functions_are('dexcost', ARRAY[
    '_check_range', '_daily_is_exact', '_html', '_load_invoice', '_money', '_parse_invoice', '_service_name',
    '_statement_month', '_tracked_usage', 'acknowledge_anomaly', 'adopt_pending', 'allowed_customers',
    'anomalies_on_day', 'backfill_retries', 'budget_changed', 'budget_projection', 'budget_reserved',
    'budget_spend_reset', 'budget_spent', 'budget_spent_now', 'check_budget', 'check_budget_args', 'compute_cost',
    'cost_event_before_write', 'cost_event_budget', 'cost_event_rollup', 'cost_event_truncated',
    'customer_isolation_apply', 'customer_isolation_tables', 'customer_visible', 'daily_check',
    'daily_contributions', 'daily_events_changed', 'daily_task_deleting', 'daily_task_retyped',
    'daily_tasks_changed', 'day_starting_at_or_after', 'ddsketch_in', 'ddsketch_out', 'ddsketch_recv',
    'ddsketch_send', 'detect_anomalies', 'detect_retries', 'export_events', 'export_tasks', 'fold_daily',
    'fold_rollups', 'import_invoice', 'ingest', 'ingest_records', 'isolation_check', 'load_revenue', 'local_day',
    'lock_for_tree_change', 'mark_not_retry', 'mark_retry', 'model_alias_before_write', 'model_price_before_write',
    'pareto', 'pareto_add', 'pareto_combine', 'pareto_final', 'pareto_in', 'pareto_keys_for_share', 'pareto_merge',
    'pareto_out', 'pareto_recv', 'pareto_send', 'pareto_share_of_top', 'pareto_summary', 'pareto_top',
    'percentile', 'percentile_add', 'percentile_final', 'percentiles', 'percentiles_add', 'percentiles_final',
    'period_end', 'period_start', 'periods_fresh', 'price_catalog_changed', 'rebuild_budget_spend',
    'rebuild_daily', 'rebuild_rollups', 'reconcile', 'record_budget_alerts', 'refresh_periods',
    'refuse_truncate_seeds', 'report_periods', 'reprice', 'reserve_budget', 'restore_guard', 'retry_candidate',
    'retry_confidence', 'retry_summary', 'revenue_revision_before_write', 'rollup_check', 'run_budget_checks',
    'run_checks', 'set_customer_isolation', 'set_setting', 'setting_changed', 'settle_budget',
    'shift_subtree_totals', 'sketch', 'sketch_add', 'sketch_combine', 'sketch_count', 'sketch_final', 'sketch_max',
    'sketch_mean', 'sketch_merge', 'sketch_min', 'sketch_percentile', 'sketch_percentiles',
    'sketch_relative_error', 'sketch_sum', 'spend_bucket', 'statement', 'statement_detail', 'statement_html',
    'sum', 'task_adopt_pending', 'task_after_delete', 'task_after_reparent', 'task_before_write', 'timezone',
    'totals_add', 'totals_of', 'totals_sub', 'unattributed_customer', 'workspace_setting_changed', 'zero_totals'
]);
SELECT is((SELECT pg_catalog.string_agg(p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', ', '
                                        ORDER BY p.proname)
             FROM pg_catalog.pg_aggregate AS a JOIN pg_catalog.pg_proc AS p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'dexcost'::regnamespace AND a.aggtranstype = 'dexcost.pareto'::regtype
              AND a.aggcombinefn <> 0 AND a.aggfinalmodify = 'r' AND p.proparallel = 's'),
          'pareto(key text, cost numeric), pareto_merge(dexcost.pareto)',
          'the Pareto aggregates have a combine function, a pareto state, a read-only final function and are PARALLEL SAFE');
-- Percentile aggregates (A-R1 of the Citus notes): a COMBINEFUNC and a state type of ours, not
-- internal, so PostgreSQL runs them in parallel and Citus pushes them down; a read-only final
-- function, so they work as window functions.
SELECT is((SELECT pg_catalog.string_agg(p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', ', '
                                        ORDER BY p.proname, p.pronargs)
             FROM pg_catalog.pg_aggregate AS a JOIN pg_catalog.pg_proc AS p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'dexcost'::regnamespace AND a.aggtranstype = 'dexcost.ddsketch'::regtype
              AND a.aggcombinefn <> 0 AND a.aggfinalmodify = 'r' AND p.proparallel = 's'),
          'percentile(double precision, double precision), percentile(double precision, double precision, double precision), '
          'percentiles(double precision, double precision[]), percentiles(double precision, double precision[], double precision), '
          'sketch(double precision), sketch(double precision, double precision), sketch_merge(dexcost.ddsketch)',
          'the sketch aggregates have a combine function, a ddsketch state, a read-only final function and are PARALLEL SAFE');
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_aggregate AS a JOIN pg_catalog.pg_proc AS p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'dexcost'::regnamespace AND (a.aggcombinefn = 0 OR a.aggtranstype = 'internal'::regtype)),
          0::bigint, 'no dexcost aggregate lacks a combine function or keeps an internal state');
SELECT is((SELECT t.typalign::text || t.typstorage::text || t.typlen::text FROM pg_catalog.pg_type AS t
            WHERE t.oid = 'dexcost.ddsketch'::regtype), 'dx-1',
          'ddsketch is a variable-length, double-aligned, compressible type');
SELECT is_aggregate('dexcost', 'sum', ARRAY['dexcost.cost_totals'], 'dexcost.sum(cost_totals) is an aggregate');
SELECT function_lang_is('dexcost', 'cost_event_rollup', ARRAY[]::name[], 'c');
SELECT function_lang_is('dexcost', 'totals_of', ARRAY['dexcost.cost_event'], 'c');
SELECT volatility_is('dexcost', 'totals_of', ARRAY['dexcost.cost_event'], 'immutable');
SELECT volatility_is('dexcost', 'rollup_check', ARRAY[]::name[], 'stable');
-- The sum aggregate combines partial states, so it runs in parallel plans and as a Citus partial aggregate.
SELECT is((SELECT a.aggcombinefn::text FROM pg_catalog.pg_aggregate AS a
            WHERE a.aggfnoid = 'dexcost.sum(dexcost.cost_totals)'::regprocedure),
          'dexcost.totals_add', 'dexcost.sum(cost_totals) has a combine function');

SELECT has_function('dexcost', 'unattributed_customer', ARRAY[]::name[]);
SELECT function_returns('dexcost', 'unattributed_customer', ARRAY[]::name[], 'text');
SELECT function_lang_is('dexcost', 'unattributed_customer', ARRAY[]::name[], 'sql');
SELECT volatility_is('dexcost', 'unattributed_customer', ARRAY[]::name[], 'immutable');
SELECT is_strict('dexcost', 'unattributed_customer', ARRAY[]::name[]);

SELECT has_function('dexcost', 'compute_cost', ARRAY[
    'text', 'text', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint']);
SELECT function_returns('dexcost', 'compute_cost', ARRAY[
    'text', 'text', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'],
    'record');
SELECT function_lang_is('dexcost', 'compute_cost', ARRAY[
    'text', 'text', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'],
    'c');
-- STABLE, not IMMUTABLE: the answer depends on the price catalogue.
SELECT volatility_is('dexcost', 'compute_cost', ARRAY[
    'text', 'text', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'],
    'stable');
-- Not STRICT: a NULL token count means "not reported", and a NULL model must give a reason, not NULL.
SELECT isnt_strict('dexcost', 'compute_cost', ARRAY[
    'text', 'text', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint']);
SELECT is((SELECT pg_catalog.array_to_string(p.proargnames, ',') FROM pg_catalog.pg_proc AS p
            WHERE p.oid = pg_catalog.to_regprocedure('dexcost.compute_cost(text, text, text, timestamptz, bigint, bigint, bigint, bigint, bigint, bigint)')),
          'provider,model,service_tier,at,input_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,'
          'output_tokens,reasoning_tokens,cost_usd,cost_confidence,pricing_version,unpriced_reason',
          'compute_cost has the documented argument and result names');

SELECT has_function('dexcost', 'reprice', ARRAY['timestamp with time zone', 'timestamp with time zone']);
SELECT function_returns('dexcost', 'reprice', ARRAY['timestamp with time zone', 'timestamp with time zone'], 'record');
SELECT function_lang_is('dexcost', 'reprice', ARRAY['timestamp with time zone', 'timestamp with time zone'], 'plpgsql');
SELECT volatility_is('dexcost', 'reprice', ARRAY['timestamp with time zone', 'timestamp with time zone'], 'volatile');
SELECT is_strict('dexcost', 'reprice', ARRAY['timestamp with time zone', 'timestamp with time zone']);
SELECT is((SELECT pg_catalog.array_to_string(p.proargnames, ',') FROM pg_catalog.pg_proc AS p
            WHERE p.oid = pg_catalog.to_regprocedure('dexcost.reprice(timestamptz, timestamptz)')),
          'from_time,to_time,events_changed,events_newly_priced,events_now_unpriced,cost_before_usd,'
          'cost_after_usd,cost_change_usd',
          'reprice has the documented argument and result names');

SELECT bag_eq(
    $$SELECT p.proname || ' ' || p.proparallel::text FROM pg_catalog.pg_proc AS p
       WHERE p.pronamespace = 'dexcost'::regnamespace AND p.prorettype <> 'trigger'::regtype$$,
    $$VALUES
             ('_check_range s'),
             ('_check_range s'),
             ('_daily_is_exact s'),
             ('_html s'),
             ('_load_invoice u'),
             ('_money s'),
             ('_parse_invoice s'),
             ('_service_name s'),
             ('_statement_month s'),
             ('_tracked_usage s'),
             ('acknowledge_anomaly u'),
             ('adopt_pending u'),
             ('allowed_customers s'),
             ('anomalies_on_day r'),
             ('backfill_retries u'),
             ('budget_projection s'),
             ('budget_reserved s'),
             ('budget_spent s'),
             ('budget_spent_now s'),
             ('check_budget s'),
             ('check_budget_args s'),
             ('compute_cost s'),
             ('customer_isolation_tables s'),
             ('customer_visible s'),
             ('daily_check s'),
             ('daily_contributions u'),
             ('day_starting_at_or_after s'),
             ('ddsketch_in s'),
             ('ddsketch_out s'),
             ('ddsketch_recv s'),
             ('ddsketch_send s'),
             ('detect_anomalies r'),
             ('detect_retries r'),
             ('export_events s'),
             ('export_tasks s'),
             ('fold_daily u'),
             ('fold_rollups u'),
             ('import_invoice u'),
             ('ingest u'),
             ('ingest u'),
             ('ingest_records u'),
             ('isolation_check s'),
             ('load_revenue u'),
             ('local_day s'),
             ('lock_for_tree_change u'),
             ('mark_not_retry u'),
             ('mark_retry u'),
             ('pareto s'),
             ('pareto_add s'),
             ('pareto_combine s'),
             ('pareto_final s'),
             ('pareto_in s'),
             ('pareto_keys_for_share s'),
             ('pareto_merge s'),
             ('pareto_out s'),
             ('pareto_recv s'),
             ('pareto_send s'),
             ('pareto_share_of_top s'),
             ('pareto_summary s'),
             ('pareto_top s'),
             ('percentile s'),
             ('percentile s'),
             ('percentile_add s'),
             ('percentile_add s'),
             ('percentile_final s'),
             ('percentiles s'),
             ('percentiles s'),
             ('percentiles_add s'),
             ('percentiles_add s'),
             ('percentiles_final s'),
             ('period_end s'),
             ('period_start s'),
             ('periods_fresh s'),
             ('rebuild_budget_spend u'),
             ('rebuild_daily u'),
             ('rebuild_rollups u'),
             ('reconcile u'),
             ('record_budget_alerts u'),
             ('refresh_periods u'),
             ('report_periods s'),
             ('reprice u'),
             ('reserve_budget u'),
             ('retry_candidate s'),
             ('retry_candidate s'),
             ('retry_confidence s'),
             ('retry_confidence s'),
             ('retry_summary s'),
             ('rollup_check s'),
             ('run_budget_checks u'),
             ('run_checks u'),
             ('set_customer_isolation u'),
             ('set_setting u'),
             ('setting_changed u'),
             ('settle_budget u'),
             ('shift_subtree_totals u'),
             ('sketch s'),
             ('sketch s'),
             ('sketch_add s'),
             ('sketch_add s'),
             ('sketch_combine s'),
             ('sketch_count s'),
             ('sketch_final s'),
             ('sketch_max s'),
             ('sketch_mean s'),
             ('sketch_merge s'),
             ('sketch_min s'),
             ('sketch_percentile s'),
             ('sketch_percentiles s'),
             ('sketch_relative_error s'),
             ('sketch_sum s'),
             ('spend_bucket s'),
             ('statement s'),
             ('statement_detail s'),
             ('statement_html s'),
             ('sum s'),
             ('timezone s'),
             ('totals_add s'),
             ('totals_of s'),
             ('totals_sub s'),
             ('unattributed_customer s'),
             ('zero_totals s')$$,
          'functions that only read are PARALLEL SAFE; those that write or lock are PARALLEL UNSAFE');

-- SDK ingest. ingest() is not STRICT: a NULL payload is an error (22004), not a silent NULL.
SELECT has_function('dexcost', 'ingest', ARRAY['jsonb']);
SELECT function_returns('dexcost', 'ingest', ARRAY['jsonb'], 'jsonb');
SELECT function_lang_is('dexcost', 'ingest', ARRAY['jsonb'], 'c');
SELECT volatility_is('dexcost', 'ingest', ARRAY['jsonb'], 'volatile');
SELECT isnt_strict('dexcost', 'ingest', ARRAY['jsonb']);
-- ingest(text): the same for JSON text, parsed by dexcost's own parser.
SELECT has_function('dexcost', 'ingest', ARRAY['text']);
SELECT function_returns('dexcost', 'ingest', ARRAY['text'], 'jsonb');
SELECT function_lang_is('dexcost', 'ingest', ARRAY['text'], 'c');
SELECT volatility_is('dexcost', 'ingest', ARRAY['text'], 'volatile');
SELECT isnt_strict('dexcost', 'ingest', ARRAY['text']);
SELECT has_function('dexcost', 'ingest_records', ARRAY['jsonb', 'text']);
SELECT function_returns('dexcost', 'ingest_records', ARRAY['jsonb', 'text'], 'jsonb');
SELECT function_lang_is('dexcost', 'ingest_records', ARRAY['jsonb', 'text'], 'c');
SELECT volatility_is('dexcost', 'ingest_records', ARRAY['jsonb', 'text'], 'volatile');
SELECT is_strict('dexcost', 'ingest_records', ARRAY['jsonb', 'text']);
-- adopt_pending(NULL) means "every task that exists now", so it is not STRICT either.
SELECT has_function('dexcost', 'adopt_pending', ARRAY['uuid[]']);
SELECT function_returns('dexcost', 'adopt_pending', ARRAY['uuid[]'], 'jsonb');
SELECT function_lang_is('dexcost', 'adopt_pending', ARRAY['uuid[]'], 'plpgsql');
SELECT volatility_is('dexcost', 'adopt_pending', ARRAY['uuid[]'], 'volatile');
SELECT isnt_strict('dexcost', 'adopt_pending', ARRAY['uuid[]']);
SELECT is((SELECT pg_catalog.string_agg(p.proname || '(' || pg_catalog.array_to_string(p.proargnames, ',') || ')', ', '
                                        ORDER BY p.proname)
             FROM pg_catalog.pg_proc AS p
            WHERE p.pronamespace = 'dexcost'::regnamespace AND p.proname IN ('ingest', 'ingest_records', 'adopt_pending')),
          'adopt_pending(task_ids), ingest(payload), ingest(payload), ingest_records(payload,origin)',
          'the ingest functions have the documented argument names');
-- The C ingest functions run SQL through SPI: they pin their search_path like the PL/pgSQL ones.
SELECT is((SELECT pg_catalog.string_agg(p.proname, ', ' ORDER BY p.proname) FROM pg_catalog.pg_proc AS p
            WHERE p.pronamespace = 'dexcost'::regnamespace AND p.proname IN ('ingest', 'ingest_records')
              AND 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)),
          'ingest, ingest, ingest_records', 'ingest() and ingest_records() run with SET search_path = pg_catalog, pg_temp');

SELECT function_returns('dexcost', 'task_before_write', ARRAY[]::name[], 'trigger');
SELECT function_returns('dexcost', 'cost_event_before_write', ARRAY[]::name[], 'trigger');
SELECT function_returns('dexcost', 'model_price_before_write', ARRAY[]::name[], 'trigger');
SELECT function_returns('dexcost', 'model_alias_before_write', ARRAY[]::name[], 'trigger');
SELECT function_returns('dexcost', 'price_catalog_changed', ARRAY[]::name[], 'trigger');
SELECT function_lang_is('dexcost', 'task_before_write', ARRAY[]::name[], 'plpgsql');
SELECT function_lang_is('dexcost', 'cost_event_before_write', ARRAY[]::name[], 'c');
SELECT function_lang_is('dexcost', 'model_price_before_write', ARRAY[]::name[], 'plpgsql');
SELECT function_lang_is('dexcost', 'model_alias_before_write', ARRAY[]::name[], 'plpgsql');
SELECT function_lang_is('dexcost', 'price_catalog_changed', ARRAY[]::name[], 'c');
SELECT function_returns('dexcost', 'revenue_revision_before_write', ARRAY[]::name[], 'trigger');
SELECT function_returns('dexcost', 'task_adopt_pending', ARRAY[]::name[], 'trigger');
SELECT function_lang_is('dexcost', 'revenue_revision_before_write', ARRAY[]::name[], 'plpgsql');
SELECT function_lang_is('dexcost', 'task_adopt_pending', ARRAY[]::name[], 'plpgsql');

-- No function runs with its owner's rights, and every PL/pgSQL one pins its search_path.
-- Owner's rights only where a role must act beyond its grants (docs/roles.md); each pins search_path.
SELECT set_eq($$SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc AS p
                 WHERE p.pronamespace = 'dexcost'::regnamespace AND p.prosecdef$$,
              ARRAY[
                'dexcost.allowed_customers(name,name)', 'dexcost.budget_spend_reset()',
                'dexcost.check_budget(text,text,numeric)', 'dexcost.cost_event_rollup()',
                'dexcost.customer_isolation_apply()', 'dexcost.daily_contributions(text,uuid,text,integer,text)',
                'dexcost.daily_task_deleting()', 'dexcost.daily_task_retyped()', 'dexcost.ingest(jsonb)',
                'dexcost.ingest(text)', 'dexcost.mark_retry(uuid,text,numeric,uuid,text,text)',
                'dexcost.rebuild_budget_spend(bigint[])', 'dexcost.record_budget_alerts(bigint[])',
                'dexcost.reserve_budget(text,text,numeric,interval)', 'dexcost.revenue_revision_before_write()',
                'dexcost.run_budget_checks()', 'dexcost.set_customer_isolation(boolean)',
                'dexcost.settle_budget(uuid,numeric,interval)', 'dexcost.task_adopt_pending()',
                'dexcost.task_before_write()'
              ], 'exactly these dexcost functions are SECURITY DEFINER');
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc AS p
            WHERE p.pronamespace = 'dexcost'::regnamespace
              AND p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql')
              AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
          0::bigint, 'every PL/pgSQL function of dexcost runs with SET search_path = pg_catalog, pg_temp');
-- Views read with the caller's privileges, so a grant on a view never opens the tables behind it.
SELECT is((SELECT pg_catalog.string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_catalog.pg_class AS c
            WHERE c.relnamespace = 'dexcost'::regnamespace AND c.relkind = 'v'
              AND coalesce('security_invoker=true' = ANY (c.reloptions), false)),
          'budget_status, cache_saving_days, daily_customer_all, daily_customer_merged, daily_customer_total_all, daily_customer_total_merged, daily_model_all, daily_model_merged, daily_retry_all, daily_workflow_all, daily_workflow_sketch_merged, model_period_all, profitability, reconciliation_latest, reported_totals_mismatch, revenue_current, revenue_monthly, task_cost, unpriced_spend',
          'every view of dexcost is security_invoker');

------------------------------------------------------------------------------------------
-- The extension
------------------------------------------------------------------------------------------

SELECT has_extension('dexcost', 'dexcost', 'extension dexcost is installed in schema dexcost');
SELECT is((SELECT extrelocatable FROM pg_catalog.pg_extension WHERE extname = 'dexcost'),
          false, 'dexcost is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_catalog.pg_extension WHERE extname = 'dexcost'),
          'dexcost', 'dexcost lives in schema dexcost');
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.pg_depend AS d
             LEFT JOIN pg_catalog.pg_class AS c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
             LEFT JOIN pg_catalog.pg_proc AS p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
             LEFT JOIN pg_catalog.pg_type AS t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
             LEFT JOIN pg_catalog.pg_operator AS o ON d.classid = 'pg_catalog.pg_operator'::regclass AND o.oid = d.objid
            WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
              AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'dexcost')
              AND coalesce(c.relnamespace, p.pronamespace, t.typnamespace, o.oprnamespace)
                  NOT IN ('dexcost'::regnamespace, 'dexcost_bi'::regnamespace)),
          0::bigint, 'every relation, function, type and operator of the extension is in schema dexcost (BI views: dexcost_bi)');

-- pg_dump dumps extension objects as CREATE EXTENSION only; the rows users write must be
-- registered with pg_extension_config_dump, seed rows excluded (the script recreates them).
SELECT set_eq(
    $$SELECT cfg::regclass::text, cond
        FROM pg_catalog.pg_extension AS e,
             unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
       WHERE e.extname = 'dexcost'$$,
    $$VALUES ('dexcost.anomaly_anomaly_id_seq', ''),
             ('dexcost.anomaly', ''),
             ('dexcost.budget_alert', ''),
             ('dexcost.budget_budget_id_seq', ''),
             ('dexcost.budget', ''),
             ('dexcost.cost_event', ''),
             ('dexcost.customer_access', ''),
             ('dexcost.customer_isolation', ''),
             ('dexcost.ingest_pending', ''),
             ('dexcost.ingest_raw_record', ''),
             ('dexcost.ingest_receipt', ''),
             ('dexcost.invoice_alias', 'WHERE NOT is_seed'),
             ('dexcost.invoice_import_error', ''),
             ('dexcost.invoice_import_import_id_seq', ''),
             ('dexcost.invoice_import', ''),
             ('dexcost.invoice_line', ''),
             ('dexcost.model_alias', 'WHERE NOT is_seed'),
             ('dexcost.model_price_price_id_seq', ''),
             ('dexcost.model_price', 'WHERE NOT is_seed'),
             ('dexcost.output_token_budget', ''),
             ('dexcost.reconcile_result', ''),
             ('dexcost.reconcile_run_run_id_seq', ''),
             ('dexcost.reconcile_run', ''),
             ('dexcost.revenue_revision', ''),
             ('dexcost.revenue', ''),
             ('dexcost.statement_adjustment_adjustment_id_seq', ''),
             ('dexcost.statement_adjustment', ''),
             ('dexcost.task_reported_totals', ''),
             ('dexcost.task', ''),
             ('dexcost.workspace_setting', '')$$,
    'pg_dump dumps task, cost_event, the price_id sequence, the non-seed rows of model_price and model_alias, '
    'and every row of the SDK ingest tables');

------------------------------------------------------------------------------------------
-- Comments: every object of the extension is documented in the catalogue
------------------------------------------------------------------------------------------

-- The relations and functions that belong to the extension, and which of them lack a COMMENT.
CREATE TEMP VIEW ext_member AS
SELECT d.classid, d.objid
  FROM pg_catalog.pg_depend AS d
 WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'dexcost');

CREATE TEMP VIEW uncommented AS
SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' ELSE 'view' END AS kind, c.oid::regclass::text AS name
  FROM ext_member AS m JOIN pg_catalog.pg_class AS c ON c.oid = m.objid
 WHERE m.classid = 'pg_catalog.pg_class'::regclass AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_catalog.obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'column' ELSE 'view column' END,
       c.oid::regclass::text || '.' || a.attname
  FROM ext_member AS m
  JOIN pg_catalog.pg_class AS c ON c.oid = m.objid
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE m.classid = 'pg_catalog.pg_class'::regclass AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_catalog.col_description(c.oid, a.attnum) IS NULL
UNION ALL
SELECT 'function', m.objid::regprocedure::text
  FROM ext_member AS m
 WHERE m.classid = 'pg_catalog.pg_proc'::regclass
   AND pg_catalog.obj_description(m.objid, 'pg_proc') IS NULL
UNION ALL
SELECT 'type', m.objid::regtype::text
  FROM ext_member AS m
 WHERE m.classid = 'pg_catalog.pg_type'::regclass
   AND pg_catalog.obj_description(m.objid, 'pg_type') IS NULL
UNION ALL
SELECT 'type attribute', t.oid::regtype::text || '.' || a.attname
  FROM ext_member AS m
  JOIN pg_catalog.pg_type AS t ON t.oid = m.objid
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE m.classid = 'pg_catalog.pg_type'::regclass
   AND pg_catalog.col_description(t.typrelid, a.attnum) IS NULL
UNION ALL
SELECT 'operator', m.objid::regoperator::text
  FROM ext_member AS m
 WHERE m.classid = 'pg_catalog.pg_operator'::regclass
   AND pg_catalog.obj_description(m.objid, 'pg_operator') IS NULL;

-- The membership query above must see the extension's objects, or the counts below prove nothing.
SELECT set_eq(
    $$SELECT c.oid::regclass::text, c.relkind::text FROM ext_member AS m JOIN pg_catalog.pg_class AS c ON c.oid = m.objid
       WHERE m.classid = 'pg_catalog.pg_class'::regclass$$,
    $$VALUES ('dexcost.anomaly_anomaly_id_seq', 'S'),
             ('dexcost.anomaly', 'r'),
             ('dexcost.budget_alert', 'r'),
             ('dexcost.budget_budget_id_seq', 'S'),
             ('dexcost.budget_reservation', 'r'),
             ('dexcost.budget_spend', 'r'),
             ('dexcost.budget_status', 'v'),
             ('dexcost.budget', 'r'),
             ('dexcost.cache_saving_days', 'v'),
             ('dexcost.cost_event', 'r'),
             ('dexcost.customer_access', 'r'),
             ('dexcost.customer_isolation', 'r'),
             ('dexcost.customer_period', 'r'),
             ('dexcost.daily_customer_all', 'v'),
             ('dexcost.daily_customer_delta', 'r'),
             ('dexcost.daily_customer_merged', 'v'),
             ('dexcost.daily_customer_total_all', 'v'),
             ('dexcost.daily_customer_total_merged', 'v'),
             ('dexcost.daily_customer_total', 'r'),
             ('dexcost.daily_customer', 'r'),
             ('dexcost.daily_model_all', 'v'),
             ('dexcost.daily_model_delta', 'r'),
             ('dexcost.daily_model_merged', 'v'),
             ('dexcost.daily_model', 'r'),
             ('dexcost.daily_retry_all', 'v'),
             ('dexcost.daily_retry_delta', 'r'),
             ('dexcost.daily_retry', 'r'),
             ('dexcost.daily_workflow_all', 'v'),
             ('dexcost.daily_workflow_sketch_merged', 'v'),
             ('dexcost.daily_workflow_sketch', 'r'),
             ('dexcost.daily_workflow', 'r'),
             ('dexcost.ingest_pending', 'r'),
             ('dexcost.ingest_raw_record', 'r'),
             ('dexcost.ingest_receipt', 'r'),
             ('dexcost.invoice_alias', 'r'),
             ('dexcost.invoice_import_error', 'r'),
             ('dexcost.invoice_import_import_id_seq', 'S'),
             ('dexcost.invoice_import', 'r'),
             ('dexcost.invoice_line', 'r'),
             ('dexcost.model_alias', 'r'),
             ('dexcost.model_period_all', 'v'),
             ('dexcost.model_period', 'r'),
             ('dexcost.model_price_price_id_seq', 'S'),
             ('dexcost.model_price', 'r'),
             ('dexcost.output_token_budget', 'r'),
             ('dexcost.period_state', 'r'),
             ('dexcost.profitability', 'v'),
             ('dexcost.reconcile_result', 'r'),
             ('dexcost.reconcile_run_run_id_seq', 'S'),
             ('dexcost.reconcile_run', 'r'),
             ('dexcost.reconciliation_latest', 'v'),
             ('dexcost.reported_totals_mismatch', 'v'),
             ('dexcost.retry_chain', 'v'),
             ('dexcost.revenue_current', 'v'),
             ('dexcost.revenue_import_line_seq', 'S'),
             ('dexcost.revenue_import', 'r'),
             ('dexcost.revenue_monthly', 'v'),
             ('dexcost.revenue_revision', 'r'),
             ('dexcost.revenue', 'r'),
             ('dexcost.settings', 'v'),
             ('dexcost.statement_adjustment_adjustment_id_seq', 'S'),
             ('dexcost.statement_adjustment', 'r'),
             ('dexcost.task_cost', 'v'),
             ('dexcost.task_reported_totals', 'r'),
             ('dexcost.task_rollup_delta', 'r'),
             ('dexcost.task_rollup', 'r'),
             ('dexcost.task', 'r'),
             ('dexcost.unpriced_spend', 'v'),
             ('dexcost.workspace_setting', 'r'),
             ('dexcost_bi.cost_health_daily', 'v'),
             ('dexcost_bi.customer_daily', 'v'),
             ('dexcost_bi.customer_period', 'v'),
             ('dexcost_bi.customer_ranking', 'v'),
             ('dexcost_bi.customer_task_type_daily', 'v'),
             ('dexcost_bi.model_usage_daily', 'v'),
             ('dexcost_bi.model_usage_period', 'v'),
             ('dexcost_bi.open_anomalies', 'v'),
             ('dexcost_bi.overview_daily', 'v'),
             ('dexcost_bi.overview_monthly', 'v'),
             ('dexcost_bi.periods', 'v'),
             ('dexcost_bi.retry_cost_by_reason_daily', 'v'),
             ('dexcost_bi.task_type_daily', 'v'),
             ('dexcost_bi.task_type_ranking', 'v'),
             ('dexcost_bi.unit_economics_daily', 'v'),
             ('dexcost_bi.unpriced_daily', 'v'),
             ('dexcost_bi.unpriced_period', 'v'),
             ('dexcost_bi.workflow_percentiles_daily', 'v'),
             ('dexcost_bi.workflow_percentiles', 'v')$$,
    'the extension owns exactly its tables, views and sequence');
SELECT is((SELECT pg_catalog.count(*) FROM ext_member WHERE classid = 'pg_catalog.pg_proc'::regclass),
          143::bigint, 'the extension owns its 143 functions (aggregates included)');

-- The checks below can fail: with the COMMENT of one object of each kind removed, the view
-- names exactly those objects. The comments are put back at once (and all is rolled back anyway).
CREATE TEMP TABLE uncommented_probe (kind text, name text);
DO $$
DECLARE
    saved text[] := ARRAY[
        pg_catalog.obj_description('dexcost.ingest_receipt'::regclass, 'pg_class'),
        pg_catalog.col_description('dexcost.task'::regclass,
                                   (SELECT attnum FROM pg_catalog.pg_attribute
                                     WHERE attrelid = 'dexcost.task'::regclass AND attname = 'variant')::integer),
        pg_catalog.obj_description('dexcost.revenue_current'::regclass, 'pg_class'),
        pg_catalog.col_description('dexcost.reported_totals_mismatch'::regclass,
                                   (SELECT attnum FROM pg_catalog.pg_attribute
                                     WHERE attrelid = 'dexcost.reported_totals_mismatch'::regclass
                                       AND attname = 'ledger')::integer),
        pg_catalog.obj_description('dexcost.ingest(jsonb)'::regprocedure, 'pg_proc'),
        pg_catalog.obj_description('dexcost.cost_totals'::regtype, 'pg_type'),
        pg_catalog.col_description('dexcost.cost_totals'::regclass,
                                   (SELECT attnum FROM pg_catalog.pg_attribute
                                     WHERE attrelid = 'dexcost.cost_totals'::regclass AND attname = 'gpu_cost_usd')::integer),
        pg_catalog.obj_description('dexcost.+(dexcost.cost_totals, dexcost.cost_totals)'::regoperator, 'pg_operator')];
BEGIN
    COMMENT ON TABLE dexcost.ingest_receipt IS NULL;
    COMMENT ON COLUMN dexcost.task.variant IS NULL;
    COMMENT ON VIEW dexcost.revenue_current IS NULL;
    COMMENT ON COLUMN dexcost.reported_totals_mismatch.ledger IS NULL;
    COMMENT ON FUNCTION dexcost.ingest(jsonb) IS NULL;
    COMMENT ON TYPE dexcost.cost_totals IS NULL;
    COMMENT ON COLUMN dexcost.cost_totals.gpu_cost_usd IS NULL;
    COMMENT ON OPERATOR dexcost.+ (dexcost.cost_totals, dexcost.cost_totals) IS NULL;
    INSERT INTO uncommented_probe SELECT u.kind, u.name FROM uncommented AS u;
    EXECUTE pg_catalog.format('COMMENT ON TABLE dexcost.ingest_receipt IS %L', saved[1]);
    EXECUTE pg_catalog.format('COMMENT ON COLUMN dexcost.task.variant IS %L', saved[2]);
    EXECUTE pg_catalog.format('COMMENT ON VIEW dexcost.revenue_current IS %L', saved[3]);
    EXECUTE pg_catalog.format('COMMENT ON COLUMN dexcost.reported_totals_mismatch.ledger IS %L', saved[4]);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION dexcost.ingest(jsonb) IS %L', saved[5]);
    EXECUTE pg_catalog.format('COMMENT ON TYPE dexcost.cost_totals IS %L', saved[6]);
    EXECUTE pg_catalog.format('COMMENT ON COLUMN dexcost.cost_totals.gpu_cost_usd IS %L', saved[7]);
    EXECUTE pg_catalog.format('COMMENT ON OPERATOR dexcost.+ (dexcost.cost_totals, dexcost.cost_totals) IS %L', saved[8]);
END;
$$;
SELECT set_eq(
    $$SELECT kind, name FROM uncommented_probe$$,
    $$VALUES ('table', 'dexcost.ingest_receipt'), ('column', 'dexcost.task.variant'),
             ('view', 'dexcost.revenue_current'), ('view column', 'dexcost.reported_totals_mismatch.ledger'),
             ('function', 'dexcost.ingest(jsonb)'), ('type', 'dexcost.cost_totals'),
             ('type attribute', 'dexcost.cost_totals.gpu_cost_usd'),
             ('operator', 'dexcost.+(dexcost.cost_totals,dexcost.cost_totals)')$$,
    'the COMMENT checks catch a missing COMMENT of every kind (probe: one object of each kind stripped, then restored)');

SELECT diag('lacks a COMMENT: ' || kind || ' ' || name) FROM uncommented ORDER BY kind, name;
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind = 'table'), 0::bigint, 'every table has a COMMENT');
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind = 'column'), 0::bigint, 'every table column has a COMMENT');
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind = 'view'), 0::bigint, 'every view has a COMMENT');
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind = 'view column'), 0::bigint, 'every view column has a COMMENT');
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind = 'function'), 0::bigint, 'every function has a COMMENT');
SELECT is((SELECT pg_catalog.count(*) FROM ext_member WHERE classid = 'pg_catalog.pg_type'::regclass), 3::bigint,
          'the extension owns three types (cost_totals, ddsketch, pareto)');
SELECT is((SELECT pg_catalog.count(*) FROM ext_member WHERE classid = 'pg_catalog.pg_operator'::regclass), 2::bigint,
          'the extension owns two operators (+ and - on cost_totals)');
SELECT is((SELECT pg_catalog.count(*) FROM uncommented WHERE kind IN ('type', 'type attribute', 'operator')), 0::bigint,
          'every type, type attribute and operator has a COMMENT');
SELECT isnt(pg_catalog.obj_description('dexcost'::regnamespace, 'pg_namespace'), NULL, 'schema dexcost has a COMMENT');

SELECT * FROM finish();
ROLLBACK;
