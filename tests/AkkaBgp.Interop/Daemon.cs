using System.Diagnostics;
using System.Text;

namespace AkkaBgp.Interop;

/// <summary>
/// A real BGP daemon started for one test: its own config and run folder, started in the
/// foreground so that we own its PID, stopped by that PID (SIGTERM, then SIGKILL).
/// </summary>
public abstract class Daemon : IAsyncDisposable
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    protected Daemon(Peering peering)
    {
        Peering = peering;
        WorkDir = Directory.CreateTempSubdirectory($"akkabgp-{Name}-").FullName;
    }

    public Peering Peering { get; }
    public string WorkDir { get; }
    public abstract string Name { get; }

    /// <summary>Everything the daemon printed on stdout/stderr so far (for failure messages).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Whether the daemon's binaries are installed (tests/run-all.sh installs them).</summary>
    public static bool IsInstalled(string executable) =>
        File.Exists(executable) ||
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, executable)));

    protected abstract string[] Command();

    /// <summary>A cheap CLI call that succeeds once the daemon accepts control commands.</summary>
    protected abstract Task ProbeAsync();

    public abstract Task<DaemonPeerView> GetPeerAsync();

    /// <summary>Prefixes the daemon has learned from us ("10.9.0.0/24"), for the given family (4 or 6).</summary>
    public abstract Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family);

    /// <summary>The daemon's view of one route learned from us, as its CLI prints it (for attribute assertions).</summary>
    public abstract Task<string> ShowRouteAsync(string prefix);

    /// <summary>Takes the daemon's session with us administratively down (false) or up again (true), the daemon
    /// staying up: BIRD's <c>disable</c>/<c>enable</c>, FRR's <c>neighbor X shutdown</c>.</summary>
    public virtual Task SetSessionEnabledAsync(bool enabled) =>
        throw new NotSupportedException($"{Name}: no administrative session control in the fixture");

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var cmd = Command();
        if (Peering.NetworkNamespace is { } ns) cmd = ["ip", "netns", "exec", ns, .. cmd];
        var psi = new ProcessStartInfo(cmd[0])
        {
            WorkingDirectory = WorkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in cmd.Skip(1)) psi.ArgumentList.Add(a);
        File.WriteAllText(Path.Combine(WorkDir, "command.txt"), string.Join(' ', cmd) + "\n");
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"{Name}: could not start {cmd[0]}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            try { await ProbeAsync(); return; }
            catch (Exception e) { last = e; }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} did not become ready: {last?.Message}\n{Output}");
    }

    /// <summary>Polls the daemon's CLI until <paramref name="condition"/> holds or the time is up.</summary>
    public async Task<DaemonPeerView> WaitForPeerAsync(Func<DaemonPeerView, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        DaemonPeerView view = new("unknown", "");
        while (DateTime.UtcNow < deadline)
        {
            try { view = await GetPeerAsync(); } catch (Exception e) { view = new("error", e.Message); }
            if (condition(view)) return view;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name}: condition not met within {timeout}; last state {view.State}:\n{view.Raw}\n--- daemon output ---\n{Output}");
    }

    public async Task<IReadOnlyList<string>> WaitForRoutesAsync(int family, Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<string> routes = [];
        while (DateTime.UtcNow < deadline)
        {
            routes = await GetRoutesFromUsAsync(family);
            if (condition(routes)) return routes;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name}: routes condition not met within {timeout}; has [{string.Join(", ", routes)}]");
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            // SIGTERM first so daemons that clean up (OpenBGPD's children, FRR's pid file) do so.
            Process.Start("kill", ["-TERM", p.Id.ToString()])?.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
        }
        _process?.Dispose();
        GC.SuppressFinalize(this);
        // AKKABGP_KEEP_DAEMON_DIRS=1 keeps the daemon's config and logs for a look after a failure.
        if (Environment.GetEnvironmentVariable("AKKABGP_KEEP_DAEMON_DIRS") == "1") return;
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Runs a CLI command and returns stdout; a non-zero exit becomes an exception with the output.</summary>
    protected static async Task<string> RunAsync(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot run {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await p.WaitForExitAsync(cts.Token);
        var o = await stdout;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)}: exit {p.ExitCode}: {o}{await stderr}");
        return o;
    }

    protected string WriteFile(string name, string text)
    {
        var path = Path.Combine(WorkDir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Maps the daemons' various state spellings onto RFC 4271's.</summary>
    protected static string NormaliseState(string s) => s.Trim().ToLowerInvariant() switch
    {
        "established" or "bgp_fsm_established" => "Established",
        "idle" or "bgp_fsm_idle" or "down" => "Idle",
        "connect" or "bgp_fsm_connect" => "Connect",
        "active" or "bgp_fsm_active" or "passive" => "Active",
        "opensent" or "bgp_fsm_opensent" => "OpenSent",
        "openconfirm" or "bgp_fsm_openconfirm" => "OpenConfirm",
        var other => other,
    };
}
