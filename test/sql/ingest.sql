-- dexcost.ingest(jsonb): the dexcost SDK's v1 payload {"events", "tasks", "business_identities",
-- "outcomes", "revenue_revisions"}, record by record, idempotent, with per-record errors.
-- Ids: the SDK fixtures' own (tasks 11111111-..., events 22222222-...), else tasks c0000000-...,
-- events c1000000-..., revenues c2000000-..., outcomes/identities c3000000-...; customers ing-*.
-- Everything is deleted at the end (tasks, parked and raw records, receipts).
-- Seed prices used (USD per million tokens, price_id in brackets):
--   openai gpt-4o standard: input 2.50 [21], cache_read 1.25 [22], output 10.00 [23]
--   openai o4-mini standard: input 1.10 [32], cache_read 0.275 [33], output 4.40 [34]
--   anthropic claude-sonnet-4-5 standard: input 3.00 [46], cache_read 0.30 [47], cache_write 3.75 [48],
--     output 15.00 [50]
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Helpers (temporary): a response as one row of counts plus one row per refused record, and the
-- stored rows of this file's tasks.
CREATE FUNCTION pg_temp.answer(r jsonb) RETURNS TABLE (item text, detail text)
  LANGUAGE sql AS $$
    SELECT a.item, a.detail FROM (
        SELECT -1 AS pos, 'counts' AS item,
               format('queued %s, parked %s, rejected %s', r->'queued', r->'parked', r->'rejected') AS detail
        UNION ALL
        SELECT (e->>'index')::int, format('error %s', e->>'index'), e->>'reason'
          FROM pg_catalog.jsonb_array_elements(r->'errors') AS e) AS a
     ORDER BY a.pos
$$;
CREATE VIEW pg_temp.ev AS
SELECT e.* FROM dexcost.cost_event AS e
 WHERE e.task_id::text LIKE '11111111-%' OR e.task_id::text LIKE 'c0000000-%';
CREATE VIEW pg_temp.own AS
SELECT c.task_id, c.customer_id, (c.own).*
  FROM dexcost.task_cost AS c
 WHERE c.task_id::text LIKE '11111111-%' OR c.task_id::text LIKE 'c0000000-%';
-- Roll-up deltas of this file's tasks (ingest appends one per task a statement changed).
CREATE VIEW pg_temp.deltas AS
SELECT count(*) AS deltas FROM dexcost.task_rollup_delta AS d
 WHERE d.task_id::text LIKE '11111111-%' OR d.task_id::text LIKE 'c0000000-%';

------------------------------------------------------------------------------------------
-- 1. The SDK's example records (sdk-v1/llm_call, external_cost, compute_cost_lambda,
--    retry_marker and task_minimal .v1.json, verbatim) and a task for the four events, which
--    comes after its events in the payload.
------------------------------------------------------------------------------------------
CREATE TEMP TABLE fixture_payload AS SELECT $payload$
{"events": [
{
  "event_id": "22222222-0001-0000-0000-000000000001",
  "task_id": "11111111-0001-0000-0000-000000000001",
  "event_type": "llm_call",
  "occurred_at": "2026-05-26T12:34:56.789000Z",
  "cost_usd": "0.0265",
  "cost_confidence": "exact",
  "pricing_source": "provider_response",
  "pricing_version": "2026-05-01",
  "service_name": "openai",
  "provider": "openai",
  "model": "gpt-4o",
  "input_tokens": 1850,
  "output_tokens": 420,
  "cached_tokens": 512,
  "latency_ms": 1340,
  "is_retry": false,
  "retry_reason": null,
  "retry_of": null,
  "details": {
    "temperature": 0.7,
    "max_tokens": 1024
  },
  "schema_version": "1"
},
{
  "event_id": "22222222-0002-0000-0000-000000000001",
  "task_id": "11111111-0001-0000-0000-000000000001",
  "event_type": "external_cost",
  "occurred_at": "2026-05-26T12:34:57.000000Z",
  "cost_usd": "0.0050",
  "cost_confidence": "exact",
  "pricing_source": "manual",
  "pricing_version": null,
  "service_name": "tavily",
  "provider": null,
  "model": null,
  "input_tokens": null,
  "output_tokens": null,
  "cached_tokens": null,
  "latency_ms": 230,
  "is_retry": false,
  "retry_reason": null,
  "retry_of": null,
  "details": {
    "endpoint": "/search",
    "requests_count": 1,
    "response_status": 200
  },
  "schema_version": "1"
},
{
  "event_id": "22222222-0003-0000-0000-000000000001",
  "task_id": "11111111-0001-0000-0000-000000000001",
  "event_type": "compute_cost",
  "occurred_at": "2026-05-26T12:34:58.000000Z",
  "cost_usd": "0.0000208",
  "cost_confidence": "computed",
  "pricing_source": "manual",
  "pricing_version": "compute:1.0.1",
  "service_name": null,
  "provider": null,
  "model": null,
  "input_tokens": null,
  "output_tokens": null,
  "cached_tokens": null,
  "latency_ms": null,
  "is_retry": false,
  "retry_reason": null,
  "retry_of": null,
  "details": {
    "billing_model": "lambda",
    "region": "us-east-1",
    "architecture": "x86_64",
    "duration_ms": 1000,
    "memory_bytes_peak": 268435456,
    "memory_bytes_limit": 536870912,
    "vcpu_count": 0.5,
    "vcpu_seconds_used": 0.5,
    "invocation_count": 1,
    "initialization_type": "on_demand",
    "cost_pending": false
  },
  "schema_version": "1"
},
{
  "event_id": "22222222-000a-0000-0000-000000000001",
  "task_id": "11111111-0001-0000-0000-000000000001",
  "event_type": "retry_marker",
  "occurred_at": "2026-05-26T12:35:05.000000Z",
  "cost_usd": "0.0070",
  "cost_confidence": "exact",
  "pricing_source": "provider_response",
  "pricing_version": "2026-05-01",
  "service_name": "openai",
  "provider": "openai",
  "model": "gpt-4o",
  "input_tokens": 300,
  "output_tokens": 100,
  "cached_tokens": null,
  "latency_ms": 950,
  "is_retry": true,
  "retry_reason": "rate_limit",
  "retry_of": "22222222-0001-0000-0000-000000000001",
  "details": {},
  "schema_version": "1"
}
],
"tasks": [
{
  "task_id": "11111111-0001-0000-0000-000000000001",
  "task_type": "support_ticket_summary.v2",
  "status": "pending",
  "started_at": "2026-05-26T12:34:50.000000Z",
  "ended_at": null,
  "metadata": {"ticket": "T-1042"},
  "customer_id": "ing-acme",
  "project_id": "helpdesk",
  "user_id": "user-7",
  "product_id": "support-bot",
  "parent_task_id": null,
  "root_task_id": "11111111-0001-0000-0000-000000000001",
  "agent_id": "triage-agent",
  "agent_version": "2.3.1",
  "workflow_id": "wf-support",
  "workflow_session_id": "sess-88",
  "experiment_id": "exp-cache",
  "variant": "B",
  "llm_cost_usd": "0.0335",
  "external_cost_usd": "0.0050",
  "compute_cost_usd": "0.0000208",
  "network_cost_usd": "0.00",
  "gpu_cost_usd": "0.00",
  "total_cost_usd": "0.0385208",
  "total_input_tokens": 2150,
  "total_output_tokens": 520,
  "total_cached_tokens": 512,
  "retry_count": 1,
  "retry_cost_usd": "0.0070",
  "failure_count": 0,
  "network_bytes_in": 0,
  "network_bytes_out": 0,
  "network_call_count": 0,
  "network_by_host": {},
  "schema_version": "1"
},
{
  "task_id": "11111111-0004-0000-0000-000000000001",
  "task_type": "minimal_test",
  "status": "success",
  "started_at": "2026-05-26T12:34:00.000000Z",
  "ended_at": "2026-05-26T12:34:30.000000Z",
  "metadata": {},
  "customer_id": null,
  "project_id": null,
  "parent_task_id": null,
  "llm_cost_usd": "0.00",
  "external_cost_usd": "0.00",
  "compute_cost_usd": "0.00",
  "network_cost_usd": "0.00",
  "gpu_cost_usd": "0.00",
  "total_cost_usd": "0.00",
  "total_input_tokens": 0,
  "total_output_tokens": 0,
  "total_cached_tokens": 0,
  "network_bytes_in": 0,
  "network_bytes_out": 0,
  "network_call_count": 0,
  "retry_count": 0,
  "retry_cost_usd": "0.00",
  "failure_count": 0,
  "schema_version": "1"
}
]}
$payload$::text AS payload;
SELECT r - 'receipt_id' AS response FROM fixture_payload, dexcost.ingest(payload) AS r;

