
------------------------------------------------------------------------------------------
-- Roles (docs/roles.md): NOLOGIN group roles a DBA grants to logins
--
--   dexcost_viewer   reads the dashboard views (cost only, no technical detail)
--   dexcost_finance  viewer + revenue, profitability, statements, reconciliation
--   dexcost_finops   finance + technical detail, edits prices and budgets, imports invoices
--   dexcost_admin    finops + writer + manages every table and scheduled function
--   dexcost_owner    admin + may grant the dexcost roles to logins (ADMIN OPTION)
--   dexcost_writer   inserts/ingests tasks, events and revenue; reads nothing
--
-- Roles are cluster-wide while the extension lives in one database: the first CREATE
-- EXTENSION in a cluster creates them (and marks them with a comment); later installs, in
-- other databases or after DROP EXTENSION, reuse the marked roles. A same-named role that
-- dexcost did not create is refused, never adopted: its members would silently gain access.
-- DROP EXTENSION leaves the roles (other databases may use them); docs/roles.md says how
-- to drop them.
--
-- Every later part grants its own objects with plain GRANT statements next to them, along
-- the matrix in docs/roles.md; test/pgtap/roles.sql fails for an object nobody decided on.
------------------------------------------------------------------------------------------

DO $roles$
DECLARE
    marker constant text := 'dexcost group role';
    r record;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('dexcost_viewer',  'reads the dashboard views'),
            ('dexcost_finance', 'viewer, plus revenue, profitability, statements and reconciliation; no technical detail'),
            ('dexcost_finops',  'finance, plus technical detail; edits prices and budgets, imports invoices, runs reconcile'),
            ('dexcost_writer',  'inserts and ingests tasks, events and revenue; reads nothing'),
            ('dexcost_admin',   'finops and writer, plus every table and scheduled function; not roles'),
            ('dexcost_owner',   'admin, plus granting the dexcost roles to logins')) AS v(name, purpose)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS a WHERE a.rolname = r.name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
            EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, marker || ': ' || r.purpose || ' (docs/roles.md)');
        ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS a
                            JOIN pg_catalog.pg_shdescription AS d
                              ON d.objoid = a.oid AND d.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
                           WHERE a.rolname = r.name AND pg_catalog.starts_with(d.description, marker)) THEN
            RAISE EXCEPTION 'role "%" already exists and was not created by dexcost', r.name
              USING ERRCODE = 'duplicate_object',
                    DETAIL = 'dexcost grants its privileges to group roles of this name; adopting a foreign role would hand them to its members.',
                    HINT = 'Rename that role (ALTER ROLE ... RENAME TO ...) and run CREATE EXTENSION again; if it is a dexcost role from an older install, mark it with COMMENT ON ROLE ... IS ''dexcost group role''.';
        END IF;
    END LOOP;
END
$roles$;

-- The hierarchy (each GRANT is a no-op when a previous install already made it).
DO $members$
DECLARE
    m record;
BEGIN
    FOR m IN
        SELECT * FROM (VALUES ('dexcost_viewer', 'dexcost_finance'), ('dexcost_finance', 'dexcost_finops'),
                              ('dexcost_finops', 'dexcost_admin'), ('dexcost_writer', 'dexcost_admin'),
                              ('dexcost_admin', 'dexcost_owner')) AS v(grp, member)
    LOOP
        IF NOT pg_catalog.pg_has_role(m.member, m.grp, 'USAGE') THEN
            EXECUTE pg_catalog.format('GRANT %I TO %I', m.grp, m.member);
        END IF;
    END LOOP;
    FOR m IN SELECT v.name FROM (VALUES ('dexcost_viewer'), ('dexcost_finance'), ('dexcost_finops'),
                                        ('dexcost_writer'), ('dexcost_admin')) AS v(name)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members AS am
                        WHERE am.roleid = pg_catalog.to_regrole(m.name)
                          AND am.member = pg_catalog.to_regrole('dexcost_owner') AND am.admin_option) THEN
            EXECUTE pg_catalog.format('GRANT %I TO dexcost_owner WITH ADMIN OPTION', m.name);
        END IF;
    END LOOP;
END
$members$;

GRANT USAGE ON SCHEMA @extschema@ TO dexcost_viewer, dexcost_writer;

