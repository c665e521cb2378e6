-- Corrections and edge cases: a corrected cost stays corrected, re-derivation keeps its rule,
-- row order never changes whose cost an event is, and the catalogue's seed rows stay put.
-- Tasks 90000000-...; events 91000000-...; customers co-*. Deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('90000000-0000-0000-0000-000000000001', 'co-acme', 'summary', '2026-05-01 00:00+00'),
    ('90000000-0000-0000-0000-000000000002', 'co-globex', 'summary', '2026-05-01 00:00+00'),
    -- one task id used by two customers
    ('90000000-0000-0000-0000-000000000003', 'co-acme', 'shared', '2026-05-01 00:00+00'),
    ('90000000-0000-0000-0000-000000000003', 'co-globex', 'shared', '2026-05-01 00:00+00');

-- A computed gpt-4o call: 1000 input x 2.50/1e6 = 0.0025.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens)
VALUES ('91000000-0000-0000-0000-000000000001', '90000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-05-02 00:00+00', 'openai', 'gpt-4o', 1000);
-- Someone corrects the cost by hand: it becomes the caller's exact figure, without a catalogue version...
UPDATE dexcost.cost_event SET cost_usd = 0.001 WHERE event_id = '91000000-0000-0000-0000-000000000001';
SELECT cost_usd, cost_confidence, pricing_version FROM dexcost.cost_event
 WHERE event_id = '91000000-0000-0000-0000-000000000001';
-- ...so reprice() leaves it alone.
SELECT events_changed FROM dexcost.reprice('2026-05-01', '2026-06-01');
SELECT cost_usd, cost_confidence FROM dexcost.cost_event WHERE event_id = '91000000-0000-0000-0000-000000000001';

-- A client said 'computed' and also sent a quantity and unit price. Changing its tokens derives the
-- cost again the way it was derived (from the catalogue), with a fresh version:
--   before 1000 x 2.50/1e6 = 0.0025; after 2000 x 2.50/1e6 = 0.005.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                quantity, unit_price_usd, cost_confidence)
VALUES ('91000000-0000-0000-0000-000000000002', '90000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-05-02 00:00+00', 'openai', 'gpt-4o', 1000, 1, 1, 'computed');
UPDATE dexcost.cost_event SET input_tokens = 2000 WHERE event_id = '91000000-0000-0000-0000-000000000002';
SELECT cost_usd, cost_confidence, pricing_version LIKE 'dexcost:%' AS catalogue_version FROM dexcost.cost_event
 WHERE event_id = '91000000-0000-0000-0000-000000000002';
-- An estimated event whose quantity changes is estimated again (3 x 0.5 = 1.5), with no version.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, quantity, unit_price_usd)
VALUES ('91000000-0000-0000-0000-000000000003', '90000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-05-02 00:00+00', 2, 0.5);
UPDATE dexcost.cost_event SET quantity = 3 WHERE event_id = '91000000-0000-0000-0000-000000000003';
SELECT cost_usd, cost_confidence, pricing_version FROM dexcost.cost_event
 WHERE event_id = '91000000-0000-0000-0000-000000000003';
-- An estimate keeps at most 18 decimal places: 0.3333333333 x 0.0000000003 = 0.00000000009999999999
-- (20 places) rounds to 0.0000000001.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, quantity, unit_price_usd)
VALUES ('91000000-0000-0000-0000-000000000004', '90000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-05-02 00:00+00', 0.3333333333, 0.0000000003);
SELECT cost_usd FROM dexcost.cost_event WHERE event_id = '91000000-0000-0000-0000-000000000004';
-- A given cost with more places than the roll-ups add exactly is refused.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('91000000-0000-0000-0000-000000000005', '90000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-05-02 00:00+00', 0.0000000000000000001);

