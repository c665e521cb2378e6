-- Every function that takes a time range refuses the ranges it cannot answer, through the one
-- shared check dexcost._check_range: NULL (22004), infinite, reversed or too long (22023), outside
-- the range of timestamps (22008); nothing is written when it refuses. The accepted boundaries
-- answer. Run as the roles that may call each function.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\set VERBOSITY default
\set SHOW_CONTEXT never
SET IntervalStyle = 'postgres';
CREATE ROLE ranges_fin LOGIN IN ROLE dexcost_finops;
CREATE ROLE ranges_admin LOGIN IN ROLE dexcost_admin;
CREATE ROLE ranges_writer LOGIN IN ROLE dexcost_writer;
INSERT INTO dexcost.budget (scope, scope_id, period, limit_usd, thresholds, name)
  VALUES ('customer', 'acme', 'month', 100, '{0.5}', 'ranges acme monthly');
-- Reports each call's outcome as its SQLSTATE, or ok.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

SET ROLE ranges_fin;
-- reconcile: the colleague's disk-filling call and its neighbours
SELECT * FROM dexcost.reconcile('openai', '-infinity', 'infinity');
SELECT * FROM dexcost.reconcile('openai', '2026-01-01', 'infinity');
SELECT * FROM dexcost.reconcile('openai', '2026-01-01', '5874000-01-01');
SELECT * FROM dexcost.reconcile('openai', '4714-12-01 BC', '4713-06-01 BC');
SELECT * FROM dexcost.reconcile('openai', '0001-01-01', '9999-01-01', 'day');
SELECT * FROM dexcost.reconcile('openai', '2026-02-01', '2026-01-01');
SELECT * FROM dexcost.reconcile('openai', NULL, '2026-01-01');
-- its internals are callable by finops: they refuse too, before listing any period
SELECT dexcost._daily_is_exact('openai', '-infinity', 'infinity', 'day');
SELECT count(*) FROM dexcost._tracked_usage('openai', '2026-01-01', 'infinity', 'day', false);
SELECT dexcost._daily_is_exact('openai', '1900-01-01', '2026-01-01', 'day');
-- accepted: a whole year by day, exactly 100 years, and the two ends of the supported range
SELECT count(*) FROM dexcost.reconcile('openai', '2025-01-01', '2026-01-01', 'day');
SELECT count(*) FROM dexcost.reconcile('openai', '1950-01-01', '2050-01-01', 'day');
SELECT count(*) FROM dexcost.reconcile('openai', '4713-01-01 BC', '4712-01-01 BC', 'week');
SELECT count(*) FROM dexcost.reconcile('openai', '294176-01-01', '294276-01-01', 'month');
SELECT count(*) FROM dexcost.reconcile('openai', '1925-12-31', '2026-01-01', 'day');  -- 36,526 days: one too many

-- detect_retries, backfill_retries, retry_summary
SELECT * FROM dexcost.detect_retries(NULL, '2026-01-01');
SELECT * FROM dexcost.detect_retries('-infinity', 'infinity');
SELECT * FROM dexcost.detect_retries('2026-02-01', '2026-01-01');
SELECT * FROM dexcost.detect_retries('4714-11-24 00:00:00+00 BC', '2026-01-01');
SELECT * FROM dexcost.detect_retries('2026-01-01', '2026-01-02', interval '2000000000 days');
SELECT * FROM dexcost.detect_retries('2026-01-01', '2026-01-02', interval '-2000000000 days');
SELECT * FROM dexcost.detect_retries('2026-01-01', '2026-01-02', interval '24 hours 1 second');
SELECT dexcost.backfill_retries('2026-01-01', 'infinity');
SELECT dexcost.backfill_retries('2026-02-01', '2026-01-01');
SELECT * FROM dexcost.retry_summary(NULL, NULL);
SELECT * FROM dexcost.retry_summary('2026-01-01', 'infinity');
SELECT * FROM dexcost.retry_summary('2026-02-01', '2026-01-01');
-- accepted: an empty range, the widest range, the longest window
SELECT count(*) FROM dexcost.detect_retries('2026-01-01', '2026-01-01');
SELECT count(*) FROM dexcost.detect_retries('4713-01-01 00:00:00+00 BC', '294276-01-01 00:00:00+00', interval '24 hours');
SELECT dexcost.backfill_retries('2000-01-01', '2100-01-01');
SELECT count(*) FROM dexcost.retry_summary('4713-01-01 00:00:00+00 BC', '294276-01-01 00:00:00+00');

