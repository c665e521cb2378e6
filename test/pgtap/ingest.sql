-- pgTAP: dexcost.ingest(jsonb), the dexcost SDK's v1 wire format, as behaviour.
--
-- Fixed UUIDs throughout, built by pg_temp.u(prefix, n): a... tasks, e... events, b... bulk
-- events, f... bulk tasks, c... revenue. Records are built from the SDK's own fixtures
-- (../shared/reference/sdk-v1) by pg_temp.ev(), pg_temp.task() and pg_temp.rev(), with the
-- fields a test cares about given as overrides.
BEGIN;
SELECT plan(81);
SET LOCAL TimeZone = 'UTC';

-- Sends a payload and discards the answer (a procedure, so psql prints nothing).
CREATE PROCEDURE pg_temp.send(payload jsonb)
  LANGUAGE plpgsql
AS $$ BEGIN PERFORM dexcost.ingest(payload); END $$;

CREATE FUNCTION pg_temp.u(prefix text, n integer) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN prefix || '0000000-0000-4000-8000-' || pg_catalog.lpad(n::text, 12, '0');

-- An event.v1 record: by default an exact external cost of 0.005 USD (no model, no tokens).
CREATE FUNCTION pg_temp.ev(id text, task text, extra jsonb DEFAULT '{}') RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN pg_catalog.jsonb_build_object(
           'event_id', id, 'task_id', task, 'event_type', 'external_cost',
           'occurred_at', '2026-05-26T12:34:57.000000Z', 'cost_usd', '0.0050', 'cost_confidence', 'exact',
           'pricing_source', 'manual', 'pricing_version', NULL, 'service_name', 'tavily', 'provider', NULL,
           'model', NULL, 'input_tokens', NULL, 'output_tokens', NULL, 'cached_tokens', NULL,
           'latency_ms', 230, 'is_retry', false, 'retry_reason', NULL, 'retry_of', NULL,
           'details', '{"endpoint": "/search"}'::jsonb, 'schema_version', '1') || extra;

-- An LLM call with the SDK's token fields; cost exact unless overridden.
CREATE FUNCTION pg_temp.llm(id text, task text, extra jsonb DEFAULT '{}') RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN pg_temp.ev(id, task, pg_catalog.jsonb_build_object(
           'event_type', 'llm_call', 'occurred_at', '2026-05-26T12:34:56.789000Z', 'cost_usd', '0.0265',
           'pricing_source', 'provider_response', 'pricing_version', '2026-05-01', 'service_name', 'openai',
           'provider', 'openai', 'model', 'gpt-4o', 'input_tokens', 1850, 'output_tokens', 420,
           'cached_tokens', 512, 'latency_ms', 1340, 'details', '{}'::jsonb) || extra);

-- A task.v1 record of customer acme, pending, without the SDK's totals.
CREATE FUNCTION pg_temp.task(id text, extra jsonb DEFAULT '{}') RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN pg_catalog.jsonb_build_object(
           'task_id', id, 'task_type', 'resolve_ticket', 'status', 'pending',
           'started_at', '2026-05-26T12:30:00Z', 'ended_at', NULL, 'metadata', '{}'::jsonb,
           'customer_id', 'acme', 'project_id', NULL, 'parent_task_id', NULL, 'schema_version', '1') || extra;

-- A revenue-revision.v1 record; amount only when a value is given.
CREATE FUNCTION pg_temp.rev(id text, task text, revision integer, state text, amount text DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN pg_catalog.jsonb_build_object(
           'schema_version', '1', 'revenue_id', id, 'task_id', task,
           'effective_at', '2026-05-26T12:00:00Z', 'observed_at', '2026-05-26T12:00:00Z',
           'lifecycle', pg_catalog.jsonb_build_object('state', state, 'revision', revision),
           'source', '{"type": "sdk"}'::jsonb)
         || CASE WHEN amount IS NULL THEN '{}'::jsonb
                 ELSE pg_catalog.jsonb_build_object('amount', pg_catalog.jsonb_build_object('value', amount, 'currency', 'USD'))
            END;

-- The index and the field named by each error of a response (reasons read "field: problem").
CREATE FUNCTION pg_temp.fields(response jsonb) RETURNS TABLE (idx integer, field text)
  LANGUAGE sql IMMUTABLE
AS $$
  SELECT (e->>'index')::integer, pg_catalog.split_part(e->>'reason', ':', 1)
    FROM pg_catalog.jsonb_array_elements(response->'errors') AS e
$$;

------------------------------------------------------------------------------------------
-- Malformed payloads are errors; nothing is stored and no receipt is left
------------------------------------------------------------------------------------------

CREATE TEMP TABLE stored_before AS
SELECT (SELECT pg_catalog.count(*) FROM dexcost.ingest_receipt) + (SELECT pg_catalog.count(*) FROM dexcost.task) AS n;

SELECT throws_ok($$SELECT dexcost.ingest(NULL)$$, '22004', 'payload must not be NULL',
                 'a NULL payload raises 22004');
SELECT throws_ok($$SELECT dexcost.ingest('[{"event_id": "x"}]')$$, '22023', 'payload must be a JSON object',
                 'a payload that is an array, not an object, raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('"events"')$$, '22023', 'payload must be a JSON object',
                 'a payload that is a JSON scalar raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('{"events": {"event_id": "x"}}')$$, '22023',
                 'payload key "events" must be an array', 'events that is an object, not an array, raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('{"tasks": [], "events": "none"}')$$, '22023',
                 'payload key "events" must be an array', 'events that is a string raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('{"tasks": 3}')$$, '22023', 'payload key "tasks" must be an array',
                 'tasks that is not an array raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('{"revenue_revisions": {}}')$$, '22023',
                 'payload key "revenue_revisions" must be an array', 'revenue_revisions that is not an array raises 22023');
-- The good records of a payload with one malformed array are not stored either: the call fails whole.
SELECT throws_ok(
    pg_catalog.format('SELECT dexcost.ingest(%L)',
                      pg_catalog.jsonb_build_object('tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 99))),
                                                    'events', 'oops')),
    '22023', NULL, 'a payload with good tasks but a malformed events key raises 22023');
SELECT throws_ok($$SELECT dexcost.ingest('{"records": [{"record_type": "event"}]}')$$, '22023',
                 'payload key "records" is not a kind of record dexcost knows',
                 'an array under a key dexcost does not know raises 22023 (records are never dropped silently)');
SELECT throws_ok($$SELECT dexcost.ingest_records('{}', 'replay')$$, '22023', 'invalid origin "replay"',
                 'ingest_records refuses an origin other than call or adoption');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.ingest_receipt) + (SELECT pg_catalog.count(*) FROM dexcost.task),
          (SELECT n FROM stored_before), 'a refused payload stores no task and leaves no receipt');

