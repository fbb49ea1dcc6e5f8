using Microsoft.Diagnostics.Tracing;

// Usage: dotnet run -c Release --project bench/AkkaBgp.AllocationTicks -- TRACE.nettrace [FROM_S TO_S]
//        dotnet run -c Release --project bench/AkkaBgp.AllocationTicks -- TRACE.nettrace --stacks TYPE
// (the second: where the sampled allocations of TYPE were made, by call stack; the trace needs the runtime's
// rundown, which dotnet-trace adds when it stops)
// The runtime raises one AllocationTick event per ~100 KB allocated, naming the type of the allocation that crossed
// the mark, so the sums below are a sample of the allocation volume by type, not exact counts. Prints the volume per
// second of the trace (to find the load) and the types within [FROM_S, TO_S] seconds of the trace's start, then every
// garbage collection in that window: when, which generation, why (induced, low memory, allocation budget...) and how
// long the runtime was suspended for it, and the methods the JIT compiled in the window (with a trace that has the
// JIT keyword: `dotnet-trace collect --clrevents gc+jit`), which a warm-up at start-up could have compiled instead.
if (args.Length >= 3 && args[1] == "--stacks")
    return AllocationStacks.Print(args[0], args[2]);
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AkkaBgp.AllocationTicks TRACE.nettrace [FROM_S TO_S]");
    return 64;
}
double from = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
double to = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : double.MaxValue;
using var source = new EventPipeEventSource(args[0]);
var byType = new Dictionary<string, long>();
// Large-object-heap allocations apart: they count against the LOH's own budget, whose overrun starts a gen-2 collection.
var largeByType = new Dictionary<string, long>();
var bySecond = new SortedDictionary<int, long>();
source.Clr.GCAllocationTick += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    bySecond[(int)t] = bySecond.GetValueOrDefault((int)t) + e.AllocationAmount64;
    if (t >= from && t <= to) byType[e.TypeName] = byType.GetValueOrDefault(e.TypeName) + e.AllocationAmount64;
    if (t >= from && t <= to && e.AllocationKind == Microsoft.Diagnostics.Tracing.Parsers.Clr.GCAllocationKind.Large)
        largeByType[e.TypeName] = largeByType.GetValueOrDefault(e.TypeName) + e.AllocationAmount64;
};
var collections = new List<(double At, int Gen, string Reason, string Type)>();
var promoted = new List<(double At, long Gen0, long Gen1)>();
source.Clr.GCHeapStats += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    if (t >= from && t <= to) promoted.Add((t, e.TotalPromotedSize0, e.TotalPromotedSize1));
};
var pauses = new List<(double At, double Ms)>();
double suspended = -1;
source.Clr.GCStart += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    if (t >= from && t <= to) collections.Add((t, e.Depth, e.Reason.ToString(), e.Type.ToString()));
};
// A pause is the time to stop the threads (they must reach a safe point), the collection itself, and the restart.
var phases = new List<(double At, double Suspend, double Collect)>();
double suspendedAll = -1, gcStart = -1, gcEnd = -1;
source.Clr.GCSuspendEEStart += e => suspended = e.TimeStampRelativeMSec;
source.Clr.GCSuspendEEStop += e => suspendedAll = e.TimeStampRelativeMSec;
source.Clr.GCStart += e => gcStart = e.TimeStampRelativeMSec;
source.Clr.GCStop += e => gcEnd = e.TimeStampRelativeMSec;
source.Clr.GCRestartEEStop += e =>
{
    if (suspended < 0) return;
    double t = suspended / 1000;
    if (t >= from && t <= to)
    {
        pauses.Add((t, e.TimeStampRelativeMSec - suspended));
        phases.Add((t, suspendedAll - suspended, gcEnd > gcStart && gcStart > suspended ? gcEnd - gcStart : double.NaN));
    }
    suspended = -1;
};
// Mark phases of each collection: the runtime reports, per root kind (stack, finalizer queue, handles, older
// generations through the card table...), what it promoted from there; the time between two reports is roughly
// what that kind of root cost.
var marks = new List<(double At, string Kind, long Promoted)>();
source.Clr.GCMarkWithType += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    if (t >= from && t <= to) marks.Add((t, ((int)e.Type) switch { 0 => "stack", 1 => "finalizer queue", 2 => "handles", 3 => "older generations (cards)", 4 => "sized refs", 5 => "overflow", 6 => "dependent handles", 7 => "new finalizer queue", 8 => "background stacks", _ => e.Type.ToString() }, e.Promoted));
};
var jitted = new List<(double At, string Method)>();
source.Clr.MethodLoadVerbose += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    if (t >= from && t <= to && e.IsJitted) jitted.Add((t, $"{e.MethodNamespace}::{e.MethodName}"));
};
// Why the GC picked the generation it did, and whether it was allowed to run in the background.
if (Environment.GetEnvironmentVariable("GC_HISTORY") == "1")
{
    source.Clr.GCGlobalHeapHistory += e =>
        Console.WriteLine($"history {e.TimeStampRelativeMSec / 1000,9:F3} s gen {e.CondemnedGeneration} reason {e.Reason} pause {e.PauseMode} mechanisms {e.GlobalMechanisms} mem-pressure {e.MemoryPressure}");
    source.Clr.GCPerHeapHistory += e =>
        Console.WriteLine($"  per-heap {e.TimeStampRelativeMSec / 1000,9:F3} s condemn-reasons0 0x{e.CondemnReasons0:x} reasons1 0x{e.CondemnReasons1:x} compact {e.CompactMechanisms} expand {e.ExpandMechanisms}");
}
source.Process();
foreach (var (second, bytes) in bySecond) Console.WriteLine($"second {second}: {bytes / 1048576.0:F1} MiB");
long total = byType.Values.Sum();
Console.WriteLine($"within [{from}, {(to == double.MaxValue ? "end" : to.ToString())}] s: {total / 1048576.0:F1} MiB");
foreach (var (type, bytes) in byType.OrderByDescending(x => x.Value).Take(30))
    Console.WriteLine($"{bytes / 1048576.0,8:F1} MiB {100.0 * bytes / Math.Max(total, 1),5:F1} %  {type}");
