using System.Net;
using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>One receiver or sender set up once per benchmark process; <see cref="RunAsync"/> is one operation
/// (the whole <see cref="BgpStream"/> through the transport).</summary>
public interface IRig : IAsyncDisposable
{
    Task RunAsync();
}

/// <summary>The read direction: a <see cref="LoopbackSender"/> writes the stream, a counting actor completes the op.</summary>
public static class ReadRigs
{
    private static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(120);

    private sealed class ActorRig(ActorSystem system, BgpStream stream, LoopbackSender sender, IActorRef counter, IDisposable? extra = null) : IRig
    {
        public async Task RunAsync()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            counter.Tell(new Expect(stream.Count, done));
            await sender.SendAsync(stream.Bytes).ConfigureAwait(false);
            await done.Task.WaitAsync(OpTimeout).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            sender.Dispose();
            extra?.Dispose();
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>The floor: the same sender, a plain socket on the other side that receives into 64 KiB and
    /// discards (no framing, no actor). What is left is the sender's and the kernel's share of the CPU.</summary>
    public static async Task<IRig> FloorAsync(BgpStream stream)
    {
        var reader = new LoopbackReader();
        var accept = reader.AcceptAsync();
        var sender = await LoopbackSender.ConnectAsync(reader.EndPoint).ConfigureAwait(false);
        await accept.ConfigureAwait(false);
        return new FloorRig(stream, sender, reader);
    }

