using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaBgp.Interop;

/// <summary>One BFD peer of ours, as a daemon configures it.</summary>
/// <param name="DaemonAddress">The daemon's address (its BFD source).</param>
/// <param name="OurAddress">Our address (the daemon's BFD neighbor).</param>
/// <param name="Multihop">RFC 5883 (UDP 4784) instead of RFC 5881 (UDP 3784).</param>
/// <param name="IntervalMs">Desired min TX and required min RX, milliseconds.</param>
/// <param name="Multiplier">Detect Mult.</param>
/// <param name="Auth">BIRD's authentication keyword ("keyed sha1") or null.</param>
/// <param name="Password">The shared secret, with key id <paramref name="KeyId"/>.</param>
/// <param name="Interface">Single hop over this interface (BIRD's <c>dev</c>), or null.</param>
public sealed record BfdPeering(IPAddress DaemonAddress, IPAddress OurAddress, bool Multihop, int IntervalMs = 50, int Multiplier = 3,
    string? Auth = null, string? Password = null, byte KeyId = 1, string? Interface = null);

/// <summary>
/// A BFD-only daemon (FRR's bfdd, or BIRD with only a <c>protocol bfd</c>) with one configured session to us. It is not
/// the BGP peer: its BFD can be frozen (SIGSTOP) while the BGP daemon keeps its session, which is the failure BFD is
/// for: "the BGP session is fine, the path or the peer's forwarding is not". Both daemons bind the wildcard address on
/// 3784/4784, so two of them must not run at once.
/// </summary>
public abstract class BfdDaemon : IAsyncDisposable
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    protected BfdDaemon(BfdPeering peering, string name)
    {
        Peering = peering;
        WorkDir = Directory.CreateTempSubdirectory($"akkabgp-{name}-").FullName;
        // FRR's bfdd drops root for the frr user, which must write its sockets and log here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(WorkDir, (UnixFileMode)0x1FF);
    }

    public BfdPeering Peering { get; }
    public string WorkDir { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public int Pid => _process?.Id ?? 0;
    /// <summary>Prefix for running the daemon inside a network namespace (<c>ip netns exec NAME</c>), or empty.</summary>
    public string[] Namespace { get; init; } = [];

    protected abstract string[] Command();

    /// <summary>The daemon's state for the session with us, lowercase ("up", "down", "init", "admindown"), from its CLI.</summary>
    public abstract Task<string> SessionStateAsync();

    public async Task StartAsync()
    {
        var cmd = Namespace.Concat(Command()).ToArray();
        var psi = new ProcessStartInfo(cmd[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = WorkDir };
        foreach (var a in cmd.Skip(1)) psi.ArgumentList.Add(a);
        File.WriteAllText(Path.Combine(WorkDir, "command.txt"), string.Join(' ', cmd) + "\n");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{cmd[0]} exited with {_process.ExitCode}:\n{Output}");
            try { await SessionStateAsync(); return; }
            catch (Exception e) { last = e; }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{cmd[0]} did not answer its CLI: {last?.Message}\n{Output}");
    }

    public async Task<string> WaitForStateAsync(string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string now = "";
        while (DateTime.UtcNow < deadline)
        {
            try { now = await SessionStateAsync(); } catch (Exception e) { now = e.Message; }
            if (now == state) return now;
            await Task.Delay(100);
        }
        throw new TimeoutException($"BFD daemon did not reach {state} (last: {now})\n{Output}\n{Log()}");
    }

    /// <summary>Freezes the daemon: it stops sending and answering, as a hung peer would, with nothing sent on the way out.</summary>
    public void Freeze() => Signal("-STOP");

    public void Thaw() => Signal("-CONT");

    private void Signal(string signal)
    {
        if (_process is not { HasExited: false } p) throw new InvalidOperationException("daemon not running");
        using var kill = Process.Start("kill", [signal, p.Id.ToString()])!;
        kill.WaitForExit();
    }

    protected virtual string Log() => "";

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            Process.Start("kill", ["-CONT", p.Id.ToString()])?.WaitForExit();
            Process.Start("kill", ["-TERM", p.Id.ToString()])?.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
        }
        _process?.Dispose();
        GC.SuppressFinalize(this);
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    protected static async Task<string> RunAsync(string[] prefix, string exe, params string[] args)
    {
        var all = prefix.Append(exe).Concat(args).ToArray();
        var psi = new ProcessStartInfo(all[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in all.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await p.WaitForExitAsync(cts.Token);
        var o = await stdout;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', all)}: exit {p.ExitCode}: {o}{await stderr}");
        return o;
    }
}

/// <summary>FRR's bfdd alone (no zebra: it only logs that it cannot reach it), vty socket in its run folder. FRR 8.4
/// bfdd has no authentication.</summary>
public sealed class FrrBfd(BfdPeering peering) : BfdDaemon(peering, "bfdd")
{
    public const string Bfdd = "/usr/lib/frr/bfdd";
    public static bool Installed => File.Exists(Bfdd) && Daemon.IsInstalled("vtysh");

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine("hostname akkabgp-bfd-interop");
        c.AppendLine($"log file {Path.Combine(WorkDir, "bfdd.log")} informational");
        c.AppendLine("bfd");
        c.AppendLine($" peer {p.OurAddress}{(p.Multihop ? " multihop" : "")} local-address {p.DaemonAddress}");
        c.AppendLine($"  receive-interval {p.IntervalMs}");
        c.AppendLine($"  transmit-interval {p.IntervalMs}");
        c.AppendLine($"  detect-multiplier {p.Multiplier}");
        c.AppendLine(" !");
        c.AppendLine("!");
        return c.ToString();
    }

    protected override string[] Command()
    {
        var conf = Path.Combine(WorkDir, "bfdd.conf");
        File.WriteAllText(conf, Config());
        return [Bfdd, "-f", conf, "-i", Path.Combine(WorkDir, "bfdd.pid"), "--vty_socket", WorkDir, "-P", "0",
            "-z", Path.Combine(WorkDir, "zserv.api"), "--bfdctl", Path.Combine(WorkDir, "bfdd.sock"), "-u", "frr", "-g", "frr"];
    }

    public Task<string> VtyshAsync(string command) => RunAsync(Namespace, "vtysh", "--vty_socket", WorkDir, "-c", command);

    public override async Task<string> SessionStateAsync()
    {
        var json = await VtyshAsync("show bfd peers json");
        using var doc = JsonDocument.Parse(json);
        foreach (var peer in doc.RootElement.EnumerateArray())
            if (peer.GetProperty("peer").GetString() == Peering.OurAddress.ToString())
                return peer.GetProperty("status").GetString()!.ToLowerInvariant().Replace("-", "");
        return "none";
    }

    /// <summary>The daemon's whole view of the session (diagnostics, timers), for failure messages and the README.</summary>
    public Task<string> ShowPeerAsync() => VtyshAsync($"show bfd peer {Peering.OurAddress}{(Peering.Multihop ? " multihop" : "")} local-address {Peering.DaemonAddress}");

    protected override string Log()
    {
        var path = Path.Combine(WorkDir, "bfdd.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }
}

/// <summary>BIRD 2 with only a BFD protocol: one configured neighbor. BIRD refuses single-hop sessions to 127/8
/// ("Invalid remote address"), so on loopback it is multihop; single hop needs an interface (a veth pair).</summary>
public sealed partial class BirdBfd(BfdPeering peering) : BfdDaemon(peering, "bird-bfd")
{
    public static bool Installed => Daemon.IsInstalled("bird") && Daemon.IsInstalled("birdc");
    private string Ctl => Path.Combine(WorkDir, "bird.ctl");

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine($"router id {p.DaemonAddress};");
        c.AppendLine($"log \"{Path.Combine(WorkDir, "bird.log")}\" all;");
        c.AppendLine("protocol device {}");
        c.AppendLine("protocol bfd akka {");
        var options = new StringBuilder();
        options.Append($"min rx interval {p.IntervalMs} ms; min tx interval {p.IntervalMs} ms; idle tx interval 1000 ms; multiplier {p.Multiplier}; ");
        if (p.Auth is not null) options.Append($"authentication {p.Auth}; password \"{p.Password}\" {{ id {p.KeyId}; }}; ");
        if (p.Multihop) c.AppendLine($"  multihop {{ {options} }};");
        else c.AppendLine($"  interface \"{p.Interface}\" {{ {options} }};");
        c.AppendLine(p.Multihop
            ? $"  neighbor {p.OurAddress} local {p.DaemonAddress} multihop on;"
            : $"  neighbor {p.OurAddress} dev \"{p.Interface}\" local {p.DaemonAddress};");
        c.AppendLine("}");
        return c.ToString();
    }

    protected override string[] Command()
    {
        var conf = Path.Combine(WorkDir, "bird.conf");
        File.WriteAllText(conf, Config());
        return ["bird", "-f", "-c", conf, "-s", Ctl, "-P", Path.Combine(WorkDir, "bird.pid")];
    }

    public Task<string> BirdcAsync(params string[] args) => RunAsync(Namespace, "birdc", ["-s", Ctl, .. args]);

    public override async Task<string> SessionStateAsync()
    {
        var raw = await BirdcAsync("show", "bfd", "sessions");
        var m = Regex.Match(raw, $@"^{Regex.Escape(Peering.OurAddress.ToString())}\s+\S+\s+(\S+)", RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value.ToLowerInvariant() : "none";
    }

    protected override string Log()
    {
        var path = Path.Combine(WorkDir, "bird.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }
}
