using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AkkaBgp.Rib.Decision;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Tables;

/// <summary>The best path for a destination before and after one change (both null: no route).</summary>
public readonly record struct BestChange(RouteAttributes? OldRoute, RibPeer? OldPeer, RouteAttributes? NewRoute, RibPeer? NewPeer)
{
    /// <summary>True when what we would advertise may differ: another path won, or the winning peer's path was replaced.</summary>
    public bool Changed => !ReferenceEquals(OldRoute, NewRoute) || !ReferenceEquals(OldPeer, NewPeer);
}

/// <summary>One stored path as reported by queries. <paramref name="PathId"/> is the peer's ADD-PATH path identifier
/// (RFC 7911; 0 without ADD-PATH).</summary>
public readonly record struct StoredPath(RibPeer Peer, RouteAttributes Route, bool IsBest, bool Filtered = false, bool Stale = false, uint PathId = 0);

/// <summary>A usable path of one prefix for ADD-PATH export (RFC 7911): <paramref name="Id"/> is the path's storage
/// slot, which stays the same while the path is stored (a replacement keeps it), so it serves as the path identifier
/// we send; the peer's own path identifier is local to its session and cannot be passed on.</summary>
public readonly record struct RankedPath(uint Id, RouteAttributes Route, RibPeer Peer);

/// <summary>
/// All paths for one address family (Adj-RIB-In of every neighbor after import policy, plus local routes)
/// and the selected best path per prefix: the Loc-RIB. Storage is compact: IPv4 prefixes, and IPv6 ones up to /56,
/// are keyed by one 64-bit integer in a native-memory index, each prefix holds two ints (head of its path list and the
/// best path), and paths live in pooled native memory as 12-byte slots that name an interned
/// <see cref="RouteAttributes"/> by its handle (<see cref="AttributeInterner.At"/>) and the peer by its slot.
/// No object is allocated per prefix or per path. Not thread-safe: one RIB partition actor owns it.
/// </summary>
public sealed unsafe class PrefixTable
{
    private struct Entry
    {
        public int Head;
        public int Best;
    }

    private struct PathSlot
    {
        /// <summary>The attribute set's handle in the partition's interner (0 in a free slot).</summary>
        public int Set;
        public int Next;
        public ushort Peer;
        /// <summary>Rejected by import policy and kept only for pre-policy views ("keep filtered"); never a candidate.</summary>
        public bool Filtered;
        /// <summary>Kept from before a graceful restart (RFC 4724 4.2) or an enhanced route refresh (RFC 7313 4):
        /// still a candidate, removed unless the peer announces it again before End-of-RIB / EoRR.</summary>
        public bool Stale;
    }

    private readonly bool _v6;
    /// <summary>Every IPv4 prefix, or every IPv6 prefix up to /56 (<see cref="Key"/>): the whole of a real table.</summary>
    private readonly PrefixKeyMap<Entry> _keyed;
    /// <summary>IPv6 prefixes longer than /56, which do not fit a 64-bit key (the global table's are almost all /48 or
    /// shorter, as most networks accept nothing longer).</summary>
    private readonly Dictionary<Prefix, Entry> _v6Long = new();
    private readonly Ipv4PrefixOrder? _v4Order;
    private readonly AttributeInterner _interner;
    private readonly DecisionOptions _options;
    private readonly Func<int, RibPeer?> _peerOf;
    /// <summary>
    /// Path slots in chunks of <see cref="ChunkSize"/> once the table is past one chunk: growing adds a chunk instead of
    /// copying every slot into an array twice the size. A full-table load otherwise held the old and the new array at
    /// each doubling, and left up to half of the last one unused. Shared bench W1 peak RSS 258-272 -> 248-255 MiB
    /// (bench/RESULTS.md, 2026-12-05 night). The first chunk still doubles up to full size, so small tables stay small.
    /// <para>The chunks are native memory (freed by <see cref="ChunkOwner"/>), hence the handles instead of references:
    /// as arrays of references on the large-object heap they started full collections in the middle of a table load
    /// (their allocations count against the budget that does), and every collection of the young generation had to
    /// scan the ones pointing at new sets. W4 (200k IPv6 prefixes) paid two full collections for them (issue 11).</para>
    /// </summary>
    private PathSlot*[] _chunks;
    private int _capacity;
    private readonly ChunkOwner _owner = new();

    /// <summary>Frees the path chunks once the table is gone. A small object of its own rather than a finalizer on the
    /// table: a finalizable object keeps what it references alive for one more collection, and a table references its
    /// interner and through it every attribute set. Shares the table's chunk array (the table's copy of the reference
    /// spares the hot path a load).</summary>
    private sealed class ChunkOwner
    {
        public PathSlot*[] Chunks = new PathSlot*[1];
        public long Bytes;

