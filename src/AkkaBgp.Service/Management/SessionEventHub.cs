using System.Threading.Channels;
using AkkaBgp.Actors;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Session;
using Serilog.Context;

namespace AkkaBgp.Service.Management;

/// <summary>One server-sent event: its <c>event:</c> name and the object serialised as its <c>data:</c>.</summary>
public sealed record ServerEvent(string Name, object Data);

/// <summary>Registers an event stream listener; the hub writes to it until <see cref="Unwatch"/>.</summary>
public sealed record Watch(ChannelWriter<ServerEvent> Writer);

public sealed record Unwatch(ChannelWriter<ServerEvent> Writer);

/// <summary>
/// Subscribed to the EventStream: logs every session state change with the neighbor's address, AS and
/// state as properties, counts it, and forwards it (and max-prefix events) to every <c>/bgp/events</c>
/// listener. While someone listens it is subscribed (through the RIB actor) to the RIB's <see cref="BestPathChanges"/>,
/// sent as one <c>best-path</c> event per change, and polls the RIB summary once a second for a <c>rib</c> event
/// when the counts move.
/// </summary>
public sealed class SessionEventHub : ReceiveActor, IWithTimers
{
    private readonly List<ChannelWriter<ServerEvent>> _watchers = new();
    private readonly Serilog.ILogger _sessions;
    private RibSummary? _lastRib;
    private bool _ribQueryPending;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record PollRib : IDeadLetterSuppression
    {
        public static readonly PollRib Instance = new();
    }

    private sealed record RibPolled(RibSummary? Summary) : IDeadLetterSuppression;

    private SessionEventHub(IActorRef rib, BgpMetrics metrics, Serilog.ILogger log)
    {
        _sessions = log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Sessions");
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
        Receive<BestPathChanges>(b =>
        {
            if (_watchers.Count == 0) return;
            foreach (var c in b.Changes) Broadcast(new ServerEvent("best-path", EventJson.BestPath(c)));
        });
        Receive<Watch>(w =>
        {
            _watchers.Add(w.Writer);
            if (_watchers.Count == 1)
            {
                // The partitions record best-path changes only while someone is subscribed: a full-table
                // load with no /bgp/events listener pays nothing for them.
                rib.Tell(new SubscribeBestPathChanges(Self), Self);
                Timers.StartPeriodicTimer("rib", PollRib.Instance, TimeSpan.FromSeconds(1));
            }
        });
        Receive<Unwatch>(w =>
        {
            _watchers.Remove(w.Writer);
            if (_watchers.Count == 0)
            {
                rib.Tell(new UnsubscribeBestPathChanges(Self), Self);
                Timers.Cancel("rib");
            }
        });
        Receive<PollRib>(_ =>
        {
            if (_ribQueryPending) return;
            _ribQueryPending = true;
            rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(5))
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

    public static Props Props(IActorRef rib, BgpMetrics metrics, Serilog.ILogger log) =>
        Actors.Props.Create(() => new SessionEventHub(rib, metrics, log));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe<SessionStateChanged>(Self);
        Context.System.EventStream.Subscribe<MaxPrefixExceeded>(Self);
        Context.System.EventStream.Subscribe<MaxPrefixWarning>(Self);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var w in _watchers) w.TryComplete();
    }

    private void Broadcast(ServerEvent e)
    {
        // Bounded channels that drop the oldest: a slow HTTP client loses events, it never holds up the hub.
        foreach (var w in _watchers) w.TryWrite(e);
    }

    private static bool SameCounts(RibSummary a, RibSummary b) =>
        a.EstablishedPeers == b.EstablishedPeers && a.Families.Count == b.Families.Count
        && a.Families.All(kv => b.Families.TryGetValue(kv.Key, out var o) && o == kv.Value);
}
