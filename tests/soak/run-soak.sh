#!/usr/bin/env bash
# The soak for real: the scaled test's script (tests/AkkaBgp.Service.Tests/Soak) for an hour with a bigger full table.
#   bash tests/soak/run-soak.sh [SECONDS] [FULL_TABLE_PREFIXES] [PAUSE_SECONDS]   (defaults: 3600, 1000000, 10)
# Writes samples.csv (every 2 s), quiet.csv (the same quiet state at the end of every cycle), checkpoints.csv (every
# RIB-versus-model check with its convergence time) and service.log under tests/soak/results/<UTC time>/, then prints
# the first and last warm quiet samples. Exit status: the test's.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3600}
prefixes=${2:-1000000}
pause=${3:-10}
out="tests/soak/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
dotnet build tests/AkkaBgp.Service.Tests -c Release -v q --nologo >/dev/null
status=0
AKKA_BGP_SOAK_SECONDS=$seconds AKKA_BGP_SOAK_FULL_TABLE=$prefixes AKKA_BGP_SOAK_PAUSE_SECONDS=$pause AKKA_BGP_SOAK_REPORT="$PWD/$out" \
  dotnet test tests/AkkaBgp.Service.Tests -c Release --no-build --nologo \
    --filter "FullyQualifiedName~AkkaBgp.Service.Tests.Soak.SoakTests" --logger "console;verbosity=normal" \
    -- RunConfiguration.TestSessionTimeout=$(( (seconds + 900) * 1000 )) > "$out/test.log" 2>&1 || status=$?
grep -E "^\s*(Passed|Failed)|Error Message|drift|listeners dropped" "$out/test.log" || true
python3 - "$out" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1] + "/quiet.csv")))
cps = list(csv.DictReader(open(sys.argv[1] + "/checkpoints.csv")))
if not rows:
    sys.exit("no quiet samples")
warm = rows[max(1, len(rows) // 4):]
third = max(1, len(warm) // 3)
def med(rs, k): return statistics.median(int(r[k]) for r in rs)
print(f"{len(rows)} cycles, {len(cps)} checkpoints, slowest convergence {max(float(c['converged_seconds']) for c in cps):.2f} s")
for k in ("rss_kb", "handles", "threads", "actors", "attribute_sets"):
    print(f"{k:15} first warm third median {med(warm[:third], k):>10}  last third median {med(warm[-third:], k):>10}  max {max(int(r[k]) for r in warm):>10}")
PY
echo "results: $out"
exit $status
