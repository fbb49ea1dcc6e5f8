using AkkaBgp.Rpki;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Tests.Rpki;

/// <summary>
/// ASPA-based AS_PATH verification (draft-ietf-sidrops-aspa-verification), one test per path shape of its upstream and
/// downstream procedures. Paths are written as on the wire: the neighbor's AS first, the origin last. The topology:
///
///            T1 ---- T2           (T1 and T2 are lateral peers; neither has a provider)
///           /  \       \
///         P1    P2      P3        (P1, P2 customers of T1; P3 of T2)
///         |      \      |
///         C1      C2    C3        (customers of P1, P2, P3)
///
/// Every AS has an ASPA naming exactly its providers (T1 and T2 an ASPA with AS 0, "no provider"), except where a test
/// says otherwise.
/// </summary>
public sealed class AspaVerificationTests
{
    private const uint T1 = 64501, T2 = 64502, P1 = 64511, P2 = 64512, P3 = 64513, C1 = 64521, C2 = 64522, C3 = 64523, X = 64599;

    private static readonly Dictionary<uint, uint[]> Full = new()
    {
        [T1] = [0], [T2] = [0],
        [P1] = [T1], [P2] = [T1], [P3] = [T2],
        [C1] = [P1], [C2] = [P2], [C3] = [P3],
    };

    private static AspaTable Table(Dictionary<uint, uint[]>? entries = null, params uint[] without)
    {
        var e = new Dictionary<uint, uint[]>(entries ?? Full);
        foreach (var w in without) e.Remove(w);
        return AspaTable.From(e);
    }

    private static AspaState Up(AspaTable t, params uint[] path) => t.Verify(AsPath.Sequence(path), AspaDirection.Upstream);
    private static AspaState Down(AspaTable t, params uint[] path) => t.Verify(AsPath.Sequence(path), AspaDirection.Downstream);

    // ---- upstream: from a customer, a lateral peer, a route server or an RS client ------------------------------

    [Fact]
    public void Upstream_a_path_that_only_climbs_through_attested_providers_is_valid()
    {
        // We are T1's provider (or P1's peer): C1 -> P1 -> T1 -> us.
        Assert.Equal(AspaState.Valid, Up(Table(), T1, P1, C1));
        Assert.Equal(AspaState.Valid, Up(Table(), P1, C1));
    }

    [Fact]
    public void Upstream_the_origin_alone_is_valid()
    {
        Assert.Equal(AspaState.Valid, Up(Table(), C1));
        Assert.Equal(AspaState.Valid, Up(Table(without: C1), C1));
    }

    [Fact]
    public void Upstream_a_hop_without_an_ASPA_makes_it_unknown()
    {
        Assert.Equal(AspaState.Unknown, Up(Table(without: C1), T1, P1, C1));
        Assert.Equal(AspaState.Unknown, Up(AspaTable.Empty, T1, P1, C1));
    }

    [Fact]
    public void Upstream_a_hop_down_or_sideways_is_a_leak_and_invalid()
    {
        // P2 passes a route learned from its provider T1 up to us: T1 -> P2 is provider to customer.
        Assert.Equal(AspaState.Invalid, Up(Table(), P2, T1, P1, C1));
        // A lateral hop below the top: T2 learned from its peer T1 and passes it up (T2 has no such provider).
        Assert.Equal(AspaState.Invalid, Up(Table(), T2, T1, P1, C1));
    }

    [Fact]
    public void Upstream_not_provider_outweighs_an_unattested_hop()
    {
        // C1 has no ASPA (unknown hop) but T1 -> P2 is a clear leak.
        Assert.Equal(AspaState.Invalid, Up(Table(without: C1), P2, T1, P1, C1));
    }

    [Fact]
    public void Prepends_are_collapsed_before_verifying()
    {
        Assert.Equal(AspaState.Valid, Up(Table(), T1, T1, P1, P1, P1, C1, C1));
    }

