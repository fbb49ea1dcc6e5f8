using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.Streams;
using Akka.TestKit.Xunit2;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Session;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>
/// The <c>/bgp/events</c> fan-out (SessionEventHub's BroadcastHub, one EventSubscription per listener) with the
/// HTTP writes replaced by functions: one listener that never reads, one that does.
/// </summary>
public sealed class EventHubTests : TestKit
{
    private sealed class Collect : ILogEventSink
    {
        public readonly ConcurrentQueue<string> Lines = new();
        public void Emit(LogEvent e) => Lines.Enqueue(e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static SessionStateChanged Change(int i) =>
        new(IPAddress.Parse("192.0.2.2"), 64496, SessionState.Idle, SessionState.Connect, 3, "AutomaticStart", $"attempt {i}", DateTimeOffset.UtcNow);

    private static Task<IReadOnlyList<ServerEvent>> Snapshot(CancellationToken _) =>
        Task.FromResult<IReadOnlyList<ServerEvent>>([new ServerEvent("snapshot-complete", new { neighbors = 0 })]);

    [Fact]
    public async Task A_listener_that_never_reads_is_dropped_with_a_reason_and_delays_neither_the_other_listener_nor_the_publisher()
    {
        var sink = new Collect();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        using var metrics = new BgpMetrics(new SpeakerSnapshot(null!, null!, null!));
        var rib = CreateTestProbe();
        var hub = SessionEventHubs.Start(Sys, metrics, log);
        hub.Tell(new UseRib(rib.Ref));
        var materializer = Sys.Materializer();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        const int buffer = 16, events = 2000;

        // Never reads: its first write (the snapshot) never completes, like a client whose TCP window stays shut.
        var stuckWriting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = EventSubscription.RunAsync(hub, Snapshot, (_, ct) =>
        {
            stuckWriting.TrySetResult();
            return Task.Delay(Timeout.Infinite, ct);
        }, buffer, TimeSpan.FromMinutes(1), materializer, log, "stuck-client", cts.Token);

        var received = new ConcurrentQueue<ServerEvent>();
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var healthy = EventSubscription.RunAsync(hub, Snapshot, (e, _) =>
        {
            received.Enqueue(e);
            if (e.Name == "snapshot-complete") reading.TrySetResult();
            if (received.Count(x => x.Name == "session") == events) allReceived.TrySetResult();
            return Task.CompletedTask;
        }, StreamEndpoints.EventBuffer, TimeSpan.FromMinutes(1), materializer, log, "reading-client", cts.Token);

        await Task.WhenAll(stuckWriting.Task, reading.Task).WaitAsync(TimeSpan.FromSeconds(10));

        // The FSMs publish on the EventStream and go on; nothing here can wait for a listener.
        var publishing = Stopwatch.StartNew();
        for (var i = 0; i < events; i++) Sys.EventStream.Publish(Change(i));
        publishing.Stop();
        Assert.True(publishing.Elapsed < TimeSpan.FromSeconds(2), $"publishing took {publishing.Elapsed}");

        Assert.Equal(SubscriptionEnd.Dropped, await stuck.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains($"Dropped /bgp/events listener \"stuck-client\": it fell {buffer} events behind (it reads too slowly or not at all)", sink.Lines);

        await allReceived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var sessions = received.Where(e => e.Name == "session").ToArray();
        Assert.Equal(events, sessions.Length);
        Assert.Equal("snapshot-complete", received.First().Name);
        Assert.DoesNotContain(received, e => e.Name == SessionEventHub.MarkerName);

        cts.Cancel();
        Assert.Equal(SubscriptionEnd.Ended, await healthy.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_listener_gets_the_snapshot_first_then_only_changes_published_after_it_attached()
    {
        using var log = new LoggerConfiguration().CreateLogger();
        using var metrics = new BgpMetrics(new SpeakerSnapshot(null!, null!, null!));
        var hub = SessionEventHubs.Start(Sys, metrics, log);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Published while nobody listens: not buffered for a later listener (its snapshot covers them).
        Sys.EventStream.Publish(Change(-1));

        var received = new ConcurrentQueue<ServerEvent>();
        var snapshotWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = EventSubscription.RunAsync(hub, Snapshot, (e, _) =>
        {
            received.Enqueue(e);
            if (e.Name == "snapshot-complete") snapshotWritten.TrySetResult();
            if (received.Count == 3) second.TrySetResult();
            return Task.CompletedTask;
        }, 16, TimeSpan.FromMinutes(1), Sys.Materializer(), log, "client", cts.Token);
        await snapshotWritten.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Sys.EventStream.Publish(Change(1));
        Sys.EventStream.Publish(Change(2));
        await second.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["snapshot-complete", "session", "session"], received.Select(e => e.Name));
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
