-- pgTAP: what dexcost does with tasks, cost events and prices.
--
-- Fixed UUIDs throughout: a0...NN are tasks, e0...NN events. Every expected cost is worked
-- out by hand from the seed prices in sql/dexcost--0.1.sql (USD per million tokens), so
-- cost = tokens x usd_per_mtok / 1,000,000, summed over the token buckets.
BEGIN;
SELECT plan(56);

-- The id of one price row, so expected pricing_version strings do not depend on seed order.
CREATE FUNCTION pg_temp.price_id(provider text, model text, tier text, usage text,
                                 min_input bigint DEFAULT 0, seed boolean DEFAULT true) RETURNS bigint
  LANGUAGE sql STABLE
  RETURN (SELECT p.price_id FROM dexcost.model_price AS p
           WHERE p.provider = price_id.provider AND p.model = price_id.model AND p.service_tier = price_id.tier
             AND p.usage_type = price_id.usage AND p.min_input_tokens = price_id.min_input
             AND p.is_seed = price_id.seed);

-- The pricing_version dexcost writes for a set of price ids: ascending, joined by '+'.
CREATE FUNCTION pg_temp.version(VARIADIC ids bigint[]) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN 'dexcost:' || (SELECT string_agg(i::text, '+' ORDER BY i) FROM unnest(ids) AS i);

-- One event's cost, confidence and pricing_version.
CREATE FUNCTION pg_temp.cost(id uuid) RETURNS numeric LANGUAGE sql STABLE
  RETURN (SELECT cost_usd FROM dexcost.cost_event WHERE event_id = id);
CREATE FUNCTION pg_temp.confidence(id uuid) RETURNS text LANGUAGE sql STABLE
  RETURN (SELECT cost_confidence FROM dexcost.cost_event WHERE event_id = id);
CREATE FUNCTION pg_temp.version_of(id uuid) RETURNS text LANGUAGE sql STABLE
  RETURN (SELECT pricing_version FROM dexcost.cost_event WHERE event_id = id);

------------------------------------------------------------------------------------------
-- Tasks: customers and roots
------------------------------------------------------------------------------------------

INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id) VALUES
    ('a0000000-0000-4000-8000-000000000001', 'acme', 'support_ticket', NULL),
    ('a0000000-0000-4000-8000-000000000005', 'globex', 'report', NULL);
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id) VALUES
    ('a0000000-0000-4000-8000-000000000002', NULL, 'summarise', 'a0000000-0000-4000-8000-000000000001');
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id) VALUES
    ('a0000000-0000-4000-8000-000000000003', NULL, 'classify', 'a0000000-0000-4000-8000-000000000002');
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
    ('a0000000-0000-4000-8000-000000000004', NULL, 'nightly_cleanup');

SELECT results_eq(
    $$SELECT customer_id, root_task_id FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000002'$$,
    $$VALUES ('acme'::text, 'a0000000-0000-4000-8000-000000000001'::uuid)$$,
    'a child task inherits its parent''s customer and root');
SELECT results_eq(
    $$SELECT customer_id, root_task_id FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000003'$$,
    $$VALUES ('acme'::text, 'a0000000-0000-4000-8000-000000000001'::uuid)$$,
    'a grandchild task gets the customer and the root of the whole tree, not its parent''s id');
