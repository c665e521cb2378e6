
------------------------------------------------------------------------------------------
-- Restores (docs/roles.md, Backup and restore)
--
-- pg_dump writes the rows of dexcost's tables as TABLE DATA entries that depend on nothing
-- but their table (the extension's, not in the dump): the foreign keys between them only
-- order the entries, and a serial pg_restore follows that order. pg_restore -j runs the
-- entries in any order, each in its own session and transaction, while the foreign keys and
-- triggers already exist (CREATE EXTENSION made them): events arrive before their tasks,
-- alerts before their budgets, and some tables load while others fail. So a pg_restore
-- session loads dexcost's rows only where the order holds: the session that created the
-- extension (a serial restore) or one transaction (pg_restore --single-transaction). A
-- parallel worker is neither, and every one of its loads is refused before a row is
-- written: the tables stay as CREATE EXTENSION left them, never half restored.
------------------------------------------------------------------------------------------

-- Marks this session as the one that created (or updated) the extension; a set_config at
-- session level outlives the script, and rolls back with it.
SELECT pg_catalog.set_config('dexcost_restore.extension_created_here', 'on', false);

CREATE FUNCTION @extschema@.restore_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Inside BEGIN ... COMMIT (pg_restore --single-transaction) the statement started after
    -- the transaction; an autocommit COPY of a parallel worker starts with it.
    IF pg_catalog.statement_timestamp() <> pg_catalog.transaction_timestamp()
       OR pg_catalog.current_setting('dexcost_restore.extension_created_here', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'pg_restore cannot load dexcost.% in this session', TG_TABLE_NAME
        USING ERRCODE = '55000',
              DETAIL = 'dexcost''s tables reference each other (an event needs its task, an alert its budget), '
                       'and pg_restore -j loads them in any order, each in its own session. dexcost accepts '
                       'its rows from the session that created the extension, or inside one transaction.',
              HINT = 'Load dexcost''s rows in one transaction: pg_restore --section=data --schema=dexcost '
                     '--single-transaction -d <database> <dump> (docs/roles.md, Backup and restore).';
END;
$$;
COMMENT ON FUNCTION @extschema@.restore_guard() IS
  'Trigger: refuses rows that a pg_restore session loads into a dexcost table outside the session that created the extension and outside one transaction (a pg_restore -j worker).';

-- One guard per table whose rows are dumped (every configuration table registered so far).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT n.nspname, c.relname
               FROM pg_catalog.pg_extension AS e
              CROSS JOIN LATERAL pg_catalog.unnest(e.extconfig) AS x(oid)
               JOIN pg_catalog.pg_class AS c ON c.oid = x.oid AND c.relkind = 'r'
               JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
              WHERE e.extname = 'dexcost'
              ORDER BY c.relname LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER restore_guard BEFORE INSERT ON %1$I.%2$I FOR EACH STATEMENT '
            'WHEN (pg_catalog.current_setting(''application_name'') = ''pg_restore'') '
            'EXECUTE FUNCTION %1$I.restore_guard()', t.nspname, t.relname);
    END LOOP;
END
$$;

-- A time zone written straight into workspace_setting (a restore's COPY, which loads it after
-- the ledger) rebuilds the daily tables as set_setting() does; set_setting() relies on it.
CREATE FUNCTION @extschema@.workspace_setting_changed() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM @extschema@.setting_changed(OLD.name);
    ELSIF TG_OP = 'INSERT' OR NEW.value IS DISTINCT FROM OLD.value OR NEW.name IS DISTINCT FROM OLD.name THEN
        PERFORM @extschema@.setting_changed(NEW.name);
        IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN
            PERFORM @extschema@.setting_changed(OLD.name);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.workspace_setting_changed() IS
  'Trigger: after a workspace setting row changes (through set_setting() or a restore''s COPY), rebuilds what depends on it.';
CREATE TRIGGER workspace_setting_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.workspace_setting
  FOR EACH ROW EXECUTE FUNCTION @extschema@.workspace_setting_changed();

-- Trigger functions are never called directly.
REVOKE EXECUTE ON FUNCTION @extschema@.restore_guard(), @extschema@.workspace_setting_changed() FROM PUBLIC;
