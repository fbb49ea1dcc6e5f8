using System.Buffers.Binary;
using System.Net;

namespace AkkaBgp.Wire.Attributes;

/// <summary>
/// An immutable set of path attributes stored once as canonical wire bytes and decoded lazily.
/// Canonical form: attributes sorted by type code (RFC 4271 5: "SHOULD be ordered by type code"),
/// AS_PATH and AGGREGATOR with 4-octet AS numbers (RFC 6793), AS4_PATH/AS4_AGGREGATOR folded in,
/// MP_REACH_NLRI/MP_UNREACH_NLRI left out (they carry routes and the next hop, not shared
/// attributes), Extended Length only when a value exceeds 255 octets, and known attributes with
/// their defined Optional/Transitive flags. Unknown attributes keep their flags octet byte-exact.
/// Equality and hash are over those bytes, so the RIB can intern identical sets; they are sealed, so a derived type
/// (the RIB's interned set, which adds what route selection reads) compares as the attributes it carries.
/// </summary>
public class PathAttributes : IEquatable<PathAttributes>
{
    private readonly byte[] _bytes;
    private int _hash;
    /// <summary>Decoded forms, made on first use. One reference instead of five fields: a full table holds hundreds of
    /// thousands of sets (millions with several full tables) and most are never decoded past what the RIB reads from
    /// the bytes, so the five empty fields were 32 wasted bytes per set (issue 11).</summary>
    private Decoded? _decoded;

    private sealed class Decoded
    {
        public AsPath? AsPath;
        public Community[]? Communities;
        public ExtendedCommunity[]? Ext;
        public LargeCommunity[]? Large;
        public uint[]? ClusterList;
    }

    // Racing readers may each decode and store; every result is equal, so whichever is kept is right.
    private Decoded Cache => _decoded ??= new Decoded();

    public static readonly PathAttributes Empty = new(Array.Empty<byte>());

    internal PathAttributes(byte[] canonical) => _bytes = canonical;

    /// <summary>A set with the same canonical bytes as <paramref name="shared"/> (not copied): for a type that extends
    /// a decoded set with its own fields in one object rather than holding a second one (issue 11: the RIB keeps
    /// hundreds of thousands of sets, and a separate object cost 40 bytes each).</summary>
    protected PathAttributes(PathAttributes shared)
    {
        _bytes = shared._bytes;
        _hash = shared._hash;
    }

    /// <summary>The canonical encoding (4-octet AS form); see the type summary.</summary>
    public ReadOnlyMemory<byte> Encoded => _bytes;
    public ReadOnlySpan<byte> EncodedSpan => _bytes;
    public bool IsEmpty => _bytes.Length == 0;

    public int Count
    {
        get
        {
            int n = 0;
            foreach (var _ in this) n++;
            return n;
        }
    }

    public Enumerator GetEnumerator() => new(_bytes);

    /// <summary>Walks canonical bytes (validated on construction, so no checks here).</summary>
    public struct Enumerator
    {
        private readonly byte[] _b;
        private int _p;
        public RawAttribute Current { get; private set; }
        internal Enumerator(byte[] b) { _b = b; _p = 0; Current = default; }

        public bool MoveNext()
        {
            if (_p >= _b.Length) return false;
            var flags = (AttributeFlags)_b[_p];
            byte type = _b[_p + 1];
            int len, hdr;
            if ((flags & AttributeFlags.ExtendedLength) != 0) { len = BinaryPrimitives.ReadUInt16BigEndian(_b.AsSpan(_p + 2)); hdr = 4; }
            else { len = _b[_p + 2]; hdr = 3; }
            Current = new RawAttribute(flags, type, new ReadOnlyMemory<byte>(_b, _p + hdr, len));
            _p += hdr + len;
            return true;
        }
    }

    public bool Contains(byte type) => TryGet(type, out _);

    public bool TryGet(byte type, out RawAttribute attribute)
    {
        foreach (var a in this)
        {
            if (a.TypeCode == type) { attribute = a; return true; }
            if (a.TypeCode > type) break;
        }
        attribute = default;
        return false;
    }

