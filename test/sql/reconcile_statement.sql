-- Monthly customer statements: rows for CSV, the detail, and the printable HTML.
-- Month boundaries follow dexcost.timezone(): with America/New_York, an event at 2026-10-01 02:00 UTC
-- (September 30, 22:00 in New York) belongs to September, one at 2026-09-01 03:00 UTC to August.
\set VERBOSITY terse
\set ON_ERROR_ROLLBACK on
SET client_min_messages = warning;
-- One transaction, rolled back at the end: the other suites see none of this data.
BEGIN;
SELECT dexcost.set_setting('timezone', 'America/New_York');

INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES
  ('00000000-0000-4000-8000-00000000000a', 'initech', 'support'),
  ('00000000-0000-4000-8000-00000000000b', 'initech', 'support'),
  ('00000000-0000-4000-8000-00000000000c', 'initech & sons <b>', 'support');

INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, provider, model, input_tokens, output_tokens)
VALUES
  -- OpenAI gpt-4o: 100,000 x 2.50 + 20,000 x 10.00 = 0.45
  ('00000000-0000-4000-8000-00000000000a', 'llm_call', '2026-09-10 12:00+00', 'openai', 'gpt-4o', 100000, 20000),
  -- Anthropic claude-haiku-4-5: 1,000,000 x 1.00 + 200,000 x 5.00 = 2.00
  ('00000000-0000-4000-8000-00000000000b', 'llm_call', '2026-09-20 12:00+00', 'anthropic', 'claude-haiku-4-5', 1000000, 200000),
  -- a model without price: unknown cost, counted apart
  ('00000000-0000-4000-8000-00000000000b', 'llm_call', '2026-09-21 12:00+00', 'openai', 'gpt-9', 10, 10),
  -- August in New York (2026-08-31 23:00 local): not on the September statement
  ('00000000-0000-4000-8000-00000000000a', 'llm_call', '2026-09-01 03:00+00', 'openai', 'gpt-4o', 1000000, 0),
  ('00000000-0000-4000-8000-00000000000c', 'llm_call', '2026-09-10 12:00+00', 'openai', 'gpt-4o', 1000, 0);
INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, service_name, cost_usd)
VALUES -- Pinecone: 4.00 exact, at September 30, 22:00 New York time
  ('00000000-0000-4000-8000-00000000000a', 'external_cost', '2026-10-01 02:00+00', 'pinecone', 4.00);
INSERT INTO dexcost.statement_adjustment (customer_id, month, kind, description, amount_usd) VALUES
  ('initech', '2026-09-01', 'credit', 'Launch credit', -1.50),
  ('initech', '2026-09-01', 'adjustment', 'Support hours', 0.25);

-- Hand calculation: AI cost 4.00 + 2.00 + 0.45 = 6.45; adjustments -1.50 + 0.25 = -1.25; total 5.20;
-- 2 tasks -> 3.225 per task; 1 event with unknown cost.
SELECT * FROM dexcost.statement('initech', '2026-09-17');
COPY (SELECT section, item, quantity, amount_usd FROM dexcost.statement('initech', '2026-09-01')) TO STDOUT WITH CSV HEADER;
SELECT * FROM dexcost.statement_detail('initech', '2026-09-01');
-- A month without activity still has its summary.
SELECT section, item, quantity, amount_usd FROM dexcost.statement('initech', '2026-07-01');
SELECT dexcost.statement_html('initech', '2026-09-01');
-- Names are escaped.
SELECT position('initech &amp; sons &lt;b&gt;' IN dexcost.statement_html('initech & sons <b>', '2026-09-01')) > 0 AS escaped;
-- Credits cannot be positive.
INSERT INTO dexcost.statement_adjustment (customer_id, month, kind, description, amount_usd)
VALUES ('initech', '2026-09-01', 'credit', 'wrong sign', 1);

-- Months and customers a statement cannot be for are refused, with a hint, by all three functions
-- (they used to return an empty 'infinity' statement, or one with a NULL month).
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM dexcost.statement('initech', 'infinity');
SELECT * FROM dexcost.statement_detail('initech', '-infinity');
SELECT dexcost.statement_html('initech', 'infinity');
SELECT * FROM dexcost.statement('initech', NULL);
SELECT * FROM dexcost.statement(NULL, '2026-09-01');
SELECT * FROM dexcost.statement_detail('', '2026-09-01');
SELECT * FROM dexcost.statement('', '2026-09-01');
SELECT dexcost.statement_html(NULL, NULL);
-- Months whose bounds are no timestamps (the date type reaches much further).
SELECT * FROM dexcost.statement('initech', '294276-12-01');
SELECT * FROM dexcost.statement_detail('initech', '5874897-12-31');
SELECT * FROM dexcost.statement('initech', '4714-11-24 BC');
-- The last and first months that can be stated.
SELECT count(*) AS lines, min(month) AS month FROM dexcost.statement('initech', '294276-11-30');
SELECT count(*) AS lines, min(month) AS month FROM dexcost.statement('initech', '4714-12-31 BC');
SELECT count(*) AS detail_rows FROM dexcost.statement_detail('initech', '294276-11-01');
SELECT length(dexcost.statement_html('initech', '4714-12-01 BC')) > 0 AS html;
\set VERBOSITY terse
\set SHOW_CONTEXT errors
ROLLBACK;
