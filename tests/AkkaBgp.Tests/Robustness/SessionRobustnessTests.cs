using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using AkkaBgp.Rib;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Tests.Transport;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Robustness.SpeakerFixture;

namespace AkkaBgp.Tests.Robustness;

/// <summary>
/// A whole speaker (listener, supervisor, real FSMs, connection actors) against hand-driven peers over
/// loopback, on virtual time. Each misbehaving peer gets the RFC's reaction, and a second, well-behaved
/// session on the same speaker stays Established throughout.
/// </summary>
public sealed class SessionRobustnessTests : BgpTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly IPAddress _listen = Loopback.NextAddress();
    private readonly IPAddress _bad = Loopback.NextAddress();
    private readonly IPAddress _good = Loopback.NextAddress();
    private readonly TestProbe _rib;
    private readonly TestProbe _events;
    private readonly SpeakerRefs _speaker;
    private readonly IPEndPoint _endpoint;

    public SessionRobustnessTests()
    {
        _rib = CreateTestProbe();
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe<SessionStateChanged>(_events.Ref);
        (_speaker, _endpoint) = Start(this, _rib.Ref, _listen, [Neighbor(_bad), Neighbor(_good)]);
    }

    /// <summary>The well-behaved neighbor, Established before the misbehaving one starts.</summary>
    /// <param name="hold">0 when the test moves virtual time by minutes: the good peer is hand-driven and sends no KEEPALIVEs.</param>
    private async Task<RawPeer> GoodSessionAsync(ushort hold = 90)
    {
        var good = await RawPeer.ConnectAsync(_good, _endpoint);
        await HandshakeAsync(good, hold, id: "192.0.2.2");
        _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_good), Wait);
        return good;
    }

    private void AssertGoodUndisturbed(RawPeer good)
    {
        Assert.Equal(SessionState.Established, Status(_speaker, _good).State);
        Assert.Equal(0, Status(_speaker, _good).FlapCount);
        Assert.True(good.Socket.Connected);
    }

    [Fact]
    public async Task Peer_that_connects_and_says_nothing_gets_hold_timer_expired_after_the_OpenSent_hold_time()
    {
        using var good = await GoodSessionAsync(hold: 0);
        using var bad = await RawPeer.ConnectAsync(_bad, _endpoint);
        await bad.ExpectAsync<OpenMessage>();
        _events.FishForMessage<SessionStateChanged>(e => e.Peer.Equals(_bad) && e.To == SessionState.OpenSent, Wait);
        Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.OpenSent, Status(_speaker, _bad).State);
        // RFC 4271 8.2.2 OpenSent: HoldTimer_Expires (the "large value", 4 minutes) -> NOTIFICATION Hold Timer Expired (4/0).
        Advance(TimeSpan.FromSeconds(2));
        var n = Assert.IsType<NotificationMessage>(await bad.ExpectAsync(m => m is NotificationMessage));
        Assert.Equal((4, 0), (n.Code, n.Subcode));
        Assert.True(await Loopback.ClosedAsync(bad.Socket, Wait));
        AssertGoodUndisturbed(good);
    }

    [Fact]
    public async Task Garbage_after_a_valid_OPEN_gets_connection_not_synchronized()
    {
        using var good = await GoodSessionAsync();
        using var bad = await RawPeer.ConnectAsync(_bad, _endpoint);
        await bad.ExpectAsync<OpenMessage>();
        var garbage = new byte[64];
        new Random(3).NextBytes(garbage);
        garbage[0] = 0x12;
        await bad.SendAsync([.. Loopback.Open(PeerAs).ToArray(), .. garbage]);
        // RFC 4271 6.1: the marker is not all ones -> Message Header Error / Connection Not Synchronized.
        var n = Assert.IsType<NotificationMessage>(await bad.ExpectAsync(m => m is NotificationMessage));
        Assert.Equal((1, 1), (n.Code, n.Subcode));
        Assert.True(await Loopback.ClosedAsync(bad.Socket, Wait));
        AssertGoodUndisturbed(good);
    }

    [Fact]
    public async Task Bytes_arriving_one_at_a_time_still_establish_the_session()
    {
        using var good = await GoodSessionAsync();
        using var bad = await RawPeer.ConnectAsync(_bad, _endpoint);
        await HandshakeAsync(bad, oneByteAtATime: true);
        _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_bad), Wait);
        var update = Loopback.Update(5, fourOctetAs: true); // OpenMessage.Create advertises 4-octet AS
        foreach (var b in update) { await bad.SendAsync([b]); await Task.Delay(1); }
        AwaitCondition(() => _speaker.Rib.Ask<AdjRibInSnapshot>(new GetAdjRibIn(_bad)).Result.TotalIpv4 == 1, Wait);
        var routes = (await _speaker.Rib.Ask<AdjRibInSnapshot>(new GetAdjRibIn(_bad))).For(_bad)!;
        Assert.Equal("10.0.5.0/24", Assert.Single(routes.Ipv4).ToString());
        Assert.Equal(SessionState.Established, Status(_speaker, _bad).State);
        AssertGoodUndisturbed(good);
    }

    [Fact]
    public async Task Thousand_keepalives_in_one_write_are_all_counted_and_the_session_stays_up()
    {
        using var good = await GoodSessionAsync();
        using var bad = await RawPeer.ConnectAsync(_bad, _endpoint);
        await HandshakeAsync(bad);
        _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_bad), Wait);
        var burst = new byte[1000 * 19];
        for (int i = 0; i < 1000; i++) Loopback.Keepalive.CopyTo(burst, i * 19);
        await bad.SendAsync(burst);
        AwaitCondition(() => Status(_speaker, _bad).MessagesReceived.GetValueOrDefault(MessageType.Keepalive) == 1001, Wait);
        Assert.Equal(SessionState.Established, Status(_speaker, _bad).State);
        AssertGoodUndisturbed(good);
    }

    [Fact]
    public async Task Peer_that_stops_reading_is_dropped_by_the_send_hold_timer()
    {
        using var good = await GoodSessionAsync(hold: 0);
        using var bad = await RawPeer.ConnectAsync(_bad, _endpoint);
        bad.Socket.ReceiveBufferSize = 4096;
        await HandshakeAsync(bad, hold: 0); // no hold timer, so only the send hold timer can end this session
        var up = _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_bad), Wait);
        // Stand in for the Adj-RIB-Out: queue far more than the peer's and our socket buffers hold.
        var chunk = new byte[1 << 20];
        for (int off = 0; off + 19 <= chunk.Length; off += 19) Loopback.Keepalive.CopyTo(chunk, off);
        for (int i = 0; i < 64; i++) up.Connection.Tell(new SendBytes(chunk));
        await Loopback.WaitForWriteStallAsync(up.Connection);
        // RFC 9687: the send hold time is max(8 min, 2 x hold time) = 8 minutes here. A write that completed after
        // the stall check restarts it, so step on until the session drops.
        var down = AdvanceUntil(TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(1), wait =>
            TryFish<SessionStateChanged>(_events, e => e.Peer.Equals(_bad) && e.From == SessionState.Established, wait));
        Assert.Equal(BgpEvent.SendHoldTimerExpires, down.EventNumber);
        Advance(BgpFsm.NotificationFlushDeadline + TimeSpan.FromSeconds(1));
        _rib.FishForMessage<PeerDown>(d => d.Peer.Equals(_bad), Wait);
        Assert.NotEqual(SessionState.Established, Status(_speaker, _bad).State);
        AssertGoodUndisturbed(good);
    }

    [Fact]
    public async Task Connection_from_an_unknown_address_gets_Cease_5_after_its_OPEN()
    {
        using var stranger = await RawPeer.ConnectAsync(Loopback.NextAddress(), _endpoint);
        await stranger.SendAsync(Loopback.Open(64512));
        var n = Assert.IsType<NotificationMessage>(await stranger.ExpectAsync(m => m is NotificationMessage));
        // RFC 4486 4: Cease / Connection Rejected.
        Assert.Equal((ErrorCode.Cease, CeaseSubcode.ConnectionRejected), (n.Code, n.Subcode));
        Assert.True(await Loopback.ClosedAsync(stranger.Socket, Wait));
    }

    [Fact]
    public async Task Silent_connection_from_an_unknown_address_is_dropped_after_the_wait()
    {
        using var stranger = await RawPeer.ConnectAsync(Loopback.NextAddress(), _endpoint);
        AwaitCondition(() => _speaker.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance).Result.Rejected == 1, Wait);
        Advance(TimeSpan.FromSeconds(6));
        Assert.True(await Loopback.ClosedAsync(stranger.Socket, Wait));
    }
    [Fact]
    public async Task ManualStop_sends_one_Cease_2_with_the_shutdown_communication_then_closes()
    {
        using var peer = await RawPeer.ConnectAsync(_bad, _endpoint);
        await HandshakeAsync(peer);
        _rib.FishForMessage<PeerUp>(u => u.Peer.Equals(_bad), Wait);
        _speaker.Supervisor.Tell(new NeighborCommand(_bad, new ManualStop("maintenance window")));
        var notifications = new List<NotificationMessage>();
        try
        {
            await peer.ExpectAsync(m => { if (m is NotificationMessage n) notifications.Add(n); return false; }, Wait);
        }
        catch (InvalidOperationException) { } // the connection closed: everything sent has been read
        var n = Assert.Single(notifications);
        Assert.Equal((ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown), (n.Code, n.Subcode));
        Assert.Equal("maintenance window", n.ShutdownCommunication);
        _rib.FishForMessage<PeerDown>(d => d.Peer.Equals(_bad), Wait);
    }
}
