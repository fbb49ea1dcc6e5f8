using System.Net;

namespace AkkaBgp.Interop;

/// <summary>
/// One BGP session between a real daemon and the speaker under test, both on loopback.
/// Every daemon listens on its own 127/8 address and a non-privileged port, so tests never
/// need port 179 and never collide with each other.
/// </summary>
public sealed record Peering(
    IPAddress DaemonAddress,
    uint DaemonAs,
    IPAddress OurAddress,
    uint OurAs,
    int Port,
    int HoldTimeSeconds = 9)
{
    /// <summary>More addresses of ours the daemon takes the same session from (BIRD: one protocol each), as when any node
    /// of an AkkaBgp cluster may run it.</summary>
    public IReadOnlyList<System.Net.IPAddress> AlsoAcceptFrom { get; init; } = [];

    /// <summary>When true the daemon waits for us to connect; otherwise it dials us.</summary>
    public bool DaemonPassive { get; init; }

    /// <summary>IPv4 prefixes the daemon originates, e.g. "10.2.0.0/24".</summary>
    public IReadOnlyList<string> AnnounceV4 { get; init; } = [];

    /// <summary>IPv6 prefixes the daemon originates.</summary>
    public IReadOnlyList<string> AnnounceV6 { get; init; } = [];

    /// <summary>The network namespace the daemon runs in (<see cref="VethLink"/>): the peering is then over a shared
    /// IPv6 link rather than loopback, a direct (single-hop) session. Null: loopback, the daemon in ours.</summary>
    public string? NetworkNamespace { get; init; }

    public bool OnLink => NetworkNamespace is not null;

    /// <summary>Graceful restart (RFC 4724) on the daemon's side, with this restart time in seconds; null: off.</summary>
    public int? GracefulRestartSeconds { get; init; }

    /// <summary>The daemon's own BGP Role (RFC 9234) in its spelling: BIRD's <c>local role</c> (provider, customer, peer,
    /// rs_server, rs_client), FRR's <c>local-role</c> (provider, customer, peer, rs-server, rs-client); null: none.</summary>
    public string? DaemonRole { get; init; }

    /// <summary>RFC 8950 Extended Next Hop for IPv4 unicast on the daemon's side (BIRD's <c>extended next hop on</c>, FRR's
    /// <c>capability extended-nexthop</c>): the daemon then announces its IPv4 routes with its IPv6 next hop.</summary>
    public bool ExtendedNextHop { get; init; }

    /// <summary>An ONLY_TO_CUSTOMER value (RFC 9234 section 5) BIRD sets on the IPv4 routes it announces, whatever its
    /// role says (a test leaker); null: BIRD's own rules.</summary>
    public uint? ExportOtc { get; init; }

    /// <summary>ADD-PATH (RFC 7911) on the daemon's side in BIRD's spelling (<c>add paths tx | rx | on</c>); null: off.</summary>
    public string? AddPaths { get; init; }

    /// <summary>IPv4 prefixes the daemon originates a second time, from a second static protocol, with community
    /// (DaemonAs, 2): a second path for the same prefix, which only ADD-PATH can send alongside the first. Needs a
    /// 2-octet DaemonAs (the community's first half).</summary>
    public IReadOnlyList<string> SecondPathV4 { get; init; } = [];

    /// <summary>ASes BIRD prepends to the AS_PATH of the IPv4 routes it announces (before its own), so that the route
    /// seems to come from further away: the first is the origin. Empty: none.</summary>
    public IReadOnlyList<uint> ExportPrepend { get; init; } = [];

    /// <summary>BIRD's <c>connect delay time</c> (seconds between the protocol's start and its first dial); null: 1.</summary>
    public int? ConnectDelaySeconds { get; init; }

    /// <summary>TCP MD5 signature key (RFC 2385) both sides use; null: unsigned.</summary>
    public string? Password { get; init; }

    /// <summary>The daemon's router id: its loopback address is unique per test, so reuse it (an IPv6 address gives
    /// an IPv4-shaped identifier from its last two octets, RFC 6286 identifiers being 4 octets).</summary>
    public string DaemonRouterId => RouterIdFor(DaemonAddress);

    public string OurRouterId => RouterIdFor(OurAddress);

    private static string RouterIdFor(IPAddress a)
    {
        if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return a.ToString();
        var b = a.GetAddressBytes();
        return $"10.166.{b[14]}.{b[15]}";
    }

    public int KeepaliveSeconds => Math.Max(1, HoldTimeSeconds / 3);

    /// <summary>The NEXT_HOP the daemon puts on routes it announces: loopback next hops (127/8) are martians to
    /// FRR, GoBGP and AkkaBgp, so daemons announce a documentation address (RFC 5737/3849) derived from theirs.</summary>
    public string NextHopV4 => $"192.0.2.{DaemonAddress.GetAddressBytes()[^1]}";

    public string NextHopV6 => $"2001:db8::{DaemonAddress.GetAddressBytes()[^1]:x}";
}

/// <summary>What a daemon's own CLI says about its session with us.</summary>
/// <param name="State">The daemon's state name, normalised to RFC 4271 spelling (Idle, Connect, Active, OpenSent, OpenConfirm, Established).</param>
/// <param name="Raw">The CLI output the state was read from, for assertions on texts such as a shutdown communication.</param>
public sealed record DaemonPeerView(string State, string Raw)
{
    public bool IsEstablished => State == "Established";
}
