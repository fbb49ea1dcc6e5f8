using System.Net;
using System.Text.Json;
using AkkaBgp.Cli;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// akkabgp, run in-process against the running service peered with BIRD: the tables a user reads, the JSON scripts
/// read, and the exit codes scripts rely on (0 ok, 1 refused or not found, 2 usage, 3 unreachable).
/// </summary>
public sealed class CliTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    internal static async Task<(int Code, string Out, string Err)> Akkabgp(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await AkkaBgp.Cli.Akkabgp.RunAsync(args, output, error, _ => null);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Operator_commands_show_neighbors_and_routes_announce_and_withdraw_and_fail_with_the_right_codes()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        var ours = IPAddress.Parse("127.124.0.1");
        using var config = new ServiceConfig(ours);
        var peering = new Peering(IPAddress.Parse("127.124.0.2"), 65124, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.124.1.0/24", "10.124.2.0/24"],
            AnnounceV6 = ["2001:db8:124::/48"],
        };
        await using var bird = new Bird(peering);
        await bird.StartAsync();
        config.Write(BirdPeeringTests.Neighbor(peering));
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        string url = $"http://{config.Management}";
        await service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync("bgp/rib?prefix=10.124.0.0/16&match=longer")).GetProperty("totalPrefixes").GetInt32() == 2,
            Wait, "BIRD's routes in /bgp/rib");

        // The neighbor table, found through the service's own configuration file.
        var (code, table, _) = await Akkabgp("--config", config.Path, "neighbor");
        Assert.Equal(0, code);
        var row = table.Split('\n').Single(l => l.StartsWith("127.124.0.2", StringComparison.Ordinal));
        Assert.Matches(@"^127\.124\.0\.2\s+65124\s+\d+\s+\d+\s+\d\d:\d\d:\d\d\s+3$", row.TrimEnd());

        var (_, detail, _) = await Akkabgp("--url", url, "neighbor", "127.124.0.2");
        Assert.Contains("state Established", detail);
        Assert.Contains("ipv4-unicast: received 2, accepted 2", detail);
        var (_, json, _) = await Akkabgp("--url", url, "neighbor", "127.124.0.2", "-j");
        Assert.Equal("Established", JsonDocument.Parse(json).RootElement.GetProperty("state").GetString());

        // Routes: every path, the best marked; filters by AS path regex and community.
        var (_, rib, _) = await Akkabgp("--url", url, "rib");
        Assert.Matches(@"\*>\s+10\.124\.1\.0/24\s+" + Regex(peering.NextHopV4) + @"\s+127\.124\.0\.2\s+65124", rib);
        Assert.Contains("2001:db8:124::/48", rib);
        Assert.Contains("3 paths", rib);
        Assert.Equal(0, (await Akkabgp("--url", url, "rib", "10.124.0.0/16", "--longer", "--as-path", "^65124$")).Code);
        var (noMatch, _, why) = await Akkabgp("--url", url, "rib", "10.124.1.0/24", "--community", "65000:999");
        Assert.Equal(1, noMatch);
        Assert.Contains("10.124.1.0/24: no route", why);
        var (_, summary, _) = await Akkabgp("--url", url, "rib", "summary");
        Assert.Matches(@"ipv4-unicast\s+2\s+2\s+2", summary);

        // Announce and withdraw; BIRD sees both.
        var (added, addedText, _) = await Akkabgp("--url", url, "route", "add", "198.51.100.0/24", "--community", "65000:7");
        Assert.Equal(0, added);
        Assert.Contains("198.51.100.0/24: announced", addedText);
        await bird.WaitForRoutesAsync(4, r => r.Contains("198.51.100.0/24"), Wait);
        Assert.Contains("(65000,7)", await bird.ShowRouteAsync("198.51.100.0/24"));

        // Per-neighbor views: what BIRD sent us (after import policy), and what we send BIRD (as sent: our AS
        // prepended, never BIRD's own routes back, RFC 4271 9.2).
        var (_, adjIn, _) = await Akkabgp("--url", url, "rib", "--neighbor", "127.124.0.2");
        Assert.Contains("3 paths", adjIn);
        Assert.Contains("10.124.2.0/24", adjIn);
        var (outCode, adjOut, _) = await Akkabgp("--url", url, "rib", "--neighbor", "127.124.0.2", "--out");
        Assert.Equal(0, outCode);
        Assert.Matches(@"198\.51\.100\.0/24\s+\S+\s+127\.124\.0\.2\s+65000\s", adjOut);
        Assert.DoesNotContain("10.124.1.0/24", adjOut);
        Assert.Contains("65000:7", adjOut);
        var (pre, _, preWhy) = await Akkabgp("--url", url, "rib", "--neighbor", "127.124.0.2", "--pre-policy");
        Assert.Equal(1, pre);
        Assert.Contains("keep-filtered", preWhy);
        Assert.Equal(2, (await Akkabgp("--url", url, "rib", "--out")).Code);
        Assert.Equal(0, (await Akkabgp("--url", url, "route", "del", "198.51.100.0/24")).Code);
        await bird.WaitForRoutesAsync(4, r => !r.Contains("198.51.100.0/24"), Wait);

        // Stop with a shutdown communication, start again.
        Assert.Equal(0, (await Akkabgp("--url", url, "neighbor", "127.124.0.2", "stop", "-m", "cli maintenance")).Code);
        await service.WaitForStateAsync("127.124.0.2", "Idle", Wait);
        await bird.WaitForPeerAsync(p => p.Raw.Contains("cli maintenance") || BirdPeeringTests.BirdLog(bird).Contains("cli maintenance"), Wait);
        Assert.Equal(0, (await Akkabgp("--url", url, "neighbor", "127.124.0.2", "start")).Code);
        await service.WaitForStateAsync("127.124.0.2", "Established", Wait);

        // Exit codes scripts rely on.
        var (notFound, _, notFoundText) = await Akkabgp("--url", url, "neighbor", "192.0.2.77");
        Assert.Equal(1, notFound);
        Assert.StartsWith("akkabgp: ", notFoundText);
        Assert.Contains("(404)", notFoundText);
        Assert.Single(notFoundText.Trim().Split('\n'));
        Assert.Equal(2, (await Akkabgp("--url", url, "neighbor", "127.124.0.2", "explode")).Code);
        int unused = ServiceProcess.FreePort(ours);
        var (unreachable, _, unreachableText) = await Akkabgp("--url", $"http://127.124.0.1:{unused}", "neighbor");
        Assert.Equal(3, unreachable);
        Assert.Contains("cannot reach", unreachableText);
    }

    [Fact]
    public async Task Pre_policy_view_shows_what_import_policy_rejected_when_the_neighbor_keeps_filtered_routes()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (tests/run-all.sh installs bird2)");
        var ours = IPAddress.Parse("127.124.1.1");
        using var config = new ServiceConfig(ours);
        var peering = new Peering(IPAddress.Parse("127.124.1.2"), 65125, ours, 65000, config.BgpPort)
        {
            DaemonPassive = true,
            AnnounceV4 = ["10.125.1.0/24", "10.125.2.0/24"],
        };
        await using var bird = new Bird(peering);
        await bird.StartAsync();
        config.Write(BirdPeeringTests.Neighbor(peering,
            ", keep-filtered = true, import { default-action = accept, rules = [ { prefix = \"10.125.2.0/24\", action = reject } ] }"));
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        string url = $"http://{config.Management}";
        await service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync("bgp/neighbors/127.124.1.2/rib/in?policy=pre")).GetProperty("routes").GetArrayLength() == 2,
            Wait, "both of BIRD's routes in the pre-policy view");
        var (_, pre, _) = await Akkabgp("--url", url, "rib", "--neighbor", "127.124.1.2", "--pre-policy");
        Assert.Contains("10.125.2.0/24", pre);
        Assert.Contains("2 paths", pre);
        var (_, post, _) = await Akkabgp("--url", url, "rib", "--neighbor", "127.124.1.2");
        Assert.Contains("10.125.1.0/24", post);
        Assert.DoesNotContain("10.125.2.0/24", post);
        Assert.Contains("1 paths", post);
    }

    [Fact]
    public async Task Config_check_reports_what_the_service_would_with_file_line_and_key()
    {
        var dir = Directory.CreateTempSubdirectory("akkabgp-cli-").FullName;
        try
        {
            string good = Path.Combine(dir, "good.conf"), bad = Path.Combine(dir, "bad.conf");
            File.WriteAllText(good, "akka-bgp {\n  router-id = \"192.0.2.1\"\n  local-as = 65000\n  neighbors = [ { address = \"192.0.2.2\", remote-as = 65001 } ]\n}\n");
            File.WriteAllText(bad, "akka-bgp {\n  router-id = \"192.0.2.1\"\n  local-as = 65000\n  neighbors = [ { address = \"192.0.2.2\", remote-as = 65001, hold-time = 2s } ]\n}\n");
            var (ok, okText, _) = await Akkabgp("config", "check", good, "--reference", ReferenceConf());
            Assert.Equal(0, ok);
            Assert.Contains("OK (1 neighbors)", okText);
            var (failed, _, problems) = await Akkabgp("config", "check", bad, "--reference", ReferenceConf());
            Assert.Equal(1, failed);
            Assert.Contains("bad.conf:4:", problems);
            Assert.Contains("hold-time", problems);
            Assert.Equal(2, (await Akkabgp("config", "check", Path.Combine(dir, "missing.conf"))).Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);

    private static string ReferenceConf()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HOCON", "reference.conf"))) return Path.Combine(d.FullName, "HOCON", "reference.conf");
        throw new FileNotFoundException("HOCON/reference.conf");
    }
}