------------------------------------------------------------------------------------------
-- The response of a mixed payload
------------------------------------------------------------------------------------------

-- Indexes number the arrays concatenated in the order events, tasks, business_identities,
-- outcomes, revenue_revisions:
--   0-5  events: 0-2 good, 3 not an object, 4 negative cost, 5 waits for an unknown task (parked)
--   6-8  tasks: 6 good, 7 bad status, 8 refused by the task trigger (ends before it starts)
--   9    business_identities: kept raw
--   10   outcomes: kept raw
--   11-12 revenue_revisions: 11 good, 12 voided at revision 1
CREATE TEMP TABLE mixed AS
SELECT dexcost.ingest(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_build_array(
             pg_temp.ev(pg_temp.u('e', 1), pg_temp.u('a', 1)),
             pg_temp.ev(pg_temp.u('e', 2), pg_temp.u('a', 1), '{"cost_usd": "0.0100"}'),
             pg_temp.ev(pg_temp.u('e', 3), pg_temp.u('a', 1),
                        '{"event_type": "compute_cost", "cost_usd": "0.0000208", "cost_confidence": "computed",
                          "pricing_version": "compute:1.0.1", "service_name": null, "latency_ms": null}'),
             '"not an event"'::jsonb,
             pg_temp.ev(pg_temp.u('e', 4), pg_temp.u('a', 1), '{"cost_usd": "-1"}'),
             pg_temp.ev(pg_temp.u('e', 5), pg_temp.u('a', 9))),
         'tasks', pg_catalog.jsonb_build_array(
             pg_temp.task(pg_temp.u('a', 1),
                          '{"status": "success", "ended_at": "2026-05-26T12:35:00Z", "project_id": "helpdesk",
                            "metadata": {"ticket": 42}, "user_id": "u-7", "product_id": "support",
                            "agent_id": "triage", "agent_version": "2.1", "workflow_id": "wf-1",
                            "workflow_session_id": "ws-1", "experiment_id": "exp-9", "variant": "B"}'),
             pg_temp.task(pg_temp.u('a', 2), '{"status": "done"}'),
             pg_temp.task(pg_temp.u('a', 3), '{"status": "success", "ended_at": "2026-05-26T12:00:00Z"}')),
         'business_identities', '[{"identity_id": "bi-1", "kind": "email"}]'::jsonb,
         'outcomes', '[{"outcome_id": "o-1", "state": "achieved"}]'::jsonb,
         'revenue_revisions', pg_catalog.jsonb_build_array(
             pg_temp.rev(pg_temp.u('c', 1), pg_temp.u('a', 1), 1, 'pending'),
             pg_temp.rev(pg_temp.u('c', 2), pg_temp.u('a', 1), 1, 'voided')))) AS r;

SELECT results_eq(
    $$SELECT k FROM mixed, pg_catalog.jsonb_object_keys(r) AS k ORDER BY k$$,
    $$VALUES ('errors'), ('parked'), ('queued'), ('receipt_id'), ('rejected')$$,
    'the response has exactly the keys receipt_id, queued, parked, rejected and errors');
SELECT results_eq(
    $$SELECT pg_catalog.jsonb_typeof(r->'receipt_id'), pg_catalog.jsonb_typeof(r->'queued'),
             pg_catalog.jsonb_typeof(r->'parked'), pg_catalog.jsonb_typeof(r->'rejected'),
             pg_catalog.jsonb_typeof(r->'errors'), (r->>'receipt_id')::uuid IS NOT NULL FROM mixed$$,
    $$VALUES ('string', 'number', 'number', 'number', 'array', true)$$,
    'receipt_id is a uuid string, the counts are numbers and errors is an array');
SELECT results_eq(
    $$SELECT (r->>'queued')::integer, (r->>'parked')::integer, (r->>'rejected')::integer FROM mixed$$,
    $$VALUES (8, 1, 5)$$,
    'of 13 records, 8 are queued (1 of them parked) and 5 rejected');
SELECT is((SELECT (r->>'queued')::integer + (r->>'rejected')::integer FROM mixed), 13,
          'queued + rejected = the number of records sent');
SELECT is((SELECT pg_catalog.jsonb_array_length(r->'errors') FROM mixed), 5, 'one error per rejected record');
SELECT results_eq(
    $$SELECT f.idx, f.field FROM mixed, pg_temp.fields(r) AS f ORDER BY f.idx$$,
    $$VALUES (3, 'record'), (4, 'cost_usd'), (7, 'status'), (8, 'task ' || pg_temp.u('a', 3) || ' ends at 2026-05-26 12'),
             (12, 'lifecycle.revision')$$,
    'each error gives the record''s index and names the field at fault (or quotes the trigger''s message)');
