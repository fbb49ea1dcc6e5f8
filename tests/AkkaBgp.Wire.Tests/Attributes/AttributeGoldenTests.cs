using System.Net;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests.Attributes;

/// <summary>One golden vector per path attribute: decode, check each field, re-encode to the same bytes.</summary>
public class AttributeGoldenTests
{
    /// <summary>Decodes mandatory attributes + <paramref name="extraHex"/> (which must sort after type 3),
    /// asserts no errors and that re-encoding gives the same message back.</summary>
    private static PathAttributes RoundTrip(string extraHex, UpdateDecodeContext? dec = null, UpdateEncodeContext? enc = null, string? mandatory = null)
    {
        var body = U.Body((mandatory ?? U.Mandatory) + extraHex, U.Nlri24);
        var m = U.Clean(body, dec);
        Assert.Equal(Hex.Of(U.Message(body)), Hex.Of(m.ToArray(enc ?? U.Enc4)));
        return m.Attributes;
    }

    [Theory]
    [InlineData("00", Origin.Igp)]
    [InlineData("01", Origin.Egp)]
    [InlineData("02", Origin.Incomplete)]
    public void Origin_values(string v, Origin expected)
    {
        var a = RoundTrip("", mandatory: "400101" + v + U.AsPath4 + U.NextHop);
        Assert.Equal(expected, a.Origin);
    }

    [Fact]
    public void As_path_4_octet_sequence_and_set()
    {
        // AS_SEQUENCE 65000 65001 4200000000, AS_SET {1 2}
        var a = RoundTrip("", mandatory: U.Origin + "40 02 18 02 03 0000FDE8 0000FDE9 FA56EA00 01 02 00000001 00000002" + U.NextHop);
        Assert.Equal("65000 65001 4200000000 {1 2}", a.AsPath!.ToString());
        Assert.Equal(4, a.AsPath.Length);
        Assert.Equal(AsPathSegmentType.AsSequence, a.AsPath.Segments[0].Type);
        Assert.Equal(new uint[] { 65000, 65001, 4200000000 }, a.AsPath.Segments[0].Asns);
        Assert.Equal(AsPathSegmentType.AsSet, a.AsPath.Segments[1].Type);
        Assert.True(a.AsPath.RequiresFourOctets);
    }

    [Fact]
    public void As_path_confederation_segments_from_an_internal_peer()
    {
        // AS_CONFED_SEQUENCE (65002) AS_CONFED_SET [65003 65004] AS_SEQUENCE 65001 (RFC 5065 section 3)
        var a = RoundTrip("", U.Ibgp4, mandatory: U.Origin + "40 02 16 03 01 0000FDEA 04 02 0000FDEB 0000FDEC 02 01 0000FDE9" + U.NextHop);
        Assert.Equal("(65002) [65003 65004] 65001", a.AsPath!.ToString());
        Assert.Equal(1, a.AsPath.Length); // confederation segments count 0 (RFC 5065 5.3)
        Assert.Null(a.AsPath.LeftmostAs);
        Assert.True(a.AsPath.HasConfederationSegments);
    }

    [Fact]
    public void As_path_2_octet_form_with_an_old_speaker()
    {
        var a = RoundTrip("", U.Ebgp2, U.Enc2, mandatory: U.Origin + "40 02 06 02 02 FDE8 FDE9" + U.NextHop);
        Assert.Equal("65000 65001", a.AsPath!.ToString());
        // Stored canonically with 4-octet AS numbers.
        Assert.True(a.TryGet(AttributeType.AsPath, out var raw));
        Assert.Equal("02020000FDE80000FDE9", Hex.Of(raw.Value.Span));
    }

    [Fact]
    public void Empty_as_path_is_valid_rfc7606_4()
    {
        var a = RoundTrip("", U.Ibgp4, mandatory: U.Origin + "40 02 00" + U.NextHop);
        Assert.Empty(a.AsPath!.Segments);
        Assert.Equal(0, a.AsPath.Length);
    }

    [Fact]
    public void Next_hop()
    {
        var a = RoundTrip("");
        Assert.Equal(IPAddress.Parse("192.0.2.1"), a.NextHopAddress);
    }

    [Fact]
    public void Multi_exit_disc() => Assert.Equal(0xDEADBEEFu, RoundTrip("80 04 04 DEADBEEF").MultiExitDisc);

    [Fact]
    public void Local_pref_from_internal_peer() => Assert.Equal(200u, RoundTrip("40 05 04 000000C8", U.Ibgp4).LocalPref);

