using Serilog;

namespace AkkaBgp.Actors;

/// <summary>Settings of one actor system (the kernel's stand-in for the <c>akka { }</c> config block).</summary>
public sealed class ActorSystemOptions
{
    /// <summary>Builds the scheduler; null selects the real-time scheduler. TestKit passes a virtual-time one.</summary>
    public Func<ActorSystem, IScheduler>? SchedulerFactory { get; init; }

    /// <summary>Used by Ask when no timeout is given. Must be finite (Akka.NET defaults to infinite).</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Root logger for the system and its actors; null means Serilog's <c>Log.Logger</c>.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Messages an actor processes per turn before yielding its thread (Akka's dispatcher throughput).</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>Strategy the /user guardian applies to top-level actors.</summary>
    public SupervisorStrategy? GuardianSupervisorStrategy { get; init; }

    /// <summary>How many dead letters are logged at Information; later ones are logged at Debug.</summary>
    public int DeadLetterLogLimit { get; init; } = 10;
}
