------------------------------------------------------------------------------------------
-- Reconciliation: provider invoices against tracked cost, and monthly customer statements
-- (docs/reconcile.md). Invoice files are parsed in C++ (src/core/invoice.cpp) and stored as
-- normalised lines; reconcile() compares them with the ledger; statement*() bill customers.
------------------------------------------------------------------------------------------

-- Import runs ------------------------------------------------------------------------------

CREATE TABLE @extschema@.invoice_import (
    import_id      bigserial   NOT NULL PRIMARY KEY,
    source         text        NOT NULL,
    format         text        NOT NULL,
    provider       text,
    status         text        NOT NULL,
    lines_read     integer     NOT NULL DEFAULT 0,
    lines_loaded   integer     NOT NULL DEFAULT 0,
    lines_rejected integer     NOT NULL DEFAULT 0,
    lines_removed  bigint      NOT NULL DEFAULT 0,
    lines_rounded  integer     NOT NULL DEFAULT 0,
    covered_from   timestamptz,
    covered_to     timestamptz,
    imported_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    imported_by    name        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT invoice_import_status_check CHECK (status IN ('loading', 'loaded', 'loaded_with_errors', 'refused'))
);
COMMENT ON TABLE @extschema@.invoice_import IS 'One row per dexcost.import_invoice() call: what was read, loaded, rejected and replaced.';
COMMENT ON COLUMN @extschema@.invoice_import.import_id IS 'Identifier; invoice_line.import_id and invoice_import_error.import_id refer to it.';
COMMENT ON COLUMN @extschema@.invoice_import.source IS 'The source name given to import_invoice (one account export, e.g. openai-main): lines are keyed within it.';
COMMENT ON COLUMN @extschema@.invoice_import.format IS 'File format: openai_costs_csv, openai_costs_json, anthropic_cost_report, aws_cur2 or focus.';
COMMENT ON COLUMN @extschema@.invoice_import.provider IS 'Provider override given to import_invoice (NULL: the provider the format names).';
COMMENT ON COLUMN @extschema@.invoice_import.status IS 'loaded, loaded_with_errors (bad lines skipped), refused (bad lines and refuse_on_error: nothing written) or loading (never committed as such).';
COMMENT ON COLUMN @extschema@.invoice_import.lines_read IS 'Rows read from the file: cost lines, empty buckets and bad lines.';
COMMENT ON COLUMN @extschema@.invoice_import.lines_loaded IS 'Cost lines upserted into invoice_line (after summing lines with the same identity).';
COMMENT ON COLUMN @extschema@.invoice_import.lines_rejected IS 'Bad lines, listed in invoice_import_error.';
COMMENT ON COLUMN @extschema@.invoice_import.lines_removed IS 'Lines of the same source in the covered period that the file no longer has (a restated export), deleted.';
COMMENT ON COLUMN @extschema@.invoice_import.lines_rounded IS 'Amounts with non-zero digits beyond 18 decimal places, rounded half to even.';
COMMENT ON COLUMN @extschema@.invoice_import.covered_from IS 'Earliest period start in the file (empty buckets included).';
COMMENT ON COLUMN @extschema@.invoice_import.covered_to IS 'Latest period end in the file (empty buckets included).';
COMMENT ON COLUMN @extschema@.invoice_import.imported_at IS 'When the import ran (transaction start).';
COMMENT ON COLUMN @extschema@.invoice_import.imported_by IS 'The role that ran it.';

CREATE TABLE @extschema@.invoice_import_error (
    import_id bigint  NOT NULL REFERENCES @extschema@.invoice_import (import_id) ON DELETE CASCADE,
    ordinal   integer NOT NULL,
    line_no   integer NOT NULL,
    reason    text    NOT NULL,
    raw       text,
    PRIMARY KEY (import_id, ordinal)
);
COMMENT ON TABLE @extschema@.invoice_import_error IS 'Lines an import could not read, with their line number and the reason.';
COMMENT ON COLUMN @extschema@.invoice_import_error.import_id IS 'The import (dexcost.invoice_import).';
COMMENT ON COLUMN @extschema@.invoice_import_error.ordinal IS 'Position of the row among the rows read (1-based).';
COMMENT ON COLUMN @extschema@.invoice_import_error.line_no IS 'Line of the file where the bad row starts (CSV header: line 1).';
COMMENT ON COLUMN @extschema@.invoice_import_error.reason IS 'Why it was refused, e.g. amount_value "abc": not a decimal amount.';
COMMENT ON COLUMN @extschema@.invoice_import_error.raw IS 'The row as read.';

-- Invoice lines ------------------------------------------------------------------------------

CREATE TABLE @extschema@.invoice_line (
    source          text        COLLATE "C" NOT NULL,
    line_key        text        COLLATE "C" NOT NULL,
    import_id       bigint      NOT NULL,
    provider        text        NOT NULL,
    account_id      text,
    project_id      text,
    item_name       text,
    model_name      text,
    usage_type      text,
    service_tier    text,
    region          text,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    quantity        numeric,
    quantity_unit   text,
    tokens          numeric,
    amount          numeric     NOT NULL,
    currency        text        NOT NULL,
    amount_usd      numeric,
    charge_category text        NOT NULL,
    raw             text,
    CONSTRAINT invoice_line_pkey PRIMARY KEY (source, line_key),
    CONSTRAINT invoice_line_charge_category_check
        CHECK (charge_category IN ('usage', 'credit', 'tax', 'refund', 'adjustment', 'purchase'))
);
-- Lines arrive in period order, file by file: a BRIN index finds a period at a fraction of a
-- B-tree's upkeep (a B-tree on provider and period cost an import of 1M lines about 15 %).
CREATE INDEX invoice_line_period_idx ON @extschema@.invoice_line USING brin (period_start);
COMMENT ON TABLE @extschema@.invoice_line IS
  'Normalised provider invoice lines (OpenAI, Anthropic, AWS Bedrock, FOCUS), loaded by dexcost.import_invoice(); one row per source and line identity.';
COMMENT ON COLUMN @extschema@.invoice_line.source IS 'Source name given at import (one account export).';
COMMENT ON COLUMN @extschema@.invoice_line.line_key IS 'Identity of the line within its source: the time bucket and every dimension the format groups by.';
COMMENT ON COLUMN @extschema@.invoice_line.import_id IS 'The import that last wrote the line.';
COMMENT ON COLUMN @extschema@.invoice_line.provider IS 'Billing provider: openai, anthropic, aws, or the FOCUS ProviderName lower-cased (azure, google, ...).';
COMMENT ON COLUMN @extschema@.invoice_line.account_id IS 'Organisation, payer or billing account.';
COMMENT ON COLUMN @extschema@.invoice_line.project_id IS 'Project, workspace or usage account (filter by it when other teams share the account).';
COMMENT ON COLUMN @extschema@.invoice_line.item_name IS 'The provider''s own name of what was billed: line_item, usage type, SKU meter or description.';
COMMENT ON COLUMN @extschema@.invoice_line.model_name IS 'The model part of item_name as the provider spells it (mapped by invoice_alias and model_alias at reconcile time).';
COMMENT ON COLUMN @extschema@.invoice_line.usage_type IS 'input, cache_read, cache_write, cache_write_1h, output or reasoning when the parser recognised the token direction; else the provider''s word.';
COMMENT ON COLUMN @extschema@.invoice_line.service_tier IS 'Service tier when the export says it.';
COMMENT ON COLUMN @extschema@.invoice_line.region IS 'Region or inference geography when the export says it.';
COMMENT ON COLUMN @extschema@.invoice_line.period_start IS 'Start of the billed period (inclusive; provider buckets are UTC).';
COMMENT ON COLUMN @extschema@.invoice_line.period_end IS 'End of the billed period (exclusive).';
COMMENT ON COLUMN @extschema@.invoice_line.quantity IS 'Quantity as exported, in quantity_unit.';
COMMENT ON COLUMN @extschema@.invoice_line.quantity_unit IS 'Unit of quantity as exported (tokens, 1K tokens, ...).';
COMMENT ON COLUMN @extschema@.invoice_line.tokens IS 'Quantity in tokens when the unit is tokens (1K and 1M units scaled); NULL otherwise.';
COMMENT ON COLUMN @extschema@.invoice_line.amount IS 'Amount in currency major units, exact to 18 places (Anthropic cents divided by 100; longer amounts rounded half to even).';
COMMENT ON COLUMN @extschema@.invoice_line.currency IS 'ISO currency code, upper case.';
COMMENT ON COLUMN @extschema@.invoice_line.amount_usd IS 'Amount in USD (NULL for other currencies: reconcile() reports those lines as not comparable).';
COMMENT ON COLUMN @extschema@.invoice_line.charge_category IS 'usage, credit, tax, refund, adjustment or purchase (FOCUS ChargeCategory, AWS line item type; negative OpenAI/Anthropic amounts are credits).';
COMMENT ON COLUMN @extschema@.invoice_line.raw IS 'The line as read (CSV record or JSON result object); lines summed under one identity are joined by newlines.';

