-- dexcost demo data: three weeks (1-21 November 2026, UTC) of an AI product's cost ledger.
--
-- The story
--   "Helpdesk AI" sells AI agents to six customers (acme-corp, globex, initech, umbrella-health,
--   stark-industries, wayne-logistics). Seven workflows run:
--
--     resolve_ticket                  a support agent, nested three levels deep:
--       classify_intent                 gpt-4o-mini picks the intent
--       draft_reply                     claude-sonnet-4-5 writes the answer (cached system prompt)
--         retrieve_context              pinecone + sometimes a tavily web search + gpt-4o-mini query rewrite
--     support_ticket_summary.v2       gpt-4o-mini summaries (some calls name the dated snapshot)
--     invoice_extraction.prod         overnight batch: GPU OCR, gpt-4.1 / gpt-4o-mini / claude-haiku-4-5 on the batch tier
--     sales_email_draft.internal      gemini-2.5-flash (some gemini-2.5-pro) with tavily research
--     code_review_assistant.beta      o4-mini with reasoning tokens + claude-sonnet-4-5 with a 1-hour cache
--     fraud_screen.realtime           globex only: gpt-4o on the priority tier
--     nightly_eval.batch              our own regression evals: no customer, so '(unattributed)'
--
-- What the data shows off
--   * LLM calls carry tokens only: dexcost prices them from its seed catalogue (cost_confidence 'computed').
--   * Paid APIs give an exact cost_usd ('exact'); compute gives quantity x unit price ('estimated').
--   * Failed calls (rate_limit, timeout, parse_error) and the retry_marker events that re-attempt them,
--     each re-attempt with its own tokens, so retry cost is visible per customer and per reason.
--   * OpenAI cut the gpt-4o-mini input price on 15 November: our own model_price row (below) takes
--     precedence over the seed row from then on, and events after it are priced with it.
--   * Spend dexcost cannot price stays visible as 'unknown', never $0: acme-corp's fine-tuned classifier
--     (acme-finetune-v3, from 10 November), llama-3.3-70b on groq in the nightly evals, gpt-4o output on the
--     priority tier (the seed catalogue has no such price) and clearbit enrichment calls whose price is pending.
--
-- Everything is deterministic: ids are md5 hashes of readable keys and the "random" numbers come from
-- pg_temp.r(key), a hash of a key, so every run (and every query plan) produces the same rows.
-- Volumes are scaled down to a few hundred tasks and a few thousand events.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET timezone = 'UTC';

BEGIN;

------------------------------------------------------------------------------------------
-- Helpers (temporary: they disappear with the session)
------------------------------------------------------------------------------------------

-- A number in [0, 1) derived from a key: the same key always gives the same number.
CREATE FUNCTION pg_temp.r(key text) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT
  RETURN ('x' || substr(md5(key), 1, 12))::bit(48)::bigint / 281474976710656.0;

-- An integer in [lo, hi] derived from a key.
CREATE FUNCTION pg_temp.ri(key text, lo integer, hi integer) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT
  RETURN lo + floor(pg_temp.r(key) * (hi - lo + 1))::integer;

-- One element of options derived from a key (repeat an element to make it more likely).
CREATE FUNCTION pg_temp.pick(options text[], key text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT
  RETURN options[1 + floor(pg_temp.r(key) * cardinality(options))::integer];

------------------------------------------------------------------------------------------
-- 1. The mid-month price change (before any event, so the trigger prices with it)
------------------------------------------------------------------------------------------

-- OpenAI cut gpt-4o-mini's standard input price from 0.15 to 0.10 USD per million tokens on
-- 15 November. Seed rows are read-only: we add our own row, which takes precedence over the seed
-- row wherever both are in force. Before 15 November only the seed row (0.15) applies.
INSERT INTO dexcost.model_price
    (provider, model, usage_type, service_tier, usd_per_mtok, valid_from, source, snapshot_date, note)
VALUES
    ('openai', 'gpt-4o-mini', 'input', 'standard', 0.10, '2026-11-15 00:00:00+00',
     'demo: provider price cut', '2026-11-14', 'announced 2026-11-14, effective 2026-11-15 00:00 UTC');

------------------------------------------------------------------------------------------
-- 2. Two hand-written examples, exactly as an SDK would report them
------------------------------------------------------------------------------------------

-- Ticket ACME-4711, 3 November: a complete resolve_ticket tree. The first Claude call is rate
-- limited (billed nothing); the retry_marker re-attempts it and carries the tokens it used.
-- Child tasks leave customer_id NULL: dexcost copies the parent's and fills root_task_id.
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
     environment, request_path, started_at, ended_at, metadata, created_at)
VALUES
    ('a4711000-0000-4000-8000-000000000001', 'acme-corp', 'resolve_ticket', NULL, 'success', true,
     'helpdesk', 'support-ai', 'acme:u-1842', 'prod', 'live',
     '2026-11-03 09:14:05+00', '2026-11-03 09:14:41+00', '{"ticket": "ACME-4711", "channel": "email"}',
     '2026-11-03 09:14:05+00');
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, started_at, ended_at, created_at)
VALUES
    ('a4711000-0000-4000-8000-000000000002', NULL, 'classify_intent', 'a4711000-0000-4000-8000-000000000001',
     'success', '2026-11-03 09:14:06+00', '2026-11-03 09:14:07+00', '2026-11-03 09:14:06+00'),
    ('a4711000-0000-4000-8000-000000000003', NULL, 'draft_reply', 'a4711000-0000-4000-8000-000000000001',
     'success', '2026-11-03 09:14:08+00', '2026-11-03 09:14:40+00', '2026-11-03 09:14:08+00');
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, started_at, ended_at, created_at)
VALUES
    ('a4711000-0000-4000-8000-000000000004', NULL, 'retrieve_context', 'a4711000-0000-4000-8000-000000000003',
     'success', '2026-11-03 09:14:08+00', '2026-11-03 09:14:11+00', '2026-11-03 09:14:08+00');

