using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AkkaBgp.Reliability.Tests.Support;
using AkkaBgp.Service.Tests.EndToEnd;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests;

/// <summary>
/// A hostile live peer against the built service: hostile peers bring real sessions up and send mutated UPDATEs
/// (and a further peer sends mutated OPENs on fresh connections), while bystander sessions sit beside them. Every
/// mutant is classified first (<see cref="Rfc7606Oracle"/>); the service must react to each exactly as RFC 4271 and
/// RFC 7606 say: the resetting ones with that NOTIFICATION (code, subcode and data, read off the wire) and nothing
/// else, the others without a reset, counted (treat-as-withdraw in the neighbor's counters) and applied (the
/// peer's prefixes in the service's Adj-RIB-In match a model of what was sent, at every checkpoint). Meanwhile the
/// process never exits, the bystanders stay Established, and once the hostile peers are gone the managed heap after
/// a full GC is back at its baseline. CI runs 10^5 UPDATEs; tests/reliability/hostile-peer.sh runs 10^6.
/// </summary>
public sealed class HostilePeerTests(ITestOutputHelper output)
{
    private static readonly IPAddress Ours = IPAddress.Parse("127.0.190.1");
    private const int HostilePeers = 8, OpenPeers = 4, Bystanders = 3;
    private static IPAddress Hostile(int i) => IPAddress.Parse($"127.0.190.{11 + i}");
    private static IPAddress OpenPeer(int i) => IPAddress.Parse($"127.0.190.{21 + i}");
    private static IPAddress Bystander(int i) => IPAddress.Parse($"127.0.190.{31 + i}");

    /// <summary>The service's decode rules for a hostile peer after the OPEN exchange: 4-octet AS, external, and
    /// Extended Messages on the receive side (RFC 8654 3: we advertised it, so we accept up to 65535 octets).</summary>
    private static readonly DecodeContext Negotiated = new() { ExtendedMessages = true, Update = new UpdateDecodeContext(true, PeerKind.External, peerAs: 65001) };

    private sealed class Tally
    {
        public readonly ConcurrentDictionary<string, long> Reactions = new(), Notifications = new(), Operators = new();
        public long Sent, Unsendable, Checkpoints, Opens, OpensAccepted;
        public void Add(ConcurrentDictionary<string, long> d, string key) => d.AddOrUpdate(key, 1, (_, v) => v + 1);
    }

