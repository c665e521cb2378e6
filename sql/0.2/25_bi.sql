
------------------------------------------------------------------------------------------
-- dexcost_bi: flat views for BI tools (Metabase, ...), one per dashboard page or grain
--
-- Rules (docs/bi.md): text not enums, numeric money with a fixed scale and _usd names,
-- percentages as numeric(7,2) _pct, seconds not intervals, no arrays, composites or jsonb, a
-- day (workspace time zone) and month column; every view and column commented. They read
-- the daily pre-aggregates (folded + pending), never the ledger, so a 90-day filter is fast.
-- Views whose rows need a period (ranks, shares, percentiles over days) carry a period
-- column: last_7_days, last_30_days, last_90_days, counted back from today in the workspace
-- time zone.
------------------------------------------------------------------------------------------

CREATE SCHEMA dexcost_bi;
COMMENT ON SCHEMA dexcost_bi IS
  'dexcost dashboards as flat SQL views for BI tools: grant USAGE on it and SELECT on its views to a BI role.';

-- The periods of the period views, ending today in the workspace time zone.
CREATE VIEW dexcost_bi.periods AS
  SELECT p.period, p.days, (today.d - p.days + 1) AS from_day, today.d AS to_day
    FROM (SELECT @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()) AS d) AS today,
         @extschema@.report_periods() AS p;
COMMENT ON VIEW dexcost_bi.periods IS 'The reporting periods of the period views: the last 7, 30 and 90 days up to today (workspace time zone).';
COMMENT ON COLUMN dexcost_bi.periods.period IS 'last_7_days, last_30_days or last_90_days.';
COMMENT ON COLUMN dexcost_bi.periods.days IS 'Length in days.';
COMMENT ON COLUMN dexcost_bi.periods.from_day IS 'First day of the period.';
COMMENT ON COLUMN dexcost_bi.periods.to_day IS 'Last day of the period (today).';

-- Overview ---------------------------------------------------------------------------------
CREATE VIEW dexcost_bi.overview_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month,
         sum(d.cost_usd)::numeric(20,6) AS total_cost_usd,
         sum(d.root_tasks) AS tasks,
         sum(d.events) AS events,
         (sum(d.cost_usd) / NULLIF(sum(d.root_tasks), 0))::numeric(20,6) AS avg_cost_per_task_usd,
         sum(d.retry_cost_usd)::numeric(20,6) AS retry_cost_usd,
         sum(d.failure_cost_usd)::numeric(20,6) AS failure_cost_usd,
         (100 * GREATEST(0, 1 - (sum(d.retry_cost_usd) + sum(d.failure_cost_usd)) / NULLIF(sum(d.cost_usd), 0)))::numeric(7,2)
           AS cost_efficiency_pct
    FROM @extschema@.daily_workflow_all AS d
   GROUP BY d.day;
COMMENT ON VIEW dexcost_bi.overview_daily IS
  'Overview page, one row per day: spend, tasks, average cost per task and cost efficiency. Filter on day for 7/30/90 days.';

CREATE VIEW dexcost_bi.overview_monthly AS
  SELECT m.month, m.total_cost_usd, m.tasks, m.avg_cost_per_task_usd,
         pg_catalog.lag(m.total_cost_usd) OVER (ORDER BY m.month) AS previous_month_cost_usd,
         (100 * (m.total_cost_usd / NULLIF(pg_catalog.lag(m.total_cost_usd) OVER (ORDER BY m.month), 0) - 1))::numeric(9,2)
           AS month_over_month_pct
    FROM (SELECT pg_catalog.date_trunc('month', d.day)::date AS month, sum(d.cost_usd)::numeric(20,6) AS total_cost_usd,
                 sum(d.root_tasks) AS tasks, (sum(d.cost_usd) / NULLIF(sum(d.root_tasks), 0))::numeric(20,6) AS avg_cost_per_task_usd
            FROM @extschema@.daily_workflow_all AS d GROUP BY 1) AS m;
COMMENT ON VIEW dexcost_bi.overview_monthly IS 'Overview page trend: spend per month and its change from the month before.';

-- Cost health ------------------------------------------------------------------------------
CREATE VIEW dexcost_bi.cost_health_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month,
         sum(d.cost_usd)::numeric(20,6) AS total_cost_usd,
         sum(d.retry_count) AS retries, sum(d.retry_cost_usd)::numeric(20,6) AS retry_cost_usd,
         sum(d.failure_count) AS failures, sum(d.failure_cost_usd)::numeric(20,6) AS failure_cost_usd,
         (100 * sum(d.retry_cost_usd) / NULLIF(sum(d.cost_usd), 0))::numeric(7,2) AS retry_pct,
         (100 * sum(d.failure_cost_usd) / NULLIF(sum(d.cost_usd), 0))::numeric(7,2) AS failure_pct
    FROM @extschema@.daily_workflow_all AS d
   GROUP BY d.day;
