-- Tasks of one payload in any order (docs/ingest.md: parents are written before their
-- children). A chain of 400 sub-agents sent deepest first, the root's customer inherited by
-- all; a cycle of three with a task below it; a task sent twice. Everything runs in a
-- transaction rolled back at the end: the shared regression database stays as it was.
-- Ids: tasks e0000000-...-k.
BEGIN;
CREATE FUNCTION pg_temp.tid(k int) RETURNS text LANGUAGE sql IMMUTABLE
  RETURN 'e0000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0');
CREATE FUNCTION pg_temp.task(k int, parent int, customer text, status text DEFAULT 'success') RETURNS jsonb
  LANGUAGE sql IMMUTABLE RETURN jsonb_build_object(
    'task_id', pg_temp.tid(k), 'task_type', 'sub_agent', 'status', status,
    'started_at', '2026-05-27T18:00:00Z', 'ended_at', NULL, 'metadata', '{}'::jsonb,
    'customer_id', customer, 'project_id', NULL, 'parent_task_id', pg_temp.tid(parent), 'schema_version', '1');

-- Records 0 to 399: the chain, task 399 (the deepest) first, task 0 (the root) last.
-- 400 to 402: tasks 1000 -> 1001 -> 1002 -> 1000; 403: task 1003 below the cycle.
-- 404: task 200 again, pending (the copy at record 199 is success and comes first: this one counts).
SELECT r - 'receipt_id' AS response FROM dexcost.ingest(jsonb_build_object('tasks',
         (SELECT jsonb_agg(pg_temp.task(k, nullif(k - 1, -1), CASE WHEN k = 0 THEN 'ord-acme' END) ORDER BY k DESC)
            FROM generate_series(0, 399) k)
         || jsonb_build_array(pg_temp.task(1000, 1002, 'ord-acme'), pg_temp.task(1001, 1000, 'ord-acme'),
                              pg_temp.task(1002, 1001, 'ord-acme'), pg_temp.task(1003, 1001, NULL),
                              pg_temp.task(200, 199, NULL, 'pending')))::text) AS r;

-- Every chain task is stored under the root's customer, with its whole ancestry; none waits.
SELECT count(*) AS tasks, count(DISTINCT customer_id) AS customers, min(customer_id) AS customer,
       max(cardinality(ancestor_ids)) AS deepest,
       count(*) FILTER (WHERE root_task_id = pg_temp.tid(0)::uuid) AS under_the_root,
       count(*) FILTER (WHERE ancestor_ids IS DISTINCT FROM
                              ARRAY(SELECT pg_temp.tid(j)::uuid FROM generate_series(0, k - 1) j ORDER BY j))
         AS wrong_ancestry
  FROM dexcost.task AS t
  JOIN generate_series(0, 399) k ON t.task_id = pg_temp.tid(k)::uuid;
SELECT status FROM dexcost.task WHERE task_id = pg_temp.tid(200)::uuid;
SELECT count(*) AS cycle_stored FROM dexcost.task WHERE task_id::text LIKE 'e0000000-0000-4000-8000-0000000003e%';
SELECT count(*) AS parked FROM dexcost.ingest_pending;

-- The same chain sent again, root first this time: no new task; task 200 moves on from pending.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest(jsonb_build_object('tasks',
         (SELECT jsonb_agg(pg_temp.task(k, nullif(k - 1, -1), CASE WHEN k = 0 THEN 'ord-acme' END) ORDER BY k)
            FROM generate_series(0, 399) k))::text) AS r;
SELECT count(*) AS tasks, count(*) FILTER (WHERE status = 'pending') AS pending
  FROM dexcost.task WHERE task_id::text LIKE 'e0000000-%';
ROLLBACK;
