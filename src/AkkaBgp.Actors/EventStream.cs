using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace AkkaBgp.Actors;

/// <summary>
/// Publish/subscribe by message type: a subscriber to channel C receives every published
/// event assignable to C (its class, a base class or an interface), once per event even when
/// several of its channels match. Stopped actors are unsubscribed automatically.
/// </summary>
public sealed class EventStream
{
    private readonly object _gate = new();
    private ImmutableArray<(Type Channel, IActorRef Subscriber)> _subscriptions = ImmutableArray<(Type, IActorRef)>.Empty;
    private ConcurrentDictionary<Type, IActorRef[]> _byEventType = new();
    private readonly Func<Type, IActorRef[]> _resolve;

    public EventStream() => _resolve = Resolve;

    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            foreach (var (c, s) in _subscriptions)
                if (c == channel && s.Equals(subscriber)) return false;
            _subscriptions = _subscriptions.Add((channel, subscriber));
            _byEventType = new ConcurrentDictionary<Type, IActorRef[]>();
            return true;
        }
    }

    public bool Subscribe<TChannel>(IActorRef subscriber) => Subscribe(subscriber, typeof(TChannel));

    public bool Unsubscribe(IActorRef subscriber, Type channel) =>
        RemoveWhere(e => e.Channel == channel && e.Subscriber.Equals(subscriber));

    public bool Unsubscribe<TChannel>(IActorRef subscriber) => Unsubscribe(subscriber, typeof(TChannel));

    public bool Unsubscribe(IActorRef subscriber) => RemoveWhere(e => e.Subscriber.Equals(subscriber));

    private bool RemoveWhere(Func<(Type Channel, IActorRef Subscriber), bool> match)
    {
        lock (_gate)
        {
            var kept = _subscriptions.RemoveAll(e => match(e));
            if (kept.Length == _subscriptions.Length) return false;
            _subscriptions = kept;
            _byEventType = new ConcurrentDictionary<Type, IActorRef[]>();
            return true;
        }
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var cache = _byEventType;
        var targets = cache.GetOrAdd(@event.GetType(), _resolve);
        foreach (var subscriber in targets) subscriber.Tell(@event, null);
    }

    private IActorRef[] Resolve(Type eventType)
    {
        var result = new List<IActorRef>();
        foreach (var (channel, subscriber) in _subscriptions)
            if (channel.IsAssignableFrom(eventType) && !result.Contains(subscriber)) result.Add(subscriber);
        return result.ToArray();
    }
}
