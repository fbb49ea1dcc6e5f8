using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Advertise;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

// Messages between the RIB's own actors. All are dead-letter-suppressed: after a session goes down, partitions
// may still export a few changes to its stopped Adj-RIB-Out actor, which is expected and not worth a log line.

/// <summary>One route change for a partition: <paramref name="Attributes"/> null means withdraw;
/// <paramref name="Filtered"/> marks a route the import policy rejected, kept for the pre-policy view;
/// <paramref name="PathId"/> is the peer's ADD-PATH path identifier (RFC 7911), 0 without ADD-PATH.</summary>
internal readonly record struct RouteOp(Prefix Prefix, PathAttributes? Attributes, byte[]? MpNextHop, bool Filtered = false, bool OtcLeak = false, uint PathId = 0);

/// <summary>A session came up: the partition registers it as a route source and destination, then sends it
/// its share of the Loc-RIB (initial table, RFC 4271 9.2) and a <see cref="DumpDone"/>.</summary>
internal sealed record PartitionPeerUp(RibPeer Peer, IActorRef Outbound) : IDeadLetterSuppression;

/// <summary>A session left Established: drop its paths and advertise the resulting changes; answer <see cref="PeerPurged"/>.</summary>
internal sealed record PartitionPeerDown(int Slot) : IDeadLetterSuppression;

internal sealed record PeerPurged(int Slot) : IDeadLetterSuppression;

/// <summary>Route changes from one peer; the partition answers <see cref="BatchDone"/> to the sender.</summary>
/// <remarks>The first <paramref name="Count"/> of <paramref name="Ops"/> are the batch. The array is rented from
/// <see cref="Pool"/> by the sender and returned by the partition once applied (issue 11: a new
/// 48 KiB list per batch was ~50 bytes of garbage a prefix that also outlived young collections while in flight).
/// </remarks>
internal sealed record PartitionBatch(RibPeer From, RouteOp[] Ops, int Count, long Sequence) : IDeadLetterSuppression
{
    /// <summary>The batch arrays of every session. A pool of its own, holding at most 16 spare arrays of each size
    /// (768 KiB at 1,024 ops), not the shared one, which keeps up to 32 per core and a thread-local one per thread, so
    /// that a full-table load does not leave megabytes of spare batches behind.</summary>
    public static readonly System.Buffers.ArrayPool<RouteOp> Pool = System.Buffers.ArrayPool<RouteOp>.Create(1024, 16);

    /// <summary>A batch in a rented array (the partition gives it back).</summary>
    public static PartitionBatch Rented(RibPeer from, RouteOp op, long sequence)
    {
        var ops = Pool.Rent(1);
        ops[0] = op;
        return new PartitionBatch(from, ops, 1, sequence);
    }

    /// <summary>Gives the array back, cleared so that the pool does not keep attribute sets alive.</summary>
    public void Return() => Return(Ops, Count);

    /// <summary>Gives back a batch array of which the first <paramref name="count"/> are in use (also one never sent).</summary>
    public static void Return(RouteOp[] ops, int count)
    {
        Array.Clear(ops, 0, count);
        Pool.Return(ops);
    }
}

/// <summary>A batch was applied. Carries the partition's current path counts for the batch's peer slot (absolute,
/// not deltas: a session that takes over a gracefully restarting peer's slot inherits its stale paths, RFC 4724
/// 4.2, and sweeps change counts outside any batch). <paramref name="Partition"/> -1: nothing applied, no counts.</summary>
internal sealed record BatchDone(long Sequence, int Partition, int PathsV4, int PathsV6, int IneligibleV4, int IneligibleV6,
    int FilteredV4, int FilteredV6) : IDeadLetterSuppression
{
    public static BatchDone Nothing(long sequence) => new(sequence, -1, 0, 0, 0, 0, 0, 0);
}

/// <summary>Re-send this partition's share of the table to one neighbor (route refresh).</summary>
internal sealed record PartitionDump(RibPeer Peer, AfiSafi Family, long Round) : IDeadLetterSuppression;

/// <summary>A partition has sent everything for a dump round (0: initial table).</summary>
internal sealed record DumpDone(long Round) : IDeadLetterSuppression;

/// <summary>Changes to advertise to one neighbor, in the order the partition produced them, and by how much they
/// change the number of prefixes the neighbor has from us per family (announced where it had none: +1; withdrawn: -1).
/// The path identifier of each entry is ours (RFC 7911), and 0 towards neighbors without ADD-PATH send.</summary>
internal sealed record OutboundChanges(List<(NlriEntry Nlri, OutRoute? Route)> Changes, int AdvertisedDeltaV4 = 0, int AdvertisedDeltaV6 = 0) : IDeadLetterSuppression;

/// <summary>Asks a <see cref="PeerOutbound"/> for <see cref="OutboundCounters"/>.</summary>
internal sealed record OutboundCountersQuery : IDeadLetterSuppression
{
    public static readonly OutboundCountersQuery Instance = new();
}

