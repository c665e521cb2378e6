-- dexcost.task: the task tree (customer inheritance, root_task_id) and every error of its trigger.
-- Task ids a0000000-...; customers tk-*. Everything is deleted at the end.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- A root task keeps its customer and is its own root; status defaults to pending.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('a0000000-0000-0000-0000-000000000001', 'tk-acme', 'support_ticket_summary.v2', '2026-03-01 09:00:00+00')
RETURNING task_id, customer_id, parent_task_id, root_task_id, status;

-- A child names no customer: it inherits the parent's customer and root.
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at)
VALUES ('a0000000-0000-0000-0000-000000000002', 'retrieve_context', 'a0000000-0000-0000-0000-000000000001',
        '2026-03-01 09:00:01+00')
RETURNING task_id, customer_id, parent_task_id, root_task_id;

-- A grandchild inherits the root of the whole tree, not its parent's id.
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at)
VALUES ('a0000000-0000-0000-0000-000000000003', 'rerank', 'a0000000-0000-0000-0000-000000000002',
        '2026-03-01 09:00:02+00')
RETURNING task_id, customer_id, parent_task_id, root_task_id;

-- A child may repeat its parent's customer.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, started_at)
VALUES ('a0000000-0000-0000-0000-000000000004', 'tk-acme', 'draft_reply', 'a0000000-0000-0000-0000-000000000001',
        '2026-03-01 09:00:03+00')
RETURNING task_id, customer_id, parent_task_id, root_task_id;

-- A root task that names no customer is filed under '(unattributed)', and so are its children.
INSERT INTO dexcost.task (task_id, task_type, started_at)
VALUES ('a0000000-0000-0000-0000-000000000010', 'nightly_digest', '2026-03-01 02:00:00+00')
RETURNING task_id, customer_id, root_task_id, customer_id = dexcost.unattributed_customer() AS unattributed;
INSERT INTO dexcost.task (task_id, task_type, parent_task_id, started_at)
VALUES ('a0000000-0000-0000-0000-000000000011', 'summarize', 'a0000000-0000-0000-0000-000000000010',
        '2026-03-01 02:00:05+00')
RETURNING task_id, customer_id, root_task_id;

-- The vocabulary: status and request_path accept their words only.
INSERT INTO dexcost.task (task_id, customer_id, task_type, status, request_path, started_at, ended_at, accepted)
VALUES ('a0000000-0000-0000-0000-000000000020', 'tk-acme', 'classify', 'success', 'batch',
        '2026-03-01 10:00:00+00', '2026-03-01 10:00:30+00', true)
RETURNING task_id, status, request_path, ended_at - started_at AS duration;
INSERT INTO dexcost.task (task_id, customer_id, task_type, status)
VALUES ('a0000000-0000-0000-0000-000000000021', 'tk-acme', 'classify', 'done');
INSERT INTO dexcost.task (task_id, customer_id, task_type, request_path)
VALUES ('a0000000-0000-0000-0000-000000000021', 'tk-acme', 'classify', 'online');

-- A task cannot end before it starts; ending at the same instant is fine.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at, ended_at)
VALUES ('a0000000-0000-0000-0000-000000000021', 'tk-acme', 'classify', '2026-03-01 10:00:00+00', '2026-03-01 09:59:59+00');
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at, ended_at)
VALUES ('a0000000-0000-0000-0000-000000000021', 'tk-acme', 'classify', '2026-03-01 10:00:00+00', '2026-03-01 10:00:00+00')
RETURNING task_id, started_at, ended_at;
-- The same check runs on UPDATE.
UPDATE dexcost.task SET ended_at = '2026-03-01 08:00:00+00'
 WHERE task_id = 'a0000000-0000-0000-0000-000000000001';

-- Updating other columns keeps customer and root; finishing a task is an ordinary UPDATE.
UPDATE dexcost.task SET status = 'success', ended_at = '2026-03-01 09:01:00+00', accepted = true
 WHERE task_id = 'a0000000-0000-0000-0000-000000000003'
RETURNING task_id, customer_id, root_task_id, status, ended_at;

