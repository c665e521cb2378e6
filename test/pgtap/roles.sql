-- pgTAP: the dexcost roles (docs/roles.md).
--
-- 1. Every table, view, sequence and data-touching function of schemas dexcost and dexcost_bi
--    has a decision in the matrix below (effective privileges of each role, membership
--    included): a new object without one fails, so nothing is silently unreachable or
--    over-exposed. Letters: S select (s: some columns only), I insert, U update, D delete,
--    T truncate, u sequence usage, X execute; '' none.
--    Known exceptions, by rule: trigger functions (never called directly; privileges are
--    checked on the table) and IMMUTABLE functions and aggregates (pure computation on
--    their arguments: totals, sketches, pareto), which keep PUBLIC's EXECUTE.
-- 2. What each role can really do, tried as that role.
BEGIN;
SELECT plan(29);
SET LOCAL TimeZone = 'UTC';

CREATE FUNCTION pg_temp.privs(r name, o text, k text) RETURNS text LANGUAGE sql STABLE AS $$
SELECT CASE WHEN k = 'function' THEN CASE WHEN has_function_privilege(r, o::regprocedure, 'EXECUTE') THEN 'X' ELSE '' END
            WHEN k = 'sequence' THEN CASE WHEN has_sequence_privilege(r, o::regclass, 'USAGE') THEN 'u' ELSE '' END
       ELSE CASE WHEN has_table_privilege(r, o::regclass, 'SELECT') THEN 'S'
                 WHEN has_any_column_privilege(r, o::regclass, 'SELECT') THEN 's' ELSE '' END
         || CASE WHEN has_table_privilege(r, o::regclass, 'INSERT') THEN 'I' ELSE '' END
         || CASE WHEN has_table_privilege(r, o::regclass, 'UPDATE') THEN 'U' ELSE '' END
         || CASE WHEN has_table_privilege(r, o::regclass, 'DELETE') THEN 'D' ELSE '' END
         || CASE WHEN has_table_privilege(r, o::regclass, 'TRUNCATE') THEN 'T' ELSE '' END END $$;

CREATE TEMPORARY TABLE objs AS
SELECT c.oid::regclass::text AS obj, CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' ELSE 'table' END AS kind
  FROM pg_class c WHERE c.relnamespace::regnamespace::text IN ('dexcost', 'dexcost_bi') AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')
UNION ALL
SELECT p.oid::regprocedure::text, 'function' FROM pg_proc p
 WHERE p.pronamespace::regnamespace::text IN ('dexcost', 'dexcost_bi') AND p.provolatile <> 'i'
   AND p.prorettype <> 'trigger'::regtype;

