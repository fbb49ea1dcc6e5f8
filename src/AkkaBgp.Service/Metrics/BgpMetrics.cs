using System.Diagnostics.Metrics;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Metrics;

/// <summary>
/// The speaker's instruments (System.Diagnostics.Metrics, meter "AkkaBgp"). Gauges and message counters
/// are observed from <see cref="SpeakerSnapshot"/>; transitions are counted as they are published.
/// Mailbox depths come from `Hosting/MailboxMetrics.cs` under the same meter name.
/// </summary>
public sealed class BgpMetrics : IDisposable
{
    public const string MeterName = "AkkaBgp";

    private readonly Meter _meter = new(MeterName, "1.0");
    private readonly Counter<long> _transitions;

    public BgpMetrics(SpeakerSnapshot snapshot)
    {
        _transitions = _meter.CreateCounter<long>("bgp_session_transitions", "{transition}", "Session state changes, by from and to state");
        _meter.CreateObservableGauge("bgp_sessions", () => Sessions(snapshot), "{session}", "Configured and dynamic neighbors by session state");
        _meter.CreateObservableCounter("bgp_messages", () => Messages(snapshot), "{message}", "BGP messages by neighbor, type and direction");
        _meter.CreateObservableGauge("bgp_neighbor_prefixes", () => NeighborPrefixes(snapshot), "{prefix}",
            "Prefixes per neighbor and family: received (before import policy, all families) and accepted");
        _meter.CreateObservableGauge("bgp_rib_prefixes", () => Rib(snapshot, f => f.Prefixes), "{prefix}", "Loc-RIB prefixes by family");
        _meter.CreateObservableGauge("bgp_rib_paths", () => Rib(snapshot, f => f.Paths), "{path}", "Paths summed over neighbors by family");
        _meter.CreateObservableGauge("bgp_rib_best_paths", () => Rib(snapshot, f => f.BestPaths), "{path}", "Prefixes with a best path by family");
        _meter.CreateObservableGauge("bgp_rib_attribute_sets", () => (long)(snapshot.Rib?.AttributeSets ?? 0), "{set}", "Interned path attribute sets");
        _meter.CreateObservableGauge("bgp_rpki_vrps", () => RpkiVrps(snapshot), "{vrp}", "VRPs held per RTR cache and family (RFC 8210)");
        _meter.CreateObservableGauge("bgp_rpki_cache_state", () => RpkiCaches(snapshot, c => 1, withState: true), "{cache}",
            "1 for each RTR cache's current state (disconnected, connecting, syncing, synced) and whether its VRPs are in use");
        _meter.CreateObservableGauge("bgp_rpki_cache_serial", () => RpkiCaches(snapshot, c => c.Serial ?? 0), "{serial}", "Serial of the last End of Data per RTR cache");
        _meter.CreateObservableGauge("bgp_rpki_cache_last_update", () => RpkiCaches(snapshot, c => c.LastUpdate?.ToUnixTimeSeconds() ?? 0), "s",
            "Unix time of each RTR cache's last End of Data (0: none)");
        _meter.CreateObservableGauge("bgp_rpki_routes", () => RoutesByState(snapshot.Rib?.RpkiStates), "{path}", "Paths in the RIB by RFC 6811 validation state and family");
        _meter.CreateObservableGauge("bgp_aspa_routes", () => RoutesByState(snapshot.Rib?.AspaStates), "{path}",
            "Paths from external neighbors with a role by ASPA verification outcome (valid, invalid, unknown) and family");
        _meter.CreateObservableGauge("bgp_rpki_aspas", () => (long)(snapshot.Rpki?.Aspas ?? 0), "{aspa}", "Customer ASes with an ASPA in the RPKI data in use");
        _meter.CreateObservableGauge("bgp_neighbor_flaps", () => snapshot.Neighbors.Select(n =>
            new Measurement<long>(n.FlapCount, new KeyValuePair<string, object?>("neighbor", n.Peer.ToString()))), "{flap}", "Times each session left Established");

        // The cluster (issue 17), as this node sees it.
        _meter.CreateObservableGauge("akka_cluster_members", () => Members(snapshot), "{member}", "Cluster members by status (Joining, Up, Leaving, Exiting, Down, ...)");
        _meter.CreateObservableGauge("akka_cluster_unreachable_members", () => (long)(snapshot.Members?.Unreachable.Count ?? 0), "{member}",
            "Members this node's failure detector marks unreachable");
        _meter.CreateObservableGauge("akka_cluster_shard_entities", () => snapshot.PlacedHere < 0 ? [] : new[] { new Measurement<long>(snapshot.PlacedHere,
                new KeyValuePair<string, object?>("type", Nodes.PlacedNeighbor.TypeName)) }, "{entity}",
            "Cluster Sharding entities on this node: the placement = cluster neighbors it runs");
        _meter.CreateObservableGauge("bgp_cluster_routes", () => ClusterRoutes(snapshot), "{route}",
            "Cluster routes on this node by health (unchecked, checking, passing, failing) and by what the node announces (route, failing, nothing)");

        // BFD (RFC 5880): the engine's counters as the last /bgp/bfd snapshot (refreshed by each scrape) has them.
        _meter.CreateObservableGauge("bfd_sessions", () => BfdSessions(snapshot), "{session}", "BFD sessions by state (RFC 5880 6.2)");
        _meter.CreateObservableGauge("bfd_session_up", () => BfdPerSession(snapshot, s => s.State == Wire.Bfd.BfdState.Up ? 1 : 0), "{session}",
            "1 while the neighbor's BFD session is Up, else 0");
        _meter.CreateObservableGauge("bfd_detection_time_seconds", () => BfdPerSession(snapshot, s => s.DetectionTime.TotalSeconds), "s",
            "Negotiated Detection Time per session (RFC 5880 6.8.4), 0 before the peer has been heard");
        _meter.CreateObservableCounter("bfd_packets", () => BfdPackets(snapshot), "{packet}", "BFD Control packets per session, sent and received (accepted)");
        _meter.CreateObservableCounter("bfd_discarded_packets", () => BfdDiscards(snapshot), "{packet}",
            "BFD packets discarded, by reason (RFC 5880 6.8.6 checks, TTL/Hop Limit of RFC 5881/5883); neighbor=\"\" for packets no session took");
        _meter.CreateObservableCounter("bfd_session_transitions", () => BfdTransitions(snapshot), "{transition}",
            "Times each BFD session came Up and went from Up to Down");
    }

