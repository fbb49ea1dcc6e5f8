using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Transport;

/// <summary>The connection actor over real loopback sockets; timers (send hold, flush deadline) on virtual time.</summary>
public sealed class TcpConnectionTests : BgpTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private async Task<(IActorRef Connection, Socket Peer, TestProbe Handler)> RegisteredAsync(
        ConnectionOptions? options = null, TimeSpan? sendHold = null, bool updateBatches = false)
    {
        var (ours, peer) = await Loopback.PairAsync();
        var connection = Sys.ActorOf(TcpConnection.Props(ours, options));
        var handler = CreateTestProbe();
        connection.Tell(new Register(handler.Ref, default, default, sendHold ?? TimeSpan.Zero, updateBatches));
        return (connection, peer, handler);
    }

    /// <summary>Writes <paramref name="total"/> one-prefix UPDATEs in ~60 KB writes (each write waits while the
    /// socket is full, so the task completes only once we have read nearly all of it).</summary>
    private static Task WriteUpdatesAsync(Socket peer, int total) => Task.Run(async () =>
    {
        var chunk = new List<byte>();
        for (int i = 0; i < total; i++)
        {
            chunk.AddRange(Loopback.Update(i % 65536));
            if (chunk.Count > 60_000) { await peer.SendAsync(chunk.ToArray()); chunk.Clear(); }
        }
        await peer.SendAsync(chunk.ToArray());
    });

    [Fact]
    public async Task Does_not_read_before_Register()
    {
        var (ours, peer) = await Loopback.PairAsync();
        var connection = Sys.ActorOf(TcpConnection.Props(ours));
        await peer.SendAsync(Loopback.Keepalive);
        connection.Tell(GetConnectionStats.Instance, TestActor);
        var stats = ExpectMsg<ConnectionStats>();
        Assert.Equal(0, stats.BytesReceived);
        var handler = CreateTestProbe();
        connection.Tell(new Register(handler.Ref, default, default, TimeSpan.Zero));
        var received = handler.ExpectMsg<Received>(Wait);
        Assert.IsType<KeepaliveMessage>(received.Message);
        Assert.Equal(connection, received.Connection);
        peer.Dispose();
    }

    [Fact]
    public async Task Bytes_arriving_one_at_a_time_make_whole_messages()
    {
        var (_, peer, handler) = await RegisteredAsync();
        var open = Loopback.Open();
        byte[] stream = [.. Loopback.Encode(open), .. Loopback.Keepalive, .. Loopback.Update(7)];
        foreach (var b in stream)
        {
            await peer.SendAsync(new[] { b }, SocketFlags.None);
            await Task.Delay(1);
        }
        Assert.Equal(open, handler.ExpectMsg<Received>(Wait).Message);
        Assert.IsType<KeepaliveMessage>(handler.ExpectMsg<Received>(Wait).Message);
        var update = Assert.IsType<BgpUpdate>(handler.ExpectMsg<Received>(Wait).Message);
        Assert.Equal("10.0.7.0/24", Assert.Single(update.Update.Nlri.ToPrefixArray()).ToString());
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        peer.Dispose();
    }

    [Fact]
    public async Task UPDATE_with_a_treat_as_withdraw_error_arrives_as_Received_with_its_errors()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        var bad = Loopback.Update(8);
        bad[26] = 9; // ORIGIN 9: RFC 7606 section 7.1, treat-as-withdraw
        await peer.SendAsync(Loopback.Update(7));
        await peer.SendAsync(bad);
        var clean = handler.ExpectMsg<Received>(Wait);
        Assert.IsType<BgpUpdate>(clean.Message);
        Assert.Empty(clean.Errors);
        var withErrors = handler.ExpectMsg<Received>(Wait);
        var update = Assert.IsType<BgpUpdate>(withErrors.Message);
        Assert.Equal(ErrorAction.TreatAsWithdraw, Assert.Single(withErrors.Errors).Action);
        Assert.Same(update.Update.Errors, withErrors.Errors);
        Assert.Equal(connection, withErrors.Connection);
        peer.Dispose();
    }

    [Fact]
    public async Task Thousand_keepalives_in_one_write_arrive_as_a_thousand_messages()
    {
        var (_, peer, handler) = await RegisteredAsync();
        var burst = new byte[1000 * 19];
        for (int i = 0; i < 1000; i++) Loopback.Keepalive.CopyTo(burst, i * 19);
        Assert.Equal(burst.Length, await peer.SendAsync(burst));
        for (int i = 0; i < 1000; i++)
            Assert.IsType<KeepaliveMessage>(handler.ExpectMsg<Received>(Wait).Message);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        peer.Dispose();
    }

    [Fact]
    public async Task Garbage_after_a_valid_OPEN_is_a_header_error_and_reading_stops()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        var garbage = new byte[40];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x00; // cannot be a marker
        byte[] stream = [.. Loopback.Encode(Loopback.Open()), .. garbage, .. Loopback.Keepalive];
        await peer.SendAsync(stream);
        Assert.IsType<OpenMessage>(handler.ExpectMsg<Received>(Wait).Message);
        var failed = handler.ExpectMsg<ReceiveFailed>(Wait);
        // RFC 4271 6.1: a marker that is not all ones is Message Header Error / Connection Not Synchronized.
        Assert.Equal((byte)1, failed.Error.Code);
        Assert.Equal((byte)1, failed.Error.Subcode);
        Assert.Equal(connection, failed.Connection);
        // Nothing after the error is delivered; the connection stays open for the NOTIFICATION.
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        handler.Send(connection, new Send(NotificationMessage.From(failed.Error)));
        connection.Tell(new Close(TimeSpan.FromSeconds(5)));
        var notification = Assert.IsType<NotificationMessage>(
            await Loopback.ReadUntilAsync(peer, m => m is NotificationMessage, Wait));
        Assert.Equal((byte)1, notification.Code);
        Assert.True(await Loopback.ClosedAsync(peer, Wait));
        Assert.Contains("closed by us", handler.ExpectMsg<TcpConnectionFails>(Wait).Reason);
        peer.Dispose();
    }

    [Fact]
    public async Task Bad_length_reports_the_length_in_the_error()
    {
        var (_, peer, handler) = await RegisteredAsync();
        var bad = Loopback.Keepalive;
        bad[17] = 18; // length 18 < 19
        await peer.SendAsync(bad);
        var failed = handler.ExpectMsg<ReceiveFailed>(Wait);
        Assert.Equal((byte)1, failed.Error.Code);
        Assert.Equal((byte)2, failed.Error.Subcode); // Bad Message Length, RFC 4271 6.1
        Assert.Equal(new byte[] { 0, 18 }, failed.Error.Data);
        peer.Dispose();
    }

    [Fact]
    public async Task Peer_close_gives_TcpConnectionFails_once_and_stops_the_actor()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        Watch(connection);
        await peer.SendAsync(Loopback.Keepalive);
        peer.Shutdown(SocketShutdown.Both);
        peer.Dispose();
        Assert.IsType<KeepaliveMessage>(handler.ExpectMsg<Received>(Wait).Message);
        var closed = handler.ExpectMsg<TcpConnectionFails>(Wait);
        Assert.Equal("peer closed the connection", closed.Reason);
        Assert.Equal(connection, closed.Connection);
        ExpectTerminated(connection, Wait);
        connection.Tell(new Abort());
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Writes_go_out_in_order_and_Close_flushes_first()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        for (int i = 0; i < 300; i++)
            handler.Send(connection, i % 2 == 0 ? new Send(KeepaliveMessage.Instance) : new SendBytes(Loopback.Update(i)));
        handler.Send(connection, new Send(NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "bye")));
        connection.Tell(new Close(TimeSpan.FromSeconds(5)));
        var seen = new List<BgpMessage>();
        await Loopback.ReadUntilAsync(peer, m => { seen.Add(m); return m is NotificationMessage; }, Wait);
        Assert.Equal(301, seen.Count);
        for (int i = 0; i < 300; i++)
        {
            if (i % 2 == 0) Assert.IsType<KeepaliveMessage>(seen[i]);
            else Assert.Equal($"10.{i >> 8}.{i & 255}.0/24", Assert.Single(((BgpUpdate)seen[i]).Update.Nlri.ToPrefixArray()).ToString());
        }
        Assert.Equal("bye", ((NotificationMessage)seen[300]).ShutdownCommunication);
        Assert.True(await Loopback.ClosedAsync(peer, Wait));
        handler.ExpectMsg<TcpConnectionFails>(Wait);
        peer.Dispose();
    }

    [Fact]
    public async Task Messages_others_queue_are_counted_by_type_and_reported_to_the_handler_once_written()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        // Packed bytes as the RIB writes them: the connection counts them by walking the headers.
        byte[] packed = [.. Loopback.Update(1), .. Loopback.Update(2), .. Loopback.Update(3), .. Loopback.Keepalive];
        connection.Tell(new SendBytes(packed), TestActor);
        connection.Tell(new Send(new RouteRefreshMessage(AfiSafi.Ipv4Unicast)), TestActor);
        // The handler's own message is written and counted, but not reported back: it counted it when it sent it.
        handler.Send(connection, new Send(KeepaliveMessage.Instance));

        var seen = 0;
        await Loopback.ReadUntilAsync(peer, _ => ++seen == 6, Wait);
        var reported = new Dictionary<MessageType, long>();
        while (reported.Values.Sum() < 5)
            foreach (var (type, n) in handler.ExpectMsg<MessagesWritten>(Wait).Counts)
                reported[type] = reported.GetValueOrDefault(type) + n;
        Assert.Equal(3, reported[MessageType.Update]);
        Assert.Equal(1, reported[MessageType.Keepalive]);
        Assert.Equal(1, reported[MessageType.RouteRefresh]);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        connection.Tell(GetConnectionStats.Instance, TestActor);
        var written = ExpectMsg<ConnectionStats>().MessagesWritten!;
        Assert.Equal(3, written[MessageType.Update]);
        Assert.Equal(2, written[MessageType.Keepalive]);
        Assert.Equal(1, written[MessageType.RouteRefresh]);
        peer.Dispose();
    }

    [Fact]
    public async Task Peer_that_stops_reading_trips_the_send_hold_timer()
    {
        var sendHold = TimeSpan.FromSeconds(30);
        var (connection, peer, handler) = await RegisteredAsync(sendHold: sendHold);
        peer.ReceiveBufferSize = 4096;
        // Far more than the kernel buffers on both sides hold: the writer must stall.
        var chunk = new byte[1 << 20];
        for (int off = 0; off + 19 <= chunk.Length; off += 19) Loopback.Keepalive.CopyTo(chunk, off);
        // From the handler, so no MessagesWritten reports come back to it (it counts its own writes).
        for (int i = 0; i < 64; i++) handler.Send(connection, new SendBytes(chunk));
        await Loopback.WaitForWriteStallAsync(connection);
        Advance(sendHold - TimeSpan.FromSeconds(1));
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // A last write may still have completed after the stall check and re-armed the timer: step on until it fires.
        Advance(TimeSpan.FromSeconds(1));
        var expired = AdvanceUntil(sendHold, wait => TryFish<SendHoldTimerExpired>(handler, _ => true, wait), wait: TimeSpan.FromSeconds(1));
        Assert.Equal(connection, expired.Connection);
        // The FSM then gives up on the flush: a Close whose deadline passes closes anyway. The stats round trip
        // makes sure the Close (and its flush timer) is in place before virtual time moves.
        connection.Tell(new Close(TimeSpan.FromSeconds(1)));
        await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Advance(TimeSpan.FromSeconds(2));
        Assert.Contains("unsent", handler.ExpectMsg<TcpConnectionFails>(Wait).Reason);
        peer.Dispose();
    }

    [Fact]
    public async Task Send_hold_timer_does_not_fire_while_the_peer_reads()
    {
        var sendHold = TimeSpan.FromSeconds(30);
        var (connection, peer, handler) = await RegisteredAsync(sendHold: sendHold);
        var chunk = new byte[1 << 20];
        for (int off = 0; off + 19 <= chunk.Length; off += 19) Loopback.Keepalive.CopyTo(chunk, off);
        for (int i = 0; i < 8; i++) handler.Send(connection, new SendBytes(chunk));
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            long total = 0;
            while (total < 8L * chunk.Length) total += await peer.ReceiveAsync(buffer);
        });
        await drain.WaitAsync(Wait);
        AwaitCondition(() => connection.Ask<ConnectionStats>(GetConnectionStats.Instance).Result.QueuedBytes == 0, Wait);
        Advance(sendHold * 3);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        peer.Dispose();
    }

    [Fact]
    public async Task Backpressure_stops_reading_until_updates_are_acknowledged()
    {
        // Acknowledging 80 brings the count down to the low-water mark and resumes reading.
        var stats = await ReadingStopsThenGoesOnAsync(new ConnectionOptions { HighWaterMark = 100, LowWaterMark = 20 },
            total: 200_000, stopsAt: 100, firstAcknowledged: 80);
        Assert.Equal(20, stats.Unacknowledged);
    }

    [Fact]
    public async Task Backpressure_also_counts_octets_so_large_updates_stop_reading_sooner()
    {
        // Ten UPDATEs' worth of octets, a count limit far above it: the octets decide (as they do for Extended
        // Messages' 64 KiB UPDATEs against the default 8 MiB). Acknowledged, their octets are freed with them.
        int size = Loopback.Update(0).Length;
        var options = new ConnectionOptions { HighWaterMark = 1000, LowWaterMark = 500, MaxUnacknowledgedBytes = 10L * size };
        var stats = await ReadingStopsThenGoesOnAsync(options, total: 100_000, stopsAt: 10, firstAcknowledged: 10);
        Assert.InRange(stats.Unacknowledged, 0, 10);
    }

    /// <summary>Writes <paramref name="total"/> UPDATEs (more than loopback's socket buffers can hide), expects reading to
    /// stop after <paramref name="stopsAt"/>, acknowledges <paramref name="firstAcknowledged"/>, then each UPDATE as it
    /// arrives until all have; returns the connection's counters at the end.</summary>
    private async Task<ConnectionStats> ReadingStopsThenGoesOnAsync(ConnectionOptions options, int total, int stopsAt, int firstAcknowledged)
    {
        var (connection, peer, handler) = await RegisteredAsync(options);
        var writer = WriteUpdatesAsync(peer, total);
        for (int i = 0; i < stopsAt; i++) handler.ExpectMsg<Received>(Wait);
        // Stopped: no more deliveries, the socket is not read, so the kernel buffers fill and the peer's writes block
        // (TCP flow control).
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var stats = await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Assert.True(stats.ReadingPaused);
        Assert.Equal(stopsAt, stats.Unacknowledged);
        Assert.False(writer.IsCompleted, "the peer could write everything although we stopped reading");

        connection.Tell(new UpdatesProcessed(firstAcknowledged));
        for (int received = stopsAt; received < total; received++)
        {
            handler.ExpectMsg<Received>(Wait);
            connection.Tell(new UpdatesProcessed(1));
        }
        await writer.WaitAsync(Wait);
        stats = await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Assert.Equal(total, stats.UpdatesReceived);
        peer.Dispose();
        return stats;
    }

    /// <summary>Collects batched UPDATEs until <paramref name="count"/> have arrived: where batches end depends on how
    /// the kernel split the stream, never on which UPDATEs they hold or their order.</summary>
    private static List<UpdateMessage> ExpectUpdates(TestProbe handler, IActorRef connection, int count)
    {
        var updates = new List<UpdateMessage>();
        while (updates.Count < count)
        {
            var batch = handler.ExpectMsg<ReceivedUpdates>(Wait);
            Assert.NotEmpty(batch.Updates);
            Assert.True(batch.Updates.Length <= TcpConnection.MaxUpdateBatch, $"a batch of {batch.Updates.Length}");
            Assert.Equal(connection, batch.Connection);
            updates.AddRange(batch.Updates.Select(u => u.Update));
        }
        Assert.Equal(count, updates.Count);
        return updates;
    }

    private static string PrefixOf(int n) => $"10.{(n >> 8) & 0xFF}.{n & 0xFF}.0/24";

    [Fact]
    public async Task A_batching_handler_gets_UPDATEs_in_order_in_batches_and_other_messages_between_them()
    {
        var (connection, peer, handler) = await RegisteredAsync(updateBatches: true);
        var first = Enumerable.Range(0, 600).SelectMany(n => Loopback.Update(n));
        var second = Enumerable.Range(600, 5).SelectMany(n => Loopback.Update(n));
        var cease = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown);
        byte[] stream = [.. Loopback.Keepalive, .. first, .. Loopback.Keepalive, .. second, .. Loopback.Encode(cease)];
        await peer.SendAsync(stream);

        Assert.IsType<KeepaliveMessage>(handler.ExpectMsg<Received>(Wait).Message);
        var updates = ExpectUpdates(handler, connection, 600);
        Assert.Equal(Enumerable.Range(0, 600).Select(PrefixOf), updates.Select(u => Assert.Single(u.Nlri.ToPrefixArray()).ToString()));
        Assert.IsType<KeepaliveMessage>(handler.ExpectMsg<Received>(Wait).Message);
        updates = ExpectUpdates(handler, connection, 5);
        Assert.Equal(Enumerable.Range(600, 5).Select(PrefixOf), updates.Select(u => Assert.Single(u.Nlri.ToPrefixArray()).ToString()));
        Assert.Equal(cease, handler.ExpectMsg<Received>(Wait).Message);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var stats = await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Assert.Equal(605, stats.UpdatesReceived);
        Assert.Equal(605, stats.Unacknowledged);
        peer.Dispose();
    }

    [Fact]
    public async Task A_batching_handler_gets_the_UPDATEs_before_an_UPDATE_that_resets_the_session_then_the_error()
    {
        var (connection, peer, handler) = await RegisteredAsync(updateBatches: true);
        var bad = Loopback.Update(9);
        bad[19] = 0xFF; // Withdrawn Routes Length beyond the message: RFC 7606 section 4, session reset
        byte[] stream = [.. Loopback.Update(7), .. Loopback.Update(8), .. bad, .. Loopback.Update(10)];
        await peer.SendAsync(stream);
        var updates = ExpectUpdates(handler, connection, 2);
        Assert.Equal([PrefixOf(7), PrefixOf(8)], updates.Select(u => Assert.Single(u.Nlri.ToPrefixArray()).ToString()));
        var failed = handler.ExpectMsg<ReceiveFailed>(Wait);
        Assert.Equal(ErrorCode.UpdateMessage, failed.Error.Code);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        peer.Dispose();
    }

    [Fact]
    public async Task Backpressure_with_batches_delivers_up_to_the_high_water_mark_then_waits_for_acknowledgements()
    {
        var options = new ConnectionOptions { HighWaterMark = 100, LowWaterMark = 20 };
        var (connection, peer, handler) = await RegisteredAsync(options, updateBatches: true);
        const int Total = 200_000;
        var writer = WriteUpdatesAsync(peer, Total);
        // The batches held when reading pauses are told first: otherwise the acknowledgements it waits for never come.
        ExpectUpdates(handler, connection, 100);
        handler.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var stats = await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Assert.True(stats.ReadingPaused);
        Assert.Equal(100, stats.Unacknowledged);
        Assert.False(writer.IsCompleted, "the peer could write everything although we stopped reading");

        int received = 100;
        connection.Tell(new UpdatesProcessed(100));
        while (received < Total)
        {
            var batch = handler.ExpectMsg<ReceivedUpdates>(Wait);
            received += batch.Updates.Length;
            connection.Tell(new UpdatesProcessed(batch.Updates.Length));
        }
        await writer.WaitAsync(Wait);
        Assert.Equal(Total, received);
        AwaitCondition(() => connection.Ask<ConnectionStats>(GetConnectionStats.Instance).Result.Unacknowledged == 0, Wait);
        Assert.Equal(Total, (await connection.Ask<ConnectionStats>(GetConnectionStats.Instance)).UpdatesReceived);
        peer.Dispose();
    }

    [Fact]
    public async Task Abort_drops_the_connection_at_once()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        connection.Tell(new Abort());
        Assert.Equal("aborted by us", handler.ExpectMsg<TcpConnectionFails>(Wait).Reason);
        Assert.True(await Loopback.ClosedAsync(peer, Wait));
        peer.Dispose();
    }

    [Fact]
    public async Task Unregistered_connection_closes_itself_after_the_register_timeout()
    {
        var (ours, peer) = await Loopback.PairAsync();
        var connection = Sys.ActorOf(TcpConnection.Props(ours, new ConnectionOptions { RegisterTimeout = TimeSpan.FromSeconds(5) }));
        Watch(connection);
        // PreStart has armed the register timer once the actor answers (Akka's Advance only fires what is already due).
        await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        Advance(TimeSpan.FromSeconds(6));
        ExpectTerminated(connection, Wait);
        Assert.True(await Loopback.ClosedAsync(peer, Wait));
        peer.Dispose();
    }
    [Fact]
    public async Task NOTIFICATION_reaches_a_peer_whose_unread_garbage_is_still_queued_when_we_close()
    {
        var (connection, peer, handler) = await RegisteredAsync();
        var garbage = new byte[256 * 1024];
        new Random(11).NextBytes(garbage);
        garbage[0] = 0;
        byte[] stream = [.. Loopback.Encode(Loopback.Open()), .. garbage];
        var send = peer.SendAsync(stream, SocketFlags.None); // we stop reading at the error, so this may not complete
        handler.ExpectMsg<Received>(Wait);
        var failed = handler.ExpectMsg<ReceiveFailed>(Wait);
        handler.Send(connection, new Send(NotificationMessage.From(failed.Error)));
        connection.Tell(new Close(TimeSpan.FromSeconds(5)));
        // Unread input is still queued on our side when we close; the peer must still get the NOTIFICATION whole.
        var n = Assert.IsType<NotificationMessage>(await Loopback.ReadUntilAsync(peer, m => m is NotificationMessage, Wait));
        Assert.Equal((1, 1), (n.Code, n.Subcode));
        Assert.True(await Loopback.ClosedAsync(peer, Wait));
        await send.WaitAsync(Wait);
        peer.Dispose();
    }
    [Fact]
    public async Task Messages_over_4096_octets_need_Extended_Messages_negotiated_by_Reconfigure()
    {
        var big = Loopback.BigUpdate(2500); // 10,000+ octets
        var (_, peer, handler) = await RegisteredAsync();
        await peer.SendAsync(big, SocketFlags.None);
        var failed = handler.ExpectMsg<ReceiveFailed>(Wait);
        Assert.Equal((1, 2), (failed.Error.Code, failed.Error.Subcode)); // RFC 8654 4: too long without the capability

        var (connection, peer2, handler2) = await RegisteredAsync();
        connection.Tell(new Reconfigure(new DecodeContext { ExtendedMessages = true }, default, TimeSpan.Zero));
        // The answer comes after the Reconfigure has been applied: only then may the peer send long messages
        // (a KEEPALIVE read by the loop proved nothing: the loop can frame it before the actor applies the rules).
        await connection.Ask<ConnectionStats>(GetConnectionStats.Instance);
        for (int i = 0; i < 3; i++) await peer2.SendAsync(big, SocketFlags.None);
        for (int i = 0; i < 3; i++)
            Assert.Equal(2500, Assert.IsType<BgpUpdate>(handler2.ExpectMsg<Received>(Wait).Message).Update.Nlri.Count);
        peer.Dispose();
        peer2.Dispose();
    }
}