        ~ChunkOwner()
        {
            for (int i = 0; i < Chunks.Length; i++)
            {
                if (Chunks[i] == null) continue;
                NativeMemory.Free(Chunks[i]);
                Chunks[i] = null;
            }
            Interlocked.Add(ref NativeIndexMemory.Bytes, -Bytes);
        }
    }
    private const int ChunkBits = 16, ChunkSize = 1 << ChunkBits, ChunkMask = ChunkSize - 1;
    /// <summary>ADD-PATH path identifiers (RFC 7911) by path slot; null until a path with a non-zero one is stored, so
    /// that tables without ADD-PATH peers pay nothing for them.</summary>
    private uint[]? _ids;
    private int _used = 1; // slot 0 means "none"
    private int _free;
    private int[] _pathsByPeer = new int[16];
    private int[] _ineligibleByPeer = new int[16];
    private int[] _filteredByPeer = new int[16];
    private int[] _staleByPeer = new int[16];

    /// <param name="peerOf">Maps a peer slot to the session currently holding it.</param>
    public PrefixTable(bool ipv6, AttributeInterner interner, DecisionOptions options, Func<int, RibPeer?> peerOf, int expectedPrefixes = 0)
    {
        _v6 = ipv6;
        _v4Order = ipv6 ? null : new Ipv4PrefixOrder();
        _keyed = new PrefixKeyMap<Entry>(expectedPrefixes, ipv6 ? V6Occupied : 1UL << 63);
        _interner = interner;
        _options = options;
        _peerOf = peerOf;
        _chunks = _owner.Chunks;
        Grow(Math.Max(expectedPrefixes + 1, FirstChunk));
    }

    private const int FirstChunk = 1024;

    /// <summary>Bytes the prefix indexes and path slots of every table in the process hold outside the managed heap
    /// (<see cref="PrefixKeyMap{TValue}"/>, <see cref="PathSlot"/>); a retained-memory figure must add them to the GC's.</summary>
    public static long NativeBytesInUse => Interlocked.Read(ref NativeIndexMemory.Bytes);

    public bool IsIPv6 => _v6;
    public int PrefixCount => _keyed.Count + _v6Long.Count;
    public int PathCount { get; private set; }
    /// <summary>Prefixes with a selected best path (kept current so summaries need no scan).</summary>
    public int BestCount { get; private set; }
    public int PathsFrom(int peerSlot) => peerSlot < _pathsByPeer.Length ? _pathsByPeer[peerSlot] : 0;
    /// <summary>Paths from this peer kept out of selection by loop detection (RFC 4271 9.1.2, RFC 4456 8).</summary>
    public int IneligibleFrom(int peerSlot) => peerSlot < _ineligibleByPeer.Length ? _ineligibleByPeer[peerSlot] : 0;
    /// <summary>Paths from this peer kept although the import policy rejected them (pre-policy view).</summary>
    public int FilteredFrom(int peerSlot) => peerSlot < _filteredByPeer.Length ? _filteredByPeer[peerSlot] : 0;
    /// <summary>Paths from this peer marked stale and not announced again since.</summary>
    public int StaleFrom(int peerSlot) => peerSlot < _staleByPeer.Length ? _staleByPeer[peerSlot] : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong V4Key(Prefix p) => ((ulong)p.IPv4Bits << 8) | (uint)p.Length;
    private static Prefix FromV4Key(ulong k) => Prefix.IPv4((uint)(k >> 8), (int)(k & 0xFF));

    /// <summary>The longest IPv6 prefix with a 64-bit key: its address bits end above the key's lowest octet, which
    /// then holds the length (at most 56, so bit 7 of the key is always clear and marks an occupied slot).</summary>
    private const int V6KeyedLength = 56;
    private const ulong V6Occupied = 0x80;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong V6Key(Prefix p) => (ulong)(p.IPv6Bits >> 64) | (uint)p.Length;
    private static Prefix FromV6Key(ulong k) => Prefix.IPv6((UInt128)(k & ~0xFFUL) << 64, (int)(k & 0xFF));

    /// <summary>The prefix's key in <see cref="_keyed"/>, or false for an IPv6 prefix longer than /56.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Key(Prefix p, out ulong key)
    {
        if (!_v6)
        {
            key = V4Key(p);
            return true;
        }
        key = V6Key(p);
        return p.Length <= V6KeyedLength;
    }

    /// <summary>Starts loading the index slot of <paramref name="p"/> into the cache (<see cref="PrefixKeyMap{TValue}.Prefetch"/>),
    /// for a caller that will look the prefix up a few operations later.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(Prefix p)
    {
        if (Key(p, out ulong key)) _keyed.Prefetch(key);
    }

    private ref Entry Find(Prefix p, out bool exists)
    {
        if (!Key(p, out ulong key))
        {
            ref var e6 = ref CollectionsMarshal.GetValueRefOrNullRef(_v6Long, p);
            exists = !Unsafe.IsNullRef(ref e6);
            return ref e6;
        }
        ref var e = ref _keyed.Find(key);
        exists = !Unsafe.IsNullRef(ref e);
        return ref e;
    }

