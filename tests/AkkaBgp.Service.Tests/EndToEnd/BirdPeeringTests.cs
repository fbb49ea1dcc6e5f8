using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// The service as a user meets it: the built binary with a temporary configuration, peered with a real BIRD
/// on loopback, looked at over HTTP and stopped with SIGTERM. BIRD must be installed (tests/run-all.sh does it);
/// without it these tests fail rather than pass vacuously.
/// </summary>
public sealed class BirdPeeringTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Peers_with_BIRD_exchanges_routes_both_ways_and_stops_with_a_shutdown_communication()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.0.62.1");
        using var config = new ServiceConfig(ours);
        var peering = new Peering(IPAddress.Parse("127.0.62.2"), 65062, ours, 65000, config.BgpPort)
        {
            // BIRD waits for us. With both sides dialling, a collision that BIRD resolves after our side has reached
            // Established legitimately ends that session with Cease/7 (RFC 4271 6.8): seen under load as a second
            // OpenConfirm -> Established in the counters. This test is about the service, not collisions.
            DaemonPassive = true,
            AnnounceV4 = ["10.62.1.0/24", "10.62.2.0/24"],
            AnnounceV6 = ["2001:db8:62::/48"],
        };
        await using var bird = new Bird(peering);
        await bird.StartAsync();
        var logFile = Path.Combine(Path.GetTempPath(), $"akka-bgp-e2e-{Guid.NewGuid():N}.json");
        config.Write(Neighbor(peering) + $$"""
              routes = [ { prefix = "198.51.100.0/24", communities = ["65000:100"] } ]
              logging { file { path = "{{logFile}}", rolling = infinite, json = true } }
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);

        // A watcher sees the snapshot first, then changes: the session is Established either in the snapshot
        // (it came up before Kestrel started listening) or in a later event.
        using var events = new CancellationTokenSource(Wait);
        using var stream = await service.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, events.Token);
        var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(events.Token));
        var seen = await ServerSentEvents.ReadUntilAsync(reader,
            e => e.Name is "session" or "neighbor" && e.Data.GetProperty("state").GetString() == "Established", events.Token);
        Assert.Equal("neighbor", seen[0].Name);
        Assert.Equal("127.0.62.2", seen[0].Data.GetProperty("neighbor").GetString());
        Assert.Equal(65062u, seen[^1].Data.GetProperty("remoteAs").GetUInt32());

        await bird.WaitForPeerAsync(p => p.IsEstablished, Wait);
        var neighbor = await service.NeighborAsync("127.0.62.2");
        Assert.Equal("Established", neighbor.GetProperty("state").GetString());
        var negotiated = neighbor.GetProperty("negotiated");
        Assert.Equal(9, negotiated.GetProperty("holdTimeSeconds").GetDouble());
        Assert.True(negotiated.GetProperty("fourOctetAs").GetBoolean());
        Assert.Contains("ipv4-unicast", negotiated.GetProperty("families").EnumerateArray().Select(f => f.GetString()));
        Assert.True(neighbor.GetProperty("uptimeSeconds").GetDouble() >= 0);

        // BIRD's routes in our RIB, with BIRD's next hop and AS path.
        JsonElement[] routes = [];
        await service.WaitUntilAsync(async () =>
        {
            routes = (await service.GetJsonAsync("bgp/rib?prefix=10.62.0.0/16&match=longer")).GetProperty("routes").EnumerateArray().ToArray();
            return routes.Length == 2;
        }, Wait, "BIRD's two IPv4 routes in /bgp/rib");
        Assert.All(routes, r =>
        {
            Assert.Equal("127.0.62.2", r.GetProperty("neighbor").GetString());
            Assert.Equal(peering.NextHopV4, r.GetProperty("attributes").GetProperty("nextHop").GetString());
            Assert.Equal("65062", r.GetProperty("attributes").GetProperty("asPath").GetString());
        });
        var v6 = await service.GetJsonAsync("bgp/rib?prefix=2001:db8:62::/48");
        Assert.Equal(1, v6.GetProperty("totalPrefixes").GetInt32());

        var summary = await service.GetJsonAsync("bgp/rib/summary");
        Assert.Equal(1, summary.GetProperty("peers").GetProperty("established").GetInt32());
        Assert.True(summary.GetProperty("ipv4-unicast").GetProperty("prefixes").GetInt64() >= 3);
        neighbor = await service.NeighborAsync("127.0.62.2");
        Assert.Equal(2, neighbor.GetProperty("prefixes").GetProperty("ipv4-unicast").GetProperty("accepted").GetInt64());
        Assert.True(neighbor.GetProperty("messages").GetProperty("received").GetProperty("update").GetInt64() >= 1);

        // Our configured route and a posted one reach BIRD; a DELETE withdraws the posted one.
        await bird.WaitForRoutesAsync(4, r => r.Contains("198.51.100.0/24"), Wait);
        var (posted, _, _) = await service.SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = "203.0.113.0/24", communities = new[] { "65000:7" } });
        Assert.Equal(HttpStatusCode.Created, posted);
        await bird.WaitForRoutesAsync(4, r => r.Contains("203.0.113.0/24"), Wait);
        Assert.Contains("(65000,7)", await bird.ShowRouteAsync("203.0.113.0/24"));
        Assert.Equal(HttpStatusCode.OK, (await service.SendAsync(HttpMethod.Delete, "bgp/routes?prefix=203.0.113.0/24")).Status);
        await bird.WaitForRoutesAsync(4, r => !r.Contains("203.0.113.0/24") && r.Contains("198.51.100.0/24"), Wait);

        using (var metrics = await service.Http.GetAsync("metrics"))
        {
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("bgp_sessions{state=\"Established\"} 1", text);
            Assert.Contains("bgp_neighbor_prefixes{neighbor=\"127.0.62.2\",family=\"ipv4-unicast\",kind=\"accepted\"} 2", text);
            var transitions = text.Split('\n').Where(l => l.StartsWith("bgp_session_transitions_total{", StringComparison.Ordinal)).ToArray();
            Assert.True(transitions.Contains("bgp_session_transitions_total{from=\"OpenConfirm\",to=\"Established\"} 1"),
                string.Join("\n", transitions) + "\n--- service output ---\n" + service.Output);
        }

        // Route refresh: BIRD sends its table again.
        long updatesBefore = (await service.NeighborAsync("127.0.62.2")).GetProperty("messages").GetProperty("received").GetProperty("update").GetInt64();
        var (refreshed, _, refresh) = await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.0.62.2/refresh");
        Assert.Equal(HttpStatusCode.Accepted, refreshed);
        Assert.Contains("ipv4-unicast", refresh.GetProperty("families").EnumerateArray().Select(f => f.GetString()));
        await service.WaitUntilAsync(async () =>
            (await service.NeighborAsync("127.0.62.2")).GetProperty("messages").GetProperty("received").GetProperty("update").GetInt64() > updatesBefore,
            Wait, "BIRD's UPDATEs after ROUTE-REFRESH");

        // Administrative stop with a shutdown communication, then start, then reset (Cease/4).
        Assert.Equal(HttpStatusCode.Accepted, (await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.0.62.2/stop", new { communication = "maintenance" })).Status);
        await service.WaitForStateAsync("127.0.62.2", "Idle", Wait);
        neighbor = await service.NeighborAsync("127.0.62.2");
        Assert.Equal("maintenance", neighbor.GetProperty("lastNotificationSent").GetProperty("shutdownCommunication").GetString());
        Assert.Equal(1, neighbor.GetProperty("flapCount").GetInt32());
        await service.WaitUntilAsync(() => Task.FromResult(BirdLog(bird).Contains("Received: Administrative shutdown: \"maintenance\"")), Wait, "Cease/2 in BIRD's log");
        Assert.Equal(HttpStatusCode.Accepted, (await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.0.62.2/start")).Status);
        await service.WaitForStateAsync("127.0.62.2", "Established", Wait);
        Assert.Equal(HttpStatusCode.Accepted, (await service.SendAsync(HttpMethod.Post, "bgp/neighbors/127.0.62.2/reset")).Status);
        await service.WaitUntilAsync(() => Task.FromResult(BirdLog(bird).Contains("Received: Administrative reset")), Wait, "Cease/4 in BIRD's log");
        await service.WaitUntilAsync(async () =>
        {
            var n = await service.NeighborAsync("127.0.62.2");
            return n.GetProperty("state").GetString() == "Established" && n.GetProperty("flapCount").GetInt32() == 2;
        }, Wait, "Established again after the reset");

        service.Signal("TERM");
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var view = await bird.WaitForPeerAsync(p => !p.IsEstablished, Wait);
        Assert.Contains("service stopping", view.Raw);
        Assert.Contains("Stopping 1 session(s) with \"service stopping\"", service.Output);
        // Session events carry the neighbor's address, AS and state as properties (rendered in the console line).
        Assert.Contains("Neighbor 127.0.62.2 AS65062 OpenConfirm -> Established", service.Output);
        // ... and as fields in the JSON log file.
        var established = File.ReadLines(logFile).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("Properties", out var p) && p.TryGetProperty("State", out var st) && st.GetString() == "Established"
                        && p.TryGetProperty("SourceContext", out var sc) && sc.GetString() == "AkkaBgp.Sessions")
            .Select(e => e.GetProperty("Properties")).First();
        Assert.Equal("127.0.62.2", established.GetProperty("NeighborAddress").GetString());
        Assert.Equal(65062u, established.GetProperty("NeighborAs").GetUInt32());
        // The FSM's own lines come through Akka.NET's logging (Akka.Logger.Serilog) with the same neighbor properties.
        var fsm = File.ReadLines(logFile).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Properties"))
            .Where(p => p.TryGetProperty("SourceContext", out var sc) && sc.GetString() == "AkkaBgp.Session.BgpFsm")
            .Where(p => p.TryGetProperty("To", out var to) && to.GetString() == "Established").ToArray();
        Assert.NotEmpty(fsm);
        Assert.All(fsm, p =>
        {
            Assert.Equal("127.0.62.2", p.GetProperty("NeighborAddress").GetString());
            Assert.Equal(65062u, p.GetProperty("NeighborAs").GetUInt32());
        });
        File.Delete(logFile);
    }

    internal static string BirdLog(Bird bird)
    {
        var path = Path.Combine(bird.WorkDir, "bird.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    internal static string Neighbor(Peering p, string extra = "") => $$"""
          neighbors = [
            {{NeighborEntry(p, extra)}}
          ]

        """;

    internal static string NeighborEntry(Peering p, string extra = "") =>
        $"{{ address = \"{p.DaemonAddress}\", remote-as = {p.DaemonAs}, port = {p.Port}, local-address = \"{p.OurAddress}\", " +
        $"hold-time = {p.HoldTimeSeconds}s, connect-retry-time = 3s, idle-hold-time = 1s{extra} }}";
}
