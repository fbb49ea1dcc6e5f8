using System.Net;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Bmp;

namespace AkkaBgp.Wire.Tests.Bmp;

/// <summary>BMP messages (RFC 7854, RFC 8671 flags) byte for byte, worked out from the RFC's figures.</summary>
public sealed class BmpCodecTests
{
    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b);

    private static readonly BmpPeer V4Peer = new(IPAddress.Parse("192.0.2.9"), 65001, 0x0A000001,
        DateTimeOffset.FromUnixTimeSeconds(0x5F5E1000).AddTicks(250 * 10));

    // Type 0, flags, distinguisher 0, address (IPv4 in the last 4 of 16), AS, BGP ID, seconds, microseconds.
    private const string V4PeerHeader = "00" + "00" + "0000000000000000" + "000000000000000000000000C0000209" + "0000FDE9" + "0A000001" + "5F5E1000" + "000000FA";

    [Fact]
    public void Initiation_is_the_common_header_and_information_TLVs()
    {
        var m = BmpCodec.Initiation("r1", "AkkaBgp");
        Assert.Equal("03" + "00000017" + "04" + "0001" + "0007" + "416B6B61426770" + "0002" + "0002" + "7231", Hex(m));
        Assert.True(BmpCodec.TryRead(m, out var type, out int length));
        Assert.Equal((BmpType.Initiation, m.Length), (type, length));
    }

    [Fact]
    public void Route_monitoring_wraps_the_UPDATE_behind_the_per_peer_header()
    {
        byte[] update = [.. Enumerable.Repeat((byte)0xFF, 16), 0, 23, 2, 0, 0, 0, 0];
        var m = BmpCodec.RouteMonitoring(V4Peer, update);
        Assert.Equal("03" + "00000047" + "00" + V4PeerHeader + Hex(update), Hex(m));
        Assert.True(BmpCodec.TryReadPeer(m, out var peer));
        Assert.Equal(V4Peer.Address, peer!.Address);
        Assert.Equal(V4Peer.Timestamp, peer.Timestamp);
    }

    [Fact]
    public void Post_policy_Adj_RIB_Out_of_an_IPv6_peer_sets_V_L_and_O()
    {
        var p = new BmpPeer(IPAddress.Parse("2001:db8::9"), 65001, 1, DateTimeOffset.UnixEpoch, PostPolicy: true, AdjRibOut: true);
        var m = BmpCodec.RouteMonitoring(p, []);
        Assert.Equal("D0", Hex(m.AsSpan(7, 1)));
        Assert.Equal("20010DB8000000000000000000000009", Hex(m.AsSpan(16, 16)));
        Assert.True(BmpCodec.TryReadPeer(m, out var read));
        Assert.True(read!.PostPolicy && read.AdjRibOut);
    }

    [Fact]
    public void Peer_up_carries_the_local_end_and_both_OPENs()
    {
        byte[] sent = [1, 2], received = [3, 4];
        var m = BmpCodec.PeerUp(V4Peer, IPAddress.Parse("192.0.2.1"), 179, 40000, sent, received);
        Assert.Equal("03" + "00000048" + "03" + V4PeerHeader + "000000000000000000000000C0000201" + "00B3" + "9C40" + "0102" + "0304", Hex(m));
    }

    [Fact]
    public void Peer_down_reasons_carry_a_NOTIFICATION_or_the_FSM_event()
    {
        byte[] notification = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown).ToArray();
        var local = BmpCodec.PeerDown(V4Peer, BmpPeerDownReason.LocalNotification, notification);
        Assert.Equal("01" + Hex(notification), Hex(local.AsSpan(6 + 42)));
        var noNotification = BmpCodec.PeerDown(V4Peer, BmpPeerDownReason.LocalNoNotification, fsmEvent: 10);
        Assert.Equal("02" + "000A", Hex(noNotification.AsSpan(6 + 42)));
        var remote = BmpCodec.PeerDown(V4Peer, BmpPeerDownReason.RemoteNoNotification);
        Assert.Equal("04", Hex(remote.AsSpan(6 + 42)));
        Assert.Throws<WireException>(() => BmpCodec.PeerDown(V4Peer, BmpPeerDownReason.RemoteNotification));
    }

    [Fact]
    public void Statistics_report_counters_are_32_bits_and_gauges_64()
    {
        var m = BmpCodec.StatisticsReport(V4Peer, [(BmpCodec.StatRejectedPrefixes, 5), (BmpCodec.StatAdjRibInRoutes, 1_000_000)]);
        Assert.Equal("00000002" + "0000" + "0004" + "00000005" + "0007" + "0008" + "00000000000F4240", Hex(m.AsSpan(6 + 42)));
    }

    [Fact]
    public void Termination_says_why()
    {
        Assert.Equal("03" + "0000000C" + "05" + "0001" + "0002" + "0000", Hex(BmpCodec.Termination(0)));
        Assert.False(BmpCodec.TryRead([3, 0, 0, 0, 50, 4], out _, out _));
        Assert.False(BmpCodec.TryRead([1, 0, 0, 0, 6, 4], out _, out _));
    }
}
