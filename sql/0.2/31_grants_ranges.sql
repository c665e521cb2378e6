
------------------------------------------------------------------------------------------
-- Privileges of the range check (06_ranges.sql): it reads no data, and every role that calls a
-- range function (viewers and up; admin has it from 30_roles.sql) runs it with its own rights.
------------------------------------------------------------------------------------------

GRANT EXECUTE ON FUNCTION @extschema@._check_range(text, timestamptz, text, timestamptz, text, interval),
                          @extschema@._check_range(text, date, text, date, text, interval)
  TO dexcost_viewer;
