-- reconcile(): provider invoices (real export formats) against tracked cost, with every status.
-- Worked examples, September 2026 (UTC), prices from the seed catalogue (USD per million tokens):
--   gpt-4o input 2.50, output 10.00; gpt-4o-mini input 0.15, cache read 0.075; gpt-4.1 input 2.00.
\set VERBOSITY terse
\set ON_ERROR_ROLLBACK on
SET client_min_messages = warning;
-- One transaction, rolled back at the end: the other suites see none of this data.
BEGIN;

INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
  ('00000000-0000-4000-8000-000000000001', 'acme', 'support'),
  ('00000000-0000-4000-8000-000000000002', 'acme', 'support'),
  ('00000000-0000-4000-8000-000000000003', 'globex', 'research');

-- Tracked side: one event per model, priced by the catalogue (computed).
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, cache_read_tokens, output_tokens)
VALUES
  -- gpt-4o: input 1,030,000 x 2.50 = 2.575 (invoice 2.50: +3 %, ok); output 880,000 x 10 = 8.80 (invoice 10.00: -12 %, under)
  ('00000000-0000-4000-8000-000000000001', 'llm_call', '2026-09-10 12:00+00', 'openai', 'gpt-4o-2024-08-06', 1030000, NULL, 880000),
  -- gpt-4o-mini: the caller put prompt_tokens (2,000,000, of which 500,000 cached) in input_tokens:
  -- input 2,000,000 x 0.15 = 0.30 against the invoice's 1,500,000 uncached = 0.225 (+33.33 %: cached counted twice);
  -- cache read 500,000 x 0.075 = 0.0375, as invoiced (ok)
  ('00000000-0000-4000-8000-000000000001', 'llm_call', '2026-09-11 12:00+00', 'openai', 'gpt-4o-mini', 2000000, 500000, 0),
  -- gpt-4.1: input 1,000,000 x 2.00 = 2.00; the invoice bills the same tokens at 2.40 (-16.67 %, price-table mismatch)
  ('00000000-0000-4000-8000-000000000002', 'llm_call', '2026-09-12 12:00+00', 'openai', 'gpt-4.1', 1000000, 0, 0),
  -- o4-mini: tracked (100,000 x 1.10 = 0.11), but the invoice has no o4-mini line: missing_on_invoice
  ('00000000-0000-4000-8000-000000000002', 'llm_call', '2026-09-13 12:00+00', 'openai', 'o4-mini', 100000, 0, 0),
  -- October: tracked, but no October invoice is imported: missing_on_invoice (ingestion gap)
  ('00000000-0000-4000-8000-000000000002', 'llm_call', '2026-10-02 12:00+00', 'openai', 'gpt-4o', 1000000, 0, 0);
SELECT model, input_tokens, cache_read_tokens, output_tokens, cost_usd, cost_confidence
  FROM dexcost.cost_event WHERE provider = 'openai' ORDER BY occurred_at;

-- OpenAI cost export (the 17-column header). Line items carry commas inside quotes; amounts have 30
-- decimals; 2026-09-02 is an empty bucket; line 8 is bad (an amount that is not a number).
-- This first export still has a line for proj_old that the restated export below drops.
SELECT * FROM dexcost.import_invoice('openai-main', 'openai_costs_csv',
$csv$start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source
1788220800,1788307200,2026-09-01T00:00:00+00:00,2026-09-02T00:00:00+00:00,1.500000000000000000000000000000,usd,600000,tokens,"gpt-4o-2024-08-06, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1788307200,1788393600,2026-09-02T00:00:00,2026-09-03T00:00:00
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,1.000000000000000000000000000000,usd,400000,tokens,"gpt-4o-2024-08-06, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,9.000000000000000000000000000000,usd,900000,tokens,"gpt-4o-2024-08-06, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,5.000000000000000000000000000000,usd,2000000,tokens,"gpt-4o-2024-08-06, input_tokens",,key_z,proj_old,org_1,Old,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,abc,usd,1,tokens,"gpt-4o, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
$csv$);