-- The events, with the SDK's costs and confidences kept as sent. Tokens in disjoint buckets:
-- OpenAI counts cached tokens inside input_tokens, so the llm_call's 1850 input with 512
-- cached become input 1338 (1850 - 512) + cache_read 512; the retry (cached null) keeps
-- input 300 with cache_read NULL. details.* stay in details.
SELECT event_id, customer_id, event_type, occurred_at, cost_usd, cost_confidence, pricing_source,
       pricing_version, service_name, provider, model
  FROM pg_temp.ev WHERE task_id = '11111111-0001-0000-0000-000000000001' ORDER BY occurred_at;
SELECT event_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
       latency_ms, error_type, is_retry, retry_reason, retry_of
  FROM pg_temp.ev WHERE task_id = '11111111-0001-0000-0000-000000000001' ORDER BY occurred_at;
SELECT event_id, details
  FROM pg_temp.ev WHERE task_id = '11111111-0001-0000-0000-000000000001' ORDER BY occurred_at;

-- The tasks: the SDK's attribution columns are kept; task_minimal names no customer and is
-- filed under '(unattributed)'.
SELECT task_id, customer_id, task_type, status, started_at, ended_at, root_task_id, metadata
  FROM dexcost.task WHERE task_id::text LIKE '11111111-%' ORDER BY task_id;
SELECT task_id, project_id, user_id, product_id, agent_id, agent_version, workflow_id, workflow_session_id,
       experiment_id, variant
  FROM dexcost.task WHERE task_id::text LIKE '11111111-%' ORDER BY task_id;

-- The ledger's totals of the fixture task:
--   total    0.0265 + 0.0050 + 0.0000208 + 0.0070 = 0.0385208
--   llm      0.0265 + 0.0070 (the retry_marker names a model) = 0.0335
--   external 0.0050; compute 0.0000208; retry 0.0070 (1 retry)
--   input    1338 + 300 = 1638; cache_read 512; output 420 + 100 = 520
\x on
SELECT * FROM pg_temp.own WHERE task_id = '11111111-0001-0000-0000-000000000001';
\x off
-- The SDK's own totals are kept apart, as reported (input 2150 = 1850 + 300: the SDK adds
-- providers' counts as they come) ...
SELECT customer_id, task_id, total_cost_usd, llm_cost_usd, retry_count, retry_cost_usd, total_input_tokens,
       total_cached_tokens
  FROM dexcost.task_reported_totals WHERE task_id::text LIKE '11111111-%' ORDER BY task_id;
-- ... and agree with the ledger on total cost, retry cost and retry count: no mismatch.
SELECT * FROM dexcost.reported_totals_mismatch WHERE task_id::text LIKE '11111111-%';

------------------------------------------------------------------------------------------
-- 2. The same payload again stores nothing twice and changes no total.
------------------------------------------------------------------------------------------
SELECT count(*) AS events FROM pg_temp.ev;
SELECT * FROM pg_temp.deltas;
SELECT r - 'receipt_id' AS response FROM fixture_payload, dexcost.ingest(payload) AS r;
-- Still 4 + 0 events, no row parked, no roll-up delta appended, the same totals.
SELECT count(*) AS events FROM pg_temp.ev;
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT * FROM pg_temp.deltas;
SELECT count(*) AS tasks FROM dexcost.task WHERE task_id::text LIKE '11111111-%';
SELECT task_id, event_count, retry_count, total_cost_usd, llm_cost_usd, retry_cost_usd, input_tokens,
       cache_read_tokens, output_tokens
  FROM pg_temp.own WHERE task_id::text LIKE '11111111-%' ORDER BY task_id;

------------------------------------------------------------------------------------------
-- 3. Events first, their task in a later call: the events wait in dexcost.ingest_pending and
--    are stored (adopted) the moment the task arrives, by ingest() or by plain SQL.
------------------------------------------------------------------------------------------
DELETE FROM dexcost.ingest_receipt;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000010", "task_id": "c0000000-0000-0000-0000-000000000010",
   "event_type": "llm_call", "occurred_at": "2026-05-27T09:00:01.000000Z", "cost_usd": "0.0020",
   "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
   "service_name": "openai", "provider": "openai", "model": "gpt-4o-mini", "input_tokens": 400,
   "output_tokens": 100, "cached_tokens": 0, "latency_ms": 800, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000011", "task_id": "c0000000-0000-0000-0000-000000000010",
   "event_type": "external_cost", "occurred_at": "2026-05-27T09:00:02.000000Z", "cost_usd": "0.0010",
   "cost_confidence": "exact", "pricing_source": "manual", "pricing_version": null,
   "service_name": "serpapi", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": 310, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
SELECT record_type, record_key, waits_for, record->>'event_type' AS event_type
  FROM dexcost.ingest_pending ORDER BY record_key;
SELECT count(*) AS stored FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000010';

-- The task arrives. Its record reports 0.0045 in total: the SDK has counted a third event
-- (0.0015) it has not sent yet.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000010", "task_type": "research", "status": "success",
   "started_at": "2026-05-27T09:00:00Z", "ended_at": "2026-05-27T09:00:05Z", "metadata": {},
   "customer_id": "ing-globex", "project_id": null, "parent_task_id": null,
   "llm_cost_usd": "0.0020", "external_cost_usd": "0.0025", "compute_cost_usd": "0", "network_cost_usd": "0",
   "gpu_cost_usd": "0", "total_cost_usd": "0.0045", "total_input_tokens": 400, "total_output_tokens": 100,
   "total_cached_tokens": 0, "retry_count": 0, "retry_cost_usd": "0", "failure_count": 0,
   "network_bytes_in": 0, "network_bytes_out": 0, "network_call_count": 0, "schema_version": "1"}
]}
$payload$) AS r;
-- Nothing waits any more; both events are stored under the task's customer.
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT event_id, customer_id, event_type, cost_usd, cost_confidence, input_tokens, cache_read_tokens, output_tokens
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000010' ORDER BY event_id;
-- One receipt per call, and one for the adoption (same transaction as the second call).
SELECT origin, queued, parked, rejected, errors
  FROM dexcost.ingest_receipt ORDER BY received_at, origin;
-- The ledger has 0.0020 + 0.0010 = 0.0030, the SDK said 0.0045: dexcost says so.
SELECT customer_id, task_id, measure, reported, ledger
  FROM dexcost.reported_totals_mismatch WHERE task_id::text LIKE 'c0000000-%' ORDER BY task_id, measure;
