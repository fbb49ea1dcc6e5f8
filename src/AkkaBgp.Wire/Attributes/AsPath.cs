using System.Buffers.Binary;
using System.Text;

namespace AkkaBgp.Wire.Attributes;

/// <summary>AS_PATH segment types (RFC 4271 4.3, RFC 5065 section 3).</summary>
public enum AsPathSegmentType : byte
{
    AsSet = 1,
    AsSequence = 2,
    AsConfedSequence = 3,
    AsConfedSet = 4,
}

/// <summary>One AS_PATH segment with 4-octet AS numbers.</summary>
public sealed class AsPathSegment : IEquatable<AsPathSegment>
{
    public AsPathSegment(AsPathSegmentType type, params uint[] asns)
    {
        if (asns.Length is 0 or > 255) throw new WireException("an AS_PATH segment holds 1..255 AS numbers");
        Type = type;
        Asns = asns;
    }

    public AsPathSegmentType Type { get; }
    public IReadOnlyList<uint> Asns { get; }
    public bool IsConfederation => Type is AsPathSegmentType.AsConfedSequence or AsPathSegmentType.AsConfedSet;
    public bool IsSet => Type is AsPathSegmentType.AsSet or AsPathSegmentType.AsConfedSet;

    public bool Equals(AsPathSegment? other) => other is not null && other.Type == Type && other.Asns.SequenceEqual(Asns);
    public override bool Equals(object? obj) => Equals(obj as AsPathSegment);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Type);
        foreach (var a in Asns) h.Add(a);
        return h.ToHashCode();
    }

    public override string ToString()
    {
        string inner = string.Join(" ", Asns);
        return Type switch
        {
            AsPathSegmentType.AsSet => "{" + inner + "}",
            AsPathSegmentType.AsConfedSequence => "(" + inner + ")",
            AsPathSegmentType.AsConfedSet => "[" + inner + "]",
            _ => inner,
        };
    }
}

/// <summary>
/// An AS path held with 4-octet AS numbers. Encoding in 2-octet form (with AS_TRANS) and the
/// RFC 6793 4.2.3 reconstruction live here too.
/// </summary>
public sealed class AsPath : IEquatable<AsPath>
{
    /// <summary>AS_TRANS, RFC 6793 section 9.</summary>
    public const uint AsTrans = 23456;

    public static readonly AsPath Empty = new(Array.Empty<AsPathSegment>());

    public AsPath(IReadOnlyList<AsPathSegment> segments) => Segments = segments;

    public IReadOnlyList<AsPathSegment> Segments { get; }

    public static AsPath Sequence(params uint[] asns) => asns.Length == 0 ? Empty : new AsPath(SplitSequence(AsPathSegmentType.AsSequence, asns));

    private static AsPathSegment[] SplitSequence(AsPathSegmentType type, uint[] asns)
    {
        var list = new List<AsPathSegment>();
        for (int i = 0; i < asns.Length; i += 255)
            list.Add(new AsPathSegment(type, asns.AsSpan(i, Math.Min(255, asns.Length - i)).ToArray()));
        return list.ToArray();
    }

    /// <summary>Path length for route selection (RFC 4271 9.1.2.2 (a), RFC 5065 5.3): an AS_SET counts 1,
    /// confederation segments count 0. RFC 6793 4.2.3 counts AS numbers the same way.</summary>
    public int Length
    {
        get
        {
            int n = 0;
            foreach (var s in Segments)
                n += s.Type switch { AsPathSegmentType.AsSequence => s.Asns.Count, AsPathSegmentType.AsSet => 1, _ => 0 };
            return n;
        }
    }

    /// <summary>The first AS of the path when it starts with an AS_SEQUENCE (RFC 4271 6.3 / 9.1.2.2 (c) "neighbor AS").</summary>
    public uint? LeftmostAs => Segments.Count > 0 && Segments[0].Type == AsPathSegmentType.AsSequence ? Segments[0].Asns[0] : null;
    public bool HasConfederationSegments => Segments.Any(s => s.IsConfederation);
    public bool RequiresFourOctets => Segments.Any(s => s.Asns.Any(a => a > 0xFFFF));

    /// <summary>Prepends <paramref name="asn"/> <paramref name="count"/> times (RFC 4271 5.1.2).</summary>
    public AsPath Prepend(uint asn, int count = 1)
    {
        var segs = Segments.ToList();
        var add = Enumerable.Repeat(asn, count).ToList();
        if (segs.Count > 0 && segs[0].Type == AsPathSegmentType.AsSequence)
        {
            add.AddRange(segs[0].Asns);
            segs.RemoveAt(0);
        }
        var head = SplitSequence(AsPathSegmentType.AsSequence, add.ToArray());
        return new AsPath(head.Concat(segs).ToArray());
    }

    /// <summary>Octets of the encoding with 2- or 4-octet AS numbers.</summary>
    public int EncodedLength(bool fourOctet)
    {
        int n = 0, w = fourOctet ? 4 : 2;
        foreach (var s in Segments) n += 2 + w * s.Asns.Count;
        return n;
    }

    /// <summary>Writes the segments (RFC 4271 4.3); in 2-octet form AS numbers above 65535 become AS_TRANS
    /// (RFC 6793 4.2.2). <paramref name="skipConfed"/> leaves out confederation segments (for AS4_PATH).</summary>
    public int Write(Span<byte> dst, bool fourOctet, bool skipConfed = false)
    {
        int p = 0;
        foreach (var s in Segments)
        {
            if (skipConfed && s.IsConfederation) continue;
            dst[p++] = (byte)s.Type;
            dst[p++] = (byte)s.Asns.Count;
            foreach (var a in s.Asns)
            {
                if (fourOctet) { BinaryPrimitives.WriteUInt32BigEndian(dst[p..], a); p += 4; }
                else { BinaryPrimitives.WriteUInt16BigEndian(dst[p..], a > 0xFFFF ? (ushort)AsTrans : (ushort)a); p += 2; }
            }
        }
        return p;
    }