-- Tokens only on LLM calls: dexcost computes cost_usd. Exact cost on the paid APIs. Quantity x unit
-- price on the Lambda run: an estimate.
INSERT INTO dexcost.cost_event
    (event_id, task_id, event_type, occurred_at, provider, model, service_name, input_tokens,
     cache_read_tokens, output_tokens, quantity, quantity_unit, unit_price_usd, cost_usd, pricing_source,
     latency_ms, error_type, is_retry, retry_reason, retry_of, retry_type, details, recorded_at)
VALUES
    -- classify_intent: one cheap gpt-4o-mini call
    ('e4711000-0000-4000-8000-000000000001', 'a4711000-0000-4000-8000-000000000002', 'llm_call',
     '2026-11-03 09:14:06+00', 'openai', 'gpt-4o-mini', NULL, 912, NULL, 14, NULL, NULL, NULL, NULL, NULL,
     620, NULL, false, NULL, NULL, NULL, '{"intent": "billing_dispute"}', '2026-11-03 09:14:09+00'),
    -- retrieve_context: vector search (12 read units), one web search, one query rewrite
    ('e4711000-0000-4000-8000-000000000002', 'a4711000-0000-4000-8000-000000000004', 'external_cost',
     '2026-11-03 09:14:08+00', NULL, NULL, 'pinecone', NULL, NULL, NULL, 12, 'read_unit', NULL, 0.000192,
     'pinecone_usage_api', 85, NULL, false, NULL, NULL, NULL, '{"index": "acme-kb"}', '2026-11-03 09:14:10+00'),
    ('e4711000-0000-4000-8000-000000000003', 'a4711000-0000-4000-8000-000000000004', 'external_cost',
     '2026-11-03 09:14:09+00', NULL, NULL, 'tavily', NULL, NULL, NULL, 1, 'search', NULL, 0.008,
     'tavily_price_list', 1340, NULL, false, NULL, NULL, NULL, '{"depth": "basic"}', '2026-11-03 09:14:11+00'),
    ('e4711000-0000-4000-8000-000000000004', 'a4711000-0000-4000-8000-000000000004', 'llm_call',
     '2026-11-03 09:14:10+00', 'openai', 'gpt-4o-mini', NULL, 530, NULL, 61, NULL, NULL, NULL, NULL, NULL,
     710, NULL, false, NULL, NULL, NULL, '{}', '2026-11-03 09:14:12+00'),
    -- draft_reply: rate limited (HTTP 429, nothing billed) ...
    ('e4711000-0000-4000-8000-000000000005', 'a4711000-0000-4000-8000-000000000003', 'llm_call',
     '2026-11-03 09:14:12+00', 'anthropic', 'claude-sonnet-4-5', NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL,
     180, 'rate_limit', false, NULL, NULL, NULL, '{"http_status": 429}', '2026-11-03 09:14:14+00'),
    -- ... then re-attempted after a back-off; the system prompt comes from the prompt cache
    ('e4711000-0000-4000-8000-000000000006', 'a4711000-0000-4000-8000-000000000003', 'retry_marker',
     '2026-11-03 09:14:16+00', 'anthropic', 'claude-sonnet-4-5', NULL, 1840, 6144, 412, NULL, NULL, NULL, NULL,
     NULL, 7400, NULL, true, 'rate_limit', 'e4711000-0000-4000-8000-000000000005', 'provider_retry',
     '{"backoff_ms": 4000}', '2026-11-03 09:14:25+00'),
    -- resolve_ticket: the orchestrating Lambda, 1 GB for 36 s
    ('e4711000-0000-4000-8000-000000000007', 'a4711000-0000-4000-8000-000000000001', 'compute_cost',
     '2026-11-03 09:14:41+00', NULL, NULL, 'aws_lambda', NULL, NULL, NULL, 36, 'gb_second', 0.0000166667, NULL,
     NULL, NULL, NULL, false, NULL, NULL, NULL, '{"memory_mb": 1024}', '2026-11-03 09:14:43+00');

-- A summary requested from the internal Slack bot, 16 November: it passes no customer, so the task
-- is attributed to '(unattributed)' and its cost still shows in every report.
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, status, accepted, project_id, team, environment, request_path,
     started_at, ended_at, metadata, created_at)
VALUES
    ('a0000000-0000-4000-8000-00000000b001', NULL, 'support_ticket_summary.v2', 'success', true,
     'helpdesk', 'support-ai', 'prod', 'live', '2026-11-16 14:02:10+00', '2026-11-16 14:02:14+00',
     '{"source": "slack-bot"}', '2026-11-16 14:02:10+00');
INSERT INTO dexcost.cost_event
    (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, cache_read_tokens,
     output_tokens, latency_ms, recorded_at)
VALUES
    ('e0000000-0000-4000-8000-00000000b001', 'a0000000-0000-4000-8000-00000000b001', 'llm_call',
     '2026-11-16 14:02:11+00', 'openai', 'gpt-4o-mini-2024-07-18', 3120, 1024, 244, 2300,
     '2026-11-16 14:02:13+00');

