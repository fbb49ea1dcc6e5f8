using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>What a user sees when the service cannot start: a log line that says why, and a non-zero exit.</summary>
public sealed class StartupTests
{
    private static async Task<(int Code, string Output)> RunToExitAsync(string configPath)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "AkkaBgp.Service.dll"), "--config", configPath, "--reference", ConfigFiles.Reference })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task A_BGP_port_in_use_exits_1_and_says_so()
    {
        var address = IPAddress.Parse("127.0.64.1");
        using var config = new ServiceConfig(address);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(address, config.BgpPort));
        squatter.Listen();
        config.Write("");
        var (code, output) = await RunToExitAsync(config.Path);
        Assert.Equal(1, code);
        Assert.Contains($"Cannot listen for BGP: {address}:{config.BgpPort}", output);
    }

    [Fact]
    public async Task A_management_port_in_use_exits_1_and_says_so()
    {
        var address = IPAddress.Parse("127.0.64.2");
        using var config = new ServiceConfig(address);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(address, config.ManagementPort));
        squatter.Listen();
        config.Write("");
        var (code, output) = await RunToExitAsync(config.Path);
        Assert.Equal(1, code);
        Assert.Contains($"Cannot start the management endpoint on {address}:{config.ManagementPort}", output);
    }

    [Fact]
    public async Task A_remoting_port_in_use_exits_1_and_says_so()
    {
        var address = IPAddress.Parse("127.0.64.4");
        using var config = new ServiceConfig(address);
        var remotePort = ServiceProcess.FreePort(address);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(address, remotePort));
        squatter.Listen();
        config.Write("", $$"""  remote.dot-netty.tcp { hostname = "{{address}}", port = {{remotePort}} }""");
        var (code, output) = await RunToExitAsync(config.Path);
        Assert.Equal(1, code);
        Assert.Contains($"Cannot start: Failed to bind to [{address}:{remotePort}]: Address already in use", output);
    }

    [Fact]
    public async Task A_broken_file_exits_2_with_the_problem_list_and_starts_nothing()
    {
        var address = IPAddress.Parse("127.0.64.3");
        using var config = new ServiceConfig(address);
        config.Write("  neighbors = [ { address = \"192.0.2.9\", remote-as = 64496, hold-tme = 30s } ]");
        var (code, output) = await RunToExitAsync(config.Path);
        Assert.Equal(2, code);
        Assert.Contains("unknown key, did you mean hold-time?", output);
        Assert.DoesNotContain("Listening", output);
    }
}
