using System.Net;
using Akka.Hosting;
using AkkaBgp.Mrt;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Service.Management;
using Microsoft.Extensions.Hosting;

namespace AkkaBgp.Service.Mrt;

/// <summary>
/// MRT table dumps for the service: one at a time, on request (<c>POST /bgp/mrt/dump</c>) or every
/// <c>mrt.table-dump-interval</c> (read from the running configuration at each turn, so a reload applies). File names
/// follow RIPE RIS's <c>bview.YYYYMMDD.HHMMSS</c> (UTC), with <c>.gz</c> when compressed.
/// </summary>
public sealed class TableDumps(RunningConfiguration running, IRequiredActor<RibActor> ribActor, SpeakerSnapshot snapshot,
    Serilog.ILogger logger) : BackgroundService
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public sealed record Outcome(TableDumpResult? Result, string? Refused);

    /// <summary>Writes a dump now; refused (not queued) while another is being written or when MRT is off.</summary>
    public async Task<Outcome> DumpAsync(CancellationToken ct)
    {
        var settings = running.Current.Mrt;
        if (settings.Directory is not { } directory) return new(null, "MRT is off: set akka-bgp.mrt.directory");
        if (!await _one.WaitAsync(0, ct)) return new(null, "a table dump is being written; try again when it is done");
        try
        {
            Directory.CreateDirectory(directory);
            var now = DateTimeOffset.UtcNow;
            string path = Path.Combine(directory, $"bview.{now:yyyyMMdd.HHmmss}" + (settings.Gzip ? ".gz" : ""));
            var neighbors = await snapshot.RefreshNeighborsAsync(ct);
            var ids = neighbors.Where(n => n.Session is not null).ToDictionary(n => n.Peer, n => n.Session!.PeerIdentifier);
            var rib = await ribActor.ResolveAsync(ct);
            var result = await TableDump.WriteAsync(rib, path, settings.Gzip, running.Current.RouterId,
                peer => ids.GetValueOrDefault(peer), now, ct);
            logger.Information("MRT table dump {Path}: {Prefixes} prefixes, {Entries} paths from {Peers} peers, {Bytes} octets in {Took}",
                result.Path, result.Prefixes, result.Entries, result.Peers, result.Bytes, result.Took);
            return new(result, null);
        }
        finally
        {
            _one.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var every = running.Current.Mrt.TableDumpInterval;
            try
            {
                await Task.Delay(every ?? TimeSpan.FromMinutes(1), stoppingToken);
                if (every is null || running.Current.Mrt.TableDumpInterval is null) continue;
                var outcome = await DumpAsync(stoppingToken);
                if (outcome.Refused is { } why) logger.Warning("MRT scheduled table dump skipped: {Reason}", why);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                // A failed dump (disk full, RIB busy) must not end the schedule or the service.
                logger.Error(e, "MRT scheduled table dump failed");
            }
        }
    }
}
