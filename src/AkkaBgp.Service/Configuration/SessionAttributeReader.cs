using System.Net;
using System.Text;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// Reads the session attributes shared by neighbor-defaults, neighbors and dynamic-neighbors entries
/// (RFC 4271 8.1.1 plus transport security and RIB options) onto a <see cref="NeighborSettings"/>.
/// </summary>
internal static class SessionAttributeReader
{
    public static readonly string[] Keys =
    [
        "local-address", "local-port", "port",
        "hold-time", "keepalive-time", "min-hold-time", "open-sent-hold-time", "connect-retry-time",
        "passive", "delay-open", "delay-open-time",
        "damp-peer-oscillations", "idle-hold-time", "max-idle-hold-time", "idle-hold-stable-period",
        "allow-automatic-start", "allow-automatic-stop", "send-notification-without-open",
        "collision-detect-established-state", "send-hold-time", "shutdown-message", "hard-administrative-reset",
        "capabilities", "password", "ttl-security", "multihop",
        "import", "export", "max-prefix", "route-reflector-client", "next-hop-self", "next-hop-unchanged",
        "send-med", "min-route-advertisement-interval", "stale-path-time", "refresh-stale-path-time", "bfd", "keep-filtered", "role", "strict-role",
    ];

    // Settings whose absence has no meaning; the nullable ones (keepalive-time, password, ...) use null for "off".
    private static readonly string[] NotNullable =
    [
        "local-port", "port", "hold-time", "min-hold-time", "open-sent-hold-time", "connect-retry-time",
        "passive", "delay-open", "delay-open-time", "damp-peer-oscillations", "idle-hold-time",
        "max-idle-hold-time", "idle-hold-stable-period", "allow-automatic-start", "allow-automatic-stop",
        "send-notification-without-open", "collision-detect-established-state", "hard-administrative-reset", "capabilities",
        "import", "export", "route-reflector-client", "next-hop-self", "next-hop-unchanged", "send-med",
        "min-route-advertisement-interval", "stale-path-time", "refresh-stale-path-time", "keep-filtered", "strict-role",
    ];

    internal static readonly string[] CapabilityKeys =
    [
        "ipv4-unicast", "ipv6-unicast", "route-refresh", "enhanced-route-refresh", "four-octet-as",
        "graceful-restart", "graceful-restart-time", "graceful-restart-restarting-speaker", "graceful-restart-notification",
        "extended-messages", "extended-next-hop", "add-path-receive", "add-path-send", "required",
    ];

    internal static readonly string[] PolicyKeys = ["default-action", "rules"];

    internal static readonly string[] RuleKeys =
    [
        "prefix", "ge", "le", "communities", "large-communities", "as-path-contains", "rpki", "aspa", "action",
        "set-local-pref", "set-med", "add-communities", "remove-communities", "add-large-communities",
    ];

    internal static readonly string[] MaxPrefixKeys = ["limit", "warning-threshold", "restart-interval"];

    internal static readonly string[] BfdKeys = ["enabled", "min-tx", "min-rx", "multiplier", "multihop", "minimum-ttl", "strict", "authentication"];

    internal static readonly string[] BfdAuthenticationKeys = ["type", "key-id", "password"];

    /// <summary>RFC 9234 section 4.1's roles, spelt as BIRD and FRR spell them.</summary>
    private static readonly Dictionary<string, Wire.BgpRole> Roles = new()
    {
        ["provider"] = Wire.BgpRole.Provider,
        ["rs"] = Wire.BgpRole.RouteServer,
        ["rs-client"] = Wire.BgpRole.RouteServerClient,
        ["customer"] = Wire.BgpRole.Customer,
        ["peer"] = Wire.BgpRole.Peer,
    };

    /// <summary>A role as the configuration spells it (what <c>/bgp/neighbors</c> shows, so it can be pasted back).</summary>
    internal static string RoleName(Wire.BgpRole role) => Roles.First(kv => kv.Value == role).Key;

