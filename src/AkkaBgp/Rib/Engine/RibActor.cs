using System.Net;
using AkkaBgp.Actors;
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
public sealed class RibActor : ReceiveActor
{
    private readonly RibSettings _settings;
    private readonly Func<IPAddress, NeighborRibConfig?> _neighbors;
    private readonly IActorRef[] _partitions;
    private readonly RibPeer _local;
    private readonly Dictionary<IPAddress, Session> _sessions = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly Dictionary<int, int> _purging = new();
    private int _nextSlot = RibPeer.LocalSlot + 1;
    private long _sessionCounter, _queryCounter, _localSequence;

    private sealed record Session(RibPeer Peer, IActorRef Inbound, IActorRef Outbound, IActorRef Connection, NegotiatedSession Negotiated);

    private RibActor(RibSettings settings, Func<IPAddress, NeighborRibConfig?> neighbors, IEnumerable<LocalRoute> localRoutes)
    {
        _settings = settings;
        _neighbors = neighbors;
        _local = RibPeer.Local(settings.LocalAs, settings.RouterId);
        _partitions = Enumerable.Range(0, Math.Max(1, settings.Partitions))
            .Select(i => Context.ActorOf(LocRibPartition.Props(i, settings, _local), $"loc-rib-{i}")).ToArray();
        foreach (var r in localRoutes) Originate(r);

        Receive<PeerUp>(Up);
        Receive<PeerDown>(d => Down(d.Peer, d.Reason));
        Receive<PeerUpdate>(u =>
        {
            if (_sessions.TryGetValue(u.Peer, out var s)) s.Inbound.Forward(u);
            else u.Connection.Tell(new UpdatesProcessed(1), Self); // not (or no longer) Established: nothing to apply
        });
        Receive<PeerRouteRefresh>(Refresh);
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
        Receive<BatchDone>(_ => { }); // acknowledgements of local-route batches
        Receive<AnnounceLocalRoute>(a =>
        {
            Originate(a.Route);
            Sender.Tell(new LocalRouteAck(a.Route.Prefix, true), Self);
        });
        Receive<WithdrawLocalRoute>(w =>
        {
            SendLocal(new RouteOp(w.Prefix, null, null));
            Sender.Tell(new LocalRouteAck(w.Prefix, false), Self);
        });
        Receive<GetRibSummary>(_ =>
        {
            var inbound = _sessions.Values.Select(s => s.Inbound).ToArray();
            var outbound = _sessions.Values.Select(s => s.Outbound).ToArray();
            Context.ActorOf(RibQuery.SummaryProps(Sender, _partitions, inbound, outbound, _sessions.Count), $"query-{++_queryCounter}");
        });
        Receive<LookupRoutes>(q =>
        {
            var targets = q.LongerPrefixes ? _partitions : [_partitions[LocRibPartition.PartitionOf(q.Prefix, _partitions.Length)]];
            Context.ActorOf(RibQuery.LookupProps(Sender, targets, q), $"query-{++_queryCounter}");
        });
    }

    /// <param name="neighbors">Per-neighbor RIB configuration by peer address; null gives the defaults.</param>
    public static Props Props(RibSettings settings, Func<IPAddress, NeighborRibConfig?>? neighbors = null, IEnumerable<LocalRoute>? localRoutes = null) =>
        Actors.Props.Create(() => new RibActor(settings, neighbors ?? (_ => null), localRoutes ?? []));

    /// <summary>Convenience for SpeakerSettings.RibProps: RIB settings from the neighbors' configuration.</summary>
    public static Props Props(RibSettings settings, IReadOnlyDictionary<IPAddress, NeighborRibConfig> neighbors, IEnumerable<LocalRoute>? localRoutes = null) =>
        Props(settings, a => neighbors.GetValueOrDefault(a), localRoutes);

    private void Up(PeerUp up)
    {
        if (_sessions.ContainsKey(up.Peer)) Down(up.Peer, "replaced by a new session");
        var cfg = _neighbors(up.Peer) ?? NeighborRibConfig.Default;
        var n = up.Session;
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot > ushort.MaxValue) throw new InvalidOperationException("more than 65535 concurrent sessions in the RIB");
        var peer = new RibPeer
        {
            Slot = slot,
            Address = up.Peer,
            PeerAs = n.PeerAs,
            LocalAs = _settings.LocalAs,
            RouterId = n.PeerIdentifier,
            LocalAddress = cfg.LocalAddress,
            LocalIPv6NextHop = cfg.LocalIPv6NextHop,
            FourOctetAs = n.FourOctetAs,
            MaxMessageSize = n.ExtendedMessages ? 65535 : 4096,
            EnhancedRouteRefresh = n.EnhancedRouteRefresh,
            Families = n.Families,
            Settings = cfg.Rib,
        };
        long id = ++_sessionCounter;
        var outbound = Context.ActorOf(PeerOutbound.Props(peer, up.Connection, _partitions), $"out-{slot}-{id}");
        // Partitions learn the session before any of its routes: PeerUp from here is queued ahead of any batch
        // the inbound actor can send, as that actor only gets UPDATEs after this.
        foreach (var p in _partitions) p.Tell(new PartitionPeerUp(peer, outbound), Self);
        var inbound = Context.ActorOf(PeerInbound.Props(peer, _partitions, Sender), $"in-{slot}-{id}");
        _sessions[up.Peer] = new Session(peer, inbound, outbound, up.Connection, n);
        Log.Information("{Peer}: RIB session up (slot {Slot}, families {Families})", up.Peer, slot, string.Join(", ", n.Families));
    }

    private void Down(IPAddress address, string reason)
    {
        if (!_sessions.Remove(address, out var s)) return;
        Log.Information("{Peer}: RIB session down ({Reason}): withdrawing its routes", address, reason);
        _purging[s.Peer.Slot] = _partitions.Length;
        s.Inbound.Tell(new InboundStop(), Self);
        Context.Stop(s.Outbound);
    }

    private void Refresh(PeerRouteRefresh r)
    {
        if (!_sessions.TryGetValue(r.Peer, out var s)) return;
        var m = r.Message;
        // BoRR/EoRR from the peer frame its own re-advertisement (RFC 7313 4); stale-route sweeping is not
        // implemented, so they need no action here.
        if (m.Subtype != RouteRefreshSubtype.Normal) return;
        var family = m.Family;
        if (family != AfiSafi.Ipv4Unicast && family != AfiSafi.Ipv6Unicast) return;
        if (!s.Peer.Families.Contains(family)) return;
        s.Outbound.Tell(new OutboundRefresh(family, 0), Self);
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
        _partitions[i].Tell(new PartitionBatch(_local, [op], ++_localSequence), Self);
    }
}
