namespace AkkaBgp.Wire;

/// <summary>How the peer relates to us; RFC 7606 section 7 handles some attributes differently
/// for external peers, and RFC 5065 lets confederation peers carry confederation segments and LOCAL_PREF.</summary>
public enum PeerKind : byte
{
    /// <summary>eBGP, outside our confederation (the default: the strictest checks).</summary>
    External = 0,
    /// <summary>iBGP.</summary>
    Internal = 1,
    /// <summary>eBGP to another member AS of our confederation (RFC 5065).</summary>
    ConfederationExternal = 2,
}

/// <summary>
/// A small set of (AFI, SAFI) pairs for which ADD-PATH (RFC 7911) is in effect in one direction.
/// Only the families whose NLRI this codec decodes matter (IPv4/IPv6 unicast and multicast);
/// other families are carried opaque, so a path identifier inside them is preserved unparsed.
/// </summary>
public readonly struct AddPathFamilies : IEquatable<AddPathFamilies>
{
    private readonly byte _bits;
    private AddPathFamilies(byte bits) => _bits = bits;

    public static AddPathFamilies None => default;
    public static AddPathFamilies IPv4Unicast => new(1);
    public static AddPathFamilies IPv6Unicast => new(2);
    public static AddPathFamilies IPv4Multicast => new(4);
    public static AddPathFamilies IPv6Multicast => new(8);

    private static int Bit(ushort afi, byte safi) => (afi, safi) switch
    {
        (1, 1) => 1,
        (2, 1) => 2,
        (1, 2) => 4,
        (2, 2) => 8,
        _ => 0,
    };

    /// <summary>Adds (AFI, SAFI); families this codec keeps opaque are ignored.</summary>
    public AddPathFamilies With(ushort afi, byte safi) => new((byte)(_bits | Bit(afi, safi)));
    public bool Contains(ushort afi, byte safi) => (_bits & Bit(afi, safi)) != 0;
    public bool IsEmpty => _bits == 0;

    public static AddPathFamilies operator |(AddPathFamilies a, AddPathFamilies b) => new((byte)(a._bits | b._bits));
    public bool Equals(AddPathFamilies other) => _bits == other._bits;
    public override bool Equals(object? obj) => obj is AddPathFamilies o && Equals(o);
    public override int GetHashCode() => _bits;
    public static bool operator ==(AddPathFamilies a, AddPathFamilies b) => a._bits == b._bits;
    public static bool operator !=(AddPathFamilies a, AddPathFamilies b) => a._bits != b._bits;
    public override string ToString()
    {
        byte bits = _bits;
        return bits == 0 ? "none" : string.Join(",",
            new[] { (1, "ipv4-unicast"), (2, "ipv6-unicast"), (4, "ipv4-multicast"), (8, "ipv6-multicast") }
                .Where(x => (bits & x.Item1) != 0).Select(x => x.Item2));
    }

    /// <summary>
    /// RFC 7911 section 4: we receive path identifiers for a family when we advertised Receive (or Both) and the
    /// peer advertised Send (or Both); we send them when we advertised Send and the peer Receive.
    /// </summary>
    public static (AddPathFamilies Receive, AddPathFamilies Send) Negotiate(AddPathCapability? ours, AddPathCapability? theirs)
    {
        AddPathFamilies rx = None, tx = None;
        if (ours is null || theirs is null) return (rx, tx);
        foreach (var o in ours.Families)
            foreach (var t in theirs.Families)
            {
                if (o.Family != t.Family) continue;
                if (o.CanReceive && t.CanSend) rx = rx.With(o.Family);
                if (o.CanSend && t.CanReceive) tx = tx.With(o.Family);
            }
        return (rx, tx);
    }

    public AddPathFamilies With(AfiSafi family) => With(family.Afi, family.Safi);
    public bool Contains(AfiSafi family) => Contains(family.Afi, family.Safi);
}

/// <summary>What the UPDATE decoder must know about the session (negotiated in OPEN).</summary>
public readonly record struct UpdateDecodeContext
{
    /// <summary>Both sides advertised the 4-octet AS capability (RFC 6793): AS_PATH/AGGREGATOR carry
    /// 4-octet AS numbers and AS4_PATH/AS4_AGGREGATOR are discarded. When false the peer is an
    /// "OLD" speaker: 2-octet forms, and AS4_PATH/AS4_AGGREGATOR are merged (RFC 6793 4.2.3).</summary>
    public bool FourOctetAs { get; init; }

    /// <summary>Families for which we negotiated to receive ADD-PATH path identifiers (RFC 7911).</summary>
    public AddPathFamilies AddPathReceive { get; init; }

    /// <summary>eBGP / iBGP / confederation-eBGP (RFC 7606 sections 7.2, 7.5, 7.9, 7.10).</summary>
    public PeerKind Peer { get; init; }

    /// <summary>The peer's AS. When non-zero and the peer is External, the leftmost AS of AS_PATH is
    /// checked against it (RFC 4271 6.3, handled as treat-as-withdraw per RFC 7606 7.2). Zero skips the check.</summary>
    public uint PeerAs { get; init; }

    public UpdateDecodeContext(bool fourOctetAs, PeerKind peer = PeerKind.External, AddPathFamilies addPathReceive = default, uint peerAs = 0)
    {
        FourOctetAs = fourOctetAs;
        Peer = peer;
        AddPathReceive = addPathReceive;
        PeerAs = peerAs;
    }

    public bool IsExternal => Peer == PeerKind.External;
}

/// <summary>What the UPDATE encoder must know about the session.</summary>
public readonly record struct UpdateEncodeContext
{
    /// <summary>Peer is a NEW speaker (RFC 6793). When false, AS numbers above 65535 become AS_TRANS
    /// and AS4_PATH/AS4_AGGREGATOR are added (RFC 6793 4.2.2).</summary>
    public bool FourOctetAs { get; init; }

    /// <summary>Families for which we negotiated to send ADD-PATH path identifiers (RFC 7911).</summary>
    public AddPathFamilies AddPathSend { get; init; }

    /// <summary>Set when the attributes were learned from another peer: unknown optional transitive
    /// attributes then get the Partial bit (RFC 4271 section 4.3, Attribute Flags, and 5).</summary>
    public bool ForReadvertisement { get; init; }

    /// <summary>4096, or 65535 once Extended Messages (RFC 8654) is negotiated.</summary>
    public int MaxMessageSize { get; init; }

    public UpdateEncodeContext(bool fourOctetAs, AddPathFamilies addPathSend = default, bool forReadvertisement = false, int maxMessageSize = 4096)
    {
        FourOctetAs = fourOctetAs;
        AddPathSend = addPathSend;
        ForReadvertisement = forReadvertisement;
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>The effective limit: 4096 when unset.</summary>
    public int EffectiveMaxMessageSize => MaxMessageSize <= 0 ? 4096 : MaxMessageSize;
}
