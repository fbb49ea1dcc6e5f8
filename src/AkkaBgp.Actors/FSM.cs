namespace AkkaBgp.Actors;

/// <summary>Messages and value types shared by every <see cref="FSM{TState,TData}"/>.</summary>
public abstract class FSMBase : ActorBase
{
    /// <summary>Reply to <see cref="SubscribeTransitionCallBack"/>: the state at subscription time.</summary>
    public sealed record CurrentState<TState>(IActorRef FsmRef, TState State);

    /// <summary>Sent to subscribers on every transition (including <c>GoTo</c> the current state).</summary>
    public sealed record Transition<TState>(IActorRef FsmRef, TState From, TState To);

    public sealed record SubscribeTransitionCallBack(IActorRef ActorRef);

    public sealed record UnsubscribeTransitionCallBack(IActorRef ActorRef);

    /// <summary>The event a state function sees when its state timeout expires.</summary>
    public sealed class StateTimeout
    {
        public static readonly StateTimeout Instance = new();

        private StateTimeout() { }

        public override string ToString() => "StateTimeout";
    }

    public abstract class Reason;

    public sealed class Normal : Reason
    {
        public static readonly Normal Instance = new();

        private Normal() { }

        public override string ToString() => "Normal";
    }

    /// <summary>The actor was stopped from outside (PoisonPill, parent, system shutdown).</summary>
    public sealed class Shutdown : Reason
    {
        public static readonly Shutdown Instance = new();

        private Shutdown() { }

        public override string ToString() => "Shutdown";
    }

    public sealed class Failure(object cause) : Reason
    {
        public object Cause { get; } = cause;

        public override string ToString() => $"Failure({Cause})";
    }

    /// <summary>What a state function sees: the message and the current state data.</summary>
    public sealed record Event<TData>(object FsmEvent, TData StateData);

    public sealed record StopEvent<TState, TData>(Reason Reason, TState TerminatedState, TData StateData);

    /// <summary>
    /// The result of a state function: where to go next, with which data, timeout and replies.
    /// Every modifier returns a copy.
    /// </summary>
    public sealed class State<TState, TData>
    {
        internal State(TState stateName, TData stateData, TimeSpan? timeout = null, Reason? stopReason = null,
            IReadOnlyList<object>? replies = null, bool notifies = true)
        {
            StateName = stateName;
            StateData = stateData;
            Timeout = timeout;
            StopReason = stopReason;
            Replies = replies ?? Array.Empty<object>();
            Notifies = notifies;
        }

        public TState StateName { get; }

        public TData StateData { get; }

        public TimeSpan? Timeout { get; }

        public Reason? StopReason { get; }

        /// <summary>Sent to the sender of the current message, in the order added.</summary>
        public IReadOnlyList<object> Replies { get; }

        internal bool Notifies { get; }

        /// <summary>State timeout for this visit only, overriding the one given to <c>When</c>.</summary>
        public State<TState, TData> ForMax(TimeSpan timeout) =>
            new(StateName, StateData, timeout, StopReason, Replies, Notifies);

        public State<TState, TData> Replying(object reply)
        {
            ArgumentNullException.ThrowIfNull(reply);
            return new(StateName, StateData, Timeout, StopReason, [.. Replies, reply], Notifies);
        }

        public State<TState, TData> Using(TData nextStateData) =>
            new(StateName, nextStateData, Timeout, StopReason, Replies, Notifies);

        internal State<TState, TData> WithStopReason(Reason reason) =>
            new(StateName, StateData, Timeout, reason, Replies, Notifies);

        internal State<TState, TData> WithNotification(bool notifies) =>
            new(StateName, StateData, Timeout, StopReason, Replies, notifies);

        public override string ToString() => $"State({StateName}, {StateData})";
    }
}

/// <summary>
/// Finite state machine actor with Akka's DSL. Call <see cref="StartWith"/>, one <see cref="When"/>
/// per state and <see cref="Initialize"/> (last) in the constructor.
/// <para>
/// Any message resets the state timeout (it is "time without messages in this state"), so
/// protocol timers must be named timers (<see cref="SetTimer"/>/<see cref="StartSingleTimer"/>).
/// </para>
/// </summary>
public abstract class FSM<TState, TData> : FSMBase where TState : notnull
{
    public delegate State<TState, TData>? StateFunction(Event<TData> fsmEvent);

    public delegate void TransitionHandler(TState initialState, TState nextState);

    private readonly Dictionary<TState, StateFunction> _stateFunctions = new();
    private readonly Dictionary<TState, TimeSpan?> _stateTimeouts = new();
    private readonly List<TransitionHandler> _transitionHandlers = new();
    private readonly HashSet<IActorRef> _listeners = new();
    private State<TState, TData>? _currentState;
    private State<TState, TData>? _nextState;
    private StateFunction? _whenUnhandled;
    private Action<StopEvent<TState, TData>>? _onTermination;
    private ICancelable? _timeoutTask;
    private long _generation;
    private bool _stopped;

