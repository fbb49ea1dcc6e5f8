using System.Net;
using AkkaBgp.Interop;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Interop;

/// <summary>
/// RFC 4271 6.8 connection collision detection against a real daemon, both sides configured active, in both orders
/// of BGP Identifiers. Each round takes both sides down and starts them together, so that each dials the other;
/// whatever the interleaving, exactly one session must come up and stay up. Where the two connections met (a Cease/7
/// Connection Collision Resolution, RFC 4486, went one way or the other), the one that survived must be the one the
/// speaker with the higher BGP Identifier opened.
/// </summary>
public abstract class CollisionInteropTests : BgpTestKit
{
    private const int Rounds = 20;
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    protected CollisionInteropTests(ITestOutputHelper output) : base(virtualTime: false, systemName: "collision") => _output = output;

    protected abstract string Name { get; }
    protected abstract bool Installed { get; }
    protected abstract Daemon Create(AkkaBgp.Interop.Peering peering);
    /// <summary>The third octet of this class's 127.0.x.0/24.</summary>
    protected abstract int Net { get; }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Both_sides_active_one_session_survives_every_round_and_the_higher_identifier_keeps_its_connection(bool oursHigher)
    {
        Assert.True(Installed, $"{Name} is not installed (tests/run-all.sh installs it)");
        // The identifiers are the addresses (Peering.OurRouterId/DaemonRouterId).
        var (daemonAddress, ourAddress) = oursHigher ? ($"127.0.{Net}.1", $"127.0.{Net}.2") : ($"127.0.{Net}.4", $"127.0.{Net}.3");
        var daemonIp = IPAddress.Parse(daemonAddress);
        var ourIp = IPAddress.Parse(ourAddress);
        // The daemon listens on and dials port P. Relay A takes its dial at our address:P and passes it to our listener
        // (port P2) from the daemon's address; relay B takes our dial at the daemon's address:P3 to the daemon's P.
        int port = AkkaBgp.Tests.Transport.Loopback.FreePort(ourIp);
        int ourListen = AkkaBgp.Tests.Transport.Loopback.FreePort(ourIp);
        int relayB = AkkaBgp.Tests.Transport.Loopback.FreePort(daemonIp);
        await using var towardsUs = new HeldRelay(new IPEndPoint(ourIp, port), new IPEndPoint(ourIp, ourListen), daemonIp);
        await using var towardsDaemon = new HeldRelay(new IPEndPoint(daemonIp, relayB), new IPEndPoint(daemonIp, port), ourIp);
        var peering = InteropSession.PeeringFor(daemonAddress, ourAddress, port, daemonPassive: false) with { ConnectDelaySeconds = 0 };
        await using var s = new InteropSession(Sys, peering, Create)
        {
            ListenPort = ourListen,
            Customize = n => n with { PassiveTcpEstablishment = false, PeerPort = relayB, ConnectRetryTime = TimeSpan.FromSeconds(1) },
        };
        await s.Daemon.StartAsync();
        await s.Daemon.SetSessionEnabledAsync(false);
        s.StartSpeaker();
        s.Stop("collision test setup");
        await s.WaitForOurStateAsync(SessionState.Idle, Up);
        // The daemon dials as soon as it starts: let whatever the setup opened through the relays close freely.
        towardsUs.Open();
        towardsDaemon.Open();

        NeighborStatus? previous = null;
        for (int round = 1; round <= Rounds; round++)
        {
            if (previous is not null)
            {
                // The last round's session has stayed up (no flap on either side) until now.
                var still = await s.StatusAsync();
                Assert.True(still.State == SessionState.Established && still.UpSince == previous.UpSince,
                    $"round {round - 1}: our session flapped after establishing ({still.State}, {still.LastError})\n{s.History}");
                Assert.True((await s.Daemon.GetPeerAsync()).IsEstablished, $"round {round - 1}: {Name} left Established");
                // Both down.
                s.Stop($"collision round {round}");
                await s.WaitForOurStateAsync(SessionState.Idle, Up);
                await s.Daemon.SetSessionEnabledAsync(false);
                await s.Daemon.WaitForPeerAsync(p => !p.IsEstablished, Up);
            }

            // Both up: each side dials the other. The relays first let only the OPENs through, so both speakers see
            // both OPENs before either can finish a handshake, then everything once each has acted on them.
            DateTimeOffset roundStart;
            for (int attempt = 1; ; attempt++)
            {
                // A connection left from the setup or the last round, still open or half-made when the relays are
                // armed, would pass for this round's dial (a fresh-clone run once saw round 1 come up on our
                // connection alone, with no collision).
                await towardsUs.WaitAsync(() => towardsUs.Quiet && towardsDaemon.Quiet,
                    $"the earlier connections closed ({towardsUs.Describe()} / {towardsDaemon.Describe()})", Up);
                roundStart = DateTimeOffset.UtcNow;
                towardsUs.Arm();
                towardsDaemon.Arm();
                await s.Daemon.SetSessionEnabledAsync(true);
                await UntilDaemonTakesConnectionsAsync(s.Daemon);
                s.Start();
                string? notACollision = null;
                if (!await HeldRelay.TryWaitAsync(() => towardsUs.Connections >= 1 && towardsDaemon.Connections >= 1, TimeSpan.FromSeconds(10)))
                {
                    // The other side took the incoming connection first (RFC 4271 8.2.2: a connection accepted in
                    // Connect stops the dial), so there is nothing to collide.
                    notACollision = "only one side dialed";
                }
                else
                {
                    towardsUs.PassMessages(1);
                    towardsDaemon.PassMessages(1);
                    await towardsUs.WaitAsync(() => towardsUs.AllSentBeyond(1) && towardsDaemon.AllSentBeyond(1),
                        $"both sides acting on both OPENs ({towardsDaemon.Describe()})", Up);
                    // A speaker that is not ready for incoming connections closes one without a word (a fresh-clone
                    // run saw BIRD do so with ours while it was still starting the session): again nothing collided.
                    if (towardsUs.Refused || towardsDaemon.Refused)
                        notACollision = "a dial was closed before its OPEN";
                }
                if (notACollision is null) break;
                // Not a round: both down, again.
                _output.WriteLine($"round {round} attempt {attempt}: {notACollision} ({towardsUs.Describe()} / {towardsDaemon.Describe()})");
                Assert.True(attempt < 5, $"round {round}: {attempt} attempts without a collision ({notACollision})\n{s.History}");
                towardsUs.Open();
                towardsDaemon.Open();
                s.Stop($"collision round {round} again");
                await s.WaitForOurStateAsync(SessionState.Idle, Up);
                await s.Daemon.SetSessionEnabledAsync(false);
                await s.Daemon.WaitForPeerAsync(p => !p.IsEstablished, Up);
            }
            towardsUs.Open();
            towardsDaemon.Open();

            var status = await s.WaitForOurStateAsync(SessionState.Established, Up);
            await s.Daemon.WaitForPeerAsync(p => p.IsEstablished, Up);
            bool weOpened = status.RemoteEndPoint!.Port == relayB;
            _output.WriteLine($"round {round}: survivor opened by {(weOpened ? "us" : Name)}" +
                $" (sent {status.LastNotificationSent?.Description}, received {status.LastNotificationReceived?.Description})");
            // Both connections met: the loser was closed with Cease/7, by us or by the daemon (both decide alike).
            Assert.True(IsCollision(status.LastNotificationSent, roundStart) || IsCollision(status.LastNotificationReceived, roundStart),
                $"round {round}: no Cease/7 either way\n{s.History}");
            // RFC 4271 6.8: "the connection initiated by the BGP speaker with the larger BGP Identifier" is kept.
            Assert.True(weOpened == oursHigher,
                $"round {round}: the connection opened by {(weOpened ? "us" : Name)} survived, but {(oursHigher ? "our" : "the daemon's")} identifier is higher\n{s.History}");
            previous = status;
        }

        // The last session survives a hold period of its own.
        await Task.Delay(TimeSpan.FromSeconds(peering.HoldTimeSeconds));
        var final = await s.StatusAsync();
        Assert.True(final.State == SessionState.Established && final.UpSince == previous!.UpSince, $"last round's session flapped: {final.LastError}");
        Assert.True((await s.Daemon.GetPeerAsync()).IsEstablished);
    }

    /// <summary>Returns once the daemon, just enabled, would accept our connection; by default at once.</summary>
    protected virtual Task UntilDaemonTakesConnectionsAsync(Daemon daemon) => Task.CompletedTask;

    private static bool IsCollision(NotificationRecord? n, DateTimeOffset since) =>
        n is { Code: ErrorCode.Cease, Subcode: CeaseSubcode.ConnectionCollisionResolution } && n.At >= since;
}

public sealed class BirdCollisionInteropTests(ITestOutputHelper output) : CollisionInteropTests(output)
{
    protected override string Name => "BIRD";
    protected override bool Installed => Bird.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new Bird(p);
    protected override int Net => 27;

    /// <summary>
    /// BIRD closes incoming connections until the session it was told to enable has started (its "BGP state" leaves
    /// Idle); by then it waits its connect delay, at least a second, before it dials, so our dial still goes first
    /// and the two still cross.
    /// </summary>
    protected override async Task UntilDaemonTakesConnectionsAsync(Daemon daemon) =>
        await daemon.WaitForPeerAsync(p => p.State != "Idle", TimeSpan.FromSeconds(30));
}

public sealed class FrrCollisionInteropTests(ITestOutputHelper output) : CollisionInteropTests(output)
{
    protected override string Name => "FRR";
    protected override bool Installed => Frr.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new Frr(p);
    protected override int Net => 28;
}
