using Serilog;

namespace AkkaBgp.Actors;

/// <summary>
/// A hierarchy of actors under <c>/user</c>, with its scheduler, event stream and dead letters.
/// </summary>
public sealed class ActorSystem : IActorRefFactory, IDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorCell _guardian;
    private readonly ActorPath _tempPath;
    private long _tempCounter;
    private int _deadLettersLogged;
    private int _terminateRequested;
    private bool _tracksIdle;
    private int _busy;

    private ActorSystem(string name, ActorSystemOptions options)
    {
        Name = name;
        Settings = options;
        Log = (options.Logger ?? Serilog.Log.Logger).ForContext("ActorSystem", name);
        var root = new ActorPath(name);
        _tempPath = root / "temp";
        EventStream = new EventStream();
        DeadLetters = new DeadLetterActorRef(this, root / "deadLetters");
        Scheduler = options.SchedulerFactory?.Invoke(this) ?? new DefaultScheduler();
        var guardianProps = Props.Create(() => new GuardianActor(options.GuardianSupervisorStrategy ?? SupervisorStrategy.DefaultStrategy));
        _guardian = new ActorCell(this, guardianProps, root / "user", null);
        _guardian.Start();
    }

    public static ActorSystem Create(string name, ActorSystemOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                throw new ArgumentException($"Invalid actor system name [{name}]: use ASCII letters, digits, '-' and '_'", nameof(name));
        options ??= new ActorSystemOptions();
        if (options.AskTimeout <= TimeSpan.Zero || options.AskTimeout == Timeout.InfiniteTimeSpan)
            throw new ArgumentException("AskTimeout must be positive and finite", nameof(options));
        if (options.Throughput < 1) throw new ArgumentException("Throughput must be at least 1", nameof(options));
        return new ActorSystem(name, options);
    }

    public string Name { get; }

    public ActorSystemOptions Settings { get; }

    public ILogger Log { get; }

    public IScheduler Scheduler { get; }

    public EventStream EventStream { get; }

    public IActorRef DeadLetters { get; }

    /// <summary>Completes once every actor has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    public IActorRef ActorOf(Props props, string? name = null) => _guardian.ActorOf(props, name);

    public void Stop(IActorRef actor)
    {
        if (actor.Unwrap() is LocalActorRef local) local.Cell.SendSystem(TerminateRequest.Instance);
    }

    /// <summary>Stops all actors (children before parents) and completes <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0) _guardian.SendSystem(TerminateRequest.Instance);
        return WhenTerminated;
    }

    public void Dispose()
    {
        Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The mailbox depth of every live actor under <c>/user</c> (the guardian itself is left out), parents
    /// before their children. Each depth is a snapshot taken as the walk passes the actor, so the list is not
    /// one consistent instant; an actor created or stopped during the walk may or may not appear. Cheap
    /// enough for a metrics scrape (one lock per parent, one read per actor), never needed on a message path.
    /// Not an Akka.NET API: Akka exposes mailbox sizes only through custom mailbox types.
    /// </summary>
    /// <param name="include">Which actors to report; every actor's children are walked whether or not it is
    /// reported. Null reports all.</param>
    public IReadOnlyList<MailboxDepth> GetMailboxDepths(Func<MailboxDepth, bool>? include = null)
    {
        var result = new List<MailboxDepth>();
        var pending = new Stack<(LocalActorRef Actor, int Level)>();
        var children = new List<LocalActorRef>();
        _guardian.AddLiveChildren(children);
        for (var i = children.Count - 1; i >= 0; i--) pending.Push((children[i], 1));
        while (pending.TryPop(out var next))
        {
            var cell = next.Actor.Cell;
            if (cell.IsTerminated) continue;
            var depth = new MailboxDepth(next.Actor, next.Level, cell.MailboxCount);
            if (include is null || include(depth)) result.Add(depth);
            children.Clear();
            cell.AddLiveChildren(children);
            // Pushed in reverse so siblings come out in creation order (Dictionary keeps insertion order
            // until a removal frees a slot; good enough for a readable listing, not a guarantee).
            for (var i = children.Count - 1; i >= 0; i--) pending.Push((children[i], next.Level + 1));
        }
        return result;
    }

    public override string ToString() => $"akka://{Name}";

    internal ActorPath NewTempPath() => _tempPath / ("$" + Interlocked.Increment(ref _tempCounter));

    internal void DeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        if (message is DeadLetter) return;
        if (message is not IDeadLetterSuppression)
        {
            var level = Interlocked.Increment(ref _deadLettersLogged) <= Settings.DeadLetterLogLimit
                ? Serilog.Events.LogEventLevel.Information
                : Serilog.Events.LogEventLevel.Debug;
            Log.Write(level, "Dead letter: {MessageType} from {Sender} to {Recipient} was not delivered",
                message.GetType().Name, sender?.Path.ToString() ?? "NoSender", recipient.Path.ToString());
        }
        EventStream.Publish(new DeadLetter(message, sender, recipient));
    }

    internal void GuardianFailed(Exception cause)
    {
        Log.Fatal(cause, "The /user guardian failed (escalated failure); terminating the actor system");
        Terminate();
    }

    internal void GuardianTerminated()
    {
        (Scheduler as IDisposable)?.Dispose();
        _terminated.TrySetResult();
    }

    // Idle tracking lets a virtual-time scheduler wait until every actor has drained its mailbox.

    internal void EnableIdleTracking() => _tracksIdle = true;

    internal void MarkBusy()
    {
        if (_tracksIdle) Interlocked.Increment(ref _busy);
    }

    internal void MarkIdle()
    {
        if (_tracksIdle) Interlocked.Decrement(ref _busy);
    }

    internal bool IsIdle => Volatile.Read(ref _busy) == 0;

    /// <summary>Blocks the calling (test) thread until no actor is scheduled or running.</summary>
    internal bool AwaitIdle(TimeSpan max)
    {
        if (!_tracksIdle) throw new InvalidOperationException("Idle tracking is only available with a virtual-time scheduler");
        var deadline = Environment.TickCount64 + (long)max.TotalMilliseconds;
        var spinner = new SpinWait();
        while (!IsIdle)
        {
            if (Environment.TickCount64 > deadline) return false;
            spinner.SpinOnce();
        }
        return true;
    }

    private sealed class GuardianActor(SupervisorStrategy strategy) : ActorBase
    {
        protected override bool Receive(object message) => false;

        protected override SupervisorStrategy SupervisorStrategy() => strategy;
    }
}
