using AkkaBgp.Wire;

namespace AkkaBgp.Session;

/// <summary>
/// What the OPEN exchange settled for one connection: the hold and keepalive times, and the
/// intersection of both sides' capabilities (RFC 5492 section 3: a capability is in use only
/// when both advertised it).
/// </summary>
public sealed record NegotiatedSession(
    TimeSpan HoldTime,
    TimeSpan KeepaliveTime,
    IReadOnlySet<AfiSafi> Families,
    bool FourOctetAs,
    bool RouteRefresh,
    bool EnhancedRouteRefresh,
    // RFC 8654: both sides advertised Extended Messages, so either may send them. What each direction
    // allows on its own is in ReceiveExtendedMessages/SendExtendedMessages.
    bool ExtendedMessages,
    uint PeerAs,
    uint PeerIdentifier,
    GracefulRestartCapability? PeerGracefulRestart,
    IReadOnlyList<Capability> PeerCapabilities)
{
    /// <summary>RFC 8654 section 3: "A BGP speaker that has advertised the BGP Extended Message capability MUST be
    /// capable of receiving" messages up to 65535 octets, whatever the peer advertised.</summary>
    public bool ReceiveExtendedMessages { get; init; }

    /// <summary>RFC 8654 section 4: we may send messages over 4096 octets only to a peer that advertised the
    /// capability (and only if we are configured for them, i.e. advertised it too).</summary>
    public bool SendExtendedMessages => ExtendedMessages;

    public int MaxReceiveLength => BgpHeader.MaxLengthFor(ReceiveExtendedMessages);

    public int MaxSendLength => BgpHeader.MaxLengthFor(SendExtendedMessages);

    /// <summary>RFC 8950 section 4: both sides advertised Extended Next Hop Encoding for IPv4 unicast NLRI with an
    /// IPv6 next hop, so IPv4 routes may go to the peer in MP_REACH_NLRI with an IPv6 next hop.</summary>
    public bool ExtendedNextHopIpv4 { get; init; }

    /// <summary>RFC 8538: both sides set the N bit in their Graceful Restart capability.</summary>
    public bool GracefulNotification { get; init; }

    /// <summary>Our configured BGP Role on this session (RFC 9234), null on internal sessions and without a role: what the
    /// RIB applies the OTC procedures of section 5 by.</summary>
    public BgpRole? LocalRole { get; init; }

    /// <summary>The peer's BGP Role (RFC 9234), when it sent one on an external session.</summary>
    public BgpRole? PeerRole { get; init; }

    /// <summary>RFC 7911 section 4: the families in which the peer's NLRI carry path identifiers (we said Receive and it
    /// said Send).</summary>
    public AddPathFamilies AddPathReceive { get; init; }

    /// <summary>RFC 7911 section 4: the families in which our NLRI carry path identifiers (we said Send and it said
    /// Receive); the RIB then sends up to <see cref="CapabilitySettings.AddPathSend"/> paths per prefix.</summary>
    public AddPathFamilies AddPathSend { get; init; }

    /// <summary>Paths per prefix to send where <see cref="AddPathSend"/> holds (our configuration).</summary>
    public int AddPathSendMax { get; init; }

    /// <summary>How the connection decodes from now on (RFC 6793 AS width, RFC 8654 receive limit, RFC 7606 peer kind).</summary>
    public DecodeContext Decode(NeighborSettings settings) => new()
    {
        ExtendedMessages = ReceiveExtendedMessages,
        Update = UpdateDecode(settings),
    };

    public UpdateDecodeContext UpdateDecode(NeighborSettings settings) =>
        new(FourOctetAs, IsInternal(settings) ? PeerKind.Internal : PeerKind.External, AddPathReceive, peerAs: PeerAs);

    /// <summary>Internal when the peer's AS is ours: the configured one, or for an AS range the one its OPEN carried.</summary>
    public bool IsInternal(NeighborSettings settings) =>
        settings.PeerAsRange is null ? settings.IsInternal : PeerAs == settings.LocalAs;

    public override string ToString() =>
        $"hold {HoldTime.TotalSeconds:0}s keepalive {KeepaliveTime.TotalSeconds:0}s families [{string.Join(", ", Families)}]"
        + (FourOctetAs ? " as4" : "") + (RouteRefresh ? " rr" : "") + (EnhancedRouteRefresh ? " err" : "")
        + (ExtendedMessages ? " extmsg" : ReceiveExtendedMessages ? " extmsg-receive" : "") + (PeerRole is { } r ? $" role {r}" : "") + (GracefulNotification ? " gr-notification" : "")
        + (AddPathReceive.IsEmpty ? "" : $" add-path-rx {AddPathReceive}") + (AddPathSend.IsEmpty ? "" : $" add-path-tx {AddPathSend}");
}