CREATE TEMPORARY TABLE decided (obj text, kind text, viewer text, finance text, finops text, writer text, admin text);
INSERT INTO decided VALUES
  ('dexcost.budget_status', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.profitability', 'view', '', 'S', 'S', '', 'S'),
  ('dexcost.reported_totals_mismatch', 'view', '', '', 'S', '', 'S'),
  ('dexcost.revenue_current', 'view', '', 'S', 'S', '', 'S'),
  ('dexcost.revenue_monthly', 'view', '', 'S', 'S', '', 'S'),
  ('dexcost.settings', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.task_cost', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.unpriced_spend', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.budget', 'table', 'S', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.budget_alert', 'table', 'S', 'S', 'SD', '', 'SIUD'),
  ('dexcost.budget_reservation', 'table', 'S', 'S', 'SD', '', 'SIUD'),
  ('dexcost.budget_spend', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.cost_event', 'table', 's', 's', 'S', 'I', 'SIUDT'),
  ('dexcost.customer_access', 'table', '', '', '', '', 'SIUD'),
  ('dexcost.customer_isolation', 'table', '', '', '', '', 'SIUD'),
  ('dexcost.ingest_pending', 'table', '', '', '', '', 'SIUD'),
  ('dexcost.ingest_raw_record', 'table', '', '', '', '', 'SIUD'),
  ('dexcost.ingest_receipt', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.model_alias', 'table', 'S', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.model_price', 'table', 'S', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.revenue', 'table', '', 'SIUD', 'SIUD', '', 'SIUD'),
  ('dexcost.revenue_import', 'table', '', 'SID', 'SID', '', 'SIUD'),
  ('dexcost.revenue_revision', 'table', '', 'S', 'S', 'I', 'SID'),
  ('dexcost.task', 'table', 's', 's', 'S', 'I', 'SIUD'),
  ('dexcost.task_reported_totals', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.task_rollup', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.task_rollup_delta', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.workspace_setting', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.budget_budget_id_seq', 'sequence', '', '', 'u', '', 'u'),
  ('dexcost.model_price_price_id_seq', 'sequence', '', '', 'u', '', 'u'),
  ('dexcost.revenue_import_line_seq', 'sequence', '', 'u', 'u', '', 'u'),
  ('dexcost.adopt_pending(uuid[])', 'function', '', '', '', '', 'X'),
  ('dexcost.budget_projection(bigint)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.budget_reserved(bigint)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.budget_spent(bigint,timestamp with time zone,timestamp with time zone)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.budget_spent_now(bigint)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.check_budget(text,text,numeric)', 'function', '', '', 'X', 'X', 'X'),
  ('dexcost.compute_cost(text,text,text,timestamp with time zone,bigint,bigint,bigint,bigint,bigint,bigint)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.allowed_customers(name,name)', 'function', 'X', 'X', 'X', 'X', 'X'),
  ('dexcost.customer_visible(text)', 'function', 'X', 'X', 'X', 'X', 'X'),
  ('dexcost.export_events(timestamp with time zone,timestamp with time zone)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.export_tasks(timestamp with time zone,timestamp with time zone)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.fold_rollups()', 'function', '', '', '', '', 'X'),
  ('dexcost.ingest(jsonb)', 'function', '', '', '', 'X', 'X'),
  ('dexcost.ingest(text)', 'function', '', '', '', 'X', 'X'),
  ('dexcost.ingest_records(jsonb,text)', 'function', '', '', '', '', 'X'),
  ('dexcost.load_revenue(text)', 'function', '', 'X', 'X', '', 'X'),
  ('dexcost.lock_for_tree_change(text[])', 'function', '', '', '', '', 'X'),
  ('dexcost.period_end(text,timestamp with time zone)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.period_start(text,timestamp with time zone)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.rebuild_budget_spend(bigint[])', 'function', '', '', '', '', 'X'),
  ('dexcost.rebuild_rollups()', 'function', '', '', '', '', 'X'),
  ('dexcost.record_budget_alerts(bigint[])', 'function', '', '', '', '', 'X'),
  ('dexcost.reprice(timestamp with time zone,timestamp with time zone)', 'function', '', '', '', '', 'X'),
  ('dexcost.reserve_budget(text,text,numeric,interval)', 'function', '', '', 'X', 'X', 'X'),
  ('dexcost.rollup_check()', 'function', '', '', '', '', 'X'),
  ('dexcost.run_budget_checks()', 'function', '', '', '', '', 'X'),
  ('dexcost.set_customer_isolation(boolean)', 'function', '', '', '', '', 'X'),
  ('dexcost.customer_isolation_tables()', 'function', '', '', '', '', 'X'),
  ('dexcost.isolation_check()', 'function', '', '', '', '', 'X'),
  ('dexcost.set_setting(text,text)', 'function', '', '', '', '', 'X'),
  ('dexcost.setting_changed(text)', 'function', '', '', '', '', 'X'),
  ('dexcost.settle_budget(uuid,numeric,interval)', 'function', '', '', 'X', 'X', 'X'),
  ('dexcost.shift_subtree_totals(text,uuid[],dexcost.cost_totals)', 'function', '', '', '', '', 'X'),
  ('dexcost.timezone()', 'function', 'X', 'X', 'X', '', 'X'),
  -- the range check every range function runs (reads no data)
  ('dexcost._check_range(text,timestamp with time zone,text,timestamp with time zone,text,interval)', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost._check_range(text,date,text,date,text,interval)', 'function', 'X', 'X', 'X', '', 'X'),
  -- retries, daily pre-aggregates, dexcost_bi, anomalies, invoices and statements
  ('dexcost.invoice_alias', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.invoice_import', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.invoice_import_error', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.invoice_line', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.reconcile_run', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.reconcile_result', 'table', '', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.reconciliation_latest', 'view', '', 'S', 'S', '', 'S'),
  ('dexcost.statement_adjustment', 'table', '', 'SIUD', 'SIUD', '', 'SIUD'),
  ('dexcost.invoice_import_import_id_seq', 'sequence', '', '', 'u', '', 'u'),
  ('dexcost.reconcile_run_run_id_seq', 'sequence', '', '', 'u', '', 'u'),
  ('dexcost.statement_adjustment_adjustment_id_seq', 'sequence', '', 'u', 'u', '', 'u'),
  ('dexcost._tracked_usage(text,timestamp with time zone,timestamp with time zone,text,boolean)', 'function', '', '', 'X', '', 'X'),
  ('dexcost._daily_is_exact(text,timestamp with time zone,timestamp with time zone,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost._load_invoice(bigint,text,text,text,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.import_invoice(text,text,text,text,boolean)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.reconcile(text,date,date,text,numeric)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.statement(text,date)', 'function', '', 'X', 'X', '', 'X'),
  ('dexcost.statement_detail(text,date)', 'function', '', 'X', 'X', '', 'X'),
  ('dexcost.statement_html(text,date)', 'function', '', 'X', 'X', '', 'X'),
  ('dexcost.anomaly', 'table', 'S', 'S', 'SU', '', 'SIUD'),
  ('dexcost.anomaly_anomaly_id_seq', 'sequence', '', '', '', '', 'u'),
  ('dexcost_bi.open_anomalies', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.acknowledge_anomaly(bigint,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.anomalies_on_day(date,integer,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.detect_anomalies(timestamp with time zone,interval,double precision,double precision,double precision,numeric,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.output_token_budget', 'table', 'S', 'S', 'SIUD', '', 'SIUD'),
  ('dexcost.run_checks(timestamp with time zone)', 'function', '', '', '', '', 'X'),
  ('dexcost.daily_customer', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_customer_delta', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_workflow', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_customer_total', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_customer_total_all', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_customer_total_merged', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_customer_merged', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_model_merged', 'view', '', '', 'S', '', 'S'),
  ('dexcost.daily_workflow_sketch', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.daily_workflow_sketch_merged', 'view', '', '', 'S', '', 'S'),
  ('dexcost.cache_saving_days', 'view', '', '', 'S', '', 'S'),
  ('dexcost.daily_workflow_all', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_retry', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_retry_delta', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.daily_model', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.daily_model_delta', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.daily_customer_all', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_retry_all', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost.daily_model_all', 'view', '', '', 'S', '', 'S'),
  ('dexcost.period_state', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.customer_period', 'table', 'S', 'S', 'S', '', 'SIUD'),
  ('dexcost.model_period', 'table', '', '', 'S', '', 'SIUD'),
  ('dexcost.model_period_all', 'view', '', '', 'S', '', 'S'),
  ('dexcost.periods_fresh()', 'function', 'X', 'X', 'X', '', 'X'),
  ('dexcost.refresh_periods(boolean)', 'function', '', '', '', '', 'X'),
  ('dexcost_bi.customer_period', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.model_usage_period', 'view', '', '', 'S', '', 'S'),
  ('dexcost_bi.unpriced_period', 'view', '', '', 'S', '', 'S'),
  ('dexcost.retry_chain', 'view', '', '', 'S', '', 'S'),
  ('dexcost_bi.periods', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.overview_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.overview_monthly', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.cost_health_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.retry_cost_by_reason_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.customer_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.customer_task_type_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.customer_ranking', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.task_type_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.task_type_ranking', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.unit_economics_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.unpriced_daily', 'view', 'S', 'S', 'S', '', 'S'),
  ('dexcost_bi.model_usage_daily', 'view', '', '', 'S', '', 'S'),
  ('dexcost_bi.workflow_percentiles_daily', 'view', '', '', 'S', '', 'S'),
  ('dexcost_bi.workflow_percentiles', 'view', '', '', 'S', '', 'S'),
  ('dexcost.mark_retry(uuid,text,numeric,uuid,text,text)', 'function', '', '', 'X', 'X', 'X'),
  ('dexcost.mark_not_retry(uuid,uuid,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.retry_confidence(timestamp with time zone,text,text,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.retry_confidence(timestamp with time zone,text,text,text,interval)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.retry_candidate(uuid,timestamp with time zone,text,text,text)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.retry_candidate(uuid,timestamp with time zone,text,text,text,interval)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.detect_retries(timestamp with time zone,timestamp with time zone,interval,double precision)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.backfill_retries(timestamp with time zone,timestamp with time zone,interval,double precision)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.retry_summary(timestamp with time zone,timestamp with time zone)', 'function', '', '', 'X', '', 'X'),
  ('dexcost.fold_daily()', 'function', '', '', '', '', 'X'),
  ('dexcost.rebuild_daily()', 'function', '', '', '', '', 'X'),
  ('dexcost.daily_check()', 'function', '', '', '', '', 'X'),
  ('dexcost.daily_contributions(text,uuid,text,integer,text)', 'function', '', '', '', '', 'X');

SELECT is(ARRAY(SELECT obj FROM objs EXCEPT SELECT obj FROM decided ORDER BY 1), '{}',
          'every object of dexcost and dexcost_bi has a privilege decision for each role (add new ones to the matrix and docs/roles.md)');
SELECT is(ARRAY(SELECT obj FROM decided EXCEPT SELECT obj FROM objs ORDER BY 1), '{}', 'the matrix names no object that does not exist');
SELECT results_eq(
    $$SELECT d.obj COLLATE "C", pg_temp.privs('dexcost_viewer', d.obj, d.kind) COLLATE "C", pg_temp.privs('dexcost_finance', d.obj, d.kind) COLLATE "C",
              pg_temp.privs('dexcost_finops', d.obj, d.kind) COLLATE "C", pg_temp.privs('dexcost_writer', d.obj, d.kind) COLLATE "C",
              pg_temp.privs('dexcost_admin', d.obj, d.kind) COLLATE "C"
         FROM decided AS d JOIN objs USING (obj) ORDER BY d.obj$$,
    $$SELECT d.obj COLLATE "C", d.viewer COLLATE "C", d.finance COLLATE "C", d.finops COLLATE "C", d.writer COLLATE "C", d.admin COLLATE "C" FROM decided AS d JOIN objs USING (obj) ORDER BY d.obj$$,
    'each role has exactly the privileges of the matrix');
SELECT is(ARRAY(SELECT obj FROM objs WHERE kind <> 'function' AND pg_temp.privs('public', obj, kind) <> '' ORDER BY 1), '{}',
          'PUBLIC has no privilege on any table, view or sequence');
SELECT is(ARRAY(SELECT obj FROM objs WHERE kind = 'function' AND has_function_privilege('public', obj::regprocedure, 'EXECUTE')
                ORDER BY 1), '{}',
          'PUBLIC may execute no function that reads or writes data');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc AS p
                 WHERE p.pronamespace::regnamespace::text IN ('dexcost', 'dexcost_bi') AND p.prosecdef
                   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false) ORDER BY 1), '{}',
          'every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp');

-- The roles: NOLOGIN, marked as dexcost's, in a chain.
SELECT is(ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'dexcost\_%' AND NOT rolcanlogin
                   AND shobj_description(oid, 'pg_authid') LIKE 'dexcost group role:%' ORDER BY 1),
          ARRAY['dexcost_admin', 'dexcost_finance', 'dexcost_finops', 'dexcost_owner', 'dexcost_viewer', 'dexcost_writer'],
          'six NOLOGIN group roles carry the dexcost marker');
SELECT ok(pg_has_role('dexcost_owner', 'dexcost_writer', 'USAGE') AND pg_has_role('dexcost_owner', 'dexcost_viewer', 'USAGE')
          AND NOT pg_has_role('dexcost_writer', 'dexcost_viewer', 'USAGE') AND NOT pg_has_role('dexcost_viewer', 'dexcost_finance', 'USAGE'),
          'owner includes every role; writer and viewer include nothing');
SELECT ok((SELECT bool_and(admin_option) FROM pg_auth_members WHERE member = 'dexcost_owner'::regrole AND roleid <> 'dexcost_admin'::regrole)
          AND NOT EXISTS (SELECT 1 FROM pg_auth_members WHERE member = 'dexcost_admin'::regrole AND admin_option),
          'the owner may grant the dexcost roles; admin may not');

-- Data: two customers.
INSERT INTO dexcost.task (task_id, customer_id, task_type, team, metadata) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'acme', 'x', 'support', '{"prompt": "secret"}'),
  ('e0000000-0000-4000-8000-000000000002', 'globex', 'x', 'support', '{}');
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, cost_usd, cost_confidence, error_type, details) VALUES
  ('acme', 'e0000000-0000-4000-8000-000000000001', 'external_cost', 2, 'exact', 'timeout', '{"prompt": "secret"}'),
  ('globex', 'e0000000-0000-4000-8000-000000000002', 'external_cost', 3, 'exact', NULL, '{}');
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd) VALUES ('customer', 'acme', 'month', 10);

-- Runs statements as a role; answers 'ok' or the SQLSTATE of each, joined by ';'.
CREATE FUNCTION pg_temp.try_as(r name, stmts text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text; outcome text := ''; n bigint;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    FOREACH s IN ARRAY stmts LOOP
        BEGIN EXECUTE s; outcome := outcome || 'ok;';
        EXCEPTION WHEN OTHERS THEN outcome := outcome || SQLSTATE || ';'; END;
    END LOOP;
    RESET ROLE;
    RETURN outcome;
END $$;

-- finance: cost yes, technical detail no.
SELECT is(pg_temp.try_as('dexcost_finance', ARRAY[
    'SELECT customer_id, cost_usd, model, occurred_at FROM dexcost.cost_event',
    'SELECT details FROM dexcost.cost_event', 'SELECT error_type FROM dexcost.cost_event',
    'SELECT latency_ms FROM dexcost.cost_event', 'SELECT route FROM dexcost.cost_event',
    'SELECT * FROM dexcost.cost_event', 'SELECT metadata FROM dexcost.task',
    'SELECT customer_id, team FROM dexcost.task', 'SELECT record FROM dexcost.ingest_raw_record',
    'SELECT * FROM dexcost.profitability', 'SELECT * FROM dexcost.revenue_current', 'SELECT * FROM dexcost.task_cost']),
  'ok;42501;42501;42501;42501;42501;42501;ok;42501;ok;ok;ok;',
  'finance reads cost, revenue and profitability but no details, error types, latency, routes, task metadata or raw payloads');
SELECT is(pg_temp.try_as('dexcost_finops', ARRAY['SELECT details, error_type FROM dexcost.cost_event',
    'SELECT metadata FROM dexcost.task', 'SELECT record FROM dexcost.ingest_raw_record',
    $q$INSERT INTO dexcost.budget (scope, scope_id, limit_usd) VALUES ('team', 'support', 5)$q$,
    $q$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source) VALUES ('acme-ai', 'm', 'input', 1, 'tap')$q$,
    'DELETE FROM dexcost.cost_event']),
  'ok;ok;42501;ok;ok;42501;', 'finops reads technical detail, edits budgets and prices, but neither raw payloads nor the ledger');
SELECT is(pg_temp.try_as('dexcost_viewer', ARRAY['SELECT * FROM dexcost.task_cost', 'SELECT * FROM dexcost.budget_status',
    'SELECT * FROM dexcost.unpriced_spend', 'SELECT * FROM dexcost.settings', 'SELECT * FROM dexcost.profitability',
    'SELECT * FROM dexcost.revenue_current', 'SELECT details FROM dexcost.cost_event']),
  'ok;ok;ok;ok;42501;42501;42501;', 'viewer reads the cost dashboards, not revenue or technical detail');

-- writer: inserts and ingests, reads nothing.
SELECT is(pg_temp.try_as('dexcost_writer', ARRAY[
    $q$INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('e0000000-0000-4000-8000-000000000003', 'acme', 'w')$q$,
    $q$INSERT INTO dexcost.task (task_id, task_type, parent_task_id) VALUES ('e0000000-0000-4000-8000-000000000004', 'w', 'e0000000-0000-4000-8000-000000000003')$q$,
    $q$INSERT INTO dexcost.cost_event (task_id, event_type, provider, model, input_tokens, output_tokens) VALUES ('e0000000-0000-4000-8000-000000000004', 'llm_call', 'openai', 'gpt-4o', 1000, 100)$q$,
    $q$SELECT dexcost.ingest('{"events": [], "tasks": []}'::jsonb)$q$,
    $q$SELECT allowed FROM dexcost.reserve_budget('customer', 'acme', 1)$q$,
    'SELECT 1 FROM dexcost.task', 'SELECT cost_usd FROM dexcost.cost_event', 'SELECT * FROM dexcost.task_cost',
    'SELECT * FROM dexcost.budget_status', 'UPDATE dexcost.task SET team = NULL', 'DELETE FROM dexcost.cost_event',
    $q$INSERT INTO dexcost.cost_event (task_id, event_type, cost_usd, cost_confidence) VALUES ('e0000000-0000-4000-8000-000000000001', 'external_cost', 1, 'exact') RETURNING details$q$]),
  'ok;ok;ok;ok;ok;42501;42501;42501;42501;42501;42501;42501;',
  'writer inserts tasks (child tasks too), events and ingest payloads and reserves budget, but reads, updates and deletes nothing');
SELECT results_eq($$SELECT customer_id, cost_confidence, cost_usd > 0 FROM dexcost.cost_event WHERE task_id = 'e0000000-0000-4000-8000-000000000004'$$,
                  $$VALUES ('acme', 'computed', true)$$,
                  'the writer''s event got its task''s customer and a catalogue price (the triggers read as the owner)');
SELECT is((SELECT subtree_cost_usd > 0 FROM dexcost.task_cost WHERE task_id = 'e0000000-0000-4000-8000-000000000003'), true,
          'the writer''s event rolled up into its parent task');
SELECT is((SELECT spent_usd FROM dexcost.budget_status WHERE scope_id = 'acme') > 2, true,
          'the writer''s event counts in the customer''s budget');

-- A parked ingest record is adopted when the writer inserts its task with plain SQL.
SELECT is((dexcost.ingest('{"events": [{"event_id": "e1000000-0000-4000-8000-000000000001",
    "task_id": "e0000000-0000-4000-8000-000000000005", "event_type": "external_cost",
    "occurred_at": "2026-05-26T12:34:57.000000Z", "cost_usd": "0.5", "cost_confidence": "exact",
    "pricing_source": "manual", "pricing_version": null, "service_name": "tavily", "provider": null, "model": null,
    "input_tokens": null, "output_tokens": null, "cached_tokens": null, "latency_ms": 230, "is_retry": false,
    "retry_reason": null, "retry_of": null, "details": {}, "schema_version": "1"}]}'::jsonb))->>'parked', '1',
          'an event for an unknown task is parked');
SELECT is(pg_temp.try_as('dexcost_writer', ARRAY[
    $q$INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('e0000000-0000-4000-8000-000000000005', 'acme', 'w')$q$]),
  'ok;', 'the writer inserts the task the parked event waits for, without reading ingest_pending');
SELECT is((SELECT count(*) FROM dexcost.cost_event WHERE task_id = 'e0000000-0000-4000-8000-000000000005'), 1::bigint,
          'and the parked event is stored');

-- Per-customer isolation.
CREATE ROLE dexcost_tap_acme LOGIN IN ROLE dexcost_finops;
CREATE ROLE dexcost_tap_all LOGIN IN ROLE dexcost_finops;
INSERT INTO dexcost.customer_access VALUES ('dexcost_tap_acme', 'acme');
SET LOCAL client_min_messages = warning;
SELECT is(dexcost.set_customer_isolation(true), 'on', 'isolation turns on');
SELECT is((SELECT enabled FROM dexcost.customer_isolation), true, 'the switch is kept as data in dexcost.customer_isolation (pg_dump dumps it)');
SET LOCAL ROLE dexcost_tap_acme;
SELECT is(ARRAY(SELECT DISTINCT customer_id FROM dexcost.cost_event ORDER BY 1), ARRAY['acme'], 'a restricted login sees only its customers'' events');
SELECT is(ARRAY(SELECT DISTINCT customer_id FROM dexcost.task_cost ORDER BY 1), ARRAY['acme'], 'and only their tasks through the views');
SELECT throws_ok($$INSERT INTO dexcost.task (customer_id, task_type) VALUES ('globex', 'x')$$, '42501', NULL,
                 'and cannot write for another customer');
RESET ROLE;
SET LOCAL ROLE dexcost_tap_all;
SELECT is(ARRAY(SELECT DISTINCT customer_id FROM dexcost.cost_event ORDER BY 1), ARRAY['acme', 'globex'], 'a login without customer_access rows sees everyone');
RESET ROLE;
SELECT is(dexcost.set_customer_isolation(false), 'off', 'isolation turns off');
SELECT is((SELECT count(*) FROM pg_policies WHERE schemaname = 'dexcost'), 0::bigint, 'and leaves no policy behind');
SET LOCAL ROLE dexcost_tap_acme;
SELECT is(ARRAY(SELECT DISTINCT customer_id FROM dexcost.cost_event ORDER BY 1), ARRAY['acme', 'globex'], 'off: the listed login sees everyone again');
RESET ROLE;
-- pg_restore loads the switch into the empty table of a fresh CREATE EXTENSION: its trigger turns isolation on.
DELETE FROM dexcost.customer_isolation;
INSERT INTO dexcost.customer_isolation (enabled) VALUES (true);
SET LOCAL ROLE dexcost_tap_acme;
SELECT is(ARRAY(SELECT DISTINCT customer_id FROM dexcost.cost_event ORDER BY 1), ARRAY['acme'], 'loading the switch row, as a restore does, turns isolation back on');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
