using AkkaBgp.Rib.Tables;

namespace AkkaBgp.Tests.Rib;

/// <summary>The IPv4 prefix index (native open addressing): checked against a dictionary through adds, removals that
/// shift probe runs back, growth and shrinking.</summary>
public sealed class PrefixKeyMapTests
{
    private static ulong Key(uint address, int length) => ((ulong)address << 8) | (uint)length;

    /// <summary>A map of <paramref name="count"/> random prefixes of <paramref name="minLength"/> to <paramref name="maxLength"/> bits.</summary>
    private static PrefixKeyMap<long> RandomPrefixes(int seed, int count, int minLength, int maxLength)
    {
        var rng = new Random(seed);
        var map = new PrefixKeyMap<long>();
        while (map.Count < count)
        {
            int len = rng.Next(minLength, maxLength + 1);
            map.FindOrAdd(Key((uint)rng.Next() & (uint)(0xFFFF_FFFFUL << (32 - len)), len), out _) = 1;
        }
        return map;
    }

    [Fact]
    public void Random_adds_and_removals_leave_the_same_contents_as_a_dictionary()
    {
        var rng = new Random(11);
        using var map = new PrefixKeyMap<long>();
        var oracle = new Dictionary<ulong, long>();
        // Keys from a small space so that adds hit present keys and removals hit absent ones; 0.0.0.0/0 (key 0) among them.
        var keys = Enumerable.Range(0, 5000).Select(i => i == 0 ? 0UL : Key((uint)rng.Next(), rng.Next(8, 33))).Distinct().ToArray();
        for (int step = 0; step < 200_000; step++)
        {
            ulong k = keys[rng.Next(keys.Length)];
            // Phases of mostly adding then mostly removing, so the map grows and shrinks several times.
            bool add = rng.NextDouble() < ((step / 25_000) % 2 == 0 ? 0.8 : 0.2);
            if (add)
            {
                ref long v = ref map.FindOrAdd(k, out bool exists);
                Assert.Equal(oracle.ContainsKey(k), exists);
                Assert.Equal(oracle.GetValueOrDefault(k), v);
                v = step;
                oracle[k] = step;
            }
            else Assert.Equal(oracle.Remove(k), map.Remove(k));
            Assert.Equal(oracle.Count, map.Count);
        }
        foreach (var k in keys)
        {
            ref long v = ref map.Find(k);
            Assert.Equal(oracle.ContainsKey(k), !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref v));
            if (oracle.TryGetValue(k, out long expected)) Assert.Equal(expected, v);
        }
        Assert.Equal(oracle.OrderBy(kv => kv.Key), map.Entries().Select(e => new KeyValuePair<ulong, long>(e.Key, e.Value)).OrderBy(kv => kv.Key));
    }

    [Fact]
    public void A_full_table_removed_again_gives_its_memory_back()
    {
        using var map = new PrefixKeyMap<long>();
        for (uint i = 0; i < 300_000; i++) map.FindOrAdd(Key(i << 8, 24), out _) = i;
        long full = map.NativeBytes;
        Assert.True(full >= 300_000 * 16, $"{full} bytes for 300,000 entries");
        Assert.True(full <= 300_000 * 16 * 3, $"{full} bytes for 300,000 entries");
        for (uint i = 0; i < 300_000; i++) Assert.True(map.Remove(Key(i << 8, 24)));
        Assert.Equal(0, map.Count);
        Assert.True(map.NativeBytes <= 1024, $"{map.NativeBytes} bytes left with no entry");
    }

    [Fact]
    public void Withdrawing_a_table_in_slot_order_keeps_probe_runs_short_through_every_shrink()
    {
        // A session going down withdraws its prefixes in the table's own order. The keys left then all sit at one end
        // of the hash space; before the hash was re-seeded at each resize, the halved table held them in one run a
        // quarter of its size, and 500,000 withdrawals took seconds.
        using var map = RandomPrefixes(5, 500_000, 16, 24);
        var order = map.Entries().Select(e => e.Key).ToList();
        int longest = 0;
        for (int i = 0; i < order.Count; i++)
        {
            Assert.True(map.Remove(order[i]));
            if (i % 25_000 == 0) longest = Math.Max(longest, map.LongestProbe());
        }
        Assert.Equal(0, map.Count);
        Assert.True(longest < 200, $"a key sat {longest} slots from its home");
    }

    [Fact]
    public void Growing_keeps_probe_runs_short_even_when_the_keys_come_in_another_maps_slot_order()
    {
        // Growth keeps a map's hash (a doubled table has half the density everywhere); what must not happen is a map
        // filled in its own hash order, all keys at the start of each small table. Another map's slot order is the
        // likeliest such order (a table copied into a new one), so each map has its own seed.
        using var first = RandomPrefixes(7, 500_000, 8, 32);
        Assert.True(first.LongestProbe() < 200, $"a key sat {first.LongestProbe()} slots from its home after growth");
        using var copy = new PrefixKeyMap<long>();
        int longest = 0;
        foreach (var (key, value) in first.Entries().ToList())
        {
            copy.FindOrAdd(key, out _) = value;
            if (copy.Count % 50_000 == 0) longest = Math.Max(longest, copy.LongestProbe());
        }
        Assert.Equal(first.Count, copy.Count);
        Assert.True(longest < 200, $"a key sat {longest} slots from its home in the copy");
    }

    [Fact]
    public void Changing_the_map_while_enumerating_it_is_refused()
    {
        using var map = new PrefixKeyMap<int>();
        for (uint i = 1; i <= 10; i++) map.FindOrAdd(Key(i << 24, 8), out _) = 1;
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var (k, _) in map.Entries()) map.Remove(k);
        });
    }
}