    private static readonly Dictionary<string, Wire.Bfd.BfdAuthType> BfdAuthTypes = new()
    {
        ["simple-password"] = Wire.Bfd.BfdAuthType.SimplePassword,
        ["keyed-md5"] = Wire.Bfd.BfdAuthType.KeyedMd5,
        ["meticulous-keyed-md5"] = Wire.Bfd.BfdAuthType.MeticulousKeyedMd5,
        ["keyed-sha1"] = Wire.Bfd.BfdAuthType.KeyedSha1,
        ["meticulous-keyed-sha1"] = Wire.Bfd.BfdAuthType.MeticulousKeyedSha1,
    };

    private static readonly Dictionary<string, PolicyAction> Actions = new()
    {
        ["accept"] = PolicyAction.Accept,
        ["reject"] = PolicyAction.Reject,
    };

    private static readonly Dictionary<string, AfiSafi> Families = new()
    {
        ["ipv4-unicast"] = AfiSafi.Ipv4Unicast,
        ["ipv6-unicast"] = AfiSafi.Ipv6Unicast,
    };

    private static readonly Dictionary<string, byte> CapabilityNames = new()
    {
        ["route-refresh"] = CapabilityCode.RouteRefresh,
        ["enhanced-route-refresh"] = CapabilityCode.EnhancedRouteRefresh,
        ["four-octet-as"] = CapabilityCode.FourOctetAs,
        ["graceful-restart"] = CapabilityCode.GracefulRestart,
        ["extended-messages"] = CapabilityCode.ExtendedMessage,
        ["extended-next-hop"] = CapabilityCode.ExtendedNextHop,
        ["add-path"] = CapabilityCode.AddPath,
        ["multiprotocol"] = CapabilityCode.Multiprotocol,
    };

    private static readonly TimeSpan MaxWireSeconds = TimeSpan.FromSeconds(65535);

