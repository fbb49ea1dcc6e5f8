using System.Buffers.Binary;
using System.Text;

namespace AkkaBgp.Wire.Rtr;

public enum RtrDecodeStatus
{
    /// <summary>One whole PDU was decoded; <see cref="RtrDecodeResult.Consumed"/> octets belong to it.</summary>
    Pdu,
    /// <summary>The buffer holds the start of a PDU that may still be valid: read more.</summary>
    NeedMore,
    /// <summary>The PDU is invalid; the session answers with <see cref="RtrDecodeResult.Error"/> as an Error Report and closes (RFC 8210 section 12).</summary>
    Error,
}

/// <summary>What <see cref="RtrCodec.Decode"/> found at the start of a buffer.</summary>
public readonly record struct RtrDecodeResult(RtrDecodeStatus Status, RtrPdu? Pdu, RtrError? Error, int Consumed);

/// <summary>
/// The RTR codec (RFC 6810 for version 0, RFC 8210 for version 1, draft-ietf-sidrops-8210bis-17 for version 2, which
/// adds the ASPA PDU): pure functions over spans. Decoding never
/// throws on any input; encoding throws <see cref="WireException"/> for a PDU that cannot be put on the wire.
/// <para>The checks, in order, and the Error Report code (RFC 8210 section 12) each maps to:</para>
/// <list type="bullet">
/// <item>Version above 2: Unsupported Protocol Version (4). A newer cache answers that with a downgrade (RFC 8210 section 7).</item>
/// <item>Length below 8 or above <see cref="MaxPduLength"/>: Corrupt Data (0); checked on the header, before the body arrives.</item>
/// <item>Type not defined for the version (5, 12 and up, Router Key in version 0, ASPA before version 2): Unsupported PDU Type (5).</item>
/// <item>Length other than the type's fixed length (End of Data: 12 in version 0, 24 in version 1), or Router Key
/// shorter than 32, or an Error Report whose inner lengths do not add up to its length: Corrupt Data (0).</item>
/// <item>Prefix PDU whose Prefix Length exceeds Max Length, or Max Length the family's bits: Corrupt Data (0) (RFC 8210 5.6).</item>
/// <item>ASPA PDU shorter than 12 octets, not a whole number of 4-octet ASes, with the Zero octet set, or with an
/// announced empty provider set, or a withdrawal that lists providers: Corrupt Data (0). The earlier layout (see <see cref="DecodeAspa"/>) is told apart by
/// its own fields and checked the same way.</item>
/// </list>
/// Whether a PDU is expected at this point of the session, and whether its version is the negotiated one, is the
/// session's business (Invalid Request, Unexpected Protocol Version, duplicate or unknown records).
/// </summary>
public static class RtrCodec
{
    public const int HeaderLength = 8;
    /// <summary>Bound on one PDU: the largest legitimate ones are Router Keys (SPKI of some hundred octets) and Error
    /// Reports around them; a larger Length is corrupt rather than a reason to buffer without limit.</summary>
    public const int MaxPduLength = 64 * 1024;

    private const int SerialLength = 12, EmptyLength = 8, IPv4PrefixLength = 20, IPv6PrefixLength = 32;
    private const int EndOfDataV0Length = 12, EndOfDataV1Length = 24, RouterKeyMinLength = 32, SkiLength = 20;
    private const int AspaMinLength = 12, AspaEarlyHeaderLength = 16;

