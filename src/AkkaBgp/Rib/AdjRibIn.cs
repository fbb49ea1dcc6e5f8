using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib;

/// <summary>
/// Adj-RIB-In (RFC 4271 3.2) for IPv4 and IPv6 unicast, per neighbor: the unprocessed routes each
/// peer advertised, with their path attributes. This is the minimal RIB of the session work; the
/// decision process and Adj-RIB-Out come with the full RIB.
/// </summary>
public sealed class AdjRibIn : ReceiveActor
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly Dictionary<IPAddress, NeighborTable> _tables = new();

    public AdjRibIn()
    {
        Receive<PeerUp>(up =>
        {
            var table = TableFor(up.Peer);
            table.Up = true;
        });
        Receive<PeerDown>(down =>
        {
            if (_tables.TryGetValue(down.Peer, out var table))
            {
                Log.Info("{Peer} down ({Reason}): dropping {V4} IPv4 and {V6} IPv6 routes",
                    down.Peer, table.Ipv4.Count, table.Ipv6.Count);
                table.Clear();
                table.Up = false;
            }
        });
        Receive<PeerRouteRefresh>(_ => { }); // nothing to re-advertise until the Adj-RIB-Out exists
        Receive<PeerUpdate>(u =>
        {
            Apply(TableFor(u.Peer), u.Update);
            // Acknowledge after applying: the connection's unacknowledged count is what holds off the socket.
            u.Connection.Tell(new UpdatesProcessed(1), Self);
        });
        Receive<PeerUpdates>(b =>
        {
            var table = TableFor(b.Peer);
            foreach (var u in b.Updates) Apply(table, u.Update);
            b.Connection.Tell(new UpdatesProcessed(b.Updates.Length), Self);
        });
        Receive<GetAdjRibIn>(q => Sender.Tell(Snapshot(q), Self));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new AdjRibIn());

    private NeighborTable TableFor(IPAddress peer)
    {
        if (!_tables.TryGetValue(peer, out var table)) _tables[peer] = table = new NeighborTable();
        return table;
    }

    private static void Apply(NeighborTable table, UpdateMessage update)
    {
        table.Updates++;
        foreach (var w in update.Withdrawn) table.Ipv4.Remove(w);
        if (update.MpUnreach is { IsDecoded: true, Safi: 1 } unreach)
            foreach (var w in unreach.Withdrawn) table.For(unreach.Afi)?.Remove(w);

        // RFC 7606 2: treat-as-withdraw applies the UPDATE's announcements as withdrawals.
        bool withdraw = update.IsTreatAsWithdraw;
        if (withdraw) table.TreatAsWithdraw++;
        foreach (var n in update.Nlri)
        {
            if (withdraw) table.Ipv4.Remove(n);
            else table.Ipv4[n] = update.Attributes;
        }
        if (update.MpReach is { IsDecoded: true, Safi: 1 } reach && table.For(reach.Afi) is { } routes)
        {
            foreach (var n in reach.Nlri)
            {
                if (withdraw) routes.Remove(n);
                else routes[n] = update.Attributes;
            }
        }
    }

    private AdjRibInSnapshot Snapshot(GetAdjRibIn q)
    {
        var list = new List<NeighborRoutes>();
        int v4 = 0, v6 = 0;
        foreach (var (peer, table) in _tables)
        {
            v4 += table.Ipv4.Count;
            v6 += table.Ipv6.Count;
            if (q.Peer is not null && !q.Peer.Equals(peer)) continue;
            list.Add(new NeighborRoutes(peer, table.Up,
                q.IncludePrefixes ? Sorted(table.Ipv4) : [],
                q.IncludePrefixes ? Sorted(table.Ipv6) : [],
                table.Ipv4.Count, table.Ipv6.Count, table.Updates, table.TreatAsWithdraw));
        }
        return new AdjRibInSnapshot(list, v4, v6);
    }

    private static Prefix[] Sorted(Dictionary<NlriEntry, PathAttributes> routes)
    {
        var prefixes = routes.Keys.Select(k => k.Prefix).Distinct().ToArray();
        Array.Sort(prefixes);
        return prefixes;
    }

    /// <summary>Routes keyed by (prefix, ADD-PATH path id), so that paths with distinct ids coexist (RFC 7911).</summary>
    private sealed class NeighborTable
    {
        public readonly Dictionary<NlriEntry, PathAttributes> Ipv4 = new();
        public readonly Dictionary<NlriEntry, PathAttributes> Ipv6 = new();
        public bool Up;
        public long Updates;
        public long TreatAsWithdraw;

        public Dictionary<NlriEntry, PathAttributes>? For(ushort afi) => afi switch { 1 => Ipv4, 2 => Ipv6, _ => null };

        public void Clear()
        {
            Ipv4.Clear();
            Ipv6.Clear();
        }
    }
}
