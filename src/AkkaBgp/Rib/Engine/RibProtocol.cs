using Akka.Actor;
using Akka.Event;
using System.Net;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

// The RIB's public protocol. The FSM talks to the RIB with AkkaBgp.Session's PeerUp, PeerDown, PeerUpdate and
// PeerRouteRefresh; these are the messages for configuration, the management API and the service.

/// <summary>Per-neighbor RIB configuration the RIB looks up when the session comes up.</summary>
/// <param name="LocalAddress">Our address on the session: the NEXT_HOP we set towards eBGP (RFC 4271 5.1.3).</param>
/// <param name="LocalIPv6NextHop">Global IPv6 next hop for IPv6 routes (RFC 2545), when the session is IPv4.</param>
public sealed record NeighborRibConfig(IPAddress? LocalAddress, IPAddress? LocalIPv6NextHop, PeerRibSettings Rib)
{
    public static readonly NeighborRibConfig Default = new(null, null, PeerRibSettings.Default);
}

/// <summary>A route we originate (configuration or run-time announcement).</summary>
public sealed record LocalRoute
{
    public required Prefix Prefix { get; init; }
    /// <summary>NEXT_HOP; null means our session address towards each neighbor.</summary>
    public IPAddress? NextHop { get; init; }
    public Origin Origin { get; init; } = Origin.Igp;
    public uint? Med { get; init; }
    public uint? LocalPref { get; init; }
    public IReadOnlyList<Community> Communities { get; init; } = [];
    public IReadOnlyList<LargeCommunity> LargeCommunities { get; init; } = [];
    /// <summary>Extra copies of our AS sent to eBGP neighbors (AS-path prepending).</summary>
    public int Prepend { get; init; }
}

/// <summary>Originate (or replace) a local route. Answered with <see cref="LocalRouteAck"/>.</summary>
/// <param name="Cluster">A route every node of the cluster announces (issue 17) rather than this node's own. Both are
/// kept apart: for one prefix the node's own route is the one originated, and the cluster route takes its place when
/// the node's own is withdrawn (and the other way round), so neither kind of DELETE removes the other's route.</param>
public sealed record AnnounceLocalRoute(LocalRoute Route, bool Cluster = false);

/// <summary>Stop originating the route for <paramref name="Prefix"/>. Answered with <see cref="LocalRouteAck"/>.</summary>
public sealed record WithdrawLocalRoute(Prefix Prefix, bool Cluster = false);

public sealed record LocalRouteAck(Prefix Prefix, bool Announced);

/// <summary>Withdraws every cluster route (the node's own routes stay): sent by a restarted cluster-routes actor, which
/// lost what it had told the RIB and announces the wanted ones again.</summary>
public sealed record ClearClusterRoutes
{
    public static readonly ClearClusterRoutes Instance = new();
}

/// <summary>Send the neighbor a ROUTE-REFRESH for <paramref name="Family"/> (RFC 2918): it re-sends its routes.</summary>
public sealed record RequestRouteRefresh(IPAddress Peer, AfiSafi Family);

/// <summary>Asks for prefix and path counts per family. Answered with <see cref="RibSummary"/>.</summary>
public sealed record GetRibSummary
{
    public static readonly GetRibSummary Instance = new();
}

/// <param name="Prefixes">Distinct prefixes with at least one path (loop-rejected paths included).</param>
/// <param name="Paths">Paths summed over neighbors (and local routes).</param>
/// <param name="BestPaths">Prefixes with a selected best path.</param>
public sealed record FamilySummary(long Prefixes, long Paths, long BestPaths);

/// <summary>Per-neighbor Adj-RIB-In counters (after RFC 7606 handling). <paramref name="ReceivedPrefixes"/> and
/// <paramref name="FilteredPrefixes"/> count announcements (and import-policy rejections) since the session came up;
/// <paramref name="Accepted"/> is the current post-policy path count per family (loop-rejected ones included, which
/// <paramref name="Rejected"/> counts separately); <paramref name="PrePolicy"/> is the current pre-policy count,
/// known only when the neighbor keeps filtered routes (PeerRibSettings.KeepFiltered), else null.</summary>
/// <remarks><paramref name="Prefixes"/> has the current per-family counts as other daemons show them (see
/// <see cref="PrefixCounters"/>), keyed like <paramref name="Accepted"/>.</remarks>
public sealed record NeighborRibSummary(IPAddress Peer, uint PeerAs, long Updates, long TreatAsWithdraw, long ReceivedPrefixes,
    long FilteredPrefixes, IReadOnlyDictionary<string, long> Accepted, IReadOnlyDictionary<string, long> Rejected,
    IReadOnlyDictionary<string, long>? PrePolicy = null, IReadOnlyDictionary<string, PrefixCounters>? Prefixes = null)
{
    /// <summary>Announcements received that RFC 9234 section 5's ingress rules found to be route leaks.</summary>
    public long OtcLeaks { get; init; }
}

