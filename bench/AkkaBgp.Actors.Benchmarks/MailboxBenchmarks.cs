using System.Threading.Channels;
using AkkaBgp.Actors;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Actors.Benchmarks;

/// <summary>
/// Mailbox cost only: one preallocated message object, trivial handlers. Each benchmark
/// invocation moves <see cref="Messages"/> messages, so the reported time per operation is
/// the time per message (per hop for ping-pong). The Channel rows are the same shapes on
/// a plain <see cref="Channel{T}"/> so results can be read as ratios on a noisy machine.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class MailboxBenchmarks
{
    private const int Messages = 1_000_000;
    private const int InFlight = 1_000;
    private const int Producers = 8;

    private static readonly object Msg = new();

    private ActorSystem _system = null!;
    private IActorRef _counter = null!;
    private IActorRef _playerA = null!;
    private IActorRef _playerB = null!;
    private IActorRef _sink = null!;
    private IActorRef[] _producers = null!;
    private readonly ManualResetEventSlim _done = new();
    private CountdownEvent _balls = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        _counter = _system.ActorOf(Props.Create(() => new Counter(_done)), "counter");
        _balls = new CountdownEvent(1);
        var balls = _balls;
        _playerA = _system.ActorOf(Props.Create(() => new Player(balls)), "a");
        _playerB = _system.ActorOf(Props.Create(() => new Player(balls)), "b");
        _sink = _system.ActorOf(Props.Create(() => new Counter(_done)), "sink");
        var sink = _sink;
        _producers = Enumerable.Range(0, Producers)
            .Select(i => _system.ActorOf(Props.Create(() => new Producer(sink)), "producer-" + i))
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor one-way (1 producer thread -> 1 actor)")]
    public void OneWay()
    {
        _done.Reset();
        _counter.Tell(new Expect(Messages), null);
        for (var i = 0; i < Messages; i++) _counter.Tell(Msg, null);
        _done.Wait();
    }

    /// <summary>
    /// OneWay while another thread lists every mailbox depth each millisecond, far more often than a metrics
    /// scrape (every 10-60 s) would: reading the depth must not slow the producer or the actor.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Messages, Description = "actor one-way, mailbox depths read every 1 ms")]
    public void OneWayObserved()
    {
        using var observer = new Timer(_ => _system.GetMailboxDepths(), null, 0, 1);
        OneWay();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor ping-pong, 1 in flight (time = 1 hop)")]
    public void PingPong1() => PingPong(1);

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor ping-pong, 1000 in flight")]
    public void PingPong1000() => PingPong(InFlight);

    private void PingPong(int inFlight)
    {
        _balls.Reset(inFlight);
        var hops = Messages / inFlight;
        for (var i = 0; i < inFlight; i++)
        {
            var ball = new Ball { Remaining = hops };
            // Sender is the other player, so the receiver's reply bounces back.
            _playerA.Tell(ball, _playerB);
        }
        _balls.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor fan-in (8 producer actors -> 1 actor)")]
    public void FanIn()
    {
        _done.Reset();
        _sink.Tell(new Expect(Messages), null);
        var go = new Go(Messages / Producers);
        foreach (var p in _producers) p.Tell(go, null);
        _done.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "baseline Channel one-way (WaitToRead/TryRead)")]
    public void ChannelOneWay()
    {
        var channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = Task.Run(async () =>
        {
            var reader = channel.Reader;
            var count = 0;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out _))
                    if (++count == Messages) return;
        });
        var writer = channel.Writer;
        for (var i = 0; i < Messages; i++) writer.TryWrite(Msg);
        consumer.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages / 10, Description = "baseline Channel ping-pong, 1 in flight (time = 1 hop)")]
    public void ChannelPingPong1()
    {
        const int hops = Messages / 10;
        var toB = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var toA = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var b = Task.Run(async () =>
        {
            while (true)
            {
                var n = await toB.Reader.ReadAsync().ConfigureAwait(false);
                if (n <= 0) return;
                toA.Writer.TryWrite(n - 1);
            }
        });
        var a = Task.Run(async () =>
        {
            toB.Writer.TryWrite(hops - 1);
            while (true)
            {
                var n = await toA.Reader.ReadAsync().ConfigureAwait(false);
                if (n <= 0) { toB.Writer.TryWrite(0); return; }
                toB.Writer.TryWrite(n - 1);
            }
        });
        Task.WaitAll(a, b);
    }

    private sealed record Expect(int Count);

    private sealed record Go(int Count);

    private sealed class Ball
    {
        public int Remaining;
    }

    private sealed class Counter : ReceiveActor
    {
        private int _remaining;

        public Counter(ManualResetEventSlim done)
        {
            Receive<object>(m => m == Msg, _ =>
            {
                if (--_remaining == 0) done.Set();
            });
            Receive<Expect>(e => _remaining = e.Count);
        }
    }

    private sealed class Player : ReceiveActor
    {
        public Player(CountdownEvent balls) =>
            Receive<Ball>(ball =>
            {
                if (--ball.Remaining <= 0) balls.Signal();
                else Sender.Tell(ball, Self);
            });
    }

    private sealed class Producer : ReceiveActor
    {
        public Producer(IActorRef sink) =>
            Receive<Go>(go =>
            {
                for (var i = 0; i < go.Count; i++) sink.Tell(Msg, Self);
            });
    }
}
