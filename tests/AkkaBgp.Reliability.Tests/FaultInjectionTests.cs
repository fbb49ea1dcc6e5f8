using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using AkkaBgp.Diagnostics;
using AkkaBgp.Reliability.Tests.Support;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests;

/// <summary>Passes everything to the real RIB actor (its child) and copies PeerUp and PeerDown to a probe: the tests
/// need the session's connection actor, which only PeerUp names.</summary>
internal sealed class RibTap : ReceiveActor
{
    public RibTap(Props rib, IActorRef tap)
    {
        var inner = Context.ActorOf(rib, "rib");
        ReceiveAny(m =>
        {
            if (m is PeerUp or PeerDown) tap.Tell(m, Self);
            inner.Forward(m);
        });
    }
}

/// <summary>
/// Injected faults (a test-only message, <see cref="InjectedFault"/>, that only this assembly can construct) in one
/// neighbor's FSM, in its connection actor and in one Loc-RIB partition of an in-process speaker with the real RIB,
/// peered with raw-socket peers over loopback. Each test shows what the failure costs, and that it costs nothing to
/// the other neighbor: its session stays Established, it is sent nothing, its routes stay.
/// </summary>
public sealed class FaultInjectionTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public FaultInjectionTests(ITestOutputHelper output)
        : base(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.actor.ask-timeout = 10s"), output: output) => _output = output;

    private static readonly IPAddress Ours = IPAddress.Parse("127.0.193.1");
    private static readonly IPAddress A = IPAddress.Parse("127.0.193.2"), B = IPAddress.Parse("127.0.193.3");
    private const int RoutesEach = 40;
    private const int LocalRoutes = 1;

    private sealed record Speaker(SpeakerRefs Refs, IPEndPoint Endpoint, string Prefix);

    private Speaker Start(string prefix)
    {
        var neighbors = new[] { A, B }.Select((a, i) => new NeighborSettings
        {
            PeerAddress = a, PeerAs = 65001u + (uint)i, LocalAs = 65000, RouterId = OpenMessage.IdentifierFrom(Ours),
            PassiveTcpEstablishment = true, HoldTime = TimeSpan.FromSeconds(30), DampPeerOscillations = false,
            IdleHoldTime = TimeSpan.FromMilliseconds(200),
        }).ToArray();
        var rib = RibActor.Props(new RibSettings { LocalAs = 65000, RouterId = OpenMessage.IdentifierFrom(Ours), Partitions = 2 },
            _ => NeighborRibConfig.Default, [new LocalRoute { Prefix = Prefix.Parse("198.51.100.0/24") }]);
        var refs = SpeakerHost.Start(Sys, new SpeakerSettings
        {
            Neighbors = neighbors,
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(Ours, 0)] },
            RibProps = Props.Create(() => new RibTap(rib, TestActor)),
            FsmRestart = new FsmRestartSettings { MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(10), RandomFactor = 0.2 },
        }, prefix);
        var status = refs.Listener.Ask<ListenerStatus>(GetListenerStatus.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return new Speaker(refs, Assert.Single(status.Bound), prefix);
    }

    /// <summary>A with route refresh (RFC 2918), B without.</summary>
    private static OpenMessage OpenOf(IPAddress peer) => OpenMessage.Create(peer.Equals(A) ? 65001u : 65002u, 30, OpenMessage.IdentifierFrom(peer),
        peer.Equals(A)
            ? [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), RouteRefreshCapability.Standard, new FourOctetAsCapability(65001)]
            : [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new FourOctetAsCapability(65002)]);

    /// <summary>10.{6 i}.{peer}.1/32 for i below <see cref="RoutesEach"/>, one UPDATE, spread over fifteen /12s: the Loc-RIB
    /// partition of a prefix follows its /12 (LocRibPartition.PartitionOf), and the partition test needs both
    /// partitions to hold some.</summary>
    private static byte[] Routes(IPAddress peer)
    {
        byte id = peer.GetAddressBytes()[3];
        uint asn = peer.Equals(A) ? 65001u : 65002u;
        var nlri = Enumerable.Range(0, RoutesEach).SelectMany(i => new byte[] { 32, 10, (byte)(6 * i), id, 1 }).ToArray();
        return UpdateMutator.Serialize([], [[0x40, 1, 1, 0], [0x40, 2, 6, 2, 1, (byte)(asn >> 24), (byte)(asn >> 16), (byte)(asn >> 8), (byte)asn], [0x40, 3, 4, 192, 0, 2, id]], nlri);
    }

    private async Task<(WirePeer Peer, PeerUp Up)> Establish(Speaker s, IPAddress peer)
    {
        var wire = await WirePeer.EstablishAsync(peer, s.Endpoint, OpenOf(peer), TimeSpan.FromSeconds(30));
        wire.StartKeepalives(TimeSpan.FromSeconds(10));
        var up = await FishForMessageAsync<PeerUp>(u => u is PeerUp p && p.Peer.Equals(peer), TimeSpan.FromSeconds(10));
        await wire.SendAsync(Routes(peer));
        return (wire, up);
    }

    private async Task<long> Paths(Speaker s)
    {
        var rib = await Sys.ActorSelection($"/user/{s.Prefix}-rib/rib").ResolveOne(TimeSpan.FromSeconds(5));
        var summary = await rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(10));
        return summary.Families["ipv4-unicast"].Paths;
    }

    private async Task WaitForPaths(Speaker s, long expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        long last = -1;
        while (clock.Elapsed < timeout)
        {
            if ((last = await Paths(s)) == expected) return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the RIB has {last} IPv4 paths, expected {expected}");
    }

    private async Task<SessionState> State(Speaker s, IPAddress peer) =>
        (await s.Refs.Supervisor.Ask<NeighborStatus>(new NeighborCommand(peer, GetNeighborStatus.Instance), TimeSpan.FromSeconds(10))).State;

    /// <summary>B was not touched: Established all along (never a flap), no NOTIFICATION, its routes in the RIB.</summary>
    private async Task AssertUntouched(Speaker s, WirePeer b)
    {
        var status = await s.Refs.Supervisor.Ask<NeighborStatus>(new NeighborCommand(B, GetNeighborStatus.Instance), TimeSpan.FromSeconds(10));
        Assert.Equal(SessionState.Established, status.State);
        Assert.Equal(0, status.FlapCount);
        Assert.Null(b.ClosedBecause);
    }

    [Fact]
    public async Task A_crash_in_one_neighbors_FSM_resets_that_session_only_and_it_comes_back_after_the_backoff()
    {
        var s = Start("fault-fsm");
        var (a, _) = await Establish(s, A);
        var (b, _) = await Establish(s, B);
        await WaitForPaths(s, 2 * RoutesEach + LocalRoutes, TimeSpan.FromSeconds(20));
        var fsm = await Sys.ActorSelection($"/user/{s.Prefix}-neighbors/peer-{A}/fsm").ResolveOne(TimeSpan.FromSeconds(5));

        var incarnations = CreateTestProbe();
        Sys.EventStream.Subscribe(incarnations.Ref, typeof(FsmStarted));
        var clock = Stopwatch.StartNew();
        fsm.Tell(new InjectedFault("the FSM of " + A));
        // The crashed FSM's termination handler tells the peer (RFC 4271 6: a NOTIFICATION before closing) and the RIB.
        var notification = await a.ExpectAsync<NotificationMessage>(TimeSpan.FromSeconds(10));
        Assert.True(await a.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        await WaitForPaths(s, RoutesEach + LocalRoutes, TimeSpan.FromSeconds(10));
        var down = clock.Elapsed;

        // The BackoffSupervisor recreates the FSM after MinBackoff (1 s, +-20%); the supervisor gives the new one its
        // AutomaticStart. Until then connections from A are refused (Cease/5).
        await incarnations.FishForMessageAsync<FsmStarted>(m => m is FsmStarted f && f.Peer.Equals(A), TimeSpan.FromSeconds(10));
        var recreated = clock.Elapsed;
        Assert.True(recreated >= TimeSpan.FromSeconds(0.8), $"A's FSM was recreated {recreated.TotalSeconds:0.00} s after the crash: no backoff");
        await a.DisposeAsync();
        var (again, _) = await Establish(s, A);
        var back = clock.Elapsed;
        await WaitForPaths(s, 2 * RoutesEach + LocalRoutes, TimeSpan.FromSeconds(20));
        await AssertUntouched(s, b);
        var entry = (await s.Refs.Supervisor.Ask<NeighborList>(ListNeighbors.Instance, TimeSpan.FromSeconds(5))).Neighbors.Single(n => n.Peer.Equals(A));
        Assert.Equal(1, entry.Restarts);
        Figures.Report(_output, $"fault in one FSM: peer sees NOTIFICATION {notification.Code}/{notification.Subcode} ({notification.Describe()}); "
            + $"its {RoutesEach} routes withdrawn after {down.TotalSeconds:0.00} s; FSM recreated after {recreated.TotalSeconds:0.00} s (backoff 1 s +-20%), "
            + $"session Established again {back.TotalSeconds:0.00} s after the fault; the other session untouched");
        await again.DisposeAsync();
        await b.DisposeAsync();
    }

    [Fact]
    public async Task A_crash_in_one_connection_actor_resets_that_session_only()
    {
        var s = Start("fault-conn");
        var (a, upA) = await Establish(s, A);
        var (b, _) = await Establish(s, B);
        await WaitForPaths(s, 2 * RoutesEach + LocalRoutes, TimeSpan.FromSeconds(20));

        var clock = Stopwatch.StartNew();
        upA.Connection.Tell(new InjectedFault("the connection of " + A));
        Assert.True(await a.WaitClosedAsync(TimeSpan.FromSeconds(10)), "A's connection stayed open after its actor crashed");
        await WaitForPaths(s, RoutesEach + LocalRoutes, TimeSpan.FromSeconds(10));
        var down = clock.Elapsed;
        string seen = a.ClosedBecause ?? "";
        await a.DisposeAsync();
        var (again, _) = await Establish(s, A);
        var back = clock.Elapsed;
        await WaitForPaths(s, 2 * RoutesEach + LocalRoutes, TimeSpan.FromSeconds(20));
        await AssertUntouched(s, b);
        Figures.Report(_output, $"fault in one connection actor: the peer sees the connection close ({seen}); its routes withdrawn after "
            + $"{down.TotalSeconds:0.00} s; session Established again {back.TotalSeconds:0.00} s after the fault (idle hold 0.2 s); the other session untouched");
        await again.DisposeAsync();
        await b.DisposeAsync();
    }

    [Fact]
    public async Task A_crash_in_one_LocRib_partition_rebuilds_it_without_losing_routes()
    {
        var s = Start("fault-part");
        var (a, _) = await Establish(s, A);
        var (b, _) = await Establish(s, B);
        long all = 2 * RoutesEach + LocalRoutes;
        await WaitForPaths(s, all, TimeSpan.FromSeconds(20));
        var partition = await Sys.ActorSelection($"/user/{s.Prefix}-rib/rib/loc-rib-0").ResolveOne(TimeSpan.FromSeconds(5));
        int inPartition = Enumerable.Range(0, RoutesEach).Count(i => LocRibPartition.PartitionOf(Prefix.Parse($"10.{6 * i}.2.1/32"), 2) == 0);
        Assert.InRange(inPartition, 1, RoutesEach - 1);

        var clock = Stopwatch.StartNew();
        partition.Tell(new InjectedFault("Loc-RIB partition 0"));
        // A negotiated route refresh: it is asked for its routes again (RFC 2918) and answers as a peer does.
        var refresh = await a.ExpectAsync<RouteRefreshMessage>(TimeSpan.FromSeconds(30));
        Assert.Equal(AfiSafi.Ipv4Unicast, refresh.Family);
        await a.SendAsync(Routes(A));
        // B did not: the only way to have its routes again is a new session.
        var reset = await b.ExpectAsync<NotificationMessage>(TimeSpan.FromSeconds(30));
        Assert.Equal((ErrorCode.Cease, CeaseSubcode.AdministrativeReset), (reset.Code, reset.Subcode));
        await b.DisposeAsync();
        var (b2, _) = await Establish(s, B);
        await WaitForPaths(s, all, TimeSpan.FromSeconds(20));
        var rebuilt = clock.Elapsed;
        Assert.Equal(SessionState.Established, await State(s, A));
        Assert.Null(a.ClosedBecause);
        Figures.Report(_output, $"fault in one Loc-RIB partition ({inPartition} of each peer's {RoutesEach} routes in it): the peer with route refresh was sent ROUTE-REFRESH "
            + $"and kept its session; the peer without it got Cease/4 ({reset.Describe()}) and re-sent its routes on a new session; all {all} paths back "
            + $"{rebuilt.TotalSeconds:0.00} s after the fault");
        await a.DisposeAsync();
        await b2.DisposeAsync();
    }
}