/// <summary>Current prefix counts of one neighbor and family.</summary>
/// <param name="Received">Prefixes the neighbor has announced and not withdrawn, before import policy (Adj-RIB-In pre-policy).</param>
/// <param name="Accepted">Of those, the ones that passed import policy and loop detection (candidates for the decision process).</param>
/// <param name="Advertised">Prefixes we have announced to the neighbor and not withdrawn (what Adj-RIB-Out has sent).</param>
public sealed record PrefixCounters(long Received, long Accepted, long Advertised);

/// <summary>Keys of <see cref="Families"/> are "ipv4-unicast" and "ipv6-unicast".</summary>
/// <param name="RpkiStates">Paths (import policy passed) by family and RFC 6811 state (valid, invalid, not-found);
/// null while no VRPs are in use.</param>
public sealed record RibSummary(IReadOnlyDictionary<string, FamilySummary> Families, int EstablishedPeers, int AttributeSets,
    IReadOnlyList<NeighborRibSummary> Neighbors, IReadOnlyDictionary<(string Family, string State), long>? RpkiStates = null)
{
    /// <summary>Paths verified with ASPA (from external neighbors with a role) by family and outcome (valid, invalid,
    /// unknown); null while no RPKI data is in use.</summary>
    public IReadOnlyDictionary<(string Family, string State), long>? AspaStates { get; init; }
}

/// <summary>Routes for <paramref name="Prefix"/>: exactly it, or it and every more specific prefix (paged,
/// in prefix order). Answered with <see cref="RouteLookupResult"/>.</summary>
/// <param name="AdvertisedTo">Instead of the paths: what goes to this neighbor (its Adj-RIB-Out, RFC 4271 3.2): the best
/// path of each prefix after the 9.2 rules and the neighbor's export policy, with the attributes it is sent with;
/// prefixes not advertised to it are left out (and not counted).</param>
/// <param name="After">With <paramref name="LongerPrefixes"/>: only prefixes after this one (a cursor, for reading a whole
/// table page by page in linear time; Offset counts from it). The total still counts the whole range.</param>
public sealed record LookupRoutes(Prefix Prefix, bool LongerPrefixes = false, int Offset = 0, int Limit = 100, System.Net.IPAddress? AdvertisedTo = null,
    Prefix? After = null);

/// <summary>One path as the management API shows it.</summary>
/// <param name="Stale">Kept from before the peer's restart (RFC 4724) or refresh (RFC 7313) and not yet announced again.</param>
/// <param name="Rpki">RFC 6811 validation state against the VRPs in use; null when no RPKI cache has given any.</param>
public sealed record RouteView(Prefix Prefix, IPAddress? Peer, uint PeerAs, bool Best, bool Eligible, string? Ineligibility,
    PathAttributes Attributes, IPAddress? NextHop, bool Stale = false, AkkaBgp.Rpki.RovState? Rpki = null, uint PathId = 0)
{
    /// <summary>The ASPA verification outcome (draft-ietf-sidrops-aspa-verification) on the session it came from; null where
    /// paths are not verified (local routes, iBGP, no role towards the neighbor).</summary>
    public AkkaBgp.Rpki.AspaState? Aspa { get; init; }
}

/// <param name="TotalPrefixes">Matching prefixes before paging.</param>
public sealed record RouteLookupResult(int TotalPrefixes, IReadOnlyList<RouteView> Routes);

/// <summary>
/// Published on the EventStream, and sent to the neighbor's FSM, which takes it as Event 8 (AutomaticStop) with
/// Cease/1: the neighbor sent more prefixes of <paramref name="Family"/> than allowed.
/// <paramref name="Notification"/> carries the RFC 4486 section 4 data (AFI, SAFI, upper bound);
/// <paramref name="RestartAfter"/> is how long to wait before starting the session again (null: stay down).
/// </summary>
public sealed record MaxPrefixExceeded(IPAddress Peer, AfiSafi Family, int Count, int Limit, TimeSpan? RestartAfter, NotificationMessage Notification);

/// <summary>Published on the EventStream when a neighbor reaches the max-prefix warning threshold.</summary>
public sealed record MaxPrefixWarning(IPAddress Peer, AfiSafi Family, int Count, int Limit);

