using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Speaker;

/// <summary>
/// Neighbors accepted from a range of addresses without configuring each one (BGP "dynamic
/// neighbors" / "listen range"): the first inbound connection from an address in <see cref="Range"/>
/// creates a passive session from <see cref="Template"/>, up to <see cref="MaxPeers"/> at once.
/// With <paramref name="MinAs"/>/<paramref name="MaxAs"/> the peer may be in any AS of that range (the
/// template's PeerAs is then only a placeholder); without, it must be in the template's PeerAs.
/// </summary>
public sealed record DynamicNeighborRange(Prefix Range, NeighborSettings Template, int MaxPeers, uint? MinAs = null, uint? MaxAs = null)
{
    /// <summary>A dynamic neighbor whose session has been down (Idle, Connect or Active) this long is removed, so
    /// it stops counting towards <see cref="MaxPeers"/>; its next connection creates it again.</summary>
    public TimeSpan IdleRemoval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The settings of the neighbor at <paramref name="address"/>: passive (we cannot dial a range).</summary>
    public NeighborSettings For(IPAddress address)
    {
        var settings = Template with { PeerAddress = address, PassiveTcpEstablishment = true };
        if (MinAs is not { } low || MaxAs is not { } high) return settings;
        return low == high
            ? settings with { PeerAs = low, PeerAsRange = null }
            : settings with { PeerAs = low, PeerAsRange = (low, high) };
    }

