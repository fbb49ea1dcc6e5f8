using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// RFC 9234 section 5, Only to Customer (OTC): each ingress and egress rule through the RIB, as a user sees it: the
/// route's eligibility and reason in a lookup, the OTC value on stored routes, the leak count per neighbor, and the
/// OTC attribute in the UPDATEs sent to each neighbor. The roles named are ours towards each neighbor.
/// </summary>
public sealed class OtcTests : BgpTestKit
{
    private static readonly IPAddress Customer = IPAddress.Parse("10.0.0.2");   // we are its provider
    private static readonly IPAddress Provider = IPAddress.Parse("10.0.0.3");   // we are its customer
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.4");       // lateral peer
    private static readonly IPAddress Provider2 = IPAddress.Parse("10.0.0.5");  // a second upstream
    private static readonly IPAddress Internal = IPAddress.Parse("10.0.0.6");   // iBGP
    private static readonly IPAddress NoRole = IPAddress.Parse("10.0.0.7");     // eBGP without a role
    private static readonly IPAddress RouteServer = IPAddress.Parse("10.0.0.8"); // we are its RS-client
    private static readonly IPAddress RsClient = IPAddress.Parse("10.0.0.9");    // we are its route server

    public OtcTests() : base(virtualTime: false) { }

    private IActorRef Rib(IEnumerable<LocalRoute>? local = null)
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>();
        foreach (var a in new[] { Customer, Provider, Peer, Provider2, Internal, NoRole, RouteServer, RsClient })
            cfg[a] = new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default);
        return Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg, local));
    }

    private (TestProbe Conn, PeerView View) Up(IActorRef rib, IPAddress peer, uint asn, BgpRole? ourRole)
    {
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, RibActorTests.Session(asn, BitConverterBigEndian(peer)) with { LocalRole = ourRole }, conn.Ref));
        var view = new PeerView();
        Drain(conn, view, v => v.EndOfRib >= 2);
        return (conn, view);
    }

    private RouteView Lookup(IActorRef rib, string prefix, IPAddress from)
    {
        rib.Tell(new LookupRoutes(P(prefix)), TestActor);
        return ExpectMsg<RouteLookupResult>().Routes.Single(r => from.Equals(r.Peer));
    }

    private long Leaks(IActorRef rib, IPAddress peer)
    {
        rib.Tell(GetRibSummary.Instance, TestActor);
        return ExpectMsg<RibSummary>().Neighbors.Single(n => n.Peer.Equals(peer)).OtcLeaks;
    }

    [Fact]
    public void Ingress_1_a_route_with_OTC_from_a_customer_is_a_leak_kept_but_never_selected()
    {
        var rib = Rib();
        var (conn, view) = Up(rib, Customer, 65002, BgpRole.Provider);
        rib.Tell(new PeerUpdate(Customer, Update(Attrs([65002, 65010], b => b.OnlyToCustomer = 65010), ["203.0.113.0/24"]), [], conn.Ref));
        rib.Tell(new PeerUpdate(Customer, Update(Attrs([65002]), ["203.0.112.0/24"]), [], conn.Ref));
        Drain(conn, view, v => v.Acked == 2);

        var leak = Lookup(rib, "203.0.113.0/24", Customer);
        Assert.False(leak.Eligible);
        Assert.False(leak.Best);
        Assert.Equal("OtcLeak", leak.Ineligibility);
        Assert.True(Lookup(rib, "203.0.112.0/24", Customer) is { Eligible: true, Best: true, Attributes.OnlyToCustomer: null });
        Assert.Equal(1, Leaks(rib, Customer));
    }

    [Fact]
    public void Ingress_1_applies_to_an_RS_client_as_well()
    {
        var rib = Rib();
        var (conn, view) = Up(rib, Customer, 65002, BgpRole.RouteServer);
        rib.Tell(new PeerUpdate(Customer, Update(Attrs([65002], b => b.OnlyToCustomer = 65002), ["203.0.113.0/24"]), [], conn.Ref));
        Drain(conn, view, v => v.Acked == 1);
        Assert.Equal("OtcLeak", Lookup(rib, "203.0.113.0/24", Customer).Ineligibility);
    }

    [Fact]
    public void Ingress_2_from_a_peer_OTC_must_name_the_peer()
    {
        var rib = Rib();
        var (conn, view) = Up(rib, Peer, 65004, BgpRole.Peer);
        rib.Tell(new PeerUpdate(Peer, Update(Attrs([65004, 65010], b => b.OnlyToCustomer = 65010), ["203.0.113.0/24"]), [], conn.Ref));
        rib.Tell(new PeerUpdate(Peer, Update(Attrs([65004, 65010], b => b.OnlyToCustomer = 65004), ["203.0.112.0/24"]), [], conn.Ref));
        Drain(conn, view, v => v.Acked == 2);
        Assert.Equal("OtcLeak", Lookup(rib, "203.0.113.0/24", Peer).Ineligibility);
        Assert.True(Lookup(rib, "203.0.112.0/24", Peer) is { Eligible: true, Best: true });
        Assert.Equal(1, Leaks(rib, Peer));
    }

    [Fact]
    public void Ingress_3_a_route_from_a_provider_or_peer_without_OTC_gets_the_neighbors_AS()
    {
        var rib = Rib();
        var (pc, pv) = Up(rib, Provider, 65003, BgpRole.Customer);
        var (qc, qv) = Up(rib, Peer, 65004, BgpRole.Peer);
        rib.Tell(new PeerUpdate(Provider, Update(Attrs([65003, 65010]), ["203.0.113.0/24"]), [], pc.Ref));
        rib.Tell(new PeerUpdate(Peer, Update(Attrs([65004]), ["203.0.112.0/24"]), [], qc.Ref));
        Drain(pc, pv, v => v.Acked == 1);
        Drain(qc, qv, v => v.Acked == 1);
        Assert.Equal(65003u, Lookup(rib, "203.0.113.0/24", Provider).Attributes.OnlyToCustomer);
        Assert.Equal(65004u, Lookup(rib, "203.0.112.0/24", Peer).Attributes.OnlyToCustomer);
        Assert.True(Lookup(rib, "203.0.113.0/24", Provider).Best);
    }

    [Fact]
    public void Egress_2_a_route_with_OTC_goes_down_to_customers_only()
    {
        var rib = Rib();
        var (cc, cv) = Up(rib, Customer, 65002, BgpRole.Provider);
        var (pc, pv) = Up(rib, Provider, 65003, BgpRole.Customer);
        var (p2c, p2v) = Up(rib, Provider2, 65005, BgpRole.Customer);
        var (qc, qv) = Up(rib, Peer, 65004, BgpRole.Peer);
        var (ic, iv) = Up(rib, Internal, LocalAs, null);

        // From our provider: OTC = 65003 is added at ingress (rule 3).
        rib.Tell(new PeerUpdate(Provider, Update(Attrs([65003, 65010]), ["203.0.113.0/24"]), [], pc.Ref));
        Drain(cc, cv, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Drain(ic, iv, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Equal(65003u, cv.Routes[P("203.0.113.0/24")].OnlyToCustomer);
        // iBGP carries it unchanged.
        Assert.Equal(65003u, iv.Routes[P("203.0.113.0/24")].OnlyToCustomer);

        // A route learned later from the customer reaches everyone: it proves the others were flushed after the first.
        rib.Tell(new PeerUpdate(Customer, Update(Attrs([65002]), ["198.51.100.0/24"]), [], cc.Ref));
        Drain(p2c, p2v, v => v.Routes.ContainsKey(P("198.51.100.0/24")));
        Drain(qc, qv, v => v.Routes.ContainsKey(P("198.51.100.0/24")));
        Assert.False(p2v.Routes.ContainsKey(P("203.0.113.0/24")), "an OTC route went up to a provider");
        Assert.False(qv.Routes.ContainsKey(P("203.0.113.0/24")), "an OTC route went across to a peer");
    }

    [Fact]
    public void Egress_1_routes_to_customers_and_peers_get_our_AS_as_OTC_and_to_providers_none()
    {
        var rib = Rib(local: [new LocalRoute { Prefix = P("198.51.100.0/24") }]);
        var (_, cv) = Up(rib, Customer, 65002, BgpRole.Provider);
        var (_, qv) = Up(rib, Peer, 65004, BgpRole.Peer);
        var (_, pv) = Up(rib, Provider, 65003, BgpRole.Customer);
        var (_, nv) = Up(rib, NoRole, 65007, null);
        Assert.Equal(LocalAs, cv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
        Assert.Equal(LocalAs, qv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
        Assert.Null(pv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
        Assert.Null(nv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
    }

    [Fact]
    public void Without_roles_OTC_is_neither_checked_nor_added_and_passes_on_unchanged()
    {
        var rib = Rib();
        var (nc, nv) = Up(rib, NoRole, 65007, null);
        var (cc, cv) = Up(rib, Customer, 65002, null);
        rib.Tell(new PeerUpdate(NoRole, Update(Attrs([65007], b => b.OnlyToCustomer = 65099), ["203.0.113.0/24"]), [], nc.Ref));
        rib.Tell(new PeerUpdate(NoRole, Update(Attrs([65007]), ["203.0.112.0/24"]), [], nc.Ref));
        Drain(nc, nv, v => v.Acked == 2);
        Assert.True(Lookup(rib, "203.0.113.0/24", NoRole) is { Eligible: true, Best: true });
        Assert.Null(Lookup(rib, "203.0.112.0/24", NoRole).Attributes.OnlyToCustomer);
        Drain(cc, cv, v => v.Routes.ContainsKey(P("203.0.113.0/24")) && v.Routes.ContainsKey(P("203.0.112.0/24")));
        Assert.Equal(65099u, cv.Routes[P("203.0.113.0/24")].OnlyToCustomer);
        Assert.Null(cv.Routes[P("203.0.112.0/24")].OnlyToCustomer);
        Assert.Equal(0, Leaks(rib, NoRole));
    }

    [Fact]
    public void With_a_route_server_its_routes_get_its_AS_and_routes_with_OTC_are_not_sent_to_it()
    {
        var rib = Rib();
        var (rc, rv) = Up(rib, RouteServer, 65008, BgpRole.RouteServerClient);
        var (pc, pv) = Up(rib, Provider, 65003, BgpRole.Customer);
        var (cc, cv) = Up(rib, Customer, 65002, BgpRole.Provider);

        // Ingress rule 3: from an RS without OTC, OTC = the RS's AS.
        rib.Tell(new PeerUpdate(RouteServer, Update(Attrs([65008, 65010]), ["203.0.111.0/24"]), [], rc.Ref));
        Drain(rc, rv, v => v.Acked == 1);
        Assert.True(Lookup(rib, "203.0.111.0/24", RouteServer) is { Eligible: true, Best: true, Attributes.OnlyToCustomer: 65008u });

        // Egress rule 2: the provider's route (OTC = 65003 from ingress) does not go to the RS; the customer's route,
        // sent after it, does, and without OTC (egress rule 1 adds it only towards customers, peers and RS-clients).
        rib.Tell(new PeerUpdate(Provider, Update(Attrs([65003]), ["203.0.113.0/24"]), [], pc.Ref));
        Drain(cc, cv, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        rib.Tell(new PeerUpdate(Customer, Update(Attrs([65002]), ["198.51.100.0/24"]), [], cc.Ref));
        Drain(rc, rv, v => v.Routes.ContainsKey(P("198.51.100.0/24")));
        Assert.False(rv.Routes.ContainsKey(P("203.0.113.0/24")), "an OTC route went to a route server");
        Assert.Null(rv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
    }

    [Fact]
    public void As_a_route_server_we_add_our_AS_towards_RS_clients_and_send_them_routes_with_OTC()
    {
        var rib = Rib(local: [new LocalRoute { Prefix = P("198.51.100.0/24") }]);
        var (pc, pv) = Up(rib, Provider, 65003, BgpRole.Customer);
        var (sc, sv) = Up(rib, RsClient, 65009, BgpRole.RouteServer);
        // Egress rule 1: towards an RS-client, with us the RS, a route without OTC gets OTC = our AS.
        Assert.Equal(LocalAs, sv.Routes[P("198.51.100.0/24")].OnlyToCustomer);
        // Egress rule 2 names providers, peers and RSes only: a route with OTC still goes to an RS-client, unchanged.
        rib.Tell(new PeerUpdate(Provider, Update(Attrs([65003]), ["203.0.113.0/24"]), [], pc.Ref));
        Drain(sc, sv, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Equal(65003u, sv.Routes[P("203.0.113.0/24")].OnlyToCustomer);
    }

    [Fact]
    public void From_iBGP_OTC_is_neither_checked_nor_added_and_egress_rules_apply_on_the_way_out()
    {
        var rib = Rib();
        var (ic, iv) = Up(rib, Internal, LocalAs, null);
        var (cc, cv) = Up(rib, Customer, 65002, BgpRole.Provider);
        var (qc, qv) = Up(rib, Peer, 65004, BgpRole.Peer);
        rib.Tell(new PeerUpdate(Internal, Update(Attrs([65010], b => b.OnlyToCustomer = 65099), ["203.0.113.0/24"]), [], ic.Ref));
        rib.Tell(new PeerUpdate(Internal, Update(Attrs([65010]), ["203.0.112.0/24"]), [], ic.Ref));
        Drain(ic, iv, v => v.Acked == 2);
        // Ingress: a foreign OTC from an internal neighbor is no leak, and none is added to a route without one.
        Assert.True(Lookup(rib, "203.0.113.0/24", Internal) is { Eligible: true, Best: true, Attributes.OnlyToCustomer: 65099u });
        Assert.True(Lookup(rib, "203.0.112.0/24", Internal) is { Eligible: true, Best: true, Attributes.OnlyToCustomer: null });
        Assert.Equal(0, Leaks(rib, Internal));
        // Egress: to a customer the set OTC is preserved and the other route gets ours; to a peer only the latter goes.
        Drain(cc, cv, v => v.Routes.ContainsKey(P("203.0.113.0/24")) && v.Routes.ContainsKey(P("203.0.112.0/24")));
        Assert.Equal(65099u, cv.Routes[P("203.0.113.0/24")].OnlyToCustomer);
        Assert.Equal(LocalAs, cv.Routes[P("203.0.112.0/24")].OnlyToCustomer);
        Drain(qc, qv, v => v.Routes.ContainsKey(P("203.0.112.0/24")));
        Assert.Equal(LocalAs, qv.Routes[P("203.0.112.0/24")].OnlyToCustomer);
        Assert.False(qv.Routes.ContainsKey(P("203.0.113.0/24")), "an iBGP route with OTC went across to a peer");
    }

    [Theory]
    [InlineData(65001u, BgpRole.Provider, BgpRole.Provider)]
    [InlineData(65001u, null, null)]
    [InlineData(LocalAs, null, null)] // internal: no role, OTC carried unchanged
    public void The_session_carries_our_configured_role_to_the_RIB_on_external_sessions_only(uint peerAs, BgpRole? configured, BgpRole? expected)
    {
        var settings = new NeighborSettings
        {
            PeerAddress = Customer, PeerAs = peerAs, LocalAs = LocalAs, RouterId = RouterId,
            Capabilities = new CapabilitySettings { Role = peerAs == LocalAs ? null : configured },
        };
        var caps = new List<Capability> { new MultiprotocolCapability(AfiSafi.Ipv4Unicast) };
        if (configured is not null && peerAs != LocalAs) caps.Add(new RoleCapability(BgpRole.Customer));
        Assert.True(OpenExchange.TryNegotiate(settings, OpenMessage.Create(peerAs, 90, 0x0A000002, caps), out var session, out _, out var reason), reason);
        Assert.Equal(expected, session!.LocalRole);
    }
}
