using System.Net;
using System.Text.Json;
using AkkaBgp.Interop;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// Live reload against two real BIRDs: a broken file changes nothing, a new neighbor starts, a changed one gets
/// Cease/6 while the other session stays up, a removed one gets Cease/3, and SIGHUP does what POST does.
/// </summary>
public sealed class ReloadTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reload_applies_the_difference_and_leaves_untouched_sessions_up()
    {
        Assert.True(Bird.Installed, "bird and birdc are needed (apt-get install bird2; tests/run-all.sh installs it)");
        var ours = IPAddress.Parse("127.0.63.1");
        using var config = new ServiceConfig(ours);
        // The BIRDs wait for us to dial: with both sides dialling, a connection collision can end an Established session
        // with Cease/7 (RFC 4271 6.8), which this test would take for a reload's doing.
        var a = new Peering(IPAddress.Parse("127.0.63.2"), 65063, ours, 65000, config.BgpPort) { AnnounceV4 = ["10.63.2.0/24"], DaemonPassive = true };
        var b = new Peering(IPAddress.Parse("127.0.63.3"), 65064, ours, 65000, config.BgpPort) { AnnounceV4 = ["10.63.3.0/24"], DaemonPassive = true };
        await using var birdA = new Bird(a);
        await using var birdB = new Bird(b);
        await Task.WhenAll(birdA.StartAsync(), birdB.StartAsync());

        string Neighbors(params string[] entries) => "  neighbors = [\n    " + string.Join("\n    ", entries) + "\n  ]\n";
        config.Write(Neighbors(BirdPeeringTests.NeighborEntry(a)));
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        await service.WaitForStateAsync("127.0.63.2", "Established", Wait);
        var aUp = (await service.NeighborAsync("127.0.63.2")).GetProperty("upSince").GetString();

        // A broken file is refused whole, with the list, and nothing changes.
        var good = File.ReadAllText(config.Path);
        // (Appended at the end, so these lists replace the good ones.)
        var end = good.LastIndexOf('}');
        config.WriteRaw(good[..end] + "  neighbors = [ { address = \"127.0.63.3\", remote-as = 65064, hold-time = 2s } ]\n  routes = [ { prefix = \"10.0.0.1/8\" } ]\n}\n");
        var (status, type, problem) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.True(errors.Length >= 2, string.Join("\n", errors));
        Assert.Contains(errors, e => e.Contains("hold-time") && e.Contains("2s is not allowed"));
        Assert.Contains(errors, e => e.Contains("routes[0].prefix"));
        Assert.Equal(HttpStatusCode.NotFound, (await service.SendAsync(HttpMethod.Get, "bgp/neighbors/127.0.63.3")).Status);
        // SIGHUP has nobody to answer: the refusal and its list go to the log. The POST above logged the same line, so
        // wait for a second one: a SIGHUP reload still running when the next step rewrites the file would apply that file.
        const string refused = "Configuration reload refused, the running configuration stays (2 problem(s))";
        if (AkkaBgp.Service.Hosting.ServiceHost.SignalIgnoredAtStart(1))
        {
            // This test run was started with SIGHUP ignored (nohup): the service inherits that, keeps it (nohup asks for
            // exactly that) and says how to reload instead.
            Assert.Contains("SIGHUP is ignored in this process", service.Output);
        }
        else
        {
            service.Signal("HUP");
            await service.WaitUntilAsync(() => Task.FromResult(Occurrences(service.Output, refused) == 2), Wait, "the SIGHUP refusal in the log");
            Assert.DoesNotContain("SIGHUP is ignored", service.Output);
        }
        Assert.Contains("2s is not allowed", service.Output);
        await service.AssertStateAsync("127.0.63.2", "Established");

        // A setting that needs a restart is refused too.
        config.WriteRaw(good.Replace("local-as = 65000", "local-as = 65001"));
        (status, _, problem) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("akka-bgp.local-as: changed", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetString());

        // Add B over HTTP: B starts, A is untouched.
        config.Write(Neighbors(BirdPeeringTests.NeighborEntry(a), BirdPeeringTests.NeighborEntry(b)));
        (status, _, var result) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["127.0.63.3"], Strings(result, "added"));
        Assert.Equal(["127.0.63.2"], Strings(result, "unchanged"));
        await service.WaitForStateAsync("127.0.63.3", "Established", Wait);
        await service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync("bgp/rib?prefix=10.63.3.0/24")).GetProperty("totalPrefixes").GetInt32() == 1, Wait, "B's route");
        var bUp = (await service.NeighborAsync("127.0.63.3")).GetProperty("upSince").GetString();

        // A description change does not need a new session: deferred, A stays up.
        config.Write(Neighbors(BirdPeeringTests.NeighborEntry(a, ", description = \"renamed\""), BirdPeeringTests.NeighborEntry(b)));
        (_, _, result) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(["127.0.63.2: Description"], Strings(result, "deferred"));

        // Change A's hold time with SIGHUP (POST where this run ignores SIGHUP, see above): A gets Cease/6 and comes back
        // with the new hold time, B stays up.
        config.Write(Neighbors(BirdPeeringTests.NeighborEntry(a with { HoldTimeSeconds = 6 }), BirdPeeringTests.NeighborEntry(b)));
        if (AkkaBgp.Service.Hosting.ServiceHost.SignalIgnoredAtStart(1)) await service.SendAsync(HttpMethod.Post, "config/reload");
        else service.Signal("HUP");
        await service.WaitUntilAsync(() => Task.FromResult(BirdLog(birdA).Contains("Received: Other configuration change")), Wait, "Cease/6 in BIRD A's log");
        await service.WaitUntilAsync(async () =>
        {
            var n = await service.NeighborAsync("127.0.63.2");
            return n.GetProperty("state").GetString() == "Established" && n.GetProperty("negotiated").GetProperty("holdTimeSeconds").GetDouble() == 6;
        }, Wait, "A back up with hold time 6");
        Assert.NotEqual(aUp, (await service.NeighborAsync("127.0.63.2")).GetProperty("upSince").GetString());
        var bNow = await service.NeighborAsync("127.0.63.3");
        Assert.Equal("Established", bNow.GetProperty("state").GetString());
        Assert.Equal(bUp, bNow.GetProperty("upSince").GetString());
        Assert.Equal(0, bNow.GetProperty("flapCount").GetInt32());
        Assert.DoesNotContain("Other configuration change", BirdLog(birdB));
        Assert.Contains("Configuration reloaded", service.Output);

        // Remove B: Cease/3 Peer De-configured, and it is gone from the API.
        config.Write(Neighbors(BirdPeeringTests.NeighborEntry(a with { HoldTimeSeconds = 6 })));
        (status, _, result) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["127.0.63.3"], Strings(result, "removed"));
        await service.WaitUntilAsync(() => Task.FromResult(BirdLog(birdB).Contains("Received: Peer de-configured")), Wait, "Cease/3 in BIRD B's log");
        Assert.Equal(HttpStatusCode.NotFound, (await service.SendAsync(HttpMethod.Get, "bgp/neighbors/127.0.63.3")).Status);
        await service.WaitUntilAsync(async () =>
            (await service.GetJsonAsync("bgp/rib?prefix=10.63.3.0/24")).GetProperty("totalPrefixes").GetInt32() == 0, Wait, "B's route withdrawn");

        service.Signal("TERM");
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Received: Administrative shutdown: \"service stopping\"", BirdLog(birdA));
    }

    private static int Occurrences(string text, string needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string[] Strings(JsonElement result, string name) =>
        result.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string BirdLog(Bird bird)
    {
        var path = Path.Combine(bird.WorkDir, "bird.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }
}
