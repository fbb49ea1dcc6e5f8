namespace AkkaBgp.Wire.Tests;

/// <summary>RFC 4271 section 6.1 header checks, with the exact Data fields.</summary>
public class HeaderTests
{
    [Fact]
    public void Keepalive_golden()
    {
        byte[] bytes = Hex.Parse("M 0013 04");
        Assert.Same(KeepaliveMessage.Instance, Decode.Ok(bytes));
        Assert.Equal(bytes, KeepaliveMessage.Instance.ToArray());
        Assert.Equal(bytes, KeepaliveMessage.Bytes.ToArray());
    }

    [Fact]
    public void Bad_marker_is_connection_not_synchronized()
    {
        byte[] bytes = Hex.Parse("M 0013 04");
        bytes[7] = 0xFE;
        Decode.Is(Decode.Fails(bytes), 1, 1);
    }

    [Theory]
    [InlineData("0012", false)]      // below 19
    [InlineData("0000", false)]
    [InlineData("1001", false)]      // 4097 without Extended Messages
    [InlineData("FFFF", false)]
    public void Length_out_of_bounds_carries_the_length(string lengthHex, bool extended)
    {
        int length = Convert.ToInt32(lengthHex, 16);
        var bytes = new byte[Math.Max(length, 19)];
        Hex.Parse($"M {lengthHex} 02").CopyTo(bytes, 0);
        Decode.Is(Decode.Fails(bytes, extended), 1, 2, lengthHex);
    }

    [Fact]
    public void Extended_messages_allow_up_to_65535()
    {
        // A KEEPALIVE-shaped NOTIFICATION of 5000 octets is fine only with Extended Messages (RFC 8654 section 4).
        var bytes = new byte[5000];
        Hex.Parse("M 1388 03 06 00").CopyTo(bytes, 0);
        Decode.Is(Decode.Fails(bytes, extended: false), 1, 2, "1388");
        var n = Assert.IsType<NotificationMessage>(Decode.Ok(bytes, extended: true));
        Assert.Equal(5000 - 21, n.Data.Length);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("06")]
    [InlineData("FF")]
    public void Unknown_type_carries_the_type(string type)
        => Decode.Is(Decode.Fails(Hex.Parse($"M 0013 {type}")), 1, 3, type);

    [Theory]
    [InlineData("M 0014 04 00", "0014")]                               // KEEPALIVE must be exactly 19
    [InlineData("M 001C 01 04 FDE8 00B4 C0000201", "001C")]            // OPEN below 29
    [InlineData("M 0014 03 06", "0014")]                               // NOTIFICATION below 21
    [InlineData("M 0016 02 0000 00", "0016")]                          // UPDATE below 23
    [InlineData("M 0018 05 0001 00 01 00", "0018")]                    // ROUTE-REFRESH subtype 0, 24 octets
    [InlineData("M 0015 05 0001", "0015")]                             // ROUTE-REFRESH too short to show a subtype
    public void Per_type_length_checks(string hex, string lengthField)
        => Decode.Is(Decode.Fails(Hex.Parse(hex)), 1, 2, lengthField);

    [Fact]
    public void Length_field_must_match_the_given_message()
    {
        byte[] bytes = Hex.Parse("M 0013 04 00"); // 20 octets given, header says 19
        Decode.Is(Decode.Fails(bytes), 1, 2, "0013");
    }

    [Fact]
    public void Short_input_is_an_error_not_an_exception()
    {
        Decode.Is(Decode.Fails(Hex.Parse("M 00")), 1, 2);
        Decode.Is(Decode.Fails([]), 1, 2);
    }

    [Fact]
    public void Header_writer_rejects_unencodable_lengths()
    {
        var buf = new byte[19];
        Assert.Throws<WireException>(() => BgpHeader.Write(buf, MessageType.Keepalive, 18));
        Assert.Throws<WireException>(() => BgpHeader.Write(buf, MessageType.Keepalive, 65536));
    }

    [Fact]
    public void Encoder_enforces_the_session_maximum()
    {
        var n = new NotificationMessage(6, 0, new byte[5000]);
        Assert.Throws<WireException>(() => n.Encode(new byte[6000]));
        Assert.Equal(5021, n.Encode(new byte[6000], BgpHeader.ExtendedMaxMessageLength));
    }
}
