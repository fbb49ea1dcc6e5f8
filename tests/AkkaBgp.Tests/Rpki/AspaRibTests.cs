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

/// <summary>ASPA verification in the RIB: the outcome shown per path by the neighbor's role, the import policy on it, and
/// an ASPA change re-running policy on the paths through the changed customer only, without touching the sessions.</summary>
public sealed class AspaRibTests : BgpTestKit
{
    private static readonly IPAddress Customer = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Downstream = IPAddress.Parse("10.0.0.3");
    private const uint CustomerAs = 65001, Origin = 64600, Elsewhere = 64700;

    public AspaRibTests() : base(virtualTime: false) { }

    private static readonly RouteFilter RejectAspaInvalid = new([new FilterTerm { Aspa = AspaState.Invalid, Verdict = FilterVerdict.Reject }]);

    private IActorRef Rib()
    {
        var cfg = new Dictionary<IPAddress, NeighborRibConfig>
        {
            [Customer] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default with { Import = RejectAspaInvalid }),
            [Downstream] = new(IPAddress.Parse("192.0.2.254"), null, PeerRibSettings.Default),
        };
        return Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, cfg));
    }

    private (TestProbe Conn, RibActorTests.PeerView View) Up(IActorRef rib, IPAddress peer, uint asn, uint id, BgpRole? ourRole)
    {
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, RibActorTests.Session(asn, id) with { LocalRole = ourRole }, conn.Ref));
        var view = new RibActorTests.PeerView();
        RibActorTests.Drain(conn, view, v => v.EndOfRib >= 2);
        return (conn, view);
    }

    private static VrpsChanged Aspas(AspaTable before, Dictionary<uint, uint[]> after)
    {
        var table = AspaTable.From(after);
        return new VrpsChanged(new VrpTable([]) { Aspas = table }, []) { ChangedAspaCustomers = before.ChangedCustomers(table) };
    }

    private static async Task<RouteView?> Path(IActorRef rib, string prefix)
    {
        var r = await rib.Ask<RouteLookupResult>(new LookupRoutes(P(prefix)), TimeSpan.FromSeconds(10));
        return r.Routes.SingleOrDefault();
    }

    [Fact]
    public async Task A_customer_route_turning_invalid_is_dropped_and_withdrawn_downstream_and_comes_back()
    {
        var rib = Rib();
        var attested = new Dictionary<uint, uint[]> { [Origin] = [CustomerAs] };
        rib.Tell(Aspas(AspaTable.Empty, attested));
        // We are the provider: the neighbor is our customer, so its routes get the upstream procedure.
        var (connC, _) = Up(rib, Customer, CustomerAs, 1, BgpRole.Provider);
        var (connD, viewD) = Up(rib, Downstream, 65002, 2, null);
        rib.Tell(new PeerUpdate(Customer, RibActorTests.Update(Attrs([CustomerAs, Origin]), ["203.0.113.0/24"]), [], connC.Ref));
        rib.Tell(new PeerUpdate(Customer, RibActorTests.Update(Attrs([CustomerAs, Elsewhere]), ["198.51.100.0/24"]), [], connC.Ref));
        RibActorTests.Drain(connD, viewD, v => v.Routes.Count == 2);
        Assert.Equal(AspaState.Valid, (await Path(rib, "203.0.113.0/24"))!.Aspa);
        Assert.Equal(AspaState.Unknown, (await Path(rib, "198.51.100.0/24"))!.Aspa); // 64700 has no ASPA
        int updatesBefore = viewD.Updates;

        // 64600's ASPA now names another provider: the customer leaked it. Dropped by the policy and withdrawn from the
        // downstream neighbor; the route through 64700 is not touched.
        var leaked = new Dictionary<uint, uint[]> { [Origin] = [65999] };
        rib.Tell(Aspas(AspaTable.From(attested), leaked));
        RibActorTests.Drain(connD, viewD, v => !v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.True(viewD.Routes.ContainsKey(P("198.51.100.0/24")));
        Assert.Equal(updatesBefore + 1, viewD.Updates);
        Assert.Null(await Path(rib, "203.0.113.0/24"));

        // Attested again: back without the customer sending it again.
        rib.Tell(Aspas(AspaTable.From(leaked), attested));
        RibActorTests.Drain(connD, viewD, v => v.Routes.ContainsKey(P("203.0.113.0/24")));
        Assert.Equal(AspaState.Valid, (await Path(rib, "203.0.113.0/24"))!.Aspa);
    }

    [Fact]
    public async Task Paths_from_a_neighbor_without_a_role_are_not_verified()
    {
        var rib = Rib();
        rib.Tell(Aspas(AspaTable.Empty, new Dictionary<uint, uint[]> { [Origin] = [65999] }));
        var (connD, _) = Up(rib, Downstream, 65002, 2, null);
        rib.Tell(new PeerUpdate(Downstream, RibActorTests.Update(Attrs([65002, Origin]), ["203.0.113.0/24"]), [], connD.Ref));
        await AwaitAssertAsync(async () => Assert.NotNull(await Path(rib, "203.0.113.0/24")), TimeSpan.FromSeconds(5));
        Assert.Null((await Path(rib, "203.0.113.0/24"))!.Aspa);
    }
}
