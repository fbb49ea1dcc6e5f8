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

/// <summary>
/// ADD-PATH (RFC 7911) end to end through the RIB actors: the capability and its negotiation (section 4), several
/// paths per prefix from one peer kept apart by path identifier and withdrawn one by one (section 3), and several
/// paths per prefix sent to a neighbor that can receive them, all or the best N, each under our own path identifier.
/// Checked on the UPDATE bytes the connections are told to send and on the RIB's lookups.
/// </summary>
public sealed class AddPathTests : BgpTestKit
{
    private static readonly IPAddress Sender = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Other = IPAddress.Parse("10.0.0.3");
    private static readonly IPAddress Receiver = IPAddress.Parse("10.0.0.4");
    private static readonly IPEndPoint Ours = new(IPAddress.Parse("10.0.0.1"), 179);

    /// <summary>Where the RIB acknowledges the test's UPDATEs (UpdatesProcessed), out of the test actor's way.</summary>
    private readonly IActorRef Acks;

    public AddPathTests() : base(virtualTime: false) => Acks = CreateTestProbe().Ref;

    private static NeighborSettings Neighbor(bool receive, int send) => new()
    {
        PeerAddress = Sender,
        PeerAs = 65001,
        LocalAs = LocalAs,
        RouterId = RouterId,
        Capabilities = new CapabilitySettings { AddPathReceive = receive, AddPathSend = send },
    };

    private static OpenMessage PeerOpen(params Capability[] extra) => OpenMessage.Create(65001, 90, 0x0A000002,
        [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new MultiprotocolCapability(AfiSafi.Ipv6Unicast), .. extra]);