-- The third event arrives: 0.0030 + 0.0015 = 0.0045, the totals agree.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000012", "task_id": "c0000000-0000-0000-0000-000000000010",
   "event_type": "external_cost", "occurred_at": "2026-05-27T09:00:03.000000Z", "cost_usd": "0.0015",
   "cost_confidence": "exact", "pricing_source": "manual", "pricing_version": null,
   "service_name": "serpapi", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": 290, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
SELECT count(*) AS mismatches FROM dexcost.reported_totals_mismatch WHERE task_id::text LIKE 'c0000000-%';
SELECT task_id, event_count, total_cost_usd, llm_cost_usd, external_cost_usd
  FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000010';

-- A task inserted with plain SQL adopts the events waiting for it too.
DELETE FROM dexcost.ingest_receipt;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000013", "task_id": "c0000000-0000-0000-0000-000000000011",
   "event_type": "compute_cost", "occurred_at": "2026-05-27T10:00:01Z", "cost_usd": "0.000125",
   "cost_confidence": "estimated", "pricing_source": "manual", "pricing_version": "compute:1.0.1",
   "service_name": "lambda", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": null, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"billing_model": "lambda"}, "schema_version": "1"}
]}
$payload$) AS r;
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at)
VALUES ('c0000000-0000-0000-0000-000000000011', 'ing-globex', 'nightly_batch', '2026-05-27 10:00:00+00');
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT event_id, customer_id, event_type, cost_usd, cost_confidence, pricing_version, service_name
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000011';
SELECT origin, queued, parked, rejected, errors
  FROM dexcost.ingest_receipt ORDER BY received_at, origin;

------------------------------------------------------------------------------------------
-- 4. A task whose parent is not known yet waits for it; the child then inherits the
--    parent's customer, and the child's own waiting events follow.
------------------------------------------------------------------------------------------
DELETE FROM dexcost.ingest_receipt;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000021", "task_id": "c0000000-0000-0000-0000-000000000021",
   "event_type": "llm_call", "occurred_at": "2026-05-27T11:00:02Z", "cost_usd": "0.0030",
   "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 500,
   "output_tokens": 100, "cached_tokens": null, "latency_ms": 700, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
],
"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000021", "task_type": "retrieve_context", "status": "success",
   "started_at": "2026-05-27T11:00:01Z", "ended_at": "2026-05-27T11:00:03Z", "metadata": {},
   "customer_id": null, "project_id": null, "parent_task_id": "c0000000-0000-0000-0000-000000000020",
   "schema_version": "1"}
]}
$payload$) AS r;
SELECT record_type, record_key, waits_for FROM dexcost.ingest_pending ORDER BY record_type, record_key;
-- The parent arrives: the child is adopted (and files under ing-initech, its parent's
-- customer), which adopts the child's event in turn.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000020", "task_type": "answer_question", "status": "pending",
   "started_at": "2026-05-27T11:00:00Z", "ended_at": null, "metadata": {},
   "customer_id": "ing-initech", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT task_id, customer_id, parent_task_id, root_task_id, ancestor_ids, status
  FROM dexcost.task WHERE task_id::text LIKE 'c0000000-0000-0000-0000-00000000002%' ORDER BY task_id;
SELECT event_id, customer_id, task_id, cost_usd FROM pg_temp.ev WHERE event_id = 'c1000000-0000-0000-0000-000000000021';
-- The subtree of the parent holds the child's 0.0030.
SELECT task_id, own_cost_usd, subtree_cost_usd, subtree_event_count
  FROM dexcost.task_cost WHERE task_id::text LIKE 'c0000000-0000-0000-0000-00000000002%' ORDER BY task_id;
SELECT origin, queued, parked, rejected, errors
  FROM dexcost.ingest_receipt ORDER BY received_at, origin, queued;

