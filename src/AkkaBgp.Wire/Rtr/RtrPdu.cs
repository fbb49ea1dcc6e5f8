using AkkaBgp.Wire;

namespace AkkaBgp.Wire.Rtr;

/// <summary>PDU types of the RPKI-to-Router protocol (RFC 6810 section 5, RFC 8210 section 5, and ASPA in version 2,
/// draft-ietf-sidrops-8210bis).</summary>
public enum RtrPduType : byte
{
    SerialNotify = 0,
    SerialQuery = 1,
    ResetQuery = 2,
    CacheResponse = 3,
    IPv4Prefix = 4,
    IPv6Prefix = 6,
    EndOfData = 7,
    CacheReset = 8,
    RouterKey = 9,
    ErrorReport = 10,
    /// <summary>Version 2 only (draft-ietf-sidrops-8210bis section 5.12): one customer AS and its provider set.</summary>
    Aspa = 11,
}

/// <summary>Error Report codes, RFC 8210 section 12 (0-7 also RFC 6810 section 10).</summary>
public enum RtrErrorCode : ushort
{
    CorruptData = 0,
    InternalError = 1,
    NoDataAvailable = 2,
    InvalidRequest = 3,
    UnsupportedProtocolVersion = 4,
    UnsupportedPduType = 5,
    WithdrawalOfUnknownRecord = 6,
    DuplicateAnnouncementReceived = 7,
    /// <summary>RFC 8210 only: a PDU whose version differs from the one the session negotiated.</summary>
    UnexpectedProtocolVersion = 8,
}

/// <summary>Protocol versions: 0 is RFC 6810, 1 is RFC 8210, 2 is draft-ietf-sidrops-8210bis (ASPA).</summary>
public static class RtrVersion
{
    public const byte V0 = 0;
    public const byte V1 = 1;
    public const byte V2 = 2;
    /// <summary>The highest version this codec speaks; a cache that speaks less is negotiated down (RFC 8210 section 7).</summary>
    public const byte Highest = V2;
}

/// <summary>One RTR PDU. Every PDU carries the protocol version of its header (RFC 8210 section 5.1).</summary>
public abstract record RtrPdu(byte Version)
{
    public abstract RtrPduType Type { get; }
}

/// <summary>RFC 8210 5.2: the cache has new data for <see cref="Serial"/>.</summary>
public sealed record SerialNotify(byte Version, ushort SessionId, uint Serial) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.SerialNotify;
}

/// <summary>RFC 8210 5.3: the router asks for the changes since <see cref="Serial"/>.</summary>
public sealed record SerialQuery(byte Version, ushort SessionId, uint Serial) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.SerialQuery;
}

/// <summary>RFC 8210 5.4: the router asks for the whole data set.</summary>
public sealed record ResetQuery(byte Version) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.ResetQuery;
}

/// <summary>RFC 8210 5.5: the cache starts answering a query.</summary>
public sealed record CacheResponse(byte Version, ushort SessionId) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.CacheResponse;
}

/// <summary>RFC 8210 5.6 and 5.7: one VRP announced (<see cref="Announce"/>) or withdrawn. <see cref="Prefix"/>'s
/// family says whether it came as an IPv4 or an IPv6 Prefix PDU.</summary>
public sealed record PrefixPdu(byte Version, bool Announce, Prefix Prefix, byte MaxLength, uint Asn) : RtrPdu(Version)
{
    public override RtrPduType Type => Prefix.IsIPv6 ? RtrPduType.IPv6Prefix : RtrPduType.IPv4Prefix;
}

/// <summary>RFC 8210 5.8: the answer is complete. Version 0 (RFC 6810 5.8) has no timers: they are null then.</summary>
public sealed record EndOfData(byte Version, ushort SessionId, uint Serial, uint? RefreshInterval = null, uint? RetryInterval = null, uint? ExpireInterval = null) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.EndOfData;
}

/// <summary>RFC 8210 5.9: the cache cannot answer a Serial Query incrementally; the router sends a Reset Query.</summary>
public sealed record CacheReset(byte Version) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.CacheReset;
}

/// <summary>RFC 8210 5.10: a BGPsec router key (Subject Key Identifier, AS, Subject Public Key Info). Decoded so that a
/// session survives it; BGPsec itself is not implemented and the router ignores these.</summary>
public sealed record RouterKey(byte Version, bool Announce, byte[] SubjectKeyIdentifier, uint Asn, byte[] SubjectPublicKeyInfo) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.RouterKey;
}

/// <summary>
/// draft-ietf-sidrops-8210bis section 5.12: the Validated ASPA Payload of one customer AS, announced (replacing any
/// earlier set of that customer) or withdrawn. <see cref="Providers"/> is as sent (a withdrawal in the current layout normally has none; the earlier layout, below, repeats the withdrawn set).
/// <see cref="AfiFlags"/> is set only when the PDU came in the earlier layout of the draft (which StayRTR 0.5.1 still
/// sends): that layout scoped the set to an address family (StayRTR writes 0 for IPv4, 1 for IPv6).
/// </summary>
public sealed record AspaPdu(byte Version, bool Announce, uint CustomerAsn, uint[] Providers, byte? AfiFlags = null) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.Aspa;

    public bool Equals(AspaPdu? other) => other is not null && Version == other.Version && Announce == other.Announce
        && CustomerAsn == other.CustomerAsn && AfiFlags == other.AfiFlags && Providers.AsSpan().SequenceEqual(other.Providers);

    public override int GetHashCode() => HashCode.Combine(Version, Announce, CustomerAsn, Providers.Length);
}

/// <summary>RFC 8210 5.11: an error, with a copy of the erroneous PDU (may be empty) and a diagnostic text.</summary>
public sealed record ErrorReport(byte Version, RtrErrorCode Code, byte[] ErroneousPdu, string Text) : RtrPdu(Version)
{
    public override RtrPduType Type => RtrPduType.ErrorReport;
}

/// <summary>
/// A PDU the decoder rejected: the Error Report <see cref="Code"/> RFC 8210 section 12 gives for it, the octets to
/// encapsulate in that report (the whole PDU when its length was readable, else what there was, at most
/// <see cref="RtrCodec.MaxPduLength"/>), and why. <see cref="Version"/> is the version of the offending header when
/// it was one we speak, else <see cref="RtrVersion.Highest"/>.
/// </summary>
public sealed record RtrError(RtrErrorCode Code, byte[] ErroneousPdu, string Reason, byte Version = RtrVersion.Highest)
{
    public override string ToString() => $"{Code}: {Reason}";

    /// <summary>The Error Report to send for this error (RFC 8210 section 5.11).</summary>
    public ErrorReport ToReport(byte version) => new(version, Code, ErroneousPdu, Reason);
}