    /// <param name="peer">The neighbor's address, null when reading neighbor-defaults.</param>
    public static NeighborSettings Read(ConfigSection s, NeighborSettings seed, IPAddress? peer)
    {
        foreach (var key in NotNullable)
        {
            if (s.Config.IsNull(key)) s.Problem(key, "cannot be null (leave it out to get the default)");
        }

        var n = seed;
        if (s.String("local-address") is { } localText)
        {
            if (!BgpSyntax.TryParseAddress(localText, out var local)) s.Problem("local-address", $"\"{localText}\" is not an IPv4 or IPv6 address");
            else if (peer != null && local.AddressFamily != peer.AddressFamily) s.Problem("local-address", $"{local} is not of the same family as the neighbor address {peer}");
            else n = n with { LocalAddress = local };
        }
        if (s.Number("local-port", 0, 65535) is { } localPort) n = n with { LocalPort = (int)localPort };
        if (s.Number("port", 1, 65535) is { } port) n = n with { PeerPort = (int)port };

        var hold = s.Duration("hold-time");
        if (hold is { } h)
        {
            if (h != TimeSpan.Zero && h < TimeSpan.FromSeconds(3))
            {
                s.Problem("hold-time", $"{s.DurationText("hold-time")} is not allowed (0 or at least 3s)");
                hold = null;
            }
            else if (WholeSeconds(s, "hold-time", h) && AtMost65535(s, "hold-time", h)) n = n with { HoldTime = h };
            else hold = null;
        }
        if (s.Duration("keepalive-time") is { } k)
        {
            if (k < TimeSpan.FromSeconds(1)) s.Problem("keepalive-time", $"{s.DurationText("keepalive-time")} is too short (at least 1s; null means a third of the hold time)");
            else if (!WholeSeconds(s, "keepalive-time", k)) { }
            else if (hold is { } hv && hv != TimeSpan.Zero && k >= hv)
                s.Problem("keepalive-time", "hold-time", $"{s.Render("keepalive-time")} must be less than hold-time ({s.Render("hold-time")})");
            else n = n with { KeepaliveTime = k };
        }
        if (s.Duration("min-hold-time") is { } minHold)
        {
            if (minHold < TimeSpan.FromSeconds(3)) s.Problem("min-hold-time", $"{s.DurationText("min-hold-time")} is not allowed (at least 3s, RFC 4271 section 6.2)");
            else if (WholeSeconds(s, "min-hold-time", minHold) && AtMost65535(s, "min-hold-time", minHold)) n = n with { MinHoldTime = minHold };
        }
        if (Positive(s, "open-sent-hold-time") is { } openSent) n = n with { OpenSentHoldTime = openSent };
        if (Positive(s, "connect-retry-time") is { } retry) n = n with { ConnectRetryTime = retry };

        if (s.Bool("passive") is { } passive) n = n with { PassiveTcpEstablishment = passive };
        if (s.Bool("delay-open") is { } delayOpen) n = n with { DelayOpen = delayOpen };
        if (Positive(s, "delay-open-time") is { } delayOpenTime) n = n with { DelayOpenTime = delayOpenTime };

        if (s.Bool("damp-peer-oscillations") is { } damp) n = n with { DampPeerOscillations = damp };
        var idle = s.Duration("idle-hold-time");
        if (idle is { } i) n = n with { IdleHoldTime = i };
        if (s.Duration("max-idle-hold-time") is { } maxIdle)
        {
            if (idle is { } iv && maxIdle < iv)
                s.Problem("max-idle-hold-time", "idle-hold-time", $"{s.Render("max-idle-hold-time")} is less than idle-hold-time ({s.Render("idle-hold-time")})");
            else n = n with { MaxIdleHoldTime = maxIdle };
        }
        if (s.Duration("idle-hold-stable-period") is { } stable) n = n with { IdleHoldStablePeriod = stable };

        if (s.Bool("allow-automatic-start") is { } autoStart) n = n with { AllowAutomaticStart = autoStart };
        if (s.Bool("allow-automatic-stop") is { } autoStop) n = n with { AllowAutomaticStop = autoStop };
        if (s.Bool("send-notification-without-open") is { } notifyWithoutOpen) n = n with { SendNotificationWithoutOpen = notifyWithoutOpen };
        if (s.Bool("collision-detect-established-state") is { } collision) n = n with { CollisionDetectEstablishedState = collision };
        if (s.Bool("hard-administrative-reset") is { } hardReset) n = n with { HardAdministrativeReset = hardReset };
        if (s.Duration("send-hold-time") is { } sendHold) n = n with { SendHoldTime = sendHold };
        if (s.String("shutdown-message") is { } shutdown)
        {
            var octets = Encoding.UTF8.GetByteCount(shutdown);
            if (octets > 255) s.Problem("shutdown-message", $"is {octets} octets of UTF-8; a shutdown communication holds at most 255 (RFC 9003)");
            else n = n with { ShutdownCommunication = shutdown };
        }

        if (s.Object("capabilities") is { } caps) n = n with { Capabilities = ReadCapabilities(caps, n.Capabilities) };

        if (s.String("password") is { } password)
        {
            var octets = Encoding.UTF8.GetByteCount(password);
            if (octets == 0) s.Problem("password", "is empty (null turns TCP-MD5 off)");
            else if (octets > 80) s.Problem("password", $"is {octets} octets; a TCP-MD5 key holds at most 80");
            else n = n with { Password = password };
        }
        var gtsm = s.Number("ttl-security", 1, 254);
        if (gtsm != null) n = n with { TtlSecurityHops = (int)gtsm };
        var multihop = s.Number("multihop", 1, 255);
        if (multihop != null) n = n with { MultihopTtl = (int)multihop };
        if (gtsm != null && multihop != null)
            s.Problem("ttl-security", "multihop", "cannot be combined with multihop (GTSM sends every packet with TTL 255)");

        if (s.Object("import") is { } import) n = n with { Import = ReadPolicy(import, import: true) };
        if (s.Object("export") is { } export) n = n with { Export = ReadPolicy(export) };
        if (s.Object("max-prefix") is { } maxPrefix) n = n with { MaxPrefix = ReadMaxPrefix(maxPrefix) };
        else if (s.Has("max-prefix")) { } // not an object: reported by Object()
        else n = n with { MaxPrefix = null };

        if (s.Object("bfd") is { } bfd) n = n with { Bfd = ReadBfd(bfd) };

        if (s.Bool("route-reflector-client") is { } rrClient)
        {
            if (rrClient && peer != null && !n.IsInternal)
                s.Problem("route-reflector-client", $"applies to internal neighbors only (remote-as {n.PeerAs} is not local-as {n.LocalAs})");
            else n = n with { RouteReflectorClient = rrClient };
        }
        if (s.Bool("next-hop-self") is { } nhs) n = n with { NextHopSelf = nhs };
        if (s.Bool("next-hop-unchanged") is { } nhu) n = n with { NextHopUnchanged = nhu };
        if (n.NextHopSelf && n.NextHopUnchanged)
            s.Problem("next-hop-unchanged", "next-hop-self", "cannot be combined with next-hop-self");
        if (s.Bool("send-med") is { } sendMed) n = n with { SendMed = sendMed };
        if (s.Duration("min-route-advertisement-interval") is { } mrai) n = n with { MinRouteAdvertisementInterval = mrai };
        // Zero would drop a restarted (RFC 4724 4.2) or refreshing (RFC 7313 4) peer's routes before it could
        // re-advertise them, which is what graceful restart and enhanced route refresh exist to avoid.
        if (Positive(s, "stale-path-time") is { } stale) n = n with { StalePathTime = stale };
        if (s.Bool("keep-filtered") is { } keep) n = n with { KeepFiltered = keep };
        // RFC 9234 section 4: our BGP Role on this session (null: none) and strict mode (a peer without one gets 2/11).
        if (s.Has("role") && !s.Config.IsNull("role") && s.Choice("role", Roles) is { } role)
            n = n with { Capabilities = n.Capabilities with { Role = role } };
        if (s.Bool("strict-role") is { } strict) n = n with { Capabilities = n.Capabilities with { StrictRole = strict } };
        if (Positive(s, "refresh-stale-path-time") is { } refreshStale) n = n with { RefreshStalePathTime = refreshStale };

        // null means "off" for these, and a neighbor's null must override a default that turned them on.
        var c = s.Config;
        if (c.IsNull("local-address")) n = n with { LocalAddress = null };
        if (c.IsNull("keepalive-time")) n = n with { KeepaliveTime = null };
        if (c.IsNull("send-hold-time")) n = n with { SendHoldTime = null };
        if (c.IsNull("shutdown-message")) n = n with { ShutdownCommunication = null };
        if (c.IsNull("password")) n = n with { Password = null };
        if (c.IsNull("ttl-security")) n = n with { TtlSecurityHops = null };
        if (c.IsNull("multihop")) n = n with { MultihopTtl = null };
        if (c.IsNull("bfd")) n = n with { Bfd = null };
        return n;
    }

