using System.Buffers.Binary;
using System.Net;

namespace AkkaBgp.Wire;

/// <summary>
/// OPEN, RFC 4271 section 4.2: Version, My Autonomous System, Hold Time, BGP Identifier and
/// Optional Parameters. The only optional parameter type in use is Capabilities (RFC 5492 section 4);
/// all capabilities found, in order and across however many parameters carried them, are in
/// <see cref="Capabilities"/>. The encoder puts them in one Capabilities parameter.
/// </summary>
public sealed record OpenMessage(byte Version, ushort MyAs, ushort HoldTime, uint BgpIdentifier, IReadOnlyList<Capability> Capabilities) : BgpMessage
{
    public const byte BgpVersion = 4;
    /// <summary>AS_TRANS, the 2-octet placeholder for a 4-octet AS (RFC 6793 section 9).</summary>
    public const ushort AsTrans = (ushort)Attributes.AsPath.AsTrans;
    public const byte CapabilitiesParameter = 2;   // RFC 5492 section 4
    /// <summary>RFC 9072 section 2: Non-Ext OP Type value that flags the extended format.</summary>
    public const byte ExtendedLengthParameter = 255;

    /// <summary>
    /// Encode the optional parameters in the RFC 9072 extended format even when they would fit in 255
    /// octets. Set by the decoder when the peer used that format. Ignored in equality.
    /// The encoder uses the extended format anyway when the parameters need more than 255 octets.
    /// </summary>
    public bool UseExtendedOptionalParameters { get; init; }

    /// <summary>An OPEN for <paramref name="asn"/>: a 4-octet AS goes in the 4-octet AS capability
    /// (added if missing) and My AS is AS_TRANS (RFC 6793 section 4.2.1 for a peer that might be OLD).</summary>
    public static OpenMessage Create(uint asn, ushort holdTime, uint bgpIdentifier, IEnumerable<Capability> capabilities)
    {
        var caps = capabilities.ToList();
        if (!caps.OfType<FourOctetAsCapability>().Any())
            caps.Add(new FourOctetAsCapability(asn));
        return new OpenMessage(BgpVersion, asn > ushort.MaxValue ? AsTrans : (ushort)asn, holdTime, bgpIdentifier, caps);
    }