-- Row order never decides the customer: the first row names co-acme for the shared task id, the
-- second names nobody, so the second is still ambiguous and the statement is refused.
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, cost_usd) VALUES
    ('91000000-0000-0000-0000-000000000006', 'co-acme', '90000000-0000-0000-0000-000000000003', 'external_cost',
     '2026-05-02 00:00+00', 1),
    ('91000000-0000-0000-0000-000000000007', NULL, '90000000-0000-0000-0000-000000000003', 'external_cost',
     '2026-05-02 00:00+00', 2);
SELECT count(*) AS shared_task_events FROM dexcost.cost_event WHERE task_id = '90000000-0000-0000-0000-000000000003';

-- Moving an event to another customer's task is refused, whatever customer_id says.
UPDATE dexcost.cost_event SET task_id = '90000000-0000-0000-0000-000000000002'
 WHERE event_id = '91000000-0000-0000-0000-000000000003';
UPDATE dexcost.cost_event SET task_id = '90000000-0000-0000-0000-000000000002', customer_id = NULL
 WHERE event_id = '91000000-0000-0000-0000-000000000003';
-- customer_id NULL on UPDATE means "the task's": the event stays with co-acme.
UPDATE dexcost.cost_event SET customer_id = NULL WHERE event_id = '91000000-0000-0000-0000-000000000003'
RETURNING customer_id;

-- Tasks: re-parenting under another customer's task is refused, with a hint that fits an UPDATE.
UPDATE dexcost.task SET parent_task_id = '90000000-0000-0000-0000-000000000002'
 WHERE task_id = '90000000-0000-0000-0000-000000000001';
-- A task cannot be its own parent; NULL status says so.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id)
VALUES ('90000000-0000-0000-0000-000000000009', 'co-acme', 'loop', '90000000-0000-0000-0000-000000000009');
INSERT INTO dexcost.task (task_id, customer_id, task_type, status)
VALUES ('90000000-0000-0000-0000-000000000009', 'co-acme', 'nulls', NULL);

-- The catalogue: seed rows survive TRUNCATE attempts.
TRUNCATE dexcost.model_price;
TRUNCATE dexcost.model_alias;
SELECT count(*) AS seed_prices FROM dexcost.model_price WHERE is_seed;
-- A price row must say what it prices.
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('co', 'm', NULL, 1, 'test');
-- Overlap hints fit the case: the new price starts before the existing one...
INSERT INTO dexcost.model_price (price_id, provider, model, usage_type, usd_per_mtok, source, valid_from)
VALUES (3001, 'co', 'm', 'input', 1, 'test', '2026-04-01');
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source, valid_from)
VALUES ('co', 'm', 'input', 2, 'test', '2026-03-01');
-- ...or at the same time.
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source, valid_from)
VALUES ('co', 'm', 'input', 2, 'test', '2026-04-01');
-- compute_cost() takes no NULL tier, like the event trigger.
SELECT * FROM dexcost.compute_cost('openai', 'gpt-4o', NULL, '2026-05-02', input_tokens => 1);
-- Above 200K prompt tokens every bucket takes the long-context price; claude-sonnet-4-5 has none
-- for 1-hour cache writes in the seed catalogue, so such a call is unknown, not priced at the base rate.
SELECT cost_usd, cost_confidence, unpriced_reason
  FROM dexcost.compute_cost('anthropic', 'claude-sonnet-4-5', 'standard', '2026-05-02',
                            input_tokens => 1, cache_write_1h_tokens => 200000, output_tokens => 1000);

-- A client's own estimate (no quantity or unit price) stands when other columns change.
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd, cost_confidence)
VALUES ('91000000-0000-0000-0000-000000000010', '90000000-0000-0000-0000-000000000001', 'compute_cost',
        '2026-05-02 00:00+00', 'gpu', 0.75, 'estimated');
