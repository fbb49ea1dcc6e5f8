namespace AkkaBgp.Actors.TestKit;

/// <summary>
/// Virtual-time scheduler: time moves only in <see cref="Advance"/>. Due work fires in time
/// order (ties in scheduling order); a periodic timer fires once for every period covered.
/// When bound to a system, Advance first waits until every actor is idle, and again after
/// each firing, so a timer re-armed while handling a fired message is seen in the same
/// Advance and timers armed by messages sent just before the call are not missed.
/// When Advance returns, every fired message sits in its mailbox or has been processed.
/// </summary>
public sealed class TestScheduler : IScheduler
{
    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly object _gate = new();
    private readonly PriorityQueue<Work, (TimeSpan Due, long Seq)> _queue = new();
    private readonly ActorSystem? _system;
    private TimeSpan _now;
    private long _seq;

    /// <summary>Unbound: Advance does not wait for actors (for scheduler-only tests).</summary>
    public TestScheduler() { }

    /// <summary>Bound to <paramref name="system"/>; use as <c>SchedulerFactory = s => new TestScheduler(s)</c>.</summary>
    public TestScheduler(ActorSystem system)
    {
        _system = system;
        system.EnableIdleTracking();
    }

    /// <summary>How long Advance waits for actors to go idle before firing the next item anyway.</summary>
    public TimeSpan QuiescenceTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public DateTimeOffset Now
    {
        get { lock (_gate) return Epoch + _now; }
    }

    public TimeSpan MonotonicClock
    {
        get { lock (_gate) return _now; }
    }

    /// <summary>Scheduled items not yet fired or cancelled (cancelled ones are purged lazily).</summary>
    public int PendingCount
    {
        get { lock (_gate) return _queue.Count; }
    }

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        Add(delay, null, () => receiver.Tell(message, sender));

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "interval must be positive");
        return Add(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Add(delay, null, action);

    private Work Add(TimeSpan delay, TimeSpan? interval, Action action)
    {
        var work = new Work(action, interval);
        lock (_gate)
        {
            var due = _now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
            _queue.Enqueue(work, (due, _seq++));
        }
        return work;
    }

    /// <summary>Moves virtual time forward by <paramref name="offset"/>, firing everything due on the way.</summary>
    public void Advance(TimeSpan offset)
    {
        if (offset < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(offset), "time does not run backwards");
        TimeSpan target;
        lock (_gate) target = _now + offset;
        AdvanceToOffset(target);
    }

    public void AdvanceTo(DateTimeOffset when) => AdvanceToOffset(when - Epoch);

    private void AdvanceToOffset(TimeSpan target)
    {
        if (_system is not null && ActorCell.Current is not null)
            throw new InvalidOperationException("Advance of a bound TestScheduler waits for all actors and cannot run inside one");
        Quiesce();
        while (true)
        {
            Work work;
            lock (_gate)
            {
                if (!_queue.TryPeek(out work!, out var key) || key.Due > target)
                {
                    if (target > _now) _now = target;
                    return;
                }
                _queue.Dequeue();
                if (work.IsCancellationRequested) continue;
                _now = key.Due;
                if (work.Interval is { } interval) _queue.Enqueue(work, (key.Due + interval, _seq++));
            }
            work.Action();
            Quiesce();
        }
    }

    /// <summary>Waits until the bound system's actors have processed everything sent so far.</summary>
    public void Quiesce()
    {
        if (_system is not null && !_system.AwaitIdle(QuiescenceTimeout))
            _system.Log.Warning("TestScheduler: actors still busy after {Timeout}; firing the next timer anyway", QuiescenceTimeout);
    }

    private sealed class Work(Action action, TimeSpan? interval) : Cancelable
    {
        public Action Action { get; } = action;

        public TimeSpan? Interval { get; } = interval;
    }
}
