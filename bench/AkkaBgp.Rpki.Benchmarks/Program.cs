using System.Runtime.CompilerServices;
using AkkaBgp.Rpki;
using AkkaBgp.Rpki.Benchmarks;
using BenchmarkDotNet.Running;

if (args.Contains("--memory"))
{
    RetainedMemory.Run();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(RovBenchmarks).Assembly).Run(args);

/// <summary>Retained heap per VRP for the table and the reference, built from the same 500k VRPs.</summary>
internal static class RetainedMemory
{
    private static object? _keep;

    public static void Run()
    {
        var vrps = SyntheticVrps.Create(RovBenchmarks.VrpCount, 1);
        long table = Measure(() => new VrpTable(vrps));
        long reference = Measure(() => new DictionaryPerLengthVrps(vrps));
        Console.WriteLine($"{vrps.Count:N0} VRPs ({vrps.Count(v => v.Prefix.IsIPv4):N0} IPv4)");
        Console.WriteLine($"VrpTable: {table / 1048576.0:N1} MiB, {(double)table / vrps.Count:N1} bytes/VRP");
        Console.WriteLine($"dictionary per length: {reference / 1048576.0:N1} MiB, {(double)reference / vrps.Count:N1} bytes/VRP");
        Console.WriteLine($"ratio VrpTable / reference: {(double)table / reference:N2}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Measure(Func<object> build)
    {
        _keep = null;
        long before = GC.GetTotalMemory(true);
        _keep = build();
        long after = GC.GetTotalMemory(true);
        GC.KeepAlive(_keep);
        _keep = null;
        return after - before;
    }
}
