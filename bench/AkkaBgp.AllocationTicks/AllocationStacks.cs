using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

/// <summary>The call stacks of the sampled allocations of one type, most frequent first: for allocations whose type
/// alone does not say which code makes them (an array of a common struct, say).</summary>
internal static class AllocationStacks
{
    public static int Print(string tracePath, string type)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(tracePath));
        var byStack = new Dictionary<string, (int Samples, long Bytes)>();
        foreach (var e in log.Events)
        {
            if (e is not GCAllocationTickTraceData tick || tick.TypeName != type) continue;
            var frames = new List<string>();
            for (var f = e.CallStack(); f is not null && frames.Count < 12; f = f.Caller)
                frames.Add(f.CodeAddress.FullMethodName is { Length: > 0 } name ? name : $"0x{f.CodeAddress.Address:x}");
            string key = string.Join("\n      <- ", frames);
            var (n, b) = byStack.GetValueOrDefault(key);
            byStack[key] = (n + 1, b + tick.AllocationAmount64);
        }
        foreach (var (stack, (n, b)) in byStack.OrderByDescending(x => x.Value.Bytes).Take(8))
            Console.WriteLine($"{b / 1048576.0:F1} MiB in {n} samples:\n      {stack}\n");
        return 0;
    }
}
