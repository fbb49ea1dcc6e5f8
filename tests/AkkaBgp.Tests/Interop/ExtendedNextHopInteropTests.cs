using System.Net;
using Akka.Actor;
using AkkaBgp.Interop;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Interop;

/// <summary>
/// RFC 8950 against BIRD 2 and FRR over an IPv6-only link (a veth pair into the daemon's network namespace; we have no
/// IPv4 address towards the daemon): the capability negotiated both ways, the daemon's IPv4 route in our RIB with its
/// IPv6 next hop, and our IPv4 route in the daemon's RIB with ours.
/// </summary>
public abstract class ExtendedNextHopInteropTests(ITestOutputHelper output) : BgpTestKit(virtualTime: false, systemName: "rfc8950")
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(40);
    private const string Ours = "198.51.100.0/24";

    protected abstract string Name { get; }
    protected abstract bool Installed { get; }
    protected abstract Daemon Create(Peering peering);
    protected abstract int Link { get; }
    /// <summary>Whether the daemon's route view names <paramref name="nextHop"/> as the next hop (not only as the peer).</summary>
    protected abstract bool ShowsNextHop(string shown, IPAddress nextHop);

    [Fact]
    public async Task Ipv4_routes_cross_an_ipv6_link_with_ipv6_next_hops_both_ways()
    {
        Assert.True(Installed, $"{Name} is not installed (tests/run-all.sh installs it)");
        await using var link = await VethLink.CreateAsync(Link);
        int port = AkkaBgp.Tests.Transport.Loopback.FreePort(link.OurAddress);
        var peering = InteropSession.PeeringFor(link.DaemonAddress.ToString(), link.OurAddress.ToString(), port, daemonPassive: false)
            with { NetworkNamespace = link.Namespace, ExtendedNextHop = true };
        var rib = RibActor.Props(
            new AkkaBgp.Rib.Policy.RibSettings { LocalAs = InteropSession.OurAs, RouterId = OpenMessage.IdentifierFrom(IPAddress.Parse(peering.OurRouterId)) },
            new Dictionary<IPAddress, NeighborRibConfig> { [peering.DaemonAddress] = new(null, null, AkkaBgp.Rib.Policy.PeerRibSettings.Default) },
            [new LocalRoute { Prefix = Prefix.Parse(Ours) }]);
        await using var s = new InteropSession(Sys, peering, Create)
        {
            RibProps = rib,
            Customize = n => n with { Capabilities = n.Capabilities with { ExtendedNextHop = true } },
        };
        await s.StartAsync();
        var status = await s.WaitForOurStateAsync(SessionState.Established, Up);
        Assert.True(status.Session!.ExtendedNextHopIpv4, $"RFC 8950 not negotiated: {status.Session}");
        await s.Daemon.WaitForPeerAsync(p => p.IsEstablished, TimeSpan.FromSeconds(15));

        // The daemon's IPv4 route, with its IPv6 address as the next hop.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        RouteLookupResult found;
        while ((found = await s.Speaker!.Rib.Ask<RouteLookupResult>(new LookupRoutes(Prefix.Parse(InteropSession.V4)))).Routes.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{InteropSession.V4} from {Name} not in our RIB\n{s.History}");
            await Task.Delay(200);
        }
        var route = found.Routes[0];
        output.WriteLine($"{Name}'s {route.Prefix}: next hop {route.NextHop}, best {route.Best}");
        Assert.Equal(peering.DaemonAddress, route.Peer);
        Assert.Equal(link.DaemonAddress, route.NextHop);
        Assert.True(route.Best, $"{Name}'s route is not usable: {route.Ineligibility}");

        // Ours in the daemon's IPv4 table, via our IPv6 address on the link.
        await s.Daemon.WaitForRoutesAsync(4, r => r.Contains(Ours), TimeSpan.FromSeconds(20));
        var shown = await s.Daemon.ShowRouteAsync(Ours);
        output.WriteLine($"{Name}: {shown}");
        Assert.True(ShowsNextHop(shown, link.OurAddress), $"{Name} does not show our IPv6 next hop for {Ours}:\n{shown}");
    }
}

public sealed class BirdExtendedNextHopInteropTests(ITestOutputHelper output) : ExtendedNextHopInteropTests(output)
{
    protected override string Name => "BIRD";
    protected override bool Installed => Bird.Installed;
    protected override Daemon Create(Peering p) => new Bird(p);
    protected override int Link => 7;
    protected override bool ShowsNextHop(string shown, IPAddress nextHop) => shown.Contains($"via {nextHop} on ");
}

public sealed class FrrExtendedNextHopInteropTests(ITestOutputHelper output) : ExtendedNextHopInteropTests(output)
{
    protected override string Name => "FRR";
    protected override bool Installed => Frr.Installed;
    protected override Daemon Create(Peering p) => new Frr(p);
    protected override int Link => 8;
    // FRR: "<next hop> from <peer> (<router id>)" under the AS path.
    protected override bool ShowsNextHop(string shown, IPAddress nextHop) => shown.Contains($"{nextHop} from ");
}
