-- pgTAP: who may touch dexcost's data.
--
-- No roles ship yet (a later issue): for now nobody but the owner reads or writes the
-- tables, and the seed price rows are read-only even for the owner.
BEGIN;
SELECT plan(36);

-- A role with no grants at all, gone again at ROLLBACK.
CREATE ROLE dexcost_tap_nobody NOLOGIN;

------------------------------------------------------------------------------------------
-- PUBLIC and a fresh role have no privilege on the schema or its objects
------------------------------------------------------------------------------------------

SELECT schema_privs_are('dexcost', 'public', ARRAY[]::name[], 'PUBLIC has no privilege on schema dexcost');
SELECT schema_privs_are('dexcost', 'dexcost_tap_nobody', ARRAY[]::name[],
                        'a fresh role has no privilege on schema dexcost');

SELECT table_privs_are('dexcost', 'task', 'public', ARRAY[]::name[], 'PUBLIC has no privilege on dexcost.task');
SELECT table_privs_are('dexcost', 'cost_event', 'public', ARRAY[]::name[], 'PUBLIC has no privilege on dexcost.cost_event');
SELECT table_privs_are('dexcost', 'model_price', 'public', ARRAY[]::name[], 'PUBLIC has no privilege on dexcost.model_price');
SELECT table_privs_are('dexcost', 'model_alias', 'public', ARRAY[]::name[], 'PUBLIC has no privilege on dexcost.model_alias');
SELECT table_privs_are('dexcost', 'unpriced_spend', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.unpriced_spend');
SELECT sequence_privs_are('dexcost', 'model_price_price_id_seq', 'public', ARRAY[]::name[],
                          'PUBLIC has no privilege on dexcost.model_price_price_id_seq');

SELECT table_privs_are('dexcost', 'task', 'dexcost_tap_nobody', ARRAY[]::name[],
                       'a fresh role has no privilege on dexcost.task');
SELECT table_privs_are('dexcost', 'cost_event', 'dexcost_tap_nobody', ARRAY[]::name[],
                       'a fresh role has no privilege on dexcost.cost_event');
SELECT table_privs_are('dexcost', 'model_price', 'dexcost_tap_nobody', ARRAY[]::name[],
                       'a fresh role has no privilege on dexcost.model_price');
SELECT table_privs_are('dexcost', 'model_alias', 'dexcost_tap_nobody', ARRAY[]::name[],
                       'a fresh role has no privilege on dexcost.model_alias');
SELECT table_privs_are('dexcost', 'unpriced_spend', 'dexcost_tap_nobody', ARRAY[]::name[],
                       'a fresh role has no privilege on dexcost.unpriced_spend');
SELECT sequence_privs_are('dexcost', 'model_price_price_id_seq', 'dexcost_tap_nobody', ARRAY[]::name[],
                          'a fresh role has no privilege on dexcost.model_price_price_id_seq');

-- The same, tried for real: the fresh role runs each statement and records the SQLSTATE it
-- got in a custom setting (it may not write to pgTAP's own temporary tables). It is even
-- given USAGE on the schema, so a refusal comes from the table's own privileges.
CREATE FUNCTION pg_temp.attempts() RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
    stmt text;
    outcome text := '';
BEGIN
    FOREACH stmt IN ARRAY ARRAY[
        'SELECT 1 FROM dexcost.task',
        'SELECT 1 FROM dexcost.cost_event',
        'SELECT 1 FROM dexcost.model_price',
        'SELECT 1 FROM dexcost.model_alias',
        'SELECT 1 FROM dexcost.unpriced_spend',
        $q$INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES (gen_random_uuid(), 'acme', 'x')$q$,
        $q$INSERT INTO dexcost.cost_event (task_id, event_type, cost_usd) VALUES (gen_random_uuid(), 'external_cost', 1)$q$,
        $q$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
           VALUES ('acme-ai', 'm', 'input', 1, 'x')$q$,
        $q$INSERT INTO dexcost.model_alias (provider, alias, model) VALUES ('openai', 'x', 'gpt-4o')$q$]
    LOOP
        BEGIN
            EXECUTE stmt;
            outcome := outcome || 'allowed;';
        EXCEPTION WHEN OTHERS THEN
            outcome := outcome || SQLSTATE || ';';
        END;
    END LOOP;
    RETURN outcome;
END;
$$;
GRANT USAGE ON SCHEMA dexcost TO dexcost_tap_nobody;

SET LOCAL ROLE dexcost_tap_nobody;
DO $$ BEGIN PERFORM pg_catalog.set_config('dexcost_tap.outcome', pg_temp.attempts(), true); END $$;
RESET ROLE;
SELECT is(pg_catalog.current_setting('dexcost_tap.outcome'),
          '42501;42501;42501;42501;42501;42501;42501;42501;42501;',
          'a role with USAGE on the schema but no grants can neither SELECT from nor INSERT into any dexcost table or view');

------------------------------------------------------------------------------------------
-- Seed prices and aliases are read-only, even for the owner (a superuser here)
------------------------------------------------------------------------------------------

SELECT is((SELECT count(*) FROM dexcost.model_price WHERE is_seed), 97::bigint, 'the catalogue ships 97 seed prices');
SELECT is((SELECT count(*) FROM dexcost.model_alias WHERE is_seed), 14::bigint, 'the catalogue ships 14 seed aliases');

SELECT throws_ok(
    $$UPDATE dexcost.model_price SET usd_per_mtok = 0
       WHERE is_seed AND provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' AND usage_type = 'input'$$,
    '42501', NULL, 'updating a seed price raises 42501');
SELECT throws_ok(
    $$UPDATE dexcost.model_price SET valid_to = '2030-01-01' WHERE is_seed$$,
    '42501', NULL, 'closing every seed price raises 42501');
SELECT throws_ok(
    $$UPDATE dexcost.model_price SET is_seed = false
       WHERE is_seed AND provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' AND usage_type = 'input'$$,
    '42501', NULL, 'turning a seed price into a user price raises 42501');
SELECT throws_ok(
    $$DELETE FROM dexcost.model_price
       WHERE is_seed AND provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' AND usage_type = 'input'$$,
    '42501', NULL, 'deleting a seed price raises 42501');
SELECT throws_ok(
    $$DELETE FROM dexcost.model_price WHERE is_seed$$,
    '42501', NULL, 'deleting every seed price raises 42501');
SELECT throws_ok(
    $$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source, is_seed)
      VALUES ('acme-ai', 'm', 'input', 1, 'pgTAP', true)$$,
    '42501', NULL, 'inserting a seed price raises 42501');

SELECT throws_ok(
    $$UPDATE dexcost.model_alias SET model = 'gpt-4o-mini' WHERE is_seed AND alias = 'gpt-4o-2024-08-06'$$,
    '42501', NULL, 'updating a seed alias raises 42501');
SELECT throws_ok(
    $$DELETE FROM dexcost.model_alias WHERE is_seed AND alias = 'gpt-4o-2024-08-06'$$,
    '42501', NULL, 'deleting a seed alias raises 42501');
SELECT throws_ok(
    $$INSERT INTO dexcost.model_alias (provider, alias, model, is_seed) VALUES ('openai', 'gpt-4o-x', 'gpt-4o', true)$$,
    '42501', NULL, 'inserting a seed alias raises 42501');

SELECT results_eq(
    $$SELECT usd_per_mtok, valid_to FROM dexcost.model_price
       WHERE is_seed AND provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' AND usage_type = 'input'$$,
    $$VALUES (2.50, NULL::timestamptz)$$,
    'the seed price of gpt-4o input is still 2.50 and open-ended');
SELECT is((SELECT count(*) FROM dexcost.model_price WHERE is_seed), 97::bigint, 'all 97 seed prices are still there');
SELECT is((SELECT count(*) FROM dexcost.model_alias WHERE is_seed), 14::bigint, 'all 14 seed aliases are still there');

-- The guard is for seed rows only: the owner manages its own rows freely.
SELECT lives_ok(
    $$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
      VALUES ('openai', 'gpt-4o', 'input', 2.00, 'pgTAP: negotiated')$$,
    'the owner can add a price row');
SELECT lives_ok(
    $$UPDATE dexcost.model_price SET usd_per_mtok = 2.10 WHERE NOT is_seed AND model = 'gpt-4o'$$,
    'the owner can change its own price row');
SELECT lives_ok(
    $$DELETE FROM dexcost.model_price WHERE NOT is_seed AND model = 'gpt-4o'$$,
    'the owner can delete its own price row');
SELECT lives_ok(
    $$INSERT INTO dexcost.model_alias (provider, alias, model) VALUES ('openai', 'gpt-4o-2024-08-06', 'gpt-4o-mini')$$,
    'the owner can add its own row for a seeded alias name');
SELECT lives_ok(
    $$DELETE FROM dexcost.model_alias WHERE NOT is_seed AND alias = 'gpt-4o-2024-08-06'$$,
    'the owner can delete its own alias row');

-- TRUNCATE fires no row trigger: a BEFORE TRUNCATE statement trigger keeps the seed rows
-- read-only for the owner too.
SELECT throws_ok($$TRUNCATE dexcost.model_price$$, '42501', NULL,
                 'TRUNCATE of model_price, which holds seed rows, raises 42501');
SELECT throws_ok($$TRUNCATE dexcost.model_alias$$, '42501', NULL,
                 'TRUNCATE of model_alias, which holds seed rows, raises 42501');

SELECT * FROM finish();
ROLLBACK;
