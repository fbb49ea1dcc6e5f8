namespace AkkaBgp.Actors;

/// <summary>Messages the kernel interprets itself before user code sees anything.</summary>
public abstract class KernelMessage
{
    private protected KernelMessage() { }
}

/// <summary>Dead letters of these types are not logged (they are expected during shutdown).</summary>
public interface IDeadLetterSuppression;

/// <summary>Stops the actor once it reaches the front of the mailbox.</summary>
public sealed class PoisonPill : KernelMessage, IDeadLetterSuppression
{
    public static readonly PoisonPill Instance = new();

    private PoisonPill() { }

    public override string ToString() => "PoisonPill";
}

/// <summary>Makes the actor throw <see cref="ActorKilledException"/>; its supervisor decides (default: stop).</summary>
public sealed class Kill : KernelMessage
{
    public static readonly Kill Instance = new();

    private Kill() { }

    public override string ToString() => "Kill";
}

/// <summary>Sent once to each watcher when the watched actor has stopped.</summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated) : IDeadLetterSuppression;

/// <summary>Published on the event stream for every message that could not be delivered.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Published on the event stream when an actor did not handle a message.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Reply envelopes understood by Ask.</summary>
public static class Status
{
    public sealed record Success(object? Status);

    public sealed record Failure(Exception Cause);
}

/// <summary>Delivers the unwrapped payload only if the timer is still current (see <see cref="TimerScheduler"/>).</summary>
internal sealed class TimerMessage : KernelMessage, IDeadLetterSuppression
{
    internal readonly object Key;
    internal readonly int Generation;
    internal readonly TimerScheduler Owner;
    internal readonly object Message;

    internal TimerMessage(object key, int generation, TimerScheduler owner, object message)
    {
        Key = key;
        Generation = generation;
        Owner = owner;
        Message = message;
    }

    public override string ToString() => $"Timer({Key}, {Message})";
}

/// <summary>Carries a Terminated that is delivered only if the watch is still in place.</summary>
internal sealed class TerminatedDelivery : KernelMessage, IDeadLetterSuppression
{
    internal readonly Terminated Terminated;

    internal TerminatedDelivery(Terminated terminated) => Terminated = terminated;
}

/// <summary>Runs code on the actor's own turn; used by TestKit to inspect actor state safely.</summary>
internal sealed class RunOnActor : KernelMessage
{
    internal readonly Action<ActorBase> Action;

    internal RunOnActor(Action<ActorBase> action) => Action = action;
}
