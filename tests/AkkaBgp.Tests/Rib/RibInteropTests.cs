using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Interop;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Tests.Transport;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// The full RIB behind the real speaker, between BIRD and GoBGP on loopback: what each daemon announces reaches
/// the other with our AS prepended, our own routes reach both, and a withdrawal at the source removes the route
/// everywhere (issue 5, "Interop").
/// </summary>
public sealed class RibInteropTests : BgpTestKit
{
    private const uint OurAs = 65000;
    private static readonly IPAddress Ours = IPAddress.Parse("127.0.45.2");
    private const string FromBird = "10.45.1.0/24";
    private const string FromGobgp = "10.45.2.0/24";
    private const string Local = "10.45.99.0/24";

    public RibInteropTests() : base(virtualTime: false, systemName: "rib-interop") { }

    private static int FreePort() => Loopback.FreePort(Ours);

    private static NeighborSettings Neighbor(Peering p) => new()
    {
        PeerAddress = p.DaemonAddress,
        PeerAs = p.DaemonAs,
        LocalAs = OurAs,
        RouterId = OpenMessage.IdentifierFrom(Ours),
        PeerPort = p.Port,
        LocalAddress = Ours,
        HoldTime = TimeSpan.FromSeconds(p.HoldTimeSeconds),
        ConnectRetryTime = TimeSpan.FromSeconds(2),
        IdleHoldTime = TimeSpan.FromSeconds(1),
        DampPeerOscillations = false,
    };

    [Fact]
    public async Task Routes_flow_between_bird_and_gobgp_through_our_rib()
    {
        Assert.True(Bird.Installed && GoBgp.Installed, "BIRD and GoBGP must be installed (tests/run-all.sh installs them)");
        var birdPeering = new Peering(IPAddress.Parse("127.0.45.1"), 65010, Ours, OurAs, FreePort(), HoldTimeSeconds: 9) { DaemonPassive = true, AnnounceV4 = [FromBird] };
        var gobgpPeering = new Peering(IPAddress.Parse("127.0.45.3"), 65020, Ours, OurAs, FreePort(), HoldTimeSeconds: 9) { DaemonPassive = true, AnnounceV4 = [FromGobgp] };
        await using var bird = new Bird(birdPeering);
        await using var gobgp = new GoBgp(gobgpPeering);
        await bird.StartAsync();
        await gobgp.StartAsync();

        var ribConfig = new Dictionary<IPAddress, NeighborRibConfig>
        {
            // BIRD resolves next hops through its 127/8 blackhole, so our own address works there; GoBGP drops
            // 127/8 next hops as martians, so it gets a documentation address as our next hop.
            [birdPeering.DaemonAddress] = new(Ours, null, PeerRibSettings.Default),
            [gobgpPeering.DaemonAddress] = new(IPAddress.Parse("192.0.2.45"), null, PeerRibSettings.Default),
        };
        var settings = new RibSettings { LocalAs = OurAs, RouterId = OpenMessage.IdentifierFrom(Ours), Partitions = 2 };
        var local = new LocalRoute { Prefix = Prefix.Parse(Local), Communities = [new Community(65000, 45)] };
        var speaker = SpeakerHost.Start(Sys, new SpeakerSettings
        {
            Neighbors = [Neighbor(birdPeering), Neighbor(gobgpPeering)],
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(Ours, birdPeering.Port), new IPEndPoint(Ours, gobgpPeering.Port)] },
            RibProps = RibActor.Props(settings, ribConfig, [local]),
        }, "ribinterop");

        var timeout = TimeSpan.FromSeconds(40);
        await bird.WaitForPeerAsync(v => v.IsEstablished, timeout);
        await gobgp.WaitForPeerAsync(v => v.IsEstablished, timeout);

        // Each daemon's route reaches the other, and ours reaches both.
        await bird.WaitForRoutesAsync(4, r => r.Contains(FromGobgp) && r.Contains(Local), timeout);
        await gobgp.WaitForRoutesAsync(4, r => r.Contains(FromBird) && r.Contains(Local), timeout);
        var birdView = await bird.ShowRouteAsync(FromGobgp);
        Assert.Contains("65000 65020", birdView); // AS_PATH: our AS prepended to GoBGP's
        var localView = await bird.ShowRouteAsync(Local);
        Assert.Contains("(65000,45)", localView);

        var summary = await speaker.Rib.Ask<RibSummary>(GetRibSummary.Instance);
        Assert.Equal(3, summary.Families["ipv4-unicast"].Prefixes);
        Assert.Equal(2, summary.EstablishedPeers);

        // Withdrawn at the source: gone from BIRD too.
        await gobgp.WithdrawAsync(FromGobgp);
        await bird.WaitForRoutesAsync(4, r => !r.Contains(FromGobgp) && r.Contains(Local), timeout);
        // A run-time announcement reaches both.
        await speaker.Rib.Ask<LocalRouteAck>(new AnnounceLocalRoute(new LocalRoute { Prefix = Prefix.Parse("10.45.98.0/24") }));
        await bird.WaitForRoutesAsync(4, r => r.Contains("10.45.98.0/24"), timeout);
        await gobgp.WaitForRoutesAsync(4, r => r.Contains("10.45.98.0/24"), timeout);
    }
}
