-- Per-customer isolation for the round trip (docs/roles.md): two customers, a tenant login
-- limited to one of them, and isolation turned on before the dump.
SET timezone = 'UTC';
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('d1000000-0000-0000-0000-000000000001', 'iso-a', 'resolve_ticket', '2026-11-12 09:00'),
       ('d1000000-0000-0000-0000-000000000002', 'iso-b', 'resolve_ticket', '2026-11-12 09:00');
INSERT INTO dexcost.cost_event (event_id, task_id, event_type, occurred_at, service_name, cost_usd)
VALUES ('e2000000-0000-0000-0000-000000000001', 'd1000000-0000-0000-0000-000000000001', 'external_cost',
        '2026-11-12 09:01', 'tavily', 1.25),
       ('e2000000-0000-0000-0000-000000000002', 'd1000000-0000-0000-0000-000000000002', 'external_cost',
        '2026-11-12 09:01', 'tavily', 2.50);
INSERT INTO dexcost.customer_access VALUES ('dexcost_dump_tenant', 'iso-a');
SET client_min_messages = warning;
SELECT dexcost.set_customer_isolation(true);
