using System.Buffers.Binary;

namespace AkkaBgp.Wire;

/// <summary>Capability codes (IANA "Capability Codes" registry).</summary>
public static class CapabilityCode
{
    public const byte Multiprotocol = 1;          // RFC 4760 section 8
    public const byte RouteRefresh = 2;           // RFC 2918 section 2
    public const byte ExtendedNextHop = 5;        // RFC 8950 section 4
    public const byte ExtendedMessage = 6;        // RFC 8654 section 3
    public const byte Role = 9;                   // RFC 9234 section 4.1
    public const byte GracefulRestart = 64;       // RFC 4724 section 3
    public const byte FourOctetAs = 65;           // RFC 6793 section 3
    public const byte AddPath = 69;               // RFC 7911 section 4
    public const byte EnhancedRouteRefresh = 70;  // RFC 7313 section 3
    public const byte LongLivedGracefulRestart = 71; // RFC 9494; kept as UnknownCapability
    public const byte Fqdn = 73;                  // draft-walton-bgp-hostname-capability
    public const byte CiscoRouteRefresh = 128;    // pre-RFC 2918 code, still sent by some speakers

    public static string Name(byte code) => code switch
    {
        Multiprotocol => "Multiprotocol Extensions",
        RouteRefresh => "Route Refresh",
        ExtendedNextHop => "Extended Next Hop Encoding",
        ExtendedMessage => "Extended Message",
        Role => "BGP Role",
        GracefulRestart => "Graceful Restart",
        FourOctetAs => "4-octet AS",
        AddPath => "ADD-PATH",
        EnhancedRouteRefresh => "Enhanced Route Refresh",
        LongLivedGracefulRestart => "Long-Lived Graceful Restart",
        Fqdn => "FQDN",
        CiscoRouteRefresh => "Route Refresh (pre-standard)",
        _ => $"capability {code}",
    };
}

/// <summary>
/// One capability from the Capabilities optional parameter (RFC 5492 section 4): code, length, value.
/// Decoding is by <see cref="TryDecode"/>; every capability re-encodes with <see cref="Encode"/>.
/// </summary>
public abstract record Capability
{
    public abstract byte Code { get; }

    /// <summary>Octets of the Capability Value (at most 255: the length field is one octet).</summary>
    public abstract int ValueLength { get; }

    protected abstract void WriteValue(Span<byte> dest);

    public int EncodedLength => 2 + ValueLength;

    /// <summary>Writes code, length and value; returns the octets written.</summary>
    public int Encode(Span<byte> dest)
    {
        int len = ValueLength;
        if (len > 255)
            throw new WireException($"{CapabilityCode.Name(Code)} value is {len} octets; a capability holds at most 255");
        dest[0] = Code;
        dest[1] = (byte)len;
        WriteValue(dest.Slice(2, len));
        return 2 + len;
    }

    /// <summary>
    /// Decodes one capability value. A recognised capability with a malformed value is an OPEN
    /// Message Error with subcode 0 (RFC 4271 section 6.2: "recognized, but is malformed ... Unspecific").
    /// Unknown codes are kept as <see cref="UnknownCapability"/> (RFC 5492 section 3: an unrecognised capability is ignored, not an error).
    /// </summary>
    public static bool TryDecode(byte code, ReadOnlySpan<byte> value, out Capability? capability, out WireError? error)
    {
        capability = null;
        error = null;
        switch (code)
        {
            case CapabilityCode.Multiprotocol:
                // RFC 4760 section 8: AFI (2), Reserved (1), SAFI (1).
                if (value.Length != 4) break;
                capability = new MultiprotocolCapability(new AfiSafi(BinaryPrimitives.ReadUInt16BigEndian(value), value[3]));
                return true;
            case CapabilityCode.RouteRefresh:
            case CapabilityCode.CiscoRouteRefresh:
                // RFC 2918 section 2: Capability Length 0.
                if (value.Length != 0) break;
                capability = code == CapabilityCode.RouteRefresh ? RouteRefreshCapability.Standard : RouteRefreshCapability.PreStandard;
                return true;
            case CapabilityCode.EnhancedRouteRefresh:
                // RFC 7313 section 3: Capability Length 0.
                if (value.Length != 0) break;
                capability = EnhancedRouteRefreshCapability.Instance;
                return true;
            case CapabilityCode.ExtendedMessage:
                // RFC 8654 section 3: Capability Length 0.
                if (value.Length != 0) break;
                capability = ExtendedMessageCapability.Instance;
                return true;
            case CapabilityCode.FourOctetAs:
                // RFC 6793 section 3: the 4-octet AS number.
                if (value.Length != 4) break;
                uint asn = BinaryPrimitives.ReadUInt32BigEndian(value);
                if (asn == 0)
                {
                    // RFC 7607 section 2: AS 0 in the OPEN (here, the AS the OPEN really carries) is Bad Peer AS.
                    error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, default, "4-octet AS capability carries AS 0");
                    return false;
                }
                capability = new FourOctetAsCapability(asn);
                return true;
            case CapabilityCode.GracefulRestart:
                return GracefulRestartCapability.TryDecodeValue(value, out capability, out error);
            case CapabilityCode.AddPath:
                return AddPathCapability.TryDecodeValue(value, out capability, out error);
            case CapabilityCode.Role:
                // RFC 9234 section 4.1: one octet.
                if (value.Length != 1) break;
                capability = new RoleCapability((BgpRole)value[0]);
                return true;
            case CapabilityCode.Fqdn:
                return FqdnCapability.TryDecodeValue(value, out capability, out error);
            case CapabilityCode.ExtendedNextHop:
                return ExtendedNextHopCapability.TryDecodeValue(value, out capability, out error);
            default:
                capability = new UnknownCapability(code, value.ToArray());
                return true;
        }
        error = Malformed(code, $"value length {value.Length} is invalid");
        return false;
    }

    internal static WireError Malformed(byte code, string reason)
        => WireError.Reset(ErrorCode.OpenMessage, 0, default, $"malformed {CapabilityCode.Name(code)} capability: {reason}");
}