SELECT is((SELECT root_task_id FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000001'),
          'a0000000-0000-4000-8000-000000000001'::uuid, 'a root task is its own root');
SELECT is((SELECT customer_id FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000004'),
          dexcost.unattributed_customer(), 'a root task without a customer gets dexcost.unattributed_customer()');
SELECT is((SELECT root_task_id FROM dexcost.task WHERE task_id = 'a0000000-0000-4000-8000-000000000004'),
          'a0000000-0000-4000-8000-000000000004'::uuid, 'an unattributed root task is its own root');

------------------------------------------------------------------------------------------
-- Events: how the cost is decided
------------------------------------------------------------------------------------------

-- gpt-4o, standard tier: input 2.50, cache_read 1.25, output 10.00
--   1234 input      x  2.50 / 1e6 = 0.003085
--   2000 cache_read x  1.25 / 1e6 = 0.0025
--    567 output     x 10.00 / 1e6 = 0.00567
--                           total = 0.011255
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, cache_read_tokens, output_tokens)
VALUES ('e0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'llm_call',
        '2025-06-01 12:00:00+00', 'openai', 'gpt-4o', 1234, 2000, 567);

SELECT is((SELECT customer_id FROM dexcost.cost_event WHERE event_id = 'e0000000-0000-4000-8000-000000000001'),
          'acme', 'an event without customer_id gets its task''s customer');
SELECT is(pg_temp.confidence('e0000000-0000-4000-8000-000000000001'), 'computed',
          'an llm_call with tokens and no cost is computed');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000001'), 0.011255,
          'its cost is tokens x seed prices, exactly (0.011255)');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000001'),
          pg_temp.version(pg_temp.price_id('openai', 'gpt-4o', 'standard', 'input'),
                          pg_temp.price_id('openai', 'gpt-4o', 'standard', 'cache_read'),
                          pg_temp.price_id('openai', 'gpt-4o', 'standard', 'output')),
          'its pricing_version is dexcost: with the ids of the three prices used');
SELECT matches(pg_temp.version_of('e0000000-0000-4000-8000-000000000001'), '^dexcost:[0-9]+\+[0-9]+\+[0-9]+$',
               'pricing_version has the form dexcost:<id>+<id>+<id>');

-- A cost the client gives is kept as exact, with or without tokens.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd) VALUES
    ('e0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'external_cost',
     '2025-06-01 12:01:00+00', 'tavily', 0.0042);
-- The catalogue would say 1000 x 2.50 / 1e6 = 0.0025; the provider reported 0.01.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, cost_usd)
VALUES ('e0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
        '2025-06-01 12:02:00+00', 'openai', 'gpt-4o', 1000, 0.01);

SELECT results_eq(
    $$SELECT cost_usd, cost_confidence FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000002'$$,
    $$VALUES (0.0042, 'exact'::text)$$,
    'an event with cost_usd is exact and keeps its cost');
SELECT results_eq(
    $$SELECT cost_usd, cost_confidence FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000003'$$,
    $$VALUES (0.01, 'exact'::text)$$,
    'an llm_call with tokens and cost_usd keeps the given cost as exact (no recomputation)');

-- 3600 vcpu_second x 0.0000166667 USD = 0.06000012
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name,
                                quantity, quantity_unit, unit_price_usd)
VALUES ('e0000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000000001', 'compute_cost',
        '2025-06-01 12:03:00+00', 'lambda', 3600, 'vcpu_second', 0.0000166667);

SELECT results_eq(
    $$SELECT cost_usd, cost_confidence FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000004'$$,
    $$VALUES (0.06000012, 'estimated'::text)$$,
    'quantity x unit_price_usd gives an estimated cost (3600 x 0.0000166667 = 0.06000012)');

-- A model the catalogue does not know: no cost, never a silent zero.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, output_tokens)
VALUES ('e0000000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-000000000002', 'llm_call',
        '2025-06-02 08:00:00+00', 'acme-ai', 'mystery-1', 100, 50);

SELECT results_eq(
    $$SELECT cost_usd, cost_confidence, pricing_version FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000005'$$,
    $$VALUES (NULL::numeric, 'unknown'::text, NULL::text)$$,
    'an unpriced model gives a NULL cost, unknown confidence and no pricing_version');