SELECT results_eq(
    $$SELECT r.origin, r.queued, r.parked, r.rejected, r.errors FROM dexcost.ingest_receipt AS r, mixed AS m
       WHERE r.receipt_id = (m.r->>'receipt_id')::uuid$$,
    $$SELECT 'call'::text, (r->>'queued')::integer, (r->>'parked')::integer, (r->>'rejected')::integer, r->'errors' FROM mixed$$,
    'the call leaves a receipt with the same counts and errors, origin call');

------------------------------------------------------------------------------------------
-- What the accepted records became
------------------------------------------------------------------------------------------

SELECT results_eq(
    $$SELECT customer_id, task_type, status, ended_at, project_id, user_id, product_id, agent_id, agent_version,
             workflow_id, workflow_session_id, experiment_id, variant, metadata
        FROM dexcost.task WHERE task_id = pg_temp.u('a', 1)::uuid$$,
    $$VALUES ('acme'::text, 'resolve_ticket'::text, 'success'::text, '2026-05-26 12:35:00+00'::timestamptz, 'helpdesk'::text,
              'u-7'::text, 'support'::text, 'triage'::text, '2.1'::text, 'wf-1'::text, 'ws-1'::text, 'exp-9'::text,
              'B'::text, '{"ticket": 42}'::jsonb)$$,
    'a task keeps every v1 attribute the schema has a column for');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.task WHERE task_id IN (pg_temp.u('a', 2)::uuid, pg_temp.u('a', 3)::uuid)),
          0::bigint, 'the refused tasks are not stored, and the good task of the same statement is');
SELECT results_eq(
    $$SELECT event_id::text, customer_id, event_type, cost_usd, cost_confidence, pricing_source, pricing_version,
             service_name, latency_ms, details
        FROM dexcost.cost_event WHERE task_id = pg_temp.u('a', 1)::uuid ORDER BY event_id$$,
    $$VALUES (pg_temp.u('e', 1), 'acme'::text, 'external_cost'::text, 0.0050, 'exact'::text, 'manual'::text, NULL::text,
              'tavily'::text, 230::bigint, '{"endpoint": "/search"}'::jsonb),
             (pg_temp.u('e', 2), 'acme', 'external_cost', 0.0100, 'exact', 'manual', NULL, 'tavily', 230,
              '{"endpoint": "/search"}'),
             (pg_temp.u('e', 3), 'acme', 'compute_cost', 0.0000208, 'computed', 'manual', 'compute:1.0.1', NULL, NULL,
              '{"endpoint": "/search"}')$$,
    'events keep the SDK''s cost, confidence, pricing source and version, and are filed under the task''s customer');
SELECT results_eq(
    $$SELECT p.record_type, p.record_key, p.waits_for::text FROM dexcost.ingest_pending AS p, mixed AS m
       WHERE p.receipt_id = (m.r->>'receipt_id')::uuid$$,
    $$VALUES ('event'::text, pg_temp.u('e', 5), pg_temp.u('a', 9))$$,
    'the event of an unknown task is parked, keyed by its event_id and waiting for its task');
SELECT results_eq(
    $$SELECT w.record_type, w.record FROM dexcost.ingest_raw_record AS w, mixed AS m
       WHERE w.receipt_id = (m.r->>'receipt_id')::uuid ORDER BY w.record_type$$,
    $$VALUES ('business_identity'::text, '{"identity_id": "bi-1", "kind": "email"}'::jsonb),
             ('outcome', '{"outcome_id": "o-1", "state": "achieved"}')$$,
    'business identities and outcomes are kept raw, as received');
SELECT results_eq(
    $$SELECT revenue_id::text, revision, state, customer_id FROM dexcost.revenue_current WHERE task_id = pg_temp.u('a', 1)::uuid$$,
    $$VALUES (pg_temp.u('c', 1), 1, 'pending'::text, 'acme'::text)$$,
    'the good revenue revision is stored under the task''s customer');
SELECT results_eq(
    $$SELECT (own).event_count, (own).total_cost_usd, (own).external_cost_usd, (own).compute_cost_usd
        FROM dexcost.task_cost WHERE task_id = pg_temp.u('a', 1)::uuid$$,
    $$VALUES (3::bigint, 0.0150208, 0.0150, 0.0000208)$$,
    'the task''s totals add the three stored events');

------------------------------------------------------------------------------------------
-- Tokens: dexcost's disjoint buckets, split the way the SDK's converter does
------------------------------------------------------------------------------------------

CREATE TEMP TABLE tokens_response AS
SELECT dexcost.ingest(pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 10))),
         'events', pg_catalog.jsonb_build_array(
             -- OpenAI counts cache reads inside input_tokens.
             pg_temp.llm(pg_temp.u('e', 11), pg_temp.u('a', 10)),
             -- ... and cache writes; reasoning is inside output_tokens; both arrive in details.
             pg_temp.llm(pg_temp.u('e', 12), pg_temp.u('a', 10),
                         '{"input_tokens": 1000, "cached_tokens": 300, "output_tokens": 500,
                           "details": {"cache_write_input_tokens": 50, "reasoning_output_tokens": 100}}'),
             -- Anthropic reports cache reads and writes apart from input.
             pg_temp.llm(pg_temp.u('e', 13), pg_temp.u('a', 10),
                         '{"provider": "anthropic", "model": "claude-sonnet-4-5", "input_tokens": 100,
                           "cached_tokens": 1000, "output_tokens": 50,
                           "details": {"cache_creation_input_tokens": 200}}'),
             -- So does Bedrock (provider aws).
             pg_temp.llm(pg_temp.u('e', 14), pg_temp.u('a', 10),
                         '{"provider": "aws", "model": "anthropic.claude-3-5-haiku", "input_tokens": 10,
                           "cached_tokens": 2000, "output_tokens": 5}'),
             -- Gemini, like OpenAI, counts cached tokens inside the prompt.
             pg_temp.llm(pg_temp.u('e', 15), pg_temp.u('a', 10),
                         '{"provider": "google", "model": "gemini-2.5-flash", "input_tokens": 1000,
                           "cached_tokens": 400, "output_tokens": 10}'),
             -- Counts that contradict each other are refused, not clamped.
             pg_temp.llm(pg_temp.u('e', 16), pg_temp.u('a', 10), '{"input_tokens": 100, "cached_tokens": 512}'),
             pg_temp.llm(pg_temp.u('e', 17), pg_temp.u('a', 10),
                         '{"output_tokens": 50, "details": {"reasoning_output_tokens": 60}}')))) AS r;

