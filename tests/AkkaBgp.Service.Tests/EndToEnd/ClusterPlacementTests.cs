using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// Issue 17, active sessions that move: a neighbor with <c>placement = cluster</c> is run by exactly one of three nodes
/// (a remembered Cluster Sharding entity). BIRD takes the session from any node's address (one protocol per node).
/// <c>kill -9</c> of the node running it: the split brain resolver removes that node, the shard moves, and another
/// node dials BIRD from its own address; BIRD's routes are in that node's RIB. The killed node, restarted, rejoins
/// without taking the session back (no rebalance: a move costs the neighbor a session).
/// </summary>
public sealed class ClusterPlacementTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private sealed record Node(ServiceConfig Config, int RemotePort)
    {
        public string Address => $"akka.tcp://akka-bgp@{Config.Address}:{RemotePort}";
    }

    [Fact]
    public async Task A_placed_neighbor_runs_on_one_node_and_moves_to_another_when_that_node_is_killed()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var nodes = new[] { 1, 2, 3 }.Select(i =>
        {
            var address = IPAddress.Parse($"127.0.75.{i * 10 + 1}");
            return new Node(new ServiceConfig(address), ServiceProcess.FreePort(address));
        }).ToArray();
        var birdAddress = IPAddress.Parse("127.0.75.2");
        var peering = new Peering(birdAddress, 65075, nodes[0].Config.Address, 65000, ServiceProcess.FreePort(birdAddress))
        {
            DaemonPassive = true,
            AlsoAcceptFrom = [nodes[1].Config.Address, nodes[2].Config.Address],
            AnnounceV4 = ["10.75.1.0/24"],
        };
        var seeds = string.Join(", ", nodes.Select(n => $"\"{n.Address}\""));
        foreach (var n in nodes)
            // Every node lists the neighbor, with its own local address.
            n.Config.Write(BirdPeeringTests.Neighbor(peering with { OurAddress = n.Config.Address }, ", placement = cluster"), $$"""
                  remote.dot-netty.tcp { hostname = "{{n.Config.Address}}", port = {{n.RemotePort}} }
                  cluster {
                    seed-nodes = [{{seeds}}]
                    split-brain-resolver.stable-after = 5s
                    failure-detector.acceptable-heartbeat-pause = 3s
                  }
                """);
        await using var bird = new Bird(peering);
        var services = new ServiceProcess?[3];
        try
        {
            await bird.StartAsync();
            services[0] = await ServiceProcess.StartAsync(nodes[0].Config.Path, nodes[0].Config.Management, readyWithin: Wait);
            var rest = await Task.WhenAll(nodes.Skip(1).Select(n => ServiceProcess.StartAsync(n.Config.Path, n.Config.Management, readyWithin: Wait)));
            (services[1], services[2]) = (rest[0], rest[1]);

            // Exactly one node runs it, Established, with BIRD's route in that node's RIB.
            var first = await RunningOnAsync(services[0]!, birdAddress, exclude: null);
            var host = Array.FindIndex(nodes, n => n.Address == first);
            Assert.True(host >= 0, $"placed on an unknown node {first}");
            var survivor = services[(host + 1) % 3]!;
            await RouteOnAsync(survivor, nodes[host].Address);
            for (int i = 0; i < 3; i++)
                Assert.Contains($"akka_cluster_shard_entities{{type=\"bgp-neighbor\"}} {(i == host ? 1 : 0)}", await services[i]!.Http.GetStringAsync("metrics"));

            // kill -9 the node running it: the survivor's /bgp/events says it became unreachable, then removed.
            using var cts = new CancellationTokenSource(Wait);
            using var stream = await survivor.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cts.Token));
            await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "snapshot-complete", cts.Token);
            var killed = Stopwatch.StartNew();
            services[host]!.Signal("KILL");
            await services[host]!.WaitForExitAsync(TimeSpan.FromSeconds(10));
            bool Member(ServerSentEvent e, string what) =>
                e.Name == "member" && e.Data.GetProperty("member").GetString() == nodes[host].Address && e.Data.GetProperty("event").GetString() == what;
            await ServerSentEvents.ReadUntilAsync(reader, e => Member(e, "Unreachable"), cts.Token);
            await ServerSentEvents.ReadUntilAsync(reader, e => Member(e, "MemberRemoved"), cts.Token);
            await survivor.WaitUntilAsync(async () =>
                (await survivor.GetJsonAsync("cluster/members")).GetProperty("members").GetArrayLength() == 2, Wait, "the killed node removed");
            var removed = killed.Elapsed;
            var second = await RunningOnAsync(survivor, birdAddress, exclude: nodes[host].Address);
            var moved = killed.Elapsed;
            await RouteOnAsync(survivor, second);
            Console.WriteLine($"kill -9 to member removed {removed.TotalSeconds:0.0} s, to the neighbor Established on {second} {moved.TotalSeconds:0.0} s");

            // The killed node comes back and rejoins; the session stays where it is.
            await services[host]!.DisposeAsync();
            services[host] = await ServiceProcess.StartAsync(nodes[host].Config.Path, nodes[host].Config.Management, readyWithin: Wait);
            await services[host]!.WaitForMembersUpAsync(3, Wait);
            Assert.Equal(second, await RunningOnAsync(services[host]!, birdAddress, exclude: null));
            var local = (await services[host]!.GetJsonAsync("bgp/neighbors")).GetProperty("neighbors");
            Assert.Equal(0, local.GetArrayLength());
        }
        finally
        {
            foreach (var s in services) if (s is not null) await s.DisposeAsync();
            foreach (var n in nodes) n.Config.Dispose();
        }
    }

    /// <summary>The node that runs the neighbor, once exactly one node lists it and it is Established there.</summary>
    private static async Task<string> RunningOnAsync(ServiceProcess s, IPAddress neighbor, string? exclude)
    {
        string node = "";
        await s.WaitUntilAsync(async () =>
        {
            var rows = (await s.GetJsonAsync("bgp/neighbors?scope=cluster")).GetProperty("neighbors").EnumerateArray()
                .Where(r => r.GetProperty("address").GetString() == neighbor.ToString()).ToArray();
            if (rows.Length != 1 || rows[0].GetProperty("state").GetString() != "Established") return false;
            node = rows[0].GetProperty("node").GetString()!;
            return node != exclude;
        }, Wait, $"neighbor {neighbor} Established on exactly one node{(exclude is null ? "" : " other than " + exclude)}");
        return node;
    }

    private static async Task RouteOnAsync(ServiceProcess s, string node)
    {
        await s.WaitUntilAsync(async () =>
        {
            var routes = (await s.GetJsonAsync("bgp/rib?prefix=10.75.1.0/24&scope=cluster")).GetProperty("routes").EnumerateArray().ToArray();
            return routes.Length == 1 && routes[0].GetProperty("node").GetString() == node;
        }, Wait, $"BIRD's route in {node}'s RIB only");
    }
}
