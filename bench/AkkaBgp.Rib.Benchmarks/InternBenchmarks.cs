using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// Interning alone: every UPDATE of the synthetic W1 table (~280k, ~216k distinct sets) acquired into a fresh
/// <see cref="AttributeInterner"/>, as a partition does once per UPDATE. "with an MP next hop" gives each the same
/// 16-octet IPv6 next hop, as the shared bench's W4 does (the next hop is part of the interning key). One operation
/// is the whole table, so per-UPDATE figures are Mean / 280k.
/// </summary>
[MemoryDiagnoser]
public class InternBenchmarks
{
    private List<UpdateMessage> _updates = null!;
    private readonly byte[] _nextHop = System.Net.IPAddress.Parse("2001:db8:ffff::10").GetAddressBytes();

    [GlobalSetup]
    public void Setup() => _updates = SyntheticTable.Updates(SyntheticTable.Prefixes(1_000_000, 1), 65001, 1);

    [Benchmark(Description = "intern a W1 table's sets")]
    public int Intern()
    {
        var interner = new AttributeInterner(65000, 1);
        foreach (var u in _updates) interner.Acquire(u.Attributes);
        return interner.Count;
    }

    [Benchmark(Description = "intern a W1 table's sets with an MP next hop")]
    public int InternWithNextHop()
    {
        var interner = new AttributeInterner(65000, 1);
        foreach (var u in _updates) interner.Acquire(u.Attributes, _nextHop);
        return interner.Count;
    }
}
