using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// BFD through the real HTTP endpoints of two service processes peering with each other (our engine at both ends,
/// single hop on loopback): GET /bfd/sessions and its detail, the /bgp/bfd alias, the bfd_* series in /metrics, a
/// reload that adds and removes a BFD session without touching the running one, and a frozen peer that shows as
/// Control Detection Time Expired.
/// </summary>
public sealed class BfdServiceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);
    private static readonly IPAddress A = IPAddress.Parse("127.0.64.1");
    private static readonly IPAddress B = IPAddress.Parse("127.0.64.2");
    // Configured on A by a reload; nobody answers there.
    private const string Absent = "127.0.64.3";
    // 100 ms x 5: this test is about the API, not about timing on a busy machine; a flap would still fail it (counters).
    private const string Bfd = "bfd { enabled = true, min-tx = 100ms, min-rx = 100ms, multiplier = 5 }";

    private static string Neighbor(IPAddress peer, int port, IPAddress local, string extra) =>
        $"{{ address = \"{peer}\", remote-as = 65000, port = {port}, local-address = \"{local}\", connect-retry-time = 3s, idle-hold-time = 1s, {extra} }}";

    private static string Neighbors(params string[] entries) => "  neighbors = [\n    " + string.Join("\n    ", entries) + "\n  ]\n";

    [Fact]
    public async Task Sessions_detail_metrics_and_reload_over_http()
    {
        using var configA = new ServiceConfig(A);
        using var configB = new ServiceConfig(B);
        var toB = Neighbor(B, configB.BgpPort, A, Bfd);
        configA.Write(Neighbors(toB));
        // B waits for A to dial: no connection collision to muddy the counters.
        configB.Write(Neighbors(Neighbor(A, configA.BgpPort, B, "passive = true, " + Bfd)));
        await using var a = await ServiceProcess.StartAsync(configA.Path, configA.Management);
        await using var b = await ServiceProcess.StartAsync(configB.Path, configB.Management);
        await a.WaitForStateAsync(B.ToString(), "Established", Wait);
        var ab = await WaitForBfdAsync(a, B, "Up");
        var ba = await WaitForBfdAsync(b, A, "Up");

        // The detail: our discriminator is the one the other process holds as remote, and the other way round.
        Assert.Equal((B.ToString(), A.ToString(), false), (ab.GetProperty("peer").GetString(), ab.GetProperty("local").GetString(), ab.GetProperty("multihop").GetBoolean()));
        Assert.Equal("Up", ab.GetProperty("remoteState").GetString());
        uint aLocal = ab.GetProperty("localDiscriminator").GetUInt32(), bLocal = ba.GetProperty("localDiscriminator").GetUInt32();
        Assert.NotEqual(0u, aLocal);
        Assert.NotEqual(0u, bLocal);
        Assert.Equal(bLocal, ab.GetProperty("remoteDiscriminator").GetUInt32());
        Assert.Equal(aLocal, ba.GetProperty("remoteDiscriminator").GetUInt32());
        Assert.Equal(100.0, ab.GetProperty("transmitIntervalMs").GetDouble());
        Assert.Equal(500.0, ab.GetProperty("detectionTimeMs").GetDouble());
        Assert.Equal(0, ab.GetProperty("diagnostic").GetProperty("code").GetInt32());
        var counters = ab.GetProperty("counters");
        Assert.True(counters.GetProperty("sent").GetInt64() > 0 && counters.GetProperty("received").GetInt64() > 0, counters.ToString());
        Assert.Equal((1, 0), (counters.GetProperty("up").GetInt32(), counters.GetProperty("down").GetInt32()));
        var changed = ab.GetProperty("lastStateChange").GetDateTimeOffset();
        Assert.InRange(changed, DateTimeOffset.UtcNow - Wait - Wait, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));

        // The list, and the first version's paths as an alias.
        var list = await a.GetJsonAsync("bfd/sessions");
        Assert.Equal(aLocal, Assert.Single(list.GetProperty("sessions").EnumerateArray()).GetProperty("localDiscriminator").GetUInt32());
        Assert.Equal(JsonValueKind.Object, list.GetProperty("discardedWithoutSession").ValueKind);
        Assert.Equal(aLocal, (await a.GetJsonAsync($"bgp/bfd/{B}")).GetProperty("localDiscriminator").GetUInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await a.SendAsync(HttpMethod.Get, "bfd/sessions/192.0.2.99")).Status);
        var (badStatus, badType, _) = await a.SendAsync(HttpMethod.Get, "bfd/sessions/not-an-address");
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (badStatus, badType));

        // /metrics: sessions by state, per-session series.
        var metrics = await MetricsAsync(a);
        Assert.Equal(1, Series(metrics, "bfd_sessions", "state=\"Up\""));
        Assert.Equal(0, Series(metrics, "bfd_sessions", "state=\"Down\""));
        Assert.Equal(1, Series(metrics, "bfd_session_up", $"neighbor=\"{B}\""));
        Assert.Equal(0.5, Series(metrics, "bfd_detection_time_seconds", $"neighbor=\"{B}\""));
        Assert.True(Series(metrics, "bfd_packets_total", $"neighbor=\"{B}\",direction=\"received\"") > 0, metrics);
        Assert.True(Series(metrics, "bfd_packets_total", $"neighbor=\"{B}\",direction=\"sent\"") > 0, metrics);
        Assert.Equal(1, Series(metrics, "bfd_session_transitions_total", $"neighbor=\"{B}\",to=\"Up\""));
        Assert.Contains("# TYPE bfd_discarded_packets_total counter", metrics);

        // Reload: a new neighbor brings its own BFD session (Down, nobody there); the running one is not touched.
        var bgpUpSince = (await a.NeighborAsync(B.ToString())).GetProperty("upSince").GetString();
        var withAbsent = Neighbor(IPAddress.Parse(Absent), 179, A, Bfd);
        configA.Write(Neighbors(toB, withAbsent));
        var (status, _, result) = await a.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([Absent], result.GetProperty("added").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var absent = await WaitForBfdAsync(a, IPAddress.Parse(Absent), "Down");
        Assert.Equal(0u, absent.GetProperty("remoteDiscriminator").GetUInt32());
        metrics = await MetricsAsync(a);
        Assert.Equal((1, 1), (Series(metrics, "bfd_sessions", "state=\"Up\""), Series(metrics, "bfd_sessions", "state=\"Down\"")));
        await AssertUntouchedAsync();

        // Reload again with BFD off for that neighbor: its session goes, the BGP neighbor stays, the other is untouched.
        configA.Write(Neighbors(toB, withAbsent.Replace(Bfd, "bfd { enabled = false }")));
        (status, _, result) = await a.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(result.GetProperty("notes").EnumerateArray(), n => n.GetString() == $"{Absent}: BFD removed without touching the BGP session");
        // The reload answers once it has told the BFD side; the session is gone when that side has taken it (seen once
        // in a fresh-clone run: the GET came first and still found it).
        await a.WaitUntilAsync(async () => (await a.SendAsync(HttpMethod.Get, $"bfd/sessions/{Absent}")).Status == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), $"BFD session {Absent} removed");
        Assert.Single((await a.GetJsonAsync("bfd/sessions")).GetProperty("sessions").EnumerateArray());
        await a.NeighborAsync(Absent);
        await AssertUntouchedAsync();

        // B freezes (SIGSTOP: silent, nothing sent on the way out): A's session expires its Detection Time.
        b.Signal("STOP");
        try
        {
            var down = await WaitForBfdAsync(a, B, "Down");
            Assert.Equal((1, "Control Detection Time Expired"),
                (down.GetProperty("diagnostic").GetProperty("code").GetInt32(), down.GetProperty("diagnostic").GetProperty("text").GetString()));
            Assert.Equal(0u, down.GetProperty("remoteDiscriminator").GetUInt32());
            await a.WaitUntilAsync(async () => (await a.NeighborAsync(B.ToString())).GetProperty("state").GetString() != "Established", Wait, "BGP down after BFD");
            metrics = await MetricsAsync(a);
            Assert.Equal(1, Series(metrics, "bfd_session_transitions_total", $"neighbor=\"{B}\",to=\"Down\""));
            Assert.Equal(0, Series(metrics, "bfd_session_up", $"neighbor=\"{B}\""));
        }
        finally
        {
            b.Signal("CONT");
        }
        var back = await WaitForBfdAsync(a, B, "Up");
        Assert.Equal(2, back.GetProperty("counters").GetProperty("up").GetInt32());

        async Task AssertUntouchedAsync()
        {
            var now = await a.GetJsonAsync($"bfd/sessions/{B}");
            Assert.Equal(("Up", aLocal, 1, 0), (now.GetProperty("state").GetString(), now.GetProperty("localDiscriminator").GetUInt32(),
                now.GetProperty("counters").GetProperty("up").GetInt32(), now.GetProperty("counters").GetProperty("down").GetInt32()));
            var seenByB = await b.GetJsonAsync($"bfd/sessions/{A}");
            Assert.Equal((1, 0), (seenByB.GetProperty("counters").GetProperty("up").GetInt32(), seenByB.GetProperty("counters").GetProperty("down").GetInt32()));
            Assert.Equal(bgpUpSince, (await a.NeighborAsync(B.ToString())).GetProperty("upSince").GetString());
        }
    }

    /// <summary>
    /// Strict mode end to end: A's neighbor B has <c>strict = on</c>, B runs no BFD at first. B keeps dialling; A, held
    /// in Idle, refuses every connection. B turns BFD on with a reload: BFD comes Up and A's held start brings BGP up.
    /// </summary>
    [Fact]
    public async Task Strict_mode_keeps_bgp_down_until_bfd_is_up()
    {
        var a = IPAddress.Parse("127.0.65.1");
        var b = IPAddress.Parse("127.0.65.2");
        using var configA = new ServiceConfig(a);
        using var configB = new ServiceConfig(b);
        configA.Write(Neighbors(Neighbor(b, configB.BgpPort, a, "passive = true, " + Bfd.Replace("multiplier = 5", "multiplier = 5, strict = on"))));
        var bToA = Neighbor(a, configA.BgpPort, b, "hold-time = 9s");
        configB.Write(Neighbors(bToA));
        await using var serviceA = await ServiceProcess.StartAsync(configA.Path, configA.Management);
        await using var serviceB = await ServiceProcess.StartAsync(configB.Path, configB.Management);

        // B's connections reach A's FSM and are refused there, twice at least: the start is held, not just slow.
        await serviceA.WaitUntilAsync(() => Task.FromResult(Occurrences(serviceA.Output, $"refusing connection from {b}:") >= 2), Wait,
            "two connections from B refused");
        Assert.Contains("held until the BFD session is Up (strict mode)", serviceA.Output);
        await serviceA.AssertStateAsync(b.ToString(), "Idle");
        Assert.Equal("Down", (await serviceA.GetJsonAsync($"bfd/sessions/{b}")).GetProperty("state").GetString());

        configB.Write(Neighbors(bToA.Replace("hold-time = 9s", "hold-time = 9s, " + Bfd)));
        var (status, _, _) = await serviceB.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        await WaitForBfdAsync(serviceA, b, "Up");
        await serviceA.WaitForStateAsync(b.ToString(), "Established", Wait);
    }

    private static int Occurrences(string text, string needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static async Task<JsonElement> WaitForBfdAsync(ServiceProcess service, IPAddress peer, string state)
    {
        JsonElement last = default;
        await service.WaitUntilAsync(async () =>
        {
            var (status, _, body) = await service.SendAsync(HttpMethod.Get, $"bfd/sessions/{peer}");
            last = body;
            return status == HttpStatusCode.OK && body.GetProperty("state").GetString() == state;
        }, Wait, $"BFD with {peer} {state}");
        return last;
    }

    private static async Task<string> MetricsAsync(ServiceProcess service)
    {
        using var response = await service.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the series <paramref name="name"/>{<paramref name="labels"/>} (labels in the exporter's order).</summary>
    private static double Series(string metrics, string name, string labels)
    {
        var m = Regex.Match(metrics, "^" + Regex.Escape(name + "{" + labels + "}") + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no {name}{{{labels}}} in\n{metrics}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
