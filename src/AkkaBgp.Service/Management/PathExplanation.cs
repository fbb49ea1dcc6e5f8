using System.Globalization;
using System.Text.Json;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rpki;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Management;

/// <summary>
/// <c>GET /bgp/rib?prefix=P&amp;explain=true</c>: for each path, what ROV (RFC 6811), ASPA (draft-ietf-sidrops-aspa-
/// verification), OTC (RFC 9234 section 5) and the neighbor's import rules made of it, and what decided, in sentences an
/// operator can paste into a ticket. Built in the service from what the RIB shows of the path (its states and why it is
/// ineligible) and the running configuration (the neighbor's role and import rules); the attributes are the ones
/// stored, i.e. after import policy, so the matching rule is found on them.
/// </summary>
internal static class PathExplanation
{
    public static void Write(Utf8JsonWriter w, RouteView r, RunningConfiguration running)
    {
        var config = running.Current;
        var neighbor = r.Peer is { } address ? running.Neighbor(address) ?? config.DynamicNeighbors.FirstOrDefault(d => d.Contains(address))?.Template : null;
        var (rov, aspa, otc, import, selection, decided) = Explain(r, neighbor, config.LocalAs);
        w.WriteStartObject("explain");
        w.WriteString("rov", rov);
        w.WriteString("aspa", aspa);
        w.WriteString("otc", otc);
        w.WriteString("import", import);
        w.WriteString("selection", selection);
        w.WriteString("decidedBy", decided);
        w.WriteString("summary", $"{r.Prefix} from {From(r, neighbor)}: {decided}. {rov}; {aspa}; {otc}; {import}.");
        w.WriteEndObject();
    }

    internal static (string Rov, string Aspa, string Otc, string Import, string Selection, string DecidedBy) Explain(RouteView r, NeighborSettings? neighbor, uint localAs)
    {
        var origin = RouteOrigin.Of(r.Attributes.AsPath, localAs);
        string originText = origin is { } o ? $"AS{o.ToString(CultureInfo.InvariantCulture)}" : "an AS_SET";
        string rov = r.Rpki switch
        {
            null => "ROV: not checked, no RPKI data in use",
            RovState.Valid => $"ROV valid: a VRP authorises {originText} to originate {r.Prefix}",
            RovState.Invalid => $"ROV invalid: VRPs cover {r.Prefix} but none authorises {originText} at this length",
            _ => $"ROV not-found: no VRP covers {r.Prefix}",
        };

        var role = neighbor is { IsInternal: false } ? neighbor.Capabilities.Role : null;
        string relation = role is { } ours ? RemoteName(ours) : "a neighbor without a role";
        string aspa = r.Aspa switch
        {
            null => r.Peer is null ? "ASPA: not verified, a local route" : "ASPA: not verified (iBGP, or no role configured towards the neighbor)",
            { } outcome => $"ASPA {outcome.ToString().ToLowerInvariant()}: {(role == BgpRole.Customer ? "downstream" : "upstream")} verification, the neighbor being {relation}"
                + outcome switch
                {
                    AspaState.Invalid => ", and some hop of the AS path cannot be a customer-to-provider or provider-to-customer step the ASPAs allow",
                    AspaState.Unknown => ", and some hop has no ASPA to check it against",
                    _ => ", and every hop is attested",
                },
        };

        uint? otcValue = r.Attributes.OnlyToCustomer;
        string otc = r.Ineligibility == "OtcLeak"
            ? $"OTC leak: the route carries Only-to-Customer {otcValue} and came from {relation}, so it was already sent up or sideways once (RFC 9234 section 5)"
            : otcValue is { } value ? $"OTC {value.ToString(CultureInfo.InvariantCulture)}: allowed from {relation}" : "OTC: none";

        string import;
        string? rejectedBy = null;
        if (neighbor is null) import = r.Peer is null ? "import policy: none, a local route" : "import policy: the neighbor is no longer configured";
        else if (RibConfiguration.MatchingRule(neighbor.Import, r.Prefix, r.Attributes, r.Rpki ?? RovState.NotFound, r.Aspa) is { } rule)
        {
            var action = neighbor.Import.Rules[rule].Action == PolicyAction.Accept ? "accepted" : "rejected";
            import = $"import policy: {action} by rule {rule + 1}{Conditions(neighbor.Import.Rules[rule])}";
            if (action == "rejected") rejectedBy = $"import rule {rule + 1}{Conditions(neighbor.Import.Rules[rule])}";
        }
        else
        {
            var action = neighbor.Import.DefaultAction == PolicyAction.Accept ? "accepted" : "rejected";
            import = $"import policy: {action} by the default action (no rule matched)";
            if (action == "rejected") rejectedBy = "the import policy's default action";
        }

        string selection = r.Best ? "selected as the best path"
            : r.Eligible ? "eligible, but another path won the decision process (RFC 4271 9.1.2)"
            : $"not eligible ({r.Ineligibility})";
        string decided =
            r.Ineligibility == "Filtered" ? $"not used, rejected by {rejectedBy ?? "the import policy"} (kept only because keep-filtered is on)"
            : r.Ineligibility == "OtcLeak" ? "not used, an RFC 9234 route leak (OTC)"
            : !r.Eligible ? $"not used: {r.Ineligibility}"
            : r.Best ? "used as the best path" : "kept as an alternative, not the best";
        return (rov, aspa, otc, import, selection, decided);
    }

    private static string From(RouteView r, NeighborSettings? n) =>
        r.Peer is null ? "local origination" : $"{r.Peer} AS{r.PeerAs.ToString(CultureInfo.InvariantCulture)}" + (n?.Description is { Length: > 0 } d ? $" ({d})" : "");

    /// <summary>What the neighbor is to us, from our configured role towards it.</summary>
    private static string RemoteName(BgpRole ours) => ours switch
    {
        BgpRole.Provider => "our customer",
        BgpRole.Customer => "our provider",
        BgpRole.Peer => "our lateral peer",
        BgpRole.RouteServer => "a client of our route server",
        _ => "our route server",
    };

    private static string Conditions(PolicyRule rule)
    {
        var parts = new List<string>();
        if (rule.Prefix is { } p) parts.Add($"prefix {p}");
        if (rule.Rpki is { } rpki) parts.Add($"rpki = {(rpki == RovState.NotFound ? "not-found" : rpki.ToString().ToLowerInvariant())}");
        if (rule.Aspa is { } aspa) parts.Add($"aspa = {aspa.ToString().ToLowerInvariant()}");
        if (rule.AsPathContains is { } asn) parts.Add($"as-path-contains {asn.ToString(CultureInfo.InvariantCulture)}");
        if (rule.Communities.Count > 0) parts.Add("communities " + string.Join(" ", rule.Communities));
        return parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")";
    }
}
