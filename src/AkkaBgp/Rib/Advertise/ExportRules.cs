using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Advertise;

/// <summary>
/// RFC 4271 9.2 (and RFC 4456, RFC 1997) as pure functions: whether the best route for a destination may be sent
/// to one neighbor, and with which attributes. The 2-octet-AS form (AS_TRANS and AS4_PATH, RFC 6793 4.2.2) is
/// applied later by the codec from the session's encode context, so the result here is always 4-octet canonical.
/// </summary>
public static class ExportRules
{
    /// <summary>The route as it should go to <paramref name="to"/>, or null when it must not be advertised there.</summary>
    public static OutRoute? Export(RouteAttributes route, RibPeer from, RibPeer to, RibSettings rib, bool ipv6)
        => MayAdvertise(route, from, to) ? Transform(route.Attributes, route.MpNextHop, from, to, rib, ipv6) : null;

    /// <summary>Same, using the per-session cache on the interned set: thousands of prefixes share one set, and
    /// the transformation depends only on the set, the source and the destination session.</summary>
    public static OutRoute? ExportCached(RouteAttributes route, RibPeer from, RibPeer to, RibSettings rib, bool ipv6)
    {
        if (!MayAdvertise(route, from, to)) return null;
        var cache = route.ExportCache as ExportCacheEntry[];
        if (cache is not null)
            foreach (var e in cache)
                if (e is not null && ReferenceEquals(e.To, to) && ReferenceEquals(e.From, from)) return e.Result;
        var result = Transform(route.Attributes, route.MpNextHop, from, to, rib, ipv6);
        if (cache is null) route.ExportCache = cache = new ExportCacheEntry[4];
        int slot = Array.IndexOf(cache, null);
        if (slot < 0)
        {
            if (cache.Length < 64)
            {
                slot = cache.Length;
                Array.Resize(ref cache, cache.Length * 2);
                route.ExportCache = cache;
            }
            else slot = (int)((uint)to.GetHashCode() % (uint)cache.Length);
        }
        cache[slot] = new ExportCacheEntry(from, to, result);
        return result;
    }

    private sealed record ExportCacheEntry(RibPeer From, RibPeer To, OutRoute? Result);

    /// <summary>Drops what the cache on <paramref name="route"/> holds for sessions that have ended (as source or
    /// destination; <paramref name="sessions"/> compares by reference). The sets outlive sessions (other neighbors' paths keep them), so without this every session that
    /// ever received a set would keep its transformed copy, and the ended RibPeer, alive for as long as the set.</summary>
    public static void Forget(RouteAttributes route, IReadOnlySet<RibPeer> sessions)
    {
        if (route.ExportCache is not ExportCacheEntry[] cache) return;
        bool any = false;
        for (int i = 0; i < cache.Length; i++)
        {
            if (cache[i] is { } e && (sessions.Contains(e.To) || sessions.Contains(e.From))) cache[i] = null!;
            any |= cache[i] is not null;
        }
        if (!any) route.ExportCache = null;
    }

    /// <summary>The RFC rules that decide whether to advertise at all (before export policy).</summary>
    public static bool MayAdvertise(RouteAttributes route, RibPeer from, RibPeer to)
    {
        if (to.IsLocal) return false;
        // Never back to the neighbor it came from (RFC 4271 9.2: the route was learned from it; sending it back
        // is at best useless and, without split horizon, can form loops through its AS_PATH check only).
        if (ReferenceEquals(from, to) || (!from.IsLocal && from.Slot == to.Slot)) return false;
        // RFC 1997: NO_ADVERTISE goes to no BGP peer, NO_EXPORT to no eBGP peer (we have no confederation).
        if (route.NoAdvertise) return false;
        if (route.NoExport && to.IsExternal) return false;
        // RFC 4271 9.2.1: routes learned from an internal peer are not re-advertised to internal peers,
        // except by a route reflector (RFC 4456 8): a client's route goes to every client and non-client,
        // a non-client's route goes to clients only.
        if (from.IsInternal && to.IsInternal)
            return from.Settings.RouteReflectorClient || to.Settings.RouteReflectorClient;
        // RFC 9234 section 5, egress rule 2: a route that carries OTC has been sent down (or across) once already and
        // MUST NOT go up to a provider or across to a peer or a route server.
        if (route.HasOtc && to.IsExternal && to.RemoteRole is BgpRole.Provider or BgpRole.Peer or BgpRole.RouteServer) return false;
        return true;
    }

