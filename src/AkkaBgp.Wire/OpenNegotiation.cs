namespace AkkaBgp.Wire;

/// <summary>Local policy for <see cref="NegotiatedCapabilities.TryNegotiate"/>.</summary>
public readonly record struct CapabilityNegotiationPolicy
{
    /// <summary>The AS the peer is configured with; 0 accepts any (RFC 4271 section 6.2, Bad Peer AS).</summary>
    public uint ExpectedPeerAs { get; init; }

    /// <summary>RFC 9234 section 4.2 strict mode: the peer must send a BGP Role capability.</summary>
    public bool StrictRole { get; init; }
}

/// <summary>
/// What an OPEN exchange settled for the session (RFC 5492: a capability is in effect only when the
/// rules of its own RFC say so, usually when both sides advertised it). Built by <see cref="TryNegotiate"/>
/// from our OPEN and the peer's; <see cref="DecodeContext"/> and <see cref="EncodeContext"/> feed the codec.
/// </summary>
public sealed record NegotiatedCapabilities
{
    public required uint PeerAs { get; init; }
    public required uint PeerBgpIdentifier { get; init; }
    /// <summary>RFC 4271 section 4.2: the smaller of the two Hold Times; 0 means no Hold/Keepalive timers.</summary>
    public required ushort HoldTime { get; init; }
    /// <summary>RFC 4271 section 10 suggests a third of the Hold Time.</summary>
    public TimeSpan KeepaliveInterval => TimeSpan.FromSeconds(HoldTime / 3);
    /// <summary>RFC 6793 section 4.1: both sides advertised the 4-octet AS capability.</summary>
    public required bool FourOctetAs { get; init; }
    /// <summary>RFC 8654 section 4: we may receive up to 65535 octets once we advertised the capability…</summary>
    public required bool ReceiveExtendedMessages { get; init; }
    /// <summary>…and send them only once the peer advertised it.</summary>
    public required bool SendExtendedMessages { get; init; }
    /// <summary>RFC 2918 section 4: we may send ROUTE-REFRESH only when the peer advertised the capability (code 2 or 128).</summary>
    public required bool RouteRefresh { get; init; }
    /// <summary>RFC 7313 section 4: BoRR/EoRR only when both advertised Enhanced Route Refresh.</summary>
    public required bool EnhancedRouteRefresh { get; init; }
    /// <summary>RFC 4760 section 8: families both sides carry (a side with no Multiprotocol capability carries IPv4 unicast).</summary>
    public required IReadOnlyList<AfiSafi> Families { get; init; }
    /// <summary>RFC 7911 section 4: families for which we send path identifiers (we can Send, the peer can Receive).</summary>
    public required IReadOnlyList<AfiSafi> AddPathSend { get; init; }
    /// <summary>RFC 7911 section 4: families for which the peer's UPDATEs carry path identifiers.</summary>
    public required IReadOnlyList<AfiSafi> AddPathReceive { get; init; }
    /// <summary>The peer's Graceful Restart capability (RFC 4724), if it sent one.</summary>
    public GracefulRestartCapability? PeerGracefulRestart { get; init; }
    /// <summary>The peer's BGP Role (RFC 9234), if it sent one.</summary>
    public BgpRole? PeerRole { get; init; }

    public int MaxReceiveLength => BgpHeader.MaxLengthFor(ReceiveExtendedMessages);
    public int MaxSendLength => BgpHeader.MaxLengthFor(SendExtendedMessages);

    /// <summary>The codec settings for messages from the peer.</summary>
    public DecodeContext DecodeContext(PeerKind peer)
    {
        AddPathFamilies receive = default;
        foreach (AfiSafi f in AddPathReceive) receive = receive.With(f.Afi, f.Safi);
        return new DecodeContext
        {
            ExtendedMessages = ReceiveExtendedMessages,
            Update = new UpdateDecodeContext(FourOctetAs, peer, receive, PeerAs),
        };
    }

    /// <summary>The codec settings for UPDATEs to the peer.</summary>
    public UpdateEncodeContext EncodeContext(bool forReadvertisement = false)
    {
        AddPathFamilies send = default;
        foreach (AfiSafi f in AddPathSend) send = send.With(f.Afi, f.Safi);
        return new UpdateEncodeContext(FourOctetAs, send, forReadvertisement, MaxSendLength);
    }

    private static IEnumerable<AfiSafi> FamiliesOf(OpenMessage open)
    {
        var families = open.Families.Distinct().ToList();
        return families.Count == 0 ? [AfiSafi.Ipv4Unicast] : families;
    }

    private static Dictionary<AfiSafi, AddPathMode> AddPathOf(OpenMessage open)
    {
        var modes = new Dictionary<AfiSafi, AddPathMode>();
        foreach (AddPathCapability c in open.Capabilities.OfType<AddPathCapability>())
            foreach (AddPathFamily f in c.Families)
                modes.TryAdd(f.Family, f.Mode);
        return modes;
    }

