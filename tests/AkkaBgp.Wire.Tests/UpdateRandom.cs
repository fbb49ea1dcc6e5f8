using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>Seeded generator of valid UPDATE contents: realistic prefix lengths, AS paths of 1-10 hops,
/// communities, 1-50 NLRI. Shared by the round-trip tests, the fuzz seeds and the benchmarks' shape.</summary>
internal sealed class UpdateRandom(int seed)
{
    public readonly Random R = new(seed);

    public uint Asn()
        => R.Next(4) switch
        {
            0 => (uint)R.Next(1, 64512),
            1 => (uint)R.NextInt64(65536, 4294967295),
            2 => (uint)R.Next(64512, 65535),
            _ => (uint)R.Next(1, 30000),
        };

    public AsPath Path(bool confederation)
    {
        var segs = new List<AsPathSegment>();
        if (confederation && R.Next(3) == 0)
            segs.Add(new AsPathSegment(AsPathSegmentType.AsConfedSequence, Enumerable.Range(0, R.Next(1, 3)).Select(_ => (uint)R.Next(64512, 65535)).ToArray()));
        int hops = R.Next(1, 11);
        segs.Add(new AsPathSegment(AsPathSegmentType.AsSequence, Enumerable.Range(0, hops).Select(_ => Asn()).ToArray()));
        if (R.Next(8) == 0)
            segs.Add(new AsPathSegment(AsPathSegmentType.AsSet, Enumerable.Range(0, R.Next(1, 4)).Select(_ => Asn()).ToArray()));
        return new AsPath(segs.ToArray());
    }

    public uint NextHopV4()
    {
        while (true)
        {
            uint a = (uint)R.NextInt64(0, 1L << 32);
            uint first = a >> 24;
            if (first != 0 && first != 127 && first < 224) return a;
        }
    }

    /// <summary>Prefix lengths weighted like the Internet table: mostly /24, then /22-/23, /16-/21, a few others.</summary>
    public Prefix V4()
    {
        int len = R.Next(100) switch
        {
            < 55 => 24,
            < 70 => R.Next(22, 24),
            < 90 => R.Next(16, 22),
            < 95 => R.Next(8, 16),
            _ => R.Next(25, 33),
        };
        return Prefix.IPv4((uint)R.NextInt64(0, 1L << 32), len);
    }

    public Prefix V6()
    {
        int len = R.Next(100) switch
        {
            < 50 => 48,
            < 70 => R.Next(29, 48),
            < 85 => 32,
            < 95 => R.Next(49, 65),
            _ => R.Next(0, 129),
        };
        var a = new UInt128((ulong)R.NextInt64() | ((ulong)R.Next(2) << 63), (ulong)R.NextInt64());
        return Prefix.IPv6(a, len);
    }

    public NlriEntry[] Entries(int count, bool v6, bool addPath)
        => Enumerable.Range(0, count).Select(_ => new NlriEntry(v6 ? V6() : V4(), addPath ? (uint)R.Next(1, 1000) : 0)).ToArray();

    public PathAttributes Attributes(bool ibgp, bool withNextHop, bool full = true)
    {
        var b = new PathAttributesBuilder
        {
            Origin = (Origin)R.Next(3),
            AsPath = Path(confederation: ibgp),
        };
        if (withNextHop) b.NextHop = NextHopV4();
        if (!full) return b.Build();
        if (R.Next(2) == 0) b.MultiExitDisc = (uint)R.Next();
        if (ibgp) b.LocalPref = (uint)R.Next(50, 300);
        if (R.Next(10) == 0) b.AtomicAggregate = true;
        if (R.Next(10) == 0) b.Aggregator = new Aggregator(Asn(), NextHopV4());
        int nc = R.Next(4) == 0 ? 0 : R.Next(1, 10);
        for (int i = 0; i < nc; i++) b.Communities.Add(R.Next(8) == 0 ? Community.NoExport : new Community((ushort)R.Next(1, 65535), (ushort)R.Next(65536)));
        if (R.Next(4) == 0) b.ExtendedCommunities.Add(ExtendedCommunity.RouteTarget((ushort)R.Next(1, 65535), (uint)R.Next()));
        if (R.Next(4) == 0) b.LargeCommunities.Add(new LargeCommunity(Asn(), (uint)R.Next(), (uint)R.Next()));
        if (ibgp && R.Next(5) == 0)
        {
            b.OriginatorId = (uint)R.Next();
            b.ClusterList.Add((uint)R.Next());
        }
        if (R.Next(10) == 0) b.OnlyToCustomer = Asn();
        if (R.Next(10) == 0)
        {
            var v = new byte[R.Next(0, 300)];
            R.NextBytes(v);
            b.Other.Add(new RawAttribute(AttributeFlags.Optional | AttributeFlags.Transitive, (byte)R.Next(200, 256), v));
        }
        return b.Build();
    }

    public byte[] NextHopV6()
    {
        var nh = new byte[R.Next(2) == 0 ? 16 : 32];
        R.NextBytes(nh);
        nh[0] = 0x20;
        if (nh.Length == 32) { nh[16] = 0xFE; nh[17] = 0x80; }
        return nh;
    }
}
