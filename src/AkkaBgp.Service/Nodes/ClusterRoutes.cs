using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Nodes;

/// <summary>The cluster routes of the configuration (at start and after each reload). Answered with <see cref="ClusterRoutesApplied"/>.</summary>
public sealed record UseConfiguredClusterRoutes(IReadOnlyList<ClusterRoute> Routes);

public sealed record ClusterRoutesApplied(IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Removed);

/// <summary>Asks for every cluster route with this node's view of it. Answered with <see cref="ClusterRouteList"/>.</summary>
public sealed record GetClusterRoutes
{
    public static readonly GetClusterRoutes Instance = new();
}

/// <param name="Announced">What this node announces for it now: "route", "failing" (the route with the check's failing
/// MED/communities) or null (nothing).</param>
public sealed record ClusterRouteStatus(ClusterRoute Route, RouteHealth Health, string? Detail, DateTimeOffset Since, string? Announced);

public sealed record ClusterRouteList(string Node, IReadOnlyList<ClusterRouteStatus> Routes);

/// <summary>Published on the EventStream (and so to <c>/bgp/events</c>) when a cluster route's health changes on this node.</summary>
public sealed record ClusterRouteHealthEvent(string Node, Prefix Prefix, RouteHealth From, RouteHealth To, string Detail, string? Announced);

/// <summary>
/// Routes announced by every healthy node of the cluster (issue 17). The set is the configuration's
/// <c>akka-bgp.cluster.routes</c> (every node reads the same section) and the routes added through the API, which live in
/// Akka.DistributedData under <see cref="Key"/> (an LWW map from prefix to the route's JSON, written with
/// write-majority by <see cref="PutAsync"/> and <see cref="DeleteAsync"/>, read locally through a subscription). A
/// configured route hides an API route with the same prefix. For each route this actor runs its health check (a
/// <see cref="RouteHealthCheck"/> child) and tells the RIB to originate, change or withdraw it as a cluster route,
/// which the node's own route for the same prefix outranks (<see cref="AnnounceLocalRoute.Cluster"/>).
/// </summary>
public sealed class ClusterRoutes : ReceiveActor
{
    public const string Name = "bgp-cluster-routes";

    public static readonly LWWDictionaryKey<string, string> Key = new("akka-bgp-cluster-routes");

    /// <summary>How long a write waits for a majority of the members to confirm it.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(3);

    private sealed class Entry(ClusterRoute route)
    {
        public ClusterRoute Route = route;
        public IActorRef? Checker;
        public RouteHealth Health = route.Check is null ? RouteHealth.Unchecked : RouteHealth.Checking;
        public string? Detail;
        public DateTimeOffset Since = DateTimeOffset.UtcNow;
        public string? Announced;
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _rib;
    private readonly Func<ClusterRoute, Props> _checker;
    private readonly string _node;
    private Dictionary<Prefix, ClusterRoute> _configured = new();
    private Dictionary<Prefix, ClusterRoute> _shared = new();
    private readonly Dictionary<Prefix, Entry> _active = new();

    /// <param name="configured">The configuration's cluster routes, read at each (re)start: a restarted actor takes the
    /// running configuration's, not those of the day the service started.</param>
    public ClusterRoutes(IActorRef rib, Func<IReadOnlyList<ClusterRoute>> configured, bool shared, Func<ClusterRoute, Props>? checker = null)
    {
        _rib = rib;
        _checker = checker ?? (r => RouteHealthCheck.Props(r.Prefix, r.Check!));
        _node = Membership.Self(Context.System).ToString();
        _configured = configured().ToDictionary(r => r.Prefix);
        if (shared) DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(Key, Self));

