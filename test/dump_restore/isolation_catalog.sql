-- Row-level security state of every dexcost table: flags and policies (must survive a restore).
SELECT 'rls', c.relname, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_catalog.pg_class AS c
 WHERE c.relnamespace = 'dexcost'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p')
   AND (c.relrowsecurity OR c.relforcerowsecurity)
 ORDER BY c.relname;
SELECT 'policy', p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check
  FROM pg_catalog.pg_policies AS p
 WHERE p.schemaname IN ('dexcost', 'dexcost_bi')
 ORDER BY p.tablename, p.policyname;
SELECT 'tables with rls', count(*) FILTER (WHERE c.relrowsecurity)
  FROM pg_catalog.pg_class AS c WHERE c.relnamespace = 'dexcost'::pg_catalog.regnamespace;
-- And what isolation_check() sees: no drift from the switch, before the dump as after the restore.
SELECT 'isolation drift', count(*) FROM dexcost.isolation_check();
