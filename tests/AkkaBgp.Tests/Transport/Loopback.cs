using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Transport;

/// <summary>Real TCP over loopback for transport tests: one side is handed to the actor under test,
/// the test drives the other ("the peer") directly. Each test uses its own 127.0.20.x address and
/// kernel-chosen ports, so tests run in parallel without colliding.</summary>
internal static class Loopback
{
    private static int _next = 10;

    /// <summary>A fresh 127.0.20.x address (x cycles 10..250).</summary>
    public static IPAddress NextAddress() => IPAddress.Parse($"127.0.20.{10 + Interlocked.Increment(ref _next) % 240}");

    private static readonly HashSet<(IPAddress, int)> HandedOut = new();

    /// <summary>A port the kernel hands out on <paramref name="address"/>: parallel runs of the suite (CI,
    /// colleagues) never collide, as fixed ports would. Never one this run has handed out before: the port is bound and
    /// released, and the kernel may give a released port to the next bind (3 times in 20,000 binds here), so two
    /// ports asked for one after the other could be the same.</summary>
    public static int FreePort(IPAddress address)
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var s = new Socket(SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(address, 0));
                int port = ((IPEndPoint)s.LocalEndPoint!).Port;
                if (HandedOut.Add((address, port))) return port;
            }
        }
    }

    /// <summary>Returns (ours, peer): two connected sockets.</summary>
    public static async Task<(Socket Ours, Socket Peer)> PairAsync(IPAddress? address = null)
    {
        address ??= NextAddress();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!);
        var ours = await accept;
        return (ours, peer);
    }

    public static byte[] Encode(BgpMessage m) => m.ToArray();

    public static byte[] Keepalive => KeepaliveMessage.Bytes.ToArray();

    public static OpenMessage Open(uint asn = 65001, ushort hold = 90, string id = "192.0.2.1") =>
        OpenMessage.Create(asn, hold, OpenMessage.IdentifierFrom(IPAddress.Parse(id)), []);

    /// <summary>An IPv4 UPDATE announcing 10.(n/256).(n%256).0/24 with ORIGIN, AS_PATH [65001] and NEXT_HOP 192.0.2.1.</summary>
    /// <param name="fourOctetAs">AS_PATH with 4-octet AS numbers (RFC 6793 NEW speakers) or 2-octet ones.</param>
    public static byte[] Update(int n, bool fourOctetAs = false)
    {
        byte[] asPath = fourOctetAs ? [0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9] : [0x40, 2, 4, 2, 1, 0xFD, 0xE9];
        byte[] attrs =
        [
            0x40, 1, 1, 0,                    // ORIGIN IGP
            .. asPath,                        // AS_SEQUENCE [65001]
            0x40, 3, 4, 192, 0, 2, 1,         // NEXT_HOP
        ];
        byte[] nlri = [24, 10, (byte)(n >> 8), (byte)n];
        int length = 19 + 2 + 2 + attrs.Length + nlri.Length;
        var m = new byte[length];
        m.AsSpan(0, 16).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)length);
        m[18] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(21), (ushort)attrs.Length);
        attrs.CopyTo(m, 23);
        nlri.CopyTo(m, 23 + attrs.Length);
        return m;
    }

    /// <summary>An IPv4 UPDATE announcing <paramref name="count"/> /24s (10.x.y.0/24): 4 octets each, so large counts
    /// need Extended Messages (RFC 8654).</summary>
    public static byte[] BigUpdate(int count)
    {
        var one = Update(0);
        int attrsEnd = one.Length - 4;
        var m = new byte[attrsEnd + 4 * count];
        one.AsSpan(0, attrsEnd).CopyTo(m);
        for (int i = 0; i < count; i++)
        {
            int o = attrsEnd + 4 * i;
            m[o] = 24; m[o + 1] = 10; m[o + 2] = (byte)(i >> 8); m[o + 3] = (byte)i;
        }
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)m.Length);
        return m;
    }

    /// <summary>Reads whole messages from the raw peer socket until <paramref name="predicate"/> matches one.</summary>
    public static async Task<BgpMessage> ReadUntilAsync(Socket socket, Func<BgpMessage, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[70000];
        int filled = 0;
        while (true)
        {
            while (true)
            {
                int length = BgpFramer.TryReadMessage(buffer.AsSpan(0, filled), 65535, out var error);
                if (length < 0) throw new InvalidOperationException($"peer got a bad frame: {error}");
                if (length == 0) break;
                Assert.True(BgpMessageCodec.TryDecode(buffer.AsSpan(0, length), new DecodeContext(), out var m, out var e), e?.ToString());
                buffer.AsSpan(length, filled - length).CopyTo(buffer);
                filled -= length;
                if (predicate(m!)) return m!;
            }
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cts.Token);
            if (n == 0) throw new InvalidOperationException("peer: connection closed before the expected message");
            filled += n;
        }
    }

    /// <summary>True once the peer sees EOF or a reset (draining whatever comes before).</summary>
    public static async Task<bool> ClosedAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        try
        {
            while (true)
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0) return true;
        }
        catch (SocketException) { return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Writes on <paramref name="connection"/> have stalled: octets still queued, and none written over three
    /// checks 100 ms apart (one quiet check on a loaded 2-core machine can be a descheduled writer, not a full socket).</summary>
    public static async Task WaitForWriteStallAsync(IActorRef connection)
    {
        long last = -1;
        int stable = 0;
        for (int i = 0; i < 200; i++)
        {
            var stats = await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
            Assert.True(stats.QueuedBytes > 0, "everything was written: the peer is reading");
            stable = stats.BytesSent == last ? stable + 1 : 0;
            if (stable == 3) return;
            last = stats.BytesSent;
            await Task.Delay(100);
        }
        throw new InvalidOperationException("writes never stalled");
    }
}
