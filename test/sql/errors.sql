-- Every bad cost event dexcost refuses, with its message.
-- Task ids e0000000-...; event ids e1000000-...; customers err-*. Deleted at the end.
-- Every event has an explicit event_id: the messages quote it.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('e0000000-0000-0000-0000-000000000001', 'err-acme', 'support_ticket_summary.v2', '2026-03-10 12:00:00+00'),
    ('e0000000-0000-0000-0000-000000000002', 'err-globex', 'report', '2026-03-10 12:00:00+00'),
    -- One task id used by two customers.
    ('e0000000-0000-0000-0000-000000000003', 'err-acme', 'shared_id', '2026-03-10 12:00:00+00'),
    ('e0000000-0000-0000-0000-000000000003', 'err-globex', 'shared_id', '2026-03-10 12:00:00+00');

------------------------------------------------------------------------------------------
-- Money and quantities
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', -0.25);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 'NaN');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 'Infinity');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', '-Infinity');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, quantity, unit_price_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-03-10 12:00:00+00', -3600, 0.0000166667);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, quantity, unit_price_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-03-10 12:00:00+00', 3600, -0.0000166667);

------------------------------------------------------------------------------------------
-- Counts: every token bucket, and latency
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, input_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'gpt-4o', -1);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, cache_read_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'gpt-4o', -2);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, cache_write_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'claude-sonnet-4-5', -3);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, cache_write_1h_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'claude-sonnet-4-5', -4);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, output_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'gpt-4o', -5);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, reasoning_tokens)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'o4-mini', -6);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd, latency_ms)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01, -250);

------------------------------------------------------------------------------------------
-- Vocabulary
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm',
        '2026-03-10 12:00:00+00', 0.01);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', NULL,
        '2026-03-10 12:00:00+00', 0.01);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd, cost_confidence)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01, 'guessed');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, input_tokens, service_tier)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'gpt-4o', 100, 'economy');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, model, input_tokens, service_tier)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'gpt-4o', 100, NULL);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd, is_retry, retry_type)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 0.01, true, 'rate_limit');

------------------------------------------------------------------------------------------
-- Required values
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', NULL, 'external_cost', '2026-03-10 12:00:00+00', 0.01);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost', NULL, 0.01);

------------------------------------------------------------------------------------------
-- Tasks and customers
------------------------------------------------------------------------------------------
-- The task does not exist (with or without a customer on the event).
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-00000000dead', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01);
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'err-acme', 'e0000000-0000-0000-0000-00000000dead', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01);
-- The event names another customer than its task's.
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'err-globex', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01);
-- The task id exists for two customers and the event names neither.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01);
-- Naming the customer settles it.
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000002', 'err-globex', 'e0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01)
RETURNING event_id, customer_id, task_id, cost_usd, cost_confidence;

------------------------------------------------------------------------------------------
-- cost_confidence against cost_usd
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cost_confidence)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:00:00+00', 'openai', 'gpt-4o', 1000, 'exact');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd, cost_confidence)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 1.5, 'unknown');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_confidence)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 'tavily', 'estimated');
-- A quantity without a unit price cannot be multiplied either.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, quantity, cost_confidence)
VALUES ('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 'tavily', 3, 'estimated');

------------------------------------------------------------------------------------------
-- UPDATE runs the same checks, and an event stays with its customer.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000003', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:00:00+00', 0.01)
RETURNING event_id, customer_id, cost_usd, cost_confidence;
UPDATE dexcost.cost_event SET customer_id = 'err-globex'
 WHERE event_id = 'e1000000-0000-0000-0000-000000000003';
UPDATE dexcost.cost_event SET cost_usd = -0.01
 WHERE event_id = 'e1000000-0000-0000-0000-000000000003';
UPDATE dexcost.cost_event SET cost_usd = NULL
 WHERE event_id = 'e1000000-0000-0000-0000-000000000003';
UPDATE dexcost.cost_event SET event_type = 'refund'
 WHERE event_id = 'e1000000-0000-0000-0000-000000000003';
-- Nothing changed.
SELECT event_id, customer_id, task_id, event_type, cost_usd, cost_confidence
  FROM dexcost.cost_event WHERE event_id = 'e1000000-0000-0000-0000-000000000003';

------------------------------------------------------------------------------------------
-- One bad row rejects the whole statement: nothing of it is written.
------------------------------------------------------------------------------------------
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000011', 'e0000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-03-10 12:01:00+00', 'openai', 'gpt-4o', 1000, NULL),
       ('e1000000-0000-0000-0000-000000000012', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:01:01+00', NULL, NULL, NULL, 0.02),
       ('e1000000-0000-0000-0000-000000000013', 'e0000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-03-10 12:01:02+00', NULL, NULL, NULL, -0.02);
COPY dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd) FROM stdin;
e1000000-0000-0000-0000-000000000021	e0000000-0000-0000-0000-000000000001	external_cost	2026-03-10 12:02:00+00	0.01
e1000000-0000-0000-0000-000000000022	e0000000-0000-0000-0000-000000000001	external_cost	2026-03-10 12:02:01+00	NaN
\.
SELECT count(*) AS written FROM dexcost.cost_event
 WHERE event_id IN ('e1000000-0000-0000-0000-000000000011', 'e1000000-0000-0000-0000-000000000012',
                    'e1000000-0000-0000-0000-000000000013', 'e1000000-0000-0000-0000-000000000021',
                    'e1000000-0000-0000-0000-000000000022');

-- All that this file stored: the two good events.
SELECT event_id, customer_id, cost_usd, cost_confidence
  FROM dexcost.cost_event WHERE task_id::text LIKE 'e0000000-%' ORDER BY event_id;

-- Clean up.
DELETE FROM dexcost.task WHERE task_id::text LIKE 'e0000000-%';
