using System.Net;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>
/// The maximum-prefix stop: RFC 4486 section 4 Cease/1 with AFI, SAFI and the upper bound in the data, and the
/// restart interval (Idle for the interval, or until ManualStart without one).
/// </summary>
public sealed class MaxPrefixTests : FsmTestKit
{
    private static MaxPrefixExceeded Exceeded(TimeSpan? restartAfter, AfiSafi? family = null, int limit = 100) =>
        new(PeerAddress, family ?? AfiSafi.Ipv4Unicast, limit + 1, limit, restartAfter,
            new NotificationMessage(ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached));

    /// <summary>What the RIB sends: the details alone, taken as Event 8 with Cease/1.</summary>
    private void RibStops(MaxPrefixExceeded details) => Tell(details);

    [Fact]
    public void Established_Cease_1_carries_AFI_SAFI_and_the_upper_bound()
    {
        CreateFsm();
        var connection = ToEstablished();
        RibStops(Exceeded(TimeSpan.FromMinutes(5)));
        // AFI 1 (2 octets), SAFI 1 (1 octet), upper bound 100 (4 octets).
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, [0, 1, 1, 0, 0, 0, 100]);
        Rib.ExpectMsg<PeerDown>();
        var change = ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.AutomaticStop);
        Assert.Contains("restart in", change.Reason);
        AssertState(SessionState.Idle, 1);
        Assert.Equal((byte)1, Status().LastNotificationSent!.Subcode);
    }

    [Fact]
    public void The_details_alone_also_stop_the_session()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(Exceeded(null, AfiSafi.Ipv6Unicast, 0x01020304));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, [0, 2, 1, 1, 2, 3, 4]);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void OpenConfirm_max_prefix_stop_carries_the_data_too()
    {
        CreateFsm();
        var connection = ToOpenConfirm();
        RibStops(Exceeded(null));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, [0, 1, 1, 0, 0, 0, 100]);
        AssertState(SessionState.Idle, 1);
    }

    [Fact]
    public void With_a_restart_interval_the_session_stays_Idle_for_it_then_starts()
    {
        CreateFsm();
        var connection = ToEstablished();
        RibStops(Exceeded(TimeSpan.FromMinutes(5)));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached);
        Connector.ExpectNoMsg(TimeSpan.Zero);

        // Not the ordinary IdleHoldTime, and an AutomaticStart (e.g. from the supervisor) does not cut it short.
        Advance(Settings.IdleHoldTime);
        Tell(new AutomaticStart());
        Advance(TimeSpan.FromMinutes(4));
        Connector.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(SessionState.Idle, Fsm.StateName);

        Advance(TimeSpan.FromMinutes(1) - Settings.IdleHoldTime);
        Connector.ExpectMsg<Connect>();
        Assert.Equal(SessionState.Connect, Fsm.StateName);
        Assert.False(Fsm.StateData.HeldDown);
    }

    [Fact]
    public void The_restart_interval_applies_even_without_AllowAutomaticStart()
    {
        CreateFsm(s => s with { AllowAutomaticStart = false });
        var connection = ToEstablished();
        RibStops(Exceeded(TimeSpan.FromSeconds(30)));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached);
        Advance(TimeSpan.FromSeconds(30));
        Connector.ExpectMsg<Connect>();
    }

    [Fact]
    public void Without_a_restart_interval_only_ManualStart_brings_it_back()
    {
        CreateFsm();
        var connection = ToEstablished();
        RibStops(Exceeded(null));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached);
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));

        Advance(TimeSpan.FromHours(1));
        Tell(new AutomaticStart());
        Connector.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(SessionState.Idle, Fsm.StateName);

        Tell(new ManualStart());
        Connector.ExpectMsg<Connect>();
        Assert.False(Fsm.StateData.HeldDown);
    }

    [Fact]
    public void Details_arriving_after_the_session_went_down_still_hold_it_down()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new AutomaticStop(CeaseSubcode.MaximumPrefixesReached, "maximum prefixes exceeded"));
        // A plain AutomaticStop(Cease/1) does not wait for details: Cease/1 without data, and the ordinary
        // automatic restart is armed.
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, []);
        Assert.True(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));

        Tell(Exceeded(null));
        Assert.True(Fsm.StateData.HeldDown);
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
        Advance(TimeSpan.FromHours(1));
        Connector.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Details_arriving_in_Connect_end_the_attempt_and_hold_it_down()
    {
        CreateFsm();
        Tell(new ManualStart());
        Connector.ExpectMsg<Connect>();
        Tell(Exceeded(null));
        Connector.ExpectMsg<CancelConnect>();
        Assert.Equal(SessionState.Idle, Fsm.StateName);
        Assert.True(Fsm.StateData.HeldDown);
        Advance(TimeSpan.FromHours(1));
        Connector.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Other_AutomaticStop_subcodes_do_not_wait()
    {
        CreateFsm();
        var connection = ToEstablished();
        Tell(new AutomaticStop(CeaseSubcode.OutOfResources, "memory"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.OutOfResources, []);
        Assert.False(Fsm.StateData.HeldDown);
    }
}