CREATE TABLE @extschema@.invoice_alias (
    provider     text    NOT NULL,
    name         text    NOT NULL,
    model        text    NOT NULL,
    usage_type   text,
    is_seed      boolean NOT NULL DEFAULT false,
    note         text,
    CONSTRAINT invoice_alias_pkey PRIMARY KEY (provider, name, is_seed),
    CONSTRAINT invoice_alias_usage_type_check
        CHECK (usage_type IN ('input', 'cache_read', 'cache_write', 'cache_write_1h', 'output', 'reasoning'))
);
COMMENT ON TABLE @extschema@.invoice_alias IS
  'Maps a provider''s invoice names onto catalogue models and usage types: a whole item name (gpt-5-nano, input_tokens; USE1-Claude4.6Sonnet-input-tokens) or its model part (Claude4.6Sonnet). Exact names only.';
COMMENT ON COLUMN @extschema@.invoice_alias.provider IS 'Billing provider of the invoice line (invoice_line.provider).';
COMMENT ON COLUMN @extschema@.invoice_alias.name IS 'invoice_line.item_name (whole name) or invoice_line.model_name (model part), exactly.';
COMMENT ON COLUMN @extschema@.invoice_alias.model IS 'The catalogue model (dexcost.model_price.model) it stands for.';
COMMENT ON COLUMN @extschema@.invoice_alias.usage_type IS 'The usage type it stands for; NULL keeps the one the parser read.';
COMMENT ON COLUMN @extschema@.invoice_alias.is_seed IS 'Shipped with dexcost; your row for the same name takes precedence.';
COMMENT ON COLUMN @extschema@.invoice_alias.note IS 'Free-text remark.';

INSERT INTO @extschema@.invoice_alias (provider, name, model, is_seed, note) VALUES
    ('aws', 'Claude4.6Sonnet', 'claude-sonnet-4-6', true, 'Bedrock usage type model part'),
    ('aws', 'Claude4.5Sonnet', 'claude-sonnet-4-5', true, 'Bedrock usage type model part'),
    ('aws', 'Claude4.5Haiku', 'claude-haiku-4-5', true, 'Bedrock usage type model part'),
    ('aws', 'Claude4.6Opus', 'claude-opus-4-6', true, 'Bedrock usage type model part');

SELECT pg_catalog.pg_extension_config_dump('@extschema@.invoice_import', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.invoice_import_import_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.invoice_import_error', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.invoice_line', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.invoice_alias', 'WHERE NOT is_seed');

CREATE FUNCTION @extschema@._parse_invoice(format text, content text,
    OUT kind text, OUT line_no integer, OUT error text, OUT line_key text, OUT provider text,
    OUT account_id text, OUT project_id text, OUT item_name text, OUT model_name text, OUT usage_type text,
    OUT service_tier text, OUT region text, OUT period_start timestamptz, OUT period_end timestamptz,
    OUT quantity numeric, OUT quantity_unit text, OUT tokens numeric, OUT amount numeric, OUT currency text,
    OUT amount_usd numeric, OUT charge_category text, OUT rounded boolean, OUT raw text, OUT ordinal bigint)
  RETURNS SETOF record
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10000
  AS 'MODULE_PATHNAME', 'dexcost_parse_invoice';
COMMENT ON FUNCTION @extschema@._parse_invoice(text, text) IS
  'Internal: every row of a provider export, normalised (kind line, empty or error), in file order. dexcost.import_invoice() stores them.';

CREATE FUNCTION @extschema@._load_invoice(import_id bigint, source text, provider text, format text, content text,
    OUT kind text, OUT line_no integer, OUT error text, OUT line_key text, OUT provider text,
    OUT account_id text, OUT project_id text, OUT item_name text, OUT model_name text, OUT usage_type text,
    OUT service_tier text, OUT region text, OUT period_start timestamptz, OUT period_end timestamptz,
    OUT quantity numeric, OUT quantity_unit text, OUT tokens numeric, OUT amount numeric, OUT currency text,
    OUT amount_usd numeric, OUT charge_category text, OUT rounded boolean, OUT raw text, OUT ordinal bigint)
  RETURNS SETOF record
  LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10
  AS 'MODULE_PATHNAME', 'dexcost_load_invoice';
COMMENT ON FUNCTION @extschema@._load_invoice(bigint, text, text, text, text) IS
  'Internal: the bulk loader of a source''s first import (as COPY stores rows): parses the export and inserts its lines into dexcost.invoice_line under the import; returns the bad lines (kind error, as _parse_invoice) and one row of kind summary (line_no: rows read, ordinal: lines stored, quantity: amounts rounded, period_start/period_end: the covered period).';

CREATE FUNCTION @extschema@.import_invoice(source text, format text, content text,
    provider text DEFAULT NULL, refuse_on_error boolean DEFAULT false,
    OUT import_id bigint, OUT status text, OUT lines_read integer, OUT lines_loaded integer,
    OUT lines_rejected integer, OUT lines_removed bigint)
  RETURNS record
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET jit = off  -- one-off statements over up to millions of lines: compiling them would cost seconds
AS $$
#variable_conflict use_column
DECLARE
    v_source text := import_invoice.source;
    v_provider text := import_invoice.provider;
    v_format text := import_invoice.format;
    v_from timestamptz;
    v_to timestamptz;
    v_rounded integer;
    v_had_lines boolean;
    v_column text;
BEGIN
    IF v_source IS NULL OR v_source = '' OR v_format IS NULL OR content IS NULL THEN
        RAISE EXCEPTION 'import_invoice needs a source name, a format and the file content'
          USING ERRCODE = 'null_value_not_allowed',
                HINT = 'SELECT * FROM dexcost.import_invoice(''openai-main'', ''openai_costs_csv'', pg_read_file(...)).';
    END IF;
    INSERT INTO @extschema@.invoice_import (source, format, provider, status)
      VALUES (v_source, v_format, v_provider, 'loading') RETURNING invoice_import.import_id INTO import_id;
    lines_removed := 0;

    IF refuse_on_error THEN  -- a first pass decides; a refused file writes no line
        WITH p AS MATERIALIZED (
            SELECT x.* FROM @extschema@._parse_invoice(v_format, content) AS x
        ), e AS (
            INSERT INTO @extschema@.invoice_import_error (import_id, ordinal, line_no, reason, raw)
            SELECT import_id, p.ordinal, p.line_no, p.error, p.raw FROM p WHERE p.kind = 'error' RETURNING 1
        )
        SELECT pg_catalog.count(*), (SELECT pg_catalog.count(*) FROM e), pg_catalog.min(p.period_start),
               pg_catalog.max(p.period_end), pg_catalog.count(*) FILTER (WHERE p.rounded)
          INTO lines_read, lines_rejected, v_from, v_to, v_rounded
          FROM p;
        IF lines_rejected > 0 THEN
            status := 'refused';
            lines_loaded := 0;
            UPDATE @extschema@.invoice_import AS i
               SET status = 'refused', lines_read = import_invoice.lines_read, lines_rejected = import_invoice.lines_rejected,
                   lines_rounded = v_rounded, covered_from = v_from, covered_to = v_to
             WHERE i.import_id = import_invoice.import_id;
            RETURN;
        END IF;
        DELETE FROM @extschema@.invoice_import_error AS x WHERE x.import_id = import_invoice.import_id;
    END IF;

    -- One pass: parse, record the bad lines, store the good ones. A source's first import
    -- inserts; later ones (and files repeating an identity) upsert, summing lines that share one.
    v_had_lines := EXISTS (SELECT 1 FROM @extschema@.invoice_line AS l WHERE l.source = v_source);
    BEGIN
        IF v_had_lines THEN
            RAISE SQLSTATE 'DXC01';  -- straight to the upsert
        END IF;
        -- The bulk loader (tuples stored in batches, as COPY does); a line key seen twice in the
        -- file raises unique_violation, a table with row security or triggers feature_not_supported:
        -- both take the upsert below.
        WITH r AS (
            SELECT x.* FROM @extschema@._load_invoice(import_id, v_source, v_provider, v_format, content) AS x
        ), e AS (
            INSERT INTO @extschema@.invoice_import_error (import_id, ordinal, line_no, reason, raw)
            SELECT import_id, r.ordinal, r.line_no, r.error, r.raw FROM r WHERE r.kind = 'error' RETURNING 1
        )
        SELECT s.line_no, (SELECT pg_catalog.count(*) FROM e), s.period_start, s.period_end, s.quantity::integer, s.ordinal
          INTO lines_read, lines_rejected, v_from, v_to, v_rounded, lines_loaded
          FROM r AS s WHERE s.kind = 'summary';
    EXCEPTION WHEN unique_violation OR feature_not_supported OR SQLSTATE 'DXC01' THEN
        WITH p AS MATERIALIZED (
            SELECT x.* FROM @extschema@._parse_invoice(v_format, content) AS x
        ), e AS (
            INSERT INTO @extschema@.invoice_import_error (import_id, ordinal, line_no, reason, raw)
            SELECT import_id, p.ordinal, p.line_no, p.error, p.raw FROM p WHERE p.kind = 'error' RETURNING 1
        ), i AS (
            INSERT INTO @extschema@.invoice_line AS l
                (source, line_key, import_id, provider, account_id, project_id, item_name, model_name, usage_type,
                 service_tier, region, period_start, period_end, quantity, quantity_unit, tokens, amount, currency,
                 amount_usd, charge_category, raw)
            SELECT v_source, p.line_key, import_id, pg_catalog.min(COALESCE(v_provider, p.provider)),
                   pg_catalog.min(p.account_id), pg_catalog.min(p.project_id), pg_catalog.min(p.item_name),
                   pg_catalog.min(p.model_name), pg_catalog.min(p.usage_type), pg_catalog.min(p.service_tier),
                   pg_catalog.min(p.region), pg_catalog.min(p.period_start), pg_catalog.max(p.period_end),
                   pg_catalog.sum(p.quantity), pg_catalog.min(p.quantity_unit), pg_catalog.sum(p.tokens),
                   pg_catalog.sum(p.amount), pg_catalog.min(p.currency), pg_catalog.sum(p.amount_usd),
                   pg_catalog.min(p.charge_category),
                   CASE WHEN pg_catalog.count(*) = 1 THEN pg_catalog.min(p.raw)
                        ELSE pg_catalog.string_agg(p.raw, E'\n' ORDER BY p.ordinal) END
              FROM p WHERE p.kind = 'line'
             GROUP BY p.line_key
            ON CONFLICT (source, line_key) DO UPDATE
               SET import_id = excluded.import_id, provider = excluded.provider, account_id = excluded.account_id,
                   project_id = excluded.project_id, item_name = excluded.item_name, model_name = excluded.model_name,
                   usage_type = excluded.usage_type, service_tier = excluded.service_tier, region = excluded.region,
                   period_start = excluded.period_start, period_end = excluded.period_end, quantity = excluded.quantity,
                   quantity_unit = excluded.quantity_unit, tokens = excluded.tokens, amount = excluded.amount,
                   currency = excluded.currency, amount_usd = excluded.amount_usd,
                   charge_category = excluded.charge_category, raw = excluded.raw
            RETURNING 1
        )
        SELECT pg_catalog.count(*), (SELECT pg_catalog.count(*) FROM e), pg_catalog.min(p.period_start),
               pg_catalog.max(p.period_end), pg_catalog.count(*) FILTER (WHERE p.rounded), (SELECT pg_catalog.count(*) FROM i)
          INTO lines_read, lines_rejected, v_from, v_to, v_rounded, lines_loaded
          FROM p;
        -- A restated export replaces the period it covers: the source's lines there that this file
        -- no longer has go.
        IF v_from IS NOT NULL THEN
            DELETE FROM @extschema@.invoice_line AS l
             WHERE l.source = v_source AND l.period_start >= v_from AND l.period_start < v_to
               AND l.import_id <> import_invoice.import_id;
            GET DIAGNOSTICS lines_removed = ROW_COUNT;
        END IF;
    END;
    status := CASE WHEN lines_rejected > 0 THEN 'loaded_with_errors' ELSE 'loaded' END;
    UPDATE @extschema@.invoice_import AS i
       SET status = import_invoice.status, lines_read = import_invoice.lines_read,
           lines_loaded = import_invoice.lines_loaded, lines_rejected = import_invoice.lines_rejected,
           lines_removed = import_invoice.lines_removed, lines_rounded = v_rounded,
           covered_from = v_from, covered_to = v_to
     WHERE i.import_id = import_invoice.import_id;
EXCEPTION WHEN not_null_violation THEN
    -- A FOCUS export need not name its provider (ProviderName is optional there).
    GET STACKED DIAGNOSTICS v_column = COLUMN_NAME;
    IF v_column = 'provider' THEN
        RAISE EXCEPTION 'invoice lines of source "%" name no provider', v_source
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = 'The file has no ProviderName (or equivalent) on its lines, and no provider was given.',
                HINT = 'Say who billed it: dexcost.import_invoice(..., provider => ''aws'').';
    END IF;
    RAISE;
END
$$;
COMMENT ON FUNCTION @extschema@.import_invoice(text, text, text, text, boolean) IS
  'Loads a provider export (formats: openai_costs_csv, openai_costs_json, anthropic_cost_report, aws_cur2, focus) into dexcost.invoice_line under a source name: idempotent upserts by line identity, a restated export replaces the period it covers, bad lines go to invoice_import_error (or, with refuse_on_error, nothing is written).';

-- Tracked side ------------------------------------------------------------------------------

-- Whether the daily pre-aggregate dexcost.daily_model gives exactly what the ledger would for this
-- question: the workspace's days start at UTC midnight at every boundary of the question (its ends
-- and each period start inside), every event of those days is an llm_call (daily_model counts only
-- those; other events have no provider there), and the provider has no cache writes (daily_model
-- holds 5-minute and 1-hour writes in one sum, priced apart by the split).
CREATE FUNCTION @extschema@._daily_is_exact(provider text, from_time timestamptz, to_time timestamptz, granularity text)
  RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
