using System.Diagnostics;
using System.Runtime.CompilerServices;
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

/// <summary>Retained heap per prefix after a W1 load: what stays alive once the UPDATEs are gone.
/// Loads happen in separate non-inlined methods so that no hidden temporary of Main keeps anything alive.</summary>
internal static class RetainedMemory
{
    private static object? _keep;
    private static readonly RibPeer[] Peers = [new RibPeer { Slot = 1, Address = System.Net.IPAddress.Parse("127.0.1.10"), PeerAs = 65001, LocalAs = 65000, RouterId = 1 }];

    public static void Run()
    {
        Load(50_000, 3); // warm the code paths so the timing below is not tier-0 JIT code
        _keep = null;
        long baseline = GC.GetTotalMemory(true);
        var (prefixes, sets, ms) = Load(1_000_000, 1);
        long loaded = GC.GetTotalMemory(true);
        _keep = null;
        long empty = GC.GetTotalMemory(true);
        Console.WriteLine($"W1 load: {prefixes:N0} prefixes, {sets:N0} attribute sets, {ms:N0} ms");
        Console.WriteLine($"retained: {(loaded - baseline) / 1048576.0:N1} MiB, {(double)(loaded - baseline) / prefixes:N1} bytes/prefix (interned attributes included)");
        Console.WriteLine($"after dropping the table: {(empty - baseline) / 1048576.0:N1} MiB above the baseline");
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (int, int, double) Load(int count, int seed)
    {
        var updates = SyntheticTable.Updates(SyntheticTable.Prefixes(count, seed), 65001, seed);
        var sw = Stopwatch.StartNew();
        var (table, interner) = RibLoadBenchmarks.Load(updates, Peers, expected: count);
        sw.Stop();
        _keep = table;
        return (table.PrefixCount, interner.Count, sw.Elapsed.TotalMilliseconds);
    }
}