------------------------------------------------------------------------------------------
-- 3. The generated month
------------------------------------------------------------------------------------------
-- Rows are staged in temporary tables, then loaded as the ingest would: tasks parents first,
-- events in time order, each stored a couple of seconds after it happened.

CREATE TEMP TABLE gen_task (
    task_id        uuid PRIMARY KEY,
    customer_id    text,           -- NULL on children (inherited) and on unattributed roots
    task_type      text NOT NULL,
    parent_task_id uuid,
    depth          integer NOT NULL DEFAULT 0,
    status         text NOT NULL DEFAULT 'success',
    accepted       boolean,
    project_id     text,
    team           text,
    user_id        text,
    environment    text NOT NULL DEFAULT 'prod',
    request_path   text,
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz NOT NULL,
    metadata       jsonb NOT NULL DEFAULT '{}'
);

CREATE TEMP TABLE gen_event (
    event_id              uuid PRIMARY KEY,
    task_id               uuid NOT NULL,
    event_type            text NOT NULL DEFAULT 'llm_call',
    occurred_at           timestamptz NOT NULL,
    provider              text,
    model                 text,
    service_tier          text NOT NULL DEFAULT 'standard',
    service_name          text,
    input_tokens          bigint,
    cache_read_tokens     bigint,
    cache_write_tokens    bigint,
    cache_write_1h_tokens bigint,
    output_tokens         bigint,
    reasoning_tokens      bigint,
    quantity              numeric,
    quantity_unit         text,
    unit_price_usd        numeric,
    cost_usd              numeric,
    pricing_source        text,
    latency_ms            bigint,
    error_type            text,
    is_retry              boolean NOT NULL DEFAULT false,
    retry_reason          text,
    retry_of              uuid,
    retry_type            text,
    batch_job_id          text,
    batch_status          text,
    details               jsonb NOT NULL DEFAULT '{}'
);

-- 3a. resolve_ticket: 110 support tickets, 7:00-20:00 UTC, spread evenly over the 21 days ----------

CREATE TEMP TABLE ticket AS
SELECT n,
       md5('ticket/root/' || n)::uuid     AS root_id,
       md5('ticket/classify/' || n)::uuid AS classify_id,
       md5('ticket/draft/' || n)::uuid    AS draft_id,
       md5('ticket/retrieve/' || n)::uuid AS retrieve_id,
       pg_temp.pick(ARRAY['acme-corp', 'acme-corp', 'acme-corp', 'acme-corp', 'globex', 'globex', 'globex',
                          'initech', 'initech', 'umbrella-health', 'umbrella-health', 'stark-industries',
                          'wayne-logistics'], 'ticket/customer/' || n) AS customer_id,
       timestamptz '2026-11-01 07:00:00+00' + floor((n - 1) * 21 / 110.0) * interval '1 day'
           + pg_temp.ri('ticket/start/' || n, 0, 46799) * interval '1 second' AS t0,
       pg_temp.r('ticket/draft-outcome/' || n)    AS draft_roll,     -- < 0.12: the first draft attempt fails
       pg_temp.r('ticket/classify-outcome/' || n) AS classify_roll,  -- < 0.04: unparsable intent, retried
       pg_temp.r('ticket/accepted/' || n)         AS accept_roll
  FROM generate_series(1, 110) AS n;

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, user_id,
                      request_path, started_at, ended_at, metadata)
SELECT root_id, customer_id, 'resolve_ticket',
       CASE WHEN accept_roll < 0.02 THEN 'failed' ELSE 'success' END,
       CASE WHEN accept_roll < 0.02 THEN NULL ELSE accept_roll >= 0.09 END,
       'helpdesk', 'support-ai', customer_id || ':u-' || pg_temp.ri('ticket/user/' || n, 1000, 1099), 'live',
       t0, t0 + interval '40 seconds',
       jsonb_build_object('ticket', upper(split_part(customer_id, '-', 1)) || '-' || (5000 + n),
                          'channel', pg_temp.pick(ARRAY['email', 'email', 'chat', 'web_form'], 'ticket/channel/' || n))
  FROM ticket;
INSERT INTO gen_task (task_id, task_type, parent_task_id, depth, started_at, ended_at)
SELECT classify_id, 'classify_intent', root_id, 1, t0 + interval '1 second', t0 + interval '4 seconds' FROM ticket
UNION ALL
SELECT draft_id, 'draft_reply', root_id, 1, t0 + interval '5 seconds', t0 + interval '38 seconds' FROM ticket;
INSERT INTO gen_task (task_id, task_type, parent_task_id, depth, started_at, ended_at)
SELECT retrieve_id, 'retrieve_context', draft_id, 2, t0 + interval '5 seconds', t0 + interval '9 seconds' FROM ticket;

-- classify_intent: gpt-4o-mini, except acme-corp, which switched to its own fine-tuned model on
-- 10 November (no price in the catalogue yet: those calls are 'unknown').
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, output_tokens,
                       latency_ms, error_type)
SELECT md5('ticket/ev/classify/' || n)::uuid, classify_id, t0 + interval '1 second', 'openai',
       CASE WHEN customer_id = 'acme-corp' AND t0 >= '2026-11-10' THEN 'acme-finetune-v3' ELSE 'gpt-4o-mini' END,
       pg_temp.ri('ticket/classify-in/' || n, 700, 1100), pg_temp.ri('ticket/classify-out/' || n, 8, 30),
       pg_temp.ri('ticket/classify-ms/' || n, 350, 900),
       CASE WHEN classify_roll < 0.04 THEN 'parse_error' END
  FROM ticket;
