namespace AkkaBgp.Actors.Tests;

public interface IPeerEvent;
public record PeerEvent(string Peer) : IPeerEvent;
public sealed record PeerUp(string Peer) : PeerEvent(Peer);

public sealed class EventStreamTests : TestKit.TestKit
{
    [Fact]
    public void Subscribers_receive_events_of_their_type_and_subtypes()
    {
        var baseProbe = CreateTestProbe();
        var exactProbe = CreateTestProbe();
        var ifaceProbe = CreateTestProbe();
        Assert.True(Sys.EventStream.Subscribe<PeerEvent>(baseProbe.Ref));
        Assert.True(Sys.EventStream.Subscribe<PeerUp>(exactProbe.Ref));
        Assert.True(Sys.EventStream.Subscribe(ifaceProbe.Ref, typeof(IPeerEvent)));
        Sys.EventStream.Publish(new PeerUp("a"));
        Sys.EventStream.Publish(new PeerEvent("b"));
        Sys.EventStream.Publish("unrelated");
        baseProbe.ExpectMsg(new PeerUp("a"));
        baseProbe.ExpectMsg(new PeerEvent("b"));
        exactProbe.ExpectMsg(new PeerUp("a"));
        ifaceProbe.ExpectMsg<PeerUp>();
        ifaceProbe.ExpectMsg<PeerEvent>();
        exactProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        baseProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void Overlapping_subscriptions_deliver_once_and_unsubscribe_works()
    {
        Assert.True(Sys.EventStream.Subscribe<PeerEvent>(TestActor));
        Assert.True(Sys.EventStream.Subscribe<object>(TestActor));
        Assert.False(Sys.EventStream.Subscribe<object>(TestActor));
        Sys.EventStream.Publish(new PeerUp("a"));
        ExpectMsg<PeerUp>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.True(Sys.EventStream.Unsubscribe<object>(TestActor));
        Sys.EventStream.Publish("text");
        Sys.EventStream.Publish(new PeerEvent("b"));
        ExpectMsg<PeerEvent>();
        Assert.True(Sys.EventStream.Unsubscribe(TestActor));
        Sys.EventStream.Publish(new PeerEvent("c"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener() => ReceiveAny(_ => { });
    }

    [Fact]
    public void Stopped_subscribers_are_removed()
    {
        var listener = Sys.ActorOf(Props.Create(() => new Listener()));
        Sys.EventStream.Subscribe<PeerEvent>(listener);
        Watch(listener);
        Sys.Stop(listener);
        ExpectTerminated(listener);
        Assert.False(Sys.EventStream.Unsubscribe(listener));
    }
}
