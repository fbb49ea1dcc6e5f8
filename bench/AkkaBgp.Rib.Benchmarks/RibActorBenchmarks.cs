using System.Net;
using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>
/// The same loads through the RIB actors: PeerUpdate messages into <see cref="RibActor"/>, split across
/// Loc-RIB partitions, until every UPDATE has been acknowledged with UpdatesProcessed (what the connection
/// waits for). Shows what partitioning buys on this machine's cores. Like the reference daemons in
/// ../shared/bench (BIRD "export none", GoBGP "reject-route"), the neighbors import everything and export nothing.
/// </summary>
[MemoryDiagnoser]
public class RibActorBenchmarks
{
    private List<UpdateMessage> _w1 = null!;
    private List<UpdateMessage>[] _w2 = null!;
    private ActorSystem _system = null!;
    private IActorRef _rib = null!;
    private AckCompletion _done = null!;
    private IActorRef[] _connections = null!;
    private int _run;

    private static readonly PeerRibSettings ExportNone = new() { Export = new RouteFilter([], FilterVerdict.Reject) };

    [Params(1, 2)]
    public int Partitions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _w1 = SyntheticTable.Updates(SyntheticTable.Prefixes(1_000_000, 1), 65001, 1);
        var p100k = SyntheticTable.Prefixes(100_000, 2);
        _w2 = Enumerable.Range(0, 10).Select(i => SyntheticTable.Updates(p100k, (uint)(65001 + i), i + 1)).ToArray();
        _system = ActorSystem.Create("bench");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Dispose();

    private static IPAddress PeerAddress(int i) => IPAddress.Parse($"127.0.1.{10 + i}");

    [IterationSetup]
    public void IterationSetup()
    {
        _run++;
        var settings = new RibSettings { LocalAs = 65000, RouterId = 0x7F000101, Partitions = Partitions };
        _rib = _system.ActorOf(RibActor.Props(settings, _ => new NeighborRibConfig(IPAddress.Parse("127.0.1.1"), null, ExportNone)), $"rib-{_run}");
        _done = new AckCompletion();
        _connections = new IActorRef[10];
        for (int i = 0; i < 10; i++)
        {
            _connections[i] = _system.ActorOf(Props.Create(() => new ConnectionSink(_done)), $"conn-{_run}-{i}");
            var session = new NegotiatedSession(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast },
                true, true, false, false, (uint)(65001 + i), (uint)(0x7F00010A + i), null, []);
            _rib.Tell(new PeerUp(PeerAddress(i), session, _connections[i]), ActorRefs.NoSender);
        }
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        _system.Stop(_rib);
        foreach (var c in _connections) _system.Stop(c);
    }

    [Benchmark(Description = "W1 via actors: 1M prefixes, 1 peer")]
    public void W1()
    {
        _done.Expect(_w1.Count);
        foreach (var u in _w1) _rib.Tell(new PeerUpdate(PeerAddress(0), u, u.Errors, _connections[0]), ActorRefs.NoSender);
        _done.Task.GetAwaiter().GetResult();
    }

    [Benchmark(Description = "W2 via actors: 10 peers x 100k, all at once")]
    public void W2()
    {
        _done.Expect(_w2.Sum(w => w.Count));
        int n = _w2.Max(w => w.Count);
        for (int k = 0; k < n; k++)
            for (int i = 0; i < 10; i++)
                if (k < _w2[i].Count) _rib.Tell(new PeerUpdate(PeerAddress(i), _w2[i][k], _w2[i][k].Errors, _connections[i]), ActorRefs.NoSender);
        _done.Task.GetAwaiter().GetResult();
    }

    /// <summary>W2's routes, but one peer after the other (diagnostic: cost of interleaving).</summary>
    public void W2Sequential()
    {
        _done.Expect(_w2.Sum(w => w.Count));
        for (int i = 0; i < 10; i++)
            foreach (var u in _w2[i]) _rib.Tell(new PeerUpdate(PeerAddress(i), u, u.Errors, _connections[i]), ActorRefs.NoSender);
        _done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Stands in for a TCP connection: drops what the RIB sends, counts acknowledgements.</summary>
    private sealed class ConnectionSink : ReceiveActor
    {
        public ConnectionSink(AckCompletion done)
        {
            Receive<UpdatesProcessed>(u => done.Acked(u.Count));
            ReceiveAny(_ => { });
        }
    }
}
