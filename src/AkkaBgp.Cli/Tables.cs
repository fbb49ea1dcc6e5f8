using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AkkaBgp.Cli;

/// <summary>
/// The human views: aligned plain-text columns in the manner of <c>bgpctl show summary</c> and <c>birdc show route</c>,
/// which paste cleanly into tickets and grep well. Written here rather than with a table library because the
/// output is a handful of fixed layouts of plain columns; nothing needs borders, colours or terminal sizing.
/// </summary>
internal static class Tables
{
    public static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    private static long Number(JsonElement e, params string[] path)
    {
        foreach (var p in path)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return 0;
        return e.ValueKind == JsonValueKind.Number ? e.GetInt64() : 0;
    }

    public static void Neighbors(TextWriter output, JsonElement json)
    {
        var rows = new List<string[]> { new[] { "Neighbor", "AS", "MsgRcvd", "MsgSent", "Up/Down", "State/PfxRcd" } };
        foreach (var n in json.GetProperty("neighbors").EnumerateArray())
        {
            string state = Text(n, "state") ?? "?";
            long received = Number(n, "prefixes", "ipv4-unicast", "received") + Number(n, "prefixes", "ipv6-unicast", "received");
            double? seconds = n.TryGetProperty("uptimeSeconds", out var up) && up.ValueKind == JsonValueKind.Number ? up.GetDouble() : null;
            string since = seconds is { } s ? Duration(s)
                : Text(n, "downSince") is { } down && DateTimeOffset.TryParse(down, CultureInfo.InvariantCulture, out var at) ? Duration((DateTimeOffset.UtcNow - at).TotalSeconds) : "never";
            rows.Add([Text(n, "address") ?? "?", Text(n, "remoteAs") ?? "?", Sum(n, "received").ToString(CultureInfo.InvariantCulture),
                Sum(n, "sent").ToString(CultureInfo.InvariantCulture), since, state == "Established" ? received.ToString(CultureInfo.InvariantCulture) : state]);
        }
        Write(output, rows);
        if (json.TryGetProperty("notAnswering", out var na) && na.GetArrayLength() > 0)
            output.WriteLine($"not answering (being restarted): {string.Join(", ", na.EnumerateArray().Select(x => x.GetString()))}");
    }

