using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Management;

/// <summary>
/// The JSON shapes of the management API (camelCase fields, as Akka Management's; address families keyed
/// "ipv4-unicast"/"ipv6-unicast"). Kept apart from the speaker's records so the API does not change when
/// those do.
/// </summary>
public static class EventJson
{
    public static object From(SessionStateChanged c) => new
    {
        neighbor = c.Peer.ToString(),
        remoteAs = c.PeerAs,
        from = c.From.ToString(),
        state = c.To.ToString(),
        @event = c.EventNumber,
        eventName = c.EventName,
        reason = c.Reason,
        at = c.At,
    };

    /// <summary>The snapshot event a late <c>/bgp/events</c> listener gets first for each neighbor.</summary>
    public static object Snapshot(NeighborStatus s) => new
    {
        neighbor = s.Peer.ToString(),
        remoteAs = s.PeerAs,
        state = s.State.ToString(),
        upSince = s.UpSince,
        downSince = s.DownSince,
        lastError = s.LastError,
    };

    public static object Summary(RibSummary s)
    {
        var body = new Dictionary<string, object>();
        foreach (var (family, f) in s.Families)
            body[family] = new { prefixes = f.Prefixes, paths = f.Paths, bestPaths = f.BestPaths };
        body["peers"] = new { established = s.EstablishedPeers };
        body["attributeSets"] = s.AttributeSets;
        // RFC 6811 states of the paths, per family, once VRPs are in use.
        if (s.RpkiStates is { } states)
            body["rpki"] = states.GroupBy(k => k.Key.Family).ToDictionary(g => g.Key, g => g.ToDictionary(k => k.Key.State, k => k.Value));
        // ASPA outcomes of the verified paths (external neighbors with a role), per family.
        if (s.AspaStates is { } outcomes)
            body["aspa"] = outcomes.GroupBy(k => k.Key.Family).ToDictionary(g => g.Key, g => g.ToDictionary(k => k.Key.State, k => k.Value));
        return body;
    }

    /// <summary>A <c>best-path</c> event: the new best path of a prefix, or <c>withdrawn</c> when none is left.</summary>
    public static object BestPath(BestPathChanged c) => new
    {
        family = FamilyNames.Of(c.Family),
        prefix = c.Prefix.ToString(),
        withdrawn = c.Withdrawn,
        reason = c.Reason switch
        {
            BestPathChangeReason.Update => "update",
            BestPathChangeReason.Withdraw => "withdraw",
            BestPathChangeReason.LocalRoute => "local-route",
            BestPathChangeReason.PeerDown => "peer-down",
            BestPathChangeReason.StaleRemoved => "stale-removed",
            var r => r.ToString(),
        },
        from = c.From?.ToString(),
        best = c.Best is { } b ? new
        {
            neighbor = b.Peer?.ToString(),
            remoteAs = b.Peer is null ? (uint?)null : b.PeerAs,
            local = b.Local,
            nextHop = b.NextHop?.ToString(),
            asPath = b.Attributes.AsPath?.ToString() ?? "",
            origin = b.Attributes.Origin?.ToString().ToLowerInvariant(),
            localPref = b.Attributes.LocalPref,
            med = b.Attributes.MultiExitDisc,
        } : null,
    };

