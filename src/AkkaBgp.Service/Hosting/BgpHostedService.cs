using System.Net;
using System.Net.NetworkInformation;
using AkkaBgp.Actors;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using Microsoft.Extensions.Hosting;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// Runs the actor system for the host, the way Akka.Hosting's <c>AddAkka</c> does: creates the system on
/// start, starts the speaker and registers its top-level actors in the <see cref="ActorRegistry"/>, and
/// couples the two lifetimes both ways: stopping the host stops every session gracefully (Cease/2 with
/// "service stopping") before the system terminates, and a system that terminates on its own stops the host.
/// </summary>
public sealed class BgpHostedService(
    RunningConfiguration running,
    ActorRegistry registry,
    ServiceReadiness readiness,
    BgpMetrics metrics,
    Serilog.ILogger log,
    IHostApplicationLifetime lifetime) : IHostedService
{
    public const string ShutdownCommunication = "service stopping";

    /// <summary>How long the sessions get to send their Cease and flush it before the system stops anyway.</summary>
    public static readonly TimeSpan ShutdownDeadline = TimeSpan.FromSeconds(5);

    private readonly Serilog.ILogger _log = log.ForContext<BgpHostedService>();
    private ActorSystem? _system;
    private volatile bool _stopping;

    public ActorSystem? System => _system;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var system = ActorSystem.Create("akka-bgp", new ActorSystemOptions { Logger = log });
        _system = system;
        var refs = SpeakerHost.Start(system, running.ToSpeakerSettings());
        var events = system.ActorOf(SessionEventHub.Props(refs.Rib, metrics, log), "events");
        // By type for the endpoints, and by the actor's name for anyone who knows the system's layout.
        foreach (var (name, actor) in new[] { ("bgp-neighbors", refs.Supervisor), ("bgp-rib", refs.Rib), ("bgp-listener", refs.Listener), ("bgp-connector", refs.Connector), ("events", events) })
            registry.Register(name, actor);
        registry.Register<NeighborSupervisor>(refs.Supervisor);
        registry.Register<RibActor>(refs.Rib);
        registry.Register<BgpListener>(refs.Listener);
        registry.Register<TcpConnector>(refs.Connector);
        registry.Register<SessionEventHub>(events);

        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            if (_stopping) return;
            _log.Error("The actor system terminated on its own; stopping the service");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }, TaskScheduler.Default);

        var listener = await refs.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance, TimeSpan.FromSeconds(10));
        if (listener.Failures.Count > 0)
        {
            // A speaker that cannot accept its neighbors' connections is broken, not degraded: fail the start, so
            // the host never opens the management endpoint and the process exits non-zero.
            var failures = string.Join("; ", listener.Failures);
            readiness.NotReady("listener failed: " + failures);
            _stopping = true;
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            throw new ServiceStartException($"Cannot listen for BGP: {failures}");
        }
        readiness.Ready();
        // The pid is logged because under `dotnet run` the service is a child process: `kill -HUP` must go to this
        // pid, not to the `dotnet run` parent.
        _log.Information("Speaker started (pid {Pid}): router-id {RouterId}, AS {LocalAs}, {Neighbors} neighbor(s), BGP on {Listen}",
            Environment.ProcessId, running.Current.RouterIdAddress, running.Current.LocalAs, running.Current.Neighbors.Count, string.Join(", ", listener.Bound));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        readiness.NotReady("stopping");
        if (_system is not { } system) return;
        try
        {
            await StopSessionsAsync(cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or AskTimeoutException)
        {
            _log.Warning("Not every session confirmed its stop before the deadline: {Problem}", e.Message);
        }
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        _log.Information("Actor system stopped");
    }

    /// <summary>
    /// ManualStop to every neighbor (RFC 4271 Event 2: Cease/2, here with the RFC 9003 text), then waits, up to
    /// <see cref="ShutdownDeadline"/>, until no session is past OpenSent and the kernel shows each of their TCP
    /// connections closed by us. The connection actor shuts the socket down only after its queue (the NOTIFICATION
    /// last) is written or its own flush deadline passed, and the kernel delivers what it was handed even after the
    /// process exits; so once our side has sent its FIN, nothing is lost by terminating the actor system.
    /// </summary>
    private async Task StopSessionsAsync(CancellationToken ct)
    {
        var supervisor = registry.Get<NeighborSupervisor>();
        var deadline = DateTime.UtcNow + ShutdownDeadline;
        var before = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(3));
        var statuses = before.Statuses.OfType<NeighborStatus>().ToArray();
        var connections = statuses.Where(s => HasSession(s.State) && s.LocalEndPoint is not null && s.RemoteEndPoint is not null)
            .Select(s => (Local: s.LocalEndPoint!, Remote: s.RemoteEndPoint!)).ToArray();
        foreach (var s in statuses)
            supervisor.Tell(new NeighborCommand(s.Peer, new ManualStop(ShutdownCommunication)));
        _log.Information("Stopping {Count} session(s) with \"{Communication}\"", connections.Length, ShutdownCommunication);
        if (connections.Length == 0) return;
        while (DateTime.UtcNow < deadline)
        {
            var all = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(3));
            if (!all.Statuses.OfType<NeighborStatus>().Any(s => HasSession(s.State)) && !StillOpen(connections)) return;
            await Task.Delay(20, ct);
        }
        _log.Warning("Shutdown deadline ({Deadline}) passed with sessions or connections still open", ShutdownDeadline);
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

/// <summary>The speaker could not start (e.g. a listen address in use); the message says why.</summary>
public sealed class ServiceStartException(string message) : Exception(message);
