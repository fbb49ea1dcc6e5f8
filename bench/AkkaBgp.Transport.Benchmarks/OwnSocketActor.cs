using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>What (a) tells its handler for each decoded message: the shape of src/AkkaBgp/Transport's Received.</summary>
public sealed record Received(BgpMessage Message, IActorRef Connection);

/// <summary>What (a) in batch mode tells its handler once per socket receive: every message that receive completed.</summary>
public sealed record ReceivedBatch(IReadOnlyList<object> Messages, IActorRef Connection);

/// <summary>What the write direction tells (a): pre-encoded octets to queue, as src/AkkaBgp/Transport's SendBytes.</summary>
public sealed record SendBytes(ReadOnlyMemory<byte> Bytes);

/// <summary>
/// (a) A self-contained copy of the hot paths of src/AkkaBgp/Transport/TcpConnection.cs: a plain actor owning
/// a connected <see cref="Socket"/>. The read loop receives into one reusable buffer, cuts whole messages with
/// <see cref="BgpFramer.TryReadMessage(ReadOnlySpan{byte}, int, out WireError?)"/> on spans, decodes each and
/// tells the handler directly (the actor's own mailbox is not on the read path). The write loop drains a
/// channel fed by the actor, coalescing queued buffers into 64 KiB sends and reporting each send back.
/// Left out: the UPDATE acknowledgement backpressure (the counting handler never falls behind by 2,000),
/// timers, close/abort handling and per-type write accounting.
/// </summary>
public sealed class OwnSocketConnection : UntypedActor
{
    private const int ReceiveChunk = 32 * 1024;
    private readonly Socket _socket;
    private readonly IActorRef? _handler;
    private readonly bool _decode;
    private readonly bool _batch;
    private List<object>? _pending;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReadOnlyMemory<byte>> _outbound =
        Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _messagesReceived;
    private long _updatesReceived;
    private long _bytesReceived;
    private long _queuedBytes;
    private long _bytesSent;

    public OwnSocketConnection(Socket socket, IActorRef? handler, bool decode, bool batch)
    {
        _socket = socket;
        _handler = handler;
        _decode = decode;
        _batch = batch;
    }

    /// <param name="handler">Null for a write-only connection (no read loop).</param>
    /// <param name="batch">Tell the handler one <see cref="ReceivedBatch"/> per socket receive instead of one message per message
    /// (not what src/AkkaBgp does today: a variant to see what the per-message Tell costs).</param>
    public static Props Props(Socket socket, IActorRef? handler, bool decode, bool batch = false) =>
        Akka.Actor.Props.Create(() => new OwnSocketConnection(socket, handler, decode, batch));

    private sealed record Written(int Bytes);

    protected override void PreStart()
    {
        _socket.NoDelay = true;
        _ = WriteLoopAsync(Self, _stop.Token);
        if (_handler is not null) _ = ReadLoopAsync(Self, _handler, _stop.Token);
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _outbound.Writer.TryComplete();
        _socket.Dispose();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SendBytes s:
                _queuedBytes += s.Bytes.Length;
                _outbound.Writer.TryWrite(s.Bytes);
                break;
            case Written w:
                _queuedBytes -= w.Bytes;
                _bytesSent += w.Bytes;
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private async Task ReadLoopAsync(IActorRef self, IActorRef handler, CancellationToken ct)
    {
        int maxLength = BgpStream.Decode.MaxMessageLength;
        var buffer = new byte[maxLength + ReceiveChunk];
        int filled = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(filled, Math.Min(ReceiveChunk, buffer.Length - filled)),
                    SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) return;
                Interlocked.Add(ref _bytesReceived, n);
                filled += n;
                int offset = 0;
                while (true)
                {
                    int length = BgpFramer.TryReadMessage(buffer.AsSpan(offset, filled - offset), maxLength, out WireError? error);
                    if (length < 0) throw new InvalidOperationException($"bad header: {error}");
                    if (length == 0) break;
                    Deliver(buffer.AsSpan(offset, length), handler, self);
                    offset += length;
                }
                if (_pending is { Count: > 0 })
                {
                    handler.Tell(new ReceivedBatch(_pending, self), self);
                    _pending = null;
                }
                if (offset > 0)
                {
                    buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                    filled -= offset;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private void Deliver(ReadOnlySpan<byte> message, IActorRef handler, IActorRef self)
    {
        Interlocked.Increment(ref _messagesReceived);
        object delivered;
        if (!_decode)
        {
            delivered = message.ToArray();
        }
        else
        {
            if (!BgpMessageCodec.TryDecode(message, BgpStream.Decode, out BgpMessage? decoded, out WireError? error))
                throw new InvalidOperationException($"decode failed: {error}");
            if (decoded is BgpUpdate) Interlocked.Increment(ref _updatesReceived);
            delivered = _batch ? decoded! : new Received(decoded!, self);
        }
        if (_batch) (_pending ??= new List<object>()).Add(delivered);
        else handler.Tell(delivered, self);
    }

    private async Task WriteLoopAsync(IActorRef self, CancellationToken ct)
    {
        var reader = _outbound.Reader;
        var batch = new byte[64 * 1024];
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Length >= batch.Length)
                    {
                        await SendAllAsync(item, self, ct).ConfigureAwait(false);
                        continue;
                    }
                    item.Span.CopyTo(batch);
                    int used = item.Length;
                    while (reader.TryPeek(out var next) && used + next.Length <= batch.Length && reader.TryRead(out next))
                    {
                        next.Span.CopyTo(batch.AsSpan(used));
                        used += next.Length;
                    }
                    await SendAllAsync(batch.AsMemory(0, used), self, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data, IActorRef self, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[sent..];
            self.Tell(new Written(sent), self);
        }
    }
}