-- Restated export of the same month: gpt-4o output is now 1,000,000 tokens / 10.00, proj_old is gone,
-- and the other lines appear. The bad line is still there, so refuse_on_error refuses the whole file ...
SELECT format($f$start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source
1788220800,1788307200,2026-09-01T00:00:00+00:00,2026-09-02T00:00:00+00:00,1.500000000000000000000000000000,usd,600000,tokens,"gpt-4o-2024-08-06, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1788307200,1788393600,2026-09-02T00:00:00,2026-09-03T00:00:00
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,1.000000000000000000000000000000,usd,400000,tokens,"gpt-4o-2024-08-06, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,10.000000000000000000000000000000,usd,1000000,tokens,"gpt-4o-2024-08-06, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,0.225000000000000000000000000000,usd,1500000,tokens,"gpt-4o-mini, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,0.037500000000000000000000000000,usd,500000,tokens,"gpt-4o-mini, cached_input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,2.400000000000000000000000000000,usd,1000000,tokens,"gpt-4.1, input_tokens",,key_a,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,0.630000000000000000000000000001,usd,500000,tokens,"gpt-5, input_tokens",,key_b,proj_main,org_1,Main,Acme AI,,
1789430400,1789516800,2026-09-15T00:00:00+00:00,2026-09-16T00:00:00+00:00,-1.000000000000000000000000000000,usd,,,"Promotional credit",,,proj_main,org_1,Main,Acme AI,,
%s$f$, '1789430400,1789516800,,,abc,usd,1,tokens,"gpt-4o, output_tokens",,key_a,proj_main,org_1,Main,Acme AI,,') AS restated \gset
SELECT * FROM dexcost.import_invoice('openai-main', 'openai_costs_csv', :'restated', refuse_on_error => true);
SELECT count(*) AS lines_after_refusal, sum(amount) AS amount_after_refusal FROM dexcost.invoice_line;
-- ... and without the option the good lines load and the bad one is reported (twice: same file twice is idempotent).
SELECT * FROM dexcost.import_invoice('openai-main', 'openai_costs_csv', :'restated');
SELECT status, lines_read, lines_loaded, lines_rejected, lines_removed FROM dexcost.import_invoice('openai-main', 'openai_costs_csv', :'restated');
SELECT i.import_id, i.status, e.line_no, e.reason FROM dexcost.invoice_import AS i
  LEFT JOIN dexcost.invoice_import_error AS e USING (import_id) ORDER BY 1, 3;
SELECT i.import_id, i.lines_rounded, i.covered_from, i.covered_to FROM dexcost.invoice_import AS i ORDER BY 1;
SELECT period_start::date AS day, project_id, model_name, usage_type, tokens, amount, amount_usd, charge_category
  FROM dexcost.invoice_line ORDER BY period_start, item_name;

-- Reconcile September. Hand calculation per row (variance % = (tracked - invoice) / invoice x 100):
--   gpt-4o input        2.575 vs 2.50  -> +3.00 %   ok (within 5 %)
--   gpt-4o output       8.80  vs 10.00 -> -12.00 %  under; tokens -12 % too -> untracked traffic
--   gpt-4o-mini input   0.30  vs 0.225 -> +33.33 %  over; tracked - invoiced tokens = 500,000 = invoiced
--                                                    cache reads -> token-semantics mismatch
--   gpt-4o-mini cache   0.0375 vs 0.0375            ok
--   gpt-4.1 input       2.00  vs 2.40  -> -16.67 %  under; tokens equal -> price-table mismatch
--   gpt-5 input         0     vs 0.63 (0.630...001 rounded half-even to 18 places) -> missing_in_tracking
--   o4-mini input       0.11  vs none              -> missing_on_invoice (the month is invoiced: name mismatch)
--   credit              0     vs -1.00             -> missing_in_tracking, credits/tax
SELECT model, usage_type, tracked_cost_usd, invoiced_cost_usd, variance_usd, variance_pct, tracked_quantity,
       invoiced_quantity, quantity_variance_pct, status, likely_cause
  FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01');
SELECT fix_suggestion FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01') WHERE status <> 'ok' ORDER BY model, usage_type;

-- October: nothing invoiced -> ingestion gap. Day granularity names the day.
SELECT period_start, period_end, model, usage_type, tracked_cost_usd, status, likely_cause
  FROM dexcost.reconcile('openai', '2026-10-01', '2026-11-01', 'day');

-- A 20 % tolerance turns the 12 % under into ok.
SELECT model, usage_type, variance_pct, status FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'month', 20)
 WHERE model = 'gpt-4o';

-- Run history: the September question was asked three times; the latest run's rows are the current ones.
SELECT provider, period_start, period_end, granularity, tolerance_pct, status, result_rows, rows_not_ok, tracked_usd,
       invoiced_usage_usd, invoiced_other_usd, variance_usd, variance_pct, superseded_by IS NOT NULL AS superseded
  FROM dexcost.reconcile_run ORDER BY run_id;
SELECT run_id, count(*) FROM dexcost.reconcile_result GROUP BY 1 ORDER BY 1;
SELECT provider, month, day, model, usage_type, tracked_cost_usd, invoiced_cost_usd, variance_pct, status, run_id
  FROM dexcost.reconciliation_latest ORDER BY provider, day, model, usage_type;

