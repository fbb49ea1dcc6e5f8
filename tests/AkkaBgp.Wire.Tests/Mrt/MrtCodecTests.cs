using System.Buffers;
using System.Net;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Mrt;

namespace AkkaBgp.Wire.Tests.Mrt;

/// <summary>MRT records (RFC 6396, RFC 8050) byte for byte, worked out from the RFC's figures, and read back.</summary>
public sealed class MrtCodecTests
{
    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b);

    [Fact]
    public void Common_header_is_timestamp_type_subtype_and_body_length()
    {
        var w = new ArrayBufferWriter<byte>();
        MrtCodec.WriteRecord(w, 0x5F5E1000, MrtType.TableDumpV2, MrtType.PeerIndexTable, [0xAA, 0xBB]);
        Assert.Equal("5F5E1000" + "000D" + "0001" + "00000002" + "AABB", Hex(w.WrittenSpan));
        Assert.True(MrtCodec.TryReadRecord(w.WrittenMemory, out var r, out int consumed));
        Assert.Equal((0x5F5E1000u, (ushort)13, (ushort)1, 14), (r.Timestamp, r.Type, r.Subtype, consumed));
        Assert.False(MrtCodec.TryReadRecord(w.WrittenMemory[..13], out _, out _));
    }

    [Fact]
    public void Peer_index_table_marks_four_octet_AS_and_IPv6_peers_in_the_peer_type()
    {
        var body = MrtCodec.PeerIndexTable(0xC0000201, "rib", [
            new MrtPeer(0x0A000001, IPAddress.Parse("192.0.2.9"), 65001),
            new MrtPeer(0x0A000002, IPAddress.Parse("2001:db8::9"), 4200000000),
        ]);
        Assert.Equal(
            "C0000201" + "0003" + "726962" + "0002"
            + "02" + "0A000001" + "C0000209" + "0000FDE9"
            + "03" + "0A000002" + "20010DB8000000000000000000000009" + "FA56EA00",
            Hex(body));
        Assert.True(MrtCodec.TryReadPeerIndexTable(body, out uint id, out string view, out var peers));
        Assert.Equal((0xC0000201u, "rib"), (id, view));
        Assert.Equal(IPAddress.Parse("2001:db8::9"), peers[1].Address);
        Assert.Equal(4200000000u, peers[1].As);
    }

    [Fact]
    public void Rib_record_holds_the_prefix_in_its_octets_and_one_entry_per_path()
    {
        byte[] attrs = [0x40, 0x01, 0x01, 0x00];
        var body = MrtCodec.RibRecord(7, Prefix.Parse("10.1.2.0/23"), [new MrtRibEntry(1, 0x5F5E1000, attrs)], addPath: false);
        Assert.Equal("00000007" + "17" + "0A0102" + "0001" + "0001" + "5F5E1000" + "0004" + "40010100", Hex(body));
        Assert.True(MrtCodec.TryReadRibRecord(body, ipv6: false, addPath: false, out uint seq, out var prefix, out var entries));
        Assert.Equal((7u, "10.1.2.0/23"), (seq, prefix.ToString()));
        Assert.Equal(attrs, entries.Single().Attributes.ToArray());
        Assert.Equal(MrtType.RibIpv4Unicast, MrtCodec.RibSubtype(prefix, addPath: false));
    }

    [Fact]
    public void Add_path_rib_entries_carry_the_path_identifier_after_the_originated_time()
    {
        var body = MrtCodec.RibRecord(1, Prefix.Parse("2001:db8::/32"), [new MrtRibEntry(0, 1, new byte[] { 0x40, 1, 1, 2 }, PathId: 9)], addPath: true);
        Assert.Equal("00000001" + "20" + "20010DB8" + "0001" + "0000" + "00000001" + "00000009" + "0004" + "40010102", Hex(body));
        Assert.True(MrtCodec.TryReadRibRecord(body, ipv6: true, addPath: true, out _, out var prefix, out var entries));
        Assert.Equal("2001:db8::/32", prefix.ToString());
        Assert.Equal(9u, entries[0].PathId);
        Assert.Equal(MrtType.RibIpv6UnicastAddPath, MrtCodec.RibSubtype(prefix, addPath: true));
    }

    [Fact]
    public void Ipv6_entries_carry_MP_REACH_NLRI_with_only_the_next_hop()
    {
        var nh = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        var a = MrtCodec.RibAttributes([0x40, 0x01, 0x01, 0x00], nh);
        // RFC 6396 4.3.4: flags (optional), type 14, length 17, next hop length 16, next hop.
        Assert.Equal("40010100" + "800E11" + "10" + "20010DB8000000000000000000000001", Hex(a));
    }

    [Fact]
    public void Bgp4mp_message_as4_and_state_change_as4()
    {
        byte[] keepalive = [.. Enumerable.Repeat((byte)0xFF, 16), 0, 19, 4];
        var msg = MrtCodec.Bgp4mpMessageAs4(65001, 65000, IPAddress.Parse("192.0.2.9"), IPAddress.Parse("192.0.2.1"), keepalive);
        Assert.Equal("0000FDE9" + "0000FDE8" + "0000" + "0001" + "C0000209" + "C0000201" + Hex(keepalive), Hex(msg));
        var state = MrtCodec.Bgp4mpStateChangeAs4(65001, 65000, IPAddress.Parse("2001:db8::9"), IPAddress.Parse("2001:db8::1"), 5, 6);
        Assert.Equal("0000FDE9" + "0000FDE8" + "0000" + "0002" + "20010DB8000000000000000000000009" + "20010DB8000000000000000000000001" + "0005" + "0006", Hex(state));
        Assert.Throws<WireException>(() => MrtCodec.Bgp4mpStateChangeAs4(1, 2, IPAddress.Parse("192.0.2.9"), IPAddress.Parse("2001:db8::1"), 1, 2));
    }

    [Fact]
    public void Truncated_or_overlong_bodies_are_refused_not_thrown()
    {
        var body = MrtCodec.RibRecord(7, Prefix.Parse("10.1.2.0/24"), [new MrtRibEntry(1, 2, new byte[] { 0x40, 1, 1, 0 })], addPath: false);
        for (int cut = 0; cut < body.Length; cut++)
            Assert.False(MrtCodec.TryReadRibRecord(body.AsMemory(0, cut), false, false, out _, out _, out _));
        Assert.False(MrtCodec.TryReadRibRecord((byte[])[.. body, 0], false, false, out _, out _, out _));
        Assert.False(MrtCodec.TryReadRibRecord((byte[])[0, 0, 0, 1, 33, 10, 0, 0, 0, 0, 0, 0], false, false, out _, out _, out _));
    }
}