    private ref Entry FindOrAdd(Prefix p)
    {
        if (!Key(p, out ulong key)) return ref CollectionsMarshal.GetValueRefOrAddDefault(_v6Long, p, out _);
        ref var e = ref _keyed.FindOrAdd(key, out bool exists);
        if (!exists) _v4Order?.Add(key);
        return ref e;
    }

    private void RemoveKey(Prefix p)
    {
        if (!Key(p, out ulong key)) _v6Long.Remove(p);
        else if (_keyed.Remove(key)) _v4Order?.Remove(key);
    }

    /// <summary>
    /// The prefixes <paramref name="covering"/> contains (itself included): returns how many, and puts the first
    /// <paramref name="keep"/> of them in prefix order in <paramref name="first"/>. IPv4 reads only the part of the
    /// table in range (<see cref="Ipv4PrefixOrder"/>); IPv6 walks the table, keeping the first ones in a heap.
    /// </summary>
    public int LongerPrefixes(Prefix covering, int keep, List<Prefix> first, Prefix? after = null)
    {
        if (!_v6)
        {
            var keys = new List<ulong>(Math.Min(keep, 4096));
            int count = _v4Order!.LongerPrefixes(covering.IPv4Bits, covering.Length, keep, keys, after is { IsIPv6: false } a ? V4Key(a) : null);
            foreach (var k in keys) first.Add(FromV4Key(k));
            return count;
        }
        int total = 0;
        var heap = new PriorityQueue<Prefix, Prefix>(Comparer<Prefix>.Create((a, b) => b.CompareTo(a)));
        foreach (var (p, _) in Entries())
        {
            if (!covering.Contains(p)) continue;
            total++;
            if (after is { } a && p.CompareTo(a) <= 0) continue;
            if (heap.Count < keep) heap.Enqueue(p, p);
            else if (keep > 0 && p.CompareTo(heap.Peek()) < 0) heap.EnqueueDequeue(p, p);
        }
        var sorted = new List<Prefix>(heap.Count);
        while (heap.TryDequeue(out var p, out _)) sorted.Add(p);
        sorted.Reverse();
        first.AddRange(sorted);
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint IdOf(int slot) => _ids is null ? 0 : _ids[slot];

    /// <summary>
    /// Stores (or replaces: implicit withdraw, RFC 4271 3.1) <paramref name="peer"/>'s path for <paramref name="prefix"/>
    /// and re-runs selection. Takes its own reference on <paramref name="route"/>.
    /// </summary>
    /// <param name="filtered">The import policy rejected the route; it is stored for the pre-policy view
    /// (counted, shown by queries) but takes no part in selection.</param>
    /// <param name="pathId">The ADD-PATH path identifier (RFC 7911 section 3): with ADD-PATH a peer has one path per
    /// (prefix, path identifier), and an announcement replaces only the path with the same identifier.</param>
    public BestChange Announce(Prefix prefix, RibPeer peer, RouteAttributes route, bool filtered = false, uint pathId = 0)
    {
        if (prefix.IsIPv6 != _v6) throw new ArgumentException($"{prefix} is not in this table's family", nameof(prefix));
        ref var e = ref FindOrAdd(prefix);
        var (oldRoute, oldPeer) = BestOf(e);
        int s = e.Head;
        while (s != 0 && (PathAt(s).Peer != peer.Slot || IdOf(s) != pathId)) s = PathAt(s).Next;
        _interner.AddRef(route);
        bool replaced = s != 0;
        if (s != 0)
        {
            // Found once: nothing below allocates a slot, so the reference stays valid.
            ref var path = ref PathAt(s);
            var previous = _interner.At(path.Set);
            // Announced again: no longer stale (RFC 4724 4.2, RFC 7313 4), even when nothing else changed.
            if (path.Stale)
            {
                path.Stale = false;
                _staleByPeer[peer.Slot]--;
            }
            if (ReferenceEquals(previous, route) && path.Filtered == filtered)
            {
                _interner.Release(route);
                return new BestChange(oldRoute, oldPeer, oldRoute, oldPeer);
            }
            Count(peer.Slot, previous, path.Filtered, -1);
            path.Set = route.Handle;
            path.Filtered = filtered;
            _interner.Release(previous);
        }
        else
        {
            s = AllocSlot();
            // AllocSlot may grow the path slots but not the dictionary, so the entry ref is still valid.
            PathAt(s) = new PathSlot { Set = route.Handle, Next = e.Head, Peer = (ushort)peer.Slot, Filtered = filtered };
            if (pathId != 0)
            {
                if (_ids is null || _ids.Length < _capacity) Array.Resize(ref _ids, _capacity);
                _ids[s] = pathId;
            }
            e.Head = s;
            PathCount++;
        }
        Count(peer.Slot, route, filtered, +1);
        e.Best = filtered
            ? (replaced ? SelectBest(e.Head) : e.Best)
            : ReselectAfterAdd(e.Best, e.Head, s, route, peer, replaced);
        var (newRoute, newPeer) = BestOf(e);
        return Track(new BestChange(oldRoute, oldPeer, newRoute, newPeer));
    }

    /// <summary>Selection after path <paramref name="slot"/> was added or replaced. A path added next to an
    /// existing best is first compared on the pre-MED steps only (see <see cref="BestPathSelector.ComparePreMed"/>):
    /// strictly worse leaves the best as it is, strictly better wins outright; only ties run the whole procedure.</summary>
    private int ReselectAfterAdd(int best, int head, int slot, RouteAttributes route, RibPeer peer, bool replaced)
    {
        var x = new Candidate(route, peer, IdOf(slot));
        if (head == slot && PathAt(slot).Next == 0) return BestPathSelector.IsEligible(x, _options) ? slot : 0;
        if (replaced) return SelectBest(head);
        if (!BestPathSelector.IsEligible(x, _options)) return best;
        if (best == 0) return SelectBest(head);
        var b = new Candidate(RouteAt(best), _peerOf(PathAt(best).Peer)!, IdOf(best));
        int c = BestPathSelector.ComparePreMed(x, b, _options);
        return c > 0 ? best : c < 0 ? slot : SelectBest(head);
    }

    /// <summary>Removes <paramref name="peer"/>'s path for <paramref name="prefix"/>, if any, and re-runs selection.</summary>
    public BestChange Withdraw(Prefix prefix, RibPeer peer) => Withdraw(prefix, peer.Slot);

    /// <param name="pathId">With ADD-PATH, the path identifier of the one path withdrawn (RFC 7911 section 3).</param>
    public BestChange Withdraw(Prefix prefix, int peerSlot, uint pathId = 0)
    {
        ref var e = ref Find(prefix, out bool exists);
        if (!exists) return default;
        var (oldRoute, oldPeer) = BestOf(e);
        int prev = 0, s = e.Head;
        while (s != 0 && (PathAt(s).Peer != peerSlot || IdOf(s) != pathId)) { prev = s; s = PathAt(s).Next; }
        if (s == 0) return new BestChange(oldRoute, oldPeer, oldRoute, oldPeer);
        ref var path = ref PathAt(s);
        if (prev == 0) e.Head = path.Next;
        else PathAt(prev).Next = path.Next;
        var route = _interner.At(path.Set);
        Count(peerSlot, route, path.Filtered, -1);
        if (path.Stale) _staleByPeer[peerSlot]--;
        _interner.Release(route);
        FreeSlot(s);
        PathCount--;
        if (e.Head == 0)
        {
            RemoveKey(prefix);
            return Track(new BestChange(oldRoute, oldPeer, null, null));
        }
        // Removing a non-best path can still change the winner: it may have been the route that knocked
        // another one out under the MED rule (9.1.2.2 (c)), which is not a total order. With
        // always-compare-med the steps form a total order and the winner stands.
        if (e.Best == s || e.Best == 0 || !_options.AlwaysCompareMed) e.Best = SelectBest(e.Head);
        var (newRoute, newPeer) = BestOf(e);
        return Track(new BestChange(oldRoute, oldPeer, newRoute, newPeer));
    }

    /// <summary>Removes every path from one peer (session left Established, RFC 4271 9 / 8.2.2) and reports each
    /// prefix it had a path for to <paramref name="changed"/> as it is done, with the best path before and after
    /// (<see cref="BestChange.Changed"/>: it moved). Reported one by one rather than as a list, so that a full table
    /// going away is not first a list of a million changes (~112 MiB of garbage per full table, bench/RESULTS.md).</summary>
    public void WithdrawAll(int peerSlot, Action<Prefix, BestChange> changed) => RemoveOf([peerSlot], staleOnly: false, (_, p, c) => changed(p, c));

    /// <summary>
    /// Removes every path of several peers, as <see cref="WithdrawAll(int, Action{Prefix, BestChange})"/> for each in
    /// turn would, but finds their prefixes in one walk of the table instead of one walk per peer: sessions that end
    /// together (a LAN outage at an exchange, our own shutdown) would otherwise cost peers x table, which for a route
    /// server holding a full table and losing a thousand small peers is a thousand walks of a million prefixes. Each
    /// prefix is reported once per peer that had paths there, in the order of <paramref name="peerSlots"/>.
    /// </summary>
    public void WithdrawAll(IReadOnlyList<int> peerSlots, Action<int, Prefix, BestChange> changed) => RemoveOf(peerSlots, staleOnly: false, changed);

    /// <summary>Removes the stale paths of several peers (End-of-RIB from many returning peers), as
    /// <see cref="SweepStale(int, Action{Prefix, BestChange})"/> for each would, in one walk of the table.</summary>
    public void SweepStale(IReadOnlyList<int> peerSlots, Action<int, Prefix, BestChange> changed) => RemoveOf(peerSlots, staleOnly: true, changed);

    /// <summary>Removes the peers' paths (all of them, or the stale ones) of each prefix they have paths at: with
    /// ADD-PATH a peer may have several per prefix. One report per peer and prefix, from the best before the first
    /// removal to the best after the last. Stale paths are looked for where they were marked
    /// (<see cref="_stalePrefixes"/>), the rest in one walk of the index.</summary>
    private void RemoveOf(IReadOnlyList<int> peerSlots, bool staleOnly, Action<int, Prefix, BestChange> changed)
    {
        var ids = new List<uint>();
        foreach (int slot in peerSlots)
            if (_stalePrefixes.Remove(slot, out var marked) && staleOnly)
                for (int i = 0; i < marked.Count; i++)
                {
                    var p = marked.At(i, _v6);
                    if (StaleFrom(slot) > 0 && RemoveAt(p, slot, staleOnly: true, ids) is { } change) changed(slot, p, change);
                }
        var slots = new List<int>(peerSlots.Count);
        long paths = 0;
        foreach (int slot in peerSlots)
        {
            int n = staleOnly ? StaleFrom(slot) : PathsFrom(slot);
            if (n > 0 && !slots.Contains(slot)) { slots.Add(slot); paths += n; }
        }
        if (slots.Count == 0) return;
        var down = new bool[slots.Max() + 1];
        foreach (int slot in slots) down[slot] = true;
        var affected = new PrefixList((int)Math.Min(paths, PrefixCount));
        // What the lists did not find (they always should: every stale mark is made with one), or every path. The walk
        // may stop early on the path counts kept with every add and remove; the stale marks are not trusted for that.
        CollectPrefixesWithPaths(down, staleOnly, staleOnly ? long.MaxValue : paths, affected);
        for (int i = 0; i < affected.Count; i++)
        {
            var p = affected.At(i, _v6);
            foreach (int slot in slots)
                if (RemoveAt(p, slot, staleOnly, ids) is { } change) changed(slot, p, change);
        }
    }

    /// <summary>
    /// Prefixes of this table held as the index keys them, 8 bytes each instead of a 24-byte <see cref="Prefix"/>
    /// (IPv6 ones longer than /56, which have no key, as themselves after the keyed ones). The list of a full-table
    /// peer is long: its end walked 500,000 prefixes per partition into a list of 12 MiB on the large-object heap,
    /// and a graceful restart kept one of those per restarting peer until its End-of-RIB; bench/RESULTS.md, eighth
    /// session (PeerDownBenchmarks).
    /// </summary>
    private sealed class PrefixList(int capacity)
    {
        private readonly List<ulong> _keys = new(capacity);
        private List<Prefix>? _long;

        public int Count => _keys.Count + (_long?.Count ?? 0);

        public void AddKey(ulong key) => _keys.Add(key);
        public void AddLong(Prefix p) => (_long ??= new()).Add(p);
        public bool EndsWithKey(ulong key) => _keys.Count > 0 && _keys[^1] == key;
        public bool EndsWith(Prefix p) => _long is { Count: > 0 } l && l[^1] == p;

        /// <summary>The i-th prefix: keyed ones first, in the order added.</summary>
        public Prefix At(int i, bool v6) => i < _keys.Count ? (v6 ? FromV6Key(_keys[i]) : FromV4Key(_keys[i])) : _long![i - _keys.Count];
    }

    /// <summary>
    /// The prefixes that have a path (a stale one, with <paramref name="staleOnly"/>) from any slot set in
    /// <paramref name="peers"/>, in index order; the walk ends once <paramref name="paths"/> such
    /// paths are found (the caller's count of them, or long.MaxValue for the whole table). Straight over the index's
    /// slots, not through the entry enumerators: a peer with 10 routes leaving a 500k-prefix table took 9.5 ms that way
    /// and takes 5.5-5.9 ms now (bench/AkkaBgp.Rib.Benchmarks PeerDownBenchmarks), nearly all of it this walk.
    /// </summary>
    private void CollectPrefixesWithPaths(bool[] peers, bool staleOnly, long paths, PrefixList into)
    {
        long left = paths;
        for (int i = 0, n = _keyed.Capacity; i < n && left > 0; i++)
            if (_keyed.TryGetAt(i, out ulong key, out var e) && PathsOf(e.Head, peers, staleOnly) is int found and > 0)
            {
                into.AddKey(key);
                left -= found;
            }
        if (left > 0)
            foreach (var (p, e) in _v6Long)
                if (PathsOf(e.Head, peers, staleOnly) is int found and > 0)
                {
                    into.AddLong(p);
                    if ((left -= found) == 0) break;
                }
    }

    /// <summary>How many paths of one prefix's list come from the slots asked for.</summary>
    private int PathsOf(int head, bool[] peers, bool staleOnly)
    {
        int found = 0;
        for (int s = head; s != 0; s = PathAt(s).Next)
        {
            ref var path = ref PathAt(s);
            if (path.Peer < peers.Length && peers[path.Peer] && (!staleOnly || path.Stale)) found++;
        }
        return found;
    }

    /// <summary>Removes one peer's paths (all, or the stale ones) at one prefix; the best path before the first removal
    /// and after the last, or null if it had none there. <paramref name="ids"/> is scratch space.</summary>
    private BestChange? RemoveAt(Prefix p, int peerSlot, bool staleOnly, List<uint> ids)
    {
        ids.Clear();
        ref var e = ref Find(p, out bool found);
        if (!found) return null;
        for (int s = e.Head; s != 0; s = PathAt(s).Next)
            if (PathAt(s).Peer == peerSlot && (!staleOnly || PathAt(s).Stale)) ids.Add(IdOf(s));
        if (ids.Count == 0) return null;
        BestChange first = default, last = default;
        for (int i = 0; i < ids.Count; i++)
        {
            last = Withdraw(p, peerSlot, ids[i]);
            if (i == 0) first = last;
        }
        return new BestChange(first.OldRoute, first.OldPeer, last.NewRoute, last.NewPeer);
    }

    /// <summary>Marks every path from one peer stale (RFC 4724 4.2 on a restart, RFC 7313 4 on BoRR). Stale paths
    /// stay candidates: the peer's forwarding state is assumed intact until it says otherwise. Returns the count.</summary>
    public int MarkStale(int peerSlot)
    {
        MarkStale([peerSlot]);
        return StaleFrom(peerSlot);
    }

    /// <summary>
    /// Per peer with stale paths, the prefixes they were marked at (<see cref="MarkStale(IReadOnlyList{int})"/>), so that
    /// the sweep at End-of-RIB visits those instead of the whole table: peers returning from a restart one after the
    /// other each swept a full table's index otherwise (2,000 returning with half their routes next to a 500k table:
    /// 10.4 CPU s before, 3.9 with this, most of the rest refused reconnections; bench/RESULTS.md). A prefix the
    /// peer announced again or withdrew meanwhile is skipped then. Kept only from the mark to the sweep or the peer's
    /// end (at most one entry per stale path while a restart lasts).
    /// </summary>
    private readonly Dictionary<int, PrefixList> _stalePrefixes = new();

    /// <summary>Marks every path of several peers stale, as <see cref="MarkStale(int)"/> for each would, in one walk of
    /// the index (peers whose sessions ended together while their graceful restart is kept, e.g. a LAN outage), and
    /// records where each peer's stale paths are (all of them, those marked before included).</summary>
    public void MarkStale(IReadOnlyList<int> peerSlots)
    {
        var slots = peerSlots.Where(s => PathsFrom(s) > 0).Distinct().ToList();
        if (slots.Count == 0) return;
        var marking = new bool[slots.Max() + 1];
        var lists = new PrefixList?[marking.Length];
        foreach (int slot in slots)
        {
            marking[slot] = true;
            _stalePrefixes[slot] = lists[slot] = new PrefixList(PathsFrom(slot));
        }
        // A prefix is recorded by its index key, or as itself when it has none (IPv6 longer than /56).
        void Mark(ulong key, Prefix longPrefix, bool keyed, int head)
        {
            for (int s = head; s != 0; s = PathAt(s).Next)
            {
                ref var path = ref PathAt(s);
                if (path.Peer >= marking.Length || !marking[path.Peer]) continue;
                if (!path.Stale)
                {
                    path.Stale = true;
                    _staleByPeer[path.Peer]++;
                }
                var list = lists[path.Peer]!;
                // With ADD-PATH a peer has several paths at one prefix: listed once.
                if (keyed) { if (!list.EndsWithKey(key)) list.AddKey(key); }
                else if (!list.EndsWith(longPrefix)) list.AddLong(longPrefix);
            }
        }
        for (int i = 0, n = _keyed.Capacity; i < n; i++)
            if (_keyed.TryGetAt(i, out ulong key, out var e)) Mark(key, default, keyed: true, e.Head);
        foreach (var (p, e) in _v6Long) Mark(0, p, keyed: false, e.Head);
    }

    /// <summary>Removes the paths of one peer still marked stale (End-of-RIB, EoRR, or a timer) and reports each
    /// prefix it touched, as <see cref="WithdrawAll"/>. Costs nothing when the peer has no stale path.</summary>
    public void SweepStale(int peerSlot, Action<Prefix, BestChange> changed) => RemoveOf([peerSlot], staleOnly: true, (_, p, c) => changed(p, c));

    /// <summary>Re-runs selection everywhere (e.g. after the next-hop resolver's view changed).</summary>
    public void Reselect(List<(Prefix Prefix, BestChange Change)> changes)
    {
        foreach (var p in AllPrefixes())
        {
            ref var e = ref Find(p, out _);
            var (oldRoute, oldPeer) = BestOf(e);
            e.Best = SelectBest(e.Head);
            var (nr, np) = BestOf(e);
            var c = Track(new BestChange(oldRoute, oldPeer, nr, np));
            if (c.Changed) changes.Add((p, c));
        }
    }

    public bool TryGetBest(Prefix prefix, out RouteAttributes? route, out RibPeer? peer)
    {
        ref var e = ref Find(prefix, out bool exists);
        (route, peer) = exists ? BestOf(e) : (null, null);
        return route is not null;
    }

    /// <summary>Every path stored for <paramref name="prefix"/>, the best one flagged.</summary>
    public List<StoredPath> Paths(Prefix prefix)
    {
        var list = new List<StoredPath>();
        ref var e = ref Find(prefix, out bool exists);
        if (!exists) return list;
        for (int s = e.Head; s != 0; s = PathAt(s).Next)
            if (_peerOf(PathAt(s).Peer) is { } peer) list.Add(new StoredPath(peer, RouteAt(s), s == e.Best, PathAt(s).Filtered, PathAt(s).Stale, IdOf(s)));
        return list;
    }

    /// <summary>
    /// The usable paths of <paramref name="prefix"/> for ADD-PATH export (RFC 7911) in decision order, offered to
    /// <paramref name="take"/> until it has accepted <paramref name="max"/> of them: the best path, then the best of
    /// the rest, and so on (the RFC 4271 9.1.2 procedure run again without the winners, since the MED rule admits no
    /// single sort). Filtered and ineligible paths are left out. When every usable path may be taken, the rest after
    /// the best come as stored, without ranking. Returns how many were accepted.
    /// </summary>
    public int RankedPaths(Prefix prefix, int max, Func<RankedPath, bool> take)
    {
        ref var e = ref Find(prefix, out bool exists);
        if (!exists || e.Best == 0 || max <= 0) return 0;
        int best = e.Best, taken = 0;
        if (take(new RankedPath((uint)best, RouteAt(best), _peerOf(PathAt(best).Peer)!))) taken++;
        if (taken == max) return taken;
        // The candidates are copied out first: take may not touch the table, but it runs other code.
        var slots = new List<int>();
        var candidates = new List<Candidate>();
        for (int s = e.Head; s != 0; s = PathAt(s).Next)
        {
            if (s == best || PathAt(s).Filtered || _peerOf(PathAt(s).Peer) is not { } peer) continue;
            var c = new Candidate(RouteAt(s), peer, IdOf(s));
            if (!BestPathSelector.IsEligible(c, _options)) continue;
            candidates.Add(c);
            slots.Add(s);
        }
        if (max >= candidates.Count + 1)
        {
            for (int i = 0; i < candidates.Count && taken < max; i++)
                if (take(new RankedPath((uint)slots[i], candidates[i].Route, candidates[i].From))) taken++;
            return taken;
        }
        // Best of the rest, taken out, again: O(N x paths) selections for the best N.
        while (taken < max && candidates.Count > 0)
        {
            int w = BestPathSelector.Select(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates), _options);
            if (w < 0) break;
            if (take(new RankedPath((uint)slots[w], candidates[w].Route, candidates[w].From))) taken++;
            int last = candidates.Count - 1;
            candidates[w] = candidates[last];
            slots[w] = slots[last];
            candidates.RemoveAt(last);
            slots.RemoveAt(last);
        }
        return taken;
    }

