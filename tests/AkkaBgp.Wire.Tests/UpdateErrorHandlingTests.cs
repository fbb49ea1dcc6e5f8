using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>RFC 7606 (and RFC 4271 6.3 where 7606 keeps it): action, code/subcode and data for each case.</summary>
public class UpdateErrorHandlingTests
{
    private const ErrorAction Reset = ErrorAction.SessionReset;
    private const ErrorAction Taw = ErrorAction.TreatAsWithdraw;
    private const ErrorAction Discard = ErrorAction.AttributeDiscard;
    private const ErrorAction Disable = ErrorAction.AfiSafiDisable;

    private static UpdateMessage One(string attrs, ErrorAction action, byte subcode, string data, UpdateDecodeContext? ctx = null, string nlri = U.Nlri24)
    {
        var m = U.Ok(U.Body(attrs, nlri), ctx);
        U.Single(m, action, subcode, data);
        return m;
    }

    // ---- message structure (RFC 4271 6.3, RFC 7606 4 and 5.3) ----

    [Fact]
    public void Withdrawn_routes_length_beyond_the_message_resets_3_1()
        => U.Is(U.Fatal(Hex.Parse("0005 0800 0000")), Reset, UpdateSubcode.MalformedAttributeList, "");

    [Fact]
    public void Total_path_attribute_length_beyond_the_message_resets_3_1()
        => U.Is(U.Fatal(Hex.Parse("0000 0010 40010100")), Reset, UpdateSubcode.MalformedAttributeList, "");

    [Fact]
    public void Body_too_short_for_the_length_fields_resets_3_1()
        => U.Is(U.Fatal(Hex.Parse("0000 00")), Reset, UpdateSubcode.MalformedAttributeList, "");

    [Theory]
    [InlineData("21 0A000000 00")]   // /33
    [InlineData("18 C633")]          // overrun
    [InlineData("18 C63364 20 0A")]  // second prefix overruns
    public void Invalid_nlri_resets_3_10(string nlri)
        => U.Is(U.Fatal(U.Body(U.Mandatory, nlri)), Reset, UpdateSubcode.InvalidNetworkField, "");

    [Fact]
    public void Invalid_withdrawn_routes_reset_3_10()
        => U.Is(U.Fatal(U.Body("", "", "21 0A00000000")), Reset, UpdateSubcode.InvalidNetworkField, "");

    [Fact]
    public void Attribute_overrunning_the_attribute_section_is_treat_as_withdraw_rfc7606_4()
    {
        // MED claims 8 octets, 4 remain. The Total Path Attribute Length still locates the NLRI.
        var m = One(U.Mandatory + "80 04 08 00000064", Taw, UpdateSubcode.MalformedAttributeList, "80 04 08 00000064");
        Assert.Equal(U.Ps("198.51.100.0/24"), m.Nlri.ToArray());
        Assert.True(m.IsTreatAsWithdraw);
        Assert.Equal(Origin.Igp, m.Attributes.Origin);
    }

    [Fact]
    public void Too_few_octets_left_for_an_attribute_is_treat_as_withdraw_rfc7606_4()
    {
        var m = One(U.Mandatory + "80 04", Taw, UpdateSubcode.MalformedAttributeList, "80 04");
        Assert.Equal(1, m.Nlri.Count);
        One(U.Mandatory + "90 04 00", Taw, UpdateSubcode.MalformedAttributeList, "90 04 00"); // extended length needs 4
    }

    [Fact]
    public void Mp_reach_overrunning_the_attribute_section_resets_3_1()
        => U.Is(U.Fatal(U.Body(U.Origin + U.AsPath4 + "80 0E 30 0002 01 10")), Reset, UpdateSubcode.MalformedAttributeList, "");

    // ---- duplicates (RFC 7606 3(g)) ----

    [Fact]
    public void Duplicate_attribute_keeps_the_first()
    {
        var m = One(U.Mandatory + "C0 08 04 FDE80001 C0 08 04 FDE80002", Discard, UpdateSubcode.MalformedAttributeList, "C0 08 04 FDE80002");
        Assert.Equal(new[] { new Community(65000, 1) }, m.Attributes.Communities);
    }

