using Akka.Actor;

namespace AkkaBgp.Kernel.Benchmarks;

/// <summary>The one preallocated payload every mailbox row sends, so the rows measure the mailbox, not the message.</summary>
internal static class Payload
{
    public static readonly object Msg = new();
}

/// <summary>Tells a counting actor how many <see cref="Payload.Msg"/> to count before it signals.</summary>
internal sealed record Expect(int Count);

/// <summary>Tells a producer to send this many messages to its sink.</summary>
internal sealed record Go(int Count);

internal sealed class Ball
{
    public int Remaining;
}

/// <summary>Counts <see cref="Payload.Msg"/> and sets the event at the expected count (one-way and fan-in).</summary>
internal sealed class Counter : ReceiveActor
{
    private int _remaining;

    public Counter(ManualResetEventSlim done)
    {
        Receive<object>(m => ReferenceEquals(m, Payload.Msg), _ =>
        {
            if (--_remaining == 0) done.Set();
        });
        Receive<Expect>(e => _remaining = e.Count);
    }

    public static Props Props(ManualResetEventSlim done) => Akka.Actor.Props.Create(() => new Counter(done));
}

/// <summary>Sends a ball back to its sender until the ball's hops run out (ping-pong).</summary>
internal sealed class Player : ReceiveActor
{
    public Player(CountdownEvent balls) =>
        Receive<Ball>(ball =>
        {
            if (--ball.Remaining <= 0) balls.Signal();
            else Sender.Tell(ball, Self);
        });

    public static Props Props(CountdownEvent balls) => Akka.Actor.Props.Create(() => new Player(balls));
}

/// <summary>On <see cref="Go"/>, tells its sink that many messages from inside its own turn (fan-in).</summary>
internal sealed class Producer : ReceiveActor
{
    public Producer(IActorRef sink) =>
        Receive<Go>(go =>
        {
            for (var i = 0; i < go.Count; i++) sink.Tell(Payload.Msg, Self);
        });

    public static Props Props(IActorRef sink) => Akka.Actor.Props.Create(() => new Producer(sink));
}

/// <summary>Answers every message with the same object (the Ask row).</summary>
internal sealed class Echo : ReceiveActor
{
    public Echo() => ReceiveAny(m => Sender.Tell(m, Self));

    public static Props Props() => Akka.Actor.Props.Create(() => new Echo());
}

/// <summary>What a <see cref="HoldFsm"/> does with the HoldTimer on each counted message.</summary>
public enum HoldMode
{
    /// <summary>Nothing: the FSM's own cost per message (<c>Stay()</c>).</summary>
    None,

    /// <summary><c>SetTimer("HoldTimer", ..., 90 s)</c> on every message: RFC 4271's "restarts its HoldTimer" taken literally.</summary>
    Rearm,

    /// <summary>What BgpFsm does today: note the time on a monotonic clock, arm the timer only if it is not running.</summary>
    NoteTime,
}

internal enum HoldState
{
    Established,
}

internal sealed record HoldTimerExpires
{
    public static readonly HoldTimerExpires Instance = new();
}

/// <summary>Calls SetTimer (or the NoteTime step) this many times inside one message: the cost of the call alone.</summary>
internal sealed record Rearms(int Count, HoldMode Mode);

/// <summary>
/// An <see cref="FSM{TState,TData}"/> shaped like BgpFsm in Established: every counted message is an
/// UPDATE or KEEPALIVE from the peer, handled by a state function that returns <c>Stay()</c> after
/// doing what <see cref="HoldMode"/> says with the named HoldTimer.
/// </summary>
internal sealed class HoldFsm : FSM<HoldState, int>
{
    public const string HoldTimer = "HoldTimer";
    private static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(90);

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly long _origin = TimeProvider.System.GetTimestamp();
    private TimeSpan _lastHeard;
    private int _remaining;

    public HoldFsm(HoldMode mode, ManualResetEventSlim done)
    {
        StartWith(HoldState.Established, 0);
        When(HoldState.Established, e =>
        {
            if (ReferenceEquals(e.FsmEvent, Payload.Msg))
            {
                Restart(mode);
                if (--_remaining == 0) done.Set();
                return Stay();
            }
            switch (e.FsmEvent)
            {
                case Expect x:
                    _remaining = x.Count;
                    return Stay();
                case Rearms r:
                    for (var i = 0; i < r.Count; i++) Restart(r.Mode);
                    done.Set();
                    return Stay();
                case HoldTimerExpires:
                    return Stay();
                default:
                    return null!;
            }
        });
        Initialize();
    }

    public TimeSpan LastHeard => _lastHeard;

    private void Restart(HoldMode mode)
    {
        switch (mode)
        {
            case HoldMode.Rearm:
                SetTimer(HoldTimer, HoldTimerExpires.Instance, HoldTime);
                break;
            case HoldMode.NoteTime:
                _lastHeard = _time.GetElapsedTime(_origin);
                if (!IsTimerActive(HoldTimer)) SetTimer(HoldTimer, HoldTimerExpires.Instance, HoldTime);
                break;
        }
    }

    public static Props Props(HoldMode mode, ManualResetEventSlim done) => Akka.Actor.Props.Create(() => new HoldFsm(mode, done));
}

/// <summary>The same re-arm with <see cref="IWithTimers"/> (<c>Timers.StartSingleTimer</c>) instead of the FSM's named timer, for comparison.</summary>
internal sealed class TimersActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(90);

    public ITimerScheduler Timers { get; set; } = null!;

    public TimersActor(ManualResetEventSlim done) =>
        Receive<Rearms>(r =>
        {
            for (var i = 0; i < r.Count; i++) Timers.StartSingleTimer("HoldTimer", HoldTimerExpires.Instance, HoldTime);
            done.Set();
        });

    public static Props Props(ManualResetEventSlim done) => Akka.Actor.Props.Create(() => new TimersActor(done));
}
