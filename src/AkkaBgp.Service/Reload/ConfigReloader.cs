using System.Net;
using Akka.Actor;
using Akka.Hosting;
using AkkaBgp.Service.Management;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Hosting;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Wire;

namespace AkkaBgp.Service.Reload;

/// <summary>
/// Re-reads the configuration files and applies the difference to the running speaker (POST /config/reload,
/// SIGHUP). A file with any problem is refused whole and nothing changes. Settings the running actors were
/// built with and cannot change live (router-id, local-as, cluster-id, listen, management, rib, dynamic
/// neighbor ranges) are refused too, with a problem that says a restart is needed.
/// </summary>
public sealed class ConfigReloader
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    private readonly RunningConfiguration _running;
    private readonly IRequiredActor<NeighborSupervisor> _neighbors;
    private readonly IRequiredActor<RibActor> _rib;
    private readonly AdministrativeState _admin;
    private readonly Serilog.ILogger _log;
    // One reload at a time: two overlapping reloads would interleave their stop/start sequences.
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The settings each running FSM was created with, which can lag the configuration (deferred changes).
    private readonly Dictionary<IPAddress, NeighborSettings> _fsmSettings;

    public ConfigReloader(RunningConfiguration running, IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<RibActor> rib,
        AdministrativeState admin, Serilog.ILogger log)
    {
        _running = running;
        _neighbors = neighbors;
        _rib = rib;
        _admin = admin;
        _log = log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Service.Reload");
        _fsmSettings = running.Current.Neighbors.ToDictionary(n => n.PeerAddress);
    }

    public async Task<ReloadResult> ReloadAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var load = ConfigLoader.Load(_running.ConfigFile, _running.ReferenceFile);
            if (!load.IsValid) return Refuse(load.Problems.Select(p => p.ToString()).ToArray());
            var next = load.Config!;
            var current = _running.Current;
            var restartOnly = RestartOnlyChanges(current, next);
            if (restartOnly.Count > 0) return Refuse(restartOnly);
            // Resolved before the configuration is swapped: a reload during startup waits for the speaker or fails
            // whole, instead of replacing the configuration and then finding no actors to apply it to.
            var supervisor = await _neighbors.ResolveAsync(ct);
            var rib = await _rib.ResolveAsync(ct);

            var notes = new List<string>();
            if (!Equals(current.Logging, next.Logging)) notes.Add("akka-bgp.logging: takes effect at the next start");
            _running.Replace(next);
            var result = await ApplyAsync(supervisor, rib, current, next, notes);
            _log.Information("Configuration reloaded: {Added} added, {Removed} removed, {Reset} reset (Cease/6), {Recreated} re-created, {Deferred} deferred, {Announced} route(s) announced, {Withdrawn} withdrawn",
                result.Added.Count, result.Removed.Count, result.Reset.Count, result.Recreated.Count, result.Deferred.Count,
                result.RoutesAnnounced.Count, result.RoutesWithdrawn.Count);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private ReloadResult Refuse(IReadOnlyList<string> problems)
    {
        _log.Error("Configuration reload refused, the running configuration stays ({Count} problem(s)):{NewLine}{Problems}",
            problems.Count, Environment.NewLine, string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
        return ReloadResult.Refused(problems);
    }

    private static List<string> RestartOnlyChanges(BgpConfig a, BgpConfig b)
    {
        var problems = new List<string>();
        void Check(bool same, string path)
        {
            if (!same) problems.Add($"{path}: changed; this setting is applied only at start (restart the service)");
        }
        Check(a.RouterId == b.RouterId, "akka-bgp.router-id");
        Check(a.LocalAs == b.LocalAs, "akka-bgp.local-as");
        Check(a.ClusterId == b.ClusterId, "akka-bgp.cluster-id");
        Check(a.Listen.SequenceEqual(b.Listen), "akka-bgp.listen");
        Check(a.Management == b.Management, "akka-bgp.management");
        Check(a.Rib == b.Rib, "akka-bgp.rib");
        Check(a.DynamicNeighbors.SequenceEqual(b.DynamicNeighbors), "akka-bgp.dynamic-neighbors");
        // The RTR clients are started with the service (RpkiActor); changing caches at run time is not implemented.
        Check(a.RpkiCaches.SequenceEqual(b.RpkiCaches), "akka-bgp.rpki");
        // The actor system (remoting, cluster, dispatchers, log level) is built from it at start.
        Check(a.Akka == b.Akka, "akka");
        return problems;
    }

    private async Task<ReloadResult> ApplyAsync(IActorRef supervisor, IActorRef rib, BgpConfig current, BgpConfig next, List<string> notes)
    {
        var statuses = (await supervisor.Ask<AllNeighborStatus>(new GetAllNeighborStatus(TimeSpan.FromSeconds(3)), AskTimeout))
            .Statuses.OfType<NeighborStatus>().ToDictionary(s => s.Peer);
        var wanted = next.Neighbors.ToDictionary(n => n.PeerAddress);
        List<string> added = [], removed = [], reset = [], recreated = [], deferred = [], unchanged = [];

        foreach (var peer in _fsmSettings.Keys.Where(p => !wanted.ContainsKey(p)).ToArray())
        {
            // RFC 4486 Cease/3 Peer De-configured (where a session is open), then the FSM goes.
            await supervisor.Ask<NeighborRemoved>(new RemoveNeighbor(peer, CeaseSubcode: CeaseSubcode.PeerDeconfigured), AskTimeout);
            _fsmSettings.Remove(peer);
            _admin.Started(peer);
            removed.Add(peer.ToString());
        }

        foreach (var (peer, settings) in wanted)
        {
            if (!_fsmSettings.TryGetValue(peer, out var old))
            {
                await supervisor.Ask<NeighborAdded>(new AddNeighbor(settings), AskTimeout);
                _fsmSettings[peer] = settings;
                added.Add(peer.ToString());
                continue;
            }
            var differences = NeighborChange.Differences(old, settings);
            if (differences.Count == 0)
            {
                unchanged.Add(peer.ToString());
                continue;
            }
            if (differences.Contains(nameof(NeighborSettings.Bfd)))
            {
                // The BFD session changes in place (a Poll Sequence for new intervals); the BGP session stays.
                supervisor.Tell(new ReconfigureBfd(peer, settings.LocalAddress, settings.Bfd));
                notes.Add($"{peer}: BFD {(settings.Bfd is null ? "removed" : old.Bfd is null ? "added" : "changed")} without touching the BGP session");
                if (differences.All(NeighborChange.Live.Contains))
                {
                    _fsmSettings[peer] = settings;
                    continue;
                }
            }
            var state = statuses.TryGetValue(peer, out var s) ? s.State : SessionState.Idle;
            bool hasSession = SpeakerLifecycle.HasSession(state);
            if (hasSession && !NeighborChange.NeedsNewSession(differences))
            {
                deferred.Add($"{peer}: {string.Join(", ", differences)}");
                continue;
            }
            // Cease/6 Other Configuration Change where a session is open (nothing is sent without one), then a new
            // FSM from the new settings.
            _log.Information("Neighbor {Peer}: {Changes} changed; {Action}", peer, string.Join(", ", differences),
                hasSession ? "new session (Cease/6)" : "re-created (no session open)");
            await supervisor.Ask<NeighborAdded>(new ReplaceNeighbor(settings, CeaseSubcode.OtherConfigurationChange), AskTimeout);
            _fsmSettings[peer] = settings;
            if (_admin.IsStopped(peer, out var communication))
                supervisor.Tell(new NeighborCommand(peer, new ManualStop(communication)));
            (hasSession ? reset : recreated).Add($"{peer}: {string.Join(", ", differences)}");
        }

        var oldRoutes = current.Routes.ToDictionary(r => r.Prefix);
        var newRoutes = next.Routes.ToDictionary(r => r.Prefix);
        List<string> announced = [], withdrawn = [];
        foreach (var prefix in oldRoutes.Keys.Where(p => !newRoutes.ContainsKey(p)))
        {
            await rib.Ask<LocalRouteAck>(new WithdrawLocalRoute(prefix), AskTimeout);
            withdrawn.Add(prefix.ToString());
        }
        foreach (var (prefix, route) in newRoutes)
        {
            if (oldRoutes.TryGetValue(prefix, out var was) && was == route) continue;
            await rib.Ask<LocalRouteAck>(new AnnounceLocalRoute(route.ToLocalRoute()), AskTimeout);
            announced.Add(prefix.ToString());
        }
        return new ReloadResult(true, [], added, removed, reset, recreated, deferred, unchanged, announced, withdrawn, notes);
    }
}
