-- isolation_check(): where the catalogue differs from dexcost.customer_isolation (RLS switched off,
-- a policy dropped, altered or added by hand), and run_checks() reporting it. The payload it sends
-- is pinned by test/isolation/specs/alert-payloads.spec.
SET client_min_messages = warning;
CREATE ROLE drift_admin IN ROLE dexcost_admin;
CREATE ROLE drift_finops IN ROLE dexcost_finops;
\pset null '(null)'

-- Consistent, off (no row in customer_isolation) and on: nothing.
SELECT count(*) AS off_drift FROM dexcost.isolation_check();
SELECT dexcost.set_customer_isolation(true);
SET ROLE drift_admin;
SELECT count(*) AS on_drift FROM dexcost.isolation_check();
RESET ROLE;

-- By hand, while the switch says on: RLS off on cost_event, the policy dropped on task, the policy
-- of revenue widened to every row, and a second permissive policy on daily_customer (permissive
-- policies are or-ed). A restrictive one only narrows: not drift.
ALTER TABLE dexcost.cost_event DISABLE ROW LEVEL SECURITY;
DROP POLICY customer_isolation ON dexcost.task;
ALTER POLICY customer_isolation ON dexcost.revenue USING (true);
CREATE POLICY everyone ON dexcost.daily_customer FOR SELECT TO dexcost_viewer USING (true);
CREATE POLICY narrow ON dexcost.customer_period AS RESTRICTIVE USING (customer_id <> 'nobody');
SET ROLE drift_admin;
SELECT * FROM dexcost.isolation_check();

-- run_checks() counts it, warns (under pg_cron the DBA finds it in the server log) and notifies on every run.
SET client_min_messages = warning;
SELECT status, notified >= 1 AS notified, isolation_drift FROM dexcost.run_checks('2020-01-02 12:00+00');
SELECT status, notified >= 1 AS notified, isolation_drift FROM dexcost.run_checks('2020-01-02 12:00+00');

-- Admin only.
SET ROLE drift_finops;
SELECT * FROM dexcost.isolation_check();
RESET ROLE;

-- set_customer_isolation() puts RLS and its policies back; the extra permissive policy stays
-- until it is dropped.
SELECT dexcost.set_customer_isolation(true);
SELECT * FROM dexcost.isolation_check();
DROP POLICY everyone ON dexcost.daily_customer;
SELECT count(*) AS repaired_drift FROM dexcost.isolation_check();
SELECT status, isolation_drift FROM dexcost.run_checks('2020-01-02 12:00+00');

-- Switched off: RLS turned on again by hand (tenants would see nothing) and a customer_isolation
-- policy left behind are drift too; other policies do not matter while RLS is off.
SELECT dexcost.set_customer_isolation(false);
ALTER TABLE dexcost.task ENABLE ROW LEVEL SECURITY;
CREATE POLICY customer_isolation ON dexcost.revenue_revision USING (dexcost.customer_visible(customer_id));
SELECT * FROM dexcost.isolation_check();
ALTER TABLE dexcost.task DISABLE ROW LEVEL SECURITY;
DROP POLICY customer_isolation ON dexcost.revenue_revision;
SELECT count(*) AS off_again_drift FROM dexcost.isolation_check();

-- The policies cover exactly the tables set_customer_isolation() isolates.
SELECT dexcost.set_customer_isolation(true);
SELECT pg_catalog.array_agg(c.relname::text ORDER BY c.relname) = pg_catalog.array_agg(p.relname::text ORDER BY c.relname)
       AS same_tables
  FROM pg_class AS c
  LEFT JOIN (SELECT k.relname FROM pg_policy AS y JOIN pg_class AS k ON k.oid = y.polrelid
              WHERE y.polname = 'customer_isolation') AS p ON p.relname = c.relname
 WHERE c.oid = ANY (dexcost.customer_isolation_tables());
SELECT count(*) AS policies FROM pg_policy WHERE polname = 'customer_isolation';

DROP POLICY narrow ON dexcost.customer_period;
DELETE FROM dexcost.customer_isolation;
SELECT count(*) AS policies_left FROM pg_policy WHERE polname = 'customer_isolation';
DROP ROLE drift_admin, drift_finops;
