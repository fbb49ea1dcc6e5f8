using AkkaBgp.Rib.Policy;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests;

public sealed class RibConfigurationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Neighbor_rib_options_become_the_ribs_settings()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              cluster-id = "10.0.0.9"
              rib { default-local-pref = 200, always-compare-med = true, missing-med-as-worst = true, partitions = 3 }
              neighbors = [ {
                address = "192.0.2.2", remote-as = 65000, route-reflector-client = true, next-hop-self = true
                send-med = true, min-route-advertisement-interval = 5s
                capabilities.ipv6-unicast = false
                max-prefix { limit = 500, warning-threshold = 80 }
                import { default-action = reject, rules = [
                  { prefix = "10.0.0.0/8", le = 24, communities = ["65000:1", "65000:2"], action = accept, set-local-pref = 50 }
                ] }
                export { default-action = reject }
              } ]
            """));
        var rib = c.ToRibSettings();
        Assert.Equal((65000u, 0xC0000201u, 0x0A000009u), (rib.LocalAs, rib.RouterId, rib.EffectiveClusterId));
        Assert.Equal((200u, true, true, 3), (rib.Decision.DefaultLocalPref, rib.Decision.AlwaysCompareMed, rib.Decision.MissingMedAsWorst, rib.Partitions));

        var peer = c.Neighbors[0].ToPeerRibSettings();
        Assert.True(peer.RouteReflectorClient);
        Assert.Equal(NextHopMode.Self, peer.NextHop);
        Assert.True(peer.SendMed);
        Assert.Equal(TimeSpan.FromSeconds(5), peer.MinRouteAdvertisementInterval);
        Assert.Equal(new MaxPrefixSettings(500, 80, null), Assert.Single(peer.MaxPrefix, kv => kv.Key == AfiSafi.Ipv4Unicast).Value);
        Assert.Equal(FilterVerdict.Reject, peer.Import!.Default);
        Assert.Equal(2, peer.Import.Terms.Count);
        Assert.All(peer.Import.Terms, t =>
        {
            Assert.Equal(new PrefixListEntry(Prefix.Parse("10.0.0.0/8"), null, 24), Assert.Single(t.Prefixes!));
            Assert.Equal(FilterVerdict.Accept, t.Verdict);
            Assert.Equal(50u, t.SetLocalPref);
        });
        Assert.Equal([new Community(65000, 1), new Community(65000, 2)], peer.Import.Terms.Select(t => t.HasCommunity!.Value));
        Assert.Equal(FilterVerdict.Reject, peer.Export!.Default);
        Assert.Empty(peer.Export.Terms);
    }

    [Fact]
    public void Route_servers_pass_the_next_hop_on_and_defaults_keep_the_rib_defaults()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("  neighbors = [ { address = \"192.0.2.2\", remote-as = 64496, next-hop-unchanged = true } ]"));
        Assert.Equal(NextHopMode.Unchanged, c.Neighbors[0].ToPeerRibSettings().NextHop);
        var rib = c.ToRibSettings();
        Assert.Equal(100u, rib.Decision.DefaultLocalPref);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), rib.Partitions);
        Assert.Empty(c.Neighbors[0].ToPeerRibSettings().MaxPrefix);
    }

    [Fact]
    public void Graceful_restart_off_turns_the_ribs_helper_off_for_that_neighbor()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496, capabilities.graceful-restart = false }
                { address = "192.0.2.3", remote-as = 64497 }
              ]
            """));
        Assert.False(c.Neighbors[0].ToPeerRibSettings().GracefulRestartHelper);
        Assert.True(c.Neighbors[1].ToPeerRibSettings().GracefulRestartHelper);
    }

    [Fact]
    public void Stale_path_times_reach_the_ribs_settings_and_default_as_the_rib_does()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              neighbor-defaults { refresh-stale-path-time = 90s }
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496, stale-path-time = 2m }
                { address = "192.0.2.3", remote-as = 64497 }
              ]
            """));
        var first = c.Neighbors[0].ToPeerRibSettings();
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(90)), (first.StalePathTime, first.RefreshStalePathTime));
        var second = c.Neighbors[1].ToPeerRibSettings();
        Assert.Equal((PeerRibSettings.Default.StalePathTime, TimeSpan.FromSeconds(90)), (second.StalePathTime, second.RefreshStalePathTime));
    }
}
