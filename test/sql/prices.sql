-- The price catalogue: compute_cost() over the seed prices, effective dates, every model_price and
-- model_alias error, and reprice().
-- Own price rows use explicit price_ids 1001..; task ids c0000000-...; event ids c1000000-...;
-- customer pr-acme. Everything this file adds is deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- The seed rows used below (USD per million tokens); pricing_version lists these price_ids.
SELECT price_id, provider, model, service_tier, usage_type, min_input_tokens, usd_per_mtok
  FROM dexcost.model_price
 WHERE is_seed AND (provider, model) IN (('openai', 'gpt-4o'), ('openai', 'gpt-5'), ('openai', 'o4-mini'),
                                         ('openai', 'gpt-4.1'), ('anthropic', 'claude-sonnet-4-5'),
                                         ('anthropic', 'claude-haiku-4-5'), ('google', 'gemini-2.5-pro'),
                                         ('deepseek', 'deepseek-chat'))
 ORDER BY price_id;

------------------------------------------------------------------------------------------
-- compute_cost() over the seed catalogue, at a fixed instant
------------------------------------------------------------------------------------------
-- Standard: 1M x 2.50/1e6 + 1M x 10.00/1e6 = 2.5 + 10 = 12.5
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000, output_tokens => 1000000);
-- Batch: 1M x 1.25/1e6 + 1M x 5.00/1e6 = 1.25 + 5 = 6.25
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'batch', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000, output_tokens => 1000000);
-- Flex has only an input price for gpt-5: 1M x 0.625/1e6 = 0.625 ...
SELECT * FROM dexcost.compute_cost('openai', 'gpt-5', 'flex', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000);
-- ... and output tokens make the call unpriceable rather than half priced.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-5', 'flex', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000, output_tokens => 10);
-- An output count of 0 needs no output price: still 0.625.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-5', 'flex', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000, output_tokens => 0);
-- Priority: 1M x 2.50/1e6 = 2.5
SELECT * FROM dexcost.compute_cost('openai', 'gpt-5', 'priority', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000);
-- A tier the model has no prices for at all.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-5', 'batch', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000000);

-- The >200K band of claude-sonnet-4-5 applies when the prompt (input + cache tokens) has 200001 or more.
-- 200000 input: base band, 200000 x 3.00/1e6 + 1000 x 15.00/1e6 = 0.6 + 0.015 = 0.615
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-sonnet-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 200000, output_tokens => 1000);
-- 200001 input: every bucket at the band's price, 200001 x 6.00/1e6 + 1000 x 22.50/1e6
--   = 1.200006 + 0.0225 = 1.222506
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-sonnet-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 200001, output_tokens => 1000);
-- Cache tokens count towards the band: 1 + 100000 + 100000 = 200001 prompt tokens.
--   1 x 6.00/1e6 + 100000 x 0.60/1e6 + 100000 x 7.50/1e6 + 1000 x 22.50/1e6
--   = 0.000006 + 0.06 + 0.75 + 0.0225 = 0.832506
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-sonnet-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1, cache_read_tokens => 100000, cache_write_tokens => 100000,
                                   output_tokens => 1000);

-- Cache writes: the 5-minute and the 1-hour lifetime have their own prices (claude-haiku-4-5).
-- 1M x 1.25/1e6 = 1.25
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-haiku-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   cache_write_tokens => 1000000);
-- 1M x 2.00/1e6 = 2
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-haiku-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   cache_write_1h_tokens => 1000000);
-- 1000 x 1.00/1e6 + 4000 x 0.10/1e6 + 200000 x 1.25/1e6 + 300000 x 2.00/1e6 + 500 x 5.00/1e6
--   = 0.001 + 0.0004 + 0.25 + 0.6 + 0.0025 = 0.8539
SELECT * FROM dexcost.compute_cost('anthropic', 'claude-haiku-4-5', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000, cache_read_tokens => 4000, cache_write_tokens => 200000,
                                   cache_write_1h_tokens => 300000, output_tokens => 500);
-- deepseek-chat prices cache writes at 0 (a price of zero is a price) and has no 1-hour write price.
SELECT * FROM dexcost.compute_cost('deepseek', 'deepseek-chat', 'standard', '2026-03-01 00:00:00+00',
                                   cache_write_tokens => 1000);
SELECT * FROM dexcost.compute_cost('deepseek', 'deepseek-chat', 'standard', '2026-03-01 00:00:00+00',
                                   cache_write_1h_tokens => 1000);

-- Reasoning tokens are billed at the output price when the model has no reasoning price (o4-mini).
-- 1M x 4.40/1e6 = 4.4
SELECT * FROM dexcost.compute_cost('openai', 'o4-mini', 'standard', '2026-03-01 00:00:00+00',
                                   reasoning_tokens => 1000000);
