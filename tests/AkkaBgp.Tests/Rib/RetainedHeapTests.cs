using AkkaBgp.Rib.Benchmarks;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// Memory regression test (issue 11): what a full table keeps on the managed heap (and in the prefix index's native
/// memory) once loaded, per 1M paths, held to a
/// budget. The measurement is bench/AkkaBgp.Rib.Benchmarks/RetainedHeap.cs, compiled in here, the same code the
/// BenchmarkDotNet suite RetainedHeapBenchmarks reports as a column (README, "Benchmarks"). A retained-heap figure is a
/// byte count after a full collection, not a timing: it does not move with the machine's load, so it can fail a build.
///
/// The budgets are the figures measured when they were set plus about 10 %: a change that makes every path or every
/// attribute set bigger fails here; one that shrinks them should lower the budget in the same commit.
/// </summary>
[Collection(RetainedHeapCollection.Name)]
public sealed class RetainedHeapTests(ITestOutputHelper output)
{
    // Measured 2026-12-06 (ninth session, path slots in native memory): 91.1, 107.9 and 73.0 MiB (bench/RESULTS.md);
    // budget = measured + ~10 %. The figures include the native memory of the prefix index and the path slots
    // (PrefixTable.NativeBytesInUse), which the GC does not see.
    private const double TableBudget = 100;     // MiB per 1M paths, PrefixTable + interned attributes
    private const double W1RibBudget = 119;     // MiB per 1M paths, through the RIB actor, 1 peer x 1M, 2 partitions
    private const double W2RibBudget = 80;      // MiB per 1M paths, through the RIB actor, 10 peers x 100k, 2 partitions

    [Fact]
    public void A_full_table_in_the_prefix_table_stays_within_its_memory_budget()
    {
        var f = RetainedHeap.Table(1_000_000);
        output.WriteLine(f.ToString());
        Assert.Equal(1_000_000, f.Paths);
        Assert.True(f.MiBPerMillionPaths <= TableBudget, $"{f} is over the budget of {TableBudget} MiB per 1M paths");
    }

    [Fact]
    public void A_full_table_through_the_rib_actor_stays_within_its_memory_budget()
    {
        var f = RetainedHeap.ThroughRibActor(1, 1_000_000, 2);
        output.WriteLine(f.ToString());
        Assert.Equal(1_000_000, f.Paths);
        Assert.True(f.MiBPerMillionPaths <= W1RibBudget, $"{f} is over the budget of {W1RibBudget} MiB per 1M paths");
    }

    [Fact]
    public void Ten_peers_with_the_same_prefixes_stay_within_their_memory_budget()
    {
        var f = RetainedHeap.ThroughRibActor(10, 100_000, 2);
        output.WriteLine(f.ToString());
        Assert.Equal(1_000_000, f.Paths);
        Assert.Equal(100_000, f.Prefixes);
        Assert.True(f.MiBPerMillionPaths <= W2RibBudget, $"{f} is over the budget of {W2RibBudget} MiB per 1M paths");
    }
}

/// <summary>Alone: the figure is a process-wide heap difference, so no other test may allocate while it is taken
/// (xunit runs collections without parallelization after the parallel ones, one at a time).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RetainedHeapCollection
{
    public const string Name = "retained heap (alone)";
}
