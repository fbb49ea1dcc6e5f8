using AkkaBgp.Rpki;
using AkkaBgp.Service.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>/bgp/rpki: the RTR caches (RFC 8210) with their state, protocol version, session id, serial, VRP counts
/// and last update, which one is in use, and the VRPs in use per family.</summary>
public static class RpkiEndpoints
{
    public static void MapRpki(this IEndpointRouteBuilder app)
    {
        app.MapGet("/bgp/rpki", async (SpeakerSnapshot snapshot, CancellationToken ct) =>
        {
            var status = await snapshot.RefreshRpkiAsync(ct);
            return Results.Json(new
            {
                vrps = new { ipv4 = status.VrpsV4, ipv6 = status.VrpsV6 },
                // Customer ASes with an ASPA (RTR version 2), in the data in use.
                aspas = status.Aspas,
                caches = status.Caches.Select(Cache).ToArray(),
            });
        });
    }

    private static object Cache(RtrCacheStatus c) => new
    {
        cache = c.Cache,
        preference = c.Preference,
        state = c.State.ToString().ToLowerInvariant(),
        inUse = c.InUse,
        version = c.Version,
        sessionId = c.SessionId,
        serial = c.Serial,
        vrps = new { ipv4 = c.VrpsV4, ipv6 = c.VrpsV6 },
        aspas = c.Aspas,
        lastUpdate = c.LastUpdate,
        lastError = c.LastError,
    };
}
