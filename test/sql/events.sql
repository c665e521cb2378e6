-- dexcost.cost_event: the four cost paths, customer attribution, bulk loading and updates.
-- Task ids b0000000-...; event ids b1000000-... and b2000000-...; customers ev-*. Deleted at the end.
-- Seed prices used (USD per million tokens, price_id in brackets):
--   anthropic claude-sonnet-4-5 standard: input 3.00 [46], cache_read 0.30 [47], cache_write 3.75 [48],
--     cache_write_1h 6.00 [49], output 15.00 [50]
--   anthropic claude-haiku-4-5 standard: input 1.00 [68], output 5.00 [72]
--   openai gpt-4o standard: input 2.50 [21], cache_read 1.25 [22], output 10.00 [23]
--   openai gpt-4.1 standard: input 2.00 [15], output 8.00 [17]
--   google gemini-2.5-flash standard: input 0.30 [80], output 2.50 [82]
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('b0000000-0000-0000-0000-000000000001', 'ev-acme', 'support_ticket_summary.v2', '2026-03-10 12:00:00+00'),
    ('b0000000-0000-0000-0000-000000000003', 'ev-globex', 'report', '2026-03-10 12:00:00+00'),
    ('b0000000-0000-0000-0000-000000000004', 'ev-initech', 'embedding_backfill', '2026-03-10 12:00:00+00');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at) VALUES
    ('b0000000-0000-0000-0000-000000000002', 'retrieve_context', 'b0000000-0000-0000-0000-000000000001', '2026-03-10 12:00:01+00');

------------------------------------------------------------------------------------------
-- 1. Exact: a given cost is kept as is, even when the event also has tokens.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd, pricing_source)
VALUES ('b1000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:10+00', 'tavily', 0.008, 'provider_response')
RETURNING event_id, customer_id, cost_usd, cost_confidence, pricing_version;
-- The catalogue would say 1000 x 3.00/1e6 + 200 x 15.00/1e6 = 0.006; the provider's 0.0061 stays.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                output_tokens, cost_usd)
VALUES ('b1000000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:11+00', 'anthropic', 'claude-sonnet-4-5', 1000, 200, 0.0061)
RETURNING event_id, customer_id, cost_usd, cost_confidence, pricing_version;
-- A client may say how it knows its cost: its own catalogue (computed) or a guess (estimated).
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cost_usd, cost_confidence, pricing_version)
VALUES ('b1000000-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:12+00', 'selfhosted', 'acme-llm-7b', 5000, 0.0004, 'computed', 'sdk:2026-02'),
       ('b1000000-0000-0000-0000-000000000004', 'b0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:13+00', NULL, NULL, NULL, 0.02, 'estimated', NULL)
RETURNING event_id, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- 2. Computed: tokens x the catalogue, every bucket priced on its own.
------------------------------------------------------------------------------------------
--   input           1000 x 3.00 / 1e6 = 0.003
--   cache_read      2000 x 0.30 / 1e6 = 0.0006
--   cache_write     3000 x 3.75 / 1e6 = 0.01125
--   cache_write_1h  4000 x 6.00 / 1e6 = 0.024
--   output           500 x 15.00 / 1e6 = 0.0075
--   reasoning        250 x 15.00 / 1e6 = 0.00375   (billed at the output price [50])
--   total                               = 0.0501  (prompt 10000 tokens: base band)
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
                                reasoning_tokens, latency_ms)
