using System.Buffers;
using System.Net;
using System.Text.Json;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Wire.Attributes;
using Microsoft.AspNetCore.Http;

namespace AkkaBgp.Service.Management;

/// <summary>
/// Writes <see cref="RouteView"/>s as JSON in exactly the shape of <see cref="EventJson.Route"/>, straight into a
/// <see cref="Utf8JsonWriter"/>. Why not the serializer over anonymous objects, as the rest of the API does: a
/// 1,000-route page of <c>/bgp/rib</c> cost about 27 ms of CPU that way (every route re-decoded its AS_PATH and
/// communities and went through reflection), and on a small machine that CPU is taken from BGP work while an
/// operator's script polls during a full-table load (issue 19). Prefixes share attribute sets (a full table has
/// about one set per three prefixes, and neighbouring prefixes often came in one UPDATE), so each set's JSON is
/// written once per response and copied for the others. One instance per response; not thread-safe.
/// </summary>
internal sealed class RouteJson
{
    private readonly Dictionary<PathAttributes, byte[]> _attributes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IPAddress, string> _addresses = [];
    private readonly ArrayBufferWriter<byte> _scratch = new(1024);

    /// <param name="extra">Writes more properties of the route's object (an explanation), after the standard ones.</param>
    public void Write(Utf8JsonWriter w, RouteView r, Action<Utf8JsonWriter, RouteView>? extra = null)
    {
        w.WriteStartObject();
        w.WriteString("prefix", r.Prefix.ToString());
        WriteAddress(w, "neighbor", r.Peer);
        w.WriteNumber("remoteAs", r.PeerAs);
        w.WriteBoolean("local", r.Peer is null);
        w.WriteBoolean("best", r.Best);
        w.WriteBoolean("eligible", r.Eligible);
        WriteNullable(w, "ineligibility", r.Ineligibility);
        WriteAddress(w, "nextHop", r.NextHop);
        WriteNullable(w, "rpki", EventJson.RpkiText(r.Rpki));
        WriteNullable(w, "aspa", r.Aspa?.ToString().ToLowerInvariant());
        w.WriteNumber("pathId", r.PathId);
        w.WritePropertyName("attributes");
        if (!_attributes.TryGetValue(r.Attributes, out var json))
        {
            _scratch.ResetWrittenCount();
            using (var inner = new Utf8JsonWriter(_scratch)) WriteAttributes(inner, r.Attributes);
            json = _scratch.WrittenSpan.ToArray();
            _attributes[r.Attributes] = json;
        }
        w.WriteRawValue(json, skipInputValidation: true);
        extra?.Invoke(w, r);
        w.WriteEndObject();
    }

    /// <summary>The fields of <see cref="EventJson.Attributes"/>, in its order.</summary>
    private static void WriteAttributes(Utf8JsonWriter w, PathAttributes a)
    {
        w.WriteStartObject();
        WriteNullable(w, "origin", a.Origin?.ToString().ToLowerInvariant());
        w.WriteString("asPath", a.AsPath?.ToString() ?? "");
        WriteNullable(w, "nextHop", a.NextHopAddress?.ToString());
        if (a.MultiExitDisc is { } med) w.WriteNumber("med", med); else w.WriteNull("med");
        if (a.LocalPref is { } lp) w.WriteNumber("localPref", lp); else w.WriteNull("localPref");
        w.WriteBoolean("atomicAggregate", a.AtomicAggregate);
        WriteNullable(w, "aggregator", a.Aggregator?.ToString());
        w.WriteStartArray("communities");
        foreach (var c in a.Communities) w.WriteStringValue(EventJson.CommunityText(c));
        w.WriteEndArray();
        w.WriteStartArray("largeCommunities");
        foreach (var c in a.LargeCommunities) w.WriteStringValue(c.ToString());
        w.WriteEndArray();
        w.WriteStartArray("extendedCommunities");
        foreach (var c in a.ExtendedCommunities) w.WriteStringValue(c.ToString());
        w.WriteEndArray();
        WriteNullable(w, "originatorId", a.OriginatorId is { } o ? EventJson.Dotted(o) : null);
        w.WriteStartArray("clusterList");
        foreach (var id in a.ClusterList) w.WriteStringValue(EventJson.Dotted(id));
        w.WriteEndArray();
        if (a.OnlyToCustomer is { } otc) w.WriteNumber("otc", otc); else w.WriteNull("otc");
        w.WriteEndObject();
    }

    private void WriteAddress(Utf8JsonWriter w, string name, IPAddress? address)
    {
        if (address is null) { w.WriteNull(name); return; }
        if (!_addresses.TryGetValue(address, out var text)) _addresses[address] = text = address.ToString();
        w.WriteString(name, text);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }
}

/// <summary>
/// A JSON object response whose last field is <c>routes</c>, written with <see cref="RouteJson"/> and flushed to the
/// client as it grows, so a large page is neither built as objects nor held whole in memory.
/// </summary>
internal sealed class RoutePage(Action<Utf8JsonWriter> header, IReadOnlyList<RouteView> routes, Action<Utf8JsonWriter, RouteView>? extra = null) : IResult
{
    private const int FlushAt = 32 * 1024;

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = http.Response.BodyWriter;
        var json = new RouteJson();
        await using var w = new Utf8JsonWriter(body);
        w.WriteStartObject();
        header(w);
        w.WriteStartArray("routes");
        foreach (var r in routes)
        {
            json.Write(w, r, extra);
            if (w.BytesPending >= FlushAt)
            {
                w.Flush();
                await body.FlushAsync(http.RequestAborted);
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        await body.FlushAsync(http.RequestAborted);
    }
}
