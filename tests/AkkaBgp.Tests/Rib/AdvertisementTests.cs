using System.Buffers;
using AkkaBgp.Rib.Advertise;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>RFC 4271 9.2, RFC 4456, RFC 1997 and RFC 6793 rules for what goes to one neighbor.</summary>
public sealed class AdvertisementTests
{
    private readonly AttributeInterner _interner = new(LocalAs, RouterId);
    private static readonly RibPeer Ebgp1 = Peer("10.0.0.2", 65001);
    private static readonly RibPeer Ebgp2 = Peer("10.0.0.3", 65002, local: "192.0.2.99");
    private static readonly RibPeer Ibgp = Peer("10.0.1.1", LocalAs);
    private static readonly RibPeer Ibgp2 = Peer("10.0.1.2", LocalAs);
    private static readonly RibPeer Client1 = Peer("10.0.2.1", LocalAs, settings: new PeerRibSettings { RouteReflectorClient = true });
    private static readonly RibPeer Client2 = Peer("10.0.2.2", LocalAs, settings: new PeerRibSettings { RouteReflectorClient = true });
    private static readonly RibPeer Local = RibPeer.Local(LocalAs, RouterId);

    private OutRoute? Export(PathAttributes a, RibPeer from, RibPeer to) => ExportRules.ExportCached(_interner.Acquire(a), from, to, Settings, false);

    [Fact]
    public void To_ebgp_prepends_our_as_sets_next_hop_self_drops_local_pref_and_med()
    {
        var a = Attrs([65001, 7], x => { x.LocalPref = 200; x.MultiExitDisc = 5; });
        var o = Export(a, Ebgp1, Ebgp2)!.Attributes;
        Assert.Equal(AsPath.Sequence(LocalAs, 65001, 7), o.AsPath);
        Assert.Equal(Ip("192.0.2.99"), o.NextHop);
        Assert.Null(o.LocalPref);
        Assert.Null(o.MultiExitDisc);
    }

    [Fact]
    public void Med_goes_to_ebgp_when_configured_or_when_we_originated_the_route()
    {
        var a = Attrs([65001], x => x.MultiExitDisc = 5);
        var sendMed = Peer("10.0.0.4", 65004, settings: new PeerRibSettings { SendMed = true });
        Assert.Equal(5u, Export(a, Ebgp1, sendMed)!.Attributes.MultiExitDisc);
        var local = Attrs([], x => x.MultiExitDisc = 9);
        Assert.Equal(9u, Export(local, Local, Ebgp2)!.Attributes.MultiExitDisc);
    }

    [Fact]
    public void Next_hop_unchanged_option_keeps_the_third_party_next_hop()
    {
        var rs = Peer("10.0.0.5", 65005, settings: new PeerRibSettings { NextHop = NextHopMode.Unchanged });
        Assert.Equal(Ip("192.0.2.1"), Export(Attrs([65001]), Ebgp1, rs)!.Attributes.NextHop);
        var self = Peer("10.0.1.5", LocalAs, settings: new PeerRibSettings { NextHop = NextHopMode.Self });
        Assert.Equal(Ip("192.0.2.254"), Export(Attrs([65001]), Ebgp1, self)!.Attributes.NextHop);
    }

    [Fact]
    public void To_ibgp_keeps_path_and_next_hop_and_adds_local_pref()
    {
        var o = Export(Attrs([65001], x => x.MultiExitDisc = 5), Ebgp1, Ibgp)!.Attributes;
        Assert.Equal(AsPath.Sequence(65001), o.AsPath);
        Assert.Equal(Ip("192.0.2.1"), o.NextHop);
        Assert.Equal(100u, o.LocalPref);
        Assert.Equal(5u, o.MultiExitDisc);
    }

    [Fact]
    public void Ibgp_learned_routes_are_not_sent_to_ibgp_peers_without_reflection()
    {
        var a = Attrs([65001], x => x.LocalPref = 100);
        Assert.Null(Export(a, Ibgp, Ibgp2));
        Assert.NotNull(Export(a, Ibgp, Ebgp1));
    }