    [Fact]
    public void Duplicate_mp_reach_resets_3_1()
        => U.Is(U.Fatal(U.Body(U.Origin + U.AsPath4 + "80 0E 0D 0001 01 04 C0000201 00 18 C63364" + "80 0E 0D 0001 01 04 C0000201 00 18 C63365")),
            Reset, UpdateSubcode.MalformedAttributeList, "");

    [Fact]
    public void Duplicate_mp_unreach_resets_3_1()
        => U.Is(U.Fatal(U.Body("80 0F 03 0002 01 80 0F 03 0002 01")), Reset, UpdateSubcode.MalformedAttributeList, "");

    // ---- missing well-known attributes (RFC 7606 3(d), RFC 4760 3) ----

    [Theory]
    [InlineData(U.AsPath4 + U.NextHop, "01")]
    [InlineData(U.Origin + U.NextHop, "02")]
    [InlineData(U.Origin + U.AsPath4, "03")]
    public void Missing_well_known_attribute_is_treat_as_withdraw_3_3(string attrs, string missing)
    {
        var m = One(attrs, Taw, UpdateSubcode.MissingWellKnownAttribute, missing);
        Assert.Equal(1, m.Nlri.Count);
    }

    [Fact]
    public void Next_hop_is_not_required_with_mp_reach_only()
        => U.Clean(U.Body("80 0E 0D 0001 01 04 C0000201 00 18 C63364" + U.Origin + U.AsPath4));

    [Fact]
    public void Missing_origin_with_mp_reach_is_treat_as_withdraw_and_carries_the_routes()
    {
        var m = One("80 0E 1A 0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8" + U.AsPath4, Taw, UpdateSubcode.MissingWellKnownAttribute, "01", nlri: "");
        Assert.Equal(U.Ps("2001:db8::/32"), m.MpReach!.Nlri.ToArray());
    }

    [Fact]
    public void Nothing_is_missing_without_routes()
        => U.Clean(U.Body("C0 08 04 FDE80001", "", "18 C63364"));

    [Fact]
    public void Nlri_without_any_attribute_is_treat_as_withdraw()
    {
        var m = U.Ok(U.Body("", U.Nlri24));
        Assert.Equal(3, m.Errors.Count);
        Assert.All(m.Errors, e => Assert.Equal(UpdateSubcode.MissingWellKnownAttribute, e.Subcode));
        Assert.True(m.IsTreatAsWithdraw);
        Assert.False(m.IsEndOfRib);
    }

    // ---- unrecognised well-known (RFC 4271 6.3) ----

    [Fact]
    public void Unrecognized_well_known_attribute_resets_3_2_with_the_attribute()
        => U.Is(U.Fatal(U.Body(U.Mandatory + "40 63 02 0102", U.Nlri24)), Reset, UpdateSubcode.UnrecognizedWellKnownAttribute, "40 63 02 0102");

    // ---- flags (RFC 7606 3(c)) ----

    [Theory]
    [InlineData("80 01 01 00" + U.AsPath4 + U.NextHop, "80 01 01 00")]          // ORIGIN marked optional
    [InlineData(U.Origin + "C0 02 00" + U.NextHop, "C0 02 00")]                  // AS_PATH marked optional transitive
    [InlineData(U.Origin + U.AsPath4 + "00 03 04 C0000201", "00 03 04 C0000201")] // NEXT_HOP not transitive
    [InlineData(U.Mandatory + "C0 04 04 00000001", "C0 04 04 00000001")]         // MED marked transitive
    [InlineData(U.Mandatory + "80 08 04 FDE80001", "80 08 04 FDE80001")]         // COMMUNITIES not transitive
    [InlineData(U.Mandatory + "80 20 0C 000000010000000200000003", "80 20 0C 000000010000000200000003")]
    public void Flags_error_on_a_treat_as_withdraw_attribute(string attrs, string data)
        => One(attrs, Taw, UpdateSubcode.AttributeFlagsError, data);

