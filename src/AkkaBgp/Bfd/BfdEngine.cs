using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Bfd;

/// <summary>A session's state change, as the engine reports it (by message) to the actors.</summary>
public sealed record BfdStateChanged(BfdPeerKey Peer, uint LocalDiscriminator, BfdState From, BfdState To,
    BfdDiagnostic Diagnostic, BfdDiagnostic RemoteDiagnostic, TimeSpan DetectionTime, DateTimeOffset At)
{
    /// <summary>RFC 5882 section 3.2: the session went Down because the peer said AdminDown; clients must not act on it.</summary>
    public bool PeerAdminDown => To == BfdState.Down && Diagnostic == BfdDiagnostic.NeighborSignaledSessionDown && RemoteAdminDown;

    internal bool RemoteAdminDown { get; init; }

    /// <summary>Up -> Down for a reason the BGP session must follow (RFC 5882 sections 3.2 and 4.3).</summary>
    public bool IsFailure => From == BfdState.Up && To == BfdState.Down && !PeerAdminDown;

    public override string ToString() =>
        $"BFD {Peer}: {From} -> {To} ({(byte)Diagnostic} {BfdText.Describe(Diagnostic)}){(PeerAdminDown ? ", peer AdminDown" : "")}";
}

/// <summary>What the management API shows of one session.</summary>
public sealed record BfdSessionInfo(
    BfdPeerKey Peer, BfdState State, BfdState RemoteState, uint LocalDiscriminator, uint RemoteDiscriminator,
    BfdDiagnostic LocalDiagnostic, BfdDiagnostic RemoteDiagnostic,
    TimeSpan DesiredMinTx, TimeSpan RequiredMinRx, TimeSpan RemoteMinRx, TimeSpan RemoteDesiredMinTx, byte Multiplier, byte RemoteMultiplier,
    TimeSpan TransmitInterval, TimeSpan DetectionTime, bool RemoteDemandMode, bool PollActive, string? Authentication,
    DateTimeOffset LastStateChange, long PacketsSent, long PacketsReceived, long UpTransitions, long DownTransitions,
    IReadOnlyDictionary<string, long> Discarded);

public static class BfdText
{
    public static string Describe(BfdDiagnostic d) => d switch
    {
        BfdDiagnostic.None => "No Diagnostic",
        BfdDiagnostic.ControlDetectionTimeExpired => "Control Detection Time Expired",
        BfdDiagnostic.EchoFunctionFailed => "Echo Function Failed",
        BfdDiagnostic.NeighborSignaledSessionDown => "Neighbor Signaled Session Down",
        BfdDiagnostic.ForwardingPlaneReset => "Forwarding Plane Reset",
        BfdDiagnostic.PathDown => "Path Down",
        BfdDiagnostic.ConcatenatedPathDown => "Concatenated Path Down",
        BfdDiagnostic.AdministrativelyDown => "Administratively Down",
        BfdDiagnostic.ReverseConcatenatedPathDown => "Reverse Concatenated Path Down",
        BfdDiagnostic.MisConnectivityDefect => "Mis-Connectivity Defect",
        _ => $"Diagnostic {(byte)d}",
    };
}

/// <summary>
/// Runs every BFD session of the process on one dedicated thread: it waits in <c>poll(2)</c> on the BFD sockets, on an
/// eventfd for commands, and until the earliest session deadline (next transmission or Detection Time), then hands
/// received packets and expired deadlines to the <see cref="BfdSession"/>s. State changes leave by
/// <see cref="BfdStateChanged"/> messages through the callback given to the constructor (an actor's Tell).
/// <para>
/// Why not the actors and their scheduler: Akka's scheduler ticks every 100 ms in the service
/// (akka.scheduler.tick-duration, chosen because a 10 ms wheel cost an idle service ~5% of a core), so a 50 ms
/// interval cannot even be expressed on it, and a Detection Time of 150 ms would be rounded to 200-300 ms. Actors also
/// run on the ThreadPool, which a full-table load keeps busy: a received packet queued behind RIB work would look like
/// silence and a healthy session would flap. Measured on this 2-core VM (../shared/docs/linux-sockets.md section 3),
/// a dedicated thread keeps 50 ms timers with gaps under 30 ms except under GC pauses; the thread runs at the highest
/// priority the process may give it (SCHED_FIFO, else nice -20: <see cref="BfdNative.RaiseTimingPriority"/>; Thread.Priority
/// does nothing on Linux). PeriodicTimer on a Task drops ticks under load (same section), so it is not used.
/// </para>
/// </summary>
public sealed class BfdEngine : IDisposable, IBfdSessionSink
{
    public const int SingleHopPort = 3784;
    public const int MultihopPort = 4784;

