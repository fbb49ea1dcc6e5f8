namespace AkkaBgp.Actors.TestKit;

/// <summary>A second test actor with its own queue, to stand in for a collaborator.</summary>
public sealed class TestProbe : TestKitBase
{
    internal TestProbe(ActorSystem system, string name) : base(system, name) { }

    public IActorRef Ref => TestActor;

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with this probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Sends the last received message on to <paramref name="target"/>, keeping its original sender.</summary>
    public void Forward(IActorRef target, object message) => target.Tell(message, LastSender);

    /// <summary>Replies to the sender of the last received message.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    public override string ToString() => $"TestProbe({Ref.Path})";
}