-- 2000 x 1.10/1e6 + (1000 + 9000) x 4.40/1e6 = 0.0022 + 0.044 = 0.0462
SELECT * FROM dexcost.compute_cost('openai', 'o4-mini', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 2000, output_tokens => 1000, reasoning_tokens => 9000);

-- Aliases: a dated snapshot is priced as its catalogue model. 1000 x 2.50/1e6 = 0.0025
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o-2024-08-06', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000);
-- Provider left NULL: a model or alias that only one provider has finds it.
-- gemini-2.5-pro: 1000 x 1.25/1e6 + 100 x 10.00/1e6 = 0.00125 + 0.001 = 0.00225
SELECT * FROM dexcost.compute_cost(NULL, 'gemini-2.5-pro', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000, output_tokens => 100);
-- claude-sonnet-4-5-20250929 -> claude-sonnet-4-5: 1000 x 3.00/1e6 = 0.003
SELECT * FROM dexcost.compute_cost(NULL, 'claude-sonnet-4-5-20250929', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000);
-- The arguments after model default to the standard tier, now() and no tokens.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o');

-- What cannot be priced says why, with a NULL cost (never 0).
SELECT * FROM dexcost.compute_cost('openai', 'gpt-9', 'standard', '2026-03-01 00:00:00+00', input_tokens => 1000);
SELECT * FROM dexcost.compute_cost(NULL, 'gpt-9', 'standard', '2026-03-01 00:00:00+00', input_tokens => 1000);
SELECT * FROM dexcost.compute_cost('anthropic', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00', input_tokens => 1000);
SELECT * FROM dexcost.compute_cost('openai', NULL, 'standard', '2026-03-01 00:00:00+00', input_tokens => 1000);
-- All token counts NULL: nothing to price.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00');
-- Zero tokens cost exactly 0, priced with no price row.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 0, output_tokens => 0);

-- Bad arguments.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'economy', '2026-03-01 00:00:00+00', input_tokens => 1);
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', NULL, input_tokens => 1);
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00', input_tokens => -1);
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', 'standard', '2026-03-01 00:00:00+00', reasoning_tokens => -7);

------------------------------------------------------------------------------------------
-- Effective dates: a price of our own for April 2026 overrides the seed price inside
-- [valid_from, valid_to) only.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, valid_from, valid_to, source)
VALUES (1001, 'openai', 'gpt-4o', 'input', 2.00, '2026-04-01 00:00:00+00', '2026-05-01 00:00:00+00', 'contract')
RETURNING price_id, provider, model, service_tier, usage_type, usd_per_mtok, valid_from, valid_to, is_seed;
-- 1M input + 1M output: seed 2.50 + 10.00 = 12.5; in April 2.00 [1001] + 10.00 [23] = 12.
SELECT at, c.*
  FROM unnest(ARRAY['2026-03-31 23:59:59.999999+00', '2026-04-01 00:00:00+00',
                    '2026-04-30 23:59:59.999999+00', '2026-05-01 00:00:00+00']::timestamptz[]) AS at,
       dexcost.compute_cost('openai', 'gpt-4o', 'standard', at, input_tokens => 1000000, output_tokens => 1000000) AS c
 ORDER BY at;

------------------------------------------------------------------------------------------
-- model_price errors
------------------------------------------------------------------------------------------
-- Overlap with a price of our own, with a hint that shows the fix ...
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, valid_from, source)
VALUES (1002, 'openai', 'gpt-4o', 'input', 1.80, '2026-04-15 00:00:00+00', 'contract');
-- ... which works.
UPDATE dexcost.model_price SET valid_to = '2026-04-15 00:00:00+00' WHERE price_id = 1001;
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, valid_from, source)
VALUES (1002, 'openai', 'gpt-4o', 'input', 1.80, '2026-04-15 00:00:00+00', 'contract')
RETURNING price_id, usd_per_mtok, valid_from, valid_to;
-- 1M input on 2026-04-14 x 2.00 = 2; on 2026-04-15 x 1.80 = 1.8; in June still 1.8 (open end).
SELECT at, c.cost_usd, c.pricing_version
  FROM unnest(ARRAY['2026-04-14 12:00:00+00', '2026-04-15 00:00:00+00', '2026-06-01 00:00:00+00']::timestamptz[]) AS at,
       dexcost.compute_cost('openai', 'gpt-4o', 'standard', at, input_tokens => 1000000) AS c
 ORDER BY at;

