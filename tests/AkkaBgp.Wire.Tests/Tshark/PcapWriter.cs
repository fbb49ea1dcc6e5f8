using System.Buffers.Binary;

namespace AkkaBgp.Wire.Tests.Tshark;

/// <summary>
/// Writes a classic libpcap file (magic a1b2c3d4, version 2.4, link type 1 Ethernet) holding one TCP
/// connection to port 179: a three-way handshake, then one segment per BGP message with correct
/// sequence numbers and checksums, so that tshark's TCP analysis has nothing to complain about and
/// any expert error it raises is the BGP dissector's.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private readonly Stream _out;
    private uint _clientSeq = 1000, _serverSeq = 5000;
    private int _frames;
    private static readonly byte[] ClientIp = [192, 0, 2, 1], ServerIp = [192, 0, 2, 2];
    private const ushort ClientPort = 40179, ServerPort = 179;

    public PcapWriter(Stream output)
    {
        _out = output;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 262144); // snaplen
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);      // LINKTYPE_ETHERNET
        _out.Write(h);
        Segment(fromClient: true, Syn, []);
        _clientSeq++;
        Segment(fromClient: false, Syn | Ack, []);
        _serverSeq++;
        Segment(fromClient: true, Ack, []);
    }

    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;

    /// <summary>Frames written so far (the handshake is frames 1-3).</summary>
    public int Frames => _frames;

    /// <summary>Writes one BGP message as one TCP segment from the client; returns its frame number.</summary>
    public int WriteMessage(ReadOnlySpan<byte> message)
    {
        Segment(fromClient: true, Psh | Ack, message);
        _clientSeq += (uint)message.Length;
        return _frames;
    }

    private void Segment(bool fromClient, byte flags, ReadOnlySpan<byte> payload)
    {
        int ipLength = 20 + 20 + payload.Length;
        var frame = new byte[14 + ipLength];
        Span<byte> f = frame;
        // Ethernet: locally administered MACs, EtherType IPv4.
        byte[] macA = [0x02, 0, 0, 0, 0, 1], macB = [0x02, 0, 0, 0, 0, 2];
        (fromClient ? macB : macA).CopyTo(f);
        (fromClient ? macA : macB).CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
        Span<byte> ip = f[14..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)_frames);
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = 6;
        (fromClient ? ClientIp : ServerIp).CopyTo(ip[12..]);
        (fromClient ? ServerIp : ClientIp).CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20], 0));
        Span<byte> tcp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, fromClient ? ClientPort : ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], fromClient ? ServerPort : ClientPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], fromClient ? _clientSeq : _serverSeq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], (flags & Ack) != 0 ? (fromClient ? _serverSeq : _clientSeq) : 0);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        payload.CopyTo(tcp[20..]);
        // TCP checksum over the pseudo-header (RFC 793 section 3.1) and the segment.
        uint pseudo = Sum(ip.Slice(12, 8)) + 6 + (uint)(20 + payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(tcp[..(20 + payload.Length)], pseudo));

        Span<byte> rec = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(rec, 1_700_000_000 + (uint)_frames);
        BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], (uint)frame.Length);
        _out.Write(rec);
        _out.Write(frame);
        _frames++;
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if ((data.Length & 1) != 0) sum += (uint)data[^1] << 8;
        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = initial + Sum(data);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public void Dispose()
    {
        Segment(fromClient: true, Fin | Ack, []);
        _out.Flush();
    }
}
