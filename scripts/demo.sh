#!/usr/bin/env bash
# make demo: a first look at dexcost.
#
# Installs missing build packages, builds and installs dexcost, starts a throwaway PostgreSQL 15
# cluster named "demo" (scripts/cluster.sh), creates the database dexcost_demo with a month of
# sample data (scripts/demo/data.sql) and prints the dashboards (scripts/demo/dashboard.sql).
# Safe to re-run: the database is dropped and loaded again. `make stop` removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

db=dexcost_demo
psql_bin=$(pg_config --bindir)/psql

step() { printf '\n==> %s\n' "$*"; }
trap 'echo "dexcost demo: failed (see the messages above)" >&2' ERR

step "Checking build dependencies"
scripts/deps.sh

step "Building and installing dexcost"
make -s
if [ -w "$(pg_config --pkglibdir)" ] && [ -w "$(pg_config --sharedir)/extension" ]; then
  make -s install
else
  sudo make -s install
fi

step "Starting the demo cluster"
scripts/cluster.sh start demo
eval "$(scripts/cluster.sh env demo)"
export PGHOST PGPORT PGUSER
# Keep NOTICEs ("installing required extension", "does not exist, skipping") off the screen.
export PGOPTIONS='-c client_min_messages=warning'

step "Creating database $db and loading November 2026 sample data"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION dexcost CASCADE"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$db" -f scripts/demo/data.sql
"$psql_bin" -X -q -At -d "$db" -c "
  SELECT format('    %s tasks (%s root tasks, %s customers incl. (unattributed)), %s cost events, %s prices',
                (SELECT count(*) FROM dexcost.task),
                (SELECT count(*) FROM dexcost.task WHERE parent_task_id IS NULL),
                (SELECT count(DISTINCT customer_id) FROM dexcost.task),
                (SELECT count(*) FROM dexcost.cost_event),
                (SELECT count(*) FROM dexcost.model_price))"

step "Dashboards"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$db" -f scripts/demo/dashboard.sql

connect=$(printf 'psql -h %q -p %q -U postgres %s' "$PGHOST" "$PGPORT" "$db")
step "Your turn"
cat <<EOF
The demo cluster keeps running. Connect with:

    $connect

Things to try there:

    \\d dexcost.cost_event
    SELECT * FROM dexcost.unpriced_spend;
    -- price acme-corp's fine-tuned model, then reprice the month:
    INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source)
    VALUES ('openai', 'acme-finetune-v3', 'input', 0.30, 'acme contract'),
           ('openai', 'acme-finetune-v3', 'output', 1.20, 'acme contract');
    SELECT * FROM dexcost.reprice('2026-11-01', '2026-12-01');
    \\i scripts/demo/dashboard.sql     -- psql started in this checkout

Run the dashboards again:   $connect -f scripts/demo/dashboard.sql
Reload the sample data:     make demo
Stop and remove the cluster: make stop
EOF
