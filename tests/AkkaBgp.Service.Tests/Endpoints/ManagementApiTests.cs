using System.Net;
using System.Text.Json;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>One service process (no real peer) shared by the API tests; the neighbor never comes up.</summary>
public sealed class ApiServiceFixture : IAsyncLifetime
{
    public const string Token = "s3cret-token";
    public static readonly IPAddress Address = IPAddress.Parse("127.0.61.1");
    public const string Neighbor = "127.0.61.2";
    public const string StoppedNeighbor = "127.0.61.3";

    public ServiceConfig Config { get; } = new(Address, Token);
    public ServiceProcess Service { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Config.Write($$"""
              neighbors = [
                { address = "{{Neighbor}}", remote-as = 65010, description = "never comes up", passive = true }
                { address = "{{StoppedNeighbor}}", remote-as = 65011, passive = true }
              ]
              routes = [ { prefix = "198.51.100.0/24", communities = ["65000:100"], med = 5 } ]
            """);
        Service = await ServiceProcess.StartAsync(Config.Path, Config.Management);
    }

    public async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        Config.Dispose();
    }
}

public sealed class ManagementApiTests(ApiServiceFixture fixture) : IClassFixture<ApiServiceFixture>
{
    private ServiceProcess Service => fixture.Service;

    [Fact]
    public async Task Without_seed_nodes_or_a_fixed_remoting_port_the_node_runs_alone_and_says_so()
    {
        var alive = await Service.GetJsonAsync("alive");
        Assert.Equal("alive", alive.GetProperty("status").GetString());
        Assert.Equal("Healthy", alive.GetProperty("checks").GetProperty("akka.actorsystem").GetProperty("status").GetString());
        var ready = await Service.GetJsonAsync("ready");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("bgp.listeners").GetProperty("status").GetString());
        // No cluster to join, so no join check (ClusterStartupTests has the member's).
        Assert.False(ready.GetProperty("checks").TryGetProperty("akka.cluster.join", out _));

        // Membership does not exist here: 404 naming the settings that would make the node a member.
        var (status, _, body) = await Service.SendAsync(HttpMethod.Get, "cluster/members");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("akka.cluster.seed-nodes", body.GetProperty("detail").GetString());
        (status, _, body) = await Service.SendAsync(HttpMethod.Delete, "cluster/members/127.0.0.1%3A4053", token: ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("runs alone", body.GetProperty("detail").GetString());

        // The cluster-wide views answer for the one node there is.
        var view = await Service.GetJsonAsync("bgp/neighbors?scope=cluster");
        Assert.Equal("cluster", view.GetProperty("scope").GetString());
        var rows = view.GetProperty("neighbors").EnumerateArray().ToArray();
        Assert.Contains(rows, r => r.GetProperty("address").GetString() == ApiServiceFixture.Neighbor);
        Assert.All(rows, r => Assert.Equal("akka://akka-bgp", r.GetProperty("node").GetString()));
        Assert.Empty(view.GetProperty("nodesNotAnswering").EnumerateArray());
    }

    [Fact]
    public async Task Neighbors_list_and_detail()
    {
        var list = await Service.GetJsonAsync("bgp/neighbors");
        var addresses = list.GetProperty("neighbors").EnumerateArray().Select(n => n.GetProperty("address").GetString()).ToArray();
        Assert.Contains(ApiServiceFixture.Neighbor, addresses);

        var n = await Service.NeighborAsync(ApiServiceFixture.Neighbor);
        Assert.Equal(65010u, n.GetProperty("remoteAs").GetUInt32());
        Assert.Equal("never comes up", n.GetProperty("description").GetString());
        Assert.Contains(n.GetProperty("state").GetString(), new[] { "Idle", "Active", "Connect" });
        Assert.Equal(JsonValueKind.Null, n.GetProperty("negotiated").ValueKind);
        Assert.Equal(JsonValueKind.Null, n.GetProperty("uptimeSeconds").ValueKind);
        Assert.Equal(0, n.GetProperty("flapCount").GetInt32());
        var sent = n.GetProperty("messages").GetProperty("sent");
        foreach (var type in new[] { "open", "update", "notification", "keepalive", "route-refresh" })
            Assert.Equal(0, sent.GetProperty(type).GetInt64());
        Assert.Equal(JsonValueKind.Null, n.GetProperty("lastNotificationReceived").ValueKind);
    }

    [Fact]
    public async Task Unknown_neighbors_are_404_and_bad_addresses_400_as_problem_json()
    {
        var (status, type, body) = await Service.SendAsync(HttpMethod.Get, "bgp/neighbors/192.0.2.99");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.Contains("192.0.2.99", body.GetProperty("detail").GetString());

        (status, type, body) = await Service.SendAsync(HttpMethod.Get, "bgp/neighbors/not-an-address");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);

