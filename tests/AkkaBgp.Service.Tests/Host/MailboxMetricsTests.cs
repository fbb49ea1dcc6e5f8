using System.Net;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Host;

public sealed class MailboxMetricsTests : TestKit
{
    /// <summary>
    /// Stands for a slow handler: on "block" it awaits the gate, and Akka.NET does not hand an actor its next message
    /// while an async handler runs, so a backlog builds up without holding a thread.
    /// </summary>
    private sealed class Blocker : ReceiveActor
    {
        public Blocker(TaskCompletionSource entered, Task gate)
        {
            ReceiveAsync<string>(m => m == "block", async _ =>
            {
                entered.TrySetResult();
                await gate;
            });
            Receive<int>(_ => { });
            Receive<Props>(p => Sender.Tell(Context.ActorOf(p, "child")));
        }
    }

    [Fact]
    public async Task A_blocked_actor_shows_its_backlog_in_the_speaker_meter_and_deep_actors_only_above_the_threshold()
    {
        // Same meter name as the service, so this is what /metrics serves. Other tests' hosts in this process
        // publish on it too; the assertions name only this system's actors.
        using var exporter = new PrometheusExporter(BgpMetrics.MeterName);
        using var metrics = new MailboxMetrics(() => Sys);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deepEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var top = Sys.ActorOf(Props.Create(() => new Blocker(entered, gate.Task)), "mm-top");
        try
        {
            top.Tell(Props.Create(() => new Blocker(new TaskCompletionSource(), Task.CompletedTask)), TestActor);
            var child = ExpectMsg<IActorRef>(TimeSpan.FromSeconds(10));
            child.Tell(Props.Create(() => new Blocker(deepEntered, gate.Task)), TestActor);
            var deep = ExpectMsg<IActorRef>(TimeSpan.FromSeconds(10));
            Assert.Equal("/user/mm-top/child/child", deep.Path.ToStringWithoutAddress());
            top.Tell("block");
            deep.Tell("block");
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await deepEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            for (var i = 0; i < 42; i++) top.Tell(i);
            for (var i = 0; i < MailboxMetrics.DeepActorThreshold - 1; i++) deep.Tell(i);

            var text = exporter.Scrape();
            Assert.Contains($"# TYPE {MailboxMetrics.InstrumentName} gauge\n", text);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top\"}} 42\n", text);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top/child\"}} 0\n", text);
            // Level 3 below the threshold: no series.
            Assert.DoesNotContain("actor_path=\"/user/mm-top/child/child\"", text);

            deep.Tell(-1);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top/child/child\"}} {MailboxMetrics.DeepActorThreshold}\n", exporter.Scrape());
        }
        finally
        {
            gate.TrySetResult();
        }
    }

    [Fact]
    public void No_system_means_no_series()
    {
        using var exporter = new PrometheusExporter(BgpMetrics.MeterName);
        using var metrics = new MailboxMetrics(() => null);
        Assert.DoesNotMatch("actor_path=\"/user/nothing", exporter.Scrape());
    }

    [Fact]
    public async Task The_running_service_serves_mailbox_depths_of_its_actors_in_GET_metrics()
    {
        using var config = new ServiceConfig(IPAddress.Parse("127.0.65.1"));
        config.Write("""
              neighbors = [ { address = "127.0.65.2", remote-as = 65010, passive = true } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        // A /bgp/events listener runs as stream stage actors: not a series of its own unless its backlog is deep.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var events = await service.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await ServerSentEvents.ReadUntilAsync(events, e => e.Name == "snapshot-complete", cts.Token);
        using var response = await service.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains($"# TYPE {MailboxMetrics.InstrumentName} gauge\n", text);
        foreach (var actor in new[] { "bgp-neighbors", "bgp-rib", "bgp-listener", "bgp-connector", "events", "bgp-rib/loc-rib-0", "bgp-rib/loc-rib-1" })
            Assert.Matches(new Regex($"\n{MailboxMetrics.InstrumentName}\\{{actor_path=\"/user/{Regex.Escape(actor)}\"\\}} \\d+\n"), text);
        Assert.DoesNotMatch(new Regex(@"actor_path=""/user/StreamSupervisor-\d+/"), text);
    }
}