COMMENT ON VIEW dexcost_bi.cost_health_daily IS 'Cost health page, one row per day: retry and failure cost and their share of spend.';

CREATE VIEW dexcost_bi.retry_cost_by_reason_daily AS
  SELECT r.day, pg_catalog.date_trunc('month', r.day)::date AS month, r.task_type AS workflow, r.retry_type,
         NULLIF(r.retry_reason, '') AS retry_reason, sum(r.retries) AS retries,
         sum(r.retry_cost_usd)::numeric(20,6) AS retry_cost_usd,
         sum(r.second_attempts) AS second_attempts, sum(r.later_attempts) AS later_attempts
    FROM @extschema@.daily_retry_all AS r
   GROUP BY r.day, r.task_type, r.retry_type, r.retry_reason
  HAVING sum(r.retries) <> 0;
COMMENT ON VIEW dexcost_bi.retry_cost_by_reason_daily IS
  'Cost health page: retries and their cost per day, workflow, retry type (provider, application, validation, user regeneration) and reason (rate_limit, timeout, parse_error, ...).';

-- Customers ---------------------------------------------------------------------------------
CREATE VIEW dexcost_bi.customer_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month, d.customer_id,
         d.cost_usd::numeric(20,6) AS total_cost_usd,
         d.llm_cost_usd::numeric(20,6) AS llm_cost_usd,
         d.non_llm_cost_usd::numeric(20,6) AS non_llm_cost_usd,
         d.retry_cost_usd::numeric(20,6) AS retry_cost_usd,
         d.failure_cost_usd::numeric(20,6) AS failure_cost_usd,
         d.root_tasks AS tasks, d.events
    FROM @extschema@.daily_customer_total_merged AS d;
COMMENT ON VIEW dexcost_bi.customer_daily IS
  'Customers page, one row per customer and day: total, LLM and non-LLM (external, compute, network, GPU) cost, retry and failure cost, tasks.';

CREATE VIEW dexcost_bi.customer_task_type_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month, d.customer_id, d.task_type AS workflow,
         d.cost_usd::numeric(20,6) AS total_cost_usd, d.llm_cost_usd::numeric(20,6) AS llm_cost_usd,
         d.non_llm_cost_usd::numeric(20,6) AS non_llm_cost_usd,
         d.retry_cost_usd::numeric(20,6) AS retry_cost_usd, d.tasks AS runs, d.events
    FROM @extschema@.daily_customer_merged AS d;
COMMENT ON VIEW dexcost_bi.customer_task_type_daily IS
  'Customers page drill-down: one row per customer, workflow (task type) and day.';

-- Customers per period: the period totals (22_periods.sql) plus the deltas not folded yet;
-- before the first fold of a day they are not current, and the daily tables are summed.
CREATE VIEW dexcost_bi.customer_period AS
  SELECT r.period, r.customer_id, sum(r.cost_usd)::numeric(20,6) AS total_cost_usd,
         sum(r.llm_cost_usd)::numeric(20,6) AS llm_cost_usd, sum(r.non_llm_cost_usd)::numeric(20,6) AS non_llm_cost_usd,
         sum(r.retry_cost_usd)::numeric(20,6) AS retry_cost_usd, sum(r.failure_cost_usd)::numeric(20,6) AS failure_cost_usd,
         sum(r.retry_count) AS retries, sum(r.root_tasks) AS tasks, sum(r.events) AS events,
         (sum(r.cost_usd) / NULLIF(sum(r.root_tasks), 0))::numeric(20,6) AS avg_cost_per_task_usd,
         (100 * sum(r.retry_cost_usd) / NULLIF(sum(r.cost_usd), 0))::numeric(7,2) AS retry_pct
    FROM (SELECT c.period, c.customer_id, c.events, c.cost_usd, c.llm_cost_usd, c.non_llm_cost_usd, c.retry_count,
                 c.retry_cost_usd, c.failure_cost_usd, c.root_tasks
            FROM @extschema@.customer_period AS c
           WHERE @extschema@.periods_fresh()
          UNION ALL
          SELECT p.period, d.customer_id, d.events, d.cost_usd, d.llm_cost_usd,
                 d.external_cost_usd + d.compute_cost_usd + d.other_cost_usd, d.retry_count, d.retry_cost_usd,
                 d.failure_cost_usd, d.root_tasks
            FROM @extschema@.daily_customer_delta AS d
            JOIN dexcost_bi.periods AS p ON d.day BETWEEN p.from_day AND p.to_day
           WHERE @extschema@.periods_fresh()
          UNION ALL
          SELECT p.period, d.customer_id, d.events, d.cost_usd, d.llm_cost_usd, d.non_llm_cost_usd, d.retry_count,
                 d.retry_cost_usd, d.failure_cost_usd, d.root_tasks
            FROM @extschema@.daily_customer_total_all AS d
            JOIN dexcost_bi.periods AS p ON d.day BETWEEN p.from_day AND p.to_day
           WHERE NOT @extschema@.periods_fresh()) AS r
   GROUP BY r.period, r.customer_id;
