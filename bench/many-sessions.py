#!/usr/bin/env python3
"""Issue 11, W3 at scale: N BGP sessions (default 2,000) from sources spread over several 127.2.y.0/24 ranges
(200 per range), each announcing its own 10 IPv4 prefixes, against AkkaBgp and against BIRD, one after the other
with the same injector (this file). ../shared/bench's runner numbers its peers 127.0.1.(10+i) and so stops near 200.

Per run: the time from the first connect to every session Established and every route in the RIB, the DUT's CPU
seconds for that, its CPU use (percent of one core) over --idle seconds once converged, its RSS before the sessions,
at the end and at its peak (VmHWM), and RSS per session; then every session closes at once, and the time until the
DUT shows none of them and none of their routes (t_teardown_s) and the CPU seconds that took. With --table N one more
session, a transit peer, first announces N /24s of its own and stays up throughout: what a route server or collector
with a full table pays when many small peers go down together; with --graceful-restart those sessions send RFC 4724's
capability, their routes stay (stale) after the close, and the teardown is timed until the sessions are down. With --mode configured (the default) both DUTs list every
session's neighbor, as ../shared/bench's W3 does; with --mode dynamic both take them through a range (AkkaBgp
dynamic-neighbors, BIRD `neighbor range`). BIRD 2.0.12 spawned only about 1,550 of 2,000 sessions from a range within
five minutes here, so the comparison is made with configured neighbors.

The injector is asyncio: one TCP connection per session from its own source address, OPEN (4-octet AS, IPv4
unicast), KEEPALIVE (at most --handshakes sessions in that phase at once), one UPDATE with the session's prefixes, End-of-RIB, then KEEPALIVEs every 30 s; whatever the DUT
sends is read and dropped. Written here (not ../shared/bench/injector.py, a thread per session) so that 2,000 sessions
cost the injector little next to the DUT.

  python3 bench/many-sessions.py [--dut akkabgp,bird] [--sessions 2000] [--mode configured|dynamic] [--repeat 1]
                                 [--idle 30] [--table 0] [--graceful-restart [--return-prefixes 10]] [--results FILE]
"""
import argparse, asyncio, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DUT_ADDRESS, DUT_AS, PEER_AS, PREFIXES = "127.3.0.1", 65000, 65001, 10
HZ = os.sysconf("SC_CLK_TCK")


def peer_address(i):
    return f"127.2.{i // 200}.{10 + i % 200}"


def message(kind, body=b""):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body


# --graceful-restart: the small sessions send RFC 4724's capability (restart time 120 s, IPv4 unicast, forwarding
# state preserved), so that a DUT helping with graceful restart keeps their routes stale when they close.
GRACEFUL_RESTART = False
# Connections the injector opened (the DUT may refuse some, e.g. while a neighbor is held Idle after a failure).
CONNECTS = [0]
# --return-prefixes: how many of their routes the peers announce again when they return (the rest go at End-of-RIB).
RETURN_PREFIXES = PREFIXES
# --return-after: seconds between the teardown and the peers' return.
RETURN_AFTER = 1.0


def open_message(address):
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack("!I", PEER_AS)  # MP IPv4 unicast, 4-octet AS
    if GRACEFUL_RESTART:
        caps += bytes([64, 6]) + struct.pack("!HHBB", 120, 1, 1, 0x80)
    optional = bytes([2, len(caps)]) + caps
    return message(1, struct.pack("!BHH4sB", 4, PEER_AS, 90, socket.inet_aton(address), len(optional)) + optional)


