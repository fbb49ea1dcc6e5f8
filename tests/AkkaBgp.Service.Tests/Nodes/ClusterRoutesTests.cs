using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Nodes;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests.Nodes;

/// <summary>
/// Cluster routes (issue 17) on one node: the health check's rise and fall under a virtual clock, what the node tells
/// its RIB as the check passes and fails, and the configuration and API forms of a cluster route with their errors.
/// </summary>
public sealed class ClusterRoutesTests : TestKit, IDisposable
{
    private readonly ConfigFiles _files = new();

    public ClusterRoutesTests() : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"") { }

    void IDisposable.Dispose()
    {
        _files.Dispose();
        Shutdown();
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    private static readonly Prefix Anycast = Prefix.Parse("198.51.100.0/24");

    private static HealthCheck Check => new(HealthProbe.Exec, "true") { Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(1), Rise = 2, Fall = 3 };

    /// <summary>A probe answering from a list the test fills, one result per probe.</summary>
    private sealed class ScriptedProbe
    {
        public readonly Queue<bool> Results = new();
        public int Runs;

        public Task<ProbeResult> Run(CancellationToken _)
        {
            Interlocked.Increment(ref Runs);
            lock (Results) return Task.FromResult(Results.TryDequeue(out var ok) ? new ProbeResult(ok, ok ? "ok" : "refused") : new ProbeResult(false, "no script"));
        }
    }

    private void Tick(ScriptedProbe probe, bool result, int runsBefore)
    {
        lock (probe.Results) probe.Results.Enqueue(result);
        // One probe at a time: a tick that comes before the checker has taken in the previous probe's result (it
        // arrives as a message) is skipped, so the clock moves on again until this probe has run (seen once in a
        // fresh-clone run when one advance was all the test gave it).
        for (int i = 0; i < 10 && Volatile.Read(ref probe.Runs) <= runsBefore; i++)
        {
            Clock.Advance(Check.Interval);
            SpinWait.SpinUntil(() => Volatile.Read(ref probe.Runs) > runsBefore, TimeSpan.FromSeconds(1));
        }
        Assert.True(Volatile.Read(ref probe.Runs) > runsBefore, "the probe did not run");
    }

    [Fact]
    public void The_first_result_decides_then_fall_failures_in_a_row_take_the_route_down_and_rise_successes_bring_it_back()
    {
        var probe = new ScriptedProbe();
        lock (probe.Results) probe.Results.Enqueue(true);
        var checker = ChildActorOf(RouteHealthCheck.Props(Anycast, Check, probe.Run));
        var up = ExpectMsg<RouteHealthChanged>();
        Assert.Equal((RouteHealth.Checking, RouteHealth.Passing), (up.From, up.To));

        // Two failures, a success (which breaks the run), then three failures: down at the third in a row.
        bool[] script = [false, false, true, false, false];
        foreach (var r in script)
        {
            Tick(probe, r, probe.Runs);
            ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
        Tick(probe, false, probe.Runs);
        var down = ExpectMsg<RouteHealthChanged>();
        Assert.Equal((RouteHealth.Passing, RouteHealth.Failing, "refused"), (down.From, down.To, down.Detail));

        // One success is not enough (rise = 2); a failure between restarts the count.
        Tick(probe, true, probe.Runs);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Tick(probe, false, probe.Runs);
        Tick(probe, true, probe.Runs);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Tick(probe, true, probe.Runs);
        var back = ExpectMsg<RouteHealthChanged>();
        Assert.Equal((RouteHealth.Failing, RouteHealth.Passing), (back.From, back.To));
        Sys.Stop(checker);
    }

    [Fact]
    public void A_probe_that_hangs_past_its_timeout_counts_as_a_failure_with_the_reason()
    {
        var check = Check with { Fall = 1 };
        var hang = new TaskCompletionSource<ProbeResult>();
        ChildActorOf(RouteHealthCheck.Props(Anycast, check with { Timeout = TimeSpan.FromMilliseconds(100) }, _ => hang.Task));
        var first = ExpectMsg<RouteHealthChanged>(TimeSpan.FromSeconds(3));
        Assert.Equal(RouteHealth.Failing, first.To);
        Assert.Contains("no answer within 100 ms", first.Detail);
    }

    /// <summary>Stands in for a node's health checker: whatever the test sends it reaches the cluster-routes actor
    /// as if from the checker.</summary>
    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef test, Prefix prefix)
        {
            test.Tell(("checker", prefix, Self));
            ReceiveAny(m => Context.Parent.Tell(m, Self));
        }
    }

    /// <summary>A reply of the cluster-routes actor and a message from one of its checkers (or a checker's Terminated):
    /// they come from two actors, so either may arrive first (fresh-clone runs saw both orders).</summary>
    private (TA, TB) ExpectBoth<TA, TB>()
    {
        var replies = ReceiveN(2);
        return (Assert.Single(replies.OfType<TA>()), Assert.Single(replies.OfType<TB>()));
    }

    private IActorRef ExpectChecker(Prefix prefix)
    {
        var (what, p, relay) = ExpectMsg<(string, Prefix, IActorRef)>();
        Assert.Equal(("checker", prefix), (what, p));
        return relay;
    }

    private static ClusterRoute Route(string prefix, HealthCheck? check = null, uint? med = null) =>
        new(new OriginatedRoute { Prefix = Prefix.Parse(prefix), Med = med }, check, "test.conf:1");

    [Fact]
    public void A_checked_route_is_announced_only_while_its_check_passes_and_a_route_without_one_at_once()
    {
        var rib = CreateTestProbe();
        var test = TestActor;
        var routes = Sys.ActorOf(ClusterRoutes.Props(rib.Ref, () => [Route("203.0.113.0/24"), Route("198.51.100.0/24", Check)], shared: false,
            r => Props.Create(() => new Relay(test, r.Prefix))));
        var plain = rib.ExpectMsg<AnnounceLocalRoute>();
        Assert.Equal((Prefix.Parse("203.0.113.0/24"), true), (plain.Route.Prefix, plain.Cluster));
        var checker = ExpectChecker(Anycast);
        rib.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // checking: nothing yet

        checker.Tell(new RouteHealthChanged(Anycast, RouteHealth.Checking, RouteHealth.Passing, "exit 0"));
        Assert.Equal(Anycast, rib.ExpectMsg<AnnounceLocalRoute>(a => a.Cluster).Route.Prefix);
        checker.Tell(new RouteHealthChanged(Anycast, RouteHealth.Passing, RouteHealth.Failing, "exit 1: dns down"));
        Assert.Equal(new WithdrawLocalRoute(Anycast, Cluster: true), rib.ExpectMsg<WithdrawLocalRoute>());

        routes.Tell(GetClusterRoutes.Instance);
        var list = ExpectMsg<ClusterRouteList>();
        var row = Assert.Single(list.Routes, r => r.Route.Prefix == Anycast);
        Assert.Equal((RouteHealth.Failing, "exit 1: dns down", (string?)null), (row.Health, row.Detail, row.Announced));
        Assert.Equal("route", Assert.Single(list.Routes, r => r.Route.Prefix != Anycast).Announced);

        // Removed from the configuration: withdrawn (it was announced), the checker stopped.
        routes.Tell(new UseConfiguredClusterRoutes([Route("198.51.100.0/24", Check)]));
        var applied = ExpectMsg<ClusterRoutesApplied>();
        Assert.Equal(["203.0.113.0/24"], applied.Removed);
        Assert.Equal(new WithdrawLocalRoute(Prefix.Parse("203.0.113.0/24"), Cluster: true), rib.ExpectMsg<WithdrawLocalRoute>());
        Watch(checker);
        routes.Tell(new UseConfiguredClusterRoutes([]));
        var (_, stopped) = ExpectBoth<ClusterRoutesApplied, Terminated>();
        Assert.Equal(checker, stopped.ActorRef);
        rib.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // failing and withdrawn already: nothing to withdraw
    }

    [Fact]
    public async Task On_a_node_alone_an_API_cluster_route_is_kept_by_the_actor_and_announced_and_withdrawn_like_a_replicated_one()
    {
        var rib = CreateTestProbe();
        var routes = Sys.ActorOf(ClusterRoutes.Props(rib.Ref, () => [], shared: false));
        var api = new ClusterRoute(new OriginatedRoute { Prefix = Prefix.Parse("203.0.113.0/24") }, null, null); // as the API makes it

        // No cluster in this test system (no replicated data): the write goes to the actor and counts as everyone's.
        Assert.True(await ClusterRoutes.PutAsync(Sys, routes, api));
        var announced = rib.ExpectMsg<AnnounceLocalRoute>();
        Assert.Equal((api.Prefix, true), (announced.Route.Prefix, announced.Cluster));
        routes.Tell(GetClusterRoutes.Instance);
        var row = Assert.Single(ExpectMsg<ClusterRouteList>().Routes);
        Assert.Equal((api.Prefix, (string?)null, "route"), (row.Route.Prefix, row.Route.Where, row.Announced));

        Assert.True(await ClusterRoutes.DeleteAsync(Sys, routes, api.Prefix));
        Assert.Equal(new WithdrawLocalRoute(api.Prefix, Cluster: true), rib.ExpectMsg<WithdrawLocalRoute>());
        routes.Tell(GetClusterRoutes.Instance);
        Assert.Empty(ExpectMsg<ClusterRouteList>().Routes);
    }

    [Fact]
    public void With_on_failure_announce_a_failing_node_keeps_the_route_with_the_failing_med_and_communities()
    {
        var rib = CreateTestProbe();
        var test = TestActor;
        var degrade = Check with { WithdrawOnFailure = false, FailingMed = 1000, FailingCommunities = [new Community(65000, 666)] };
        Sys.ActorOf(ClusterRoutes.Props(rib.Ref, () => [Route("198.51.100.0/24", degrade, med: 10)], shared: false, r => Props.Create(() => new Relay(test, r.Prefix))));
        var checker = ExpectChecker(Anycast);
        checker.Tell(new RouteHealthChanged(Anycast, RouteHealth.Checking, RouteHealth.Passing, "ok"));
        var healthy = rib.ExpectMsg<AnnounceLocalRoute>().Route;
        Assert.Equal((10u, 0), (healthy.Med!.Value, healthy.Communities.Count));
        checker.Tell(new RouteHealthChanged(Anycast, RouteHealth.Passing, RouteHealth.Failing, "HTTP 503, expected 200"));
        var failing = rib.ExpectMsg<AnnounceLocalRoute>().Route;
        Assert.Equal(1000u, failing.Med);
        Assert.Equal([new Community(65000, 666)], failing.Communities);
    }

    [Fact]
    public void A_report_from_a_replaced_checker_is_ignored()
    {
        var rib = CreateTestProbe();
        var test = TestActor;
        var routes = Sys.ActorOf(ClusterRoutes.Props(rib.Ref, () => [Route("198.51.100.0/24", Check)], shared: false, r => Props.Create(() => new Relay(test, r.Prefix))));
        var first = ExpectChecker(Anycast);
        routes.Tell(new UseConfiguredClusterRoutes([Route("198.51.100.0/24", Check with { Fall = 5 })]));
        var (applied, (what, prefix, second)) = ExpectBoth<ClusterRoutesApplied, (string, Prefix, IActorRef)>();
        Assert.Equal(["198.51.100.0/24"], applied.Changed);
        Assert.Equal(("checker", Anycast), (what, prefix));
        // The old checker's last word (sent by the test as if from it) does not announce anything.
        routes.Tell(new RouteHealthChanged(Anycast, RouteHealth.Checking, RouteHealth.Passing, "late"), first);
        rib.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        second.Tell(new RouteHealthChanged(Anycast, RouteHealth.Checking, RouteHealth.Passing, "ok"));
        rib.ExpectMsg<AnnounceLocalRoute>();
    }

    [Fact]
    public void Configured_cluster_routes_are_read_with_their_health_checks()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              cluster {
                routes = [
                  { prefix = "198.51.100.0/24", communities = ["65000:1"], health-check { http = "http://127.0.0.1:8080/health", expect-status = 204, interval = 1s, timeout = 500ms, rise = 1, fall = 2, on-failure = announce, failing-med = 1000 } }
                  { prefix = "203.0.113.0/24" }
                ]
              }
            """));
        Assert.Equal(2, c.ClusterRoutes.Count);
        var check = c.ClusterRoutes[0].Check!;
        Assert.Equal((HealthProbe.Http, "http://127.0.0.1:8080/health", 204), (check.Probe, check.Target, check.ExpectStatus));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 1, 2), (check.Interval, check.Timeout, check.Rise, check.Fall));
        Assert.False(check.WithdrawOnFailure);
        Assert.Equal(1000u, check.FailingMed);
        Assert.Null(c.ClusterRoutes[1].Check);
        Assert.EndsWith("test.conf:6", c.ClusterRoutes[0].Where);
    }

    [Theory]
    [InlineData("tcp = \"127.0.0.1:53\", exec = \"true\"", "health-check.exec", "give only one of tcp, http, exec")]
    [InlineData("interval = 1s", "health-check.tcp", "one of tcp, http or exec is required")]
    [InlineData("tcp = \"127.0.0.1\"", "health-check.tcp", "is not host:port")]
    [InlineData("http = \"ftp://x/\"", "health-check.http", "not an absolute http:// or https:// URL")]
    [InlineData("exec = \"true\", interval = 1s, timeout = 2s", "health-check.timeout", "at most the interval")]
    [InlineData("exec = \"true\", on-failure = announce", "health-check.on-failure", "neither failing-med nor failing-communities")]
    [InlineData("exec = \"true\", failing-med = 5", "health-check.on-failure", "would never apply")]
    [InlineData("exec = \"true\", rise = 0", "health-check.rise", "out of range")]
    [InlineData("exec = \"true\", intervall = 1s", "health-check.intervall", "did you mean interval")]
    public void A_bad_health_check_is_refused_naming_file_line_and_key(string body, string key, string message)
    {
        var text = ConfigFiles.Minimal($"  cluster {{ routes = [ {{ prefix = \"198.51.100.0/24\", health-check {{ {body} }} }} ] }}");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.cluster.routes[0].{key} (", problem);
        Assert.Contains("test.conf:4:", problem);
        Assert.Contains(message, problem);
    }

    [Fact]
    public void A_cluster_route_for_a_prefix_the_node_routes_also_announce_is_refused()
    {
        var text = ConfigFiles.Minimal("""
              routes = [ { prefix = "198.51.100.0/24" } ]
              cluster { routes = [ { prefix = "198.51.100.0/24" } ] }
            """);
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.cluster.routes[0].prefix ({_files.At(text, "\"198.51.100.0/24\"", 2)})", problem);
    }

    private static (RibEndpoints.RouteRequest? Request, List<string> Errors) Parse(string json)
    {
        var errors = new List<string>();
        using var doc = JsonDocument.Parse(json);
        return (RibEndpoints.ParseRouteRequest(doc.RootElement.Clone(), errors), errors);
    }

    [Fact]
    public void A_posted_cluster_route_travels_as_json_and_reads_back_the_same()
    {
        var (request, errors) = Parse("""
            {"prefix": "198.51.100.0/24", "scope": "cluster", "med": 5, "communities": ["65000:1"],
             "healthCheck": {"tcp": "[::1]:53", "interval": "3s", "timeoutMs": 700, "fall": 1, "onFailure": "announce", "failingCommunities": ["65000:666"]}}
            """);
        Assert.Empty(errors);
        Assert.True(request!.ClusterScope);
        var check = request.Check!;
        Assert.Equal((HealthProbe.Tcp, "[::1]:53", TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(700), 1), (check.Probe, check.Target, check.Interval, check.Timeout, check.Fall));
        var (again, problem) = ClusterRoutes.Parse(request.Cluster.ToJson());
        Assert.Null(problem);
        Assert.True(again!.SameAs(request.Cluster));
    }

    [Theory]
    [InlineData("""{"prefix": "198.51.100.0/24", "healthCheck": {"exec": "true"}}""", "healthCheck: only cluster routes have a health check")]
    [InlineData("""{"prefix": "198.51.100.0/24", "scope": "everywhere"}""", "scope: must be \"node\"")]
    [InlineData("""{"prefix": "198.51.100.0/24", "scope": "cluster", "healthCheck": {"tcp": "localhost"}}""", "healthCheck.tcp: \"localhost\" is not host:port")]
    [InlineData("""{"prefix": "198.51.100.0/24", "scope": "cluster", "healthCheck": {"http": "http://x/", "interval": "fast"}}""", "healthCheck.interval: must be milliseconds")]
    [InlineData("""{"prefix": "198.51.100.0/24", "scope": "cluster", "healthCheck": {"exec": "true", "failingMed": 9}}""", "healthCheck.onFailure: is withdraw")]
    [InlineData("""{"prefix": "198.51.100.0/24", "scope": "cluster", "healthCheck": {"exec": "true", "ping": 1}}""", "healthCheck.ping: unknown field")]
    public void A_bad_cluster_route_body_names_the_field(string json, string message)
    {
        var (request, errors) = Parse(json);
        Assert.Null(request);
        Assert.Contains(errors, e => e.StartsWith(message, StringComparison.Ordinal));
    }
}
