using System.Net;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>Hand-built UPDATE messages checked field by field, decoded and encoded.</summary>
public class UpdateGoldenTests
{
    // IPv4 UPDATE, 4-octet AS session, eBGP.
    private const string Ipv4Message =
        "M 0050 02" +
        "0002 080B" +                               // withdrawn: 11.0.0.0/8
        "002A" +                                    // total path attribute length 42
        "40 01 01 00" +                             // ORIGIN IGP
        "40 02 0A 02 02 0000FDE8 0000FDE9" +        // AS_PATH AS_SEQUENCE 65000 65001
        "40 03 04 C0000201" +                       // NEXT_HOP 192.0.2.1
        "80 04 04 00000064" +                       // MULTI_EXIT_DISC 100
        "C0 08 08 FDE80064 FFFFFF01" +              // COMMUNITIES 65000:100 NO_EXPORT
        "18 C63364  10 0A00  20 CB007101  00";      // NLRI 198.51.100.0/24 10.0.0.0/16 203.0.113.1/32 0.0.0.0/0

    [Fact]
    public void Ipv4_update_decodes_field_by_field()
    {
        var m = U.Clean(Hex.Parse(Ipv4Message)[19..]);
        Assert.Equal(new[] { U.P("11.0.0.0/8") }, m.Withdrawn.ToPrefixArray());
        Assert.Equal(U.Ps("198.51.100.0/24", "10.0.0.0/16", "203.0.113.1/32", "0.0.0.0/0"), m.Nlri.ToArray());
        var a = m.Attributes;
        Assert.Equal(Origin.Igp, a.Origin);
        Assert.Equal("65000 65001", a.AsPath!.ToString());
        Assert.Equal(2, a.AsPath.Length);
        Assert.Equal(65000u, a.AsPath.LeftmostAs);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), a.NextHopAddress);
        Assert.Equal(0xC0000201u, a.NextHop);
        Assert.Equal(100u, a.MultiExitDisc);
        Assert.Null(a.LocalPref);
        Assert.False(a.AtomicAggregate);
        Assert.Equal(new[] { new Community(65000, 100), Community.NoExport }, a.Communities);
        Assert.Equal(5, m.ReceivedAttributeCount);
        Assert.Null(m.MpReach);
        Assert.False(m.IsEndOfRib);
        Assert.Equal(4, m.AnnouncedCount);
        Assert.Equal(1, m.WithdrawnCount);
    }

    [Fact]
    public void Ipv4_update_encodes_from_parts_and_from_the_decoded_message()
    {
        var b = new PathAttributesBuilder
        {
            Origin = Origin.Igp,
            AsPath = AsPath.Sequence(65000, 65001),
            NextHop = 0xC0000201,
            MultiExitDisc = 100,
        };
        b.Communities.Add(new Community(65000, 100));
        b.Communities.Add(Community.NoExport);
        var attrs = b.Build();
        var bytes = UpdateEncoder.EncodeIPv4(U.Enc4, U.Ps("11.0.0.0/8"), attrs, U.Ps("198.51.100.0/24", "10.0.0.0/16", "203.0.113.1/32", "0.0.0.0/0"));
        Assert.Equal(Hex.Of(Hex.Parse(Ipv4Message)), Hex.Of(bytes));

        var m = U.Clean(bytes[19..]);
        Assert.Equal(attrs, m.Attributes);
        Assert.Equal(attrs.GetHashCode(), m.Attributes.GetHashCode());
        Assert.Equal(Hex.Of(bytes), Hex.Of(m.ToArray(U.Enc4)));
    }

    // RFC 4760 section 3 MP_REACH_NLRI for IPv6 unicast with a global + link-local next hop (RFC 2545 section 3).
    private const string Ipv6Reach =
        "M 005C 02" +
        "0000" +
        "0045" +                                                       // 69 octets of attributes
        "80 0E 35" +                                                   // MP_REACH_NLRI, optional, 53 octets
        "0002 01 20" +                                                 // AFI 2, SAFI 1, next hop length 32
        "20010DB8000000000000000000000001 FE800000000000000000000000000001" +
        "00" +                                                         // reserved
        "40 20010DB800010000  30 20010DB80002" +                       // 2001:db8:1::/64 2001:db8:2::/48
        "40 01 01 00" +
        "40 02 06 02 01 0000FDE9";

    [Fact]
    public void Ipv6_mp_reach_golden()
    {
        var bytes = Hex.Parse(Ipv6Reach);
        var m = U.Clean(bytes[19..]);
        var r = m.MpReach!;
        Assert.Equal((ushort)2, r.Afi);
        Assert.Equal((byte)1, r.Safi);
        Assert.True(r.IsDecoded);
        Assert.Equal(32, r.NextHop.Length);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), r.GlobalNextHop);
        Assert.Equal(IPAddress.Parse("fe80::1"), r.LinkLocalNextHop);
        Assert.Equal(U.Ps("2001:db8:1::/64", "2001:db8:2::/48"), r.Nlri.ToArray());
        Assert.True(m.Nlri.IsEmpty);
        Assert.Null(m.Attributes.NextHop);
        Assert.Equal(Origin.Igp, m.Attributes.Origin);
        Assert.Equal(2, m.AnnouncedCount);

        var attrs = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001) }.Build();
        var nh = Hex.Parse("20010DB8000000000000000000000001 FE800000000000000000000000000001");
        var enc = UpdateEncoder.EncodeMp(U.Enc4, 2, 1, default, attrs, nh, U.Ps("2001:db8:1::/64", "2001:db8:2::/48"));
        Assert.Equal(Hex.Of(bytes), Hex.Of(enc));
        Assert.Equal(Hex.Of(bytes), Hex.Of(m.ToArray(U.Enc4)));
    }

    [Fact]
    public void Ipv6_mp_unreach_golden()
    {
        var bytes = Hex.Parse("M 0026 02 0000 000F 80 0F 0C 0002 01 40 20010DB800010000");
        var m = U.Clean(bytes[19..]);
        Assert.Equal((ushort)2, m.MpUnreach!.Afi);
        Assert.Equal(U.Ps("2001:db8:1::/64"), m.MpUnreach.Withdrawn.ToArray());
        Assert.False(m.IsEndOfRib);
        Assert.Equal(1, m.WithdrawnCount);
        var enc = UpdateEncoder.EncodeMp(U.Enc4, 2, 1, U.Ps("2001:db8:1::/64"), null, default, default);
        Assert.Equal(Hex.Of(bytes), Hex.Of(enc));
    }

    [Fact]
    public void Ipv4_mp_reach_with_4_octet_next_hop()
    {
        // RFC 4760 allows IPv4 unicast in MP_REACH_NLRI too.
        var body = U.Body("80 0E 0D 0001 01 04 C0000201 00 18 C63364" + U.Origin + U.AsPath4);
        var m = U.Clean(body);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), m.MpReach!.GlobalNextHop);
        Assert.Equal(U.Ps("198.51.100.0/24"), m.MpReach.Nlri.ToArray());
    }

    [Fact]
    public void End_of_rib_ipv4_is_the_empty_update()
    {
        var bytes = Hex.Parse("M 0017 02 0000 0000");
        var m = U.Clean(bytes[19..]);
        Assert.True(m.TryGetEndOfRib(out var afi, out var safi));
        Assert.Equal((1, 1), (afi, safi));
        Assert.Equal(Hex.Of(bytes), Hex.Of(UpdateEncoder.EndOfRib(1, 1)));
    }

    [Fact]
    public void End_of_rib_ipv6_is_an_empty_mp_unreach()
    {
        var bytes = Hex.Parse("M 001D 02 0000 0006 80 0F 03 0002 01");
        var m = U.Clean(bytes[19..]);
        Assert.True(m.TryGetEndOfRib(out var afi, out var safi));
        Assert.Equal((2, 1), (afi, safi));
        Assert.Equal(Hex.Of(bytes), Hex.Of(UpdateEncoder.EndOfRib(2, 1)));
        Assert.Equal(Hex.Of(bytes), Hex.Of(m.ToArray(U.Enc4)));
    }

    [Fact]
    public void End_of_rib_for_an_opaque_family()
    {
        var bytes = Hex.Parse("M 001D 02 0000 0006 80 0F 03 0019 46");
        var m = U.Clean(bytes[19..]);
        Assert.True(m.TryGetEndOfRib(out var afi, out var safi));
        Assert.Equal((25, 70), (afi, safi));
        Assert.Equal(Hex.Of(bytes), Hex.Of(UpdateEncoder.EndOfRib(25, 70)));
    }

    [Fact]
    public void Not_end_of_rib_when_other_attributes_are_present()
    {
        var m = U.Clean(U.Body("80 0F 03 0002 01" + U.Origin));
        Assert.False(m.IsEndOfRib);
    }

    [Fact]
    public void Opaque_family_is_preserved_byte_exact()
    {
        // EVPN (AFI 25, SAFI 70): not decoded, kept as received, including a non-zero reserved octet.
        var body = U.Body("80 0E 10 0019 46 04 C0000201 07 02 05 0102030405" + U.Origin + U.AsPath4);
        var m = U.Clean(body);
        var r = m.MpReach!;
        Assert.False(r.IsDecoded);
        Assert.True(r.Nlri.IsEmpty);
        Assert.Equal("02050102030405", Hex.Of(r.NlriEncoded.Span));
        Assert.Equal("00194604C00002010702050102030405", Hex.Of(r.Value.Span));
        Assert.Equal(Hex.Of(U.Message(body)), Hex.Of(m.ToArray(U.Enc4)));
        var u = U.Clean(U.Body("80 0F 0A 0019 46 02 05 0102030405"));
        Assert.False(u.MpUnreach!.IsDecoded);
    }

    [Fact]
    public void Add_path_ipv4_nlri_and_withdrawn()
    {
        var ctx = U.Ebgp4 with { AddPathReceive = AddPathFamilies.IPv4Unicast };
        var body = U.Body(U.Mandatory, "00000007 18C63364 00000008 18C63364", "00000001 080B");
        var m = U.Clean(body, ctx);
        Assert.Equal(new[] { new NlriEntry(U.P("198.51.100.0/24"), 7), new NlriEntry(U.P("198.51.100.0/24"), 8) }, m.Nlri.ToArray());
        Assert.Equal(new[] { new NlriEntry(U.P("11.0.0.0/8"), 1) }, m.Withdrawn.ToArray());
        var enc = new UpdateEncodeContext(true, AddPathFamilies.IPv4Unicast);
        Assert.Equal(Hex.Of(U.Message(body)), Hex.Of(m.ToArray(enc)));
        // Re-encoding for a peer without ADD-PATH drops the identifiers.
        var plain = U.Clean(m.ToArray(U.Enc4)[19..]);
        Assert.Equal(U.Ps("198.51.100.0/24", "198.51.100.0/24"), plain.Nlri.ToArray());
        // Without ADD-PATH negotiated the same bytes are a syntax error in the NLRI field.
        U.Is(U.Fatal(body), ErrorAction.SessionReset, UpdateSubcode.InvalidNetworkField, "");
    }

    [Fact]
    public void Add_path_ipv6_in_mp_reach()
    {
        var ctx = U.Ebgp4 with { AddPathReceive = AddPathFamilies.IPv6Unicast };
        var body = U.Body("80 0E 1E 0002 01 10 20010DB8000000000000000000000001 00 00000005 20 20010DB8" + U.Origin + U.AsPath4);
        var m = U.Clean(body, ctx);
        Assert.Equal(new[] { new NlriEntry(U.P("2001:db8::/32"), 5) }, m.MpReach!.Nlri.ToArray());
        Assert.Equal(Hex.Of(U.Message(body)), Hex.Of(m.ToArray(new UpdateEncodeContext(true, AddPathFamilies.IPv6Unicast))));
    }
}
