#!/usr/bin/env bash
# Memory: C++ heap leaks across ereport do not show in memory contexts, only in the backend's RSS.
#
#   scripts/memcheck.sh [CALLS]      default 10000 calls per case
#
# In a throwaway cluster and ONE backend: for each case (a statement that raises a user error
# listed in docs/errors.md, or goes through an error path of the C++ code), 1,000 warm-up calls,
# then the backend's private memory (RssAnon of /proc/self/status, read by the backend itself),
# CALLS calls, the same reading again. Prints the growth per case in kB and, as the same-run
# baseline, the growth for PostgreSQL's own error (division by zero). A case whose growth exceeds
# the baseline by more than 256 kB (about 26 bytes per call at 10,000 calls) fails the run; so does
# a last canary case that leaks on purpose (a new GUC placeholder per call, outside the dexcost. prefix
# that the loaded library reserves) if it does NOT show. A case named "reference:" is PostgreSQL alone
# doing what the case before it does: reported, never failed.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-10000}
cluster=memcheck
db=dexcost_mem
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT
make -s >/dev/null
make -s install >/dev/null
scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
scripts/cluster.sh start "$cluster" >/dev/null
eval "$(scripts/cluster.sh env "$cluster")"
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
INSERT INTO dexcost.task (task_id, customer_id, task_type) VALUES ('a0000000-0000-0000-0000-000000000001', 'mem-co', 'memcheck');
CREATE TABLE public.sk AS SELECT dexcost.sketch(g::float8) AS s FROM generate_series(1, 1000) AS g;
CREATE TABLE public.pt AS SELECT dexcost.pareto('k' || g, g) AS p FROM generate_series(1, 1000) AS g;
-- What load_revenue() does in PostgreSQL alone (a temporary table ON COMMIT DROP, then an error): its reference.
CREATE FUNCTION public.temp_then_raise() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.to_regclass('pg_temp.tmp_raise') IS NULL THEN
    CREATE TEMPORARY TABLE tmp_raise (a int) ON COMMIT DROP;
  END IF;
  TRUNCATE pg_temp.tmp_raise;
  INSERT INTO pg_temp.tmp_raise VALUES (1);
  RAISE EXCEPTION 'refused';
END $$;
-- A revenue import with a bad line: every load_revenue() call refuses it (and rolls back).
INSERT INTO dexcost.revenue_import (customer_id, month, amount_usd, state) VALUES ('mem-co', '2026-01', 'abc', 'recognized');
-- An invoice of 200 lines (one bad) for the import paths that parse a whole file before failing.
CREATE TABLE public.inv AS SELECT 'start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source' || E'\n'
  || string_agg(format('1788220800,1788307200,,,%s,usd,1000,tokens,"gpt-4o, input_tokens",,key_%s,proj,org,,,,', CASE WHEN g = 100 THEN 'abc' ELSE '0.01' END, g), E'\n') AS csv
  FROM generate_series(1, 200) AS g;
SQL