COMMENT ON VIEW dexcost_bi.customer_period IS
  'Customers page per period (last 7, 30 or 90 days): total, LLM and non-LLM cost, retry and failure cost, tasks. The fast way to ask about every customer over a period; customer_daily has the days.';

-- Cost intelligence: customers ranked within each period (the Pareto line).
CREATE VIEW dexcost_bi.customer_ranking AS
  WITH ranked AS (
      SELECT c.period, c.customer_id, c.total_cost_usd AS cost, c.tasks, c.retry_cost_usd AS retry_cost,
             pg_catalog.row_number() OVER (PARTITION BY c.period ORDER BY c.total_cost_usd DESC, c.customer_id) AS rank,
             sum(c.total_cost_usd) OVER (PARTITION BY c.period) AS period_cost,
             sum(c.total_cost_usd) OVER (PARTITION BY c.period ORDER BY c.total_cost_usd DESC, c.customer_id) AS cumulative_cost,
             pg_catalog.count(*) OVER (PARTITION BY c.period) AS customers
        FROM dexcost_bi.customer_period AS c
       WHERE c.events <> 0 OR c.tasks <> 0)
  SELECT r.period, r.customer_id, r.cost::numeric(20,6) AS total_cost_usd, r.tasks,
         (r.cost / NULLIF(r.tasks, 0))::numeric(20,6) AS avg_cost_per_task_usd,
         (100 * r.retry_cost / NULLIF(r.cost, 0))::numeric(7,2) AS retry_pct,
         (100 * r.cost / NULLIF(r.period_cost, 0))::numeric(7,2) AS share_of_total_pct,
         r.rank, (100 * r.cumulative_cost / NULLIF(r.period_cost, 0))::numeric(7,2) AS cumulative_share_pct,
         (100 * r.rank::numeric / r.customers)::numeric(7,2) AS customer_percentile_pct,
         (r.period_cost / r.customers)::numeric(20,6) AS avg_cost_per_customer_usd
    FROM ranked AS r;
COMMENT ON VIEW dexcost_bi.customer_ranking IS
  'Cost intelligence page: customers ranked by cost within each period, with their share and the cumulative share (the Pareto line: filter rank <= 1 for the top customer''s %).';

-- Tasks -------------------------------------------------------------------------------------
CREATE VIEW dexcost_bi.task_type_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month, d.task_type AS workflow,
         sum(d.cost_usd)::numeric(20,6) AS total_cost_usd, sum(d.tasks) AS runs,
         (sum(d.cost_usd) / NULLIF(sum(d.tasks), 0))::numeric(20,6) AS avg_cost_per_run_usd,
         sum(d.retry_count) AS retries, sum(d.retry_cost_usd)::numeric(20,6) AS retry_cost_usd,
         sum(d.succeeded_tasks) AS succeeded_runs, sum(d.failed_tasks) AS failed_runs, sum(d.accepted_tasks) AS accepted_runs
    FROM @extschema@.daily_workflow_all AS d
   GROUP BY d.day, d.task_type;
COMMENT ON VIEW dexcost_bi.task_type_daily IS
  'Tasks page, one row per workflow (task type) and day: cost, runs, average cost per run, retries and their cost, outcomes.';

CREATE VIEW dexcost_bi.task_type_ranking AS
  WITH per AS (
      SELECT p.period, d.task_type, sum(d.cost_usd) AS cost, sum(d.tasks) AS runs, sum(d.retry_cost_usd) AS retry_cost
        FROM @extschema@.daily_workflow_all AS d
        JOIN dexcost_bi.periods AS p ON d.day BETWEEN p.from_day AND p.to_day
       GROUP BY p.period, d.task_type),
  chains AS (
      SELECT p.period, r.task_type, sum(r.second_attempts) AS second_attempts, sum(r.later_attempts) AS later_attempts
        FROM @extschema@.daily_retry_all AS r
        JOIN dexcost_bi.periods AS p ON r.day BETWEEN p.from_day AND p.to_day
       GROUP BY p.period, r.task_type)
  SELECT per.period, per.task_type AS workflow, per.cost::numeric(20,6) AS total_cost_usd, per.runs,
         (per.cost / NULLIF(per.runs, 0))::numeric(20,6) AS avg_cost_per_run_usd,
         per.retry_cost::numeric(20,6) AS retry_cost_usd,
         COALESCE(c.second_attempts, 0) AS second_attempts, COALESCE(c.later_attempts, 0) AS later_attempts,
         pg_catalog.row_number() OVER (PARTITION BY per.period ORDER BY per.cost DESC, per.task_type) AS rank,
         pg_catalog.row_number() OVER (PARTITION BY per.period ORDER BY per.cost DESC, per.task_type) <= 3 AS is_top_3
    FROM per LEFT JOIN chains AS c ON c.period = per.period AND c.task_type = per.task_type;