-- its own statement: refuses a range whose periods cannot be listed before anything lists them
SELECT @extschema@._check_range('from_time', $2, 'to_time', $3,
                                'Call dexcost.reconcile(provider, start_date, end_date).', interval '100 years');
WITH tz AS (
    SELECT @extschema@.timezone() AS tz
), bounds AS (
    SELECT $2 AS b
    UNION ALL SELECT $3
    UNION ALL
    SELECT gs AT TIME ZONE 'UTC'
      FROM pg_catalog.generate_series(pg_catalog.date_trunc(granularity, $2 AT TIME ZONE 'UTC'), $3 AT TIME ZONE 'UTC',
                                      ('1 ' || granularity)::interval) AS gs
     WHERE gs AT TIME ZONE 'UTC' > $2 AND gs AT TIME ZONE 'UTC' < $3
), days AS (
    SELECT ($2 AT TIME ZONE 'UTC')::date AS lo, ($3 AT TIME ZONE 'UTC')::date AS hi
)
SELECT NOT EXISTS (SELECT 1 FROM bounds AS x, tz
                    WHERE (x.b AT TIME ZONE 'UTC')::time <> time '00:00'
                       OR (x.b AT TIME ZONE tz.tz) <> (x.b AT TIME ZONE 'UTC'))
   AND (SELECT COALESCE(pg_catalog.sum(w.events - w.llm_calls), 0) = 0
          FROM @extschema@.daily_workflow_all AS w, days WHERE w.day >= days.lo AND w.day < days.hi)
   AND (SELECT COALESCE(pg_catalog.sum(m.cache_write_tokens), 0) = 0
          FROM @extschema@.daily_model_all AS m, days WHERE m.provider = $1 AND m.day >= days.lo AND m.day < days.hi)
$$;
COMMENT ON FUNCTION @extschema@._daily_is_exact(text, timestamptz, timestamptz, text) IS
  'Internal: true when dexcost.daily_model gives reconcile() exactly the ledger''s answer for this provider and UTC range: workspace days aligned with UTC at every period boundary, only llm_call events on those days, no cache writes of the provider.';

-- The one place reconcile() reads tracked usage: from the ledger, or (from_daily) from the daily
-- pre-aggregate dexcost.daily_model, which gives the same sums when _daily_is_exact() says so.
CREATE FUNCTION @extschema@._tracked_usage(provider text, from_time timestamptz, to_time timestamptz, granularity text,
                                           from_daily boolean)
  RETURNS TABLE (period_start timestamptz, model text, usage_type text, quantity numeric, cost_usd numeric,
                 events bigint, unpriced_events bigint)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@._check_range('from_time', $2, 'to_time', $3,  -- its own statement, as in _daily_is_exact
                                'Call dexcost.reconcile(provider, start_date, end_date).', interval '100 years');
