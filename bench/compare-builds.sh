#!/usr/bin/env bash
# Runs ../shared/bench's workloads against two checkouts of this repository in the same session, repeats
# interleaved (old then new, for each repeat and workload), so a noisy period on the shared machine hits both.
#
#   bash bench/compare-builds.sh OLD_CHECKOUT NEW_CHECKOUT RESULTS.jsonl [WORKLOADS] [REPEATS]
#
# e.g. the last commit on the stand-in kernel against this one:
#   git worktree add --detach /tmp/akkabgp-old ad3ac3a
#   bash bench/compare-builds.sh /tmp/akkabgp-old "$PWD" bench/results/$(date +%F)-old-vs-new.jsonl w1,w2,w3 3
#
# Each checkout is built by its own bench/start-service-for-shared-bench.sh into its own folder
# (AKKABGP_BENCH_BUILD). Every run line gets "build": "old"/"new" added, so the summary can tell them apart.
# WITH_BIRD=1 also runs BIRD first in every repeat ("build": "bird", ratios against it in the summary);
# POLL=0.02 passes --poll to the runner (the default 0.1 s is a good part of a 0.1-0.2 s load such as W4).
set -euo pipefail
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); results=$3
workloads=${4:-w1,w2,w3}; repeats=${5:-3}
bench=$(cd "$(dirname "$0")/../../shared/bench" && pwd)
mkdir -p "$(dirname "$results")"; results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
for r in $(seq 1 "$repeats"); do
  for w in ${workloads//,/ }; do
    builds="old new"; [ "${WITH_BIRD:-0}" = 1 ] && builds="bird old new"
    for build in $builds; do
      repo=$old; [ "$build" = new ] && repo=$new
      dut=http; [ "$build" = bird ] && dut=bird
      tmp=$(mktemp)
      (cd "$bench" && AKKABGP_BENCH_BUILD=/tmp/akkabgp-bench-$build python3 runner.py --dut "$dut" --workload "$w" --repeat 1 \
        ${POLL:+--poll "$POLL"} --http-start "$repo/bench/start-service-for-shared-bench.sh {config} {http_port}" --results "$tmp")
      python3 - "$tmp" "$build" "$r" >> "$results" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line); d["build"] = sys.argv[2]; d["rep"] = int(sys.argv[3]); print(json.dumps(d))
PY
      rm -f "$tmp"
    done
  done
done
python3 - "$results" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = [("t_rib_s", "time s"), ("cpu_s", "CPU s"), ("rss_peak_mib", "peak RSS MiB"), ("t_est_s", "all Est. s"), ("idle_cpu_pct", "idle CPU %"), ("rss_idle_mib", "idle RSS MiB")]
for w in sorted({r["workload"] for r in rows}):
    print(f"\n{w}: median over repeats (new/old)")
    for k, name in keys:
        vals = {b: [r.get(k) for r in rows if r["workload"] == w and r["build"] == b and r.get(k) is not None] for b in ("old", "new")}
        if not vals["old"] or not vals["new"]: continue
        o, n = st.median(vals["old"]), st.median(vals["new"])
        print(f"  {name:14} old {o:8.2f}  new {n:8.2f}  ratio {n / o:5.2f}   (old {vals['old']}, new {vals['new']})")
        bird = [r.get(k) for r in rows if r["workload"] == w and r["build"] == "bird" and r.get(k) is not None]
        if bird and st.median(bird) > 0:
            b = st.median(bird)
            print(f"  {'':14} BIRD {b:7.2f}  old/BIRD {o / b:5.2f}  new/BIRD {n / b:5.2f}   (BIRD {bird})")
PY
