using System.Net;
using AkkaBgp.Hocon;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// The validated <c>akka-bgp</c> section. Only <see cref="ConfigLoader"/> builds one, and only when the
/// files had no problem at all, so everything here can be used without further checks.
/// </summary>
public sealed record BgpConfig
{
    /// <summary>BGP Identifier as a host-order integer, the form <see cref="NeighborSettings.RouterId"/> uses.</summary>
    public required uint RouterId { get; init; }
    public required uint LocalAs { get; init; }
    /// <summary>RFC 4456 cluster ID; the router id when not configured.</summary>
    public required uint ClusterId { get; init; }
    public required IReadOnlyList<IPEndPoint> Listen { get; init; }
    public required ManagementSettings Management { get; init; }
    public required LoggingSettings Logging { get; init; }
    /// <summary>One per configured neighbor, neighbor-defaults already applied, in file order.</summary>
    public required IReadOnlyList<NeighborSettings> Neighbors { get; init; }
    public required IReadOnlyList<DynamicNeighborRange> DynamicNeighbors { get; init; }
    public required IReadOnlyList<OriginatedRoute> Routes { get; init; }
    /// <summary><c>cluster.routes</c>: announced by every node of the cluster, each with its health check (issue 17).</summary>
    public IReadOnlyList<Nodes.ClusterRoute> ClusterRoutes { get; init; } = [];
    /// <summary>Neighbors with <c>placement = cluster</c> (issue 17): in <see cref="Neighbors"/> like any other, but their
    /// FSM runs on one node of the cluster at a time, where Cluster Sharding places it, not on every node that lists them.</summary>
    public IReadOnlySet<IPAddress> PlacedInCluster { get; init; } = new HashSet<IPAddress>();

    /// <summary>The neighbors this node starts by itself: all but those placed by the cluster.</summary>
    public IEnumerable<NeighborSettings> NodeNeighbors => Neighbors.Where(n => !PlacedInCluster.Contains(n.PeerAddress));
    public required RibOptions Rib { get; init; }
    /// <summary>The RTR caches (<c>rpki.caches</c>); empty: no route origin validation.</summary>
    public MrtSettings Mrt { get; init; } = new();
    public BmpSettings Bmp { get; init; } = new();
    public IReadOnlyList<AkkaBgp.Rpki.RtrCacheSettings> RpkiCaches { get; init; } = [];
    /// <summary>The <c>akka</c> section, Akka.NET's own configuration, with the few settings the host checks.</summary>
    public required AkkaSettings Akka { get; init; }

    /// <summary>
    /// Whether this node is a member of an Akka.NET cluster (remoting, membership, replicated cluster routes, placement):
    /// when it has seed nodes to join, a fixed remoting port other nodes can name as their seed, or a neighbor placed in
    /// the cluster. Otherwise it runs alone, without remoting or membership: a node on a port chosen at each start that
    /// joins nobody can never have another member, and the two cost it ~14 MiB and 0.1-0.2 % of a core doing nothing
    /// (bench/RESULTS.md, 2026-12-05 night). Its cluster routes and cluster-scope views then cover this node only.
    /// </summary>
    public bool Clustered => Akka.SeedNodes.Count > 0 || Akka.RemotePort != 0 || PlacedInCluster.Count > 0;
    /// <summary>The whole resolved tree (user file over reference.conf), for sections other parts of the host own.</summary>
    public required HoconConfig Source { get; init; }

    public IPAddress RouterIdAddress => new(BitConverterBigEndian(RouterId));

    private static byte[] BitConverterBigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}

/// <param name="Tls">HTTPS with this certificate; null: plain HTTP.</param>
public sealed record ManagementSettings(IPAddress Address, int Port, string? Token, ManagementTls? Tls = null)
{
    /// <summary>management.rib-query-give-way: paging queries wait while the RIB applies more route changes a second than
    /// <see cref="GiveWayAbove"/>, for at most <see cref="GiveWayMaxWait"/> (zero: never).</summary>
    public double GiveWayAbove { get; init; } = 50_000;
    public TimeSpan GiveWayMaxWait { get; init; } = TimeSpan.FromSeconds(1);

    public IPEndPoint EndPoint => new(Address, Port);

    public string Url => $"{(Tls is null ? "http" : "https")}://{(Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address)}:{Port}/";
}

/// <summary>
/// The management endpoint's certificate: a PEM certificate with its private key in the same file or in
/// <paramref name="KeyPath"/>, or a PKCS#12 file. <paramref name="Password"/> opens the PKCS#12 file or an encrypted
/// PEM key. Paths are absolute (the reader resolves relative ones against the file that set them).
/// </summary>
public sealed record ManagementTls(string CertificatePath, string? KeyPath, string? Password)
{
    /// <summary>Reads the certificate and its key from disk; throws <see cref="System.Security.Cryptography.CryptographicException"/>
    /// or <see cref="IOException"/> with a message for the operator when they cannot serve HTTPS.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Load()
    {
        using var _ = File.OpenRead(CertificatePath); // "could not find file" before any PEM/PKCS#12 guessing
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        if (KeyPath is not null || IsPem(CertificatePath))
        {
            // .NET's own message for this case is about PEM labels; say what is missing instead.
            if (KeyPath is null && !File.ReadAllText(CertificatePath).Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                throw new System.Security.Cryptography.CryptographicException(NoKey);
            certificate = Password is null
                ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath)
                : System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromEncryptedPemFile(CertificatePath, Password, KeyPath);
        }
        else
        {
            certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new System.Security.Cryptography.CryptographicException(NoKey);
        }
        return certificate;
    }

