using System.Collections.Concurrent;
using AkkaBgp.Actors;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// Top-level actors by key type, as Akka.Hosting's <c>ActorRegistry</c> keeps them: the hosted service
/// registers each actor once the system is up, endpoints resolve them through DI. The key is usually the
/// actor's own type (<c>Register&lt;NeighborSupervisor&gt;(ref)</c>); a name works too (<c>Register("events", ref)</c>).
/// <see cref="GetAsync{TKey}"/> waits for a registration, so a request that arrives while the system is still
/// starting does not fail.
/// </summary>
public sealed class ActorRegistry
{
    private readonly ConcurrentDictionary<object, TaskCompletionSource<IActorRef>> _actors = new();

    private TaskCompletionSource<IActorRef> Slot(object key) =>
        _actors.GetOrAdd(key, _ => new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>False when <typeparamref name="TKey"/> already has an actor and <paramref name="overwrite"/> is not set.</summary>
    public bool Register<TKey>(IActorRef actor, bool overwrite = false) => Register((object)typeof(TKey), actor, overwrite);

    public bool Register(string name, IActorRef actor, bool overwrite = false) => Register((object)name, actor, overwrite);

    private bool Register(object key, IActorRef actor, bool overwrite)
    {
        var slot = Slot(key);
        if (slot.TrySetResult(actor)) return true;
        if (!overwrite) return false;
        var replacement = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        replacement.SetResult(actor);
        _actors[key] = replacement;
        return true;
    }

    public bool TryGet<TKey>(out IActorRef actor) => TryGet(typeof(TKey), out actor);

    public bool TryGet(string name, out IActorRef actor) => TryGet((object)name, out actor);

    private bool TryGet(object key, out IActorRef actor)
    {
        if (_actors.TryGetValue(key, out var slot) && slot.Task.IsCompletedSuccessfully)
        {
            actor = slot.Task.Result;
            return true;
        }
        actor = ActorRefs.Nobody;
        return false;
    }

    /// <exception cref="KeyNotFoundException">Nothing registered under <typeparamref name="TKey"/> yet.</exception>
    public IActorRef Get<TKey>() =>
        TryGet<TKey>(out var actor) ? actor : throw new KeyNotFoundException($"no actor registered for {typeof(TKey).Name}");

    /// <exception cref="KeyNotFoundException">Nothing registered under <paramref name="name"/> yet.</exception>
    public IActorRef Get(string name) =>
        TryGet(name, out var actor) ? actor : throw new KeyNotFoundException($"no actor registered as '{name}'");

    public Task<IActorRef> GetAsync<TKey>(CancellationToken ct = default) => Slot(typeof(TKey)).Task.WaitAsync(ct);

    public Task<IActorRef> GetAsync(string name, CancellationToken ct = default) => Slot(name).Task.WaitAsync(ct);
}
