using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaBgp.Interop;

/// <summary>
/// FRR's bgpd alone: no zebra (-Z), no TCP vty (-P 0), vty socket in the run folder, stays
/// root (-S). Announcements are "network" statements with import-check off (no zebra to
/// confirm them). FRR treats 127/8 next hops from peers as martians.
/// </summary>
public sealed partial class Frr(Peering peering) : Daemon(peering)
{
    public const string Bgpd = "/usr/lib/frr/bgpd";
    public override string Name => "frr";
    public static bool Installed => File.Exists(Bgpd) && IsInstalled("vtysh");

    private string Config()
    {
        var p = Peering;
        var n = p.OurAddress;
        var c = new StringBuilder();
        c.AppendLine("hostname akkabgp-interop");
        c.AppendLine($"log file {Path.Combine(WorkDir, "bgpd.log")} informational");
        c.AppendLine("!");
        c.AppendLine($"router bgp {p.DaemonAs}");
        c.AppendLine($" bgp router-id {p.DaemonRouterId}");
        c.AppendLine(" bgp log-neighbor-changes"); // logs NOTIFICATIONs with their shutdown communication
        c.AppendLine(" no bgp ebgp-requires-policy");
        c.AppendLine(" no bgp network import-check");
        c.AppendLine(" no bgp default ipv4-unicast");
        if (p.GracefulRestartSeconds is { } restart)
        {
            // Restarting mode (not only helper): the capability lists FRR's families, so its routes may be kept.
            c.AppendLine(" bgp graceful-restart");
            c.AppendLine($" bgp graceful-restart restart-time {restart}");
            c.AppendLine(" bgp graceful-restart notification"); // RFC 8538's N bit (FRR's default, said here)
        }
        c.AppendLine($" neighbor {n} remote-as {p.OurAs}");
        c.AppendLine($" neighbor {n} port {p.Port}");
        c.AppendLine($" neighbor {n} update-source {p.DaemonAddress}");
        c.AppendLine($" neighbor {n} timers {p.KeepaliveSeconds} {p.HoldTimeSeconds}");
        c.AppendLine($" neighbor {n} timers connect 1");
        if (p.DaemonPassive) c.AppendLine($" neighbor {n} passive");
        if (p.Password is not null) c.AppendLine($" neighbor {n} password {p.Password}");
        if (p.ExtendedNextHop) c.AppendLine($" neighbor {n} capability extended-nexthop");
        // RFC 9234: FRR's own role towards us (its spelling, as Peering.DaemonRole documents).
        if (p.DaemonRole is { } role) c.AppendLine($" neighbor {n} local-role {role}");
        c.AppendLine(" address-family ipv4 unicast");
        foreach (var r in p.AnnounceV4) c.AppendLine($"  network {r}");
        c.AppendLine($"  neighbor {n} activate");
        // With RFC 8950 FRR gives IPv4 routes its own IPv6 next hop over the IPv6 session.
        if (!p.ExtendedNextHop) c.AppendLine($"  neighbor {n} route-map AKKA-NH4 out");
        c.AppendLine(" exit-address-family");
        c.AppendLine(" address-family ipv6 unicast");
        foreach (var r in p.AnnounceV6) c.AppendLine($"  network {r}");
        c.AppendLine($"  neighbor {n} activate");
        c.AppendLine($"  neighbor {n} route-map AKKA-NH6 out");
        c.AppendLine(" exit-address-family");
        c.AppendLine("!");
        // 127/8 next hops are martians (FRR drops them from its peers too): announce documentation addresses.
        c.AppendLine("route-map AKKA-NH4 permit 10");
        c.AppendLine($" set ip next-hop {p.NextHopV4}");
        c.AppendLine("route-map AKKA-NH6 permit 10");
        c.AppendLine($" set ipv6 next-hop global {p.NextHopV6}");
        c.AppendLine("!");
        return c.ToString();
    }

    protected override string[] Command()
    {
        string[] bgpd = [Bgpd, "-f", WriteFile("bgpd.conf", Config()), "-i", Path.Combine(WorkDir, "bgpd.pid"),
            "-p", Peering.Port.ToString(), "-l", Peering.DaemonAddress.ToString(), "-P", "0",
            "--vty_socket", WorkDir, "-S", "-F", "traditional"];
        if (!Peering.OnLink) return [.. bgpd, "-Z"];
        // On a link bgpd needs zebra: it takes the peer's interface from zebra, and without one it drops a
        // global + link-local IPv6 next hop (RFC 2545) as unusable. zebra runs beside it in the same namespace.
        var zserv = Path.Combine(WorkDir, "zserv.api");
        // zebra drops to the frr user (it has no -S like bgpd) and creates its socket and pid file here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(WorkDir, (UnixFileMode)0b111_111_111);
        var zebra = $"{Path.Combine(Path.GetDirectoryName(Bgpd)!, "zebra")} -d -z {zserv} -i {Path.Combine(WorkDir, "zebra.pid")} " +
                    $"--vty_socket {WorkDir} -F traditional -P 0 -f /dev/null";
        return ["sh", "-c", $"{zebra} && for i in $(seq 50); do [ -S {zserv} ] && break; sleep 0.1; done; exec \"$0\" \"$@\"",
            .. bgpd, "-z", zserv];
    }

    public override async ValueTask DisposeAsync()
    {
        var zebraPid = Path.Combine(WorkDir, "zebra.pid");
        if (File.Exists(zebraPid) && int.TryParse(File.ReadAllText(zebraPid).Trim(), out var pid))
            try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        await base.DisposeAsync();
    }

    public Task<string> VtyshAsync(params string[] commands) =>
        RunAsync("vtysh", ["--vty_socket", WorkDir, .. commands.SelectMany(c => new[] { "-c", c })]);

    protected override Task ProbeAsync() => VtyshAsync("show bgp summary");

    public override Task SetSessionEnabledAsync(bool enabled) => VtyshAsync(
        "configure terminal", $"router bgp {Peering.DaemonAs}", $"{(enabled ? "no " : "")}neighbor {Peering.OurAddress} shutdown");

    public override async Task<DaemonPeerView> GetPeerAsync()
    {
        var raw = await VtyshAsync($"show bgp neighbors {Peering.OurAddress}");
        var m = State().Match(raw);
        return new DaemonPeerView(m.Success ? NormaliseState(m.Groups[1].Value) : "unknown", raw);
    }

    public override async Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family)
    {
        var raw = await VtyshAsync($"show bgp {(family == 6 ? "ipv6" : "ipv4")} unicast neighbors {Peering.OurAddress} routes json");
        using var doc = JsonDocument.Parse(raw);
        var result = new List<string>();
        if (doc.RootElement.TryGetProperty("routes", out var routes))
            foreach (var prop in routes.EnumerateObject()) result.Add(prop.Name);
        return result;
    }

    public override Task<string> ShowRouteAsync(string prefix) =>
        VtyshAsync($"show bgp {(prefix.Contains(':') ? "ipv6" : "ipv4")} unicast {prefix}");

    public Task AnnounceAsync(string prefix) => NetworkAsync(prefix, "");
    public Task WithdrawAsync(string prefix) => NetworkAsync(prefix, "no ");

    private Task NetworkAsync(string prefix, string no) => VtyshAsync(
        "configure terminal", $"router bgp {Peering.DaemonAs}",
        $"address-family {(prefix.Contains(':') ? "ipv6" : "ipv4")} unicast", $"{no}network {prefix}");

    [GeneratedRegex(@"BGP state = (\S+?),?\s")]
    private static partial Regex State();
}
