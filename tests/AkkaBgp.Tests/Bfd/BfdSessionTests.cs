using System.Net;
using AkkaBgp.Bfd;
using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Tests.Bfd;

/// <summary>
/// The RFC 5880 section 6.8 state machine in virtual time: every transition of 6.8.6 and 6.8.4 with its diagnostic,
/// the packets it puts on the wire (state, P/F bits, intervals), the 1 s floor before Up and the Poll Sequence after.
/// </summary>
public class BfdSessionTests
{
    private sealed class Wire : IBfdSessionSink
    {
        public List<(TimeSpan At, BfdControlPacket Packet)> Sent { get; } = [];
        public List<(BfdState From, BfdState To, BfdDiagnostic Diag)> Changes { get; } = [];
        public TimeSpan Now;
        public void Transmit(BfdSession session, in BfdControlPacket packet) => Sent.Add((Now, packet));
        public void StateChanged(BfdSession session, BfdState from, BfdState to, BfdDiagnostic diagnostic) => Changes.Add((from, to, diagnostic));
    }

    private static readonly BfdPeerKey Peer = new(IPAddress.Parse("192.0.2.2"), IPAddress.Parse("192.0.2.1"), false);
    private static readonly BfdSettings Fast = new() { MinTx = TimeSpan.FromMilliseconds(50), MinRx = TimeSpan.FromMilliseconds(50), Multiplier = 3 };
    private const uint Remote = 0xBEEF;

    private readonly Wire _wire = new();
    private readonly BfdSession _s;

    public BfdSessionTests() => _s = new BfdSession(Peer, Fast, 0x1234, _wire, new Random(1), TimeSpan.Zero);

    private static BfdControlPacket From(BfdState state, uint your = 0x1234, bool poll = false, bool final = false, uint tx = 50_000, uint rx = 50_000,
        bool demand = false) => new()
    {
        Version = 1, State = state, MyDiscriminator = Remote, YourDiscriminator = state == BfdState.Down && your == 0x1234 ? 0 : your,
        DetectMult = 3, Length = 24, DesiredMinTxInterval = tx, RequiredMinRxInterval = rx, Poll = poll, Final = final, Demand = demand,
    };

    private BfdDiscard Receive(BfdControlPacket p, int ttl = 255)
    {
        var raw = BfdCodec.ToArray(p);
        return _s.Receive(raw, p, ttl, _wire.Now);
    }

    /// <summary>Runs the session's timers up to <paramref name="until"/>, as the engine does: at each deadline.</summary>
    private void RunUntil(TimeSpan until)
    {
        while (_s.NextDeadline <= until)
        {
            _wire.Now = _s.NextDeadline;
            _s.Tick(_wire.Now);
        }
        _wire.Now = until;
    }

    private void BringUp()
    {
        Assert.Equal(BfdDiscard.None, Receive(From(BfdState.Down, tx: 1_000_000, rx: 1_000_000)));
        Assert.Equal(BfdDiscard.None, Receive(From(BfdState.Up, poll: true)));
        Assert.Equal(BfdState.Up, _s.State);
    }

    [Fact]
    public void Starts_Down_sending_at_the_one_second_floor_with_no_remote_discriminator()
    {
        RunUntil(TimeSpan.FromSeconds(3.5));
        Assert.True(_wire.Sent.Count is >= 3 and <= 5, $"{_wire.Sent.Count} packets in 3.5 s");
        var p = _wire.Sent[0].Packet;
        Assert.Equal((BfdState.Down, 0u, 0x1234u), (p.State, p.YourDiscriminator, p.MyDiscriminator));
        // 6.8.3: at least 1 s while not Up, whatever is configured; we require 50 ms and no echoes.
        Assert.Equal((1_000_000u, 50_000u, 0u), (p.DesiredMinTxInterval, p.RequiredMinRxInterval, p.RequiredMinEchoRxInterval));
        // 6.8.7 jitter: every gap 75-100% of the interval.
        for (int i = 1; i < _wire.Sent.Count; i++)
        {
            var gap = _wire.Sent[i].At - _wire.Sent[i - 1].At;
            Assert.InRange(gap.TotalMilliseconds, 750, 1000);
        }
    }

