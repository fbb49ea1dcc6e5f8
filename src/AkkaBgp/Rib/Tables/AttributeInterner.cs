using System.Runtime.CompilerServices;
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
/// <remarks>The sets live in a hash set of the <see cref="RouteAttributes"/> themselves, looked up with a probe that
/// carries the incoming attributes (an alternate lookup), rather than in a dictionary keyed by a copy of what each
/// set already holds: 16 bytes per slot instead of 40. With 10 full tables that is 2M+ sets (issue 11).</remarks>
public sealed class AttributeInterner
{
    private readonly SetComparer _comparer;
    private readonly HashSet<RouteAttributes> _sets;
    private readonly HashSet<RouteAttributes>.AlternateLookup<Probe> _lookup;

    /// <param name="localAs">For AS_PATH loop detection.</param>
    /// <param name="routerId">For the ORIGINATOR_ID loop check (RFC 4456 8).</param>
    /// <param name="clusterId">For the CLUSTER_LIST loop check; RFC 4456 7 defaults it to the router id.</param>
    public AttributeInterner(uint localAs, uint routerId, uint clusterId = 0)
    {
        _comparer = new SetComparer(localAs, routerId, clusterId == 0 ? routerId : clusterId);
        _sets = new HashSet<RouteAttributes>(_comparer);
        _lookup = _sets.GetAlternateLookup<Probe>();
    }

    public int Count => _sets.Count;

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

    /// <summary>Every set held now (for sweeping per-set caches).</summary>
    public IReadOnlyCollection<RouteAttributes> Sets => _sets;

    /// <summary>Returns the shared instance for this set and takes one reference on it.</summary>
    public RouteAttributes Acquire(PathAttributes attributes, ReadOnlySpan<byte> mpNextHop = default, bool otcLeak = false)
    {
        var probe = new Probe(attributes, mpNextHop, RouteAttributes.HashOf(attributes, mpNextHop), otcLeak);
        // Add first: in a full table most UPDATEs carry a set no other UPDATE has (W1: 216k sets of 280k UPDATEs), and
        // the alternate lookup's Add makes a missing set (SetComparer.Create) in the one walk that found it missing.
        // A set already held then costs a second walk, which is the rarer case.
        RouteAttributes r;
        if (_lookup.Add(probe)) r = _comparer.TakeCreated();
        else if (!_lookup.TryGetValue(probe, out r!)) throw new InvalidOperationException("an interned set was not found again");
        AddRef(r);
        return r;
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
        _sets.Remove(r);
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

    /// <summary>An incoming set as the lookup sees it, before it is known whether a stored one equals it.</summary>
    private readonly ref struct Probe(PathAttributes attributes, ReadOnlySpan<byte> nextHop, int hash, bool otcLeak)
    {
        public readonly PathAttributes Attributes = attributes;
        public readonly ReadOnlySpan<byte> NextHop = nextHop;
        public readonly int Hash = hash;
        public readonly bool OtcLeak = otcLeak;
    }

    /// <summary>Value equality of sets (the same bytes, next hop and leak mark), by a hash computed once per set; and the
    /// making of a set the lookup did not find, which needs the speaker's AS and ids.</summary>
    private sealed class SetComparer(uint localAs, uint routerId, uint clusterId)
        : IEqualityComparer<RouteAttributes>, IAlternateEqualityComparer<Probe, RouteAttributes>
    {
        /// <summary>The MP_REACH next hop of the last set made, shared by the next one if it is the same (a partition
        /// applies one peer's batch at a time, so consecutive sets mostly agree; RouteAttributes.MpNextHop is read-only
        /// by convention).</summary>
        private SharedCopy _mpNextHop;
        private RouteAttributes? _created;

        public bool Equals(RouteAttributes? x, RouteAttributes? y)
        {
            if (ReferenceEquals(x, y)) return true;
            if (x is null || y is null) return false;
            // An IPv6 set's hash is computed on each read (it hashes the next hop): read each side's once.
            int hash = x.Hash;
            return hash == y.Hash && Equals(new Probe(x.Attributes, x.MpNextHop, hash, x.OtcLeak), y);
        }

        public int GetHashCode(RouteAttributes r) => r.Hash;

        // The hash set compares the stored hash before it calls this, so the set's own (which for an IPv6 set hashes
        // the next hop again) is not needed here.
        public bool Equals(Probe p, RouteAttributes r) =>
            p.OtcLeak == r.OtcLeak && p.Attributes.Equals(r.Attributes) && p.NextHop.SequenceEqual(r.MpNextHop);

        public int GetHashCode(Probe p) => p.Hash;

        public RouteAttributes Create(Probe p) =>
            _created = new RouteAttributes(p.Attributes, _mpNextHop.Of(p.NextHop), localAs, routerId, clusterId, p.OtcLeak);

        /// <summary>The set the last <see cref="Create"/> made (the hash set's Add says only that it added one).</summary>
        public RouteAttributes TakeCreated()
        {
            var r = _created!;
            _created = null;
            return r;
        }
    }
}
