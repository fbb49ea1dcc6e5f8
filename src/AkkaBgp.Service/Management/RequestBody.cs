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
        try
        {
            return (await JsonSerializer.DeserializeAsync<JsonElement>(body, cancellationToken: ct), null);
        }
        catch (JsonException e)
        {
            return (default, Problems.BadRequest("the body is not JSON: " + e.Message));
        }
    }
}
