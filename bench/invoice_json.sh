#!/usr/bin/env bash
# JSON invoice import: does dexcost.import_invoice() of an OpenAI Costs API page (openai_costs_json) grow
# linearly with the page's lines? Baseline in the same run: the very same lines as an OpenAI cost CSV
# (openai_costs_csv), whose parser streams from a byte offset and is linear.
#
#   bench/invoice_json.sh [sizes] [repeats]        defaults "50000 200000 800000" 3
#
# Data per size N: 30 daily buckets of N/30 results (4 models x 3 token kinds x project/API-key pairs),
# written once as a JSON page and once as the 17-column CSV; every line has a distinct identity. Each run
# is a source's first import (the bulk loader) into an emptied invoice_line; CSV and JSON runs alternate.
# Each run checks that both files stored the same number of lines and the same total amount.
# Prints medians, the JSON/CSV ratio per size, and the growth of each from the smallest size to the largest
# (linear: the ratio of the sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-50000 200000 800000}
repeats=${2:-3}
cluster=bench
db=dexcost_bench

source bench/lib.sh
DEXCOST_CLUSTER_CONF="shared_buffers = '1GB'
max_wal_size = '8GB'
checkpoint_timeout = '30min'
synchronous_commit = off"
bench_start "$cluster"
createdb "$db"
q -c 'CREATE EXTENSION dexcost CASCADE'

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Writes $base/inv_N.json and $base/inv_N.csv (readable by the server).
generate() {
  python3 - "$1" "$base/inv_$1" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
models = [("gpt-4o", 2500, 1250, 10000), ("gpt-4o-mini", 150, 75, 600),
          ("gpt-4.1", 2000, 500, 8000), ("o4-mini", 1100, 275, 4400)]  # $ per 1M tokens, in thousandths
items = [(m + ", " + w, p) for m, pi, pc, po in models
         for w, p in (("input_tokens", pi), ("cached_input_tokens", pc), ("output_tokens", po))]
days, per_day = 30, n // 30
day0 = 1788220800  # 2026-09-01 00:00 UTC
header = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,"
          "line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source")
with open(out + ".json", "w") as j, open(out + ".csv", "w") as c:
    c.write(header + "\n")
    j.write('{"object":"page","data":[\n')
    for d in range(days):
        s, e = day0 + 86400 * d, day0 + 86400 * (d + 1)
        iso_s = "2026-09-%02dT00:00:00+00:00" % (d + 1)
        iso_e = ("2026-09-%02dT00:00:00+00:00" % (d + 2)) if d < 29 else "2026-10-01T00:00:00+00:00"
        j.write('{"object":"bucket","start_time":%d,"end_time":%d,"results":[\n' % (s, e))
        for k in range(per_day):
            item, price = items[k % 12]
            pair = k // 12
            qty = 1000 + (k * 7919 + d * 104729) % 900000
            v = qty * price  # amount in 1e-9 dollars
            amount = "%d.%09d" % (v // 10**9, v % 10**9)
            proj, key = "proj_%d" % (pair // 28), "key_%d" % (pair % 28)
            j.write('{"object":"organization.costs.result","amount":{"value":%s,"currency":"usd"},'
                    '"line_item":"%s","project_id":"%s","organization_id":"org_bench","api_key_id":"%s",'
                    '"quantity":%d}%s\n' % (amount, item, proj, key, qty, "," if k + 1 < per_day else ""))
            c.write('%d,%d,%s,%s,%s,usd,%d,tokens,"%s",,%s,%s,org_bench,Project,Bench Inc,,api\n'
                    % (s, e, iso_s, iso_e, amount, qty, item, key, proj))
        j.write("]}%s\n" % ("," if d + 1 < days else ""))
    j.write('],"has_more":false,"next_page":null}\n')
PY
  chmod 644 "$base/inv_$1.json" "$base/inv_$1.csv"
}

# One import of file $2 in format $1 into an empty invoice_line; prints seconds, checks what was stored.
run_import() {
  q -c 'TRUNCATE dexcost.invoice_line, dexcost.invoice_import CASCADE' -c 'VACUUM dexcost.invoice_line' -c 'CHECKPOINT'
  local a b got
  a=$(now)
  got=$(q -c "SELECT status || ' ' || lines_loaded FROM dexcost.import_invoice('bench', '$1', pg_read_file('$2'))")
  b=$(now)
  got="$got $(q -c 'SELECT sum(amount) FROM dexcost.invoice_line')"
  echo "$got" >"$work/got_$1"
  elapsed "$a" "$b"
}

echo "== $(uptime | sed 's/.*load/load/')"
declare -A med_csv med_json
first=; last=
for n in $sizes; do
  generate "$n"
  lines=$(( n / 30 * 30 ))
  echo "== $lines lines: JSON $(du -m "$base/inv_$n.json" | cut -f1) MB, CSV $(du -m "$base/inv_$n.csv" | cut -f1) MB"
  tc=(); tj=()
  for i in $(seq 1 "$repeats"); do
    c=$(run_import openai_costs_csv "$base/inv_$n.csv"); tc+=("$c")
    j=$(run_import openai_costs_json "$base/inv_$n.json"); tj+=("$j")
    if [ "$(cat "$work/got_openai_costs_csv")" != "$(cat "$work/got_openai_costs_json")" ]; then
      echo "MISMATCH: csv $(cat "$work/got_openai_costs_csv"), json $(cat "$work/got_openai_costs_json")" >&2
      exit 1
    fi
    echo "   run $i: csv $c s, json $j s (both: $(cat "$work/got_openai_costs_json"))"
  done
  med_csv[$n]=$(printf '%s\n' "${tc[@]}" | median)
  med_json[$n]=$(printf '%s\n' "${tj[@]}" | median)
  echo "   median: csv ${med_csv[$n]} s, json ${med_json[$n]} s, json/csv $(ratio "${med_json[$n]}" "${med_csv[$n]}")"
  [ -n "$first" ] || first=$n
  last=$n
  rm -f "$base/inv_$n.json" "$base/inv_$n.csv"
done
echo "== $(uptime | sed 's/.*load/load/') at the end"
echo
for n in $sizes; do
  echo "RESULT: $(( n / 30 * 30 )) lines: csv ${med_csv[$n]} s, json ${med_json[$n]} s, json/csv $(ratio "${med_json[$n]}" "${med_csv[$n]}")"
done
echo "RESULT: growth $first -> $last lines ($(ratio "$last" "$first")x the lines): csv $(ratio "${med_csv[$last]}" "${med_csv[$first]}")x," \
     "json $(ratio "${med_json[$last]}" "${med_json[$first]}")x the time"
