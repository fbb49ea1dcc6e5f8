using System.Net;
using Akka.Actor;

namespace AkkaBgp.Session;

/// <summary>
/// The raw protocol of Established sessions, for monitoring consumers (the MRT updates file, RFC 6396 BGP4MP; BMP
/// Peer Up and Route Monitoring, RFC 7854 sections 4.6 and 4.10), which must record the messages as they were on
/// the wire rather than as the RIB understood them.
/// <para>
/// Tapping costs a copy of every message, so it is off until a consumer asks for it: a consumer calls
/// <see cref="Enable"/> at startup, before the neighbors come up, and holds the result while it runs. An FSM decides
/// when its session enters Established; a session that was already Established when the first enablement was taken
/// is tapped from its next establishment. Everything is published on the system's EventStream: subscribe to the
/// records below, or to <see cref="ITapEvent"/>. State changes of every session (MRT BGP4MP_STATE_CHANGE) are
/// <see cref="SessionStateChanged"/>, published whether or not the tap is on.
/// </para>
/// </summary>
public sealed class MessageTap : IExtension
{
    private int _enablements;

    public static MessageTap Get(ActorSystem system) => system.WithExtension<MessageTap, MessageTapProvider>();

    /// <summary>True while at least one consumer holds an enablement.</summary>
    public bool Enabled => Volatile.Read(ref _enablements) > 0;

    /// <summary>Turns the tap on for sessions that establish from now on; disposing the result gives the enablement back.</summary>
    public IDisposable Enable()
    {
        Interlocked.Increment(ref _enablements);
        return new Enablement(this);
    }

    private sealed class Enablement(MessageTap tap) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref tap._enablements);
        }
    }
}

public sealed class MessageTapProvider : ExtensionIdProvider<MessageTap>
{
    public override MessageTap CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>Any record the tap publishes.</summary>
public interface ITapEvent
{
    TapSession Session { get; }

    DateTimeOffset At { get; }
}

/// <summary>One Established session as the headers of MRT (peer and local address and AS) and BMP (the per-peer
/// header's address, AS and BGP Identifier) describe it. <paramref name="Negotiated"/> holds the peer's AS and
/// identifier, the AS width and the families.</summary>
public sealed record TapSession(IPAddress Peer, IPEndPoint Local, IPEndPoint Remote, uint LocalAs, uint LocalIdentifier, NegotiatedSession Negotiated);

/// <summary>The session entered Established: both OPENs as whole encoded messages (the 19-octet header included),
/// which BMP's Peer Up carries (RFC 7854 4.10).</summary>
public sealed record TappedSessionUp(TapSession Session, byte[] SentOpen, byte[] ReceivedOpen, DateTimeOffset At) : ITapEvent;

public enum TapDirection { Received, Sent }

/// <summary>One whole message (header included) received from or queued to the peer while Established (UPDATE,
/// KEEPALIVE, NOTIFICATION, ROUTE-REFRESH), in wire order per direction.</summary>
public sealed record TappedMessage(TapSession Session, TapDirection Direction, byte[] Message, DateTimeOffset At) : ITapEvent;

/// <summary>The session left Established. <paramref name="Notification"/> is the whole NOTIFICATION sent or received
/// on the way out (null when none: BMP Peer Down reasons 2 and 4 versus 1 and 3, RFC 7854 4.9), and
/// <paramref name="SentByUs"/> which side sent it; <paramref name="EventNumber"/> and <paramref name="Reason"/> are
/// the RFC 4271 event and its text.</summary>
public sealed record TappedSessionDown(TapSession Session, byte[]? Notification, bool SentByUs, int EventNumber, string Reason, DateTimeOffset At) : ITapEvent;
