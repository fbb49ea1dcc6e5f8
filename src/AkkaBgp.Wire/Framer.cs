using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace AkkaBgp.Wire;

/// <summary>
/// Cuts whole BGP messages out of a byte stream (RFC 4271 section 4.1: the Length field is the
/// only framing TCP gives us). Works on any segmentation, one octet at a time or many messages
/// per read, and never allocates: a message is a slice of the input sequence.
/// </summary>
public static class BgpFramer
{
    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/>.
    /// Returns true with <paramref name="message"/> set (and <paramref name="buffer"/> advanced past it);
    /// false with <paramref name="error"/> null when more data is needed (buffer untouched); false with
    /// <paramref name="error"/> set when the header is bad (marker or length, RFC 4271 section 6.1), after
    /// which the stream cannot be resynchronised and the session must be reset.
    /// </summary>
    /// <param name="maxLength">4096, or 65535 once Extended Messages is negotiated (RFC 8654 section 4).</param>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxLength,
        out ReadOnlySequence<byte> message, out WireError? error)
    {
        message = default;
        error = null;
        if (buffer.Length < BgpHeader.Size)
            return false;
        int length;
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= BgpHeader.Size)
        {
            if (!BgpHeader.TryReadLength(first, maxLength, out length, out error))
                return false;
        }
        else
        {
            Span<byte> header = stackalloc byte[BgpHeader.Size];
            buffer.Slice(0, BgpHeader.Size).CopyTo(header);
            if (!BgpHeader.TryReadLength(header, maxLength, out length, out error))
                return false;
        }
        if (buffer.Length < length)
            return false;
        message = buffer.Slice(0, length);
        buffer = buffer.Slice(message.End);
        return true;
    }

    /// <summary>Span form of <see cref="TryReadMessage(ref ReadOnlySequence{byte}, int, out ReadOnlySequence{byte}, out WireError?)"/>:
    /// returns the length of the first whole message, 0 when more data is needed, -1 on a header error.</summary>
    public static int TryReadMessage(ReadOnlySpan<byte> buffer, int maxLength, out WireError? error)
    {
        error = null;
        if (buffer.Length < BgpHeader.Size)
            return 0;
        if (!BgpHeader.TryReadLength(buffer, maxLength, out int length, out error))
            return -1;
        return buffer.Length < length ? 0 : length;
    }
}

public enum FrameStatus : byte
{
    /// <summary><see cref="BgpFrame.Message"/> holds one whole message (header included).</summary>
    Message,
    /// <summary>The header was bad; <see cref="BgpFrame.Error"/> says which NOTIFICATION to send.</summary>
    Error,
    /// <summary>The peer closed the stream; <see cref="BgpFrame.TrailingBytes"/> octets of a partial message were left.</summary>
    EndOfStream,
    /// <summary><see cref="PipeReader.CancelPendingRead"/> was called.</summary>
    Canceled,
}

/// <summary>One result of <see cref="BgpMessageReader.ReadAsync"/>. The message memory is valid
/// until the next call to ReadAsync or Complete on the same reader.</summary>
public readonly struct BgpFrame
{
    public FrameStatus Status { get; }
    public ReadOnlyMemory<byte> Message { get; }
    public WireError? Error { get; }
    public long TrailingBytes { get; }

    internal BgpFrame(FrameStatus status, ReadOnlyMemory<byte> message, WireError? error, long trailing)
    {
        Status = status;
        Message = message;
        Error = error;
        TrailingBytes = trailing;
    }

    public bool HasMessage => Status == FrameStatus.Message;
    /// <summary>The raw type octet (may be an unknown type: the codec reports that, RFC 4271 section 6.1); 0 without a message.</summary>
    public MessageType Type => Message.Length >= BgpHeader.Size ? (MessageType)Message.Span[18] : 0;
}

/// <summary>
/// Reads whole BGP messages from a <see cref="PipeReader"/>. Messages that arrive in one buffer
/// segment are handed out as views of the pipe's memory; a message split across segments is copied
/// into one reused scratch buffer, so the steady state allocates nothing per message.
/// Not thread-safe: one reader per session, one ReadAsync at a time.
/// </summary>
public sealed class BgpMessageReader
{
    private readonly PipeReader _reader;
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;        // a ReadResult's buffer has been taken and not yet given back with AdvanceTo
    private bool _endOfStream;
    private bool _completed;
    private WireError? _error;
    private byte[]? _scratch;

    public BgpMessageReader(PipeReader reader, int maxMessageLength = BgpHeader.MaxMessageLength)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        MaxMessageLength = maxMessageLength;
    }

    private int _max;
    /// <summary>4096 until Extended Messages is negotiated for the session, then 65535 (RFC 8654 section 4).
    /// May be changed between reads.</summary>
    public int MaxMessageLength
    {
        get => _max;
        set
        {
            if (value < BgpHeader.Size || value > BgpHeader.ExtendedMaxMessageLength)
                throw new ArgumentOutOfRangeException(nameof(value));
            _max = value;
        }
    }

    public ValueTask<BgpFrame> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (true)
        {
            if (_error is not null)
                return new(new BgpFrame(FrameStatus.Error, default, _error, 0));
            if (_holding)
            {
                if (TryFrame(out BgpFrame frame))
                    return new(frame);
                if (_error is not null)
                    continue;
                if (_endOfStream)
                    return new(new BgpFrame(FrameStatus.EndOfStream, default, null, _buffer.Length));
                // Keep the partial message, mark all of it examined so the next read waits for new data.
                _reader.AdvanceTo(_buffer.Start, _buffer.End);
                _holding = false;
            }
            ValueTask<ReadResult> pending = _reader.ReadAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully)
                return ReadSlowAsync(pending, cancellationToken);
            if (!Accept(pending.Result))
                return new(new BgpFrame(FrameStatus.Canceled, default, null, 0));
        }
    }

    // Pooled builder: waiting for the network is the common case at low rates, and it should not allocate either.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BgpFrame> ReadSlowAsync(ValueTask<ReadResult> pending, CancellationToken cancellationToken)
    {
        if (!Accept(await pending.ConfigureAwait(false)))
            return new BgpFrame(FrameStatus.Canceled, default, null, 0);
        return await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool Accept(ReadResult result)
    {
        _buffer = result.Buffer;
        _holding = true;
        _endOfStream = result.IsCompleted;
        return !result.IsCanceled || !_buffer.IsEmpty;
    }

    private bool TryFrame(out BgpFrame frame)
    {
        if (!BgpFramer.TryReadMessage(ref _buffer, _max, out ReadOnlySequence<byte> message, out WireError? error))
        {
            _error = error;
            frame = default;
            return false;
        }
        ReadOnlyMemory<byte> memory;
        if (message.IsSingleSegment)
        {
            memory = message.First;
        }
        else
        {
            int length = (int)message.Length;
            if (_scratch is null || _scratch.Length < length)
                _scratch = new byte[Math.Max(length, BgpHeader.MaxMessageLength)];
            message.CopyTo(_scratch);
            memory = new ReadOnlyMemory<byte>(_scratch, 0, length);
        }
        frame = new BgpFrame(FrameStatus.Message, memory, null, 0);
        return true;
    }

    /// <summary>Gives back any held buffer and completes the underlying reader.</summary>
    public void Complete(Exception? exception = null)
    {
        if (_completed) return;
        _completed = true;
        if (_holding)
        {
            _reader.AdvanceTo(_buffer.Start, _buffer.End);
            _holding = false;
        }
        _reader.Complete(exception);
    }
}
