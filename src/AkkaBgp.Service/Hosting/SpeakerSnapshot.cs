using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Service.Management;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using AkkaBgp.Speaker;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// The latest neighbor statuses and RIB summary, fetched with Ask on demand. Metrics callbacks run
/// synchronously and must not block on actors, so they read what the last refresh brought back; a
/// <c>/metrics</c> scrape refreshes first.
/// </summary>
public sealed class SpeakerSnapshot(IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<RibActor> ribActor,
    IRequiredActor<AkkaBgp.Rpki.RpkiActor> rpkiActor, IRequiredActor<AkkaBgp.Bfd.BfdClient>? bfdClient = null,
    IRequiredActor<Nodes.ClusterRoutes>? clusterRoutes = null, IServiceProvider? services = null)
{
    private volatile AkkaBgp.Rpki.RpkiStatus? _rpki;
    public AkkaBgp.Rpki.RpkiStatus? Rpki => _rpki;

    public async Task<AkkaBgp.Rpki.RpkiStatus> RefreshRpkiAsync(CancellationToken ct = default)
    {
        var rpki = await rpkiActor.ResolveAsync(ct);
        var status = await rpki.Ask<AkkaBgp.Rpki.RpkiStatus>(AkkaBgp.Rpki.GetRpkiStatus.Instance, AskTimeout);
        _rpki = status;
        return status;
    }

    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private volatile IReadOnlyList<NeighborStatus> _neighbors = [];
    private volatile IReadOnlyList<System.Net.IPAddress> _notAnswering = [];
    private volatile RibSummary? _rib;
    private volatile AkkaBgp.Bfd.BfdSessions? _bfd;

    public IReadOnlyList<NeighborStatus> Neighbors => _neighbors;

    /// <summary>Neighbors whose FSM did not answer the last refresh (e.g. being recreated after a crash).</summary>
    public IReadOnlyList<System.Net.IPAddress> NotAnswering => _notAnswering;
    public RibSummary? Rib => _rib;
    /// <summary>The BFD sessions and the datagrams no session took; null before the first refresh.</summary>
    public AkkaBgp.Bfd.BfdSessions? Bfd => _bfd;

    public async Task<IReadOnlyList<NeighborStatus>> RefreshNeighborsAsync(CancellationToken ct = default)
    {
        var supervisor = await neighbors.ResolveAsync(ct);
        var all = await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(3)), AskTimeout);
        var list = all.Statuses.OfType<NeighborStatus>().OrderBy(s => s.Peer.ToString(), StringComparer.Ordinal).ToArray();
        _neighbors = list;
        _notAnswering = all.NotAnswering;
        return list;
    }

    public async Task<RibSummary> RefreshRibAsync(CancellationToken ct = default)
    {
        var rib = await ribActor.ResolveAsync(ct);
        var summary = await rib.Ask<RibSummary>(GetRibSummary.Instance, AskTimeout);
        _rib = summary;
        return summary;
    }

    public async Task RefreshBfdAsync(CancellationToken ct = default)
    {
        if (bfdClient is null) return;
        _bfd = await BfdEndpoints.AllAsync(bfdClient, ct);
    }

    private volatile Nodes.ClusterRouteList? _clusterRoutes;
    private volatile Akka.Cluster.ClusterEvent.CurrentClusterState? _members;

    private volatile int _placedHere = -1;

    /// <summary>placement = cluster neighbors (shard entities) this node runs; -1 when none are configured.</summary>
    public int PlacedHere => _placedHere;

    /// <summary>This node's cluster routes with their health; null before the first refresh.</summary>
    public Nodes.ClusterRouteList? ClusterRoutes => _clusterRoutes;

    /// <summary>The cluster's membership as this node sees it; null before the first refresh.</summary>
    public Akka.Cluster.ClusterEvent.CurrentClusterState? Members => _members;

    public async Task RefreshClusterAsync(CancellationToken ct = default)
    {
        // The actor system is looked up at the first scrape: it exists only once the host has started it.
        if (services?.GetService(typeof(ActorSystem)) is ActorSystem system && Nodes.Membership.IsClustered(system))
        {
            _members = Akka.Cluster.Cluster.Get(system).State;
            var sharding = Akka.Cluster.Sharding.ClusterSharding.Get(system);
            if (sharding.ShardTypeNames.Contains(Nodes.PlacedNeighbor.TypeName))
            {
                var state = await sharding.ShardRegion(Nodes.PlacedNeighbor.TypeName)
                    .Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(Akka.Cluster.Sharding.GetShardRegionState.Instance, AskTimeout);
                _placedHere = state.Shards.Sum(s => s.EntityIds.Count);
            }
        }
        if (clusterRoutes is null) return;
        var routes = await clusterRoutes.ResolveAsync(ct);
        _clusterRoutes = await routes.Ask<Nodes.ClusterRouteList>(Nodes.GetClusterRoutes.Instance, AskTimeout);
    }

    public Task RefreshAsync(CancellationToken ct = default) =>
        Task.WhenAll(RefreshNeighborsAsync(ct), RefreshRibAsync(ct), RefreshRpkiAsync(ct), RefreshBfdAsync(ct), RefreshClusterAsync(ct));
}
