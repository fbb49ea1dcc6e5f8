using System.Net;
using AkkaBgp.Hocon;
using AkkaBgp.Session;
using AkkaBgp.Service.Nodes;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Configuration;

/// <summary>Turns the resolved tree into a <see cref="BgpConfig"/>, recording every problem on the way.</summary>
internal static class BgpConfigReader
{
    private const string Root = "akka-bgp";

    internal static readonly string[] TopKeys =
    [
        "router-id", "local-as", "cluster-id", "listen", "management", "logging",
        "neighbor-defaults", "neighbors", "dynamic-neighbors", "rib", "routes", "rpki", "mrt", "bmp", "cluster",
    ];

    internal static readonly string[] ClusterKeys = ["routes"];
    internal static readonly string[] HealthCheckKeys =
        ["tcp", "http", "exec", "expect-status", "interval", "timeout", "rise", "fall", "on-failure", "failing-med", "failing-communities"];

    internal static readonly string[] RpkiKeys = ["caches"];
    internal static readonly string[] BmpKeys = ["collectors", "statistics-interval", "buffer"];
    internal static readonly string[] BmpCollectorKeys = ["address", "port"];
    internal static readonly string[] MrtKeys =
        ["directory", "table-dump-interval", "gzip", "updates", "updates-rotate-interval", "updates-rotate-size-mb", "updates-buffer"];
    internal static readonly string[] RpkiCacheKeys = ["address", "port", "preference", "refresh", "retry", "expire"];

    internal static readonly string[] ListenKeys = ["address", "port"];
    internal static readonly string[] ManagementKeys = ["address", "port", "token", "tls", "rib-query-give-way"];
    internal static readonly string[] GiveWayKeys = ["busy-above", "max-wait"];
    internal static readonly string[] TlsKeys = ["certificate", "key", "password"];
    internal static readonly string[] LoggingKeys = ["level", "levels", "file"];
    internal static readonly string[] LogFileKeys = ["path", "rolling", "retained-files", "json"];
    internal static readonly string[] NeighborKeys = ["address", "remote-as", "description", "placement", .. SessionAttributeReader.Keys];
    internal static readonly string[] DynamicKeys = ["prefix", "remote-as", "remote-as-range", "limit", "description", .. SessionAttributeReader.Keys];
    internal static readonly string[] RibKeys = ["default-local-pref", "always-compare-med", "missing-med-as-worst", "partitions"];
    internal static readonly string[] RouteKeys = ["prefix", "next-hop", "communities", "large-communities", "med", "local-pref", "as-path-prepend"];

    private static readonly Dictionary<string, string> PerNeighborOnly = new()
    {
        ["address"] = "is set per neighbor, not in neighbor-defaults",
        ["remote-as"] = "is set per neighbor, not in neighbor-defaults",
        ["description"] = "is set per neighbor, not in neighbor-defaults",
    };

    private static readonly Dictionary<string, LogLevelName> Levels = new()
    {
        ["verbose"] = LogLevelName.Verbose,
        ["debug"] = LogLevelName.Debug,
        ["information"] = LogLevelName.Information,
        ["warning"] = LogLevelName.Warning,
        ["error"] = LogLevelName.Error,
        ["fatal"] = LogLevelName.Fatal,
    };

    private static readonly Dictionary<string, LogRolling> Rollings = new()
    {
        ["infinite"] = LogRolling.Infinite,
        ["year"] = LogRolling.Year,
        ["month"] = LogRolling.Month,
        ["day"] = LogRolling.Day,
        ["hour"] = LogRolling.Hour,
        ["minute"] = LogRolling.Minute,
    };

    private const int DefaultDynamicLimit = 100;