-- export_events, export_tasks (they were STRICT: NULL gave an empty export)
SELECT count(*) FROM dexcost.export_events(NULL, '2026-01-01');
SELECT count(*) FROM dexcost.export_events('-infinity', 'infinity');
SELECT count(*) FROM dexcost.export_events('2026-02-01', '2026-01-01');
SELECT count(*) FROM dexcost.export_tasks('2026-01-01', NULL);
SELECT count(*) FROM dexcost.export_tasks('2026-01-01', '294276-01-01 00:00:01+00');
SELECT count(*) FROM dexcost.export_tasks('2026-02-01', '2026-01-01');
SELECT count(*) FROM dexcost.export_events('4713-01-01 00:00:00+00 BC', '294276-01-01 00:00:00+00');
SELECT count(*) FROM dexcost.export_tasks('2026-01-01', '2026-01-01');

-- detect_anomalies: as_of (the lookback is bounded to 7 .. 366 days by anomalies_on_day)
SELECT count(*) FROM dexcost.detect_anomalies(NULL);
SELECT count(*) FROM dexcost.detect_anomalies('infinity');
SELECT count(*) FROM dexcost.detect_anomalies('4714-11-24 00:00:00+00 BC');
SELECT count(*) FROM dexcost.detect_anomalies('2026-09-15', interval '100000 years');
SELECT count(*) FROM dexcost.detect_anomalies('4713-01-01 00:00:00+00 BC', interval '366 days');
SELECT count(*) FROM dexcost.detect_anomalies('294275-12-31 23:59:59+00', interval '366 days');

-- run_checks (admin): refused before it stores or notifies anything
SET ROLE ranges_admin;
SELECT * FROM dexcost.run_checks(NULL);
SELECT * FROM dexcost.run_checks('-infinity');
SELECT * FROM dexcost.run_checks('294276-01-01 00:00:00+00');
SELECT status, checked_day FROM dexcost.run_checks('2026-09-15 12:00:00+00');

-- reserve_budget ttl and settle_budget hold (writer): at most 1 day
SET ROLE ranges_writer;
SELECT allowed FROM dexcost.reserve_budget('customer', 'acme', 1, interval '1000000 years');
SELECT allowed FROM dexcost.reserve_budget('customer', 'acme', 1, interval '1 day 1 second');
SELECT pg_temp.try($$SELECT dexcost.settle_budget(gen_random_uuid(), 1, interval '1000000 years')$$) AS hold_huge,
       pg_temp.try($$SELECT dexcost.reserve_budget('customer', 'acme', 1, interval '1 day')$$) AS ttl_one_day,
       pg_temp.try($$SELECT dexcost.settle_budget(gen_random_uuid(), 1, interval '1 day')$$) AS hold_one_day;
RESET ROLE;

-- nothing was written by the refused calls: the runs are the accepted ones, no anomaly, one reservation
SELECT provider, period_start, period_end, granularity, status FROM dexcost.reconcile_run ORDER BY run_id;
SELECT count(*) AS anomalies FROM dexcost.anomaly;
SELECT count(*) AS reservations FROM dexcost.budget_reservation;

-- the check itself: one instant, and the date overload's own limits
SELECT dexcost._check_range('at', '2026-01-01'::timestamptz, 'at', '2026-01-01'::timestamptz, 'hint');
SELECT dexcost._check_range('at', NULL::timestamptz, 'at', NULL::timestamptz, 'hint');
SELECT dexcost._check_range('start_date', '2026-01-01'::date, 'end_date', '294276-01-02'::date, 'hint');
SELECT dexcost._check_range('start_date', '2026-01-01'::date, 'end_date', '2027-01-01'::date, 'hint', interval '1 year');
SELECT dexcost._check_range('start_date', '2026-01-01'::date, 'end_date', '2027-01-02'::date, 'hint', interval '1 year');

-- Leave the shared regression database as we found it.
DELETE FROM dexcost.reconcile_run;
SELECT setval('dexcost.reconcile_run_run_id_seq', COALESCE(max(run_id), 0) + 1, false) AS next_run_id FROM dexcost.reconcile_run;
DELETE FROM dexcost.budget_reservation;
DELETE FROM dexcost.budget WHERE name = 'ranges acme monthly';
SELECT setval('dexcost.budget_budget_id_seq', COALESCE(max(budget_id), 0) + 1, false) AS next_budget_id FROM dexcost.budget;
DROP ROLE ranges_fin, ranges_admin, ranges_writer;
