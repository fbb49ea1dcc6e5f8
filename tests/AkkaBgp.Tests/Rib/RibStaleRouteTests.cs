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

/// <summary>Graceful restart helper (RFC 4724 4.2) and enhanced route refresh (RFC 7313 4) on virtual time:
/// A is the restarting / refreshing peer, B sees what the RIB advertises.</summary>
public sealed class RibStaleRouteTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");
    private static readonly string[] Two = ["203.0.113.0/24", "203.0.112.0/24"];
    private const string ConnectionClosed = "connection closed: reset by peer";

    private readonly IActorRef _rib;
    private readonly TestProbe _connB;
    private readonly PeerView _viewB = new();

    public RibStaleRouteTests()
    {
        var settings = new PeerRibSettings { StalePathTime = TimeSpan.FromSeconds(300), RefreshStalePathTime = TimeSpan.FromSeconds(200) };
        _rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, _ => new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), null, settings)));
        _connB = CreateTestProbe();
        _rib.Tell(new PeerUp(B, RibActorTests.Session(65002, 2), _connB.Ref));
        Drain(_connB, _viewB, v => v.EndOfRib == 2);
    }

    private static NegotiatedSession WithGr(bool forwardingPreserved = true, ushort restartTime = 120, bool enhanced = false) =>
        RibActorTests.Session(65001, 1, enhanced) with
        {
            PeerGracefulRestart = GracefulRestartCapability.Create(restartTime, false, false, new GracefulRestartFamily(AfiSafi.Ipv4Unicast, forwardingPreserved)),
        };

    private TestProbe UpA(NegotiatedSession session)
    {
        var conn = CreateTestProbe();
        _rib.Tell(new PeerUp(A, session, conn.Ref));
        return conn;
    }

    private void Announce(TestProbe connA, params string[] prefixes) => _rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 7]), prefixes), [], connA.Ref));

    private void EndOfRib(TestProbe connA)
    {
        var bytes = UpdateEncoder.EndOfRib(1, 1);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var eor, out _));
        _rib.Tell(new PeerUpdate(A, eor!, [], connA.Ref));
    }

    private void RouteRefresh(TestProbe connA, RouteRefreshSubtype subtype) =>
        _rib.Tell(new PeerRouteRefresh(A, new RouteRefreshMessage(AfiSafi.Ipv4Unicast, subtype), connA.Ref));

    private RouteView? Lookup(string prefix)
    {
        _rib.Tell(new LookupRoutes(P(prefix)), TestActor);
        return ExpectMsg<RouteLookupResult>().Routes.SingleOrDefault(r => A.Equals(r.Peer));
    }

    private TestProbe LearnTwo(NegotiatedSession session)
    {
        var connA = UpA(session);
        Announce(connA, Two);
        Drain(_connB, _viewB, v => v.Routes.Count == 2);
        return connA;
    }

    [Fact]
    public void Routes_stay_stale_for_the_restart_time_then_go_when_the_peer_does_not_return()
    {
        LearnTwo(WithGr());
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        Assert.True(Lookup("203.0.113.0/24")!.Stale);
        Assert.True(Lookup("203.0.113.0/24")!.Best); // still used (RFC 4724 4.2)
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(119));
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(2));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);
        Assert.Null(Lookup("203.0.113.0/24"));
    }

    [Fact]
    public void Sessions_that_end_together_keep_their_stale_routes_where_they_restart_and_lose_them_where_they_do_not()
    {
        // A LAN outage: A and C (graceful restart) and D (none) drop at once, without a NOTIFICATION. The partitions take
        // such a run in one walk; each session must still get its own treatment.
        var c = IPAddress.Parse("10.0.0.4");
        var d = IPAddress.Parse("10.0.0.5");
        var connA = UpA(WithGr());
        var connC = CreateTestProbe();
        _rib.Tell(new PeerUp(c, RibActorTests.Session(65003, 3) with
        {
            PeerGracefulRestart = GracefulRestartCapability.Create(60, false, false, new GracefulRestartFamily(AfiSafi.Ipv4Unicast, true)),
        }, connC.Ref));
        var connD = CreateTestProbe();
        _rib.Tell(new PeerUp(d, RibActorTests.Session(65004, 4), connD.Ref));
        Announce(connA, Two);
        _rib.Tell(new PeerUpdate(c, Update(Attrs([65003]), ["198.51.100.0/24"]), [], connC.Ref));
        _rib.Tell(new PeerUpdate(d, Update(Attrs([65004]), ["192.0.2.0/24"]), [], connD.Ref));
        Drain(_connB, _viewB, v => v.Routes.Count == 4);

        foreach (var peer in new[] { A, c, d })
            _rib.Tell(new PeerDown(peer, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        Drain(_connB, _viewB, v => v.Routes.Count == 3);
        Assert.False(_viewB.Routes.ContainsKey(P("192.0.2.0/24")));
        Assert.True(Lookup("203.0.113.0/24")!.Stale);
        _rib.Tell(new LookupRoutes(P("198.51.100.0/24")), TestActor);
        var fromC = ExpectMsg<RouteLookupResult>().Routes.Single();
        Assert.True(fromC.Stale && fromC.Best);

        // Each restart timer is its own: C's (60 s) first, then A's (120 s).
        Advance(TimeSpan.FromSeconds(61));
        Drain(_connB, _viewB, v => v.Routes.Count == 2);
        Assert.False(_viewB.Routes.ContainsKey(P("198.51.100.0/24")));
        Advance(TimeSpan.FromSeconds(60));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);
    }

    [Fact]
    public void Peers_that_return_together_lose_with_their_end_of_ribs_only_what_each_did_not_announce_again()
    {
        var c = IPAddress.Parse("10.0.0.4");
        NegotiatedSession SessionC() => RibActorTests.Session(65003, 3) with
        {
            PeerGracefulRestart = GracefulRestartCapability.Create(120, false, false, new GracefulRestartFamily(AfiSafi.Ipv4Unicast, true)),
        };
        var connA = LearnTwo(WithGr());
        var connC = CreateTestProbe();
        _rib.Tell(new PeerUp(c, SessionC(), connC.Ref));
        _rib.Tell(new PeerUpdate(c, Update(Attrs([65003]), ["198.51.100.0/24", "198.51.101.0/24"]), [], connC.Ref));
        Drain(_connB, _viewB, v => v.Routes.Count == 4);
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        _rib.Tell(new PeerDown(c, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        Assert.True(Lookup("203.0.113.0/24")!.Stale);

        // Both back; each announces one of its two routes again, then both End-of-RIBs arrive back to back.
        connA = UpA(WithGr());
        connC = CreateTestProbe();
        _rib.Tell(new PeerUp(c, SessionC(), connC.Ref));
        Announce(connA, "203.0.113.0/24");
        _rib.Tell(new PeerUpdate(c, Update(Attrs([65003]), ["198.51.101.0/24"]), [], connC.Ref));
        EndOfRib(connA);
        var eor = UpdateEncoder.EndOfRib(1, 1);
        Assert.True(UpdateMessage.TryDecode(eor.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65003), out var eorC, out _));
        _rib.Tell(new PeerUpdate(c, eorC!, [], connC.Ref));
        Drain(_connB, _viewB, v => v.Routes.Count == 2);
        Assert.Equal([P("198.51.101.0/24"), P("203.0.113.0/24")], _viewB.Routes.Keys.Order().ToArray());
        Assert.False(Lookup("203.0.113.0/24")!.Stale);
        // Nothing left stale for the timers to find.
        Advance(TimeSpan.FromSeconds(400));
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, _viewB.Routes.Count);
    }

    [Fact]
    public void A_returning_peer_replaces_what_it_announces_again_and_end_of_rib_removes_the_rest()
    {
        LearnTwo(WithGr());
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        var connA = UpA(WithGr());
        _rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 9]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(_connB, _viewB, v => v.Routes[P("203.0.113.0/24")].AsPath!.Segments.Any(s => s.Asns.Contains(9u)));
        Assert.False(Lookup("203.0.113.0/24")!.Stale);
        Assert.True(Lookup("203.0.112.0/24")!.Stale);
        EndOfRib(connA);
        Drain(_connB, _viewB, v => v.Routes.Count == 1);
        Assert.Null(Lookup("203.0.112.0/24"));
        // The restart timer no longer applies.
        Advance(TimeSpan.FromSeconds(400));
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.NotNull(Lookup("203.0.113.0/24"));
    }

    [Fact]
    public void Without_end_of_rib_the_stale_path_timer_removes_the_rest()
    {
        LearnTwo(WithGr());
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        var connA = UpA(WithGr());
        _rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 9]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(_connB, _viewB, v => v.Routes[P("203.0.113.0/24")].AsPath!.Segments.Any(s => s.Asns.Contains(9u)));
        Advance(TimeSpan.FromSeconds(299));
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(2));
        Drain(_connB, _viewB, v => v.Routes.Count == 1 && v.Routes.ContainsKey(P("203.0.113.0/24")));
    }

    [Fact]
    public void A_returning_peer_without_the_forwarding_state_bit_loses_its_stale_routes_at_once()
    {
        LearnTwo(WithGr());
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        UpA(WithGr(forwardingPreserved: false));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);
    }

    [Fact]
    public void A_notification_or_no_capability_withdraws_at_once()
    {
        LearnTwo(WithGr());
        _rib.Tell(new PeerDown(A, "NOTIFICATION received: Cease/2", BgpEvent.NotifMsg, EndedByNotification: true));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);

        LearnTwo(RibActorTests.Session(65001, 1));
        _rib.Tell(new PeerDown(A, ConnectionClosed, BgpEvent.TcpConnectionFails, EndedByNotification: false));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);
    }

    [Fact]
    public void With_RFC_8538_a_notification_other_than_hard_reset_keeps_the_routes_stale()
    {
        LearnTwo(WithGr());
        // RFC 8538 section 4: the N bit on both sides makes a NOTIFICATION (here our Hold Timer Expired) a graceful event.
        _rib.Tell(new PeerDown(A, "hold timer expired; NOTIFICATION sent 4/0", BgpEvent.HoldTimerExpires, EndedByNotification: true, GracefulNotification: true));
        Assert.True(Lookup("203.0.113.0/24")!.Stale);
        Assert.True(Lookup("203.0.112.0/24")!.Stale);
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // Not back within the restart time (120 s): gone, as after a TCP failure.
        Advance(TimeSpan.FromSeconds(121));
        Drain(_connB, _viewB, v => v.Routes.Count == 0);
    }

    [Fact]
    public void Enhanced_route_refresh_removes_what_the_peer_did_not_re_advertise_between_BoRR_and_EoRR()
    {
        var connA = LearnTwo(RibActorTests.Session(65001, 1, enhanced: true));
        RouteRefresh(connA, RouteRefreshSubtype.BeginningOfRouteRefresh);
        Announce(connA, "203.0.113.0/24");
        Drain(connA, new PeerView(), v => v.Acked == 2);
        Assert.True(Lookup("203.0.112.0/24")!.Stale);
        Assert.False(Lookup("203.0.113.0/24")!.Stale);
        RouteRefresh(connA, RouteRefreshSubtype.EndOfRouteRefresh);
        Drain(_connB, _viewB, v => v.Routes.Count == 1 && v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Null(Lookup("203.0.112.0/24"));
    }

    [Fact]
    public void Enhanced_route_refresh_without_EoRR_removes_the_stale_routes_at_the_deadline()
    {
        var connA = LearnTwo(RibActorTests.Session(65001, 1, enhanced: true));
        RouteRefresh(connA, RouteRefreshSubtype.BeginningOfRouteRefresh);
        Announce(connA, "203.0.112.0/24");
        Drain(connA, new PeerView(), v => v.Acked == 2);
        Advance(TimeSpan.FromSeconds(199));
        _connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(2));
        Drain(_connB, _viewB, v => v.Routes.Count == 1 && v.Routes.ContainsKey(P("203.0.112.0/24")));
    }
}
