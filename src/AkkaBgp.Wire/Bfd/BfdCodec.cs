using System.Buffers.Binary;

namespace AkkaBgp.Wire.Bfd;

/// <summary>
/// The BFD Control packet codec, RFC 5880 section 4. Pure functions over spans; decoding never throws and never
/// allocates. The decoder applies the checks of section 6.8.6 that need only the packet; the checks that need
/// the session (discriminator lookup, authentication, TTL) are the caller's, in the order the section lists them:
/// <list type="bullet">
/// <item>Version not 1: discard, <see cref="BfdDiscard.BadVersion"/> ("If the version number is not correct (1), the packet MUST be discarded").</item>
/// <item>Length field below 24 (26 with the A bit): discard, <see cref="BfdDiscard.LengthTooSmall"/>.</item>
/// <item>Length field beyond the UDP payload: discard, <see cref="BfdDiscard.LengthExceedsPayload"/>. Octets after Length are ignored (the field, not the datagram, delimits the packet).</item>
/// <item>Detect Mult zero: discard, <see cref="BfdDiscard.ZeroDetectMult"/>.</item>
/// <item>M bit set: discard, <see cref="BfdDiscard.MultipointSet"/> (reserved for point-to-multipoint, RFC 8562).</item>
/// <item>My Discriminator zero: discard, <see cref="BfdDiscard.ZeroMyDiscriminator"/>.</item>
/// <item>Your Discriminator zero with State neither Down nor AdminDown: discard, <see cref="BfdDiscard.ZeroYourDiscriminator"/>.</item>
/// <item>A bit set: the Authentication Section's Auth Type and Auth Len must fit the Length (else <see cref="BfdDiscard.LengthTooSmall"/>); its contents are checked by <see cref="BfdAuthentication.Verify"/> against the session's key.</item>
/// <item>Then (caller): demultiplex by Your Discriminator, or by addresses when it is zero (<see cref="BfdDiscard.NoSession"/>); A bit vs. bfd.AuthType (<see cref="BfdDiscard.AuthenticationUnexpected"/>, <see cref="BfdDiscard.AuthenticationMissing"/>); authentication (6.7); TTL (RFC 5881 5 / RFC 5883 5); bfd.SessionState AdminDown (<see cref="BfdDiscard.SessionAdminDown"/>).</item>
/// </list>
/// </summary>
public static class BfdCodec
{
    /// <summary>The largest packet we build: 24 octets plus a Keyed SHA1 section (28).</summary>
    public const int MaxLength = BfdControlPacket.MandatoryLength + BfdAuthentication.Sha1SectionLength;

