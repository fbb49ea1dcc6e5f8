namespace AkkaBgp.Actors.Tests;

public sealed class BackoffSupervisorTests : TestKit.TestKit
{
    private sealed class Flaky : ReceiveActor
    {
        public Flaky(IActorRef probe)
        {
            probe.Tell("started");
            Receive<string>(s => s == "crash", _ => throw new InvalidOperationException("crash"));
            Receive<string>(s => s == "quit", _ => Context.Stop(Self));
            Receive<string>(s => Sender.Tell("echo " + s));
        }
    }

    private IActorRef NewSupervisor(TimeSpan min, TimeSpan max, int retries = -1)
    {
        var probe = TestActor;
        var sup = Sys.ActorOf(BackoffSupervisor.Props(Props.Create(() => new Flaky(probe)), "flaky", min, max, 0.0, retries));
        ExpectMsg("started");
        return sup;
    }

    [Fact]
    public void Messages_are_forwarded_to_the_child()
    {
        var sup = NewSupervisor(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        sup.Tell("hi", TestActor);
        ExpectMsg("echo hi");
        sup.Tell(BackoffSupervisor.GetCurrentChild.Instance, TestActor);
        Assert.Equal("flaky", ExpectMsg<BackoffSupervisor.CurrentChild>().Ref!.Path.Name);
    }

    [Fact]
    public void A_crashing_child_is_restarted_after_exponentially_growing_delays()
    {
        var sup = NewSupervisor(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        sup.Tell("crash");
        Advance(TimeSpan.FromMilliseconds(999));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg("started");

        sup.Tell("crash");
        Advance(TimeSpan.FromMilliseconds(1999));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg("started");

        sup.Tell("crash"); // 4 s capped at max 3 s
        Advance(TimeSpan.FromMilliseconds(2999));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg("started");
        sup.Tell(BackoffSupervisor.GetRestartCount.Instance, TestActor);
        ExpectMsg(new BackoffSupervisor.RestartCount(3));
        sup.Tell("still here", TestActor);
        ExpectMsg("echo still here");
    }

    [Fact]
    public void The_restart_count_resets_after_a_stable_period()
    {
        var sup = NewSupervised();
        sup.Tell("crash");
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("started");
        Advance(TimeSpan.FromSeconds(1)); // child ran for minBackoff
        sup.Tell(BackoffSupervisor.GetRestartCount.Instance, TestActor);
        ExpectMsg(new BackoffSupervisor.RestartCount(0));
        sup.Tell("crash");
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("started");
    }

    private IActorRef NewSupervised() => NewSupervisor(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Fact]
    public void Gives_up_after_max_retries_and_stops_when_the_child_stops_itself()
    {
        var sup = NewSupervisor(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), retries: 1);
        Watch(sup);
        sup.Tell("crash");
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("started");
        sup.Tell("crash");
        ExpectTerminated(sup);

        var other = NewSupervised();
        Watch(other);
        other.Tell("quit");
        ExpectTerminated(other);
    }

    [Fact]
    public void Delay_formula_matches_Akka()
    {
        var min = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(60);
        Assert.Equal(TimeSpan.FromSeconds(1), BackoffSupervisor.CalculateDelay(0, min, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(8), BackoffSupervisor.CalculateDelay(3, min, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(60), BackoffSupervisor.CalculateDelay(40, min, max, 0));
        var jittered = BackoffSupervisor.CalculateDelay(2, min, max, 0.5);
        Assert.InRange(jittered, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6));
    }
}
