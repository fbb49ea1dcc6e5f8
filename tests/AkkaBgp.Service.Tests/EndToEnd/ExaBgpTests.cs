using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// The anycast setup most ExaBGP users run: a health check drives ExaBGP's API, ExaBGP announces the service
/// address to the speaker, and the speaker passes it on to the rest of the network (a BIRD here). The built
/// service sits in the middle, both daemons real, on loopback. ExaBGP must be installed (tests/run-all.sh does it).
/// </summary>
public sealed class ExaBgpTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ExaBGP_health_check_announcements_reach_our_RIB_and_BIRD_and_our_routes_reach_ExaBGP()
    {
        Assert.True(ExaBgp.Installed, "exabgp is needed (apt-get install exabgp; tests/run-all.sh installs it)");
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.0.68.1");
        using var config = new ServiceConfig(ours);
        // ExaBGP dials us (as anycast hosts do towards their router); we dial BIRD.
        var exa = new Peering(IPAddress.Parse("127.0.68.2"), 65068, ours, 65000, config.BgpPort)
        {
            AnnounceV4 = ["10.68.1.0/24"],
            AnnounceV6 = ["2001:db8:68::/48"],
        };
        var birdPeering = new Peering(IPAddress.Parse("127.0.68.3"), 65069, ours, 65000, config.BgpPort) { DaemonPassive = true };
        await using var bird = new Bird(birdPeering);
        await bird.StartAsync();
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(exa, ", passive = true")}}
                {{BirdPeeringTests.NeighborEntry(birdPeering)}}
              ]
              routes = [ { prefix = "198.51.100.0/24", communities = ["65000:100"] } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        await using var exabgp = new ExaBgp(exa);
        await exabgp.StartAsync();

        await service.WaitForStateAsync("127.0.68.2", "Established", Wait);
        await exabgp.WaitForPeerAsync(p => p.IsEstablished, Wait);
        await service.WaitForStateAsync("127.0.68.3", "Established", Wait);

        // ExaBGP's static routes in our RIB with its next hop and AS path, IPv4 and IPv6.
        await WaitForRibAsync(service, "10.68.1.0/24", present: true);
        var route = (await service.GetJsonAsync("bgp/rib?prefix=10.68.1.0/24")).GetProperty("routes")[0];
        Assert.Equal("127.0.68.2", route.GetProperty("neighbor").GetString());
        Assert.Equal(exa.NextHopV4, route.GetProperty("attributes").GetProperty("nextHop").GetString());
        Assert.Equal("65068", route.GetProperty("attributes").GetProperty("asPath").GetString());
        await WaitForRibAsync(service, "2001:db8:68::/48", present: true);

        // Our configured route in ExaBGP's received UPDATEs (its JSON API), with our AS path and community.
        await exabgp.WaitForRoutesAsync(4, r => r.Contains("198.51.100.0/24"), Wait);
        using (var update = JsonDocument.Parse(await exabgp.ShowRouteAsync("198.51.100.0/24")))
        {
            var attributes = update.RootElement.GetProperty("neighbor").GetProperty("message").GetProperty("update").GetProperty("attribute");
            Assert.Equal([65000u], attributes.GetProperty("as-path").EnumerateArray().Select(a => a.GetUInt32()));
            Assert.Contains(attributes.GetProperty("community").EnumerateArray(), c => c[0].GetInt32() == 65000 && c[1].GetInt32() == 100);
        }
        // ... and ExaBGP's route passed on to BIRD through us.
        await bird.WaitForRoutesAsync(4, r => r.Contains("10.68.1.0/24"), Wait);
        Assert.Contains("65000 65068", await bird.ShowRouteAsync("10.68.1.0/24"));

        // A health check's rhythm: the service address announced, withdrawn when the check fails, announced again.
        const string anycast = "10.68.9.1/32";
        for (int round = 0; round < 2; round++)
        {
            await exabgp.SendAsync($"announce route {anycast} next-hop {exa.NextHopV4}");
            await WaitForRibAsync(service, anycast, present: true);
            await bird.WaitForRoutesAsync(4, r => r.Contains(anycast), Wait);

            await exabgp.SendAsync($"withdraw route {anycast} next-hop {exa.NextHopV4}");
            await WaitForRibAsync(service, anycast, present: false);
            await bird.WaitForRoutesAsync(4, r => !r.Contains(anycast) && r.Contains("10.68.1.0/24"), Wait);
        }

        // None of that reset a session.
        foreach (var peer in new[] { "127.0.68.2", "127.0.68.3" })
        {
            var n = await service.NeighborAsync(peer);
            Assert.Equal("Established", n.GetProperty("state").GetString());
            Assert.Equal(0, n.GetProperty("flapCount").GetInt32());
        }
        Assert.DoesNotContain(exabgp.Events(), e => e.GetProperty("type").GetString() == "state"
            && e.GetProperty("neighbor").GetProperty("state").GetString() == "down");
    }

    private static Task WaitForRibAsync(ServiceProcess service, string prefix, bool present) =>
        service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync($"bgp/rib?prefix={prefix}")).GetProperty("routes").GetArrayLength() > 0 == present,
            Wait, $"{prefix} {(present ? "in" : "gone from")} /bgp/rib");
}
