using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>The table's incremental selection (pre-MED shortcut, reselection on withdraw) must always agree
/// with running the whole RFC procedure over the paths it holds.</summary>
public sealed class TableConsistencyTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Incremental_best_path_equals_full_selection(int seed, bool alwaysCompareMed)
    {
        var rng = new Random(seed);
        var options = new DecisionOptions { AlwaysCompareMed = alwaysCompareMed };
        var interner = new AttributeInterner(LocalAs, RouterId);
        var peers = Enumerable.Range(1, 8).Select(i => Peer($"10.0.0.{i}", i <= 2 ? LocalAs : (uint)(65000 + rng.Next(1, 4)), routerId: (uint)rng.Next(1, 5), slot: i)).ToArray();
        var table = new PrefixTable(false, interner, options, s => s >= 1 && s <= peers.Length ? peers[s - 1] : null);
        var prefixes = Enumerable.Range(0, 20).Select(i => Prefix.IPv4(0x0A000000u + ((uint)i << 8), 24)).ToArray();
        for (int step = 0; step < 5000; step++)
        {
            var prefix = prefixes[rng.Next(prefixes.Length)];
            var peer = peers[rng.Next(peers.Length)];
            if (rng.Next(4) == 0)
            {
                table.Withdraw(prefix, peer);
            }
            else
            {
                uint first = peer.IsInternal ? (uint)(65001 + rng.Next(3)) : peer.PeerAs;
                var path = new[] { first }.Concat(Enumerable.Range(0, rng.Next(0, 3)).Select(_ => (uint)rng.Next(1, 9))).ToArray();
                var a = Attrs(path, x =>
                {
                    if (rng.Next(2) == 0) x.MultiExitDisc = (uint)rng.Next(0, 3);
                    if (peer.IsInternal) x.LocalPref = (uint)(100 + 10 * rng.Next(2));
                    x.Origin = (Origin)rng.Next(0, 2);
                    if (rng.Next(10) == 0) x.ClusterList.Add((uint)rng.Next(1, 3));
                });
                var r = interner.Acquire(a);
                table.Announce(prefix, peer, r);
                interner.Release(r);
            }
            var paths = table.Paths(prefix);
            var candidates = paths.Select(p => new Candidate(p.Route, p.Peer)).ToArray();
            int expected = BestPathSelector.Select(candidates, options);
            int actual = paths.FindIndex(p => p.IsBest);
            Assert.Equal(expected, actual);
        }
    }
}
