using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace AkkaBgp.Wire.Mrt;

/// <summary>MRT record types and subtypes we write and read (RFC 6396 section 4; RFC 8050 for ADD-PATH).</summary>
public static class MrtType
{
    public const ushort TableDumpV2 = 13;
    public const ushort Bgp4mp = 16;
    public const ushort Bgp4mpEt = 17;

    public const ushort PeerIndexTable = 1;
    public const ushort RibIpv4Unicast = 2;
    public const ushort RibIpv6Unicast = 4;
    public const ushort RibIpv4UnicastAddPath = 8;
    public const ushort RibIpv6UnicastAddPath = 10;

    public const ushort Bgp4mpStateChangeAs4 = 5;
    public const ushort Bgp4mpMessageAs4 = 4;
    /// <summary>RFC 8050 section 3: BGP4MP_MESSAGE_AS4 of a session whose NLRI carry ADD-PATH path identifiers.</summary>
    public const ushort Bgp4mpMessageAs4AddPath = 9;
}

/// <summary>One peer of a PEER_INDEX_TABLE (RFC 6396 4.3.1). RIB entries refer to peers by their index in it.</summary>
public sealed record MrtPeer(uint BgpId, IPAddress Address, uint As);

/// <summary>One path of a RIB record (RFC 6396 4.3.4): the peer (index), when it was learned, and its attributes as
/// they go in the record: AS_PATH with 4-octet AS numbers and, for IPv6, MP_REACH_NLRI cut down to its next hop.
/// <paramref name="PathId"/> is RFC 8050's path identifier, written only in the ADD-PATH subtypes.</summary>
public sealed record MrtRibEntry(ushort PeerIndex, uint OriginatedTime, ReadOnlyMemory<byte> Attributes, uint? PathId = null);

/// <summary>A decoded MRT record: the common header and its body, still raw.</summary>
public readonly record struct MrtRecord(uint Timestamp, ushort Type, ushort Subtype, ReadOnlyMemory<byte> Body);

/// <summary>
/// The MRT format (RFC 6396) as pure functions over buffers, for the table dumps and the updates file: no I/O.
/// <list type="bullet">
/// <item>Common header (section 2): Timestamp (seconds), Type, Subtype, Length of the body.</item>
/// <item>TABLE_DUMP_V2 (section 4.3): PEER_INDEX_TABLE (4.3.1) first, then one RIB_IPV4_UNICAST / RIB_IPV6_UNICAST
/// record per prefix (4.3.2) holding one entry per path (4.3.4), or the RFC 8050 section 4.1 ADD-PATH subtypes whose
/// entries carry a Path Identifier. Peer entries use the AS-size and IP-family bits of the Peer Type octet.</item>
/// <item>BGP4MP (section 4.4): BGP4MP_MESSAGE_AS4 (4.4.3) holds one whole BGP message as it was received, with the
/// peer's and our AS and addresses; BGP4MP_STATE_CHANGE_AS4 (4.4.4) one FSM transition (states numbered 1 Idle to
/// 6 Established, as RFC 4271's order).</item>
/// </list>
/// Decoding never throws: a record or field that does not fit gives false.
/// </summary>
public static class MrtCodec
{
    public const int HeaderLength = 12;

    // ---- writing ------------------------------------------------------------------------------------------

