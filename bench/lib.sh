# Shared setup of the benchmarks, sourced by bench/*.sh from the checkout's root.
#
#   DEXCOST_CLUSTER_CONF="..."            server settings of the run (the caller's)
#   bench_start <cluster> [packages...]   installs what is missing (and the baseline's packages),
#                                         builds and installs dexcost, starts a throwaway cluster;
#                                         on exit the cluster is stopped and $work removed
#   q ...                                 psql on $db, quiet, unaligned, stopping at the first error
#   median                                the median of the numbers on stdin
#   one_row_ingest_setup, single_tps, trigger_pairs   one-row ingest under pgbench, a trigger off and on
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

# One-row ingest benchmarks: 5,000 tasks of 500 customers and 50 task types, and
# $work/single.sql, a pgbench script inserting one llm_call event for a random one of them.
one_row_ingest_setup() {
  q <<SQL
INSERT INTO dexcost.task (task_id, customer_id, task_type)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c' || (i % 500), 'w' || (i % 50)
  FROM generate_series(1, 5000) AS i;
SQL
  cat > "$work/single.sql" <<SQL
\set t random(1, 5000)
INSERT INTO dexcost.cost_event (customer_id, task_id, event_type, provider, model, input_tokens, output_tokens)
VALUES ('c' || (:t::int % 500), ('00000000-0000-4000-8000-' || lpad(to_hex(:t::int), 12, '0'))::uuid, 'llm_call',
        'openai', 'gpt-4o-mini', 1200, 150);
SQL
}

# Transactions per second of $work/single.sql, 4 clients for $seconds.
single_tps() {
  pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$work/single.sql" "$db" 2>/dev/null | awk '/^tps = / {print $3}' | head -1
}

# trigger_pairs LABEL TRIGGER...: $pairs rounds of single_tps with the triggers on cost_event
# disabled (baseline) then enabled; prints both series and the median of the per-pair ratios.
trigger_pairs() {
  local label=$1 t off="" on=""
  shift
  for t in "$@"; do off="$off, DISABLE TRIGGER $t"; on="$on, ENABLE TRIGGER $t"; done
  : > "$work/off"; : > "$work/on"; : > "$work/ratio"
  for _ in $(seq "$pairs"); do
    q -c "ALTER TABLE dexcost.cost_event ${off#, }"; single_tps >> "$work/off"
    q -c "ALTER TABLE dexcost.cost_event ${on#, }"; single_tps >> "$work/on"
    awk -v a="$(tail -1 "$work/off")" -v b="$(tail -1 "$work/on")" 'BEGIN { printf "%.3f\n", b / a }' >> "$work/ratio"
  done
  echo "   $label: tps off $(paste -sd' ' "$work/off") (median $(median < "$work/off"))"
  echo "   $label: tps on  $(paste -sd' ' "$work/on") (median $(median < "$work/on")), on/off per pair $(paste -sd' ' "$work/ratio"), median ratio $(median < "$work/ratio")"
}