    private ReadOnlySpan<byte> Value(byte type) => TryGet(type, out var a) ? a.Value.Span : default;
    private uint? U32(byte type) => TryGet(type, out var a) && a.Value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(a.Value.Span) : null;

    // Getters tolerate values a builder's raw attributes could carry: a wrong-sized value reads as absent.
    public Origin? Origin => TryGet(AttributeType.Origin, out var a) && a.Value.Length == 1 ? (Origin)a.Value.Span[0] : null;

    /// <summary>AS_PATH with 4-octet AS numbers (already merged with AS4_PATH for OLD peers); null when absent.</summary>
    public AsPath? AsPath
    {
        get
        {
            if (_decoded?.AsPath is { } cached) return cached;
            if (!TryGet(AttributeType.AsPath, out var a) || Attributes.AsPath.Validate(a.Value.Span, fourOctet: true) is not null) return null;
            return Cache.AsPath = Attributes.AsPath.Parse(a.Value.Span, fourOctet: true);
        }
    }

    /// <summary>NEXT_HOP (RFC 4271 5.1.3) as a 32-bit integer in network order.</summary>
    public uint? NextHop => U32(AttributeType.NextHop);
    public IPAddress? NextHopAddress => TryGet(AttributeType.NextHop, out var a) && a.Value.Length == 4 ? new IPAddress(a.Value.Span) : null;
    public uint? MultiExitDisc => U32(AttributeType.MultiExitDisc);
    public uint? LocalPref => U32(AttributeType.LocalPref);
    public bool AtomicAggregate => Contains(AttributeType.AtomicAggregate);

    public Aggregator? Aggregator
    {
        get
        {
            if (!TryGet(AttributeType.Aggregator, out var a) || a.Value.Length != 8) return null;
            var s = a.Value.Span;
            return new Aggregator(BinaryPrimitives.ReadUInt32BigEndian(s), BinaryPrimitives.ReadUInt32BigEndian(s[4..]));
        }
    }

    public IReadOnlyList<Community> Communities
    {
        get
        {
            if (_decoded?.Communities is { } cached) return cached;
            var s = Value(AttributeType.Communities);
            var r = new Community[s.Length / 4];
            for (int i = 0; i < r.Length; i++) r[i] = new Community(BinaryPrimitives.ReadUInt32BigEndian(s[(4 * i)..]));
            return Cache.Communities = r;
        }
    }

    public bool HasCommunity(Community c)
    {
        var s = Value(AttributeType.Communities);
        for (int i = 0; i + 4 <= s.Length; i += 4)
            if (BinaryPrimitives.ReadUInt32BigEndian(s[i..]) == c.Value) return true;
        return false;
    }

    public IReadOnlyList<ExtendedCommunity> ExtendedCommunities
    {
        get
        {
            if (_decoded?.Ext is { } cached) return cached;
            var s = Value(AttributeType.ExtendedCommunities);
            var r = new ExtendedCommunity[s.Length / 8];
            for (int i = 0; i < r.Length; i++) r[i] = ExtendedCommunity.Read(s[(8 * i)..]);
            return Cache.Ext = r;
        }
    }

    public IReadOnlyList<LargeCommunity> LargeCommunities
    {
        get
        {
            if (_decoded?.Large is { } cached) return cached;
            var s = Value(AttributeType.LargeCommunities);
            var r = new LargeCommunity[s.Length / 12];
            for (int i = 0; i < r.Length; i++)
            {
                var x = s[(12 * i)..];
                r[i] = new LargeCommunity(BinaryPrimitives.ReadUInt32BigEndian(x), BinaryPrimitives.ReadUInt32BigEndian(x[4..]), BinaryPrimitives.ReadUInt32BigEndian(x[8..]));
            }
            return Cache.Large = r;
        }
    }

    /// <summary>ORIGINATOR_ID (RFC 4456) as a 32-bit integer.</summary>
    public uint? OriginatorId => U32(AttributeType.OriginatorId);

