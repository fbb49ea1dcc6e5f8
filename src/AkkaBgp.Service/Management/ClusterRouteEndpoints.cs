using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Service.Nodes;
using AkkaBgp.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>
/// Cluster routes (issue 17): <c>POST /bgp/routes</c> and <c>DELETE /bgp/routes</c> with <c>"scope": "cluster"</c>
/// write them to Akka.DistributedData with write-majority, and <c>GET /bgp/cluster/routes</c> lists them with this
/// node's health state (<c>?scope=cluster</c>: every node's).
/// </summary>
public static class ClusterRouteEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapClusterRoutes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/bgp/cluster/routes", async (HttpRequest request, IRequiredActor<ClusterRoutes> clusterRoutes, ActorSystem system, CancellationToken ct) =>
        {
            if (!ClusterView.TryScope(request, out var cluster, out var problem)) return problem;
            if (cluster) return Results.Json(await ClusterView.GatherAsync(system, "cluster-routes", "routes"));
            return Results.Text(await ListJsonAsync(await clusterRoutes.GetAsync(ct)), "application/json");
        });
    }

    /// <summary>This node's cluster routes and their health, as <c>GET /bgp/cluster/routes</c> shows them.</summary>
    internal static async Task<string> ListJsonAsync(IActorRef clusterRoutes)
    {
        var list = await clusterRoutes.Ask<ClusterRouteList>(GetClusterRoutes.Instance, AskTimeout);
        var routes = new JsonArray();
        foreach (var r in list.Routes)
        {
            var row = (JsonObject)JsonNode.Parse(r.Route.ToJson())!;
            row["source"] = r.Route.Where is { } where ? $"configuration ({where})" : "api";
            row["health"] = r.Health.ToString().ToLowerInvariant();
            if (r.Detail is { } d) row["detail"] = d;
            row["since"] = r.Since;
            row["announced"] = r.Announced ?? "nothing";
            routes.Add(row);
        }
        return new JsonObject { ["node"] = list.Node, ["routes"] = routes }.ToJsonString();
    }

    internal static async Task<IResult> PostAsync(ClusterRoute route, IRequiredActor<ClusterRoutes> clusterRoutes, ActorSystem system, CancellationToken ct)
    {
        if ((await FindAsync(route.Prefix, clusterRoutes, ct))?.Route.Where is { } where)
            return Problems.Conflict($"{route.Prefix} is a cluster route of the configuration ({where}); change it there and reload");
        bool majority = await ClusterRoutes.PutAsync(system, await clusterRoutes.GetAsync(ct), route);
        return Written(majority, "announced", route.Prefix, StatusCodes.Status201Created);
    }

    internal static async Task<IResult> DeleteAsync(Prefix prefix, IRequiredActor<ClusterRoutes> clusterRoutes, ActorSystem system, CancellationToken ct)
    {
        var known = await FindAsync(prefix, clusterRoutes, ct);
        if (known is null) return Problems.NotFound($"{prefix} is not a cluster route");
        if (known.Route.Where is { } where) return Problems.Conflict($"{prefix} is a cluster route of the configuration ({where}); remove it there and reload");
        bool majority = await ClusterRoutes.DeleteAsync(system, await clusterRoutes.GetAsync(ct), prefix);
        return Written(majority, "withdrawn", prefix, StatusCodes.Status200OK);
    }

    /// <summary>This node's view of the cluster route for <paramref name="prefix"/>, null when there is none.</summary>
    private static async Task<ClusterRouteStatus?> FindAsync(Prefix prefix, IRequiredActor<ClusterRoutes> clusterRoutes, CancellationToken ct)
    {
        var list = await (await clusterRoutes.GetAsync(ct)).Ask<ClusterRouteList>(GetClusterRoutes.Instance, AskTimeout);
        return list.Routes.FirstOrDefault(r => r.Route.Prefix == prefix);
    }

    /// <summary>201/200 once a majority of the members hold the change; 202 when only this node does so far (a
    /// partition, or members not answering within the write timeout): it spreads to the others by gossip.</summary>
    private static IResult Written(bool majority, string what, Prefix prefix, int status) => majority
        ? Results.Json(new { message = $"{what} by every node (cluster scope)", prefix = prefix.ToString(), scope = "cluster" }, statusCode: status)
        : Results.Json(new
        {
            message = $"{what} on this node; a majority of the members did not confirm within {ClusterRoutes.WriteTimeout.TotalSeconds:0} s, the others get it by gossip",
            prefix = prefix.ToString(),
            scope = "cluster",
        }, statusCode: StatusCodes.Status202Accepted);
}
