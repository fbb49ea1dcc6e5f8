using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>IdleHoldTimer with DampPeerOscillations (RFC 4271 8.1.1), the events on the EventStream and the
/// neighbor status.</summary>
public sealed class DampingAndObservabilityTests : FsmTestKit
{
    /// <summary>AutomaticStart, then the dial fails: one failure.</summary>
    private void StartAndFail()
    {
        Tell(new AutomaticStart());
        var connect = Connector.ExpectMsg<Connect>();
        Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        // Consume the start (Event 3 or 6) so that the restarts below are told apart from it.
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.TcpConnectionFails);
    }

    /// <summary>Advances to just before <paramref name="wait"/> (nothing happens) and then to it (the dial comes).</summary>
    private Connect ExpectRestartAfter(TimeSpan wait)
    {
        Advance(wait - TimeSpan.FromMilliseconds(100));
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        Advance(TimeSpan.FromMilliseconds(100));
        var connect = Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.IdleHoldTimerExpires);
        return connect;
    }

    [Fact]
    public void IdleHoldTime_doubles_on_each_consecutive_failure_up_to_the_maximum()
    {
        CreateFsm(s => s with { IdleHoldTime = TimeSpan.FromSeconds(5), MaxIdleHoldTime = TimeSpan.FromSeconds(30) });
        StartAndFail();
        foreach (var seconds in new[] { 5, 10, 20, 30, 30 })
        {
            var connect = ExpectRestartAfter(TimeSpan.FromSeconds(seconds));
            Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        }
    }

    [Fact]
    public void The_FSM_announces_entering_and_leaving_Idle_so_that_the_listener_refuses_the_peer_meanwhile()
    {
        // RFC 4271 8.2.2: Idle refuses incoming connections; SessionIdle lets the listener do it before any actor exists.
        var idle = CreateTestProbe();
        Sys.EventStream.Subscribe(idle.Ref, typeof(SessionIdle));
        CreateFsm(s => s with { IdleHoldTime = TimeSpan.FromSeconds(5) });
        Tell(new AutomaticStart());
        Assert.Equal(new SessionIdle(PeerAddress, false, Fsm), idle.ExpectMsg<SessionIdle>());
        var connect = Connector.ExpectMsg<Connect>();
        Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        ExpectTransition(SessionState.Connect, SessionState.Idle, BgpEvent.TcpConnectionFails);
        Assert.Equal(new SessionIdle(PeerAddress, true, Fsm), idle.ExpectMsg<SessionIdle>());
        // Through the idle hold nothing more: Idle to Idle is not a change.
        Tell(new AutomaticStart());
        idle.ExpectNoMsg(Quiet);
        ExpectRestartAfter(TimeSpan.FromSeconds(5));
        Assert.Equal(new SessionIdle(PeerAddress, false, Fsm), idle.ExpectMsg<SessionIdle>());
    }

    [Fact]
    public void Without_DampPeerOscillations_the_IdleHoldTime_stays_the_same()
    {
        CreateFsm(s => s with { DampPeerOscillations = false, IdleHoldTime = TimeSpan.FromSeconds(5) });
        StartAndFail();
        for (int i = 0; i < 3; i++)
        {
            var connect = ExpectRestartAfter(TimeSpan.FromSeconds(5));
            Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        }
    }

    [Fact]
    public void AutomaticStart_during_the_idle_hold_is_damped()
    {
        CreateFsm();
        StartAndFail();
        Tell(new AutomaticStart());
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        Assert.True(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
    }

    [Fact]
    public void ManualStart_during_the_idle_hold_starts_at_once()
    {
        CreateFsm();
        StartAndFail();
        Tell(new ManualStart());
        Connector.ExpectMsg<Connect>();
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
    }

    [Fact]
    public void ManualStop_during_the_idle_hold_cancels_the_restart()
    {
        CreateFsm();
        StartAndFail();
        Tell(new ManualStop());
        Advance(TimeSpan.FromMinutes(10));
        Connector.ExpectNoMsg(Quiet);
        Assert.Equal(SessionState.Idle, Fsm.StateName);
    }

    [Fact]
    public void Without_AllowAutomaticStart_a_failure_stays_in_Idle()
    {
        CreateFsm(s => s with { AllowAutomaticStart = false });
        var connection = ToOpenSent();
        Tell(new TcpConnectionFails("reset", connection.Ref));
        Assert.Equal(SessionState.Active, Fsm.StateName);
        Tell(HoldTimerExpires.Instance); // any other event in Active: Idle
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
        Advance(TimeSpan.FromMinutes(10));
        Connector.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_stable_Established_period_resets_the_IdleHoldTime()
    {
        CreateFsm(s => s with { IdleHoldTime = TimeSpan.FromSeconds(5), IdleHoldStablePeriod = TimeSpan.FromMinutes(2) });
        StartAndFail();
        var connect = ExpectRestartAfter(TimeSpan.FromSeconds(5));
        Tell(TcpConnectionFails.Dial("refused", connect.Attempt));
        connect = ExpectRestartAfter(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(20), Fsm.StateData.IdleHoldTime);

        // This time the session comes up and stays up for the stable period.
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        FromPeer(connection, PeerOpen(holdTime: 0));
        FromPeer(connection, KeepaliveMessage.Instance);
        Rib.ExpectMsg<PeerUp>();
        Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromSeconds(5), Fsm.StateData.IdleHoldTime);

        Tell(new TcpConnectionFails("reset", connection.Ref));
        ExpectRestartAfter(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_short_Established_period_keeps_the_grown_IdleHoldTime()
    {
        CreateFsm(s => s with { IdleHoldTime = TimeSpan.FromSeconds(5), IdleHoldStablePeriod = TimeSpan.FromMinutes(2) });
        StartAndFail();
        var connect = ExpectRestartAfter(TimeSpan.FromSeconds(5));
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        FromPeer(connection, PeerOpen(holdTime: 0));
        FromPeer(connection, KeepaliveMessage.Instance);
        Rib.ExpectMsg<PeerUp>();
        Advance(TimeSpan.FromSeconds(119));
        Tell(new TcpConnectionFails("reset", connection.Ref));
        ExpectRestartAfter(TimeSpan.FromSeconds(10));
    }

    // ---------------------------------------------------------------- observability

    [Fact]
    public void Every_state_change_of_a_session_is_published_with_its_event()
    {
        CreateFsm();
        var connection = ToEstablished();
        FromPeer(connection, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.PeerDeconfigured));
        var changes = new List<SessionStateChanged>();
        for (int i = 0; i < 5; i++) changes.Add(Events.ExpectMsg<SessionStateChanged>());
        Assert.Equal(
        [
            (SessionState.Idle, SessionState.Connect, BgpEvent.ManualStart),
            (SessionState.Connect, SessionState.OpenSent, BgpEvent.TcpCrAcked),
            (SessionState.OpenSent, SessionState.OpenConfirm, BgpEvent.BgpOpen),
            (SessionState.OpenConfirm, SessionState.Established, BgpEvent.KeepAliveMsg),
            (SessionState.Established, SessionState.Idle, BgpEvent.NotifMsg),
        ], changes.Select(c => (c.From, c.To, c.EventNumber)).ToArray());
        Assert.All(changes, c => Assert.Equal((PeerAddress, RemoteAs), (c.Peer, c.PeerAs)));
        Assert.Equal("NOTIFICATION received 6/3 (Cease / Peer De-configured)", changes[^1].Reason);
        Assert.Equal("NotifMsg", changes[^1].EventName);
    }

    [Fact]
    public void Status_reports_state_session_counters_and_notifications()
    {
        CreateFsm(s => s with { Description = "upstream" });
        var connection = ToEstablished();
        FromPeer(connection, EmptyUpdate());
        FromPeer(connection, KeepaliveMessage.Instance);
        var up = Status();
        Assert.Equal(SessionState.Established, up.State);
        Assert.Equal("upstream", up.Description);
        Assert.NotNull(up.Session);
        Assert.NotNull(up.UpSince);
        Assert.Equal(1, up.MessagesSent[MessageType.Open]);
        Assert.Equal(1, up.MessagesSent[MessageType.Keepalive]);
        Assert.Equal(1, up.MessagesReceived[MessageType.Open]);
        Assert.Equal(2, up.MessagesReceived[MessageType.Keepalive]);
        Assert.Equal(1, up.MessagesReceived[MessageType.Update]);
        Assert.Equal(0, up.FlapCount);
        Assert.Equal((LocalEndPoint, PeerEndPoint), (up.LocalEndPoint, up.RemoteEndPoint));

        Advance(TimeSpan.FromSeconds(10));
        Tell(new ManualStop("maintenance window"));
        var down = Status();
        Assert.Equal(SessionState.Idle, down.State);
        Assert.Null(down.Session);
        Assert.Null(down.UpSince);
        Assert.Equal(up.UpSince + TimeSpan.FromSeconds(10), down.DownSince);
        Assert.Equal(1, down.FlapCount);
        Assert.Equal("maintenance window", down.LastNotificationSent!.ShutdownCommunication);
        Assert.Equal((byte)CeaseSubcode.AdministrativeShutdown, down.LastNotificationSent.Subcode);
        Assert.Equal(1, down.MessagesSent[MessageType.Notification]);
    }

    [Fact]
    public void Status_keeps_the_last_error()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(asn: 64999));
        ExpectNotification(connection, ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, []);
        var status = Status();
        Assert.Contains("configured AS 65002", status.LastError);
        Assert.Equal(1, status.ConnectRetryCounter);
        Assert.Equal((byte)2, status.LastNotificationSent!.Code);
    }
}
