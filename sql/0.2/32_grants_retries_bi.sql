
------------------------------------------------------------------------------------------
-- Privileges of the retry functions, the daily pre-aggregates and the dexcost_bi views,
-- along the matrix of docs/roles.md (parts 10, 20 and 25 come before the roles exist).
------------------------------------------------------------------------------------------

-- The triggers that keep the pre-aggregates run as the owner: a writer inserts events and
-- tasks without any right on the derived tables (the C++ statement triggers daily_events_changed
-- and daily_tasks_changed switch to the schema owner themselves).
ALTER FUNCTION @extschema@.daily_task_retyped() SECURITY DEFINER;
ALTER FUNCTION @extschema@.daily_task_deleting() SECURITY DEFINER;
ALTER FUNCTION @extschema@.daily_contributions(text, uuid, text, int, text) SECURITY DEFINER;
-- An app marks retries in its error handling: mark_retry reads the attempt it names.
ALTER FUNCTION @extschema@.mark_retry(uuid, text, numeric, uuid, text, text) SECURITY DEFINER;

-- Row-level security (set_customer_isolation) reaches the BI views: they and the views they
-- read run with the querying role's rights. unpriced_daily reads the technical daily_model
-- table for the viewer (only provider, model, workflow and counts), so it runs as the owner.
ALTER VIEW @extschema@.daily_customer_all SET (security_invoker = true);
ALTER VIEW @extschema@.daily_workflow_all SET (security_invoker = true);
ALTER VIEW @extschema@.daily_customer_total_all SET (security_invoker = true);
ALTER VIEW @extschema@.daily_model_all SET (security_invoker = true);
ALTER VIEW @extschema@.daily_retry_all SET (security_invoker = true);
ALTER VIEW @extschema@.daily_customer_merged SET (security_invoker = true);
ALTER VIEW @extschema@.daily_customer_total_merged SET (security_invoker = true);
ALTER VIEW @extschema@.daily_model_merged SET (security_invoker = true);
ALTER VIEW @extschema@.daily_workflow_sketch_merged SET (security_invoker = true);
ALTER VIEW @extschema@.cache_saving_days SET (security_invoker = true);
ALTER VIEW dexcost_bi.periods SET (security_invoker = true);
ALTER VIEW dexcost_bi.overview_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.overview_monthly SET (security_invoker = true);
ALTER VIEW dexcost_bi.cost_health_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.retry_cost_by_reason_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.customer_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.customer_task_type_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.customer_ranking SET (security_invoker = true);
ALTER VIEW dexcost_bi.task_type_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.task_type_ranking SET (security_invoker = true);
ALTER VIEW dexcost_bi.model_usage_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.workflow_percentiles_daily SET (security_invoker = true);
ALTER VIEW dexcost_bi.workflow_percentiles SET (security_invoker = true);
ALTER VIEW dexcost_bi.unit_economics_daily SET (security_invoker = true);
ALTER VIEW @extschema@.model_period_all SET (security_invoker = true);
ALTER VIEW dexcost_bi.customer_period SET (security_invoker = true);
ALTER VIEW dexcost_bi.model_usage_period SET (security_invoker = true);
ALTER VIEW dexcost_bi.unpriced_period SET (security_invoker = true);

GRANT USAGE ON SCHEMA dexcost_bi TO dexcost_viewer;

-- Cost dashboards: every reader.
GRANT SELECT ON @extschema@.daily_customer, @extschema@.daily_customer_delta, @extschema@.daily_customer_all,
                @extschema@.daily_customer_merged, @extschema@.daily_workflow, @extschema@.daily_workflow_all,
                @extschema@.daily_customer_total, @extschema@.daily_customer_total_all,
                @extschema@.daily_customer_total_merged,
                @extschema@.daily_retry, @extschema@.daily_retry_delta, @extschema@.daily_retry_all,
                dexcost_bi.periods, dexcost_bi.overview_daily, dexcost_bi.overview_monthly,
                dexcost_bi.cost_health_daily, dexcost_bi.retry_cost_by_reason_daily, dexcost_bi.customer_daily,
                dexcost_bi.customer_task_type_daily, dexcost_bi.customer_ranking, dexcost_bi.task_type_daily,
                dexcost_bi.task_type_ranking, dexcost_bi.unit_economics_daily, dexcost_bi.unpriced_daily,
                @extschema@.period_state, @extschema@.customer_period, dexcost_bi.customer_period
  TO dexcost_viewer;