/// <summary>
/// Our side of the OPEN exchange: the OPEN we send for a neighbor's settings, and the session-level
/// checks of the peer's OPEN (RFC 4271 section 6.2, RFC 5492, RFC 6286, RFC 6793) that the codec
/// cannot make because they need the configuration.
/// </summary>
public static class OpenExchange
{
    /// <summary>The decoding rules before the OPEN exchange: 2-octet AS, 4096-octet messages.</summary>
    public static DecodeContext InitialDecode(NeighborSettings settings) => new()
    {
        Update = InitialUpdateDecode(settings),
    };

    public static UpdateDecodeContext InitialUpdateDecode(NeighborSettings settings) =>
        new(false, settings.IsInternal ? PeerKind.Internal : PeerKind.External, peerAs: settings.PeerAs);

    /// <summary>The capabilities we advertise, each encoded as it would go in our OPEN.</summary>
    public static IReadOnlyList<Capability> Capabilities(NeighborSettings settings) => Capabilities(settings, restarted: false);

    /// <param name="restarted">Set the Restart State bit (RFC 4724 section 3): the first OPENs after a restart.</param>
    public static IReadOnlyList<Capability> Capabilities(NeighborSettings settings, bool restarted)
    {
        var c = settings.Capabilities;
        var caps = new List<Capability>();
        if (c.Ipv4Unicast) caps.Add(new MultiprotocolCapability(AfiSafi.Ipv4Unicast));
        if (c.Ipv6Unicast) caps.Add(new MultiprotocolCapability(AfiSafi.Ipv6Unicast));
        if (c.RouteRefresh) caps.Add(RouteRefreshCapability.Standard);
        if (c.EnhancedRouteRefresh) caps.Add(EnhancedRouteRefreshCapability.Instance);
        // RFC 6793 section 3: the capability always carries our real AS, whatever goes in My AS.
        if (c.FourOctetAs) caps.Add(new FourOctetAsCapability(settings.LocalAs));
        if (c.GracefulRestartHelper)
        {
            // RFC 4724 section 3: no <AFI, SAFI> entries means "cannot preserve forwarding state, but
            // supports the receiving-speaker procedures", i.e. helper only.
            var seconds = (ushort)Math.Min(GracefulRestartCapability.MaxRestartTime, (int)c.GracefulRestartTime.TotalSeconds);
            // As a restarting speaker too: the families whose routes the helper should keep while we restart.
            GracefulRestartFamily[] families = !c.GracefulRestartRestartingSpeaker ? [] :
                [.. new[] { (c.Ipv4Unicast, AfiSafi.Ipv4Unicast), (c.Ipv6Unicast, AfiSafi.Ipv6Unicast) }
                    .Where(f => f.Item1).Select(f => new GracefulRestartFamily(f.Item2, forwardingPreserved: true))];
            caps.Add(GracefulRestartCapability.Create(seconds, restarting: restarted && c.GracefulRestartRestartingSpeaker, notification: c.GracefulRestartNotification, families));
        }
        if (c.ExtendedMessages) caps.Add(ExtendedMessageCapability.Instance);
        // RFC 8950 section 4: one entry, IPv4 unicast NLRI (AFI 1, SAFI 1) with a next hop of AFI 2.
        if (c.ExtendedNextHop && c.Ipv4Unicast) caps.Add(new ExtendedNextHopCapability(Ipv4OverIpv6));
        if (AddPath(c) is { } addPath) caps.Add(addPath);
        // RFC 9234 section 4.1: the Role capability belongs to external sessions.
        if (c.Role is { } role && !settings.IsInternal) caps.Add(new RoleCapability(role));
        return caps;
    }

