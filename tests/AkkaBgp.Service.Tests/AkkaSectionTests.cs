using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service.Tests;

/// <summary>
/// The <c>akka</c> section is Akka.NET's own configuration in the same file. The host checks only what it relies on
/// (remoting stays on loopback unless a management token is set, seed nodes are addresses, the log level is one
/// Akka.NET knows), with the same file:line:col messages as the rest; everything else goes to Akka.NET untouched.
/// </summary>
public sealed class AkkaSectionTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string WithAkka(string akka, string management = "") =>
        ConfigFiles.Minimal(management) + "akka {\n" + akka + "\n}\n";

    [Fact]
    public void Defaults_are_loopback_remoting_on_a_kernel_chosen_port_self_join_and_info()
    {
        var c = _files.LoadValid(ConfigFiles.Minimal(""));
        Assert.Equal("127.0.0.1", c.Akka.RemoteHostname);
        Assert.Equal(0, c.Akka.RemotePort);
        Assert.Empty(c.Akka.SeedNodes);
        Assert.Equal(AkkaLogLevel.Info, c.Akka.LogLevel);
        // reference.conf's choices reach Akka.NET through the rendered section.
        Assert.Contains("ask-timeout = \"10s\"", c.Akka.ToHocon());
        Assert.Contains("active-strategy = \"keep-majority\"", c.Akka.ToHocon());
    }

    [Fact]
    public void Remoting_beyond_loopback_without_a_management_token_is_refused_where_it_is_written()
    {
        var text = WithAkka("  remote.dot-netty.tcp.hostname = \"0.0.0.0\"");
        Assert.Equal(
        [
            $"akka.remote.dot-netty.tcp.hostname ({_files.At(text, "\"0.0.0.0\"")}): \"0.0.0.0\" is not a loopback address and akka-bgp.management.token " +
            "is not set: the actor system's remoting port would be reachable from the network (keep 127.0.0.1, or set a token and secure the network)",
        ], _files.Problems(text));

        text = WithAkka("  remote.dot-netty.tcp { hostname = \"127.0.0.1\", bind-hostname = \"192.0.2.1\" }");
        Assert.Contains("akka.remote.dot-netty.tcp.bind-hostname", Assert.Single(_files.Problems(text)));

        var withToken = _files.LoadValid(WithAkka("  remote.dot-netty.tcp { hostname = \"192.0.2.1\", port = 4053 }", "  management.token = s3cret"));
        Assert.Equal(("192.0.2.1", 4053), (withToken.Akka.RemoteHostname, withToken.Akka.RemotePort));
        Assert.Equal("localhost", _files.LoadValid(WithAkka("  remote.dot-netty.tcp.hostname = localhost")).Akka.RemoteHostname);
    }

    [Fact]
    public void Seed_nodes_must_be_akka_addresses_and_each_bad_one_is_named()
    {
        var text = WithAkka("  cluster.seed-nodes = [\"akka.tcp://akka-bgp@127.0.0.1:4053\", \"not an address\"]");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka.cluster.seed-nodes[1] ({_files.At(text, "\"not an address\"")}): \"not an address\" is not an Akka address", problem);
        var c = _files.LoadValid(WithAkka("  cluster.seed-nodes = [\"akka.tcp://akka-bgp@127.0.0.1:4053\"]"));
        Assert.Equal(["akka.tcp://akka-bgp@127.0.0.1:4053"], c.Akka.SeedNodes);
    }

    [Fact]
    public void A_seed_node_must_use_the_protocol_of_this_nodes_remoting_plain_or_TLS()
    {
        var plain = WithAkka("  cluster.seed-nodes = [\"akka.ssl.tcp://akka-bgp@127.0.0.1:4053\"]");
        var problem = Assert.Single(_files.Problems(plain));
        Assert.StartsWith($"akka.cluster.seed-nodes[0] ({_files.At(plain, "\"akka.ssl")})", problem);
        Assert.Contains("does not use akka.tcp://", problem);
        var tls = WithAkka("  remote.dot-netty.tcp.enable-ssl = true\n  cluster.seed-nodes = [\"akka.tcp://akka-bgp@127.0.0.1:4053\"]");
        Assert.Contains("does not use akka.ssl.tcp://,", Assert.Single(_files.Problems(tls)));
        var c = _files.LoadValid(WithAkka("  remote.dot-netty.tcp.enable-ssl = true\n  cluster.seed-nodes = [\"akka.ssl.tcp://akka-bgp@127.0.0.1:4053\"]"));
        Assert.Equal(["akka.ssl.tcp://akka-bgp@127.0.0.1:4053"], c.Akka.SeedNodes);
    }

    [Fact]
    public void Log_level_is_one_akka_knows_in_any_case()
    {
        Assert.Equal(AkkaLogLevel.Debug, _files.LoadValid(WithAkka("  loglevel = DEBUG")).Akka.LogLevel);
        Assert.Equal(AkkaLogLevel.Warning, _files.LoadValid(WithAkka("  loglevel = warning")).Akka.LogLevel);
        var text = WithAkka("  loglevel = VERBOSE");
        Assert.Equal([$"akka.loglevel ({_files.At(text, "VERBOSE")}): \"VERBOSE\" is not one of debug, info, warning, error, off"], _files.Problems(text));
    }

    [Fact]
    public void Other_akka_settings_are_akkas_own_and_pass_through_with_substitutions_resolved()
    {
        var c = _files.Load(WithAkka("""
              actor.default-dispatcher.throughput = 50
              some-future-setting = ${?AKKA_THING}
              scheduler.tick-duration = ${tick}
            """) + "tick = 20ms\n", v => v == "AKKA_THING" ? "on" : null);
        Assert.True(c.IsValid, string.Join("\n", c.Problems));
        var akka = Akka.Configuration.ConfigurationFactory.ParseString(c.Config!.Akka.ToHocon());
        Assert.Equal(50, akka.GetInt("akka.actor.default-dispatcher.throughput"));
        Assert.Equal("on", akka.GetString("akka.some-future-setting"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), akka.GetTimeSpan("akka.scheduler.tick-duration"));
    }

    [Fact]
    public void Changing_the_akka_section_is_a_restart_not_a_reload()
    {
        var a = _files.LoadValid(ConfigFiles.Minimal(""));
        var b = _files.LoadValid(WithAkka("  loglevel = DEBUG"));
        Assert.NotEqual(a.Akka, b.Akka);
        Assert.Equal(a.Akka, _files.LoadValid(ConfigFiles.Minimal("")).Akka);
    }
}