def update_message(i, next_hop, count=PREFIXES):
    # ORIGIN IGP, AS_PATH [65001] (4-octet), NEXT_HOP; then 10 /24s of 11.0.0.0/8 that belong to this session alone.
    attrs = (bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", PEER_AS)
             + bytes([0x40, 3, 4]) + socket.inet_aton(next_hop))
    nlri = b"".join(bytes([24, 11, (n >> 8) & 255, n & 255]) for n in range(i * PREFIXES, i * PREFIXES + count))
    return message(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


END_OF_RIB = message(2, b"\x00\x00\x00\x00")

# --table: one more session, a transit peer with a table of its own (/24s from 16.0.0.0 up), from this address.
TABLE_ADDRESS = "127.2.250.1"


def table_updates(count, next_hop):
    attrs = (bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 10, 2, 2]) + struct.pack("!II", PEER_AS, 64999)
             + bytes([0x40, 3, 4]) + socket.inet_aton(next_hop))
    out = []
    for start in range(0, count, 900):
        nlri = b"".join(bytes([24]) + struct.pack("!I", (0x100000 + n) << 8)[:3] for n in range(start, min(count, start + 900)))
        out.append(message(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri))
    return b"".join(out)


async def session(i, port, established, stop, handshakes, address=None, routes=None):
    address = address or peer_address(i)
    while not stop.is_set():
        writer = None
        try:
            # At most --handshakes connections between connect and Established at once: 2,000 SYNs in the same
            # millisecond overflow a small listen backlog (BIRD's is 8), and the kernel's SYN retries (1, 3, 7 s, ...)
            # would then be measured instead of the daemon.
            async with handshakes:
                CONNECTS[0] += 1
                reader, writer = await asyncio.open_connection(DUT_ADDRESS, port, local_addr=(address, 0))
                writer.write(open_message(address))
                await writer.drain()
                seen_open = False
                while True:
                    header = await reader.readexactly(19)
                    body = await reader.readexactly(struct.unpack("!H", header[16:18])[0] - 19)
                    if header[18] == 1:
                        seen_open = True
                        writer.write(message(4))
                    elif header[18] == 4 and seen_open:
                        break
                    elif header[18] == 3:
                        raise ConnectionError(f"NOTIFICATION {body[:2].hex()}")
            established[i] = time.monotonic()
            writer.write((routes or update_message(i, "198.51.100.1")) + END_OF_RIB)
            await writer.drain()

            async def keepalives():
                while True:
                    await asyncio.sleep(30)
                    writer.write(message(4))
                    await writer.drain()
            ka = asyncio.ensure_future(keepalives())
            try:
                while not stop.is_set():
                    header = await reader.readexactly(19)
                    await reader.readexactly(struct.unpack("!H", header[16:18])[0] - 19)
            finally:
                ka.cancel()
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            established.pop(i, None)
            await asyncio.sleep(0.5)
        finally:
            if writer is not None:
                writer.close()