-- In one payload, out of order: grandchild, child, then the root. Parents are written first,
-- nothing waits.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000032", "task_type": "rerank", "status": "success",
   "started_at": "2026-05-27T12:00:02Z", "ended_at": "2026-05-27T12:00:03Z", "metadata": {},
   "customer_id": null, "project_id": null, "parent_task_id": "c0000000-0000-0000-0000-000000000031",
   "schema_version": "1"},
  {"task_id": "c0000000-0000-0000-0000-000000000031", "task_type": "retrieve_context", "status": "success",
   "started_at": "2026-05-27T12:00:01Z", "ended_at": "2026-05-27T12:00:04Z", "metadata": {},
   "customer_id": "ing-hooli", "project_id": null, "parent_task_id": "c0000000-0000-0000-0000-000000000030",
   "schema_version": "1"},
  {"task_id": "c0000000-0000-0000-0000-000000000030", "task_type": "answer_question", "status": "success",
   "started_at": "2026-05-27T12:00:00Z", "ended_at": "2026-05-27T12:00:05Z", "metadata": {},
   "customer_id": "ing-hooli", "project_id": "search", "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, customer_id, parent_task_id, root_task_id, ancestor_ids
  FROM dexcost.task WHERE task_id::text LIKE 'c0000000-0000-0000-0000-00000000003%' ORDER BY task_id;

------------------------------------------------------------------------------------------
-- 5. A task sent again: status, end and metadata move forward (pending -> success); a late
--    pending copy does not move it back; everything else stays as first stored.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000040", "task_type": "draft_reply", "status": "pending",
   "started_at": "2026-05-27T13:00:00Z", "ended_at": null, "metadata": {"step": 1},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null,
   "total_cost_usd": "0", "retry_count": 0, "retry_cost_usd": "0", "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, customer_id, task_type, status, started_at, ended_at, metadata
  FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
-- Finished: success at 13:05, with new metadata and totals; the SDK leaves customer_id out
-- this time (the task keeps ing-acme) and renames the task type (ignored: only status, end
-- and metadata move).
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000040", "task_type": "draft_reply.v2", "status": "success",
   "started_at": "2026-05-27T13:00:00Z", "ended_at": "2026-05-27T13:05:00Z", "metadata": {"step": 2},
   "customer_id": null, "project_id": null, "parent_task_id": null,
   "total_cost_usd": "0.25", "retry_count": 2, "retry_cost_usd": "0.05", "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, customer_id, task_type, status, started_at, ended_at, metadata
  FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
-- The reported totals follow the latest record; the task has no event yet, so all three
-- measures disagree with the ledger (0.25 vs 0, 0.05 vs 0, 2 vs 0).
SELECT customer_id, task_id, measure, reported, ledger
  FROM dexcost.reported_totals_mismatch WHERE task_id = 'c0000000-0000-0000-0000-000000000040' ORDER BY measure;
-- A late copy of the pending record (a retry of the SDK's first flush) changes nothing: not
-- the task, not the totals the SDK reported last.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000040", "task_type": "draft_reply", "status": "pending",
   "started_at": "2026-05-27T13:00:00Z", "ended_at": null, "metadata": {"step": 1},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null,
   "total_cost_usd": "0", "retry_count": 0, "retry_cost_usd": "0", "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, status, ended_at, metadata FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
SELECT total_cost_usd, retry_count, retry_cost_usd
  FROM dexcost.task_reported_totals WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
-- ... nor does a finished copy that ends earlier (13:03 < 13:05); a later end (13:07) wins.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000040", "task_type": "draft_reply", "status": "failed",
   "started_at": "2026-05-27T13:00:00Z", "ended_at": "2026-05-27T13:03:00Z", "metadata": {"step": 3},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, status, ended_at, metadata FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000040", "task_type": "draft_reply", "status": "failed",
   "started_at": "2026-05-27T13:00:00Z", "ended_at": "2026-05-27T13:07:00Z", "metadata": {"step": 4},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, status, ended_at, metadata FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000040';
-- Two copies of one task in one payload: the later copy is the one written.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000041", "task_type": "classify", "status": "pending",
   "started_at": "2026-05-27T14:00:00Z", "ended_at": null, "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"},
  {"task_id": "c0000000-0000-0000-0000-000000000041", "task_type": "classify", "status": "success",
   "started_at": "2026-05-27T14:00:00Z", "ended_at": "2026-05-27T14:00:09Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT task_id, status, ended_at FROM dexcost.task WHERE task_id = 'c0000000-0000-0000-0000-000000000041';

------------------------------------------------------------------------------------------
-- 6. cost_confidence "unknown": dexcost prices the event from its catalogue (the SDK's
--    cost_usd and pricing_version are not used), or keeps it unknown with a NULL cost.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000050", "task_type": "summarize", "status": "success",
   "started_at": "2026-05-27T15:00:00Z", "ended_at": "2026-05-27T15:01:00Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
],
"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000050", "task_id": "c0000000-0000-0000-0000-000000000050",
   "event_type": "llm_call", "occurred_at": "2026-05-27T15:00:10Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": "sdk-catalog:none",
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 1000,
   "output_tokens": 300, "cached_tokens": 200, "latency_ms": 900, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000051", "task_id": "c0000000-0000-0000-0000-000000000050",
   "event_type": "llm_call", "occurred_at": "2026-05-27T15:00:20Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null,
   "service_name": "vllm", "provider": "selfhosted", "model": "acme-llm-7b", "input_tokens": 500,
   "output_tokens": 50, "cached_tokens": null, "latency_ms": 400, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
-- gpt-4o: input 1000 - 200 = 800 uncached; 800 x 2.50 + 200 x 1.25 + 300 x 10.00 = 5250 millionths
-- = 0.00525, computed with the catalogue rows 21+22+23. acme-llm-7b has no price: unknown, NULL.
SELECT event_id, model, input_tokens, cache_read_tokens, output_tokens, cost_usd, cost_confidence, pricing_version
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000050' ORDER BY event_id;
-- The unknown event counts in unpriced_count; its tokens count, its cost does not:
-- input 800 + 500 = 1300, cache_read 200, output 300 + 50 = 350.
SELECT task_id, event_count, unpriced_count, total_cost_usd, llm_cost_usd, input_tokens, cache_read_tokens,
       output_tokens
  FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000050';
-- Sent again: the same costs, no roll-up delta appended.
SELECT * FROM pg_temp.deltas;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000050", "task_id": "c0000000-0000-0000-0000-000000000050",
   "event_type": "llm_call", "occurred_at": "2026-05-27T15:00:10Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": "sdk-catalog:none",
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 1000,
   "output_tokens": 300, "cached_tokens": 200, "latency_ms": 900, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000051", "task_id": "c0000000-0000-0000-0000-000000000050",
   "event_type": "llm_call", "occurred_at": "2026-05-27T15:00:20Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null,
   "service_name": "vllm", "provider": "selfhosted", "model": "acme-llm-7b", "input_tokens": 500,
   "output_tokens": 50, "cached_tokens": null, "latency_ms": 400, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
SELECT * FROM pg_temp.deltas;
SELECT event_id, cost_usd, cost_confidence, pricing_version
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000050' ORDER BY event_id;
SELECT task_id, event_count, unpriced_count, total_cost_usd
  FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000050';
-- The SDK prices an event later and sends it again: the new cost and confidence replace the
-- unknown (0.0012 exact).
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000051", "task_id": "c0000000-0000-0000-0000-000000000050",
   "event_type": "llm_call", "occurred_at": "2026-05-27T15:00:20Z", "cost_usd": "0.0012",
   "cost_confidence": "exact", "pricing_source": "manual", "pricing_version": null,
   "service_name": "vllm", "provider": "selfhosted", "model": "acme-llm-7b", "input_tokens": 500,
   "output_tokens": 50, "cached_tokens": null, "latency_ms": 400, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
-- total 0.00525 + 0.0012 = 0.00645, nothing unpriced.
SELECT task_id, event_count, unpriced_count, total_cost_usd
  FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000050';

------------------------------------------------------------------------------------------
-- 7. Token buckets per provider. Anthropic (and Bedrock) report cache reads and writes apart
--    from input_tokens; OpenAI and the others count them inside input_tokens. Cache writes
--    come in details.cache_creation_input_tokens or details.cache_write_input_tokens,
--    reasoning in details.reasoning_output_tokens (inside output_tokens); details.error_type
--    is the event's error.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000060", "task_type": "agent_run", "status": "success",
   "started_at": "2026-05-27T16:00:00Z", "ended_at": "2026-05-27T16:10:00Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
],
"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000060", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:01Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null,
   "service_name": "anthropic", "provider": "anthropic", "model": "claude-sonnet-4-5", "input_tokens": 2000,
   "output_tokens": 800, "cached_tokens": 45000, "latency_ms": 5200, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"cache_creation_input_tokens": 3000}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000061", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:02Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null,
   "service_name": "openai", "provider": "openai", "model": "o4-mini", "input_tokens": 12000,
   "output_tokens": 1500, "cached_tokens": 8000, "latency_ms": 7000, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"reasoning_output_tokens": 1100}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000062", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:03Z", "cost_usd": "0.0061",
   "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 3000,
   "output_tokens": 200, "cached_tokens": 1000, "latency_ms": 1500, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"cache_write_input_tokens": 500}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000063", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:04Z", "cost_usd": "0.0002",
   "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
   "service_name": "bedrock", "provider": "AWS-Bedrock", "model": "anthropic.claude-3-haiku", "input_tokens": 100,
   "output_tokens": 10, "cached_tokens": 500, "latency_ms": 600, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000064", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:05Z", "cost_usd": "0.0010",
   "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 400,
   "output_tokens": 0, "cached_tokens": null, "latency_ms": 30000, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"error_type": "timeout"}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000065", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:00:40Z", "cost_usd": "0.0025",
   "cost_confidence": "computed", "pricing_source": "sdk_catalog", "pricing_version": "catalog-release:42:0123456789ab",
   "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 400,
   "output_tokens": 150, "cached_tokens": null, "latency_ms": 2100, "is_retry": true, "retry_reason": "timeout",
   "retry_of": "c1000000-0000-0000-0000-000000000064", "details": {}, "schema_version": "1"}
]}
$payload$) AS r;
-- ...60 anthropic: input 2000 stays (cache apart), cache_read 45000, cache_write 3000, output 800:
--        2000 x 3.00 + 45000 x 0.30 + 3000 x 3.75 + 800 x 15.00
--        = 6000 + 13500 + 11250 + 12000 = 42750 millionths = 0.04275 (prompt 50000 < 200001: base band)
-- ...61 openai o4-mini: input 12000 - 8000 = 4000, cache_read 8000, output 1500 - 1100 = 400,
--        reasoning 1100 (billed at the output price):
--        4000 x 1.10 + 8000 x 0.275 + 400 x 4.40 + 1100 x 4.40 = 4400 + 2200 + 1760 + 4840 = 13200
--        millionths = 0.0132
-- ...62 openai gpt-4o: input 3000 - 1000 read - 500 written = 1500; cost as given
-- ...63 Bedrock: cache apart, input 100 stays next to cache_read 500
-- ...64 error_type timeout; ...65 its retry (retry_of ...64, computed by the SDK, kept)
SELECT event_id, provider, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
       cost_usd, cost_confidence, pricing_version
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000060' ORDER BY event_id;
SELECT event_id, error_type, is_retry, retry_reason, retry_of, details
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000060' ORDER BY event_id;
-- Totals: 6 events; total 0.04275 + 0.0132 + 0.0061 + 0.0002 + 0.0010 + 0.0025 = 0.06575, all llm;
-- 1 failure costing 0.0010; 1 retry costing 0.0025;
-- input 2000 + 4000 + 1500 + 100 + 400 + 400 = 8400; cache_read 45000 + 8000 + 1000 + 500 = 54500;
-- cache_write 3000 + 500 = 3500; output 800 + 400 + 200 + 10 + 0 + 150 = 1560; reasoning 1100.
\x on
SELECT * FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000060';
\x off

