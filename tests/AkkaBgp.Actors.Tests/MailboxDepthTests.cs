namespace AkkaBgp.Actors.Tests;

public sealed class MailboxDepthTests
{
    /// <summary>
    /// Holds its thread on "block" until the test opens the gate: the only way to make a real backlog.
    /// (A production actor must never block; this one stands for a slow handler.) The wait has a timeout
    /// so a failed test cannot pin a pool thread forever.
    /// </summary>
    private sealed class Blocker : ReceiveActor
    {
        public Blocker(TaskCompletionSource entered, ManualResetEventSlim gate, IActorRef? drained)
        {
            Receive<string>(m => m == "block", _ =>
            {
                entered.TrySetResult();
                gate.Wait(TimeSpan.FromSeconds(20));
            });
            Receive<int>(n =>
            {
                if (n == 0) drained?.Tell("drained");
            });
            Receive<Props>(p => Context.ActorOf(p, "child"));
        }
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    private sealed class Completer(TaskCompletionSource result) : ReceiveActor
    {
        protected override void PreStart() => Become(() => ReceiveAny(_ => result.TrySetResult()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(5_000)] // several ConcurrentQueue segments
    public async Task A_blocked_actor_with_N_queued_messages_reports_N_and_zero_once_drained(int n)
    {
        using var system = ActorSystem.Create("depth");
        using var gate = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completer = system.ActorOf(Props.Create(() => new Completer(drained)), "completer");
        var blocker = system.ActorOf(Props.Create(() => new Blocker(entered, gate, completer)), "blocker");
        try
        {
            blocker.Tell("block", null);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            // Counting down to 0, so the last one tells the completer the mailbox is empty.
            for (var i = n - 1; i >= 0; i--) blocker.Tell(i, null);

            var depths = system.GetMailboxDepths();
            var mine = Assert.Single(depths, d => d.Path.Name == "blocker");
            Assert.Equal(n, mine.Count);
            Assert.Equal(1, mine.Level);
            Assert.Same(blocker, mine.Actor);
            Assert.Equal("akka://depth/user/blocker", mine.Path.ToString());
            Assert.Equal(0, Assert.Single(depths, d => d.Path.Name == "completer").Count);
        }
        finally
        {
            gate.Set();
        }
        await drained.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Assert.Single(system.GetMailboxDepths(), d => d.Path.Name == "blocker").Count);
    }

    [Fact]
    public async Task Children_are_walked_with_their_level_and_the_filter_only_chooses_what_is_reported()
    {
        using var system = ActorSystem.Create("depth-tree");
        using var gate = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var top = system.ActorOf(Props.Create(() => new Idle()), "top");
        var parent = system.ActorOf(Props.Create(() => new Blocker(new TaskCompletionSource(), new ManualResetEventSlim(true), null)), "parent");
        // parent/child is itself a Blocker, so the grandchild path is parent/child/child.
        parent.Tell(Props.Create(() => new Blocker(entered, gate, null)), null);
        try
        {
            var child = await AwaitChild(system, "akka://depth-tree/user/parent/child");
            child.Tell(Props.Create(() => new Idle()), null);
            await AwaitChild(system, "akka://depth-tree/user/parent/child/child");
            child.Tell("block", null);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            for (var i = 1; i <= 3; i++) child.Tell(i, null);

            var all = system.GetMailboxDepths();
            Assert.Equal(
                ["akka://depth-tree/user/top", "akka://depth-tree/user/parent", "akka://depth-tree/user/parent/child", "akka://depth-tree/user/parent/child/child"],
                all.Select(d => d.Path.ToString()).ToArray());
            Assert.Equal([1, 1, 2, 3], all.Select(d => d.Level).ToArray());
            Assert.Equal(3, all.Single(d => d.Level == 2).Count);

            // Filtering out the parent still reaches its descendants.
            var busy = system.GetMailboxDepths(d => d.Count >= 2);
            Assert.Equal("akka://depth-tree/user/parent/child", Assert.Single(busy).Path.ToString());
            Assert.Equal(3, busy[0].Count);

            // A stopped actor leaves the listing.
            system.Stop(top);
            await AwaitGone(system, "akka://depth-tree/user/top");
        }
        finally
        {
            gate.Set();
        }
    }

    private static async Task<IActorRef> AwaitChild(ActorSystem system, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var d in system.GetMailboxDepths())
                if (d.Path.ToString() == path) return d.Actor;
            await Task.Delay(5);
        }
        throw new TimeoutException(path + " never appeared");
    }

    private static async Task AwaitGone(ActorSystem system, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (system.GetMailboxDepths().Any(d => d.Path.ToString() == path))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(path + " is still listed");
            await Task.Delay(5);
        }
    }
}
