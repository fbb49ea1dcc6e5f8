using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Session;
using Serilog.Context;

namespace AkkaBgp.Service.Management;

/// <summary>One server-sent event: its <c>event:</c> name and the object serialised as its <c>data:</c>.</summary>
public sealed record ServerEvent(string Name, object Data);

/// <summary>A <c>/bgp/events</c> listener arrives (<paramref name="Id"/> names it); answered with <see cref="EventFeed"/>.</summary>
public sealed record Watch(Guid Id);

/// <summary>The listener has attached to the feed and wants its marker: a <see cref="SessionEventHub.MarkerName"/> event
/// with its id, which tells it that every event after the marker reaches it.</summary>
public sealed record Mark(Guid Id);

public sealed record Unwatch(Guid Id);

/// <summary>The hub's output: every event from the moment a consumer attaches (a BroadcastHub source).</summary>
public sealed record EventFeed(Source<ServerEvent, NotUsed> Source);

/// <summary>The RIB to ask for summaries and best-path changes; it exists only once the speaker has started, after the hub.</summary>
public sealed record UseRib(IActorRef Rib);

/// <summary>
/// Subscribed to the EventStream: logs every session state change with the neighbor's address, AS and state as
/// properties, counts it, and publishes it (and max-prefix events) to the <c>/bgp/events</c> listeners through an
/// Akka.Streams BroadcastHub. While someone listens it is subscribed (through the RIB actor) to the RIB's
/// <see cref="BestPathChanges"/>, sent as one <c>best-path</c> event per change, and polls the RIB summary once a
/// second for a <c>rib</c> event when the counts move.
/// <para>
/// The hub never waits for a listener: its input drops the oldest events if the hub itself is ever full, a consumer
/// that drains and discards keeps it flowing when nobody listens, and each listener reads through its own bounded
/// buffer (<see cref="EventSubscription"/>), so a listener that stops reading is dropped instead of holding up the
/// others or the speaker.
/// </para>
/// </summary>
public sealed class SessionEventHub : ReceiveActor, IWithTimers
{
    /// <summary>Name of the marker events (never written to a client).</summary>
    public const string MarkerName = "";

    /// <summary>Events waiting to enter the hub; only fills if the hub stalls, which its draining consumer prevents.</summary>
    private const int InputBuffer = 4096;

    /// <summary>The BroadcastHub's own buffer (a power of two).</summary>
    private const int HubBuffer = 256;

    private readonly HashSet<Guid> _watchers = new();
    private readonly Serilog.ILogger _sessions;
    private IActorRef _rib = ActorRefs.Nobody;
    private IActorRef _input = ActorRefs.Nobody;
    private Source<ServerEvent, NotUsed>? _feed;
    private RibSummary? _lastRib;
    private bool _ribQueryPending;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record PollRib : IDeadLetterSuppression
    {
        public static readonly PollRib Instance = new();
    }

    private sealed record RibPolled(RibSummary? Summary) : IDeadLetterSuppression;

    private sealed record SheddingCheck : IDeadLetterSuppression
    {
        public static readonly SheddingCheck Instance = new();
    }

    /// <summary>
    /// Best-path batches waiting in this actor's mailbox above which it stops taking them, and below which it takes them
    /// again. A full-table load makes changes faster than one actor can turn them into events (millions a second on
    /// two cores); without a bound the batches, and the routes they hold, piled up in the mailbox (118 MB of live heap
    /// in the flood test) until the load ended. Listeners are told with an <c>events-dropped</c> event, so a consumer
    /// knows to read <c>/bgp/rib</c> again instead of trusting a stream with holes.
    /// </summary>
    internal const int BacklogHigh = 64, BacklogLow = 4;

    private bool _shedding;
    private long _batchesDropped;

