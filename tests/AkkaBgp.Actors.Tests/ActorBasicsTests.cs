using AkkaBgp.Actors.TestKit;

namespace AkkaBgp.Actors.Tests;

public sealed class ActorBasicsTests : TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    private sealed class Typed : ReceiveActor
    {
        public Typed()
        {
            Receive<int>(i => i > 100, i => Sender.Tell("big " + i));
            Receive<int>(i => Sender.Tell("int " + i));
            Receive<string>(s => s == "skip" ? false : Reply("str " + s));
        }

        private bool Reply(string s)
        {
            Sender.Tell(s);
            return true;
        }
    }

    private sealed class Switcher : ReceiveActor
    {
        public Switcher()
        {
            Receive<string>(s => s == "swap", _ => BecomeStacked(Swapped));
            Receive<string>(s => Sender.Tell("normal " + s));
        }

        private void Swapped()
        {
            Receive<string>(s => s == "back", _ => UnbecomeStacked());
            Receive<string>(s => Sender.Tell("swapped " + s));
        }
    }

    private sealed class Untyped : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is string s) Sender.Tell(s.ToUpperInvariant());
            else Unhandled(message);
        }
    }

    private sealed class Lifecycle(IActorRef probe) : ReceiveActor
    {
        protected override void PreStart() => probe.Tell("pre-start");

        protected override void PostStop() => probe.Tell("post-stop");
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<string>(s => s.StartsWith("make ", StringComparison.Ordinal), s => Context.ActorOf(Props.Create(() => new Echo()), s[5..]));
            Receive<string>(s => s == "children", _ => Sender.Tell(Context.Children.Select(c => c.Path.Name).OrderBy(n => n).ToArray()));
            Receive<string>(s => s.StartsWith("child ", StringComparison.Ordinal), s => Sender.Tell(Context.Child(s[6..])));
            Receive<string>(s => s == "parent", _ => Sender.Tell(Context.Parent));
        }
    }

    [Fact]
    public void Tell_delivers_with_sender_and_reply_reaches_test_actor()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        echo.Tell("hello", TestActor);
        Assert.Equal("hello", ExpectMsg<string>());
        Assert.Same(echo, LastSender);
        Assert.Equal("akka://test/user/echo", echo.Path.ToString());
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        var forwarder = Sys.ActorOf(Props.Create(() => new ForwardTo(echo)));
        forwarder.Tell("via", TestActor);
        ExpectMsg("via");
        Assert.Same(echo, LastSender);
    }

    private sealed class ForwardTo : ReceiveActor
    {
        public ForwardTo(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }

    [Fact]
    public void Receive_handlers_match_in_order_with_predicates_and_funcs()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Typed()));
        actor.Tell(5, TestActor);
        actor.Tell(500, TestActor);
        actor.Tell("x", TestActor);
        ExpectMsg("int 5");
        ExpectMsg("big 500");
        ExpectMsg("str x");
    }

    [Fact]
    public void Unhandled_messages_are_published_on_the_event_stream()
    {
        Sys.EventStream.Subscribe<UnhandledMessage>(TestActor);
        var actor = Sys.ActorOf(Props.Create(() => new Typed()));
        actor.Tell("skip", TestActor);
        actor.Tell(3.5, TestActor);
        var first = ExpectMsg<UnhandledMessage>();
        Assert.Equal("skip", first.Message);
        Assert.Same(actor, first.Recipient);
        Assert.Same(TestActor, first.Sender);
        Assert.Equal(3.5, ExpectMsg<UnhandledMessage>().Message);
        ExpectNoMsg();
    }

    [Fact]
    public void UntypedActor_handles_and_reports_unhandled()
    {
        Sys.EventStream.Subscribe<UnhandledMessage>(TestActor);
        var actor = Sys.ActorOf(Props.Create(() => new Untyped()));
        actor.Tell("abc", TestActor);
        ExpectMsg("ABC");
        actor.Tell(42, TestActor);
        Assert.Equal(42, ExpectMsg<UnhandledMessage>().Message);
        ExpectNoMsg(); // reported exactly once
    }

    [Fact]
    public void BecomeStacked_and_UnbecomeStacked_switch_behaviour_from_the_next_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Switcher()));
        actor.Tell("a", TestActor);
        actor.Tell("swap", TestActor);
        actor.Tell("b", TestActor);
        actor.Tell("back", TestActor);
        actor.Tell("c", TestActor);
        ExpectMsg("normal a");
        ExpectMsg("swapped b");
        ExpectMsg("normal c");
    }

    [Fact]
    public void Lifecycle_hooks_run_on_start_and_stop()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Lifecycle(TestActor)));
        ExpectMsg("pre-start");
        actor.Tell(PoisonPill.Instance);
        ExpectMsg("post-stop");
    }

    [Fact]
    public void Messages_queued_behind_a_PoisonPill_go_to_dead_letters()
    {
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        actor.Tell("one", TestActor);
        actor.Tell(PoisonPill.Instance);
        actor.Tell("two", TestActor);
        ExpectMsg("one");
        var rest = ReceiveN(2);
        var dead = Assert.Single(rest.OfType<DeadLetter>());
        Assert.Equal("two", dead.Message);
        Assert.Same(actor, dead.Recipient);
        Assert.Same(actor, Assert.Single(rest.OfType<Terminated>()).ActorRef);
    }

    [Fact]
    public void Messages_to_a_stopped_actor_reach_DeadLetters()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        actor.Tell("late", TestActor);
        var dead = ExpectMsg<DeadLetter>();
        Assert.Equal("late", dead.Message);
        Assert.Same(TestActor, dead.Sender);
    }

    [Fact]
    public void Replies_to_no_sender_go_to_dead_letters_without_throwing()
    {
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        echo.Tell("orphan");
        Assert.Equal("orphan", ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Children_are_named_found_and_unique()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent()), "parent");
        parent.Tell("make a", TestActor);
        parent.Tell("make b", TestActor);
        parent.Tell("children", TestActor);
        Assert.Equal(new[] { "a", "b" }, ExpectMsg<string[]>());
        parent.Tell("child a", TestActor);
        Assert.Equal("akka://test/user/parent/a", ExpectMsg<IActorRef>().Path.ToString());
        parent.Tell("child zz", TestActor);
        Assert.Same(ActorRefs.Nobody, ExpectMsg<IActorRef>());
        parent.Tell("parent", TestActor);
        Assert.Equal("akka://test/user", ExpectMsg<IActorRef>().Path.ToString());
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Echo()), "parent"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Echo()), "a/b"));
    }

    [Fact]
    public void Actors_cannot_be_created_with_new()
    {
        Assert.Throws<ActorInitializationException>(() => new Echo());
    }

    [Fact]
    public void Stopping_a_parent_stops_children_first()
    {
        var parent = Sys.ActorOf(Props.Create(() => new LifecycleParent(TestActor)));
        Assert.Equal(new[] { "child pre-start", "pre-start" }, ReceiveN(2).Cast<string>().Order().ToArray());
        Sys.Stop(parent);
        ExpectMsg("post-stop");
        ExpectMsg("parent post-stop");
    }

    private sealed class LifecycleParent(IActorRef probe) : ReceiveActor
    {
        protected override void PreStart()
        {
            Context.ActorOf(Props.Create(() => new Lifecycle(probe)));
            probe.Tell("child pre-start");
        }

        protected override void PostStop() => probe.Tell("parent post-stop");
    }

    [Fact]
    public async Task Ask_returns_the_reply()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        Assert.Equal("ping", await echo.Ask<string>("ping", TimeSpan.FromSeconds(3)));
        Assert.Equal(7, await echo.Ask<int>(7));
    }

    [Fact]
    public async Task Ask_times_out_with_AskTimeoutException()
    {
        var silent = Sys.ActorOf(Props.Create(() => new Silent()));
        await Assert.ThrowsAsync<AskTimeoutException>(() => silent.Ask<string>("hello?", TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task Ask_fails_with_the_cause_of_Status_Failure_and_on_wrong_type()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => echo.Ask<string>(new Status.Failure(new InvalidOperationException("boom"))));
        Assert.Equal("boom", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => echo.Ask<string>(42));
    }

    [Fact]
    public void Ask_rejects_infinite_timeouts()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = echo.Ask<string>("x", Timeout.InfiniteTimeSpan); });
        Assert.Throws<ArgumentException>(() => ActorSystem.Create("bad", new ActorSystemOptions { AskTimeout = Timeout.InfiniteTimeSpan }));
    }

    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    [Fact]
    public void Kill_stops_the_actor_through_its_supervisor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(actor);
        actor.Tell(Kill.Instance);
        ExpectTerminated(actor);
    }

    [Fact]
    public async Task Terminate_stops_everything_and_completes_WhenTerminated()
    {
        var system = ActorSystem.Create("other");
        var probe = CreateTestProbe();
        system.ActorOf(Props.Create(() => new Lifecycle(probe.Ref)));
        probe.ExpectMsg("pre-start");
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
        probe.ExpectMsg("post-stop");
        Assert.True(system.WhenTerminated.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => system.ActorOf(Props.Create(() => new Echo())));
    }
}

