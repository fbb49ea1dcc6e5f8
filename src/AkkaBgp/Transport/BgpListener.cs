using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport;

/// <summary>Where and how the listener accepts connections.</summary>
public sealed record ListenerSettings
{
    /// <summary>Addresses and ports to listen on (port 0 picks a free port; see <see cref="ListenerStatus"/>).
    /// <c>[::]</c> is bound dual-stack, so one socket takes IPv4 peers too.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; init; } = [];

    public int Backlog { get; init; } = 128;

    /// <summary>How long a connection from an unknown address may take to send its OPEN before we drop it
    /// without a NOTIFICATION.</summary>
    public TimeSpan RejectOpenWait { get; init; } = TimeSpan.FromSeconds(5);

    public ConnectionOptions Connection { get; init; } = ConnectionOptions.Default;

    /// <summary>MD5 keys for dynamic-neighbor ranges, on the listening sockets before they listen (ranges change
    /// only at a restart).</summary>
    public IReadOnlyList<RangeMd5Key> RangeMd5Keys { get; init; } = [];
}

/// <summary>Listener -> neighbor lookup (the supervisor): a connection was accepted from <paramref name="Remote"/>
/// (IPv4-mapped addresses already unmapped). The lookup forwards <see cref="Accepted"/> to the right FSM, or
/// answers <see cref="RejectConnection"/>.</summary>
public sealed record InboundConnection(IActorRef Connection, IPEndPoint Local, IPEndPoint Remote);

/// <summary>No neighbor takes this connection: the listener answers an OPEN with Cease/5 (RFC 4486) and closes.</summary>
public sealed record RejectConnection(IActorRef Connection, string Reason);

/// <summary>Asks the listener which endpoints it listens on; answered with <see cref="ListenerStatus"/>.</summary>
public sealed record GetListenerStatus
{
    public static readonly GetListenerStatus Instance = new();
}

/// <summary><paramref name="RefusedWhileIdle"/>: connections closed at once because the peer's session was Idle
/// (<see cref="RefuseConnections"/>); they are counted in <paramref name="Accepted"/> too.</summary>
public sealed record ListenerStatus(IReadOnlyList<IPEndPoint> Bound, IReadOnlyList<string> Failures, long Accepted, long Rejected, long RefusedWhileIdle = 0);

/// <summary>
/// Supervisor -> listener: the session with <paramref name="Peer"/> entered Idle (<paramref name="Refuse"/>) or left
/// it. RFC 4271 8.2.2: in Idle "the BGP FSM will refuse to allow incoming connections", so while it is Idle the
/// listener closes that peer's connections as they are accepted, instead of handing each through the supervisor to
/// the FSM only to be closed there. A peer retrying every half second against a damped session (IdleHoldTimer,
/// 8.1.1) cost ~0.23 ms of CPU a connection that way (bench/RESULTS.md, 2026-12-06d: 2,000 peers back from a restart
/// inside our 5 s idle hold opened 16,927 connections, 3.4 CPU s). The FSM still refuses any connection that reaches
/// it in Idle: this is the fast path, not the rule.
/// </summary>
public sealed record RefuseConnections(IPAddress Peer, bool Refuse);

