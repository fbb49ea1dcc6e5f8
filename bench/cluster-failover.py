#!/usr/bin/env python3
"""Issue 17 figures: three AkkaBgp nodes as one cluster on loopback, each holding N paths (default 1M) from
../shared/bench's injector and peered with its own BIRD, plus one BIRD reached through a placement = cluster
neighbor (one BIRD protocol per node address). Prints, as a table and JSON lines:

  * cluster-scope query latency: GET /bgp/rib?prefix=P&scope=cluster against the same query without scope
    (this node only), medians of --queries requests each, measured in the same run (the ratio is the figure);
  * per kill -9 of the node running the placed neighbor: time to the member removed (split brain resolver,
    stable-after as configured), to the neighbor Established on another node, and, after the node is
    restarted, to it being Up again and its own BIRD holding the cluster routes again; the survivors' BIRDs
    are checked to hold the cluster routes throughout.

Not in the test command (minutes). Needs bird2 and ../shared/bench. Run from the repository:

  python3 bench/cluster-failover.py [--prefixes 1000000] [--repeat 3] [--stable-after 20s] [--results FILE]
"""
import argparse, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BENCH = os.path.join(os.path.dirname(REPO), "shared", "bench")
CLUSTER_ROUTES = ["198.51.100.0/24", "203.0.113.0/24"]  # configured, POSTed


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=15) as r:
        return r.status


