using System.Net;
using System.Text.Json;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rpki;
using AkkaBgp.Service.Management;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>
/// The hand-written route writer behind /bgp/rib and the per-neighbor views must give byte for byte what the API
/// gave through the serializer (EventJson.Route), which scripts and the akkabgp CLI read.
/// </summary>
public sealed class RouteJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static PathAttributes Rich()
    {
        var b = new PathAttributesBuilder
        {
            Origin = Origin.Egp,
            AsPath = new AsPath([new AsPathSegment(AsPathSegmentType.AsSequence, 65001, 4200000000), new AsPathSegment(AsPathSegmentType.AsSet, 1, 2)]),
            MultiExitDisc = 0,
            LocalPref = 250,
            AtomicAggregate = true,
            Aggregator = new Aggregator(65001, 0xC0000201),
            OriginatorId = 0x0A000001,
            OnlyToCustomer = 65001,
        };
        b.SetNextHop(IPAddress.Parse("192.0.2.1"));
        b.Communities.AddRange([Community.Parse("65000:1"), Community.NoExport, Community.NoPeer, Community.Parse("0:0")]);
        b.LargeCommunities.Add(new LargeCommunity(65000, 1, 2));
        b.ExtendedCommunities.Add(ExtendedCommunity.RouteTarget(65000, 7));
        b.ClusterList.AddRange([0x0A000002, 0xFFFFFFFF]);
        return b.Build();
    }

    public static TheoryData<string> Cases() => ["rich", "empty", "ipv6", "local", "ineligible", "rpki-valid", "rpki-not-found", "rpki-invalid", "quote"];

    private static RouteView Case(string name) => name switch
    {
        "rich" => new RouteView(Prefix.Parse("203.0.113.0/24"), IPAddress.Parse("127.0.0.2"), 4200000000, true, true, null, Rich(), IPAddress.Parse("192.0.2.1")),
        "empty" => new RouteView(Prefix.Parse("0.0.0.0/0"), IPAddress.Parse("127.0.0.2"), 65001, false, true, null, new PathAttributesBuilder().Build(), null),
        "ipv6" => new RouteView(Prefix.Parse("2001:db8::/32"), IPAddress.Parse("::1"), 65001, true, true, null,
            new PathAttributesBuilder { Origin = Origin.Incomplete, AsPath = AsPath.Sequence(65001) }.Build(), IPAddress.Parse("2001:db8::1")),
        "local" => new RouteView(Prefix.Parse("198.51.100.0/24"), null, 65000, true, true, null, Rich(), IPAddress.Parse("192.0.2.1")),
        "ineligible" => new RouteView(Prefix.Parse("198.51.100.0/25"), IPAddress.Parse("127.0.0.3"), 65002, false, false, "AsPathLoop", Rich(), null, Stale: true),
        "rpki-valid" => new RouteView(Prefix.Parse("198.51.100.0/24"), IPAddress.Parse("127.0.0.2"), 65001, true, true, null, Rich(), null, Rpki: RovState.Valid),
        "rpki-not-found" => new RouteView(Prefix.Parse("198.51.100.0/24"), IPAddress.Parse("127.0.0.2"), 65001, true, true, null, Rich(), null, Rpki: RovState.NotFound),
        "rpki-invalid" => new RouteView(Prefix.Parse("198.51.100.0/24"), IPAddress.Parse("127.0.0.2"), 65001, false, true, null, Rich(), null, Rpki: RovState.Invalid),
        // Text that JSON must escape, in the one free-text field.
        "quote" => new RouteView(Prefix.Parse("10.0.0.0/8"), IPAddress.Parse("127.0.0.2"), 65001, false, false, "a \"reason\" <with> & é", Rich(), null),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_route_is_written_as_the_serializer_wrote_it(string name)
    {
        var route = Case(name);
        Assert.Equal(JsonSerializer.Serialize(EventJson.Route(route), Web), Write(route));
    }

    [Fact]
    public void Routes_sharing_an_attribute_set_each_carry_it_whole()
    {
        // The writer copies a set's JSON for every route after the first: the copies must be complete and separate.
        var shared = Rich();
        var a = Case("rich") with { Attributes = shared };
        var b = Case("ineligible") with { Attributes = shared, Prefix = Prefix.Parse("203.0.113.128/25") };
        var json = new RouteJson();
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartArray();
            json.Write(w, a);
            json.Write(w, b);
            json.Write(w, a);
            w.WriteEndArray();
        }
        var expected = JsonSerializer.Serialize(new[] { EventJson.Route(a), EventJson.Route(b), EventJson.Route(a) }, Web);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Write(RouteView r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) new RouteJson().Write(w, r);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