        (status, _, _) = await Service.SendAsync(HttpMethod.Post, "bgp/neighbors/192.0.2.99/reset", token: ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Write_endpoints_need_the_bearer_token()
    {
        foreach (var path in new[] { "bgp/neighbors/127.0.61.2/reset", "bgp/routes", "config/reload" })
        {
            var (status, type, _) = await Service.SendAsync(HttpMethod.Post, path, new { prefix = "203.0.113.0/24" });
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("application/problem+json", type);
            (status, _, _) = await Service.SendAsync(HttpMethod.Post, path, new { prefix = "203.0.113.0/24" }, token: "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
        var (deleteStatus, _, _) = await Service.SendAsync(HttpMethod.Delete, "bgp/routes?prefix=203.0.113.0/24");
        Assert.Equal(HttpStatusCode.Unauthorized, deleteStatus);
        // Reads stay open.
        Assert.Equal(HttpStatusCode.OK, (await Service.SendAsync(HttpMethod.Get, "bgp/rib/summary")).Status);
    }

    [Fact]
    public async Task A_posted_route_is_in_the_rib_with_its_attributes_and_goes_away_on_delete()
    {
        var (status, _, _) = await Service.SendAsync(HttpMethod.Post, "bgp/routes", new
        {
            prefix = "203.0.113.0/24",
            nextHop = "192.0.2.254",
            communities = new[] { "65000:7", "no-export" },
            largeCommunities = new[] { "65000:1:2" },
            med = 42,
            localPref = 300,
            asPathPrepend = 2,
        }, ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.Created, status);

        JsonElement route = default;
        await Service.WaitUntilAsync(async () =>
        {
            var rib = await Service.GetJsonAsync("bgp/rib?prefix=203.0.113.0/24&match=exact");
            var routes = rib.GetProperty("routes").EnumerateArray().ToArray();
            if (routes.Length == 0) return false;
            route = routes[0];
            return true;
        }, TimeSpan.FromSeconds(10), "the posted route in /bgp/rib");
        Assert.True(route.GetProperty("local").GetBoolean());
        Assert.True(route.GetProperty("best").GetBoolean());
        var attributes = route.GetProperty("attributes");
        Assert.Equal("192.0.2.254", attributes.GetProperty("nextHop").GetString());
        Assert.Equal(42u, attributes.GetProperty("med").GetUInt32());
        Assert.Equal(300u, attributes.GetProperty("localPref").GetUInt32());
        Assert.Equal("65000 65000", attributes.GetProperty("asPath").GetString());
        Assert.Equal(new[] { "65000:7", "no-export" }, attributes.GetProperty("communities").EnumerateArray().Select(c => c.GetString()!).Order().ToArray());
        Assert.Equal("65000:1:2", Assert.Single(attributes.GetProperty("largeCommunities").EnumerateArray()).GetString());

        var (deleted, _, _) = await Service.SendAsync(HttpMethod.Delete, "bgp/routes?prefix=203.0.113.0/24", token: ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.OK, deleted);
        await Service.WaitUntilAsync(async () =>
            (await Service.GetJsonAsync("bgp/rib?prefix=203.0.113.0/24")).GetProperty("totalPrefixes").GetInt32() == 0,
            TimeSpan.FromSeconds(10), "the route withdrawn");
    }

    [Fact]
    public async Task Configured_routes_are_in_the_summary_and_longer_lookups_page()
    {
        foreach (var i in Enumerable.Range(0, 5))
            Assert.Equal(HttpStatusCode.Created, (await Service.SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = $"10.77.{i}.0/24" }, ApiServiceFixture.Token)).Status);
        await Service.WaitUntilAsync(async () =>
            (await Service.GetJsonAsync("bgp/rib?prefix=10.77.0.0/16&match=longer")).GetProperty("totalPrefixes").GetInt32() == 5,
            TimeSpan.FromSeconds(10), "five routes under 10.77/16");
        var page = await Service.GetJsonAsync("bgp/rib?prefix=10.77.0.0/16&match=longer&offset=1&limit=2");
        Assert.Equal(new[] { "10.77.1.0/24", "10.77.2.0/24" }, page.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("prefix").GetString()!).ToArray());

        var summary = await Service.GetJsonAsync("bgp/rib/summary");
        Assert.True(summary.GetProperty("ipv4-unicast").GetProperty("prefixes").GetInt64() >= 6); // 198.51.100/24 from the file + these
        Assert.True(summary.GetProperty("ipv4-unicast").GetProperty("paths").GetInt64() >= 6);
        Assert.Equal(0, summary.GetProperty("ipv6-unicast").GetProperty("prefixes").GetInt64());
        Assert.Equal(0, summary.GetProperty("peers").GetProperty("established").GetInt32());
    }

