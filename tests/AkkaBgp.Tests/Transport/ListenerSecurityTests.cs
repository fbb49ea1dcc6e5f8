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
}
