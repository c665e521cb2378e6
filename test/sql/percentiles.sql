-- dexcost.percentile(value, fraction), percentiles(value, fractions), the ddsketch type and its
-- aggregates: within 1 % of percentile_cont at every fraction, parallel, mergeable, storable.

-- Two data sets of 20,000 costs, deterministic: a lognormal-like spread over four decades, and a
-- multimodal mixture (70 % embeddings around 1e-4, 25 % chat around 7e-3, 5 % agent runs around
-- 0.4) whose p95 falls in the gap between two modes. g: 20 customers.
CREATE TABLE pct (g int, lognormal float8, mixture float8);
INSERT INTO pct
SELECT i % 20,
       exp(-5 + 1.5 * (((i * 7919) % 10007) / 10007.0 * 6 - 3)),
       CASE WHEN i % 20 < 14 THEN 1e-4 * (1 + ((i * 31) % 97) / 97.0)
            WHEN i % 20 < 19 THEN 7e-3 * (1 + ((i * 17) % 89) / 89.0)
            ELSE 0.4 * (1 + ((i * 13) % 83) / 83.0) END
  FROM generate_series(1, 20000) i;
ANALYZE pct;

-- Every fraction of 0, 0.01, ..., 1 within 1 % of percentile_cont, on both data sets; the
-- minimum and the maximum exact.
CREATE TEMP TABLE fr AS SELECT array_agg(k / 100.0::float8 ORDER BY k) AS f FROM generate_series(0, 100) k;
CREATE TEMP TABLE est AS
SELECT (SELECT dexcost.percentiles(lognormal, fr.f) FROM pct) AS l,
       (SELECT percentile_cont(fr.f) WITHIN GROUP (ORDER BY lognormal) FROM pct) AS lx,
       (SELECT dexcost.percentiles(mixture, fr.f) FROM pct) AS m,
       (SELECT percentile_cont(fr.f) WITHIN GROUP (ORDER BY mixture) FROM pct) AS mx
  FROM fr;
SELECT max(abs(l[i] / lx[i] - 1)) <= 0.01 AS lognormal_within_1pct,
       max(abs(m[i] / mx[i] - 1)) <= 0.01 AS mixture_within_1pct,
       bool_and(l[1] = lx[1] AND l[101] = lx[101] AND m[1] = mx[1] AND m[101] = mx[101]) AS min_and_max_exact
  FROM est, generate_series(1, 101) i;
-- The same per customer.
SELECT count(*) AS groups,
       bool_and(abs(d / x - 1) <= 0.01) AS all_within_1pct
  FROM (SELECT g, dexcost.percentile(mixture, 0.95) AS d,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY mixture) AS x
          FROM pct GROUP BY g) s;
-- A tighter bound when asked: 0.1 %.
SELECT abs(dexcost.percentile(lognormal, 0.99, 0.001)
           / (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY lognormal) FROM pct) - 1) <= 0.001 AS within_0_1pct
  FROM pct;

-- Parallel: partial states per worker, combined by the leader; the same answers as the serial
-- plan, bit for bit (a sketch's float8 sum may differ in its last bits, since float addition
-- depends on order, so sketches are compared through their percentiles).
SELECT f::text AS fractions FROM fr \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT dexcost.percentiles(lognormal, '{0.5,0.95,0.99}') FROM pct;
EXPLAIN (COSTS OFF) SELECT g, dexcost.percentile(lognormal, 0.95) FROM pct GROUP BY g;
SELECT dexcost.percentiles(lognormal, '{0.5,0.95,0.99}')::text AS parallel_p FROM pct \gset
SELECT dexcost.sketch_percentiles(dexcost.sketch(mixture), :'fractions')::text AS parallel_s FROM pct \gset
SELECT array_agg(q ORDER BY g)::text AS parallel_g
  FROM (SELECT g, dexcost.percentile(lognormal, 0.95) AS q FROM pct GROUP BY g) x \gset
SET max_parallel_workers_per_gather = 0;
SELECT dexcost.percentiles(lognormal, '{0.5,0.95,0.99}')::text = :'parallel_p' AS same_percentiles,
       dexcost.sketch_percentiles(dexcost.sketch(mixture), :'fractions')::text = :'parallel_s' AS same_sketch_content
  FROM pct;
SELECT array_agg(q ORDER BY g)::text = :'parallel_g' AS same_per_customer
  FROM (SELECT g, dexcost.percentile(lognormal, 0.95) AS q FROM pct GROUP BY g) x;
RESET ALL;

-- Stored sketches: one per customer and day, merged later into exactly the sketch of all values.
CREATE TABLE daily AS
SELECT g, i % 7 AS day, dexcost.sketch(mixture) AS s
  FROM pct, LATERAL (SELECT (lognormal * 1e6)::bigint AS i) k GROUP BY g, i % 7;
