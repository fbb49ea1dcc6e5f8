using System.Net;
using AkkaBgp.Hocon;

namespace AkkaBgp.Service.Configuration;

/// <summary>Akka's log levels, as <c>akka.loglevel</c> spells them.</summary>
public enum AkkaLogLevel { Debug, Info, Warning, Error, Off }

/// <summary>
/// What the host takes from the <c>akka</c> section, which is otherwise Akka.NET's own configuration and is handed to
/// it whole (<see cref="Section"/>). Only the settings the host relies on are checked here: where remoting listens
/// (loopback unless a management token is set, like the management endpoint), the seed nodes (self-join when there
/// are none) and the log level (it also sets the level of Akka's lines in the Serilog pipeline).
/// </summary>
/// <param name="Section">The resolved <c>akka</c> object (user file over reference.conf); null when neither has one.</param>
/// <param name="RemoteHostname">akka.remote.dot-netty.tcp.hostname: the address remoting binds and advertises.</param>
/// <param name="RemotePort">akka.remote.dot-netty.tcp.port; 0 lets the kernel pick one at each start.</param>
/// <param name="SeedNodes">akka.cluster.seed-nodes; empty: the node joins itself.</param>
public sealed record AkkaSettings(HoconObject? Section, string RemoteHostname, int RemotePort, IReadOnlyList<string> SeedNodes, AkkaLogLevel LogLevel)
{
    public static readonly AkkaSettings Default = new(null, "127.0.0.1", 0, [], AkkaLogLevel.Info);

    /// <summary>The section as HOCON text Akka's own parser reads (<c>akka = { ... }</c>), or "" without a section.</summary>
    public string ToHocon() => Section is null ? "" : "akka = " + AkkaHocon.Render(Section);

    public bool Equals(AkkaSettings? other) =>
        other is not null && RemoteHostname == other.RemoteHostname && RemotePort == other.RemotePort
        && SeedNodes.SequenceEqual(other.SeedNodes) && LogLevel == other.LogLevel && ToHocon() == other.ToHocon();

    public override int GetHashCode() => HashCode.Combine(RemoteHostname, RemotePort, LogLevel, SeedNodes.Count);
}

internal static class AkkaSectionReader
{
    private static readonly Dictionary<string, AkkaLogLevel> LogLevels = new()
    {
        ["debug"] = AkkaLogLevel.Debug,
        ["info"] = AkkaLogLevel.Info,
        ["warning"] = AkkaLogLevel.Warning,
        ["error"] = AkkaLogLevel.Error,
        ["off"] = AkkaLogLevel.Off,
    };

    /// <param name="root">The whole configuration.</param>
    /// <param name="managementToken">The management token; without one, remoting must stay on loopback.</param>
    public static AkkaSettings? Read(ConfigSection root, string? managementToken)
    {
        if (!root.Has("akka")) return AkkaSettings.Default;
        var akka = root.Object("akka");
        if (akka is null) return null;
        var settings = AkkaSettings.Default with { Section = akka.Config.Root };
        bool ok = true;

        if (akka.Choice("loglevel", LogLevels) is { } level) settings = settings with { LogLevel = level };
        else if (akka.Has("loglevel")) ok = false;

        var tcp = akka.Object("remote")?.Object("dot-netty")?.Object("tcp");
        if (tcp is not null)
        {
            if (tcp.String("hostname") is { } hostname) settings = settings with { RemoteHostname = hostname };
            if (tcp.Has("port"))
            {
                if (tcp.Number("port", 0, 65535) is { } port) settings = settings with { RemotePort = (int)port };
                else ok = false;
            }
            // Remoting is unauthenticated: anyone who reaches the port can send the actors messages. It stays on
            // loopback unless the operator has also protected the management endpoint, as for management.address.
            foreach (var key in new[] { "hostname", "bind-hostname" })
            {
                if (tcp.String(key) is not { } host || IsLoopback(host) || managementToken is not null) continue;
                tcp.Problem(key, $"\"{host}\" is not a loopback address and akka-bgp.management.token is not set: the actor system's " +
                                 "remoting port would be reachable from the network (keep 127.0.0.1, or set a token and secure the network)");
                ok = false;
            }
        }

        // With TLS (enable-ssl) the nodes' addresses use the protocol akka.ssl.tcp; a seed named with the other one is
        // never reached, and Akka.NET says so only as a log line repeated forever.
        string protocol = tcp?.Bool("enable-ssl") == true ? "akka.ssl.tcp" : "akka.tcp";
        var cluster = akka.Object("cluster");
        if (cluster is not null && cluster.Has("seed-nodes"))
        {
            var seeds = new List<string>();
            foreach (var item in cluster.StringList("seed-nodes"))
            {
                if (TryParseAddress(item.Text, out var why) && !item.Text.StartsWith(protocol + "://", StringComparison.Ordinal))
                {
                    cluster.Problem("seed-nodes", item, $"\"{item.Text}\" does not use {protocol}://, the protocol of this node's remoting " +
                        (protocol == "akka.tcp" ? "(remote.dot-netty.tcp.enable-ssl is off)" : "(remote.dot-netty.tcp.enable-ssl is on)"));
                    ok = false;
                }
                else if (why.Length == 0) seeds.Add(item.Text);
                else
                {
                    cluster.Problem("seed-nodes", item, $"\"{item.Text}\" is not an Akka address ({why}; e.g. akka.tcp://akka-bgp@127.0.0.1:4053)");
                    ok = false;
                }
            }
            settings = settings with { SeedNodes = seeds };
        }
        return ok ? settings : null;
    }

    /// <summary>A loopback literal, or localhost (which resolves to one).</summary>
    internal static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out var a) && IPAddress.IsLoopback(a);

    private static bool TryParseAddress(string text, out string why)
    {
        try
        {
            var address = Akka.Actor.Address.Parse(text);
            why = address.Host is null || address.Port is null ? "it has no host:port" : "";
            return why.Length == 0;
        }
        catch (Exception e) when (e is UriFormatException or FormatException or ArgumentException)
        {
            why = e.Message;
            return false;
        }
    }
}
