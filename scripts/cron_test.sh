#!/usr/bin/env bash
# The real pg_cron runs dexcost.run_checks(), dexcost.reconcile() (docs/reconcile.md's recipe) and
# the folds on a schedule: a throwaway cluster with shared_preload_libraries = 'pg_cron'
# (scripts/cluster.sh sets it, cron.database_name = 'postgres'), a 29-day history ending yesterday
# in which one customer's cost triples, jobs every second (pg_cron >= 1.5) or every minute (older
# pg_cron), then wait for succeeded runs in cron.job_run_details, the stored anomalies in
# dexcost.anomaly and a recorded run in dexcost.reconcile_run. Fails after 75 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=cron
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT
scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
scripts/cluster.sh start "$cluster" >/dev/null
eval "$(scripts/cluster.sh env "$cluster")"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }

q -c 'CREATE EXTENSION pg_cron; CREATE EXTENSION dexcost CASCADE;' 2>/dev/null
q <<'SQL'
INSERT INTO dexcost.task (customer_id, task_type, started_at)
SELECT c, 'summarize', now() - d * interval '1 day'
  FROM generate_series(1, 29) AS d, (VALUES ('cron-a'), ('cron-b')) AS v(c),
       generate_series(1, CASE WHEN d = 1 AND c = 'cron-a' THEN 15 ELSE 5 END) AS r;
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, occurred_at, provider, model, cost_usd, cost_confidence)
SELECT t.customer_id, t.task_id, 'llm_call', t.started_at, 'openai', 'gpt-4o',
       1 + 0.05 * (extract(day FROM t.started_at)::int % 3), 'exact'
  FROM dexcost.task AS t;
SQL

version=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
reconcile="SELECT count(*) FROM dexcost.reconcile('openai',
           (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date,
           (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date)"
if q -c "SELECT cron.schedule('dexcost-checks', '1 seconds', 'SELECT dexcost.run_checks()')" >/dev/null 2>&1; then
  every="1 seconds"
else
  every="* * * * *"
  q -c "SELECT cron.schedule('dexcost-checks', '$every', 'SELECT dexcost.run_checks()')" >/dev/null
fi
q -c "SELECT cron.schedule('dexcost-reconcile-openai', '$every', \$\$$reconcile\$\$)" >/dev/null
q -c "SELECT cron.schedule('dexcost-fold', '$every', 'SELECT dexcost.fold_rollups(); SELECT dexcost.fold_daily()')" >/dev/null
echo "pg_cron $version: run_checks, reconcile and the folds scheduled ('$every')"

for _ in $(seq 1 75); do
  ok=$(q -c "SELECT count(*) FROM cron.job_run_details WHERE command = 'SELECT dexcost.run_checks()' AND status = 'succeeded'")
  stored=$(q -c "SELECT count(*) FROM dexcost.anomaly")
  rec=$(q -c "SELECT count(*) FROM cron.job_run_details WHERE command LIKE '%dexcost.reconcile(%' AND status = 'succeeded'")
  runs=$(q -c "SELECT count(*) FROM dexcost.reconcile_run WHERE provider = 'openai'")
  folds=$(q -c "SELECT count(*) FROM cron.job_run_details WHERE command LIKE '%dexcost.fold_daily()%' AND status = 'succeeded'")
  if [ "$ok" -gt 0 ] && [ "$stored" -gt 0 ] && [ "$rec" -gt 0 ] && [ "$runs" -gt 0 ] && [ "$folds" -gt 0 ]; then
    echo "pg_cron ran run_checks: $ok succeeded run(s), anomalies stored: $(q -c "SELECT string_agg(kind || ' ' || subject_id, ', ' ORDER BY kind) FROM dexcost.anomaly")"
    echo "pg_cron ran reconcile: $rec succeeded run(s), latest recorded: $(q -c "SELECT status || ', ' || rows_not_ok || ' rows not ok' FROM dexcost.reconcile_run ORDER BY run_id DESC LIMIT 1"); folds: $folds"
    exit 0
  fi
  failed=$(q -c "SELECT string_agg(return_message, '; ') FROM cron.job_run_details WHERE status = 'failed'")
  if [ -n "$failed" ]; then echo "pg_cron run failed: $failed" >&2; exit 1; fi
  sleep 1
done
echo "pg_cron did not run every job within 75 s (run_checks: $ok, anomalies: $stored, reconcile: $rec, recorded runs: $runs, folds: $folds)" >&2
exit 1
