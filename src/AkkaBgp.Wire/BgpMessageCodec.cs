using System.Buffers;

namespace AkkaBgp.Wire;

/// <summary>What decoding needs to know about the session (all negotiated in OPEN).</summary>
public readonly record struct DecodeContext
{
    /// <summary>Extended Messages (RFC 8654) negotiated: messages up to 65535 octets.</summary>
    public bool ExtendedMessages { get; init; }

    /// <summary>4-octet AS, ADD-PATH receive families, peer kind: passed to <see cref="UpdateMessage.TryDecode"/>.</summary>
    public UpdateDecodeContext Update { get; init; }

    public int MaxMessageLength => BgpHeader.MaxLengthFor(ExtendedMessages);
}

/// <summary>A decoded UPDATE in the <see cref="BgpMessage"/> hierarchy. <see cref="EncodeContext"/> says how
/// <see cref="BgpMessage.Encode(Span{byte}, int)"/> writes it; the decoder sets it to the received format
/// (same AS width and ADD-PATH families) so a decoded UPDATE re-encodes in the form it arrived in.</summary>
public sealed record BgpUpdate(UpdateMessage Update, UpdateEncodeContext EncodeContext) : BgpMessage
{
    public override MessageType Type => MessageType.Update;
    public override int BodyLength => Update.GetEncodedLength(EncodeContext) - BgpHeader.Size;
    protected override void WriteBody(Span<byte> dest) => throw new NotSupportedException();

    protected override void WriteMessage(Span<byte> dest, int maxLength)
        => Update.WriteTo(dest, EncodeContext with { MaxMessageSize = maxLength });

    public override string ToString() => Update.ToString();
}

/// <summary>An UPDATE carried as its undecoded body: a way to send an UPDATE body built elsewhere
/// (benchmarks, tests, replaying captures). The decoder never produces it.</summary>
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
                // RFC 7606: the UPDATE decoder decides between reset, treat-as-withdraw and attribute discard.
                if (!UpdateMessage.TryDecode(message[BgpHeader.Size..], context.Update, out UpdateMessage? update, out error))
                    return false;
                UpdateDecodeContext u = context.Update;
                msg = new BgpUpdate(update, new UpdateEncodeContext(u.FourOctetAs, u.AddPathReceive, false, context.MaxMessageLength));
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
