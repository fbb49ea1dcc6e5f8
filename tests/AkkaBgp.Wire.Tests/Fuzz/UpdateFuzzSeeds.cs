using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests.Fuzz;

/// <summary>UPDATE seeds: every attribute, IPv4/IPv6/opaque families, ADD-PATH, AS4 merging, End-of-RIB,
/// and random realistic UPDATEs, each with the session context it is valid for.</summary>
public sealed class UpdateFuzzSeeds : IFuzzSeedSource
{
    private static DecodeContext Ctx(UpdateDecodeContext u, bool extended = false) => new() { Update = u, ExtendedMessages = extended };

    public IEnumerable<FuzzSeed> Seeds()
    {
        var e4 = Ctx(U.Ebgp4);
        var i4 = Ctx(U.Ibgp4);
        var e2 = Ctx(U.Ebgp2);
        FuzzSeed S(string name, string attrs, string nlri = U.Nlri24, string withdrawn = "", DecodeContext? c = null)
            => new($"update-{name}", U.Message(U.Body(attrs, nlri, withdrawn)), c ?? e4);

        yield return S("ipv4", U.Mandatory + "80 04 04 00000064 C0 08 08 FDE80064 FFFFFF01", "18 C63364 10 0A00 20 CB007101 00", "08 0B");
        yield return S("all-ibgp", U.Mandatory + "80 04 04 00000064 40 05 04 000000C8 40 06 00 C0 07 08 FA56EA01 C0000209 C0 08 04 FFFF029A" +
            "80 09 04 C0000202 80 0A 08 C0000203 C0000204 C0 10 10 0002FDE800000064 0103C00002010007" +
            "C0 20 0C 0000FDE8 00000001 00000002 C0 23 04 0000FDE9 C0 63 03 010203 D0 64 0002 AABB", c: i4);
        yield return S("confed", U.Origin + "40 02 16 03 01 0000FDEA 04 02 0000FDEB 0000FDEC 02 01 0000FDE9" + U.NextHop, c: i4);
        yield return S("ipv6-reach", "80 0E 35 0002 01 20 20010DB8000000000000000000000001 FE800000000000000000000000000001 00 40 20010DB800010000 30 20010DB80002" + U.Origin + U.AsPath4, "");
        yield return S("ipv6-unreach", "80 0F 0C 0002 01 40 20010DB800010000", "");
        yield return S("ipv4-mp", "80 0E 0D 0001 01 04 C0000201 00 18 C63364" + U.Origin + U.AsPath4, "");
        yield return S("evpn-opaque", "80 0E 10 0019 46 04 C0000201 00 02 05 0102030405" + U.Origin + U.AsPath4, "");
        yield return S("eor-ipv4", "", "");
        yield return S("eor-ipv6", "80 0F 03 0002 01", "");
        yield return S("as4-merge", U.Origin + "40 02 0A 02 04 FDE9 5BA0 5BA0 FDEA" + U.NextHop + "C0 07 06 5BA0 C0000209 C0 11 0E 02 03 FA56EA01 FA56EA02 0000FDEA C0 12 08 FA56EA01 C0000209", c: e2);
        yield return S("as4-confed", U.Origin + "40 02 08 02 03 FDE9 5BA0 FDEA" + U.NextHop + "C0 11 10 03 01 0000FDEF 02 02 FA56EA01 0000FDEA", c: e2);
        yield return S("addpath-v4", U.Mandatory, "00000007 18C63364 00000008 18C63364", "00000001 080B", Ctx(U.Ebgp4 with { AddPathReceive = AddPathFamilies.IPv4Unicast }));
        yield return S("addpath-v6", "80 0E 1E 0002 01 10 20010DB8000000000000000000000001 00 00000005 20 20010DB8" + U.Origin + U.AsPath4, "",
            c: Ctx(U.Ebgp4 with { AddPathReceive = AddPathFamilies.IPv6Unicast }));

        var g = new UpdateRandom(4242);
        for (int i = 0; i < 40; i++)
        {
            bool four = i % 4 != 0, ibgp = i % 3 == 0;
            var dec = new UpdateDecodeContext(four, ibgp ? PeerKind.Internal : PeerKind.External);
            var enc = new UpdateEncodeContext(four);
            var attrs = g.Attributes(ibgp, withNextHop: i % 2 == 0);
            byte[] msg = i % 2 == 0
                ? UpdateEncoder.EncodeIPv4(enc, g.Entries(g.R.Next(0, 5), false, false), attrs, g.Entries(g.R.Next(1, 30), false, false))
                : UpdateEncoder.EncodeMp(enc, 2, 1, g.Entries(g.R.Next(0, 5), true, false), attrs, g.NextHopV6(), g.Entries(g.R.Next(1, 20), true, false));
            yield return new($"update-random-{i}", msg, Ctx(dec));
        }
    }
}
