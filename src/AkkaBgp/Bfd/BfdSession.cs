using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Bfd;

/// <summary>What a <see cref="BfdSession"/> asks of whoever runs it: send a packet now, report a state change.</summary>
public interface IBfdSessionSink
{
    /// <summary>Transmit <paramref name="packet"/> (already complete: encode it, sign it with the session's key).</summary>
    void Transmit(BfdSession session, in BfdControlPacket packet);

    void StateChanged(BfdSession session, BfdState from, BfdState to, BfdDiagnostic diagnostic);
}

/// <summary>A session's counters, for the management API and metrics.</summary>
public sealed class BfdSessionCounters
{
    public long PacketsSent;
    public long PacketsReceived;
    public long UpTransitions;
    public long DownTransitions;
    public readonly Dictionary<BfdDiscard, long> Discarded = new();

    public void Discard(BfdDiscard why) => Discarded[why] = Discarded.GetValueOrDefault(why) + 1;
}

/// <summary>
/// One BFD session in asynchronous mode, RFC 5880 section 6.8: the state variables of 6.8.1, reception (6.8.6), the
/// Detection Time (6.8.4), transmission (6.8.7), Poll Sequences (6.5) and the timer rules of 6.8.2/6.8.3. One
/// method per input, and for the two inputs that change the state one block per state, with the RFC's text:
/// <code>
///                             +--+
///                             |  | UP, ADMIN DOWN, TIMER
///                             |  V
///                     DOWN  +------+  INIT
///              +------------|      |------------+
///              |            | DOWN |            |
///              |  +-------->|      |<--------+  |
///              |  |         +------+         |  |
///              |  |                          |  |
///              |  |               ADMIN DOWN,|  |
///              |  |ADMIN DOWN,          DOWN,|  |
///              |  |TIMER                TIMER|  |
///              V  |                          |  V
///            +------+                      +------+
///       +----|      |                      |      |----+
///   DOWN|    | INIT |--------------------->|  UP  |    |INIT, UP
///       +--->|      | INIT, UP             |      |<---+
///            +------+                      +------+
/// </code>
/// (6.2; labels are the State field of a received packet, or TIMER for the Detection Time.)
/// <para>
/// Not an actor and not on a clock of its own: every method takes the time, so tests drive it in virtual time and
/// <see cref="BfdEngine"/> drives it from its timing thread. It is not thread-safe; the engine's thread is its only
/// caller. Echo mode (6.4) is not implemented: we advertise a Required Min Echo RX Interval of zero, which tells the
/// peer not to send echoes. Demand mode (6.6) is honoured when the peer asks for it; we never ask.
/// </para>
/// </summary>
public sealed class BfdSession
{
    /// <summary>6.8.3: "When bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to a value of
    /// not less than one second (1,000,000 microseconds)."</summary>
    public const uint SlowTxMicros = 1_000_000;

    private readonly IBfdSessionSink _sink;
    private readonly Random _random;
    private BfdSettings _settings;

    // ---- RFC 5880 6.8.1 state variables ----
    public BfdState State { get; private set; } = BfdState.Down;
    public BfdState RemoteState { get; private set; } = BfdState.Down;
    public uint LocalDiscriminator { get; }
    public uint RemoteDiscriminator { get; private set; }
    public BfdDiagnostic LocalDiagnostic { get; private set; } = BfdDiagnostic.None;
    /// <summary>bfd.DesiredMinTxInterval as advertised now, microseconds.</summary>
    public uint DesiredMinTx { get; private set; } = SlowTxMicros;
    /// <summary>bfd.RequiredMinRxInterval as advertised now, microseconds.</summary>
    public uint RequiredMinRx { get; private set; }
    /// <summary>bfd.RemoteMinRxInterval: "initialized to 1".</summary>
    public uint RemoteMinRx { get; private set; } = 1;
    public bool RemoteDemandMode { get; private set; }
    public BfdDiagnostic RemoteDiagnostic { get; private set; }
    /// <summary>The peer's last Desired Min TX Interval and Detect Mult, for the Detection Time (6.8.4).</summary>
    public uint RemoteDesiredMinTx { get; private set; }
    public byte RemoteDetectMult { get; private set; }
    private uint _xmitAuthSeq;
    private BfdReceiveSequence _rcvAuthSeq;

