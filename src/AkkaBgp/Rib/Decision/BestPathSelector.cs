using AkkaBgp.Rib.Tables;

namespace AkkaBgp.Rib.Decision;

/// <summary>One candidate for route selection: an attribute set, the session it came from, and its ADD-PATH path
/// identifier from that session (RFC 7911; 0 without ADD-PATH).</summary>
public readonly record struct Candidate(RouteAttributes Route, RibPeer From, uint PathId = 0);

/// <summary>
/// RFC 4271 9.1.2 route selection over all paths for one destination. It works as the RFC describes:
/// each step removes routes from consideration, rather than as a pairwise comparer, because the MED rule
/// (9.1.2.2 (c)) only compares routes from the same neighboring AS and therefore is not a total order;
/// a pairwise sort could pick different winners depending on the order paths arrived in.
/// </summary>
public static class BestPathSelector
{
    private const int StackLimit = 64;

    /// <summary>Index of the selected route in <paramref name="candidates"/>, or -1 when none is eligible.</summary>
    public static int Select(ReadOnlySpan<Candidate> candidates, DecisionOptions options)
    {
        int n = candidates.Length;
        if (n == 0) return -1;
        if (n == 1) return IsEligible(candidates[0], options) ? 0 : -1;

        Span<bool> alive = n <= StackLimit ? stackalloc bool[n] : new bool[n];
        int count = 0;
        for (int i = 0; i < n; i++)
            if (alive[i] = IsEligible(candidates[i], options)) count++;
        if (count <= 1) return First(alive);

        // 9.1.1 degree of preference: keep the highest.
        count = KeepBest(candidates, alive, Step.Preference, options);
        // 9.1.2.2 (a) shortest AS_PATH.
        if (count > 1) count = KeepBest(candidates, alive, Step.AsPathLength, options);
        // (b) lowest ORIGIN.
        if (count > 1) count = KeepBest(candidates, alive, Step.Origin, options);
        // (c) lowest MED among routes from the same neighboring AS.
        if (count > 1) count = RemoveHigherMed(candidates, alive, options);
        // (d) prefer eBGP-learned routes (locally originated ones rank with them) over iBGP-learned ones.
        if (count > 1) count = KeepBest(candidates, alive, Step.External, options);
        // (e) lowest interior cost to the NEXT_HOP: this speaker has no IGP, so every next hop costs the
        // same and the step removes nothing.
        // (f) lowest BGP Identifier; ORIGINATOR_ID stands in for it on reflected routes (RFC 4456 9).
        if (count > 1) count = KeepBest(candidates, alive, Step.Identifier, options);
        // RFC 4456 9: shortest CLUSTER_LIST.
        if (count > 1) count = KeepBest(candidates, alive, Step.ClusterList, options);
        // (g) lowest peer address.
        if (count > 1) count = KeepLowestAddress(candidates, alive);
        // Several paths from one peer (RFC 7911) can tie on every step above; RFC 7911 names no tie-breaker, so the
        // lowest path identifier wins, whatever order the paths arrived in.
        if (count > 1) KeepLowestPathId(candidates, alive);
        return First(alive);
    }

    /// <summary>
    /// Orders two eligible routes by the steps before the MED rule only: degree of preference, AS_PATH length,
    /// ORIGIN. Those steps keep the routes with the lexicographically smallest (preference, length, origin), so
    /// a route that is strictly worse than the current best on them is removed before 9.1.2.2 (c) and cannot
    /// change the outcome, and a strictly better one is the only survivor of them. The tables use this to skip
    /// the full procedure when a new path arrives; ties still run <see cref="Select"/>.
    /// </summary>
    public static int ComparePreMed(in Candidate a, in Candidate b, DecisionOptions options)
    {
        int c = DegreeOfPreference(b, options).CompareTo(DegreeOfPreference(a, options));
        if (c != 0) return c;
        c = a.Route.AsPathLength.CompareTo(b.Route.AsPathLength);
        return c != 0 ? c : a.Route.Origin.CompareTo(b.Route.Origin);
    }

    /// <summary>Loop-detected routes are kept but never selected. A locally originated route may carry our own AS
    /// (configured prepends), which is not a loop.</summary>
    public static bool IsEligible(in Candidate c, DecisionOptions options)
        => (c.Route.Ineligibility == PathIneligibility.None || (c.From.IsLocal && c.Route.Ineligibility == PathIneligibility.AsPathLoop)) && (options.NextHopResolvable is null || options.NextHopResolvable(c.Route));

