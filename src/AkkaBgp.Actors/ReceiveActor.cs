namespace AkkaBgp.Actors;

/// <summary>
/// Actor whose behaviour is a list of typed handlers registered in the constructor;
/// the first matching handler wins, no match goes to <see cref="ActorBase.Unhandled"/>.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private List<Handler> _handlers = new();
    private List<Handler>? _configuring;

    protected ReceiveActor() { }

    protected sealed override bool Receive(object message) => Dispatch(_handlers, message);

    private static bool Dispatch(List<Handler> handlers, object message)
    {
        foreach (var h in handlers)
            if (h.TryHandle(message)) return true;
        return false;
    }

    private List<Handler> Target => _configuring ?? _handlers;

    protected void Receive<T>(Action<T> handler) => Target.Add(new Handler<T>(null, handler));

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle) =>
        Target.Add(new Handler<T>(shouldHandle, handler));

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) =>
        Target.Add(new Handler<T>(shouldHandle, handler));

    /// <summary>Handler that decides itself: returning false means "not handled".</summary>
    protected void Receive<T>(Func<T, bool> handler) => Target.Add(new FuncHandler<T>(handler));

    protected void ReceiveAny(Action<object> handler) => Target.Add(new Handler<object>(null, handler));

    /// <summary>Replaces the handlers with those registered by <paramref name="configure"/>.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    /// <summary>Returns to the previous stacked behaviour (alias kept for Akka-style code).</summary>
    protected void Unbecome() => Context.UnbecomeStacked();

    private Receive Build(Action configure)
    {
        var list = new List<Handler>();
        var previous = _configuring;
        _configuring = list;
        try { configure(); }
        finally { _configuring = previous; }
        return m => Dispatch(list, m);
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class Handler<T>(Predicate<T>? predicate, Action<T> action) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is not T typed || (predicate is not null && !predicate(typed))) return false;
            action(typed);
            return true;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> func) : Handler
    {
        public override bool TryHandle(object message) => message is T typed && func(typed);
    }
}
