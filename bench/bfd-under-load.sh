#!/usr/bin/env bash
# BFD timing under load (issue 10): N BFD sessions at 50 ms x 3 between two service processes on loopback, while the
# first one (A, "loaded") takes a full table again and again from ../shared/bench's injector: 1M IPv4 prefixes in, the
# injector stopped (Cease; 1M withdrawn), a new injector, 1M in again, for the whole window. The second process (B) runs the other end of
# every BFD session and nothing else: the same engine unloaded, the reference in the same run.
#
# Measured from a packet capture on lo (dumpcap, kernel timestamps):
#   - transmit intervals per session while Up at 50 ms (Final packets, sent out of schedule, left out), for A and B;
#   - detection latency: B is frozen (SIGSTOP) ROUNDS times during the load; for each of A's N sessions, the time from
#     SIGSTOP to A's session Down, and the lateness of that Down after (B's last packet + the 150 ms Detection Time);
#   - flaps: Down transitions beyond the one per session per freeze, on either side.
# And, running beside it for the same window, bench/BfdActorTimerReference: N actors with a 50 ms Akka periodic timer on
# the service's 100 ms scheduler tick (and on 10 ms), the gaps between their ticks.
#
#   bash bench/bfd-under-load.sh [sessions=200] [window seconds=90] [freeze rounds=5] [prefixes=1000000]
#
# Needs root (dumpcap on lo), python3, the .NET SDK. Uses 127.0.66.0/24, 127.0.67.0/24 (BFD, UDP 3784) and 127.0.68.0/24 (BGP).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sessions=${1:-200}
window=${2:-90}
rounds=${3:-5}
prefixes=${4:-1000000}
build=${AKKABGP_BFD_BENCH_BUILD:-/tmp/akkabgp-bfd-bench}
shared=${SHARED_BENCH:-$repo/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench

echo "building the service and the actor-timer reference (Release) into $build" >&2
dotnet build "$repo/src/AkkaBgp.Service" -c Release --artifacts-path "$build" -nologo -v quiet >&2
dotnet build "$repo/bench/BfdActorTimerReference" -c Release --artifacts-path "$build" -nologo -v quiet >&2

tables=/tmp/bgpbench/tables
mkdir -p "$tables"
table=$tables/ipv4-n$prefixes-s1-a1-as65001-nh198.51.100.10-k0.bin
[ -f "$table" ] || python3 "$shared/gen_table.py" --prefixes "$prefixes" --out "$table" >&2

run=$(mktemp -d /tmp/bfd-under-load.XXXXXX)
echo "run folder: $run" >&2
exec python3 - "$repo" "$build" "$shared" "$table" "$run" "$sessions" "$window" "$rounds" "$prefixes" <<'PY'
import json, os, signal, socket, statistics, struct, subprocess, sys, threading, time, urllib.request
from datetime import datetime

repo, build, shared, table, run = sys.argv[1:6]
N, WINDOW, ROUNDS, PREFIXES = int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
dll = f"{build}/bin/AkkaBgp.Service/release/AkkaBgp.Service.dll"
ref_dll = f"{build}/bin/BfdActorTimerReference/release/BfdActorTimerReference.dll"
A_BGP, INJ = "127.0.68.1", "127.0.68.10"
a_local = lambda k: f"127.0.66.{k}"
b_local = lambda k: f"127.0.67.{k}"
assert 1 <= N <= 250

def free_port(ip):
    s = socket.socket(); s.bind((ip, 0)); p = s.getsockname()[1]; s.close(); return p

def config(name, listen, mgmt, neighbors):
    path = f"{run}/{name}.conf"
    with open(path, "w") as f:
        f.write(f"""akka-bgp {{
  router-id = "{listen[0]}"
  local-as = 65000
  listen = [ {{ address = "{listen[0]}", port = {listen[1]} }} ]
  management {{ address = "127.0.0.1", port = {mgmt} }}
  logging {{ level = information }}
  neighbor-defaults {{
    passive = true
    import {{ default-action = accept }}
    export {{ default-action = reject }}
  }}
  neighbors = [
""" + "\n".join("    " + n for n in neighbors) + "\n  ]\n}\n")
    return path

bfd = "bfd { enabled = true, min-tx = 50ms, min-rx = 50ms, multiplier = 3 }"
a_port, a_mgmt = free_port(A_BGP), free_port("127.0.0.1")
b_port, b_mgmt = free_port("127.0.67.1"), free_port("127.0.0.1")
a_conf = config("a", (A_BGP, a_port), a_mgmt,
    [f'{{ address = "{INJ}", remote-as = 65001, damp-peer-oscillations = false, idle-hold-time = 1s }}'] +
    [f'{{ address = "{b_local(k)}", remote-as = 65100, local-address = "{a_local(k)}", {bfd} }}' for k in range(1, N + 1)])
b_conf = config("b", ("127.0.67.1", b_port), b_mgmt,
    [f'{{ address = "{a_local(k)}", remote-as = 65000, local-address = "{b_local(k)}", {bfd} }}' for k in range(1, N + 1)])

procs = []
def start(cmd, log, **kw):
    p = subprocess.Popen(cmd, stdout=open(f"{run}/{log}", "w"), stderr=subprocess.STDOUT, **kw)
    procs.append(p); return p

def http(port, path, method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=15) as r:
        return json.loads(r.read() or b"null")

def wait(cond, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if cond(): return
        except Exception:
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out: {what} (logs in {run})")

def sessions(port):
    return http(port, "bfd/sessions")["sessions"]

def count(port, state):
    return sum(1 for s in sessions(port) if s["state"] == state)

ref_cmd = lambda tick: ["dotnet", ref_dll, str(N), "50", str(int(WINDOW)), str(tick)]
try:
    b = start(["dotnet", dll, "--config", b_conf, "--reference", f"{repo}/HOCON/reference.conf"], "b.log")
    a = start(["dotnet", dll, "--config", a_conf, "--reference", f"{repo}/HOCON/reference.conf"], "a.log")
    wait(lambda: count(a_mgmt, "Up") == N and count(b_mgmt, "Up") == N, 120, f"{N} BFD sessions Up on both sides")
    print(f"{N} BFD sessions Up", file=sys.stderr)

    pcap = f"{run}/bfd.pcap"
    cap = start(["dumpcap", "-q", "-P", "-i", "lo", "-s", "96", "-w", pcap,
                 "-f", "udp port 3784 and (net 127.0.66.0/24 or net 127.0.67.0/24)"], "dumpcap.log")
    time.sleep(2)
    t0 = time.time()
    load_before = os.getloadavg()
    refs = [start(ref_cmd(100), "reference-tick100.log"), start(ref_cmd(10), "reference-tick10.log")]
    stop_load = threading.Event()
    cycles = []
    def rib():
        return http(a_mgmt, "bgp/rib/summary").get("ipv4-unicast", {}).get("prefixes", 0)
    def load():
        # The injector sends its table once per process: a new one per cycle (--reconnect: A refuses it while Idle).
        while not stop_load.is_set():
            start_t = time.time()
            inj = start([sys.executable, f"{shared}/injector.py", "--connect", f"{A_BGP}:{a_port}", "--peer", f"{INJ},65001,{table}",
                         "--go", "auto", "--reconnect", "--no-stdin", "--hold", "90"], f"injector-{len(cycles)}.log")
            end = time.time() + 120
            while not stop_load.is_set() and time.time() < end:
                try:
                    if rib() >= PREFIXES: break
                except Exception:
                    pass
                time.sleep(0.2)
            inj.terminate(); inj.wait(timeout=30)
            if stop_load.is_set(): return
            cycles.append(time.time() - start_t)
            # Withdrawn (the Cease takes the session down): wait until the RIB is empty before the next one.
            end = time.time() + 120
            while not stop_load.is_set() and time.time() < end:
                try:
                    if rib() == 0: break
                except Exception:
                    pass
                time.sleep(0.2)
    loader = threading.Thread(target=load, daemon=True); loader.start()

    freezes = []
    def downs_now():
        return sum(s["counters"]["down"] for s in sessions(a_mgmt)), sum(s["counters"]["down"] for s in sessions(b_mgmt))
    # Down transitions while every session should be healthy: from t0 to the first freeze, between the recovery of one
    # freeze and the next, and from the last recovery to the end. (Each freeze brings 1-2 per session on each side: the
    # detection, and after the thaw stale packets from the socket buffers can take a fresh session Down once more.)
    healthy_from, flaps = downs_now(), [0, 0]
    def add_flaps(until):
        flaps[0] += until[0] - healthy_from[0]; flaps[1] += until[1] - healthy_from[1]
    gap = WINDOW / (ROUNDS + 1)
    for r in range(ROUNDS):
        while time.time() < t0 + gap * (r + 1): time.sleep(0.05)
        add_flaps(downs_now())
        t_stop = time.time()
        os.kill(b.pid, signal.SIGSTOP)
        try:
            wait(lambda: count(a_mgmt, "Down") == N, 20, "all of A's sessions Down after SIGSTOP")
            downs = {s["peer"]: s for s in sessions(a_mgmt)}
        finally:
            os.kill(b.pid, signal.SIGCONT)
        wait(lambda: count(a_mgmt, "Up") == N and count(b_mgmt, "Up") == N, 60, "all sessions Up again after SIGCONT")
        # A second late for stragglers from the socket buffers.
        time.sleep(1)
        wait(lambda: count(a_mgmt, "Up") == N and count(b_mgmt, "Up") == N, 60, "all sessions Up again after SIGCONT")
        freezes.append((t_stop, downs, time.time()))
        healthy_from = downs_now()
        print(f"freeze {r + 1}/{ROUNDS} done", file=sys.stderr)
    while time.time() < t0 + WINDOW: time.sleep(0.1)
    add_flaps(downs_now())
    load_after = os.getloadavg()
    stop_load.set()
    for p in refs: p.wait(timeout=WINDOW + 60)
    time.sleep(1)
    cap.send_signal(signal.SIGTERM); cap.wait(timeout=10)
finally:
    for p in procs:
        if p.poll() is None:
            try: os.kill(p.pid, signal.SIGCONT)
            except ProcessLookupError: pass
            p.terminate()
    for p in procs:
        try: p.wait(timeout=15)
        except subprocess.TimeoutExpired: p.kill()

# ---- analysis ------------------------------------------------------------------------------------------------------
def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    assert magic == 0xa1b2c3d4, "expected a little-endian libpcap file"
    linktype = struct.unpack_from("<I", data, 20)[0]
    l2 = {1: 14, 113: 16, 0: 4}[linktype]
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, off)
        pkt = data[off + 16: off + 16 + incl]; off += 16 + incl
        ip = pkt[l2:]
        if len(ip) < 20 or ip[0] >> 4 != 4: continue
        ihl = (ip[0] & 15) * 4
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        sport = struct.unpack_from(">H", ip, ihl)[0]
        bfdp = ip[ihl + 8:]
        if len(bfdp) < 24: continue
        state, final = bfdp[1] >> 6, bool(bfdp[1] & 0x10)
        tx = struct.unpack_from(">I", bfdp, 12)[0]
        yield sec + usec / 1e6, src, sport, dst, state, final, tx

flows = {}
last_from = {}  # (src) -> list of times, for B's last packet before a Down
for t, src, sport, dst, state, final, tx in packets(pcap):
    flows.setdefault((src, sport), []).append((t, state, final, tx))
for (src, _), pk in flows.items():
    last_from.setdefault(src, []).extend(p[0] for p in pk)
for v in last_from.values(): v.sort()

def in_freeze(a, b):
    return any(a < end and b > t_stop - 0.01 for t_stop, _, end in freezes)

def gaps(prefix):
    out = []
    for (src, _), pk in flows.items():
        if not src.startswith(prefix): continue
        periodic = [p for p in pk if not p[2]]
        for x, y in zip(periodic, periodic[1:]):
            if x[1] == 3 and y[1] == 3 and x[3] == 50000 and y[3] == 50000 and not in_freeze(x[0], y[0]):
                out.append((y[0] - x[0]) * 1000)
    return sorted(out)

def stalls(prefix):
    # Gaps over 150 ms ending within 50 ms of each other are one stall; a stall that delays (nearly) every session at
    # once is the whole process not running (a stop-the-world GC, the machine), not one session's timer.
    ends = []
    for (src, _), pk in flows.items():
        if not src.startswith(prefix): continue
        periodic = [p for p in pk if not p[2]]
        for x, y in zip(periodic, periodic[1:]):
            if x[1] == 3 and y[1] == 3 and x[3] == 50000 and y[3] == 50000 and y[0] - x[0] > 0.150 and not in_freeze(x[0], y[0]):
                ends.append(y[0])
    ends.sort()
    groups = []
    for e in ends:
        if groups and e - groups[-1][-1] < 0.05: groups[-1].append(e)
        else: groups.append([e])
    return len(groups), sum(1 for g in groups if len(g) >= 0.9 * N)

def pct(v, q): return v[min(len(v) - 1, max(0, int(q * len(v) + 0.999999) - 1))]
def dist(v): return f"n={len(v)} p50={pct(v, .5):.1f} p99={pct(v, .99):.1f} max={v[-1]:.1f} ms" if v else "n=0"

def epoch(iso):
    # .NET writes 7 fractional digits; Python takes 6.
    head, _, rest = iso.partition(".")
    frac = "".join(ch for ch in rest if ch.isdigit())
    tz = rest[len(frac):]
    return datetime.fromisoformat(f"{head}.{frac[:6]}{tz}").timestamp()

import bisect
from_stop, late, slow = [], [], 0
for t_stop, downs, _ in freezes:
    for peer, s in downs.items():
        # Only sessions that were Up at 50 ms when B froze: one still recovering from a flap runs on the 1 s intervals
        # of 6.8.3 (Detection Time 3 s) and says nothing about the 150 ms one.
        if s["detectionTimeMs"] != 150 or s["diagnostic"]["code"] != 1:
            slow += 1
            continue
        t_down = epoch(s["lastStateChange"])
        from_stop.append((t_down - t_stop) * 1000)
        times = last_from.get(peer, [])
        i = bisect.bisect_left(times, t_down) - 1
        if i >= 0: late.append((t_down - times[i]) * 1000 - 150)
from_stop.sort(); late.sort()

print(f"\nBFD under load: {N} sessions at 50 ms x 3, {WINDOW:.0f} s window, {ROUNDS} freezes of B, "
      f"A loaded with {PREFIXES} prefixes in, withdrawn, in ... ({len(cycles)} full tables in, "
      f"median {statistics.median(cycles) if cycles else float('nan'):.1f} s each)")
ga, gb = gaps('127.0.66.'), gaps('127.0.67.')
print(f"transmit intervals, A (loaded):   {dist(ga)}  (over 100 ms: {sum(1 for g in ga if g > 100)}, over 150 ms: {sum(1 for g in ga if g > 150)})")
print(f"transmit intervals, B (unloaded): {dist(gb)}  (over 100 ms: {sum(1 for g in gb if g > 100)}, over 150 ms: {sum(1 for g in gb if g > 150)})")
(sa, wa), (sb, wb) = stalls('127.0.66.'), stalls('127.0.67.')
print(f"stalls (gaps over 150 ms grouped by time): A {sa}, of which {wa} delayed >= 90% of the sessions at once; B {sb}, of which {wb}")
print(f"detection, SIGSTOP of B to A's Down:              {dist(from_stop)}")
print(f"detection, Down after B's last packet + 150 ms:    {dist(late)}")
print(f"  ({slow} of {len(freezes) * N} Downs left out: the session was not Up at 50 ms when B froze)")
print(f"healthy sessions that went Down (outside the freezes and their recovery): A {flaps[0]}, B {flaps[1]}")
for tick in (100, 10):
    print(open(f"{run}/reference-tick{tick}.log").read().strip().splitlines()[-1])
print(f"machine load average (1/5/15 min) at the start {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f}, "
      f"at the end {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} on {os.cpu_count()} cores (other users included)")
print(f"(run folder {run})")
PY
