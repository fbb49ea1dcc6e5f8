using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// Issue 17, routes announced by every healthy node: three service processes in one cluster, each peered with its own
/// BIRD. A configured cluster route and a route POSTed on one node with scope cluster, each with a health check (a
/// maintenance file in the node's working directory, the way ExaBGP's healthcheck is disabled), reach all three BIRDs;
/// the checks failing on node 2 withdraw both routes from node 2's BIRD only; a DELETE on another node withdraws the POSTed route
/// everywhere. Then <c>kill -9</c> of node 3: the split brain resolver removes it, the two others keep every route and
/// still take writes; node 3 restarted rejoins and its BIRD gets the routes again, the POSTed ones from the others'
/// replicated data.
/// </summary>
public sealed class ClusterRoutesInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private const string Checked = "203.0.113.0/24", Posted = "198.51.100.0/24", Later = "192.0.2.0/24";

    private sealed record Node(ServiceConfig Config, int RemotePort, Peering Peering)
    {
        public string Address => $"akka.tcp://akka-bgp@{Config.Address}:{RemotePort}";
    }

    [Fact]
    public async Task A_cluster_route_reaches_every_nodes_BIRD_follows_each_nodes_health_check_and_survives_a_killed_node()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var nodes = new[] { 1, 2, 3 }.Select(i =>
        {
            var address = IPAddress.Parse($"127.0.74.{i * 10 + 1}");
            var config = new ServiceConfig(address);
            return new Node(config, ServiceProcess.FreePort(address),
                new Peering(IPAddress.Parse($"127.0.74.{i * 10 + 2}"), (uint)(65074 + i), address, 65000, config.BgpPort) { DaemonPassive = true });
        }).ToArray();
        var seed = nodes[0].Address;
        foreach (var n in nodes)
            n.Config.Write(BirdPeeringTests.Neighbor(n.Peering) + $$"""
                  cluster {
                    routes = [ { prefix = "{{Checked}}", health-check { exec = "test ! -e maintenance", interval = 500ms, timeout = 400ms, rise = 1, fall = 1 } } ]
                  }
                """, $$"""
                  remote.dot-netty.tcp { hostname = "{{n.Config.Address}}", port = {{n.RemotePort}} }
                  cluster {
                    seed-nodes = ["{{seed}}"]
                    # Quicker than the defaults, so the test sees node 3 removed within seconds.
                    split-brain-resolver.stable-after = 5s
                    failure-detector.acceptable-heartbeat-pause = 3s
                  }
                """);
        var birds = nodes.Select(n => new Bird(n.Peering)).ToArray();
        var services = new List<ServiceProcess>();
        try
        {
            await Task.WhenAll(birds.Select(b => b.StartAsync()));
            services.Add(await ServiceProcess.StartAsync(nodes[0].Config.Path, nodes[0].Config.Management, readyWithin: Wait));
            services.AddRange(await Task.WhenAll(nodes.Skip(1).Select(n => ServiceProcess.StartAsync(n.Config.Path, n.Config.Management, readyWithin: Wait))));
            await UpMembersAsync(services, 3);
            await Task.WhenAll(birds.Select(b => b.WaitForPeerAsync(p => p.IsEstablished, Wait)));

            // The configured route, its check passing everywhere, and a route POSTed on node 1 for the whole cluster.
            // The POSTed route carries the same kind of check, given in the API's form.
            var posted = await services[0].SendAsync(HttpMethod.Post, "bgp/routes", new
            {
                prefix = Posted, scope = "cluster", communities = new[] { "65000:7" },
                healthCheck = new { exec = "test ! -e maintenance", interval = "500ms", timeoutMs = 400, rise = 1, fall = 1 },
            });
            Assert.Equal(HttpStatusCode.Created, posted.Status);
            await Task.WhenAll(birds.Select(b => b.WaitForRoutesAsync(4, r => r.Contains(Checked) && r.Contains(Posted), Wait)));
            Assert.Contains("(65000,7)", await birds[2].ShowRouteAsync(Posted)); // BIRD writes communities as (asn,value)

            // Every node's view of both routes from node 3.
            var view = await services[2].GetJsonAsync("bgp/cluster/routes?scope=cluster");
            var rows = view.GetProperty("routes").EnumerateArray().ToArray();
            Assert.Equal(6, rows.Length);
            Assert.All(rows, r => Assert.Equal("passing", r.GetProperty("health").GetString()));
            Assert.All(rows.Where(r => r.GetProperty("prefix").GetString() == Posted), r => Assert.Equal("api", r.GetProperty("source").GetString()));

            // What a cluster route cannot be: changed through the API when configured, or checked without cluster scope.
            Assert.Equal(HttpStatusCode.Conflict, (await services[1].SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = Checked, scope = "cluster" })).Status);
            Assert.Equal(HttpStatusCode.Conflict, (await services[1].SendAsync(HttpMethod.Delete, $"bgp/routes?prefix={Checked}&scope=cluster")).Status);
            var unscoped = await services[1].SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = Later, healthCheck = new { exec = "true" } });
            Assert.Equal(HttpStatusCode.BadRequest, unscoped.Status);
            Assert.Contains("scope", unscoped.Body.GetRawText());

            // Node 2 goes into maintenance: its BIRD loses both checked routes, the others keep them, and node 1's
            // cluster-wide event stream says so.
            using (var cts = new CancellationTokenSource(Wait))
            {
                using var stream = await services[0].Http.GetAsync("bgp/events?scope=cluster", HttpCompletionOption.ResponseHeadersRead, cts.Token);
                var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cts.Token));
                await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "snapshot-complete", cts.Token);
                var maintenance = nodes[1].Config.WriteFile("maintenance", []);
                var seen = new HashSet<string>();
                var events = await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "cluster-route" && seen.Add(e.Data.GetProperty("prefix").GetString()!) && seen.Count == 2, cts.Token);
                foreach (var failing in events.Where(e => e.Name == "cluster-route"))
                {
                    Assert.Equal(nodes[1].Address, failing.Data.GetProperty("node").GetString());
                    Assert.Equal(("failing", "nothing"), (failing.Data.GetProperty("to").GetString(), failing.Data.GetProperty("announced").GetString()));
                    Assert.StartsWith("exit 1", failing.Data.GetProperty("detail").GetString());
                }
                Assert.Equal(new[] { Posted, Checked }.Order(), seen.Order());
                await birds[1].WaitForRoutesAsync(4, r => !r.Contains(Checked) && !r.Contains(Posted), Wait);
                foreach (var b in new[] { birds[0], birds[2] }) Assert.Contains(Posted, await b.GetRoutesFromUsAsync(4));
                foreach (var b in new[] { birds[0], birds[2] }) Assert.Contains(Checked, await b.GetRoutesFromUsAsync(4));
                var metrics = await services[1].Http.GetStringAsync("metrics");
                Assert.Contains("bgp_cluster_routes{health=\"failing\",announced=\"nothing\"} 2", metrics);
                Assert.Contains("akka_cluster_members{status=\"Up\"} 3", metrics);
                Assert.Contains("akka_cluster_unreachable_members 0", metrics);
                File.Delete(maintenance);
                await birds[1].WaitForRoutesAsync(4, r => r.Contains(Checked) && r.Contains(Posted), Wait);
            }

            // A DELETE on node 3 withdraws the POSTed route from every BIRD.
            Assert.Equal(HttpStatusCode.OK, (await services[2].SendAsync(HttpMethod.Delete, $"bgp/routes?prefix={Posted}&scope=cluster")).Status);
            await Task.WhenAll(birds.Select(b => b.WaitForRoutesAsync(4, r => !r.Contains(Posted) && r.Contains(Checked), Wait)));
            Assert.Equal(HttpStatusCode.NotFound, (await services[0].SendAsync(HttpMethod.Delete, $"bgp/routes?prefix={Posted}&scope=cluster")).Status);
            Assert.Equal(HttpStatusCode.Created, (await services[1].SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = Posted, scope = "cluster" })).Status);
            await Task.WhenAll(birds.Select(b => b.WaitForRoutesAsync(4, r => r.Contains(Posted), Wait)));

            // kill -9 node 3: removed by the split brain resolver (keep-majority, 2 of 3 remain); the two others keep every
            // cluster route and a write still reaches a majority.
            var killed = Stopwatch.StartNew();
            services[2].Signal("KILL");
            await services[2].WaitForExitAsync(TimeSpan.FromSeconds(10));
            await services[0].WaitForMembersUpAsync(2, Wait);
            var removedAfter = killed.Elapsed;
            Assert.Equal(HttpStatusCode.Created, (await services[0].SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = Later, scope = "cluster" })).Status);
            foreach (var b in birds[..2]) await b.WaitForRoutesAsync(4, r => r.Contains(Checked) && r.Contains(Posted) && r.Contains(Later), Wait);

            // Node 3 back: it rejoins, and its BIRD gets every cluster route, the API ones from the others' data.
            await services[2].DisposeAsync();
            services[2] = await ServiceProcess.StartAsync(nodes[2].Config.Path, nodes[2].Config.Management, readyWithin: Wait);
            await UpMembersAsync(services, 3);
            await birds[2].WaitForRoutesAsync(4, r => r.Contains(Checked) && r.Contains(Posted) && r.Contains(Later), Wait);

            // Node 2 asked to leave (through node 1): its session ends with Cease/2 saying so, which withdraws what it
            // announced from its BIRD; its process exits 0 and the others go on as two.
            Assert.Equal(HttpStatusCode.NotFound, (await services[0].SendAsync(HttpMethod.Delete, "cluster/members/127.0.0.1:1")).Status);
            var leave = await services[0].SendAsync(HttpMethod.Delete, $"cluster/members/{nodes[1].Config.Address}:{nodes[1].RemotePort}");
            Assert.Equal(HttpStatusCode.Accepted, leave.Status);
            var exit = await services[1].WaitForExitAsync(Wait);
            Assert.True(exit == 0, $"node 2 exited with {exit}:\n{services[1].Output}");
            await services[0].WaitUntilAsync(() => Task.FromResult(BirdPeeringTests.BirdLog(birds[1]).Contains("Received: Administrative shutdown: \"node leaving the AkkaBgp cluster\"")),
                Wait, "Cease/2 with the leaving communication in BIRD 2's log");
            await birds[1].WaitForRoutesAsync(4, r => r.Count == 0, Wait);
            await UpMembersAsync([services[0], services[2]], 2);
            Console.WriteLine($"kill -9 to removal: {removedAfter.TotalSeconds:0.0} s");
        }
        finally
        {
            foreach (var s in services) await s.DisposeAsync();
            foreach (var b in birds) await b.DisposeAsync();
            foreach (var n in nodes) n.Config.Dispose();
        }
    }

    private static async Task UpMembersAsync(IEnumerable<ServiceProcess> services, int count)
    {
        foreach (var s in services) await s.WaitForMembersUpAsync(count, Wait);
    }
}
