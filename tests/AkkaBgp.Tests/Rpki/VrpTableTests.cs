using AkkaBgp.Rpki;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Tests.Rpki;

public class VrpTableTests
{
    private static Vrp V(string prefix, int max, uint asn) => new(Prefix.Parse(prefix), (byte)max, asn);

    private static readonly VrpTable Table = new([
        V("10.0.0.0/8", 8, 64500),
        V("10.1.0.0/16", 24, 64501),
        V("10.1.0.0/16", 16, 64502),
        V("192.0.2.0/24", 24, 0),
        V("2001:db8::/32", 48, 64510),
    ]);

    [Theory]
    [InlineData("10.0.0.0/8", 64500u, RovState.Valid)]
    [InlineData("10.2.0.0/16", 64500u, RovState.Invalid)] // longer than max length 8
    [InlineData("10.1.2.0/24", 64501u, RovState.Valid)] // the /16's VRP allows /24
    [InlineData("10.1.0.0/16", 64502u, RovState.Valid)]
    [InlineData("10.1.2.0/24", 64502u, RovState.Invalid)]
    [InlineData("10.1.0.0/16", 64500u, RovState.Invalid)] // the /8 covers it but only up to /8
    [InlineData("11.0.0.0/8", 64500u, RovState.NotFound)]
    [InlineData("0.0.0.0/0", 64500u, RovState.NotFound)] // shorter than every VRP: not covered
    [InlineData("192.0.2.0/24", 0u, RovState.Invalid)] // AS 0 authorises nothing
    [InlineData("192.0.2.128/25", 64496u, RovState.Invalid)]
    [InlineData("2001:db8:1::/48", 64510u, RovState.Valid)]
    [InlineData("2001:db8:1::/49", 64510u, RovState.Invalid)]
    [InlineData("2001:db9::/32", 64510u, RovState.NotFound)]
    public void Rfc6811_states(string prefix, uint origin, RovState expected) => Assert.Equal(expected, Table.Validate(Prefix.Parse(prefix), origin));

    [Fact]
    public void Origin_none_is_invalid_when_covered()
    {
        Assert.Equal(RovState.Invalid, Table.Validate(Prefix.Parse("10.0.0.0/8"), null));
        Assert.Equal(RovState.NotFound, Table.Validate(Prefix.Parse("11.0.0.0/8"), null));
    }

    [Fact]
    public void Route_origin_per_rfc6811()
    {
        Assert.Equal(64497u, RouteOrigin.Of(AsPath.Sequence(64496, 64497), 65000));
        Assert.Equal(65000u, RouteOrigin.Of(AsPath.Empty, 65000));
        Assert.Null(RouteOrigin.Of(new AsPath([new AsPathSegment(AsPathSegmentType.AsSequence, 64496), new AsPathSegment(AsPathSegmentType.AsSet, 1, 2)]), 65000));
        Assert.Equal(65000u, RouteOrigin.Of(new AsPath([new AsPathSegment(AsPathSegmentType.AsConfedSequence, 65001)]), 65000));
    }

    [Fact]
    public void Counts_per_family_without_duplicates()
    {
        var t = new VrpTable([V("10.0.0.0/8", 8, 1), V("10.0.0.0/8", 8, 1), V("2001:db8::/32", 32, 1)]);
        Assert.Equal(2, t.Count);
        Assert.Equal(1, t.CountV4);
        Assert.Equal(1, t.CountV6);
    }

    [Fact]
    public void Changed_prefixes_are_exactly_those_whose_vrps_differ()
    {
        var after = new VrpTable([
            V("10.0.0.0/8", 8, 64500),
            V("10.1.0.0/16", 24, 64501), // 64502's VRP removed
            V("192.0.2.0/24", 24, 0),
            V("2001:db8::/32", 48, 64510),
            V("198.51.100.0/24", 24, 64511), // added
        ]);
        var changed = VrpTable.ChangedPrefixes(Table, after).Select(p => p.ToString()).OrderBy(s => s).ToArray();
        Assert.Equal(["10.1.0.0/16", "198.51.100.0/24"], changed);
        Assert.Empty(VrpTable.ChangedPrefixes(Table, new VrpTable(Table.All())));
    }

    /// <summary>Against the definition of RFC 6811 section 2 applied literally to every VRP, on random nested sets.</summary>
    [Fact]
    public void Agrees_with_a_scan_of_every_vrp()
    {
        var rng = new Random(1234);
        for (int round = 0; round < 20; round++)
        {
            var vrps = new List<Vrp>();
            for (int i = 0; i < 300; i++)
            {
                bool v6 = rng.Next(4) == 0;
                int len = v6 ? rng.Next(16, 49) : rng.Next(4, 25);
                var p = v6 ? Prefix.IPv6((UInt128)(uint)rng.Next(0, 64) << 112 | (UInt128)(uint)rng.Next() << 80, len)
                           : Prefix.IPv4((uint)rng.Next(0, 64) << 24 | (uint)rng.Next() & 0xFFFFFF, len);
                vrps.Add(new Vrp(p, (byte)Math.Min(p.MaxLength, len + rng.Next(0, 5)), (uint)rng.Next(0, 6)));
            }
            var table = new VrpTable(vrps);
            for (int k = 0; k < 2000; k++)
            {
                bool v6 = rng.Next(4) == 0;
                int len = v6 ? rng.Next(8, 65) : rng.Next(0, 33);
                var route = v6 ? Prefix.IPv6((UInt128)(uint)rng.Next(0, 64) << 112 | (UInt128)(uint)rng.Next() << 80, len)
                               : Prefix.IPv4((uint)rng.Next(0, 64) << 24 | (uint)rng.Next() & 0xFFFFFF, len);
                uint? origin = rng.Next(10) == 0 ? null : (uint)rng.Next(0, 6);
                var covering = vrps.Where(v => v.Prefix.Contains(route)).ToList();
                var expected = covering.Count == 0 ? RovState.NotFound
                    : covering.Any(v => origin is { } o && o != 0 && v.Asn == o && route.Length <= v.MaxLength) ? RovState.Valid : RovState.Invalid;
                Assert.Equal(expected, table.Validate(route, origin));
            }
        }
    }
}
