#!/usr/bin/env bash
# Script security: look-alike objects planted in public by an unprivileged role never run, neither
# during CREATE EXTENSION nor when another ordinary role calls the extension's functions.
#
#   1. static: every SECURITY DEFINER function pins search_path; every LANGUAGE sql/plpgsql function
#      either pins it or has a body parsed at creation (BEGIN ATOMIC / RETURN); the 0.2 parts use
#      no CREATE OR REPLACE on functions and no IF NOT EXISTS.
#   2. a planter role creates, in public, exact copies (and varchar variants) of every pg_catalog
#      function the extension's scripts and C sources name, aggregates and ~200 operators, each
#      recording its calls (test/script_security/plant.sql).
#   3. the superuser runs CREATE EXTENSION with search_path = public, pg_catalog.
#   4. a caller role (ordinary, granted the extension's tables and functions) with the same
#      search_path writes through every trigger (dml.sql) and calls every function and aggregate
#      of the extension with typed sample arguments (calls.sql generates them from pg_proc).
#   5. no planted object ran (a non-transactional counter, so errors cannot hide a call).
#   6. canary: an unqualified lower() in a function added to the extension DOES trip the counter,
#      so the test can fail.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"

db=dexcost_security
planter=dexcost_sec_planter
caller=dexcost_sec_caller
work=$(mktemp -d)
fail() { echo "script security: $*" >&2; exit 1; }
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
  rm -rf "$work"
  dropdb --if-exists "$db" >/dev/null 2>&1 || true
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $planter" -c "DROP ROLE IF EXISTS $caller" >/dev/null 2>&1 || true
}
trap cleanup EXIT
[ -n "${DEXCOST_KEEP:-}" ] && trap - EXIT
cleanup
work=$(mktemp -d)

