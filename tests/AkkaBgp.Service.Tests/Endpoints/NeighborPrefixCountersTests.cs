using System.Net;
using System.Text.Json;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Metrics;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>The per-family prefix counters of GetRibSummary as GET /bgp/neighbors/{address} and /metrics show them
/// (the RIB's own tests check the counts after an exchange; these check they reach the API unchanged).</summary>
public sealed class NeighborPrefixCountersTests
{
    private static readonly RibSummary Rib = new(new Dictionary<string, FamilySummary>(), 1, 0,
    [
        new NeighborRibSummary(IPAddress.Parse("192.0.2.7"), 65001, Updates: 5, TreatAsWithdraw: 0, ReceivedPrefixes: 6, FilteredPrefixes: 1,
            Accepted: new Dictionary<string, long> { ["ipv4-unicast"] = 3, ["ipv6-unicast"] = 1 },
            Rejected: new Dictionary<string, long> { ["ipv4-unicast"] = 1, ["ipv6-unicast"] = 0 },
            Prefixes: new Dictionary<string, PrefixCounters>
            {
                ["ipv4-unicast"] = new(4, 2, 7),
                ["ipv6-unicast"] = new(1, 1, 9),
            }),
    ]);

    [Fact]
    public void Neighbor_json_has_received_accepted_and_advertised_per_family()
    {
        var json = JsonSerializer.SerializeToElement(EventJson.Prefixes(Rib.Neighbors[0]), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var v4 = json.GetProperty("ipv4-unicast");
        Assert.Equal(4, v4.GetProperty("received").GetInt64());
        Assert.Equal(2, v4.GetProperty("accepted").GetInt64());
        Assert.Equal(7, v4.GetProperty("advertised").GetInt64());
        Assert.Equal(1, v4.GetProperty("rejected").GetInt64());
        var v6 = json.GetProperty("ipv6-unicast");
        Assert.Equal(new long[] { 1, 1, 9 }, new[] { "received", "accepted", "advertised" }.Select(k => v6.GetProperty(k).GetInt64()).ToArray());
        Assert.Equal(6, json.GetProperty("total").GetProperty("received").GetInt64());
    }

    [Fact]
    public void Metrics_have_one_series_per_neighbor_family_and_kind()
    {
        var text = BgpMetrics.NeighborFamilyPrefixes(Rib);
        Assert.Contains("# TYPE bgp_neighbor_family_prefixes gauge", text);
        Assert.Contains("bgp_neighbor_family_prefixes{neighbor=\"192.0.2.7\",family=\"ipv4-unicast\",kind=\"received\"} 4\n", text);
        Assert.Contains("bgp_neighbor_family_prefixes{neighbor=\"192.0.2.7\",family=\"ipv4-unicast\",kind=\"accepted\"} 2\n", text);
        Assert.Contains("bgp_neighbor_family_prefixes{neighbor=\"192.0.2.7\",family=\"ipv6-unicast\",kind=\"advertised\"} 9\n", text);
        Assert.Equal("", BgpMetrics.NeighborFamilyPrefixes(null));
    }
}
