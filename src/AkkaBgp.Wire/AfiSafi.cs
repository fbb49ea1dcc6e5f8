namespace AkkaBgp.Wire;

/// <summary>Address Family Identifiers (IANA "Address Family Numbers"), as carried in
/// MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 section 3), the Multiprotocol capability
/// (RFC 4760 section 8), ROUTE-REFRESH (RFC 2918 section 3), ADD-PATH and Graceful Restart.</summary>
public static class Afi
{
    public const ushort Ipv4 = 1;
    public const ushort Ipv6 = 2;
    public const ushort L2vpn = 25;
    public const ushort BgpLs = 16388;

    public static string Name(ushort afi) => afi switch
    {
        Ipv4 => "IPv4",
        Ipv6 => "IPv6",
        L2vpn => "L2VPN",
        BgpLs => "BGP-LS",
        _ => $"AFI {afi}",
    };
}

/// <summary>Subsequent Address Family Identifiers (IANA "SAFI Values").</summary>
public static class Safi
{
    public const byte Unicast = 1;
    public const byte Multicast = 2;
    public const byte MplsLabel = 4;      // RFC 8277
    public const byte McastVpn = 5;       // RFC 6514
    public const byte Vpls = 65;          // RFC 4761
    public const byte Evpn = 70;          // RFC 7432
    public const byte BgpLs = 71;         // RFC 7752
    public const byte SrTePolicy = 73;
    public const byte MplsVpn = 128;      // RFC 4364
    public const byte MulticastVpn = 129; // RFC 6513
    public const byte RouteTargetConstraint = 132; // RFC 4684
    public const byte FlowSpec = 133;     // RFC 8955
    public const byte FlowSpecVpn = 134;  // RFC 8955

    public static string Name(byte safi) => safi switch
    {
        Unicast => "unicast",
        Multicast => "multicast",
        MplsLabel => "labeled-unicast",
        Vpls => "VPLS",
        Evpn => "EVPN",
        BgpLs => "BGP-LS",
        MplsVpn => "MPLS-VPN",
        FlowSpec => "flowspec",
        _ => $"SAFI {safi}",
    };
}

/// <summary>An (AFI, SAFI) pair: the unit of negotiation (RFC 4760 section 8) and of End-of-RIB (RFC 4724 section 2).</summary>
public readonly record struct AfiSafi(ushort Afi, byte Safi)
{
    public static readonly AfiSafi Ipv4Unicast = new(Wire.Afi.Ipv4, Wire.Safi.Unicast);
    public static readonly AfiSafi Ipv6Unicast = new(Wire.Afi.Ipv6, Wire.Safi.Unicast);

    public override string ToString() => $"{Wire.Afi.Name(Afi)}/{Wire.Safi.Name(Safi)}";
}
