using System.Net;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Session;

/// <summary>
/// Everything configured for one neighbor: the RFC 4271 section 8.1.1 session attributes
/// (mandatory and optional), the capabilities we advertise and require, and the transport
/// endpoints. Immutable: a configuration change builds a new instance, and the service decides
/// whether the difference needs a new session.
/// </summary>
public sealed record NeighborSettings
{
    // ---- identity and transport -------------------------------------------------------------
    public required IPAddress PeerAddress { get; init; }
    /// <summary>The peer's AS; checked against the OPEN (RFC 4271 6.2 Bad Peer AS).</summary>
    public required uint PeerAs { get; init; }
    public required uint LocalAs { get; init; }
    /// <summary>Our BGP Identifier (RFC 4271 4.2), as a host-order integer.</summary>
    public required uint RouterId { get; init; }
    /// <summary>TCP port we dial on the peer.</summary>
    public int PeerPort { get; init; } = 179;
    /// <summary>Source address for outbound connections (null: chosen by the kernel).</summary>
    public IPAddress? LocalAddress { get; init; }
    /// <summary>Source port for outbound connections (0: ephemeral).</summary>
    public int LocalPort { get; init; }
    public string? Description { get; init; }

    /// <summary>Dynamic neighbors from a range with an AS range: the peer's OPEN may carry any AS from Min to Max
    /// (RFC 4271 6.2 Bad Peer AS otherwise), and the session is internal when it carries ours. Null: exactly <see cref="PeerAs"/>.</summary>
    public (uint Min, uint Max)? PeerAsRange { get; init; }

    public bool IsInternal => PeerAs == LocalAs;

    /// <summary>Whether the peer's AS is acceptable: <see cref="PeerAs"/>, or within <see cref="PeerAsRange"/>.</summary>
    public bool AcceptsPeerAs(uint asn) => PeerAsRange is { } r ? asn >= r.Min && asn <= r.Max : asn == PeerAs;

    // ---- mandatory session attributes, RFC 4271 8.1.1 -----------------------------------------
    /// <summary>ConnectRetryTime; RFC 4271 10 suggests 120 s.</summary>
    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>How long one outbound TCP handshake may take; the FSM bounds it by <see cref="ConnectRetryTime"/>, since
    /// the ConnectRetryTimer abandons the attempt then anyway (RFC 4271 8.2.2 Connect, Event 9).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>HoldTime we offer in our OPEN; 0 or at least 3 s (RFC 4271 4.2). Suggested 90 s.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromSeconds(90);
    /// <summary>KeepaliveTime; null means one third of the negotiated hold time (RFC 4271 10).
    /// A configured value is used only when lower than that third.</summary>
    public TimeSpan? KeepaliveTime { get; init; }
    /// <summary>The "large value" the HoldTimer gets in OpenSent, RFC 4271 8.2.2 (suggested 4 minutes).</summary>
    public TimeSpan OpenSentHoldTime { get; init; } = TimeSpan.FromMinutes(4);
    /// <summary>The smallest hold time we accept from the peer (other than 0); RFC 4271 says 3 s.</summary>
    public TimeSpan MinHoldTime { get; init; } = TimeSpan.FromSeconds(3);

