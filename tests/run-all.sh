#!/usr/bin/env bash
# Runs every test project in AkkaBgp.sln and prints the totals as one line:
#   N passed, N failed[, N skipped]
# The interop and wire cross-check tests need real daemons (BIRD, GoBGP, FRR, OpenBGPD, the
# StayRTR RPKI cache) and tshark from Debian;
# they are installed here when missing so that a fresh machine passes.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v bird   >/dev/null 2>&1 || need+=(bird2)
command -v gobgpd >/dev/null 2>&1 || need+=(gobgpd)
[ -x /usr/lib/frr/bgpd ]        || need+=(frr)
command -v bgpd   >/dev/null 2>&1 || need+=(openbgpd)
command -v exabgp >/dev/null 2>&1 || need+=(exabgp)
command -v stayrtr >/dev/null 2>&1 || need+=(stayrtr)
command -v bgpdump >/dev/null 2>&1 || need+=(bgpdump)
[ -x /usr/sbin/pmbmpd ]        || need+=(pmacct)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    # Packages must not start their daemons: they would bind port 179 and the
    # tests start each daemon themselves with their own config.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
  else
    echo "warning: not root, cannot install ${need[*]}; tests that need them will fail" >&2
  fi
fi

results=$(mktemp -d)
status=0
dotnet test AkkaBgp.sln -c Release --logger "trx" --results-directory "$results" || status=$?

# ---- coverage-guided fuzzing (tests/fuzz/README.md) ------------------------------------------------
# afl-fuzz (Debian afl++) on every fuzz target for 7 s on the committed corpus; a saved crash or hang
# fails the run. Each target counts as one test in the totals below (tests/fuzz/run.sh writes the counts).
if ! command -v afl-fuzz >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing: afl++"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null; }
fi
if bash tests/fuzz/build.sh >"$results/fuzz-build.log" 2>&1; then
  FUZZ_COUNTS="$results/fuzz.counts" bash tests/fuzz/run.sh -s 7 || status=1
else
  cat "$results/fuzz-build.log"; echo "fuzz: building the instrumented harness failed"
  echo "0 1" > "$results/fuzz.counts"; status=1
fi
# ---- end of fuzzing ---------------------------------------------------------------------------------

py=0
python3 - "$results" <<'PY' || py=$?
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find(".//{*}Counters")
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0))
# Steps outside `dotnet test` (e.g. tests/fuzz/run.sh) leave "passed failed" in a *.counts file.
for path in glob.glob(sys.argv[1] + "/*.counts"):
    cp, cf = open(path).read().split()
    p += int(cp); f += int(cf)
line = f"{p} passed, {f} failed" + (f", {s} skipped" if s else "")
print(line)
sys.exit(1 if f or p == 0 else 0)
PY
rm -rf "$results"
[ $status -eq 0 ] && exit $py
exit $status
