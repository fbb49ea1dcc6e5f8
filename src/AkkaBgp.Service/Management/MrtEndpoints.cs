using AkkaBgp.Service.Mrt;

namespace AkkaBgp.Service.Management;

internal static class MrtEndpoints
{
    /// <summary><c>POST /bgp/mrt/dump</c>: writes an MRT TABLE_DUMP_V2 file now (RFC 6396) and says what it holds.</summary>
    public static void MapMrt(this RouteGroupBuilder writes)
    {
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