-- An unparsable intent is asked again (validation retry), with the same prompt.
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                       output_tokens, latency_ms, is_retry, retry_reason, retry_of, retry_type)
SELECT md5('ticket/ev/classify-retry/' || n)::uuid, classify_id, 'retry_marker', t0 + interval '2 seconds',
       'openai',
       CASE WHEN customer_id = 'acme-corp' AND t0 >= '2026-11-10' THEN 'acme-finetune-v3' ELSE 'gpt-4o-mini' END,
       pg_temp.ri('ticket/classify-in/' || n, 700, 1100), pg_temp.ri('ticket/classify-out2/' || n, 8, 30),
       pg_temp.ri('ticket/classify-ms2/' || n, 350, 900), true, 'parse_error',
       md5('ticket/ev/classify/' || n)::uuid, 'validation_retry'
  FROM ticket
 WHERE classify_roll < 0.04;

-- retrieve_context: a pinecone query every time (exact cost: read units x $16 per million), a tavily
-- web search for one ticket in three (basic $0.008, advanced $0.016), and a gpt-4o-mini query rewrite.
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       cost_usd, pricing_source, latency_ms, details)
SELECT md5('ticket/ev/pinecone/' || n)::uuid, retrieve_id, 'external_cost', t0 + interval '5 seconds',
       'pinecone', ru, 'read_unit', ru * 0.000016, 'pinecone_usage_api', pg_temp.ri('ticket/pc-ms/' || n, 40, 160),
       jsonb_build_object('index', split_part(customer_id, '-', 1) || '-kb')
  FROM ticket, LATERAL (SELECT pg_temp.ri('ticket/ru/' || n, 5, 15) AS ru) AS q
UNION ALL
SELECT md5('ticket/ev/tavily/' || n)::uuid, retrieve_id, 'external_cost', t0 + interval '6 seconds',
       'tavily', 1, 'search', CASE WHEN advanced THEN 0.016 ELSE 0.008 END, 'tavily_price_list',
       pg_temp.ri('ticket/tv-ms/' || n, 800, 2500),
       jsonb_build_object('depth', CASE WHEN advanced THEN 'advanced' ELSE 'basic' END)
  FROM ticket, LATERAL (SELECT pg_temp.r('ticket/tavily-depth/' || n) < 0.25 AS advanced) AS q
 WHERE pg_temp.r('ticket/web-search/' || n) < 0.35;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, output_tokens, latency_ms)
SELECT md5('ticket/ev/rewrite/' || n)::uuid, retrieve_id, t0 + interval '7 seconds', 'openai', 'gpt-4o-mini',
       pg_temp.ri('ticket/rewrite-in/' || n, 400, 700), pg_temp.ri('ticket/rewrite-out/' || n, 40, 90),
       pg_temp.ri('ticket/rewrite-ms/' || n, 500, 1200)
  FROM ticket;

-- draft_reply: claude-sonnet-4-5 with a 6,144-token system prompt that is read from the prompt cache,
-- or written to it when the cache is cold (one call in seven). The first attempt fails for 12% of tickets:
--   rate_limit  (5%)  HTTP 429, nothing billed            -> provider_retry
--   timeout     (3%)  the client gave up mid-stream, the prompt and partial output are billed -> provider_retry
--   parse_error (4%)  the reply broke the JSON schema, fully billed -> validation_retry
CREATE TEMP TABLE draft AS
SELECT t.*,
       CASE WHEN draft_roll < 0.05 THEN 'rate_limit' WHEN draft_roll < 0.08 THEN 'timeout'
            WHEN draft_roll < 0.12 THEN 'parse_error' END AS failure,
       pg_temp.r('ticket/cache/' || n) < 0.14 AS cold_cache,
       pg_temp.ri('ticket/draft-in/' || n, 1400, 2600) AS input_tokens,
       pg_temp.ri('ticket/draft-out/' || n, 250, 650) AS output_tokens
  FROM ticket AS t;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, cache_read_tokens,
                       cache_write_tokens, output_tokens, latency_ms, error_type, details)
SELECT md5('ticket/ev/draft/' || n)::uuid, draft_id, t0 + interval '10 seconds', 'anthropic', 'claude-sonnet-4-5',
       CASE WHEN failure = 'rate_limit' THEN 0 ELSE input_tokens END,
       CASE WHEN failure = 'rate_limit' OR cold_cache THEN 0 ELSE 6144 END,
       CASE WHEN failure = 'rate_limit' OR NOT cold_cache THEN 0 ELSE 6144 END,
       CASE WHEN failure = 'rate_limit' THEN 0 WHEN failure = 'timeout' THEN output_tokens / 3 ELSE output_tokens END,
       CASE failure WHEN 'rate_limit' THEN 150 WHEN 'timeout' THEN 30000
                    ELSE pg_temp.ri('ticket/draft-ms/' || n, 4000, 11000) END,
       failure,
       CASE failure WHEN 'rate_limit' THEN '{"http_status": 429}'::jsonb ELSE '{}'::jsonb END
  FROM draft;
-- The re-attempt: a retry_marker with its own tokens (the cache is warm by now).
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                       cache_read_tokens, output_tokens, latency_ms, is_retry, retry_reason, retry_of, retry_type)
SELECT md5('ticket/ev/draft-retry/' || n)::uuid, draft_id, 'retry_marker',
       t0 + CASE failure WHEN 'timeout' THEN interval '41 seconds' ELSE interval '20 seconds' END,
       'anthropic', 'claude-sonnet-4-5', input_tokens, 6144, pg_temp.ri('ticket/draft-out2/' || n, 250, 650),
       pg_temp.ri('ticket/draft-ms2/' || n, 4000, 11000), true, failure, md5('ticket/ev/draft/' || n)::uuid,
       CASE WHEN failure = 'parse_error' THEN 'validation_retry' ELSE 'provider_retry' END
  FROM draft
 WHERE failure IS NOT NULL;
