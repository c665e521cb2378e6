
------------------------------------------------------------------------------------------
-- Revenue, profitability and export (docs/revenue.md)
--
-- Revenue per customer and month comes from two places: dexcost.revenue, loaded from a
-- CSV (COPY into dexcost.revenue_import, then dexcost.load_revenue()), and the SDK's
-- revenue revisions (dexcost.revenue_current). Only recognised revenue counts. When both
-- hold revenue for the same customer and month, the imported figure wins (it is the
-- invoiced one); dexcost.profitability says which source it used.
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.revenue (
    customer_id text        NOT NULL,
    month       date        NOT NULL,
    amount_usd  numeric     NOT NULL,
    state       text        NOT NULL DEFAULT 'recognized',
    source      text        NOT NULL DEFAULT 'csv',
    loaded_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT revenue_pkey PRIMARY KEY (customer_id, month, source),
    CONSTRAINT revenue_customer_id_check CHECK (customer_id <> ''),
    CONSTRAINT revenue_month_check CHECK (EXTRACT(day FROM month) = 1),
    CONSTRAINT revenue_amount_usd_check
        CHECK (amount_usd >= 0 AND amount_usd < 1000000000000000 AND amount_usd <> 'NaN'::numeric),
    CONSTRAINT revenue_state_check CHECK (state IN ('recognized', 'deferred')),
    CONSTRAINT revenue_source_check CHECK (source <> '')
);
COMMENT ON TABLE @extschema@.revenue IS
  'Revenue per customer and month in USD, imported (COPY into dexcost.revenue_import, then dexcost.load_revenue(), or COPY straight into this table). Only recognized rows count in dexcost.profitability.';
COMMENT ON COLUMN @extschema@.revenue.customer_id IS 'Customer, as in dexcost.task.customer_id.';
COMMENT ON COLUMN @extschema@.revenue.month IS 'First day of the month the revenue is recognised in (workspace time zone).';
COMMENT ON COLUMN @extschema@.revenue.amount_usd IS 'Amount in USD (convert other currencies before loading).';
COMMENT ON COLUMN @extschema@.revenue.state IS 'recognized (counts) or deferred (billed, not yet earned: does not count).';
COMMENT ON COLUMN @extschema@.revenue.source IS 'Where it came from (csv, stripe, a file name ...): one row per customer, month and source; loading a line again replaces that row.';
COMMENT ON COLUMN @extschema@.revenue.loaded_at IS 'When it was loaded.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.revenue', '');

CREATE TABLE @extschema@.revenue_import (
    line        bigserial NOT NULL,
    customer_id text,
    month       text,
    amount_usd  text,
    state       text,
    CONSTRAINT revenue_import_pkey PRIMARY KEY (line)
);
COMMENT ON TABLE @extschema@.revenue_import IS
  'Staging table for revenue CSVs: \copy dexcost.revenue_import (customer_id, month, amount_usd, state) FROM ''revenue.csv'' CSV HEADER, then SELECT dexcost.load_revenue(''csv''). Every column is text so that a bad line is reported, not fatal.';
COMMENT ON COLUMN @extschema@.revenue_import.line IS 'Order of arrival (the CSV line number minus the header, for a fresh table).';
COMMENT ON COLUMN @extschema@.revenue_import.customer_id IS 'Customer id.';
COMMENT ON COLUMN @extschema@.revenue_import.month IS 'Month: 2026-05, 2026-05-01 or any date in the month.';
COMMENT ON COLUMN @extschema@.revenue_import.amount_usd IS 'Amount in USD, e.g. 1234.50.';
COMMENT ON COLUMN @extschema@.revenue_import.state IS 'recognized (default when empty) or deferred.';

CREATE FUNCTION @extschema@.load_revenue(source text DEFAULT 'csv') RETURNS jsonb
  LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    m date;
    amount numeric;
    st text;
    loaded bigint := 0;
    errors jsonb := '[]';
    -- The checked lines, in arrays: a temporary table per call grew the backend's memory
    -- (catalogue caches) on every refused load (scripts/memcheck.sh).
    customers text[] := '{}';
    months date[] := '{}';
    amounts numeric[] := '{}';
    states text[] := '{}';
