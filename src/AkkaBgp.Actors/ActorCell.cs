using System.Collections.Concurrent;

namespace AkkaBgp.Actors;

internal readonly struct Envelope(object message, IActorRef? sender)
{
    public readonly object Message = message;
    public readonly IActorRef? Sender = sender;
}

/// <summary>
/// One actor's mailbox, lifecycle and children. The cell is a thread-pool work item:
/// posting flips <c>_scheduled</c> 0→1 and queues the cell once; a turn drains system
/// messages, then up to <c>Throughput</c> user messages. Only one turn runs at a time,
/// so everything below except the queues, the flags and the children table is
/// touched by a single thread at a time.
/// </summary>
internal sealed class ActorCell : IActorContext, IThreadPoolWorkItem
{
    [ThreadStatic] private static ActorCell? t_current;
    [ThreadStatic] private static ActorCell? t_constructing;

    private readonly ConcurrentQueue<Envelope> _mailbox = new();
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();
    private readonly LocalActorRef? _parent;
    private readonly int _throughput;
    private int _scheduled;
    private volatile bool _terminated;

    private ActorBase? _actor;
    private bool _suspended;
    private bool _terminating;
    private object? _currentMessage;
    private IActorRef? _currentSender;
    private object? _failedMessage;

    // Children: written by the parent's turn and by ActorOf from any thread (system.ActorOf), hence the lock.
    private readonly object _childrenLock = new();
    private readonly Dictionary<string, ChildEntry> _children = new(StringComparer.Ordinal);
    private readonly HashSet<LocalActorRef> _stoppingChildren = new();
    private int _nameCounter;

    private HashSet<IActorRef>? _watching;
    private HashSet<IActorRef>? _pendingTerminated;
    private HashSet<LocalActorRef>? _watchedBy;

    internal ActorCell(ActorSystem system, Props props, ActorPath path, LocalActorRef? parent)
    {
        System = system;
        Props = props;
        _parent = parent;
        _throughput = system.Settings.Throughput;
        SelfRef = new LocalActorRef(this, path);
    }

    internal static ActorCell? Current => t_current;

    internal static ActorCell? Constructing => t_constructing;

    internal LocalActorRef SelfRef { get; }

    internal bool IsTerminated => _terminated;

    /// <summary>
    /// User messages waiting in the mailbox; the one being handled is already dequeued and not counted.
    /// A racy snapshot for introspection: <see cref="ConcurrentQueue{T}.Count"/> reads the head and tail
    /// indices (it takes the queue's cross-segment lock only when more than two segments are live), so
    /// reading it now and then costs producers nothing, while a counter kept on every Post would. Never use
    /// ToArray or enumeration here instead: those freeze the tail segment, so the next Post allocates a new one.
    /// </summary>
    internal int MailboxCount => _mailbox.Count;

    /// <summary>Adds the live children (not those already stopping) to <paramref name="into"/>; the
    /// system's mailbox walk passes one list for every actor instead of a new one each.</summary>
    internal void AddLiveChildren(List<LocalActorRef> into)
    {
        lock (_childrenLock)
            foreach (var entry in _children.Values) into.Add(entry.Ref);
    }

    private List<LocalActorRef> LiveChildren()
    {
        var list = new List<LocalActorRef>();
        AddLiveChildren(list);
        return list;
    }

    public ActorSystem System { get; }

    public Props Props { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _currentSender ?? System.DeadLetters;

    internal IActorRef? CurrentSenderOrNull => _currentSender;

    public IActorRef Parent => (IActorRef?)_parent ?? System.DeadLetters;

    // ---------------------------------------------------------------- posting and scheduling

    internal void Start() => SendSystem(Create.Instance);

    internal void Post(object message, IActorRef? sender)
    {
        if (_terminated)
        {
            System.DeadLetter(message, sender, SelfRef);
            return;
        }
        _mailbox.Enqueue(new Envelope(message, sender));
        if (_terminated)
        {
            DrainMailboxToDeadLetters();
            return;
        }
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            Dispatch();
    }

    internal void SendSystem(SystemMessage message)
    {
        if (_terminated)
        {
            HandleDeadSystemMessage(message);
            return;
        }
        _systemMailbox.Enqueue(message);
        if (_terminated)
        {
            DrainSystemMailboxDead();
            return;
        }
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) Dispatch();
    }

