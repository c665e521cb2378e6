-- dexcost demo dashboards: plain SQL over dexcost.task, dexcost.cost_event and dexcost.unpriced_spend.
--
--   psql -X -f scripts/demo/dashboard.sql dexcost_demo                       November 2026
--   psql -X -v month=2026-12-01 -f scripts/demo/dashboard.sql dexcost_demo   another month
--
-- Money is rounded to 4 decimal places for display only; the ledger keeps exact numerics.
-- Unknown costs (cost_confidence 'unknown') are NULL and left out of every sum: the unpriced
-- columns and section 7 show how much spend that is.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
SET timezone = 'UTC';
\if :{?month}
\else
\set month 2026-11-01
\endif
\pset footer off
\pset null '-'

-- The month's events (by occurred_at) and tasks (by started_at).
CREATE OR REPLACE TEMP VIEW month_event AS
SELECT e.*, (e.is_retry OR e.event_type = 'retry_marker') AS retry
  FROM dexcost.cost_event AS e
 WHERE e.occurred_at >= date :'month' AND e.occurred_at < date :'month' + interval '1 month';
CREATE OR REPLACE TEMP VIEW month_task AS
SELECT t.*
  FROM dexcost.task AS t
 WHERE t.started_at >= date :'month' AND t.started_at < date :'month' + interval '1 month';

SELECT to_char(date :'month', 'FMMonth YYYY') AS month_label \gset
\echo
\echo '================================================================================'
\echo ' dexcost dashboards:' :month_label '(UTC)'
\echo '================================================================================'

------------------------------------------------------------------------------------------
\echo
\echo '1. Overview'
\echo '   A task is a root task (a whole business operation, subtasks included).'
\x on
SELECT round(e.total, 4) AS total_spend_usd,
       t.tasks,
       round(e.total / nullif(t.tasks, 0), 4) AS avg_cost_per_task_usd,
       t.all_tasks AS tasks_incl_subtasks,
       e.events,
       round(e.retry, 4) AS retry_cost_usd,
       round(100 * e.retry / nullif(e.total, 0), 1) AS retry_pct_of_spend,
       e.unpriced AS unpriced_events
  FROM (SELECT coalesce(sum(cost_usd), 0) AS total,
               coalesce(sum(cost_usd) FILTER (WHERE retry), 0) AS retry,
               count(*) AS events,
               count(*) FILTER (WHERE cost_confidence = 'unknown') AS unpriced
          FROM month_event) AS e,
       (SELECT count(*) FILTER (WHERE parent_task_id IS NULL) AS tasks, count(*) AS all_tasks FROM month_task) AS t;
\x off

------------------------------------------------------------------------------------------
\echo
\echo '2. Cost per customer'
\echo '   llm = llm_call + retry_marker events, non_llm = external_cost + compute_cost;'
\echo '   retry = re-attempts (is_retry or retry_marker), already included in total.'
WITH spend AS (
    SELECT customer_id,
           sum(cost_usd) AS total,
           coalesce(sum(cost_usd) FILTER (WHERE event_type IN ('llm_call', 'retry_marker')), 0) AS llm,
           coalesce(sum(cost_usd) FILTER (WHERE event_type IN ('external_cost', 'compute_cost')), 0) AS non_llm,
           coalesce(sum(cost_usd) FILTER (WHERE retry), 0) AS retry,
           count(*) FILTER (WHERE cost_confidence = 'unknown') AS unpriced
      FROM month_event
     GROUP BY customer_id
), tasks AS (
    SELECT customer_id, count(*) AS tasks FROM month_task WHERE parent_task_id IS NULL GROUP BY customer_id
)
SELECT customer_id AS customer,
       coalesce(tasks.tasks, 0) AS tasks,
       round(spend.total, 4) AS total_usd,
       round(spend.llm, 4) AS llm_usd,
       round(spend.non_llm, 4) AS non_llm_usd,
       round(spend.retry, 4) AS retry_usd,
       round(100 * spend.retry / nullif(spend.total, 0), 1) AS retry_pct,
       round(spend.total / nullif(tasks.tasks, 0), 4) AS per_task_usd,
       round(100 * spend.total / sum(spend.total) OVER (), 1) AS share_pct,
       coalesce(spend.unpriced, 0) AS unpriced_events
  FROM spend FULL JOIN tasks USING (customer_id)
 ORDER BY spend.total DESC NULLS LAST, customer;

