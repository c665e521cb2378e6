#!/usr/bin/env bash
# Task order inside one SDK payload: dexcost.ingest(text) of N tasks (2 llm_call events each) in
# four shapes, against the parents-first forest in the same run, for several N. The docs promise
# that order inside the payload does not matter (parents are written before their children); this
# checks that it does not cost more than linear time either.
#
#   forest_parents   trees of 100 tasks (a root and sub-agents, each task the parent of up to 3,
#                    5 levels), parents before children: the baseline
#   forest_children  the same tasks, children before parents (the payload reversed)
#   chain_parents    one chain, each task the parent of the next, root first
#   chain_children   the same chain, deepest task first
#
# Roots carry a customer (50 customers), every other task inherits its parent's. Each call is one
# transaction on a fresh backend; between calls every table ingest writes is truncated. A call is
# cancelled after `timeout` (statement_timeout) and that shape is not run at larger N. Printed per
# shape and N: the median seconds, the ratio against forest_parents at the same N, the growth
# against the shape's time at the previous N (linear = N's growth, 4x), and the backend's peak
# anonymous memory (RssAnon, sampled from /proc every 20 ms) above what it held before the call.
#
# In a chain every task stores its ancestors (task.ancestor_ids, root first): a chain of N tasks
# stores N²/2 uuids whatever the order, so chain_parents is the baseline of chain_children's order.
#
# Usage: bench/ingest_order.sh ["sizes"] [repeats] [timeout_s]     defaults: "1000 4000 16000" 3 300
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-1000 4000 16000}
repeats=${2:-3}
timeout=${3:-300}
cluster=bench-order
db=dexcost_bench
shapes="forest_parents forest_children chain_parents chain_children"

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '512MB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'"
bench_start "$cluster"

createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'
# One payload per shape and N, as the JSON text a relay receives.
q <<'SQL'
CREATE TABLE bench_payload (shape text, n int, payload text, PRIMARY KEY (shape, n));
CREATE FUNCTION bench_id(k int) RETURNS text LANGUAGE sql IMMUTABLE
  RETURN 'a0000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0');
-- Task k (from 0) of n in a shape: its parent (NULL for a root) and its customer (roots only).
CREATE FUNCTION bench_parent(shape text, k int) RETURNS int LANGUAGE sql IMMUTABLE RETURN
  CASE WHEN shape LIKE 'forest%' THEN CASE WHEN k % 100 = 0 THEN NULL ELSE k / 100 * 100 + (k % 100 - 1) / 3 END
       ELSE nullif(k - 1, -1) END;
CREATE FUNCTION bench_payload(shape text, n int) RETURNS text LANGUAGE sql STABLE RETURN (
  SELECT jsonb_build_object(
    'tasks', (SELECT jsonb_agg(jsonb_build_object(
                'task_id', bench_id(k), 'task_type', 'agent_step', 'status', 'success',
                'started_at', '2026-11-01T10:00:00Z', 'ended_at', '2026-11-01T10:00:05Z', 'metadata', '{}'::jsonb,
                'customer_id', CASE WHEN bench_parent(shape, k) IS NULL THEN 'cust-' || (k / 100 % 50) END,
                'project_id', NULL, 'parent_task_id', bench_id(bench_parent(shape, k)), 'schema_version', '1')
                ORDER BY CASE WHEN shape LIKE '%parents' THEN k ELSE -k END)
                FROM generate_series(0, n - 1) k),
    'events', (SELECT jsonb_agg(jsonb_build_object(
                'event_id', 'e0000000-0000-4000-8000-' || lpad(to_hex(2 * k + e), 12, '0'), 'task_id', bench_id(k),
                'event_type', 'llm_call', 'occurred_at', '2026-11-01T10:00:0' || (1 + e) || 'Z',
                'cost_usd', '0.0012', 'cost_confidence', 'exact', 'pricing_source', 'provider_response',
                'pricing_version', '2026-05-01', 'service_name', 'openai', 'provider', 'openai',
                'model', 'gpt-4o-mini', 'input_tokens', 900, 'output_tokens', 120, 'cached_tokens', 256,
                'latency_ms', 800, 'is_retry', false, 'retry_reason', NULL, 'retry_of', NULL,
                'details', '{}'::jsonb, 'schema_version', '1') ORDER BY k, e)
                FROM generate_series(0, n - 1) k, generate_series(0, 1) e))::text);
SQL
for n in $sizes; do
  for s in $shapes; do q -c "INSERT INTO bench_payload VALUES ('$s', $n, bench_payload('$s', $n))"; done
done
echo "payloads: $(q -c "SELECT string_agg(n || ' tasks: ' || pg_size_pretty(octet_length(payload)::bigint), ', ' ORDER BY n)
                        FROM bench_payload WHERE shape = 'forest_parents'") of JSON (tasks + 2 events each)"
echo "load at start: $(uptime)"