COMMENT ON VIEW dexcost_bi.task_type_ranking IS
  'Tasks page: workflows ranked by cost within each period, with retry lineage counts; is_top_3 marks the three most expensive.';

-- Engineering ------------------------------------------------------------------------------
-- The first day (in a time zone) that starts at or after a moment: a price valid from that
-- moment holds for the whole of that day and after.
CREATE FUNCTION @extschema@.day_starting_at_or_after(at timestamptz, tz text) RETURNS date
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN ((at AT TIME ZONE tz)::date::timestamp AT TIME ZONE tz) >= at THEN (at AT TIME ZONE tz)::date
              ELSE (at AT TIME ZONE tz)::date + 1 END;
COMMENT ON FUNCTION @extschema@.day_starting_at_or_after(timestamptz, text) IS
  'The first calendar day in a time zone whose start is at or after the given moment (-infinity and infinity map to themselves).';

-- What caching saves per million cached input tokens (the input price less the cache-read
-- price), and the days (workspace time zone) on which that pair of catalogue prices holds at
-- the start of the day. The no-overlap constraint of model_price leaves at most one row per
-- provider, model, tier and day, so a daily row joins it by hash, not by two index probes.
CREATE VIEW @extschema@.cache_saving_days AS
  SELECT i.provider, i.model, i.service_tier,
         GREATEST(@extschema@.day_starting_at_or_after(i.valid_from, z.tz),
                  @extschema@.day_starting_at_or_after(c.valid_from, z.tz)) AS from_day,
         LEAST(COALESCE(@extschema@.day_starting_at_or_after(i.valid_to, z.tz), 'infinity'),
               COALESCE(@extschema@.day_starting_at_or_after(c.valid_to, z.tz), 'infinity')) AS until_day,
         i.usd_per_mtok - c.usd_per_mtok AS usd_saved_per_mtok
    FROM (SELECT @extschema@.timezone() AS tz) AS z
   CROSS JOIN @extschema@.model_price AS i
    JOIN @extschema@.model_price AS c
      ON c.provider = i.provider AND c.model = i.model AND c.service_tier = i.service_tier
     AND c.usage_type = 'cache_read' AND c.min_input_tokens = 0
     AND c.valid_from < COALESCE(i.valid_to, 'infinity') AND i.valid_from < COALESCE(c.valid_to, 'infinity')
   WHERE i.usage_type = 'input' AND i.min_input_tokens = 0;
COMMENT ON VIEW @extschema@.cache_saving_days IS
  'Per provider, model and service tier: the days (workspace time zone) on which one input price and one cache-read price both hold at the start of the day, and what a cached token saves then.';
COMMENT ON COLUMN @extschema@.cache_saving_days.provider IS 'Provider of the prices.';
COMMENT ON COLUMN @extschema@.cache_saving_days.model IS 'Model of the prices.';
COMMENT ON COLUMN @extschema@.cache_saving_days.service_tier IS 'Service tier of the prices.';
COMMENT ON COLUMN @extschema@.cache_saving_days.from_day IS 'First day the pair holds.';
COMMENT ON COLUMN @extschema@.cache_saving_days.until_day IS 'First day it no longer holds (infinity while open).';
COMMENT ON COLUMN @extschema@.cache_saving_days.usd_saved_per_mtok IS 'Input price less cache-read price, USD per million tokens.';

