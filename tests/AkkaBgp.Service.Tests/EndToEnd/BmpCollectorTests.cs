using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// BMP (RFC 7854) from the running service to pmacct's pmbmpd (Debian package pmacct, installed by tests/run-all.sh)
/// as the monitoring station: it logs our Initiation, the Peer Up of a BIRD session, BIRD's routes as Route
/// Monitoring, Statistics Reports, and the Peer Down when we stop the session.
/// </summary>
public sealed class BmpCollectorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Pmbmpd_sees_our_peer_come_up_its_routes_statistics_and_the_peer_go_down()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        Assert.True(File.Exists("/usr/sbin/pmbmpd"), "pmbmpd is needed (tests/run-all.sh installs pmacct)");
        var ours = IPAddress.Parse("127.122.0.1");
        var station = IPAddress.Parse("127.122.0.10");
        int stationPort = ServiceProcess.FreePort(station);
        var dir = Directory.CreateTempSubdirectory("akka-bgp-bmp-").FullName;
        string log = Path.Combine(dir, "bmp.json");
        var pmbmpdOutput = new StringBuilder();
        using var pmbmpd = StartPmbmpd(station, stationPort, dir, log, pmbmpdOutput);
        try
        {
            using var config = new ServiceConfig(ours);
            var peering = new Peering(IPAddress.Parse("127.122.0.2"), 65122, ours, 65000, config.BgpPort)
            {
                DaemonPassive = true,
                AnnounceV4 = ["10.122.1.0/24", "10.122.2.0/24"],
                AnnounceV6 = ["2001:db8:122::/48"],
            };
            await using var bird = new Bird(peering);
            await bird.StartAsync();
            config.Write(BirdPeeringTests.Neighbor(peering) + $$"""
                  bmp { collectors = [ { address = "{{station}}", port = {{stationPort}} } ], statistics-interval = 1s }
                """);
            await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
            await service.WaitForStateAsync("127.122.0.2", "Established", Wait);

            List<JsonElement> messages = [];
            bool Has(string type, Func<JsonElement, bool>? also = null) =>
                messages.Any(m => Str(m, "bmp_msg_type") == type && (also is null || also(m)));
            await service.WaitUntilAsync(() =>
            {
                messages = Read(log);
                return Task.FromResult(Has("init")
                    && Has("peer_up", m => Str(m, "peer_ip") == "127.122.0.2")
                    && Has("route_monitor", m => Str(m, "ip_prefix") == "10.122.1.0/24" && Str(m, "as_path") == "65122")
                    && Has("route_monitor", m => Str(m, "ip_prefix") == "10.122.2.0/24")
                    && Has("route_monitor", m => Str(m, "ip_prefix") == "2001:db8:122::/48")
                    && Has("stats", m => Str(m, "peer_ip") == "127.122.0.2"));
            }, Wait, "Initiation, Peer Up, BIRD's three routes and a Statistics Report in pmbmpd's log\n" + pmbmpdOutput);

            Assert.Equal(HttpStatusCode.Accepted, (await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.122.0.2/stop", new { communication = "bmp test" })).Status);
            await service.WaitUntilAsync(() =>
            {
                messages = Read(log);
                return Task.FromResult(Has("peer_down", m => Str(m, "peer_ip") == "127.122.0.2"));
            }, Wait, "Peer Down in pmbmpd's log");

            var status = (await service.GetJsonAsync("bgp/bmp")).GetProperty("collectors")[0];
            Assert.True(status.GetProperty("connected").GetBoolean());
            Assert.Equal(0, status.GetProperty("dropped").GetInt64());
            Assert.True(status.GetProperty("sent").GetInt64() >= 6);
        }
        finally
        {
            try { pmbmpd.Kill(); pmbmpd.WaitForExit(5000); } catch (InvalidOperationException) { }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// ADD-PATH (RFC 7911) through BMP: a BIRD sends two paths for one prefix with path identifiers. The station
    /// starts only once both are in our RIB, so it gets them from our current-routes dump after Peer Up (post-policy,
    /// encoded by us, with the identifiers, as the OPENs in Peer Up announce): pmbmpd decodes both, each with its
    /// identifier, and no other prefix.
    /// </summary>
    [Fact]
    public async Task A_station_that_connects_later_gets_both_ADD_PATH_paths_with_their_identifiers()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        Assert.True(File.Exists("/usr/sbin/pmbmpd"), "pmbmpd is needed (tests/run-all.sh installs pmacct)");
        var ours = IPAddress.Parse("127.122.1.1");
        var station = IPAddress.Parse("127.122.1.10");
        int stationPort = ServiceProcess.FreePort(station);
        var dir = Directory.CreateTempSubdirectory("akka-bgp-bmp-").FullName;
        string log = Path.Combine(dir, "bmp.json");
        var pmbmpdOutput = new StringBuilder();
        Process? pmbmpd = null;
        try
        {
            using var config = new ServiceConfig(ours);
            var peering = new Peering(IPAddress.Parse("127.122.1.2"), 65123, ours, 65000, config.BgpPort)
            {
                DaemonPassive = true,
                AddPaths = "tx",
                AnnounceV4 = ["10.123.1.0/24"],
                SecondPathV4 = ["10.123.1.0/24"],
            };
            await using var bird = new Bird(peering);
            await bird.StartAsync();
            config.Write($$"""
                  neighbors = [ {{BirdPeeringTests.NeighborEntry(peering, ", capabilities { add-path-receive = true }")}} ]
                  bmp { collectors = [ { address = "{{station}}", port = {{stationPort}} } ] }
                """);
            await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
            await service.WaitUntilAsync(async () =>
                (await service.GetJsonAsync("bgp/rib?prefix=10.123.1.0/24")).GetProperty("routes").GetArrayLength() == 2, Wait, "both paths in /bgp/rib");
            var ids = (await service.GetJsonAsync("bgp/rib?prefix=10.123.1.0/24")).GetProperty("routes").EnumerateArray()
                .Select(r => r.GetProperty("pathId").GetUInt32().ToString()).Order().ToList();

            pmbmpd = StartPmbmpd(station, stationPort, dir, log, pmbmpdOutput);
            List<JsonElement> monitored = [];
            await service.WaitUntilAsync(() =>
            {
                monitored = Read(log).Where(m => Str(m, "bmp_msg_type") == "route_monitor" && Str(m, "peer_ip") == "127.122.1.2").ToList();
                return Task.FromResult(monitored.Count(m => Str(m, "ip_prefix") == "10.123.1.0/24") == 2);
            }, Wait, "both paths as Route Monitoring in pmbmpd's log\n" + pmbmpdOutput);
            Assert.All(monitored, m => Assert.Equal("10.123.1.0/24", Str(m, "ip_prefix")));
            // From the dump after Peer Up (post-policy), each with its identifier (pmacct logs it as as_path_id).
            Assert.All(monitored, m => Assert.Equal("1", Str(m, "is_post")));
            Assert.Equal(ids, monitored.Select(m => Str(m, "as_path_id") ?? "none").Order().ToList());
        }
        finally
        {
            try { pmbmpd?.Kill(); pmbmpd?.WaitForExit(5000); } catch (InvalidOperationException) { }
            pmbmpd?.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process StartPmbmpd(IPAddress station, int port, string dir, string log, StringBuilder output)
    {
        File.WriteAllText(Path.Combine(dir, "pmbmpd.conf"), $"""
            bmp_daemon_ip: {station}
            bmp_daemon_port: {port}
            bmp_daemon_msglog_file: {log}
            bmp_daemon_msglog_output: json
            """);
        var pmbmpd = Process.Start(new ProcessStartInfo("/usr/sbin/pmbmpd", ["-f", Path.Combine(dir, "pmbmpd.conf")])
            { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir })!;
        pmbmpd.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        pmbmpd.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        pmbmpd.BeginOutputReadLine();
        pmbmpd.BeginErrorReadLine();
        return pmbmpd;
    }

    private static string? Str(JsonElement m, string name) =>
        m.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    /// <summary>pmbmpd's log: one JSON object per line.</summary>
    private static List<JsonElement> Read(string path)
    {
        var result = new List<JsonElement>();
        if (!File.Exists(path)) return result;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] != '{') continue;
            try { result.Add(JsonDocument.Parse(line).RootElement.Clone()); } catch (JsonException) { }
        }
        return result;
    }
}