SELECT results_eq(
    $$SELECT provider, model, service_tier, event_type, events, customers, input_tokens, output_tokens,
             first_seen, last_seen, reason
        FROM dexcost.unpriced_spend$$,
    $$VALUES ('acme-ai'::text, 'mystery-1'::text, 'standard'::text, 'llm_call'::text, 1::bigint, 1::bigint,
              100::bigint, 50::bigint, '2025-06-02 08:00:00+00'::timestamptz, '2025-06-02 08:00:00+00'::timestamptz,
              'no price for model "mystery-1" of provider "acme-ai"'::text)$$,
    'the unpriced event shows in dexcost.unpriced_spend with its tokens and the reason');

-- Reasoning tokens have no price of their own for o4-mini: they are billed as output.
-- o4-mini, standard tier: input 1.10, output 4.40
--   1000 input     x 1.10 / 1e6 = 0.0011
--    200 output    x 4.40 / 1e6 = 0.00088
--    800 reasoning x 4.40 / 1e6 = 0.00352
--                         total = 0.0055
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, output_tokens, reasoning_tokens)
VALUES ('e0000000-0000-4000-8000-000000000006', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
        '2025-06-02 09:00:00+00', 'openai', 'o4-mini', 1000, 200, 800);

SELECT results_eq(
    $$SELECT cost_usd, pricing_version FROM dexcost.cost_event WHERE event_id = 'e0000000-0000-4000-8000-000000000006'$$,
    $$SELECT 0.0055, pg_temp.version(pg_temp.price_id('openai', 'o4-mini', 'standard', 'input'),
                                      pg_temp.price_id('openai', 'o4-mini', 'standard', 'output'))$$,
    'reasoning tokens without a reasoning price are billed at the output price (0.0055)');

------------------------------------------------------------------------------------------
-- Effective dating: a user price from mid-month
------------------------------------------------------------------------------------------

-- gpt-4o-mini input: seed 0.15 (from -infinity), user 0.20 from 2025-07-15 00:00 UTC.
-- Each event has 1,000,000 input tokens: 0.15 before, 0.20 from valid_from on.
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, valid_from, source)
VALUES ('openai', 'gpt-4o-mini', 'input', 0.20, '2025-07-15 00:00:00+00', 'pgTAP: negotiated price');

INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens) VALUES
    ('e0000000-0000-4000-8000-000000000010', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-07-01 00:00:00+00', 'openai', 'gpt-4o-mini', 1000000),
    ('e0000000-0000-4000-8000-000000000011', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-07-14 23:59:59.999999+00', 'openai', 'gpt-4o-mini', 1000000),
    ('e0000000-0000-4000-8000-000000000012', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-07-15 00:00:00+00', 'openai', 'gpt-4o-mini', 1000000),
    ('e0000000-0000-4000-8000-000000000013', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-07-31 23:00:00+00', 'openai', 'gpt-4o-mini', 1000000);

SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000010'), 0.15,
          'an event on the 1st of the month uses the seed price (0.15)');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000011'), 0.15,
          'an event one microsecond before valid_from uses the old price (0.15)');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000012'), 0.20,
          'an event exactly at valid_from uses the new price (0.20)');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000013'), 0.20,
          'a later event uses the new price (0.20)');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000011'),
          pg_temp.version(pg_temp.price_id('openai', 'gpt-4o-mini', 'standard', 'input')),
          'the event before valid_from records the seed price id');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000012'),
          pg_temp.version(pg_temp.price_id('openai', 'gpt-4o-mini', 'standard', 'input', 0, false)),
          'the event at valid_from records the user price id');

------------------------------------------------------------------------------------------
-- Service tiers, context bands, aliases
------------------------------------------------------------------------------------------

-- gpt-4o, batch tier: input 1.25, output 5.00 (standard would be 0.025 + 0.02 = 0.045)
--   10000 input  x 1.25 / 1e6 = 0.0125
--    2000 output x 5.00 / 1e6 = 0.01
--                       total = 0.0225
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_tier,
                                input_tokens, output_tokens)
VALUES ('e0000000-0000-4000-8000-000000000020', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
        '2025-06-03 00:00:00+00', 'openai', 'gpt-4o', 'batch', 10000, 2000);