# 1. static checks of the installed catalogue come after the install; the parts' text first.
bad=$(grep -nE '^[^-]*(CREATE OR REPLACE (FUNCTION|PROCEDURE|AGGREGATE)|(CREATE|ADD)[^;]*IF NOT EXISTS)' sql/0.2/*.sql || true)
[ -z "$bad" ] || fail "sql/0.2 parts must not use CREATE OR REPLACE on functions or IF NOT EXISTS:
$bad"

createdb "$db"
psql -X -q -d "$db" -c "CREATE ROLE $planter LOGIN" -c "CREATE ROLE $caller LOGIN" \
     -c "GRANT CREATE ON SCHEMA public TO $planter"

# 2. the look-alikes: names the extension's code calls, plus common ones.
names=$( { cat sql/dexcost--*.sql sql/0.2/*.sql src/pg_*.cpp; \
           echo 'lower( upper( now( gen_random_uuid( length( btrim( concat( format( nullif( abs( round( sum( max( min( count( string_agg( array_agg( jsonb_build_object( to_jsonb( jsonb_typeof( date_trunc( timezone( md5( nextval( unnest( coalesce( greatest( least(' ; } |
         grep -oE '\b[a-z_][a-z0-9_]*[[:space:]]*\(' | tr -d '( \t' | sort -u | tr '\n' ' ')
psql -X -q -v ON_ERROR_STOP=1 -U "$planter" -d "$db" -v names="$names" -At \
     -f test/script_security/plant.sql > "$work/planted" 2>"$work/plant.log" || { cat "$work/plant.log" >&2; exit 1; }
planted=$(psql_su -At -c "SELECT count(*) FROM public.planted_objects")
[ "$planted" -gt 100 ] || fail "only $planted objects planted (see $work/plant.log)"

# 3. install with public first in search_path.
PGOPTIONS='-c search_path=public,pg_catalog' psql_su -c 'CREATE EXTENSION dexcost CASCADE' 2>"$work/install.log" \
  || { cat "$work/install.log" >&2; exit 1; }
hits() { psql_su -At -c "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.planted_hits"; }
[ "$(hits)" = 0 ] || { grep 'planted object ran' "$work/install.log" | sort | uniq -c >&2; fail "CREATE EXTENSION ran planted objects"; }

static=$(psql_su -At <<'SQL'
SET search_path = pg_catalog, pg_temp;
SELECT format('%s: %s', p.oid::regprocedure,
              CASE WHEN p.prosecdef THEN 'SECURITY DEFINER without SET search_path = pg_catalog, pg_temp'
                   ELSE 'sql/plpgsql function without SET search_path and without a body parsed at creation' END)
  FROM pg_depend AS d JOIN pg_proc AS p ON p.oid = d.objid JOIN pg_language AS l ON l.oid = p.prolang
 WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dexcost')
   AND CASE WHEN p.prosecdef THEN p.proconfig IS NULL OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)
            ELSE l.lanname IN ('sql', 'plpgsql') AND p.prosqlbody IS NULL
                 AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'search\_path=%') END
 ORDER BY 1;
SQL
)
[ -z "$static" ] || fail "functions that resolve names at run time with the caller's search_path:
$static"

# 4. an ordinary caller with every grant on the extension's objects, public first in its search_path.
psql_su -c "GRANT USAGE ON SCHEMA dexcost TO $caller" \
        -c "GRANT ALL ON ALL TABLES IN SCHEMA dexcost TO $caller" \
        -c "GRANT ALL ON ALL SEQUENCES IN SCHEMA dexcost TO $caller" \
        -c "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA dexcost TO $caller"
psql_su -At -f test/script_security/calls.sql > "$work/calls.sql"
as_caller() {
  PGOPTIONS='-c search_path=public,pg_catalog' psql -X -q -U "$caller" -d "$db" \
    -v SHOW_CONTEXT=always -v payload="$(cat test/script_security/payload.json)" "$@"
}
as_caller -f test/script_security/dml.sql > "$work/dml.out" 2>&1 || true
dml_errors=$(grep -c 'ERROR' "$work/dml.out" || true)
as_caller -f "$work/calls.sql" > "$work/calls.out" 2>&1 || true
ncalls=$(grep -c '^SELECT' "$work/calls.sql")
call_errors=$(grep -c 'ERROR' "$work/calls.out" || true)
skipped=$(grep '^-- skipped' "$work/calls.sql" | sed 's/^-- skipped: /  /')

# 5. nothing planted ran.
n=$(hits)
if [ "$n" != 0 ]; then
  echo "script security: $n calls of planted objects:" >&2
  cat "$work/dml.out" "$work/calls.out" | grep -o 'planted object ran: .*' | sort | uniq -c >&2
  echo "where (first statement of each distinct context):" >&2
  cat "$work/dml.out" "$work/calls.out" | grep -A12 'planted object ran' | grep -E '^(CONTEXT|SQL statement|PL/pgSQL)' \
    | grep -v -E "planted_record|planted_op_|planted_sfunc_" | cut -c1-300 | sort | uniq -c | sort -rn | head -20 >&2
  fail "the extension resolved names through the caller's search_path"
fi

# 6. canary: the same setup catches an unqualified call.
psql_su -c "CREATE FUNCTION dexcost.security_canary() RETURNS text LANGUAGE plpgsql AS
              'BEGIN RETURN lower(''X''); END'" \
        -c "GRANT EXECUTE ON FUNCTION dexcost.security_canary() TO $caller"
as_caller -c 'SELECT dexcost.security_canary()' >/dev/null 2>&1
[ "$(hits)" != 0 ] || fail "the canary's unqualified lower() did not reach the planted public.lower: the test is blind"

echo "script security: $planted planted look-alikes ($(sed 's/|/ /' "$work/planted" | paste -sd, -)), 0 ran during CREATE EXTENSION," \
     "DML through every trigger ($dml_errors errors) and $ncalls function calls ($call_errors raised errors);" \
     "the canary's unqualified lower() was caught"
if [ -n "$skipped" ]; then echo "script security: not called directly:"; echo "$skipped"; fi