    public static BgpConfig? Read(HoconConfig root, List<ConfigProblem> problems)
    {
        var rootSection = new ConfigSection(root, problems);
        foreach (var key in root.GetKeys())
        {
            // Other top-level keys are allowed (helpers for substitutions, sections other components own);
            // one that is nearly "akka-bgp" is a typo that would silently drop the whole configuration.
            if (key != Root && KeySuggestion.Distance(key.ToLowerInvariant(), Root) <= 2)
                rootSection.Problem(key, $"unknown key, did you mean {Root}?");
        }
        if (!rootSection.Require(Root, "the AkkaBgp settings")) return null;
        var top = rootSection.Object(Root);
        if (top == null) return null;
        top.CheckKeys(TopKeys);

        uint? routerId = null;
        if (top.Require("router-id", "this speaker's BGP Identifier, a dotted IPv4 address") && top.String("router-id") is { } rid)
        {
            if (!BgpSyntax.TryParseDottedQuad(rid, out var v)) top.Problem("router-id", $"\"{rid}\" is not a dotted IPv4 address (e.g. 192.0.2.1)");
            else if (v == 0) top.Problem("router-id", "0.0.0.0 is not a valid BGP Identifier (RFC 6286 section 2.1)");
            else routerId = v;
        }
        uint? localAs = top.Require("local-as", "our AS number") ? SessionAttributeReader.ReadAs(top, "local-as") : null;
        uint? clusterId = routerId;
        if (top.String("cluster-id") is { } cid)
        {
            if (BgpSyntax.TryParseDottedQuad(cid, out var v) && v != 0) clusterId = v;
            else top.Problem("cluster-id", $"\"{cid}\" is not a dotted IPv4 address other than 0.0.0.0");
        }

        var listen = ReadListen(top);
        var management = top.Require("management", "the management endpoint") ? ReadManagement(top.Object("management")) : null;
        var logging = top.Require("logging", "log settings") ? ReadLogging(top.Object("logging")) : null;

        var seed = new NeighborSettings
        {
            PeerAddress = IPAddress.Any,
            PeerAs = localAs ?? 1,
            LocalAs = localAs ?? 1,
            RouterId = routerId ?? 0,
        };
        var defaults = top.Require("neighbor-defaults", "the session attributes every neighbor starts from") ? top.Object("neighbor-defaults") : null;
        if (defaults != null)
        {
            defaults.CheckKeys(SessionAttributeReader.Keys, PerNeighborOnly);
            seed = SessionAttributeReader.Read(defaults, seed, null);
        }
        var defaultsConfig = defaults?.Config ?? HoconConfig.Empty;

        var placedInCluster = new HashSet<IPAddress>();
        var neighbors = ReadNeighbors(top, defaultsConfig, seed, placedInCluster);
        var dynamic = ReadDynamicNeighbors(top, defaultsConfig, seed);
        var routes = ReadRoutes(top.ObjectList("routes"), RouteKeys).Select(r => r.Route).ToList();
        var clusterRoutes = ReadClusterRoutes(top, routes);
        var rib = top.Require("rib", "decision process settings") ? ReadRib(top.Object("rib")) : null;
        var rpki = ReadRpki(top);
        var mrt = ReadMrt(top);
        var bmp = ReadBmp(top);

        if (listen.Count == 0 && top.Has("listen") && top.Config.GetValue("listen") is HoconArray { Count: 0 })
        {
            // Such a session could only ever come up by someone else dialling, and nobody can.
            var passive = neighbors.FirstOrDefault(n => n.PassiveTcpEstablishment);
            if (passive != null) top.Problem("listen", $"is empty, but neighbor {passive.PeerAddress} is passive: it could never connect");
            else if (dynamic.Count > 0) top.Problem("listen", $"is empty, but dynamic-neighbors accept {dynamic[0].Prefix}: nobody could connect");
        }

        var akka = AkkaSectionReader.Read(rootSection, management?.Token);

        if (problems.Count > 0 || routerId == null || localAs == null || clusterId == null || management == null || logging == null || rib == null || akka == null) return null;
        return new BgpConfig
        {
            RouterId = routerId.Value,
            LocalAs = localAs.Value,
            ClusterId = clusterId.Value,
            Listen = listen,
            Management = management,
            Logging = logging,
            Neighbors = neighbors,
            DynamicNeighbors = dynamic,
            Routes = routes,
            ClusterRoutes = clusterRoutes,
            PlacedInCluster = placedInCluster,
            Rib = rib,
            RpkiCaches = rpki,
            Mrt = mrt,
            Bmp = bmp,
            Akka = akka,
            Source = root,
        };
    }