    public bool Covers(IPAddress address) =>
        Range.Contains(Prefix.Create(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
}

/// <summary>How the supervisor restarts crashed FSMs (BackoffSupervisor: min * 2^n up to max, with jitter).</summary>
public sealed record FsmRestartSettings
{
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);
    public double RandomFactor { get; init; } = 0.2;
}

// ---- admin protocol ---------------------------------------------------------------------------

/// <summary>Sends <paramref name="Command"/> (e.g. <see cref="ManualStart"/>, <see cref="ManualStop"/>,
/// <see cref="AdministrativeReset"/>, <see cref="GetNeighborStatus"/>) to the FSM of <paramref name="Peer"/>,
/// keeping the original sender so the FSM answers the asker directly. Unknown peers get <see cref="NeighborNotFound"/>.</summary>
public sealed record NeighborCommand(IPAddress Peer, object Command);

public sealed record NeighborNotFound(IPAddress Peer);

/// <summary>Tells the supervisor where per-peer socket settings (TCP MD5, TTL, GTSM) go; it pushes them to both
/// actors whenever a neighbor is created, replaced or removed.</summary>
public sealed record AttachTransport(IActorRef Connector, IActorRef Listener);

/// <summary>Tells the supervisor where BFD sessions are run (<see cref="Bfd.BfdClient"/>): it then sends a
/// <see cref="Bfd.ConfigureBfd"/> for every neighbor as it is created, replaced or removed, so a BFD session lives
/// exactly as long as its configured BGP neighbor (RFC 5882 section 4).</summary>
public sealed record AttachBfd(IActorRef Bfd);

/// <summary>New BFD settings for a running neighbor (configuration reload): the BFD session changes in place (a Poll
/// Sequence for new intervals) and the BGP session is not touched.</summary>
public sealed record ReconfigureBfd(IPAddress Peer, IPAddress? LocalAddress, Bfd.BfdSettings? Settings);

/// <summary>Adds a configured neighbor at run time (configuration reload). Answered with <see cref="NeighborAdded"/>.</summary>
public sealed record AddNeighbor(NeighborSettings Settings);

public sealed record NeighborAdded(IPAddress Peer, bool AlreadyExisted);

/// <summary>Stops and removes a neighbor's FSM, telling the peer why first: Cease/3 Peer De-configured by default
/// (RFC 4486, configuration reload); with Cease/2 the RFC 9003 <paramref name="Communication"/> goes along.
/// Answered with <see cref="NeighborRemoved"/>.</summary>
public sealed record RemoveNeighbor(IPAddress Peer, string? Communication = null, byte CeaseSubcode = Wire.CeaseSubcode.PeerDeconfigured);

/// <summary>Configuration change that needs a new session: the old FSM sends Cease (6 Other Configuration Change by
/// default, RFC 4486) and is replaced by one built from <paramref name="Settings"/>. Answered with <see cref="NeighborAdded"/>.</summary>
public sealed record ReplaceNeighbor(NeighborSettings Settings, byte CeaseSubcode = Wire.CeaseSubcode.OtherConfigurationChange);

public sealed record NeighborRemoved(IPAddress Peer, bool Existed);

/// <summary>Lists the neighbors the supervisor runs; answered with <see cref="NeighborList"/>.</summary>
public sealed record ListNeighbors
{
    public static readonly ListNeighbors Instance = new();
}

public sealed record NeighborEntry(IPAddress Peer, uint PeerAs, bool Dynamic, IActorRef Supervisor, int Restarts);

public sealed record NeighborList(IReadOnlyList<NeighborEntry> Neighbors);

/// <summary>Asks every FSM for its status (<see cref="GetNeighborStatus"/>); answered with <see cref="AllNeighborStatus"/>.
/// FSMs that do not answer within the timeout are listed in <see cref="AllNeighborStatus.NotAnswering"/>.</summary>
public sealed record GetAllNeighborStatus(TimeSpan? Timeout = null);

public sealed record AllNeighborStatus(IReadOnlyList<object> Statuses, IReadOnlyList<IPAddress> NotAnswering);

/// <summary>
/// Parent of every neighbor session. Each neighbor's FSM runs under its own
/// <see cref="BackoffSupervisor"/>, so an exception in one FSM stops and (after a growing delay)
/// recreates that FSM only: its connection closes, the peer sees the session drop, and every
/// other session carries on. The kernel logs the exception. The supervisor also resolves inbound
/// connections to neighbors for the listener (exact address first, then dynamic ranges) and routes
/// admin commands by peer address.
/// </summary>
public sealed class NeighborSupervisor : ReceiveActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly Func<NeighborSettings, Props> _fsmProps;
    private readonly IReadOnlyList<DynamicNeighborRange> _ranges;
    private readonly FsmRestartSettings _restart;
    private readonly Dictionary<IPAddress, Neighbor> _neighbors = new();
    private readonly Dictionary<IActorRef, IPAddress> _bySupervisor = new();
    private readonly List<IActorRef> _transport = new();
    private IActorRef? _listener;
    private IActorRef? _bfd;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed class Neighbor(NeighborSettings settings, IActorRef supervisor, DynamicNeighborRange? range)
    {
        public NeighborSettings Settings { get; } = settings;
        public IActorRef Supervisor { get; } = supervisor;
        public DynamicNeighborRange? Range { get; } = range;
        /// <summary>The FSM incarnation that last got its AutomaticStart.</summary>
        public IActorRef? StartedFsm { get; set; }
        /// <summary>The operator's ManualStop, and no ManualStart since: an FSM recreated after a crash or re-created by
        /// a configuration change stays Idle. This flag is the one place the administrative state lives; it moves to the
        /// replacement's entry when the neighbor is re-created.</summary>
        public bool AdminDown { get; set; }
        public int Restarts { get; set; }
        public IActorRef? PendingRemoval { get; set; }
        public NeighborSettings? Replacement { get; set; }
        /// <summary>Inbound connections waiting for the answer to GetCurrentChild: is there an FSM to take them?</summary>
        public Queue<(InboundConnection Connection, IActorRef Listener)> Inbound { get; } = new();
        /// <summary>The FSM's last state, from SessionStateChanged (dynamic neighbors only).</summary>
        public SessionState State { get; set; } = SessionState.Idle;
        /// <summary>Removed for having been down too long (dynamic neighbors), not by the operator.</summary>
        public bool Expired { get; set; }
    }

    private sealed record FinishRemoval(IPAddress Peer) : IDeadLetterSuppression;
    private sealed record ChildIs(IPAddress Peer, IActorRef Supervisor, IActorRef? Fsm, int Restarts) : IDeadLetterSuppression;
    private sealed record StatusesCollected(IActorRef ReplyTo, AllNeighborStatus Result) : IDeadLetterSuppression;
    private sealed record DynamicIdleExpired(IPAddress Peer, IActorRef Supervisor) : IDeadLetterSuppression;

