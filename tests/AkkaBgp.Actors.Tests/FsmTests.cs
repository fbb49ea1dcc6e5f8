using AkkaBgp.Actors.TestKit;

namespace AkkaBgp.Actors.Tests;

public enum Light { Off, On, Broken, Missing }

public sealed record Toggle;
public sealed record Ping;
public sealed record Break(string Why);
public sealed record GoMissing;
public sealed record GoSelf;
public sealed record Count(int N);

/// <summary>A small machine exercising the DSL: Off --Toggle--> On (state timeout 10 s) --timeout--> Off.</summary>
public sealed class Lamp : FSM<Light, int>
{
    public Lamp(IActorRef probe)
    {
        StartWith(Light.Off, 0);

        When(Light.Off, e => e.FsmEvent switch
        {
            Toggle => GoTo(Light.On).Using(e.StateData + 1).Replying("turning on"),
            Ping => Stay().Replying("pong").Replying("pong2"),
            _ => null,
        });

        When(Light.On, e => e.FsmEvent switch
        {
            Toggle => GoTo(Light.Off),
            StateTimeout => GoTo(Light.Off).Replying("timed out"),
            Ping => Stay().Replying("pong"),
            _ => null,
        }, TimeSpan.FromSeconds(10));

        // A second When for the same state is tried after the first one.
        When(Light.On, e => e.FsmEvent is Count c ? Stay().ForMax(TimeSpan.FromSeconds(c.N)) : null);

        When(Light.Broken, _ => Stay());

        WhenUnhandled(e => e.FsmEvent switch
        {
            Break b => Stop(new Failure(b.Why)),
            GoMissing => GoTo(Light.Missing),
            GoSelf => GoTo(StateName),
            "stop" => Stop(),
            "timeout-marker" => Stay(),
            _ => null,
        });

        OnTransition((from, to) => probe.Tell($"{from}->{to} data {NextStateData} (was {StateData})"));
        OnTermination(s => probe.Tell($"terminated {s.Reason} in {s.TerminatedState} with {s.StateData}"));

        Initialize();
    }
}

public sealed class NoInitialWhen : FSM<Light, int>
{
    public NoInitialWhen()
    {
        StartWith(Light.Off, 0);
        When(Light.On, _ => Stay());
        Initialize();
    }
}

public sealed class FsmTests : TestKit.TestKit
{
    private IActorRef NewLamp(string name = "lamp") => Sys.ActorOf(Props.Create(() => new Lamp(TestActor)), name);

    [Fact]
    public void Transition_handlers_see_from_to_and_next_data_and_replies_go_first()
    {
        var lamp = NewLamp();
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("turning on");
        ExpectMsg("Off->On data 1 (was 0)");
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("On->Off data 1 (was 1)");
    }

    [Fact]
    public void Replies_are_sent_in_the_order_added()
    {
        var lamp = NewLamp();
        lamp.Tell(new Ping(), TestActor);
        ExpectMsg("pong");
        ExpectMsg("pong2");
    }

    [Fact]
    public void Stay_does_not_notify_but_GoTo_the_same_state_does()
    {
        var lamp = NewLamp();
        lamp.Tell(new Ping(), TestActor);
        ExpectMsg("pong");
        ExpectMsg("pong2");
        lamp.Tell(new GoSelf(), TestActor);
        ExpectMsg("Off->Off data 0 (was 0)");
        ExpectNoMsg();
    }

    [Fact]
    public void State_timeout_fires_in_virtual_time()
    {
        var lamp = NewLamp();
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("turning on");
        ExpectMsg("Off->On data 1 (was 0)");
        Advance(TimeSpan.FromSeconds(9.9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromSeconds(0.1));
        ExpectMsg("On->Off data 1 (was 1)");
    }

    [Fact]
    public void Any_message_resets_the_state_timeout()
    {
        var lamp = NewLamp();
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("turning on");
        ExpectMsg("Off->On data 1 (was 0)");
        Advance(TimeSpan.FromSeconds(8));
        lamp.Tell("timeout-marker"); // unrelated message: the 10 s starts again
        Advance(TimeSpan.FromSeconds(8));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromSeconds(2));
        ExpectMsg("On->Off data 1 (was 1)");
    }

