using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests.Attributes;

/// <summary>RFC 6793: AS4_PATH/AS4_AGGREGATOR with OLD (2-octet) speakers.</summary>
public class As4Tests
{
    private static UpdateMessage FromOld(string attrs, int errors = 0)
    {
        var m = U.Ok(U.Body(attrs, U.Nlri24), U.Ebgp2);
        Assert.True(m.Errors.Count == errors, string.Join("; ", m.Errors));
        Assert.False(m.Attributes.Contains(AttributeType.As4Path));
        Assert.False(m.Attributes.Contains(AttributeType.As4Aggregator));
        return m;
    }

    // AS_PATH from an OLD speaker in AS 65001: 65001 AS_TRANS AS_TRANS 65002
    private const string OldAsPath = "40 02 0A 02 04 FDE9 5BA0 5BA0 FDEA";
    // AS4_PATH as the NEW speaker before it wrote: 4200000001 4200000002 65002
    private const string As4Path = "C0 11 0E 02 03 FA56EA01 FA56EA02 0000FDEA";

    [Fact]
    public void Section_4_2_3_merges_the_leading_as_path_numbers_with_as4_path()
    {
        var m = FromOld(U.Origin + OldAsPath + U.NextHop + As4Path);
        Assert.Equal("65001 4200000001 4200000002 65002", m.Attributes.AsPath!.ToString());
        Assert.Single(m.Attributes.AsPath.Segments);
    }