------------------------------------------------------------------------------------------
\echo
\echo '3. Cost per task type (workflow)'
\echo '   runs counts every task of the type, root or nested. own_usd is the cost of events recorded'
\echo '   in the task itself (own_usd sums to the total); incl_subtasks_usd adds everything below it.'
\echo '   dexcost does not maintain nested totals yet: they are computed here with a recursive CTE.'
WITH RECURSIVE tree AS (
    SELECT customer_id, task_id, task_type, 0 AS depth, task_type AS type_path, ARRAY[task_id] AS ancestors
      FROM month_task
     WHERE parent_task_id IS NULL
    UNION ALL
    SELECT c.customer_id, c.task_id, c.task_type, p.depth + 1, p.type_path || ' > ' || c.task_type,
           p.ancestors || c.task_id
      FROM tree AS p
      JOIN dexcost.task AS c ON c.customer_id = p.customer_id AND c.parent_task_id = p.task_id
), own AS (
    SELECT customer_id, task_id, sum(cost_usd) AS cost_usd,
           sum(cost_usd) FILTER (WHERE retry) AS retry_usd,
           count(*) FILTER (WHERE cost_confidence = 'unknown') AS unpriced
      FROM month_event
     GROUP BY customer_id, task_id
), subtree AS (
    -- every task's cost is added to itself and to each of its ancestors
    SELECT n.customer_id, a.task_id, sum(o.cost_usd) AS cost_usd, sum(o.retry_usd) AS retry_usd,
           sum(o.unpriced) AS unpriced
      FROM tree AS n
      JOIN own AS o USING (customer_id, task_id)
     CROSS JOIN LATERAL unnest(n.ancestors) AS a(task_id)
     GROUP BY n.customer_id, a.task_id
), by_type AS (
    SELECT t.type_path, min(t.depth) AS depth, min(t.task_type) AS task_type, count(*) AS runs,
           coalesce(sum(o.cost_usd), 0) AS own_usd,
           coalesce(sum(s.cost_usd), 0) AS subtree_usd,
           coalesce(sum(s.retry_usd), 0) AS retry_usd,
           coalesce(sum(s.unpriced), 0) AS unpriced
      FROM tree AS t
      LEFT JOIN own AS o USING (customer_id, task_id)
      LEFT JOIN subtree AS s USING (customer_id, task_id)
     GROUP BY t.type_path
)
SELECT repeat('  ', b.depth) || b.task_type AS task_type,
       b.runs,
       round(b.own_usd, 4) AS own_usd,
       round(b.subtree_usd, 4) AS incl_subtasks_usd,
       round(b.subtree_usd / b.runs, 4) AS avg_per_run_usd,
       round(100 * b.retry_usd / nullif(b.subtree_usd, 0), 1) AS retry_pct,
       b.unpriced AS unpriced_events
  FROM by_type AS b
  JOIN by_type AS root ON root.type_path = split_part(b.type_path, ' > ', 1)
 ORDER BY root.subtree_usd DESC, b.type_path;

------------------------------------------------------------------------------------------
\echo
\echo '4. One task tree: ticket ACME-4711 (acme-corp, 3 November)'
WITH RECURSIVE tree AS (
    SELECT customer_id, task_id, task_type, status, started_at, 0 AS depth,
           ARRAY[task_id] AS ancestors, ARRAY[started_at::text || task_id::text] AS sort_key
      FROM dexcost.task
     WHERE task_id = 'a4711000-0000-4000-8000-000000000001'
    UNION ALL
    SELECT c.customer_id, c.task_id, c.task_type, c.status, c.started_at, p.depth + 1,
           p.ancestors || c.task_id, p.sort_key || (c.started_at::text || c.task_id::text)
      FROM tree AS p
      JOIN dexcost.task AS c ON c.customer_id = p.customer_id AND c.parent_task_id = p.task_id
), own AS (
    SELECT e.customer_id, e.task_id, count(*) AS events, sum(e.cost_usd) AS cost_usd
      FROM dexcost.cost_event AS e
      JOIN tree USING (customer_id, task_id)
     GROUP BY e.customer_id, e.task_id
)
SELECT repeat('  ', t.depth) || t.task_type AS task,
       t.status,
       coalesce(o.events, 0) AS events,
       round(coalesce(o.cost_usd, 0), 6) AS own_usd,
       (SELECT round(sum(d_own.cost_usd), 6)
          FROM tree AS d
          JOIN own AS d_own USING (customer_id, task_id)
         WHERE t.task_id = ANY (d.ancestors)) AS subtree_usd
  FROM tree AS t
  LEFT JOIN own AS o USING (customer_id, task_id)
 ORDER BY t.sort_key;

\echo '   ... and its events:'
SELECT to_char(e.occurred_at, 'HH24:MI:SS') AS at,
       t.task_type AS task,
       e.event_type,
       coalesce(e.model, e.service_name) AS model_or_service,
       e.input_tokens AS input,
       e.cache_read_tokens AS cache_read,
       e.output_tokens AS output,
       round(e.cost_usd, 6) AS cost_usd,
       e.cost_confidence AS confidence,
       concat_ws(' ', e.error_type, CASE WHEN e.is_retry OR e.event_type = 'retry_marker' THEN 'retry of ' || e.retry_reason || ' (' || e.retry_type || ')' END) AS note
  FROM dexcost.cost_event AS e
  JOIN dexcost.task AS t USING (customer_id, task_id)
 WHERE t.root_task_id = 'a4711000-0000-4000-8000-000000000001'
 ORDER BY e.occurred_at, e.event_id;

