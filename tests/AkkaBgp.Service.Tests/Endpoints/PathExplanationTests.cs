using System.Net;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rpki;
using AkkaBgp.Service.Management;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>The sentences of <c>/bgp/rib?explain=true</c>: which of ROV, ASPA, OTC and the import rules decided.</summary>
public sealed class PathExplanationTests
{
    private static readonly Prefix P = Prefix.Parse("203.0.113.0/24");
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.2");

    private static PathAttributes Attrs(uint[] path, uint? otc = null)
    {
        var b = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(path), NextHop = 0xC0000202 };
        if (otc is { } o) b.OnlyToCustomer = o;
        return b.Build();
    }

    private static NeighborSettings Neighbor(BgpRole? role, RoutePolicy? import = null) => new()
    {
        PeerAddress = Peer, PeerAs = 65001, LocalAs = 65000, RouterId = 1,
        Capabilities = new CapabilitySettings { Role = role },
        Import = import ?? RoutePolicy.AcceptAll,
    };

    private static RouteView View(PathAttributes a, bool best, bool eligible, string? why, RovState? rov, AspaState? aspa) =>
        new(P, Peer, 65001, best, eligible, why, a, Peer, Rpki: rov) { Aspa = aspa };

    [Fact]
    public void A_best_path_accepted_by_a_rule_says_each_check_passed()
    {
        var import = new RoutePolicy { Rules = [new PolicyRule { Rpki = RovState.Valid, Action = PolicyAction.Accept }], DefaultAction = PolicyAction.Reject };
        var e = PathExplanation.Explain(View(Attrs([65001, 64600]), true, true, null, RovState.Valid, AspaState.Valid), Neighbor(BgpRole.Provider, import), 65000);
        Assert.Equal("ROV valid: a VRP authorises AS64600 to originate 203.0.113.0/24", e.Rov);
        Assert.Equal("ASPA valid: upstream verification, the neighbor being our customer, and every hop is attested", e.Aspa);
        Assert.Equal("import policy: accepted by rule 1 (rpki = valid)", e.Import);
        Assert.Equal("used as the best path", e.DecidedBy);
    }

    [Fact]
    public void An_OTC_leak_from_a_customer_is_named_as_what_decided()
    {
        var e = PathExplanation.Explain(View(Attrs([65001], otc: 65099), false, false, "OtcLeak", null, AspaState.Unknown), Neighbor(BgpRole.Provider), 65000);
        Assert.Equal("not used, an RFC 9234 route leak (OTC)", e.DecidedBy);
        Assert.StartsWith("OTC leak: the route carries Only-to-Customer 65099 and came from our customer", e.Otc);
        Assert.Equal("ROV: not checked, no RPKI data in use", e.Rov);
        Assert.EndsWith("some hop has no ASPA to check it against", e.Aspa);
    }

    [Fact]
    public void Routes_from_a_provider_get_the_downstream_procedure_and_no_role_means_no_verification()
    {
        Assert.StartsWith("ASPA invalid: downstream verification, the neighbor being our provider",
            PathExplanation.Explain(View(Attrs([65001]), false, true, null, RovState.NotFound, AspaState.Invalid), Neighbor(BgpRole.Customer), 65000).Aspa);
        Assert.Equal("ASPA: not verified (iBGP, or no role configured towards the neighbor)",
            PathExplanation.Explain(View(Attrs([65001]), false, true, null, null, null), Neighbor(null), 65000).Aspa);
    }

    [Fact]
    public void A_kept_filtered_route_names_the_default_action_when_no_rule_matched()
    {
        var import = new RoutePolicy { Rules = [new PolicyRule { AsPathContains = 64999, Action = PolicyAction.Accept }], DefaultAction = PolicyAction.Reject };
        var e = PathExplanation.Explain(View(Attrs([65001]), false, false, "Filtered", RovState.Invalid, null), Neighbor(null, import), 65000);
        Assert.Equal("import policy: rejected by the default action (no rule matched)", e.Import);
        Assert.Equal("not used, rejected by the import policy's default action (kept only because keep-filtered is on)", e.DecidedBy);
        Assert.Equal("ROV invalid: VRPs cover 203.0.113.0/24 but none authorises AS65001 at this length", e.Rov);
    }
}
