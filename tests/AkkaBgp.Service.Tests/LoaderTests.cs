using System.Net;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Tests;

public sealed class LoaderTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Settings_left_out_come_from_reference_conf()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("  neighbors = [ { address = \"192.0.2.2\", remote-as = 64496 } ]"));
        Assert.Equal(new IPEndPoint(IPAddress.Any, 179), Assert.Single(c.Listen));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8558), c.Management.EndPoint);
        Assert.Equal(LogLevelName.Information, c.Logging.Level);
        Assert.Null(c.Logging.File);
        Assert.Equal(c.RouterId, c.ClusterId);

        var n = Assert.Single(c.Neighbors);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), n.PeerAddress);
        Assert.Equal(64496u, n.PeerAs);
        Assert.Equal(65000u, n.LocalAs);
        Assert.Equal(0xC0000201u, n.RouterId);
        Assert.Equal(179, n.PeerPort);
        Assert.Equal(TimeSpan.FromSeconds(90), n.HoldTime);
        Assert.Null(n.KeepaliveTime);
        Assert.Equal(TimeSpan.FromSeconds(120), n.ConnectRetryTime);
        Assert.Equal(TimeSpan.FromMinutes(4), n.OpenSentHoldTime);
        Assert.True(n.DampPeerOscillations);
        Assert.False(n.PassiveTcpEstablishment);
        Assert.Null(n.SendHoldTime);
        Assert.True(n.Capabilities.Ipv4Unicast && n.Capabilities.Ipv6Unicast && n.Capabilities.FourOctetAs);
        Assert.Empty(n.Capabilities.Required);
        Assert.Null(n.Password);
        Assert.Null(n.TtlSecurityHops);
        Assert.Null(n.MultihopTtl);
        Assert.Equal(RoutePolicy.AcceptAll, n.Import);
        Assert.Null(n.MaxPrefix);
    }

    [Fact]
    public void Every_session_attribute_is_read()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              neighbors = [ {
                address = "2001:db8::2", remote-as = 65000, description = "rr client", local-address = "2001:db8::1"
                local-port = 1790, port = 1179, hold-time = 30s, keepalive-time = 5s, min-hold-time = 9s
                open-sent-hold-time = 2m, connect-retry-time = 10s, passive = yes, delay-open = true, delay-open-time = 2s
                damp-peer-oscillations = false, idle-hold-time = 1s, max-idle-hold-time = 60s, idle-hold-stable-period = 5m
                allow-automatic-start = false, allow-automatic-stop = false, send-notification-without-open = true
                collision-detect-established-state = true, send-hold-time = 0s, shutdown-message = "maintenance"
                capabilities {
                  ipv4-unicast = false, route-refresh = false, enhanced-route-refresh = false, four-octet-as = false
                  graceful-restart = false, graceful-restart-time = 300s, extended-messages = false, extended-next-hop = true
                  add-path-receive = true, add-path-send = 4
                  required = [ipv6-unicast, route-refresh, graceful-restart, extended-next-hop, 73]
                }
                password = "md5-key", multihop = 3
                max-prefix { limit = 1000, warning-threshold = 80, restart-interval = 5m }
                route-reflector-client = true, next-hop-self = true
              } ]
            """));
        var n = Assert.Single(c.Neighbors);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), n.LocalAddress);
        Assert.Equal("rr client", n.Description);
        Assert.Equal((1790, 1179), (n.LocalPort, n.PeerPort));
        Assert.Equal(TimeSpan.FromSeconds(30), n.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(5), n.KeepaliveTime);
        Assert.Equal(TimeSpan.FromSeconds(9), n.MinHoldTime);
        Assert.Equal(TimeSpan.FromMinutes(2), n.OpenSentHoldTime);
        Assert.Equal(TimeSpan.FromSeconds(10), n.ConnectRetryTime);
        Assert.True(n.PassiveTcpEstablishment && n.DelayOpen);
        Assert.Equal(TimeSpan.FromSeconds(2), n.DelayOpenTime);
        Assert.False(n.DampPeerOscillations);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5)), (n.IdleHoldTime, n.MaxIdleHoldTime, n.IdleHoldStablePeriod));
        Assert.False(n.AllowAutomaticStart || n.AllowAutomaticStop);
        Assert.True(n.SendNotificationWithoutOpen && n.CollisionDetectEstablishedState);
        Assert.Equal(TimeSpan.Zero, n.SendHoldTime);
        Assert.Equal("maintenance", n.ShutdownCommunication);
        var caps = n.Capabilities;
        Assert.False(caps.Ipv4Unicast || caps.RouteRefresh || caps.EnhancedRouteRefresh || caps.FourOctetAs || caps.GracefulRestartHelper || caps.ExtendedMessages);
        Assert.True(caps.Ipv6Unicast && caps.ExtendedNextHop && caps.AddPathReceive);
        Assert.Equal(4, caps.AddPathSend);
        Assert.Equal(TimeSpan.FromSeconds(300), caps.GracefulRestartTime);
        Assert.Equal(new HashSet<byte> { CapabilityCode.RouteRefresh, CapabilityCode.GracefulRestart, CapabilityCode.ExtendedNextHop, 73 }, caps.Required);
        Assert.Equal(new HashSet<AfiSafi> { AfiSafi.Ipv6Unicast }, caps.RequiredFamilies);
        Assert.Equal("md5-key", n.Password);
        Assert.Equal(3, n.MultihopTtl);
        Assert.Equal(new MaxPrefixLimit { Limit = 1000, WarningThresholdPercent = 80, RestartInterval = TimeSpan.FromMinutes(5) }, n.MaxPrefix);
        Assert.True(n.RouteReflectorClient && n.NextHopSelf && n.IsInternal);
    }

    [Fact]
    public void Neighbor_defaults_merge_under_each_neighbor_key_by_key()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              neighbor-defaults {
                hold-time = 30s
                passive = true
                capabilities { route-refresh = false, required = [four-octet-as] }
                ttl-security = 1
              }
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496 }
                { address = "192.0.2.3", remote-as = 64497, hold-time = 9s, capabilities { ipv6-unicast = false }, ttl-security = null }
              ]
            """));
        var (a, b) = (c.Neighbors[0], c.Neighbors[1]);
        Assert.Equal(TimeSpan.FromSeconds(30), a.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(9), b.HoldTime);
        Assert.True(a.PassiveTcpEstablishment && b.PassiveTcpEstablishment);
        Assert.False(a.Capabilities.RouteRefresh);
        Assert.False(b.Capabilities.RouteRefresh); // the nested object merged, not replaced
        Assert.False(b.Capabilities.Ipv6Unicast);
        Assert.True(a.Capabilities.Ipv6Unicast);
        Assert.Equal(new HashSet<byte> { CapabilityCode.FourOctetAs }, b.Capabilities.Required);
        Assert.Equal(1, a.TtlSecurityHops);
        Assert.Null(b.TtlSecurityHops);
        // Defaults untouched by the user still come from reference.conf underneath.
        Assert.Equal(TimeSpan.FromSeconds(120), b.ConnectRetryTime);
    }

    [Fact]
    public void Substitutions_and_includes_work_across_the_user_file()
    {
        _files.Write("neighbors = [ { address = \"192.0.2.2\", remote-as = ${upstream-as} } ]", "peers.conf");
        var c = _files.LoadValid("""
            upstream-as = 64496
            akka-bgp { router-id = "192.0.2.1", local-as = 65000, include "peers.conf" }
            akka-bgp.neighbor-defaults.hold-time = ${akka-bgp.neighbor-defaults.connect-retry-time}
            """);
        Assert.Equal(64496u, Assert.Single(c.Neighbors).PeerAs);
        Assert.Equal(TimeSpan.FromSeconds(120), c.Neighbors[0].HoldTime);
        Assert.Equal(64496, c.Source.GetInt("upstream-as"));
    }

    [Fact]
    public void Dynamic_neighbors_are_passive_templates()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              neighbor-defaults { hold-time = 60s }
              dynamic-neighbors = [
                { prefix = "10.0.0.0/8", remote-as-range = "64512-65534", limit = 50, description = "collectors" }
                { prefix = "2001:db8:100::/40", remote-as = 65001, hold-time = 180s }
              ]
            """));
        var (v4, v6) = (c.DynamicNeighbors[0], c.DynamicNeighbors[1]);
        Assert.Equal(Prefix.Parse("10.0.0.0/8"), v4.Prefix);
        Assert.Equal((64512u, 65534u, 50), (v4.MinAs, v4.MaxAs, v4.Limit));
        Assert.True(v4.Template.PassiveTcpEstablishment);
        Assert.Equal(TimeSpan.FromSeconds(60), v4.Template.HoldTime);
        Assert.Equal("collectors", v4.Template.Description);
        Assert.True(v4.Contains(IPAddress.Parse("10.9.8.7")));
        Assert.False(v4.Contains(IPAddress.Parse("11.0.0.1")));
        Assert.False(v4.Contains(IPAddress.Parse("2001:db8:100::1")));
        Assert.True(v4.Accepts(65000) && !v4.Accepts(65535));
        var peer = v4.For(IPAddress.Parse("10.1.2.3"), 64999);
        Assert.Equal((IPAddress.Parse("10.1.2.3"), 64999u), (peer.PeerAddress, peer.PeerAs));
        Assert.Equal(100, v6.Limit);
        Assert.Equal((65001u, 65001u), (v6.MinAs, v6.MaxAs));
        Assert.Equal(TimeSpan.FromSeconds(180), v6.Template.HoldTime);
    }

    [Fact]
    public void Routes_and_policies_become_plain_records()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              cluster-id = "10.255.0.1"
              neighbors = [ {
                address = "192.0.2.2", remote-as = 64496
                import { default-action = reject, rules = [
                  { prefix = "0.0.0.0/0", ge = 8, le = 24, communities = ["64496:1", blackhole], action = accept, set-local-pref = 200, remove-communities = [no-export] }
                  { as-path-contains = 64666, large-communities = ["64496:0:1"], action = reject }
                ] }
                export { default-action = reject, rules = [ { prefix = "198.51.100.0/24", action = accept, add-communities = ["65000:100"], add-large-communities = ["65000:1:1"], set-med = 5 } ] }
              } ]
              routes = [
                { prefix = "198.51.100.0/24", communities = ["65000:100", no-export], large-communities = ["65000:1:1"], med = 10, local-pref = 150, as-path-prepend = 2 }
                { prefix = "2001:db8:1::/48", next-hop = "2001:db8::1" }
                { prefix = "203.0.113.0/24", next-hop = self }
              ]
            """));
        Assert.Equal(0x0AFF0001u, c.ClusterId);
        var n = Assert.Single(c.Neighbors);
        Assert.Equal(PolicyAction.Reject, n.Import.DefaultAction);
        Assert.Equal(new PolicyRule
        {
            Prefix = Prefix.Parse("0.0.0.0/0"), MinLength = 8, MaxLength = 24,
            Communities = [new Community(64496, 1), Community.Blackhole],
            Action = PolicyAction.Accept, SetLocalPref = 200, RemoveCommunities = [Community.NoExport],
        }, n.Import.Rules[0]);
        Assert.Equal(new PolicyRule { AsPathContains = 64666, LargeCommunities = [new LargeCommunity(64496, 0, 1)], Action = PolicyAction.Reject }, n.Import.Rules[1]);
        Assert.Equal(new PolicyRule
        {
            Prefix = Prefix.Parse("198.51.100.0/24"), Action = PolicyAction.Accept, SetMed = 5,
            AddCommunities = [new Community(65000, 100)], AddLargeCommunities = [new LargeCommunity(65000, 1, 1)],
        }, Assert.Single(n.Export.Rules));

        Assert.Equal(3, c.Routes.Count);
        var r = c.Routes[0];
        Assert.Equal(Prefix.Parse("198.51.100.0/24"), r.Prefix);
        Assert.Null(r.NextHop);
        Assert.Equal([new Community(65000, 100), Community.NoExport], r.Communities);
        Assert.Equal([new LargeCommunity(65000, 1, 1)], r.LargeCommunities);
        Assert.Equal((10u, 150u, 2), (r.Med, r.LocalPref, r.AsPathPrepend));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), c.Routes[1].NextHop);
        Assert.Null(c.Routes[2].NextHop);
    }

    [Fact]
    public void Logging_settings_are_read()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal("""
              logging {
                level = warning
                levels { "AkkaBgp.Session" = debug, AkkaBgp = error }
                file { path = "/var/log/akka-bgp/bgp.log", rolling = hour, retained-files = 24, json = false }
              }
            """));
        Assert.Equal(LogLevelName.Warning, c.Logging.Level);
        Assert.Equal(LogLevelName.Debug, c.Logging.Levels["AkkaBgp.Session"]);
        Assert.Equal(LogLevelName.Error, c.Logging.Levels["AkkaBgp"]);
        Assert.Equal(new LogFileSettings("/var/log/akka-bgp/bgp.log", LogRolling.Hour, 24, false), c.Logging.File);
    }

    [Fact]
    public void A_broken_file_reports_every_problem_at_once()
    {
        var text = """
            akka-bgp {
              router-id = "10.1"
              local-as = 23456
              listen = [ { address = "0.0.0.0", port = 70000 } ]
              management { address = "0.0.0.0" }
              logging.level = loud
              neighbor-defaults { hold-time = 2s, keepalive-tme = 10s }
              neighbors = [
                { address = "192.0.2.1", remote-as = 64496, hold-time = 30s, keepalive-time = 30s }
                { address = "192.0.2.1", remote-as = 0 }
                { address = "192.0.2.300", remote-as = 64497, holdtime = 90s }
              ]
              dynamic-neighbors = [ { prefix = "10.0.0.1/8", remote-as = 65001 } ]
              routes = [ { prefix = "198.51.100.0/24", communities = ["65000:70000"] } ]
            }
            """;
        var f = _files.Write(text);
        var problems = ConfigLoader.Load(f, ConfigFiles.Reference).Problems.Select(p => p.ToString()).ToList();
        Assert.Equal(
        [
            $"akka-bgp.router-id ({f}:2:15): \"10.1\" is not a dotted IPv4 address (e.g. 192.0.2.1)",
            $"akka-bgp.local-as ({f}:3:14): 23456 is AS_TRANS (RFC 6793 section 9) and cannot be used as an AS number",
            $"akka-bgp.listen[0].port ({f}:4:44): 70000 is out of range (1..65535)",
            $"akka-bgp.management.address ({f}:5:26): 0.0.0.0 is not a loopback address and management.token is not set: the write endpoints would be open to the network (set a token, e.g. through AKKA_BGP_MANAGEMENT_TOKEN)",
            $"akka-bgp.logging.level ({f}:6:19): \"loud\" is not one of verbose, debug, information, warning, error, fatal",
            $"akka-bgp.neighbor-defaults.keepalive-tme ({f}:7:55): unknown key, did you mean keepalive-time?",
            $"akka-bgp.neighbor-defaults.hold-time ({f}:7:35): 2s is not allowed (0 or at least 3s)",
            $"akka-bgp.neighbors[0].keepalive-time ({f}:9:83): 30s must be less than hold-time (30s)",
            $"akka-bgp.neighbors[1].address ({f}:10:17): 192.0.2.1 is already configured at akka-bgp.neighbors[0].address ({f}:9:17)",
            $"akka-bgp.neighbors[1].remote-as ({f}:10:42): 0 is out of range (1..4294967295)",
            $"akka-bgp.neighbors[2].holdtime ({f}:11:62): unknown key, did you mean hold-time?",
            $"akka-bgp.neighbors[2].address ({f}:11:17): \"192.0.2.300\" is not an IPv4 or IPv6 address",
            $"akka-bgp.dynamic-neighbors[0].prefix ({f}:13:36): \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)",
            $"akka-bgp.routes[0].communities[0] ({f}:14:59): \"65000:70000\" is not a community (asn:value with both 0..65535, or one of no-export, no-advertise, no-export-subconfed, no-peer, blackhole, graceful-shutdown, accept-own)",
        ], problems, StringComparer.Ordinal);
    }
}