------------------------------------------------------------------------------------------
-- Functions: only IMMUTABLE ones (pure computation on their arguments: totals, sketches,
-- pareto) stay executable by PUBLIC; everything that reads or writes data is granted.
------------------------------------------------------------------------------------------

DO $revoke$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc AS p
              WHERE p.pronamespace = '@extschema@'::pg_catalog.regnamespace AND p.provolatile <> 'i'
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$revoke$;

-- The writer path: plain INSERTs need no read privilege, so the triggers that look tasks and
-- prices up, keep totals and adopt parked records run as the extension's owner. ingest()
-- runs as the owner too (it upserts), and answers only about the records it was sent.
-- cost_event_before_write, which runs once per event, is not SECURITY DEFINER: it switches
-- to the schema owner itself around its task and price lookups (cached per command), which
-- costs nothing per row, where SECURITY DEFINER's search_path save/restore on every event
-- cost over half of COPY throughput.
ALTER FUNCTION @extschema@.task_before_write() SECURITY DEFINER;
ALTER FUNCTION @extschema@.task_adopt_pending() SECURITY DEFINER;
ALTER FUNCTION @extschema@.revenue_revision_before_write() SECURITY DEFINER;
ALTER FUNCTION @extschema@.cost_event_rollup() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.ingest(jsonb) SECURITY DEFINER;
ALTER FUNCTION @extschema@.ingest(text) SECURITY DEFINER;

GRANT EXECUTE ON FUNCTION @extschema@.ingest(jsonb), @extschema@.ingest(text) TO dexcost_writer;
GRANT EXECUTE ON FUNCTION @extschema@.timezone() TO dexcost_viewer;
-- unpriced_spend asks the catalogue why it cannot price a group of events.
GRANT EXECUTE ON FUNCTION @extschema@.compute_cost(text, text, text, timestamptz, bigint, bigint, bigint, bigint, bigint, bigint)
  TO dexcost_viewer;
-- admin: every function of the schema that exists now (later parts grant their own).
DO $admin$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc AS p
              WHERE p.pronamespace = '@extschema@'::pg_catalog.regnamespace AND p.provolatile <> 'i'
                AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO dexcost_admin', f);
    END LOOP;
END
$admin$;

------------------------------------------------------------------------------------------
-- Tables and views of 0.1 and of the settings part
------------------------------------------------------------------------------------------

-- Tasks: everything but metadata (free-form, may hold prompts) for viewers and finance.
GRANT SELECT (task_id, customer_id, task_type, parent_task_id, root_task_id, ancestor_ids, status, accepted,
              project_id, team, user_id, environment, request_path, product_id, agent_id, agent_version,
              workflow_id, workflow_session_id, experiment_id, variant, started_at, ended_at, created_at)
  ON @extschema@.task TO dexcost_viewer;
GRANT SELECT ON @extschema@.task TO dexcost_finops;
GRANT INSERT ON @extschema@.task TO dexcost_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.task TO dexcost_admin;

-- Events: money, tokens and what was bought; not details, errors, routes, latency or batch ids.
GRANT SELECT (event_id, customer_id, task_id, event_type, occurred_at, provider, model, service_tier, service_name,
              input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
              reasoning_tokens, quantity, quantity_unit, unit_price_usd, cost_usd, cost_confidence, is_retry,
              retry_type, recorded_at)
  ON @extschema@.cost_event TO dexcost_viewer;
GRANT SELECT ON @extschema@.cost_event TO dexcost_finops;
GRANT INSERT ON @extschema@.cost_event TO dexcost_writer;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON @extschema@.cost_event TO dexcost_admin;

-- Derived totals: read by dexcost.task_cost (a security_invoker view).
GRANT SELECT ON @extschema@.task_rollup, @extschema@.task_rollup_delta TO dexcost_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.task_rollup, @extschema@.task_rollup_delta TO dexcost_admin;
GRANT SELECT ON @extschema@.task_cost, @extschema@.unpriced_spend, @extschema@.settings,
                @extschema@.workspace_setting TO dexcost_viewer;
GRANT INSERT, UPDATE, DELETE ON @extschema@.workspace_setting TO dexcost_admin;

