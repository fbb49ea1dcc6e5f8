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
            // StayRTR 0.5.1 speaks version 2 (ASPA), our first offer.
            Assert.Equal(2, caches[0].GetProperty("version").GetInt32());

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

            // Failover: the preferred cache goes away; the second is used, with the same data, and nothing moves. Each
            // StayRTR re-reads the file on its own one-second tick, so first wait until the second has served the change
            // too (its serial caught up with the first's); stopping the first before that fails over to older data.
            await service.WaitUntilAsync(async () =>
            {
                var c = (await service.GetJsonAsync("bgp/rpki")).GetProperty("caches").EnumerateArray().ToArray();
                return c[1].GetProperty("serial").ValueKind == System.Text.Json.JsonValueKind.Number
                    && c[1].GetProperty("serial").GetUInt32() >= c[0].GetProperty("serial").GetUInt32();
            }, Wait, "the second cache at the first one's serial");
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

    /// <summary>
    /// ASPA end to end through Debian's StayRTR 0.5.1 over RTR version 2: a customer BIRD (RFC 9234 role customer, we are
    /// its provider) announces a route that its customer AS 64600 originated; StayRTR serves 64600's ASPA naming the
    /// customer BIRD as its provider, so the path verifies Valid upstream and reaches a second BIRD downstream. The ASPA
    /// then names another provider: the path is Invalid, the import rule <c>aspa = invalid</c> drops it and the downstream
    /// BIRD loses it, with no session reset; restored, it comes back.
    /// </summary>
    [Fact]
    public async Task A_path_turning_ASPA_invalid_at_stayrtr_is_withdrawn_downstream_without_a_session_reset()
    {
        Assert.True(Stayrtr.Installed, "stayrtr is needed (apt-get install stayrtr; tests/run-all.sh installs it)");
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.124.5.1");
        using var config = new ServiceConfig(ours);
        var customer = new Peering(IPAddress.Parse("127.124.5.2"), 65151, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
            AnnounceV4 = ["10.151.1.0/24"],
            ExportPrepend = [64600],
        };
        var downstream = new Peering(IPAddress.Parse("127.124.5.3"), 65152, ours, 65000, config.BgpPort) { DaemonPassive = true };
        var dir = Directory.CreateTempSubdirectory("akkabgp-aspa-").FullName;
        var file = Path.Combine(dir, "rpki.json");
        Stayrtr.WriteVrps(file, [], [(64600, [65151])]);
        var cacheAddress = IPAddress.Parse("127.124.5.10");
        await using var cache = new Stayrtr(cacheAddress, ServiceProcess.FreePort(cacheAddress), file);
        await cache.StartAsync();
        await using var birdCustomer = new Bird(customer);
        await using var birdDown = new Bird(downstream);
        await Task.WhenAll(birdCustomer.StartAsync(), birdDown.StartAsync());
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(customer, ", role = provider, keep-filtered = true, import { rules = [ { aspa = invalid, action = reject } ] }")}}
                {{BirdPeeringTests.NeighborEntry(downstream)}}
              ]
              rpki { caches = [ { address = "{{cacheAddress}}", port = {{cache.Port}}, retry = 1s } ] }
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        try
        {
            await service.WaitUntilAsync(async () => (await service.GetJsonAsync("bgp/rpki")).GetProperty("aspas").GetInt32() == 1, Wait, "the ASPA from StayRTR");
            var rpki = (await service.GetJsonAsync("bgp/rpki")).GetProperty("caches")[0];
            Assert.Equal(2, rpki.GetProperty("version").GetInt32());

            await birdDown.WaitForRoutesAsync(4, r => r.Contains("10.151.1.0/24"), Wait);
            var route = (await service.GetJsonAsync("bgp/rib?prefix=10.151.1.0/24")).GetProperty("routes")[0];
            Assert.Equal("65151 64600", route.GetProperty("attributes").GetProperty("asPath").GetString());
            Assert.Equal("valid", route.GetProperty("aspa").GetString());
            long flaps = (await service.NeighborAsync("127.124.5.2")).GetProperty("flapCount").GetInt64();
            // The CLI route table shows the outcome in its ASPA column, after ROV (not-found: no VRP covers the prefix).
            var (_, table, _) = await CliTests.Akkabgp("--url", $"http://{config.Management}", "rib", "10.151.1.0/24");
            Assert.Matches(@"10\.151\.1\.0/24\s.*\s65151 64600\s.*\snot-found\s+valid", table);

            // 64600 now attests another provider: the customer BIRD leaked its route to us.
            Stayrtr.WriteVrps(file, [], [(64600, [65999])]);
            await birdDown.WaitForRoutesAsync(4, r => !r.Contains("10.151.1.0/24"), Wait);
            // Kept (keep-filtered) and explained: which of ROV, ASPA, OTC and the import rules decided, in words.
            var kept = (await service.GetJsonAsync("bgp/rib?prefix=10.151.1.0/24&explain=true")).GetProperty("routes")[0];
            Assert.Equal("invalid", kept.GetProperty("aspa").GetString());
            Assert.Equal("Filtered", kept.GetProperty("ineligibility").GetString());
            var explain = kept.GetProperty("explain");
            Assert.Equal("not used, rejected by import rule 1 (aspa = invalid) (kept only because keep-filtered is on)", explain.GetProperty("decidedBy").GetString());
            Assert.StartsWith("ASPA invalid: upstream verification, the neighbor being our customer", explain.GetProperty("aspa").GetString());
            Assert.Equal("ROV not-found: no VRP covers 10.151.1.0/24", explain.GetProperty("rov").GetString());
            Assert.Equal("OTC: none", explain.GetProperty("otc").GetString());
            Assert.StartsWith("10.151.1.0/24 from 127.124.5.2 AS65151: not used, rejected by import rule 1", explain.GetProperty("summary").GetString());
            Assert.Equal(flaps, (await service.NeighborAsync("127.124.5.2")).GetProperty("flapCount").GetInt64());
            Assert.True((await birdCustomer.GetPeerAsync()).IsEstablished);

            // Attested again: back, without the customer sending it again.
            Stayrtr.WriteVrps(file, [], [(64600, [65151])]);
            await birdDown.WaitForRoutesAsync(4, r => r.Contains("10.151.1.0/24"), Wait);
            var metrics = await service.Http.GetStringAsync("metrics");
            Assert.Contains("bgp_aspa_routes{family=\"ipv4-unicast\",state=\"valid\"} 1", metrics);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n--- service ---\n{service.Output}\n--- stayrtr ---\n{cache.Output}");
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
