using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Tables;

/// <summary>
/// Stores each distinct attribute set (canonical attribute bytes plus MP next hop) once, with a reference
/// count per stored path, so that a full table of ~1M prefixes carried by a few hundred thousand UPDATEs
/// keeps a few hundred thousand sets rather than a million. A set is dropped when its last path goes.
/// Each set held has a handle, a small integer that <see cref="At"/> turns back into the set: the path slots of a
/// <see cref="PrefixTable"/> live in native memory, which cannot hold references, and store the handle instead.
/// Not thread-safe: each RIB partition actor owns one.
/// </summary>
/// <remarks>The sets are found through an open-addressing index in native memory whose slots hold a set's 32-bit
/// hash and its handle (8 bytes), probed with the incoming attributes; the handle leads to the set, whose bytes decide
/// equality. A <see cref="HashSet{T}"/> of the sets took 20-40 bytes a set (entry, bucket, the growth slack) in arrays
/// that, past a few thousand sets, are large objects: each doubling left the old ones for a full collection to free
/// (issue 11: 238k sets in W1, 2.85M in W5).</remarks>
public sealed unsafe class AttributeInterner
{
    private readonly SetComparer _comparer;

    /// <param name="localAs">For AS_PATH loop detection.</param>
    /// <param name="routerId">For the ORIGINATOR_ID loop check (RFC 4456 8).</param>
    /// <param name="clusterId">For the CLUSTER_LIST loop check; RFC 4456 7 defaults it to the router id.</param>
    public AttributeInterner(uint localAs, uint routerId, uint clusterId = 0)
    {
        _comparer = new SetComparer(localAs, routerId, clusterId == 0 ? routerId : clusterId);
        AllocateIndex(MinIndexCapacity);
    }

    /// <summary>Sets in the index (held, and found by <see cref="Acquire"/>).</summary>
    public int Count { get; private set; }

    /// <summary>The sets by handle, and their reference counts, in chunks small enough to stay off the large-object
    /// heap: a large array there counts against the budget that starts a full collection, which a table load then
    /// paid for (issue 11, W4). Handle 0 means none.</summary>
    private RouteAttributes?[][] _byHandle = [new RouteAttributes?[HandleChunk]];
    private int[][] _refs = [new int[HandleChunk]];
    private int _nextHandle = 1;
    private readonly Stack<int> _freeHandles = new();
    private const int HandleBits = 13, HandleChunk = 1 << HandleBits, HandleMask = HandleChunk - 1;

    /// <summary>The set with this handle; it must be held (a reference taken and not yet released).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal RouteAttributes At(int handle) => _byHandle[handle >> HandleBits][handle & HandleMask]!;

    /// <summary>References held on this set (0 once it was released for the last time).</summary>
    internal int RefCountOf(RouteAttributes r) => r.Handle == 0 ? 0 : _refs[r.Handle >> HandleBits][r.Handle & HandleMask];

    /// <summary>Every set held now (for sweeping per-set caches); the interner must not change meanwhile.</summary>
    public IEnumerable<RouteAttributes> Sets
    {
        get
        {
            for (int h = 1; h < _nextHandle; h++)
                if (_byHandle[h >> HandleBits][h & HandleMask] is { } r) yield return r;
        }
    }

    /// <summary>Returns the shared instance for this set and takes one reference on it.</summary>
    public RouteAttributes Acquire(PathAttributes attributes, ReadOnlySpan<byte> mpNextHop = default, bool otcLeak = false)
    {
        var probe = new Probe(attributes, mpNextHop, RouteAttributes.HashOf(attributes, mpNextHop), otcLeak);
        // Grown before probing, so that the empty slot a miss ends on is where the new set goes (one walk either way:
        // in a full table most UPDATEs carry a set no other UPDATE has, W1: 216k sets of 280k UPDATEs).
        if (Count + 1 > _indexCapacity - _indexCapacity / 4) ResizeIndex(_indexCapacity * 2);
        uint hash = (uint)probe.Hash;
        int mask = _indexCapacity - 1;
        for (int i = Home(hash); ; i = (i + 1) & mask)
        {
            ulong slot = _index[i];
            if (slot == 0)
            {
                var created = _comparer.Create(probe);
                AddRef(created);
                _index[i] = ((ulong)hash << 32) | (uint)created.Handle;
                Count++;
                return created;
            }
            if ((uint)(slot >> 32) == hash)
            {
                var held = At((int)(uint)slot);
                if (SetComparer.Equals(probe, held))
                {
                    AddRef(held);
                    return held;
                }
            }
        }
    }

    /// <summary>Takes one more reference on an already interned set (a second prefix sharing it).</summary>
    public void AddRef(RouteAttributes r)
    {
        if (r.Handle == 0) Register(r);
        _refs[r.Handle >> HandleBits][r.Handle & HandleMask]++;
    }

    /// <summary>Drops one reference; the set leaves the table, and its handle is free again, when none remain.</summary>
    public void Release(RouteAttributes r)
    {
        int h = r.Handle;
        if (h == 0) throw new InvalidOperationException("released an attribute set that is not held");
        if (--_refs[h >> HandleBits][h & HandleMask] != 0) return;
        RemoveFromIndex(r);
        _byHandle[h >> HandleBits][h & HandleMask] = null;
        _freeHandles.Push(h);
        r.Handle = 0;
    }