/// <summary>Multiprotocol Extensions, RFC 4760 section 8. One instance per AFI/SAFI.</summary>
public sealed record MultiprotocolCapability(AfiSafi Family) : Capability
{
    public override byte Code => CapabilityCode.Multiprotocol;
    public override int ValueLength => 4;
    protected override void WriteValue(Span<byte> dest)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest, Family.Afi);
        dest[2] = 0; // Reserved: "SHOULD be set to 0 by the sender and ignored by the receiver"
        dest[3] = Family.Safi;
    }
}

/// <summary>Route Refresh, RFC 2918 section 2 (code 2), or its pre-standard code 128.</summary>
public sealed record RouteRefreshCapability(bool IsPreStandard) : Capability
{
    public static readonly RouteRefreshCapability Standard = new(false);
    public static readonly RouteRefreshCapability PreStandard = new(true);
    public override byte Code => IsPreStandard ? CapabilityCode.CiscoRouteRefresh : CapabilityCode.RouteRefresh;
    public override int ValueLength => 0;
    protected override void WriteValue(Span<byte> dest) { }
}

/// <summary>Enhanced Route Refresh, RFC 7313 section 3.</summary>
public sealed record EnhancedRouteRefreshCapability : Capability
{
    public static readonly EnhancedRouteRefreshCapability Instance = new();
    public override byte Code => CapabilityCode.EnhancedRouteRefresh;
    public override int ValueLength => 0;
    protected override void WriteValue(Span<byte> dest) { }
}

/// <summary>Extended Message, RFC 8654 section 3. Messages over 4096 octets may be sent only to a peer that
/// advertised it, and are accepted once we advertised it (section 4).</summary>
public sealed record ExtendedMessageCapability : Capability
{
    public static readonly ExtendedMessageCapability Instance = new();
    public override byte Code => CapabilityCode.ExtendedMessage;
    public override int ValueLength => 0;
    protected override void WriteValue(Span<byte> dest) { }
}

/// <summary>Support for 4-octet AS numbers, RFC 6793 section 3, carrying the speaker's real AS.</summary>
public sealed record FourOctetAsCapability(uint Asn) : Capability
{
    public override byte Code => CapabilityCode.FourOctetAs;
    public override int ValueLength => 4;
    protected override void WriteValue(Span<byte> dest) => BinaryPrimitives.WriteUInt32BigEndian(dest, Asn);
}

/// <summary>BGP roles, RFC 9234 section 4.1. Other values are kept as numbers (a role mismatch for the session layer).</summary>
public enum BgpRole : byte
{
    Provider = 0,
    RouteServer = 1,
    RouteServerClient = 2,
    Customer = 3,
    Peer = 4,
}

/// <summary>BGP Role, RFC 9234 section 4.1.</summary>
public sealed record RoleCapability(BgpRole Role) : Capability
{
    public override byte Code => CapabilityCode.Role;
    public override int ValueLength => 1;
    protected override void WriteValue(Span<byte> dest) => dest[0] = (byte)Role;
}

/// <summary>A capability this codec does not interpret, kept as code + value and re-encoded byte-exact.</summary>
public sealed record UnknownCapability(byte UnknownCode, byte[] Value) : Capability
{
    public override byte Code => UnknownCode;
    public override int ValueLength => Value.Length;
    protected override void WriteValue(Span<byte> dest) => Value.CopyTo(dest);

    public bool Equals(UnknownCapability? other)
        => other is not null && other.UnknownCode == UnknownCode && other.Value.AsSpan().SequenceEqual(Value);

    public override int GetHashCode() => HashCode.Combine(UnknownCode, Value.Length);

    public override string ToString() => $"UnknownCapability {{ Code = {UnknownCode}, Value = {Convert.ToHexString(Value)} }}";
}
