using System.Runtime.InteropServices;

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
/// <para>
/// The buckets live in native memory, like the prefix index (<see cref="PrefixKeyMap{TValue}"/>). As managed arrays
/// they were a third of what a full-table load kept alive through young collections: each of the 65,536 grows by
/// doubling while the table loads, so its arrays were promoted out of generation 0 and copied again into generation 2
/// before being replaced. In native memory they are never copied: the shared bench's W1 spent 143-158 instead of
/// 207-223 ms suspended for collections, and took 0.70 instead of 0.84 s (median of 5, BIRD 0.65 s in the same run;
/// 2026-12-06, bench/RESULTS.md).
/// </para>
/// Not thread-safe (one partition actor owns the table). The finalizer gives the memory back with the table.
/// </summary>
public sealed unsafe class Ipv4PrefixOrder
{
    private const int BucketBits = 16;
    private const int Buckets = 1 << BucketBits;

    [StructLayout(LayoutKind.Sequential)]
    private struct Bucket
    {
        public uint* Items;
        public int Count;
        public int Capacity;
    }

    private Bucket* _buckets;
    private readonly List<ulong> _short = [];

    public Ipv4PrefixOrder()
    {
        _buckets = (Bucket*)NativeMemory.AllocZeroed(Buckets, (nuint)sizeof(Bucket));
        Interlocked.Add(ref NativeIndexMemory.Bytes, (long)Buckets * sizeof(Bucket));
    }

    ~Ipv4PrefixOrder()
    {
        if (_buckets == null) return;
        long bytes = (long)Buckets * sizeof(Bucket);
        for (int b = 0; b < Buckets; b++)
        {
            bytes += (long)_buckets[b].Capacity * sizeof(uint);
            NativeMemory.Free(_buckets[b].Items);
        }
        NativeMemory.Free(_buckets);
        _buckets = null;
        Interlocked.Add(ref NativeIndexMemory.Bytes, -bytes);
    }

    public int Count { get; private set; }

    private static int BucketOf(ulong key) => (int)(key >> (8 + 32 - BucketBits));

    private static int LengthOf(ulong key) => (int)(key & 0xFF);

    /// <summary>The part of a key below its bucket's bits: low address bits and length (the key's low 24 bits).</summary>
    private static uint InBucket(ulong key) => (uint)(key & 0xFF_FFFF);

    private static ulong KeyOf(int bucket, uint inBucket) => ((ulong)bucket << 24) | inBucket;

    /// <summary>A bucket's prefixes (valid until the next add or remove).</summary>
    private ReadOnlySpan<uint> Items(int b) => new(_buckets[b].Items, _buckets[b].Count);

    private static void Resize(ref Bucket bucket, int capacity)
    {
        if (capacity == 0)
        {
            NativeMemory.Free(bucket.Items);
            bucket.Items = null;
        }
        else bucket.Items = (uint*)NativeMemory.Realloc(bucket.Items, (nuint)capacity * sizeof(uint));
        Interlocked.Add(ref NativeIndexMemory.Bytes, (long)(capacity - bucket.Capacity) * sizeof(uint));
        bucket.Capacity = capacity;
    }

    public void Add(ulong key)
    {
        ref var bucket = ref _buckets[BucketOf(key)];
        if (bucket.Count == bucket.Capacity) Resize(ref bucket, Math.Max(4, bucket.Capacity * 2));
        bucket.Items[bucket.Count++] = InBucket(key);
        if (LengthOf(key) < BucketBits) _short.Add(key);
        Count++;
    }

    public void Remove(ulong key)
    {
        int b = BucketOf(key);
        int i = Items(b).IndexOf(InBucket(key));
        if (i < 0) return;
        ref var bucket = ref _buckets[b];
        bucket.Items[i] = bucket.Items[bucket.Count - 1];
        int n = --bucket.Count;
        // An emptied bucket gives its memory back: a table that sheds a peer's routes shrinks again.
        if (n == 0) Resize(ref bucket, 0);
        else if (n < bucket.Capacity / 4 && bucket.Capacity > 4) Resize(ref bucket, bucket.Capacity / 2);
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
            foreach (uint item in Items(lo)) if (Contains(KeyOf(lo, item))) total++;
        }
        else
        {
            // Every prefix in the buckets of the range starts inside it; only those shorter than the query's
            // length are not contained, and they are all in the short list.
            for (int b = lo; b <= hi; b++) total += _buckets[b].Count;
            foreach (var key in _short)
                if (LengthOf(key) < length && BucketOf(key) >= lo && BucketOf(key) <= hi) total--;
        }

        var scratch = new List<ulong>();
        int from = after is { } cursor ? Math.Max(lo, BucketOf(cursor)) : lo;
        for (int b = from; b <= hi && first.Count < keep; b++)
        {
            if (_buckets[b].Count == 0) continue;
            scratch.Clear();
            foreach (uint item in Items(b))
            {
                ulong key = KeyOf(b, item);
                if (Contains(key) && !(key <= after)) scratch.Add(key);
            }
            scratch.Sort();
            for (int i = 0; i < scratch.Count && first.Count < keep; i++) first.Add(scratch[i]);
        }
        return total;
    }
}
