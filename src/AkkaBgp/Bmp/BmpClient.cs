using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Bmp;

namespace AkkaBgp.Bmp;

/// <summary>One BMP collector (monitoring station) and how we talk to it.</summary>
/// <param name="Buffer">Messages that may wait for the collector; when it falls that far behind, the connection is
/// dropped and made again (with a full resync), see <see cref="BmpClient"/>.</param>
public sealed record BmpCollectorSettings(string Host, int Port, string SysName, TimeSpan StatisticsInterval,
    TimeSpan MinBackoff, TimeSpan MaxBackoff, int Buffer = 100_000)
{
    public string Name => $"{Host}:{Port}";
}

public sealed record GetBmpStatus
{
    public static readonly GetBmpStatus Instance = new();
}

public sealed record BmpStatus(string Collector, bool Connected, long Sent, long Dropped, int Resyncs, int PeersUp, string? LastError);

/// <summary>
/// A BMP client (RFC 7854) for one collector. We connect to it (section 3.2: the monitored router opens the TCP
/// connection), send Initiation (4.3), then a Peer Up (4.10) for every Established session and its current routes,
/// and from then on live: every UPDATE a peer sends as pre-policy Route Monitoring (4.6), Peer Down (4.9) when a
/// session ends, and a Statistics Report (4.8) per peer every statistics interval. Termination (4.5) on shutdown.
/// <para>
/// The raw OPENs and UPDATEs come from the <see cref="MessageTap"/>, which this actor turns on. A session is never
/// slowed for a collector: messages go into a bounded buffer that a writer task empties into the socket. BMP has no
/// way to say that messages were lost, so a collector that falls <see cref="BmpCollectorSettings.Buffer"/> messages
/// behind is disconnected (counted, logged) and reconnected after the backoff, which resends everything: a gap the
/// station does not know about would leave it with a wrong table. Reconnects back off from MinBackoff, doubling to
/// MaxBackoff.
/// </para>
/// <para>
/// The routes sent after Peer Up on (re)connecting are read from the Loc-RIB's per-neighbor paths, i.e. after import
/// policy: they go as post-policy Route Monitoring (L flag), each family closed with an End-of-RIB. The live
/// messages are the peer's own UPDATEs, pre-policy.
/// </para>
/// </summary>
public sealed class BmpClient : ReceiveActor, IWithTimers
{
    private readonly BmpCollectorSettings _settings;
    private readonly Func<IActorRef?> _rib;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IPAddress, TappedSessionUp> _up = new();
    private IDisposable? _tap;
    private Connection? _connection;
    private TimeSpan _backoff;
    private long _sent;
    private long _dropped;
    private int _resyncs;
    private string? _lastError;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed class Connection(Socket socket, Channel<byte[]> buffer, CancellationTokenSource stop)
    {
        public Socket Socket { get; } = socket;
        public Channel<byte[]> Buffer { get; } = buffer;
        public CancellationTokenSource Stop { get; } = stop;
    }

    private sealed record Connect;
    private sealed record Connected(Socket Socket);
    private sealed record ConnectFailed(string Reason);
    private sealed record Lost(Connection Connection, string Reason);
    private sealed record StatisticsTick;
    private sealed record Statistics(RibSummary Summary);

