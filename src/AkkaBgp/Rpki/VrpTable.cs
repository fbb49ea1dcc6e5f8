using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rpki;

/// <summary>A Validated ROA Payload (RFC 6811 section 2): a prefix, the longest prefix length it authorises, and the AS.</summary>
public readonly record struct Vrp(Prefix Prefix, byte MaxLength, uint Asn)
{
    public override string ToString() => $"{Prefix}-{MaxLength} AS{Asn}";
}

/// <summary>The route origin validation states of RFC 6811 section 2.</summary>
public enum RovState : byte
{
    NotFound,
    Valid,
    Invalid,
}

/// <summary>
/// An immutable set of VRPs that answers RFC 6811 route origin validation. Sharing one instance between actors is
/// safe; a change builds a new table.
/// <para>
/// Layout: the distinct VRP prefixes sorted (address, then shorter first), each with the index of its nearest
/// enclosing VRP prefix, and the (max length, AS) pairs of each prefix in flat arrays. Prefixes are either nested
/// or disjoint, so the prefixes covering a route are the chain of enclosing prefixes above the last VRP prefix
/// that sorts at or before the route: one binary search and a walk of at most the nesting depth, with no
/// per-length probing and about 40 octets per VRP.
/// </para>
/// </summary>
public sealed class VrpTable
{
    public static readonly VrpTable Empty = new([]);

    /// <summary>The ASPAs that came with these VRPs from the same cache (RTR version 2), for AS_PATH verification. They
    /// travel with the VRPs because both are chosen, replaced and expired together, per cache.</summary>
    public AspaTable Aspas { get; init; } = AspaTable.Empty;

    private readonly Prefix[] _prefixes;
    private readonly int[] _parent;
    /// <summary>Entries of prefix i are [<c>_first[i]</c>, <c>_first[i + 1]</c>).</summary>
    private readonly int[] _first;
    private readonly uint[] _asn;
    private readonly byte[] _maxLength;

    public int Count => _asn.Length;
    public int CountV4 { get; }
    public int CountV6 => Count - CountV4;

    public VrpTable(IEnumerable<Vrp> vrps)
    {
        var sorted = vrps.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int c = a.Prefix.CompareTo(b.Prefix);
            if (c != 0) return c;
            c = a.MaxLength.CompareTo(b.MaxLength);
            return c != 0 ? c : a.Asn.CompareTo(b.Asn);
        });
        int unique = 0;
        for (int i = 0; i < sorted.Length; i++)
            if (unique == 0 || sorted[i] != sorted[unique - 1]) sorted[unique++] = sorted[i];

        _asn = new uint[unique];
        _maxLength = new byte[unique];
        var prefixes = new List<Prefix>();
        var first = new List<int>();
        for (int i = 0; i < unique; i++)
        {
            var v = sorted[i];
            _asn[i] = v.Asn;
            _maxLength[i] = v.MaxLength;
            if (v.Prefix.IsIPv4) CountV4++;
            if (prefixes.Count == 0 || prefixes[^1] != v.Prefix)
            {
                prefixes.Add(v.Prefix);
                first.Add(i);
            }
        }
        first.Add(unique);
        _prefixes = prefixes.ToArray();
        _first = first.ToArray();
        _parent = new int[_prefixes.Length];
        // Sorted order visits a prefix after every prefix enclosing it: a stack of the open enclosing prefixes.
        var open = new Stack<int>();
        for (int i = 0; i < _prefixes.Length; i++)
        {
            while (open.Count > 0 && !_prefixes[open.Peek()].Contains(_prefixes[i])) open.Pop();
            _parent[i] = open.Count > 0 ? open.Peek() : -1;
            open.Push(i);
        }
    }

    public IEnumerable<Vrp> All()
    {
        for (int i = 0; i < _prefixes.Length; i++)
            for (int j = _first[i]; j < _first[i + 1]; j++)
                yield return new Vrp(_prefixes[i], _maxLength[j], _asn[j]);
    }

    /// <summary>
    /// RFC 6811 section 2: Valid when a covering VRP has the route's origin AS and a max length at least the route's
    /// length; Invalid when VRPs cover the route but none matches; NotFound when none covers it. A null origin is the
    /// RFC's "NONE" (it matches no VRP), and so is AS 0 (RFC 6483 section 4: an AS 0 ROA authorises nothing).
    /// </summary>
    public RovState Validate(Prefix route, uint? originAs)
    {
        int i = InnermostCovering(route);
        if (i < 0) return RovState.NotFound;
        if (originAs is not { } origin || origin == 0) return RovState.Invalid;
        for (; i >= 0; i = _parent[i])
            for (int j = _first[i]; j < _first[i + 1]; j++)
                if (_asn[j] == origin && route.Length <= _maxLength[j]) return RovState.Valid;
        return RovState.Invalid;
    }

    /// <summary>Whether any VRP prefix covers <paramref name="route"/> (contains it or equals it).</summary>
    public bool Covers(Prefix route) => InnermostCovering(route) >= 0;

    private int InnermostCovering(Prefix route)
    {
        // The last prefix that sorts at or before the route; the covering ones are it or its ancestors.
        int lo = 0, hi = _prefixes.Length - 1, q = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_prefixes[mid].CompareTo(route) <= 0) { q = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        while (q >= 0 && !_prefixes[q].Contains(route)) q = _parent[q];
        return q;
    }

    /// <summary>The VRP prefixes whose VRPs differ between two tables: the routes these cover (and only those) may
    /// change validation state. Both tables are sorted the same way, so this is one merge.</summary>
    public static IReadOnlyList<Prefix> ChangedPrefixes(VrpTable before, VrpTable after)
    {
        var changed = new List<Prefix>();
        int a = 0, b = 0;
        while (a < before._prefixes.Length || b < after._prefixes.Length)
        {
            int c = a == before._prefixes.Length ? 1 : b == after._prefixes.Length ? -1 : before._prefixes[a].CompareTo(after._prefixes[b]);
            if (c < 0) changed.Add(before._prefixes[a++]);
            else if (c > 0) changed.Add(after._prefixes[b++]);
            else
            {
                if (!SameEntries(before, a, after, b)) changed.Add(before._prefixes[a]);
                a++;
                b++;
            }
        }
        return changed;
    }

    private static bool SameEntries(VrpTable x, int i, VrpTable y, int j)
    {
        int n = x._first[i + 1] - x._first[i];
        if (n != y._first[j + 1] - y._first[j]) return false;
        for (int k = 0; k < n; k++)
            if (x._asn[x._first[i] + k] != y._asn[y._first[j] + k] || x._maxLength[x._first[i] + k] != y._maxLength[y._first[j] + k]) return false;
        return true;
    }
}

/// <summary>RFC 6811 section 2, "Route Origin ASN".</summary>
public static class RouteOrigin
{
    /// <summary>The rightmost AS of the final segment when that is an AS_SEQUENCE; our own AS when the path is empty
    /// or ends in a confederation segment; null ("NONE") otherwise, i.e. when it ends in an AS_SET.</summary>
    public static uint? Of(AsPath? path, uint localAs)
    {
        if (path is null || path.Segments.Count == 0) return localAs;
        var last = path.Segments[^1];
        return last.Type switch
        {
            AsPathSegmentType.AsSequence => last.Asns[^1],
            AsPathSegmentType.AsConfedSequence or AsPathSegmentType.AsConfedSet => localAs,
            _ => null,
        };
    }
}