    [Fact]
    public void Down_to_Init_on_Down_then_Up_on_Up_with_a_poll_for_the_fast_interval()
    {
        RunUntil(TimeSpan.Zero); // the first Down packet goes out at once (6.1, Active role)
        Receive(From(BfdState.Down, tx: 1_000_000, rx: 1_000_000));
        Assert.Equal([(BfdState.Down, BfdState.Init, BfdDiagnostic.None)], _wire.Changes);
        Assert.Equal(Remote, _s.RemoteDiscriminator);
        Receive(From(BfdState.Up, rx: 50_000));
        Assert.Equal(BfdState.Up, _s.State);
        // Up lowers bfd.DesiredMinTxInterval from the floor to 50 ms, which 6.8.3 announces with a Poll Sequence...
        _wire.Sent.Clear();
        RunUntil(TimeSpan.FromMilliseconds(60));
        var next = Assert.Single(_wire.Sent);
        // ...and the packet comes within the new interval, not the old second (the bug FRR found).
        Assert.InRange(next.At.TotalMilliseconds, 37.5, 50);
        Assert.True(next.Packet.Poll);
        Assert.Equal((BfdState.Up, Remote, 50_000u), (next.Packet.State, next.Packet.YourDiscriminator, next.Packet.DesiredMinTxInterval));
        // The peer's Final ends it.
        Receive(From(BfdState.Up, final: true));
        Assert.False(_s.PollActive);
        RunUntil(TimeSpan.FromMilliseconds(120));
        Assert.False(_wire.Sent[^1].Packet.Poll);
    }

    [Fact]
    public void Down_goes_straight_Up_on_Init()
    {
        Receive(From(BfdState.Init));
        Assert.Equal([(BfdState.Down, BfdState.Up, BfdDiagnostic.None)], _wire.Changes);
    }

    [Fact]
    public void Init_goes_Up_on_Init_or_Up_and_ignores_Down()
    {
        Receive(From(BfdState.Down));
        Receive(From(BfdState.Down));
        Assert.Equal(BfdState.Init, _s.State);
        Receive(From(BfdState.Init));
        Assert.Equal(BfdState.Up, _s.State);
    }

    [Fact]
    public void Detection_time_expiry_takes_Up_down_with_diagnostic_1_after_three_intervals()
    {
        BringUp();
        _wire.Changes.Clear();
        var last = _wire.Now;
        RunUntil(last + TimeSpan.FromMilliseconds(149));
        Assert.Equal(BfdState.Up, _s.State);
        RunUntil(last + TimeSpan.FromMilliseconds(150));
        Assert.Equal([(BfdState.Up, BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired)], _wire.Changes);
        // 6.8.1: bfd.RemoteDiscr is zeroed; the next packets say Down, diagnostic 1, at the 1 s floor.
        Assert.Equal(0u, _s.RemoteDiscriminator);
        RunUntil(last + TimeSpan.FromSeconds(1.2));
        var p = _wire.Sent[^1].Packet;
        Assert.Equal((BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired, 0u, 1_000_000u), (p.State, p.Diagnostic, p.YourDiscriminator, p.DesiredMinTxInterval));
    }

    [Fact]
    public void Packets_keep_an_Up_session_up()
    {
        BringUp();
        for (int i = 0; i < 100; i++)
        {
            RunUntil(_wire.Now + TimeSpan.FromMilliseconds(45));
            Receive(From(BfdState.Up));
        }
        Assert.Equal(BfdState.Up, _s.State);
        Assert.Equal(0, _s.Counters.DownTransitions);
    }

    [Fact]
    public void Detection_time_uses_the_slower_of_our_rx_and_the_peers_tx_times_its_multiplier()
    {
        BringUp();
        Receive(From(BfdState.Up, tx: 300_000) with { DetectMult = 5 });
        Assert.Equal(TimeSpan.FromMilliseconds(1500), _s.DetectionTime);
    }

    [Fact]
    public void Peer_Down_takes_Up_down_with_diagnostic_3()
    {
        BringUp();
        _wire.Changes.Clear();
        Receive(From(BfdState.Down, your: 0));
        Assert.Equal([(BfdState.Up, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown)], _wire.Changes);
    }

    [Fact]
    public void Peer_AdminDown_takes_the_session_down_with_diagnostic_3_and_is_not_a_failure_for_clients()
    {
        BringUp();
        _wire.Changes.Clear();
        Receive(From(BfdState.AdminDown) with { Diagnostic = BfdDiagnostic.AdministrativelyDown });
        Assert.Equal([(BfdState.Up, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown)], _wire.Changes);
        Assert.Equal(BfdState.AdminDown, _s.RemoteState);
        // RFC 5882 3.2, as the engine reports it to BGP:
        var change = new BfdStateChanged(Peer, 1, BfdState.Up, BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown, BfdDiagnostic.AdministrativelyDown,
            TimeSpan.Zero, DateTimeOffset.UnixEpoch) { RemoteAdminDown = true };
        Assert.True(change.PeerAdminDown);
        Assert.False(change.IsFailure);
        Assert.True((change with { RemoteAdminDown = false }).IsFailure);
    }

    [Fact]
    public void A_Poll_is_answered_at_once_with_Final_and_never_both_bits()
    {
        BringUp();
        _wire.Sent.Clear();
        Receive(From(BfdState.Up, poll: true));
        var answer = Assert.Single(_wire.Sent);
        Assert.True(answer.Packet.Final);
        Assert.False(answer.Packet.Poll);
    }