    [Fact]
    public void ForMax_overrides_the_state_timeout_for_one_visit()
    {
        var lamp = NewLamp();
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("turning on");
        ExpectMsg("Off->On data 1 (was 0)");
        lamp.Tell(new Count(2), TestActor);
        Advance(TimeSpan.FromSeconds(2));
        ExpectMsg("On->Off data 1 (was 1)");
    }

    [Fact]
    public void Stop_with_failure_runs_OnTermination_and_stops()
    {
        var lamp = NewLamp();
        Watch(lamp);
        lamp.Tell(new Break("bulb"), TestActor);
        ExpectMsg("terminated Failure(bulb) in Off with 0");
        ExpectTerminated(lamp);
    }

    [Fact]
    public void Stop_normal_reports_Normal()
    {
        var lamp = NewLamp();
        lamp.Tell("stop", TestActor);
        ExpectMsg("terminated Normal in Off with 0");
    }

    [Fact]
    public void External_stop_reports_Shutdown_once()
    {
        var lamp = NewLamp();
        Watch(lamp);
        lamp.Tell(PoisonPill.Instance);
        ExpectMsg("terminated Shutdown in Off with 0");
        ExpectTerminated(lamp);
        ExpectNoMsg();
    }

    [Fact]
    public void GoTo_a_state_without_When_fails_loudly_and_stops()
    {
        var lamp = NewLamp();
        Watch(lamp);
        lamp.Tell(new GoMissing(), TestActor);
        ExpectMsg("terminated Failure(Next state Missing does not exist) in Off with 0");
        ExpectTerminated(lamp);
    }

    [Fact]
    public void Initialize_rejects_an_initial_state_without_When()
    {
        var fsm = Sys.ActorOf(Props.Create(() => new NoInitialWhen()));
        Watch(fsm);
        ExpectTerminated(fsm);
    }

    [Fact]
    public void SubscribeTransitionCallBack_sends_CurrentState_then_Transitions()
    {
        var lamp = NewLamp();
        var probe = CreateTestProbe();
        lamp.Tell(new FSMBase.SubscribeTransitionCallBack(probe.Ref));
        var current = probe.ExpectMsg<FSMBase.CurrentState<Light>>();
        Assert.Equal(Light.Off, current.State);
        Assert.Same(lamp, current.FsmRef);
        lamp.Tell(new Toggle(), TestActor);
        Assert.Equal(new FSMBase.Transition<Light>(lamp, Light.Off, Light.On), probe.ExpectMsg<FSMBase.Transition<Light>>());
        lamp.Tell(new FSMBase.UnsubscribeTransitionCallBack(probe.Ref));
        lamp.Tell(new Toggle(), TestActor);
        ExpectMsg("turning on");
        ExpectMsg("Off->On data 1 (was 0)");
        ExpectMsg("On->Off data 1 (was 1)");
        probe.ExpectNoMsg();
    }

    [Fact]
    public void TestFSMRef_reads_and_sets_state()
    {
        var lamp = ActorOfAsTestFSMRef<Lamp, Light, int>(() => new Lamp(TestActor));
        Assert.Equal(Light.Off, lamp.StateName);
        Assert.Equal(0, lamp.StateData);
        lamp.SetState(Light.On, 41);
        ExpectMsg("Off->On data 41 (was 0)");
        Assert.Equal(Light.On, lamp.StateName);
        Assert.Equal(41, lamp.StateData);
        Assert.True(lamp.IsStateTimerActive);
        lamp.SetStateData(7);
        Assert.Equal(7, lamp.StateData);
        lamp.SetTimer("t", "tick", TimeSpan.FromSeconds(1));
        Assert.True(lamp.IsTimerActive("t"));
        lamp.CancelTimer("t");
        Assert.False(lamp.IsTimerActive("t"));
    }
}

