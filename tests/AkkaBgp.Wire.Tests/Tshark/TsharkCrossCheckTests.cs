using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace AkkaBgp.Wire.Tests.Tshark;

/// <summary>
/// Writes every encoder sample into a pcap and has tshark (Wireshark's BGP dissector, an independent
/// implementation) decode it: each frame must be BGP of the right type, contain the expected text,
/// and raise no malformed-packet or error-level expert info. Fails when tshark is missing: CI installs it.
/// </summary>
public class TsharkCrossCheckTests(ITestOutputHelper output)
{
    private const string Tshark = "/usr/bin/tshark";

    private static IReadOnlyList<TsharkSample> DiscoverSamples()
        => typeof(TsharkCrossCheckTests).Assembly.GetTypes()
            .Where(t => typeof(ITsharkSampleSource).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                        && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .SelectMany(t => ((ITsharkSampleSource)Activator.CreateInstance(t)!).Samples())
            .ToList();

    private static readonly Dictionary<byte, string> TypeNames = new()
    {
        [1] = "OPEN Message", [2] = "UPDATE Message", [3] = "NOTIFICATION Message", [4] = "KEEPALIVE Message", [5] = "ROUTE-REFRESH Message",
    };

    [Fact]
    public void Tshark_decodes_every_encoded_message_cleanly()
    {
        Assert.True(File.Exists(Tshark), $"{Tshark} is missing: install the Debian package tshark (tests/run-all.sh does)");
        var samples = DiscoverSamples();
        string dir = Path.Combine(Path.GetTempPath(), $"akkabgp-tshark-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        string pcap = Path.Combine(dir, "wire-samples.pcap");
        var frameOf = new Dictionary<int, TsharkSample>();
        using (var file = File.Create(pcap))
        using (var writer = new PcapWriter(file))
        {
            foreach (var s in samples)
                frameOf[writer.WriteMessage(s.Message)] = s;
        }

        string text = RunTshark(pcap, "-V");
        // "Frame 12: 93 bytes on wire" starts each frame's detail.
        var frames = Regex.Split(text, @"^(?=Frame \d+: )", RegexOptions.Multiline)
            .Where(f => f.StartsWith("Frame ", StringComparison.Ordinal))
            .ToDictionary(f => int.Parse(Regex.Match(f, @"^Frame (\d+):").Groups[1].Value), f => f);

        var problems = new List<string>();
        foreach (var (frame, sample) in frameOf)
        {
            if (!frames.TryGetValue(frame, out string? detail))
            {
                problems.Add($"{sample.Name}: frame {frame} missing from tshark output");
                continue;
            }
            string want = TypeNames[sample.Message[18]];
            int bgpCount = Regex.Matches(detail, @"^Border Gateway Protocol - ", RegexOptions.Multiline).Count;
            if (bgpCount != 1)
                problems.Add($"{sample.Name}: {bgpCount} BGP messages in frame {frame}");
            if (!detail.Contains($"Border Gateway Protocol - {want}"))
                problems.Add($"{sample.Name}: not decoded as {want}");
            // Not just "Malformed": NOTIFICATION 3/1 is named "Malformed Attribute List".
            if (detail.Contains("[Malformed Packet", StringComparison.Ordinal) || detail.Contains("Error/Malformed", StringComparison.Ordinal))
                problems.Add($"{sample.Name}: malformed packet");
            if (detail.Contains("[Severity level: Error]"))
                problems.Add($"{sample.Name}: error-level expert info");
            foreach (string expect in sample.Expect)
                if (!detail.Contains(expect))
                    problems.Add($"{sample.Name}: tshark output lacks \"{expect}\"");
            if (problems.Count > 0 && problems[^1].StartsWith(sample.Name + ":", StringComparison.Ordinal))
                output.WriteLine(detail[detail.IndexOf("Border Gateway Protocol", StringComparison.Ordinal)..]);
        }

        // Cross-check the totals with tshark's own field extraction: one bgp.type per sample frame.
        string fields = RunTshark(pcap, "-Y", "bgp", "-T", "fields", "-e", "frame.number", "-e", "bgp.type");
        int bgpFrames = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        output.WriteLine($"{samples.Count} samples in {pcap}; tshark saw {bgpFrames} BGP frames");
        Assert.Equal(samples.Count, bgpFrames);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        if (problems.Count == 0) Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void The_check_does_catch_a_malformed_message()
    {
        // Negative control: a capability whose length runs past its optional parameter.
        Assert.True(File.Exists(Tshark), $"{Tshark} is missing");
        string pcap = Path.Combine(Path.GetTempPath(), $"akkabgp-tshark-bad-{Environment.ProcessId}.pcap");
        using (var file = File.Create(pcap))
        using (var writer = new PcapWriter(file))
            writer.WriteMessage(OpenTests.Open("04 02 02 41 08"));
        string text = RunTshark(pcap, "-V");
        File.Delete(pcap);
        Assert.Contains("[Malformed Packet", text);
    }

    internal static string RunTshark(string pcap, params string[] args)
    {
        var psi = new ProcessStartInfo(Tshark) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add("-r");
        psi.ArgumentList.Add(pcap);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish in 60 s");
        Assert.True(p.ExitCode == 0, $"tshark exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