SELECT results_eq(
    $$SELECT right(event_id::text, 2), input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
             output_tokens, reasoning_tokens
        FROM dexcost.cost_event WHERE task_id = pg_temp.u('a', 10)::uuid ORDER BY event_id$$,
    $$VALUES ('11', 1338::bigint, 512::bigint, NULL::bigint, NULL::bigint, 420::bigint, NULL::bigint),
             ('12', 650, 300, 50, NULL, 400, 100),
             ('13', 100, 1000, 200, NULL, 50, NULL),
             ('14', 10, 2000, NULL, NULL, 5, NULL),
             ('15', 600, 400, NULL, NULL, 10, NULL)$$,
    'input_tokens is uncached input only, cache writes and reasoning come from details, per provider');
SELECT results_eq(
    $$SELECT f.idx, f.field FROM tokens_response AS t, pg_temp.fields(t.r) AS f ORDER BY f.idx$$,
    $$VALUES (5, 'cached_tokens'), (6, 'details.reasoning_output_tokens')$$,
    'cache tokens above input_tokens (OpenAI) and reasoning above output_tokens are refused, naming the field');

------------------------------------------------------------------------------------------
-- cost_confidence unknown: dexcost prices the event itself, or keeps it unknown (never 0)
------------------------------------------------------------------------------------------

CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 20))),
         'events', pg_catalog.jsonb_build_array(
             -- gpt-4o at the seed prices: 1000 x 2.50 + 200 x 10.00 per million = 0.0045
             pg_temp.llm(pg_temp.u('e', 21), pg_temp.u('a', 20),
                         '{"cost_usd": "0", "cost_confidence": "unknown", "pricing_source": null,
                           "pricing_version": null, "input_tokens": 1000, "cached_tokens": null,
                           "output_tokens": 200}'),
             pg_temp.ev(pg_temp.u('e', 22), pg_temp.u('a', 20),
                        '{"cost_usd": "0", "cost_confidence": "unknown", "service_name": "serpapi"}'))));

SELECT is((SELECT pg_catalog.count(*) FROM dexcost.cost_event
            WHERE task_id = pg_temp.u('a', 20)::uuid AND (cost_usd = 0 OR cost_confidence = 'exact')),
          0::bigint, 'the SDK''s placeholder cost "0" of an unknown cost is never stored as a cost');
SELECT results_eq(
    $$SELECT cost_usd, cost_confidence, pricing_version FROM dexcost.cost_event WHERE event_id = pg_temp.u('e', 22)::uuid$$,
    $$VALUES (NULL::numeric, 'unknown'::text, NULL::text)$$,
    'an unknown cost without tokens to price stays unknown (NULL)');
SELECT is((SELECT events FROM dexcost.unpriced_spend WHERE service_name = 'serpapi'), 1::bigint,
          'and it shows in unpriced_spend');

SELECT is((SELECT model FROM dexcost.cost_event WHERE event_id = pg_temp.u('e', 11)::uuid), 'gpt-4o',
          'an event keeps the model the SDK sent');
SELECT results_eq(
    $$SELECT cost_usd, cost_confidence, pricing_version LIKE 'dexcost:%' FROM dexcost.cost_event
       WHERE event_id = pg_temp.u('e', 21)::uuid$$,
    $$VALUES (0.0045, 'computed'::text, true)$$,
    'an unknown cost with tokens is computed from dexcost''s catalogue (gpt-4o: 0.0045)');

------------------------------------------------------------------------------------------
-- Idempotency: the same payload twice changes nothing
------------------------------------------------------------------------------------------

CREATE TEMP TABLE again_payload AS
SELECT pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 30), '{"status": "success",
                                                             "ended_at": "2026-05-26T12:40:00Z"}')),
         'events', pg_catalog.jsonb_build_array(
             pg_temp.ev(pg_temp.u('e', 31), pg_temp.u('a', 30)),
             pg_temp.ev(pg_temp.u('e', 32), pg_temp.u('a', 30),
                        '{"event_type": "network", "cost_usd": "0.0009", "cost_confidence": "estimated",
                          "service_name": null}'),
             pg_temp.ev(pg_temp.u('e', 33), pg_temp.u('a', 30),
                        '{"event_type": "gpu_cost", "cost_usd": "1.25", "service_name": null}'),
             pg_temp.llm(pg_temp.u('e', 34), pg_temp.u('a', 30),
                         '{"is_retry": true, "retry_reason": "rate_limit", "details": {"error_type": "rate_limit"}}')),
         'revenue_revisions', pg_catalog.jsonb_build_array(
             pg_temp.rev(pg_temp.u('c', 30), pg_temp.u('a', 30), 1, 'recognized', '19.99'))) AS p;

