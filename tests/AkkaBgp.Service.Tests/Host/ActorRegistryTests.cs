using AkkaBgp.Actors;
using AkkaBgp.Service.Hosting;

namespace AkkaBgp.Service.Tests.Host;

public sealed class ActorRegistryTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("registry-test");

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class OtherKey;

    [Fact]
    public async Task Actors_are_found_by_key_type_and_GetAsync_waits_for_the_registration()
    {
        var registry = new ActorRegistry();
        var pending = registry.GetAsync<Echo>();
        Assert.False(pending.IsCompleted);
        Assert.False(registry.TryGet<Echo>(out _));
        Assert.Throws<KeyNotFoundException>(() => registry.Get<Echo>());

        var echo = _system.ActorOf(Props.Create(() => new Echo()), "echo");
        Assert.True(registry.Register<Echo>(echo));
        Assert.Same(echo, await pending.WaitAsync(TimeSpan.FromSeconds(3)));
        Assert.Same(echo, registry.Get<Echo>());
        Assert.Equal("hi", await registry.Get<Echo>().Ask<string>("hi", TimeSpan.FromSeconds(3)));
        Assert.False(registry.TryGet<OtherKey>(out _));
    }

    [Fact]
    public void A_second_registration_needs_overwrite()
    {
        var registry = new ActorRegistry();
        var a = _system.ActorOf(Props.Create(() => new Echo()), "a");
        var b = _system.ActorOf(Props.Create(() => new Echo()), "b");
        Assert.True(registry.Register<OtherKey>(a));
        Assert.False(registry.Register<OtherKey>(b));
        Assert.Same(a, registry.Get<OtherKey>());
        Assert.True(registry.Register<OtherKey>(b, overwrite: true));
        Assert.Same(b, registry.Get<OtherKey>());
    }

    [Fact]
    public async Task Actors_can_be_registered_by_name()
    {
        var registry = new ActorRegistry();
        var pending = registry.GetAsync("echo");
        var echo = _system.ActorOf(Props.Create(() => new Echo()), "named");
        Assert.True(registry.Register("echo", echo));
        Assert.Same(echo, await pending.WaitAsync(TimeSpan.FromSeconds(3)));
        Assert.Same(echo, registry.Get("echo"));
        Assert.False(registry.TryGet("other", out _));
        Assert.False(registry.TryGet<Echo>(out _)); // names and types are separate keys
    }

    public void Dispose() => _system.Dispose();
}
