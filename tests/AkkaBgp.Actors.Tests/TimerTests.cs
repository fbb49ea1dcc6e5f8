using AkkaBgp.Actors.TestKit;

namespace AkkaBgp.Actors.Tests;

public sealed class TimerTests : TestKit.TestKit
{
    private sealed record Arm(object Key, object Message, TimeSpan Delay);
    private sealed record ArmPeriodic(object Key, object Message, TimeSpan Interval);
    private sealed record CancelKey(object Key);
    private sealed record IsActive(object Key);

    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public TimerActor(IActorRef probe)
        {
            Receive<Arm>(a => Timers.StartSingleTimer(a.Key, a.Message, a.Delay));
            Receive<ArmPeriodic>(a => Timers.StartPeriodicTimer(a.Key, a.Message, a.Interval));
            Receive<CancelKey>(c => Timers.Cancel(c.Key));
            Receive<IsActive>(q => Sender.Tell(Timers.IsTimerActive(q.Key)));
            Receive<string>(s => s == "crash", _ => throw new InvalidOperationException("crash"));
            Receive<string>(s => probe.Tell(s));
        }
    }

    private IActorRef NewTimerActor() => Sys.ActorOf(Props.Create(() => new TimerActor(TestActor)));

    [Fact]
    public void Single_timer_fires_once_and_is_then_inactive()
    {
        var actor = NewTimerActor();
        actor.Tell(new Arm("k", "fired", TimeSpan.FromSeconds(5)));
        actor.Tell(new IsActive("k"), TestActor);
        Assert.True(ExpectMsg<bool>());
        Advance(TimeSpan.FromSeconds(5));
        ExpectMsg("fired");
        actor.Tell(new IsActive("k"), TestActor);
        Assert.False(ExpectMsg<bool>());
        Advance(TimeSpan.FromSeconds(60));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Cancelled_timer_never_fires()
    {
        var actor = NewTimerActor();
        actor.Tell(new Arm("k", "fired", TimeSpan.FromSeconds(5)));
        actor.Tell(new CancelKey("k"));
        actor.Tell(new IsActive("k"), TestActor);
        Assert.False(ExpectMsg<bool>());
        Advance(TimeSpan.FromSeconds(30));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Restarting_a_key_replaces_the_old_timer()
    {
        var actor = NewTimerActor();
        actor.Tell(new Arm("k", "old", TimeSpan.FromSeconds(5)));
        Advance(TimeSpan.FromSeconds(3));
        actor.Tell(new Arm("k", "new", TimeSpan.FromSeconds(5)));
        Advance(TimeSpan.FromSeconds(4));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("new");
        Advance(TimeSpan.FromSeconds(30));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Periodic_timer_fires_once_per_period_covered()
    {
        var actor = NewTimerActor();
        actor.Tell(new ArmPeriodic("tick", "tick", TimeSpan.FromSeconds(30)));
        Advance(TimeSpan.FromSeconds(95));
        ExpectMsg("tick");
        ExpectMsg("tick");
        ExpectMsg("tick");
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        actor.Tell(new CancelKey("tick"));
        Advance(TimeSpan.FromSeconds(300));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Timers_do_not_survive_a_restart()
    {
        var actor = NewTimerActor();
        actor.Tell(new Arm("k", "fired", TimeSpan.FromSeconds(5)));
        actor.Tell("crash");
        actor.Tell(new IsActive("k"), TestActor);
        Assert.False(ExpectMsg<bool>());
        Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }
}

/// <summary>
/// Stale timer messages that are already in the mailbox. The actor drives an unbound virtual
/// clock from inside its own handler, so the fired message is queued before it cancels or
/// restarts the timer: the generation check must drop it.
/// </summary>
public sealed class StaleTimerMessageTests : TestKit.TestKit
{
    public StaleTimerMessageTests() : base(new ActorSystemOptions { SchedulerFactory = _ => new TestScheduler() })
    {
    }

    private sealed class Racer : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public Racer(IActorRef probe)
        {
            var clock = (TestScheduler)Context.System.Scheduler;
            Receive<string>(s => s == "cancel-after-fire", _ =>
            {
                Timers.StartSingleTimer("k", "old", TimeSpan.FromSeconds(1));
                clock.Advance(TimeSpan.FromSeconds(1)); // the timer message is now queued behind us
                Timers.Cancel("k");
                Self.Tell("done");
            });
            Receive<string>(s => s == "restart-after-fire", _ =>
            {
                Timers.StartSingleTimer("k", "old", TimeSpan.FromSeconds(1));
                clock.Advance(TimeSpan.FromSeconds(1));
                Timers.StartSingleTimer("k", "new", TimeSpan.FromSeconds(1));
                clock.Advance(TimeSpan.FromSeconds(1));
            });
            Receive<string>(s => probe.Tell(s));
        }
    }

    [Fact]
    public void A_cancelled_timer_whose_message_is_already_queued_is_not_delivered()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Racer(TestActor)));
        actor.Tell("cancel-after-fire");
        ExpectMsg("done");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_restarted_timer_delivers_only_the_new_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Racer(TestActor)));
        actor.Tell("restart-after-fire");
        ExpectMsg("new");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