    [Fact]
    public async Task Mutated_UPDATEs_and_OPENs_get_the_RFC_reactions_and_disturb_nothing_else()
    {
        int updates = Figures.Count("RELIABILITY_HOSTILE_UPDATES", 100_000);
        int opens = Figures.Count("RELIABILITY_HOSTILE_OPENS", 300);
        int seed = Figures.Count("RELIABILITY_SEED", 19);
        using var config = new ServiceConfig(Ours);
        var neighbors = new StringBuilder();
        // Passive, no damping and no idle hold: a reset peer may reconnect at once, so the run measures the service
        // and not our own back-off. The bystanders keep the defaults apart from a short hold time.
        const string Hostile_ = "passive = true, damp-peer-oscillations = false, idle-hold-time = 0s";
        for (int i = 0; i < HostilePeers; i++) neighbors.Append($"    {{ address = \"{Hostile(i)}\", remote-as = 65001, {Hostile_} }}\n");
        for (int i = 0; i < OpenPeers; i++) neighbors.Append($"    {{ address = \"{OpenPeer(i)}\", remote-as = 65002, {Hostile_} }}\n");
        for (int i = 0; i < Bystanders; i++) neighbors.Append($"    {{ address = \"{Bystander(i)}\", remote-as = {65031 + i}, passive = true, hold-time = 9s }}\n");
        config.Write($"  neighbors = [\n{neighbors}  ]");
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        var endpoint = new IPEndPoint(Ours, config.BgpPort);

        // Bystanders: up, one route each, KEEPALIVEs every 3 s for the whole run.
        var bystanders = new List<WirePeer>();
        for (int i = 0; i < Bystanders; i++)
        {
            var peer = await WirePeer.EstablishAsync(Bystander(i), endpoint, Open((uint)(65031 + i), 9, Bystander(i)), TimeSpan.FromSeconds(30));
            peer.StartKeepalives(TimeSpan.FromSeconds(3));
            await peer.SendAsync(BystanderRoute(i, (uint)(65031 + i)));
            bystanders.Add(peer);
        }
        await service.WaitUntilAsync(async () => await RibPaths(service) == Bystanders, TimeSpan.FromSeconds(30), "the bystanders' routes");

        // Warm-up (JIT, pools, the first sessions' slots), then the baseline with only the bystanders' routes.
        var warm = new Tally();
        await RunHostilePeer(service, endpoint, 0, new UpdateMutator(seed + 1000), 1000, warm);
        await service.WaitUntilAsync(async () => await RibPaths(service) == Bystanders, TimeSpan.FromSeconds(60), "the warm-up peer's routes gone");
        var baseline = await ProcessMemory.ReadAsync(service.Pid);
        ProcessMemory.ResetPeak(service.Pid);

        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        var work = new List<Task>();
        for (int i = 0; i < HostilePeers; i++)
        {
            int peer = i;
            int share = updates / HostilePeers + (peer < updates % HostilePeers ? 1 : 0);
            work.Add(Task.Run(() => RunHostilePeer(service, endpoint, peer, new UpdateMutator(seed + peer), share, tally)));
        }
        work.Add(Task.Run(() => RunOpenPeers(endpoint, new OpenMutator(seed + 100, 65002), opens, tally)));
        await Task.WhenAll(work);
        var elapsed = clock.Elapsed;

        // The hostile peers have closed their last sessions: only the bystanders' routes are left.
        await service.WaitUntilAsync(async () => await RibPaths(service) == Bystanders, TimeSpan.FromSeconds(60), "the hostile peers' routes gone");
        for (int i = 0; i < Bystanders; i++)
        {
            await service.AssertStateAsync(Bystander(i).ToString(), "Established");
            var n = await service.NeighborAsync(Bystander(i).ToString());
            Assert.True(n.GetProperty("flapCount").GetInt32() == 0, $"bystander {Bystander(i)} flapped: {n}");
            Assert.Null(bystanders[i].ClosedBecause);
        }
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync("alive")).StatusCode);
        var after = await ProcessMemory.ReadAsync(service.Pid);

        var report = new StringBuilder();
        report.AppendLine($"hostile peer, {DateTime.UtcNow:yyyy-MM-dd}: {tally.Sent} mutated UPDATEs from {HostilePeers} peers and {tally.Opens} mutated OPENs in {elapsed.TotalSeconds:0.0} s "
            + $"(seed {seed}; {tally.Unsendable} mutants not sendable as one message were skipped; {tally.Checkpoints} Adj-RIB-In checkpoints)");
        report.AppendLine("  UPDATE reactions: " + string.Join(", ", tally.Reactions.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));
        report.AppendLine("  NOTIFICATIONs received (code/subcode): " + string.Join(", ", tally.Notifications.OrderBy(r => r.Key).Select(r => $"{r.Key} x{r.Value}")));
        report.AppendLine($"  OPENs accepted (OpenConfirm reached): {tally.OpensAccepted} of {tally.Opens}");
        report.AppendLine("  mutation operators: " + string.Join(", ", tally.Operators.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));
        report.AppendLine($"  memory: baseline {baseline}; peak RSS during the run {MemoryReading.Mb(after.PeakRssBytes)}; after {after}");
        Figures.Report(output, report.ToString());

        Assert.Equal(updates, (int)tally.Sent);
        // Back to baseline: the managed heap that survives a full GC grows by at most 10% + 8 MB (log buffers, the
        // thread pool's growth, interned strings); a leak per session or per message would show as far more.
        long allowed = baseline.HeapAfterFullGcBytes + baseline.HeapAfterFullGcBytes / 10 + 8 * 1048576;
        Assert.True(after.HeapAfterFullGcBytes <= allowed, $"managed heap did not return to its baseline: {baseline} -> {after}");
        foreach (var b in bystanders) await b.DisposeAsync();
    }

    /// <summary>
    /// One hostile peer: sends <paramref name="count"/> mutants. Those that must not reset are pipelined; at each
    /// checkpoint (every 2,000, and before a resetting one) the service must have processed them all, counted the
    /// treat-as-withdraw ones and hold exactly the model's prefixes. A resetting mutant goes last on its connection:
    /// its NOTIFICATION must be the predicted one and the connection must close; then the peer connects again.
    /// </summary>
    private async Task RunHostilePeer(ServiceProcess service, IPEndPoint endpoint, int index, UpdateMutator mutator, int count, Tally tally)
    {
        var address = Hostile(index);
        var model = new AdjRibInModel();
        var open = Open(65001, 0, address);
        var peer = await WirePeer.EstablishAsync(address, endpoint, open, TimeSpan.FromSeconds(30));
        var pending = new List<byte>();
        long segmentSent = 0, segmentTaw = 0;
        int sent = 0, resets = 0;
        try
        {
            while (sent < count)
            {
                var mutant = mutator.Next();
                var prediction = Rfc7606Oracle.Predict(mutant.Bytes, Negotiated);
                if (prediction is null) { Interlocked.Increment(ref tally.Unsendable); continue; }
                sent++;
                Interlocked.Increment(ref tally.Sent);
                tally.Add(tally.Reactions, prediction.Reaction.ToString());
                tally.Add(tally.Operators, mutant.Operator);
                if (!prediction.Resets)
                {
                    pending.AddRange(mutant.Bytes);
                    model.Apply(prediction.Update!, prediction.Reaction);
                    segmentSent++;
                    if (prediction.Reaction == Reaction.TreatAsWithdraw) segmentTaw++;
                    if (pending.Count >= 32 * 1024) { await peer.SendAsync(pending.ToArray()); pending.Clear(); }
                    if (segmentSent % 2000 == 0) { await Flush(); await Checkpoint(); }
                    continue;
                }
                await Flush();
                // Every eighth session is checked before its reset too (each check costs a round of polling).
                if (++resets % 8 == 0) await Checkpoint();
                await peer.SendAsync(mutant.Bytes);
                var expected = prediction.Notification!;
                NotificationMessage got;
                try { got = await peer.ExpectAsync<NotificationMessage>(TimeSpan.FromSeconds(20)); }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                {
                    throw new Xunit.Sdk.XunitException($"{address}: no NOTIFICATION for a {prediction.Reaction} mutant ({mutant.Operator}) "
                        + $"{Convert.ToHexString(mutant.Bytes)}; expected {expected.Describe()}: {e.Message}\n--- service output (tail) ---\n{Tail(service.Output)}");
                }
                Assert.True(got.Code == expected.Code && got.Subcode == expected.Subcode && got.Data.AsSpan().SequenceEqual(expected.Data),
                    $"{address}: mutant ({mutant.Operator}) {Convert.ToHexString(mutant.Bytes)}: expected {expected.Describe()}, got {got.Describe()}");
                tally.Add(tally.Notifications, $"{got.Code}/{got.Subcode}");
                Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)), $"{address}: the connection stayed open after the NOTIFICATION");
                await peer.DisposeAsync();
                model.Clear();
                segmentSent = segmentTaw = 0;
                peer = await WirePeer.EstablishAsync(address, endpoint, open, TimeSpan.FromSeconds(30));
            }
            await Flush();
            await Checkpoint();
        }
        finally
        {
            await peer.DisposeAsync();
        }

        async Task Flush()
        {
            if (pending.Count == 0) return;
            await peer.SendAsync(pending.ToArray());
            pending.Clear();
        }

        async Task Checkpoint()
        {
            if (segmentSent == 0) return;
            Interlocked.Increment(ref tally.Checkpoints);
            // The neighbor's UPDATE counter moves when the Adj-RIB-In actor takes an UPDATE, the prefix counts when the
            // Loc-RIB partitions have applied it: wait for all of them to reach the model's figures.
            string last = "";
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (await Matches()) return;
                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                    throw new Xunit.Sdk.XunitException($"{address}: sent {segmentSent} UPDATEs ({segmentTaw} treat-as-withdraw), model IPv4 {model.V4}, IPv6 {model.V6}; "
                        + $"the service shows {last}");
                await Task.Delay(10);
            }

            async Task<bool> Matches()
            {
                {
                    var prefixes = (await service.NeighborAsync(address.ToString())).GetProperty("prefixes");
                    // null while the session is between states or when the neighbor's RIB counters did not answer in
                    // time (seen with the machine saturated): ask again.
                    if (prefixes.ValueKind != System.Text.Json.JsonValueKind.Object) { last = "no prefix counters"; return false; }
                    var totals = prefixes.GetProperty("total");
                    long updates = totals.GetProperty("updates").GetInt64(), taw = totals.GetProperty("treatAsWithdraw").GetInt64();
                    long v4 = prefixes.GetProperty("ipv4-unicast").GetProperty("received").GetInt64();
                    long v6 = prefixes.GetProperty("ipv6-unicast").GetProperty("received").GetInt64();
                    last = $"updates {updates}, treat-as-withdraw {taw}, IPv4 {v4}, IPv6 {v6}";
                    return updates == segmentSent && taw == segmentTaw && v4 == model.V4 && v6 == model.V6;
                }
            }
        }
    }

    /// <summary>Mutated OPENs, each on a fresh connection from one of <see cref="OpenPeers"/> addresses in turn: a bad
    /// one must get its NOTIFICATION (RFC 4271 6.2, 6.1 for header errors), a good one the KEEPALIVE of OpenConfirm.</summary>
    private async Task RunOpenPeers(IPEndPoint endpoint, OpenMutator mutator, int count, Tally tally)
    {
        var settings = new NeighborSettings
        {
            PeerAddress = OpenPeer(0), PeerAs = 65002, LocalAs = 65000, RouterId = OpenMessage.IdentifierFrom(Ours),
        };
        var initial = OpenExchange.InitialDecode(settings);
        int done = 0;
        while (done < count)
        {
            var (bytes, op) = mutator.Next();
            NotificationMessage? expected;
            int length = BgpFramer.TryReadMessage(bytes, initial.MaxMessageLength, out var headerError);
            if (length < 0) expected = NotificationMessage.From(headerError!);
            else if (length != bytes.Length) { Interlocked.Increment(ref tally.Unsendable); continue; }
            else if (!BgpMessageCodec.TryDecode(bytes, initial, out var decoded, out var error)) expected = NotificationMessage.From(error!);
            else if (decoded is not OpenMessage openMessage) { Interlocked.Increment(ref tally.Unsendable); continue; }
            else expected = OpenExchange.TryNegotiate(settings, openMessage, out _, out var refusal, out _) ? null : refusal;

            var address = OpenPeer(done % OpenPeers);
            var peer = await ConnectForOpen(address, endpoint);
            try
            {
                await peer.SendAsync(bytes);
                if (expected is null)
                {
                    await peer.ExpectAsync<KeepaliveMessage>(TimeSpan.FromSeconds(20));
                    Interlocked.Increment(ref tally.OpensAccepted);
                }
                else
                {
                    var got = await peer.ExpectAsync<NotificationMessage>(TimeSpan.FromSeconds(20));
                    Assert.True(got.Code == expected.Code && got.Subcode == expected.Subcode && got.Data.AsSpan().SequenceEqual(expected.Data),
                        $"{address}: OPEN ({op}) {Convert.ToHexString(bytes)}: expected {expected.Describe()}, got {got.Describe()}");
                    tally.Add(tally.Notifications, $"{got.Code}/{got.Subcode}");
                }
                tally.Add(tally.Operators, "open-" + op);
            }
            finally { await peer.DisposeAsync(); }
            done++;
            Interlocked.Increment(ref tally.Opens);
        }
    }

    /// <summary>Connects until the service sends its OPEN (it refuses in Idle, e.g. right after the previous attempt).</summary>
    private static async Task<WirePeer> ConnectForOpen(IPAddress address, IPEndPoint endpoint)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var peer = await WirePeer.TryConnectAsync(address, endpoint);
            if (peer is not null)
            {
                try { await peer.ExpectAsync<OpenMessage>(TimeSpan.FromSeconds(10)); return peer; }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException) { await peer.DisposeAsync(); }
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{address}: the service never sent its OPEN");
            await Task.Delay(20);
        }
    }

    internal static OpenMessage Open(uint asn, ushort hold, IPAddress id) => OpenMessage.Create(asn, hold, OpenMessage.IdentifierFrom(id),
        [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new MultiprotocolCapability(AfiSafi.Ipv6Unicast), RouteRefreshCapability.Standard, new FourOctetAsCapability(asn)]);

    /// <summary>198.18.{i}.0/24 from the bystander's AS (4-octet AS_PATH).</summary>
    private static byte[] BystanderRoute(int i, uint asn) => UpdateMutator.Serialize([],
        [[0x40, 1, 1, 0], [0x40, 2, 6, 2, 1, (byte)(asn >> 24), (byte)(asn >> 16), (byte)(asn >> 8), (byte)asn], [0x40, 3, 4, 192, 0, 2, (byte)(100 + i)]],
        [24, 198, 18, (byte)i]);

    internal static async Task<long> RibPaths(ServiceProcess service)
    {
        var summary = await service.GetJsonAsync("bgp/rib/summary");
        return summary.GetProperty("ipv4-unicast").GetProperty("paths").GetInt64() + summary.GetProperty("ipv6-unicast").GetProperty("paths").GetInt64();
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
