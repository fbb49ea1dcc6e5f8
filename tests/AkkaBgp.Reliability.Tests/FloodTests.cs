using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaBgp.Reliability.Tests.Support;
using AkkaBgp.Service.Tests.EndToEnd;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests;

/// <summary>
/// Floods and slow readers against the built service. One peer blasts UPDATEs as fast as TCP takes them while 200
/// others sit idle (and a /bgp/events listener never reads): the service's memory stays bounded (it stops reading
/// and TCP pushes back), none of the 200 misses a KEEPALIVE or trips a hold timer, the stuck listener is dropped
/// with its logged reason while UPDATE processing carries on. A peer that never reads is ended by the send hold
/// timer (RFC 9687) and what was queued for it is freed.
/// </summary>
public sealed partial class FloodTests(ITestOutputHelper output)
{
    private static readonly IPAddress Ours = IPAddress.Parse("127.0.191.254");
    private static readonly IPAddress Blaster = IPAddress.Parse("127.0.192.1");
    private static readonly IPAddress NonReader = IPAddress.Parse("127.0.192.2");
    private static IPAddress Idle(int i) => IPAddress.Parse($"127.0.191.{1 + i}");
    private const int IdlePeers = 200;
    private const int TablePrefixes = 20_000, PrefixesPerUpdate = 50;

    /// <summary>Rounds of UPDATEs over <see cref="TablePrefixes"/> /24s (10.x.y.0/24), each round with another MED, so every
    /// UPDATE changes the best path of its prefixes and the table stays the same size however long the blast runs.</summary>
    private static byte[] Churn(int rounds, uint asn = 65001)
    {
        var all = new List<byte>();
        for (int round = 0; round < rounds; round++)
            for (int first = 0; first < TablePrefixes; first += PrefixesPerUpdate)
            {
                var nlri = new List<byte>();
                for (int i = first; i < first + PrefixesPerUpdate; i++) nlri.AddRange([24, 10, (byte)(i >> 8), (byte)i]);
                all.AddRange(UpdateMutator.Serialize([],
                    [[0x40, 1, 1, 0], [0x40, 2, 6, 2, 1, (byte)(asn >> 24), (byte)(asn >> 16), (byte)(asn >> 8), (byte)asn],
                     [0x40, 3, 4, 192, 0, 2, 1], [0x80, 4, 4, 0, 0, 0, (byte)round]],
                    nlri.ToArray()));
            }
        return all.ToArray();
    }

