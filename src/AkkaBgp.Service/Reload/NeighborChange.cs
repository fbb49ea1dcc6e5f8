using System.Reflection;
using AkkaBgp.Session;

namespace AkkaBgp.Service.Reload;

/// <summary>
/// Which differences between two settings of one neighbor need a new BGP session. A running session keeps
/// what it negotiated (hold time, capabilities, AS numbers, identifiers, transport security), and the RIB
/// takes a neighbor's policy and advertisement options when the session comes up, so changes to those only
/// take effect with a new session: Cease/6 (Other Configuration Change, RFC 4486). Timers that govern
/// reconnecting, the description and the shutdown text do not touch a running session: they wait for the
/// neighbor's next re-creation.
/// </summary>
public static class NeighborChange
{
    private static readonly HashSet<string> Deferred =
    [
        nameof(NeighborSettings.Description),
        nameof(NeighborSettings.PeerPort),
        nameof(NeighborSettings.LocalPort),
        nameof(NeighborSettings.ConnectRetryTime),
        nameof(NeighborSettings.KeepaliveTime),
        nameof(NeighborSettings.OpenSentHoldTime),
        nameof(NeighborSettings.MinHoldTime),
        nameof(NeighborSettings.AllowAutomaticStart),
        nameof(NeighborSettings.AllowAutomaticStop),
        nameof(NeighborSettings.DampPeerOscillations),
        nameof(NeighborSettings.IdleHoldTime),
        nameof(NeighborSettings.MaxIdleHoldTime),
        nameof(NeighborSettings.IdleHoldStablePeriod),
        nameof(NeighborSettings.DelayOpen),
        nameof(NeighborSettings.DelayOpenTime),
        nameof(NeighborSettings.PassiveTcpEstablishment),
        nameof(NeighborSettings.SendNotificationWithoutOpen),
        nameof(NeighborSettings.CollisionDetectEstablishedState),
        nameof(NeighborSettings.SendHoldTime),
        nameof(NeighborSettings.ShutdownCommunication),
    ];

    private static readonly PropertyInfo[] Properties = typeof(NeighborSettings)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && p.Name != nameof(NeighborSettings.IsInternal))
        .ToArray();

    /// <summary>The settings that differ, by property name (in declaration order).</summary>
    public static IReadOnlyList<string> Differences(NeighborSettings running, NeighborSettings configured) =>
        Properties.Where(p => !Equals(p.GetValue(running), p.GetValue(configured))).Select(p => p.Name).ToArray();

    /// <summary>Changes applied to the running neighbor at once, without touching its BGP session: its BFD session
    /// changes in place (new intervals by a Poll Sequence, RFC 5880 6.8.3), starts or ends.</summary>
    public static readonly IReadOnlySet<string> Live = new HashSet<string> { nameof(NeighborSettings.Bfd) };

    public static bool NeedsNewSession(IEnumerable<string> differences) => differences.Any(d => !Deferred.Contains(d) && !Live.Contains(d));

    public static bool IsSessionAffecting(string property) => !Deferred.Contains(property) && !Live.Contains(property);
}
