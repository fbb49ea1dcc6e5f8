namespace AkkaBgp.Actors;

public interface IActorRefFactory
{
    IActorRef ActorOf(Props props, string? name = null);
}

/// <summary>Returns true when the message was handled; false sends it to <c>Unhandled</c>.</summary>
public delegate bool Receive(object message);

/// <summary>The actor's view of the kernel. Only valid on the actor's own turn.</summary>
public interface IActorContext : IActorRefFactory
{
    IActorRef Self { get; }

    /// <summary>Sender of the current message; DeadLetters when there was none.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervisor. The top-level guardian reports to the system itself.</summary>
    IActorRef Parent { get; }

    ActorSystem System { get; }

    Props Props { get; }

    IReadOnlyCollection<IActorRef> Children { get; }

    IEnumerable<IActorRef> GetChildren();

    /// <summary>The live child of that name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Stops self or a child after its current message; idempotent.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers exactly one <see cref="Terminated"/> when the actor stops (at once if already dead).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>After this no Terminated for the subject is delivered, even one already queued.</summary>
    IActorRef Unwatch(IActorRef subject);

    void Become(Receive receive);

    void BecomeStacked(Receive receive);

    void UnbecomeStacked();
}
