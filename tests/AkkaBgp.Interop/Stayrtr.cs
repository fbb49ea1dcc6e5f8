using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaBgp.Interop;

/// <summary>
/// StayRTR, an RPKI-to-Router cache (RFC 8210), serving the VRPs of a JSON file (rpki-client's format) on a
/// loopback address; it re-reads the file every second and, when it changed, bumps its serial and sends Serial
/// Notify. Started in the foreground so that we own its PID; stopped by that PID.
/// </summary>
public sealed class Stayrtr : IAsyncDisposable
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    public Stayrtr(IPAddress address, int port, string vrpFile)
    {
        Address = address;
        Port = port;
        VrpFile = vrpFile;
    }

    public IPAddress Address { get; }
    public int Port { get; }
    public string VrpFile { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static bool Installed => Daemon.IsInstalled("stayrtr");

    /// <summary>Writes the VRP file (prefix, max length, AS) atomically, so the cache never reads half of it.</summary>
    /// <param name="aspas">ASPAs (customer AS, its providers), served over RTR version 2; StayRTR 0.5.1 reads them from
    /// the file's <c>provider_authorizations</c> (an <c>ipv4</c> and an <c>ipv6</c> list, as rpki-client wrote them).</param>
    public static void WriteVrps(string path, IEnumerable<(string Prefix, int MaxLength, uint Asn)> vrps, IEnumerable<(uint Customer, uint[] Providers)>? aspas = null)
    {
        var roas = string.Join(",\n", vrps.Select(v =>
            $"  {{ \"prefix\": \"{v.Prefix}\", \"maxLength\": {v.MaxLength.ToString(CultureInfo.InvariantCulture)}, \"asn\": \"AS{v.Asn.ToString(CultureInfo.InvariantCulture)}\" }}"));
        var aspaList = string.Join(", ", (aspas ?? []).Select(a =>
            $"{{ \"customer_asid\": {a.Customer.ToString(CultureInfo.InvariantCulture)}, \"providers\": [{string.Join(", ", a.Providers.Select(p => p.ToString(CultureInfo.InvariantCulture)))}] }}"));
        var authorizations = aspas is null ? "" : $",\n\"provider_authorizations\": {{ \"ipv4\": [{aspaList}], \"ipv6\": [{aspaList}] }}";
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, "{ \"roas\": [\n" + roas + "\n]" + authorizations + " }\n");
        File.Move(tmp, path, overwrite: true);
    }

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        string[] args =
        [
            "-bind", $"{Address}:{Port}", "-cache", VrpFile, "-refresh", "1", "-checktime=false", "-metrics.addr", "",
            "-log.verbose=false",
        ];
        var psi = new ProcessStartInfo("stayrtr") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start stayrtr");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"stayrtr exited with {_process.ExitCode}:\n{Output}");
            // Ready once its RTR port accepts a connection (it binds after loading the file).
            if (Output.Contains("Server started", StringComparison.Ordinal))
            {
                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync(Address, Port);
                    return;
                }
                catch (SocketException) { }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"stayrtr did not start listening on {Address}:{Port}:\n{Output}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
