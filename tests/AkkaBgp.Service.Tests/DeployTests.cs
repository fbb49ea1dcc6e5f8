using System.Net;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests;

/// <summary>The files under deploy/ are what users copy; they must stay valid as the schema moves.</summary>
public class DeployTests
{
    private static string Deploy(params string[] parts) => Path.Combine([ConfigFiles.RepositoryRoot, "deploy", .. parts]);

    private static BgpConfig Load(string file, Func<string, string?>? environment = null)
    {
        var result = ConfigLoader.Load(file, ConfigFiles.Reference, environment ?? (_ => null));
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Config!;
    }

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Deploy("examples"), "*.conf").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_is_valid(string name) => Load(Deploy("examples", name));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Each_node_of_the_cluster_example_shares_the_cluster_routes_the_placed_neighbor_and_the_seeds(int node)
    {
        var c = Load(Deploy("examples", "cluster", $"node{node}.conf"), v => v switch
        {
            "AKKA_BGP_TOKEN" => "t0ken",
            "AKKA_BGP_NODE_PFX_PASSWORD" => "pfx",
            _ => null,
        });
        Assert.Equal([Prefix.Parse("198.51.100.0/24"), Prefix.Parse("203.0.113.0/24")], c.ClusterRoutes.Select(r => r.Prefix));
        Assert.Equal(AkkaBgp.Service.Nodes.HealthProbe.Tcp, c.ClusterRoutes[0].Check!.Probe);
        Assert.False(c.ClusterRoutes[1].Check!.WithdrawOnFailure);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], c.PlacedInCluster);
        Assert.Equal([IPAddress.Parse($"10.0.{node}.1")], c.NodeNeighbors.Select(n => n.PeerAddress));
        Assert.Equal($"10.0.0.1{node}", c.Akka.RemoteHostname);
        Assert.Equal(3, c.Akka.SeedNodes.Count);
        Assert.All(c.Akka.SeedNodes, s => Assert.StartsWith("akka.ssl.tcp://akka-bgp@10.0.0.1", s));
    }

    [Fact]
    public void A_cluster_example_node_without_its_token_refuses_to_start_with_remoting_off_loopback()
    {
        var result = ConfigLoader.Load(Deploy("examples", "cluster", "node1.conf"), ConfigFiles.Reference, _ => null);
        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.ToString().Contains("akka-bgp.management.token is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Anycast_announces_the_service_prefixes_to_two_upstreams_with_communities()
    {
        var c = Load(Deploy("examples", "anycast.conf"), v => v == "UPSTREAM_A_MD5" ? "s3cret" : null);
        Assert.Equal([Prefix.Parse("198.51.100.0/24"), Prefix.Parse("2001:db8:53::/48")], c.Routes.Select(r => r.Prefix));
        Assert.All(c.Routes, r => Assert.Contains(new Community(64500, 53), r.Communities));
        Assert.Equal([64496u, 64497u], c.Neighbors.Select(n => n.PeerAs).Distinct());
        Assert.All(c.Neighbors, n => Assert.Equal(PolicyAction.Reject, n.Import.DefaultAction));
        Assert.All(c.Neighbors, n => Assert.Equal(PolicyAction.Reject, n.Export.DefaultAction));
        Assert.Equal("s3cret", c.Neighbors[0].Password);
        Assert.Equal(1, c.Neighbors[0].TtlSecurityHops);
        var b = c.Neighbors.Single(n => n.PeerAs == 64497);
        Assert.Equal(2, b.MultihopTtl);
        Assert.Equal([new Community(64497, 3000)], Assert.Single(b.Export.Rules).AddCommunities);
        Assert.Equal(TimeSpan.FromSeconds(30), b.HoldTime);
    }

    [Fact]
    public void Anycast_without_the_md5_variable_runs_unsigned()
    {
        var c = Load(Deploy("examples", "anycast.conf"));
        Assert.Null(c.Neighbors[0].Password);
    }

    [Fact]
    public void Route_collector_imports_everything_exports_nothing_and_only_listens()
    {
        var c = Load(Deploy("examples", "route-collector.conf"));
        Assert.True(c.Neighbors.Count >= 4);
        Assert.All(c.Neighbors, n =>
        {
            Assert.True(n.PassiveTcpEstablishment);
            Assert.Equal(RoutePolicy.AcceptAll, n.Import);
            Assert.Equal(RoutePolicy.RejectAll, n.Export);
            Assert.Equal(2_000_000, n.MaxPrefix!.Limit);
        });
        Assert.Empty(c.Routes);
        Assert.Equal(2, c.DynamicNeighbors.Count);
        Assert.All(c.DynamicNeighbors, d =>
        {
            Assert.True(d.Template.PassiveTcpEstablishment);
            Assert.Equal(RoutePolicy.RejectAll, d.Template.Export);
            Assert.Equal((64512u, 65534u), (d.MinAs, d.MaxAs));
        });
        Assert.Contains(new IPEndPoint(IPAddress.IPv6Any, 179), c.Listen);
    }

    [Fact]
    public void Systemd_unit_runs_unprivileged_on_port_179_restarts_on_failure_and_reloads_on_sighup()
    {
        var lines = File.ReadAllLines(Deploy("akka-bgp.service"))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
            .Select(l => (Key: l[..l.IndexOf('=')], Value: l[(l.IndexOf('=') + 1)..]))
            .ToList();
        string Value(string key) => Assert.Single(lines, l => l.Key == key).Value;

        Assert.Equal("CAP_NET_BIND_SERVICE", Value("AmbientCapabilities"));
        Assert.Equal("on-failure", Value("Restart"));
        Assert.Equal("/bin/kill -HUP $MAINPID", Value("ExecReload"));
        Assert.Equal("/usr/bin/dotnet /opt/akka-bgp/AkkaBgp.Service.dll --config /etc/akka-bgp/akka-bgp.conf", Value("ExecStart"));
        Assert.EndsWith("--check", Value("ExecStartPre"));
        Assert.Equal("2", Value("RestartPreventExitStatus"));
        Assert.Equal(Program.ExitConfigError.ToString(System.Globalization.CultureInfo.InvariantCulture), Value("RestartPreventExitStatus"));
        Assert.Equal("akka-bgp", Value("User"));
    }
}