    /// <param name="fsmProps">Builds the Props of one neighbor's FSM; the only thing the supervisor knows about the FSM.</param>
    public NeighborSupervisor(IEnumerable<NeighborSettings> neighbors, IReadOnlyList<DynamicNeighborRange> ranges,
        Func<NeighborSettings, Props> fsmProps, FsmRestartSettings restart)
    {
        _fsmProps = fsmProps;
        _ranges = ranges;
        _restart = restart;
        // Subscribed before the first FSM exists: a child's constructor can run (and announce itself) before this
        // actor's PreStart. A missed first FsmStarted made the first restart after a crash look like the first
        // incarnation, which then got no AutomaticStart and stayed Idle for good.
        // Each FSM incarnation announces itself; a replacement for a crashed one needs its AutomaticStart.
        Context.System.EventStream.Subscribe(Self, typeof(FsmStarted));
        // Dynamic neighbors are removed when their session has been down for a while; the FSMs publish their states.
        if (_ranges.Count > 0) Context.System.EventStream.Subscribe(Self, typeof(SessionStateChanged));
        // Sessions entering and leaving Idle, for the listener's fast refusal (RefuseConnections).
        Context.System.EventStream.Subscribe(Self, typeof(SessionIdle));
        foreach (var n in neighbors) Spawn(n, null);

        Receive<InboundConnection>(OnInbound);
        Receive<AttachTransport>(a =>
        {
            _transport.Clear();
            _transport.Add(a.Connector);
            _transport.Add(a.Listener);
            _listener = a.Listener;
            foreach (var n in _neighbors.Values) PublishSecurity(n.Settings.PeerAddress, TransportSecurity.For(n.Settings));
        });
        Receive<AttachBfd>(a =>
        {
            _bfd = a.Bfd;
            foreach (var n in _neighbors.Values) PublishBfd(n.Settings);
        });
        Receive<ReconfigureBfd>(r => _bfd?.Tell(new Bfd.ConfigureBfd(r.Peer, r.LocalAddress, r.Settings), Self));
        Receive<NeighborCommand>(OnCommand);
        Receive<AddNeighbor>(a =>
        {
            bool existed = _neighbors.ContainsKey(a.Settings.PeerAddress);
            if (!existed) Spawn(a.Settings, null);
            Sender.Tell(new NeighborAdded(a.Settings.PeerAddress, existed), Self);
        });
        Receive<RemoveNeighbor>(r =>
        {
            if (!_neighbors.TryGetValue(r.Peer, out var n))
            {
                Sender.Tell(new NeighborRemoved(r.Peer, false), Self);
                return;
            }
            BeginRemoval(n, r.CeaseSubcode, r.Communication, Sender, null);
        });
        Receive<ReplaceNeighbor>(r =>
        {
            if (!_neighbors.TryGetValue(r.Settings.PeerAddress, out var n))
            {
                Spawn(r.Settings, null);
                Sender.Tell(new NeighborAdded(r.Settings.PeerAddress, false), Self);
                return;
            }
            BeginRemoval(n, r.CeaseSubcode, "configuration changed", Sender, r.Settings);
        });
        Receive<FinishRemoval>(f =>
        {
            if (_neighbors.TryGetValue(f.Peer, out var n) && n.PendingRemoval is not null) Context.Stop(n.Supervisor);
        });
        Receive<ListNeighbors>(_ => Sender.Tell(new NeighborList(_neighbors.Values
            .Select(n => new NeighborEntry(n.Settings.PeerAddress, n.Settings.PeerAs, n.Range is not null, n.Supervisor, n.Restarts))
            .OrderBy(e => e.Peer.ToString(), StringComparer.Ordinal).ToArray()), Self));
        Receive<GetAllNeighborStatus>(OnGetAll);
        Receive<StatusesCollected>(s => s.ReplyTo.Tell(s.Result, Self));
        Receive<BackoffSupervisor.CurrentChild>(c =>
        {
            if (_bySupervisor.TryGetValue(Sender, out var peer) && _neighbors.TryGetValue(peer, out var n)) HandOver(n, c.Ref);
        });
        Receive<FsmStarted>(OnFsmStarted);
        Receive<SessionStateChanged>(OnStateChanged);
        Receive<SessionIdle>(e =>
        {
            // Only our own FSMs (another speaker may share the system and have a neighbor at the same address).
            if (_listener is null || !_neighbors.TryGetValue(e.Peer, out var n) || !e.Fsm.Path.Parent.Equals(n.Supervisor.Path)) return;
            _listener.Tell(new RefuseConnections(e.Peer, e.Idle), Self);
        });
        Receive<DynamicIdleExpired>(e =>
        {
            if (!_neighbors.TryGetValue(e.Peer, out var n) || !ReferenceEquals(n.Supervisor, e.Supervisor)) return;
            if (n.PendingRemoval is not null || !IsDown(n.State)) return;
            Log.Info("Dynamic neighbor {Peer} removed: down for {Time}", e.Peer, n.Range!.IdleRemoval);
            n.Expired = true;
            Context.Stop(n.Supervisor);
        });
        Receive<Terminated>(t =>
        {
            if (!_bySupervisor.Remove(t.ActorRef, out var peer)) return;
            if (_neighbors.TryGetValue(peer, out var n) && ReferenceEquals(n.Supervisor, t.ActorRef))
            {
                _neighbors.Remove(peer);
                if (n.Replacement is { } settings)
                {
                    // The old actor's name is free only now. An operator's stop carries over: the new FSM gets no
                    // AutomaticStart, so it never dials or accepts before anyone could stop it again.
                    Spawn(settings, n.Range, n.AdminDown);
                    n.PendingRemoval?.Tell(new NeighborAdded(peer, true), Self);
                }
                else
                {
                    // Its connections go the rejecting way again (Cease/5), or to a dynamic neighbor made anew.
                    _listener?.Tell(new RefuseConnections(peer, false), Self);
                    PublishSecurity(peer, null);
                    _bfd?.Tell(new Bfd.ConfigureBfd(peer, null, null), Self);
                    n.PendingRemoval?.Tell(new NeighborRemoved(peer, true), Self);
                }
                foreach (var (pending, listener) in n.Inbound)
                    listener.Tell(new RejectConnection(pending.Connection, $"neighbor {peer} was removed"), Self);
                if (n.PendingRemoval is null && !n.Expired)
                    Log.Warning("Session with {Peer} ended for good (its FSM stopped or crashed too often)", peer);
            }
        });
    }

