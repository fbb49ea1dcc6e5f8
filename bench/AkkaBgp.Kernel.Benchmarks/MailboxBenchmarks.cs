using System.Threading.Channels;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Kernel.Benchmarks;

/// <summary>
/// The shapes of the stand-in kernel's bench/AkkaBgp.Actors.Benchmarks/MailboxBenchmarks.cs on Akka.NET
/// 1.5.75, each under every dispatcher of <see cref="BenchSystem.Dispatchers"/>, plus the speaker's own
/// questions: an FSM handling UPDATEs with and without re-arming a named HoldTimer, and Ask.
/// One invocation moves <see cref="Messages"/> messages and the reported time is per message (per hop
/// for ping-pong, per round trip for Ask). The Channel rows ignore the dispatcher: they run once per
/// dispatcher so that every group of rows has a baseline measured within about a minute of it.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class MailboxBenchmarks
{
    public const int Messages = 100_000;
    private const int InFlight = 1_000;
    private const int Producers = 8;
    // One Ask is two messages (the question and the answer).
    private const int Asks = Messages / 2;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    [ParamsSource(nameof(DispatcherNames))]
    public string Dispatcher { get; set; } = "default";

    public static IEnumerable<string> DispatcherNames => BenchSystem.Dispatchers;

    private ActorSystem _system = null!;
    private readonly ManualResetEventSlim _done = new();
    private CountdownEvent _balls = null!;
    private IActorRef _counter = null!;
    private IActorRef _playerA = null!;
    private IActorRef _playerB = null!;
    private IActorRef _sink = null!;
    private IActorRef[] _producers = null!;
    private IActorRef _echo = null!;
    private IActorRef _fsmNone = null!;
    private IActorRef _fsmRearm = null!;
    private IActorRef _fsmNoteTime = null!;
    private int _askTimeouts;

    [GlobalSetup]
    public void Setup()
    {
        _system = BenchSystem.Create("bench");
        var d = Dispatcher;
        _counter = _system.ActorOf(Counter.Props(_done).On(d), "counter");
        _balls = new CountdownEvent(1);
        _playerA = _system.ActorOf(Player.Props(_balls).On(d), "a");
        _playerB = _system.ActorOf(Player.Props(_balls).On(d), "b");
        _sink = _system.ActorOf(Counter.Props(_done).On(d), "sink");
        _producers = Enumerable.Range(0, Producers)
            .Select(i => _system.ActorOf(Producer.Props(_sink).On(d), "producer-" + i))
            .ToArray();
        _echo = _system.ActorOf(Echo.Props().On(d), "echo");
        _fsmNone = _system.ActorOf(HoldFsm.Props(HoldMode.None, _done).On(d), "fsm-none");
        _fsmRearm = _system.ActorOf(HoldFsm.Props(HoldMode.Rearm, _done).On(d), "fsm-rearm");
        _fsmNoteTime = _system.ActorOf(HoldFsm.Props(HoldMode.NoteTime, _done).On(d), "fsm-notetime");
        // Every actor has started (and the ask path works) before the first measurement.
        _echo.Ask<object>(Payload.Msg, AskTimeout).Wait();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_askTimeouts > 0) Console.WriteLine($"// Ask timeouts: {_askTimeouts} [Dispatcher={Dispatcher}]");
        _system.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor one-way (1 producer thread -> 1 actor)")]
    public void OneWay() => OneWayTo(_counter);

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor ping-pong, 1 in flight (time = 1 hop)")]
    public void PingPong1() => PingPong(1);

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor ping-pong, 1000 in flight")]
    public void PingPong1000() => PingPong(InFlight);

    [Benchmark(OperationsPerInvoke = Messages, Description = "actor fan-in (8 producer actors -> 1 actor)")]
    public void FanIn()
    {
        _done.Reset();
        _sink.Tell(new Expect(Messages), ActorRefs.NoSender);
        var go = new Go(Messages / Producers);
        foreach (var p in _producers) p.Tell(go, ActorRefs.NoSender);
        _done.Wait();
    }

    /// <summary>
    /// A timed-out Ask is counted, not thrown, so that one does not discard the row; the count is printed at
    /// cleanup ("Ask timeouts: N") and each one adds 5 s to its iteration.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Asks, Description = "Ask round trip, 1 in flight, 5 s timeout (time = 1 Ask)")]
    public async Task Ask()
    {
        for (var i = 0; i < Asks; i++)
        {
            try
            {
                await _echo.Ask<object>(Payload.Msg, AskTimeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                Interlocked.Increment(ref _askTimeouts);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "FSM one-way, Stay() per message")]
    public void FsmStay() => OneWayTo(_fsmNone);

    [Benchmark(OperationsPerInvoke = Messages, Description = "FSM one-way, SetTimer(HoldTimer, 90 s) per message")]
    public void FsmRearm() => OneWayTo(_fsmRearm);

    [Benchmark(OperationsPerInvoke = Messages, Description = "FSM one-way, note time + IsTimerActive per message")]
    public void FsmNoteTime() => OneWayTo(_fsmNoteTime);

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
        for (var i = 0; i < Messages; i++) writer.TryWrite(Payload.Msg);
        consumer.Wait();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "baseline Channel ping-pong, 1 in flight (time = 1 hop)")]
    public void ChannelPingPong1()
    {
        const int hops = Messages;
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

    private void OneWayTo(IActorRef target)
    {
        _done.Reset();
        target.Tell(new Expect(Messages), ActorRefs.NoSender);
        for (var i = 0; i < Messages; i++) target.Tell(Payload.Msg, ActorRefs.NoSender);
        _done.Wait();
    }

    private void PingPong(int inFlight)
    {
        _balls.Reset(inFlight);
        var hops = Messages / inFlight;
        for (var i = 0; i < inFlight; i++)
        {
            // The sender is the other player, so the receiver's reply bounces back.
            _playerA.Tell(new Ball { Remaining = hops }, _playerB);
        }
        _balls.Wait();
    }
}
