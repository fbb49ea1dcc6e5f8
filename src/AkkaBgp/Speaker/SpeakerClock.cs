using Akka.Actor;

namespace AkkaBgp.Speaker;

/// <summary>
/// The monotonic clock protocol timers measure elapsed time with: when the peer was last heard (the HoldTimer,
/// RFC 4271 4.4) and when a prefix was last advertised (MinRouteAdvertisementIntervalTimer, 9.2.1.1).
/// <para>
/// Why not <c>Scheduler.MonotonicClock</c>: under Akka.TestKit's <c>TestScheduler</c> that is process time while
/// the timers fire on virtual time, so "heard within the hold time" would always be true in a test. Why not
/// re-arm the HoldTimer on every UPDATE: that costs a scheduler entry per message during a full-table transfer.
/// Production uses <see cref="TimeProvider.System"/> (a monotonic timestamp, immune to wall-clock steps); a test
/// that drives time with the TestScheduler installs a provider that reads the scheduler's virtual time.
/// </para>
/// </summary>
public sealed class SpeakerClock : IExtension
{
    private TimeProvider _time = TimeProvider.System;
    private long _origin = TimeProvider.System.GetTimestamp();

    /// <summary>Time elapsed since the clock was created (or since <see cref="Use"/>), never going backwards.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_origin);

    /// <summary>Replaces the time source (tests: virtual time). Call before the actors that read it start.</summary>
    public void Use(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
    }

    public static SpeakerClock For(ActorSystem system) => system.WithExtension<SpeakerClock, SpeakerClockProvider>();

    private sealed class SpeakerClockProvider : ExtensionIdProvider<SpeakerClock>
    {
        public override SpeakerClock CreateExtension(ExtendedActorSystem system) => new();
    }
}
