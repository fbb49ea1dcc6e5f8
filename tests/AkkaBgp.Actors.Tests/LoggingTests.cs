using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace AkkaBgp.Actors.Tests;

public sealed class LoggingTests
{
    private sealed class Collect : ILogEventSink
    {
        public readonly ConcurrentQueue<LogEvent> Events = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    private sealed class Chatty : ReceiveActor
    {
        public Chatty() => Receive<string>(s =>
        {
            Log.Information("got {Text}", s);
            Sender.Tell("logged");
        });
    }

    private static string? Property(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var v) && v is ScalarValue { Value: var x } ? x?.ToString() : null;

    [Fact]
    public async Task Actors_log_through_the_system_logger_with_their_path()
    {
        var sink = new Collect();
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
        using var system = ActorSystem.Create("logs", new ActorSystemOptions { Logger = logger });
        var actor = system.ActorOf(Props.Create(() => new Chatty()), "chatty");
        Assert.Equal("logged", await actor.Ask<string>("hello", TimeSpan.FromSeconds(3)));
        var e = Assert.Single(sink.Events, x => x.MessageTemplate.Text == "got {Text}");
        Assert.Equal("akka://logs/user/chatty", Property(e, "ActorPath"));
        Assert.Equal("logs", Property(e, "ActorSystem"));
        Assert.Equal(typeof(Chatty).FullName, Property(e, "SourceContext"));
    }

    [Fact]
    public async Task Dead_letters_are_logged_not_thrown()
    {
        var sink = new Collect();
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
        using var system = ActorSystem.Create("dead", new ActorSystemOptions { Logger = logger });
        var actor = system.ActorOf(Props.Create(() => new Chatty()), "chatty");
        system.Stop(actor);
        await Task.Yield();
        for (var i = 0; i < 3; i++) system.DeadLetters.Tell("nobody home", null);
        Assert.Equal(3, sink.Events.Count(x => x.MessageTemplate.Text.StartsWith("Dead letter", StringComparison.Ordinal)));
    }
}
