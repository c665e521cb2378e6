-- dexcost.ingest(text) parses the payload with dexcost's own JSON parser; dexcost.ingest(jsonb)
-- reads what PostgreSQL's jsonb input made of it. Both must give the same answer, store the
-- same rows and raise the same SQLSTATE. Each payload below runs through both, each time in a
-- subtransaction rolled back afterwards, and the answers and the stored rows are compared.
-- Ids: tasks d0000000-..., events d1000000-..., revenues d2000000-...; customers par-*.

INSERT INTO dexcost.task (task_id, customer_id, task_type, started_at) VALUES
  ('d0000000-0000-0000-0000-000000000001', 'par-acme', 'support', '2026-05-26T12:00:00Z'),
  ('d0000000-0000-0000-0000-000000000002', 'par-globex', 'report', '2026-05-26T12:00:00Z');

-- Everything ingest can write, as text (receipt ids are random: left out).
CREATE FUNCTION pg_temp.stored() RETURNS text
  LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(to_jsonb(e)::text, E'\n' ORDER BY e.customer_id, e.event_id)
           FROM dexcost.cost_event AS e WHERE e.customer_id LIKE 'par-%'),
        (SELECT string_agg(to_jsonb(t)::text, E'\n' ORDER BY t.customer_id, t.task_id)
           FROM dexcost.task AS t WHERE t.customer_id LIKE 'par-%'),
        (SELECT string_agg(to_jsonb(r)::text, E'\n' ORDER BY r.customer_id, r.revenue_id, r.revision)
           FROM dexcost.revenue_revision AS r WHERE r.customer_id LIKE 'par-%'),
        (SELECT string_agg(to_jsonb(x)::text, E'\n' ORDER BY x.customer_id, x.task_id)
           FROM dexcost.task_reported_totals AS x WHERE x.customer_id LIKE 'par-%'),
        (SELECT string_agg((to_jsonb(p) - 'receipt_id')::text, E'\n' ORDER BY p.record_type, p.record_key)
           FROM dexcost.ingest_pending AS p),
        (SELECT string_agg((to_jsonb(w) - 'receipt_id')::text, E'\n' ORDER BY w.record_type, w.record_key)
           FROM dexcost.ingest_raw_record AS w),
        (SELECT string_agg(to_jsonb(d)::text, E'\n' ORDER BY d.customer_id, d.task_id, d.totals::text)
           FROM dexcost.task_rollup_delta AS d WHERE d.customer_id LIKE 'par-%'))
$$;

-- One call: its answer (or SQLSTATE) and what it stored; rolled back either way.
CREATE FUNCTION pg_temp.run(payload text, as_jsonb boolean, OUT answer text, OUT stored text)
  LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        IF as_jsonb THEN
            answer := (dexcost.ingest(payload::jsonb) - 'receipt_id')::text;
        ELSE
            answer := (dexcost.ingest(payload) - 'receipt_id')::text;
        END IF;
        stored := pg_temp.stored();
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0999';
    EXCEPTION
        WHEN SQLSTATE 'P0999' THEN NULL;
        WHEN OTHERS THEN
            answer := 'ERROR ' || SQLSTATE;
            stored := '';
    END;
END;
$$;

CREATE FUNCTION pg_temp.parity(payload text) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
    t record;
    j record;
BEGIN
    t := pg_temp.run(payload, false);
    j := pg_temp.run(payload, true);
    IF t.answer IS NOT DISTINCT FROM j.answer AND t.stored IS NOT DISTINCT FROM j.stored THEN
        RETURN 'same: ' || t.answer;
    END IF;
    RETURN format(E'DIFFERENT\n  text:  %s\n  %s\n  jsonb: %s\n  %s', t.answer, t.stored, j.answer, j.stored);
END;
$$;

-- Helpers must not be vacuous: a payload stored by one path only is reported.
SELECT pg_temp.parity('{"events": []}') AS empty_payload;
SELECT (pg_temp.run('{"tasks": [{"task_id": "d0000000-0000-0000-0000-000000000009", "task_type": "x",
         "status": "pending", "started_at": "2026-05-26T12:00:00Z", "ended_at": null, "metadata": {},
         "customer_id": "par-acme", "project_id": null, "parent_task_id": null, "schema_version": "1"}]}',
       false)).stored <> pg_temp.stored() AS a_stored_task_shows;

