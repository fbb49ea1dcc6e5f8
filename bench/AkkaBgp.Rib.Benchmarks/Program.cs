using System.Diagnostics;
using AkkaBgp.Rib.Benchmarks;
using AkkaBgp.Rib.Tables;
using BenchmarkDotNet.Running;

if (args.Length >= 3 && args[0] == "--serve")
{
    await SharedBenchHost.RunAsync(args[1], int.Parse(args[2]), args.Length > 3 ? int.Parse(args[3]) : 2);
    return;
}
if (args.Contains("--retained"))
{
    RetainedMemory.Run();
    return;
}
if (args.Contains("--actors"))
{
    // Quick wall-clock check of the actor pipeline (BenchmarkDotNet's RibActorBenchmarks is the real measurement).
    var b = new RibActorBenchmarks();
    b.Setup();
    foreach (int partitions in new[] { 1, 2, 1, 2 })
    {
        b.Partitions = partitions;
        b.IterationSetup();
        var sw = Stopwatch.StartNew();
        b.W1();
        double w1 = sw.Elapsed.TotalMilliseconds;
        b.IterationCleanup();
        b.IterationSetup();
        sw.Restart();
        b.W2();
        double w2 = sw.Elapsed.TotalMilliseconds;
        b.IterationCleanup();
        b.IterationSetup();
        sw.Restart();
        b.W2Sequential();
        double w2s = sw.Elapsed.TotalMilliseconds;
        b.IterationCleanup();
        Console.WriteLine($"partitions {partitions}: W1 {w1:N0} ms, W2 {w2:N0} ms, W2 one peer after the other {w2s:N0} ms");
    }
    b.Cleanup();
    return;
}
if (args.Contains("--phases"))
{
    RetainedMemory.Phases();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(RibLoadBenchmarks).Assembly).Run(args);

/// <summary>Wall-clock diagnostics of the table load (BenchmarkDotNet's RibLoadBenchmarks is the real measurement).</summary>
internal static class RetainedMemory
{
    private static readonly RibPeer[] Peers = [new RibPeer { Slot = 1, Address = System.Net.IPAddress.Parse("127.0.1.10"), PeerAs = 65001, LocalAs = 65000, RouterId = 1 }];

    /// <summary>The retained-heap figures of the memory regression test, printed (see RetainedHeap).</summary>
    public static void Run()
    {
        RetainedHeap.Table(50_000); // warm the code paths once
        Console.WriteLine(RetainedHeap.Table(1_000_000));
        Console.WriteLine(RetainedHeap.ThroughRibActor(1, 1_000_000, 2));
        Console.WriteLine(RetainedHeap.ThroughRibActor(1, 1_000_000, 1));
        Console.WriteLine(RetainedHeap.ThroughRibActor(10, 100_000, 2));
    }

    /// <summary>Splits a W1 load into interning and table insertion, to see where the time goes.</summary>
    public static void Phases()
    {
        for (int rep = 0; rep < 3; rep++)
        {
            var updates = SyntheticTable.Updates(SyntheticTable.Prefixes(1_000_000, 1), 65001, 1);
            var interner = new AttributeInterner(65000, 1);
            var sw = Stopwatch.StartNew();
            var routes = updates.Select(u => interner.Acquire(u.Attributes)).ToArray();
            double intern = sw.Elapsed.TotalMilliseconds;
            var table = new PrefixTable(false, interner, AkkaBgp.Rib.Decision.DecisionOptions.Default, s => Peers[0], 1_000_000);
            sw.Restart();
            for (int i = 0; i < updates.Count; i++)
                foreach (var e in updates[i].Nlri) table.Announce(e.Prefix, Peers[0], routes[i]);
            double insert = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"intern {updates.Count:N0} sets: {intern:N0} ms; insert {table.PrefixCount:N0} prefixes: {insert:N0} ms");
        }
        var b = new RibLoadBenchmarks();
        b.Setup();
        for (int rep = 0; rep < 3; rep++)
        {
            var sw = Stopwatch.StartNew();
            b.W2();
            Console.WriteLine($"W2 table only: {sw.Elapsed.TotalMilliseconds:N0} ms");
        }
    }
}
