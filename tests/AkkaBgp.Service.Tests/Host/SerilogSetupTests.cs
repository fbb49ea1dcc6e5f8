using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Logging;
using Serilog.Events;

namespace AkkaBgp.Service.Tests.Host;

public sealed class SerilogSetupTests
{
    [Fact]
    public void Levels_per_category_apply_to_the_category_and_everything_under_it()
    {
        using var logger = SerilogSetup.Create(new LoggingSettings
        {
            Level = LogLevelName.Information,
            Levels = new Dictionary<string, LogLevelName> { ["AkkaBgp.Session"] = LogLevelName.Warning, ["AkkaBgp.Rib"] = LogLevelName.Debug },
        });
        Serilog.ILogger For(string category) => logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, category);

        Assert.False(For("AkkaBgp.Session.BgpFsm").IsEnabled(LogEventLevel.Information));
        Assert.True(For("AkkaBgp.Session.BgpFsm").IsEnabled(LogEventLevel.Warning));
        Assert.True(For("AkkaBgp.Rib.Engine.RibActor").IsEnabled(LogEventLevel.Debug));
        Assert.True(For("AkkaBgp.Transport.BgpListener").IsEnabled(LogEventLevel.Information));
        Assert.False(For("AkkaBgp.Transport.BgpListener").IsEnabled(LogEventLevel.Debug));
        // Kestrel's per-request lines stay quiet unless asked for.
        Assert.False(For("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogEventLevel.Information));
    }

    [Fact]
    public void Akka_loglevel_applies_to_Akkas_own_categories_and_ours_to_ours()
    {
        using var logger = SerilogSetup.Create(new LoggingSettings { Level = LogLevelName.Information }, AkkaLogLevel.Warning);
        Serilog.ILogger For(string category) => logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, category);

        Assert.False(For("Akka.Cluster.ClusterCoreDaemon").IsEnabled(LogEventLevel.Information));
        Assert.True(For("Akka.Cluster.ClusterCoreDaemon").IsEnabled(LogEventLevel.Warning));
        // "Akka" is a whole segment: AkkaBgp's categories keep akka-bgp.logging.level.
        Assert.True(For("AkkaBgp.Session.BgpFsm").IsEnabled(LogEventLevel.Information));
    }

    [Theory]
    [InlineData(LogLevelName.Information, AkkaLogLevel.Warning, AkkaLogLevel.Info)]
    [InlineData(LogLevelName.Warning, AkkaLogLevel.Debug, AkkaLogLevel.Debug)]
    [InlineData(LogLevelName.Verbose, AkkaLogLevel.Info, AkkaLogLevel.Debug)]
    [InlineData(LogLevelName.Error, AkkaLogLevel.Off, AkkaLogLevel.Error)]
    public void Akkas_event_bus_publishes_at_the_lowest_level_any_category_wants(LogLevelName ours, AkkaLogLevel akka, AkkaLogLevel bus) =>
        Assert.Equal(bus, SerilogSetup.BusLevel(new LoggingSettings { Level = ours }, akka));

    [Fact]
    public void A_per_category_debug_level_lowers_the_bus_level_too()
    {
        var settings = new LoggingSettings { Levels = new Dictionary<string, LogLevelName> { ["AkkaBgp.Session"] = LogLevelName.Debug } };
        Assert.Equal(AkkaLogLevel.Debug, SerilogSetup.BusLevel(settings, AkkaLogLevel.Info));
    }

    [Fact]
    public void A_json_file_gets_one_event_per_line_with_properties_as_fields()
    {
        var path = Path.Combine(Path.GetTempPath(), $"akka-bgp-log-{Guid.NewGuid():N}.json");
        try
        {
            using (var logger = SerilogSetup.Create(new LoggingSettings { File = new LogFileSettings(path, LogRolling.Infinite, 0, Json: true) }))
                logger.Information("Neighbor {NeighborAddress} is {State}", "192.0.2.2", "Established");
            var line = Assert.Single(File.ReadAllLines(path));
            var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
            Assert.Equal("192.0.2.2", json.GetProperty("Properties").GetProperty("NeighborAddress").GetString());
            Assert.Equal("Neighbor \"192.0.2.2\" is \"Established\"", json.GetProperty("RenderedMessage").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