    public static object Neighbor(NeighborStatus s, NeighborRibSummary? rib, DateTimeOffset now, AkkaBgp.Bfd.BfdSessionInfo? bfd = null) => new
    {
        address = s.Peer.ToString(),
        remoteAs = s.PeerAs,
        description = s.Description,
        state = s.State.ToString(),
        upSince = s.UpSince,
        uptimeSeconds = s.UpSince is { } up ? Math.Round((now - up).TotalSeconds, 3) : (double?)null,
        downSince = s.DownSince,
        flapCount = s.FlapCount,
        connectRetryCounter = s.ConnectRetryCounter,
        idleHoldTimeSeconds = s.IdleHoldTime.TotalSeconds,
        localEndpoint = s.LocalEndPoint?.ToString(),
        remoteEndpoint = s.RemoteEndPoint?.ToString(),
        negotiated = s.Session is { } n ? new
        {
            holdTimeSeconds = n.HoldTime.TotalSeconds,
            keepaliveSeconds = n.KeepaliveTime.TotalSeconds,
            peerIdentifier = Dotted(n.PeerIdentifier),
            families = n.Families.Select(FamilyNames.Of).Order(StringComparer.Ordinal).ToArray(),
            fourOctetAs = n.FourOctetAs,
            routeRefresh = n.RouteRefresh,
            enhancedRouteRefresh = n.EnhancedRouteRefresh,
            extendedMessages = n.ExtendedMessages,
            gracefulRestart = n.PeerGracefulRestart is not null,
            // RFC 8538: both sides set the N bit (a NOTIFICATION other than Hard Reset keeps the routes).
            gracefulRestartNotification = n.GracefulNotification,
            // RFC 9234: the BGP Role the peer sent (the pair was checked against ours when the session came up).
            peerRole = n.PeerRole is { } role ? Configuration.SessionAttributeReader.RoleName(role) : null,
            // RFC 7911: the families in which the peer's NLRI carry path identifiers, and in which ours do.
            addPathReceive = n.Families.Where(f => n.AddPathReceive.Contains(f)).Select(FamilyNames.Of).Order(StringComparer.Ordinal).ToArray(),
            addPathSend = n.Families.Where(f => n.AddPathSend.Contains(f)).Select(FamilyNames.Of).Order(StringComparer.Ordinal).ToArray(),
            peerCapabilities = n.PeerCapabilities.Select(c => CapabilityCode.Name(c.Code)).Distinct().ToArray(),
        } : null,
        messages = new
        {
            sent = Counters(s.MessagesSent),
            received = Counters(s.MessagesReceived),
        },
        prefixes = Prefixes(rib),
        lastError = s.LastError,
        lastNotificationSent = Notification(s.LastNotificationSent),
        lastNotificationReceived = Notification(s.LastNotificationReceived),
        // The neighbor's BFD session (RFC 5882), null when it has none; /bgp/bfd has the whole of it.
        bfd = bfd is null ? null : new
        {
            state = bfd.State.ToString(),
            remoteState = bfd.RemoteState.ToString(),
            diagnostic = AkkaBgp.Bfd.BfdText.Describe(bfd.LocalDiagnostic),
            detectionTimeMs = bfd.DetectionTime.TotalMilliseconds,
            lastStateChange = bfd.LastStateChange,
        },
    };

    /// <summary>One BFD session for /bgp/bfd (RFC 5880 6.8.1 variables, negotiated intervals, counters).</summary>
    public static object Bfd(AkkaBgp.Bfd.BfdSessionInfo b) => new
    {
        peer = b.Peer.Remote.ToString(),
        local = b.Peer.Local.ToString(),
        multihop = b.Peer.Multihop,
        state = b.State.ToString(),
        remoteState = b.RemoteState.ToString(),
        localDiscriminator = b.LocalDiscriminator,
        remoteDiscriminator = b.RemoteDiscriminator,
        diagnostic = new { code = (int)b.LocalDiagnostic, text = AkkaBgp.Bfd.BfdText.Describe(b.LocalDiagnostic) },
        remoteDiagnostic = new { code = (int)b.RemoteDiagnostic, text = AkkaBgp.Bfd.BfdText.Describe(b.RemoteDiagnostic) },
        desiredMinTxMs = b.DesiredMinTx.TotalMilliseconds,
        requiredMinRxMs = b.RequiredMinRx.TotalMilliseconds,
        remoteMinRxMs = b.RemoteMinRx.TotalMilliseconds,
        remoteDesiredMinTxMs = b.RemoteDesiredMinTx.TotalMilliseconds,
        multiplier = b.Multiplier,
        remoteMultiplier = b.RemoteMultiplier,
        transmitIntervalMs = b.TransmitInterval.TotalMilliseconds,
        detectionTimeMs = b.DetectionTime.TotalMilliseconds,
        remoteDemandMode = b.RemoteDemandMode,
        pollActive = b.PollActive,
        authentication = b.Authentication,
        lastStateChange = b.LastStateChange,
        counters = new
        {
            sent = b.PacketsSent,
            received = b.PacketsReceived,
            up = b.UpTransitions,
            down = b.DownTransitions,
            discarded = b.Discarded,
        },
    };