-- A ticket whose draft timed out ran past its planned end: keep ended_at after its last event.
UPDATE gen_task SET ended_at = d.t0 + interval '55 seconds'
  FROM draft AS d
 WHERE d.failure = 'timeout' AND gen_task.task_id IN (d.root_id, d.draft_id);

-- resolve_ticket itself: the orchestrating AWS Lambda (1 GB), estimated as GB-seconds x list price.
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       unit_price_usd, details)
SELECT md5('ticket/ev/lambda/' || n)::uuid, root_id, 'compute_cost', t0 + interval '39 seconds', 'aws_lambda',
       round((18 + 20 * pg_temp.r('ticket/lambda/' || n))::numeric, 1), 'gb_second', 0.0000166667,
       '{"memory_mb": 1024}'
  FROM ticket;

-- 3b. support_ticket_summary.v2: 90 summaries; three come from the Slack bot without a customer -------

CREATE TEMP TABLE summary AS
SELECT n,
       md5('summary/' || n)::uuid AS task_id,
       CASE WHEN n % 30 = 7 THEN NULL
            ELSE pg_temp.pick(ARRAY['acme-corp', 'acme-corp', 'globex', 'globex', 'initech', 'umbrella-health',
                                    'stark-industries', 'wayne-logistics'], 'summary/customer/' || n) END AS customer_id,
       timestamptz '2026-11-01 08:00:00+00' + floor((n - 1) * 21 / 90.0) * interval '1 day'
           + pg_temp.ri('summary/start/' || n, 0, 39599) * interval '1 second' AS t0,
       pg_temp.r('summary/outcome/' || n) < 0.05 AS parse_failed
  FROM generate_series(1, 90) AS n;

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, request_path,
                      started_at, ended_at, metadata)
SELECT task_id, customer_id, 'support_ticket_summary.v2', 'success', true, 'helpdesk', 'support-ai', 'live',
       t0, t0 + interval '12 seconds',
       CASE WHEN customer_id IS NULL THEN '{"source": "slack-bot"}'::jsonb ELSE '{"source": "agent-console"}' END
  FROM summary;
-- Half the calls report the dated snapshot name: the seed alias maps it onto gpt-4o-mini.
-- OpenAI caches prompts of 1,024 tokens and more, in 1,024-token steps.
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, cache_read_tokens,
                       output_tokens, latency_ms, error_type)
SELECT md5('summary/ev/' || n)::uuid, task_id, t0 + interval '1 second', 'openai',
       CASE WHEN n % 2 = 0 THEN 'gpt-4o-mini-2024-07-18' ELSE 'gpt-4o-mini' END,
       pg_temp.ri('summary/in/' || n, 2200, 4800),
       CASE WHEN pg_temp.r('summary/cache/' || n) < 0.4 THEN 1024 * pg_temp.ri('summary/cache-k/' || n, 1, 2) ELSE 0 END,
       pg_temp.ri('summary/out/' || n, 120, 380), pg_temp.ri('summary/ms/' || n, 1500, 4000),
       CASE WHEN parse_failed THEN 'parse_error' END
  FROM summary;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens,
                       output_tokens, latency_ms, is_retry, retry_reason, retry_of, retry_type)
SELECT md5('summary/ev-retry/' || n)::uuid, task_id, 'retry_marker', t0 + interval '6 seconds', 'openai',
       CASE WHEN n % 2 = 0 THEN 'gpt-4o-mini-2024-07-18' ELSE 'gpt-4o-mini' END,
       pg_temp.ri('summary/in/' || n, 2200, 4800), pg_temp.ri('summary/out2/' || n, 120, 380),
       pg_temp.ri('summary/ms2/' || n, 1500, 4000), true, 'parse_error', md5('summary/ev/' || n)::uuid,
       'validation_retry'
  FROM summary
 WHERE parse_failed;

-- 3c. invoice_extraction.prod: 50 overnight batch jobs for three customers ---------------------------
-- GPU OCR (Modal A10G, estimated), then on the batch tier: gpt-4.1 extracts, gpt-4o-mini normalises
-- line items, claude-haiku-4-5 validates. One extraction in twelve fails validation and is redone.

CREATE TEMP TABLE invoice AS
SELECT n,
       md5('invoice/' || n)::uuid AS task_id,
       pg_temp.pick(ARRAY['umbrella-health', 'umbrella-health', 'wayne-logistics', 'wayne-logistics', 'acme-corp'],
                    'invoice/customer/' || n) AS customer_id,
       timestamptz '2026-11-01 02:00:00+00' + floor((n - 1) * 21 / 50.0) * interval '1 day'
           + pg_temp.ri('invoice/start/' || n, 0, 7199) * interval '1 second' AS t0,
       pg_temp.r('invoice/outcome/' || n) < 0.085 AS extraction_failed,
       pg_temp.ri('invoice/pages/' || n, 1, 6) AS pages
  FROM generate_series(1, 50) AS n;

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, request_path,
                      started_at, ended_at, metadata)
SELECT task_id, customer_id, 'invoice_extraction.prod', 'success', true, 'finance-ops', 'document-ai', 'batch',
       t0, t0 + interval '3 hours', jsonb_build_object('pages', pages)
  FROM invoice;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       unit_price_usd, details)