    /// <summary>Decodes the PDU at the start of <paramref name="buffer"/>; never throws.</summary>
    public static RtrDecodeResult Decode(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 1) return new(RtrDecodeStatus.NeedMore, null, null, 0);
        byte version = buffer[0];
        if (version > RtrVersion.Highest)
            return Fail(RtrErrorCode.UnsupportedProtocolVersion, buffer, $"protocol version {version}, we speak 0 to 2");
        if (buffer.Length < HeaderLength) return new(RtrDecodeStatus.NeedMore, null, null, 0);
        byte type = buffer[1];
        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        if (length < HeaderLength || length > MaxPduLength)
            return Fail(RtrErrorCode.CorruptData, buffer, $"PDU length {length}", version);
        int expected = ExpectedLength((RtrPduType)type, version);
        if (expected == 0)
            return Fail(RtrErrorCode.UnsupportedPduType, buffer, $"PDU type {type} in version {version}", version);
        if (expected > 0 && length != expected)
            return Fail(RtrErrorCode.CorruptData, buffer, $"{(RtrPduType)type} PDU of length {length}, must be {expected}", version);
        if (expected < 0 && length < -expected)
            return Fail(RtrErrorCode.CorruptData, buffer, $"{(RtrPduType)type} PDU of length {length}, must be at least {-expected}", version);
        if (buffer.Length < length) return new(RtrDecodeStatus.NeedMore, null, null, 0);

