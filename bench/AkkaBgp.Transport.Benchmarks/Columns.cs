using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AkkaBgp.Transport.Benchmarks;

public sealed class TransportConfig : ManualConfig
{
    public TransportConfig()
    {
        // ThreadingDiagnoser is not used: BenchmarkDotNet 0.14 does not recognise .NET 10 as "Core 3.0+" and refuses to run.
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new MessagesPerSecondColumn(), new CpuColumn(CpuColumn.Kind.CpuPerMessage), new CpuColumn(CpuColumn.Kind.Ratio),
            new CpuColumn(CpuColumn.Kind.CoresBusy));
    }
}

/// <summary>Framed messages per second, from Mean (which is per message: OperationsPerInvoke = messages).</summary>
public sealed class MessagesPerSecondColumn : IColumn
{
    public string Id => "MsgPerSec";
    public string ColumnName => "Msg/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Messages per second through the transport (1 s / Mean)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        return stats is null ? "NA" : (1e9 / stats.Mean).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Process CPU time per message (all threads: the sender, the receiver, the actors, the GC), the median over
/// every operation the benchmark process ran; its ratio to the baseline of the same class and parameters; and
/// how many cores that kept busy on average (CPU time / wall time).
/// </summary>
public sealed class CpuColumn(CpuColumn.Kind kind) : IColumn
{
    public enum Kind { CpuPerMessage, Ratio, CoresBusy }

    public string Id => "Cpu" + kind;
    public string ColumnName => kind switch { Kind.CpuPerMessage => "CPU ns/msg", Kind.Ratio => "CPU ratio", _ => "Cores busy" };
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1 + (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind switch
    {
        Kind.CpuPerMessage => "Process CPU time per message (all threads, sender included), median over the process's operations",
        Kind.Ratio => "CPU ns/msg divided by the baseline's in the same run",
        _ => "Process CPU time / wall time during the operations (2 cores here)",
    };
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public static string Key(BenchmarkCase c) =>
        $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}.{string.Join(",", c.Parameters.Items.Select(p => $"{p.Name}={p.Value}"))}";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mine = CpuMeter.Load(Key(benchmarkCase));
        if (mine is null) return "NA";
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        switch (kind)
        {
            case Kind.CpuPerMessage:
                return mine.Value.CpuNs.ToString("N0", culture);
            case Kind.CoresBusy:
                return (mine.Value.CpuNs / mine.Value.WallNs).ToString("F2", culture);
            default:
                var baseline = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Baseline
                    && c.Descriptor.Type == benchmarkCase.Descriptor.Type
                    && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
                var b = baseline is null ? null : CpuMeter.Load(Key(baseline));
                return b is null ? "NA" : (mine.Value.CpuNs / b.Value.CpuNs).ToString("F2", culture);
        }
    }
}