    public static Props Props(IEnumerable<NeighborSettings> neighbors, IReadOnlyList<DynamicNeighborRange> ranges,
        Func<NeighborSettings, Props> fsmProps, FsmRestartSettings? restart = null)
    {
        var list = neighbors.ToArray();
        return Akka.Actor.Props.Create(() => new NeighborSupervisor(list, ranges, fsmProps, restart ?? new FsmRestartSettings()));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnFsmStarted(FsmStarted e)
    {
        // Only our own FSMs: the neighbor's BackoffSupervisor is their parent (another speaker may share the system).
        if (!_neighbors.TryGetValue(e.Peer, out var n) || !e.Fsm.Path.Parent.Equals(n.Supervisor.Path)) return;
        if (n.StartedFsm is null)
        {
            n.StartedFsm = e.Fsm;
            return;
        }
        if (e.Fsm.Equals(n.StartedFsm)) return;
        // A new FSM incarnation after a crash: it starts in Idle, so give it the AutomaticStart (RFC 4271 Event 3)
        // the supervisor gives every neighbor it creates, unless the operator stopped it.
        n.StartedFsm = e.Fsm;
        n.Restarts++;
        Log.Warning("FSM of {Peer} was recreated after a crash (restart {Count})", e.Peer, n.Restarts);
        if (!n.AdminDown && n.PendingRemoval is null) e.Fsm.Tell(new AutomaticStart(), Self);
    }

    private static bool IsDown(SessionState state) => state is SessionState.Idle or SessionState.Connect or SessionState.Active;

    private void OnStateChanged(SessionStateChanged e)
    {
        if (!_neighbors.TryGetValue(e.Peer, out var n) || n.Range is null) return;
        n.State = e.To;
        var key = "dynamic-idle-" + e.Peer;
        if (!IsDown(e.To)) Timers.Cancel(key);
        else if (!IsDown(e.From) || !Timers.IsTimerActive(key))
            Timers.StartSingleTimer(key, new DynamicIdleExpired(e.Peer, n.Supervisor), n.Range.IdleRemoval);
    }

    /// <summary>
    /// Inbound connections go to the FSM itself once the BackoffSupervisor says it runs. While it waits out a
    /// restart backoff there is no FSM, and the BackoffSupervisor would pass the connection to DeadLetters (where it
    /// would linger until its register timeout, silently). We reject it instead, with Cease/5 Connection Rejected
    /// (RFC 4486) when its OPEN arrives: the recreated FSM starts in Idle, which refuses connections anyway
    /// (RFC 4271 8.2.2 Idle), and the peer's ConnectRetryTimer brings it back once we are up again.
    /// </summary>
    private void HandOver(Neighbor n, IActorRef? fsm)
    {
        while (n.Inbound.TryDequeue(out var pending))
        {
            var c = pending.Connection;
            if (fsm is not null) fsm.Tell(new Accepted(c.Connection, c.Local, c.Remote), Self);
            else pending.Listener.Tell(new RejectConnection(c.Connection, $"the FSM of {n.Settings.PeerAddress} is restarting after a crash"), Self);
        }
    }

    /// <summary>Queues the connection for <see cref="HandOver"/> and asks the BackoffSupervisor for its FSM.</summary>
    private void Offer(Neighbor n, InboundConnection c)
    {
        n.Inbound.Enqueue((c, Sender));
        n.Supervisor.Tell(BackoffSupervisor.GetCurrentChild.Instance, Self);
    }

    private void Spawn(NeighborSettings settings, DynamicNeighborRange? range, bool adminDown = false)
    {
        var name = "peer-" + settings.PeerAddress.ToString().Replace(':', '_');
        // OnFailure: a crash stops the FSM and recreates it after min * 2^n (capped, with jitter); the count resets
        // after the FSM has run for MinBackoff. An FSM that stops on its own ends the neighbor.
        var props = BackoffSupervisor.Props(Backoff.OnFailure(_fsmProps(settings), "fsm", _restart.MinBackoff, _restart.MaxBackoff,
            _restart.RandomFactor, maxNrOfRetries: -1));
        var supervisor = Context.Watch(Context.ActorOf(props, name));
        var n = new Neighbor(settings, supervisor, range) { AdminDown = adminDown };
        _neighbors[settings.PeerAddress] = n;
        _bySupervisor[supervisor] = settings.PeerAddress;
        PublishSecurity(settings.PeerAddress, TransportSecurity.For(settings));
        PublishBfd(settings);
        // RFC 4271 8.1.2: the system starts the session (Event 3, or 5 with PassiveTcpEstablishment);
        // the FSM ignores it unless AllowAutomaticStart. Not for a neighbor the operator stopped: Idle until ManualStart.
        if (!adminDown) supervisor.Tell(new AutomaticStart(), Self);
    }

    /// <summary>
    /// Tells the FSM to end the session (ManualStop for Cease/2, which carries the RFC 9003 text; AutomaticStop with
    /// the subcode otherwise), then stops it. Stopping at once would lose that message (a stop overtakes queued messages),
    /// so the stop waits until the FSM has answered a status query sent after it: the FSM handles its mailbox in
    /// order. The connection is not the FSM's child and flushes the NOTIFICATION on its own.
    /// </summary>
    private void BeginRemoval(Neighbor n, byte ceaseSubcode, string? communication, IActorRef replyTo, NeighborSettings? replacement)
    {
        object stop = ceaseSubcode == CeaseSubcode.AdministrativeShutdown
            ? new ManualStop(communication)
            : new AutomaticStop(ceaseSubcode, communication ?? "neighbor removed from the configuration");
        n.Supervisor.Tell(stop, Self);
        // PendingRemoval also keeps a crashed FSM from getting its AutomaticStart while it goes (OnFsmStarted); the
        // operator's AdminDown is left as it is, for the replacement to inherit.
        n.PendingRemoval = replyTo;
        n.Replacement = replacement;
        var self = Self;
        var peer = n.Settings.PeerAddress;
        n.Supervisor.Ask(GetNeighborStatus.Instance, TimeSpan.FromSeconds(5))
            .ContinueWith(_ => self.Tell(new FinishRemoval(peer), self), TaskScheduler.Default);
    }

    /// <summary>The neighbor's BFD session follows its settings (a replaced neighbor with unchanged BFD keeps its session).</summary>
    private void PublishBfd(NeighborSettings settings) =>
        _bfd?.Tell(new Bfd.ConfigureBfd(settings.PeerAddress, settings.LocalAddress, settings.Bfd), Self);

    private void PublishSecurity(IPAddress peer, TransportSecurity? security)
    {
        foreach (var t in _transport) t.Tell(new SetPeerSecurity(peer, security), Self);
    }

    private void OnInbound(InboundConnection c)
    {
        var address = c.Remote.Address;
        if (_neighbors.TryGetValue(address, out var n))
        {
            // RFC 4271 Event 14 TcpConnection_Valid: the FSM decides (it may refuse in Idle, or run collision detection).
            Offer(n, c);
            return;
        }
        foreach (var range in _ranges)
        {
            if (!range.Covers(address)) continue;
            int count = _neighbors.Values.Count(x => ReferenceEquals(x.Range, range));
            if (count >= range.MaxPeers)
            {
                Sender.Tell(new RejectConnection(c.Connection, $"dynamic range {range.Range} is full ({range.MaxPeers} peers)"), Self);
                return;
            }
            Log.Info("Dynamic neighbor {Peer} from range {Range} ({Count}/{Max})", address, range.Range, count + 1, range.MaxPeers);
            Spawn(range.For(address), range);
            var created = _neighbors[address];
            // Down until its session comes up: removed after IdleRemoval if it never does.
            Timers.StartSingleTimer("dynamic-idle-" + address, new DynamicIdleExpired(address, created.Supervisor), range.IdleRemoval);
            Offer(created, c);
            return;
        }
        Sender.Tell(new RejectConnection(c.Connection, $"{address} is not a configured neighbor"), Self);
    }

    private void OnCommand(NeighborCommand c)
    {
        if (!_neighbors.TryGetValue(c.Peer, out var n))
        {
            Sender.Tell(new NeighborNotFound(c.Peer), Self);
            return;
        }
        if (c.Command is ManualStop) n.AdminDown = true;
        else if (c.Command is ManualStart or ManualStartWithPassiveTcpEstablishment) n.AdminDown = false;
        n.Supervisor.Tell(c.Command, Sender);
    }

    private void OnGetAll(GetAllNeighborStatus q)
    {
        var timeout = q.Timeout ?? TimeSpan.FromSeconds(3);
        var replyTo = Sender;
        var self = Self;
        var asks = _neighbors.Values
            .Select(n => (n.Settings.PeerAddress, Task: n.Supervisor.Ask(GetNeighborStatus.Instance, timeout)))
            .ToArray();
        _ = Task.WhenAll(asks.Select(a => (Task)a.Task).DefaultIfEmpty(Task.CompletedTask)).ContinueWith(_ =>
        {
            var ok = asks.Where(a => a.Task.IsCompletedSuccessfully).Select(a => a.Task.Result).ToArray();
            var missing = asks.Where(a => !a.Task.IsCompletedSuccessfully).Select(a => a.PeerAddress).ToArray();
            self.Tell(new StatusesCollected(replyTo, new AllNeighborStatus(ok, missing)), self);
        }, TaskScheduler.Default);
    }
}