WITH periods AS (  -- the UTC periods asked for; joining on them (rather than grouping by the
                   -- date_trunc expression, whose group count the planner takes for the row count)
                   -- lets the planner aggregate in parallel
    SELECT gs AS lo
      FROM pg_catalog.generate_series(pg_catalog.date_trunc(granularity, $2 AT TIME ZONE 'UTC'), $3 AT TIME ZONE 'UTC',
                                      ('1 ' || granularity)::interval) AS gs
), g AS (  -- the ledger, summed per UTC period, model (empty = none) and tier ...
    SELECT pr.lo AS p, NULLIF(e.model, '') AS model, e.service_tier,
           pg_catalog.sum(e.input_tokens) AS t_input, pg_catalog.sum(e.cache_read_tokens) AS t_cache_read,
           pg_catalog.sum(e.cache_write_tokens) AS t_cache_write, pg_catalog.sum(e.cache_write_1h_tokens) AS t_cache_write_1h,
           pg_catalog.sum(e.output_tokens) AS t_output, pg_catalog.sum(e.reasoning_tokens) AS t_reasoning,
           pg_catalog.sum(e.cost_usd) AS cost, pg_catalog.count(*) AS n,
           pg_catalog.count(*) FILTER (WHERE e.cost_confidence = 'unknown') AS unpriced
      FROM @extschema@.cost_event AS e
      JOIN periods AS pr ON pr.lo = pg_catalog.date_trunc(granularity, e.occurred_at AT TIME ZONE 'UTC')
     WHERE NOT from_daily AND e.provider = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3
     GROUP BY 1, 2, 3
    UNION ALL  -- ... or the same sums from the daily pre-aggregate (days = UTC days there)
    SELECT pr.lo, NULLIF(d.model, ''), d.service_tier,
           pg_catalog.sum(d.input_tokens), pg_catalog.sum(d.cache_read_tokens), pg_catalog.sum(d.cache_write_tokens),
           NULL::numeric, pg_catalog.sum(d.output_tokens), pg_catalog.sum(d.reasoning_tokens),
           pg_catalog.sum(d.cost_usd), pg_catalog.sum(d.llm_calls)::bigint, pg_catalog.sum(d.unpriced_calls)::bigint
      FROM @extschema@.daily_model_all AS d
      JOIN periods AS pr ON pr.lo = pg_catalog.date_trunc(granularity, d.day::timestamp)
     WHERE from_daily AND d.provider = $1 AND d.day >= ($2 AT TIME ZONE 'UTC')::date AND d.day < ($3 AT TIME ZONE 'UTC')::date
     GROUP BY 1, 2, 3
    HAVING pg_catalog.sum(d.llm_calls) <> 0
), r AS (    -- catalogue model: the name itself, else its alias
    SELECT g.*, COALESCE(
             (SELECT a.model FROM @extschema@.model_alias AS a
               WHERE a.provider = $1 AND a.alias = g.model
                 AND NOT EXISTS (SELECT 1 FROM @extschema@.model_price AS mp WHERE mp.provider = $1 AND mp.model = g.model)
               ORDER BY a.is_seed LIMIT 1),
             g.model, '(unspecified)') AS cmodel
      FROM g
), u AS (    -- one row per token bucket with tokens, weighted by the price in force at the period start
    SELECT r.p, r.cmodel, v.usage_type, v.tokens, r.cost, r.n, r.unpriced, r.p AS pk, r.model AS rm, r.service_tier AS tier,
           v.tokens * COALESCE((
             SELECT mp.usd_per_mtok FROM @extschema@.model_price AS mp
              WHERE mp.model = r.cmodel AND mp.service_tier = r.service_tier AND mp.min_input_tokens = 0
                AND mp.usage_type IN (v.usage_type, CASE WHEN v.usage_type = 'reasoning' THEN 'output' END)
                AND mp.valid_from <= (r.p AT TIME ZONE 'UTC')
                AND (mp.valid_to IS NULL OR mp.valid_to > (r.p AT TIME ZONE 'UTC'))
              ORDER BY (mp.provider = $1) DESC, (mp.usage_type = v.usage_type) DESC, mp.is_seed
              LIMIT 1), 0) AS weight
      FROM r CROSS JOIN LATERAL (VALUES ('input', r.t_input), ('cache_read', r.t_cache_read),
                                        ('cache_write', r.t_cache_write), ('cache_write_1h', r.t_cache_write_1h),
                                        ('output', r.t_output), ('reasoning', r.t_reasoning)) AS v(usage_type, tokens)
     WHERE v.tokens > 0
), w AS (    -- the group's tracked cost split in proportion to tokens x price
    SELECT u.*, pg_catalog.sum(u.weight) OVER (PARTITION BY u.pk, u.rm, u.tier) AS total_weight FROM u
), split AS (
    SELECT w.p, w.cmodel, w.usage_type, w.tokens,
           CASE WHEN w.total_weight > 0 THEN pg_catalog.round(COALESCE(w.cost, 0) * w.weight / w.total_weight, 18) ELSE 0 END AS cost,
           w.n, w.unpriced
      FROM w
    UNION ALL  -- cost with no priced tokens to split it over (exact costs without token counts, ...)
    SELECT r.p, r.cmodel, 'other', NULL, r.cost, r.n, r.unpriced
      FROM r
     WHERE r.cost > 0 AND NOT EXISTS (SELECT 1 FROM w WHERE w.pk = r.p AND w.rm IS NOT DISTINCT FROM r.model
                                                       AND w.tier = r.service_tier AND w.total_weight > 0)
)
SELECT s.p AT TIME ZONE 'UTC', s.cmodel, s.usage_type, pg_catalog.sum(s.tokens), pg_catalog.sum(s.cost),
       pg_catalog.sum(s.n)::bigint, pg_catalog.sum(s.unpriced)::bigint
  FROM split AS s
 GROUP BY s.p, s.cmodel, s.usage_type
$$;
COMMENT ON FUNCTION @extschema@._tracked_usage(text, timestamptz, timestamptz, text, boolean) IS
  'Internal: tracked tokens and cost per UTC period, catalogue model and usage type for reconcile(), from the ledger or (from_daily, when _daily_is_exact()) from dexcost.daily_model. A group''s cost is split over its token buckets in proportion to tokens x catalogue price in force at the period start; cost with no priced tokens is usage type other.';

-- Reconcile ---------------------------------------------------------------------------------

CREATE TABLE @extschema@.reconcile_run (
    run_id             bigserial   NOT NULL PRIMARY KEY,
    provider           text        NOT NULL,
    period_start       date        NOT NULL,
    period_end         date        NOT NULL,
    granularity        text        NOT NULL,
    tolerance_pct      numeric     NOT NULL,
    status             text        NOT NULL,
    result_rows        integer,
    rows_not_ok        integer,
    tracked_usd        numeric,
    invoiced_usage_usd numeric,
    invoiced_other_usd numeric,
    variance_usd       numeric,
    variance_pct       numeric,
    superseded_by      bigint,
    started_at         timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at        timestamptz,
    run_by             name        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT reconcile_run_status_check CHECK (status IN ('running', 'ok', 'attention', 'skipped'))
);
COMMENT ON TABLE @extschema@.reconcile_run IS 'History of dexcost.reconcile() runs: parameters, totals and outcome (what was reconciled when).';
COMMENT ON COLUMN @extschema@.reconcile_run.run_id IS 'Identifier; reconcile_result.run_id refers to it.';
COMMENT ON COLUMN @extschema@.reconcile_run.provider IS 'Provider reconciled.';
COMMENT ON COLUMN @extschema@.reconcile_run.period_start IS 'First UTC day reconciled.';
COMMENT ON COLUMN @extschema@.reconcile_run.period_end IS 'UTC day after the last one reconciled (exclusive).';
COMMENT ON COLUMN @extschema@.reconcile_run.granularity IS 'day, week or month.';
COMMENT ON COLUMN @extschema@.reconcile_run.tolerance_pct IS 'Variance (percent of the invoice) still counted as ok.';
COMMENT ON COLUMN @extschema@.reconcile_run.status IS 'ok (every row within tolerance), attention (some row is not), skipped (another run of the provider held the lock) or running.';
COMMENT ON COLUMN @extschema@.reconcile_run.result_rows IS 'Rows in reconcile_result.';
COMMENT ON COLUMN @extschema@.reconcile_run.rows_not_ok IS 'Rows whose status is not ok.';
COMMENT ON COLUMN @extschema@.reconcile_run.tracked_usd IS 'Tracked cost of the period.';
COMMENT ON COLUMN @extschema@.reconcile_run.invoiced_usage_usd IS 'Invoiced usage (charge category usage, USD lines).';
COMMENT ON COLUMN @extschema@.reconcile_run.invoiced_other_usd IS 'Invoiced credits, tax, refunds, adjustments and purchases (net, USD).';
COMMENT ON COLUMN @extschema@.reconcile_run.variance_usd IS 'tracked_usd - invoiced_usage_usd.';
COMMENT ON COLUMN @extschema@.reconcile_run.variance_pct IS 'variance_usd / invoiced_usage_usd x 100 (NULL when nothing was invoiced).';
COMMENT ON COLUMN @extschema@.reconcile_run.superseded_by IS 'A later run of the same provider, period and granularity (its results replaced this run''s).';
COMMENT ON COLUMN @extschema@.reconcile_run.started_at IS 'When the run started.';
COMMENT ON COLUMN @extschema@.reconcile_run.finished_at IS 'When it finished.';
COMMENT ON COLUMN @extschema@.reconcile_run.run_by IS 'The role that ran it (the cron job''s role under pg_cron).';

