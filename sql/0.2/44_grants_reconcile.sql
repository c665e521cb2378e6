
------------------------------------------------------------------------------------------
-- Privileges of invoices, reconciliation and statements, along the matrix of docs/roles.md:
-- finance reads invoices, reconciliations and statements and records statement
-- adjustments; finops imports invoices, maps provider names and runs reconcile.
------------------------------------------------------------------------------------------

GRANT SELECT ON @extschema@.invoice_alias, @extschema@.invoice_import, @extschema@.invoice_import_error,
                @extschema@.invoice_line, @extschema@.reconcile_run, @extschema@.reconcile_result,
                @extschema@.reconciliation_latest
  TO dexcost_finance;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.statement_adjustment TO dexcost_finance;
GRANT USAGE ON SEQUENCE @extschema@.statement_adjustment_adjustment_id_seq TO dexcost_finance;
GRANT INSERT, UPDATE, DELETE ON @extschema@.invoice_alias, @extschema@.invoice_import, @extschema@.invoice_import_error,
                                @extschema@.invoice_line, @extschema@.reconcile_run, @extschema@.reconcile_result
  TO dexcost_finops;
GRANT USAGE ON SEQUENCE @extschema@.invoice_import_import_id_seq, @extschema@.reconcile_run_run_id_seq TO dexcost_finops;

REVOKE EXECUTE ON FUNCTION @extschema@._tracked_usage(text, timestamptz, timestamptz, text, boolean),
                           @extschema@._daily_is_exact(text, timestamptz, timestamptz, text),
                           @extschema@._load_invoice(bigint, text, text, text, text),
                           @extschema@.import_invoice(text, text, text, text, boolean),
                           @extschema@.reconcile(text, date, date, text, numeric),
                           @extschema@.statement(text, date), @extschema@.statement_detail(text, date),
                           @extschema@.statement_html(text, date)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.statement(text, date), @extschema@.statement_detail(text, date),
                          @extschema@.statement_html(text, date)
  TO dexcost_finance;
GRANT EXECUTE ON FUNCTION @extschema@._tracked_usage(text, timestamptz, timestamptz, text, boolean),
                          @extschema@._daily_is_exact(text, timestamptz, timestamptz, text),
                          @extschema@._load_invoice(bigint, text, text, text, text),
                          @extschema@.import_invoice(text, text, text, text, boolean),
                          @extschema@.reconcile(text, date, date, text, numeric)
  TO dexcost_finops;