    private void Dispatch()
    {
        System.MarkBusy();
        // From inside an actor turn the woken actor usually runs next on this same worker
        // (no cross-thread wake-up); idle workers still steal from the local queue.
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: t_current is not null);
    }

    public void Execute()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            if (!_systemMailbox.IsEmpty) ProcessSystemMessages();
            var budget = _throughput;
            while (budget-- > 0 && !_suspended && !_terminating && _mailbox.TryDequeue(out var envelope))
            {
                Invoke(envelope.Message, envelope.Sender);
                if (!_systemMailbox.IsEmpty) ProcessSystemMessages();
            }
        }
        finally
        {
            t_current = previous;
        }

        // Full fence: a producer that saw _scheduled == 1 must have its message seen by the check below.
        Interlocked.Exchange(ref _scheduled, 0);
        if (HasPendingWork() && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) Dispatch();
        System.MarkIdle();
    }

    private bool HasPendingWork() =>
        !_systemMailbox.IsEmpty || (!_suspended && !_terminating && !_terminated && !_mailbox.IsEmpty);

    // ---------------------------------------------------------------- user messages

    private void Invoke(object message, IActorRef? sender)
    {
        _currentMessage = message;
        _currentSender = sender;
        try
        {
            if (message is KernelMessage kernel) HandleKernelMessage(kernel);
            else _actor!.AroundReceive(message);
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex);
        }
        finally
        {
            _currentMessage = null;
            _currentSender = null;
        }
    }

    private void HandleKernelMessage(KernelMessage message)
    {
        switch (message)
        {
            case PoisonPill:
                BeginTerminate();
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case TimerMessage timer:
                var payload = _actor!.HasTimers ? _actor.TimerSchedulerInstance.Accept(timer) : null;
                if (payload is null) return;
                _currentMessage = payload;
                if (payload is KernelMessage inner) HandleKernelMessage(inner);
                else _actor.AroundReceive(payload);
                break;
            case TerminatedDelivery delivery:
                var subject = delivery.Terminated.ActorRef;
                if (_pendingTerminated is null || !_pendingTerminated.Remove(subject)) return;
                _currentMessage = delivery.Terminated;
                _actor!.AroundReceive(delivery.Terminated);
                break;
            case RunOnActor run:
                run.Action(_actor!);
                break;
        }
    }

    // ---------------------------------------------------------------- failure and supervision

    private void HandleInvokeFailure(Exception cause)
    {
        if (_terminating || _terminated)
        {
            System.Log.Error(cause, "Actor {ActorPath} failed while stopping", SelfRef.Path.ToString());
            return;
        }
        _suspended = true;
        _failedMessage = _currentMessage;
        if (_parent is not null) _parent.Cell.SendSystem(new Failed(SelfRef, cause));
        else System.GuardianFailed(cause);
    }

    private void HandleChildFailed(Failed failed)
    {
        ChildEntry? entry;
        lock (_childrenLock)
        {
            if (!_children.TryGetValue(failed.Child.Path.Name, out entry) || !ReferenceEquals(entry.Ref, failed.Child))
                return; // already being stopped
        }
        var strategy = Props.SupervisorStrategy ?? _actor?.SupervisorStrategyInternal() ?? SupervisorStrategy.DefaultStrategy;
        var directive = strategy.Decide(failed.Cause);
        var childPath = failed.Child.Path.ToString();
        switch (directive)
        {
            case Directive.Resume:
                System.Log.Warning(failed.Cause, "Actor {ActorPath} failed, resuming: {Message}", childPath, failed.Cause.Message);
                failed.Child.Cell.SendSystem(ResumeFailed.Instance);
                break;
            case Directive.Restart when strategy.RequestRestartPermission(entry.Stats, System.Scheduler.MonotonicClock):
                System.Log.Error(failed.Cause, "Actor {ActorPath} failed, restarting: {Message}", childPath, failed.Cause.Message);
                failed.Child.Cell.SendSystem(new Recreate(failed.Cause));
                break;
            case Directive.Restart:
                System.Log.Error(failed.Cause, "Actor {ActorPath} failed too often, stopping: {Message}", childPath, failed.Cause.Message);
                Stop(failed.Child);
                break;
            case Directive.Stop:
                System.Log.Error(failed.Cause, "Actor {ActorPath} failed, stopping: {Message}", childPath, failed.Cause.Message);
                Stop(failed.Child);
                break;
            default:
                // Escalate: this actor fails with the child's exception and its own supervisor decides.
                HandleInvokeFailure(failed.Cause);
                break;
        }
    }

    private void Restart(Exception cause)
    {
        if (_terminating) return;
        var old = _actor;
        if (old is not null)
        {
            try { old.AroundPreRestart(cause, _failedMessage); }
            catch (Exception ex) { System.Log.Error(ex, "PreRestart of {ActorPath} failed", SelfRef.Path.ToString()); }
        }
        _actor = null;
        _failedMessage = null;
        if (!StartNewInstance(cause)) return;
        _suspended = false;
        // As in Akka, children the old instance kept (PreRestart overridden) are restarted too.
        foreach (var survivor in LiveChildren()) survivor.Cell.SendSystem(new Recreate(cause));
    }

    /// <summary>
    /// Builds a new instance and runs its start hook: PreStart, or PostRestart when
    /// <paramref name="restartCause"/> is given. A failure in either goes to the supervisor as an
    /// <see cref="ActorInitializationException"/>; returns false then.
    /// </summary>
    private bool StartNewInstance(Exception? restartCause)
    {
        ActorBase? created = null;
        try
        {
            created = NewActor();
            _actor = created;
            if (restartCause is null) created.AroundPreStart();
            else created.AroundPostRestart(restartCause);
            return true;
        }
        catch (Exception ex)
        {
            if (created is null) _actor = null; // never run hooks on a half-built instance
            var what = restartCause is null ? "Creation" : "Restart";
            HandleInvokeFailure(ex as ActorInitializationException
                ?? new ActorInitializationException(SelfRef, $"{what} of {SelfRef.Path} failed", ex));
            return false;
        }
    }

    internal void AttachInstance(ActorBase actor) => _actor = actor;

    private ActorBase NewActor()
    {
        var previous = t_constructing;
        t_constructing = this;
        try
        {
            return Props.NewActor();
        }
        finally
        {
            t_constructing = previous;
        }
    }

    // ---------------------------------------------------------------- system messages

    private void ProcessSystemMessages()
    {
        while (_systemMailbox.TryDequeue(out var message))
        {
            if (_terminated)
            {
                HandleDeadSystemMessage(message);
                continue;
            }
            try
            {
                HandleSystemMessage(message);
            }
            catch (Exception ex)
            {
                HandleInvokeFailure(ex);
            }
        }
    }

    private void HandleSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Create:
                StartNewInstance(restartCause: null);
                break;
            case TerminateRequest:
                BeginTerminate();
                break;
            case Recreate recreate:
                Restart(recreate.Cause);
                break;
            case ResumeFailed:
                if (_actor is null)
                {
                    Restart(new ActorInitializationException(SelfRef, "resumed without an instance", null));
                    break;
                }
                _suspended = false;
                _failedMessage = null;
                // A child whose failure escalated to us is still suspended; resuming us resumes it.
                foreach (var child in LiveChildren()) child.Cell.SendSystem(ResumeFailed.Instance);
                break;
            case Failed failed:
                if (!_terminating) HandleChildFailed(failed);
                break;
            case WatchRequest watch:
                (_watchedBy ??= new HashSet<LocalActorRef>()).Add(watch.Watcher);
                break;
            case UnwatchRequest unwatch:
                _watchedBy?.Remove(unwatch.Watcher);
                break;
            case DeathWatchNotification notification:
                if (_watching is not null && _watching.Remove(notification.Actor))
                {
                    (_pendingTerminated ??= new HashSet<IActorRef>()).Add(notification.Actor);
                    Post(new TerminatedDelivery(new Terminated(notification.Actor, true, false)), notification.Actor);
                }
                break;
            case ChildTerminated childTerminated:
                HandleChildTerminated(childTerminated.Child);
                break;
        }
    }

    /// <summary>The cell is gone: answer watches at once, ignore everything else.</summary>
    private void HandleDeadSystemMessage(SystemMessage message)
    {
        if (message is WatchRequest watch)
            watch.Watcher.Cell.SendSystem(new DeathWatchNotification(SelfRef));
    }

    // ---------------------------------------------------------------- termination

    private void BeginTerminate()
    {
        if (_terminating || _terminated) return;
        _terminating = true;
        _actor?.CancelTimers();
        List<LocalActorRef> toStop;
        lock (_childrenLock)
        {
            toStop = new List<LocalActorRef>(_children.Count);
            foreach (var entry in _children.Values)
            {
                toStop.Add(entry.Ref);
                _stoppingChildren.Add(entry.Ref);
            }
            _children.Clear();
        }
        foreach (var child in toStop) child.Cell.SendSystem(TerminateRequest.Instance);
        TryFinishTerminate();
    }

    private void TryFinishTerminate()
    {
        lock (_childrenLock)
        {
            if (_stoppingChildren.Count > 0 || _children.Count > 0) return;
        }
        FinishTerminate();
    }

    private void FinishTerminate()
    {
        if (_actor is not null)
        {
            try { _actor.AroundPostStop(); }
            catch (Exception ex) { System.Log.Error(ex, "PostStop of {ActorPath} failed", SelfRef.Path.ToString()); }
        }
        _terminated = true;
        System.EventStream.Unsubscribe(SelfRef);
        // Dead letters first, so whoever sees Terminated has also seen them published.
        DrainMailboxToDeadLetters();

        if (_watchedBy is not null)
            foreach (var watcher in _watchedBy) watcher.Cell.SendSystem(new DeathWatchNotification(SelfRef));
        if (_watching is not null)
            foreach (var watched in _watching)
                if (watched is LocalActorRef local) local.Cell.SendSystem(new UnwatchRequest(SelfRef));
        _watchedBy = null;
        _watching = null;
        _pendingTerminated = null;

        if (_parent is not null) _parent.Cell.SendSystem(new ChildTerminated(SelfRef));
        else System.GuardianTerminated();

        DrainMailboxToDeadLetters();
        DrainSystemMailboxDead();
    }

    private void HandleChildTerminated(LocalActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Path.Name, out var entry) && ReferenceEquals(entry.Ref, child))
                _children.Remove(child.Path.Name);
            _stoppingChildren.Remove(child);
        }
        if (_terminating) TryFinishTerminate();
    }

    private void DrainMailboxToDeadLetters()
    {
        while (_mailbox.TryDequeue(out var envelope))
        {
            var message = envelope.Message is TerminatedDelivery d ? d.Terminated : envelope.Message;
            if (message is TimerMessage) continue;
            System.DeadLetter(message, envelope.Sender, SelfRef);
        }
    }

    private void DrainSystemMailboxDead()
    {
        while (_systemMailbox.TryDequeue(out var message)) HandleDeadSystemMessage(message);
    }

    // ---------------------------------------------------------------- IActorContext

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        LocalActorRef child;
        lock (_childrenLock)
        {
            if (_terminating || _terminated)
                throw new InvalidOperationException($"{SelfRef.Path} is stopping; cannot create children");
            if (name is null)
            {
                do name = "$" + AutoName(_nameCounter++);
                while (_children.ContainsKey(name));
            }
            else
            {
                ValidateName(name);
                if (_children.ContainsKey(name))
                    throw new InvalidActorNameException($"Actor name [{name}] is not unique under {SelfRef.Path}");
            }
            var cell = new ActorCell(System, props, SelfRef.Path / name, SelfRef);
            child = cell.SelfRef;
            _children.Add(name, new ChildEntry(child));
        }
        child.Cell.Start();
        return child;
    }

    private static string AutoName(int n)
    {
        Span<char> buffer = stackalloc char[8];
        var i = buffer.Length;
        do
        {
            buffer[--i] = (char)('a' + n % 26);
            n /= 26;
        } while (n > 0);
        return new string(buffer[i..]);
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0) throw new InvalidActorNameException("Actor name must not be empty");
        if (name[0] == '$') throw new InvalidActorNameException($"Actor name [{name}] must not start with '$'");
        foreach (var c in name)
            if (c == '/' || char.IsWhiteSpace(c) || char.IsControl(c))
                throw new InvalidActorNameException($"Actor name [{name}] contains an illegal character");
    }

    public IReadOnlyCollection<IActorRef> Children => LiveChildren();

    public IEnumerable<IActorRef> GetChildren() => Children;

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
            return _children.TryGetValue(name, out var entry) ? entry.Ref : ActorRefs.Nobody;
    }

    public void Stop(IActorRef actor)
    {
        if (actor.Unwrap() is not LocalActorRef local) return;
        if (ReferenceEquals(local, SelfRef))
        {
            // Deferred: the current message finishes first; no further user message is processed.
            SendSystem(TerminateRequest.Instance);
            return;
        }
        lock (_childrenLock)
        {
            // The name is released at once so a replacement can be created right away.
            if (_children.TryGetValue(local.Path.Name, out var entry) && ReferenceEquals(entry.Ref, local))
            {
                _children.Remove(local.Path.Name);
                _stoppingChildren.Add(local);
            }
        }
        local.Cell.SendSystem(TerminateRequest.Instance);
    }

    public IActorRef Watch(IActorRef subject)
    {
        var given = subject;
        subject = subject.Unwrap();
        if (ReferenceEquals(subject, SelfRef)) return given;
        _watching ??= new HashSet<IActorRef>();
        if (!_watching.Add(subject)) return subject;
        _pendingTerminated?.Remove(subject);
        if (subject is LocalActorRef local) local.Cell.SendSystem(new WatchRequest(SelfRef));
        else SendSystem(new DeathWatchNotification(subject)); // nothing alive to watch
        return given;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        var given = subject;
        subject = subject.Unwrap();
        _pendingTerminated?.Remove(subject);
        if (_watching is not null && _watching.Remove(subject) && subject is LocalActorRef local)
            local.Cell.SendSystem(new UnwatchRequest(SelfRef));
        return given;
    }

    public void Become(Receive receive) => _actor!.SetBehavior(receive, stacked: false);

    public void BecomeStacked(Receive receive) => _actor!.SetBehavior(receive, stacked: true);

    public void UnbecomeStacked() => _actor!.PopBehavior();

    public override string ToString() => $"ActorCell({SelfRef.Path})";

    private sealed class ChildEntry(LocalActorRef actorRef)
    {
        public readonly LocalActorRef Ref = actorRef;
        public readonly ChildRestartStats Stats = new();
    }
}

/// <summary>Restart bookkeeping for one child, owned by the parent's cell.</summary>
internal sealed class ChildRestartStats
{
    public int RetriesInWindow;
    public int LifetimeRetries;
    public TimeSpan? WindowStart;
}
