using Akka.Actor;
using Akka.Cluster;

namespace AkkaBgp.Service.Nodes;

/// <summary>
/// Whether this node is a member of an Akka.NET cluster, and the nodes a cluster-wide question goes to. A node that
/// runs alone (<see cref="Configuration.BgpConfig.Clustered"/> false) has neither remoting nor membership; what the
/// management API calls "the cluster" is then this node only.
/// </summary>
public static class Membership
{
    /// <summary>True when the actor system runs Akka.Cluster's provider (the host adds it only for a clustered node).</summary>
    public static bool IsClustered(ActorSystem system) => system.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal);

    /// <summary>This node's address: its cluster address (akka.tcp://...) or, alone, its local one (akka://akka-bgp).</summary>
    public static Address Self(ActorSystem system) =>
        IsClustered(system) ? Cluster.Get(system).SelfAddress : ((ExtendedActorSystem)system).Provider.DefaultAddress;

    /// <summary>The nodes to ask for a cluster-wide view: every member that is joining, up or leaving; alone, this node.</summary>
    public static IReadOnlyList<Address> Answering(ActorSystem system) => IsClustered(system)
        ? [.. Cluster.Get(system).State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Leaving)
            .Select(m => m.Address)]
        : [Self(system)];

    /// <summary>What the membership endpoints say on a node that runs alone.</summary>
    public const string NotClustered = "this node runs alone, not as a member of an Akka.NET cluster; set akka.cluster.seed-nodes "
        + "or a fixed akka.remote.dot-netty.tcp.port to make it one";
}
