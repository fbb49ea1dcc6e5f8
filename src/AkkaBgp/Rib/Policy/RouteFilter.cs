using AkkaBgp.Rpki;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Policy;

/// <summary>One prefix-list line: <see cref="Prefix"/> and, optionally, a range of lengths for prefixes inside it.
/// Without Ge/Le only the exact prefix matches (as in the usual "ip prefix-list" semantics).</summary>
public sealed record PrefixListEntry(Prefix Prefix, int? Ge = null, int? Le = null)
{
    public bool Matches(Prefix p)
    {
        if (!Prefix.Contains(p)) return false;
        if (Ge is null && Le is null) return p.Length == Prefix.Length;
        int lo = Ge ?? Prefix.Length, hi = Le ?? p.MaxLength;
        return p.Length >= lo && p.Length <= hi;
    }

    public static PrefixListEntry Parse(string s)
    {
        // "10.0.0.0/8", "10.0.0.0/8 le 24", "10.0.0.0/8 ge 16 le 24"
        var parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int? ge = null, le = null;
        for (int i = 1; i + 1 < parts.Length; i += 2)
        {
            int v = int.Parse(parts[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[i] == "ge") ge = v;
            else if (parts[i] == "le") le = v;
            else throw new FormatException($"unexpected '{parts[i]}' in prefix-list entry '{s}'");
        }
        return new PrefixListEntry(Prefix.Parse(parts[0]), ge, le);
    }
}

public enum FilterVerdict { Accept, Reject }

/// <summary>One filter term: all given conditions must hold; then the verdict and the attribute changes apply.</summary>
public sealed record FilterTerm
{
    /// <summary>Matches when any entry matches; null: any prefix.</summary>
    public IReadOnlyList<PrefixListEntry>? Prefixes { get; init; }
    /// <summary>Matches when this AS appears anywhere in AS_PATH.</summary>
    public uint? AsPathContains { get; init; }
    public Community? HasCommunity { get; init; }
    public LargeCommunity? HasLargeCommunity { get; init; }
    /// <summary>Matches routes in this RFC 6811 validation state (against the VRPs in use; NotFound without any).</summary>
    public RovState? Rpki { get; init; }
    /// <summary>Matches routes with this ASPA verification outcome (draft-ietf-sidrops-aspa-verification). Routes that are
    /// not verified (iBGP, or no role towards the neighbor) match no such term.</summary>
    public AspaState? Aspa { get; init; }

    public FilterVerdict Verdict { get; init; } = FilterVerdict.Accept;
    public uint? SetLocalPref { get; init; }
    public uint? SetMed { get; init; }
    public IReadOnlyList<Community> AddCommunities { get; init; } = Array.Empty<Community>();
    public IReadOnlyList<Community> RemoveCommunities { get; init; } = Array.Empty<Community>();
    public IReadOnlyList<LargeCommunity> AddLargeCommunities { get; init; } = Array.Empty<LargeCommunity>();

    public bool ModifiesAttributes => SetLocalPref is not null || SetMed is not null || AddCommunities.Count > 0
                                      || RemoveCommunities.Count > 0 || AddLargeCommunities.Count > 0;

    public bool Matches(Prefix prefix, PathAttributes attributes, RovState rov = RovState.NotFound, AspaState? aspa = null)
    {
        if (Rpki is { } state && state != rov) return false;
        if (Aspa is { } wanted && wanted != aspa) return false;
        if (Prefixes is { } list && !list.Any(e => e.Matches(prefix))) return false;
        if (AsPathContains is { } asn && !(attributes.AsPath?.Segments.Any(s => s.Asns.Contains(asn)) ?? false)) return false;
        if (HasCommunity is { } c && !attributes.HasCommunity(c)) return false;
        if (HasLargeCommunity is { } lc && !attributes.LargeCommunities.Contains(lc)) return false;
        return true;
    }

    public PathAttributes Apply(PathAttributes attributes)
    {
        if (!ModifiesAttributes) return attributes;
        var b = attributes.ToBuilder();
        if (SetLocalPref is { } lp) b.LocalPref = lp;
        if (SetMed is { } med) b.MultiExitDisc = med;
        foreach (var c in RemoveCommunities) b.Communities.RemoveAll(x => x == c);
        foreach (var c in AddCommunities)
            if (!b.Communities.Contains(c)) b.Communities.Add(c);
        foreach (var c in AddLargeCommunities)
            if (!b.LargeCommunities.Contains(c)) b.LargeCommunities.Add(c);
        return b.Build();
    }
}

/// <summary>The outcome for one route: accepted (with the term that decided, if any) or rejected.</summary>
public readonly record struct FilterResult(bool Accepted, FilterTerm? Term)
{
    public PathAttributes Apply(PathAttributes a) => Term is null ? a : Term.Apply(a);
}

/// <summary>An ordered list of terms; the first matching term decides, else <see cref="Default"/>.
/// Deliberately small (prefix lists, AS-path contains, community match, set local-pref/MED/communities): enough
/// for route-server and anycast setups until a policy language exists.</summary>
public sealed record RouteFilter(IReadOnlyList<FilterTerm> Terms, FilterVerdict Default = FilterVerdict.Accept)
{
    public static readonly RouteFilter AcceptAll = new(Array.Empty<FilterTerm>());
    /// <summary>"export none": the RIB does not even compute exports for such a neighbor.</summary>
    public static readonly RouteFilter RejectAll = new(Array.Empty<FilterTerm>(), FilterVerdict.Reject);

    public bool RejectsEverything => Default == FilterVerdict.Reject && Terms.All(t => t.Verdict == FilterVerdict.Reject);

    /// <summary>Some term matches on the validation state or the ASPA outcome: the outcome can change when the RPKI data does.</summary>
    public bool UsesRpki => Terms.Any(t => t.Rpki is not null || t.Aspa is not null);

    public FilterResult Evaluate(Prefix prefix, PathAttributes attributes, RovState rov = RovState.NotFound, AspaState? aspa = null)
    {
        foreach (var t in Terms)
            if (t.Matches(prefix, attributes, rov, aspa)) return new FilterResult(t.Verdict == FilterVerdict.Accept, t);
        return new FilterResult(Default == FilterVerdict.Accept, null);
    }
}