    private readonly Action<BfdStateChanged> _onStateChanged;
    private readonly Action<string> _onError;
    private readonly Action<string>? _onInfo;
    private readonly ConcurrentQueue<Action<TimeSpan>> _commands = new();
    private readonly BfdNative.Wakeup _wakeup = new();
    private readonly Thread _thread;
    private readonly Random _random = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _stopping;
    private int _disposeRequested;

    // Everything below belongs to the engine thread.
    private readonly Dictionary<uint, BfdSession> _byDiscriminator = new();
    private readonly Dictionary<BfdPeerKey, BfdSession> _byPeer = new();
    private readonly Dictionary<BfdSession, Socket> _senders = new();
    private readonly Dictionary<IPEndPoint, BfdNative.Receiver> _receivers = new();
    private readonly Dictionary<BfdDiscard, long> _unmatched = new();
    private BfdNative.PollFd[] _pollFds = [];
    private BfdNative.Receiver[] _pollReceivers = [];
    private bool _pollDirty = true;
    private readonly byte[] _sendBuffer = new byte[BfdCodec.MaxLength];

    /// <param name="onStateChanged">Called on the engine thread for every state change; it must not block (an actor's Tell).</param>
    /// <param name="onError">Socket problems (a bind that failed) and bugs, for the log; called on the engine thread.</param>
    /// <param name="onInfo">Once, how the timing thread is scheduled (<see cref="BfdNative.RaiseTimingPriority"/>), for the log.</param>
    public BfdEngine(Action<BfdStateChanged> onStateChanged, Action<string> onError, Action<string>? onInfo = null)
    {
        _onStateChanged = onStateChanged;
        _onError = onError;
        _onInfo = onInfo;
        _thread = new Thread(Run) { IsBackground = true, Name = "bfd-timing", Priority = ThreadPriority.Highest };
        _thread.Start();
    }

    private TimeSpan Now => _clock.Elapsed;

    // ---- commands (any thread) ----------------------------------------------------------

    /// <summary>Starts the session, or applies new settings to the running one (a Poll Sequence when timers change).</summary>
    public void Configure(BfdPeerKey peer, BfdSettings settings) => Post(now =>
    {
        if (_byPeer.TryGetValue(peer, out var existing) && !existing.Removing)
        {
            if (!existing.Settings.Equals(settings)) existing.Reconfigure(settings, now);
            return;
        }
        if (existing is not null) Forget(existing);
        Socket sender;
        try
        {
            EnsureReceiver(peer);
            sender = BfdNative.OpenSender(peer.Local, _random);
        }
        catch (SocketException e)
        {
            _onError($"BFD {peer}: cannot open its sockets: {e.Message}");
            return;
        }
        uint discriminator;
        do discriminator = (uint)_random.NextInt64(1, 1L << 32); while (_byDiscriminator.ContainsKey(discriminator));
        var session = new BfdSession(peer, settings, discriminator, this, _random, now);
        _byDiscriminator[discriminator] = session;
        _byPeer[peer] = session;
        _senders[session] = sender;
    });

    /// <summary>Ends the session: AdminDown for one Detection Time (RFC 5880 6.8.16, so that the peer's clients know not
    /// to react, RFC 5882 3.2), then it is gone.</summary>
    public void Remove(BfdPeerKey peer) => Post(now =>
    {
        if (!_byPeer.TryGetValue(peer, out var session)) return;
        session.Removing = true;
        session.SetAdminDown(true, now);
    });

    public void SetAdminDown(BfdPeerKey peer, bool down) => Post(now =>
    {
        if (_byPeer.TryGetValue(peer, out var session) && !session.Removing) session.SetAdminDown(down, now);
    });

    public Task<IReadOnlyList<BfdSessionInfo>> SnapshotAsync()
    {
        var done = new TaskCompletionSource<IReadOnlyList<BfdSessionInfo>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(now => done.TrySetResult(_byPeer.Values.Where(s => !s.Removing).Select(s => Info(s, now)).OrderBy(i => i.Peer.Remote.ToString(), StringComparer.Ordinal).ToArray()));
        return done.Task;
    }

