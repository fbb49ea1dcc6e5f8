using System.Net;
using System.Text.Json;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// Issue 17's first step: three service processes joined into one Akka.NET cluster through seed nodes, and one
/// management view from any node: <c>/bgp/neighbors?scope=cluster</c> lists every node's neighbors, each row naming
/// its node, the same for <c>/bgp/rib?scope=cluster</c>, and one <c>/bgp/events?scope=cluster</c> stream that opens with
/// every node's neighbors and carries each node's session events; a node killed with SIGKILL is listed as not
/// answering, never silently missing.
/// </summary>
public sealed class ClusterViewTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private sealed record Node(ServiceConfig Config, int RemotePort, string Neighbor)
    {
        public string Address => $"akka.tcp://akka-bgp@{Config.Address}:{RemotePort}";
    }

    [Fact]
    public async Task Three_nodes_form_one_cluster_and_any_node_lists_every_nodes_neighbors_and_names_a_dead_one()
    {
        var nodes = new[] { 1, 2, 3 }.Select(i =>
        {
            var address = IPAddress.Parse($"127.0.72.{i * 10 + 1}");
            return new Node(new ServiceConfig(address), ServiceProcess.FreePort(address), $"127.0.72.{i * 10 + 2}");
        }).ToArray();
        var seed = nodes[0].Address;
        foreach (var (n, i) in nodes.Select((n, i) => (n, i)))
            n.Config.Write($"  neighbors = [ {{ address = \"{n.Neighbor}\", remote-as = {65070 + i}, passive = true, description = \"node {i + 1}\" }} ]\n"
                // The same anycast route on every node, and one route of node 2's own.
                + $"  routes = [ {{ prefix = \"198.51.100.0/24\" }}{(i == 1 ? ", { prefix = \"203.0.113.0/24\" }" : "")} ]", $$"""
                  remote.dot-netty.tcp { hostname = "{{n.Config.Address}}", port = {{n.RemotePort}} }
                  cluster { seed-nodes = ["{{seed}}"] }
                """);
        var services = new List<ServiceProcess>();
        try
        {
            // The seed first: the others join it.
            services.Add(await ServiceProcess.StartAsync(nodes[0].Config.Path, nodes[0].Config.Management, readyWithin: Wait));
            services.AddRange(await Task.WhenAll(nodes.Skip(1).Select(n => ServiceProcess.StartAsync(n.Config.Path, n.Config.Management, readyWithin: Wait))));

            foreach (var s in services)
                await s.WaitForMembersUpAsync(3, Wait);

            // Any node answers for all three.
            foreach (var s in services)
            {
                var view = await s.GetJsonAsync("bgp/neighbors?scope=cluster");
                Assert.Equal("cluster", view.GetProperty("scope").GetString());
                Assert.Equal(0, view.GetProperty("nodesNotAnswering").GetArrayLength());
                var rows = view.GetProperty("neighbors").EnumerateArray().ToArray();
                Assert.Equal(3, rows.Length);
                foreach (var n in nodes)
                {
                    var row = Assert.Single(rows, r => r.GetProperty("address").GetString() == n.Neighbor);
                    Assert.Equal(n.Address, row.GetProperty("node").GetString());
                }
            }
            // The RIB the same way: the anycast route once per node, node 2's own route once, named by its node.
            var anycast = (await services[2].GetJsonAsync("bgp/rib?prefix=198.51.100.0/24&scope=cluster")).GetProperty("routes").EnumerateArray()
                .Select(r => r.GetProperty("node").GetString()!).Order().ToArray();
            Assert.Equal(nodes.Select(n => n.Address).Order().ToArray(), anycast);
            var own = (await services[0].GetJsonAsync("bgp/rib?prefix=203.0.0.0/8&match=longer&scope=cluster")).GetProperty("routes").EnumerateArray().ToArray();
            Assert.Equal(nodes[1].Address, Assert.Single(own).GetProperty("node").GetString());
            Assert.Equal("203.0.113.0/24", own[0].GetProperty("prefix").GetString());
            Assert.Equal(HttpStatusCode.BadRequest, (await services[0].SendAsync(HttpMethod.Get, "bgp/rib?prefix=203.0.0.0/8&match=longer&scope=cluster&offset=5")).Status);

            // One stream of every node's events: it opens with every node's neighbors, then node 2's ManualStop shows on node 1.
            using (var cts = new CancellationTokenSource(Wait))
            {
                using var response = await services[0].Http.GetAsync("bgp/events?scope=cluster", HttpCompletionOption.ResponseHeadersRead, cts.Token);
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                var opening = await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "snapshot-complete", cts.Token);
                var snapshot = opening.Where(e => e.Name == "neighbor").ToArray();
                Assert.Equal(3, snapshot.Length);
                foreach (var n in nodes)
                    Assert.Equal(n.Address, Assert.Single(snapshot, e => e.Data.GetProperty("address").GetString() == n.Neighbor).Data.GetProperty("node").GetString());
                Assert.Equal(HttpStatusCode.Accepted, (await services[1].SendAsync(HttpMethod.Post, $"bgp/neighbors/{nodes[1].Neighbor}/stop")).Status);
                var stopped = (await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "session" && e.Data.GetProperty("state").GetString() == "Idle", cts.Token))[^1];
                Assert.Equal(nodes[1].Address, stopped.Data.GetProperty("node").GetString());
                Assert.Equal(nodes[1].Neighbor, stopped.Data.GetProperty("neighbor").GetString());
            }

            // Without scope, a node shows only its own.
            var local = (await services[0].GetJsonAsync("bgp/neighbors")).GetProperty("neighbors").EnumerateArray().ToArray();
            Assert.Equal(nodes[0].Neighbor, Assert.Single(local).GetProperty("address").GetString());
            Assert.Equal(HttpStatusCode.BadRequest, (await services[0].SendAsync(HttpMethod.Get, "bgp/neighbors?scope=galaxy")).Status);

            // kill -9 node 3: node 1 still answers for nodes 1 and 2 and names node 3 as not answering.
            services[2].Signal("KILL");
            await services[2].WaitForExitAsync(TimeSpan.FromSeconds(10));
            JsonElement after = default;
            await services[0].WaitUntilAsync(async () =>
            {
                after = await services[0].GetJsonAsync("bgp/neighbors?scope=cluster");
                return after.GetProperty("nodesNotAnswering").GetArrayLength() == 1;
            }, Wait, "node 3 listed as not answering");
            Assert.Equal(nodes[2].Address, after.GetProperty("nodesNotAnswering")[0].GetProperty("node").GetString());
            var remaining = after.GetProperty("neighbors").EnumerateArray().Select(r => r.GetProperty("address").GetString()!).Order().ToArray();
            Assert.Equal(new[] { nodes[0].Neighbor, nodes[1].Neighbor }, remaining);
        }
        finally
        {
            foreach (var s in services) await s.DisposeAsync();
            foreach (var n in nodes) n.Config.Dispose();
        }
    }
}
