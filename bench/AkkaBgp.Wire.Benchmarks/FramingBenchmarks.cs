using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Wire.Benchmarks;

/// <summary>
/// Framing throughput over <see cref="RealisticStream"/>; each operation is one message, so the
/// "Mean" column is time per message and "Allocated" is bytes per message.
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private const int Messages = 10_000;
    private RealisticStream _stream = null!;
    private ReadOnlySequence<byte> _tcpSegments;
    private readonly byte[] _scratch = new byte[BgpHeader.MaxMessageLength];

    [GlobalSetup]
    public void Setup()
    {
        _stream = new RealisticStream(Messages);
        Console.WriteLine($"// stream: {_stream}");
        _tcpSegments = Segmented(_stream.Bytes, 1448); // typical TCP MSS with timestamps
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> m, Segment? prev)
        {
            Memory = m;
            if (prev is null) return;
            RunningIndex = prev.RunningIndex + prev.Memory.Length;
            prev.Next = this;
        }
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment first = new(bytes.AsMemory(0, Math.Min(size, bytes.Length)), null), last = first;
        for (int o = size; o < bytes.Length; o += size)
            last = new Segment(bytes.AsMemory(o, Math.Min(size, bytes.Length - o)), last);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>All data in one buffer: the framer's floor.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public int Sequence_one_segment()
    {
        var seq = new ReadOnlySequence<byte>(_stream.Bytes);
        int n = 0;
        while (BgpFramer.TryReadMessage(ref seq, BgpHeader.MaxMessageLength, out var message, out _))
            n += (int)message.Length & 1;
        return n;
    }

    /// <summary>The stream as 1448-octet TCP segments: most UPDATEs straddle a boundary.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public int Sequence_tcp_segments()
    {
        var seq = _tcpSegments;
        int n = 0;
        while (BgpFramer.TryReadMessage(ref seq, BgpHeader.MaxMessageLength, out var message, out _))
            n += (int)message.Length & 1;
        return n;
    }

    /// <summary>Framing plus the full RFC 4271 6.1 header check on a contiguous copy, as the session does before decoding.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public int Sequence_tcp_segments_validated()
    {
        var seq = _tcpSegments;
        int n = 0;
        byte[] scratch = _scratch;
        while (BgpFramer.TryReadMessage(ref seq, BgpHeader.MaxMessageLength, out var message, out _))
        {
            ReadOnlySpan<byte> span;
            if (message.IsSingleSegment) span = message.FirstSpan;
            else
            {
                message.CopyTo(scratch);
                span = scratch.AsSpan(0, (int)message.Length);
            }
            if (BgpHeader.TryValidate(span, BgpHeader.MaxMessageLength, out var type, out _)) n += (int)type;
        }
        return n;
    }

    /// <summary>End to end through <see cref="BgpMessageReader"/> over a real <see cref="Pipe"/>: the "socket"
    /// pushes a 1448-octet chunk whenever the reader runs dry, as a receive loop would (the pipe writes are
    /// included in the time). Allocation here is the reader's own: the pipe never holds more than a few segments.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task<int> PipeReader_tcp_chunks()
    {
        // Inline schedulers: the reader's continuation runs inside FlushAsync, as in a socket receive loop
        // that feeds the session's pipe, instead of hopping to the thread pool for every chunk.
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, useSynchronizationContext: false));
        byte[] bytes = _stream.Bytes;
        var reader = new BgpMessageReader(pipe.Reader);
        int n = 0, o = 0;
        ValueTask<BgpFrame> pending = reader.ReadAsync();
        while (true)
        {
            while (!pending.IsCompleted)
            {
                if (o < bytes.Length)
                {
                    int len = Math.Min(1448, bytes.Length - o);
                    pipe.Writer.Write(bytes.AsSpan(o, len));
                    o += len;
                    await pipe.Writer.FlushAsync();
                }
                else
                {
                    pipe.Writer.Complete();
                    break;
                }
            }
            BgpFrame frame = await pending;
            if (!frame.HasMessage) break;
            n++;
            pending = reader.ReadAsync();
        }
        reader.Complete();
        return n;
    }
}