CREATE VIEW dexcost_bi.model_usage_daily AS
  SELECT m.day, pg_catalog.date_trunc('month', m.day)::date AS month, m.task_type AS workflow,
         NULLIF(m.provider, '') AS provider, NULLIF(m.model, '') AS model, NULLIF(m.route, '') AS route,
         m.service_tier, CASE WHEN m.service_tier = 'batch' THEN 'batch' ELSE 'live' END AS request_mode,
         NULLIF(m.fallback_reason, '') AS fallback_reason,
         m.llm_calls, m.cost_usd::numeric(20,6) AS cost_usd,
         (m.cost_usd / NULLIF(m.llm_calls, 0))::numeric(20,9) AS avg_cost_per_call_usd,
         m.input_tokens, m.cache_read_tokens AS cached_input_tokens, m.cache_write_tokens, m.output_tokens,
         m.reasoning_tokens,
         (100 * m.cache_read_tokens::numeric
            / NULLIF(m.input_tokens + m.cache_read_tokens + m.cache_write_tokens, 0))::numeric(7,2) AS cache_hit_rate_pct,
         (m.cache_read_tokens * COALESCE(s.usd_saved_per_mtok, 0) / 1000000)::numeric(20,6) AS cache_savings_usd,
         (m.latency_ms_sum::numeric / NULLIF(m.latency_calls, 0) / 1000)::numeric(12,3) AS avg_latency_seconds,
         m.retry_calls, m.failed_calls, m.unpriced_calls
    FROM @extschema@.daily_model_merged AS m
    -- OFFSET 0 keeps the price days a subquery, computed once: pulled up, their time zone
    -- arithmetic would run in the join filter for every daily row.
    LEFT JOIN (SELECT * FROM @extschema@.cache_saving_days OFFSET 0) AS s
           ON s.provider = m.provider AND s.model = m.model AND s.service_tier = m.service_tier
          AND m.day >= s.from_day AND m.day < s.until_day;
COMMENT ON VIEW dexcost_bi.model_usage_daily IS
  'Engineering page, one row per day, workflow, provider, model, route, tier and fallback reason: model routing distribution, token split (input, cached, cache writes, output), cache hit rate and the money caching saved, latency, live vs batch.';

CREATE VIEW dexcost_bi.model_usage_period AS
  SELECT m.period, m.task_type AS workflow,
         NULLIF(m.provider, '') AS provider, NULLIF(m.model, '') AS model, NULLIF(m.route, '') AS route,
         m.service_tier, CASE WHEN m.service_tier = 'batch' THEN 'batch' ELSE 'live' END AS request_mode,
         NULLIF(m.fallback_reason, '') AS fallback_reason,
         sum(m.llm_calls) AS llm_calls, sum(m.cost_usd)::numeric(20,6) AS cost_usd,
         (sum(m.cost_usd) / NULLIF(sum(m.llm_calls), 0))::numeric(20,9) AS avg_cost_per_call_usd,
         sum(m.input_tokens) AS input_tokens, sum(m.cache_read_tokens) AS cached_input_tokens,
         sum(m.cache_write_tokens) AS cache_write_tokens, sum(m.output_tokens) AS output_tokens,
         sum(m.reasoning_tokens) AS reasoning_tokens,
         (100 * sum(m.cache_read_tokens)::numeric
            / NULLIF(sum(m.input_tokens) + sum(m.cache_read_tokens) + sum(m.cache_write_tokens), 0))::numeric(7,2)
           AS cache_hit_rate_pct,
         (sum(m.cache_read_tokens) * COALESCE(max(pin.usd_per_mtok) - max(pcr.usd_per_mtok), 0) / 1000000)::numeric(20,6)
           AS cache_savings_usd,
         (sum(m.latency_ms_sum)::numeric / NULLIF(sum(m.latency_calls), 0) / 1000)::numeric(12,3) AS avg_latency_seconds,
         sum(m.retry_calls) AS retry_calls, sum(m.failed_calls) AS failed_calls, sum(m.unpriced_calls) AS unpriced_calls
    FROM @extschema@.model_period_all AS m
    LEFT JOIN @extschema@.model_price AS pin
           ON pin.provider = m.provider AND pin.model = m.model AND pin.service_tier = m.service_tier
          AND pin.usage_type = 'input' AND pin.min_input_tokens = 0
          AND pin.valid_from <= @extschema@.local_day(pg_catalog.now(), @extschema@.timezone())
          AND (pin.valid_to IS NULL OR pin.valid_to > @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()))
    LEFT JOIN @extschema@.model_price AS pcr
           ON pcr.provider = m.provider AND pcr.model = m.model AND pcr.service_tier = m.service_tier
          AND pcr.usage_type = 'cache_read' AND pcr.min_input_tokens = 0
          AND pcr.valid_from <= @extschema@.local_day(pg_catalog.now(), @extschema@.timezone())
          AND (pcr.valid_to IS NULL OR pcr.valid_to > @extschema@.local_day(pg_catalog.now(), @extschema@.timezone()))
   GROUP BY m.period, m.task_type, m.provider, m.model, m.route, m.service_tier, m.fallback_reason
  HAVING sum(m.llm_calls) <> 0;
