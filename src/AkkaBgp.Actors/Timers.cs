namespace AkkaBgp.Actors;

/// <summary>Actors implementing this get <see cref="Timers"/> set by the kernel before their constructor body runs.</summary>
public interface IWithTimers
{
    ITimerScheduler Timers { get; set; }
}

/// <summary>
/// Keyed timers that send to self. Starting a key replaces its previous timer; a cancelled
/// or replaced timer's message is never delivered, even if it already sits in the mailbox.
/// All timers are cancelled when the actor restarts or stops.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan timeout);

    void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender);

    /// <summary>True from start until cancelled, or until a single timer's message has been delivered.</summary>
    bool IsTimerActive(object key);

    IReadOnlyCollection<object> ActiveTimers { get; }

    void Cancel(object key);

    void CancelAll();
}

/// <summary>
/// One per actor incarnation. The scheduled payload carries (key, generation, owner); on
/// receipt it is dropped unless the owner is this incarnation's scheduler and the key is still
/// registered with the same generation.
/// </summary>
internal sealed class TimerScheduler : ITimerScheduler
{
    private readonly ActorCell _cell;
    private readonly Dictionary<object, Entry> _timers = new();
    private int _generation;

    internal TimerScheduler(ActorCell cell) => _cell = cell;

    public void StartSingleTimer(object key, object message, TimeSpan timeout) =>
        Start(key, message, timeout, null, null);

    public void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender) =>
        Start(key, message, timeout, null, sender);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender) =>
        Start(key, message, initialDelay, interval, sender);

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (_timers.Remove(key, out var previous)) previous.Task.Cancel();
        var generation = ++_generation;
        var payload = new TimerMessage(key, generation, this, message);
        var scheduler = _cell.System.Scheduler;
        var task = interval is { } period
            ? scheduler.ScheduleTellRepeatedly(delay, period, _cell.Self, payload, sender)
            : scheduler.ScheduleTellOnce(delay, _cell.Self, payload, sender);
        _timers[key] = new Entry(generation, interval is not null, task);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public IReadOnlyCollection<object> ActiveTimers => _timers.Keys.ToList();

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry)) entry.Task.Cancel();
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values) entry.Task.Cancel();
        _timers.Clear();
    }

    /// <summary>The payload to deliver, or null when the timer message is stale.</summary>
    internal object? Accept(TimerMessage message)
    {
        if (!ReferenceEquals(message.Owner, this)) return null;
        if (!_timers.TryGetValue(message.Key, out var entry) || entry.Generation != message.Generation) return null;
        if (!entry.Repeat) _timers.Remove(message.Key);
        return message.Message;
    }

    private readonly record struct Entry(int Generation, bool Repeat, ICancelable Task);
}
