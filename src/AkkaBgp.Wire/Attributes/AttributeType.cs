namespace AkkaBgp.Wire.Attributes;

/// <summary>Attribute Flags octet (RFC 4271 section 4.3).</summary>
[Flags]
public enum AttributeFlags : byte
{
    None = 0,
    ExtendedLength = 0x10,
    Partial = 0x20,
    Transitive = 0x40,
    Optional = 0x80,
    /// <summary>The bits RFC 7606 3(a) checks against the attribute's definition.</summary>
    OptionalTransitiveMask = Optional | Transitive,
}

/// <summary>Path attribute type codes (IANA "BGP Path Attributes").</summary>
public static class AttributeType
{
    public const byte Origin = 1;                // RFC 4271 5.1.1
    public const byte AsPath = 2;                // RFC 4271 5.1.2
    public const byte NextHop = 3;               // RFC 4271 5.1.3
    public const byte MultiExitDisc = 4;         // RFC 4271 5.1.4
    public const byte LocalPref = 5;             // RFC 4271 5.1.5
    public const byte AtomicAggregate = 6;       // RFC 4271 5.1.6
    public const byte Aggregator = 7;            // RFC 4271 5.1.7
    public const byte Communities = 8;           // RFC 1997
    public const byte OriginatorId = 9;          // RFC 4456
    public const byte ClusterList = 10;          // RFC 4456
    public const byte MpReachNlri = 14;          // RFC 4760
    public const byte MpUnreachNlri = 15;        // RFC 4760
    public const byte ExtendedCommunities = 16;  // RFC 4360
    public const byte As4Path = 17;              // RFC 6793
    public const byte As4Aggregator = 18;        // RFC 6793
    public const byte LargeCommunities = 32;     // RFC 8092
    public const byte OnlyToCustomer = 35;       // RFC 9234

    /// <summary>The flags (Optional/Transitive) an attribute must carry, or null when we don't know the type.</summary>
    public static AttributeFlags? ExpectedFlags(byte type) => type switch
    {
        Origin or AsPath or NextHop or LocalPref or AtomicAggregate => AttributeFlags.Transitive,
        MultiExitDisc or OriginatorId or ClusterList or MpReachNlri or MpUnreachNlri => AttributeFlags.Optional,
        Aggregator or Communities or ExtendedCommunities or As4Path or As4Aggregator or LargeCommunities or OnlyToCustomer
            => AttributeFlags.Optional | AttributeFlags.Transitive,
        _ => null,
    };

    public static bool IsKnown(byte type) => ExpectedFlags(type) is not null;

    public static string Name(byte type) => type switch
    {
        Origin => "ORIGIN",
        AsPath => "AS_PATH",
        NextHop => "NEXT_HOP",
        MultiExitDisc => "MULTI_EXIT_DISC",
        LocalPref => "LOCAL_PREF",
        AtomicAggregate => "ATOMIC_AGGREGATE",
        Aggregator => "AGGREGATOR",
        Communities => "COMMUNITIES",
        OriginatorId => "ORIGINATOR_ID",
        ClusterList => "CLUSTER_LIST",
        MpReachNlri => "MP_REACH_NLRI",
        MpUnreachNlri => "MP_UNREACH_NLRI",
        ExtendedCommunities => "EXTENDED_COMMUNITIES",
        As4Path => "AS4_PATH",
        As4Aggregator => "AS4_AGGREGATOR",
        LargeCommunities => "LARGE_COMMUNITY",
        OnlyToCustomer => "OTC",
        _ => $"attribute {type}",
    };
}

/// <summary>ORIGIN values (RFC 4271 5.1.1).</summary>
public enum Origin : byte
{
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

/// <summary>One attribute as it is on the wire: flags, type, value. The value memory points into
/// the owning <see cref="PathAttributes"/> or message buffer.</summary>
public readonly record struct RawAttribute(AttributeFlags Flags, byte TypeCode, ReadOnlyMemory<byte> Value)
{
    public bool IsOptional => (Flags & AttributeFlags.Optional) != 0;
    public bool IsTransitive => (Flags & AttributeFlags.Transitive) != 0;
    public bool IsPartial => (Flags & AttributeFlags.Partial) != 0;
    /// <summary>Octets on the wire including the 3- or 4-octet header (per the Extended Length flag).</summary>
    public int WireSize => ((Flags & AttributeFlags.ExtendedLength) != 0 ? 4 : 3) + Value.Length;

    public RawAttribute(byte flags, byte typeCode, byte[] value) : this((AttributeFlags)flags, typeCode, (ReadOnlyMemory<byte>)value) { }

    public override string ToString() => $"{AttributeType.Name(TypeCode)} flags=0x{(byte)Flags:x2} len={Value.Length}";
}
