using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>NEXT_HOP is our address on the session (RFC 4271 5.1.3), taken from PeerUp's local endpoint.</summary>
public sealed class RibNextHopTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");
    private static readonly IPAddress C = IPAddress.Parse("10.0.1.4");

    public RibNextHopTests() : base(virtualTime: false) { }

    [Fact]
    public void Routes_to_ebgp_and_next_hop_self_peers_carry_our_session_address_without_configuration()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(null, null, PeerRibSettings.Default),
            [B] = new(null, null, PeerRibSettings.Default),
            [C] = new(null, null, new PeerRibSettings { NextHop = NextHopMode.Self }),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
        var connA = CreateTestProbe();
        var connB = CreateTestProbe();
        var connC = CreateTestProbe();
        rib.Tell(new PeerUp(A, RibActorTests.Session(65001, 1), connA.Ref, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 179), new IPEndPoint(A, 40000)));
        // B's connection is on a dual-stack socket: the endpoint is IPv4-mapped.
        rib.Tell(new PeerUp(B, RibActorTests.Session(65002, 2), connB.Ref, new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.9"), 179), null));
        rib.Tell(new PeerUp(C, RibActorTests.Session(LocalAs, 3), connC.Ref, new IPEndPoint(IPAddress.Parse("10.0.1.1"), 41000), null));
        var viewB = new PeerView();
        var viewC = new PeerView();
        Drain(connB, viewB, v => v.EndOfRib == 2);
        Drain(connC, viewC, v => v.EndOfRib == 2);

        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        Drain(connC, viewC, v => v.Routes.Count == 1);
        Assert.Equal(Ip("10.0.0.9"), viewB.Routes[P("203.0.113.0/24")].NextHop); // eBGP: our session address
        Assert.Equal(Ip("10.0.1.1"), viewC.Routes[P("203.0.113.0/24")].NextHop); // iBGP with next-hop-self
    }

    [Fact]
    public void Configured_addresses_are_the_fallback_and_ipv6_sessions_keep_a_configured_ipv4_address()
    {
        var cfg = new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), IPAddress.Parse("2001:db8::fe"), PeerRibSettings.Default);
        Assert.Equal((cfg.LocalAddress, cfg.LocalIPv6NextHop), RibActor.OurAddresses(null, cfg));
        Assert.Equal((IPAddress.Parse("10.0.0.9"), cfg.LocalIPv6NextHop), RibActor.OurAddresses(IPAddress.Parse("10.0.0.9"), cfg));
        Assert.Equal((cfg.LocalAddress, cfg.LocalIPv6NextHop), RibActor.OurAddresses(IPAddress.Parse("2001:db8:1::1"), cfg));
        var none = new NeighborRibConfig(null, null, PeerRibSettings.Default);
        var v6 = IPAddress.Parse("2001:db8:1::1");
        Assert.Equal((v6, v6), RibActor.OurAddresses(v6, none));
        Assert.Null(RibActor.OurAddresses(IPAddress.Parse("fe80::1"), none).V6);
    }
}