if (largeByType.Count > 0)
{
    Console.WriteLine($"of which on the large-object heap: {largeByType.Values.Sum() / 1048576.0:F1} MiB");
    foreach (var (type, bytes) in largeByType.OrderByDescending(x => x.Value).Take(10))
        Console.WriteLine($"{bytes / 1048576.0,8:F1} MiB  {type}");
}
Console.WriteLine($"garbage collections within the window: {collections.Count}, suspended {pauses.Sum(p => p.Ms):F1} ms in {pauses.Count} pauses");
foreach (var c in collections)
{
    // The heap statistics that follow a collection say what it promoted (kept) out of generations 0 and 1.
    var stats = promoted.FirstOrDefault(p => p.At >= c.At);
    Console.WriteLine($"  {c.At,9:F3} s  gen {c.Gen}  {c.Reason,-16} {c.Type,-20} promoted from gen 0 {stats.Gen0 / 1048576.0,6:F2} MiB, from gen 1 {stats.Gen1 / 1048576.0,6:F2} MiB");
}
foreach (var p in pauses)
{
    var ph = phases.FirstOrDefault(x => x.At == p.At);
    Console.WriteLine($"  pause at {p.At,9:F3} s: {p.Ms,6:F2} ms (stopping the threads {ph.Suspend:F2} ms, the collection {ph.Collect:F2} ms)");
    double prev = p.At;
    foreach (var m in marks.Where(m => m.At >= p.At && m.At <= p.At + p.Ms / 1000))
    {
        Console.WriteLine($"      +{(m.At - prev) * 1000,6:F2} ms  marked from {m.Kind,-26} {m.Promoted / 1048576.0,6:F2} MiB");
        prev = m.At;
    }
}
if (jitted.Count > 0)
{
    Console.WriteLine($"methods compiled by the JIT within the window: {jitted.Count}");
    foreach (var (at, method) in jitted) Console.WriteLine($"  {at,9:F3} s  {method}");
}
return 0;
