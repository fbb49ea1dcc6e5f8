using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Interop;
using AkkaBgp.Rib;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Interop;

/// <summary>Collects every SessionStateChanged, so a test can show the whole history when it fails.</summary>
internal sealed class StateLog : ReceiveActor
{
    public StateLog(ConcurrentQueue<SessionStateChanged> log) => Receive<SessionStateChanged>(log.Enqueue);
}

/// <summary>
/// Our speaker (real time, real sockets) and one real daemon, peered on loopback. The daemon runs on
/// <see cref="Peering.DaemonAddress"/>, we on <see cref="Peering.OurAddress"/>, both on <see cref="Peering.Port"/>.
/// </summary>
internal sealed class InteropSession : IAsyncDisposable
{
    public const uint OurAs = 65000;
    public const uint DaemonAs = 65010;
    public const string V4 = "10.77.1.0/24";
    public const string V6 = "2001:db8:77::/48";

    private readonly ConcurrentQueue<SessionStateChanged> _log = new();

    public InteropSession(ActorSystem system, Peering peering, Func<Peering, Daemon> createDaemon)
    {
        System = system;
        Peering = peering;
        Daemon = createDaemon(peering);
        system.EventStream.Subscribe<SessionStateChanged>(system.ActorOf(Props.Create(() => new StateLog(_log))));
    }

    public static Peering PeeringFor(string daemonAddress, string ourAddress, int port, bool daemonPassive) =>
        new(IPAddress.Parse(daemonAddress), DaemonAs, IPAddress.Parse(ourAddress), OurAs, port, HoldTimeSeconds: 6)
        {
            DaemonPassive = daemonPassive,
            AnnounceV4 = [V4],
            AnnounceV6 = [V6],
        };

    public ActorSystem System { get; }
    public Peering Peering { get; }
    public Daemon Daemon { get; }
    public SpeakerRefs? Speaker { get; private set; }
    private IPAddress PeerAddress => Peering.DaemonAddress;

    /// <summary>Changes our neighbor's settings before the speaker starts (e.g. a BFD session).</summary>
    public Func<NeighborSettings, NeighborSettings>? Customize { get; init; }

    /// <summary>The port we listen on (null: <see cref="Peering.Port"/>), when something stands between us and the daemon.</summary>
    public int? ListenPort { get; init; }

    /// <summary>The RIB to run (null: the Adj-RIB-In recorder that <see cref="WaitForRoutesAsync"/> asks).</summary>
    public Props? RibProps { get; init; }

    public string History => string.Join("\n", _log.Select(e => e.ToString()));

    public void StartSpeaker()
    {
        var neighbor = new NeighborSettings
        {
            PeerAddress = Peering.DaemonAddress,
            PeerAs = Peering.DaemonAs,
            LocalAs = Peering.OurAs,
            RouterId = OpenMessage.IdentifierFrom(IPAddress.Parse(Peering.OurRouterId)),
            PeerPort = Peering.Port,
            LocalAddress = Peering.OurAddress,
            HoldTime = TimeSpan.FromSeconds(Peering.HoldTimeSeconds),
            ConnectRetryTime = TimeSpan.FromSeconds(2),
            IdleHoldTime = TimeSpan.FromSeconds(1),
            DampPeerOscillations = false,
            // We are passive exactly when the daemon is active.
            PassiveTcpEstablishment = !Peering.DaemonPassive,
            ShutdownCommunication = "akkabgp default shutdown text",
            Password = Peering.Password,
        };
        if (Customize is not null) neighbor = Customize(neighbor);
        Speaker = SpeakerHost.Start(System, new SpeakerSettings
        {
            Neighbors = [neighbor],
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(Peering.OurAddress, ListenPort ?? Peering.Port)] },
            RibProps = RibProps,
        });
        var status = Speaker.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance).Result;
        if (status.Failures.Count > 0) throw new InvalidOperationException("listener: " + string.Join("; ", status.Failures));
    }

    /// <summary>Starts both sides in the order that lets the active side connect at once: the passive side first.</summary>
    public async Task StartAsync()
    {
        if (Peering.DaemonPassive)
        {
            await Daemon.StartAsync();
            StartSpeaker();
        }
        else
        {
            StartSpeaker();
            await Daemon.StartAsync();
        }
    }

    public async Task<NeighborStatus> StatusAsync() =>
        await Speaker!.Supervisor.Ask<NeighborStatus>(new NeighborCommand(PeerAddress, GetNeighborStatus.Instance));

    public async Task<NeighborStatus> WaitForOurStateAsync(SessionState state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        NeighborStatus s;
        do
        {
            s = await StatusAsync();
            if (s.State == state) return s;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"we did not reach {state} within {timeout} (now {s.State}, last error {s.LastError})\n" +
            $"--- our history ---\n{History}\n--- daemon ---\n{(await Daemon.GetPeerAsync()).Raw}\n{Daemon.Output}");
    }

    public async Task<NeighborRoutes> WaitForRoutesAsync(int v4, int v6, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        NeighborRoutes? routes;
        do
        {
            var snapshot = await Speaker!.Rib.Ask<AdjRibInSnapshot>(new GetAdjRibIn(PeerAddress));
            routes = snapshot.For(PeerAddress);
            if (routes is not null && routes.Ipv4Count >= v4 && routes.Ipv6Count >= v6) return routes;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"routes from {Daemon.Name} did not arrive: {routes}; last error: {(await StatusAsync()).LastError}\n{History}");
    }

    public void Stop(string communication) =>
        Speaker!.Supervisor.Tell(new NeighborCommand(PeerAddress, new ManualStop(communication)));

    public void Start() => Speaker!.Supervisor.Tell(new NeighborCommand(PeerAddress, new ManualStart()));

    public IReadOnlyList<SessionStateChanged> Transitions => _log.ToArray();

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
    }
}