    [Fact]
    public void Reflector_sends_client_routes_to_everyone_with_originator_id_and_cluster_list()
    {
        var a = Attrs([65001], x => x.LocalPref = 100);
        var toNonClient = Export(a, Client1, Ibgp)!.Attributes;
        Assert.Equal(Client1.RouterId, toNonClient.OriginatorId);
        Assert.Equal([RouterId], toNonClient.ClusterList);
        var toClient = Export(a, Client1, Client2)!.Attributes;
        Assert.Equal(Client1.RouterId, toClient.OriginatorId);
        // An existing ORIGINATOR_ID is kept and our cluster id goes in front.
        var reflected = Attrs([65001], x => { x.LocalPref = 100; x.OriginatorId = 77; x.ClusterList.Add(5); });
        var again = Export(reflected, Client1, Ibgp)!.Attributes;
        Assert.Equal(77u, again.OriginatorId);
        Assert.Equal([RouterId, 5u], again.ClusterList);
    }

    [Fact]
    public void Reflector_sends_non_client_routes_to_clients_only()
    {
        var a = Attrs([65001], x => x.LocalPref = 100);
        Assert.NotNull(Export(a, Ibgp, Client1));
        Assert.Null(Export(a, Ibgp, Ibgp2));
    }

    [Fact]
    public void Reflection_attributes_do_not_leak_to_ebgp()
    {
        var reflected = Attrs([65001], x => { x.LocalPref = 100; x.OriginatorId = 77; x.ClusterList.Add(5); });
        var o = Export(reflected, Client1, Ebgp2)!.Attributes;
        Assert.Null(o.OriginatorId);
        Assert.Empty(o.ClusterList);
    }

    [Fact]
    public void Never_back_to_the_neighbor_it_came_from()
        => Assert.Null(Export(Attrs([65001]), Ebgp1, Ebgp1));

    [Fact]
    public void Well_known_communities_are_honoured()
    {
        var noExport = Attrs([65001], x => x.Communities.Add(Community.NoExport));
        Assert.Null(Export(noExport, Ebgp1, Ebgp2));
        Assert.NotNull(Export(noExport, Ebgp1, Ibgp));
        var subconfed = Attrs([65001], x => x.Communities.Add(Community.NoExportSubconfed));
        Assert.Null(Export(subconfed, Ebgp1, Ebgp2));
        Assert.NotNull(Export(subconfed, Ebgp1, Ibgp));
        var noAdvertise = Attrs([65001], x => x.Communities.Add(Community.NoAdvertise));
        Assert.Null(Export(noAdvertise, Ebgp1, Ibgp));
        Assert.Null(Export(noAdvertise, Ebgp1, Ebgp2));
    }

    [Fact]
    public void Unknown_optional_transitive_attributes_get_partial_and_non_transitive_ones_are_dropped()
    {
        var a = Attrs([65001], x =>
        {
            x.Other.Add(new RawAttribute(0xC0, 200, [1, 2, 3]));  // optional transitive
            x.Other.Add(new RawAttribute(0x80, 201, [4]));        // optional non-transitive
        });
        var o = Export(a, Ebgp1, Ebgp2)!.Attributes;
        var unknown = o.Unrecognized.ToList();
        Assert.Single(unknown);
        Assert.Equal(200, unknown[0].TypeCode);
        Assert.True(unknown[0].IsPartial);
        Assert.Equal(new byte[] { 1, 2, 3 }, unknown[0].Value.ToArray());
    }

    [Fact]
    public void Locally_originated_prepends_go_to_ebgp_but_not_to_ibgp()
    {
        var local = Attrs([LocalAs, LocalAs], x => x.NextHop = null);
        Assert.Equal(AsPath.Sequence(LocalAs, LocalAs, LocalAs), Export(local, Local, Ebgp2)!.Attributes.AsPath);
        var toIbgp = Export(local, Local, Ibgp)!.Attributes;
        Assert.Equal(AsPath.Empty.Segments.Count, toIbgp.AsPath?.Segments.Count ?? 0);
        Assert.Equal(Ip("192.0.2.254"), toIbgp.NextHop);
    }