    /// <summary>
    /// <c>rpki { caches = [ { address, port, preference, refresh, retry, expire } ] }</c>: the RTR caches (RFC 8210).
    /// The intervals must lie in RFC 8210 section 6's ranges, and expire must exceed refresh and retry there too.
    /// </summary>
    private static IReadOnlyList<AkkaBgp.Rpki.RtrCacheSettings> ReadRpki(ConfigSection top)
    {
        var result = new List<AkkaBgp.Rpki.RtrCacheSettings>();
        if (top.Object("rpki") is not { } r) return result;
        r.CheckKeys(RpkiKeys);
        var seen = new Dictionary<(string, int), string>();
        foreach (var c in r.ObjectList("caches"))
        {
            c.CheckKeys(RpkiCacheKeys);
            var address = c.Require("address", "the cache's IP address or host name") ? c.String("address") : null;
            if (address is { Length: 0 }) c.Problem("address", "is empty");
            var port = c.Require("port", "the cache's RTR port (323 is IANA's; stayrtr and Routinator use 8282 and 3323)") ? c.Number("port", 1, 65535) : null;
            var preference = c.Has("preference") ? c.Number("preference", 0, 255) : 100;
            var cache = address is { Length: > 0 } && port is { } p ? new AkkaBgp.Rpki.RtrCacheSettings(address, (int)p) { Preference = (int)(preference ?? 100) } : null;
            var refresh = Interval(c, "refresh", 1, 86400);
            var retry = Interval(c, "retry", 1, 7200);
            var expire = Interval(c, "expire", 600, 172800);
            if (cache is null) continue;
            if (refresh is { } rf) cache = cache with { Refresh = rf };
            if (retry is { } rt) cache = cache with { Retry = rt };
            if (expire is { } ex) cache = cache with { Expire = ex };
            if (cache.Expire <= cache.Refresh || cache.Expire <= cache.Retry)
                c.Problem("expire", $"{cache.Expire.TotalSeconds:0}s must be longer than refresh ({cache.Refresh.TotalSeconds:0}s) and retry ({cache.Retry.TotalSeconds:0}s) (RFC 8210 section 6)");
            var where = c.Config.Describe("address");
            if (!seen.TryAdd((address!.ToLowerInvariant(), cache.Port), where)) c.Problem("address", $"{cache.Name} is already configured at {seen[(address.ToLowerInvariant(), cache.Port)]}");
            else result.Add(cache);
        }
        return result;
    }

    /// <summary><c>bmp { collectors = [ { address, port } ], statistics-interval, buffer }</c>: BMP (RFC 7854) stations.</summary>
    private static BmpSettings ReadBmp(ConfigSection top)
    {
        var result = new BmpSettings();
        if (top.Object("bmp") is not { } b) return result;
        b.CheckKeys(BmpKeys);
        if (b.Has("statistics-interval") && b.Duration("statistics-interval") is { } every)
        {
            if (every < TimeSpan.FromSeconds(1)) b.Problem("statistics-interval", $"{b.DurationText("statistics-interval")} is shorter than 1s");
            else result = result with { StatisticsInterval = every };
        }
        if (b.Has("buffer") && b.Number("buffer", 100, 10_000_000) is { } buffer) result = result with { Buffer = (int)buffer };
        var collectors = new List<(string, int)>();
        foreach (var c in b.ObjectList("collectors"))
        {
            c.CheckKeys(BmpCollectorKeys);
            var address = c.Require("address", "the collector's IP address or host name") ? c.String("address") : null;
            if (address is { Length: 0 }) c.Problem("address", "is empty");
            var port = c.Require("port", "the collector's BMP port (no IANA port; pmacct and OpenBMP often use 1790 or 5000)") ? c.Number("port", 1, 65535) : null;
            if (address is { Length: > 0 } && port is { } p)
            {
                if (collectors.Contains((address, (int)p))) c.Problem("address", $"{address}:{p} is listed twice");
                else collectors.Add((address, (int)p));
            }
        }
        return result with { Collectors = collectors };
    }