    /// <summary>Visits every prefix with a best path (initial table dump, route refresh).</summary>
    public IEnumerable<(Prefix Prefix, RouteAttributes Route, RibPeer Peer)> BestPaths()
    {
        int version = _keyed.Version;
        for (int i = 0; i < _keyed.Capacity; i++)
        {
            if (version != _keyed.Version) throw new InvalidOperationException("the prefix table changed during enumeration");
            if (_keyed.TryGetAt(i, out ulong k, out var e) && e.Best != 0 && _peerOf(PathAt(e.Best).Peer) is { } peer)
                yield return (_v6 ? FromV6Key(k) : FromV4Key(k), RouteAt(e.Best), peer);
        }
        foreach (var (p, e) in _v6Long)
            if (e.Best != 0 && _peerOf(PathAt(e.Best).Peer) is { } peer) yield return (p, RouteAt(e.Best), peer);
    }

    public IEnumerable<Prefix> AllPrefixes()
    {
        int version = _keyed.Version;
        for (int i = 0; i < _keyed.Capacity; i++)
        {
            if (version != _keyed.Version) throw new InvalidOperationException("the prefix table changed during enumeration");
            if (_keyed.TryGetAt(i, out ulong k, out _)) yield return _v6 ? FromV6Key(k) : FromV4Key(k);
        }
        foreach (var p in _v6Long.Keys) yield return p;
    }

