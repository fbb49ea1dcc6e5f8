using System.Collections.Concurrent;
using System.Diagnostics;

namespace AkkaBgp.Actors.TestKit;

/// <summary>
/// Expectations over the messages received by a test actor. Messages arrive through the thread
/// pool, so waits are in real time: the default is <see cref="DefaultTimeout"/> or what remains
/// of the innermost <see cref="Within(TimeSpan, Action)"/> block. Only timers use virtual time.
/// </summary>
public abstract class TestKitBase
{
    private readonly BlockingCollection<Received> _queue;
    private DateTime? _deadline;

    private protected TestKitBase(ActorSystem system, string name)
    {
        Sys = system;
        _queue = new BlockingCollection<Received>();
        var queue = _queue;
        TestActor = system.ActorOf(Props.Create(() => new TestActor(queue)), name);
    }

    public ActorSystem Sys { get; }

    /// <summary>The actor whose messages the Expect methods read.</summary>
    public IActorRef TestActor { get; }

    /// <summary>Sender of the last message taken by an Expect/Receive method.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>
    /// Multiplier for default real-time waits, from the <c>AKKA_TEST_TIMEFACTOR</c> environment
    /// variable (default 1); raise it on slow or shared CI machines instead of editing tests.
    /// </summary>
    public static double TimeFactor { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("AKKA_TEST_TIMEFACTOR"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var f) && f >= 1 ? f : 1;

    /// <summary>Scales a real-time duration by <see cref="TimeFactor"/>.</summary>
    public static TimeSpan Dilated(TimeSpan duration) => duration * TimeFactor;

    public static TimeSpan DefaultTimeout { get; set; } = Dilated(TimeSpan.FromSeconds(3));

    /// <summary>Default duration of <see cref="ExpectNoMsg()"/>.</summary>
    public static TimeSpan DefaultNoMessageDuration { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Time left in the innermost Within block, else the default timeout.</summary>
    public TimeSpan RemainingOrDefault => _deadline is { } d ? Max(d - DateTime.UtcNow, TimeSpan.Zero) : DefaultTimeout;

    private TimeSpan Resolve(TimeSpan? timeout) => timeout ?? RemainingOrDefault;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // ---------------------------------------------------------------- receiving

    /// <summary>The next message, or null on timeout.</summary>
    public object? ReceiveOne(TimeSpan? timeout = null)
    {
        if (!_queue.TryTake(out var item, Resolve(timeout))) return null;
        LastSender = item.Sender;
        return item.Message;
    }

    public T ExpectMsg<T>(TimeSpan? timeout = null) => ExpectMsg<T>(static _ => true, timeout);

    /// <summary>The next message must be a <typeparamref name="T"/> equal to <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
    {
        var actual = ExpectMsg<T>(timeout);
        if (!Equals(actual, expected)) throw Failure($"expected message {expected} but got {actual}");
        return actual;
    }

    /// <summary>The next message must be a <typeparamref name="T"/> satisfying <paramref name="predicate"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> predicate, TimeSpan? timeout = null)
    {
        var max = Resolve(timeout);
        var message = ReceiveOne(max);
        if (message is null) throw Failure($"timeout ({max.TotalMilliseconds} ms) while waiting for a message of type {typeof(T).Name}");
        if (message is not T typed) throw Failure($"expected a message of type {typeof(T).Name} but got {Describe(message)}");
        if (!predicate(typed)) throw Failure($"message {Describe(message)} does not satisfy the predicate");
        return typed;
    }

    /// <summary>The next message must come from <paramref name="sender"/> and be a matching <typeparamref name="T"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, Predicate<T>? predicate = null, TimeSpan? timeout = null)
    {
        var message = ExpectMsg<T>(predicate ?? (static _ => true), timeout);
        if (!ReferenceEquals(LastSender, sender.Unwrap()))
            throw Failure($"expected {Describe(message!)} from {sender} but it came from {LastSender}");
        return message;
    }

    /// <summary>The next messages are exactly <paramref name="expected"/>, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] expected) => ExpectMsgAllOf(RemainingOrDefault, expected);

    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan max, params T[] expected)
    {
        var missing = expected.ToList();
        var received = new List<T>(expected.Length);
        foreach (var message in ReceiveN(expected.Length, max))
        {
            var index = message is T typed ? missing.FindIndex(e => Equals(e, typed)) : -1;
            if (index < 0) throw Failure($"unexpected {Describe(message)}; still waiting for [{string.Join(", ", missing)}]");
            received.Add((T)message);
            missing.RemoveAt(index);
        }
        return received;
    }

    /// <summary>The next message must equal one of <paramref name="candidates"/>.</summary>
    public T ExpectMsgAnyOf<T>(params T[] candidates)
    {
        var message = ExpectMsg<T>();
        if (!candidates.Any(c => Equals(c, message)))
            throw Failure($"{Describe(message!)} is none of [{string.Join(", ", candidates)}]");
        return message;
    }

    public void ExpectNoMsg() => ExpectNoMsg(DefaultNoMessageDuration);

    /// <summary>Waits <paramref name="duration"/> (real time) and fails if any message arrives.</summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        var message = ReceiveOne(duration);
        if (message is not null) throw Failure($"expected no message but got {Describe(message)}");
    }

