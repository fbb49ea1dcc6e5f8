using System.Net;
using Akka.TestKit;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>Connection collision detection, RFC 4271 section 6.8, with both connections alive at once.</summary>
public sealed class CollisionTests : FsmTestKit
{
    /// <summary>ManualStart dials; the peer's connection arrives first and gets to OpenConfirm.
    /// Returns the inbound connection and our dial, still pending.</summary>
    private (TestProbe Inbound, Connect Dial) InboundFirstInOpenConfirm(uint peerId)
    {
        var dial = Start();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(inbound);
        FromPeer(inbound, PeerOpen(identifier: peerId));
        inbound.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(inbound);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        return (inbound, dial);
    }

    /// <summary>Our dial's local endpoint, distinct from the inbound connection's, so PeerUp shows which one won.</summary>
    private static readonly IPEndPoint OutboundLocal = new(IPAddress.Parse("192.0.2.1"), 40001);

    private TestProbe OutboundSecond(Connect dial)
    {
        var outbound = NewConnection();
        Tell(new Connected(outbound.Ref, OutboundLocal, PeerEndPoint, dial.Attempt));
        outbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(outbound);
        return outbound;
    }

    [Fact]
    public void Higher_local_identifier_keeps_our_outbound_connection_and_closes_the_inbound_one_with_Cease_7()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(LowerPeerId);
        var outbound = OutboundSecond(dial);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName); // the second connection waits for its OPEN

        FromPeer(outbound, PeerOpen(identifier: LowerPeerId));
        ExpectNotification(inbound, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        outbound.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(outbound);
        var change = ExpectTransition(SessionState.OpenConfirm, SessionState.OpenConfirm, BgpEvent.OpenCollisionDump);
        Assert.Contains("kept the outbound connection", change.Reason);

        FromPeer(outbound, KeepaliveMessage.Instance);
        var up = Rib.ExpectMsg<PeerUp>();
        Assert.Same(outbound.Ref, up.Connection);
        // PeerUp carries the endpoints of the connection that survived the collision.
        Assert.Equal(OutboundLocal, up.Local);
        Assert.Equal(PeerEndPoint, up.Remote);
        Assert.Equal(SessionState.Established, Fsm.StateName);
        Assert.True(Fsm.StateData.Connection!.Outbound);
        // Late messages from the closed connection change nothing.
        FromPeer(inbound, KeepaliveMessage.Instance);
        Tell(new TcpConnectionFails("closed", inbound.Ref));
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void Lower_local_identifier_keeps_the_peers_inbound_connection_and_closes_our_outbound_one_with_Cease_7()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);

        FromPeer(outbound, PeerOpen(identifier: HigherPeerId));
        ExpectNotification(outbound, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        inbound.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        Assert.Null(Fsm.StateData.Second);

        FromPeer(inbound, KeepaliveMessage.Instance);
        Assert.Same(inbound.Ref, Rib.ExpectMsg<PeerUp>().Connection);
    }

    [Fact]
    public void Higher_peer_identifier_moves_to_its_inbound_connection_when_ours_came_first()
    {
        // Our dial wins the race to OpenSent; the peer's connection arrives and its OPEN decides.
        CreateFsm();
        var outbound = ToOpenSent();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(inbound);

        FromPeer(inbound, PeerOpen(identifier: HigherPeerId));
        ExpectNotification(outbound, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        inbound.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(inbound);
        ExpectTransition(SessionState.OpenSent, SessionState.OpenConfirm, BgpEvent.OpenCollisionDump);
        Assert.False(Fsm.StateData.Connection!.Outbound);
    }

    [Fact]
    public void Equal_identifiers_are_resolved_by_AS_number()
    {
        // RFC 6286 section 2.3: with equal identifiers (eBGP), the speaker with the larger AS keeps its connection.
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(LocalId);
        var outbound = OutboundSecond(dial);
        FromPeer(outbound, PeerOpen(identifier: LocalId));
        // The peer's AS 65002 is larger than ours: its (inbound) connection stays.
        ExpectNotification(outbound, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        Assert.Same(inbound.Ref, Fsm.StateData.Connection!.Ref);
    }

    [Fact]
    public void Bad_OPEN_on_the_second_connection_closes_only_that_one()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        FromPeer(outbound, PeerOpen(asn: 65099));
        ExpectNotification(outbound, ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, []);
        inbound.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void Second_connection_closing_leaves_the_first_alone()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        Tell(new TcpConnectionFails("refused", outbound.Ref));
        Assert.Null(Fsm.StateData.Second);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        inbound.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void First_connection_closing_in_OpenConfirm_hands_the_session_to_the_second()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        Tell(new TcpConnectionFails("reset", inbound.Ref));
        ExpectTransition(SessionState.OpenConfirm, SessionState.OpenSent, BgpEvent.TcpConnectionFails);
        Assert.Same(outbound.Ref, Fsm.StateData.Connection!.Ref);
        FromPeer(outbound, PeerOpen());
        outbound.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(outbound);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void Entering_Established_closes_a_pending_second_connection_and_cancels_the_dial()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        FromPeer(inbound, KeepaliveMessage.Instance);
        Assert.Equal(dial.Attempt, Connector.ExpectMsg<CancelConnect>().Attempt);
        Rib.ExpectMsg<PeerUp>();
        // The dial's late answer is closed.
        var late = NewConnection();
        Tell(new Connected(late.Ref, LocalEndPoint, PeerEndPoint, dial.Attempt));
        late.ExpectMsg<Close>();
    }

    [Fact]
    public void With_CollisionDetectEstablishedState_a_winning_new_connection_replaces_the_established_one()
    {
        CreateFsm(s => s with { CollisionDetectEstablishedState = true });
        var established = ToEstablished(PeerOpen(identifier: HigherPeerId)); // ours was outbound
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(inbound);
        Assert.Equal(SessionState.Established, Fsm.StateName);

        FromPeer(inbound, PeerOpen(identifier: HigherPeerId));
        ExpectNotification(established, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.OpenConfirm, BgpEvent.OpenCollisionDump);
        FromPeer(inbound, KeepaliveMessage.Instance);
        Assert.Same(inbound.Ref, Rib.ExpectMsg<PeerUp>().Connection);
    }

    [Fact]
    public void With_CollisionDetectEstablishedState_a_losing_new_connection_is_closed_with_Cease_7()
    {
        CreateFsm(s => s with { CollisionDetectEstablishedState = true });
        var established = ToEstablished(PeerOpen(identifier: LowerPeerId)); // outbound, and we are higher
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(inbound);
        FromPeer(inbound, PeerOpen(identifier: LowerPeerId));
        ExpectNotification(inbound, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        established.ExpectNoMsg(Quiet);
        Rib.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void ManualStop_sends_Cease_2_on_both_connections()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        Tell(new ManualStop("bye"));
        ExpectNotification(inbound, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
        ExpectNotification(outbound, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void First_connection_closing_in_OpenSent_continues_on_the_second()
    {
        CreateFsm();
        var outbound = ToOpenSent();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(inbound);
        Tell(new TcpConnectionFails("reset", outbound.Ref));
        Assert.Equal(SessionState.OpenSent, Fsm.StateName);
        Assert.Same(inbound.Ref, Fsm.StateData.Connection!.Ref);
        FromPeer(inbound, PeerOpen());
        inbound.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(inbound);
        ExpectTransition(SessionState.OpenSent, SessionState.OpenConfirm, BgpEvent.BgpOpen);
    }

    [Fact]
    public void KEEPALIVE_before_OPEN_on_the_second_connection_gets_5_1_on_that_connection_only()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        FromPeer(outbound, KeepaliveMessage.Instance);
        ExpectNotification(outbound, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenSent, [4]);
        inbound.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void A_third_connection_is_closed_with_Cease_7()
    {
        CreateFsm();
        var (_, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        OutboundSecond(dial);
        var third = NewConnection();
        Tell(new Accepted(third.Ref, LocalEndPoint, PeerEndPoint));
        ExpectNotification(third, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
    }

    // ---- paths the classifier routes (RFC 4271 6.8), each pinned by what goes on the wire ----

    [Fact]
    public void Second_connection_receive_error_gets_the_codecs_NOTIFICATION_on_that_connection_only()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, [0, 18], "short"),
            null, outbound.Ref));
        ExpectNotification(outbound, ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, [0, 18]);
        inbound.ExpectNoMsg(Quiet);
        Assert.Null(Fsm.StateData.Second);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void Second_connection_NOTIFICATION_closes_it_without_an_answer()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        FromPeer(outbound, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionRejected));
        ExpectClosedSilently(outbound);
        inbound.ExpectNoMsg(Quiet);
        Assert.Null(Fsm.StateData.Second);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        Assert.Equal(1, Status().MessagesReceived[MessageType.Notification]);
    }

    [Fact]
    public void Second_connection_send_hold_timer_expiry_gets_8_0_on_that_connection_only()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        var outbound = OutboundSecond(dial);
        Tell(new SendHoldTimerExpired(outbound.Ref));
        ExpectNotification(outbound, ErrorCode.SendHoldTimerExpired, 0, []);
        inbound.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void Our_dial_failing_in_OpenConfirm_changes_nothing_and_its_late_connection_is_closed()
    {
        CreateFsm();
        var (inbound, dial) = InboundFirstInOpenConfirm(HigherPeerId);
        Tell(TcpConnectionFails.Dial("refused", dial.Attempt));
        Assert.Equal(0, Fsm.StateData.DialAttempt);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        var late = NewConnection();
        Tell(new Connected(late.Ref, OutboundLocal, PeerEndPoint, dial.Attempt));
        Assert.Equal(TimeSpan.Zero, late.ExpectMsg<Close>().FlushDeadline);
        inbound.ExpectNoMsg(Quiet);
        Assert.Null(Fsm.StateData.Second);
    }

    [Fact]
    public void DelayOpen_a_second_inbound_connection_gets_Cease_7_and_the_first_waits_on()
    {
        CreateFsm(s => s with { DelayOpen = true });
        Start();
        var first = NewConnection();
        Tell(new Accepted(first.Ref, LocalEndPoint, PeerEndPoint));
        first.ExpectMsg<Register>();
        var second = NewConnection();
        Tell(new Accepted(second.Ref, LocalEndPoint, PeerEndPoint));
        ExpectNotification(second, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        first.ExpectNoMsg(Quiet);
        Assert.Same(first.Ref, Fsm.StateData.Connection!.Ref);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
    }

    [Fact]
    public void DelayOpen_our_dial_failing_while_an_inbound_connection_waits_changes_nothing()
    {
        CreateFsm(s => s with { DelayOpen = true });
        var dial = Start();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        Tell(TcpConnectionFails.Dial("refused", dial.Attempt));
        inbound.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
        Assert.Equal(0, Fsm.StateData.DialAttempt);
        Assert.True(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
        Events.FishForMessage<SessionStateChanged>(c => c.To == SessionState.Connect);
        Events.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Active_a_dial_started_in_Connect_failing_keeps_listening()
    {
        // The inbound connection waiting out its DelayOpenTimer closes (Connect -> Active) while our dial is still out.
        CreateFsm(s => s with { DelayOpen = true });
        var dial = Start();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        Tell(new TcpConnectionFails("reset", inbound.Ref));
        ExpectTransition(SessionState.Connect, SessionState.Active, BgpEvent.TcpConnectionFails);
        Assert.Equal(dial.Attempt, Fsm.StateData.DialAttempt);
        Tell(TcpConnectionFails.Dial("refused", dial.Attempt));
        Assert.Equal(SessionState.Active, Fsm.StateName);
        Assert.Equal(0, Fsm.StateData.DialAttempt);
        Events.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Active_a_dial_started_in_Connect_succeeding_is_Event_16()
    {
        CreateFsm(s => s with { DelayOpen = true });
        var dial = Start();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        Tell(new TcpConnectionFails("reset", inbound.Ref));
        ExpectTransition(SessionState.Connect, SessionState.Active, BgpEvent.TcpConnectionFails);
        var outbound = NewConnection();
        Tell(new Connected(outbound.Ref, OutboundLocal, PeerEndPoint, dial.Attempt));
        outbound.ExpectMsg<Register>();
        Assert.Same(outbound.Ref, Fsm.StateData.Connection!.Ref);
        Assert.True(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
    }
}
