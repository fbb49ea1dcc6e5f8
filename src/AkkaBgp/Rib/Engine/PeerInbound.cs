using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Rpki;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// The Adj-RIB-In side of one session: applies RFC 7606 outcomes and the import policy to each UPDATE, splits
/// the routes by Loc-RIB partition, and acknowledges UPDATEs to the connection (<see cref="UpdatesProcessed"/>)
/// only once every partition has applied them, so a slow RIB closes the peer's TCP window instead of growing
/// mailboxes. The routes themselves live in the partitions' tables (tagged with this session's slot), so there
/// is no second copy of a full table here; this actor keeps the counters and the max-prefix trackers.
/// </summary>
public sealed class PeerInbound : ReceiveActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Ops per partition batch. A RouteOp is 48 bytes: 1024 keep each list under the 85,000-byte
    /// large-object threshold (2048 put every batch on the LOH and doubled the pipeline's time through gen-2 GCs).</summary>
    private const int BatchLimit = 1024;
    private const int MaxBatchesInFlight = 4;

    private readonly RibPeer _peer;
    /// <summary>The session's negotiated unicast families, asked for by every UPDATE.</summary>
    private readonly bool _ipv4Unicast, _ipv6Unicast;
    private readonly IActorRef[] _partitions;
    private readonly IActorRef _fsm;
    private readonly RouteOp[]?[] _batches;
    private readonly int[] _batchCounts;
    private int _batchedUpdates;
    private bool _flushScheduled;
    private IActorRef? _connection;
    private long _sequence;
    // Sized for the most batches ever in flight, so that it never grows: the warm-up never has that many, and the first
    // full table otherwise compiled the growth while its routes waited (W4, 2026-12-06).
    private readonly Dictionary<long, (int Updates, int Waiting)> _inFlight = new(MaxBatchesInFlight + 1);
    private readonly MaxPrefixTracker? _maxV4, _maxV6;
    private bool _stopped;

    internal long Updates, TreatAsWithdraw, ReceivedPrefixes, FilteredPrefixes, OtcLeaks;
    /// <summary>Per partition, the counts of its last <see cref="BatchDone"/>: paths stored (pre-policy when
    /// KeepFiltered), loop-rejected, kept-filtered, per family.</summary>
    private readonly BatchDone?[] _counts;
    /// <summary>Paths stored per family (pre-policy when KeepFiltered), loop-rejected, and kept-filtered.</summary>
    internal long StoredV4, StoredV6, RejectedV4, RejectedV6, KeptFilteredV4, KeptFilteredV6;
    /// <summary>Prefixes the import filter rejected and that are not stored (no KeepFiltered), so that the
    /// pre-policy count stays exact: a later accepted announcement or a withdrawal takes them out again.
    /// Holds only rejected prefixes, which are few in the usual configurations.</summary>
    private readonly HashSet<NlriEntry> _rejectedUnstored = new();
    private int _rejectedUnstoredV6;
    /// <summary>Post-policy paths (what max-prefix limits).</summary>
    internal long AcceptedV4 => StoredV4 - KeptFilteredV4;
    internal long AcceptedV6 => StoredV6 - KeptFilteredV6;

    /// <summary>The VRPs in use (RFC 6811); null until the RPKI side sent any.</summary>
    private VrpTable? _vrps;
    /// <summary>The import policy matches on validation state: keep what the peer sent, before policy, so that a VRP
    /// change can run the policy again on exactly the routes it affects (RFC 6811 section 4 asks for re-validation
    /// when the VRPs change). Only such peers pay for this copy.</summary>
    private readonly bool _rov;
    /// <remarks>Keyed with the ADD-PATH path identifier (RFC 7911), as every per-route table here: with ADD-PATH a
    /// peer has one route per (prefix, path identifier).</remarks>
    private readonly Dictionary<NlriEntry, PrePolicyRoute> _prePolicy = new();
    /// <summary>Per family, the generation of the last BoRR: a sweep drops the pre-policy routes older than it, as
    /// the partitions drop their stale paths (RFC 7313 4).</summary>
    private readonly Dictionary<AfiSafi, long> _staleBefore = new();
    private long _generation;

    private readonly record struct PrePolicyRoute(PathAttributes Attributes, byte[]? NextHop, RovState State, AspaState? Aspa, long Generation);

    /// <summary>The ASPA procedure for this session (draft-ietf-sidrops-aspa-verification): by the neighbor's role towards
    /// us; null on iBGP and without a role, where paths are not verified.</summary>
    private readonly AspaDirection? _aspaDirection;

    public PeerInbound(RibPeer peer, IActorRef[] partitions, IActorRef fsm, VrpTable? vrps = null)
    {
        _peer = peer;
        _ipv4Unicast = peer.Families.Contains(AfiSafi.Ipv4Unicast);
        _ipv6Unicast = peer.Families.Contains(AfiSafi.Ipv6Unicast);
        _vrps = vrps;
        _rov = peer.Settings.Import?.UsesRpki == true;
        _aspaDirection = peer.IsExternal ? AspaTable.DirectionFor(peer.RemoteRole) : null;
        _partitions = partitions;
        _fsm = fsm;
        _batches = new RouteOp[]?[partitions.Length];
        _batchCounts = new int[partitions.Length];
        _counts = new BatchDone?[partitions.Length];
        if (peer.Settings.MaxPrefix.TryGetValue(AfiSafi.Ipv4Unicast, out var m4)) _maxV4 = new MaxPrefixTracker(m4);
        if (peer.Settings.MaxPrefix.TryGetValue(AfiSafi.Ipv6Unicast, out var m6)) _maxV6 = new MaxPrefixTracker(m6);

        Receive<PeerUpdate>(u => Handle(u.Update, u.Connection));
        Receive<PeerUpdates>(b =>
        {
            foreach (var u in b.Updates) Handle(u.Update, b.Connection);
        });
        Receive<InboundFlush>(_ =>
        {
            _flushScheduled = false;
            // Adaptive batching: with a batch already at the partitions, keep collecting until it is done. Under
            // a full-table load (or ten peers interleaved) batches then grow to the partitions' pace instead of
            // costing a round of messages per UPDATE; a lone UPDATE on an idle RIB still goes at once.
            if (_inFlight.Count < MaxBatchesInFlight) Flush();
        });
        Receive<BatchDone>(Done);
        Receive<InboundStop>(s => Stop(s.GracefulRestart));
        Receive<InboundSweepStale>(s =>
        {
            foreach (var f in s.Families) Sweep(f);
        });
        Receive<PeerRouteRefresh>(r => EnhancedRefresh(r.Message));
        Receive<InboundRefreshDeadline>(d =>
        {
            // RFC 7313 4: no EoRR in time: the routes not re-advertised since BoRR go anyway.
            if (_refreshRounds.TryGetValue(d.Family, out long round) && round == d.Round)
            {
                _refreshRounds.Remove(d.Family);
                Log.Warning("{Peer}: no EoRR for {Family} within {Deadline}: removing the routes it did not re-advertise", _peer.Address, d.Family, _peer.Settings.RefreshStalePathTime);
                Sweep(d.Family);
            }
        });
        Receive<InboundCountersQuery>(q => q.ReplyTo.Tell(Counters(q.QueryId), Self));
        Receive<InboundRevalidate>(Revalidate);
    }

    public static Props Props(RibPeer peer, IActorRef[] partitions, IActorRef fsm, VrpTable? vrps = null) =>
        Akka.Actor.Props.Create(() => new PeerInbound(peer, partitions, fsm, vrps));

    private RovState Validate(Prefix prefix, PathAttributes attrs) =>
        _vrps is { } vrps ? vrps.Validate(prefix, RouteOrigin.Of(attrs.AsPath, _peer.LocalAs)) : RovState.NotFound;

    /// <summary>The ASPA outcome of a path from this neighbor; Unknown while no ASPA is known (every hop unattested).</summary>
    private AspaState? Verify(PathAttributes attrs) =>
        _aspaDirection is { } direction ? (_vrps?.Aspas ?? AspaTable.Empty).Verify(attrs.AsPath, direction) : null;

    private static bool Through(AkkaBgp.Wire.Attributes.AsPath? path, IReadOnlySet<uint> customers)
    {
        if (path is null) return false;
        foreach (var segment in path.Segments)
            foreach (var asn in segment.Asns)
                if (customers.Contains(asn)) return true;
        return false;
    }

    /// <summary>The RPKI data changed: the routes under a changed VRP prefix whose state changed, and the paths through a
    /// customer AS whose ASPA changed whose outcome changed, go through the import policy again, and the result reaches
    /// the partitions like any UPDATE (best path, export, withdrawals).</summary>
    private void Revalidate(InboundRevalidate r)
    {
        _vrps = r.Vrps;
        if (!_rov || _stopped) return;
        bool aspaChanged = _aspaDirection is not null && r.AspaCustomers.Count > 0;
        List<(NlriEntry, PrePolicyRoute)>? changed = null;
        foreach (var (prefix, route) in _prePolicy)
        {
            var state = r.Cover is { } cover && !cover.Covers(prefix.Prefix) ? route.State : Validate(prefix.Prefix, route.Attributes);
            var aspa = aspaChanged && Through(route.Attributes.AsPath, r.AspaCustomers) ? Verify(route.Attributes) : route.Aspa;
            if (state != route.State || aspa != route.Aspa) (changed ??= new()).Add((prefix, route with { State = state, Aspa = aspa }));
        }
        if (changed is null) return;
        foreach (var (prefix, route) in changed)
        {
            _prePolicy[prefix] = route;
            Import(prefix, route.Attributes, route.NextHop, route.State, route.Aspa, IsOtcLeak(route.Attributes));
        }
        Log.Info("{Peer}: {Count} route(s) changed RPKI validation state or ASPA outcome; import policy applied again", _peer.Address, changed.Count);
        Flush();
    }

    private readonly Dictionary<AfiSafi, long> _refreshRounds = new();
    private long _refreshRound;

    /// <summary>RFC 7313 4: BoRR marks what the peer sent for the family stale; EoRR (or the deadline) removes the
    /// routes still stale, i.e. the ones the peer did not re-advertise in between.</summary>
    private void EnhancedRefresh(RouteRefreshMessage m)
    {
        if (_stopped || !_peer.Families.Contains(m.Family)) return;
        if (m.Subtype == RouteRefreshSubtype.BeginningOfRouteRefresh)
        {
            Flush(); // what came before BoRR is marked too, so it must be at the partitions first
            foreach (var p in _partitions) p.Tell(new PartitionMarkStale(_peer.Slot, m.Family), Self);
            _staleBefore[m.Family] = ++_generation;
            long round = ++_refreshRound;
            _refreshRounds[m.Family] = round;
            Timers.StartSingleTimer($"eorr-{m.Family}", new InboundRefreshDeadline(m.Family, round), _peer.Settings.RefreshStalePathTime);
        }
        else if (m.Subtype == RouteRefreshSubtype.EndOfRouteRefresh)
        {
            // An EoRR without BoRR is ignored (RFC 7313 4: nothing was marked).
            if (!_refreshRounds.Remove(m.Family)) return;
            Timers.Cancel($"eorr-{m.Family}");
            Sweep(m.Family);
        }
    }

    /// <summary>Sweeps the family's stale paths at every partition, after the batches already collected.</summary>
    private void Sweep(AfiSafi family)
    {
        if (_stopped) return;
        if (_rov && _staleBefore.Remove(family, out long before))
        {
            bool v6 = family == AfiSafi.Ipv6Unicast;
            foreach (var (prefix, route) in _prePolicy)
                if (prefix.Prefix.IsIPv6 == v6 && route.Generation < before) _prePolicy.Remove(prefix);
        }
        Flush();
        foreach (var p in _partitions) p.Tell(new PartitionSweepStale(_peer.Slot, family), Self);
    }

    private void Handle(UpdateMessage update, IActorRef connection)
    {
        _connection = connection;
        if (_stopped) return;
        Updates++;
        if (update.TryGetEndOfRib(out ushort eorAfi, out byte eorSafi))
        {
            // RFC 4724 4.2: End-of-RIB from a restarted peer removes its routes of that family still stale.
            // (A sweep with nothing stale costs a counter check per partition.)
            _batchedUpdates++;
            var family = new AfiSafi(eorAfi, eorSafi);
            if (_peer.Families.Contains(family)) Sweep(family);
            else Flush();
            return;
        }
        bool v4 = _ipv4Unicast, v6 = _ipv6Unicast;

        // With ADD-PATH (RFC 7911 section 3) every entry carries the path identifier it withdraws or announces.
        foreach (var w in update.Withdrawn) Withdraw(w);
        if (update.MpUnreach is { IsDecoded: true, Safi: Safi.Unicast } unreach)
            foreach (var w in unreach.Withdrawn) Withdraw(w);

        // RFC 7606 2: treat-as-withdraw turns every announcement of the UPDATE into a withdrawal.
        bool withdraw = update.IsTreatAsWithdraw;
        if (withdraw) TreatAsWithdraw++;
        var attrs = withdraw ? null : ImportAttributes(update.Attributes);
        if (v4 || withdraw)
            foreach (var n in update.Nlri) Announce(n, attrs, null);
        if (update.MpReach is { IsDecoded: true, Safi: Safi.Unicast } reach && ((reach.Afi == Afi.Ipv6 ? v6 : v4) || withdraw))
        {
            var nh = _nextHop.Of(reach.NextHop.Span);
            foreach (var n in reach.Nlri) Announce(n, attrs, nh);
        }
        _batchedUpdates++;
        if (!_flushScheduled)
        {
            // Our own mailbox is FIFO: the flush runs after the UPDATEs already queued, so a burst is
            // batched per partition without a timer and a lone UPDATE is not delayed.
            _flushScheduled = true;
            Self.Tell(InboundFlush.Instance, Self);
        }
    }

    /// <summary>The MP_REACH next hop as the routes carry it to the partitions: one array while the peer keeps
    /// sending the same one, not a copy per UPDATE.</summary>
    private SharedCopy _nextHop;

    /// <summary>RFC 4271 5.1.5: LOCAL_PREF from an external peer is ignored (dropped here, so that a LOCAL_PREF
    /// in the table of an eBGP route always comes from our import policy).</summary>
    private PathAttributes ImportAttributes(PathAttributes a)
    {
        bool dropLocalPref = _peer.IsExternal && a.LocalPref is not null;
        // RFC 9234 section 5, ingress rule 3: a route from a provider, a peer or a route server that has no OTC gets
        // OTC = the neighbor's AS, so that it is known everywhere after us that it must only go down to customers.
        bool addOtc = _peer.IsExternal && _peer.RemoteRole is BgpRole.Provider or BgpRole.Peer or BgpRole.RouteServer
            && a.OnlyToCustomer is null;
        if (!dropLocalPref && !addOtc) return a;
        var b = a.ToBuilder();
        if (dropLocalPref) b.LocalPref = null;
        if (addOtc) b.OnlyToCustomer = _peer.PeerAs;
        return b.Build();
    }

    /// <summary>
    /// RFC 9234 section 5, ingress rules 1 and 2: OTC on a route from a customer or an RS-client, or an OTC naming
    /// another AS than the peer's on a route from a peer, means the route has already been sent up or sideways once:
    /// it is a leak, and "MUST be considered ineligible" (kept, never selected). iBGP sessions carry OTC unchanged.
    /// </summary>
    private bool IsOtcLeak(PathAttributes a)
    {
        // Checked per prefix: the attribute is looked up only on sessions with a role.
        if (!_peer.IsExternal || _peer.RemoteRole is null || a.OnlyToCustomer is not { } otc) return false;
        return _peer.RemoteRole switch
        {
            BgpRole.Customer or BgpRole.RouteServerClient => true,
            BgpRole.Peer => otc != _peer.PeerAs,
            _ => false,
        };
    }

    private PathAttributes? _lastIn, _lastOut;
    private FilterTerm? _lastTerm;

    private void Withdraw(NlriEntry prefix)
    {
        if (_rov) _prePolicy.Remove(prefix);
        if (_rejectedUnstored.Count > 0) Unreject(prefix);
        Add(prefix, null, null);
    }

    private void Unreject(NlriEntry prefix)
    {
        if (_rejectedUnstored.Remove(prefix) && prefix.Prefix.IsIPv6) _rejectedUnstoredV6--;
    }

    private void Announce(NlriEntry prefix, PathAttributes? attrs, byte[]? nh)
    {
        if (attrs is null)
        {
            Withdraw(prefix);
            return;
        }
        ReceivedPrefixes++;
        bool leak = IsOtcLeak(attrs);
        if (leak) OtcLeaks++;
        var rov = RovState.NotFound;
        AspaState? aspa = null;
        if (_rov)
        {
            rov = Validate(prefix.Prefix, attrs);
            aspa = Verify(attrs);
            _prePolicy[prefix] = new PrePolicyRoute(attrs, nh, rov, aspa, _generation);
        }
        Import(prefix, attrs, nh, rov, aspa, leak);
    }

    /// <summary>The import policy on one route (with its validation state when the policy asks for it).</summary>
    /// <param name="leak">The route is an RFC 9234 leak (<see cref="IsOtcLeak"/>, decided once by the caller).</param>
    private void Import(NlriEntry prefix, PathAttributes attrs, byte[]? nh, RovState rov, AspaState? aspa, bool leak)
    {
        if (_peer.Settings.Import is { } filter)
        {
            var r = filter.Evaluate(prefix.Prefix, attrs, rov, aspa);
            if (!r.Accepted)
            {
                // A rejected route must also remove what this peer sent before for the prefix (or replace it
                // with the flagged rejected route when keeping filtered routes).
                FilteredPrefixes++;
                if (_peer.Settings.KeepFiltered) Add(prefix, attrs, nh, filtered: true);
                else
                {
                    if (_rejectedUnstored.Add(prefix) && prefix.Prefix.IsIPv6) _rejectedUnstoredV6++;
                    Add(prefix, null, null);
                }
                return;
            }
            if (_rejectedUnstored.Count > 0) Unreject(prefix);
            if (r.Term is { ModifiesAttributes: true } term)
            {
                // The prefixes of one UPDATE usually hit the same term: build the modified set once.
                if (!ReferenceEquals(_lastIn, attrs) || !ReferenceEquals(_lastTerm, term))
                {
                    _lastIn = attrs;
                    _lastTerm = term;
                    _lastOut = term.Apply(attrs);
                }
                attrs = _lastOut!;
            }
        }
        Add(prefix, attrs, nh, otcLeak: leak);
    }

    private void Add(NlriEntry prefix, PathAttributes? attrs, byte[]? nh, bool filtered = false, bool otcLeak = false)
    {
        int i = LocRibPartition.PartitionOf(prefix.Prefix, _partitions.Length);
        var batch = _batches[i] ??= PartitionBatch.Pool.Rent(BatchLimit);
        batch[_batchCounts[i]++] = new RouteOp(prefix.Prefix, attrs, nh, filtered, otcLeak, prefix.PathId);
        if (_batchCounts[i] >= BatchLimit) Flush();
    }

    private void Flush()
    {
        if (_batchedUpdates == 0 && _batchCounts.All(n => n == 0)) return;
        long seq = ++_sequence;
        int waiting = 0;
        for (int i = 0; i < _batches.Length; i++)
        {
            if (_batches[i] is not { } ops || _batchCounts[i] == 0) continue;
            _partitions[i].Tell(new PartitionBatch(_peer, ops, _batchCounts[i], seq), Self);
            _batches[i] = null;
            _batchCounts[i] = 0;
            waiting++;
        }
        if (waiting == 0) Ack(_batchedUpdates);
        else _inFlight[seq] = (_batchedUpdates, waiting);
        _batchedUpdates = 0;
    }

    private void Done(BatchDone d)
    {
        if (d.Partition >= 0 && d.Partition < _counts.Length)
        {
            _counts[d.Partition] = d;
            StoredV4 = StoredV6 = KeptFilteredV4 = KeptFilteredV6 = RejectedV4 = RejectedV6 = 0;
            foreach (var c in _counts)
            {
                if (c is null) continue;
                StoredV4 += c.PathsV4;
                StoredV6 += c.PathsV6;
                KeptFilteredV4 += c.FilteredV4;
                KeptFilteredV6 += c.FilteredV6;
                RejectedV4 += c.IneligibleV4;
                RejectedV6 += c.IneligibleV6;
            }
        }
        if (_inFlight.TryGetValue(d.Sequence, out var f))
        {
            if (--f.Waiting == 0)
            {
                _inFlight.Remove(d.Sequence);
                Ack(f.Updates);
                if (!_stopped && _inFlight.Count < MaxBatchesInFlight) Flush();
            }
            else _inFlight[d.Sequence] = f;
        }
        CheckMaxPrefix(_maxV4, AfiSafi.Ipv4Unicast, AcceptedV4);
        CheckMaxPrefix(_maxV6, AfiSafi.Ipv6Unicast, AcceptedV6);
    }

    private void Ack(int updates)
    {
        if (updates > 0 && _connection is not null && !_stopped) _connection.Tell(new UpdatesProcessed(updates), Self);
    }

    private void CheckMaxPrefix(MaxPrefixTracker? tracker, AfiSafi family, long count)
    {
        if (tracker is null || _stopped) return;
        switch (tracker.Check((int)Math.Min(count, int.MaxValue)))
        {
            case MaxPrefixEvent.Warning:
                Log.Warning("{Peer}: {Count} {Family} prefixes, max-prefix warning threshold of limit {Limit}", _peer.Address, count, family, tracker.Settings.Limit);
                Context.System.EventStream.Publish(new MaxPrefixWarning(_peer.Address, family, (int)count, tracker.Settings.Limit));
                break;
            case MaxPrefixEvent.Exceeded:
                Log.Warning("{Peer}: {Count} {Family} prefixes exceed max-prefix {Limit}: closing with Cease/1", _peer.Address, count, family, tracker.Settings.Limit);
                var e = new MaxPrefixExceeded(_peer.Address, family, (int)count, tracker.Settings.Limit, tracker.Settings.RestartInterval,
                    MaxPrefixTracker.Notification(family, tracker.Settings.Limit));
                Context.System.EventStream.Publish(e);
                // RFC 4486 section 4: the FSM closes the session with Cease/1 (its Event 8), putting AFI, SAFI and the
                // upper bound from this message in the NOTIFICATION, and holds it down for RestartAfter.
                _fsm.Tell(e, Self);
                break;
        }
    }

    /// <summary>Session down: discard unsent batches and tell every partition to drop this peer's paths. Sent
    /// from here, after every batch this actor already sent, so no stale batch can follow the purge.</summary>
    private void Stop(IReadOnlyCollection<AfiSafi>? gracefulRestart)
    {
        _stopped = true;
        for (int i = 0; i < _batches.Length; i++)
        {
            if (_batches[i] is not { } unsent) continue;
            PartitionBatch.Return(unsent, _batchCounts[i]);
            _batches[i] = null;
            _batchCounts[i] = 0;
        }
        // Graceful restart: the RIB actor tells the partitions itself (see RibActor.Down).
        if (gracefulRestart is null)
            foreach (var p in _partitions) p.Tell(new PartitionPeerDown(_peer.Slot), Context.Parent);
        Context.Stop(Self);
    }

    private NeighborRibSummary Counters(long _) => new NeighborRibSummary(_peer.Address, _peer.PeerAs, Updates, TreatAsWithdraw, ReceivedPrefixes, FilteredPrefixes,
        new Dictionary<string, long> { ["ipv4-unicast"] = AcceptedV4, ["ipv6-unicast"] = AcceptedV6 },
        new Dictionary<string, long> { ["ipv4-unicast"] = RejectedV4, ["ipv6-unicast"] = RejectedV6 },
        _peer.Settings.KeepFiltered ? new Dictionary<string, long> { ["ipv4-unicast"] = StoredV4, ["ipv6-unicast"] = StoredV6 } : null,
        // Received: everything stored (filtered ones too when kept) plus the rejected prefixes not stored.
        // Accepted: usable after import policy and loop detection. Advertised is filled in by the RIB query
        // from the Adj-RIB-Out actor.
        new Dictionary<string, PrefixCounters>
        {
            ["ipv4-unicast"] = new(StoredV4 + (_rejectedUnstored.Count - _rejectedUnstoredV6), AcceptedV4 - RejectedV4, 0),
            ["ipv6-unicast"] = new(StoredV6 + _rejectedUnstoredV6, AcceptedV6 - RejectedV6, 0),
        }) { OtcLeaks = OtcLeaks };
}