/// <summary>
/// The shape the BGP session layer uses: protocol timers as named timers, restarted only by
/// the events that should restart them, so unrelated traffic does not postpone expiry.
/// </summary>
public sealed class HoldTimerFsm : FSM<HoldTimerFsm.S, int>
{
    public enum S { Idle, Established }

    public sealed record Start;
    public sealed record KeepaliveReceived;
    public sealed record Noise;
    public sealed record HoldTimerExpired;
    public sealed record SendKeepalive;

    public HoldTimerFsm(IActorRef probe)
    {
        StartWith(S.Idle, 0);
        When(S.Idle, e => e.FsmEvent is Start ? GoTo(S.Established) : null);
        When(S.Established, e => e.FsmEvent switch
        {
            KeepaliveReceived => RestartHold(),
            Noise => Stay(),
            SendKeepalive => Stay().Using(e.StateData + 1),
            HoldTimerExpired => GoTo(S.Idle),
            _ => null,
        });
        OnTransition((from, to) =>
        {
            if (to == S.Established)
            {
                SetTimer("Hold", new HoldTimerExpired(), TimeSpan.FromSeconds(90));
                SetTimer("Keepalive", new SendKeepalive(), TimeSpan.FromSeconds(30), repeat: true);
            }
            if (to == S.Idle)
            {
                CancelTimer("Hold");
                CancelTimer("Keepalive");
            }
            probe.Tell($"{from}->{to} keepalives sent {StateData}");
        });
        Initialize();
    }

    private State<S, int> RestartHold()
    {
        SetTimer("Hold", new HoldTimerExpired(), TimeSpan.FromSeconds(90));
        return Stay();
    }
}