    /// <summary>CLUSTER_LIST (RFC 4456), empty when absent.</summary>
    public IReadOnlyList<uint> ClusterList
    {
        get
        {
            if (_decoded?.ClusterList is { } cached) return cached;
            var s = Value(AttributeType.ClusterList);
            var r = new uint[s.Length / 4];
            for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadUInt32BigEndian(s[(4 * i)..]);
            return Cache.ClusterList = r;
        }
    }

    /// <summary>Only to Customer (RFC 9234 section 4).</summary>
    public uint? OnlyToCustomer => U32(AttributeType.OnlyToCustomer);

    /// <summary>Attributes this codec does not interpret, byte-exact with their received flags.</summary>
    public IEnumerable<RawAttribute> Unrecognized
    {
        get
        {
            foreach (var a in this)
                if (!AttributeType.IsKnown(a.TypeCode)) yield return a;
        }
    }

    public PathAttributesBuilder ToBuilder() => PathAttributesBuilder.From(this);

    public bool Equals(PathAttributes? other)
        => other is not null && (ReferenceEquals(this, other) || (GetHashCode() == other.GetHashCode() && _bytes.AsSpan().SequenceEqual(other._bytes)));
    public sealed override bool Equals(object? obj) => Equals(obj as PathAttributes);

    public sealed override int GetHashCode()
    {
        int h = _hash;
        if (h != 0) return h;
        h = HashBytes(_bytes, HashSeed);
        if (h == 0) h = 1;
        _hash = h;
        return h;
    }

    /// <summary>A 32-bit hash of some bytes under a seed, for interning keys. XXH3 rather than
    /// <see cref="HashCode.AddBytes"/>, which mixes four octets at a time: the RIB hashes every UPDATE's attributes
    /// (and, for IPv6, its next hop). With the interner's one walk per new set, this took the W1 table's 280k sets
    /// with a 16-octet next hop from 122.5 to 80.1 ms (bench/AkkaBgp.Rib.Benchmarks InternBenchmarks, 2026-12-06).
    /// Seeded per process, as HashCode is, so that a peer cannot choose attribute sets that all land in one bucket of
    /// the interner.</summary>
    public static int HashBytes(ReadOnlySpan<byte> bytes, long seed)
    {
        ulong x = System.IO.Hashing.XxHash3.HashToUInt64(bytes, seed);
        return (int)(x ^ (x >> 32));
    }

    /// <summary>This process's seed for <see cref="HashBytes"/>.</summary>
    public static readonly long HashSeed = Random.Shared.NextInt64();

    public override string ToString()
    {
        var parts = new List<string>();
        if (Origin is { } o) parts.Add($"origin {o}");
        if (AsPath is { } p) parts.Add($"as-path [{p}]");
        if (NextHopAddress is { } nh) parts.Add($"next-hop {nh}");
        if (MultiExitDisc is { } med) parts.Add($"med {med}");
        if (LocalPref is { } lp) parts.Add($"local-pref {lp}");
        if (AtomicAggregate) parts.Add("atomic-aggregate");
        if (Aggregator is { } ag) parts.Add($"aggregator {ag}");
        if (Communities.Count > 0) parts.Add($"communities [{string.Join(" ", Communities)}]");
        if (ExtendedCommunities.Count > 0) parts.Add($"ext-communities [{string.Join(" ", ExtendedCommunities)}]");
        if (LargeCommunities.Count > 0) parts.Add($"large-communities [{string.Join(" ", LargeCommunities)}]");
        if (OriginatorId is { } oid) parts.Add($"originator-id {new IPAddress(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(oid) : oid)}");
        if (ClusterList.Count > 0) parts.Add($"cluster-list [{string.Join(" ", ClusterList)}]");
        if (OnlyToCustomer is { } otc) parts.Add($"otc {otc}");
        foreach (var u in Unrecognized) parts.Add(u.ToString());
        return string.Join(", ", parts);
    }
}
