using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>The RIB actors end to end, with probes standing in for the FSMs and the connections.</summary>
public sealed class RibActorTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");
    private static readonly IPAddress C = IPAddress.Parse("10.0.1.4");

    public RibActorTests() : base(virtualTime: false) { }

    /// <summary>What a neighbor has been sent so far, as it would see it.</summary>
    internal sealed class PeerView
    {
        public readonly Dictionary<Prefix, PathAttributes> Routes = new();
        public int EndOfRib, Withdrawals, Acked, Updates;
        public readonly List<RouteRefreshSubtype> Refresh = new();

        public void Absorb(object m, bool fourOctet = true)
        {
            switch (m)
            {
                case UpdatesProcessed u: Acked += u.Count; break;
                case Send { Message: RouteRefreshMessage rr }: Refresh.Add(rr.Subtype); break;
                case SendBytes b:
                    var s = b.Bytes.ToArray().AsSpan();
                    while (!s.IsEmpty)
                    {
                        int len = s[16] << 8 | s[17];
                        var ctx = new UpdateDecodeContext(fourOctet, PeerKind.Internal, default, LocalAs);
                        Assert.True(UpdateMessage.TryDecode(s[UpdateEncoder.HeaderLength..len], ctx, out var msg, out var err), err?.ToString());
                        Updates++;
                        if (msg!.IsEndOfRib) EndOfRib++;
                        foreach (var w in msg.Withdrawn) { Routes.Remove(w.Prefix); Withdrawals++; }
                        if (msg.MpUnreach is { } u6) foreach (var w in u6.Withdrawn) { Routes.Remove(w.Prefix); Withdrawals++; }
                        foreach (var n in msg.Nlri) Routes[n.Prefix] = msg.Attributes;
                        if (msg.MpReach is { } r6) foreach (var n in r6.Nlri) Routes[n.Prefix] = msg.Attributes;
                        s = s[len..];
                    }
                    break;
            }
        }
    }

    internal static void Drain(TestProbe probe, PeerView view, Func<PeerView, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!until(view))
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, "timed out waiting for the RIB");
            var m = probe.ReceiveOne(left);
            if (m is not null) view.Absorb(m);
        }
    }

    internal static NegotiatedSession Session(uint peerAs, uint id, bool enhanced = false) => new(
        TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast },
        FourOctetAs: true, RouteRefresh: true, EnhancedRouteRefresh: enhanced, ExtendedMessages: false, peerAs, id, null, []);

    internal static UpdateMessage Update(PathAttributes? attrs, string[] announce, string[]? withdraw = null)
    {
        uint peerAs = attrs?.AsPath?.LeftmostAs ?? 65001;
        var bytes = UpdateEncoder.EncodeIPv4(new UpdateEncodeContext(true), (withdraw ?? []).Select(p => (NlriEntry)P(p)).ToArray(),
            announce.Length == 0 ? null : attrs, announce.Select(p => (NlriEntry)P(p)).ToArray());
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, peerAs), out var m, out _));
        Assert.True(m!.Action is null, string.Join("; ", m.Errors));
        return m;
    }

    private IActorRef Rib(int partitions = 2, IEnumerable<LocalRoute>? local = null, Dictionary<IPAddress, NeighborRibConfig>? cfg = null)
    {
        cfg ??= new();
        foreach (var a in new[] { A, B, C }) cfg.TryAdd(a, new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default));
        return Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = partitions }, cfg, local));
    }

    private (TestProbe Fsm, TestProbe Conn, PeerView View) Up(IActorRef rib, IPAddress peer, uint asn, uint id, bool enhanced = false)
    {
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, Session(asn, id, enhanced), conn.Ref));
        var view = new PeerView();
        Drain(conn, view, v => v.EndOfRib >= 2); // RFC 4724: End-of-RIB for IPv4 and IPv6 after the initial table
        return (fsm, conn, view);
    }

    [Fact]
    public void Initial_table_carries_local_routes_then_end_of_rib()
    {
        var rib = Rib(local: [new LocalRoute { Prefix = P("198.51.100.0/24"), Communities = [new Community(65000, 7)], Med = 5, Prepend = 1 }]);
        var (_, _, view) = Up(rib, A, 65001, 1);
        var attrs = view.Routes[P("198.51.100.0/24")];
        Assert.Equal(AsPath.Sequence(LocalAs, LocalAs), attrs.AsPath);
        Assert.Equal(Ip("192.0.2.254"), attrs.NextHop);
        Assert.Equal(5u, attrs.MultiExitDisc);
        Assert.Equal([new Community(65000, 7)], attrs.Communities);
        Assert.Equal(2, view.EndOfRib);
    }

    [Fact]
    public void Route_from_one_peer_goes_to_the_other_with_our_as_and_updates_are_acknowledged()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 7], x => x.MultiExitDisc = 3), ["203.0.113.0/24", "203.0.112.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 1);
        Drain(connB, viewB, v => v.Routes.Count == 2);
        var attrs = viewB.Routes[P("203.0.113.0/24")];
        Assert.Equal(AsPath.Sequence(LocalAs, 65001, 7), attrs.AsPath);
        Assert.Null(attrs.MultiExitDisc);
        Assert.Null(attrs.LocalPref);
        // Never back to where it came from.
        connA.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Implicit_withdraw_replaces_and_explicit_withdraw_removes()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 7]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 8, 9]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes[P("203.0.113.0/24")].AsPath!.Length == 4);
        rib.Tell(new PeerUpdate(A, Update(null, [], ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 0);
        Drain(connA, viewA, v => v.Acked == 3);
    }

    private static BgpUpdate Wrapped(UpdateMessage u) => new(u, new UpdateEncodeContext(true));

    [Fact]
    public void A_batch_of_UPDATEs_is_applied_in_order_and_each_is_acknowledged()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        // Announce, replace, withdraw one prefix and announce another: only the order gives this end state.
        rib.Tell(new PeerUpdates(A, [
            Wrapped(Update(Attrs([65001, 7]), ["203.0.113.0/24"])),
            Wrapped(Update(Attrs([65001, 8, 9]), ["203.0.113.0/24", "198.51.100.0/24"])),
            Wrapped(Update(null, [], ["203.0.113.0/24"])),
        ], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 3);
        Drain(connB, viewB, v => v.Routes.Count == 1 && v.Routes.ContainsKey(P("198.51.100.0/24")));
        Assert.Equal(4, viewB.Routes[P("198.51.100.0/24")].AsPath!.Length);
        connA.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, viewA.Acked);
    }

    [Fact]
    public void A_batch_for_a_peer_that_is_not_up_is_acknowledged_and_dropped()
    {
        var rib = Rib();
        Up(rib, B, 65002, 2);
        var stray = CreateTestProbe();
        rib.Tell(new PeerUpdates(A, [Wrapped(Update(Attrs([65001, 7]), ["203.0.113.0/24"])), Wrapped(Update(Attrs([65001, 7]), ["203.0.112.0/24"]))], stray.Ref));
        Assert.Equal(2, stray.ExpectMsg<UpdatesProcessed>().Count);
        stray.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Treat_as_withdraw_and_loop_detection_keep_routes_out()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, LocalAs]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 1);
        rib.Tell(GetRibSummary.Instance, TestActor);
        var s = ExpectMsg<RibSummary>();
        Assert.Equal(1, s.Families["ipv4-unicast"].Paths);
        Assert.Equal(0, s.Families["ipv4-unicast"].BestPaths);
        Assert.Equal(1, s.Neighbors.Single(n => n.Peer.Equals(A)).Rejected["ipv4-unicast"]);
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // RFC 7606: an UPDATE whose AS_PATH does not start with the eBGP peer's AS is treat-as-withdraw.
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["198.51.100.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        var bytes = UpdateEncoder.EncodeIPv4(new UpdateEncodeContext(true), [], Attrs([65099]), [P("198.51.100.0/24")]);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var bad, out _));
        Assert.True(bad!.IsTreatAsWithdraw);
        rib.Tell(new PeerUpdate(A, bad, bad.Errors, connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 0);
        rib.Tell(GetRibSummary.Instance, TestActor);
        Assert.Equal(1, ExpectMsg<RibSummary>().Neighbors.Single(n => n.Peer.Equals(A)).TreatAsWithdraw);
    }

    [Fact]
    public void Session_down_withdraws_its_routes_from_everyone()
    {
        var rib = Rib();
        var (fsmA, connA, _) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24", "198.51.100.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 2);
        fsmA.Send(rib, new PeerDown(A, "hold timer expired", BgpEvent.HoldTimerExpires, EndedByNotification: true));
        Drain(connB, viewB, v => v.Routes.Count == 0 && v.Withdrawals == 2);
        rib.Tell(GetRibSummary.Instance, TestActor);
        var s = ExpectMsg<RibSummary>();
        Assert.Equal(0, s.Families["ipv4-unicast"].Prefixes);
        Assert.Equal(1, s.EstablishedPeers);
    }

    [Fact]
    public void Sessions_that_end_together_each_lose_their_routes_the_rest_stand_and_their_slots_serve_new_sessions()
    {
        // Partitions apply PeerDowns that arrive back to back in one walk of their tables; an UPDATE right after them
        // must still find them applied, and the slots must come free for the peers' next sessions.
        var d = IPAddress.Parse("10.0.1.5");
        var rib = Rib(cfg: new() { [d] = new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default) });
        var (fsmA, connA, _) = Up(rib, A, 65001, 1);
        var (fsmB, connB, _) = Up(rib, B, 65002, 2);
        var (_, connC, _) = Up(rib, C, 65003, 3);
        var (_, connD, viewD) = Up(rib, d, 65004, 4);
        const string shared = "203.0.113.0/24";
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), [shared, "198.51.100.0/24", "198.51.100.128/25"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002, 5]), [shared, "192.0.2.0/25", "192.0.2.128/25"]), [], connB.Ref));
        rib.Tell(new PeerUpdate(C, Update(Attrs([65003, 5, 6]), [shared, "100.64.0.0/24"]), [], connC.Ref));
        Drain(connD, viewD, v => v.Routes.Count == 6 && v.Routes[P(shared)].AsPath!.Length == 2);

        fsmA.Send(rib, new PeerDown(A, "LAN down", BgpEvent.TcpConnectionFails, EndedByNotification: true));
        fsmB.Send(rib, new PeerDown(B, "LAN down", BgpEvent.TcpConnectionFails, EndedByNotification: true));
        rib.Tell(new PeerUpdate(C, Update(Attrs([65003, 5, 6]), ["100.64.1.0/24"]), [], connC.Ref));
        Drain(connD, viewD, v => v.Routes.Count == 3 && v.Routes.ContainsKey(P("100.64.1.0/24")) && v.Routes[P(shared)].AsPath!.Length == 4);
        Assert.Equal([P("100.64.0.0/24"), P("100.64.1.0/24"), P(shared)], viewD.Routes.Keys.Order().ToArray());
        rib.Tell(GetRibSummary.Instance, TestActor);
        var s = ExpectMsg<RibSummary>();
        Assert.Equal((3, 3), (s.Families["ipv4-unicast"].Prefixes, s.Families["ipv4-unicast"].Paths));
        Assert.Equal(2, s.EstablishedPeers);

        // Both come back; their routes are in again, A's best once more.
        var (_, connA2, _) = Up(rib, A, 65001, 1);
        var (_, connB2, _) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), [shared]), [], connA2.Ref));
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002, 5]), ["192.0.2.0/25"]), [], connB2.Ref));
        Drain(connD, viewD, v => v.Routes.Count == 4 && v.Routes[P(shared)].AsPath!.Length == 2);
        rib.Tell(GetRibSummary.Instance, TestActor);
        Assert.Equal(5, ExpectMsg<RibSummary>().Families["ipv4-unicast"].Paths);
    }

    [Fact]
    public void Backup_path_takes_over_when_the_best_goes_down()
    {
        var rib = Rib();
        var (fsmA, connA, _) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        var (_, connC, viewC) = Up(rib, C, 65003, 3);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002, 5, 6]), ["203.0.113.0/24"]), [], connB.Ref));
        Drain(connC, viewC, v => v.Routes.TryGetValue(P("203.0.113.0/24"), out var a) && a.AsPath!.LeftmostAs == LocalAs && a.AsPath.Length == 2);
        fsmA.Send(rib, new PeerDown(A, "gone", BgpEvent.ManualStop, EndedByNotification: true));
        Drain(connC, viewC, v => v.Routes.TryGetValue(P("203.0.113.0/24"), out var a) && a.AsPath!.Length == 4);
        // B's own route is not sent back to B, but A's was, and is now withdrawn there.
        Drain(connB, viewB, v => v.Routes.Count == 0 && v.Withdrawals == 1);
    }

    [Fact]
    public void Route_refresh_resends_the_table_with_borr_and_eorr_when_enhanced()
    {
        var rib = Rib(local: [new LocalRoute { Prefix = P("198.51.100.0/24") }, new LocalRoute { Prefix = P("192.0.2.0/24") }]);
        var (_, connA, viewA) = Up(rib, A, 65001, 1, enhanced: true);
        Assert.Equal(2, viewA.Routes.Count);
        viewA.Routes.Clear();
        rib.Tell(new PeerRouteRefresh(A, new RouteRefreshMessage(AfiSafi.Ipv4Unicast), connA.Ref));
        Drain(connA, viewA, v => v.Refresh.Contains(RouteRefreshSubtype.EndOfRouteRefresh));
        Assert.Equal([RouteRefreshSubtype.BeginningOfRouteRefresh, RouteRefreshSubtype.EndOfRouteRefresh], viewA.Refresh);
        Assert.Equal(2, viewA.Routes.Count);

        var (_, connB, viewB) = Up(rib, B, 65002, 2, enhanced: false);
        viewB.Routes.Clear();
        rib.Tell(new PeerRouteRefresh(B, new RouteRefreshMessage(AfiSafi.Ipv4Unicast), connB.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 2);
        Assert.Empty(viewB.Refresh);
    }

    [Fact]
    public void We_can_ask_a_neighbor_for_a_route_refresh()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        rib.Tell(new RequestRouteRefresh(A, AfiSafi.Ipv6Unicast), TestActor);
        Drain(connA, viewA, v => v.Refresh.Count == 1);
        Assert.Equal(RouteRefreshSubtype.Normal, viewA.Refresh[0]);
    }

    [Fact]
    public void Export_none_neighbors_get_end_of_rib_and_nothing_else()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [B] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { Export = RouteFilter.RejectAll }) };
        var rib = Rib(cfg: cfg, local: [new LocalRoute { Prefix = P("198.51.100.0/24") }]);
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        Assert.Empty(viewB.Routes);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 1);
        rib.Tell(new PeerRouteRefresh(B, new RouteRefreshMessage(AfiSafi.Ipv4Unicast), connB.Ref));
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Empty(viewB.Routes);
    }

    [Fact]
    public void Local_routes_can_be_announced_and_withdrawn_at_run_time()
    {
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = P("198.51.100.0/24"), NextHop = IPAddress.Parse("192.0.2.77"), LargeCommunities = [new LargeCommunity(65000, 1, 2)] }), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.Count == 1);
        Assert.Equal([new LargeCommunity(65000, 1, 2)], viewA.Routes[P("198.51.100.0/24")].LargeCommunities);
        rib.Tell(new WithdrawLocalRoute(P("198.51.100.0/24")), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.Count == 0);
    }

    [Fact]
    public void A_nodes_own_route_outranks_a_cluster_route_for_the_same_prefix_and_each_withdrawal_leaves_the_other()
    {
        // Issue 17: a cluster route and the node's own route for one prefix are kept apart, so neither DELETE removes
        // the other's route, and the node's own route is the one announced while both exist.
        var rib = Rib();
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var prefix = P("198.51.100.0/24");
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = prefix, Med = 10 }, Cluster: true), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.TryGetValue(prefix, out var r) && r.MultiExitDisc == 10);
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = prefix, Med = 20 }), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.TryGetValue(prefix, out var r) && r.MultiExitDisc == 20);
        // A cluster change while the node's own route stands waits behind it.
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = prefix, Med = 30 }, Cluster: true), TestActor);
        ExpectMsg<LocalRouteAck>();
        rib.Tell(new WithdrawLocalRoute(prefix), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.TryGetValue(prefix, out var r) && r.MultiExitDisc == 30);
        rib.Tell(new WithdrawLocalRoute(prefix, Cluster: true), TestActor);
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.Count == 0);

        // A restarted cluster-routes actor clears every cluster route; the node's own routes stay.
        var own = P("203.0.113.0/24");
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = own, Med = 1 }), TestActor);
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = prefix, Med = 2 }, Cluster: true), TestActor);
        ExpectMsg<LocalRouteAck>();
        ExpectMsg<LocalRouteAck>();
        Drain(connA, viewA, v => v.Routes.Count == 2);
        rib.Tell(ClearClusterRoutes.Instance, TestActor);
        Drain(connA, viewA, v => v.Routes.Count == 1 && v.Routes.ContainsKey(own));
    }

    [Fact]
    public void Max_prefix_stops_the_session_with_cease_1()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings
            {
                MaxPrefix = new Dictionary<AfiSafi, MaxPrefixSettings> { [AfiSafi.Ipv4Unicast] = new(2, 50, TimeSpan.FromMinutes(5)) },
            }),
        };
        var rib = Rib(cfg: cfg);
        var (fsmA, connA, _) = Up(rib, A, 65001, 1);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24", "203.0.112.0/24", "203.0.111.0/24"]), [], connA.Ref));
        // One message: the FSM takes it as Event 8 with Cease/1 and the RFC 4486 data below.
        var e = fsmA.ExpectMsg<MaxPrefixExceeded>();
        Assert.Equal(CeaseSubcode.MaximumPrefixesReached, e.Notification.Subcode);
        Assert.Equal(TimeSpan.FromMinutes(5), e.RestartAfter);
        Assert.Equal(new byte[] { 0, 1, 1, 0, 0, 0, 2 }, e.Notification.Data);
    }

    [Fact]
    public void Import_filter_rejects_and_modifies()
    {
        var import = new RouteFilter(
        [
            new FilterTerm { Prefixes = [PrefixListEntry.Parse("203.0.113.0/24")], Verdict = FilterVerdict.Reject },
            new FilterTerm { SetLocalPref = 250, AddCommunities = [new Community(65000, 99)] },
        ]);
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [A] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { Import = import }) };
        var rib = Rib(cfg: cfg);
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connC, viewC) = Up(rib, C, LocalAs, 3); // iBGP: sees LOCAL_PREF
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24", "198.51.100.0/24"]), [], connA.Ref));
        Drain(connC, viewC, v => v.Routes.Count == 1);
        var attrs = viewC.Routes[P("198.51.100.0/24")];
        Assert.Equal(250u, attrs.LocalPref);
        Assert.Contains(new Community(65000, 99), attrs.Communities);
        rib.Tell(new LookupRoutes(P("198.51.100.0/24")), TestActor);
        var found = ExpectMsg<RouteLookupResult>();
        Assert.Equal(1, found.TotalPrefixes);
        Assert.True(found.Routes.Single().Best);
        Assert.Equal(A, found.Routes.Single().Peer);
        // Without keep-filtered the rejected route is not stored.
        rib.Tell(new LookupRoutes(P("203.0.113.0/24")), TestActor);
        Assert.Equal(0, ExpectMsg<RouteLookupResult>().TotalPrefixes);
    }

    [Fact]
    public void Keep_filtered_gives_pre_and_post_policy_counts()
    {
        var import = new RouteFilter([new FilterTerm { Prefixes = [PrefixListEntry.Parse("203.0.113.0/24")], Verdict = FilterVerdict.Reject }]);
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [A] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { Import = import, KeepFiltered = true }) };
        var rib = Rib(cfg: cfg);
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001]), ["203.0.113.0/24", "198.51.100.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        Drain(connA, viewA, v => v.Acked == 1);
        rib.Tell(GetRibSummary.Instance, TestActor);
        var n = ExpectMsg<RibSummary>().Neighbors.Single(x => x.Peer.Equals(A));
        Assert.Equal(2, n.PrePolicy!["ipv4-unicast"]);
        Assert.Equal(1, n.Accepted["ipv4-unicast"]);
        rib.Tell(new LookupRoutes(P("203.0.113.0/24")), TestActor);
        var r = ExpectMsg<RouteLookupResult>().Routes.Single();
        Assert.False(r.Best);
        Assert.Equal("Filtered", r.Ineligibility);
    }

    [Fact]
    public void Ipv6_routes_flow_through_mp_reach_with_our_next_hop()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [B] = new(IPAddress.Parse("192.0.2.254"), IPAddress.Parse("2001:db8::fe"), PeerRibSettings.Default) };
        var rib = Rib(cfg: cfg);
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        var nh = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        var bytes = UpdateEncoder.EncodeMp(new UpdateEncodeContext(true), Afi.Ipv6, Safi.Unicast, [], Attrs([65001], x => x.NextHop = null), nh,
            [P("2001:db8:1::/48"), P("2001:db8:2::/48")]);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var u, out _));
        rib.Tell(new PeerUpdate(A, u!, [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 2);
        Assert.Equal(AsPath.Sequence(LocalAs, 65001), viewB.Routes[P("2001:db8:1::/48")].AsPath);
        rib.Tell(new LookupRoutes(P("2001:db8::/32"), LongerPrefixes: true), TestActor);
        var r = ExpectMsg<RouteLookupResult>();
        Assert.Equal(2, r.TotalPrefixes);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), r.Routes[0].NextHop);
        rib.Tell(GetRibSummary.Instance, TestActor);
        Assert.Equal(new FamilySummary(2, 2, 2), ExpectMsg<RibSummary>().Families["ipv6-unicast"]);
    }

    [Fact]
    public void Route_reflector_reflects_client_routes_to_non_clients()
    {
        var client = new PeerRibSettings { RouteReflectorClient = true };
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [A] = new(IPAddress.Parse("192.0.2.254"), null, client) };
        var rib = Rib(cfg: cfg);
        var (_, connA, _) = Up(rib, A, LocalAs, 1);
        var (_, connB, viewB) = Up(rib, B, LocalAs, 2); // non-client
        var bytes = UpdateEncoder.EncodeIPv4(new UpdateEncodeContext(true), [], Attrs([65010], x => x.LocalPref = 120), [P("203.0.113.0/24")]);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.Internal, default, LocalAs), out var u, out _));
        rib.Tell(new PeerUpdate(A, u!, [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        var attrs = viewB.Routes[P("203.0.113.0/24")];
        Assert.Equal(1u, attrs.OriginatorId);
        Assert.Equal([RouterId], attrs.ClusterList);
        Assert.Equal(120u, attrs.LocalPref);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Partitioning_does_not_change_the_result(int partitions)
    {
        var rib = Rib(partitions);
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        var (_, connC, viewC) = Up(rib, C, 65003, 3);
        var prefixes = Enumerable.Range(0, 300).Select(i => $"10.{i / 256}.{i % 256}.0/24").ToArray();
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 1, 2]), prefixes), [], connA.Ref));
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002, 1], x => x.MultiExitDisc = 10), prefixes.Take(200).ToArray()), [], connB.Ref));
        rib.Tell(new PeerUpdate(B, Update(null, [], prefixes.Take(50).ToArray()), [], connB.Ref));
        Drain(connA, viewA, v => v.Acked == 1);
        Drain(connB, viewB, v => v.Acked == 2);
        // C sees B's shorter path for 50..199 and A's for the rest.
        Drain(connC, viewC, v => v.Routes.Count == 300 && v.Routes.Values.Count(a => a.AsPath!.LeftmostAs == LocalAs && a.AsPath.Length == 3) == 150);
        rib.Tell(new LookupRoutes(P("10.0.0.0/8"), LongerPrefixes: true, Offset: 10, Limit: 5), TestActor);
        var page = ExpectMsg<RouteLookupResult>();
        Assert.Equal(300, page.TotalPrefixes);
        Assert.Equal(Enumerable.Range(10, 5).Select(i => P($"10.0.{i}.0/24")), page.Routes.Where(r => r.Best).Select(r => r.Prefix));
        rib.Tell(GetRibSummary.Instance, TestActor);
        var s = ExpectMsg<RibSummary>();
        Assert.Equal(new FamilySummary(300, 450, 300), s.Families["ipv4-unicast"]);
        Assert.Equal(3, s.EstablishedPeers);
    }
}