BEGIN
    IF source = '' THEN
        RAISE EXCEPTION 'revenue source must not be empty'
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Name where the figures come from, e.g. csv or stripe.';
    END IF;
    FOR r IN SELECT i.* FROM @extschema@.revenue_import AS i ORDER BY i.line LOOP
        BEGIN
            IF COALESCE(pg_catalog.btrim(r.customer_id), '') = '' THEN
                RAISE EXCEPTION 'customer_id is empty';
            END IF;
            m := pg_catalog.date_trunc('month', (CASE WHEN r.month ~ '^\d{4}-\d{2}$' THEN r.month || '-01' ELSE r.month END)::date)::date;
            amount := pg_catalog.replace(pg_catalog.btrim(r.amount_usd), ',', '')::numeric;
            IF amount IS NULL OR amount < 0 OR amount = 'NaN'::numeric THEN
                RAISE EXCEPTION 'amount_usd "%" must be a number of at least 0', r.amount_usd;
            END IF;
            st := COALESCE(NULLIF(pg_catalog.lower(pg_catalog.btrim(r.state)), ''), 'recognized');
            IF st = 'recognised' THEN
                st := 'recognized';
            END IF;
            IF st NOT IN ('recognized', 'deferred') THEN
                RAISE EXCEPTION 'state "%" must be recognized or deferred', r.state;
            END IF;
            customers := customers || pg_catalog.btrim(r.customer_id);
            months := months || m;
            amounts := amounts || amount;
            states := states || st;
        EXCEPTION WHEN data_exception OR raise_exception THEN
            errors := errors || pg_catalog.jsonb_build_object('line', r.line, 'reason', SQLERRM);
        END;
    END LOOP;
    IF pg_catalog.jsonb_array_length(errors) > 0 THEN
        RAISE EXCEPTION 'revenue import refused: % bad line(s), nothing loaded', pg_catalog.jsonb_array_length(errors)
          USING ERRCODE = 'invalid_text_representation',
                DETAIL = errors::text,
                HINT = 'Fix the lines listed (line = dexcost.revenue_import.line) and run dexcost.load_revenue() again.';
    END IF;
    IF EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(customers), pg_catalog.unnest(months)) AS l(customer_id, month)
                GROUP BY l.customer_id, l.month HAVING pg_catalog.count(*) > 1) THEN
        RAISE EXCEPTION 'revenue import refused: a customer appears twice for the same month'
          USING ERRCODE = 'unique_violation',
                DETAIL = (SELECT pg_catalog.string_agg(pg_catalog.format('%s %s', customer_id, month), ', ')
                            FROM (SELECT l.customer_id, l.month
                                    FROM ROWS FROM (pg_catalog.unnest(customers), pg_catalog.unnest(months)) AS l(customer_id, month)
                                   GROUP BY 1, 2 HAVING pg_catalog.count(*) > 1) AS d),
                HINT = 'Add up the customer''s revenue of the month into one line.';
    END IF;
    INSERT INTO @extschema@.revenue AS v (customer_id, month, amount_usd, state, source)
    SELECT l.customer_id, l.month, l.amount_usd, l.state, load_revenue.source
      FROM ROWS FROM (pg_catalog.unnest(customers), pg_catalog.unnest(months), pg_catalog.unnest(amounts),
                      pg_catalog.unnest(states)) AS l(customer_id, month, amount_usd, state)
    ON CONFLICT ON CONSTRAINT revenue_pkey DO UPDATE
       SET amount_usd = excluded.amount_usd, state = excluded.state, loaded_at = pg_catalog.now();
    GET DIAGNOSTICS loaded = ROW_COUNT;
    DELETE FROM @extschema@.revenue_import;
    RETURN pg_catalog.jsonb_build_object('loaded', loaded, 'source', source);
END;
$$;
COMMENT ON FUNCTION @extschema@.load_revenue(text) IS
  'Moves the lines of dexcost.revenue_import into dexcost.revenue under the given source (a line replaces that source''s row for the same customer and month) and empties the staging table. All or nothing: a bad line refuses the load and lists every bad line.';

