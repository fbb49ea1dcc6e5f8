namespace AkkaBgp.Actors;

/// <summary>
/// One actor's queued user messages at the moment <see cref="ActorSystem.GetMailboxDepths"/> looked.
/// </summary>
/// <param name="Actor">The actor (its <see cref="IActorRef.Path"/> names it).</param>
/// <param name="Level">1 for a top-level actor (<c>/user/x</c>), 2 for its children, and so on.</param>
/// <param name="Count">Messages waiting, not counting the one being handled; system messages are not counted.</param>
public readonly record struct MailboxDepth(IActorRef Actor, int Level, int Count)
{
    public ActorPath Path => Actor.Path;
}
