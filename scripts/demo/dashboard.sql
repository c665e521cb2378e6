-- dexcost demo dashboards: plain SQL over dexcost.task, dexcost.cost_event, dexcost.task_cost (exact
-- own and subtree totals per task, docs/rollups.md) and dexcost.unpriced_spend.
--
--   psql -X -f scripts/demo/dashboard.sql dexcost_demo                       November 2026
--   psql -X -v month=2026-12-01 -f scripts/demo/dashboard.sql dexcost_demo   another month
--
-- Money is rounded to 4 decimal places for display only; the ledger keeps exact numerics.
-- Unknown costs (cost_confidence 'unknown') are NULL and left out of every sum: the unpriced
-- columns and section 7 show how much spend that is.
--
-- Sections 10 and 11 use dexcost's percentile and Pareto aggregates (docs/percentiles.md,
-- docs/pareto.md). Sections 2, 3 and 9 read dexcost.task_cost: the month's root tasks (by started_at) with their
-- subtasks and all their events. The other sections read the month's events (by occurred_at).

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
-- Where each task sits in its tree, from the path dexcost keeps (ancestor_ids, root first):
-- depth, the task types from the root down, and a depth-first sort key (siblings by start time).
CREATE OR REPLACE TEMP VIEW task_path AS
SELECT t.customer_id, t.task_id, cardinality(t.ancestor_ids) AS depth, p.type_path, p.sort_key
  FROM dexcost.task AS t
 CROSS JOIN LATERAL (SELECT string_agg(a.task_type, ' > ' ORDER BY u.ord) AS type_path,
                            array_agg(a.started_at::text || a.task_id::text ORDER BY u.ord) AS sort_key
                       FROM unnest(t.ancestor_ids || t.task_id) WITH ORDINALITY AS u(task_id, ord)
                       JOIN dexcost.task AS a ON a.customer_id = t.customer_id AND a.task_id = u.task_id) AS p;
-- Every task of the trees whose root task started in the month, with its totals.
CREATE OR REPLACE TEMP VIEW month_task_cost AS
SELECT c.*, p.depth, p.type_path, p.sort_key
  FROM dexcost.task_cost AS c
  JOIN task_path AS p USING (customer_id, task_id)
  JOIN dexcost.task AS r ON r.customer_id = c.customer_id AND r.task_id = c.root_task_id
 WHERE r.started_at >= date :'month' AND r.started_at < date :'month' + interval '1 month';

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
\echo '   The subtree totals of the month''s root tasks (dexcost.task_cost), summed with dexcost.sum(cost_totals).'
\echo '   llm = llm_call events and retry_markers naming a model, non_llm = external + compute costs;'
\echo '   retry = re-attempts (is_retry or retry_marker), already included in total.'
WITH spend AS (
    SELECT customer_id, count(*) AS tasks, dexcost.sum(subtree) AS t
      FROM month_task_cost
     WHERE parent_task_id IS NULL
     GROUP BY customer_id
)
SELECT customer_id AS customer,
       tasks,
       round((t).total_cost_usd, 4) AS total_usd,
       round((t).llm_cost_usd, 4) AS llm_usd,
       round((t).external_cost_usd + (t).compute_cost_usd, 4) AS non_llm_usd,
       round((t).retry_cost_usd, 4) AS retry_usd,
       round(100 * (t).retry_cost_usd / nullif((t).total_cost_usd, 0), 1) AS retry_pct,
       round((t).total_cost_usd / tasks, 4) AS per_task_usd,
       round(100 * (t).total_cost_usd / nullif(sum((t).total_cost_usd) OVER (), 0), 1) AS share_pct,
       (t).unpriced_count AS unpriced_events
  FROM spend
 ORDER BY (t).total_cost_usd DESC, customer;