public static class FamilyNames
{
    public static string Of(AfiSafi f) => f == AfiSafi.Ipv4Unicast ? "ipv4-unicast" : f == AfiSafi.Ipv6Unicast ? "ipv6-unicast" : f.ToString();
}

/// <summary>Why a best path changed.</summary>
public enum BestPathChangeReason
{
    /// <summary>A neighbor announced a route (new, better, or a replacement of the best one).</summary>
    Update,
    /// <summary>A neighbor withdrew a route (explicitly or by RFC 7606 treat-as-withdraw).</summary>
    Withdraw,
    /// <summary>A local route was announced or withdrawn.</summary>
    LocalRoute,
    /// <summary>A session left Established and its routes were removed.</summary>
    PeerDown,
    /// <summary>Stale routes were removed (graceful restart, RFC 4724 4.2; enhanced route refresh, RFC 7313 4).</summary>
    StaleRemoved,
}

/// <summary>The new best path of a destination.</summary>
/// <param name="Peer">Neighbor it was learned from; null for a local route.</param>
/// <param name="NextHop">NEXT_HOP, or for IPv6 the MP_REACH_NLRI global next hop.</param>
public sealed record BestPathSummary(IPAddress? Peer, uint PeerAs, IPAddress? NextHop, PathAttributes Attributes)
{
    public bool Local => Peer is null;
}

/// <summary>The best path for <paramref name="Prefix"/> changed; <paramref name="Best"/> null means no route is left
/// (withdrawn). <paramref name="From"/> is the neighbor whose message (or session end) caused it, null for local routes.</summary>
public sealed record BestPathChanged(AfiSafi Family, Prefix Prefix, BestPathChangeReason Reason, IPAddress? From, BestPathSummary? Best)
{
    public bool Withdrawn => Best is null;
}

/// <summary>Subscribes <paramref name="Subscriber"/> to <see cref="BestPathChanges"/> on the EventStream and has the
/// partitions record them: they record nothing while nobody is subscribed this way, so a full-table load with no
/// listener pays nothing. Ends with <see cref="UnsubscribeBestPathChanges"/> or when the subscriber stops.</summary>
public sealed record SubscribeBestPathChanges(IActorRef Subscriber);

public sealed record UnsubscribeBestPathChanges(IActorRef Subscriber);

/// <summary>
/// Published on the EventStream by each Loc-RIB partition once per batch it applied (at most 1024 changes): the
/// best-path changes of that batch. One message per partition turn, not one per prefix, so a full-table load costs
/// a few hundred publishes; the <see cref="BestPathChanged"/> records are only built when a subscriber reads
/// <see cref="Changes"/>. Subscribe with <see cref="SubscribeBestPathChanges"/> to the RIB actor (an EventStream
/// subscription alone receives nothing unless someone else has the partitions recording).
/// </summary>
public sealed class BestPathChanges
{
    private readonly List<PendingBestPath> _raw;
    private BestPathChanged[]? _changes;

    internal BestPathChanges(int partition, List<PendingBestPath> raw)
    {
        Partition = partition;
        _raw = raw;
    }

    public int Partition { get; }
    public int Count => _raw.Count;

    /// <summary>The changes in the order the partition made them. Safe to read from several subscribers.</summary>
    public IReadOnlyList<BestPathChanged> Changes
    {
        get
        {
            if (_changes is { } c) return c;
            var built = _raw.Select(r => r.ToPublic()).ToArray();
            return Interlocked.CompareExchange(ref _changes, built, null) ?? built;
        }
    }
}

/// <summary>What a partition records per change; <see cref="Tables.RouteAttributes"/> and <see cref="Tables.RibPeer"/>
/// are immutable where read here, so building the public record later on another thread is safe.</summary>
internal readonly record struct PendingBestPath(Prefix Prefix, Tables.RouteAttributes? Route, Tables.RibPeer? Peer, Tables.RibPeer? From, BestPathChangeReason Reason)
{
    public BestPathChanged ToPublic()
    {
        BestPathSummary? best = null;
        if (Route is { } r && Peer is { } p)
        {
            var nh = r.MpNextHop.Length >= 16 ? new IPAddress(r.MpNextHop.AsSpan(0, 16)) : r.Attributes.NextHopAddress;
            best = new BestPathSummary(p.IsLocal ? null : p.Address, p.PeerAs, nh, r.Attributes);
        }
        return new BestPathChanged(Prefix.IsIPv6 ? AfiSafi.Ipv6Unicast : AfiSafi.Ipv4Unicast, Prefix, Reason,
            From is null || From.IsLocal ? null : From.Address, best);
    }
}
