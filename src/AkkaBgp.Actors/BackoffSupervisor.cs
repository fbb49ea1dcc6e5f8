namespace AkkaBgp.Actors;

/// <summary>
/// Parent that runs one child and, when the child crashes, stops it and starts a new one after
/// an exponentially growing delay: <c>min(max, min * 2^n) * (1 + random * randomFactor)</c>.
/// Messages are forwarded to the current child (to DeadLetters while none is running).
/// The restart count resets once a child has run for <c>minBackoff</c> without crashing.
/// A child that stops on its own (without a failure) stops the supervisor too.
/// </summary>
public sealed class BackoffSupervisor : ActorBase
{
    private readonly Props _childProps;
    private readonly string _childName;
    private readonly TimeSpan _minBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly double _randomFactor;
    private readonly int _maxNrOfRetries;
    private IActorRef? _child;
    private int _restartCount;
    private int _childGeneration;
    private bool _childFailed;

    private BackoffSupervisor(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff,
        double randomFactor, int maxNrOfRetries)
    {
        _childProps = childProps;
        _childName = childName;
        _minBackoff = minBackoff;
        _maxBackoff = maxBackoff;
        _randomFactor = randomFactor;
        _maxNrOfRetries = maxNrOfRetries;
    }

    /// <param name="maxNrOfRetries">Restarts allowed before the supervisor gives up and stops; negative = unlimited.</param>
    public static Props Props(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff,
        double randomFactor, int maxNrOfRetries = -1)
    {
        ArgumentNullException.ThrowIfNull(childProps);
        if (minBackoff <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minBackoff), "must be positive");
        if (maxBackoff < minBackoff) throw new ArgumentOutOfRangeException(nameof(maxBackoff), "must be >= minBackoff");
        if (randomFactor is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(randomFactor), "must be in [0, 1]");
        return Actors.Props.Create(() =>
            new BackoffSupervisor(childProps, childName, minBackoff, maxBackoff, randomFactor, maxNrOfRetries));
    }

    public static TimeSpan CalculateDelay(int restartCount, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor)
    {
        var random = 1.0 + Random.Shared.NextDouble() * randomFactor;
        var exponential = restartCount >= 30 ? maxBackoff.Ticks : Math.Min(maxBackoff.Ticks, minBackoff.Ticks * (double)(1L << restartCount));
        return TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks / 2.0, exponential * random));
    }

    /// <summary>Asks for the running child: replies <see cref="CurrentChild"/>.</summary>
    public sealed class GetCurrentChild
    {
        public static readonly GetCurrentChild Instance = new();

        private GetCurrentChild() { }
    }

    public sealed record CurrentChild(IActorRef? Ref);

    /// <summary>Asks for the number of restarts since the last reset: replies <see cref="RestartCount"/>.</summary>
    public sealed class GetRestartCount
    {
        public static readonly GetRestartCount Instance = new();

        private GetRestartCount() { }
    }

    public sealed record RestartCount(int Count);

    /// <summary>Resets the restart count so the next crash restarts after minBackoff.</summary>
    public sealed class Reset
    {
        public static readonly Reset Instance = new();

        private Reset() { }
    }

    private sealed record StartChild;

    private sealed record ResetIfStable(int Generation);

    protected override void PreStart() => StartChildNow();

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(ex =>
        {
            _childFailed = true;
            return Directive.Stop;
        });

    private void StartChildNow()
    {
        _childFailed = false;
        _child = Context.Watch(Context.ActorOf(_childProps, _childName));
        var generation = ++_childGeneration;
        Context.System.Scheduler.ScheduleTellOnce(_minBackoff, Self, new ResetIfStable(generation), Self);
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated t when ReferenceEquals(t.ActorRef, _child):
                _child = null;
                if (!_childFailed)
                {
                    Context.Stop(Self);
                }
                else if (_maxNrOfRetries >= 0 && _restartCount >= _maxNrOfRetries)
                {
                    Log.Warning("Child {Child} crashed {Count} times; giving up", _childName, _restartCount);
                    Context.Stop(Self);
                }
                else
                {
                    var delay = CalculateDelay(_restartCount, _minBackoff, _maxBackoff, _randomFactor);
                    _restartCount++;
                    Log.Information("Child {Child} crashed; restarting in {Delay}", _childName, delay);
                    Context.System.Scheduler.ScheduleTellOnce(delay, Self, new StartChild(), Self);
                }
                return true;
            case StartChild:
                if (_child is null) StartChildNow();
                return true;
            case ResetIfStable reset:
                if (reset.Generation == _childGeneration && _child is not null) _restartCount = 0;
                return true;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                return true;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                return true;
            case Reset:
                _restartCount = 0;
                return true;
            default:
                (_child ?? Context.System.DeadLetters).Tell(message, Cell.CurrentSenderOrNull);
                return true;
        }
    }
}
