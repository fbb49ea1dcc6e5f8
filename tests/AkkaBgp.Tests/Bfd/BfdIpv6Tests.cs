using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AkkaBgp.Bfd;
using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Tests.Bfd;

/// <summary>
/// BFD over IPv6 on ::1 through the real engine and sockets (RFC 5881 section 5: Hop Limit 255 sent, and received
/// packets with any other Hop Limit discarded, read with IPV6_RECVHOPLIMIT). Loopback has one IPv6 address and both
/// ends of a single-hop session use UDP 3784, so the session runs from ::1 to ::1: our engine talks to itself, which
/// comes Up only if what it sends arrives with Hop Limit 255 and it reads that Hop Limit. A plain socket then plays a
/// third party with Hop Limits 254 and 255.
/// </summary>
public sealed class BfdIpv6Tests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly BfdPeerKey Loop = new(IPAddress.IPv6Loopback, IPAddress.IPv6Loopback, Multihop: false);
    private readonly ConcurrentQueue<BfdStateChanged> _changes = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly BfdEngine _engine;

    public BfdIpv6Tests() => _engine = new BfdEngine(_changes.Enqueue, _errors.Enqueue);

    public void Dispose() => _engine.Dispose();

    private async Task<BfdSessionInfo> WaitAsync(Func<BfdSessionInfo, bool> condition, string what)
    {
        var end = DateTime.UtcNow + Deadline;
        BfdSessionInfo? last = null;
        while (DateTime.UtcNow < end)
        {
            last = (await _engine.SnapshotAsync()).SingleOrDefault();
            if (last is not null && condition(last)) return last;
            await Task.Delay(20);
        }
        throw new TimeoutException($"{what}: not within {Deadline}; session {last}; errors: {string.Join("; ", _errors)}; changes: {string.Join("; ", _changes)}");
    }

    private static void SendFrom(Socket socket, in BfdControlPacket packet) =>
        socket.SendTo(BfdCodec.ToArray(packet), new IPEndPoint(IPAddress.IPv6Loopback, BfdEngine.SingleHopPort));

    [Fact]
    public async Task A_session_over_ipv6_loopback_comes_up_and_packets_with_hop_limit_254_are_discarded()
    {
        _engine.Configure(Loop, new BfdSettings { MinTx = TimeSpan.FromMilliseconds(50), MinRx = TimeSpan.FromMilliseconds(50) });
        // Down -> Init on its own Down, Init -> Up on its own Init: every packet crossed ::1 with Hop Limit 255.
        var up = await WaitAsync(s => s.State == BfdState.Up, "the ::1 session Up");
        Assert.Equal(up.LocalDiscriminator, up.RemoteDiscriminator);
        Assert.Empty(up.Discarded);
        Assert.Empty(_errors);

        // A packet for this session (its discriminator) saying Down, from a socket sending with Hop Limit 254 (one
        // router away): discarded as BadTtl, the session stays Up (RFC 5881 section 5).
        using var third = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        third.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var down = new BfdControlPacket
        {
            Version = BfdControlPacket.ProtocolVersion, State = BfdState.Down, Diagnostic = BfdDiagnostic.PathDown, DetectMult = 3,
            MyDiscriminator = 0x5eed, YourDiscriminator = up.LocalDiscriminator, DesiredMinTxInterval = 1_000_000, RequiredMinRxInterval = 1_000_000,
        };
        third.Ttl = 254; // IPV6_UNICAST_HOPS
        SendFrom(third, down);
        var discarded = await WaitAsync(s => s.Discarded.GetValueOrDefault(nameof(BfdDiscard.BadTtl)) == 1, "the Hop Limit 254 packet counted as BadTtl");
        Assert.Equal(BfdState.Up, discarded.State);
        Assert.DoesNotContain(_changes, c => c.To == BfdState.Down);

        // The same packet with Hop Limit 255 is taken: Up -> Down, "Neighbor Signaled Session Down" (6.8.6).
        third.Ttl = 255;
        SendFrom(third, down);
        var end = DateTime.UtcNow + Deadline;
        while (!_changes.Any(c => c.To == BfdState.Down) && DateTime.UtcNow < end) await Task.Delay(20);
        var change = Assert.Single(_changes, c => c.To == BfdState.Down);
        Assert.Equal((BfdState.Up, BfdDiagnostic.NeighborSignaledSessionDown, Loop), (change.From, change.Diagnostic, change.Peer));
        Assert.Equal(1, (await WaitAsync(_ => true, "snapshot")).Discarded.GetValueOrDefault(nameof(BfdDiscard.BadTtl)));
    }
}
