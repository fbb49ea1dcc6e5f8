using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using AkkaBgp.Service.Management;
using Microsoft.AspNetCore.Http;

namespace AkkaBgp.Service.Nodes;

/// <summary>One node's management event as every node's <c>/bgp/events?scope=cluster</c> sees it: the event's name and
/// its JSON data, with the node it happened on.</summary>
public sealed record ClusterEvent(string Node, string Name, string Json);

/// <summary>
/// <c>/bgp/events?scope=cluster</c> (issue 17): every node's hub publishes its session, BFD, max-prefix and RIB-summary
/// events to one DistributedPubSub topic; a cluster-scope listener subscribes to it, opens with every node's neighbors
/// (the cluster view of <c>/bgp/neighbors</c>) and then streams each event tagged with its node. Best-path changes stay
/// on their node's own <c>/bgp/events</c>: a full-table load would otherwise cross the cluster path by path.
/// </summary>
public static class ClusterEvents
{
    public const string Topic = "akka-bgp-events";

    /// <summary>Events that go to the cluster: the low-rate ones (not best-path, not stream markers).</summary>
    public static bool Shared(string name) => name is "session" or "bfd" or "rib" or "max-prefix-exceeded" or "max-prefix-warning" or "cluster-route" or "member";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Called by the node's hub for every event it broadcasts.</summary>
    public static void Publish(ActorSystem system, ServerEvent e)
    {
        if (!Shared(e.Name)) return;
        var message = new ClusterEvent(Membership.Self(system).ToString(), e.Name, JsonSerializer.Serialize(e.Data, Web));
        // Alone, "the cluster" is this node: the topic is its own event stream.
        if (Membership.IsClustered(system)) DistributedPubSub.Get(system).Mediator.Tell(new Publish(Topic, message));
        else system.EventStream.Publish(message);
    }

    /// <summary>Feeds the topic into a bounded channel; a listener that falls <paramref name="buffer"/> events behind is
    /// ended (the channel completes with an error) rather than growing without bound.</summary>
    private sealed class Listener : ReceiveActor
    {
        public Listener(ChannelWriter<ClusterEvent> writer, TaskCompletionSource subscribed)
        {
            if (Membership.IsClustered(Context.System)) DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topic, Self));
            else
            {
                Context.System.EventStream.Subscribe(Self, typeof(ClusterEvent));
                subscribed.TrySetResult();
            }
            Receive<SubscribeAck>(_ => subscribed.TrySetResult());
            Receive<ClusterEvent>(e =>
            {
                if (!writer.TryWrite(e))
                {
                    writer.TryComplete(new InvalidOperationException("fell behind the cluster's events"));
                    Context.Stop(Self);
                }
            });
        }
    }

    public static async Task StreamAsync(HttpContext http, ActorSystem system, int buffer, TimeSpan keepalive, Serilog.ILogger log, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<ClusterEvent>(new BoundedChannelOptions(buffer) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(Props.Create(() => new Listener(channel.Writer, subscribed)));
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.Body.FlushAsync(ct);
            // Subscribed before the snapshot is taken, so that nothing falls between the two. The other nodes' mediators
            // learn of the subscription by gossip (akka.cluster.pub-sub.gossip-interval, 1 s, to one random node a
            // round): the snapshot waits until every member's mediator knows the topic (at most 5 s), so that what
            // they publish after it reaches this listener.
            await subscribed.Task.WaitAsync(ClusterView.NodeTimeout, ct);
            await KnownEverywhereAsync(system, TimeSpan.FromSeconds(5), ct);
            var view = await ClusterView.GatherAsync(system, "neighbors", "neighbors");
            int count = 0;
            foreach (var row in view["neighbors"]!.AsArray())
            {
                await WriteAsync(http.Response, "neighbor", row!.ToJsonString(), ct);
                count++;
            }
            await WriteAsync(http.Response, "snapshot-complete",
                new JsonObject { ["neighbors"] = count, ["nodesNotAnswering"] = view["nodesNotAnswering"]!.DeepClone() }.ToJsonString(), ct);
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(keepalive);
                ClusterEvent e;
                try
                {
                    e = await channel.Reader.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keepalive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    continue;
                }
                var data = JsonNode.Parse(e.Json) as JsonObject ?? [];
                await WriteAsync(http.Response, e.Name, ClusterView.Tag(data, e.Node).ToJsonString(), ct);
            }
        }
        catch (ChannelClosedException e)
        {
            log.Warning("Dropped /bgp/events?scope=cluster listener {Remote}: {Reason}", $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}", e.InnerException?.Message ?? e.Message);
            http.Abort();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            system.Stop(listener);
        }
    }

    private static async Task KnownEverywhereAsync(ActorSystem system, TimeSpan within, CancellationToken ct)
    {
        if (!Membership.IsClustered(system)) return;
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var members = Akka.Cluster.Cluster.Get(system).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).Select(m => m.Address);
            var known = await Task.WhenAll(members.Select(async a =>
            {
                try
                {
                    var mediator = system.ActorSelection(new RootActorPath(a) / "system" / "distributedPubSubMediator");
                    return (await mediator.Ask<CurrentTopics>(GetTopics.Instance, TimeSpan.FromSeconds(1))).Topics.Contains(Topic);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
                {
                    return true; // a member that does not answer is reported by the snapshot, not waited for
                }
            }));
            if (known.All(k => k)) return;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static async Task WriteAsync(HttpResponse response, string name, string json, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
