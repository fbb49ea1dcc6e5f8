using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Wire;

namespace AkkaBgp.Session;

/// <summary>The six states of RFC 4271 section 8.2.2.</summary>
public enum SessionState
{
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

// ---- administrative events, RFC 4271 section 8.1.2 ------------------------------------------

/// <summary>Event 1 ManualStart: the operator enables the session; we dial the peer and listen.</summary>
public sealed record ManualStart;

/// <summary>Event 4 ManualStart_with_PassiveTcpEstablishment: enabled, but only listening.</summary>
public sealed record ManualStartWithPassiveTcpEstablishment;

/// <summary>Event 2 ManualStop: the operator disables the session. Sends Cease/2 with the RFC 9003
/// shutdown communication (<paramref name="Communication"/>, else NeighborSettings.ShutdownCommunication).</summary>
public sealed record ManualStop(string? Communication = null);

/// <summary>Events 3, 5, 6 and 7 AutomaticStart (with PassiveTcpEstablishment and/or DampPeerOscillations as
/// configured): sent by the supervisor when the neighbor is created, and by the FSM itself when the
/// IdleHoldTimer expires. Ignored unless AllowAutomaticStart, and while the IdleHoldTimer runs.</summary>
public sealed record AutomaticStart;

/// <summary>Event 8 AutomaticStop: the local system drops the session (e.g. maximum prefixes, Cease/1).
/// Counts as a failure, so the session restarts after the IdleHoldTime when AllowAutomaticStart.</summary>
public sealed record AutomaticStop(byte CeaseSubcode, string Reason);

/// <summary>
/// Not an RFC 4271 event: BFD strict mode (<c>bfd { strict = on }</c>, after draft-ietf-idr-bgp-bfd-strict-mode and
/// FRR's <c>neighbor X bfd strict</c>). While <paramref name="Hold"/> is true (strict mode on and the neighbor's BFD
/// session not Up) the FSM does not leave Idle: a start (Events 1, 3-7, 13) is remembered and made when BFD comes Up.
/// Sent by <see cref="Bfd.BfdClient"/> whenever the BFD state or the setting changes and to every new FSM incarnation.
/// </summary>
public sealed record BfdStrictHold(bool Hold);

/// <summary>Not an RFC 4271 event: ManualStop then ManualStart, sending Cease/4 Administrative Reset
/// (RFC 4486) with the RFC 9003 shutdown communication. The session restarts the way it last started.</summary>
public sealed record AdministrativeReset(string? Communication = null);

/// <summary>Published on the EventStream by every new FSM incarnation (PreStart). The neighbor supervisor gives an
/// incarnation that replaces one that crashed its AutomaticStart (unless the operator stopped the session), at once
/// rather than on a polling interval.</summary>
public sealed record FsmStarted(IPAddress Peer, IActorRef Fsm);

// ---- timer events, RFC 4271 section 8.1.3 ------------------------------------------------------

/// <summary>Event 9.</summary>
public sealed record ConnectRetryTimerExpires
{
    public static readonly ConnectRetryTimerExpires Instance = new();
}

/// <summary>Event 10.</summary>
public sealed record HoldTimerExpires
{
    public static readonly HoldTimerExpires Instance = new();
}

/// <summary>Event 11.</summary>
public sealed record KeepaliveTimerExpires
{
    public static readonly KeepaliveTimerExpires Instance = new();
}

/// <summary>Event 12.</summary>
public sealed record DelayOpenTimerExpires
{
    public static readonly DelayOpenTimerExpires Instance = new();
}

/// <summary>Event 13.</summary>
public sealed record IdleHoldTimerExpires
{
    public static readonly IdleHoldTimerExpires Instance = new();
}

/// <summary>Not an RFC event: the session has been Established for NeighborSettings.IdleHoldStablePeriod,
/// so the damped IdleHoldTime goes back to its first value.</summary>
public sealed record SessionStable
{
    public static readonly SessionStable Instance = new();
}

/// <summary>RFC 4271 section 8.1 event numbers and names (plus RFC 9687's Event 29), for logs and
/// <see cref="SessionStateChanged"/>. Negative numbers are ours, for causes RFC 4271 has no event for.</summary>
public static class BgpEvent
{
    public const int ManualStart = 1;
    public const int ManualStop = 2;
    public const int AutomaticStart = 3;
    public const int ManualStartWithPassiveTcpEstablishment = 4;
    public const int AutomaticStartWithPassiveTcpEstablishment = 5;
    public const int AutomaticStartWithDampPeerOscillations = 6;
    public const int AutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment = 7;
    public const int AutomaticStop = 8;
    public const int ConnectRetryTimerExpires = 9;
    public const int HoldTimerExpires = 10;
    public const int KeepaliveTimerExpires = 11;
    public const int DelayOpenTimerExpires = 12;
    public const int IdleHoldTimerExpires = 13;
    public const int TcpConnectionValid = 14;
    public const int TcpCrInvalid = 15;
    public const int TcpCrAcked = 16;
    public const int TcpConnectionConfirmed = 17;
    public const int TcpConnectionFails = 18;
    public const int BgpOpen = 19;
    public const int BgpOpenWithDelayOpenTimerRunning = 20;
    public const int BgpHeaderErr = 21;
    public const int BgpOpenMsgErr = 22;
    public const int OpenCollisionDump = 23;
    public const int NotifMsgVerErr = 24;
    public const int NotifMsg = 25;
    public const int KeepAliveMsg = 26;
    public const int UpdateMsg = 27;
    public const int UpdateMsgErr = 28;
    /// <summary>RFC 9687 section 4.</summary>
    public const int SendHoldTimerExpires = 29;
    /// <summary>Not an RFC 4271 event: the operator's reset (ManualStop with Cease/4, then ManualStart).</summary>
    public const int AdministrativeReset = -1;
    /// <summary>Not an RFC 4271 event: the neighbor was removed from the configuration (its FSM stopped).</summary>
    public const int NeighborRemoved = -2;

