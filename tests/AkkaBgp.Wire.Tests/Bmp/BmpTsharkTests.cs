using System.Net;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Bmp;
using AkkaBgp.Wire.Tests.Tshark;

namespace AkkaBgp.Wire.Tests.Bmp;

/// <summary>
/// Wireshark's BMP dissector (tshark, an independent reading of RFC 7854) decodes a stream of every message type
/// our codec writes, with real OPENs and UPDATEs inside, and finds nothing malformed and no error-level expert info.
/// </summary>
public sealed class BmpTsharkTests
{
    [Fact]
    public void Tshark_decodes_our_BMP_stream_cleanly()
    {
        Assert.True(File.Exists("/usr/bin/tshark"), "tshark is missing: tests/run-all.sh installs it");
        var peer = new BmpPeer(IPAddress.Parse("192.0.2.9"), 65001, 0x0A000001, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var v6 = new BmpPeer(IPAddress.Parse("2001:db8::9"), 4200000001, 0x0A000002, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), PostPolicy: true);
        byte[] ourOpen = OpenMessage.Create(65000, 90, 0xC0000201, []).ToArray();
        byte[] theirOpen = OpenMessage.Create(65001, 90, 0x0A000001, []).ToArray();
        byte[] update = new UpdateTsharkSamples().Samples().First().Message.ToArray();
        byte[][] messages =
        [
            BmpCodec.Initiation("r1", "AkkaBgp"),
            BmpCodec.PeerUp(peer, IPAddress.Parse("192.0.2.1"), 179, 40000, ourOpen, theirOpen),
            BmpCodec.RouteMonitoring(peer, update),
            BmpCodec.RouteMonitoring(v6, update),
            BmpCodec.StatisticsReport(peer, [(BmpCodec.StatRejectedPrefixes, 3), (BmpCodec.StatAdjRibInRoutes, 12)]),
            BmpCodec.PeerDown(peer, BmpPeerDownReason.RemoteNotification, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown).ToArray()),
            BmpCodec.PeerDown(peer, BmpPeerDownReason.LocalNoNotification, fsmEvent: 10),
            BmpCodec.Termination(0, "stopping"),
        ];
        string pcap = Path.Combine(Path.GetTempPath(), $"akkabgp-bmp-{Environment.ProcessId}.pcap");
        using (var file = File.Create(pcap))
        using (var writer = new PcapWriter(file))
            foreach (var m in messages) writer.WriteMessage(m);
        try
        {
            // The writer's connection is to port 179; decode it as BMP.
            string types = Tshark(pcap, "-d", "tcp.port==179,bmp", "-Y", "bmp", "-T", "fields", "-e", "bmp.type");
            Assert.Equal(["4", "3", "0", "0", "1", "2", "2", "5"], types.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            string detail = Tshark(pcap, "-d", "tcp.port==179,bmp", "-V");
            Assert.DoesNotContain("[Malformed Packet", detail);
            Assert.DoesNotContain("[Severity level: Error]", detail);
            Assert.Contains("UPDATE Message", detail);
            Assert.Contains("OPEN Message", detail);
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private static string Tshark(string pcap, params string[] args) => TsharkCrossCheckTests.RunTshark(pcap, args);
}
