using System.Net;
using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Bfd;

/// <summary>
/// One BFD session's configuration (RFC 5880 section 6.8.1's configured values, RFC 5881/5883 transport). Value
/// equality, so a reload can tell an unchanged session from a changed one.
/// </summary>
public sealed record BfdSettings
{
    /// <summary>bfd.DesiredMinTxInterval once the session is Up (6.8.3 keeps it at 1 s or more before).</summary>
    public TimeSpan MinTx { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>bfd.RequiredMinRxInterval.</summary>
    public TimeSpan MinRx { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>bfd.DetectMult.</summary>
    public byte Multiplier { get; init; } = 3;
    /// <summary>RFC 5883 (UDP 4784, TTL checked against <see cref="MinimumTtl"/>) instead of RFC 5881 (UDP 3784, TTL 255).</summary>
    public bool Multihop { get; init; }
    /// <summary>Multihop only: received packets with a lower TTL/Hop Limit are discarded (RFC 5883 section 5).</summary>
    public byte MinimumTtl { get; init; } = 254;
    /// <summary>Authentication keys (RFC 5880 6.7); empty: none. All of one type; more than one during a key rollover,
    /// the first signs what we send.</summary>
    public IReadOnlyList<BfdAuthKey> Keys { get; init; } = [];
    /// <summary>Strict mode: the BGP session is not started while this BFD session is not Up (see
    /// <see cref="Session.BfdStrictHold"/>). Not a BFD parameter: the engine ignores it, the BGP side acts on it.</summary>
    public bool Strict { get; init; }

    public bool Equals(BfdSettings? other) =>
        other is not null && MinTx == other.MinTx && MinRx == other.MinRx && Multiplier == other.Multiplier
        && Multihop == other.Multihop && MinimumTtl == other.MinimumTtl && Keys.SequenceEqual(other.Keys) && Strict == other.Strict;

    public override int GetHashCode() => HashCode.Combine(MinTx, MinRx, Multiplier, Multihop, MinimumTtl, Keys.Count, Strict);

    public BfdAuthKey? SigningKey => Keys.Count > 0 ? Keys[0] : null;
}

/// <summary>Who a session runs between: the peer's address, ours, and which of RFC 5881/5883 carries it.</summary>
public sealed record BfdPeerKey(IPAddress Remote, IPAddress Local, bool Multihop)
{
    public override string ToString() => $"{Remote} from {Local}{(Multihop ? " multihop" : "")}";
}
