using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport;

/// <summary>Tuning of one connection actor.</summary>
public sealed record ConnectionOptions
{
    /// <summary>UPDATEs delivered but not yet acknowledged with <see cref="UpdatesProcessed"/> at which reading stops.</summary>
    public int HighWaterMark { get; init; } = 2000;

    /// <summary>Reading resumes once the unacknowledged count falls to this.</summary>
    /// <remarks>Resuming close under the stop point keeps the RIB fed while the read loop refills: at 500 the partitions
    /// ran dry at every resume (500 UPDATEs are ~1 ms of their work; decoding the next 1,500 takes longer) and a full
    /// table waited on those gaps. Shared bench, interleaved runs (bench/RESULTS.md, 2026-12-06 fifth session): W1
    /// (1 x 1M) 0.475 -> 0.446 s, W4 (200k IPv6) 0.127 -> 0.122 s, same stop point so the same most in flight. A stop
    /// point of 4,000 (resuming at 3,000) was faster still (W1 0.414 s, W4 0.111 s) but every connection has its own
    /// window, and ten loading together (W2) took the peak RSS from 192 to 210 MiB, 1.50x BIRD's.</remarks>
    public int LowWaterMark { get; init; } = 1500;

    /// <summary>Octets of UPDATEs delivered but not yet acknowledged at which reading stops too; it resumes once they are
    /// down to three quarters of it (and the count to <see cref="LowWaterMark"/>).</summary>
    /// <remarks>The count alone bounds what a peer can make us hold only while UPDATEs are at most 4,096 octets: 2,000 of
    /// them are at most 8 MiB on the wire. With Extended Messages (RFC 8654, on by default) an UPDATE may be 65,535
    /// octets, 2,000 of them 128 MB before decoding, and an IPv6 one holds its prefixes decoded. A flood of such UPDATEs
    /// (FloodTests, both families) measured with the count alone: 37-139 MB live and RSS up to +307 MB; with this bound
    /// under 15 MB live and RSS +35 MB. 8 MiB keeps the most in flight where 4,096-octet UPDATEs put it; below that size
    /// the count is reached first, so only larger UPDATEs see this bound.</remarks>
    public long MaxUnacknowledgedBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>A connection nobody registers within this time closes itself (like Akka.IO's register-timeout),
    /// so a connection handed to an FSM that is down, or to nobody, does not leak its socket.</summary>
    public TimeSpan RegisterTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Octets asked of the socket per receive call.</summary>
    public int ReceiveChunk { get; init; } = 32 * 1024;

    public static readonly ConnectionOptions Default = new();
}

/// <summary>Asks a connection for <see cref="ConnectionStats"/> (diagnostics and tests).</summary>
public sealed record GetConnectionStats
{
    public static readonly GetConnectionStats Instance = new();
}

/// <param name="Unacknowledged">UPDATEs delivered and not yet acknowledged.</param>
/// <param name="ReadingPaused">Whether the read loop is holding off the socket because of backpressure.</param>
/// <param name="QueuedBytes">Octets accepted for writing and not yet written to the socket.</param>
/// <param name="MessagesWritten">Messages wholly written to the socket, by type, whoever queued them.</param>
public sealed record ConnectionStats(long MessagesReceived, long UpdatesReceived, int Unacknowledged, bool ReadingPaused,
    long BytesReceived, long BytesSent, long QueuedBytes, IReadOnlyDictionary<MessageType, long>? MessagesWritten = null);

/// <summary>
/// One TCP connection to a peer. The actor owns the socket; two loops run beside it:
/// the read loop (started by <see cref="Register"/>) frames and decodes the stream and tells the
/// handler directly, so sessions decode in parallel and the actor's mailbox is not on the hot
/// path; the write loop drains a queue in order. Both report back to the actor with private
/// messages, so the actor's own state is only touched on its own turn. The only state shared with
/// the read loop is the decode rules (replaced whole) and the unacknowledged UPDATE counter.
/// </summary>
public sealed class TcpConnection : UntypedActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly Socket _socket;
    private readonly ConnectionOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReadOnlyMemory<byte>> _outbound =
        Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private IActorRef? _handler;
    /// <summary>The handler registered for <see cref="ReceivedUpdates"/>; set before the read loop starts.</summary>
    private bool _batchUpdates;
    /// <summary>The read loop's UPDATEs not yet told (only the read loop touches it).</summary>
    private readonly List<BgpUpdate> _pendingUpdates = new();
    private volatile DecodeRules _rules = new(default, BgpHeader.MaxMessageLength);
    private TimeSpan _sendHoldTime;
    // RFC 8654: what we may send can be smaller than what we accept (the peer did not advertise Extended Messages).
    private int _maxSendLength = BgpHeader.MaxMessageLength;
    private long _queuedBytes;
    private long _bytesSent;
    private bool _closing;
    private bool _closedReported;
    private bool _socketClosed;
    private int _unacknowledged;
    /// <summary>Octets of the unacknowledged UPDATEs. Acknowledgements count UPDATEs, not which ones, so they free the
    /// average share; when the count reaches zero, all of it.</summary>
    private long _unacknowledgedBytes;
    private int _readingPaused;
    private long _messagesReceived;
    private long _updatesReceived;
    private long _bytesReceived;
    private TaskCompletionSource? _resume;
    // Session.MessageTap. _tapPending is set by StartTap; the session is tapped (_tap) once both it and the peer's
    // KEEPALIVE (_keepaliveRead, set by the read loop) are there, by whichever thread sees both first (_tapStarted
    // decides). The peer's KEEPALIVE may be read before StartTap arrives (it does not wait for ours), but nothing
    // else can: the peer sends UPDATEs only after our KEEPALIVE, which the FSM queues after StartTap.
    // EndTap or the connection's end clears _tap.
    private volatile TapSession? _tapPending;
    private int _keepaliveRead;
    private int _tapStarted;
    private int _tapEnded;
    private volatile TapSession? _tap;
    private volatile byte[]? _sentOpen;
    private volatile byte[]? _receivedOpen;
    private EventStream _events = null!;
    private readonly object _resumeGate = new();
    // Write accounting by message type. Every queued buffer ends at a known offset of the output stream
    // (_enqueuedBytes); when the write loop reports that _bytesSent has passed it, its messages are written.
    private long _enqueuedBytes;
    private readonly Queue<(long End, long[] Counts, bool Foreign)> _pendingCounts = new();
    private readonly long[] _writtenByType = new long[MessageTypeSlots];
    // Indexed by the type octet; the types RFC 4271 and RFC 2918 define are 1-5 (others are not counted).
    private const int MessageTypeSlots = 6;

