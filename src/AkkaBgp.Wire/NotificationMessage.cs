using System.Text;

namespace AkkaBgp.Wire;

/// <summary>
/// NOTIFICATION, RFC 4271 section 4.5: Error code, Error subcode, Data. For Cease / Administrative
/// Shutdown and Cease / Administrative Reset the Data may be a Shutdown Communication
/// (RFC 9003 section 2, which replaced RFC 8203): a length octet and that many octets of UTF-8.
/// </summary>
public sealed record NotificationMessage(byte Code, byte Subcode, byte[] Data) : BgpMessage
{
    /// <summary>RFC 9003 section 2: the Length octet allows up to 255 octets of message.</summary>
    public const int MaxShutdownCommunicationLength = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public NotificationMessage(byte code, byte subcode) : this(code, subcode, []) { }

    /// <summary>The NOTIFICATION a decoding error asks for.</summary>
    public static NotificationMessage From(WireError error) => new(error.Code, error.Subcode, error.Data);

    /// <summary>Cease with subcode Administrative Shutdown (2) or Administrative Reset (4) and a Shutdown
    /// Communication (RFC 9003 section 2). Throws <see cref="WireException"/> when the UTF-8 is over 255 octets.</summary>
    public static NotificationMessage Shutdown(byte ceaseSubcode, string? communication)
    {
        if (ceaseSubcode is not (CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset))
            throw new WireException("a Shutdown Communication is defined only for Cease subcodes 2 and 4 (RFC 9003 section 2)");
        if (string.IsNullOrEmpty(communication))
            return new NotificationMessage(ErrorCode.Cease, ceaseSubcode, [0]);
        byte[] text = Encoding.UTF8.GetBytes(communication);
        if (text.Length > MaxShutdownCommunicationLength)
            throw new WireException($"Shutdown Communication is {text.Length} octets of UTF-8; at most 255 allowed (RFC 9003 section 2)");
        var data = new byte[1 + text.Length];
        data[0] = (byte)text.Length;
        text.CopyTo(data, 1);
        return new NotificationMessage(ErrorCode.Cease, ceaseSubcode, data);
    }

    /// <summary>RFC 8538 section 3: Cease / Hard Reset wraps the NOTIFICATION it stands for; its Data is that
    /// message's Error code, Error subcode and Data.</summary>
    public static NotificationMessage HardReset(NotificationMessage inner) =>
        new(ErrorCode.Cease, CeaseSubcode.HardReset, [inner.Code, inner.Subcode, .. inner.Data]);

    public bool IsHardReset => Code == ErrorCode.Cease && Subcode == CeaseSubcode.HardReset;

    /// <summary>The NOTIFICATION a Hard Reset carries (RFC 8538 section 3); null when this is not one or its Data is
    /// shorter than the two octets of code and subcode.</summary>
    public NotificationMessage? Inner => IsHardReset && Data.Length >= 2 ? new NotificationMessage(Data[0], Data[1], Data[2..]) : null;

    public bool IsShutdownOrReset => Code == ErrorCode.Cease
        && Subcode is CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset;

    /// <summary>
    /// The Shutdown Communication, or null when there is none or it is invalid. Never throws:
    /// RFC 9003 section 4 says an invalid Length or invalid UTF-8 is logged, not an error, so a bad
    /// one leaves <see cref="Data"/> as the raw evidence and <paramref name="problem"/> says why.
    /// </summary>
    public string? GetShutdownCommunication(out string? problem)
    {
        problem = null;
        if (!IsShutdownOrReset || Data.Length == 0)
            return null;
        int length = Data[0];
        if (length + 1 > Data.Length)
        {
            problem = $"Shutdown Communication length {length} exceeds the {Data.Length - 1} octets present";
            return null;
        }
        try
        {
            return StrictUtf8.GetString(Data, 1, length);
        }
        catch (DecoderFallbackException)
        {
            problem = "Shutdown Communication is not valid UTF-8";
            return null;
        }
    }

    /// <summary>The Shutdown Communication, also of the Administrative Shutdown or Reset a Hard Reset carries.</summary>
    public string? ShutdownCommunication => Inner is { } inner ? inner.ShutdownCommunication : GetShutdownCommunication(out _);

    /// <summary>e.g. <c>Cease / Administrative Shutdown: "maintenance"</c>, or the data in hex.</summary>
    public string Describe()
    {
        string text = Notification.Describe(Code, Subcode);
        if (Inner is { } inner) return $"{text} ({inner.Describe()})";
        if (IsShutdownOrReset && Data.Length > 0)
        {
            string? communication = GetShutdownCommunication(out string? problem);
            if (communication is not null)
                return communication.Length == 0 ? text : $"{text}: \"{Sanitize(communication)}\"";
            return $"{text} ({problem}; data {Convert.ToHexString(Data)})";
        }
        return Data.Length == 0 ? text : $"{text} (data {Convert.ToHexString(Data)})";
    }

    // Shutdown Communications come from the peer's operator and end up in our logs: no control characters.
    private static string Sanitize(string s)
    {
        if (!s.Any(char.IsControl)) return s;
        var b = new StringBuilder(s.Length);
        foreach (char c in s)
            b.Append(char.IsControl(c) ? '?' : c);
        return b.ToString();
    }

    public override string ToString() => $"NOTIFICATION {Code}/{Subcode} {Describe()}";

    public override MessageType Type => MessageType.Notification;
    public override int BodyLength => 2 + Data.Length;

    protected override void WriteBody(Span<byte> dest)
    {
        dest[0] = Code;
        dest[1] = Subcode;
        Data.CopyTo(dest[2..]);
    }

    /// <summary>Decodes a whole NOTIFICATION (header included and already validated: at least 21 octets).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out NotificationMessage? msg, out WireError? error)
    {
        error = null;
        ReadOnlySpan<byte> body = message[BgpHeader.Size..];
        if (body.Length < 2)
        {
            msg = null;
            error = BgpHeader.BadLength(message.Slice(BgpHeader.MarkerSize, 2), "NOTIFICATION shorter than 21 octets");
            return false;
        }
        msg = new NotificationMessage(body[0], body[1], body[2..].ToArray());
        return true;
    }

    public bool Equals(NotificationMessage? other)
        => other is not null && other.Code == Code && other.Subcode == Subcode && other.Data.AsSpan().SequenceEqual(Data);

    public override int GetHashCode() => HashCode.Combine(Code, Subcode, Data.Length);
}
