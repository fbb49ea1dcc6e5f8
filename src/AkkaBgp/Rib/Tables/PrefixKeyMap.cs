using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AkkaBgp.Rib.Tables;

/// <summary>
/// The prefix index of a <see cref="PrefixTable"/>: 64-bit prefix keys (IPv4: address, then length; IPv6 up to /56:
/// the top 64 address bits with the length in the lowest octet) to a small unmanaged value, in one open-addressing
/// table (linear probing, a mixing hash of the key, deletion by backward shift, so no tombstones) held in native memory.
/// The hash is re-seeded when the table shrinks: the keys left after a peer's routes were withdrawn in slot order all
/// hash into one end of the table, and with the same hash a table half the size put them into one run a quarter of the
/// table long (a session's 500,000 withdrawals took seconds). Growing keeps the hash: a key's home in the doubled table
/// is then twice its old one (plus one bit), so the rehash walks the old table and writes the new one in the same order
/// instead of at random (the growth of a full table's index was 3.6 % of a W1 load's samples, 2026-12-06), and a
/// doubled table has half the density everywhere, so no run forms. Every map draws its own random seed: keys that
/// arrive in another map's slot order (a table copied, or a peer's UPDATEs in the order another speaker's index gave
/// them) would otherwise fill a small, growing table in its own hash order, all at its start.
/// <para>
/// Why not <see cref="Dictionary{TKey,TValue}"/>: a full table puts about 500,000 prefixes in each partition's index.
/// The dictionary spends 28 bytes a prefix (entry with hash and chain link, plus a bucket) at up to twice the count,
/// and each doubling leaves the old arrays on the large-object heap until a full collection, so a 1M-prefix load held
/// the old and the new arrays of every partition at once (issue 11: the peak RSS of the shared bench's W1 is what the
/// issue measures against BIRD). Here a slot is the key and the value (16 bytes for PrefixTable's entry), growth frees
/// the old block at once, and a table that sheds a peer's routes gives memory back. No library in the feed offers an
/// unmanaged hash map, hence this one.
/// </para>
/// Not thread-safe (one partition actor owns the table). References returned by <see cref="Find"/> and
/// <see cref="FindOrAdd"/> are valid until the next add or remove, as with CollectionsMarshal over a dictionary.
/// </summary>
internal sealed unsafe class PrefixKeyMap<TValue> : IDisposable where TValue : unmanaged
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        /// <summary>The prefix key with the map's occupied bit set; 0 when the slot is empty (key 0 is 0.0.0.0/0).</summary>
        public ulong Key;
        public TValue Value;
    }

    /// <summary>A bit no key of this map has, set in every stored key so that key 0 is not an empty slot.</summary>
    private readonly ulong _occupied;
    private const int MinCapacity = 16;
    private Slot* _slots;
    private int _capacity;
    private int _shift;
    private ulong _seed;
    private int _version;

    /// <param name="occupiedBit">A bit that no key ever has (IPv4 keys use 40 bits; IPv6 keys leave bit 7 clear).</param>
    public PrefixKeyMap(int expected = 0, ulong occupiedBit = 1UL << 63)
    {
        _occupied = occupiedBit;
        int capacity = MinCapacity;
        while (capacity - capacity / 4 < expected) capacity *= 2;
        Allocate(capacity, reseed: true);
    }

    public int Count { get; private set; }

    /// <summary>Bytes held in native memory. Not reported to the GC as memory pressure: GC.AddMemoryPressure induced
    /// gen-2 collections in the middle of a full-table load, and the blocks are freed at once on resize anyway (the
    /// finalizer frees the last one with the table).</summary>
    public long NativeBytes => (long)_capacity * sizeof(Slot);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong key)
    {
        // SplitMix64's finalizer over the seeded key: every input bit reaches the top bits the index is taken from.
        ulong x = key ^ _seed;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x >> _shift);
    }

    /// <summary>
    /// Asks the CPU to start loading the cache line of <paramref name="key"/>'s home slot, for a lookup a little later.
    /// A full table's index is megabytes of slots read at random: adding W4's 200k new prefixes took ~55 ns each here,
    /// most of it waiting for memory, and a partition applying a batch knows the next prefixes ahead of time. Only a
    /// hint: wrong after a resize, and nothing on CPUs without SSE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong key)
    {
        if (Sse.IsSupported) Sse.Prefetch0(_slots + Home(key));
    }

    /// <summary>The value stored for <paramref name="key"/>, or a null reference.</summary>
    public ref TValue Find(ulong key)
    {
        ulong k = key | _occupied;
        int mask = _capacity - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ref var s = ref _slots[i];
            if (s.Key == k) return ref s.Value;
            if (s.Key == 0) return ref Unsafe.NullRef<TValue>();
        }
    }

    /// <summary>The value stored for <paramref name="key"/>, added as default when missing.</summary>
    public ref TValue FindOrAdd(ulong key, out bool exists)
    {
        // Grown before probing, so the slot found is the one that stays.
        if (Count + 1 > _capacity - _capacity / 4) Resize(_capacity * 2);
        ulong k = key | _occupied;
        int mask = _capacity - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ref var s = ref _slots[i];
            if (s.Key == k)
            {
                exists = true;
                return ref s.Value;
            }
            if (s.Key == 0)
            {
                s.Key = k;
                s.Value = default;
                Count++;
                _version++;
                exists = false;
                return ref s.Value;
            }
        }
    }

    public bool Remove(ulong key)
    {
        ulong k = key | _occupied;
        int mask = _capacity - 1;
        int i = Home(key);
        while (true)
        {
            ulong sk = _slots[i].Key;
            if (sk == k) break;
            if (sk == 0) return false;
            i = (i + 1) & mask;
        }
        // Backward shift: later members of the probe run move into the hole when their home lies at or before it,
        // so every remaining key stays reachable from its home without tombstones.
        int hole = i;
        for (int j = (hole + 1) & mask; _slots[j].Key != 0; j = (j + 1) & mask)
        {
            int home = Home(_slots[j].Key & ~_occupied);
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                _slots[hole] = _slots[j];
                hole = j;
            }
        }
        _slots[hole] = default;
        Count--;
        _version++;
        // Shrinks at one eighth full to one quarter: a partition that lost a full table does not keep its index.
        if (Count < _capacity / 8 && _capacity > MinCapacity) Resize(_capacity / 2);
        return true;
    }

    private void Allocate(int capacity, bool reseed)
    {
        nuint bytes = (nuint)capacity * (nuint)sizeof(Slot);
        bool huge = bytes >= HugePage && OperatingSystem.IsLinux();
        _slots = (Slot*)NativeMemory.AlignedAlloc(bytes, huge ? HugePage : 64);
        // Transparent huge pages (Debian's default is "madvise": only for memory that asks): a table of megabytes is
        // then a few page faults instead of thousands, and lookups at random places miss the TLB far less.
        if (huge) NativeIndexMemory.AdviseHugePages(_slots, bytes);
        NativeMemory.Clear(_slots, bytes);
        _capacity = capacity;
        _shift = 64 - BitOperations.Log2((uint)capacity);
        if (reseed) _seed = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        Interlocked.Add(ref NativeIndexMemory.Bytes, NativeBytes);
    }

    private const nuint HugePage = 2 * 1024 * 1024;

    private void Resize(int capacity)
    {
        var old = _slots;
        int oldCapacity = _capacity;
        long oldBytes = NativeBytes;
        Allocate(capacity, reseed: capacity < oldCapacity);
        int mask = capacity - 1;
        for (int i = 0; i < oldCapacity; i++)
        {
            ulong k = old[i].Key;
            if (k == 0) continue;
            int j = Home(k & ~_occupied);
            while (_slots[j].Key != 0) j = (j + 1) & mask;
            _slots[j] = old[i];
        }
        NativeMemory.AlignedFree(old);
        Interlocked.Add(ref NativeIndexMemory.Bytes, -oldBytes);
        _version++;
    }

    /// <summary>The longest distance of a key from its home slot: what a lookup may have to walk (for tests).</summary>
    internal int LongestProbe()
    {
        int longest = 0, mask = _capacity - 1;
        for (int i = 0; i < _capacity; i++)
            if (_slots[i].Key != 0) longest = Math.Max(longest, (i - Home(_slots[i].Key & ~_occupied)) & mask);
        return longest;
    }

    /// <summary>Every key and value, in slot order. Throws if the map changes while enumerating (as a dictionary does).</summary>
    public IEnumerable<(ulong Key, TValue Value)> Entries()
    {
        int version = _version;
        for (int i = 0; i < _capacity; i++)
        {
            if (version != _version) throw new InvalidOperationException("the prefix map changed during enumeration");
            if (TryGetAt(i, out ulong key, out var value)) yield return (key, value);
        }
    }

    /// <summary>Slots in the table: with <see cref="TryGetAt"/>, a walk over every entry without an enumerator (for
    /// the owner's own scans; the map must not change meanwhile).</summary>
    internal int Capacity => _capacity;

    /// <summary>Changes with every add, remove and resize: a walk over <see cref="Capacity"/> checks it to fail the way
    /// <see cref="Entries"/> does when the map changes under it.</summary>
    internal int Version => _version;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryGetAt(int i, out ulong key, out TValue value)
    {
        var s = _slots[i];
        key = s.Key & ~_occupied;
        value = s.Value;
        return s.Key != 0;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    // The owning PrefixTable is dropped with its partition (a partition actor restart rebuilds it); the finalizer
    // gives the block back then.
    ~PrefixKeyMap() => Free();

    private void Free()
    {
        if (_slots == null) return;
        NativeMemory.AlignedFree(_slots);
        Interlocked.Add(ref NativeIndexMemory.Bytes, -NativeBytes);
        _slots = null;
        _capacity = 0;
    }
}

/// <summary>What every <see cref="PrefixKeyMap{TValue}"/>, <see cref="Ipv4PrefixOrder"/> and table's path slots
/// (<see cref="PrefixTable"/>) of the process hold in native memory, for figures that would otherwise count only the
/// managed heap (the retained-heap budget, bench/AkkaBgp.Rib.Benchmarks), and the huge-page advice for it.</summary>
internal static unsafe class NativeIndexMemory
{
    internal static long Bytes;

    private const int MadvHugePage = 14;

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(void* address, nuint length, int advice);

    /// <summary>madvise(MADV_HUGEPAGE); a kernel without transparent huge pages refuses it and the small pages stay.</summary>
    internal static void AdviseHugePages(void* address, nuint length)
    {
        try { _ = Madvise(address, length, MadvHugePage); }
        catch (EntryPointNotFoundException) { }
        catch (DllNotFoundException) { }
    }
}
