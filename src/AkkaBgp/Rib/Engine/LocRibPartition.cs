using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Advertise;
using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// One slice of the Loc-RIB: every prefix whose hash falls to this partition, with all its paths (the
/// post-policy Adj-RIBs-In), the best path, and the per-neighbor export of best-path changes. Prefixes never
/// move between partitions and the decision process only looks at one prefix, so the observable result is the
/// same for any number of partitions; the split only lets several cores work on a full-table load.
/// </summary>
public sealed class LocRibPartition : ReceiveActor
{
    /// <summary>Changes per message to an Adj-RIB-Out actor: 2048 x 40 bytes stays under the large-object threshold.</summary>
    private const int OutboundChunk = 2048;

    private readonly int _index;
    private readonly RibLoad _load;
    private readonly RibSettings _settings;
    private readonly AttributeInterner _interner;
    private readonly PrefixTable _v4, _v6;
    private RibPeer?[] _peers = new RibPeer?[64];
    private readonly Dictionary<int, OutTarget> _outbound = new();
    /// <summary>Best-path changes of the current turn, published as one <see cref="BestPathChanges"/>. Capped so the
    /// list (56-byte entries) stays under the large-object threshold.</summary>
    private const int EventChunk = 1024;
    private List<PendingBestPath> _events = new();
    /// <summary>Someone subscribed to best-path changes (through the RIB actor); otherwise nothing is recorded.</summary>
    private bool _publish;

    /// <summary>One neighbor we export to: changes not yet sent to its Adj-RIB-Out actor, and how they change the
    /// number of prefixes it has from us (counted here, where the previous export is known for free).</summary>
    private sealed class OutTarget(RibPeer peer, IActorRef outbound)
    {
        public readonly RibPeer Peer = peer;
        public readonly IActorRef Outbound = outbound;
        public readonly List<(NlriEntry, OutRoute?)> Pending = new();
        public int DeltaV4, DeltaV6;
        /// <summary>
        /// The Adj-RIB-Out of a neighbor we send several paths per prefix (ADD-PATH, RFC 7911): what it has from us,
        /// by prefix, with our path identifiers. Kept only for such neighbors: with one path per prefix what the
        /// neighbor has follows from the previous best path, but which of several paths it has does not.
        /// </summary>
        public readonly Dictionary<Prefix, SentPath[]>? Sent = peer.AddPathSend.IsEmpty ? null : new();

        public bool SendsPaths(AfiSafi family) => Sent is not null && Peer.AddPathSend.Contains(family);
    }

    /// <summary>One path sent to an ADD-PATH neighbor under our path identifier <paramref name="Id"/>.</summary>
    private readonly record struct SentPath(uint Id, OutRoute Route);

    /// <summary>Neighbors with ADD-PATH send: every change to a prefix is then looked at, not only best-path changes.</summary>
    private int _multiPathTargets;

    public LocRibPartition(int index, RibSettings settings, RibPeer local)
    {
        _index = index;
        _load = RibLoad.Get(Context.System);
        _settings = settings;
        _interner = new AttributeInterner(settings.LocalAs, settings.RouterId, settings.EffectiveClusterId);
        Func<int, RibPeer?> peerOf = s => (uint)s < (uint)_peers.Length ? _peers[s] : null;
        _v4 = new PrefixTable(false, _interner, settings.Decision, peerOf);
        _v6 = new PrefixTable(true, _interner, settings.Decision, peerOf);
        _peers[RibPeer.LocalSlot] = local;

        Receive<PartitionBatch>(Apply);
        Receive<PartitionPeerUp>(PeerUp);
        // PartitionPeerDown, PartitionPeerRestarting and PartitionSweepStale: see AroundReceive.
        Receive<PartitionPublishEvents>(e => _publish = e.On);
        Receive<PartitionMarkStale>(m =>
        {
            if (m.Family == AfiSafi.Ipv4Unicast) _v4.MarkStale(m.Slot);
            else if (m.Family == AfiSafi.Ipv6Unicast) _v6.MarkStale(m.Slot);
            Sender.Tell(CountsOf(m.Slot, -1), Self);
        });
        Receive<PartitionDump>(d =>
        {
            if (_outbound.TryGetValue(d.Peer.Slot, out var o) && ReferenceEquals(o.Peer, d.Peer))
                Dump(o.Peer, o.Outbound, d.Family == AfiSafi.Ipv6Unicast ? _v6 : _v4, d.Round);
            else Sender.Tell(new DumpDone(d.Round), Self); // nothing exported to it: an empty refresh
        });
        Receive<PartitionSummaryQuery>(q =>
        {
            var (rov, aspa) = ValidationStates();
            q.ReplyTo.Tell(new PartitionSummary(q.QueryId, _v4.PrefixCount, _v4.PathCount, _v4.BestCount,
                _v6.PrefixCount, _v6.PathCount, _v6.BestCount, _interner.Count, rov) { AspaStates = aspa }, Self);
        });
        Receive<PartitionLookup>(Lookup);
        Receive<PartitionVrps>(v => _vrps = v.Vrps);
        // Test-only (internal type): fail as a bug would, for the supervision tests.
        Receive<Diagnostics.InjectedFault>(f => throw f.Raise());
    }

