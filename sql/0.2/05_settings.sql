
------------------------------------------------------------------------------------------
-- Workspace settings (dexcost.timezone, ...): one row per setting changed from its default
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.workspace_setting (
    name        text        NOT NULL PRIMARY KEY,
    value       text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by  name        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT workspace_setting_name_check CHECK (name IN ('timezone'))
);
COMMENT ON TABLE @extschema@.workspace_setting IS
  'Workspace settings changed from their defaults (see dexcost.settings for every setting and its default). Change them with dexcost.set_setting().';
COMMENT ON COLUMN @extschema@.workspace_setting.name IS 'Setting name without the dexcost. prefix (timezone).';
COMMENT ON COLUMN @extschema@.workspace_setting.value IS 'The value, as text.';
COMMENT ON COLUMN @extschema@.workspace_setting.updated_at IS 'When it was last changed.';
COMMENT ON COLUMN @extschema@.workspace_setting.updated_by IS 'The role that changed it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.workspace_setting', '');

CREATE FUNCTION @extschema@.timezone() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN COALESCE((SELECT s.value FROM @extschema@.workspace_setting AS s WHERE s.name = 'timezone'), 'UTC');
COMMENT ON FUNCTION @extschema@.timezone() IS
  'The workspace time zone (setting dexcost.timezone, default UTC): the day boundaries of every daily view, budget and statement.';

CREATE VIEW @extschema@.settings AS
  SELECT d.name, COALESCE(s.value, d.default_value) AS value, d.default_value, d.description,
         s.updated_at, s.updated_by
    FROM (VALUES ('timezone', 'UTC',
                  'Time zone (IANA name such as Europe/Berlin) of day and month boundaries in daily views, budgets and statements.'))
         AS d(name, default_value, description)
    LEFT JOIN @extschema@.workspace_setting AS s ON s.name = d.name;
COMMENT ON VIEW @extschema@.settings IS 'Every workspace setting with its current value, default and meaning.';
COMMENT ON COLUMN @extschema@.settings.name IS 'Setting name without the dexcost. prefix.';
COMMENT ON COLUMN @extschema@.settings.value IS 'Current value (the default when never changed).';
COMMENT ON COLUMN @extschema@.settings.default_value IS 'Value used when the setting was never changed.';
COMMENT ON COLUMN @extschema@.settings.description IS 'What the setting controls.';
COMMENT ON COLUMN @extschema@.settings.updated_at IS 'When it was last changed (NULL: never).';
COMMENT ON COLUMN @extschema@.settings.updated_by IS 'The role that last changed it (NULL: never).';

CREATE FUNCTION @extschema@.set_setting(setting_name text, new_value text) RETURNS text
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF setting_name = 'timezone' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = new_value) THEN
            RAISE EXCEPTION 'unknown time zone "%"', new_value
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'Use an IANA name from pg_timezone_names, such as UTC or Europe/Berlin.';
        END IF;
    ELSE
        RAISE EXCEPTION 'unknown setting "%"', setting_name
          USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM dexcost.settings lists them.';
    END IF;
    INSERT INTO @extschema@.workspace_setting AS s (name, value) VALUES (setting_name, new_value)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = pg_catalog.now(), updated_by = CURRENT_USER;
    -- The trigger workspace_setting_changed (part 95_restore.sql) rebuilds what depends on it.
    RETURN new_value;
END
$$;
COMMENT ON FUNCTION @extschema@.set_setting(text, text) IS
  'Changes a workspace setting (see dexcost.settings) and rebuilds what depends on it in the same transaction (a new time zone rebuilds the daily pre-aggregates).';

-- Rebuilds the derived data that depends on a setting: the daily pre-aggregates (part
-- 20_daily.sql) hold days in the workspace time zone.
CREATE FUNCTION @extschema@.setting_changed(setting_name text) RETURNS void
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF setting_name = 'timezone' THEN
        PERFORM @extschema@.rebuild_daily();
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.setting_changed(text) IS
  'Internal: rebuilds the derived data that depends on a setting after dexcost.set_setting() changed it.';
