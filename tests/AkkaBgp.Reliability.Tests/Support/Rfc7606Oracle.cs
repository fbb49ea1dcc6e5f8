using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests.Support;

/// <summary>What RFC 4271 section 6 and RFC 7606 section 2 say the receiver of one message does.</summary>
public enum Reaction
{
    /// <summary>Valid: the UPDATE is applied as it stands.</summary>
    Accept,
    /// <summary>RFC 7606 2 attribute discard: applied without the bad attribute(s).</summary>
    AttributeDiscard,
    /// <summary>RFC 7606 2 treat-as-withdraw: every prefix it carries is withdrawn.</summary>
    TreatAsWithdraw,
    /// <summary>RFC 7606 2 AFI/SAFI disable, which AkkaBgp (like most daemons) does by resetting the session.</summary>
    AfiSafiDisable,
    /// <summary>RFC 4271 6 / RFC 7606 2 session reset: NOTIFICATION with the error, connection closed.</summary>
    SessionReset,
}

/// <param name="Notification">For the resetting reactions, the NOTIFICATION the service must send (code, subcode, data).</param>
/// <param name="Update">For the others, the UPDATE as the receiver reads it (for the Adj-RIB-In model).</param>
public sealed record Prediction(Reaction Reaction, NotificationMessage? Notification, UpdateMessage? Update)
{
    public bool Resets => Reaction is Reaction.SessionReset or Reaction.AfiSafiDisable;
}

/// <summary>
/// Classifies a message the way the receiving speaker must, using the wire codec's RFC 7606 classifier with the
/// session's negotiated decode rules (the classifier is tested against the RFC's text case by case in
/// AkkaBgp.Wire.Tests; what this suite checks is that the running service acts on exactly that classification,
/// message by message, under a stream of hostile input). Returns null for a mutant that cannot be sent as one
/// framed message (its header promises more octets than it has, or frames a shorter message followed by more): the
/// service would read it as part of the next one, so no prediction can be made for it alone.
/// </summary>
public static class Rfc7606Oracle
{
    public static Prediction? Predict(byte[] message, in DecodeContext context)
    {
        int length = BgpFramer.TryReadMessage(message, context.MaxMessageLength, out var headerError);
        if (length < 0) return Reset(headerError!);
        if (length == 0) return null;
        if (!BgpMessageCodec.TryDecode(message.AsSpan(0, length), context, out var decoded, out var error))
            return Reset(error!);
        // A framed prefix of the mutant decoded fine: the rest would be read as another message.
        if (length != message.Length) return null;
        if (decoded is not BgpUpdate { Update: var update }) return null;
        if (update.Action is ErrorAction.SessionReset or ErrorAction.AfiSafiDisable)
        {
            var worst = update.Errors.First(e => e.Action == update.Action);
            return new Prediction(update.Action == ErrorAction.SessionReset ? Reaction.SessionReset : Reaction.AfiSafiDisable,
                NotificationMessage.From(worst), null);
        }
        var reaction = update.Action switch
        {
            ErrorAction.TreatAsWithdraw => Reaction.TreatAsWithdraw,
            ErrorAction.AttributeDiscard => Reaction.AttributeDiscard,
            _ => Reaction.Accept,
        };
        return new Prediction(reaction, null, update);
    }

    private static Prediction Reset(WireError error) => new(Reaction.SessionReset, NotificationMessage.From(error), null);
}

/// <summary>
/// The hostile peer's Adj-RIB-In as the service must hold it (RFC 4271 3.2, RFC 4760, RFC 7606 2): withdrawn routes
/// go first, then the announcements replace; a treat-as-withdraw UPDATE withdraws every prefix it carries, in NLRI
/// and MP_REACH_NLRI alike; End-of-RIB changes nothing. Only IPv4 and IPv6 unicast, the families negotiated.
/// </summary>
public sealed class AdjRibInModel
{
    private readonly HashSet<Prefix> _v4 = new(), _v6 = new();

    public int V4 => _v4.Count;
    public int V6 => _v6.Count;

    public void Clear() { _v4.Clear(); _v6.Clear(); }

    public void Apply(UpdateMessage u, Reaction reaction)
    {
        if (u.TryGetEndOfRib(out _, out _)) return;
        foreach (var w in u.Withdrawn) Set(w.Prefix, false);
        if (u.MpUnreach is { IsDecoded: true, Safi: Safi.Unicast } unreach)
            foreach (var w in unreach.Withdrawn) Set(w.Prefix, false);
        bool announce = reaction != Reaction.TreatAsWithdraw;
        foreach (var n in u.Nlri) Set(n.Prefix, announce);
        if (u.MpReach is { IsDecoded: true, Safi: Safi.Unicast } reach)
            foreach (var n in reach.Nlri) Set(n.Prefix, announce);
    }

    private void Set(Prefix p, bool present)
    {
        var table = p.IsIPv6 ? _v6 : _v4;
        if (present) table.Add(p); else table.Remove(p);
    }
}
