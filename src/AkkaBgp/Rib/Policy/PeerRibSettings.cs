using AkkaBgp.Rib.Decision;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Policy;

/// <summary>How NEXT_HOP is set on routes we send (RFC 4271 5.1.3).</summary>
public enum NextHopMode
{
    /// <summary>Our session address to eBGP neighbors; unchanged to iBGP neighbors (RFC 4271 5.1.3 (1)-(3)).</summary>
    Default,
    /// <summary>Always our session address.</summary>
    Self,
    /// <summary>Pass the received NEXT_HOP on, to eBGP neighbors too (route servers; third-party next hop, 5.1.3 (2)).</summary>
    Unchanged,
}

/// <summary>RIB behaviour towards one neighbor: filters, limits, advertisement options.</summary>
public sealed record PeerRibSettings
{
    public static readonly PeerRibSettings Default = new();

    /// <summary>The neighbor is a route-reflector client of ours (RFC 4456).</summary>
    public bool RouteReflectorClient { get; init; }
    public NextHopMode NextHop { get; init; }
    /// <summary>Send MULTI_EXIT_DISC learned from other ASes to this eBGP neighbor; RFC 4271 5.1.4 says not to, so off by default.</summary>
    public bool SendMed { get; init; }
    public RouteFilter? Import { get; init; }
    /// <summary>Keep routes the import filter rejected (flagged, never selected), as BIRD's "import keep filtered":
    /// the Adj-RIB-In then has an exact pre-policy count and lookups show the rejected routes, at the memory
    /// cost of storing them. Off: a rejected route is handled as a withdrawal.</summary>
    public bool KeepFiltered { get; init; }
    public RouteFilter? Export { get; init; }
    /// <summary>Max-prefix per family (RFC 4486 Cease/1).</summary>
    public IReadOnlyDictionary<AfiSafi, MaxPrefixSettings> MaxPrefix { get; init; } = new Dictionary<AfiSafi, MaxPrefixSettings>();
    /// <summary>MinRouteAdvertisementIntervalTimer (RFC 4271 9.2.1.1). Zero (the default, as most daemons now use)
    /// sends as soon as a batch of changes has been processed.</summary>
    public TimeSpan MinRouteAdvertisementInterval { get; init; } = TimeSpan.Zero;
    /// <summary>Act as graceful-restart helper (RFC 4724 4.2) when the peer advertised the capability.</summary>
    public bool GracefulRestartHelper { get; init; } = true;
    /// <summary>After a restarted peer is back, how long its stale routes may wait for End-of-RIB before they are
    /// removed anyway (the "stalepath-time" of other daemons; RFC 4724 4.2 leaves it to configuration).</summary>
    public TimeSpan StalePathTime { get; init; } = TimeSpan.FromSeconds(360);
    /// <summary>How long after a BoRR the routes not re-advertised wait for EoRR (RFC 7313 4's configurable
    /// deadline) before they are removed anyway.</summary>
    public TimeSpan RefreshStalePathTime { get; init; } = TimeSpan.FromSeconds(360);
}

/// <summary>Speaker-wide RIB settings.</summary>
public sealed record RibSettings
{
    public required uint LocalAs { get; init; }
    /// <summary>Our BGP Identifier, host order.</summary>
    public required uint RouterId { get; init; }
    /// <summary>Route-reflection cluster id (RFC 4456 7); 0 means the router id.</summary>
    public uint ClusterId { get; init; }
    public uint EffectiveClusterId => ClusterId == 0 ? RouterId : ClusterId;
    public DecisionOptions Decision { get; init; } = DecisionOptions.Default;
    /// <summary>Loc-RIB partitions (actors), each owning the prefixes whose hash falls to it.</summary>
    public int Partitions { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Log sessions coming up and going down at info (off for <see cref="Engine.RibWarmUp"/>'s synthetic peer,
    /// which an operator must not mistake for a neighbor).</summary>
    public bool LogSessions { get; init; } = true;
}
