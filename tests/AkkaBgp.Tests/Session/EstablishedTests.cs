using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>RFC 4271 8.2.2, the Established rows: timers, UPDATE handling per RFC 7606, RFC 6608, shutdown.</summary>
public sealed class EstablishedTests : FsmTestKit
{
    [Fact]
    public void KEEPALIVE_restarts_the_hold_timer_and_silence_expires_it_with_4_0()
    {
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(9) });
        var connection = ToEstablished(PeerOpen(holdTime: 90));
        // Negotiated 9 s: our KEEPALIVEs every 3 s. The peer's KEEPALIVE at 6 s pushes the expiry to 15 s.
        Advance(TimeSpan.FromSeconds(6));
        FromPeer(connection, KeepaliveMessage.Instance);
        Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(SessionState.Established, Fsm.StateName);
        Advance(TimeSpan.FromSeconds(1));
        var sent = connection.FishForMessage<Send>(s => s.Message is NotificationMessage);
        Assert.Equal(new NotificationMessage(ErrorCode.HoldTimerExpired, 0), sent.Message);
        connection.ExpectMsg<Close>();
        Assert.Equal(PeerAddress, Rib.ExpectMsg<PeerDown>().Peer);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.HoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void UPDATE_goes_to_the_RIB_and_restarts_the_hold_timer()
    {
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(9), KeepaliveTime = TimeSpan.FromSeconds(100) });
        var connection = ToEstablished();
        Advance(TimeSpan.FromSeconds(8));
        var update = EmptyUpdate();
        FromPeer(connection, update);
        var received = Rib.ExpectMsg<PeerUpdate>();
        Assert.Same(update.Update, received.Update);
        Assert.Same(connection.Ref, received.Connection);
        Assert.Empty(received.Errors);
        Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void A_batch_of_UPDATEs_goes_to_the_RIB_whole_in_order_and_restarts_the_hold_timer()
    {
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(9), KeepaliveTime = TimeSpan.FromSeconds(100) });
        var connection = ToEstablished();
        Advance(TimeSpan.FromSeconds(8));
        var updates = new[] { EmptyUpdate(), EmptyUpdate(), EmptyUpdate() };
        Tell(new ReceivedUpdates(updates, connection.Ref));
        var received = Rib.ExpectMsg<PeerUpdates>();
        Assert.Equal(PeerAddress, received.Peer);
        Assert.Equal(updates, received.Updates);
        Assert.Same(connection.Ref, received.Connection);
        Assert.Equal(3, Status().MessagesReceived[MessageType.Update]);
        // Event 27 restarted the hold timer: 8 s more is within 9 s of the batch.
        Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(SessionState.Established, Fsm.StateName);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new NotificationMessage(ErrorCode.HoldTimerExpired, 0),
            connection.FishForMessage<Send>(m => m.Message is NotificationMessage).Message);
    }

    [Fact]
    public void A_batch_from_a_stale_connection_changes_nothing()
    {
        CreateFsm();
        var connection = ToEstablished();
        var stale = CreateTestProbe();
        Tell(new ReceivedUpdates([EmptyUpdate()], stale.Ref));
        Rib.ExpectNoMsg(Quiet);
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void UPDATE_with_treat_as_withdraw_errors_goes_to_the_RIB_with_its_errors_and_the_session_stays()
    {
        CreateFsm();
        var connection = ToEstablished();
        var errors = new[] { new WireError(ErrorAction.TreatAsWithdraw, ErrorCode.UpdateMessage, UpdateSubcode.InvalidOriginAttribute, [1, 1, 9], "ORIGIN 9") };
        Tell(new Received(EmptyUpdate(), connection.Ref, errors));
        var received = Rib.ExpectMsg<PeerUpdate>();
        Assert.Equal(ErrorAction.TreatAsWithdraw, Assert.Single(received.Errors).Action);
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void UPDATE_error_that_resets_the_session_sends_the_codecs_NOTIFICATION_and_drops_the_routes()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, [], "lengths disagree"),
            MessageType.Update, connection.Ref));
        ExpectNotification(connection, ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, []);
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.UpdateMsgErr);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void UPDATE_error_data_is_sent_as_the_codec_gave_it()
    {
        CreateFsm();
        var connection = ToEstablished();
        byte[] data = [0x40, 0x01, 0x02, 0x00, 0x00];
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.AttributeLengthError, data, "ORIGIN length 2"),
            MessageType.Update, connection.Ref));
        ExpectNotification(connection, ErrorCode.UpdateMessage, UpdateSubcode.AttributeLengthError, data);
    }

    [Fact]
    public void ROUTE_REFRESH_goes_to_the_RIB_when_negotiated()
    {
        CreateFsm();
        var connection = ToEstablished();
        var refresh = new RouteRefreshMessage(AfiSafi.Ipv6Unicast);
        FromPeer(connection, refresh);
        Assert.Equal(refresh, Rib.ExpectMsg<PeerRouteRefresh>().Message);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void ROUTE_REFRESH_is_ignored_when_not_negotiated_or_of_unknown_subtype()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpen(capabilities: [new FourOctetAsCapability(RemoteAs)]));
        FromPeer(connection, new RouteRefreshMessage(AfiSafi.Ipv4Unicast));
        FromPeer(connection, new RouteRefreshMessage(1, 1, (RouteRefreshSubtype)7));
        Rib.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void OPEN_in_Established_gets_RFC6608_5_3_with_type_1()
    {
        CreateFsm();
        var connection = ToEstablished();
        FromPeer(connection, PeerOpen());
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.UnexpectedMessageInEstablished, [1]);
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.BgpOpen);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void NOTIFICATION_with_shutdown_communication_is_the_reason_of_the_state_change()
    {
        CreateFsm();
        var connection = ToEstablished();
        FromPeer(connection, NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "maintenance"));
        ExpectClosedSilently(connection);
        Assert.Contains("maintenance", Rib.ExpectMsg<PeerDown>().Reason);
        var change = ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.NotifMsg);
        Assert.Equal("NOTIFICATION received 6/2 \"maintenance\"", change.Reason);
        var status = Status();
        Assert.Equal("maintenance", status.LastNotificationReceived!.ShutdownCommunication);
        Assert.Equal((byte)6, status.LastNotificationReceived.Code);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void PeerDown_after_a_TCP_failure_says_no_NOTIFICATION_was_exchanged()
    {
        // RFC 4724 4.2: the RIB keeps a graceful-restart peer's routes only when the session ended without a
        // NOTIFICATION, and it reads that from PeerDown, not from the reason text.
        CreateFsm();
        var connection = ToEstablished();
        Tell(new TcpConnectionFails("connection reset", connection.Ref));
        var closed = Rib.ExpectMsg<PeerDown>();
        Assert.Equal((BgpEvent.TcpConnectionFails, false), (closed.EventNumber, closed.EndedByNotification));
    }

    [Fact]
    public void PeerDown_after_a_hold_timer_expiry_says_a_NOTIFICATION_was_sent()
    {
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(9) });
        var connection = ToEstablished(PeerOpen(holdTime: 90));
        Advance(TimeSpan.FromSeconds(9));
        connection.FishForMessage<Send>(m => m.Message is NotificationMessage);
        var expired = Rib.ExpectMsg<PeerDown>();
        Assert.Equal((BgpEvent.HoldTimerExpires, true), (expired.EventNumber, expired.EndedByNotification));
    }

    [Fact]
    public void PeerDown_after_a_received_NOTIFICATION_says_so()
    {
        CreateFsm();
        var connection = ToEstablished();
        FromPeer(connection, NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, null));
        var down = Rib.ExpectMsg<PeerDown>();
        Assert.Equal((BgpEvent.NotifMsg, true), (down.EventNumber, down.EndedByNotification));
    }

    [Fact]
    public void TcpConnectionFails_drops_the_routes_and_counts()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new TcpConnectionFails("connection reset", connection.Ref));
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.TcpConnectionFails);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void ManualStop_sends_Cease_2_with_the_shutdown_communication_and_drops_the_routes()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ManualStop("moving to new router"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, [20, .. "moving to new router"u8]);
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.ManualStop);
        AssertState(SessionState.Idle, 0);
        // A stopped session does not come back by itself, and the connection hears nothing more from us.
        Advance(TimeSpan.FromMinutes(10));
        Connector.ExpectNoMsg(Quiet);
        connection.ExpectNoMsg(Quiet);
        Tell(new ManualStop("again"));
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Idle, Fsm.StateName);
    }

    [Fact]
    public void ManualStop_without_text_sends_an_empty_shutdown_communication()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ManualStop());
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, [0]);
    }

    [Fact]
    public void ManualStop_with_a_too_long_text_still_sends_Cease_2()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ManualStop(new string('x', 300)));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, [0]);
    }

    [Fact]
    public void AdministrativeReset_sends_Cease_4_and_starts_again()
    {
        CreateFsm(s => s with { ShutdownCommunication = "config change" });
        var connection = ToEstablished();
        Tell(new AdministrativeReset());
        var n = ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeReset);
        Assert.Equal("config change", n.ShutdownCommunication);
        Rib.ExpectMsg<PeerDown>();
        var down = ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.AdministrativeReset);
        Assert.Equal("AdministrativeReset", down.EventName);
        Assert.Contains("6/4 \"config change\"", down.Reason);
        Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.ManualStart);
    }

    [Fact]
    public void A_ManualStop_queued_behind_a_reset_keeps_the_session_down()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new AdministrativeReset());
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeReset);
        Connector.ExpectMsg<Connect>();
        Tell(new ManualStop());
        Connector.ExpectMsg<CancelConnect>(); // the stop ends the reset's dial
        // With the mailbox holding [AdministrativeReset, ManualStop], the reset's restart half (generation 1) lands
        // behind the operator's ManualStop in Idle. TestFSMRef handles each Tell at once, so that order is rebuilt
        // by hand: a ManualStop in Idle, then the stale restart half.
        Tell(new ManualStop());
        Tell(new BgpFsm.RestartAfterReset(false, 1));
        Connector.ExpectNoMsg(Quiet);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void State_changes_of_a_neighbor_with_an_AS_range_carry_the_AS_its_OPEN_named()
    {
        CreateFsm(s => s with { PeerAs = 64512, PeerAsRange = (64512, 65534) });
        ToEstablished(PeerOpen(asn: 65010));
        Assert.Equal(65010u, ExpectTransition(SessionState.OpenSent, SessionState.OpenConfirm, BgpEvent.BgpOpen).PeerAs);
        Assert.Equal(65010u, ExpectTransition(SessionState.OpenConfirm, SessionState.Established, BgpEvent.KeepAliveMsg).PeerAs);
        Assert.Equal(65010u, Status().PeerAs); // /bgp/events and /bgp/neighbors agree
        Tell(new ManualStop());
        Assert.Equal(65010u, ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.ManualStop).PeerAs);
    }

    [Fact]
    public void AutomaticStop_sends_Cease_with_its_subcode_and_the_session_restarts_after_the_idle_hold_time()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new AutomaticStop(CeaseSubcode.MaximumPrefixesReached, "prefix limit 100 reached"));
        // A plain AutomaticStop(Cease/1) goes out bare at once (the RIB's MaxPrefixExceeded carries the RFC 4486 data).
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, []);
        Rib.ExpectMsg<PeerDown>();
        AssertState(SessionState.Idle, 1);
        Advance(Settings.IdleHoldTime);
        Connector.ExpectMsg<Connect>();
    }

    [Fact]
    public void Send_hold_timer_expiry_sends_8_0_and_drops_the_session()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new SendHoldTimerExpired(connection.Ref));
        ExpectNotification(connection, ErrorCode.SendHoldTimerExpired, 0, []);
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.SendHoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void Header_error_sends_its_own_NOTIFICATION_rather_than_an_FSM_error()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, [7], "type 7"), null, connection.Ref));
        ExpectNotification(connection, ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, [7]);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.BgpHeaderErr);
    }

    [Fact]
    public void Stray_DelayOpenTimer_event_is_an_FSM_error()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(DelayOpenTimerExpires.Instance);
        ExpectNotification(connection, ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified, []);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.DelayOpenTimerExpires);
    }

    [Fact]
    public void Keepalives_are_sent_every_third_of_the_hold_time()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpen(holdTime: 90));
        int keepalives = 0;
        for (int i = 0; i < 10; i++)
        {
            Advance(TimeSpan.FromSeconds(30));
            FromPeer(connection, KeepaliveMessage.Instance); // the peer keeps the session alive
            ExpectSent<KeepaliveMessage>(connection);
            keepalives++;
        }
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(10, keepalives);
        Assert.Equal(10 + 1, Status().MessagesSent[MessageType.Keepalive]); // plus the one in OpenSent
    }

    [Fact]
    public void Configured_keepalive_time_is_used_when_lower_than_a_third()
    {
        CreateFsm(s => s with { KeepaliveTime = TimeSpan.FromSeconds(5) });
        var connection = ToEstablished(PeerOpen(holdTime: 90));
        // Akka's TestScheduler fires a periodic timer once per Advance: one KEEPALIVE every 5 s, not 30 s.
        for (int i = 0; i < 3; i++)
        {
            Advance(TimeSpan.FromSeconds(5));
            ExpectSent<KeepaliveMessage>(connection);
        }
        Advance(TimeSpan.FromSeconds(4));
        connection.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Hold_time_zero_means_no_keepalives_and_no_hold_timer()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpen(holdTime: 0));
        Assert.False(Fsm.IsTimerActive(BgpFsm.HoldTimer));
        Assert.False(Fsm.IsTimerActive(BgpFsm.KeepaliveTimer));
        Advance(TimeSpan.FromHours(1));
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void A_new_connection_while_Established_is_closed_with_Cease_7()
    {
        CreateFsm();
        var connection = ToEstablished();
        var newcomer = NewConnection();
        Tell(new Accepted(newcomer.Ref, LocalEndPoint, PeerEndPoint));
        ExpectNotification(newcomer, ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, []);
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void Stopping_the_actor_sends_Cease_3_and_tells_the_RIB()
    {
        CreateFsm();
        var connection = ToEstablished();
        Sys.Stop(Fsm.Ref);
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.PeerDeconfigured, []);
        Rib.ExpectMsg<PeerDown>();
    }

    [Fact]
    public void NOTIFICATION_version_error_in_Established_is_counted_like_any_NOTIFICATION()
    {
        CreateFsm();
        var connection = ToEstablished();
        FromPeer(connection, new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, 4]));
        Rib.ExpectMsg<PeerDown>();
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.NotifMsgVerErr);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void ManualStart_and_AutomaticStart_are_ignored_in_Established()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new ManualStart());
        Tell(new AutomaticStart());
        Tell(new ManualStartWithPassiveTcpEstablishment());
        connection.ExpectNoMsg(Quiet);
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }

    [Fact]
    public void Hold_timer_expires_exactly_one_hold_time_after_the_last_UPDATE_of_a_stream()
    {
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(9) });
        var connection = ToEstablished();
        for (int i = 0; i < 20; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
            FromPeer(connection, EmptyUpdate());
        }
        // Last UPDATE at 20 s: the session must survive until 29 s and end then.
        Advance(TimeSpan.FromSeconds(8.9));
        Assert.Equal(SessionState.Established, Fsm.StateName);
        Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        var sent = connection.FishForMessage<Send>(m => m.Message is NotificationMessage);
        Assert.Equal(new NotificationMessage(ErrorCode.HoldTimerExpired, 0), sent.Message);
    }

    [Fact]
    public void Messages_the_RIB_wrote_count_as_sent()
    {
        CreateFsm();
        var connection = ToEstablished();
        var before = Status().MessagesSent;
        Tell(new MessagesWritten(new Dictionary<MessageType, long> { [MessageType.Update] = 40, [MessageType.Keepalive] = 0 }, connection.Ref), connection.Ref);
        Tell(new MessagesWritten(new Dictionary<MessageType, long> { [MessageType.Update] = 2, [MessageType.RouteRefresh] = 1 }, connection.Ref), connection.Ref);
        var sent = Status().MessagesSent;
        Assert.Equal(42, sent[MessageType.Update]);
        Assert.Equal(1, sent[MessageType.RouteRefresh]);
        Assert.Equal(before[MessageType.Keepalive], sent[MessageType.Keepalive]);
        Assert.Equal(SessionState.Established, Fsm.StateName);
    }
}
