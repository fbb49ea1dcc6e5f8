namespace AkkaBgp.Actors.TestKit;

/// <summary>
/// Base class for xunit tests: one actor system per test (xunit creates one instance per
/// test), disposed after it. Uses the virtual-time <see cref="TestScheduler"/> unless told otherwise.
/// </summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    private int _probeCounter;

    /// <param name="virtualTime">True (default): timers run on <see cref="Scheduler"/> and move only on Advance.</param>
    protected TestKit(bool virtualTime = true, string systemName = "test")
        : this(new ActorSystemOptions { SchedulerFactory = virtualTime ? s => new TestScheduler(s) : null }, systemName)
    {
    }

    protected TestKit(ActorSystemOptions options, string systemName = "test")
        : base(ActorSystem.Create(systemName, options), "testActor")
    {
    }

    /// <summary>The virtual clock; fails if the system runs on real time.</summary>
    public TestScheduler Scheduler => Sys.Scheduler as TestScheduler
        ?? throw new InvalidOperationException("This TestKit runs on the real-time scheduler");

    /// <summary>Advance virtual time (shortcut for <c>Scheduler.Advance</c>).</summary>
    public void Advance(TimeSpan offset) => Scheduler.Advance(offset);

    public TestProbe CreateTestProbe(string? name = null) =>
        new(Sys, name ?? "testProbe-" + Interlocked.Increment(ref _probeCounter));

    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    public TestFSMRef<TFsm, TState, TData> ActorOfAsTestFSMRef<TFsm, TState, TData>(Func<TFsm> factory, string? name = null)
        where TFsm : FSM<TState, TData>
        where TState : notnull =>
        new(Sys.ActorOf(Props.Create(factory), name));

    public TestFSMRef<TFsm, TState, TData> ActorOfAsTestFSMRef<TFsm, TState, TData>(Props props, string? name = null)
        where TFsm : FSM<TState, TData>
        where TState : notnull =>
        new(Sys.ActorOf(props, name));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Sys.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