    [Fact]
    public void Atomic_aggregate() => Assert.True(RoundTrip("40 06 00").AtomicAggregate);

    [Fact]
    public void Aggregator_4_octet() =>
        Assert.Equal(new Aggregator(4200000001, 0xC0000209), RoundTrip("C0 07 08 FA56EA01 C0000209").Aggregator);

    [Fact]
    public void Aggregator_2_octet() =>
        Assert.Equal(new Aggregator(65000, 0xC0000209), RoundTrip("C0 07 06 FDE8 C0000209", U.Ebgp2, U.Enc2, U.Origin + "40 02 04 02 01 FDE9" + U.NextHop).Aggregator);

    [Fact]
    public void Communities_with_well_known_names()
    {
        var a = RoundTrip("C0 08 28 FFFF0000 FFFF0001 FFFF0006 FFFF0007 FFFF029A FFFFFF01 FFFFFF02 FFFFFF03 FFFFFF04 FDE80064");
        Assert.Equal(
            "GRACEFUL_SHUTDOWN ACCEPT_OWN LLGR_STALE NO_LLGR BLACKHOLE NO_EXPORT NO_ADVERTISE NO_EXPORT_SUBCONFED NOPEER 65000:100",
            string.Join(" ", a.Communities));
        Assert.Equal(new[] { Community.GracefulShutdown, Community.AcceptOwn, Community.LlgrStale, Community.NoLlgr, Community.Blackhole,
            Community.NoExport, Community.NoAdvertise, Community.NoExportSubconfed, Community.NoPeer, new Community(65000, 100) }, a.Communities);
        Assert.True(a.HasCommunity(Community.Blackhole));
        Assert.False(a.HasCommunity(new Community(1, 1)));
    }

    [Fact]
    public void Originator_id_and_cluster_list()
    {
        var a = RoundTrip("80 09 04 C0000202 80 0A 08 C0000203 C0000204", U.Ibgp4);
        Assert.Equal(0xC0000202u, a.OriginatorId);
        Assert.Equal(new uint[] { 0xC0000203, 0xC0000204 }, a.ClusterList);
    }

    [Fact]
    public void Extended_communities_route_target_and_origin()
    {
        // rt 65000:100 (2-octet AS, RFC 4360 3.1), soo 192.0.2.1:7 (IPv4, 3.2), rt 4200000001:5 (4-octet AS, RFC 5668), opaque
        var a = RoundTrip("C0 10 20 0002FDE800000064 0103C00002010007 0202FA56EA010005 030C000000000001");
        var e = a.ExtendedCommunities;
        Assert.Equal(4, e.Count);
        Assert.True(e[0].IsRouteTarget);
        Assert.Equal((0x00, 0x02), (e[0].Type, e[0].Subtype));
        Assert.Equal((65000u, 100u), e[0].Administrators);
        Assert.Equal("rt:65000:100", e[0].ToString());
        Assert.Equal(ExtendedCommunity.RouteTarget(65000, 100), e[0]);
        Assert.True(e[1].IsRouteOrigin);
        Assert.Equal("soo:192.0.2.1:7", e[1].ToString());
        Assert.True(e[2].IsRouteTarget);
        Assert.Equal(ExtendedCommunity.RouteTargetAs4(4200000001, 5), e[2]);
        Assert.Equal("rt:4200000001:5", e[2].ToString());
        Assert.False(e[3].IsRouteTarget);
        Assert.Equal((0x03, 0x0C), (e[3].Type, e[3].Subtype));
        Assert.True(e[3].IsTransitive);
    }

    [Fact]
    public void Large_communities() =>
        Assert.Equal(new[] { new LargeCommunity(65000, 1, 2), new LargeCommunity(4200000001, 0, 0xFFFFFFFF) },
            RoundTrip("C0 20 18 0000FDE8 00000001 00000002 FA56EA01 00000000 FFFFFFFF").LargeCommunities);

    [Fact]
    public void Only_to_customer() => Assert.Equal(65001u, RoundTrip("C0 23 04 0000FDE9").OnlyToCustomer);

    [Fact]
    public void Partial_bit_on_a_known_optional_transitive_attribute_is_kept()
    {
        var a = RoundTrip("E0 08 04 FDE80064");
        Assert.True(a.TryGet(AttributeType.Communities, out var c));
        Assert.True(c.IsPartial);
    }