        Receive<Changed>(c =>
        {
            if (!c.Key.Equals(Key)) return;
            _shared = Parse(c.Get(Key));
            Reconcile();
        });
        // Alone (no cluster, so no replicated data): the API's routes live in this actor.
        Receive<WriteAlone>(w =>
        {
            var next = new Dictionary<Prefix, ClusterRoute>(_shared);
            if (w.Route is { } route) next[route.Prefix] = route;
            else next.Remove(w.Prefix);
            _shared = next;
            Reconcile();
            Sender.Tell(true);
        });
        Receive<UseConfiguredClusterRoutes>(u =>
        {
            var before = _configured;
            _configured = u.Routes.ToDictionary(r => r.Prefix);
            Reconcile();
            Sender.Tell(new ClusterRoutesApplied(
                [.. _configured.Keys.Where(p => !before.ContainsKey(p)).Select(p => p.ToString())],
                [.. _configured.Where(kv => before.TryGetValue(kv.Key, out var b) && !b.SameAs(kv.Value)).Select(kv => kv.Key.ToString())],
                [.. before.Keys.Where(p => !_configured.ContainsKey(p)).Select(p => p.ToString())]));
        });
        Receive<RouteHealthChanged>(h =>
        {
            // A checker replaced by a changed check may still report once; only the current one counts.
            if (!_active.TryGetValue(h.Prefix, out var e) || !Sender.Equals(e.Checker)) return;
            e.Health = h.To;
            e.Detail = h.Detail;
            e.Since = DateTimeOffset.UtcNow;
            Announce(e);
            _log.Info("Cluster route {0}: health check {1} -> {2} ({3}); announcing {4}", h.Prefix, h.From, h.To, h.Detail, e.Announced ?? "nothing");
            Context.System.EventStream.Publish(new ClusterRouteHealthEvent(_node, h.Prefix, h.From, h.To, h.Detail, e.Announced));
        });
        Receive<GetClusterRoutes>(_ => Sender.Tell(new ClusterRouteList(_node,
            [.. _active.Values.OrderBy(e => e.Route.Prefix.ToString(), StringComparer.Ordinal)
                .Select(e => new ClusterRouteStatus(e.Route, e.Health, e.Detail, e.Since, e.Announced))])));
    }

    protected override void PreStart() => Reconcile();

    protected override void PostRestart(Exception reason)
    {
        // What this actor had told the RIB is lost with its state: start from none, then announce the wanted ones.
        _rib.Tell(ClearClusterRoutes.Instance, ActorRefs.NoSender);
        base.PostRestart(reason);
    }

    /// <summary>Brings the running routes, checkers and the RIB in line with the configured and shared sets.</summary>
    private void Reconcile()
    {
        var wanted = new Dictionary<Prefix, ClusterRoute>(_shared);
        foreach (var (prefix, route) in _configured) wanted[prefix] = route;

        foreach (var prefix in _active.Keys.Where(p => !wanted.ContainsKey(p)).ToList())
        {
            var e = _active[prefix];
            if (e.Checker is { } c) Context.Stop(c);
            _active.Remove(prefix);
            if (e.Announced != null) _rib.Tell(new WithdrawLocalRoute(prefix, Cluster: true), ActorRefs.NoSender);
            _log.Info("Cluster route {0} removed; withdrawn", prefix);
        }
        foreach (var (prefix, route) in wanted)
        {
            if (_active.TryGetValue(prefix, out var e))
            {
                if (e.Route.SameAs(route)) { e.Route = route; continue; }
                bool sameCheck = Equals(e.Route.Check, route.Check);
                e.Route = route;
                // Only new attributes: the health stands. A new check starts over, and the route stays as it is
                // announced until the new check's first result.
                if (!sameCheck) StartChecker(e, keepAnnouncement: true);
                else Announce(e);
                continue;
            }
            e = new Entry(route);
            _active[prefix] = e;
            StartChecker(e, keepAnnouncement: false);
            _log.Info("Cluster route {0} added{1}", prefix, route.Check is null ? "" : $" with a {route.Check.Probe.ToString().ToLowerInvariant()} health check");
        }
    }

    private void StartChecker(Entry e, bool keepAnnouncement)
    {
        if (e.Checker is { } old) Context.Stop(old);
        e.Checker = null;
        e.Since = DateTimeOffset.UtcNow;
        if (e.Route.Check is null)
        {
            e.Health = RouteHealth.Unchecked;
            e.Detail = null;
            Announce(e);
            return;
        }
        e.Checker = Context.ActorOf(_checker(e.Route));
        if (keepAnnouncement && e.Announced != null) return;
        e.Health = RouteHealth.Checking;
        e.Detail = null;
        Announce(e);
    }

