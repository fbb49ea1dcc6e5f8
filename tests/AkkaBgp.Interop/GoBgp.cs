using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaBgp.Interop;

/// <summary>
/// gobgpd with one neighbor; its gRPC API listens on the daemon's loopback address at Port+100.
/// Announcements go through the gobgp CLI's global RIB. GoBGP treats 127/8 next hops as
/// martians, so routes we send it must carry another next hop to be accepted.
/// </summary>
public sealed partial class GoBgp(Peering peering) : Daemon(peering)
{
    public override string Name => "gobgp";
    public static bool Installed => IsInstalled("gobgpd") && IsInstalled("gobgp");
    private string[] Api => ["-u", Peering.DaemonAddress.ToString(), "-p", (Peering.Port + 100).ToString()];

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine("[global.config]");
        c.AppendLine($"  as = {p.DaemonAs}");
        c.AppendLine($"  router-id = \"{p.DaemonRouterId}\"");
        c.AppendLine($"  port = {p.Port}");
        c.AppendLine($"  local-address-list = [\"{p.DaemonAddress}\"]");
        c.AppendLine("[[neighbors]]");
        c.AppendLine("  [neighbors.config]");
        c.AppendLine($"    neighbor-address = \"{p.OurAddress}\"");
        c.AppendLine($"    peer-as = {p.OurAs}");
        if (p.Password is not null) c.AppendLine($"    auth-password = \"{p.Password}\"");
        c.AppendLine("  [neighbors.transport.config]");
        c.AppendLine($"    passive-mode = {(p.DaemonPassive ? "true" : "false")}");
        c.AppendLine($"    local-address = \"{p.DaemonAddress}\"");
        c.AppendLine($"    remote-port = {p.Port}");
        c.AppendLine("  [neighbors.timers.config]");
        c.AppendLine($"    hold-time = {p.HoldTimeSeconds}");
        c.AppendLine($"    keepalive-interval = {p.KeepaliveSeconds}");
        c.AppendLine("    connect-retry = 1");
        if (p.GracefulRestartSeconds is { } restart)
        {
            c.AppendLine("  [neighbors.graceful-restart.config]");
            c.AppendLine("    enabled = true");
            c.AppendLine($"    restart-time = {restart}");
        }
        foreach (var afi in new[] { "ipv4-unicast", "ipv6-unicast" })
        {
            c.AppendLine("  [[neighbors.afi-safis]]");
            c.AppendLine("    [neighbors.afi-safis.config]");
            c.AppendLine($"      afi-safi-name = \"{afi}\"");
            if (p.GracefulRestartSeconds is not null)
            {
                c.AppendLine("    [neighbors.afi-safis.mp-graceful-restart.config]");
                c.AppendLine("      enabled = true");
            }
            if (p.AddPaths is { } addPaths)
            {
                // Peering.AddPaths is in BIRD's spelling: rx, tx, or on (both).
                c.AppendLine("    [neighbors.afi-safis.add-paths.config]");
                if (addPaths is "rx" or "on") c.AppendLine("      receive = true");
                if (addPaths is "tx" or "on") c.AppendLine("      send-max = 8");
            }
        }
        return c.ToString();
    }

    protected override string[] Command() =>
        ["gobgpd", "-f", WriteFile("gobgpd.toml", Config()), "--api-hosts", new System.Net.IPEndPoint(Peering.DaemonAddress, Peering.Port + 100).ToString(),
         "--pprof-disable", "-l", "info"];

    public Task<string> GobgpAsync(params string[] args) => RunAsync("gobgp", [.. Api, .. args]);

    protected override async Task ProbeAsync()
    {
        await GobgpAsync("global");
        foreach (var r in Peering.AnnounceV4.Concat(Peering.AnnounceV6)) await AnnounceAsync(r);
    }

    public override async Task<DaemonPeerView> GetPeerAsync()
    {
        var raw = await GobgpAsync("neighbor", Peering.OurAddress.ToString());
        var m = State().Match(raw);
        return new DaemonPeerView(m.Success ? NormaliseState(m.Groups[1].Value) : "unknown", raw);
    }

    public override async Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family)
    {
        var raw = await GobgpAsync("neighbor", Peering.OurAddress.ToString(), "adj-in", "-a", family == 6 ? "ipv6" : "ipv4", "-j");
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(raw) || raw.Trim() == "null") return result;
        using var doc = JsonDocument.Parse(raw);
        // adj-in -j prints {"prefix": [path, ...], ...}
        if (doc.RootElement.ValueKind == JsonValueKind.Object)
            foreach (var prop in doc.RootElement.EnumerateObject()) result.Add(prop.Name);
        return result;
    }

    /// <summary>What <c>gobgp neighbor ... adj-in -j</c> prints for one prefix: its paths as JSON, an empty array when none.</summary>
    public async Task<JsonElement> AdjInPathsAsync(string prefix)
    {
        var raw = await GobgpAsync("neighbor", Peering.OurAddress.ToString(), "adj-in", "-a", prefix.Contains(':') ? "ipv6" : "ipv4", "-j");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(raw) || raw.Trim() == "null" ? "{}" : raw);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(prefix, out var paths)
            ? paths.Clone() : JsonDocument.Parse("[]").RootElement.Clone();
    }

    /// <summary>The table line, then the same path as JSON: only the JSON has every attribute (the link-local half
    /// of an IPv6 next hop among them).</summary>
    public override async Task<string> ShowRouteAsync(string prefix)
    {
        var family = prefix.Contains(':') ? "ipv6" : "ipv4";
        return await GobgpAsync("global", "rib", "-a", family, prefix) + "\n" + await GobgpAsync("global", "rib", "-a", family, prefix, "-j");
    }

    public Task AnnounceAsync(string prefix) => prefix.Contains(':')
        ? GobgpAsync("global", "rib", "add", prefix, "nexthop", "2001:db8::1", "-a", "ipv6")
        : GobgpAsync("global", "rib", "add", prefix, "nexthop", "198.51.100.1", "-a", "ipv4");

    public Task WithdrawAsync(string prefix) =>
        GobgpAsync("global", "rib", "del", prefix, "-a", prefix.Contains(':') ? "ipv6" : "ipv4");

    [GeneratedRegex(@"BGP state = (\S+?),?\s")]
    private static partial Regex State();
}