VALUES ('b1000000-0000-0000-0000-000000000005', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:14+00', 'anthropic', 'claude-sonnet-4-5', 1000, 2000, 3000, 4000, 500, 250, 1830)
RETURNING event_id, customer_id, service_tier, cost_usd, cost_confidence, pricing_version;
-- 12000 x 2.50/1e6 = 0.03; 4000 x 1.25/1e6 = 0.005; 800 x 10.00/1e6 = 0.008; total 0.043
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cache_read_tokens, output_tokens)
VALUES ('b1000000-0000-0000-0000-000000000006', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:15+00', 'openai', 'gpt-4o', 12000, 4000, 800)
RETURNING event_id, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- 3. Estimated: quantity x unit_price_usd.
------------------------------------------------------------------------------------------
-- 3600 x 0.0000166667 = 0.06000012 (numeric multiplication keeps scale 0 + 10)
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                                unit_price_usd)
VALUES ('b1000000-0000-0000-0000-000000000007', 'b0000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-03-10 12:00:16+00', 'lambda', 3600, 'vcpu_second', 0.0000166667)
RETURNING event_id, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- 4. Unknown: nothing to price with. The cost stays NULL, never a silent zero.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                output_tokens, service_name)
VALUES ('b1000000-0000-0000-0000-000000000008', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:17+00', 'selfhosted', 'acme-llm-7b', 2000, 300, NULL),
       ('b1000000-0000-0000-0000-000000000009', 'b0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:18+00', NULL, NULL, NULL, NULL, 'serpapi')
RETURNING event_id, cost_usd, cost_confidence, pricing_version;
-- A client may also say so itself.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cost_confidence)
VALUES ('b1000000-0000-0000-0000-000000000010', 'b0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:19+00', 'openai', 'gpt-4o', 1000, 'unknown')
RETURNING event_id, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- Customer attribution: copied from the task (a child task carries its parent's customer);
-- repeating the task's own customer is accepted.
------------------------------------------------------------------------------------------
-- Multi-row INSERT over three tasks and two customers, one cost path per row:
--   ...11 exact 0.5
--   ...12 haiku: 2000 x 1.00/1e6 = 0.002; 300 x 5.00/1e6 = 0.0015; total 0.0035
--   ...13 estimated 20 x 0.005 = 0.1 (scale 0 + 3 -> 0.100)
--   ...14 unknown
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, output_tokens, quantity, unit_price_usd, cost_usd)
VALUES ('b1000000-0000-0000-0000-000000000011', NULL, 'b0000000-0000-0000-0000-000000000002', 'external_cost',
        '2026-03-10 12:01:00+00', NULL, NULL, NULL, NULL, NULL, NULL, 0.5),
       ('b1000000-0000-0000-0000-000000000012', 'ev-acme', 'b0000000-0000-0000-0000-000000000002', 'llm_call',
        '2026-03-10 12:01:01+00', 'anthropic', 'claude-haiku-4-5', 2000, 300, NULL, NULL, NULL),
       ('b1000000-0000-0000-0000-000000000013', NULL, 'b0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-03-10 12:01:02+00', NULL, NULL, NULL, NULL, 20, 0.005, NULL),
       ('b1000000-0000-0000-0000-000000000014', 'ev-globex', 'b0000000-0000-0000-0000-000000000003', 'llm_call',
        '2026-03-10 12:01:03+00', 'selfhosted', 'acme-llm-7b', 10, 10, NULL, NULL, NULL)
RETURNING event_id, customer_id, task_id, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- COPY goes through the same trigger.
--   ...21 gpt-4.1: 50000 x 2.00/1e6 = 0.1; 2000 x 8.00/1e6 = 0.016; total 0.116
--   ...22 exact 0.25
--   ...23 gemini-2.5-flash: 100000 x 0.30/1e6 = 0.03; 10000 x 2.50/1e6 = 0.025; total 0.055
------------------------------------------------------------------------------------------
COPY dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens, cost_usd) FROM stdin;
b1000000-0000-0000-0000-000000000021	b0000000-0000-0000-0000-000000000002	llm_call	2026-03-10 12:02:00+00	openai	gpt-4.1	50000	2000	\N
b1000000-0000-0000-0000-000000000022	b0000000-0000-0000-0000-000000000003	external_cost	2026-03-10 12:02:01+00	\N	\N	\N	\N	0.25
b1000000-0000-0000-0000-000000000023	b0000000-0000-0000-0000-000000000003	llm_call	2026-03-10 12:02:02+00	google	gemini-2.5-flash	100000	10000	\N
\.
SELECT event_id, customer_id, cost_usd, cost_confidence, pricing_version
  FROM dexcost.cost_event WHERE event_id::text LIKE 'b1000000-0000-0000-0000-00000000002%'
 ORDER BY event_id;

------------------------------------------------------------------------------------------
-- UPDATE
------------------------------------------------------------------------------------------
-- New token counts re-derive a computed cost: output 800 -> 1800 gives
-- 0.03 + 0.005 + 1800 x 10.00/1e6 = 0.03 + 0.005 + 0.018 = 0.053.
UPDATE dexcost.cost_event SET output_tokens = 1800
 WHERE event_id = 'b1000000-0000-0000-0000-000000000006'