COMMENT ON VIEW dexcost_bi.model_usage_period IS
  'Engineering page per period (last 7, 30 or 90 days), one row per workflow, provider, model, route, tier and fallback reason: model routing, token split, cache hit rate and savings (at today''s catalogue prices), latency, live vs batch. The fast way to ask about a whole period; model_usage_daily has the days.';

CREATE VIEW dexcost_bi.unpriced_period AS
  SELECT m.period, NULLIF(m.provider, '') AS provider, NULLIF(m.model, '') AS model, m.task_type AS workflow,
         sum(m.unpriced_calls) AS unpriced_calls, sum(m.llm_calls) AS llm_calls,
         (100 * sum(m.unpriced_calls)::numeric / NULLIF(sum(m.llm_calls), 0))::numeric(7,2) AS unpriced_pct
    FROM @extschema@.model_period_all AS m
   GROUP BY m.period, m.provider, m.model, m.task_type
  HAVING sum(m.unpriced_calls) > 0;
COMMENT ON VIEW dexcost_bi.unpriced_period IS
  'Unpriced spend page per period: llm_calls whose cost is unknown, per provider, model and workflow (add a price to dexcost.model_price and run dexcost.reprice()).';

-- Percentiles merge the per-day sketches: per day, and per period.
CREATE VIEW dexcost_bi.workflow_percentiles_daily AS
  SELECT s.day, pg_catalog.date_trunc('month', s.day)::date AS month, s.workflow, s.llm_calls,
         @extschema@.sketch_percentile(s.cost, 0.50)::numeric(20,9) AS cost_per_call_p50_usd,
         @extschema@.sketch_percentile(s.cost, 0.95)::numeric(20,9) AS cost_per_call_p95_usd,
         @extschema@.sketch_percentile(s.output, 0.95)::numeric(14,1) AS output_tokens_p95,
         @extschema@.sketch_percentile(s.prompt, 0.95)::numeric(14,1) AS prompt_tokens_p95,
         (@extschema@.sketch_percentile(s.latency, 0.50) / 1000)::numeric(12,3) AS latency_p50_seconds,
         (@extschema@.sketch_percentile(s.latency, 0.95) / 1000)::numeric(12,3) AS latency_p95_seconds,
         (@extschema@.sketch_percentile(s.latency, 0.99) / 1000)::numeric(12,3) AS latency_p99_seconds
    FROM (SELECT w.day, w.task_type AS workflow, w.llm_calls, w.cost_sketch AS cost, w.output_tokens_sketch AS output,
                 w.prompt_tokens_sketch AS prompt, w.latency_sketch AS latency
            FROM @extschema@.daily_workflow_sketch_merged AS w) AS s;
COMMENT ON VIEW dexcost_bi.workflow_percentiles_daily IS
  'Engineering page, one row per workflow and day: cost per call p50/p95, output and prompt tokens p95, latency p50/p95/p99 (from sketches, relative error 1%).';

CREATE VIEW dexcost_bi.workflow_percentiles AS
  SELECT s.period, s.workflow, CASE WHEN s.all_routes = 1 THEN '(all routes)' ELSE NULLIF(s.route, '') END AS route,
         s.llm_calls,
         @extschema@.sketch_percentile(s.cost, 0.50)::numeric(20,9) AS cost_per_call_p50_usd,
         @extschema@.sketch_percentile(s.cost, 0.95)::numeric(20,9) AS cost_per_call_p95_usd,
         @extschema@.sketch_percentile(s.output, 0.95)::numeric(14,1) AS output_tokens_p95,
         (@extschema@.sketch_percentile(s.latency, 0.50) / 1000)::numeric(12,3) AS latency_p50_seconds,
         (@extschema@.sketch_percentile(s.latency, 0.95) / 1000)::numeric(12,3) AS latency_p95_seconds,
         (@extschema@.sketch_percentile(s.latency, 0.99) / 1000)::numeric(12,3) AS latency_p99_seconds
    FROM (SELECT m.period, m.task_type AS workflow, m.route, GROUPING(m.route) AS all_routes, sum(m.llm_calls) AS llm_calls,
                 @extschema@.sketch_merge(m.cost_sketch) AS cost, @extschema@.sketch_merge(m.output_tokens_sketch) AS output,
                 @extschema@.sketch_merge(m.latency_sketch) AS latency
            FROM @extschema@.model_period_all AS m
           GROUP BY GROUPING SETS ((m.period, m.task_type), (m.period, m.task_type, m.route))) AS s
   WHERE s.llm_calls <> 0;
COMMENT ON VIEW dexcost_bi.workflow_percentiles IS
  'Engineering page per period: cost per call p50/p95, output tokens p95 and latency p50/p95/p99 by workflow (route ''(all routes)'') and by workflow and route.';