    [Theory]
    [InlineData("C0 06 00")]                 // ATOMIC_AGGREGATE marked optional
    [InlineData("40 07 08 0000FDE8 C0000209")] // AGGREGATOR not optional
    public void Flags_error_on_a_discard_attribute(string attr)
    {
        var m = One(U.Mandatory + attr, Discard, UpdateSubcode.AttributeFlagsError, attr);
        Assert.False(m.Attributes.AtomicAggregate);
        Assert.Null(m.Attributes.Aggregator);
    }

    [Fact]
    public void Flags_error_on_mp_reach_resets_3_4_with_the_attribute()
        => U.Is(U.Fatal(U.Body(U.Origin + U.AsPath4 + "C0 0E 0D 0001 01 04 C0000201 00 18 C63364")), Reset, UpdateSubcode.AttributeFlagsError,
            "C0 0E 0D 0001 01 04 C0000201 00 18 C63364");

    // ---- per attribute (RFC 7606 section 7) ----

    [Theory]
    [InlineData("40 01 02 0000", UpdateSubcode.AttributeLengthError)]
    [InlineData("40 01 00", UpdateSubcode.AttributeLengthError)]
    [InlineData("40 01 01 03", UpdateSubcode.InvalidOriginAttribute)]
    public void Origin_malformed_is_treat_as_withdraw_7_1(string origin, byte subcode)
        => One(origin + U.AsPath4 + U.NextHop, Taw, subcode, origin);

    [Theory]
    [InlineData("40 02 02 02 00")]                       // segment length 0
    [InlineData("40 02 06 05 01 0000FDE9")]              // unknown segment type
    [InlineData("40 02 06 02 02 0000FDE9")]              // segment overruns
    [InlineData("40 02 07 02 01 0000FDE9 02")]           // one trailing octet
    [InlineData("40 02 06 02 01 00000000")]              // AS 0, RFC 7607
    [InlineData("40 02 0C 03 01 0000FDEA 02 01 0000FDE9")] // confederation segment from an external peer, RFC 5065 5
    public void As_path_malformed_is_treat_as_withdraw_7_2(string asPath)
        => One(U.Origin + asPath + U.NextHop, Taw, UpdateSubcode.MalformedAsPath, asPath);

    [Fact]
    public void As_path_2_octet_encoding_received_on_a_4_octet_session_is_malformed()
        => One(U.Origin + "40 02 06 02 02 FDE8 FDE9" + U.NextHop, Taw, UpdateSubcode.MalformedAsPath, "40 02 06 02 02 FDE8 FDE9");

    [Fact]
    public void Leftmost_as_not_the_peer_as_is_treat_as_withdraw()
    {
        var ctx = U.Ebgp4 with { PeerAs = 65002 };
        One(U.Mandatory, Taw, UpdateSubcode.MalformedAsPath, "", ctx);
        U.Clean(U.Body(U.Mandatory, U.Nlri24), U.Ebgp4 with { PeerAs = 65001 });
    }

    [Theory]
    [InlineData("40 03 05 C000020100", UpdateSubcode.AttributeLengthError)]
    [InlineData("40 03 00", UpdateSubcode.AttributeLengthError)]
    [InlineData("40 03 04 00000000", UpdateSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 7F000001", UpdateSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 E0000001", UpdateSubcode.InvalidNextHopAttribute)]
    [InlineData("40 03 04 FFFFFFFF", UpdateSubcode.InvalidNextHopAttribute)]
    public void Next_hop_malformed_is_treat_as_withdraw_7_3(string nextHop, byte subcode)
        => One(U.Origin + U.AsPath4 + nextHop, Taw, subcode, nextHop);

    [Theory]
    [InlineData("80 04 03 000001")]
    [InlineData("80 04 00")]
    public void Med_malformed_is_treat_as_withdraw_7_4(string med)
        => One(U.Mandatory + med, Taw, UpdateSubcode.AttributeLengthError, med);

