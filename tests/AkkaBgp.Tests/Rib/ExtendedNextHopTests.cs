using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// RFC 8950, IPv4 routes with an IPv6 next hop: the capability in our OPEN and its negotiation (section 4), IPv4 routes
/// to a peer over IPv6 in MP_REACH_NLRI with our IPv6 next hop and no NEXT_HOP (section 3, RFC 4760 3), routes learned
/// that way in the RIB, and the IPv4 next hop a peer without the capability gets instead. Checked on the UPDATE bytes.
/// </summary>
public sealed class ExtendedNextHopTests : BgpTestKit
{
    private static readonly IPAddress Fabric = IPAddress.Parse("2001:db8:f::2");
    private static readonly IPAddress OurFabric = IPAddress.Parse("2001:db8:f::1");
    private static readonly IPAddress Classic = IPAddress.Parse("10.0.0.3");
    private static readonly ExtendedNextHopFamily Ipv4OverIpv6 = new(Afi.Ipv4, Safi.Unicast, Afi.Ipv6);

    public ExtendedNextHopTests() : base(virtualTime: false) { }

    private static NeighborSettings Neighbor(bool extendedNextHop) => new()
    {
        PeerAddress = Fabric,
        PeerAs = 65001,
        LocalAs = LocalAs,
        RouterId = RouterId,
        Capabilities = new CapabilitySettings { ExtendedNextHop = extendedNextHop },
    };

    private static OpenMessage PeerOpen(params Capability[] extra) => OpenMessage.Create(65001, 90, 0x0A000002,
        [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new MultiprotocolCapability(AfiSafi.Ipv6Unicast), .. extra]);