SELECT md5('invoice/ev/ocr/' || n)::uuid, task_id, 'compute_cost', t0 + interval '2 minutes', 'modal',
       pages * pg_temp.ri('invoice/ocr-s/' || n, 12, 20), 'gpu_second', 0.000306, '{"gpu": "A10G"}'
  FROM invoice;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, service_tier, input_tokens,
                       output_tokens, error_type, batch_job_id, batch_status)
SELECT md5('invoice/ev/extract/' || n)::uuid, task_id, t0 + interval '50 minutes', 'openai', 'gpt-4.1', 'batch',
       pages * pg_temp.ri('invoice/extract-in/' || n, 1800, 2600), pg_temp.ri('invoice/extract-out/' || n, 900, 1800),
       CASE WHEN extraction_failed THEN 'parse_error' END,
       'batch_' || to_char(t0, 'YYYYMMDD') || '_extract', 'completed'
  FROM invoice
UNION ALL
SELECT md5('invoice/ev/normalise/' || n)::uuid, task_id, t0 + interval '80 minutes', 'openai', 'gpt-4o-mini', 'batch',
       pg_temp.ri('invoice/norm-in/' || n, 1500, 3000), pg_temp.ri('invoice/norm-out/' || n, 300, 700), NULL,
       'batch_' || to_char(t0, 'YYYYMMDD') || '_normalise', 'completed'
  FROM invoice
UNION ALL
SELECT md5('invoice/ev/validate/' || n)::uuid, task_id, t0 + interval '110 minutes', 'anthropic', 'claude-haiku-4-5',
       'batch', pg_temp.ri('invoice/val-in/' || n, 7000, 12000), pg_temp.ri('invoice/val-out/' || n, 80, 200), NULL,
       'msgbatch_' || to_char(t0, 'YYYYMMDD') || '_validate', 'completed'
  FROM invoice;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, provider, model, service_tier, input_tokens,
                       output_tokens, is_retry, retry_reason, retry_of, retry_type, batch_job_id, batch_status)
SELECT md5('invoice/ev/extract-retry/' || n)::uuid, task_id, 'retry_marker', t0 + interval '150 minutes',
       'openai', 'gpt-4.1', 'batch', pages * pg_temp.ri('invoice/extract-in/' || n, 1800, 2600),
       pg_temp.ri('invoice/extract-out2/' || n, 900, 1800), true, 'parse_error',
       md5('invoice/ev/extract/' || n)::uuid, 'validation_retry',
       'batch_' || to_char(t0, 'YYYYMMDD') || '_extract_retry', 'completed'
  FROM invoice
 WHERE extraction_failed;

-- 3d. sales_email_draft.internal: 45 outbound emails researched on the web ---------------------------
-- tavily research (exact), then gemini-2.5-flash (every fourth email gemini-2.5-pro). One in twenty
-- Gemini calls times out and is retried. Every sixth email also enriches the lead with clearbit, whose
-- contract price is still pending: the cost is unknown and shows as unpriced.

CREATE TEMP TABLE sales AS
SELECT n,
       md5('sales/' || n)::uuid AS task_id,
       pg_temp.pick(ARRAY['stark-industries', 'stark-industries', 'initech', 'globex', 'acme-corp',
                          'wayne-logistics'], 'sales/customer/' || n) AS customer_id,
       timestamptz '2026-11-01 09:00:00+00' + floor((n - 1) * 21 / 45.0) * interval '1 day'
           + pg_temp.ri('sales/start/' || n, 0, 32399) * interval '1 second' AS t0,
       CASE WHEN n % 4 = 0 THEN 'gemini-2.5-pro' ELSE 'gemini-2.5-flash' END AS model,
       pg_temp.r('sales/outcome/' || n) < 0.05 AS timed_out
  FROM generate_series(1, 45) AS n;

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, user_id, request_path,
                      started_at, ended_at)
SELECT task_id, customer_id, 'sales_email_draft.internal', 'success', pg_temp.r('sales/accepted/' || n) >= 0.2,
       'outbound', 'growth', customer_id || ':rep-' || pg_temp.ri('sales/user/' || n, 10, 19), 'live',
       t0, t0 + interval '2 minutes'
  FROM sales;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       cost_usd, pricing_source, latency_ms, details)
SELECT md5('sales/ev/tavily/' || n || '/' || k)::uuid, task_id, 'external_cost',
       t0 + k * interval '3 seconds', 'tavily', 1, 'search', 0.016, 'tavily_price_list',
       pg_temp.ri('sales/tv-ms/' || n || '/' || k, 1500, 4000), '{"depth": "advanced"}'::jsonb
  FROM sales, generate_series(1, 1 + (n % 2)) AS k
UNION ALL
SELECT md5('sales/ev/clearbit/' || n)::uuid, task_id, 'external_cost', t0 + interval '8 seconds',
       'clearbit', 1, 'enrichment', NULL, NULL, pg_temp.ri('sales/cb-ms/' || n, 200, 600),
       '{"note": "contract price pending"}'::jsonb
  FROM sales
 WHERE n % 6 = 0;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, cache_read_tokens,
                       output_tokens, latency_ms, error_type)
