#!/usr/bin/env bash
# The BI views as a real client sees them: a database with the extension and the demo data,
# a login that holds dexcost_finops (it may read every dexcost_bi view), and BiSync.java run
# with the PostgreSQL JDBC driver from Debian over TCP (127.0.0.1), as Metabase connects.
# Runs against the cluster in PGHOST/PGPORT (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGPORT:?run from scripts/test.sh, or export PGHOST and PGPORT of a test cluster}"
db=dexcost_bi_client
jar=/usr/share/java/postgresql.jar
dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f scripts/demo/data.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT dexcost.fold_daily()" >/dev/null
psql -X -q -d "$db" -c "DROP ROLE IF EXISTS dexcost_bi_client" 2>/dev/null || true
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE ROLE dexcost_bi_client LOGIN IN ROLE dexcost_finops"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1; psql -X -q -d postgres -c "DROP ROLE IF EXISTS dexcost_bi_client" >/dev/null 2>&1 || true' EXIT
java -cp "$jar" test/bi_client/BiSync.java "jdbc:postgresql://127.0.0.1:$PGPORT/$db" dexcost_bi_client