-- details.service_tier prices an unknown cost at that tier (OpenAI's "default" is standard).
-- gpt-5-mini flex has an input price (0.125) but no output price in the seeds: 1000 input
-- tokens cost 0.000125; with output tokens the cost stays unknown rather than taking the
-- standard price. An unknown tier is refused.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000066", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:01:00Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null, "service_name": "openai",
   "provider": "openai", "model": "gpt-5-mini", "input_tokens": 1000, "output_tokens": 0, "cached_tokens": 0,
   "latency_ms": 100, "is_retry": false, "retry_reason": null, "retry_of": null,
   "details": {"service_tier": "flex"}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000067", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:01:01Z", "cost_usd": "0",
   "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null, "service_name": "openai",
   "provider": "openai", "model": "gpt-5-mini", "input_tokens": 1000, "output_tokens": 10, "cached_tokens": 0,
   "latency_ms": 100, "is_retry": false, "retry_reason": null, "retry_of": null,
   "details": {"service_tier": "flex"}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000068", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:01:02Z", "cost_usd": "0.0001",
   "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
   "provider": "openai", "model": "gpt-5-mini", "input_tokens": 100, "output_tokens": 10, "cached_tokens": 0,
   "latency_ms": 100, "is_retry": false, "retry_reason": null, "retry_of": null,
   "details": {"service_tier": "default"}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000069", "task_id": "c0000000-0000-0000-0000-000000000060",
   "event_type": "llm_call", "occurred_at": "2026-05-27T16:01:03Z", "cost_usd": "0.0001",
   "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
   "provider": "openai", "model": "gpt-5-mini", "input_tokens": 100, "output_tokens": 10, "cached_tokens": 0,
   "latency_ms": 100, "is_retry": false, "retry_reason": null, "retry_of": null,
   "details": {"service_tier": "scale"}, "schema_version": "1"}
]}
$payload$) AS r;
SELECT event_id, service_tier, cost_usd, cost_confidence
  FROM pg_temp.ev WHERE event_id::text BETWEEN 'c1000000-0000-0000-0000-000000000066'
                                          AND 'c1000000-0000-0000-0000-000000000069' ORDER BY event_id;

------------------------------------------------------------------------------------------
-- 8. network, gpu_cost and gpu_utilization_signal events: kept, each cost in its own bucket
--    and counted once in the total.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000070", "task_type": "fine_tune_eval", "status": "success",
   "started_at": "2026-05-27T17:00:00Z", "ended_at": "2026-05-27T17:05:00Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null,
   "network_cost_usd": "0.0009", "gpu_cost_usd": "0.25", "total_cost_usd": "0.2509",
   "network_bytes_in": 2048, "network_bytes_out": 1048576, "network_call_count": 3,
   "network_by_host": {"api.example.com": {"bytes_out": 1048576}}, "schema_version": "1"}
],
"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000070", "task_id": "c0000000-0000-0000-0000-000000000070",
   "event_type": "network", "occurred_at": "2026-05-27T17:00:01Z", "cost_usd": "0.0009",
   "cost_confidence": "estimated", "pricing_source": "manual", "pricing_version": null,
   "service_name": "egress", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": null, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"host": "api.example.com", "bytes_out": 1048576}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000071", "task_id": "c0000000-0000-0000-0000-000000000070",
   "event_type": "gpu_cost", "occurred_at": "2026-05-27T17:00:02Z", "cost_usd": "0.25",
   "cost_confidence": "computed", "pricing_source": "manual", "pricing_version": "gpu:a100:2026-05",
   "service_name": "runpod", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": null, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"gpu_type": "A100", "seconds": 300}, "schema_version": "1"},
  {"event_id": "c1000000-0000-0000-0000-000000000072", "task_id": "c0000000-0000-0000-0000-000000000070",
   "event_type": "gpu_utilization_signal", "occurred_at": "2026-05-27T17:00:03Z", "cost_usd": "0",
   "cost_confidence": "exact", "pricing_source": null, "pricing_version": null,
   "service_name": "runpod", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": null, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {"utilization": 0.83}, "schema_version": "1"}
]}
$payload$) AS r;
SELECT event_id, event_type, cost_usd, cost_confidence, pricing_version, service_name, details
  FROM pg_temp.ev WHERE task_id = 'c0000000-0000-0000-0000-000000000070' ORDER BY event_id;
-- network 0.0009 and gpu 0.25 + 0 = 0.25; total 0.0009 + 0.25 = 0.2509, as the SDK reports:
-- no mismatch.
SELECT task_id, event_count, total_cost_usd, llm_cost_usd, external_cost_usd, compute_cost_usd, network_cost_usd,
       gpu_cost_usd
  FROM pg_temp.own WHERE task_id = 'c0000000-0000-0000-0000-000000000070';
SELECT count(*) AS mismatches FROM dexcost.reported_totals_mismatch
 WHERE task_id = 'c0000000-0000-0000-0000-000000000070';
SELECT network_cost_usd, gpu_cost_usd, total_cost_usd, network_bytes_in, network_bytes_out, network_call_count
  FROM dexcost.task_reported_totals WHERE task_id = 'c0000000-0000-0000-0000-000000000070';

------------------------------------------------------------------------------------------
-- 9. Refused records. One payload mixes good and bad records of every kind: each bad record
--    is refused alone, with its position and the field at fault; the good ones are stored.
--    Positions are global: the arrays are numbered one after the other in the order events,
--    tasks, business_identities, outcomes, revenue_revisions.
------------------------------------------------------------------------------------------
-- Task c0...80 exists for two customers; c0...81 belongs to ing-acme.
INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
    ('c0000000-0000-0000-0000-000000000080', 'ing-x1', 'shared_id', '2026-05-27 18:00:00+00'),
    ('c0000000-0000-0000-0000-000000000080', 'ing-x2', 'shared_id', '2026-05-27 18:00:00+00'),
    ('c0000000-0000-0000-0000-000000000081', 'ing-acme', 'classify', '2026-05-27 18:00:00+00');
