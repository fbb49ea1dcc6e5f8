namespace AkkaBgp.Service.Tests;

/// <summary>One test per rule: the exact message, with the setting's path and where its value was written.</summary>
public sealed class ValidationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private void AssertSingle(string text, string path, string needle, string message, int occurrence = 1)
    {
        var problems = _files.Problems(text);
        Assert.Equal([$"{path} ({_files.At(text, needle, occurrence)}): {message}"], problems);
    }

    private static string Neighbor(string settings) =>
        ConfigFiles.Minimal($"  neighbors = [\n    {{ address = \"192.0.2.2\", remote-as = 64496, {settings} }}\n  ]");

    [Fact]
    public void Hold_time_between_zero_and_three_seconds_is_refused_with_its_exact_location()
    {
        var text = Neighbor("hold-time = 2s");
        var problems = _files.Problems(text);
        Assert.Equal([$"akka-bgp.neighbors[0].hold-time ({_files.At(text, "2s")}): 2s is not allowed (0 or at least 3s)"], problems);
        Assert.EndsWith("test.conf:5:61): 2s is not allowed (0 or at least 3s)", problems[0]);
    }

    [Fact]
    public void Hold_time_zero_is_allowed() => _files.LoadValid(Neighbor("hold-time = 0s"));

    [Fact]
    public void A_bare_number_is_pointed_out_as_milliseconds()
    {
        var text = Neighbor("hold-time = 90");
        AssertSingle(text, "akka-bgp.neighbors[0].hold-time", "90 }", "90 (a bare number is milliseconds) is not allowed (0 or at least 3s)");
    }

    [Fact]
    public void Hold_time_must_be_whole_seconds_and_fit_the_open_message()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496, hold-time = 3500ms }
                { address = "192.0.2.3", remote-as = 64496, hold-time = 20h }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].hold-time ({_files.At(text, "3500ms")}): 3500ms is not a whole number of seconds (BGP carries it in seconds)",
            $"akka-bgp.neighbors[1].hold-time ({_files.At(text, "20h")}): 20h is too long (at most 65535s)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Keepalive_must_be_less_than_hold_time()
    {
        var text = Neighbor("hold-time = 30s, keepalive-time = 30s");
        AssertSingle(text, "akka-bgp.neighbors[0].keepalive-time", "30s", "30s must be less than hold-time (30s)", occurrence: 2);
    }

    [Fact]
    public void Keepalive_from_the_defaults_is_checked_against_the_neighbors_own_hold_time()
    {
        var text = ConfigFiles.Minimal("""
              neighbor-defaults { keepalive-time = 20s }
              neighbors = [ { address = "192.0.2.2", remote-as = 64496, hold-time = 15s } ]
            """);
        AssertSingle(text, "akka-bgp.neighbors[0].keepalive-time", "20s", "20s must be less than hold-time (15s)");
    }

    [Fact]
    public void Type_errors_name_the_expected_type()
    {
        var text = Neighbor("passive = maybe, connect-retry-time = soon");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].connect-retry-time ({_files.At(text, "soon")}): expected a duration with a unit of ns, us, ms, s, m, h or d (lowercase) or their long forms; 'soon' is not one, found string \"soon\"",
            $"akka-bgp.neighbors[0].passive ({_files.At(text, "maybe")}): expected a boolean (true/false, yes/no, on/off), found string \"maybe\"",
        ], _files.Problems(text).Order());
    }

    [Fact]
    public void Durations_that_must_be_positive()
    {
        var text = Neighbor("connect-retry-time = 0s");
        AssertSingle(text, "akka-bgp.neighbors[0].connect-retry-time", "0s", "0s is not allowed (must be more than 0)");
    }

    [Fact]
    public void Stale_path_times_must_be_positive()
    {
        var text = Neighbor("stale-path-time = 0s, refresh-stale-path-time = -5s");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].refresh-stale-path-time ({_files.At(text, "-5s")}): -5s is negative",
            $"akka-bgp.neighbors[0].stale-path-time ({_files.At(text, "0s")}): 0s is not allowed (must be more than 0)",
        ], _files.Problems(text).Order());
    }

    [Fact]
    public void Max_idle_hold_time_below_idle_hold_time()
    {
        var text = Neighbor("idle-hold-time = 30s, max-idle-hold-time = 10s");
        AssertSingle(text, "akka-bgp.neighbors[0].max-idle-hold-time", "10s", "10s is less than idle-hold-time (30s)");
    }

    [Fact]
    public void Unknown_keys_get_a_suggestion_at_every_level()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496, holdtime = 30s, capabilities { route-refesh = false } }
              ]
              managment { port = 9000 }
            """);
        Assert.Equal(
        [
            $"akka-bgp.managment ({_files.At(text, "{ port")}): unknown key, did you mean management?",
            $"akka-bgp.neighbors[0].holdtime ({_files.At(text, "30s")}): unknown key, did you mean hold-time?",
            $"akka-bgp.neighbors[0].capabilities.route-refesh ({_files.At(text, "false")}): unknown key, did you mean route-refresh?",
        ], _files.Problems(text));
    }

    [Fact]
    public void Unknown_key_without_a_close_match_lists_the_known_ones_when_few()
    {
        var text = ConfigFiles.Minimal("  management { colour = blue }");
        AssertSingle(text, "akka-bgp.management.colour", "blue", "unknown key (known here: address, port, token, tls, rib-query-give-way)");
    }

    [Fact]
    public void Rib_query_give_way_is_read_with_its_defaults_and_bounds()
    {
        var defaults = _files.LoadValid(ConfigFiles.Minimal(""));
        Assert.Equal(50_000, defaults.Management.GiveWayAbove);
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.Management.GiveWayMaxWait);

        var set = _files.LoadValid(ConfigFiles.Minimal("  management { rib-query-give-way { busy-above = 1000, max-wait = 250ms } }"));
        Assert.Equal(1000, set.Management.GiveWayAbove);
        Assert.Equal(TimeSpan.FromMilliseconds(250), set.Management.GiveWayMaxWait);
        var never = _files.LoadValid(ConfigFiles.Minimal("  management { rib-query-give-way { max-wait = 0s } }"));
        Assert.Equal(TimeSpan.Zero, never.Management.GiveWayMaxWait);

        var tooLong = ConfigFiles.Minimal("  management { rib-query-give-way { max-wait = 30s } }");
        AssertSingle(tooLong, "akka-bgp.management.rib-query-give-way.max-wait", "30s", "30s is longer than 10s (the API's own timeout)");
        var zero = ConfigFiles.Minimal("  management { rib-query-give-way { busy-above = 0 } }");
        AssertSingle(zero, "akka-bgp.management.rib-query-give-way.busy-above", "0 }", "0 is out of range (1..100000000)");
    }

    [Fact]
    public void A_misspelt_top_level_section_is_caught_instead_of_ignored()
    {
        var text = "akka-bpg { local-as = 1 }\nakka-bgp { router-id = \"192.0.2.1\", local-as = 65000 }\nhelpers { x = 1 }\n";
        AssertSingle(text, "akka-bpg", "{ local-as", "unknown key, did you mean akka-bgp?");
    }

    [Fact]
    public void Truncated_and_underscored_keys_are_recognised()
    {
        var text = Neighbor("keepalive = 10s, remote_port = 1179");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].keepalive ({_files.At(text, "10s")}): unknown key, did you mean keepalive-time?",
            $"akka-bgp.neighbors[0].remote_port ({_files.At(text, "1179")}): unknown key (HOCON/reference.conf lists every setting)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Router_id_must_be_a_dotted_ipv4_address()
    {
        var text = "akka-bgp { router-id = \"10.1\", local-as = 65000 }";
        AssertSingle(text, "akka-bgp.router-id", "\"10.1\"", "\"10.1\" is not a dotted IPv4 address (e.g. 192.0.2.1)");
        text = "akka-bgp { router-id = \"2001:db8::1\", local-as = 65000 }";
        AssertSingle(text, "akka-bgp.router-id", "\"2001", "\"2001:db8::1\" is not a dotted IPv4 address (e.g. 192.0.2.1)");
        text = "akka-bgp { router-id = \"0.0.0.0\", local-as = 65000 }";
        AssertSingle(text, "akka-bgp.router-id", "\"0.0.0.0\"", "0.0.0.0 is not a valid BGP Identifier (RFC 6286 section 2.1)");
    }

    [Theory]
    [InlineData("0", "0 is out of range (1..4294967295)")]
    [InlineData("4294967296", "4294967296 is out of range (1..4294967295)")]
    [InlineData("23456", "23456 is AS_TRANS (RFC 6793 section 9) and cannot be used as an AS number")]
    [InlineData("\"AS65000\"", "expected a number, found string \"AS65000\"")]
    public void Local_as_range(string value, string message)
    {
        var text = $"akka-bgp {{ local-as = {value}, router-id = \"192.0.2.1\" }}";
        AssertSingle(text, "akka-bgp.local-as", value, message);
    }

    [Fact]
    public void Four_octet_as_numbers_are_accepted()
    {
        var c = _files.LoadValid("akka-bgp { router-id = \"192.0.2.1\", local-as = 4200000000 }");
        Assert.Equal(4200000000u, c.LocalAs);
    }

    [Fact]
    public void Remote_as_is_required_and_range_checked()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [
                { address = "192.0.2.2" }
                { address = "192.0.2.3", remote-as = -5 }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].remote-as ({_files.At(text, "{ address")}): required (the neighbor's AS number)",
            $"akka-bgp.neighbors[1].remote-as ({_files.At(text, "-5")}): -5 is out of range (1..4294967295)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Neighbor_addresses_are_parsed_strictly_and_must_be_unique()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496 }
                { address = "10.1", remote-as = 64496 }
                { address = "192.0.2.2", remote-as = 64497 }
                { address = "224.0.0.5", remote-as = 64497 }
                { remote-as = 64497 }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbors[1].address ({_files.At(text, "\"10.1\"")}): \"10.1\" is not an IPv4 or IPv6 address",
            $"akka-bgp.neighbors[2].address ({_files.At(text, "\"192.0.2.2\"", 2)}): 192.0.2.2 is already configured at akka-bgp.neighbors[0].address ({_files.At(text, "\"192.0.2.2\"")})",
            $"akka-bgp.neighbors[3].address ({_files.At(text, "\"224.0.0.5\"")}): 224.0.0.5 is not a unicast host address",
            $"akka-bgp.neighbors[4].address ({_files.At(text, "{ remote-as = 64497 }")}): required (the neighbor's IP address)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Ipv6_neighbors_and_equal_addresses_in_different_spelling_are_duplicates()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = [
                { address = "2001:db8::2", remote-as = 64496 }
                { address = "2001:0db8:0::2", remote-as = 64496 }
              ]
            """);
        AssertSingle(text, "akka-bgp.neighbors[1].address", "\"2001:0db8", $"2001:db8::2 is already configured at akka-bgp.neighbors[0].address ({_files.At(text, "\"2001:db8::2\"")})");
    }

    [Fact]
    public void Local_address_must_match_the_neighbor_family()
    {
        var text = Neighbor("local-address = \"2001:db8::1\"");
        AssertSingle(text, "akka-bgp.neighbors[0].local-address", "\"2001:db8::1\"", "2001:db8::1 is not of the same family as the neighbor address 192.0.2.2");
    }

    [Fact]
    public void Ports_are_range_checked()
    {
        var text = ConfigFiles.Minimal("""
              listen = [ { address = "127.0.0.1", port = 0 } ]
              neighbors = [ { address = "192.0.2.2", remote-as = 64496, port = 65536, local-port = -1 } ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.listen[0].port ({_files.At(text, "0 }")}): 0 is out of range (1..65535)",
            $"akka-bgp.neighbors[0].local-port ({_files.At(text, "-1")}): -1 is out of range (0..65535)",
            $"akka-bgp.neighbors[0].port ({_files.At(text, "65536")}): 65536 is out of range (1..65535)",
        ], _files.Problems(text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Passive_neighbors_need_a_listener()
    {
        var text = ConfigFiles.Minimal("""
              listen = []
              neighbors = [ { address = "192.0.2.2", remote-as = 64496, passive = true } ]
            """);
        AssertSingle(text, "akka-bgp.listen", "[]", "is empty, but neighbor 192.0.2.2 is passive: it could never connect");
        text = ConfigFiles.Minimal("""
              listen = []
              dynamic-neighbors = [ { prefix = "10.0.0.0/8", remote-as = 64496 } ]
            """);
        AssertSingle(text, "akka-bgp.listen", "[]", "is empty, but dynamic-neighbors accept 10.0.0.0/8: nobody could connect");
        _files.LoadValid(ConfigFiles.Minimal("  listen = []\n  neighbors = [ { address = \"192.0.2.2\", remote-as = 64496 } ]"));
    }

    [Fact]
    public void Duplicate_listen_endpoints()
    {
        var text = ConfigFiles.Minimal("  listen = [ { address = \"127.0.0.1\", port = 1179 }, { address = \"127.0.0.1\", port = 1179 } ]");
        AssertSingle(text, "akka-bgp.listen[1].address", "\"127.0.0.1\"", "127.0.0.1:1179 is listed twice", occurrence: 2);
    }

    [Fact]
    public void Management_on_a_public_address_needs_a_token()
    {
        var text = ConfigFiles.Minimal("  management { address = \"0.0.0.0\" }");
        AssertSingle(text, "akka-bgp.management.address", "\"0.0.0.0\"",
            "0.0.0.0 is not a loopback address and management.token is not set: the write endpoints would be open to the network (set a token, e.g. through AKKA_BGP_MANAGEMENT_TOKEN)");
        var withToken = _files.LoadValid(ConfigFiles.Minimal("  management { address = \"0.0.0.0\", token = s3cret }"));
        Assert.Equal("s3cret", withToken.Management.Token);
    }

    [Fact]
    public void Management_token_comes_from_the_environment()
    {
        var text = ConfigFiles.Minimal("  management { address = \"::\" }");
        var result = _files.Load(text, name => name == "AKKA_BGP_MANAGEMENT_TOKEN" ? "from-env" : null);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal("from-env", result.Config!.Management.Token);
    }

    [Fact]
    public void Logging_levels_are_checked_per_category()
    {
        var text = ConfigFiles.Minimal("""
              logging {
                level = loud
                levels { "AkkaBgp.Session" = debug, "AkkaBgp.Transport" = chatty }
                file { path = "/var/log/akka-bgp/bgp.log", rolling = weekly }
              }
            """);
        Assert.Equal(
        [
            $"akka-bgp.logging.level ({_files.At(text, "loud")}): \"loud\" is not one of verbose, debug, information, warning, error, fatal",
            $"akka-bgp.logging.levels.\"AkkaBgp.Transport\" ({_files.At(text, "chatty")}): \"chatty\" is not one of verbose, debug, information, warning, error, fatal",
            $"akka-bgp.logging.file.rolling ({_files.At(text, "weekly")}): \"weekly\" is not one of infinite, year, month, day, hour, minute",
        ], _files.Problems(text));
    }

    [Fact]
    public void Shutdown_message_and_password_length_limits()
    {
        var longText = new string('x', 256);
        var longKey = new string('k', 81);
        var text = Neighbor($"shutdown-message = \"{longText}\", password = \"{longKey}\"");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].shutdown-message ({_files.At(text, "\"xxx")}): is 256 octets of UTF-8; a shutdown communication holds at most 255 (RFC 9003)",
            $"akka-bgp.neighbors[0].password ({_files.At(text, "\"kkk")}): is 81 octets; a TCP-MD5 key holds at most 80",
        ], _files.Problems(text));
    }

    [Fact]
    public void Gtsm_and_multihop_exclude_each_other_and_are_range_checked()
    {
        var text = Neighbor("ttl-security = 1, multihop = 2");
        AssertSingle(text, "akka-bgp.neighbors[0].ttl-security", "1, multihop", "cannot be combined with multihop (GTSM sends every packet with TTL 255)");
        text = Neighbor("ttl-security = 255");
        AssertSingle(text, "akka-bgp.neighbors[0].ttl-security", "255", "255 is out of range (1..254)");
        text = Neighbor("multihop = 0");
        AssertSingle(text, "akka-bgp.neighbors[0].multihop", "0 }", "0 is out of range (1..255)");
    }

    [Fact]
    public void Capabilities_need_a_family_and_known_required_names()
    {
        var text = Neighbor("capabilities { ipv4-unicast = false, ipv6-unicast = off, required = [route-refresh, \"four-octet\", 99] }");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].capabilities.ipv4-unicast ({_files.At(text, "false")}): no address family left: ipv4-unicast and ipv6-unicast are both off",
            $"akka-bgp.neighbors[0].capabilities.required[1] ({_files.At(text, "\"four-octet\"")}): \"four-octet\" is not a capability, did you mean four-octet-as?",
        ], _files.Problems(text));
    }

    [Fact]
    public void Graceful_restart_time_fits_twelve_bits()
    {
        var text = Neighbor("capabilities { graceful-restart-time = 2h }");
        AssertSingle(text, "akka-bgp.neighbors[0].capabilities.graceful-restart-time", "2h", "2h is too long (at most 4095s, a 12-bit field, RFC 4724 section 3)");
    }

    [Theory]
    [InlineData("all", AkkaBgp.Session.CapabilitySettings.AddPathSendAll)]
    [InlineData("off", 0)]
    [InlineData("2", 2)]
    [InlineData("\"255\"", 255)]
    public void Add_path_send_is_off_all_or_a_number_of_paths(string value, int expected)
    {
        var c = _files.LoadValid(Neighbor($"capabilities {{ add-path-send = {value} }}"));
        Assert.Equal(expected, Assert.Single(c.Neighbors).Capabilities.AddPathSend);
    }

    [Theory]
    [InlineData("many")]
    [InlineData("0.5")]
    [InlineData("256")]
    public void Add_path_send_names_the_key_and_what_it_takes(string value)
    {
        AssertSingle(Neighbor($"capabilities {{ add-path-send = {value} }}"), "akka-bgp.neighbors[0].capabilities.add-path-send", value,
            $"\"{value}\" is not off, all, or a number of paths per prefix from 1 to 255");
    }

    [Fact]
    public void Route_reflector_client_is_for_internal_neighbors()
    {
        var text = Neighbor("route-reflector-client = true");
        AssertSingle(text, "akka-bgp.neighbors[0].route-reflector-client", "true", "applies to internal neighbors only (remote-as 64496 is not local-as 65000)");
    }

    [Fact]
    public void Next_hop_self_and_unchanged_exclude_each_other()
    {
        var text = Neighbor("next-hop-self = true, next-hop-unchanged = true");
        AssertSingle(text, "akka-bgp.neighbors[0].next-hop-unchanged", "true }", "cannot be combined with next-hop-self");
    }

    [Fact]
    public void Rib_settings_are_checked()
    {
        var text = ConfigFiles.Minimal("  rib { partitions = -1, always-compare-meds = true }");
        Assert.Equal(
        [
            $"akka-bgp.rib.always-compare-meds ({_files.At(text, "true")}): unknown key, did you mean always-compare-med?",
            $"akka-bgp.rib.partitions ({_files.At(text, "-1")}): -1 is out of range (0..1024)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Null_is_refused_where_a_setting_has_no_off_value()
    {
        var text = Neighbor("hold-time = null");
        AssertSingle(text, "akka-bgp.neighbors[0].hold-time", "null", "cannot be null (leave it out to get the default)");
    }

    [Fact]
    public void Policy_rules_are_checked()
    {
        var text = Neighbor("""
            import { default-action = drop, rules = [
                  { prefix = "10.0.0.0/8", ge = 24, le = 16, action = reject }
                  { prefix = "10.0.0.1/8", action = accept }
                  { communities = ["65000:1"], set-med = -1 }
                  { le = 24, action = accept, colour = red }
                ] }
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].import.default-action ({_files.At(text, "drop")}): \"drop\" is not one of accept, reject",
            $"akka-bgp.neighbors[0].import.rules[0].ge ({_files.At(text, "24, le")}): 24 is greater than le (16)",
            $"akka-bgp.neighbors[0].import.rules[1].prefix ({_files.At(text, "\"10.0.0.1/8\"")}): \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)",
            $"akka-bgp.neighbors[0].import.rules[2].action ({_files.At(text, "{ communities")}): required (accept or reject)",
            $"akka-bgp.neighbors[0].import.rules[2].set-med ({_files.At(text, "-1")}): -1 is out of range (0..4294967295)",
            $"akka-bgp.neighbors[0].import.rules[3].colour ({_files.At(text, "red")}): unknown key (HOCON/reference.conf lists every setting)",
            $"akka-bgp.neighbors[0].import.rules[3].le ({_files.At(text, "24, action = accept")}): needs a prefix to apply to",
        ], _files.Problems(text));
    }

    [Fact]
    public void Max_prefix_needs_a_limit_and_a_percentage()
    {
        var text = Neighbor("max-prefix { warning-threshold = 120 }");
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].max-prefix.limit ({_files.At(text, "{ warning")}): required (the most prefixes accepted per family)",
            $"akka-bgp.neighbors[0].max-prefix.warning-threshold ({_files.At(text, "120")}): 120 is out of range (1..100)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Dynamic_neighbor_ranges_are_checked()
    {
        var text = ConfigFiles.Minimal("""
              dynamic-neighbors = [
                { prefix = "10.0.0.1/8", remote-as-range = "65000-64000" }
                { prefix = "10.1.0.0/16", remote-as = 65001, remote-as-range = "1-2" }
                { prefix = "10.2.0.0/16", remote-as = 65001, passive = false }
                { prefix = "10.2.128.0/17", remote-as = 65001 }
                { prefix = "10.3.0.0/16" }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.dynamic-neighbors[0].prefix ({_files.At(text, "\"10.0.0.1/8\"")}): \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)",
            $"akka-bgp.dynamic-neighbors[0].remote-as-range ({_files.At(text, "\"65000-64000\"")}): \"65000-64000\" is not an AS range (low-high, e.g. 64512-65534, 1 <= low <= high <= 4294967295)",
            $"akka-bgp.dynamic-neighbors[1].remote-as ({_files.At(text, "65001, remote-as-range")}): set either remote-as or remote-as-range, not both",
            $"akka-bgp.dynamic-neighbors[2].passive ({_files.At(text, "false")}): dynamic neighbors are always passive (we cannot dial a range)",
            $"akka-bgp.dynamic-neighbors[3].prefix ({_files.At(text, "\"10.2.128.0/17\"")}): 10.2.128.0/17 overlaps 10.2.0.0/16 at akka-bgp.dynamic-neighbors[2].prefix ({_files.At(text, "\"10.2.0.0/16\"")})",
            $"akka-bgp.dynamic-neighbors[4].remote-as ({_files.At(text, "{ prefix = \"10.3")}): required (the neighbors' AS number, or remote-as-range)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Routes_are_checked()
    {
        var text = ConfigFiles.Minimal("""
              routes = [
                { prefix = "198.51.100.0/24", next-hop = "2001:db8::1", communities = ["65000:70000", no-export] }
                { prefix = "198.51.100.0/24", large-communities = ["1:2"] }
                { prefix = "203.0.113.0/33", as-path-prepend = 33 }
                { next-hop = self }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.routes[0].next-hop ({_files.At(text, "\"2001:db8::1\"")}): 2001:db8::1 is not of the same family as the prefix 198.51.100.0/24",
            $"akka-bgp.routes[0].communities[0] ({_files.At(text, "\"65000:70000\"")}): \"65000:70000\" is not a community (asn:value with both 0..65535, or one of no-export, no-advertise, no-export-subconfed, no-peer, blackhole, graceful-shutdown, accept-own)",
            $"akka-bgp.routes[1].prefix ({_files.At(text, "\"198.51.100.0/24\"", 2)}): 198.51.100.0/24 is already announced at akka-bgp.routes[0].prefix ({_files.At(text, "\"198.51.100.0/24\"")})",
            $"akka-bgp.routes[1].large-communities[0] ({_files.At(text, "\"1:2\"")}): \"1:2\" is not a large community (global:local1:local2, each 0..4294967295)",
            $"akka-bgp.routes[2].prefix ({_files.At(text, "\"203.0.113.0/33\"")}): \"203.0.113.0/33\" is not a prefix (address/length, e.g. 192.0.2.0/24 or 2001:db8::/32)",
            $"akka-bgp.routes[2].as-path-prepend ({_files.At(text, "33 }")}): 33 is out of range (0..32)",
            $"akka-bgp.routes[3].prefix ({_files.At(text, "{ next-hop = self }")}): required (the announced prefix)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Neighbor_defaults_cannot_hold_per_neighbor_settings()
    {
        var text = ConfigFiles.Minimal("  neighbor-defaults { remote-as = 64496 }");
        AssertSingle(text, "akka-bgp.neighbor-defaults.remote-as", "64496", "is set per neighbor, not in neighbor-defaults");
    }

    [Fact]
    public void A_bad_default_is_reported_once_not_once_per_neighbor()
    {
        var text = ConfigFiles.Minimal("""
              neighbor-defaults { hold-time = 1s, hold-tim = 3s }
              neighbors = [
                { address = "192.0.2.2", remote-as = 64496 }
                { address = "192.0.2.3", remote-as = 64496 }
              ]
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbor-defaults.hold-tim ({_files.At(text, "3s")}): unknown key, did you mean hold-time?",
            $"akka-bgp.neighbor-defaults.hold-time ({_files.At(text, "1s")}): 1s is not allowed (0 or at least 3s)",
        ], _files.Problems(text));
    }

    [Fact]
    public void Structure_errors_are_reported_not_thrown()
    {
        var text = ConfigFiles.Minimal("""
              neighbors = { address = "192.0.2.2" }
              listen = [ "127.0.0.1:179" ]
              management = 8558
            """);
        Assert.Equal(
        [
            $"akka-bgp.listen[0] ({_files.At(text, "\"127.0.0.1:179\"")}): expected an object, found string \"127.0.0.1:179\"",
            $"akka-bgp.management ({_files.At(text, "8558")}): expected an object, found number 8558",
            $"akka-bgp.neighbors ({_files.At(text, "{ address")}): expected an array, found object {{ address = 192.0.2.2 }}",
        ], _files.Problems(text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Syntax_errors_report_the_location_the_reader_gives()
    {
        var problems = _files.Problems("akka-bgp {\n  router-id = \"192.0.2.1\"\n  local-as = \n");
        var p = Assert.Single(problems);
        Assert.StartsWith(_files.At("akka-bgp {\n  router-id = \"192.0.2.1\"\n  local-as = \n", "local-as").Split(':')[0] + ":", p);
    }

    [Fact]
    public void Missing_user_file_is_one_problem()
    {
        var result = Configuration.ConfigLoader.Load("/nonexistent/akka-bgp.conf", ConfigFiles.Reference);
        var p = Assert.Single(result.Problems);
        Assert.StartsWith("/nonexistent/akka-bgp.conf: cannot read '/nonexistent/akka-bgp.conf'", p.ToString());
    }
}
