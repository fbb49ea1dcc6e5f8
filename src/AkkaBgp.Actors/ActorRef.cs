namespace AkkaBgp.Actors;

public interface ICanTell
{
    void Tell(object message, IActorRef? sender);
}

/// <summary>
/// Handle to an actor. Refs compare by identity: a stopped actor's ref never
/// designates a later actor that happens to reuse its name.
/// </summary>
public interface IActorRef : ICanTell
{
    ActorPath Path { get; }
}

public static class ActorRefs
{
    /// <summary>Akka's NoSender is null; replies to it end in DeadLetters.</summary>
    public static readonly IActorRef? NoSender = null;

    /// <summary>Stands for "no such actor" (e.g. <see cref="IActorContext.Child"/> misses); swallows messages.</summary>
    public static readonly IActorRef Nobody = new NobodyRef();

    private sealed class NobodyRef : IActorRef
    {
        public ActorPath Path { get; } = new ActorPath("nobody") / "nobody";

        public void Tell(object message, IActorRef? sender) { }

        public override string ToString() => "Nobody";
    }
}

public static class ActorRefExtensions
{
    /// <summary>Sends with the current actor as sender, or no sender outside an actor.</summary>
    public static void Tell(this ICanTell receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.Self);

    /// <summary>Sends keeping the sender of the message being processed.</summary>
    public static void Forward(this ICanTell receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.CurrentSenderOrNull);

    public static bool IsNobody(this IActorRef? actorRef) =>
        actorRef is null || ReferenceEquals(actorRef, ActorRefs.Nobody);
}

/// <summary>A ref that stands for another one (e.g. TestKit's TestFSMRef); the kernel acts on the underlying ref.</summary>
internal interface IRefWrapper
{
    IActorRef Underlying { get; }
}

internal static class RefResolution
{
    internal static IActorRef Unwrap(this IActorRef actorRef) =>
        actorRef is IRefWrapper wrapper ? wrapper.Underlying : actorRef;
}

/// <summary>The ref of an actor living in a local <see cref="ActorCell"/>.</summary>
internal sealed class LocalActorRef : IActorRef
{
    internal readonly ActorCell Cell;

    internal LocalActorRef(ActorCell cell, ActorPath path)
    {
        Cell = cell;
        Path = path;
    }

    public ActorPath Path { get; }

    public void Tell(object message, IActorRef? sender) => Cell.Post(message, sender);

    public override string ToString() => $"[{Path}]";
}
