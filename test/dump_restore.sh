#!/usr/bin/env bash
# pg_dump of a database holding dexcost data, restored into a fresh database: every row
# comes back unchanged, seed rows are not doubled, and costs are not recomputed. Per-customer
# isolation comes back too: the same RLS flags and policies, and a tenant login limited to one
# customer still sees only that customer (plain restore, and --no-owner).
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"

src=dexcost_dump_src
dst=dexcost_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

tenant=dexcost_dump_tenant
dropdb --if-exists "$src" 2>/dev/null
dropdb --if-exists "$dst" 2>/dev/null
dropdb --if-exists "${dst}_noowner" 2>/dev/null
createdb "$src"
psql_q -d "$src" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql_q -d "$src" -c "DROP ROLE IF EXISTS $tenant" 2>/dev/null
psql_q -d "$src" -c "CREATE ROLE $tenant LOGIN IN ROLE dexcost_viewer"
psql_q -d "$src" -f test/dump_restore/data.sql >/dev/null
psql_q -d "$src" -f test/dump_restore/isolation.sql >/dev/null
psql_q -d "$src" -At -f test/dump_restore/fingerprint.sql > "$work/before"
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
psql_q -d "$dst" -At -f test/dump_restore/fingerprint.sql > "$work/after"

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
# The restored catalogue still accepts new prices (sequence and triggers intact).
psql_q -d "$dst" -c "INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
                     VALUES ('acme', 'acme-finetune-v3', 'cache_read', 1.00, 'after restore')"
echo "dump/restore: $(wc -l < "$work/before") facts identical after restore"
cat "$work/before"
echo "dump/restore: isolation identical after restore ($(grep -c '^policy' "$work/rls_before") policies), tenant still limited:"
cat "$work/tenant_$dst"
dropdb "$src"
dropdb "$dst"
dropdb "${dst}_noowner"
psql_q -d postgres -c "DROP ROLE $tenant"
