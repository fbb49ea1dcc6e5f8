using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// The real service as a user runs it: <c>dotnet AkkaBgp.Service.dll --config FILE</c> in its own process,
/// driven over HTTP and stopped with signals. The dll is the one built next to the tests (the test project
/// references the service, so its runtimeconfig and deps travel along).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public HttpClient Http { get; }
    public string ConfigPath { get; }

    private ServiceProcess(Process process, string configPath, Uri management, HttpMessageHandler? handler)
    {
        _process = process;
        ConfigPath = configPath;
        Http = new HttpClient(handler ?? new HttpClientHandler()) { BaseAddress = management, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public int Pid => _process.Id;

    /// <param name="arguments">More command-line arguments for the service (e.g. --restarting).</param>
    /// <param name="waitForReady">Return once GET /ready is 200; false: once the management endpoint answers GET /alive.</param>
    /// <param name="https">The management endpoint serves HTTPS; <paramref name="handler"/> decides which certificate to trust.</param>
    public static async Task<ServiceProcess> StartAsync(string configPath, IPEndPoint management, TimeSpan? readyWithin = null, bool waitForReady = true,
        bool https = false, HttpMessageHandler? handler = null, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AkkaBgp.Service.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
        };
        foreach (var a in new[] { dll, "--config", configPath, "--reference", ConfigFiles.Reference }.Concat(arguments)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var service = new ServiceProcess(process, configPath, new Uri($"{(https ? "https" : "http")}://{management}/"), handler);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (service._output) service._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (service._output) service._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var route = waitForReady ? "ready" : "alive";
        await service.WaitUntilAsync(async () => (await service.Http.GetAsync(route)).StatusCode == HttpStatusCode.OK,
            readyWithin ?? TimeSpan.FromSeconds(30), $"GET /{route} 200");
        return service;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<(HttpStatusCode Status, string ContentType, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw) request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", json);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with the service's output otherwise.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the service exited with {_process.ExitCode} while waiting for {what}:\n{Output}");
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or KeyNotFoundException or Xunit.Sdk.XunitException)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not within {timeout} ({last?.Message})\n--- service output ---\n{Output}");
    }

    public Task<JsonElement> NeighborAsync(string address) => GetJsonAsync($"bgp/neighbors/{address}");

    /// <summary>Waits until this node's <c>/cluster/members</c> lists exactly <paramref name="count"/> members, all Up.</summary>
    public Task WaitForMembersUpAsync(int count, TimeSpan timeout) => WaitUntilAsync(async () =>
    {
        var members = (await GetJsonAsync("cluster/members")).GetProperty("members").EnumerateArray().ToArray();
        return members.Length == count && members.All(m => m.GetProperty("status").GetString() == "Up");
    }, timeout, $"{count} Up members");

    /// <summary>The neighbor is in <paramref name="state"/> now; otherwise fails with the neighbor and the service's log,
    /// which says why the session left the state.</summary>
    public async Task AssertStateAsync(string address, string state)
    {
        var neighbor = await NeighborAsync(address);
        Assert.True(neighbor.GetProperty("state").GetString() == state,
            $"{address} is not {state}: {neighbor}\n--- service output ---\n{Output}");
    }

    public Task WaitForStateAsync(string address, string state, TimeSpan timeout) =>
        WaitUntilAsync(async () => (await NeighborAsync(address)).GetProperty("state").GetString() == state, timeout, $"{address} {state}");

    public void Signal(string name) => Process.Start("kill", ["-" + name, _process.Id.ToString()])!.WaitForExit();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private static readonly HashSet<(IPAddress, int)> HandedOut = new();

    /// <summary>
    /// A free TCP port on <paramref name="address"/>, never one this test run has handed out before. The port is bound
    /// then released, and the kernel may give a released port to the next bind: a test asking for its BGP, management
    /// and Akka remoting ports one after the other once got the same number twice, and then found "the BGP port"
    /// accepting before the speaker had started (ClusterStartupTests; the listener there was Akka remoting's).
    /// </summary>
    public static int FreePort(IPAddress address)
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(address, 0));
                int port = ((IPEndPoint)s.LocalEndPoint!).Port;
                if (HandedOut.Add((address, port))) return port;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