    [Fact]
    public void Our_OPEN_lists_IPv4_unicast_over_an_IPv6_next_hop_only_when_configured()
    {
        var on = OpenExchange.BuildOpen(Neighbor(true)).Get<ExtendedNextHopCapability>();
        Assert.NotNull(on);
        Assert.Equal([Ipv4OverIpv6], on.Families);
        // Capability code 5, length 6: AFI 1, SAFI 1 (two octets), next-hop AFI 2.
        var wire = new byte[on.EncodedLength];
        on.Encode(wire);
        Assert.Equal(new byte[] { 5, 6, 0, 1, 0, 1, 0, 2 }, wire);
        Assert.Null(OpenExchange.BuildOpen(Neighbor(false)).Get<ExtendedNextHopCapability>());
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    public void It_is_in_use_only_when_both_sides_list_the_triple(bool ours, bool theirs, bool negotiated)
    {
        var open = theirs ? PeerOpen(new ExtendedNextHopCapability(Ipv4OverIpv6)) : PeerOpen();
        Assert.True(OpenExchange.TryNegotiate(Neighbor(ours), open, out var session, out _, out var reason), reason);
        Assert.Equal(negotiated, session!.ExtendedNextHopIpv4);
    }

    [Fact]
    public void A_peer_listing_another_next_hop_family_does_not_negotiate_it()
    {
        // IPv6 NLRI over IPv4 next hops is a different triple (AFI 2, SAFI 1, next-hop AFI 1).
        var open = PeerOpen(new ExtendedNextHopCapability(new ExtendedNextHopFamily(Afi.Ipv6, Safi.Unicast, Afi.Ipv4)));
        Assert.True(OpenExchange.TryNegotiate(Neighbor(true), open, out var session, out _, out _));
        Assert.False(session!.ExtendedNextHopIpv4);
    }

    /// <summary>Every UPDATE the connection was told to send, decoded.</summary>
    private static List<UpdateMessage> Updates(TestProbe connection, Func<List<UpdateMessage>, bool> until)
    {
        var list = new List<UpdateMessage>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!until(list))
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, "timed out waiting for UPDATEs");
            if (connection.ReceiveOne(left) is not SendBytes b) continue;
            var s = b.Bytes.ToArray().AsSpan();
            while (!s.IsEmpty)
            {
                int len = s[16] << 8 | s[17];
                Assert.True(UpdateMessage.TryDecode(s[UpdateEncoder.HeaderLength..len], new UpdateDecodeContext(true, PeerKind.Internal, default, LocalAs), out var m, out var err), err?.ToString());
                list.Add(m!);
                s = s[len..];
            }
        }
        return list;
    }

    private static NegotiatedSession Session(uint peerAs, uint id, bool extendedNextHop) =>
        RibActorTests.Session(peerAs, id) with { ExtendedNextHopIpv4 = extendedNextHop };

    private static bool Has(NlriList list, string prefix)
    {
        foreach (var n in list)
            if (n.Prefix == P(prefix)) return true;
        return false;
    }

    private static bool Announces(List<UpdateMessage> updates, string prefix) =>
        updates.Any(u => Has(u.Nlri, prefix) || (u.MpReach is { } r && Has(r.Nlri, prefix)));

    [Fact]
    public void Over_IPv6_an_IPv4_route_goes_in_MP_REACH_NLRI_with_our_IPv6_next_hop_and_no_NEXT_HOP()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [Fabric] = new(null, null, PeerRibSettings.Default) };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg, [new LocalRoute { Prefix = P("198.51.100.0/24") }]));
        var conn = CreateTestProbe();
        rib.Tell(new PeerUp(Fabric, Session(65001, 2, extendedNextHop: true), conn.Ref, new IPEndPoint(OurFabric, 179), new IPEndPoint(Fabric, 40000)));

        var sent = Updates(conn, u => Announces(u, "198.51.100.0/24"));
        var update = sent.Single(u => u.MpReach is { } r && Has(r.Nlri, "198.51.100.0/24"));
        Assert.Equal(Afi.Ipv4, update.MpReach!.Afi);
        Assert.Equal(Safi.Unicast, update.MpReach.Safi);
        Assert.Equal(OurFabric.GetAddressBytes(), update.MpReach.NextHop.ToArray());
        Assert.Null(update.Attributes.NextHop);
        Assert.Equal(0, update.Nlri.Count);
    }

    [Fact]
    public void Learned_with_an_IPv6_next_hop_it_is_used_and_a_peer_without_the_capability_gets_our_IPv4_next_hop()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [Fabric] = new(null, null, PeerRibSettings.Default),
            [Classic] = new(null, null, PeerRibSettings.Default),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
        var fabric = CreateTestProbe();
        var classic = CreateTestProbe();
        rib.Tell(new PeerUp(Fabric, Session(65001, 2, extendedNextHop: true), fabric.Ref, new IPEndPoint(OurFabric, 179), null));
        rib.Tell(new PeerUp(Classic, Session(65002, 3, extendedNextHop: false), classic.Ref, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 179), null));
        Updates(classic, u => u.Count(m => m.IsEndOfRib) == 2);

        // The fabric peer's IPv4 route, as RFC 8950 section 3 encodes it.
        var bytes = UpdateEncoder.EncodeMp(new UpdateEncodeContext(true), Afi.Ipv4, Safi.Unicast, [], Attrs([65001], b => b.NextHop = null),
            Fabric.GetAddressBytes(), [P("203.0.113.0/24")]);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var update, out _));
        rib.Tell(new PeerUpdate(Fabric, update!, [], fabric.Ref));

        var toClassic = Updates(classic, u => Announces(u, "203.0.113.0/24"));
        var plain = toClassic.Single(u => Has(u.Nlri, "203.0.113.0/24"));
        Assert.Equal(Ip("10.0.0.1"), plain.Attributes.NextHop);
        Assert.Null(plain.MpReach);

        rib.Tell(new LookupRoutes(P("203.0.113.0/24")), TestActor);
        var path = Assert.Single(ExpectMsg<RouteLookupResult>().Routes);
        Assert.True(path.Best);
        Assert.Equal(Fabric, path.NextHop);
    }

    [Fact]
    public void Next_hop_unchanged_passes_the_IPv6_next_hop_on_to_another_peer_that_negotiated_it()
    {
        var second = IPAddress.Parse("2001:db8:f::3");
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [Fabric] = new(null, null, PeerRibSettings.Default),
            [second] = new(null, null, new PeerRibSettings { NextHop = NextHopMode.Unchanged }),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
        var fabric = CreateTestProbe();
        var other = CreateTestProbe();
        rib.Tell(new PeerUp(Fabric, Session(65001, 2, extendedNextHop: true), fabric.Ref, new IPEndPoint(OurFabric, 179), null));
        rib.Tell(new PeerUp(second, Session(65003, 4, extendedNextHop: true), other.Ref, new IPEndPoint(OurFabric, 179), null));
        Updates(other, u => u.Count(m => m.IsEndOfRib) == 2);

        var bytes = UpdateEncoder.EncodeMp(new UpdateEncodeContext(true), Afi.Ipv4, Safi.Unicast, [], Attrs([65001], b => b.NextHop = null),
            Fabric.GetAddressBytes(), [P("203.0.113.0/24")]);
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var update, out _));
        rib.Tell(new PeerUpdate(Fabric, update!, [], fabric.Ref));

        var sent = Updates(other, u => Announces(u, "203.0.113.0/24")).Single(u => u.MpReach is not null && !u.IsEndOfRib);
        Assert.Equal(Afi.Ipv4, sent.MpReach!.Afi);
        Assert.Equal(Fabric.GetAddressBytes(), sent.MpReach.NextHop.ToArray());
    }

    [Fact]
    public void Without_it_and_without_an_IPv4_address_an_IPv4_route_is_withheld_rather_than_sent_without_NEXT_HOP()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig> { [Fabric] = new(null, null, PeerRibSettings.Default) };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg,
            [new LocalRoute { Prefix = P("198.51.100.0/24") }, new LocalRoute { Prefix = P("2001:db8:100::/48") }]));
        var conn = CreateTestProbe();
        rib.Tell(new PeerUp(Fabric, Session(65001, 2, extendedNextHop: false), conn.Ref, new IPEndPoint(OurFabric, 179), null));
        var sent = Updates(conn, u => u.Count(m => m.IsEndOfRib) == 2);
        Assert.True(Announces(sent, "2001:db8:100::/48"));
        Assert.False(Announces(sent, "198.51.100.0/24"));
        Assert.All(sent.Where(u => u.Nlri.Count > 0), u => Assert.NotNull(u.Attributes.NextHop));
    }
}
