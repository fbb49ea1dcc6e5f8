using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>RFC 4271 9.1: each step on its own, with candidates that differ only in that step.</summary>
public sealed class DecisionProcessTests
{
    private readonly AttributeInterner _interner = new(LocalAs, RouterId);

    private Candidate C(RibPeer peer, PathAttributes a) => new(_interner.Acquire(a), peer);

    private static int Best(DecisionOptions? o, params Candidate[] c) => BestPathSelector.Select(c, o ?? DecisionOptions.Default);

    /// <summary>Every permutation must pick the same route: the result may not depend on arrival order.</summary>
    private static RibPeer BestInAnyOrder(DecisionOptions? o, params Candidate[] c)
    {
        RibPeer? winner = null;
        foreach (var perm in Permutations(c))
        {
            int i = Best(o, perm);
            Assert.True(i >= 0);
            winner ??= perm[i].From;
            Assert.Same(winner, perm[i].From);
        }
        return winner!;
    }

    private static IEnumerable<Candidate[]> Permutations(Candidate[] c)
    {
        if (c.Length <= 1) { yield return c; yield break; }
        for (int i = 0; i < c.Length; i++)
        {
            var rest = c.Where((_, j) => j != i).ToArray();
            foreach (var p in Permutations(rest)) yield return new[] { c[i] }.Concat(p).ToArray();
        }
    }

    [Fact]
    public void Degree_of_preference_uses_local_pref_of_internal_routes()
    {
        var a = Peer("10.0.0.2", LocalAs);
        var b = Peer("10.0.0.3", LocalAs);
        var winner = BestInAnyOrder(null, C(a, Attrs([65001], x => x.LocalPref = 100)), C(b, Attrs([65001], x => x.LocalPref = 200)));
        Assert.Same(b, winner);
    }

    [Fact]
    public void Degree_of_preference_of_external_routes_is_the_configured_default()
    {
        var ibgp = Peer("10.0.0.2", LocalAs);
        var ebgp = Peer("10.0.0.9", 65001);
        // iBGP LOCAL_PREF 150 beats the eBGP route at default 100 despite eBGP-over-iBGP later on...
        Assert.Same(ibgp, BestInAnyOrder(null, C(ibgp, Attrs([65001], x => x.LocalPref = 150)), C(ebgp, Attrs([65001]))));
        // ...and loses when the default is raised.
        Assert.Same(ebgp, BestInAnyOrder(new DecisionOptions { DefaultLocalPref = 200 }, C(ibgp, Attrs([65001], x => x.LocalPref = 150)), C(ebgp, Attrs([65001]))));
    }

