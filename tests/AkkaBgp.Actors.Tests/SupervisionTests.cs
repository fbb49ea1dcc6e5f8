namespace AkkaBgp.Actors.Tests;

public sealed class SupervisionTests : TestKit.TestKit
{
    private sealed class Fail(Exception cause)
    {
        public Exception Cause { get; } = cause;
    }

    /// <summary>Counts messages in its own state; reports lifecycle hooks to the probe.</summary>
    private sealed class Worker : ReceiveActor
    {
        private readonly IActorRef _probe;
        private int _count;

        public Worker(IActorRef probe)
        {
            _probe = probe;
            probe.Tell("created");
            Receive<Fail>(f => throw f.Cause);
            Receive<string>(s => s == "count", _ => Sender.Tell(++_count));
            Receive<string>(s => s == "self", _ => Sender.Tell(Self));
        }

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"pre-restart {reason.Message} {message?.GetType().Name}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"post-restart {reason.Message}");
            base.PostRestart(reason);
        }

        protected override void PostStop() => _probe.Tell("post-stop");
    }

    private sealed class Supervisor : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Supervisor(SupervisorStrategy strategy, Props child)
        {
            _strategy = strategy;
            var worker = Context.ActorOf(child, "worker");
            ReceiveAny(m => worker.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    private IActorRef NewSupervised(SupervisorStrategy strategy, string name = "sup")
    {
        var probe = TestActor;
        var sup = Sys.ActorOf(Props.Create(() => new Supervisor(strategy, Props.Create(() => new Worker(probe)))), name);
        ExpectMsg("created");
        return sup;
    }

    private IActorRef WorkerRef(IActorRef sup)
    {
        sup.Tell("self", TestActor);
        return ExpectMsg<IActorRef>();
    }

    [Fact]
    public void Default_strategy_restarts_keeping_the_ref_and_the_mailbox()
    {
        var sup = NewSupervised(SupervisorStrategy.DefaultStrategy);
        var before = WorkerRef(sup);
        sup.Tell("count", TestActor);
        ExpectMsg(1);
        // Everything queued behind the failing message survives the restart.
        sup.Tell(new Fail(new InvalidOperationException("boom")));
        for (var i = 0; i < 5; i++) sup.Tell("count", TestActor);
        ExpectMsg("pre-restart boom Fail");
        ExpectMsg("post-stop");
        ExpectMsg("created");
        ExpectMsg("post-restart boom");
        for (var i = 1; i <= 5; i++) ExpectMsg(i); // fresh instance state, no message lost
        Assert.Same(before, WorkerRef(sup));
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        var sup = NewSupervised(new OneForOneStrategy(_ => Directive.Resume));
        sup.Tell("count", TestActor);
        ExpectMsg(1);
        sup.Tell(new Fail(new InvalidOperationException("x")));
        sup.Tell("count", TestActor);
        ExpectMsg(2);
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        var sup = NewSupervised(SupervisorStrategy.StoppingStrategy);
        var worker = WorkerRef(sup);
        Watch(worker);
        sup.Tell(new Fail(new InvalidOperationException("x")));
        ExpectMsg("post-stop");
        ExpectTerminated(worker);
    }

    [Fact]
    public void Decider_chooses_per_exception_type()
    {
        var sup = NewSupervised(new OneForOneStrategy(ex => ex is ArgumentException ? Directive.Resume : Directive.Stop));
        var worker = WorkerRef(sup);
        Watch(worker);
        sup.Tell(new Fail(new ArgumentException("a")));
        sup.Tell("count", TestActor);
        ExpectMsg(1);
        sup.Tell(new Fail(new InvalidOperationException("b")));
        ExpectMsg("post-stop");
        ExpectTerminated(worker);
    }

    [Fact]
    public void Too_many_restarts_within_the_window_stop_the_child()
    {
        var sup = NewSupervised(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart));
        var worker = WorkerRef(sup);
        Watch(worker);
        for (var i = 0; i < 2; i++)
        {
            sup.Tell(new Fail(new InvalidOperationException("r" + i)));
            ExpectMsg($"pre-restart r{i} Fail");
            ExpectMsg("post-stop");
            ExpectMsg("created");
            ExpectMsg($"post-restart r{i}");
        }
        sup.Tell(new Fail(new InvalidOperationException("third")));
        ExpectMsg("post-stop");
        ExpectTerminated(worker);
    }

    [Fact]
    public void The_restart_window_resets_when_virtual_time_passes()
    {
        var sup = NewSupervised(new OneForOneStrategy(1, TimeSpan.FromSeconds(10), _ => Directive.Restart));
        sup.Tell(new Fail(new InvalidOperationException("a")));
        ExpectMsg("pre-restart a Fail");
        ExpectMsg("post-stop");
        ExpectMsg("created");
        ExpectMsg("post-restart a");
        Advance(TimeSpan.FromSeconds(11));
        sup.Tell(new Fail(new InvalidOperationException("b")));
        ExpectMsg("pre-restart b Fail");
        ExpectMsg("post-stop");
        ExpectMsg("created");
        ExpectMsg("post-restart b");
    }

    [Fact]
    public void Zero_retries_means_stop_on_first_failure()
    {
        var sup = NewSupervised(new OneForOneStrategy(0, null, _ => Directive.Restart));
        var worker = WorkerRef(sup);
        Watch(worker);
        sup.Tell(new Fail(new InvalidOperationException("x")));
        ExpectMsg("post-stop");
        ExpectTerminated(worker);
    }

    private sealed class Middle : ReceiveActor
    {
        public Middle(IActorRef probe)
        {
            var worker = Context.ActorOf(Props.Create(() => new Worker(probe)), "worker");
            ReceiveAny(m => worker.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

        protected override void PostStop() => Context.Parent.Tell("middle stopped");
    }

    [Fact]
    public void Escalate_fails_the_parent_which_its_own_supervisor_handles()
    {
        var probe = TestActor;
        var top = Sys.ActorOf(Props.Create(() =>
            new Supervisor(SupervisorStrategy.StoppingStrategy, Props.Create(() => new Middle(probe)))));
        ExpectMsg("created");
        top.Tell("self", TestActor);
        var worker = ExpectMsg<IActorRef>();
        Watch(worker);
        top.Tell(new Fail(new InvalidOperationException("deep")));
        ExpectMsg("post-stop");
        ExpectTerminated(worker);
    }

    private sealed class FailingCtor : ReceiveActor
    {
        public FailingCtor() => throw new InvalidOperationException("ctor");
    }

    [Fact]
    public void Constructor_failure_stops_the_actor_with_the_default_strategy()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingCtor()));
        Watch(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public void Props_supervisor_strategy_overrides_the_actors_own()
    {
        var probe = TestActor;
        var props = Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(probe))))
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Resume));
        var sup = Sys.ActorOf(props);
        ExpectMsg("created");
        sup.Tell("count", TestActor);
        ExpectMsg(1);
        sup.Tell(new Fail(new InvalidOperationException("x")));
        sup.Tell("count", TestActor);
        ExpectMsg(2);
    }

    [Fact]
    public void Default_decider_matches_Akka()
    {
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException(null, "x", null)));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException("x")));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(ActorRefs.Nobody)));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new IOException("x")));
    }
}