-- Vocabulary.
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'image', 2.00, 'test');
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, service_tier, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'input', 'economy', 2.00, 'test');
-- The price itself.
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'input', -2.00, 'test');
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'input', 'NaN', 'test');
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'input', 'Infinity', 'test');
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'openai', 'gpt-4o', 'input', 0.1234567890123, 'test');
-- Trailing zeros beyond 12 places are no extra precision: accepted (a different model, no overlap).
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source)
VALUES (1003, 'acme', 'acme-tiny', 'input', 0.123456789012000, 'test')
RETURNING price_id, usd_per_mtok;
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, currency, source)
VALUES (1004, 'openai', 'gpt-4o', 'input', 1.85, 'EUR', 'test');
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, min_input_tokens, source)
VALUES (1004, 'openai', 'gpt-4o', 'input', 5.00, -1, 'test');
-- The period.
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, valid_from, valid_to, source)
VALUES (1004, 'openai', 'gpt-4o', 'output', 9.00, '2026-06-01 00:00:00+00', '2026-05-01 00:00:00+00', 'test');
-- Seed rows are read-only and cannot be added.
UPDATE dexcost.model_price SET usd_per_mtok = 3.00 WHERE price_id = 21;
DELETE FROM dexcost.model_price WHERE price_id = 21;
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source, is_seed)
VALUES (1004, 'openai', 'gpt-4o', 'output', 9.00, 'test', true);
SELECT price_id, usd_per_mtok, is_seed FROM dexcost.model_price WHERE price_id = 21;

------------------------------------------------------------------------------------------
-- model_alias: seed rows are read-only too; an own row for the same alias takes precedence.
------------------------------------------------------------------------------------------
UPDATE dexcost.model_alias SET model = 'gpt-4.1' WHERE provider = 'openai' AND alias = 'gpt-4o-2024-08-06';
DELETE FROM dexcost.model_alias WHERE provider = 'openai' AND alias = 'gpt-4o-2024-08-06';
INSERT INTO dexcost.model_alias (provider, alias, model, is_seed) VALUES ('openai', 'gpt-4o-latest', 'gpt-4o', true);
-- gpt-4o-2024-08-06 re-pointed to gpt-4.1: 1000 x 2.00/1e6 = 0.002 [15] instead of 0.0025 [21].
INSERT INTO dexcost.model_alias (provider, alias, model, note)
VALUES ('openai', 'gpt-4o-2024-08-06', 'gpt-4.1', 'our deployment runs gpt-4.1 under this name');
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o-2024-08-06', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000);
DELETE FROM dexcost.model_alias WHERE provider = 'openai' AND alias = 'gpt-4o-2024-08-06' AND NOT is_seed;
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o-2024-08-06', 'standard', '2026-03-01 00:00:00+00',
                                   input_tokens => 1000);

------------------------------------------------------------------------------------------
-- reprice(): gpt-4.1 gets cheaper on 2026-03-16 (input 2.00 -> 1.50, output 8.00 -> 6.00).
------------------------------------------------------------------------------------------
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('c0000000-0000-0000-0000-000000000001', 'pr-acme', 'support_ticket_summary.v2', '2026-03-01 00:00:00+00');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_tier,
                                input_tokens, output_tokens, quantity, unit_price_usd, cost_usd, cost_confidence,
                                pricing_version)