        var pdu = buffer[..(int)length];
        ushort field = BinaryPrimitives.ReadUInt16BigEndian(pdu[2..]);
        switch ((RtrPduType)type)
        {
            case RtrPduType.SerialNotify:
                return Ok(new SerialNotify(version, field, BinaryPrimitives.ReadUInt32BigEndian(pdu[8..])), pdu.Length);
            case RtrPduType.SerialQuery:
                return Ok(new SerialQuery(version, field, BinaryPrimitives.ReadUInt32BigEndian(pdu[8..])), pdu.Length);
            case RtrPduType.ResetQuery:
                return Ok(new ResetQuery(version), pdu.Length);
            case RtrPduType.CacheResponse:
                return Ok(new CacheResponse(version, field), pdu.Length);
            case RtrPduType.IPv4Prefix:
            case RtrPduType.IPv6Prefix:
                return DecodePrefix(pdu, version, (RtrPduType)type == RtrPduType.IPv6Prefix);
            case RtrPduType.EndOfData:
                uint serial = BinaryPrimitives.ReadUInt32BigEndian(pdu[8..]);
                return version == RtrVersion.V0
                    ? Ok(new EndOfData(version, field, serial), pdu.Length)
                    : Ok(new EndOfData(version, field, serial, BinaryPrimitives.ReadUInt32BigEndian(pdu[12..]),
                        BinaryPrimitives.ReadUInt32BigEndian(pdu[16..]), BinaryPrimitives.ReadUInt32BigEndian(pdu[20..])), pdu.Length);
            case RtrPduType.CacheReset:
                return Ok(new CacheReset(version), pdu.Length);
            case RtrPduType.Aspa:
                return DecodeAspa(pdu, version);
            case RtrPduType.RouterKey:
                // RFC 8210 5.10: Flags in octet 2, then SKI (20), AS (4), SPKI to the end.
                return Ok(new RouterKey(version, (pdu[2] & 1) != 0, pdu.Slice(8, SkiLength).ToArray(),
                    BinaryPrimitives.ReadUInt32BigEndian(pdu[28..]), pdu[RouterKeyMinLength..].ToArray()), pdu.Length);
            default: // ErrorReport; ExpectedLength admitted no other type
                return DecodeErrorReport(pdu, version, field);
        }
    }

    /// <summary>Positive: the fixed length of the type; negative: minus its minimum length; 0: no such type in this version.</summary>
    private static int ExpectedLength(RtrPduType type, byte version) => type switch
    {
        RtrPduType.SerialNotify or RtrPduType.SerialQuery => SerialLength,
        RtrPduType.ResetQuery or RtrPduType.CacheResponse or RtrPduType.CacheReset => EmptyLength,
        RtrPduType.IPv4Prefix => IPv4PrefixLength,
        RtrPduType.IPv6Prefix => IPv6PrefixLength,
        RtrPduType.EndOfData => version == RtrVersion.V0 ? EndOfDataV0Length : EndOfDataV1Length,
        RtrPduType.RouterKey => version == RtrVersion.V0 ? 0 : -RouterKeyMinLength,
        RtrPduType.Aspa => version < RtrVersion.V2 ? 0 : -AspaMinLength,
        RtrPduType.ErrorReport => -(HeaderLength + 8),
        _ => 0,
    };

    private static RtrDecodeResult DecodePrefix(ReadOnlySpan<byte> pdu, byte version, bool v6)
    {
        bool announce = (pdu[8] & 1) != 0;
        byte length = pdu[9], max = pdu[10];
        int bits = v6 ? 128 : 32;
        if (length > bits || max > bits || length > max)
            return Fail(RtrErrorCode.CorruptData, pdu, $"prefix length {length}, max length {max} in an {(v6 ? "IPv6" : "IPv4")} Prefix PDU", version);
        var prefix = v6
            ? Prefix.IPv6(BinaryPrimitives.ReadUInt128BigEndian(pdu[12..]), length)
            : Prefix.IPv4(BinaryPrimitives.ReadUInt32BigEndian(pdu[12..]), length);
        uint asn = BinaryPrimitives.ReadUInt32BigEndian(pdu[(v6 ? 28 : 16)..]);
        return Ok(new PrefixPdu(version, announce, prefix, max, asn), pdu.Length);
    }

    /// <summary>
    /// The ASPA PDU (type 11, version 2). draft-ietf-sidrops-8210bis-17 section 5.12: Flags (bit 0: announce) in octet 2,
    /// Zero in octet 3, then the Customer AS and the Provider ASes to the end (Length = 12 + 4 x providers). Earlier
    /// revisions, still sent by StayRTR 0.5.1 (Debian 12), kept octets 2-3 zero and put Flags, AFI Flags and a Provider
    /// AS Count before the Customer AS (Length = 16 + 4 x count); StayRTR writes the AFI there as a value, 0 for IPv4 and
    /// 1 for IPv6, where the draft had flag bits. That layout is recognised by all of: octets 2-3 zero, a Flags octet of
    /// 0 or 1, an AFI octet of 0 to 3, and a count that matches the length. In the current layout such octets would be a
    /// withdrawal (Flags 0) that still lists provider ASes, which the current layout does not send.
    /// </summary>
    private static RtrDecodeResult DecodeAspa(ReadOnlySpan<byte> pdu, byte version)
    {
        if (pdu.Length % 4 != 0)
            return Fail(RtrErrorCode.CorruptData, pdu, $"ASPA PDU of length {pdu.Length}, not a whole number of 4-octet ASes", version);
        bool early = pdu[2] == 0 && pdu[3] == 0 && pdu.Length >= AspaEarlyHeaderLength && pdu[8] <= 1 && pdu[9] <= 3
            && BinaryPrimitives.ReadUInt16BigEndian(pdu[10..]) == (pdu.Length - AspaEarlyHeaderLength) / 4;
        int customerAt = early ? 12 : 8;
        if (!early && pdu[3] != 0)
            return Fail(RtrErrorCode.CorruptData, pdu, $"ASPA PDU with Zero octet {pdu[3]}", version);
        bool announce = ((early ? pdu[8] : pdu[2]) & 1) != 0;
        var providers = new uint[(pdu.Length - customerAt - 4) / 4];
        for (int i = 0; i < providers.Length; i++) providers[i] = BinaryPrimitives.ReadUInt32BigEndian(pdu[(customerAt + 4 + 4 * i)..]);
        if (announce && providers.Length == 0)
            return Fail(RtrErrorCode.CorruptData, pdu, "ASPA announcement with no provider AS", version);
        // In the current layout a withdrawal names the customer only; one that lists providers could not be told from the
        // earlier layout once written again, so it is refused rather than guessed at.
        if (!announce && !early && providers.Length > 0)
            return Fail(RtrErrorCode.CorruptData, pdu, "ASPA withdrawal listing provider ASes", version);
        return Ok(new AspaPdu(version, announce, BinaryPrimitives.ReadUInt32BigEndian(pdu[customerAt..]), providers, early ? pdu[9] : null), pdu.Length);
    }

    private static RtrDecodeResult DecodeErrorReport(ReadOnlySpan<byte> pdu, byte version, ushort code)
    {
        // RFC 8210 5.11: Length of Encapsulated PDU, the PDU, Length of Error Text, the text; they must add up.
        uint inner = BinaryPrimitives.ReadUInt32BigEndian(pdu[8..]);
        if (inner > (uint)(pdu.Length - HeaderLength - 8))
            return Fail(RtrErrorCode.CorruptData, pdu, $"Error Report encapsulates {inner} octets, length {pdu.Length}", version);
        int textAt = HeaderLength + 4 + (int)inner;
        uint textLength = BinaryPrimitives.ReadUInt32BigEndian(pdu[textAt..]);
        if (textLength != (uint)(pdu.Length - textAt - 4))
            return Fail(RtrErrorCode.CorruptData, pdu, $"Error Report text of {textLength} octets, {pdu.Length - textAt - 4} left", version);
        // Invalid UTF-8 becomes U+FFFD: the text is for logs, and a garbled one must not hide the code.
        string text = Encoding.UTF8.GetString(pdu[(textAt + 4)..]);
        return Ok(new ErrorReport(version, (RtrErrorCode)code, pdu.Slice(HeaderLength + 4, (int)inner).ToArray(), text), pdu.Length);
    }

    private static RtrDecodeResult Ok(RtrPdu pdu, int consumed) => new(RtrDecodeStatus.Pdu, pdu, null, consumed);

    private static RtrDecodeResult Fail(RtrErrorCode code, ReadOnlySpan<byte> buffer, string reason, byte version = RtrVersion.Highest)
    {
        // RFC 8210 5.11: encapsulate the erroneous PDU; with a corrupt or unreadable length, what we have of it.
        int take = buffer.Length;
        if (buffer.Length >= HeaderLength)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
            if (length >= HeaderLength && length <= buffer.Length) take = (int)length;
        }
        take = Math.Min(take, MaxPduLength);
        return new(RtrDecodeStatus.Error, null, new RtrError(code, buffer[..take].ToArray(), reason, version), take);
    }

    /// <summary>Octets <paramref name="pdu"/> takes on the wire.</summary>
    public static int LengthOf(RtrPdu pdu) => pdu switch
    {
        SerialNotify or SerialQuery => SerialLength,
        ResetQuery or CacheResponse or CacheReset => EmptyLength,
        PrefixPdu p => p.Prefix.IsIPv6 ? IPv6PrefixLength : IPv4PrefixLength,
        EndOfData e => e.Version == RtrVersion.V0 ? EndOfDataV0Length : EndOfDataV1Length,
        RouterKey k => RouterKeyMinLength + k.SubjectPublicKeyInfo.Length,
        AspaPdu a => (a.AfiFlags is null ? AspaMinLength : AspaEarlyHeaderLength) + 4 * a.Providers.Length,
        ErrorReport r => HeaderLength + 8 + r.ErroneousPdu.Length + Encoding.UTF8.GetByteCount(r.Text),
        _ => throw new WireException($"unknown RTR PDU {pdu.GetType().Name}"),
    };

    public static byte[] Encode(RtrPdu pdu)
    {
        var bytes = new byte[LengthOf(pdu)];
        Encode(pdu, bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="pdu"/> and returns its length; <paramref name="dest"/> must hold <see cref="LengthOf"/> octets.</summary>
    public static int Encode(RtrPdu pdu, Span<byte> dest)
    {
        if (pdu.Version > RtrVersion.Highest) throw new WireException($"RTR version {pdu.Version} is not implemented");
        int length = LengthOf(pdu);
        if (length > MaxPduLength) throw new WireException($"RTR PDU of {length} octets exceeds {MaxPduLength}");
        var d = dest[..length];
        d.Clear();
        d[0] = pdu.Version;
        d[1] = (byte)pdu.Type;
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], (uint)length);
        switch (pdu)
        {
            case SerialNotify n:
                BinaryPrimitives.WriteUInt16BigEndian(d[2..], n.SessionId);
                BinaryPrimitives.WriteUInt32BigEndian(d[8..], n.Serial);
                break;
            case SerialQuery q:
                BinaryPrimitives.WriteUInt16BigEndian(d[2..], q.SessionId);
                BinaryPrimitives.WriteUInt32BigEndian(d[8..], q.Serial);
                break;
            case CacheResponse r:
                BinaryPrimitives.WriteUInt16BigEndian(d[2..], r.SessionId);
                break;
            case PrefixPdu p:
                if (p.MaxLength < p.Prefix.Length || p.MaxLength > p.Prefix.MaxLength)
                    throw new WireException($"max length {p.MaxLength} for {p.Prefix} (RFC 8210 5.6)");
                d[8] = p.Announce ? (byte)1 : (byte)0;
                d[9] = (byte)p.Prefix.Length;
                d[10] = p.MaxLength;
                if (p.Prefix.IsIPv6)
                {
                    BinaryPrimitives.WriteUInt128BigEndian(d[12..], p.Prefix.IPv6Bits);
                    BinaryPrimitives.WriteUInt32BigEndian(d[28..], p.Asn);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(d[12..], p.Prefix.IPv4Bits);
                    BinaryPrimitives.WriteUInt32BigEndian(d[16..], p.Asn);
                }
                break;
            case EndOfData e:
                BinaryPrimitives.WriteUInt16BigEndian(d[2..], e.SessionId);
                BinaryPrimitives.WriteUInt32BigEndian(d[8..], e.Serial);
                if (e.Version != RtrVersion.V0)
                {
                    if (e.RefreshInterval is not { } refresh || e.RetryInterval is not { } retry || e.ExpireInterval is not { } expire)
                        throw new WireException("a version 1 End of Data carries Refresh, Retry and Expire Intervals (RFC 8210 5.8)");
                    BinaryPrimitives.WriteUInt32BigEndian(d[12..], refresh);
                    BinaryPrimitives.WriteUInt32BigEndian(d[16..], retry);
                    BinaryPrimitives.WriteUInt32BigEndian(d[20..], expire);
                }
                break;
            case RouterKey k:
                if (k.Version == RtrVersion.V0) throw new WireException("Router Key PDUs exist from version 1 on (RFC 8210 5.10)");
                if (k.SubjectKeyIdentifier.Length != SkiLength) throw new WireException("Subject Key Identifier must be 20 octets");
                d[2] = k.Announce ? (byte)1 : (byte)0;
                k.SubjectKeyIdentifier.CopyTo(d[8..]);
                BinaryPrimitives.WriteUInt32BigEndian(d[28..], k.Asn);
                k.SubjectPublicKeyInfo.CopyTo(d[32..]);
                break;
            case AspaPdu a:
                if (a.Version < RtrVersion.V2) throw new WireException("ASPA PDUs exist from version 2 on (draft-ietf-sidrops-8210bis 5.12)");
                int at0 = 8;
                if (a.AfiFlags is { } afi)
                {
                    // The earlier layout, for tests that play StayRTR 0.5.1's part.
                    d[8] = a.Announce ? (byte)1 : (byte)0;
                    d[9] = afi;
                    BinaryPrimitives.WriteUInt16BigEndian(d[10..], (ushort)a.Providers.Length);
                    at0 = 12;
                }
                else d[2] = a.Announce ? (byte)1 : (byte)0;
                BinaryPrimitives.WriteUInt32BigEndian(d[at0..], a.CustomerAsn);
                for (int i = 0; i < a.Providers.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(d[(at0 + 4 + 4 * i)..], a.Providers[i]);
                break;
            case ErrorReport r:
                BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)r.Code);
                BinaryPrimitives.WriteUInt32BigEndian(d[8..], (uint)r.ErroneousPdu.Length);
                r.ErroneousPdu.CopyTo(d[12..]);
                int at = 12 + r.ErroneousPdu.Length;
                int text = Encoding.UTF8.GetBytes(r.Text, d[(at + 4)..]);
                BinaryPrimitives.WriteUInt32BigEndian(d[at..], (uint)text);
                break;
        }
        return length;
    }
}
