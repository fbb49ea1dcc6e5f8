using AkkaBgp.Actors;
using AkkaBgp.Rib.Advertise;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

// Messages between the RIB's own actors. All are dead-letter-suppressed: after a session goes down, partitions
// may still export a few changes to its stopped Adj-RIB-Out actor, which is expected and not worth a log line.

/// <summary>One route change for a partition: <paramref name="Attributes"/> null means withdraw;
/// <paramref name="Filtered"/> marks a route the import policy rejected, kept for the pre-policy view.</summary>
internal readonly record struct RouteOp(Prefix Prefix, PathAttributes? Attributes, byte[]? MpNextHop, bool Filtered = false);

/// <summary>A session came up: the partition registers it as a route source and destination, then sends it
/// its share of the Loc-RIB (initial table, RFC 4271 9.2) and a <see cref="DumpDone"/>.</summary>
internal sealed record PartitionPeerUp(RibPeer Peer, IActorRef Outbound) : IDeadLetterSuppression;

/// <summary>A session left Established: drop its paths and advertise the resulting changes; answer <see cref="PeerPurged"/>.</summary>
internal sealed record PartitionPeerDown(int Slot) : IDeadLetterSuppression;

internal sealed record PeerPurged(int Slot) : IDeadLetterSuppression;

/// <summary>Route changes from one peer; the partition answers <see cref="BatchDone"/> to the sender.</summary>
internal sealed record PartitionBatch(RibPeer From, List<RouteOp> Ops, long Sequence) : IDeadLetterSuppression;

/// <summary>Accepted-path count deltas of the batch's peer, per family, for max-prefix and the counters.</summary>
internal sealed record BatchDone(long Sequence, int DeltaV4, int DeltaV6, int IneligibleDeltaV4, int IneligibleDeltaV6,
    int FilteredDeltaV4 = 0, int FilteredDeltaV6 = 0) : IDeadLetterSuppression;

/// <summary>Re-send this partition's share of the table to one neighbor (route refresh).</summary>
internal sealed record PartitionDump(RibPeer Peer, AfiSafi Family, long Round) : IDeadLetterSuppression;

/// <summary>A partition has sent everything for a dump round (0: initial table).</summary>
internal sealed record DumpDone(long Round) : IDeadLetterSuppression;

/// <summary>Changes to advertise to one neighbor, in the order the partition produced them.</summary>
internal sealed record OutboundChanges(List<(Prefix Prefix, OutRoute? Route)> Changes) : IDeadLetterSuppression;

internal sealed record OutboundFlush : IDeadLetterSuppression
{
    public static readonly OutboundFlush Instance = new();
}

internal sealed record OutboundRefresh(AfiSafi Family, long Round) : IDeadLetterSuppression;

internal sealed record PartitionSummaryQuery(IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;

internal sealed record PartitionSummary(long QueryId, long V4Prefixes, long V4Paths, long V4Best, long V6Prefixes, long V6Paths, long V6Best, int AttributeSets) : IDeadLetterSuppression;

internal sealed record PartitionLookup(LookupRoutes Query, IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;

internal sealed record PartitionLookupResult(long QueryId, List<(Prefix Prefix, List<RouteView> Paths)> Matches) : IDeadLetterSuppression;

internal sealed record InboundFlush : IDeadLetterSuppression
{
    public static readonly InboundFlush Instance = new();
}

internal sealed record InboundStop : IDeadLetterSuppression;

internal sealed record InboundCountersQuery(IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;
