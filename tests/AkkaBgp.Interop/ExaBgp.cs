using System.Text;
using System.Text.Json;

namespace AkkaBgp.Interop;

/// <summary>
/// ExaBGP 4.2 with one neighbor. ExaBGP has no RIB of its own to ask, so what it hears is read the way its users
/// read it: an API process (<c>api.py</c>, written here) receives ExaBGP's JSON events (state changes, parsed
/// UPDATEs, NOTIFICATIONs) on stdin and appends them to <c>events.jsonl</c>; commands a test sends
/// (<see cref="SendAsync"/>, e.g. "announce route ...") are files the same process picks up and writes to its stdout,
/// which is ExaBGP's command channel. This is how anycast users drive it from a health check.
/// </summary>
public sealed class ExaBgp(Peering peering) : Daemon(peering)
{
    private int _commands;

    public override string Name => "exabgp";
    public static bool Installed => IsInstalled("exabgp");
    private string EventsFile => Path.Combine(WorkDir, "events.jsonl");

    // The API process: a reader thread appends ExaBGP's events; the main loop forwards command files in name order.
    // Files are renamed into place by the test, so a half-written command is never read.
    private const string ApiScript = """
        import os, sys, threading, time
        work = sys.argv[1]
        def pump():
            with open(os.path.join(work, "events.jsonl"), "a") as out:
                for line in sys.stdin:
                    out.write(line)
                    out.flush()
            os._exit(0)
        threading.Thread(target=pump, daemon=True).start()
        open(os.path.join(work, "api.ready"), "w").close()
        while True:
            for name in sorted(n for n in os.listdir(work) if n.startswith("cmd-") and n.endswith(".txt")):
                path = os.path.join(work, name)
                with open(path) as f:
                    sys.stdout.write(f.read().strip() + "\n")
                sys.stdout.flush()
                os.remove(path)
            time.sleep(0.05)
        """;

    private string Config()
    {
        var p = Peering;
        var c = new StringBuilder();
        c.AppendLine("process akka-api {");
        c.AppendLine($"  run /usr/bin/python3 {WriteFile("api.py", ApiScript)} {WorkDir};");
        c.AppendLine("  encoder json;");
        c.AppendLine("}");
        c.AppendLine($"neighbor {p.OurAddress} {{");
        c.AppendLine($"  router-id {p.DaemonRouterId};");
        c.AppendLine($"  local-address {p.DaemonAddress};");
        c.AppendLine($"  local-as {p.DaemonAs};");
        c.AppendLine($"  peer-as {p.OurAs};");
        c.AppendLine($"  hold-time {p.HoldTimeSeconds};");
        // ExaBGP listens on exabgp.tcp.port (environment, below) and dials the neighbor on "connect".
        c.AppendLine($"  connect {p.Port};");
        c.AppendLine($"  passive {(p.DaemonPassive ? "true" : "false")};");
        if (p.Password is not null) c.AppendLine($"  md5-password \"{p.Password}\";");
        c.AppendLine("  family { ipv4 unicast; ipv6 unicast; }");
        c.AppendLine("  capability { route-refresh; }");
        c.AppendLine("  api {");
        c.AppendLine("    processes [ akka-api ];");
        c.AppendLine("    neighbor-changes;");
        c.AppendLine("    receive { parsed; packets; update; notification; }");
        c.AppendLine("  }");
        c.AppendLine("  static {");
        foreach (var r in p.AnnounceV4) c.AppendLine($"    route {r} next-hop {p.NextHopV4};");
        foreach (var r in p.AnnounceV6) c.AppendLine($"    route {r} next-hop {p.NextHopV6};");
        c.AppendLine("  }");
        c.AppendLine("}");
        return c.ToString();
    }

    protected override string[] Command()
    {
        File.WriteAllText(EventsFile, "");
        var p = Peering;
        // exabgp reads its settings from the environment ("exabgp.section.key" or with underscores); env(1) passes
        // them without touching the test process's own environment.
        return ["env",
            $"exabgp.tcp.bind={p.DaemonAddress}", $"exabgp.tcp.port={p.Port}",
            "exabgp.daemon.user=root", "exabgp.daemon.drop=false", "exabgp.daemon.daemonize=false",
            "exabgp.log.destination=stdout", "exabgp.log.level=INFO",
            "exabgp.api.ack=false", $"exabgp.api.pipename=akkabgp-{Guid.NewGuid():N}",
            "exabgp", WriteFile("exabgp.conf", Config())];
    }

    /// <summary>Ready once ExaBGP has loaded the configuration and started the API process (which marks itself
    /// ready): the listener is bound by then.</summary>
    protected override Task ProbeAsync() =>
        File.Exists(Path.Combine(WorkDir, "api.ready"))
            ? Task.CompletedTask
            : Task.FromException(new InvalidOperationException("exabgp has not started its API process yet"));

