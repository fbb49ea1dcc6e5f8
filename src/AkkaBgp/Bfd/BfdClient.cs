using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Bfd;

/// <summary>Starts, changes or (with null <paramref name="Settings"/>) ends the BFD session of BGP neighbor
/// <paramref name="Peer"/>. <paramref name="Local"/> null: the source address the kernel's routing picks for the peer.</summary>
public sealed record ConfigureBfd(IPAddress Peer, IPAddress? Local, BfdSettings? Settings);

/// <summary>Answered with <see cref="BfdSessions"/>.</summary>
public sealed record GetBfdSessions
{
    public static readonly GetBfdSessions Instance = new();
}

/// <param name="Unmatched">Datagrams no session took (undecodable, unknown discriminator), by reason.</param>
public sealed record BfdSessions(IReadOnlyList<BfdSessionInfo> Sessions, IReadOnlyDictionary<BfdDiscard, long> Unmatched);

/// <summary>
/// BGP as a BFD client (RFC 5882 calls the protocols that use BFD its clients): the actor that asks for a
/// BFD session per configured neighbor and acts on its state, the RFC 5882 coupling to BGP. The timing runs in <see cref="BfdEngine"/> on its own
/// thread (see there why); this actor configures it from the neighbor supervisor's <see cref="ConfigureBfd"/>, turns
/// its state changes into log lines and EventStream events (<see cref="BfdStateChanged"/>), and when a session fails
/// tells the neighbor's FSM:
/// <para>
/// RFC 5882 section 4.3 (the BFD Down event): "the client ... SHOULD take appropriate action": for BGP, that the session
/// goes down at once instead of waiting out the hold time. We map it to RFC 4271 Event 8 AutomaticStop: 8.1.2 defines it
/// as "the local system automatically stops the BGP connection", which is what happens, and in OpenSent, OpenConfirm and
/// Established its row "sends the NOTIFICATION with a Cease", increments the ConnectRetryCounter and goes Idle, so the
/// session restarts on its own after the IdleHoldTime like after any failure. The Cease subcode is 10, BFD Down
/// (RFC 9384 section 2: "the BGP speaker SHOULD send a NOTIFICATION message with the Error Code Cease and the Error
/// Subcode 'BFD Down'"); the path may be dead and the NOTIFICATION lost, but a peer whose BFD alone failed learns why.
/// Event 18 TcpConnectionFails would skip that NOTIFICATION, and the connection has not failed as far as TCP knows.
/// </para>
/// <para>
/// Not acted on (RFC 5882 3.2): a session going Down because the peer signalled AdminDown ("the client MUST NOT take
/// any action"), our own AdminDown, and a session that never came Up.
/// </para>
/// </summary>
public sealed class BfdClient : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _neighbors;
    private readonly Func<Action<BfdStateChanged>, Action<string>, BfdEngine> _createEngine;
    private BfdEngine? _engine;
    private readonly Dictionary<IPAddress, BfdPeerKey> _sessions = new();
    /// <summary>Neighbors in strict mode (<see cref="BfdSettings.Strict"/>), and whether their BFD session is Up.</summary>
    private readonly Dictionary<IPAddress, bool> _strict = new();

    private sealed record EngineError(string Text);
    private sealed record EngineInfo(string Text);

    /// <param name="neighbors">The neighbor supervisor: the FSM's AutomaticStop goes through its <see cref="NeighborCommand"/>.</param>
    public BfdClient(IActorRef neighbors, Func<Action<BfdStateChanged>, Action<string>, BfdEngine>? createEngine = null)
    {
        _neighbors = neighbors;
        var self = Self;
        _createEngine = createEngine ?? ((changed, error) => new BfdEngine(changed, error, text => self.Tell(new EngineInfo(text))));
        Receive<ConfigureBfd>(Configure);
        Receive<BfdStateChanged>(OnStateChanged);
        Receive<EngineError>(e => _log.Error("{Error}", e.Text));
        Receive<EngineInfo>(e => _log.Info("{Info}", e.Text));
        // The neighbor went away between the BFD change and our AutomaticStop: nothing left to stop.
        Receive<NeighborNotFound>(_ => { });
        // A new FSM incarnation (a created, replaced or crash-restarted neighbor) starts held when strict: tell it
        // where BFD stands.
        Receive<FsmStarted>(e =>
        {
            if (_strict.TryGetValue(e.Peer, out var up)) TellHold(e.Peer, hold: !up);
        });
        Receive<GetBfdSessions>(_ =>
        {
            if (_engine is null)
            {
                Sender.Tell(new BfdSessions([], new Dictionary<BfdDiscard, long>()));
                return;
            }
            var sessions = _engine.SnapshotAsync();
            var unmatched = _engine.UnmatchedAsync();
            Task.WhenAll(sessions, unmatched).PipeTo(Sender, success: () => new BfdSessions(sessions.Result, unmatched.Result));
        });
    }

    public static Props Props(IActorRef neighbors) => Akka.Actor.Props.Create(() => new BfdClient(neighbors, null));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(FsmStarted));

    private void TellHold(IPAddress peer, bool hold) =>
        _neighbors.Tell(new NeighborCommand(peer, new BfdStrictHold(hold)), Self);

    private void Configure(ConfigureBfd c)
    {
        _sessions.TryGetValue(c.Peer, out var running);
        if (c.Settings is not { Strict: true })
        {
            // Strict mode off (or no BFD): a start the FSM holds is released.
            if (_strict.Remove(c.Peer)) TellHold(c.Peer, hold: false);
        }
        if (c.Settings is null)
        {
            if (running is null) return;
            _engine!.Remove(running);
            _sessions.Remove(c.Peer);
            _log.Info("BFD {Session}: removed", running);
            return;
        }
        IPAddress local;
        try
        {
            local = c.Local ?? SourceFor(c.Peer);
        }
        catch (SocketException e)
        {
            _log.Error("BFD for {Peer}: no source address ({Error}); set the neighbor's local-address", c.Peer, e.Message);
            return;
        }
        var key = new BfdPeerKey(c.Peer, local, c.Settings.Multihop);
        if (running is not null && !running.Equals(key)) _engine!.Remove(running);
        if (c.Settings.Strict)
        {
            // A session kept (same key) keeps its state; a new one starts Down.
            bool up = running is not null && running.Equals(key) && _strict.GetValueOrDefault(c.Peer);
            _strict[c.Peer] = up;
            TellHold(c.Peer, hold: !up);
        }
        // Started on the first session only: a speaker without BFD runs no timing thread.
        var self = Self;
        _engine ??= _createEngine(e => self.Tell(e), text => self.Tell(new EngineError(text)));
        _engine.Configure(key, c.Settings);
        _sessions[c.Peer] = key;
        _log.Info("BFD {Session}: tx {Tx} ms, rx {Rx} ms, multiplier {Multiplier}{Auth}", key, c.Settings.MinTx.TotalMilliseconds,
            c.Settings.MinRx.TotalMilliseconds, c.Settings.Multiplier, c.Settings.SigningKey is { } k ? $", {k}" : "");
    }

    /// <summary>The address the kernel would send from to reach <paramref name="peer"/> (a connected UDP socket sends nothing).</summary>
    private static IPAddress SourceFor(IPAddress peer)
    {
        using var probe = new Socket(peer.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(new IPEndPoint(peer, BfdEngine.SingleHopPort));
        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }

    private void OnStateChanged(BfdStateChanged e)
    {
        // A change from a session since removed or replaced is stale.
        if (!_sessions.TryGetValue(e.Peer.Remote, out var key) || !key.Equals(e.Peer)) return;
        if (e.To == BfdState.Up) _log.Info("{Change}", e);
        else _log.Warning("{Change}", e);
        Context.System.EventStream.Publish(e);
        if (_strict.TryGetValue(e.Peer.Remote, out var wasUp) && wasUp != (e.To == BfdState.Up))
        {
            _strict[e.Peer.Remote] = e.To == BfdState.Up;
            TellHold(e.Peer.Remote, hold: e.To != BfdState.Up);
        }
        if (!e.IsFailure) return;
        var reason = $"BFD down: {BfdText.Describe(e.Diagnostic)}";
        _neighbors.Tell(new NeighborCommand(e.Peer.Remote, new AutomaticStop(CeaseSubcode.BfdDown, reason)), Self);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _engine?.Dispose();
    }
}
