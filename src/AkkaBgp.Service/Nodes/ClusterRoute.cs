using System.Globalization;
using System.Text.Json;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Nodes;

public enum HealthProbe { Tcp, Http, Exec }

/// <summary>
/// A health check each node runs for a cluster route (issue 17; the use case of ExaBGP's healthcheck helper, built in):
/// the node announces the route only while its own check passes. The first result decides at once (a node that has
/// just started must not announce a dead service, nor wait <see cref="Rise"/> intervals to announce a live one);
/// after that <see cref="Fall"/> failures in a row take the route down and <see cref="Rise"/> successes bring it back,
/// so one lost probe does not flap the route across the network.
/// </summary>
/// <param name="Target">tcp: <c>host:port</c> (IPv6 in brackets); http: an absolute http(s) URL; exec: a shell command
/// (exit status 0 passes).</param>
/// <param name="FailingMed">With <see cref="WithdrawOnFailure"/> false: the MED the route carries while the check fails.</param>
/// <param name="FailingCommunities">With <see cref="WithdrawOnFailure"/> false: communities added while the check fails.</param>
public sealed record HealthCheck(HealthProbe Probe, string Target)
{
    public int ExpectStatus { get; init; } = 200;
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
    public int Rise { get; init; } = 2;
    public int Fall { get; init; } = 3;
    public bool WithdrawOnFailure { get; init; } = true;
    public uint? FailingMed { get; init; }
    public IReadOnlyList<Community> FailingCommunities { get; init; } = [];

    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The route a node announces while the check fails, or null to withdraw it.</summary>
    public LocalRoute? WhileFailing(LocalRoute healthy) => WithdrawOnFailure ? null : healthy with
    {
        Med = FailingMed ?? healthy.Med,
        Communities = [.. healthy.Communities, .. FailingCommunities.Where(c => !healthy.Communities.Contains(c))],
    };

    public bool Equals(HealthCheck? other) =>
        other is not null && Probe == other.Probe && Target == other.Target && ExpectStatus == other.ExpectStatus && Interval == other.Interval
        && Timeout == other.Timeout && Rise == other.Rise && Fall == other.Fall && WithdrawOnFailure == other.WithdrawOnFailure
        && FailingMed == other.FailingMed && FailingCommunities.SequenceEqual(other.FailingCommunities);

    public override int GetHashCode() => HashCode.Combine(Probe, Target, Interval, Rise, Fall);

    /// <summary>Checks across fields, the same for a configuration entry and an API body; <paramref name="problem"/> gets
    /// the key (in the configuration's spelling) and the message.</summary>
    public void Check(Action<string, string> problem)
    {
        switch (Probe)
        {
            case HealthProbe.Tcp when !TryTcpTarget(Target, out _, out _):
                problem("tcp", $"\"{Target}\" is not host:port (an IPv6 address in brackets, a port from 1 to 65535)");
                break;
            case HealthProbe.Http when !Uri.TryCreate(Target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"):
                problem("http", $"\"{Target}\" is not an absolute http:// or https:// URL");
                break;
            case HealthProbe.Exec when string.IsNullOrWhiteSpace(Target):
                problem("exec", "is empty");
                break;
        }
        if (Interval < MinInterval || Interval > MaxInterval) problem("interval", $"{Interval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms is out of range (100ms..1h)");
        if (Timeout <= TimeSpan.Zero || Timeout > Interval) problem("timeout", "must be above zero and at most the interval (a probe still running at the next one would pile up)");
        if (Rise is < 1 or > 100) problem("rise", "must be from 1 to 100");
        if (Fall is < 1 or > 100) problem("fall", "must be from 1 to 100");
        if (ExpectStatus is < 100 or > 599) problem("expect-status", "must be an HTTP status from 100 to 599");
        if (WithdrawOnFailure && (FailingMed != null || FailingCommunities.Count > 0))
            problem("on-failure", "is withdraw, so failing-med and failing-communities would never apply (set on-failure = announce)");
        if (!WithdrawOnFailure && FailingMed == null && FailingCommunities.Count == 0)
            problem("on-failure", "is announce, but neither failing-med nor failing-communities says what changes while the check fails");
    }

    public static bool TryTcpTarget(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return false;
        return host.Length > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
    }
}

/// <summary>A route every node of the cluster announces to its own neighbors (issue 17), with the health check each
/// node runs for it. <see cref="Where"/>: "file:line" for one from <c>akka-bgp.cluster.routes</c>, null for one added
/// through the API (held in Akka.DistributedData).</summary>
public sealed record ClusterRoute(OriginatedRoute Route, HealthCheck? Check, string? Where = null)
{
    public Prefix Prefix => Route.Prefix;

    public bool SameAs(ClusterRoute other) => Route.Equals(other.Route) && Equals(Check, other.Check);