    private static bool WholeSeconds(ConfigSection s, string key, TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerSecond == 0) return true;
        s.Problem(key, $"{s.DurationText(key)} is not a whole number of seconds (BGP carries it in seconds)");
        return false;
    }

    private static bool AtMost65535(ConfigSection s, string key, TimeSpan value)
    {
        if (value <= MaxWireSeconds) return true;
        s.Problem(key, $"{s.DurationText(key)} is too long (at most 65535s)");
        return false;
    }

    private static TimeSpan? Positive(ConfigSection s, string key)
    {
        var d = s.Duration(key);
        if (d == TimeSpan.Zero)
        {
            s.Problem(key, $"{s.DurationText(key)} is not allowed (must be more than 0)");
            return null;
        }
        return d;
    }

    private static CapabilitySettings ReadCapabilities(ConfigSection s, CapabilitySettings seed)
    {
        s.CheckKeys(CapabilityKeys);
        var c = seed;
        if (s.Bool("ipv4-unicast") is { } v4) c = c with { Ipv4Unicast = v4 };
        if (s.Bool("ipv6-unicast") is { } v6) c = c with { Ipv6Unicast = v6 };
        if (!c.Ipv4Unicast && !c.Ipv6Unicast)
            s.Problem("ipv4-unicast", "ipv6-unicast", "no address family left: ipv4-unicast and ipv6-unicast are both off");
        if (s.Bool("route-refresh") is { } rr) c = c with { RouteRefresh = rr };
        if (s.Bool("enhanced-route-refresh") is { } err) c = c with { EnhancedRouteRefresh = err };
        if (s.Bool("four-octet-as") is { } as4) c = c with { FourOctetAs = as4 };
        if (s.Bool("graceful-restart") is { } gr) c = c with { GracefulRestartHelper = gr };
        if (s.Duration("graceful-restart-time") is { } grTime)
        {
            if (grTime > TimeSpan.FromSeconds(4095)) s.Problem("graceful-restart-time", $"{s.DurationText("graceful-restart-time")} is too long (at most 4095s, a 12-bit field, RFC 4724 section 3)");
            else if (WholeSeconds(s, "graceful-restart-time", grTime)) c = c with { GracefulRestartTime = grTime };
        }
        if (s.Bool("graceful-restart-restarting-speaker") is { } grRestarting) c = c with { GracefulRestartRestartingSpeaker = grRestarting };
        if (c.GracefulRestartRestartingSpeaker && !c.GracefulRestartHelper)
            s.Problem("graceful-restart-restarting-speaker", "graceful-restart-restarting-speaker needs graceful-restart = true (the families go in that capability, RFC 4724 section 3)");
        if (s.Bool("graceful-restart-notification") is { } grNotification) c = c with { GracefulRestartNotification = grNotification };
        if (s.Bool("extended-messages") is { } ext) c = c with { ExtendedMessages = ext };
        if (s.Bool("extended-next-hop") is { } enh) c = c with { ExtendedNextHop = enh };
        if (s.Bool("add-path-receive") is { } apRx) c = c with { AddPathReceive = apRx };
        if (s.String("add-path-send") is { } apTx)
        {
            // RFC 7911 leaves how many paths to send to the sender: off, every usable path, or the best N.
            var text = apTx.Trim().ToLowerInvariant();
            if (text is "off" or "false" or "0") c = c with { AddPathSend = 0 };
            else if (text == "all") c = c with { AddPathSend = CapabilitySettings.AddPathSendAll };
            else if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 255)
                c = c with { AddPathSend = n };
            else s.Problem("add-path-send", $"\"{apTx}\" is not off, all, or a number of paths per prefix from 1 to 255");
        }

        var codes = new HashSet<byte>();
        var families = new HashSet<AfiSafi>();
        foreach (var item in s.StringList("required"))
        {
            var name = item.Text.ToLowerInvariant();
            if (Families.TryGetValue(name, out var family)) families.Add(family);
            else if (CapabilityNames.TryGetValue(name, out var code)) codes.Add(code);
            else if (byte.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0) codes.Add(number);
            else
            {
                var known = Families.Keys.Concat(CapabilityNames.Keys).ToList();
                var suggestion = KeySuggestion.Closest(name, known);
                s.Problem("required", item, $"\"{item.Text}\" is not a capability"
                    + (suggestion != null ? $", did you mean {suggestion}?" : $" ({string.Join(", ", known)} or a code 1..255)"));
            }
        }
        return c with { Required = codes, RequiredFamilies = families };
    }

    private static readonly Dictionary<string, AkkaBgp.Rpki.AspaState> AspaStates = new()
    {
        ["valid"] = AkkaBgp.Rpki.AspaState.Valid,
        ["invalid"] = AkkaBgp.Rpki.AspaState.Invalid,
        ["unknown"] = AkkaBgp.Rpki.AspaState.Unknown,
    };

    private static readonly Dictionary<string, AkkaBgp.Rpki.RovState> RovStates = new()
    {
        ["valid"] = AkkaBgp.Rpki.RovState.Valid,
        ["invalid"] = AkkaBgp.Rpki.RovState.Invalid,
        ["not-found"] = AkkaBgp.Rpki.RovState.NotFound,
    };

    private static RoutePolicy ReadPolicy(ConfigSection s, bool import = false)
    {
        s.CheckKeys(PolicyKeys);
        var policy = new RoutePolicy();
        if (s.Choice("default-action", Actions) is { } action) policy = policy with { DefaultAction = action };
        var rules = new List<PolicyRule>();
        foreach (var r in s.ObjectList("rules")) rules.Add(ReadRule(r, import));
        return policy with { Rules = rules };
    }

    private static PolicyRule ReadRule(ConfigSection s, bool import)
    {
        s.CheckKeys(RuleKeys);
        var rule = new PolicyRule();
        if (s.String("prefix") is { } prefixText && ReadPrefix(s, "prefix", prefixText) is { } prefix)
        {
            rule = rule with { Prefix = prefix };
            var ge = s.Number("ge", prefix.Length, prefix.MaxLength);
            var le = s.Number("le", prefix.Length, prefix.MaxLength);
            if (ge != null && le != null && ge > le) s.Problem("ge", "le", $"{ge} is greater than le ({le})");
            else rule = rule with { MinLength = (int?)ge, MaxLength = (int?)le };
        }
        else if (!s.Has("prefix"))
        {
            foreach (var key in new[] { "ge", "le" })
            {
                if (s.Has(key)) s.Problem(key, "needs a prefix to apply to");
            }
        }
        rule = rule with
        {
            Communities = ReadCommunities(s, "communities"),
            LargeCommunities = ReadLargeCommunities(s, "large-communities"),
            AddCommunities = ReadCommunities(s, "add-communities"),
            RemoveCommunities = ReadCommunities(s, "remove-communities"),
            AddLargeCommunities = ReadLargeCommunities(s, "add-large-communities"),
        };
        if (s.Has("as-path-contains") && ReadAs(s, "as-path-contains") is { } asn) rule = rule with { AsPathContains = asn };
        if (s.Has("rpki"))
        {
            // Only imports are evaluated again when the VRPs change (RFC 6811 section 4); an export rule on the state
            // would keep whatever it decided when the route was first sent.
            if (!import) s.Problem("rpki", "matches in import policies only");
            else if (s.Choice("rpki", RovStates) is { } state) rule = rule with { Rpki = state };
        }
        if (s.Has("aspa"))
        {
            // As for rpki: imports are verified again when the ASPAs change, exports are not.
            if (!import) s.Problem("aspa", "matches in import policies only");
            else if (s.Choice("aspa", AspaStates) is { } outcome) rule = rule with { Aspa = outcome };
        }
        if (s.Require("action", "accept or reject") && s.Choice("action", Actions) is { } action) rule = rule with { Action = action };
        if (s.Number("set-local-pref", 0, uint.MaxValue) is { } lp) rule = rule with { SetLocalPref = (uint)lp };
        if (s.Number("set-med", 0, uint.MaxValue) is { } med) rule = rule with { SetMed = (uint)med };
        return rule;
    }

    /// <summary>
    /// <c>bfd { enabled, min-tx, min-rx, multiplier, multihop, minimum-ttl, strict, authentication { type, key-id, password } }</c>:
    /// a BFD session (RFC 5880) whose failure takes the BGP session down (RFC 5882); with <c>strict</c> the BGP session
    /// does not start until it is Up. Null unless enabled.
    /// </summary>
    private static AkkaBgp.Bfd.BfdSettings? ReadBfd(ConfigSection s)
    {
        s.CheckKeys(BfdKeys);
        var b = new AkkaBgp.Bfd.BfdSettings();
        if (BfdInterval(s, "min-tx") is { } tx) b = b with { MinTx = tx };
        if (BfdInterval(s, "min-rx") is { } rx) b = b with { MinRx = rx };
        if (s.Number("multiplier", 1, 255) is { } mult) b = b with { Multiplier = (byte)mult };
        if (s.Bool("multihop") is { } multihop) b = b with { Multihop = multihop };
        // Single hop ignores it: RFC 5881 section 5 accepts TTL 255 alone.
        if (s.Number("minimum-ttl", 1, 255) is { } minTtl) b = b with { MinimumTtl = (byte)minTtl };
        if (s.Bool("strict") is { } strict) b = b with { Strict = strict };
        if (s.Object("authentication") is { } auth)
        {
            auth.CheckKeys(BfdAuthenticationKeys);
            var type = auth.Require("type", string.Join(", ", BfdAuthTypes.Keys)) ? auth.Choice("type", BfdAuthTypes) : null;
            var keyId = auth.Number("key-id", 0, 255) ?? 1;
            var password = auth.Require("password", "the shared secret") ? auth.String("password") : null;
            if (type is { } t && password is not null)
            {
                var secret = Encoding.UTF8.GetBytes(password);
                int max = Wire.Bfd.BfdAuthentication.MaxSecretLength(t);
                if (secret.Length < 1 || secret.Length > max)
                    auth.Problem("password", $"is {secret.Length} octets; a {auth.Render("type")} key holds 1 to {max} (RFC 5880 section 4)");
                else b = b with { Keys = [new Wire.Bfd.BfdAuthKey(t, (byte)keyId, secret)] };
            }
        }
        return s.Bool("enabled") == true ? b : null;
    }

    /// <summary>BFD intervals travel in microseconds; below 10 ms this process's timing thread cannot keep them on a
    /// shared 2-core machine (../shared/docs/linux-sockets.md section 3 measured 30 ms gaps even idle).</summary>
    private static TimeSpan? BfdInterval(ConfigSection s, string key)
    {
        if (s.Duration(key) is not { } t) return null;
        if (t < TimeSpan.FromMilliseconds(10) || t > TimeSpan.FromSeconds(60))
        {
            s.Problem(key, $"{s.DurationText(key)} is out of range (10ms to 60s)");
            return null;
        }
        return t;
    }

    private static MaxPrefixLimit? ReadMaxPrefix(ConfigSection s)
    {
        s.CheckKeys(MaxPrefixKeys);
        var limit = s.Require("limit", "the most prefixes accepted per family") ? s.Number("limit", 1, int.MaxValue) : null;
        var threshold = s.Number("warning-threshold", 1, 100);
        var restart = s.Duration("restart-interval");
        if (limit == null) return null;
        return new MaxPrefixLimit
        {
            Limit = (int)limit,
            WarningThresholdPercent = (int?)threshold ?? 90,
            RestartInterval = restart is { } r && r > TimeSpan.Zero ? r : null,
        };
    }
    /// <summary>A prefix without host bits, or null after recording why not.</summary>
    public static Prefix? ReadPrefix(ConfigSection s, string key, string text)
    {
        switch (BgpSyntax.TryParsePrefix(text, out var prefix))
        {
            case BgpSyntax.PrefixError.None:
                return prefix;
            case BgpSyntax.PrefixError.HostBits:
                s.Problem(key, $"\"{text}\" has host bits set (did you mean {prefix}?)");
                return null;
            default:
                s.Problem(key, $"\"{text}\" is not a prefix (address/length, e.g. 192.0.2.0/24 or 2001:db8::/32)");
                return null;
        }
    }

    /// <summary>An AS number 1..4294967295 other than AS_TRANS.</summary>
    public static uint? ReadAs(ConfigSection s, string key)
    {
        var v = s.Number(key, 1, uint.MaxValue);
        if (v == BgpSyntax.AsTrans)
        {
            s.Problem(key, "23456 is AS_TRANS (RFC 6793 section 9) and cannot be used as an AS number");
            return null;
        }
        return (uint?)v;
    }

    public static IReadOnlyList<Community> ReadCommunities(ConfigSection s, string key)
    {
        var result = new List<Community>();
        foreach (var item in s.StringList(key))
        {
            if (BgpSyntax.TryParseCommunity(item.Text, out var c)) result.Add(c);
            else s.Problem(key, item, $"\"{item.Text}\" is not a community (asn:value with both 0..65535, or one of {string.Join(", ", BgpSyntax.WellKnownCommunityNames)})");
        }
        return result;
    }

    public static IReadOnlyList<LargeCommunity> ReadLargeCommunities(ConfigSection s, string key)
    {
        var result = new List<LargeCommunity>();
        foreach (var item in s.StringList(key))
        {
            if (BgpSyntax.TryParseLargeCommunity(item.Text, out var c)) result.Add(c);
            else s.Problem(key, item, $"\"{item.Text}\" is not a large community (global:local1:local2, each 0..4294967295)");
        }
        return result;
    }
}