-- Prices: everyone who reads reads them (compute_cost does, for unpriced_spend); finops edits them.
GRANT SELECT ON @extschema@.model_price, @extschema@.model_alias TO dexcost_viewer;
GRANT INSERT, UPDATE, DELETE ON @extschema@.model_price, @extschema@.model_alias TO dexcost_finops;
GRANT USAGE ON SEQUENCE @extschema@.model_price_price_id_seq TO dexcost_finops;

-- Revenue: finance reads it; the writer may insert revisions with plain SQL too.
GRANT SELECT ON @extschema@.revenue_revision, @extschema@.revenue_current TO dexcost_finance;
GRANT INSERT ON @extschema@.revenue_revision TO dexcost_writer;
GRANT DELETE ON @extschema@.revenue_revision TO dexcost_admin;

-- Ingest bookkeeping: technical (raw SDK payloads, refusal reasons).
GRANT SELECT ON @extschema@.task_reported_totals, @extschema@.reported_totals_mismatch, @extschema@.ingest_receipt
  TO dexcost_finops;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.task_reported_totals, @extschema@.ingest_pending,
                                        @extschema@.ingest_raw_record, @extschema@.ingest_receipt TO dexcost_admin;

------------------------------------------------------------------------------------------
-- Optional per-customer isolation (row-level security, docs/roles.md)
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.customer_access (
    role_name   name NOT NULL,
    customer_id text NOT NULL,
    CONSTRAINT customer_access_pkey PRIMARY KEY (role_name, customer_id)
);
COMMENT ON TABLE @extschema@.customer_access IS
  'Per-customer isolation: a login (or role) listed here sees and writes only the customers listed for it, once dexcost.set_customer_isolation(true) ran. Roles not listed are not restricted.';
COMMENT ON COLUMN @extschema@.customer_access.role_name IS 'Login or role name (matched against session_user and current_user).';
COMMENT ON COLUMN @extschema@.customer_access.customer_id IS 'A customer that role may see.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_access', '');
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.customer_access TO dexcost_admin;

-- The customers a login (session_user) or role (current_user) is limited to, or NULL when
-- neither has a customer_access row. Runs as the owner, so customer_access stays private.
CREATE FUNCTION @extschema@.allowed_customers(login name, role name) RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  RETURN (SELECT pg_catalog.array_agg(a.customer_id ORDER BY a.customer_id) FROM @extschema@.customer_access AS a
           WHERE a.role_name IN (login, role));
COMMENT ON FUNCTION @extschema@.allowed_customers(name, name) IS
  'Internal: the customers dexcost.customer_access allows a login or role (NULL: not restricted).';
