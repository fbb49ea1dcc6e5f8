using System.Text;
using System.Text.RegularExpressions;

namespace AkkaBgp.Interop;

/// <summary>
/// BIRD 2 with one BGP protocol named "akka". BIRD ignores the loopback interface, so the
/// session is multihop and next hops resolve recursively through a static blackhole for 127/8.
/// Announcements are static blackhole routes; changing them rewrites the config and reloads.
/// </summary>
public sealed partial class Bird(Peering peering) : Daemon(peering)
{
    private readonly HashSet<string> _v4 = [.. peering.AnnounceV4];
    private readonly HashSet<string> _v6 = [.. peering.AnnounceV6];
    private readonly HashSet<string> _v4b = [.. peering.SecondPathV4];

    public override string Name => "bird";
    private string Ctl => Path.Combine(WorkDir, "bird.ctl");

    public static bool Installed => IsInstalled("bird") && IsInstalled("birdc");

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine($"router id {p.DaemonRouterId};");
        c.AppendLine($"log \"{Path.Combine(WorkDir, "bird.log")}\" all;");
        c.AppendLine("protocol device {}");
        c.Append("protocol static st4 { ipv4; route 127.0.0.0/8 blackhole; ");
        foreach (var r in _v4) c.Append($"route {r} blackhole; ");
        c.AppendLine("}");
        if (_v4b.Count > 0)
        {
            c.Append("protocol static st4b { ipv4; ");
            foreach (var r in _v4b) c.Append($"route {r} blackhole; ");
            c.AppendLine("}");
        }
        c.Append("protocol static st6 { ipv6; route ::ffff:127.0.0.0/104 blackhole; ");
        foreach (var r in _v6) c.Append($"route {r} blackhole; ");
        c.AppendLine("}");
        // One protocol per address of ours: "akka" for OurAddress, "akka_1", ... for AlsoAcceptFrom (an AkkaBgp
        // cluster whose nodes each may run the session, issue 17).
        foreach (var (ours, index) in new[] { p.OurAddress }.Concat(p.AlsoAcceptFrom).Select((a, i) => (a, i)))
        {
            c.AppendLine(index == 0 ? "protocol bgp akka {" : $"protocol bgp akka_{index} {{");
            // State changes and events in bird.log (kept with AKKABGP_KEEP_DAEMON_DIRS=1) for a look after a failure.
            c.AppendLine("  debug { states, events };");
            c.AppendLine($"  local {p.DaemonAddress} port {p.Port} as {p.DaemonAs};");
            c.AppendLine($"  neighbor {ours} port {p.Port} as {p.OurAs};");
            // On loopback the session is multihop (BIRD ignores lo); on a veth link it is direct, and BIRD then sends
            // and expects link-local next hops with the global ones (RFC 2545 3).
            c.AppendLine(p.OnLink ? "  strict bind yes; direct;" : "  strict bind yes; multihop;");
            if (p.DaemonPassive) c.AppendLine("  passive on;");
            if (p.Password is not null) c.AppendLine($"  password \"{p.Password}\";");
            if (p.DaemonRole is not null) c.AppendLine($"  local role {p.DaemonRole};");
            var addPaths = p.AddPaths is { } ap ? $"add paths {ap}; " : "";
            // Written only when used: BIRD checks the pair at load time, and a 4-octet AS does not fit in a community.
            var secondPaths = _v4b.Count == 0 ? "" : $"if proto = \"st4b\" then {{ bgp_community.add(({p.DaemonAs}, 2)); accept; }} ";
            c.AppendLine($"  hold time {p.HoldTimeSeconds}; keepalive time {p.KeepaliveSeconds};");
            c.AppendLine($"  connect retry time 1; connect delay time {p.ConnectDelaySeconds ?? 1}; error wait time 1, 5;");
            // 127/8 next hops are martians to most speakers (RFC 6890; FRR, GoBGP and AkkaBgp drop them), so
            // announce documentation addresses instead of BIRD's loopback source address.
            // A test leaker: OTC set on what it announces, whatever BIRD's role rules would do.
            var setOtc = (p.ExportOtc is { } otc ? $"bgp_otc = {otc}; " : "")
                + string.Concat(p.ExportPrepend.Select(a => $"bgp_path.prepend({a}); "));
            // With RFC 8950 on an IPv6 session BIRD announces IPv4 routes with its own IPv6 next hop ("next hop self").
            c.AppendLine(p.ExtendedNextHop
                ? "  ipv4 { import all; extended next hop on; next hop self; export filter { if proto = \"st4\" then accept; reject; }; };"
                : $"  ipv4 {{ import all; {addPaths}next hop address {p.NextHopV4}; export filter {{ if proto = \"st4\" then {{ {setOtc}accept; }} "
                  + secondPaths + "reject; }; };");
            c.AppendLine($"  ipv6 {{ import all; next hop address {p.NextHopV6}; export filter {{ if proto = \"st6\" then accept; reject; }}; }};");
            c.AppendLine("}");
        }
        return c.ToString();
    }

    protected override string[] Command() =>
        ["bird", "-f", "-c", WriteFile("bird.conf", Config()), "-s", Ctl, "-P", Path.Combine(WorkDir, "bird.pid")];

    public Task<string> BirdcAsync(params string[] args) => RunAsync("birdc", ["-s", Ctl, .. args]);

    protected override Task ProbeAsync() => BirdcAsync("show", "status");

    public override Task SetSessionEnabledAsync(bool enabled) => BirdcAsync(enabled ? "enable" : "disable", "akka");

    public override async Task<DaemonPeerView> GetPeerAsync()
    {
        var raw = await BirdcAsync("show", "protocols", "all", "akka");
        var m = BgpState().Match(raw);
        return new DaemonPeerView(m.Success ? NormaliseState(m.Groups[1].Value) : "unknown", raw);
    }

    public override async Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family)
    {
        var raw = await BirdcAsync("show", "route", "protocol", "akka", "table", family == 6 ? "master6" : "master4");
        return [.. raw.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 0 && f[0].Contains('/')).Select(f => f[0])];
    }

    public override Task<string> ShowRouteAsync(string prefix) => BirdcAsync("show", "route", prefix, "all");

    public async Task AnnounceAsync(string prefix) { (prefix.Contains(':') ? _v6 : _v4).Add(prefix); await ReconfigureAsync(); }

    public async Task WithdrawAsync(string prefix) { (prefix.Contains(':') ? _v6 : _v4).Remove(prefix); await ReconfigureAsync(); }

    /// <summary>Withdraws the second path of an IPv4 prefix (<see cref="Peering.SecondPathV4"/>).</summary>
    public async Task WithdrawSecondPathAsync(string prefix) { _v4b.Remove(prefix); await ReconfigureAsync(); }

    private async Task ReconfigureAsync()
    {
        WriteFile("bird.conf", Config());
        await BirdcAsync("configure");
    }

    [GeneratedRegex(@"BGP state:\s+(\S+)")]
    private static partial Regex BgpState();
}
