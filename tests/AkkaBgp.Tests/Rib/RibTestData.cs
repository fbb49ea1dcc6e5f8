using System.Net;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Tests.Rib;

/// <summary>Small builders shared by the RIB tests.</summary>
internal static class RibTestData
{
    public const uint LocalAs = 65000;
    public const uint RouterId = 0x0A000001; // 10.0.0.1

    public static readonly RibSettings Settings = new() { LocalAs = LocalAs, RouterId = RouterId };

    public static PathAttributes Attrs(uint[] path, Action<PathAttributesBuilder>? edit = null, uint nextHop = 0xC0000201)
    {
        var b = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(path), NextHop = nextHop };
        edit?.Invoke(b);
        return b.Build();
    }

    private static int _slot = 1;

    public static RibPeer Peer(string address, uint asn, uint? routerId = null, PeerRibSettings? settings = null,
        bool fourOctet = true, string? local = "192.0.2.254", int slot = 0)
    {
        var ip = IPAddress.Parse(address);
        return new RibPeer
        {
            Slot = slot != 0 ? slot : Interlocked.Increment(ref _slot) % 60000 + 1,
            Address = ip,
            PeerAs = asn,
            LocalAs = LocalAs,
            RouterId = routerId ?? BitConverterBigEndian(ip),
            LocalAddress = local is null ? null : IPAddress.Parse(local),
            LocalIPv6NextHop = IPAddress.Parse("2001:db8::fe"),
            FourOctetAs = fourOctet,
            Settings = settings ?? PeerRibSettings.Default,
            Families = new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast },
        };
    }

    public static uint BitConverterBigEndian(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return b.Length == 4 ? (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) : 0;
    }

    public static uint Ip(string s) => BitConverterBigEndian(IPAddress.Parse(s));

    public static Prefix P(string s) => Prefix.Parse(s);
}
