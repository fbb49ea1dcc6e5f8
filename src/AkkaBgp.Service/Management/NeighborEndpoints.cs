using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Bfd;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AkkaBgp.Service.Management;

/// <summary>/bgp/neighbors: status of every session, and the administrative commands.</summary>
public static class NeighborEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>What <c>GET /bgp/neighbors</c> shows for this node (also this node's answer to a cluster-wide query).</summary>
    internal static async Task<object> ListAsync(SpeakerSnapshot snapshot, IRequiredActor<BfdClient> bfdClient, CancellationToken ct)
    {
        var statusesTask = snapshot.RefreshNeighborsAsync(ct);
        var ribTask = snapshot.RefreshRibAsync(ct);
        var bfdTask = BfdEndpoints.SessionsAsync(bfdClient, ct);
        await Task.WhenAll(statusesTask, ribTask, bfdTask);
        var rib = ribTask.Result.Neighbors.ToDictionary(n => n.Peer);
        var bfd = bfdTask.Result.ToDictionary(b => b.Peer.Remote);
        var now = DateTimeOffset.UtcNow;
        return new
        {
            neighbors = statusesTask.Result.Select(s => EventJson.Neighbor(s, rib.GetValueOrDefault(s.Peer), now, bfd.GetValueOrDefault(s.Peer))).ToArray(),
            // An FSM being recreated after a crash cannot answer; it is listed rather than silently left out.
            notAnswering = snapshot.NotAnswering.Select(a => a.ToString()).ToArray(),
        };
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary><see cref="ListAsync"/> as the JSON text the endpoint serves (a node's answer to a cluster-wide query).</summary>
    internal static async Task<string> ListJsonAsync(SpeakerSnapshot snapshot, IRequiredActor<BfdClient> bfdClient, CancellationToken ct)
        => JsonSerializer.Serialize(await ListAsync(snapshot, bfdClient, ct), Web);

    public static void MapNeighbors(this IEndpointRouteBuilder app, RouteGroupBuilder writes)
    {
        app.MapGet("/bgp/neighbors", async (HttpRequest request, SpeakerSnapshot snapshot, IRequiredActor<BfdClient> bfdClient, ActorSystem system,
            CancellationToken ct) =>
        {
            if (!Nodes.ClusterView.TryScope(request, out var cluster, out var badScope)) return badScope;
            // scope=cluster: every member's neighbors, each row naming its node (issue 17).
            if (cluster) return Results.Text((await Nodes.ClusterView.GatherAsync(system, "neighbors", "neighbors")).ToJsonString(), "application/json");
            return Results.Json(await ListAsync(snapshot, bfdClient, ct));
        });

        app.MapGet("/bgp/neighbors/{address}", async (string address, IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<BfdClient> bfdClient,
            SpeakerSnapshot snapshot, CancellationToken ct) =>
        {
            var (peer, _, status, problem) = await FindAsync(address, neighbors, ct);
            if (status is null) return problem!;
            var rib = await snapshot.RefreshRibAsync(ct);
            var bfd = (await BfdEndpoints.SessionsAsync(bfdClient, ct)).FirstOrDefault(b => b.Peer.Remote.Equals(peer));
            return Results.Json(EventJson.Neighbor(status, rib.Neighbors.FirstOrDefault(n => n.Peer.Equals(peer)), DateTimeOffset.UtcNow, bfd));
        });

        // The supervisor remembers a ManualStop (and forgets it at ManualStart) for FSMs it re-creates: a crash or a
        // configuration change brings the neighbor back Idle, without the AutomaticStart that would let it dial.
        writes.MapPost("/bgp/neighbors/{address}/start", (string address, IRequiredActor<NeighborSupervisor> neighbors, CancellationToken ct) =>
            Command(address, neighbors, ct, _ => (new ManualStart(), "ManualStart sent")));

        writes.MapPost("/bgp/neighbors/{address}/stop", async (string address, HttpRequest request, IRequiredActor<NeighborSupervisor> neighbors, CancellationToken ct) =>
        {
            var (communication, problem) = await ReadCommunicationAsync(request, ct);
            if (problem is not null) return problem;
            return await Command(address, neighbors, ct, _ =>
                (new ManualStop(communication), communication is null ? "ManualStop sent (Cease/2)" : $"ManualStop sent (Cease/2, \"{communication}\")"));
        });

        writes.MapPost("/bgp/neighbors/{address}/reset", async (string address, HttpRequest request, IRequiredActor<NeighborSupervisor> neighbors, CancellationToken ct) =>
        {
            var (communication, problem) = await ReadCommunicationAsync(request, ct);
            if (problem is not null) return problem;
            return await Command(address, neighbors, ct, _ => (new AdministrativeReset(communication), "administrative reset sent (Cease/4)"));
        });

        writes.MapPost("/bgp/neighbors/{address}/refresh", async (string address, IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<RibActor> ribActor, CancellationToken ct) =>
        {
            var (peer, _, status, problem) = await FindAsync(address, neighbors, ct);
            if (status is null) return problem!;
            if (status.State != SessionState.Established || status.Session is not { } session)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: $"{peer} is {status.State}, not Established");
            if (!session.RouteRefresh)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: $"{peer} did not negotiate route refresh (RFC 2918)");
            var rib = await ribActor.ResolveAsync(ct);
            var families = session.Families.Where(f => f == AfiSafi.Ipv4Unicast || f == AfiSafi.Ipv6Unicast).ToArray();
            foreach (var f in families) rib.Tell(new RequestRouteRefresh(peer, f));
            return Results.Json(new { message = "ROUTE-REFRESH sent", families = families.Select(FamilyNames.Of).ToArray() }, statusCode: StatusCodes.Status202Accepted);
        });
    }

    private static async Task<IResult> Command(string address, IRequiredActor<NeighborSupervisor> neighbors, CancellationToken ct, Func<IPAddress, (object Command, string Message)> command)
    {
        // The FSM does not answer admin events, so ask for its status first: that tells a known neighbor from an unknown one.
        var (peer, supervisor, status, problem) = await FindAsync(address, neighbors, ct);
        if (status is null) return problem!;
        var (message, text) = command(peer);
        supervisor.Tell(new NeighborCommand(peer, message));
        return Results.Json(new { message = text, neighbor = peer.ToString() }, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The neighbor's status from its FSM, or the problem: 400 when the text is not an address, 404 when no neighbor has it.</summary>
    private static async Task<(IPAddress Peer, IActorRef Supervisor, NeighborStatus? Status, IResult? Problem)> FindAsync(string address, IRequiredActor<NeighborSupervisor> neighbors, CancellationToken ct)
    {
        if (!TryAddress(address, out var peer, out var bad)) return (peer, ActorRefs.Nobody, null, bad);
        var supervisor = await neighbors.ResolveAsync(ct);
        var reply = await supervisor.Ask(new NeighborCommand(peer, GetNeighborStatus.Instance), AskTimeout);
        return reply is NeighborStatus status ? (peer, supervisor, status, null) : (peer, supervisor, null, Problems.NotFound($"{peer} is not a neighbor"));
    }

    internal static bool TryAddress(string text, out IPAddress address, out IResult problem)
    {
        problem = Results.Empty;
        if (Configuration.BgpSyntax.TryParseAddress(text, out address)) return true;
        problem = Problems.BadRequest($"'{text}' is not an IPv4 or IPv6 address");
        return false;
    }

    /// <summary>The optional body <c>{"communication": "text"}</c> (RFC 9003, at most 255 octets of UTF-8).</summary>
    private static async Task<(string? Communication, IResult? Problem)> ReadCommunicationAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"))) return (null, null);
        var (body, notJson) = await RequestBody.ReadJsonAsync(request, ct);
        if (notJson is not null) return (null, notJson);
        return ParseCommunication(body);
    }

    /// <summary>The checks on a parsed stop/reset body; the fuzz harness (tests/fuzz) calls this directly.</summary>
    internal static (string? Communication, IResult? Problem) ParseCommunication(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return (null, Problems.BadRequest("the body must be a JSON object such as {\"communication\": \"maintenance\"}"));
        string? text = null;
        foreach (var p in body.EnumerateObject())
        {
            if (p.Name is not ("communication" or "shutdownCommunication" or "message"))
                return (null, Problems.BadRequest($"unknown field '{p.Name}'; expected \"communication\""));
            if (p.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return (null, Problems.BadRequest("\"communication\" must be a string"));
            text = p.Value.GetString();
        }
        if (text is not null && System.Text.Encoding.UTF8.GetByteCount(text) > 255)
            return (null, Problems.BadRequest("the shutdown communication is longer than 255 octets of UTF-8 (RFC 9003)"));
        return (text, null);
    }
}
