#:project ../../AkkaBgp.Wire.Tests/AkkaBgp.Wire.Tests.csproj
#:project ../AkkaBgp.Fuzz/AkkaBgp.Fuzz.csproj
#:property PublishAot=false
// Writes the wire targets' seed corpus (tests/fuzz/corpus/{open,update,notification,route-refresh,framer}) from
// the messages the wire tests already hold: the mutation fuzzer's seeds (each with the session context it is
// valid for) and the tshark cross-check samples. Run from the repository root after changing those:
//   dotnet run tests/fuzz/seeds/export-wire-seeds.cs -- tests/fuzz/corpus
// Each file is the harness's context octet (WireTargets.Context) then the message body, or for the framer a
// stream of whole messages.
using System.Security.Cryptography;
using AkkaBgp.Fuzz;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Tests.Fuzz;
using AkkaBgp.Wire.Tests.Tshark;

string root = args.Length > 0 ? args[0] : "tests/fuzz/corpus";

// The context octet whose decode context equals the seed's; tshark samples carry none, so they take the first
// usual session shape (4-octet eBGP, 2-octet eBGP, 4- and 2-octet iBGP, extended, each ADD-PATH family) that decodes them cleanly.
byte? FlagsFor(DecodeContext ctx)
{
    for (int b = 0; b < 256; b++)
        if (WireTargets.Context((byte)b) == ctx) return (byte)b;
    return null;
}

byte[] Candidates = [0x01, 0x00, 0x05, 0x04, 0x03, 0x11, 0x21, 0x31, 0xF1, 0x02, 0xF3];

bool Clean(byte[] message, byte flags)
    => BgpMessageCodec.TryDecode(message, WireTargets.Context(flags), out var m, out _)
       && (m is not BgpUpdate u || u.Update.Errors.Count == 0);

var written = new Dictionary<string, int>();
void Write(string target, byte flags, byte[] bytes)
{
    string dir = Path.Combine(root, target);
    Directory.CreateDirectory(dir);
    byte[] file = [flags, .. bytes];
    // Content-named, so re-running the export adds nothing twice.
    string name = Convert.ToHexString(SHA256.HashData(file))[..16].ToLowerInvariant();
    File.WriteAllBytes(Path.Combine(dir, name), file);
    written[target] = written.GetValueOrDefault(target) + 1;
}

string? TargetOf(byte[] message) => message.Length < BgpHeader.Size ? null : (MessageType)message[18] switch
{
    MessageType.Open => "open",
    MessageType.Update => "update",
    MessageType.Notification => "notification",
    MessageType.RouteRefresh => "route-refresh",
    _ => null,
};

var all = new List<(byte[] Message, byte Flags)>();
foreach (var seed in MutationFuzzer.DiscoverSeeds())
{
    if (FlagsFor(seed.Context) is not { } flags) { Console.Error.WriteLine($"no context octet for {seed.Name}"); continue; }
    all.Add((seed.Message, flags));
}
foreach (var type in typeof(SessionMessageSamples).Assembly.GetTypes()
             .Where(t => typeof(ITsharkSampleSource).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract))
    foreach (var sample in ((ITsharkSampleSource)Activator.CreateInstance(type)!).Samples())
    {
        byte? flags = Candidates.Cast<byte?>().FirstOrDefault(f => Clean(sample.Message, f!.Value));
        if (flags is null) { Console.Error.WriteLine($"tshark sample {sample.Name} decodes cleanly in no usual context"); continue; }
        all.Add((sample.Message, flags.Value));
    }

foreach (var (message, flags) in all)
    if (TargetOf(message) is { } target)
        Write(target, flags, message[BgpHeader.Size..]);

// Framer streams: a session's worth of messages back to back (OPEN, KEEPALIVE, UPDATEs, ROUTE-REFRESH,
// NOTIFICATION) per context, plus the same ending in a bad header and in half a message.
foreach (var group in all.GroupBy(a => a.Flags))
{
    var messages = group.Select(g => g.Message).Take(6).ToList();
    byte[] stream = [.. messages.SelectMany(m => m), .. KeepaliveMessage.Bytes];
    Write("framer", group.Key, stream);
}
byte[] session = [.. all.First(a => a.Message[18] == 1).Message, .. KeepaliveMessage.Bytes, .. all.First(a => a.Message[18] == 2).Message];
byte[] badMarker = [.. KeepaliveMessage.Bytes];
badMarker[3] = 0;
Write("framer", 0x01, [.. session, .. badMarker]);
Write("framer", 0x01, [.. session, .. session[..30]]);
Write("framer", 0x03, [.. KeepaliveMessage.Bytes, 0xFF, 0xFF]);

foreach (var (target, n) in written.OrderBy(w => w.Key)) Console.WriteLine($"{target}: {n} seeds");