    [Fact]
    public async Task One_peer_blasting_while_200_sit_idle_memory_bounded_no_keepalive_missed_and_a_stuck_event_listener_dropped()
    {
        var blast = TimeSpan.FromSeconds(Figures.Count("RELIABILITY_FLOOD_SECONDS", 20));
        using var config = new ServiceConfig(Ours);
        // The idle peers are a route collector's clients: nothing is exported to them, so they stay idle while the
        // blaster's routes churn (export to 200 peers would be a fan-out test, not this one).
        config.Write($$"""
              neighbors = [ { address = "{{Blaster}}", remote-as = 65001, passive = true, hold-time = 30s, export { default-action = reject } } ]
              dynamic-neighbors = [ { prefix = "127.0.191.0/24", remote-as = 65100, limit = 250, hold-time = 9s, export { default-action = reject } } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        var endpoint = new IPEndPoint(Ours, config.BgpPort);

        var idle = new WirePeer[IdlePeers];
        for (int start = 0; start < IdlePeers; start += 20)
            await Task.WhenAll(Enumerable.Range(start, 20).Select(async i =>
            {
                idle[i] = await WirePeer.EstablishAsync(Idle(i), endpoint, HostilePeerTests.Open(65100, 9, Idle(i)), TimeSpan.FromSeconds(60));
                idle[i].StartKeepalives(TimeSpan.FromSeconds(3));
            }));
        var blaster = await WirePeer.EstablishAsync(Blaster, endpoint, HostilePeerTests.Open(65001, 30, Blaster), TimeSpan.FromSeconds(30));
        blaster.StartKeepalives(TimeSpan.FromSeconds(10));
        var churn = Churn(8);
        // The table once, so the baseline holds it and the blast only changes it.
        await blaster.SendAsync(churn.AsMemory(0, churn.Length / 8));
        await service.WaitUntilAsync(async () => await HostilePeerTests.RibPaths(service) == TablePrefixes, TimeSpan.FromSeconds(60), "the blaster's table");
        var baseline = await ProcessMemory.ReadAsync(service.Pid);
        ProcessMemory.ResetPeak(service.Pid);
        long updatesBefore = await UpdatesProcessed(service);

        // A /bgp/events listener that never reads joins for the last 40 % of the blast: best-path events pile up for
        // it. The memory bound is asserted on the samples before it joins (see the end for why).
        using var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        IPEndPoint? stuckName = null;
        int withoutListener = 0;

        // Blast: the whole churn buffer again and again, as fast as the socket takes it, for the set time.
        long sentBytes = 0, sentUpdates = 0;
        int perRound = churn.Length / 8, updatesPerRound = TablePrefixes / PrefixesPerUpdate;
        // What is live is read four times during the blast (a full GC each time, induced from outside): bounded means
        // it does not grow with what has been sent. RSS is sampled too, for the figure.
        var rss = new List<(double At, long Rss)>();
        var live = new List<long>();
        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            int next = 1;
            while (!sampling.IsCancellationRequested)
            {
                rss.Add((clock.Elapsed.TotalSeconds, ProcessMemory.Rss(service.Pid).Rss));
                if (next <= 4 && clock.Elapsed >= blast * next / 5)
                {
                    bool listening = Volatile.Read(ref stuckName) is not null;
                    live.Add(await ProcessMemory.HeapAfterFullGcAsync(service.Pid));
                    if (!listening) withoutListener = live.Count;
                    next++;
                }
                await Task.Delay(250);
            }
        });
        int r = 1;
        while (clock.Elapsed < blast)
        {
            if (stuckName is null && clock.Elapsed >= blast * 3 / 5)
            {
                await stuck.ConnectAsync(config.Management);
                await stuck.SendAsync(Encoding.ASCII.GetBytes($"GET /bgp/events HTTP/1.1\r\nHost: {config.Management}\r\n\r\n"));
                Volatile.Write(ref stuckName, (IPEndPoint)stuck.LocalEndPoint!);
            }
            await blaster.SendAsync(churn.AsMemory(perRound * r, perRound));
            sentBytes += perRound;
            sentUpdates += updatesPerRound;
            r = r % 7 + 1;
        }
        var blastTime = clock.Elapsed;
        await service.WaitUntilAsync(async () => await UpdatesProcessed(service) - updatesBefore >= sentUpdates, TimeSpan.FromSeconds(120), "every blasted UPDATE processed");
        var drained = clock.Elapsed;
        sampling.Cancel();
        await sampler;
        var after = await ProcessMemory.ReadAsync(service.Pid);

        // The stuck listener: dropped with its reason in the log, its connection closed by the service.
        var dropped = new Regex($@"Dropped /bgp/events listener [^\s]*:{stuckName!.Port}: it fell (\d+) events behind");
        await service.WaitUntilAsync(() => Task.FromResult(dropped.IsMatch(service.Output)), TimeSpan.FromSeconds(30), "the stuck listener dropped");
        Assert.True(await ClosedByServer(stuck, TimeSpan.FromSeconds(30)), "the stuck /bgp/events connection was not closed");

        // Nobody idle missed a KEEPALIVE (3 s interval: a gap of 6 s means one went missing) or lost its session.
        var worstGap = idle.Max(p => p.MaxKeepaliveGap);
        Assert.True(worstGap < TimeSpan.FromSeconds(6), $"an idle peer went {worstGap.TotalSeconds:0.0} s without a KEEPALIVE");
        Assert.All(idle, p => Assert.Null(p.ClosedBecause));
        var neighbors = await service.GetJsonAsync("bgp/neighbors");
        var states = neighbors.GetProperty("neighbors").EnumerateArray()
            .Where(n => n.GetProperty("address").GetString()!.StartsWith("127.0.191.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(IdlePeers, states.Length);
        Assert.All(states, n => Assert.True(n.GetProperty("state").GetString() == "Established" && n.GetProperty("flapCount").GetInt32() == 0, n.ToString()));
        Assert.Null(blaster.ClosedBecause);

        // Bounded: what is live during the blast is the table plus what is in flight (2,000 unacknowledged UPDATEs on
        // the connection, the partitions' batches), not a function of how much was sent; RSS on top of that is the
        // GC's room to allocate in, which it sizes to the allocation rate.
        long peakGrowth = after.PeakRssBytes - baseline.RssBytes;
        var firstHalf = rss.Where(s => s.At < blastTime.TotalSeconds / 2).Max(s => s.Rss);
        var secondHalf = rss.Where(s => s.At >= blastTime.TotalSeconds / 2).Max(s => s.Rss);
        // Every sample, the stuck /bgp/events listener's included: the event hub stops taking best-path batches when
        // it falls behind (SessionEventHub.BacklogHigh), so a listener costs no more than its own bounded buffer.
        var bounded = live.ToArray();
        long liveMax = bounded.Max(), inFlight = liveMax - baseline.HeapAfterFullGcBytes;
        Figures.Report(output, $"flood, {DateTime.UtcNow:yyyy-MM-dd}: {sentUpdates} UPDATEs ({sentBytes / 1048576.0:0.0} MB, {TablePrefixes} prefixes x {sentUpdates * PrefixesPerUpdate / TablePrefixes} rounds) "
            + $"blasted in {blastTime.TotalSeconds:0.0} s ({sentUpdates / blastTime.TotalSeconds:0} UPDATEs/s, {sentUpdates * PrefixesPerUpdate / drained.TotalSeconds:0} prefix changes/s to drained at {drained.TotalSeconds:0.0} s) "
            + $"with {IdlePeers} idle sessions; RSS baseline {MemoryReading.Mb(baseline.RssBytes)}, peak {MemoryReading.Mb(after.PeakRssBytes)} (+{MemoryReading.Mb(peakGrowth)}; "
            + $"max in the first half {MemoryReading.Mb(firstHalf)}, second half {MemoryReading.Mb(secondHalf)}); live heap (after full GC) baseline {MemoryReading.Mb(baseline.HeapAfterFullGcBytes)}, "
            + $"during the blast {string.Join(" / ", live.Take(withoutListener).Select(MemoryReading.Mb))}, with the stuck listener {string.Join(" / ", live.Skip(withoutListener).Select(MemoryReading.Mb))}, after {MemoryReading.Mb(after.HeapAfterFullGcBytes)}; "
            + $"longest KEEPALIVE gap at an idle peer {worstGap.TotalSeconds:0.00} s (interval 3 s); stuck /bgp/events listener dropped ({dropped.Match(service.Output).Value})");
        // In flight at most 64 MB over the table (2,000 decoded UPDATEs of 50 prefixes and the batches are a few MB;
        // the margin is for a sample taken while a burst is being decoded), and no growth from the first sample to the last.
        Assert.True(inFlight < 64L * 1048576, $"live heap during the blast reached {MemoryReading.Mb(liveMax)}, {MemoryReading.Mb(inFlight)} over the baseline");
        Assert.True(bounded.Length >= 2, $"only {bounded.Length} live-heap samples during the blast");
        Assert.True(bounded[^1] <= bounded[0] + 16L * 1048576, $"live heap grew during the blast: {string.Join(" / ", bounded.Select(MemoryReading.Mb))}");
        // Before the hub shed load, the samples with the listener reached 118-244 MB of live heap and RSS +645 MB.
        Assert.True(after.HeapAfterFullGcBytes <= baseline.HeapAfterFullGcBytes + 16L * 1048576,
            $"live heap after the blast {MemoryReading.Mb(after.HeapAfterFullGcBytes)} against {MemoryReading.Mb(baseline.HeapAfterFullGcBytes)} before");
        Assert.True(peakGrowth < 512L * 1048576, $"RSS grew by {MemoryReading.Mb(peakGrowth)} during the blast");
        foreach (var p in idle) await p.DisposeAsync();
        await blaster.DisposeAsync();
    }

    [Fact]
    public async Task A_peer_that_never_reads_is_ended_by_the_send_hold_timer_and_its_queue_freed()
    {
        using var config = new ServiceConfig(IPAddress.Parse("127.0.192.254"));
        IPAddress loader = IPAddress.Parse("127.0.192.3"), reader = IPAddress.Parse("127.0.192.4");
        config.Write($$"""
              neighbors = [
                { address = "{{loader}}", remote-as = 65001, passive = true, hold-time = 30s, export { default-action = reject } }
                { address = "{{NonReader}}", remote-as = 65002, passive = true, hold-time = 30s, send-hold-time = 3s }
                { address = "{{reader}}", remote-as = 65003, passive = true, hold-time = 30s }
              ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        var endpoint = new IPEndPoint(config.Address, config.BgpPort);
        // A table whose UPDATEs cannot be packed together: every prefix carries its own communities (MED would not
        // do: RFC 4271 5.1.4 keeps a neighbor's MED from other ASes, so the exports would all share attributes).
        var feed = await WirePeer.EstablishAsync(loader, endpoint, HostilePeerTests.Open(65001, 30, loader), TimeSpan.FromSeconds(30));
        feed.StartKeepalives(TimeSpan.FromSeconds(10));
        const int Prefixes = 100_000;
        var table = new List<byte>();
        // 100,000 /32s with 16 communities each (one of them the prefix's own): about 11 MB of UPDATEs towards the
        // non-reader, more than the kernel's socket buffers on loopback hold (tcp_wmem allows a 4 MB send buffer and
        // the non-reader keeps 4 KB), so most of it has to wait in our queue.
        for (int i = 0; i < Prefixes; i++)
        {
            byte[] communities = [0xFD, 0xE9, (byte)(i >> 16), (byte)(i >> 8), .. Enumerable.Range(1, 15).SelectMany(c => new byte[] { 0xFD, 0xEA, (byte)i, (byte)c })];
            table.AddRange(UpdateMutator.Serialize([], [[0x40, 1, 1, 0], [0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9], [0x40, 3, 4, 192, 0, 2, 1],
                [0xC0, 8, (byte)communities.Length, .. communities]],
                [32, 11, (byte)(i >> 16), (byte)(i >> 8), (byte)i]));
        }
        await feed.SendAsync(table.ToArray());
        await service.WaitUntilAsync(async () => await HostilePeerTests.RibPaths(service) == Prefixes, TimeSpan.FromSeconds(120), "the loader's table");
        // A neighbor that reads the whole table and leaves first: exporting decodes each set's views once (AS_PATH,
        // communities: ~30 MB for this table, kept with the set), so the baseline is taken after that, and what
        // its session left in the export caches must be gone too.
        var taker = await WirePeer.EstablishAsync(reader, endpoint, HostilePeerTests.Open(65003, 30, reader), TimeSpan.FromSeconds(30));
        await service.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref taker.UpdatesReceived) >= Prefixes), TimeSpan.FromSeconds(120), "the table sent to a reading neighbor");
        await taker.DisposeAsync();
        await service.WaitUntilAsync(async () => (await service.NeighborAsync(reader.ToString())).GetProperty("state").GetString() != "Established", TimeSpan.FromSeconds(30), "the reading neighbor gone");
        var before = await ProcessMemory.ReadAsync(service.Pid);

