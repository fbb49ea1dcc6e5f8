using System.Diagnostics;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>A quick check outside BenchmarkDotNet: every rig, a few operations each, wall and CPU per message.</summary>
public static class Smoke
{
    public static async Task RunAsync(int ops)
    {
        var stream = new BgpStream(TransportBenchmarks.Messages);
        Console.WriteLine($"stream: {stream}");
        var rigs = new (string Name, Func<Task<IRig>> Create)[]
        {
            ("codec in memory, decode", () => ReadRigs.InMemoryAsync(stream, true)),
            ("codec in memory, frame only", () => ReadRigs.InMemoryAsync(stream, false)),
            ("read floor (raw socket, no actor)", () => ReadRigs.FloorAsync(stream)),
            ("read (a) own socket actor, decode", () => ReadRigs.OwnAsync(stream, true)),
            ("read (a) own socket actor, frame only", () => ReadRigs.OwnAsync(stream, false)),
            ("read (a) own socket actor batch, decode", () => ReadRigs.OwnAsync(stream, true, batch: true)),
            ("read (b) Akka.IO tell each, decode", () => ReadRigs.AkkaIoAsync(stream, true, false, tellEach: true)),
            ("read (b) Akka.IO, decode", () => ReadRigs.AkkaIoAsync(stream, true, false)),
            ("read (b) Akka.IO 32k, decode", () => ReadRigs.AkkaIoAsync(stream, true, true)),
            ("read (c) Akka.Streams, decode", () => ReadRigs.AkkaStreamsAsync(stream, true, false)),
            ("read (c) Akka.Streams 32k, decode", () => ReadRigs.AkkaStreamsAsync(stream, true, true)),
            ("write (a) own socket actor", () => WriteRigs.OwnAsync(stream)),
            ("write (b) Akka.IO", () => WriteRigs.AkkaIoAsync(stream, false)),
            ("write (b) Akka.IO 32k", () => WriteRigs.AkkaIoAsync(stream, true)),
            ("write (c) Akka.Streams", () => WriteRigs.AkkaStreamsAsync(stream, false)),
            ("write (c) Akka.Streams 32k", () => WriteRigs.AkkaStreamsAsync(stream, true)),
        };
        var process = Process.GetCurrentProcess();
        foreach (var (name, create) in rigs)
        {
            await using var rig = await create();
            var line = new List<string>();
            for (int i = 0; i < ops; i++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
                var sw = Stopwatch.StartNew();
                await rig.RunAsync();
                sw.Stop();
                process.Refresh();
                double cpu = (process.TotalProcessorTime - cpu0).TotalNanoseconds / stream.Count;
                double alloc = (GC.GetTotalAllocatedBytes(precise: true) - alloc0) / (double)stream.Count;
                line.Add($"{stream.Count / sw.Elapsed.TotalSeconds / 1e6:F2} M/s {cpu:F0} ns cpu {alloc:F0} B");
            }
            Console.WriteLine($"{name,-40} {string.Join(" | ", line)}");
        }
    }
}
