using System.Net;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Bfd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>/bgp/bfd: every BFD session (RFC 5880) with its state, discriminators, negotiated intervals, Detection
/// Time, diagnostics and counters; /bgp/bfd/{address} one of them, by the BGP neighbor's address.</summary>
public static class BfdEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapBfd(this IEndpointRouteBuilder app)
    {
        app.MapGet("/bgp/bfd", async (IRequiredActor<BfdClient> bfd, CancellationToken ct) =>
            Results.Json(new { sessions = (await SessionsAsync(bfd, ct)).Select(EventJson.Bfd).ToArray() }));

        app.MapGet("/bgp/bfd/{address}", async (string address, IRequiredActor<BfdClient> bfd, CancellationToken ct) =>
        {
            if (!IPAddress.TryParse(address, out var peer)) return Problems.BadRequest($"'{address}' is not an IPv4 or IPv6 address");
            var session = (await SessionsAsync(bfd, ct)).FirstOrDefault(s => s.Peer.Remote.Equals(peer));
            return session is null ? Problems.NotFound($"no BFD session with {peer}") : Results.Json(EventJson.Bfd(session));
        });
    }

    public static async Task<IReadOnlyList<BfdSessionInfo>> SessionsAsync(IRequiredActor<BfdClient> bfd, CancellationToken ct)
    {
        var client = await bfd.ResolveAsync(ct);
        return (await client.Ask<BfdSessions>(GetBfdSessions.Instance, AskTimeout, ct)).Sessions;
    }
}