CREATE TABLE @extschema@.reconcile_result (
    run_id                bigint  NOT NULL REFERENCES @extschema@.reconcile_run (run_id) ON DELETE CASCADE,
    provider              text    NOT NULL,
    period_start          date    NOT NULL,
    period_end            date    NOT NULL,
    model                 text    NOT NULL,
    usage_type            text    NOT NULL,
    tracked_cost_usd      numeric NOT NULL,
    invoiced_cost_usd     numeric NOT NULL,
    variance_usd          numeric NOT NULL,
    variance_pct          numeric,
    tracked_quantity      numeric,
    invoiced_quantity     numeric,
    quantity_variance_pct numeric,
    status                text    NOT NULL,
    likely_cause          text,
    fix_suggestion        text,
    tracked_events        bigint  NOT NULL DEFAULT 0,
    unpriced_events       bigint  NOT NULL DEFAULT 0,
    invoice_lines         bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, period_start, model, usage_type),
    CONSTRAINT reconcile_result_status_check
        CHECK (status IN ('ok', 'over', 'under', 'missing_in_tracking', 'missing_on_invoice'))
);
COMMENT ON TABLE @extschema@.reconcile_result IS 'Rows of each current reconcile() run: provider x period x model x usage type (results of superseded runs are deleted).';
COMMENT ON COLUMN @extschema@.reconcile_result.run_id IS 'The run (dexcost.reconcile_run).';
COMMENT ON COLUMN @extschema@.reconcile_result.provider IS 'Provider.';
COMMENT ON COLUMN @extschema@.reconcile_result.period_start IS 'First UTC day of the period.';
COMMENT ON COLUMN @extschema@.reconcile_result.period_end IS 'UTC day after the period (exclusive).';
COMMENT ON COLUMN @extschema@.reconcile_result.model IS 'Catalogue model (or the provider''s name when no alias maps it).';
COMMENT ON COLUMN @extschema@.reconcile_result.usage_type IS 'input, cache_read, cache_write, cache_write_1h, output (reasoning folded in), other, a provider word, or the charge category of non-usage lines (credit, tax, ...).';
COMMENT ON COLUMN @extschema@.reconcile_result.tracked_cost_usd IS 'Tracked cost (see docs/reconcile.md for the per-usage-type split).';
COMMENT ON COLUMN @extschema@.reconcile_result.invoiced_cost_usd IS 'Invoiced amount in USD.';
COMMENT ON COLUMN @extschema@.reconcile_result.variance_usd IS 'tracked_cost_usd - invoiced_cost_usd.';
COMMENT ON COLUMN @extschema@.reconcile_result.variance_pct IS '(tracked - invoiced) / invoiced x 100; NULL when nothing was invoiced.';
COMMENT ON COLUMN @extschema@.reconcile_result.tracked_quantity IS 'Tracked tokens.';
COMMENT ON COLUMN @extschema@.reconcile_result.invoiced_quantity IS 'Invoiced tokens (NULL when the export has no token quantity, e.g. the Anthropic cost report).';
COMMENT ON COLUMN @extschema@.reconcile_result.quantity_variance_pct IS '(tracked - invoiced tokens) / invoiced tokens x 100.';
COMMENT ON COLUMN @extschema@.reconcile_result.status IS 'ok (within tolerance), over, under, missing_in_tracking or missing_on_invoice.';
COMMENT ON COLUMN @extschema@.reconcile_result.likely_cause IS 'untracked traffic, price-table mismatch, token-semantics mismatch, ingestion gap, model-name mismatch or credits/tax; NULL when ok.';
COMMENT ON COLUMN @extschema@.reconcile_result.fix_suggestion IS 'What to check or run to fix it.';
COMMENT ON COLUMN @extschema@.reconcile_result.tracked_events IS 'Ledger events behind the tracked side.';
COMMENT ON COLUMN @extschema@.reconcile_result.unpriced_events IS 'Of those, events with an unknown cost (not in tracked_cost_usd).';
COMMENT ON COLUMN @extschema@.reconcile_result.invoice_lines IS 'Invoice lines behind the invoiced side.';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.reconcile_run', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reconcile_run_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reconcile_result', '');

CREATE FUNCTION @extschema@.reconcile(provider_name text, start_date date, end_date date,
    granularity text DEFAULT 'month', tolerance_pct numeric DEFAULT 5)
  RETURNS TABLE (run_id bigint, provider text, period_start date, period_end date, model text, usage_type text,
                 tracked_cost_usd numeric, invoiced_cost_usd numeric, variance_usd numeric, variance_pct numeric,
                 tracked_quantity numeric, invoiced_quantity numeric, quantity_variance_pct numeric,
                 status text, likely_cause text, fix_suggestion text)
  LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
  SET jit = off  -- one-off aggregate queries: LLVM compilation would cost seconds and save nothing
  SET enable_mergejoin = off  -- the ledger joins a handful of periods: hash them, never sort the ledger
AS $$
#variable_conflict use_column
DECLARE
    p_provider text := reconcile.provider_name;
    p_from date := reconcile.start_date;
    p_to date := reconcile.end_date;
    p_gran text := reconcile.granularity;
    p_tol numeric := reconcile.tolerance_pct;
    v_run bigint;
    v_from timestamptz;
    v_to timestamptz;
    v_daily boolean;
