using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using TransportClose = AkkaBgp.Transport.Close;

namespace AkkaBgp.Session;

/// <summary>
/// The per-neighbor BGP finite state machine, RFC 4271 section 8. One <c>When</c> block per state, one case
/// per event; every transition names the Event (8.1) it implements and quotes the 8.2.2 text.
/// <para>
/// The FSM never touches a socket. It asks <c>connector</c> to dial (<see cref="Transport.Connect"/>), is
/// handed inbound connections (<see cref="Accepted"/>) by the listener, and speaks to connection actors with
/// <see cref="Register"/>/<see cref="Reconfigure"/>/<see cref="Send"/>/<see cref="TransportClose"/>.
/// Routes go to <c>rib</c> as <see cref="PeerUp"/>/<see cref="PeerUpdate"/>/<see cref="PeerRouteRefresh"/>/<see cref="PeerDown"/>.
/// Every state change is published on the EventStream as <see cref="SessionStateChanged"/>.
/// </para>
/// <para>
/// Connection collisions (RFC 4271 6.8) are handled in one place: before a state's switch runs, a message from the
/// transport is classified (<see cref="Classify"/>) as about the session's connection (the state's event), about
/// another connection (the collision handler), or stale (dropped). The cause of a transition (event, reason,
/// NOTIFICATION) travels with it in the state data (<see cref="SessionData.Cause"/>).
/// </para>
/// </summary>
public sealed class BgpFsm : FSM<SessionState, SessionData>
{
    public const string ConnectRetryTimer = "ConnectRetryTimer";
    public const string HoldTimer = "HoldTimer";
    public const string KeepaliveTimer = "KeepaliveTimer";
    public const string DelayOpenTimer = "DelayOpenTimer";
    public const string IdleHoldTimer = "IdleHoldTimer";
    /// <summary>Not an RFC timer: resets the damped IdleHoldTime after a stable period in Established.</summary>
    public const string StableTimer = "IdleHoldStableTimer";

    /// <summary>How long a connection may take to flush a NOTIFICATION before it is dropped anyway.</summary>
    public static readonly TimeSpan NotificationFlushDeadline = TimeSpan.FromSeconds(3);

    private readonly NeighborSettings _settings;
    // RFC 4724 section 3: the Restart State bit goes in our OPENs after a restart until the session is back.
    private bool _restarted;
    // The NOTIFICATION that is taking the session to Idle (Events 24, 25), for the tap's Down (ToIdle).
    private NotificationMessage? _notificationReceived;
    // The NOTIFICATION that ended the session (sent after any Hard Reset wrapping, or received), for PeerDown.
    private NotificationMessage? _endingNotification;
    // The connection told to StartTap, which alone is told EndTap.
    private IActorRef? _tapped;
    private readonly IActorRef _connector;
    private readonly IActorRef _rib;
    private readonly NeighborCounters _counters = new();
    private readonly SpeakerClock _clock;
    private readonly ILoggingAdapter Log;
    private long _attempts;
    // Which AdministrativeReset the queued RestartAfterReset belongs to; a ManualStop in Idle moves it on.
    private long _resetGeneration;
    // When the peer last sent a KEEPALIVE or UPDATE (SpeakerClock), for the HoldTimer.
    private TimeSpan _lastHeard;
    // Akka's Initialize() runs the transition handlers for the initial state (Idle -> Idle); that is not a
    // session state change, so Transitioned ignores it.
    private bool _initialized;

    /// <summary>BFD strict mode holds the session in Idle (<see cref="BfdStrictHold"/>); held from the start when
    /// configured, until the BFD client says the session is Up.</summary>
    private bool _bfdHold;
    /// <summary>The start that strict mode held back, made when BFD comes Up.</summary>
    private (bool Passive, int Event)? _heldStart;

    /// <param name="connector">Dials the peer on <see cref="Transport.Connect"/>; answers <see cref="Connected"/>/<see cref="TcpConnectionFails"/>.</param>
    /// <param name="rib">Receives PeerUp, PeerUpdate, PeerRouteRefresh and PeerDown.</param>
    public BgpFsm(NeighborSettings settings, IActorRef connector, IActorRef rib)
    {
        _settings = settings;
        _restarted = settings.Capabilities.Restarted;
        _connector = connector;
        _rib = rib;
        _clock = SpeakerClock.For(Context.System);
        _bfdHold = settings.Bfd?.Strict == true;
        // Every line this session logs carries the neighbor, so one neighbor's story can be filtered out of the log.
        Log = Context.GetLogger().WithContext("NeighborAddress", settings.PeerAddress.ToString()).WithContext("NeighborAs", settings.PeerAs);

        StartWith(SessionState.Idle, new SessionData
        {
            IdleHoldTime = settings.IdleHoldTime,
            Passive = settings.PassiveTcpEstablishment,
        });
        When(SessionState.Idle, Classified(Idle));
        When(SessionState.Connect, Classified(Connect));
        When(SessionState.Active, Classified(Active));
        When(SessionState.OpenSent, Classified(OpenSent));
        When(SessionState.OpenConfirm, Classified(OpenConfirm));
        When(SessionState.Established, Classified(Established));
        WhenUnhandled(AnyState);
        OnTransition(Transitioned);
        OnTermination(Stopped);
        Initialize();
        _initialized = true;
    }

    public static Props Props(NeighborSettings settings, IActorRef connector, IActorRef rib) =>
        Akka.Actor.Props.Create(() => new BgpFsm(settings, connector, rib));