    private static IEnumerable<Measurement<long>> Members(SpeakerSnapshot snapshot)
    {
        if (snapshot.Members is not { } state) yield break;
        // Every status, zeros included, so a dashboard's "Up" series does not vanish when the last one leaves.
        foreach (var status in Enum.GetValues<Akka.Cluster.MemberStatus>())
            yield return new Measurement<long>(state.Members.Count(m => m.Status == status), new KeyValuePair<string, object?>("status", status.ToString()));
    }

    private static IEnumerable<Measurement<long>> ClusterRoutes(SpeakerSnapshot snapshot)
    {
        if (snapshot.ClusterRoutes is not { } list) yield break;
        foreach (var group in list.Routes.GroupBy(r => (r.Health, r.Announced)))
            yield return new Measurement<long>(group.Count(),
                new KeyValuePair<string, object?>("health", group.Key.Health.ToString().ToLowerInvariant()),
                new KeyValuePair<string, object?>("announced", group.Key.Announced ?? "nothing"));
    }

    private static IEnumerable<Measurement<long>> RpkiVrps(SpeakerSnapshot snapshot)
    {
        if (snapshot.Rpki is not { } rpki) yield break;
        foreach (var c in rpki.Caches)
        {
            yield return new Measurement<long>(c.VrpsV4, new("cache", c.Cache), new("family", "ipv4"));
            yield return new Measurement<long>(c.VrpsV6, new("cache", c.Cache), new("family", "ipv6"));
        }
    }

    private static IEnumerable<Measurement<long>> RpkiCaches(SpeakerSnapshot snapshot, Func<AkkaBgp.Rpki.RtrCacheStatus, long> value, bool withState = false)
    {
        if (snapshot.Rpki is not { } rpki) yield break;
        foreach (var c in rpki.Caches)
            yield return withState
                ? new Measurement<long>(value(c), new("cache", c.Cache), new("state", c.State.ToString().ToLowerInvariant()), new("in_use", c.InUse ? "true" : "false"))
                : new Measurement<long>(value(c), new KeyValuePair<string, object?>("cache", c.Cache));
    }

    private static IEnumerable<Measurement<long>> RoutesByState(IReadOnlyDictionary<(string Family, string State), long>? states)
    {
        if (states is null) yield break;
        foreach (var ((family, state), count) in states)
            yield return new Measurement<long>(count, new("family", family), new("state", state));
    }

    public void SessionTransition(SessionStateChanged change) =>
        _transitions.Add(1, new KeyValuePair<string, object?>("from", change.From.ToString()), new KeyValuePair<string, object?>("to", change.To.ToString()));