/// <summary>Prefixes per family the neighbor currently has from us (what Adj-RIB-Out has sent).</summary>
internal sealed record OutboundCounters(System.Net.IPAddress Peer, long AdvertisedV4, long AdvertisedV6) : IDeadLetterSuppression;

internal sealed record OutboundFlush : IDeadLetterSuppression
{
    public static readonly OutboundFlush Instance = new();
}

internal sealed record OutboundRefresh(AfiSafi Family, long Round) : IDeadLetterSuppression;

internal sealed record PartitionSummaryQuery(IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;

/// <param name="RpkiStates">Paths by (family, RFC 6811 state); null while no VRPs are in use.</param>
internal sealed record PartitionSummary(long QueryId, long V4Prefixes, long V4Paths, long V4Best, long V6Prefixes, long V6Paths, long V6Best, int AttributeSets,
    Dictionary<(string Family, string State), long>? RpkiStates = null) : IDeadLetterSuppression
{
    /// <summary>Verified paths by (family, ASPA outcome); null while no RPKI data is in use.</summary>
    public Dictionary<(string Family, string State), long>? AspaStates { get; init; }
}

internal sealed record PartitionLookup(LookupRoutes Query, IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;

internal sealed record PartitionLookupResult(long QueryId, List<(Prefix Prefix, List<RouteView> Paths)> Matches, int TotalPrefixes) : IDeadLetterSuppression;

internal sealed record InboundFlush : IDeadLetterSuppression
{
    public static readonly InboundFlush Instance = new();
}

/// <summary>Session down. <paramref name="GracefulRestart"/> not null: the peer is restarting (RFC 4724 4.2); keep
/// its paths of those families stale instead of dropping them.</summary>
internal sealed record InboundStop(IReadOnlyCollection<AfiSafi>? GracefulRestart = null) : IDeadLetterSuppression;

internal sealed record InboundCountersQuery(IActorRef ReplyTo, long QueryId) : IDeadLetterSuppression;

/// <summary>A session that negotiated graceful restart ended without a NOTIFICATION (RFC 4724 4.2): stop exporting
/// to it, keep its paths of <paramref name="Keep"/> marked stale (still candidates), drop those of other families.
/// The slot stays reserved for the peer's next session.</summary>
internal sealed record PartitionPeerRestarting(int Slot, IReadOnlyCollection<AfiSafi> Keep) : IDeadLetterSuppression;

/// <summary>Mark the slot's paths of <paramref name="Family"/> stale (enhanced route refresh BoRR, RFC 7313 4).
/// Answered with the slot's counts (<see cref="BatchDone"/>, sequence -1).</summary>
internal sealed record PartitionMarkStale(int Slot, AfiSafi Family) : IDeadLetterSuppression;

/// <summary>Remove the slot's paths of <paramref name="Family"/> still stale and advertise the changes (End-of-RIB,
/// EoRR, or a stale timer). Answered with the slot's counts (<see cref="BatchDone"/>, sequence -1).</summary>
internal sealed record PartitionSweepStale(int Slot, AfiSafi Family) : IDeadLetterSuppression;

/// <summary>To a <see cref="PeerInbound"/>: after the batches already sent, sweep these families' stale paths.</summary>
internal sealed record InboundSweepStale(IReadOnlyCollection<AfiSafi> Families) : IDeadLetterSuppression;

/// <summary>The enhanced-route-refresh deadline for one family passed without EoRR (RFC 7313 4).</summary>
internal sealed record InboundRefreshDeadline(AfiSafi Family, long Round) : IDeadLetterSuppression;

/// <summary>Turns recording and publishing of <see cref="BestPathChanges"/> on or off (someone subscribed or not).</summary>
internal sealed record PartitionPublishEvents(bool On) : IDeadLetterSuppression;

/// <summary>To a <see cref="PeerInbound"/>: the VRPs in use are now <paramref name="Vrps"/>; the routes
/// <paramref name="Cover"/> covers (null: all) may have changed validation state, and the paths through one of
/// <paramref name="AspaCustomers"/> (customer ASes whose ASPA changed) may have a new ASPA outcome.</summary>
internal sealed record InboundRevalidate(AkkaBgp.Rpki.VrpTable Vrps, AkkaBgp.Rpki.VrpTable? Cover, IReadOnlySet<uint> AspaCustomers) : IDeadLetterSuppression;

/// <summary>To a partition: the VRPs in use, for the validation state shown with each path and counted per state.</summary>
internal sealed record PartitionVrps(AkkaBgp.Rpki.VrpTable Vrps) : IDeadLetterSuppression;
/// <summary>From a Loc-RIB partition that has just been restarted after a failure (PostRestart): it is empty, knows no
/// session and no local route. The RIB actor re-registers them and schedules the rebuild (<see cref="RebuildPartition"/>).</summary>
internal sealed record PartitionRestarted(int Index) : IDeadLetterSuppression;

/// <summary>The backoff after a partition's restart is over: ask every neighbor for its routes again.</summary>
internal sealed record RebuildPartition(int Index, long Generation) : IDeadLetterSuppression;
