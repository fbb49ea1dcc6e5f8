using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// A session with 10 routes ends next to a full table (one upstream's 1M prefixes, or half of it in one of two
/// partitions): what finding and removing its paths costs when it ends on its own (one operation = its 10 routes
/// withdrawn with <see cref="PrefixTable.WithdrawAll(int, Action{Prefix, BestChange})"/>, then announced again for
/// the next operation). And the upstream's own session ends: all of its paths withdrawn (one operation; the table is
/// loaded again before each), whose figure that matters is the allocation: the list of the prefixes to visit.
/// </summary>
[MemoryDiagnoser]
public class PeerDownBenchmarks
{
    private PrefixTable _table = null!;
    private AttributeInterner _interner = null!;
    private RibPeer _small = null!;
    private RouteAttributes _route = null!;
    private RibPeer _upstream = null!;
    private List<UpdateMessage> _updates = null!;
    private readonly Prefix[] _own = Enumerable.Range(0, 10).Select(i => Prefix.IPv4(0x0B000000u + ((uint)i << 8), 24)).ToArray();

    [Params(500_000)]
    public int Table { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var upstream = _upstream = new RibPeer { Slot = 1, Address = System.Net.IPAddress.Parse("127.0.1.10"), PeerAs = 65001, LocalAs = 65000, RouterId = 0x7F00010A };
        _small = new RibPeer { Slot = 2, Address = System.Net.IPAddress.Parse("127.0.1.11"), PeerAs = 65002, LocalAs = 65000, RouterId = 0x7F00010B };
        var updates = _updates = SyntheticTable.Updates(SyntheticTable.Prefixes(Table, 1), 65001, 1);
        (_table, _interner) = TableLoad.Into(updates, [upstream, _small]);
        _route = _interner.Acquire(updates[0].Attributes);
        foreach (var p in _own) _table.Announce(p, _small, _route);
    }

    [Benchmark(Description = "a 10-route session ends next to the table")]
    public int SessionEnds()
    {
        int reported = 0;
        _table.WithdrawAll(_small.Slot, (_, _) => reported++);
        foreach (var p in _own) _table.Announce(p, _small, _route);
        return reported;
    }

    [IterationSetup(Target = nameof(UpstreamEnds))]
    public void LoadUpstream()
    {
        if (_table.PathsFrom(_upstream.Slot) == 0) TableLoad.Into(_updates, [_upstream, _small], 0, _table, _interner);
    }

    [Benchmark(Description = "the upstream's session ends (all its paths)")]
    public int UpstreamEnds()
    {
        int reported = 0;
        _table.WithdrawAll(_upstream.Slot, (_, _) => reported++);
        return reported;
    }
}
