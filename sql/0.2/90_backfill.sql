------------------------------------------------------------------------------------------
-- Last step of the update: derive the 0.2 pre-aggregates from the ledger an installation
-- of 0.1 already holds (on a new installation there is nothing to derive).
------------------------------------------------------------------------------------------
SELECT @extschema@.rebuild_daily();
