using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using AkkaBgp.Transport;

namespace AkkaBgp.Tests.Transport;

/// <summary>A neighbor's TCP MD5 key is on the listening socket from the start, not from the supervisor's first
/// SetPeerSecurity, which arrives only once the listener is already accepting.</summary>
public sealed class ListenerSecurityTests() : BgpTestKit(virtualTime: false)
{
    [Fact]
    public async Task An_MD5_neighbor_cannot_connect_without_the_key_even_before_the_supervisor_has_spoken()
    {
        var ours = Loopback.NextAddress();
        var md5Peer = Loopback.NextAddress();
        var plainPeer = Loopback.NextAddress();
        // The lookup is a probe: it never sends SetPeerSecurity, so only what the listener was created with counts.
        var lookup = CreateTestProbe();
        var listener = Sys.ActorOf(BgpListener.Props(new ListenerSettings { Endpoints = [new IPEndPoint(ours, 0)] }, lookup.Ref,
            new Dictionary<IPAddress, TransportSecurity> { [md5Peer] = new(Md5Key: "s3cret") }));
        var bound = (await listener.Ask<ListenerStatus>(GetListenerStatus.Instance)).Bound.Single();

        // A peer without a key configured is accepted and handed to the lookup.
        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            plain.Bind(new IPEndPoint(plainPeer, 0));
            await plain.ConnectAsync(bound);
            Assert.Equal(plainPeer, lookup.ExpectMsg<InboundConnection>().Remote.Address);
        }

        // The MD5 neighbor dialling without a signature: the kernel drops its SYNs (RFC 2385), so the connect never
        // completes. Before the fix the handshake completed at once (no key on the socket yet).
        using var unsigned = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        unsigned.Bind(new IPEndPoint(md5Peer, 0));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await unsigned.ConnectAsync(bound, cts.Token));
        Assert.Equal(1, (await listener.Ask<ListenerStatus>(GetListenerStatus.Instance)).Accepted);
    }

    /// <summary>A dynamic-neighbor range with a password: its peers are unknown until they connect, so the key is on
    /// the listening socket for the whole prefix (TCP_MD5SIG_EXT). A signed peer in the range is accepted, an unsigned
    /// one is not, and a peer outside the range needs no signature. On an IPv4 socket and on a dual-stack [::] one
    /// (where the range is installed as IPv4-mapped).</summary>
    [Theory]
    [InlineData("127.0.69.1")]
    [InlineData("::")]
    public async Task A_dynamic_range_with_a_password_admits_only_signed_peers_from_the_range(string listen)
    {
        var ours = IPAddress.Parse("127.0.69.1");
        var lookup = CreateTestProbe();
        var settings = new ListenerSettings
        {
            Endpoints = [new IPEndPoint(IPAddress.Parse(listen), listen == "::" ? Loopback.FreePort(IPAddress.IPv6Any) : 0)],
            RangeMd5Keys = [new RangeMd5Key(AkkaBgp.Wire.Prefix.Parse("127.0.69.16/28"), "range-s3cret")],
        };
        var listener = Sys.ActorOf(BgpListener.Props(settings, lookup.Ref));
        var status = await listener.Ask<ListenerStatus>(GetListenerStatus.Instance);
        Assert.Empty(status.Failures);
        var bound = new IPEndPoint(ours, status.Bound.Single().Port);

        using (var signed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            signed.Bind(new IPEndPoint(IPAddress.Parse("127.0.69.17"), 0));
            TransportSecurity.SetMd5Key(signed, ours, "range-s3cret");
            await signed.ConnectAsync(bound);
            Assert.Equal(IPAddress.Parse("127.0.69.17"), lookup.ExpectMsg<InboundConnection>().Remote.Address);
        }
        using (var outside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            outside.Bind(new IPEndPoint(IPAddress.Parse("127.0.69.40"), 0));
            await outside.ConnectAsync(bound);
            Assert.Equal(IPAddress.Parse("127.0.69.40"), lookup.ExpectMsg<InboundConnection>().Remote.Address);
        }
        using var unsigned = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        unsigned.Bind(new IPEndPoint(IPAddress.Parse("127.0.69.18"), 0));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await unsigned.ConnectAsync(bound, cts.Token));
        Assert.Equal(2, (await listener.Ask<ListenerStatus>(GetListenerStatus.Instance)).Accepted);
    }
}