UPDATE dexcost.cost_event SET occurred_at = '2026-05-03 00:00+00' WHERE event_id = '91000000-0000-0000-0000-000000000010';
SELECT cost_usd, cost_confidence FROM dexcost.cost_event WHERE event_id = '91000000-0000-0000-0000-000000000010';
-- A client's computed cost gives way only to a price dexcost has: for a model dexcost cannot
-- price it stands; for gpt-4o, new tokens are priced from the catalogue (3000 x 2.50/1e6 = 0.0075).
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                                cost_usd, cost_confidence, pricing_version) VALUES
    ('91000000-0000-0000-0000-000000000011', '90000000-0000-0000-0000-000000000001', 'llm_call',
     '2026-05-02 00:00+00', 'acme', 'private-model', 1000, 0.002, 'computed', 'sdk:2026-04'),
    ('91000000-0000-0000-0000-000000000012', '90000000-0000-0000-0000-000000000001', 'llm_call',
     '2026-05-02 00:00+00', 'openai', 'gpt-4o', 1000, 0.0026, 'computed', 'sdk:2026-04');
UPDATE dexcost.cost_event SET input_tokens = 3000
 WHERE event_id IN ('91000000-0000-0000-0000-000000000011', '91000000-0000-0000-0000-000000000012');
SELECT event_id, cost_usd, cost_confidence, pricing_version LIKE 'dexcost:%' AS dexcost_priced
  FROM dexcost.cost_event
 WHERE event_id IN ('91000000-0000-0000-0000-000000000011', '91000000-0000-0000-0000-000000000012')
 ORDER BY event_id;

-- One UPDATE that clears customer_id (refilled from the task) and changes a client-computed
-- event's tokens keeps both: the customer comes back, and gpt-4o prices 4000 x 2.50/1e6 = 0.01.
UPDATE dexcost.cost_event SET customer_id = NULL, input_tokens = 4000
 WHERE event_id = '91000000-0000-0000-0000-000000000012'
RETURNING customer_id, cost_usd, cost_confidence;
-- A client revises its own estimate in one UPDATE: naming cost_confidence keeps it estimated...
UPDATE dexcost.cost_event SET cost_usd = 0.8, cost_confidence = 'estimated'
 WHERE event_id = '91000000-0000-0000-0000-000000000010'
RETURNING cost_usd, cost_confidence;
-- ...while a new cost alone is a corrected figure, exact.
UPDATE dexcost.cost_event SET cost_usd = 0.9 WHERE event_id = '91000000-0000-0000-0000-000000000010'
RETURNING cost_usd, cost_confidence;
-- One event cannot cost a quadrillion dollars (the roll-ups add costs exactly up to about 1.7e20).
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, cost_usd)
VALUES ('91000000-0000-0000-0000-000000000015', '90000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-05-02 00:00+00', 1000000000000000);

-- Prices have an upper bound (a price of 1e27 once broke every catalogue load).
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('co', 'm', 'output', 1000000000, 'test');
-- A reason cut at its buffer's end keeps whole characters (300 two-byte characters here).
SELECT pg_catalog.length(unpriced_reason) > 100 AS long_reason, unpriced_reason IS NOT NULL AS readable
  FROM dexcost.compute_cost('co', pg_catalog.repeat('é', 300), input_tokens => 1);
-- An unpriced group's reason comes from its latest event, not from summed tokens: each event
-- has 70 prompt tokens (below this model's 100-token band), together 140 (above it).
INSERT INTO dexcost.model_price (provider, model, usage_type, min_input_tokens, usd_per_mtok, source) VALUES
    ('co', 'banded', 'input', 0, 1, 'test'),
    ('co', 'banded', 'input', 100, 2, 'test');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, cache_read_tokens)
VALUES ('91000000-0000-0000-0000-000000000013', '90000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-05-02 00:00+00', 'co', 'banded', 60, 10),
       ('91000000-0000-0000-0000-000000000014', '90000000-0000-0000-0000-000000000001', 'llm_call',
        '2026-05-02 00:01+00', 'co', 'banded', 60, 10);
SELECT model, events, input_tokens, cache_read_tokens, reason FROM dexcost.unpriced_spend WHERE model = 'banded';

-- Clean up.
DELETE FROM dexcost.task WHERE customer_id LIKE 'co-%';
DELETE FROM dexcost.model_price WHERE provider = 'co';
SELECT count(*) AS events_left FROM dexcost.cost_event WHERE customer_id LIKE 'co-%';
