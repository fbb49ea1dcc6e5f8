using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Tests.Soak;

/// <summary>
/// A BGP peer on a raw socket for the soak: it dials the service from its own loopback address, brings the session up
/// (OPEN, KEEPALIVE; only the 4-octet AS capability, so IPv4 unicast), announces and withdraws /24s in packed
/// UPDATEs and leaves by closing the socket or with a NOTIFICATION. Everything the service sends is read and dropped
/// (it advertises every other peer's routes here), except that a NOTIFICATION or EOF ends the session.
/// </summary>
public sealed class SoakPeer : IAsyncDisposable
{
    private const int MaxMessage = 4096;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Task _reader = Task.CompletedTask;
    private Task _keepalives = Task.CompletedTask;
    private readonly TaskCompletionSource _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IPAddress Address { get; }
    public ushort As { get; }

    /// <summary>Completes with why the session ended (NOTIFICATION code/subcode, or EOF).</summary>
    public Task<string> Ended => _ended.Task;

    private SoakPeer(IPAddress address, ushort asn)
    {
        Address = address;
        As = asn;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    /// <summary>Dials <paramref name="service"/> from <paramref name="address"/> and waits for Established; retried while the
    /// service refuses (a neighbor that has just been added, started or re-created may still be in Idle).</summary>
    public static async Task<SoakPeer> ConnectAsync(IPAddress address, ushort asn, IPEndPoint service, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var peer = new SoakPeer(address, asn);
            try
            {
                await peer.OpenAsync(service, deadline - DateTime.UtcNow);
                return peer;
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                last = e;
                await peer.DisposeAsync();
                // The neighbor's FSM refuses connections while Idle (idle-hold-time); try again shortly.
                await Task.Delay(300);
            }
        }
        throw new TimeoutException($"{address} (AS {asn}) did not reach Established with {service} within {timeout}: {last?.Message}");
    }

    private async Task OpenAsync(IPEndPoint service, TimeSpan timeout)
    {
        _socket.Bind(new IPEndPoint(Address, 0));
        using var cts = new CancellationTokenSource(timeout);
        await _socket.ConnectAsync(service, cts.Token);
        var open = OpenMessage.Create(As, 30, OpenMessage.IdentifierFrom(Address), []);
        await SendAsync(open.ToArray());
        _reader = Task.Run(ReadLoopAsync);
        await _established.Task.WaitAsync(cts.Token);
        _keepalives = Task.Run(KeepaliveLoopAsync);
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[256 * 1024];
        int filled = 0;
        bool gotOpen = false;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    End("EOF");
                    return;
                }
                filled += n;
                int offset = 0;
                while (filled - offset >= 19)
                {
                    int length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset + 16));
                    if (length < 19 || length > 65535) throw new InvalidOperationException($"bad BGP length {length}");
                    if (filled - offset < length) break;
                    byte type = buffer[offset + 18];
                    if (type == 1 && !gotOpen)
                    {
                        gotOpen = true;
                        await SendAsync(KeepaliveMessage.Bytes.ToArray());
                    }
                    else if (type == 4 && gotOpen) _established.TrySetResult();
                    else if (type == 3)
                    {
                        End($"NOTIFICATION {buffer[offset + 19]}/{buffer[offset + 20]}");
                        return;
                    }
                    offset += length;
                }
                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }
        catch (OperationCanceledException) { End("closed by the test"); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { End(e.Message); }
    }

    private void End(string why)
    {
        _established.TrySetException(new InvalidOperationException($"session ended before Established: {why}"));
        _ended.TrySetResult(why);
    }

    private async Task KeepaliveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), _stop.Token);
                await SendAsync(KeepaliveMessage.Bytes.ToArray());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            while (bytes.Length > 0)
            {
                int n = await _socket.SendAsync(bytes, SocketFlags.None);
                bytes = bytes[n..];
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Announces <paramref name="prefixes"/> (/24s) in UPDATEs of up to 4096 octets, each group of
    /// <paramref name="perUpdate"/> with its own AS_PATH (<see cref="As"/>, then <c>64512 + group % 200</c>), so a
    /// full table has a few hundred attribute sets as real ones do.</summary>
    public async Task AnnounceAsync(IReadOnlyList<Prefix> prefixes, int perUpdate = 500)
    {
        perUpdate = Math.Min(perUpdate, 1000);
        for (int start = 0, group = 0; start < prefixes.Count; start += perUpdate, group++)
        {
            var count = Math.Min(perUpdate, prefixes.Count - start);
            ushort second = (ushort)(64512 + group % 200);
            byte[] attrs =
            [
                0x40, 1, 1, 0,                                                     // ORIGIN IGP
                0x40, 2, 10, 2, 2, 0, 0, (byte)(As >> 8), (byte)As, 0, 0, (byte)(second >> 8), (byte)second, // AS_SEQUENCE [As, second], 4-octet
                0x40, 3, 4, 192, 0, 2, Address.GetAddressBytes()[3],               // NEXT_HOP 192.0.2.x (127/8 is no next hop)
            ];
            var nlri = Encode(prefixes, start, count);
            int length = 19 + 2 + 2 + attrs.Length + nlri.Length;
            var m = Header(length, 2);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(19), 0);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(21), (ushort)attrs.Length);
            attrs.CopyTo(m, 23);
            nlri.CopyTo(m, 23 + attrs.Length);
            await SendAsync(m);
        }
    }

    /// <summary>Withdraws <paramref name="prefixes"/> in UPDATEs of up to 4096 octets.</summary>
    public async Task WithdrawAsync(IReadOnlyList<Prefix> prefixes)
    {
        const int perUpdate = 1000;
        for (int start = 0; start < prefixes.Count; start += perUpdate)
        {
            var withdrawn = Encode(prefixes, start, Math.Min(perUpdate, prefixes.Count - start));
            int length = 19 + 2 + withdrawn.Length + 2;
            var m = Header(length, 2);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(19), (ushort)withdrawn.Length);
            withdrawn.CopyTo(m, 21);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(21 + withdrawn.Length), 0);
            await SendAsync(m);
        }
    }

    /// <summary>Leaves with NOTIFICATION Cease/2 (Administrative Shutdown), then closes.</summary>
    public async Task CeaseAsync()
    {
        var m = Header(21, 3);
        m[19] = 6;
        m[20] = 2;
        try
        {
            await SendAsync(m);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        await DisposeAsync();
    }

    private static byte[] Header(int length, byte type)
    {
        if (length > MaxMessage) throw new ArgumentOutOfRangeException(nameof(length), length, "over 4096 octets");
        var m = new byte[length];
        m.AsSpan(0, 16).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)length);
        m[18] = type;
        return m;
    }

    private static byte[] Encode(IReadOnlyList<Prefix> prefixes, int start, int count)
    {
        var bytes = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            var p = prefixes[start + i];
            if (p.Length != 24) throw new ArgumentException($"{p}: the soak peer sends /24s only");
            bytes[4 * i] = 24;
            p.Address.GetAddressBytes().AsSpan(0, 3).CopyTo(bytes.AsSpan(4 * i + 1));
        }
        return bytes;
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        try { _socket.Close(); } catch (SocketException) { }
        await Task.WhenAll(_reader, _keepalives).ContinueWith(_ => { }, TaskScheduler.Default);
        _socket.Dispose();
        _stop.Dispose();
    }
}
