using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Service.Reload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace AkkaBgp.Service.Management;

/// <summary>/bgp/events (server-sent events), /metrics (Prometheus) and /config/reload.</summary>
public static class StreamEndpoints
{
    private static readonly TimeSpan KeepaliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>How many events a listener may fall behind before it is dropped (about 0.5 MB of JSON).</summary>
    public const int EventBuffer = 1024;

    public static void MapStreams(this IEndpointRouteBuilder app, RouteGroupBuilder writes)
    {
        app.MapGet("/bgp/events", async (HttpContext http, IRequiredActor<SessionEventHub> hubActor, SpeakerSnapshot snapshot, IMaterializer materializer,
            Serilog.ILogger log, IHostApplicationLifetime lifetime, CancellationToken aborted) =>
        {
            // Kestrel waits for open requests when the host stops; an endless stream has to end by itself then.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(aborted, lifetime.ApplicationStopping);
            var ct = stopping.Token;
            if (!Nodes.ClusterView.TryScope(http.Request, out var cluster, out var badScope))
            {
                await badScope.ExecuteAsync(http);
                return;
            }
            if (cluster)
            {
                await Nodes.ClusterEvents.StreamAsync(http, http.RequestServices.GetRequiredService<ActorSystem>(), EventBuffer, KeepaliveInterval,
                    log.ForContext(typeof(StreamEndpoints)), ct);
                return;
            }
            var hub = await hubActor.ResolveAsync(ct);
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.Body.FlushAsync(ct);
            var end = await EventSubscription.RunAsync(hub,
                async token =>
                {
                    var neighbors = await snapshot.RefreshNeighborsAsync(token);
                    return [.. neighbors.Select(n => new ServerEvent("neighbor", EventJson.Snapshot(n))),
                        new ServerEvent("snapshot-complete", new { neighbors = neighbors.Count })];
                },
                (e, token) => WriteAsync(http.Response, e, token),
                EventBuffer, KeepaliveInterval, materializer, log.ForContext(typeof(StreamEndpoints)),
                $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}", ct);
            // Its last write may never finish (nobody reads): close the connection rather than wait for it.
            if (end == SubscriptionEnd.Dropped) http.Abort();
        });

        app.MapGet("/metrics", async (SpeakerSnapshot snapshot, PrometheusExporter exporter, CancellationToken ct) =>
        {
            try
            {
                await snapshot.RefreshAsync(ct);
            }
            catch (Exception e) when (e is AskTimeoutException or SpeakerNotRunningException)
            {
                // Serve the last values rather than nothing: a scrape must not fail because one actor is slow.
            }
            return Results.Text(exporter.Scrape() + BgpMetrics.NeighborFamilyPrefixes(snapshot.Rib), "text/plain; version=0.0.4; charset=utf-8");
        });

        writes.MapPost("/config/reload", async (ConfigReloader reloader, CancellationToken ct) =>
        {
            var result = await reloader.ReloadAsync(ct);
            if (result.PartlyApplied)
                return Results.Json(result, statusCode: StatusCodes.Status504GatewayTimeout);
            if (!result.Applied)
                return Problems.BadRequest($"configuration refused, the running configuration stays ({result.Problems.Count} problem(s))", result.Problems);
            return Results.Json(result);
        });
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task WriteAsync(HttpResponse response, ServerEvent e, CancellationToken ct)
    {
        // A comment line keeps proxies and clients from timing out an idle stream.
        var text = ReferenceEquals(e, EventSubscription.Keepalive) ? ": keepalive\n\n" : $"event: {e.Name}\ndata: {JsonSerializer.Serialize(e.Data, Json)}\n\n";
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