SELECT results_eq(
    $$SELECT cost_usd, pricing_version FROM dexcost.cost_event WHERE event_id = 'e0000000-0000-4000-8000-000000000020'$$,
    $$SELECT 0.0225, pg_temp.version(pg_temp.price_id('openai', 'gpt-4o', 'batch', 'input'),
                                      pg_temp.price_id('openai', 'gpt-4o', 'batch', 'output'))$$,
    'a batch-tier event uses the batch prices (0.0225)');

-- claude-sonnet-4-5, standard tier. Base band: input 3.00, cache_read 0.30, output 15.00.
-- Band min_input_tokens 200001 (prompt = input + cache tokens above 200K): input 6.00,
-- cache_read 0.60, output 22.50.
--   e30: 300000 input x 6.00 / 1e6 = 1.8;      1000 output x 22.50 / 1e6 = 0.0225;  total 1.8225
--   e31: 200000 input x 3.00 / 1e6 = 0.6;      1000 output x 15.00 / 1e6 = 0.015;   total 0.615
--   e32: 200001 input x 6.00 / 1e6 = 1.200006; 1000 output x 22.50 / 1e6 = 0.0225;  total 1.222506
--   e33: 100000 input x 6.00 / 1e6 = 0.6;      150000 cache_read x 0.60 / 1e6 = 0.09;
--        1000 output x 22.50 / 1e6 = 0.0225;                                        total 0.7125
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, cache_read_tokens, output_tokens) VALUES
    ('e0000000-0000-4000-8000-000000000030', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-06-04 00:00:00+00', 'anthropic', 'claude-sonnet-4-5', 300000, NULL, 1000),
    ('e0000000-0000-4000-8000-000000000031', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-06-04 00:00:01+00', 'anthropic', 'claude-sonnet-4-5', 200000, NULL, 1000),
    ('e0000000-0000-4000-8000-000000000032', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-06-04 00:00:02+00', 'anthropic', 'claude-sonnet-4-5', 200001, NULL, 1000),
    ('e0000000-0000-4000-8000-000000000033', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
     '2025-06-04 00:00:03+00', 'anthropic', 'claude-sonnet-4-5', 100000, 150000, 1000);

SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000030'), 1.8225,
          'a 300K-token prompt on claude-sonnet-4-5 uses the >200K band (1.8225)');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000030'),
          pg_temp.version(pg_temp.price_id('anthropic', 'claude-sonnet-4-5', 'standard', 'input', 200001),
                          pg_temp.price_id('anthropic', 'claude-sonnet-4-5', 'standard', 'output', 200001)),
          'the >200K event records the band''s price ids');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000031'), 0.615,
          'a prompt of exactly 200000 tokens stays in the base band (0.615)');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000032'), 1.222506,
          'a prompt of 200001 tokens is in the >200K band (1.222506)');
SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000033'), 0.7125,
          'cache reads count towards the prompt size that picks the band (0.7125)');

-- gpt-4o-2024-08-06 is a seed alias of gpt-4o (input 2.50, output 10.00):
--   1000 input x 2.50 / 1e6 = 0.0025;  100 output x 10.00 / 1e6 = 0.001;  total 0.0035
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, output_tokens)
VALUES ('e0000000-0000-4000-8000-000000000040', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
        '2025-06-05 00:00:00+00', 'openai', 'gpt-4o-2024-08-06', 1000, 100);

SELECT results_eq(
    $$SELECT model, cost_usd, cost_confidence, pricing_version FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000040'$$,
    $$SELECT 'gpt-4o-2024-08-06'::text, 0.0035, 'computed'::text,
             pg_temp.version(pg_temp.price_id('openai', 'gpt-4o', 'standard', 'input'),
                             pg_temp.price_id('openai', 'gpt-4o', 'standard', 'output'))$$,
    'the alias gpt-4o-2024-08-06 prices as gpt-4o (0.0035) and the event keeps the name it was sent with');

