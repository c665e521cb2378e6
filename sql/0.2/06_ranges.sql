------------------------------------------------------------------------------------------
-- Time ranges: the one check every function that takes a [from, to) range runs first
--
--   _check_range(lo_name, lo, hi_name, hi, hint, max_span)   timestamptz bounds
--   _check_range(lo_name, lo, hi_name, hi, hint, max_span)   date bounds (reconcile)
--
-- One instant is checked as [at, at] under one name (lo_name = hi_name): _check_range('as_of', t, 'as_of', t, ...).
-- Accepted: two finite instants from 4713-01-01 BC to 294276-01-01 (UTC), hi not before lo, and
-- (when the caller gives max_span) hi at most max_span after lo, counted in seconds with 365.25-day years
-- (100 years: 36,525 days, so every span of 100 calendar years passes). Refused: NULL (22004), infinite or
-- reversed bounds and too long a span (22023), bounds outside that range (22008). Each error
-- names the argument and its value and carries the caller's hint. docs/errors.md lists them.
------------------------------------------------------------------------------------------

-- Raises unless [lo, hi) is a range dexcost can answer; returns nothing.
CREATE FUNCTION @extschema@._check_range(lo_name text, lo timestamptz, hi_name text, hi timestamptz, hint text,
                                         max_span interval DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- one instant (as_of) is checked as the range [as_of, as_of] under a single name
    names text := CASE WHEN lo_name = hi_name THEN lo_name ELSE lo_name || ' and ' || hi_name END;
    bad_name text;
    bad_value timestamptz;
BEGIN
    IF lo IS NULL OR hi IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', names
          USING ERRCODE = 'null_value_not_allowed', HINT = hint;
    END IF;
    IF NOT pg_catalog.isfinite(lo) OR NOT pg_catalog.isfinite(hi) THEN
        RAISE EXCEPTION '% must be finite', names
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = pg_catalog.format('%s is "%s".', CASE WHEN pg_catalog.isfinite(lo) THEN hi_name ELSE lo_name END,
                                           CASE WHEN pg_catalog.isfinite(lo) THEN hi ELSE lo END),
                HINT = hint;
    END IF;
    -- Every bound, and a month or a week either side of it, stays a timestamp in any time zone.
    IF lo < timestamptz '4713-01-01 00:00:00+00 BC' OR lo >= timestamptz '294276-01-01 00:00:00+00' THEN
        bad_name := lo_name;
        bad_value := lo;
    ELSIF hi < timestamptz '4713-01-01 00:00:00+00 BC' OR hi > timestamptz '294276-01-01 00:00:00+00' THEN
        bad_name := hi_name;
        bad_value := hi;
    END IF;
    IF bad_name IS NOT NULL THEN
        RAISE EXCEPTION 'invalid % "%": it is outside the supported range', bad_name, bad_value
          USING ERRCODE = 'datetime_field_overflow',
                DETAIL = 'Bounds from 4713-01-01 BC to 294276-01-01 (UTC) can be used.',
                HINT = hint;
    END IF;
    IF hi < lo THEN
        RAISE EXCEPTION 'invalid range: % "%" is before % "%"', hi_name, hi, lo_name, lo
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = pg_catalog.format('%s is inclusive, %s exclusive: the range [%s, %s) must not be reversed.',
                                           lo_name, hi_name, lo_name, hi_name),
                HINT = hint;
    END IF;
    -- Compared in seconds (a year counts 365.25 days), never by adding: lo + max_span may leave the timestamps.
    IF max_span IS NOT NULL AND EXTRACT(epoch FROM hi - lo) > EXTRACT(epoch FROM max_span) THEN
        RAISE EXCEPTION 'invalid range: % "%" to % "%" is longer than %', lo_name, lo, hi_name, hi, max_span
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = pg_catalog.format('One call answers at most %s; split a longer range into several calls.', max_span),
                HINT = hint;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._check_range(text, timestamptz, text, timestamptz, text, interval) IS
  'Internal: raises unless [lo, hi) is a range dexcost answers: NULL bounds (22004); infinite bounds, hi before lo, or hi more than max_span after lo (22023); bounds outside 4713-01-01 BC .. 294276-01-01 UTC (22008). Errors name the argument and carry the caller''s hint.';

-- The same for date bounds read as UTC midnights (reconcile): dates beyond the range of timestamps
-- are refused before they are converted.
CREATE FUNCTION @extschema@._check_range(lo_name text, lo date, hi_name text, hi date, hint text,
                                         max_span interval DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad_name text;
    bad_value date;
BEGIN
    IF pg_catalog.isfinite(lo) AND (lo < date '4713-01-01 BC' OR lo >= date '294276-01-01') THEN
        bad_name := lo_name;
        bad_value := lo;
    ELSIF pg_catalog.isfinite(hi) AND (hi < date '4713-01-01 BC' OR hi > date '294276-01-01') THEN
        bad_name := hi_name;
        bad_value := hi;
    END IF;
    IF bad_name IS NOT NULL THEN
        RAISE EXCEPTION 'invalid % "%": it is outside the supported range', bad_name,
                        -- ISO text whatever DateStyle says (to_char would need a timestamp, which it is not)
                        pg_catalog.concat(pg_catalog.abs(EXTRACT(year FROM bad_value)), '-',
                                          pg_catalog.lpad(EXTRACT(month FROM bad_value)::text, 2, '0'), '-',
                                          pg_catalog.lpad(EXTRACT(day FROM bad_value)::text, 2, '0'),
                                          CASE WHEN EXTRACT(year FROM bad_value) < 0 THEN ' BC' END)
          USING ERRCODE = 'datetime_field_overflow',
                DETAIL = 'Dates from 4713-01-01 BC to 294276-01-01 can be used.', HINT = hint;
    END IF;
    PERFORM @extschema@._check_range(lo_name, lo::timestamp AT TIME ZONE 'UTC', hi_name, hi::timestamp AT TIME ZONE 'UTC',
                                     hint);
    -- The span on the dates themselves, so that the message shows the dates as given.
    IF max_span IS NOT NULL AND (hi - lo)::numeric * 86400 > EXTRACT(epoch FROM max_span) THEN
        RAISE EXCEPTION 'invalid range: % "%" to % "%" is longer than %',
                        lo_name, pg_catalog.to_char(lo, 'YYYY-MM-DD') || CASE WHEN lo < date '0001-01-01' THEN ' BC' ELSE '' END,
                        hi_name, pg_catalog.to_char(hi, 'YYYY-MM-DD') || CASE WHEN hi < date '0001-01-01' THEN ' BC' ELSE '' END,
                        max_span
          USING ERRCODE = 'invalid_parameter_value',
                DETAIL = pg_catalog.format('One call answers at most %s; split a longer range into several calls.', max_span),
                HINT = hint;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._check_range(text, date, text, date, text, interval) IS
  'Internal: as _check_range(text, timestamptz, ...) for date bounds taken as UTC midnights; dates outside 4713-01-01 BC .. 294276-01-01 raise 22008 before conversion.';
