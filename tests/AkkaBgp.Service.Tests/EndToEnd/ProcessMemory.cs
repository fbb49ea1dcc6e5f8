using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>One reading of a process's memory: what the kernel charges it (RSS now and at its peak) and, after a
/// full blocking GC we ask the runtime for, the managed heap that survived it.</summary>
public sealed record MemoryReading(long RssBytes, long PeakRssBytes, long HeapAfterFullGcBytes)
{
    public static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " MB";

    public override string ToString() => $"RSS {Mb(RssBytes)} (peak {Mb(PeakRssBytes)}), managed heap after full GC {Mb(HeapAfterFullGcBytes)}";
}

/// <summary>
/// Reads a .NET process's memory from outside, as an operator's tools would: RSS and its high-water mark from
/// /proc, and the managed heap after a full GC that we induce over EventPipe (the GCHeapCollect keyword, which is
/// how dotnet-gcdump triggers its collection). The heap after a full GC is the figure that says whether memory
/// "returned to its baseline": RSS alone also holds memory the GC keeps for reuse.
/// </summary>
public static class ProcessMemory
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;

    public static (long Rss, long Peak) Rss(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line);
        }
        return (rss, peak);
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;

    /// <summary>Resets the peak-RSS counter (VmHWM) of <paramref name="pid"/> (Linux: writing 5 to clear_refs).</summary>
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    /// <summary>Induces a full blocking GC in <paramref name="pid"/> and returns the bytes that survived it as its GCHeapStats event
    /// reports them (all generations, LOH and POH included).</summary>
    public static async Task<long> HeapAfterFullGcAsync(int pid, TimeSpan? timeout = null)
    {
        var client = new DiagnosticsClient(pid);
        var providers = new[]
        {
            new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, GcKeyword | GcHeapCollectKeyword),
        };
        using var session = client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 64);
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            // Only the heap statistics of the gen-2 collection we induced: a gen-0 GC already under way when the
            // session started would report its own (larger) heap.
            bool induced = false;
            source.Clr.GCStart += e =>
            {
                if (e.Depth == 2 && e.Reason is Microsoft.Diagnostics.Tracing.Parsers.Clr.GCReason.Induced
                    or Microsoft.Diagnostics.Tracing.Parsers.Clr.GCReason.InducedNotForced) induced = true;
            };
            source.Clr.GCHeapStats += e =>
            {
                if (!induced) return;
                // What survived the full collection, per generation: the live objects. The generation sizes would add
                // free space (the large object heap is not compacted), which is the GC's to reuse, not a leak.
                long total = e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2 + e.TotalPromotedSize3 + e.TotalPromotedSize4;
                heap.TrySetResult(total);
            };
            source.Process();
        });
        try
        {
            return await heap.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        finally
        {
            try { session.Stop(); } catch (ServerNotAvailableException) { } catch (EndOfStreamException) { }
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    public static async Task<MemoryReading> ReadAsync(int pid)
    {
        long heap = await HeapAfterFullGcAsync(pid);
        var (rss, peak) = Rss(pid);
        return new MemoryReading(rss, peak, heap);
    }
}
