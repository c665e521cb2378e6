# Shared setup of the benchmarks, sourced by bench/*.sh from the checkout's root.
#
#   DEXCOST_CLUSTER_CONF="..."            server settings of the run (the caller's)
#   bench_start <cluster> [packages...]   installs what is missing (and the baseline's packages),
#                                         builds and installs dexcost, starts a throwaway cluster;
#                                         on exit the cluster is stopped and $work removed
#   q ...                                 psql on $db, quiet, unaligned, stopping at the first error
#   median                                the median of the numbers on stdin
#
# After bench_start: $work is a scratch folder, $base the cluster's folder (server-side COPY files).

bench_start() {
  local cluster=$1
  shift
  scripts/deps.sh "$@"
  make -s >/dev/null && make -s install >/dev/null
  export DEXCOST_CLUSTER_CONF
  work=$(mktemp -d)
  trap "rm -rf '$work'; scripts/cluster.sh stop '$cluster' >/dev/null 2>&1 || true" EXIT
  scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  scripts/cluster.sh start "$cluster" >/dev/null
  eval "$(scripts/cluster.sh env "$cluster")"
  export PGHOST PGPORT PGUSER PGOPTIONS='-c client_min_messages=warning'
  base=$(dirname "$PGHOST")
}

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
