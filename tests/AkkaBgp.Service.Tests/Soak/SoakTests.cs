using Xunit.Abstractions;

namespace AkkaBgp.Service.Tests.Soak;

/// <summary>
/// The soak, scaled: about two minutes of the hour's script (tests/soak/run-soak.sh runs the hour with the same code).
/// The RIB is checked against the model at every checkpoint inside the run; here the quiet state at the end of each cycle
/// must not creep upwards once warm.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Flaps_reloads_API_routes_and_a_full_table_leave_memory_handles_threads_and_actors_where_they_were()
    {
        var options = SoakOptions.FromEnvironment(TimeSpan.FromSeconds(120), fullTable: 50_000);
        await using var soak = new SoakRun(options, output.WriteLine);
        try
        {
            await soak.RunAsync();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n--- service output ---\n{soak.ServiceOutput}", e);
        }

        // The first quarter of the cycles warms up (JIT, the thread pool, the GC sizing its heap for a full table: RSS
        // rose from 175 to 230 MB over the first ten cycles in the first run); the rest must hold still.
        var warm = soak.Quiet.Skip(Math.Max(1, soak.Quiet.Count / 4)).ToList();
        Assert.True(warm.Count >= 3, $"only {warm.Count} warm cycles: too few to speak of drift");
        var first = warm[0];
        var text = string.Join("\n", soak.Quiet);
        output.WriteLine(text);
        output.WriteLine($"/bgp/events listeners dropped for falling behind: {soak.ListenersDropped} of {soak.Quiet.Count}");
        output.WriteLine($"background samples the busy speaker answered with 504: {soak.SamplesMissed}");
        // Actors and interned attribute sets are exact: the same state has the same actors and attribute sets.
        Assert.All(warm, s => Assert.True(s.Actors == first.Actors, $"actors drift: {first.Actors} then {s.Actors}\n{text}"));
        Assert.All(warm, s => Assert.True(s.AttributeSets == first.AttributeSets, $"attribute sets drift: {first.AttributeSets} then {s.AttributeSets}\n{text}"));
        // Descriptors, threads and RSS move a little with the thread pool, pooled HTTP connections and the GC's heap
        // sizing; a leak grows every cycle, so the last warm cycles are compared with the first ones.
        var early = warm.Take(Math.Max(1, warm.Count / 3)).ToList();
        var late = warm.Skip(warm.Count - Math.Max(1, warm.Count / 3)).ToList();
        Assert.True(late.Max(s => s.Handles) <= early.Max(s => s.Handles) + 4, $"descriptors drift\n{text}");
        Assert.True(late.Max(s => s.Threads) <= early.Max(s => s.Threads) + 6, $"threads drift\n{text}");
        // The managed heap at each quiet point is read right after a full blocking collection the soak induces (see
        // ProcessMemory), so it is what the speaker holds, not what the GC has yet to free. It wanders by about
        // +-1.5 MB between identical states (a mailbox queue keeps the segment its largest backlog grew; pools keep
        // buffers): 11-14.5 MB over 150 cycles of a five-minute run with no trend. A leak lifts the late third above the
        // early third's highest reading by more than that wander.
        Assert.True(Median(late.Select(s => s.HeapKb)) <= early.Max(s => s.HeapKb) * 1.10 + 2 * 1024, $"managed heap drift\n{text}");
        // RSS also covers native memory (sockets, the runtime's own). It swings upwards for a few cycles at a time as the
        // GC keeps free space: a CI run (2026-12-06, no induced collection then) read 198-288 MB in the last third after
        // 199-226 MB in the first, its late median 10 % over the early maximum, while actors, attribute sets and
        // descriptors held exactly; with the collection, beside the reliability tests, 182-199 MB early, up to 235 in the
        // middle third and 194-216 late. Such spikes lift the late median but not the late minimum; a native leak lifts
        // every late reading, so it is the lowest of them that is held to the early third's highest.
        Assert.True(late.Min(s => s.RssKb) <= early.Max(s => s.RssKb) * 1.05 + 8 * 1024, $"RSS drift\n{text}");
    }

    private static double Median(IEnumerable<long> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2.0;
    }
}
