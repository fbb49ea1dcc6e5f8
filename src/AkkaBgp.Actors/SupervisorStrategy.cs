namespace AkkaBgp.Actors;

public enum Directive
{
    Resume,
    Restart,
    Escalate,
    Stop,
}

/// <summary>How a parent treats a failing child. Only one-for-one supervision is provided.</summary>
public abstract class SupervisorStrategy
{
    /// <summary>Restart on any exception, except initialization, kill and death-pact failures, which stop.</summary>
    public static readonly SupervisorStrategy DefaultStrategy = new OneForOneStrategy(DefaultDecider);

    /// <summary>Every failure stops the child.</summary>
    public static readonly SupervisorStrategy StoppingStrategy = new OneForOneStrategy(_ => Directive.Stop);

    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    public abstract Directive Decide(Exception cause);

    /// <summary>Whether one more restart fits the retry budget; <paramref name="now"/> is the scheduler's monotonic clock.</summary>
    internal abstract bool RequestRestartPermission(ChildRestartStats stats, TimeSpan now);
}

public sealed class OneForOneStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <summary>
    /// <paramref name="maxNrOfRetries"/> null or negative: unlimited (but one per window when a window is given);
    /// 0: never restart. <paramref name="withinTimeRange"/> null: the budget is for the child's lifetime.
    /// Exceeding the budget stops the child.
    /// </summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNrOfRetries = maxNrOfRetries is < 0 ? null : maxNrOfRetries;
        WithinTimeRange = withinTimeRange is { } w && (w <= TimeSpan.Zero || w == Timeout.InfiniteTimeSpan) ? null : withinTimeRange;
        _decider = decider;
    }

    public OneForOneStrategy(int maxNrOfRetries, int withinTimeMilliseconds, Func<Exception, Directive> decider)
        : this(maxNrOfRetries, withinTimeMilliseconds < 0 ? null : TimeSpan.FromMilliseconds(withinTimeMilliseconds), decider)
    {
    }

    public OneForOneStrategy(Func<Exception, Directive> decider) : this(null, null, decider)
    {
    }

    public int? MaxNrOfRetries { get; }

    public TimeSpan? WithinTimeRange { get; }

    public override Directive Decide(Exception cause) => _decider(cause);

    internal override bool RequestRestartPermission(ChildRestartStats stats, TimeSpan now)
    {
        if (MaxNrOfRetries is null && WithinTimeRange is null) return true;
        if (WithinTimeRange is null) return ++stats.LifetimeRetries <= MaxNrOfRetries!.Value;

        var window = WithinTimeRange.Value;
        var max = MaxNrOfRetries ?? 1;
        if (stats.WindowStart is null || now - stats.WindowStart.Value > window)
        {
            stats.WindowStart = now;
            stats.RetriesInWindow = 1;
        }
        else
        {
            stats.RetriesInWindow++;
        }
        return stats.RetriesInWindow <= max;
    }
}
