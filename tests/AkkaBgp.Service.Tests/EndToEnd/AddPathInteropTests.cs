using System.Net;
using System.Text.RegularExpressions;
using AkkaBgp.Interop;
using AkkaBgp.Wire.Mrt;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// ADD-PATH (RFC 7911) from the configuration file to the wire, against BIRD 2 on both sides: BIRD 1 (<c>add paths tx</c>)
/// sends two paths for one prefix, and we keep both apart by path identifier; BIRD 2 (<c>add paths rx</c>) gets both from
/// us (<c>add-path-send = all</c>), each under our own identifier, and loses exactly the one BIRD 1 withdraws; GoBGP
/// (<c>add-paths receive</c>) gets both too, and shows them in its Adj-RIB-In with distinct identifiers.
/// </summary>
public sealed partial class AddPathInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const string Prefix = "10.141.1.0/24";

    [Fact]
    public async Task Two_paths_from_one_BIRD_are_kept_apart_and_passed_on_to_another_BIRD_and_one_withdrawn_goes_alone()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        Assert.True(Daemon.IsInstalled("bgpdump"), "bgpdump is needed (tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.124.4.1");
        using var config = new ServiceConfig(ours);
        var source = new Peering(IPAddress.Parse("127.124.4.2"), 65141, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AddPaths = "tx",
            AnnounceV4 = [Prefix],
            SecondPathV4 = [Prefix],
        };
        var sink = new Peering(IPAddress.Parse("127.124.4.3"), 65142, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AddPaths = "rx",
        };
        var goSink = new Peering(IPAddress.Parse("127.124.4.4"), 65143, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AddPaths = "rx",
        };
        Assert.True(GoBgp.Installed, "gobgpd and gobgp are needed (tests/run-all.sh installs gobgpd)");
        await using var birdSource = new Bird(source);
        await using var birdSink = new Bird(sink);
        await using var gobgp = new GoBgp(goSink);
        await Task.WhenAll(birdSource.StartAsync(), birdSink.StartAsync(), gobgp.StartAsync());
        var directory = Path.Combine(Path.GetTempPath(), $"akka-bgp-mrt-{Guid.NewGuid():N}");
        using var cleanup = new DirectoryCleanup(directory);
        config.Write($$"""
              mrt { directory = "{{directory}}", updates = true, gzip = false }
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(source, ", capabilities { add-path-receive = true }")}},
                {{BirdPeeringTests.NeighborEntry(sink, ", capabilities { add-path-send = all }")}},
                {{BirdPeeringTests.NeighborEntry(goSink, ", next-hop-unchanged = true, capabilities { add-path-send = 2 }")}}
              ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        await service.WaitForStateAsync("127.124.4.2", "Established", Wait);
        await service.WaitForStateAsync("127.124.4.3", "Established", Wait);
        await service.WaitForStateAsync("127.124.4.4", "Established", Wait);
        var negotiated = (await service.NeighborAsync("127.124.4.2")).GetProperty("negotiated");
        Assert.Equal(["ipv4-unicast"], negotiated.GetProperty("addPathReceive").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["ipv4-unicast"], (await service.NeighborAsync("127.124.4.3")).GetProperty("negotiated").GetProperty("addPathSend").EnumerateArray().Select(e => e.GetString()));

        // Both of BIRD 1's paths in our RIB, from the one neighbor, told apart by their path identifiers.
        await service.WaitUntilAsync(async () => (await Routes(service)).Count == 2, Wait, $"two paths for {Prefix} in /bgp/rib");
        var routes = await Routes(service);
        Assert.All(routes, r => Assert.Equal("127.124.4.2", r.GetProperty("neighbor").GetString()));
        Assert.Equal(2, routes.Select(r => r.GetProperty("pathId").GetUInt32()).Distinct().Count());
        Assert.Single(routes, r => r.GetProperty("attributes").GetProperty("communities").EnumerateArray().Any(c => c.GetString() == "65141:2"));

        // An MRT table dump (RFC 8050 section 4): the two paths in one RIB_IPV4_UNICAST_ADDPATH record, with the
        // identifiers BIRD 1 gave them, as bgpdump and our decoder read it.
        var (status, _, body) = await service.SendAsync(HttpMethod.Post, "bgp/mrt/dump");
        Assert.Equal(HttpStatusCode.OK, status);
        var file = body.GetProperty("file").GetString()!;
        var dumped = (await MrtDumpTests.Run("bgpdump", "-m", file)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("|" + Prefix + "|")).ToList();
        Assert.Equal(2, dumped.Count);
        Assert.All(dumped, l => Assert.Contains("|127.124.4.2|65141|", l));
        var bytes = File.ReadAllBytes(file).AsMemory();
        var ids = new List<uint?>();
        while (MrtCodec.TryReadRecord(bytes, out var record, out int used))
        {
            bytes = bytes[used..];
            if (record.Subtype != MrtType.RibIpv4UnicastAddPath) continue;
            Assert.True(MrtCodec.TryReadRibRecord(record.Body, false, true, out _, out var p, out var entries));
            Assert.Equal(Prefix, p.ToString());
            ids.AddRange(entries.Select(e => e.PathId));
        }
        Assert.Equal(routes.Select(r => (uint?)r.GetProperty("pathId").GetUInt32()).Order(), ids.Order());

        // The updates file (RFC 8050 section 3, BGP4MP_MESSAGE_AS4_ADDPATH): both announcements with BIRD 1's path
        // identifiers, as bgpdump reads them (-m: BGP4MP_AP|time|A|peer|peer AS|prefix|path id|AS path|...).
        var announced = new List<string>();
        await service.WaitUntilAsync(async () =>
        {
            var updates = (await service.GetJsonAsync("bgp/mrt")).GetProperty("updates").GetProperty("file").GetString();
            if (string.IsNullOrEmpty(updates)) return false;
            announced = (await MrtDumpTests.Run("bgpdump", "-m", updates)).Split('\n')
                .Where(l => l.StartsWith("BGP4MP_AP|", StringComparison.Ordinal) && l.Contains($"|A|127.124.4.2|65141|{Prefix}|")).ToList();
            return announced.Count == 2;
        }, Wait, "both announcements in the MRT updates file");
        Assert.Equal(routes.Select(r => r.GetProperty("pathId").GetUInt32().ToString()).Order(), announced.Select(l => l.Split('|')[6]).Order());

        // BIRD 2 has both from us: two routes for the prefix from protocol akka, one with the community.
        await service.WaitUntilAsync(async () => PathsIn(await birdSink.ShowRouteAsync(Prefix)) == 2, Wait, $"two paths for {Prefix} in BIRD 2");
        var shown = await birdSink.ShowRouteAsync(Prefix);
        Assert.Single(CommunityLines().Matches(shown), m => m.Value.Contains("(65141,2)"));

        // GoBGP (best 2 of 2) has both (with BIRD 1's next hop: GoBGP takes our 127/8 address for a martian) in its Adj-RIB-In from us, under distinct identifiers.
        await service.WaitUntilAsync(async () => (await gobgp.AdjInPathsAsync(Prefix)).GetArrayLength() == 2, Wait, $"two paths for {Prefix} in GoBGP");
        // Its table view has an ID column for ADD-PATH sessions: one row per path, the identifiers ours.
        var rows = (await gobgp.GobgpAsync("neighbor", ours.ToString(), "adj-in")).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 2 && f[1] == Prefix).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(2, rows.Select(f => uint.Parse(f[0])).Distinct().Count());
        Assert.Single(rows, f => string.Join(' ', f).Contains("65141:2"));

        // BIRD 1 withdraws the second path: it goes from our RIB, and BIRD 2 keeps the other one only.
        await birdSource.WithdrawSecondPathAsync(Prefix);
        await service.WaitUntilAsync(async () => (await Routes(service)).Count == 1, Wait, "one path left in /bgp/rib");
        await service.WaitUntilAsync(async () => PathsIn(await birdSink.ShowRouteAsync(Prefix)) == 1, Wait, "one path left in BIRD 2");
        Assert.DoesNotContain("(65141,2)", await birdSink.ShowRouteAsync(Prefix));
        await service.WaitUntilAsync(async () => (await gobgp.AdjInPathsAsync(Prefix)).GetArrayLength() == 1, Wait, "one path left in GoBGP");
    }

    /// <summary>GoBGP (add-paths send-max) sends two paths of one prefix (added with gobgp's <c>identifier</c> 10 and 20;
    /// on the wire GoBGP numbers them itself): both are in our RIB under distinct path identifiers, and withdrawing one
    /// at GoBGP removes exactly that one.</summary>
    [Fact]
    public async Task Two_paths_from_GoBGP_arrive_under_its_identifiers_and_go_one_by_one()
    {
        Assert.True(GoBgp.Installed, "gobgpd and gobgp are needed (tests/run-all.sh installs gobgpd)");
        var ours = IPAddress.Parse("127.124.4.21");
        using var config = new ServiceConfig(ours);
        var source = new Peering(IPAddress.Parse("127.124.4.22"), 65144, ours, 65000, config.BgpPort) { DaemonPassive = true, AddPaths = "tx" };
        await using var gobgp = new GoBgp(source);
        await gobgp.StartAsync();
        config.Write($$"""
              neighbors = [ {{BirdPeeringTests.NeighborEntry(source, ", capabilities { add-path-receive = true }")}} ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        await service.WaitForStateAsync("127.124.4.22", "Established", Wait);
        const string prefix = "10.144.1.0/24";
        foreach (var (id, community) in new[] { ("10", "65144:10"), ("20", "65144:20") })
            await gobgp.GobgpAsync("global", "rib", "add", prefix, "nexthop", "198.51.100.1", "identifier", id, "community", community, "-a", "ipv4");
        List<System.Text.Json.JsonElement> routes = [];
        await service.WaitUntilAsync(async () =>
        {
            routes = (await service.GetJsonAsync($"bgp/rib?prefix={prefix}")).GetProperty("routes").EnumerateArray().ToList();
            return routes.Count == 2;
        }, Wait, "GoBGP's two paths in /bgp/rib");
        Assert.Equal(2, routes.Select(r => r.GetProperty("pathId").GetUInt32()).Distinct().Count());
        Assert.Equal(["65144:10", "65144:20"], routes.Select(Community).Order());
        uint kept = routes.Single(r => Community(r) == "65144:10").GetProperty("pathId").GetUInt32();

        await gobgp.GobgpAsync("global", "rib", "del", prefix, "identifier", "20", "-a", "ipv4");
        await service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync($"bgp/rib?prefix={prefix}")).GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("pathId").GetUInt32()).SequenceEqual([kept]),
            Wait, "only the path with 65144:10 left");
    }

    private static string? Community(System.Text.Json.JsonElement route) => route.GetProperty("attributes").GetProperty("communities")[0].GetString();

    private sealed class DirectoryCleanup(string path) : IDisposable
    {
        public void Dispose()
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
    }

    private static async Task<List<System.Text.Json.JsonElement>> Routes(ServiceProcess service) =>
        (await service.GetJsonAsync($"bgp/rib?prefix={Prefix}")).GetProperty("routes").EnumerateArray().ToList();

    /// <summary>Routes BIRD shows for the prefix: one "via"/"blackhole"/"unreachable" line per route, with the protocol name.</summary>
    private static int PathsIn(string shown) => shown.Split('\n').Count(l => l.Contains("[akka "));

    [GeneratedRegex(@"BGP\.community:.*")]
    private static partial Regex CommunityLines();
}
