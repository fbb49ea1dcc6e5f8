using AkkaBgp.Actors.TestKit;
using Xunit.Sdk;

namespace AkkaBgp.Actors.Tests;

public sealed class TestKitTests : TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Fact]
    public void ExpectMsg_fails_on_wrong_type_wrong_value_and_timeout()
    {
        TestActor.Tell("text");
        Assert.Throws<XunitException>(() => ExpectMsg<int>());
        TestActor.Tell(1);
        Assert.Throws<XunitException>(() => ExpectMsg(2));
        TestActor.Tell(3);
        Assert.Throws<XunitException>(() => ExpectMsg<int>(i => i > 5));
        Assert.Throws<XunitException>(() => ExpectMsg<int>(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        TestActor.Tell("surprise");
        Assert.Throws<XunitException>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void FishForMessage_skips_until_the_predicate_holds()
    {
        for (var i = 0; i < 5; i++) TestActor.Tell(i);
        Assert.Equal(3, FishForMessage<int>(i => i == 3));
        ExpectMsg(4);
        TestActor.Tell("a");
        Assert.Equal("a", FishForMessage(m => m is string));
        Assert.Throws<XunitException>(() => FishForMessage(_ => false, TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void ReceiveN_returns_in_order_or_fails()
    {
        for (var i = 0; i < 3; i++) TestActor.Tell(i);
        Assert.Equal(new object[] { 0, 1, 2 }, ReceiveN(3));
        TestActor.Tell(9);
        Assert.Throws<XunitException>(() => ReceiveN(2, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void Within_bounds_the_default_wait_and_checks_duration()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(100), () => { ExpectMsg<string>(); }));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), "ExpectMsg inside Within must use the remaining time");
        Assert.Throws<XunitException>(() => Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => { }));
        Assert.Equal(5, Within(TimeSpan.FromSeconds(1), () => 5));
    }

    [Fact]
    public void Probes_have_their_own_queues_and_can_reply_and_forward()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        var probe = CreateTestProbe();
        probe.Send(echo, "hi");
        probe.ExpectMsg("hi");
        Assert.Same(echo, probe.LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(20));

        probe.Ref.Tell("question", TestActor);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Same(probe.Ref, LastSender);

        probe.Ref.Tell("pass on", TestActor);
        probe.ExpectMsg("pass on");
        probe.Forward(echo, "pass on");
        ExpectMsg("pass on"); // echo replied to the original sender
    }

    [Fact]
    public void AwaitCondition_and_AwaitAssert_poll_until_true()
    {
        var count = 0;
        AwaitCondition(() => ++count > 3);
        Assert.Throws<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(20)));
        var n = 0;
        AwaitAssert(() => Assert.True(++n > 2));
    }

    [Fact]
    public void Unwatch_stops_terminated_delivery()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        Watch(echo);
        Unwatch(echo);
        echo.Tell("sync", TestActor);
        ExpectMsg("sync");
        Sys.Stop(echo);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}

public sealed class TestKitExpectationTests : TestKit.TestKit
{
    [Fact]
    public void ExpectMsgAllOf_accepts_any_order_and_rejects_strangers()
    {
        TestActor.Tell(2);
        TestActor.Tell(1);
        TestActor.Tell(3);
        Assert.Equal(new[] { 2, 1, 3 }, ExpectMsgAllOf(1, 2, 3));
        TestActor.Tell(1);
        TestActor.Tell(9);
        Assert.Throws<Xunit.Sdk.XunitException>(() => ExpectMsgAllOf(1, 2));
    }

    [Fact]
    public void ExpectMsgAnyOf_and_ExpectMsgFrom()
    {
        TestActor.Tell("b");
        Assert.Equal("b", ExpectMsgAnyOf("a", "b"));
        TestActor.Tell("c");
        Assert.Throws<Xunit.Sdk.XunitException>(() => ExpectMsgAnyOf("a", "b"));

        var probe = CreateTestProbe();
        TestActor.Tell("from probe", probe.Ref);
        Assert.Equal("from probe", ExpectMsgFrom<string>(probe.Ref));
        TestActor.Tell("anonymous", null);
        Assert.Throws<Xunit.Sdk.XunitException>(() => ExpectMsgFrom<string>(probe.Ref));
    }

    [Fact]
    public void Time_factor_scales_default_waits()
    {
        Assert.True(TimeFactor >= 1);
        Assert.Equal(TimeSpan.FromSeconds(2 * TimeFactor), Dilated(TimeSpan.FromSeconds(2)));
    }
}
