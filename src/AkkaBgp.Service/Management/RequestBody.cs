using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AkkaBgp.Service.Management;

/// <summary>Request bodies: one JSON value, or the same 400 problem from every endpoint when the text is not JSON.</summary>
internal static class RequestBody
{
    public static Task<(JsonElement Body, IResult? Problem)> ReadJsonAsync(HttpRequest request, CancellationToken ct)
        => ReadJsonAsync(request.Body, ct);

    /// <summary>The same over any stream: the fuzz harness (tests/fuzz) feeds bodies without HTTP.</summary>
    public static async Task<(JsonElement Body, IResult? Problem)> ReadJsonAsync(Stream body, CancellationToken ct)
    {
        JsonElement value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<JsonElement>(body, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            return (default, Problems.BadRequest("the body is not JSON: " + e.Message));
        }
        // System.Text.Json accepts octets that are not UTF-8 and unpaired \uD800-\uDFFF escapes inside strings and
        // throws only when such a string is read, which the parsers would do as a 500 (found by tests/fuzz). Read
        // every name and string once here, so a parser only ever sees text it can read (RFC 8259 section 8).
        if (FindUnreadableString(value) is { } where)
            return (default, Problems.BadRequest($"the body is not JSON: {where} is not valid Unicode (invalid UTF-8 or an unpaired surrogate escape)"));
        return (value, null);
    }

    /// <summary>Where the first string that cannot be read as UTF-16 is (e.g. <c>$.routes[2].prefix</c>), or null.</summary>
    private static string? FindUnreadableString(JsonElement e, string path = "$")
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(() => e.GetString()) ? null : path;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray())
                    if (FindUnreadableString(item, $"{path}[{i++}]") is { } inItem) return inItem;
                return null;
            case JsonValueKind.Object:
                int n = 0;
                foreach (var p in e.EnumerateObject())
                {
                    string? name = null;
                    if (!Readable(() => name = p.Name)) return $"the name of property {n} of {path}";
                    if (FindUnreadableString(p.Value, $"{path}.{name}") is { } inValue) return inValue;
                    n++;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool Readable(Func<string?> read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
