using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// "Longer prefixes of P" (<c>GET /bgp/rib?prefix=P&amp;match=longer</c>) read from the table's IPv4 order index: the
/// same prefixes, count and order as a brute-force filter of everything the table holds, through announcements and
/// withdrawals, for queries shorter and longer than the index's /16 buckets.
/// </summary>
public sealed class LongerPrefixQueryTests
{
    private readonly AttributeInterner _interner = new(LocalAs, RouterId);
    private readonly Dictionary<int, RibPeer> _peers = new();

    private PrefixTable NewTable(bool ipv6) => new(ipv6, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));

    private static readonly string[] Queries =
        ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/12", "10.1.0.0/16", "10.1.128.0/17", "10.1.2.0/24", "10.1.2.128/25", "192.0.2.0/24", "11.0.0.0/8"];

    [Fact]
    public void Ipv4_queries_match_a_brute_force_filter_through_announcements_and_withdrawals()
    {
        var peer = Peer("10.0.0.2", 65001);
        _peers[peer.Slot] = peer;
        var table = NewTable(ipv6: false);
        var route = _interner.Acquire(Attrs([65001]));
        var rng = new Random(19);
        var held = new HashSet<Prefix>();
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 3000; i++)
            {
                // Mostly 10.0.0.0/12 so buckets fill; lengths from /8 to /32, shorter than the buckets too.
                int length = rng.Next(8, 33);
                uint address = 0x0A000000u | (uint)rng.Next(0, 1 << 20);
                var p = Prefix.IPv4(address, length);
                table.Announce(p, peer, route);
                held.Add(p);
            }
            foreach (var p in held.Where(_ => rng.Next(3) == 0).ToList())
            {
                table.Withdraw(p, peer);
                held.Remove(p);
            }
            foreach (var q in Queries.Select(Prefix.Parse))
                foreach (int keep in new[] { 0, 1, 50, 100000 })
                {
                    var expected = held.Where(q.Contains).Order().ToList();
                    var first = new List<Prefix>();
                    int total = table.LongerPrefixes(q, keep, first);
                    Assert.Equal(expected.Count, total);
                    Assert.Equal(expected.Take(keep), first);
                }
            // Paging with a cursor (the last prefix read) visits every prefix once, in order.
            var whole = held.Order().ToList();
            var paged = new List<Prefix>();
            for (Prefix? after = null; ;)
            {
                var page = new List<Prefix>();
                Assert.Equal(whole.Count, table.LongerPrefixes(Prefix.Parse("0.0.0.0/0"), 37, page, after));
                paged.AddRange(page);
                if (page.Count < 37) break;
                after = page[^1];
            }
            Assert.Equal(whole, paged);
        }
        _interner.Release(route);
    }

    [Fact]
    public void Ipv6_queries_give_the_first_prefixes_in_order()
    {
        var peer = Peer("10.0.0.2", 65001);
        _peers[peer.Slot] = peer;
        var table = NewTable(ipv6: true);
        var route = _interner.Acquire(Attrs([65001]));
        string[] held = ["2001:db8:1::/48", "2001:db8::/32", "2001:db8:2:1::/64", "2001:db8:2::/48", "2001:db9::/32"];
        foreach (var p in held) table.Announce(Prefix.Parse(p), peer, route);
        var first = new List<Prefix>();
        Assert.Equal(4, table.LongerPrefixes(Prefix.Parse("2001:db8::/32"), 3, first));
        Assert.Equal(["2001:db8::/32", "2001:db8:1::/48", "2001:db8:2::/48"], first.Select(p => p.ToString()));
        var rest = new List<Prefix>();
        table.LongerPrefixes(Prefix.Parse("2001:db8::/32"), 3, rest, after: first[^1]);
        Assert.Equal(["2001:db8:2:1::/64"], rest.Select(p => p.ToString()));
        _interner.Release(route);
    }
}
