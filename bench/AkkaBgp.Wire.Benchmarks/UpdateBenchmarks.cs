using System.Buffers;
using AkkaBgp.Wire.Attributes;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Wire.Benchmarks;

/// <summary>
/// UPDATE decode/encode over a realistic IPv4 stream of exactly <see cref="Prefixes"/> prefixes: 1-50 NLRI per
/// message with table-like prefix lengths, AS paths of 1-10 hops (4-octet AS numbers), 0-6 communities, MED on a
/// third. One operation = one prefix, so "Mean" is time per prefix (100 ns per prefix = 10 million prefixes/s)
/// and "Allocated" is bytes per prefix.
/// </summary>
[MemoryDiagnoser]
public class UpdateBenchmarks
{
    public const int Prefixes = 100_000;

    private byte[][] _bodies = null!;
    private (PathAttributes Attrs, NlriEntry[] Nlri)[] _parts = null!;
    private UpdateMessage[] _decoded = null!;
    private NlriEntry[] _all = null!;
    private PathAttributes _shared = null!;
    private readonly byte[] _scratch = new byte[65535];
    private readonly ArrayBufferWriter<byte> _writer = new(1 << 22);
    private static readonly UpdateDecodeContext Dec = new(fourOctetAs: true, PeerKind.External);
    private static readonly UpdateEncodeContext Enc = new(fourOctetAs: true);

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        var parts = new List<(PathAttributes, NlriEntry[])>();
        var all = new List<NlriEntry>();
        int left = Prefixes;
        while (left > 0)
        {
            var b = new PathAttributesBuilder
            {
                Origin = (Origin)rng.Next(3),
                AsPath = AsPath.Sequence(Enumerable.Range(0, rng.Next(1, 11)).Select(_ => (uint)rng.Next(1, 400000)).ToArray()),
                NextHop = 0x0A000000u | (uint)rng.Next(1 << 24),
            };
            if (rng.Next(3) == 0) b.MultiExitDisc = (uint)rng.Next(1000);
            for (int c = rng.Next(7); c > 0; c--) b.Communities.Add(new Community((uint)rng.Next()));
            int n = Math.Min(left, rng.Next(1, 51));
            var nlri = new NlriEntry[n];
            for (int k = 0; k < n; k++)
            {
                int len = rng.Next(100) switch { < 55 => 24, < 70 => 23, < 80 => 22, < 95 => rng.Next(16, 22), _ => rng.Next(25, 33) };
                nlri[k] = Prefix.IPv4((uint)rng.Next() << 1, len);
            }
            parts.Add((b.Build(), nlri));
            all.AddRange(nlri);
            left -= n;
        }
        _parts = parts.ToArray();
        _all = all.ToArray();
        _shared = _parts[0].Attrs;
        _bodies = _parts.Select(p => UpdateEncoder.EncodeIPv4(Enc, default, p.Attrs, p.Nlri)[19..]).ToArray();
        _decoded = _bodies.Select(b => UpdateMessage.TryDecode(b, Dec, out var m, out _) ? m! : throw new InvalidOperationException()).ToArray();
        Console.WriteLine($"// {Prefixes} prefixes in {_bodies.Length} UPDATEs, {_bodies.Sum(b => b.Length + 19)} octets");
    }

    /// <summary>Full UPDATE decode (RFC 7606 checks, canonical attributes) plus reading every prefix.</summary>
    [Benchmark(OperationsPerInvoke = Prefixes)]
    public long Decode_and_enumerate()
    {
        long sum = 0;
        foreach (var body in _bodies)
        {
            if (!UpdateMessage.TryDecode(body, Dec, out var m, out _)) continue;
            foreach (var e in m.Nlri) sum += e.Prefix.Length;
        }
        return sum;
    }

    /// <summary>Only the NLRI enumerator over already decoded messages: the per-prefix floor.</summary>
    [Benchmark(OperationsPerInvoke = Prefixes)]
    public long Enumerate_nlri()
    {
        long sum = 0;
        foreach (var m in _decoded)
            foreach (var e in m.Nlri) sum += e.Prefix.IPv4Bits;
        return sum;
    }

    /// <summary>Encode each UPDATE from (attributes, NLRI) into a reused buffer.</summary>
    [Benchmark(OperationsPerInvoke = Prefixes)]
    public int Encode()
    {
        int n = 0;
        foreach (var (attrs, nlri) in _parts)
            n += UpdateEncoder.WriteIPv4(_scratch, Enc, default, attrs, nlri);
        return n;
    }

    /// <summary>Pack all prefixes with one attribute set into as few 4096-octet UPDATEs as possible.</summary>
    [Benchmark(OperationsPerInvoke = Prefixes)]
    public int Pack_4096()
    {
        _writer.ResetWrittenCount();
        return UpdatePacker.WriteAnnouncements(_writer, Enc, AfiSafi.Ipv4Unicast, _shared, _all);
    }
}
