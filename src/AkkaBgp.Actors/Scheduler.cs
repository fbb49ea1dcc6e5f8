using System.Diagnostics;

namespace AkkaBgp.Actors;

public interface ICancelable
{
    bool IsCancellationRequested { get; }

    void Cancel();
}

public interface ITimeProvider
{
    DateTimeOffset Now { get; }

    /// <summary>Time since the scheduler started; never jumps.</summary>
    TimeSpan MonotonicClock { get; }
}

/// <summary>
/// Delayed and periodic sends. Unlike Akka.NET the Tell methods return their cancelable
/// (callers that ignore it look the same).
/// </summary>
public interface IScheduler : ITimeProvider
{
    ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender);

    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender);

    /// <summary>Runs an action after a delay. It runs outside any actor: it must only send messages.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);
}

public class Cancelable : ICancelable
{
    private volatile bool _cancelled;

    public bool IsCancellationRequested => _cancelled;

    public virtual void Cancel() => _cancelled = true;
}

/// <summary>Real-time scheduler on the runtime's timer queue (millisecond resolution).</summary>
internal sealed class DefaultScheduler : IScheduler, IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _disposed;

    public DateTimeOffset Now => DateTimeOffset.UtcNow;

    public TimeSpan MonotonicClock => _clock.Elapsed;

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        Start(delay, null, () => receiver.Tell(message, sender));

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "interval must be positive");
        return Start(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Start(delay, null, action);

    private ScheduledWork Start(TimeSpan delay, TimeSpan? interval, Action action)
    {
        var work = new ScheduledWork(this, action);
        work.Arm(Clamp(delay), interval is { } i ? i : Timeout.InfiniteTimeSpan);
        return work;
    }

    private static TimeSpan Clamp(TimeSpan delay) => delay < TimeSpan.Zero ? TimeSpan.Zero : delay;

    public void Dispose() => _disposed = true;

    private sealed class ScheduledWork(DefaultScheduler owner, Action action) : Cancelable
    {
        private Timer? _timer;
        private bool _oneShot;

        public void Arm(TimeSpan due, TimeSpan period)
        {
            _oneShot = period == Timeout.InfiniteTimeSpan;
            var timer = new Timer(static s => ((ScheduledWork)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer = timer;
            timer.Change(due, period);
        }

        private void Fire()
        {
            if (IsCancellationRequested || owner._disposed)
            {
                _timer?.Dispose();
                return;
            }
            action();
            if (_oneShot) _timer?.Dispose();
        }

        public override void Cancel()
        {
            base.Cancel();
            _timer?.Dispose();
        }
    }
}

/// <summary>Akka.NET's names for the cancelable variants, so ported code compiles unchanged.</summary>
public static class SchedulerExtensions
{
    public static ICancelable ScheduleTellOnceCancelable(this IScheduler scheduler, TimeSpan delay, ICanTell receiver,
        object message, IActorRef? sender) => scheduler.ScheduleTellOnce(delay, receiver, message, sender);

    public static ICancelable ScheduleTellRepeatedlyCancelable(this IScheduler scheduler, TimeSpan initialDelay,
        TimeSpan interval, ICanTell receiver, object message, IActorRef? sender) =>
        scheduler.ScheduleTellRepeatedly(initialDelay, interval, receiver, message, sender);
}
