using System.Net;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Nodes;

/// <summary>Asks the cluster to run the session with a <c>placement = cluster</c> neighbor somewhere (idempotent: the
/// neighbor's address is the entity id, and a running entity ignores it).</summary>
public sealed record PlaceNeighbor(string Address);

/// <summary>
/// A <c>placement = cluster</c> neighbor (issue 17) as a Cluster Sharding entity, remembered, so exactly one node runs
/// its session at a time and another node takes it over when that node is gone. The entity itself holds no BGP state:
/// while it lives on a node, that node's neighbor supervisor runs the neighbor's FSM from the node's own configuration
/// (so each node dials from its own address); when the entity stops there (its shard handed to another node), the
/// session ends with Cease/2 and an RFC 9003 communication saying where it went.
/// </summary>
public sealed class PlacedNeighbor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _supervisor;
    private readonly IPAddress? _address;
    private readonly NeighborSettings? _settings;

    public PlacedNeighbor(string id, IActorRef supervisor, Func<IPAddress, NeighborSettings?> settings)
    {
        _supervisor = supervisor;
        if (IPAddress.TryParse(id, out var address))
        {
            _address = address;
            _settings = settings(address);
        }
        Receive<PlaceNeighbor>(_ => { });
        Receive<NeighborAdded>(_ => { });
        Receive<NeighborRemoved>(_ => { });
    }

    protected override void PreStart()
    {
        if (_settings is null)
        {
            // Every node must list the neighbor (with placement = cluster); one that does not cannot dial it.
            _log.Error("Neighbor {0} is placed on this node by the cluster, but this node's configuration has no neighbor {0} with placement = cluster; the session stays down until the cluster places it elsewhere or the configuration lists it", _address?.ToString() ?? "(not an address)");
            return;
        }
        _log.Info("Neighbor {0} (placement = cluster) now runs on this node", _address);
        _supervisor.Tell(new AddNeighbor(_settings));
    }

    protected override void PostStop()
    {
        if (_settings is null) return;
        _log.Info("Neighbor {0} (placement = cluster) leaves this node", _address);
        _supervisor.Tell(new RemoveNeighbor(_address!, "session moving to another node of the AkkaBgp cluster", CeaseSubcode.AdministrativeShutdown));
    }

    public const string TypeName = "bgp-neighbor";

    /// <summary>Few shards, hashed by address: a handful of placed neighbors spread over the nodes.</summary>
    private const int Shards = 32;

    /// <summary>
    /// How often every node asks again for every placed neighbor. Remembering alone is not enough: a node that runs a
    /// neighbor and dies within seconds of the others joining may take the only copy of the remembered entity with it
    /// (the replicated data had not been gossiped yet), and the new coordinator then knows of no such shard. A fresh
    /// clone's run saw that (ClusterPlacementTests, the neighbor never placed again); asking again re-creates the entity
    /// on a surviving node, and costs nothing while it runs (a running entity ignores the ask).
    /// </summary>
    internal static readonly TimeSpan PlaceAgainEvery = TimeSpan.FromSeconds(5);

    /// <summary>Starts this node's shard region and asks for every placed neighbor of the configuration (each node
    /// asks, now and every <see cref="PlaceAgainEvery"/>; the first ask creates the entity, the rest find it running).</summary>
    public static async Task<IActorRef> StartAsync(ActorSystem system, IActorRef supervisor, Func<IPAddress, NeighborSettings?> settings, IEnumerable<IPAddress> placed)
    {
        var region = await ClusterSharding.Get(system).StartAsync(TypeName, id => Props.Create(() => new PlacedNeighbor(id, supervisor, settings)),
            ClusterShardingSettings.Create(system).WithRememberEntities(true),
            HashCodeMessageExtractor.Create(Shards, m => m is PlaceNeighbor p ? p.Address : null!, m => m));
        foreach (var address in placed)
        {
            var ask = new PlaceNeighbor(address.ToString());
            region.Tell(ask);
            system.Scheduler.ScheduleTellRepeatedly(PlaceAgainEvery, PlaceAgainEvery, region, ask, ActorRefs.NoSender);
        }
        return region;
    }
}