    // ---- timing (not RFC variables) ----
    /// <summary>The TX interval in use: a raised bfd.DesiredMinTxInterval takes effect only when its Poll Sequence ends (6.8.3).</summary>
    private uint _txInUse = SlowTxMicros;
    /// <summary>The RequiredMinRx the Detection Time uses: a lowered value takes effect only when its Poll Sequence ends (6.8.3).</summary>
    private uint _rxForDetection;
    private bool _pollActive;
    private TimeSpan _nextTx;
    private TimeSpan _lastReceived = TimeSpan.MinValue;
    private TimeSpan? _adminDownUntil;

    public BfdSessionCounters Counters { get; } = new();
    public BfdPeerKey Peer { get; }
    public BfdSettings Settings => _settings;
    public TimeSpan LastStateChange { get; private set; }
    /// <summary>Set by the engine: the session has been asked to go away and is sending AdminDown meanwhile.</summary>
    public bool Removing { get; set; }

    public BfdSession(BfdPeerKey peer, BfdSettings settings, uint localDiscriminator, IBfdSessionSink sink, Random random, TimeSpan now)
    {
        if (localDiscriminator == 0) throw new ArgumentOutOfRangeException(nameof(localDiscriminator), "6.8.1: bfd.LocalDiscr MUST be nonzero");
        Peer = peer;
        _settings = settings;
        LocalDiscriminator = localDiscriminator;
        _sink = sink;
        _random = random;
        RequiredMinRx = _rxForDetection = Micros(settings.MinRx);
        // 6.8.1 bfd.XmitAuthSeq: "initialized to a random 32 bit value".
        _xmitAuthSeq = (uint)random.NextInt64(0, 1L << 32);
        LastStateChange = now;
        // 6.1: we take the Active role and start sending at once.
        _nextTx = now;
    }

    private static uint Micros(TimeSpan t) => (uint)Math.Clamp(t.Ticks / 10, 1, uint.MaxValue);

    private static TimeSpan FromMicros(ulong us) => TimeSpan.FromTicks((long)us * 10);

    /// <summary>6.8.4: "the Detection Time ... is equal to the value of Detect Mult received from the remote system,
    /// multiplied by the agreed transmit interval of the remote system (the greater of bfd.RequiredMinRxInterval and the
    /// last received Desired Min TX Interval)."</summary>
    public TimeSpan DetectionTime => FromMicros((ulong)RemoteDetectMult * Math.Max(_rxForDetection, RemoteDesiredMinTx));

    /// <summary>6.8.7: "the larger of bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval".</summary>
    public TimeSpan TransmitInterval => FromMicros(Math.Max(_txInUse, RemoteMinRx));

    /// <summary>When <see cref="Tick"/> next has something to do; <see cref="TimeSpan.MaxValue"/> when nothing.</summary>
    public TimeSpan NextDeadline
    {
        get
        {
            var next = PeriodicTransmission ? _nextTx : TimeSpan.MaxValue;
            if (State is BfdState.Init or BfdState.Up && RemoteDetectMult > 0 && _lastReceived != TimeSpan.MinValue)
            {
                var detect = _lastReceived + DetectionTime;
                if (detect < next) next = detect;
            }
            if (_adminDownUntil is { } until && until < next) next = until;
            return next;
        }
    }

    public bool PollActive => _pollActive;

    /// <summary>6.8.7: "A system MUST NOT periodically transmit BFD Control packets if Demand mode is active on the remote
    /// system (bfd.RemoteDemandMode is 1, bfd.SessionState is Up, and bfd.RemoteSessionState is Up) and a Poll Sequence
    /// is not being transmitted." and "MUST NOT periodically transmit ... if bfd.RemoteMinRxInterval is zero". In
    /// AdminDown we send for one Detection Time so that the peer learns why, then stop (6.8.16).</summary>
    private bool PeriodicTransmission =>
        RemoteMinRx != 0
        && !(RemoteDemandMode && State == BfdState.Up && RemoteState == BfdState.Up && !_pollActive)
        && !(State == BfdState.AdminDown && _adminDownUntil is null);

    // =====================================================================================
    // Reception, 6.8.6 (after the packet-level checks of BfdCodec and the demultiplexing)
    // =====================================================================================