BEGIN
    IF p_provider IS NULL OR p_from IS NULL OR p_to IS NULL OR p_gran IS NULL OR p_tol IS NULL THEN
        RAISE EXCEPTION 'reconcile needs a provider, a period and a granularity'
          USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_gran NOT IN ('day', 'week', 'month') THEN
        RAISE EXCEPTION 'invalid granularity "%"', p_gran
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Use day, week or month.';
    END IF;
    IF p_to <= p_from THEN
        RAISE EXCEPTION 'empty period: % to %', p_from, p_to
          USING ERRCODE = 'invalid_parameter_value', HINT = 'period_end is exclusive: reconcile(''openai'', ''2026-09-01'', ''2026-10-01'').';
    END IF;
    -- Finite dates that are timestamps, at most 100 years apart (the periods are listed one by one).
    PERFORM @extschema@._check_range('start_date', p_from, 'end_date', p_to,
                                     'end_date is exclusive: reconcile(''openai'', ''2026-01-01'', ''2027-01-01'') covers 2026.',
                                     interval '100 years');
    IF p_tol < 0 THEN
        RAISE EXCEPTION 'invalid tolerance_pct %: it cannot be negative', p_tol
          USING ERRCODE = 'invalid_parameter_value', HINT = 'tolerance_pct is a percentage of the invoice, e.g. 5.';
    END IF;
    -- One run per provider at a time; a second one returns at once (cron-safe).
    IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('dexcost.reconcile'), pg_catalog.hashtext(p_provider)) THEN
        INSERT INTO @extschema@.reconcile_run AS rr (provider, period_start, period_end, granularity, tolerance_pct, status, finished_at)
          VALUES (p_provider, p_from, p_to, p_gran, p_tol, 'skipped', pg_catalog.clock_timestamp())
          RETURNING rr.run_id INTO v_run;
        RAISE NOTICE 'reconcile of % skipped: another run of this provider is in progress', p_provider;
        RETURN;
    END IF;
    v_from := p_from::timestamp AT TIME ZONE 'UTC';
    v_to := p_to::timestamp AT TIME ZONE 'UTC';
    INSERT INTO @extschema@.reconcile_run AS rr (provider, period_start, period_end, granularity, tolerance_pct, status)
      VALUES (p_provider, p_from, p_to, p_gran, p_tol, 'running') RETURNING rr.run_id INTO v_run;

    -- The ledger side first, in a statement that may run in parallel (an INSERT ... SELECT may not).
    IF pg_catalog.to_regclass('pg_temp.dexcost_tracked') IS NOT NULL THEN
        DROP TABLE pg_temp.dexcost_tracked;  -- left by an earlier call in this transaction
    END IF;
    -- From the daily pre-aggregate when it gives exactly the ledger's sums (the usual case: no scan
    -- of the period's events), else from the ledger.
    v_daily := @extschema@._daily_is_exact(p_provider, v_from, v_to, p_gran);
    CREATE TEMP TABLE dexcost_tracked ON COMMIT DROP AS
        SELECT t.period_start AS p, t.model,
               CASE WHEN t.usage_type = 'reasoning' THEN 'output' ELSE t.usage_type END AS usage_type,
               pg_catalog.sum(t.quantity) AS qty, pg_catalog.sum(t.cost_usd) AS cost,
               pg_catalog.sum(t.events)::bigint AS events, pg_catalog.max(t.unpriced_events)::bigint AS unpriced
          FROM @extschema@._tracked_usage(p_provider, v_from, v_to, p_gran, v_daily) AS t
         GROUP BY 1, 2, 3;

    -- The invoice side summed per period and provider name before names are mapped: its own statement
    -- too, so that a month of a million lines is scanned in parallel.
    IF pg_catalog.to_regclass('pg_temp.dexcost_lines') IS NOT NULL THEN
        DROP TABLE pg_temp.dexcost_lines;
    END IF;
    CREATE TEMP TABLE dexcost_lines ON COMMIT DROP AS
        SELECT pg_catalog.date_trunc(p_gran, l.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS p,
               l.item_name, l.model_name, l.usage_type, l.charge_category,
               pg_catalog.sum(l.tokens) AS qty, pg_catalog.sum(l.amount_usd) AS cost, pg_catalog.count(*) AS n
          FROM @extschema@.invoice_line AS l
         WHERE l.provider = p_provider AND l.period_start >= v_from AND l.period_start < v_to
         GROUP BY 1, 2, 3, 4, 5;

    INSERT INTO @extschema@.reconcile_result AS res
        (run_id, provider, period_start, period_end, model, usage_type, tracked_cost_usd, invoiced_cost_usd,
         variance_usd, variance_pct, tracked_quantity, invoiced_quantity, quantity_variance_pct, status,
         likely_cause, fix_suggestion, tracked_events, unpriced_events, invoice_lines)
    WITH tracked AS (
        SELECT * FROM pg_temp.dexcost_tracked
    ), lines AS (
        SELECT * FROM pg_temp.dexcost_lines
    ), mapped AS (
        SELECT ln.p, ln.charge_category, ln.qty, ln.cost, ln.n,
               COALESCE(ai.model, am.model, ma.model, ln.model_name, '(unspecified)') AS model,
               CASE WHEN ln.charge_category <> 'usage' THEN ln.charge_category
                    ELSE COALESCE(ai.usage_type, am.usage_type, NULLIF(ln.usage_type, ''), 'other') END AS usage_type
          FROM lines AS ln
          LEFT JOIN LATERAL (SELECT a.model, a.usage_type FROM @extschema@.invoice_alias AS a
                              WHERE a.provider = p_provider AND a.name = ln.item_name ORDER BY a.is_seed LIMIT 1) AS ai ON true
          LEFT JOIN LATERAL (SELECT a.model, a.usage_type FROM @extschema@.invoice_alias AS a
                              WHERE a.provider = p_provider AND a.name = ln.model_name ORDER BY a.is_seed LIMIT 1) AS am ON true
          LEFT JOIN LATERAL (SELECT a.model FROM @extschema@.model_alias AS a
                              WHERE a.provider = p_provider AND a.alias = ln.model_name ORDER BY a.is_seed LIMIT 1) AS ma ON true
    ), invoiced AS (
        SELECT m.p, m.model, CASE WHEN m.usage_type = 'reasoning' THEN 'output' ELSE m.usage_type END AS usage_type,
               pg_catalog.min(m.charge_category) AS category,
               pg_catalog.sum(m.qty) AS qty, pg_catalog.sum(m.cost) AS cost, pg_catalog.sum(m.n)::bigint AS n
          FROM mapped AS m
         GROUP BY 1, 2, 3
    ), cached AS (  -- invoiced cache reads per period and model (to spot cached tokens counted twice)
        SELECT i.p, i.model, i.qty FROM invoiced AS i WHERE i.usage_type = 'cache_read'
    ), periods_invoiced AS (
        SELECT DISTINCT i.p FROM invoiced AS i WHERE i.category = 'usage'
    ), joined AS (
        SELECT COALESCE(t.p, i.p) AS p, COALESCE(t.model, i.model) AS model, COALESCE(t.usage_type, i.usage_type) AS usage_type,
               COALESCE(t.cost, 0) AS tc, COALESCE(i.cost, 0) AS ic, t.qty AS tq, i.qty AS iq,
               t.cost IS NOT NULL AS has_t, i.n IS NOT NULL AS has_i, i.category,
               COALESCE(t.events, 0) AS events, COALESCE(t.unpriced, 0) AS unpriced, COALESCE(i.n, 0) AS n,
               c.qty AS cache_qty, pi.p IS NOT NULL AS period_has_invoice
          FROM tracked AS t
          FULL JOIN invoiced AS i ON i.p = t.p AND i.model = t.model AND i.usage_type = t.usage_type
          LEFT JOIN cached AS c ON c.p = COALESCE(t.p, i.p) AND c.model = COALESCE(t.model, i.model)
          LEFT JOIN periods_invoiced AS pi ON pi.p = COALESCE(t.p, i.p)
    ), measured AS (
        SELECT j.*,
               CASE WHEN j.ic <> 0 THEN pg_catalog.round((j.tc - j.ic) / pg_catalog.abs(j.ic) * 100, 2) END AS vpct,
               CASE WHEN j.iq > 0 THEN pg_catalog.round((COALESCE(j.tq, 0) - j.iq) / j.iq * 100, 2) END AS qpct
          FROM joined AS j
    ), judged AS (
        SELECT m.*,
               CASE WHEN NOT m.has_i OR (m.ic = 0 AND COALESCE(m.iq, 0) = 0 AND (m.tc > 0 OR m.tq > 0)) THEN 'missing_on_invoice'
                    WHEN (NOT m.has_t OR (m.tc = 0 AND COALESCE(m.tq, 0) = 0 AND m.unpriced = 0)) AND m.ic <> 0 THEN 'missing_in_tracking'
                    WHEN m.vpct IS NULL THEN CASE WHEN m.tc = m.ic THEN 'ok' WHEN m.tc > m.ic THEN 'over' ELSE 'under' END
                    WHEN m.vpct > p_tol THEN 'over'
                    WHEN m.vpct < -p_tol THEN 'under'
                    ELSE 'ok' END AS st
          FROM measured AS m
    )
    SELECT v_run, p_provider, (jd.p AT TIME ZONE 'UTC')::date,
           ((jd.p AT TIME ZONE 'UTC') + ('1 ' || p_gran)::interval)::date,
           jd.model, jd.usage_type, jd.tc, jd.ic, jd.tc - jd.ic, jd.vpct, jd.tq, jd.iq, jd.qpct, jd.st,
           c.cause, c.fix, jd.events, jd.unpriced, jd.n
      FROM judged AS jd
      CROSS JOIN LATERAL (
        SELECT * FROM (VALUES
          -- Not usage: credits, tax, refunds, adjustments have no tracked counterpart.
          (jd.st = 'missing_in_tracking' AND jd.category <> 'usage', 1, 'credits/tax',
           'Not usage: it is left out of the usage variance and shown apart (reconcile_run.invoiced_other_usd); net it against the usage total.'),
          (jd.st = 'missing_in_tracking', 2, 'untracked traffic',
           pg_catalog.format('Calls of %s (%s) reach the provider without being tracked: instrument the caller (compare invoice_line.project_id with your instrumented projects), or if they are tracked under another name, map it: INSERT INTO dexcost.invoice_alias (provider, name, model) VALUES (%L, %L, ''<catalogue model>'').',
                             jd.model, jd.usage_type, p_provider, jd.model)),
          (jd.st = 'missing_on_invoice' AND NOT jd.period_has_invoice, 3, 'ingestion gap',
           pg_catalog.format('No %s invoice usage is imported for this period: SELECT * FROM dexcost.import_invoice(''<source>'', ''<format>'', <file content>) for it.', p_provider)),
          (jd.st = 'missing_on_invoice', 4, 'model-name mismatch',
           pg_catalog.format('The invoice has this period but not %s (%s) under this name: find its item in dexcost.invoice_line and map it with INSERT INTO dexcost.invoice_alias (provider, name, model, usage_type) VALUES (%L, ''<invoice name>'', %L, %L).',
                             jd.model, jd.usage_type, p_provider, jd.model, jd.usage_type)),
          (jd.st IN ('over', 'under') AND jd.unpriced > 0, 5, 'price-table mismatch',
           pg_catalog.format('%s tracked events have no price and count as 0 here: see dexcost.unpriced_spend, add the price or alias, then SELECT dexcost.reprice(%L, %L).',
                             jd.unpriced, (jd.p AT TIME ZONE 'UTC')::date, ((jd.p AT TIME ZONE 'UTC') + ('1 ' || p_gran)::interval)::date)),
          (jd.st = 'over' AND jd.usage_type = 'input' AND jd.tq > jd.iq AND jd.cache_qty > 0
             AND pg_catalog.abs((jd.tq - jd.iq) - jd.cache_qty) <= jd.cache_qty * p_tol / 100, 6, 'token-semantics mismatch',
           'Tracked input exceeds the invoice by about the cached tokens: cached tokens are counted twice (once as input). Record uncached input only: input_tokens = prompt_tokens - cached_tokens (docs/pricing.md), then reprice.'),
          (jd.st IN ('over', 'under') AND jd.qpct IS NOT NULL AND pg_catalog.abs(jd.qpct) <= p_tol, 7, 'price-table mismatch',
           pg_catalog.format('Tokens agree but cost does not: the catalogue price of %s %s differs from what the provider billed. Check dexcost.model_price (tier, valid_from), add the provider''s price, then reprice.', jd.model, jd.usage_type)),
          (jd.st = 'over' AND jd.qpct IS NOT NULL, 8, 'token-semantics mismatch',
           'The tracker counts more tokens than the provider billed: check how token counts are mapped onto buckets (docs/pricing.md) and for duplicate events.'),
          (jd.st = 'over', 9, 'price-table mismatch',
           'The invoice has no token quantity to compare: check the catalogue price and tier (dexcost.model_price) against the provider''s price list.'),
          (jd.st = 'under', 10, 'untracked traffic',
           'The provider billed more than was tracked: look for callers that bypass the tracker (invoice_line.project_id, API keys) or events not yet ingested (dexcost.ingest_pending); filter out projects of other teams.')
        ) AS c(applies, rank, cause, fix)
         WHERE c.applies
         UNION ALL SELECT true, 99, NULL, NULL
         ORDER BY 2 LIMIT 1) AS c;

    -- Idempotent per provider and period: earlier results of the same question are replaced.
    UPDATE @extschema@.reconcile_run AS rr SET superseded_by = v_run
     WHERE rr.provider = p_provider AND rr.period_start = p_from AND rr.period_end = p_to
       AND rr.granularity = p_gran AND rr.run_id < v_run AND rr.superseded_by IS NULL AND rr.status <> 'skipped';
    DELETE FROM @extschema@.reconcile_result AS res
     USING @extschema@.reconcile_run AS rr
     WHERE res.run_id = rr.run_id AND rr.superseded_by = v_run;

    UPDATE @extschema@.reconcile_run AS rr
       SET result_rows = s.n, rows_not_ok = s.bad, tracked_usd = s.tracked, invoiced_usage_usd = s.usage,
           invoiced_other_usd = s.other, variance_usd = s.tracked - s.usage,
           variance_pct = CASE WHEN s.usage <> 0 THEN pg_catalog.round((s.tracked - s.usage) / pg_catalog.abs(s.usage) * 100, 2) END,
           status = CASE WHEN s.bad = 0 THEN 'ok' ELSE 'attention' END,
           finished_at = pg_catalog.clock_timestamp()
      FROM (SELECT pg_catalog.count(*)::integer AS n, (pg_catalog.count(*) FILTER (WHERE res.status <> 'ok'))::integer AS bad,
                   COALESCE(pg_catalog.sum(res.tracked_cost_usd), 0) AS tracked,
                   COALESCE(pg_catalog.sum(res.invoiced_cost_usd) FILTER (WHERE res.usage_type NOT IN ('credit', 'tax', 'refund', 'adjustment', 'purchase')), 0) AS usage,
                   COALESCE(pg_catalog.sum(res.invoiced_cost_usd) FILTER (WHERE res.usage_type IN ('credit', 'tax', 'refund', 'adjustment', 'purchase')), 0) AS other
              FROM @extschema@.reconcile_result AS res WHERE res.run_id = v_run) AS s
     WHERE rr.run_id = v_run;

    DROP TABLE pg_temp.dexcost_tracked;
    DROP TABLE pg_temp.dexcost_lines;
    RETURN QUERY
      SELECT res.run_id, res.provider, res.period_start, res.period_end, res.model, res.usage_type,
             res.tracked_cost_usd, res.invoiced_cost_usd, res.variance_usd, res.variance_pct, res.tracked_quantity,
             res.invoiced_quantity, res.quantity_variance_pct, res.status, res.likely_cause, res.fix_suggestion
        FROM @extschema@.reconcile_result AS res
       WHERE res.run_id = v_run
       ORDER BY res.period_start, res.model, res.usage_type;
END
$$;
COMMENT ON FUNCTION @extschema@.reconcile(text, date, date, text, numeric) IS
  'Compares imported invoice lines of a provider with tracked cost per UTC period x model x usage type: variance in USD, % and tokens, status (ok within tolerance_pct, over, under, missing_in_tracking, missing_on_invoice), likely cause and fix. Recorded in reconcile_run / reconcile_result; one run per provider at a time (a concurrent one is skipped).';

CREATE VIEW @extschema@.reconciliation_latest WITH (security_invoker = true) AS
  WITH runs AS (
      SELECT DISTINCT res.run_id, res.provider, pg_catalog.date_trunc('month', res.period_start)::date AS month
        FROM @extschema@.reconcile_result AS res
  ), latest AS (
      SELECT DISTINCT ON (r.provider, r.month) r.run_id, r.provider, r.month
        FROM runs AS r ORDER BY r.provider, r.month, r.run_id DESC
  )
  SELECT res.provider, l.month, res.period_start AS day, res.period_end, res.model, res.usage_type,
         res.tracked_cost_usd::numeric(30, 6) AS tracked_cost_usd,
         res.invoiced_cost_usd::numeric(30, 6) AS invoiced_cost_usd,
         res.variance_usd::numeric(30, 6) AS variance_usd,
         res.variance_pct::numeric(12, 2) AS variance_pct,
         res.tracked_quantity::numeric(30, 0) AS tracked_tokens,
         res.invoiced_quantity::numeric(30, 0) AS invoiced_tokens,
         res.quantity_variance_pct::numeric(12, 2) AS tokens_variance_pct,
         res.status, res.likely_cause, res.fix_suggestion, res.run_id, rr.finished_at AS reconciled_at
    FROM latest AS l
    JOIN @extschema@.reconcile_result AS res
      ON res.run_id = l.run_id AND pg_catalog.date_trunc('month', res.period_start)::date = l.month
    JOIN @extschema@.reconcile_run AS rr ON rr.run_id = res.run_id;
COMMENT ON VIEW @extschema@.reconciliation_latest IS 'For BI tools: the rows of the latest reconcile() run of each provider and month.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.provider IS 'Provider.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.month IS 'First day of the UTC month.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.day IS 'First UTC day of the reconciled period (the month itself for monthly runs).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.period_end IS 'UTC day after the period (exclusive).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.model IS 'Catalogue model.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.usage_type IS 'Usage type, or charge category of non-usage lines.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.tracked_cost_usd IS 'Tracked cost, USD (6 places).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.invoiced_cost_usd IS 'Invoiced cost, USD (6 places).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.variance_usd IS 'Tracked minus invoiced, USD (6 places).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.variance_pct IS 'Variance as a percentage of the invoice.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.tracked_tokens IS 'Tracked tokens.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.invoiced_tokens IS 'Invoiced tokens (NULL when the export has none).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.tokens_variance_pct IS 'Token variance as a percentage of the invoiced tokens.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.status IS 'ok, over, under, missing_in_tracking or missing_on_invoice.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.likely_cause IS 'Likely cause when not ok.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.fix_suggestion IS 'What to do about it.';
COMMENT ON COLUMN @extschema@.reconciliation_latest.run_id IS 'The run (dexcost.reconcile_run).';
COMMENT ON COLUMN @extschema@.reconciliation_latest.reconciled_at IS 'When that run finished.';

-- Statements --------------------------------------------------------------------------------

CREATE TABLE @extschema@.statement_adjustment (
    adjustment_id bigserial   NOT NULL PRIMARY KEY,
    customer_id   text        NOT NULL,
    month         date        NOT NULL,
    kind          text        NOT NULL,
    description   text        NOT NULL,
    amount_usd    numeric     NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by    name        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT statement_adjustment_month_check CHECK (pg_catalog.date_part('day', month) = 1),
    CONSTRAINT statement_adjustment_kind_check CHECK (kind IN ('credit', 'discount', 'refund', 'adjustment')),
    CONSTRAINT statement_adjustment_sign_check CHECK (kind = 'adjustment' OR amount_usd <= 0),
    CONSTRAINT statement_adjustment_amount_check
        CHECK (amount_usd > -1000000000000000 AND amount_usd < 1000000000000000 AND pg_catalog.min_scale(amount_usd) <= 18)
);
CREATE INDEX statement_adjustment_customer_idx ON @extschema@.statement_adjustment (customer_id, month);
COMMENT ON TABLE @extschema@.statement_adjustment IS 'Credits, discounts, refunds and manual adjustments shown on a customer''s monthly statement.';
COMMENT ON COLUMN @extschema@.statement_adjustment.adjustment_id IS 'Identifier.';
COMMENT ON COLUMN @extschema@.statement_adjustment.customer_id IS 'The customer.';
COMMENT ON COLUMN @extschema@.statement_adjustment.month IS 'First day of the statement month.';
COMMENT ON COLUMN @extschema@.statement_adjustment.kind IS 'credit, discount or refund (amount <= 0), or adjustment (either sign).';
COMMENT ON COLUMN @extschema@.statement_adjustment.description IS 'Text printed on the statement.';
COMMENT ON COLUMN @extschema@.statement_adjustment.amount_usd IS 'Amount in USD added to the total (negative reduces it).';
COMMENT ON COLUMN @extschema@.statement_adjustment.created_at IS 'When it was recorded.';
COMMENT ON COLUMN @extschema@.statement_adjustment.created_by IS 'The role that recorded it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.statement_adjustment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.statement_adjustment_adjustment_id_seq', '');

