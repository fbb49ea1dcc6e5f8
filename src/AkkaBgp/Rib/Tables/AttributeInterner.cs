using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Tables;

/// <summary>
/// Stores each distinct attribute set (canonical attribute bytes plus MP next hop) once, with a reference
/// count per stored path, so that a full table of ~1M prefixes carried by a few hundred thousand UPDATEs
/// keeps a few hundred thousand sets rather than a million. A set is dropped when its last path goes.
/// Not thread-safe: each RIB partition actor owns one.
/// </summary>
public sealed class AttributeInterner
{
    private readonly Dictionary<Key, RouteAttributes> _sets = new();
    private readonly uint _localAs, _routerId, _clusterId;

    /// <param name="localAs">For AS_PATH loop detection.</param>
    /// <param name="routerId">For the ORIGINATOR_ID loop check (RFC 4456 8).</param>
    /// <param name="clusterId">For the CLUSTER_LIST loop check; RFC 4456 7 defaults it to the router id.</param>
    public AttributeInterner(uint localAs, uint routerId, uint clusterId = 0)
    {
        _localAs = localAs;
        _routerId = routerId;
        _clusterId = clusterId == 0 ? routerId : clusterId;
    }

    public int Count => _sets.Count;

    /// <summary>Every set held now (for sweeping per-set caches).</summary>
    public IReadOnlyCollection<RouteAttributes> Sets => _sets.Values;

    /// <summary>Returns the shared instance for this set and takes one reference on it.</summary>
    public RouteAttributes Acquire(PathAttributes attributes, ReadOnlySpan<byte> mpNextHop = default, bool otcLeak = false)
    {
        // IPv6 next hops are short; copying one for the probe is cheaper than a span-keyed lookup scheme.
        var nh = mpNextHop.IsEmpty ? Array.Empty<byte>() : mpNextHop.ToArray();
        var key = new Key(attributes, nh, RouteAttributes.HashOf(attributes, nh), otcLeak);
        if (!_sets.TryGetValue(key, out var r))
        {
            r = new RouteAttributes(attributes, nh, _localAs, _routerId, _clusterId, otcLeak);
            _sets.Add(key, r);
        }
        r.RefCount++;
        return r;
    }

    /// <summary>Takes one more reference on an already interned set (a second prefix sharing it).</summary>
    public void AddRef(RouteAttributes r) => r.RefCount++;

    /// <summary>Drops one reference; the set leaves the table when none remain.</summary>
    public void Release(RouteAttributes r)
    {
        if (--r.RefCount == 0) _sets.Remove(new Key(r.Attributes, r.MpNextHop, r.Hash, r.OtcLeak));
    }

    private readonly record struct Key(PathAttributes Attributes, byte[] NextHop, int Hash, bool OtcLeak)
    {
        public bool Equals(Key other) => Hash == other.Hash && OtcLeak == other.OtcLeak && Attributes.Equals(other.Attributes) && NextHop.AsSpan().SequenceEqual(other.NextHop);
        public override int GetHashCode() => Hash;
    }
}
