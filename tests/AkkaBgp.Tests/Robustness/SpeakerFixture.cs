using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Tests.Transport;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Robustness;

/// <summary>Passes everything to the real Adj-RIB-In and copies it to a probe (tests need the connection from PeerUp).</summary>
internal sealed class TappedRib : ReceiveActor
{
    public TappedRib(IActorRef tap)
    {
        var rib = Context.ActorOf(AdjRibIn.Props(), "adj-rib-in");
        ReceiveAny(m =>
        {
            if (m is PeerUp or PeerDown) tap.Tell(m, Self);
            rib.Forward(m);
        });
    }
}

/// <summary>A hand-driven BGP peer: a raw socket from its own loopback address.</summary>
internal sealed class RawPeer(Socket socket) : IDisposable
{
    public Socket Socket { get; } = socket;

    public static async Task<RawPeer> ConnectAsync(IPAddress from, IPEndPoint to)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Bind(new IPEndPoint(from, 0));
        await s.ConnectAsync(to);
        return new RawPeer(s);
    }

    public async Task SendAsync(byte[] bytes) => await Socket.SendAsync(bytes.AsMemory(), SocketFlags.None);

    public Task SendAsync(BgpMessage m) => SendAsync(m.ToArray());

    public async Task<T> ExpectAsync<T>(TimeSpan? timeout = null) where T : BgpMessage
    {
        var m = await Loopback.ReadUntilAsync(Socket, _ => true, timeout ?? TimeSpan.FromSeconds(10));
        return m as T ?? throw new InvalidOperationException($"expected {typeof(T).Name}, got {m}");
    }

    public Task<BgpMessage> ExpectAsync(Func<BgpMessage, bool> predicate, TimeSpan? timeout = null) =>
        Loopback.ReadUntilAsync(Socket, predicate, timeout ?? TimeSpan.FromSeconds(10));

    public void Dispose() => Socket.Dispose();
}

/// <summary>Helpers to run a whole speaker (listener, connector, supervisor, real FSMs) inside a TestKit.</summary>
internal static class SpeakerFixture
{
    public const uint OurAs = 65000;
    public const uint PeerAs = 65001;

    public static NeighborSettings Neighbor(IPAddress peer, bool passive = true, ushort holdSeconds = 90, int port = 179) => new()
    {
        PeerAddress = peer,
        PeerAs = PeerAs,
        LocalAs = OurAs,
        RouterId = OpenMessage.IdentifierFrom(IPAddress.Parse("192.0.2.254")),
        PassiveTcpEstablishment = passive,
        HoldTime = TimeSpan.FromSeconds(holdSeconds),
        PeerPort = port,
        DampPeerOscillations = false,
        IdleHoldTime = TimeSpan.FromSeconds(1),
        ConnectRetryTime = TimeSpan.FromSeconds(5),
    };

    public static (SpeakerRefs Refs, IPEndPoint Listening) Start(BgpTestKit kit, IActorRef ribTap, IPAddress listenOn,
        IReadOnlyList<NeighborSettings> neighbors, IReadOnlyList<DynamicNeighborRange>? dynamic = null, string prefix = "bgp")
    {
        var refs = SpeakerHost.Start(kit.Sys, new SpeakerSettings
        {
            Neighbors = neighbors,
            DynamicNeighbors = dynamic ?? [],
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(listenOn, 0)], RejectOpenWait = TimeSpan.FromSeconds(5) },
            RibProps = Props.Create(() => new TappedRib(ribTap)),
        }, prefix);
        var status = refs.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance).Result;
        return (refs, Assert.Single(status.Bound));
    }

    /// <summary>Our OPEN arrives, the peer answers OPEN + KEEPALIVE, our KEEPALIVE arrives: Established on both sides.</summary>
    public static async Task<OpenMessage> HandshakeAsync(RawPeer peer, ushort hold = 90, string id = "192.0.2.1", bool oneByteAtATime = false)
    {
        var ours = await peer.ExpectAsync<OpenMessage>();
        byte[] answer = [.. Loopback.Open(PeerAs, hold, id).ToArray(), .. Loopback.Keepalive];
        if (oneByteAtATime)
            foreach (var b in answer) { await peer.SendAsync([b]); await Task.Delay(1); }
        else
            await peer.SendAsync(answer);
        await peer.ExpectAsync<KeepaliveMessage>();
        return ours;
    }

    public static NeighborStatus Status(SpeakerRefs refs, IPAddress peer) =>
        refs.Supervisor.Ask<NeighborStatus>(new NeighborCommand(peer, GetNeighborStatus.Instance)).Result;
}