    public TState StateName => Current.StateName;

    public TData StateData => Current.StateData;

    /// <summary>The data of the state being entered; valid only inside <see cref="OnTransition"/> handlers.</summary>
    public TData NextStateData => _nextState is { } next
        ? next.StateData
        : throw new InvalidOperationException("NextStateData is only available during OnTransition");

    private State<TState, TData> Current => _currentState
        ?? throw new InvalidOperationException("StartWith has not been called");

    // ---------------------------------------------------------------- DSL

    /// <summary>Registers the state function; a second <c>When</c> for the same state is tried after the first.</summary>
    protected void When(TState stateName, StateFunction func, TimeSpan? stateTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(func);
        if (_stateFunctions.TryGetValue(stateName, out var existing))
        {
            _stateFunctions[stateName] = e => existing(e) ?? func(e);
            if (stateTimeout is not null) _stateTimeouts[stateName] = stateTimeout;
        }
        else
        {
            _stateFunctions[stateName] = func;
            _stateTimeouts[stateName] = stateTimeout;
        }
    }

    protected void StartWith(TState stateName, TData stateData, TimeSpan? timeout = null) =>
        _currentState = new State<TState, TData>(stateName, stateData, timeout);

    /// <summary>Transition to <paramref name="nextStateName"/>; notifies even when it is the current state.</summary>
    public State<TState, TData> GoTo(TState nextStateName) =>
        new(nextStateName, Current.StateData);

    /// <summary>Same as <see cref="GoTo"/> (spelling used in some Akka docs).</summary>
    public State<TState, TData> Goto(TState nextStateName) => GoTo(nextStateName);

    /// <summary>Remain in the current state without notifying transition handlers.</summary>
    public State<TState, TData> Stay() => GoTo(Current.StateName).WithNotification(false);

    public State<TState, TData> Stop() => Stop(Normal.Instance);

    public State<TState, TData> Stop(Reason reason) => Stop(reason, Current.StateData);

    public State<TState, TData> Stop(Reason reason, TData stateData) =>
        Stay().Using(stateData).WithStopReason(reason);

    /// <summary>Handlers run in registration order on every transition, with <see cref="StateName"/> still the old state.</summary>
    protected void OnTransition(TransitionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _transitionHandlers.Add(handler);
    }

    /// <summary>Runs once when the FSM stops, for any reason. The last registration wins.</summary>
    protected void OnTermination(Action<StopEvent<TState, TData>> handler) => _onTermination = handler;

    /// <summary>Fallback for events no state function handled. The last registration wins; default logs and stays.</summary>
    protected void WhenUnhandled(StateFunction handler) => _whenUnhandled = handler;

    protected void SetStateTimeout(TState state, TimeSpan? timeout) => _stateTimeouts[state] = timeout;

    /// <summary>
    /// Validates the machine and arms the initial state timeout. Call last in the constructor.
    /// Unlike Akka.NET it does not run transition handlers for the initial state.
    /// </summary>
    protected void Initialize()
    {
        if (_currentState is null) throw new InvalidOperationException("You must call StartWith before calling Initialize");
        if (!_stateFunctions.ContainsKey(_currentState.StateName))
            throw new InvalidOperationException($"Initial state {_currentState.StateName} has no When block");
        ArmStateTimeout();
    }

    // ---------------------------------------------------------------- named timers

    /// <summary>Starts (or replaces) the named timer; a replaced or cancelled timer never delivers.</summary>
    public void SetTimer(string name, object message, TimeSpan timeout, bool repeat = false)
    {
        if (repeat) TimerSchedulerInstance.StartPeriodicTimer(name, message, timeout, timeout, Self);
        else TimerSchedulerInstance.StartSingleTimer(name, message, timeout, Self);
    }

    public void StartSingleTimer(string name, object message, TimeSpan timeout) => SetTimer(name, message, timeout);

    public void StartPeriodicTimer(string name, object message, TimeSpan interval) => SetTimer(name, message, interval, true);

    public void CancelTimer(string name) => TimerSchedulerInstance.Cancel(name);

    public bool IsTimerActive(string name) => TimerSchedulerInstance.IsTimerActive(name);

    public bool IsStateTimerActive => _timeoutTask is { IsCancellationRequested: false };

    // ---------------------------------------------------------------- engine