# name|statement (one line each; every statement raises, except where the name says otherwise)
cases=$(cat <<'CASES'
baseline: division by zero|SELECT 1/0;
ingest(text): invalid JSON|SELECT dexcost.ingest('{"events": [{"event_id": 1,'::text);
ingest(text): nested too deeply|SELECT dexcost.ingest(repeat('[', 1500)::text);
ingest(text): \u0000 escape|SELECT dexcost.ingest('{"events": [{"model": "a\u0000"}]}'::text);
ingest(jsonb): not an object|SELECT dexcost.ingest('[1, 2]'::jsonb);
ingest(jsonb): unknown record kind|SELECT dexcost.ingest('{"records": []}'::jsonb);
ingest(text): rejected records (no error)|SELECT dexcost.ingest('{"events": [{"event_id": "x"}, {"event_id": "22222222-0001-0000-0000-000000000001", "task_id": "nope"}], "tasks": [{"task_id": 7}]}'::text);
percentile: fraction out of range|SELECT dexcost.percentile(g::float8, 1.5) FROM generate_series(1, 10) AS g;
percentiles: NULL fraction|SELECT dexcost.percentiles(g::float8, '{0.5,NULL}') FROM generate_series(1, 10) AS g;
percentile: NaN value|SELECT dexcost.percentile(x, 0.5) FROM (VALUES (1::float8), ('NaN')) AS v(x);
sketch: bad relative error|SELECT dexcost.sketch(g::float8, 0.7) FROM generate_series(1, 10) AS g;
sketch_percentile: bad fraction|SELECT dexcost.sketch_percentile(s, 2) FROM public.sk;
ddsketch input: corrupt|SELECT 'ddsketch:AQAAAAAA'::dexcost.ddsketch;
pareto: NaN cost|SELECT dexcost.pareto(g::text, 'NaN'::numeric) FROM generate_series(1, 10) AS g;
pareto_keys_for_share: bad fraction|SELECT dexcost.pareto_keys_for_share(p, 2) FROM public.pt;
pareto_top: negative n|SELECT * FROM public.pt, dexcost.pareto_top(p, -1);
pareto input: corrupt|SELECT 'pareto:AQAAAAAA'::dexcost.pareto;
compute_cost: bad service tier|SELECT dexcost.compute_cost('openai', 'gpt-4o-mini', 'nope');
compute_cost: unknown model (no error)|SELECT dexcost.compute_cost('openai', 'gpt-unknown', input_tokens => 10);
cost_event: invalid event_type|INSERT INTO dexcost.cost_event (task_id, event_type, cost_usd) VALUES ('a0000000-0000-0000-0000-000000000001', 'bogus', 1);
cost_event: unknown task|INSERT INTO dexcost.cost_event (task_id, event_type, cost_usd) VALUES ('a0000000-0000-0000-0000-000000000009', 'external_cost', 1);
cost_event: 19 decimal places|INSERT INTO dexcost.cost_event (task_id, event_type, cost_usd) VALUES ('a0000000-0000-0000-0000-000000000001', 'external_cost', 0.0000000000000000001);
task: own parent|INSERT INTO dexcost.task (task_id, parent_task_id, task_type) VALUES ('a0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000002', 'x');
model_price: negative price|INSERT INTO dexcost.model_price (provider, model, usage_type, usd_per_mtok, source) VALUES ('acme', 'm', 'input', -1, 'memcheck');
reprice: invalid period|SELECT * FROM dexcost.reprice('2026-11-02', '2026-11-01');
set_setting: unknown time zone|SELECT dexcost.set_setting('timezone', 'Mars/Olympus');
set_setting: unknown setting|SELECT dexcost.set_setting('bogus', 'x');
import_invoice: unknown format|SELECT * FROM dexcost.import_invoice('mem', 'excel', 'a,b');
import_invoice: header without a column|SELECT * FROM dexcost.import_invoice('mem', 'openai_costs_csv', E'start_time,end_time\n1,2\n');
import_invoice: not JSON|SELECT * FROM dexcost.import_invoice('mem', 'anthropic_cost_report', '{"data": [{"results": [');
import_invoice: no source name|SELECT * FROM dexcost.import_invoice('', 'focus', 'x');
import_invoice: FOCUS line without provider|SELECT * FROM dexcost.import_invoice('mem', 'focus', E'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory\n1,USD,2026-01-01,2026-01-02,Usage\n');
import_invoice: 200 lines, one bad, refused (no error)|SELECT status FROM public.inv, dexcost.import_invoice('mem-refuse', 'openai_costs_csv', inv.csv, refuse_on_error => true);
_parse_invoice: bad lines (no error)|SELECT count(*) FROM dexcost._parse_invoice('focus', E'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory\nx,USD,2026-01-01,2026-01-02,Rebate\n1,USD,nope,2026-01-02,Usage\n');
reconcile: empty period|SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-09-01');
reconcile: bad granularity|SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'quarter');
reconcile: negative tolerance|SELECT * FROM dexcost.reconcile('openai', '2026-09-01', '2026-10-01', 'month', -1);
statement: month infinity (no error)|SELECT count(*) FROM dexcost.statement('mem-co', 'infinity');
statement_html: month infinity (no error)|SELECT length(dexcost.statement_html('mem-co', 'infinity'));
detect_anomalies: negative lookback|SELECT * FROM dexcost.detect_anomalies(lookback => '-1 day');
detect_anomalies: bad ratio|SELECT * FROM dexcost.detect_anomalies(spike_ratio => -1);
detect_anomalies: bad min cost|SELECT * FROM dexcost.detect_anomalies(min_cost_usd => -1);
anomalies_on_day: zero baseline|SELECT * FROM dexcost.anomalies_on_day('2026-01-01', 0);
run_checks: infinite as_of|SELECT * FROM dexcost.run_checks('infinity');
acknowledge_anomaly: unknown id|SELECT dexcost.acknowledge_anomaly(999999);
check_budget: unknown scope|SELECT * FROM dexcost.check_budget('planet', 'x', 1);
check_budget: negative estimate|SELECT * FROM dexcost.check_budget('customer', 'x', -1);
reserve_budget: negative ttl|SELECT * FROM dexcost.reserve_budget('customer', 'x', 1, '-1 minute');
settle_budget: negative cost|SELECT * FROM dexcost.settle_budget('a0000000-0000-0000-0000-000000000001', -1);
settle_budget: negative hold|SELECT * FROM dexcost.settle_budget('a0000000-0000-0000-0000-000000000001', 1, '-1 s');
load_revenue: empty source|SELECT dexcost.load_revenue('');
load_revenue: bad line refused|SELECT dexcost.load_revenue('csv');
reference: PL/pgSQL temp table, then raise|SELECT public.temp_then_raise();
mark_retry: no task|SELECT dexcost.mark_retry(NULL, 'x');
mark_retry: negative cost|SELECT dexcost.mark_retry('a0000000-0000-0000-0000-000000000001', 'x', -1);
mark_retry: bad retry_type|SELECT dexcost.mark_retry('a0000000-0000-0000-0000-000000000001', 'x', 0, retry_type => 'bogus');
mark_retry: unknown retry_of|SELECT dexcost.mark_retry('a0000000-0000-0000-0000-000000000001', 'x', 0, retry_of => 'a0000000-0000-0000-0000-00000000000f');
mark_not_retry: nothing to clear|SELECT dexcost.mark_not_retry(task_id => 'a0000000-0000-0000-0000-000000000001');
detect_retries: NULL bound|SELECT * FROM dexcost.detect_retries(NULL, now());
detect_retries: negative window|SELECT * FROM dexcost.detect_retries(now() - interval '1 day', now(), '-1 s');
canary: a deliberate leak (must show)|SELECT pg_catalog.set_config('memcheck.leak' || (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000000)::bigint, pg_catalog.repeat('x', 100), false);
CASES
)

