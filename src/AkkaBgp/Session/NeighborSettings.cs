using System.Net;
using AkkaBgp.Wire;

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

    public bool IsInternal => PeerAs == LocalAs;

    // ---- mandatory session attributes, RFC 4271 8.1.1 -----------------------------------------
    /// <summary>ConnectRetryTime; RFC 4271 10 suggests 120 s.</summary>
    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(120);
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
    public string? ShutdownCommunication { get; init; }

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
    public bool ExtendedMessages { get; init; } = true;
    /// <summary>Capability codes (RFC 5492) the neighbor must advertise; missing one gives OPEN error 2/7.</summary>
    public IReadOnlySet<byte> Required { get; init; } = new HashSet<byte>();
    /// <summary>Families (AFI/SAFI) the neighbor must advertise in its multiprotocol capability.</summary>
    public IReadOnlySet<AfiSafi> RequiredFamilies { get; init; } = new HashSet<AfiSafi>();
}
