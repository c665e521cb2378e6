-- DML through every table the extension's triggers watch, as the ordinary caller with public first in
-- search_path. Literals and qualified names only: nothing here may resolve to a planted object itself.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('5ec00000-0000-0000-0000-000000000001', 'sec-co', 'resolve_ticket', '2026-11-10 09:00+00');
INSERT INTO dexcost.task (task_id, customer_id, parent_task_id, task_type, started_at)
VALUES ('5ec00000-0000-0000-0000-000000000002', 'sec-co', '5ec00000-0000-0000-0000-000000000001', 'draft_reply',
        '2026-11-10 09:01+00');
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('5ec00000-0000-0000-0000-000000000003', 'sec-co', 'other_root', '2026-11-10 09:02+00');
INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
VALUES ('acme', 'acme-sec', 'input', 4.00, 'security test');
INSERT INTO dexcost.model_alias (provider, alias, model) VALUES ('acme', 'acme-sec-alias', 'acme-sec');
INSERT INTO dexcost.cost_event (event_id, customer_id, task_id, event_type, occurred_at, provider, model,
                                input_tokens, output_tokens)
VALUES ('5ec10000-0000-0000-0000-000000000001', 'sec-co', '5ec00000-0000-0000-0000-000000000002', 'llm_call',
        '2026-11-10 09:03+00', 'openai', 'gpt-4o-mini', 1000, 200),
       ('5ec10000-0000-0000-0000-000000000002', 'sec-co', '5ec00000-0000-0000-0000-000000000002', 'llm_call',
        '2026-11-10 09:04+00', 'acme', 'acme-sec-alias', 1000, 200);
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd)
VALUES ('5ec10000-0000-0000-0000-000000000003', '5ec00000-0000-0000-0000-000000000001', 'external_cost',
        '2026-11-10 09:05+00', 'tavily', 0.005);
UPDATE dexcost.task SET status = 'success', ended_at = '2026-11-10 09:06+00'

 WHERE task_id OPERATOR(pg_catalog.=) '5ec00000-0000-0000-0000-000000000001';
UPDATE dexcost.task SET parent_task_id = '5ec00000-0000-0000-0000-000000000003'

 WHERE task_id OPERATOR(pg_catalog.=) '5ec00000-0000-0000-0000-000000000002';
UPDATE dexcost.cost_event SET output_tokens = 300
 WHERE event_id OPERATOR(pg_catalog.=) '5ec10000-0000-0000-0000-000000000001';
DELETE FROM dexcost.cost_event
 WHERE event_id OPERATOR(pg_catalog.=) '5ec10000-0000-0000-0000-000000000003';
UPDATE dexcost.model_price SET source = 'security test, edited'
 WHERE model OPERATOR(pg_catalog.=) 'acme-sec';
DELETE FROM dexcost.model_alias
 WHERE alias OPERATOR(pg_catalog.=) 'acme-sec-alias';
DELETE FROM dexcost.model_price
 WHERE model OPERATOR(pg_catalog.=) 'acme-sec';
DELETE FROM dexcost.task
 WHERE task_id OPERATOR(pg_catalog.=) '5ec00000-0000-0000-0000-000000000003';
-- Statement triggers on TRUNCATE: the roll-up reset, and the refusal on the seed catalogue.
TRUNCATE dexcost.cost_event;
TRUNCATE dexcost.model_alias;
