using AkkaBgp.Rpki;
using AkkaBgp.Wire;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rpki.Benchmarks;

/// <summary>Route origin validation lookups on a 500k-VRP set: <see cref="VrpTable"/> against one dictionary per
/// prefix length, the same routes in the same run.</summary>
[MemoryDiagnoser]
public class RovBenchmarks
{
    public const int VrpCount = 500_000;
    private const int Lookups = 65_536;

    private VrpTable _table = null!;
    private DictionaryPerLengthVrps _reference = null!;
    private (Prefix Route, uint Origin)[] _routes = null!;

    [GlobalSetup]
    public void Setup()
    {
        var vrps = SyntheticVrps.Create(VrpCount, 1);
        _table = new VrpTable(vrps);
        _reference = new DictionaryPerLengthVrps(vrps);
        _routes = SyntheticVrps.Routes(vrps, Lookups, 2);
        for (int i = 0; i < _routes.Length; i++)
            if (_table.Validate(_routes[i].Route, _routes[i].Origin) != _reference.Validate(_routes[i].Route, _routes[i].Origin))
                throw new InvalidOperationException($"the two disagree on {_routes[i].Route} AS{_routes[i].Origin}");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    public int DictionaryPerLength()
    {
        int valid = 0;
        foreach (var (route, origin) in _routes)
            if (_reference.Validate(route, origin) == RovState.Valid) valid++;
        return valid;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int SortedNestedArrays()
    {
        int valid = 0;
        foreach (var (route, origin) in _routes)
            if (_table.Validate(route, origin) == RovState.Valid) valid++;
        return valid;
    }
}
