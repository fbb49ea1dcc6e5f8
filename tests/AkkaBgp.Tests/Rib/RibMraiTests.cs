using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibTestData;
using static AkkaBgp.Tests.Rib.RibActorTests;

namespace AkkaBgp.Tests.Rib;

/// <summary>MinRouteAdvertisementInterval (RFC 4271 9.2.1.1), per destination, on virtual time.</summary>
public sealed class RibMraiTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");

    [Fact]
    public void A_prefix_sent_recently_waits_for_its_own_interval_and_only_its_latest_state_is_sent()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default),
            [B] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { MinRouteAdvertisementInterval = TimeSpan.FromSeconds(30) }),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
        var connA = CreateTestProbe();
        var connB = CreateTestProbe();
        rib.Tell(new PeerUp(A, RibActorTests.Session(65001, 1), connA.Ref), TestActor);
        rib.Tell(new PeerUp(B, RibActorTests.Session(65002, 2), connB.Ref), TestActor);
        var viewA = new PeerView();
        var viewB = new PeerView();
        // The initial table (here: empty) and End-of-RIB go out at once.
        Drain(connB, viewB, v => v.EndOfRib == 2);

        // Never sent before: no interval to wait for.
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 1]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        Assert.Equal(AsPath(LocalAs, 65001, 1), viewB.Routes[P("203.0.113.0/24")].AsPath);
        int updates = viewB.Updates;

        // Sent just now: its changes wait, the latest replacing the earlier ones.
        Advance(TimeSpan.FromSeconds(10));
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 2]), ["203.0.113.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 3]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 3);
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Another destination is not held back by the first one's interval.
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 4]), ["198.51.100.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 2);
        Assert.Equal(AsPath(LocalAs, 65001, 1), viewB.Routes[P("203.0.113.0/24")].AsPath);

        // 30 s after the first prefix was sent, its latest state goes, once.
        Advance(TimeSpan.FromSeconds(19));
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(1));
        Drain(connB, viewB, v => AsPath(LocalAs, 65001, 3).Equals(v.Routes[P("203.0.113.0/24")].AsPath));
        Assert.Equal(updates + 2, viewB.Updates); // 198.51.100.0/24, then 203.0.113.0/24 with path 3 only
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // A withdrawal is a change to the destination too: limited the same way.
        rib.Tell(new PeerUpdate(A, Update(null, [], ["203.0.113.0/24"]), [], connA.Ref));
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(30));
        Drain(connB, viewB, v => v.Routes.Count == 1);
    }

    [Fact]
    public void A_route_refresh_re_sends_held_changes_at_once_before_EoRR()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default),
            [B] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { MinRouteAdvertisementInterval = TimeSpan.FromSeconds(30) }),
        };
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
        var connA = CreateTestProbe();
        var connB = CreateTestProbe();
        rib.Tell(new PeerUp(A, RibActorTests.Session(65001, 1), connA.Ref), TestActor);
        rib.Tell(new PeerUp(B, RibActorTests.Session(65002, 2, enhanced: true), connB.Ref), TestActor);
        var viewA = new PeerView();
        var viewB = new PeerView();
        Drain(connB, viewB, v => v.EndOfRib == 2);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 1]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        rib.Tell(new PeerUpdate(A, Update(Attrs([65001, 2]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 2);
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // held by the interval

        // RFC 7313 4: the whole Adj-RIB-Out between BoRR and EoRR, so the held change cannot wait.
        rib.Tell(new PeerRouteRefresh(B, new RouteRefreshMessage(AfiSafi.Ipv4Unicast), connB.Ref));
        Drain(connB, viewB, v => v.Refresh.Contains(RouteRefreshSubtype.EndOfRouteRefresh));
        Assert.Equal(AsPath(LocalAs, 65001, 2), viewB.Routes[P("203.0.113.0/24")].AsPath);
        int updates = viewB.Updates;
        Advance(TimeSpan.FromSeconds(30));
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing left to send
        Assert.Equal(updates, viewB.Updates);
    }

    private static AkkaBgp.Wire.Attributes.AsPath AsPath(params uint[] asns) => AkkaBgp.Wire.Attributes.AsPath.Sequence(asns);
}