    [Fact]
    public void Our_AdminDown_sends_diagnostic_7_for_a_detection_time_then_goes_quiet_and_discards()
    {
        BringUp();
        _wire.Sent.Clear();
        _s.SetAdminDown(true, _wire.Now);
        Assert.Equal((BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown), (_wire.Sent[0].Packet.State, _wire.Sent[0].Packet.Diagnostic));
        RunUntil(_wire.Now + TimeSpan.FromSeconds(5));
        Assert.InRange(_wire.Sent.Count, 3, 6);
        Assert.Equal(TimeSpan.MaxValue, _s.NextDeadline);
        Assert.Equal(BfdDiscard.SessionAdminDown, Receive(From(BfdState.Up)));
        _s.SetAdminDown(false, _wire.Now);
        Assert.Equal(BfdState.Down, _s.State);
    }

    [Fact]
    public void Remote_demand_mode_stops_our_periodic_packets_while_both_are_Up()
    {
        BringUp();
        Receive(From(BfdState.Up, final: true, demand: true));
        _wire.Sent.Clear();
        RunUntil(_wire.Now + TimeSpan.FromMilliseconds(120));
        Assert.Empty(_wire.Sent);
        Assert.True(_s.RemoteDemandMode);
    }

    [Fact]
    public void Required_min_rx_zero_from_the_peer_stops_periodic_transmission()
    {
        Receive(From(BfdState.Down, rx: 0));
        _wire.Sent.Clear();
        RunUntil(TimeSpan.FromSeconds(3));
        Assert.Empty(_wire.Sent);
    }

    [Fact]
    public void Single_hop_discards_ttl_below_255_multihop_checks_the_minimum()
    {
        Assert.Equal(BfdDiscard.BadTtl, Receive(From(BfdState.Down), ttl: 254));
        Assert.Equal(BfdState.Down, _s.State);
        var multihop = new BfdSession(Peer with { Multihop = true }, Fast with { Multihop = true, MinimumTtl = 250 }, 7, _wire, new Random(2), TimeSpan.Zero);
        var p = From(BfdState.Down);
        Assert.Equal(BfdDiscard.BadTtl, multihop.Receive(BfdCodec.ToArray(p), p, 249, TimeSpan.Zero));
        Assert.Equal(BfdDiscard.None, multihop.Receive(BfdCodec.ToArray(p), p, 250, TimeSpan.Zero));
        Assert.Equal(1, _s.Counters.Discarded[BfdDiscard.BadTtl]);
    }

    [Fact]
    public void Authentication_must_match_the_session()
    {
        var key = new BfdAuthKey(BfdAuthType.MeticulousKeyedMd5, 2, "secret"u8.ToArray());
        var secured = new BfdSession(Peer, Fast with { Keys = [key] }, 9, _wire, new Random(3), TimeSpan.Zero);
        var p = From(BfdState.Down);
        Assert.Equal(BfdDiscard.AuthenticationMissing, secured.Receive(BfdCodec.ToArray(p), p, 255, TimeSpan.Zero));
        var signed = BfdCodec.ToArray(p, key, 100);
        Assert.True(BfdCodec.TryDecode(signed, out var sp, out _));
        Assert.Equal(BfdDiscard.AuthenticationUnexpected, _s.Receive(signed, sp, 255, TimeSpan.Zero));
        Assert.Equal(BfdDiscard.None, secured.Receive(signed, sp, 255, TimeSpan.Zero));
        Assert.Equal(BfdDiscard.AuthenticationSequence, secured.Receive(signed, sp, 255, TimeSpan.Zero)); // a replay
        Assert.Equal(BfdState.Init, secured.State);
        // What we send is signed with our key and a sequence number that moves every packet.
        _wire.Sent.Clear();
        secured.Tick(TimeSpan.FromSeconds(1));
        Assert.True(_wire.Sent[^1].Packet.AuthenticationPresent);
    }

    [Fact]
    public void Raising_the_interval_while_Up_waits_for_the_poll_to_end_lowering_rx_keeps_detection_until_then()
    {
        BringUp();
        Receive(From(BfdState.Up, final: true));
        _s.Reconfigure(Fast with { MinTx = TimeSpan.FromMilliseconds(300), MinRx = TimeSpan.FromMilliseconds(20) }, _wire.Now);
        Assert.True(_s.PollActive);
        // 6.8.3: the old TX interval and the old RX for detection hold until the Final.
        Assert.Equal(TimeSpan.FromMilliseconds(50), _s.TransmitInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(150), _s.DetectionTime);
        Receive(From(BfdState.Up, final: true, tx: 20_000));
        Assert.Equal(TimeSpan.FromMilliseconds(300), _s.TransmitInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(60), _s.DetectionTime);
    }
}
