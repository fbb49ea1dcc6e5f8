using System.Buffers;
using System.IO.Pipelines;
using AkkaBgp.Wire.Tests.Generators;

namespace AkkaBgp.Wire.Tests;

/// <summary>The framer over sequences and over a real <see cref="Pipe"/>, under every segmentation.</summary>
public class FramerTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    internal static ReadOnlySequence<byte> Chunked(byte[] bytes, Func<int> chunkSize)
    {
        Segment? first = null, last = null;
        for (int o = 0; o < bytes.Length;)
        {
            int n = Math.Min(chunkSize(), bytes.Length - o);
            last = new Segment(bytes.AsMemory(o, n), last);
            first ??= last;
            o += n;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1460)]
    [InlineData(1 << 20)]
    public void Sequence_framer_cuts_every_message(int maxChunk)
    {
        var gen = new MessageGenerator(maxChunk);
        byte[] stream = gen.Stream(500, out var expected);
        var seq = Chunked(stream, () => gen.Rng.Next(1, maxChunk + 1));
        var got = new List<byte[]>();
        while (BgpFramer.TryReadMessage(ref seq, BgpHeader.MaxMessageLength, out var message, out var error))
        {
            Assert.Null(error);
            got.Add(message.ToArray());
            // Decoding straight from the (possibly multi-segment) sequence gives the same as from an array.
            if (message.Slice(18, 1).FirstSpan[0] != (byte)MessageType.Update)
            {
                Assert.True(BgpMessageCodec.TryDecode(message, default, out var m, out var e), e?.ToString());
                Assert.Equal(got[^1], m!.ToArray());
            }
        }
        Assert.True(seq.IsEmpty);
        Assert.Equal(expected.Count, got.Count);
        for (int i = 0; i < got.Count; i++)
            Assert.Equal(expected[i], got[i]);
    }

    [Fact]
    public void Needs_more_data_leaves_the_buffer_alone()
    {
        byte[] ka = KeepaliveMessage.Instance.ToArray();
        for (int n = 0; n < ka.Length; n++)
        {
            var seq = new ReadOnlySequence<byte>(ka, 0, n);
            Assert.False(BgpFramer.TryReadMessage(ref seq, 4096, out _, out var error));
            Assert.Null(error);
            Assert.Equal(n, seq.Length);
            Assert.Equal(0, BgpFramer.TryReadMessage(ka.AsSpan(0, n), 4096, out error));
        }
        Assert.Equal(19, BgpFramer.TryReadMessage(ka, 4096, out _));
    }

    [Fact]
    public void Header_errors_are_reported_as_soon_as_the_header_is_in()
    {
        byte[] big = Hex.Parse("M 1001 02");
        var seq = new ReadOnlySequence<byte>(big);
        Assert.False(BgpFramer.TryReadMessage(ref seq, 4096, out _, out var error));
        Decode.Is(error!, 1, 2, "1001");
        // With Extended Messages the same header just needs more data.
        Assert.False(BgpFramer.TryReadMessage(ref seq, 65535, out _, out error));
        Assert.Null(error);

        byte[] unsync = Hex.Parse("M 0013 04");
        unsync[0] = 0;
        seq = new ReadOnlySequence<byte>(unsync);
        Assert.False(BgpFramer.TryReadMessage(ref seq, 4096, out _, out error));
        Decode.Is(error!, 1, 1);
        Assert.Equal(-1, BgpFramer.TryReadMessage(unsync, 4096, out error));
    }

    private static async Task<List<BgpFrame>> ReadAll(byte[] stream, Func<int> chunk, int max = 4096, int minimumSegmentSize = 4096)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: minimumSegmentSize, useSynchronizationContext: false));
        var writer = Task.Run(async () =>
        {
            for (int o = 0; o < stream.Length;)
            {
                int n = Math.Min(chunk(), stream.Length - o);
                await pipe.Writer.WriteAsync(stream.AsMemory(o, n));
                o += n;
            }
            await pipe.Writer.CompleteAsync();
        });
        var reader = new BgpMessageReader(pipe.Reader, max);
        var frames = new List<BgpFrame>();
        while (true)
        {
            BgpFrame f = await reader.ReadAsync();
            if (f.HasMessage)
            {
                // Copy: the memory is only valid until the next read.
                frames.Add(new BgpFrame(f.Status, f.Message.ToArray(), null, 0));
                continue;
            }
            frames.Add(f);
            break;
        }
        reader.Complete();
        await writer;
        return frames;
    }

    [Theory]
    [InlineData(1, 200)]
    [InlineData(13, 500)]
    [InlineData(1460, 2000)]
    [InlineData(65536, 2000)]
    public async Task Pipe_reader_yields_whole_messages_from_any_segmentation(int maxChunk, int count)
    {
        var gen = new MessageGenerator(count + maxChunk);
        byte[] stream = gen.Stream(count, out var expected);
        var rng = new Random(maxChunk);
        // A small segment size makes the pipe split messages across segments, exercising the scratch copy.
        var frames = await ReadAll(stream, () => rng.Next(1, maxChunk + 1), minimumSegmentSize: maxChunk < 100 ? 4096 : 512);
        Assert.Equal(FrameStatus.EndOfStream, frames[^1].Status);
        Assert.Equal(0, frames[^1].TrailingBytes);
        Assert.Equal(expected.Count, frames.Count - 1);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(expected[i], frames[i].Message.ToArray());
    }

    [Fact]
    public async Task Partial_message_at_end_of_stream()
    {
        byte[] stream = [.. KeepaliveMessage.Bytes, .. KeepaliveMessage.Bytes[..10]];
        var frames = await ReadAll(stream, () => 3);
        Assert.Equal(2, frames.Count);
        Assert.Equal(MessageType.Keepalive, frames[0].Type);
        Assert.Equal(FrameStatus.EndOfStream, frames[1].Status);
        Assert.Equal(10, frames[1].TrailingBytes);
    }

    [Fact]
    public async Task Error_after_good_messages_and_it_sticks()
    {
        byte[] bad = Hex.Parse("M 2000 02");
        byte[] stream = [.. KeepaliveMessage.Bytes, .. KeepaliveMessage.Bytes, .. bad, .. new byte[8192 - 19]];
        var frames = await ReadAll(stream, () => 5);
        Assert.Equal(3, frames.Count);
        Assert.Equal(FrameStatus.Error, frames[2].Status);
        Decode.Is(frames[2].Error!, 1, 2, "2000");

        // The same stream is fine once Extended Messages allow 8192-octet messages.
        frames = await ReadAll(stream, () => 5, max: 65535);
        Assert.Equal(4, frames.Count);
        Assert.Equal(8192, frames[2].Message.Length);
        Assert.Equal(FrameStatus.EndOfStream, frames[3].Status);
    }

    [Fact]
    public async Task Maximum_can_be_raised_between_reads()
    {
        var pipe = new Pipe();
        var big = new NotificationMessage(6, 0, new byte[5000]).ToArray(BgpHeader.ExtendedMaxMessageLength);
        await pipe.Writer.WriteAsync(KeepaliveMessage.Bytes.ToArray());
        await pipe.Writer.WriteAsync(big);
        await pipe.Writer.CompleteAsync();
        var reader = new BgpMessageReader(pipe.Reader);
        Assert.True((await reader.ReadAsync()).HasMessage);
        reader.MaxMessageLength = BgpHeader.ExtendedMaxMessageLength;
        var f = await reader.ReadAsync();
        Assert.True(f.HasMessage);
        Assert.Equal(big, f.Message.ToArray());
        Assert.Equal(FrameStatus.EndOfStream, (await reader.ReadAsync()).Status);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.MaxMessageLength = 65536);
    }

    [Fact]
    public async Task Cancel_pending_read()
    {
        var pipe = new Pipe();
        var reader = new BgpMessageReader(pipe.Reader);
        var pending = reader.ReadAsync();
        Assert.False(pending.IsCompleted);
        pipe.Reader.CancelPendingRead();
        Assert.Equal(FrameStatus.Canceled, (await pending).Status);
        await pipe.Writer.WriteAsync(KeepaliveMessage.Bytes.ToArray());
        Assert.True((await reader.ReadAsync()).HasMessage);
    }

    [Fact]
    public async Task Steady_state_reading_allocates_nothing_per_message()
    {
        // 1000 KEEPALIVEs and ROUTE-REFRESHes already in the pipe: every ReadAsync completes synchronously.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var one = new RouteRefreshMessage(AfiSafi.Ipv4Unicast).ToArray();
        for (int i = 0; i < 1000; i++)
        {
            pipe.Writer.Write(KeepaliveMessage.Bytes);
            pipe.Writer.Write(one);
        }
        await pipe.Writer.FlushAsync();
        var reader = new BgpMessageReader(pipe.Reader);
        // Warm up past a pipe segment boundary: the one scratch buffer for split messages is allocated then.
        for (int i = 0; i < 300; i++)
            await reader.ReadAsync();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = 0;
        for (int i = 0; i < 1600; i++)
        {
            var vt = reader.ReadAsync();
            Assert.True(vt.IsCompletedSuccessfully);
#pragma warning disable xUnit1031 // completed synchronously, checked above
            if (vt.Result.HasMessage) n++;
#pragma warning restore xUnit1031
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1600, n);
        Assert.True(allocated < 1000, $"{allocated} bytes allocated for 1600 messages");
    }
}
