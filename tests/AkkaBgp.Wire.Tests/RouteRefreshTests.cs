namespace AkkaBgp.Wire.Tests;

/// <summary>ROUTE-REFRESH, RFC 2918 section 3, with the RFC 7313 subtypes and section 5 error.</summary>
public class RouteRefreshTests
{
    [Theory]
    [InlineData("M 0017 05 0001 00 01", 1, 1, RouteRefreshSubtype.Normal)]
    [InlineData("M 0017 05 0002 01 01", 2, 1, RouteRefreshSubtype.BeginningOfRouteRefresh)]
    [InlineData("M 0017 05 0001 02 80", 1, 128, RouteRefreshSubtype.EndOfRouteRefresh)]
    public void Golden(string hex, int afi, int safi, RouteRefreshSubtype subtype)
    {
        byte[] bytes = Hex.Parse(hex);
        var rr = Assert.IsType<RouteRefreshMessage>(Decode.Ok(bytes));
        Assert.Equal((ushort)afi, rr.Afi);
        Assert.Equal((byte)safi, rr.Safi);
        Assert.Equal(subtype, rr.Subtype);
        Assert.False(rr.MustBeIgnored);
        Assert.Equal(bytes, new RouteRefreshMessage((ushort)afi, (byte)safi, subtype).ToArray());
    }

    [Theory]
    [InlineData("M 0018 05 0001 01 01 00")]
    [InlineData("M 0016 05 0001 02")]
    [InlineData("M 001B 05 0002 01 01 00000000")]
    public void BoRR_EoRR_with_bad_length_is_7_1_with_the_whole_message(string hex)
    {
        byte[] bytes = Hex.Parse(hex);
        Decode.Is(Decode.Fails(bytes), 7, 1, Hex.Of(bytes));
    }

    [Theory]
    [InlineData("M 0017 05 0001 03 01")]
    [InlineData("M 0018 05 0001 FF 01 00")]
    public void Unknown_subtype_is_returned_for_ignoring(string hex)
    {
        var rr = Assert.IsType<RouteRefreshMessage>(Decode.Ok(Hex.Parse(hex)));
        Assert.True(rr.MustBeIgnored);
    }
}
