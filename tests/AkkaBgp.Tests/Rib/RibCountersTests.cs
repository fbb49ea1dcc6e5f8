using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>Per-neighbor, per-family received / accepted / advertised counts after a known exchange.</summary>
public sealed class RibCountersTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");

    public RibCountersTests() : base(virtualTime: false) { }

    internal static UpdateMessage Update6(PathAttributes attrs, string[] announce)
    {
        var bytes = UpdateEncoder.EncodeMp(new UpdateEncodeContext(true), Afi.Ipv6, Safi.Unicast, [], attrs, IPAddress.Parse("2001:db8::1").GetAddressBytes(),
            announce.Select(p => (NlriEntry)P(p)).ToArray());
        Assert.True(UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), new UpdateDecodeContext(true, PeerKind.External, default, 65001), out var u, out _));
        return u!;
    }

    private PrefixCounters Counters(IActorRef rib, IPAddress peer, string family)
    {
        rib.Tell(GetRibSummary.Instance, TestActor);
        var n = ExpectMsg<RibSummary>().Neighbors.Single(x => x.Peer.Equals(peer));
        return n.Prefixes![family];
    }

    [Fact]
    public void Received_accepted_and_advertised_per_family_follow_the_exchange()
    {
        var import = new RouteFilter([new FilterTerm { Prefixes = [PrefixListEntry.Parse("192.168.0.0/16 le 32")], Verdict = FilterVerdict.Reject }]);
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(IPAddress.Parse("192.0.2.254"), IPAddress.Parse("2001:db8::fe"), new PeerRibSettings { Import = import }),
            [B] = new(IPAddress.Parse("192.0.2.254"), IPAddress.Parse("2001:db8::fe"), PeerRibSettings.Default),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg, [new LocalRoute { Prefix = P("198.51.100.0/24") }]));
        var (connA, viewA) = Up(rib, A, 65001, 1);
        var (connB, viewB) = Up(rib, B, 65002, 2);

        // Two usable routes, one the import filter rejects, one with our AS in its path (loop, RFC 4271 9.1.2).
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 7]), ["203.0.113.0/24", "203.0.112.0/24", "192.168.1.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, LocalAs]), ["203.0.114.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(A, Update6(Attrs([65001], x => x.NextHop = null), ["2001:db8:1::/48"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 3);
        Drain(connB, viewB, v => v.Routes.Count == 4); // local + 2 IPv4 + 1 IPv6

        Assert.Equal(new PrefixCounters(4, 2, 1), Counters(rib, A, "ipv4-unicast")); // A gets only the local route back
        Assert.Equal(new PrefixCounters(1, 1, 0), Counters(rib, A, "ipv6-unicast"));
        Assert.Equal(new PrefixCounters(0, 0, 3), Counters(rib, B, "ipv4-unicast"));
        Assert.Equal(new PrefixCounters(0, 0, 1), Counters(rib, B, "ipv6-unicast"));

        // Withdrawing the rejected prefix and one accepted one lowers received and accepted; B loses one.
        rib.Tell(new PeerUpdate(A, Update(null, [], ["192.168.1.0/24", "203.0.112.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 4);
        Drain(connB, viewB, v => v.Routes.Count == 3);
        Assert.Equal(new PrefixCounters(2, 1, 1), Counters(rib, A, "ipv4-unicast"));
        Assert.Equal(new PrefixCounters(0, 0, 2), Counters(rib, B, "ipv4-unicast"));
    }

    private (TestProbe Conn, PeerView View) Up(IActorRef rib, IPAddress peer, uint asn, uint id)
    {
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, RibActorTests.Session(asn, id), conn.Ref));
        var view = new PeerView();
        Drain(conn, view, v => v.EndOfRib >= 2);
        return (conn, view);
    }
}
