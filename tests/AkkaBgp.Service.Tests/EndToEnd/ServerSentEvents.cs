using System.Text.Json;

namespace AkkaBgp.Service.Tests.EndToEnd;

public sealed record ServerSentEvent(string Name, JsonElement Data);

/// <summary>A minimal text/event-stream reader: "event:" and "data:" lines, events separated by a blank line.</summary>
public static class ServerSentEvents
{
    public static async Task<List<ServerSentEvent>> ReadUntilAsync(HttpResponseMessage response, Func<ServerSentEvent, bool> last, CancellationToken ct)
    {
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        return await ReadUntilAsync(reader, last, ct);
    }

    public static async Task<List<ServerSentEvent>> ReadUntilAsync(StreamReader reader, Func<ServerSentEvent, bool> last, CancellationToken ct)
    {
        var events = new List<ServerSentEvent>();
        string? name = null, data = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && name is not null && data is not null)
            {
                var e = new ServerSentEvent(name, JsonDocument.Parse(data).RootElement.Clone());
                events.Add(e);
                name = data = null;
                if (last(e)) return events;
            }
        }
        throw new EndOfStreamException("the event stream ended; got: " + string.Join(", ", events.Select(e => e.Name)));
    }
}
