using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rpki;
using AkkaBgp.Session;
using AkkaBgp.Tests.Rib;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rpki;

/// <summary>Route origin validation in the RIB (RFC 6811): the state shown per path, import policy on it, and a VRP
/// change re-running policy and best path on the affected routes only, with the results sent to the other neighbors.</summary>
public sealed class RovRibTests : BgpTestKit
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.3");

    public RovRibTests() : base(virtualTime: false) { }

    private static Vrp V(string prefix, int max, uint asn) => new(P(prefix), (byte)max, asn);

    private IActorRef Rib(RouteFilter importFromA)
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [A] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default with { Import = importFromA }),
            [B] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default),
        };
        return Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
    }

    private (TestProbe Fsm, TestProbe Conn, RibActorTests.PeerView View) Up(IActorRef rib, IPAddress peer, uint asn, uint id)
    {
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, RibActorTests.Session(asn, id), conn.Ref));
        var view = new RibActorTests.PeerView();
        RibActorTests.Drain(conn, view, v => v.EndOfRib >= 2);
        return (fsm, conn, view);
    }

    private static readonly RouteFilter RejectInvalid = new([new FilterTerm { Rpki = RovState.Invalid, Verdict = FilterVerdict.Reject }]);

    private static async Task<RovState?> StateOf(IActorRef rib, string prefix)
    {
        var r = await rib.Ask<RouteLookupResult>(new LookupRoutes(P(prefix)), TimeSpan.FromSeconds(10));
        return Assert.Single(r.Routes).Rpki;
    }

    [Fact]
    public async Task Route_turning_invalid_is_withdrawn_downstream_and_comes_back_when_valid_again()
    {
        var rib = Rib(RejectInvalid);
        rib.Tell(new VrpsChanged(new VrpTable([V("203.0.113.0/24", 24, 65001)]), null));
        var (_, connA, _) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, RibActorTests.Update(Attrs([65001]), ["203.0.113.0/24", "198.51.100.0/24"]), [], connA.Ref));
        RibActorTests.Drain(connB, viewB, v => v.Routes.Count == 2);
        Assert.Equal(RovState.Valid, await StateOf(rib, "203.0.113.0/24"));
        Assert.Equal(RovState.NotFound, await StateOf(rib, "198.51.100.0/24"));
        int updatesBefore = viewB.Updates;

        // The ROA now names another AS: the route is Invalid, the import policy drops it, B gets a withdrawal.
        var invalid = new VrpTable([V("203.0.113.0/24", 24, 64999)]);
        rib.Tell(new VrpsChanged(invalid, VrpTable.ChangedPrefixes(new VrpTable([V("203.0.113.0/24", 24, 65001)]), invalid)));
        RibActorTests.Drain(connB, viewB, v => !v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.True(viewB.Routes.ContainsKey(P("198.51.100.0/24")));
        // Only the affected prefix moved: one UPDATE, the withdrawal.
        Assert.Equal(updatesBefore + 1, viewB.Updates);
        var lookup = await rib.Ask<RouteLookupResult>(new LookupRoutes(P("203.0.113.0/24")), TimeSpan.FromSeconds(10));
        Assert.Empty(lookup.Routes);

        // Valid again: the RIB kept A's route before policy and brings it back without A sending it again.
        var valid = new VrpTable([V("203.0.113.0/24", 24, 65001), V("203.0.113.0/24", 24, 64999)]);
        rib.Tell(new VrpsChanged(valid, VrpTable.ChangedPrefixes(invalid, valid)));
        RibActorTests.Drain(connB, viewB, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Equal(RovState.Valid, await StateOf(rib, "203.0.113.0/24"));
    }

    [Fact]
    public async Task Invalid_route_kept_with_a_lower_local_pref_and_restored_when_valid()
    {
        var filter = new RouteFilter([new FilterTerm { Rpki = RovState.Invalid, Verdict = FilterVerdict.Accept, SetLocalPref = 50 }]);
        var rib = Rib(filter);
        var (_, connA, _) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, LocalAs, 2); // internal: LOCAL_PREF is sent
        var invalid = new VrpTable([V("203.0.113.0/24", 24, 64999)]);
        rib.Tell(new VrpsChanged(invalid, null));
        rib.Tell(new PeerUpdate(A, RibActorTests.Update(Attrs([65001]), ["203.0.113.0/24"]), [], connA.Ref));
        RibActorTests.Drain(connB, viewB, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Equal(50u, viewB.Routes[P("203.0.113.0/24")].LocalPref);
        Assert.Equal(RovState.Invalid, await StateOf(rib, "203.0.113.0/24"));

        rib.Tell(new VrpsChanged(VrpTable.Empty, VrpTable.ChangedPrefixes(invalid, VrpTable.Empty)));
        RibActorTests.Drain(connB, viewB, v => v.Routes.TryGetValue(P("203.0.113.0/24"), out var a) && a.LocalPref != 50);
        Assert.Equal(100u, viewB.Routes[P("203.0.113.0/24")].LocalPref);
        Assert.Equal(RovState.NotFound, await StateOf(rib, "203.0.113.0/24"));
    }

    [Fact]
    public void Route_arriving_invalid_is_rejected_at_import()
    {
        var rib = Rib(RejectInvalid);
        rib.Tell(new VrpsChanged(new VrpTable([V("203.0.113.0/24", 24, 64999)]), null));
        var (_, connA, viewA) = Up(rib, A, 65001, 1);
        var (_, connB, viewB) = Up(rib, B, 65002, 2);
        rib.Tell(new PeerUpdate(A, RibActorTests.Update(Attrs([65001]), ["203.0.113.0/24", "198.51.100.0/24"]), [], connA.Ref));
        RibActorTests.Drain(connB, viewB, v => v.Routes.ContainsKey(P("198.51.100.0/24")));
        RibActorTests.Drain(connA, viewA, v => v.Acked == 1);
        Assert.False(viewB.Routes.ContainsKey(P("203.0.113.0/24")));
    }
}
