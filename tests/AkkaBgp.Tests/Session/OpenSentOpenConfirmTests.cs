using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>RFC 4271 8.2.2, the OpenSent and OpenConfirm rows, with RFC 6608 for unexpected messages.</summary>
public sealed class OpenSentOpenConfirmTests : FsmTestKit
{
    // ---------------------------------------------------------------- OpenSent

    [Fact]
    public void OpenSent_valid_OPEN_sends_KEEPALIVE_sets_negotiated_timers_and_goes_to_OpenConfirm()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(holdTime: 30));
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        Assert.Equal(TimeSpan.FromMinutes(8), reconfigure.SendHoldTime);
        ExpectSent<KeepaliveMessage>(connection);
        ExpectTransition(SessionState.OpenSent, SessionState.OpenConfirm, BgpEvent.BgpOpen);
        var session = Fsm.StateData.Session!;
        Assert.Equal(TimeSpan.FromSeconds(30), session.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(10), session.KeepaliveTime);
        Assert.True(Fsm.IsTimerActive(BgpFsm.HoldTimer));
        Assert.True(Fsm.IsTimerActive(BgpFsm.KeepaliveTimer));
    }

    [Fact]
    public void OpenSent_ManualStop_sends_Cease_2_with_the_configured_shutdown_communication()
    {
        CreateFsm(s => s with { ShutdownCommunication = "planned maintenance" });
        var connection = ToOpenSent();
        Tell(new ManualStop());
        var n = ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown,
            [19, .. "planned maintenance"u8]);
        Assert.Equal("planned maintenance", n.ShutdownCommunication);
        var change = ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.ManualStop);
        Assert.Contains("6/2 \"planned maintenance\"", change.Reason);
        AssertState(SessionState.Idle, 0);
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
    }

    [Fact]
    public void OpenSent_AutomaticStop_sends_Cease_with_its_subcode_and_counts()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new AutomaticStop(CeaseSubcode.MaximumPrefixesReached, "too many prefixes"));
        // A plain AutomaticStop(Cease/1) goes out bare at once (the RIB's MaxPrefixExceeded carries the RFC 4486 data).
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, []);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.AutomaticStop);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_HoldTimer_expiry_sends_4_0_and_counts()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Advance(TimeSpan.FromMinutes(4));
        ExpectNotification(connection, ErrorCode.HoldTimerExpired, 0, []);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.HoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_TcpConnectionFails_goes_to_Active_and_restarts_ConnectRetryTimer()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new TcpConnectionFails("peer closed", connection.Ref));
        ExpectTransition(SessionState.OpenSent, SessionState.Active, BgpEvent.TcpConnectionFails);
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
        Assert.False(Fsm.IsTimerActive(BgpFsm.HoldTimer));
        Assert.Null(Fsm.StateData.Connection);
    }

    [Fact]
    public void OpenSent_header_error_sends_the_codecs_NOTIFICATION_and_counts()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, [0x00, 0x12], "length 18"), null, connection.Ref));
        ExpectNotification(connection, ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, [0x00, 0x12]);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.BgpHeaderErr);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_NOTIFICATION_version_error_goes_to_Idle_without_counting_or_answering()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, 3]));
        ExpectClosedSilently(connection);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.NotifMsgVerErr);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void OpenSent_NOTIFICATION_goes_to_Idle_counted_and_is_never_answered()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionRejected));
        ExpectClosedSilently(connection);
        var change = ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.NotifMsg);
        Assert.StartsWith("NOTIFICATION received 6/5", change.Reason);
        AssertState(SessionState.Idle, 1);
    }

    [Theory]
    [InlineData(MessageType.Keepalive, BgpEvent.KeepAliveMsg)]
    [InlineData(MessageType.Update, BgpEvent.UpdateMsg)]
    [InlineData(MessageType.RouteRefresh, BgpEvent.UpdateMsg)]
    public void OpenSent_unexpected_message_gets_RFC6608_5_1_with_the_type(MessageType type, int evt)
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, Message(type));
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenSent, [(byte)type]);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, evt);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_UPDATE_with_RFC7606_errors_is_unexpected_too()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new Received(EmptyUpdate(), connection.Ref, [new WireError(ErrorAction.TreatAsWithdraw, 3, 1, [], "x")]));
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenSent, [2]);
    }

    [Fact]
    public void OpenSent_stray_timer_event_is_an_FSM_error_with_subcode_0()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(KeepaliveTimerExpires.Instance);
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified, []);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.KeepaliveTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_send_hold_timer_expiry_sends_8_0_and_counts()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new SendHoldTimerExpired(connection.Ref));
        ExpectNotification(connection, ErrorCode.SendHoldTimerExpired, 0, []);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.SendHoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenSent_ignores_ManualStart_and_messages_from_unknown_connections()
    {
        CreateFsm();
        var connection = ToOpenSent();
        var stranger = NewConnection();
        Tell(new ManualStart());
        Tell(new Received(KeepaliveMessage.Instance, stranger.Ref));
        Tell(new TcpConnectionFails("x", stranger.Ref));
        Assert.Equal(SessionState.OpenSent, Fsm.StateName);
        connection.ExpectNoMsg(Quiet);
    }

    // ---------------------------------------------------------------- OpenConfirm

    [Fact]
    public void OpenConfirm_KEEPALIVE_goes_to_Established_and_tells_the_RIB()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        FromPeer(connection, KeepaliveMessage.Instance);
        var up = Rib.ExpectMsg<PeerUp>();
        Assert.Equal(PeerAddress, up.Peer);
        Assert.Same(connection.Ref, up.Connection);
        // The endpoints of the connection the session runs on: our address is the eBGP NEXT_HOP (RFC 4271 5.1.3).
        Assert.Equal(LocalEndPoint, up.Local);
        Assert.Equal(PeerEndPoint, up.Remote);
        Assert.Equal(TimeSpan.FromSeconds(90), up.Session.HoldTime);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Established, BgpEvent.KeepAliveMsg);
    }

    [Fact]
    public void OpenConfirm_sends_KEEPALIVE_every_keepalive_time()
    {
        CreateFsm();
        var connection = ToOpenConfirm(PeerOpen(holdTime: 30));
        Advance(TimeSpan.FromSeconds(9));
        connection.ExpectNoMsg(Quiet);
        Advance(TimeSpan.FromSeconds(1));
        ExpectSent<KeepaliveMessage>(connection);
        Advance(TimeSpan.FromSeconds(10));
        ExpectSent<KeepaliveMessage>(connection);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
    }

    [Fact]
    public void OpenConfirm_HoldTimer_expiry_sends_4_0_at_the_negotiated_hold_time()
    {
        CreateFsm(s => s with { KeepaliveTime = TimeSpan.FromSeconds(100) });
        var connection = ToOpenConfirm(PeerOpen(holdTime: 9));
        Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        Advance(TimeSpan.FromSeconds(1));
        var sent = connection.FishForMessage<Send>(s => s.Message is NotificationMessage);
        Assert.Equal(new NotificationMessage(ErrorCode.HoldTimerExpired, 0), sent.Message);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.HoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_ManualStop_sends_Cease_2_with_the_given_text()
    {
        CreateFsm(s => s with { ShutdownCommunication = "default text" });
        var connection = ToOpenConfirm();
        Tell(new ManualStop("upgrade to 2.1"));
        var n = ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
        Assert.Equal("upgrade to 2.1", n.ShutdownCommunication);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.ManualStop);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void OpenConfirm_AutomaticStop_sends_Cease_and_counts()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(new AutomaticStop(CeaseSubcode.OutOfResources, "memory"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.OutOfResources, []);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_TcpConnectionFails_goes_to_Idle_and_counts()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(new TcpConnectionFails("reset", connection.Ref));
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.TcpConnectionFails);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_NOTIFICATION_goes_to_Idle_and_counts()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        FromPeer(connection, new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, [2, 0]));
        ExpectClosedSilently(connection);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.NotifMsg);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_NOTIFICATION_version_error_goes_to_Idle_without_counting()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        FromPeer(connection, new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, 4]));
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.NotifMsgVerErr);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void OpenConfirm_receive_error_sends_the_codecs_NOTIFICATION()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, [], "marker"), null, connection.Ref));
        ExpectNotification(connection, ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, []);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.BgpHeaderErr);
        AssertState(SessionState.Idle, 1);
    }

    [Theory]
    [InlineData(MessageType.Open, BgpEvent.BgpOpen)]
    [InlineData(MessageType.Update, BgpEvent.UpdateMsg)]
    [InlineData(MessageType.RouteRefresh, BgpEvent.UpdateMsg)]
    public void OpenConfirm_unexpected_message_gets_RFC6608_5_2_with_the_type(MessageType type, int evt)
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        FromPeer(connection, Message(type));
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenConfirm, [(byte)type]);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, evt);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_a_batch_of_UPDATEs_is_the_same_FSM_error_as_one_UPDATE()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(new ReceivedUpdates([EmptyUpdate(), EmptyUpdate()], connection.Ref));
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInOpenConfirm, [(byte)MessageType.Update]);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.UpdateMsg);
        AssertState(SessionState.Idle, 1);
        Rib.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void OpenConfirm_stray_ConnectRetryTimer_event_is_an_FSM_error()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(ConnectRetryTimerExpires.Instance);
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified, []);
        ExpectTransition(SessionState.OpenConfirm, SessionState.Idle, BgpEvent.ConnectRetryTimerExpires);
    }

    [Fact]
    public void OpenConfirm_send_hold_timer_expiry_sends_8_0()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        Tell(new SendHoldTimerExpired(connection.Ref));
        ExpectNotification(connection, ErrorCode.SendHoldTimerExpired, 0, []);
        AssertState(SessionState.Idle, 1);
    }

    internal static BgpMessage Message(MessageType type) => type switch
    {
        MessageType.Open => PeerOpen(),
        MessageType.Keepalive => KeepaliveMessage.Instance,
        MessageType.Update => EmptyUpdate(),
        MessageType.RouteRefresh => new RouteRefreshMessage(AfiSafi.Ipv4Unicast),
        _ => new NotificationMessage(ErrorCode.Cease, 0),
    };
}
