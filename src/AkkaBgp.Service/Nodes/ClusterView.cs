using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;

namespace AkkaBgp.Service.Nodes;

/// <summary>A management question put to one node (issue 17, "one management view"): <see cref="What"/> names the
/// local view it answers with, e.g. "neighbors" for what <c>GET /bgp/neighbors</c> shows on that node.</summary>
/// <param name="Prefix">For "rib": the prefix, with <paramref name="Longer"/> for match=longer, at most <paramref name="Limit"/> routes.</param>
public sealed record ClusterViewQuery(string What, string Prefix = "", bool Longer = false, int Limit = 100);

/// <summary>One node's answer: its cluster address and its local view as JSON text. Plain strings cross Akka.Remote
/// with any serializer, and the JSON is the same document the node's own endpoint serves.</summary>
public sealed record ClusterViewAnswer(string Node, string Json);

/// <summary>
/// Answers <see cref="ClusterViewQuery"/> on every node, at <c>/user/bgp-cluster-view</c>, from the node's own management
/// views. The answer is computed off the actor (the views ask other actors) and piped back, so the actor never blocks.
/// </summary>
public sealed class ClusterViewResponder : ReceiveActor
{
    public const string Name = "bgp-cluster-view";

    public ClusterViewResponder(Func<ClusterViewQuery, CancellationToken, Task<string?>> view)
    {
        var self = Membership.Self(Context.System).ToString();
        ReceiveAsync<ClusterViewQuery>(async q =>
        {
            var replyTo = Sender;
            using var cts = new CancellationTokenSource(ClusterView.NodeTimeout);
            try
            {
                var json = await view(q, cts.Token);
                replyTo.Tell(json is null ? new Status.Failure(new ArgumentException($"no view '{q.What}'")) : new ClusterViewAnswer(self, json));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                replyTo.Tell(new Status.Failure(e));
            }
        });
    }

    public static Props Props(Func<ClusterViewQuery, CancellationToken, Task<string?>> view) => Akka.Actor.Props.Create(() => new ClusterViewResponder(view));
}

/// <summary>
/// Asks every member of the cluster (this node included) for one view and merges the rows, each tagged with its node.
/// A member that does not answer in time, is unreachable, or fails is listed under <c>nodesNotAnswering</c>, never left out.
/// </summary>
public static class ClusterView
{
    /// <summary>
    /// The <c>scope</c> parameter of the management views: <c>node</c> (the default: this node only) or <c>cluster</c>
    /// (every member). Anything else is refused with <paramref name="problem"/>.
    /// </summary>
    public static bool TryScope(Microsoft.AspNetCore.Http.HttpRequest request, out bool cluster, out Microsoft.AspNetCore.Http.IResult problem)
    {
        var scope = request.Query["scope"].ToString();
        cluster = scope == "cluster";
        bool known = scope is "" or "node" or "cluster";
        problem = known ? Microsoft.AspNetCore.Http.Results.Empty : Management.Problems.BadRequest($"scope must be node or cluster, not '{scope}'");
        return known;
    }

    /// <summary><paramref name="row"/> with <c>"node"</c> as its first field.</summary>
    public static JsonObject Tag(JsonObject row, string node)
    {
        row.Insert(0, "node", node);
        return row;
    }

    /// <summary>How long one node has to answer; an operator's request should not hang on a dead member.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(3);

    /// <param name="rows">The array property of each node's view that holds its rows ("neighbors").</param>
    public static Task<JsonObject> GatherAsync(ActorSystem system, string what, string rows) => GatherAsync(system, new ClusterViewQuery(what), rows);

    public static async Task<JsonObject> GatherAsync(ActorSystem system, ClusterViewQuery query, string rows)
    {
        var members = Membership.Answering(system);
        var asks = members.Select(async address =>
        {
            try
            {
                var selection = system.ActorSelection(new RootActorPath(address) / "user" / ClusterViewResponder.Name);
                return (address, answer: await selection.Ask<ClusterViewAnswer>(query, NodeTimeout), error: (string?)null);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
            {
                return (address, answer: (ClusterViewAnswer?)null, error: $"no answer within {NodeTimeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return (address, answer: (ClusterViewAnswer?)null, error: e.GetBaseException().Message);
            }
        }).ToList();
        var results = await Task.WhenAll(asks);

        var merged = new JsonArray();
        var silent = new JsonArray();
        var nodeNotes = new JsonObject();
        foreach (var (address, answer, error) in results.OrderBy(r => r.address.ToString(), StringComparer.Ordinal))
        {
            if (answer is null)
            {
                silent.Add(new JsonObject { ["node"] = address.ToString(), ["reason"] = error });
                continue;
            }
            if (JsonNode.Parse(answer.Json) is not JsonObject view) continue;
            if (view[rows] is JsonArray items)
            {
                // Moved, not copied: a JSON node has one parent.
                var list = items.OfType<JsonObject>().ToList();
                items.Clear();
                foreach (var row in list) merged.Add(Tag(row, answer.Node));
            }
            // Anything else the node said (e.g. FSMs not answering on that node) stays with its node.
            view.Remove(rows);
            if (view.Count > 0) nodeNotes[answer.Node] = view;
        }
        return new JsonObject
        {
            ["scope"] = "cluster",
            [rows] = merged,
            ["nodes"] = nodeNotes,
            ["nodesNotAnswering"] = silent,
        };
    }
}
