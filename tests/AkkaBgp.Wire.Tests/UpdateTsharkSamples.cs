using AkkaBgp.Wire.Attributes;
using AkkaBgp.Wire.Tests.Tshark;

namespace AkkaBgp.Wire.Tests;

/// <summary>UPDATE encoder outputs for the tshark cross-check: every attribute, 2-octet sessions with
/// AS4_PATH/AS4_AGGREGATOR, extended length, confederation segments, link-local next hop, a full 4096-octet message.</summary>
public sealed class UpdateTsharkSamples : ITsharkSampleSource
{
    public IEnumerable<TsharkSample> Samples()
    {
        var b = new PathAttributesBuilder
        {
            Origin = Origin.Egp,
            AsPath = AsPath.Sequence(65001, 4200000001, 65002),
            NextHop = 0xC0000201,
            MultiExitDisc = 100,
            LocalPref = 200,
            AtomicAggregate = true,
            Aggregator = new Aggregator(4200000001, 0xC0000209),
            OriginatorId = 0xC0000202,
            OnlyToCustomer = 65001,
        };
        b.ClusterList.Add(0xC0000203);
        b.Communities.Add(new Community(65000, 100));
        b.Communities.Add(Community.NoExport);
        b.ExtendedCommunities.Add(ExtendedCommunity.RouteTarget(65000, 100));
        b.LargeCommunities.Add(new LargeCommunity(4200000001, 1, 2));
        b.Other.Add(new RawAttribute(AttributeFlags.Optional | AttributeFlags.Transitive, 0xF0, new byte[] { 1, 2, 3 }));
        var all = b.Build();
        var nlri = U.Ps("198.51.100.0/24", "203.0.113.128/25", "10.0.0.0/8");

        yield return new("update-all-attributes", UpdateEncoder.EncodeIPv4(U.Enc4, U.Ps("192.0.2.0/24"), all, nlri),
            "UPDATE Message", "AS_PATH", "4200000001", "LOCAL_PREF", "ATOMIC_AGGREGATE", "AGGREGATOR", "COMMUNITIES", "ORIGINATOR_ID",
            "CLUSTER_LIST", "EXTENDED_COMMUNITIES", "LARGE_COMMUNITY", "198.51.100.0/24", "203.0.113.128/25");
        yield return new("update-2-octet-as4", UpdateEncoder.EncodeIPv4(U.Enc2, default, all, nlri),
            "UPDATE Message", "AS4_PATH", "AS4_AGGREGATOR", "23456");
        yield return new("update-readvertised-partial", UpdateEncoder.EncodeIPv4(U.Enc4 with { ForReadvertisement = true }, default, all, nlri),
            "UPDATE Message", "Partial: Set");

        var big = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001), NextHop = 0xC0000201 };
        for (ushort i = 0; i < 70; i++) big.Communities.Add(new Community(65000, i));
        yield return new("update-extended-length", UpdateEncoder.EncodeIPv4(U.Enc4, default, big.Build(), nlri),
            "UPDATE Message", "Extended-Length: Set");

        var confed = new PathAttributesBuilder
        {
            Origin = Origin.Igp,
            AsPath = new AsPath(new[] { new AsPathSegment(AsPathSegmentType.AsConfedSequence, 65010, 65011), new AsPathSegment(AsPathSegmentType.AsSequence, 65001), new AsPathSegment(AsPathSegmentType.AsSet, 65005, 65006) }),
            NextHop = 0xC0000201,
        }.Build();
        yield return new("update-confed-set", UpdateEncoder.EncodeIPv4(U.Enc4, default, confed, nlri), "UPDATE Message", "AS_PATH: (65010 65011) 65001 {65005, 65006}");

        var v6 = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001) }.Build();
        var nh = Hex.Parse("20010DB8000000000000000000000001 FE800000000000000000000000000001");
        yield return new("update-ipv6-link-local", UpdateEncoder.EncodeMp(U.Enc4, 2, 1, U.Ps("2001:db8:9::/48"), v6, nh, U.Ps("2001:db8:1::/64", "2001:db8::/32", "::/0")),
            "UPDATE Message", "MP_REACH_NLRI", "fe80::1", "2001:db8:1::/64");

        var packed = UpdatePacker.Announce(U.Enc4, AfiSafi.Ipv4Unicast, all, new UpdateRandom(9).Entries(2000, false, false));
        yield return new("update-packed-4096", packed[0], "UPDATE Message");
    }
}
