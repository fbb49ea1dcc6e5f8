using System.Buffers.Binary;

namespace AkkaBgp.Wire;

/// <summary>BGP message types: RFC 4271 section 4.1 (1-4) and RFC 2918 section 3 (5).</summary>
public enum MessageType : byte
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

/// <summary>The 19-octet message header, RFC 4271 section 4.1, and its checks, section 6.1.</summary>
public static class BgpHeader
{
    public const int Size = 19;
    public const int MarkerSize = 16;
    /// <summary>RFC 4271 section 4.1.</summary>
    public const int MaxMessageLength = 4096;
    /// <summary>RFC 8654 section 4, once the Extended Message capability is negotiated.</summary>
    public const int ExtendedMaxMessageLength = 65535;

    // Per-type minimums, RFC 4271 section 6.1 ("less than the minimum length of the OPEN message" etc.).
    public const int MinOpenLength = 29;
    public const int MinUpdateLength = 23;
    public const int KeepaliveLength = 19;
    public const int MinNotificationLength = 21;
    /// <summary>RFC 2918 section 3: AFI (2) + Reserved/Subtype (1) + SAFI (1).</summary>
    public const int RouteRefreshLength = 23;

    public static int MaxLengthFor(bool extendedMessages) => extendedMessages ? ExtendedMaxMessageLength : MaxMessageLength;

    /// <summary>
    /// The checks a framer needs before it can wait for the rest of a message: the marker and
    /// the 19..maxLength bound (RFC 4271 section 6.1; RFC 8654 section 4 for the larger bound).
    /// </summary>
    public static bool TryReadLength(ReadOnlySpan<byte> header, int maxLength, out int length, out WireError? error)
    {
        length = 0;
        error = null;
        if (header.Length < Size)
            throw new ArgumentException("need the whole 19-octet header", nameof(header));
        if (header[..MarkerSize].IndexOfAnyExcept((byte)0xFF) >= 0)
        {
            error = WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, default,
                "marker is not all ones");
            return false;
        }
        length = BinaryPrimitives.ReadUInt16BigEndian(header[MarkerSize..]);
        if (length < Size || length > maxLength)
        {
            error = BadLength(header.Slice(MarkerSize, 2), $"length {length} outside {Size}..{maxLength}");
            return false;
        }
        return true;
    }

    /// <summary>
    /// The full RFC 4271 section 6.1 check of a whole message: marker, length bounds, type, and the
    /// per-type length. A ROUTE-REFRESH of the wrong length is a Message Header Error only for
    /// subtype 0; subtypes 1 and 2 get ROUTE-REFRESH Message Error / Invalid Message Length
    /// (RFC 7313 section 5), which <see cref="RouteRefreshMessage"/> decoding reports.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<byte> message, int maxLength, out MessageType type, out WireError? error)
    {
        type = default;
        if (message.Length < Size)
        {
            error = WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength,
                message.Length >= MarkerSize + 2 ? message.Slice(MarkerSize, 2) : default,
                $"message is {message.Length} octets, shorter than the header");
            return false;
        }
        if (!TryReadLength(message, maxLength, out int length, out error))
            return false;
        if (length != message.Length)
        {
            error = BadLength(message.Slice(MarkerSize, 2), $"length field {length} but {message.Length} octets given");
            return false;
        }
        byte t = message[18];
        bool lengthOk;
        switch (t)
        {
            // RFC 8654 section 4: Extended Messages never apply to OPEN, which stays within 4096 octets.
            case (byte)MessageType.Open: lengthOk = length >= MinOpenLength && length <= MaxMessageLength; break;
            case (byte)MessageType.Update: lengthOk = length >= MinUpdateLength; break;
            case (byte)MessageType.Notification: lengthOk = length >= MinNotificationLength; break;
            case (byte)MessageType.Keepalive: lengthOk = length == KeepaliveLength; break;
            case (byte)MessageType.RouteRefresh: lengthOk = true; break; // see RouteRefreshMessage.TryDecode
            default:
                // RFC 4271 section 6.1: the Data field contains the erroneous Type field.
                error = WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, message.Slice(18, 1),
                    $"unknown message type {t}");
                return false;
        }
        if (!lengthOk)
        {
            error = BadLength(message.Slice(MarkerSize, 2), $"length {length} is invalid for {(MessageType)t}");
            return false;
        }
        type = (MessageType)t;
        error = null;
        return true;
    }

    /// <summary>RFC 4271 section 6.1: Bad Message Length carries the erroneous Length field.</summary>
    internal static WireError BadLength(ReadOnlySpan<byte> lengthField, string reason)
        => WireError.Reset(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, lengthField, reason);

    /// <summary>Writes marker, length and type into the first 19 octets of <paramref name="dest"/>.</summary>
    public static void Write(Span<byte> dest, MessageType type, int length)
    {
        if ((uint)length > ExtendedMaxMessageLength || length < Size)
            throw new WireException($"message length {length} cannot be encoded");
        dest[..MarkerSize].Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(dest[MarkerSize..], (ushort)length);
        dest[18] = (byte)type;
    }
}
