#!/usr/bin/env bash
# Runs afl-fuzz on each fuzz target for a bounded time, on the committed seed corpus, with the instrumented
# harness from tests/fuzz/build.sh:
#   bash tests/fuzz/run.sh [-s SECONDS_PER_TARGET] [-w WORK_DIR] [-r] [TARGET...]
#     -s  seconds per target (default 7: the test command's short run)
#     -w  work dir holding bin/ from build.sh; findings go to WORK_DIR/out/TARGET (default tests/fuzz/.work)
#     -r  resume: continue the queue already in WORK_DIR/out/TARGET instead of starting from the corpus
# Prints one line per target (executions, queue size, edges, crashes, hangs) and exits 1 when any target
# saved a crash or a hang, after replaying each such input on the uninstrumented harness to show the exception.
# With FUZZ_COUNTS=FILE it also writes "PASSED FAILED" (targets) there, for tests/run-all.sh's totals.
set -uo pipefail
# FUZZ_ROOT: the repository, when this script runs from a copy (campaign.sh runs one, so that editing the
# script during a campaign of hours cannot change the commands bash has not read yet).
cd "${FUZZ_ROOT:-$(dirname "$0")/../..}"
root="$PWD"

seconds=7
work=tests/fuzz/.work
resume=0
while getopts "s:w:r" opt; do
  case $opt in
    s) seconds=$OPTARG ;;
    w) work=$OPTARG ;;
    r) resume=1 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
work="$(cd "$work" && pwd)"
harness="$work/bin/AkkaBgp.Fuzz.dll"
plain="$root/tests/fuzz/AkkaBgp.Fuzz/bin/Release/net10.0/AkkaBgp.Fuzz.dll"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(framer open update notification route-refresh config management-json)
counts() { [ -z "${FUZZ_COUNTS:-}" ] || echo "$1 $2" > "$FUZZ_COUNTS"; }
[ -f "$harness" ] || { echo "no instrumented harness in $work/bin: run tests/fuzz/build.sh first" >&2; counts 0 ${#targets[@]}; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found (Debian package afl++)" >&2; counts 0 ${#targets[@]}; exit 2; }

# The target is `dotnet`, which is not instrumented itself: skip AFL's binary check. A 2-core machine shared
# with other work has no free core to pin to, and its CPU governor and core pattern are not ours to change.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_NO_CRASH_README=1 AFL_IGNORE_UNKNOWN_ENVS=1
# Starting the runtime and JIT-compiling the instrumented assemblies takes a few seconds on a busy machine.
export AFL_FORKSRV_INIT_TMOUT=60000
# Tiered compilation would recompile hot methods mid-run and make the first executions of a path slower
# than the rest; one quick JIT keeps timings even. The GC never needs more than one heap here.
export DOTNET_TieredCompilation=0 DOTNET_gcServer=0 DOTNET_CLI_TELEMETRY_OPTOUT=1

# A run over 1 s is a timeout; one that also runs over AFL_HANG_TMOUT (2 s) is saved as a hang. A decode of
# one message or a config file takes microseconds to milliseconds, so both mean a loop that should not be.
timeout_ms=1000
export AFL_HANG_TMOUT=2000

failed=0
bad=0
printf '%-16s %10s %8s %8s %8s %8s %7s %6s\n' target execs execs/s queue edges crashes hangs secs
for t in "${targets[@]}"; do
  out="$work/out/$t"
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-x "tests/fuzz/dict/$t.dict")
  if [ $resume = 1 ] && [ -d "$out/default/queue" ]; then
    input=(-i -)
  else
    rm -rf "$out"
    input=(-i "tests/fuzz/corpus/$t")
  fi
  mkdir -p "$out"
  afl-fuzz "${input[@]}" -o "$out" -V "$seconds" -t "$timeout_ms" -m none "${dict[@]}" \
    -- dotnet "$harness" "$t" >"$out/afl.log" 2>&1
  rc=$?
  stats="$out/default/fuzzer_stats"
  if [ $rc -ne 0 ] || [ ! -f "$stats" ]; then
    echo "$t: afl-fuzz failed (exit $rc); last lines of $out/afl.log:"
    tail -n 15 "$out/afl.log" | sed 's/\x1b\[[0-9;]*m//g'
    failed=1
    bad=$((bad + 1))
    continue
  fi
  get() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" {print $2}' "$stats"; }
  printf '%-16s %10s %8s %8s %8s %8s %7s %6s\n' "$t" "$(get execs_done)" "$(get execs_per_sec)" \
    "$(get corpus_count)" "$(get edges_found)" "$(get saved_crashes)" "$(get saved_hangs)" "$(get run_time)"
  found=$(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' 2>/dev/null)
  if [ -n "$found" ]; then
    failed=1
    bad=$((bad + 1))
    echo "$t: saved crashes or hangs (replayed on the uninstrumented harness):"
    for f in $found; do
      echo "--- $f ($(xxd -p "$f" | tr -d '\n' | head -c 400))"
      timeout 20 dotnet "$plain" "$t" --replay "$f" 2>&1 | head -n 25
    done
  fi
done
counts $((${#targets[@]} - bad)) $bad
exit $failed