    /// <summary><c>mrt { directory, table-dump-interval, gzip }</c>: MRT table dumps (RFC 6396 TABLE_DUMP_V2).</summary>
    private static MrtSettings ReadMrt(ConfigSection top)
    {
        var result = new MrtSettings();
        if (top.Object("mrt") is not { } m) return result;
        m.CheckKeys(MrtKeys);
        if (m.Has("directory") && m.String("directory") is { } dir)
        {
            if (dir.Length == 0) m.Problem("directory", "is empty (null turns MRT dumps off)");
            else result = result with { Directory = dir };
        }
        if (m.Has("table-dump-interval") && m.Duration("table-dump-interval") is { } every)
        {
            if (every < TimeSpan.FromMinutes(1)) m.Problem("table-dump-interval", $"{m.DurationText("table-dump-interval")} is shorter than 1m");
            else if (result.Directory is null) m.Problem("table-dump-interval", "needs mrt.directory, where the dumps go");
            else result = result with { TableDumpInterval = every };
        }
        if (m.Bool("gzip") is { } gzip) result = result with { Gzip = gzip };
        if (m.Bool("updates") is true)
        {
            if (result.Directory is null) m.Problem("updates", "needs mrt.directory, where the updates files go");
            else result = result with { Updates = true };
        }
        if (m.Has("updates-rotate-interval") && m.Duration("updates-rotate-interval") is { } rotate)
        {
            if (rotate < TimeSpan.FromSeconds(10)) m.Problem("updates-rotate-interval", $"{m.DurationText("updates-rotate-interval")} is shorter than 10s");
            else result = result with { UpdatesRotateInterval = rotate };
        }
        if (m.Has("updates-rotate-size-mb") && m.Number("updates-rotate-size-mb", 1, 65536) is { } mb) result = result with { UpdatesRotateSize = mb * 1024 * 1024 };
        if (m.Has("updates-buffer") && m.Number("updates-buffer", 100, 10_000_000) is { } buffer) result = result with { UpdatesBuffer = (int)buffer };
        return result;
    }

    private static TimeSpan? Interval(ConfigSection c, string key, int minSeconds, int maxSeconds)
    {
        if (!c.Has(key) || c.Duration(key) is not { } d) return null;
        if (d < TimeSpan.FromSeconds(minSeconds) || d > TimeSpan.FromSeconds(maxSeconds))
        {
            c.Problem(key, $"{c.DurationText(key)} is outside {minSeconds}s..{maxSeconds}s (RFC 8210 section 6)");
            return null;
        }
        return d;
    }

    private static IReadOnlyList<IPEndPoint> ReadListen(ConfigSection top)
    {
        var result = new List<IPEndPoint>();
        foreach (var l in top.ObjectList("listen"))
        {
            l.CheckKeys(ListenKeys);
            var address = ReadAddress(l, "address", "the address to accept BGP connections on");
            var port = l.Has("port") ? l.Number("port", 1, 65535) : 179;
            if (address == null || port == null) continue;
            var endpoint = new IPEndPoint(address, (int)port);
            if (result.Contains(endpoint)) l.Problem("address", $"{endpoint} is listed twice");
            else result.Add(endpoint);
        }
        return result;
    }