CREATE TEMP TABLE first_response AS SELECT dexcost.ingest(p) AS r FROM again_payload;
CREATE TEMP TABLE events_before AS SELECT * FROM dexcost.cost_event WHERE task_id = pg_temp.u('a', 30)::uuid;
CREATE TEMP TABLE task_before AS SELECT * FROM dexcost.task WHERE task_id = pg_temp.u('a', 30)::uuid;
CREATE TEMP TABLE totals_before AS SELECT own, subtree FROM dexcost.task_cost WHERE task_id = pg_temp.u('a', 30)::uuid;
CREATE TEMP TABLE deltas_before AS SELECT pg_catalog.count(*) AS n FROM dexcost.task_rollup_delta;
CREATE TEMP TABLE second_response AS SELECT dexcost.ingest(p) AS r FROM again_payload;

SELECT results_eq(
    $$SELECT (r - 'receipt_id') FROM second_response$$,
    $$SELECT (r - 'receipt_id') FROM first_response$$,
    'sent again, the payload gets the same answer (all queued again)');
SELECT isnt((SELECT r->>'receipt_id' FROM second_response), (SELECT r->>'receipt_id' FROM first_response),
            'each call has its own receipt');
SELECT results_eq(
    $$SELECT * FROM dexcost.cost_event WHERE task_id = pg_temp.u('a', 30)::uuid ORDER BY event_id$$,
    $$SELECT * FROM events_before ORDER BY event_id$$,
    'every event is identical, column for column, after the second send');
SELECT results_eq(
    $$SELECT * FROM dexcost.task WHERE task_id = pg_temp.u('a', 30)::uuid$$,
    $$SELECT * FROM task_before$$,
    'the task is identical after the second send');
SELECT results_eq(
    $$SELECT own, subtree FROM dexcost.task_cost WHERE task_id = pg_temp.u('a', 30)::uuid$$,
    $$SELECT own, subtree FROM totals_before$$,
    'the task''s totals are unchanged');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.task_rollup_delta), (SELECT n FROM deltas_before),
          'the second send appends no roll-up delta');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.revenue_revision WHERE task_id = pg_temp.u('a', 30)::uuid), 1::bigint,
          'the same revenue revision sent again is stored once');
SELECT results_eq(
    $$SELECT (own).event_count, (own).total_cost_usd, (own).external_cost_usd, (own).network_cost_usd,
             (own).gpu_cost_usd, (own).llm_cost_usd, (own).retry_count, (own).retry_cost_usd, (own).failure_count
        FROM dexcost.task_cost WHERE task_id = pg_temp.u('a', 30)::uuid$$,
    $$VALUES (4::bigint, 1.2824, 0.0050, 0.0009, 1.25, 0.0265, 1::bigint, 0.0265, 1::bigint)$$,
    'network and GPU costs have their own buckets; a retry with an error_type counts as retry and failure');

------------------------------------------------------------------------------------------
-- Re-sent tasks move forward only; re-sent events take new values
------------------------------------------------------------------------------------------

-- Task a40 sent with overrides: as a function (the answer) and as a procedure (no answer).
CREATE FUNCTION pg_temp.send_task_40(extra jsonb) RETURNS jsonb
  LANGUAGE sql
  RETURN dexcost.ingest(pg_catalog.jsonb_build_object(
           'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 40), extra))));
CREATE PROCEDURE pg_temp.send_task(extra jsonb)
  LANGUAGE plpgsql
AS $$ BEGIN PERFORM pg_temp.send_task_40(extra); END $$;
CREATE FUNCTION pg_temp.state_of_40() RETURNS TABLE (status text, ended_at timestamptz, metadata jsonb)
  LANGUAGE sql
  BEGIN ATOMIC
    SELECT t.status, t.ended_at, t.metadata FROM dexcost.task AS t WHERE t.task_id = pg_temp.u('a', 40)::uuid;
  END;

CALL pg_temp.send_task('{"metadata": {"v": 1}}');
CALL pg_temp.send_task('{"status": "success", "ended_at": "2026-05-26T12:40:00Z", "metadata": {"v": 2}}');
SELECT results_eq($$SELECT * FROM pg_temp.state_of_40()$$,
                  $$VALUES ('success'::text, '2026-05-26 12:40:00+00'::timestamptz, '{"v": 2}'::jsonb)$$,
                  'a pending task sent again as finished takes the new status, end and metadata');
CALL pg_temp.send_task('{"status": "pending", "metadata": {"v": 3}}');
SELECT results_eq($$SELECT * FROM pg_temp.state_of_40()$$,
                  $$VALUES ('success'::text, '2026-05-26 12:40:00+00'::timestamptz, '{"v": 2}'::jsonb)$$,
                  'a finished task never becomes pending again (the late copy is accepted and ignored)');
CALL pg_temp.send_task('{"status": "failed", "ended_at": "2026-05-26T12:35:00Z", "metadata": {"v": 4}}');
SELECT results_eq($$SELECT * FROM pg_temp.state_of_40()$$,
                  $$VALUES ('success'::text, '2026-05-26 12:40:00+00'::timestamptz, '{"v": 2}'::jsonb)$$,
                  'of two finished versions, one that ends earlier does not win');
CALL pg_temp.send_task('{"status": "failed", "ended_at": "2026-05-26T12:50:00Z",
                                                    "metadata": {"v": 5}, "task_type": "renamed", "project_id": "later"}');
SELECT results_eq($$SELECT * FROM pg_temp.state_of_40()$$,
                  $$VALUES ('failed'::text, '2026-05-26 12:50:00+00'::timestamptz, '{"v": 5}'::jsonb)$$,
                  'of two finished versions, the later end wins');
SELECT results_eq(
    $$SELECT task_type, project_id FROM dexcost.task WHERE task_id = pg_temp.u('a', 40)::uuid$$,
    $$VALUES ('resolve_ticket'::text, NULL::text)$$,
    'only status, ended_at and metadata move: the other attributes keep their first values');
SELECT results_eq(
    $$SELECT f.idx, f.field, (r->>'rejected')::integer FROM (SELECT pg_temp.send_task_40('{"customer_id": "globex"}') AS r) AS s,
             pg_temp.fields(s.r) AS f$$,
    $$VALUES (0, 'customer_id', 1)$$,
    'a task sent again under another customer is refused');

-- An event sent again with another cost replaces the old values, and the totals follow.
CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 31), pg_temp.u('a', 30), '{"cost_usd": "0.0070"}'))));
SELECT results_eq(
    $$SELECT e.cost_usd, (c.own).external_cost_usd, (c.own).event_count
        FROM dexcost.cost_event AS e JOIN dexcost.task_cost AS c USING (customer_id, task_id)
       WHERE e.event_id = pg_temp.u('e', 31)::uuid$$,
    $$VALUES (0.0070, 0.0070, 4::bigint)$$,
    'an event re-sent with a new cost takes it, and the task total moves by the difference');