class Process:
    def __init__(self, pid):
        self.pid = pid

    def cpu(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ

    def rss(self, key="VmRSS"):
        m = re.search(rf"^{key}:\s+(\d+) kB", open(f"/proc/{self.pid}/status").read(), re.M)
        return int(m.group(1)) / 1024


class AkkaBgp:
    name = "akkabgp"

    def __init__(self, work, port, sessions, mode, table=0):
        out = os.environ.get("AKKABGP_BENCH_BUILD", "/tmp/akkabgp-bench-service")
        subprocess.run(["dotnet", "build", os.path.join(REPO, "src", "AkkaBgp.Service"), "-c", "Release", "--artifacts-path", out,
                        "-nologo", "-v", "quiet"], check=True, stdout=subprocess.DEVNULL)
        http = free_port(DUT_ADDRESS)
        self.api = f"http://{DUT_ADDRESS}:{http}"
        conf = os.path.join(work, "akka-bgp.conf")
        if mode == "dynamic":
            neighbors = (f'dynamic-neighbors = [ {{ prefix = "127.2.0.0/16", remote-as = {PEER_AS}, limit = {sessions + 1}, '
                         'export { default-action = reject } } ]')
        else:
            neighbors = "neighbors = [\n" + "\n".join(
                f'    {{ address = "{peer_address(i)}", remote-as = {PEER_AS}, passive = true, export {{ default-action = reject }} }}'
                for i in range(sessions)) + "\n" + (
                f'    {{ address = "{TABLE_ADDRESS}", remote-as = {PEER_AS}, passive = true, export {{ default-action = reject }} }}\n'
                if table else "") + "  ]"
        open(conf, "w").write(f"""
akka-bgp {{
  router-id = "{DUT_ADDRESS}"
  local-as = {DUT_AS}
  listen = [ {{ address = "{DUT_ADDRESS}", port = {port} }} ]
  management {{ address = "{DUT_ADDRESS}", port = {http} }}
  logging {{ level = warning }}
  {neighbors}
}}
""")
        self.proc = subprocess.Popen(["dotnet", os.path.join(out, "bin", "AkkaBgp.Service", "release", "AkkaBgp.Service.dll"), "--config", conf],
                                     stdout=open(os.path.join(work, "service.log"), "w"), stderr=subprocess.STDOUT)
        wait(lambda: urllib.request.urlopen(f"{self.api}/ready", timeout=2).status == 200, 60)

    def poll(self):
        s = json.load(urllib.request.urlopen(f"{self.api}/bgp/rib/summary", timeout=10))
        return s["peers"]["established"], s.get("ipv4-unicast", {}).get("prefixes", 0)


class Bird:
    name = "bird"

    def __init__(self, work, port, sessions, mode, table=0):
        self.ctl = os.path.join(work, "bird.ctl")
        conf = os.path.join(work, "bird.conf")
        if mode == "dynamic":
            peers = f'protocol bgp peers from t {{ neighbor range 127.2.0.0/16 port {port} as {PEER_AS}; dynamic name "p"; }}'
        else:
            peers = "\n".join(f"protocol bgp p{i} from t {{ neighbor {peer_address(i)} port {port} as {PEER_AS}; }}" for i in range(sessions))
            if table:
                peers += f"\nprotocol bgp ptable from t {{ neighbor {TABLE_ADDRESS} port {port} as {PEER_AS}; }}"
        open(conf, "w").write(f"""router id {DUT_ADDRESS};
protocol device {{}}
protocol static {{ ipv4; route 198.51.100.0/24 blackhole; }}
template bgp t {{
  local {DUT_ADDRESS} port {port} as {DUT_AS};
  strict bind yes; multihop; passive on;
  hold time 90;
  ipv4 {{ import all; export none; }};
}}
{peers}
""")
        self.proc = subprocess.Popen(["bird", "-f", "-c", conf, "-s", self.ctl], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: subprocess.run(["birdc", "-s", self.ctl, "show", "status"], capture_output=True).returncode == 0, 30)
        if mode == "configured":
            # BIRD answers before it has started 2,000 protocols; a session that arrives for one not yet started is
            # refused, and that protocol then waits out its error wait time (60 s and more): wait until all listen.
            wait(lambda: subprocess.run(["birdc", "-s", self.ctl, "show", "protocols"], capture_output=True, text=True).stdout.count("Passive") >= sessions + (1 if table else 0), 120)

    def poll(self):
        protocols = subprocess.run(["birdc", "-s", self.ctl, "show", "protocols"], capture_output=True, text=True).stdout
        # The sessions' routes only (their protocols are named p1, p2, ...), not the static one for the next hop.
        routes = subprocess.run(["birdc", "-s", self.ctl, 'show route where proto ~ "p*" count'], capture_output=True, text=True).stdout
        m = re.search(r"(\d+) of \d+ routes", routes)
        return protocols.count("Established"), (int(m.group(1)) if m else 0)


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def wait(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError("not within %s s" % timeout)


async def run_one(dut_class, sessions, idle, work, mode, handshakes, table=0):
    port = free_port(DUT_ADDRESS)
    dut = dut_class(work, port, sessions, mode, table)
    proc = Process(dut.proc.pid)
    loop = asyncio.get_running_loop()
    table_stop, table_task, t_table = asyncio.Event(), None, None
    try:
        await asyncio.sleep(2)  # the service's start-up work (JIT, cluster join) is not the sessions' cost
        if table:
            # The transit peer's table first, so that the small sessions come and go next to it.
            t = time.monotonic()
            table_task = asyncio.ensure_future(session(-1, port, {}, table_stop, asyncio.Semaphore(1), TABLE_ADDRESS,
                                                       table_updates(table, "198.51.100.1")))
            while (await loop.run_in_executor(None, dut.poll))[1] < table:
                if time.monotonic() - t > 300:
                    raise TimeoutError(f"{dut.name}: the {table}-prefix table not in after 300 s")
                await asyncio.sleep(0.2)
            t_table = time.monotonic() - t
        peers_extra, prefixes_extra = (1, table) if table else (0, 0)
        rss_before, cpu_before = proc.rss(), proc.cpu()
        established, stop = {}, asyncio.Event()
        t0 = time.monotonic()
        gate = asyncio.Semaphore(handshakes)
        tasks = [asyncio.ensure_future(session(i, port, established, stop, gate)) for i in range(sessions)]
        all_established = all_routes = None
        up = prefixes = 0
        deadline = t0 + 300
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            up, prefixes = await loop.run_in_executor(None, dut.poll)
            now = time.monotonic()
            if all_established is None and up >= sessions + peers_extra:
                all_established = now - t0
            if up >= sessions + peers_extra and prefixes >= sessions * PREFIXES + prefixes_extra:
                all_routes = now - t0
                break
        if all_routes is None:
            raise TimeoutError(f"{dut.name}: {up} sessions, {prefixes} prefixes after 300 s")
        cpu_converged = proc.cpu() - cpu_before
        c1 = proc.cpu()
        await asyncio.sleep(idle)
        idle_cpu = 100 * (proc.cpu() - c1) / idle
        up, prefixes = await loop.run_in_executor(None, dut.poll)
        rss, peak = proc.rss(), proc.rss("VmHWM")
        # Teardown: every small session closes at once (the transit peer stays); timed until the DUT shows none of
        # them and none of their routes.
        still = up
        c2, t2 = proc.cpu(), time.monotonic()
        stop.set()
        for t in tasks:
            t.cancel()
        t_teardown, unanswered = None, 0
        while time.monotonic() - t2 < 300:
            await asyncio.sleep(0.1)
            try:
                up, prefixes = await loop.run_in_executor(None, dut.poll)
            except OSError:  # urllib's HTTPError (a 504 while the RIB is busy) and timeouts
                unanswered += 1
                continue
            # With graceful restart the routes stay (stale) for the restart time: only the sessions are waited for.
            if up <= peers_extra and (GRACEFUL_RESTART or prefixes <= prefixes_extra):
                t_teardown = time.monotonic() - t2
                break
        cpu_teardown = proc.cpu() - c2
        prefixes_torn = prefixes
        returned = None
        if GRACEFUL_RESTART:
            # The restarting peers return (within their restart time): new sessions, the same routes, End-of-RIB. Timed
            # until all are Established and until the DUT is quiet again (under 5 % of a core over half a second),
            # which takes the re-announcements and the stale sweeps the End-of-RIBs set off.
            await asyncio.sleep(RETURN_AFTER)
            stop2, c3, t3, connects = asyncio.Event(), proc.cpu(), time.monotonic(), CONNECTS[0]
            tasks = [asyncio.ensure_future(session(i, port, {}, stop2, gate, routes=update_message(i, "198.51.100.1", RETURN_PREFIXES)))
                     for i in range(sessions)]
            t_back = None
            while time.monotonic() - t3 < 300:
                await asyncio.sleep(0.1)
                try:
                    up, prefixes = await loop.run_in_executor(None, dut.poll)
                except OSError:
                    continue
                if up >= sessions + peers_extra:
                    t_back = time.monotonic() - t3
                    break
            c4 = proc.cpu()
            while time.monotonic() - t3 < 300:
                await asyncio.sleep(0.5)
                c5 = proc.cpu()
                if c5 - c4 < 0.025:
                    break
                c4 = c5
            returned = {"t_return_established_s": round(t_back, 2) if t_back is not None else None,
                        "t_return_quiet_s": round(time.monotonic() - t3, 2), "return_cpu_s": round(proc.cpu() - c3, 2),
                        "prefixes_after_return": prefixes, "return_connects": CONNECTS[0] - connects}
            stop2.set()
            for t in tasks:
                t.cancel()
        row = {"dut": dut.name, "mode": mode, "handshakes": handshakes, "sessions": sessions, "prefixes_each": PREFIXES}
        if table:
            row.update(table=table, t_table_s=round(t_table, 2))
        if GRACEFUL_RESTART:
            row.update(graceful_restart=True, prefixes_after_teardown=prefixes_torn)
        row.update({"t_established_s": round(all_established, 2),
                    "t_routes_s": round(all_routes, 2), "cpu_s": round(cpu_converged, 2), "idle_s": idle, "idle_cpu_pct": round(idle_cpu, 2),
                    "still_established": still, "rss_before_mib": round(rss_before, 1), "rss_mib": round(rss, 1), "peak_rss_mib": round(peak, 1),
                    "rss_per_session_kib": round((rss - rss_before) * 1024 / sessions, 1),
                    "t_teardown_s": round(t_teardown, 2) if t_teardown is not None else None, "teardown_cpu_s": round(cpu_teardown, 2),
                    "teardown_polls_unanswered": unanswered})
        if returned:
            row.update(returned)
        return row
    finally:
        table_stop.set()
        if table_task is not None:
            table_task.cancel()
        dut.proc.terminate()
        dut.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dut", default="akkabgp,bird")
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--mode", choices=["configured", "dynamic"], default="configured")
    ap.add_argument("--handshakes", type=int, default=64, help="sessions between connect and Established at once")
    ap.add_argument("--table", type=int, default=0, help="one more session, a transit peer announcing this many /24s first")
    ap.add_argument("--graceful-restart", action="store_true", help="the small sessions send the graceful restart capability")
    ap.add_argument("--return-prefixes", type=int, default=PREFIXES, help="with --graceful-restart: routes each peer announces again")
    ap.add_argument("--return-after", type=float, default=1.0, help="with --graceful-restart: seconds before the peers return")
    ap.add_argument("--results")
    args = ap.parse_args()
    global GRACEFUL_RESTART, RETURN_PREFIXES, RETURN_AFTER
    GRACEFUL_RESTART, RETURN_PREFIXES, RETURN_AFTER = args.graceful_restart, args.return_prefixes, args.return_after
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.sessions + 1024)), hard))
    interleaved(args.dut, args.repeat, args.results,
                lambda dut, work: run_one(dut, args.sessions, args.idle, work, args.mode, args.handshakes, args.table))


def interleaved(names, repeats, results, run):
    """Repeat 1 of every DUT in `names` (comma list), then repeat 2, ...; `run(dut_class, work_dir)` is a coroutine
    returning the run's row, printed and appended to `results` as one JSON line. bench/churn.py uses it too."""
    duts = {"akkabgp": AkkaBgp, "bird": Bird}
    for repeat in range(1, repeats + 1):
        for name in names.split(","):
            if name == "bird" and not shutil.which("bird"):
                sys.exit("bird2 is needed (apt-get install bird2)")
            work = tempfile.mkdtemp(prefix=f"akkabgp-bench-{name}.")
            r = asyncio.run(run(duts[name], work))
            r.update(repeat=repeat, date=time.strftime("%Y-%m-%d"))
            print(json.dumps(r), flush=True)
            if results:
                with open(results, "a") as f:
                    f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
