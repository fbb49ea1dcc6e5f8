using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.TestKit;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Transport;

/// <summary>The supervisor with stand-in FSMs (they report to a probe), on virtual time.</summary>
public sealed class NeighborSupervisorTests : BgpTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private sealed record Crash;
    private sealed record Started(IPAddress Peer, IActorRef Self);
    private sealed record Got(IPAddress Peer, object Message, IActorRef Self);
    /// <summary>Makes a stand-in FSM announce that its session entered (or left) Idle, as BgpFsm does on the transition.</summary>
    private sealed record AnnounceIdle(bool Idle);

    /// <summary>Reports its start and every message; throws on <see cref="Crash"/>; answers GetNeighborStatus with its address.
    /// Announces each incarnation with <see cref="FsmStarted"/>, as the supervisor's contract asks of an FSM.</summary>
    private sealed class StandInFsm : ReceiveActor
    {
        public StandInFsm(NeighborSettings settings, IActorRef probe)
        {
            // Published before the probe hears of it: once a test has seen Started, the supervisor has FsmStarted in its
            // mailbox, so a command sent through the supervisor after that arrives behind anything FsmStarted causes.
            Context.System.EventStream.Publish(new FsmStarted(settings.PeerAddress, Self));
            probe.Tell(new Started(settings.PeerAddress, Self));
            Receive<Crash>(_ => throw new InvalidOperationException("FSM bug"));
            Receive<GetNeighborStatus>(_ => Sender.Tell(settings.PeerAddress.ToString()));
            Receive<AnnounceIdle>(a => Context.System.EventStream.Publish(new SessionIdle(settings.PeerAddress, a.Idle, Self)));
            ReceiveAny(m => probe.Tell(new Got(settings.PeerAddress, m, Self)));
        }
    }

    private static NeighborSettings Neighbor(string address, bool passive = false) => new()
    {
        PeerAddress = IPAddress.Parse(address),
        PeerAs = 65001,
        LocalAs = 65000,
        RouterId = 1,
        PassiveTcpEstablishment = passive,
    };

    private IActorRef Supervisor(TestProbe probe, IReadOnlyList<NeighborSettings> neighbors, IReadOnlyList<DynamicNeighborRange>? ranges = null) =>
        Sys.ActorOf(NeighborSupervisor.Props(neighbors, ranges ?? [], n => Props.Create(() => new StandInFsm(n, probe.Ref)),
            new FsmRestartSettings { MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(8), RandomFactor = 0 }));

    private static IPAddress A(string s) => IPAddress.Parse(s);

    /// <summary>Waits until the neighbor's BackoffSupervisor has seen <paramref name="restarts"/> crashes, i.e. has
    /// scheduled the restart on the virtual clock: only then may the test Advance past the backoff.</summary>
    private void AwaitBackoff(IActorRef sup, string peer, int restarts)
    {
        sup.Tell(ListNeighbors.Instance, TestActor);
        var backoff = ExpectMsg<NeighborList>().Neighbors.Single(n => n.Peer.Equals(A(peer))).Supervisor;
        AwaitAssert(() =>
        {
            backoff.Tell(BackoffSupervisor.GetRestartCount.Instance, TestActor);
            Assert.Equal(restarts, ExpectMsg<BackoffSupervisor.RestartCount>().Count);
        }, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20));
    }

    /// <summary>A round trip through the supervisor: everything sent to it before (events included) is handled.</summary>
    private void Sync(IActorRef sup)
    {
        sup.Tell(ListNeighbors.Instance, TestActor);
        ExpectMsg<NeighborList>();
    }

    [Fact]
    public void Every_neighbor_gets_an_FSM_and_an_AutomaticStart()
    {
        var probe = CreateTestProbe();
        Supervisor(probe, [Neighbor("192.0.2.1"), Neighbor("192.0.2.2")]);
        var seen = probe.ReceiveN(4).ToList();
        Assert.Equal(2, seen.OfType<Started>().Count());
        Assert.Equal(2, seen.OfType<Got>().Count(g => g.Message is AutomaticStart));
    }

    [Fact]
    public void A_crashing_FSM_is_recreated_after_backoff_and_restarted_while_the_others_carry_on()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1"), Neighbor("192.0.2.2")]);
        probe.ReceiveN(4);

        sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash()));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // The other session is untouched: still the same actor, still answering.
        sup.Tell(new NeighborCommand(A("192.0.2.2"), "ping"), TestActor);
        var other = probe.ExpectMsg<Got>(g => g.Peer.Equals(A("192.0.2.2")));
        Assert.Equal("ping", other.Message);

        AwaitBackoff(sup, "192.0.2.1", 1);
        Advance(TimeSpan.FromSeconds(1)); // BackoffSupervisor: min backoff
        var restarted = probe.ExpectMsg<Started>();
        Assert.Equal(A("192.0.2.1"), restarted.Peer);
        // The new incarnation announces itself (FsmStarted) and the supervisor starts it at once.
        Assert.IsType<AutomaticStart>(probe.ExpectMsg<Got>().Message);

        sup.Tell(new NeighborCommand(A("192.0.2.2"), "ping"), TestActor);
        Assert.Equal(other.Self, probe.ExpectMsg<Got>().Self);

        sup.Tell(ListNeighbors.Instance, TestActor);
        var list = ExpectMsg<NeighborList>();
        Assert.Equal(1, list.Neighbors.Single(n => n.Peer.Equals(A("192.0.2.1"))).Restarts);
        Assert.Equal(0, list.Neighbors.Single(n => n.Peer.Equals(A("192.0.2.2"))).Restarts);
    }

    [Fact]
    public void A_crash_and_the_recreation_are_logged_for_the_operator()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1")]);
        probe.ReceiveN(2);
        // Akka's supervision logs the exception itself (with its message), once.
        EventFilter.Exception<InvalidOperationException>(contains: "FSM bug").ExpectOne(() =>
            sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash())));
        AwaitBackoff(sup, "192.0.2.1", 1);
        // And the supervisor says which neighbor came back, and how often it has.
        EventFilter.Warning(contains: "FSM of 192.0.2.1 was recreated after a crash (restart 1)").ExpectOne(() =>
            Advance(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Repeated_crashes_back_off_exponentially()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1")]);
        probe.ReceiveN(2);
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash()));
        AwaitBackoff(sup, "192.0.2.1", 1);
        Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg<Started>();
        probe.ExpectMsg<Got>(g => g.Message is AutomaticStart);
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash()));
        AwaitBackoff(sup, "192.0.2.1", 2);
        Advance(TimeSpan.FromSeconds(1));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Advance(TimeSpan.FromSeconds(1)); // second crash in a row: 2 s
        probe.ExpectMsg<Started>();
    }

    [Fact]
    public void Stopped_neighbor_is_not_restarted_automatically_after_a_crash()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1")]);
        probe.ReceiveN(2);
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new ManualStop("maintenance")));
        Assert.Equal("maintenance", Assert.IsType<ManualStop>(probe.ExpectMsg<Got>().Message).Communication);
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash()));
        AwaitBackoff(sup, "192.0.2.1", 1);
        Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg<Started>();
        // No AutomaticStart for the new incarnation: the operator's ManualStop still holds. The ping goes through the
        // supervisor after its FsmStarted, so an AutomaticStart it sent would arrive first.
        sup.Tell(new NeighborCommand(A("192.0.2.1"), "ping"));
        Assert.Equal("ping", probe.ExpectMsg<Got>().Message);
    }

    [Fact]
    public void A_neighbor_the_operator_stopped_stays_Idle_when_a_configuration_change_re_creates_it()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.6")]);
        probe.ReceiveN(2);
        sup.Tell(new NeighborCommand(A("192.0.2.6"), new ManualStop("maintenance")));
        probe.ExpectMsg<Got>(g => g.Message is ManualStop);

        // A reload changes a setting that needs a new FSM: the old one goes, the new one must not dial.
        sup.Tell(new ReplaceNeighbor(Neighbor("192.0.2.6", passive: true)), TestActor);
        probe.ExpectMsg<Got>(g => g.Message is AutomaticStop);
        ExpectMsg(new NeighborAdded(A("192.0.2.6"), true));
        probe.ExpectMsg<Started>();
        // Everything the supervisor sent the new FSM before this ping arrives before it: no AutomaticStart.
        sup.Tell(new NeighborCommand(A("192.0.2.6"), "ping"));
        Assert.Equal("ping", probe.ExpectMsg<Got>().Message);

        // The operator's ManualStart lifts the stop, and the next re-creation starts on its own again.
        sup.Tell(new NeighborCommand(A("192.0.2.6"), new ManualStart()));
        Assert.IsType<ManualStart>(probe.ExpectMsg<Got>().Message);
        sup.Tell(new ReplaceNeighbor(Neighbor("192.0.2.6")), TestActor);
        probe.ExpectMsg<Got>(g => g.Message is AutomaticStop);
        ExpectMsg(new NeighborAdded(A("192.0.2.6"), true));
        probe.ExpectMsg<Started>();
        Assert.IsType<AutomaticStart>(probe.ExpectMsg<Got>().Message);
    }

    [Fact]
    public void Commands_and_status_queries_reach_the_right_FSM_and_unknown_peers_are_reported()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1"), Neighbor("2001:db8::2")]);
        probe.ReceiveN(4);
        sup.Tell(new NeighborCommand(A("2001:db8::2"), GetNeighborStatus.Instance), TestActor);
        ExpectMsg("2001:db8::2");
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new AdministrativeReset("new config")), TestActor);
        Assert.Equal(A("192.0.2.1"), probe.ExpectMsg<Got>(g => g.Message is AdministrativeReset).Peer);
        sup.Tell(new NeighborCommand(A("192.0.2.99"), new ManualStart()), TestActor);
        ExpectMsg(new NeighborNotFound(A("192.0.2.99")));
        sup.Tell(new GetAllNeighborStatus(), TestActor);
        var all = ExpectMsg<AllNeighborStatus>();
        Assert.Equal(["192.0.2.1", "2001:db8::2"], all.Statuses.Cast<string>().Order());
    }

    [Fact]
    public void Inbound_connections_go_to_the_neighbor_by_address_dynamic_ranges_spawn_up_to_their_limit()
    {
        var probe = CreateTestProbe();
        var range = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), Neighbor("0.0.0.0"), MaxPeers: 2);
        var sup = Supervisor(probe, [Neighbor("192.0.2.1")], [range]);
        probe.ReceiveN(2);
        var local = new IPEndPoint(A("192.0.2.254"), 179);
        var conn = CreateTestProbe().Ref;

        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("192.0.2.1"), 40000)), TestActor);
        var accepted = probe.ExpectMsg<Got>(g => g.Message is Accepted);
        Assert.Equal(A("192.0.2.1"), accepted.Peer);

        foreach (var dyn in new[] { "198.51.100.7", "198.51.100.8" })
        {
            sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A(dyn), 40000)), TestActor);
            Assert.Equal(A(dyn), probe.ExpectMsg<Started>().Peer);
            probe.ExpectMsg<Got>(g => g.Message is AutomaticStart);
            Assert.Equal(A(dyn), probe.ExpectMsg<Got>(g => g.Message is Accepted).Peer);
        }
        // Known dynamic peer again: no new FSM.
        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("198.51.100.7"), 40001)), TestActor);
        Assert.Equal(A("198.51.100.7"), probe.ExpectMsg<Got>(g => g.Message is Accepted).Peer);
        // Range full, and an address outside every range: rejected to the listener (the sender).
        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("198.51.100.9"), 40000)), TestActor);
        Assert.Contains("full", ExpectMsg<RejectConnection>().Reason);
        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("203.0.113.1"), 40000)), TestActor);
        Assert.Contains("not a configured neighbor", ExpectMsg<RejectConnection>().Reason);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        sup.Tell(ListNeighbors.Instance, TestActor);
        var list = ExpectMsg<NeighborList>();
        Assert.Equal(2, list.Neighbors.Count(n => n.Dynamic));
    }

    [Fact]
    public void Add_and_remove_neighbors_at_run_time()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, []);
        sup.Tell(new AddNeighbor(Neighbor("192.0.2.5")), TestActor);
        ExpectMsg(new NeighborAdded(A("192.0.2.5"), false));
        probe.ExpectMsg<Started>();
        probe.ExpectMsg<Got>(g => g.Message is AutomaticStart);
        sup.Tell(new RemoveNeighbor(A("192.0.2.5"), "decommissioned", CeaseSubcode.AdministrativeShutdown), TestActor);
        Assert.Equal("decommissioned", ((ManualStop)probe.ExpectMsg<Got>(g => g.Message is ManualStop).Message).Communication);
        ExpectMsg(new NeighborRemoved(A("192.0.2.5"), true));
        sup.Tell(new NeighborCommand(A("192.0.2.5"), new ManualStart()), TestActor);
        ExpectMsg(new NeighborNotFound(A("192.0.2.5")));
    }

    [Fact]
    public void The_listener_is_told_to_refuse_a_peer_while_its_own_FSM_is_Idle_and_to_stop_when_it_leaves_Idle_or_is_removed()
    {
        // RFC 4271 8.2.2 Idle refuses incoming connections; the listener does it before any actor exists (RefuseConnections).
        var probe = CreateTestProbe();
        var listener = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1"), Neighbor("192.0.2.2")]);
        probe.ReceiveN(4);
        sup.Tell(new AttachTransport(CreateTestProbe().Ref, listener.Ref));
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new AnnounceIdle(true)));
        Assert.Equal(new RefuseConnections(A("192.0.2.1"), true), listener.FishForMessage<RefuseConnections>(_ => true, Wait));
        // Another speaker's FSM in the same actor system, for a neighbor at the same address: not ours, ignored.
        Sys.EventStream.Publish(new SessionIdle(A("192.0.2.1"), false, TestActor));
        Sys.EventStream.Publish(new SessionIdle(A("192.0.2.9"), true, TestActor));
        Sync(sup);
        listener.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new AnnounceIdle(false)));
        Assert.Equal(new RefuseConnections(A("192.0.2.1"), false), listener.ExpectMsg<RefuseConnections>(Wait));
        sup.Tell(new NeighborCommand(A("192.0.2.2"), new AnnounceIdle(true)));
        Assert.Equal(new RefuseConnections(A("192.0.2.2"), true), listener.ExpectMsg<RefuseConnections>(Wait));
        // A removed neighbor's connections go the rejecting way (Cease/5) again, not refused as if it were Idle.
        sup.Tell(new RemoveNeighbor(A("192.0.2.2")), TestActor);
        ExpectMsg(new NeighborRemoved(A("192.0.2.2"), true));
        Assert.Equal(new RefuseConnections(A("192.0.2.2"), false), listener.FishForMessage<RefuseConnections>(_ => true, Wait));
    }

    [Fact]
    public void Removal_by_configuration_sends_Cease_3_and_replacement_sends_Cease_6_then_starts_the_new_settings()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.5"), Neighbor("192.0.2.6")]);
        probe.ReceiveN(4);
        sup.Tell(new RemoveNeighbor(A("192.0.2.5")), TestActor);
        var stop = Assert.IsType<AutomaticStop>(probe.ExpectMsg<Got>(g => g.Message is AutomaticStop).Message);
        Assert.Equal(CeaseSubcode.PeerDeconfigured, stop.CeaseSubcode);
        ExpectMsg(new NeighborRemoved(A("192.0.2.5"), true));

        sup.Tell(new ReplaceNeighbor(Neighbor("192.0.2.6", passive: true)), TestActor);
        var old = probe.ExpectMsg<Got>(g => g.Message is AutomaticStop);
        Assert.Equal(CeaseSubcode.OtherConfigurationChange, ((AutomaticStop)old.Message).CeaseSubcode);
        ExpectMsg(new NeighborAdded(A("192.0.2.6"), true));
        var fresh = probe.ExpectMsg<Started>();
        Assert.NotEqual(old.Self, fresh.Self);
        probe.ExpectMsg<Got>(g => g.Message is AutomaticStart);
    }

    [Fact]
    public void A_connection_arriving_while_the_FSM_waits_out_its_backoff_is_rejected_not_dead_lettered()
    {
        var probe = CreateTestProbe();
        var sup = Supervisor(probe, [Neighbor("192.0.2.1")]);
        probe.ReceiveN(2);
        sup.Tell(new NeighborCommand(A("192.0.2.1"), new Crash()));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // No FSM until the backoff is over: the listener (the sender) is told to reject it with Cease/5.
        var conn = CreateTestProbe().Ref;
        sup.Tell(new InboundConnection(conn, new IPEndPoint(A("192.0.2.254"), 179), new IPEndPoint(A("192.0.2.1"), 40000)), TestActor);
        var reject = ExpectMsg<RejectConnection>();
        Assert.Same(conn, reject.Connection);
        Assert.Contains("restarting", reject.Reason);

        // Once the FSM is back, connections reach it again.
        AwaitBackoff(sup, "192.0.2.1", 1);
        Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg<Started>();
        sup.Tell(new InboundConnection(conn, new IPEndPoint(A("192.0.2.254"), 179), new IPEndPoint(A("192.0.2.1"), 40001)), TestActor);
        probe.FishForMessage<Got>(g => g.Message is Accepted);
    }

    private void Publish(string peer, SessionState from, SessionState to) =>
        Sys.EventStream.Publish(new SessionStateChanged(A(peer), 65001, from, to, 0, "test", null, DateTimeOffset.UtcNow));

    [Fact]
    public void Dynamic_neighbors_down_for_the_idle_removal_time_are_removed_and_free_their_slot()
    {
        var probe = CreateTestProbe();
        var range = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), Neighbor("0.0.0.0"), MaxPeers: 1)
        {
            IdleRemoval = TimeSpan.FromSeconds(30),
        };
        var sup = Supervisor(probe, [], [range]);
        var local = new IPEndPoint(A("192.0.2.254"), 179);
        var conn = CreateTestProbe().Ref;
        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("198.51.100.7"), 40000)), TestActor);
        probe.ExpectMsg<Started>();
        probe.FishForMessage<Got>(g => g.Message is Accepted);

        // Up: not removed however long it stays.
        Publish("198.51.100.7", SessionState.Active, SessionState.OpenSent);
        Publish("198.51.100.7", SessionState.OpenConfirm, SessionState.Established);
        Sync(sup);
        Advance(TimeSpan.FromMinutes(5));
        sup.Tell(ListNeighbors.Instance, TestActor);
        Assert.Single(ExpectMsg<NeighborList>().Neighbors);

        // Down (Idle, then passive Active waiting): removed after 30 s in all.
        Publish("198.51.100.7", SessionState.Established, SessionState.Idle);
        Sync(sup);
        Advance(TimeSpan.FromSeconds(20));
        Publish("198.51.100.7", SessionState.Idle, SessionState.Active);
        Sync(sup);
        Advance(TimeSpan.FromSeconds(9));
        sup.Tell(ListNeighbors.Instance, TestActor);
        Assert.Single(ExpectMsg<NeighborList>().Neighbors);
        Advance(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            sup.Tell(ListNeighbors.Instance, TestActor);
            Assert.Empty(ExpectMsg<NeighborList>().Neighbors);
        });

        // The slot is free again: a new peer from the range gets an FSM.
        sup.Tell(new InboundConnection(conn, local, new IPEndPoint(A("198.51.100.8"), 40000)), TestActor);
        Assert.Equal(A("198.51.100.8"), probe.FishForMessage<Started>(_ => true).Peer);
    }

    [Fact]
    public void A_dynamic_neighbor_that_never_comes_up_is_removed_too()
    {
        var probe = CreateTestProbe();
        var range = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), Neighbor("0.0.0.0"), MaxPeers: 1)
        {
            IdleRemoval = TimeSpan.FromSeconds(30),
        };
        var sup = Supervisor(probe, [], [range]);
        sup.Tell(new InboundConnection(CreateTestProbe().Ref, new IPEndPoint(A("192.0.2.254"), 179), new IPEndPoint(A("198.51.100.7"), 40000)), TestActor);
        probe.ExpectMsg<Started>();
        Sync(sup);
        Advance(TimeSpan.FromSeconds(30));
        AwaitAssert(() =>
        {
            sup.Tell(ListNeighbors.Instance, TestActor);
            Assert.Empty(ExpectMsg<NeighborList>().Neighbors);
        });
    }

    [Fact]
    public void Dynamic_range_settings_carry_the_AS_range()
    {
        var template = Neighbor("0.0.0.0");
        var ranged = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), template, 10, 64512, 65534).For(A("198.51.100.7"));
        Assert.Equal((64512u, 65534u), ranged.PeerAsRange);
        Assert.True(ranged.PassiveTcpEstablishment);
        Assert.Equal(A("198.51.100.7"), ranged.PeerAddress);
        Assert.True(ranged.AcceptsPeerAs(65000) && !ranged.AcceptsPeerAs(65535));

        var single = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), template, 10, 65100, 65100).For(A("198.51.100.7"));
        Assert.Null(single.PeerAsRange);
        Assert.Equal(65100u, single.PeerAs);

        var plain = new DynamicNeighborRange(Prefix.Parse("198.51.100.0/24"), template, 10).For(A("198.51.100.7"));
        Assert.Null(plain.PeerAsRange);
        Assert.Equal(65001u, plain.PeerAs);
    }
}
