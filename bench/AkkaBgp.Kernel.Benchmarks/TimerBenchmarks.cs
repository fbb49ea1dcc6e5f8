using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Kernel.Benchmarks;

/// <summary>
/// The HoldTimer question without the mailbox: one message makes the FSM restart its HoldTimer
/// <see cref="Calls"/> times in a loop, so the time and allocation per operation are per call on the
/// real HashedWheelTimerScheduler (10 ms ticks, 512 buckets). Each SetTimer cancels the previous
/// timer of the same name and queues a new registration; the scheduler thread drops cancelled
/// registrations when it moves the queue into the wheel each tick, and its work is in the
/// figures (allocations are the whole process's, BenchmarkDotNet reads GC.GetTotalAllocatedBytes).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[OperationsPerSecond]
public class TimerBenchmarks
{
    private const int Calls = 100_000;

    private ActorSystem _system = null!;
    private readonly ManualResetEventSlim _done = new();
    private IActorRef _fsm = null!;
    private IActorRef _timers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = BenchSystem.Create("timers");
        _fsm = _system.ActorOf(HoldFsm.Props(HoldMode.None, _done), "fsm");
        _timers = _system.ActorOf(TimersActor.Props(_done), "timers");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark(OperationsPerInvoke = Calls, Description = "FSM SetTimer(HoldTimer, 90 s), same name (time = 1 call)")]
    public void FsmSetTimer() => Run(_fsm, new Rearms(Calls, HoldMode.Rearm));

    [Benchmark(OperationsPerInvoke = Calls, Description = "note time + IsTimerActive, BgpFsm today (time = 1 call)")]
    public void FsmNoteTime() => Run(_fsm, new Rearms(Calls, HoldMode.NoteTime));

    [Benchmark(OperationsPerInvoke = Calls, Description = "IWithTimers StartSingleTimer, same key (time = 1 call)")]
    public void TimersStartSingle() => Run(_timers, new Rearms(Calls, HoldMode.Rearm));

    [Benchmark(OperationsPerInvoke = Calls, Description = "empty loop in the same message (time = 1 iteration)")]
    public void Empty() => Run(_fsm, new Rearms(Calls, HoldMode.None));

    private void Run(IActorRef target, Rearms what)
    {
        _done.Reset();
        target.Tell(what, ActorRefs.NoSender);
        _done.Wait();
    }
}
