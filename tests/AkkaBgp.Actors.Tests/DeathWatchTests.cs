namespace AkkaBgp.Actors.Tests;

public sealed class DeathWatchTests : TestKit.TestKit
{
    private sealed record WatchIt(IActorRef Subject);
    private sealed record UnwatchIt(IActorRef Subject);

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef probe)
        {
            Receive<WatchIt>(w => { Context.Watch(w.Subject); Context.Watch(w.Subject); probe.Tell("watching"); });
            Receive<UnwatchIt>(w => { Context.Unwatch(w.Subject); probe.Tell("unwatched"); });
            Receive<Terminated>(t => probe.Tell(t));
        }
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    private sealed class Careless : ReceiveActor
    {
        public Careless(IActorRef subject, IActorRef probe)
        {
            Context.Watch(subject);
            Receive<string>(s => probe.Tell(s));
        }

        protected override void PostStop() => Context.System.EventStream.Publish("careless stopped");
    }

    private IActorRef NewIdle() => Sys.ActorOf(Props.Create(() => new Idle()));

    [Fact]
    public void Terminated_arrives_exactly_once_even_when_watched_twice()
    {
        var subject = NewIdle();
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject));
        ExpectMsg("watching");
        subject.Tell(PoisonPill.Instance);
        subject.Tell(PoisonPill.Instance);
        Sys.Stop(subject);
        var t = ExpectMsg<Terminated>();
        Assert.Same(subject, t.ActorRef);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Watching_an_already_dead_actor_delivers_Terminated_at_once()
    {
        var subject = NewIdle();
        Watch(subject);
        Sys.Stop(subject);
        ExpectTerminated(subject);
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject));
        ExpectMsg("watching");
        Assert.Same(subject, ExpectMsg<Terminated>().ActorRef);
        ExpectNoMsg();
    }

    [Fact]
    public void Unwatch_prevents_Terminated()
    {
        var subject = NewIdle();
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject));
        ExpectMsg("watching");
        watcher.Tell(new UnwatchIt(subject));
        ExpectMsg("unwatched");
        Sys.Stop(subject);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Many_watchers_each_get_one_Terminated()
    {
        var subject = NewIdle();
        var probes = Enumerable.Range(0, 10).Select(_ => CreateTestProbe()).ToList();
        foreach (var p in probes) p.Watch(subject);
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(subject));
        ExpectMsg("watching");
        Sys.Stop(subject);
        foreach (var p in probes)
        {
            p.ExpectTerminated(subject);
            p.ExpectNoMsg(TimeSpan.FromMilliseconds(20));
        }
        ExpectMsg<Terminated>();
    }

    [Fact]
    public void Unhandled_Terminated_is_a_death_pact()
    {
        var subject = NewIdle();
        var careless = Sys.ActorOf(Props.Create(() => new Careless(subject, TestActor)));
        careless.Tell("alive", TestActor);
        ExpectMsg("alive");
        Watch(careless);
        Sys.Stop(subject);
        ExpectTerminated(careless);
    }

    [Fact]
    public void Watching_Nobody_delivers_Terminated()
    {
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)));
        watcher.Tell(new WatchIt(ActorRefs.Nobody));
        ExpectMsg("watching");
        Assert.Same(ActorRefs.Nobody, ExpectMsg<Terminated>().ActorRef);
    }
}
