using System.Net;
using Akka.Event;
using Akka.TestKit;
using AkkaBgp.Rib;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Tests.Robustness;
using AkkaBgp.Tests.Transport;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Robustness.SpeakerFixture;

namespace AkkaBgp.Tests.Session;

/// <summary>
/// The message tap that MRT and BMP record from: a whole speaker against a hand-driven peer over loopback. What the
/// tap publishes must be the bytes on the wire, in order, framed by one Up and one Down per establishment.
/// </summary>
public sealed class MessageTapTests : BgpTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly IPAddress _listen = Loopback.NextAddress();
    private readonly IPAddress _peer = Loopback.NextAddress();
    private readonly TestProbe _rib;
    private readonly TestProbe _tap;

    public MessageTapTests()
    {
        _rib = CreateTestProbe();
        _tap = CreateTestProbe();
        Sys.EventStream.Subscribe<ITapEvent>(_tap.Ref);
    }

    private (SpeakerRefs Refs, IPEndPoint Endpoint) StartSpeaker(bool tapped)
    {
        if (tapped) MessageTap.Get(Sys).Enable();
        return Start(this, _rib.Ref, _listen, [Neighbor(_peer)]);
    }

    [Fact]
    public async Task Tap_publishes_both_OPENs_then_each_message_as_received_and_a_Down_carrying_the_peers_NOTIFICATION()
    {
        var (_, endpoint) = StartSpeaker(tapped: true);
        using var peer = await RawPeer.ConnectAsync(_peer, endpoint);
        var peerOpen = Loopback.Open(PeerAs, 90, "192.0.2.1").ToArray();
        var ours = await peer.ExpectAsync<OpenMessage>();
        await peer.SendAsync([.. peerOpen, .. Loopback.Keepalive]);
        await peer.ExpectAsync<KeepaliveMessage>();

        var up = _tap.ExpectMsg<TappedSessionUp>(Wait);
        Assert.Equal(peerOpen, up.ReceivedOpen);
        Assert.Equal(ours.ToArray(), up.SentOpen);
        Assert.Equal(_peer, up.Session.Peer);
        Assert.Equal(_peer, up.Session.Remote.Address);
        Assert.Equal(endpoint, up.Session.Local);
        Assert.Equal(OurAs, up.Session.LocalAs);
        Assert.Equal(PeerAs, up.Session.Negotiated.PeerAs);
        Assert.Equal(OpenMessage.IdentifierFrom(IPAddress.Parse("192.0.2.1")), up.Session.Negotiated.PeerIdentifier);

        byte[] update = Loopback.Update(7);
        await peer.SendAsync(update);
        // What the RIB sends on PeerUp (End-of-RIB) may come first: that is the Sent direction.
        var received = _tap.FishForMessage<TappedMessage>(m => m.Direction == TapDirection.Received, Wait);
        Assert.Equal(update, received.Message);
        Assert.Same(up.Session, received.Session);

        // What we queue is tapped too: the KEEPALIVE the KeepaliveTimer (30 s of a 90 s hold time) sends.
        Advance(TimeSpan.FromSeconds(31));
        var keepalive = await peer.ExpectAsync(m => m is KeepaliveMessage);
        var sent = _tap.FishForMessage<TappedMessage>(m => m.Direction == TapDirection.Sent && m.Message[18] == (byte)MessageType.Keepalive, Wait);
        Assert.Equal(keepalive.ToArray(), sent.Message);

        var cease = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown).ToArray();
        await peer.SendAsync(cease);
        var notification = _tap.FishForMessage<TappedMessage>(m => m.Direction == TapDirection.Received, Wait);
        Assert.Equal(cease, notification.Message);
        var down = _tap.FishForMessage<TappedSessionDown>(_ => true, Wait);
        Assert.Equal(cease, down.Notification);
        Assert.False(down.SentByUs);
        Assert.Equal(BgpEvent.NotifMsg, down.EventNumber);
        Assert.Same(up.Session, down.Session);
    }

    [Fact]
    public async Task Down_carries_our_NOTIFICATION_when_the_hold_timer_ends_the_session()
    {
        var (_, endpoint) = StartSpeaker(tapped: true);
        using var peer = await RawPeer.ConnectAsync(_peer, endpoint);
        await HandshakeAsync(peer, hold: 9);
        _tap.ExpectMsg<TappedSessionUp>(Wait);
        // Event 10 in Established: NOTIFICATION Hold Timer Expired (4/0), Idle.
        Advance(TimeSpan.FromSeconds(10));
        var down = _tap.FishForMessage<TappedSessionDown>(_ => true, Wait);
        Assert.True(down.SentByUs);
        Assert.Equal(BgpEvent.HoldTimerExpires, down.EventNumber);
        Assert.NotNull(down.Notification);
        Assert.Equal(((byte)4, (byte)0), (down.Notification![19], down.Notification[20]));
        var onWire = Assert.IsType<NotificationMessage>(await peer.ExpectAsync(m => m is NotificationMessage));
        Assert.Equal(onWire.ToArray(), down.Notification);
    }

    [Fact]
    public async Task Down_has_no_NOTIFICATION_when_the_peer_just_closes_the_connection()
    {
        var (_, endpoint) = StartSpeaker(tapped: true);
        var peer = await RawPeer.ConnectAsync(_peer, endpoint);
        await HandshakeAsync(peer);
        var up = _tap.ExpectMsg<TappedSessionUp>(Wait);
        peer.Dispose();
        var down = _tap.FishForMessage<TappedSessionDown>(_ => true, Wait);
        Assert.Null(down.Notification);
        Assert.Equal(BgpEvent.TcpConnectionFails, down.EventNumber);
        Assert.Same(up.Session, down.Session);
    }

    [Fact]
    public async Task Nothing_is_tapped_while_no_consumer_has_enabled_the_tap()
    {
        var (_, endpoint) = StartSpeaker(tapped: false);
        var peer = await RawPeer.ConnectAsync(_peer, endpoint);
        await HandshakeAsync(peer);
        await peer.SendAsync(Loopback.Update(1));
        _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_peer), Wait);
        peer.Dispose();
        // The connection publishes its Down before it tells the FSM, which tells the RIB: by the RIB's PeerDown
        // every tap event of this session would have been published already.
        _rib.FishForMessage<PeerDown>(d => d.Peer.Equals(_peer), Wait);
        _tap.ExpectNoMsg(TimeSpan.Zero);
    }
}
