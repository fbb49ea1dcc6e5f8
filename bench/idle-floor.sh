#!/usr/bin/env bash
# The service's floor: RSS (anonymous, file-backed) and CPU of an idle service with no neighbor.
#   bash bench/idle-floor.sh [LABEL] [ENV=VALUE ...]     e.g. bash bench/idle-floor.sh gen0 DOTNET_GCGen0MaxBudget=0x1000000
# Starts the Release build through bench/start-service-for-shared-bench.sh (ports 11179 and 18099 on 127.0.0.1), waits
# until the management API answers and 10 s more, then reads CPU over 30 s and RSS from /proc, and stops it.
set -euo pipefail
label=${1:-idle}; shift || true
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/akkabgp-idle.XXXXXX)
cat > "$work/config.json" <<'JSON'
{"local": {"ip": "127.0.0.1", "port": 11179, "asn": 65000, "router_id": "10.0.0.1", "hold": 90, "keepalive": 30, "afi": "ipv4"}, "peers": []}
JSON
env "$@" bash "$repo/bench/start-service-for-shared-bench.sh" "$work/config.json" 18099 > "$work/service.log" 2>&1 &
for _ in $(seq 600); do curl -sf http://127.0.0.1:18099/bgp/rib/summary > /dev/null && break; sleep 0.5; done
sleep 10
pid=$(pgrep -f "AkkaBgp.Service.dll --config $work/" | head -1)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 30; t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
ticks=$(getconf CLK_TCK)
kib() { awk -v k="$1" '$1 == k":" {print int($2 / 1024)}' "/proc/$pid/status"; }
echo "$label cpu%=$(awk -v a="$t0" -v b="$t1" -v t="$ticks" 'BEGIN {printf "%.2f", 100 * (b - a) / t / 30}') rss_mib=$(kib VmRSS) anon=$(kib RssAnon) file=$(kib RssFile) shmem=$(kib RssShmem) threads=$(ls "/proc/$pid/task" | wc -l)"
kill "$pid"; wait || true
rm -rf "$work"
