-- dexcost.pareto(key, cost): exact cost per key in one pass, and the Pareto answers read from it,
-- against the GROUP BY + window-function SQL that computes the same.

-- 30,000 costs over 500 customers, skewed (the first customers get most of the activity), exact
-- decimals with up to 10 places.
CREATE TABLE ev (customer_id text, cost_usd numeric(20, 10));
INSERT INTO ev
SELECT 'cust-' || lpad((1 + floor(500 * ((i * 7919) % 30011) ^ 3 / 30011.0 ^ 3))::int::text, 3, '0'),
       ((i::bigint * 104729) % 100003) / 1000000.0 + 0.0000000001 * (i % 7)
  FROM generate_series(1, 30000) i;
ANALYZE ev;

-- The SQL way: one row per customer, biggest first, with share and cumulative share.
CREATE TEMP TABLE sql_pareto AS
WITH c AS (SELECT customer_id, sum(cost_usd) AS cost FROM ev GROUP BY customer_id)
SELECT row_number() OVER (ORDER BY cost DESC, customer_id) AS rank, customer_id, cost,
       cost / sum(cost) OVER () AS share,
       sum(cost) OVER (ORDER BY cost DESC, customer_id ROWS UNBOUNDED PRECEDING) AS cumulative_cost,
       sum(cost) OVER (ORDER BY cost DESC, customer_id ROWS UNBOUNDED PRECEDING) / sum(cost) OVER () AS cumulative_share
  FROM c;
CREATE TEMP TABLE ours AS SELECT * FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM ev));

-- Every key, rank, cost and cumulative cost exactly equal; shares equal to numeric division.
SELECT (SELECT count(*) FROM sql_pareto) AS keys,
       count(*) FILTER (WHERE o.key = s.customer_id AND o.cost = s.cost AND o.cumulative_cost = s.cumulative_cost
                          AND o.share = s.share AND o.cumulative_share = s.cumulative_share) AS rows_equal
  FROM ours AS o JOIN sql_pareto AS s USING (rank);
SELECT rank, key, cost, round(share, 6) AS share, cumulative_cost, round(cumulative_share, 6) AS cumulative_share,
       round(key_share, 4) AS key_share
  FROM ours WHERE rank <= 3 OR rank = (SELECT max(rank) FROM ours) ORDER BY rank;

-- The Pareto questions, and the same answers from SQL.
SELECT dexcost.pareto_share_of_top(p, 0.2) = (SELECT cumulative_share FROM sql_pareto WHERE rank = 100)
         AS top_20pct_share_right,
       dexcost.pareto_keys_for_share(p, 0.8)
         = (SELECT min(rank) FROM sql_pareto WHERE cumulative_share >= 0.8) AS keys_for_80pct_right,
       round(dexcost.pareto_share_of_top(p, 0.2), 4) AS top_20pct_share,
       dexcost.pareto_keys_for_share(p, 0.8) AS keys_for_80pct
  FROM (SELECT dexcost.pareto(customer_id, cost_usd) AS p FROM ev) k;
SELECT jsonb_pretty(dexcost.pareto_summary(dexcost.pareto(customer_id, cost_usd))) FROM ev;
SELECT rank, key FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM ev), 2);
SELECT count(*) AS none FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM ev), 0);

-- Parallel: the same table whatever the split (the canonical text is equal).
SELECT dexcost.pareto(customer_id, cost_usd)::text AS serial FROM ev \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT dexcost.pareto(customer_id, cost_usd) FROM ev;
SELECT dexcost.pareto(customer_id, cost_usd)::text = :'serial' AS parallel_equals_serial FROM ev;
RESET ALL;

-- Stored per day and merged: exactly the table of all rows.
CREATE TEMP TABLE daily AS
SELECT k % 5 AS day, dexcost.pareto(customer_id, cost_usd) AS p
  FROM (SELECT *, row_number() OVER () AS k FROM ev) e GROUP BY k % 5;
SELECT dexcost.pareto_merge(p)::text = :'serial' AS merged_equals_single_pass FROM daily;
SELECT length(:'serial') AS text_chars, pg_column_size(p) AS stored_bytes,
       p::text::dexcost.pareto::text = :'serial' AS text_round_trip,
       octet_length(dexcost.pareto_send(p)) AS binary_bytes
  FROM (SELECT dexcost.pareto(customer_id, cost_usd) AS p FROM ev) k;

-- NULL costs are skipped; a NULL key is summed apart and never ranked; refunds lower a key's
-- sum; no row: NULL.
SELECT * FROM dexcost.pareto_top((SELECT dexcost.pareto(k, c) FROM (VALUES ('a', 10.0), ('b', 5.0), ('a', NULL),
                                                                           (NULL, 7.0), ('b', -1.5), ('c', 0.5)) v(k, c)));
SELECT dexcost.pareto_summary(dexcost.pareto(k, c))
  FROM (VALUES ('a', 10.0), ('b', 5.0), (NULL, 7.0), ('b', -1.5)) v(k, c);
SELECT dexcost.pareto(k, c) IS NULL AS no_rows FROM (VALUES ('a', 1.0)) v(k, c) WHERE false;
-- A total that is not positive has no shares.
SELECT rank, key, cost, share, cumulative_share
  FROM dexcost.pareto_top((SELECT dexcost.pareto(k, c) FROM (VALUES ('a', 1.0), ('b', -3.0)) v(k, c)));
SELECT dexcost.pareto_share_of_top(dexcost.pareto(k, c), 0.5) AS share,
       dexcost.pareto_keys_for_share(dexcost.pareto(k, c), 0.5) AS keys
  FROM (VALUES ('a', 1.0), ('b', -3.0)) v(k, c);

-- Bad input: each with its message.
\set VERBOSITY default
SELECT dexcost.pareto(k, c) FROM (VALUES ('a', 'NaN'::numeric)) v(k, c);
SELECT dexcost.pareto(k, c) FROM (VALUES ('a', 1.0000000000000000001)) v(k, c);
SELECT dexcost.pareto(k, c) FROM (VALUES ('a', 1e30)) v(k, c);
SELECT dexcost.pareto_share_of_top(dexcost.pareto(customer_id, cost_usd), 1.5) FROM ev;
SELECT dexcost.pareto_keys_for_share(dexcost.pareto(customer_id, cost_usd), -0.1) FROM ev;
SELECT * FROM dexcost.pareto_top((SELECT dexcost.pareto(customer_id, cost_usd) FROM ev), -1);
SELECT 'nonsense'::dexcost.pareto;
SELECT 'pareto:AQ=='::dexcost.pareto;
SELECT dexcost.pareto_add(NULL, 'a', 1);
\set VERBOSITY terse

DROP TABLE ev;