CREATE TEMP TABLE cases (n int, name text, payload text);
INSERT INTO cases VALUES
(1, 'events of known tasks, every field', $p${"events": [
 {"event_id": "d1000000-0000-0000-0000-000000000001", "task_id": "d0000000-0000-0000-0000-000000000001",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:34:56.789Z", "cost_usd": "0.0265",
  "cost_confidence": "exact", "pricing_source": "provider_response", "pricing_version": "2025-11-01",
  "service_name": "openai", "provider": "openai", "model": "gpt-4o", "input_tokens": 1850, "output_tokens": 420,
  "cached_tokens": 512, "latency_ms": 1340, "is_retry": false, "retry_reason": null, "retry_of": null,
  "details": {"temperature": 0.2, "nested": {"a": [1, 2.50, {"b": null}], "c": true}}, "schema_version": "1"},
 {"event_id": "d1000000-0000-0000-0000-000000000002", "task_id": "d0000000-0000-0000-0000-000000000002",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:35:00+02:00", "cost_usd": "0",
  "cost_confidence": "unknown", "pricing_source": null, "pricing_version": null, "service_name": "anthropic",
  "provider": "anthropic", "model": "claude-sonnet-4-5", "input_tokens": 2000, "output_tokens": 800,
  "cached_tokens": 45000, "latency_ms": 900, "is_retry": true, "retry_reason": "rate_limit",
  "retry_of": "d1000000-0000-0000-0000-000000000001",
  "details": {"cache_creation_input_tokens": 3000, "error_type": "timeout", "service_tier": "priority"},
  "schema_version": "1"},
 {"event_id": "d1000000-0000-0000-0000-000000000003", "task_id": "d0000000-0000-0000-0000-000000000001",
  "event_type": "gpu_cost", "occurred_at": "2026-05-26T12:36:00Z", "cost_usd": "0.250000000000000001",
  "cost_confidence": "estimated", "pricing_source": "manual", "pricing_version": null, "service_name": "modal",
  "provider": null, "model": null, "input_tokens": null, "output_tokens": null, "cached_tokens": null,
  "latency_ms": null, "is_retry": false, "retry_reason": null, "retry_of": null, "details": {},
  "schema_version": "1"}
]}$p$),
(2, 'escapes, unicode and whitespace', replace(replace($p${
<TAB>"events" : [ {"event_id":"d1000000-0000-0000-0000-000000000011",<CR>
"task_id":"d0000000-0000-0000-0000-000000000001","event_type":"external_cost",
"occurred_at":"2026-05-26T12:34:56Z","cost_usd":"0.005","cost_confidence":"exact","pricing_source":"manual",
"pricing_version":null,"service_name":"caf\u00e9 \ud83d\ude00 \"quoted\" back\\slash \/ tab\t",
"provider":"s\u0065rp","model":null,"input_tokens":null,"output_tokens":null,"cached_tokens":null,
"latency_ms":12,"is_retry":false,"retry_reason":"line\nbreak","retry_of":null,
"details":{"\u00fcber":"\u2603","k\"ey":"v","empty":""},"schema_version":"1"} ] }$p$, '<TAB>', chr(9)), '<CR>', chr(13))),
(3, 'raw UTF-8 in strings', $p${"events": [{"event_id": "d1000000-0000-0000-0000-000000000012",
  "task_id": "d0000000-0000-0000-0000-000000000001", "event_type": "compute_cost",
  "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.0001", "cost_confidence": "computed",
  "pricing_source": "sdk_catalog", "pricing_version": "catalog-release:42:abcdef012345",
  "service_name": "lambda — Zürich 東京", "provider": "aws", "model": null, "input_tokens": null,
  "output_tokens": null, "cached_tokens": null, "latency_ms": 0, "is_retry": false, "retry_reason": null,
  "retry_of": null, "details": {"région": "eu-central-2"}, "schema_version": "1"}]}$p$),