    /// <summary>Every prefix and its entry, the keyed ones in index order; throws if the table changes meanwhile, as a
    /// dictionary would. Like <see cref="BestPaths"/> and <see cref="AllPrefixes"/>, one iterator straight over the
    /// index's slots: they were iterators over this one, itself over the index's own, and a partition's 500k prefixes
    /// took 15.5 ms for every best path and 8.1 ms for every prefix; now 10.7 and 6.3 (TableScanBenchmarks,
    /// bench/RESULTS.md eighth session).</summary>
    private IEnumerable<(Prefix, Entry)> Entries()
    {
        int version = _keyed.Version;
        for (int i = 0; i < _keyed.Capacity; i++)
        {
            if (version != _keyed.Version) throw new InvalidOperationException("the prefix table changed during enumeration");
            if (_keyed.TryGetAt(i, out ulong k, out var e)) yield return (_v6 ? FromV6Key(k) : FromV4Key(k), e);
        }
        foreach (var kv in _v6Long) yield return (kv.Key, kv.Value);
    }

    private BestChange Track(BestChange c)
    {
        BestCount += (c.NewRoute is null ? 0 : 1) - (c.OldRoute is null ? 0 : 1);
        return c;
    }

    private (RouteAttributes?, RibPeer?) BestOf(in Entry e)
        => e.Best == 0 ? (null, null) : (RouteAt(e.Best), _peerOf(PathAt(e.Best).Peer));

