using AkkaBgp.Rpki;
using AkkaBgp.Wire;

namespace AkkaBgp.Rpki.Benchmarks;

/// <summary>
/// A VRP set shaped like today's global one (about 80 % IPv4): IPv4 mostly /24 with max length = length, a share
/// of /16-/22 with max length up to /24, IPv6 /29-/48; 40k origin ASes. Routes to validate: a third inside VRPs with
/// the right origin, a third inside with another origin, a third outside any VRP.
/// </summary>
public static class SyntheticVrps
{
    public static List<Vrp> Create(int count, int seed)
    {
        var rng = new Random(seed);
        var set = new HashSet<Vrp>(count);
        while (set.Count < count)
        {
            uint asn = (uint)rng.Next(1, 40_000) + 1000;
            if (rng.Next(5) > 0)
            {
                int len = rng.Next(10) switch { < 6 => 24, 6 => 22, 7 => 20, 8 => 19, _ => rng.Next(16, 24) };
                // 1.0.0.0-223.255.255.255, the unicast space announced today.
                var p = Prefix.IPv4((uint)rng.NextInt64(1L << 24, 224L << 24), len);
                int max = len == 24 || rng.Next(2) == 0 ? len : rng.Next(len, 25);
                set.Add(new Vrp(p, (byte)max, asn));
            }
            else
            {
                int len = rng.Next(10) switch { < 4 => 48, < 7 => 32, 7 => 29, _ => rng.Next(33, 48) };
                UInt128 bits = (UInt128)0x2000u << 112 | (UInt128)(ulong)rng.NextInt64() << 48;
                var p = Prefix.IPv6(bits, len);
                int max = rng.Next(2) == 0 ? len : rng.Next(len, 49);
                set.Add(new Vrp(p, (byte)max, asn));
            }
        }
        return set.ToList();
    }

    public static (Prefix Route, uint Origin)[] Routes(IReadOnlyList<Vrp> vrps, int count, int seed)
    {
        var rng = new Random(seed);
        var routes = new (Prefix, uint)[count];
        for (int i = 0; i < count; i++)
        {
            var v = vrps[rng.Next(vrps.Count)];
            switch (i % 3)
            {
                case 0: routes[i] = (Longer(v.Prefix, v.MaxLength, rng), v.Asn); break;
                case 1: routes[i] = (Longer(v.Prefix, Math.Min(v.Prefix.MaxLength, v.MaxLength + 1), rng), v.Asn + 1); break;
                default:
                    routes[i] = v.Prefix.IsIPv6
                        ? (Prefix.IPv6((UInt128)0x3000u << 112 | (UInt128)(ulong)rng.NextInt64() << 48, 48), v.Asn)
                        : (Prefix.IPv4(0xE0000000u | (uint)rng.Next(0, 1 << 24) << 4, 24), v.Asn); // 224/4: no VRP there
                    break;
            }
        }
        return routes;
    }

    private static Prefix Longer(Prefix p, int length, Random rng)
    {
        length = Math.Max(length, p.Length);
        return p.IsIPv6
            ? Prefix.IPv6(p.IPv6Bits | ((UInt128)(ulong)rng.NextInt64() << 64 | (ulong)rng.NextInt64()) >> p.Length, length)
            : Prefix.IPv4(p.IPv4Bits | (uint)rng.Next() >> p.Length, length);
    }
}

/// <summary>
/// The reference: one dictionary per prefix length (what a straightforward implementation does), probing every
/// length present that is not longer than the route.
/// </summary>
public sealed class DictionaryPerLengthVrps
{
    private readonly Dictionary<UInt128, List<(byte Max, uint Asn)>>[] _v4 = new Dictionary<UInt128, List<(byte, uint)>>[33];
    private readonly Dictionary<UInt128, List<(byte Max, uint Asn)>>[] _v6 = new Dictionary<UInt128, List<(byte, uint)>>[129];

    public DictionaryPerLengthVrps(IEnumerable<Vrp> vrps)
    {
        foreach (var v in vrps)
        {
            var byLength = v.Prefix.IsIPv6 ? _v6 : _v4;
            var d = byLength[v.Prefix.Length] ??= new();
            var key = Key(v.Prefix);
            if (!d.TryGetValue(key, out var list)) d[key] = list = new List<(byte, uint)>(1);
            list.Add((v.MaxLength, v.Asn));
        }
    }

    private static UInt128 Key(Prefix p) => p.IsIPv6 ? p.IPv6Bits : p.IPv4Bits;

    public RovState Validate(Prefix route, uint origin)
    {
        var byLength = route.IsIPv6 ? _v6 : _v4;
        bool covered = false;
        for (int len = 0; len <= route.Length; len++)
        {
            if (byLength[len] is not { } d) continue;
            var masked = route.IsIPv6 ? Prefix.IPv6(route.IPv6Bits, len) : Prefix.IPv4(route.IPv4Bits, len);
            if (!d.TryGetValue(Key(masked), out var list)) continue;
            covered = true;
            foreach (var (max, asn) in list)
                if (asn == origin && origin != 0 && route.Length <= max) return RovState.Valid;
        }
        return covered ? RovState.Invalid : RovState.NotFound;
    }
}
