-- Prints one call statement per function and aggregate of the extension, with typed sample arguments
-- (every name and type in the generated SQL is qualified: the caller's search_path puts public first).
-- Functions taking a type without a sample (cstring, internal, trigger functions, ...) are listed as
-- "-- skipped: ..." comments.
SET search_path = pg_catalog, pg_temp;
WITH ext_fn AS (
    SELECT p.oid, p.proname, p.prokind, p.pronargs, p.proargtypes, p.proargnames, p.prorettype
      FROM pg_depend AS d JOIN pg_proc AS p ON p.oid = d.objid
     WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dexcost')
),
arg AS (
    SELECT f.oid, a.i, a.t::regtype AS t, coalesce(f.proargnames[a.i], '') AS name
      FROM ext_fn AS f, unnest(f.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)
),
sample AS (
    SELECT arg.oid, arg.i, arg.t,
           CASE
             WHEN arg.t = 'text'::regtype THEN
               CASE arg.name WHEN 'provider' THEN '''openai''' WHEN 'model' THEN '''gpt-4o-mini'''
                             WHEN 'service_tier' THEN '''standard''' WHEN 'setting_name' THEN '''timezone'''
                             WHEN 'new_value' THEN '''Europe/Berlin''' WHEN 'payload' THEN ':''payload'''
                             WHEN 'origin' THEN '''call''' WHEN 'customer_id' THEN '''sec-co'''
                             ELSE '''sec-key''' END || '::pg_catalog.text'
             WHEN arg.t = 'jsonb'::regtype THEN ':''payload''::pg_catalog.jsonb'
             WHEN arg.t = 'uuid'::regtype THEN '''5ec00000-0000-0000-0000-000000000001''::pg_catalog.uuid'
             WHEN arg.t = 'uuid[]'::regtype THEN '''{5ec00000-0000-0000-0000-000000000001}''::pg_catalog.uuid[]'
             WHEN arg.t = 'text[]'::regtype THEN '''{sec-co}''::pg_catalog.text[]'
             WHEN arg.t = 'timestamp with time zone'::regtype THEN
               CASE WHEN arg.name LIKE 'to%' THEN '''2026-12-01 00:00+00''' ELSE '''2026-11-01 00:00+00''' END
               || '::pg_catalog.timestamptz'
             WHEN arg.t = 'date'::regtype THEN '''2026-11-10''::pg_catalog.date'
             WHEN arg.t = 'numeric'::regtype THEN '0.5::pg_catalog.numeric'
             WHEN arg.t = 'integer'::regtype THEN '3::pg_catalog.int4'
             WHEN arg.t = 'bigint'::regtype THEN '1000::pg_catalog.int8'
             WHEN arg.t = 'double precision'::regtype THEN '0.25::pg_catalog.float8'
             WHEN arg.t = 'double precision[]'::regtype THEN '''{0.5,0.9}''::pg_catalog.float8[]'
             WHEN arg.t = 'boolean'::regtype THEN 'true'
             WHEN arg.t = 'interval'::regtype THEN '''1 day''::pg_catalog.interval'
             WHEN arg.t::text = 'dexcost.ddsketch' THEN
               '(SELECT dexcost.sketch(g::pg_catalog.float8) FROM pg_catalog.generate_series(1, 100) AS g)'
             WHEN arg.t::text = 'dexcost.pareto' THEN
               '(SELECT dexcost.pareto(g::pg_catalog.text, g::pg_catalog.numeric) FROM pg_catalog.generate_series(1, 20) AS g)'
             WHEN arg.t::text = 'dexcost.cost_totals' THEN 'dexcost.zero_totals()'
             WHEN arg.t::text = 'dexcost.cost_event' THEN '(SELECT e FROM dexcost.cost_event AS e LIMIT 1)'
           END AS expr
      FROM arg
)
SELECT CASE
         WHEN f.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
           THEN format('-- skipped: %s (trigger function: runs through the DML above)', f.oid::regprocedure)
         WHEN EXISTS (SELECT 1 FROM sample AS s WHERE s.oid = f.oid AND s.expr IS NULL)
           THEN format('-- skipped: %s (no sample for %s)', f.oid::regprocedure,
                       (SELECT string_agg(s.t::text, ', ') FROM sample AS s WHERE s.oid = f.oid AND s.expr IS NULL))
         ELSE format('SELECT %s(%s);', f.oid::regproc,
                     coalesce((SELECT string_agg(s.expr, ', ' ORDER BY s.i) FROM sample AS s WHERE s.oid = f.oid), ''))
       END
  FROM ext_fn AS f
 ORDER BY f.oid::regprocedure::text;