    [Fact]
    public void Two_octet_peers_get_as_trans_and_as4_path()
    {
        var old = Peer("10.0.0.6", 65006, fourOctet: false);
        var o = Export(Attrs([4200000001, 65001]), Ebgp1, old)!;
        var ctx = new UpdateEncodeContext(fourOctetAs: false);
        var bytes = UpdatePacker.Announce(ctx, AfiSafi.Ipv4Unicast, o.Attributes, [P("203.0.113.0/24")]);
        var msg = Decode(bytes.Single(), fourOctet: false, peerAs: LocalAs);
        // After the RFC 6793 merge the receiver sees the real 4-octet path...
        Assert.Equal(AsPath.Sequence(LocalAs, 4200000001, 65001), msg.Attributes.AsPath);
        // ...and the wire carried AS_TRANS in AS_PATH plus an AS4_PATH attribute (type 17).
        var body = bytes.Single().AsSpan(UpdateEncoder.HeaderLength);
        Assert.True(ContainsAttribute(body, AttributeType.As4Path));
        Assert.True(Contains(body, [0x5B, 0xA0])); // 23456
    }

    private static bool Contains(ReadOnlySpan<byte> hay, byte[] needle) => hay.IndexOf(needle) >= 0;

    private static bool ContainsAttribute(ReadOnlySpan<byte> body, byte type)
    {
        int wl = body[0] << 8 | body[1];
        var attrs = body.Slice(2 + wl + 2, body[2 + wl] << 8 | body[3 + wl]);
        for (int p = 0; p < attrs.Length;)
        {
            bool ext = (attrs[p] & 0x10) != 0;
            int len = ext ? attrs[p + 2] << 8 | attrs[p + 3] : attrs[p + 2];
            if (attrs[p + 1] == type) return true;
            p += (ext ? 4 : 3) + len;
        }
        return false;
    }

    internal static UpdateMessage Decode(byte[] message, bool fourOctet = true, uint peerAs = 65000)
    {
        var ctx = new UpdateDecodeContext(fourOctet, PeerKind.External, default, peerAs);
        Assert.True(UpdateMessage.TryDecode(message.AsSpan(UpdateEncoder.HeaderLength), ctx, out var msg, out var err), err?.ToString());
        Assert.True(msg!.Action is null, string.Join("; ", msg.Errors));
        return msg;
    }

    [Fact]
    public void Ipv6_routes_get_our_ipv6_next_hop_towards_ebgp()
    {
        var r = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16] { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 });
        var o = ExportRules.Export(r, Ebgp1, Ebgp2, Settings, ipv6: true)!;
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8::fe").GetAddressBytes(), o.MpNextHop);
        Assert.Null(o.Attributes.NextHop);
        var toIbgp = ExportRules.Export(r, Ebgp1, Ibgp, Settings, ipv6: true)!;
        Assert.Equal(r.MpNextHop, toIbgp.MpNextHop);
    }

    /// <summary>RFC 2545 3: towards a peer on our link, our global next hop and then our link-local one (32 octets);
    /// a 32-octet next hop passed on unchanged (to iBGP) loses its link-local half, which names the sender's link.</summary>
    [Fact]
    public void Ipv6_next_hop_carries_our_link_local_on_a_shared_link_and_a_passed_on_one_loses_it()
    {
        var global = System.Net.IPAddress.Parse("fd00:a6::1");
        var linkLocal = System.Net.IPAddress.Parse("fe80::1:2:3:4");
        var template = Peer("10.0.0.4", 65004);
        var onLink = new RibPeer
        {
            Slot = template.Slot, Address = template.Address, PeerAs = template.PeerAs, LocalAs = template.LocalAs, RouterId = template.RouterId,
            Families = template.Families, LocalAddress = global, LocalIPv6NextHop = global, LocalIPv6LinkLocal = linkLocal,
        };
        var r = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16] { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 });
        var o = ExportRules.Export(r, Ebgp1, onLink, Settings, ipv6: true)!;
        Assert.Equal([.. global.GetAddressBytes(), .. linkLocal.GetAddressBytes()], o.MpNextHop);

        byte[] received = [.. System.Net.IPAddress.Parse("2001:db8::11").GetAddressBytes(), .. System.Net.IPAddress.Parse("fe80::99").GetAddressBytes()];
        var fromLink = _interner.Acquire(Attrs([65001], nextHop: 0), received);
        var toIbgp = ExportRules.Export(fromLink, Ebgp1, Ibgp, Settings, ipv6: true)!;
        Assert.Equal(received[..16], toIbgp.MpNextHop);
    }

    [Fact]
    public void Export_results_are_cached_per_session()
    {
        var r = _interner.Acquire(Attrs([65001]));
        var o1 = ExportRules.ExportCached(r, Ebgp1, Ebgp2, Settings, false);
        var o2 = ExportRules.ExportCached(r, Ebgp1, Ebgp2, Settings, false);
        Assert.Same(o1, o2);
        var newSession = Peer("10.0.0.3", 65002, local: "192.0.2.99", slot: Ebgp2.Slot);
        Assert.NotSame(o1, ExportRules.ExportCached(r, Ebgp1, newSession, Settings, false));
    }
}