    [Theory]
    [InlineData("bgp/rib", "prefix parameter is required")]
    [InlineData("bgp/rib?prefix=10.0.0.1/8", "not a prefix")]
    [InlineData("bgp/rib?prefix=10.0.0.0/8&match=shorter", "match must be exact or longer")]
    [InlineData("bgp/rib?prefix=10.0.0.0/8&limit=0", "limit must be")]
    public async Task Bad_rib_queries_are_400(string path, string detail)
    {
        var (status, type, body) = await Service.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
        Assert.Contains(detail, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_bad_route_is_400_with_every_problem()
    {
        var (status, type, body) = await Service.SendAsync(HttpMethod.Post, "bgp/routes",
            new { prefix = "10.0.0.1/8", med = -1, communities = new[] { "x:y" }, colour = "red" }, ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(4, errors.Length);
        Assert.Contains(errors, e => e.StartsWith("prefix:"));
        Assert.Contains(errors, e => e.StartsWith("med:"));
        Assert.Contains(errors, e => e.StartsWith("communities:"));
        Assert.Contains(errors, e => e.StartsWith("colour: unknown field"));

        (status, type, _) = await Service.SendAsync(HttpMethod.Post, "bgp/routes", "{not json", ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
    }

    [Fact]
    public async Task Stop_keeps_the_neighbor_down_and_start_brings_it_back()
    {
        var (status, _, body) = await Service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{ApiServiceFixture.StoppedNeighbor}/stop",
            new { communication = "maintenance" }, ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Contains("maintenance", body.GetProperty("message").GetString());
        await Service.WaitForStateAsync(ApiServiceFixture.StoppedNeighbor, "Idle", TimeSpan.FromSeconds(5));

        var (tooLong, _, _) = await Service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{ApiServiceFixture.StoppedNeighbor}/stop",
            new { communication = new string('x', 256) }, ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong);

        (status, _, _) = await Service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{ApiServiceFixture.StoppedNeighbor}/start", token: ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.Accepted, status);
        // Passive: ManualStart puts it in Active, waiting for the peer.
        await Service.WaitForStateAsync(ApiServiceFixture.StoppedNeighbor, "Active", TimeSpan.FromSeconds(5));

        var (refresh, _, problem) = await Service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{ApiServiceFixture.StoppedNeighbor}/refresh", token: ApiServiceFixture.Token);
        Assert.Equal(HttpStatusCode.Conflict, refresh);
        Assert.Contains("not Established", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text()
    {
        using var response = await Service.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE bgp_sessions gauge", text);
        Assert.Matches(@"bgp_sessions\{state=""Established""\} 0", text);
        Assert.Contains("# TYPE bgp_messages_total counter", text);
        Assert.Contains($"bgp_messages_total{{neighbor=\"{ApiServiceFixture.Neighbor}\",type=\"open\",direction=\"sent\"}} 0", text);
        Assert.Matches(@"bgp_rib_prefixes\{family=""ipv4-unicast""\} \d+", text);
        Assert.Contains("# TYPE bgp_session_transitions_total counter", text);
    }

    [Fact]
    public async Task The_event_stream_starts_with_a_snapshot_of_every_neighbor()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await Service.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ServerSentEvents.ReadUntilAsync(response, e => e.Name == "snapshot-complete", cts.Token);
        var snapshot = events.Where(e => e.Name == "neighbor").Select(e => e.Data.GetProperty("neighbor").GetString()).ToArray();
        Assert.Contains(ApiServiceFixture.Neighbor, snapshot);
        Assert.Contains(ApiServiceFixture.StoppedNeighbor, snapshot);
        Assert.All(events.Where(e => e.Name == "neighbor"), e => Assert.False(string.IsNullOrEmpty(e.Data.GetProperty("state").GetString())));
        Assert.Equal(2, events.Last().Data.GetProperty("neighbors").GetInt32());
    }

    [Fact]
    public async Task The_event_stream_has_best_path_events_for_an_announced_and_a_withdrawn_route()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var response = await Service.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "snapshot-complete", cts.Token);

        Assert.Equal(HttpStatusCode.Created, (await Service.SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = "10.88.0.0/24", nextHop = "192.0.2.8", med = 3 }, ApiServiceFixture.Token)).Status);
        var events = await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "best-path" && e.Data.GetProperty("prefix").GetString() == "10.88.0.0/24", cts.Token);
        var announced = events.Last().Data;
        Assert.Equal("ipv4-unicast", announced.GetProperty("family").GetString());
        Assert.False(announced.GetProperty("withdrawn").GetBoolean());
        Assert.Equal("local-route", announced.GetProperty("reason").GetString());
        var best = announced.GetProperty("best");
        Assert.True(best.GetProperty("local").GetBoolean());
        Assert.Equal("192.0.2.8", best.GetProperty("nextHop").GetString());
        Assert.Equal(3u, best.GetProperty("med").GetUInt32());

        Assert.Equal(HttpStatusCode.OK, (await Service.SendAsync(HttpMethod.Delete, "bgp/routes?prefix=10.88.0.0/24", token: ApiServiceFixture.Token)).Status);
        events = await ServerSentEvents.ReadUntilAsync(reader, e => e.Name == "best-path" && e.Data.GetProperty("prefix").GetString() == "10.88.0.0/24", cts.Token);
        var withdrawn = events.Last().Data;
        Assert.True(withdrawn.GetProperty("withdrawn").GetBoolean());
        Assert.Equal(JsonValueKind.Null, withdrawn.GetProperty("best").ValueKind);
    }
}
