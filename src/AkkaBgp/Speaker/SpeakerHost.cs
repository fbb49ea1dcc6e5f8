using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Transport;

namespace AkkaBgp.Speaker;

/// <summary>What an FSM needs from the rest of the speaker: where to ask for outbound connections and where to send routes.</summary>
public sealed record SessionServices(IActorRef Connector, IActorRef Rib);

/// <summary>Everything <see cref="SpeakerHost.Start"/> needs.</summary>
public sealed record SpeakerSettings
{
    public IReadOnlyList<NeighborSettings> Neighbors { get; init; } = [];
    public IReadOnlyList<DynamicNeighborRange> DynamicNeighbors { get; init; } = [];
    public ListenerSettings Listener { get; init; } = new();
    /// <summary>Bound on one outbound TCP handshake when the FSM does not give one.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public ConnectionOptions Connection { get; init; } = ConnectionOptions.Default;
    public FsmRestartSettings FsmRestart { get; init; } = new();
    /// <summary>Builds one neighbor's FSM; the default is <see cref="BgpFsm"/>. Tests swap in probes or crashing FSMs.</summary>
    public Func<NeighborSettings, SessionServices, Props> FsmProps { get; init; } =
        static (neighbor, services) => BgpFsm.Props(neighbor, services.Connector, services.Rib);
    /// <summary>The RIB actor; null starts the minimal <see cref="Rib.AdjRibIn"/>.</summary>
    public Props? RibProps { get; init; }
}

/// <summary>The running speaker's top-level actors.</summary>
public sealed record SpeakerRefs(IActorRef Supervisor, IActorRef Listener, IActorRef Connector, IActorRef Rib)
{
    /// <summary>The BFD sessions' actor (<see cref="Bfd.BfdClient"/>).</summary>
    public IActorRef Bfd { get; init; } = ActorRefs.Nobody;
}

/// <summary>
/// Wires a speaker into an actor system: connector, RIB, neighbor supervisor (which creates one FSM
/// per neighbor), then the listener, last, so that no connection is accepted before its neighbor exists.
/// </summary>
public static class SpeakerHost
{
    public static SpeakerRefs Start(ActorSystem system, SpeakerSettings settings, string prefix = "bgp")
    {
        var connector = system.ActorOf(TcpConnector.Props(settings.ConnectTimeout, settings.Connection), $"{prefix}-connector");
        var rib = system.ActorOf(settings.RibProps ?? Rib.AdjRibIn.Props(), $"{prefix}-rib");
        var services = new SessionServices(connector, rib);
        var supervisor = system.ActorOf(
            NeighborSupervisor.Props(settings.Neighbors, settings.DynamicNeighbors, n => settings.FsmProps(n, services), settings.FsmRestart),
            $"{prefix}-neighbors");
        // BFD sessions follow the configured neighbors; their failures reach the FSMs through the supervisor (RFC 5882).
        var bfd = system.ActorOf(Bfd.BfdClient.Props(supervisor), $"{prefix}-bfd");
        supervisor.Tell(new AttachBfd(bfd));
        // The listener gets the configured neighbors' MD5 keys and TTLs with its Props, so they are on its sockets before
        // it accepts anything (a SYN without the key is dropped by the kernel, a GTSM peer's low-TTL segments too).
        // AttachTransport below makes the supervisor send them again, and later changes, as SetPeerSecurity.
        var security = new Dictionary<IPAddress, TransportSecurity>();
        foreach (var n in settings.Neighbors) security[n.PeerAddress] = TransportSecurity.For(n);
        var rangeKeys = settings.DynamicNeighbors.Where(r => r.Template.Password is not null)
            .Select(r => new RangeMd5Key(r.Range, r.Template.Password!)).ToArray();
        var listener = system.ActorOf(BgpListener.Props(settings.Listener with { Connection = settings.Connection, RangeMd5Keys = rangeKeys }, supervisor, security),
            $"{prefix}-listener");
        supervisor.Tell(new AttachTransport(connector, listener));
        return new SpeakerRefs(supervisor, listener, connector, rib) { Bfd = bfd };
    }
}
