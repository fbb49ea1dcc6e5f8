using System.Buffers;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Advertise;

/// <summary>
/// Changes waiting to be sent to one neighbor (the part of Adj-RIB-Out not yet on the wire). A later change
/// for the same prefix replaces an earlier one, so a flapping prefix costs one UPDATE per interval (RFC 4271
/// 9.2.1.1). On flush, announcements with identical attributes are packed together into as few UPDATEs as the
/// negotiated message size allows; withdrawals go first so that a prefix never appears twice in a flush.
/// Entries are keyed by prefix and our ADD-PATH path identifier (RFC 7911; 0 without ADD-PATH), so that towards an
/// ADD-PATH neighbor each path of a prefix has its own latest state.
/// </summary>
public sealed class OutboundQueue
{
    private readonly Dictionary<NlriEntry, OutRoute?> _pending = new();

    public int Count => _pending.Count;
    public bool IsEmpty => _pending.Count == 0;

    /// <summary>Queues an announcement (<paramref name="route"/> not null) or a withdrawal.</summary>
    public void Enqueue(NlriEntry prefix, OutRoute? route) => _pending[prefix] = route;

    public void Clear() => _pending.Clear();

    /// <summary>Takes the pending change for <paramref name="prefix"/> out of the queue, if there is one.</summary>
    public bool TryTake(NlriEntry prefix, out OutRoute? route) => _pending.Remove(prefix, out route);

    public bool Contains(NlriEntry prefix) => _pending.ContainsKey(prefix);

    /// <summary>The prefixes with a pending change.</summary>
    public Dictionary<NlriEntry, OutRoute?>.KeyCollection Prefixes => _pending.Keys;

    /// <summary>Writes every pending change as UPDATE messages and empties the queue. Returns the message count.</summary>
    public int Flush(IBufferWriter<byte> output, in UpdateEncodeContext ctx)
    {
        if (_pending.Count == 0) return 0;
        var withdrawV4 = new List<NlriEntry>();
        var withdrawV6 = new List<NlriEntry>();
        var groups = new Dictionary<OutRoute, (List<NlriEntry> V4, List<NlriEntry> V6)>();
        foreach (var (prefix, route) in _pending)
        {
            if (route is null)
            {
                (prefix.Prefix.IsIPv6 ? withdrawV6 : withdrawV4).Add(prefix);
                continue;
            }
            if (!groups.TryGetValue(route, out var g)) groups[route] = g = (new List<NlriEntry>(), new List<NlriEntry>());
            (prefix.Prefix.IsIPv6 ? g.V6 : g.V4).Add(prefix);
        }
        _pending.Clear();
        int messages = 0;
        messages += UpdatePacker.WriteWithdrawals(output, ctx, AfiSafi.Ipv4Unicast, Sorted(withdrawV4));
        messages += UpdatePacker.WriteWithdrawals(output, ctx, AfiSafi.Ipv6Unicast, Sorted(withdrawV6));
        foreach (var (route, g) in groups)
        {
            // An IPv4 route with an MP next hop has an IPv6 one (RFC 8950) and goes in MP_REACH_NLRI.
            messages += UpdatePacker.WriteAnnouncements(output, ctx, AfiSafi.Ipv4Unicast, route.Attributes, Sorted(g.V4), route.MpNextHop);
            if (g.V6.Count > 0)
                messages += UpdatePacker.WriteAnnouncements(output, ctx, AfiSafi.Ipv6Unicast, route.Attributes, Sorted(g.V6), route.MpNextHop);
        }
        return messages;
    }

    /// <summary>Sorted output is deterministic whatever order the partitions delivered changes in.</summary>
    private static ReadOnlySpan<NlriEntry> Sorted(List<NlriEntry> list)
    {
        list.Sort(static (a, b) => a.Prefix.CompareTo(b.Prefix) is var c && c != 0 ? c : a.PathId.CompareTo(b.PathId));
        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
    }
}
