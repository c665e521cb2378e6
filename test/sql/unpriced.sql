-- dexcost.unpriced_spend: events whose cost is unknown, grouped, with the reason.
-- Task ids d0000000-...; event ids d1000000-...; customers up-*. Deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- The earlier files cleaned up after themselves: nothing is unpriced yet.
SELECT count(*) AS groups FROM dexcost.unpriced_spend;

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('d0000000-0000-0000-0000-000000000001', 'up-acme', 'support_ticket_summary.v2', '2026-03-01 00:00:00+00'),
    ('d0000000-0000-0000-0000-000000000002', 'up-globex', 'report', '2026-03-01 00:00:00+00');

INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, service_tier,
                                input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
                                output_tokens, reasoning_tokens, service_name, cost_usd)
VALUES -- an unknown model, for two customers
       ('d1000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-02 10:00:00+00', 'openai', 'gpt-9', 'standard', 1000, 200, NULL, NULL, 300, 50, NULL, NULL),
       ('d1000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000002', 'llm_call',
        '2026-03-05 10:00:00+00', 'openai', 'gpt-9', 'standard', 2000, NULL, NULL, NULL, 100, NULL, NULL, NULL),
       -- a tier without prices: gpt-5 has no batch prices
       ('d1000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-03 10:00:00+00', 'openai', 'gpt-5', 'batch', 5000, NULL, NULL, NULL, 700, NULL, NULL, NULL),
       -- a tier with an input price only: gpt-5 flex cannot price output tokens
       ('d1000000-0000-0000-0000-000000000004', 'd0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-03 11:00:00+00', 'openai', 'gpt-5', 'flex', 5000, NULL, NULL, NULL, 700, NULL, NULL, NULL),
       -- a known model without token counts
       ('d1000000-0000-0000-0000-000000000005', 'd0000000-0000-0000-0000-000000000002', 'llm_call',
        '2026-03-03 12:00:00+00', 'anthropic', 'claude-haiku-4-5', 'standard', NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL),
       -- external costs with neither cost_usd nor quantity x unit_price_usd, for two customers
       ('d1000000-0000-0000-0000-000000000006', 'd0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-04 10:00:00+00', NULL, NULL, 'standard', NULL, NULL, NULL, NULL, NULL, NULL, 'tavily', NULL),
       ('d1000000-0000-0000-0000-000000000007', 'd0000000-0000-0000-0000-000000000002', 'external_cost',
        '2026-03-06 10:00:00+00', NULL, NULL, 'standard', NULL, NULL, NULL, NULL, NULL, NULL, 'serpapi', NULL),
       -- priced events stay out of the view: an exact cost and a computed one (gpt-4o, 1000 x 2.50/1e6)
       ('d1000000-0000-0000-0000-000000000008', 'd0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-04 11:00:00+00', NULL, NULL, 'standard', NULL, NULL, NULL, NULL, NULL, NULL, 'tavily', 0.008),
       ('d1000000-0000-0000-0000-000000000009', 'd0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-04 12:00:00+00', 'openai', 'gpt-4o', 'standard', 1000, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
RETURNING event_id, cost_usd, cost_confidence;

-- gpt-9: 2 events, 2 customers; input 1000 + 2000 = 3000; cache reads 200;
--        output 300 + 100 + reasoning 50 = 450; first 2026-03-02, last 2026-03-05.
-- external_cost: one group per service, so the reason names what needs a price.
SELECT provider, model, service_tier, event_type, service_name, events, customers, input_tokens,
       cache_read_tokens, cache_write_tokens, output_tokens, first_seen, last_seen, reason
  FROM dexcost.unpriced_spend
 ORDER BY provider NULLS LAST, model, service_tier, event_type, service_name;

-- Adding the missing prices and repricing empties the gpt-5 batch group:
--   5000 x 0.625/1e6 + 700 x 5.00/1e6 = 0.003125 + 0.0035 = 0.006625
INSERT INTO dexcost.model_price (price_id, provider, model, service_tier, usage_type, usd_per_mtok, source)
VALUES (2001, 'openai', 'gpt-5', 'batch', 'input', 0.625, 'batch is 50% of standard'),
       (2002, 'openai', 'gpt-5', 'batch', 'output', 5.00, 'batch is 50% of standard');
SELECT events_changed, events_newly_priced, cost_after_usd
  FROM dexcost.reprice('2026-03-01 00:00:00+00', '2026-04-01 00:00:00+00');
SELECT provider, model, service_tier, event_type, service_name, events, reason
  FROM dexcost.unpriced_spend
 ORDER BY provider NULLS LAST, model, service_tier, event_type, service_name;

-- Clean up.
DELETE FROM dexcost.task WHERE task_id::text LIKE 'd0000000-%';
DELETE FROM dexcost.model_price WHERE price_id IN (2001, 2002);
SELECT count(*) AS groups FROM dexcost.unpriced_spend;