    [Fact]
    public void Local_pref_from_an_external_peer_is_discarded_7_5()
    {
        var m = One(U.Mandatory + "40 05 04 00000064", Discard, UpdateSubcode.MalformedAttributeList, "40 05 04 00000064");
        Assert.Null(m.Attributes.LocalPref);
        // Even a malformed one: discard wins because the attribute is dropped before it is parsed.
        One(U.Mandatory + "40 05 02 0064", Discard, UpdateSubcode.MalformedAttributeList, "40 05 02 0064");
    }

    [Fact]
    public void Local_pref_is_accepted_from_a_confederation_peer()
        => Assert.Equal(100u, U.Clean(U.Body(U.Mandatory + "40 05 04 00000064", U.Nlri24), U.Ebgp4 with { Peer = PeerKind.ConfederationExternal }).Attributes.LocalPref);

    [Fact]
    public void Local_pref_malformed_from_an_internal_peer_is_treat_as_withdraw_7_5()
        => One(U.Mandatory + "40 05 02 0064", Taw, UpdateSubcode.AttributeLengthError, "40 05 02 0064", U.Ibgp4);

    [Fact]
    public void Atomic_aggregate_malformed_is_discarded_7_6()
        => Assert.False(One(U.Mandatory + "40 06 01 00", Discard, UpdateSubcode.AttributeLengthError, "40 06 01 00").Attributes.AtomicAggregate);

    [Theory]
    [InlineData("C0 07 06 FDE8 C0000209", UpdateSubcode.AttributeLengthError)]     // 2-octet form on a 4-octet session
    [InlineData("C0 07 07 0000FDE8 C00002", UpdateSubcode.AttributeLengthError)]
    [InlineData("C0 07 08 00000000 C0000209", UpdateSubcode.OptionalAttributeError)] // AS 0, RFC 7607
    public void Aggregator_malformed_is_discarded_7_7(string agg, byte subcode)
    {
        var m = One(U.Mandatory + agg, Discard, subcode, agg);
        Assert.Null(m.Attributes.Aggregator);
        Assert.False(m.IsTreatAsWithdraw);
    }

    [Fact]
    public void Aggregator_4_octet_form_on_a_2_octet_session_is_discarded_7_7()
        => One(U.Origin + "40 02 04 02 01 FDE9" + U.NextHop + "C0 07 08 0000FDE8 C0000209", Discard, UpdateSubcode.AttributeLengthError, "C0 07 08 0000FDE8 C0000209", U.Ebgp2);

    [Theory]
    [InlineData("C0 08 00")]
    [InlineData("C0 08 05 FDE8006400")]
    public void Communities_malformed_is_treat_as_withdraw_7_8(string c)
        => One(U.Mandatory + c, Taw, UpdateSubcode.AttributeLengthError, c);

    [Fact]
    public void Originator_id_and_cluster_list_from_an_external_peer_are_discarded_7_9_7_10()
    {
        var m = U.Ok(U.Body(U.Mandatory + "80 09 04 C0000202 80 0A 04 C0000203", U.Nlri24));
        Assert.Equal(2, m.Errors.Count);
        U.Is(m.Errors[0], Discard, UpdateSubcode.MalformedAttributeList, "80 09 04 C0000202");
        U.Is(m.Errors[1], Discard, UpdateSubcode.MalformedAttributeList, "80 0A 04 C0000203");
        Assert.Null(m.Attributes.OriginatorId);
        Assert.Empty(m.Attributes.ClusterList);
        Assert.Equal(Discard, m.Action);
    }

    [Theory]
    [InlineData("80 09 03 C00002")]
    [InlineData("80 09 00")]
    [InlineData("80 0A 00")]
    [InlineData("80 0A 06 C0000203 0001")]
    public void Originator_id_and_cluster_list_malformed_from_internal_is_treat_as_withdraw(string attr)
        => One(U.Mandatory + attr, Taw, UpdateSubcode.AttributeLengthError, attr, U.Ibgp4);