------------------------------------------------------------------------------------------
-- 200 events over 10 tasks, the events sent before their tasks
------------------------------------------------------------------------------------------

-- Tasks f1-f5 are roots of customer bulk; f6-f10 are their children, listed before their parents.
CREATE TEMP TABLE bulk_events AS
SELECT dexcost.ingest(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_agg(
             pg_temp.ev(pg_temp.u('b', i), pg_temp.u('f', 1 + (i - 1) % 10), '{"cost_usd": "0.01"}') ORDER BY i))) AS r
  FROM pg_catalog.generate_series(1, 200) AS i;
SELECT results_eq(
    $$SELECT (r->>'queued')::integer, (r->>'parked')::integer, (r->>'rejected')::integer,
             (SELECT pg_catalog.count(*) FROM dexcost.ingest_pending WHERE record_type = 'event' AND record_key LIKE 'b%')
        FROM bulk_events$$,
    $$VALUES (200, 200, 0, 200::bigint)$$,
    'the first half, 200 events of tasks not known yet, is queued and parked');
CREATE TEMP TABLE receipts_before_tasks AS SELECT receipt_id FROM dexcost.ingest_receipt;
CREATE TEMP TABLE bulk_tasks AS
SELECT dexcost.ingest(pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_agg(
             pg_temp.task(pg_temp.u('f', n),
                          CASE WHEN n > 5
                               THEN pg_catalog.jsonb_build_object('customer_id', NULL, 'parent_task_id', pg_temp.u('f', n - 5))
                               ELSE '{"customer_id": "bulk"}'::jsonb END)
             ORDER BY n DESC))) AS r
  FROM pg_catalog.generate_series(1, 10) AS n;
SELECT results_eq(
    $$SELECT (r->>'queued')::integer, (r->>'parked')::integer, (r->>'rejected')::integer FROM bulk_tasks$$,
    $$VALUES (10, 0, 0)$$,
    'the second half, the 10 tasks (children before parents), is stored at once');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.cost_event WHERE customer_id = 'bulk'), 200::bigint,
          'all 200 events are stored');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.ingest_pending WHERE record_key LIKE 'b%'), 0::bigint,
          'none is left pending');
SELECT results_eq(
    $$SELECT pg_catalog.count(*), pg_catalog.count(DISTINCT task_id), pg_catalog.sum(cost_usd)
        FROM dexcost.cost_event WHERE customer_id = 'bulk'$$,
    $$VALUES (200::bigint, 10::bigint, 2.00)$$,
    'they are spread over the 10 tasks and add up to 200 x 0.01');
SELECT results_eq(
    $$SELECT right(task_id::text, 2), (own).event_count, subtree_event_count, subtree_cost_usd
        FROM dexcost.task_cost WHERE customer_id = 'bulk' AND parent_task_id IS NULL ORDER BY task_id$$,
    $$VALUES ('01', 20::bigint, 40::bigint, 0.40), ('02', 20, 40, 0.40), ('03', 20, 40, 0.40), ('04', 20, 40, 0.40),
             ('05', 20, 40, 0.40)$$,
    'each root task has its 20 events and its child''s 20 in its subtree');
SELECT results_eq(
    $$SELECT origin, pg_catalog.sum(queued)::integer, pg_catalog.sum(rejected)::integer
        FROM dexcost.ingest_receipt
       WHERE receipt_id NOT IN (SELECT receipt_id FROM receipts_before_tasks)
       GROUP BY origin ORDER BY origin$$,
    $$VALUES ('adoption'::text, 200, 0), ('call', 10, 0)$$,
    'the tasks'' call has its receipt, and the adoption it set off has one for the 200 events it stored');

------------------------------------------------------------------------------------------
-- Parked records and adoption
------------------------------------------------------------------------------------------

-- A child whose parent is unknown waits for the parent; so do its events.
CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 51),
                                               pg_catalog.jsonb_build_object('customer_id', NULL,
                                                                             'parent_task_id', pg_temp.u('a', 50)))),
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 51), pg_temp.u('a', 51)))));
SELECT results_eq(
    $$SELECT record_type, record_key, waits_for::text FROM dexcost.ingest_pending WHERE record_key LIKE '_%51' ORDER BY 1$$,
    $$VALUES ('event'::text, pg_temp.u('e', 51), pg_temp.u('a', 51)), ('task', pg_temp.u('a', 51), pg_temp.u('a', 50))$$,
    'a task with an unknown parent waits for the parent, its event for the task');
-- Sent again while parked: the copy replaces the earlier one.
CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 51), pg_temp.u('a', 51), '{"cost_usd": "0.0200"}'))));
SELECT results_eq(
    $$SELECT pg_catalog.count(*), pg_catalog.min(record->>'cost_usd') FROM dexcost.ingest_pending WHERE record_key = pg_temp.u('e', 51)$$,
    $$VALUES (1::bigint, '0.0200'::text)$$,
    'a parked record sent again replaces its earlier copy');
