using System.Globalization;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Host;

public sealed class RuntimeMetricsTests
{
    [Fact]
    public void The_heap_after_a_full_collection_rises_and_falls_with_what_is_held()
    {
        using var exporter = new PrometheusExporter(BgpMetrics.MeterName);
        using var metrics = new RuntimeMetrics();

        // 64 MiB held across a full blocking collection, then let go: far above what the other tests of this process
        // allocate and keep meanwhile.
        var held = new byte[64 << 20];
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var with = exporter.Scrape();
        GC.KeepAlive(held);
        held = null;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var without = exporter.Scrape();

        Assert.True(Value(with, RuntimeMetrics.HeapAfterFullCollectionInstrumentName) >= 64 << 20, with);
        Assert.True(Value(with, RuntimeMetrics.HeapAfterFullCollectionInstrumentName) - Value(without, RuntimeMetrics.HeapAfterFullCollectionInstrumentName) >= 48 << 20,
            $"{with}\n---\n{without}");
        Assert.True(Value(without, RuntimeMetrics.FullCollectionIndexInstrumentName) > Value(with, RuntimeMetrics.FullCollectionIndexInstrumentName));
        Assert.True(Value(without, RuntimeMetrics.CollectionsInstrumentName + "_total{generation=\"2\"}") >= 2);
        var vmRss = ProcessMemory.Rss(Environment.ProcessId).Rss;
        var rss = Value(without, RuntimeMetrics.ResidentInstrumentName);
        Assert.True(rss > vmRss * 0.75 && rss < vmRss * 1.25, $"RSS {rss} against /proc's VmRSS {vmRss}");
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", without);
    }

    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"{series} is not in the scrape:\n{text}");
    }
}