# Sets rss to the backend's RssAnon in kB (not in a $(subshell): the marker count must persist).
read_rss() { psql_session_query "SELECT substring(pg_catalog.pg_read_file('/proc/self/status') FROM 'RssAnon:\s+(\d+)')"; rss=$reply; }
# One psql process (one backend) reads commands from a FIFO; results come back through a file.
fifo=$(mktemp -u); mkfifo "$fifo"
out=$(mktemp)
errlog=$(mktemp)
psql -X -q -At -d "$db" -v VERBOSITY=terse <"$fifo" >"$out" 2>"$errlog" &
psql_pid=$!
exec 3>"$fifo"
marker=0
psql_session_query() {
  marker=$((marker + 1))
  printf '%s\n\\echo done-%s\n' "$1;" "$marker" >&3
  until grep -q "^done-$marker\$" "$out"; do sleep 0.05; done
  reply=$(grep -B1 "^done-$marker\$" "$out" | head -1)
}
repeat() { local n=$1 stmt=$2; for ((i = 0; i < n; i++)); do printf '%s\n' "$stmt"; done >&3; }

printf '%-44s %10s %10s %10s\n' case "before kB" "after kB" "growth kB"
base_growth=""
failed=0
while IFS='|' read -r name stmt; do
  [ -n "$name" ] || continue
  [[ "$name" =~ ${DEXCOST_MEMCHECK_ONLY:-.} ]] || continue
  repeat 1000 "$stmt"
  read_rss
  before=$rss
  repeat "$calls" "$stmt"
  read_rss
  after=$rss
  growth=$((after - before))
  [ -n "$base_growth" ] || base_growth=$growth
  verdict=""
  if [ $((growth - base_growth)) -gt 256 ]; then
    verdict="  LEAK?"
    case "$name" in canary:*) verdict="  (expected)" ;; reference:*) verdict="  (PostgreSQL alone)" ;; *) failed=1 ;; esac
  elif [[ "$name" == canary:* ]]; then
    verdict="  NOT SEEN: the measurement is blind"; failed=1
  fi
  printf '%-44s %10s %10s %10s%s\n' "$name" "$before" "$after" "$growth" "$verdict"
done <<< "$cases"
echo "memcheck: $calls calls per case in one backend; growth beyond the baseline's ${base_growth} kB above 256 kB fails"
exec 3>&-
wait "$psql_pid" || true
echo "memcheck: the last error messages: $(sort "$errlog" | uniq -c | sort -rn | head -3 | tr -s ' ' | tr '\n' ';')"
rm -f "$fifo" "$out" "$errlog"
exit $failed
