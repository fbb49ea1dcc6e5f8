using System.Diagnostics.Metrics;
using AkkaBgp.Actors;
using AkkaBgp.Service.Metrics;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// <c>akka_actor_mailbox_depth{actor_path="/user/..."}</c>: user messages waiting per actor, read from the kernel
/// (<see cref="ActorSystem.GetMailboxDepths"/>) when /metrics is scraped. The instrument is published on its own
/// <see cref="Meter"/> with the speaker's meter name, because the <see cref="PrometheusExporter"/> selects
/// instruments by meter name; that keeps this out of the Metrics and Management code.
/// To bound the number of series, top-level actors and their children (the speaker's services, one supervisor
/// per neighbor, the RIB's partitions and per-peer actors, one per TCP connection) are always reported, and
/// deeper actors only while their backlog is at least <see cref="DeepActorThreshold"/>.
/// </summary>
public sealed class MailboxMetrics : IDisposable
{
    public const string InstrumentName = "akka_actor_mailbox_depth";

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
    }

    private static IEnumerable<Measurement<long>> Observe(ActorSystem? system)
    {
        if (system is null) return [];
        var depths = system.GetMailboxDepths(d => d.Level <= AlwaysReportedLevels || d.Count >= DeepActorThreshold);
        var measurements = new List<Measurement<long>>(depths.Count);
        foreach (var d in depths)
            measurements.Add(new Measurement<long>(d.Count, new KeyValuePair<string, object?>("actor_path", LocalPath(d.Path))));
        return measurements;
    }

    /// <summary>The path below the system (<c>/user/bgp-rib</c>): the system name is the same on every series.</summary>
    private static string LocalPath(ActorPath path)
    {
        var text = path.ToString();
        var root = "akka://" + path.SystemName;
        return text.StartsWith(root, StringComparison.Ordinal) ? text[root.Length..] : text;
    }

    public void Dispose() => _meter.Dispose();
}
