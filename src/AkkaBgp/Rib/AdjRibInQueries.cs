using System.Net;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib;

// The FSM's messages to the RIB (PeerUp, PeerDown, PeerUpdate, PeerRouteRefresh) live in
// AkkaBgp.Session (SessionEvents.cs); these are the RIB's own queries.

/// <summary>Asks the Adj-RIB-In for its contents: all neighbors, or only <paramref name="Peer"/>.
/// Answered with <see cref="AdjRibInSnapshot"/>.</summary>
public sealed record GetAdjRibIn(IPAddress? Peer = null, bool IncludePrefixes = true);

/// <summary>The routes one neighbor has given us, sorted.</summary>
public sealed record NeighborRoutes(IPAddress Peer, bool Up, IReadOnlyList<Prefix> Ipv4, IReadOnlyList<Prefix> Ipv6,
    int Ipv4Count, int Ipv6Count, long UpdatesReceived, long TreatAsWithdrawCount);

/// <summary>Per-neighbor routes and the totals over all neighbors.</summary>
public sealed record AdjRibInSnapshot(IReadOnlyList<NeighborRoutes> Neighbors, int TotalIpv4, int TotalIpv6)
{
    public NeighborRoutes? For(IPAddress peer) => Neighbors.FirstOrDefault(n => n.Peer.Equals(peer));
}
