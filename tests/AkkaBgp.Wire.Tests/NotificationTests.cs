using System.Text;

namespace AkkaBgp.Wire.Tests;

/// <summary>NOTIFICATION, RFC 4271 section 4.5, and the Shutdown Communication of RFC 9003.</summary>
public class NotificationTests
{
    [Fact]
    public void Golden_hold_timer_expired()
    {
        byte[] bytes = Hex.Parse("M 0015 03 04 00");
        var n = Assert.IsType<NotificationMessage>(Decode.Ok(bytes));
        Assert.Equal((4, 0), (n.Code, n.Subcode));
        Assert.Empty(n.Data);
        Assert.Equal("Hold Timer Expired / Unspecific", n.Describe());
        Assert.Equal(bytes, new NotificationMessage(4, 0).ToArray());
    }

    [Fact]
    public void Golden_bad_message_length_with_data()
    {
        byte[] bytes = Hex.Parse("M 0017 03 01 02 1001");
        var n = Assert.IsType<NotificationMessage>(Decode.Ok(bytes));
        Assert.Equal("Message Header Error / Bad Message Length (data 1001)", n.Describe());
        Assert.Equal(bytes, n.ToArray());
    }

    [Fact]
    public void Golden_shutdown_communication()
    {
        byte[] bytes = Hex.Parse("M 0021 03 06 02 0B" + Hex.Of(Encoding.ASCII.GetBytes("maintenance")));
        var n = Assert.IsType<NotificationMessage>(Decode.Ok(bytes));
        Assert.Equal((6, 2), (n.Code, n.Subcode));
        Assert.Equal("maintenance", n.ShutdownCommunication);
        Assert.Equal("Cease / Administrative Shutdown: \"maintenance\"", n.Describe());
        Assert.Equal(bytes, NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "maintenance").ToArray());
    }

    [Fact]
    public void Shutdown_communication_utf8_up_to_255_octets()
    {
        string text = string.Concat(Enumerable.Repeat("é", 127)) + "x"; // 255 octets of UTF-8
        var n = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeReset, text);
        Assert.Equal(255, n.Data[0]);
        var back = Assert.IsType<NotificationMessage>(Decode.Ok(n.ToArray()));
        Assert.Equal(text, back.ShutdownCommunication);
        Assert.Throws<WireException>(() => NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, text + "y"));
        Assert.Throws<WireException>(() => NotificationMessage.Shutdown(CeaseSubcode.PeerDeconfigured, "no"));
    }

    [Fact]
    public void Empty_shutdown_communication()
    {
        var n = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, null);
        Assert.Equal(Hex.Parse("M 0016 03 06 02 00"), n.ToArray());
        Assert.Equal("", n.ShutdownCommunication);
        Assert.Equal("Cease / Administrative Shutdown", n.Describe());
        // No data at all is also fine (pre-RFC 8203 speakers).
        var bare = Assert.IsType<NotificationMessage>(Decode.Ok(Hex.Parse("M 0015 03 06 02")));
        Assert.Null(bare.ShutdownCommunication);
    }

    [Theory]
    [InlineData("M 0018 03 06 02 05 4142", "length 5 exceeds")]          // length past the data
    [InlineData("M 0018 03 06 04 02 C328", "not valid UTF-8")]           // invalid UTF-8
    [InlineData("M 0017 03 06 02 01 FF", "not valid UTF-8")]
    public void Bad_shutdown_communication_keeps_raw_data(string hex, string problemText)
    {
        byte[] bytes = Hex.Parse(hex);
        var n = Assert.IsType<NotificationMessage>(Decode.Ok(bytes));
        Assert.Null(n.GetShutdownCommunication(out string? problem));
        Assert.Contains(problemText, problem);
        Assert.Equal(bytes[21..], n.Data);
        Assert.Contains("data", n.Describe());
        Assert.Equal(bytes, n.ToArray());
    }

    [Fact]
    public void Control_characters_are_not_logged()
    {
        var n = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "a\nb\u001b[2J");
        Assert.Equal("a\nb\u001b[2J", n.ShutdownCommunication);
        Assert.DoesNotContain('\n', n.Describe());
        Assert.DoesNotContain('\u001b', n.Describe());
    }

    [Fact]
    public void Every_code_has_a_description()
    {
        Assert.Equal("Send Hold Timer Expired / Unspecific", new NotificationMessage(8, 0).Describe());
        Assert.Equal("Cease / Hard Reset", new NotificationMessage(6, 9).Describe());
        Assert.Equal("Finite State Machine Error / Receive Unexpected Message in OpenConfirm State", new NotificationMessage(5, 2).Describe());
        Assert.Equal("ROUTE-REFRESH Message Error / Invalid Message Length", new NotificationMessage(7, 1).Describe());
    }

    [Fact]
    public void From_error_sends_the_error_fields()
    {
        var e = WireError.Reset(1, 2, [0x10, 0x01], "x");
        Assert.Equal(Hex.Parse("M 0017 03 01 02 1001"), NotificationMessage.From(e).ToArray());
    }
}
