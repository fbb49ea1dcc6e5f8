using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaBgp.Session;

namespace AkkaBgp.Transport;

/// <summary>
/// Per-peer socket settings: the TCP MD5 signature key (RFC 2385), the TTL we send with, and the
/// smallest TTL we accept (GTSM, RFC 5082). Applied by the connector before dialling and by the
/// listener (keys on the listening sockets, TTLs on accepted sockets). Linux only: the kernel does
/// the work through setsockopt (docs/linux-sockets.md sections 1 and 2).
/// </summary>
public sealed record TransportSecurity(string? Md5Key = null, int? Ttl = null, int? MinTtl = null)
{
    private const int IpProtoIp = 0, IpProtoTcp = 6, IpProtoIpv6 = 41;
    private const int IpTtl = 2, IpMinTtl = 21, Ipv6MinHopCount = 73, TcpMd5Sig = 14, TcpMd5SigExt = 32;
    private const byte TcpMd5SigFlagPrefix = 1;
    private const int MaxKeyLength = 80; // TCP_MD5SIG_MAXKEYLEN

    /// <summary>What a neighbor's settings ask for: GTSM sends 255 and accepts 256 - hops or more; otherwise
    /// the multihop TTL, or 1 for external peers (directly connected, the common eBGP convention).</summary>
    public static TransportSecurity For(NeighborSettings n)
    {
        if (n.TtlSecurityHops is { } hops)
            return new TransportSecurity(n.Password, 255, Math.Clamp(256 - hops, 1, 255));
        return new TransportSecurity(n.Password, n.MultihopTtl ?? (n.IsInternal ? null : 1), null);
    }

    public bool IsEmpty => Md5Key is null && Ttl is null && MinTtl is null;

    /// <summary>TTL and minimum TTL on a socket (before connect, or on an accepted socket).</summary>
    public void ApplyTtl(Socket socket)
    {
        if (Ttl is { } ttl)
        {
            socket.Ttl = (short)ttl;
            // On a dual-stack socket Socket.Ttl only sets the IPv6 hop limit; IPv4-mapped peers need IP_TTL too.
            if (socket.AddressFamily == AddressFamily.InterNetworkV6 && socket.DualMode)
                socket.SetRawSocketOption(IpProtoIp, IpTtl, BitConverter.GetBytes(ttl));
        }
        if (MinTtl is { } min)
        {
            var value = BitConverter.GetBytes(min);
            if (socket.AddressFamily == AddressFamily.InterNetwork || socket.DualMode)
                socket.SetRawSocketOption(IpProtoIp, IpMinTtl, value);
            if (socket.AddressFamily == AddressFamily.InterNetworkV6)
                socket.SetRawSocketOption(IpProtoIpv6, Ipv6MinHopCount, value);
        }
    }

    /// <summary>Installs (or with a null key removes) the MD5 key for <paramref name="peer"/> on <paramref name="socket"/>.
    /// On a listening socket it covers future connections from that peer.</summary>
    public static void SetMd5Key(Socket socket, IPAddress peer, string? key)
    {
        var bytes = key is null ? [] : Encoding.UTF8.GetBytes(key);
        if (bytes.Length > MaxKeyLength) throw new ArgumentException($"TCP MD5 key longer than {MaxKeyLength} octets", nameof(key));
        // A dual-stack socket wants the IPv4 peer as an IPv4-mapped sockaddr_in6 (EINVAL otherwise).
        if (socket.AddressFamily == AddressFamily.InterNetworkV6 && peer.AddressFamily == AddressFamily.InterNetwork)
            peer = peer.MapToIPv6();
        // struct tcp_md5sig: sockaddr_storage (128), flags, prefixlen, keylen (host order), ifindex, key[80].
        var option = new byte[216];
        var address = new IPEndPoint(peer, 0).Serialize();
        address.Buffer.Span[..address.Size].CopyTo(option);
        BinaryPrimitives.WriteUInt16LittleEndian(option.AsSpan(130), (ushort)bytes.Length);
        bytes.CopyTo(option, 136);
        socket.SetRawSocketOption(IpProtoTcp, TcpMd5Sig, option);
    }

    /// <summary>
    /// Installs the MD5 key for every peer in <paramref name="range"/> on a listening socket: TCP_MD5SIG_EXT with
    /// TCP_MD5SIG_FLAG_PREFIX (Linux 4.13+), so a dynamic-neighbor range (whose peers are not known in advance) can
    /// require RFC 2385 signatures from the first SYN. A key for a single address, where one is also set, wins over
    /// the range's (the kernel takes the longest match).
    /// </summary>
    public static void SetMd5KeyForRange(Socket socket, Wire.Prefix range, string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        if (bytes.Length > MaxKeyLength) throw new ArgumentException($"TCP MD5 key longer than {MaxKeyLength} octets", nameof(key));
        var address = range.Address;
        byte length = (byte)range.Length;
        // On a dual-stack socket an IPv4 range goes in IPv4-mapped, but its length stays the IPv4 one: the kernel
        // reads the prefix length of a mapped address as IPv4's (more than 32 is EINVAL).
        if (socket.AddressFamily == AddressFamily.InterNetworkV6 && address.AddressFamily == AddressFamily.InterNetwork)
            address = address.MapToIPv6();
        var option = new byte[216];
        var sockaddr = new IPEndPoint(address, 0).Serialize();
        sockaddr.Buffer.Span[..sockaddr.Size].CopyTo(option);
        option[128] = TcpMd5SigFlagPrefix;
        option[129] = length;
        BinaryPrimitives.WriteUInt16LittleEndian(option.AsSpan(130), (ushort)bytes.Length);
        bytes.CopyTo(option, 136);
        socket.SetRawSocketOption(IpProtoTcp, TcpMd5SigExt, option);
    }
}

/// <summary>The TCP MD5 key every peer of a dynamic-neighbor range must sign with (RFC 2385).</summary>
public sealed record RangeMd5Key(Wire.Prefix Range, string Key);

/// <summary>Supervisor -> connector and listener: use <paramref name="Security"/> for connections with <paramref name="Peer"/>
/// (null: none). Sent when a neighbor is created, replaced or removed.</summary>
public sealed record SetPeerSecurity(IPAddress Peer, TransportSecurity? Security);
