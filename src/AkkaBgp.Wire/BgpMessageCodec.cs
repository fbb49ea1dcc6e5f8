using System.Buffers;

namespace AkkaBgp.Wire;

/// <summary>What decoding needs to know about the session (all negotiated in OPEN).</summary>
public readonly record struct DecodeContext
{
    /// <summary>Extended Messages (RFC 8654) negotiated: messages up to 65535 octets.</summary>
    public bool ExtendedMessages { get; init; }

    public int MaxMessageLength => BgpHeader.MaxLengthFor(ExtendedMessages);
}

/// <summary>An UPDATE carried as its undecoded body: what <see cref="BgpMessageCodec.TryDecode"/> gives
/// until UPDATE decoding is wired in, and a way to send an UPDATE body built elsewhere.</summary>
public sealed record RawUpdateMessage(byte[] Body) : BgpMessage
{
    public override MessageType Type => MessageType.Update;
    public override int BodyLength => Body.Length;
    protected override void WriteBody(Span<byte> dest) => Body.CopyTo(dest);

    public bool Equals(RawUpdateMessage? other) => other is not null && other.Body.AsSpan().SequenceEqual(Body);
    public override int GetHashCode() => Body.Length;
}

/// <summary>The top-level decode dispatch: header checks (RFC 4271 section 6.1), then the per-type decoder.</summary>
public static class BgpMessageCodec
{
    /// <summary>
    /// Decodes one whole message (as cut by <see cref="BgpFramer"/>, header included). Never throws for
    /// bad input: returns false with the <see cref="WireError"/> naming the NOTIFICATION to send.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, in DecodeContext context, out BgpMessage? msg, out WireError? error)
    {
        msg = null;
        if (!BgpHeader.TryValidate(message, context.MaxMessageLength, out MessageType type, out error))
            return false;
        switch (type)
        {
            case MessageType.Open:
                if (!OpenMessage.TryDecode(message, out OpenMessage? open, out error)) return false;
                msg = open;
                return true;
            case MessageType.Update:
                msg = new RawUpdateMessage(message[BgpHeader.Size..].ToArray());
                return true;
            case MessageType.Notification:
                if (!NotificationMessage.TryDecode(message, out NotificationMessage? notification, out error)) return false;
                msg = notification;
                return true;
            case MessageType.Keepalive:
                msg = KeepaliveMessage.Instance;
                return true;
            case MessageType.RouteRefresh:
                if (!RouteRefreshMessage.TryDecode(message, out RouteRefreshMessage? refresh, out error)) return false;
                msg = refresh;
                return true;
            default:
                // TryValidate has already rejected every other type.
                throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>Decodes a message held in a sequence (e.g. straight from <see cref="BgpFramer.TryReadMessage(ref ReadOnlySequence{byte}, int, out ReadOnlySequence{byte}, out WireError?)"/>);
    /// a message split across segments is copied to a pooled buffer first.</summary>
    public static bool TryDecode(in ReadOnlySequence<byte> message, in DecodeContext context, out BgpMessage? msg, out WireError? error)
    {
        if (message.IsSingleSegment)
            return TryDecode(message.FirstSpan, context, out msg, out error);
        int length = checked((int)Math.Min(message.Length, BgpHeader.ExtendedMaxMessageLength + 1L));
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.Slice(0, length).CopyTo(rented);
            return TryDecode(rented.AsSpan(0, length), context, out msg, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes <paramref name="msg"/> into <paramref name="dest"/>; returns its length.</summary>
    public static int Encode(BgpMessage msg, Span<byte> dest, int maxLength = BgpHeader.MaxMessageLength)
        => msg.Encode(dest, maxLength);

    /// <summary>Encodes <paramref name="msg"/> into <paramref name="writer"/>; returns its length.</summary>
    public static int Encode(BgpMessage msg, IBufferWriter<byte> writer, int maxLength = BgpHeader.MaxMessageLength)
        => msg.Encode(writer, maxLength);
}
