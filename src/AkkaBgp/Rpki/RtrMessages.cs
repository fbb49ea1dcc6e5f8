using System.Net;

namespace AkkaBgp.Rpki;

/// <summary>One configured RPKI cache (<c>akka-bgp.rpki.caches</c>). Lower <see cref="Preference"/> is preferred
/// (RFC 8210 section 10 leaves the scale to configuration). The intervals are used with a version 0 cache and until a
/// version 1 cache sends its own in End of Data (RFC 8210 section 6).</summary>
public sealed record RtrCacheSettings(string Address, int Port)
{
    public int Preference { get; init; } = 100;
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(3600);
    public TimeSpan Retry { get; init; } = TimeSpan.FromSeconds(600);
    public TimeSpan Expire { get; init; } = TimeSpan.FromSeconds(7200);

    public string Name => Address.Contains(':') ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
    public EndPoint EndPoint => IPAddress.TryParse(Address, out var ip) ? new IPEndPoint(ip, Port) : new DnsEndPoint(Address, Port);
}

/// <summary>Where a cache's client stands.</summary>
public enum RtrCacheState
{
    /// <summary>No connection; the next attempt is after the retry interval.</summary>
    Disconnected,
    Connecting,
    /// <summary>A query is out, its answer not complete.</summary>
    Syncing,
    /// <summary>Connected, the last answer complete; the next Serial Query is at the refresh interval or on Serial Notify.</summary>
    Synced,
}

/// <summary>From a cache's client to <see cref="RpkiActor"/>: its data changed (End of Data, or dropped on expiry) or its
/// connection did. <see cref="Vrps"/> is null when the client has no usable data.</summary>
public sealed record RtrCacheUpdate(RtrCacheSettings Cache, RtrCacheState State, VrpTable? Vrps);

/// <summary>One cache's state for the API and metrics.</summary>
public sealed record RtrCacheStatus(
    string Cache,
    int Preference,
    RtrCacheState State,
    byte Version,
    ushort? SessionId,
    uint? Serial,
    int VrpsV4,
    int VrpsV6,
    DateTimeOffset? LastUpdate,
    bool InUse,
    string? LastError)
{
    /// <summary>Customer ASes with an ASPA (RTR version 2).</summary>
    public int Aspas { get; init; }
}

public sealed record GetRpkiStatus
{
    public static readonly GetRpkiStatus Instance = new();
}

public sealed record RpkiStatus(IReadOnlyList<RtrCacheStatus> Caches, int VrpsV4, int VrpsV6)
{
    /// <summary>Customer ASes with an ASPA in the data in use.</summary>
    public int Aspas { get; init; }
}

/// <summary>To a client: report <see cref="RtrCacheStatus"/>.</summary>
internal sealed record GetCacheStatus
{
    public static readonly GetCacheStatus Instance = new();
}

/// <summary>
/// To the RIB: the RPKI data in use changed. Routes covered by one of <see cref="Changed"/> may have a new validation
/// state and are re-evaluated; the others keep theirs. <see cref="Changed"/> null: re-evaluate everything.
/// Paths through one of <see cref="ChangedAspaCustomers"/> (customer ASes whose ASPA changed) are verified again.
/// </summary>
public sealed record VrpsChanged(VrpTable Vrps, IReadOnlyList<AkkaBgp.Wire.Prefix>? Changed)
{
    public IReadOnlySet<uint> ChangedAspaCustomers { get; init; } = new HashSet<uint>();
}
