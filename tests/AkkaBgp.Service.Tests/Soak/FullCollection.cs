using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace AkkaBgp.Service.Tests.Soak;

/// <summary>
/// Makes the service run a full blocking GC from outside, the way dotnet-gcdump does: an EventPipe session that enables
/// the runtime provider's GCHeapCollect keyword has the runtime induce one. After it, the service's
/// <c>dotnet_gc_heap_after_full_collection_bytes</c> is what the speaker holds at that moment, without the garbage and
/// free space that make RSS swing between identical states.
/// </summary>
public static class FullCollection
{
    /// <summary>Keyword 0x800000 of Microsoft-Windows-DotNETRuntime: "induce a GC when the session starts".</summary>
    private const long GCHeapCollectKeyword = 0x800000;

    /// <param name="fullCollectionIndex">Reads the service's <c>dotnet_gc_full_collection_index</c>.</param>
    /// <returns>The index of the full collection that ran.</returns>
    public static async Task<long> RunAsync(int pid, Func<Task<long>> fullCollectionIndex, TimeSpan timeout)
    {
        long before = await fullCollectionIndex();
        var client = new DiagnosticsClient(pid);
        var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword);
        using var cts = new CancellationTokenSource(timeout);
        using var session = await client.StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 4, cts.Token);
        // The session's stream must be read or the runtime stops writing to it; nothing in it is needed here.
        var drain = session.EventStream.CopyToAsync(Stream.Null, cts.Token);
        try
        {
            while (true)
            {
                long now = await fullCollectionIndex();
                if (now > before) return now;
                await Task.Delay(50, cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no full blocking collection in the service within {timeout.TotalSeconds:0} s of asking for one");
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            try { await drain; } catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
        }
    }
}