-- Unit economics -----------------------------------------------------------------------------
CREATE VIEW dexcost_bi.unit_economics_daily AS
  SELECT d.day, pg_catalog.date_trunc('month', d.day)::date AS month, d.task_type AS workflow,
         sum(d.cost_usd)::numeric(20,6) AS total_cost_usd, sum(d.tasks) AS runs, sum(d.accepted_tasks) AS accepted_tasks,
         sum(d.succeeded_tasks) AS succeeded_tasks, sum(d.llm_calls) AS llm_calls,
         (sum(d.cost_usd) / NULLIF(sum(d.accepted_tasks), 0))::numeric(20,6) AS cost_per_accepted_task_usd,
         (sum(d.cost_usd) / NULLIF(sum(d.succeeded_tasks), 0))::numeric(20,6) AS cost_per_successful_task_usd,
         (sum(d.llm_cost_usd) / NULLIF(sum(d.llm_calls), 0))::numeric(20,9) AS cost_per_call_usd,
         (100 * sum(d.accepted_tasks)::numeric / NULLIF(sum(d.tasks), 0))::numeric(7,2) AS acceptance_rate_pct
    FROM @extschema@.daily_workflow_all AS d
   GROUP BY d.day, d.task_type;
COMMENT ON VIEW dexcost_bi.unit_economics_daily IS
  'Unit economics page, one row per workflow and day: all spend (retries and failures included) per accepted and per successful task, beside the raw cost per LLM call.';

-- Unpriced spend ----------------------------------------------------------------------------
-- Only the days and keys with an unpriced call are read (found through the partial index
-- daily_model_unpriced_idx), not every daily row of the filter: unpriced calls are rare.
CREATE VIEW dexcost_bi.unpriced_daily AS
  SELECT m.day, pg_catalog.date_trunc('month', m.day)::date AS month, NULLIF(m.provider, '') AS provider,
         NULLIF(m.model, '') AS model, m.task_type AS workflow, sum(m.unpriced_calls) AS unpriced_calls,
         sum(m.llm_calls) AS llm_calls,
         (100 * sum(m.unpriced_calls)::numeric / NULLIF(sum(m.llm_calls), 0))::numeric(7,2) AS unpriced_pct,
         (sum(m.input_tokens) FILTER (WHERE m.unpriced_calls > 0)) AS input_tokens_of_days_with_unpriced
    FROM (SELECT DISTINCT u.day, u.task_type, u.provider, u.model
            FROM @extschema@.daily_model_all AS u WHERE u.unpriced_calls <> 0) AS k
    JOIN @extschema@.daily_model_all AS m
      ON m.day = k.day AND m.task_type = k.task_type AND m.provider = k.provider AND m.model = k.model
   GROUP BY m.day, m.provider, m.model, m.task_type
  HAVING sum(m.unpriced_calls) > 0;
COMMENT ON VIEW dexcost_bi.unpriced_daily IS
  'Unpriced spend page: llm_calls whose cost is unknown, per day, provider, model and workflow, so nothing hides as $0 (add a price to dexcost.model_price and run dexcost.reprice()).';

