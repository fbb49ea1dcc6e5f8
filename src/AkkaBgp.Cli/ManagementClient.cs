using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AkkaBgp.Hocon;

namespace AkkaBgp.Cli;

/// <summary>What went wrong talking to the service, with the exit code scripts see (see <see cref="ExitCodes"/>).</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The exit codes akkabgp promises (documented in --help and the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The service refused the request (4xx), or what was asked for does not exist; config check found problems.</summary>
    public const int Refused = 1;
    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;
    /// <summary>The management endpoint cannot be reached, or answered 5xx.</summary>
    public const int Unavailable = 3;
}

/// <summary>Where the management endpoint is: a flag, else the environment, else the service's configuration file.</summary>
public sealed record Endpoint(Uri BaseAddress, string? Token)
{
    public const string UrlVariable = "AKKABGP_URL";
    public const string TokenVariable = "AKKABGP_TOKEN";

    public static Endpoint Resolve(string? url, string? token, string? configFile, Func<string, string?> environment)
    {
        url ??= environment(UrlVariable);
        token ??= environment(TokenVariable);
        if (url is null && configFile is not null)
        {
            var (fromFile, fileToken) = FromConfig(configFile);
            url = fromFile;
            token ??= fileToken;
        }
        url ??= "http://127.0.0.1:8558";
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException(ExitCodes.Usage, $"--url: '{url}' is not an http:// or https:// address");
        return new Endpoint(uri, token);
    }

    /// <summary>akka-bgp.management { address, port, token, tls.certificate } of the service's file (defaults: 127.0.0.1:8558).</summary>
    private static (string Url, string? Token) FromConfig(string file)
    {
        HoconConfig config;
        try { config = HoconConfig.ParseFile(file).Resolve(); }
        catch (Exception e) when (e is HoconException or IOException) { throw new CliException(ExitCodes.Usage, $"--config {file}: {e.Message}"); }
        string address = config.HasPath("akka-bgp.management.address") ? config.GetString("akka-bgp.management.address") : "127.0.0.1";
        int port = config.HasPath("akka-bgp.management.port") ? config.GetInt("akka-bgp.management.port") : 8558;
        string? token = config.HasPath("akka-bgp.management.token") ? config.GetString("akka-bgp.management.token") : null;
        if (token is { Length: 0 }) token = null;
        bool tls = config.HasPath("akka-bgp.management.tls.certificate");
        if (address is "0.0.0.0") address = "127.0.0.1";
        if (address is "::") address = "::1";
        string host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
        return ($"{(tls ? "https" : "http")}://{host}:{port}", token);
    }
}

/// <summary>The management API over HTTP: JSON in, JSON out, errors turned into one readable line and an exit code.</summary>
public sealed class ManagementClient(HttpClient http, Endpoint endpoint) : IDisposable
{
    public static ManagementClient Create(Endpoint endpoint)
    {
        var http = new HttpClient { BaseAddress = endpoint.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (endpoint.Token is { } token) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ManagementClient(http, endpoint);
    }

    public HttpClient Http => http;

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, ct); }
        catch (HttpRequestException e) { throw new CliException(ExitCodes.Unavailable, $"cannot reach {endpoint.BaseAddress}: {e.Message}"); }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested) { throw new CliException(ExitCodes.Unavailable, $"{endpoint.BaseAddress} did not answer in time"); }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct);
            JsonElement json = default;
            if (text.Length > 0)
                try { json = JsonDocument.Parse(text).RootElement.Clone(); } catch (JsonException) { }
            if (response.IsSuccessStatusCode) return json;
            // RFC 9457 problem details: the detail is the readable part.
            string detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String
                ? d.GetString()! : json.ValueKind == JsonValueKind.Object && json.TryGetProperty("title", out var t) ? t.GetString()! : text.Trim();
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                detail += ": " + string.Join("; ", errors.EnumerateArray().Select(e => e.ToString()));
            int code = (int)response.StatusCode;
            throw new CliException(code >= 500 ? ExitCodes.Unavailable : ExitCodes.Refused, $"{detail} ({code})");
        }
    }

    public void Dispose() => http.Dispose();
}