    private void Announce(Entry e)
    {
        var healthy = e.Route.Route.ToLocalRoute();
        var route = e.Health switch
        {
            RouteHealth.Unchecked or RouteHealth.Passing => healthy,
            RouteHealth.Failing => e.Route.Check!.WhileFailing(healthy),
            _ => null,
        };
        var announced = route is null ? null : e.Health == RouteHealth.Failing ? "failing" : "route";
        if (route is null)
        {
            if (e.Announced != null) _rib.Tell(new WithdrawLocalRoute(e.Route.Prefix, Cluster: true), ActorRefs.NoSender);
        }
        else _rib.Tell(new AnnounceLocalRoute(route, Cluster: true), ActorRefs.NoSender);
        e.Announced = announced;
    }

    private Dictionary<Prefix, ClusterRoute> Parse(LWWDictionary<string, string> map)
    {
        var result = new Dictionary<Prefix, ClusterRoute>();
        foreach (var (key, json) in map)
        {
            // Written by a node of this cluster through the same parser, so a bad entry means a different version wrote it.
            var (parsed, problem) = Parse(json);
            if (parsed is null) _log.Warning("Cluster route {0} in the shared data is not valid here and is ignored: {1}", key, problem);
            else result[parsed.Prefix] = parsed;
        }
        return result;
    }

    internal static (ClusterRoute? Route, string? Problem) Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var errors = new List<string>();
            var route = Management.RibEndpoints.ParseRouteRequest(doc.RootElement, errors);
            return errors.Count > 0 || route is null ? (null, string.Join("; ", errors)) : (route.Cluster, null);
        }
        catch (JsonException e)
        {
            return (null, e.Message);
        }
    }

    public static Props Props(IActorRef rib, Func<IReadOnlyList<ClusterRoute>> configured, bool shared, Func<ClusterRoute, Props>? checker = null) =>
        Akka.Actor.Props.Create(() => new ClusterRoutes(rib, configured, shared, checker));

    /// <summary>In a cluster: the write in the replicated routes. True when a majority of the members confirmed it; false
    /// when it is only local so far (it still spreads by gossip).</summary>
    private static Task<bool> PutReplicatedAsync(ActorSystem system, ClusterRoute route) =>
        WriteAsync(system, (d, cluster) => d.SetItem(cluster, route.Prefix.ToString(), route.ToJson()));

    /// <summary>In a cluster: the removal from the replicated routes; the result as for <see cref="PutReplicatedAsync"/>.</summary>
    private static Task<bool> DeleteReplicatedAsync(ActorSystem system, Prefix prefix) =>
        WriteAsync(system, (d, cluster) => d.Remove(cluster, prefix.ToString()));

    /// <summary>An API write on a node that runs alone: <see cref="Route"/> set, or <see cref="Prefix"/> removed when null.</summary>
    private sealed record WriteAlone(Prefix Prefix, ClusterRoute? Route);

    /// <summary>Adds or replaces an API cluster route. True when a majority of the members confirmed the write (alone:
    /// when this node's <see cref="ClusterRoutes"/> actor, which is then "every node", has it); false when the write is
    /// only local so far (it still spreads by gossip).</summary>
    public static Task<bool> PutAsync(ActorSystem system, IActorRef routes, ClusterRoute route) => Membership.IsClustered(system)
        ? PutReplicatedAsync(system, route) : routes.Ask<bool>(new WriteAlone(route.Prefix, route), WriteTimeout);

    /// <summary>Removes an API cluster route; the result as for <see cref="PutAsync"/>.</summary>
    public static Task<bool> DeleteAsync(ActorSystem system, IActorRef routes, Prefix prefix) => Membership.IsClustered(system)
        ? DeleteReplicatedAsync(system, prefix) : routes.Ask<bool>(new WriteAlone(prefix, null), WriteTimeout);

    private static async Task<bool> WriteAsync(ActorSystem system, Func<LWWDictionary<string, string>, Cluster, LWWDictionary<string, string>> modify)
    {
        var cluster = Cluster.Get(system);
        var response = await DistributedData.Get(system).Replicator.Ask<IUpdateResponse>(Dsl.Update(Key, LWWDictionary<string, string>.Empty,
            new WriteMajority(WriteTimeout), d => modify(d, cluster)), WriteTimeout + TimeSpan.FromSeconds(2));
        return response.IsSuccessful;
    }
}