-- A task's customer and id are permanent.
UPDATE dexcost.task SET customer_id = 'tk-globex'
 WHERE task_id = 'a0000000-0000-0000-0000-000000000001';
UPDATE dexcost.task SET task_id = 'a0000000-0000-0000-0000-000000000099'
 WHERE task_id = 'a0000000-0000-0000-0000-000000000004';

-- A child cannot belong to another customer than its parent.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id)
VALUES ('a0000000-0000-0000-0000-000000000030', 'tk-globex', 'draft_reply', 'a0000000-0000-0000-0000-000000000001');

-- The parent must exist, with or without a customer on the child.
INSERT INTO dexcost.task (task_id, task_type, parent_task_id)
VALUES ('a0000000-0000-0000-0000-000000000030', 'draft_reply', 'a0000000-0000-0000-0000-00000000dead');
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id)
VALUES ('a0000000-0000-0000-0000-000000000030', 'tk-acme', 'draft_reply', 'a0000000-0000-0000-0000-00000000dead');

-- The same task id under two customers: a child must then say which parent it means.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('a0000000-0000-0000-0000-000000000040', 'tk-acme', 'shared_id', '2026-03-02 00:00:00+00'),
       ('a0000000-0000-0000-0000-000000000040', 'tk-globex', 'shared_id', '2026-03-02 00:00:00+00');
INSERT INTO dexcost.task (task_id, task_type, parent_task_id)
VALUES ('a0000000-0000-0000-0000-000000000041', 'child', 'a0000000-0000-0000-0000-000000000040');
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id)
VALUES ('a0000000-0000-0000-0000-000000000041', 'tk-globex', 'child', 'a0000000-0000-0000-0000-000000000040')
RETURNING task_id, customer_id, root_task_id;

-- A restore may load a child before its parent in one statement when it carries customer_id and
-- root_task_id; the foreign key checks the parent at the end of the statement.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, root_task_id, started_at)
VALUES ('a0000000-0000-0000-0000-000000000051', 'tk-acme', 'child', 'a0000000-0000-0000-0000-000000000050',
        'a0000000-0000-0000-0000-000000000050', '2026-03-03 00:00:01+00'),
       ('a0000000-0000-0000-0000-000000000050', 'tk-acme', 'root', NULL, NULL, '2026-03-03 00:00:00+00');
SELECT task_id, customer_id, parent_task_id, root_task_id
  FROM dexcost.task WHERE task_id IN ('a0000000-0000-0000-0000-000000000050', 'a0000000-0000-0000-0000-000000000051')
 ORDER BY task_id;
-- If the parent never comes, the foreign key refuses the statement.
INSERT INTO dexcost.task (task_id, customer_id, task_type, parent_task_id, root_task_id)
VALUES ('a0000000-0000-0000-0000-000000000052', 'tk-acme', 'child', 'a0000000-0000-0000-0000-00000000dead',
        'a0000000-0000-0000-0000-00000000dead');

-- Plain CHECK constraints the trigger leaves to PostgreSQL.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at, created_at)
VALUES ('a0000000-0000-0000-0000-000000000060', 'tk-acme', '', '2026-03-04 00:00:00+00', '2026-03-04 00:00:00+00');

-- The whole tree, as stored.
SELECT task_id, customer_id, task_type, parent_task_id, root_task_id, status
  FROM dexcost.task WHERE customer_id LIKE 'tk-%' OR task_id::text LIKE 'a0000000-%'
 ORDER BY task_id, customer_id;

-- Deleting a root deletes its tree (ON DELETE CASCADE).
DELETE FROM dexcost.task WHERE task_id = 'a0000000-0000-0000-0000-000000000001';
SELECT count(*) AS left_of_tree FROM dexcost.task WHERE root_task_id = 'a0000000-0000-0000-0000-000000000001';

-- Clean up: later files share this database.
DELETE FROM dexcost.task WHERE task_id::text LIKE 'a0000000-%';
SELECT count(*) AS tasks_left FROM dexcost.task WHERE task_id::text LIKE 'a0000000-%';
