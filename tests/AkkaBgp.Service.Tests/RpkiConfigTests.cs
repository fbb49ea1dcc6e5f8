using AkkaBgp.Rpki;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service.Tests;

/// <summary><c>akka-bgp.rpki</c> and the <c>rpki</c> policy match: values, defaults and each error with its location.</summary>
public sealed class RpkiConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Rpki(string caches) => ConfigFiles.Minimal($"  rpki {{ caches = [\n    {caches}\n  ] }}");

    [Fact]
    public void Caches_with_defaults_and_explicit_timers()
    {
        var config = _files.LoadValid(Rpki("""{ address = "127.0.0.1", port = 8282 }, { address = "rpki.example", port = 323, preference = 7, refresh = 60s, retry = 5s, expire = 10m }"""));
        Assert.Equal(2, config.RpkiCaches.Count);
        Assert.Equal(new RtrCacheSettings("127.0.0.1", 8282), config.RpkiCaches[0]);
        var second = config.RpkiCaches[1];
        Assert.Equal(("rpki.example", 323, 7), (second.Address, second.Port, second.Preference));
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)), (second.Refresh, second.Retry, second.Expire));
    }

    [Fact]
    public void No_caches_by_default() => Assert.Empty(_files.LoadValid(ConfigFiles.Minimal("")).RpkiCaches);

    [Fact]
    public void Missing_port_is_named()
    {
        var text = Rpki("""{ address = "127.0.0.1" }""");
        Assert.Contains(_files.Problems(text), p => p.StartsWith("akka-bgp.rpki.caches[0].port") && p.Contains("required"));
    }

    [Fact]
    public void Interval_outside_rfc8210_range_is_refused_with_its_location()
    {
        var text = Rpki("""{ address = "127.0.0.1", port = 8282, expire = 60s }""");
        Assert.Equal([$"akka-bgp.rpki.caches[0].expire ({_files.At(text, "60s")}): 60s is outside 600s..172800s (RFC 8210 section 6)"], _files.Problems(text));
    }

    [Fact]
    public void Expire_must_exceed_refresh()
    {
        var text = Rpki("""{ address = "127.0.0.1", port = 8282, refresh = 3600s, expire = 1800s }""");
        Assert.Equal([$"akka-bgp.rpki.caches[0].expire ({_files.At(text, "1800s")}): 1800s must be longer than refresh (3600s) and retry (600s) (RFC 8210 section 6)"], _files.Problems(text));
    }

    [Fact]
    public void Same_cache_twice_points_at_the_first()
    {
        var text = Rpki("""{ address = "127.0.0.1", port = 8282 }, { address = "127.0.0.1", port = 8282 }""");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.rpki.caches[1].address ({_files.At(text, "\"127.0.0.1\"", 2)}): 127.0.0.1:8282 is already configured at akka-bgp.rpki.caches[0].address", problem);
    }

    [Fact]
    public void Unknown_cache_key_is_refused()
    {
        var text = Rpki("""{ address = "127.0.0.1", port = 8282, refesh = 10s }""");
        Assert.Contains(_files.Problems(text), p => p.StartsWith("akka-bgp.rpki.caches[0].refesh") && p.Contains("refresh"));
    }

    private static string Policy(string which, string rule) =>
        ConfigFiles.Minimal($"  neighbors = [\n    {{ address = \"192.0.2.2\", remote-as = 64496, {which} {{ rules = [ {rule} ] }} }}\n  ]");

    [Fact]
    public void Rpki_match_in_import_policy_becomes_a_filter_term()
    {
        var config = _files.LoadValid(Policy("import", "{ rpki = invalid, action = reject }"));
        var filter = RibConfiguration.ToRouteFilter(config.Neighbors[0].Import);
        Assert.True(filter.UsesRpki);
        Assert.Equal(RovState.Invalid, filter.Terms[0].Rpki);
        Assert.Equal(RovState.NotFound, RibConfiguration.ToRouteFilter(_files.LoadValid(Policy("import", "{ rpki = not-found, action = accept }")).Neighbors[0].Import).Terms[0].Rpki);
    }

    [Fact]
    public void Rpki_match_in_export_policy_is_refused()
    {
        var text = Policy("export", "{ rpki = invalid, action = reject }");
        Assert.Equal([$"akka-bgp.neighbors[0].export.rules[0].rpki ({_files.At(text, "invalid")}): matches in import policies only"], _files.Problems(text));
    }

    [Fact]
    public void Unknown_rpki_state_lists_the_choices()
    {
        var text = Policy("import", "{ rpki = unknown, action = reject }");
        Assert.Equal([$"akka-bgp.neighbors[0].import.rules[0].rpki ({_files.At(text, "unknown")}): \"unknown\" is not one of valid, invalid, not-found"], _files.Problems(text));
    }

    [Fact]
    public void Aspa_match_in_import_policy_becomes_a_filter_term_that_is_evaluated_again()
    {
        var filter = RibConfiguration.ToRouteFilter(_files.LoadValid(Policy("import", "{ aspa = invalid, action = reject }")).Neighbors[0].Import);
        Assert.Equal(AspaState.Invalid, filter.Terms[0].Aspa);
        Assert.True(filter.UsesRpki); // so the inbound side keeps the routes for re-evaluation when the ASPAs change
    }

    [Fact]
    public void Aspa_match_in_export_policy_is_refused_and_a_wrong_outcome_lists_the_choices()
    {
        var export = Policy("export", "{ aspa = invalid, action = reject }");
        Assert.Equal([$"akka-bgp.neighbors[0].export.rules[0].aspa ({_files.At(export, "invalid")}): matches in import policies only"], _files.Problems(export));
        var wrong = Policy("import", "{ aspa = not-found, action = reject }");
        Assert.Equal([$"akka-bgp.neighbors[0].import.rules[0].aspa ({_files.At(wrong, "not-found")}): \"not-found\" is not one of valid, invalid, unknown"], _files.Problems(wrong));
    }
}
