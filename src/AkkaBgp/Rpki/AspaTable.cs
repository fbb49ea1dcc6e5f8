using System.Collections.Frozen;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rpki;

/// <summary>The outcomes of ASPA-based AS_PATH verification (draft-ietf-sidrops-aspa-verification).</summary>
public enum AspaState : byte
{
    Unknown,
    Valid,
    Invalid,
}

/// <summary>Which of the draft's two procedures applies, by where the route came from: upstream for routes from a
/// customer, a lateral peer, a route server or a route-server client; downstream for routes from a provider.</summary>
public enum AspaDirection : byte
{
    Upstream,
    Downstream,
}

/// <summary>
/// The Validated ASPA Payloads in use: for each customer AS that published an ASPA, the set of its provider ASes
/// (draft-ietf-sidrops-aspa-profile). Immutable: a change builds a new table, and sharing one between actors is safe.
/// A customer attested in several PDUs of the earlier RTR layout (one per address family) has the union of them:
/// the current drafts attest providers for all families at once.
/// <para>
/// Verification follows draft-ietf-sidrops-aspa-verification, revisions -16 to -24 (their procedures agree):
/// hop(A, B) is "No Attestation" when A has no ASPA, "Provider+" when B is in A's provider set, "Not Provider+"
/// otherwise. Prepends are collapsed first and an AS_SET anywhere makes the path Invalid.
/// </para>
/// </summary>
public sealed class AspaTable
{
    public static readonly AspaTable Empty = new(FrozenDictionary<uint, uint[]>.Empty);

    private readonly FrozenDictionary<uint, uint[]> _providers;

    private AspaTable(FrozenDictionary<uint, uint[]> providers) => _providers = providers;

    /// <param name="providers">Customer AS to its provider ASes (any order; sorted and de-duplicated here).</param>
    public static AspaTable From(IEnumerable<KeyValuePair<uint, uint[]>> providers) =>
        new(providers.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.Distinct().Order().ToArray()));

    public int Count => _providers.Count;

    public IEnumerable<KeyValuePair<uint, uint[]>> Entries => _providers;

    public bool TryGetProviders(uint customer, out uint[] providers) => _providers.TryGetValue(customer, out providers!);

    /// <summary>The customer ASes whose provider sets differ between the two tables (added, removed or changed): only
    /// paths through them can change outcome.</summary>
    public HashSet<uint> ChangedCustomers(AspaTable other)
    {
        var changed = new HashSet<uint>();
        foreach (var (customer, providers) in _providers)
            if (!other._providers.TryGetValue(customer, out var p) || !p.AsSpan().SequenceEqual(providers)) changed.Add(customer);
        foreach (var customer in other._providers.Keys)
            if (!_providers.ContainsKey(customer)) changed.Add(customer);
        return changed;
    }

    private enum Hop : byte { NoAttestation, ProviderPlus, NotProviderPlus }

    /// <summary>hop(customer, provider) of the draft: does <paramref name="customer"/>'s ASPA name <paramref name="provider"/>?</summary>
    private Hop HopOf(uint customer, uint provider) =>
        !_providers.TryGetValue(customer, out var set) ? Hop.NoAttestation
        : Array.BinarySearch(set, provider) >= 0 ? Hop.ProviderPlus : Hop.NotProviderPlus;

    /// <summary>
    /// The verification outcome of <paramref name="path"/> as received on a session in <paramref name="direction"/>.
    /// Indexing as in the draft: AS(1) is the neighbor's (leftmost, most recently added) AS, AS(N) the origin.
    /// </summary>
    public AspaState Verify(AsPath? path, AspaDirection direction)
    {
        var asns = Collapse(path);
        if (asns is null) return AspaState.Invalid; // an AS_SET: the draft makes such paths Invalid
        int n = asns.Count;
        if (n == 0) return AspaState.Invalid;
        return direction == AspaDirection.Upstream ? Upstream(asns) : Downstream(asns);
    }

    /// <summary>
    /// Upstream paths (from a customer or a lateral peer) must be one up-ramp: each AS a customer of the next one towards
    /// us. Any hop(AS(i+1), AS(i)) that is "Not Provider+" makes the path Invalid; otherwise any "No Attestation" makes
    /// it Unknown; otherwise it is Valid.
    /// </summary>
    private AspaState Upstream(List<uint> asns)
    {
        bool unattested = false;
        for (int i = 0; i + 1 < asns.Count; i++)
        {
            switch (HopOf(asns[i + 1], asns[i]))
            {
                case Hop.NotProviderPlus: return AspaState.Invalid;
                case Hop.NoAttestation: unattested = true; break;
            }
        }
        return unattested ? AspaState.Unknown : AspaState.Valid;
    }

    /// <summary>
    /// Downstream paths (from a provider) may go up from the origin, across at most one lateral hop, and down to us.
    /// The up-ramp is measured from the origin (hop(AS(i+1), AS(i))), the down-ramp from the neighbor (hop(AS(i),
    /// AS(i+1))), each as the number of ASes it covers: the longest possible ramp stops at the first "Not Provider+",
    /// the surely attested one at the first hop that is not "Provider+". If even the longest ramps cannot cover the
    /// path (max_up_ramp + max_down_ramp &lt; N) it is Invalid; if the attested ones cannot (min_up_ramp +
    /// min_down_ramp &lt; N), Unknown; otherwise Valid.
    /// </summary>
    private AspaState Downstream(List<uint> asns)
    {
        int n = asns.Count;
        var (minUp, maxUp) = Ramp(asns, fromOrigin: true);
        var (minDown, maxDown) = Ramp(asns, fromOrigin: false);
        if (maxUp + maxDown < n) return AspaState.Invalid;
        if (minUp + minDown < n) return AspaState.Unknown;
        return AspaState.Valid;
    }

    private (int Min, int Max) Ramp(List<uint> asns, bool fromOrigin)
    {
        int n = asns.Count, min = 1, max = 1;
        bool attested = true;
        for (int step = 0; step + 1 < n; step++)
        {
            // From the origin: is the next AS towards us a provider of this one? From us: is the next AS towards the
            // origin a provider of this one?
            var hop = fromOrigin ? HopOf(asns[n - 1 - step], asns[n - 2 - step]) : HopOf(asns[step], asns[step + 1]);
            if (hop == Hop.NotProviderPlus) break;
            max++;
            if (attested && hop == Hop.ProviderPlus) min++;
            else attested = false;
        }
        return (min, max);
    }

    /// <summary>The path's ASes from AS(1) to AS(N) with prepends collapsed; confederation segments (inside our own
    /// confederation) are left out; null when it holds an AS_SET.</summary>
    private static List<uint>? Collapse(AsPath? path)
    {
        var asns = new List<uint>();
        if (path is null) return asns;
        foreach (var segment in path.Segments)
        {
            if (segment.IsConfederation) continue;
            if (segment.Type != AsPathSegmentType.AsSequence) return null;
            foreach (var asn in segment.Asns)
                if (asns.Count == 0 || asns[^1] != asn) asns.Add(asn);
        }
        return asns;
    }

    /// <summary>The procedure for a session by the neighbor's role towards us (RFC 9234 names, as <c>RibPeer.RemoteRole</c>);
    /// null where the draft gives none (iBGP, no role configured).</summary>
    public static AspaDirection? DirectionFor(BgpRole? remoteRole) => remoteRole switch
    {
        BgpRole.Provider => AspaDirection.Downstream,
        BgpRole.Customer or BgpRole.Peer or BgpRole.RouteServer or BgpRole.RouteServerClient => AspaDirection.Upstream,
        _ => null,
    };
}