    private static ManagementSettings? ReadManagement(ConfigSection? m)
    {
        if (m == null) return null;
        m.CheckKeys(ManagementKeys);
        var address = ReadAddress(m, "address", "the management endpoint's address");
        var port = m.Require("port", "the management endpoint's port") ? m.Number("port", 1, 65535) : null;
        var token = m.String("token");
        if (token is { Length: 0 }) token = null;
        if (address != null && !IPAddress.IsLoopback(address) && token == null)
        {
            m.Problem("address", $"{address} is not a loopback address and management.token is not set: the write endpoints would be open to the network (set a token, e.g. through AKKA_BGP_MANAGEMENT_TOKEN)");
            return null;
        }
        var tls = ReadTls(m.Object("tls"), out var tlsOk);
        var settings = address == null || port == null || !tlsOk ? null : new ManagementSettings(address, (int)port, token, tls);
        if (m.Object("rib-query-give-way") is { } g)
        {
            g.CheckKeys(GiveWayKeys);
            var above = g.Has("busy-above") ? g.Number("busy-above", 1, 100_000_000) : null;
            TimeSpan? wait = null;
            if (g.Has("max-wait") && g.Duration("max-wait") is { } w)
            {
                if (w > TimeSpan.FromSeconds(10)) g.Problem("max-wait", $"{g.DurationText("max-wait")} is longer than 10s (the API's own timeout)");
                else wait = w;
            }
            if (settings is not null)
                settings = settings with { GiveWayAbove = above ?? settings.GiveWayAbove, GiveWayMaxWait = wait ?? settings.GiveWayMaxWait };
        }
        return settings;
    }

    /// <summary>
    /// management.tls: null when no certificate is set. The files are read here, so a missing file, a wrong password or
    /// a certificate without its key is a problem at the setting's file:line:col rather than a failed start.
    /// </summary>
    private static ManagementTls? ReadTls(ConfigSection? t, out bool ok)
    {
        ok = true;
        if (t == null) return null;
        int before = t.ProblemCount;
        t.CheckKeys(TlsKeys);
        var certificate = t.String("certificate");
        var key = t.String("key");
        var password = t.String("password");
        if (t.ProblemCount > before)
        {
            ok = false;
            return null;
        }
        if (certificate is null or { Length: 0 })
        {
            if (key is not null) t.Problem("key", "is set but management.tls.certificate is not (both name PEM files)");
            ok = key is null;
            return null;
        }
        var tls = new ManagementTls(PathFrom(t, "certificate", certificate), key is null ? null : PathFrom(t, "key", key), password is { Length: 0 } ? null : password);
        try
        {
            tls.Load().Dispose();
            return tls;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A key file that is not there is the key's problem; everything else (wrong password, no key, not a
            // certificate) is reported at the certificate.
            var at = key is not null && e is FileNotFoundException && !File.Exists(tls.KeyPath) ? "key" : "certificate";
            t.Problem(at, $"cannot serve HTTPS with {(at == "key" ? tls.KeyPath : tls.CertificatePath)}: {e.Message.TrimEnd('.')}");
            ok = false;
            return null;
        }
    }

    /// <summary>A relative path is taken relative to the directory of the file that set it, not the working directory.</summary>
    private static string PathFrom(ConfigSection s, string key, string path)
    {
        if (Path.IsPathRooted(path)) return path;
        var file = s.OriginOf(key)?.File;
        var dir = file is not null && File.Exists(file) ? Path.GetDirectoryName(Path.GetFullPath(file)) : null;
        return Path.GetFullPath(dir is null ? path : Path.Combine(dir, path));
    }

    private static LoggingSettings? ReadLogging(ConfigSection? l)
    {
        if (l == null) return null;
        l.CheckKeys(LoggingKeys);
        var settings = new LoggingSettings();
        if (l.Choice("level", Levels) is { } level) settings = settings with { Level = level };
        if (l.Object("levels") is { } levels)
        {
            var map = new Dictionary<string, LogLevelName>(StringComparer.Ordinal);
            foreach (var category in levels.Config.GetKeys())
            {
                if (levels.Choice(category, Levels) is { } v) map[category] = v;
            }
            settings = settings with { Levels = map };
        }
        if (l.Object("file") is { } f)
        {
            f.CheckKeys(LogFileKeys);
            var path = f.String("path");
            var rolling = f.Choice("rolling", Rollings) ?? LogRolling.Day;
            var retained = f.Has("retained-files") ? f.Number("retained-files", 0, int.MaxValue) : 7;
            var json = f.Bool("json") ?? true;
            if (path is { Length: 0 }) f.Problem("path", "is empty (null: console only)");
            else if (path != null) settings = settings with { File = new LogFileSettings(path, rolling, (int)(retained ?? 7), json) };
        }
        return settings;
    }

