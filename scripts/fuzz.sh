#!/usr/bin/env bash
# libFuzzer on the parsers of src/core (clang-14, ASan + UBSan): builds fuzz/fuzz_*.cpp into
# build/fuzz/ and runs each on its committed seed corpus (fuzz/corpus/NAME/) plus a working corpus
# in build/fuzz/corpus/NAME/ (new inputs go there, so the committed seeds stay small).
#
#   scripts/fuzz.sh [BUDGET] [NAME...]   BUDGET: 60s (seconds per target) or 10000000 (runs per target);
#                                        default 30s; NAME: json, decimal, ... (default: every harness)
#   scripts/fuzz.sh --minimise NAME...   merges the working corpus into a minimal fuzz/corpus/NAME/
#   FUZZ_MAX_LEN=2048 scripts/fuzz.sh ...  longest input generated or kept (default 8192)
#   FUZZ_WORKERS=2 scripts/fuzz.sh 10000000 invoice   N processes per target, each RUNS/N runs (or the same
#                                        seconds) on the same corpus; the executions line is their sum
#
# Prints one line per target: executions, seconds, new corpus size, crashes. A crash leaves its
# input in build/fuzz/artifacts/ and makes the script exit non-zero. Not part of `make test` (slow);
# CPU-heavy, so it runs under nice -n 10.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh clang-14 libclang-rt-14-dev

out=build/fuzz
mkdir -p "$out/obj" "$out/artifacts"
cxx=clang++-14
flags=(-std=gnu++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -Isrc)

# Core objects once, instrumented for coverage; each harness links all of them.
objs=()
for src in src/core/*.cpp; do
  obj=$out/obj/$(basename "${src%.cpp}").o
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src/core -name '*.hpp' -newer "$obj")" ]; then
    nice -n 10 "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
  fi
  objs+=("$obj")
done
build() {
  local name=$1 bin=$out/fuzz_$1
  if [ ! -f "$bin" ] || [ "fuzz/fuzz_$name.cpp" -nt "$bin" ] || [ -n "$(find "$out/obj" -newer "$bin")" ]; then
    nice -n 10 "$cxx" "${flags[@]}" -fsanitize=fuzzer "fuzz/fuzz_$name.cpp" "${objs[@]}" -o "$bin"
  fi
}

if [ "${1:-}" = --minimise ]; then
  shift
  for name in "$@"; do
    build "$name"
    mkdir -p "$out/corpus/$name" "fuzz/corpus/$name"
    fresh=$(mktemp -d)
    nice -n 10 "$out/fuzz_$name" -merge=1 -max_len="${FUZZ_MAX_LEN:-8192}" "$fresh" "fuzz/corpus/$name" "$out/corpus/$name" \
      >/dev/null 2>"$out/$name.merge.log"
    rm -rf "fuzz/corpus/$name"; mv "$fresh" "fuzz/corpus/$name"
    echo "fuzz $name: corpus minimised to $(ls "fuzz/corpus/$name" | wc -l) inputs, $(du -sk "fuzz/corpus/$name" | cut -f1) kB"
  done
  exit 0
fi

budget=${1:-30s}
[ $# -gt 0 ] && shift
case "$budget" in
  *s) limit=(-max_total_time="${budget%s}") ;;
  *[!0-9]*|'') echo "usage: scripts/fuzz.sh [SECONDSs|RUNS] [NAME...]" >&2; exit 2 ;;
  *) limit=(-runs="$budget") ;;
esac
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp; do names+=("$(basename "${f%.cpp}" | sed 's/^fuzz_//')"); done
fi

failed=0
for name in "${names[@]}"; do
  build "$name"
  mkdir -p "$out/corpus/$name" "fuzz/corpus/$name"
  log=$out/$name.log
  workers=${FUZZ_WORKERS:-1}
  wlimit=("${limit[@]}")
  case "$budget" in *s) ;; *) wlimit=(-runs="$(( budget / workers ))") ;; esac
  start=$(date +%s)
  pids=()
  for w in $(seq 1 "$workers"); do
    wlog=$log; [ "$workers" -gt 1 ] && wlog=$out/$name.$w.log
    nice -n 10 "$out/fuzz_$name" "${wlimit[@]}" -seed="$w$(date +%N | head -c 6)" -max_len="${FUZZ_MAX_LEN:-8192}" \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" "fuzz/corpus/$name" >"$wlog" 2>&1 &
    pids+=($!)
  done
  rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  if [ "$workers" -gt 1 ]; then cat "$out/$name".[0-9]*.log >"$log"; rm -f "$out/$name".[0-9]*.log; fi
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ n += $1 } END { if (NR) print n }')
  crashes=$(ls "$out/artifacts/" | grep -c "^$name-" || true)
  echo "fuzz $name: ${execs:-?} executions in ${secs}s, exit $rc, corpus $(ls "$out/corpus/$name" | wc -l) inputs, artifacts $crashes"
  if [ "$rc" != 0 ]; then
    failed=1
    grep -m1 -A12 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log" >&2 || tail -20 "$log" >&2
  fi
done
exit $failed
