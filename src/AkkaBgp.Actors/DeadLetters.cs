namespace AkkaBgp.Actors;

/// <summary>Where undeliverable messages go: published as <see cref="DeadLetter"/> and logged, never thrown.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : IActorRef
{
    public ActorPath Path { get; } = path;

    public void Tell(object message, IActorRef? sender)
    {
        if (message is DeadLetter d) system.DeadLetter(d.Message, d.Sender, d.Recipient);
        else system.DeadLetter(message, sender, this);
    }

    public override string ToString() => $"[{Path}]";
}
