using Microsoft.Diagnostics.Tracing;

// Usage: dotnet run -c Release --project bench/AkkaBgp.AllocationTicks -- TRACE.nettrace [FROM_S TO_S]
// The runtime raises one AllocationTick event per ~100 KB allocated, naming the type of the allocation that crossed
// the mark, so the sums below are a sample of the allocation volume by type, not exact counts. Prints the volume per
// second of the trace (to find the load) and the types within [FROM_S, TO_S] seconds of the trace's start.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AkkaBgp.AllocationTicks TRACE.nettrace [FROM_S TO_S]");
    return 64;
}
double from = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
double to = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : double.MaxValue;
using var source = new EventPipeEventSource(args[0]);
var byType = new Dictionary<string, long>();
var bySecond = new SortedDictionary<int, long>();
source.Clr.GCAllocationTick += e =>
{
    double t = e.TimeStampRelativeMSec / 1000;
    bySecond[(int)t] = bySecond.GetValueOrDefault((int)t) + e.AllocationAmount64;
    if (t >= from && t <= to) byType[e.TypeName] = byType.GetValueOrDefault(e.TypeName) + e.AllocationAmount64;
};
source.Process();
foreach (var (second, bytes) in bySecond) Console.WriteLine($"second {second}: {bytes / 1048576.0:F1} MiB");
long total = byType.Values.Sum();
Console.WriteLine($"within [{from}, {(to == double.MaxValue ? "end" : to.ToString())}] s: {total / 1048576.0:F1} MiB");
foreach (var (type, bytes) in byType.OrderByDescending(x => x.Value).Take(30))
    Console.WriteLine($"{bytes / 1048576.0,8:F1} MiB {100.0 * bytes / Math.Max(total, 1),5:F1} %  {type}");
return 0;
