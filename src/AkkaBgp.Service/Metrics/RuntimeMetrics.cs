using System.Diagnostics.Metrics;

namespace AkkaBgp.Service.Metrics;

/// <summary>
/// The process's memory and the .NET GC, under the meter "AkkaBgp" so <c>/metrics</c> serves them beside the BGP series.
/// RSS alone cannot tell a leak from the GC keeping free space (quiet-point RSS swings +-15 % between identical states),
/// so the managed heap is also given as it stood after the last full blocking collection: live objects plus the
/// fragmentation that collection left, a figure that moves only when what the speaker holds moves.
/// </summary>
public sealed class RuntimeMetrics : IDisposable
{
    public const string ResidentInstrumentName = "process_resident_memory_bytes";
    public const string HeapAfterFullCollectionInstrumentName = "dotnet_gc_heap_after_full_collection_bytes";
    public const string FullCollectionIndexInstrumentName = "dotnet_gc_full_collection_index";
    public const string CollectionsInstrumentName = "dotnet_gc_collections";

    private readonly Meter _meter = new(BgpMetrics.MeterName, "1.0");

    public RuntimeMetrics()
    {
        _meter.CreateObservableGauge(ResidentInstrumentName, () => Environment.WorkingSet, "By", "Resident set size of the process");
        _meter.CreateObservableGauge("dotnet_gc_heap_bytes", () => GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes, "By",
            "GC heap size after the last collection of any kind (garbage of older generations included)");
        _meter.CreateObservableGauge("dotnet_gc_committed_bytes", () => GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes, "By",
            "Memory the GC has committed for its heap");
        _meter.CreateObservableGauge(HeapAfterFullCollectionInstrumentName, () => LiveAfterFullBlocking(), "By",
            "Managed heap after the last full blocking collection, fragmentation excluded (0 before the first)");
        _meter.CreateObservableGauge(FullCollectionIndexInstrumentName, () => GC.GetGCMemoryInfo(GCKind.FullBlocking).Index, "{collection}",
            "Index of the last full blocking collection (0 before the first): tells a reader which collection the figure above is from");
        _meter.CreateObservableCounter(CollectionsInstrumentName, Collections, "{collection}", "GC collections by generation");
    }

    private static long LiveAfterFullBlocking()
    {
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return info.Index == 0 ? 0 : info.HeapSizeBytes - info.FragmentedBytes;
    }

    private static IEnumerable<Measurement<long>> Collections()
    {
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
            yield return new Measurement<long>(GC.CollectionCount(generation), new KeyValuePair<string, object?>("generation", generation));
    }

    public void Dispose() => _meter.Dispose();
}
