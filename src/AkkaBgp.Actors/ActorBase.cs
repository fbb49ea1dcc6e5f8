using Serilog;

namespace AkkaBgp.Actors;

/// <summary>
/// Base of every actor. Instances can only be created by the kernel (through <see cref="Props"/>);
/// all members are meant to be used from the actor's own turn only.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;
    private readonly List<Receive> _behaviorStack = new(1);
    private Receive _behavior;
    private ILogger? _log;
    private TimerScheduler? _timers;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing
            ?? throw new ActorInitializationException(null,
                $"{GetType().Name} must be created through Props/ActorOf, not with 'new'", null);
        _behavior = Receive;
        _behaviorStack.Add(_behavior);
        // Registered before the derived constructor runs so it may already call Become.
        _cell.AttachInstance(this);
        if (this is IWithTimers withTimers) withTimers.Timers = TimerSchedulerInstance;
    }

    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.Self;

    protected IActorRef Sender => _cell.Sender;

    /// <summary>Serilog logger from the system, enriched with <c>ActorPath</c> and the actor type.</summary>
    protected ILogger Log => _log ??= _cell.System.Log
        .ForContext(Serilog.Core.Constants.SourceContextPropertyName, GetType().FullName)
        .ForContext("ActorPath", _cell.Self.Path.ToString());

    internal ActorCell Cell => _cell;

    internal TimerScheduler TimerSchedulerInstance => _timers ??= new TimerScheduler(_cell);

    internal bool HasTimers => _timers is not null;

    protected abstract bool Receive(object message);

    /// <summary>
    /// Unhandled <see cref="Terminated"/> breaks the death pact (throws <see cref="DeathPactException"/>);
    /// anything else is published as <see cref="UnhandledMessage"/>.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated t) throw new DeathPactException(t.ActorRef);
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.CurrentSenderOrNull, _cell.Self));
    }

    protected virtual void PreStart() { }

    protected virtual void PostStop() { }

    /// <summary>Default: stop all children, then <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in _cell.GetChildren())
        {
            _cell.Unwatch(child);
            _cell.Stop(child);
        }
        PostStop();
    }

    /// <summary>Default: <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>Strategy applied to this actor's children (unless their Props carry one).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    internal SupervisorStrategy SupervisorStrategyInternal() => SupervisorStrategy();

    internal void SetBehavior(Receive receive, bool stacked)
    {
        if (stacked) _behaviorStack.Add(receive);
        else _behaviorStack[^1] = receive;
        _behavior = receive;
    }

    internal void PopBehavior()
    {
        if (_behaviorStack.Count > 1) _behaviorStack.RemoveAt(_behaviorStack.Count - 1);
        _behavior = _behaviorStack[^1];
    }

    internal virtual void AroundReceive(object message)
    {
        if (!_behavior(message)) Unhandled(message);
    }

    internal virtual void AroundPreStart() => PreStart();

    internal virtual void AroundPostStop()
    {
        _timers?.CancelAll();
        PostStop();
    }

    internal virtual void AroundPreRestart(Exception reason, object? message)
    {
        _timers?.CancelAll();
        PreRestart(reason, message);
    }

    internal virtual void AroundPostRestart(Exception reason) => PostRestart(reason);

    internal void CancelTimers() => _timers?.CancelAll();
}

/// <summary>Actor with a single <see cref="OnReceive"/> method; call <see cref="ActorBase.Unhandled"/> for what you do not handle.</summary>
public abstract class UntypedActor : ActorBase
{
    protected abstract void OnReceive(object message);

    // Unhandled is reported by OnReceive calling Unhandled itself, so every message counts as dispatched.
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Replaces the behaviour; the new one runs from the next message on.</summary>
    protected void Become(Action<object> receive) => Context.Become(m => { receive(m); return true; });

    protected void BecomeStacked(Action<object> receive) => Context.BecomeStacked(m => { receive(m); return true; });

    protected void UnbecomeStacked() => Context.UnbecomeStacked();
}