    /// <summary>RFC 7911 section 4: one entry per family we carry, Send/Receive as configured; null when neither is.</summary>
    private static AddPathCapability? AddPath(CapabilitySettings c)
    {
        var mode = (c.AddPathReceive, c.AddPathSend > 0) switch
        {
            (true, true) => AddPathMode.Both,
            (true, false) => AddPathMode.Receive,
            (false, true) => AddPathMode.Send,
            _ => (AddPathMode)0,
        };
        if (mode == 0) return null;
        var families = new List<AddPathFamily>();
        if (c.Ipv4Unicast) families.Add(new AddPathFamily(AfiSafi.Ipv4Unicast, mode));
        if (c.Ipv6Unicast) families.Add(new AddPathFamily(AfiSafi.Ipv6Unicast, mode));
        return new AddPathCapability(families);
    }

    private static readonly ExtendedNextHopFamily Ipv4OverIpv6 = new(Afi.Ipv4, Safi.Unicast, Afi.Ipv6);

    public static OpenMessage BuildOpen(NeighborSettings settings, bool restarted = false)
    {
        // RFC 6793 section 3: a 4-octet AS puts AS_TRANS in the 2-octet My Autonomous System field.
        var myAs = settings.LocalAs > ushort.MaxValue ? OpenMessage.AsTrans : (ushort)settings.LocalAs;
        var hold = (ushort)Math.Min(ushort.MaxValue, (int)settings.HoldTime.TotalSeconds);
        return new OpenMessage(OpenMessage.BgpVersion, myAs, hold, settings.RouterId, Capabilities(settings, restarted));
    }

