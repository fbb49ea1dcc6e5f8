using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace AkkaBgp.Interop;

/// <summary>
/// A point-to-point IPv6 link for one test: a network namespace for the daemon and a veth pair whose other end
/// stays in ours, with ULA addresses (fd00:a6:N::1 ours, ::2 the daemon's) and the kernel's link-local addresses.
/// Loopback cannot show what a real IPv6 peering does: two distinct addresses on a shared link, and the link-local
/// next hop RFC 2545 section 3 asks for on one. Needs root (CI runs as root); removed on dispose.
/// </summary>
public sealed class VethLink : IAsyncDisposable
{
    private VethLink(int n)
    {
        Namespace = $"akbgp6-{n}";
        OurInterface = $"ak6r{n}";
        DaemonInterface = $"ak6n{n}";
        OurAddress = IPAddress.Parse($"fd00:a6:{n:x}::1");
        DaemonAddress = IPAddress.Parse($"fd00:a6:{n:x}::2");
    }

    public string Namespace { get; }
    public string OurInterface { get; }
    public string DaemonInterface { get; }
    public IPAddress OurAddress { get; }
    public IPAddress DaemonAddress { get; }
    public IPAddress OurLinkLocal { get; private set; } = IPAddress.IPv6None;
    public IPAddress DaemonLinkLocal { get; private set; } = IPAddress.IPv6None;

    public static async Task<VethLink> CreateAsync(int n)
    {
        var link = new VethLink(n);
        await link.RemoveAsync(); // a previous run that was killed may have left them
        try
        {
            await link.SetUpAsync();
            return link;
        }
        catch
        {
            await link.RemoveAsync();
            throw;
        }
    }

    private async Task SetUpAsync()
    {
        var link = this;
        var ns = link.Namespace;
        await Ip("netns", "add", ns);
        await Ip("link", "add", link.OurInterface, "type", "veth", "peer", "name", link.DaemonInterface, "netns", ns);
        // No duplicate address detection: addresses are usable at once instead of "tentative" for a second or two.
        await Run("sysctl", "-q", "-w", $"net.ipv6.conf.{link.OurInterface}.accept_dad=0");
        await Run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", $"net.ipv6.conf.{link.DaemonInterface}.accept_dad=0");
        await Ip("-6", "addr", "add", $"{link.OurAddress}/64", "dev", link.OurInterface, "nodad");
        await Ip("-n", ns, "-6", "addr", "add", $"{link.DaemonAddress}/64", "dev", link.DaemonInterface, "nodad");
        await Ip("-n", ns, "link", "set", "lo", "up");
        await Ip("-n", ns, "link", "set", link.DaemonInterface, "up");
        await Ip("link", "set", link.OurInterface, "up");
        link.OurLinkLocal = await LinkLocalAsync([], link.OurInterface);
        link.DaemonLinkLocal = await LinkLocalAsync(["-n", ns], link.DaemonInterface);
    }

    /// <summary>Runs <paramref name="command"/> inside the daemon's namespace.</summary>
    public string[] Inside(string[] command) => ["ip", "netns", "exec", Namespace, .. command];

    private static async Task<IPAddress> LinkLocalAsync(string[] nsArgs, string device)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var json = await Run("ip", [.. nsArgs, "-6", "-j", "addr", "show", "dev", device, "scope", "link"]);
            using var doc = JsonDocument.Parse(json);
            foreach (var i in doc.RootElement.EnumerateArray())
                if (i.TryGetProperty("addr_info", out var addresses))
                foreach (var a in addresses.EnumerateArray())
                    if (a.TryGetProperty("local", out var local) && local.GetString() is { } s && s.StartsWith("fe80", StringComparison.OrdinalIgnoreCase))
                        return IPAddress.Parse(s);
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"{device}: no link-local address: {json}");
            await Task.Delay(100);
        }
    }

    private async Task RemoveAsync()
    {
        try { await Ip("link", "del", OurInterface); } catch (InvalidOperationException) { }
        try { await Ip("netns", "del", Namespace); } catch (InvalidOperationException) { }
    }

    public async ValueTask DisposeAsync() => await RemoveAsync();

    private static Task<string> Ip(params string[] args) => Run("ip", args);

    private static async Task<string> Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot run {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)}: exit {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}