    /// <summary>RFC 4271 9.1.1. LOCAL_PREF for iBGP-learned routes. For eBGP-learned routes the RIB drops any
    /// received LOCAL_PREF on import (5.1.5), so one present here was set by our import policy, which is
    /// exactly the policy-computed preference the RFC asks for; otherwise the configured default applies.</summary>
    public static uint DegreeOfPreference(in Candidate c, DecisionOptions options)
        => c.Route.HasLocalPref ? c.Route.LocalPref : options.DefaultLocalPref;

    private static int First(ReadOnlySpan<bool> alive)
    {
        for (int i = 0; i < alive.Length; i++)
            if (alive[i]) return i;
        return -1;
    }

    private enum Step { Preference, AsPathLength, Origin, External, Identifier, ClusterList }

    /// <summary>The value a step minimises (a switch rather than delegates: no closure per decision).</summary>
    private static long Key(Step step, in Candidate c, DecisionOptions o) => step switch
    {
        Step.Preference => -(long)DegreeOfPreference(c, o),
        Step.AsPathLength => c.Route.AsPathLength,
        Step.Origin => c.Route.Origin,
        Step.External => c.From.IsInternal ? 1 : 0,
        Step.Identifier => c.Route.HasOriginatorId ? c.Route.OriginatorId : c.From.RouterId,
        _ => c.Route.ClusterListLength,
    };

    /// <summary>Keeps the routes with the lowest key.</summary>
    private static int KeepBest(ReadOnlySpan<Candidate> c, Span<bool> alive, Step step, DecisionOptions o)
    {
        long best = long.MaxValue;
        for (int i = 0; i < c.Length; i++)
            if (alive[i]) best = Math.Min(best, Key(step, c[i], o));
        int count = 0;
        for (int i = 0; i < c.Length; i++)
        {
            if (!alive[i]) continue;
            if (Key(step, c[i], o) != best) alive[i] = false;
            else count++;
        }
        return count;
    }

    /// <summary>RFC 4271 9.1.2.2 (c): a route is removed when another route still in consideration, from the same
    /// neighboring AS, has a lower MED. Routes from different neighboring ASes are not compared (unless
    /// always-compare-med is set), so several can survive, one per neighboring AS.</summary>
    private static int RemoveHigherMed(ReadOnlySpan<Candidate> c, Span<bool> alive, DecisionOptions o)
    {
        int n = c.Length;
        Span<bool> remove = n <= StackLimit ? stackalloc bool[n] : new bool[n];
        for (int i = 0; i < n; i++)
        {
            if (!alive[i]) continue;
            uint medI = Med(c[i].Route, o);
            for (int j = 0; j < n; j++)
            {
                if (j == i || !alive[j]) continue;
                if (!o.AlwaysCompareMed && c[j].Route.NeighborAs != c[i].Route.NeighborAs) continue;
                if (Med(c[j].Route, o) < medI) { remove[i] = true; break; }
            }
        }
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (remove[i]) alive[i] = false;
            if (alive[i]) count++;
        }
        return count;
    }

    private static uint Med(RouteAttributes r, DecisionOptions o) => r.HasMed ? r.Med : o.MissingMedAsWorst ? uint.MaxValue : 0;

    private static int KeepLowestAddress(ReadOnlySpan<Candidate> c, Span<bool> alive)
    {
        UInt128 best = UInt128.MaxValue;
        for (int i = 0; i < c.Length; i++)
            if (alive[i] && c[i].From.AddressKey < best) best = c[i].From.AddressKey;
        int count = 0;
        for (int i = 0; i < c.Length; i++)
        {
            if (alive[i] && c[i].From.AddressKey != best) alive[i] = false;
            if (alive[i]) count++;
        }
        return count;
    }

    private static void KeepLowestPathId(ReadOnlySpan<Candidate> c, Span<bool> alive)
    {
        uint best = uint.MaxValue;
        for (int i = 0; i < c.Length; i++)
            if (alive[i] && c[i].PathId < best) best = c[i].PathId;
        for (int i = 0; i < c.Length; i++)
            if (alive[i] && c[i].PathId != best) alive[i] = false;
    }
}