(4, 'duplicate keys: the last one counts', $p${"events": [{"event_id": "d1000000-0000-0000-0000-000000000013",
  "task_id": "d0000000-0000-0000-0000-000000000001", "event_type": "llm_call",
  "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "1.00", "cost_usd": "0.50", "cost_confidence": "exact",
  "pricing_source": null, "pricing_version": null, "service_name": "openai", "provider": "openai",
  "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5, "cached_tokens": null, "latency_ms": 1,
  "is_retry": false, "retry_reason": null, "retry_of": null,
  "details": {"a": 1, "a": 2, "error_type": "x", "error_type": "rate_limited"}, "schema_version": "1"}],
  "events": [{"event_id": "d1000000-0000-0000-0000-000000000014",
  "task_id": "d0000000-0000-0000-0000-000000000001", "event_type": "llm_call",
  "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.25", "cost_confidence": "exact",
  "pricing_source": null, "pricing_version": null, "service_name": "openai", "provider": "openai",
  "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5, "cached_tokens": null, "latency_ms": 1,
  "is_retry": false, "retry_reason": null, "retry_of": null, "details": {}, "schema_version": "1"}]}$p$),
(5, 'numbers as jsonb shows them', $p${"events": [
 {"event_id": "d1000000-0000-0000-0000-000000000021", "task_id": "d0000000-0000-0000-0000-000000000001",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.1",
  "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
  "provider": "openai", "model": "gpt-4o", "input_tokens": 1e3, "output_tokens": 2.5E+1,
  "cached_tokens": 0.0, "latency_ms": -0, "is_retry": false, "retry_reason": null, "retry_of": null,
  "details": {"x": 1E-2, "y": -0.0, "z": 123456789012345678901234567890}, "schema_version": "1"},
 {"event_id": "d1000000-0000-0000-0000-000000000022", "task_id": "d0000000-0000-0000-0000-000000000001",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.1",
  "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
  "provider": "openai", "model": "gpt-4o", "input_tokens": 1.5, "output_tokens": 1e30,
  "cached_tokens": null, "latency_ms": 10.0, "is_retry": false, "retry_reason": null, "retry_of": null,
  "details": {}, "schema_version": "1"}]}$p$),
(6, 'refused records of every kind', $p${"events": [1, "x", null, [], {}, {"event_id": "not-a-uuid"}],
  "tasks": [{"task_id": "d0000000-0000-0000-0000-000000000003", "task_type": "", "status": "done"}],
  "business_identities": [true], "outcomes": [{"outcome_id": "o"}],
  "revenue_revisions": [{"schema_version": "1", "revenue_id": "d2000000-0000-0000-0000-000000000001",
  "task_id": "d0000000-0000-0000-0000-000000000001", "effective_at": "2026-05-27T19:00:00Z",
  "observed_at": "2026-05-27T19:00:10Z", "lifecycle": {"state": "recognized", "revision": 1},
  "amount": {"value": "7.5", "currency": "usd"}, "source": {"type": "sdk"}}]}$p$),
(7, 'tasks out of order, parked events and revisions', $p${"events": [
 {"event_id": "d1000000-0000-0000-0000-000000000031", "task_id": "d0000000-0000-0000-0000-000000000099",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.003",
  "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
  "provider": "openai", "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5, "cached_tokens": null,
  "latency_ms": 1, "is_retry": false, "retry_reason": null, "retry_of": null, "details": {"k": [1, "two"]},
  "schema_version": "1"}],
 "tasks": [
  {"task_id": "d0000000-0000-0000-0000-000000000012", "task_type": "child", "status": "success",
   "started_at": "2026-05-26T12:00:00Z", "ended_at": "2026-05-26T12:10:00Z", "metadata": {"step": 2},
   "customer_id": "par-acme", "project_id": "p\u00e9", "parent_task_id": "d0000000-0000-0000-0000-000000000011",
   "total_cost_usd": "0.5", "retry_count": 1, "retry_cost_usd": "0.1", "schema_version": "1"},
  {"task_id": "d0000000-0000-0000-0000-000000000011", "task_type": "root", "status": "pending",
   "started_at": "2026-05-26T12:00:00Z", "ended_at": null, "metadata": {"step": 1, "tags": ["a", "b"]},
   "customer_id": "par-acme", "project_id": null, "parent_task_id": null, "user_id": "u-1",
   "agent_id": "agent\t7", "schema_version": "1"},
  {"task_id": "d0000000-0000-0000-0000-000000000013", "task_type": "orphan", "status": "pending",
   "started_at": "2026-05-26T12:00:00Z", "ended_at": null, "metadata": {}, "customer_id": null,
   "project_id": null, "parent_task_id": "d0000000-0000-0000-0000-000000000098", "schema_version": "1"}],
 "revenue_revisions": [
  {"schema_version": "1", "revenue_id": "d2000000-0000-0000-0000-000000000002",
   "task_id": "d0000000-0000-0000-0000-000000000011", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:20Z", "lifecycle": {"state": "recognized", "revision": 2},
   "amount": {"value": "12.50", "currency": "EUR"}, "source": {"type": "sdk"}},
  {"schema_version": "1", "revenue_id": "d2000000-0000-0000-0000-000000000002",
   "task_id": "d0000000-0000-0000-0000-000000000011", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:10Z", "lifecycle": {"state": "pending", "revision": 1},
   "source": {"type": "sdk"}},
  {"schema_version": "1", "revenue_id": "d2000000-0000-0000-0000-000000000003",
   "task_id": "d0000000-0000-0000-0000-000000000097", "effective_at": "2026-05-27T19:00:00Z",
   "observed_at": "2026-05-27T19:00:10Z", "lifecycle": {"state": "pending", "revision": 1},
   "source": {"type": "sdk"}}],
 "business_identities": [{"identity_id": "i-1", "value": "caf\u00e9"}],
 "outcomes": [{"outcome_id": "o-1", "value": {"amount": "1.0", "n": 1.0e2}}],
 "sdk_version": "2.1.0", "sent_at": {"unix": 1780000000}}$p$),
