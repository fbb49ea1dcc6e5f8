using System.Net;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// RFC 9234 BGP Roles from the configuration file to the wire, against BIRD 2 (<c>local role</c>): a provider-customer
/// pair comes up and each side's role is shown; a pair outside section 4.2's table is refused with Role Mismatch (2/11).
/// </summary>
public sealed class RoleInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_customer_BIRD_peers_with_us_as_provider_and_a_second_customer_role_is_refused_with_2_11()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        var ours = IPAddress.Parse("127.124.2.1");
        using var config = new ServiceConfig(ours);
        var customer = new Peering(IPAddress.Parse("127.124.2.2"), 65126, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
            AnnounceV4 = ["10.126.1.0/24"],
        };
        var mismatch = new Peering(IPAddress.Parse("127.124.2.3"), 65127, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
        };
        await using var birdCustomer = new Bird(customer);
        await using var birdMismatch = new Bird(mismatch);
        await birdCustomer.StartAsync();
        await birdMismatch.StartAsync();
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(customer, ", role = provider, strict-role = true")}},
                {{BirdPeeringTests.NeighborEntry(mismatch, ", role = customer")}}
              ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);

        await service.WaitForStateAsync("127.124.2.2", "Established", Wait);
        var neighbor = await service.NeighborAsync("127.124.2.2");
        Assert.Equal("customer", neighbor.GetProperty("negotiated").GetProperty("peerRole").GetString());
        await birdCustomer.WaitForPeerAsync(p => p.IsEstablished, Wait);

        // Customer against customer: not in RFC 9234 4.2's table; the OPEN is refused with 2/11.
        await RefusedWithRoleMismatchAsync(service, "127.124.2.3");
    }

    /// <summary>
    /// RFC 9234 with FRR 8.4 (<c>neighbor ... local-role</c>): a customer FRR and our provider role come up, each side shows
    /// the other's role, and our route reaches FRR with OTC = our AS; a second FRR claiming customer where we are
    /// customer too is refused with Role Mismatch (2/11) by whichever side reads the other's OPEN first.
    /// </summary>
    [Fact]
    public async Task A_customer_FRR_peers_with_our_provider_role_gets_OTC_and_a_mismatched_FRR_is_refused_with_2_11()
    {
        Assert.True(Frr.Installed, "FRR's bgpd and vtysh are needed (tests/run-all.sh installs frr)");
        var ours = IPAddress.Parse("127.124.6.1");
        using var config = new ServiceConfig(ours);
        var customer = new Peering(IPAddress.Parse("127.124.6.2"), 65161, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
            AnnounceV4 = ["10.161.1.0/24"],
        };
        var mismatch = new Peering(IPAddress.Parse("127.124.6.3"), 65162, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
        };
        await using var frrCustomer = new Frr(customer);
        await using var frrMismatch = new Frr(mismatch);
        await Task.WhenAll(frrCustomer.StartAsync(), frrMismatch.StartAsync());
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(customer, ", role = provider, strict-role = true, next-hop-unchanged = true")}},
                {{BirdPeeringTests.NeighborEntry(mismatch, ", role = customer")}}
              ]
              routes = [ { prefix = "198.51.100.0/24", next-hop = "192.0.2.1" } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);

        await service.WaitForStateAsync("127.124.6.2", "Established", Wait);
        Assert.Equal("customer", (await service.NeighborAsync("127.124.6.2")).GetProperty("negotiated").GetProperty("peerRole").GetString());
        await frrCustomer.WaitForPeerAsync(p => p.IsEstablished, Wait);
        var frrSide = (await frrCustomer.GetPeerAsync()).Raw;
        Assert.Matches(@"Local Role:\s+customer", frrSide);
        Assert.Matches(@"Remote Role:\s+provider", frrSide);

        // Egress rule 1 (section 5): to a customer, OTC = our AS; FRR shows it with the route. (The route keeps its
        // configured next hop: FRR refuses our 127/8 session address as a martian, 3/8.)
        await frrCustomer.WaitForRoutesAsync(4, r => r.Contains("198.51.100.0/24"), Wait);
        var json = await frrCustomer.VtyshAsync("show bgp ipv4 unicast 198.51.100.0/24 json");
        Assert.Contains("\"otc\":65000", json.Replace(" ", ""));
        // And the customer's route is ours to use.
        await service.WaitUntilAsync(async () => (await service.GetJsonAsync("bgp/rib?prefix=10.161.1.0/24")).GetProperty("routes").GetArrayLength() == 1,
            Wait, "the customer FRR's route");

        await RefusedWithRoleMismatchAsync(service, "127.124.6.3");
    }

    /// <summary>Both sides check (RFC 9234 4.2): whichever reads the other's OPEN first sends the 2/11; the session never
    /// comes up.</summary>
    private static async Task RefusedWithRoleMismatchAsync(ServiceProcess service, string neighbor)
    {
        await service.WaitUntilAsync(async () =>
        {
            var n = await service.NeighborAsync(neighbor);
            return new[] { "lastNotificationSent", "lastNotificationReceived" }.Any(k =>
                n.TryGetProperty(k, out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Object
                && m.GetProperty("code").GetInt32() == 2 && m.GetProperty("subcode").GetInt32() == 11);
        }, Wait, $"Role Mismatch (2/11) between us and {neighbor}");
        Assert.NotEqual("Established", (await service.NeighborAsync(neighbor)).GetProperty("state").GetString());
    }

    /// <summary>
    /// RFC 9234 section 5 with BIRD 2: our route reaches a customer BIRD carrying OTC = our AS (egress rule 1) and BIRD
    /// shows it; a route arriving with OTC from a neighbor that is our customer (a role-less BIRD that sets OTC itself,
    /// i.e. leaks) is kept but ineligible, named OtcLeak in /bgp/rib and counted; a provider BIRD's route arrives with
    /// OTC = its AS and is used.
    /// </summary>
    [Fact]
    public async Task Otc_is_added_towards_a_customer_and_a_customers_leak_is_stopped_at_our_ingress()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        var ours = IPAddress.Parse("127.124.3.1");
        using var config = new ServiceConfig(ours);
        var customer = new Peering(IPAddress.Parse("127.124.3.2"), 65131, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "customer",
            AnnounceV4 = ["10.131.1.0/24"],
        };
        var leaker = new Peering(IPAddress.Parse("127.124.3.3"), 65132, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.132.1.0/24"],
            ExportOtc = 65099,
        };
        var provider = new Peering(IPAddress.Parse("127.124.3.4"), 65133, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            DaemonRole = "provider",
            AnnounceV4 = ["10.133.1.0/24"],
        };
        await using var birdCustomer = new Bird(customer);
        await using var birdLeaker = new Bird(leaker);
        await using var birdProvider = new Bird(provider);
        await Task.WhenAll(birdCustomer.StartAsync(), birdLeaker.StartAsync(), birdProvider.StartAsync());
        config.Write($$"""
              neighbors = [
                {{BirdPeeringTests.NeighborEntry(customer, ", role = provider")}},
                {{BirdPeeringTests.NeighborEntry(leaker, ", role = provider")}},
                {{BirdPeeringTests.NeighborEntry(provider, ", role = customer")}}
              ]
              routes = [ { prefix = "198.51.100.0/24" } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        foreach (var n in new[] { "127.124.3.2", "127.124.3.3", "127.124.3.4" }) await service.WaitForStateAsync(n, "Established", Wait);

        // Egress rule 1: to a customer, OTC = our AS.
        await birdCustomer.WaitForRoutesAsync(4, r => r.Contains("198.51.100.0/24"), Wait);
        var shown = await birdCustomer.ShowRouteAsync("198.51.100.0/24");
        Assert.Contains("BGP.otc: 65000", shown);

        // Ingress rule 1: OTC from a customer is a leak, kept and never used.
        System.Text.Json.JsonElement route = default;
        await service.WaitUntilAsync(async () =>
        {
            var rib = await service.GetJsonAsync("bgp/rib?prefix=10.132.1.0/24");
            if (rib.GetProperty("routes").GetArrayLength() == 0) return false;
            route = rib.GetProperty("routes")[0];
            return true;
        }, Wait, "the leaked route in /bgp/rib");
        Assert.False(route.GetProperty("eligible").GetBoolean());
        Assert.False(route.GetProperty("best").GetBoolean());
        Assert.Equal("OtcLeak", route.GetProperty("ineligibility").GetString());
        var leaks = (await service.NeighborAsync("127.124.3.3")).GetProperty("prefixes").GetProperty("total").GetProperty("otcLeaks").GetInt64();
        Assert.True(leaks >= 1, $"otcLeaks {leaks}");
        // Not passed on: the customer BIRD never gets it.
        Assert.DoesNotContain("10.132.1.0/24", await birdCustomer.GetRoutesFromUsAsync(4));

        // The customer's own route is fine, and the provider's arrives with OTC = the provider's AS and is used.
        await service.WaitUntilAsync(async () => (await service.GetJsonAsync("bgp/rib?prefix=10.133.1.0/24")).GetProperty("routes").GetArrayLength() == 1,
            Wait, "the provider's route");
        var fromProvider = (await service.GetJsonAsync("bgp/rib?prefix=10.133.1.0/24")).GetProperty("routes")[0];
        Assert.True(fromProvider.GetProperty("best").GetBoolean());
        Assert.Equal(65133u, fromProvider.GetProperty("attributes").GetProperty("otc").GetUInt32());
        Assert.Contains("10.131.1.0/24", (await service.GetJsonAsync("bgp/rib?prefix=10.131.1.0/24")).GetProperty("routes")[0].GetProperty("prefix").GetString());
        // A route with OTC may go down: the provider's route reaches the customer.
        await birdCustomer.WaitForRoutesAsync(4, r => r.Contains("10.133.1.0/24"), Wait);
    }
}