def wait(what, condition, timeout=120, every=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if condition():
                return time.monotonic()
        except Exception as e:  # a node that is down or starting answers with errors
            last = e
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {timeout} s ({last})")


class Bird:
    """BIRD 2 with one passive protocol per address of ours, announcing nothing; routes from us go to master4."""

    def __init__(self, work, name, address, asn, ours, port):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.ctl = os.path.join(self.dir, "bird.ctl")
        conf = [f"router id {address};", "protocol device {}", "protocol static { ipv4; route 127.0.0.0/8 blackhole; }"]
        for i, (our, our_as) in enumerate(ours):
            conf += [f"protocol bgp akka{i} {{", f"  local {address} port {port} as {asn};", f"  neighbor {our} port {port} as {our_as};",
                     "  strict bind yes; multihop; passive on; hold time 9; keepalive time 3;",
                     "  ipv4 { import all; export none; };", "}"]
        path = os.path.join(self.dir, "bird.conf")
        open(path, "w").write("\n".join(conf) + "\n")
        self.proc = subprocess.Popen(["bird", "-f", "-c", path, "-s", self.ctl, "-P", os.path.join(self.dir, "bird.pid")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def routes(self):
        out = subprocess.run(["birdc", "-s", self.ctl, "show", "route", "table", "master4"], capture_output=True, text=True).stdout
        return {line.split()[0] for line in out.splitlines() if line[:1].isdigit()}

    def stop(self):
        self.proc.terminate()


class Node:
    def __init__(self, work, build, index, stable_after, table, placed):
        self.index = index
        self.address = f"127.0.80.{index}1"
        self.bird_address = f"127.0.80.{index}2"
        self.injector_address = f"127.0.80.{index}3"
        self.bgp, self.http, self.remote = (free_port(self.address) for _ in range(3))
        self.api = f"http://{self.address}:{self.http}"
        self.member = f"akka.tcp://akka-bgp@{self.address}:{self.remote}"
        self.build, self.work, self.table = build, work, table
        self.bird_port = free_port(self.bird_address)
        self.conf = os.path.join(work, f"node{index}.conf")
        self.stable_after, self.placed = stable_after, placed
        self.proc = self.injector = None

    def write(self, seeds):
        routes = f'cluster {{ routes = [ {{ prefix = "{CLUSTER_ROUTES[0]}" }} ] }}'
        placed_address, placed_port = self.placed
        open(self.conf, "w").write(f"""
akka-bgp {{
  router-id = "{self.address}"
  local-as = 65000
  listen = [ {{ address = "{self.address}", port = {self.bgp} }} ]
  management {{ address = "{self.address}", port = {self.http} }}
  logging {{ level = warning }}
  neighbors = [
    {{ address = "{self.injector_address}", remote-as = 65001, passive = true, hold-time = 240s, export {{ default-action = reject }} }}
    {{ address = "{self.bird_address}", remote-as = 6508{self.index}, port = {self.bird_port}, local-address = "{self.address}",
       hold-time = 9s, connect-retry-time = 3s, idle-hold-time = 1s }}
    {{ address = "{placed_address}", remote-as = 65089, port = {placed_port}, local-address = "{self.address}", placement = cluster,
       hold-time = 9s, connect-retry-time = 3s, idle-hold-time = 1s, export {{ default-action = reject }} }}
  ]
  {routes}
}}
akka {{
  remote.dot-netty.tcp {{ hostname = "{self.address}", port = {self.remote} }}
  cluster {{ seed-nodes = [{", ".join(f'"{s}"' for s in seeds)}], split-brain-resolver.stable-after = {self.stable_after} }}
}}
""")

    def start(self):
        log = open(os.path.join(self.work, f"node{self.index}.log"), "a")
        self.proc = subprocess.Popen(["dotnet", self.build, "--config", self.conf], stdout=log, stderr=log)

    def start_injector(self):
        log = open(os.path.join(self.work, f"injector{self.index}.log"), "a")
        self.injector = subprocess.Popen(["python3", os.path.join(BENCH, "injector.py"), "--connect", f"{self.address}:{self.bgp}",
                                          "--peer", f"{self.injector_address},65001,{self.table}", "--go", "all", "--no-stdin", "--hold", "240"],
                                         stdout=log, stderr=log)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        if self.injector:
            self.injector.terminate()
            self.injector.wait()

    def members(self):
        return get(f"{self.api}/cluster/members")["members"]

    def prefixes(self):
        return get(f"{self.api}/bgp/rib/summary").get("ipv4-unicast", {}).get("prefixes", 0)


def median_ms(url, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prefixes", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="kill -9 rounds")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--stable-after", default="20s", help="akka.cluster.split-brain-resolver.stable-after (Akka.NET's default is 20s)")
    ap.add_argument("--results", help="append JSON lines here")
    args = ap.parse_args()
    if not shutil.which("bird"):
        sys.exit("bird2 is needed (apt-get install bird2)")

    work = tempfile.mkdtemp(prefix="akkabgp-cluster-failover.")
    out_dir = os.environ.get("AKKABGP_BENCH_BUILD", "/tmp/akkabgp-bench-service")
    subprocess.run(["dotnet", "build", os.path.join(REPO, "src", "AkkaBgp.Service"), "-c", "Release", "--artifacts-path", out_dir, "-nologo", "-v", "quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    build = os.path.join(out_dir, "bin", "AkkaBgp.Service", "release", "AkkaBgp.Service.dll")
    table = os.path.join(work, "table.bin")
    subprocess.run(["python3", os.path.join(BENCH, "gen_table.py"), "--out", table, "--prefixes", str(args.prefixes), "--peer-as", "65001"],
                   check=True, stdout=subprocess.DEVNULL)

    placed_address = "127.0.80.2"
    placed_port = free_port(placed_address)
    nodes = [Node(work, build, i, args.stable_after, table, (placed_address, placed_port)) for i in (1, 2, 3)]
    seeds = [n.member for n in nodes]
    for n in nodes:
        n.write(seeds)
    birds = [Bird(work, f"bird{n.index}", n.bird_address, 65080 + n.index, [(n.address, 65000)], n.bird_port) for n in nodes]
    placed_bird = Bird(work, "bird-placed", placed_address, 65089, [(n.address, 65000) for n in nodes], placed_port)
    lines = []
    try:
        for n in nodes:
            n.start()
        for n in nodes:
            wait(f"node {n.index} three Up members", lambda n=n: sum(m["status"] == "Up" for m in n.members()) == 3)
        start = time.monotonic()
        for n in nodes:
            n.start_injector()
        for n in nodes:
            wait(f"node {n.index} holds {args.prefixes} prefixes", lambda n=n: n.prefixes() >= args.prefixes, timeout=600, every=0.5)
        load = time.monotonic() - start
        assert request("POST", f"{nodes[0].api}/bgp/routes", {"prefix": CLUSTER_ROUTES[1], "scope": "cluster"}) in (201, 202)
        for b in birds:
            wait("every BIRD holds the cluster routes", lambda b=b: set(CLUSTER_ROUTES) <= b.routes())

        # Query latency: this node only, then every node, the same prefix, interleaved in blocks.
        sample = get(f"{nodes[0].api}/bgp/rib?prefix=0.0.0.0/0&match=longer&limit=1")["routes"][0]["prefix"]
        local = median_ms(f"{nodes[0].api}/bgp/rib?prefix={sample}", args.queries)
        cluster = median_ms(f"{nodes[0].api}/bgp/rib?prefix={sample}&scope=cluster", args.queries)
        local2 = median_ms(f"{nodes[0].api}/bgp/rib?prefix={sample}", args.queries)
        rows = get(f"{nodes[0].api}/bgp/rib?prefix={sample}&scope=cluster")["routes"]
        assert len(rows) == 3, rows
        q = {"figure": "query", "prefixes_per_node": args.prefixes, "load_s": round(load, 2), "local_ms": round(statistics.mean([local, local2]), 2),
             "cluster_ms": round(cluster, 2), "ratio": round(cluster / statistics.mean([local, local2]), 2)}
        lines.append(q)
        print(f"load of {args.prefixes} prefixes into each of 3 nodes: {load:.1f} s")
        print(f"GET /bgp/rib?prefix={sample}: this node {q['local_ms']} ms, scope=cluster {q['cluster_ms']} ms ({q['ratio']}x), medians of {args.queries}")

        for round_ in range(1, args.repeat + 1):
            def placed_on():
                rows = [r for r in get(f"{nodes[0 if nodes[0].proc.poll() is None else 1].api}/bgp/neighbors?scope=cluster")["neighbors"]
                        if r["address"] == placed_address and r["state"] == "Established"]
                return rows[0]["node"] if len(rows) == 1 else None
            wait("the placed neighbor Established", lambda: placed_on() is not None)
            host = next(n for n in nodes if n.member == placed_on())
            survivor = next(n for n in nodes if n is not host)
            others = [b for n, b in zip(nodes, birds) if n is not host]
            t0 = time.monotonic()
            host.kill()
            removed = wait("member removed", lambda: len(survivor.members()) == 2, timeout=180) - t0

            def moved():
                rows = [r for r in get(f"{survivor.api}/bgp/neighbors?scope=cluster")["neighbors"] if r["address"] == placed_address]
                return len(rows) == 1 and rows[0]["state"] == "Established" and rows[0]["node"] != host.member
            established = wait("placed neighbor Established elsewhere", moved, timeout=180) - t0
            kept = all(set(CLUSTER_ROUTES) <= b.routes() for b in others)
            host_bird = birds[nodes.index(host)]
            t1 = time.monotonic()
            host.start()
            rejoined = wait("killed node Up again", lambda: sum(m["status"] == "Up" for m in host.members()) == 3, timeout=180) - t1
            routes_back = wait("its BIRD holds the cluster routes again", lambda: set(CLUSTER_ROUTES) <= host_bird.routes(), timeout=180) - t1
            host.start_injector()
            wait("the restarted node holds its table again", lambda: host.prefixes() >= args.prefixes, timeout=600, every=0.5)
            r = {"figure": "kill-9", "round": round_, "stable_after": args.stable_after, "killed": host.member, "removed_s": round(removed, 2),
                 "neighbor_established_s": round(established, 2), "survivors_kept_routes": kept, "restart_to_up_s": round(rejoined, 2),
                 "restart_to_bird_routes_s": round(routes_back, 2)}
            lines.append(r)
            print(f"round {round_}: kill -9 {host.member}: removed {removed:.1f} s, placed neighbor Established on another node {established:.1f} s, "
                  f"survivors' BIRDs kept the cluster routes: {kept}; restart: Up {rejoined:.1f} s, its BIRD has the cluster routes {routes_back:.1f} s")
        kills = [l for l in lines if l["figure"] == "kill-9"]
        if kills:
            print("medians: " + ", ".join(f"{k} {statistics.median(l[k] for l in kills):.1f} s"
                                          for k in ("removed_s", "neighbor_established_s", "restart_to_up_s", "restart_to_bird_routes_s")))
        if args.results:
            with open(args.results, "a") as f:
                for l in lines:
                    f.write(json.dumps({"date": time.strftime("%Y-%m-%d"), **l}) + "\n")
    finally:
        for n in nodes:
            if n.proc and n.proc.poll() is None:
                n.proc.terminate()
            if n.injector and n.injector.poll() is None:
                n.injector.terminate()
        for b in birds + [placed_bird]:
            b.stop()
        print(f"logs in {work}")


if __name__ == "__main__":
    main()
