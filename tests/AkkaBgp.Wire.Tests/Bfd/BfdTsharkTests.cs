using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaBgp.Wire.Bfd;
using Xunit.Abstractions;

namespace AkkaBgp.Wire.Tests.Bfd;

/// <summary>
/// Our encoder's packets, every state, diagnostic, flag and authentication type, written into a pcap as IPv4/UDP
/// datagrams to port 3784 (TTL 255, source port 49152 as RFC 5881 section 4 asks) and decoded by tshark's BFD
/// dissector, an independent implementation: each field must read back as we meant it, with no malformed packet and
/// no error-level expert info.
/// </summary>
public class BfdTsharkTests(ITestOutputHelper output)
{
    private const string Tshark = "/usr/bin/tshark";

    private static IEnumerable<(BfdControlPacket Packet, BfdAuthKey? Key, uint Seq)> Samples()
    {
        uint my = 0x11223344;
        foreach (BfdState state in Enum.GetValues<BfdState>())
            foreach (BfdDiagnostic diag in Enum.GetValues<BfdDiagnostic>())
                yield return (new BfdControlPacket
                {
                    State = state, Diagnostic = diag, DetectMult = 3, MyDiscriminator = my++,
                    YourDiscriminator = state is BfdState.Init or BfdState.Up ? 0xCAFE0001 : 0,
                    DesiredMinTxInterval = state == BfdState.Up ? 50_000u : 1_000_000u, RequiredMinRxInterval = 50_000,
                }, null, 0);
        var up = new BfdControlPacket
        {
            State = BfdState.Up, DetectMult = 3, MyDiscriminator = 7, YourDiscriminator = 9,
            DesiredMinTxInterval = 50_000, RequiredMinRxInterval = 50_000,
        };
        yield return (up with { Poll = true }, null, 0);
        yield return (up with { Final = true }, null, 0);
        yield return (up with { Demand = true, ControlPlaneIndependent = true }, null, 0);
        foreach (BfdAuthType type in Enum.GetValues<BfdAuthType>().Where(t => t != BfdAuthType.None))
            yield return (up, new BfdAuthKey(type, 5, "akka-bfd"u8.ToArray()), 0x01020304);
    }

    [Fact]
    public void Tshark_decodes_every_encoded_packet_as_we_meant_it()
    {
        Assert.True(File.Exists(Tshark), $"{Tshark} is missing: install the Debian package tshark (tests/run-all.sh does)");
        var samples = Samples().ToList();
        string pcap = Path.Combine(Path.GetTempPath(), $"akkabgp-bfd-tshark-{Environment.ProcessId}.pcap");
        var expected = new List<string>();
        using (var file = File.Create(pcap))
        {
            WritePcapHeader(file);
            foreach (var (packet, key, seq) in samples)
            {
                byte[] bytes = BfdCodec.ToArray(packet, key, seq);
                WriteUdpFrame(file, bytes, expected.Count);
                expected.Add(string.Join('|', 1, (int)packet.Diagnostic, (int)packet.State, Bit(packet.Poll), Bit(packet.Final),
                    Bit(packet.ControlPlaneIndependent), Bit(key is not null), Bit(packet.Demand), packet.DetectMult, bytes.Length,
                    packet.MyDiscriminator, packet.YourDiscriminator, packet.DesiredMinTxInterval, packet.RequiredMinRxInterval,
                    key is null ? "" : ((int)key.Type).ToString(), key is null || !key.HasSequence ? "" : seq.ToString()));
            }
        }
        // Field names of Wireshark's packet-bfd.c (4.0).
        string fields = Run(pcap, "-T", "fields", "-E", "separator=|", "-e", "bfd.version", "-e", "bfd.diag", "-e", "bfd.sta",
            "-e", "bfd.flags.p", "-e", "bfd.flags.f", "-e", "bfd.flags.c", "-e", "bfd.flags.a", "-e", "bfd.flags.d",
            "-e", "bfd.detect_time_multiplier", "-e", "bfd.message_length", "-e", "bfd.my_discriminator", "-e", "bfd.your_discriminator",
            "-e", "bfd.desired_min_tx_interval", "-e", "bfd.required_min_rx_interval", "-e", "bfd.auth.type", "-e", "bfd.auth.seq_num");
        var lines = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join('|', l.Split('|').Select(Normalise))).ToList();
        Assert.Equal(samples.Count, lines.Count);
        var problems = new List<string>();
        for (int i = 0; i < samples.Count; i++)
            if (lines[i] != expected[i]) problems.Add($"frame {i + 1}: tshark {lines[i]}\n          ours   {expected[i]}");

        string detail = Run(pcap, "-V");
        if (detail.Contains("[Malformed Packet", StringComparison.Ordinal)) problems.Add("tshark reports a malformed packet");
        if (detail.Contains("[Severity level: Error]", StringComparison.Ordinal)) problems.Add("tshark reports an error-level expert info");
        int decoded = Regex.Matches(detail, @"^BFD Control message", RegexOptions.Multiline).Count;
        if (decoded != samples.Count) problems.Add($"{decoded} of {samples.Count} frames decoded as BFD Control");
        output.WriteLine($"{samples.Count} packets in {pcap}; first: {lines[0]}; last: {lines[^1]}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        File.Delete(pcap);
    }

    private static string Bit(bool b) => b ? "1" : "0";

    // tshark prints flags as True/False or 1/0 and numbers in hex for some fields, depending on the version.
    private static string Normalise(string field)
    {
        field = field.Trim();
        if (field is "True") return "1";
        if (field is "False") return "0";
        if (field.StartsWith("0x", StringComparison.Ordinal)) return Convert.ToUInt64(field[2..], 16).ToString();
        return field;
    }

    private static void WritePcapHeader(Stream s)
    {
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 101); // LINKTYPE_RAW: the frame is the IP packet
        s.Write(h);
    }

    private static void WriteUdpFrame(Stream s, ReadOnlySpan<byte> payload, int index)
    {
        var frame = new byte[28 + payload.Length];
        Span<byte> ip = frame;
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)frame.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)index);
        ip[8] = 255; // RFC 5881 section 5
        ip[9] = 17;
        byte[] src = [192, 0, 2, 1], dst = [192, 0, 2, 2];
        src.CopyTo(ip[12..]);
        dst.CopyTo(ip[16..]);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~sum);
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 49152);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 3784);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        // UDP checksum 0: "no checksum" for IPv4 (RFC 768).
        payload.CopyTo(udp[8..]);
        Span<byte> rec = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(rec, 1_700_000_000 + (uint)index);
        BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], (uint)frame.Length);
        s.Write(rec);
        s.Write(frame);
    }

    private static string Run(string pcap, params string[] args)
    {
        var psi = new ProcessStartInfo(Tshark) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-n", "-r", pcap }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish in 60 s");
        Assert.True(p.ExitCode == 0, $"tshark exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