    /// <summary>
    /// Checks the peer's OPEN against our configuration and, when it is acceptable, negotiates the session.
    /// On failure <paramref name="error"/> is the NOTIFICATION to send (RFC 4271 Event 22 BGPOpenMsgErr).
    /// </summary>
    public static bool TryNegotiate(NeighborSettings settings, OpenMessage peer, out NegotiatedSession? session,
        out NotificationMessage? error, out string? reason)
    {
        session = null;
        error = null;
        reason = null;
        var ours = settings.Capabilities;

        if (peer.Version != OpenMessage.BgpVersion)
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, OpenMessage.BgpVersion]),
                $"peer offers BGP version {peer.Version}", out error, out reason);

        // RFC 6793 section 4.1: with both sides 4-octet capable the capability holds the peer's AS;
        // otherwise the session is 2-octet and a 4-octet peer AS shows up as AS_TRANS in My AS.
        var peerFourOctet = peer.Get<FourOctetAsCapability>();
        bool fourOctet = ours.FourOctetAs && peerFourOctet is not null;
        uint peerAs = fourOctet ? peerFourOctet!.Asn : peer.MyAs;
        uint expectedAs = fourOctet || settings.PeerAs <= ushort.MaxValue ? settings.PeerAs : OpenMessage.AsTrans;
        // A dynamic range with an AS range accepts any AS in it (a 2-octet peer's My AS as it stands).
        bool asAccepted = settings.PeerAsRange is not null ? settings.AcceptsPeerAs(peerAs) : peerAs == expectedAs;
        if (!asAccepted || peerAs == 0)
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs),
                $"peer says AS {peerAs}, configured AS " + (settings.PeerAsRange is { } r ? $"{r.Min}-{r.Max}" : $"{settings.PeerAs}"),
                out error, out reason);
        bool isInternal = settings.PeerAsRange is null ? settings.IsInternal : peerAs == settings.LocalAs;

        // RFC 6286 section 2.1: non-zero; and unique within an AS, so an iBGP peer must not use ours.
        if (peer.BgpIdentifier == 0 || (isInternal && peer.BgpIdentifier == settings.RouterId))
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier),
                $"BGP Identifier {peer.BgpIdentifierAddress} " + (peer.BgpIdentifier == 0 ? "is zero" : "is ours on an iBGP session"),
                out error, out reason);

        // RFC 4271 section 6.2: an Unacceptable Hold Time "MUST" be rejected for 1 and 2 s, and MAY be for
        // other values: we also reject values under our configured minimum.
        var peerHold = TimeSpan.FromSeconds(peer.HoldTime);
        if (peer.HoldTime != 0 && (peer.HoldTime < 3 || peerHold < settings.MinHoldTime))
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime),
                $"hold time {peer.HoldTime}s", out error, out reason);

        // RFC 5492 section 5: Unsupported Capability lists the capabilities we require and did not get,
        // each encoded as it would be in our OPEN.
        var missing = MissingRequired(settings, peer);
        if (missing.Count > 0)
        {
            var data = new byte[missing.Sum(c => c.EncodedLength)];
            int o = 0;
            foreach (var c in missing) o += c.Encode(data.AsSpan(o));
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, data),
                "required capabilities missing: " + string.Join(", ", missing), out error, out reason);
        }

        if (!TryRole(settings, isInternal, peer, out var peerRole, out var roleProblem))
            return Fail(new NotificationMessage(ErrorCode.OpenMessage, OpenSubcode.RoleMismatch), roleProblem!, out error, out reason);

        var hold = peerHold < settings.HoldTime ? peerHold : settings.HoldTime;
        var families = NegotiatedFamilies(settings, peer);
        var (addPathRx, addPathTx) = AddPathFamilies.Negotiate(AddPath(ours), peer.Get<AddPathCapability>());
        session = new NegotiatedSession(
            HoldTime: hold,
            KeepaliveTime: settings.KeepaliveFor(hold),
            Families: families,
            FourOctetAs: fourOctet,
            RouteRefresh: ours.RouteRefresh && (peer.Has(CapabilityCode.RouteRefresh) || peer.Has(CapabilityCode.CiscoRouteRefresh)),
            EnhancedRouteRefresh: ours.EnhancedRouteRefresh && peer.Has(CapabilityCode.EnhancedRouteRefresh),
            ExtendedMessages: ours.ExtendedMessages && peer.Has(CapabilityCode.ExtendedMessage),
            PeerAs: fourOctet || settings.PeerAsRange is not null ? peerAs : settings.PeerAs,
            PeerIdentifier: peer.BgpIdentifier,
            PeerGracefulRestart: peer.Get<GracefulRestartCapability>(),
            PeerCapabilities: peer.Capabilities)
        {
            ReceiveExtendedMessages = ours.ExtendedMessages,
            PeerRole = peerRole,
            LocalRole = isInternal ? null : ours.Role,
            // RFC 8950 section 4: in use only for the <NLRI AFI, SAFI, next-hop AFI> triples both sides listed.
            ExtendedNextHopIpv4 = ours.ExtendedNextHop && ours.Ipv4Unicast
                && peer.Capabilities.OfType<ExtendedNextHopCapability>().Any(e => e.Families.Contains(Ipv4OverIpv6)),
            AddPathReceive = OnlyIn(addPathRx, families),
            AddPathSend = OnlyIn(addPathTx, families),
            AddPathSendMax = ours.AddPathSend,
            GracefulNotification = ours.GracefulRestartHelper && ours.GracefulRestartNotification
                && peer.Get<GracefulRestartCapability>() is { NotificationSupport: true },
        };
        return true;
    }

    /// <summary>ADD-PATH matters only for the families the session carries.</summary>
    private static AddPathFamilies OnlyIn(AddPathFamilies set, IReadOnlySet<AfiSafi> families)
    {
        var result = AddPathFamilies.None;
        foreach (var f in families)
            if (set.Contains(f)) result = result.With(f);
        return result;
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
    /// RFC 9234 section 4.2, on external sessions with a configured role: "If the BGP Role Capability is received
    /// ... with a role that does not correspond [to ours] ... the speaker MUST reject the connection with the Role
    /// Mismatch Notification (code 2, subcode 11)"; the same for several Role capabilities with different values,
    /// and in strict mode for a peer that sends none. Without a role of ours, the peer's is only recorded.
    /// </summary>
    private static bool TryRole(NeighborSettings settings, bool isInternal, OpenMessage peer, out BgpRole? peerRole, out string? problem)
    {
        peerRole = null;
        problem = null;
        if (isInternal) return true;
        var roles = peer.Capabilities.OfType<RoleCapability>().Select(r => r.Role).Distinct().ToList();
        if (roles.Count == 1) peerRole = roles[0];
        if (settings.Capabilities.Role is not { } ours) return true;
        if (roles.Count > 1)
            problem = "peer sent conflicting BGP Roles: " + string.Join(", ", roles);
        else if (peerRole is { } theirs && !RolesMatch(ours, theirs))
            problem = $"our role {ours}, peer's role {theirs}";
        else if (peerRole is null && settings.Capabilities.StrictRole)
            problem = "strict BGP Role and the peer sent none";
        return problem is null;
    }

    private static bool Fail(NotificationMessage notification, string why, out NotificationMessage? error, out string? reason)
    {
        error = notification;
        reason = why;
        return false;
    }

    private static HashSet<AfiSafi> AdvertisedFamilies(NeighborSettings settings)
    {
        var set = new HashSet<AfiSafi>();
        if (settings.Capabilities.Ipv4Unicast) set.Add(AfiSafi.Ipv4Unicast);
        if (settings.Capabilities.Ipv6Unicast) set.Add(AfiSafi.Ipv6Unicast);
        return set;
    }

    private static HashSet<AfiSafi> PeerFamilies(OpenMessage peer)
    {
        var set = peer.Families.ToHashSet();
        // RFC 4760 section 8 / RFC 4271: a speaker without any Multiprotocol capability does IPv4 unicast.
        if (!peer.Has(CapabilityCode.Multiprotocol)) set.Add(AfiSafi.Ipv4Unicast);
        return set;
    }

    private static IReadOnlySet<AfiSafi> NegotiatedFamilies(NeighborSettings settings, OpenMessage peer)
    {
        var families = AdvertisedFamilies(settings);
        families.IntersectWith(PeerFamilies(peer));
        return families;
    }

    private static List<Capability> MissingRequired(NeighborSettings settings, OpenMessage peer)
    {
        var missing = new List<Capability>();
        var advertised = Capabilities(settings);
        foreach (var code in settings.Capabilities.Required.Order())
        {
            if (code == CapabilityCode.Multiprotocol) continue; // families are checked one by one below
            bool present = peer.Has(code) || (code == CapabilityCode.RouteRefresh && peer.Has(CapabilityCode.CiscoRouteRefresh));
            if (present) continue;
            missing.Add(advertised.FirstOrDefault(c => c.Code == code) ?? new UnknownCapability(code, []));
        }
        var peerFamilies = peer.Families.ToHashSet();
        var requiredFamilies = settings.Capabilities.RequiredFamilies.ToHashSet();
        if (settings.Capabilities.Required.Contains(CapabilityCode.Multiprotocol))
            requiredFamilies.UnionWith(AdvertisedFamilies(settings));
        foreach (var family in requiredFamilies.OrderBy(f => f.Afi).ThenBy(f => f.Safi))
            if (!peerFamilies.Contains(family)) missing.Add(new MultiprotocolCapability(family));
        return missing;
    }
}
