#!/usr/bin/env bash
# BFD detection latency against real daemons on loopback: runs tests/AkkaBgp.Tests' BfdInteropTests with
# BFD_REPEATS freeze/thaw rounds per daemon (default 10) and prints, per daemon, the time from SIGSTOP of the
# daemon's BFD to our BFD session going Down and to our BGP session leaving Established (median, max, all).
# Needs root-free loopback only; FRR (bfdd, bgpd) and BIRD 2 installed (tests/run-all.sh installs them).
#   bash bench/bfd-detection.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
out=$(mktemp)
if ! BFD_REPEATS=$rounds dotnet test tests/AkkaBgp.Tests -c Release --filter "FullyQualifiedName~BfdInteropTests" \
     --logger "console;verbosity=detailed" > "$out" 2>&1; then
  grep -E "Failed |Error Message" -A5 "$out" | head -60
  echo "bfd-detection: tests failed (full output in $out)" >&2
  exit 1
fi
python3 - "$out" "$rounds" <<'PY'
import re, sys, statistics
test, rounds = None, {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"^\s+(?:Passed|Failed) AkkaBgp\.Tests\.Bfd\.BfdInteropTests\.(\w+)", line)
    if m:
        test = m.group(1)
        continue
    m = re.match(r"^\s*round \d+: BFD Down ([\d.]+) ms, BGP left Established ([\d.]+) ms", line)
    if m and test:
        rounds.setdefault(test, []).append((float(m.group(1)), float(m.group(2))))
print(f"BFD 3 x 50 ms, {sys.argv[2]} rounds per daemon; ms from SIGSTOP of the daemon's BFD")
for name, r in rounds.items():
    bfd = [a for a, _ in r]; bgp = [b for _, b in r]
    print(f"{name}\n  BFD Down:          median {statistics.median(bfd):6.1f}  max {max(bfd):6.1f}  min {min(bfd):6.1f}  (n={len(bfd)})"
          f"\n  BGP left Established: median {statistics.median(bgp):6.1f}  max {max(bgp):6.1f}  min {min(bgp):6.1f}"
          f"\n  all: {' '.join(f'{b:.0f}' for b in bgp)}")
PY
rm -f "$out"