    private Candidate[] _candidates = new Candidate[16];
    private int[] _candidateSlots = new int[16];

    private int SelectBest(int head)
    {
        int i = 0;
        for (int s = head; s != 0; s = PathAt(s).Next)
        {
            if (PathAt(s).Filtered) continue;
            var peer = _peerOf(PathAt(s).Peer);
            if (peer is null) continue;
            if (i == _candidates.Length)
            {
                Array.Resize(ref _candidates, i * 2);
                Array.Resize(ref _candidateSlots, i * 2);
            }
            _candidates[i] = new Candidate(RouteAt(s), peer, IdOf(s));
            _candidateSlots[i++] = s;
        }
        int best = BestPathSelector.Select(_candidates.AsSpan(0, i), _options);
        Array.Clear(_candidates, 0, i); // don't keep withdrawn attribute sets reachable
        return best < 0 ? 0 : _candidateSlots[best];
    }

    private void Count(int peerSlot, RouteAttributes r, bool filtered, int delta)
    {
        if (peerSlot >= _pathsByPeer.Length)
        {
            int size = Math.Max(peerSlot + 1, _pathsByPeer.Length * 2);
            Array.Resize(ref _pathsByPeer, size);
            Array.Resize(ref _ineligibleByPeer, size);
            Array.Resize(ref _filteredByPeer, size);
            Array.Resize(ref _staleByPeer, size);
        }
        _pathsByPeer[peerSlot] += delta;
        if (filtered) _filteredByPeer[peerSlot] += delta;
        else if (r.Ineligibility != PathIneligibility.None) _ineligibleByPeer[peerSlot] += delta;
    }

