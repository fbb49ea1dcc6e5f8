using System.Net;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// A minimal host for ../shared/bench's http adapter until the service exists: reads the harness's JSON
/// ({"local": {ip, port, asn, router_id, hold, keepalive}, "peers": [{ip, as}]}), runs the speaker passive with
/// the full RIB (import all, export none, as the reference daemons are configured), and serves
/// GET /bgp/rib/summary as {"ipv4-unicast": {"prefixes", "paths"}, "ipv6-unicast": {...}, "peers": {"established"}}.
/// Usage: AkkaBgp.Rib.Benchmarks --serve CONFIG_JSON HTTP_PORT [PARTITIONS]
/// </summary>
internal static class SharedBenchHost
{
    public static async Task RunAsync(string configPath, int httpPort, int partitions)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
        var local = doc.RootElement.GetProperty("local");
        var ip = IPAddress.Parse(local.GetProperty("ip").GetString()!);
        int port = local.GetProperty("port").GetInt32();
        uint asn = local.GetProperty("asn").GetUInt32();
        var rid = local.GetProperty("router_id");
        uint routerId = rid.ValueKind == JsonValueKind.Number ? rid.GetUInt32() : OpenMessage.IdentifierFrom(IPAddress.Parse(rid.GetString()!));
        int hold = local.TryGetProperty("hold", out var h) ? h.GetInt32() : 90;
        var neighbors = new List<NeighborSettings>();
        foreach (var p in doc.RootElement.GetProperty("peers").EnumerateArray())
        {
            neighbors.Add(new NeighborSettings
            {
                PeerAddress = IPAddress.Parse(p.GetProperty("ip").GetString()!),
                PeerAs = p.GetProperty("as").GetUInt32(),
                LocalAs = asn,
                RouterId = routerId,
                LocalAddress = ip,
                HoldTime = TimeSpan.FromSeconds(hold),
                PassiveTcpEstablishment = true,
            });
        }
        var exportNone = new NeighborRibConfig(ip, null, new PeerRibSettings { Export = RouteFilter.RejectAll });
        var system = ActorSystem.Create("bench-host");
        var speaker = SpeakerHost.Start(system, new SpeakerSettings
        {
            Neighbors = neighbors,
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(ip, port)] },
            RibProps = RibActor.Props(new RibSettings { LocalAs = asn, RouterId = routerId, Partitions = partitions }, _ => exportNone),
        });

        using var http = new HttpListener();
        http.Prefixes.Add($"http://127.0.0.1:{httpPort}/");
        http.Start();
        Console.WriteLine($"AkkaBgp RIB bench host: BGP {ip}:{port} AS{asn}, {neighbors.Count} passive neighbors, {partitions} partitions; http 127.0.0.1:{httpPort}");
        while (true)
        {
            var ctx = await http.GetContextAsync();
            try
            {
                if (ctx.Request.Url?.AbsolutePath.TrimEnd('/') != "/bgp/rib/summary")
                {
                    ctx.Response.StatusCode = 404;
                    ctx.Response.Close();
                    continue;
                }
                var s = await speaker.Rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(10));
                var body = new Dictionary<string, object>();
                foreach (var (family, f) in s.Families) body[family] = new { prefixes = f.Prefixes, paths = f.Paths, best = f.BestPaths };
                body["peers"] = new { established = s.EstablishedPeers };
                body["attribute_sets"] = s.AttributeSets;
                var gc = GC.GetGCMemoryInfo();
                body["gc"] = new { heap_mib = gc.HeapSizeBytes / 1048576.0, committed_mib = gc.TotalCommittedBytes / 1048576.0, total_memory_mib = GC.GetTotalMemory(false) / 1048576.0 };
                var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body));
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"summary request failed: {e.Message}");
                ctx.Response.StatusCode = 500;
                ctx.Response.Close();
            }
        }
    }
}
