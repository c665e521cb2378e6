#!/usr/bin/env bash
# make demo: a first look at dexcost.
#
# Installs missing build packages, builds and installs dexcost, starts a throwaway PostgreSQL 15
# cluster named "demo" (scripts/cluster.sh), creates the database dexcost_demo with a month of
# sample data (scripts/demo/data.sql), folds the task roll-ups once and schedules the fold every
# minute with pg_cron, and prints the dashboards (scripts/demo/dashboard.sql).
# Safe to re-run: the database is dropped and loaded again. `make stop` removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

db=dexcost_demo
cron_job=dexcost-fold
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

# pg_cron runs its jobs from database postgres (cron.database_name, see scripts/cluster.sh). A
# cluster started before pg_cron was preloaded keeps running without it: the demo then skips the job.
cron=$("$psql_bin" -X -q -At -d postgres -c "SELECT current_setting('shared_preload_libraries') ~ 'pg_cron'")

step "Creating database $db and loading November 2026 sample data"
if [ "$cron" = t ]; then
  # A previous run's fold job must not run against the database while it is dropped and reloaded.
  "$psql_bin" -X -q -At -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = '$cron_job';
SQL
fi
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

step "Task roll-ups"
# Loading appended one delta per task per INSERT statement; dexcost.task_cost is exact before and
# after the fold, which only moves the deltas into dexcost.task_rollup.
"$psql_bin" -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "
  SELECT CASE f.status
           WHEN 'folded' THEN format('    dexcost.fold_rollups(): folded %s deltas into the totals of %s tasks (own and subtree totals)',
                                     f.deltas_folded, f.tasks_updated)
           ELSE format('    dexcost.fold_rollups(): %s (another fold was running)', f.status)
         END
    FROM dexcost.fold_rollups() AS f
  UNION ALL
  SELECT format('    dexcost.fold_daily(): %s, %s deltas folded into the daily pre-aggregates behind dexcost_bi', d.status, d.deltas_folded)
    FROM dexcost.fold_daily() AS d"
if [ "$cron" = t ]; then
  "$psql_bin" -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "
    SELECT format('    pg_cron job %s (id %s) runs dexcost.fold_rollups() and fold_daily() in %s every minute, first at %s UTC',
                  '$cron_job',
                  cron.schedule_in_database('$cron_job', '* * * * *',
                                            'SELECT dexcost.fold_rollups(); SELECT dexcost.fold_daily()', '$db'),
                  '$db',
                  to_char(date_trunc('minute', now() AT TIME ZONE 'UTC') + interval '1 minute', 'HH24:MI'))"
else
  echo "    pg_cron is not preloaded on this demo cluster: no scheduled fold (make stop; make demo starts a fresh one)"
fi

step "Dashboards"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$db" -f scripts/demo/dashboard.sql

connect=$(printf 'psql -h %q -p %q -U postgres %s' "$PGHOST" "$PGPORT" "$db")
connect_postgres=$(printf 'psql -h %q -p %q -U postgres postgres' "$PGHOST" "$PGPORT")
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
    -- task totals follow at once: the reprice appended deltas, which the next fold moves
    SELECT sum(subtree_cost_usd) AS usd, sum((subtree).unpriced_count) AS unpriced_events
      FROM dexcost.task_cost WHERE customer_id = 'acme-corp' AND parent_task_id IS NULL;
    SELECT count(*) FROM dexcost.task_rollup_delta;   -- 0 again after the next fold
    SELECT count(*) FROM dexcost.rollup_check();      -- always 0: totals equal the ledger
    \\i scripts/demo/dashboard.sql     -- psql started in this checkout

Folding roll-ups with pg_cron. pg_cron runs jobs from one database, postgres on this cluster
(cron.database_name), so create the extension and the job there, aimed at $db:

    $connect_postgres
    CREATE EXTENSION IF NOT EXISTS pg_cron;
    SELECT cron.schedule_in_database('$cron_job', '* * * * *', 'SELECT dexcost.fold_rollups()', '$db');
    -- its runs (one a minute):
    SELECT d.start_time, d.status, d.return_message
      FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
     WHERE j.jobname = '$cron_job' ORDER BY d.start_time DESC LIMIT 5;
    -- stop it:
    SELECT cron.unschedule('$cron_job');
EOF
if [ "$cron" = t ]; then
  echo "make demo scheduled that job already (it runs every minute); make stop removes it with the cluster."
fi
cat <<EOF

Run the dashboards again:   $connect -f scripts/demo/dashboard.sql
Reload the sample data:     make demo
Stop and remove the cluster: make stop
EOF