reset() {
  q -c 'TRUNCATE dexcost.task, dexcost.cost_event, dexcost.task_rollup, dexcost.task_rollup_delta,
                 dexcost.task_reported_totals, dexcost.ingest_pending, dexcost.ingest_receipt,
                 dexcost.daily_customer, dexcost.daily_customer_delta, dexcost.daily_customer_total,
                 dexcost.daily_model, dexcost.daily_model_delta, dexcost.daily_retry, dexcost.daily_retry_delta,
                 dexcost.daily_workflow CASCADE' -c 'CHECKPOINT' >/dev/null
}
# The RssAnon (kB) of a process, with shell builtins only (no process per sample).
rss_anon() {
  local k v rest
  while read -r k v rest; do [ "$k" = RssAnon: ] && { echo "$v"; return; }; done < "/proc/$1/status"
}
# One ingest call of (shape, n) on a fresh backend: sets secs, peak_mb and answer; returns 1 on timeout.
call() {
  local shape=$1 n=$2 app=bench_order_$$ pid="" before=0 peak=0 r status=0
  # psql's \timing measures the call alone; the backend sleeps first so that its memory is read before.
  PGAPPNAME=$app PGOPTIONS="$PGOPTIONS -c statement_timeout=${timeout}s" \
    psql -X -q -At -d "$db" -c "SELECT pg_sleep(0.3)" -c '\timing on' \
         -c "SELECT dexcost.ingest(payload) - 'receipt_id' FROM bench_payload WHERE shape = '$shape' AND n = $n" \
         >"$work/answer" 2>"$work/error" &
  local cpid=$!
  while kill -0 "$cpid" 2>/dev/null; do
    if [ -z "$pid" ]; then
      pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'")
      [ -n "$pid" ] && before=$(rss_anon "$pid" || echo 0)
    elif r=$(rss_anon "$pid" 2>/dev/null) && [ -n "$r" ]; then
      [ "$r" -gt "$peak" ] && peak=$r
    fi
    sleep 0.02
  done
  wait "$cpid" || status=$?
  secs=$(awk '/^Time: / { t = $2 } END { printf "%.3f", t / 1000 }' "$work/answer")
  peak_mb=$(awk -v p="$peak" -v b="$before" 'BEGIN { printf "%.1f", (p > b ? p - b : 0) / 1024 }')
  answer=$(grep -v '^Time: ' "$work/answer" | grep .)
  if [ "$status" != 0 ]; then
    grep -q 'statement timeout' "$work/error" && return 1
    cat "$work/error" >&2
    exit 1
  fi
}
check() {
  local n=$1 stored
  stored=$(q -c "SELECT (SELECT count(*) FROM dexcost.task) || ' ' || (SELECT count(*) FROM dexcost.cost_event)
                 || ' ' || (SELECT count(DISTINCT customer_id) FROM dexcost.task)
                 || ' ' || (SELECT max(cardinality(ancestor_ids)) FROM dexcost.task)")
  [ "$answer" = "{\"errors\": [], \"parked\": 0, \"queued\": $((3 * n)), \"rejected\": 0}" ] ||
    { echo "$shape $n: unexpected answer $answer" >&2; exit 1; }
  set -- $stored
  [ "$1" = "$n" ] && [ "$2" = "$((2 * n))" ] ||
    { echo "$shape $n: stored $1 tasks and $2 events" >&2; exit 1; }
  depth=$4
}

declare -A secs_of peak_of skip depth_of
for n in $sizes; do
  for r in $(seq 1 "$repeats"); do
    for shape in $shapes; do   # alternating, so that machine noise hits every shape
      [ -n "${skip[$shape]:-}" ] && continue
      reset
      if call "$shape" "$n"; then
        check "$n"
        secs_of[$shape,$n]+="$secs "
        peak_of[$shape,$n]+="$peak_mb "
        depth_of[$shape]=$depth
        echo "N=$n run $r $shape: ${secs} s, peak +${peak_mb} MB, deepest task has $depth ancestors"
      else
        echo "N=$n run $r $shape: cancelled after ${timeout} s"
        skip[$shape]=$n
      fi
    done
  done
done
echo "load at end: $(uptime)"

med() { printf '%s\n' $1 | median; }
echo
printf '%-16s %7s %10s %10s %12s %14s\n' shape N seconds "vs forest" "vs prev N" "peak MB"
for shape in $shapes; do
  prev=""
  for n in $sizes; do
    if [ -z "${secs_of[$shape,$n]:-}" ]; then
      printf '%-16s %7s %10s\n' "$shape" "$n" ">${timeout}"
      continue
    fi
    s=$(med "${secs_of[$shape,$n]}")
    b=$(med "${secs_of[forest_parents,$n]:-}")
    m=$(med "${peak_of[$shape,$n]}")
    ratio=$(awk -v s="$s" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? s / b : 0) }')
    growth=$([ -n "$prev" ] && awk -v s="$s" -v p="$prev" 'BEGIN { printf "%.1fx", s / p }' || echo -)
    printf '%-16s %7s %10s %10s %12s %14s\n' "$shape" "$n" "$s" "$ratio" "$growth" "$m"
    prev=$s
  done
done