-- Recognised revenue per customer and month (workspace time zone), USD only.
CREATE VIEW @extschema@.revenue_monthly WITH (security_invoker = true) AS
WITH imported AS (
    SELECT v.customer_id, v.month, pg_catalog.sum(v.amount_usd) FILTER (WHERE v.state = 'recognized') AS amount_usd
      FROM @extschema@.revenue AS v
     GROUP BY v.customer_id, v.month
), sdk AS (
    SELECT c.customer_id,
           (pg_catalog.date_trunc('month', c.effective_at, @extschema@.timezone()) AT TIME ZONE @extschema@.timezone())::date AS month,
           pg_catalog.sum(c.amount) FILTER (WHERE c.currency = 'USD') AS amount_usd,
           pg_catalog.count(*) FILTER (WHERE c.currency <> 'USD') AS other_currency
      FROM @extschema@.revenue_current AS c
     WHERE c.recognized
     GROUP BY 1, 2
)
SELECT COALESCE(i.customer_id, s.customer_id) AS customer_id,
       COALESCE(i.month, s.month) AS month,
       CASE WHEN i.customer_id IS NOT NULL THEN COALESCE(i.amount_usd, 0) ELSE COALESCE(s.amount_usd, 0) END AS revenue_usd,
       CASE WHEN i.customer_id IS NOT NULL THEN 'import' ELSE 'sdk' END AS revenue_source,
       CASE WHEN i.customer_id IS NULL THEN COALESCE(s.other_currency, 0) ELSE 0 END AS non_usd_revenues
  FROM imported AS i
  FULL JOIN sdk AS s ON s.customer_id = i.customer_id AND s.month = i.month;
COMMENT ON VIEW @extschema@.revenue_monthly IS
  'Recognised revenue per customer and month (workspace time zone), in USD: imported revenue where there is any for that customer and month, else the SDK''s recognised revenue revisions.';
COMMENT ON COLUMN @extschema@.revenue_monthly.customer_id IS 'Customer.';
COMMENT ON COLUMN @extschema@.revenue_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN @extschema@.revenue_monthly.revenue_usd IS 'Recognised revenue in USD.';
COMMENT ON COLUMN @extschema@.revenue_monthly.revenue_source IS 'import (dexcost.revenue) or sdk (dexcost.revenue_current).';
COMMENT ON COLUMN @extschema@.revenue_monthly.non_usd_revenues IS 'Recognised SDK revenues in another currency, left out of revenue_usd (convert and import them).';

CREATE VIEW @extschema@.profitability WITH (security_invoker = true) AS
WITH cost AS (
    SELECT e.customer_id,
           (pg_catalog.date_trunc('month', e.occurred_at, @extschema@.timezone()) AT TIME ZONE @extschema@.timezone())::date AS month,
           pg_catalog.sum(e.cost_usd) AS cost_usd,
           pg_catalog.count(*) FILTER (WHERE e.cost_usd IS NULL) AS unpriced_events
      FROM @extschema@.cost_event AS e
     GROUP BY 1, 2
), joined AS (
    SELECT COALESCE(c.customer_id, r.customer_id) AS customer_id, COALESCE(c.month, r.month) AS month,
           r.revenue_usd, COALESCE(c.cost_usd, 0) AS cost_usd, r.revenue_source,
           COALESCE(c.unpriced_events, 0) AS unpriced_events, COALESCE(r.non_usd_revenues, 0) AS non_usd_revenues
      FROM cost AS c
      FULL JOIN @extschema@.revenue_monthly AS r ON r.customer_id = c.customer_id AND r.month = c.month
)
SELECT j.customer_id, j.month,
       pg_catalog.round(j.revenue_usd, 2) AS revenue_usd,
       pg_catalog.round(j.cost_usd, 6) AS ai_cost_usd,
       pg_catalog.round(j.revenue_usd - j.cost_usd, 6) AS margin_usd,
       pg_catalog.round(100 * (j.revenue_usd - j.cost_usd) / NULLIF(j.revenue_usd, 0), 2) AS margin_pct,
       CASE WHEN j.revenue_usd IS NULL THEN 'no revenue data'
            WHEN j.revenue_usd < j.cost_usd THEN 'losing money'
            WHEN j.revenue_usd = j.cost_usd THEN 'break-even'
            ELSE 'profitable' END AS status,
       j.revenue_source,
       j.unpriced_events,
       j.non_usd_revenues
  FROM joined AS j
 ORDER BY j.month DESC,
          CASE WHEN j.revenue_usd IS NULL THEN 1 WHEN j.revenue_usd < j.cost_usd THEN 0 ELSE 2 END,
          j.revenue_usd - j.cost_usd, j.cost_usd DESC, j.customer_id;
COMMENT ON VIEW @extschema@.profitability IS
  'Revenue, AI cost and margin per customer and month (workspace time zone); newest month first, customers losing money first within it. A customer with cost but no revenue data has status ''no revenue data'' and NULL revenue, margin and margin %, never a -100% margin.';
