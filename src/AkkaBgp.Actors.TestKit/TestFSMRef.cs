namespace AkkaBgp.Actors.TestKit;

/// <summary>
/// Ref to an FSM actor with synchronous access to its state for unit tests. Each accessor
/// runs on the actor's own turn (after the messages already in its mailbox) and waits for it.
/// </summary>
public sealed class TestFSMRef<TFsm, TState, TData> : IActorRef, IRefWrapper
    where TFsm : FSM<TState, TData>
    where TState : notnull
{
    private readonly LocalActorRef _ref;

    internal TestFSMRef(IActorRef actorRef) => _ref = (LocalActorRef)actorRef;

    public ActorPath Path => _ref.Path;

    public IActorRef Ref => _ref;

    IActorRef IRefWrapper.Underlying => _ref;

    /// <summary>Equal to the underlying ref, so it can be compared with senders and Terminated subjects.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(obj, this) || ReferenceEquals(obj, _ref);

    public override int GetHashCode() => _ref.GetHashCode();

    public void Tell(object message, IActorRef? sender) => _ref.Tell(message, sender);

    public TState StateName => Run(fsm => fsm.StateName);

    public TData StateData => Run(fsm => fsm.StateData);

    public bool IsTimerActive(string name) => Run(fsm => fsm.IsTimerActive(name));

    public bool IsStateTimerActive => Run(fsm => fsm.IsStateTimerActive);

    /// <summary>Drives a real transition (handlers, listeners and state timeout all run).</summary>
    public void SetState(TState stateName, TimeSpan? timeout = null) =>
        Do(fsm => fsm.SetStateForTest(stateName, fsm.StateData, timeout, null));

    public void SetState(TState stateName, TData stateData, TimeSpan? timeout = null, FSMBase.Reason? stopReason = null) =>
        Do(fsm => fsm.SetStateForTest(stateName, stateData, timeout, stopReason));

    public void SetStateData(TData stateData) =>
        Do(fsm => fsm.SetStateForTest(fsm.StateName, stateData, null, null, notifies: false));

    public void SetTimer(string name, object message, TimeSpan timeout, bool repeat = false) =>
        Do(fsm => fsm.SetTimer(name, message, timeout, repeat));

    public void CancelTimer(string name) => Do(fsm => fsm.CancelTimer(name));

    private void Do(Action<TFsm> action) => Run(fsm => { action(fsm); return 0; });

    /// <summary>Runs <paramref name="function"/> on the actor's turn and returns its result.</summary>
    public T Run<T>(Func<TFsm, T> function)
    {
        if (_ref.Cell.IsTerminated) throw new InvalidOperationException($"{Path} has stopped");
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ref.Tell(new RunOnActor(actor =>
        {
            try { completion.TrySetResult(function((TFsm)actor)); }
            catch (Exception ex) { completion.TrySetException(ex); }
        }), null);
        if (!completion.Task.Wait(TestKitBase.DefaultTimeout))
            throw new TimeoutException($"{Path} did not process the test access within {TestKitBase.DefaultTimeout}");
        return completion.Task.Result;
    }

    public override string ToString() => $"TestFSMRef({Path})";
}
