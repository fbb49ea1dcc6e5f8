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
        await service.WaitUntilAsync(async () =>
        {
            // Both sides check (RFC 9234 4.2): whichever reads the other's OPEN first sends the 2/11.
            var n = await service.NeighborAsync("127.124.2.3");
            return new[] { "lastNotificationSent", "lastNotificationReceived" }.Any(k =>
                n.TryGetProperty(k, out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Object
                && m.GetProperty("code").GetInt32() == 2 && m.GetProperty("subcode").GetInt32() == 11);
        }, Wait, "Role Mismatch (2/11) between us and the second customer");
        Assert.NotEqual("Established", (await service.NeighborAsync("127.124.2.3")).GetProperty("state").GetString());
    }
}
