using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Configuration;

/// <summary>The RIB's view of the configuration: its own settings and filter types built from the configured records.</summary>
public static class RibConfiguration
{
    public static RibSettings ToRibSettings(this BgpConfig config)
    {
        var settings = new RibSettings
        {
            LocalAs = config.LocalAs,
            RouterId = config.RouterId,
            ClusterId = config.ClusterId,
            Decision = new DecisionOptions
            {
                DefaultLocalPref = config.Rib.DefaultLocalPref,
                AlwaysCompareMed = config.Rib.AlwaysCompareMed,
                MissingMedAsWorst = config.Rib.MissingMedAsWorst,
            },
        };
        return config.Rib.Partitions > 0 ? settings with { Partitions = config.Rib.Partitions } : settings;
    }

    public static PeerRibSettings ToPeerRibSettings(this NeighborSettings neighbor)
    {
        var maxPrefix = new Dictionary<AfiSafi, MaxPrefixSettings>();
        if (neighbor.MaxPrefix is { } limit)
        {
            var settings = new MaxPrefixSettings(limit.Limit, limit.WarningThresholdPercent, limit.RestartInterval);
            if (neighbor.Capabilities.Ipv4Unicast) maxPrefix[AfiSafi.Ipv4Unicast] = settings;
            if (neighbor.Capabilities.Ipv6Unicast) maxPrefix[AfiSafi.Ipv6Unicast] = settings;
        }
        return new PeerRibSettings
        {
            RouteReflectorClient = neighbor.RouteReflectorClient,
            NextHop = neighbor.NextHopSelf ? NextHopMode.Self : neighbor.NextHopUnchanged ? NextHopMode.Unchanged : NextHopMode.Default,
            SendMed = neighbor.SendMed,
            MinRouteAdvertisementInterval = neighbor.MinRouteAdvertisementInterval,
            Import = ToRouteFilter(neighbor.Import),
            Export = ToRouteFilter(neighbor.Export),
            MaxPrefix = maxPrefix,
            // Helper mode follows our own capability: with graceful-restart off we advertised no GR capability,
            // and RFC 4724 section 4.2 gives the helper procedures only to a speaker that did, so a peer's
            // capability alone must not make us keep its routes across a reset.
            GracefulRestartHelper = neighbor.Capabilities.GracefulRestartHelper,
            StalePathTime = neighbor.StalePathTime,
            RefreshStalePathTime = neighbor.RefreshStalePathTime,
            KeepFiltered = neighbor.KeepFiltered,
        };
    }

    public static RouteFilter ToRouteFilter(RoutePolicy policy) =>
        new(policy.Rules.SelectMany(ToTerms).ToList(),
            policy.DefaultAction == PolicyAction.Accept ? FilterVerdict.Accept : FilterVerdict.Reject);

    /// <summary>The index of the first rule of <paramref name="policy"/> that matches the route, or null when none does
    /// (the default action decides): what <see cref="ToRouteFilter"/>'s filter decides by, told by rule.</summary>
    public static int? MatchingRule(RoutePolicy policy, Wire.Prefix prefix, Wire.Attributes.PathAttributes attributes,
        AkkaBgp.Rpki.RovState rov, AkkaBgp.Rpki.AspaState? aspa)
    {
        for (int i = 0; i < policy.Rules.Count; i++)
            if (ToTerms(policy.Rules[i]).Any(t => t.Matches(prefix, attributes, rov, aspa))) return i;
        return null;
    }

    /// <summary>
    /// A filter term matches at most one community and one large community, a rule any of several: the rule
    /// becomes one term per combination, consecutive and with the same verdict, which under first-match is the same.
    /// </summary>
    private static IEnumerable<FilterTerm> ToTerms(PolicyRule rule)
    {
        IReadOnlyList<PrefixListEntry>? prefixes = rule.Prefix is { } p ? [new PrefixListEntry(p, rule.MinLength, rule.MaxLength)] : null;
        var communities = rule.Communities.Count == 0 ? [null] : rule.Communities.Select(c => (Wire.Attributes.Community?)c).ToList();
        var large = rule.LargeCommunities.Count == 0 ? [null] : rule.LargeCommunities.Select(c => (Wire.Attributes.LargeCommunity?)c).ToList();
        foreach (var c in communities)
        {
            foreach (var lc in large)
            {
                yield return new FilterTerm
                {
                    Prefixes = prefixes,
                    AsPathContains = rule.AsPathContains,
                    Rpki = rule.Rpki,
                    Aspa = rule.Aspa,
                    HasCommunity = c,
                    HasLargeCommunity = lc,
                    Verdict = rule.Action == PolicyAction.Accept ? FilterVerdict.Accept : FilterVerdict.Reject,
                    SetLocalPref = rule.SetLocalPref,
                    SetMed = rule.SetMed,
                    AddCommunities = rule.AddCommunities,
                    RemoveCommunities = rule.RemoveCommunities,
                    AddLargeCommunities = rule.AddLargeCommunities,
                };
            }
        }
    }
}
