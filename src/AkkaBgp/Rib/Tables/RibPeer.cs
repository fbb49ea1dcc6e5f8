using System.Net;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Tables;

/// <summary>
/// A source and destination of routes as the RIB sees it: one Established session (or the local
/// origination pseudo-peer). A new instance is made for every session, so per-session caches can be
/// keyed by reference and never serve a previous session's results.
/// </summary>
public sealed class RibPeer
{
    /// <summary>Slot 0 is reserved for locally originated routes.</summary>
    public const int LocalSlot = 0;

    /// <summary>Small integer the tables store per path instead of a reference (assigned by the RIB; reused
    /// only after every partition has dropped the previous session's paths).</summary>
    public required int Slot { get; init; }
    public required IPAddress Address
    {
        get => _address;
        init
        {
            _address = value;
            AddressKey = KeyOf(value);
        }
    }
    private readonly IPAddress _address = IPAddress.None;
    public required uint PeerAs { get; init; }
    /// <summary>The peer's BGP Identifier from its OPEN (RFC 4271 4.2), host order.</summary>
    public required uint RouterId { get; init; }
    public required uint LocalAs { get; init; }
    public bool IsLocal { get; init; }
    public bool IsInternal => !IsLocal && PeerAs == LocalAs;
    public bool IsExternal => !IsLocal && PeerAs != LocalAs;
    /// <summary>Our address on this session: NEXT_HOP to eBGP neighbors (RFC 4271 5.1.3).</summary>
    public IPAddress? LocalAddress { get; init; }
    /// <summary>Global IPv6 next hop we advertise for IPv6 routes (RFC 2545); the session address when it is IPv6.</summary>
    public IPAddress? LocalIPv6NextHop { get; init; }
    /// <summary>Our link-local address on the link we share with the peer: sent after the global next hop (RFC 2545 3).</summary>
    public IPAddress? LocalIPv6LinkLocal { get; init; }
    /// <summary>The peer is a NEW speaker (RFC 6793); else it gets AS_TRANS and AS4_PATH.</summary>
    public bool FourOctetAs { get; init; } = true;
    public int MaxMessageSize { get; init; } = 4096;
    public bool EnhancedRouteRefresh { get; init; }
    /// <summary>Our BGP Role towards this external peer (RFC 9234), from our configuration; null: no role, no OTC rules.</summary>
    public Wire.BgpRole? LocalRole { get; init; }

    /// <summary>What the peer is to us, from our role (RFC 9234 section 4.2's pairs): our Provider role makes it a
    /// Customer, and so on. Section 5's rules are written in terms of this remote role.</summary>
    public Wire.BgpRole? RemoteRole => LocalRole switch
    {
        Wire.BgpRole.Provider => Wire.BgpRole.Customer,
        Wire.BgpRole.Customer => Wire.BgpRole.Provider,
        Wire.BgpRole.RouteServer => Wire.BgpRole.RouteServerClient,
        Wire.BgpRole.RouteServerClient => Wire.BgpRole.RouteServer,
        Wire.BgpRole.Peer => Wire.BgpRole.Peer,
        _ => null,
    };
    /// <summary>RFC 8950 negotiated: IPv4 routes may go to this peer with an IPv6 next hop in MP_REACH_NLRI.</summary>
    public bool ExtendedNextHopIpv4 { get; init; }
    /// <summary>RFC 7911: the families in which we send this peer several paths per prefix, each with a path identifier.</summary>
    public AddPathFamilies AddPathSend { get; init; }
    /// <summary>How many paths per prefix go where <see cref="AddPathSend"/> holds: the best ones in decision order.</summary>
    public int AddPathSendMax { get; init; }
    /// <summary>Families negotiated in both directions (RFC 4760); we send and accept only these.</summary>
    public IReadOnlySet<AfiSafi> Families { get; init; } = new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast };
    public PeerRibSettings Settings { get; init; } = PeerRibSettings.Default;

    /// <summary>Lowest-peer-address tie-breaker key (RFC 4271 9.1.2.2 (g)): IPv4 before IPv6, then numeric.</summary>
    /// <remarks>Computed once when the address is set: partitions on other threads read it concurrently.</remarks>
    public UInt128 AddressKey { get; private init; }

    private static UInt128 KeyOf(IPAddress a)
    {
        var b = a.GetAddressBytes();
        UInt128 v = 0;
        foreach (var x in b) v = (v << 8) | x;
        // IPv4 addresses occupy the low 32 bits and every IPv6 address a peer can have is above them
        // (only ::/96 is not), so IPv4 peers sort first.
        return v;
    }

    /// <summary>The pseudo-peer for routes we originate (configuration and run-time announcements).</summary>
    public static RibPeer Local(uint localAs, uint routerId) => new()
    {
        Slot = LocalSlot,
        Address = IPAddress.Any,
        PeerAs = localAs,
        LocalAs = localAs,
        RouterId = routerId,
        IsLocal = true,
        Families = new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast },
    };

    /// <summary>A new instance with the same properties (a new identity for per-session checks and caches).</summary>
    public RibPeer Copy() => new()
    {
        Slot = Slot, Address = Address, PeerAs = PeerAs, RouterId = RouterId, LocalAs = LocalAs, IsLocal = IsLocal,
        LocalAddress = LocalAddress, LocalIPv6NextHop = LocalIPv6NextHop, LocalIPv6LinkLocal = LocalIPv6LinkLocal, FourOctetAs = FourOctetAs, MaxMessageSize = MaxMessageSize,
        EnhancedRouteRefresh = EnhancedRouteRefresh, ExtendedNextHopIpv4 = ExtendedNextHopIpv4, LocalRole = LocalRole, Families = Families, Settings = Settings,
        AddPathSend = AddPathSend, AddPathSendMax = AddPathSendMax,
    };

    public override string ToString() => IsLocal ? "local" : $"{Address} AS{PeerAs}";
}