public sealed class PackingTests
{
    [Theory]
    [InlineData(4096)]
    [InlineData(65535)]
    public void Packed_updates_decode_back_to_the_same_prefixes_and_attributes(int maxSize)
    {
        var q = new OutboundQueue();
        var a = new OutRoute(Attrs([65000, 65001], x => x.Communities.Add(new Community(65000, 1))));
        var b = new OutRoute(Attrs([65000, 65002]));
        var expected = new Dictionary<Prefix, OutRoute?>();
        for (int i = 0; i < 3000; i++)
        {
            var p = Prefix.IPv4(0x0A000000u + ((uint)i << 8), 24);
            var r = i % 3 == 0 ? a : i % 3 == 1 ? b : null;
            q.Enqueue(p, r);
            expected[p] = r;
        }
        // A later change for the same prefix replaces the queued one.
        q.Enqueue(Prefix.IPv4(0x0A000000u, 24), b);
        expected[Prefix.IPv4(0x0A000000u, 24)] = b;
        // Equal but distinct OutRoute objects pack together.
        var a2 = new OutRoute(Attrs([65000, 65001], x => x.Communities.Add(new Community(65000, 1))));
        q.Enqueue(P("198.51.100.0/24"), a2);
        expected[P("198.51.100.0/24")] = a;

        var w = new ArrayBufferWriter<byte>();
        int n = q.Flush(w, new UpdateEncodeContext(true, maxMessageSize: maxSize));
        Assert.True(q.IsEmpty);
        var seen = new Dictionary<Prefix, PathAttributes?>();
        var distinctAttrs = new HashSet<PathAttributes>();
        var stream = w.WrittenSpan.ToArray().AsSpan();
        int messages = 0;
        while (!stream.IsEmpty)
        {
            int len = stream[16] << 8 | stream[17];
            Assert.True(len <= maxSize);
            var msg = AdvertisementTests.Decode(stream[..len].ToArray());
            foreach (var e in msg.Withdrawn) seen.Add(e.Prefix, null);
            foreach (var e in msg.Nlri) seen.Add(e.Prefix, msg.Attributes);
            if (!msg.Nlri.IsEmpty) distinctAttrs.Add(msg.Attributes);
            stream = stream[len..];
            messages++;
        }
        Assert.Equal(n, messages);
        Assert.Equal(expected.Count, seen.Count);
        foreach (var (p, r) in expected) Assert.Equal(r?.Attributes, seen[p]);
        Assert.Equal(2, distinctAttrs.Count);
        // Full packing: 1001 /24 announcements of 4 octets each with one set need ceil(...) messages, not one per prefix.
        Assert.True(messages < 20, $"{messages} messages");
    }

    [Fact]
    public void Ipv6_routes_pack_into_mp_reach_with_their_next_hop()
    {
        var q = new OutboundQueue();
        var nh = System.Net.IPAddress.Parse("2001:db8::fe").GetAddressBytes();
        var r = new OutRoute(Attrs([65000], nextHop: 0, edit: x => x.NextHop = null), nh);
        for (int i = 0; i < 500; i++) q.Enqueue(Prefix.IPv6(((UInt128)0x20010db8u << 96) | ((UInt128)(uint)i << 64), 64), r);
        q.Enqueue(P("2001:db8:ffff::/48"), null);
        var w = new ArrayBufferWriter<byte>();
        q.Flush(w, new UpdateEncodeContext(true));
        int announced = 0, withdrawn = 0;
        var stream = w.WrittenSpan.ToArray().AsSpan();
        while (!stream.IsEmpty)
        {
            int len = stream[16] << 8 | stream[17];
            var msg = AdvertisementTests.Decode(stream[..len].ToArray());
            if (msg.MpReach is { } mr)
            {
                Assert.Equal(nh, mr.NextHop.ToArray());
                announced += mr.Nlri.Count;
            }
            withdrawn += msg.MpUnreach?.Withdrawn.Count ?? 0;
            stream = stream[len..];
        }
        Assert.Equal(500, announced);
        Assert.Equal(1, withdrawn);
    }
}