    // ---- optional session attributes, RFC 4271 8.1.1 -------------------------------------------
    public bool AllowAutomaticStart { get; init; } = true;
    public bool AllowAutomaticStop { get; init; } = true;
    public bool DampPeerOscillations { get; init; } = true;
    /// <summary>First IdleHoldTime; doubles on each consecutive failure up to <see cref="MaxIdleHoldTime"/>.</summary>
    public TimeSpan IdleHoldTime { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxIdleHoldTime { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>After this long in Established the IdleHoldTime goes back to its first value.</summary>
    public TimeSpan IdleHoldStablePeriod { get; init; } = TimeSpan.FromMinutes(2);
    public bool DelayOpen { get; init; }
    public TimeSpan DelayOpenTime { get; init; } = TimeSpan.FromSeconds(5);
    public bool PassiveTcpEstablishment { get; init; }
    public bool SendNotificationWithoutOpen { get; init; }
    public bool CollisionDetectEstablishedState { get; init; }

    /// <summary>RFC 9687 SendHoldTime; null means max(8 minutes, 2 x negotiated hold time). Zero disables.</summary>
    public TimeSpan? SendHoldTime { get; init; }

    // ---- capabilities (RFC 5492) -------------------------------------------------------------
    public CapabilitySettings Capabilities { get; init; } = new();

    /// <summary>The RFC 8203/9003 shutdown communication sent with Cease/2 and Cease/4 when none is given.</summary>
    /// <summary>RFC 8538 section 5 leaves Cease / Administrative Reset "provisional": with the N bit negotiated we send
    /// it as a Hard Reset (the peer flushes our routes) when true, as is, so both sides keep the routes across the
    /// reset, when false. FRR's <c>bgp hard-administrative-reset</c>, on by default there too.</summary>
    public bool HardAdministrativeReset { get; init; } = true;

    public string? ShutdownCommunication { get; init; }

    // ---- transport security and TTL -------------------------------------------------------------
    /// <summary>TCP MD5 signature key (RFC 2385); null: unsigned. At most 80 octets (the kernel's TCP_MD5SIG_MAXKEYLEN).</summary>
    public string? Password { get; init; }
    /// <summary>GTSM (RFC 5082): the peer is at most this many hops away, so we send TTL 255 and accept only
    /// TTL &gt;= 256 - hops. Null: off. Excludes <see cref="MultihopTtl"/>.</summary>
    public int? TtlSecurityHops { get; init; }
    /// <summary>TTL of our packets for a peer that is not directly connected; null: 1 for external peers,
    /// 255 for internal ones.</summary>
    public int? MultihopTtl { get; init; }

    // ---- BFD, RFC 5882 ------------------------------------------------------------------------------
    /// <summary>A BFD session to the peer (RFC 5880/5881/5883) whose failure ends the BGP session at once (RFC 5882,
    /// Cease/10 BFD Down, RFC 9384); null: no BFD. Changing it at run time does not touch the BGP session.</summary>
    public Bfd.BfdSettings? Bfd { get; init; }

    // ---- routing policy, used by the RIB ------------------------------------------------------------
    /// <summary>Applied to routes received from this neighbor before they enter the Adj-RIB-In's accepted view.</summary>
    public RoutePolicy Import { get; init; } = RoutePolicy.AcceptAll;
    /// <summary>Applied to routes before they are advertised to this neighbor.</summary>
    public RoutePolicy Export { get; init; } = RoutePolicy.AcceptAll;
    /// <summary>Maximum number of prefixes accepted from the neighbor per family (RFC 4486 Cease/1); null: unlimited.</summary>
    public MaxPrefixLimit? MaxPrefix { get; init; }
    /// <summary>RFC 4456: reflect routes learned from other internal peers to this one.</summary>
    public bool RouteReflectorClient { get; init; }
    /// <summary>Rewrite NEXT_HOP to our session address on routes sent to this neighbor.</summary>
    public bool NextHopSelf { get; init; }
    /// <summary>Pass the received NEXT_HOP on unchanged, to external neighbors too (route servers). Excludes <see cref="NextHopSelf"/>.</summary>
    public bool NextHopUnchanged { get; init; }
    /// <summary>Send MULTI_EXIT_DISC learned from other ASes to this external neighbor (RFC 4271 5.1.4 says not to).</summary>
    public bool SendMed { get; init; }
    /// <summary>MinRouteAdvertisementIntervalTimer (RFC 4271 9.2.1.1); zero sends each batch of changes at once.</summary>
    public TimeSpan MinRouteAdvertisementInterval { get; init; }
    /// <summary>How long a restarted peer's stale routes wait for its End-of-RIB before they are removed anyway;
    /// RFC 4724 4.2 leaves this bound to local configuration.</summary>
    public TimeSpan StalePathTime { get; init; } = TimeSpan.FromSeconds(360);

    /// <summary>Keep the routes the import policy rejects (flagged, never selected), so the neighbor's pre-policy
    /// Adj-RIB-In can be shown: BIRD's <c>import keep filtered</c>, FRR's <c>soft-reconfiguration inbound</c>.</summary>
    public bool KeepFiltered { get; init; }
    /// <summary>How long after a BoRR the routes not re-advertised wait for EoRR before they are removed anyway
    /// (RFC 7313 section 4's configurable deadline).</summary>
    public TimeSpan RefreshStalePathTime { get; init; } = TimeSpan.FromSeconds(360);

    /// <summary>The negotiated hold time's keepalive: a third, or the configured value if lower.</summary>
    public TimeSpan KeepaliveFor(TimeSpan negotiatedHoldTime)
    {
        if (negotiatedHoldTime == TimeSpan.Zero) return TimeSpan.Zero;
        var third = TimeSpan.FromTicks(negotiatedHoldTime.Ticks / 3);
        return KeepaliveTime is { } k && k > TimeSpan.Zero && k < third ? k : third;
    }

    /// <summary>RFC 9687 section 3: the send hold time for a negotiated hold time.</summary>
    public TimeSpan SendHoldTimeFor(TimeSpan negotiatedHoldTime) =>
        SendHoldTime ?? TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(8).Ticks, 2 * negotiatedHoldTime.Ticks));
}

