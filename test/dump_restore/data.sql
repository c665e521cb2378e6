-- Data for the dump/restore round trip: every cost path, user catalogue rows next to the
-- seeds, and a child task stored before its parent in the heap (a restore's COPY then
-- loads the child first).
SET timezone = 'UTC';

INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source, valid_from)
VALUES ('openai', 'gpt-4o-mini', 'input', 0.10, 'dump test: price cut', '2026-11-15');
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('acme', 'acme-finetune-v3', 'input', 4.00, 'dump test: private model'),
       ('acme', 'acme-finetune-v3', 'output', 12.00, 'dump test: private model');
INSERT INTO dexcost.model_alias (provider, alias, model) VALUES ('acme', 'acme-ft3', 'acme-finetune-v3');

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('d0000000-0000-0000-0000-000000000001', 'dump-co', 'resolve_ticket', '2026-11-10 09:00');
INSERT INTO dexcost.task (task_id, parent_task_id, task_type, started_at)
VALUES ('d0000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000001', 'draft_reply', '2026-11-10 09:01'),
       ('d0000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000002', 'retrieve_context', '2026-11-10 09:02');
INSERT INTO dexcost.task (task_id, task_type, started_at)
VALUES ('d0000000-0000-0000-0000-000000000004', 'nightly_backfill', '2026-11-11 02:00');
-- A new version of the root goes to the end of the heap, after its descendants.
UPDATE dexcost.task SET status = 'success', ended_at = '2026-11-10 09:05', accepted = true
 WHERE task_id = 'd0000000-0000-0000-0000-000000000001';

INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, cache_read_tokens, output_tokens)
SELECT ('e0000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
       ('d0000000-0000-0000-0000-00000000000' || (1 + i % 3))::uuid,
       'llm_call', timestamptz '2026-11-10 09:00' + i * interval '1 hour', 'openai', 'gpt-4o-mini',
       1000 + i, 100 * (i % 5), 200 + i
  FROM generate_series(1, 200) AS i;
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd, pricing_source)
VALUES ('e1000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-11-10 09:03', 'tavily', 0.005, 'manual');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit, unit_price_usd)
VALUES ('e1000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000004', 'compute_cost',
        '2026-11-11 02:10', 'lambda', 12.5, 'gb_second', 0.0000166667);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens)
VALUES ('e1000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000004', 'llm_call',
        '2026-11-11 02:11', 'acme', 'acme-ft3', 5000, 800),
       ('e1000000-0000-0000-0000-000000000004', 'd0000000-0000-0000-0000-000000000004', 'llm_call',
        '2026-11-11 02:12', 'openai', 'gpt-9-unreleased', 5000, 800);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, provider, model, cost_usd,
                                is_retry, retry_reason, retry_of, retry_type, error_type)
VALUES ('e1000000-0000-0000-0000-000000000005', 'd0000000-0000-0000-0000-000000000002', 'retry_marker',
        '2026-11-10 09:04', 'openai', 'gpt-4o-mini', 0.0007, true, 'rate_limit',
        'e0000000-0000-0000-0000-000000000001', 'provider_retry', NULL);

-- Fold some of the totals and leave the rest pending: a restore must neither lose nor double them.
SELECT dexcost.fold_rollups();
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd)
VALUES ('e1000000-0000-0000-0000-000000000006', 'd0000000-0000-0000-0000-000000000003', 'external_cost',
        '2026-11-10 09:06', 'pinecone', 0.0001);
