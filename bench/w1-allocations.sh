#!/usr/bin/env bash
# Where the bytes of a full-table load go: runs the shared bench's W1 against the service (Release build, as
# bench/start-service-for-shared-bench.sh makes it) with dotnet-trace's gc-verbose profile attached, then sums the
# trace's allocation ticks by type (bench/AkkaBgp.AllocationTicks).
#   bash bench/w1-allocations.sh [TRACE_FILE]          then, for the load's second(s) only:
#   (WORKLOAD=w4 bash bench/w1-allocations.sh ... traces another of the shared bench's workloads)
#   dotnet run -c Release --project bench/AkkaBgp.AllocationTicks -- TRACE_FILE FROM_S TO_S
# Needs dotnet-trace (dotnet tool install -g dotnet-trace) and ../shared/bench; runs only the http DUT (no BIRD).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
trace=${1:-/tmp/akkabgp-${WORKLOAD:-w1}.nettrace}
export PATH=$PATH:$HOME/.dotnet/tools
log=$(mktemp)
(cd "$repo/../shared/bench" && python3 runner.py --dut http --workload "${WORKLOAD:-w1}" --repeat 1 --poll 0.02 \
   --http-start "$repo/bench/start-service-for-shared-bench.sh {config} {http_port}" > "$log" 2>&1) &
runner=$!
pid=
for _ in $(seq 1200); do pid=$(pgrep -f "AkkaBgp.Service.dll --config" | head -1 || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || { echo "the service did not start" >&2; cat "$log" >&2; exit 1; }
sleep 1.5
timeout 20 dotnet-trace collect -p "$pid" --profile gc-verbose -o "$trace" > /dev/null 2>&1 || true
wait "$runner" || true
grep -E "^http" "$log" || cat "$log"
rm -f "$log"
dotnet run -c Release --project "$repo/bench/AkkaBgp.AllocationTicks" -- "$trace"