-- The period views ask whether the period totals are current.
GRANT EXECUTE ON FUNCTION @extschema@.periods_fresh() TO dexcost_viewer;
-- Engineering dashboards (routes, fallbacks, latency) and retry forensics: technical detail.
GRANT SELECT ON @extschema@.daily_model, @extschema@.daily_model_delta, @extschema@.daily_model_all,
                @extschema@.daily_model_merged, @extschema@.cache_saving_days, @extschema@.daily_workflow_sketch,
                @extschema@.daily_workflow_sketch_merged,
                dexcost_bi.model_usage_daily, dexcost_bi.workflow_percentiles_daily, dexcost_bi.workflow_percentiles,
                @extschema@.retry_chain, @extschema@.model_period, @extschema@.model_period_all,
                dexcost_bi.model_usage_period, dexcost_bi.unpriced_period
  TO dexcost_finops;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.daily_customer, @extschema@.daily_customer_delta, @extschema@.daily_workflow,
                                        @extschema@.daily_customer_total,
                                        @extschema@.daily_model, @extschema@.daily_model_delta,
                                        @extschema@.daily_workflow_sketch,
                                        @extschema@.daily_retry, @extschema@.daily_retry_delta,
                                        @extschema@.period_state, @extschema@.customer_period,
                                        @extschema@.model_period TO dexcost_admin;

REVOKE EXECUTE ON FUNCTION @extschema@.mark_retry(uuid, text, numeric, uuid, text, text),
                           @extschema@.mark_not_retry(uuid, uuid, text),
                           @extschema@.retry_confidence(timestamptz, text, text, text),
                           @extschema@.retry_confidence(timestamptz, text, text, text, interval),
                           @extschema@.retry_candidate(uuid, timestamptz, text, text, text),
                           @extschema@.retry_candidate(uuid, timestamptz, text, text, text, interval),
                           @extschema@.detect_retries(timestamptz, timestamptz, interval, double precision),
                           @extschema@.backfill_retries(timestamptz, timestamptz, interval, double precision),
                           @extschema@.retry_summary(timestamptz, timestamptz),
                           @extschema@.fold_daily(), @extschema@.rebuild_daily(), @extschema@.daily_check(),
                           @extschema@.daily_contributions(text, uuid, text, int, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.mark_retry(uuid, text, numeric, uuid, text, text) TO dexcost_writer, dexcost_finops;
GRANT EXECUTE ON FUNCTION @extschema@.mark_not_retry(uuid, uuid, text),
                          @extschema@.retry_confidence(timestamptz, text, text, text),
                          @extschema@.retry_confidence(timestamptz, text, text, text, interval),
                          @extschema@.retry_candidate(uuid, timestamptz, text, text, text),
                          @extschema@.retry_candidate(uuid, timestamptz, text, text, text, interval),
                          @extschema@.detect_retries(timestamptz, timestamptz, interval, double precision),
                          @extschema@.backfill_retries(timestamptz, timestamptz, interval, double precision),
                          @extschema@.retry_summary(timestamptz, timestamptz)
  TO dexcost_finops;
GRANT EXECUTE ON FUNCTION @extschema@.fold_daily(), @extschema@.rebuild_daily(), @extschema@.daily_check(),
                          @extschema@.daily_contributions(text, uuid, text, int, text)
  TO dexcost_admin;