    public static bool TryDecode(ReadOnlySpan<byte> datagram, out BfdControlPacket packet, out BfdDiscard reason)
    {
        packet = default;
        // Every field the checks below read lies in the first 24 octets; a shorter datagram cannot hold a packet.
        if (datagram.Length < BfdControlPacket.MandatoryLength)
        {
            if (datagram.Length >= 1 && datagram[0] >> 5 != BfdControlPacket.ProtocolVersion) reason = BfdDiscard.BadVersion;
            else if (datagram.Length >= 4 && datagram[3] >= BfdControlPacket.MandatoryLength) reason = BfdDiscard.LengthExceedsPayload;
            else reason = BfdDiscard.LengthTooSmall;
            return false;
        }
        byte version = (byte)(datagram[0] >> 5);
        if (version != BfdControlPacket.ProtocolVersion)
            return Discard(BfdDiscard.BadVersion, out reason);
        byte flags = datagram[1];
        bool auth = (flags & 0x04) != 0;
        byte length = datagram[3];
        if (length < (auth ? BfdControlPacket.MandatoryLength + 2 : BfdControlPacket.MandatoryLength))
            return Discard(BfdDiscard.LengthTooSmall, out reason);
        if (length > datagram.Length)
            return Discard(BfdDiscard.LengthExceedsPayload, out reason);
        byte detectMult = datagram[2];
        if (detectMult == 0)
            return Discard(BfdDiscard.ZeroDetectMult, out reason);
        if ((flags & 0x01) != 0)
            return Discard(BfdDiscard.MultipointSet, out reason);
        uint my = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        if (my == 0)
            return Discard(BfdDiscard.ZeroMyDiscriminator, out reason);
        uint your = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        var state = (BfdState)(flags >> 6);
        if (your == 0 && state is not (BfdState.Down or BfdState.AdminDown))
            return Discard(BfdDiscard.ZeroYourDiscriminator, out reason);

        BfdAuthSection? section = null;
        if (auth)
        {
            var a = datagram[BfdControlPacket.MandatoryLength..length];
            byte authLen = a[1];
            // 4.2-4.4: Auth Len covers the whole section and must equal what the Length field leaves for it.
            if (authLen != a.Length || authLen < 3)
                return Discard(BfdDiscard.LengthTooSmall, out reason);
            var type = (BfdAuthType)a[0];
            uint sequence = type is BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 or BfdAuthType.KeyedSha1 or BfdAuthType.MeticulousKeyedSha1
                && a.Length >= 8 ? BinaryPrimitives.ReadUInt32BigEndian(a[4..]) : 0;
            section = new BfdAuthSection(type, authLen, a[2], sequence);
        }

        packet = new BfdControlPacket
        {
            Version = version,
            Diagnostic = (BfdDiagnostic)(datagram[0] & 0x1F),
            State = state,
            Poll = (flags & 0x20) != 0,
            Final = (flags & 0x10) != 0,
            ControlPlaneIndependent = (flags & 0x08) != 0,
            AuthenticationPresent = auth,
            Demand = (flags & 0x02) != 0,
            Multipoint = false,
            DetectMult = detectMult,
            Length = length,
            MyDiscriminator = my,
            YourDiscriminator = your,
            DesiredMinTxInterval = BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            RequiredMinRxInterval = BinaryPrimitives.ReadUInt32BigEndian(datagram[16..]),
            RequiredMinEchoRxInterval = BinaryPrimitives.ReadUInt32BigEndian(datagram[20..]),
            Auth = section,
        };
        reason = BfdDiscard.None;
        return true;
    }

    private static bool Discard(BfdDiscard why, out BfdDiscard reason)
    {
        reason = why;
        return false;
    }

    /// <summary>
    /// Writes the mandatory section of <paramref name="packet"/> and returns its length (24). The caller appends an
    /// Authentication Section with <see cref="BfdAuthentication.Sign"/>, which also sets the A bit and the Length.
    /// Version, Length and A are written as RFC 5880 requires, whatever the record says.
    /// </summary>
    public static int Encode(in BfdControlPacket packet, Span<byte> dest)
    {
        if (packet.DetectMult == 0) throw new WireException("Detect Mult must be nonzero (RFC 5880 section 4.1)");
        if (packet.MyDiscriminator == 0) throw new WireException("My Discriminator must be nonzero (RFC 5880 section 6.3)");
        if ((byte)packet.Diagnostic > 31) throw new WireException("Diag is a 5-bit field");
        dest[0] = (byte)((BfdControlPacket.ProtocolVersion << 5) | (byte)packet.Diagnostic);
        dest[1] = (byte)(((byte)packet.State << 6)
            | (packet.Poll ? 0x20 : 0) | (packet.Final ? 0x10 : 0) | (packet.ControlPlaneIndependent ? 0x08 : 0)
            | (packet.Demand ? 0x02 : 0) | (packet.Multipoint ? 0x01 : 0));
        dest[2] = packet.DetectMult;
        dest[3] = BfdControlPacket.MandatoryLength;
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], packet.MyDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(dest[8..], packet.YourDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(dest[12..], packet.DesiredMinTxInterval);
        BinaryPrimitives.WriteUInt32BigEndian(dest[16..], packet.RequiredMinRxInterval);
        BinaryPrimitives.WriteUInt32BigEndian(dest[20..], packet.RequiredMinEchoRxInterval);
        return BfdControlPacket.MandatoryLength;
    }

    /// <summary>Encodes and, when <paramref name="key"/> is given, signs; returns the packet's length.</summary>
    public static int Encode(in BfdControlPacket packet, Span<byte> dest, BfdAuthKey? key, uint sequence)
    {
        int n = Encode(packet, dest);
        return key is null ? n : BfdAuthentication.Sign(dest, key, sequence);
    }

    public static byte[] ToArray(in BfdControlPacket packet, BfdAuthKey? key = null, uint sequence = 0)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        int n = Encode(packet, buffer, key, sequence);
        return buffer[..n].ToArray();
    }
}
