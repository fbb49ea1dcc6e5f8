using System.Diagnostics.Metrics;
using Akka.Actor;
using AkkaBgp.Service.Metrics;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// The <c>akka_actor_mailbox_depth</c> gauge (meter "AkkaBgp", so <c>/metrics</c> serves it): messages waiting in
/// each actor's mailbox under <c>/user</c>, read at scrape time. Akka.NET has no public mailbox introspection; the
/// cell behind each local actor (<see cref="ActorRefWithCell.Underlying"/>, marked internal API but public) reports
/// <see cref="ICell.NumberOfMessages"/> and its children, which is enough to walk the tree from the user guardian.
/// To bound the number of series, top-level actors and their children (the speaker's services, one supervisor per
/// neighbor, the RIB's partitions and per-peer actors, one per TCP connection) are always reported, and deeper
/// actors (and Akka.Streams' stage actors) only while their backlog is at least <see cref="DeepActorThreshold"/>.
/// </summary>
public sealed class MailboxMetrics : IDisposable
{
    public const string InstrumentName = "akka_actor_mailbox_depth";

    /// <summary>Every live actor under /user, whatever its depth: the number a leak of actors (a connection, an FSM or a
    /// stream stage left behind per session or per request) makes grow. The soak test samples it.</summary>
    public const string CountInstrumentName = "akka_user_actors";

    /// <summary>Levels 1 and 2 (<c>/user/x</c>, <c>/user/x/y</c>) are always reported.</summary>
    public const int AlwaysReportedLevels = 2;

    /// <summary>A deeper actor (a session's FSM, its connection) appears once this many messages wait for it.</summary>
    public const int DeepActorThreshold = 100;

    private readonly Meter _meter = new(BgpMetrics.MeterName, "1.0");

    /// <param name="system">The running actor system, or null before start and after stop (no series then).</param>
    public MailboxMetrics(Func<ActorSystem?> system)
    {
        _meter.CreateObservableGauge(InstrumentName, () => Observe(system()), "{message}",
            $"Messages waiting in an actor's mailbox (top-level actors and their children; deeper actors at {DeepActorThreshold} or more)");
        _meter.CreateObservableGauge(CountInstrumentName, () => system() is { } s ? Depths(s).LongCount() : 0L, "{actor}",
            "Live actors under /user (all levels)");
    }

    /// <summary>Every actor under /user with its level (1: top-level) and mailbox depth.</summary>
    public static IEnumerable<(IActorRef Actor, int Level, int Depth)> Depths(ActorSystem system)
    {
        if (system is not ExtendedActorSystem { Guardian: ActorRefWithCell guardian }) yield break;
        var pending = new Stack<(IActorRef Actor, int Level)>();
        foreach (var child in guardian.Children) pending.Push((child, 1));
        while (pending.Count > 0)
        {
            var (actor, level) = pending.Pop();
            // Remote or already gone actors have no local cell to ask.
            if (actor is not ActorRefWithCell { IsTerminated: false } local) continue;
            yield return (actor, level, local.Underlying.NumberOfMessages);
            foreach (var child in local.Children) pending.Push((child, level + 1));
        }
    }

    private static IEnumerable<Measurement<long>> Observe(ActorSystem? system)
    {
        if (system is null) return [];
        var measurements = new List<Measurement<long>>();
        foreach (var (actor, level, depth) in Depths(system))
        {
            // Stream stages (one per /bgp/events listener, named by a counter) count as deep actors: reported
            // always, they would leave a new series behind for every listener that came and went.
            bool always = level <= AlwaysReportedLevels && !actor.Path.Parent.Name.StartsWith("StreamSupervisor-", StringComparison.Ordinal);
            if (!always && depth < DeepActorThreshold) continue;
            // The path below the system (/user/bgp-rib): the system name and address are the same on every series.
            measurements.Add(new Measurement<long>(depth, new KeyValuePair<string, object?>("actor_path", actor.Path.ToStringWithoutAddress())));
        }
        return measurements;
    }

    public void Dispose() => _meter.Dispose();
}
