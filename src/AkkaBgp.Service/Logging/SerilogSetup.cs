using AkkaBgp.Service.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace AkkaBgp.Service.Logging;

/// <summary>
/// The Serilog logger the whole process writes through: the host, Kestrel, and Akka.NET's log events (through
/// Akka.Logger.Serilog, whose SerilogLogger writes to the static <see cref="Log.Logger"/>; the host sets it).
/// </summary>
public static class SerilogSetup
{
    /// <summary>Akka.Logger.Serilog uses the logging class's full name as SourceContext: all of Akka.NET's own are under "Akka".</summary>
    public const string AkkaCategory = "Akka";

    private const string ConsoleTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <param name="akkaLevel">akka.loglevel: the level of Akka.NET's own lines (categories under "Akka"); null: as ours.</param>
    public static Serilog.Core.Logger Create(LoggingSettings settings, AkkaLogLevel? akkaLevel = null)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(ToSerilog(settings.Level))
            // ASP.NET Core logs every request at Information; that is noise next to session events unless asked for.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<AkkaStringSources>()
            .WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        // "Akka" matches Akka.Cluster.* and the like but not AkkaBgp.* (Serilog overrides match whole dotted segments).
        if (akkaLevel is { } akka)
            config.MinimumLevel.Override(AkkaCategory, akka == AkkaLogLevel.Off ? LogEventLevel.Fatal : ToSerilog(ToLogLevelName(akka)));
        foreach (var (category, level) in settings.Levels)
            config.MinimumLevel.Override(category, ToSerilog(level));
        if (settings.File is { } file)
        {
            var interval = file.Rolling switch
            {
                LogRolling.Infinite => RollingInterval.Infinite,
                LogRolling.Year => RollingInterval.Year,
                LogRolling.Month => RollingInterval.Month,
                LogRolling.Day => RollingInterval.Day,
                LogRolling.Hour => RollingInterval.Hour,
                _ => RollingInterval.Minute,
            };
            int? retained = file.RetainedFiles == 0 ? null : file.RetainedFiles;
            if (file.Json)
                config.WriteTo.File(new JsonFormatter(renderMessage: true), file.Path, rollingInterval: interval, retainedFileCountLimit: retained);
            else
                config.WriteTo.File(file.Path, outputTemplate: "{Timestamp:O} " + ConsoleTemplate, rollingInterval: interval,
                    retainedFileCountLimit: retained, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        return config.CreateLogger();
    }

    public static LogEventLevel ToSerilog(LogLevelName level) => level switch
    {
        LogLevelName.Verbose => LogEventLevel.Verbose,
        LogLevelName.Debug => LogEventLevel.Debug,
        LogLevelName.Information => LogEventLevel.Information,
        LogLevelName.Warning => LogEventLevel.Warning,
        LogLevelName.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };

    public static LogLevelName ToLogLevelName(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.Debug => LogLevelName.Debug,
        AkkaLogLevel.Info => LogLevelName.Information,
        AkkaLogLevel.Warning => LogLevelName.Warning,
        _ => LogLevelName.Error,
    };

    /// <summary>
    /// The level Akka.NET's event bus must publish at so that every line some category wants reaches Serilog: the
    /// lowest of akka.loglevel and akka-bgp.logging's levels (the speaker's actors log through Akka.NET too).
    /// Serilog then filters per category. Verbose maps to DEBUG, Akka.NET's lowest.
    /// </summary>
    public static AkkaLogLevel BusLevel(LoggingSettings settings, AkkaLogLevel akkaLevel)
    {
        var lowest = settings.Levels.Values.Append(settings.Level).Min();
        var ours = lowest switch
        {
            LogLevelName.Verbose or LogLevelName.Debug => AkkaLogLevel.Debug,
            LogLevelName.Information => AkkaLogLevel.Info,
            LogLevelName.Warning => AkkaLogLevel.Warning,
            _ => AkkaLogLevel.Error,
        };
        return (AkkaLogLevel)Math.Min((int)ours, (int)akkaLevel);
    }
}

/// <summary>
/// Akka.NET logs from string sources (remoting, cluster) under the class name Akka.Event.DummyClassForStringSources,
/// which Akka.Logger.Serilog makes the SourceContext; "Akka" says the same in the console line without the noise.
/// The level was already decided (under "Akka.") when the event was created, so this changes only what is shown.
/// </summary>
internal sealed class AkkaStringSources : Serilog.Core.ILogEventEnricher
{
    private const string StringSources = "\"Akka.Event.DummyClassForStringSources\"";
    private static readonly LogEventProperty Akka = new(Serilog.Core.Constants.SourceContextPropertyName, new ScalarValue(SerilogSetup.AkkaCategory));

    public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
    {
        if (logEvent.Properties.TryGetValue(Serilog.Core.Constants.SourceContextPropertyName, out var source) && source.ToString() == StringSources)
            logEvent.AddOrUpdateProperty(Akka);
    }
}
