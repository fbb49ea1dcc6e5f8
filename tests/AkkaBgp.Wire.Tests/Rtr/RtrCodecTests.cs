using System.Text;
using AkkaBgp.Wire.Rtr;

namespace AkkaBgp.Wire.Tests.Rtr;

/// <summary>Every PDU of RFC 8210 / RFC 6810 against octets written from the RFCs' figures, both ways, and every
/// Error Report code the decoder maps a malformed PDU to (RFC 8210 section 12).</summary>
public class RtrCodecTests
{
    private static RtrPdu Ok(string hex)
    {
        var bytes = Hex.Parse(hex);
        var r = RtrCodec.Decode(bytes);
        Assert.True(r.Status == RtrDecodeStatus.Pdu, r.Error?.ToString() ?? r.Status.ToString());
        Assert.Equal(bytes.Length, r.Consumed);
        // And back: the encoder writes the same octets.
        Assert.Equal(Hex.Of(bytes), Hex.Of(RtrCodec.Encode(r.Pdu!)));
        return r.Pdu!;
    }

    private static RtrError Fails(string hex)
    {
        var r = RtrCodec.Decode(Hex.Parse(hex));
        Assert.True(r.Status == RtrDecodeStatus.Error, $"decoded as {r.Pdu} ({r.Status})");
        return r.Error!;
    }

    [Fact]
    public void Serial_notify() => Assert.Equal(new SerialNotify(1, 0x1234, 0xDEADBEEF), Ok("01 00 1234 0000000C DEADBEEF"));

    [Fact]
    public void Serial_query() => Assert.Equal(new SerialQuery(0, 7, 42), Ok("00 01 0007 0000000C 0000002A"));

    [Fact]
    public void Reset_query_both_versions()
    {
        Assert.Equal(new ResetQuery(1), Ok("01 02 0000 00000008"));
        Assert.Equal(new ResetQuery(0), Ok("00 02 0000 00000008"));
    }

    [Fact]
    public void Cache_response() => Assert.Equal(new CacheResponse(1, 0xBEEF), Ok("01 03 BEEF 00000008"));

    [Fact]
    public void IPv4_prefix_announce_and_withdraw()
    {
        Assert.Equal(new PrefixPdu(1, true, Prefix.Parse("192.0.2.0/24"), 24, 64496), Ok("01 04 0000 00000014 01 18 18 00 C0000200 0000FBF0"));
        Assert.Equal(new PrefixPdu(1, false, Prefix.Parse("10.0.0.0/8"), 16, 65551), Ok("01 04 0000 00000014 00 08 10 00 0A000000 0001000F"));
    }

    [Fact]
    public void IPv6_prefix()
        => Assert.Equal(new PrefixPdu(0, true, Prefix.Parse("2001:db8::/32"), 48, 64497),
            Ok("00 06 0000 00000020 01 20 30 00 20010DB8000000000000000000000000 0000FBF1"));

    [Fact]
    public void End_of_data_version_1_carries_the_timers()
        => Assert.Equal(new EndOfData(1, 3, 99, 3600, 600, 7200), Ok("01 07 0003 00000018 00000063 00000E10 00000258 00001C20"));

    [Fact]
    public void End_of_data_version_0_has_none()
        => Assert.Equal(new EndOfData(0, 3, 99), Ok("00 07 0003 0000000C 00000063"));

    [Fact]
    public void Cache_reset() => Assert.Equal(new CacheReset(1), Ok("01 08 0000 00000008"));

