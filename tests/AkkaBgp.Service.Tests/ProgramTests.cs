using System.Diagnostics;

namespace AkkaBgp.Service.Tests;

public sealed class ProgramTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private const string Broken = """
        akka-bgp {
          router-id = "192.0.2.1"
          local-as = 65000
          neighbors = [ { address = "192.0.2.2", remote-as = 64496, hold-time = 2s, keepalive-tme = 1s } ]
        }
        """;

    [Fact]
    public void A_broken_configuration_exits_2_with_every_problem_listed()
    {
        var file = _files.Write(Broken);
        var (code, stdout, stderr) = Run("--config", file, "--reference", ConfigFiles.Reference);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"""
            configuration errors (2), nothing started:
              akka-bgp.neighbors[0].keepalive-tme ({file}:4:93): unknown key, did you mean keepalive-time?
              akka-bgp.neighbors[0].hold-time ({file}:4:73): 2s is not allowed (0 or at least 3s)

            """, stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_valid_configuration_passes_the_check()
    {
        var file = _files.Write(ConfigFiles.Minimal("  neighbors = [ { address = \"192.0.2.2\", remote-as = 64496 } ]"));
        var (code, stdout, stderr) = Run("--check", "--config", file, "--reference", ConfigFiles.Reference);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal("configuration OK: router-id 192.0.2.1, AS 65000, 1 neighbor(s), 0 dynamic range(s), 0 route(s)\n", stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Without_arguments_the_shipped_default_is_used()
    {
        // Next to the binary: the build copies HOCON/*.conf there.
        var (code, stdout, _) = Run("--check");
        Assert.Equal(0, code);
        Assert.StartsWith("configuration OK: router-id 192.0.2.1, AS 65000", stdout);
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("--frobnicate")]
    public void Bad_arguments_are_a_usage_error(string arg)
    {
        var (code, _, stderr) = Run(arg);
        Assert.Equal(Program.ExitUsage, code);
        Assert.Contains("usage: AkkaBgp.Service", stderr);
    }

    [Fact]
    public async Task The_built_binary_exits_2_and_prints_the_list()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AkkaBgp.Service.dll");
        var file = _files.Write(Broken);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { dll, "--config", file }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        var stderr = await stderrTask;
        Assert.Equal(2, p.ExitCode);
        Assert.Equal("", stdout);
        Assert.Contains($"akka-bgp.neighbors[0].hold-time ({file}:4:73): 2s is not allowed (0 or at least 3s)", stderr);
        Assert.Contains("configuration errors (2), nothing started:", stderr);
    }
}