    private static AddPathCapability Peer(AddPathMode v4, AddPathMode? v6 = null) => v6 is { } m6
        ? new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, v4), new AddPathFamily(AfiSafi.Ipv6Unicast, m6))
        : new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, v4));

    [Fact]
    public void Our_OPEN_lists_each_family_with_the_configured_direction_and_nothing_when_off()
    {
        var both = OpenExchange.BuildOpen(Neighbor(true, CapabilitySettings.AddPathSendAll)).Get<AddPathCapability>();
        Assert.NotNull(both);
        var wire = new byte[both.EncodedLength];
        both.Encode(wire);
        // Code 69, length 8: <AFI 1, SAFI 1, Send/Receive 3> <AFI 2, SAFI 1, 3>.
        Assert.Equal(new byte[] { 69, 8, 0, 1, 1, 3, 0, 2, 1, 3 }, wire);
        Assert.Equal([AddPathMode.Receive, AddPathMode.Receive], OpenExchange.BuildOpen(Neighbor(true, 0)).Get<AddPathCapability>()!.Families.Select(f => f.Mode));
        Assert.Equal([AddPathMode.Send, AddPathMode.Send], OpenExchange.BuildOpen(Neighbor(false, 2)).Get<AddPathCapability>()!.Families.Select(f => f.Mode));
        Assert.Null(OpenExchange.BuildOpen(Neighbor(false, 0)).Get<AddPathCapability>());
    }

    [Theory]
    // ours receive/send, the peer's IPv4 mode: RFC 7911 section 4, we receive where we said Receive and it said Send.
    [InlineData(true, 2, AddPathMode.Both, true, true)]
    [InlineData(true, 2, AddPathMode.Send, true, false)]
    [InlineData(true, 2, AddPathMode.Receive, false, true)]
    [InlineData(false, 2, AddPathMode.Send, false, false)]
    [InlineData(true, 0, AddPathMode.Receive, false, false)]
    public void Each_direction_is_in_use_only_where_one_side_sends_and_the_other_receives(bool receive, int send, AddPathMode peer, bool rx, bool tx)
    {
        Assert.True(OpenExchange.TryNegotiate(Neighbor(receive, send), PeerOpen(Peer(peer)), out var session, out _, out var reason), reason);
        Assert.Equal(rx, session!.AddPathReceive.Contains(AfiSafi.Ipv4Unicast));
        Assert.Equal(tx, session.AddPathSend.Contains(AfiSafi.Ipv4Unicast));
        Assert.False(session.AddPathReceive.Contains(AfiSafi.Ipv6Unicast));
        // The connection decodes path identifiers exactly where we receive them.
        Assert.Equal(rx, session.UpdateDecode(Neighbor(receive, send)).AddPathReceive.Contains(AfiSafi.Ipv4Unicast));
    }

    [Fact]
    public void A_family_the_session_does_not_carry_gets_no_path_identifiers()
    {
        var open = OpenMessage.Create(65001, 90, 0x0A000002, [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), Peer(AddPathMode.Both, AddPathMode.Both)]);
        Assert.True(OpenExchange.TryNegotiate(Neighbor(true, 2), open, out var session, out _, out _));
        Assert.True(session!.AddPathReceive.Contains(AfiSafi.Ipv4Unicast));
        Assert.False(session.AddPathReceive.Contains(AfiSafi.Ipv6Unicast));
    }

    // ---- through the RIB -------------------------------------------------------------------------------------

    private static readonly AddPathFamilies V4 = AddPathFamilies.IPv4Unicast;

    private static NegotiatedSession Session(uint peerAs, uint id, bool receive = false, int send = 0) =>
        RibActorTests.Session(peerAs, id) with
        {
            AddPathReceive = receive ? V4 : AddPathFamilies.None,
            AddPathSend = send > 0 ? V4 : AddPathFamilies.None,
            AddPathSendMax = send,
        };

    private IActorRef Rib()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>();
        foreach (var a in new[] { Sender, Other, Receiver }) cfg[a] = new NeighborRibConfig(Ours.Address, null, PeerRibSettings.Default);
        return Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
    }

    /// <summary>An UPDATE as a peer sending path identifiers encodes it.</summary>
    private static UpdateMessage Update(PathAttributes? attrs, (string Prefix, uint Id)[] announce, (string Prefix, uint Id)[]? withdraw = null, bool addPath = true)
    {
        var ap = addPath ? V4 : AddPathFamilies.None;
        var bytes = UpdateEncoder.EncodeIPv4(new UpdateEncodeContext(true, ap), (withdraw ?? []).Select(p => new NlriEntry(P(p.Prefix), p.Id)).ToArray(),
            announce.Length == 0 ? null : attrs, announce.Select(p => new NlriEntry(P(p.Prefix), p.Id)).ToArray());
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, ap, attrs?.AsPath?.LeftmostAs ?? 0), out var m, out var e), e?.ToString());
        return m!;
    }

    /// <summary>Every UPDATE the connection was told to send until <paramref name="until"/> holds, decoded with or
    /// without path identifiers.</summary>
    private static List<UpdateMessage> Updates(TestProbe connection, bool addPath, Func<List<UpdateMessage>, bool> until)
    {
        var list = new List<UpdateMessage>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!until(list))
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, "timed out waiting for UPDATEs; got: " + string.Join(" | ", list));
            if (connection.ReceiveOne(left) is not SendBytes b) continue;
            var s = b.Bytes.ToArray().AsSpan();
            while (!s.IsEmpty)
            {
                int len = s[16] << 8 | s[17];
                var ctx = new UpdateDecodeContext(true, PeerKind.External, addPath ? V4 : AddPathFamilies.None, LocalAs);
                Assert.True(UpdateMessage.TryDecode(s[UpdateEncoder.HeaderLength..len], ctx, out var m, out var err), err?.ToString());
                list.Add(m!);
                s = s[len..];
            }
        }
        return list;
    }

    private static List<NlriEntry> Entries(NlriList list)
    {
        var entries = new List<NlriEntry>();
        foreach (var n in list) entries.Add(n);
        return entries;
    }

    private static List<NlriEntry> Announced(IEnumerable<UpdateMessage> updates) => updates.SelectMany(u => Entries(u.Nlri)).ToList();
    private static List<NlriEntry> Withdrawn(IEnumerable<UpdateMessage> updates) => updates.SelectMany(u => Entries(u.Withdrawn)).ToList();

    private (TestProbe Conn, List<UpdateMessage> Initial) Up(IActorRef rib, IPAddress peer, uint asn, uint id, bool receive = false, int send = 0)
    {
        var conn = CreateTestProbe();
        rib.Tell(new PeerUp(peer, Session(asn, id, receive, send), conn.Ref, Ours, new IPEndPoint(peer, 40000)));
        // End-of-RIB for both families ends the initial table.
        return (conn, Updates(conn, send > 0, u => u.Count(m => m.IsEndOfRib) == 2));
    }

    private List<RouteView> Lookup(IActorRef rib, string prefix)
    {
        rib.Tell(new LookupRoutes(P(prefix)), TestActor);
        return ExpectMsg<RouteLookupResult>().Routes.ToList();
    }

    private void AwaitPaths(IActorRef rib, string prefix, int count)
    {
        AwaitAssert(() => Assert.Equal(count, Lookup(rib, prefix).Count), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void Paths_with_distinct_identifiers_from_one_peer_are_kept_apart_and_withdrawn_one_by_one()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2, receive: true);
        var (plain, _) = Up(rib, Other, 65002, 3);

        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001, 64999, 64998]), [("203.0.113.0/24", 1)]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001, 64999]), [("203.0.113.0/24", 2)]), [], Acks));
        AwaitPaths(rib, "203.0.113.0/24", 2);
        var paths = Lookup(rib, "203.0.113.0/24");
        Assert.All(paths, p => Assert.Equal(Sender, p.Peer));
        Assert.Equal([1u, 2u], paths.Select(p => p.PathId).Order());
        // RFC 4271 9.1.2.2 (a) between two paths of one peer: the shorter AS_PATH, path 2.
        Assert.Equal(2u, paths.Single(p => p.Best).PathId);
        var sent = Updates(plain, false, u => Announced(u).Any(n => n.Prefix == P("203.0.113.0/24")) && u.Last().Attributes.AsPath!.Length == 3);
        Assert.Equal("65000 65001 64999", sent.Last().Attributes.AsPath!.ToString());

        // Withdrawing path 2 by its identifier leaves path 1, which a neighbor without ADD-PATH now gets.
        rib.Tell(new PeerUpdate(Sender, Update(null, [], [("203.0.113.0/24", 2)]), [], Acks));
        AwaitPaths(rib, "203.0.113.0/24", 1);
        Assert.Equal(1u, Lookup(rib, "203.0.113.0/24").Single().PathId);
        var next = Updates(plain, false, u => Announced(u).Any(n => n.Prefix == P("203.0.113.0/24")));
        Assert.Equal("65000 65001 64999 64998", next.Last().Attributes.AsPath!.ToString());

        // A withdrawal naming an identifier the peer never used removes nothing.
        rib.Tell(new PeerUpdate(Sender, Update(null, [], [("203.0.113.0/24", 9)]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, Update(null, [], [("203.0.113.0/24", 1)]), [], Acks));
        AwaitPaths(rib, "203.0.113.0/24", 0);
        Assert.Contains(P("203.0.113.0/24"), Withdrawn(Updates(plain, false, u => Withdrawn(u).Count > 0)).Select(n => n.Prefix));
    }

    [Fact]
    public void Announcing_an_identifier_again_replaces_only_that_path()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2, receive: true);
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001], b => b.MultiExitDisc = 10), [("198.51.100.0/24", 5), ("198.51.100.0/24", 6)]), [], Acks));
        AwaitPaths(rib, "198.51.100.0/24", 2);
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001], b => b.MultiExitDisc = 20), [("198.51.100.0/24", 6)]), [], Acks));
        AwaitAssert(() => Assert.Equal(20u, Lookup(rib, "198.51.100.0/24").Single(p => p.PathId == 6).Attributes.MultiExitDisc), TimeSpan.FromSeconds(5));
        var paths = Lookup(rib, "198.51.100.0/24");
        Assert.Equal(2, paths.Count);
        Assert.Equal(10u, paths.Single(p => p.PathId == 5).Attributes.MultiExitDisc);
        // (c) lower MED among routes from the same neighboring AS.
        Assert.Equal(5u, paths.Single(p => p.Best).PathId);
    }

    [Fact]
    public void Paths_that_tie_on_every_step_are_broken_by_the_lowest_identifier_whatever_the_arrival_order()
    {
        foreach (var order in new[] { new uint[] { 7, 3, 5 }, [3, 5, 7], [5, 7, 3] })
        {
            var rib = Rib();
            Up(rib, Sender, 65001, 2, receive: true);
            foreach (var id in order) rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001]), [("192.0.2.0/24", id)]), [], Acks));
            AwaitPaths(rib, "192.0.2.0/24", 3);
            Assert.Equal(3u, Lookup(rib, "192.0.2.0/24").Single(p => p.Best).PathId);
            Sys.Stop(rib);
        }
    }

    [Fact]
    public void A_session_going_down_removes_every_path_it_sent()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2, receive: true);
        var (plain, _) = Up(rib, Other, 65002, 3);
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001]), [("192.0.2.0/24", 1), ("192.0.2.0/24", 2), ("192.0.2.0/24", 3)]), [], Acks));
        AwaitPaths(rib, "192.0.2.0/24", 3);
        Updates(plain, false, u => Announced(u).Any(n => n.Prefix == P("192.0.2.0/24")));
        rib.Tell(new PeerDown(Sender, "test", 18, EndedByNotification: true));
        AwaitPaths(rib, "192.0.2.0/24", 0);
        Assert.Contains(P("192.0.2.0/24"), Withdrawn(Updates(plain, false, u => Withdrawn(u).Count > 0)).Select(n => n.Prefix));
    }

    [Fact]
    public void A_neighbor_taking_all_paths_gets_each_under_its_own_identifier_and_loses_exactly_the_withdrawn_one()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2);
        Up(rib, Other, 65002, 3);
        var (receiver, _) = Up(rib, Receiver, 65004, 4, send: CapabilitySettings.AddPathSendAll);

        rib.Tell(new PeerUpdate(Sender, RibActorTests.Update(Attrs([65001]), ["203.0.113.0/24"]), [], Acks));
        rib.Tell(new PeerUpdate(Other, RibActorTests.Update(Attrs([65002, 64999]), ["203.0.113.0/24"]), [], Acks));
        var sent = Updates(receiver, true, u => Announced(u).Count(n => n.Prefix == P("203.0.113.0/24")) >= 2);
        var entries = Announced(sent).Where(n => n.Prefix == P("203.0.113.0/24")).ToList();
        Assert.Equal(2, entries.Select(n => n.PathId).Distinct().Count());
        // Each path with its own attributes: our AS prepended to each neighbor's path.
        var byPath = sent.SelectMany(u => Entries(u.Nlri).Select(n => (n.PathId, Path: u.Attributes.AsPath!.ToString()))).ToDictionary(x => x.PathId, x => x.Path);
        Assert.Equal(["65000 65001", "65000 65002 64999"], byPath.Values.Order());
        uint otherId = byPath.Single(kv => kv.Value == "65000 65002 64999").Key;

        rib.Tell(new PeerUpdate(Other, RibActorTests.Update(null, [], ["203.0.113.0/24"]), [], Acks));
        var after = Updates(receiver, true, u => Withdrawn(u).Count > 0);
        Assert.Equal([new NlriEntry(P("203.0.113.0/24"), otherId)], Withdrawn(after));
        Assert.DoesNotContain(after, u => u.Nlri.Count > 0);

        // The neighbor's Adj-RIB-Out, as the API shows it: the one path left, under its identifier.
        rib.Tell(new LookupRoutes(P("203.0.113.0/24"), AdvertisedTo: Receiver), TestActor);
        var view = Assert.Single(ExpectMsg<RouteLookupResult>().Routes);
        Assert.NotEqual(otherId, view.PathId);
        Assert.Equal("65000 65001", view.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void A_route_refresh_sends_every_path_again_under_the_same_identifiers()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2, receive: true);
        var (receiver, _) = Up(rib, Receiver, 65004, 4, send: CapabilitySettings.AddPathSendAll);
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001]), [("192.0.2.0/24", 1), ("198.51.100.0/24", 1)]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001, 7]), [("192.0.2.0/24", 2)]), [], Acks));
        var first = Announced(Updates(receiver, true, u => Announced(u).Count == 3)).OrderBy(n => n.ToString()).ToList();

        // RFC 2918: the neighbor asks for the table again; it gets the same three paths, the same identifiers.
        rib.Tell(new PeerRouteRefresh(Receiver, new RouteRefreshMessage(AfiSafi.Ipv4Unicast), receiver.Ref));
        var again = Announced(Updates(receiver, true, u => Announced(u).Count == 3)).OrderBy(n => n.ToString()).ToList();
        Assert.Equal(first, again);
        Assert.Equal(2, again.Count(n => n.Prefix == P("192.0.2.0/24")));
    }

    [Fact]
    public void A_neighbor_taking_the_best_two_gets_the_third_when_one_of_them_goes()
    {
        var rib = Rib();
        Up(rib, Sender, 65001, 2, receive: true);
        var (receiver, _) = Up(rib, Receiver, 65004, 4, send: 2);

        // Three paths from one ADD-PATH peer, AS_PATH lengths 1, 2, 3: the best two are ids 11 and 12.
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001, 1, 2]), [("192.0.2.0/24", 13)]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001, 1]), [("192.0.2.0/24", 12)]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, Update(Attrs([65001]), [("192.0.2.0/24", 11)]), [], Acks));
        AwaitPaths(rib, "192.0.2.0/24", 3);
        rib.Tell(new LookupRoutes(P("192.0.2.0/24"), AdvertisedTo: Receiver), TestActor);
        var advertised = ExpectMsg<RouteLookupResult>().Routes;
        Assert.Equal(["65000 65001", "65000 65001 1"], advertised.Select(r => r.Attributes.AsPath!.ToString()).Order());
        Assert.Equal("65000 65001", advertised.Single(r => r.Best).Attributes.AsPath!.ToString());

        // The best path goes: its identifier is withdrawn and the third path is announced under its own.
        uint bestId = advertised.Single(r => r.Best).PathId;
        var gone = new NlriEntry(P("192.0.2.0/24"), bestId);
        rib.Tell(new PeerUpdate(Sender, Update(null, [], [("192.0.2.0/24", 11)]), [], Acks));
        // (Path 13 was also announced once at the start, before 12 and 11 came: look after the withdrawal.)
        Updates(receiver, true, u => u.FindIndex(m => Entries(m.Withdrawn).Contains(gone)) is var w && w >= 0
            && u.Skip(w).Any(m => m.Nlri.Count > 0 && m.Attributes.AsPath?.ToString() == "65000 65001 1 2"));
        rib.Tell(new LookupRoutes(P("192.0.2.0/24"), AdvertisedTo: Receiver), TestActor);
        Assert.Equal(["65000 65001 1", "65000 65001 1 2"], ExpectMsg<RouteLookupResult>().Routes.Select(r => r.Attributes.AsPath!.ToString()).Order());
    }

    [Fact]
    public void A_path_is_never_sent_back_to_the_neighbor_it_came_from_and_the_next_one_takes_its_place()
    {
        var rib = Rib();
        var (receiver, _) = Up(rib, Receiver, 65004, 4, send: 1);
        Up(rib, Sender, 65001, 2);
        // The receiver's own path is the best one, but RFC 4271 9.2 keeps it from going back: with one path to send,
        // the next best goes instead.
        rib.Tell(new PeerUpdate(Receiver, RibActorTests.Update(Attrs([65004]), ["192.0.2.0/24"]), [], Acks));
        rib.Tell(new PeerUpdate(Sender, RibActorTests.Update(Attrs([65001, 1]), ["192.0.2.0/24"]), [], Acks));
        var sent = Updates(receiver, true, u => Announced(u).Any(n => n.Prefix == P("192.0.2.0/24")));
        Assert.Equal("65000 65001 1", sent.Last(u => u.Nlri.Count > 0).Attributes.AsPath!.ToString());
    }
}
