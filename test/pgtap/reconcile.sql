-- pgTAP: reconciliation and statements, beyond the worked examples of test/sql/reconcile*.sql:
-- documented objects, no dependency on session state (what a pg_cron job relies on), restated
-- imports, and the statement month following dexcost.timezone() rather than the session's TimeZone.
BEGIN;
SELECT plan(21);

SELECT has_table('dexcost', t, 'table dexcost.' || t) FROM pg_catalog.unnest(ARRAY['invoice_import', 'invoice_import_error',
    'invoice_line', 'invoice_alias', 'reconcile_run', 'reconcile_result', 'statement_adjustment']) AS t;
SELECT is((SELECT pg_catalog.string_agg(c.relname || '.' || a.attname, ', ' ORDER BY c.relname, a.attnum)
             FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'dexcost'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
              AND c.relname IN ('invoice_import', 'invoice_import_error', 'invoice_line', 'invoice_alias', 'reconcile_run',
                                'reconcile_result', 'statement_adjustment', 'reconciliation_latest')
              AND pg_catalog.col_description(c.oid, a.attnum) IS NULL),
          NULL, 'every column of the reconciliation tables and view has a comment');
SELECT ok((SELECT 'security_invoker=true' = ANY (c.reloptions) FROM pg_catalog.pg_class AS c
            WHERE c.oid = 'dexcost.reconciliation_latest'::regclass), 'reconciliation_latest is security_invoker');

-- Data: one OpenAI event and a daily invoice line for it, 2 % apart.
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('00000000-0000-4000-8000-0000000000e1', 'tap-rec', 't');
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'llm_call', '2026-09-30 23:30+00', 'openai', 'gpt-4o', 1020000, 0);
CREATE TEMP TABLE export AS SELECT
  'start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source' || E'\n' ||
  '1790726400,1790812800,,,2.5,usd,1000000,tokens,"gpt-4o, input_tokens",,k,p,o,,,,' || E'\n' AS csv;
SELECT is((SELECT status FROM dexcost.import_invoice('tap', 'openai_costs_csv', (SELECT csv FROM export))), 'loaded', 'export loaded');

-- Same answer whatever the session's TimeZone, DateStyle and search_path (as under pg_cron).
CREATE TEMP TABLE answer_utc AS
  SELECT period_start, model, usage_type, variance_pct, status FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01');
SET LOCAL TimeZone = 'Pacific/Kiritimati';
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL search_path = '';
CREATE TEMP TABLE answer_other AS
  SELECT period_start, model, usage_type, variance_pct, status FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01');
RESET search_path;
RESET DateStyle;
SELECT results_eq('SELECT * FROM answer_other', 'SELECT * FROM answer_utc', 'reconcile() ignores the session''s time zone, DateStyle and search_path');
SELECT is((SELECT status || ' ' || variance_pct FROM answer_utc), 'ok 2.00', 'the 23:30 UTC event is September''s (UTC periods): 2 % over, ok');
RESET TimeZone;

-- A restated file with the line changed replaces it; loading it twice changes nothing.
UPDATE export SET csv = replace(csv, '2.5,usd,1000000', '2.4,usd,960000');
SELECT is((SELECT lines_loaded || ' ' || lines_removed FROM dexcost.import_invoice('tap', 'openai_costs_csv', (SELECT csv FROM export))),
          '1 0', 'restated line upserted by identity');
SELECT is((SELECT pg_catalog.count(*) || ' ' || pg_catalog.sum(amount) FROM dexcost.invoice_line WHERE source = 'tap'), '1 2.4',
          'one line, restated amount');

-- A source's first import goes through the bulk loader (_load_invoice); what it does not handle falls back
-- to the SQL upsert: a file repeating an identity (its lines summed), a table with a trigger (which then
-- sees every line). The loader checks INSERT on invoice_line like an INSERT would.
CREATE TEMP TABLE line AS SELECT '1790726400,1790812800,,,2.5,usd,1000000,tokens,"gpt-4o, input_tokens",,k,p,o,,,,' AS l,
                                 pg_catalog.split_part((SELECT csv FROM export), E'\n', 1) AS header;
SELECT is((SELECT lines_read || ' ' || lines_loaded FROM dexcost.import_invoice('tap-dup', 'openai_costs_csv',
             (SELECT header || E'\n' || l || E'\n' || l || E'\n' FROM line))),
          '2 1', 'first import repeating an identity: one line');
SELECT is((SELECT pg_catalog.sum(amount) FROM dexcost.invoice_line WHERE source = 'tap-dup'), 5.0::numeric,
          'its amounts summed');
CREATE TEMP TABLE seen (line_key text);
CREATE FUNCTION pg_temp.seen_line() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN INSERT INTO seen VALUES (NEW.line_key); RETURN NEW; END$f$;
CREATE TRIGGER tap_seen BEFORE INSERT ON dexcost.invoice_line FOR EACH ROW EXECUTE FUNCTION pg_temp.seen_line();
SELECT is((SELECT lines_loaded FROM dexcost.import_invoice('tap-trig', 'openai_costs_csv',
                    (SELECT header || E'\n' || l || E'\n' || pg_catalog.replace(l, ',k,', ',k2,') || E'\n' FROM line))),
          2, 'with a trigger on invoice_line, the first import loads ...');
SELECT is((SELECT pg_catalog.count(*) FROM seen), 2::bigint, '... through the SQL path: the trigger saw each line');
DROP TRIGGER tap_seen ON dexcost.invoice_line;
CREATE ROLE tap_no_insert;
GRANT USAGE ON SCHEMA dexcost TO tap_no_insert;
GRANT EXECUTE ON FUNCTION dexcost._load_invoice(bigint, text, text, text, text) TO tap_no_insert;
SET LOCAL ROLE tap_no_insert;
SELECT throws_ok($$SELECT * FROM dexcost._load_invoice(1, 'tap-x', NULL, 'openai_costs_csv', 'start_time,end_time')$$,
                 '42501', NULL, 'the bulk loader needs INSERT on invoice_line');
RESET ROLE;
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.invoice_line WHERE source = 'tap-x'), 0::bigint, 'and wrote nothing');

-- The statement month follows dexcost.timezone(), not the session.
SELECT dexcost.set_setting('timezone', 'Asia/Tokyo');  -- 2026-09-30 23:30 UTC is October 1 in Tokyo
SET LOCAL TimeZone = 'America/Los_Angeles';
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.to_char(s.for_month, 'YYYY-MM') || '=' || s.amount, ',' ORDER BY s.for_month)
             FROM (SELECT m AS for_month, (SELECT amount_usd FROM dexcost.statement('tap-rec', m) WHERE item = 'AI cost') AS amount
                     FROM pg_catalog.unnest(ARRAY[date '2026-09-01', date '2026-10-01']) AS m) AS s),
          '2026-09=0,2026-10=2.55', 'the statement month is the workspace time zone''s');

SELECT * FROM finish();
ROLLBACK;