    public byte[] ToBytes(bool fourOctet)
    {
        var b = new byte[EncodedLength(fourOctet)];
        Write(b, fourOctet);
        return b;
    }

    internal AsPath WithoutConfederationSegments()
        => HasConfederationSegments ? new AsPath(Segments.Where(s => !s.IsConfederation).ToArray()) : this;

    /// <summary>
    /// Checks segment structure (RFC 7606 7.2, RFC 6793 section 6 for AS4_PATH): every segment of a known type,
    /// non-zero segment length, no overrun, no trailing octets. Returns null when well-formed, else the reason.
    /// </summary>
    public static string? Validate(ReadOnlySpan<byte> value, bool fourOctet) => Validate(value, fourOctet, out _, out _);

    /// <summary><see cref="Validate(ReadOnlySpan{byte}, bool)"/> that also reports, in the same walk, what the UPDATE
    /// decoder checks next: confederation segments (RFC 5065 5, RFC 6793 6) and AS 0 (RFC 7607 2).
    /// The two flags mean something only when the result is null.</summary>
    internal static string? Validate(ReadOnlySpan<byte> value, bool fourOctet, out bool hasConfederation, out bool hasAsZero)
    {
        hasConfederation = hasAsZero = false;
        int w = fourOctet ? 4 : 2, p = 0;
        while (p < value.Length)
        {
            if (value.Length - p < 2) return "trailing octet after the last segment";
            byte type = value[p];
            int count = value[p + 1];
            if (type is < 1 or > 4) return $"unknown segment type {type}";
            if (count == 0) return "segment length 0";
            int end = p + 2 + count * w;
            if (end > value.Length) return "segment overruns the attribute";
            if (type is (byte)AsPathSegmentType.AsConfedSequence or (byte)AsPathSegmentType.AsConfedSet) hasConfederation = true;
            for (int q = p + 2; q < end && !hasAsZero; q += w)
                hasAsZero = (fourOctet ? BinaryPrimitives.ReadUInt32BigEndian(value[q..]) : BinaryPrimitives.ReadUInt16BigEndian(value[q..])) == 0;
            p = end;
        }
        return null;
    }

    /// <summary>Parses a validated encoding.</summary>
    public static AsPath Parse(ReadOnlySpan<byte> value, bool fourOctet)
    {
        if (value.IsEmpty) return Empty;
        var segs = new List<AsPathSegment>();
        int w = fourOctet ? 4 : 2, p = 0;
        while (p + 2 <= value.Length)
        {
            var type = (AsPathSegmentType)value[p];
            int count = value[p + 1];
            p += 2;
            var asns = new uint[count];
            for (int i = 0; i < count; i++, p += w)
                asns[i] = fourOctet ? BinaryPrimitives.ReadUInt32BigEndian(value[p..]) : BinaryPrimitives.ReadUInt16BigEndian(value[p..]);
            segs.Add(new AsPathSegment(type, asns));
        }
        return new AsPath(segs.ToArray());
    }

    /// <summary>
    /// RFC 6793 section 4.2.3: rebuild the 4-octet path from an OLD speaker's AS_PATH and AS4_PATH.
    /// When AS_PATH holds fewer AS numbers than AS4_PATH, AS4_PATH is ignored. Otherwise the leading
    /// (N - M) AS numbers of AS_PATH (confederation segments before them included) are kept and AS4_PATH
    /// is appended. <paramref name="as4Path"/> must already be stripped of confederation segments (section 6).
    /// </summary>
    public static AsPath Merge(AsPath asPath, AsPath as4Path)
    {
        int n = asPath.Length, m = as4Path.Length;
        if (n < m) return asPath;
        int keep = n - m;
        var result = new List<AsPathSegment>();
        foreach (var s in asPath.Segments)
        {
            // Confederation segments count 0 and are not in AS4_PATH: keep those that precede the cut.
            if (keep == 0 && !s.IsConfederation) break;
            switch (s.Type)
            {
                case AsPathSegmentType.AsConfedSequence:
                case AsPathSegmentType.AsConfedSet:
                    result.Add(s);
                    break;
                case AsPathSegmentType.AsSet:
                    result.Add(s);
                    keep--;
                    break;
                default:
                    int take = Math.Min(keep, s.Asns.Count);
                    result.Add(take == s.Asns.Count ? s : new AsPathSegment(s.Type, s.Asns.Take(take).ToArray()));
                    keep -= take;
                    break;
            }
        }
        foreach (var s in as4Path.Segments)
        {
            // Join a trailing AS_SEQUENCE with a leading one so the result reads as one path.
            if (result.Count > 0 && s.Type == AsPathSegmentType.AsSequence && result[^1].Type == AsPathSegmentType.AsSequence
                && result[^1].Asns.Count + s.Asns.Count <= 255)
                result[^1] = new AsPathSegment(AsPathSegmentType.AsSequence, result[^1].Asns.Concat(s.Asns).ToArray());
            else
                result.Add(s);
        }
        return new AsPath(result.ToArray());
    }

    public bool Equals(AsPath? other) => other is not null && other.Segments.SequenceEqual(Segments);
    public override bool Equals(object? obj) => Equals(obj as AsPath);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var s in Segments) h.Add(s);
        return h.ToHashCode();
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Segments)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(s);
        }
        return sb.ToString();
    }
}
