using Akka.Actor;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// How fast the Loc-RIB partitions are applying route changes right now, so that work which can wait (management
/// queries that page through many routes) gives way to a table load instead of taking CPU from it. Issue 19: on a
/// 2-core machine a script paging <c>/bgp/rib</c> back to back slowed a full-table load by 30 %, because a 1,000-route
/// page costs about 20 ms of CPU and the load wants both cores. A router's control plane should converge first and
/// answer questions in the gaps; nothing in RFC 4271 ranks the two, this is the operator's expectation.
/// <para>
/// Each partition writes only its own slot (one writer each, no locks); a reader sums the slots. The counts are in
/// 100 ms buckets: the rate is what the current and the previous bucket hold, so it falls to zero within 200 ms of
/// the load ending. A torn read can misjudge one probe, which only moves one query by one probe interval.
/// </para>
/// </summary>
public sealed class RibLoad : IExtension
{
    private const long BucketMs = 100;
    /// <summary>One per partition; partitions beyond the array (more than 1,024) are not counted.</summary>
    private readonly Slot?[] _slots = new Slot?[1024];

    private sealed class Slot
    {
        public long Total;
        public long Bucket;
        public long Current;
        public long Previous;
    }

    private readonly TimeProvider _time;
    private readonly long _ticksPerMs;

    /// <param name="time">The clock the buckets and the waits use (tests: a fake one).</param>
    public RibLoad(TimeProvider time)
    {
        _time = time;
        _ticksPerMs = Math.Max(1, time.TimestampFrequency / 1000);
    }

    private long NowMs => _time.GetTimestamp() / _ticksPerMs;

    public static RibLoad Get(ActorSystem system) => system.WithExtension<RibLoad, RibLoadProvider>();

    /// <summary>Partition <paramref name="partition"/> applied <paramref name="changes"/> route changes (announcements
    /// and withdrawals). Called from that partition's actor only.</summary>
    public void Applied(int partition, int changes)
    {
        if (SlotOf(partition) is not { } slot) return;
        long bucket = NowMs / BucketMs;
        if (bucket != slot.Bucket)
        {
            Volatile.Write(ref slot.Previous, bucket == slot.Bucket + 1 ? slot.Current : 0);
            Volatile.Write(ref slot.Current, 0);
            Volatile.Write(ref slot.Bucket, bucket);
        }
        Volatile.Write(ref slot.Current, slot.Current + changes);
        Volatile.Write(ref slot.Total, slot.Total + changes);
    }

    /// <summary>Route changes applied since the start.</summary>
    public long TotalChanges
    {
        get
        {
            long sum = 0;
            foreach (var slot in _slots)
                if (slot is not null) sum += Volatile.Read(ref slot.Total);
            return sum;
        }
    }

    /// <summary>Route changes applied per second, over the last 100 to 200 ms.</summary>
    public double ChangesPerSecond()
    {
        long now = NowMs, bucket = now / BucketMs;
        long sum = 0;
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            long b = Volatile.Read(ref slot.Bucket);
            if (b == bucket) sum += Volatile.Read(ref slot.Current) + Volatile.Read(ref slot.Previous);
            else if (b == bucket - 1) sum += Volatile.Read(ref slot.Current);
        }
        // The window is the previous whole bucket plus the part of this one that has passed.
        double windowMs = BucketMs + now % BucketMs;
        return sum * 1000.0 / windowMs;
    }

    /// <summary>
    /// Completes once the RIB applies fewer than <paramref name="busyAbove"/> changes per second, or after
    /// <paramref name="maxWait"/> at the latest, so an answer is late by a bounded time and never lost. Returns how long
    /// it waited. Waits with timers, never by blocking a thread.
    /// </summary>
    public Task<TimeSpan> GiveWayAsync(double busyAbove, TimeSpan maxWait, CancellationToken ct)
        => GiveWayAsync(busyAbove, maxWait, (d, c) => Task.Delay(d, _time, c), ct);

    /// <param name="delay">How to wait one probe interval (tests: advance a fake clock).</param>
    internal async Task<TimeSpan> GiveWayAsync(double busyAbove, TimeSpan maxWait, Func<TimeSpan, CancellationToken, Task> delay, CancellationToken ct)
    {
        if (maxWait <= TimeSpan.Zero || ChangesPerSecond() < busyAbove) return TimeSpan.Zero;
        long start = NowMs;
        var probe = TimeSpan.FromMilliseconds(25);
        while (NowMs - start < maxWait.TotalMilliseconds)
        {
            await delay(probe, ct).ConfigureAwait(false);
            if (ChangesPerSecond() < busyAbove) break;
        }
        return TimeSpan.FromMilliseconds(NowMs - start);
    }

    private Slot? SlotOf(int partition)
    {
        if ((uint)partition >= (uint)_slots.Length) return null;
        return Volatile.Read(ref _slots[partition]) ?? Interlocked.CompareExchange(ref _slots[partition], new Slot(), null) ?? _slots[partition];
    }
}

public sealed class RibLoadProvider : ExtensionIdProvider<RibLoad>
{
    public override RibLoad CreateExtension(ExtendedActorSystem system) => new(TimeProvider.System);
}
