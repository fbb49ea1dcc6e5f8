#!/usr/bin/env bash
# Issue 12, MRT at full-table size: loads N IPv4 prefixes (default 1,000,000, the shared bench's W1 table) from
# ../shared/bench's injector into the Release service, writes a TABLE_DUMP_V2 dump through the API, has Debian's
# bgpdump print it, and compares every (prefix, peer, AS path, next hop) bgpdump prints with what GET /bgp/rib holds.
# Prints the load, dump and bgpdump times, the file size and the comparison. Not in the test command (minutes).
#
#   bash bench/mrt-w1.sh [PREFIXES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bench=$(cd "$repo/../shared/bench" && pwd)
n=${1:-1000000}
work=$(mktemp -d /tmp/akkabgp-mrt-w1.XXXXXX)
build=${AKKABGP_BENCH_BUILD:-/tmp/akkabgp-bench-service}
ours=127.0.40.1; peer=127.0.40.2
bgp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.40.1",0)); print(s.getsockname()[1])')
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.40.1",0)); print(s.getsockname()[1])')
api=http://$ours:$http_port
command -v bgpdump >/dev/null || { echo "bgpdump is needed (apt-get install bgpdump)" >&2; exit 1; }

python3 "$bench/gen_table.py" --out "$work/table.bin" --prefixes "$n" --peer-as 65001 --next-hop 198.51.100.10 >&2
dotnet build "$repo/src/AkkaBgp.Service" -c Release --artifacts-path "$build" -nologo -v quiet >&2
cat > "$work/akka-bgp.conf" <<CONF
akka-bgp {
  router-id = "$ours"
  local-as = 65000
  listen = [ { address = "$ours", port = $bgp_port } ]
  management { address = "$ours", port = $http_port }
  logging { level = warning }
  neighbors = [ { address = "$peer", remote-as = 65001, passive = true, hold-time = 240s, export { default-action = reject } } ]
  mrt { directory = "$work/mrt", gzip = true }
}
CONF
dotnet "$build/bin/AkkaBgp.Service/release/AkkaBgp.Service.dll" --config "$work/akka-bgp.conf" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service $injector 2>/dev/null || true; wait 2>/dev/null || true' EXIT
injector=
for _ in $(seq 1 300); do curl -sf "$api/ready" >/dev/null && break; sleep 0.1; done
start=$(date +%s.%N)
sleep infinity | python3 "$bench/injector.py" --connect "$ours:$bgp_port" --peer "$peer,65001,$work/table.bin" --go all > "$work/injector.log" &
injector=$!
until [ "$(curl -sf "$api/bgp/rib/summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipv4-unicast"]["prefixes"])' 2>/dev/null || echo 0)" -ge "$n" ]; do sleep 0.2; done
loaded=$(date +%s.%N)
dump=$(curl -sf -X POST "$api/bgp/mrt/dump")
dumped=$(date +%s.%N)
file=$(echo "$dump" | python3 -c 'import json,sys; print(json.load(sys.stdin)["file"])')
bgpdump -m "$file" > "$work/bgpdump.txt"
read=$(date +%s.%N)
python3 - "$api" "$work/bgpdump.txt" "$n" <<'PY'
import json, sys, urllib.request
api, dump, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
dumped = set()
for line in open(dump):
    f = line.rstrip("\n").split("|")
    if f[0] == "TABLE_DUMP2": dumped.add((f[5], f[3], f[6], f[8]))
rib = set()
for family in ("0.0.0.0/0", "::/0"):
    after = ""
    while True:
        page = json.load(urllib.request.urlopen(f"{api}/bgp/rib?prefix={family}&match=longer&limit=1000" + (f"&after={after}" if after else "")))
        for r in page["routes"]:
            if r["neighbor"]: rib.add((r["prefix"], r["neighbor"], r["attributes"]["asPath"], r["nextHop"]))
        if len({r["prefix"] for r in page["routes"]}) < 1000: break
        after = page["routes"][-1]["prefix"]
print(f"paths: bgpdump {len(dumped)}, /bgp/rib {len(rib)}, only in dump {len(dumped - rib)}, only in RIB {len(rib - dumped)}")
sys.exit(0 if dumped == rib and len(rib) == n else 1)
PY
echo "$dump"
python3 -c "import sys; s,l,d,r=map(float,sys.argv[1:]); print(f'load {l-s:.2f} s, dump {d-l:.2f} s, bgpdump -m {r-d:.2f} s')" "$start" "$loaded" "$dumped" "$read"
ls -la "$file"
rm -rf "$work"
