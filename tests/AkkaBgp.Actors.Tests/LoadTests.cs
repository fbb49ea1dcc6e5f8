namespace AkkaBgp.Actors.Tests;

public sealed class LoadTests : TestKit.TestKit
{
    private sealed record Seq(int From, int N);
    private sealed record Go(IActorRef[] Peers, int PerPeer);
    private sealed record Report(int Actor, int Received, int OrderViolations);

    /// <summary>Sends numbered messages to peers and checks every sender's numbers arrive in order.</summary>
    private sealed class Node : ReceiveActor
    {
        private readonly Dictionary<int, int> _lastFrom = new();
        private int _received;
        private int _violations;

        public Node(int id, int expected, IActorRef probe)
        {
            Receive<Go>(go =>
            {
                for (var n = 0; n < go.PerPeer; n++)
                    foreach (var peer in go.Peers)
                        peer.Tell(new Seq(id, n));
            });
            Receive<Seq>(s =>
            {
                if (_lastFrom.TryGetValue(s.From, out var last) && s.N != last + 1) _violations++;
                if (!_lastFrom.ContainsKey(s.From) && s.N != 0) _violations++;
                _lastFrom[s.From] = s.N;
                if (++_received == expected) probe.Tell(new Report(id, _received, _violations));
            });
        }
    }

    [Fact]
    public void A_thousand_actors_exchanging_messages_lose_nothing_and_keep_per_sender_order()
    {
        const int actors = 1000;
        const int peersEach = 10;
        const int perPeer = 50; // 1000 * 10 * 50 = 500,000 messages
        var nodes = new IActorRef[actors];
        for (var i = 0; i < actors; i++)
        {
            var id = i;
            nodes[i] = Sys.ActorOf(Props.Create(() => new Node(id, peersEach * perPeer, TestActor)), "node-" + i);
        }
        // Ring-ish topology: each node sends to the next 10, so each receives from 10 senders.
        for (var i = 0; i < actors; i++)
        {
            var peers = Enumerable.Range(1, peersEach).Select(k => nodes[(i + k) % actors]).ToArray();
            nodes[i].Tell(new Go(peers, perPeer));
        }
        var reports = ReceiveN(actors, TimeSpan.FromSeconds(30)).Cast<Report>().ToList();
        Assert.Equal(actors, reports.Select(r => r.Actor).Distinct().Count());
        Assert.All(reports, r => Assert.Equal(0, r.OrderViolations));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    private sealed class Sink(IActorRef probe, int expected) : ReceiveActor
    {
        private readonly int[] _next = new int[8];
        private int _count;
        private bool _ordered = true;

        protected override void PreStart() => Become(() => Receive<Seq>(s =>
        {
            if (s.N != _next[s.From]) _ordered = false;
            _next[s.From] = s.N + 1;
            if (++_count == expected) probe.Tell(_ordered);
        }));
    }

    [Fact]
    public async Task Concurrent_producers_from_plain_threads_keep_per_sender_order()
    {
        const int producers = 8;
        const int each = 50_000;
        var sink = Sys.ActorOf(Props.Create(() => new Sink(TestActor, producers * each)));
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (var n = 0; n < each; n++) sink.Tell(new Seq(p, n), null);
        })));
        Assert.True(ExpectMsg<bool>(TimeSpan.FromSeconds(20)));
    }
}
