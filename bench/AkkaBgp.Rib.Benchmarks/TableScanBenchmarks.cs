using AkkaBgp.Rib.Tables;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// The whole-table walks of a partition's table: every best path (the first table sent to a new neighbor, a route
/// refresh) and every prefix (re-selection after a next hop changed, a full dump), over one partition's share of a
/// full table.
/// </summary>
[MemoryDiagnoser]
public class TableScanBenchmarks
{
    private PrefixTable _table = null!;

    [Params(500_000)]
    public int Table { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var upstream = new RibPeer { Slot = 1, Address = System.Net.IPAddress.Parse("127.0.1.10"), PeerAs = 65001, LocalAs = 65000, RouterId = 0x7F00010A };
        (_table, _) = TableLoad.Into(SyntheticTable.Updates(SyntheticTable.Prefixes(Table, 1), 65001, 1), [upstream]);
    }

    [Benchmark(Description = "every best path")]
    public int BestPaths()
    {
        int n = 0;
        foreach (var _ in _table.BestPaths()) n++;
        return n;
    }

    [Benchmark(Description = "every prefix")]
    public int AllPrefixes()
    {
        int n = 0;
        foreach (var _ in _table.AllPrefixes()) n++;
        return n;
    }
}