DELETE FROM dexcost.ingest_receipt;
-- e: a good event of the good task t (c0...82); the bad records are e and t with one change.
SELECT x.item, x.detail
  FROM (SELECT dexcost.ingest(pg_catalog.jsonb_build_object(
          'events', pg_catalog.jsonb_build_array(
              e,                                                                   --  0 good
              '42'::jsonb,                                                         --  1
              e - 'occurred_at',                                                   --  2
              e || '{"event_id": "c1000000-0000-0000-0000-00000000008"}',          --  3 35 characters
              e || '{"cost_usd": "1,5"}',                                          --  4
              e || '{"cost_usd": "-0.01"}',                                        --  5
              e || '{"event_type": "llm"}',                                        --  6
              e || '{"schema_version": "2"}',                                      --  7
              e || '{"input_tokens": 12.5}',                                       --  8
              e || '{"input_tokens": 100, "cached_tokens": 200}',                  --  9 openai: inside input
              e || '{"occurred_at": "2026-05-27 18:00:01"}',                       -- 10 no time zone
              e || '{"event_id": "c1000000-0000-0000-0000-000000000081",
                     "task_id": "c0000000-0000-0000-0000-000000000080"}',          -- 11 two customers
              e || '{"cost_usd": 0.0021}',                                         -- 12 a JSON number
              e || '{"cost_usd": "0.0000000000000000001"}',                        -- 13 19 places
              e || '{"details": []}',                                              -- 14
              e || '{"is_retry": "no"}',                                           -- 15
              e || '{"output_tokens": -5}',                                        -- 16
              e || '{"details": {"reasoning_output_tokens": 500}}',                -- 17 output is 100
              e || '{"cost_confidence": "guessed"}',                               -- 18
              e || '{"retry_of": "not-a-uuid"}',                                   -- 19
              e - 'details'),                                                      -- 20
          'tasks', pg_catalog.jsonb_build_array(
              t,                                                                   -- 21 good
              t || '{"task_id": "c0000000-0000-0000-0000-000000000083",
                     "started_at": "2026-05-27T18:00:00Z",
                     "ended_at": "2026-05-27T17:59:00Z"}',                         -- 22 ends first
              t || '{"task_id": "c0000000-0000-0000-0000-000000000081",
                     "customer_id": "ing-globex"}',                                -- 23 is ing-acme's
              t - 'task_type',                                                     -- 24
              t || '{"task_id": "c0000000-0000-0000-0000-000000000080"}',          -- 25 two customers
              t || '{"task_id": "c0000000-0000-0000-0000-000000000085",
                     "customer_id": "ing-globex",
                     "parent_task_id": "c0000000-0000-0000-0000-000000000082"}',   -- 26 parent is ing-acme's
              t || '{"status": "done"}',                                           -- 27
              t || '{"parent_task_id": "c0000000-0000-0000-0000-000000000082"}',   -- 28 its own parent
              t || '{"total_cost_usd": "n/a"}',                                    -- 29
              t || '{"customer_id": ""}',                                          -- 30
              t || '{"schema_version": 1}'),                                       -- 31 a number
          'business_identities', pg_catalog.jsonb_build_array(
              '{"identity_id": "c3000000-0000-0000-0000-000000000001", "kind": "email",
                "value_hash": "9f86d081884c7d65"}'::jsonb,                         -- 32 good
              '"user@example.com"'::jsonb),                                        -- 33
          'outcomes', pg_catalog.jsonb_build_array(
              '{"outcome_id": "c3000000-0000-0000-0000-000000000011",
                "task_id": "c0000000-0000-0000-0000-000000000082",
                "type": "ticket_resolved"}'::jsonb),                               -- 34 good
          'revenue_revisions', pg_catalog.jsonb_build_array(
              rv || '{"lifecycle": {"state": "provisional", "revision": 1}}',      -- 35 no amount
              rv)                                                                  -- 36 good
          )) AS r
          FROM (SELECT
$json${"event_id": "c1000000-0000-0000-0000-000000000080", "task_id": "c0000000-0000-0000-0000-000000000082",
       "event_type": "llm_call", "occurred_at": "2026-05-27T18:00:01Z", "cost_usd": "0.0021",
       "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": null,
       "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 500,
       "output_tokens": 100, "cached_tokens": null, "latency_ms": 640, "is_retry": false,
       "retry_reason": null, "retry_of": null, "details": {}, "schema_version": "1"}$json$::jsonb AS e,
$json${"task_id": "c0000000-0000-0000-0000-000000000082", "task_type": "classify", "status": "success",
       "started_at": "2026-05-27T18:00:00Z", "ended_at": "2026-05-27T18:00:02Z", "metadata": {},
       "customer_id": "ing-acme", "project_id": null, "parent_task_id": null,
       "schema_version": "1"}$json$::jsonb AS t,
$json${"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000009",
       "task_id": "c0000000-0000-0000-0000-000000000082", "effective_at": "2026-05-27T18:00:00Z",
       "observed_at": "2026-05-27T18:00:03Z", "lifecycle": {"state": "pending", "revision": 1},
       "source": {"type": "sdk", "record_id": "rev-9"}}$json$::jsonb AS rv) AS base) AS s
 CROSS JOIN LATERAL pg_temp.answer(s.r) AS x;
-- The good records of that payload were stored: event 0, task 21 (written alone after the
-- statement writing every task failed on task 22), identity 32, outcome 34 and revision 36.
SELECT event_id, customer_id, task_id, cost_usd FROM pg_temp.ev WHERE event_id::text LIKE 'c1000000-%08_';
SELECT task_id, customer_id, status FROM dexcost.task
 WHERE task_id::text LIKE 'c0000000-0000-0000-0000-00000000008_' ORDER BY task_id, customer_id;
SELECT record_type, record->>'type' AS type, record->>'kind' AS kind FROM dexcost.ingest_raw_record ORDER BY 1;
SELECT revenue_id, revision, customer_id, state FROM dexcost.revenue_revision
 WHERE revenue_id = 'c2000000-0000-0000-0000-000000000009';
-- Nothing waits, and the receipt keeps the same answer: 37 records (0 to 36), 5 queued
-- (0, 21, 32, 34, 36), 32 rejected (1 to 20, 22 to 31, 33, 35).
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT origin, queued, parked, rejected, jsonb_array_length(errors) AS errors, errors->0 AS first_error
  FROM dexcost.ingest_receipt;

-- Non-object elements are refused in every array, and tasks of one payload cannot form a
-- cycle.
SELECT x.* FROM dexcost.ingest($payload$
{"events": [null],
 "tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000086", "task_type": "loop", "status": "pending",
   "started_at": "2026-05-27T18:00:00Z", "ended_at": null, "metadata": {}, "customer_id": "ing-acme",
   "project_id": null, "parent_task_id": "c0000000-0000-0000-0000-000000000087", "schema_version": "1"},
  {"task_id": "c0000000-0000-0000-0000-000000000087", "task_type": "loop", "status": "pending",
   "started_at": "2026-05-27T18:00:00Z", "ended_at": null, "metadata": {}, "customer_id": "ing-acme",
   "project_id": null, "parent_task_id": "c0000000-0000-0000-0000-000000000086", "schema_version": "1"},
  []],
 "business_identities": [],
 "outcomes": [true],
 "revenue_revisions": ["c2000000-0000-0000-0000-000000000009"]}
$payload$) AS r CROSS JOIN LATERAL pg_temp.answer(r) AS x;

