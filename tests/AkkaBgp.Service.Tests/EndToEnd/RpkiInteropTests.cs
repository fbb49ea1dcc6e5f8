using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// Route origin validation end to end: the service with two StayRTR caches serving a VRP file the test writes, an
/// upstream BIRD announcing routes, a downstream BIRD receiving ours. A VRP change turns one route Invalid; the import
/// policy drops it and the downstream BIRD sees it withdrawn, with every session still up. Then the preferred cache
/// stops and the second takes over with the same data. StayRTR and BIRD must be installed (tests/run-all.sh does it).
/// </summary>
public sealed class RpkiInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Route_turning_invalid_at_stayrtr_is_withdrawn_downstream_without_a_session_reset_and_cache_failover_keeps_the_data()
    {
        Assert.True(Stayrtr.Installed, "stayrtr is needed (apt-get install stayrtr; tests/run-all.sh installs it)");
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.0.81.1");
        using var config = new ServiceConfig(ours);
        var upstream = new Peering(IPAddress.Parse("127.0.81.2"), 65081, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.81.1.0/24", "10.81.2.0/24"],
        };
        var downstream = new Peering(IPAddress.Parse("127.0.81.3"), 65082, ours, 65000, config.BgpPort) { DaemonPassive = true };

        var dir = Directory.CreateTempSubdirectory("akkabgp-rpki-").FullName;
        var vrpFile = Path.Combine(dir, "vrps.json");
        Stayrtr.WriteVrps(vrpFile, [("10.81.1.0/24", 24, 65081), ("10.81.2.0/24", 24, 65081)]);
        var cacheAddress = IPAddress.Parse("127.0.81.10");
        await using var first = new Stayrtr(cacheAddress, ServiceProcess.FreePort(cacheAddress), vrpFile);
        await using var second = new Stayrtr(cacheAddress, ServiceProcess.FreePort(cacheAddress), vrpFile);
        await first.StartAsync();
        await second.StartAsync();

        await using var up = new Bird(upstream);
        await using var down = new Bird(downstream);
        await up.StartAsync();
        await down.StartAsync();
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(upstream, ", import { rules = [ { rpki = invalid, action = reject } ] }")}}
                {{BirdPeeringTests.NeighborEntry(downstream)}}
              ]
              rpki {
                caches = [
                  { address = "{{cacheAddress}}", port = {{first.Port}}, preference = 1, retry = 1s }
                  { address = "{{cacheAddress}}", port = {{second.Port}}, preference = 2, retry = 1s }
                ]
              }
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        try
        {
            // Both caches synced, the preferred one in use.
            JsonElement rpki = default;
            await service.WaitUntilAsync(async () =>
            {
                rpki = await service.GetJsonAsync("bgp/rpki");
                return rpki.GetProperty("caches").EnumerateArray().All(c => c.GetProperty("state").GetString() == "synced")
                       && rpki.GetProperty("vrps").GetProperty("ipv4").GetInt32() == 2;
            }, Wait, "both caches synced with 2 VRPs");
            var caches = rpki.GetProperty("caches").EnumerateArray().ToArray();
            Assert.True(caches[0].GetProperty("inUse").GetBoolean());
            Assert.Equal(first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), caches[0].GetProperty("cache").GetString()!.Split(':')[^1]);
            Assert.Equal(1, caches[0].GetProperty("version").GetInt32());

            await down.WaitForRoutesAsync(4, r => r.Contains("10.81.1.0/24") && r.Contains("10.81.2.0/24"), Wait);
            Assert.Equal("valid", await StateAsync(service, "10.81.2.0/24"));
            long flapsUp = (await service.NeighborAsync("127.0.81.2")).GetProperty("flapCount").GetInt64();
            long flapsDown = (await service.NeighborAsync("127.0.81.3")).GetProperty("flapCount").GetInt64();

            // The ROA for 10.81.2.0/24 now names another AS: StayRTR serves a new serial, our client fetches the
            // delta, the route is Invalid, the import policy rejects it, and the downstream BIRD loses it.
            Stayrtr.WriteVrps(vrpFile, [("10.81.1.0/24", 24, 65081), ("10.81.2.0/24", 24, 64999)]);
            await down.WaitForRoutesAsync(4, r => !r.Contains("10.81.2.0/24"), Wait);
            Assert.Contains("10.81.1.0/24", await down.GetRoutesFromUsAsync(4));
            Assert.Equal(0, (await service.GetJsonAsync("bgp/rib?prefix=10.81.2.0/24")).GetProperty("totalPrefixes").GetInt32());
            Assert.Equal("valid", await StateAsync(service, "10.81.1.0/24"));
            // No session was reset: both still Established on both sides, no flap counted.
            Assert.True((await up.GetPeerAsync()).IsEstablished);
            Assert.True((await down.GetPeerAsync()).IsEstablished);
            Assert.Equal(flapsUp, (await service.NeighborAsync("127.0.81.2")).GetProperty("flapCount").GetInt64());
            Assert.Equal(flapsDown, (await service.NeighborAsync("127.0.81.3")).GetProperty("flapCount").GetInt64());

            // Failover: the preferred cache goes away; the second is used, with the same data, and nothing moves.
            await first.StopAsync();
            await service.WaitUntilAsync(async () =>
            {
                rpki = await service.GetJsonAsync("bgp/rpki");
                var c = rpki.GetProperty("caches").EnumerateArray().ToArray();
                return c[0].GetProperty("state").GetString() is "disconnected" or "connecting" && c[1].GetProperty("inUse").GetBoolean();
            }, Wait, "the second cache in use after the first stopped");
            Assert.Equal(2, rpki.GetProperty("vrps").GetProperty("ipv4").GetInt32());
            Assert.Equal("valid", await StateAsync(service, "10.81.1.0/24"));
            var routes = await down.GetRoutesFromUsAsync(4);
            Assert.Contains("10.81.1.0/24", routes);
            Assert.DoesNotContain("10.81.2.0/24", routes);

            // The second cache's updates now count: the route is valid again and comes back downstream.
            Stayrtr.WriteVrps(vrpFile, [("10.81.1.0/24", 24, 65081), ("10.81.2.0/24", 24, 65081)]);
            await down.WaitForRoutesAsync(4, r => r.Contains("10.81.2.0/24"), Wait);
            Assert.True((await up.GetPeerAsync()).IsEstablished);

            var metrics = await service.Http.GetStringAsync("metrics");
            Assert.Contains("bgp_rpki_routes{family=\"ipv4-unicast\",state=\"valid\"} 2", metrics);
            Assert.Matches("bgp_rpki_vrps\\{cache=\"127.0.81.10:[0-9]+\",family=\"ipv4\"\\} 2", metrics);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n--- service ---\n{service.Output}\n--- stayrtr 1 ---\n{first.Output}\n--- stayrtr 2 ---\n{second.Output}");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<string?> StateAsync(ServiceProcess service, string prefix)
    {
        var r = await service.GetJsonAsync($"bgp/rib?prefix={prefix}");
        return r.GetProperty("routes").EnumerateArray().Single().GetProperty("rpki").GetString();
    }
}