public sealed class ReloadEqualityTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Loading_the_same_file_twice_gives_equal_neighbors_so_a_reload_can_tell_what_changed()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [ {
                address = "192.0.2.2", remote-as = 64496
                capabilities.required = [route-refresh, ipv4-unicast]
                import.rules = [ { prefix = "10.0.0.0/8", le = 24, communities = ["1:1"], action = reject } ]
                max-prefix.limit = 10
              } ]
            """);
        var a = _files.LoadValid(text).Neighbors[0];
        var b = _files.LoadValid(text).Neighbors[0];
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var c = _files.LoadValid(text.Replace("route-refresh, ", "")).Neighbors[0];
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Routes_and_logging_compare_by_value_too()
    {
        var text = ConfigFiles.Minimal("""
              routes = [ { prefix = "192.0.2.0/24", communities = ["1:1"], large-communities = ["1:2:3"] } ]
              logging.levels { "AkkaBgp.Session" = debug }
            """);
        var (a, b) = (_files.LoadValid(text), _files.LoadValid(text));
        Assert.Equal(a.Routes[0], b.Routes[0]);
        Assert.Equal(a.Logging, b.Logging);
        Assert.NotEqual(a.Routes[0], _files.LoadValid(text.Replace("1:1", "1:2")).Routes[0]);
    }

    [Fact]
    public void Unquoted_addresses_prefixes_and_spaced_units_read_as_written()
    {
        var c = _files.LoadValid("""
            akka-bgp {
              router-id = 192.0.2.1
              local-as = 65000
              neighbors = [ { address = 10.0.0.1, remote-as = 64496, hold-time = 30 s, keepalive-time = 10 seconds } ]
              routes = [ { prefix = 10.1.0.0/16, next-hop = 10.0.0.2 } ]
            }
            """);
        Assert.Equal(System.Net.IPAddress.Parse("10.0.0.1"), c.Neighbors[0].PeerAddress);
        Assert.Equal((TimeSpan.FromSeconds(30), (TimeSpan?)TimeSpan.FromSeconds(10)), (c.Neighbors[0].HoldTime, c.Neighbors[0].KeepaliveTime));
        Assert.Equal(Prefix.Parse("10.1.0.0/16"), c.Routes[0].Prefix);
    }
}
