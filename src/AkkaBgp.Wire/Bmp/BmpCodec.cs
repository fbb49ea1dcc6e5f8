using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace AkkaBgp.Wire.Bmp;

/// <summary>BMP message types (RFC 7854 4.1).</summary>
public enum BmpType : byte
{
    RouteMonitoring = 0,
    StatisticsReport = 1,
    PeerDown = 2,
    PeerUp = 3,
    Initiation = 4,
    Termination = 5,
}

/// <summary>Peer Down reasons (RFC 7854 4.9).</summary>
public enum BmpPeerDownReason : byte
{
    /// <summary>We closed the session with a NOTIFICATION, which follows.</summary>
    LocalNotification = 1,
    /// <summary>We closed it without one; the FSM event code follows.</summary>
    LocalNoNotification = 2,
    /// <summary>The peer closed it with a NOTIFICATION, which follows.</summary>
    RemoteNotification = 3,
    /// <summary>The peer closed it without one.</summary>
    RemoteNoNotification = 4,
    /// <summary>The peer was de-configured.</summary>
    Deconfigured = 5,
}

/// <summary>The per-peer header's view of a peer (RFC 7854 4.2). <paramref name="PostPolicy"/> is the L flag,
/// <paramref name="AdjRibOut"/> RFC 8671's O flag; the A flag (2-octet AS_PATH) is never set: we encode with 4.</summary>
public sealed record BmpPeer(IPAddress Address, uint As, uint BgpId, DateTimeOffset Timestamp, bool PostPolicy = false, bool AdjRibOut = false)
{
    /// <summary>Peer type 0, a global instance peer; RFC 9069's Loc-RIB instance is type 3.</summary>
    public byte PeerType { get; init; }
}

/// <summary>
/// BMP, the BGP Monitoring Protocol (RFC 7854, version 3), as pure functions over buffers: no I/O.
/// <list type="bullet">
/// <item>Common header (4.1): Version 3, Message Length (whole message), Message Type.</item>
/// <item>Per-peer header (4.2), 42 octets: Peer Type, Flags (V IPv6, L post-policy, A legacy AS_PATH, O Adj-RIB-Out per
/// RFC 8671), Peer Distinguisher, Peer Address (IPv4 in the last 4 of 16 octets), Peer AS, Peer BGP ID, timestamp
/// (seconds, microseconds).</item>
/// <item>Initiation (4.3) and Termination (4.5): TLVs (type, length, value); Information TLV types 0 String,
/// 1 sysDescr, 2 sysName; Termination reason TLV type 1.</item>
/// <item>Route Monitoring (4.6): a per-peer header and one whole BGP UPDATE.</item>
/// <item>Statistics Report (4.8): a per-peer header, a count and stat TLVs: 32-bit counters (types 0-6) and 64-bit
/// gauges (7 Adj-RIB-In routes, 8 Loc-RIB routes).</item>
/// <item>Peer Down (4.9): a reason and its data; Peer Up (4.10): local address and ports, then both OPENs whole.</item>
/// </list>
/// Decoding never throws: a message that does not fit gives false.
/// </summary>
public static class BmpCodec
{
    public const byte Version = 3;
    public const int CommonHeaderLength = 6;
    public const int PerPeerHeaderLength = 42;

    public const ushort InfoString = 0, InfoSysDescr = 1, InfoSysName = 2;
    public const ushort TerminationString = 0, TerminationReason = 1;
    public const ushort StatRejectedPrefixes = 0, StatAdjRibInRoutes = 7, StatLocRibRoutes = 8;

    public static byte[] Initiation(string sysName, string sysDescr)
    {
        var w = Begin();
        Tlv(w, InfoSysDescr, Encoding.UTF8.GetBytes(sysDescr));
        Tlv(w, InfoSysName, Encoding.UTF8.GetBytes(sysName));
        return Finish(w, BmpType.Initiation);
    }

    /// <summary>RFC 7854 4.5: reason 0 administratively closed, 1 unspecified, 2 out of resources, 3 redundant connection,
    /// 4 permanently administratively closed.</summary>
    public static byte[] Termination(ushort reason, string? text = null)
    {
        var w = Begin();
        if (text is not null) Tlv(w, TerminationString, Encoding.UTF8.GetBytes(text));
        Span<byte> r = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(r, reason);
        Tlv(w, TerminationReason, r);
        return Finish(w, BmpType.Termination);
    }

    public static byte[] RouteMonitoring(BmpPeer peer, ReadOnlySpan<byte> update)
    {
        var w = Begin();
        PerPeer(w, peer);
        w.Write(update);
        return Finish(w, BmpType.RouteMonitoring);
    }

    /// <summary>RFC 7854 4.10. <paramref name="sentOpen"/> and <paramref name="receivedOpen"/> are whole messages.</summary>
    public static byte[] PeerUp(BmpPeer peer, IPAddress localAddress, ushort localPort, ushort remotePort, ReadOnlySpan<byte> sentOpen, ReadOnlySpan<byte> receivedOpen)
    {
        var w = Begin();
        PerPeer(w, peer);
        w.Write(Address16(localAddress));
        U16(w, localPort);
        U16(w, remotePort);
        w.Write(sentOpen);
        w.Write(receivedOpen);
        return Finish(w, BmpType.PeerUp);
    }