(8, 'details and metadata that are not objects', $p${"events": [
 {"event_id": "d1000000-0000-0000-0000-000000000041", "task_id": "d0000000-0000-0000-0000-000000000001",
  "event_type": "llm_call", "occurred_at": "2026-05-26T12:34:56Z", "cost_usd": "0.003",
  "cost_confidence": "exact", "pricing_source": null, "pricing_version": null, "service_name": "openai",
  "provider": "openai", "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5, "cached_tokens": null,
  "latency_ms": 1, "is_retry": false, "retry_reason": null, "retry_of": null, "details": [1],
  "schema_version": "1"}],
 "tasks": [{"task_id": "d0000000-0000-0000-0000-000000000014", "task_type": "t", "status": "pending",
   "started_at": "2026-05-26T12:00:00Z", "ended_at": null, "metadata": "none", "customer_id": "par-acme",
   "project_id": null, "parent_task_id": null, "schema_version": "1"},
  {"task_id": "d0000000-0000-0000-0000-000000000015", "task_type": "t", "status": "failed",
   "started_at": "2026-05-26T12:00:00Z", "ended_at": "2026-05-26T12:00:01.5Z",
   "metadata": {"z": {"deep": [[[]]]}, "a": "\ud83d\ude00"}, "customer_id": "par-acme",
   "project_id": null, "parent_task_id": null, "schema_version": "1"}]}$p$),
(9, 'an array under an unknown key', '{"event": [{"event_id": "d1000000-0000-0000-0000-000000000051"}]}'),
(10, 'arrays that are not arrays', '{"events": {"event_id": "d1000000-0000-0000-0000-000000000051"}}'),
(11, 'not an object', '[{"events": []}]'),
(12, 'a string', '"events"'),
(13, 'a trailing comma', '{"events": [],}'),
(14, 'single quotes', $p${'events': []}$p$),
(15, 'unterminated', '{"events": [{"event_id": "d1'),
(16, 'text after the object', '{"events": []} {}'),
(17, 'a NUL escape', '{"events": [], "note": "a\u0000b"}'),
(18, 'a lone surrogate', '{"events": [], "note": "\ud800"}'),
(19, 'a number past numeric', '{"events": [], "n": 1e131072}'),
(20, 'a number at numeric''s edge', '{"events": [], "n": 1e131071, "m": 1e-16383}'),
(21, 'leading zeros', '{"events": [], "n": 01}'),
(22, 'empty text', ''),
(23, 'null inside', 'null'),
(24, 'whitespace only', E' \n\t ');

SELECT n, name, pg_temp.parity(payload) AS parity FROM cases ORDER BY n;

-- The same SQLSTATE, and for the text path a detail that says where the JSON broke.
\set VERBOSITY default
SELECT dexcost.ingest('{"events": [1 2]}');
SELECT dexcost.ingest('{"events": [], "note": "a\u0000b"}');
\set VERBOSITY terse

DELETE FROM dexcost.task WHERE customer_id LIKE 'par-%';
DELETE FROM dexcost.ingest_receipt;
