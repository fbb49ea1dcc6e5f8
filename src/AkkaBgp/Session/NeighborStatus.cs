using System.Net;
using AkkaBgp.Wire;

namespace AkkaBgp.Session;

/// <summary>A NOTIFICATION with when it went or came, and its RFC 9003 shutdown communication if any.</summary>
public sealed record NotificationRecord(byte Code, byte Subcode, string Description, string? ShutdownCommunication, DateTimeOffset At)
{
    public static NotificationRecord From(NotificationMessage n, DateTimeOffset at) =>
        new(n.Code, n.Subcode, n.Describe(), n.ShutdownCommunication, at);
}

/// <summary>Reply to <see cref="GetNeighborStatus"/>: the management view of one neighbor.</summary>
public sealed record NeighborStatus(
    IPAddress Peer,
    uint PeerAs,
    string? Description,
    SessionState State,
    NegotiatedSession? Session,
    int ConnectRetryCounter,
    TimeSpan IdleHoldTime,
    // When the session last entered Established (null: not Established now).
    DateTimeOffset? UpSince,
    // When the session last left Established, or when the FSM started.
    DateTimeOffset? DownSince,
    // How many times the session has left Established.
    int FlapCount,
    string? LastError,
    NotificationRecord? LastNotificationSent,
    NotificationRecord? LastNotificationReceived,
    IReadOnlyDictionary<MessageType, long> MessagesSent,
    IReadOnlyDictionary<MessageType, long> MessagesReceived,
    // The endpoints of the connection the session runs on (null in Idle/Connect/Active without one).
    IPEndPoint? LocalEndPoint = null,
    IPEndPoint? RemoteEndPoint = null);

/// <summary>The per-neighbor statistics one FSM keeps across sessions (not FSM state: they survive every transition).</summary>
internal sealed class NeighborCounters
{
    public Dictionary<MessageType, long> Sent { get; } = new();
    public Dictionary<MessageType, long> Received { get; } = new();
    public DateTimeOffset? UpSince { get; set; }
    public DateTimeOffset? DownSince { get; set; }
    public int FlapCount { get; set; }
    public string? LastError { get; set; }
    public NotificationRecord? LastNotificationSent { get; set; }
    public NotificationRecord? LastNotificationReceived { get; set; }

    public void CountSent(BgpMessage m) => Sent[m.Type] = Sent.GetValueOrDefault(m.Type) + 1;

    /// <summary>Messages others (the RIB) queued on the session's connections, as the connection wrote them.</summary>
    public void CountWritten(IReadOnlyDictionary<MessageType, long> counts)
    {
        foreach (var (type, n) in counts) Sent[type] = Sent.GetValueOrDefault(type) + n;
    }

    public void CountReceived(BgpMessage m) => CountReceived(m.Type, 1);

    public void CountReceived(MessageType type, long n) => Received[type] = Received.GetValueOrDefault(type) + n;
}