-- Display name of the service an event is billed under.
CREATE FUNCTION @extschema@._service_name(provider text, service_name text, event_type text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE pg_catalog.lower(COALESCE(provider, service_name))
           WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'aws' THEN 'AWS Bedrock'
           WHEN 'google' THEN 'Google Gemini' WHEN 'pinecone' THEN 'Pinecone' WHEN 'deepseek' THEN 'DeepSeek'
           WHEN 'xai' THEN 'xAI' WHEN 'mistral' THEN 'Mistral'
           ELSE COALESCE(provider, service_name, pg_catalog.initcap(pg_catalog.replace(event_type, '_', ' '))) END;
COMMENT ON FUNCTION @extschema@._service_name(text, text, text) IS 'Internal: the service name a statement shows for an event (provider, else service_name, else event type).';

-- The month a statement covers, refused when it cannot be one: NULL or empty arguments, an infinite month,
-- or a month whose bounds are no timestamps.
CREATE FUNCTION @extschema@._statement_month(customer text, for_month date) RETURNS date
  LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF customer IS NULL OR customer = '' OR for_month IS NULL THEN
        RAISE EXCEPTION 'a statement needs a customer and a month'
          USING ERRCODE = 'null_value_not_allowed',
                HINT = 'Pass the customer_id and any day of the month, e.g. dexcost.statement(''acme'', ''2026-09-01'').';
    END IF;
    IF NOT pg_catalog.isfinite(for_month) THEN
        RAISE EXCEPTION 'invalid statement month "%": it must be a finite date', for_month
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Pass any day of the month, e.g. ''2026-09-01''.';
    END IF;
    -- Both bounds must be timestamps in any time zone (timestamptz runs from 4714-11-24 BC to 294276-12-31).
    IF for_month < date '4714-12-01 BC' OR for_month >= date '294276-12-01' THEN
        RAISE EXCEPTION 'invalid statement month "%": it is outside the range of timestamps',
                        -- the date as ISO text whatever DateStyle says (to_char would need a timestamp)
                        pg_catalog.concat(pg_catalog.abs(EXTRACT(year FROM for_month)), '-',
                                          pg_catalog.lpad(EXTRACT(month FROM for_month)::text, 2, '0'), '-',
                                          pg_catalog.lpad(EXTRACT(day FROM for_month)::text, 2, '0'),
                                          CASE WHEN EXTRACT(year FROM for_month) < 0 THEN ' BC' END)
          USING ERRCODE = 'datetime_field_overflow',
                HINT = 'Months from December 4714 BC to November 294276 can be stated.';
    END IF;
    RETURN for_month - (EXTRACT(day FROM for_month)::integer - 1);
END
$$;
COMMENT ON FUNCTION @extschema@._statement_month(text, date) IS
  'Internal: the first day of the month a statement covers; raises for a NULL or empty customer, a NULL or infinite month, or one outside the timestamp range.';

CREATE FUNCTION @extschema@.statement(customer text, for_month date)
  RETURNS TABLE (customer_id text, month date, line_no integer, section text, item text, quantity numeric, amount_usd numeric)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@._statement_month($1, $2);  -- its own statement: runs whatever the plan of the next one
WITH mon AS (
    SELECT @extschema@._statement_month($1, $2) AS m
), bounds AS (
    SELECT mo.m, mo.m::timestamp AT TIME ZONE @extschema@.timezone() AS lo,
           (mo.m + interval '1 month') AT TIME ZONE @extschema@.timezone() AS hi
      FROM mon AS mo
), ev AS (
    SELECT e.* FROM @extschema@.cost_event AS e, bounds AS b
     WHERE e.customer_id = $1 AND e.occurred_at >= b.lo AND e.occurred_at < b.hi
), services AS (
    SELECT @extschema@._service_name(ev.provider, ev.service_name, ev.event_type) AS item,
           pg_catalog.count(*) AS n, COALESCE(pg_catalog.sum(ev.cost_usd), 0) AS cost
      FROM ev GROUP BY 1
), adjustments AS (
    SELECT a.kind || ': ' || a.description AS item, a.amount_usd, a.adjustment_id
      FROM @extschema@.statement_adjustment AS a, bounds AS b
     WHERE a.customer_id = $1 AND a.month = b.m
), totals AS (
    SELECT (SELECT COALESCE(pg_catalog.sum(s.cost), 0) FROM services AS s) AS ai,
           (SELECT COALESCE(pg_catalog.sum(a.amount_usd), 0) FROM adjustments AS a) AS adj,
           (SELECT pg_catalog.count(DISTINCT ev.task_id) FROM ev) AS tasks,
           (SELECT pg_catalog.count(*) FROM ev WHERE ev.cost_confidence = 'unknown') AS unpriced
), lines AS (
    SELECT 1 AS grp, pg_catalog.row_number() OVER (ORDER BY s.cost DESC, s.item) AS k, 'service' AS section, s.item,
           s.n::numeric AS quantity, s.cost AS amount FROM services AS s
    UNION ALL
    SELECT 2, pg_catalog.row_number() OVER (ORDER BY a.adjustment_id), 'adjustment', a.item, NULL, a.amount_usd FROM adjustments AS a
    UNION ALL
    SELECT 3, v.k, 'summary', v.item, v.quantity, v.amount
      FROM totals AS t CROSS JOIN LATERAL (VALUES
          (1, 'AI cost', NULL::numeric, t.ai),
          (2, 'Credits and adjustments', NULL, t.adj),
          (3, 'Total', NULL, t.ai + t.adj),
          (4, 'Tasks', t.tasks::numeric, NULL),
          (5, 'Average cost per task', NULL, CASE WHEN t.tasks > 0 THEN pg_catalog.round(t.ai / t.tasks, 6) END),
          (6, 'Events with unknown cost (not in the total)', t.unpriced::numeric, NULL)) AS v(k, item, quantity, amount)
)
SELECT $1, b.m, (pg_catalog.row_number() OVER (ORDER BY l.grp, l.k))::integer, l.section, l.item, l.quantity, l.amount
  FROM lines AS l, bounds AS b
 ORDER BY l.grp, l.k
$$;
COMMENT ON FUNCTION @extschema@.statement(text, date) IS
  'A customer''s monthly statement as rows for CSV (COPY (SELECT * FROM dexcost.statement(...)) TO STDOUT WITH CSV HEADER): cost per service, credits and adjustments, totals, task count and average cost. Month boundaries in dexcost.timezone().';

CREATE FUNCTION @extschema@.statement_detail(customer text, for_month date)
  RETURNS TABLE (customer_id text, month date, service text, model text, event_type text, tasks bigint, events bigint,
                 input_tokens numeric, cached_tokens numeric, output_tokens numeric, cost_usd numeric, unpriced_events bigint)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@._statement_month($1, $2);  -- its own statement: runs whatever the plan of the next one
SELECT $1, mo.m,
       @extschema@._service_name(e.provider, e.service_name, e.event_type), e.model, e.event_type,
       pg_catalog.count(DISTINCT e.task_id), pg_catalog.count(*),
       pg_catalog.sum(e.input_tokens), pg_catalog.sum(COALESCE(e.cache_read_tokens, 0) + COALESCE(e.cache_write_tokens, 0)
                                                      + COALESCE(e.cache_write_1h_tokens, 0)),
       pg_catalog.sum(COALESCE(e.output_tokens, 0) + COALESCE(e.reasoning_tokens, 0)),
       COALESCE(pg_catalog.sum(e.cost_usd), 0), pg_catalog.count(*) FILTER (WHERE e.cost_confidence = 'unknown')
  FROM (SELECT @extschema@._statement_month($1, $2) AS m) AS mo
  JOIN @extschema@.cost_event AS e
    ON e.customer_id = $1
   AND e.occurred_at >= mo.m::timestamp AT TIME ZONE @extschema@.timezone()
   AND e.occurred_at < (mo.m + interval '1 month') AT TIME ZONE @extschema@.timezone()
 GROUP BY 2, 3, 4, 5
 ORDER BY 11 DESC, 3, 4, 5
$$;
COMMENT ON FUNCTION @extschema@.statement_detail(text, date) IS
  'The detail behind a monthly statement: per service, model and event type, tasks, events, tokens (cached = cache reads and writes; output includes reasoning) and cost.';

-- Text made safe for HTML.
CREATE FUNCTION @extschema@._html(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION @extschema@._html(text) IS 'Internal: escapes & < > " and '' for HTML.';

-- Money as printed on a statement: rounded half away from zero to the cent, thousands separated.
CREATE FUNCTION @extschema@._money(amount numeric) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN amount IS NULL THEN '' ELSE pg_catalog.to_char(pg_catalog.round(amount, 2), 'FM9,999,999,999,999,990.00') END;
COMMENT ON FUNCTION @extschema@._money(numeric) IS 'Internal: an amount as a statement prints it (2 places, comma thousands).';

CREATE FUNCTION @extschema@.statement_html(customer text, for_month date) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
WITH m AS (SELECT @extschema@._statement_month($1, $2) AS m),
s AS (SELECT * FROM @extschema@.statement($1, $2))
SELECT pg_catalog.concat(
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>AI cost statement ', @extschema@._html($1), ' ',
  pg_catalog.to_char(m.m, 'YYYY-MM'), '</title><style>',
  '@page{size:A4;margin:20mm} body{font-family:sans-serif;font-size:10pt;color:#222}',
  'h1{font-size:16pt;margin:0 0 4pt} table{border-collapse:collapse;width:100%;margin:10pt 0}',
  'th,td{padding:4pt 6pt;border-bottom:1px solid #ccc;text-align:left} td.n,th.n{text-align:right}',
  'tr.total td{font-weight:bold;border-top:2px solid #222} .muted{color:#666}',
  '</style></head><body>',
  '<h1>AI cost statement</h1>',
  '<p>Customer: <b>', @extschema@._html($1), '</b><br>Period: ', pg_catalog.to_char(m.m, 'FMMonth YYYY'),
  ' (', pg_catalog.to_char(m.m, 'YYYY-MM-DD'), ' to ', pg_catalog.to_char((m.m + interval '1 month' - interval '1 day')::date, 'YYYY-MM-DD'),
  ', time zone ', @extschema@._html(@extschema@.timezone()), ')</p>',
  '<table><tr><th>Service</th><th class="n">Events</th><th class="n">Amount (USD)</th></tr>',
  (SELECT pg_catalog.string_agg(pg_catalog.format('<tr><td>%s</td><td class="n">%s</td><td class="n">%s</td></tr>',
                                                  @extschema@._html(s.item), s.quantity, @extschema@._money(s.amount_usd)), '' ORDER BY s.line_no)
     FROM s WHERE s.section = 'service'),
  '</table>',
  COALESCE((SELECT '<table><tr><th>Credits and adjustments</th><th class="n">Amount (USD)</th></tr>'
                   || pg_catalog.string_agg(pg_catalog.format('<tr><td>%s</td><td class="n">%s</td></tr>',
                                                              @extschema@._html(s.item), @extschema@._money(s.amount_usd)), '' ORDER BY s.line_no)
                   || '</table>'
              FROM s WHERE s.section = 'adjustment' HAVING pg_catalog.count(*) > 0), ''),
  '<table>',
  (SELECT pg_catalog.string_agg(pg_catalog.format('<tr%s><td>%s</td><td class="n">%s</td></tr>',
                                                  CASE WHEN s.item = 'Total' THEN ' class="total"' ELSE '' END,
                                                  @extschema@._html(s.item),
                                                  CASE WHEN s.amount_usd IS NOT NULL THEN @extschema@._money(s.amount_usd)
                                                       ELSE COALESCE(s.quantity::text, '') END), '' ORDER BY s.line_no)
     FROM s WHERE s.section = 'summary'),
  '</table>',
  '<p class="muted">Amounts in USD rounded to the cent; the CSV statement (dexcost.statement) holds the exact figures.</p>',
  '</body></html>')
FROM m
$$;
COMMENT ON FUNCTION @extschema@.statement_html(text, date) IS
  'The monthly statement as a printable HTML page (scripts/statement.sh or make statement turns it into a PDF).';