    /// <summary>RFC 7854 4.9: reasons 1 and 3 carry the NOTIFICATION (whole message), 2 the FSM event code.</summary>
    public static byte[] PeerDown(BmpPeer peer, BmpPeerDownReason reason, ReadOnlySpan<byte> notification = default, ushort fsmEvent = 0)
    {
        var w = Begin();
        PerPeer(w, peer);
        w.Write([(byte)reason]);
        switch (reason)
        {
            case BmpPeerDownReason.LocalNotification or BmpPeerDownReason.RemoteNotification:
                if (notification.IsEmpty) throw new WireException($"BMP Peer Down reason {(byte)reason} carries the NOTIFICATION (RFC 7854 4.9)");
                w.Write(notification);
                break;
            case BmpPeerDownReason.LocalNoNotification:
                U16(w, fsmEvent);
                break;
        }
        return Finish(w, BmpType.PeerDown);
    }

    /// <summary>RFC 7854 4.8. Types 7 and up are 64-bit gauges, the others 32-bit counters.</summary>
    public static byte[] StatisticsReport(BmpPeer peer, IReadOnlyList<(ushort Type, ulong Value)> stats)
    {
        var w = Begin();
        PerPeer(w, peer);
        U32(w, (uint)stats.Count);
        Span<byte> v = stackalloc byte[8];
        foreach (var (type, value) in stats)
        {
            if (type >= 7) { BinaryPrimitives.WriteUInt64BigEndian(v, value); Tlv(w, type, v); }
            else { BinaryPrimitives.WriteUInt32BigEndian(v, (uint)Math.Min(value, uint.MaxValue)); Tlv(w, type, v[..4]); }
        }
        return Finish(w, BmpType.StatisticsReport);
    }

    // ---- reading ------------------------------------------------------------------------------------------

    /// <summary>One message at the start of <paramref name="input"/>: false when incomplete or not BMP version 3.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out BmpType type, out int length)
    {
        type = default;
        length = 0;
        if (input.Length < CommonHeaderLength || input[0] != Version) return false;
        uint l = BinaryPrimitives.ReadUInt32BigEndian(input[1..]);
        if (l < CommonHeaderLength || l > (uint)input.Length) return false;
        type = (BmpType)input[5];
        length = (int)l;
        return true;
    }

    /// <summary>The per-peer header right after the common header of <paramref name="message"/>.</summary>
    public static bool TryReadPeer(ReadOnlySpan<byte> message, out BmpPeer? peer)
    {
        peer = null;
        if (message.Length < CommonHeaderLength + PerPeerHeaderLength) return false;
        var h = message[CommonHeaderLength..];
        byte flags = h[1];
        var address = (flags & 0x80) != 0 ? new IPAddress(h.Slice(10, 16)) : new IPAddress(h.Slice(22, 4));
        uint seconds = BinaryPrimitives.ReadUInt32BigEndian(h[34..]);
        uint micros = BinaryPrimitives.ReadUInt32BigEndian(h[38..]);
        peer = new BmpPeer(address, BinaryPrimitives.ReadUInt32BigEndian(h[26..]), BinaryPrimitives.ReadUInt32BigEndian(h[30..]),
            DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10L), (flags & 0x40) != 0, (flags & 0x10) != 0) { PeerType = h[0] };
        return true;
    }

    // ---- pieces -------------------------------------------------------------------------------------------

    private static ArrayBufferWriter<byte> Begin()
    {
        var w = new ArrayBufferWriter<byte>();
        w.GetSpan(CommonHeaderLength);
        w.Advance(CommonHeaderLength); // filled in by Finish
        return w;
    }

    private static byte[] Finish(ArrayBufferWriter<byte> w, BmpType type)
    {
        var bytes = w.WrittenSpan.ToArray();
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)bytes.Length);
        bytes[5] = (byte)type;
        return bytes;
    }

    private static void PerPeer(ArrayBufferWriter<byte> w, BmpPeer p)
    {
        bool v6 = p.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !p.Address.IsIPv4MappedToIPv6;
        byte flags = (byte)((v6 ? 0x80 : 0) | (p.PostPolicy ? 0x40 : 0) | (p.AdjRibOut ? 0x10 : 0));
        w.Write([p.PeerType, flags]);
        w.Write(new byte[8]); // Peer Distinguisher: 0 for a global instance peer
        w.Write(Address16(p.Address));
        U32(w, p.As);
        U32(w, p.BgpId);
        long micros = (p.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        U32(w, (uint)(micros / 1_000_000));
        U32(w, (uint)(micros % 1_000_000));
    }

    /// <summary>An address in BMP's 16-octet field: IPv6 as is, IPv4 in the last 4 octets (RFC 7854 4.2).</summary>
    private static byte[] Address16(IPAddress a)
    {
        if (a.IsIPv4MappedToIPv6) a = a.MapToIPv4();
        var bytes = a.GetAddressBytes();
        if (bytes.Length == 16) return bytes;
        var result = new byte[16];
        bytes.CopyTo(result, 12);
        return result;
    }

    private static void Tlv(ArrayBufferWriter<byte> w, ushort type, ReadOnlySpan<byte> value)
    {
        U16(w, type);
        U16(w, (ushort)value.Length);
        w.Write(value);
    }

    private static void U16(ArrayBufferWriter<byte> w, ushort v) { BinaryPrimitives.WriteUInt16BigEndian(w.GetSpan(2), v); w.Advance(2); }
    private static void U32(ArrayBufferWriter<byte> w, uint v) { BinaryPrimitives.WriteUInt32BigEndian(w.GetSpan(4), v); w.Advance(4); }
}