    public static uint IdentifierFrom(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(b, out _))
            throw new ArgumentException("a BGP Identifier is an IPv4-shaped 4-octet value", nameof(address));
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public IPAddress BgpIdentifierAddress
    {
        get
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, BgpIdentifier);
            return new IPAddress(b);
        }
    }

    /// <summary>The first capability of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>() where T : Capability
    {
        foreach (Capability c in Capabilities)
            if (c is T t) return t;
        return null;
    }

    public bool Has(byte capabilityCode) => Capabilities.Any(c => c.Code == capabilityCode);

    /// <summary>The speaker's AS: the 4-octet AS capability when present, else My AS (RFC 6793 section 4.1).</summary>
    public uint AsNumber => Get<FourOctetAsCapability>()?.Asn ?? MyAs;

    /// <summary>Every Multiprotocol capability's family; RFC 4760 section 8 leaves IPv4 unicast implied
    /// only when the speaker sends none at all (the session layer decides that).</summary>
    public IEnumerable<AfiSafi> Families => Capabilities.OfType<MultiprotocolCapability>().Select(c => c.Family);

    private int CapabilitiesLength
    {
        get
        {
            // Indexing, not foreach: an interface enumerator would be a heap allocation per encode.
            int n = 0;
            for (int i = 0; i < Capabilities.Count; i++) n += Capabilities[i].EncodedLength;
            return n;
        }
    }

    private bool NeedsExtended(int capsLength)
        => UseExtendedOptionalParameters || (capsLength > 0 && 2 + capsLength > 255);

    public override MessageType Type => MessageType.Open;

    public override int BodyLength
    {
        get
        {
            int caps = CapabilitiesLength;
            if (NeedsExtended(caps))
                return 10 + 3 + (caps > 0 ? 3 + caps : 0);  // fixed 10, 255/255/ext-len, one type-2 parameter
            return 10 + (caps > 0 ? 2 + caps : 0);
        }
    }

    protected override void WriteBody(Span<byte> dest)
    {
        dest[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(dest[1..], MyAs);
        BinaryPrimitives.WriteUInt16BigEndian(dest[3..], HoldTime);
        BinaryPrimitives.WriteUInt32BigEndian(dest[5..], BgpIdentifier);
        int caps = CapabilitiesLength;
        int o;
        if (NeedsExtended(caps))
        {
            // RFC 9072 section 2: Non-Ext OP Len = 255, Non-Ext OP Type = 255, Extended Opt. Parm. Length,
            // then parameters with 2-octet lengths.
            int paramsLength = caps > 0 ? 3 + caps : 0;
            if (paramsLength > ushort.MaxValue)
                throw new WireException("optional parameters exceed 65535 octets");
            dest[9] = 255;
            dest[10] = ExtendedLengthParameter;
            BinaryPrimitives.WriteUInt16BigEndian(dest[11..], (ushort)paramsLength);
            o = 13;
            if (caps > 0)
            {
                dest[o] = CapabilitiesParameter;
                BinaryPrimitives.WriteUInt16BigEndian(dest[(o + 1)..], (ushort)caps);
                o += 3;
            }
        }
        else if (caps > 0)
        {
            dest[9] = (byte)(2 + caps);
            dest[10] = CapabilitiesParameter;
            dest[11] = (byte)caps;
            o = 12;
        }
        else
        {
            dest[9] = 0;
            o = 10;
        }
        for (int i = 0; i < Capabilities.Count; i++)
            o += Capabilities[i].Encode(dest[o..]);
    }

    /// <summary>
    /// Decodes a whole OPEN message (header included; <see cref="BgpHeader.TryValidate"/> has passed, so
    /// it is at least 29 octets). Errors follow RFC 4271 section 6.2 with RFC 5492, RFC 6286, RFC 7607
    /// and RFC 9072. Session-level checks (Bad Peer AS against configuration, identifier collision,
    /// Unsupported Capability, Role Mismatch) need the configuration: they are the session layer's (AkkaBgp.Session.OpenExchange).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out OpenMessage? msg, out WireError? error)
    {
        msg = null;
        ReadOnlySpan<byte> body = message[BgpHeader.Size..];
        if (body.Length < 10)
        {
            error = BgpHeader.BadLength(message.Slice(BgpHeader.MarkerSize, 2), "OPEN shorter than 29 octets");
            return false;
        }
        byte version = body[0];
        if (version != BgpVersion)
        {
            // RFC 4271 section 6.2: Data is a 2-octet unsigned integer, the largest version we support.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, BgpVersion],
                $"peer offers BGP version {version}");
            return false;
        }
        ushort myAs = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
        if (myAs == 0)
        {
            // RFC 7607 section 2.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, default, "My Autonomous System is 0");
            return false;
        }
        ushort holdTime = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        if (holdTime is 1 or 2)
        {
            // RFC 4271 section 4.2: the Hold Time MUST be either zero or at least three seconds.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime, default,
                $"hold time {holdTime} is neither 0 nor at least 3");
            return false;
        }
        uint identifier = BinaryPrimitives.ReadUInt32BigEndian(body[5..]);
        if (identifier == 0)
        {
            // RFC 6286 section 2.2: a zero BGP Identifier is Bad BGP Identifier (it need not be a host address any more).
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier, default, "BGP Identifier is 0");
            return false;
        }

        int optLength = body[9];
        ReadOnlySpan<byte> rest = body[10..];
        bool extended = false;
        // RFC 9072 section 2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 means the extended format.
        if (optLength == 255 && rest.Length >= 1 && rest[0] == ExtendedLengthParameter)
        {
            if (rest.Length < 3)
            {
                error = Unspecific("extended optional parameters length is truncated");
                return false;
            }
            optLength = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
            rest = rest[3..];
            extended = true;
        }
        if (optLength != rest.Length)
        {
            // The parameters must fill the message exactly; either way one of the two lengths is wrong.
            error = Unspecific($"optional parameters length {optLength} but {rest.Length} octets follow");
            return false;
        }

        var capabilities = new List<Capability>();
        int headerSize = extended ? 3 : 2;
        while (!rest.IsEmpty)
        {
            if (rest.Length < headerSize)
            {
                error = Unspecific("truncated optional parameter header");
                return false;
            }
            byte type = rest[0];
            int length = extended ? BinaryPrimitives.ReadUInt16BigEndian(rest[1..]) : rest[1];
            if (length > rest.Length - headerSize)
            {
                error = Unspecific($"optional parameter {type} length {length} runs past the parameters");
                return false;
            }
            ReadOnlySpan<byte> value = rest.Slice(headerSize, length);
            rest = rest[(headerSize + length)..];
            if (type != CapabilitiesParameter)
            {
                // RFC 4271 section 6.2 (type 1, Authentication, is deprecated by RFC 5492 and unsupported too).
                error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, default,
                    $"optional parameter type {type}");
                return false;
            }
            // RFC 5492 section 4: a sequence of <code, length, value> triples.
            while (!value.IsEmpty)
            {
                if (value.Length < 2 || value[1] > value.Length - 2)
                {
                    error = Unspecific(value.Length < 2
                        ? "truncated capability header"
                        : $"capability {value[0]} length {value[1]} runs past its optional parameter");
                    return false;
                }
                if (!Capability.TryDecode(value[0], value.Slice(2, value[1]), out Capability? cap, out error))
                    return false;
                capabilities.Add(cap!);
                value = value[(2 + value[1])..];
            }
        }
        msg = new OpenMessage(version, myAs, holdTime, identifier, capabilities) { UseExtendedOptionalParameters = extended };
        error = null;
        return true;
    }

    /// <summary>RFC 4271 section 6.2: a recognised optional parameter that is malformed gets subcode 0.</summary>
    private static WireError Unspecific(string reason)
        => WireError.Reset(ErrorCode.OpenMessage, 0, default, reason);

    public bool Equals(OpenMessage? other)
        => other is not null && other.Version == Version && other.MyAs == MyAs && other.HoldTime == HoldTime
           && other.BgpIdentifier == BgpIdentifier && other.Capabilities.SequenceEqual(Capabilities);

    public override int GetHashCode() => HashCode.Combine(Version, MyAs, HoldTime, BgpIdentifier, Capabilities.Count);

    public override string ToString()
        => $"OPEN v{Version} AS {AsNumber} hold {HoldTime} id {BgpIdentifierAddress} caps [{string.Join(", ", Capabilities)}]";
}