    public static void WriteRecord(IBufferWriter<byte> output, uint timestamp, ushort type, ushort subtype, ReadOnlySpan<byte> body)
    {
        var header = output.GetSpan(HeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(header, timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], subtype);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)body.Length);
        output.Advance(HeaderLength);
        output.Write(body);
    }

    /// <summary>RFC 6396 4.3.1. Peer Type bit 0: IPv6 address; bit 1: 4-octet AS (always set here).</summary>
    public static byte[] PeerIndexTable(uint collectorBgpId, string viewName, IReadOnlyList<MrtPeer> peers)
    {
        var w = new ArrayBufferWriter<byte>();
        byte[] name = Encoding.UTF8.GetBytes(viewName);
        U32(w, collectorBgpId);
        U16(w, (ushort)name.Length);
        w.Write(name);
        U16(w, (ushort)peers.Count);
        foreach (var p in peers)
        {
            bool v6 = p.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            w.Write([(byte)((v6 ? 0x01 : 0) | 0x02)]);
            U32(w, p.BgpId);
            w.Write(p.Address.GetAddressBytes());
            U32(w, p.As);
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>RFC 6396 4.3.2 (RFC 8050 4.1 when <paramref name="addPath"/>): a RIB record for one prefix.</summary>
    public static byte[] RibRecord(uint sequence, Prefix prefix, IReadOnlyList<MrtRibEntry> entries, bool addPath)
    {
        var w = new ArrayBufferWriter<byte>();
        U32(w, sequence);
        w.Write([(byte)prefix.Length]);
        byte[] address = prefix.Address.GetAddressBytes();
        w.Write(address.AsSpan(0, (prefix.Length + 7) / 8));
        U16(w, (ushort)entries.Count);
        foreach (var e in entries)
        {
            U16(w, e.PeerIndex);
            U32(w, e.OriginatedTime);
            if (addPath) U32(w, e.PathId ?? 0);
            U16(w, (ushort)e.Attributes.Length);
            w.Write(e.Attributes.Span);
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The subtype of a RIB record for the prefix's family.</summary>
    public static ushort RibSubtype(Prefix prefix, bool addPath) => (prefix.IsIPv6, addPath) switch
    {
        (false, false) => MrtType.RibIpv4Unicast,
        (true, false) => MrtType.RibIpv6Unicast,
        (false, true) => MrtType.RibIpv4UnicastAddPath,
        (true, true) => MrtType.RibIpv6UnicastAddPath,
    };

    /// <summary>
    /// RFC 6396 4.3.4: a path's attributes as a RIB entry holds them. <paramref name="canonical"/> is the RIB's
    /// canonical attribute encoding (4-octet AS_PATH, no MP_* attributes); for IPv6 the MP_REACH_NLRI attribute is
    /// added with only its Next Hop Length and Next Hop ("the remaining fields are omitted").
    /// </summary>
    public static byte[] RibAttributes(ReadOnlySpan<byte> canonical, ReadOnlySpan<byte> ipv6NextHop)
    {
        if (ipv6NextHop.IsEmpty) return canonical.ToArray();
        var result = new byte[canonical.Length + 3 + 1 + ipv6NextHop.Length];
        canonical.CopyTo(result);
        int at = canonical.Length;
        result[at] = 0x80; // Optional, non-transitive
        result[at + 1] = Attributes.AttributeType.MpReachNlri;
        result[at + 2] = (byte)(1 + ipv6NextHop.Length);
        result[at + 3] = (byte)ipv6NextHop.Length;
        ipv6NextHop.CopyTo(result.AsSpan(at + 4));
        return result;
    }

    /// <summary>RFC 6396 4.4.3 BGP4MP_MESSAGE_AS4: <paramref name="message"/> is a whole BGP message, marker included.</summary>
    public static byte[] Bgp4mpMessageAs4(uint peerAs, uint localAs, IPAddress peer, IPAddress local, ReadOnlySpan<byte> message)
    {
        var w = new ArrayBufferWriter<byte>();
        Bgp4mpPeerHeader(w, peerAs, localAs, peer, local);
        w.Write(message);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>RFC 6396 4.4.4 BGP4MP_STATE_CHANGE_AS4; states 1 (Idle) to 6 (Established).</summary>
    public static byte[] Bgp4mpStateChangeAs4(uint peerAs, uint localAs, IPAddress peer, IPAddress local, ushort oldState, ushort newState)
    {
        var w = new ArrayBufferWriter<byte>();
        Bgp4mpPeerHeader(w, peerAs, localAs, peer, local);
        U16(w, oldState);
        U16(w, newState);
        return w.WrittenSpan.ToArray();
    }

    private static void Bgp4mpPeerHeader(ArrayBufferWriter<byte> w, uint peerAs, uint localAs, IPAddress peer, IPAddress local)
    {
        bool v6 = peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (v6 != (local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
            throw new WireException("BGP4MP: the peer and local addresses must be of one family (RFC 6396 4.4.3)");
        U32(w, peerAs);
        U32(w, localAs);
        U16(w, 0); // Interface Index: not known to a speaker on a socket
        U16(w, v6 ? (ushort)2 : (ushort)1);
        w.Write(peer.GetAddressBytes());
        w.Write(local.GetAddressBytes());
    }

    private static void U16(ArrayBufferWriter<byte> w, ushort v) { BinaryPrimitives.WriteUInt16BigEndian(w.GetSpan(2), v); w.Advance(2); }
    private static void U32(ArrayBufferWriter<byte> w, uint v) { BinaryPrimitives.WriteUInt32BigEndian(w.GetSpan(4), v); w.Advance(4); }

    // ---- reading ------------------------------------------------------------------------------------------

    /// <summary>The record at the start of <paramref name="input"/>; false when the input ends inside it.</summary>
    public static bool TryReadRecord(ReadOnlyMemory<byte> input, out MrtRecord record, out int consumed)
    {
        record = default;
        consumed = 0;
        var s = input.Span;
        if (s.Length < HeaderLength) return false;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(s[8..]);
        if (length > (uint)(s.Length - HeaderLength)) return false;
        record = new MrtRecord(BinaryPrimitives.ReadUInt32BigEndian(s), BinaryPrimitives.ReadUInt16BigEndian(s[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(s[6..]), input.Slice(HeaderLength, (int)length));
        consumed = HeaderLength + (int)length;
        return true;
    }

    public static bool TryReadPeerIndexTable(ReadOnlySpan<byte> body, out uint collectorBgpId, out string viewName, out List<MrtPeer> peers)
    {
        collectorBgpId = 0;
        viewName = "";
        peers = [];
        if (body.Length < 6) return false;
        collectorBgpId = BinaryPrimitives.ReadUInt32BigEndian(body);
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
        int at = 6;
        if (body.Length < at + nameLength + 2) return false;
        viewName = Encoding.UTF8.GetString(body.Slice(at, nameLength));
        at += nameLength;
        int count = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        at += 2;
        for (int i = 0; i < count; i++)
        {
            if (body.Length < at + 5) return false;
            byte type = body[at];
            uint id = BinaryPrimitives.ReadUInt32BigEndian(body[(at + 1)..]);
            at += 5;
            int addressLength = (type & 0x01) != 0 ? 16 : 4;
            int asLength = (type & 0x02) != 0 ? 4 : 2;
            if (body.Length < at + addressLength + asLength) return false;
            var address = new IPAddress(body.Slice(at, addressLength));
            at += addressLength;
            uint asn = asLength == 4 ? BinaryPrimitives.ReadUInt32BigEndian(body[at..]) : BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            at += asLength;
            peers.Add(new MrtPeer(id, address, asn));
        }
        return at == body.Length;
    }

    public static bool TryReadRibRecord(ReadOnlyMemory<byte> body, bool ipv6, bool addPath, out uint sequence, out Prefix prefix, out List<MrtRibEntry> entries)
    {
        sequence = 0;
        prefix = default;
        entries = [];
        var s = body.Span;
        if (s.Length < 5) return false;
        sequence = BinaryPrimitives.ReadUInt32BigEndian(s);
        int length = s[4];
        if (length > (ipv6 ? 128 : 32)) return false;
        int octets = (length + 7) / 8;
        int at = 5;
        if (s.Length < at + octets + 2) return false;
        Span<byte> address = stackalloc byte[ipv6 ? 16 : 4];
        s.Slice(at, octets).CopyTo(address);
        prefix = Prefix.Create(new IPAddress(address), length);
        at += octets;
        int count = BinaryPrimitives.ReadUInt16BigEndian(s[at..]);
        at += 2;
        for (int i = 0; i < count; i++)
        {
            int fixedPart = addPath ? 12 : 8;
            if (s.Length < at + fixedPart) return false;
            ushort peer = BinaryPrimitives.ReadUInt16BigEndian(s[at..]);
            uint time = BinaryPrimitives.ReadUInt32BigEndian(s[(at + 2)..]);
            uint? pathId = addPath ? BinaryPrimitives.ReadUInt32BigEndian(s[(at + 6)..]) : null;
            int attrLength = BinaryPrimitives.ReadUInt16BigEndian(s[(at + fixedPart - 2)..]);
            at += fixedPart;
            if (s.Length < at + attrLength) return false;
            entries.Add(new MrtRibEntry(peer, time, body.Slice(at, attrLength), pathId));
            at += attrLength;
        }
        return at == s.Length;
    }
}