RETURNING event_id, cost_usd, cost_confidence, pricing_version;
-- So does a new quantity: 7200 x 0.0000166667 = 0.12000024.
UPDATE dexcost.cost_event SET quantity = 7200
 WHERE event_id = 'b1000000-0000-0000-0000-000000000007'
RETURNING event_id, cost_usd, cost_confidence;
-- Naming a catalogue model prices an unknown event: 2000 x 1.00/1e6 + 300 x 5.00/1e6 = 0.0035.
UPDATE dexcost.cost_event SET provider = 'anthropic', model = 'claude-haiku-4-5'
 WHERE event_id = 'b1000000-0000-0000-0000-000000000008'
RETURNING event_id, cost_usd, cost_confidence, pricing_version;
-- An exact cost is kept whatever the tokens say.
UPDATE dexcost.cost_event SET input_tokens = 5000
 WHERE event_id = 'b1000000-0000-0000-0000-000000000002'
RETURNING event_id, input_tokens, cost_usd, cost_confidence, pricing_version;
-- Clearing both cost_usd and cost_confidence hands the cost to dexcost:
-- 5000 x 3.00/1e6 + 200 x 15.00/1e6 = 0.015 + 0.003 = 0.018.
UPDATE dexcost.cost_event SET cost_usd = NULL, cost_confidence = NULL
 WHERE event_id = 'b1000000-0000-0000-0000-000000000002'
RETURNING event_id, cost_usd, cost_confidence, pricing_version;
-- Columns the cost does not depend on leave it alone.
UPDATE dexcost.cost_event SET latency_ms = 2100, error_type = 'timeout'
 WHERE event_id = 'b1000000-0000-0000-0000-000000000005'
RETURNING event_id, latency_ms, cost_usd, cost_confidence, pricing_version;

------------------------------------------------------------------------------------------
-- Money is exact: 10,000 events of 0.0000000123 USD sum to 10000 x 0.0000000123 = 0.000123.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd)
SELECT ('b2000000-0000-0000-0000-' || pg_catalog.lpad(g::text, 12, '0'))::uuid,
       'b0000000-0000-0000-0000-000000000004', 'external_cost',
       timestamptz '2026-03-10 13:00:00+00' + g * interval '1 millisecond', 'embeddings', 0.0000000123
  FROM generate_series(1, 10000) AS g;
SELECT count(*) AS events, sum(cost_usd) AS total_usd, sum(cost_usd) = 0.000123 AS exact,
       count(DISTINCT customer_id) AS customers, min(customer_id) AS customer,
       bool_and(cost_confidence = 'exact') AS all_exact
  FROM dexcost.cost_event WHERE task_id = 'b0000000-0000-0000-0000-000000000004';

------------------------------------------------------------------------------------------
-- The ledger of this file, and spend per customer and confidence.
------------------------------------------------------------------------------------------
SELECT event_id, customer_id, event_type, cost_usd, cost_confidence, pricing_version
  FROM dexcost.cost_event WHERE event_id::text LIKE 'b1000000-%'
 ORDER BY event_id;
-- ev-acme: exact 0.008 + 0.5 = 0.508 (...02 went to dexcost above);
--          computed 0.0004 + 0.018 + 0.0501 + 0.053 + 0.0035 + 0.0035 + 0.116 = 0.2445 (7 events);
--          estimated 0.02 + 0.12000024 = 0.14000024; unknown 2 events (...09, ...10)
-- ev-globex: exact 0.25; computed 0.055; estimated 0.100; unknown 1 event (...14)
SELECT customer_id, cost_confidence, count(*) AS events, sum(cost_usd) AS cost_usd
  FROM dexcost.cost_event WHERE event_id::text LIKE 'b1000000-%'
 GROUP BY customer_id, cost_confidence
 ORDER BY customer_id, cost_confidence;

-- Clean up: deleting the tasks deletes their events.
DELETE FROM dexcost.task WHERE task_id::text LIKE 'b0000000-%';
SELECT count(*) AS events_left FROM dexcost.cost_event WHERE task_id::text LIKE 'b0000000-%';
