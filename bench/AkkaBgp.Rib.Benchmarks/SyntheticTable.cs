using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// A full table shaped like ../shared/bench/gen_table.py: the 2024 prefix-length mix (mostly /24), ~3.5 prefixes
/// per UPDATE (P(k) ~ k^-1.8), AS paths from a pool of 40k, MED on 25 %, communities on 45 %. Every UPDATE is
/// encoded and decoded, so each carries its own PathAttributes instance, exactly as the session delivers them.
/// </summary>
public static class SyntheticTable
{
    private static readonly (int Len, int Weight)[] V4Lengths =
    [
        (8, 16), (9, 13), (10, 37), (11, 99), (12, 290), (13, 580), (14, 1200), (15, 2100), (16, 13500), (17, 8500),
        (18, 14500), (19, 26000), (20, 43000), (21, 54000), (22, 125000), (23, 100000), (24, 560000),
    ];

    public static Prefix[] Prefixes(int count, int seed)
    {
        var rng = new Random(seed);
        long total = V4Lengths.Sum(x => (long)x.Weight);
        var set = new HashSet<Prefix>(count);
        while (set.Count < count)
        {
            long pick = rng.NextInt64(total);
            int len = 24;
            foreach (var (l, w) in V4Lengths)
            {
                if (pick < w) { len = l; break; }
                pick -= w;
            }
            uint first = (uint)rng.Next(1, 224);
            if (first is 10 or 127) continue;
            set.Add(Prefix.IPv4((first << 24) | ((uint)rng.Next() & 0x00FFFFFF), len));
        }
        var arr = set.ToArray();
        Array.Sort(arr); // neighbours share attributes, as in gen_table.py
        return arr;
    }

    /// <summary>UPDATE messages announcing <paramref name="prefixes"/> from <paramref name="peerAs"/>, decoded.</summary>
    public static List<UpdateMessage> Updates(Prefix[] prefixes, uint peerAs, int attrSeed)
    {
        var rng = new Random(attrSeed * 1000003 + (int)peerAs);
        var pool = AsPool(new Random(7919 + 17), 40000);
        var msgs = new List<UpdateMessage>(prefixes.Length / 3);
        var enc = new UpdateEncodeContext(true);
        var dec = new UpdateDecodeContext(true, PeerKind.External, default, peerAs);
        double[] cw = Enumerable.Range(1, 50).Select(k => Math.Pow(k, -1.8)).ToArray();
        double cwSum = cw.Sum();
        int i = 0;
        while (i < prefixes.Length)
        {
            double r = rng.NextDouble() * cwSum;
            int k = 1;
            while (k < 50 && (r -= cw[k - 1]) > 0) k++;
            k = Math.Min(k, prefixes.Length - i);
            var b = new PathAttributesBuilder
            {
                Origin = rng.Next(100) switch { < 82 => Origin.Igp, < 83 => Origin.Egp, _ => Origin.Incomplete },
                AsPath = AsPath.Sequence(new[] { peerAs }.Concat(pool[rng.Next(pool.Length)]).ToArray()),
                NextHop = 0xC6336400u + 10,
            };
            if (rng.NextDouble() < 0.25) b.MultiExitDisc = (uint)rng.Next(2000);
            if (rng.NextDouble() < 0.45)
                for (int c = rng.Next(1, 9); c > 0; c--) b.Communities.Add(new Community((ushort)rng.Next(1, 300), (ushort)rng.Next(1, 65000)));
            var nlri = prefixes.AsSpan(i, k).ToArray().Select(p => (NlriEntry)p).ToArray();
            var bytes = UpdateEncoder.EncodeIPv4(enc, default, b.Build(), nlri);
            if (!UpdateMessage.TryDecode(bytes.AsSpan(UpdateEncoder.HeaderLength), dec, out var msg, out var err))
                throw new InvalidOperationException(err.ToString());
            msgs.Add(msg);
            i += k;
        }
        // Real peers do not send in address order.
        var shuffle = new Random(attrSeed);
        for (int n = msgs.Count - 1; n > 0; n--)
        {
            int j = shuffle.Next(n + 1);
            (msgs[n], msgs[j]) = (msgs[j], msgs[n]);
        }
        return msgs;
    }

    private static uint[][] AsPool(Random rng, int size)
    {
        var transit = Enumerable.Range(0, 2000).Select(_ => (uint)rng.Next(1, 64496)).ToArray();
        var pool = new uint[size][];
        int[] lenWeights = [2, 10, 25, 28, 18, 9, 4, 2, 1, 1];
        for (int n = 0; n < size; n++)
        {
            int pick = rng.Next(100), total = 1;
            foreach (var w in lenWeights)
            {
                if (pick < w) break;
                pick -= w;
                total++;
            }
            var path = new List<uint>();
            for (int t = 0; t < total - 2; t++) path.Add(transit[(int)(Math.Pow(rng.NextDouble(), 3) * transit.Length)]);
            if (total > 1) path.Add((uint)rng.Next(1, 400000));
            pool[n] = path.ToArray();
        }
        return pool;
    }
}