    /// <summary>
    /// A packet demultiplexed to this session. <paramref name="raw"/> is the datagram (for authentication),
    /// <paramref name="ttl"/> its received TTL or Hop Limit. Returns why it was discarded, or None.
    /// </summary>
    public BfdDiscard Receive(ReadOnlySpan<byte> raw, in BfdControlPacket p, int ttl, TimeSpan now)
    {
        var why = Check(raw, p, ttl);
        if (why != BfdDiscard.None)
        {
            Counters.Discard(why);
            return why;
        }
        Counters.PacketsReceived++;

        // "Set bfd.RemoteDiscr to the value of My Discriminator. Set bfd.RemoteState to the value of the State (Sta)
        // field. Set bfd.RemoteDemandMode to the value of the Demand (D) bit. Set bfd.RemoteMinRxInterval to the value
        // of Required Min RX Interval."
        RemoteDiscriminator = p.MyDiscriminator;
        RemoteState = p.State;
        RemoteDemandMode = p.Demand;
        RemoteDiagnostic = p.Diagnostic;
        RemoteMinRx = p.RequiredMinRxInterval;
        RemoteDesiredMinTx = p.DesiredMinTxInterval;
        RemoteDetectMult = p.DetectMult;
        // "If a Poll Sequence is being transmitted by the local system and the Final (F) bit in the received packet is
        // set, the Poll Sequence MUST be terminated." The parameters it announced now apply in full (6.8.3).
        if (p.Final && _pollActive)
        {
            _pollActive = false;
            _txInUse = DesiredMinTx;
            _rxForDetection = RequiredMinRx;
        }
        // "Update the Detection Time as described in section 6.8.4": it runs from this packet ("If the packet was not
        // discarded, it has been received for purposes of the Detection Time expiration rules").
        _lastReceived = now;

        switch (State)
        {
            case BfdState.AdminDown:
                // "If bfd.SessionState is AdminDown: Discard the packet."
                Counters.Discard(BfdDiscard.SessionAdminDown);
                return BfdDiscard.SessionAdminDown;

            case var _ when p.State == BfdState.AdminDown:
                // "If received state is AdminDown: If bfd.SessionState is not Down: Set bfd.LocalDiag to 3 (Neighbor
                // signaled session down), Set bfd.SessionState to Down." (RFC 5882 3.2: clients do not act on this one.)
                if (State != BfdState.Down) Transition(BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown, now);
                break;

            case BfdState.Down:
                // "If bfd.SessionState is Down: If received State is Down: Set bfd.SessionState to Init. Else if received
                // State is Init: Set bfd.SessionState to Up."
                if (p.State == BfdState.Down) Transition(BfdState.Init, LocalDiagnostic, now);
                else if (p.State == BfdState.Init) Transition(BfdState.Up, BfdDiagnostic.None, now);
                break;

            case BfdState.Init:
                // "Else if bfd.SessionState is Init: If received State is Init or Up: Set bfd.SessionState to Up."
                if (p.State is BfdState.Init or BfdState.Up) Transition(BfdState.Up, BfdDiagnostic.None, now);
                break;

            case BfdState.Up:
                // "Else (bfd.SessionState is Up): If received State is Down: Set bfd.LocalDiag to 3 (Neighbor signaled
                // session down), Set bfd.SessionState to Down."
                if (p.State == BfdState.Down) Transition(BfdState.Down, BfdDiagnostic.NeighborSignaledSessionDown, now);
                break;
        }

        // "Update the transmit interval as described in section 6.8.2": the peer's Required Min RX and our state (Up
        // lowers bfd.DesiredMinTxInterval from the 1 s floor) may have shortened it, and the next packet must not wait
        // out the old, longer one: a peer that has just gone Up expects us within its Detection Time (3 x 50 ms), not in
        // a second. (Found against FRR: the first 50 ms packet came up to 1 s late and FRR's detection fired.)
        RescheduleTransmission(now);

        // "If the Poll (P) bit is set, send a BFD Control packet to the remote system with the Poll (P) bit clear, and
        // the Final (F) bit set" (6.8.7: "as soon as practicable, without respect to the transmission timer").
        if (p.Poll) Send(final: true);
        return BfdDiscard.None;
    }

    /// <summary>The session-level checks of 6.8.6 (A bit vs. bfd.AuthType, authentication) and the TTL rule of RFC
    /// 5881 section 5 / RFC 5883 section 5.</summary>
    private BfdDiscard Check(ReadOnlySpan<byte> raw, in BfdControlPacket p, int ttl)
    {
        // RFC 5881 5: "received BFD Control packets that are demultiplexed to the session MUST be discarded if the
        // received TTL or Hop Limit is not equal to 255" (with authentication in use it MAY be; we always do).
        // RFC 5883 5: multihop sessions check against a configured minimum instead.
        if (_settings.Multihop ? ttl < _settings.MinimumTtl : ttl != 255) return BfdDiscard.BadTtl;
        bool authInUse = _settings.Keys.Count > 0;
        // "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the packet MUST be discarded."
        if (p.AuthenticationPresent && !authInUse) return BfdDiscard.AuthenticationUnexpected;
        // "If the A bit is clear and authentication is in use (bfd.AuthType is nonzero), the packet MUST be discarded."
        if (!p.AuthenticationPresent && authInUse) return BfdDiscard.AuthenticationMissing;
        // "If the A bit is set, the packet MUST be authenticated under the rules of section 6.7".
        return p.AuthenticationPresent ? BfdAuthentication.Verify(raw, p, _settings.Keys, ref _rcvAuthSeq) : BfdDiscard.None;
    }