    private IPAddress Peer => _settings.PeerAddress;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        _counters.DownSince = Now;
        Context.System.EventStream.Publish(new FsmStarted(Peer, Self));
    }

    // =====================================================================================
    // Idle
    // =====================================================================================

    private State<SessionState, SessionData>? Idle(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStart:
                // Event 1 (Event 4 when configured passive): "initializes all BGP resources for the peer
                // connection, sets ConnectRetryCounter to zero, starts the ConnectRetryTimer with the initial
                // value, initiates a TCP connection to the other BGP peer, listens for a connection that may
                // be initiated by the remote BGP peer, and changes its state to Connect" (Active when passive).
                CancelTimer(IdleHoldTimer);
                return Start(d, _settings.PassiveTcpEstablishment, _settings.PassiveTcpEstablishment
                    ? BgpEvent.ManualStartWithPassiveTcpEstablishment : BgpEvent.ManualStart);

            case ManualStartWithPassiveTcpEstablishment:
                // Event 4: as Event 1, but only listening, and the state becomes Active.
                CancelTimer(IdleHoldTimer);
                return Start(d, true, BgpEvent.ManualStartWithPassiveTcpEstablishment);

            case AutomaticStart when d.HeldDown:
                // Held down after the maximum-prefix limit (see MaxPrefixStop): only the restart interval or an
                // operator's ManualStart starts the session again.
                Log.Info("{Peer}: AutomaticStart ignored, held down after exceeding its maximum prefixes", Peer);
                return Stay();

            case AutomaticStart when !_settings.AllowAutomaticStart:
                Log.Info("{Peer}: AutomaticStart ignored, AllowAutomaticStart is off", Peer);
                return Stay();

            case AutomaticStart when IsTimerActive(IdleHoldTimer):
                // Events 6/7 with DampPeerOscillations: the session restarts only when the IdleHoldTimer
                // expires, "to prevent peer oscillations" (8.2.1.5 leaves the method to us).
                return Stay();

            case AutomaticStart:
                // Events 3, 5, 6, 7: as Events 1/4 (8.2.2 Idle).
                return Start(d, d.Passive, AutomaticStartEvent(d.Passive));

            case IdleHoldTimerExpires when d.HeldDown:
                // The maximum-prefix restart interval is over: restart as configured for it, whether or not
                // AllowAutomaticStart (the interval is the operator's explicit request for a restart).
                return Start(d, d.Passive, BgpEvent.IdleHoldTimerExpires);

            case MaxPrefixExceeded m:
                // The session is already down (the plain AutomaticStop got there first, or it failed meanwhile):
                // still honour the restart interval.
                return Stay().Using(HoldDown(d, m));

            case IdleHoldTimerExpires when _settings.AllowAutomaticStart:
                // Event 13: the damped wait is over; the system re-issues the automatic start.
                return Start(d, d.Passive, BgpEvent.IdleHoldTimerExpires);

            case ManualStop:
                // Event 2: "The ManualStop event ... is ignored in the Idle state." Deviation: we cancel a pending
                // automatic restart, and the restart half of a reset still queued, so that a stopped session stays down.
                CancelTimer(IdleHoldTimer);
                _resetGeneration++;
                _heldStart = null;
                return Stay();

            case RestartAfterReset r when r.Generation == _resetGeneration:
                // Second half of AdministrativeReset: ManualStart the way the session last started.
                return Start(d, r.Passive, r.Passive ? BgpEvent.ManualStartWithPassiveTcpEstablishment : BgpEvent.ManualStart);

            case RestartAfterReset:
                // A ManualStop arrived between the reset's two halves: the operator's stop stands.
                return Stay();

            case AdministrativeReset:
                // ManualStop is ignored in Idle; the ManualStart half starts the session.
                CancelTimer(IdleHoldTimer);
                return Start(d, d.Passive, d.Passive ? BgpEvent.ManualStartWithPassiveTcpEstablishment : BgpEvent.ManualStart);

            case Accepted a:
                // Event 14 in Idle: "the BGP FSM will refuse to allow incoming connections" (8.2.2 Idle).
                Log.Info("{Peer}: refusing connection from {Remote} in Idle", Peer, a.Remote);
                a.Connection.Tell(new TransportClose(TimeSpan.Zero), Self);
                return Stay();

            case AutomaticStop:
                // Event 8: ignored in Idle.
                return Stay();

            default:
                // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change in the state."
                return null;
        }
    }

    private int AutomaticStartEvent(bool passive) => (_settings.DampPeerOscillations, passive) switch
    {
        (false, false) => BgpEvent.AutomaticStart,
        (false, true) => BgpEvent.AutomaticStartWithPassiveTcpEstablishment,
        (true, false) => BgpEvent.AutomaticStartWithDampPeerOscillations,
        (true, true) => BgpEvent.AutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment,
    };

    private State<SessionState, SessionData> Start(SessionData d, bool passive, int evt)
    {
        if (_bfdHold)
        {
            // BFD strict mode: the session is not started while its BFD session is not Up (the strict-mode draft's
            // aim, "prevent a BGP session from being established until a BFD session is established", applied
            // before the connection rather than in OpenConfirm: a peer that reached Established first would send
            // UPDATEs we could only answer with an FSM error). Remembered, and made when BFD comes Up.
            if (_heldStart is null) Log.Info("{Peer}: start ({Event}) held until the BFD session is Up (strict mode)", Peer, BgpEvent.Name(evt));
            _heldStart = (passive, evt);
            return Stay();
        }
        _heldStart = null;
        StartConnectRetryTimer();
        var data = d with { ConnectRetryCounter = 0, Passive = passive, HeldDown = false };
        return passive
            ? Go(SessionState.Active, data, evt)
            : Go(SessionState.Connect, Dial(data), evt);
    }

    // =====================================================================================
    // Connect
    // =====================================================================================

    private State<SessionState, SessionData>? Connect(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStop or AdministrativeReset:
                // Event 2: "drops the TCP connection, releases all BGP resources, sets ConnectRetryCounter to
                // zero, stops the ConnectRetryTimer and sets ConnectRetryTimer to zero, and changes its state to Idle."
                return AdministrativeStop(d, notify: false, e.FsmEvent);

            case ConnectRetryTimerExpires:
                // Event 9: "drops the TCP connection, restarts the ConnectRetryTimer, stops the DelayOpenTimer and
                // resets the timer to zero, initiates a TCP connection to the other BGP peer, continues to listen
                // for a connection that may be initiated by the remote BGP peer, and stays in the Connect state."
                return Stay().Using(Redial(d));

            case DelayOpenTimerExpires when d.Connection is not null:
                // Event 12: "sends an OPEN message to its peer, sets the HoldTimer to a large value, and changes
                // its state to OpenSent."
                return SendOpen(d, BgpEvent.DelayOpenTimerExpires);

            case Connected c:
                // Events 16/17: see ConnectionUp.
                return ConnectionUp(d with { DialAttempt = 0 }, FromConnected(c), BgpEvent.TcpCrAcked);

            case Accepted a:
                // Events 14 + 17: the listener validated the source (14) and the connection is up (17).
                return ConnectionUp(d, FromAccepted(a), BgpEvent.TcpConnectionConfirmed);

            case TcpConnectionFails { Connection: null } f:
                // Event 18 for our dial (no connection yet, so the DelayOpenTimer is not running): "stops the
                // ConnectRetryTimer to zero, drops the TCP connection, releases all BGP resources, and changes its
                // state to Idle."
                return ToIdle(d with { DialAttempt = 0 }, BgpEvent.TcpConnectionFails, $"connect failed: {f.Reason}", null, RetryCount.Keep);

            case TcpConnectionFails f:
                // Event 18 for the connection waiting out its DelayOpenTimer: "If the DelayOpenTimer is running, the
                // local system: restarts the ConnectRetryTimer, stops the DelayOpenTimer and resets its value to
                // zero, continues to listen for a connection that may be initiated by the remote BGP peer, and
                // changes its state to Active."
                CancelTimer(DelayOpenTimer);
                StartConnectRetryTimer();
                return Go(SessionState.Active, d with { Connection = null }, BgpEvent.TcpConnectionFails, $"connection closed: {f.Reason}");

            default:
                return DelayOpenEvents(e, d);
        }
    }

    // =====================================================================================
    // Active
    // =====================================================================================

    private State<SessionState, SessionData>? Active(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStop or AdministrativeReset:
                // Event 2: "If the DelayOpenTimer is running and the SendNOTIFICATIONwithoutOPEN session attribute
                // is set, the local system sends a NOTIFICATION with a Cease, releases all BGP resources including
                // stopping the DelayOpenTimer, drops the TCP connection, sets ConnectRetryCounter to zero, stops
                // the ConnectRetryTimer and sets the ConnectRetryTimer to zero, and changes its state to Idle."
                return AdministrativeStop(d, NotifyWithoutOpen(d), e.FsmEvent);

            case ConnectRetryTimerExpires when d.Passive:
                // Deviation: PassiveTcpEstablishment means we never dial; the timer just keeps running.
                StartConnectRetryTimer();
                return Stay();

            case ConnectRetryTimerExpires:
                // Event 9: "restarts the ConnectRetryTimer (with initial value), initiates a TCP connection to the
                // other BGP peer, continues to listen for a TCP connection that may be initiated by a remote BGP
                // peer, and changes its state to Connect."
                return Go(SessionState.Connect, Redial(d), BgpEvent.ConnectRetryTimerExpires);

            case DelayOpenTimerExpires when d.Connection is not null:
                // Event 12: "sets the ConnectRetryTimer to zero, stops and clears the DelayOpenTimer (set to zero),
                // completes the BGP initialization, sends the OPEN message to its remote peer, sets its hold timer
                // to a large value, and changes its state to OpenSent."
                CancelTimer(ConnectRetryTimer);
                return SendOpen(d, BgpEvent.DelayOpenTimerExpires);

            case Accepted a:
                // Events 14 + 17: see ConnectionUp.
                return ConnectionUp(d, FromAccepted(a), BgpEvent.TcpConnectionConfirmed);

            case Connected c:
                // Event 16 for a dial started in Connect.
                return ConnectionUp(d with { DialAttempt = 0 }, FromConnected(c), BgpEvent.TcpCrAcked);

            case TcpConnectionFails { Connection: null }:
                // Deviation: Event 18 for a dial started in Connect, before there is a connection. Active is the
                // listening state, so the row below (about a connection) does not apply: we keep listening.
                return Stay().Using(d with { DialAttempt = 0 });

            case TcpConnectionFails f:
                // Event 18: "restarts the ConnectRetryTimer (with the initial value), stops and clears the
                // DelayOpenTimer (sets the value to zero), releases all BGP resource, increments the
                // ConnectRetryCounter by 1, optionally performs peer oscillation damping if the
                // DampPeerOscillations attribute is set to TRUE, and changes its state to Idle."
                return ToIdle(d, BgpEvent.TcpConnectionFails, $"connection closed: {f.Reason}", null, RetryCount.Increment);

            default:
                return DelayOpenEvents(e, d);
        }
    }

    /// <summary>
    /// The rows Connect and Active share: messages on a connection whose DelayOpenTimer runs (Events 20,
    /// 21, 22, 24) and "any other event" (8, 10, 11, 13, 19, 23, 25-28).
    /// </summary>
    private State<SessionState, SessionData>? DelayOpenEvents(Event<SessionData> e, SessionData d)
    {
        switch (e.FsmEvent)
        {
            case Received { Message: OpenMessage open } when IsTimerActive(DelayOpenTimer):
                // Event 20: "stops the ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero,
                // completes the BGP initialization, stops and clears the DelayOpenTimer (sets the value to zero),
                // sends an OPEN message, sends a KEEPALIVE message, if the HoldTimer initial value is non-zero,
                // starts the KeepaliveTimer with the initial value and resets the HoldTimer to the negotiated
                // value, else, if the HoldTimer initial value is zero, resets the KeepaliveTimer and resets the
                // HoldTimer value to zero, and changes its state to OpenConfirm."
                if (!OpenExchange.TryNegotiate(_settings, open, out var session, out var error, out var why))
                {
                    // Event 22: "(optionally) If the SendNOTIFICATIONwithoutOPEN attribute is set to TRUE, then
                    // the local system first sends a NOTIFICATION message with the appropriate error code".
                    return ToIdle(d, BgpEvent.BgpOpenMsgErr, $"bad OPEN: {why}",
                        _settings.SendNotificationWithoutOpen ? error : null, RetryCount.Increment);
                }
                CancelTimer(ConnectRetryTimer);
                CancelTimer(DelayOpenTimer);
                SendMessage(d.Connection!.Ref, OpenExchange.BuildOpen(_settings, _restarted));
                return EnterOpenConfirm(d, open, session!, BgpEvent.BgpOpenWithDelayOpenTimerRunning, null);

            case ReceiveFailed f:
                // Events 21/22: "(optionally) sends a NOTIFICATION message with the appropriate error code if the
                // SendNOTIFICATIONwithoutOPEN attribute is set to TRUE, sets the ConnectRetryTimer to zero,
                // releases all BGP resources, drops the TCP connection, increments the ConnectRetryCounter by 1,
                // (optionally) performs peer oscillation damping ..., and changes its state to Idle."
                return ToIdle(d, ReceiveFailedEvent(f), $"receive error: {f.Error}",
                    _settings.SendNotificationWithoutOpen ? NotificationMessage.From(f.Error) : null, RetryCount.Increment);

            case Received { Message: NotificationMessage n } when IsVersionError(n) && IsTimerActive(DelayOpenTimer):
                // Event 24 with the DelayOpenTimer running: "stops the ConnectRetryTimer (if running) and sets the
                // ConnectRetryTimer to zero, stops and resets the DelayOpenTimer (sets to zero), releases all BGP
                // resources, drops the TCP connection, and changes its state to Idle." (No increment: the peer
                // may retry with another version.)
                return NotificationReceived(d, n, RetryCount.Keep);

            case Received r:
                // Events 19, 24, 25-27 and ROUTE-REFRESH are "any other event": "sets the ConnectRetryTimer to
                // zero, releases all BGP resources, drops the TCP connection, increments the ConnectRetryCounter
                // by 1, performs peer oscillation damping ..., and changes its state to Idle."
                return ToIdle(d, MessageEvent(r.Message), Unexpected(r.Message), null, RetryCount.Increment);

            case SendHoldTimerExpired:
                // Event 29 (RFC 9687) is "any other event" here too: no OPEN was sent, so no NOTIFICATION.
                return ToIdle(d, BgpEvent.SendHoldTimerExpires, "send hold timer expired", null, RetryCount.Increment);

            case AutomaticStop or MaxPrefixExceeded:
                // Event 8 is "any other event" here: no OPEN was sent, so no NOTIFICATION either. (A maximum-prefix
                // stop here is about a session that has already ended; the new attempt is still held down.)
                return AutomaticStopped(d, e.FsmEvent, notify: false);

            case HoldTimerExpires or KeepaliveTimerExpires or IdleHoldTimerExpires:
                // Events 10, 11, 13 ("any other event"); these timers do not run in Connect/Active, so
                // only a stray timer message gets here.
                return StrayTimer(d, e.FsmEvent, notify: false);

            default:
                return null;
        }
    }

    /// <summary>
    /// Events 16/17 in Connect and Active: "If the DelayOpen attribute is set to TRUE, the local system: stops
    /// the ConnectRetryTimer and sets the ConnectRetryTimer to zero, sets the DelayOpenTimer to the initial
    /// value, and stays in the [current] state." Else: "stops the ConnectRetryTimer and sets the ConnectRetryTimer
    /// to zero, completes BGP initialization, sends an OPEN message to its peer, sets the HoldTimer to a large
    /// value, and changes its state to OpenSent."
    /// </summary>
    private State<SessionState, SessionData> ConnectionUp(SessionData d, PeerConnection connection, int evt)
    {
        RegisterConnection(connection.Ref);
        CancelTimer(ConnectRetryTimer);
        var data = d with { Connection = connection };
        if (_settings.DelayOpen)
        {
            SetTimer(DelayOpenTimer, DelayOpenTimerExpires.Instance, _settings.DelayOpenTime);
            return Stay().Using(data);
        }
        return SendOpen(data, evt);
    }

    private State<SessionState, SessionData> SendOpen(SessionData d, int evt)
    {
        CancelTimer(DelayOpenTimer);
        SendMessage(d.Connection!.Ref, OpenExchange.BuildOpen(_settings, _restarted));
        // The "large value" for the HoldTimer in OpenSent (8.2.2, suggested 4 minutes).
        SetTimer(HoldTimer, HoldTimerExpires.Instance, _settings.OpenSentHoldTime);
        return Go(SessionState.OpenSent, d, evt);
    }

    // =====================================================================================
    // OpenSent
    // =====================================================================================

    private State<SessionState, SessionData>? OpenSent(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStop or AdministrativeReset:
                // Event 2: "sends the NOTIFICATION with a Cease, sets the ConnectRetryTimer to zero, releases all
                // BGP resources, drops the TCP connection, sets the ConnectRetryCounter to zero, and changes its
                // state to Idle."
                return AdministrativeStop(d, notify: true, e.FsmEvent);

            case AutomaticStop or MaxPrefixExceeded:
                // Event 8: "sends the NOTIFICATION with a Cease, ..., increments the ConnectRetryCounter by 1, ...
                // and changes its state to Idle."
                return AutomaticStopped(d, e.FsmEvent, notify: true);

            case HoldTimerExpires:
                // Event 10: "sends a NOTIFICATION message with the error code Hold Timer Expired, ..., increments
                // the ConnectRetryCounter, ... and changes its state to Idle."
                return ToIdle(d, BgpEvent.HoldTimerExpires, "hold timer expired (no OPEN from the peer)",
                    new NotificationMessage(ErrorCode.HoldTimerExpired, 0), RetryCount.Increment);

            case TcpConnectionFails f:
                // Event 18: "closes the BGP connection, restarts the ConnectRetryTimer, continues to listen for a
                // connection that may be initiated by the remote BGP peer, and changes its state to Active."
                // (With a second connection waiting, the session carries on with that one: see Handover.)
                StartConnectRetryTimer();
                CancelTimer(HoldTimer);
                return Go(SessionState.Active, d with { Connection = null }, BgpEvent.TcpConnectionFails, $"connection closed: {f.Reason}");

            case Received { Message: OpenMessage open }:
                // Event 19: "resets the DelayOpenTimer to zero, sets the BGP ConnectRetryTimer to zero, sends a
                // KEEPALIVE message, and sets a KeepaliveTimer, sets the HoldTimer according to
                // the negotiated value (see Section 4.2), changes its state to OpenConfirm." A second connection
                // still waiting for its OPEN is resolved (6.8) when that OPEN arrives.
                if (!OpenExchange.TryNegotiate(_settings, open, out var session, out var error, out var why))
                {
                    // Event 22: "sends a NOTIFICATION message with the appropriate error code, ..., increments the
                    // ConnectRetryCounter by 1, ... and changes its state to Idle."
                    return ToIdle(d, BgpEvent.BgpOpenMsgErr, $"bad OPEN: {why}", error, RetryCount.Increment);
                }
                return EnterOpenConfirm(d, open, session!, BgpEvent.BgpOpen, null);

            case ReceiveFailed f:
                // Events 21/22: "sends a NOTIFICATION message with the appropriate error code, sets the
                // ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, increments the
                // ConnectRetryCounter by 1, ... and changes its state to Idle."
                return ReceiveError(d, f);

            case Received { Message: NotificationMessage n } when IsVersionError(n):
                // Event 24: "sets the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP
                // connection, and changes its state to Idle."
                return NotificationReceived(d, n, RetryCount.Keep);

            case Received { Message: NotificationMessage n }:
                // Event 25 is listed among "any other event", which would answer with an FSM Error. Deviation: we never
                // answer a NOTIFICATION with one (the peer has already closed), but otherwise follow that row.
                return NotificationReceived(d, n, RetryCount.Increment);

            case Received r:
                // Events 26-27, ROUTE-REFRESH: RFC 6608 section 3, "Receive Unexpected Message in OpenSent State"
                // with the message type in the data field; then the "any other event" row.
                return UnexpectedMessageRow(d, MessageEvent(r.Message), r.Message, FsmSubcode.UnexpectedMessageInOpenSent);

            case SendHoldTimerExpired:
                // Event 29 (RFC 9687): see SendHoldExpired.
                return SendHoldExpired(d);

            case ConnectRetryTimerExpires or KeepaliveTimerExpires or DelayOpenTimerExpires or IdleHoldTimerExpires:
                // Events 9, 11, 12, 13: "any other event": FSM Error (subcode 0: not a message), counted, Idle.
                return StrayTimer(d, e.FsmEvent, notify: true);

            default:
                return null;
        }
    }

    // =====================================================================================
    // OpenConfirm
    // =====================================================================================

    private State<SessionState, SessionData>? OpenConfirm(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStop or AdministrativeReset:
                // Event 2: "sends the NOTIFICATION message with a Cease, releases all BGP resources, drops the TCP
                // connection, sets the ConnectRetryCounter to zero, sets the ConnectRetryTimer to zero, and changes
                // its state to Idle."
                return AdministrativeStop(d, notify: true, e.FsmEvent);

            case AutomaticStop or MaxPrefixExceeded:
                // Event 8: "sends the NOTIFICATION message with a Cease, ..., increments the ConnectRetryCounter by
                // 1, ... and changes its state to Idle."
                return AutomaticStopped(d, e.FsmEvent, notify: true);

            case HoldTimerExpires:
                // Event 10: "sends the NOTIFICATION message with the Error Code Hold Timer Expired, ...,
                // increments the ConnectRetryCounter by 1, ... and changes its state to Idle." (Unless the peer
                // spoke since the timer was armed: see RestartHoldTimer.)
                return HoldTimerExpired(d);

            case KeepaliveTimerExpires:
                // Event 11: "sends a KEEPALIVE message, restarts the KeepaliveTimer, and remains in the
                // OpenConfirmed state." (The timer is periodic.)
                return SendKeepalive(d);

            case TcpConnectionFails f:
                // Event 18: "sets the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP
                // connection, increments the ConnectRetryCounter by 1, ... and changes its state to Idle."
                // (With a second connection waiting, the session carries on with that one: see Handover.)
                return ToIdle(d, BgpEvent.TcpConnectionFails, $"connection closed: {f.Reason}", null, RetryCount.Increment);

            case ReceiveFailed f:
                // Events 21/22: "sends a NOTIFICATION message with the appropriate error code, ..., increments the
                // ConnectRetryCounter by 1, ... and changes its state to Idle."
                return ReceiveError(d, f);

            case Received { Message: NotificationMessage n } when IsVersionError(n):
                // Event 24: "sets the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP
                // connection, and changes its state to Idle."
                return NotificationReceived(d, n, RetryCount.Keep);

            case Received { Message: NotificationMessage n }:
                // Event 25: "sets the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP
                // connection, increments the ConnectRetryCounter by 1, and changes its state to Idle."
                return NotificationReceived(d, n, RetryCount.Increment);

            case Received { Message: KeepaliveMessage }:
                // Event 26: "restarts the HoldTimer and changes its state to Established."
                return EnterEstablished(d);

            case Received r:
                // A second OPEN, an UPDATE or a ROUTE-REFRESH on this connection: RFC 6608 "Receive Unexpected
                // Message in OpenConfirm State", then the "any other event" row (counted, Idle).
                return UnexpectedMessageRow(d, MessageEvent(r.Message), r.Message, FsmSubcode.UnexpectedMessageInOpenConfirm);

            case SendHoldTimerExpired:
                // Event 29 (RFC 9687): see SendHoldExpired.
                return SendHoldExpired(d);

            case ConnectRetryTimerExpires or DelayOpenTimerExpires or IdleHoldTimerExpires:
                // Events 9, 12, 13: "any other event": FSM Error, counted, Idle.
                return StrayTimer(d, e.FsmEvent, notify: true);

            default:
                return null;
        }
    }

    private State<SessionState, SessionData> EnterOpenConfirm(SessionData d, OpenMessage open, NegotiatedSession session, int evt, string? reason)
    {
        var connection = d.Connection!.Ref;
        CancelTimer(DelayOpenTimer);
        CancelTimer(ConnectRetryTimer);
        // The connection decodes UPDATEs with the negotiated rules, and RFC 9687's send hold time
        // follows the negotiated hold time.
        connection.Tell(new Reconfigure(session.Decode(_settings), session.UpdateDecode(_settings),
            _settings.SendHoldTimeFor(session.HoldTime), session.MaxSendLength), Self);
        // Before our KEEPALIVE, so the tap is on before the peer can send anything in Established.
        if (MessageTap.Get(Context.System).Enabled)
        {
            connection.Tell(new StartTap(_settings.LocalAs, _settings.RouterId, session), Self);
            _tapped = connection;
        }
        SendMessage(connection, KeepaliveMessage.Instance);
        if (session.HoldTime > TimeSpan.Zero)
        {
            SetTimer(KeepaliveTimer, KeepaliveTimerExpires.Instance, session.KeepaliveTime, repeat: true);
            SetTimer(HoldTimer, HoldTimerExpires.Instance, session.HoldTime);
            _lastHeard = _clock.Elapsed;
        }
        else
        {
            // RFC 4271 4.4: a hold time of zero means no KEEPALIVEs and no HoldTimer.
            CancelTimer(KeepaliveTimer);
            CancelTimer(HoldTimer);
        }
        Log.Info("{Peer}: OPEN from {Identifier} AS {As}: {Session}", Peer, open.BgpIdentifierAddress, open.AsNumber, session);
        return Go(SessionState.OpenConfirm, d with { PeerOpen = open, Session = session }, evt, reason);
    }

    // =====================================================================================
    // Established
    // =====================================================================================

    private State<SessionState, SessionData>? Established(Event<SessionData> e)
    {
        var d = e.StateData;
        switch (e.FsmEvent)
        {
            case ManualStop or AdministrativeReset:
                // Event 2: "sends the NOTIFICATION message with a Cease, sets the ConnectRetryTimer to zero,
                // deletes all routes associated with this connection, releases BGP resources, drops the TCP
                // connection, sets the ConnectRetryCounter to zero, and changes its state to Idle."
                return AdministrativeStop(d, notify: true, e.FsmEvent);

            case AutomaticStop or MaxPrefixExceeded:
                // Event 8: "sends a NOTIFICATION with a Cease, ..., deletes all routes ..., increments the
                // ConnectRetryCounter by 1, ... and changes its state to Idle."
                return AutomaticStopped(d, e.FsmEvent, notify: true);

            case HoldTimerExpires:
                // Event 10: "sends a NOTIFICATION message with the Error Code Hold Timer Expired, ...,
                // increments the ConnectRetryCounter by 1, ... and changes its state to Idle." (Unless the peer
                // spoke since the timer was armed: see RestartHoldTimer.)
                return HoldTimerExpired(d);

            case KeepaliveTimerExpires:
                // Event 11: "sends a KEEPALIVE message, and restarts its KeepaliveTimer, unless the negotiated
                // HoldTime value is zero."
                return SendKeepalive(d);

            case SessionStable:
                // Damping (8.1.1 DampPeerOscillations): a session that stayed up long enough is no longer
                // oscillating, so the next failure waits the first IdleHoldTime again.
                return Stay().Using(d with { IdleHoldTime = _settings.IdleHoldTime });

            case TcpConnectionFails f:
                // Event 18: "sets the ConnectRetryTimer to zero, deletes all routes associated with this
                // connection, releases all the BGP resources, drops the TCP connection, increments the
                // ConnectRetryCounter by 1, and changes its state to Idle."
                return ToIdle(d, BgpEvent.TcpConnectionFails, $"connection closed: {f.Reason}", null, RetryCount.Increment);

            case Received { Message: NotificationMessage n }:
                // Events 24/25: as Event 18.
                return NotificationReceived(d, n, RetryCount.Increment);

            case Received { Message: KeepaliveMessage }:
                // Event 26: "restarts its HoldTimer, if the negotiated HoldTime value is non-zero, and remains in
                // the Established state."
                RestartHoldTimer(d);
                return Stay();

            case Received { Message: BgpUpdate u } r:
                // Event 27: "processes the message, restarts its HoldTimer, if the negotiated HoldTime value is
                // non-zero, and remains in the Established state." Processing is the RIB's, RFC 7606 errors that
                // do not reset the session (treat-as-withdraw, attribute discard) included.
                RestartHoldTimer(d);
                if (r.Errors.Count > 0)
                {
                    Log.Warning("{Peer}: UPDATE with errors: {Errors}", Peer, string.Join("; ", r.Errors));
                    _counters.LastError = "UPDATE: " + string.Join("; ", r.Errors);
                }
                _rib.Tell(new PeerUpdate(Peer, u.Update, r.Errors, r.Connection), Self);
                return Stay();

            case ReceivedUpdates b:
                // Event 27 for each UPDATE of the batch, in order, as above: one hold timer restart covers them (they
                // were read together), the errors are logged per UPDATE and the RIB gets them as one message.
                RestartHoldTimer(d);
                foreach (var u in b.Updates)
                {
                    if (u.Update.Errors.Count == 0) continue;
                    Log.Warning("{Peer}: UPDATE with errors: {Errors}", Peer, string.Join("; ", u.Update.Errors));
                    _counters.LastError = "UPDATE: " + string.Join("; ", u.Update.Errors);
                }
                _rib.Tell(new PeerUpdates(Peer, b.Updates, b.Connection), Self);
                return Stay();

            case Received { Message: RouteRefreshMessage rr } r:
                // RFC 2918 section 4 / RFC 7313 section 5: ignored unless negotiated, or with an unknown subtype.
                if (d.Session is { RouteRefresh: true } && !rr.MustBeIgnored)
                    _rib.Tell(new PeerRouteRefresh(Peer, rr, r.Connection), Self);
                else
                    Log.Info("{Peer}: ignoring {RouteRefresh}", Peer, rr);
                return Stay();

            case ReceiveFailed f:
                // Event 28 (UPDATE): "sends a NOTIFICATION message with an Update error, ..., deletes all routes
                // ..., increments the ConnectRetryCounter by 1, ... and changes its state to Idle." Deviation: a header
                // or ROUTE-REFRESH error gets its own NOTIFICATION too (6.1, RFC 7313 section 5) rather than the FSM
                // Error the "any other event" row names for Event 21.
                return ReceiveError(d, f);

            case Received r:
                // An OPEN on the established connection: RFC 6608 "Receive Unexpected Message in Established
                // State", then the "any other event" row.
                return UnexpectedMessageRow(d, MessageEvent(r.Message), r.Message, FsmSubcode.UnexpectedMessageInEstablished);

            case SendHoldTimerExpired:
                // Event 29 (RFC 9687): see SendHoldExpired.
                return SendHoldExpired(d);

            case ConnectRetryTimerExpires or DelayOpenTimerExpires or IdleHoldTimerExpires:
                // Events 9, 12, 13: "any other event": FSM Error, routes deleted, counted, Idle.
                return StrayTimer(d, e.FsmEvent, notify: true);

            default:
                return null;
        }
    }

    private State<SessionState, SessionData> EnterEstablished(SessionData d)
    {
        RestartHoldTimer(d);
        var data = d;
        if (!_settings.CollisionDetectEstablishedState)
        {
            // 6.8: once Established, a collision closes the newer connection; nothing is left to resolve.
            if (d.Second is { } second) RefuseCollision(second.Ref);
            if (d.DialAttempt != 0) _connector.Tell(new CancelConnect(d.DialAttempt), Self);
            data = d with { Second = null, DialAttempt = 0 };
        }
        return Go(SessionState.Established, data, BgpEvent.KeepAliveMsg);
    }

    /// <summary>
    /// "Restarts the HoldTimer" on every KEEPALIVE and UPDATE. Re-scheduling a timer per UPDATE would cost a
    /// scheduler entry per message during a full-table transfer, so this only notes the time; an expiry that
    /// finds the peer heard from within the hold time re-arms itself for the rest (<see cref="HeardWithinHoldTime"/>).
    /// </summary>
    private void RestartHoldTimer(SessionData d)
    {
        _lastHeard = _clock.Elapsed;
        if (d.Session is { } s && s.HoldTime > TimeSpan.Zero && !IsTimerActive(HoldTimer))
            SetTimer(HoldTimer, HoldTimerExpires.Instance, s.HoldTime);
    }

    private TimeSpan Silence => _clock.Elapsed - _lastHeard;

    private bool HeardWithinHoldTime(SessionData d) =>
        d.Session is { } s && s.HoldTime > TimeSpan.Zero && Silence < s.HoldTime;

    private void RearmHoldTimer(SessionData d) =>
        SetTimer(HoldTimer, HoldTimerExpires.Instance, d.Session!.HoldTime - Silence);

    // =====================================================================================
    // Connection collisions, RFC 4271 section 6.8: classified before the state's switch
    // =====================================================================================

    /// <summary>What a message from the transport is about. Primary: the session's connection, or while it has none a
    /// new connection or the dial in flight. NewConnection: one of those while the session has a connection. Second:
    /// the second connection. Handover: the session's connection failed while a second one waits in OpenSent or
    /// OpenConfirm. Stale: a connection or dial the session has let go of. Session: not from the transport.</summary>
    private enum Origin { Session, Primary, NewConnection, Second, Handover, Stale }

    /// <summary>
    /// Wraps every state's switch: a message from the transport is classified once, so the switches match on events
    /// without asking which connection sent them. The session's own connection's messages reach the state as its
    /// events; another connection's are handled here, the same in every state that can have one.
    /// </summary>
    private StateFunction Classified(StateFunction state) => e =>
    {
        var d = e.StateData;
        var origin = Classify(e.FsmEvent, d);
        if (origin is Origin.Primary or Origin.Second) CountReceived(e.FsmEvent);
        // A batch of UPDATEs is Event 27 once per UPDATE. Only Established takes it whole; anywhere else (or on a
        // second or stale connection) its first UPDATE decides, exactly as a single one would: an FSM error that
        // ends the connection, after which the rest do not matter, or nothing.
        if (e.FsmEvent is ReceivedUpdates batch && !(origin == Origin.Primary && StateName == SessionState.Established))
            e = new Event<SessionData>(new Received(batch.Updates[0], batch.Connection), d);
        switch (origin)
        {
            case Origin.Second: return SecondConnection(e.FsmEvent, d);
            case Origin.NewConnection: return NewConnection(e.FsmEvent, d);
            case Origin.Handover: return Handover((TcpConnectionFails)e.FsmEvent, d);
            case Origin.Stale:
                // A dial we abandoned may still have connected: close what it made. The rest changes nothing.
                if (e.FsmEvent is Connected late) late.Connection.Tell(new TransportClose(TimeSpan.Zero), Self);
                return Stay();
            default: return state(e);
        }
    };

    private Origin Classify(object message, SessionData d)
    {
        IActorRef? from;
        switch (message)
        {
            case Accepted: return d.Connection is null ? Origin.Primary : Origin.NewConnection;
            case Connected c: return DialAnswer(c.Attempt, d);
            case TcpConnectionFails { Connection: null } f: return DialAnswer(f.Attempt, d);
            case TcpConnectionFails f: from = f.Connection; break;
            case Received r: from = r.Connection; break;
            case ReceivedUpdates b: from = b.Connection; break;
            case ReceiveFailed f: from = f.Connection; break;
            case SendHoldTimerExpired s: from = s.Connection; break;
            default: return Origin.Session;
        }
        if (d.Second is { } second && second.Ref.Equals(from)) return Origin.Second;
        if (d.Connection is not { } first || !first.Ref.Equals(from)) return Origin.Stale;
        return message is TcpConnectionFails && d.Second is not null && StateName is SessionState.OpenSent or SessionState.OpenConfirm
            ? Origin.Handover : Origin.Primary;
    }

    /// <summary>Attempt numbers start at 1, so with no dial in flight (DialAttempt 0) every answer is stale.</summary>
    private static Origin DialAnswer(long attempt, SessionData d) =>
        attempt != d.DialAttempt ? Origin.Stale : d.Connection is null ? Origin.Primary : Origin.NewConnection;

    /// <summary>
    /// Events 14, 16/17 and 18 about a connection other than the session's, while it has one. In OpenSent and
    /// OpenConfirm, and in Established with CollisionDetectEstablishedState, a new connection "will be processed"
    /// (6.8): it becomes the second connection, sent our OPEN at once, and the peer's OPEN on it resolves the
    /// collision. Elsewhere it is closed: while Connect/Active wait out a DelayOpenTimer no OPEN was exchanged, so
    /// there is no identifier to compare (the peer's connection gets Cease/7, our own dial is closed silently);
    /// and "unless allowed via configuration, a connection collision with an existing BGP connection that is in
    /// the Established state causes closing of the newly created connection" (Cease/7).
    /// </summary>
    private State<SessionState, SessionData> NewConnection(object message, SessionData d)
    {
        bool detect = StateName is SessionState.OpenSent or SessionState.OpenConfirm
            || (StateName == SessionState.Established && _settings.CollisionDetectEstablishedState);
        switch (message)
        {
            case Accepted a when detect:
                return TrackSecond(d, FromAccepted(a));
            case Connected c when detect:
                return TrackSecond(d with { DialAttempt = 0 }, FromConnected(c));
            case Accepted a:
                RefuseCollision(a.Connection);
                return Stay();
            case Connected c:
                // Only in Connect/Active: without CollisionDetectEstablishedState, EnterEstablished cancels the dial.
                c.Connection.Tell(new TransportClose(TimeSpan.Zero), Self);
                return Stay().Using(d with { DialAttempt = 0 });
            default:
                // Event 18 for the dial in flight: the session carries on with the connection it has.
                return Stay().Using(d with { DialAttempt = 0 });
        }
    }

    /// <summary>
    /// The second connection's messages. It is in OpenSent (our OPEN sent, the peer's awaited), so whatever ends
    /// it follows 8.2.2's OpenSent rows on that connection alone; its OPEN (Event 19) resolves the collision.
    /// </summary>
    private State<SessionState, SessionData> SecondConnection(object message, SessionData d)
    {
        var second = d.Second!;
        switch (message)
        {
            case Received { Message: OpenMessage open }:
                return ResolveCollision(d, open);
            case Received { Message: NotificationMessage n }:
                Log.Info("{Peer}: second connection closed by the peer: {Notification}", Peer, n.Describe());
                CloseConnection(second);
                break;
            case Received r:
                // RFC 6608 "Receive Unexpected Message in OpenSent State".
                CloseWith(second.Ref, UnexpectedMessage(FsmSubcode.UnexpectedMessageInOpenSent, r.Message));
                break;
            case ReceiveFailed f:
                CloseWith(second.Ref, NotificationMessage.From(f.Error));
                break;
            case SendHoldTimerExpired:
                CloseWith(second.Ref, new NotificationMessage(ErrorCode.SendHoldTimerExpired, 0));
                break;
            // TcpConnectionFails: it is gone already.
        }
        return Stay().Using(d with { Second = null });
    }

    /// <summary>
    /// Event 18 on the session's connection while a second one waits for the peer's OPEN: the session carries on
    /// with the second, which 6.8 might have kept anyway (in OpenConfirm that is a step back to OpenSent, as its
    /// OPEN is still due). In Established the connection's failure ends the session (Event 18 there).
    /// </summary>
    private State<SessionState, SessionData> Handover(TcpConnectionFails f, SessionData d)
    {
        var data = d with { Connection = d.Second, Second = null };
        if (StateName == SessionState.OpenSent) return Stay().Using(data);
        CancelTimer(KeepaliveTimer);
        SetTimer(HoldTimer, HoldTimerExpires.Instance, _settings.OpenSentHoldTime);
        return Go(SessionState.OpenSent, data with { PeerOpen = null, Session = null }, BgpEvent.TcpConnectionFails,
            $"connection closed: {f.Reason}; continuing on the other connection");
    }

    private State<SessionState, SessionData> TrackSecond(SessionData d, PeerConnection connection)
    {
        if (d.Second is not null)
        {
            // A third connection to one peer has nothing to resolve against that the second cannot do.
            RefuseCollision(connection.Ref);
            return Stay().Using(d);
        }
        RegisterConnection(connection.Ref);
        SendMessage(connection.Ref, OpenExchange.BuildOpen(_settings, _restarted));
        Log.Info("{Peer}: second connection ({Connection}) while {State}", Peer, connection, StateName);
        return Stay().Using(d with { Second = connection });
    }

    /// <summary>
    /// 6.8: "the local system MUST examine all of its connections that are in the OpenConfirm state ... [and MAY
    /// examine those in OpenSent] if it knows the BGP Identifier of the peer by means outside of the protocol":
    /// the OPEN on the second connection tells it. "If the value of the local BGP Identifier is less than the
    /// remote one, the local system closes the BGP connection that already exists (the one that is already in
    /// the OpenConfirm state), and accepts the BGP connection initiated by the remote system. Otherwise, the
    /// local system closes the newly created BGP connection (the one associated with the newly received OPEN
    /// message), and continues to use the existing one." In terms of who dialled, that keeps the connection
    /// opened by the side with the higher identifier; RFC 6286 section 2.3 breaks a tie with the AS number.
    /// The loser is closed with Cease/7 Connection Collision Resolution (RFC 4486).
    /// </summary>
    private State<SessionState, SessionData> ResolveCollision(SessionData d, OpenMessage open)
    {
        var second = d.Second!;
        if (!OpenExchange.TryNegotiate(_settings, open, out var session, out var error, out var why))
        {
            Log.Warning("{Peer}: bad OPEN on the second connection: {Reason}", Peer, why);
            CloseWith(second.Ref, error!);
            return Stay().Using(d with { Second = null });
        }
        bool keepOutbound = _settings.RouterId != open.BgpIdentifier
            ? _settings.RouterId > open.BgpIdentifier
            : _settings.LocalAs > session!.PeerAs;
        var collision = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution);
        string kept = keepOutbound ? "outbound" : "inbound";
        string ids = $"local identifier {IdentifierText(_settings.RouterId)}, peer {open.BgpIdentifierAddress}";
        if (second.Outbound != keepOutbound)
        {
            // Event 23 OpenCollisionDump for the second connection; the existing one carries on.
            Log.Info("{Peer}: connection collision: {Ids}; keeping the existing {Kept} connection", Peer, ids, kept);
            CloseWith(second.Ref, collision);
            return Stay().Using(d with { Second = null });
        }
        // Event 23 OpenCollisionDump for the existing connection: "sends the NOTIFICATION with a Cease, sets the
        // ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection" (and, from Established,
        // deletes its routes); the session goes on with the second connection, which has just had its Event 19.
        Log.Info("{Peer}: connection collision: {Ids}; keeping the new {Kept} connection", Peer, ids, kept);
        CloseWith(d.Connection!.Ref, collision);
        _counters.LastError = "connection collision resolved in favour of the " + kept + " connection";
        return EnterOpenConfirm(d with { Connection = second, Second = null }, open, session!, BgpEvent.OpenCollisionDump,
            $"connection collision: {ids}; kept the {kept} connection");
    }

    private void RefuseCollision(IActorRef connection) =>
        CloseWith(connection, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution));

    // =====================================================================================
    // Shared by every state
    // =====================================================================================

    private State<SessionState, SessionData>? AnyState(Event<SessionData> e)
    {
        switch (e.FsmEvent)
        {
            case GetNeighborStatus:
                return Stay().Replying(Status(e.StateData));

            case ManualStart or ManualStartWithPassiveTcpEstablishment or AutomaticStart:
                // Events 1, 3-7 "are ignored" outside Idle.
                return Stay();

            case BfdStrictHold { Hold: false }:
                _bfdHold = false;
                // BFD is Up (or strict mode was turned off): make the held start, unless the damped IdleHoldTimer
                // still runs; its expiry starts the session then.
                if (StateName == SessionState.Idle && _heldStart is { } held && !IsTimerActive(IdleHoldTimer))
                    return Start(e.StateData, held.Passive, held.Event);
                return Stay();

            case BfdStrictHold:
                _bfdHold = true;
                // Strict mode turned on (a reload) while a session is being set up without BFD Up: stop it; the
                // failure's automatic restart is then held. An Established session is left alone: strict mode is
                // about establishment, and a BFD failure takes it down anyway (RFC 5882).
                if (StateName is SessionState.Connect or SessionState.Active or SessionState.OpenSent or SessionState.OpenConfirm)
                    Self.Tell(new AutomaticStop(CeaseSubcode.BfdDown, "BFD session not Up (strict mode)"));
                return Stay();

            case MessagesWritten w:
                // UPDATEs, End-of-RIB and ROUTE-REFRESH the RIB wrote straight to a connection of ours: they count
                // as sent to this neighbor whichever connection carried them (also one we have since let go of).
                _counters.CountWritten(w.Counts);
                return Stay();

            case Diagnostics.InjectedFault f:
                // Test-only (internal type): fail as a bug would, for the supervision tests.
                throw f.Raise();

            case ConnectRetryTimerExpires or HoldTimerExpires or KeepaliveTimerExpires or DelayOpenTimerExpires
                or IdleHoldTimerExpires or SessionStable or RestartAfterReset:
                return Stay();

            default:
                Log.Warning("{Peer}: unhandled {Event} in {State}", Peer, e.FsmEvent, StateName);
                return Stay();
        }
    }

    /// <summary>Counts what the session's connections deliver (classified <see cref="Origin.Primary"/> or
    /// <see cref="Origin.Second"/>), before the state acts on it.</summary>
    private void CountReceived(object message)
    {
        switch (message)
        {
            case Received r:
                _counters.CountReceived(r.Message);
                if (r.Message is NotificationMessage n)
                {
                    _counters.LastNotificationReceived = NotificationRecord.From(n, Now);
                    _counters.LastError = ReceivedText(n);
                    // RFC 9003 section 4: the shutdown communication is for the operator's eyes, so it goes in the log.
                    Log.Warning("{Peer}: NOTIFICATION received in {State}: {Notification}", Peer, StateName, n.Describe());
                }
                break;
            case ReceivedUpdates b:
                _counters.CountReceived(MessageType.Update, b.Updates.Length);
                break;
            case ReceiveFailed f:
                _counters.LastError = $"receive error: {f.Error}";
                Log.Warning("{Peer}: receive error in {State}: {Error}", Peer, StateName, f.Error);
                break;
        }
    }

    private void Transitioned(SessionState from, SessionState to)
    {
        if (!_initialized) return;
        var next = NextStateData;
        // Every GoTo goes through Go, which puts the cause in the state data it carries to the next state.
        var cause = next.Cause ?? TransitionCause.None;
        if (to == SessionState.Established && from != SessionState.Established)
        {
            _counters.UpSince = Now;
            _restarted = false;
            SetTimer(StableTimer, SessionStable.Instance, _settings.IdleHoldStablePeriod);
            var connection = next.Connection!;
            _rib.Tell(new PeerUp(Peer, next.Session!, connection.Ref, connection.Local, connection.Remote), Self);
        }
        else if (from == SessionState.Established && to != SessionState.Established)
        {
            // "deletes all routes associated with this connection" (every row that leaves Established).
            _counters.UpSince = null;
            _counters.DownSince = Now;
            _counters.FlapCount++;
            CancelTimer(StableTimer);
            // RFC 8538 section 4: with the N bit on both sides, a NOTIFICATION other than Hard Reset ends the session
            // the way a TCP failure would, and graceful restart keeps the routes.
            bool graceful = cause.Notification && StateData.Session is { GracefulNotification: true }
                && _endingNotification is { IsHardReset: false };
            _rib.Tell(new PeerDown(Peer, cause.Reason ?? BgpEvent.Name(cause.Event), cause.Event, cause.Notification, graceful), Self);
        }
        // A dynamic neighbor with an AS range is in the AS its OPEN carried (the configured one is a placeholder),
        // as in NeighborStatus: the session being entered, else the one being left.
        uint peerAs = next.Session?.PeerAs ?? StateData.Session?.PeerAs ?? _settings.PeerAs;
        var change = new SessionStateChanged(Peer, peerAs, from, to, cause.Event, BgpEvent.Name(cause.Event), cause.Reason, Now);
        Log.Info("{Peer}: {From} -> {To} ({Event} {EventName}){Reason}", Peer, from, to, cause.Event,
            BgpEvent.Name(cause.Event), cause.Reason is null ? "" : ": " + cause.Reason);
        Context.System.EventStream.Publish(change);
        if ((from == SessionState.Idle) != (to == SessionState.Idle))
            Context.System.EventStream.Publish(new SessionIdle(Peer, to == SessionState.Idle, Self));
    }

    private void Stopped(StopEvent<SessionState, SessionData> stop)
    {
        // The neighbor is being removed (or its actor crashed): say so to the peer and the RIB.
        var d = stop.StateData;
        var ceased = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.PeerDeconfigured);
        // RFC 8538 section 5: Peer De-configured flushes the routes, so with the N bit it is a Hard Reset.
        if (stop.TerminatedState == SessionState.Established && d.Session is { GracefulNotification: true })
            ceased = NotificationMessage.HardReset(ceased);
        bool openSent = stop.TerminatedState is SessionState.OpenSent or SessionState.OpenConfirm or SessionState.Established;
        if (stop.TerminatedState == SessionState.Established && d.Connection is { } tapped && tapped.Ref.Equals(_tapped))
            tapped.Ref.Tell(new EndTap(BgpEvent.NeighborRemoved, "neighbor removed", ceased, SentByUs: true), Self);
        CloseConnection(d.Connection, openSent ? ceased : null);
        CloseConnection(d.Second, ceased);
        if (d.DialAttempt != 0) _connector.Tell(new CancelConnect(d.DialAttempt), Self);
        // In Established the Cease/3 above always goes out, so the RIB must not keep the routes (RFC 4724 4.2).
        if (stop.TerminatedState == SessionState.Established) _rib.Tell(new PeerDown(Peer, "neighbor removed", BgpEvent.NeighborRemoved, EndedByNotification: true), Self);
    }

    private enum RetryCount { Keep, Increment, Reset }

    /// <summary>
    /// What every "changes its state to Idle" row shares: send the NOTIFICATION if the row has one and close
    /// (so it reaches the peer), drop a second connection and a pending dial, stop the session timers, update
    /// the ConnectRetryCounter, and for failures arm the IdleHoldTimer (the automatic restart, damped when
    /// DampPeerOscillations).
    /// </summary>
    private State<SessionState, SessionData> ToIdle(SessionData d, int evt, string reason, NotificationMessage? notify, RetryCount count)
    {
        var received = _notificationReceived;
        _notificationReceived = null;
        // RFC 8538 section 5: with the N bit negotiated, the NOTIFICATIONs meant to flush the peer's copy of our routes
        // (Cease 1, 2, 3, and 4 unless configured otherwise) go out as Hard Reset; all others keep them.
        if (notify is not null && StateName == SessionState.Established && d.Session is { GracefulNotification: true } && FlushesRoutes(notify))
            notify = NotificationMessage.HardReset(notify);
        _endingNotification = notify ?? received;
        // Monitoring (MessageTap) learns why the session ended before the NOTIFICATION and the close reach the connection.
        if (StateName == SessionState.Established && d.Connection is { } tapped && tapped.Ref.Equals(_tapped))
            tapped.Ref.Tell(new EndTap(evt, reason, notify ?? received, SentByUs: notify is not null), Self);
        CloseConnection(d.Connection, notify);
        // The peer has our OPEN on the second connection too: it gets the same NOTIFICATION.
        CloseConnection(d.Second, notify);
        if (d.DialAttempt != 0) _connector.Tell(new CancelConnect(d.DialAttempt), Self);
        foreach (var timer in new[] { ConnectRetryTimer, HoldTimer, KeepaliveTimer, DelayOpenTimer, IdleHoldTimer })
            CancelTimer(timer);

        var next = d with
        {
            Connection = null,
            Second = null,
            DialAttempt = 0,
            PeerOpen = null,
            Session = null,
            ConnectRetryCounter = count switch
            {
                RetryCount.Increment => d.ConnectRetryCounter + 1,
                RetryCount.Reset => 0,
                _ => d.ConnectRetryCounter,
            },
        };
        string published = notify is null ? reason : $"{reason}; NOTIFICATION sent {Summary(notify)}";
        if (count != RetryCount.Reset)
        {
            _counters.LastError = published;
            next = ArmIdleHold(next);
        }
        // Events 24/25 are by definition a NOTIFICATION received; otherwise the row's own NOTIFICATION, if any.
        return Go(SessionState.Idle, next, evt, published, notification: notify is not null || evt is BgpEvent.NotifMsg or BgpEvent.NotifMsgVerErr);
    }

    /// <summary>
    /// 8.1.1 DampPeerOscillations: the IdleHoldTimer delays the automatic restart, and "the IdleHoldTime
    /// is doubled" on each consecutive failure up to the configured maximum (as OpenBGPD does).
    /// </summary>
    private SessionData ArmIdleHold(SessionData d)
    {
        if (!_settings.AllowAutomaticStart) return d;
        SetTimer(IdleHoldTimer, IdleHoldTimerExpires.Instance, d.IdleHoldTime);
        if (!_settings.DampPeerOscillations) return d;
        var doubled = d.IdleHoldTime * 2;
        return d with { IdleHoldTime = doubled > _settings.MaxIdleHoldTime ? _settings.MaxIdleHoldTime : doubled };
    }

    /// <summary>Event 2 ManualStop (Cease/2), or AdministrativeReset: the same row with Cease/4, then ManualStart;
    /// RFC 4486 with the RFC 9003 shutdown communication.</summary>
    private State<SessionState, SessionData> AdministrativeStop(SessionData d, bool notify, object stop)
    {
        var (reset, communication) = stop is AdministrativeReset r ? (true, r.Communication) : (false, ((ManualStop)stop).Communication);
        var text = communication ?? _settings.ShutdownCommunication;
        var subcode = reset ? CeaseSubcode.AdministrativeReset : CeaseSubcode.AdministrativeShutdown;
        NotificationMessage? notification = null;
        if (notify)
        {
            try
            {
                notification = NotificationMessage.Shutdown(subcode, text);
            }
            catch (WireException ex)
            {
                Log.Warning("{Peer}: shutdown communication not sent: {Problem}", Peer, ex.Message);
                notification = NotificationMessage.Shutdown(subcode, null);
            }
        }
        string reason = (reset ? "administrative reset" : "administrative shutdown") + (string.IsNullOrEmpty(text) ? "" : $" \"{text}\"");
        var state = ToIdle(d, reset ? BgpEvent.AdministrativeReset : BgpEvent.ManualStop, reason, notification, RetryCount.Reset);
        // The ManualStart half goes through the mailbox, so observers see Idle before the restart; a ManualStop
        // that is already queued behind it must win (see RestartAfterReset in Idle).
        if (reset) Self.Tell(new RestartAfterReset(d.Passive, ++_resetGeneration), Self);
        return state;
    }

    /// <summary>Event 8 in its two forms: an AutomaticStop (NOTIFICATION Cease with its subcode once an OPEN went out,
    /// <paramref name="notify"/>), or the RIB's maximum-prefix stop, which carries the RFC 4486 data itself
    /// (<see cref="MaxPrefixStop"/>), so neither waits for the other.</summary>
    private State<SessionState, SessionData> AutomaticStopped(SessionData d, object stop, bool notify) => stop is MaxPrefixExceeded m
        ? MaxPrefixStop(d, m, notify)
        : ToIdle(d, BgpEvent.AutomaticStop, ((AutomaticStop)stop).Reason,
            notify ? new NotificationMessage(ErrorCode.Cease, ((AutomaticStop)stop).CeaseSubcode) : null, RetryCount.Increment);

    /// <summary>
    /// Event 8 for the maximum-prefix limit. RFC 4486 section 4: "If a BGP speaker decides to terminate its peering
    /// because the number of address prefixes received from the peer exceeds a locally configured upper bound ...
    /// the speaker MUST send to the neighbor a NOTIFICATION message with the Error Code Cease and the Error
    /// Subcode 'Maximum Number of Prefixes Reached'. The message MAY optionally include the Address Family
    /// information [RFC4760] and the upper bound in the 'Data' field ... AFI (2 octets), SAFI (1 octet), and
    /// the prefix upper bound (4 octets)" (once an OPEN went out, <paramref name="notify"/>). Then the session is
    /// held down (<see cref="HoldDown"/>).
    /// </summary>
    private State<SessionState, SessionData> MaxPrefixStop(SessionData d, MaxPrefixExceeded m, bool notify)
    {
        // Built from the family and limit, as the RIB builds m.Notification (one encoder for RFC 4486's data).
        var notification = notify ? MaxPrefixTracker.Notification(m.Family, m.Limit) : null;
        var idle = ToIdle(d, BgpEvent.AutomaticStop, MaxPrefixReason(m), notification, RetryCount.Increment);
        return idle.Using(HoldDown(idle.StateData, m));
    }

    private static string MaxPrefixReason(MaxPrefixExceeded m) =>
        $"maximum prefixes {m.Limit} exceeded for {m.Family} ({m.Count} received)"
        + (m.RestartAfter is { } t && t > TimeSpan.Zero ? $", restart in {t}" : ", held down until ManualStart");

    /// <summary>
    /// After a maximum-prefix stop the peer would send the same table again, so an immediate automatic restart
    /// would only flap. As daemons do (FRR/BIRD "restart" intervals), the session stays Idle for the configured
    /// restart interval and then starts; without one it stays Idle until ManualStart (AutomaticStart is ignored).
    /// The IdleHoldTimer times the interval, replacing the ordinary damped wait.
    /// </summary>
    private SessionData HoldDown(SessionData d, MaxPrefixExceeded m)
    {
        CancelTimer(IdleHoldTimer);
        if (m.RestartAfter is { } interval && interval > TimeSpan.Zero)
            SetTimer(IdleHoldTimer, IdleHoldTimerExpires.Instance, interval);
        return d with { HeldDown = true };
    }

    // ---- rows several states share (each state's switch names the event and quotes its row) ----

    /// <summary>Event 10 in OpenConfirm and Established: Hold Timer Expired (4/0), counted, Idle; or, when the peer
    /// was heard within the hold time, the timer is re-armed for the rest (see <see cref="RestartHoldTimer"/>).</summary>
    private State<SessionState, SessionData> HoldTimerExpired(SessionData d)
    {
        if (HeardWithinHoldTime(d))
        {
            RearmHoldTimer(d);
            return Stay();
        }
        return ToIdle(d, BgpEvent.HoldTimerExpires, "hold timer expired",
            new NotificationMessage(ErrorCode.HoldTimerExpired, 0), RetryCount.Increment);
    }

    /// <summary>Event 11 in OpenConfirm and Established: a KEEPALIVE (the KeepaliveTimer is periodic).</summary>
    private State<SessionState, SessionData> SendKeepalive(SessionData d)
    {
        SendMessage(d.Connection!.Ref, KeepaliveMessage.Instance);
        return Stay();
    }

    /// <summary>Events 21, 22, 28 once our OPEN is out: the codec's NOTIFICATION (RFC 4271 6.x, RFC 7606), counted, Idle.</summary>
    private State<SessionState, SessionData> ReceiveError(SessionData d, ReceiveFailed f) =>
        ToIdle(d, ReceiveFailedEvent(f), $"receive error: {f.Error}", NotificationMessage.From(f.Error), RetryCount.Increment);

    /// <summary>Events 24/25: the peer's NOTIFICATION ends the session; nothing is sent back.</summary>
    private State<SessionState, SessionData> NotificationReceived(SessionData d, NotificationMessage n, RetryCount count)
    {
        _notificationReceived = n;
        return ToIdle(d, IsVersionError(n) ? BgpEvent.NotifMsgVerErr : BgpEvent.NotifMsg, ReceivedText(n), null, count);
    }

    /// <summary>RFC 6608 section 3: FSM Error with the state's subcode and the message type as data, then the
    /// "any other event" row (counted, Idle).</summary>
    private State<SessionState, SessionData> UnexpectedMessageRow(SessionData d, int evt, BgpMessage message, byte subcode) =>
        ToIdle(d, evt, Unexpected(message), UnexpectedMessage(subcode, message), RetryCount.Increment);

    /// <summary>A timer that cannot be running in this state: the "any other event" row, with FSM Error subcode 0
    /// once an OPEN has gone out (<paramref name="notify"/>), counted, Idle.</summary>
    private State<SessionState, SessionData> StrayTimer(SessionData d, object timer, bool notify) =>
        ToIdle(d, TimerEvent(timer), "unexpected " + BgpEvent.Name(TimerEvent(timer)),
            notify ? new NotificationMessage(ErrorCode.FiniteStateMachine, FsmSubcode.Unspecified) : null, RetryCount.Increment);

    private State<SessionState, SessionData> SendHoldExpired(SessionData d) =>
        // RFC 9687 section 4: "the local system ... sends a NOTIFICATION message with the Error Code Send Hold
        // Timer Expired ... (best effort: the connection is not draining) and closes the connection"; counted
        // like a HoldTimer expiry.
        ToIdle(d, BgpEvent.SendHoldTimerExpires, "send hold timer expired (peer not reading)",
            new NotificationMessage(ErrorCode.SendHoldTimerExpired, 0), RetryCount.Increment);

    private bool NotifyWithoutOpen(SessionData d) =>
        d.Connection is not null && IsTimerActive(DelayOpenTimer) && _settings.SendNotificationWithoutOpen;

    /// <summary>The only way this FSM changes state: the cause goes with the transition, in the data the next
    /// state gets (as OpenBGPD's change_state takes the event), for <see cref="Transitioned"/> to report.</summary>
    private State<SessionState, SessionData> Go(SessionState state, SessionData next, int evt, string? reason = null, bool notification = false) =>
        GoTo(state).Using(next with { Cause = new TransitionCause(evt, reason, notification) });

    private SessionData Dial(SessionData d)
    {
        if (d.DialAttempt != 0) _connector.Tell(new CancelConnect(d.DialAttempt), Self);
        long attempt = ++_attempts;
        var local = _settings.LocalAddress is { } address ? new IPEndPoint(address, _settings.LocalPort) : null;
        // A handshake outliving the ConnectRetryTimer would be abandoned by its expiry (Event 9) anyway.
        var timeout = _settings.ConnectRetryTime > TimeSpan.Zero && _settings.ConnectRetryTime < _settings.ConnectTimeout
            ? _settings.ConnectRetryTime : _settings.ConnectTimeout;
        _connector.Tell(new Transport.Connect(new IPEndPoint(_settings.PeerAddress, _settings.PeerPort), local, Self, attempt, timeout), Self);
        return d with { DialAttempt = attempt };
    }

    /// <summary>Event 9 in Connect and Active: drop the connection waiting out its DelayOpenTimer (if any), stop
    /// that timer, restart the ConnectRetryTimer and dial again.</summary>
    private SessionData Redial(SessionData d)
    {
        CloseConnection(d.Connection);
        CancelTimer(DelayOpenTimer);
        StartConnectRetryTimer();
        return Dial(d with { Connection = null });
    }

    private static PeerConnection FromAccepted(Accepted a) => new(a.Connection, false, a.Local, a.Remote);

    private static PeerConnection FromConnected(Connected c) => new(c.Connection, true, c.Local, c.Remote);

    private void StartConnectRetryTimer() =>
        SetTimer(ConnectRetryTimer, ConnectRetryTimerExpires.Instance, _settings.ConnectRetryTime);

    private void RegisterConnection(IActorRef connection) =>
        connection.Tell(new Register(Self, OpenExchange.InitialDecode(_settings), OpenExchange.InitialUpdateDecode(_settings),
            _settings.SendHoldTimeFor(_settings.OpenSentHoldTime), UpdateBatches: true), Self);

    private void SendMessage(IActorRef connection, BgpMessage message)
    {
        connection.Tell(new Send(message), Self);
        _counters.CountSent(message);
        if (message is NotificationMessage n)
        {
            _counters.LastNotificationSent = NotificationRecord.From(n, Now);
            Log.Warning("{Peer}: NOTIFICATION sent in {State}: {Notification}", Peer, StateName, n.Describe());
        }
    }

    /// <summary>Send a NOTIFICATION, then close once it is flushed (RFC 4271 6: "the BGP connection is closed
    /// immediately after it is sent").</summary>
    private void CloseWith(IActorRef connection, NotificationMessage notification)
    {
        SendMessage(connection, notification);
        connection.Tell(new TransportClose(NotificationFlushDeadline), Self);
    }

    /// <summary>Close the connection, if any, after <paramref name="notification"/> when there is one.</summary>
    private void CloseConnection(PeerConnection? connection, NotificationMessage? notification = null)
    {
        if (connection is null) return;
        if (notification is null) connection.Ref.Tell(new TransportClose(NotificationFlushDeadline), Self);
        else CloseWith(connection.Ref, notification);
    }

    /// <summary>RFC 8538 section 5's table: the Cease subcodes whose purpose is to flush the routes (Maximum Number of
    /// Prefixes Reached, Administrative Shutdown, Peer De-configured, and the "provisional" Administrative Reset as
    /// configured) are sent as Hard Reset; every other NOTIFICATION lets graceful restart keep them.</summary>
    private bool FlushesRoutes(NotificationMessage n) => n.Code == ErrorCode.Cease && n.Subcode switch
    {
        CeaseSubcode.MaximumPrefixesReached or CeaseSubcode.AdministrativeShutdown or CeaseSubcode.PeerDeconfigured => true,
        CeaseSubcode.AdministrativeReset => _settings.HardAdministrativeReset,
        _ => false,
    };

    /// <summary>Event 24 NotifMsgVerErr: the peer rejected our version (OPEN Message Error / Unsupported Version Number).</summary>
    private static bool IsVersionError(NotificationMessage n) =>
        n.Code == ErrorCode.OpenMessage && n.Subcode == OpenSubcode.UnsupportedVersionNumber;

    /// <summary>RFC 6608 section 3: "the Data field ... is the type of the unexpected message".</summary>
    private static NotificationMessage UnexpectedMessage(byte subcode, BgpMessage message) =>
        new(ErrorCode.FiniteStateMachine, subcode, [(byte)message.Type]);

    private static int ReceiveFailedEvent(ReceiveFailed f) => f.Type switch
    {
        MessageType.Open => BgpEvent.BgpOpenMsgErr,
        MessageType.Update => BgpEvent.UpdateMsgErr,
        _ => BgpEvent.BgpHeaderErr,
    };

    private static int MessageEvent(BgpMessage message) => message switch
    {
        OpenMessage => BgpEvent.BgpOpen,
        NotificationMessage n when IsVersionError(n) => BgpEvent.NotifMsgVerErr,
        NotificationMessage => BgpEvent.NotifMsg,
        KeepaliveMessage => BgpEvent.KeepAliveMsg,
        _ => BgpEvent.UpdateMsg, // UPDATE, and ROUTE-REFRESH (RFC 4271 has no event of its own for it)
    };

    private static int TimerEvent(object timer) => timer switch
    {
        ConnectRetryTimerExpires => BgpEvent.ConnectRetryTimerExpires,
        HoldTimerExpires => BgpEvent.HoldTimerExpires,
        KeepaliveTimerExpires => BgpEvent.KeepaliveTimerExpires,
        DelayOpenTimerExpires => BgpEvent.DelayOpenTimerExpires,
        _ => BgpEvent.IdleHoldTimerExpires,
    };

    private static string IdentifierText(uint identifier) =>
        new IPAddress([(byte)(identifier >> 24), (byte)(identifier >> 16), (byte)(identifier >> 8), (byte)identifier]).ToString();

    private static string Unexpected(BgpMessage message) => $"unexpected {message.Type} message";

    private static string ReceivedText(NotificationMessage n) => $"NOTIFICATION received {Summary(n)}";

    /// <summary><c>6/2 "maintenance"</c>, or <c>4/0 (Hold Timer Expired / ...)</c> when there is no shutdown text.</summary>
    private static string Summary(NotificationMessage n)
    {
        if (n.Inner is { } inner) return $"{n.Code}/{n.Subcode} (Hard Reset) {Summary(inner)}";
        var text = n.ShutdownCommunication;
        return string.IsNullOrEmpty(text)
            ? $"{n.Code}/{n.Subcode} ({Notification.Describe(n.Code, n.Subcode)})"
            : $"{n.Code}/{n.Subcode} \"{text}\"";
    }

    private NeighborStatus Status(SessionData d) => new(
        // A dynamic neighbor with an AS range is in the AS its OPEN carried (the configured one is a placeholder).
        Peer, d.Session?.PeerAs ?? _settings.PeerAs, _settings.Description, StateName, d.Session, d.ConnectRetryCounter, d.IdleHoldTime,
        _counters.UpSince, _counters.DownSince, _counters.FlapCount, _counters.LastError,
        _counters.LastNotificationSent, _counters.LastNotificationReceived,
        new Dictionary<MessageType, long>(_counters.Sent), new Dictionary<MessageType, long>(_counters.Received),
        d.Connection?.Local, d.Connection?.Remote);

    /// <summary>The ManualStart half of <see cref="AdministrativeReset"/>, queued behind the stop; stale once a later
    /// ManualStop has bumped the generation.</summary>
    internal sealed record RestartAfterReset(bool Passive, long Generation);
}
