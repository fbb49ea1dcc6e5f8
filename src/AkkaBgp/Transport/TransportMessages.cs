using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport;

// The contract between a neighbor's FSM and the TCP actors. The FSM never touches a socket:
// it asks the connector to dial, is handed inbound connections by the listener, and talks to
// each connection actor only through these messages (shaped after Akka.IO's Tcp protocol).

// ---- FSM -> connector ---------------------------------------------------------------------

/// <summary>Dial <paramref name="Remote"/> for <paramref name="Handler"/> (the FSM). The connector answers
/// the handler with <see cref="Connected"/> or <see cref="TcpConnectionFails"/>. <paramref name="Attempt"/>
/// is echoed back so the FSM can ignore answers to attempts it has abandoned. <paramref name="Timeout"/> bounds
/// the TCP handshake (null: the connector's default); it should not exceed the ConnectRetryTime.</summary>
public sealed record Connect(IPEndPoint Remote, IPEndPoint? Local, IActorRef Handler, long Attempt, TimeSpan? Timeout = null);

/// <summary>Abandon a dial started with the same attempt number (e.g. on ManualStop in Connect). Attempts are
/// matched per handler, taken from the sender, so the FSM must send it from itself (as <c>Tell</c> does by default). A connection that
/// completes anyway is closed, and no answer is sent.</summary>
public sealed record CancelConnect(long Attempt);

// ---- connector/listener -> FSM --------------------------------------------------------------

/// <summary>Our outbound connection is up (RFC 4271 Event 16 Tcp_CR_Acked / Event 17 TcpConnectionConfirmed).
/// The connection does not read until it receives <see cref="Register"/>.</summary>
public sealed record Connected(IActorRef Connection, IPEndPoint Local, IPEndPoint Remote, long Attempt);

/// <summary>The listener accepted a connection from this neighbor's address (RFC 4271 Event 14
/// TcpConnection_Valid). The FSM registers it, or closes it if it cannot use it.</summary>
public sealed record Accepted(IActorRef Connection, IPEndPoint Local, IPEndPoint Remote);

// ---- FSM -> connection ------------------------------------------------------------------

/// <summary>Start reading: whole, decoded messages go to <paramref name="Handler"/> as <see cref="Received"/>.
/// <paramref name="SendHoldTime"/> (RFC 9687) is how long queued output may stay unwritten before the
/// connection reports <see cref="SendHoldTimerExpired"/>; zero disables it. With <paramref name="UpdateBatches"/>
/// the UPDATEs that follow one another in what one receive brought go as one <see cref="ReceivedUpdates"/>
/// instead (the FSM asks for that; a handler that does not keeps one message per UPDATE).</summary>
public sealed record Register(IActorRef Handler, DecodeContext Decode, UpdateDecodeContext UpdateDecode, TimeSpan SendHoldTime,
    bool UpdateBatches = false);

/// <summary>New decoding rules once the OPEN exchange has negotiated them (4-octet AS, Extended Messages,
/// ADD-PATH), and the negotiated send hold time. <paramref name="MaxSendLength"/> bounds the messages the
/// connection encodes from <see cref="Send"/> (RFC 8654 section 4: the peer's limit, which may differ from the
/// one we receive with); null keeps 4096.</summary>
public sealed record Reconfigure(DecodeContext Decode, UpdateDecodeContext UpdateDecode, TimeSpan SendHoldTime, int? MaxSendLength = null);

/// <summary>Tap this connection (see <see cref="MessageTap"/>), sent with the OPEN exchange settled (entering
/// OpenConfirm) so that it arrives before our KEEPALIVE and thus before anything the peer sends in Established.
/// The connection announces <see cref="TappedSessionUp"/> when it reads the peer's KEEPALIVE (the message that
/// takes the FSM to Established, Event 26) and publishes every whole message after it as <see cref="TappedMessage"/>
/// until <see cref="EndTap"/> or its own end (then <see cref="TappedSessionDown"/> without a NOTIFICATION).</summary>
public sealed record StartTap(uint LocalAs, uint LocalIdentifier, NegotiatedSession Negotiated);

/// <summary>The FSM leaves Established: publish <see cref="TappedSessionDown"/> with this cause and stop tapping.
/// Sent before the NOTIFICATION and the close, which the Down then carries instead of a separate message.</summary>
public sealed record EndTap(int EventNumber, string Reason, NotificationMessage? Notification, bool SentByUs);