    [Theory]
    [InlineData("C0 10 00")]
    [InlineData("C0 10 07 0002FDE8000000")]
    public void Extended_communities_malformed_is_treat_as_withdraw(string attr)
        => One(U.Mandatory + attr, Taw, UpdateSubcode.AttributeLengthError, attr);

    [Theory]
    [InlineData("C0 20 00")]
    [InlineData("C0 20 0D 000000010000000200000003 00")]
    public void Large_communities_malformed_is_treat_as_withdraw_rfc8092_6(string attr)
        => One(U.Mandatory + attr, Taw, UpdateSubcode.AttributeLengthError, attr);

    [Fact]
    public void Otc_malformed_is_treat_as_withdraw_rfc9234_5()
        => One(U.Mandatory + "C0 23 03 00FDE9", Taw, UpdateSubcode.AttributeLengthError, "C0 23 03 00FDE9");

    // ---- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 7606 7.11, RFC 4760 7) ----

    [Theory]
    [InlineData("80 0E 04 0002 01 00")]                  // shorter than 5
    [InlineData("80 0E 06 0002 01 10 0000")]             // next hop length beyond the attribute
    public void Mp_reach_unparseable_resets_3_9_with_the_attribute(string attr)
        => U.Is(U.Fatal(U.Body(U.Origin + U.AsPath4 + attr)), Reset, UpdateSubcode.OptionalAttributeError, attr);

    [Fact]
    public void Mp_unreach_unparseable_resets_3_9()
        => U.Is(U.Fatal(U.Body("80 0F 02 0002")), Reset, UpdateSubcode.OptionalAttributeError, "80 0F 02 0002");

    [Theory]
    [InlineData("80 0E 0D 0002 01 04 C0000201 00 18 C63364")]                                   // IPv6 with a 4-octet next hop
    [InlineData("80 0E 17 0002 01 10 20010DB8000000000000000000000001 00 81 00")]               // prefix length 129
    [InlineData("80 0E 17 0002 01 10 20010DB8000000000000000000000001 00 40 20")]               // prefix overrun
    [InlineData("80 0E 0A 0001 01 05 C000020100 00")]                                           // IPv4 with a 5-octet next hop
    public void Mp_reach_malformed_for_a_known_family_disables_it(string attr)
        => U.Is(U.Fatal(U.Body(U.Origin + U.AsPath4 + attr)), Disable, UpdateSubcode.OptionalAttributeError, attr);

    [Fact]
    public void Mp_unreach_malformed_for_a_known_family_disables_it()
        => U.Is(U.Fatal(U.Body("80 0F 05 0002 01 81 00")), Disable, UpdateSubcode.OptionalAttributeError, "80 0F 05 0002 01 81 00");

    // ---- several errors: the strongest action wins ----

    [Fact]
    public void Treat_as_withdraw_beats_discard()
    {
        var m = U.Ok(U.Body(U.Mandatory + "40 06 01 00" + "80 04 03 000001", U.Nlri24));
        Assert.Equal(2, m.Errors.Count);
        Assert.Equal(Discard, m.Errors[0].Action);
        Assert.Equal(Taw, m.Errors[1].Action);
        Assert.Equal(Taw, m.Action);
    }

    [Fact]
    public void Reset_beats_treat_as_withdraw()
        => U.Is(U.Fatal(U.Body(U.Mandatory + "80 04 03 000001" + "40 63 00", U.Nlri24)), Reset, UpdateSubcode.UnrecognizedWellKnownAttribute, "40 63 00");

    [Fact]
    public void Afi_safi_disable_beats_treat_as_withdraw()
        => U.Is(U.Fatal(U.Body("40 01 01 07" + U.AsPath4 + "80 0E 0D 0002 01 04 C0000201 00 18 C63364")), Disable, UpdateSubcode.OptionalAttributeError,
            "80 0E 0D 0002 01 04 C0000201 00 18 C63364");

    [Fact]
    public void Reset_beats_an_earlier_afi_safi_disable()
        => U.Is(U.Fatal(U.Body("80 0E 0D 0002 01 04 C0000201 00 18 C63364" + U.Origin + U.AsPath4 + "40 63 00")), Reset,
            UpdateSubcode.UnrecognizedWellKnownAttribute, "40 63 00");