    [Fact]
    public void Unknown_optional_transitive_gets_partial_when_readvertised()
    {
        var body = U.Body(U.Mandatory + "C0 63 03 010203" + "80 64 02 AABB", U.Nlri24);
        var m = U.Clean(body);
        var unknown = m.Attributes.Unrecognized.ToArray();
        Assert.Equal(2, unknown.Length);
        Assert.Equal((AttributeFlags)0xC0, unknown[0].Flags);
        Assert.Equal("010203", Hex.Of(unknown[0].Value.Span));
        Assert.Equal(Hex.Of(U.Message(body)), Hex.Of(m.ToArray(U.Enc4)));
        var re = m.ToArray(U.Enc4 with { ForReadvertisement = true });
        // 0xC0 -> 0xE0 for the optional transitive one; the optional non-transitive one is unchanged.
        Assert.Equal(Hex.Of(U.Message(U.Body(U.Mandatory + "E0 63 03 010203" + "80 64 02 AABB", U.Nlri24))), Hex.Of(re));
    }

    [Fact]
    public void Extended_length_both_ways()
    {
        // Received with Extended Length though short: known attributes are stored with the 1-octet form,
        // unknown ones keep their flags octet and length form byte-exact.
        var m = U.Clean(U.Body(U.Mandatory + "D0 08 0004 FDE80064" + "D0 63 0002 AABB", U.Nlri24));
        Assert.Equal(new[] { new Community(65000, 100) }, m.Attributes.Communities);
        Assert.Equal(Hex.Of(U.Message(U.Body(U.Mandatory + "C0 08 04 FDE80064" + "D0 63 0002 AABB", U.Nlri24))), Hex.Of(m.ToArray(U.Enc4)));

        // More than 255 octets: encoded with Extended Length.
        var b = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Empty, NextHop = 0xC0000201 };
        for (ushort i = 0; i < 70; i++) b.Communities.Add(new Community(65000, i));
        var attrs = b.Build();
        Assert.True(attrs.TryGet(AttributeType.Communities, out var raw));
        Assert.Equal(AttributeFlags.Optional | AttributeFlags.Transitive | AttributeFlags.ExtendedLength, raw.Flags);
        Assert.Equal(280, raw.Value.Length);
        var msg = UpdateEncoder.EncodeIPv4(U.Enc4, default, attrs, U.Ps("10.0.0.0/8"));
        int at = Hex.Of(msg).IndexOf("D0080118", StringComparison.Ordinal);
        Assert.True(at > 0);
        var back = U.Clean(msg[19..], U.Ibgp4);
        Assert.Equal(attrs, back.Attributes);
        Assert.Equal(70, back.Attributes.Communities.Count);
    }

    [Fact]
    public void Attributes_are_stored_sorted_by_type_so_equal_sets_are_equal()
    {
        var x = U.Clean(U.Body(U.Mandatory + "80 04 04 00000001 C0 08 04 FDE80064", U.Nlri24)).Attributes;
        var y = U.Clean(U.Body("C0 08 04 FDE80064" + U.NextHop + "80 04 04 00000001" + U.AsPath4 + U.Origin, U.Nlri24)).Attributes;
        Assert.Equal(x, y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.Equal(Hex.Of(x.EncodedSpan), Hex.Of(y.EncodedSpan));
        Assert.NotEqual(x, U.Clean(U.Body(U.Mandatory + "80 04 04 00000002", U.Nlri24)).Attributes);
    }

    [Fact]
    public void Builder_round_trip_through_to_builder()
    {
        var b = new PathAttributesBuilder
        {
            Origin = Origin.Incomplete,
            AsPath = AsPath.Sequence(65001, 4200000001).Prepend(65000, 2),
            NextHop = 0xC0000201,
            MultiExitDisc = 5,
            LocalPref = 100,
            AtomicAggregate = true,
            Aggregator = new Aggregator(65000, 0x0A000001),
            OriginatorId = 0x01020304,
            OnlyToCustomer = 65000,
        };
        b.ClusterList.Add(0x05060708);
        b.Communities.Add(Community.NoPeer);
        b.ExtendedCommunities.Add(ExtendedCommunity.RouteOrigin(65000, 1));
        b.LargeCommunities.Add(new LargeCommunity(1, 2, 3));
        b.Other.Add(new RawAttribute(0xC0, 0x63, new byte[] { 1 }));
        var a = b.Build();
        Assert.Equal("65000 65000 65001 4200000001", a.AsPath!.ToString());
        Assert.Equal(a, a.ToBuilder().Build());
        Assert.Contains("origin Incomplete", a.ToString());
    }
}
