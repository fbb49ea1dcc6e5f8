namespace AkkaBgp.Wire;

/// <summary>
/// What the session layer must do about a malformed input. The decoder never acts;
/// it reports one of these and the FSM carries it out.
/// </summary>
public enum ErrorAction
{
    /// <summary>RFC 4271 section 6 / RFC 7606 section 2: send NOTIFICATION (Code, Subcode, Data) and close.</summary>
    SessionReset,
    /// <summary>RFC 7606 section 2: every NLRI in the UPDATE is handled as withdrawn.</summary>
    TreatAsWithdraw,
    /// <summary>RFC 7606 section 2: drop the attribute, keep the rest of the UPDATE.</summary>
    AttributeDiscard,
    /// <summary>RFC 7606 section 2 / RFC 4760 section 7: disable that AFI/SAFI (we reset the session, as most daemons do).</summary>
    AfiSafiDisable,
}

/// <summary>
/// A decoding error with the NOTIFICATION it maps to. Code/Subcode/Data are what goes on
/// the wire when <see cref="Action"/> is <see cref="ErrorAction.SessionReset"/>; for the other
/// actions they say which NOTIFICATION RFC 4271 alone would have required (useful in logs).
/// </summary>
public sealed record WireError(ErrorAction Action, byte Code, byte Subcode, byte[] Data, string Reason)
{
    public static WireError Reset(byte code, byte subcode, ReadOnlySpan<byte> data, string reason)
        => new(ErrorAction.SessionReset, code, subcode, data.ToArray(), reason);

    public override string ToString()
        => $"{Action} {Code}/{Subcode} ({Notification.Describe(Code, Subcode)}): {Reason}";
}

/// <summary>The codec's only exception type: thrown by encoders given values that cannot be encoded.
/// Decoders report <see cref="WireError"/> values instead of throwing.</summary>
public sealed class WireException(string message) : Exception(message);
