using System.Buffers;

namespace AkkaBgp.Wire;

/// <summary>
/// A decoded BGP message. Each subtype knows its body; the 19-octet header (RFC 4271 section 4.1)
/// is written here. Encoders throw <see cref="WireException"/> for values that cannot be encoded.
/// </summary>
public abstract record BgpMessage
{
    public abstract MessageType Type { get; }

    /// <summary>Octets after the 19-octet header.</summary>
    public abstract int BodyLength { get; }

    /// <summary>Writes exactly <see cref="BodyLength"/> octets.</summary>
    protected abstract void WriteBody(Span<byte> dest);

    public int EncodedLength => BgpHeader.Size + BodyLength;

    /// <summary>Writes the whole message into <paramref name="dest"/>; returns its length.</summary>
    /// <param name="maxLength">4096, or 65535 with Extended Messages (RFC 8654 section 4).</param>
    public int Encode(Span<byte> dest, int maxLength = BgpHeader.MaxMessageLength)
    {
        int length = EncodedLength;
        // RFC 8654 section 4: an OPEN stays within 4096 octets even on an Extended Messages session.
        if (Type == MessageType.Open) maxLength = Math.Min(maxLength, BgpHeader.MaxMessageLength);
        if (length > maxLength)
            throw new WireException($"{Type} would be {length} octets, more than the {maxLength} allowed");
        if (dest.Length < length)
            throw new ArgumentException($"destination has {dest.Length} octets, {length} needed", nameof(dest));
        WriteMessage(dest[..length], maxLength);
        return length;
    }

    /// <summary>Writes header and body into exactly <see cref="EncodedLength"/> octets. Overridden by
    /// messages whose own encoder writes the header too.</summary>
    protected virtual void WriteMessage(Span<byte> dest, int maxLength)
    {
        BgpHeader.Write(dest, Type, dest.Length);
        WriteBody(dest[BgpHeader.Size..]);
    }

    /// <summary>Writes the whole message into <paramref name="writer"/>; returns its length.</summary>
    public int Encode(IBufferWriter<byte> writer, int maxLength = BgpHeader.MaxMessageLength)
    {
        int length = EncodedLength;
        int written = Encode(writer.GetSpan(length), maxLength);
        writer.Advance(written);
        return written;
    }

    public byte[] ToArray(int maxLength = BgpHeader.ExtendedMaxMessageLength)
    {
        var bytes = new byte[EncodedLength];
        Encode(bytes, maxLength);
        return bytes;
    }
}

/// <summary>KEEPALIVE, RFC 4271 section 4.4: the header alone.</summary>
public sealed record KeepaliveMessage : BgpMessage
{
    public static readonly KeepaliveMessage Instance = new();

    /// <summary>The 19 octets of every KEEPALIVE, for sending without encoding.</summary>
    public static ReadOnlySpan<byte> Bytes =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x13, 0x04,
    ];

    public override MessageType Type => MessageType.Keepalive;
    public override int BodyLength => 0;
    protected override void WriteBody(Span<byte> dest) { }
}
