using System.Net;
using System.Text.RegularExpressions;
using AkkaBgp.Actors;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Host;

public sealed class MailboxMetricsTests
{
    /// <summary>Holds its thread until the gate opens (standing for a slow handler) so a backlog builds up.</summary>
    private sealed class Blocker : ReceiveActor
    {
        public Blocker(TaskCompletionSource entered, ManualResetEventSlim gate)
        {
            Receive<string>(m => m == "block", _ =>
            {
                entered.TrySetResult();
                gate.Wait(TimeSpan.FromSeconds(20));
            });
            Receive<int>(_ => { });
            Receive<Props>(p => Context.ActorOf(p, "child"));
        }
    }

    [Fact]
    public async Task A_blocked_actor_shows_its_backlog_in_the_speaker_meter_and_deep_actors_only_above_the_threshold()
    {
        // Same meter name as the service, so this is what /metrics serves. Other tests' hosts in this process
        // publish on it too; the assertions name only this system's actors.
        using var exporter = new PrometheusExporter(BgpMetrics.MeterName);
        using var system = ActorSystem.Create("mailbox-metrics");
        using var metrics = new MailboxMetrics(() => system);
        using var gate = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deepEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var top = system.ActorOf(Props.Create(() => new Blocker(entered, gate)), "mm-top");
        try
        {
            top.Tell(Props.Create(() => new Blocker(new TaskCompletionSource(), new ManualResetEventSlim(true))), null);
            var child = await WaitForActor(system, "/user/mm-top/child");
            child.Tell(Props.Create(() => new Blocker(deepEntered, gate)), null);
            var deep = await WaitForActor(system, "/user/mm-top/child/child");
            top.Tell("block", null);
            deep.Tell("block", null);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await deepEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            for (var i = 0; i < 42; i++) top.Tell(i, null);
            for (var i = 0; i < MailboxMetrics.DeepActorThreshold - 1; i++) deep.Tell(i, null);

            var text = exporter.Scrape();
            Assert.Contains($"# TYPE {MailboxMetrics.InstrumentName} gauge\n", text);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top\"}} 42\n", text);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top/child\"}} 0\n", text);
            // Level 3 below the threshold: no series.
            Assert.DoesNotContain("actor_path=\"/user/mm-top/child/child\"", text);

            deep.Tell(-1, null);
            Assert.Contains($"{MailboxMetrics.InstrumentName}{{actor_path=\"/user/mm-top/child/child\"}} {MailboxMetrics.DeepActorThreshold}\n", exporter.Scrape());
        }
        finally
        {
            gate.Set();
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
        using var response = await service.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains($"# TYPE {MailboxMetrics.InstrumentName} gauge\n", text);
        foreach (var actor in new[] { "bgp-neighbors", "bgp-rib", "bgp-listener", "bgp-connector", "events", "bgp-rib/loc-rib-0", "bgp-rib/loc-rib-1" })
            Assert.Matches(new Regex($"\n{MailboxMetrics.InstrumentName}\\{{actor_path=\"/user/{Regex.Escape(actor)}\"\\}} \\d+\n"), text);
    }

    private static async Task<IActorRef> WaitForActor(ActorSystem system, string localPath)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var d in system.GetMailboxDepths())
                if (d.Path.ToString() == "akka://" + system.Name + localPath) return d.Actor;
            await Task.Delay(5);
        }
        throw new TimeoutException(localPath + " never appeared");
    }
}
