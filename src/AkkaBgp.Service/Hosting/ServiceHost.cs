using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Remote.Hosting;
using Akka.Streams;
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
/// The long-running service: Serilog, the actor system through Akka.Hosting (remoting on loopback, a one-node
/// cluster, the speaker), Kestrel with the management endpoints, SIGHUP reload. Returns the process exit code
/// (0 after a clean stop on SIGTERM/Ctrl-C).
/// </summary>
public static class ServiceHost
{
    public const string ActorSystemName = "akka-bgp";

    public static int Run(CommandLineOptions options, BgpConfig config)
    {
        using var logger = SerilogSetup.Create(config.Logging, config.Akka.LogLevel);
        // Akka.Logger.Serilog's SerilogLogger writes to the static logger: Akka.NET's own lines go where ours go.
        Log.Logger = logger;
        var log = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Service");
        try
        {
            using var app = Build(options, config, logger);
            var reloader = app.Services.GetRequiredService<ConfigReloader>();
            // SIGHUP is the Unix convention for "re-read your configuration"; cancelling keeps the runtime from exiting.
            // A process started with SIGHUP ignored (nohup, some supervisors) keeps it ignored: the runtime does not
            // take over a signal ignored at start, and nohup means exactly that. Say so, or a reload seems lost.
            if (SignalIgnoredAtStart(1))
                log.Warning("SIGHUP is ignored in this process (started under nohup?): reload with POST /config/reload or `akkabgp config reload`");
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                log.Information("SIGHUP: reloading {File}", options.ConfigFile ?? options.ReferenceFile);
                _ = reloader.ReloadAsync().ContinueWith(
                    t => log.Error(t.Exception!.GetBaseException(), "Reload on SIGHUP failed part-way: {Problem}", t.Exception!.GetBaseException().Message),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            });
            var lifecycle = app.Services.GetRequiredService<SpeakerLifecycle>(); // Run disposes the services
            app.Run();
            log.Information("Stopped");
            // Akka.Hosting sets exit code -1 when the system ends by leaving the cluster; for us a leave asked for
            // through the API is a planned stop.
            return lifecycle.LeftCluster ? 0 : Environment.ExitCode;
        }
        catch (IOException e)
        {
            // Kestrel's "address already in use" and friends.
            log.Fatal("Cannot start the management endpoint on {EndPoint}: {Problem}", config.Management.EndPoint, e.Message);
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The actor system could not start (e.g. the remoting port is taken). Akka.Hosting has already logged the
            // exception with its stack; this is the one line that says what to fix.
            log.Fatal("Cannot start: {Problem}", Describe(e));
            return 1;
        }
        finally
        {
            Log.Logger = Serilog.Core.Logger.None;
        }
    }

    /// <summary>The messages down an exception's causes, without the AggregateException wrappers: "Failed to bind to
    /// [127.0.0.1:4053]: Address already in use".</summary>
    internal static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is AggregateException) continue;
            var text = x.Message.Replace(" See InnerException for details.", "").TrimEnd('.', ' ');
            if (text.Length > 0 && !parts.Contains(text)) parts.Add(text);
        }
        return parts.Count == 0 ? e.Message : string.Join(": ", parts);
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
        var running = new RunningConfiguration(config, options.ConfigFile, options.ReferenceFile);
        var certificate = new ManagementCertificate(running);
        if (certificate.Current is not null) builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves HTTPS out
        builder.WebHost.ConfigureKestrel(k => k.Listen(config.Management.EndPoint, listen =>
        {
            // Asked per handshake, so a reload can swap in a renewed certificate (ManagementCertificate.Reread).
            if (certificate.Current is not null)
                listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificate.Current);
        }));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddProblemDetails();

        builder.Services.AddSingleton(running);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddSingleton<ServiceReadiness>();
        builder.Services.AddSingleton<SpeakerSnapshot>();
        builder.Services.AddSingleton<BgpMetrics>();
        builder.Services.AddSingleton<SpeakerLifecycle>();
        builder.Services.AddSingleton(sp => new MailboxMetrics(() => sp.GetRequiredService<SpeakerLifecycle>().System));
        builder.Services.AddSingleton<RuntimeMetrics>();
        builder.Services.AddSingleton(_ => new PrometheusExporter(BgpMetrics.MeterName));
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddSingleton<AkkaBgp.Service.Mrt.TableDumps>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AkkaBgp.Service.Mrt.TableDumps>());
        builder.Services.AddSingleton<BearerTokenFilter>();
        // The /bgp/events listeners' streams run here (the hub's own stream runs in the hub actor's materializer).
        builder.Services.AddSingleton<IMaterializer>(sp => sp.GetRequiredService<ActorSystem>().Materializer(namePrefix: "bgp-events"));
        builder.Services.AddHealthChecks()
            .AddCheck<ListenersBoundCheck>(ListenersBoundCheck.Name, tags: [HealthEndpoints.ReadinessTag]);
        builder.Services.AddAkka(ActorSystemName, (akka, sp) => ConfigureAkka(akka, sp, config));

        var app = builder.Build();
        // The exporter listens to the meter from its creation on, so it must exist before the instruments.
        app.Services.GetRequiredService<PrometheusExporter>();
        app.Services.GetRequiredService<BgpMetrics>();
        app.Services.GetRequiredService<MailboxMetrics>();
        app.Services.GetRequiredService<RuntimeMetrics>();
        app.UseExceptionHandler(errors => errors.Run(async http =>
        {
            var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, title) = error switch
            {
                AskTimeoutException or TimeoutException => (StatusCodes.Status504GatewayTimeout, "The speaker did not answer in time"),
                SpeakerNotRunningException => (StatusCodes.Status503ServiceUnavailable, "The speaker is not running yet"),
                _ => (StatusCodes.Status500InternalServerError, "Internal error"),
            };
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
        writes.MapClusterLeave();
        app.MapNeighbors(writes);
        app.MapBfd();
        app.MapRpki();
        app.MapRib(writes);
        app.MapClusterRoutes();
        app.MapMrt(writes);
        app.MapStreams(writes);
        return app;
    }

    /// <summary>Whether signal <paramref name="number"/> was ignored when the process started (SigIgn in /proc/self/status,
    /// a hexadecimal mask with bit n-1 for signal n); false where that file does not exist.</summary>
    internal static bool SignalIgnoredAtStart(int number)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                    return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (number - 1))) != 0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }

    /// <summary>
    /// Akka.NET's configuration, lowest priority first: our defaults, then what Akka.Hosting's options add (loggers,
    /// remoting, cluster), then the <c>akka</c> section of the user's file over reference.conf, rendered from our
    /// reader's resolved tree, and last the event bus level, which must let through every line some category wants.
    /// </summary>
    private static void ConfigureAkka(AkkaConfigurationBuilder akka, IServiceProvider sp, BgpConfig config)
    {
        var settings = config.Akka;
        akka.AddHocon(ConfigurationFactory.ParseString(Defaults), HoconAddMode.Append);
        akka.ConfigureLoggers(loggers =>
        {
            loggers.ClearLoggers();
            loggers.AddSerilogLogging();
        });
        if (config.Clustered)
        {
            akka.WithRemoting(hostname: settings.RemoteHostname, port: settings.RemotePort);
            akka.WithClustering(new ClusterOptions
            {
                Roles = [HealthEndpoints.Role],
                SeedNodes = settings.SeedNodes.Count == 0 ? null : [.. settings.SeedNodes],
                SplitBrainResolver = new KeepMajorityOption(),
            });
            akka.WithAkkaClusterReadinessCheck();
        }
        akka.WithActorSystemLivenessCheck();
        if (settings.ToHocon() is { Length: > 0 } section)
            akka.AddHocon(ConfigurationFactory.ParseString(section), HoconAddMode.Prepend);
        akka.AddHocon(ConfigurationFactory.ParseString($"akka.loglevel = {SerilogSetup.BusLevel(config.Logging, settings.LogLevel).ToString().ToUpperInvariant()}"),
            HoconAddMode.Prepend);
        akka.WithActors((system, registry) => sp.GetRequiredService<SpeakerLifecycle>().Attach(system, registry));
        // Every node answers the others' cluster-wide management queries (issue 17). The services are resolved per
        // question, once the host has built them.
        akka.WithActors((system, _) => system.ActorOf(Nodes.ClusterViewResponder.Props(async (q, ct) => q.What switch
        {
            "rib" when AkkaBgp.Wire.Prefix.TryParse(q.Prefix, out var prefix) => await Management.RibEndpoints.LookupJsonAsync(
                await sp.GetRequiredService<IRequiredActor<AkkaBgp.Rib.Engine.RibActor>>().GetAsync(ct), prefix, q.Longer, q.Limit),
            "cluster-routes" => await Management.ClusterRouteEndpoints.ListJsonAsync(
                await sp.GetRequiredService<IRequiredActor<Nodes.ClusterRoutes>>().GetAsync(ct)),
            "neighbors" => await Management.NeighborEndpoints.ListJsonAsync(
                sp.GetRequiredService<SpeakerSnapshot>(), sp.GetRequiredService<IRequiredActor<AkkaBgp.Bfd.BfdClient>>(), ct),
            _ => null,
        }), Nodes.ClusterViewResponder.Name));
    }

    /// <summary>The host's own Akka.NET defaults; HOCON/reference.conf repeats them with their reasons.</summary>
    internal const string Defaults = """
        akka {
          # A lost reply must not hang an HTTP request: Akka.NET's default Ask timeout is infinite.
          actor.ask-timeout = 10s
          # The 10ms default tick costs an idle service ~5% of a core; BGP timers need nothing finer than 100ms.
          scheduler.tick-duration = 100ms
          # The Cease/2 task in this phase waits up to 5 s for the NOTIFICATIONs to leave.
          coordinated-shutdown.phases.before-service-unbind.timeout = 10s
          # placement = cluster neighbors (Cluster Sharding entities): remembered in the cluster's replicated data, kept
          # in memory (no LMDB files in the working directory: the cluster remembers while a majority lives), and
          # never rebalanced onto a node that joins: a move costs the neighbor a session, so it happens only when the
          # node running it goes away.
          # Events go to the cluster topic whether or not anyone listens on /bgp/events?scope=cluster; nobody listening
          # is the normal case, not a dead letter worth a log line.
          cluster.pub-sub.send-to-dead-letters-when-no-subscribers = off
          cluster.sharding {
            state-store-mode = ddata
            remember-entities-store = ddata
            distributed-data.durable.keys = []
            least-shard-allocation-strategy {
              rebalance-absolute-limit = 0
              rebalance-threshold = 1000000
            }
          }
        }
        """;
}