    // =====================================================================================
    // Timers: the Detection Time (6.8.4), periodic transmission (6.8.7), bfd.AuthSeqKnown (6.8.1)
    // =====================================================================================

    /// <summary>Does what is due at <paramref name="now"/>; the engine calls it at <see cref="NextDeadline"/>.</summary>
    public void Tick(TimeSpan now)
    {
        if (_lastReceived != TimeSpan.MinValue && RemoteDetectMult > 0 && now - _lastReceived >= DetectionTime)
        {
            switch (State)
            {
                case BfdState.Init:
                case BfdState.Up:
                    // 6.8.4: "If Demand mode is not active, and a period of time equal to the Detection Time passes
                    // without receiving a BFD Control packet from the remote system, and bfd.SessionState is Init or Up,
                    // the session has gone down -- the local system MUST set bfd.SessionState to Down and bfd.LocalDiag
                    // to 1 (Control Detection Time Expired)." 6.8.1: bfd.RemoteDiscr "MUST be set to zero if the
                    // Detection Time expires".
                    RemoteDiscriminator = 0;
                    RemoteState = BfdState.Down;
                    Transition(BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired, now);
                    break;
                case BfdState.Down:
                case BfdState.AdminDown:
                    // TIMER does not change Down (6.2); nothing to detect.
                    break;
            }
            // 6.8.1 bfd.AuthSeqKnown: "MUST be set to zero after no packets have been received on this session for at
            // least twice the Detection Time."
            if (now - _lastReceived >= 2 * DetectionTime) _rcvAuthSeq.Known = false;
        }
        if (_adminDownUntil is { } until && now >= until)
        {
            // 6.8.16: once the peer has had a Detection Time to see AdminDown, periodic transmission may cease.
            _adminDownUntil = null;
        }
        if (PeriodicTransmission && now >= _nextTx)
        {
            Send(final: false);
            // 6.8.7: "The periodic transmission of BFD Control packets MUST be jittered on a per-packet basis by up to
            // 25%, that is, the interval MUST be reduced by a random value of 0 to 25%".
            _nextTx = now + Jittered(TransmitInterval);
        }
    }

    /// <summary>Brings the next periodic packet forward when the interval has become shorter than the wait.</summary>
    private void RescheduleTransmission(TimeSpan now)
    {
        if (_nextTx > now + TransmitInterval) _nextTx = now + Jittered(TransmitInterval);
    }

    /// <summary>6.8.7: 75-100% of the interval; "If bfd.DetectMult is equal to 1, the interval between transmitted BFD
    /// Control packets MUST be no more than 90% of the negotiated transmission interval, and MUST be no less than 75%".</summary>
    private TimeSpan Jittered(TimeSpan interval)
    {
        double max = _settings.Multiplier == 1 ? 0.90 : 1.0;
        return TimeSpan.FromTicks((long)(interval.Ticks * (0.75 + _random.NextDouble() * (max - 0.75))));
    }

    // =====================================================================================
    // Administrative control and configuration changes
    // =====================================================================================

    /// <summary>6.8.16 Administrative Control: AdminDown with diagnostic 7, sent for one Detection Time (at least three
    /// packets); <paramref name="down"/> false returns the session to Down.</summary>
    public void SetAdminDown(bool down, TimeSpan now)
    {
        if (down && State != BfdState.AdminDown)
        {
            // "set bfd.SessionState to AdminDown ... bfd.LocalDiag to an appropriate value" (7, Administratively Down).
            Transition(BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown, now);
            var linger = DetectionTime > TimeSpan.Zero ? DetectionTime : 3 * TransmitInterval;
            _adminDownUntil = now + (linger < 3 * TransmitInterval ? 3 * TransmitInterval : linger);
            Send(final: false);
            _nextTx = now + Jittered(TransmitInterval);
        }
        else if (!down && State == BfdState.AdminDown)
        {
            _adminDownUntil = null;
            Transition(BfdState.Down, BfdDiagnostic.AdministrativelyDown, now);
            _nextTx = now;
        }
    }

