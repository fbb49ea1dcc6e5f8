using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>Seeded random round trips: encode → decode → compare → re-encode to identical bytes.</summary>
public class UpdateRoundTripTests
{
    public static TheoryData<int> Seeds => new() { 1, 2, 0x5EED };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Ipv4_updates_round_trip(int seed)
    {
        var g = new UpdateRandom(seed);
        for (int i = 0; i < 1500; i++)
        {
            bool four = g.R.Next(4) != 0, addPath = g.R.Next(4) == 0, ibgp = g.R.Next(2) == 0;
            var dec = new UpdateDecodeContext(four, ibgp ? PeerKind.Internal : PeerKind.External, addPath ? AddPathFamilies.IPv4Unicast : default);
            var enc = new UpdateEncodeContext(four, addPath ? AddPathFamilies.IPv4Unicast : default);
            var nlri = g.Entries(g.R.Next(4) == 0 ? 0 : g.R.Next(1, 51), false, addPath);
            var withdrawn = g.Entries(g.R.Next(3) == 0 ? g.R.Next(1, 20) : 0, false, addPath);
            var attrs = nlri.Length == 0 && g.R.Next(2) == 0 ? PathAttributes.Empty : g.Attributes(ibgp, withNextHop: true);

            var bytes = UpdateEncoder.EncodeIPv4(enc, withdrawn, attrs, nlri);
            Assert.Equal(bytes.Length, UpdateEncoder.IPv4Length(enc, withdrawn, attrs, nlri));
            var m = U.Clean(bytes[19..], dec);
            Assert.Equal(attrs, m.Attributes);
            Assert.Equal(nlri, m.Nlri.ToArray());
            Assert.Equal(withdrawn, m.Withdrawn.ToArray());
            Assert.Equal(Hex.Of(bytes), Hex.Of(m.ToArray(enc)));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Ipv6_updates_round_trip(int seed)
    {
        var g = new UpdateRandom(seed);
        for (int i = 0; i < 800; i++)
        {
            bool four = g.R.Next(4) != 0, addPath = g.R.Next(4) == 0, ibgp = g.R.Next(2) == 0;
            var dec = new UpdateDecodeContext(four, ibgp ? PeerKind.Internal : PeerKind.External, addPath ? AddPathFamilies.IPv6Unicast : default);
            var enc = new UpdateEncodeContext(four, addPath ? AddPathFamilies.IPv6Unicast : default);
            var nlri = g.Entries(g.R.Next(4) == 0 ? 0 : g.R.Next(1, 51), true, addPath);
            var withdrawn = g.Entries(g.R.Next(3) == 0 ? g.R.Next(1, 20) : 0, true, addPath);
            var attrs = g.Attributes(ibgp, withNextHop: false);
            var nh = g.NextHopV6();

            var bytes = UpdateEncoder.EncodeMp(enc, 2, 1, withdrawn, attrs, nh, nlri);
            var m = U.Clean(bytes[19..], dec);
            if (nlri.Length > 0)
            {
                Assert.Equal(attrs, m.Attributes);
                Assert.Equal(nlri, m.MpReach!.Nlri.ToArray());
                Assert.Equal(Hex.Of(nh), Hex.Of(m.MpReach.NextHop.Span));
            }
            else Assert.Null(m.MpReach);
            if (withdrawn.Length > 0 || nlri.Length == 0)
                Assert.Equal(withdrawn, m.MpUnreach!.Withdrawn.ToArray());
            Assert.Equal(nlri.Length == 0 && withdrawn.Length == 0, m.IsEndOfRib);
            Assert.Equal(Hex.Of(bytes), Hex.Of(m.ToArray(enc)));
        }
    }

    [Fact]
    public void Re_encoding_converts_between_2_and_4_octet_sessions()
    {
        var g = new UpdateRandom(77);
        for (int i = 0; i < 500; i++)
        {
            var attrs = g.Attributes(ibgp: false, withNextHop: true);
            var nlri = g.Entries(g.R.Next(1, 20), false, false);
            var fromOld = U.Clean(UpdateEncoder.EncodeIPv4(U.Enc2, default, attrs, nlri)[19..], U.Ebgp2);
            var toNew = U.Clean(fromOld.ToArray(U.Enc4)[19..], U.Ebgp4);
            Assert.Equal(attrs, toNew.Attributes);
            var backToOld = U.Clean(toNew.ToArray(U.Enc2)[19..], U.Ebgp2);
            Assert.Equal(attrs, backToOld.Attributes);
        }
    }
}
