using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// W1-like: 1M IPv4 prefixes from one peer into the table with best-path selection. W2-like: 10 peers each
/// announcing the same 100k prefixes with different attributes (best path re-run on every update).
/// One operation = the whole load, so per-prefix figures are Mean / 1M and Allocated / 1M.
/// </summary>
[MemoryDiagnoser]
public class RibLoadBenchmarks
{
    private List<UpdateMessage> _w1 = null!;
    private List<UpdateMessage>[] _w2 = null!;
    private RibPeer[] _peers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w1 = SyntheticTable.Updates(SyntheticTable.Prefixes(1_000_000, 1), 65001, 1);
        var p100k = SyntheticTable.Prefixes(100_000, 2);
        _w2 = Enumerable.Range(0, 10).Select(i => SyntheticTable.Updates(p100k, (uint)(65001 + i), i + 1)).ToArray();
        _peers = Enumerable.Range(0, 10).Select(i => new RibPeer
        {
            Slot = i + 1,
            Address = System.Net.IPAddress.Parse($"127.0.1.{10 + i}"),
            PeerAs = (uint)(65001 + i),
            LocalAs = 65000,
            RouterId = (uint)(0x7F00010A + i),
        }).ToArray();
    }

    [Benchmark(Description = "W1: 1M prefixes, 1 peer")]
    public int W1() => TableLoad.Into(_w1, _peers, expected: 1_000_000).Table.PrefixCount;

    [Benchmark(Description = "W2: 10 peers x 100k prefixes")]
    public int W2()
    {
        var interner = new AttributeInterner(65000, 0x7F000101);
        PrefixTable? table = null;
        for (int round = 0; round < 10; round++)
            (table, interner) = TableLoad.Into(_w2[round], _peers, round, table, interner, 100_000);
        return table!.PathCount;
    }
}
