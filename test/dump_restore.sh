#!/usr/bin/env bash
# pg_dump of a database holding dexcost data, restored into a fresh database: every row
# comes back unchanged, seed rows are not doubled, and costs are not recomputed.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"

src=dexcost_dump_src
dst=dexcost_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

dropdb --if-exists "$src" 2>/dev/null
dropdb --if-exists "$dst" 2>/dev/null
createdb "$src"
psql_q -d "$src" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql_q -d "$src" -f test/dump_restore/data.sql >/dev/null
psql_q -d "$src" -At -f test/dump_restore/fingerprint.sql > "$work/before"

# pg_dump warns that task references itself (parent_task_id); the restore below proves it loads.
pg_dump -Fc -d "$src" -f "$work/dump" 2>"$work/pg_dump.log" || { cat "$work/pg_dump.log" >&2; exit 1; }
createdb "$dst"
pg_restore --exit-on-error -d "$dst" "$work/dump"
psql_q -d "$dst" -At -f test/dump_restore/fingerprint.sql > "$work/after"

if ! diff -u "$work/before" "$work/after"; then
  echo "dump/restore changed the data (diff above)" >&2
  exit 1
fi
# The restored catalogue still accepts new prices (sequence and triggers intact).
psql_q -d "$dst" -c "INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
                     VALUES ('acme', 'acme-finetune-v3', 'cache_read', 1.00, 'after restore')"
echo "dump/restore: $(wc -l < "$work/before") facts identical after restore"
cat "$work/before"
dropdb "$src"
dropdb "$dst"