    /// <summary>New intervals or multiplier at run time (a configuration reload): 6.8.3, "If either
    /// bfd.DesiredMinTxInterval or bfd.RequiredMinRxInterval is changed, a Poll Sequence MUST be initiated".</summary>
    public void Reconfigure(BfdSettings settings, TimeSpan now)
    {
        _settings = settings;
        uint rx = Micros(settings.MinRx);
        bool changed = rx != RequiredMinRx;
        // "If bfd.RequiredMinRxInterval is reduced and bfd.SessionState is Up, the previous value of
        // bfd.RequiredMinRxInterval MUST be used when calculating the Detection Time for the remote system until the
        // Poll Sequence described above has terminated." A raised one applies at once.
        if (rx > RequiredMinRx || State != BfdState.Up) _rxForDetection = rx;
        RequiredMinRx = rx;
        if (State == BfdState.Up) changed |= SetDesiredMinTx(Micros(settings.MinTx));
        if (changed) StartPoll();
        RescheduleTransmission(now);
    }

    /// <summary>Sets bfd.DesiredMinTxInterval; true when it changed. 6.8.3: "If bfd.DesiredMinTxInterval is increased
    /// and bfd.SessionState is Up, the actual transmission interval used MUST NOT change until the Poll Sequence
    /// described above has terminated." A reduction applies at once.</summary>
    private bool SetDesiredMinTx(uint tx)
    {
        if (tx == DesiredMinTx) return false;
        if (tx < DesiredMinTx || State != BfdState.Up) _txInUse = tx;
        DesiredMinTx = tx;
        return true;
    }

    /// <summary>6.5: "the system sends periodic BFD Control packets with the Poll (P) bit set" until a Final arrives.</summary>
    private void StartPoll()
    {
        if (State == BfdState.AdminDown) return;
        _pollActive = true;
    }

    private void Transition(BfdState to, BfdDiagnostic diagnostic, TimeSpan now)
    {
        var from = State;
        State = to;
        LocalDiagnostic = diagnostic;
        LastStateChange = now;
        if (to == BfdState.Up)
        {
            Counters.UpTransitions++;
            // 6.8.3: the 1 s floor applies only while not Up; Up, the configured interval is announced with a Poll.
            if (SetDesiredMinTx(Micros(_settings.MinTx))) StartPoll();
        }
        else
        {
            if (from == BfdState.Up) Counters.DownTransitions++;
            // Back to at least one second (6.8.3); a raised interval while not Up applies at once.
            SetDesiredMinTx(Math.Max(Micros(_settings.MinTx), SlowTxMicros));
            _pollActive = false;
            _rxForDetection = RequiredMinRx;
        }
        _sink.StateChanged(this, from, to, diagnostic);
    }

    /// <summary>6.8.7 "Transmitting BFD Control Packets": the contents of every packet we send.</summary>
    private void Send(bool final)
    {
        var packet = new BfdControlPacket
        {
            Version = BfdControlPacket.ProtocolVersion,
            Diagnostic = LocalDiagnostic,
            State = State,
            // "Poll (P): Set to 1 if the local system is sending a Poll Sequence, or 0 if not." A Final never carries it.
            Poll = _pollActive && !final,
            Final = final,
            // "Control Plane Independent (C): ... 0 if ... shares fate with its control plane": we are a process.
            ControlPlaneIndependent = false,
            AuthenticationPresent = _settings.Keys.Count > 0,
            // "Demand (D): Set to bfd.DemandMode": we never ask for Demand mode.
            Demand = false,
            Multipoint = false,
            DetectMult = _settings.Multiplier,
            MyDiscriminator = LocalDiscriminator,
            YourDiscriminator = RemoteDiscriminator,
            DesiredMinTxInterval = DesiredMinTx,
            RequiredMinRxInterval = RequiredMinRx,
            // "Required Min Echo RX Interval: Set to bfd.RequiredMinEchoRxInterval": zero, we do not loop echoes back.
            RequiredMinEchoRxInterval = 0,
        };
        Counters.PacketsSent++;
        _sink.Transmit(this, packet);
    }

    /// <summary>The sequence number for the next signed packet. 6.7.3: "For Keyed MD5 Authentication, bfd.XmitAuthSeq
    /// MAY be incremented in a circular fashion ... For Meticulous Keyed MD5, bfd.XmitAuthSeq MUST be incremented in a
    /// circular fashion" each packet. We increment it for every packet either way.</summary>
    public uint NextAuthSequence() => unchecked(_xmitAuthSeq++);
}