        // The non-reader: a 4 KB receive buffer it never empties.
        var stuck = await WirePeer.TryConnectAsync(NonReader, endpoint, read: false) ?? throw new InvalidOperationException("no connection");
        await stuck.SendAsync((byte[])[.. HostilePeerTests.Open(65002, 30, NonReader).ToArray(), .. KeepaliveMessage.Bytes.ToArray()]);
        var queued = new Regex(@"no write progress for [^ ]+ with (\d+) octets queued \(RFC 9687\)");
        var clock = Stopwatch.StartNew();
        await service.WaitUntilAsync(() => Task.FromResult(queued.IsMatch(service.Output)), TimeSpan.FromSeconds(60), "the send hold timer");
        var expired = clock.Elapsed;
        long queuedOctets = long.Parse(queued.Match(service.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        // Idle, and Active again once the idle hold time has passed (it is passive): either way not Established.
        await service.WaitUntilAsync(async () => (await service.NeighborAsync(NonReader.ToString())).GetProperty("state").GetString() != "Established", TimeSpan.FromSeconds(30), "the non-reader's session ended");
        var n = await service.NeighborAsync(NonReader.ToString());
        Assert.Equal(8, n.GetProperty("lastNotificationSent").GetProperty("code").GetInt32());
        // Freed: once the connection is gone, the heap is back where it was before the non-reader connected.
        var readings = new List<long>();
        MemoryReading after = before;
        var freeing = Stopwatch.StartNew();
        do
        {
            after = await ProcessMemory.ReadAsync(service.Pid);
            readings.Add(after.HeapAfterFullGcBytes);
        }
        while (after.HeapAfterFullGcBytes > before.HeapAfterFullGcBytes + 8 * 1048576 && freeing.Elapsed < TimeSpan.FromSeconds(20));
        Assert.True(after.HeapAfterFullGcBytes <= before.HeapAfterFullGcBytes + 8 * 1048576,
            $"the non-reader's queue was not freed: heap after full GC {MemoryReading.Mb(before.HeapAfterFullGcBytes)} before it connected, then {string.Join(" / ", readings.Select(MemoryReading.Mb))}");
        Figures.Report(output, $"peer that never reads, {DateTime.UtcNow:yyyy-MM-dd}: send hold timer (3 s) expired {expired.TotalSeconds:0.0} s after it connected with {queuedOctets / 1048576.0:0.0} MB queued; "
            + $"NOTIFICATION 8/0 sent (best effort), session ended; heap after full GC {MemoryReading.Mb(before.HeapAfterFullGcBytes)} before it connected, {MemoryReading.Mb(after.HeapAfterFullGcBytes)} after");
        Assert.True(queuedOctets > 1048576, $"only {queuedOctets} octets were queued: the test did not fill the connection");
        stuck.Abort();
        await stuck.DisposeAsync();
        await feed.DisposeAsync();
    }

    /// <summary>
    /// A peer that negotiated Extended Messages (RFC 8654, on by default) floods UPDATEs of 65,535 octets, each
    /// announcing 16,000-22,000 prefixes: the most prefixes per octet a peer can send. The read loop's bound on
    /// unacknowledged UPDATEs alone (2,000) would let it hold 2,000 of them, 128 MB of wire octets and more once
    /// decoded; the bound on their octets (ConnectionOptions.MaxUnacknowledgedBytes, 8 MiB) keeps ~128 in flight.
    /// IPv4 NLRI and IPv6 MP_REACH_NLRI (RFC 4760) are decoded by different code, so both are flooded.
    /// </summary>
    [Theory]
    [InlineData("ipv4")]
    [InlineData("ipv6")]
    public async Task A_peer_flooding_65535_octet_UPDATEs_is_held_to_the_octet_bound(string family)
    {
        var blast = TimeSpan.FromSeconds(Figures.Count("RELIABILITY_BIG_UPDATE_FLOOD_SECONDS", 8));
        bool v6 = family == "ipv6";
        using var config = new ServiceConfig(IPAddress.Parse(v6 ? "127.0.193.254" : "127.0.194.254"));
        var big = IPAddress.Parse(v6 ? "127.0.193.1" : "127.0.194.1");
        config.Write($$"""
              neighbors = [ { address = "{{big}}", remote-as = 65001, passive = true, hold-time = 30s, export { default-action = reject } } ]
            """);
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        var open = OpenMessage.Create(65001, 30, OpenMessage.IdentifierFrom(big),
            [new MultiprotocolCapability(v6 ? AfiSafi.Ipv6Unicast : AfiSafi.Ipv4Unicast), new FourOctetAsCapability(65001), ExtendedMessageCapability.Instance]);
        var peer = await WirePeer.EstablishAsync(big, new IPEndPoint(config.Address, config.BgpPort), open, TimeSpan.FromSeconds(30));
        peer.StartKeepalives(TimeSpan.FromSeconds(10));

        // 65,536 prefixes (IPv4 /16s, or the /24s of 2000::/8) in UPDATEs of up to 65,535 octets; each round sends them
        // all again with another MED, so every prefix changes.
        byte[][] Common(int round) => [[0x40, 1, 1, 0], [0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9], [0x80, 4, 4, 0, 0, 0, (byte)round]];
        byte[] nextHop6 = [0x20, 0x01, 0x0d, 0xb8, .. new byte[11], 1];
        int prefixOctets = v6 ? 4 : 3;
        int room = BgpHeader.ExtendedMaxMessageLength - BgpHeader.Size - 2 - 2 - Common(0).Sum(a => a.Length) - (v6 ? 4 + 5 + 16 : 7);
        int perUpdate = room / prefixOctets;
        byte[] Round(int round)
        {
            var all = new List<byte>();
            for (int first = 0; first < 65536; first += perUpdate)
            {
                var nlri = new List<byte>();
                for (int i = first; i < Math.Min(65536, first + perUpdate); i++)
                    nlri.AddRange(v6 ? [24, 0x20, (byte)(i >> 8), (byte)i] : [16, (byte)(i >> 8), (byte)i]);
                byte[] mp = [0, 2, 1, 16, .. nextHop6, 0, .. nlri];
                all.AddRange(v6
                    ? UpdateMutator.Serialize([], [.. Common(round), [0x90, 14, (byte)(mp.Length >> 8), (byte)mp.Length, .. mp]], [])
                    : UpdateMutator.Serialize([], [.. Common(round), [0x40, 3, 4, 192, 0, 2, 1]], nlri.ToArray()));
            }
            return all.ToArray();
        }
        var rounds = Enumerable.Range(0, 4).Select(Round).ToArray();
        int updatesPerRound = (65536 + perUpdate - 1) / perUpdate;
        Assert.True(rounds[0].Length >= (updatesPerRound - 1) * 65000, "the UPDATEs are not near 65,535 octets");
        await peer.SendAsync(rounds[0]);
        await service.WaitUntilAsync(async () => await HostilePeerTests.RibPaths(service) == 65536, TimeSpan.FromSeconds(60), "the 65,536 prefixes");
        var baseline = await ProcessMemory.ReadAsync(service.Pid);
        ProcessMemory.ResetPeak(service.Pid);
        long updatesBefore = await UpdatesOf(service, big);

        // What is live is read three times during the blast (a full GC each time, induced from outside).
        var live = new List<long>();
        var clock = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            for (int next = 1; next <= 3; next++)
            {
                var at = blast * next / 4;
                if (at > clock.Elapsed) await Task.Delay(at - clock.Elapsed);
                live.Add(await ProcessMemory.HeapAfterFullGcAsync(service.Pid));
            }
        });
        long sentBytes = 0, sentUpdates = 0;
        for (int r = 1; clock.Elapsed < blast; r = r % 3 + 1)
        {
            await peer.SendAsync(rounds[r]);
            sentBytes += rounds[r].Length;
            sentUpdates += updatesPerRound;
        }
        var blastTime = clock.Elapsed;
        await sampler;
        await service.WaitUntilAsync(async () => await UpdatesOf(service, big) - updatesBefore >= sentUpdates, TimeSpan.FromSeconds(120), "every blasted UPDATE processed");
        var drained = clock.Elapsed;
        var after = await ProcessMemory.ReadAsync(service.Pid);
        Assert.Null(peer.ClosedBecause);
        Assert.Equal(65536, await HostilePeerTests.RibPaths(service));