    [Fact]
    public void Shortest_as_path_wins()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        var c = Peer("10.0.0.4", 65001);
        Assert.Same(b, BestInAnyOrder(null, C(a, Attrs([65001, 1, 2])), C(b, Attrs([65001, 1])), C(c, Attrs([65001, 1, 2, 3]))));
    }

    [Fact]
    public void As_set_counts_one_and_confederation_segments_count_zero()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        // a: 65001 {1 2 3 4} = length 2; b: (64512 64513) 65001 7 8 = length 3
        var withSet = Attrs([], x => x.AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsSequence, 65001), new AsPathSegment(AsPathSegmentType.AsSet, 1, 2, 3, 4)]));
        var withConfed = Attrs([], x => x.AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsConfedSequence, 64512, 64513), new AsPathSegment(AsPathSegmentType.AsSequence, 65001, 7, 8)]));
        Assert.Equal(2, _interner.Acquire(withSet).AsPathLength);
        Assert.Equal(3, _interner.Acquire(withConfed).AsPathLength);
        Assert.Same(a, BestInAnyOrder(null, C(a, withSet), C(b, withConfed)));
        // confederation segments alone do not make a path longer: (64512 64513 64514) 65001 = 1 beats 65001 9 = 2
        var confedOnly = Attrs([], x => x.AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsConfedSequence, 64512, 64513, 64514), new AsPathSegment(AsPathSegmentType.AsSequence, 65001)]));
        Assert.Same(b, BestInAnyOrder(null, C(a, Attrs([65001, 9])), C(b, confedOnly)));
    }

    [Fact]
    public void Lowest_origin_wins()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        var c = Peer("10.0.0.4", 65001);
        Assert.Same(b, BestInAnyOrder(null,
            C(a, Attrs([65001], x => x.Origin = Origin.Incomplete)),
            C(b, Attrs([65001], x => x.Origin = Origin.Igp)),
            C(c, Attrs([65001], x => x.Origin = Origin.Egp))));
    }

    [Fact]
    public void Lowest_med_wins_among_routes_from_the_same_neighbor_as()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        Assert.Same(b, BestInAnyOrder(null, C(a, Attrs([65001], x => x.MultiExitDisc = 20)), C(b, Attrs([65001], x => x.MultiExitDisc = 10))));
    }

    [Fact]
    public void Med_is_not_compared_across_neighbor_ases_unless_always_compare_med()
    {
        // a (AS 65001, MED 100, lower address) vs b (AS 65002, MED 10): MED is not compared, so the lower
        // peer address decides; with always-compare-med the lower MED wins.
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65002);
        var ra = Attrs([65001], x => x.MultiExitDisc = 100);
        var rb = Attrs([65002], x => x.MultiExitDisc = 10);
        Assert.Same(a, BestInAnyOrder(null, C(a, ra), C(b, rb)));
        Assert.Same(b, BestInAnyOrder(new DecisionOptions { AlwaysCompareMed = true }, C(a, ra), C(b, rb)));
    }

    [Fact]
    public void Missing_med_is_zero_or_worst_as_configured()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        var none = Attrs([65001]);
        var five = Attrs([65001], x => x.MultiExitDisc = 5);
        Assert.Same(a, BestInAnyOrder(null, C(a, none), C(b, five)));
        Assert.Same(b, BestInAnyOrder(new DecisionOptions { MissingMedAsWorst = true }, C(a, none), C(b, five)));
    }

    [Fact]
    public void Med_rule_removes_routes_the_rfc_way_whatever_the_arrival_order()
    {
        // The classic non-transitive triple: r1 (AS 65001, MED 50), r2 (AS 65002, MED 100), r3 (AS 65001, MED 20).
        // 9.1.2.2 (c) removes r1 (r3 has a lower MED from the same AS); then r2 and r3 remain and the lowest
        // router id decides between them. Pairwise comparison would find r1 < r2 (router id), r3 < r1 (MED),
        // r2 < r3 (router id): a cycle, and an answer that depends on order.
        var p1 = Peer("10.0.0.2", 65001, routerId: 1);
        var p2 = Peer("10.0.0.3", 65002, routerId: 2);
        var p3 = Peer("10.0.0.4", 65001, routerId: 3);
        var winner = BestInAnyOrder(null,
            C(p1, Attrs([65001], x => x.MultiExitDisc = 50)),
            C(p2, Attrs([65002], x => x.MultiExitDisc = 100)),
            C(p3, Attrs([65001], x => x.MultiExitDisc = 20)));
        Assert.Same(p2, winner);
    }

    [Fact]
    public void External_beats_internal()
    {
        var ibgp = Peer("10.0.0.2", LocalAs, routerId: 1);
        var ebgp = Peer("10.0.0.3", 65001, routerId: 9);
        Assert.Same(ebgp, BestInAnyOrder(null, C(ibgp, Attrs([65001], x => x.LocalPref = 100)), C(ebgp, Attrs([65001]))));
    }

    [Fact]
    public void Lowest_bgp_identifier_wins()
    {
        var a = Peer("10.0.0.2", 65001, routerId: 20);
        var b = Peer("10.0.0.3", 65001, routerId: 10);
        Assert.Same(b, BestInAnyOrder(null, C(a, Attrs([65001])), C(b, Attrs([65001]))));
    }

    [Fact]
    public void Originator_id_stands_in_for_the_bgp_identifier()
    {
        var a = Peer("10.0.0.2", LocalAs, routerId: 5);
        var b = Peer("10.0.0.3", LocalAs, routerId: 10);
        // a's route was reflected: its ORIGINATOR_ID 50 is compared, not a's router id 5.
        Assert.Same(b, BestInAnyOrder(null,
            C(a, Attrs([65001], x => { x.LocalPref = 100; x.OriginatorId = 50; })),
            C(b, Attrs([65001], x => x.LocalPref = 100))));
    }

    [Fact]
    public void Shortest_cluster_list_wins()
    {
        var a = Peer("10.0.0.2", LocalAs, routerId: 5);
        var b = Peer("10.0.0.3", LocalAs, routerId: 6);
        Assert.Same(b, BestInAnyOrder(null,
            C(a, Attrs([65001], x => { x.LocalPref = 100; x.OriginatorId = 7; x.ClusterList.AddRange([1u, 2u]); })),
            C(b, Attrs([65001], x => { x.LocalPref = 100; x.OriginatorId = 7; x.ClusterList.Add(3u); }))));
    }

    [Fact]
    public void Lowest_peer_address_wins_last()
    {
        var a = Peer("10.0.0.20", 65001, routerId: 7);
        var b = Peer("10.0.0.3", 65001, routerId: 7);
        var c = Peer("2001:db8::1", 65001, routerId: 7);
        Assert.Same(b, BestInAnyOrder(null, C(a, Attrs([65001])), C(b, Attrs([65001])), C(c, Attrs([65001]))));
    }

    [Fact]
    public void Routes_with_our_as_are_rejected_by_loop_detection()
    {
        var a = Peer("10.0.0.2", 65001);
        var looped = C(a, Attrs([65001, LocalAs, 3]));
        Assert.Equal(PathIneligibility.AsPathLoop, looped.Route.Ineligibility);
        Assert.Equal(-1, Best(null, looped));
        var b = Peer("10.0.0.3", 65002);
        Assert.Same(b, BestInAnyOrder(null, looped, C(b, Attrs([65002, 1, 2, 3, 4]))));
    }

    [Fact]
    public void Reflection_loops_are_rejected()
    {
        var a = Peer("10.0.0.2", LocalAs);
        Assert.Equal(PathIneligibility.OriginatorLoop, C(a, Attrs([65001], x => x.OriginatorId = RouterId)).Route.Ineligibility);
        Assert.Equal(PathIneligibility.ClusterLoop, C(a, Attrs([65001], x => x.ClusterList.AddRange([9u, RouterId]))).Route.Ineligibility);
    }

    [Fact]
    public void Unresolvable_next_hop_is_kept_out_only_when_the_check_is_configured()
    {
        var a = Peer("10.0.0.2", 65001);
        var b = Peer("10.0.0.3", 65001);
        var ra = C(a, Attrs([65001], nextHop: Ip("198.51.100.1")));
        var rb = C(b, Attrs([65001, 2], nextHop: Ip("203.0.113.1")));
        Assert.Same(a, BestInAnyOrder(null, ra, rb));
        var check = new DecisionOptions { NextHopResolvable = r => r.NextHopV4 != Ip("198.51.100.1") };
        Assert.Same(b, BestInAnyOrder(check, ra, rb));
        Assert.Equal(-1, Best(check, ra));
    }
}
