using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace AkkaBgp.Service.Management;

/// <summary>How one <c>/bgp/events</c> listener's stream ended.</summary>
public enum SubscriptionEnd
{
    /// <summary>The client went away, the request was cancelled or the service is stopping.</summary>
    Ended,
    /// <summary>The client fell more than the buffer behind and was dropped.</summary>
    Dropped,
}

/// <summary>
/// One <c>/bgp/events</c> listener: the snapshot first, then every event from the hub, written one at a time.
/// <para>
/// Order: the listener attaches to the hub's BroadcastHub and waits for its own marker before the snapshot is taken,
/// so every change after the snapshot reaches it (one that lands in between shows up twice, snapshot and event,
/// never not at all). Events that arrive while the snapshot is written wait in the listener's buffer.
/// </para>
/// <para>
/// Back-pressure stops at the listener's own bounded buffer: it always takes what the hub offers, so the hub (and the
/// speaker behind it) never waits for a client. A client that does not read fills its buffer and is dropped, with a
/// log line that says why; the other listeners do not notice.
/// </para>
/// </summary>
public static class EventSubscription
{
    public static readonly ServerEvent Keepalive = new(":keepalive", "");

    public static async Task<SubscriptionEnd> RunAsync(
        IActorRef hub,
        Func<CancellationToken, Task<IReadOnlyList<ServerEvent>>> snapshot,
        Func<ServerEvent, CancellationToken, Task> write,
        int bufferSize,
        TimeSpan keepaliveInterval,
        IMaterializer materializer,
        Serilog.ILogger log,
        string listener,
        CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var feed = await hub.Ask<EventFeed>(new Watch(id), TimeSpan.FromSeconds(5), ct);
        var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var events = feed.Source
                .Where(e =>
                {
                    if (e.Name != SessionEventHub.MarkerName) return true;
                    if (e.Data is Guid mine && mine == id) attached.TrySetResult();
                    return false;
                })
                // The buffer pulls from the hub whether or not the client reads; full means the client is gone in all
                // but name.
                .Buffer(bufferSize, OverflowStrategy.Fail);
            var head = Source.FromTask(SnapshotWhenAttachedAsync(hub, id, attached, snapshot, ct)).SelectMany(list => list);
            var (kill, done) = head.Concat(events)
                .KeepAlive(keepaliveInterval, () => Keepalive)
                .ViaMaterialized(KillSwitches.Single<ServerEvent>(), Keep.Right)
                .SelectAsync(1, async e =>
                {
                    await write(e, ct);
                    return NotUsed.Instance;
                })
                .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Both)
                .Run(materializer);
            using var stop = ct.Register(() => kill.Shutdown());
            try
            {
                // The stream ends by itself once the kill switch is pulled (its stages stopped before the request
                // ends), except when the actor system has terminated first (it can, before the host stops the web
                // server: SIGTERM without a cluster to leave): the stream is then gone without completing, and an open
                // /bgp/events would hold the host's shutdown for its whole timeout.
                if (await Task.WhenAny(done, Terminated(materializer)) != done) return SubscriptionEnd.Ended;
                await done;
                return SubscriptionEnd.Ended;
            }
            catch (BufferOverflowException)
            {
                log.Warning("Dropped /bgp/events listener {Listener}: it fell {Buffer} events behind (it reads too slowly or not at all)",
                    listener, bufferSize);
                return SubscriptionEnd.Dropped;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException || ct.IsCancellationRequested)
            {
                return SubscriptionEnd.Ended;
            }
        }
        finally
        {
            hub.Tell(new Unwatch(id), ActorRefs.NoSender);
        }
    }

    private static Task Terminated(IMaterializer materializer) =>
        materializer is ActorMaterializer m ? m.System.WhenTerminated : Task.Delay(Timeout.Infinite);

    /// <summary>Asks for the marker until it comes back through the feed (attaching to a BroadcastHub is asynchronous:
    /// a marker sent before the attachment completes never arrives), then takes the snapshot.</summary>
    private static async Task<IReadOnlyList<ServerEvent>> SnapshotWhenAttachedAsync(IActorRef hub, Guid id, TaskCompletionSource attached,
        Func<CancellationToken, Task<IReadOnlyList<ServerEvent>>> snapshot, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!attached.Task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the event hub did not attach the listener within 10 s");
            hub.Tell(new Mark(id), ActorRefs.NoSender);
            await Task.WhenAny(attached.Task, Task.Delay(50, ct));
            ct.ThrowIfCancellationRequested();
        }
        return await snapshot(ct);
    }
}
