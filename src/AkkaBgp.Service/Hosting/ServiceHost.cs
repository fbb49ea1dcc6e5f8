using System.Runtime.InteropServices;
using AkkaBgp.Actors;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Logging;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Metrics;
using AkkaBgp.Service.Reload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// The long-running service: Serilog, the actor system as a hosted service, Kestrel with the management
/// endpoints, SIGHUP reload. Returns the process exit code (0 after a clean stop on SIGTERM/Ctrl-C).
/// </summary>
public static class ServiceHost
{
    public static int Run(CommandLineOptions options, BgpConfig config)
    {
        using var logger = SerilogSetup.Create(config.Logging);
        var log = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Service");
        try
        {
            using var app = Build(options, config, logger);
            var reloader = app.Services.GetRequiredService<ConfigReloader>();
            // SIGHUP is the Unix convention for "re-read your configuration"; cancelling keeps the runtime from exiting.
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                log.Information("SIGHUP: reloading {File}", options.ConfigFile ?? options.ReferenceFile);
                _ = reloader.ReloadAsync().ContinueWith(
                    t => log.Error(t.Exception!.GetBaseException(), "Reload on SIGHUP failed part-way: {Problem}", t.Exception!.GetBaseException().Message),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            });
            app.Run();
            log.Information("Stopped");
            return Environment.ExitCode;
        }
        catch (ServiceStartException e)
        {
            log.Fatal("{Problem}", e.Message);
            return 1;
        }
        catch (IOException e)
        {
            // Kestrel's "address already in use" and friends.
            log.Fatal("Cannot start the management endpoint on {EndPoint}: {Problem}", config.Management.EndPoint, e.Message);
            return 1;
        }
    }

    public static WebApplication Build(CommandLineOptions options, BgpConfig config, Serilog.Core.Logger logger)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger);
        builder.WebHost.ConfigureKestrel(k => k.Listen(config.Management.EndPoint));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddProblemDetails();

        var running = new RunningConfiguration(config, options.ConfigFile, options.ReferenceFile);
        builder.Services.AddSingleton(running);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddSingleton<ActorRegistry>();
        builder.Services.AddSingleton<ServiceReadiness>();
        builder.Services.AddSingleton<AdministrativeState>();
        builder.Services.AddSingleton<SpeakerSnapshot>();
        builder.Services.AddSingleton<BgpMetrics>();
        builder.Services.AddSingleton(sp => new MailboxMetrics(() => sp.GetRequiredService<BgpHostedService>().System));
        builder.Services.AddSingleton(_ => new PrometheusExporter(BgpMetrics.MeterName));
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddSingleton<BearerTokenFilter>();
        builder.Services.AddSingleton<BgpHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BgpHostedService>());

        var app = builder.Build();
        // The exporter listens to the meter from its creation on, so it must exist before the instruments.
        app.Services.GetRequiredService<PrometheusExporter>();
        app.Services.GetRequiredService<BgpMetrics>();
        app.Services.GetRequiredService<MailboxMetrics>();
        app.UseExceptionHandler(errors => errors.Run(async http =>
        {
            var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, title) = error is AskTimeoutException or TimeoutException
                ? (StatusCodes.Status504GatewayTimeout, "The speaker did not answer in time")
                : (StatusCodes.Status500InternalServerError, "Internal error");
            http.Response.StatusCode = status;
            await Results.Problem(statusCode: status, title: title, detail: error?.Message).ExecuteAsync(http);
        }));
        app.UseStatusCodePages(async context =>
        {
            // Unmatched routes and methods get a problem body too, not an empty 404/405.
            var http = context.HttpContext;
            if (http.Response.HasStarted || http.Response.ContentLength is > 0 || http.Response.ContentType is not null) return;
            await Results.Problem(statusCode: http.Response.StatusCode, detail: $"{http.Request.Method} {http.Request.Path}").ExecuteAsync(http);
        });

        var writes = app.MapGroup("").AddEndpointFilter<BearerTokenFilter>();
        app.MapHealth();
        app.MapNeighbors(writes);
        app.MapRib(writes);
        app.MapStreams(writes);
        return app;
    }
}
