using Akka.Configuration;
using Akka.TestKit;
using AkkaBgp.Speaker;

namespace AkkaBgp.Tests;

/// <summary>
/// Akka.TestKit for the speaker's tests: one actor system per test, on Akka.TestKit's virtual-time
/// <see cref="TestScheduler"/> unless a test needs real time (sockets and timers together).
/// <para>
/// Under the TestScheduler, <see cref="SpeakerClock"/> (the elapsed time the HoldTimer and MRAI measure) reads the
/// scheduler's virtual time too, so "heard within the hold time" follows <see cref="Advance"/>.
/// Akka's <c>Advance</c> fires what is due once and returns: a periodic timer fires once per call, and a timer
/// armed while a fired message is handled waits for the next call, so tests step through time.
/// </para>
/// </summary>
public abstract class BgpTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>What a parameterless ExpectNoMsg waited in the earlier kit; Akka's waits 3 s.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    protected BgpTestKit(bool virtualTime = true, string? systemName = null) : base(ConfigFor(virtualTime), systemName)
    {
        if (virtualTime) SpeakerClock.For(Sys).Use(new VirtualTime(VirtualClock));
    }

    private static Config ConfigFor(bool virtualTime)
    {
        // AKKA_TEST_TIMEFACTOR stretches every expectation on a slow machine (Akka's akka.test.timefactor).
        var factor = double.TryParse(Environment.GetEnvironmentVariable("AKKA_TEST_TIMEFACTOR"), System.Globalization.CultureInfo.InvariantCulture, out var f) && f >= 1 ? f : 1;
        var hocon = $$"""
            akka.loglevel = WARNING
            akka.actor.ask-timeout = 10s
            akka.test.timefactor = {{factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
            """;
        if (virtualTime) hocon += "\nakka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";
        return ConfigurationFactory.ParseString(hocon);
    }

    /// <summary>The virtual clock; fails if the system runs on real time.</summary>
    protected TestScheduler VirtualClock => Sys.Scheduler as TestScheduler
        ?? throw new InvalidOperationException("This test runs on the real-time scheduler");

    /// <summary>Moves virtual time on and fires what falls due, once each.</summary>
    protected void Advance(TimeSpan offset) => VirtualClock.Advance(offset);

    /// <summary>
    /// Steps virtual time on by <paramref name="step"/> until <paramref name="arrived"/> sees what the step should
    /// have caused (it waits up to <paramref name="wait"/> of real time after each step). For timers that actors on
    /// other threads may re-arm after the test last looked (a send hold timer restarted by a late write): Akka's
    /// Advance only fires what is due when it is called.
    /// </summary>
    protected T AdvanceUntil<T>(TimeSpan step, Func<TimeSpan, T?> arrived, int maxSteps = 5, TimeSpan? wait = null) where T : class
    {
        for (int i = 0; i < maxSteps; i++)
        {
            Advance(step);
            if (arrived(wait ?? TimeSpan.FromMilliseconds(500)) is { } seen) return seen;
        }
        throw new Xunit.Sdk.XunitException($"nothing arrived after {maxSteps} steps of {step} of virtual time");
    }

    /// <summary>The first <typeparamref name="T"/> matching <paramref name="match"/> that reaches <paramref name="probe"/>
    /// within <paramref name="wait"/>, skipping everything else; null if none does.</summary>
    protected static T? TryFish<T>(TestProbe probe, Func<T, bool> match, TimeSpan wait) where T : class
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            if (probe.ReceiveOne(deadline - DateTime.UtcNow) is T m && match(m)) return m;
        }
        return null;
    }

    /// <summary>A <see cref="TimeProvider"/> reading the TestScheduler's virtual time.</summary>
    private sealed class VirtualTime(TestScheduler scheduler) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => scheduler.Now;
        public override long GetTimestamp() => scheduler.Now.UtcTicks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