-- The parent arrives by plain SQL, not through ingest(): the task trigger adopts what waited.
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES (pg_temp.u('a', 50)::uuid, 'initech', 'parent');
SELECT results_eq(
    $$SELECT t.customer_id, e.customer_id, e.cost_usd FROM dexcost.task AS t JOIN dexcost.cost_event AS e USING (task_id)
       WHERE t.task_id = pg_temp.u('a', 51)::uuid$$,
    $$VALUES ('initech'::text, 'initech'::text, 0.0200)$$,
    'inserting the parent with SQL stores the waiting child (in the parent''s customer) and then its event');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.ingest_pending WHERE waits_for IN (pg_temp.u('a', 50)::uuid, pg_temp.u('a', 51)::uuid)),
          0::bigint, 'nothing waits for them any more');
SELECT is(dexcost.adopt_pending(), NULL, 'adopt_pending() with nothing adoptable returns NULL');

-- adopt_pending() by hand, for records whose task arrived while the trigger was off.
CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 61), pg_temp.u('a', 60)))));
ALTER TABLE dexcost.task DISABLE TRIGGER task_adopt_pending;
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES (pg_temp.u('a', 60)::uuid, 'acme', 'quiet');
ALTER TABLE dexcost.task ENABLE TRIGGER task_adopt_pending;
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.ingest_pending WHERE waits_for = pg_temp.u('a', 60)::uuid), 1::bigint,
          'with the trigger off, the event still waits');
SELECT results_eq(
    $$SELECT r->>'queued', r->>'rejected', r ? 'receipt_id' FROM (SELECT dexcost.adopt_pending(ARRAY[pg_temp.u('a', 60)::uuid]) AS r) AS s$$,
    $$VALUES ('1'::text, '0'::text, true)$$,
    'adopt_pending(task_ids) stores it and answers with the adoption''s receipt');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.cost_event WHERE task_id = pg_temp.u('a', 60)::uuid), 1::bigint,
          'the event is stored');

------------------------------------------------------------------------------------------
-- Revenue revisions: an append-only ledger
------------------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.send_rev(revisions jsonb) RETURNS jsonb
  LANGUAGE sql
  RETURN dexcost.ingest(pg_catalog.jsonb_build_object('revenue_revisions', revisions));
CREATE PROCEDURE pg_temp.send_revs(revisions jsonb)
  LANGUAGE plpgsql
AS $$ BEGIN PERFORM pg_temp.send_rev(revisions); END $$;

CALL pg_temp.send_revs(pg_catalog.jsonb_build_array(
         pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 1, 'pending'),
         pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 2, 'provisional', '100.00')));
SELECT results_eq(
    $$SELECT revision, state, amount, currency, recognized FROM dexcost.revenue_current WHERE revenue_id = pg_temp.u('c', 70)::uuid$$,
    $$VALUES (2, 'provisional'::text, 100.00, 'USD'::text, false)$$,
    'revenue_current shows the highest revision; provisional revenue is not recognized');
SELECT is(pg_temp.send_rev(pg_catalog.jsonb_build_array(pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 2, 'provisional', '100.00'))) - 'receipt_id',
          '{"errors": [], "parked": 0, "queued": 1, "rejected": 0}',
          'the same revision sent again is accepted and changes nothing');
SELECT results_eq(
    $$SELECT (e->>'index')::integer, e->>'reason'
        FROM pg_catalog.jsonb_array_elements(pg_temp.send_rev(pg_catalog.jsonb_build_array(
               pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 2, 'provisional', '120.00'),
               pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 4, 'recognized', '100.00'),
               pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 3, 'pending')))->'errors') AS e$$,
    $$VALUES (0, 'revision 2 of revenue ' || pg_temp.u('c', 70) || ' already exists with different contents'),
             (1, 'revision 4 of revenue ' || pg_temp.u('c', 70) || ' does not follow its latest revision 2'),
             (2, 'revenue ' || pg_temp.u('c', 70) || ' cannot go from provisional to pending')$$,
    'a changed revision, a gap and a step back are each refused with the ledger''s reason');
CALL pg_temp.send_revs(pg_catalog.jsonb_build_array(
         pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 3, 'recognized', '100.00'),
         pg_temp.rev(pg_temp.u('c', 70), pg_temp.u('a', 40), 4, 'voided')));
SELECT results_eq(
    $$SELECT revision, state, amount, recognized FROM dexcost.revenue_current WHERE revenue_id = pg_temp.u('c', 70)::uuid$$,
    $$VALUES (4, 'voided'::text, NULL::numeric, false)$$,
    'a recognized revenue can be voided by the next revision');
SELECT throws_ok(
    $$UPDATE dexcost.revenue_revision SET amount = 1 WHERE revenue_id = 'c0000000-0000-4000-8000-000000000070' AND revision = 3$$,
    '23001', NULL, 'revisions cannot be updated (23001)');

-- Revisions parked for an unknown task, the later one received first, are stored in revision order.
CALL pg_temp.send_revs(pg_catalog.jsonb_build_array(pg_temp.rev(pg_temp.u('c', 80), pg_temp.u('a', 80), 2, 'recognized', '5')));
CALL pg_temp.send_revs(pg_catalog.jsonb_build_array(pg_temp.rev(pg_temp.u('c', 80), pg_temp.u('a', 80), 1, 'pending')));
-- (Separate transactions would give them different received_at; this test runs in one.)
UPDATE dexcost.ingest_pending SET received_at = received_at - interval '1 minute' WHERE record_key = pg_temp.u('c', 80) || ':2';
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES (pg_temp.u('a', 80)::uuid, 'acme', 'sale');
SELECT results_eq(
    $$SELECT revision FROM dexcost.revenue_revision WHERE revenue_id = pg_temp.u('c', 80)::uuid ORDER BY revision$$,
    $$VALUES (1), (2)$$,
    'both parked revisions of a revenue are stored when the task arrives, whatever order they were received in');

