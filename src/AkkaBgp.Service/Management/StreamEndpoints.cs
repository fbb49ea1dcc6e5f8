using System.Text.Json;
using System.Threading.Channels;
using AkkaBgp.Actors;
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

    public static void MapStreams(this IEndpointRouteBuilder app, RouteGroupBuilder writes)
    {
        app.MapGet("/bgp/events", async (HttpContext http, ActorRegistry registry, SpeakerSnapshot snapshot, IHostApplicationLifetime lifetime, CancellationToken aborted) =>
        {
            // Kestrel waits for open requests when the host stops; an endless stream has to end by itself then.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(aborted, lifetime.ApplicationStopping);
            var ct = stopping.Token;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            var channel = Channel.CreateBounded<ServerEvent>(new BoundedChannelOptions(4096)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
            var hub = await registry.GetAsync<SessionEventHub>(ct);
            // Watch before taking the snapshot: a change that lands in between then shows up twice (snapshot and
            // event) rather than not at all.
            hub.Tell(new Watch(channel.Writer));
            try
            {
                var neighbors = await snapshot.RefreshNeighborsAsync(ct);
                foreach (var n in neighbors) await WriteAsync(http.Response, new ServerEvent("neighbor", EventJson.Snapshot(n)), ct);
                await WriteAsync(http.Response, new ServerEvent("snapshot-complete", new { neighbors = neighbors.Count }), ct);
                while (!ct.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    wait.CancelAfter(KeepaliveInterval);
                    bool more;
                    try
                    {
                        more = await channel.Reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        // A comment line keeps proxies and clients from timing out an idle stream.
                        await http.Response.WriteAsync(": keepalive\n\n", ct);
                        await http.Response.Body.FlushAsync(ct);
                        continue;
                    }
                    if (!more) break;
                    while (channel.Reader.TryRead(out var e)) await WriteAsync(http.Response, e, ct);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
            finally
            {
                hub.Tell(new Unwatch(channel.Writer));
            }
        });

        app.MapGet("/metrics", async (SpeakerSnapshot snapshot, PrometheusExporter exporter, CancellationToken ct) =>
        {
            try
            {
                await snapshot.RefreshAsync(ct);
            }
            catch (AskTimeoutException)
            {
                // Serve the last values rather than nothing: a scrape must not fail because one actor is slow.
            }
            return Results.Text(exporter.Scrape() + BgpMetrics.NeighborFamilyPrefixes(snapshot.Rib), "text/plain; version=0.0.4; charset=utf-8");
        });

        writes.MapPost("/config/reload", async (ConfigReloader reloader, CancellationToken ct) =>
        {
            var result = await reloader.ReloadAsync(ct);
            if (!result.Applied)
                return Problems.BadRequest($"configuration refused, the running configuration stays ({result.Problems.Count} problem(s))", result.Problems);
            return Results.Json(result);
        });
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task WriteAsync(HttpResponse response, ServerEvent e, CancellationToken ct)
    {
        await response.WriteAsync($"event: {e.Name}\ndata: {JsonSerializer.Serialize(e.Data, Json)}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
