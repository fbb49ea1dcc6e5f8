namespace AkkaBgp.Actors.Tests;

public sealed class ExecutionTests
{
    private sealed class Exclusive(IActorRef probe, int expected) : ReceiveActor
    {
        private int _inside;
        private int _count;
        private int _overlaps;

        protected override void PreStart() => Become(() => Receive<int>(_ =>
        {
            if (Interlocked.Increment(ref _inside) != 1) _overlaps++;
            for (var i = 0; i < 50; i++) Thread.SpinWait(1); // widen the window an overlap would need
            Interlocked.Decrement(ref _inside);
            if (++_count == expected) probe.Tell(_overlaps);
        }));
    }

    [Fact]
    public async Task An_actor_processes_one_message_at_a_time_under_concurrent_senders()
    {
        using var system = ActorSystem.Create("exclusive");
        var result = new TaskCompletionSource<int>();
        var probe = system.ActorOf(Props.Create(() => new Completer(result)));
        const int senders = 4, each = 20_000;
        var actor = system.ActorOf(Props.Create(() => new Exclusive(probe, senders * each)));
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < each; i++) actor.Tell(i, null);
        })));
        Assert.Equal(0, await result.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    private sealed class Completer(TaskCompletionSource<int> result) : ReceiveActor
    {
        protected override void PreStart() => Become(() => Receive<int>(n => result.TrySetResult(n)));
    }

    private sealed class Recorder(TaskCompletionSource<List<int>> done, int expected) : ReceiveActor
    {
        private readonly List<int> _seen = new();

        protected override void PreStart() => Become(() => Receive<int>(i =>
        {
            _seen.Add(i);
            if (_seen.Count == expected) done.TrySetResult(_seen);
        }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(1000)]
    public async Task Messages_from_one_sender_arrive_in_order_for_any_throughput(int throughput)
    {
        using var system = ActorSystem.Create("order", new ActorSystemOptions { Throughput = throughput });
        var done = new TaskCompletionSource<List<int>>();
        var actor = system.ActorOf(Props.Create(() => new Recorder(done, 10_000)));
        for (var i = 0; i < 10_000; i++) actor.Tell(i, null);
        var seen = await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 10_000), seen);
    }
}
