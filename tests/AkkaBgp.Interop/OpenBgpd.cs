using System.Text;
using System.Text.RegularExpressions;

namespace AkkaBgp.Interop;

/// <summary>
/// OpenBGPD (portable) in the foreground (-d) with its control socket in the run folder,
/// never touching the kernel FIB. It needs /run/openbgpd, the chroot of its _openbgpd user.
/// Announcements are "network" statements, changed at run time with bgpctl.
/// </summary>
public sealed partial class OpenBgpd(Peering peering) : Daemon(peering)
{
    public override string Name => "openbgpd";
    public static bool Installed => IsInstalled("bgpd") && IsInstalled("bgpctl");
    private string Socket => Path.Combine(WorkDir, "bgpd.sock");

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine($"AS {p.DaemonAs}");
        c.AppendLine($"router-id {p.DaemonRouterId}");
        c.AppendLine($"listen on {p.DaemonAddress} port {p.Port}");
        c.AppendLine("fib-update no");
        c.AppendLine("nexthop qualify via default");
        c.AppendLine($"socket \"{Socket}\"");
        // 127/8 next hops are martians to most speakers; OpenBGPD honours another NEXTHOP towards an eBGP peer
        // only on a multihop session with "nexthop no-modify" (bgpd.conf(5), set nexthop).
        foreach (var r in p.AnnounceV4) c.AppendLine($"network {r} set nexthop {p.NextHopV4}");
        foreach (var r in p.AnnounceV6) c.AppendLine($"network {r} set nexthop {p.NextHopV6}");
        c.AppendLine($"neighbor {p.OurAddress} {{");
        c.AppendLine($"  remote-as {p.OurAs}");
        c.AppendLine($"  port {p.Port}");
        c.AppendLine($"  local-address {p.DaemonAddress}");
        c.AppendLine($"  holdtime {p.HoldTimeSeconds}");
        c.AppendLine("  multihop 2");
        c.AppendLine("  set nexthop no-modify");
        if (p.DaemonPassive) c.AppendLine("  passive");
        if (p.Password is not null) c.AppendLine($"  tcp md5sig password {p.Password}");
        c.AppendLine("  announce IPv4 unicast");
        c.AppendLine("  announce IPv6 unicast");
        c.AppendLine("}");
        c.AppendLine("allow from any");
        c.AppendLine("allow to any");
        return c.ToString();
    }

    protected override string[] Command()
    {
        Directory.CreateDirectory("/run/openbgpd");
        return ["bgpd", "-d", "-f", WriteFile("bgpd.conf", Config())];
    }

    public Task<string> BgpctlAsync(params string[] args) => RunAsync("bgpctl", ["-s", Socket, .. args]);

    protected override Task ProbeAsync() => BgpctlAsync("show", "summary");

    public override async Task<DaemonPeerView> GetPeerAsync()
    {
        var raw = await BgpctlAsync("show", "neighbor", Peering.OurAddress.ToString());
        var m = State().Match(raw);
        return new DaemonPeerView(m.Success ? NormaliseState(m.Groups[1].Value) : "unknown", raw);
    }

    public override async Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family)
    {
        var raw = await BgpctlAsync("show", "rib", "neighbor", Peering.OurAddress.ToString(), "in");
        return [.. raw.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => f.FirstOrDefault(x => x.Contains('/')))
            .Where(x => x is not null && (family == 6) == x.Contains(':')).Select(x => x!)];
    }

    // bgpctl(8): "show rib [options] [prefix]", options such as detail before the prefix.
    public override Task<string> ShowRouteAsync(string prefix) => BgpctlAsync("show", "rib", "detail", prefix);

    public Task AnnounceAsync(string prefix) => BgpctlAsync("network", "add", prefix);
    public Task WithdrawAsync(string prefix) => BgpctlAsync("network", "delete", prefix);

    [GeneratedRegex(@"BGP state = (\S+?),?\s")]
    private static partial Regex State();
}
