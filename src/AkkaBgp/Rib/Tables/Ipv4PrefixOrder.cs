namespace AkkaBgp.Rib.Tables;

/// <summary>
/// The IPv4 prefixes of one <see cref="PrefixTable"/> in address order, for "longer prefixes of P" queries
/// (<c>GET /bgp/rib?prefix=P&amp;match=longer</c>) that page through a table while it loads. The table itself is a hash
/// (no order), so without this every such request walked every prefix of every partition: found by
/// bench/rib-hammer.sh, where a client paging <c>0.0.0.0/0</c> slowed a 1,000,000-prefix load by half.
/// <para>
/// Prefixes sit in 65,536 buckets by their first 16 bits, unsorted inside a bucket (a full table has about 15 per
/// occupied /16, at most 256 /24s plus the shorter ones), so an insert is an append and a removal a short scan; a
/// query sorts only the buckets it reads and stops at the page. Prefixes shorter than /16 are also kept in a short
/// list, so a query's total can be counted from bucket sizes. The keys are <see cref="PrefixTable"/>'s: address
/// then length in one ulong, whose order is <see cref="AkkaBgp.Wire.Prefix"/>'s. A bucket stores only what its index
/// does not say (the low 16 address bits and the length) in a uint: 4 octets per prefix, not 8 (issue 11).
/// </para>
/// </summary>
public sealed class Ipv4PrefixOrder
{
    private const int BucketBits = 16;
    private readonly uint[]?[] _buckets = new uint[]?[1 << BucketBits];
    private readonly int[] _counts = new int[1 << BucketBits];
    private readonly List<ulong> _short = [];

    public int Count { get; private set; }

    private static int BucketOf(ulong key) => (int)(key >> (8 + 32 - BucketBits));

    private static int LengthOf(ulong key) => (int)(key & 0xFF);

    /// <summary>The part of a key below its bucket's bits: low address bits and length (the key's low 24 bits).</summary>
    private static uint InBucket(ulong key) => (uint)(key & 0xFF_FFFF);

    private static ulong KeyOf(int bucket, uint inBucket) => ((ulong)bucket << 24) | inBucket;

    public void Add(ulong key)
    {
        int b = BucketOf(key);
        ref var bucket = ref _buckets[b];
        bucket ??= new uint[4];
        if (_counts[b] == bucket.Length) Array.Resize(ref bucket, bucket.Length * 2);
        bucket[_counts[b]++] = InBucket(key);
        if (LengthOf(key) < BucketBits) _short.Add(key);
        Count++;
    }

    public void Remove(ulong key)
    {
        int b = BucketOf(key);
        var bucket = _buckets[b];
        if (bucket is null) return;
        int n = _counts[b];
        int i = Array.IndexOf(bucket, InBucket(key), 0, n);
        if (i < 0) return;
        bucket[i] = bucket[n - 1];
        _counts[b] = --n;
        // An emptied bucket gives its array back: a table that sheds a peer's routes shrinks again.
        if (n == 0) _buckets[b] = null;
        else if (n < bucket.Length / 4 && bucket.Length > 4) Array.Resize(ref _buckets[b], bucket.Length / 2);
        if (LengthOf(key) < BucketBits) _short.Remove(key);
        Count--;
    }

    /// <summary>
    /// Counts the prefixes contained in <paramref name="address"/>/<paramref name="length"/> (itself included) and
    /// puts the first <paramref name="keep"/> of them, in order, in <paramref name="first"/>.
    /// </summary>
    /// <param name="after">Only keys after this one go to <paramref name="first"/> (a paging cursor); the count is of the whole range.</param>
    public int LongerPrefixes(uint address, int length, int keep, List<ulong> first, ulong? after = null)
    {
        ulong mask = length == 0 ? 0 : ~0UL << (64 - length);
        ulong wanted = (ulong)address << 32 & mask;
        bool Contains(ulong key) => LengthOf(key) >= length && ((key >> 8) << 32 & mask) == wanted;

        int lo = (int)(wanted >> (64 - BucketBits));
        int hi = length >= BucketBits ? lo : lo | ((1 << (BucketBits - length)) - 1);
        int total = 0;
        if (length >= BucketBits)
        {
            var bucket = _buckets[lo];
            for (int i = 0; i < _counts[lo]; i++) if (Contains(KeyOf(lo, bucket![i]))) total++;
        }
        else
        {
            // Every prefix in the buckets of the range starts inside it; only those shorter than the query's
            // length are not contained, and they are all in the short list.
            for (int b = lo; b <= hi; b++) total += _counts[b];
            foreach (var key in _short)
                if (LengthOf(key) < length && BucketOf(key) >= lo && BucketOf(key) <= hi) total--;
        }

        var scratch = new List<ulong>();
        int from = after is { } cursor ? Math.Max(lo, BucketOf(cursor)) : lo;
        for (int b = from; b <= hi && first.Count < keep; b++)
        {
            int n = _counts[b];
            if (n == 0) continue;
            scratch.Clear();
            var bucket = _buckets[b]!;
            for (int i = 0; i < n; i++)
            {
                ulong key = KeyOf(b, bucket[i]);
                if (Contains(key) && !(key <= after)) scratch.Add(key);
            }
            scratch.Sort();
            for (int i = 0; i < scratch.Count && first.Count < keep; i++) first.Add(scratch[i]);
        }
        return total;
    }
}