-- A task PostgreSQL refuses (it ends before it starts) is not stored; its events wait for a
-- corrected copy of it rather than being refused.
SELECT x.* FROM dexcost.ingest($payload$
{"events": [
  {"event_id": "c1000000-0000-0000-0000-000000000089", "task_id": "c0000000-0000-0000-0000-000000000089",
   "event_type": "external_cost", "occurred_at": "2026-05-27T18:30:01Z", "cost_usd": "0.0040",
   "cost_confidence": "exact", "pricing_source": "manual", "pricing_version": null,
   "service_name": "tavily", "provider": null, "model": null, "input_tokens": null,
   "output_tokens": null, "cached_tokens": null, "latency_ms": 200, "is_retry": false, "retry_reason": null,
   "retry_of": null, "details": {}, "schema_version": "1"}
],
"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000089", "task_type": "search", "status": "success",
   "started_at": "2026-05-27T18:30:00Z", "ended_at": "2026-05-27T18:29:00Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r CROSS JOIN LATERAL pg_temp.answer(r) AS x;
SELECT record_type, record_key, waits_for FROM dexcost.ingest_pending;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000089", "task_type": "search", "status": "success",
   "started_at": "2026-05-27T18:30:00Z", "ended_at": "2026-05-27T18:31:00Z", "metadata": {},
   "customer_id": "ing-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT event_id, customer_id, task_id, cost_usd FROM pg_temp.ev WHERE event_id = 'c1000000-0000-0000-0000-000000000089';

------------------------------------------------------------------------------------------
-- 10. Revenue revisions: an append-only ledger per revenue_id; the highest revision is the
--     current state (dexcost.revenue_current). 1 pending -> 2 provisional -> 3 recognized
--     -> 4 voided, one call each.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-26T13:00:00Z",
   "lifecycle": {"state": "pending", "revision": 1}, "source": {"type": "sdk", "record_id": "inv-1042"}}
]}
$payload$) AS r;
SELECT customer_id, revenue_id, revision, task_id, outcome_id, state, amount, currency, effective_at, observed_at,
       source_type, source_record_id, recognized
  FROM dexcost.revenue_current WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001';
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-27T09:00:00Z",
   "lifecycle": {"state": "provisional", "revision": 2}, "amount": {"value": "100.00", "currency": "USD"},
   "source": {"type": "sdk", "record_id": "inv-1042"}}
]}
$payload$) AS r;
SELECT revenue_id, revision, state, amount, currency, observed_at, recognized
  FROM dexcost.revenue_current WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001';
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-28T09:00:00Z",
   "lifecycle": {"state": "recognized", "revision": 3}, "amount": {"value": "120.000000000001", "currency": "USD"},
   "source": {"type": "sdk", "record_id": "inv-1042"}}
]}
$payload$) AS r;
SELECT revenue_id, revision, state, amount, currency, observed_at, recognized
  FROM dexcost.revenue_current WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001';
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-29T09:00:00Z",
   "lifecycle": {"state": "voided", "revision": 4}, "source": {"type": "sdk", "record_id": "inv-1042"}}
]}
$payload$) AS r;
SELECT revenue_id, revision, state, amount, currency, observed_at, recognized
  FROM dexcost.revenue_current WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001';
-- Every revision is kept.
SELECT revision, state, amount, currency, observed_at
  FROM dexcost.revenue_revision WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001' ORDER BY revision;

-- The same revision again is a no-op; the same revision number with other contents, or any
-- revision after voided, is refused.
SELECT x.* FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-29T09:00:00Z",
   "lifecycle": {"state": "voided", "revision": 4}, "source": {"type": "sdk", "record_id": "inv-1042"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-27T09:00:00Z",
   "lifecycle": {"state": "provisional", "revision": 2}, "amount": {"value": "90.00", "currency": "USD"},
   "source": {"type": "sdk", "record_id": "inv-1042"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000001",
   "task_id": "11111111-0001-0000-0000-000000000001", "outcome_id": "c3000000-0000-0000-0000-000000000012",
   "effective_at": "2026-05-26T12:35:10Z", "observed_at": "2026-05-30T09:00:00Z",
   "lifecycle": {"state": "recognized", "revision": 5}, "amount": {"value": "120.00", "currency": "USD"},
   "source": {"type": "sdk", "record_id": "inv-1042"}}
]}
$payload$) AS r CROSS JOIN LATERAL pg_temp.answer(r) AS x;
SELECT count(*) AS revisions, max(revision) AS latest
  FROM dexcost.revenue_revision WHERE revenue_id = 'c2000000-0000-0000-0000-000000000001';

-- Revisions count 1, 2, 3 without gaps; states only move forward; a revenue keeps its
-- currency and task. Several revisions of one revenue in one payload are applied in order,
-- a refused one alone.
SELECT x.* FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000002",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-26T13:00:00Z", "lifecycle": {"state": "pending", "revision": 1},
   "source": {"type": "manual"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000002",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-27T13:00:00Z", "lifecycle": {"state": "provisional", "revision": 3},
   "amount": {"value": "15", "currency": "USD"}, "source": {"type": "manual"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000005",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-27T13:00:00Z", "lifecycle": {"state": "provisional", "revision": 2},
   "amount": {"value": "15", "currency": "USD"}, "source": {"type": "manual"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000003",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-26T13:00:00Z", "lifecycle": {"state": "recognized", "revision": 1},
   "amount": {"value": "50.00", "currency": "USD"}, "source": {"type": "workspace_api", "record_id": "ws-3"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000003",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-27T13:00:00Z", "lifecycle": {"state": "pending", "revision": 2},
   "source": {"type": "workspace_api", "record_id": "ws-3"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000004",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-26T13:00:00Z", "lifecycle": {"state": "provisional", "revision": 1},
   "amount": {"value": "10.00", "currency": "USD"}, "source": {"type": "import", "record_id": "csv-4"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000004",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-27T13:00:00Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "10.00", "currency": "EUR"}, "source": {"type": "import", "record_id": "csv-4"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000004",
   "task_id": "c0000000-0000-0000-0000-000000000082", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-27T13:00:00Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "10.00", "currency": "USD"}, "source": {"type": "import", "record_id": "csv-4"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000004",
   "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
   "observed_at": "2026-05-28T13:00:00Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "10.50", "currency": "USD"}, "source": {"type": "import", "record_id": "csv-4"}}
]}
$payload$) AS r CROSS JOIN LATERAL pg_temp.answer(r) AS x;
-- Stored: ...02 revision 1; ...03 revision 1; ...04 revisions 1 and 2 (the last record).
SELECT revenue_id, revision, state, amount, currency, recognized
  FROM dexcost.revenue_current WHERE revenue_id::text LIKE 'c2000000-%' ORDER BY revenue_id;

-- The record checks of revenue-revision.v1.
SELECT x.* FROM (SELECT dexcost.ingest(pg_catalog.jsonb_build_object('revenue_revisions', pg_catalog.jsonb_build_array(
          rv || '{"lifecycle": {"state": "voided", "revision": 1}}',                                  -- 0
          rv || '{"amount": {"value": "1.00", "currency": "USD"}}',                                    -- 1 pending
          rv || '{"lifecycle": {"state": "recognized", "revision": 1},
                  "amount": {"value": "1.00", "currency": "usd"}}',                                    -- 2
          rv || '{"lifecycle": {"state": "recognized", "revision": 1},
                  "amount": {"value": "-1.00", "currency": "USD"}}',                                   -- 3
          rv || '{"lifecycle": {"state": "recognized", "revision": 1},
                  "amount": {"value": "1.0000000000001", "currency": "USD"}}',                         -- 4 13 places
          rv || '{"lifecycle": {"state": "recognized", "revision": 1},
                  "amount": {"value": "1.00"}}',                                                       -- 5
          rv || '{"lifecycle": {"state": "pending", "revision": 0}}',                                  -- 6
          rv || '{"lifecycle": {"state": "booked", "revision": 1}}',                                   -- 7
          rv || '{"source": {"type": "crm"}}',                                                         -- 8
          rv || '{"source": {"type": "sdk", "record_id": ""}}',                                        -- 9
          rv - 'lifecycle',                                                                            -- 10
          rv || '{"observed_at": "yesterday"}',                                                        -- 11
          rv || '{"revenue_id": "c2000000000000000000000000000099"}',                                  -- 12
          rv || '{"outcome_id": null}'))) AS r                                                         -- 13
          FROM (SELECT $json${"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000099",
                "task_id": "11111111-0001-0000-0000-000000000001", "effective_at": "2026-05-26T12:35:10Z",
                "observed_at": "2026-05-26T13:00:00Z", "lifecycle": {"state": "pending", "revision": 1},
                "source": {"type": "sdk"}}$json$::jsonb AS rv) AS base) AS s
 CROSS JOIN LATERAL pg_temp.answer(s.r) AS x;

