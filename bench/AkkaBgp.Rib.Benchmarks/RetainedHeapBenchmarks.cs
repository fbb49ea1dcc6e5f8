using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// The retained heap per 1M paths (see <see cref="RetainedHeap"/>) as a BenchmarkDotNet column, next to the time and
/// the allocations of the same loads. The loads run in BenchmarkDotNet's own process (in-process toolchain) so that
/// the column can read what the last iteration measured; one operation is one whole load, UPDATE generation included,
/// so read the time column as "how long the measurement takes", not as load speed (RibLoadBenchmarks is that).
///
///   dotnet run -c Release --project bench/AkkaBgp.Rib.Benchmarks -- --filter '*RetainedHeap*' --memory
///
/// The same figures are held to a budget on every CI run by tests/AkkaBgp.Tests/Rib/RetainedHeapTests.cs.
/// </summary>
[Config(typeof(InProcessConfig))]
public class RetainedHeapBenchmarks
{
    internal static readonly ConcurrentDictionary<string, RetainedFigure> Last = new();

    [Benchmark(Description = "W1 table: 1 peer x 1M")]
    public void W1Table() => Last[nameof(W1Table)] = RetainedHeap.Table(1_000_000);

    [Benchmark(Description = "W1 RIB actor: 1 peer x 1M, 2 partitions")]
    public void W1RibActor() => Last[nameof(W1RibActor)] = RetainedHeap.ThroughRibActor(1, 1_000_000, 2);

    [Benchmark(Description = "W2 RIB actor: 10 peers x 100k, 2 partitions")]
    public void W2RibActor() => Last[nameof(W2RibActor)] = RetainedHeap.ThroughRibActor(10, 100_000, 2);

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            // Each operation is seconds long and its figure does not vary with repetition: a few single-invocation
            // iterations are enough.
            AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(1).WithIterationCount(3));
            AddColumn(new RetainedColumn("Retained MiB/1M paths", f => f.MiBPerMillionPaths.ToString("N1"),
                "Managed heap still reachable after the load, once its UPDATEs were dropped (RetainedHeap), per 1M paths"));
            AddColumn(new RetainedColumn("Retained B/path", f => f.BytesPerPath.ToString("N1"), "The same, per path"));
            AddColumn(new RetainedColumn("Paths", f => f.Paths.ToString("N0"), "Paths in the RIB after the load"));
        }
    }

    private sealed class RetainedColumn(string name, Func<RetainedFigure, string> format, string legend) : IColumn
    {
        public string Id => "Retained." + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            Last.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var f) ? format(f) : "-";
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
