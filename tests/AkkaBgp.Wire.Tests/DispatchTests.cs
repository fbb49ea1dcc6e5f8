namespace AkkaBgp.Wire.Tests;

/// <summary>The top-level dispatch hands UPDATE bodies to the UPDATE decoder and passes its verdict on.</summary>
public class DispatchTests
{
    [Fact]
    public void End_of_rib_update_goes_through_the_update_decoder()
    {
        byte[] bytes = Hex.Parse("M 0017 02 0000 0000");
        var u = Assert.IsType<BgpUpdate>(Decode.Ok(bytes));
        Assert.True(u.Update.TryGetEndOfRib(out ushort afi, out byte safi));
        Assert.Equal((1, 1), (afi, safi));
        Assert.Equal(bytes, u.ToArray());
    }

    [Fact]
    public void Update_errors_come_back_as_wire_errors()
    {
        // Withdrawn Routes Length runs past the message: RFC 4271 6.3 / RFC 7606 section 4 -> 3/1.
        var e = Decode.Fails(Hex.Parse("M 0017 02 0005 0000"));
        Assert.Equal((3, 1), (e.Code, e.Subcode));
    }

    [Fact]
    public void Raw_update_bodies_encode_with_a_header()
    {
        var raw = new RawUpdateMessage(Hex.Parse("0000 0000"));
        Assert.Equal(Hex.Parse("M 0017 02 0000 0000"), raw.ToArray());
    }
}