-- Column comments: one meaning per column name across the BI views (money in USD at 6
-- places, per-call figures at 9; percentages 0 to 100).
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT a.attrelid::regclass AS rel, a.attname, v.txt
          FROM pg_catalog.pg_attribute AS a
          JOIN pg_catalog.pg_class AS r ON r.oid = a.attrelid
          JOIN (VALUES
            ('acceptance_rate_pct', 'Accepted runs as a percentage of runs.'),
            ('accepted_runs', 'Runs whose output was accepted.'),
            ('accepted_tasks', 'Tasks whose output was accepted.'),
            ('avg_cost_per_call_usd', 'Average cost of one LLM call.'),
            ('avg_cost_per_customer_usd', 'Total cost of the period divided by the customers with cost in it.'),
            ('avg_cost_per_run_usd', 'Cost divided by runs.'),
            ('avg_cost_per_task_usd', 'Cost divided by tasks (root tasks: a task with subtasks counts once).'),
            ('avg_latency_seconds', 'Average latency of the calls that report it, in seconds.'),
            ('cache_hit_rate_pct', 'Input tokens read from the prompt cache as a percentage of all input tokens.'),
            ('cache_savings_usd', 'What caching saved: cached input tokens x (input price - cache read price) of the catalogue on that day.'),
            ('cache_write_tokens', 'Input tokens written to the prompt cache.'),
            ('cached_input_tokens', 'Input tokens read from the prompt cache.'),
            ('cost_efficiency_pct', 'Share of spend that was neither retry nor failure (a failed retry counts in both, so this errs low).'),
            ('cost_per_accepted_task_usd', 'All spend (retries and failures included) divided by accepted tasks.'),
            ('cost_per_call_p50_usd', 'Median cost of one priced LLM call (sketch, 1% relative error).'),
            ('cost_per_call_p95_usd', '95th percentile cost of one priced LLM call (sketch, 1% relative error).'),
            ('cost_per_call_usd', 'LLM cost divided by LLM calls.'),
            ('cost_per_successful_task_usd', 'All spend divided by tasks that succeeded.'),
            ('cost_usd', 'Known cost in USD.'),
            ('cumulative_share_pct', 'Share of the period''s cost of this customer and every customer ranked above it (the Pareto line).'),
            ('customer_id', 'The customer.'),
            ('customer_percentile_pct', 'Rank as a percentage of the customers with cost in the period (top 20% of customers: <= 20).'),
            ('day', 'Calendar day in the workspace time zone (dexcost.timezone()).'),
            ('days', 'Length of the period in days.'),
            ('events', 'Cost events.'),
            ('failed_calls', 'LLM calls that returned an error.'),
            ('failed_runs', 'Runs with status failed.'),
            ('failure_cost_usd', 'Cost of events that failed (error_type set).'),
            ('failure_pct', 'Failure cost as a percentage of spend.'),
            ('failures', 'Events that failed.'),
            ('fallback_reason', 'Why the call fell back to this model (NULL: no fallback).'),
            ('from_day', 'First day of the period.'),
            ('input_tokens', 'Uncached input tokens.'),
            ('input_tokens_of_days_with_unpriced', 'Uncached input tokens of the calls of this day, provider, model and workflow.'),
            ('is_top_3', 'Whether the workflow is one of the three most expensive of the period.'),
            ('latency_p50_seconds', 'Median call latency in seconds (sketch).'),
            ('latency_p95_seconds', '95th percentile call latency in seconds (sketch).'),
            ('latency_p99_seconds', '99th percentile call latency in seconds (sketch).'),
            ('later_attempts', 'Retries that were the third attempt or later of their chain.'),
            ('llm_calls', 'LLM calls.'),
            ('llm_cost_usd', 'Cost of LLM calls (and of retry markers naming a model).'),
            ('model', 'Model (NULL: none).'),
            ('month', 'First day of the month of day.'),
            ('month_over_month_pct', 'Change of spend against the month before, in percent.'),
            ('non_llm_cost_usd', 'Cost of paid APIs, compute, network and GPU.'),
            ('output_tokens', 'Output tokens.'),
            ('output_tokens_p95', '95th percentile of output tokens per call (sketch).'),
            ('period', 'last_7_days, last_30_days or last_90_days, ending today (workspace time zone).'),
            ('previous_month_cost_usd', 'Spend of the month before.'),
            ('prompt_tokens_p95', '95th percentile of prompt size per call: input, cache read and cache write tokens (sketch).'),
            ('provider', 'Provider (NULL: none).'),
            ('rank', 'Rank by cost within the period (1: most expensive).'),
            ('reasoning_tokens', 'Reasoning tokens billed as output.'),
            ('request_mode', 'live, or batch for calls made at the batch service tier.'),
            ('retries', 'Retries (declared, marked or detected; dismissed ones excluded).'),
            ('retry_calls', 'LLM calls that were retries.'),
            ('retry_cost_usd', 'Cost of retries.'),
            ('retry_pct', 'Retry cost as a percentage of spend.'),
            ('retry_reason', 'Reason given for the retry (rate_limit, timeout, parse_error, heuristic, ...; NULL: none).'),
            ('retry_type', 'provider_retry, application_retry, validation_retry or user_regeneration.'),
            ('route', 'Route the call took (NULL: none; ''(all routes)'' on a workflow''s summary row in workflow_percentiles).'),
            ('runs', 'Tasks of this workflow started (runs).'),
            ('second_attempts', 'Retries that were the second attempt of their chain.'),
            ('service_tier', 'standard, batch, flex or priority.'),
            ('share_of_total_pct', 'Share of the period''s total cost.'),
            ('succeeded_runs', 'Runs with status success.'),
            ('succeeded_tasks', 'Tasks with status success.'),
            ('tasks', 'Tasks (root tasks: a task with subtasks counts once).'),
            ('to_day', 'Last day of the period (today).'),
            ('total_cost_usd', 'Total known cost in USD.'),
            ('unpriced_calls', 'LLM calls whose cost is unknown (no catalogue price).'),
            ('unpriced_pct', 'Unpriced calls as a percentage of calls.'),
            ('workflow', 'Workflow: the task type.')) AS v(col, txt) ON v.col = a.attname
         WHERE r.relnamespace = 'dexcost_bi'::regnamespace AND r.relkind = 'v' AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', c.rel, c.attname, c.txt);
    END LOOP;
END
$$;
