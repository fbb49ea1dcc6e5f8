using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Reload;
using AkkaBgp.Speaker;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Tests.Reload;

/// <summary>
/// A reload whose actors do not all answer in time: the steps after the failed one must not be lost. The reloader
/// runs against stand-ins for the neighbor supervisor and the RIB, one of which is slow exactly once.
/// </summary>
public sealed class PartialReloadTests : TestKit
{
    private sealed class Registered<T>(IActorRef actor) : IRequiredActor<T>
    {
        public IActorRef ActorRef => actor;
        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }

    private sealed record GetRoutes;
    private sealed record GetNeighbors;
    /// <summary>The routes the RIB was built with (the configuration at start).</summary>
    private sealed record Seed(string[] Prefixes);

    /// <summary>Keeps the originated prefixes like the RIB does; the first announcement or withdrawal of
    /// <paramref name="slowPrefix"/> is applied but acknowledged only after <paramref name="delay"/>, like a RIB busy
    /// with a full table.</summary>
    private sealed class StandInRib : ReceiveActor
    {
        public StandInRib(Prefix slowPrefix, TimeSpan delay)
        {
            var routes = new HashSet<Prefix>();
            var slowed = false;
            void Ack(Prefix prefix, bool announced)
            {
                var ack = new LocalRouteAck(prefix, announced);
                if (prefix == slowPrefix && !slowed)
                {
                    slowed = true;
                    Context.System.Scheduler.ScheduleTellOnce(delay, Sender, ack, Self);
                }
                else Sender.Tell(ack);
            }
            Receive<Seed>(s =>
            {
                foreach (var p in s.Prefixes) routes.Add(Prefix.Parse(p));
                Sender.Tell(s);
            });
            Receive<AnnounceLocalRoute>(a =>
            {
                routes.Add(a.Route.Prefix);
                Ack(a.Route.Prefix, true);
            });
            Receive<WithdrawLocalRoute>(w =>
            {
                routes.Remove(w.Prefix);
                Ack(w.Prefix, false);
            });
            Receive<GetRoutes>(_ => Sender.Tell(routes.Select(p => p.ToString()).Order().ToArray()));
        }
    }

    /// <summary>Keeps the neighbor set; the first AddNeighbor of <paramref name="slowPeer"/> is acknowledged late.</summary>
    private sealed class StandInSupervisor : ReceiveActor
    {
        public StandInSupervisor(IPAddress? slowPeer, TimeSpan delay)
        {
            var neighbors = new HashSet<IPAddress>();
            var slowed = false;
            Receive<GetAllNeighborStatus>(_ => Sender.Tell(new AllNeighborStatus([], [])));
            Receive<AddNeighbor>(a =>
            {
                var existed = !neighbors.Add(a.Settings.PeerAddress);
                var ack = new NeighborAdded(a.Settings.PeerAddress, existed);
                if (a.Settings.PeerAddress.Equals(slowPeer) && !slowed)
                {
                    slowed = true;
                    Context.System.Scheduler.ScheduleTellOnce(delay, Sender, ack, Self);
                }
                else Sender.Tell(ack);
            });
            Receive<RemoveNeighbor>(r => Sender.Tell(new NeighborRemoved(r.Peer, neighbors.Remove(r.Peer))));
            Receive<GetNeighbors>(_ => Sender.Tell(neighbors.Select(p => p.ToString()).Order().ToArray()));
        }
    }

    private static string Config(string neighbors, string routes) => ConfigFiles.Minimal($$"""
          listen = [ { address = "127.0.0.1", port = 1179 } ]
          neighbors = [ {{neighbors}} ]
          routes = [ {{routes}} ]
        """);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromMilliseconds(500);

    private (ConfigReloader Reloader, string Path) Reloader(ConfigFiles files, string text, IActorRef supervisor, IActorRef rib)
    {
        var path = files.Write(text);
        var load = ConfigLoader.Load(path, ConfigFiles.Reference);
        Assert.True(load.IsValid, string.Join("\n", load.Problems));
        var running = new RunningConfiguration(load.Config!, path, ConfigFiles.Reference);
        return (new ConfigReloader(running, new Registered<NeighborSupervisor>(supervisor), new Registered<RibActor>(rib),
            Serilog.Core.Logger.None, AskTimeout), path);
    }

    [Fact]
    public async Task Routes_after_a_step_that_timed_out_are_withdrawn_and_announced_by_the_next_reload()
    {
        using var files = new ConfigFiles();
        var supervisor = Sys.ActorOf(Props.Create(() => new StandInSupervisor(null, TimeSpan.Zero)));
        var rib = Sys.ActorOf(Props.Create(() => new StandInRib(Prefix.Parse("203.0.113.0/24"), TimeSpan.FromSeconds(2))));
        var (reloader, path) = Reloader(files, Config("", "{ prefix = \"203.0.113.0/24\" }, { prefix = \"203.0.113.128/25\" }"), supervisor, rib);
        rib.Tell(new Seed(["203.0.113.0/24", "203.0.113.128/25"]), TestActor);
        ExpectMsg<Seed>();

        // Both routes out, one in. The RIB is slow to acknowledge the first withdrawal (it applies it; the Ask gives up).
        File.WriteAllText(path, Config("", "{ prefix = \"198.51.100.0/24\" }"));
        var first = await reloader.ReloadAsync();
        Assert.False(first.Applied);
        Assert.True(first.PartlyApplied);
        Assert.Contains("withdrawing route 203.0.113.0/24 got no answer", Assert.Single(first.Problems));

        // The operator runs the same file again (or the next change comes along): what the failed reload did not get
        // to is done now, because the reloader diffs against what the RIB acknowledged, not against the file.
        var second = await reloader.ReloadAsync();
        Assert.True(second.Applied, string.Join("\n", second.Problems));
        Assert.Equal(["198.51.100.0/24"], await rib.Ask<string[]>(new GetRoutes(), TimeSpan.FromSeconds(5)));
        Assert.Equal(["198.51.100.0/24"], second.RoutesAnnounced);
        Assert.Contains("203.0.113.128/25", second.RoutesWithdrawn);
    }

    [Fact]
    public async Task Neighbors_and_routes_after_a_neighbor_step_that_timed_out_are_applied_by_the_next_reload()
    {
        using var files = new ConfigFiles();
        var supervisor = Sys.ActorOf(Props.Create(() => new StandInSupervisor(IPAddress.Parse("192.0.2.2"), TimeSpan.FromSeconds(2))));
        var rib = Sys.ActorOf(Props.Create(() => new StandInRib(Prefix.Parse("0.0.0.0/0"), TimeSpan.Zero)));
        var (reloader, path) = Reloader(files, Config("", ""), supervisor, rib);

        File.WriteAllText(path, Config("{ address = \"192.0.2.2\", remote-as = 65002 }, { address = \"192.0.2.3\", remote-as = 65003 }",
            "{ prefix = \"198.51.100.0/24\" }"));
        var first = await reloader.ReloadAsync();
        Assert.True(first.PartlyApplied);
        Assert.Contains("adding neighbor 192.0.2.2 got no answer", Assert.Single(first.Problems));

        var second = await reloader.ReloadAsync();
        Assert.True(second.Applied, string.Join("\n", second.Problems));
        Assert.Equal(["192.0.2.2", "192.0.2.3"], await supervisor.Ask<string[]>(new GetNeighbors(), TimeSpan.FromSeconds(5)));
        Assert.Equal(["198.51.100.0/24"], await rib.Ask<string[]>(new GetRoutes(), TimeSpan.FromSeconds(5)));
    }
}
