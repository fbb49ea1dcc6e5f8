using System.Globalization;
using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Nodes;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>/bgp/rib (summary, lookup) and /bgp/routes (locally originated routes at run time).</summary>
public static class RibEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    public const int MaxPageSize = 1000;

    public static void MapRib(this IEndpointRouteBuilder app, RouteGroupBuilder writes)
    {
        // Polled by the shared benchmark every 100 ms: one Ask, answered by the partitions' counters (no table walk).
        app.MapGet("/bgp/rib/summary", async (SpeakerSnapshot snapshot, CancellationToken ct) =>
            Results.Json(EventJson.Summary(await snapshot.RefreshRibAsync(ct))));

        // One neighbor's Adj-RIB-In: after import policy (policy=post, the default), or everything it sent (policy=pre),
        // which needs the routes the policy rejected to be kept (keep-filtered = true for that neighbor).
        app.MapGet("/bgp/neighbors/{address}/rib/in", async (string address, HttpRequest request, IRequiredActor<RibActor> ribActor,
            RunningConfiguration running, ActorSystem system, CancellationToken ct) =>
        {
            if (!IPAddress.TryParse(address, out var peer)) return Problems.BadRequest($"'{address}' is not an IP address");
            var q = request.Query;
            string policy = q["policy"].ToString() is { Length: > 0 } p ? p : "post";
            if (policy is not ("pre" or "post")) return Problems.BadRequest($"policy must be pre or post, not '{policy}'");
            var settings = running.Neighbor(peer);
            if (policy == "pre" && settings is { KeepFiltered: false })
                return Problems.Conflict($"the pre-policy view of {peer} needs keep-filtered = true for it (the routes its import policy rejects are not kept)");
            if (!TryInt(q["offset"].ToString(), 0, int.MaxValue, 0, out var offset)) return Problems.BadRequest("offset must be a non-negative integer");
            if (!TryInt(q["limit"].ToString(), 1, MaxPageSize, 100, out var limit)) return Problems.BadRequest($"limit must be an integer from 1 to {MaxPageSize}");
            var ranges = new List<Prefix>();
            if (q["prefix"].ToString() is { Length: > 0 } text)
            {
                if (!TryPrefix(text, out var prefix, out var bad)) return bad;
                ranges.Add(prefix);
            }
            else ranges.AddRange([Prefix.Parse("0.0.0.0/0"), Prefix.Parse("::/0")]);
            await GiveWayAsync(request.HttpContext, system, running, ct);
            var rib = await ribActor.ResolveAsync(ct);
            // The RIB pages by prefix over every neighbor's paths; this neighbor's are picked out page by page.
            var routes = new List<RouteView>();
            int skipped = 0;
            foreach (var range in ranges)
            {
                for (Prefix? after = null; routes.Count < limit;)
                {
                    var page = await rib.Ask<RouteLookupResult>(new LookupRoutes(range, true, 0, MaxPageSize, After: after), AskTimeout);
                    foreach (var r in page.Routes)
                    {
                        if (!peer.Equals(r.Peer) || (policy == "post" && r.Ineligibility == "Filtered")) continue;
                        if (skipped++ < offset) continue;
                        if (routes.Count < limit) routes.Add(r);
                    }
                    if (page.Routes.Count == 0 || page.Routes.Select(r => r.Prefix).Distinct().Count() < MaxPageSize) break;
                    after = page.Routes[^1].Prefix;
                }
            }
            return new RoutePage(w =>
            {
                w.WriteString("neighbor", peer.ToString());
                w.WriteString("policy", policy);
                w.WriteNumber("offset", offset);
                w.WriteNumber("limit", limit);
            }, routes);
        });

        // One neighbor's Adj-RIB-Out (RFC 4271 3.2): what we advertise to it now, with the attributes it gets.
        app.MapGet("/bgp/neighbors/{address}/rib/out", async (string address, HttpRequest request, IRequiredActor<RibActor> ribActor,
            RunningConfiguration running, ActorSystem system, CancellationToken ct) =>
        {
            if (!IPAddress.TryParse(address, out var peer)) return Problems.BadRequest($"'{address}' is not an IP address");
            var q = request.Query;
            if (!TryInt(q["offset"].ToString(), 0, int.MaxValue, 0, out var offset)) return Problems.BadRequest("offset must be a non-negative integer");
            if (!TryInt(q["limit"].ToString(), 1, MaxPageSize, 100, out var limit)) return Problems.BadRequest($"limit must be an integer from 1 to {MaxPageSize}");
            var queries = new List<(Prefix, bool)>();
            if (q["prefix"].ToString() is { Length: > 0 } text)
            {
                if (!TryPrefix(text, out var prefix, out var bad)) return bad;
                queries.Add((prefix, q["match"].ToString() == "longer"));
            }
            else queries.AddRange([(Prefix.Parse("0.0.0.0/0"), true), (Prefix.Parse("::/0"), true)]);
            await GiveWayAsync(request.HttpContext, system, running, ct);
            var rib = await ribActor.ResolveAsync(ct);
            var routes = new List<RouteView>();
            int total = 0;
            foreach (var (prefix, longer) in queries)
            {
                // Offsets run over both families: IPv4 first, then IPv6.
                var result = await rib.Ask<RouteLookupResult>(new LookupRoutes(prefix, longer, Math.Max(0, offset - total), limit - routes.Count, peer), AskTimeout);
                total += result.TotalPrefixes;
                routes.AddRange(result.Routes);
                if (routes.Count >= limit) break;
            }
            return new RoutePage(w =>
            {
                w.WriteString("neighbor", peer.ToString());
                w.WriteNumber("offset", offset);
                w.WriteNumber("limit", limit);
                w.WriteNumber("totalPrefixes", total);
            }, routes);
        });

        app.MapGet("/bgp/rib", async (HttpRequest request, IRequiredActor<RibActor> ribActor, RunningConfiguration running, ActorSystem system,
            CancellationToken ct) =>
        {
            var q = request.Query;
            var prefixText = q["prefix"].ToString();
            if (prefixText.Length == 0) return Problems.BadRequest("the prefix parameter is required, e.g. /bgp/rib?prefix=10.0.0.0/8&match=longer");
            if (!TryPrefix(prefixText, out var prefix, out var bad)) return bad;
            var match = q["match"].ToString();
            if (match.Length == 0) match = "exact";
            if (match is not ("exact" or "longer")) return Problems.BadRequest($"match must be exact or longer, not '{match}'");
            if (!TryInt(q["offset"].ToString(), 0, int.MaxValue, 0, out var offset)) return Problems.BadRequest("offset must be a non-negative integer");
            if (!TryInt(q["limit"].ToString(), 1, MaxPageSize, 100, out var limit)) return Problems.BadRequest($"limit must be an integer from 1 to {MaxPageSize}");
            // after=P (with match=longer): the page starts after prefix P, the last one of the previous page; reading a
            // whole table that way costs the same per page, where a growing offset re-reads what came before.
            Prefix? after = null;
            if (q["after"].ToString() is { Length: > 0 } afterText)
            {
                if (!TryPrefix(afterText, out var a, out var badAfter)) return badAfter;
                after = a;
            }
            var explainText = q["explain"].ToString();
            if (explainText is not ("" or "true" or "false")) return Problems.BadRequest($"explain must be true or false, not '{explainText}'");
            bool explain = explainText == "true";
            if (!Nodes.ClusterView.TryScope(request, out var cluster, out var badScope)) return badScope;
            if (cluster)
            {
                if (explain) return Problems.BadRequest("explain=true answers for this node only; leave out scope=cluster");
                // Every member's paths for the prefix, each naming its node (issue 17); each node gives its first
                // `limit` routes, so offset and after do not apply.
                if (offset != 0 || after is not null) return Problems.BadRequest("offset and after do not apply with scope=cluster");
                var query = new Nodes.ClusterViewQuery("rib", prefix.ToString(), match == "longer", limit);
                return Results.Text((await Nodes.ClusterView.GatherAsync(system, query, "routes")).ToJsonString(), "application/json");
            }
            if (match == "longer") await GiveWayAsync(request.HttpContext, system, running, ct);
            var rib = await ribActor.ResolveAsync(ct);
            var result = await rib.Ask<RouteLookupResult>(new LookupRoutes(prefix, match == "longer", offset, limit, After: after), AskTimeout);
            return new RoutePage(w =>
            {
                w.WriteString("prefix", prefix.ToString());
                w.WriteString("match", match);
                w.WriteNumber("offset", offset);
                w.WriteNumber("limit", limit);
                w.WriteNumber("totalPrefixes", result.TotalPrefixes);
            }, result.Routes, explain ? (w, r) => PathExplanation.Write(w, r, running) : null);
        });

        writes.MapPost("/bgp/routes", async (HttpRequest request, IRequiredActor<RibActor> ribActor, IRequiredActor<ClusterRoutes> clusterRoutes,
            ActorSystem system, CancellationToken ct) =>
        {
            var (body, notJson) = await RequestBody.ReadJsonAsync(request, ct);
            if (notJson is not null) return notJson;
            var errors = new List<string>();
            var parsed = ParseRouteRequest(body, errors);
            if (parsed is null) return RouteProblem(errors);
            if (parsed.ClusterScope) return await ClusterRouteEndpoints.PostAsync(parsed.Cluster, clusterRoutes, system, ct);
            var rib = await ribActor.ResolveAsync(ct);
            await rib.Ask<LocalRouteAck>(new AnnounceLocalRoute(parsed.Route.ToLocalRoute()), AskTimeout);
            return Results.Json(new { message = "announced", prefix = parsed.Route.Prefix.ToString() }, statusCode: StatusCodes.Status201Created);
        });

        writes.MapDelete("/bgp/routes", async (HttpRequest request, IRequiredActor<RibActor> ribActor, IRequiredActor<ClusterRoutes> clusterRoutes,
            ActorSystem system, CancellationToken ct) =>
        {
            string prefixText = request.Query["prefix"].ToString();
            string scope = request.Query["scope"].ToString();
            if (request.ContentLength is > 0)
            {
                var (body, notJson) = await RequestBody.ReadJsonAsync(request, ct);
                if (notJson is not null) return notJson;
                if (prefixText.Length == 0) prefixText = WithdrawPrefix(body);
                if (scope.Length == 0 && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("scope", out var sc) && sc.ValueKind == JsonValueKind.String)
                    scope = sc.GetString()!;
            }
            if (scope is not ("" or "node" or "cluster")) return Problems.BadRequest($"scope must be node or cluster, not '{scope}'");
            if (prefixText.Length == 0) return Problems.BadRequest("give the prefix as ?prefix=... or in the body as {\"prefix\": \"...\"}");
            if (!TryPrefix(prefixText, out var prefix, out var bad)) return bad;
            if (scope == "cluster") return await ClusterRouteEndpoints.DeleteAsync(prefix, clusterRoutes, system, ct);
            var rib = await ribActor.ResolveAsync(ct);
            await rib.Ask<LocalRouteAck>(new WithdrawLocalRoute(prefix), AskTimeout);
            return Results.Json(new { message = "withdrawn", prefix = prefix.ToString() });
        });
    }

    /// <summary>This node's paths for a cluster-wide <c>/bgp/rib</c> query, as JSON: <c>{"totalPrefixes": N, "routes": [...]}</c>
    /// in the shape of the local endpoint's routes.</summary>
    internal static async Task<string> LookupJsonAsync(IActorRef rib, Prefix prefix, bool longer, int limit)
    {
        var result = await rib.Ask<RouteLookupResult>(new LookupRoutes(prefix, longer, 0, Math.Clamp(limit, 1, MaxPageSize)), AskTimeout);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("totalPrefixes", result.TotalPrefixes);
            w.WriteStartArray("routes");
            var json = new RouteJson();
            foreach (var r in result.Routes) json.Write(w, r);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Paging queries wait here while the RIB takes a table load (management.rib-query-give-way; see <see cref="RibLoad"/>),
    /// and say how long in the standard Server-Timing header, so a slow answer explains itself.
    /// </summary>
    private static async Task GiveWayAsync(HttpContext http, ActorSystem system, RunningConfiguration running, CancellationToken ct)
    {
        var m = running.Current.Management;
        var waited = await RibLoad.Get(system).GiveWayAsync(m.GiveWayAbove, m.GiveWayMaxWait, ct);
        if (waited > TimeSpan.Zero)
            http.Response.Headers.Append("Server-Timing", $"rib-give-way;dur={waited.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}");
    }

    /// <summary>The prefix of a DELETE body <c>{"prefix": "..."}</c>, "" when it has none.</summary>
    internal static string WithdrawPrefix(JsonElement body)
        => body.ValueKind == JsonValueKind.Object && body.TryGetProperty("prefix", out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()! : "";

    internal static bool TryPrefix(string text, out Prefix prefix, out IResult problem)
    {
        problem = Results.Empty;
        if (BgpSyntax.TryParsePrefix(text, out prefix) == BgpSyntax.PrefixError.None) return true;
        problem = Problems.BadRequest($"'{text}' is not a prefix (address/length without host bits)");
        return false;
    }

    internal static bool TryInt(string text, int min, int max, int fallback, out int value)
    {
        value = fallback;
        if (text.Length == 0) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    /// <summary>The checks on a parsed route body for this node's own routes; the fuzz harness (tests/fuzz) calls this
    /// directly.</summary>
    internal static (LocalRoute? Route, IResult? Problem) ParseRoute(JsonElement body)
    {
        var errors = new List<string>();
        var request = ParseRouteRequest(body, errors);
        if (request is { ClusterScope: true } && errors.Count == 0) errors.Add("scope: this reads a node's own route; cluster routes go through ParseRouteRequest");
        if (errors.Count > 0 || request is null) return (null, RouteProblem(errors));
        return (request.Route.ToLocalRoute(), null);
    }

    internal static IResult RouteProblem(List<string> errors) => errors.Count == 1 && errors[0].StartsWith("the body", StringComparison.Ordinal)
        ? Problems.BadRequest(errors[0])
        : Problems.BadRequest($"the route is not valid ({errors.Count} problem(s))", errors);

    /// <summary>A route body: the route, whether it is for the whole cluster (<c>"scope": "cluster"</c>, issue 17) and
    /// its health check (cluster routes only). Problems go to <paramref name="errors"/>, each naming its field.</summary>
    internal sealed record RouteRequest(OriginatedRoute Route, bool ClusterScope, HealthCheck? Check)
    {
        public ClusterRoute Cluster => new(Route, Check);
    }

    internal static RouteRequest? ParseRouteRequest(JsonElement body, List<string> errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("the body must be a JSON object with at least \"prefix\"");
            return null;
        }

        Prefix? prefix = null;
        IPAddress? nextHop = null;
        uint? med = null, localPref = null;
        int prepend = 0;
        bool cluster = false;
        HealthCheck? check = null;
        bool hasCheck = false;
        var communities = new List<Community>();
        var large = new List<LargeCommunity>();
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "prefix":
                    if (p.Value.ValueKind != JsonValueKind.String || BgpSyntax.TryParsePrefix(p.Value.GetString()!, out var parsed) != BgpSyntax.PrefixError.None)
                        errors.Add($"prefix: '{p.Value}' is not a prefix (address/length without host bits)");
                    else prefix = parsed;
                    break;
                case "nextHop":
                    if (p.Value.ValueKind == JsonValueKind.Null || (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "self")) break;
                    if (p.Value.ValueKind != JsonValueKind.String || !BgpSyntax.TryParseAddress(p.Value.GetString()!, out var nh))
                        errors.Add($"nextHop: '{p.Value}' is not an address or \"self\"");
                    else nextHop = nh;
                    break;
                case "communities":
                    foreach (var c in Strings(p, errors))
                    {
                        if (BgpSyntax.TryParseCommunity(c, out var community)) communities.Add(community);
                        else errors.Add($"communities: '{c}' is not asn:value or a well-known name");
                    }
                    break;
                case "largeCommunities":
                    foreach (var c in Strings(p, errors))
                    {
                        if (BgpSyntax.TryParseLargeCommunity(c, out var lc)) large.Add(lc);
                        else errors.Add($"largeCommunities: '{c}' is not global:local1:local2");
                    }
                    break;
                case "med":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt32(out var m)) med = m;
                    else errors.Add("med: must be an integer from 0 to 4294967295");
                    break;
                case "localPref":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt32(out var lp)) localPref = lp;
                    else errors.Add("localPref: must be an integer from 0 to 4294967295");
                    break;
                case "asPathPrepend":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var n) && n is >= 0 and <= 32) prepend = n;
                    else errors.Add("asPathPrepend: must be an integer from 0 to 32");
                    break;
                case "scope":
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is "node" or "cluster") cluster = p.Value.GetString() == "cluster";
                    else errors.Add($"scope: must be \"node\" (this node's own route, the default) or \"cluster\" (announced by every node)");
                    break;
                case "healthCheck":
                    hasCheck = true;
                    check = ClusterRoute.ReadHealthCheck(p.Value, errors);
                    break;
                default:
                    errors.Add($"{p.Name}: unknown field (prefix, nextHop, communities, largeCommunities, med, localPref, asPathPrepend, scope, healthCheck)");
                    break;
            }
        }
        if (prefix is null && !errors.Any(e => e.StartsWith("prefix:", StringComparison.Ordinal))) errors.Add("prefix: required");
        if (prefix is { } pf && nextHop is { } hop && hop.AddressFamily != pf.Address.AddressFamily)
            errors.Add($"nextHop: {hop} is not of the prefix's address family");
        if (hasCheck && !cluster)
            errors.Add("healthCheck: only cluster routes have a health check; add \"scope\": \"cluster\" (a node alone is a cluster of one)");
        if (errors.Count > 0) return null;
        return new RouteRequest(new OriginatedRoute
        {
            Prefix = prefix!.Value,
            NextHop = nextHop,
            Med = med,
            LocalPref = localPref,
            Communities = communities,
            LargeCommunities = large,
            AsPathPrepend = prepend,
        }, cluster, check);
    }

    private static IEnumerable<string> Strings(JsonProperty p, List<string> errors)
    {
        if (p.Value.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"{p.Name}: must be an array of strings");
            yield break;
        }
        foreach (var e in p.Value.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String) yield return e.GetString()!;
            else errors.Add($"{p.Name}: must be an array of strings");
        }
    }
}
