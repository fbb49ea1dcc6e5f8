using System.Buffers.Binary;
using System.Globalization;

namespace AkkaBgp.Wire.Attributes;

/// <summary>A COMMUNITIES value (RFC 1997): 32 bits, conventionally ASN:value.</summary>
public readonly record struct Community(uint Value) : IComparable<Community>
{
    public Community(ushort asn, ushort value) : this(((uint)asn << 16) | value) { }

    public ushort Asn => (ushort)(Value >> 16);
    public ushort LocalValue => (ushort)Value;

    // Well-known communities, IANA "BGP Well-known Communities".
    public static readonly Community GracefulShutdown = new(0xFFFF0000);   // RFC 8326
    public static readonly Community AcceptOwn = new(0xFFFF0001);          // RFC 7611
    public static readonly Community LlgrStale = new(0xFFFF0006);          // RFC 9494
    public static readonly Community NoLlgr = new(0xFFFF0007);             // RFC 9494
    public static readonly Community Blackhole = new(0xFFFF029A);          // RFC 7999
    public static readonly Community NoExport = new(0xFFFFFF01);           // RFC 1997
    public static readonly Community NoAdvertise = new(0xFFFFFF02);        // RFC 1997
    public static readonly Community NoExportSubconfed = new(0xFFFFFF03);  // RFC 1997
    public static readonly Community NoPeer = new(0xFFFFFF04);             // RFC 3765

    /// <summary>The IANA name of a well-known community, or null.</summary>
    public string? WellKnownName => Value switch
    {
        0xFFFF0000 => "GRACEFUL_SHUTDOWN",
        0xFFFF0001 => "ACCEPT_OWN",
        0xFFFF0006 => "LLGR_STALE",
        0xFFFF0007 => "NO_LLGR",
        0xFFFF029A => "BLACKHOLE",
        0xFFFFFF01 => "NO_EXPORT",
        0xFFFFFF02 => "NO_ADVERTISE",
        0xFFFFFF03 => "NO_EXPORT_SUBCONFED",
        0xFFFFFF04 => "NOPEER",
        _ => null,
    };

    public int CompareTo(Community other) => Value.CompareTo(other.Value);
    public override string ToString() => WellKnownName ?? $"{Asn}:{LocalValue}";

    public static Community Parse(string s)
    {
        int c = s.IndexOf(':');
        if (c < 0) return new Community(uint.Parse(s, CultureInfo.InvariantCulture));
        return new Community(ushort.Parse(s.AsSpan(0, c), CultureInfo.InvariantCulture), ushort.Parse(s.AsSpan(c + 1), CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// An EXTENDED_COMMUNITIES value (RFC 4360): 8 octets, the first one or two of which are the
/// type and subtype. Stored as the 64-bit big-endian integer of the wire octets.
/// </summary>
public readonly record struct ExtendedCommunity(ulong Value)
{
    // RFC 4360 section 3 and IANA: high-order type values.
    public const byte TypeTwoOctetAs = 0x00;
    public const byte TypeIPv4Address = 0x01;
    public const byte TypeFourOctetAs = 0x02;   // RFC 5668
    public const byte TypeOpaque = 0x03;
    public const byte SubtypeRouteTarget = 0x02;
    public const byte SubtypeRouteOrigin = 0x03;

    public byte Type => (byte)(Value >> 56);
    /// <summary>Subtype octet; only meaningful for the "extended" types (RFC 4360 section 2).</summary>
    public byte Subtype => (byte)(Value >> 48);
    /// <summary>RFC 4360 section 2: bit 0x40 of the type clear = transitive across ASes.</summary>
    public bool IsTransitive => (Type & 0x40) == 0;
    /// <summary>RFC 4360 section 2: bit 0x80 of the type is IANA authority (0 = IANA-assigned).</summary>
    public bool IsIanaAuthority => (Type & 0x80) == 0;
    private byte BaseType => (byte)(Type & 0x3F);

    public bool IsRouteTarget => BaseType is TypeTwoOctetAs or TypeIPv4Address or TypeFourOctetAs && Subtype == SubtypeRouteTarget;
    public bool IsRouteOrigin => BaseType is TypeTwoOctetAs or TypeIPv4Address or TypeFourOctetAs && Subtype == SubtypeRouteOrigin;

    /// <summary>Global administrator and local administrator split by type (RFC 4360 3.1/3.2, RFC 5668).</summary>
    public (uint Global, uint Local) Administrators => BaseType switch
    {
        TypeTwoOctetAs => ((uint)(Value >> 32) & 0xFFFF, (uint)Value),
        TypeIPv4Address or TypeFourOctetAs => ((uint)(Value >> 16), (uint)(Value & 0xFFFF)),
        _ => (0, 0),
    };

    public static ExtendedCommunity RouteTarget(ushort asn, uint local)
        => new(((ulong)TypeTwoOctetAs << 56) | ((ulong)SubtypeRouteTarget << 48) | ((ulong)asn << 32) | local);
    public static ExtendedCommunity RouteTargetAs4(uint asn, ushort local)
        => new(((ulong)TypeFourOctetAs << 56) | ((ulong)SubtypeRouteTarget << 48) | ((ulong)asn << 16) | local);
    public static ExtendedCommunity RouteTargetIPv4(uint address, ushort local)
        => new(((ulong)TypeIPv4Address << 56) | ((ulong)SubtypeRouteTarget << 48) | ((ulong)address << 16) | local);
    public static ExtendedCommunity RouteOrigin(ushort asn, uint local)
        => new(((ulong)TypeTwoOctetAs << 56) | ((ulong)SubtypeRouteOrigin << 48) | ((ulong)asn << 32) | local);

    public static ExtendedCommunity Read(ReadOnlySpan<byte> src) => new(BinaryPrimitives.ReadUInt64BigEndian(src));
    public void Write(Span<byte> dst) => BinaryPrimitives.WriteUInt64BigEndian(dst, Value);

    public override string ToString()
    {
        string? kind = IsRouteTarget ? "rt" : IsRouteOrigin ? "soo" : null;
        if (kind is null) return $"0x{Value:x16}";
        var (g, l) = Administrators;
        if (BaseType == TypeIPv4Address)
            return $"{kind}:{g >> 24}.{(g >> 16) & 255}.{(g >> 8) & 255}.{g & 255}:{l}";
        return $"{kind}:{g}:{l}";
    }
}

/// <summary>A LARGE_COMMUNITY value (RFC 8092): Global Administrator, two local data parts.</summary>
public readonly record struct LargeCommunity(uint GlobalAdministrator, uint LocalData1, uint LocalData2) : IComparable<LargeCommunity>
{
    public int CompareTo(LargeCommunity other)
    {
        int c = GlobalAdministrator.CompareTo(other.GlobalAdministrator);
        if (c != 0) return c;
        c = LocalData1.CompareTo(other.LocalData1);
        return c != 0 ? c : LocalData2.CompareTo(other.LocalData2);
    }
    public override string ToString() => $"{GlobalAdministrator}:{LocalData1}:{LocalData2}";
}

/// <summary>AGGREGATOR (RFC 4271 5.1.7), always held with a 4-octet AS (RFC 6793).</summary>
public readonly record struct Aggregator(uint Asn, uint Address)
{
    public override string ToString() => $"AS{Asn} {Address >> 24}.{(Address >> 16) & 255}.{(Address >> 8) & 255}.{Address & 255}";
}