------------------------------------------------------------------------------------------
-- reprice()
------------------------------------------------------------------------------------------

-- A model only a user row prices: acme-ai/house-model input 2.00.
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('acme-ai', 'house-model', 'input', 2.00, 'pgTAP: in-house model');

-- Events around September 2025, priced with the catalogue as it stands now.
-- gpt-4.1 standard: input 2.00, output 8.00; no flex prices at all.
--   r1 (09-10): 1000000 input x 2.00 + 100000 output x 8.00, / 1e6 = 2.0 + 0.8 = 2.8
--   r2 (09-20):  500000 input x 2.00 / 1e6                         = 1.0
--   r3 (09-25): flex tier, 1000 input                              -> unknown
--   r4 (09-12): as r1 but the provider reported 2.5                -> exact 2.5
--   r5 (09-15): 10 x 0.5                                           -> estimated 5
--   r6 (09-15): house-model, 1000 input x 2.00 / 1e6               = 0.002
--   r7 (10-01 00:00, the exclusive end of the period): 1000000 input x 2.00 / 1e6 = 2.0
--   r8 (08-31 23:59:59.999999, just before the period): likewise   = 2.0
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_tier,
                                input_tokens, output_tokens, cost_usd, pricing_source, pricing_version,
                                quantity, unit_price_usd) VALUES
    ('e0000000-0000-4000-8000-000000000051', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-09-10 00:00:00+00', 'openai', 'gpt-4.1', 'standard', 1000000, 100000, NULL, NULL, NULL, NULL, NULL),
    ('e0000000-0000-4000-8000-000000000052', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-09-20 00:00:00+00', 'openai', 'gpt-4.1', 'standard', 500000, NULL, NULL, NULL, NULL, NULL, NULL),
    ('e0000000-0000-4000-8000-000000000053', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-09-25 00:00:00+00', 'openai', 'gpt-4.1', 'flex', 1000, NULL, NULL, NULL, NULL, NULL, NULL),
    ('e0000000-0000-4000-8000-000000000054', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-09-12 00:00:00+00', 'openai', 'gpt-4.1', 'standard', 1000000, 100000, 2.5, 'provider_response',
     'openai:2025-09', NULL, NULL),
    ('e0000000-0000-4000-8000-000000000055', 'a0000000-0000-4000-8000-000000000005', 'compute_cost',
     '2025-09-15 00:00:00+00', NULL, NULL, 'standard', NULL, NULL, NULL, NULL, NULL, 10, 0.5),
    ('e0000000-0000-4000-8000-000000000056', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-09-15 00:00:00+00', 'acme-ai', 'house-model', 'standard', 1000, NULL, NULL, NULL, NULL, NULL, NULL),
    ('e0000000-0000-4000-8000-000000000057', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-10-01 00:00:00+00', 'openai', 'gpt-4.1', 'standard', 1000000, NULL, NULL, NULL, NULL, NULL, NULL),
    ('e0000000-0000-4000-8000-000000000058', 'a0000000-0000-4000-8000-000000000005', 'llm_call',
     '2025-08-31 23:59:59.999999+00', 'openai', 'gpt-4.1', 'standard', 1000000, NULL, NULL, NULL, NULL, NULL, NULL);

SELECT results_eq(
    $$SELECT event_id, cost_usd, cost_confidence FROM dexcost.cost_event
       WHERE event_id::text LIKE 'e0000000-0000-4000-8000-00000000005_' ORDER BY event_id$$,
    $$VALUES ('e0000000-0000-4000-8000-000000000051'::uuid, 2.8, 'computed'::text),
             ('e0000000-0000-4000-8000-000000000052'::uuid, 1.0, 'computed'),
             ('e0000000-0000-4000-8000-000000000053'::uuid, NULL, 'unknown'),
             ('e0000000-0000-4000-8000-000000000054'::uuid, 2.5, 'exact'),
             ('e0000000-0000-4000-8000-000000000055'::uuid, 5, 'estimated'),
             ('e0000000-0000-4000-8000-000000000056'::uuid, 0.002, 'computed'),
             ('e0000000-0000-4000-8000-000000000057'::uuid, 2.0, 'computed'),
             ('e0000000-0000-4000-8000-000000000058'::uuid, 2.0, 'computed')$$,
    'the September events are priced with the catalogue before the change');

-- The catalogue changes: gpt-4.1 standard input 1.50 and a flex input price of 1.00, both from
-- 2025-08-01 (so they would apply to r7 and r8 too), and the house-model price is withdrawn.
INSERT INTO dexcost.model_price (provider, model, service_tier, usage_type, usd_per_mtok, valid_from, source) VALUES
    ('openai', 'gpt-4.1', 'standard', 'input', 1.50, '2025-08-01 00:00:00+00', 'pgTAP: price cut'),
    ('openai', 'gpt-4.1', 'flex', 'input', 1.00, '2025-08-01 00:00:00+00', 'pgTAP: flex price');
DELETE FROM dexcost.model_price WHERE provider = 'acme-ai' AND model = 'house-model';

SELECT is(pg_temp.cost('e0000000-0000-4000-8000-000000000051'), 2.8,
          'a stored cost does not change when prices change, until reprice() runs');

-- reprice('2025-09-01', '2025-10-01'):
--   r1: 1000000 x 1.50 / 1e6 + 0.8 = 2.3     (was 2.8)
--   r2:  500000 x 1.50 / 1e6       = 0.75    (was 1.0)
--   r3:    1000 x 1.00 / 1e6       = 0.001   (was unknown: newly priced)
--   r6: no price any more          -> unknown (was 0.002: now unpriced)
--   r4 (exact), r5 (estimated), r7 and r8 (outside the period): untouched
--   events_changed 4, events_newly_priced 1, events_now_unpriced 1
--   cost_before_usd = 2.8 + 1.0 + 0.002   = 3.802   (r3 had no cost)
--   cost_after_usd  = 2.3 + 0.75 + 0.001  = 3.051   (r6 has no cost)
--   cost_change_usd = 3.051 - 3.802       = -0.751
SELECT results_eq(
    $$SELECT * FROM dexcost.reprice('2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00')$$,
    $$VALUES (4::bigint, 1::bigint, 1::bigint, 3.802, 3.051, -0.751)$$,
    'reprice() reports 4 events changed, 1 newly priced, 1 now unpriced, and 3.802 -> 3.051 USD (-0.751)');

SELECT results_eq(
    $$SELECT event_id, cost_usd, cost_confidence FROM dexcost.cost_event
       WHERE event_id::text LIKE 'e0000000-0000-4000-8000-00000000005_' ORDER BY event_id$$,
    $$VALUES ('e0000000-0000-4000-8000-000000000051'::uuid, 2.3, 'computed'::text),
             ('e0000000-0000-4000-8000-000000000052'::uuid, 0.75, 'computed'),
             ('e0000000-0000-4000-8000-000000000053'::uuid, 0.001, 'computed'),
             ('e0000000-0000-4000-8000-000000000054'::uuid, 2.5, 'exact'),
             ('e0000000-0000-4000-8000-000000000055'::uuid, 5, 'estimated'),
             ('e0000000-0000-4000-8000-000000000056'::uuid, NULL, 'unknown'),
             ('e0000000-0000-4000-8000-000000000057'::uuid, 2.0, 'computed'),
             ('e0000000-0000-4000-8000-000000000058'::uuid, 2.0, 'computed')$$,
    'after reprice() the period''s computed and unknown events carry the new costs; exact, estimated and out-of-period events are unchanged');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000051'),
          pg_temp.version(pg_temp.price_id('openai', 'gpt-4.1', 'standard', 'input', 0, false),
                          pg_temp.price_id('openai', 'gpt-4.1', 'standard', 'output')),
          'a repriced event records the new price ids');
SELECT is(pg_temp.version_of('e0000000-0000-4000-8000-000000000056'), NULL,
          'an event reprice() could no longer price loses its pricing_version');
SELECT results_eq(
    $$SELECT pricing_source, pricing_version FROM dexcost.cost_event
       WHERE event_id = 'e0000000-0000-4000-8000-000000000054'$$,
    $$VALUES ('provider_response'::text, 'openai:2025-09'::text)$$,
    'reprice() leaves the exact event''s pricing_source and pricing_version alone');
SELECT results_eq(
    $$SELECT * FROM dexcost.reprice('2025-09-01 00:00:00+00', '2025-10-01 00:00:00+00')$$,
    $$VALUES (0::bigint, 0::bigint, 0::bigint, 0::numeric, 0::numeric, 0::numeric)$$,
    'a second reprice() over the same period changes nothing');
SELECT throws_ok(
    $$SELECT * FROM dexcost.reprice('2025-10-01 00:00:00+00', '2025-09-01 00:00:00+00')$$,
    '22023', NULL, 'reprice() refuses a period that ends before it starts');

------------------------------------------------------------------------------------------
-- Exact sums
------------------------------------------------------------------------------------------

-- acme-ai/nano input 0.0123 USD per million tokens: 1 token x 0.0123 / 1e6 = 0.0000000123.
-- 10,000 such events: 10000 x 0.0000000123 = 0.000123 exactly (binary floating point would not
-- give that).
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('acme-ai', 'nano', 'input', 0.0123, 'pgTAP: tiny price');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens)
SELECT pg_catalog.format('e1000000-0000-4000-8000-%s', pg_catalog.lpad(i::text, 12, '0'))::uuid,
       'a0000000-0000-4000-8000-000000000003', 'llm_call',
       '2025-11-01 00:00:00+00'::timestamptz + i * interval '1 second', 'acme-ai', 'nano', 1
  FROM generate_series(1, 10000) AS i;

SELECT is((SELECT count(*) FROM dexcost.cost_event
            WHERE model = 'nano' AND cost_usd = 0.0000000123 AND cost_confidence = 'computed'),
          10000::bigint, 'each of the 10,000 events costs 0.0000000123, computed');
SELECT is((SELECT sum(cost_usd) FROM dexcost.cost_event WHERE model = 'nano'), 0.000123,
          '10,000 events of 0.0000000123 sum to exactly 0.000123');

------------------------------------------------------------------------------------------
-- Bad input: every mistake raises its own SQLSTATE
------------------------------------------------------------------------------------------

SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000901', 'a0000000-0000-4000-8000-000000000001', 'external_cost', -1)$$,
    '23514', NULL, 'a negative cost_usd raises 23514 (check_violation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000902', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 'NaN')$$,
    '22023', NULL, 'a NaN cost_usd raises 22023 (invalid_parameter_value)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000903', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 'Infinity')$$,
    '22023', NULL, 'an infinite cost_usd raises 22023 (invalid_parameter_value)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, provider, model, input_tokens)
      VALUES ('e0000000-0000-4000-8000-000000000904', 'a0000000-0000-4000-8000-000000000001', 'llm_call',
              'openai', 'gpt-4o', -5)$$,
    '23514', NULL, 'a negative token count raises 23514 (check_violation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000905', 'a0000000-0000-4000-8000-000000000001', 'llm', 1)$$,
    '22P02', NULL, 'an unknown event_type raises 22P02 (invalid_text_representation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd, cost_confidence)
      VALUES ('e0000000-0000-4000-8000-000000000906', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 1,
              'guessed')$$,
    '22P02', NULL, 'an unknown cost_confidence raises 22P02 (invalid_text_representation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000907', 'a0000000-0000-4000-8000-000000000999', 'external_cost', 1)$$,
    '23503', NULL, 'an event for a missing task raises 23503 (foreign_key_violation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000908', 'globex', 'a0000000-0000-4000-8000-000000000001',
              'external_cost', 1)$$,
    '23503', NULL, 'an event whose customer differs from its task''s raises 23503 (foreign_key_violation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id)
      VALUES ('a0000000-0000-4000-8000-000000000909', 'globex', 'sneak', 'a0000000-0000-4000-8000-000000000001')$$,
    '23503', NULL, 'a child task under another customer''s parent raises 23503 (foreign_key_violation)');