    public SessionEventHub(BgpMetrics metrics, Serilog.ILogger log)
    {
        _sessions = log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Sessions");
        _clusterEvents = Nodes.Membership.IsClustered(Context.System);
        Receive<SessionStateChanged>(c =>
        {
            metrics.SessionTransition(c);
            using (LogContext.PushProperty("NeighborAddress", c.Peer.ToString()))
            using (LogContext.PushProperty("NeighborAs", c.PeerAs))
            using (LogContext.PushProperty("State", c.To.ToString()))
            {
                var level = c.To == SessionState.Established || c.From == SessionState.Established
                    ? Serilog.Events.LogEventLevel.Information
                    : Serilog.Events.LogEventLevel.Debug;
                _sessions.Write(level, "Neighbor {NeighborAddress} AS{NeighborAs} {FromState} -> {State}{Reason}",
                    c.Peer.ToString(), c.PeerAs, c.From, c.To, c.Reason is null ? "" : ": " + c.Reason);
            }
            Broadcast(new ServerEvent("session", EventJson.From(c)));
        });
        Receive<MaxPrefixExceeded>(e => Broadcast(new ServerEvent("max-prefix-exceeded",
            new { neighbor = e.Peer.ToString(), family = FamilyNames.Of(e.Family), count = e.Count, limit = e.Limit })));
        Receive<MaxPrefixWarning>(e => Broadcast(new ServerEvent("max-prefix-warning",
            new { neighbor = e.Peer.ToString(), family = FamilyNames.Of(e.Family), count = e.Count, limit = e.Limit })));
        // BFD state changes (RFC 5880), with the diagnostic; a failure is what takes the BGP session down (RFC 5882).
        Receive<AkkaBgp.Bfd.BfdStateChanged>(e => Broadcast(new ServerEvent("bfd", new
        {
            neighbor = e.Peer.Remote.ToString(), local = e.Peer.Local.ToString(), multihop = e.Peer.Multihop,
            from = e.From.ToString(), to = e.To.ToString(),
            diagnostic = new { code = (int)e.Diagnostic, text = AkkaBgp.Bfd.BfdText.Describe(e.Diagnostic) },
            peerAdminDown = e.PeerAdminDown, failure = e.IsFailure, at = e.At,
        })));
        // A cluster route's health check changed what this node announces (issue 17).
        Receive<Nodes.ClusterRouteHealthEvent>(e => Broadcast(new ServerEvent("cluster-route", new
        {
            prefix = e.Prefix.ToString(), from = e.From.ToString().ToLowerInvariant(), to = e.To.ToString().ToLowerInvariant(),
            detail = e.Detail, announced = e.Announced ?? "nothing", at = DateTimeOffset.UtcNow,
        })));
        // Membership as this node sees it: a member joining, up, leaving, removed, unreachable or reachable again.
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(e => Broadcast(new ServerEvent("member", new
        {
            member = e.Member.Address.ToString(), status = e.Member.Status.ToString(), @event = e.GetType().Name, at = DateTimeOffset.UtcNow,
        })));
        Receive<Akka.Cluster.ClusterEvent.ReachabilityEvent>(e => Broadcast(new ServerEvent("member", new
        {
            member = e.Member.Address.ToString(), status = e.Member.Status.ToString(),
            @event = e is Akka.Cluster.ClusterEvent.UnreachableMember ? "Unreachable" : "Reachable", at = DateTimeOffset.UtcNow,
        })));
        Receive<BestPathChanges>(b =>
        {
            if (_watchers.Count == 0) return;
            if (_shedding) { _batchesDropped++; return; }
            if (Backlog() > BacklogHigh) { StartShedding(); _batchesDropped++; return; }
            foreach (var c in b.Changes) Broadcast(new ServerEvent("best-path", EventJson.BestPath(c)));
        });
        Receive<SheddingCheck>(_ =>
        {
            if (!_shedding || Backlog() > BacklogLow) return;
            _shedding = false;
            Timers.Cancel("shedding");
            _sessions.Information("/bgp/events: best-path events resume ({Dropped} batches dropped while behind)", _batchesDropped);
            Broadcast(new ServerEvent("events-resumed", new { batchesDropped = _batchesDropped, at = DateTimeOffset.UtcNow }));
            _batchesDropped = 0;
            if (_watchers.Count > 0 && !_rib.IsNobody()) _rib.Tell(new SubscribeBestPathChanges(Self), Self);
        });
        Receive<UseRib>(r =>
        {
            _rib = r.Rib;
            if (_watchers.Count > 0) FollowRib();
        });
        Receive<Watch>(w =>
        {
            Sender.Tell(new EventFeed(_feed!), Self);
            if (_watchers.Add(w.Id) && _watchers.Count == 1) FollowRib();
        });
        Receive<Mark>(m => _input.Tell(new ServerEvent(MarkerName, m.Id), Self));
        Receive<Unwatch>(w =>
        {
            if (!_watchers.Remove(w.Id) || _watchers.Count != 0 || _rib.IsNobody()) return;
            _rib.Tell(new UnsubscribeBestPathChanges(Self), Self);
            Timers.Cancel("rib");
        });
        Receive<PollRib>(_ =>
        {
            if (_ribQueryPending || _rib.IsNobody()) return;
            _ribQueryPending = true;
            _rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(5))
                .PipeTo(Self, success: s => new RibPolled(s), failure: _ => new RibPolled(null));
        });
        Receive<RibPolled>(p =>
        {
            _ribQueryPending = false;
            if (p.Summary is not { } s) return;
            if (_lastRib is { } last && SameCounts(last, s)) return;
            _lastRib = s;
            Broadcast(new ServerEvent("rib", EventJson.Summary(s)));
        });
    }

    public static Props Props(BgpMetrics metrics, Serilog.ILogger log) =>
        Akka.Actor.Props.Create(() => new SessionEventHub(metrics, log));

    internal static readonly Type[] Subscriptions = [typeof(SessionStateChanged), typeof(MaxPrefixExceeded), typeof(MaxPrefixWarning), typeof(AkkaBgp.Bfd.BfdStateChanged),
        typeof(Nodes.ClusterRouteHealthEvent)];

    /// <summary>The partitions record best-path changes only while someone is subscribed: a full-table load with no
    /// /bgp/events listener pays nothing for them. Without a RIB yet, <see cref="UseRib"/> does this later.</summary>
    private void FollowRib()
    {
        if (_rib.IsNobody()) return;
        _rib.Tell(new SubscribeBestPathChanges(Self), Self);
        Timers.StartPeriodicTimer("rib", PollRib.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PreStart()
    {
        foreach (var type in Subscriptions) Context.System.EventStream.Subscribe(Self, type);
        if (_clusterEvents)
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.IMemberEvent), typeof(Akka.Cluster.ClusterEvent.ReachabilityEvent));
        // The hub's stream runs in this actor's materializer, so it stops with the actor (and every listener's feed
        // completes then).
        var materializer = Context.Materializer();
        var (input, feed) = Source.ActorRef<ServerEvent>(InputBuffer, OverflowStrategy.DropHead)
            .ToMaterialized(BroadcastHub.Sink<ServerEvent>(HubBuffer), Keep.Both)
            .Run(materializer);
        _input = input;
        _feed = feed;
        // A BroadcastHub without consumers holds its producer back; this one drains it when nobody listens.
        feed.RunWith(Sink.Ignore<ServerEvent>(), materializer);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (_clusterEvents) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>Messages waiting in this actor's mailbox (the same reading as the akka_actor_mailbox_depth gauge).</summary>
    private int Backlog() => Self is ActorRefWithCell c ? c.Underlying.NumberOfMessages : 0;

    private void StartShedding()
    {
        _shedding = true;
        // Stop them at the source: the partitions record no more changes until we subscribe again.
        if (!_rib.IsNobody()) _rib.Tell(new UnsubscribeBestPathChanges(Self), Self);
        _sessions.Warning("/bgp/events: {Backlog} messages behind; best-path events are dropped until the hub catches up", Backlog());
        Broadcast(new ServerEvent("events-dropped", new
        {
            reason = "the event hub fell behind the RIB; best-path events are dropped until it catches up (events-resumed); read /bgp/rib for the current state",
            at = DateTimeOffset.UtcNow,
        }));
        Timers.StartPeriodicTimer("shedding", SheddingCheck.Instance, TimeSpan.FromMilliseconds(200));
    }

    private void Broadcast(ServerEvent e)
    {
        if (_watchers.Count > 0) _input.Tell(e, Self);
        // Members of a cluster see each other's events on /bgp/events?scope=cluster (issue 17); a node alone sees its own.
        Nodes.ClusterEvents.Publish(Context.System, e);
    }

    /// <summary>Only a system with the cluster provider has membership events (a node alone, and unit tests, have none).</summary>
    private readonly bool _clusterEvents;

    private static bool SameCounts(RibSummary a, RibSummary b) =>
        a.EstablishedPeers == b.EstablishedPeers && a.Families.Count == b.Families.Count
        && a.Families.All(kv => b.Families.TryGetValue(kv.Key, out var o) && o == kv.Value);
}

public static class SessionEventHubs
{
    /// <summary>
    /// Creates the hub, subscribed before this returns: started before the speaker, it sees every session's first
    /// transition (PreStart subscribes again after a restart; subscribing twice is harmless).
    /// </summary>
    public static IActorRef Start(ActorSystem system, BgpMetrics metrics, Serilog.ILogger log, string name = "events")
    {
        var hub = system.ActorOf(SessionEventHub.Props(metrics, log), name);
        foreach (var type in SessionEventHub.Subscriptions) system.EventStream.Subscribe(hub, type);
        return hub;
    }
}
