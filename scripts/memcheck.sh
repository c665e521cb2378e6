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
# a last canary case that leaks on purpose (a new GUC placeholder per call) if it does NOT show.
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
canary: a deliberate leak (must show)|SELECT pg_catalog.set_config('dexcost.leak' || (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000000)::bigint, pg_catalog.repeat('x', 100), false);
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
    case "$name" in canary:*) verdict="  (expected)" ;; *) failed=1 ;; esac
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
