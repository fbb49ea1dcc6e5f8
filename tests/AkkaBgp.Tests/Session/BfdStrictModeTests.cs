using AkkaBgp.Bfd;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>
/// BFD strict mode (<c>bfd { strict = on }</c>) in the FSM, in virtual time: while <see cref="BfdStrictHold"/> holds,
/// no start leaves Idle (no dial, inbound connections refused); BFD Up makes the held start; after a BFD failure the
/// automatic restart waits for BFD again; a reload turning strict on stops a session being set up.
/// </summary>
public sealed class BfdStrictModeTests : FsmTestKit
{
    private static NeighborSettings Strict(NeighborSettings s) => s with { Bfd = new BfdSettings { Strict = true } };

    [Fact]
    public void A_strict_neighbor_stays_Idle_until_BFD_is_Up_then_makes_the_held_start()
    {
        CreateFsm(Strict);
        Tell(new AutomaticStart());
        Advance(TimeSpan.FromMinutes(5));
        // Nothing dialled, nothing accepted.
        AssertState(SessionState.Idle, 0);
        Assert.False(Connector.HasMessages);
        var inbound = NewConnection();
        Tell(new Accepted(inbound.Ref, LocalEndPoint, PeerEndPoint));
        inbound.ExpectMsg<Close>();
        AssertState(SessionState.Idle, 0);

        // BFD Up: the held AutomaticStart (Event 6, DampPeerOscillations is on by default) is made, and the session
        // goes all the way.
        Tell(new BfdStrictHold(false));
        var connect = Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.AutomaticStartWithDampPeerOscillations);
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        connection.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(connection);
        FromPeer(connection, PeerOpen());
        connection.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(connection);
        FromPeer(connection, KeepaliveMessage.Instance);
        Rib.ExpectMsg<PeerUp>();
        AssertState(SessionState.Established, 0);
    }

    [Fact]
    public void A_held_ManualStart_is_made_when_BFD_comes_Up_and_a_ManualStop_cancels_it()
    {
        CreateFsm(Strict);
        Tell(new ManualStart());
        AssertState(SessionState.Idle, 0);
        Tell(new ManualStop());
        Tell(new BfdStrictHold(false));
        // The operator's stop stands.
        AssertState(SessionState.Idle, 0);
        Assert.False(Connector.HasMessages);

        Tell(new BfdStrictHold(true));
        Tell(new ManualStart());
        AssertState(SessionState.Idle, 0);
        Tell(new BfdStrictHold(false));
        Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.ManualStart);
    }

    [Fact]
    public void After_a_BFD_failure_the_automatic_restart_waits_for_BFD()
    {
        CreateFsm(Strict);
        Tell(new BfdStrictHold(false));
        var connection = ToEstablished();
        // What the BFD client sends when the session goes from Up to Down: the hold, then Event 8.
        Tell(new BfdStrictHold(true));
        AssertState(SessionState.Established, 0);
        Tell(new AutomaticStop(CeaseSubcode.BfdDown, "BFD down: Control Detection Time Expired"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.BfdDown);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.AutomaticStop);
        AssertState(SessionState.Idle, 1);
        Assert.True(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));

        // The IdleHoldTimer expires (Event 13): held, not made.
        Advance(Settings.IdleHoldTime + TimeSpan.FromSeconds(1));
        Assert.False(Fsm.IsTimerActive(BgpFsm.IdleHoldTimer));
        AssertState(SessionState.Idle, 1);
        Assert.False(Connector.HasMessages);

        Tell(new BfdStrictHold(false));
        Connector.ExpectMsg<Connect>();
        ExpectTransition(SessionState.Idle, SessionState.Connect, BgpEvent.IdleHoldTimerExpires);
    }

    [Fact]
    public void Strict_mode_turned_on_while_the_session_is_set_up_stops_it_with_Cease_BFD_Down()
    {
        CreateFsm();
        var connection = ToOpenSent();
        Tell(new BfdStrictHold(true));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.BfdDown);
        var down = ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.AutomaticStop);
        Assert.Contains("strict mode", down.Reason);
        // BFD Up while the damped IdleHoldTimer runs: its expiry makes the start.
        Tell(new BfdStrictHold(false));
        AssertState(SessionState.Idle, 1);
        Advance(Settings.IdleHoldTime + TimeSpan.FromSeconds(1));
        Connector.ExpectMsg<Connect>();
        AssertState(SessionState.Connect, 0);
    }

    [Fact]
    public void Without_strict_mode_an_Established_session_ignores_the_hold()
    {
        CreateFsm();
        ToEstablished();
        Tell(new BfdStrictHold(true));
        AssertState(SessionState.Established, 0);
    }
}
