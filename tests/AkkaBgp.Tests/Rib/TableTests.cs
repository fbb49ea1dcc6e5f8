using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

public sealed class TableTests
{
    private readonly AttributeInterner _interner = new(LocalAs, RouterId);
    private readonly Dictionary<int, RibPeer> _peers = new();
    private readonly PrefixTable _table;

    public TableTests() => _table = new PrefixTable(false, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));

    private RibPeer Add(RibPeer p) { _peers[p.Slot] = p; return p; }

    private void Announce(string prefix, RibPeer peer, PathAttributes a)
    {
        var r = _interner.Acquire(a);
        _table.Announce(P(prefix), peer, r);
        _interner.Release(r);
    }

    [Fact]
    public void A_table_past_several_path_chunks_keeps_every_path_and_best_through_withdrawals_and_slot_reuse()
    {
        // 150,000 prefixes from two peers: 300,000 path slots, i.e. the first chunk grown to full size and four more.
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        var ra = _interner.Acquire(Attrs([65001]));
        var rb = _interner.Acquire(Attrs([65002, 7]));
        const int n = 150_000;
        static Wire.Prefix At(int i) => Wire.Prefix.IPv4(0x0A000000u + ((uint)i << 8), 24); // 10.0.0.0/24 upwards
        for (int i = 0; i < n; i++)
        {
            _table.Announce(At(i), a, ra);
            _table.Announce(At(i), b, rb);
        }
        Assert.Equal((n, 2 * n), (_table.PrefixCount, _table.PathCount));
        // Peer a's path is shorter, so it is best everywhere; withdrawing every other one hands those to b.
        for (int i = 0; i < n; i += 2) _table.Withdraw(At(i), a);
        Assert.Equal(n + n / 2, _table.PathCount);
        // Freed slots (in every chunk) are taken again before the table grows.
        for (int i = 0; i < n; i += 2) _table.Announce(At(i), a, ra);
        Assert.Equal(2 * n, _table.PathCount);
        for (int i = 0; i < n; i += 7)
        {
            Assert.True(_table.TryGetBest(At(i), out var best, out var from));
            Assert.Equal((ra, a), (best, from));
            Assert.Equal([a.Slot, b.Slot], _table.Paths(At(i)).Select(p => p.Peer.Slot).Order().ToArray());
        }
        for (int i = 1; i < n; i += 2) _table.Withdraw(At(i), a);
        Assert.True(_table.TryGetBest(At(n - 1), out var last, out var lastFrom));
        Assert.Equal((rb, b), (last, lastFrom));
        Assert.Equal((n, n / 2), (_table.PathsFrom(b.Slot), _table.PathsFrom(a.Slot)));
    }

    [Fact]
    public void Paths_name_their_attribute_sets_by_handles_that_are_reused_after_release_across_handle_chunks()
    {
        // The path slots hold the interner's handle of a set, not the set: 20,000 sets span three handle chunks, half
        // of them are released (their handles go back to the interner) and new sets take those handles again.
        var peer = Add(Peer("10.0.0.2", 65001));
        const int n = 20_000;
        static Wire.Prefix At(int i) => Wire.Prefix.IPv4(0x0A000000u + ((uint)i << 8), 24);
        for (int i = 0; i < n; i++) Announce(At(i).ToString(), peer, Attrs([65001, (uint)i]));
        Assert.Equal(n, _interner.Count);
        for (int i = 1; i < n; i += 2) _table.Withdraw(At(i), peer);
        Assert.Equal(n / 2, _interner.Count);
        for (int i = n; i < n + n / 2; i++) Announce(At(i).ToString(), peer, Attrs([65001, (uint)i]));
        Assert.Equal(n, _interner.Count);
        for (int i = 0; i < n + n / 2; i++)
        {
            bool stored = i >= n || i % 2 == 0;
            Assert.Equal(stored, _table.TryGetBest(At(i), out var best, out _));
            if (!stored) continue;
            Assert.Equal(Attrs([65001, (uint)i]), best!.Attributes);
            Assert.Equal(1, _interner.RefCountOf(best));
        }
    }

    [Fact]
    public void Releasing_a_set_that_is_no_longer_held_is_refused()
    {
        var r = _interner.Acquire(Attrs([65001, 7]));
        _interner.Release(r);
        Assert.Equal(0, _interner.RefCountOf(r));
        Assert.Throws<InvalidOperationException>(() => _interner.Release(r));
    }

    [Fact]
    public void Identical_attribute_sets_are_stored_once_and_freed_with_their_last_path()
    {
        var peer = Add(Peer("10.0.0.2", 65001));
        // Two separately decoded (separately built) but identical sets.
        Announce("203.0.113.0/24", peer, Attrs([65001, 7]));
        Announce("198.51.100.0/24", peer, Attrs([65001, 7]));
        Assert.Equal(1, _interner.Count);
        _table.TryGetBest(P("203.0.113.0/24"), out var r1, out _);
        _table.TryGetBest(P("198.51.100.0/24"), out var r2, out _);
        Assert.Same(r1, r2);
        Announce("192.0.2.0/24", peer, Attrs([65001, 8]));
        Assert.Equal(2, _interner.Count);
        _table.Withdraw(P("203.0.113.0/24"), peer);
        Assert.Equal(2, _interner.Count);
        _table.Withdraw(P("198.51.100.0/24"), peer);
        Assert.Equal(1, _interner.Count);
    }

    [Fact]
    public void A_set_freed_and_announced_again_is_made_anew_and_the_same_set_under_a_leak_mark_is_another()
    {
        // The interner makes a missing set inside the hash set's own Add; a set it holds is found by a second lookup.
        var a = Attrs([65001, 7]);
        var first = _interner.Acquire(a);
        Assert.Same(first, _interner.Acquire(Attrs([65001, 7])));
        _interner.Release(first);
        _interner.Release(first);
        Assert.Equal(0, _interner.Count);
        var again = _interner.Acquire(a);
        Assert.NotSame(first, again);
        Assert.Equal(1, _interner.Count);
        // RFC 9234 section 5: the same attributes are a leak from one peer and a valid route from another.
        var leak = _interner.Acquire(a, otcLeak: true);
        Assert.NotSame(again, leak);
        Assert.Equal((false, true), (again.OtcLeak, leak.OtcLeak));
        Assert.Equal(2, _interner.Count);
        _interner.Release(again);
        Assert.Equal(1, _interner.Count);
        Assert.Same(leak, _interner.Acquire(Attrs([65001, 7]), otcLeak: true));
    }

    [Fact]
    public void Different_mp_next_hops_are_different_sets()
    {
        var a = Attrs([65001], nextHop: 0);
        var r1 = _interner.Acquire(a, new byte[16] { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 });
        var r2 = _interner.Acquire(a, new byte[16] { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 });
        var r3 = _interner.Acquire(a, new byte[16] { 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 });
        Assert.NotSame(r1, r2);
        Assert.Same(r2, r3);
    }

    [Fact]
    public void Sets_made_one_after_another_with_the_same_mp_next_hop_share_one_copy_of_it()
    {
        byte[] nh1 = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        byte[] nh2 = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        var r1 = _interner.Acquire(Attrs([65001], nextHop: 0), nh1);
        var r2 = _interner.Acquire(Attrs([65001, 7], nextHop: 0), nh1.ToArray());
        var r3 = _interner.Acquire(Attrs([65001, 8], nextHop: 0), nh2);
        Assert.NotSame(r1, r2);
        Assert.Same(r1.MpNextHop, r2.MpNextHop);
        Assert.NotSame(nh1, r1.MpNextHop); // a copy: the caller's array is not kept
        Assert.Equal(nh1, r2.MpNextHop);
        Assert.Equal(nh2, r3.MpNextHop);
        Assert.NotSame(r2.MpNextHop, r3.MpNextHop);
        Assert.Equal(nh1, r1.MpNextHop); // the shared copy was not overwritten by the next one
        Assert.Empty(_interner.Acquire(Attrs([65002])).MpNextHop);
    }

    [Fact]
    public void Reannouncement_replaces_the_previous_path_implicit_withdraw()
    {
        var peer = Add(Peer("10.0.0.2", 65001));
        Announce("203.0.113.0/24", peer, Attrs([65001, 1]));
        var before = _interner.Count;
        var r = _interner.Acquire(Attrs([65001, 2]));
        var change = _table.Announce(P("203.0.113.0/24"), peer, r);
        _interner.Release(r);
        Assert.True(change.Changed);
        Assert.Equal(1, _table.PathCount);
        Assert.Equal(1, _table.PathsFrom(peer.Slot));
        Assert.Equal(before, _interner.Count); // the replaced set was freed
        _table.TryGetBest(P("203.0.113.0/24"), out var best, out _);
        Assert.Equal(2, best!.AsPathLength);
        // The same set again is no change at all.
        r = _interner.Acquire(Attrs([65001, 2]));
        Assert.False(_table.Announce(P("203.0.113.0/24"), peer, r).Changed);
        _interner.Release(r);
    }

    [Fact]
    public void Withdrawing_the_best_path_selects_the_next_and_the_last_removes_the_prefix()
    {
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        Announce("203.0.113.0/24", a, Attrs([65001]));
        Announce("203.0.113.0/24", b, Attrs([65002, 5]));
        _table.TryGetBest(P("203.0.113.0/24"), out _, out var peer);
        Assert.Same(a, peer);
        var c = _table.Withdraw(P("203.0.113.0/24"), a);
        Assert.True(c.Changed);
        Assert.Same(b, c.NewPeer);
        c = _table.Withdraw(P("203.0.113.0/24"), b);
        Assert.Null(c.NewRoute);
        Assert.Equal(0, _table.PrefixCount);
        Assert.Equal(0, _interner.Count);
    }

    [Fact]
    public void Looped_routes_are_stored_and_counted_but_never_best()
    {
        var a = Add(Peer("10.0.0.2", 65001));
        Announce("203.0.113.0/24", a, Attrs([65001, LocalAs]));
        Assert.Equal(1, _table.PathsFrom(a.Slot));
        Assert.Equal(1, _table.IneligibleFrom(a.Slot));
        Assert.False(_table.TryGetBest(P("203.0.113.0/24"), out _, out _));
        Assert.Empty(_table.BestPaths());
    }

    [Fact]
    public void Kept_filtered_paths_are_counted_but_never_selected()
    {
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        var r = _interner.Acquire(Attrs([65001]));
        _table.Announce(P("203.0.113.0/24"), a, r, filtered: true);
        Assert.False(_table.TryGetBest(P("203.0.113.0/24"), out _, out _));
        Assert.Equal(1, _table.FilteredFrom(a.Slot));
        Assert.True(_table.Paths(P("203.0.113.0/24")).Single().Filtered);
        Announce("203.0.113.0/24", b, Attrs([65002, 1, 2, 3]));
        _table.TryGetBest(P("203.0.113.0/24"), out _, out var best);
        Assert.Same(b, best);
        // The same route, now accepted by policy (e.g. after a filter change and a route refresh), wins.
        var c = _table.Announce(P("203.0.113.0/24"), a, r);
        Assert.Same(a, c.NewPeer);
        Assert.Equal(0, _table.FilteredFrom(a.Slot));
        _interner.Release(r);
    }

    [Fact]
    public void Session_down_removes_every_path_of_that_peer_and_reports_best_changes()
    {
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        for (int i = 0; i < 100; i++) Announce($"10.{i}.0.0/16", a, Attrs([65001]));
        for (int i = 0; i < 50; i++) Announce($"10.{i}.0.0/16", b, Attrs([65002, 1]));
        var changes = new List<(AkkaBgp.Wire.Prefix, BestChange)>();
        _table.WithdrawAll(a.Slot, (p, c) => changes.Add((p, c)));
        Assert.Equal(100, changes.Count);
        Assert.Equal(50, changes.Count(c => c.Item2.NewPeer == b));
        Assert.Equal(50, changes.Count(c => c.Item2.NewRoute is null));
        Assert.Equal(50, _table.PrefixCount);
        Assert.Equal(0, _table.PathsFrom(a.Slot));
    }

    [Fact]
    public void Sessions_that_end_together_leave_the_table_and_report_the_changes_as_one_after_the_other_would()
    {
        // Four peers with overlapping ranges of prefixes; a, b and c end together (and one slot with no path, and a
        // repeat), d stays. The same table built twice: one loses the three one by one, the other in one call.
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        var c = Add(Peer("10.0.0.4", 65003));
        var d = Add(Peer("10.0.0.5", 65004));
        var idle = Add(Peer("10.0.0.6", 65005));
        var interner = new AttributeInterner(LocalAs, RouterId);
        PrefixTable Build()
        {
            var t = new PrefixTable(false, interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
            void Add(int from, int to, RibPeer peer, uint[] path)
            {
                var r = interner.Acquire(Attrs(path));
                for (int i = from; i < to; i++) t.Announce(P($"10.{i}.0.0/16"), peer, r);
                interner.Release(r);
            }
            Add(0, 100, a, [65001]);
            Add(0, 50, b, [65002, 1]);
            Add(25, 75, c, [65003, 1, 2]);
            Add(60, 80, d, [65004, 1, 2, 3]);
            return t;
        }
        var oneByOne = Build();
        var together = Build();
        Assert.Equal((100, 220), (together.PrefixCount, together.PathCount));

        var expected = new List<(int, AkkaBgp.Wire.Prefix, RibPeer?, RibPeer?)>();
        foreach (var peer in new[] { a, b, c })
            oneByOne.WithdrawAll(peer.Slot, (p, ch) => expected.Add((peer.Slot, p, ch.OldPeer, ch.NewPeer)));
        var reported = new List<(int, AkkaBgp.Wire.Prefix, RibPeer?, RibPeer?)>();
        together.WithdrawAll([a.Slot, idle.Slot, b.Slot, c.Slot, a.Slot], (slot, p, ch) => reported.Add((slot, p, ch.OldPeer, ch.NewPeer)));

        // 100 + 50 + 50 prefix reports, each peer's own, with the best before and after as one by one.
        Assert.Equal(200, reported.Count);
        Assert.Equal(expected.ToHashSet(), reported.ToHashSet());
        // Per prefix in the order given, so that each report's "before" is the previous one's "after".
        foreach (var g in reported.GroupBy(r => r.Item2))
            Assert.Equal(g.Select(r => r.Item1).ToArray(), g.Select(r => r.Item1).OrderBy(s => s == a.Slot ? 0 : s == b.Slot ? 1 : 2).ToArray());
        Assert.Equal(80, reported.Count(r => r.Item4 is null)); // 10.0-59 and 10.80-99 are gone
        Assert.Equal(20, reported.Count(r => r.Item4 == d));

        // What is left is d's 20 prefixes, best from d, in both tables; a, b and c hold no path.
        foreach (var t in new[] { oneByOne, together })
        {
            Assert.Equal((20, 20), (t.PrefixCount, t.PathCount));
            foreach (var peer in new[] { a, b, c }) Assert.Equal(0, t.PathsFrom(peer.Slot));
            for (int i = 60; i < 80; i++)
            {
                Assert.True(t.TryGetBest(P($"10.{i}.0.0/16"), out _, out var from));
                Assert.Same(d, from);
            }
        }
    }

    [Fact]
    public void Sessions_restarting_together_have_their_paths_marked_stale_as_one_after_the_other_would()
    {
        var a = Add(Peer("10.0.0.2", 65001));
        var b = Add(Peer("10.0.0.3", 65002));
        var c = Add(Peer("10.0.0.4", 65003));
        for (int i = 0; i < 40; i++) Announce($"10.{i}.0.0/16", a, Attrs([65001]));
        for (int i = 20; i < 60; i++) Announce($"10.{i}.0.0/16", b, Attrs([65002, 1]));
        for (int i = 30; i < 50; i++) Announce($"10.{i}.0.0/16", c, Attrs([65003, 1, 2]));
        _table.MarkStale(new[] { a.Slot, c.Slot, a.Slot });
        Assert.Equal((40, 0, 20), (_table.StaleFrom(a.Slot), _table.StaleFrom(b.Slot), _table.StaleFrom(c.Slot)));
        // Marked again (a second restart before End-of-RIB): nothing counts twice.
        _table.MarkStale(new[] { a.Slot, c.Slot });
        Assert.Equal((40, 0, 20), (_table.StaleFrom(a.Slot), _table.StaleFrom(b.Slot), _table.StaleFrom(c.Slot)));
        // Stale paths stay candidates; the sweep removes exactly the ones marked.
        Assert.True(_table.TryGetBest(P("10.0.0.0/16"), out _, out var best));
        Assert.Same(a, best);
        int swept = 0;
        _table.SweepStale(c.Slot, (_, _) => swept++);
        Assert.Equal((20, 0, 40), (swept, _table.PathsFrom(c.Slot), _table.PathsFrom(b.Slot)));
        // a comes back and announces half its routes again; its sweep (with b's, which has nothing stale) takes the rest.
        for (int i = 0; i < 20; i++) Announce($"10.{i}.0.0/16", a, Attrs([65001]));
        var sweeps = new List<(int, AkkaBgp.Wire.Prefix)>();
        _table.SweepStale(new[] { b.Slot, a.Slot }, (slot, p, _) => sweeps.Add((slot, p)));
        Assert.Equal(Enumerable.Range(20, 20).Select(i => (a.Slot, P($"10.{i}.0.0/16"))).ToHashSet(), sweeps.ToHashSet());
        Assert.Equal((20, 0, 40), (_table.PathsFrom(a.Slot), _table.StaleFrom(a.Slot), _table.PathsFrom(b.Slot)));
    }

    [Fact]
    public void A_session_ending_removes_its_ipv6_paths_of_every_length_and_leaves_the_others()
    {
        // Up to /56 in the keyed index, longer ones in the dictionary: the walk that finds a peer's prefixes covers both.
        var t6 = new PrefixTable(true, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
        var a = Add(Peer("2001:db8::2", 65001));
        var b = Add(Peer("2001:db8::3", 65002));
        var ra = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16]);
        var rb = _interner.Acquire(Attrs([65002], nextHop: 0), new byte[16]);
        string[] mine = ["2001:db8:1::/48", "2001:db8:2::/64", "2001:db8:3::1/128", "2001:db8:4::/56"];
        foreach (var p in mine) t6.Announce(P(p), a, ra);
        t6.Announce(P("2001:db8:2::/64"), b, rb);
        t6.Announce(P("2001:db8:9::/127"), b, rb);
        var reported = new List<string>();
        t6.WithdrawAll(a.Slot, (p, _) => reported.Add(p.ToString()));
        Assert.Equal(mine.Order(), reported.Order());
        Assert.Equal((2, 2, 0), (t6.PrefixCount, t6.PathCount, t6.PathsFrom(a.Slot)));
        t6.WithdrawAll([b.Slot], (_, _, _) => { });
        Assert.Equal(0, t6.PrefixCount);
    }

    [Fact]
    public void An_ipv6_peer_back_from_a_restart_has_its_stale_paths_of_every_length_swept_and_keeps_the_ones_sent_again()
    {
        // RFC 4724 4.2. The stale marks hold a prefix up to /56 by its index key and a longer one as itself; the sweep
        // turns both back into the peer's prefixes.
        var t6 = new PrefixTable(true, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
        var a = Add(Peer("2001:db8::2", 65001));
        var ra = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16]);
        string[] mine = ["2001:db8:1::/48", "2001:db8:3::1/128", "2001:db8:4::/56", "2001:db8::/32"];
        foreach (var p in mine) t6.Announce(P(p), a, ra);
        // Two paths of one prefix longer than /56 under ADD-PATH identifiers (RFC 7911): recorded once.
        foreach (uint id in new uint[] { 1, 2 }) t6.Announce(P("2001:db8:2::/64"), a, ra, pathId: id);
        Assert.Equal(6, t6.MarkStale(a.Slot));
        t6.Announce(P("2001:db8:1::/48"), a, ra);
        t6.Announce(P("2001:db8:3::1/128"), a, ra);
        Assert.Equal(4, t6.StaleFrom(a.Slot));
        var swept = new List<string>();
        t6.SweepStale(a.Slot, (p, _) => swept.Add(p.ToString()));
        Assert.Equal(new[] { "2001:db8:2::/64", "2001:db8:4::/56", "2001:db8::/32" }.Order(), swept.Order());
        Assert.Equal((2, 0, 2), (t6.PathsFrom(a.Slot), t6.StaleFrom(a.Slot), t6.PrefixCount));
    }

    [Fact]
    public void A_returning_add_path_peer_keeps_the_paths_it_announced_again_and_its_sweep_takes_the_others()
    {
        // RFC 7911 paths under identifiers, RFC 4724 stale marks: the sweep goes by the prefixes recorded at the mark.
        var a = Add(Peer("10.0.0.2", 65001));
        var r = _interner.Acquire(Attrs([65001]));
        foreach (uint id in new uint[] { 1, 2 }) _table.Announce(P("203.0.113.0/24"), a, r, pathId: id);
        _table.Announce(P("198.51.100.0/24"), a, r, pathId: 1);
        Assert.Equal(3, _table.MarkStale(a.Slot));
        _table.Announce(P("203.0.113.0/24"), a, r, pathId: 2);
        Assert.Equal(2, _table.StaleFrom(a.Slot));
        var swept = new List<AkkaBgp.Wire.Prefix>();
        _table.SweepStale(a.Slot, (p, _) => swept.Add(p));
        Assert.Equal([P("198.51.100.0/24"), P("203.0.113.0/24")], swept.Order().ToArray());
        Assert.Equal((0, 1, 1), (_table.StaleFrom(a.Slot), _table.PathsFrom(a.Slot), _table.PrefixCount));
        Assert.Equal([2u], _table.Paths(P("203.0.113.0/24")).Select(x => x.PathId).ToArray());
        _interner.Release(r);
    }

    [Fact]
    public void Ipv6_table_keys_by_prefix()
    {
        var t6 = new PrefixTable(true, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
        var a = Add(Peer("2001:db8::2", 65001));
        var r = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16]);
        t6.Announce(P("2001:db8:1::/48"), a, r);
        Assert.Equal(1, t6.PrefixCount);
        Assert.Single(t6.Paths(P("2001:db8:1::/48")));
        Assert.Throws<ArgumentException>(() => t6.Announce(P("10.0.0.0/8"), a, r));
    }

    [Fact]
    public void Ipv6_prefixes_of_every_length_are_kept_apart_found_listed_and_withdrawn()
    {
        // Up to /56 a prefix lives in the 64-bit-keyed index (length in the key's lowest octet), longer ones in a
        // dictionary: both kinds, prefixes that differ only in length, and addresses with the top bit set.
        var t6 = new PrefixTable(true, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
        var a = Add(Peer("2001:db8::2", 65001));
        var r = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16]);
        string[] prefixes =
        [
            "::/0", "8000::/1", "ff00::/8", "2001:db8::/32", "2001:db8::/33", "2001:db8:1::/48", "2001:db8:1::/56",
            "2001:db8:1:100::/56", "2001:db8:1:180::/57", "2001:db8:1:1::/64", "2001:db8::1/128", "ffff:ffff:ffff:ffff::/64",
        ];
        foreach (var p in prefixes) t6.Announce(P(p), a, r);
        Assert.Equal(prefixes.Length, t6.PrefixCount);
        Assert.Equal(prefixes.Order(), t6.AllPrefixes().Select(p => p.ToString()).Order());
        // The walk a new neighbor's first table and a route refresh are sent from: both kinds of prefix, each once.
        var bests = t6.BestPaths().ToList();
        Assert.Equal(prefixes.Order(), bests.Select(b => b.Prefix.ToString()).Order());
        Assert.All(bests, b => Assert.Equal((r, a), (b.Route, b.Peer)));
        // A table changed under a walk fails it, as a dictionary would, instead of skipping or repeating prefixes.
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var b in t6.BestPaths()) t6.Announce(P("2001:db8:ff::/48"), a, r);
        });
        t6.Withdraw(P("2001:db8:ff::/48"), a);
        foreach (var p in prefixes)
        {
            Assert.True(t6.TryGetBest(P(p), out var best, out var from), p);
            Assert.Equal((r, a), (best, from));
        }
        Assert.False(t6.TryGetBest(P("2001:db8:1::/52"), out _, out _));
        Assert.False(t6.TryGetBest(P("2001:db8:1:1::/63"), out _, out _));
        foreach (var p in prefixes.Where((_, i) => i % 2 == 0)) t6.Withdraw(P(p), a);
        Assert.Equal(prefixes.Where((_, i) => i % 2 == 1).Order(), t6.AllPrefixes().Select(p => p.ToString()).Order());
        foreach (var p in prefixes.Where((_, i) => i % 2 == 1)) t6.Withdraw(P(p), a);
        Assert.Equal((0, 0), (t6.PrefixCount, t6.PathCount));
        _interner.Release(r);
    }

    [Fact]
    public void An_ipv6_table_of_200k_prefixes_grows_and_shrinks_without_losing_one()
    {
        var t6 = new PrefixTable(true, _interner, DecisionOptions.Default, s => _peers.GetValueOrDefault(s));
        var a = Add(Peer("2001:db8::2", 65001));
        var r = _interner.Acquire(Attrs([65001], nextHop: 0), new byte[16]);
        const int n = 200_000;
        // /48s of 2000::/16, and a tenth as many /64s of 2001:db8::/32 (dictionary entries).
        static Wire.Prefix At(int i) => Wire.Prefix.IPv6(((UInt128)0x2000 << 112) | ((UInt128)(uint)i << 80), 48);
        static Wire.Prefix LongAt(int i) => Wire.Prefix.IPv6(((UInt128)0x2001_0db8u << 96) | ((UInt128)(uint)i << 64), 64);
        for (int i = 0; i < n; i++)
        {
            t6.Announce(At(i), a, r);
            if (i % 10 == 0) t6.Announce(LongAt(i), a, r);
        }
        Assert.Equal(n + n / 10, t6.PrefixCount);
        for (int i = 0; i < n; i += 2) t6.Withdraw(At(i), a);
        Assert.Equal(n / 2 + n / 10, t6.PrefixCount);
        for (int i = 1; i < n; i += 2) Assert.True(t6.TryGetBest(At(i), out _, out _));
        for (int i = 0; i < n; i += 10) Assert.True(t6.TryGetBest(LongAt(i), out _, out _));
        for (int i = 0; i < n; i += 2) Assert.False(t6.TryGetBest(At(i), out _, out _));
        Assert.Equal(n / 2 + n / 10, t6.AllPrefixes().Distinct().Count());
        _interner.Release(r);
    }
}