    [Fact]
    public void A_path_with_an_AS_SET_is_invalid_either_way()
    {
        var path = new AsPath([new AsPathSegment(AsPathSegmentType.AsSequence, [P1]), new AsPathSegment(AsPathSegmentType.AsSet, [C1, C2])]);
        Assert.Equal(AspaState.Invalid, Table().Verify(path, AspaDirection.Upstream));
        Assert.Equal(AspaState.Invalid, Table().Verify(path, AspaDirection.Downstream));
    }

    // ---- downstream: from a provider ----------------------------------------------------------------------------

    [Fact]
    public void Downstream_up_across_one_lateral_hop_and_down_is_valid()
    {
        // We are a customer of P3. C1 -> P1 -> T1 =peer= T2 -> P3 -> us.
        Assert.Equal(AspaState.Valid, Down(Table(), P3, T2, T1, P1, C1));
    }

    [Fact]
    public void Downstream_up_and_straight_down_without_a_lateral_hop_is_valid()
    {
        // C2 -> P2 -> T1 -> P1 -> us (we are P1's customer).
        Assert.Equal(AspaState.Valid, Down(Table(), P1, T1, P2, C2));
    }

    [Fact]
    public void Downstream_a_route_the_provider_originated_is_valid()
    {
        Assert.Equal(AspaState.Valid, Down(Table(), P1));
        Assert.Equal(AspaState.Valid, Down(Table(), P1, T1));
    }

    [Fact]
    public void Downstream_a_valley_is_invalid()
    {
        // C3 -> P3 -> T2, then down to P2 (T2 is not P2's provider: P2 took it from its peer or customer side), then up
        // again to T1 and down to P1 and us. P2 is a valley: no up-ramp from C3 and down-ramp from us can cover it.
        Assert.Equal(AspaState.Invalid, Down(Table(), P1, T1, P2, T2, P3, C3));
    }

    [Fact]
    public void Downstream_two_lateral_hops_are_invalid()
    {
        // T1 =peer= X =peer= T2: X attests its only provider, 0, so neither hop around it can be a ramp.
        var t = Table(new Dictionary<uint, uint[]>(Full) { [X] = [0] });
        Assert.Equal(AspaState.Invalid, Down(t, P1, T1, X, T2, P3, C3));
    }

    [Fact]
    public void Downstream_unattested_hops_that_could_close_the_gap_make_it_unknown()
    {
        // Without ASPAs for T1 and T2 the top could be anything: the longest ramps meet, the attested ones do not.
        Assert.Equal(AspaState.Unknown, Down(Table(without: [T1, T2]), P3, T2, X, T1, P1, C1));
        Assert.Equal(AspaState.Unknown, Down(AspaTable.Empty, P3, T2, T1, P1, C1));
    }

    [Fact]
    public void Downstream_a_proven_valley_stays_invalid_even_with_unattested_hops_elsewhere()
    {
        Assert.Equal(AspaState.Invalid, Down(Table(without: C3), P1, T1, P2, T2, P3, C3));
    }

    // ---- table ------------------------------------------------------------------------------------------------

    [Fact]
    public void Changed_customers_are_those_added_removed_or_with_another_provider_set()
    {
        var before = Table();
        var after = AspaTable.From(new Dictionary<uint, uint[]>(Full) { [C1] = [P1, P2], [X] = [T1] }.Where(kv => kv.Key != C3));
        Assert.Equal(new HashSet<uint> { C1, X, C3 }, before.ChangedCustomers(after));
        Assert.Empty(before.ChangedCustomers(Table()));
    }

    [Theory]
    [InlineData(BgpRole.Provider, AspaDirection.Downstream)]
    [InlineData(BgpRole.Customer, AspaDirection.Upstream)]
    [InlineData(BgpRole.Peer, AspaDirection.Upstream)]
    [InlineData(BgpRole.RouteServer, AspaDirection.Upstream)]
    [InlineData(BgpRole.RouteServerClient, AspaDirection.Upstream)]
    public void The_neighbors_role_picks_the_procedure(BgpRole remote, AspaDirection direction)
    {
        Assert.Equal(direction, AspaTable.DirectionFor(remote));
        Assert.Null(AspaTable.DirectionFor(null));
    }
}
