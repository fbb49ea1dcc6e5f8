using System.Net;
using AkkaBgp.Actors;
using AkkaBgp.Actors.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibTestData;
using static AkkaBgp.Tests.Rib.RibActorTests;

namespace AkkaBgp.Tests.Rib;

/// <summary>MinRouteAdvertisementInterval (RFC 4271 9.2.1.1) on virtual time.</summary>
public sealed class RibMraiTests : TestKit
{
    [Fact]
    public void Changes_wait_for_the_interval_and_only_the_latest_state_is_sent()
    {
        var a = IPAddress.Parse("10.0.0.2");
        var b = IPAddress.Parse("10.0.0.3");
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [a] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default),
            [b] = new(IPAddress.Parse("192.0.2.254"), null, new PeerRibSettings { MinRouteAdvertisementInterval = TimeSpan.FromSeconds(30) }),
        };
        var rib = Sys.ActorOf(RibActor.Props(Settings with { Partitions = 2 }, cfg));
        var connA = CreateTestProbe();
        var connB = CreateTestProbe();
        rib.Tell(new PeerUp(a, RibActorTests.Session(65001, 1), connA.Ref), TestActor);
        rib.Tell(new PeerUp(b, RibActorTests.Session(65002, 2), connB.Ref), TestActor);
        var viewA = new PeerView();
        var viewB = new PeerView();
        // The initial table (here: empty) and End-of-RIB go out at once.
        Drain(connB, viewB, v => v.EndOfRib == 2);

        rib.Tell(new PeerUpdate(a, Update(Attrs([65001, 1]), ["203.0.113.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(a, Update(Attrs([65001, 2]), ["203.0.113.0/24"]), [], connA.Ref));
        rib.Tell(new PeerUpdate(a, Update(Attrs([65001, 3]), ["203.0.113.0/24"]), [], connA.Ref));
        Drain(connA, viewA, v => v.Acked == 3);
        connB.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(30));
        Drain(connB, viewB, v => v.Routes.Count == 1);
        Assert.Equal(AsPath(LocalAs, 65001, 3), viewB.Routes[P("203.0.113.0/24")].AsPath);
        Assert.Equal(3, viewB.Updates); // two End-of-RIB and one UPDATE carrying only the latest path
    }

    private static AkkaBgp.Wire.Attributes.AsPath AsPath(params uint[] asns) => AkkaBgp.Wire.Attributes.AsPath.Sequence(asns);
}
