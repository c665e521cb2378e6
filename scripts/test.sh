#!/usr/bin/env bash
# `make test`: every test layer against a throwaway cluster this script starts and stops.
#
#   1. unit tests of src/core (GoogleTest via ctest, ASan + UBSan, -Werror)
#   2. build with -Werror and install the extension (PGXS)
#   3. pg_regress suites (test/sql -> expected/) and isolation specs (test/isolation)
#   4. pgTAP behaviour tests (test/pgtap, pg_prove), then one statement PDF read back (test/statement_pdf.sh)
#   5. the BI views through the PostgreSQL JDBC driver (test/bi_client.sh)
#   6. pg_dump / pg_restore round trip (test/dump_restore.sh)
#   7. upgrade from 0.1 with data vs a fresh install (test/upgrade.sh)
#   8. look-alike objects planted in public never run (test/script_security.sh)
#   9. the real pg_cron runs dexcost.run_checks() on its own cluster (scripts/cron_test.sh)
# Exits non-zero on the first failing layer, after printing what failed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

echo "== unit tests (src/core, ASan + UBSan)"
scripts/unit.sh

echo "== build and install"
make -s DEXCOST_WERROR=-Werror >/dev/null
make -s install >/dev/null

cluster=test
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT
scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
scripts/cluster.sh start "$cluster"
eval "$(scripts/cluster.sh env "$cluster")"

echo "== pg_regress and isolation"
rm -rf results/ output_iso/ regression.diffs regression.out
if ! make -s installcheck; then
  for f in regression.diffs output_iso/regression.diffs; do [ -f "$f" ] && cat "$f"; done
  exit 1
fi

echo "== pgTAP"
createdb dexcost_tap
psql -X -q -v ON_ERROR_STOP=1 -d dexcost_tap -c 'CREATE EXTENSION pgtap; CREATE EXTENSION dexcost CASCADE;'
pg_prove --ext .sql -d dexcost_tap test/pgtap/

echo "== statement PDF"
test/statement_pdf.sh

echo "== BI client (JDBC, as Metabase syncs)"
test/bi_client.sh

echo "== dump and restore"
test/dump_restore.sh

echo "== upgrade"
test/upgrade.sh

echo "== script security"
test/script_security.sh

echo "== pg_cron schedules run_checks"
scripts/cron_test.sh

echo "== all test layers passed"