public sealed class ActorSemanticsTests : TestKit.TestKit
{
    private sealed class StartsSwapped : ReceiveActor
    {
        public StartsSwapped()
        {
            Receive<string>(s => Sender.Tell("initial " + s));
            Become(() => Receive<string>(s => Sender.Tell("swapped " + s)));
        }
    }

    [Fact]
    public void Become_may_be_called_from_the_constructor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new StartsSwapped()));
        actor.Tell("x", TestActor);
        ExpectMsg("swapped x");
    }

    private sealed class StopsItself(IActorRef probe) : ReceiveActor
    {
        private bool _stopped;

        protected override void PreStart() => Become(() => Receive<string>(_ =>
        {
            Context.Stop(Self);
            probe.Tell(_stopped ? "post-stop ran inside the handler" : "handler finished first");
        }));

        protected override void PostStop()
        {
            _stopped = true;
            probe.Tell("post-stop");
        }
    }

    [Fact]
    public void Stopping_self_completes_the_current_message_first_and_drops_the_rest()
    {
        Sys.EventStream.Subscribe<DeadLetter>(TestActor);
        var actor = Sys.ActorOf(Props.Create(() => new StopsItself(TestActor)));
        actor.Tell("a", TestActor);
        actor.Tell("b", TestActor);
        ExpectMsg("handler finished first");
        ExpectMsg("post-stop");
        Assert.Equal("b", ExpectMsg<DeadLetter>().Message);
    }

    private sealed class Piper : ReceiveActor
    {
        public Piper(IActorRef probe)
        {
            Receive<TaskCompletionSource<int>>(tcs => tcs.Task.PipeTo(probe, Self, success: i => "result " + i));
            Receive<Task>(t => t.PipeTo(probe));
        }
    }

    [Fact]
    public void PipeTo_delivers_results_and_failures_as_messages()
    {
        var piper = Sys.ActorOf(Props.Create(() => new Piper(TestActor)));
        var tcs = new TaskCompletionSource<int>();
        piper.Tell(tcs);
        tcs.SetResult(7);
        ExpectMsg("result 7");
        Assert.Same(piper, LastSender);
        piper.Tell(Task.FromException(new IOException("refused")));
        Assert.IsType<IOException>(ExpectMsg<Status.Failure>().Cause);
        piper.Tell(Task.CompletedTask);
        ExpectMsg<Status.Success>();
    }

    private sealed class Escalating : ReceiveActor
    {
        public Escalating() => ReceiveAny(_ => throw new InvalidOperationException("fatal"));
    }

    [Fact]
    public async Task Escalation_to_the_guardian_terminates_the_system()
    {
        var system = ActorSystem.Create("escalate", new ActorSystemOptions
        {
            GuardianSupervisorStrategy = new OneForOneStrategy(_ => Directive.Escalate),
        });
        system.ActorOf(Props.Create(() => new Escalating())).Tell("boom", null);
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
