#!/usr/bin/env bash
# pg_dump of a database holding dexcost data, restored into a fresh database: every row
# comes back unchanged, seed rows are not doubled, and costs are not recomputed. Per-customer
# isolation comes back too: the same RLS flags and policies, and a tenant login limited to one
# customer still sees only that customer (plain restore, and --no-owner).
# Parallel restore (directory format, pg_restore -j 2): a plain one is refused for every dexcost
# table before a row is written (nothing half restored), the one-transaction load the error's
# hint names then completes it, and the three-step procedure of docs/roles.md gives the same
# database as the source.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"

src=dexcost_dump_src
dst=dexcost_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# The facts compared: those of 0.1 (fingerprint.sql, shared with test/upgrade.sh), then 0.2's.
cat test/dump_restore/fingerprint.sql test/dump_restore/fingerprint_02.sql > "$work/fingerprint.sql"

tenant=dexcost_dump_tenant
dropdb --if-exists "$src" 2>/dev/null
dropdb --if-exists "$dst" 2>/dev/null
dropdb --if-exists "${dst}_noowner" 2>/dev/null
dropdb --if-exists "${dst}_j2" 2>/dev/null
dropdb --if-exists "${dst}_j2plain" 2>/dev/null
dropdb --if-exists "${dst}_fresh" 2>/dev/null
createdb "$src"
psql_q -d "$src" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql_q -d "$src" -c "DROP ROLE IF EXISTS $tenant" 2>/dev/null
psql_q -d "$src" -c "CREATE ROLE $tenant LOGIN IN ROLE dexcost_viewer"
psql_q -d "$src" -f test/dump_restore/data.sql >/dev/null
psql_q -d "$src" -f test/dump_restore/isolation.sql >/dev/null
psql_q -d "$src" -f test/dump_restore/extras.sql >/dev/null
psql_q -d "$src" -At -f "$work/fingerprint.sql" > "$work/before"
psql_q -d "$src" -At -f test/dump_restore/isolation_catalog.sql > "$work/rls_before"

# What the tenant login must see, in the original and in every restored copy.
cat > "$work/tenant_expected" <<'EOT'
tenant cost_event|{iso-a}|1
tenant task|{iso-a}|1
tenant bi customer_daily|{iso-a}|1.250000
EOT
check_tenant() {
  psql_q -U "$tenant" -d "$1" -At -f test/dump_restore/isolation_tenant.sql > "$work/tenant_$1"
  if ! diff -u "$work/tenant_expected" "$work/tenant_$1"; then
    echo "$2: tenant login $tenant is not limited to its customer (diff above)" >&2
    exit 1
  fi
}
check_tenant "$src" "before the dump"

# pg_dump warns that task references itself (parent_task_id); the restore below proves it loads.
pg_dump -Fc -d "$src" -f "$work/dump" 2>"$work/pg_dump.log" || { cat "$work/pg_dump.log" >&2; exit 1; }
createdb "$dst"
pg_restore --exit-on-error -d "$dst" "$work/dump"
psql_q -d "$dst" -At -f "$work/fingerprint.sql" > "$work/after"

if ! diff -u "$work/before" "$work/after"; then
  echo "dump/restore changed the data (diff above)" >&2
  exit 1
fi
# Isolation: same flags and policies, same view for the tenant; also with --no-owner.
createdb "${dst}_noowner"
pg_restore --exit-on-error --no-owner -d "${dst}_noowner" "$work/dump"
for db in "$dst" "${dst}_noowner"; do
  psql_q -d "$db" -At -f test/dump_restore/isolation_catalog.sql > "$work/rls_$db"
  if ! diff -u "$work/rls_before" "$work/rls_$db"; then
    echo "restore into $db lost per-customer isolation: RLS flags or policies differ (diff above)" >&2
    exit 1
  fi
  check_tenant "$db" "after restore into $db"