public sealed class HoldTimerFsmTests : TestKit.TestKit
{
    [Fact]
    public void Hold_timer_expires_after_90_virtual_seconds_despite_other_traffic()
    {
        var fsm = ActorOfAsTestFSMRef<HoldTimerFsm, HoldTimerFsm.S, int>(() => new HoldTimerFsm(TestActor));
        fsm.Tell(new HoldTimerFsm.Start(), null);
        ExpectMsg("Idle->Established keepalives sent 0");
        Assert.True(fsm.IsTimerActive("Hold"));
        for (var i = 0; i < 8; i++)
        {
            Advance(TimeSpan.FromSeconds(10));
            fsm.Tell(new HoldTimerFsm.Noise(), null);
        }
        Advance(TimeSpan.FromSeconds(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(30));
        Advance(TimeSpan.FromSeconds(1));
        // At t=90 Hold and the third Keepalive are both due; Hold was scheduled first, so it wins.
        ExpectMsg("Established->Idle keepalives sent 2");
        Assert.False(fsm.IsTimerActive("Hold"));
        Assert.False(fsm.IsTimerActive("Keepalive"));
        Assert.Equal(HoldTimerFsm.S.Idle, fsm.StateName);
    }

    [Fact]
    public void Keepalives_received_restart_the_hold_timer()
    {
        var fsm = ActorOfAsTestFSMRef<HoldTimerFsm, HoldTimerFsm.S, int>(() => new HoldTimerFsm(TestActor));
        fsm.Tell(new HoldTimerFsm.Start(), null);
        ExpectMsg("Idle->Established keepalives sent 0");
        for (var i = 0; i < 10; i++)
        {
            Advance(TimeSpan.FromSeconds(60));
            fsm.Tell(new HoldTimerFsm.KeepaliveReceived(), null);
        }
        ExpectNoMsg(TimeSpan.FromMilliseconds(30));
        Assert.Equal(20, fsm.StateData); // 600 s of 30 s keepalives
        Advance(TimeSpan.FromSeconds(90));
        ExpectMsg("Established->Idle keepalives sent 22"); // 630, 660; at 690 Hold (armed at 600) precedes the keepalive re-armed at 660
    }

    [Fact]
    public void Timers_are_cancelled_when_the_fsm_stops()
    {
        var fsm = ActorOfAsTestFSMRef<HoldTimerFsm, HoldTimerFsm.S, int>(() => new HoldTimerFsm(TestActor));
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        fsm.Tell(new HoldTimerFsm.Start(), null);
        ExpectMsg("Idle->Established keepalives sent 0");
        Watch(fsm);
        fsm.Tell(PoisonPill.Instance, null);
        ExpectTerminated(fsm);
        Advance(TimeSpan.FromSeconds(300));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void SetState_with_a_stop_reason_stops_the_fsm()
    {
        var fsm = ActorOfAsTestFSMRef<Lamp, Light, int>(() => new Lamp(TestActor));
        Watch(fsm);
        fsm.SetState(Light.Off, 5, null, new FSMBase.Failure("test"));
        ExpectMsg("terminated Failure(test) in Off with 5");
        ExpectTerminated(fsm);
        Assert.Throws<InvalidOperationException>(() => fsm.StateName);
    }
}

public sealed class FsmTimerSemanticsTests : TestKit.TestKit
{
    public enum S { A, B }

    public sealed class Timed : FSM<S, int>
    {
        public Timed(IActorRef probe)
        {
            StartWith(S.A, 0, TimeSpan.FromSeconds(2)); // first visit only; Stay() then uses When's 5 s
            When(S.A, e => e.FsmEvent switch
            {
                StateTimeout => GoTo(S.B),
                "arm" => ArmAndStay(),
                "tick" => Stay().Using(e.StateData + 1),
                "forever" => Stay().ForMax(Timeout.InfiniteTimeSpan),
                _ => null,
            }, TimeSpan.FromSeconds(5));
            When(S.B, e => e.FsmEvent switch
            {
                StateTimeout => GoTo(S.A),
                _ => null,
            });
            SetStateTimeout(S.B, TimeSpan.FromSeconds(1));
            OnTransition((from, to) => probe.Tell($"{from}->{to}"));
            Initialize();
        }

        private State<S, int> ArmAndStay()
        {
            StartSingleTimer("once", "tick", TimeSpan.FromSeconds(1));
            return Stay();
        }
    }

    [Fact]
    public void StartWith_timeout_applies_to_the_initial_state()
    {
        Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        Advance(TimeSpan.FromSeconds(1.9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(30));
        Advance(TimeSpan.FromSeconds(0.1));
        ExpectMsg("A->B");
    }

    [Fact]
    public void SetStateTimeout_sets_the_timeout_of_a_state()
    {
        Sys.ActorOf(Props.Create(() => new Timed(TestActor)));
        Advance(TimeSpan.FromSeconds(2));
        ExpectMsg("A->B");
        Advance(TimeSpan.FromSeconds(0.9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(30));
        Advance(TimeSpan.FromSeconds(0.1));
        ExpectMsg("B->A");
    }

    [Fact]
    public void ForMax_infinite_disables_the_state_timeout()
    {
        var fsm = ActorOfAsTestFSMRef<Timed, S, int>(() => new Timed(TestActor));
        fsm.Tell("forever", null);
        Assert.False(fsm.IsStateTimerActive);
        Advance(TimeSpan.FromHours(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(S.A, fsm.StateName);
    }

    [Fact]
    public void A_named_single_timer_is_inactive_after_it_fired()
    {
        var fsm = ActorOfAsTestFSMRef<Timed, S, int>(() => new Timed(TestActor));
        fsm.Tell("arm", null);
        Assert.True(fsm.IsTimerActive("once"));
        Advance(TimeSpan.FromSeconds(1));
        Assert.False(fsm.IsTimerActive("once"));
        Assert.Equal(1, fsm.StateData);
        // The named timer's message counts as a message: the 5 s state timeout restarted at t=1.
        Advance(TimeSpan.FromSeconds(4.5));
        Assert.Equal(S.A, fsm.StateName);
        Advance(TimeSpan.FromSeconds(0.5));
        ExpectMsg("A->B");
    }
}
