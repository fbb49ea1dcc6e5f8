using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Wire;

namespace AkkaBgp.Session;

/// <summary>One TCP connection of the session, and which side opened it (RFC 4271 6.8 keeps the
/// connection opened by the speaker with the higher BGP Identifier).</summary>
public sealed record PeerConnection(IActorRef Ref, bool Outbound, IPEndPoint? Local = null, IPEndPoint? Remote = null)
{
    public override string ToString() => (Outbound ? "outbound " : "inbound ") + Ref.Path;
}

/// <summary>
/// The FSM's state data: the connections, the pending dial, what the OPEN exchange settled, and the
/// RFC 4271 8.1.1 attributes that change at run time (ConnectRetryCounter, the damped IdleHoldTime).
/// </summary>
public sealed record SessionData
{
    /// <summary>The connection the state refers to (from Connect with DelayOpen onwards).</summary>
    public PeerConnection? Connection { get; init; }

    /// <summary>RFC 4271 6.8: a second connection to the same peer, on which we have sent our OPEN and
    /// wait for the peer's; the collision is resolved when that OPEN arrives.</summary>
    public PeerConnection? Second { get; init; }

    /// <summary>The outbound connection attempt in flight (0: none). Answers for other attempts are stale.</summary>
    public long DialAttempt { get; init; }

    /// <summary>The peer's OPEN on <see cref="Connection"/> (OpenConfirm and Established).</summary>
    public OpenMessage? PeerOpen { get; init; }

    public NegotiatedSession? Session { get; init; }

    public int ConnectRetryCounter { get; init; }

    /// <summary>The IdleHoldTime the next failure will wait (doubled by DampPeerOscillations).</summary>
    public TimeSpan IdleHoldTime { get; init; }

    /// <summary>Whether the session was last started with PassiveTcpEstablishment; automatic restarts do the same.</summary>
    public bool Passive { get; init; }

    /// <summary>Stopped for exceeding the maximum prefixes (RFC 4486 Cease/1): AutomaticStart is ignored; the
    /// IdleHoldTimer, if armed, times the configured restart interval, else only ManualStart restarts.</summary>
    public bool HeldDown { get; init; }

    /// <summary>Why the session is in its current state: the cause of the transition that entered it (null before
    /// the first). It travels with the transition, set where the FSM changes state.</summary>
    public TransitionCause? Cause { get; init; }
}

/// <summary>What made the FSM change state: the RFC 4271 8.1 event (negative numbers are ours, see
/// <see cref="BgpEvent"/>), a reason for people, and whether a NOTIFICATION was sent or received on the way
/// (RFC 4724 4.2 keeps a graceful-restart peer's routes only when the session ended without one).</summary>
public sealed record TransitionCause(int Event, string? Reason, bool Notification = false)
{
    /// <summary>No transition yet (event 0).</summary>
    public static readonly TransitionCause None = new(0, null);
}