done
# Parallel restore from a directory-format dump.
check_restored() {
  psql_q -d "$1" -At -f "$work/fingerprint.sql" > "$work/after_$1"
  if ! diff -u "$work/before" "$work/after_$1"; then
    echo "$2 changed the data (diff above)" >&2
    exit 1
  fi
  psql_q -d "$1" -At -f test/dump_restore/isolation_catalog.sql > "$work/rls_$1"
  if ! diff -u "$work/rls_before" "$work/rls_$1"; then
    echo "$2 lost per-customer isolation: RLS flags or policies differ (diff above)" >&2
    exit 1
  fi
  check_tenant "$1" "after $2"
}
pg_dump -Fd -d "$src" -f "$work/dir" 2>"$work/pg_dump_dir.log" || { cat "$work/pg_dump_dir.log" >&2; exit 1; }
# A plain pg_restore -j 2 must fail with dexcost's error, and leave every dexcost table as a
# fresh CREATE EXTENSION has it (seed rows only): no table restored while another failed.
createdb "${dst}_fresh"
psql_q -d "${dst}_fresh" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql_q -d "${dst}_fresh" -At -f "$work/fingerprint.sql" | grep -E '^(dumped table|tasks|events)' > "$work/fresh"
createdb "${dst}_j2plain"
if pg_restore -j 2 -d "${dst}_j2plain" "$work/dir" > "$work/j2plain.log" 2>&1; then
  echo "plain pg_restore -j 2 succeeded: dexcost's restore guard did not refuse it" >&2
  exit 1
fi
refused=$(grep -c 'ERROR:  pg_restore cannot load dexcost\.' "$work/j2plain.log" || true)
if [ "$refused" -eq 0 ] || grep -v -e 'pg_restore cannot load dexcost\.' "$work/j2plain.log" | grep -q 'ERROR:'; then
  cat "$work/j2plain.log" >&2
  echo "plain pg_restore -j 2 failed, but not (only) with dexcost's refusal (log above)" >&2
  exit 1
fi
psql_q -d "${dst}_j2plain" -At -f "$work/fingerprint.sql" | grep -E '^(dumped table|tasks|events)' > "$work/refused"
if ! diff -u "$work/fresh" "$work/refused"; then
  echo "plain pg_restore -j 2 left dexcost's tables half restored (diff against a fresh install above)" >&2
  exit 1
fi
# The error's hint completes that database.
pg_restore --exit-on-error --section=data --schema=dexcost --single-transaction -d "${dst}_j2plain" "$work/dir"
check_restored "${dst}_j2plain" "pg_restore -j 2 refused, then the hinted one-transaction load"
# The procedure of docs/roles.md: pre-data, dexcost's rows in one transaction, the rest with -j 2.
createdb "${dst}_j2"
pg_restore --exit-on-error --section=pre-data -d "${dst}_j2" "$work/dir"
pg_restore --exit-on-error --section=data --schema=dexcost --single-transaction -d "${dst}_j2" "$work/dir"
pg_restore --exit-on-error -j 2 --section=data --section=post-data --exclude-schema=dexcost -d "${dst}_j2" "$work/dir"
check_restored "${dst}_j2" "parallel restore (pg_restore -j 2, docs/roles.md procedure)"

# The restored catalogue still accepts new prices (sequence and triggers intact).
psql_q -d "$dst" -c "INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
                     VALUES ('acme', 'acme-finetune-v3', 'cache_read', 1.00, 'after restore')"
echo "dump/restore: $(wc -l < "$work/before") facts identical after restore"
cat "$work/before"
echo "dump/restore: isolation identical after restore ($(grep -c '^policy' "$work/rls_before") policies), tenant still limited:"
cat "$work/tenant_$dst"
echo "dump/restore: plain pg_restore -j 2 refused for $refused dexcost tables, nothing half restored; hinted load and the -j 2 procedure identical"
for db in "$src" "$dst" "${dst}_noowner" "${dst}_j2" "${dst}_j2plain" "${dst}_fresh"; do dropdb "$db"; done
psql_q -d postgres -c "DROP ROLE $tenant"