SELECT md5('sales/ev/draft/' || n)::uuid, task_id, t0 + interval '15 seconds', 'google', model,
       pg_temp.ri('sales/in/' || n, 3000, 9000),
       CASE WHEN pg_temp.r('sales/cache/' || n) < 0.4 THEN 4096 ELSE 0 END,
       CASE WHEN timed_out THEN pg_temp.ri('sales/out/' || n, 300, 600) / 4 ELSE pg_temp.ri('sales/out/' || n, 300, 600) END,
       CASE WHEN timed_out THEN 30000 ELSE pg_temp.ri('sales/ms/' || n, 3000, 12000) END,
       CASE WHEN timed_out THEN 'timeout' END
  FROM sales;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens,
                       latency_ms, is_retry, retry_reason, retry_of, retry_type)
SELECT md5('sales/ev/draft-retry/' || n)::uuid, task_id, 'retry_marker', t0 + interval '50 seconds', 'google',
       model, pg_temp.ri('sales/in/' || n, 3000, 9000), pg_temp.ri('sales/out2/' || n, 300, 600),
       pg_temp.ri('sales/ms2/' || n, 3000, 12000), true, 'timeout', md5('sales/ev/draft/' || n)::uuid,
       'provider_retry'
  FROM sales
 WHERE timed_out;

-- 3e. code_review_assistant.beta: 30 pull-request reviews for initech and stark-industries ----------
-- o4-mini plans the review (reasoning tokens billed at the output price), claude-sonnet-4-5 writes it
-- with the repository context in a 1-hour prompt cache (written by the first review of a batch of
-- three, read by the other two), and a Lambda checks out the diff.

CREATE TEMP TABLE review AS
SELECT n,
       md5('review/' || n)::uuid AS task_id,
       CASE WHEN n % 3 = 0 THEN 'stark-industries' ELSE 'initech' END AS customer_id,
       timestamptz '2026-11-01 10:00:00+00' + floor((n - 1) * 21 / 30.0) * interval '1 day'
           + pg_temp.ri('review/start/' || n, 0, 28799) * interval '1 second' AS t0
  FROM generate_series(1, 30) AS n;

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, request_path,
                      environment, started_at, ended_at, metadata)
SELECT task_id, customer_id, 'code_review_assistant.beta', 'success', pg_temp.r('review/accepted/' || n) >= 0.3,
       'devtools', 'platform-ai', 'live', 'beta', t0, t0 + interval '3 minutes',
       jsonb_build_object('pull_request', 200 + n)
  FROM review;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       unit_price_usd, details)
SELECT md5('review/ev/lambda/' || n)::uuid, task_id, 'compute_cost', t0 + interval '5 seconds', 'aws_lambda',
       round((40 + 60 * pg_temp.r('review/lambda/' || n))::numeric, 1), 'gb_second', 0.0000166667,
       '{"memory_mb": 2048}'
  FROM review;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, input_tokens, cache_read_tokens,
                       cache_write_1h_tokens, output_tokens, reasoning_tokens, latency_ms)
SELECT md5('review/ev/plan/' || n)::uuid, task_id, t0 + interval '20 seconds', 'openai', 'o4-mini',
       pg_temp.ri('review/plan-in/' || n, 8000, 20000), 2048 * pg_temp.ri('review/plan-cache/' || n, 0, 2), NULL,
       pg_temp.ri('review/plan-out/' || n, 400, 1200), pg_temp.ri('review/plan-think/' || n, 1500, 6000),
       pg_temp.ri('review/plan-ms/' || n, 9000, 30000)
  FROM review
UNION ALL
SELECT md5('review/ev/write/' || n)::uuid, task_id, t0 + interval '70 seconds', 'anthropic', 'claude-sonnet-4-5',
       pg_temp.ri('review/write-in/' || n, 3000, 6000),
       CASE WHEN n % 3 = 1 THEN 0 ELSE 24000 END, CASE WHEN n % 3 = 1 THEN 24000 ELSE 0 END,
       pg_temp.ri('review/write-out/' || n, 600, 1500), NULL, pg_temp.ri('review/write-ms/' || n, 15000, 45000)
  FROM review;

-- 3f. fraud_screen.realtime: 24 payment screens for globex -------------------------------------------
-- gpt-4o-mini pre-filters; gpt-4o decides on the priority tier. The seed catalogue has a priority input
-- price for gpt-4o but no priority output price, so dexcost refuses to guess: those calls are 'unknown'.

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, request_path,
                      started_at, ended_at)
SELECT md5('fraud/' || n)::uuid, 'globex', 'fraud_screen.realtime', 'success', true, 'risk', 'risk-ai', 'live',
       t, t + interval '6 seconds'
  FROM generate_series(1, 24) AS n,
       LATERAL (SELECT timestamptz '2026-11-01 00:00:00+00' + floor((n - 1) * 21 / 24.0) * interval '1 day'
                       + pg_temp.ri('fraud/start/' || n, 0, 82799) * interval '1 second' AS t) AS s;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, service_tier, input_tokens,
                       output_tokens, latency_ms)
SELECT md5('fraud/ev/filter/' || n)::uuid, md5('fraud/' || n)::uuid, t.started_at + interval '1 second',
       'openai', 'gpt-4o-mini', 'standard', pg_temp.ri('fraud/f-in/' || n, 900, 1500),
       pg_temp.ri('fraud/f-out/' || n, 10, 30), pg_temp.ri('fraud/f-ms/' || n, 300, 700)
  FROM generate_series(1, 24) AS n JOIN gen_task AS t ON t.task_id = md5('fraud/' || n)::uuid
UNION ALL
SELECT md5('fraud/ev/decide/' || n)::uuid, md5('fraud/' || n)::uuid, t.started_at + interval '3 seconds',
       'openai', 'gpt-4o', 'priority', pg_temp.ri('fraud/d-in/' || n, 2000, 3500),
       pg_temp.ri('fraud/d-out/' || n, 150, 300), pg_temp.ri('fraud/d-ms/' || n, 800, 2000)
  FROM generate_series(1, 24) AS n JOIN gen_task AS t ON t.task_id = md5('fraud/' || n)::uuid;

