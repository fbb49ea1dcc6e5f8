using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using AkkaBgp.Service.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaBgp.Service.Management;

/// <summary>
/// Akka Management's health and membership routes on the management port: <c>/alive</c> and <c>/ready</c> from the
/// ASP.NET Core health checks Akka.Hosting registers (actor system liveness; cluster join) plus our own "every BGP
/// listener is bound", and <c>/cluster/members</c> from the cluster's own state.
/// </summary>
public static class HealthEndpoints
{
    public const string Role = "bgp-speaker";

    /// <summary>Tags Akka.Hosting puts on its liveness and readiness checks; ours use the same.</summary>
    public const string LivenessTag = "liveness";
    public const string ReadinessTag = "ready";

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LivenessTag),
            ResponseWriter = (http, report) => WriteAsync(http, report, "alive", "not alive"),
        });
        app.MapHealthChecks("/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadinessTag),
            ResponseWriter = (http, report) => WriteAsync(http, report, "ready", "not ready"),
        });

        // Akka Management's ClusterMembers shape (JVM cluster-http-management), from this node's view of the cluster.
        app.MapGet("/cluster/members", (ActorSystem system) =>
        {
            if (!Nodes.Membership.IsClustered(system)) return Problems.NotFound(Nodes.Membership.NotClustered);
            var cluster = Cluster.Get(system);
            var state = cluster.State;
            var up = state.Members.Where(m => m.Status == MemberStatus.Up).ToArray();
            var oldest = up.Aggregate((Member?)null, (o, m) => o is null || m.IsOlderThan(o) ? m : o);
            var roles = up.SelectMany(m => m.Roles).Distinct().Order(StringComparer.Ordinal);
            return Results.Json(new
            {
                selfNode = cluster.SelfAddress.ToString(),
                members = state.Members.Select(m => new
                {
                    node = m.Address.ToString(),
                    nodeUid = m.UniqueAddress.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    status = m.Status.ToString(),
                    roles = m.Roles.Order(StringComparer.Ordinal).ToArray(),
                }).ToArray(),
                // Akka.NET does not publish who observed a member unreachable, so observedBy stays empty.
                unreachable = state.Unreachable.Select(m => new { node = m.Address.ToString(), observedBy = Array.Empty<string>() }).ToArray(),
                leader = state.Leader?.ToString(),
                oldest = oldest?.Address.ToString(),
                oldestPerRole = roles.ToDictionary(r => r, r => up.Where(m => m.HasRole(r))
                    .Aggregate((Member?)null, (o, m) => o is null || m.IsOlderThan(o) ? m : o)!.Address.ToString()),
            });
        });
    }

    /// <summary>
    /// <c>DELETE /cluster/members/{address}</c> (Akka Management's leave): the member leaves the cluster gracefully. On
    /// the leaving node coordinated shutdown then ends every session with Cease/2 "node leaving the AkkaBgp cluster"
    /// (which withdraws what it announced from its neighbors), its placed neighbors move to other nodes, and the
    /// process exits with 0.
    /// </summary>
    public static void MapClusterLeave(this RouteGroupBuilder writes)
    {
        writes.MapDelete("/cluster/members/{address}", (string address, ActorSystem system) =>
        {
            // The member's full address URL-encoded (akka.tcp%3A%2F%2Fakka-bgp%40127.0.0.1%3A4053) or just host:port.
            var text = Uri.UnescapeDataString(address);
            if (!Nodes.Membership.IsClustered(system)) return Problems.NotFound(Nodes.Membership.NotClustered);
            var cluster = Cluster.Get(system);
            var member = cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == text || $"{m.Address.Host}:{m.Address.Port}" == text);
            if (member is null) return Problems.NotFound($"'{text}' is not a member of this cluster (GET /cluster/members lists them)");
            cluster.Leave(member.Address);
            return Results.Json(new { message = $"Leaving {member.Address}", node = member.Address.ToString() }, statusCode: StatusCodes.Status202Accepted);
        });
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>{"status": "ready"|"not ready", "reason": first failing check's description, "checks": {name: {status, description}}}.</summary>
    private static Task WriteAsync(HttpContext http, HealthReport report, string healthy, string unhealthy)
    {
        var failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Value.Description ?? e.Key).ToArray();
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status == HealthStatus.Unhealthy ? unhealthy : healthy,
            reason = failing.Length == 0 ? null : string.Join("; ", failing),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, Json));
    }
}

/// <summary>Ready once the configuration is loaded, the speaker has started and every BGP listener is bound.</summary>
public sealed class ListenersBoundCheck(ServiceReadiness readiness) : IHealthCheck
{
    public const string Name = "bgp.listeners";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy("every BGP listener is bound")
            : HealthCheckResult.Unhealthy(readiness.Reason));
}