    /// <summary>Who sent the batch being applied, so that a failure while applying it still answers (see PreRestart).</summary>
    private IActorRef? _applyingFor;

    /// <summary>
    /// A failure restarts this partition empty (the default supervision of its parent, the RIB actor). The batch it
    /// failed on is answered here, by the failing instance, as applied to nothing: otherwise its sender would wait for
    /// that answer forever, hold back the acknowledgement of those UPDATEs and so, after enough of them, stop reading
    /// the peer's connection. The routes in it come back with the rebuild (see <see cref="RibActor"/>).
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (message is PartitionBatch b && _applyingFor is { } sender) sender.Tell(BatchDone.Nothing(b.Sequence), Self);
        // Sessions whose purge had not finished: the new instance holds none of their paths.
        foreach (var e in _ended) Answer(e);
        _ended.Clear();
        base.PreRestart(reason, message);
    }

    /// <summary>The new, empty instance tells the RIB actor, which gives it back the sessions and local routes and
    /// has the neighbors send their routes again.</summary>
    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Context.Parent.Tell(new PartitionRestarted(_index), Self);
    }

    /// <summary>
    /// Paths by family and RFC 6811 validation state, and the verified ones by ASPA outcome, counted on demand in one
    /// scan of the partition's paths (about 0.3 µs a path for the VRP lookup in bench/AkkaBgp.Rpki.Benchmarks). Kept
    /// out of the route path so that a full-table load with RPKI costs nothing extra; a scrape of a full table costs
    /// a fraction of a second per partition. Both null while no RPKI data is in use.
    /// </summary>
    private (Dictionary<(string, string), long>? Rov, Dictionary<(string, string), long>? Aspa) ValidationStates()
    {
        if (_vrps is not { } vrps) return (null, null);
        var rov = new Dictionary<(string, string), long>();
        var aspa = new Dictionary<(string, string), long>();
        foreach (var (family, table) in new[] { ("ipv4-unicast", _v4), ("ipv6-unicast", _v6) })
        {
            var byRov = new long[3];
            var byAspa = new long[3];
            foreach (var prefix in table.AllPrefixes())
                foreach (var path in table.Paths(prefix))
                {
                    if (path.Filtered) continue;
                    byRov[(int)vrps.Validate(prefix, AkkaBgp.Rpki.RouteOrigin.Of(path.Route.Attributes.AsPath, _settings.LocalAs))]++;
                    if (AspaOf(path.Peer, path.Route) is { } outcome) byAspa[(int)outcome]++;
                }
            rov[(family, "valid")] = byRov[(int)AkkaBgp.Rpki.RovState.Valid];
            rov[(family, "invalid")] = byRov[(int)AkkaBgp.Rpki.RovState.Invalid];
            rov[(family, "not-found")] = byRov[(int)AkkaBgp.Rpki.RovState.NotFound];
            aspa[(family, "valid")] = byAspa[(int)AkkaBgp.Rpki.AspaState.Valid];
            aspa[(family, "invalid")] = byAspa[(int)AkkaBgp.Rpki.AspaState.Invalid];
            aspa[(family, "unknown")] = byAspa[(int)AkkaBgp.Rpki.AspaState.Unknown];
        }
        return (rov, aspa);
    }

    /// <summary>The VRPs in use, for the state shown with each path; null until an RPKI cache gave any.</summary>
    private AkkaBgp.Rpki.VrpTable? _vrps;

    /// <param name="local">The RIB's local-origination pseudo-peer; batches of local routes must carry this instance.</param>
    public static Props Props(int index, RibSettings settings, RibPeer local) => Akka.Actor.Props.Create(() => new LocRibPartition(index, settings, local));

    /// <summary>Which partition owns a prefix: a fixed function of the address block that covers it, the /12 for IPv4
    /// and the /20 for IPv6 (a shorter prefix falls in the block of its first address). Peers put neighbouring
    /// prefixes with the same path into one UPDATE; hashing each prefix on its own spread those over every partition,
    /// and each partition then interned its own copy of the attribute set. Keeping a block in one partition keeps it
    /// interned once. The block was the /16 first; with 100,000 prefixes a /16 holds about two, so most UPDATEs still
    /// crossed blocks: in the shared bench's W2 (10 x 100k) 21 % of the sets were interned twice, in W1 (1 x 1M)
    /// 16 % (bench/RESULTS.md, issue 11). IPv4 has ~3,500 /12s in use and IPv6 hundreds of /20s, enough for the
    /// partitions to stay balanced at any partition count a machine offers.</summary>
    public static int PartitionOf(Prefix p, int partitions)
    {
        if (partitions == 1) return 0;
        ulong block = p.IsIPv6 ? (ulong)(p.IPv6Bits >> 108) : p.IPv4Bits >> 20;
        ulong h = (block + 1) * 0x9E3779B97F4A7C15UL;
        return (int)((h >> 32) % (uint)partitions);
    }

    /// <summary>How many operations ahead of the one being applied the prefix index is asked to load its slot
    /// (<see cref="PrefixTable.Prefetch"/>): an operation takes longer than a memory access, so a few are enough to
    /// hide it. perf over a W4 load (200k IPv6 prefixes): the index's FindOrAdd 11.0 -> 5.0 ms, this loop 0.6 -> 2.8 ms
    /// (bench/RESULTS.md, 2026-12-06 eighth session).</summary>
    private const int PrefetchDistance = 4;

    private void Apply(PartitionBatch b)
    {
        try
        {
            _applyingFor = Sender;
            var from = b.From;
            if ((uint)from.Slot >= (uint)_peers.Length || !ReferenceEquals(_peers[from.Slot], from))
            {
                // The session went down (and may be up again as another session) after this batch was sent.
                Sender.Tell(BatchDone.Nothing(b.Sequence), Self);
                return;
            }
            _load.Applied(_index, b.Count);
            PathAttributes? lastAttrs = null;
            byte[]? lastNh = null;
            bool lastLeak = false;
            RouteAttributes? route = null;
            var ops = b.Ops.AsSpan(0, b.Count);
            for (int i = 0; i < ops.Length; i++)
            {
                if (i + PrefetchDistance < ops.Length)
                {
                    var ahead = ops[i + PrefetchDistance].Prefix;
                    (ahead.IsIPv6 ? _v6 : _v4).Prefetch(ahead);
                }
                ref readonly var op = ref ops[i];
                var table = op.Prefix.IsIPv6 ? _v6 : _v4;
                BestChange change;
                if (op.Attributes is null)
                {
                    change = table.Withdraw(op.Prefix, from.Slot, op.PathId);
                }
                else
                {
                    // Consecutive prefixes of one UPDATE share one attribute set: intern it once.
                    if (!ReferenceEquals(op.Attributes, lastAttrs) || !ReferenceEquals(op.MpNextHop, lastNh) || op.OtcLeak != lastLeak)
                    {
                        if (route is not null) _interner.Release(route);
                        route = _interner.Acquire(op.Attributes, op.MpNextHop, op.OtcLeak);
                        lastAttrs = op.Attributes;
                        lastNh = op.MpNextHop;
                        lastLeak = op.OtcLeak;
                    }
                    change = table.Announce(op.Prefix, from, route!, op.Filtered, op.PathId);
                }
                if (change.Changed || _multiPathTargets > 0) Advertise(op.Prefix, change);
                if (change.Changed)
                    Record(op.Prefix, change, from, from.IsLocal ? BestPathChangeReason.LocalRoute
                        : op.Attributes is null ? BestPathChangeReason.Withdraw : BestPathChangeReason.Update);
            }
            if (route is not null) _interner.Release(route);
            FlushOutbound();
            PublishEvents();
            Sender.Tell(CountsOf(from.Slot, b.Sequence), Self);
        }
        finally
        {
            b.Return();
        }
    }

    private BatchDone CountsOf(int slot, long sequence) => new(sequence, _index, _v4.PathsFrom(slot), _v6.PathsFrom(slot),
        _v4.IneligibleFrom(slot), _v6.IneligibleFrom(slot), _v4.FilteredFrom(slot), _v6.FilteredFrom(slot));

    /// <summary>RFC 4271 9.2: a best-path change is advertised to every neighbor whose view changes: a new
    /// export replaces the old one (implicit withdraw), or a withdrawal when the route can no longer go there.
    /// Neighbors that take several paths (ADD-PATH) are given the prefix's new set of paths, whether or not the best
    /// one changed.</summary>
    private void Advertise(Prefix prefix, in BestChange c)
    {
        if (_outbound.Count == 0) return;
        bool v6 = prefix.IsIPv6;
        var family = v6 ? AfiSafi.Ipv6Unicast : AfiSafi.Ipv4Unicast;
        foreach (var (_, o) in _outbound)
        {
            if (!o.Peer.Families.Contains(family)) continue;
            if (o.SendsPaths(family))
            {
                AdvertisePaths(prefix, v6 ? _v6 : _v4, o, o, resend: false);
                if (o.Pending.Count >= OutboundChunk) Send(o);
                continue;
            }
            if (!c.Changed) continue;
            var before = c.OldRoute is null ? null : ExportFor(prefix, c.OldRoute, c.OldPeer!, o.Peer, v6);
            var after = c.NewRoute is null ? null : ExportFor(prefix, c.NewRoute, c.NewPeer!, o.Peer, v6);
            if (after is not null)
            {
                if (!ReferenceEquals(before, after)) o.Pending.Add((new NlriEntry(prefix), after));
                if (before is null) { if (v6) o.DeltaV6++; else o.DeltaV4++; }
            }
            else if (before is not null)
            {
                o.Pending.Add((new NlriEntry(prefix), null));
                if (v6) o.DeltaV6--; else o.DeltaV4--;
            }
            if (o.Pending.Count >= OutboundChunk) Send(o);
        }
    }

    private readonly List<SentPath> _exports = new();

    /// <summary>
    /// RFC 7911 section 3 towards a neighbor that takes several paths: the prefix's paths that may go there, the best
    /// first, up to the neighbor's number, each under our path identifier (see <see cref="RankedPath"/>). Compared
    /// with what the neighbor has (<see cref="OutTarget.Sent"/> of <paramref name="live"/>), a path no longer in the set
    /// is withdrawn by its identifier and a new or changed one announced; with <paramref name="resend"/> (route
    /// refresh) all are announced again. The changes go to <paramref name="into"/>.
    /// </summary>
    private void AdvertisePaths(Prefix prefix, PrefixTable table, OutTarget live, OutTarget into, bool resend)
    {
        var to = live.Peer;
        bool v6 = prefix.IsIPv6;
        _exports.Clear();
        table.RankedPaths(prefix, to.AddPathSendMax, r =>
        {
            if (ExportFor(prefix, r.Route, r.Peer, to, v6) is not { } sent) return false;
            _exports.Add(new SentPath(r.Id, sent));
            return true;
        });
        live.Sent!.TryGetValue(prefix, out var before);
        before ??= [];
        foreach (var b in before)
            if (!_exports.Exists(x => x.Id == b.Id)) into.Pending.Add((new NlriEntry(prefix, b.Id), null));
        foreach (var x in _exports)
        {
            int i = Array.FindIndex(before, b => b.Id == x.Id);
            if (resend || i < 0 || !before[i].Route.Equals(x.Route)) into.Pending.Add((new NlriEntry(prefix, x.Id), x.Route));
        }
        int delta = (_exports.Count > 0 ? 1 : 0) - (before.Length > 0 ? 1 : 0);
        if (v6) into.DeltaV6 += delta; else into.DeltaV4 += delta;
        if (_exports.Count == 0) live.Sent.Remove(prefix);
        else live.Sent[prefix] = _exports.ToArray();
    }

    private void Record(Prefix prefix, in BestChange c, RibPeer? from, BestPathChangeReason reason)
    {
        if (!_publish) return;
        _events.Add(new PendingBestPath(prefix, c.NewRoute, c.NewPeer, from, reason));
        if (_events.Count >= EventChunk) PublishEvents();
    }

    /// <summary>One EventStream message per partition turn (see <see cref="BestPathChanges"/>).</summary>
    private void PublishEvents()
    {
        if (_events.Count == 0) return;
        Context.System.EventStream.Publish(new BestPathChanges(_index, _events));
        _events = new List<PendingBestPath>();
    }

    private OutRoute? ExportFor(Prefix prefix, RouteAttributes route, RibPeer from, RibPeer to, bool v6)
    {
        var result = ExportOrNull(prefix, route, from, to, v6);
        // RFC 4271 5.1.3: an IPv4 route needs a NEXT_HOP. Towards a peer over IPv6, with no IPv4 address of ours
        // configured and no RFC 8950 extended next hop, there is none to give; without this the peer would answer
        // with 3/3 (missing well-known attribute) and drop the session. Such routes are withheld instead.
        return !v6 && result is { MpNextHop.Length: 0, Attributes.NextHop: null } ? null : result;
    }

    private OutRoute? ExportOrNull(Prefix prefix, RouteAttributes route, RibPeer from, RibPeer to, bool v6)
    {
        if (!ExportRules.MayAdvertise(route, from, to)) return null;
        if (to.Settings.Export is not { } filter) return ExportRules.ExportCached(route, from, to, _settings, v6);
        var verdict = filter.Evaluate(prefix, route.Attributes);
        if (!verdict.Accepted) return null;
        if (verdict.Term is not { ModifiesAttributes: true } term) return ExportRules.ExportCached(route, from, to, _settings, v6);
        // Modified by export policy: transformed per prefix (not cached); equal results still pack together.
        return ExportRules.Transform(term.Apply(route.Attributes), route.MpNextHop, from, to, _settings, v6);
    }

    private void FlushOutbound()
    {
        foreach (var (_, o) in _outbound)
            if (o.Pending.Count > 0) Send(o);
    }

    private static void Send(OutTarget o)
    {
        o.Outbound.Tell(new OutboundChanges(new List<(NlriEntry, OutRoute?)>(o.Pending), o.DeltaV4, o.DeltaV6), ActorRefs.NoSender);
        o.Pending.Clear();
        o.DeltaV4 = o.DeltaV6 = 0;
    }

    private void PeerUp(PartitionPeerUp up)
    {
        var p = up.Peer;
        if (p.Slot >= _peers.Length) Array.Resize(ref _peers, Math.Max(p.Slot + 1, _peers.Length * 2));
        _peers[p.Slot] = p;
        // A neighbor we export nothing to ("export none", as route collectors and the shared benchmark use)
        // costs nothing per route change.
        if (p.Settings.Export is not { RejectsEverything: true }) AddTarget(new OutTarget(p, up.Outbound));
        bool exports = _outbound.ContainsKey(p.Slot);
        if (exports && p.Families.Contains(AfiSafi.Ipv4Unicast)) Dump(p, up.Outbound, _v4, round: -1);
        if (exports && p.Families.Contains(AfiSafi.Ipv6Unicast)) Dump(p, up.Outbound, _v6, round: -1);
        up.Outbound.Tell(new DumpDone(0), Self);
    }

    private void AddTarget(OutTarget o)
    {
        RemoveTarget(o.Peer.Slot);
        _outbound[o.Peer.Slot] = o;
        if (o.Sent is not null) _multiPathTargets++;
    }

    private void RemoveTarget(int slot)
    {
        if (_outbound.Remove(slot, out var o) && o.Sent is not null) _multiPathTargets--;
    }

    /// <summary>Sends the exportable best paths of one table to one neighbor. Round -1 is part of the initial
    /// table (the caller sends DumpDone(0) after both families); other rounds answer a route refresh.</summary>
    private void Dump(RibPeer to, IActorRef outbound, PrefixTable table, long round)
    {
        // The initial table adds to what the neighbor has; a refresh re-sends what it already has.
        var target = new OutTarget(to, outbound);
        bool counts = round < 0;
        var family = table.IsIPv6 ? AfiSafi.Ipv6Unicast : AfiSafi.Ipv4Unicast;
        if (_outbound.TryGetValue(to.Slot, out var live) && ReferenceEquals(live.Peer, to) && live.SendsPaths(family))
        {
            foreach (var prefix in table.AllPrefixes())
            {
                AdvertisePaths(prefix, table, live, target, resend: true);
                if (target.Pending.Count >= OutboundChunk) Send(target);
            }
            if (target.Pending.Count > 0 || (target.DeltaV4 | target.DeltaV6) != 0) Send(target);
            if (round >= 0) outbound.Tell(new DumpDone(round), Self);
            return;
        }
        foreach (var (prefix, route, from) in table.BestPaths())
        {
            var o = ExportFor(prefix, route, from, to, table.IsIPv6);
            if (o is null) continue;
            target.Pending.Add((new NlriEntry(prefix), o));
            if (counts) { if (table.IsIPv6) target.DeltaV6++; else target.DeltaV4++; }
            if (target.Pending.Count >= OutboundChunk) Send(target);
        }
        if (target.Pending.Count > 0) Send(target);
        if (round >= 0) outbound.Tell(new DumpDone(round), Self);
    }

    /// <summary>Sessions whose end (or return) arrived back to back, not yet applied (see <see cref="AroundReceive"/>).</summary>
    private readonly List<SessionEnd> _ended = new();

    /// <summary>One message of a run (see <see cref="AroundReceive"/>): a session down, a restarting one with the
    /// families it keeps, or a returning one whose stale paths of <see cref="Sweep"/> go.</summary>
    private readonly record struct SessionEnd(int Slot, IActorRef ReplyTo, IReadOnlyCollection<AfiSafi>? Keep, AfiSafi? Sweep)
    {
        public bool Down => Keep is null && Sweep is null;
    }

    /// <summary>
    /// Sessions that end together (a LAN outage at an exchange, a restart of ours, many peers dropped at once) reach
    /// every partition as a run of <see cref="PartitionPeerDown"/>s, or of <see cref="PartitionPeerRestarting"/>s for
    /// peers whose graceful restart we help with, and when those come back, their End-of-RIBs as a run of
    /// <see cref="PartitionSweepStale"/>s. Each would walk the whole table (and every interned set) to find that
    /// peer's few paths; a run is collected and applied in one walk instead, before the next message of any other
    /// kind (or, if none is waiting, on a note to self), so nothing sent after them sees them unapplied. A slot that
    /// comes twice applies the run so far first: each session's end is applied in the order it came.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        SessionEnd? end = message switch
        {
            PartitionPeerDown d => new SessionEnd(d.Slot, Sender, null, null),
            PartitionPeerRestarting r => new SessionEnd(r.Slot, Sender, r.Keep, null),
            PartitionSweepStale w => new SessionEnd(w.Slot, Sender, null, w.Family),
            _ => null,
        };
        if (end is { } e)
        {
            if (_ended.Exists(x => x.Slot == e.Slot)) SessionsEnded();
            if (_ended.Count == 0) Self.Tell(ApplySessionsEnded.Instance, Self);
            _ended.Add(e);
            return true;
        }
        if (_ended.Count > 0)
        {
            _applyingFor = Sender; // should this fail, PreRestart answers the message that triggered it too
            SessionsEnded();
        }
        return message is ApplySessionsEnded || base.AroundReceive(receive, message);
    }

    /// <summary>A note to self; when the partition stops first (a RIB being stopped, as the start-up warm-up's is) it is
    /// left over, and Akka would log it as a dead letter at info on every start.</summary>
    private sealed class ApplySessionsEnded : IDeadLetterSuppression
    {
        public static readonly ApplySessionsEnded Instance = new();
    }

    /// <summary>
    /// Applies <see cref="_ended"/>: a session that is down loses its paths and its slot (answered with
    /// <see cref="PeerPurged"/>); a restarting one (RFC 4724 4.2) keeps its paths of the families it preserves, marked
    /// stale and still used, loses the others, and a copy of its RibPeer stands in as their source, so that batches its
    /// ended inbound actor may still send are refused (Apply accepts only the slot's current instance); a returning one
    /// loses its paths of the family still stale (End-of-RIB, EoRR, or a stale timer), answered with its counts.
    /// </summary>
    private void SessionsEnded()
    {
        var gone = new List<RibPeer>(_ended.Count);
        List<int> withdrawV4 = new(), withdrawV6 = new(), staleV4 = new(), staleV6 = new(), sweepV4 = new(), sweepV6 = new();
        foreach (var e in _ended)
        {
            var peer = (uint)e.Slot < (uint)_peers.Length ? _peers[e.Slot] : null;
            if (e.Sweep is { } family)
            {
                if (family == AfiSafi.Ipv4Unicast) sweepV4.Add(e.Slot);
                else if (family == AfiSafi.Ipv6Unicast) sweepV6.Add(e.Slot);
                continue;
            }
            RemoveTarget(e.Slot);
            if (peer is not null) gone.Add(peer);
            if (e.Keep is not null && peer is not null) _peers[e.Slot] = peer.Copy();
            (e.Keep is not null && e.Keep.Contains(AfiSafi.Ipv4Unicast) ? staleV4 : withdrawV4).Add(e.Slot);
            (e.Keep is not null && e.Keep.Contains(AfiSafi.Ipv6Unicast) ? staleV6 : withdrawV6).Add(e.Slot);
        }
        var reason = BestPathChangeReason.PeerDown;
        void Changed(int slot, Prefix p, BestChange c)
        {
            if (c.Changed || _multiPathTargets > 0) Advertise(p, c);
            if (c.Changed) Record(p, c, (uint)slot < (uint)_peers.Length ? _peers[slot] : null, reason);
        }
        _v4.MarkStale(staleV4);
        _v6.MarkStale(staleV6);
        _v4.WithdrawAll(withdrawV4, Changed);
        _v6.WithdrawAll(withdrawV6, Changed);
        reason = BestPathChangeReason.StaleRemoved;
        _v4.SweepStale(sweepV4, Changed);
        _v6.SweepStale(sweepV6, Changed);
        FlushOutbound();
        PublishEvents();
        foreach (var e in _ended)
            if (e.Down && (uint)e.Slot < (uint)_peers.Length) _peers[e.Slot] = null;
        ForgetExports(gone);
        var ended = _ended.ToArray();
        _ended.Clear();
        foreach (var e in ended) Answer(e);
    }

    /// <summary>A down session's sender learns its slot is free; a sweep's, the slot's counts; a restart needs no answer.</summary>
    private void Answer(SessionEnd e)
    {
        if (e.Down) e.ReplyTo.Tell(new PeerPurged(e.Slot), Self);
        else if (e.Sweep is not null) e.ReplyTo.Tell(CountsOf(e.Slot, -1), Self);
    }

    /// <summary>Sweeps ended sessions out of the export caches of every set this partition holds: found by the
    /// flood tests, where a 100,000-set table sent to a neighbor that then went away kept ~70 MB alive.</summary>
    private void ForgetExports(IReadOnlyCollection<RibPeer> ended)
    {
        if (ended.Count == 0) return;
        var sessions = new HashSet<RibPeer>(ended, ReferenceEqualityComparer.Instance);
        foreach (var route in _interner.Sets) ExportRules.Forget(route, sessions);
    }

    private void Lookup(PartitionLookup q)
    {
        var table = q.Query.Prefix.IsIPv6 ? _v6 : _v4;
        if (q.Query.AdvertisedTo is { } address)
        {
            q.ReplyTo.Tell(Advertised(q, table, address), Self);
            return;
        }
        var matches = new List<(Prefix, List<RouteView>)>();
        int total = 0;
        if (!q.Query.LongerPrefixes)
        {
            var paths = table.Paths(q.Query.Prefix);
            if (paths.Count > 0) matches.Add((q.Query.Prefix, paths.Select(p => View(q.Query.Prefix, p)).ToList()));
            total = matches.Count;
        }
        else
        {
            // The page the client asked for lies within the first offset + limit matches of every partition, so only
            // those are read and turned into views (bench/rib-hammer.sh: paging a table while it loads used to walk
            // and view all of it per request).
            int keep = (int)Math.Min((long)Math.Max(0, q.Query.Offset) + Math.Max(0, q.Query.Limit), int.MaxValue);
            var first = new List<Prefix>();
            total = table.LongerPrefixes(q.Query.Prefix, keep, first, q.Query.After);
            foreach (var p in first) matches.Add((p, table.Paths(p).Select(x => View(p, x)).ToList()));
        }
        q.ReplyTo.Tell(new PartitionLookupResult(q.QueryId, matches, total), Self);
    }

    /// <summary>The neighbor's Adj-RIB-Out in the queried range: each prefix's best path through <see cref="ExportFor"/>, as
    /// it is sent. Reads every prefix in range (a management query; the table order index keeps the range reading short).</summary>
    private PartitionLookupResult Advertised(PartitionLookup q, PrefixTable table, System.Net.IPAddress address)
    {
        var matches = new List<(Prefix, List<RouteView>)>();
        RibPeer? to = null;
        foreach (var p in _peers)
            if (p is { IsLocal: false } && p.Address.Equals(address)) { to = p; break; }
        if (to is null) return new PartitionLookupResult(q.QueryId, matches, 0);
        var candidates = new List<Prefix>();
        if (q.Query.LongerPrefixes) table.LongerPrefixes(q.Query.Prefix, int.MaxValue, candidates);
        else candidates.Add(q.Query.Prefix);
        long keep = (long)Math.Max(0, q.Query.Offset) + Math.Max(0, q.Query.Limit);
        int total = 0;
        var family = table.IsIPv6 ? AfiSafi.Ipv6Unicast : AfiSafi.Ipv4Unicast;
        if (_outbound.TryGetValue(to.Slot, out var target) && ReferenceEquals(target.Peer, to) && target.SendsPaths(family))
        {
            // ADD-PATH: every path the neighbor has from us, under our path identifiers.
            foreach (var prefix in candidates)
            {
                if (!target.Sent!.TryGetValue(prefix, out var sentPaths)) continue;
                total++;
                if (matches.Count >= keep) continue;
                matches.Add((prefix, sentPaths.Select((x, i) => SentView(prefix, to, x.Route, i == 0, x.Id)).ToList()));
            }
            return new PartitionLookupResult(q.QueryId, matches, total);
        }
        foreach (var prefix in candidates)
        {
            if (!table.TryGetBest(prefix, out var route, out var from) || route is null || from is null) continue;
            if (ExportFor(prefix, route, from, to, prefix.IsIPv6) is not { } sent) continue;
            total++;
            if (matches.Count >= keep) continue;
            matches.Add((prefix, [SentView(prefix, to, sent, true, 0)]));
        }
        return new PartitionLookupResult(q.QueryId, matches, total);
    }

    private static RouteView SentView(Prefix prefix, RibPeer to, OutRoute sent, bool best, uint pathId)
    {
        System.Net.IPAddress? nh = sent.MpNextHop.Length >= 16 ? new System.Net.IPAddress(sent.MpNextHop.AsSpan(0, 16)) : sent.Attributes.NextHopAddress;
        return new RouteView(prefix, to.Address, to.PeerAs, best, true, null, sent.Attributes, nh, PathId: pathId);
    }

    private RouteView View(Prefix prefix, StoredPath p)
    {
        var candidate = new Candidate(p.Route, p.Peer);
        bool eligible = !p.Filtered && BestPathSelector.IsEligible(candidate, _settings.Decision);
        System.Net.IPAddress? nh = p.Route.MpNextHop.Length >= 16
            ? new System.Net.IPAddress(p.Route.MpNextHop.AsSpan(0, 16))
            : p.Route.Attributes.NextHopAddress;
        return new RouteView(prefix, p.Peer.IsLocal ? null : p.Peer.Address, p.Peer.PeerAs, p.IsBest, eligible,
            eligible ? null : p.Filtered ? "Filtered" : (p.Route.Ineligibility == PathIneligibility.None ? PathIneligibility.NextHopUnresolvable : p.Route.Ineligibility).ToString(),
            p.Route.Attributes, nh, p.Stale,
            _vrps?.Validate(prefix, AkkaBgp.Rpki.RouteOrigin.Of(p.Route.Attributes.AsPath, _settings.LocalAs)), p.PathId) { Aspa = AspaOf(p.Peer, p.Route) };
    }

    /// <summary>The ASPA outcome of a path on the session it came from, as its inbound actor computed it for the import
    /// policy (computed again here, for what is shown and counted).</summary>
    private AkkaBgp.Rpki.AspaState? AspaOf(RibPeer peer, RouteAttributes route) =>
        peer.IsExternal && AkkaBgp.Rpki.AspaTable.DirectionFor(peer.RemoteRole) is { } direction
            ? (_vrps?.Aspas ?? AkkaBgp.Rpki.AspaTable.Empty).Verify(route.Attributes.AsPath, direction)
            : null;
}
