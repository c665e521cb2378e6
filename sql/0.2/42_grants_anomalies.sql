
------------------------------------------------------------------------------------------
-- Privileges of the anomaly objects, along the matrix of docs/roles.md: every reader sees
-- the anomalies found (cost insights); finops runs the detectors (they read the technical
-- daily_model), acknowledges and sets the output token budgets; admin runs the scheduled checks.
------------------------------------------------------------------------------------------

GRANT SELECT ON @extschema@.anomaly, dexcost_bi.open_anomalies, @extschema@.output_token_budget TO dexcost_viewer;
GRANT INSERT, UPDATE, DELETE ON @extschema@.output_token_budget TO dexcost_finops, dexcost_admin;
GRANT UPDATE ON @extschema@.anomaly TO dexcost_finops;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.anomaly TO dexcost_admin;
GRANT USAGE ON SEQUENCE @extschema@.anomaly_anomaly_id_seq TO dexcost_admin;
REVOKE EXECUTE ON FUNCTION
    @extschema@.anomalies_on_day(date, integer, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision),
    @extschema@.detect_anomalies(timestamptz, interval, double precision, double precision, double precision, numeric,
                                 double precision, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision),
    @extschema@.run_checks(timestamptz), @extschema@.acknowledge_anomaly(bigint, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.anomalies_on_day(date, integer, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision),
    @extschema@.detect_anomalies(timestamptz, interval, double precision, double precision, double precision, numeric,
                                 double precision, double precision, double precision, double precision, double precision,
                                 double precision, double precision, double precision),
    @extschema@.acknowledge_anomaly(bigint, text)
  TO dexcost_finops;
GRANT EXECUTE ON FUNCTION @extschema@.run_checks(timestamptz) TO dexcost_admin;