-- 3g. nightly_eval.batch: our own regression suite, every night at 01:00, no customer -----------------
-- 60 gpt-4o-mini calls on the batch tier, 12 llama-3.3-70b calls on groq (not in the catalogue:
-- unpriced) and a few minutes of an L4 GPU on RunPod for the embedding checks (estimated).

INSERT INTO gen_task (task_id, customer_id, task_type, status, accepted, project_id, team, environment,
                      request_path, started_at, ended_at, metadata)
SELECT md5('eval/' || d)::uuid, NULL, 'nightly_eval.batch', 'success', NULL, 'quality', 'ml-platform', 'staging',
       'batch', timestamptz '2026-11-01 01:00:00+00' + (d - 1) * interval '1 day',
       timestamptz '2026-11-01 01:45:00+00' + (d - 1) * interval '1 day',
       jsonb_build_object('suite', 'helpdesk-regression', 'night', d)
  FROM generate_series(1, 21) AS d;
INSERT INTO gen_event (event_id, task_id, occurred_at, provider, model, service_tier, input_tokens,
                       output_tokens, latency_ms, batch_job_id, batch_status)
SELECT md5('eval/ev/mini/' || d || '/' || k)::uuid, md5('eval/' || d)::uuid,
       timestamptz '2026-11-01 01:20:00+00' + (d - 1) * interval '1 day' + k * interval '5 seconds',
       'openai', 'gpt-4o-mini', 'batch', pg_temp.ri('eval/mini-in/' || d || '/' || k, 2500, 4000),
       pg_temp.ri('eval/mini-out/' || d || '/' || k, 200, 350), NULL,
       'batch_eval_' || to_char(timestamptz '2026-11-01' + (d - 1) * interval '1 day', 'YYYYMMDD'), 'completed'
  FROM generate_series(1, 21) AS d, generate_series(1, 60) AS k
UNION ALL
SELECT md5('eval/ev/llama/' || d || '/' || k)::uuid, md5('eval/' || d)::uuid,
       timestamptz '2026-11-01 01:05:00+00' + (d - 1) * interval '1 day' + k * interval '20 seconds',
       'groq', 'llama-3.3-70b', 'standard', pg_temp.ri('eval/llama-in/' || d || '/' || k, 2500, 4000),
       pg_temp.ri('eval/llama-out/' || d || '/' || k, 200, 350),
       pg_temp.ri('eval/llama-ms/' || d || '/' || k, 400, 1200), NULL, NULL
  FROM generate_series(1, 21) AS d, generate_series(1, 12) AS k;
INSERT INTO gen_event (event_id, task_id, event_type, occurred_at, service_name, quantity, quantity_unit,
                       unit_price_usd, details)
SELECT md5('eval/ev/gpu/' || d)::uuid, md5('eval/' || d)::uuid, 'compute_cost',
       timestamptz '2026-11-01 01:40:00+00' + (d - 1) * interval '1 day', 'runpod',
       pg_temp.ri('eval/gpu-s/' || d, 300, 500), 'gpu_second', 0.000122, '{"gpu": "L4"}'
  FROM generate_series(1, 21) AS d;

------------------------------------------------------------------------------------------
-- 4. Load: tasks parents first, then every event in time order
------------------------------------------------------------------------------------------
-- Events leave customer_id, cost_usd (unless given) and cost_confidence NULL: the
-- cost_event_before_write trigger copies the task's customer and decides the cost.

INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
     environment, request_path, started_at, ended_at, metadata, created_at)
SELECT task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
       environment, request_path, started_at, ended_at, metadata, started_at
  FROM gen_task
 WHERE depth = 0
 ORDER BY started_at, task_id;
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
     environment, request_path, started_at, ended_at, metadata, created_at)
SELECT task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
       environment, request_path, started_at, ended_at, metadata, started_at
  FROM gen_task
 WHERE depth = 1
 ORDER BY started_at, task_id;
INSERT INTO dexcost.task
    (task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
     environment, request_path, started_at, ended_at, metadata, created_at)
SELECT task_id, customer_id, task_type, parent_task_id, status, accepted, project_id, team, user_id,
       environment, request_path, started_at, ended_at, metadata, started_at
  FROM gen_task
 WHERE depth = 2
 ORDER BY started_at, task_id;

INSERT INTO dexcost.cost_event
    (event_id, task_id, event_type, occurred_at, provider, model, service_tier, service_name, input_tokens,
     cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, quantity,
     quantity_unit, unit_price_usd, cost_usd, pricing_source, latency_ms, error_type, is_retry, retry_reason,
     retry_of, retry_type, batch_job_id, batch_status, details, recorded_at)
SELECT event_id, task_id, event_type, occurred_at, provider, model, service_tier, service_name, input_tokens,
       cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, quantity,
       quantity_unit, unit_price_usd, cost_usd, pricing_source, latency_ms, error_type, is_retry, retry_reason,
       retry_of, retry_type, batch_job_id, batch_status, details,
       -- batch results arrive when the job completes; live events a couple of seconds after the call
       occurred_at + CASE WHEN batch_job_id IS NULL THEN interval '2 seconds' ELSE interval '40 minutes' END
  FROM gen_event
 ORDER BY occurred_at, event_id;

COMMIT;

ANALYZE dexcost.task, dexcost.cost_event;
