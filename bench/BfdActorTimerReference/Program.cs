using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;

// args: sessions, interval ms, seconds, scheduler tick ms (the service runs with 100 ms, akka.scheduler.tick-duration)
int sessions = args.Length > 0 ? int.Parse(args[0]) : 200;
var interval = TimeSpan.FromMilliseconds(args.Length > 1 ? double.Parse(args[1]) : 50);
var duration = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2]) : 60);
int tickMs = args.Length > 3 ? int.Parse(args[3]) : 100;

var config = ConfigurationFactory.ParseString($"akka.scheduler.tick-duration = {tickMs}ms\nakka.loglevel = WARNING");
using var system = ActorSystem.Create("bfd-actor-timer-reference", config);
var gaps = new List<double>[sessions];
for (int i = 0; i < sessions; i++)
{
    gaps[i] = new List<double>(capacity: (int)(duration / interval) + 16);
    var list = gaps[i];
    system.ActorOf(Props.Create(() => new Transmitter(interval, list)), "tx-" + i);
}
await Task.Delay(duration);
await system.Terminate();

// The first gap of each actor is its start, not an interval.
var all = gaps.SelectMany(g => g.Skip(1)).Order().ToArray();
double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
Console.WriteLine($"actor timers: {sessions} x {interval.TotalMilliseconds} ms, tick {tickMs} ms, {duration.TotalSeconds} s: " +
    $"n={all.Length} p50={P(0.50):F1} p99={P(0.99):F1} max={(all.Length == 0 ? double.NaN : all[^1]):F1} ms, " +
    $"gaps over 3 x interval: {all.Count(g => g > 3 * interval.TotalMilliseconds)}");

/// <summary>Stands for a BFD session whose transmissions ride an actor timer (what the "one actor per session"
/// would do without a timing thread): records the time between its ticks.</summary>
sealed class Transmitter : ReceiveActor, IWithTimers
{
    private sealed record Tick;
    private long _last;

    public ITimerScheduler Timers { get; set; } = null!;

    public Transmitter(TimeSpan interval, List<double> gaps)
    {
        Receive<Tick>(_ =>
        {
            long now = Stopwatch.GetTimestamp();
            if (_last != 0) gaps.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
            _last = now;
        });
        Timers.StartPeriodicTimer("tx", new Tick(), interval);
    }

}
