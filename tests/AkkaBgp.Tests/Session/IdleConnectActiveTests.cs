using Akka.TestKit;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>RFC 4271 8.2.2, the Idle, Connect and Active rows (incl. DelayOpen and PassiveTcpEstablishment).</summary>
public sealed class IdleConnectActiveTests : FsmTestKit
{
    // ---------------------------------------------------------------- Idle

    [Fact]
    public void Idle_ManualStart_dials_starts_ConnectRetryTimer_and_goes_to_Connect()
    {
        CreateFsm();
        var connect = Start();
        Assert.Same(Fsm.Ref, connect.Handler);
        Assert.Null(connect.Local);
        AssertState(SessionState.Connect, 0);
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.ManualStart);
    }

    [Fact]
    public void Idle_ManualStart_dials_from_the_configured_local_address_and_port()
    {
        CreateFsm(s => s with { LocalAddress = LocalEndPoint.Address, LocalPort = 1790, PeerPort = 1179 });
        Tell(new ManualStart());
        var connect = Connector.ExpectMsg<Connect>();
        Assert.Equal(new System.Net.IPEndPoint(LocalEndPoint.Address, 1790), connect.Local);
        Assert.Equal(1179, connect.Remote.Port);
    }

    [Fact]
    public void Idle_ManualStart_with_PassiveTcpEstablishment_listens_only_and_goes_to_Active()
    {
        CreateFsm();
        Tell(new ManualStartWithPassiveTcpEstablishment());
        ExpectTransition(SessionState.Idle, SessionState.Active, BgpEvent.ManualStartWithPassiveTcpEstablishment);
        Connector.ExpectNoMsg(Quiet);
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Idle_ManualStart_on_a_passive_neighbor_is_Event_4()
    {
        CreateFsm(s => s with { PassiveTcpEstablishment = true });
        Tell(new ManualStart());
        ExpectTransition(SessionState.Idle, SessionState.Active, BgpEvent.ManualStartWithPassiveTcpEstablishment);
        Connector.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Idle_AutomaticStart_with_DampPeerOscillations_is_Event_6_and_dials()
    {
        CreateFsm();
        Tell(new AutomaticStart());
        Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.AutomaticStartWithDampPeerOscillations);
    }

    [Fact]
    public void Idle_AutomaticStart_without_damping_and_passive_is_Event_5()
    {
        CreateFsm(s => s with { DampPeerOscillations = false, PassiveTcpEstablishment = true });
        Tell(new AutomaticStart());
        ExpectTransition(SessionState.Idle, SessionState.Active, BgpEvent.AutomaticStartWithPassiveTcpEstablishment);
    }

    [Fact]
    public void Idle_AutomaticStart_is_ignored_when_AllowAutomaticStart_is_off()
    {
        CreateFsm(s => s with { AllowAutomaticStart = false });
        Tell(new AutomaticStart());
        Connector.ExpectNoMsg(Quiet);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void Idle_ManualStop_and_AutomaticStop_are_ignored()
    {
        CreateFsm();
        Tell(new ManualStop("bye"));
        Tell(new AutomaticStop(CeaseSubcode.MaximumPrefixesReached, "limit"));
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        Events.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Idle_refuses_an_incoming_connection()
    {
        CreateFsm();
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        ExpectClosedSilently(connection);
        Assert.Equal(SessionState.Idle, Fsm.StateName);
    }

    [Fact]
    public void Idle_other_events_do_not_change_the_state()
    {
        CreateFsm();
        var stray = NewConnection();
        Tell(HoldTimerExpires.Instance);
        Tell(KeepaliveTimerExpires.Instance);
        Tell(ConnectRetryTimerExpires.Instance);
        Tell(new Received(KeepaliveMessage.Instance, stray.Ref));
        Tell(new TcpConnectionFails("gone", stray.Ref));
        AssertState(SessionState.Idle, 0);
        Events.ExpectNoMsg(Quiet);
        stray.ExpectNoMsg(Quiet);
    }

    // ---------------------------------------------------------------- Connect

    [Fact]
    public void Connect_ConnectRetryTimer_expiry_abandons_the_dial_and_dials_again()
    {
        CreateFsm();
        var first = Start();
        Advance(TimeSpan.FromSeconds(119));
        Connector.ExpectNoMsg(Quiet);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(first.Attempt, Connector.ExpectMsg<CancelConnect>().Attempt);
        var second = Connector.ExpectMsg<Connect>();
        Assert.NotEqual(first.Attempt, second.Attempt);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Connect_Tcp_CR_Acked_registers_sends_OPEN_and_goes_to_OpenSent_with_the_large_hold_timer()
    {
        CreateFsm();
        var connect = Start();
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        var register = connection.ExpectMsg<Register>();
        Assert.Same(Fsm.Ref, register.Handler);
        Assert.False(register.Decode.ExtendedMessages);
        Assert.False(register.UpdateDecode.FourOctetAs);
        Assert.Equal(PeerKind.External, register.UpdateDecode.Peer);
        Assert.Equal(TimeSpan.FromMinutes(8), register.SendHoldTime);
        var open = ExpectSent<OpenMessage>(connection);
        Assert.Equal((4, (ushort)65001, (ushort)90, LocalId), (open.Version, open.MyAs, open.HoldTime, open.BgpIdentifier));
        ExpectTransition(SessionState.Connect, SessionState.OpenSent, BgpEvent.TcpCrAcked);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));

        Advance(TimeSpan.FromSeconds(239));
        Assert.Equal(SessionState.OpenSent, Fsm.StateName);
        Advance(TimeSpan.FromSeconds(1));
        ExpectNotification(connection, ErrorCode.HoldTimerExpired, 0, []);
    }

    [Fact]
    public void Connect_accepted_connection_is_Event_17_and_goes_to_OpenSent()
    {
        CreateFsm();
        Start();
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(connection);
        ExpectTransition(SessionState.Connect, SessionState.OpenSent, BgpEvent.TcpConnectionConfirmed);
        Assert.False(Fsm.StateData.Connection!.Outbound);
    }

    [Fact]
    public void Connect_TcpConnectionFails_goes_to_Idle_without_counting()
    {
        CreateFsm();
        var connect = Start();
        Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        var change = ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.TcpConnectionFails);
        Assert.Contains("refused", change.Reason);
        AssertState(SessionState.Idle, 0);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Connect_ignores_answers_to_abandoned_dials()
    {
        CreateFsm();
        var connect = Start();
        var stale = NewConnection();
        Tell(TcpConnectionFails.Dial("old", connect.Attempt + 100));
        Tell(new Connected(stale.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt + 100));
        ExpectClosedSilently(stale);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
    }

    [Fact]
    public void Connect_ManualStop_cancels_the_dial_and_goes_to_Idle_with_counter_zero()
    {
        CreateFsm();
        var connect = Start();
        Tell(new ManualStop());
        Assert.Equal(connect.Attempt, Connector.ExpectMsg<CancelConnect>().Attempt);
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.ManualStop);
        AssertState(SessionState.Idle, 0);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
    }

    [Fact]
    public void Connect_AutomaticStop_is_any_other_event_counted()
    {
        CreateFsm();
        Start();
        Tell(new AutomaticStop(CeaseSubcode.OutOfResources, "memory"));
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.AutomaticStop);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void Connect_ManualStart_is_ignored()
    {
        CreateFsm();
        Start();
        Tell(new ManualStart());
        Tell(new AutomaticStart());
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
    }

    // ---------------------------------------------------------------- DelayOpen

    private TestProbe ConnectWithDelayOpen(Func<NeighborSettings, NeighborSettings>? tweak = null)
    {
        CreateFsm(s => (tweak ?? (x => x))(s with { DelayOpen = true, DelayOpenTime = TimeSpan.FromSeconds(10) }));
        var connect = Start();
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        connection.ExpectMsg<Register>();
        return connection;
    }

    [Fact]
    public void DelayOpen_connection_up_starts_the_DelayOpenTimer_and_stays_in_Connect_without_sending()
    {
        var connection = ConnectWithDelayOpen();
        connection.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Connect, Fsm.StateName);
        Assert.True(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void DelayOpen_timer_expiry_sends_OPEN_and_goes_to_OpenSent()
    {
        var connection = ConnectWithDelayOpen();
        Advance(TimeSpan.FromSeconds(9));
        connection.ExpectNoMsg(Quiet);
        Advance(TimeSpan.FromSeconds(1));
        ExpectSent<OpenMessage>(connection);
        ExpectTransition(SessionState.Connect, SessionState.OpenSent, BgpEvent.DelayOpenTimerExpires);
        Assert.True(Fsm.IsTimerActive(BgpFsm.HoldTimer));
    }

    [Fact]
    public void DelayOpen_OPEN_received_while_the_timer_runs_sends_OPEN_and_KEEPALIVE_and_goes_to_OpenConfirm()
    {
        var connection = ConnectWithDelayOpen();
        FromPeer(connection, PeerOpen());
        ExpectSent<OpenMessage>(connection);
        connection.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(connection);
        ExpectTransition(SessionState.Connect, SessionState.OpenConfirm, BgpEvent.BgpOpenWithDelayOpenTimerRunning);
        Assert.False(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
        Assert.True(Fsm.IsTimerActive(BgpFsm.KeepaliveTimer));
    }

    [Fact]
    public void DelayOpen_bad_OPEN_closes_silently_unless_SendNOTIFICATIONwithoutOPEN()
    {
        var connection = ConnectWithDelayOpen();
        FromPeer(connection, PeerOpen(asn: 65099));
        ExpectClosedSilently(connection);
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.BgpOpenMsgErr);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void DelayOpen_bad_OPEN_gets_its_NOTIFICATION_with_SendNOTIFICATIONwithoutOPEN()
    {
        var connection = ConnectWithDelayOpen(s => s with { SendNotificationWithoutOpen = true });
        FromPeer(connection, PeerOpen(asn: 65099));
        ExpectNotification(connection, ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, []);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void DelayOpen_header_error_with_SendNOTIFICATIONwithoutOPEN_sends_the_codecs_NOTIFICATION()
    {
        var connection = ConnectWithDelayOpen(s => s with { SendNotificationWithoutOpen = true });
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, [9], "type 9"), null, connection.Ref));
        ExpectNotification(connection, ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, [9]);
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.BgpHeaderErr);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void DelayOpen_header_error_without_SendNOTIFICATIONwithoutOPEN_just_closes()
    {
        var connection = ConnectWithDelayOpen();
        Tell(new ReceiveFailed(WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, [], "marker"), null, connection.Ref));
        ExpectClosedSilently(connection);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void DelayOpen_version_NOTIFICATION_goes_to_Idle_without_counting()
    {
        var connection = ConnectWithDelayOpen();
        FromPeer(connection, new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, 3]));
        ExpectClosedSilently(connection);
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.NotifMsgVerErr);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void DelayOpen_KEEPALIVE_before_OPEN_is_any_other_event()
    {
        var connection = ConnectWithDelayOpen();
        FromPeer(connection, KeepaliveMessage.Instance);
        ExpectClosedSilently(connection);
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.KeepAliveMsg);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void DelayOpen_connection_failure_in_Connect_goes_to_Active_and_restarts_ConnectRetryTimer()
    {
        var connection = ConnectWithDelayOpen();
        Tell(new TcpConnectionFails("reset by peer", connection.Ref));
        ExpectTransition(SessionState.Connect, SessionState.Active, BgpEvent.TcpConnectionFails);
        Assert.False(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    // ---------------------------------------------------------------- Active

    private void ToActivePassive(Func<NeighborSettings, NeighborSettings>? tweak = null)
    {
        CreateFsm(s => (tweak ?? (x => x))(s with { PassiveTcpEstablishment = true }));
        Tell(new ManualStart());
        ExpectTransition(SessionState.Idle, SessionState.Active, BgpEvent.ManualStartWithPassiveTcpEstablishment);
    }

    [Fact]
    public void Active_accepted_connection_sends_OPEN_and_goes_to_OpenSent()
    {
        ToActivePassive();
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(connection);
        ExpectTransition(SessionState.Active, SessionState.OpenSent, BgpEvent.TcpConnectionConfirmed);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Active_passive_ConnectRetryTimer_expiry_never_dials()
    {
        ToActivePassive();
        Advance(TimeSpan.FromSeconds(121));
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Active, Fsm.StateName);
        Assert.True(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Active_ConnectRetryTimer_expiry_dials_and_goes_to_Connect()
    {
        // Active with dialling allowed: reached from Connect when a DelayOpen connection fails.
        var connection = ConnectWithDelayOpen();
        Tell(new TcpConnectionFails("reset", connection.Ref));
        ExpectTransition(SessionState.Connect, SessionState.Active, BgpEvent.TcpConnectionFails);
        Advance(TimeSpan.FromSeconds(120));
        Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Active, SessionState.Connect, BgpEvent.ConnectRetryTimerExpires);
    }

    [Fact]
    public void Active_DelayOpen_timer_expiry_sends_OPEN()
    {
        ToActivePassive(s => s with { DelayOpen = true, DelayOpenTime = TimeSpan.FromSeconds(5) });
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        Assert.Equal(SessionState.Active, Fsm.StateName);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
        Advance(TimeSpan.FromSeconds(5));
        ExpectSent<OpenMessage>(connection);
        ExpectTransition(SessionState.Active, SessionState.OpenSent, BgpEvent.DelayOpenTimerExpires);
    }

    [Fact]
    public void Active_DelayOpen_OPEN_received_goes_to_OpenConfirm()
    {
        ToActivePassive(s => s with { DelayOpen = true });
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        FromPeer(connection, PeerOpen());
        ExpectSent<OpenMessage>(connection);
        connection.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(connection);
        ExpectTransition(SessionState.Active, SessionState.OpenConfirm, BgpEvent.BgpOpenWithDelayOpenTimerRunning);
    }

    [Fact]
    public void Active_DelayOpen_connection_failure_goes_to_Idle_and_counts()
    {
        ToActivePassive(s => s with { DelayOpen = true });
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        Tell(new TcpConnectionFails("reset", connection.Ref));
        ExpectTransition(SessionState.Active, SessionState.Idle, BgpEvent.TcpConnectionFails);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void Active_ManualStop_with_DelayOpen_and_SendNOTIFICATIONwithoutOPEN_sends_Cease()
    {
        ToActivePassive(s => s with { DelayOpen = true, SendNotificationWithoutOpen = true });
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        Tell(new ManualStop("going away"));
        var n = ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
        Assert.Equal("going away", n.ShutdownCommunication);
        AssertState(SessionState.Idle, 0);
    }

    [Fact]
    public void Active_ManualStop_without_a_connection_goes_to_Idle()
    {
        ToActivePassive();
        Tell(new ManualStop());
        ExpectTransition(SessionState.Active, SessionState.Idle, BgpEvent.ManualStop);
        Assert.False(Fsm.IsTimerActive(BgpFsm.ConnectRetryTimer));
    }

    [Fact]
    public void Active_stray_HoldTimer_event_is_any_other_event_counted()
    {
        ToActivePassive();
        Tell(HoldTimerExpires.Instance);
        ExpectTransition(SessionState.Active, SessionState.Idle, BgpEvent.HoldTimerExpires);
        AssertState(SessionState.Idle, 1);
    }

    // ---------------------------------------------------------------- counters and restarts

    [Fact]
    public void Idle_ManualStart_sets_the_ConnectRetryCounter_back_to_zero()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, KeepaliveMessage.Instance); // 5/1, counted
        AssertState(SessionState.Idle, 1);
        Tell(new ManualStart());
        Connector.ExpectMsg<Connect>();
        AssertState(SessionState.Connect, 0);
    }

    [Fact]
    public void Idle_AdministrativeReset_starts_the_session()
    {
        CreateFsm();
        Tell(new AdministrativeReset("again"));
        Connector.ExpectMsg<Connect>();
        Assert.Equal(SessionState.Connect, Fsm.StateName);
    }

    [Fact]
    public void AdministrativeReset_of_a_passive_session_restarts_it_passive()
    {
        CreateFsm();
        Tell(new ManualStartWithPassiveTcpEstablishment());
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(connection);
        Tell(new AdministrativeReset());
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeReset, [0]);
        ExpectTransition(SessionState.Idle, SessionState.Active, BgpEvent.ManualStartWithPassiveTcpEstablishment);
        Connector.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void DelayOpen_ConnectRetryTimer_expiry_in_Connect_drops_the_waiting_connection_and_dials_again()
    {
        // Inbound connection waiting out its DelayOpenTimer (longer than the ConnectRetryTime here).
        CreateFsm(s => s with { DelayOpen = true, DelayOpenTime = TimeSpan.FromSeconds(200) });
        var first = Start();
        var connection = NewConnection();
        Tell(new Accepted(connection.Ref, LocalEndPoint, PeerEndPoint));
        connection.ExpectMsg<Register>();
        // The connection stopped the ConnectRetryTimer; an expiry can only be a stray one, which the row still handles.
        Tell(ConnectRetryTimerExpires.Instance);
        ExpectClosedSilently(connection);
        Assert.Equal(first.Attempt, Connector.ExpectMsg<CancelConnect>().Attempt);
        Connector.ExpectMsg<Connect>();
        Assert.Equal(SessionState.Connect, Fsm.StateName);
        Assert.False(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
        Assert.Null(Fsm.StateData.Connection);
    }

    [Fact]
    public void DelayOpen_our_dial_succeeding_after_an_inbound_connection_is_closed_and_the_first_kept()
    {
        CreateFsm(s => s with { DelayOpen = true });
        var dial = Start();
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Register>();
        var outbound = NewConnection();
        Tell(new Connected(outbound.Ref, LocalEndPoint, PeerEndPoint, dial.Attempt));
        ExpectClosedSilently(outbound);
        Assert.Same(inbound.Ref, Fsm.StateData.Connection!.Ref);
        Assert.Equal(0, Fsm.StateData.DialAttempt);
        Assert.True(Fsm.IsTimerActive(BgpFsm.DelayOpenTimer));
    }

    [Fact]
    public void The_dial_carries_the_connect_timeout_bounded_by_the_ConnectRetryTime()
    {
        CreateFsm();
        Assert.Equal(Settings.ConnectTimeout, Start().Timeout);
    }

    [Fact]
    public void A_short_ConnectRetryTime_bounds_the_connect_timeout()
    {
        // The ConnectRetryTimer's expiry (Event 9) abandons the attempt anyway.
        CreateFsm(s => s with { ConnectRetryTime = TimeSpan.FromSeconds(4), ConnectTimeout = TimeSpan.FromSeconds(10) });
        Assert.Equal(TimeSpan.FromSeconds(4), Start().Timeout);
    }
}