------------------------------------------------------------------------------------------
\echo
\echo '5. Price change: openai gpt-4o-mini, standard tier'
\echo '   The input price in force is read from the price ids dexcost recorded in pricing_version.'
SELECT CASE WHEN e.occurred_at < p_new.valid_from THEN 'before ' ELSE 'from ' END
           || to_char(p_new.valid_from, 'DD Mon') AS period,
       p.usd_per_mtok AS input_usd_per_mtok,
       CASE WHEN p.is_seed THEN 'seed catalogue' ELSE p.source END AS price_row,
       count(*) AS calls,
       sum(e.input_tokens) AS input_tokens,
       sum(e.output_tokens) AS output_tokens,
       round(sum(e.cost_usd), 4) AS cost_usd,
       round(1000 * avg(e.cost_usd), 4) AS usd_per_1k_calls
  FROM month_event AS e
  JOIN dexcost.model_price AS p
    ON p.price_id = ANY (string_to_array(substr(e.pricing_version, length('dexcost:') + 1), '+')::bigint[])
   AND p.usage_type = 'input'
 CROSS JOIN LATERAL (SELECT min(valid_from) AS valid_from
                       FROM dexcost.model_price
                      WHERE provider = 'openai' AND model = 'gpt-4o-mini' AND usage_type = 'input'
                        AND service_tier = 'standard' AND NOT is_seed) AS p_new
 WHERE e.provider = 'openai' AND e.service_tier = 'standard' AND e.cost_confidence = 'computed'
   AND e.pricing_version LIKE 'dexcost:%'
   AND e.model IN (SELECT 'gpt-4o-mini'
                   UNION ALL
                   SELECT alias FROM dexcost.model_alias WHERE provider = 'openai' AND model = 'gpt-4o-mini')
 GROUP BY 1, 2, 3, p_new.valid_from
 ORDER BY min(e.occurred_at);

------------------------------------------------------------------------------------------
\echo
\echo '6. Cost health: failed calls and their re-attempts, by reason'
\echo '   failed_usd is what the failed attempts cost; retry_usd what the re-attempts cost.'
WITH failed AS (
    SELECT error_type AS reason, count(*) AS failed_calls, sum(cost_usd) AS failed_usd
      FROM month_event WHERE error_type IS NOT NULL GROUP BY error_type
), retried AS (
    SELECT retry_reason AS reason, string_agg(DISTINCT retry_type, ', ') AS retry_type, count(*) AS retries,
           sum(cost_usd) AS retry_usd
      FROM month_event WHERE retry GROUP BY retry_reason
)
SELECT reason,
       coalesce(failed.failed_calls, 0) AS failed_calls,
       round(coalesce(failed.failed_usd, 0), 4) AS failed_usd,
       retried.retry_type,
       coalesce(retried.retries, 0) AS retries,
       round(coalesce(retried.retry_usd, 0), 4) AS retry_usd,
       round(100 * (coalesce(failed.failed_usd, 0) + coalesce(retried.retry_usd, 0))
             / (SELECT sum(cost_usd) FROM month_event), 1) AS pct_of_spend
  FROM failed FULL JOIN retried USING (reason)
 ORDER BY coalesce(failed.failed_usd, 0) + coalesce(retried.retry_usd, 0) DESC, reason;

------------------------------------------------------------------------------------------
\echo
\echo '7. Unpriced spend (dexcost.unpriced_spend, all time): real spend dexcost cannot price, never counted as $0'
SELECT provider,
       model,
       service_tier AS tier,
       event_type,
       events,
       customers,
       input_tokens,
       output_tokens,
       to_char(first_seen, 'DD Mon') || ' - ' || to_char(last_seen, 'DD Mon') AS seen,
       reason
  FROM dexcost.unpriced_spend
 ORDER BY events DESC, provider, model;

------------------------------------------------------------------------------------------
\echo
\echo '8. Cost by confidence'
\echo '   exact: given by the provider or vendor; computed: tokens x catalogue price;'
\echo '   estimated: quantity x unit price; unknown: no cost (see section 7).'
SELECT c.confidence,
       count(e.event_id) AS events,
       round(sum(e.cost_usd), 4) AS cost_usd,
       round(100 * sum(e.cost_usd) / (SELECT sum(cost_usd) FROM month_event), 1) AS share_pct
  FROM (VALUES (1, 'exact'), (2, 'computed'), (3, 'estimated'), (4, 'unknown')) AS c(ord, confidence)
  LEFT JOIN month_event AS e ON e.cost_confidence = c.confidence
 GROUP BY c.ord, c.confidence
 ORDER BY c.ord;

\set QUIET off