/// <summary>Queue a message for writing.</summary>
public sealed record Send(BgpMessage Message);

/// <summary>Queue bytes that already hold one or more whole encoded messages (e.g. packed UPDATEs).</summary>
public sealed record SendBytes(ReadOnlyMemory<byte> Bytes);

/// <summary>Flush what is queued (with a deadline), then close. Used after a NOTIFICATION so that it reaches the peer.</summary>
public sealed record Close(TimeSpan FlushDeadline);

/// <summary>Drop the connection at once, discarding queued output.</summary>
public sealed record Abort;

/// <summary>The consumer has processed this many UPDATEs delivered by the connection; reading resumes when
/// the unprocessed count falls below the low-water mark (backpressure: the peer's TCP window closes meanwhile).</summary>
public sealed record UpdatesProcessed(int Count);

// ---- connection -> FSM (and the connector's TcpConnectionFails) --------------------------------

/// <summary>A whole message, framed and decoded with the registered rules (Events 19, 24-27 and ROUTE-REFRESH).
/// <paramref name="Connection"/> is the sender's ref, so the FSM can tell its two connections apart during a collision.
/// <paramref name="Errors"/> are the RFC 7606 errors an UPDATE decoded with that do not reset the session
/// (treat-as-withdraw, attribute discard; the UPDATE is delivered as it must be applied), empty when none: an UPDATE
/// is Event 27 with or without them. Errors that do reset the session come as <see cref="ReceiveFailed"/>.</summary>
public sealed record Received(BgpMessage Message, IActorRef Connection, IReadOnlyList<WireError> Errors)
{
    /// <summary>The message with the errors it decoded with: an UPDATE's own <see cref="UpdateMessage.Errors"/>, else none.</summary>
    public Received(BgpMessage message, IActorRef connection)
        : this(message, connection, message is BgpUpdate u ? u.Update.Errors : []) { }
}

/// <summary>
/// UPDATEs that arrived one after the other, in order: one Event 27 (UpdateMsg) each, the same as that many
/// <see cref="Received"/> (each UPDATE's own <see cref="UpdateMessage.Errors"/> are its RFC 7606 errors that do not
/// reset the session). Sent instead of single messages to a handler that registered with
/// <see cref="Register.UpdateBatches"/>: a full table is hundreds of thousands of UPDATEs, and one message per
/// UPDATE through the FSM and the RIB cost a mailbox hop, a wrapper and often a thread wake-up per UPDATE at each
/// actor (issue 11). A batch ends where the receive's bytes end, before any other message (so a KEEPALIVE,
/// NOTIFICATION or error still arrives after the UPDATEs that preceded it), before reading pauses for
/// acknowledgements, and at <see cref="TcpConnection.MaxUpdateBatch"/> UPDATEs. Never empty.
/// </summary>
public sealed record ReceivedUpdates(BgpUpdate[] Updates, IActorRef Connection);

/// <summary>A message that could not be framed or decoded (Events 21 BGPHeaderErr, 22 BGPOpenMsgErr, 28 UpdateMsgErr).
/// Reading stops after a <see cref="ErrorAction.SessionReset"/> error; the FSM decides what to send.</summary>
public sealed record ReceiveFailed(WireError Error, MessageType? Type, IActorRef Connection);

/// <summary>RFC 4271 Event 18 TcpConnectionFails, from either half of the transport. From a connection
/// (<paramref name="Connection"/> its ref): it is gone (peer closed, reset, or our Close/Abort finished). From the
/// connector (<paramref name="Connection"/> null): the <see cref="Connect"/> numbered <paramref name="Attempt"/> failed.</summary>
public sealed record TcpConnectionFails(string Reason, IActorRef? Connection, long Attempt = 0)
{
    /// <summary>Our dial failed before a connection existed.</summary>
    public static TcpConnectionFails Dial(string reason, long attempt) => new(reason, null, attempt);
}

/// <summary>Messages that others than the handler queued on this connection (the RIB's UPDATEs and End-of-RIB
/// markers, ROUTE-REFRESH) and that have now been written to the socket, by type: at most one per completed
/// socket send, not one per message. The handler counts its own messages when it sends them.</summary>
public sealed record MessagesWritten(IReadOnlyDictionary<MessageType, long> Counts, IActorRef Connection);

/// <summary>RFC 9687: queued output made no progress for the send hold time.</summary>
public sealed record SendHoldTimerExpired(IActorRef Connection);