COMMENT ON COLUMN @extschema@.profitability.customer_id IS 'Customer.';
COMMENT ON COLUMN @extschema@.profitability.month IS 'First day of the month.';
COMMENT ON COLUMN @extschema@.profitability.revenue_usd IS 'Recognised revenue in USD (NULL: no revenue data for that customer and month).';
COMMENT ON COLUMN @extschema@.profitability.ai_cost_usd IS 'Known AI cost of the customer''s events in the month.';
COMMENT ON COLUMN @extschema@.profitability.margin_usd IS 'revenue_usd - ai_cost_usd (NULL without revenue data).';
COMMENT ON COLUMN @extschema@.profitability.margin_pct IS 'margin_usd as a percentage of revenue_usd (NULL without revenue data or with zero revenue).';
COMMENT ON COLUMN @extschema@.profitability.status IS 'losing money, break-even, profitable or no revenue data.';
COMMENT ON COLUMN @extschema@.profitability.revenue_source IS 'import or sdk (NULL without revenue data).';
COMMENT ON COLUMN @extschema@.profitability.unpriced_events IS 'Events whose cost is unknown: ai_cost_usd leaves them out (see dexcost.unpriced_spend).';
COMMENT ON COLUMN @extschema@.profitability.non_usd_revenues IS 'Recognised SDK revenues in another currency, left out of revenue_usd.';

------------------------------------------------------------------------------------------
-- Export: COPY (SELECT * FROM dexcost.export_events(from, to)) TO STDOUT WITH CSV HEADER
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.export_events(from_at timestamptz, to_at timestamptz)
  RETURNS SETOF @extschema@.cost_event
  LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
  SELECT @extschema@._check_range('from_at', export_events.from_at, 'to_at', export_events.to_at,
                                  'Give the range to export, such as ''2026-05-01'' and ''2026-06-01'' (to_at exclusive).');
  SELECT e.* FROM @extschema@.cost_event AS e
   WHERE e.occurred_at >= from_at AND e.occurred_at < to_at
   ORDER BY e.occurred_at, e.customer_id, e.event_id;
END;
COMMENT ON FUNCTION @extschema@.export_events(timestamptz, timestamptz) IS
  'Every cost event that occurred in [from_at, to_at), oldest first, with every column: COPY (SELECT * FROM dexcost.export_events(...)) TO STDOUT WITH CSV HEADER. Runs with the caller''s privileges (finance: use the column-list recipe in docs/revenue.md).';

CREATE FUNCTION @extschema@.export_tasks(from_at timestamptz, to_at timestamptz)
  RETURNS SETOF @extschema@.task
  LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
  SELECT @extschema@._check_range('from_at', export_tasks.from_at, 'to_at', export_tasks.to_at,
                                  'Give the range to export, such as ''2026-05-01'' and ''2026-06-01'' (to_at exclusive).');
  SELECT t.* FROM @extschema@.task AS t
   WHERE t.started_at >= from_at AND t.started_at < to_at
   ORDER BY t.started_at, t.customer_id, t.task_id;
END;
COMMENT ON FUNCTION @extschema@.export_tasks(timestamptz, timestamptz) IS
  'Every task that started in [from_at, to_at), oldest first, with every column (for COPY ... TO STDOUT WITH CSV HEADER).';

------------------------------------------------------------------------------------------
-- Privileges (docs/roles.md)
------------------------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION @extschema@.load_revenue(text), @extschema@.export_events(timestamptz, timestamptz),
    @extschema@.export_tasks(timestamptz, timestamptz) FROM PUBLIC;
GRANT SELECT ON @extschema@.revenue, @extschema@.revenue_monthly, @extschema@.profitability TO dexcost_finance;
GRANT INSERT, UPDATE, DELETE ON @extschema@.revenue TO dexcost_finance;
GRANT SELECT, INSERT, DELETE ON @extschema@.revenue_import TO dexcost_finance;
GRANT USAGE ON SEQUENCE @extschema@.revenue_import_line_seq TO dexcost_finance;
GRANT EXECUTE ON FUNCTION @extschema@.load_revenue(text) TO dexcost_finance;
GRANT EXECUTE ON FUNCTION @extschema@.export_events(timestamptz, timestamptz),
    @extschema@.export_tasks(timestamptz, timestamptz) TO dexcost_finops;
GRANT UPDATE ON @extschema@.revenue_import TO dexcost_admin;