/// <summary>
/// Accepts TCP connections (RFC 4271 8.2.1.2: the passive side) on the configured endpoints. Each
/// accepted socket becomes a <see cref="TcpConnection"/> child, which is offered to the neighbor
/// lookup. Connections nobody wants are rejected the RFC 4486 way: we read the OPEN and answer
/// NOTIFICATION Cease/5 (Connection Rejected), then close.
/// </summary>
public sealed class BgpListener : UntypedActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly ListenerSettings _settings;
    private readonly IActorRef _lookup;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = new();
    private readonly List<IPEndPoint> _bound = new();
    private readonly List<string> _failures = new();
    private readonly HashSet<IActorRef> _rejecting = new();
    private readonly Dictionary<IPAddress, TransportSecurity> _security = new();
    private long _counter;
    private long _accepted;
    private long _rejected;
    private long _refusedWhileIdle;
    /// <summary>Peers whose session is Idle (<see cref="RefuseConnections"/>), with the connections refused since.</summary>
    private readonly Dictionary<IPAddress, long> _idle = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public BgpListener(ListenerSettings settings, IActorRef lookup, IReadOnlyDictionary<IPAddress, TransportSecurity> initialSecurity)
    {
        _settings = settings;
        _lookup = lookup;
        foreach (var (peer, security) in initialSecurity)
            if (!security.IsEmpty) _security[peer] = security;
    }

    /// <param name="lookup">The actor that maps a remote address to a neighbor (the <see cref="Speaker.NeighborSupervisor"/>).</param>
    /// <param name="initialSecurity">The configured neighbors' MD5 keys and TTLs, in force from the first accepted
    /// connection on. The supervisor's <see cref="SetPeerSecurity"/> messages arrive only after the listener is
    /// accepting: a connection from a GTSM neighbor accepted before them skipped its minimum TTL (SpeakerPairTests'
    /// GTSM test reached Established with TTL 254 in 1 of 6 runs), and one from an MD5 neighbor its signature check.</param>
    public static Props Props(ListenerSettings settings, IActorRef lookup, IReadOnlyDictionary<IPAddress, TransportSecurity>? initialSecurity = null)
    {
        var security = initialSecurity ?? new Dictionary<IPAddress, TransportSecurity>();
        return Akka.Actor.Props.Create(() => new BgpListener(settings, lookup, security));
    }

    private sealed record AcceptedSocket(Socket Socket) : IDeadLetterSuppression;
    private sealed record AcceptFailed(IPEndPoint Endpoint, string Reason) : IDeadLetterSuppression;
    private sealed record RejectTimeout(IActorRef Connection) : IDeadLetterSuppression;

    protected override void PreStart()
    {
        foreach (var endpoint in _settings.Endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                    socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
                // Deliberately no SocketOptionName.ReuseAddress: on Linux it adds SO_REUSEPORT and would let a
                // second speaker bind the same port (docs/linux-sockets.md 4). .NET's own SO_REUSEADDR suffices.
                socket.Bind(endpoint);
                // SYN-ACKs leave with the listener's TTL, before we know the peer: 255 satisfies GTSM peers
                // (RFC 5082) and is harmless to others. Accepted sockets then get their peer's own TTL.
                new TransportSecurity(Ttl: 255).ApplyTtl(socket);
                // MD5 keys before listen: from then on the kernel completes handshakes on its own.
                foreach (var (peer, security) in _security)
                    if (security.Md5Key is { } key && Fits(peer, socket)) TransportSecurity.SetMd5Key(socket, peer, key);
                foreach (var range in _settings.RangeMd5Keys)
                    if (Fits(range.Range.Address, socket)) TransportSecurity.SetMd5KeyForRange(socket, range.Range, range.Key);
                socket.Listen(_settings.Backlog);
                var bound = (IPEndPoint)socket.LocalEndPoint!;
                _sockets.Add(socket);
                _bound.Add(bound);
                Log.Info("Listening on {Endpoint}", bound);
                _ = AcceptLoopAsync(socket, bound, Self, _stop.Token);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                _failures.Add($"{endpoint}: {e.SocketErrorCode}");
                Log.Error("Cannot listen on {Endpoint}: {Error}", endpoint, e.SocketErrorCode);
            }
        }
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        foreach (var s in _sockets) s.Dispose();
        _stop.Dispose();
    }

    private static async Task AcceptLoopAsync(Socket listener, IPEndPoint endpoint, IActorRef self, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var socket = await listener.AcceptAsync(ct).ConfigureAwait(false);
                self.Tell(new AcceptedSocket(socket), self);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The peer gave up between SYN and accept: nothing to do.
            }
            catch (SocketException e)
            {
                self.Tell(new AcceptFailed(endpoint, e.SocketErrorCode.ToString()), self);
                return;
            }
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AcceptedSocket a:
                OnAccepted(a.Socket);
                break;
            case AcceptFailed f:
                _failures.Add($"{f.Endpoint}: accept failed: {f.Reason}");
                Log.Error("Accepting on {Endpoint} failed: {Reason}", f.Endpoint, f.Reason);
                break;
            case SetPeerSecurity p:
                SetSecurity(p);
                break;
            case RejectConnection r:
                Reject(r);
                break;
            case RefuseConnections r when r.Refuse:
                _idle.TryAdd(r.Peer, 0);
                break;
            case RefuseConnections r:
                if (_idle.Remove(r.Peer, out long refused) && refused > 0)
                    Log.Info("Refused {Count} connection(s) from {Peer} while its session was Idle", refused, r.Peer);
                break;
            case Received r when _rejecting.Contains(r.Connection):
                if (r.Message is OpenMessage)
                {
                    // RFC 4486 4: Cease/5 "Connection Rejected" when we will not take the connection.
                    r.Connection.Tell(new Send(new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionRejected)), Self);
                    r.Connection.Tell(new Close(TimeSpan.FromSeconds(2)), Self);
                }
                else
                {
                    r.Connection.Tell(new Abort(), Self);
                }
                break;
            case Received:
                break;
            case ReceiveFailed f when _rejecting.Contains(f.Connection):
                f.Connection.Tell(new Abort(), Self);
                break;
            case RejectTimeout t:
                if (_rejecting.Contains(t.Connection)) t.Connection.Tell(new Abort(), Self);
                break;
            case TcpConnectionFails { Connection: { } closed }:
                _rejecting.Remove(closed);
                Timers.Cancel(closed);
                break;
            case GetListenerStatus:
                Sender.Tell(new ListenerStatus(_bound.ToArray(), _failures.ToArray(), _accepted, _rejected, _refusedWhileIdle), Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnAccepted(Socket socket)
    {
        IPEndPoint local, remote;
        try
        {
            local = Unmap((IPEndPoint)socket.LocalEndPoint!);
            remote = Unmap((IPEndPoint)socket.RemoteEndPoint!);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return;
        }
        _accepted++;
        if (_idle.TryGetValue(remote.Address, out long refused))
        {
            // Event 14 in Idle is refused (RFC 4271 8.2.2); see RefuseConnections. Logged once per Idle spell.
            if (refused == 0) Log.Info("Refusing connections from {Peer}: its session is Idle", remote.Address);
            _idle[remote.Address] = refused + 1;
            _refusedWhileIdle++;
            socket.Dispose();
            return;
        }
        if (_security.TryGetValue(remote.Address, out var security))
        {
            try { security.ApplyTtl(socket); }
            catch (SocketException e) { Log.Error("{Remote}: cannot set TTL: {Error}", remote, e.SocketErrorCode); }
        }
        var connection = Context.ActorOf(TcpConnection.Props(socket, _settings.Connection),
            $"in-{TcpConnector.Sanitize(remote)}-{++_counter}");
        _lookup.Tell(new InboundConnection(connection, local, remote), Self);
    }

    /// <summary>MD5 keys live on the listening sockets (accepted sockets inherit them; a SYN without the right
    /// signature is dropped by the kernel); TTLs are applied per accepted socket.</summary>
    private void SetSecurity(SetPeerSecurity p)
    {
        _security.TryGetValue(p.Peer, out var previous);
        if (p.Security is null || p.Security.IsEmpty) _security.Remove(p.Peer);
        else _security[p.Peer] = p.Security;
        var key = p.Security?.Md5Key;
        if (key == previous?.Md5Key) return;
        foreach (var socket in _sockets)
        {
            if (!Fits(p.Peer, socket)) continue;
            try { TransportSecurity.SetMd5Key(socket, p.Peer, key); }
            catch (Exception e) when (e is SocketException or ArgumentException)
            {
                Log.Error("Cannot set the TCP MD5 key for {Peer} on {Endpoint}: {Error}", p.Peer, socket.LocalEndPoint, e.Message);
            }
        }
    }

    private static bool Fits(IPAddress peer, Socket socket) =>
        peer.AddressFamily == socket.AddressFamily || (socket.AddressFamily == AddressFamily.InterNetworkV6 && socket.DualMode);

    private void Reject(RejectConnection r)
    {
        _rejected++;
        Log.Info("Rejecting connection {Connection}: {Reason}", r.Connection.Path.Name, r.Reason);
        _rejecting.Add(r.Connection);
        r.Connection.Tell(new Register(Self, default, default, TimeSpan.Zero), Self);
        Timers.StartSingleTimer(r.Connection, new RejectTimeout(r.Connection), _settings.RejectOpenWait);
    }

    /// <summary>A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d; neighbors are configured as plain IPv4.</summary>
    internal static IPEndPoint Unmap(IPEndPoint ep) =>
        ep.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ep.Address.MapToIPv4(), ep.Port) : ep;
}