    /// <summary>RFC 9234 section 4.2: the role pairs that may form a session.</summary>
    public static bool RolesMatch(BgpRole local, BgpRole remote) => (local, remote) switch
    {
        (BgpRole.Provider, BgpRole.Customer) or (BgpRole.Customer, BgpRole.Provider) => true,
        (BgpRole.RouteServer, BgpRole.RouteServerClient) or (BgpRole.RouteServerClient, BgpRole.RouteServer) => true,
        (BgpRole.Peer, BgpRole.Peer) => true,
        _ => false,
    };

    /// <summary>
    /// Applies the OPEN-level rules that need both OPENs or local configuration; returns false with the
    /// NOTIFICATION to send (Bad Peer AS, Bad BGP Identifier, Role Mismatch). Both OPENs must have
    /// decoded cleanly (<see cref="OpenMessage.TryDecode"/>).
    /// </summary>
    public static bool TryNegotiate(OpenMessage local, OpenMessage remote, in CapabilityNegotiationPolicy policy,
        out NegotiatedCapabilities? session, out WireError? error)
    {
        session = null;
        uint peerAs = remote.AsNumber;
        if (policy.ExpectedPeerAs != 0 && peerAs != policy.ExpectedPeerAs)
        {
            // RFC 4271 section 6.2; RFC 6793 section 4.1 compares the 4-octet AS when the capability is present.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, default,
                $"peer says AS {peerAs}, configured AS {policy.ExpectedPeerAs}");
            return false;
        }
        if (remote.BgpIdentifier == local.BgpIdentifier && peerAs == local.AsNumber)
        {
            // RFC 6286 section 2.2: identifiers must differ between internal peers.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier, default,
                "internal peer uses our own BGP Identifier");
            return false;
        }

        var remoteRoles = remote.Capabilities.OfType<RoleCapability>().Select(r => r.Role).Distinct().ToList();
        BgpRole? localRole = local.Get<RoleCapability>()?.Role;
        if (remoteRoles.Count > 1)
        {
            // RFC 9234 section 4.2: several Role capabilities with different values.
            error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.RoleMismatch, default, "peer sent conflicting BGP Roles");
            return false;
        }
        BgpRole? peerRole = remoteRoles.Count == 1 ? remoteRoles[0] : null;
        if (localRole is { } lr)
        {
            if (peerRole is { } pr && !RolesMatch(lr, pr))
            {
                error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.RoleMismatch, default, $"our role {lr}, peer's role {pr}");
                return false;
            }
            if (peerRole is null && policy.StrictRole)
            {
                error = WireError.Reset(ErrorCode.OpenMessage, OpenSubcode.RoleMismatch, default, "strict mode and the peer sent no BGP Role");
                return false;
            }
        }

        var remoteFamilies = FamiliesOf(remote).ToHashSet();
        var families = FamiliesOf(local).Where(remoteFamilies.Contains).ToList();
        var localAp = AddPathOf(local);
        var remoteAp = AddPathOf(remote);
        var send = new List<AfiSafi>();
        var receive = new List<AfiSafi>();
        foreach (AfiSafi f in families)
        {
            if (!localAp.TryGetValue(f, out AddPathMode lm) || !remoteAp.TryGetValue(f, out AddPathMode rm)) continue;
            var l = new AddPathFamily(f, lm);
            var r = new AddPathFamily(f, rm);
            if (l.CanSend && r.CanReceive) send.Add(f);
            if (l.CanReceive && r.CanSend) receive.Add(f);
        }

        session = new NegotiatedCapabilities
        {
            PeerAs = peerAs,
            PeerBgpIdentifier = remote.BgpIdentifier,
            HoldTime = Math.Min(local.HoldTime, remote.HoldTime),
            FourOctetAs = local.Has(CapabilityCode.FourOctetAs) && remote.Has(CapabilityCode.FourOctetAs),
            ReceiveExtendedMessages = local.Has(CapabilityCode.ExtendedMessage),
            SendExtendedMessages = remote.Has(CapabilityCode.ExtendedMessage),
            RouteRefresh = remote.Has(CapabilityCode.RouteRefresh) || remote.Has(CapabilityCode.CiscoRouteRefresh),
            EnhancedRouteRefresh = local.Has(CapabilityCode.EnhancedRouteRefresh) && remote.Has(CapabilityCode.EnhancedRouteRefresh),
            Families = families,
            AddPathSend = send,
            AddPathReceive = receive,
            PeerGracefulRestart = remote.Get<GracefulRestartCapability>(),
            PeerRole = peerRole,
        };
        error = null;
        return true;
    }
}
