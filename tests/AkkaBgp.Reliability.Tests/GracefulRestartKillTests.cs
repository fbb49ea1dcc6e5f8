using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Reliability.Tests;

/// <summary>
/// kill -9 of the service and a restart, with GoBGP as the graceful restart helper (RFC 4724 4.2 on its side): while
/// we are gone it keeps our routes, marked stale; when we are back (OPEN with the Restart State bit and the
/// Forwarding State bit of each family) it keeps them until our End-of-RIB, then drops what we no longer announce.
/// </summary>
public sealed class GracefulRestartKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private const string Kept = "198.51.100.0/24", Dropped = "203.0.113.0/24";

    [Fact]
    public async Task A_helper_keeps_our_routes_stale_through_kill_9_and_converges_at_our_End_of_RIB()
    {
        Assert.True(GoBgp.Installed, "gobgpd and gobgp are needed (tests/run-all.sh installs them)");
        var ours = IPAddress.Parse("127.0.195.1");
        using var config = new ServiceConfig(ours);
        // Internal (same AS): the configured next hop goes out unchanged (GoBGP refuses 127/8 ones as martians).
        var peering = new Peering(IPAddress.Parse("127.0.195.2"), 65000, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            GracefulRestartSeconds = 60,
        };
        await using var gobgp = new GoBgp(peering);
        await gobgp.StartAsync();
        string Config(params string[] prefixes) => $$"""
              neighbors = [ { address = "{{peering.DaemonAddress}}", remote-as = {{peering.DaemonAs}}, port = {{peering.Port}}, local-address = "{{ours}}",
                hold-time = 9s, connect-retry-time = 1s, idle-hold-time = 1s,
                capabilities { graceful-restart-time = 60s, graceful-restart-restarting-speaker = true } } ]
              routes = [ {{string.Join(", ", prefixes.Select(p => $"{{ prefix = \"{p}\", next-hop = \"192.0.2.1\" }}"))}} ]
            """;
        config.Write(Config(Kept, Dropped));
        var first = await ServiceProcess.StartAsync(config.Path, config.Management);
        try
        {
            await gobgp.WaitForPeerAsync(p => p.IsEstablished, Wait);
            var before = await WaitForRoutesAsync(gobgp, r => r.Count == 2 && r.Values.All(stale => !stale), "both routes, fresh");
            output.WriteLine($"before the kill: {Show(before)}");

            // SIGKILL: no NOTIFICATION, no clean close; the kernel closes the sockets.
            using (var process = System.Diagnostics.Process.GetProcessById(first.Pid))
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            await gobgp.WaitForPeerAsync(p => !p.IsEstablished, Wait);
            var whileGone = await WaitForRoutesAsync(gobgp, r => r.Count == 2 && r.Values.All(stale => stale), "both routes kept, stale");
            output.WriteLine($"while the service is gone: {Show(whileGone)}");
        }
        finally { await first.DisposeAsync(); }

        // Back, announcing only one of the two: the other must go at our End-of-RIB, not at the restart timer (60 s).
        config.Write(Config(Kept));
        await using var second = await ServiceProcess.StartAsync(config.Path, config.Management, arguments: "--restarting");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await gobgp.WaitForPeerAsync(p => p.IsEstablished, Wait);
        var after = await WaitForRoutesAsync(gobgp, r => r.Count == 1 && r.TryGetValue(Kept, out var stale) && !stale, $"only {Kept}, fresh");
        output.WriteLine($"after the restart ({clock.Elapsed.TotalSeconds:0.0} s): {Show(after)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"converged only after {clock.Elapsed.TotalSeconds:0} s: the restart timer, not our End-of-RIB");
        // What GoBGP saw in our OPEN: the Restart State bit and the families.
        var neighbor = await gobgp.GobgpAsync("neighbor", ours.ToString());
        output.WriteLine(neighbor);
        Assert.Matches(@"graceful-restart:\s+advertised and received", neighbor);
        Assert.Matches(@"Remote: restart time 60 sec, restart flag set", neighbor);
        Assert.Matches(@"ipv4-unicast, forward flag set", neighbor);
    }

    private static string Show(Dictionary<string, bool> routes) => string.Join(", ", routes.Select(r => $"{r.Key}{(r.Value ? " (stale)" : "")}"));

    /// <summary>The routes GoBGP has from us (prefix => stale), polled until <paramref name="condition"/> holds.</summary>
    private static async Task<Dictionary<string, bool>> WaitForRoutesAsync(GoBgp gobgp, Func<Dictionary<string, bool>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        var last = new Dictionary<string, bool>();
        string raw = "";
        while (DateTime.UtcNow < deadline)
        {
            raw = await gobgp.GobgpAsync("global", "rib", "-a", "ipv4", "-j");
            last = Parse(raw);
            if (condition(last)) return last;
            await Task.Delay(250);
        }
        throw new TimeoutException($"GoBGP: not {what} within {Wait}: {Show(last)}\n{raw}\n{gobgp.Output}");
    }

    /// <summary>gobgp ... rib -j prints {"prefix": [path, ...]}; a path from a restarting neighbor has "stale": true.</summary>
    private static Dictionary<string, bool> Parse(string raw)
    {
        var result = new Dictionary<string, bool>();
        if (string.IsNullOrWhiteSpace(raw) || raw.Trim() == "null") return result;
        using var doc = JsonDocument.Parse(raw);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return result;
        foreach (var prefix in doc.RootElement.EnumerateObject())
            foreach (var path in prefix.Value.EnumerateArray())
                result[prefix.Name] = path.TryGetProperty("stale", out var s) && s.ValueKind == JsonValueKind.True;
        return result;
    }
}
