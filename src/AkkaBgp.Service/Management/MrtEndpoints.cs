using AkkaBgp.Service.Mrt;

using Akka.Actor;

namespace AkkaBgp.Service.Management;

internal static class MrtEndpoints
{
    /// <summary><c>POST /bgp/mrt/dump</c>: writes an MRT TABLE_DUMP_V2 file now (RFC 6396) and says what it holds.</summary>
    public static void MapMrt(this WebApplication app, RouteGroupBuilder writes)
    {
        // GET /bgp/bmp: each collector's connection, messages sent, and messages dropped for a collector that fell behind.
        app.MapGet("/bgp/bmp", async (AkkaBgp.Service.Hosting.SpeakerLifecycle lifecycle) =>
        {
            var statuses = await Task.WhenAll(lifecycle.BmpClients.Select(c => c.Ask<AkkaBgp.Bmp.BmpStatus>(AkkaBgp.Bmp.GetBmpStatus.Instance, TimeSpan.FromSeconds(5))));
            return Results.Json(new
            {
                collectors = statuses.Select(s => new { collector = s.Collector, connected = s.Connected, sent = s.Sent, dropped = s.Dropped, resyncs = s.Resyncs, peersUp = s.PeersUp, lastError = s.LastError }),
            });
        });

        // GET /bgp/mrt: the updates file being written, what went to disk and what was dropped for a slow disk.
        app.MapGet("/bgp/mrt", async (AkkaBgp.Service.Hosting.SpeakerLifecycle lifecycle, AkkaBgp.Service.Hosting.RunningConfiguration running) =>
        {
            var settings = running.Current.Mrt;
            object? updates = null;
            if (lifecycle.UpdatesWriter is { } writer)
            {
                var s = await writer.Ask<AkkaBgp.Mrt.UpdatesFileStatus>(AkkaBgp.Mrt.GetUpdatesFileStatus.Instance, TimeSpan.FromSeconds(5));
                updates = new { file = s.CurrentFile, records = s.Written, dropped = s.Dropped, closed = s.Closed };
            }
            return Results.Json(new { directory = settings.Directory, tableDumpIntervalSeconds = settings.TableDumpInterval?.TotalSeconds, gzip = settings.Gzip, updates });
        });

        writes.MapPost("/bgp/mrt/dump", async (TableDumps dumps, CancellationToken ct) =>
        {
            var outcome = await dumps.DumpAsync(ct);
            if (outcome.Result is not { } r) return Problems.Conflict(outcome.Refused!);
            return Results.Json(new
            {
                file = r.Path,
                prefixes = r.Prefixes,
                paths = r.Entries,
                peers = r.Peers,
                bytes = r.Bytes,
                seconds = Math.Round(r.Took.TotalSeconds, 3),
            });
        });
    }
}
