using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// The built service as an operator starts it: health routes while the node joins its Akka.NET cluster, the BGP
/// listener only once it is a member, and <c>akka.loglevel</c> from the user's file deciding what Akka.NET logs.
/// </summary>
public sealed class ClusterStartupTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(new IPEndPoint(address, port)).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Ready_is_503_until_the_node_is_a_cluster_member_with_its_BGP_listener_bound_and_requests_meanwhile_wait()
    {
        var address = IPAddress.Parse("127.0.66.1");
        using var config = new ServiceConfig(address);
        var remotePort = ServiceProcess.FreePort(address);
        var silentSeed = ServiceProcess.FreePort(address);
        var self = $"akka.tcp://akka-bgp@{address}:{remotePort}";
        // This node first, then one nobody answers on: Akka.NET asks the other seed for seed-node-timeout before it
        // forms the cluster by itself, a window in which the node is alive but not yet a member.
        config.Write("  neighbors = [ { address = \"127.0.66.2\", remote-as = 65010, passive = true } ]", $$"""
              remote.dot-netty.tcp { hostname = "{{address}}", port = {{remotePort}} }
              cluster { seed-nodes = ["{{self}}", "akka.tcp://akka-bgp@{{address}}:{{silentSeed}}"], seed-node-timeout = 4s }
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management, waitForReady: false);

        var (status, type, body) = await service.SendAsync(HttpMethod.Get, "ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("application/json", type);
        Assert.Equal("not ready", body.GetProperty("status").GetString());
        Assert.Contains("joining the cluster (seed nodes", body.GetProperty("reason").GetString());
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("akka.cluster.join").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("bgp.listeners").GetProperty("status").GetString());
        Assert.Equal("alive", (await service.GetJsonAsync("alive")).GetProperty("status").GetString());
        Assert.False(await AcceptsAsync(address, config.BgpPort), "the BGP port accepted before the node was a member");
        // A request that arrives now waits for the speaker instead of failing.
        var early = service.Http.GetAsync("bgp/neighbors");

        await service.WaitUntilAsync(async () => (await service.Http.GetAsync("ready")).StatusCode == HttpStatusCode.OK, Wait, "GET /ready 200");
        Assert.True(await AcceptsAsync(address, config.BgpPort), "the BGP port did not accept once ready");
        using (var response = await early.WaitAsync(Wait))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("127.0.66.2", await response.Content.ReadAsStringAsync());
        }
        // Akka Management's ClusterMembers shape: a real Akka.NET cluster of one, the node Up and leader.
        var members = await service.GetJsonAsync("cluster/members");
        Assert.Equal(self, members.GetProperty("selfNode").GetString());
        var member = Assert.Single(members.GetProperty("members").EnumerateArray());
        Assert.Equal((self, "Up"), (member.GetProperty("node").GetString(), member.GetProperty("status").GetString()));
        Assert.NotEqual("0", member.GetProperty("nodeUid").GetString());
        Assert.Equal("bgp-speaker", Assert.Single(member.GetProperty("roles").EnumerateArray()).GetString());
        Assert.Empty(members.GetProperty("unreachable").EnumerateArray());
        Assert.Equal(self, members.GetProperty("leader").GetString());
        Assert.Equal(self, members.GetProperty("oldest").GetString());
        Assert.Equal(self, members.GetProperty("oldestPerRole").GetProperty("bgp-speaker").GetString());
        Assert.Equal("Healthy", (await service.GetJsonAsync("ready")).GetProperty("checks").GetProperty("akka.cluster.join").GetProperty("status").GetString());

        service.Signal("TERM");
        Assert.Equal(0, await service.WaitForExitAsync(Wait));
    }

    [Fact]
    public async Task A_node_downed_by_another_cluster_member_stops_the_service_with_a_non_zero_exit_and_says_why()
    {
        var address = IPAddress.Parse("127.0.66.21");
        using var config = new ServiceConfig(address);
        var remotePort = ServiceProcess.FreePort(address);
        var node = $"akka.tcp://akka-bgp@{address}:{remotePort}";
        config.Write("", $$"""  remote.dot-netty.tcp { hostname = "{{address}}", port = {{remotePort}} }""");
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);

        // A second member, in this process, joins the service's cluster of one and downs it, as an operator would.
        using var other = Akka.Actor.ActorSystem.Create("akka-bgp", Akka.Configuration.ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "{{address}}", port = 0 }
            akka.cluster.seed-nodes = ["{{node}}"]
            akka.loglevel = WARNING
            """));
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Akka.Cluster.Cluster.Get(other);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(Wait);
        await service.WaitUntilAsync(async () =>
        {
            var members = (await service.GetJsonAsync("cluster/members")).GetProperty("members").EnumerateArray().ToArray();
            return members.Length == 2 && members.All(m => m.GetProperty("status").GetString() == "Up");
        }, Wait, "two members Up in /cluster/members");

        cluster.Down(Akka.Actor.Address.Parse(node));
        Assert.NotEqual(0, await service.WaitForExitAsync(Wait));
        Assert.Contains("The actor system is stopping on its own (ClusterDowningReason); stopping the service", service.Output);
        // The sessions' Cease/2 runs on this path too, saying why.
        Assert.Contains("Stopping 0 session(s) with \"node downed by the AkkaBgp cluster\"", service.Output);
        await other.Terminate();
    }

    [Theory]
    [InlineData("DEBUG")]
    [InlineData("WARNING")]
    public async Task Akka_loglevel_in_the_users_file_decides_which_of_Akkas_own_lines_reach_the_console(string level)
    {
        var address = IPAddress.Parse(level == "DEBUG" ? "127.0.66.11" : "127.0.66.12");
        using var config = new ServiceConfig(address);
        // A member of a cluster (fixed remoting port), so that Akka.NET has INFO lines of its own to log or hold back.
        config.Write("", $"  loglevel = {level}\n  remote.dot-netty.tcp {{ hostname = \"{address}\", port = {ServiceProcess.FreePort(address)} }}");
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        service.Signal("TERM");
        Assert.Equal(0, await service.WaitForExitAsync(Wait));
        var output = service.Output;
        // Ours follow akka-bgp.logging.level (information) either way.
        Assert.Contains("INF] AkkaBgp.Service.Hosting.SpeakerLifecycle: Speaker started", output);
        var akkaDebug = new Regex(@"DBG\] Akka[.:]");
        var akkaInfo = new Regex(@"INF\] Akka[.:] ");
        if (level == "DEBUG")
        {
            Assert.Matches(akkaDebug, output);
            Assert.Matches(akkaInfo, output);
        }
        else
        {
            Assert.DoesNotMatch(akkaDebug, output);
            Assert.DoesNotMatch(akkaInfo, output);
            // ... while at the default (INFO) Akka.NET says "Starting remoting".
            Assert.DoesNotContain("Starting remoting", output);
        }
    }

    [Fact]
    public async Task Akka_logs_at_info_by_default_into_the_same_console_as_ours()
    {
        var address = IPAddress.Parse("127.0.66.13");
        using var config = new ServiceConfig(address);
        config.Write("", $"  remote.dot-netty.tcp {{ hostname = \"{address}\", port = {ServiceProcess.FreePort(address)} }}");
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        service.Signal("TERM");
        Assert.Equal(0, await service.WaitForExitAsync(Wait));
        Assert.Contains("INF] Akka: Starting remoting", service.Output);
        Assert.DoesNotMatch(new Regex(@"DBG\] Akka[.:]"), service.Output);
    }
}
