using System.Net;
using Akka.Actor;
using AkkaBgp.Interop;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Interop;

/// <summary>
/// RFC 8538 against FRR 8.4 (which implements it): the N bit negotiated both ways, FRR's Administrative Reset sent
/// as is (<c>no bgp hard-administrative-reset</c>) leaves its routes in our RIB as stale until it is back, and sent as
/// Hard Reset (FRR's default) flushes them at once.
/// </summary>
public sealed class GracefulNotificationInteropTests(ITestOutputHelper output) : BgpTestKit(virtualTime: false, systemName: "rfc8538")
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Frr_admin_reset_keeps_its_routes_stale_and_its_hard_reset_flushes_them()
    {
        Assert.True(Frr.Installed, "FRR is not installed (tests/run-all.sh installs it)");
        int port = AkkaBgp.Tests.Transport.Loopback.FreePort(IPAddress.Parse("127.0.29.2"));
        var peering = InteropSession.PeeringFor("127.0.29.1", "127.0.29.2", port, daemonPassive: false) with { GracefulRestartSeconds = 60 };
        var rib = RibActor.Props(
            new AkkaBgp.Rib.Policy.RibSettings { LocalAs = InteropSession.OurAs, RouterId = OpenMessage.IdentifierFrom(IPAddress.Parse(peering.OurRouterId)) },
            new Dictionary<IPAddress, NeighborRibConfig> { [peering.DaemonAddress] = new(null, null, AkkaBgp.Rib.Policy.PeerRibSettings.Default) },
            []);
        await using var s = new InteropSession(Sys, peering, p => new Frr(p))
        {
            RibProps = rib,
            // After FRR's NOTIFICATION we stay in Idle for 5 s (refusing its reconnects), long enough to look at our RIB.
            Customize = n => n with { IdleHoldTime = TimeSpan.FromSeconds(5) },
        };
        var frr = (Frr)s.Daemon;
        await s.StartAsync();
        var status = await s.WaitForOurStateAsync(SessionState.Established, Up);
        Assert.True(status.Session!.GracefulNotification, $"N bit not negotiated: {status.Session}");
        var frrView = await frr.VtyshAsync($"show bgp neighbors {peering.OurAddress} json");
        output.WriteLine(frrView);
        Assert.Contains("\"nBit\":true", frrView.Replace(" ", ""));
        await WaitForRouteAsync(s, r => r is { Stale: false }, "FRR's route in our RIB");

        // Administrative Reset as is: a graceful event for both sides (RFC 8538 section 4).
        await frr.VtyshAsync("configure terminal", $"router bgp {peering.DaemonAs}", "no bgp hard-administrative-reset");
        await frr.VtyshAsync($"clear bgp {peering.OurAddress}");
        var down = await WaitForAsync(s, st => st.State != SessionState.Established
            && st.LastNotificationReceived is { Code: ErrorCode.Cease, Subcode: CeaseSubcode.AdministrativeReset }, "FRR's Cease/4");
        var stale = await WaitForRouteAsync(s, r => r is { Stale: true }, "FRR's route kept as stale");
        Assert.NotEqual(SessionState.Established, (await s.StatusAsync()).State);
        output.WriteLine($"after Cease/4: {down.State}, route {stale!.Prefix} stale");
        // Back: FRR re-advertises and its End-of-RIB clears the stale mark.
        await s.WaitForOurStateAsync(SessionState.Established, Up);
        await WaitForRouteAsync(s, r => r is { Stale: false }, "FRR's route fresh again");

        // Hard Reset (FRR's default): the routes go at once (RFC 8538 section 3).
        await frr.VtyshAsync("configure terminal", $"router bgp {peering.DaemonAs}", "bgp hard-administrative-reset");
        await frr.VtyshAsync($"clear bgp {peering.OurAddress}");
        var hard = await WaitForAsync(s, st => st.State != SessionState.Established
            && st.LastNotificationReceived is { Code: ErrorCode.Cease, Subcode: CeaseSubcode.HardReset }, "FRR's Cease/9");
        output.WriteLine($"after Cease/9: {hard.LastNotificationReceived!.Description}");
        await WaitForRouteAsync(s, r => r is null, "FRR's route flushed");
        Assert.NotEqual(SessionState.Established, (await s.StatusAsync()).State);
    }

    private static async Task<NeighborStatus> WaitForAsync(InteropSession s, Func<NeighborStatus, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Up;
        NeighborStatus st;
        while (!condition(st = await s.StatusAsync()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not seen (now {st.State}, last received {st.LastNotificationReceived?.Description})\n{s.History}");
            await Task.Delay(50);
        }
        return st;
    }

    private static async Task<RouteView?> WaitForRouteAsync(InteropSession s, Func<RouteView?, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Up;
        while (true)
        {
            var found = await s.Speaker!.Rib.Ask<RouteLookupResult>(new LookupRoutes(Prefix.Parse(InteropSession.V4)));
            var route = found.Routes.FirstOrDefault(r => s.Peering.DaemonAddress.Equals(r.Peer));
            if (condition(route)) return route;
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not seen (route {(route is null ? "absent" : route.Stale ? "stale" : "fresh")})\n{s.History}");
            await Task.Delay(50);
        }
    }
}
