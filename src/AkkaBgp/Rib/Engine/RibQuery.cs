using Akka.Actor;
using Akka.Event;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// Gathers one query's answers from the partitions (and inbound actors) and replies to the asker, so the RIB
/// actor never waits. One short-lived actor per query; it stops after replying or after a timeout.
/// </summary>
internal sealed class RibQuery : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    public RibQuery(IActorRef replyTo, IActorRef[] partitions, IActorRef[] inbound, IActorRef[] outbound, int established)
    {
        int waiting = partitions.Length + inbound.Length + outbound.Length;
        var advertised = new Dictionary<System.Net.IPAddress, OutboundCounters>();
        long v4p = 0, v4n = 0, v4b = 0, v6p = 0, v6n = 0, v6b = 0;
        int sets = 0;
        Dictionary<(string, string), long>? rpki = null, aspa = null;
        var neighbors = new List<NeighborRibSummary>();
        bool done = false;
        NeighborRibSummary WithAdvertised(NeighborRibSummary n)
        {
            if (n.Prefixes is not { } p || !advertised.TryGetValue(n.Peer, out var o)) return n;
            var merged = new Dictionary<string, PrefixCounters>(p);
            if (merged.TryGetValue("ipv4-unicast", out var v4)) merged["ipv4-unicast"] = v4 with { Advertised = o.AdvertisedV4 };
            if (merged.TryGetValue("ipv6-unicast", out var v6)) merged["ipv6-unicast"] = v6 with { Advertised = o.AdvertisedV6 };
            return n with { Prefixes = merged };
        }
        void Finish()
        {
            if (done) return;
            done = true;
            replyTo.Tell(new RibSummary(new Dictionary<string, FamilySummary>
            {
                ["ipv4-unicast"] = new(v4p, v4n, v4b),
                ["ipv6-unicast"] = new(v6p, v6n, v6b),
            }, established, sets, neighbors.Select(WithAdvertised).OrderBy(n => n.Peer.ToString()).ToList(), rpki) { AspaStates = aspa }, Self);
            Context.Stop(Self);
        }
        Receive<PartitionSummary>(s =>
        {
            v4p += s.V4Prefixes; v4n += s.V4Paths; v4b += s.V4Best;
            v6p += s.V6Prefixes; v6n += s.V6Paths; v6b += s.V6Best;
            sets += s.AttributeSets;
            AddUp(ref rpki, s.RpkiStates);
            AddUp(ref aspa, s.AspaStates);
            if (--waiting == 0) Finish();
        });
        var pendingInbound = new HashSet<IActorRef>(inbound.Concat(outbound));
        Receive<OutboundCounters>(o =>
        {
            if (!pendingInbound.Remove(Sender)) return;
            advertised[o.Peer] = o;
            if (--waiting == 0) Finish();
        });
        Receive<NeighborRibSummary>(n =>
        {
            if (!pendingInbound.Remove(Sender)) return;
            neighbors.Add(n);
            if (--waiting == 0) Finish();
        });
        // A session that goes down meanwhile stops its inbound actor, which then never answers.
        Receive<Terminated>(t =>
        {
            if (pendingInbound.Remove(t.ActorRef) && --waiting == 0) Finish();
        });
        Receive<QueryTimeout>(_ => Finish());
        foreach (var p in partitions) p.Tell(new PartitionSummaryQuery(Self, 0), Self);
        foreach (var i in inbound)
        {
            Context.Watch(i);
            i.Tell(new InboundCountersQuery(Self, 0), Self);
        }
        foreach (var o in outbound)
        {
            Context.Watch(o);
            o.Tell(OutboundCountersQuery.Instance, Self);
        }
        if (waiting == 0) Finish();
        else Timers.StartSingleTimer("timeout", QueryTimeout.Instance, TimeSpan.FromSeconds(10));
    }

    public RibQuery(IActorRef replyTo, IActorRef[] partitions, LookupRoutes q)
    {
        int waiting = partitions.Length;
        var all = new List<(AkkaBgp.Wire.Prefix Prefix, List<RouteView> Paths)>();
        int total = 0;
        Receive<PartitionLookupResult>(r =>
        {
            // Each partition sends its first offset + limit matches and its count of all of them.
            all.AddRange(r.Matches);
            total += r.TotalPrefixes;
            if (--waiting > 0) return;
            all.Sort((a, b) => a.Prefix.CompareTo(b.Prefix));
            var page = all.Skip(Math.Max(0, q.Offset)).Take(Math.Max(0, q.Limit))
                .SelectMany(m => m.Paths.OrderByDescending(p => p.Best)).ToList();
            replyTo.Tell(new RouteLookupResult(total, page), Self);
            Context.Stop(Self);
        });
        foreach (var p in partitions) p.Tell(new PartitionLookup(q, Self, 0), Self);
    }

    /// <summary>Adds one partition's per-(family, state) counts to the sum (created on the first partition that has any).</summary>
    private static void AddUp(ref Dictionary<(string, string), long>? sum, Dictionary<(string Family, string State), long>? part)
    {
        if (part is null) return;
        sum ??= new();
        foreach (var (key, count) in part) sum[key] = sum.GetValueOrDefault(key) + count;
    }

    public static Props SummaryProps(IActorRef replyTo, IActorRef[] partitions, IActorRef[] inbound, IActorRef[] outbound, int established) =>
        Props.Create(() => new RibQuery(replyTo, partitions, inbound, outbound, established));

    public static Props LookupProps(IActorRef replyTo, IActorRef[] partitions, LookupRoutes q) =>
        Props.Create(() => new RibQuery(replyTo, partitions, q));

    private sealed record QueryTimeout
    {
        public static readonly QueryTimeout Instance = new();
    }
}
