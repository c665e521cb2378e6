#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters inside the checkout (.cluster/NAME).
#
#   scripts/cluster.sh start NAME   initdb + start on a free port, unix socket + 127.0.0.1 only
#   scripts/cluster.sh env NAME     prints the PGHOST/PGPORT/PGUSER exports to reach it
#   scripts/cluster.sh stop NAME    stops it and removes its files
#   scripts/cluster.sh status NAME  says whether it runs
#
# DEXCOST_CLUSTER_CONF may hold extra postgresql.conf lines (benchmarks use it).
# As root the server runs as the postgres user (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cmd=${1:?usage: scripts/cluster.sh start|stop|env|status NAME}
name=${2:-test}
bindir=$(pg_config --bindir)

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives in the checkout unless the server's user cannot reach it there.
base=$root/.cluster/$name
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root"; then
  base=/tmp/dexcost-cluster-$(printf '%s' "$root" | md5sum | cut -c1-8)-$name
fi
data=$base/data
statefile=$base/state

running() { [ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "dexcost: no free port found" >&2
  return 1
}

start() {
  if running; then echo "dexcost: cluster $name already runs"; return 0; fi
  rm -rf "$base"
  mkdir -p "$base"
  # Unix socket paths are limited to about 100 bytes; fall back to a short private directory.
  local sockdir=$base/sock
  if [ ${#sockdir} -gt 80 ]; then sockdir=$(mktemp -d /tmp/dexcost-sock.XXXXXX); fi
  mkdir -p "$sockdir"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$base" "$sockdir"
  as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$base/initdb.log" 2>&1 \
    || { cat "$base/initdb.log" >&2; return 1; }
  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    cat > "$base/dexcost.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
max_connections = 60
max_worker_processes = 16
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
${DEXCOST_CLUSTER_CONF:-}
CONF
    [ "$(id -u)" = 0 ] && chown postgres: "$base/dexcost.conf"
    grep -q "include 'dexcost.conf'" "$data/postgresql.conf" || \
      as_owner sh -c "echo \"include '$base/dexcost.conf'\" >> '$data/postgresql.conf'"
    if as_owner "$bindir/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 start >/dev/null 2>&1; then
      printf 'export PGHOST=%q PGPORT=%q PGUSER=postgres\nSOCKDIR=%q\n' "$sockdir" "$port" "$sockdir" > "$statefile"
      echo "dexcost: cluster $name runs on port $port (socket in $sockdir)"
      return 0
    fi
    echo "dexcost: start attempt $attempt failed:" >&2
    tail -5 "$base/server.log" >&2 || true
  done
  return 1
}

stop() {
  if running; then as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  if [ -f "$statefile" ]; then
    # shellcheck disable=SC1090
    . "$statefile"
    case "$SOCKDIR" in /tmp/dexcost-sock.*) rm -rf "$SOCKDIR" ;; esac
  fi
  rm -rf "$base"
  echo "dexcost: cluster $name stopped and removed"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  env) [ -f "$statefile" ] && running || { echo "dexcost: cluster $name is not running" >&2; exit 1; }
       grep '^export' "$statefile" ;;
  status) if running; then echo "running"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: scripts/cluster.sh start|stop|env|status NAME" >&2; exit 2 ;;
esac