    private static RibOptions? ReadRib(ConfigSection? r)
    {
        if (r == null) return null;
        r.CheckKeys(RibKeys);
        var options = new RibOptions();
        if (r.Number("default-local-pref", 0, uint.MaxValue) is { } lp) options = options with { DefaultLocalPref = (uint)lp };
        if (r.Bool("always-compare-med") is { } always) options = options with { AlwaysCompareMed = always };
        if (r.Bool("missing-med-as-worst") is { } worst) options = options with { MissingMedAsWorst = worst };
        if (r.Number("partitions", 0, 1024) is { } partitions) options = options with { Partitions = (int)partitions };
        return options;
    }

    private static IReadOnlyList<NeighborSettings> ReadNeighbors(ConfigSection top, HoconConfig defaults, NeighborSettings seed, HashSet<IPAddress> placedInCluster)
    {
        var result = new List<NeighborSettings>();
        var seen = new Dictionary<IPAddress, string>();
        foreach (var entry in top.ObjectList("neighbors"))
        {
            var n = entry.OverDefaults(defaults);
            n.CheckKeys(NeighborKeys);
            var address = ReadAddress(n, "address", "the neighbor's IP address");
            if (address != null && !IsUnicast(address))
            {
                n.Problem("address", $"{address} is not a unicast host address");
                address = null;
            }
            if (address != null)
            {
                if (seen.TryGetValue(address, out var first))
                {
                    n.Problem("address", $"{address} is already configured at {first}");
                    address = null;
                }
                else seen[address] = n.Config.Describe("address");
            }
            var remoteAs = n.Require("remote-as", "the neighbor's AS number") ? SessionAttributeReader.ReadAs(n, "remote-as") : null;
            var description = n.String("description");
            var settings = SessionAttributeReader.Read(n, seed with
            {
                PeerAddress = address ?? seed.PeerAddress,
                PeerAs = remoteAs ?? seed.PeerAs,
                Description = description,
            }, address);
            // RFC 9234 section 4.1: the BGP Role belongs to external sessions.
            if (settings.Capabilities.Role is { } role && remoteAs is { } asn && asn == seed.LocalAs)
                n.Problem("role", $"{role} is a BGP Role, for external sessions only (RFC 9234 section 4.1); remote-as {asn} is our own AS");
            else if (settings.Capabilities.StrictRole && settings.Capabilities.Role is null && remoteAs != seed.LocalAs)
                n.Problem("strict-role", "needs a role: strict mode refuses peers that send no BGP Role, against ours (RFC 9234 section 4.2)");
            // Issue 17: one node of the cluster at a time runs the session (a Cluster Sharding entity). It must dial:
            // a connection to one node's listener cannot move to another process.
            if (n.Choice("placement", new Dictionary<string, bool> { ["node"] = false, ["cluster"] = true }) == true)
            {
                if (settings.PassiveTcpEstablishment)
                    n.Problem("placement", "passive", "is cluster, but the neighbor is passive: a session the neighbor opens to one node's listener cannot move to another node");
                else if (address != null) placedInCluster.Add(address);
            }
            if (address != null && remoteAs != null) result.Add(settings);
        }
        return result;
    }