    private const string NoKey = "the file holds a certificate but no private key (set management.tls.key to the key's PEM file, or use a PKCS#12 file that holds both)";

    private static bool IsPem(string path)
    {
        // PEM is text with "-----BEGIN"; PKCS#12 is DER (binary, starting with a SEQUENCE tag 0x30).
        Span<byte> head = stackalloc byte[64];
        using var file = File.OpenRead(path);
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return System.Text.Encoding.ASCII.GetString(head[..n]).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}

/// <summary>Serilog level names as written in the configuration (verbose ... fatal).</summary>
public enum LogLevelName { Verbose, Debug, Information, Warning, Error, Fatal }

public enum LogRolling { Infinite, Year, Month, Day, Hour, Minute }

public sealed record LoggingSettings
{
    public LogLevelName Level { get; init; } = LogLevelName.Information;
    /// <summary>Minimum level per logger category (namespace prefix).</summary>
    public IReadOnlyDictionary<string, LogLevelName> Levels { get; init; } = new Dictionary<string, LogLevelName>();
    /// <summary>Null: console only.</summary>
    public LogFileSettings? File { get; init; }

    public bool Equals(LoggingSettings? other) =>
        other is not null && Level == other.Level && Equals(File, other.File)
        && Levels.Count == other.Levels.Count
        && Levels.All(kv => other.Levels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Level, File, Levels.Count);
}

public sealed record LogFileSettings(string Path, LogRolling Rolling, int RetainedFiles, bool Json);

/// <summary>
/// Neighbors accepted from a range of addresses (always passive). <see cref="Template"/> holds the session
/// attributes; its <see cref="NeighborSettings.PeerAddress"/> is the range's network address and its
/// <see cref="NeighborSettings.PeerAs"/> the lowest accepted AS until <see cref="For"/> fills in the real ones.
/// </summary>
public sealed record DynamicNeighborRange(Prefix Prefix, uint MinAs, uint MaxAs, int Limit, NeighborSettings Template)
{
    public bool Contains(IPAddress address) =>
        address.AddressFamily == Prefix.Address.AddressFamily && Prefix.Contains(Prefix.Create(address, Prefix.MaxLength));

    public bool Accepts(uint peerAs) => peerAs >= MinAs && peerAs <= MaxAs;

    public NeighborSettings For(IPAddress address, uint peerAs) => Template with { PeerAddress = address, PeerAs = peerAs };
}

/// <summary>A locally originated route. A null <see cref="NextHop"/> means our own address on each session.</summary>
public sealed record OriginatedRoute
{
    public required Prefix Prefix { get; init; }
    public IPAddress? NextHop { get; init; }
    public IReadOnlyList<Community> Communities { get; init; } = [];
    public IReadOnlyList<LargeCommunity> LargeCommunities { get; init; } = [];
    public uint? Med { get; init; }
    public uint? LocalPref { get; init; }
    public int AsPathPrepend { get; init; }

    // Value equality over the lists, so a reload re-announces only routes that really changed.
    public bool Equals(OriginatedRoute? other) =>
        other is not null && Prefix == other.Prefix && Equals(NextHop, other.NextHop)
        && Communities.SequenceEqual(other.Communities) && LargeCommunities.SequenceEqual(other.LargeCommunities)
        && Med == other.Med && LocalPref == other.LocalPref && AsPathPrepend == other.AsPathPrepend;

    public override int GetHashCode() => HashCode.Combine(Prefix, NextHop, Med, LocalPref, AsPathPrepend, Communities.Count);
}

/// <summary>Decision process settings (RFC 4271 9.1).</summary>
public sealed record RibOptions
{
    public uint DefaultLocalPref { get; init; } = 100;
    public bool AlwaysCompareMed { get; init; }
    public bool MissingMedAsWorst { get; init; }
    /// <summary>Loc-RIB partitions; 0: one per processor.</summary>
    public int Partitions { get; init; }
}

/// <summary>MRT table dumps (RFC 6396): where they go (null: off), how often (null: only on request), gzip or not.</summary>
public sealed record MrtSettings
{
    public string? Directory { get; init; }
    public TimeSpan? TableDumpInterval { get; init; }
    public bool Gzip { get; init; } = true;
    /// <summary>Record every received message and state change (BGP4MP) in rotating updates files.</summary>
    public bool Updates { get; init; }
    public TimeSpan UpdatesRotateInterval { get; init; } = TimeSpan.FromMinutes(15);
    public long UpdatesRotateSize { get; init; } = 256L * 1024 * 1024;
    public int UpdatesBuffer { get; init; } = 100_000;
}

/// <summary>BMP (RFC 7854): the collectors we stream to, the Statistics Report interval and the per-collector buffer.</summary>
public sealed record BmpSettings
{
    public IReadOnlyList<(string Address, int Port)> Collectors { get; init; } = [];
    public TimeSpan StatisticsInterval { get; init; } = TimeSpan.FromSeconds(60);
    public int Buffer { get; init; } = 100_000;
}