    /// <summary>Datagrams no session took (bad packets, unknown discriminators), by reason.</summary>
    public Task<IReadOnlyDictionary<BfdDiscard, long>> UnmatchedAsync()
    {
        var done = new TaskCompletionSource<IReadOnlyDictionary<BfdDiscard, long>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ => done.TrySetResult(new Dictionary<BfdDiscard, long>(_unmatched)));
        return done.Task;
    }

    private void Post(Action<TimeSpan> command)
    {
        _commands.Enqueue(command);
        _wakeup.Signal();
    }

    // ---- the engine thread --------------------------------------------------------------

    private void Run()
    {
        _onInfo?.Invoke("BFD timing thread: " + BfdNative.RaiseTimingPriority());
        while (!_stopping)
        {
            try
            {
                // Read what has arrived before judging silence. After this thread was held up (a stop-the-world GC
                // suspends it wherever it runs managed code; a busy machine preempts it) the peers' packets may be
                // waiting in the socket buffers, having arrived in time: ticking first would expire their Detection
                // Time and take healthy sessions Down (6.8.4 is about what the peer sent, not when we got to read it).
                // bench/bfd-under-load.sh found it: every stall of 150 ms brought down all 200 sessions at once.
                if (_pollDirty) RebuildPoll();
                if (_pollFds.Length > 1) PollAndDrain(0);
                // Commands after that poll, which may have cleared the wakeup they signalled.
                while (_commands.TryDequeue(out var command)) command(Now);
                var now = Now;
                var next = TimeSpan.MaxValue;
                List<BfdSession>? finished = null;
                foreach (var session in _byPeer.Values)
                {
                    if (session.NextDeadline <= now) session.Tick(now);
                    var deadline = session.NextDeadline;
                    if (session.Removing && deadline == TimeSpan.MaxValue) (finished ??= []).Add(session);
                    if (deadline < next) next = deadline;
                }
                if (finished is not null) foreach (var s in finished) Forget(s);
                if (_pollDirty) RebuildPoll();
                int timeout = next == TimeSpan.MaxValue ? 1000
                    : (int)Math.Clamp(Math.Ceiling((next - Now).TotalMilliseconds), 0, 1000);
                PollAndDrain(timeout);
            }
            catch (Exception e) when (!_stopping)
            {
                // A bug in one packet's handling must not stop every session's timers.
                _onError("BFD engine: " + e);
            }
        }
        CloseAll();
    }

    private void PollAndDrain(int timeout)
    {
        int ready = BfdNative.poll(_pollFds, (nuint)_pollFds.Length, timeout);
        if (ready <= 0) return;
        if ((_pollFds[0].Revents & BfdNative.PollIn) != 0) _wakeup.Clear();
        for (int i = 1; i < _pollFds.Length; i++)
            if ((_pollFds[i].Revents & BfdNative.PollIn) != 0) Drain(_pollReceivers[i - 1]);
    }

    private void Drain(BfdNative.Receiver receiver)
    {
        bool multihop = receiver.Local.Port == MultihopPort;
        while (receiver.TryReceive(out var datagram, out var from, out int ttl))
        {
            if (from is null || datagram.IsEmpty) continue;
            var now = Now;
            if (!BfdCodec.TryDecode(datagram, out var packet, out var why))
            {
                Count(why);
                continue;
            }
            // 6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select the session with which this
            // BFD packet is associated. If no session is found, the packet MUST be discarded." "If the Your
            // Discriminator field is zero, the session MUST be selected based on some combination of other fields"
            // (the source and destination addresses, RFC 5881 section 3 / RFC 5883 section 3).
            BfdSession? session;
            if (packet.YourDiscriminator != 0)
            {
                if (!_byDiscriminator.TryGetValue(packet.YourDiscriminator, out session) || !session.Peer.Remote.Equals(from.Address)) session = null;
            }
            else _byPeer.TryGetValue(new BfdPeerKey(from.Address, receiver.Local.Address, multihop), out session);
            if (session is null || session.Peer.Multihop != multihop)
            {
                Count(BfdDiscard.NoSession);
                continue;
            }
            session.Receive(datagram, packet, ttl, now);
        }
    }

    private void Count(BfdDiscard why) => _unmatched[why] = _unmatched.GetValueOrDefault(why) + 1;

    private void EnsureReceiver(BfdPeerKey peer)
    {
        var local = new IPEndPoint(peer.Local, peer.Multihop ? MultihopPort : SingleHopPort);
        if (_receivers.ContainsKey(local)) return;
        _receivers[local] = new BfdNative.Receiver(local);
        _pollDirty = true;
    }

    private void Forget(BfdSession session)
    {
        _byDiscriminator.Remove(session.LocalDiscriminator);
        if (_byPeer.TryGetValue(session.Peer, out var current) && ReferenceEquals(current, session)) _byPeer.Remove(session.Peer);
        if (_senders.Remove(session, out var sender)) sender.Dispose();
        // A receiver no session uses any more is closed, so the address and port are free again.
        var local = new IPEndPoint(session.Peer.Local, session.Peer.Multihop ? MultihopPort : SingleHopPort);
        if (!_byPeer.Keys.Any(k => k.Local.Equals(local.Address) && k.Multihop == session.Peer.Multihop) && _receivers.Remove(local, out var r))
        {
            r.Dispose();
            _pollDirty = true;
        }
    }

    private void RebuildPoll()
    {
        _pollReceivers = _receivers.Values.ToArray();
        _pollFds = new BfdNative.PollFd[_pollReceivers.Length + 1];
        _pollFds[0] = new BfdNative.PollFd { Fd = _wakeup.Fd, Events = BfdNative.PollIn };
        for (int i = 0; i < _pollReceivers.Length; i++)
            _pollFds[i + 1] = new BfdNative.PollFd { Fd = _pollReceivers[i].Fd, Events = BfdNative.PollIn };
        _pollDirty = false;
    }

    // ---- IBfdSessionSink (engine thread) ----------------------------------------------------

    void IBfdSessionSink.Transmit(BfdSession session, in BfdControlPacket packet)
    {
        if (!_senders.TryGetValue(session, out var socket)) return;
        var key = session.Settings.SigningKey;
        int n = BfdCodec.Encode(packet, _sendBuffer, key, key is { HasSequence: true } ? session.NextAuthSequence() : 0);
        var to = new IPEndPoint(session.Peer.Remote, session.Peer.Multihop ? MultihopPort : SingleHopPort);
        try
        {
            socket.SendTo(_sendBuffer.AsSpan(0, n), SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // ECONNREFUSED from an earlier ICMP port unreachable, a route gone: the peer's silence will show in its
            // Detection Time; nothing else to do here.
        }
    }

    void IBfdSessionSink.StateChanged(BfdSession session, BfdState from, BfdState to, BfdDiagnostic diagnostic) =>
        _onStateChanged(new BfdStateChanged(session.Peer, session.LocalDiscriminator, from, to, diagnostic, session.RemoteDiagnostic,
            session.DetectionTime, DateTimeOffset.UtcNow) { RemoteAdminDown = session.RemoteState == BfdState.AdminDown });

    private BfdSessionInfo Info(BfdSession s, TimeSpan now) => new(
        s.Peer, s.State, s.RemoteState, s.LocalDiscriminator, s.RemoteDiscriminator, s.LocalDiagnostic, s.RemoteDiagnostic,
        FromMicros(s.DesiredMinTx), FromMicros(s.RequiredMinRx), FromMicros(s.RemoteMinRx), FromMicros(s.RemoteDesiredMinTx),
        s.Settings.Multiplier, s.RemoteDetectMult, s.TransmitInterval, s.DetectionTime, s.RemoteDemandMode, s.PollActive,
        s.Settings.SigningKey?.ToString(), DateTimeOffset.UtcNow - (now - s.LastStateChange),
        s.Counters.PacketsSent, s.Counters.PacketsReceived, s.Counters.UpTransitions, s.Counters.DownTransitions,
        s.Counters.Discarded.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value));

    private static TimeSpan FromMicros(uint us) => TimeSpan.FromTicks(us * 10L);

    /// <summary>Ends the engine without waiting for it (it is called from an actor's PostStop): the engine thread sends
    /// every session's AdminDown once (6.8.16, so that peers' clients do not take our exit for a failure, RFC 5882
    /// 3.2), then leaves its loop and closes the sockets itself.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeRequested, 1) == 1) return;
        Post(now =>
        {
            foreach (var s in _byPeer.Values) s.SetAdminDown(true, now);
            _stopping = true;
        });
    }

    private void CloseAll()
    {
        foreach (var s in _senders.Values) s.Dispose();
        foreach (var r in _receivers.Values) r.Dispose();
        _senders.Clear();
        _receivers.Clear();
        _wakeup.Dispose();
    }
}