/// <summary>Which capabilities we advertise to one neighbor, and which the neighbor must advertise back.</summary>
public sealed record CapabilitySettings
{
    public bool Ipv4Unicast { get; init; } = true;
    public bool Ipv6Unicast { get; init; } = true;
    public bool RouteRefresh { get; init; } = true;
    public bool EnhancedRouteRefresh { get; init; } = true;
    public bool FourOctetAs { get; init; } = true;
    /// <summary>Graceful restart (RFC 4724) as a helper only: restart time advertised, no forwarding-state flags.</summary>
    public bool GracefulRestartHelper { get; init; } = true;
    public TimeSpan GracefulRestartTime { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>RFC 4724 section 3: list our families in the capability (with the Forwarding State bit: what we
    /// announce comes from configuration and the API, not from a forwarding table a crash could lose), so that a
    /// helper keeps our routes while we restart and replaces them at our End-of-RIB. Needs GracefulRestartHelper.</summary>
    public bool GracefulRestartRestartingSpeaker { get; init; }
    /// <summary>RFC 8538 section 2: the N bit in our Graceful Restart capability. When both sides set it, a session
    /// that ends with a NOTIFICATION other than Cease / Hard Reset keeps its routes as if the TCP connection had
    /// failed (RFC 8538 section 4), and the NOTIFICATIONs meant to flush routes go out as Hard Reset.</summary>
    public bool GracefulRestartNotification { get; init; } = true;
    /// <summary>This start follows a restart (the service's --restarting): the Restart State bit goes in the OPENs
    /// until the session has been Established once. Runtime state, not configuration: left out of Equals.</summary>
    public bool Restarted { get; init; }
    public bool ExtendedMessages { get; init; } = true;
    /// <summary>RFC 8950: advertise Extended Next Hop Encoding for IPv4 unicast with IPv6 next hops, so that over an
    /// IPv6 session without an IPv4 address of ours (unnumbered fabrics) IPv4 routes carry an IPv6 next hop. Off by
    /// default, as in BIRD; FRR turns it on for link-local sessions.</summary>
    public bool ExtendedNextHop { get; init; }
    /// <summary>RFC 7911: advertise ADD-PATH Receive for our families, so that the neighbor may send several paths per
    /// prefix, each with its own path identifier (kept apart in the Adj-RIB-In).</summary>
    public bool AddPathReceive { get; init; }
    /// <summary>RFC 7911: advertise ADD-PATH Send, and send this many paths per prefix (the best ones, in decision
    /// order) to a neighbor that can receive them; 0: off, <see cref="AddPathSendAll"/>: every usable path.</summary>
    public int AddPathSend { get; init; }
    public const int AddPathSendAll = int.MaxValue;
    /// <summary>Our BGP Role on an external session (RFC 9234 section 4.1); advertised and checked against the
    /// peer's when set (a pair outside section 4.2's table is Role Mismatch, 2/11). Null: no role.</summary>
    public BgpRole? Role { get; init; }
    /// <summary>RFC 9234 section 4.2 strict mode: a peer that sends no BGP Role gets 2/11.</summary>
    public bool StrictRole { get; init; }
    /// <summary>Capability codes (RFC 5492) the neighbor must advertise; missing one gives OPEN error 2/7.</summary>
    public IReadOnlySet<byte> Required { get; init; } = new HashSet<byte>();
    /// <summary>Families (AFI/SAFI) the neighbor must advertise in its multiprotocol capability.</summary>
    public IReadOnlySet<AfiSafi> RequiredFamilies { get; init; } = new HashSet<AfiSafi>();

    // Records compare the sets by reference; a reload must see an unchanged configuration as unchanged.
    public bool Equals(CapabilitySettings? other) =>
        other is not null && Ipv4Unicast == other.Ipv4Unicast && Ipv6Unicast == other.Ipv6Unicast
        && RouteRefresh == other.RouteRefresh && EnhancedRouteRefresh == other.EnhancedRouteRefresh
        && FourOctetAs == other.FourOctetAs && GracefulRestartHelper == other.GracefulRestartHelper
        && GracefulRestartTime == other.GracefulRestartTime && GracefulRestartRestartingSpeaker == other.GracefulRestartRestartingSpeaker
        && GracefulRestartNotification == other.GracefulRestartNotification
        && ExtendedMessages == other.ExtendedMessages && ExtendedNextHop == other.ExtendedNextHop
        && AddPathReceive == other.AddPathReceive && AddPathSend == other.AddPathSend
        && Role == other.Role && StrictRole == other.StrictRole
        && Required.SetEquals(other.Required) && RequiredFamilies.SetEquals(other.RequiredFamilies);

    public override int GetHashCode() =>
        HashCode.Combine(Ipv4Unicast, Ipv6Unicast, RouteRefresh, FourOctetAs, GracefulRestartTime, Required.Count, RequiredFamilies.Count);
}

public enum PolicyAction { Accept, Reject }

/// <summary>
/// An ordered list of rules; the first rule whose conditions all match decides, otherwise
/// <see cref="DefaultAction"/>. Plain data as configured (the RIB turns it into its own filter type), so
/// two configurations can be compared on reload.
/// </summary>
public sealed record RoutePolicy
{
    public static readonly RoutePolicy AcceptAll = new() { DefaultAction = PolicyAction.Accept };
    public static readonly RoutePolicy RejectAll = new() { DefaultAction = PolicyAction.Reject };

    public PolicyAction DefaultAction { get; init; } = PolicyAction.Accept;
    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];

    // Records compare lists by reference; a reload must see two equal policies as unchanged.
    public bool Equals(RoutePolicy? other) =>
        other is not null && DefaultAction == other.DefaultAction && Rules.SequenceEqual(other.Rules);

    public override int GetHashCode() => HashCode.Combine(DefaultAction, Rules.Count);
}

/// <summary>
/// One policy rule; unset conditions match everything. <see cref="Prefix"/> alone matches exactly that prefix;
/// with <see cref="MinLength"/> (ge) and/or <see cref="MaxLength"/> (le) it matches prefixes inside it whose
/// length is in [ge or the prefix length, le or the family's maximum] (prefix-list semantics).
/// </summary>
public sealed record PolicyRule
{
    public Prefix? Prefix { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    /// <summary>Matches when the route carries any of these communities.</summary>
    public IReadOnlyList<Community> Communities { get; init; } = [];
    /// <summary>Matches when the route carries any of these large communities.</summary>
    public IReadOnlyList<LargeCommunity> LargeCommunities { get; init; } = [];
    /// <summary>Matches when this AS appears anywhere in the AS_PATH.</summary>
    public uint? AsPathContains { get; init; }
    /// <summary>Matches routes in this RFC 6811 validation state (import policies only).</summary>
    public AkkaBgp.Rpki.RovState? Rpki { get; init; }
    /// <summary>Matches routes with this ASPA verification outcome (import policies only; external sessions with a role).</summary>
    public AkkaBgp.Rpki.AspaState? Aspa { get; init; }

    public PolicyAction Action { get; init; } = PolicyAction.Accept;
    public uint? SetLocalPref { get; init; }
    public uint? SetMed { get; init; }
    public IReadOnlyList<Community> AddCommunities { get; init; } = [];
    public IReadOnlyList<Community> RemoveCommunities { get; init; } = [];
    public IReadOnlyList<LargeCommunity> AddLargeCommunities { get; init; } = [];

    public bool Equals(PolicyRule? other) =>
        other is not null && Prefix == other.Prefix && MinLength == other.MinLength && MaxLength == other.MaxLength
        && Communities.SequenceEqual(other.Communities) && LargeCommunities.SequenceEqual(other.LargeCommunities)
        && AsPathContains == other.AsPathContains && Rpki == other.Rpki && Aspa == other.Aspa && Action == other.Action
        && SetLocalPref == other.SetLocalPref && SetMed == other.SetMed
        && AddCommunities.SequenceEqual(other.AddCommunities) && RemoveCommunities.SequenceEqual(other.RemoveCommunities)
        && AddLargeCommunities.SequenceEqual(other.AddLargeCommunities);

    public override int GetHashCode() => HashCode.Combine(Prefix, MinLength, MaxLength, Action);
}

/// <summary>RFC 4486 section 4 maximum-prefix handling, applied to each address family of one neighbor.</summary>
public sealed record MaxPrefixLimit
{
    /// <summary>More accepted prefixes than this in one family closes the session with Cease/1.</summary>
    public required int Limit { get; init; }
    /// <summary>Percentage of <see cref="Limit"/> at which a warning is logged.</summary>
    public int WarningThresholdPercent { get; init; } = 90;
    /// <summary>After a Cease/1, the session starts again after this long; null: stays down until started by hand.</summary>
    public TimeSpan? RestartInterval { get; init; }
}
