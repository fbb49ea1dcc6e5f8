using AkkaBgp.Service.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>Akka Management's health and membership routes: /alive, /ready, /cluster/members.</summary>
public static class HealthEndpoints
{
    public const string Role = "bgp-speaker";

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/alive", () => Results.Json(new { status = "alive" }));

        app.MapGet("/ready", (ServiceReadiness readiness) => readiness.IsReady
            ? Results.Json(new { status = "ready" })
            : Results.Json(new { status = "not ready", reason = readiness.Reason }, statusCode: StatusCodes.Status503ServiceUnavailable));

        // A single-node "cluster": this speaker, Up, in the JVM ClusterMembers shape, so tooling that reads
        // Akka Management's membership sees one healthy member.
        app.MapGet("/cluster/members", (RunningConfiguration running, ServiceReadiness readiness) =>
        {
            var m = running.Current.Management;
            var node = $"akka://akka-bgp@{(m.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{m.Address}]" : m.Address.ToString())}:{m.Port}";
            return Results.Json(new
            {
                selfNode = node,
                members = new[]
                {
                    new { node, nodeUid = running.Current.RouterId.ToString(System.Globalization.CultureInfo.InvariantCulture), status = readiness.IsReady ? "Up" : "Joining", roles = new[] { Role } },
                },
                unreachable = Array.Empty<object>(),
                leader = node,
                oldest = node,
                oldestPerRole = new Dictionary<string, string> { [Role] = node },
            });
        });
    }
}