public sealed class EscalationTests : TestKit.TestKit
{
    private sealed record Crash(string Why);

    private sealed class Leaf : ReceiveActor
    {
        private int _count;

        public Leaf(IActorRef probe)
        {
            Receive<Crash>(c => throw new InvalidOperationException(c.Why));
            Receive<string>(s => s == "count", _ => Sender.Tell(++_count));
        }

        protected override void PostRestart(Exception reason) => Context.System.EventStream.Publish("leaf restarted: " + reason.Message);
    }

    /// <summary>Escalates its child's failures; keeps its children across its own restart.</summary>
    private sealed class Middle : ReceiveActor
    {
        public Middle(IActorRef probe)
        {
            // A child kept across our restart still holds its name: reuse it.
            var leaf = Context.Child("leaf") is var kept && !kept.IsNobody()
                ? kept
                : Context.ActorOf(Props.Create(() => new Leaf(probe)), "leaf");
            ReceiveAny(m => leaf.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

        protected override void PreRestart(Exception reason, object? message) { }
    }

    private sealed class Top : ReceiveActor
    {
        private readonly Directive _directive;

        public Top(Directive directive, IActorRef probe)
        {
            _directive = directive;
            var middle = Context.ActorOf(Props.Create(() => new Middle(probe)), "middle");
            ReceiveAny(m => middle.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => _directive);
    }

    [Fact]
    public void Resuming_the_escalating_parent_resumes_the_failed_child()
    {
        var top = Sys.ActorOf(Props.Create(() => new Top(Directive.Resume, TestActor)));
        top.Tell("count", TestActor);
        ExpectMsg(1);
        top.Tell(new Crash("x"));
        top.Tell("count", TestActor);
        ExpectMsg(2); // child kept its state and is processing again
    }

    [Fact]
    public void Restarting_a_parent_restarts_the_children_it_kept()
    {
        Sys.EventStream.Subscribe<string>(TestActor);
        var top = Sys.ActorOf(Props.Create(() => new Top(Directive.Restart, TestActor)));
        top.Tell("count", TestActor);
        ExpectMsg(1);
        top.Tell(new Crash("deep"));
        ExpectMsg("leaf restarted: deep");
        top.Tell("count", TestActor);
        ExpectMsg(1); // fresh leaf instance, same ref, still reachable
    }
}
