using Akka.Actor;
using Akka.Configuration;

namespace AkkaBgp.Kernel.Benchmarks;

/// <summary>
/// The dispatchers under test, as HOCON, and the ActorSystem each benchmark case runs in. Every
/// actor of a shape is deployed on the dispatcher under test; the scheduler, the guardians and
/// Ask's temporary actors are Akka's own and stay where Akka puts them.
/// </summary>
internal static class BenchSystem
{
    /// <summary>The [Params] values, in table order.</summary>
    public static readonly string[] Dispatchers = ["default", "tp-t5", "tp-t100", "channel", "fork-join-2", "pinned"];

    /// <summary>
    /// Akka 1.5.75's <c>akka.actor.default-dispatcher</c> is <c>executor = default-executor</c>, which is the
    /// .NET ThreadPool (ThreadPoolExecutorServiceFactory, <c>UnsafeQueueUserWorkItem(preferLocal: true)</c>),
    /// with <c>throughput = 30</c>. "default" is that, untouched; the others are declared below.
    /// </summary>
    public const string Hocon = """
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
        }
        # The default dispatcher's thread-pool executor with other batch sizes (messages per actor turn).
        tp-t5   { type = Dispatcher, executor = default-executor, throughput = 5 }
        tp-t100 { type = Dispatcher, executor = default-executor, throughput = 100 }
        # Akka's ChannelTaskScheduler (a few worker loops on the ThreadPool), normal priority.
        channel { type = Dispatcher, executor = channel-executor, throughput = 30 }
        # A dedicated pool of 2 threads (Helios DedicatedThreadPool), apart from the .NET ThreadPool.
        fork-join-2 {
          type = ForkJoinDispatcher
          throughput = 30
          dedicated-thread-pool { thread-count = 2, threadtype = background }
        }
        # One dedicated thread per actor.
        pinned { type = PinnedDispatcher, throughput = 30 }
        """;

    public static ActorSystem Create(string name) => ActorSystem.Create(name, ConfigurationFactory.ParseString(Hocon));

    /// <summary><paramref name="props"/> on the dispatcher under test.</summary>
    public static Props On(this Props props, string dispatcher) =>
        dispatcher == "default" ? props : props.WithDispatcher(dispatcher);
}