-- Anthropic cost report: amounts are decimal strings in cents ("300.00" is $3.00). Dated model names map
-- through dexcost.model_alias. Tracked: claude-sonnet-4-5 input 100,000 x 3.00 = 0.30, output 10,000 x
-- 15.00 = 0.15, cache read 50,000 x 0.30 = 0.015; web search is not tracked.
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, cache_read_tokens, output_tokens)
VALUES ('00000000-0000-4000-8000-000000000003', 'llm_call', '2026-09-05 08:00+00', 'anthropic', 'claude-sonnet-4-5-20250929', 100000, 50000, 10000);
SELECT * FROM dexcost.import_invoice('anthropic-main', 'anthropic_cost_report', $json${
  "data": [
    {"starting_at": "2026-09-05T00:00:00Z", "ending_at": "2026-09-06T00:00:00Z", "results": [
      {"currency": "USD", "amount": "30.00", "workspace_id": "wrk_1", "description": null, "cost_type": "tokens",
       "context_window": "0-200k", "model": "claude-sonnet-4-5-20250929", "service_tier": "standard",
       "token_type": "uncached_input_tokens", "inference_geo": null},
      {"currency": "USD", "amount": "15", "workspace_id": "wrk_1", "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929",
       "service_tier": "standard", "token_type": "output_tokens"},
      {"currency": "USD", "amount": "1.53", "workspace_id": "wrk_1", "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929",
       "service_tier": "standard", "token_type": "cache_read_input_tokens"},
      {"currency": "USD", "amount": "1000", "workspace_id": "wrk_1", "cost_type": "web_search", "model": "claude-sonnet-4-5-20250929"},
      {"currency": "USD", "amount": "12,5", "workspace_id": "wrk_1", "cost_type": "tokens", "model": "claude-haiku-4-5",
       "token_type": "output_tokens"}
    ]},
    {"starting_at": "2026-09-06T00:00:00Z", "ending_at": "2026-09-07T00:00:00Z", "results": []}
  ],
  "has_more": false, "next_page": null}$json$);
SELECT e.line_no, e.reason FROM dexcost.invoice_import_error AS e JOIN dexcost.invoice_import AS i USING (import_id)
 WHERE i.source = 'anthropic-main';
-- input 0.30 vs "30.00" cents, output 0.15 vs "15" cents: ok; cache read 0.015 vs "1.53" cents = 0.0153 -> -1.96 % ok (no token quantity in this format); web search -> missing_in_tracking
SELECT model, usage_type, tracked_cost_usd, invoiced_cost_usd, variance_pct, status, likely_cause
  FROM dexcost.reconcile('anthropic', '2026-09-01', '2026-10-01');

-- AWS CUR 2.0: Bedrock lines only (the EC2 line is not read); the usage type encodes region, model and
-- direction; Claude4.6Sonnet maps to claude-sonnet-4-6 through a seed invoice_alias. Tracked Bedrock calls
-- carry their exact cost (the catalogue prices Claude under anthropic, not aws).
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens, cost_usd)
VALUES ('00000000-0000-4000-8000-000000000003', 'llm_call', '2026-09-07 08:00+00', 'aws', 'claude-sonnet-4-6', 1000000, 0, 3.09);
SELECT * FROM dexcost.import_invoice('aws-payer', 'aws_cur2',
$csv$identity_line_item_id,bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,line_item_operation,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,pricing_unit
li-1,111111111111,222222222222,Usage,2026-09-07T08:00:00Z,2026-09-07T09:00:00Z,AmazonBedrock,USE1-Claude4.6Sonnet-input-tokens,InvokeModel,1000000,3.0000000000,USD,
li-2,111111111111,222222222222,Usage,2026-09-07T08:00:00Z,2026-09-07T09:00:00Z,AmazonEC2,USE1-BoxUsage:t3.micro,RunInstances,1,0.0104,USD,Hrs
li-3,111111111111,222222222222,Tax,2026-09-01T00:00:00Z,2026-10-01T00:00:00Z,AmazonBedrock,USE1-Claude4.6Sonnet-input-tokens,,,0.27,USD,
$csv$);
SELECT region, model_name, usage_type, tokens, amount, charge_category FROM dexcost.invoice_line WHERE provider = 'aws' ORDER BY line_key;
-- input 3.09 vs 3.00 -> +3 % ok; tax 0.27 -> credits/tax
SELECT model, usage_type, tracked_cost_usd, invoiced_cost_usd, variance_pct, status, likely_cause
  FROM dexcost.reconcile('aws', '2026-09-01', '2026-10-01');