    private void Register(RouteAttributes r)
    {
        if (!_freeHandles.TryPop(out int h))
        {
            h = _nextHandle++;
            int chunk = h >> HandleBits;
            if (chunk == _byHandle.Length)
            {
                Array.Resize(ref _byHandle, chunk * 2);
                Array.Resize(ref _refs, chunk * 2);
            }
            _byHandle[chunk] ??= new RouteAttributes?[HandleChunk];
            _refs[chunk] ??= new int[HandleChunk];
        }
        _byHandle[h >> HandleBits][h & HandleMask] = r;
        r.Handle = h;
    }

    // The index: linear probing from the hash's home slot, deletion by backward shift (no tombstones), at most three
    // quarters full; it shrinks at one eighth full, so a partition that lost a full table gives the memory back.
    private ulong* _index;
    private int _indexCapacity;
    private int _indexShift;
    private const int MinIndexCapacity = 64;

    /// <summary>Bytes the index holds outside the managed heap (counted in <see cref="PrefixTable.NativeBytesInUse"/>).</summary>
    internal long IndexBytes => (long)_indexCapacity * sizeof(ulong);

    // The hash is already well mixed (XXH3 of the bytes); the multiply spreads it over the top bits taken.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(uint hash) => (int)((hash * 0x9E3779B97F4A7C15UL) >> _indexShift);

    private void AllocateIndex(int capacity)
    {
        _index = (ulong*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(ulong));
        _indexCapacity = capacity;
        _indexShift = 64 - BitOperations.Log2((uint)capacity);
        Interlocked.Add(ref NativeIndexMemory.Bytes, IndexBytes);
    }

    private void ResizeIndex(int capacity)
    {
        var old = _index;
        int oldCapacity = _indexCapacity;
        long oldBytes = IndexBytes;
        AllocateIndex(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < oldCapacity; i++)
        {
            ulong slot = old[i];
            if (slot == 0) continue;
            int j = Home((uint)(slot >> 32));
            while (_index[j] != 0) j = (j + 1) & mask;
            _index[j] = slot;
        }
        NativeMemory.Free(old);
        Interlocked.Add(ref NativeIndexMemory.Bytes, -oldBytes);
    }

    private void RemoveFromIndex(RouteAttributes r)
    {
        ulong wanted = ((ulong)(uint)r.Hash << 32) | (uint)r.Handle;
        int mask = _indexCapacity - 1;
        int hole = Home((uint)r.Hash);
        while (_index[hole] != wanted)
        {
            // A set that was released and then referenced again (AddRef) has a handle but no slot: nothing to remove.
            if (_index[hole] == 0) return;
            hole = (hole + 1) & mask;
        }
        // Backward shift: move up each later entry of the run that may live in the hole (its home is not between the
        // hole and itself), so that every entry stays reachable from its home without tombstones.
        for (int j = (hole + 1) & mask; _index[j] != 0; j = (j + 1) & mask)
        {
            int home = Home((uint)(_index[j] >> 32));
            bool between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (between) continue;
            _index[hole] = _index[j];
            hole = j;
        }
        _index[hole] = 0;
        Count--;
        if (Count < _indexCapacity / 8 && _indexCapacity > MinIndexCapacity) ResizeIndex(_indexCapacity / 2);
    }

    // The partition that owns the interner is dropped with it (a partition actor restart rebuilds both).
    ~AttributeInterner()
    {
        if (_index == null) return;
        NativeMemory.Free(_index);
        Interlocked.Add(ref NativeIndexMemory.Bytes, -IndexBytes);
        _index = null;
    }

    /// <summary>An incoming set as the lookup sees it, before it is known whether a stored one equals it.</summary>
    private readonly ref struct Probe(PathAttributes attributes, ReadOnlySpan<byte> nextHop, int hash, bool otcLeak)
    {
        public readonly PathAttributes Attributes = attributes;
        public readonly ReadOnlySpan<byte> NextHop = nextHop;
        public readonly int Hash = hash;
        public readonly bool OtcLeak = otcLeak;
    }

    /// <summary>Value equality of an incoming set and a held one (the same bytes, next hop and leak mark; the caller
    /// has compared their hashes), and the making of a set the lookup did not find, which needs the speaker's AS and
    /// ids.</summary>
    private sealed class SetComparer(uint localAs, uint routerId, uint clusterId)
    {
        /// <summary>The MP_REACH next hop of the last set made, shared by the next one if it is the same (a partition
        /// applies one peer's batch at a time, so consecutive sets mostly agree; RouteAttributes.MpNextHop is read-only
        /// by convention).</summary>
        private SharedCopy _mpNextHop;

        public static bool Equals(Probe p, RouteAttributes r) =>
            p.OtcLeak == r.OtcLeak && p.Attributes.Equals(r.Attributes) && p.NextHop.SequenceEqual(r.MpNextHop);

        public RouteAttributes Create(Probe p) =>
            new(p.Attributes, _mpNextHop.Of(p.NextHop), localAs, routerId, clusterId, p.OtcLeak);
    }
}
