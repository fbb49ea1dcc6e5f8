using System.Net;
using System.Net.NetworkInformation;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using Microsoft.Extensions.Hosting;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// The speaker's life inside the actor system Akka.Hosting runs. <see cref="Attach"/> (an Akka.Hosting actor starter)
/// joins the cluster (itself when no seed nodes are configured) and starts the speaker once this node is Up: the
/// connector, RIB, neighbor supervisor and listener (<see cref="SpeakerHost.Start"/>) and the event hub, registered
/// in Akka.Hosting's <see cref="ActorRegistry"/> for the endpoints. <c>/ready</c> turns 200 when every listener is
/// bound; a listener that cannot bind stops the service with exit code 1.
/// <para>
/// Stopping, whichever way it starts (SIGTERM through the host, or anything that runs Akka.NET's coordinated
/// shutdown), first sends every session Cease/2 "service stopping" (a task in the before-service-unbind phase), and
/// a system that terminates without the host asking for it stops the host with exit code 1.
/// </para>
/// </summary>
public sealed class SpeakerLifecycle(
    RunningConfiguration running,
    ServiceReadiness readiness,
    BgpMetrics metrics,
    Serilog.ILogger log,
    IHostApplicationLifetime lifetime)
{
    public const string ShutdownCommunication = "service stopping";
    public const string LeavingCommunication = "node leaving the AkkaBgp cluster";

    /// <summary>How long the sessions get to send their Cease and flush it before the shutdown goes on anyway.</summary>
    public static readonly TimeSpan ShutdownDeadline = TimeSpan.FromSeconds(5);

    private readonly Serilog.ILogger _log = log.ForContext<SpeakerLifecycle>();
    private ActorSystem? _system;
    private IActorRef? _supervisor;

    /// <summary>True once this node has left the cluster as asked (a planned stop: exit code 0).</summary>
    public bool LeftCluster { get; private set; }

    /// <summary>The running actor system (null before start); read by the mailbox metrics.</summary>
    public ActorSystem? System => _system is { WhenTerminated.IsCompleted: false } s ? s : null;

    /// <summary>Runs as Akka.Hosting's actor starter, right after the system is created.</summary>
    /// <summary>The MRT updates file writer (mrt.updates = on), else null.</summary>
    public IActorRef? UpdatesWriter { get; private set; }

    /// <summary>One BMP client per configured collector.</summary>
    public IReadOnlyList<IActorRef> BmpClients { get; private set; } = [];

    public void Attach(ActorSystem system, IActorRegistry registry)
    {
        _system = system;
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "bgp-sessions-cease", async () =>
        {
            readiness.NotReady("stopping");
            // The host stops the system with ClrExitReason; any other reason (another member downed this one, the
            // split brain resolver, someone calling Terminate) means the system is going away on its own. The
            // sessions still get their Cease first.
            var reason = shutdown.ShutdownReason;
            if (reason is CoordinatedShutdown.ClusterLeavingReason)
            {
                // Asked to leave (DELETE /cluster/members/...): a planned stop, so the exit code stays 0.
                _log.Information("This node has left the cluster; stopping the service");
                LeftCluster = true;
                lifetime.StopApplication();
            }
            else if (reason is not CoordinatedShutdown.ClrExitReason) StoppingOnItsOwn(reason);
            // Issue 17: the sessions' Cease/2 says why, so the neighbors' operators can tell a node leaving from a restart.
            await StopSessionsAsync(reason switch
            {
                CoordinatedShutdown.ClusterLeavingReason => LeavingCommunication,
                CoordinatedShutdown.ClusterDowningReason => "node downed by the AkkaBgp cluster",
                _ => ShutdownCommunication,
            });
            return Done.Instance;
        });
        // A system that terminates without coordinated shutdown (run-by-actor-system-terminate = off) has no reason.
        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            if (shutdown.ShutdownReason is null) StoppingOnItsOwn(null);
        }, TaskScheduler.Default);

        // Before the speaker starts, so that the message tap is on when the first session comes up.
        if (running.Current.Mrt is { Updates: true, Directory: { } mrtDirectory } mrt)
            UpdatesWriter = system.ActorOf(AkkaBgp.Mrt.UpdatesWriter.Props(new AkkaBgp.Mrt.UpdatesFileSettings(
                mrtDirectory, running.Current.LocalAs, mrt.UpdatesRotateInterval, mrt.UpdatesRotateSize, mrt.Gzip, mrt.UpdatesBuffer)), "mrt-updates");

        var bmp = running.Current.Bmp;
        BmpClients = bmp.Collectors.Select((c, i) => system.ActorOf(AkkaBgp.Bmp.BmpClient.Props(
            new AkkaBgp.Bmp.BmpCollectorSettings(c.Address, c.Port, $"{running.Current.RouterId >> 24}.{(running.Current.RouterId >> 16) & 255}.{(running.Current.RouterId >> 8) & 255}.{running.Current.RouterId & 255}",
                bmp.StatisticsInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), bmp.Buffer),
            () => registry.TryGet<AkkaBgp.Rib.Engine.RibActor>(out var rib) ? rib : null), $"bmp-{i}")).ToArray();

        if (!running.Current.Clustered)
        {
            // Alone: nothing to join, so the speaker starts at once.
            _ = StartSpeakerAsync(system, registry);
            return;
        }
        var cluster = Cluster.Get(system);
        var seeds = running.Current.Akka.SeedNodes;
        readiness.NotReady(seeds.Count == 0 ? "joining the cluster (itself)" : $"joining the cluster (seed nodes {string.Join(", ", seeds)})");
        // With seed nodes configured Akka.NET joins them by itself; without, this node forms a cluster of one.
        if (seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        // The speaker is this member's work: it starts once the member is Up, so /ready (and the BGP port) say
        // whether the node is really in service.
        cluster.RegisterOnMemberUp(() => _ = StartSpeakerAsync(system, registry));
    }

    /// <summary>Compiles the UPDATE path through a throwaway RIB (<see cref="RibWarmUp"/>) while no table is arriving yet,
    /// so the first neighbor's table does not wait for the JIT. Off the readiness path: it only costs CPU meanwhile.</summary>
    private async Task WarmUpRibAsync(ActorSystem system)
    {
        try
        {
            var started = global::System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await RibWarmUp.RunAsync(system, running.Current.ToRibSettings(), TimeSpan.FromSeconds(30));
            _log.Debug("RIB warm-up: {Updates} synthetic UPDATEs through a throwaway RIB in {Ms:0} ms", result.Acknowledged,
                global::System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            CollectStartUpGarbage();
        }
        catch (Exception e)
        {
            // Only the first table's speed depends on it; the speaker works the same without.
            _log.Debug(e, "RIB warm-up did not finish: {Problem}", e.Message);
        }
    }

    /// <summary>
    /// One full, compacting collection once start-up and the warm-up are done, while no table is arriving. Without it
    /// the first table's load paid for start-up's garbage: its first collection was a gen-1 that copied what the host,
    /// the cluster join and the throwaway RIB had left in the young generations, and the gen-2 its large arrays then
    /// forced (a blocking one: the GC runs gen 2 in the background only once gen 2 or the large-object heap is past
    /// 4 MiB) marked it again. A W4 load (200k IPv6 prefixes) was suspended 37.4 ms in 4 pauses (gen 1 11.4, gen 2
    /// 11.6, two gen 0s) and is now 28.8 ms (gen 0 7.1, gen 2 8.6, two gen 0s); bench/RESULTS.md, 2026-12-06 eighth
    /// session. The collection itself takes 6-8 ms of the idle process and leaves ~1.7 MiB on the heap (its Debug log
    /// line says both).
    /// </summary>
    private void CollectStartUpGarbage()
    {
        var started = global::System.Diagnostics.Stopwatch.GetTimestamp();
        global::System.Runtime.GCSettings.LargeObjectHeapCompactionMode = global::System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        _log.Debug("Start-up garbage collected in {Ms:0.0} ms; {Heap:0.0} MiB left on the heap",
            global::System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetTotalMemory(false) / 1048576.0);
    }

    /// <summary>Stops the host too (Akka.Hosting would, once the system has terminated) and makes the exit code say so.</summary>
    private void StoppingOnItsOwn(CoordinatedShutdown.Reason? reason)
    {
        _log.Error("The actor system is stopping on its own ({Reason}); stopping the service", reason?.GetType().Name ?? "terminated without a reason");
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    private async Task StartSpeakerAsync(ActorSystem system, IActorRegistry registry)
    {
        try
        {
            readiness.NotReady("starting the BGP listeners");
            // The hub first, so it sees every session's first transitions.
            var events = SessionEventHubs.Start(system, metrics, log);
            var refs = SpeakerHost.Start(system, running.ToSpeakerSettings());
            events.Tell(new UseRib(refs.Rib));
            _supervisor = refs.Supervisor;
            registry.Register<NeighborSupervisor>(refs.Supervisor);
            registry.Register<RibActor>(refs.Rib);
            registry.Register<BgpListener>(refs.Listener);
            registry.Register<TcpConnector>(refs.Connector);
            registry.Register<SessionEventHub>(events);
            registry.Register<AkkaBgp.Bfd.BfdClient>(refs.Bfd);
            // RPKI route origin validation (RFC 6811, RFC 8210): one RTR client per configured cache; without any it
            // idles, and every route is NotFound.
            // Routes every node of the cluster announces, each gated by this node's own health check (issue 17).
            registry.Register<Nodes.ClusterRoutes>(system.ActorOf(Nodes.ClusterRoutes.Props(refs.Rib, () => running.Current.ClusterRoutes, shared: running.Current.Clustered), Nodes.ClusterRoutes.Name));
            // placement = cluster neighbors: Cluster Sharding runs each on one node at a time (issue 17).
            if (running.Current.PlacedInCluster.Count > 0)
                await Nodes.PlacedNeighbor.StartAsync(system, refs.Supervisor,
                    a => running.Current.PlacedInCluster.Contains(a) ? running.Current.Neighbors.FirstOrDefault(n => n.PeerAddress.Equals(a)) : null,
                    running.Current.PlacedInCluster);
            registry.Register<AkkaBgp.Rpki.RpkiActor>(system.ActorOf(AkkaBgp.Rpki.RpkiActor.Props(running.Current.RpkiCaches, refs.Rib), "bgp-rpki"));

            var listener = await refs.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance, TimeSpan.FromSeconds(10));
            if (listener.Failures.Count > 0)
            {
                // A speaker that cannot accept its neighbors' connections is broken, not degraded: stop the service.
                var failures = string.Join("; ", listener.Failures);
                readiness.NotReady("listener failed: " + failures);
                _log.Fatal("Cannot listen for BGP: {Failures}", failures);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            readiness.Ready();
            _ = WarmUpRibAsync(system);
            // The pid is logged because under `dotnet run` the service is a child process: `kill -HUP` must go to this
            // pid, not to the `dotnet run` parent.
            _log.Information("Speaker started (pid {Pid}): router-id {RouterId}, AS {LocalAs}, {Neighbors} neighbor(s), BGP on {Listen}, {Member}, management on {Management}",
                Environment.ProcessId, running.Current.RouterIdAddress, running.Current.LocalAs, running.Current.Neighbors.Count,
                string.Join(", ", listener.Bound), running.Current.Clustered ? $"cluster member {Cluster.Get(system).SelfAddress}" : "alone (no cluster)", running.Current.Management.Url);
        }
        catch (Exception e)
        {
            readiness.NotReady("the speaker did not start: " + e.Message);
            _log.Fatal(e, "The speaker did not start: {Problem}", e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    /// <summary>
    /// ManualStop to every neighbor (RFC 4271 Event 2: Cease/2, here with the RFC 9003 text), then waits, up to
    /// <see cref="ShutdownDeadline"/>, until no session is past OpenSent and the kernel shows each of their TCP
    /// connections closed by us. The connection actor shuts the socket down only after its queue (the NOTIFICATION
    /// last) is written or its own flush deadline passed, and the kernel delivers what it was handed even after the
    /// process exits; so once our side has sent its FIN, nothing is lost by terminating the actor system.
    /// </summary>
    private async Task StopSessionsAsync(string communication)
    {
        if (_supervisor is not { } supervisor) return;
        try
        {
            var deadline = DateTime.UtcNow + ShutdownDeadline;
            var before = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(3));
            var statuses = before.Statuses.OfType<NeighborStatus>().ToArray();
            var connections = statuses.Where(s => HasSession(s.State) && s.LocalEndPoint is not null && s.RemoteEndPoint is not null)
                .Select(s => (Local: s.LocalEndPoint!, Remote: s.RemoteEndPoint!)).ToArray();
            foreach (var s in statuses)
                supervisor.Tell(new NeighborCommand(s.Peer, new ManualStop(communication)));
            _log.Information("Stopping {Count} session(s) with \"{Communication}\"", connections.Length, communication);
            if (connections.Length == 0) return;
            while (DateTime.UtcNow < deadline)
            {
                var all = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(3));
                if (!all.Statuses.OfType<NeighborStatus>().Any(s => HasSession(s.State)) && !StillOpen(connections)) return;
                await Task.Delay(20);
            }
            _log.Warning("Shutdown deadline ({Deadline}) passed with sessions or connections still open", ShutdownDeadline);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or AskTimeoutException)
        {
            _log.Warning("Not every session confirmed its stop before the deadline: {Problem}", e.Message);
        }
    }

    /// <summary>OpenSent, OpenConfirm or Established: stopping or replacing the FSM now sends a Cease. Shutdown waits for these; a reload
    /// resets them only for a session-affecting change.</summary>
    internal static bool HasSession(SessionState state) => state is SessionState.OpenSent or SessionState.OpenConfirm or SessionState.Established;

    /// <summary>Whether any of the connections is still open from our side in the kernel's table (Established, or
    /// CloseWait: the peer closed after reading our NOTIFICATION, but we have not yet).</summary>
    private static bool StillOpen(IReadOnlyList<(IPEndPoint Local, IPEndPoint Remote)> connections)
    {
        TcpConnectionInformation[] table;
        try
        {
            table = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections();
        }
        catch (NetworkInformationException)
        {
            return false; // no table to read: rely on the FSM states alone
        }
        foreach (var c in table)
        {
            if (c.State is not (TcpState.Established or TcpState.CloseWait)) continue;
            foreach (var (local, remote) in connections)
                if (Same(c.LocalEndPoint, local) && Same(c.RemoteEndPoint, remote)) return true;
        }
        return false;
    }

    private static bool Same(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.Equals(b.Address) || a.Address.MapToIPv6().Equals(b.Address.MapToIPv6()));
}
