using System.Net;
using AkkaBgp.Service.Hosting;

namespace AkkaBgp.Service.Tests.Nodes;

/// <summary><c>placement = cluster</c> neighbors (issue 17) in the configuration: kept out of the node's own FSMs, refused
/// where they could never move, and named with file, line and key.</summary>
public sealed class PlacementConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Neighbors(string first) => ConfigFiles.Minimal(
        $"  neighbors = [\n    {{ address = \"192.0.2.2\", remote-as = 64496{first} }}\n    {{ address = \"192.0.2.3\", remote-as = 64497 }}\n  ]");

    [Fact]
    public void A_placed_neighbor_is_known_to_the_node_but_not_started_by_it()
    {
        var c = _files.LoadValid(Neighbors(", placement = cluster"));
        Assert.Equal([IPAddress.Parse("192.0.2.2")], c.PlacedInCluster);
        Assert.Equal(2, c.Neighbors.Count);
        Assert.Equal([IPAddress.Parse("192.0.2.3")], c.NodeNeighbors.Select(n => n.PeerAddress));
        Assert.Empty(_files.LoadValid(Neighbors(", placement = node")).PlacedInCluster);
    }

    [Fact]
    public void A_passive_placed_neighbor_and_an_unknown_placement_are_refused_at_their_setting()
    {
        var passive = Neighbors(", passive = true, placement = cluster");
        var problem = Assert.Single(_files.Problems(passive));
        Assert.StartsWith($"akka-bgp.neighbors[0].placement ({_files.At(passive, "cluster")})", problem);
        Assert.Contains("cannot move to another node", problem);

        var unknown = Neighbors(", placement = everywhere");
        problem = Assert.Single(_files.Problems(unknown));
        Assert.StartsWith($"akka-bgp.neighbors[0].placement ({_files.At(unknown, "everywhere")})", problem);
        Assert.Contains("node, cluster", problem);
    }

    [Fact]
    public void Placement_is_per_neighbor_not_in_neighbor_defaults()
    {
        var text = ConfigFiles.Minimal("  neighbor-defaults { placement = cluster }");
        Assert.Contains(_files.Problems(text), p => p.StartsWith("akka-bgp.neighbor-defaults.placement", StringComparison.Ordinal));
    }
}
