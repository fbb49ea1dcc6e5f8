namespace AkkaBgp.Actors;

public static class Futures
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and completes with its first reply.
    /// The timeout is always finite: null uses <see cref="ActorSystemOptions.AskTimeout"/>.
    /// A <see cref="Status.Failure"/> reply faults the task with its cause.
    /// </summary>
    public static Task<object> Ask(this ICanTell receiver, object message, TimeSpan? timeout = null) =>
        Ask<object>(receiver, message, timeout);

    public static Task<T> Ask<T>(this ICanTell receiver, object message, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        if (receiver is IActorRef asRef) receiver = asRef.Unwrap();
        var system = receiver switch
        {
            LocalActorRef local => local.Cell.System,
            _ => ActorCell.Current?.System
                 ?? throw new InvalidOperationException($"Ask needs an actor of this kernel, got {receiver}"),
        };
        var effective = timeout ?? system.Settings.AskTimeout;
        if (effective <= TimeSpan.Zero || effective == Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), "Ask timeout must be positive and finite");

        var promise = new PromiseActorRef<T>(system, system.NewTempPath(), receiver, message, effective);
        receiver.Tell(message, promise);
        return promise.Task;
    }
}

public static class PipeToSupport
{
    /// <summary>
    /// Sends the task's outcome to <paramref name="recipient"/> when it completes: the result
    /// (or <paramref name="success"/> of it), or <see cref="Status.Failure"/> (or <paramref name="failure"/>
    /// of the exception). The way to bring async I/O results back into an actor.
    /// </summary>
    public static Task PipeTo<T>(this Task<T> task, ICanTell recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        sender ??= ActorCell.Current?.Self;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                object? message = success is null ? t.Result : success(t.Result);
                if (message is not null) recipient.Tell(message, sender);
            }
            else TellFailure(t, recipient, sender, failure);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Sends <paramref name="success"/> (or <see cref="Status.Success"/>) or a failure when the task completes.</summary>
    public static Task PipeTo(this Task task, ICanTell recipient, IActorRef? sender = null,
        Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        sender ??= ActorCell.Current?.Self;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) recipient.Tell(success is null ? new Status.Success(null) : success(), sender);
            else TellFailure(t, recipient, sender, failure);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // A single inner exception is unwrapped so the recipient sees what the awaited code threw.
    private static void TellFailure(Task task, ICanTell recipient, IActorRef? sender, Func<Exception, object>? failure)
    {
        var cause = task.Exception is { InnerExceptions.Count: 1 } agg ? agg.InnerException! : (Exception?)task.Exception ?? new TaskCanceledException(task);
        recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
    }
}

/// <summary>Temporary one-shot sender for Ask; replies after completion go to DeadLetters.</summary>
internal sealed class PromiseActorRef<T> : IActorRef
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystem _system;
    private readonly Timer _timer;

    internal PromiseActorRef(ActorSystem system, ActorPath path, ICanTell target, object message, TimeSpan timeout)
    {
        _system = system;
        Path = path;
        _timer = new Timer(static s =>
        {
            var (self, target, message, timeout) = ((PromiseActorRef<T>, ICanTell, object, TimeSpan))s!;
            self._completion.TrySetException(new AskTimeoutException(
                $"Ask timed out on {target} after {timeout.TotalMilliseconds} ms; message was {message.GetType().Name}"));
        }, (this, target, message, timeout), timeout, Timeout.InfiniteTimeSpan);
    }

    public ActorPath Path { get; }

    public Task<T> Task => _completion.Task;

    public void Tell(object message, IActorRef? sender)
    {
        bool accepted = message switch
        {
            Status.Failure failure => _completion.TrySetException(failure.Cause),
            T typed => _completion.TrySetResult(typed),
            Status.Success { Status: T typed } => _completion.TrySetResult(typed),
            _ => _completion.TrySetException(new ArgumentException(
                $"Received message of type [{message.GetType()}] - Ask expected message of type [{typeof(T)}]")),
        };
        if (accepted) _timer.Dispose();
        else _system.DeadLetter(message, sender, this);
    }

    public override string ToString() => $"[{Path}]";
}