    public BmpClient(BmpCollectorSettings settings, Func<IActorRef?> rib)
    {
        _settings = settings;
        _rib = rib;
        _backoff = settings.MinBackoff;

        Receive<TappedSessionUp>(up =>
        {
            _up[Peer(up.Session)] = up;
            if (_connection is { } c) Send(c, PeerUpMessage(up));
        });
        Receive<TappedMessage>(m =>
        {
            // Route Monitoring carries UPDATEs only (4.6); the peer's are pre-policy.
            if (m.Direction != TapDirection.Received || m.Message.Length < BgpHeader.Size || m.Message[18] != (byte)MessageType.Update) return;
            if (_connection is not { } c || !_up.TryGetValue(Peer(m.Session), out var up)) return;
            Send(c, BmpCodec.RouteMonitoring(PeerOf(up.Session, m.At), m.Message));
        });
        Receive<TappedSessionDown>(down =>
        {
            _up.Remove(Peer(down.Session));
            if (_connection is { } c) Send(c, PeerDownMessage(down));
        });
        Receive<Connect>(_ => StartConnecting());
        Receive<Connected>(OnConnected);
        Receive<ConnectFailed>(f =>
        {
            _lastError = f.Reason;
            _log.Warning("BMP collector {Collector}: cannot connect ({Reason}); trying again in {Backoff}", _settings.Name, f.Reason, _backoff);
            Retry();
        });
        Receive<Lost>(l =>
        {
            if (!ReferenceEquals(l.Connection, _connection)) return;
            _lastError = l.Reason;
            _log.Warning("BMP collector {Collector}: connection lost ({Reason}); reconnecting in {Backoff}", _settings.Name, l.Reason, _backoff);
            Close(l.Connection);
            _connection = null;
            Retry();
        });
        Receive<StatisticsTick>(_ =>
        {
            if (_connection is null || _up.Count == 0 || _rib() is not { } rib) return;
            rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(10))
                .PipeTo(Self, success: s => new Statistics(s), failure: _ => new Statistics(null!));
        });
        Receive<Statistics>(s =>
        {
            if (_connection is not { } c || s.Summary is null) return;
            var now = DateTimeOffset.UtcNow;
            foreach (var n in s.Summary.Neighbors)
            {
                if (!_up.TryGetValue(n.Peer, out var up)) continue;
                long received = n.Prefixes?.Values.Sum(p => p.Received) ?? n.ReceivedPrefixes;
                long accepted = n.Prefixes?.Values.Sum(p => p.Accepted) ?? 0;
                Send(c, BmpCodec.StatisticsReport(PeerOf(up.Session, now),
                [
                    // Type 0: prefixes rejected by inbound policy; type 7: routes in Adj-RIB-In (RFC 7854 4.8).
                    (BmpCodec.StatRejectedPrefixes, (ulong)Math.Max(0, received - accepted)),
                    (BmpCodec.StatAdjRibInRoutes, (ulong)received),
                ]));
            }
        });
        Receive<GetBmpStatus>(_ => Sender.Tell(new BmpStatus(_settings.Name, _connection is not null, Interlocked.Read(ref _sent),
            Interlocked.Read(ref _dropped), _resyncs, _up.Count, _lastError)));
    }

    public static Props Props(BmpCollectorSettings settings, Func<IActorRef?> rib) =>
        Akka.Actor.Props.Create(() => new BmpClient(settings, rib));

    protected override void PreStart()
    {
        _tap = MessageTap.Get(Context.System).Enable();
        Context.System.EventStream.Subscribe(Self, typeof(TappedSessionUp));
        Context.System.EventStream.Subscribe(Self, typeof(TappedMessage));
        Context.System.EventStream.Subscribe(Self, typeof(TappedSessionDown));
        Self.Tell(new Connect());
        Timers.StartPeriodicTimer("statistics", new StatisticsTick(), _settings.StatisticsInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _tap?.Dispose();
        if (_connection is { } c)
        {
            // RFC 7854 4.5: say why we close; best effort, behind what is queued.
            c.Buffer.Writer.TryWrite(BmpCodec.Termination(0, "AkkaBgp is stopping"));
            c.Buffer.Writer.TryComplete();
        }
    }

    private static IPAddress Peer(TapSession s) => s.Remote.Address.IsIPv4MappedToIPv6 ? s.Remote.Address.MapToIPv4() : s.Remote.Address;

    private static BmpPeer PeerOf(TapSession s, DateTimeOffset at, bool postPolicy = false) =>
        new(Peer(s), s.Negotiated.PeerAs, s.Negotiated.PeerIdentifier, at, postPolicy);

    private static byte[] PeerUpMessage(TappedSessionUp up)
    {
        var s = up.Session;
        var local = s.Local.Address.IsIPv4MappedToIPv6 ? s.Local.Address.MapToIPv4() : s.Local.Address;
        return BmpCodec.PeerUp(PeerOf(s, up.At), local, (ushort)s.Local.Port, (ushort)s.Remote.Port, up.SentOpen, up.ReceivedOpen);
    }

    private static byte[] PeerDownMessage(TappedSessionDown d)
    {
        var peer = PeerOf(d.Session, d.At);
        if (d.EventNumber == BgpEvent.NeighborRemoved) return BmpCodec.PeerDown(peer, BmpPeerDownReason.Deconfigured);
        if (d.Notification is { } n)
            return BmpCodec.PeerDown(peer, d.SentByUs ? BmpPeerDownReason.LocalNotification : BmpPeerDownReason.RemoteNotification, n);
        // Event 18 (the connection failed or the peer closed it) is the remote end's doing; any other event is ours.
        return d.EventNumber == BgpEvent.TcpConnectionFails
            ? BmpCodec.PeerDown(peer, BmpPeerDownReason.RemoteNoNotification)
            : BmpCodec.PeerDown(peer, BmpPeerDownReason.LocalNoNotification, fsmEvent: (ushort)Math.Max(0, d.EventNumber));
    }

    private void StartConnecting()
    {
        var self = Self;
        var (host, port) = (_settings.Host, _settings.Port);
        _ = Task.Run(async () =>
        {
            try
            {
                var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host);
                var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await socket.ConnectAsync(addresses[0], port, timeout.Token); }
                catch { socket.Dispose(); throw; }
                self.Tell(new Connected(socket));
            }
            catch (Exception e) { self.Tell(new ConnectFailed(e is OperationCanceledException ? "timed out" : e.Message)); }
        });
    }

    private void OnConnected(Connected m)
    {
        var buffer = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(_settings.Buffer) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        var c = new Connection(m.Socket, buffer, new CancellationTokenSource());
        _connection = c;
        _backoff = _settings.MinBackoff;
        _log.Info("BMP collector {Collector}: connected; {Peers} peers up", _settings.Name, _up.Count);
        var self = Self;
        _ = Task.Run(() => WriteAsync(c, self));
        Send(c, BmpCodec.Initiation(_settings.SysName, "AkkaBgp BGP speaker"));
        foreach (var up in _up.Values) Send(c, PeerUpMessage(up));
        if (_up.Count > 0 && _rib() is { } rib)
        {
            var peers = _up.Values.ToDictionary(u => Peer(u.Session), u => u.Session);
            _ = Task.Run(() => SendCurrentRoutesAsync(c, rib, peers));
        }
    }

    /// <summary>What the station must know after Peer Up: every peer's current paths, post-policy, then End-of-RIB per
    /// family. Runs off the actor (it pages the RIB with Ask) and writes straight into the connection's buffer.</summary>
    private async Task SendCurrentRoutesAsync(Connection c, IActorRef rib, Dictionary<IPAddress, TapSession> peers)
    {
        try
        {
            foreach (var (all, afi) in new[] { (Prefix.Parse("0.0.0.0/0"), (ushort)1), (Prefix.Parse("::/0"), (ushort)2) })
            {
                for (Prefix? after = null; ;)
                {
                    var page = await rib.Ask<RouteLookupResult>(new LookupRoutes(all, LongerPrefixes: true, 0, 2000, After: after), TimeSpan.FromSeconds(30));
                    foreach (var r in page.Routes)
                    {
                        if (r.Peer is null || !peers.TryGetValue(r.Peer, out var session)) continue;
                        // Encoded as the peer's own UPDATEs are: with its ADD-PATH identifiers where it sends them (RFC 7911),
                        // which the station knows from the OPENs in Peer Up.
                        var encode = new UpdateEncodeContext(true, session.Negotiated.AddPathReceive);
                        NlriEntry[] nlri = [new NlriEntry(r.Prefix, r.PathId)];
                        byte[] update = afi == 1
                            ? UpdateEncoder.EncodeIPv4(encode, [], r.Attributes, nlri)
                            : UpdateEncoder.EncodeMp(encode, 2, 1, [], r.Attributes, r.NextHop?.GetAddressBytes() ?? [], nlri);
                        if (!Send(c, BmpCodec.RouteMonitoring(PeerOf(session, DateTimeOffset.UtcNow, postPolicy: true), update))) return;
                    }
                    if (page.Routes.Count == 0) break;
                    after = page.Routes[^1].Prefix;
                    if (page.Routes.Select(x => x.Prefix).Distinct().Count() < 2000) break;
                }
                foreach (var session in peers.Values)
                    if (!Send(c, BmpCodec.RouteMonitoring(PeerOf(session, DateTimeOffset.UtcNow, postPolicy: true), UpdateEncoder.EndOfRib(afi, 1)))) return;
            }
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            // The station keeps what it got; the live messages go on.
        }
    }

    /// <summary>Queues one message; false when the buffer is full, and then the connection goes (see the type summary).</summary>
    private bool Send(Connection c, byte[] message)
    {
        if (c.Buffer.Writer.TryWrite(message)) return true;
        if (c.Stop.IsCancellationRequested) return false;
        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref _resyncs);
        c.Stop.Cancel();
        Self.Tell(new Lost(c, $"the collector fell {_settings.Buffer} messages behind; resyncing"));
        return false;
    }

    private async Task WriteAsync(Connection c, IActorRef self)
    {
        try
        {
            await foreach (var message in c.Buffer.Reader.ReadAllAsync(c.Stop.Token))
            {
                await c.Socket.SendAsync(message, SocketFlags.None, c.Stop.Token);
                Interlocked.Increment(ref _sent);
            }
            // Completed after Termination: the end of the connection (RFC 7854 3.3).
            c.Socket.Shutdown(SocketShutdown.Send);
            c.Socket.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            self.Tell(new Lost(c, e is OperationCanceledException ? "closed" : e.Message));
        }
    }

    private static void Close(Connection c)
    {
        c.Stop.Cancel();
        c.Buffer.Writer.TryComplete();
        try { c.Socket.Dispose(); } catch (ObjectDisposedException) { }
    }

    private void Retry()
    {
        Timers.StartSingleTimer("connect", new Connect(), _backoff);
        _backoff = TimeSpan.FromTicks(Math.Min(_settings.MaxBackoff.Ticks, _backoff.Ticks * 2));
    }
}
