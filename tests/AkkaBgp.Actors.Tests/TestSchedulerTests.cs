using AkkaBgp.Actors.TestKit;

namespace AkkaBgp.Actors.Tests;

public sealed class TestSchedulerTests : TestKit.TestKit
{
    [Fact]
    public void Time_moves_only_on_Advance()
    {
        var start = Scheduler.Now;
        Assert.Equal(TimeSpan.Zero, Scheduler.MonotonicClock);
        Scheduler.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(start + TimeSpan.FromSeconds(90), Scheduler.Now);
        Assert.Equal(TimeSpan.FromSeconds(90), Scheduler.MonotonicClock);
    }

    [Fact]
    public void Due_messages_fire_in_time_order_with_periodic_ones_interleaved()
    {
        Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(25), TestActor, "once@25", null);
        Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TestActor, "tick", null);
        Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(5), TestActor, "once@5", null);
        Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(10), TestActor, "once@10", null);
        Advance(TimeSpan.FromSeconds(30));
        // Same due time: scheduling order (the periodic tick was scheduled before once@10).
        Assert.Equal(new[] { "once@5", "tick", "once@10", "tick", "once@25", "tick" }, ReceiveN(6).Cast<string>());
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Periodic_work_fires_once_for_each_period_covered()
    {
        Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TestActor, "keepalive", null);
        Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(3, ReceiveN(3).Count);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromSeconds(29));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("keepalive");
    }

    [Fact]
    public void Cancelled_work_never_fires()
    {
        var once = Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), TestActor, "once", null);
        var periodic = Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TestActor, "tick", null);
        var action = Scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => TestActor.Tell("action"));
        var aliased = Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromSeconds(1), TestActor, "aliased", null);
        var aliasedRepeat = Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TestActor, "r", null);
        once.Cancel();
        action.Cancel();
        aliased.Cancel();
        aliasedRepeat.Cancel();
        Advance(TimeSpan.FromSeconds(2));
        ExpectMsg("tick");
        ExpectMsg("tick");
        periodic.Cancel();
        Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.True(once.IsCancellationRequested);
    }

    private sealed class Rearming : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public Rearming(IActorRef probe)
        {
            Receive<string>(s => s == "start", _ => Timers.StartSingleTimer("k", "fire", TimeSpan.FromSeconds(30)));
            Receive<string>(s => s == "fire", _ =>
            {
                probe.Tell(Context.System.Scheduler.MonotonicClock);
                Timers.StartSingleTimer("k", "fire", TimeSpan.FromSeconds(30));
            });
        }
    }

    [Fact]
    public void A_timer_rearmed_by_its_own_message_fires_again_within_the_same_Advance()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Rearming(TestActor)));
        actor.Tell("start"); // no wait needed: Advance first lets the actor arm its timer
        Advance(TimeSpan.FromSeconds(95));
        Assert.Equal(TimeSpan.FromSeconds(30), ExpectMsg<TimeSpan>());
        Assert.Equal(TimeSpan.FromSeconds(60), ExpectMsg<TimeSpan>());
        Assert.Equal(TimeSpan.FromSeconds(90), ExpectMsg<TimeSpan>());
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    private sealed class Relay(IActorRef next, Action? onMessage = null) : ReceiveActor
    {
        protected override void PreStart() => Become(() => ReceiveAny(m =>
        {
            onMessage?.Invoke();
            next.Tell(m);
        }));
    }

    [Fact]
    public void Due_messages_to_different_actors_are_handled_in_time_order()
    {
        var x = Sys.ActorOf(Props.Create(() => new Relay(TestActor, null)));
        var y = Sys.ActorOf(Props.Create(() => new Relay(TestActor, null)));
        for (var i = 10; i >= 1; i--)
            Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(i), i % 2 == 0 ? x : y, i, null);
        Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 10).Cast<object>(), ReceiveN(10));
    }

    [Fact]
    public void When_Advance_returns_chains_of_actors_triggered_by_timers_have_finished()
    {
        var hits = 0;
        IActorRef last = TestActor;
        for (var i = 0; i < 20; i++)
        {
            var next = last;
            last = Sys.ActorOf(Props.Create(() => new Relay(next, () => Interlocked.Increment(ref hits))));
        }
        Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), last, "hop", null);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(60, Volatile.Read(ref hits)); // no waiting: all 3 x 20 hops already happened
        Assert.Equal(3, ReceiveN(3).Count);
    }

    [Fact]
    public void Unbound_scheduler_runs_actions_in_order()
    {
        var scheduler = new TestScheduler();
        var log = new List<string>();
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => log.Add("b"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => log.Add("a"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => log.Add("c"));
        scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { "a" }, log);
        scheduler.AdvanceTo(scheduler.Now + TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { "a", "b", "c" }, log);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Advance(TimeSpan.FromSeconds(-1)));
    }
}

public sealed class RealSchedulerTests : TestKit.TestKit
{
    public RealSchedulerTests() : base(virtualTime: false) { }

    [Fact]
    public void Real_scheduler_delivers_once_and_repeatedly_and_honours_cancel()
    {
        Assert.Throws<InvalidOperationException>(() => Scheduler);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(10), TestActor, "once", null);
        ExpectMsg("once");
        var repeated = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5), TestActor, "tick", null);
        ExpectMsg("tick");
        ExpectMsg("tick");
        repeated.Cancel();
        while (ReceiveOne(TimeSpan.FromMilliseconds(50)) is not null) { } // ticks already in flight
        var cancelled = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), TestActor, "never", null);
        cancelled.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}

public sealed class BoundSchedulerMisuseTests : TestKit.TestKit
{
    private sealed class Advancer(IActorRef probe) : ReceiveActor
    {
        protected override void PreStart() => Become(() => ReceiveAny(_ =>
        {
            try
            {
                ((TestScheduler)Context.System.Scheduler).Advance(TimeSpan.FromSeconds(1));
                probe.Tell("advanced");
            }
            catch (InvalidOperationException)
            {
                probe.Tell("refused");
            }
        }));
    }

    [Fact]
    public void Advance_of_a_bound_scheduler_is_refused_inside_an_actor()
    {
        Sys.ActorOf(Props.Create(() => new Advancer(TestActor))).Tell("go");
        ExpectMsg("refused");
    }
}
