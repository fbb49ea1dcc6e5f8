#!/usr/bin/env bash
# Issue 19, floods: does a management client hammering GET /bgp/rib slow a full-table load? Runs ../shared/bench's
# W1 (one peer, a full table) against the Release service twice per repeat, once plain and once with a client
# sending GET /bgp/rib back to back from the moment the service is up until it stops, repeats interleaved (plain,
# hammered, plain, hammered, ...) so a noisy period on the shared machine hits both. Prints the median load time of
# each and their ratio (the issue asks for less than 1.20).
#
#   bash bench/rib-hammer.sh RESULTS.jsonl [PREFIXES] [REPEATS] [QUERY] [CLIENTS]
#   e.g. bash bench/rib-hammer.sh bench/results/$(date +%F)-rib-hammer.jsonl 1000000 3
#
# QUERY (default "prefix=0.0.0.0/0&match=longer&limit=1000") is the query string of each request: the default is the
# dearest one the endpoint takes (every partition walks its whole table for it). CLIENTS (default 1) clients hammer
# at once, each with one request in flight. Every run line gets "mode": "plain"/"hammered", and the hammered ones
# "hammer_requests" (answered requests over the service's whole life).
#
# Internally the same script is the runner's start command ("start" mode): it starts the hammer in the background
# and execs bench/start-service-for-shared-bench.sh, so the runner owns the service's PID as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = start ]; then
  config_json=$2; http_port=$3; mode=$4; query=$5; clients=$6
  if [ "$mode" = hammered ]; then
    count=$(dirname "$config_json")/hammer.count
    : > "$count"
    service=$$ # this process becomes the service at the exec below
    for c in $(seq 1 "$clients"); do
      (
        # Until the management endpoint answers, then back to back until the service is gone. One line per answer.
        while kill -0 "$service" 2>/dev/null; do
          if curl -sf -o /dev/null --max-time 30 "http://127.0.0.1:$http_port/bgp/rib?$query"; then echo >> "$count"
          else sleep 0.05; fi
        done
      ) </dev/null >/dev/null 2>&1 &
    done
  fi
  exec "$here/start-service-for-shared-bench.sh" "$config_json" "$http_port"
fi

results=$1; prefixes=${2:-1000000}; repeats=${3:-3}
query=${4:-prefix=0.0.0.0/0&match=longer&limit=1000}; clients=${5:-1}
bench=$(cd "$here/../../shared/bench" && pwd)
mkdir -p "$(dirname "$results")"; results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
# Build first: the runner's readiness wait is shorter than a build on a busy machine.
dotnet build "$here/../src/AkkaBgp.Service" -c Release --artifacts-path "${AKKABGP_BENCH_BUILD:-/tmp/akkabgp-bench-service}" -nologo -v quiet >&2
for r in $(seq 1 "$repeats"); do
  for mode in plain hammered; do
    tmp=$(mktemp)
    (cd "$bench" && python3 runner.py --dut http --workload w1 --prefixes "$prefixes" --repeat 1 \
      --http-start "$here/rib-hammer.sh start {config} {http_port} $mode $query $clients" --results "$tmp")
    python3 - "$tmp" "$mode" "$r" "$query" "$clients" >> "$results" <<'PY'
import glob, json, os, sys
tmp, mode, rep, query, clients = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
for line in open(tmp):
    d = json.loads(line); d.update(mode=mode, rep=rep)
    if mode == "hammered":
        d.update(hammer_query=query, hammer_clients=clients)
        # The run's folder is the newest http-w1 one (the runner makes one per run).
        runs = sorted(glob.glob("/tmp/bgpbench/runs/*-http-w1-*"), key=os.path.getmtime)
        count = os.path.join(runs[-1], "hammer.count") if runs else ""
        if count and os.path.exists(count):
            n = sum(1 for _ in open(count)); d["hammer_requests"] = n
    print(json.dumps(d))
PY
    rm -f "$tmp"
  done
done
python3 - "$results" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = {m: [r["t_rib_s"] for r in rows if r.get("mode") == m and r.get("t_rib_s") is not None] for m in ("plain", "hammered")}
cpu = {m: [r["cpu_s"] for r in rows if r.get("mode") == m and r.get("cpu_s") is not None] for m in ("plain", "hammered")}
req = [r["hammer_requests"] for r in rows if r.get("mode") == "hammered" and "hammer_requests" in r]
if t["plain"] and t["hammered"]:
    p, h = st.median(t["plain"]), st.median(t["hammered"])
    print(f"load time median: plain {p:.2f} s, hammered {h:.2f} s, ratio {h / p:.2f}  (plain {t['plain']}, hammered {t['hammered']})")
if cpu["plain"] and cpu["hammered"]:
    print(f"service CPU median: plain {st.median(cpu['plain']):.2f} s, hammered {st.median(cpu['hammered']):.2f} s")
if req: print(f"GET /bgp/rib answered per hammered run (whole service life): {req}")
PY
