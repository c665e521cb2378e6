#!/usr/bin/env bash
# Upgrade path: dexcost 0.1 with data, then ALTER EXTENSION dexcost UPDATE, must keep every row
# and total, and end with the same catalogue as a fresh install of the default version.
#
#   1. database A: CREATE EXTENSION dexcost VERSION '0.1', the dump/restore data, a fingerprint,
#      ALTER EXTENSION dexcost UPDATE, the same fingerprint again: identical.
#   2. database B: a fresh CREATE EXTENSION dexcost (default version).
#   3. test/upgrade/catalogue.sql in both (functions, views, tables, columns, constraints,
#      indexes, types, grants, comments, initial privileges, membership): identical, or the
#      differing lines are printed and the test fails.
#   4. database C: 0.1, SELECT granted on every view to a BI role, update: the grants remain.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"

first=0.1
old=dexcost_upgrade_old
new=dexcost_upgrade_new
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "upgrade: $*" >&2; exit 1; }

dropdb --if-exists "$old" 2>/dev/null
dropdb --if-exists "$new" 2>/dev/null
createdb "$old"
createdb "$new"

psql_q -d "$old" -c "CREATE EXTENSION dexcost VERSION '$first' CASCADE" 2>/dev/null
[ "$(psql_q -d "$old" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'dexcost'")" = "$first" ] \
  || fail "could not install version $first"
psql_q -d "$old" -f test/dump_restore/data.sql >/dev/null
# The fingerprint of whole rows, limited to the columns the old version has: an update may add
# columns (NULL for old rows), which is no change to the data.
cols() { psql_q -d "$old" -At -c "SELECT string_agg('$2.' || quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                                   WHERE attrelid = 'dexcost.$1'::regclass AND attnum > 0 AND NOT attisdropped"; }
sed -e "s/string_agg(t::text,/string_agg(ROW($(cols task t))::text,/" \
    -e "s/string_agg(e::text,/string_agg(ROW($(cols cost_event e))::text,/" \
    test/dump_restore/fingerprint.sql > "$work/fingerprint.sql"
psql_q -d "$old" -At -f "$work/fingerprint.sql" > "$work/data_before"

psql_q -d "$old" -c 'ALTER EXTENSION dexcost UPDATE'
psql_q -d "$old" -At -f "$work/fingerprint.sql" > "$work/data_after"
if ! diff -u "$work/data_before" "$work/data_after"; then
  fail "ALTER EXTENSION UPDATE changed the data or the totals (diff above)"
fi
# The updated extension still records and rolls up new spend.
psql_q -d "$old" -c "INSERT INTO dexcost.cost_event (task_id, event_type, occurred_at, service_name, cost_usd)
                     VALUES ('d0000000-0000-0000-0000-000000000002', 'external_cost', '2026-11-12', 'tavily', 0.25)"
[ "$(psql_q -d "$old" -At -c 'SELECT count(*) FROM dexcost.rollup_check()')" = 0 ] \
  || fail "totals differ from the ledger after a new event in the updated database"

psql_q -d "$new" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql_q -d "$old" -At -f test/upgrade/catalogue.sql > "$work/catalogue_updated"
psql_q -d "$new" -At -f test/upgrade/catalogue.sql > "$work/catalogue_fresh"
[ -s "$work/catalogue_fresh" ] || fail "empty catalogue for the fresh install"

if ! diff -u --label "updated from $first" --label "fresh install" \
       "$work/catalogue_updated" "$work/catalogue_fresh" > "$work/catalogue.diff"; then
  echo "upgrade: catalogue of the updated extension differs from a fresh install:" >&2
  grep -E '^[-+][^-+]' "$work/catalogue.diff" >&2
  fail "$(grep -cE '^[-+][^-+]' "$work/catalogue.diff") differing catalogue lines"
fi

# 4. A BI role's grants on the released views survive the update (a DROP+CREATE would lose them).
#    In its own database: grant + revoke would leave explicit ACLs that a fresh install lacks.
grants=dexcost_upgrade_grants
bi=dexcost_upgrade_bi
dropdb --if-exists "$grants" 2>/dev/null
createdb "$grants"
psql_q -d "$grants" -c "CREATE EXTENSION dexcost VERSION '$first' CASCADE" 2>/dev/null
psql_q -d "$grants" -c "DROP ROLE IF EXISTS $bi" 2>/dev/null
psql_q -d "$grants" -c "CREATE ROLE $bi NOLOGIN"
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $bi" >/dev/null 2>&1 || true' EXIT
psql_q -d "$grants" -At -c "SELECT c.oid::regclass FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
                             WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
                               AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dexcost')
                               AND c.relkind IN ('v', 'm')" > "$work/views_before"
while read -r v; do psql_q -d "$grants" -c "GRANT SELECT ON $v TO $bi"; done < "$work/views_before"
psql_q -d "$grants" -c 'ALTER EXTENSION dexcost UPDATE'
lost=$(while read -r v; do
         psql_q -d "$grants" -At -c "SELECT '$v' WHERE to_regclass('$v') IS NULL
                                        OR NOT has_table_privilege('$bi', '$v', 'SELECT')"
       done < "$work/views_before")
[ -z "$lost" ] || fail "the update dropped the BI grants on: $lost (never DROP+CREATE a view in an update)"
dropdb "$grants"
psql_q -d postgres -c "DROP ROLE $bi"

version=$(psql_q -d "$new" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'dexcost'")
echo "upgrade: $first -> $version keeps $(wc -l < "$work/data_before") data facts and the grants on" \
     "$(wc -l < "$work/views_before") views; catalogue identical to a fresh install ($(wc -l < "$work/catalogue_fresh") facts)"
dropdb "$old"
dropdb "$new"
