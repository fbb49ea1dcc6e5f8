using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Wire.Benchmarks;

/// <summary>
/// Decoding the realistic stream through the top-level dispatch (header checks + UPDATE decoder).
/// Hook for UPDATE work: <see cref="RealisticStream"/> gives the bytes and message offsets; add
/// [Benchmark] methods here or in another class (UPDATE encode, per-prefix enumeration, ...).
/// One operation = the whole stream (2,000 messages, 1,960 UPDATEs, 49,456 IPv4 prefixes, printed at setup):
/// divide "Mean" and "Allocated" by the prefix count for per-prefix figures.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private RealisticStream _stream = null!;
    private int _prefixes;

    [GlobalSetup]
    public void Setup()
    {
        _stream = new RealisticStream(2_000);
        _prefixes = _stream.PrefixCount;
        Console.WriteLine($"// stream: {_stream}");
    }

    [Benchmark]
    public int Frame_and_decode_all_messages()
    {
        ReadOnlySpan<byte> rest = _stream.Bytes;
        var ctx = new DecodeContext { Update = new UpdateDecodeContext(fourOctetAs: true) };
        int announced = 0;
        while (true)
        {
            int length = BgpFramer.TryReadMessage(rest, BgpHeader.MaxMessageLength, out _);
            if (length <= 0) break;
            if (BgpMessageCodec.TryDecode(rest[..length], ctx, out var msg, out _) && msg is BgpUpdate u)
                foreach (var entry in u.Update.Nlri) announced += entry.Prefix.Length > 0 ? 1 : 0;
            rest = rest[length..];
        }
        return announced;
    }
}
