using AkkaBgp.Rib.Policy;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

public sealed class PolicyTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", true)]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", false)]
    [InlineData("10.0.0.0/8 le 24", "10.1.0.0/16", true)]
    [InlineData("10.0.0.0/8 le 24", "10.1.1.0/25", false)]
    [InlineData("10.0.0.0/8 ge 16 le 24", "10.0.0.0/8", false)]
    [InlineData("10.0.0.0/8 ge 16 le 24", "10.1.2.0/24", true)]
    [InlineData("10.0.0.0/8 ge 25", "10.1.2.128/25", true)]
    [InlineData("10.0.0.0/8 le 32", "11.0.0.0/8", false)]
    [InlineData("2001:db8::/32 le 48", "2001:db8:1::/48", true)]
    public void Prefix_list_entries_match_with_length_ranges(string entry, string prefix, bool expected)
        => Assert.Equal(expected, PrefixListEntry.Parse(entry).Matches(P(prefix)));

    [Fact]
    public void First_matching_term_decides_and_its_actions_apply()
    {
        var filter = new RouteFilter(
        [
            new FilterTerm { Prefixes = [PrefixListEntry.Parse("192.168.0.0/16 le 32")], Verdict = FilterVerdict.Reject },
            new FilterTerm { AsPathContains = 666, Verdict = FilterVerdict.Reject },
            new FilterTerm { HasCommunity = new Community(65001, 100), SetLocalPref = 300, SetMed = 7, AddCommunities = [new Community(65000, 1)], RemoveCommunities = [new Community(65001, 100)] },
            new FilterTerm { HasLargeCommunity = new LargeCommunity(65001, 1, 2), AddLargeCommunities = [new LargeCommunity(65000, 9, 9)] },
        ], FilterVerdict.Accept);

        Assert.False(filter.Evaluate(P("192.168.1.0/24"), Attrs([65001])).Accepted);
        Assert.False(filter.Evaluate(P("203.0.113.0/24"), Attrs([65001, 666, 3])).Accepted);
        var tagged = Attrs([65001], x => x.Communities.Add(new Community(65001, 100)));
        var r = filter.Evaluate(P("203.0.113.0/24"), tagged);
        Assert.True(r.Accepted);
        var applied = r.Apply(tagged);
        Assert.Equal(300u, applied.LocalPref);
        Assert.Equal(7u, applied.MultiExitDisc);
        Assert.Equal([new Community(65000, 1)], applied.Communities);
        var large = Attrs([65001], x => x.LargeCommunities.Add(new LargeCommunity(65001, 1, 2)));
        Assert.Contains(new LargeCommunity(65000, 9, 9), filter.Evaluate(P("203.0.113.0/24"), large).Apply(large).LargeCommunities);
        var plain = Attrs([65001]);
        var none = filter.Evaluate(P("203.0.113.0/24"), plain);
        Assert.True(none.Accepted);
        Assert.Same(plain, none.Apply(plain));
    }

    [Fact]
    public void Default_reject_filter_accepts_only_listed_prefixes()
    {
        var filter = new RouteFilter([new FilterTerm { Prefixes = [PrefixListEntry.Parse("198.51.100.0/24")] }], FilterVerdict.Reject);
        Assert.True(filter.Evaluate(P("198.51.100.0/24"), Attrs([1])).Accepted);
        Assert.False(filter.Evaluate(P("198.51.101.0/24"), Attrs([1])).Accepted);
    }

    [Fact]
    public void Max_prefix_warns_once_then_ceases_with_rfc4486_data()
    {
        var t = new MaxPrefixTracker(new MaxPrefixSettings(100, WarningPercent: 80, RestartInterval: TimeSpan.FromMinutes(1)));
        Assert.Equal(MaxPrefixEvent.None, t.Check(79));
        Assert.Equal(MaxPrefixEvent.Warning, t.Check(80));
        Assert.Equal(MaxPrefixEvent.None, t.Check(90));
        Assert.Equal(MaxPrefixEvent.None, t.Check(100));
        Assert.Equal(MaxPrefixEvent.Exceeded, t.Check(101));
        Assert.Equal(MaxPrefixEvent.None, t.Check(102));
        var n = MaxPrefixTracker.Notification(AfiSafi.Ipv4Unicast, 100);
        Assert.Equal(ErrorCode.Cease, n.Code);
        Assert.Equal(CeaseSubcode.MaximumPrefixesReached, n.Subcode);
        Assert.Equal(new byte[] { 0, 1, 1, 0, 0, 0, 100 }, n.Data);
    }
}
