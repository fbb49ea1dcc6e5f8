using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>Best-path changes on the EventStream.</summary>
public sealed class RibEventsTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");

    public RibEventsTests() : base(virtualTime: false) { }

    private BestPathChanged Next(TestProbe events)
    {
        var batch = events.ExpectMsg<BestPathChanges>(TimeSpan.FromSeconds(5));
        return Assert.Single(batch.Changes);
    }

    [Fact]
    public void A_subscriber_sees_a_better_path_win_and_the_best_withdrawn()
    {
        var events = CreateTestProbe();
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, a => new NeighborRibConfig(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default)));
        rib.Tell(new SubscribeBestPathChanges(events.Ref));
        var connA = CreateTestProbe();
        var connB = CreateTestProbe();
        rib.Tell(new PeerUp(A, RibActorTests.Session(65001, 1), connA.Ref));
        rib.Tell(new PeerUp(B, RibActorTests.Session(65002, 2), connB.Ref));

        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 7, 8]), ["203.0.113.0/24"]), [], connA.Ref));
        var first = Next(events);
        Assert.Equal((AfiSafi.Ipv4Unicast, P("203.0.113.0/24"), BestPathChangeReason.Update, A), (first.Family, first.Prefix, first.Reason, first.From));
        Assert.Equal(A, first.Best!.Peer);
        Assert.Equal(65001u, first.Best.PeerAs);

        // A shorter AS_PATH from B wins (RFC 4271 9.1.2.2 (a)).
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002]), ["203.0.113.0/24"]), [], connB.Ref));
        var better = Next(events);
        Assert.Equal(B, better.Best!.Peer);
        Assert.Equal(B, better.From);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), better.Best.NextHop);

        // B withdraws its best path: A's is best again; then A withdraws and nothing is left.
        rib.Tell(new PeerUpdate(B, Update(null, [], ["203.0.113.0/24"]), [], connB.Ref));
        var back = Next(events);
        Assert.Equal(BestPathChangeReason.Withdraw, back.Reason);
        Assert.Equal(A, back.Best!.Peer);
        rib.Tell(new PeerUpdate(A, Update(null, [], ["203.0.113.0/24"]), [], connA.Ref));
        var gone = Next(events);
        Assert.True(gone.Withdrawn);
        Assert.Equal(BestPathChangeReason.Withdraw, gone.Reason);

        // A worse path that does not win publishes nothing.
        rib.Tell(new PeerUpdate(B, Update(Attrs([65002]), ["198.51.100.0/24"]), [], connB.Ref));
        Assert.Equal(B, Next(events).Best!.Peer);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 1, 2]), ["198.51.100.0/24"]), [], connA.Ref));
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // The session going down removes B's best: A's path takes over, reason PeerDown.
        rib.Tell(new PeerDown(B, "test", BgpEvent.ManualStop, EndedByNotification: true));
        var down = Next(events);
        Assert.Equal(BestPathChangeReason.PeerDown, down.Reason);
        Assert.Equal(B, down.From);
        Assert.Equal(A, down.Best!.Peer);
    }

    [Fact]
    public void Local_routes_publish_with_no_neighbor()
    {
        var events = CreateTestProbe();
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 1 }));
        rib.Tell(new SubscribeBestPathChanges(events.Ref));
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = P("2001:db8:5::/48"), NextHop = IPAddress.Parse("2001:db8::9") }), TestActor);
        var e = Next(events);
        Assert.Equal((AfiSafi.Ipv6Unicast, BestPathChangeReason.LocalRoute), (e.Family, e.Reason));
        Assert.True(e.Best!.Local);
        Assert.Null(e.From);
        Assert.Equal(IPAddress.Parse("2001:db8::9"), e.Best.NextHop);
        rib.Tell(new WithdrawLocalRoute(P("2001:db8:5::/48")), TestActor);
        Assert.True(Next(events).Withdrawn);

        // Unsubscribed: the partitions stop recording (and nothing reaches the probe).
        rib.Tell(new UnsubscribeBestPathChanges(events.Ref));
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = P("2001:db8:6::/48") }), TestActor);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Nothing_is_published_without_a_subscription_through_the_rib()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe<BestPathChanges>(events.Ref);
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 1 }));
        rib.Tell(new AnnounceLocalRoute(new LocalRoute { Prefix = P("192.0.2.0/24") }), TestActor);
        ExpectMsg<LocalRouteAck>();
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