VALUES -- computed, before the change: 100000 x 2.00/1e6 + 10000 x 8.00/1e6 = 0.2 + 0.08 = 0.28
       ('c1000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-05 10:00:00+00', 'openai', 'gpt-4.1', 'standard', 100000, 10000, NULL, NULL, NULL, NULL, NULL),
       -- computed, after the change: 0.28 with the seed prices for now
       ('c1000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-20 10:00:00+00', 'openai', 'gpt-4.1', 'standard', 100000, 10000, NULL, NULL, NULL, NULL, NULL),
       -- computed, after the change: 50000 x 2.00/1e6 + 5000 x 8.00/1e6 = 0.1 + 0.04 = 0.14
       ('c1000000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-25 10:00:00+00', 'openai', 'gpt-4.1', 'standard', 50000, 5000, NULL, NULL, NULL, NULL, NULL),
       -- exact: the provider's figure
       ('c1000000-0000-0000-0000-000000000004', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-21 10:00:00+00', 'openai', 'gpt-4.1', 'standard', 100000, 10000, NULL, NULL, 0.30, NULL, NULL),
       -- estimated: 10 x 0.01 = 0.10
       ('c1000000-0000-0000-0000-000000000005', 'c0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-22 10:00:00+00', NULL, NULL, 'standard', NULL, NULL, 10, 0.01, NULL, NULL, NULL),
       -- unknown: a snapshot name the catalogue does not know
       ('c1000000-0000-0000-0000-000000000006', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-22 11:00:00+00', 'openai', 'gpt-4.1-2026-03-01', 'standard', 10000, 1000, NULL, NULL, NULL, NULL, NULL),
       -- unknown: no batch prices for gpt-5
       ('c1000000-0000-0000-0000-000000000007', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-23 10:00:00+00', 'openai', 'gpt-5', 'batch', 20000, 2000, NULL, NULL, NULL, NULL, NULL),
       -- computed by the client from its own catalogue, for a model dexcost cannot price
       ('c1000000-0000-0000-0000-000000000008', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-24 10:00:00+00', 'selfhosted', 'acme-llm-7b', 'standard', 10000, 1000, NULL, NULL, 0.5, 'computed',
        'sdk:2026-02'),
       -- computed, in April: outside the period repriced below
       ('c1000000-0000-0000-0000-000000000009', 'c0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-04-02 10:00:00+00', 'openai', 'gpt-4.1', 'standard', 100000, 10000, NULL, NULL, NULL, NULL, NULL);
SELECT event_id, occurred_at, cost_usd, cost_confidence, pricing_version
  FROM dexcost.cost_event WHERE task_id = 'c0000000-0000-0000-0000-000000000001' ORDER BY event_id;

-- Nothing to do while the catalogue is unchanged.
SELECT * FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');

INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, valid_from, valid_to, source)
VALUES (1011, 'openai', 'gpt-4.1', 'input', 1.50, '2026-03-16 00:00:00+00', NULL, 'price change'),
       (1012, 'openai', 'gpt-4.1', 'output', 6.00, '2026-03-16 00:00:00+00', NULL, 'price change');
-- Two events after the change are recomputed:
--   ...02: 100000 x 1.50/1e6 + 10000 x 6.00/1e6 = 0.15 + 0.06 = 0.21  (was 0.28)
--   ...03:  50000 x 1.50/1e6 +  5000 x 6.00/1e6 = 0.075 + 0.03 = 0.105 (was 0.14)
--   before 0.28 + 0.14 = 0.42, after 0.21 + 0.105 = 0.315, change 0.315 - 0.42 = -0.105
SELECT * FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');
-- Running it again changes nothing.
SELECT * FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');
-- An alias and a price make the two unknown events priceable:
--   ...06 (2026-03-22, after the change): 10000 x 1.50/1e6 + 1000 x 6.00/1e6 = 0.015 + 0.006 = 0.021
--   ...07 (batch): 20000 x 0.625/1e6 + 2000 x 5.00/1e6 = 0.0125 + 0.01 = 0.0225
--   before 0 (both unknown), after 0.021 + 0.0225 = 0.0435, change 0.0435
INSERT INTO dexcost.model_alias (provider, alias, model) VALUES ('openai', 'gpt-4.1-2026-03-01', 'gpt-4.1');
INSERT INTO dexcost.model_price (price_id, provider, model, service_tier, usage_type, usd_per_mtok, source)
VALUES (1021, 'openai', 'gpt-5', 'batch', 'input', 0.625, 'batch is 50% of standard'),
       (1022, 'openai', 'gpt-5', 'batch', 'output', 5.00, 'batch is 50% of standard');
SELECT * FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');
-- Taking a price away makes its events unknown again: ...07 loses its output price.
--   before 0.0225, after 0 (unknown), change -0.0225
DELETE FROM dexcost.model_price WHERE price_id = 1022;
SELECT * FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');
-- Exact, estimated and client-computed costs are untouched, and so is April (still 0.28 at seed prices).
SELECT event_id, occurred_at, cost_usd, cost_confidence, pricing_version
  FROM dexcost.cost_event WHERE task_id = 'c0000000-0000-0000-0000-000000000001' ORDER BY event_id;
-- The period must be non-empty; NULL bounds give a NULL result (reprice is STRICT).
SELECT * FROM dexcost.reprice('2026-04-01 00:00:00+00', '2026-03-01 00:00:00+00');
SELECT * FROM dexcost.reprice('2026-04-01 00:00:00+00', '2026-04-01 00:00:00+00');
SELECT * FROM dexcost.reprice(NULL, '2026-04-01 00:00:00+00');

-- Clean up: later files share this database.
DELETE FROM dexcost.task WHERE task_id::text LIKE 'c0000000-%';
DELETE FROM dexcost.model_alias WHERE NOT is_seed;
DELETE FROM dexcost.model_price WHERE NOT is_seed;
SELECT count(*) AS own_prices FROM dexcost.model_price WHERE NOT is_seed;
SELECT count(*) AS own_aliases FROM dexcost.model_alias WHERE NOT is_seed;