-- FOCUS 1.x (Azure): provider from ProviderName, usage type from the SKU meter words.
SELECT * FROM dexcost.import_invoice('azure-focus', 'focus',
$csv$BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ProviderName,SkuMeter,ConsumedQuantity,ConsumedUnit,SubAccountId,RegionId
4.20,USD,2026-09-01T00:00:00Z,2026-09-02T00:00:00Z,Usage,,Microsoft,"gpt-4o-0806-Inp-glbl Tokens",1.68,1M Tokens,sub-1,eastus
0.33,EUR,2026-09-01T00:00:00Z,2026-10-01T00:00:00Z,Tax,,Microsoft,,,,sub-1,
$csv$);
SELECT provider, item_name, usage_type, tokens, amount, currency, amount_usd, charge_category FROM dexcost.invoice_line
 WHERE source = 'azure-focus' ORDER BY line_key;
-- A FOCUS file without ProviderName needs the provider named (nothing is written without it).
SELECT * FROM dexcost.import_invoice('focus-anon', 'focus',
$csv$BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory
1.00,USD,2026-09-01T00:00:00Z,2026-09-02T00:00:00Z,Usage
$csv$);
SELECT count(*) AS focus_anon_imports FROM dexcost.invoice_import WHERE source = 'focus-anon';

-- The tracked side from the daily pre-aggregate (what reconcile() reads when _daily_is_exact() says it
-- gives the ledger's sums) equals the ledger's, row for row, for every provider and granularity above
-- (times in UTC: reconcile() passes UTC midnights; pg_regress runs in PST8PDT).
CREATE TEMP TABLE tracked_cmp AS
SELECT p.provider, g.gran, dexcost._daily_is_exact(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran) AS daily_exact,
       (SELECT count(*) FROM dexcost._tracked_usage(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran, false)) AS ledger_rows,
       (SELECT count(*) FROM (SELECT * FROM dexcost._tracked_usage(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran, false)
                              EXCEPT ALL
                              SELECT * FROM dexcost._tracked_usage(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran, true)) AS x) AS only_ledger,
       (SELECT count(*) FROM (SELECT * FROM dexcost._tracked_usage(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran, true)
                              EXCEPT ALL
                              SELECT * FROM dexcost._tracked_usage(p.provider, '2026-09-01 00:00+00', '2026-11-01 00:00+00', g.gran, false)) AS x) AS only_daily
  FROM (VALUES ('openai'), ('anthropic'), ('aws')) AS p(provider), (VALUES ('day'), ('week'), ('month')) AS g(gran);
SELECT * FROM tracked_cmp ORDER BY 1, 2;
-- When the daily sums would differ, the ledger is read: a non-llm event on those days (daily_model
-- counts llm_calls only), a cache write (5-minute and 1-hour writes share one daily sum), a workspace
-- time zone whose days do not start at UTC midnight; a mid-period range end is fine when aligned.
SELECT dexcost._daily_is_exact('openai', '2026-09-15 00:00+00', '2026-10-01 00:00+00', 'month') AS mid_month_utc;
SAVEPOINT other_event;
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, cost_usd)
VALUES ('00000000-0000-4000-8000-000000000003', 'external_cost', '2026-09-20 08:00+00', 'pinecone', 0.5);
SELECT dexcost._daily_is_exact('openai', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month') AS with_external_cost,
       dexcost._daily_is_exact('openai', '2026-10-01 00:00+00', '2026-11-01 00:00+00', 'month') AS october_without;
ROLLBACK TO other_event;
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, cache_write_tokens, output_tokens)
VALUES ('00000000-0000-4000-8000-000000000003', 'llm_call', '2026-09-06 08:00+00', 'anthropic', 'claude-sonnet-4-5', 1000, 2000, 10);
SELECT dexcost._daily_is_exact('anthropic', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month') AS anthropic_cache_write,
       dexcost._daily_is_exact('openai', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month') AS openai_unaffected;
SELECT dexcost.set_setting('timezone', 'Europe/London');
SELECT dexcost._daily_is_exact('openai', '2026-09-01 00:00+00', '2026-10-01 00:00+00', 'month') AS london_september,
       dexcost._daily_is_exact('openai', '2026-11-01 00:00+00', '2026-12-01 00:00+00', 'month') AS london_november;
ROLLBACK TO other_event;

-- Errors a caller can make.
SELECT * FROM dexcost.import_invoice('x', 'excel', 'a,b');
SELECT * FROM dexcost.import_invoice('x', 'openai_costs_csv', E'start_time,end_time\n1,2\n');
SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-09-01');
SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'quarter');
SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'month', -1);
ROLLBACK;