    private static IReadOnlyList<DynamicNeighborRange> ReadDynamicNeighbors(ConfigSection top, HoconConfig defaults, NeighborSettings seed)
    {
        var result = new List<(DynamicNeighborRange Range, string Where)>();
        foreach (var entry in top.ObjectList("dynamic-neighbors"))
        {
            var d = entry.OverDefaults(defaults);
            d.CheckKeys(DynamicKeys);
            Prefix? prefix = null;
            if (d.Require("prefix", "the range neighbors may connect from") && d.String("prefix") is { } text)
                prefix = SessionAttributeReader.ReadPrefix(d, "prefix", text);

            uint? minAs = null, maxAs = null;
            var hasAs = d.Has("remote-as");
            var hasRange = d.Has("remote-as-range");
            if (hasAs && hasRange) d.Problem("remote-as", "remote-as-range", "set either remote-as or remote-as-range, not both");
            else if (hasAs) minAs = maxAs = SessionAttributeReader.ReadAs(d, "remote-as");
            else if (hasRange)
            {
                if (d.String("remote-as-range") is { } rangeText)
                {
                    if (BgpSyntax.TryParseAsRange(rangeText, out var low, out var high)) (minAs, maxAs) = (low, high);
                    else d.Problem("remote-as-range", $"\"{rangeText}\" is not an AS range (low-high, e.g. 64512-65534, 1 <= low <= high <= 4294967295)");
                }
            }
            else d.Require("remote-as", "the neighbors' AS number, or remote-as-range");

            var limit = d.Has("limit") ? d.Number("limit", 1, 100_000) : DefaultDynamicLimit;
            if (d.Owns("passive") && d.Bool("passive") == false) d.Problem("passive", "dynamic neighbors are always passive (we cannot dial a range)");

            var template = SessionAttributeReader.Read(d, seed with
            {
                PeerAddress = prefix?.Address ?? seed.PeerAddress,
                PeerAs = minAs ?? seed.PeerAs,
                Description = d.String("description"),
            }, prefix?.Address) with { PassiveTcpEstablishment = true };
            if (prefix is not { } p || minAs == null || maxAs == null || limit == null) continue;

            var range = new DynamicNeighborRange(p, minAs.Value, maxAs.Value, (int)limit, template);
            var overlap = result.FirstOrDefault(r => r.Range.Prefix.Afi == p.Afi && (r.Range.Prefix.Contains(p) || p.Contains(r.Range.Prefix)));
            if (overlap.Range != null) d.Problem("prefix", $"{p} overlaps {overlap.Range.Prefix} at {overlap.Where}");
            else result.Add((range, d.Config.Describe("prefix")));
        }
        return result.Select(r => r.Range).ToList();
    }

    private static List<(OriginatedRoute Route, ConfigSection Entry)> ReadRoutes(IReadOnlyList<ConfigSection> entries, string[] keys)
    {
        var result = new List<(OriginatedRoute, ConfigSection)>();
        var seen = new Dictionary<Prefix, string>();
        foreach (var r in entries)
        {
            r.CheckKeys(keys);
            Prefix? prefix = null;
            if (r.Require("prefix", "the announced prefix") && r.String("prefix") is { } text)
                prefix = SessionAttributeReader.ReadPrefix(r, "prefix", text);
            if (prefix is { } dup && seen.TryGetValue(dup, out var first))
            {
                r.Problem("prefix", $"{dup} is already announced at {first}");
                prefix = null;
            }
            else if (prefix is { } p) seen[p] = r.Config.Describe("prefix");

            IPAddress? nextHop = null;
            if (r.String("next-hop") is { } nh && !nh.Equals("self", StringComparison.OrdinalIgnoreCase))
            {
                if (!BgpSyntax.TryParseAddress(nh, out var a)) r.Problem("next-hop", $"\"{nh}\" is not an IP address or \"self\"");
                else if (prefix is { } p && a.AddressFamily != p.Address.AddressFamily) r.Problem("next-hop", "prefix", $"{a} is not of the same family as the prefix {p}");
                else nextHop = a;
            }
            var route = new OriginatedRoute
            {
                Prefix = prefix ?? default,
                NextHop = nextHop,
                Communities = SessionAttributeReader.ReadCommunities(r, "communities"),
                LargeCommunities = SessionAttributeReader.ReadLargeCommunities(r, "large-communities"),
                Med = (uint?)r.Number("med", 0, uint.MaxValue),
                LocalPref = (uint?)r.Number("local-pref", 0, uint.MaxValue),
                AsPathPrepend = (int)(r.Number("as-path-prepend", 0, 32) ?? 0),
            };
            if (prefix != null) result.Add((route, r));
        }
        return result;
    }