    [Fact]
    public void Router_key()
    {
        var pdu = (RouterKey)Ok("01 09 0100 00000024 " + string.Concat(Enumerable.Repeat("AB", 20)) + " 0000FBF0 01020304");
        Assert.True(pdu.Announce);
        Assert.Equal(64496u, pdu.Asn);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, pdu.SubjectPublicKeyInfo);
        Assert.Equal(20, pdu.SubjectKeyIdentifier.Length);
    }

    [Fact]
    public void Error_report_with_pdu_and_text()
    {
        var pdu = (ErrorReport)Ok("01 0A 0003 0000001F 00000008 01 02 0000 00000008 00000007 " + Hex.Of(Encoding.UTF8.GetBytes("no data")));
        Assert.Equal(RtrErrorCode.InvalidRequest, pdu.Code);
        Assert.Equal("no data", pdu.Text);
        Assert.Equal(Hex.Parse("01 02 0000 00000008"), pdu.ErroneousPdu);
    }

    [Fact]
    public void Error_report_empty()
        => Assert.Equal(RtrErrorCode.NoDataAvailable, ((ErrorReport)Ok("00 0A 0002 00000010 00000000 00000000")).Code);

    [Fact]
    public void Partial_pdu_needs_more()
    {
        var whole = Hex.Parse("01 04 0000 00000014 01 18 18 00 C0000200 0000FBF0");
        for (int n = 0; n < whole.Length; n++)
            Assert.Equal(RtrDecodeStatus.NeedMore, RtrCodec.Decode(whole.AsSpan(0, n)).Status);
    }

    [Fact]
    public void Two_pdus_in_one_buffer_decode_one_at_a_time()
    {
        var both = Hex.Parse("01 03 0005 00000008 01 08 0000 00000008");
        var first = RtrCodec.Decode(both);
        Assert.Equal(8, first.Consumed);
        Assert.IsType<CacheResponse>(first.Pdu);
        Assert.IsType<CacheReset>(RtrCodec.Decode(both.AsSpan(first.Consumed)).Pdu);
    }

    [Theory]
    [InlineData("03 02 0000 00000008")]
    [InlineData("FF")] // the version octet alone decides
    public void Higher_version_is_unsupported_protocol_version(string hex)
        => Assert.Equal(RtrErrorCode.UnsupportedProtocolVersion, Fails(hex).Code);

    [Theory]
    [InlineData("01 05 0000 00000008")] // type 5 is reserved
    [InlineData("01 0B 0000 00000008")] // ASPA (version 2) is not in version 1
    [InlineData("01 FF 0000 00000008")]
    [InlineData("00 09 0000 00000024 ABABABABABABABABABABABABABABABABABABABAB 0000FBF0 01020304")] // Router Key is version 1 only
    public void Unknown_type_is_unsupported_pdu_type(string hex) => Assert.Equal(RtrErrorCode.UnsupportedPduType, Fails(hex).Code);

    [Theory]
    [InlineData("01 02 0000 00000007")] // below the header
    [InlineData("01 02 0000 00010001")] // above MaxPduLength: rejected on the header alone
    [InlineData("01 02 0000 0000000C 00000000")] // Reset Query is 8
    [InlineData("01 00 0000 00000008")] // Serial Notify is 12
    [InlineData("01 04 0000 00000018 01 18 18 00 C0000200 0000FBF0 00000000")] // IPv4 Prefix is 20
    [InlineData("01 07 0003 0000000C 00000063")] // version 1 End of Data is 24
    [InlineData("00 07 0003 00000018 00000063 00000E10 00000258 00001C20")] // version 0 End of Data is 12
    [InlineData("01 09 0000 0000001C ABABABABABABABABABABABABABABABABABABABAB")] // Router Key without AS
    [InlineData("01 04 0000 00000014 01 19 18 00 C0000200 0000FBF0")] // prefix length 25 > max length 24
    [InlineData("01 04 0000 00000014 01 18 21 00 C0000200 0000FBF0")] // max length 33
    [InlineData("01 06 0000 00000020 01 20 81 00 20010DB8000000000000000000000000 0000FBF1")] // max length 129
    [InlineData("01 0A 0000 00000010 00000009 00000000")] // encapsulated PDU beyond the report
    [InlineData("01 0A 0000 00000011 00000000 00000002 41")] // text shorter than its length
    [InlineData("01 0A 0000 00000012 00000000 00000001 41 42")] // octets after the text
    public void Length_and_field_errors_are_corrupt_data(string hex) => Assert.Equal(RtrErrorCode.CorruptData, Fails(hex).Code);

    [Fact]
    public void Error_encapsulates_the_whole_offending_pdu()
    {
        var bytes = Hex.Parse("01 04 0000 00000014 01 19 18 00 C0000200 0000FBF0 01 08 0000 00000008");
        var r = RtrCodec.Decode(bytes);
        Assert.Equal(Hex.Of(bytes.AsSpan(0, 20)), Hex.Of(r.Error!.ErroneousPdu));
        // The report we would send for it encodes and decodes back to the same code and copy.
        var report = (ErrorReport)RtrCodec.Decode(RtrCodec.Encode(r.Error.ToReport(1))).Pdu!;
        Assert.Equal(RtrErrorCode.CorruptData, report.Code);
        Assert.Equal(r.Error.ErroneousPdu, report.ErroneousPdu);
    }

    [Fact]
    public void Encoder_refuses_what_cannot_go_on_the_wire()
    {
        Assert.Throws<WireException>(() => RtrCodec.Encode(new EndOfData(1, 1, 1)));
        Assert.Throws<WireException>(() => RtrCodec.Encode(new PrefixPdu(1, true, Prefix.Parse("10.0.0.0/16"), 8, 1)));
        Assert.Throws<WireException>(() => RtrCodec.Encode(new RouterKey(0, true, new byte[20], 1, [])));
        Assert.Throws<WireException>(() => RtrCodec.Encode(new ResetQuery(3)));
        Assert.Throws<WireException>(() => RtrCodec.Encode(new AspaPdu(1, true, 64500, [64501])));
    }

    // ---- ASPA, version 2 (draft-ietf-sidrops-8210bis section 5.12) ------------------------------------------------

    [Fact]
    public void Aspa_announcement_in_the_current_layout()
    {
        // Flags 1 (announce) in octet 2, Zero in octet 3, length 12 + 4 x 2, customer AS 64500, providers 64501, 64502.
        var pdu = Assert.IsType<AspaPdu>(Ok("02 0B 01 00 00000014 0000FBF4 0000FBF5 0000FBF6"));
        Assert.Equal(new AspaPdu(2, true, 64500, [64501, 64502]), pdu);
        Assert.Null(pdu.AfiFlags);
    }

    [Fact]
    public void Aspa_withdrawal_in_the_current_layout_names_the_customer()
        => Assert.Equal(new AspaPdu(2, false, 64500, []), Ok("02 0B 00 00 0000000C 0000FBF4"));

    [Fact]
    public void Aspa_in_the_earlier_layout_that_StayRTR_0_5_1_sends()
    {
        // Octets 2-3 zero; Flags 1, AFI Flags 1 (IPv4), Provider AS Count 2; customer; providers (length 16 + 8).
        var pdu = Assert.IsType<AspaPdu>(Ok("02 0B 0000 00000018 01 01 0002 0000FBF4 0000FBF5 0000FBF6"));
        Assert.Equal(new AspaPdu(2, true, 64500, [64501, 64502], AfiFlags: 1), pdu);
    }

    [Fact]
    public void Aspa_providers_are_kept_in_the_order_sent_so_the_PDU_encodes_back_the_same()
        => Assert.Equal([64502u, 64501u], Assert.IsType<AspaPdu>(Ok("02 0B 01 00 00000014 0000FBF4 0000FBF6 0000FBF5")).Providers);

    [Theory]
    [InlineData("02 0B 01 00 00000008")] // shorter than a customer AS
    [InlineData("02 0B 01 00 0000000E 0000FBF4 FBF5")] // not whole ASes
    [InlineData("02 0B 01 07 00000010 0000FBF4 0000FBF5")] // Zero octet set
    [InlineData("02 0B 01 00 0000000C 0000FBF4")] // an announcement with no provider
    [InlineData("02 0B 02 00 00000014 00000001 0000FBF4 0000FBF5")] // a withdrawal listing providers (found by RtrDecodeFuzzTests)
    public void Malformed_aspa_is_corrupt_data(string hex) => Assert.Equal(RtrErrorCode.CorruptData, Fails(hex).Code);
}