    private int AllocSlot()
    {
        if (_free != 0)
        {
            int f = _free;
            _free = PathAt(f).Next;
            return f;
        }
        if (_used == _capacity) Grow(_used + 1);
        return _used++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref PathSlot PathAt(int s) => ref _chunks[s >> ChunkBits][s & ChunkMask];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RouteAttributes RouteAt(int s) => _interner.At(PathAt(s).Set);

    // Slots are not zeroed: a slot is read only once Announce or FreeSlot has written the whole of it. A ref into a
    // slot must not be held across Grow (the first chunk moves while it doubles), as with the arrays before.
    private void Grow(int atLeast)
    {
        while (_capacity < atLeast)
        {
            if (_capacity < ChunkSize)
            {
                int size = Math.Min(ChunkSize, Math.Max(_capacity * 2, atLeast));
                _chunks[0] = (PathSlot*)NativeMemory.Realloc(_chunks[0], (nuint)size * (nuint)sizeof(PathSlot));
                Account((long)(size - _capacity) * sizeof(PathSlot));
                _capacity = size;
            }
            else
            {
                int n = _capacity >> ChunkBits;
                if (n == _chunks.Length)
                {
                    var more = new PathSlot*[n * 2];
                    for (int i = 0; i < n; i++) more[i] = _chunks[i];
                    _chunks = _owner.Chunks = more;
                }
                _chunks[n] = (PathSlot*)NativeMemory.Alloc((nuint)ChunkSize * (nuint)sizeof(PathSlot));
                Account((long)ChunkSize * sizeof(PathSlot));
                _capacity += ChunkSize;
            }
        }
        if (_ids is not null && _ids.Length < _capacity) Array.Resize(ref _ids, _capacity);
    }

    private void Account(long bytes)
    {
        _owner.Bytes += bytes;
        Interlocked.Add(ref NativeIndexMemory.Bytes, bytes);
    }

    private void FreeSlot(int s)
    {
        PathAt(s) = new PathSlot { Next = _free };
        if (_ids is not null) _ids[s] = 0;
        _free = s;
    }
}
