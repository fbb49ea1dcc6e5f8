using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// RFC 2545 section 3: "The link-local address shall be included in the Next Hop field if and only if the BGP speaker
/// shares a common subnet with the entity identified by the global IPv6 address carried in the Network Address of
/// Next Hop field and the peer the route is being advertised to." With our own global address as the next hop, that
/// is a session whose local address sits on an interface whose prefix holds the peer's address: the peer is on our
/// link, and the link-local address of that interface goes after the global one (a 32-octet next hop).
/// </summary>
internal static class LinkLocalNextHop
{
    /// <summary>Our link-local address on the link shared with <paramref name="peer"/>, or null when the session is
    /// not IPv6, not on a shared subnet (multihop, loopback) or the interface has no link-local address.</summary>
    public static IPAddress? For(IPAddress? local, IPAddress peer)
    {
        if (local is not { AddressFamily: AddressFamily.InterNetworkV6 } || local.IsIPv4MappedToIPv6 || IPAddress.IsLoopback(local)) return null;
        if (peer.AddressFamily != AddressFamily.InterNetworkV6 || peer.IsIPv4MappedToIPv6) return null;
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
                var addresses = nic.GetIPProperties().UnicastAddresses;
                // A link-local session: the session address is itself the link-local next hop (the global one
                // comes from the configuration).
                var ours = addresses.FirstOrDefault(a => Same(a.Address, local));
                if (ours is null) continue;
                if (local.IsIPv6LinkLocal) return WithoutScope(local);
                if (!SameSubnet(local, peer, ours.PrefixLength)) return null;
                var linkLocal = addresses.FirstOrDefault(a => a.Address.IsIPv6LinkLocal);
                return linkLocal is null ? null : WithoutScope(linkLocal.Address);
            }
        }
        catch (NetworkInformationException)
        {
            // No interface table (a restricted container): send the global next hop alone, as for a multihop peer.
        }
        return null;
    }

    private static bool Same(IPAddress a, IPAddress b) => WithoutScope(a).Equals(WithoutScope(b));

    private static IPAddress WithoutScope(IPAddress a) =>
        a.AddressFamily != AddressFamily.InterNetworkV6 || a.ScopeId == 0 ? a : new IPAddress(a.GetAddressBytes());

    private static bool SameSubnet(IPAddress a, IPAddress b, int prefixLength)
    {
        if (prefixLength is <= 0 or >= 128) return false;
        Span<byte> x = stackalloc byte[16], y = stackalloc byte[16];
        a.TryWriteBytes(x, out _);
        b.TryWriteBytes(y, out _);
        int full = prefixLength / 8, rest = prefixLength % 8;
        if (!x[..full].SequenceEqual(y[..full])) return false;
        if (rest == 0) return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (x[full] & mask) == (y[full] & mask);
    }
}
