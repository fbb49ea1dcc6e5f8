namespace AkkaBgp.Actors;

/// <summary>Lifecycle traffic between cells; it overtakes user messages and is processed even while suspended.</summary>
internal abstract class SystemMessage;

internal sealed class Create : SystemMessage
{
    internal static readonly Create Instance = new();
}

internal sealed class TerminateRequest : SystemMessage
{
    internal static readonly TerminateRequest Instance = new();
}

internal sealed class Recreate(Exception cause) : SystemMessage
{
    internal readonly Exception Cause = cause;
}

internal sealed class ResumeFailed : SystemMessage
{
    internal static readonly ResumeFailed Instance = new();
}

internal sealed class Failed(LocalActorRef child, Exception cause) : SystemMessage
{
    internal readonly LocalActorRef Child = child;
    internal readonly Exception Cause = cause;
}

internal sealed class WatchRequest(LocalActorRef watcher) : SystemMessage
{
    internal readonly LocalActorRef Watcher = watcher;
}

internal sealed class UnwatchRequest(LocalActorRef watcher) : SystemMessage
{
    internal readonly LocalActorRef Watcher = watcher;
}

internal sealed class DeathWatchNotification(IActorRef actor) : SystemMessage
{
    internal readonly IActorRef Actor = actor;
}

internal sealed class ChildTerminated(LocalActorRef child) : SystemMessage
{
    internal readonly LocalActorRef Child = child;
}