    public ITimerScheduler Timers { get; set; } = null!;

    public TcpConnection(Socket socket, ConnectionOptions options)
    {
        _socket = socket;
        _options = options;
        Local = (IPEndPoint)socket.LocalEndPoint!;
        Remote = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public IPEndPoint Local { get; }
    public IPEndPoint Remote { get; }

    /// <summary>The actor takes ownership of a connected socket.</summary>
    public static Props Props(Socket socket, ConnectionOptions? options = null) =>
        Akka.Actor.Props.Create(() => new TcpConnection(socket, options ?? ConnectionOptions.Default));

    private sealed record DecodeRules(DecodeContext Context, int MaxLength);

    // ---- private messages from the loops -------------------------------------------------------
    private sealed record Written(int Bytes) : IDeadLetterSuppression;
    private sealed record WriteFailed(string Reason) : IDeadLetterSuppression;
    private sealed record ReadEnded(string Reason) : IDeadLetterSuppression;
    private sealed record SendHoldTick : IDeadLetterSuppression;
    private sealed record FlushDeadline : IDeadLetterSuppression;
    private sealed record RegisterTimedOut : IDeadLetterSuppression;

    private static readonly object SendHoldKey = "send-hold";
    private static readonly object FlushKey = "flush-deadline";
    private static readonly object RegisterKey = "register-timeout";

    protected override void PreStart()
    {
        _socket.NoDelay = true;
        _events = Context.System.EventStream;
        _ = WriteLoopAsync(Self, _stop.Token);
        if (_options.RegisterTimeout > TimeSpan.Zero) Timers.StartSingleTimer(RegisterKey, new RegisterTimedOut(), _options.RegisterTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Register r:
                if (_handler is not null) { Log.Warning("{Remote}: second Register ignored", Remote); return; }
                _handler = r.Handler;
                _batchUpdates = r.UpdateBatches;
                Timers.Cancel(RegisterKey);
                Apply(r.Decode, r.UpdateDecode, r.SendHoldTime);
                _ = ReadLoopAsync(Self, r.Handler, _stop.Token);
                break;
            case Reconfigure r:
                Apply(r.Decode, r.UpdateDecode, r.SendHoldTime);
                // Without an explicit send limit, send what we may receive (the rule before RFC 8654 split them).
                _maxSendLength = r.MaxSendLength ?? _rules.MaxLength;
                break;
            case StartTap t:
                Interlocked.Exchange(ref _tapPending, new TapSession(Remote.Address, Local, Remote, t.LocalAs, t.LocalIdentifier, t.Negotiated));
                if (Volatile.Read(ref _keepaliveRead) != 0) StartTapping();
                break;
            case EndTap t:
                StopTapping(t.EventNumber, t.Reason, t.Notification?.ToArray(), t.SentByUs);
                break;
            case Send s:
                if (_closing) return;
                byte[] bytes;
                try { bytes = s.Message.ToArray(_maxSendLength); }
                catch (WireException e)
                {
                    Log.Error("{Remote}: cannot encode {Type}: {Reason}", Remote, s.Message.Type, e.Message);
                    return;
                }
                Enqueue(bytes, CountOne(s.Message.Type), Foreign());
                if (s.Message.Type == MessageType.Open) _sentOpen = bytes;
                if (_tap is { } tap) _events.Publish(new TappedMessage(tap, TapDirection.Sent, bytes, DateTimeOffset.UtcNow));
                break;
            case SendBytes s:
                if (_closing) return;
                Enqueue(s.Bytes, CountByHeaders(s.Bytes.Span), Foreign());
                if (_tap is { } tapped) PublishEach(tapped, s.Bytes.Span);
                break;
            case UpdatesProcessed p:
                Acknowledge(p.Count);
                break;
            case Written w:
                _queuedBytes -= w.Bytes;
                _bytesSent += w.Bytes;
                ReportWritten();
                // RFC 9687 section 4: the timer runs only while there is data we could not write;
                // any progress restarts it.
                if (_queuedBytes > 0) ArmSendHold();
                else
                {
                    Timers.Cancel(SendHoldKey);
                    if (_closing) Shutdown("closed by us");
                }
                break;
            case SendHoldTick:
                if (_queuedBytes > 0 && !_closing)
                {
                    Log.Warning("{Remote}: no write progress for {SendHold} with {Queued} octets queued (RFC 9687)",
                        Remote, _sendHoldTime, _queuedBytes);
                    _handler?.Tell(new SendHoldTimerExpired(Self), Self);
                }
                break;
            case Close c:
                if (_closing) return;
                _closing = true;
                _outbound.Writer.TryComplete();
                if (_queuedBytes == 0) Shutdown("closed by us");
                else Timers.StartSingleTimer(FlushKey, new FlushDeadline(), c.FlushDeadline);
                break;
            case RegisterTimedOut:
                if (_handler is null)
                {
                    Log.Info("{Remote}: nobody registered for the connection within {Timeout}; closing", Remote, _options.RegisterTimeout);
                    Shutdown("not registered in time", abort: true);
                }
                break;
            case FlushDeadline:
                Shutdown($"closed by us ({_queuedBytes} octets unsent at the flush deadline)");
                break;
            case Abort:
                Shutdown("aborted by us", abort: true);
                break;
            case WriteFailed f:
                Shutdown(f.Reason);
                break;
            case ReadEnded e:
                Shutdown(e.Reason);
                break;
            case GetConnectionStats:
                Sender.Tell(new ConnectionStats(Interlocked.Read(ref _messagesReceived), Interlocked.Read(ref _updatesReceived),
                    Volatile.Read(ref _unacknowledged), Volatile.Read(ref _readingPaused) != 0, Interlocked.Read(ref _bytesReceived),
                    _bytesSent, _queuedBytes, ByType(_writtenByType)), Self);
                break;
            case Diagnostics.InjectedFault f:
                // Test-only (internal type): fail as a bug would, for the supervision tests.
                throw f.Raise();
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The contract carries the UPDATE rules separately; they win over whatever <paramref name="decode"/> holds.</summary>
    private void Apply(DecodeContext decode, UpdateDecodeContext updateDecode, TimeSpan sendHoldTime)
    {
        decode = decode with { Update = updateDecode };
        _rules = new DecodeRules(decode, decode.MaxMessageLength);
        _sendHoldTime = sendHoldTime;
        if (_queuedBytes > 0) ArmSendHold();
    }

    private void Enqueue(ReadOnlyMemory<byte> bytes, long[] counts, bool foreign)
    {
        if (bytes.IsEmpty) return;
        bool wasIdle = _queuedBytes == 0;
        _queuedBytes += bytes.Length;
        _enqueuedBytes += bytes.Length;
        _pendingCounts.Enqueue((_enqueuedBytes, counts, foreign));
        _outbound.Writer.TryWrite(bytes);
        if (wasIdle) ArmSendHold();
    }

    /// <summary>The handler counts what it sends itself (at the time it sends); what others queue on this
    /// connection (the RIB's UPDATEs, End-of-RIB, ROUTE-REFRESH) it learns from <see cref="MessagesWritten"/>.</summary>
    private bool Foreign() => _handler is null || !Sender.Equals(_handler);

    private static long[] CountOne(MessageType type)
    {
        var counts = new long[MessageTypeSlots];
        if ((int)type < MessageTypeSlots) counts[(int)type] = 1;
        return counts;
    }

    /// <summary>
    /// Counts the messages in bytes that hold whole encoded messages by walking their headers (RFC 4271 4.1:
    /// the Length at octets 16-17 covers the whole message, the Type is octet 18), without decoding them.
    /// </summary>
    private static long[] CountByHeaders(ReadOnlySpan<byte> bytes)
    {
        var counts = new long[MessageTypeSlots];
        int offset = 0;
        while (bytes.Length - offset >= BgpHeader.Size)
        {
            int length = (bytes[offset + 16] << 8) | bytes[offset + 17];
            if (length < BgpHeader.Size || length > bytes.Length - offset) break; // not whole messages: stop counting
            if (bytes[offset + 18] < MessageTypeSlots) counts[bytes[offset + 18]]++;
            offset += length;
        }
        return counts;
    }

    /// <summary>Once per completed socket send: the buffers now wholly written are counted, and the handler is
    /// told in one <see cref="MessagesWritten"/> what others had queued among them.</summary>
    private void ReportWritten()
    {
        long[]? foreign = null;
        while (_pendingCounts.TryPeek(out var head) && head.End <= _bytesSent)
        {
            _pendingCounts.Dequeue();
            for (int t = 0; t < MessageTypeSlots; t++)
            {
                long n = head.Counts[t];
                if (n == 0) continue;
                _writtenByType[t] += n;
                if (head.Foreign) (foreign ??= new long[MessageTypeSlots])[t] += n;
            }
        }
        if (foreign is not null && _handler is not null)
            _handler.Tell(new MessagesWritten(ByType(foreign), Self), Self);
    }

    /// <summary>Tapping on the read loop: before decoding, so monitoring records what the peer sent, also when it
    /// is malformed.</summary>
    private void Tap(ReadOnlySpan<byte> message, MessageType type)
    {
        if (type == MessageType.Open) { _receivedOpen = message.ToArray(); return; }
        if (_tap is { } tap)
        {
            if (Volatile.Read(ref _tapEnded) != 0) return;
            _events.Publish(new TappedMessage(tap, TapDirection.Received, message.ToArray(), DateTimeOffset.UtcNow));
            return;
        }
        if (type == MessageType.Keepalive && _receivedOpen is not null && Interlocked.Exchange(ref _keepaliveRead, 1) == 0)
        {
            // Event 26 in OpenConfirm: the FSM enters Established on this very message.
            if (_tapPending is not null) StartTapping();
        }
    }

    /// <summary>Called from the read loop or the actor, whichever sees both StartTap and the peer's KEEPALIVE first.</summary>
    private void StartTapping()
    {
        if (_tapPending is not { } pending || _sentOpen is not { } sent || _receivedOpen is not { } received) return;
        if (Interlocked.CompareExchange(ref _tapStarted, 1, 0) != 0) return;
        _events.Publish(new TappedSessionUp(pending, sent, received, DateTimeOffset.UtcNow));
        _tap = pending;
        // A stop that ran between the two lines above has published its Down already.
        if (Volatile.Read(ref _tapEnded) != 0) _tap = null;
    }

    /// <summary>Taps each whole message in bytes that may hold several (packed UPDATEs), split at their headers.</summary>
    private void PublishEach(TapSession tap, ReadOnlySpan<byte> bytes)
    {
        var at = DateTimeOffset.UtcNow;
        int offset = 0;
        while (bytes.Length - offset >= BgpHeader.Size)
        {
            int length = (bytes[offset + 16] << 8) | bytes[offset + 17];
            if (length < BgpHeader.Size || length > bytes.Length - offset) break;
            _events.Publish(new TappedMessage(tap, TapDirection.Sent, bytes.Slice(offset, length).ToArray(), at));
            offset += length;
        }
    }

    private static Dictionary<MessageType, long> ByType(long[] counts)
    {
        var result = new Dictionary<MessageType, long>();
        for (int t = 0; t < counts.Length; t++)
            if (counts[t] != 0) result[(MessageType)t] = counts[t];
        return result;
    }

    private void ArmSendHold()
    {
        if (_sendHoldTime > TimeSpan.Zero) Timers.StartSingleTimer(SendHoldKey, new SendHoldTick(), _sendHoldTime);
    }

    private void Shutdown(string reason, bool abort = false)
    {
        if (!_closedReported)
        {
            _closedReported = true;
            _handler?.Tell(new TcpConnectionFails(reason, Self), Self);
        }
        EndTapOnClose(reason);
        _closing = true;
        CloseSocket(abort);
        Context.Stop(Self);
    }

    /// <summary>The connection ended before the FSM sent <see cref="EndTap"/> (the peer closed it, or a write failed):
    /// the session leaves Established on Event 18 TcpConnectionFails, without a NOTIFICATION.</summary>
    private void EndTapOnClose(string reason) => StopTapping(BgpEvent.TcpConnectionFails, reason, null, sentByUs: false);

    /// <summary>Publishes the Down once, if the session was tapped, and keeps a late <see cref="StartTapping"/> from
    /// starting it again.</summary>
    private void StopTapping(int evt, string reason, byte[]? notification, bool sentByUs)
    {
        bool started = Interlocked.Exchange(ref _tapStarted, 1) == 1;
        _tap = null;
        if (!started || _tapPending is not { } session || Interlocked.Exchange(ref _tapEnded, 1) == 1) return;
        _events.Publish(new TappedSessionDown(session, notification, sentByUs, evt, reason, DateTimeOffset.UtcNow));
    }

    private void CloseSocket(bool abort)
    {
        if (_socketClosed) return;
        _socketClosed = true;
        _stop.Cancel();
        _outbound.Writer.TryComplete();
        lock (_resumeGate) _resume?.TrySetResult();
        if (abort)
        {
            _socket.LingerState = new LingerOption(true, 0); // close sends RST and drops unsent data
            _socket.Dispose();
            return;
        }
        try { _socket.Shutdown(SocketShutdown.Send); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        _ = DrainThenDisposeAsync(_socket);
    }

    /// <summary>
    /// Closing a socket that still has unread input makes Linux send RST instead of FIN, and a peer that gets
    /// the RST may throw away our NOTIFICATION before reading it. So after our FIN we read and discard until
    /// the peer closes too (or a short deadline passes), and only then release the socket.
    /// </summary>
    private static async Task DrainThenDisposeAsync(Socket socket)
    {
        var scratch = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, deadline.Token).ConfigureAwait(false) > 0) { }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally { socket.Dispose(); }
    }

    protected override void PostStop()
    {
        // Stopped from outside (parent stopping, system shutdown): still tell the handler once.
        if (!_closedReported)
        {
            _closedReported = true;
            _handler?.Tell(new TcpConnectionFails("connection actor stopped", Self), Self);
        }
        EndTapOnClose("connection actor stopped");
        CloseSocket(abort: false);
        _stop.Dispose();
    }

    // ---- backpressure --------------------------------------------------------------------------

    private void Acknowledge(int count)
    {
        if (count <= 0) return;
        // Acknowledgements are handled one at a time (the actor's own messages); the read loop adds beside them, count
        // first, so a share may at worst be taken early: the bound loosens a little, it never sticks.
        int before = Volatile.Read(ref _unacknowledged);
        long bytes = Volatile.Read(ref _unacknowledgedBytes);
        long freed = count >= before ? bytes : before > 0 ? bytes * count / before : 0;
        if (Interlocked.Add(ref _unacknowledgedBytes, -freed) < 0) Interlocked.Exchange(ref _unacknowledgedBytes, 0);
        int left = Interlocked.Add(ref _unacknowledged, -count);
        if (left < 0) Interlocked.CompareExchange(ref _unacknowledged, 0, left);
        if (MayResume(left))
        {
            lock (_resumeGate) _resume?.TrySetResult();
        }
    }

    /// <summary>Reading that stopped goes on once the count is down to the low-water mark and the octets to three quarters
    /// of their bound.</summary>
    private bool MayResume(int unacknowledged) =>
        unacknowledged <= _options.LowWaterMark && Volatile.Read(ref _unacknowledgedBytes) <= _options.MaxUnacknowledgedBytes / 4 * 3;

    /// <summary>Completes when reading may continue: at once below the high-water mark and the octet bound, otherwise
    /// once acknowledgements bring the count down to the low-water mark and the octets to three quarters of their bound
    /// (the check is repeated under the gate so an acknowledgement that lands between the test and the wait is not
    /// lost). The last acknowledgement frees every octet, so a wait always ends.</summary>
    private ValueTask WaitForCreditAsync()
    {
        if (Volatile.Read(ref _unacknowledged) < _options.HighWaterMark
            && Volatile.Read(ref _unacknowledgedBytes) < _options.MaxUnacknowledgedBytes) return ValueTask.CompletedTask;
        Task wait;
        lock (_resumeGate)
        {
            if (MayResume(Volatile.Read(ref _unacknowledged))) return ValueTask.CompletedTask;
            _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _resume.Task;
        }
        return new ValueTask(PausedAsync(wait));
    }

    private async Task PausedAsync(Task wait)
    {
        Volatile.Write(ref _readingPaused, 1);
        try { await wait.ConfigureAwait(false); }
        finally { Volatile.Write(ref _readingPaused, 0); }
    }

    // ---- read loop -----------------------------------------------------------------------------

    /// <summary>
    /// Receives into one buffer, cuts whole messages out of it on spans (no per-message allocation for
    /// framing), decodes each with the current rules and tells the handler. Whatever is left of a
    /// partial message is moved to the front before the next receive. While the handler owes too many
    /// acknowledgements the loop does not call receive at all, so the kernel's receive buffer fills and
    /// TCP flow control closes the peer's window.
    ///
    /// An idle session holds no receive buffer. Once everything received has been consumed and the last receive
    /// did not fill its chunk (the socket is drained, as between KEEPALIVEs), the buffer goes back to the pool and
    /// the loop waits with a zero-byte receive, which completes when data arrives (or the peer closes), before
    /// renting one again. A full-table transfer fills every chunk and keeps its buffer throughout. Before this,
    /// every session owned 36 KiB here and 64 KiB in the write loop for its whole life: at 2,000 sessions
    /// about 200 MiB of 280 (issue 11, bench/RESULTS.md).
    /// </summary>
    private async Task ReadLoopAsync(IActorRef self, IActorRef handler, CancellationToken ct)
    {
        // Room for one partial message of the largest allowed length plus one receive: 4 KiB + chunk until
        // Extended Messages (RFC 8654) is negotiated.
        byte[]? buffer = null;
        int filled = 0;
        bool drained = true;
        string reason = "peer closed the connection";
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int needed = _rules.MaxLength + _options.ReceiveChunk;
                if (buffer is null)
                {
                    if (drained) await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, ct).ConfigureAwait(false);
                    buffer = TransferBuffers.Rent(needed);
                }
                else if (buffer.Length < needed)
                {
                    var larger = TransferBuffers.Rent(needed);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    TransferBuffers.Return(buffer);
                    buffer = larger;
                }
                int chunk = Math.Min(_options.ReceiveChunk, buffer.Length - filled);
                int n = await _socket.ReceiveAsync(buffer.AsMemory(filled, chunk), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                drained = n < chunk;
                Interlocked.Add(ref _bytesReceived, n);
                filled += n;
                int offset = 0;
                while (true)
                {
                    var credit = WaitForCreditAsync();
                    if (!credit.IsCompleted)
                    {
                        // The acknowledgements waited for may be for UPDATEs still held here.
                        FlushUpdates(handler, self);
                        await credit.ConfigureAwait(false);
                    }
                    if (ct.IsCancellationRequested) return;
                    var rules = _rules;
                    int length = BgpFramer.TryReadMessage(buffer.AsSpan(offset, filled - offset), rules.MaxLength, out WireError? headerError);
                    if (length < 0)
                    {
                        // RFC 4271 6.1: a bad marker or length cannot be resynchronised; stop reading and
                        // let the FSM send the NOTIFICATION.
                        FlushUpdates(handler, self);
                        handler.Tell(new ReceiveFailed(headerError!, null, self), self);
                        return;
                    }
                    if (length == 0) break;
                    if (!Deliver(buffer.AsSpan(offset, length), rules, handler, self)) return;
                    offset += length;
                }
                // What this receive brought is decoded: its UPDATEs go now, not after the next receive.
                FlushUpdates(handler, self);
                if (offset > 0)
                {
                    buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                    filled -= offset;
                }
                if (filled == 0 && drained)
                {
                    TransferBuffers.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (OperationCanceledException) { return; }
        catch (ObjectDisposedException) { return; }
        catch (SocketException e) { reason = $"receive failed: {e.SocketErrorCode}"; }
        catch (Exception e)
        {
            // A decoder bug must not kill the process: report it as a failed connection.
            reason = $"read loop failed: {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            // Decoded messages never point into the buffer (they copy what they keep), so it can be reused at once.
            if (buffer is not null) TransferBuffers.Return(buffer);
        }
        if (!ct.IsCancellationRequested) self.Tell(new ReadEnded(reason), self);
    }

    /// <summary>Receive and send buffers of sessions that are transferring something; idle sessions hold none.</summary>
    private static ArrayPool<byte> TransferBuffers => ArrayPool<byte>.Shared;

    /// <summary>UPDATEs in one <see cref="ReceivedUpdates"/>: about what one 32 KiB receive of a full table holds.</summary>
    public const int MaxUpdateBatch = 256;

    /// <summary>Decodes one framed message and tells the handler (an UPDATE for a batching handler is held until
    /// <see cref="FlushUpdates"/>, which runs before anything else is told). False when reading must stop.</summary>
    private bool Deliver(ReadOnlySpan<byte> message, DecodeRules rules, IActorRef handler, IActorRef self)
    {
        Interlocked.Increment(ref _messagesReceived);
        var type = (MessageType)message[18];
        Tap(message, type);
        if (!BgpMessageCodec.TryDecode(message, rules.Context, out BgpMessage? decoded, out WireError? error))
        {
            FlushUpdates(handler, self);
            handler.Tell(new ReceiveFailed(error!, Enum.IsDefined(type) ? type : null, self), self);
            // Session-level errors end the stream for us; nothing after them is read (RFC 4271 6, RFC 7606 2).
            return false;
        }
        if (decoded is BgpUpdate update)
        {
            Interlocked.Increment(ref _updatesReceived);
            Interlocked.Increment(ref _unacknowledged);
            Interlocked.Add(ref _unacknowledgedBytes, message.Length);
            // Treat-as-withdraw and attribute discard travel with the UPDATE (Received.Errors); these two reset the session.
            if (update.Update.Action is ErrorAction.SessionReset or ErrorAction.AfiSafiDisable)
            {
                var action = update.Update.Action;
                var worst = update.Update.Errors.First(e => e.Action == action);
                FlushUpdates(handler, self);
                handler.Tell(new ReceiveFailed(worst, MessageType.Update, self), self);
                return false;
            }
            if (_batchUpdates)
            {
                _pendingUpdates.Add(update);
                if (_pendingUpdates.Count >= MaxUpdateBatch) FlushUpdates(handler, self);
                return true;
            }
        }
        FlushUpdates(handler, self);
        handler.Tell(new Received(decoded!, self), self);
        return true;
    }

    private void FlushUpdates(IActorRef handler, IActorRef self)
    {
        if (_pendingUpdates.Count == 0) return;
        handler.Tell(new ReceivedUpdates(_pendingUpdates.ToArray(), self), self);
        _pendingUpdates.Clear();
    }

    // ---- write loop ----------------------------------------------------------------------------

    /// <summary>Writes queued buffers in order, coalescing small ones (1,000 KEEPALIVEs become one send).
    /// Each completed send is reported as progress for the send hold timer. The coalescing buffer is rented while
    /// the queue has something and returned when it is empty, so an idle session holds none.</summary>
    private async Task WriteLoopAsync(IActorRef self, CancellationToken ct)
    {
        var reader = _outbound.Reader;
        byte[]? batch = null;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                batch = TransferBuffers.Rent(64 * 1024);
                while (reader.TryRead(out var item))
                {
                    if (item.Length >= batch.Length)
                    {
                        await SendAllAsync(item, self, ct).ConfigureAwait(false);
                        continue;
                    }
                    int used = 0;
                    item.Span.CopyTo(batch);
                    used = item.Length;
                    while (reader.TryPeek(out var next) && used + next.Length <= batch.Length && reader.TryRead(out next))
                    {
                        next.Span.CopyTo(batch.AsSpan(used));
                        used += next.Length;
                    }
                    await SendAllAsync(batch.AsMemory(0, used), self, ct).ConfigureAwait(false);
                }
                TransferBuffers.Return(batch);
                batch = null;
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException e)
        {
            if (!ct.IsCancellationRequested) self.Tell(new WriteFailed($"send failed: {e.SocketErrorCode}"), self);
        }
        finally
        {
            // A send that failed or was cancelled has returned: nothing reads the buffer any more.
            if (batch is not null) TransferBuffers.Return(batch);
        }
    }

    /// <summary>Sends in slices so that progress on a large buffer is visible to the send hold timer.</summary>
    private async Task SendAllAsync(ReadOnlyMemory<byte> data, IActorRef self, CancellationToken ct)
    {
        const int Slice = 64 * 1024;
        while (!data.IsEmpty)
        {
            var part = data.Length > Slice ? data[..Slice] : data;
            int sent = await _socket.SendAsync(part, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[sent..];
            self.Tell(new Written(sent), self);
        }
    }
}