    /// <summary>Attribute changes for one destination (RFC 4271 5.1, 9.2; RFC 4456 8).</summary>
    public static OutRoute Transform(PathAttributes attributes, byte[] mpNextHop, RibPeer from, RibPeer to, RibSettings rib, bool ipv6)
    {
        var b = attributes.ToBuilder();
        if (!from.IsLocal)
        {
            // RFC 4271 5: an unrecognised optional non-transitive attribute is not passed on; an unrecognised
            // optional transitive one is, with the Partial bit set (4.3).
            b.Other.RemoveAll(a => !AttributeType.IsKnown(a.TypeCode) && !a.IsTransitive);
            for (int i = 0; i < b.Other.Count; i++)
                if (!AttributeType.IsKnown(b.Other[i].TypeCode) && b.Other[i].IsOptional)
                    b.Other[i] = b.Other[i] with { Flags = b.Other[i].Flags | AttributeFlags.Partial };
        }

        byte[]? outNextHop = null;
        var mode = to.Settings.NextHop;
        if (to.IsExternal)
        {
            // RFC 4271 5.1.2: prepend our AS when advertising to an external peer.
            b.AsPath = (b.AsPath ?? AsPath.Empty).Prepend(rib.LocalAs);
            // 5.1.5: LOCAL_PREF is not sent to external peers.
            b.LocalPref = null;
            // 5.1.4: a MED received from a neighboring AS is not passed to other ASes; our own MED is.
            if (!from.IsLocal && !to.Settings.SendMed) b.MultiExitDisc = null;
            // RFC 4456: ORIGINATOR_ID and CLUSTER_LIST are internal to the AS.
            b.OriginatorId = null;
            b.ClusterList.Clear();
            // RFC 9234 section 5, egress rule 1: to a customer, a peer, or (we being the route server) an RS-client, a
            // route without OTC gets OTC = our AS: from here on it may only go down.
            if (b.OnlyToCustomer is null && to.RemoteRole is BgpRole.Customer or BgpRole.Peer or BgpRole.RouteServerClient)
                b.OnlyToCustomer = rib.LocalAs;
            bool self = mode != NextHopMode.Unchanged;
            SetNextHop(b, ref outNextHop, mpNextHop, to, self, ipv6);
        }
        else
        {
            // Our own AS at the head of a locally originated route is a configured prepend meant for external
            // peers; internal peers would see it as a loop.
            if (from.IsLocal && b.AsPath is { } lp && lp.LeftmostAs == rib.LocalAs) b.AsPath = StripLeading(lp, rib.LocalAs);
            // 5.1.5: LOCAL_PREF MUST go to internal peers.
            b.LocalPref ??= rib.Decision.DefaultLocalPref;
            if (from.IsInternal && to.IsInternal)
            {
                // RFC 4456 8: the reflector sets ORIGINATOR_ID to the originating peer's id if absent and
                // prepends its CLUSTER_ID to CLUSTER_LIST.
                b.OriginatorId ??= from.RouterId;
                b.ClusterList.Insert(0, rib.EffectiveClusterId);
            }
            // 5.1.3 (1): unchanged to internal peers unless configured; locally originated routes without a
            // next hop get ours.
            bool self = mode == NextHopMode.Self;
            SetNextHop(b, ref outNextHop, mpNextHop, to, self, ipv6);
        }
        // IPv4 routes have an MP next hop only when RFC 8950 gave them an IPv6 one (SetNextHop).
        return new OutRoute(b.Build(), ipv6 ? outNextHop ?? Array.Empty<byte>() : outNextHop);
    }

    private static AsPath StripLeading(AsPath path, uint asn)
    {
        var first = path.Segments[0];
        int k = 0;
        while (k < first.Asns.Count && first.Asns[k] == asn) k++;
        var rest = path.Segments.Skip(1).ToList();
        if (k < first.Asns.Count) rest.Insert(0, new AsPathSegment(first.Type, first.Asns.Skip(k).ToArray()));
        return rest.Count == 0 ? AsPath.Empty : new AsPath(rest);
    }

    private static void SetNextHop(PathAttributesBuilder b, ref byte[]? outNextHop, byte[] mpNextHop, RibPeer to, bool self, bool ipv6)
    {
        if (ipv6)
        {
            var ours = OurIPv6NextHop(to);
            // A link-local next hop we pass on unchanged names a link the receiver is not on (RFC 2545 3: only
            // when the speaker shares a subnet with both); the global part alone goes on.
            outNextHop = self || mpNextHop.Length == 0 ? ours ?? mpNextHop : mpNextHop.Length == 32 ? mpNextHop[..16] : mpNextHop;
            b.NextHop = null;
            return;
        }
        var ourV4 = OurIPv4(to);
        if (to.ExtendedNextHopIpv4)
        {
            // RFC 8950 section 3: with the capability negotiated an IPv4 route may carry an IPv6 next hop, in
            // MP_REACH_NLRI (then without NEXT_HOP, RFC 4760 3). We use it where we have no IPv4 address towards
            // the peer (RFC 4271 5.1.3: the next hop is the address our side of the session has), and to pass on
            // unchanged an IPv6 next hop the route came with.
            if ((self || (b.NextHop is null && mpNextHop.Length == 0)) && ourV4 is null && OurIPv6NextHop(to) is { } ours)
            {
                outNextHop = ours;
                b.NextHop = null;
                return;
            }
            if (!self && b.NextHop is null && mpNextHop.Length >= 16)
            {
                // As for IPv6 routes: a link-local part names a link the receiver is not on (RFC 2545 3).
                outNextHop = mpNextHop.Length == 32 ? mpNextHop[..16] : mpNextHop;
                return;
            }
        }
        // Without the capability an IPv6 next hop cannot be sent for an IPv4 route (RFC 8950 section 4): the route
        // learned with one (no NEXT_HOP) gets ours.
        if ((self || b.NextHop is null) && ourV4 is { } v4) b.NextHop = v4;
    }

    private static uint? OurIPv4(RibPeer to)
    {
        if (to.LocalAddress is not { AddressFamily: AddressFamily.InterNetwork } a) return null;
        Span<byte> s = stackalloc byte[4];
        a.TryWriteBytes(s, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(s);
    }

    private static byte[]? OurIPv6NextHop(RibPeer to)
    {
        var a = to.LocalIPv6NextHop ?? (to.LocalAddress is { AddressFamily: AddressFamily.InterNetworkV6 } v6 ? v6 : null);
        if (a is null) return null;
        if (to.LocalIPv6LinkLocal is not { } linkLocal || a.IsIPv6LinkLocal) return a.GetAddressBytes();
        // RFC 2545 3: global, then link-local, 32 octets.
        var both = new byte[32];
        a.TryWriteBytes(both, out _);
        linkLocal.TryWriteBytes(both.AsSpan(16), out _);
        return both;
    }
}
