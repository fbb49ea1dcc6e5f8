using System.Net;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Benchmarks;

/// <summary>
/// A deterministic byte stream as a full-table peer sends it: IPv4 UPDATEs with 1 to 50 NLRI of mixed
/// prefix lengths, AS paths of 1 to 10 hops, 0 to 6 communities, MED on some; every 50th message a
/// KEEPALIVE. Shared by the framing benchmarks and the hook for UPDATE decode/encode benchmarks.
/// </summary>
public sealed class RealisticStream
{
    public byte[] Bytes { get; }
    /// <summary>Start offset of each message in <see cref="Bytes"/>.</summary>
    public int[] Offsets { get; }
    public int MessageCount => Offsets.Length;
    public int UpdateCount { get; }
    public int PrefixCount { get; }

    public RealisticStream(int messages, int seed = 42)
    {
        var rng = new Random(seed);
        var ctx = new UpdateEncodeContext(fourOctetAs: true);
        var all = new List<byte>();
        var offsets = new List<int>();
        int updates = 0, prefixes = 0;
        for (int i = 0; i < messages; i++)
        {
            offsets.Add(all.Count);
            if (i % 50 == 49)
            {
                all.AddRange(KeepaliveMessage.Bytes.ToArray());
                continue;
            }
            var b = new PathAttributesBuilder
            {
                Origin = (Origin)rng.Next(3),
                AsPath = AsPath.Sequence(Enumerable.Range(0, rng.Next(1, 11)).Select(_ => (uint)rng.Next(1, 400000)).ToArray()),
                NextHop = (uint)rng.Next(),
            };
            if (rng.Next(3) == 0) b.MultiExitDisc = (uint)rng.Next(1000);
            for (int c = rng.Next(7); c > 0; c--) b.Communities.Add(new Community((uint)rng.Next()));
            int n = rng.Next(1, 51);
            var nlri = new NlriEntry[n];
            for (int k = 0; k < n; k++)
            {
                // Roughly a real table: mostly /24, then /22-/23, some /16-/21, a few longer.
                int len = rng.Next(100) switch { < 55 => 24, < 70 => 23, < 80 => 22, < 95 => rng.Next(16, 22), _ => rng.Next(25, 33) };
                uint addr = (uint)rng.Next() & (len == 0 ? 0 : uint.MaxValue << (32 - len));
                nlri[k] = Prefix.IPv4(addr, len);
            }
            all.AddRange(UpdateEncoder.EncodeIPv4(ctx, default, b.Build(), nlri));
            updates++;
            prefixes += n;
        }
        Bytes = all.ToArray();
        Offsets = offsets.ToArray();
        UpdateCount = updates;
        PrefixCount = prefixes;
    }

    public override string ToString()
        => $"{MessageCount} messages ({UpdateCount} UPDATEs, {PrefixCount} prefixes), {Bytes.Length} octets";
}