    /// <summary>Sends an API command ("announce route 10.0.0.0/24 next-hop 192.0.2.1", "withdraw route ...").</summary>
    public Task SendAsync(string command)
    {
        int n = Interlocked.Increment(ref _commands);
        var tmp = Path.Combine(WorkDir, $"cmd-{n:D6}.tmp");
        File.WriteAllText(tmp, command + "\n");
        File.Move(tmp, Path.ChangeExtension(tmp, ".txt"));
        return Task.CompletedTask;
    }

    /// <summary>Every JSON event the API process has seen so far, oldest first.</summary>
    public IReadOnlyList<JsonElement> Events()
    {
        var list = new List<JsonElement>();
        string text;
        try { text = File.ReadAllText(EventsFile); } catch (IOException) { return list; }
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith('{')) continue;
            try { list.Add(JsonDocument.Parse(line).RootElement.Clone()); }
            catch (JsonException) { } // the last line may be half-written
        }
        return list;
    }

    private static string? Type(JsonElement e) => e.TryGetProperty("type", out var t) ? t.GetString() : null;

    public override Task<DaemonPeerView> GetPeerAsync()
    {
        var events = Events();
        var states = events.Where(e => Type(e) == "state").ToList();
        var last = states.Count == 0 ? "idle" : states[^1].GetProperty("neighbor").GetProperty("state").GetString() ?? "";
        // ExaBGP's states: "connected" (TCP up), "up" (Established), "down".
        var state = last switch { "up" => "Established", "connected" => "OpenSent", _ => "Idle" };
        var raw = string.Join("\n", events.Where(e => Type(e) is "state" or "notification").TakeLast(12).Select(e => e.GetRawText()));
        return Task.FromResult(new DaemonPeerView(state, raw));
    }

    /// <summary>The prefixes ExaBGP holds from us: every parsed UPDATE replayed in order (announce adds, withdraw
    /// removes); a session going down clears them, as a receiving speaker would.</summary>
    public override Task<IReadOnlyList<string>> GetRoutesFromUsAsync(int family)
    {
        var held = new HashSet<string>();
        foreach (var e in Events())
        {
            if (Type(e) == "state" && e.GetProperty("neighbor").GetProperty("state").GetString() == "down") held.Clear();
            if (Type(e) != "update" || !TryUpdate(e, out var update)) continue;
            if (update.TryGetProperty("withdraw", out var withdraw))
                foreach (var afi in withdraw.EnumerateObject())
                    foreach (var n in afi.Value.EnumerateArray()) held.Remove(n.GetProperty("nlri").GetString()!);
            if (update.TryGetProperty("announce", out var announce))
                foreach (var afi in announce.EnumerateObject())
                    foreach (var nextHop in afi.Value.EnumerateObject())
                        foreach (var n in nextHop.Value.EnumerateArray()) held.Add(n.GetProperty("nlri").GetString()!);
        }
        return Task.FromResult<IReadOnlyList<string>>([.. held.Where(p => p.Contains(':') == (family == 6))]);
    }

    /// <summary>The last parsed UPDATE that announced <paramref name="prefix"/>, as ExaBGP's JSON.</summary>
    public override Task<string> ShowRouteAsync(string prefix)
    {
        var found = Events().LastOrDefault(e => Type(e) == "update" && TryUpdate(e, out var u) && u.TryGetProperty("announce", out var a)
            && a.EnumerateObject().Any(afi => afi.Value.EnumerateObject().Any(nh => nh.Value.EnumerateArray()
                .Any(n => n.GetProperty("nlri").GetString() == prefix))));
        return Task.FromResult(found.ValueKind == JsonValueKind.Undefined ? "" : found.GetRawText());
    }

    /// <summary>The NOTIFICATIONs ExaBGP received, from the raw octets it hands the API process before decoding
    /// (<c>receive { packets; }</c>): ExaBGP 4.2.21 cannot decode a Cease/2 with a Shutdown Communication (its
    /// notification.py formats a str into bytes and raises), so its parsed view of our NOTIFICATION would only say
    /// "can not decode"; the octets it received say what we sent.</summary>
    public IReadOnlyList<(int Code, int Subcode, byte[] Data)> NotificationsReceived() =>
        [.. Events().Where(e => Type(e) == "notification" && e.TryGetProperty("neighbor", out var n)
                && n.TryGetProperty("message", out var m) && m.TryGetProperty("body", out _))
            .Select(e => Convert.FromHexString(Hex(e.GetProperty("neighbor").GetProperty("message").GetProperty("body").GetString()!)))
            .Where(body => body.Length >= 2)
            .Select(body => ((int)body[0], (int)body[1], body[2..]))];

    private static string Hex(string s) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s;

    private static bool TryUpdate(JsonElement e, out JsonElement update)
    {
        update = default;
        return e.TryGetProperty("neighbor", out var n) && n.TryGetProperty("message", out var m) && m.TryGetProperty("update", out update);
    }
}
