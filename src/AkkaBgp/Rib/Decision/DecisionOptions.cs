using AkkaBgp.Rib.Tables;

namespace AkkaBgp.Rib.Decision;

/// <summary>Knobs of the RFC 4271 9.1 decision process.</summary>
public sealed record DecisionOptions
{
    /// <summary>Degree of preference for routes without LOCAL_PREF: eBGP-learned and locally originated ones
    /// (RFC 4271 9.1.1 leaves it to local policy; 100 is what every common implementation uses).</summary>
    public uint DefaultLocalPref { get; init; } = 100;
    /// <summary>Compare MED between routes from different neighboring ASes too (not RFC 4271 9.1.2.2 (c)).</summary>
    public bool AlwaysCompareMed { get; init; }
    /// <summary>RFC 4271 9.1.2.2 (c) treats a missing MED as 0; this treats it as the worst value instead.</summary>
    public bool MissingMedAsWorst { get; init; }
    /// <summary>Optional next-hop check (RFC 4271 9.1.2): routes whose next hop this returns false for are kept
    /// but not selected. Null means every next hop is taken as resolvable. Called from every Loc-RIB partition
    /// concurrently, so it must be thread-safe (e.g. read an immutable snapshot); after its view changes, the
    /// tables need <c>PrefixTable.Reselect</c>.</summary>
    public Func<RouteAttributes, bool>? NextHopResolvable { get; init; }

    public static readonly DecisionOptions Default = new();
}
