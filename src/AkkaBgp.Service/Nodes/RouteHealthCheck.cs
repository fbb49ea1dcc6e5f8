using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Nodes;

/// <summary>Where a cluster route's health stands on this node. <see cref="Unchecked"/>: the route has no health check
/// (always announced); <see cref="Checking"/>: no result yet (not announced).</summary>
public enum RouteHealth { Unchecked, Checking, Passing, Failing }

/// <summary>One probe's outcome; <paramref name="Detail"/> says what was seen ("connected", "HTTP 503", "exit 1: ...").</summary>
public sealed record ProbeResult(bool Passed, string Detail);

/// <summary>Sent by <see cref="RouteHealthCheck"/> to its parent when the route's health changes.</summary>
public sealed record RouteHealthChanged(Prefix Prefix, RouteHealth From, RouteHealth To, string Detail);

/// <summary>
/// Runs one cluster route's <see cref="HealthCheck"/> on this node: a probe every interval (a timer message, so tests
/// drive it with a virtual scheduler), never two at once, each bounded by the check's timeout. The probe runs off the
/// actor and its result comes back as a message; the actor never waits on it.
/// </summary>
public sealed class RouteHealthCheck : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Probed(ProbeResult Result);

    private readonly Prefix _prefix;
    private readonly HealthCheck _check;
    private readonly Func<CancellationToken, Task<ProbeResult>> _probe;
    private RouteHealth _state = RouteHealth.Checking;
    private int _run; // results in a row against the current state
    private bool _probing;

    public RouteHealthCheck(Prefix prefix, HealthCheck check, Func<CancellationToken, Task<ProbeResult>> probe)
    {
        _prefix = prefix;
        _check = check;
        _probe = probe;
        Receive<Tick>(_ => Probe());
        Receive<Probed>(p => Judge(p.Result));
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("probe", Tick.Instance, _check.Interval);
        Probe();
    }

    private void Probe()
    {
        if (_probing) return; // the timeout is at most the interval, so this only skips when a probe ignores it
        _probing = true;
        var timeout = _check.Timeout;
        Run(_probe, timeout).PipeTo(Self, success: r => new Probed(r));
    }

    private static async Task<ProbeResult> Run(Func<CancellationToken, Task<ProbeResult>> probe, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await probe(cts.Token).WaitAsync(timeout + TimeSpan.FromMilliseconds(200));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            return new ProbeResult(false, $"no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ProbeResult(false, e.GetBaseException().Message);
        }
    }

    private void Judge(ProbeResult r)
    {
        _probing = false;
        var next = _state switch
        {
            // The first result decides at once; after that a change needs rise (or fall) results in a row.
            RouteHealth.Checking => r.Passed ? RouteHealth.Passing : RouteHealth.Failing,
            RouteHealth.Passing when !r.Passed => ++_run >= _check.Fall ? RouteHealth.Failing : RouteHealth.Passing,
            RouteHealth.Failing when r.Passed => ++_run >= _check.Rise ? RouteHealth.Passing : RouteHealth.Failing,
            _ => _state,
        };
        if (next == _state)
        {
            // A result that agrees with the state breaks any run towards the other one.
            if (r.Passed == (_state == RouteHealth.Passing)) _run = 0;
            return;
        }
        Context.Parent.Tell(new RouteHealthChanged(_prefix, _state, next, r.Detail));
        _state = next;
        _run = 0;
    }

    public static Props Props(Prefix prefix, HealthCheck check, Func<CancellationToken, Task<ProbeResult>>? probe = null) =>
        Akka.Actor.Props.Create(() => new RouteHealthCheck(prefix, check, probe ?? (ct => HealthProbes.RunAsync(check, prefix, ct))));
}

/// <summary>The three probes of a <see cref="HealthCheck"/>.</summary>
public static class HealthProbes
{
    // One client for every HTTP check: no redirects followed (a check that answers 302 to a login page is not healthy),
    // no client-wide timeout (each probe's token bounds it).
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static Task<ProbeResult> RunAsync(HealthCheck check, Prefix prefix, CancellationToken ct) => check.Probe switch
    {
        HealthProbe.Tcp => TcpAsync(check.Target, ct),
        HealthProbe.Http => HttpAsync(check.Target, check.ExpectStatus, ct),
        _ => ExecAsync(check.Target, prefix, ct),
    };

    private static async Task<ProbeResult> TcpAsync(string target, CancellationToken ct)
    {
        HealthCheck.TryTcpTarget(target, out var host, out var port);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) return new ProbeResult(false, $"{host} has no address");
        using var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses[0], port, ct);
            return new ProbeResult(true, $"connected to {target}");
        }
        catch (SocketException e)
        {
            return new ProbeResult(false, $"{target}: {e.SocketErrorCode}");
        }
    }

    private static async Task<ProbeResult> HttpAsync(string url, int expect, CancellationToken ct)
    {
        try
        {
            using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            int status = (int)response.StatusCode;
            return new ProbeResult(status == expect, $"HTTP {status}" + (status == expect ? "" : $", expected {expect}"));
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, e.GetBaseException().Message);
        }
    }

    /// <summary>Runs the command with <c>/bin/sh -c</c>; exit status 0 passes. The route's prefix is in
    /// <c>AKKA_BGP_PREFIX</c>, so one script can serve several routes. A command still running at the timeout is killed
    /// with its children.</summary>
    private static async Task<ProbeResult> ExecAsync(string command, Prefix prefix, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", command },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["AKKA_BGP_PREFIX"] = prefix.ToString();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
        process.StandardInput.Close();
        // Both pipes are drained, or a chatty command would block on a full pipe and time out.
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        string output = "";
        try { output = ((await stderr).Trim() is { Length: > 0 } err ? err : (await stdout).Trim()); } catch (OperationCanceledException) { }
        var firstLine = output.Split('\n', 2)[0];
        if (firstLine.Length > 200) firstLine = firstLine[..200];
        return new ProbeResult(process.ExitCode == 0, $"exit {process.ExitCode}" + (firstLine.Length > 0 ? ": " + firstLine : ""));
    }
}