        long inFlight = live.Max() - baseline.HeapAfterFullGcBytes;
        Figures.Report(output, $"65,535-octet UPDATE flood ({family}), {DateTime.UtcNow:yyyy-MM-dd}: {sentUpdates} UPDATEs of up to {perUpdate} prefixes "
            + $"({sentBytes / 1048576.0:0} MB) blasted in {blastTime.TotalSeconds:0.0} s, drained at {drained.TotalSeconds:0.0} s ({sentUpdates * 65536 / updatesPerRound / drained.TotalSeconds:0} prefix changes/s); "
            + $"live heap (after full GC) baseline {MemoryReading.Mb(baseline.HeapAfterFullGcBytes)}, during the blast {string.Join(" / ", live.Select(MemoryReading.Mb))}, "
            + $"after {MemoryReading.Mb(after.HeapAfterFullGcBytes)}; RSS baseline {MemoryReading.Mb(baseline.RssBytes)}, peak {MemoryReading.Mb(after.PeakRssBytes)}");
        Assert.True(live.Count == 3, $"only {live.Count} live-heap samples during the blast");
        // 8 MiB of unacknowledged UPDATEs and the partitions' batches of their prefixes: 5-14 MB live over the baseline
        // and RSS +32-35 MB in the first runs. A build with the octet bound lifted (the count of 2,000 alone) failed
        // both, in two runs: IPv6 139 and 82 MB live (RSS +307 MB), IPv4 37 and 125 MB live (RSS +182 MB).
        Assert.True(inFlight < 48L * 1048576, $"live heap during the blast reached {MemoryReading.Mb(live.Max())}, {MemoryReading.Mb(inFlight)} over the baseline");
        Assert.True(after.PeakRssBytes - baseline.RssBytes < 96L * 1048576,
            $"RSS peaked at {MemoryReading.Mb(after.PeakRssBytes)}, {MemoryReading.Mb(after.PeakRssBytes - baseline.RssBytes)} over the baseline");
        Assert.True(after.HeapAfterFullGcBytes <= baseline.HeapAfterFullGcBytes + 16L * 1048576,
            $"live heap after the blast {MemoryReading.Mb(after.HeapAfterFullGcBytes)} against {MemoryReading.Mb(baseline.HeapAfterFullGcBytes)} before");
        await peer.DisposeAsync();
    }

    private static async Task<long> UpdatesOf(ServiceProcess service, IPAddress neighbor) =>
        (await service.NeighborAsync(neighbor.ToString())).GetProperty("prefixes").GetProperty("total").GetProperty("updates").GetInt64();

    private static Task<long> UpdatesProcessed(ServiceProcess service) => UpdatesOf(service, Blaster);

    /// <summary>Reads (now) until the server closes or resets the connection.</summary>
    private static async Task<bool> ClosedByServer(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            return true;
        }
        catch (SocketException) { return true; }
        catch (OperationCanceledException) { return false; }
    }
}
