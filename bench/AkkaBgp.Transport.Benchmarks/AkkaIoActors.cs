using System.Net;
using Akka.Actor;
using Akka.IO;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>
/// (b) Akka.IO read side: binds through <c>Context.System.Tcp()</c>, registers a
/// <see cref="AkkaIoFramingHandler"/> for the accepted connection and reports both.
/// </summary>
public sealed class AkkaIoServer : UntypedActor
{
    private readonly TaskCompletionSource<EndPoint> _bound;
    private readonly TaskCompletionSource<IActorRef> _connected;
    private readonly bool _decode;
    private readonly IActorRef? _forwardTo;

    public AkkaIoServer(TaskCompletionSource<EndPoint> bound, TaskCompletionSource<IActorRef> connected, bool decode, IActorRef? forwardTo)
    {
        _bound = bound;
        _connected = connected;
        _decode = decode;
        _forwardTo = forwardTo;
    }

    public static Props Props(TaskCompletionSource<EndPoint> bound, TaskCompletionSource<IActorRef> connected, bool decode, IActorRef? forwardTo = null) =>
        Akka.Actor.Props.Create(() => new AkkaIoServer(bound, connected, decode, forwardTo));

    protected override void PreStart() => Context.System.Tcp().Tell(new Tcp.Bind(Self, new IPEndPoint(IPAddress.Loopback, 0)));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Tcp.Bound b:
                _bound.TrySetResult(b.LocalAddress);
                break;
            case Tcp.Connected:
                var handler = Context.ActorOf(AkkaIoFramingHandler.Props(_decode, _forwardTo), "handler");
                Sender.Tell(new Tcp.Register(handler));
                _connected.TrySetResult(handler);
                break;
            case Tcp.CommandFailed f:
                _bound.TrySetException(new InvalidOperationException(f.ToString()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}

/// <summary>
/// (b) The connection's handler: reassembles the <see cref="Tcp.Received"/> chunks in one reusable buffer,
/// cuts messages with <see cref="BgpFramer"/>, decodes them and counts them in its own turn (the FSM would be
/// this actor: no further hop). With a forward target it tells each message on instead, one Tell per message
/// as (a) does, and the target counts.
/// </summary>
public sealed class AkkaIoFramingHandler : UntypedActor
{
    private readonly bool _decode;
    private readonly IActorRef? _forwardTo;
    private byte[] _buffer = new byte[BgpHeader.MaxMessageLength + 64 * 1024];
    private int _filled;
    private long _count;
    private long _target = long.MaxValue;
    private TaskCompletionSource? _done;
    public BgpMessage? Last { get; private set; }

    public AkkaIoFramingHandler(bool decode, IActorRef? forwardTo)
    {
        _decode = decode;
        _forwardTo = forwardTo;
    }

    public static Props Props(bool decode, IActorRef? forwardTo) => Akka.Actor.Props.Create(() => new AkkaIoFramingHandler(decode, forwardTo));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Expect e:
                _target = _count + e.Messages;
                _done = e.Done;
                Check();
                break;
            case Tcp.Received r:
                Frame(r.Data);
                break;
            case Tcp.ConnectionClosed:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Frame(ByteString data)
    {
        if (_buffer.Length - _filled < data.Count) Array.Resize(ref _buffer, _filled + data.Count);
        data.CopyTo(_buffer, _filled, data.Count);
        _filled += data.Count;
        int offset = 0;
        int maxLength = BgpStream.Decode.MaxMessageLength;
        while (true)
        {
            int length = BgpFramer.TryReadMessage(_buffer.AsSpan(offset, _filled - offset), maxLength, out WireError? error);
            if (length < 0) throw new InvalidOperationException($"bad header: {error}");
            if (length == 0) break;
            if (_decode)
            {
                if (!BgpMessageCodec.TryDecode(_buffer.AsSpan(offset, length), BgpStream.Decode, out BgpMessage? decoded, out error))
                    throw new InvalidOperationException($"decode failed: {error}");
                Last = decoded;
                _forwardTo?.Tell(new Received(decoded!, Self), Self);
            }
            else _forwardTo?.Tell(_buffer.AsSpan(offset, length).ToArray(), Self);
            _count++;
            offset += length;
        }
        if (offset > 0)
        {
            _buffer.AsSpan(offset, _filled - offset).CopyTo(_buffer);
            _filled -= offset;
        }
        Check();
    }

    private void Check()
    {
        if (_count < _target) return;
        _done?.TrySetResult();
        _done = null;
        _target = long.MaxValue;
    }
}

/// <summary>(b) Akka.IO write side: connects through <c>Context.System.Tcp()</c> and hands out the connection actor,
/// to which the benchmark tells one <see cref="Tcp.Write"/> per message.</summary>
public sealed class AkkaIoClient : UntypedActor
{
    private readonly EndPoint _remote;
    private readonly TaskCompletionSource<IActorRef> _connected;

    public AkkaIoClient(EndPoint remote, TaskCompletionSource<IActorRef> connected)
    {
        _remote = remote;
        _connected = connected;
    }

    public static Props Props(EndPoint remote, TaskCompletionSource<IActorRef> connected) =>
        Akka.Actor.Props.Create(() => new AkkaIoClient(remote, connected));

    protected override void PreStart() => Context.System.Tcp().Tell(new Tcp.Connect(_remote));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Tcp.Connected:
                Sender.Tell(new Tcp.Register(Self));
                _connected.TrySetResult(Sender);
                break;
            case Tcp.CommandFailed f:
                _connected.TrySetException(new InvalidOperationException(f.ToString()));
                break;
            case Tcp.ConnectionClosed:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