SELECT dexcost.sketch_percentiles(m.s, fr.f) = dexcost.sketch_percentiles(a.s, fr.f) AS same_percentiles,
       dexcost.sketch_count(m.s) = dexcost.sketch_count(a.s) AS same_count,
       dexcost.sketch_min(m.s) = dexcost.sketch_min(a.s) AND dexcost.sketch_max(m.s) = dexcost.sketch_max(a.s)
         AS same_min_max,
       abs(dexcost.sketch_sum(m.s) / dexcost.sketch_sum(a.s) - 1) < 1e-12 AS same_sum
  FROM (SELECT dexcost.sketch_merge(s) AS s FROM daily) m, (SELECT dexcost.sketch(mixture) AS s FROM pct) a, fr;
SELECT g, dexcost.sketch_count(dexcost.sketch_merge(s)) AS n FROM daily WHERE g < 3 GROUP BY g ORDER BY g;

-- The text form is compact and round-trips; sketches read back give the same answers.
SELECT dexcost.sketch(x) AS s FROM (VALUES (1.0::float8), (2), (2), (0), (-3.5)) v(x);
SELECT s::text::dexcost.ddsketch::text = s::text AS text_round_trip,
       length(s::text) AS text_chars, octet_length(dexcost.ddsketch_send(s)) AS binary_bytes,
       pg_column_size(s) AS stored_bytes
  FROM (SELECT dexcost.sketch(lognormal) AS s FROM pct) x;
SELECT dexcost.sketch_count(s), dexcost.sketch_min(s), dexcost.sketch_max(s), dexcost.sketch_sum(s),
       dexcost.sketch_mean(s), dexcost.sketch_relative_error(s),
       dexcost.sketch_percentile(s, 0), dexcost.sketch_percentile(s, 1)
  FROM (SELECT dexcost.sketch(x) AS s FROM (VALUES (1.0::float8), (2), (2), (0), (-3.5)) v(x)) k;

-- NULLs are skipped; zeros and negatives (refunds) rank like percentile_cont; no value: NULL.
SELECT dexcost.percentiles(x, '{0,0.25,0.5,0.75,1}') AS ours,
       percentile_cont('{0,0.25,0.5,0.75,1}'::float8[]) WITHIN GROUP (ORDER BY x) AS exact
  FROM (VALUES (-5.0::float8), (0), (0), (3), (NULL), (-1)) v(x);
SELECT dexcost.percentile(x, 0.5) AS no_rows, dexcost.percentiles(x, '{0.5}') AS no_rows_array,
       dexcost.sketch(x) AS no_sketch
  FROM pct, LATERAL (SELECT NULL::float8 AS x) k WHERE g = 99;
SELECT dexcost.percentile(NULL::float8, 0.5) AS only_nulls FROM generate_series(1, 3);
SELECT dexcost.percentile(x, NULL) AS null_fraction FROM generate_series(1, 3) x;
SELECT dexcost.percentiles(x, NULL) AS null_fractions FROM generate_series(1, 3) x;
SELECT dexcost.percentiles(x, '{}') AS no_fractions FROM generate_series(1, 3) x;

-- As a window function: a running median, and a moving one over 3 rows.
SELECT i, dexcost.percentile(i::float8, 0.5) OVER (ORDER BY i) AS running_median,
       dexcost.percentile(i::float8, 1) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving_max
  FROM generate_series(1, 6) i;

-- Bad input: each with its message.
\set VERBOSITY default
SELECT dexcost.percentile(x, 0.5) FROM (VALUES (1.0::float8), ('NaN')) v(x);
SELECT dexcost.percentile(x, 0.5) FROM (VALUES (1.0::float8), ('-Infinity')) v(x);
SELECT dexcost.percentile(x, 1.5) FROM generate_series(1, 3) x;
SELECT dexcost.percentile(x, 'NaN') FROM generate_series(1, 3) x;
SELECT dexcost.percentiles(x, '{0.5,NULL}') FROM generate_series(1, 3) x;
SELECT dexcost.percentiles(x, '{{0.5},{0.9}}') FROM generate_series(1, 3) x;
SELECT dexcost.percentile(x, 0.5, 0.5) FROM generate_series(1, 3) x;
SELECT dexcost.percentile(x, 0.5, 0.0000001) FROM generate_series(1, 3) x;
SELECT dexcost.percentile(x, 0.5, NULL) FROM generate_series(1, 3) x;
SELECT dexcost.sketch_merge(s) FROM (SELECT dexcost.sketch(x, 0.01) FROM generate_series(1, 3) x
                                     UNION ALL SELECT dexcost.sketch(x, 0.02) FROM generate_series(1, 3) x) k(s);
SELECT dexcost.sketch_percentile(dexcost.sketch(x), 2) FROM generate_series(1, 3) x;
SELECT 'nonsense'::dexcost.ddsketch;
SELECT 'ddsketch:AQAA'::dexcost.ddsketch;
SELECT 'ddsketch:!!!!'::dexcost.ddsketch;
SELECT dexcost.sketch_add(NULL, 1.0);
\set VERBOSITY terse

DROP TABLE pct, daily;