    [Fact]
    public void As4_aggregator_replaces_an_as_trans_aggregator()
    {
        var m = FromOld(U.Origin + OldAsPath + U.NextHop + "C0 07 06 5BA0 C0000209" + As4Path + "C0 12 08 FA56EA01 C0000209");
        Assert.Equal(new Aggregator(4200000001, 0xC0000209), m.Attributes.Aggregator);
        Assert.Equal("65001 4200000001 4200000002 65002", m.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void Aggregator_not_as_trans_means_as4_attributes_are_ignored()
    {
        var m = FromOld(U.Origin + OldAsPath + U.NextHop + "C0 07 06 FDED C0000209" + As4Path + "C0 12 08 FA56EA01 C0000209");
        Assert.Equal(new Aggregator(65005, 0xC0000209), m.Attributes.Aggregator);
        Assert.Equal("65001 23456 23456 65002", m.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void As4_path_longer_than_as_path_is_ignored()
    {
        var m = FromOld(U.Origin + "40 02 04 02 01 FDE9" + U.NextHop + "C0 11 0A 02 02 00000001 00000002");
        Assert.Equal("65001", m.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void As_set_counts_as_one_when_merging()
    {
        // AS_PATH: 65001 AS_TRANS {AS_TRANS 65003} (N = 3); AS4_PATH: 4200000001 {4200000002 65003} (M = 2)
        var m = FromOld(U.Origin + "40 02 0C 02 02 FDE9 5BA0 01 02 5BA0 FDEB" + U.NextHop + "C0 11 10 02 01 FA56EA01 01 02 FA56EA02 0000FDEB");
        Assert.Equal("65001 4200000001 {4200000002 65003}", m.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void Leading_confederation_segments_stay_when_merging()
    {
        var ctx = U.Ebgp2 with { Peer = PeerKind.Internal };
        var m = U.Ok(U.Body(U.Origin + "40 02 0A 03 01 FDEA 02 02 5BA0 FDEA" + U.NextHop + "C0 11 0A 02 02 FA56EA01 0000FDEA", U.Nlri24), ctx);
        Assert.Empty(m.Errors);
        Assert.Equal("(65002) 4200000001 65002", m.Attributes.AsPath!.ToString());
    }

    [Fact]
    public void Confederation_segments_in_as4_path_are_dropped_and_logged_rfc6793_6()
    {
        var m = FromOld(U.Origin + "40 02 08 02 03 FDE9 5BA0 FDEA" + U.NextHop + "C0 11 10 03 01 0000FDEF 02 02 FA56EA01 0000FDEA", errors: 1);
        U.Is(m.Errors[0], ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, "C0 11 10 03 01 0000FDEF 02 02 FA56EA01 0000FDEA");
        Assert.Equal("65001 4200000001 65002", m.Attributes.AsPath!.ToString());
    }

    [Theory]
    [InlineData("C0 11 04 02 01 0001")]                   // too short for one 4-octet AS
    [InlineData("C0 11 07 02 01 00000001 00")]            // odd length
    [InlineData("C0 11 06 02 02 00000001")]               // segment overrun
    [InlineData("C0 11 06 07 01 00000001")]               // unknown segment type
    [InlineData("C0 11 06 02 01 00000000")]               // AS 0 (RFC 7607)
    public void Malformed_as4_path_is_discarded_rfc6793_6(string as4)
    {
        var m = FromOld(U.Origin + OldAsPath + U.NextHop + as4, errors: 1);
        U.Is(m.Errors[0], ErrorAction.AttributeDiscard, m.Errors[0].Subcode, as4);
        Assert.Equal(ErrorAction.AttributeDiscard, m.Action);
        Assert.Equal("65001 23456 23456 65002", m.Attributes.AsPath!.ToString());
    }

    [Theory]
    [InlineData("C0 12 07 FA56EA01 C00002")]
    [InlineData("C0 12 08 00000000 C0000209")]
    public void Malformed_as4_aggregator_is_discarded(string as4agg)
    {
        var m = FromOld(U.Origin + OldAsPath + U.NextHop + "C0 07 06 5BA0 C0000209" + as4agg, errors: 1);
        U.Is(m.Errors[0], ErrorAction.AttributeDiscard, m.Errors[0].Subcode, as4agg);
        Assert.Equal(new Aggregator(23456, 0xC0000209), m.Attributes.Aggregator);
    }

    [Fact]
    public void As4_attributes_from_a_new_speaker_are_discarded_rfc6793_6()
    {
        var m = U.Ok(U.Body(U.Mandatory + "C0 11 0A 02 02 00000001 00000002" + "C0 12 08 FA56EA01 C0000209", U.Nlri24), U.Ebgp4);
        Assert.Equal(2, m.Errors.Count);
        U.Is(m.Errors[0], ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, "C0 11 0A 02 02 00000001 00000002");
        U.Is(m.Errors[1], ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, "C0 12 08 FA56EA01 C0000209");
        Assert.Equal("65001", m.Attributes.AsPath!.ToString());
        Assert.False(m.Attributes.Contains(AttributeType.As4Path));
    }

    [Fact]
    public void Sending_to_an_old_speaker_builds_as_trans_and_as4_attributes_rfc6793_4_2_2()
    {
        var attrs = new PathAttributesBuilder
        {
            Origin = Origin.Igp,
            AsPath = AsPath.Sequence(65001, 4200000001),
            NextHop = 0xC0000201,
            Aggregator = new Aggregator(4200000001, 0xC0000209),
        }.Build();
        var msg = UpdateEncoder.EncodeIPv4(U.Enc2, default, attrs, U.Ps("198.51.100.0/24"));
        var expected = U.Message(U.Body(
            U.Origin +
            "40 02 06 02 02 FDE9 5BA0" +                  // AS_PATH with AS_TRANS
            U.NextHop +
            "C0 07 06 5BA0 C0000209" +                    // AGGREGATOR with AS_TRANS
            "C0 11 0A 02 02 0000FDE9 FA56EA01" +          // AS4_PATH
            "C0 12 08 FA56EA01 C0000209",                 // AS4_AGGREGATOR
            U.Nlri24));
        Assert.Equal(Hex.Of(expected), Hex.Of(msg));
        var back = U.Clean(msg[19..], U.Ebgp2);
        Assert.Equal(attrs, back.Attributes);
    }

    [Fact]
    public void No_as4_path_when_every_as_fits_two_octets()
    {
        var attrs = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001, 65002), NextHop = 0xC0000201 }.Build();
        var msg = UpdateEncoder.EncodeIPv4(U.Enc2, default, attrs, U.Ps("198.51.100.0/24"));
        Assert.Equal(Hex.Of(U.Message(U.Body(U.Origin + "40 02 06 02 02 FDE9 FDEA" + U.NextHop, U.Nlri24))), Hex.Of(msg));
    }

    [Fact]
    public void As4_path_leaves_out_confederation_segments()
    {
        var path = new AsPath(new[] { new AsPathSegment(AsPathSegmentType.AsConfedSequence, 65010), new AsPathSegment(AsPathSegmentType.AsSequence, 4200000001) });
        var attrs = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = path, NextHop = 0xC0000201 }.Build();
        var msg = UpdateEncoder.EncodeIPv4(U.Enc2, default, attrs, U.Ps("198.51.100.0/24"));
        Assert.Equal(Hex.Of(U.Message(U.Body(U.Origin + "40 02 08 03 01 FDF2 02 01 5BA0" + U.NextHop + "C0 11 06 02 01 FA56EA01", U.Nlri24))), Hex.Of(msg));
        var back = U.Clean(msg[19..], U.Ebgp2 with { Peer = PeerKind.ConfederationExternal });
        Assert.Equal(attrs, back.Attributes);
    }
}