    /// <summary>
    /// <c>cluster { routes = [...] }</c> (issue 17): routes every node of the cluster announces, each entry a <c>routes</c>
    /// entry with an optional <c>health-check</c>. Every node reads the same section; a node's own <c>routes</c> entry
    /// for the same prefix would hide the cluster route on that node, which is refused here as a likely mistake.
    /// </summary>
    private static IReadOnlyList<ClusterRoute> ReadClusterRoutes(ConfigSection top, IReadOnlyList<OriginatedRoute> nodeRoutes)
    {
        if (!top.Has("cluster")) return [];
        var cluster = top.Object("cluster");
        if (cluster == null) return [];
        cluster.CheckKeys(ClusterKeys);
        var result = new List<ClusterRoute>();
        foreach (var (route, entry) in ReadRoutes(cluster.ObjectList("routes"), [.. RouteKeys, "health-check"]))
        {
            if (nodeRoutes.Any(n => n.Prefix == route.Prefix))
            {
                entry.Problem("prefix", $"{route.Prefix} is also in akka-bgp.routes; a node's own route hides the cluster route for the same prefix");
                continue;
            }
            HealthCheck? check = null;
            if (entry.Has("health-check") && entry.Object("health-check") is { } h) check = ReadHealthCheck(h);
            result.Add(new ClusterRoute(route, check, entry.OriginOf("prefix") is { } o ? $"{o.File}:{o.Line}" : "configuration"));
        }
        return result;
    }

    private static HealthCheck? ReadHealthCheck(ConfigSection h)
    {
        h.CheckKeys(HealthCheckKeys);
        var probes = new[] { "tcp", "http", "exec" }.Where(h.Has).ToList();
        if (probes.Count != 1)
        {
            h.Problem(probes.Count == 0 ? "tcp" : probes[1], probes.Count == 0 ? "one of tcp, http or exec is required" : $"give only one of tcp, http, exec (found {string.Join(", ", probes)})");
            return null;
        }
        var target = h.String(probes[0]);
        if (target == null) return null;
        int before = h.ProblemCount;
        var check = new HealthCheck(Enum.Parse<HealthProbe>(probes[0], ignoreCase: true), target);
        if (h.Number("expect-status", 100, 599) is { } status) check = check with { ExpectStatus = (int)status };
        if (h.Duration("interval") is { } interval) check = check with { Interval = interval };
        if (h.Duration("timeout") is { } timeout) check = check with { Timeout = timeout };
        if (h.Number("rise", 1, 100) is { } rise) check = check with { Rise = (int)rise };
        if (h.Number("fall", 1, 100) is { } fall) check = check with { Fall = (int)fall };
        if (h.Choice("on-failure", new Dictionary<string, bool> { ["withdraw"] = true, ["announce"] = false }) is { } withdraw)
            check = check with { WithdrawOnFailure = withdraw };
        if (h.Number("failing-med", 0, uint.MaxValue) is { } med) check = check with { FailingMed = (uint)med };
        if (h.Has("failing-communities")) check = check with { FailingCommunities = SessionAttributeReader.ReadCommunities(h, "failing-communities") };
        check.Check(h.Problem);
        return h.ProblemCount == before ? check : null;
    }

    private static IPAddress? ReadAddress(ConfigSection s, string key, string what)
    {
        if (!s.Require(key, what) || s.String(key) is not { } text) return null;
        if (BgpSyntax.TryParseAddress(text, out var address)) return address;
        s.Problem(key, $"\"{text}\" is not an IPv4 or IPv6 address");
        return null;
    }

    private static bool IsUnicast(IPAddress a)
    {
        if (a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) || a.Equals(IPAddress.Broadcast)) return false;
        if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return a.GetAddressBytes()[0] < 224;
        return !a.IsIPv6Multicast;
    }
}
