
------------------------------------------------------------------------------------------
-- Isolation drift (docs/roles.md#checking-isolation)
--
-- dexcost.customer_isolation says whether per-customer isolation is on; the catalogue is
-- what enforces it. A DBA who runs ALTER TABLE ... DISABLE ROW LEVEL SECURITY, DROP POLICY,
-- ALTER POLICY or CREATE POLICY ... USING (true) by hand leaves the switch on while tenants
-- see every customer. isolation_check() lists every difference; run_checks() reports them
-- (a WARNING, its isolation_drift column and a customer_isolation_drift payload).
------------------------------------------------------------------------------------------

-- One row per table and item (row-level security, the customer_isolation policy, another
-- permissive policy) whose state differs from what the switch says; no row when consistent.
CREATE FUNCTION @extschema@.isolation_check()
  RETURNS TABLE (table_name text, item text, expected text, actual text)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH switch AS (
      SELECT COALESCE((SELECT i.enabled FROM @extschema@.customer_isolation AS i), false) AS enabled,
             'permissive for all to public using (@extschema@.customer_visible(customer_id))'
             ' with check (@extschema@.customer_visible(customer_id))' AS policy
  ), tables AS (
      SELECT u.rel, u.ord FROM pg_catalog.unnest(@extschema@.customer_isolation_tables()) WITH ORDINALITY AS u(rel, ord)
  ), policies AS (
      -- Every policy on those tables, spelt out in the form of switch.policy.
      SELECT t.ord, t.rel, p.polname, p.polpermissive,
             pg_catalog.format('%s for %s to %s using (%s) with check (%s)',
                 CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                 CASE p.polcmd WHEN '*' THEN 'all' WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert'
                               WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' END,
                 (SELECT pg_catalog.string_agg(CASE WHEN r.oid = 0 THEN 'public'
                                                    ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.oid)) END,
                                               ', ' ORDER BY r.oid)
                    FROM pg_catalog.unnest(p.polroles) AS r(oid)),
                 COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'none'),
                 COALESCE(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), 'none')) AS definition
        FROM tables AS t
        JOIN pg_catalog.pg_policy AS p ON p.polrelid = t.rel
  ), state AS (
      SELECT t.ord, 1 AS k, 'row level security' AS item,
             CASE WHEN s.enabled THEN 'enabled' ELSE 'disabled' END AS expected,
             CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END AS actual, t.rel
        FROM tables AS t
        JOIN pg_catalog.pg_class AS c ON c.oid = t.rel
       CROSS JOIN switch AS s
      UNION ALL
      SELECT t.ord, 2, 'policy customer_isolation', CASE WHEN s.enabled THEN s.policy ELSE 'absent' END,
             COALESCE(p.definition, 'absent'), t.rel
        FROM tables AS t
       CROSS JOIN switch AS s
        LEFT JOIN policies AS p ON p.rel = t.rel AND p.polname = 'customer_isolation'
      UNION ALL
      -- Permissive policies are or-ed: another one widens what a tenant sees.
      SELECT p.ord, 3, 'policy ' || p.polname, 'absent', p.definition, p.rel
        FROM policies AS p
       CROSS JOIN switch AS s
       WHERE s.enabled AND p.polpermissive AND p.polname <> 'customer_isolation'
  )
  SELECT x.rel::text, x.item, x.expected, x.actual
    FROM state AS x
   WHERE x.expected <> x.actual
   ORDER BY x.ord, x.k, x.item
$$;
COMMENT ON FUNCTION @extschema@.isolation_check() IS
  'Isolation drift: one row per customer table and item (row level security, policy customer_isolation, any other permissive policy) whose catalogue state differs from what dexcost.customer_isolation says (RLS switched off or a policy dropped, altered or added by hand); no row when consistent. SELECT dexcost.set_customer_isolation(...) puts RLS and the policies back (it leaves other policies alone). run_checks() reports it. Admin only.';
REVOKE EXECUTE ON FUNCTION @extschema@.isolation_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.isolation_check() TO dexcost_admin;
