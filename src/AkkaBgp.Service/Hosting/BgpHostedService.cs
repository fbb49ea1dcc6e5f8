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
        _log.Information("Speaker started: router-id {RouterId}, AS {LocalAs}, {Neighbors} neighbor(s), BGP on {Listen}",
            running.Current.RouterIdAddress, running.Current.LocalAs, running.Current.Neighbors.Count, string.Join(", ", listener.Bound));
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
    /// ManualStop to every neighbor (RFC 4271 Event 2: Cease/2, here with the RFC 9003 text), then waits until no
    /// session is past OpenSent. The FSM hands its NOTIFICATION to the connection, which closes once it is
    /// written or its own flush deadline passes; the short grace after the last session went Idle covers that
    /// hand-over, since the connections are not ours to watch.
    /// </summary>
    private async Task StopSessionsAsync(CancellationToken ct)
    {
        var supervisor = registry.Get<NeighborSupervisor>();
        var deadline = DateTime.UtcNow + ShutdownDeadline;
        var list = await supervisor.Ask<NeighborList>(ListNeighbors.Instance, TimeSpan.FromSeconds(3));
        foreach (var n in list.Neighbors)
            supervisor.Tell(new NeighborCommand(n.Peer, new ManualStop(ShutdownCommunication)));
        _log.Information("Stopping {Count} session(s) with \"{Communication}\"", list.Neighbors.Count, ShutdownCommunication);
        while (DateTime.UtcNow < deadline)
        {
            var all = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(3));
            bool open = all.Statuses.OfType<NeighborStatus>().Any(s => s.State is SessionState.OpenSent or SessionState.OpenConfirm or SessionState.Established);
            if (!open) break;
            await Task.Delay(50, ct);
        }
        if (list.Neighbors.Count == 0) return;
        var grace = deadline - DateTime.UtcNow;
        if (grace > TimeSpan.Zero) await Task.Delay(grace < TimeSpan.FromMilliseconds(300) ? grace : TimeSpan.FromMilliseconds(300), ct);
    }
}

/// <summary>The speaker could not start (e.g. a listen address in use); the message says why.</summary>
public sealed class ServiceStartException(string message) : Exception(message);
