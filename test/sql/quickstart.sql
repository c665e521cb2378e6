-- The README's five-minute quickstart, statement for statement: if this output changes, the
-- README's sample output must change with it.
SET timezone = 'UTC';
\set VERBOSITY default

-- A task: one business operation, for one customer. Ids are yours (UUIDs, as the dexcost SDK sends).
INSERT INTO dexcost.task (task_id, customer_id, task_type)
VALUES ('a1b2c3d4-0000-4000-8000-000000000001', 'acme-corp', 'resolve_ticket');

-- A child task inherits its parent's customer.
INSERT INTO dexcost.task (task_id, parent_task_id, task_type)
VALUES ('a1b2c3d4-0000-4000-8000-000000000002', 'a1b2c3d4-0000-4000-8000-000000000001', 'draft_reply');

-- An LLM call with token counts: dexcost prices it from its catalogue.
-- Token buckets never overlap: input_tokens are the UNCACHED input tokens (docs/pricing.md).
INSERT INTO dexcost.cost_event (task_id, event_type, provider, model, input_tokens, cache_read_tokens, output_tokens)
VALUES ('a1b2c3d4-0000-4000-8000-000000000002', 'llm_call', 'openai', 'gpt-4o', 1338, 512, 420);

-- A paid API call with the cost you were charged, and a compute charge from quantity x unit price.
INSERT INTO dexcost.cost_event (task_id, event_type, service_name, cost_usd)
VALUES ('a1b2c3d4-0000-4000-8000-000000000002', 'external_cost', 'tavily', 0.005);
INSERT INTO dexcost.cost_event (task_id, event_type, service_name, quantity, quantity_unit, unit_price_usd)
VALUES ('a1b2c3d4-0000-4000-8000-000000000001', 'compute_cost', 'lambda', 12.5, 'gb_second', 0.0000166667);

SELECT event_type, coalesce(model, service_name) AS what, cost_usd, cost_confidence, pricing_version
  FROM dexcost.cost_event ORDER BY cost_usd DESC;

-- Totals per task: its own events, and its whole subtree. Exact at every moment.
SELECT task_type, own_cost_usd, subtree_cost_usd, subtree_event_count FROM dexcost.task_cost ORDER BY task_type;

-- A model the catalogue does not know is not free: its cost is unknown, and listed.
INSERT INTO dexcost.cost_event (task_id, event_type, provider, model, input_tokens, output_tokens)
VALUES ('a1b2c3d4-0000-4000-8000-000000000002', 'llm_call', 'acme', 'acme-finetune-v3', 5000, 800);
SELECT provider, model, events, reason FROM dexcost.unpriced_spend;

-- Price it (your rows take precedence over the shipped seed prices), then reprice the period.
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('acme', 'acme-finetune-v3', 'input', 4.00, 'our contract'),
       ('acme', 'acme-finetune-v3', 'output', 12.00, 'our contract');
SELECT events_changed, events_newly_priced, cost_change_usd FROM dexcost.reprice('-infinity', 'infinity');

-- Clean up.
DELETE FROM dexcost.task WHERE task_id = 'a1b2c3d4-0000-4000-8000-000000000001';
DELETE FROM dexcost.model_price WHERE provider = 'acme';
