-- dexcost 0.1 -> 0.2 (generated: `make` concatenates sql/0.2/*.sql in name order into
-- sql/dexcost--0.1--0.2.sql; edit the parts, never the generated file).
--
-- 0.1 is the released install script and stays as it landed. Every later object is added
-- here, so a fresh CREATE EXTENSION (0.1 script, then this one) and ALTER EXTENSION UPDATE
-- from 0.1 run the very same statements and end with the same catalogue. Rules for parts:
-- qualify every reference (@extschema@., pg_catalog.), never CREATE OR REPLACE or
-- IF NOT EXISTS on an object the extension may not own, never drop a view that BI tools
-- may have been granted (ALTER or CREATE OR REPLACE VIEW our own views instead).

\echo Use "ALTER EXTENSION dexcost UPDATE" (or CREATE EXTENSION dexcost CASCADE) to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;
