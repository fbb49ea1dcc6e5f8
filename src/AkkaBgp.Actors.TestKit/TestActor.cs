using System.Collections.Concurrent;

namespace AkkaBgp.Actors.TestKit;

internal readonly record struct Received(object Message, IActorRef Sender);

/// <summary>Actor behind a probe: queues everything for the test thread; watches on request.</summary>
internal sealed class TestActor(BlockingCollection<Received> queue) : ActorBase
{
    internal sealed record WatchCommand(IActorRef Subject);

    internal sealed record UnwatchCommand(IActorRef Subject);

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case WatchCommand w:
                Context.Watch(w.Subject);
                break;
            case UnwatchCommand u:
                Context.Unwatch(u.Subject);
                break;
            default:
                queue.Add(new Received(message, Sender));
                break;
        }
        return true;
    }
}
