using System.Buffers;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Speaker;
using AkkaBgp.Rib.Advertise;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// The Adj-RIB-Out side of one session: collects the changes the partitions export to this neighbor, and
/// writes them as packed UPDATEs (identical attributes share a message, up to the negotiated size) on the
/// connection. With a MinRouteAdvertisementInterval (RFC 4271 9.2.1.1) a change to a prefix sent less than the
/// interval ago waits for the rest of that prefix's interval and only its latest state is sent, per destination;
/// other changes, and all with 0, go out as soon as the batch is in. After the initial
/// table from every partition comes End-of-RIB for each family (RFC 4724 2); a route refresh re-sends the
/// table, framed by BoRR/EoRR when enhanced route refresh was negotiated (RFC 7313 4).
/// </summary>
public sealed class PeerOutbound : ReceiveActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly RibPeer _peer;
    private readonly IActorRef _connection;
    private readonly IActorRef[] _partitions;
    private readonly OutboundQueue _queue = new();
    private readonly UpdateEncodeContext _ctx;
    private readonly TimeSpan _mrai;
    private bool _flushPending;
    private int _initialDumps;
    private bool _initialDone;
    private readonly Dictionary<long, (AfiSafi Family, int Waiting)> _refreshes = new();
    private long _round;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>UPDATE messages written so far (End-of-RIB included).</summary>
    internal long MessagesSent;
    /// <summary>Prefixes the neighbor has from us per family; the pending deltas are applied when the queue is written.</summary>
    private long _advertisedV4, _advertisedV6, _pendingV4, _pendingV6;

    public PeerOutbound(RibPeer peer, IActorRef connection, IActorRef[] partitions)
    {
        _peer = peer;
        _connection = connection;
        _partitions = partitions;
        _mrai = peer.Settings.MinRouteAdvertisementInterval;
        _ctx = new UpdateEncodeContext(peer.FourOctetAs, peer.AddPathSend, maxMessageSize: peer.MaxMessageSize);

        Receive<OutboundChanges>(c =>
        {
            // A route refresh re-sends the table at once (RFC 7313's EoRR must follow the whole of it).
            if (_mrai > TimeSpan.Zero && _initialDone && _refreshes.Count == 0) Admit(c.Changes);
            else
                foreach (var (prefix, route) in c.Changes)
                {
                    if (!_held.IsEmpty) _held.TryTake(prefix, out _); // superseded by this newer state
                    _queue.Enqueue(prefix, route);
                }
            _pendingV4 += c.AdvertisedDeltaV4;
            _pendingV6 += c.AdvertisedDeltaV6;
            ScheduleFlush();
        });
        Receive<OutboundCountersQuery>(_ => Sender.Tell(new OutboundCounters(_peer.Address, _advertisedV4, _advertisedV6), Self));
        Receive<OutboundFlush>(_ =>
        {
            _flushPending = false;
            Flush();
        });
        Receive<MraiDue>(_ => ReleaseDue());
        Receive<DumpDone>(d =>
        {
            if (d.Round == 0)
            {
                if (++_initialDumps == _partitions.Length) InitialTableSent();
                return;
            }
            if (_refreshes.TryGetValue(d.Round, out var r))
            {
                if (--r.Waiting > 0)
                {
                    _refreshes[d.Round] = r;
                    return;
                }
                _refreshes.Remove(d.Round);
                Flush();
                if (_peer.EnhancedRouteRefresh) Send(new RouteRefreshMessage(r.Family, RouteRefreshSubtype.EndOfRouteRefresh));
            }
        });
        Receive<OutboundRefresh>(r =>
        {
            // RFC 7313 4: BoRR, the whole Adj-RIB-Out for the family, EoRR. Pending changes go first so that the
            // re-sent table is not older than what the neighbor already has.
            Flush();
            if (_peer.EnhancedRouteRefresh) Send(new RouteRefreshMessage(r.Family, RouteRefreshSubtype.BeginningOfRouteRefresh));
            long round = ++_round;
            _refreshes[round] = (r.Family, _partitions.Length);
            foreach (var p in _partitions) p.Tell(new PartitionDump(_peer, r.Family, round), Self);
        });
    }

    public static Props Props(RibPeer peer, IActorRef connection, IActorRef[] partitions) =>
        Akka.Actor.Props.Create(() => new PeerOutbound(peer, connection, partitions));

    private void InitialTableSent()
    {
        Flush();
        _initialDone = true;
        // RFC 4724 2: End-of-RIB for each family once the initial update is complete.
        foreach (var f in new[] { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast })
            if (_peer.Families.Contains(f))
            {
                _connection.Tell(new SendBytes(UpdateEncoder.EndOfRib(f.Afi, f.Safi)), Self);
                MessagesSent++;
            }
    }

    private void ScheduleFlush()
    {
        if (_flushPending || _queue.IsEmpty && (_pendingV4 | _pendingV6) == 0) return;
        _flushPending = true;
        Self.Tell(OutboundFlush.Instance, Self);
    }

    // ---- MinRouteAdvertisementInterval, RFC 4271 9.2.1.1 ----------------------------------------------------
    // "This rate limiting procedure applies on a per-destination basis": a prefix we have not advertised or
    // withdrawn within the last interval goes out at once; one we have waits until its own interval has passed
    // since then, and only its latest state is sent. The initial table is not limited (it is no re-advertisement).
    // Only with an interval configured: the send times of the last interval's prefixes are kept for that.

    private sealed record MraiDue : IDeadLetterSuppression
    {
        public static readonly MraiDue Instance = new();
    }

    private readonly Dictionary<NlriEntry, TimeSpan> _lastSent = new();
    private readonly OutboundQueue _held = new();
    private readonly PriorityQueue<NlriEntry, TimeSpan> _due = new();
    private TimeSpan? _timerAt;
    private int _pruneAt = 4096;

    private readonly SpeakerClock _clock = SpeakerClock.For(Context.System);
    private TimeSpan Now => _clock.Elapsed;

    private void Admit(List<(NlriEntry Nlri, OutRoute? Route)> changes)
    {
        var now = Now;
        foreach (var (prefix, route) in changes)
        {
            if (_held.Contains(prefix))
            {
                _held.Enqueue(prefix, route);
                continue;
            }
            if (_lastSent.TryGetValue(prefix, out var sent) && now < sent + _mrai)
            {
                _queue.TryTake(prefix, out _);
                _held.Enqueue(prefix, route);
                _due.Enqueue(prefix, sent + _mrai);
            }
            else _queue.Enqueue(prefix, route);
        }
        ArmDueTimer(now);
    }

    private void ArmDueTimer(TimeSpan now)
    {
        if (!_due.TryPeek(out _, out var at)) return;
        if (_timerAt is { } t && t <= at) return;
        _timerAt = at;
        Timers.StartSingleTimer("mrai", MraiDue.Instance, at > now ? at - now : TimeSpan.Zero);
    }

    private void ReleaseDue()
    {
        _timerAt = null;
        var now = Now;
        while (_due.TryPeek(out var prefix, out var at) && at <= now)
        {
            _due.Dequeue();
            if (_held.TryTake(prefix, out var route)) _queue.Enqueue(prefix, route);
        }
        Flush();
        ArmDueTimer(now);
    }

    private void RecordSent()
    {
        if (_mrai <= TimeSpan.Zero || !_initialDone) return;
        var now = Now;
        foreach (var p in _queue.Prefixes) _lastSent[p] = now;
        if (_lastSent.Count < _pruneAt) return;
        // Entries older than the interval no longer hold anything back.
        foreach (var (p, t) in _lastSent)
            if (now >= t + _mrai) _lastSent.Remove(p);
        _pruneAt = Math.Max(4096, _lastSent.Count * 2);
    }

    private void Flush()
    {
        // The queue keeps only the latest state per prefix, and the deltas of superseded changes sum to the
        // latest one's, so the count after a flush is what the neighbor has.
        _advertisedV4 += _pendingV4;
        _advertisedV6 += _pendingV6;
        _pendingV4 = _pendingV6 = 0;
        if (_queue.IsEmpty) return;
        RecordSent();
        var w = new ArrayBufferWriter<byte>(Math.Min(_queue.Count * 8 + 64, 1 << 20));
        MessagesSent += _queue.Flush(w, _ctx);
        _connection.Tell(new SendBytes(w.WrittenMemory), Self);
    }

    private void Send(BgpMessage m)
    {
        _connection.Tell(new Send(m), Self);
        MessagesSent++;
    }
}
