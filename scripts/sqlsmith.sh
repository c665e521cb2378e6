#!/usr/bin/env bash
# sqlsmith (random SQL) against dexcost as a NON-superuser, counting backend crashes.
#
#   scripts/sqlsmith.sh [QUERIES]     default 10000
#
# A throwaway cluster (scripts/cluster.sh, name "sqlsmith"), a database with dexcost and the demo
# data (scripts/demo/data.sql), a login role with every privilege on the extension's objects but
# no superuser, statement_timeout 2 s. sqlsmith runs in rounds (a new seed each) until QUERIES
# queries were sent; crashes are the server log's "terminated by signal" lines. Prints the queries
# sent, the error count, and the crashes with the query that caused each (from the server log);
# exits non-zero on any crash. Not part of `make test` (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh sqlsmith
want=${1:-10000}
cluster=sqlsmith
db=dexcost_smith
role=dexcost_smith
work=$(mktemp -d)
trap 'scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

make -s >/dev/null
make -s install >/dev/null
scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
# Log every crash's statement; keep the log small otherwise.
DEXCOST_CLUSTER_CONF="log_min_error_statement = panic
restart_after_crash = on" scripts/cluster.sh start "$cluster" >/dev/null
eval "$(scripts/cluster.sh env "$cluster")"
log=$(dirname "$PGHOST")/server.log
[ -f "$log" ] || log=.cluster/$cluster/server.log

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
createdb "$db"
psql_q -d "$db" -c 'CREATE EXTENSION dexcost CASCADE' 2>/dev/null
PGOPTIONS='-c client_min_messages=warning' psql_q -d "$db" -f scripts/demo/data.sql >/dev/null
psql_q -d "$db" <<SQL
CREATE ROLE $role LOGIN;
ALTER ROLE $role SET statement_timeout = '2s';
GRANT USAGE ON SCHEMA dexcost TO $role;
GRANT ALL ON ALL TABLES IN SCHEMA dexcost TO $role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA dexcost TO $role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA dexcost TO $role;
SQL

conn="host=$PGHOST port=$PGPORT dbname=$db user=$role"
sent=0
round=0
while [ "$sent" -lt "$want" ]; do
  round=$((round + 1))
  n=$(( want - sent < 2500 ? want - sent : 2500 ))
  [ -n "${DEXCOST_SMITH_DEBUG:-}" ] && echo "$work"
  nice -n 10 sqlsmith --target="$conn" --seed=$((round * 7919)) --max-queries="$n" --verbose --dump-all-queries \
    >"$work/round$round.sql" 2>"$work/round$round.out" || true
  ours=$(( ${ours:-0} + $(awk 'BEGIN { RS = ";\n" } /dexcost\./ { n++ } END { print n + 0 }' "$work/round$round.sql") ))
  # sqlsmith stops early when the server goes away: count what it actually generated.
  got=$(grep -oE 'queries: [0-9]+' "$work/round$round.out" | tail -1 | grep -oE '[0-9]+' || true)
  [ -n "$got" ] && [ "$got" -gt 0 ] || got=$n
  sent=$((sent + got))
  echo "sqlsmith round $round: $got queries (total $sent, ${ours} naming a dexcost object)"
  # After a crash, wait until the server accepts connections again.
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
done

crashes=$(grep -c 'terminated by signal' "$log" || true)
errors=$(for f in "$work"/round*.out; do grep -oE 'error rate: [0-9.]+' "$f" | tail -1; done | awk '{ s += $3; n++ } END { if (n) printf "error rate %.2f", s / n }')
echo "sqlsmith: $sent queries as non-superuser $role ($ours naming a dexcost object; $errors), $crashes backend crashes"
if [ "$crashes" != 0 ]; then
  grep -B2 -A3 'terminated by signal' "$log" | head -60 >&2
  exit 1
fi
