using System.Net;
using System.Net.Sockets;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Session;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// The configuration the service runs with, swapped whole on a successful reload. The RIB reads its
/// per-neighbor settings through <see cref="RibConfigFor"/> when a session comes up, so a reloaded
/// policy applies to every session that starts after the reload.
/// </summary>
public sealed class RunningConfiguration
{
    private volatile BgpConfig _config;
    private volatile Dictionary<IPAddress, NeighborSettings> _neighbors;

    public RunningConfiguration(BgpConfig config, string? configFile, string referenceFile)
    {
        _config = config;
        _neighbors = Index(config);
        ConfigFile = configFile;
        ReferenceFile = referenceFile;
    }

    public BgpConfig Current => _config;
    public string? ConfigFile { get; }
    public string ReferenceFile { get; }

    /// <summary>When the running configuration was last loaded (start or reload).</summary>
    public DateTimeOffset LoadedAt { get; private set; } = DateTimeOffset.UtcNow;

    public void Replace(BgpConfig config)
    {
        _neighbors = Index(config);
        _config = config;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    public NeighborSettings? Neighbor(IPAddress address) => _neighbors.GetValueOrDefault(address);

    /// <summary>Configured neighbors first, then the dynamic range covering the address.</summary>
    public NeighborRibConfig? RibConfigFor(IPAddress peer)
    {
        var settings = Neighbor(peer) ?? _config.DynamicNeighbors.FirstOrDefault(r => r.Contains(peer))?.Template;
        if (settings is null) return null;
        return new NeighborRibConfig(settings.LocalAddress ?? SessionAddressTowards(peer), null, settings.ToPeerRibSettings());
    }

    /// <summary>
    /// Our address on a session without a configured local-address, for the NEXT_HOP we set towards eBGP:
    /// the listen address when there is exactly one specific one of the peer's family (the peer connects to
    /// it), else the source the kernel's routing table picks for the peer.
    /// </summary>
    private IPAddress? SessionAddressTowards(IPAddress peer)
    {
        var specific = _config.Listen.Where(e => e.AddressFamily == peer.AddressFamily
            && !e.Address.Equals(IPAddress.Any) && !e.Address.Equals(IPAddress.IPv6Any)).Select(e => e.Address).Distinct().ToArray();
        if (specific.Length == 1) return specific[0];
        try
        {
            // A UDP "connect" sends nothing; it only asks the routing table for the source address.
            using var probe = new Socket(peer.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(peer, 179);
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static Dictionary<IPAddress, NeighborSettings> Index(BgpConfig config) =>
        config.Neighbors.ToDictionary(n => n.PeerAddress);
}