------------------------------------------------------------------------------------------
\echo
\echo '3. Cost per task type (workflow)'
\echo '   runs counts every task of the type, root or nested. own_usd is the cost of events recorded'
\echo '   in the task itself (own_usd sums to the total); incl_subtasks_usd adds everything below it.'
\echo '   Both come straight from dexcost.task_cost (own_cost_usd, subtree_cost_usd).'
WITH by_type AS (
    SELECT type_path, min(depth) AS depth, min(task_type) AS task_type, count(*) AS runs,
           sum(own_cost_usd) AS own_usd,
           sum(subtree_cost_usd) AS subtree_usd,
           sum(subtree_retry_cost_usd) AS retry_usd,
           sum((subtree).unpriced_count) AS unpriced
      FROM month_task_cost
     GROUP BY type_path
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
\echo '   own = the task''s own events; subtree = the task and everything below it (dexcost.task_cost).'
SELECT repeat('  ', p.depth) || c.task_type AS task,
       c.status,
       (c.own).event_count AS own_events,
       round(c.own_cost_usd, 6) AS own_usd,
       c.subtree_event_count AS subtree_events,
       round(c.subtree_cost_usd, 6) AS subtree_usd,
       round((c.subtree).llm_cost_usd, 6) AS subtree_llm_usd,
       round((c.subtree).external_cost_usd + (c.subtree).compute_cost_usd, 6) AS subtree_non_llm_usd,
       round(c.subtree_retry_cost_usd, 6) AS subtree_retry_usd
  FROM dexcost.task_cost AS c
  JOIN task_path AS p USING (customer_id, task_id)
 WHERE c.root_task_id = 'a4711000-0000-4000-8000-000000000001'
 ORDER BY p.sort_key;

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
       service_name AS service,
       events,
       customers,
       input_tokens,
       output_tokens,
       to_char(first_seen, 'DD Mon') || ' - ' || to_char(last_seen, 'DD Mon') AS seen,
       reason
  FROM dexcost.unpriced_spend
 ORDER BY events DESC, provider, model, service_name;

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

------------------------------------------------------------------------------------------
\echo
\echo '9. Roll-ups: the five most expensive root tasks of the month, subtasks included'
\echo '   Each cost_event statement appends one delta per task it touched; dexcost.fold_rollups() folds them'
\echo '   into the stored totals; dexcost.task_cost adds the deltas not folded yet, so it is exact at any moment.'
SELECT customer_id AS customer,
       task_type,
       task_id,
       to_char(started_at, 'DD Mon HH24:MI') AS started,
       round(subtree_cost_usd, 4) AS subtree_usd,
       subtree_event_count AS events,
       round(subtree_retry_cost_usd, 4) AS retry_usd,
       (subtree).unpriced_count AS unpriced_events
  FROM month_task_cost
 WHERE parent_task_id IS NULL
 ORDER BY subtree_cost_usd DESC, task_id
 LIMIT 5;

\echo '   Proof (all time, every task, own and subtree): dexcost.rollup_check() lists each task whose totals'
\echo '   differ from a recomputation over the dexcost.cost_event ledger.'
SELECT (SELECT count(*) FROM dexcost.rollup_check()) AS "rollup_check() rows (must be 0)",
       (SELECT count(*) FROM dexcost.task_rollup_delta) AS deltas_not_folded_yet;

------------------------------------------------------------------------------------------
\echo
\echo '10. Cost per LLM call: p50 / p95 / p99 per customer (dexcost.percentiles, within 1 % of exact)'
SELECT customer_id AS customer,
       calls,
       round(p[1]::numeric, 6) AS p50_usd,
       round(p[2]::numeric, 6) AS p95_usd,
       round(p[3]::numeric, 6) AS p99_usd
  FROM (SELECT customer_id, count(*) AS calls, dexcost.percentiles(cost_usd::float8, '{0.5,0.95,0.99}') AS p
          FROM month_event WHERE event_type = 'llm_call' AND cost_usd IS NOT NULL GROUP BY customer_id) s
 ORDER BY customer_id;

------------------------------------------------------------------------------------------
\echo
\echo '11. Pareto: which customers drive the cost (dexcost.pareto, exact sums)'
SELECT rank, key AS customer, round(cost, 4) AS cost_usd, round(100 * share, 1) AS share_pct,
       round(100 * cumulative_share, 1) AS cumulative_pct
  FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM month_event));
SELECT dexcost.pareto_keys_for_share(p, 0.8) AS "customers making 80 % of the cost",
       dexcost.pareto_summary(p)->>'keys' AS customers
  FROM (SELECT dexcost.pareto(customer_id, cost_usd) AS p FROM month_event) k;

\set QUIET off

\echo
\echo '== dexcost_bi (what Metabase reads): the last 7 days, day by day'
SELECT day, total_cost_usd, tasks, avg_cost_per_task_usd, retry_cost_usd, cost_efficiency_pct
  FROM dexcost_bi.overview_daily WHERE day > current_date - 7 ORDER BY day;
\echo '== dexcost_bi.customer_ranking: the Pareto line over the last 30 days'
SELECT rank, customer_id, total_cost_usd, share_of_total_pct, cumulative_share_pct, retry_pct
  FROM dexcost_bi.customer_ranking WHERE period = 'last_30_days' ORDER BY rank LIMIT 5;
\echo '== dexcost_bi.retry_cost_by_reason_daily: retry cost by type and reason, last 30 days'
SELECT retry_type, retry_reason, sum(retries) AS retries, sum(retry_cost_usd) AS retry_cost_usd
  FROM dexcost_bi.retry_cost_by_reason_daily WHERE day > current_date - 30 GROUP BY 1, 2 ORDER BY 4 DESC LIMIT 5;
