using System.Net;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Bfd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>
/// <c>GET /bfd/sessions</c>: every BFD session (RFC 5880) with its state, discriminators, negotiated intervals,
/// Detection Time, diagnostics, counters and last state change, and the datagrams no session took;
/// <c>GET /bfd/sessions/{address}</c>: one of them, by the BGP neighbor's address. <c>/bgp/bfd</c> and
/// <c>/bgp/bfd/{address}</c> are the same answers under the paths the first version used, kept so that scripts
/// written against them keep working.
/// </summary>
public static class BfdEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapBfd(this IEndpointRouteBuilder app)
    {
        foreach (var root in new[] { "/bfd/sessions", "/bgp/bfd" })
        {
            app.MapGet(root, async (IRequiredActor<BfdClient> bfd, CancellationToken ct) =>
            {
                var all = await AllAsync(bfd, ct);
                return Results.Json(new
                {
                    sessions = all.Sessions.Select(EventJson.Bfd).ToArray(),
                    discardedWithoutSession = all.Unmatched.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
                        .ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
                });
            });
            app.MapGet(root + "/{address}", async (string address, IRequiredActor<BfdClient> bfd, CancellationToken ct) =>
            {
                if (!IPAddress.TryParse(address, out var peer)) return Problems.BadRequest($"'{address}' is not an IPv4 or IPv6 address");
                var session = (await SessionsAsync(bfd, ct)).FirstOrDefault(s => s.Peer.Remote.Equals(peer));
                return session is null ? Problems.NotFound($"no BFD session with {peer}") : Results.Json(EventJson.Bfd(session));
            });
        }
    }

    public static async Task<IReadOnlyList<BfdSessionInfo>> SessionsAsync(IRequiredActor<BfdClient> bfd, CancellationToken ct) =>
        (await AllAsync(bfd, ct)).Sessions;

    public static async Task<BfdSessions> AllAsync(IRequiredActor<BfdClient> bfd, CancellationToken ct)
    {
        var client = await bfd.ResolveAsync(ct);
        return await client.Ask<BfdSessions>(GetBfdSessions.Instance, AskTimeout, ct);
    }
}