-- A revision whose task is not known yet waits for it, keyed revenue_id:revision.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000008",
   "task_id": "c0000000-0000-0000-0000-000000000090", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:10Z", "lifecycle": {"state": "pending", "revision": 1},
   "source": {"type": "sdk"}}
]}
$payload$) AS r;
SELECT record_type, record_key, waits_for FROM dexcost.ingest_pending;
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000008",
   "task_id": "c0000000-0000-0000-0000-000000000090", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:20Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "7.50", "currency": "USD"}, "source": {"type": "sdk"}}
],
"tasks": [
  {"task_id": "c0000000-0000-0000-0000-000000000090", "task_type": "checkout", "status": "success",
   "started_at": "2026-05-27T19:00:00Z", "ended_at": "2026-05-27T19:00:05Z", "metadata": {},
   "customer_id": "ing-globex", "project_id": null, "parent_task_id": null, "schema_version": "1"}
]}
$payload$) AS r;
SELECT count(*) AS parked FROM dexcost.ingest_pending;
SELECT customer_id, revenue_id, revision, state, amount, currency
  FROM dexcost.revenue_revision WHERE revenue_id = 'c2000000-0000-0000-0000-000000000008' ORDER BY revision;

-- Parked revisions are adopted in revision order, whatever order they arrived in: revision 2
-- came before revision 1, both waiting for task ...91.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"revenue_revisions": [
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000010",
   "task_id": "c0000000-0000-0000-0000-000000000091", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:20Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "3.25", "currency": "USD"}, "source": {"type": "sdk"}},
  {"schema_version": "1", "revenue_id": "c2000000-0000-0000-0000-000000000010",
   "task_id": "c0000000-0000-0000-0000-000000000091", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:10Z", "lifecycle": {"state": "pending", "revision": 1},
   "source": {"type": "sdk"}}
]}
$payload$) AS r;
INSERT INTO dexcost.task (task_id, customer_id, task_type)
VALUES ('c0000000-0000-0000-0000-000000000091', 'ing-globex', 'checkout');
SELECT origin, queued, parked, rejected FROM dexcost.ingest_receipt WHERE origin = 'adoption'
 ORDER BY received_at DESC LIMIT 1;
SELECT revenue_id, revision, state, amount FROM dexcost.revenue_revision
 WHERE revenue_id = 'c2000000-0000-0000-0000-000000000010' ORDER BY revision;

------------------------------------------------------------------------------------------
-- 11. business_identities and outcomes are kept as received (dexcost does not model them
--     yet); the same record again is stored once.
------------------------------------------------------------------------------------------
SELECT r - 'receipt_id' AS response FROM dexcost.ingest($payload$
{"business_identities": [
  {"identity_id": "c3000000-0000-0000-0000-000000000001", "kind": "email", "value_hash": "9f86d081884c7d65"},
  {"identity_id": "c3000000-0000-0000-0000-000000000002", "kind": "account", "value": "acct-77"}
],
"outcomes": [
  {"outcome_id": "c3000000-0000-0000-0000-000000000011", "task_id": "c0000000-0000-0000-0000-000000000082",
   "type": "ticket_resolved"},
  {"outcome_id": "c3000000-0000-0000-0000-000000000012", "task_id": "11111111-0001-0000-0000-000000000001",
   "type": "order_placed", "value": {"amount": "120.00", "currency": "USD"}}
]}
$payload$) AS r;
-- Four records: identity ...01 and outcome ...11 came in section 9 already.
SELECT record_type, record
  FROM dexcost.ingest_raw_record ORDER BY record_type, record->>'identity_id', record->>'outcome_id';

------------------------------------------------------------------------------------------
-- 12. A malformed payload is an error with an SQLSTATE, and stores nothing (not even a
--     receipt).
------------------------------------------------------------------------------------------
DELETE FROM dexcost.ingest_receipt;
CREATE FUNCTION pg_temp.try_ingest(payload jsonb) RETURNS text
  LANGUAGE plpgsql AS $$
BEGIN
    RETURN dexcost.ingest(payload) - 'receipt_id';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END;
$$;
SELECT p AS payload, pg_temp.try_ingest(p::jsonb) AS result
  FROM (VALUES ('[]'), ('"events"'), ('42'), ('null'), ('{"events": {}}'), ('{"events": "[]"}'),
               ('{"tasks": 1}'), ('{"business_identities": {}}'), ('{"outcomes": true}'),
               ('{"revenue_revisions": {"revision": 1}}'),
               ('{"tasks": [], "events": [{"event_id": "x"}], "revenue_revisions": false}')) AS v(p);
SELECT pg_temp.try_ingest(NULL) AS null_payload;
-- Records under a key dexcost does not know would be lost: an array there is an error.
SELECT pg_temp.try_ingest('{"event": [{"event_id": "c1000000-0000-0000-0000-000000000099"}]}') AS misspelt;
SELECT pg_temp.try_ingest('{"records": []}') AS records_shape;
-- As a client sees them:
SELECT dexcost.ingest('[{"event_id": "c1000000-0000-0000-0000-000000000099"}]');
SELECT dexcost.ingest('{"events": {"event_id": "c1000000-0000-0000-0000-000000000099"}}');
SELECT dexcost.ingest(NULL);
SELECT count(*) AS receipts FROM dexcost.ingest_receipt;
-- Absent or null arrays are empty; an empty payload is a call that stores nothing but its
-- receipt.
SELECT r - 'receipt_id' AS response FROM dexcost.ingest('{}') AS r;
SELECT r - 'receipt_id' AS response
  FROM dexcost.ingest('{"events": null, "tasks": [], "revenue_revisions": null}') AS r;
-- Keys that hold no array (an SDK's own metadata) are ignored.
SELECT r - 'receipt_id' AS response
  FROM dexcost.ingest('{"sdk_version": "1.4.2", "sent_at": {"t": 1}, "events": []}') AS r;
SELECT origin, queued, parked, rejected, errors FROM dexcost.ingest_receipt;

------------------------------------------------------------------------------------------
-- Every total of this file's tasks equals its ledger, and nothing waits.
------------------------------------------------------------------------------------------
SELECT count(*) AS rollup_differences FROM dexcost.rollup_check()
 WHERE task_id::text LIKE '11111111-%' OR task_id::text LIKE 'c0000000-%';
SELECT count(*) AS parked FROM dexcost.ingest_pending;

-- Clean up: deleting the tasks deletes their events, revisions and reported totals.
DELETE FROM dexcost.task WHERE task_id::text LIKE '11111111-%' OR task_id::text LIKE 'c0000000-%';
DELETE FROM dexcost.ingest_pending WHERE waits_for::text LIKE '11111111-%' OR waits_for::text LIKE 'c0000000-%';
DELETE FROM dexcost.ingest_raw_record WHERE record->>'identity_id' LIKE 'c3000000-%' OR record->>'outcome_id' LIKE 'c3000000-%';
DELETE FROM dexcost.ingest_receipt;
SELECT (SELECT count(*) FROM pg_temp.ev) AS events,
       (SELECT count(*) FROM dexcost.revenue_revision WHERE revenue_id::text LIKE 'c2000000-%') AS revisions,
       (SELECT count(*) FROM dexcost.task_reported_totals
         WHERE task_id::text LIKE '11111111-%' OR task_id::text LIKE 'c0000000-%') AS reported,
       (SELECT count(*) FROM dexcost.ingest_pending) AS parked,
       (SELECT count(*) FROM dexcost.ingest_raw_record) AS raw,
       (SELECT count(*) FROM dexcost.ingest_receipt) AS receipts;
