using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Advertise;

/// <summary>What we send one neighbor for a route: the attributes after the RFC 4271 9.2 rules, and the
/// MP_REACH next hop for families other than IPv4 unicast. Equal values can share one UPDATE.</summary>
public sealed class OutRoute : IEquatable<OutRoute>
{
    public OutRoute(PathAttributes attributes, byte[]? mpNextHop = null)
    {
        Attributes = attributes;
        MpNextHop = mpNextHop ?? Array.Empty<byte>();
    }

    public PathAttributes Attributes { get; }
    public byte[] MpNextHop { get; }

    public bool Equals(OutRoute? other)
        => other is not null && (ReferenceEquals(this, other) || (Attributes.Equals(other.Attributes) && MpNextHop.AsSpan().SequenceEqual(other.MpNextHop)));
    public override bool Equals(object? obj) => Equals(obj as OutRoute);
    public override int GetHashCode() => Attributes.GetHashCode();
    public override string ToString() => Attributes.ToString();
}
