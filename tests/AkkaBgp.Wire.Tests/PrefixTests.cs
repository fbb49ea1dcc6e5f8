namespace AkkaBgp.Wire.Tests;

public class PrefixTests
{
    [Theory]
    [InlineData("00", "0.0.0.0/0")]
    [InlineData("08 0A", "10.0.0.0/8")]
    [InlineData("10 AC10", "172.16.0.0/16")]
    [InlineData("13 C0A8E0", "192.168.224.0/19")]
    [InlineData("18 C63364", "198.51.100.0/24")]
    [InlineData("20 CB007101", "203.0.113.1/32")]
    public void Ipv4_golden(string hex, string text)
    {
        var b = Hex.Parse(hex);
        int n = Prefix.TryRead(b, false, out var p);
        Assert.Equal(b.Length, n);
        Assert.Equal(text, p.ToString());
        Assert.Equal(Prefix.Parse(text), p);
        var w = new byte[5];
        Assert.Equal(b.Length, p.WriteTo(w));
        Assert.Equal(Hex.Of(b), Hex.Of(w.AsSpan(0, n)));
    }

    [Theory]
    [InlineData("00", "::/0")]
    [InlineData("20 20010DB8", "2001:db8::/32")]
    [InlineData("30 20010DB80002", "2001:db8:2::/48")]
    [InlineData("40 20010DB800010000", "2001:db8:1::/64")]
    [InlineData("41 20010DB80001000080", "2001:db8:1:0:8000::/65")]
    [InlineData("80 20010DB8000000000000000000000001", "2001:db8::1/128")]
    public void Ipv6_golden(string hex, string text)
    {
        var b = Hex.Parse(hex);
        int n = Prefix.TryRead(b, true, out var p);
        Assert.Equal(b.Length, n);
        Assert.Equal(text, p.ToString());
        Assert.True(p.IsIPv6);
        Assert.Equal(Prefix.Parse(text), p);
        var w = new byte[17];
        Assert.Equal(b.Length, p.WriteTo(w));
        Assert.Equal(Hex.Of(b), Hex.Of(w.AsSpan(0, n)));
    }

    [Fact]
    public void Trailing_host_bits_are_cleared_rfc4271_4_3()
    {
        Prefix.TryRead(Hex.Parse("17 C63365"), false, out var p); // /23 with the last bit of the 3rd octet set
        Assert.Equal("198.51.100.0/23", p.ToString());
        Assert.Equal(Prefix.Parse("198.51.101.0/23"), p);
    }

    [Theory]
    [InlineData("21 0A000000 00", false)] // /33
    [InlineData("81 00000000000000000000000000000000 00", true)] // /129
    [InlineData("18 0A00", false)] // overrun
    [InlineData("", false)]
    public void Invalid(string hex, bool v6)
        => Assert.Equal(-1, Prefix.TryRead(Hex.Parse(hex), v6, out _));

    [Fact]
    public void Value_semantics_order_and_containment()
    {
        var a = Prefix.Parse("10.0.0.0/8");
        var b = Prefix.Parse("10.1.0.0/16");
        Assert.True(a.Contains(b));
        Assert.False(b.Contains(a));
        Assert.True(a.CompareTo(b) < 0);
        Assert.True(Prefix.Parse("255.0.0.0/8").CompareTo(Prefix.Parse("::/0")) < 0);
        Assert.Equal(a.GetHashCode(), Prefix.IPv4(0x0A000000, 8).GetHashCode());
        Assert.NotEqual(Prefix.Parse("0.0.0.0/0"), Prefix.Parse("::/0"));
        Assert.Equal(0x0A010000u, b.IPv4Bits);
        Assert.Equal(1, a.Afi);
        Assert.Equal(2, Prefix.Parse("::/0").Afi);
    }

    [Fact]
    public void Nlri_enumeration_does_not_allocate()
    {
        var field = Hex.Parse("18C63364 100A00 20CB007101 00 08 0A");
        Assert.Equal(5, NlriList.Validate(field, false, false));
        var body = U.Body(U.Mandatory, Hex.Of(field));
        var m = U.Clean(body);
        long sum = 0;
        foreach (var e in m.Nlri) sum += e.Prefix.Length; // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            foreach (var e in m.Nlri) sum += e.Prefix.Length;
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.True(sum > 0);
    }
}
