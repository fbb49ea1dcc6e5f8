using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Mrt;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// MRT table dumps (RFC 6396) from the running service, read by Debian's bgpdump (installed by tests/run-all.sh) and
/// by our own decoder: every path the RIB holds from two BIRD peers, with the peer, AS path and next hop bgpdump
/// prints matching <c>/bgp/rib</c>.
/// </summary>
public sealed class MrtDumpTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_dump_holds_every_peers_paths_as_bgpdump_reads_them()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        Assert.True(Daemon.IsInstalled("bgpdump"), "bgpdump is needed (tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.121.0.1");
        using var config = new ServiceConfig(ours);
        var a = new Peering(IPAddress.Parse("127.121.0.2"), 65121, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.121.1.0/24", "10.121.0.0/16"],
            AnnounceV6 = ["2001:db8:121::/48"],
        };
        var b = new Peering(IPAddress.Parse("127.121.0.3"), 4200000121, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.121.1.0/24", "10.122.0.0/24"],
        };
        await using var birdA = new Bird(a);
        await using var birdB = new Bird(b);
        await birdA.StartAsync();
        await birdB.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"akka-bgp-mrt-{Guid.NewGuid():N}");
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(a)}},
                {{BirdPeeringTests.NeighborEntry(b)}}
              ]
              mrt { directory = "{{directory}}", gzip = true }
            """);
        try
        {
            await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
            JsonElement[] routes = [];
            await service.WaitUntilAsync(async () =>
            {
                var v4 = (await service.GetJsonAsync("bgp/rib?prefix=0.0.0.0/0&match=longer&limit=100")).GetProperty("routes").EnumerateArray();
                var v6 = (await service.GetJsonAsync("bgp/rib?prefix=::/0&match=longer&limit=100")).GetProperty("routes").EnumerateArray();
                routes = [.. v4, .. v6];
                return routes.Length == 5;
            }, Wait, "five paths from the two BIRDs in /bgp/rib");

            var (status, _, body) = await service.SendAsync(HttpMethod.Post, "bgp/mrt/dump");
            Assert.Equal(HttpStatusCode.OK, status);
            string file = body.GetProperty("file").GetString()!;
            Assert.EndsWith(".gz", file);
            Assert.StartsWith(Path.Combine(directory, "bview."), file);
            Assert.Equal((4, 5, 2), (body.GetProperty("prefixes").GetInt32(), body.GetProperty("paths").GetInt32(), body.GetProperty("peers").GetInt32()));

            // bgpdump -m: TABLE_DUMP2|time|B|peer|peer AS|prefix|AS path|origin|next hop|local pref|MED|communities|...
            var lines = (await Run("bgpdump", "-m", file)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var dumped = lines.Select(l => l.Split('|')).Select(f => (Kind: f[0], Peer: f[3], PeerAs: f[4], Prefix: f[5], AsPath: f[6], NextHop: f[8]))
                .OrderBy(x => x.Prefix + x.Peer).ToArray();
            var expected = routes.Select(r => (Kind: "TABLE_DUMP2", Peer: r.GetProperty("neighbor").GetString()!,
                    PeerAs: r.GetProperty("remoteAs").GetUInt32().ToString(), Prefix: r.GetProperty("prefix").GetString()!,
                    AsPath: r.GetProperty("attributes").GetProperty("asPath").GetString()!,
                    NextHop: r.GetProperty("nextHop").GetString()!))
                .OrderBy(x => x.Prefix + x.Peer).ToArray();
            Assert.Equal(expected, dumped);
            Assert.Contains(dumped, d => d.PeerAs == "4200000121" && d.AsPath == "4200000121");

            // Our decoder reads the same file back: the index first, then one record per prefix.
            await using var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
            var bytes = new MemoryStream();
            await gz.CopyToAsync(bytes);
            var rest = bytes.ToArray().AsMemory();
            var records = new List<MrtRecord>();
            while (MrtCodec.TryReadRecord(rest, out var record, out int used)) { records.Add(record); rest = rest[used..]; }
            Assert.True(rest.IsEmpty);
            Assert.Equal(MrtType.PeerIndexTable, records[0].Subtype);
            Assert.True(MrtCodec.TryReadPeerIndexTable(records[0].Body.Span, out uint collector, out _, out var peers));
            Assert.Equal(BitConverter.ToUInt32(ours.GetAddressBytes().Reverse().ToArray()), collector);
            Assert.Equal(new[] { "127.121.0.2", "127.121.0.3" }, peers.Select(p => p.Address.ToString()).Order());
            var prefixes = records.Skip(1).Select(r =>
            {
                Assert.True(MrtCodec.TryReadRibRecord(r.Body, r.Subtype == MrtType.RibIpv6Unicast, false, out _, out var p, out var e));
                return (p.ToString(), e.Count);
            }).ToArray();
            Assert.Contains(("10.121.1.0/24", 2), prefixes);
            Assert.Contains(("2001:db8:121::/48", 1), prefixes);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_updates_file_records_received_UPDATEs_and_state_changes_as_bgpdump_reads_them()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        Assert.True(Daemon.IsInstalled("bgpdump"), "bgpdump is needed (tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.121.2.1");
        using var config = new ServiceConfig(ours);
        var peering = new Peering(IPAddress.Parse("127.121.2.2"), 65122, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.121.5.0/24", "10.121.6.0/24"],
        };
        await using var bird = new Bird(peering);
        await bird.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"akka-bgp-mrt-{Guid.NewGuid():N}");
        config.Write(BirdPeeringTests.Neighbor(peering) + $$"""
              mrt { directory = "{{directory}}", updates = true, gzip = false }
            """);
        try
        {
            await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
            await service.WaitForStateAsync("127.121.2.2", "Established", Wait);
            await service.WaitUntilAsync(async () =>
                (await service.GetJsonAsync("bgp/rib?prefix=10.121.0.0/16&match=longer")).GetProperty("totalPrefixes").GetInt32() == 2,
                Wait, "BIRD's routes in /bgp/rib");
            await bird.WithdrawAsync("10.121.6.0/24");
            Assert.Equal(HttpStatusCode.Accepted, (await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.121.2.2/stop")).Status);

            string file = "";
            string[] lines = [];
            await service.WaitUntilAsync(async () =>
            {
                var updates = (await service.GetJsonAsync("bgp/mrt")).GetProperty("updates");
                file = updates.GetProperty("file").GetString() ?? "";
                if (file.Length == 0) return false;
                lines = (await Run("bgpdump", "-m", file)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                // bgpdump -m: BGP4MP|time|A|peer|peer AS|prefix|AS path|origin|next hop|...; W for a withdrawal;
                // STATE|...|peer|peer AS|old|new for a state change (6 Established, 1 Idle).
                return lines.Any(l => l.Contains("|W|127.121.2.2|65122|10.121.6.0/24"))
                    && lines.Any(l => l.Contains("|STATE|127.121.2.2|65122|6|1"));
            }, Wait, "the withdrawal and the stop in the updates file");
            Assert.Contains(lines, l => l.StartsWith("BGP4MP|", StringComparison.Ordinal) && l.Contains("|A|127.121.2.2|65122|10.121.5.0/24|65122|IGP|" + peering.NextHopV4 + "|"));
            Assert.Contains(lines, l => l.Contains("|STATE|127.121.2.2|65122|5|6"));
            Assert.Equal(0, (await service.GetJsonAsync("bgp/mrt")).GetProperty("updates").GetProperty("dropped").GetInt64());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Dump_request_without_an_mrt_directory_is_refused_with_the_key_to_set()
    {
        var ours = IPAddress.Parse("127.121.1.1");
        using var config = new ServiceConfig(ours);
        config.Write("neighbors = []");
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        var (status, _, body) = await service.SendAsync(HttpMethod.Post, "bgp/mrt/dump");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("akka-bgp.mrt.directory", body.GetProperty("detail").GetString());
    }

    internal static async Task<string> Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{exe} exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}