    /// <summary>The JSON a cluster route travels in (the value in Akka.DistributedData) and is listed with: a body
    /// <c>POST /bgp/routes</c> takes.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) Write(w);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Write(Utf8JsonWriter w)
    {
        var r = Route;
        w.WriteStartObject();
        w.WriteString("prefix", r.Prefix.ToString());
        w.WriteString("scope", "cluster");
        w.WriteString("nextHop", r.NextHop?.ToString() ?? "self");
        if (r.Communities.Count > 0) WriteStrings(w, "communities", r.Communities.Select(c => c.ToString()));
        if (r.LargeCommunities.Count > 0) WriteStrings(w, "largeCommunities", r.LargeCommunities.Select(c => c.ToString()));
        if (r.Med is { } med) w.WriteNumber("med", med);
        if (r.LocalPref is { } lp) w.WriteNumber("localPref", lp);
        if (r.AsPathPrepend > 0) w.WriteNumber("asPathPrepend", r.AsPathPrepend);
        if (Check is { } c)
        {
            w.WriteStartObject("healthCheck");
            w.WriteString(c.Probe.ToString().ToLowerInvariant(), c.Target);
            if (c.Probe == HealthProbe.Http) w.WriteNumber("expectStatus", c.ExpectStatus);
            w.WriteNumber("intervalMs", (long)c.Interval.TotalMilliseconds);
            w.WriteNumber("timeoutMs", (long)c.Timeout.TotalMilliseconds);
            w.WriteNumber("rise", c.Rise);
            w.WriteNumber("fall", c.Fall);
            w.WriteString("onFailure", c.WithdrawOnFailure ? "withdraw" : "announce");
            if (c.FailingMed is { } fm) w.WriteNumber("failingMed", fm);
            if (c.FailingCommunities.Count > 0) WriteStrings(w, "failingCommunities", c.FailingCommunities.Select(x => x.ToString()));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>The <c>healthCheck</c> object of an API body (the keys <see cref="Write"/> writes; <c>interval</c> and
    /// <c>timeout</c> also as "5s"-style text); problems are named by their JSON key.</summary>
    public static HealthCheck? ReadHealthCheck(JsonElement e, List<string> errors)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add("healthCheck: must be an object with one of tcp, http or exec");
            return null;
        }
        HealthProbe? probe = null;
        string target = "";
        var check = new HealthCheck(HealthProbe.Tcp, "");
        foreach (var p in e.EnumerateObject())
        {
            string key = "healthCheck." + p.Name;
            switch (p.Name)
            {
                case "tcp" or "http" or "exec":
                    if (probe != null) errors.Add($"{key}: give only one of tcp, http, exec");
                    else if (p.Value.ValueKind != JsonValueKind.String) errors.Add($"{key}: must be a string");
                    else
                    {
                        probe = Enum.Parse<HealthProbe>(p.Name, ignoreCase: true);
                        target = p.Value.GetString()!;
                    }
                    break;
                case "expectStatus":
                    if (Int(p, errors) is { } s) check = check with { ExpectStatus = s };
                    break;
                case "interval" or "intervalMs":
                    if (Millis(p, errors) is { } i) check = check with { Interval = i };
                    break;
                case "timeout" or "timeoutMs":
                    if (Millis(p, errors) is { } t) check = check with { Timeout = t };
                    break;
                case "rise":
                    if (Int(p, errors) is { } r) check = check with { Rise = r };
                    break;
                case "fall":
                    if (Int(p, errors) is { } f) check = check with { Fall = f };
                    break;
                case "onFailure":
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is "withdraw" or "announce")
                        check = check with { WithdrawOnFailure = p.Value.GetString() == "withdraw" };
                    else errors.Add($"{key}: must be \"withdraw\" or \"announce\"");
                    break;
                case "failingMed":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetUInt32(out var med)) check = check with { FailingMed = med };
                    else errors.Add($"{key}: must be an integer from 0 to 4294967295");
                    break;
                case "failingCommunities":
                    var list = new List<Community>();
                    if (p.Value.ValueKind != JsonValueKind.Array) errors.Add($"{key}: must be an array of strings");
                    else foreach (var c in p.Value.EnumerateArray())
                    {
                        if (c.ValueKind == JsonValueKind.String && BgpSyntax.TryParseCommunity(c.GetString()!, out var community)) list.Add(community);
                        else errors.Add($"{key}: '{c}' is not asn:value or a well-known name");
                    }
                    check = check with { FailingCommunities = list };
                    break;
                default:
                    errors.Add($"{key}: unknown field (tcp, http, exec, expectStatus, interval, timeout, rise, fall, onFailure, failingMed, failingCommunities)");
                    break;
            }
        }
        if (probe is not { } kind)
        {
            errors.Add("healthCheck: one of tcp, http or exec is required");
            return null;
        }
        check = check with { Probe = kind, Target = target };
        int before = errors.Count;
        check.Check((k, m) => errors.Add($"healthCheck.{JsonName(k)}: {m}"));
        return errors.Count == before ? check : null;
    }

    private static string JsonName(string kebab)
    {
        var parts = kebab.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(s => char.ToUpperInvariant(s[0]) + s[1..]));
    }

    private static int? Int(JsonProperty p, List<string> errors)
    {
        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var v)) return v;
        errors.Add($"healthCheck.{p.Name}: must be an integer");
        return null;
    }

    private static TimeSpan? Millis(JsonProperty p, List<string> errors)
    {
        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var ms) && ms > 0) return TimeSpan.FromMilliseconds(ms);
        if (p.Value.ValueKind == JsonValueKind.String && TryDuration(p.Value.GetString()!, out var d)) return d;
        errors.Add($"healthCheck.{p.Name}: must be milliseconds (a positive integer) or a duration such as \"500ms\", \"5s\", \"1m\"");
        return null;
    }

    private static bool TryDuration(string text, out TimeSpan value)
    {
        value = default;
        var units = new (string Suffix, double Ms)[] { ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000) };
        foreach (var (suffix, ms) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal)) continue;
            if (!double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n <= 0) return false;
            value = TimeSpan.FromMilliseconds(n * ms);
            return true;
        }
        return false;
    }
}