    private static IEnumerable<Measurement<long>> Sessions(SpeakerSnapshot snapshot)
    {
        var byState = snapshot.Neighbors.GroupBy(n => n.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<SessionState>())
            yield return new Measurement<long>(byState.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", state.ToString()));
    }

    private static IEnumerable<Measurement<long>> Messages(SpeakerSnapshot snapshot)
    {
        foreach (var n in snapshot.Neighbors)
        {
            foreach (var type in Enum.GetValues<MessageType>())
            {
                var neighbor = new KeyValuePair<string, object?>("neighbor", n.Peer.ToString());
                var t = new KeyValuePair<string, object?>("type", type.ToString().ToLowerInvariant());
                yield return new Measurement<long>(n.MessagesSent.GetValueOrDefault(type), neighbor, t, new("direction", "sent"));
                yield return new Measurement<long>(n.MessagesReceived.GetValueOrDefault(type), neighbor, t, new("direction", "received"));
            }
        }
    }

    private static IEnumerable<Measurement<long>> NeighborPrefixes(SpeakerSnapshot snapshot)
    {
        if (snapshot.Rib is not { } rib) yield break;
        foreach (var n in rib.Neighbors)
        {
            var neighbor = new KeyValuePair<string, object?>("neighbor", n.Peer.ToString());
            yield return new Measurement<long>(n.ReceivedPrefixes, neighbor, new("family", "all"), new("kind", "received"));
            foreach (var (family, count) in n.Accepted)
                yield return new Measurement<long>(count, neighbor, new("family", family), new("kind", "accepted"));
        }
    }

    private static IEnumerable<Measurement<long>> Rib(SpeakerSnapshot snapshot, Func<Rib.Engine.FamilySummary, long> value)
    {
        if (snapshot.Rib is not { } rib) yield break;
        foreach (var (family, summary) in rib.Families)
            yield return new Measurement<long>(value(summary), new KeyValuePair<string, object?>("family", family));
    }

    private static IEnumerable<Measurement<long>> BfdSessions(SpeakerSnapshot snapshot)
    {
        if (snapshot.Bfd is not { } bfd) yield break;
        foreach (var state in Enum.GetValues<Wire.Bfd.BfdState>())
            yield return new Measurement<long>(bfd.Sessions.Count(s => s.State == state), new KeyValuePair<string, object?>("state", state.ToString()));
    }

    private static IEnumerable<Measurement<T>> BfdPerSession<T>(SpeakerSnapshot snapshot, Func<AkkaBgp.Bfd.BfdSessionInfo, T> value) where T : struct
    {
        if (snapshot.Bfd is not { } bfd) yield break;
        foreach (var s in bfd.Sessions) yield return new Measurement<T>(value(s), new KeyValuePair<string, object?>("neighbor", s.Peer.Remote.ToString()));
    }

    private static IEnumerable<Measurement<long>> BfdPackets(SpeakerSnapshot snapshot)
    {
        if (snapshot.Bfd is not { } bfd) yield break;
        foreach (var s in bfd.Sessions)
        {
            var neighbor = new KeyValuePair<string, object?>("neighbor", s.Peer.Remote.ToString());
            yield return new Measurement<long>(s.PacketsSent, neighbor, new("direction", "sent"));
            yield return new Measurement<long>(s.PacketsReceived, neighbor, new("direction", "received"));
        }
    }

    private static IEnumerable<Measurement<long>> BfdDiscards(SpeakerSnapshot snapshot)
    {
        if (snapshot.Bfd is not { } bfd) yield break;
        foreach (var s in bfd.Sessions)
            foreach (var (reason, count) in s.Discarded)
                yield return new Measurement<long>(count, new KeyValuePair<string, object?>("neighbor", s.Peer.Remote.ToString()), new("reason", reason));
        foreach (var (reason, count) in bfd.Unmatched)
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("neighbor", ""), new("reason", reason.ToString()));
    }

    private static IEnumerable<Measurement<long>> BfdTransitions(SpeakerSnapshot snapshot)
    {
        if (snapshot.Bfd is not { } bfd) yield break;
        foreach (var s in bfd.Sessions)
        {
            var neighbor = new KeyValuePair<string, object?>("neighbor", s.Peer.Remote.ToString());
            yield return new Measurement<long>(s.UpTransitions, neighbor, new("to", "Up"));
            yield return new Measurement<long>(s.DownTransitions, neighbor, new("to", "Down"));
        }
    }

    /// <summary>Per neighbor and family: received (pre-policy), accepted and advertised prefixes, the numbers
    /// GET /bgp/neighbors/{address} shows, from the RIB summary the scrape just refreshed. Text appended to the
    /// exporter's, not an instrument: without a RIB summary yet it writes nothing at all.</summary>
    internal static string NeighborFamilyPrefixes(Rib.Engine.RibSummary? rib)
    {
        if (rib is null) return "";
        var text = new System.Text.StringBuilder();
        text.Append("# HELP bgp_neighbor_family_prefixes Current prefixes per neighbor and family: received (before import policy), accepted (after import policy and loop detection), advertised (sent by Adj-RIB-Out)\n");
        text.Append("# TYPE bgp_neighbor_family_prefixes gauge\n");
        foreach (var n in rib.Neighbors.OrderBy(n => n.Peer.ToString(), StringComparer.Ordinal))
        {
            if (n.Prefixes is null) continue;
            foreach (var (family, c) in n.Prefixes.OrderBy(p => p.Key, StringComparer.Ordinal))
                foreach (var (kind, value) in new[] { ("accepted", c.Accepted), ("advertised", c.Advertised), ("received", c.Received) })
                    text.Append($"bgp_neighbor_family_prefixes{{neighbor=\"{n.Peer}\",family=\"{family}\",kind=\"{kind}\"}} {value}\n");
        }
        return text.ToString();
    }

    public void Dispose() => _meter.Dispose();
}
