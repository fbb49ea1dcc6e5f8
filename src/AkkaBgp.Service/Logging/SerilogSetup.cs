using AkkaBgp.Service.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace AkkaBgp.Service.Logging;

/// <summary>The Serilog logger the whole process writes through (actor kernel, host, Kestrel).</summary>
public static class SerilogSetup
{
    private const string ConsoleTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static Serilog.Core.Logger Create(LoggingSettings settings)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(ToSerilog(settings.Level))
            // ASP.NET Core logs every request at Information; that is noise next to session events unless asked for.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
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
}