    private sealed class FloorRig(BgpStream stream, LoopbackSender sender, LoopbackReader reader) : IRig
    {
        public async Task RunAsync()
        {
            var done = reader.Expect(stream.Bytes.Length);
            await sender.SendAsync(stream.Bytes).ConfigureAwait(false);
            await done.WaitAsync(OpTimeout).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync()
        {
            sender.Dispose();
            reader.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>No socket, no actor: frame (and decode) the stream from memory on the calling thread, 32 KiB at a
    /// time as the read loop sees it. The codec's share of each receiver's CPU.</summary>
    public static Task<IRig> InMemoryAsync(BgpStream stream, bool decode) => Task.FromResult<IRig>(new InMemoryRig(stream, decode));

    private sealed class InMemoryRig(BgpStream stream, bool decode) : IRig
    {
        public BgpMessage? Last { get; private set; }

        public Task RunAsync()
        {
            int maxLength = BgpStream.Decode.MaxMessageLength;
            var bytes = stream.Bytes.AsSpan();
            int count = 0, offset = 0;
            while (true)
            {
                int length = BgpFramer.TryReadMessage(bytes[offset..], maxLength, out WireError? error);
                if (length < 0) throw new InvalidOperationException($"bad header: {error}");
                if (length == 0) break;
                if (decode)
                {
                    if (!BgpMessageCodec.TryDecode(bytes.Slice(offset, length), BgpStream.Decode, out BgpMessage? decoded, out error))
                        throw new InvalidOperationException($"decode failed: {error}");
                    Last = decoded;
                }
                count++;
                offset += length;
            }
            if (count != stream.Count) throw new InvalidOperationException($"framed {count} of {stream.Count}");
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>(a) our shape: a plain actor owning the accepted socket, read loop framing on spans.</summary>
    public static async Task<IRig> OwnAsync(BgpStream stream, bool decode, bool batch = false)
    {
        var system = AkkaConfig.Create("own", tunedIo: false);
        var counter = system.ActorOf(CountingHandler.Props(), "handler");
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var accept = listener.AcceptAsync();
        var sender = await LoopbackSender.ConnectAsync(listener.LocalEndPoint!).ConfigureAwait(false);
        var socket = await accept.ConfigureAwait(false);
        system.ActorOf(OwnSocketConnection.Props(socket, counter, decode, batch), "connection");
        return new ActorRig(system, stream, sender, counter, listener);
    }

    /// <summary>(b) Akka.IO: Bind/Connected/Register; the registered handler frames the Received chunks.</summary>
    /// <param name="tellEach">The handler tells each message on to a counting actor (one Tell per message, as (a)).</param>
    public static async Task<IRig> AkkaIoAsync(BgpStream stream, bool decode, bool tunedIo, bool tellEach = false)
    {
        var system = AkkaConfig.Create("akkaio", tunedIo);
        var counter = tellEach ? system.ActorOf(CountingHandler.Props(), "counter") : null;
        var bound = new TaskCompletionSource<EndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(AkkaIoServer.Props(bound, connected, decode, counter), "server");
        var endpoint = await bound.Task.WaitAsync(OpTimeout).ConfigureAwait(false);
        var sender = await LoopbackSender.ConnectAsync(endpoint).ConfigureAwait(false);
        var handler = await connected.Task.WaitAsync(OpTimeout).ConfigureAwait(false);
        return new ActorRig(system, stream, sender, counter ?? handler);
    }

    /// <summary>(c) Akka.Streams TCP: Tcp().Bind, the connection's flow through Framing.LengthField, decoded in a
    /// Select, delivered with Sink.ActorRef.</summary>
    public static async Task<IRig> AkkaStreamsAsync(BgpStream stream, bool decode, bool tunedIo)
    {
        var system = AkkaConfig.Create("streams", tunedIo);
        var materializer = system.Materializer();
        var counter = system.ActorOf(CountingHandler.Props(), "handler");
        // BGP's Length (octets 16-17, big-endian) counts the whole message, header included (RFC 4271 4.1),
        // so the frame size is the field's value as it is.
        var framing = Framing.LengthField(fieldLength: 2, fieldOffset: 16, maximumFrameLength: BgpHeader.MaxMessageLength,
            byteOrder: ByteOrder.BigEndian, computeFrameSize: (_, length) => length);
        var deliver = decode
            ? Flow.Create<ByteString>().Select(frame => (object)DecodeFrame(frame))
            : Flow.Create<ByteString>().Select(frame => (object)frame);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var binding = await system.TcpStream().Bind("127.0.0.1", 0)
            .To(Sink.ForEach<Akka.Streams.Dsl.Tcp.IncomingConnection>(connection =>
            {
                Source.Maybe<ByteString>()
                    .Via(connection.Flow)
                    .Via(framing)
                    .Via(deliver)
                    .RunWith(Sink.ActorRef<object>(counter, "completed", e => e), materializer);
                accepted.TrySetResult();
            }))
            .Run(materializer).WaitAsync(OpTimeout).ConfigureAwait(false);
        var sender = await LoopbackSender.ConnectAsync(binding.LocalAddress).ConfigureAwait(false);
        await accepted.Task.WaitAsync(OpTimeout).ConfigureAwait(false);
        return new ActorRig(system, stream, sender, counter);
    }

    private static BgpMessage DecodeFrame(ByteString frame)
    {
        if (!BgpMessageCodec.TryDecode(frame.ToReadOnlySpan(), BgpStream.Decode, out BgpMessage? decoded, out WireError? error))
            throw new InvalidOperationException($"decode failed: {error}");
        return decoded!;
    }
}

/// <summary>The write direction: 100k pre-encoded messages told to the transport one by one; a plain socket
/// (<see cref="LoopbackReader"/>) on the other side counts the octets and completes the op.</summary>
public static class WriteRigs
{
    private static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(120);

    private sealed class Rig(ActorSystem system, BgpStream stream, LoopbackReader reader, Action<byte[]> send) : IRig
    {
        public async Task RunAsync()
        {
            var done = reader.Expect(stream.Bytes.Length);
            foreach (var message in stream.Messages) send(message);
            await done.WaitAsync(OpTimeout).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await system.Terminate().ConfigureAwait(false);
            reader.Dispose();
        }
    }

    /// <summary>(a) our shape: SendBytes told to the socket-owning actor, whose write loop coalesces into 64 KiB sends.</summary>
    public static async Task<IRig> OwnAsync(BgpStream stream)
    {
        var system = AkkaConfig.Create("own", tunedIo: false);
        var reader = new LoopbackReader();
        var accept = reader.AcceptAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(reader.EndPoint).ConfigureAwait(false);
        await accept.ConfigureAwait(false);
        var connection = system.ActorOf(OwnSocketConnection.Props(socket, handler: null, decode: false), "connection");
        return new Rig(system, stream, reader, m => connection.Tell(new SendBytes(m)));
    }

    /// <summary>(b) Akka.IO: one Tcp.Write (no ack) per message to the connection actor, which queues and batches them.</summary>
    public static async Task<IRig> AkkaIoAsync(BgpStream stream, bool tunedIo)
    {
        var system = AkkaConfig.Create("akkaio", tunedIo);
        var reader = new LoopbackReader();
        var accept = reader.AcceptAsync();
        var connected = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(AkkaIoClient.Props(reader.EndPoint, connected), "client");
        var connection = await connected.Task.WaitAsync(OpTimeout).ConfigureAwait(false);
        await accept.ConfigureAwait(false);
        return new Rig(system, stream, reader, m => connection.Tell(Akka.IO.Tcp.Write.Create(ByteString.FromBytes(m))));
    }

    /// <summary>(c) Akka.Streams TCP: messages told to a Source.ActorRef, batched up to 64 KiB (BatchWeighted into a
    /// list, copied into one ByteString per batch, as one would write it), through Tcp().OutgoingConnection.</summary>
    public static async Task<IRig> AkkaStreamsAsync(BgpStream stream, bool tunedIo)
    {
        var system = AkkaConfig.Create("streams", tunedIo);
        var materializer = system.Materializer();
        var reader = new LoopbackReader();
        var accept = reader.AcceptAsync();
        var source = Source.ActorRef<ByteString>(stream.Count * 2, OverflowStrategy.Fail)
            .BatchWeighted(64 * 1024, b => b.Count, b => new List<ByteString> { b }, (batch, b) => { batch.Add(b); return batch; })
            .Select(Concatenate)
            .Via(system.TcpStream().OutgoingConnection(reader.EndPoint.Address.ToString(), reader.EndPoint.Port))
            .To(Sink.Ignore<ByteString>())
            .Run(materializer);
        await accept.WaitAsync(OpTimeout).ConfigureAwait(false);
        return new Rig(system, stream, reader, m => source.Tell(ByteString.FromBytes(m)));
    }

    private static ByteString Concatenate(List<ByteString> batch)
    {
        if (batch.Count == 1) return batch[0];
        var bytes = new byte[batch.Sum(b => b.Count)];
        int offset = 0;
        foreach (var b in batch)
        {
            b.CopyTo(bytes, offset, b.Count);
            offset += b.Count;
        }
        return ByteString.FromBytes(bytes);
    }
}