SELECT throws_ok(
    $$INSERT INTO dexcost.task (task_id, task_type, parent_task_id)
      VALUES ('a0000000-0000-4000-8000-000000000910', 'orphan', 'a0000000-0000-4000-8000-000000000999')$$,
    '23503', NULL, 'a child task of a missing parent raises 23503 (foreign_key_violation)');
-- The user price from 2025-07-15 is open-ended: a second one from 2025-07-20 overlaps it.
SELECT throws_ok(
    $$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, valid_from, source)
      VALUES ('openai', 'gpt-4o-mini', 'input', 0.18, '2025-07-20 00:00:00+00', 'pgTAP: overlapping')$$,
    '23P01', NULL, 'an overlapping user price raises 23P01 (exclusion_violation)');
-- Periods are half-open: a price ending exactly where the other begins does not overlap.
SELECT lives_ok(
    $$INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, valid_from, valid_to, source)
      VALUES ('openai', 'gpt-4o-mini', 'input', 0.10, '2025-07-01 00:00:00+00', '2025-07-15 00:00:00+00',
              'pgTAP: adjacent')$$,
    'a user price ending at another''s valid_from is accepted');

-- A multi-row INSERT with one bad row (the second: negative cost) writes none of its rows.
CREATE TEMP TABLE event_count AS SELECT count(*) AS n FROM dexcost.cost_event;
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd) VALUES
        ('e0000000-0000-4000-8000-000000000921', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 1),
        ('e0000000-0000-4000-8000-000000000922', 'a0000000-0000-4000-8000-000000000001', 'external_cost', -1),
        ('e0000000-0000-4000-8000-000000000923', 'a0000000-0000-4000-8000-000000000001', 'external_cost', 1)$$,
    '23514', NULL, 'a multi-row INSERT with one negative cost raises 23514');