    [Fact]
    public void Treat_as_withdraw_still_delivers_nlri_withdrawn_and_mp_routes()
    {
        var m = U.Ok(U.Body("80 0E 1A 0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8" + "40 01 01 09" + U.AsPath4 + U.NextHop, U.Nlri24, "08 0B"));
        Assert.True(m.IsTreatAsWithdraw);
        Assert.Equal(U.Ps("198.51.100.0/24"), m.Nlri.ToArray());
        Assert.Equal(U.Ps("11.0.0.0/8"), m.Withdrawn.ToArray());
        Assert.Equal(U.Ps("2001:db8::/32"), m.MpReach!.Nlri.ToArray());
        Assert.Equal(2, m.AnnouncedCount);
    }

    [Fact]
    public void Unknown_optional_attributes_are_never_errors()
    {
        var m = U.Clean(U.Body(U.Mandatory + "80 FF 00 C0 FE 01 00 E0 FD 02 0000", U.Nlri24));
        Assert.Equal(3, m.Attributes.Unrecognized.Count());
    }

    [Fact]
    public void Decoder_never_throws_on_truncations_of_a_valid_update()
    {
        var body = U.Body("80 0E 1A 0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8" + U.Mandatory + "C0 08 04 FDE80064 C0 20 0C 000000010000000200000003", "18 C63364 10 0A00", "08 0B");
        for (int i = 0; i <= body.Length; i++)
        {
            foreach (var ctx in new[] { U.Ebgp4, U.Ibgp4, U.Ebgp2 })
            {
                bool ok = UpdateMessage.TryDecode(body.AsSpan(0, i), ctx, out var m, out var e);
                Assert.True(ok ^ (e is not null));
                Assert.True(ok == (m is not null));
            }
        }
    }
}

public class UpdateErrorHandlingExtraTests
{
    [Theory]
    [InlineData("40 03 05 C000020100", UpdateSubcode.AttributeLengthError)]
    [InlineData("40 03 04 00000000", UpdateSubcode.InvalidNextHopAttribute)]
    [InlineData("C0 03 04 C0000201", UpdateSubcode.AttributeFlagsError)]
    public void Malformed_next_hop_without_ipv4_nlri_is_only_discarded_rfc4760_3(string nextHop, byte subcode)
    {
        var m = U.Ok(U.Body("80 0E 0D 0001 01 04 C0000201 00 18 C63364" + U.Origin + U.AsPath4 + nextHop));
        U.Single(m, ErrorAction.AttributeDiscard, subcode, nextHop);
        Assert.Null(m.Attributes.NextHop);
        Assert.Equal(1, m.MpReach!.Nlri.Count);
    }

    [Fact]
    public void Next_hop_flags_error_with_ipv4_nlri_is_treat_as_withdraw()
        => U.Single(U.Ok(U.Body(U.Origin + U.AsPath4 + "C0 03 04 C0000201", U.Nlri24)), ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeFlagsError, "C0 03 04 C0000201");

    [Fact]
    public void Add_path_negotiation_rfc7911_4()
    {
        var ours = new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Both), new AddPathFamily(AfiSafi.Ipv6Unicast, AddPathMode.Receive));
        var theirs = new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Receive), new AddPathFamily(AfiSafi.Ipv6Unicast, AddPathMode.Both));
        var (rx, tx) = AddPathFamilies.Negotiate(ours, theirs);
        Assert.False(rx.Contains(AfiSafi.Ipv4Unicast));
        Assert.True(tx.Contains(AfiSafi.Ipv4Unicast));
        Assert.True(rx.Contains(AfiSafi.Ipv6Unicast));
        Assert.False(tx.Contains(AfiSafi.Ipv6Unicast));
        Assert.Equal((AddPathFamilies.None, AddPathFamilies.None), AddPathFamilies.Negotiate(ours, null));
    }
}