    /// <summary>Discards messages until one satisfies <paramref name="isMessage"/>, which it returns.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null) =>
        FishForMessage<object>(isMessage, max);

    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null)
    {
        var limit = Resolve(max);
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var message = ReceiveOne(Max(limit - stopwatch.Elapsed, TimeSpan.Zero));
            if (message is null) throw Failure($"timeout ({limit.TotalMilliseconds} ms) while fishing for a {typeof(T).Name}");
            if (message is T typed && isMessage(typed)) return typed;
        }
    }

    /// <summary>Exactly the next <paramref name="count"/> messages, within one overall timeout.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? max = null)
    {
        var limit = Resolve(max);
        var stopwatch = Stopwatch.StartNew();
        var result = new List<object>(count);
        while (result.Count < count)
        {
            var message = ReceiveOne(Max(limit - stopwatch.Elapsed, TimeSpan.Zero));
            if (message is null) throw Failure($"timeout ({limit.TotalMilliseconds} ms) after {result.Count} of {count} messages");
            result.Add(message);
        }
        return result;
    }

    // ---------------------------------------------------------------- time blocks and conditions

    /// <summary>Runs <paramref name="action"/>; Expect defaults inside it use the remaining time; fails if it takes longer than <paramref name="max"/>.</summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    public void Within(TimeSpan min, TimeSpan max, Action action) => Within(min, max, () => { action(); return 0; });

    public T Within<T>(TimeSpan max, Func<T> function) => Within(TimeSpan.Zero, max, function);

    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function)
    {
        var outer = _deadline;
        var start = DateTime.UtcNow;
        var deadline = start + max;
        _deadline = outer is { } o && o < deadline ? o : deadline;
        try
        {
            var result = function();
            var elapsed = DateTime.UtcNow - start;
            if (elapsed < min) throw Failure($"block took {elapsed.TotalMilliseconds} ms, expected at least {min.TotalMilliseconds} ms");
            if (elapsed > max) throw Failure($"block took {elapsed.TotalMilliseconds} ms, expected at most {max.TotalMilliseconds} ms");
            return result;
        }
        finally
        {
            _deadline = outer;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails at the timeout.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null)
    {
        var limit = Resolve(max);
        var stopwatch = Stopwatch.StartNew();
        var spinner = new SpinWait();
        while (!condition())
        {
            if (stopwatch.Elapsed > limit) throw Failure($"condition not met within {limit.TotalMilliseconds} ms");
            spinner.SpinOnce();
        }
    }

    /// <summary>Retries <paramref name="assertion"/> until it stops throwing; rethrows the last failure at the timeout.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? max = null)
    {
        var limit = Resolve(max);
        var stopwatch = Stopwatch.StartNew();
        var spinner = new SpinWait();
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (stopwatch.Elapsed < limit)
            {
                spinner.SpinOnce();
            }
        }
    }

    // ---------------------------------------------------------------- death watch

    /// <summary>The test actor watches <paramref name="subject"/>; use <see cref="ExpectTerminated"/>.</summary>
    public IActorRef Watch(IActorRef subject)
    {
        TestActor.Tell(new TestActor.WatchCommand(subject), null);
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        TestActor.Tell(new TestActor.UnwatchCommand(subject), null);
        return subject;
    }

    public Terminated ExpectTerminated(IActorRef subject, TimeSpan? timeout = null) =>
        ExpectMsg<Terminated>(t => ReferenceEquals(t.ActorRef, subject.Unwrap()), timeout);

    // ---------------------------------------------------------------- helpers

    private static Xunit.Sdk.XunitException Failure(string message) => new(message);

    private static string Describe(object message) => $"{message} ({message.GetType().Name})";
}