    public static string Name(int number) => number switch
    {
        1 => "ManualStart",
        2 => "ManualStop",
        3 => "AutomaticStart",
        4 => "ManualStart_with_PassiveTcpEstablishment",
        5 => "AutomaticStart_with_PassiveTcpEstablishment",
        6 => "AutomaticStart_with_DampPeerOscillations",
        7 => "AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment",
        8 => "AutomaticStop",
        9 => "ConnectRetryTimer_Expires",
        10 => "HoldTimer_Expires",
        11 => "KeepaliveTimer_Expires",
        12 => "DelayOpenTimer_Expires",
        13 => "IdleHoldTimer_Expires",
        14 => "TcpConnection_Valid",
        15 => "Tcp_CR_Invalid",
        16 => "Tcp_CR_Acked",
        17 => "TcpConnectionConfirmed",
        18 => "TcpConnectionFails",
        19 => "BGPOpen",
        20 => "BGPOpen with DelayOpenTimer running",
        21 => "BGPHeaderErr",
        22 => "BGPOpenMsgErr",
        23 => "OpenCollisionDump",
        24 => "NotifMsgVerErr",
        25 => "NotifMsg",
        26 => "KeepAliveMsg",
        27 => "UpdateMsg",
        28 => "UpdateMsgErr",
        29 => "SendHoldTimer_Expires",
        AdministrativeReset => "AdministrativeReset",
        NeighborRemoved => "NeighborRemoved",
        _ => $"Event {number}",
    };
}

// ---- what the FSM tells the rest of the speaker ------------------------------------------------

/// <summary>Published on the EventStream when a session enters Idle (<paramref name="Idle"/>) or leaves it, by its FSM
/// <paramref name="Fsm"/>; the neighbor supervisor passes it to the listener as <c>RefuseConnections</c>.</summary>
public sealed record SessionIdle(IPAddress Peer, bool Idle, IActorRef Fsm);

/// <summary>Published on the EventStream on every state change. <paramref name="Reason"/> is for humans,
/// e.g. <c>NOTIFICATION received 6/2 "maintenance"</c>.</summary>
public sealed record SessionStateChanged(
    IPAddress Peer, uint PeerAs, SessionState From, SessionState To, int EventNumber, string EventName, string? Reason, DateTimeOffset At)
{
    public override string ToString() =>
        $"{Peer} AS{PeerAs} {From} -> {To} on Event {EventNumber} {EventName}" + (Reason is null ? "" : $": {Reason}");
}

/// <summary>To the RIB on entering Established: the negotiated session and the connection to send UPDATEs on.
/// <paramref name="Local"/>/<paramref name="Remote"/> are that connection's TCP endpoints: our address on the
/// session is the NEXT_HOP we advertise to an external peer (RFC 4271 5.1.3), and the one an iBGP peer
/// reaches us at. Null only when a test builds a PeerUp without a connection.</summary>
public sealed record PeerUp(IPAddress Peer, NegotiatedSession Session, IActorRef Connection, IPEndPoint? Local = null, IPEndPoint? Remote = null);

/// <summary>To the RIB on leaving Established: drop every route learned from <paramref name="Peer"/>.
/// <paramref name="Reason"/> is for people (logs, the API); <paramref name="EventNumber"/> is the RFC 4271 8.1
/// event that ended the session (0 for an administrative reset or the neighbor's removal) and
/// <paramref name="EndedByNotification"/> whether a NOTIFICATION was sent or received on the way out: RFC 4724
/// 4.2 keeps a graceful-restart peer's routes only when the session ended without one, unless
/// <paramref name="GracefulNotification"/>: RFC 8538 was negotiated and that NOTIFICATION was not a Hard Reset, so it
/// counts as a TCP failure would (RFC 8538 section 4).</summary>
public sealed record PeerDown(IPAddress Peer, string Reason, int EventNumber, bool EndedByNotification, bool GracefulNotification = false);

/// <summary>To the RIB: an UPDATE received in Established (RFC 4271 Event 27), with the RFC 7606 errors
/// that did not reset the session (treat-as-withdraw, attribute discard). The RIB replies
/// <c>UpdatesProcessed</c> to <paramref name="Connection"/> so the connection resumes reading.</summary>
public sealed record PeerUpdate(IPAddress Peer, UpdateMessage Update, IReadOnlyList<WireError> Errors, IActorRef Connection);

/// <summary>To the RIB: UPDATEs received in Established one after the other (one Event 27 each), applied in order
/// as that many <see cref="PeerUpdate"/>s would be; each carries its own RFC 7606 errors
/// (<see cref="UpdateMessage.Errors"/>). The RIB acknowledges each to <paramref name="Connection"/>. The FSM passes on
/// the transport's <c>ReceivedUpdates</c> this way, so a full table costs the FSM and the RIB one message per batch
/// rather than per UPDATE (issue 11).</summary>
public sealed record PeerUpdates(IPAddress Peer, BgpUpdate[] Updates, IActorRef Connection);

/// <summary>To the RIB: the peer asks us to re-advertise a family (RFC 2918), or marks the start/end of its own
/// re-advertisement (RFC 7313 BoRR/EoRR).</summary>
public sealed record PeerRouteRefresh(IPAddress Peer, RouteRefreshMessage Message, IActorRef Connection);

/// <summary>Ask the FSM for a <see cref="NeighborStatus"/>.</summary>
public sealed record GetNeighborStatus
{
    public static readonly GetNeighborStatus Instance = new();
}
