using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests.Support;

/// <summary>
/// A BGP peer on a raw socket from its own loopback address, for driving the running service: it sends whatever
/// bytes the test gives it and reads in the background, framing what arrives and keeping the session messages
/// (OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH) for the test, while UPDATEs are only counted (a peer that
/// receives a table must not spend its time decoding it). KEEPALIVE arrival times are kept so a test can say
/// whether the service ever missed one.
/// </summary>
public sealed class WirePeer : IAsyncDisposable
{
    private static readonly DecodeContext Decode = new() { ExtendedMessages = true, Update = new UpdateDecodeContext(true) };

    private readonly Socket _socket;
    private readonly Channel<BgpMessage> _inbox = Channel.CreateUnbounded<BgpMessage>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private long _lastKeepaliveTicks;
    private long _maxKeepaliveGapTicks;
    private Task? _keepalives;

    public IPEndPoint Local { get; }
    public long UpdatesReceived;
    public long KeepalivesReceived;
    public long BytesReceived;

    /// <summary>Set once the service closed the connection (or it failed); the reason for messages.</summary>
    public string? ClosedBecause { get; private set; }

    private WirePeer(Socket socket, bool read)
    {
        _socket = socket;
        Local = (IPEndPoint)socket.LocalEndPoint!;
        _reader = read ? Task.Run(ReadLoopAsync) : Task.CompletedTask;
    }

    /// <summary>Connects from <paramref name="from"/>; null when the service refuses or resets the connection.</summary>
    /// <param name="read">False: never read from the socket (a peer that does not read), with a small receive buffer.</param>
    public static async Task<WirePeer?> TryConnectAsync(IPAddress from, IPEndPoint to, bool read = true, TimeSpan? timeout = null)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (!read) s.ReceiveBufferSize = 4096;
            s.Bind(new IPEndPoint(from, 0));
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
            await s.ConnectAsync(to, cts.Token);
            return new WirePeer(s, read);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            s.Dispose();
            return null;
        }
    }

    /// <summary>Connects until the service sends its OPEN (it refuses connections while the neighbor is Idle), answers
    /// with <paramref name="open"/> and a KEEPALIVE and waits for the service's KEEPALIVE: both sides Established.</summary>
    public static async Task<WirePeer> EstablishAsync(IPAddress from, IPEndPoint to, OpenMessage open, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string last = "";
        while (deadline.Elapsed < timeout)
        {
            var peer = await TryConnectAsync(from, to);
            if (peer is null) { last = "connection refused"; await Task.Delay(20); continue; }
            try
            {
                // As a real peer does: our OPEN at once (RFC 4271 8.2.2), so a refusal (Cease/5 while the neighbor
                // is restarting) comes back straight away instead of after the listener's wait for it.
                await peer.SendAsync(open.ToArray());
                await peer.ExpectAsync<OpenMessage>(TimeSpan.FromSeconds(10));
                await peer.SendAsync(KeepaliveMessage.Bytes.ToArray());
                await peer.ExpectAsync<KeepaliveMessage>(TimeSpan.FromSeconds(10));
                return peer;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or SocketException)
            {
                // Refused in Idle (the service closes at once), or still waiting out its idle hold time.
                last = e.Message;
                await peer.DisposeAsync();
                await Task.Delay(20);
            }
        }
        throw new TimeoutException($"{from}: no session with {to} within {timeout}: {last}");
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _sendGate.WaitAsync();
        try
        {
            while (!bytes.IsEmpty)
            {
                int n = await _socket.SendAsync(bytes, SocketFlags.None);
                bytes = bytes[n..];
            }
        }
        finally { _sendGate.Release(); }
    }

    /// <summary>Sends a KEEPALIVE every <paramref name="interval"/> until disposed (an idle peer keeping its session).</summary>
    public void StartKeepalives(TimeSpan interval)
    {
        var bytes = KeepaliveMessage.Bytes.ToArray();
        _keepalives = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token)) await SendAsync(bytes);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        });
    }

    /// <summary>The next session message (not UPDATE) that matches, skipping the others; throws if the connection
    /// closes first or nothing matches in time.</summary>
    public async Task<T> ExpectAsync<T>(TimeSpan timeout, Func<T, bool>? match = null) where T : BgpMessage
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _inbox.Reader.WaitToReadAsync(cts.Token))
                while (_inbox.Reader.TryRead(out var m))
                    if (m is T t && (match is null || match(t))) return t;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Local}: no {typeof(T).Name} within {timeout}");
        }
        throw new InvalidOperationException($"{Local}: connection closed before a {typeof(T).Name} ({ClosedBecause})");
    }

    /// <summary>True once the service has closed the connection (reading it to the end).</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        try { await _reader.WaitAsync(timeout); return true; }
        catch (TimeoutException) { return false; }
    }

    /// <summary>The longest time between two KEEPALIVEs from the service so far (and since the last one).</summary>
    public TimeSpan MaxKeepaliveGap
    {
        get
        {
            long last = Interlocked.Read(ref _lastKeepaliveTicks);
            long sinceLast = last == 0 ? 0 : Stopwatch.GetTimestamp() - last;
            return Stopwatch.GetElapsedTime(0, Math.Max(Interlocked.Read(ref _maxKeepaliveGapTicks), sinceLast));
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[2 * 65536];
        int filled = 0;
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
                if (n == 0) { ClosedBecause = "closed by the service"; break; }
                Interlocked.Add(ref BytesReceived, n);
                filled += n;
                int offset = 0;
                while (true)
                {
                    int length = BgpFramer.TryReadMessage(buffer.AsSpan(offset, filled - offset), BgpHeader.ExtendedMaxMessageLength, out var error);
                    if (length < 0) { ClosedBecause = $"the service sent a bad frame: {error}"; return; }
                    if (length == 0) break;
                    Take(buffer.AsSpan(offset, length));
                    offset += length;
                }
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (OperationCanceledException) { ClosedBecause ??= "stopped by the test"; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { ClosedBecause ??= e.Message; }
        finally { _inbox.Writer.TryComplete(); }
    }

    private void Take(ReadOnlySpan<byte> message)
    {
        var type = (MessageType)message[18];
        if (type == MessageType.Update) { Interlocked.Increment(ref UpdatesReceived); return; }
        if (type == MessageType.Keepalive)
        {
            Interlocked.Increment(ref KeepalivesReceived);
            long now = Stopwatch.GetTimestamp(), last = Interlocked.Exchange(ref _lastKeepaliveTicks, now);
            if (last != 0 && now - last > Interlocked.Read(ref _maxKeepaliveGapTicks)) Interlocked.Exchange(ref _maxKeepaliveGapTicks, now - last);
        }
        if (!BgpMessageCodec.TryDecode(message, Decode, out var m, out var error))
            throw new InvalidOperationException($"the service sent a message we cannot decode: {error}");
        _inbox.Writer.TryWrite(m!);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        await Task.WhenAll(_reader, _keepalives ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _stop.Dispose();
    }

    /// <summary>Closes at once with RST (no FIN), as a crashed peer would.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }
}