------------------------------------------------------------------------------------------
-- The SDK's reported totals are kept apart from the ledger
------------------------------------------------------------------------------------------

CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 90),
                    '{"total_cost_usd": "0.0100", "llm_cost_usd": "0", "external_cost_usd": "0.0100",
                      "retry_count": 0, "retry_cost_usd": "0", "failure_count": 0}')),
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 91), pg_temp.u('a', 90)))));
SELECT results_eq(
    $$SELECT total_cost_usd, external_cost_usd, retry_count, network_bytes_in FROM dexcost.task_reported_totals
       WHERE task_id = pg_temp.u('a', 90)::uuid$$,
    $$VALUES (0.0100, 0.0100, 0::bigint, NULL::bigint)$$,
    'a task''s reported totals are kept as reported (NULL where not sent)');
SELECT results_eq(
    $$SELECT measure, reported, ledger FROM dexcost.reported_totals_mismatch WHERE task_id = pg_temp.u('a', 90)::uuid$$,
    $$VALUES ('total_cost_usd'::text, 0.0100, 0.0050)$$,
    'reported_totals_mismatch shows where the ledger differs (one event of 0.005 of the reported 0.01 has arrived)');
CALL pg_temp.send(pg_catalog.jsonb_build_object(
         'events', pg_catalog.jsonb_build_array(pg_temp.ev(pg_temp.u('e', 92), pg_temp.u('a', 90)))));
SELECT is_empty(
    $$SELECT 1 FROM dexcost.reported_totals_mismatch WHERE task_id = pg_temp.u('a', 90)::uuid$$,
    'once the events add up, the task leaves reported_totals_mismatch');
SELECT is((SELECT pg_catalog.count(*) FROM dexcost.task_reported_totals WHERE task_id = pg_temp.u('a', 40)::uuid), 0::bigint,
          'a task sent without totals has no reported totals');
-- The task finishes with final totals; a late copy of the pending task (older totals) changes neither.
CALL pg_temp.send(pg_catalog.jsonb_build_object('tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 90),
         '{"status": "success", "ended_at": "2026-05-26T12:45:00Z", "total_cost_usd": "0.0100"}'))));
CALL pg_temp.send(pg_catalog.jsonb_build_object('tasks', pg_catalog.jsonb_build_array(pg_temp.task(pg_temp.u('a', 90),
         '{"total_cost_usd": "0.0050"}'))));
SELECT results_eq(
    $$SELECT t.status, r.total_cost_usd FROM dexcost.task AS t JOIN dexcost.task_reported_totals AS r USING (customer_id, task_id)
       WHERE t.task_id = pg_temp.u('a', 90)::uuid$$,
    $$VALUES ('success'::text, 0.0100)$$,
    'reported totals follow the task''s forward-only rule: a stale copy does not replace newer totals');

------------------------------------------------------------------------------------------
-- Privileges of the new tables and views
------------------------------------------------------------------------------------------

SELECT table_privs_are('dexcost', 'revenue_revision', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.revenue_revision');
SELECT table_privs_are('dexcost', 'task_reported_totals', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.task_reported_totals');
SELECT table_privs_are('dexcost', 'ingest_pending', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.ingest_pending');
SELECT table_privs_are('dexcost', 'ingest_raw_record', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.ingest_raw_record');
SELECT table_privs_are('dexcost', 'ingest_receipt', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.ingest_receipt');
SELECT table_privs_are('dexcost', 'revenue_current', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.revenue_current');
SELECT table_privs_are('dexcost', 'reported_totals_mismatch', 'public', ARRAY[]::name[],
                       'PUBLIC has no privilege on dexcost.reported_totals_mismatch');

-- Tried for real by a role with USAGE on the schema and no grants (the privileges.sql way: the
-- SQLSTATEs go through a setting, as the role may not write to pgTAP's temporary tables).
CREATE ROLE dexcost_tap_ingest NOLOGIN;
GRANT USAGE ON SCHEMA dexcost TO dexcost_tap_ingest;
CREATE FUNCTION pg_temp.ingest_attempts() RETURNS text
  LANGUAGE plpgsql
AS $$
DECLARE
    stmt text;
    outcome text := '';
BEGIN
    FOREACH stmt IN ARRAY ARRAY[
        'SELECT 1 FROM dexcost.revenue_revision',
        'SELECT 1 FROM dexcost.task_reported_totals',
        'SELECT 1 FROM dexcost.ingest_pending',
        'SELECT 1 FROM dexcost.ingest_raw_record',
        'SELECT 1 FROM dexcost.ingest_receipt',
        'SELECT 1 FROM dexcost.revenue_current',
        'SELECT 1 FROM dexcost.reported_totals_mismatch',
        $q$SELECT dexcost.ingest('{"events": []}')$q$,
        'SELECT dexcost.adopt_pending()']
    LOOP
        BEGIN
            EXECUTE stmt;
            outcome := outcome || 'allowed;';
        EXCEPTION WHEN OTHERS THEN
            outcome := outcome || SQLSTATE || ';';
        END;
    END LOOP;
    RETURN outcome;
END;
$$;
SET LOCAL ROLE dexcost_tap_ingest;
DO $$ BEGIN PERFORM pg_catalog.set_config('dexcost_tap.ingest_outcome', pg_temp.ingest_attempts(), true); END $$;
RESET ROLE;
SELECT is(pg_catalog.current_setting('dexcost_tap.ingest_outcome'),
          '42501;42501;42501;42501;42501;42501;42501;42501;42501;',
          'a role without grants can read none of the ingest tables and views, and cannot run ingest() or adopt_pending()');

SELECT * FROM finish();
ROLLBACK;