SELECT is((SELECT count(*) FROM dexcost.cost_event), (SELECT n FROM event_count),
          'the failed multi-row INSERT wrote no row (count before = count after)');

-- Task ids are unique per customer only. An event that names no customer for a task_id two
-- customers use is ambiguous and must be refused, not attributed to either.
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
    ('a0000000-0000-4000-8000-000000000006', 'acme', 'shared_id'),
    ('a0000000-0000-4000-8000-000000000006', 'globex', 'shared_id');
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, task_id, event_type, cost_usd)
      VALUES ('e0000000-0000-4000-8000-000000000930', 'a0000000-0000-4000-8000-000000000006', 'external_cost', 1)$$,
    '23503', NULL, 'an event without customer_id for a task_id two customers use raises 23503');
-- Row order never decides the customer: after the first row, which names acme, has been
-- resolved, the second row (no customer_id) is still ambiguous and refused as above. (The
-- trigger's per-command task cache once answered it from the first row.)
SELECT throws_ok(
    $$INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, cost_usd) VALUES
        ('e0000000-0000-4000-8000-000000000931', 'acme', 'a0000000-0000-4000-8000-000000000006', 'external_cost', 1),
        ('e0000000-0000-4000-8000-000000000932', NULL, 'a0000000-0000-4000-8000-000000000006', 'external_cost', 2)$$,
    '23503', NULL,
    'the same ambiguous event raises 23503 when an earlier row of the same INSERT named one of the customers');

SELECT * FROM finish();
ROLLBACK;
