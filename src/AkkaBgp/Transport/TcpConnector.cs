using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace AkkaBgp.Transport;

/// <summary>
/// Dials peers for FSMs (RFC 4271 8.2.2: "initiates a TCP connection to the other BGP peer").
/// Each <see cref="Connect"/> becomes an async ConnectAsync outside the actor; the outcome comes
/// back as a private message, and on success the socket is handed to a new
/// <see cref="TcpConnection"/> child whose ref goes to the FSM in <see cref="Connected"/>.
/// </summary>
public sealed class TcpConnector : ReceiveActor
{
    private readonly TimeSpan _defaultTimeout;
    private readonly ConnectionOptions _connectionOptions;
    // Keyed by (handler, attempt): attempt numbers are per FSM. CancelConnect comes from the FSM itself, so its
    // sender is the handler.
    private readonly Dictionary<(IActorRef Handler, long Attempt), CancellationTokenSource> _pending = new();
    private readonly Dictionary<IPAddress, TransportSecurity> _security = new();
    private long _connectionCounter;

    private sealed record Dialled(Connect Request, IActorRef Requester, CancellationTokenSource Token, Socket? Socket, string? Error) : IDeadLetterSuppression;

    public TcpConnector(TimeSpan defaultTimeout, ConnectionOptions connectionOptions)
    {
        _defaultTimeout = defaultTimeout;
        _connectionOptions = connectionOptions;
        Receive<Connect>(Start);
        Receive<CancelConnect>(c =>
        {
            if (_pending.Remove((Sender, c.Attempt), out var cts)) cts.Cancel();
        });
        Receive<Dialled>(Finish);
        Receive<SetPeerSecurity>(p =>
        {
            if (p.Security is null || p.Security.IsEmpty) _security.Remove(p.Peer);
            else _security[p.Peer] = p.Security;
        });
    }

    public static Props Props(TimeSpan? defaultTimeout = null, ConnectionOptions? connectionOptions = null) =>
        Akka.Actor.Props.Create(() => new TcpConnector(defaultTimeout ?? TimeSpan.FromSeconds(10), connectionOptions ?? ConnectionOptions.Default));

    private void Start(Connect c)
    {
        var requester = c.Handler;
        var key = (requester, c.Attempt);
        if (_pending.Remove(key, out var previous)) previous.Cancel();
        var cts = new CancellationTokenSource(c.Timeout ?? _defaultTimeout);
        _pending[key] = cts;
        var self = Self;
        _ = DialAsync(c, requester, self, cts, _security.GetValueOrDefault(c.Remote.Address));
    }

    private static async Task DialAsync(Connect c, IActorRef requester, IActorRef self, CancellationTokenSource cts, TransportSecurity? security)
    {
        var ct = cts.Token;
        var socket = new Socket(c.Remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No ReuseAddress: on Linux it also sets SO_REUSEPORT (see docs/linux-sockets.md 4);
            // .NET already sets SO_REUSEADDR at Bind, which is all a fixed local port needs.
            if (c.Local is { } local) socket.Bind(local);
            if (security is not null)
            {
                // Both must be in place before the SYN: the key signs it (RFC 2385), GTSM peers check its TTL (RFC 5082).
                security.ApplyTtl(socket);
                if (security.Md5Key is not null) TransportSecurity.SetMd5Key(socket, c.Remote.Address, security.Md5Key);
            }
            await socket.ConnectAsync(c.Remote, ct).ConfigureAwait(false);
            self.Tell(new Dialled(c, requester, cts, socket, null), self);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or ArgumentException)
        {
            socket.Dispose();
            string reason = e switch
            {
                SocketException s => s.SocketErrorCode.ToString(),
                OperationCanceledException => "timed out or cancelled",
                _ => e.Message,
            };
            self.Tell(new Dialled(c, requester, cts, null, reason), self);
        }
    }

    private void Finish(Dialled d)
    {
        var key = (d.Requester, d.Request.Attempt);
        if (!_pending.TryGetValue(key, out var cts) || !ReferenceEquals(cts, d.Token))
        {
            // Abandoned (CancelConnect, or a newer Connect with the same attempt): nobody wants this answer.
            d.Socket?.Dispose();
            return;
        }
        _pending.Remove(key);
        cts.Dispose();
        if (d.Socket is null)
        {
            d.Requester.Tell(TcpConnectionFails.Dial(d.Error ?? "failed", d.Request.Attempt), Self);
            return;
        }
        var local = (IPEndPoint)d.Socket.LocalEndPoint!;
        var remote = (IPEndPoint)d.Socket.RemoteEndPoint!;
        var name = $"out-{Sanitize(remote)}-{++_connectionCounter}";
        var connection = Context.ActorOf(TcpConnection.Props(d.Socket, _connectionOptions), name);
        d.Requester.Tell(new Connected(connection, local, remote, d.Request.Attempt), Self);
    }

    internal static string Sanitize(IPEndPoint ep) =>
        ep.ToString().Replace(':', '_').Replace('[', '_').Replace(']', '_').Replace('%', '_');
}
