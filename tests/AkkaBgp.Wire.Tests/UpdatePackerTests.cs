using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

public class UpdatePackerTests
{
    private static readonly PathAttributes Attrs = new PathAttributesBuilder
    {
        Origin = Origin.Igp,
        AsPath = AsPath.Sequence(65001, 65002, 65003),
        NextHop = 0xC0000201,
    }.Build();

    [Theory]
    [InlineData(4096, false)]
    [InlineData(4096, true)]
    [InlineData(65535, false)]
    public void Ipv4_announcements_are_split_to_fit_and_kept_in_order(int max, bool addPath)
    {
        var g = new UpdateRandom(3);
        var prefixes = g.Entries(10_000, false, addPath);
        var ctx = new UpdateEncodeContext(true, addPath ? AddPathFamilies.IPv4Unicast : default, maxMessageSize: max);
        var dec = U.Ebgp4 with { AddPathReceive = addPath ? AddPathFamilies.IPv4Unicast : default };
        var msgs = UpdatePacker.Announce(ctx, AfiSafi.Ipv4Unicast, Attrs, prefixes);
        var all = new List<NlriEntry>();
        foreach (var m in msgs)
        {
            Assert.True(m.Length <= max);
            var d = U.Clean(m[19..], dec);
            Assert.Equal(Attrs, d.Attributes);
            all.AddRange(d.Nlri.ToArray());
        }
        Assert.Equal(prefixes, all);
        // Packed tight: every message but the last could not have taken the next prefix.
        int total = msgs.Sum(m => m.Length - UpdateEncoder.FixedOverhead - Attrs.EncodedSpan.Length);
        int min = (int)Math.Ceiling(total / (double)(max - UpdateEncoder.FixedOverhead - Attrs.EncodedSpan.Length));
        Assert.InRange(msgs.Count, min, min + 1);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65535)]
    public void Ipv6_announcements_and_withdrawals_are_split(int max)
    {
        var g = new UpdateRandom(4);
        var prefixes = g.Entries(8_000, true, false);
        var ctx = new UpdateEncodeContext(true, maxMessageSize: max);
        var nh = g.NextHopV6();
        var attrs = g.Attributes(ibgp: false, withNextHop: false);
        var ann = UpdatePacker.Announce(ctx, AfiSafi.Ipv6Unicast, attrs, prefixes, nh);
        var got = new List<NlriEntry>();
        foreach (var m in ann)
        {
            Assert.True(m.Length <= max);
            var d = U.Clean(m[19..]);
            Assert.Equal(attrs, d.Attributes);
            got.AddRange(d.MpReach!.Nlri.ToArray());
        }
        Assert.Equal(prefixes, got);

        var wd = UpdatePacker.Withdraw(ctx, AfiSafi.Ipv6Unicast, prefixes);
        got.Clear();
        foreach (var m in wd)
        {
            Assert.True(m.Length <= max);
            got.AddRange(U.Clean(m[19..]).MpUnreach!.Withdrawn.ToArray());
        }
        Assert.Equal(prefixes, got);
        Assert.True(wd.Count < ann.Count + 1);
    }

    [Fact]
    public void Ipv4_withdrawals_are_split()
    {
        var prefixes = new UpdateRandom(5).Entries(5_000, false, false);
        var msgs = UpdatePacker.Withdraw(U.Enc4, AfiSafi.Ipv4Unicast, prefixes);
        Assert.True(msgs.Count > 1);
        var got = msgs.SelectMany(m => U.Clean(m[19..]).Withdrawn.ToArray()).ToArray();
        Assert.Equal(prefixes, got);
        Assert.All(msgs, m => Assert.True(m.Length <= 4096));
    }

    [Fact]
    public void A_single_prefix_that_exactly_fills_the_message()
    {
        // 4096 - 23 fixed - attrs - 4 (a /24) octets of padding in an unknown attribute: the /24 fits exactly.
        var b = Attrs.ToBuilder();
        int pad = 4096 - UpdateEncoder.FixedOverhead - Attrs.EncodedSpan.Length - 4 - 4; // 4-octet extended header
        b.Other.Add(new RawAttribute(AttributeFlags.Optional, 0xF0, new byte[pad]));
        var attrs = b.Build();
        var msgs = UpdatePacker.Announce(U.Enc4, AfiSafi.Ipv4Unicast, attrs, U.Ps("10.0.0.0/24", "10.0.1.0/24"));
        Assert.Equal(2, msgs.Count);
        Assert.Equal(4096, msgs[0].Length);
    }

    [Fact]
    public void Attributes_too_large_for_any_nlri_throw_wire_exception()
    {
        var b = Attrs.ToBuilder();
        b.Other.Add(new RawAttribute(AttributeFlags.Optional, 0xF0, new byte[4070]));
        Assert.Throws<WireException>(() => UpdatePacker.Announce(U.Enc4, AfiSafi.Ipv4Unicast, b.Build(), U.Ps("10.0.0.0/24")));
    }

    [Fact]
    public void Encoder_refuses_oversized_messages_and_mixed_families()
    {
        var many = new UpdateRandom(6).Entries(2000, false, false);
        Assert.Throws<WireException>(() => UpdateEncoder.EncodeIPv4(U.Enc4, default, Attrs, many));
        Assert.Throws<WireException>(() => UpdateEncoder.EncodeIPv4(U.Enc4, default, Attrs, U.Ps("2001:db8::/32")));
        var big = UpdateEncoder.EncodeIPv4(U.Enc4 with { MaxMessageSize = 65535 }, default, Attrs, many);
        Assert.True(big.Length > 4096);
        Assert.Equal(2000, U.Clean(big[19..]).Nlri.Count);
    }
}

public class UpdateBufferWriterTests
{
    [Fact]
    public void Encoder_writes_into_a_buffer_writer()
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        var attrs = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001), NextHop = 0xC0000201 }.Build();
        int a = UpdateEncoder.WriteIPv4(w, U.Enc4, U.Ps("11.0.0.0/8"), attrs, U.Ps("10.0.0.0/8"));
        int b = UpdateEncoder.WriteMp(w, U.Enc4, 2, 1, default, attrs.ToBuilder().Build(), new byte[16], U.Ps("2001:db8::/32"));
        Assert.Equal(a + b, w.WrittenCount);
        var bytes = w.WrittenSpan.ToArray();
        Assert.Equal(Hex.Of(UpdateEncoder.EncodeIPv4(U.Enc4, U.Ps("11.0.0.0/8"), attrs, U.Ps("10.0.0.0/8"))), Hex.Of(bytes.AsSpan(0, a)));
        var m = U.Ok(bytes[(a + 19)..]);
        Assert.Equal(U.Ps("2001:db8::/32"), m.MpReach!.Nlri.ToArray());
    }
}