    private static Dictionary<string, long> Counters(IReadOnlyDictionary<MessageType, long> counts) =>
        Enum.GetValues<MessageType>().ToDictionary(t => Name(t), t => counts.GetValueOrDefault(t));

    private static string Name(MessageType t) => t switch
    {
        MessageType.RouteRefresh => "route-refresh",
        _ => t.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Per family: received (Adj-RIB-In before import policy), accepted (after import policy and loop detection),
    /// advertised (what Adj-RIB-Out has sent and not withdrawn), all current counts; rejected is the loop-detected
    /// part of what import policy let through. Received and filtered announcements since the session came up are
    /// counted over all families, so those are in <c>total</c>.
    /// </summary>
    internal static object? Prefixes(NeighborRibSummary? rib)
    {
        if (rib is null) return null;
        var body = new Dictionary<string, object>();
        foreach (var family in new[] { "ipv4-unicast", "ipv6-unicast" })
        {
            var c = rib.Prefixes?.GetValueOrDefault(family);
            body[family] = new
            {
                received = c?.Received ?? 0,
                accepted = c?.Accepted ?? rib.Accepted.GetValueOrDefault(family),
                advertised = c?.Advertised ?? 0,
                rejected = rib.Rejected.GetValueOrDefault(family),
            };
        }
        body["total"] = new { received = rib.ReceivedPrefixes, filtered = rib.FilteredPrefixes, updates = rib.Updates, treatAsWithdraw = rib.TreatAsWithdraw, otcLeaks = rib.OtcLeaks };
        return body;
    }

    private static object? Notification(NotificationRecord? n) => n is null ? null : new
    {
        code = n.Code,
        subcode = n.Subcode,
        description = n.Description,
        shutdownCommunication = n.ShutdownCommunication,
        at = n.At,
    };

    public static object Route(RouteView r) => new
    {
        prefix = r.Prefix.ToString(),
        neighbor = r.Peer?.ToString(),
        remoteAs = r.PeerAs,
        local = r.Peer is null,
        best = r.Best,
        eligible = r.Eligible,
        ineligibility = r.Ineligibility,
        nextHop = r.NextHop?.ToString(),
        // RFC 6811 state against the VRPs in use: valid, invalid, not-found; null without RPKI data.
        rpki = RpkiText(r.Rpki),
        // ASPA verification outcome (valid, invalid, unknown); null where not verified (local, iBGP, no role).
        aspa = r.Aspa?.ToString().ToLowerInvariant(),
        // RFC 7911 path identifier: the neighbor's for received paths, ours for paths sent to an ADD-PATH neighbor; 0 without ADD-PATH.
        pathId = r.PathId,
        attributes = Attributes(r.Attributes),
    };

    public static object Attributes(PathAttributes a) => new
    {
        origin = a.Origin?.ToString().ToLowerInvariant(),
        asPath = a.AsPath?.ToString() ?? "",
        nextHop = a.NextHopAddress?.ToString(),
        med = a.MultiExitDisc,
        localPref = a.LocalPref,
        atomicAggregate = a.AtomicAggregate,
        aggregator = a.Aggregator?.ToString(),
        communities = a.Communities.Select(CommunityText).ToArray(),
        largeCommunities = a.LargeCommunities.Select(c => c.ToString()).ToArray(),
        extendedCommunities = a.ExtendedCommunities.Select(c => c.ToString()).ToArray(),
        originatorId = a.OriginatorId is { } o ? Dotted(o) : null,
        clusterList = a.ClusterList.Select(Dotted).ToArray(),
        // RFC 9234 section 5: ONLY_TO_CUSTOMER, the AS that sent the route down first; null when absent.
        otc = a.OnlyToCustomer,
    };

    /// <summary>The configuration's spelling (no-export, 65000:1), so what is shown can be pasted back into a file.</summary>
    internal static string? RpkiText(AkkaBgp.Rpki.RovState? state)
        => state switch { null => null, AkkaBgp.Rpki.RovState.NotFound => "not-found", { } v => v.ToString().ToLowerInvariant() };

    internal static string CommunityText(Community c) => c.WellKnownName switch
    {
        null => $"{c.Asn}:{c.LocalValue}",
        "NOPEER" => "no-peer",
        var name => name.ToLowerInvariant().Replace('_', '-'),
    };

    internal static string Dotted(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}