REVOKE EXECUTE ON FUNCTION @extschema@.allowed_customers(name, name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.allowed_customers(name, name) TO dexcost_viewer, dexcost_writer;

-- Row-level security test of the isolation policies (evaluated as the querying role).
CREATE FUNCTION @extschema@.customer_visible(customer_id text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT x.a IS NULL OR customer_visible.customer_id = ANY (x.a)
            FROM (SELECT @extschema@.allowed_customers(SESSION_USER, CURRENT_USER)) AS x(a));
COMMENT ON FUNCTION @extschema@.customer_visible(text) IS
  'Row-level security test: true when neither the session''s login nor the current role has a row in dexcost.customer_access, or one of them has a row for this customer.';
REVOKE EXECUTE ON FUNCTION @extschema@.customer_visible(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.customer_visible(text) TO dexcost_viewer, dexcost_writer;

-- Whether isolation is on, kept as data. pg_dump (PostgreSQL 15) leaves out the RLS switch and
-- the policies of extension member tables, but it dumps this configuration table; its
-- trigger turns the catalogue to match when pg_restore loads the row, so a restored database
-- is isolated exactly like the original without any manual step.
CREATE TABLE @extschema@.customer_isolation (
    singleton  boolean     NOT NULL DEFAULT true,
    enabled    boolean     NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by name        NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT customer_isolation_pkey PRIMARY KEY (singleton),
    CONSTRAINT customer_isolation_singleton_check CHECK (singleton)
);
COMMENT ON TABLE @extschema@.customer_isolation IS
  'Per-customer isolation switch (at most one row; no row: off). Written by dexcost.set_customer_isolation(); its trigger applies it to the catalogue, also when pg_restore loads it.';
COMMENT ON COLUMN @extschema@.customer_isolation.singleton IS 'Always true: the table holds at most one row.';
COMMENT ON COLUMN @extschema@.customer_isolation.enabled IS 'True: row-level security and the customer_isolation policies are on.';
COMMENT ON COLUMN @extschema@.customer_isolation.changed_at IS 'When isolation was last turned on or off.';
COMMENT ON COLUMN @extschema@.customer_isolation.changed_by IS 'The login that last turned it on or off.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.customer_isolation', '');
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.customer_isolation TO dexcost_admin;

-- The tables whose rows belong to customers: customer_isolation_apply() puts the policy on
-- them, isolation_check() checks it is still there (one list, so the two cannot disagree).
CREATE FUNCTION @extschema@.customer_isolation_tables() RETURNS regclass[]
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ARRAY['@extschema@.task', '@extschema@.cost_event', '@extschema@.revenue_revision', '@extschema@.daily_customer',
               '@extschema@.daily_customer_delta', '@extschema@.daily_customer_total', '@extschema@.customer_period',
               '@extschema@.task_rollup', '@extschema@.task_rollup_delta', '@extschema@.task_reported_totals',
               '@extschema@.revenue']::pg_catalog.text[]::pg_catalog.regclass[]  -- resolved per call: revenue comes later
$$;
COMMENT ON FUNCTION @extschema@.customer_isolation_tables() IS
  'Internal: the tables whose rows belong to customers, which per-customer isolation puts the customer_isolation policy on.';
REVOKE EXECUTE ON FUNCTION @extschema@.customer_isolation_tables() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.customer_isolation_tables() TO dexcost_admin;

-- Trigger: makes the catalogue match the switch (a policy and RLS on every table whose rows
-- belong to customers, or none); runs as the owner, who alone may alter those tables.
CREATE FUNCTION @extschema@.customer_isolation_apply() RETURNS trigger
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    enabled constant boolean := CASE WHEN TG_OP = 'DELETE' THEN false ELSE NEW.enabled END;
    t regclass;
BEGIN
    FOREACH t IN ARRAY @extschema@.customer_isolation_tables()
    LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy AS p WHERE p.polrelid = t AND p.polname = 'customer_isolation') THEN
            EXECUTE pg_catalog.format('DROP POLICY customer_isolation ON %s', t);
        END IF;
        IF enabled THEN
            EXECUTE pg_catalog.format('CREATE POLICY customer_isolation ON %s USING (@extschema@.customer_visible(customer_id))'
                                      ' WITH CHECK (@extschema@.customer_visible(customer_id))', t);
            EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        ELSE
            EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', t);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.customer_isolation_apply() IS
  'Trigger: turns row-level security and the customer_isolation policies on or off to match dexcost.customer_isolation (also when pg_restore loads that table).';
REVOKE EXECUTE ON FUNCTION @extschema@.customer_isolation_apply() FROM PUBLIC;
CREATE TRIGGER customer_isolation_apply AFTER INSERT OR UPDATE OR DELETE ON @extschema@.customer_isolation
  FOR EACH ROW EXECUTE FUNCTION @extschema@.customer_isolation_apply();

-- Turns per-customer isolation on or off (the trigger above does the work).
CREATE FUNCTION @extschema@.set_customer_isolation(enabled boolean) RETURNS text
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO @extschema@.customer_isolation AS i (enabled) VALUES (set_customer_isolation.enabled)
      ON CONFLICT (singleton) DO UPDATE SET enabled = excluded.enabled, changed_at = pg_catalog.now(), changed_by = SESSION_USER;
    RETURN CASE WHEN enabled THEN 'on' ELSE 'off' END;
END
$$;
COMMENT ON FUNCTION @extschema@.set_customer_isolation(boolean) IS
  'Turns per-customer isolation (row-level security driven by dexcost.customer_access) on or off for every table whose rows belong to a customer; the setting is kept in dexcost.customer_isolation, so pg_dump/pg_restore carry it.';
REVOKE EXECUTE ON FUNCTION @extschema@.set_customer_isolation(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.set_customer_isolation(boolean) TO dexcost_admin;
