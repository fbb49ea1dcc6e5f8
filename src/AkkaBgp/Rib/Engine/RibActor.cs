using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// The RIB: the actor the FSMs send <see cref="PeerUp"/>, <see cref="PeerUpdate"/>, <see cref="PeerRouteRefresh"/>
/// and <see cref="PeerDown"/> to, and the management API queries. It owns the Loc-RIB partitions and, per
/// Established session, a <see cref="PeerInbound"/> (Adj-RIB-In) and a <see cref="PeerOutbound"/> (Adj-RIB-Out).
/// Route processing happens in those children, so this actor only routes messages and allocates peer slots.
/// </summary>
public sealed class RibActor : ReceiveActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly RibSettings _settings;
    private readonly Func<IPAddress, NeighborRibConfig?> _neighbors;
    private readonly IActorRef[] _partitions;
    private readonly RibPeer _local;
    private readonly Dictionary<IPAddress, Session> _sessions = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly Dictionary<int, int> _purging = new();
    private int _nextSlot = RibPeer.LocalSlot + 1;
    private long _sessionCounter, _queryCounter, _localSequence;

    private sealed record Session(RibPeer Peer, IActorRef Inbound, IActorRef Outbound, IActorRef Connection, NegotiatedSession Negotiated, long Id, IActorRef Fsm);

    /// <summary>The routes we originate (configured and from the API), kept so that a restarted partition gets its share back.</summary>
    private readonly Dictionary<Prefix, LocalRoute> _localRoutes = new();

    /// <summary>Routes the cluster announces from every node (see <see cref="AnnounceLocalRoute.Cluster"/>); one of
    /// them is originated only while this node has no route of its own for the prefix.</summary>
    private readonly Dictionary<Prefix, LocalRoute> _clusterRoutes = new();

    /// <summary>Per partition: failures in a row (each doubles the wait before the next rebuild) and when the last was.</summary>
    private readonly (int Count, DateTime Last)[] _partitionFailures;
    private long _rebuildGeneration;
    public static readonly TimeSpan RebuildMinBackoff = TimeSpan.FromSeconds(1), RebuildMaxBackoff = TimeSpan.FromSeconds(60);
    /// <summary>A partition that has run this long since its last failure starts its backoff from the minimum again.</summary>
    public static readonly TimeSpan RebuildResetAfter = TimeSpan.FromMinutes(5);

    /// <summary>A peer in graceful restart (RFC 4724 4.2): its slot stays reserved and holds its stale routes of
    /// <paramref name="Families"/> until it is back (and sends End-of-RIB) or the restart time runs out.</summary>
    private sealed record Restart(int Slot, IReadOnlyCollection<AfiSafi> Families, long Generation);
    private readonly Dictionary<IPAddress, Restart> _restarting = new();
    private long _restartGeneration;

    private sealed record RestartTimeExpired(IPAddress Peer, long Generation) : IDeadLetterSuppression;
    private sealed record StalePathTimeExpired(IPAddress Peer, long SessionId, IReadOnlyCollection<AfiSafi> Families) : IDeadLetterSuppression;

    public RibActor(RibSettings settings, Func<IPAddress, NeighborRibConfig?> neighbors, IEnumerable<LocalRoute> localRoutes)
    {
        _settings = settings;
        _neighbors = neighbors;
        _local = RibPeer.Local(settings.LocalAs, settings.RouterId);
        _partitions = Enumerable.Range(0, Math.Max(1, settings.Partitions))
            .Select(i => Context.ActorOf(LocRibPartition.Props(i, settings, _local), $"loc-rib-{i}")).ToArray();
        _partitionFailures = new (int, DateTime)[_partitions.Length];
        foreach (var r in localRoutes)
        {
            _localRoutes[r.Prefix] = r;
            Originate(r);
        }

        Receive<PeerUp>(Up);
        // RFC 4724 4.2: only a session that ended without a NOTIFICATION (sent or received) may keep its routes.
        Receive<PeerDown>(d => Down(d.Peer, d.Reason, helperMayKeep: !d.EndedByNotification || d.GracefulNotification));
        Receive<RestartTimeExpired>(t =>
        {
            if (!_restarting.TryGetValue(t.Peer, out var r) || r.Generation != t.Generation) return;
            // RFC 4724 4.2: the peer did not come back within its Restart Time: delete its stale routes.
            _restarting.Remove(t.Peer);
            Log.Info("{Peer}: not back within its graceful restart time: withdrawing its stale routes", t.Peer);
            Purge(r.Slot);
        });
        Receive<StalePathTimeExpired>(t =>
        {
            // Back, but no End-of-RIB in time: the routes it did not re-advertise go.
            if (_sessions.TryGetValue(t.Peer, out var s) && s.Id == t.SessionId) s.Inbound.Tell(new InboundSweepStale(t.Families), Self);
        });
        Receive<PeerUpdate>(u =>
        {
            if (_sessions.TryGetValue(u.Peer, out var s)) s.Inbound.Forward(u);
            else u.Connection.Tell(new UpdatesProcessed(1), Self); // not (or no longer) Established: nothing to apply
        });
        Receive<PeerUpdates>(b =>
        {
            if (_sessions.TryGetValue(b.Peer, out var s)) s.Inbound.Forward(b);
            else b.Connection.Tell(new UpdatesProcessed(b.Updates.Length), Self);
        });
        Receive<PeerRouteRefresh>(Refresh);
        Receive<SubscribeBestPathChanges>(sub =>
        {
            if (!_eventSubscribers.Add(sub.Subscriber)) return;
            Context.Watch(sub.Subscriber);
            Context.System.EventStream.Subscribe<BestPathChanges>(sub.Subscriber);
            // Same sender as the batches of local routes and before any later UPDATE is forwarded: the
            // partitions record from the next change on.
            if (_eventSubscribers.Count == 1) foreach (var p in _partitions) p.Tell(new PartitionPublishEvents(true), Self);
        });
        Receive<UnsubscribeBestPathChanges>(u => EventsUnsubscribed(u.Subscriber));
        Receive<Terminated>(t => EventsUnsubscribed(t.ActorRef));
        Receive<RequestRouteRefresh>(r =>
        {
            if (_sessions.TryGetValue(r.Peer, out var s) && s.Negotiated.RouteRefresh)
                s.Connection.Tell(new Send(new RouteRefreshMessage(r.Family)), Self);
        });
        Receive<PeerPurged>(p =>
        {
            if (_purging.TryGetValue(p.Slot, out int left) && --left == 0)
            {
                _purging.Remove(p.Slot);
                _freeSlots.Push(p.Slot);
            }
            else if (left > 0) _purging[p.Slot] = left;
        });
        Receive<BatchDone>(_ => { }); // acknowledgements of local-route batches and of purges
        Receive<AnnounceLocalRoute>(a =>
        {
            (a.Cluster ? _clusterRoutes : _localRoutes)[a.Route.Prefix] = a.Route;
            OriginateOrWithdraw(a.Route.Prefix);
            Sender.Tell(new LocalRouteAck(a.Route.Prefix, true), Self);
        });
        Receive<PartitionRestarted>(r => PartitionRestarted(r.Index));
        Receive<RebuildPartition>(r =>
        {
            // One timer per partition (a later failure replaces it), so the latest backoff wins.
            if ((uint)r.Index < (uint)_partitions.Length) RequestRoutesAgain(r.Index);
        });
        Receive<ClearClusterRoutes>(_ =>
        {
            var prefixes = _clusterRoutes.Keys.ToList();
            _clusterRoutes.Clear();
            foreach (var prefix in prefixes) OriginateOrWithdraw(prefix);
        });
        Receive<WithdrawLocalRoute>(w =>
        {
            (w.Cluster ? _clusterRoutes : _localRoutes).Remove(w.Prefix);
            OriginateOrWithdraw(w.Prefix);
            Sender.Tell(new LocalRouteAck(w.Prefix, false), Self);
        });
        Receive<GetRibSummary>(_ =>
        {
            var inbound = _sessions.Values.Select(s => s.Inbound).ToArray();
            var outbound = _sessions.Values.Select(s => s.Outbound).ToArray();
            Context.ActorOf(RibQuery.SummaryProps(Sender, _partitions, inbound, outbound, _sessions.Count), $"query-{++_queryCounter}");
        });
        Receive<AkkaBgp.Rpki.VrpsChanged>(VrpsChanged);
        Receive<LookupRoutes>(q =>
        {
            var targets = q.LongerPrefixes ? _partitions : [_partitions[LocRibPartition.PartitionOf(q.Prefix, _partitions.Length)]];
            Context.ActorOf(RibQuery.LookupProps(Sender, targets, q), $"query-{++_queryCounter}");
        });
    }

    /// <param name="neighbors">Per-neighbor RIB configuration by peer address; null gives the defaults.</param>
    public static Props Props(RibSettings settings, Func<IPAddress, NeighborRibConfig?>? neighbors = null, IEnumerable<LocalRoute>? localRoutes = null)
    {
        var lookup = neighbors ?? (_ => null);
        var routes = localRoutes?.ToArray() ?? [];
        return Akka.Actor.Props.Create(() => new RibActor(settings, lookup, routes));
    }

    /// <summary>Convenience for SpeakerSettings.RibProps: RIB settings from the neighbors' configuration.</summary>
    public static Props Props(RibSettings settings, IReadOnlyDictionary<IPAddress, NeighborRibConfig> neighbors, IEnumerable<LocalRoute>? localRoutes = null) =>
        Props(settings, a => neighbors.GetValueOrDefault(a), localRoutes);

    private void Up(PeerUp up)
    {
        if (_sessions.ContainsKey(up.Peer)) Down(up.Peer, "replaced by a new session", helperMayKeep: false);
        var cfg = _neighbors(up.Peer) ?? NeighborRibConfig.Default;
        var n = up.Session;
        // A restarting peer gets its slot back, so that what it announces again replaces its stale paths.
        _restarting.Remove(up.Peer, out var restart);
        if (restart is not null) Timers.Cancel(RestartTimer(up.Peer));
        int slot = restart?.Slot ?? (_freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++);
        if (slot > ushort.MaxValue) throw new InvalidOperationException("more than 65535 concurrent sessions in the RIB");
        var (localAddress, localV6) = OurAddresses(up.Local?.Address, cfg);
        var peer = new RibPeer
        {
            Slot = slot,
            Address = up.Peer,
            PeerAs = n.PeerAs,
            LocalAs = _settings.LocalAs,
            RouterId = n.PeerIdentifier,
            LocalAddress = localAddress,
            LocalIPv6NextHop = localV6,
            LocalIPv6LinkLocal = localV6 is null ? null : LinkLocalNextHop.For(up.Local?.Address, up.Peer),
            FourOctetAs = n.FourOctetAs,
            MaxMessageSize = n.ExtendedMessages ? 65535 : 4096,
            EnhancedRouteRefresh = n.EnhancedRouteRefresh,
            LocalRole = n.LocalRole,
            ExtendedNextHopIpv4 = n.ExtendedNextHopIpv4,
            AddPathSend = n.AddPathSendMax > 0 ? n.AddPathSend : AddPathFamilies.None,
            AddPathSendMax = n.AddPathSendMax,
            Families = n.Families,
            Settings = cfg.Rib,
        };
        long id = ++_sessionCounter;
        var outbound = Context.ActorOf(PeerOutbound.Props(peer, up.Connection, _partitions), $"out-{slot}-{id}");
        // Partitions learn the session before any of its routes: PeerUp from here is queued ahead of any batch
        // the inbound actor can send, as that actor only gets UPDATEs after this.
        foreach (var p in _partitions) p.Tell(new PartitionPeerUp(peer, outbound), Self);
        var inbound = Context.ActorOf(PeerInbound.Props(peer, _partitions, Sender, _vrps), $"in-{slot}-{id}");
        _sessions[up.Peer] = new Session(peer, inbound, outbound, up.Connection, n, id, Sender);
        if (restart is not null) Resumed(up.Peer, id, inbound, restart, n, cfg.Rib);
        if (_settings.LogSessions) Log.Info("{Peer}: RIB session up (slot {Slot}, families {Families})", up.Peer, slot, string.Join(", ", n.Families));
    }

    /// <summary>
    /// Our addresses for NEXT_HOP towards this neighbor (RFC 4271 5.1.3: "the IP address of the interface that the
    /// speaker uses to establish the BGP connection"): the session's local endpoint when the FSM reports it, the
    /// configured one otherwise. An IPv6 session keeps a configured IPv4 address for IPv4 routes, and a configured
    /// global IPv6 next hop (RFC 2545 3: a link-local session address is not enough on its own).
    /// </summary>
    internal static (IPAddress? V4OrSession, IPAddress? V6) OurAddresses(IPAddress? session, NeighborRibConfig cfg)
    {
        if (session is null) return (cfg.LocalAddress, cfg.LocalIPv6NextHop);
        if (session.IsIPv4MappedToIPv6) session = session.MapToIPv4();
        if (session.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return (session, cfg.LocalIPv6NextHop);
        var v4 = cfg.LocalAddress is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } c ? c : session;
        return (v4, cfg.LocalIPv6NextHop ?? (session.IsIPv6LinkLocal ? null : session));
    }

    private void Down(IPAddress address, string reason, bool helperMayKeep)
    {
        if (!_sessions.Remove(address, out var s)) return;
        Timers.Cancel(StaleTimer(address));
        Context.Stop(s.Outbound);
        var keep = helperMayKeep ? GracefulRestartFamilies(s) : null;
        if (keep is not null)
        {
            var restartTime = TimeSpan.FromSeconds(s.Negotiated.PeerGracefulRestart!.RestartTime);
            Log.Info("{Peer}: RIB session down ({Reason}): graceful restart, keeping its {Families} routes stale for up to {RestartTime}",
                address, reason, string.Join(", ", keep), restartTime);
            var r = new Restart(s.Peer.Slot, keep, ++_restartGeneration);
            _restarting[address] = r;
            // Sent from here, not by the inbound actor: the peer's next session reuses the slot, and its
            // PartitionPeerUp (also from here) must reach every partition after this. Batches the old inbound
            // actor sends after this are refused by the partitions (the slot's RibPeer is replaced).
            s.Inbound.Tell(new InboundStop(keep), Self);
            foreach (var p in _partitions) p.Tell(new PartitionPeerRestarting(s.Peer.Slot, keep), Self);
            Timers.StartSingleTimer(RestartTimer(address), new RestartTimeExpired(address, r.Generation), restartTime);
            return;
        }
        if (_settings.LogSessions) Log.Info("{Peer}: RIB session down ({Reason}): withdrawing its routes", address, reason);
        _purging[s.Peer.Slot] = _partitions.Length;
        s.Inbound.Tell(new InboundStop(), Self);
    }

    private readonly HashSet<IActorRef> _eventSubscribers = new();

    /// <summary>The VRPs in use (RFC 6811); null while no RPKI cache has given any.</summary>
    private AkkaBgp.Rpki.VrpTable? _vrps;

    /// <summary>
    /// RFC 6811 section 4: when the VRPs change, routes are validated again. The partitions take the new table for
    /// what they show; each session's inbound actor re-runs its import policy on its routes under the changed VRP
    /// prefixes whose state changed, so best paths and exports follow without touching the sessions.
    /// </summary>
    private void VrpsChanged(AkkaBgp.Rpki.VrpsChanged c)
    {
        _vrps = c.Vrps;
        // The changed prefixes as a table of their own: "is this route under a changed prefix" is then its Covers.
        var cover = c.Changed is null ? null : new AkkaBgp.Rpki.VrpTable(c.Changed.Select(p => new AkkaBgp.Rpki.Vrp(p, (byte)p.Length, 0)));
        foreach (var p in _partitions) p.Tell(new PartitionVrps(c.Vrps), Self);
        foreach (var s in _sessions.Values) s.Inbound.Tell(new InboundRevalidate(c.Vrps, cover, c.ChangedAspaCustomers), Self);
        Log.Info("RPKI: {V4} IPv4 and {V6} IPv6 VRPs and {Aspas} ASPAs in use, {Changed} VRP prefix(es) and {Customers} ASPA customer(s) changed",
            c.Vrps.CountV4, c.Vrps.CountV6, c.Vrps.Aspas.Count,
            c.Changed?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all", c.ChangedAspaCustomers.Count);
    }

    private void EventsUnsubscribed(IActorRef subscriber)
    {
        if (!_eventSubscribers.Remove(subscriber)) return;
        Context.Unwatch(subscriber);
        Context.System.EventStream.Unsubscribe<BestPathChanges>(subscriber);
        if (_eventSubscribers.Count == 0) foreach (var p in _partitions) p.Tell(new PartitionPublishEvents(false), Self);
    }

    private static string RestartTimer(IPAddress peer) => "restart:" + peer;
    private static string StaleTimer(IPAddress peer) => "stale:" + peer;

    /// <summary>
    /// RFC 4724 4.2: when the session of a peer that advertised the Graceful Restart capability ends without a
    /// NOTIFICATION, the routes of the families it listed in the capability are kept (stale) for its Restart
    /// Time; a Restart Time of 0 deletes them as usual, and so does a NOTIFICATION (sent or received) unless both
    /// sides set RFC 8538's N bit and it was not a Hard Reset. The caller has checked PeerDown for the NOTIFICATION.
    /// </summary>
    private IReadOnlyCollection<AfiSafi>? GracefulRestartFamilies(Session s)
    {
        if (s.Negotiated.PeerGracefulRestart is not { RestartTime: > 0 } gr || !s.Peer.Settings.GracefulRestartHelper) return null;
        var keep = gr.Families.Select(f => f.Family)
            .Where(f => (f == AfiSafi.Ipv4Unicast || f == AfiSafi.Ipv6Unicast) && s.Peer.Families.Contains(f)).Distinct().ToArray();
        return keep.Length == 0 ? null : keep;
    }

    /// <summary>A restarting peer is back (RFC 4724 4.2): stale routes of families it no longer preserves (no
    /// capability, family not listed, or Forwarding State bit clear) go now; the rest wait for End-of-RIB, at
    /// most the stale-path time.</summary>
    private void Resumed(IPAddress address, long sessionId, IActorRef inbound, Restart restart, NegotiatedSession n, PeerRibSettings settings)
    {
        var preserved = n.PeerGracefulRestart?.Families.Where(f => f.ForwardingPreserved).Select(f => f.Family).ToHashSet() ?? [];
        var now = restart.Families.Where(f => !preserved.Contains(f) || !n.Families.Contains(f)).ToArray();
        var later = restart.Families.Except(now).ToArray();
        Log.Info("{Peer}: back from graceful restart; stale routes removed now for [{Now}], on End-of-RIB for [{Later}]",
            address, string.Join(", ", now), string.Join(", ", later));
        if (now.Length > 0) inbound.Tell(new InboundSweepStale(now), Self);
        if (later.Length > 0) Timers.StartSingleTimer(StaleTimer(address), new StalePathTimeExpired(address, sessionId, later), settings.StalePathTime);
    }

    /// <summary>Drops every path of a slot no session holds and frees the slot once every partition is done.</summary>
    private void Purge(int slot)
    {
        _purging[slot] = _partitions.Length;
        foreach (var p in _partitions) p.Tell(new PartitionPeerDown(slot), Self);
    }

    private void Refresh(PeerRouteRefresh r)
    {
        if (!_sessions.TryGetValue(r.Peer, out var s)) return;
        var m = r.Message;
        // BoRR/EoRR from the peer frame its own re-advertisement (RFC 7313 4): the Adj-RIB-In side marks and
        // sweeps stale routes, in order with the UPDATEs in between (they take the same path).
        if (m.Subtype != RouteRefreshSubtype.Normal)
        {
            if (s.Negotiated.EnhancedRouteRefresh) s.Inbound.Tell(r, Self);
            return;
        }
        var family = m.Family;
        if (family != AfiSafi.Ipv4Unicast && family != AfiSafi.Ipv6Unicast) return;
        if (!s.Peer.Families.Contains(family)) return;
        s.Outbound.Tell(new OutboundRefresh(family, 0), Self);
    }

    /// <summary>
    /// A Loc-RIB partition failed and was restarted empty (the default supervision: only that child restarts). The
    /// paths it held were the only copy of its share of every neighbor's Adj-RIB-In (the RIB keeps no second copy of a
    /// full table, see README), so it cannot rebuild from inside the speaker. At once it gets back the sessions (so
    /// what arrives from now on is stored and exported) and our own routes; after a backoff (1 s, doubling with each
    /// failure in a row up to 60 s, so a failure that repeats cannot flood the neighbors) every neighbor is asked for
    /// its routes again: ROUTE-REFRESH (RFC 2918) where negotiated, and where not, an administrative reset (Cease/4
    /// with an RFC 9003 communication saying why), after which the peer sends its table on the new session.
    /// </summary>
    private void PartitionRestarted(int index)
    {
        var partition = _partitions[index];
        foreach (var s in _sessions.Values) partition.Tell(new PartitionPeerUp(s.Peer, s.Outbound), Self);
        if (_eventSubscribers.Count > 0) partition.Tell(new PartitionPublishEvents(true), Self);
        // The VRPs in use, for the validation state it shows and counts (RFC 6811).
        if (_vrps is { } vrps) partition.Tell(new PartitionVrps(vrps), Self);
        foreach (var prefix in _localRoutes.Keys.Union(_clusterRoutes.Keys))
            if (LocRibPartition.PartitionOf(prefix, _partitions.Length) == index) OriginateOrWithdraw(prefix);

        var now = DateTime.UtcNow;
        var (count, last) = _partitionFailures[index];
        count = now - last > RebuildResetAfter ? 1 : count + 1;
        _partitionFailures[index] = (count, now);
        var delay = TimeSpan.FromTicks(Math.Min(RebuildMaxBackoff.Ticks, RebuildMinBackoff.Ticks << Math.Min(count - 1, 16)));
        Log.Error("Loc-RIB partition {Index} restarted after a failure ({Count} in a row): its routes are lost; in {Delay} every neighbor is asked to send its routes again",
            index, count, delay);
        Timers.StartSingleTimer($"rebuild-{index}", new RebuildPartition(index, ++_rebuildGeneration), delay);
    }

    private void RequestRoutesAgain(int index)
    {
        foreach (var (address, s) in _sessions)
        {
            var families = s.Peer.Families.Where(f => f == AfiSafi.Ipv4Unicast || f == AfiSafi.Ipv6Unicast).ToArray();
            // A neighbor we send several paths per prefix (ADD-PATH) holds them under identifiers of the lost partition,
            // which the rebuilt one cannot withdraw: only a new session clears them.
            if (s.Negotiated.RouteRefresh && s.Peer.AddPathSend.IsEmpty)
            {
                Log.Warning("{Peer}: asking for its routes again (ROUTE-REFRESH for {Families}) to rebuild Loc-RIB partition {Index}", address, string.Join(", ", families), index);
                foreach (var f in families) s.Connection.Tell(new Send(new RouteRefreshMessage(f)), Self);
            }
            else
            {
                Log.Warning("{Peer}: " + (s.Negotiated.RouteRefresh ? "it holds ADD-PATH paths of the lost partition" : "no route refresh negotiated")
                    + ": resetting the session to rebuild Loc-RIB partition {Index}", address, index);
                s.Fsm.Tell(new AdministrativeReset($"internal error: Loc-RIB partition {index} was rebuilt; please send your routes again"), Self);
            }
        }
    }

    /// <summary>Originates the node's own route for <paramref name="prefix"/>, else the cluster's, else withdraws it.</summary>
    private void OriginateOrWithdraw(Prefix prefix)
    {
        if (_localRoutes.TryGetValue(prefix, out var r) || _clusterRoutes.TryGetValue(prefix, out r)) Originate(r);
        else SendLocal(new RouteOp(prefix, null, null));
    }

    private void Originate(LocalRoute r)
    {
        var b = new PathAttributesBuilder
        {
            Origin = r.Origin,
            AsPath = r.Prepend > 0 ? AsPath.Sequence(Enumerable.Repeat(_settings.LocalAs, r.Prepend).ToArray()) : AsPath.Empty,
            MultiExitDisc = r.Med,
            LocalPref = r.LocalPref,
        };
        b.Communities.AddRange(r.Communities);
        b.LargeCommunities.AddRange(r.LargeCommunities);
        byte[]? nh = null;
        if (r.NextHop is { } a)
        {
            if (r.Prefix.IsIPv6) nh = a.GetAddressBytes();
            else b.SetNextHop(a);
        }
        SendLocal(new RouteOp(r.Prefix, b.Build(), nh));
    }

    private void SendLocal(RouteOp op)
    {
        int i = LocRibPartition.PartitionOf(op.Prefix, _partitions.Length);
        _partitions[i].Tell(PartitionBatch.Rented(_local, op, ++_localSequence), Self);
    }
}