    protected sealed override bool Receive(object message)
    {
        switch (message)
        {
            case TimeoutMarker marker:
                if (marker.Generation == _generation)
                {
                    _timeoutTask = null;
                    ProcessEvent(StateTimeout.Instance);
                }
                return true;
            case SubscribeTransitionCallBack subscribe:
                _listeners.Add(subscribe.ActorRef);
                Context.Watch(subscribe.ActorRef);
                subscribe.ActorRef.Tell(new CurrentState<TState>(Self, Current.StateName), Self);
                return true;
            case UnsubscribeTransitionCallBack unsubscribe:
                if (_listeners.Remove(unsubscribe.ActorRef)) Context.Unwatch(unsubscribe.ActorRef);
                return true;
            case Terminated terminated when _listeners.Remove(terminated.ActorRef):
                return true;
            default:
                CancelStateTimeout();
                _generation++;
                ProcessEvent(message);
                return true;
        }
    }

    private void ProcessEvent(object message)
    {
        var fsmEvent = new Event<TData>(message, Current.StateData);
        var next = _stateFunctions[Current.StateName](fsmEvent)
                   ?? (_whenUnhandled ?? DefaultUnhandled)(fsmEvent)
                   ?? DefaultUnhandled(fsmEvent)!;
        ApplyState(next);
    }

    private State<TState, TData> DefaultUnhandled(Event<TData> fsmEvent)
    {
        Log.Warning("Unhandled event {Event} in state {State}", fsmEvent.FsmEvent, Current.StateName);
        return Stay();
    }

    internal void ApplyState(State<TState, TData> next)
    {
        if (next.StopReason is null)
        {
            MakeTransition(next);
            return;
        }
        SendReplies(next);
        Terminate(next);
        Context.Stop(Self);
    }

    private void MakeTransition(State<TState, TData> next)
    {
        if (!_stateFunctions.ContainsKey(next.StateName))
        {
            // Loud: Akka.NET only runs the termination logic here; we also stop the actor.
            Terminate(Stay().WithStopReason(new Failure($"Next state {next.StateName} does not exist")));
            Context.Stop(Self);
            return;
        }
        SendReplies(next);
        var from = Current.StateName;
        if (!EqualityComparer<TState>.Default.Equals(from, next.StateName) || next.Notifies)
        {
            _nextState = next;
            try
            {
                foreach (var handler in _transitionHandlers) handler(from, next.StateName);
            }
            finally
            {
                _nextState = null;
            }
            if (_listeners.Count > 0)
            {
                var transition = new Transition<TState>(Self, from, next.StateName);
                foreach (var listener in _listeners) listener.Tell(transition, Self);
            }
        }
        _currentState = next;
        ArmStateTimeout();
    }

    private void ArmStateTimeout()
    {
        CancelStateTimeout();
        var state = Current;
        var timeout = state.Timeout ?? _stateTimeouts.GetValueOrDefault(state.StateName);
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan && t < TimeSpan.MaxValue)
            _timeoutTask = Context.System.Scheduler.ScheduleTellOnce(t, Self, new TimeoutMarker(_generation), Self);
    }

    private void CancelStateTimeout()
    {
        _timeoutTask?.Cancel();
        _timeoutTask = null;
    }

    private void SendReplies(State<TState, TData> state)
    {
        if (state.Replies.Count == 0) return;
        var sender = Sender;
        foreach (var reply in state.Replies) sender.Tell(reply, Self);
    }

    private void Terminate(State<TState, TData> upcoming)
    {
        if (_stopped) return;
        _stopped = true;
        var reason = upcoming.StopReason!;
        if (reason is Failure failure)
        {
            if (failure.Cause is Exception ex) Log.Error(ex, "FSM stopped in state {State}", Current.StateName);
            else Log.Error("FSM stopped in state {State}: {Cause}", Current.StateName, failure.Cause);
        }
        CancelTimers();
        CancelStateTimeout();
        var terminatedIn = Current.StateName;
        _currentState = upcoming;
        _onTermination?.Invoke(new StopEvent<TState, TData>(reason, terminatedIn, upcoming.StateData));
    }

    internal override void AroundPostStop()
    {
        if (_currentState is not null) Terminate(Stay().WithStopReason(Shutdown.Instance));
        base.AroundPostStop();
    }

    internal override void AroundPreRestart(Exception reason, object? message)
    {
        CancelStateTimeout();
        base.AroundPreRestart(reason, message);
    }

    // ---------------------------------------------------------------- TestKit access

    internal void SetStateForTest(TState stateName, TData stateData, TimeSpan? timeout, Reason? stopReason, bool notifies = true)
    {
        var next = new State<TState, TData>(stateName, stateData, timeout, notifies: notifies);
        ApplyState(stopReason is null ? next : next.WithStopReason(stopReason));
    }

    private sealed class TimeoutMarker(long generation) : IDeadLetterSuppression
    {
        public long Generation { get; } = generation;
    }
}
