using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Transport;

public sealed class ConnectorListenerTests : BgpTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Socket Listen(IPEndPoint at)
    {
        var s = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(at);
        s.Listen(4);
        return s;
    }

    [Fact]
    public async Task Connect_from_a_configured_local_address_and_port_hands_over_a_working_connection()
    {
        var server = Loopback.NextAddress();
        var client = Loopback.NextAddress();
        using var listener = Listen(new IPEndPoint(server, 0));
        var remote = (IPEndPoint)listener.LocalEndPoint!;
        int localPort;
        using (var probe = Listen(new IPEndPoint(client, 0))) localPort = ((IPEndPoint)probe.LocalEndPoint!).Port;

        var connector = Sys.ActorOf(TcpConnector.Props());
        connector.Tell(new Connect(remote, new IPEndPoint(client, localPort), TestActor, 7));
        using var accepted = await listener.AcceptAsync().WaitAsync(Wait);
        Assert.Equal(new IPEndPoint(client, localPort), accepted.RemoteEndPoint);
        var connected = ExpectMsg<Connected>(Wait);
        Assert.Equal(7, connected.Attempt);
        Assert.Equal(new IPEndPoint(client, localPort), connected.Local);
        Assert.Equal(remote, connected.Remote);

        connected.Connection.Tell(new Register(TestActor, default, default, TimeSpan.Zero));
        await accepted.SendAsync(Loopback.Keepalive);
        Assert.IsType<KeepaliveMessage>(ExpectMsg<Received>(Wait).Message);
    }

    [Fact]
    public void Refused_connect_answers_TcpConnectionFails_with_the_attempt_and_no_connection()
    {
        var address = Loopback.NextAddress();
        int port;
        using (var s = Listen(new IPEndPoint(address, 0))) port = ((IPEndPoint)s.LocalEndPoint!).Port;
        var connector = Sys.ActorOf(TcpConnector.Props());
        connector.Tell(new Connect(new IPEndPoint(address, port), null, TestActor, 3));
        var failed = ExpectMsg<TcpConnectionFails>(Wait);
        Assert.Equal(3, failed.Attempt);
        Assert.Equal("ConnectionRefused", failed.Reason);
        Assert.Null(failed.Connection);
    }

    [Fact]
    public void Cancelled_attempt_gets_no_answer()
    {
        // 192.0.2.0/24 is unroutable here, so the handshake hangs until cancelled.
        var connector = Sys.ActorOf(TcpConnector.Props(TimeSpan.FromSeconds(30)));
        connector.Tell(new Connect(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 179), null, TestActor, 1), TestActor);
        connector.Tell(new CancelConnect(1), TestActor);
        connector.Tell(new Connect(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 179), null, TestActor, 2, TimeSpan.FromMilliseconds(200)), TestActor);
        Assert.Equal(2, ExpectMsg<TcpConnectionFails>(Wait).Attempt);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Connect_times_out_with_TcpConnectionFails()
    {
        var connector = Sys.ActorOf(TcpConnector.Props());
        connector.Tell(new Connect(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 179), null, TestActor, 9, TimeSpan.FromMilliseconds(300)));
        var failed = ExpectMsg<TcpConnectionFails>(Wait);
        Assert.Equal(9, failed.Attempt);
    }

    [Fact]
    public async Task Listener_binds_IPv4_and_IPv6_and_offers_connections_with_the_unmapped_remote_address()
    {
        var lookup = CreateTestProbe();
        var address = Loopback.NextAddress();
        var listener = Sys.ActorOf(BgpListener.Props(new ListenerSettings
        {
            Endpoints = [new IPEndPoint(address, 0), new IPEndPoint(IPAddress.IPv6Loopback, 0)],
        }, lookup.Ref));
        var status = await listener.Ask<ListenerStatus>(GetListenerStatus.Instance);
        Assert.Empty(status.Failures);
        Assert.Equal(2, status.Bound.Count);

        foreach (var endpoint in status.Bound)
        {
            using var client = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            client.Bind(new IPEndPoint(endpoint.Address, 0));
            await client.ConnectAsync(endpoint);
            var inbound = lookup.ExpectMsg<InboundConnection>(Wait);
            Assert.Equal(endpoint.Address, inbound.Remote.Address);
            Assert.Equal(endpoint, inbound.Local);
            inbound.Connection.Tell(new Register(TestActor, default, default, TimeSpan.Zero));
            await client.SendAsync(Loopback.Keepalive);
            Assert.IsType<KeepaliveMessage>(FishForMessage<Received>(r => r.Connection.Equals(inbound.Connection), Wait).Message);
        }
    }

    [Fact]
    public async Task Connections_from_a_peer_whose_session_is_Idle_are_closed_at_once_and_taken_again_once_it_leaves_Idle()
    {
        // RFC 4271 8.2.2: Idle refuses incoming connections. The listener does it itself, without a connection actor.
        var lookup = CreateTestProbe();
        var server = Loopback.NextAddress();
        var idlePeer = Loopback.NextAddress();
        var otherPeer = Loopback.NextAddress();
        var listener = Sys.ActorOf(BgpListener.Props(new ListenerSettings { Endpoints = [new IPEndPoint(server, 0)] }, lookup.Ref));
        var bound = (await listener.Ask<ListenerStatus>(GetListenerStatus.Instance)).Bound.Single();
        listener.Tell(new RefuseConnections(idlePeer, true));

        async Task<Socket> ConnectFrom(IPAddress from)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Bind(new IPEndPoint(from, 0));
            await client.ConnectAsync(bound);
            return client;
        }

        for (int i = 0; i < 3; i++)
        {
            using var refused = await ConnectFrom(idlePeer);
            // Closed by us: the peer reads end of stream (or a reset), and nobody was offered the connection.
            var buffer = new byte[64];
            try { Assert.Equal(0, await refused.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Wait)); }
            catch (SocketException e) { Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode); }
        }
        using (var other = await ConnectFrom(otherPeer))
            Assert.Equal(otherPeer, lookup.ExpectMsg<InboundConnection>(Wait).Remote.Address);
        var status = await listener.Ask<ListenerStatus>(GetListenerStatus.Instance);
        Assert.Equal((4, 3, 0), (status.Accepted, status.RefusedWhileIdle, status.Rejected));

        listener.Tell(new RefuseConnections(idlePeer, false));
        using var taken = await ConnectFrom(idlePeer);
        Assert.Equal(idlePeer, lookup.ExpectMsg<InboundConnection>(Wait).Remote.Address);
    }

    [Fact]
    public async Task Second_listener_on_the_same_endpoint_fails_to_bind()
    {
        // No SO_REUSEPORT: two speakers must not share a port (docs/linux-sockets.md 4).
        var lookup = CreateTestProbe();
        var endpoint = new IPEndPoint(Loopback.NextAddress(), 0);
        var first = Sys.ActorOf(BgpListener.Props(new ListenerSettings { Endpoints = [endpoint] }, lookup.Ref));
        var bound = (await first.Ask<ListenerStatus>(GetListenerStatus.Instance)).Bound.Single();
        var second = Sys.ActorOf(BgpListener.Props(new ListenerSettings { Endpoints = [bound] }, lookup.Ref));
        var status = await second.Ask<ListenerStatus>(GetListenerStatus.Instance);
        Assert.Empty(status.Bound);
        Assert.Contains("AddressAlreadyInUse", Assert.Single(status.Failures));
    }
}