    private static long Sum(JsonElement n, string direction) =>
        n.TryGetProperty("messages", out var m) && m.TryGetProperty(direction, out var d) && d.ValueKind == JsonValueKind.Object
            ? d.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).Sum(p => p.Value.GetInt64()) : 0;

    public static void Neighbor(TextWriter output, JsonElement n)
    {
        output.WriteLine($"BGP neighbor {Text(n, "address")}, remote AS {Text(n, "remoteAs")}{(Text(n, "description") is { } d ? $" ({d})" : "")}");
        output.WriteLine($"  state {Text(n, "state")}, up {(n.TryGetProperty("uptimeSeconds", out var up) && up.ValueKind == JsonValueKind.Number ? Duration(up.GetDouble()) : "-")}, flaps {Text(n, "flapCount")}");
        if (Text(n, "localEndpoint") is { } local) output.WriteLine($"  connection {local} -> {Text(n, "remoteEndpoint")}");
        if (n.TryGetProperty("negotiated", out var neg) && neg.ValueKind == JsonValueKind.Object)
        {
            output.WriteLine($"  hold time {Text(neg, "holdTimeSeconds")} s, keepalive {Text(neg, "keepaliveSeconds")} s, peer id {Text(neg, "peerIdentifier")}");
            output.WriteLine($"  families {string.Join(", ", neg.GetProperty("families").EnumerateArray().Select(f => f.GetString()))}");
            var flags = new[] { "fourOctetAs", "routeRefresh", "enhancedRouteRefresh", "extendedMessages", "gracefulRestart", "gracefulRestartNotification" }
                .Where(f => neg.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.True);
            output.WriteLine($"  negotiated {string.Join(", ", flags)}");
        }
        if (n.TryGetProperty("prefixes", out var prefixes) && prefixes.ValueKind == JsonValueKind.Object)
            foreach (var f in prefixes.EnumerateObject().Where(f => f.Name.EndsWith("-unicast", StringComparison.Ordinal)))
                output.WriteLine($"  {f.Name}: received {Text(f.Value, "received")}, accepted {Text(f.Value, "accepted")}, advertised {Text(f.Value, "advertised")}");
        if (Text(n, "lastError") is { } error) output.WriteLine($"  last error: {error}");
        foreach (var which in new[] { "lastNotificationSent", "lastNotificationReceived" })
            if (n.TryGetProperty(which, out var note) && note.ValueKind == JsonValueKind.Object)
                output.WriteLine($"  {(which.EndsWith("Sent", StringComparison.Ordinal) ? "sent" : "received")} NOTIFICATION {Text(note, "description")} at {Text(note, "at")}");
    }

    public static void Routes(TextWriter output, JsonElement json)
    {
        // ROV: RFC 6811 state; ASPA: path verification outcome; "-" where none applies (no RPKI data, no role).
        var rows = new List<string[]> { new[] { "", "Prefix", "Next hop", "Neighbor", "AS path", "LP", "MED", "ROV", "ASPA", "Communities" } };
        foreach (var r in json.GetProperty("routes").EnumerateArray())
        {
            var a = r.GetProperty("attributes");
            string mark = (r.GetProperty("best").GetBoolean() ? "*>" : r.GetProperty("eligible").GetBoolean() ? "* " : "  ");
            string communities = a.TryGetProperty("communities", out var cs) ? string.Join(" ", cs.EnumerateArray().Select(c => c.GetString())) : "";
            rows.Add([mark, Text(r, "prefix") ?? "", Text(r, "nextHop") ?? "self", Text(r, "neighbor") ?? "local",
                Text(a, "asPath") ?? "", Text(a, "localPref") ?? "", Text(a, "med") ?? "", Text(r, "rpki") ?? "-", Text(r, "aspa") ?? "-", communities]);
        }
        Write(output, rows);
        output.WriteLine($"{rows.Count - 1} paths");
    }

    public static void Summary(TextWriter output, JsonElement json)
    {
        var rows = new List<string[]> { new[] { "Family", "Prefixes", "Paths", "Best" } };
        foreach (var family in new[] { "ipv4-unicast", "ipv6-unicast" })
            if (json.TryGetProperty(family, out var f))
                rows.Add([family, Text(f, "prefixes") ?? "0", Text(f, "paths") ?? "0", Text(f, "bestPaths") ?? "0"]);
        Write(output, rows);
        output.WriteLine($"established peers {Number(json, "peers", "established")}, attribute sets {Text(json, "attributeSets")}");
    }

    /// <summary>Any other answer as "key: value" lines, nested objects indented, arrays of objects one block each.</summary>
    public static void Generic(TextWriter output, JsonElement json, string indent = "")
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in json.EnumerateObject())
                {
                    if (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && !IsScalarArray(p.Value))
                    {
                        output.WriteLine($"{indent}{p.Name}:");
                        Generic(output, p.Value, indent + "  ");
                    }
                    else output.WriteLine($"{indent}{p.Name}: {Scalar(p.Value)}");
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in json.EnumerateArray())
                {
                    output.WriteLine($"{indent}- [{i++}]");
                    Generic(output, item, indent + "  ");
                }
                if (i == 0) output.WriteLine($"{indent}(none)");
                break;
            default:
                output.WriteLine($"{indent}{Scalar(json)}");
                break;
        }
    }

    private static bool IsScalarArray(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array));

    private static string Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Null => "-",
        JsonValueKind.Array => string.Join(", ", e.EnumerateArray().Select(Scalar)),
        _ => e.ToString(),
    };

    /// <summary>An event's JSON on one line, without quotes around names.</summary>
    public static string OneLine(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return json;
            return string.Join(" ", doc.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind != JsonValueKind.Null)
                .Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.ToString())}"));
        }
        catch (JsonException) { return json; }
    }

    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours:00}h{t.Minutes:00}m" : $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
    }

    private static void Write(TextWriter output, List<string[]> rows)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var line = new StringBuilder();
            for (int c = 0; c < columns; c++)
                line.Append(c == columns - 1 ? row[c] : row[c].PadRight(widths[c] + 2));
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
