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
    private readonly TimeSpan _askTimeout;
    private readonly ManagementCertificate? _certificate;
    private readonly RunningConfiguration _running;
    private readonly IRequiredActor<NeighborSupervisor> _neighbors;
    private readonly IRequiredActor<RibActor> _rib;
    private readonly IRequiredActor<Nodes.ClusterRoutes>? _clusterRoutes;
    private readonly Serilog.ILogger _log;
    // One reload at a time: two overlapping reloads would interleave their stop/start sequences.
    private readonly SemaphoreSlim _gate = new(1, 1);
    // What the running actors were told, each entry updated only once its actor acknowledged it. The next reload diffs
    // against these, not against the previous file: a reload that fails part-way (an Ask times out) leaves the steps it
    // did not finish in the difference, and the next reload does them. The FSM settings also lag the configuration on
    // purpose (deferred changes).
    private readonly Dictionary<IPAddress, NeighborSettings> _fsmSettings;
    private readonly Dictionary<Prefix, OriginatedRoute> _ribRoutes;

    public ConfigReloader(RunningConfiguration running, IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<RibActor> rib,
        ManagementCertificate certificate, Serilog.ILogger log, IRequiredActor<Nodes.ClusterRoutes> clusterRoutes)
        : this(running, neighbors, rib, log, TimeSpan.FromSeconds(10), certificate, clusterRoutes) { }

    /// <param name="askTimeout">How long each actor gets to acknowledge one step (tests shorten it).</param>
    internal ConfigReloader(RunningConfiguration running, IRequiredActor<NeighborSupervisor> neighbors, IRequiredActor<RibActor> rib,
        Serilog.ILogger log, TimeSpan askTimeout, ManagementCertificate? certificate = null, IRequiredActor<Nodes.ClusterRoutes>? clusterRoutes = null)
    {
        _certificate = certificate;
        _clusterRoutes = clusterRoutes;
        _running = running;
        _neighbors = neighbors;
        _rib = rib;
        _askTimeout = askTimeout;
        _log = log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AkkaBgp.Service.Reload");
        // The speaker is built from the configuration the service started with (SpeakerConfiguration).
        _fsmSettings = running.Current.NodeNeighbors.ToDictionary(n => n.PeerAddress);
        _ribRoutes = running.Current.Routes.ToDictionary(r => r.Prefix);
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
            if (_certificate?.Reread(next.Management.Tls) is { } renewed) notes.Add(renewed);
            // Swapped before applying: a neighbor started below reads its RIB settings from here when its session comes up.
            _running.Replace(next);
            var progress = new ReloadProgress();
            try
            {
                await ApplyAsync(supervisor, rib, next, progress);
            }
            catch (AskTimeoutException e)
            {
                var partial = progress.Result(applied: false, notes,
                    [$"applied part-way: {e.Message}; the lists say what was done, and the next reload (of this file or another) does the rest"]);
                _log.Error("Configuration reload failed part-way ({Problem}): {Added} added, {Removed} removed, {Announced} route(s) announced, {Withdrawn} withdrawn so far; the next reload applies the rest",
                    e.Message, partial.Added.Count, partial.Removed.Count, partial.RoutesAnnounced.Count, partial.RoutesWithdrawn.Count);
                return partial;
            }
            var result = progress.Result(applied: true, notes, []);
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
        // Neighbors placed by Cluster Sharding run where the cluster puts them; which they are, and their settings, are
        // read when a node starts hosting one.
        Check(a.PlacedInCluster.SetEquals(b.PlacedInCluster)
              && a.Neighbors.Where(n => a.PlacedInCluster.Contains(n.PeerAddress)).SequenceEqual(b.Neighbors.Where(n => b.PlacedInCluster.Contains(n.PeerAddress))),
            "akka-bgp.neighbors (placement = cluster)");
        // The actor system (remoting, cluster, dispatchers, log level) is built from it at start.
        Check(a.Akka == b.Akka, "akka");
        return problems;
    }

    /// <summary>What one reload has done so far, kept when a step fails so the answer can say it.</summary>
    private sealed class ReloadProgress
    {
        public List<string> Added { get; } = [];
        public List<string> Removed { get; } = [];
        public List<string> Reset { get; } = [];
        public List<string> Recreated { get; } = [];
        public List<string> Deferred { get; } = [];
        public List<string> Unchanged { get; } = [];
        public List<string> Announced { get; } = [];
        public List<string> Withdrawn { get; } = [];
        /// <summary>Changes applied in place that the lists above do not name (a neighbor's BFD session).</summary>
        public List<string> Notes { get; } = [];

        public ReloadResult Result(bool applied, List<string> notes, IReadOnlyList<string> problems) =>
            new(applied, problems, Added, Removed, Reset, Recreated, Deferred, Unchanged, Announced, Withdrawn, [.. notes, .. Notes]) { PartlyApplied = !applied };
    }

    private async Task ApplyAsync(IActorRef supervisor, IActorRef rib, BgpConfig next, ReloadProgress done)
    {
        var statuses = (await Ask<AllNeighborStatus>(supervisor, new GetAllNeighborStatus(TimeSpan.FromSeconds(3)), "the neighbor supervisor (status of every neighbor)"))
            .Statuses.OfType<NeighborStatus>().ToDictionary(s => s.Peer);
        var wanted = next.NodeNeighbors.ToDictionary(n => n.PeerAddress);

        foreach (var peer in _fsmSettings.Keys.Where(p => !wanted.ContainsKey(p)).ToArray())
        {
            // RFC 4486 Cease/3 Peer De-configured (where a session is open), then the FSM goes.
            await Ask<NeighborRemoved>(supervisor, new RemoveNeighbor(peer, CeaseSubcode: CeaseSubcode.PeerDeconfigured), $"removing neighbor {peer}");
            _fsmSettings.Remove(peer);
            done.Removed.Add(peer.ToString());
        }

        foreach (var (peer, settings) in wanted)
        {
            if (!_fsmSettings.TryGetValue(peer, out var old))
            {
                await Ask<NeighborAdded>(supervisor, new AddNeighbor(settings), $"adding neighbor {peer}");
                _fsmSettings[peer] = settings;
                done.Added.Add(peer.ToString());
                continue;
            }
            var differences = NeighborChange.Differences(old, settings);
            if (differences.Count == 0)
            {
                done.Unchanged.Add(peer.ToString());
                continue;
            }
            if (differences.Contains(nameof(NeighborSettings.Bfd)))
            {
                // The BFD session changes in place (a Poll Sequence for new intervals); the BGP session stays.
                supervisor.Tell(new ReconfigureBfd(peer, settings.LocalAddress, settings.Bfd));
                done.Notes.Add($"{peer}: BFD {(settings.Bfd is null ? "removed" : old.Bfd is null ? "added" : "changed")} without touching the BGP session");
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
                done.Deferred.Add($"{peer}: {string.Join(", ", differences)}");
                continue;
            }
            // Cease/6 Other Configuration Change where a session is open (nothing is sent without one), then a new
            // FSM from the new settings. A neighbor the operator stopped stays stopped: the supervisor, which owns
            // that state, gives the new FSM no AutomaticStart.
            _log.Information("Neighbor {Peer}: {Changes} changed; {Action}", peer, string.Join(", ", differences),
                hasSession ? "new session (Cease/6)" : "re-created (no session open)");
            await Ask<NeighborAdded>(supervisor, new ReplaceNeighbor(settings, CeaseSubcode.OtherConfigurationChange), $"re-creating neighbor {peer}");
            _fsmSettings[peer] = settings;
            (hasSession ? done.Reset : done.Recreated).Add($"{peer}: {string.Join(", ", differences)}");
        }

        var newRoutes = next.Routes.ToDictionary(r => r.Prefix);
        foreach (var prefix in _ribRoutes.Keys.Where(p => !newRoutes.ContainsKey(p)).ToArray())
        {
            await Ask<LocalRouteAck>(rib, new WithdrawLocalRoute(prefix), $"withdrawing route {prefix}");
            _ribRoutes.Remove(prefix);
            done.Withdrawn.Add(prefix.ToString());
        }
        foreach (var (prefix, route) in newRoutes)
        {
            if (_ribRoutes.TryGetValue(prefix, out var was) && was == route) continue;
            await Ask<LocalRouteAck>(rib, new AnnounceLocalRoute(route.ToLocalRoute()), $"announcing route {prefix}");
            _ribRoutes[prefix] = route;
            done.Announced.Add(prefix.ToString());
        }

        // akka-bgp.cluster.routes: this node's share (each node reloads its own file).
        if (_clusterRoutes is not null)
        {
            var applied = await Ask<Nodes.ClusterRoutesApplied>(await _clusterRoutes.GetAsync(), new Nodes.UseConfiguredClusterRoutes(next.ClusterRoutes),
                "applying akka-bgp.cluster.routes");
            foreach (var (what, list) in new[] { ("added", applied.Added), ("changed", applied.Changed), ("removed", applied.Removed) })
                if (list.Count > 0) done.Notes.Add($"cluster routes {what} on this node: {string.Join(", ", list)}");
        }
    }

    private async Task<T> Ask<T>(IActorRef actor, object message, string step)
    {
        try
        {
            return await actor.Ask<T>(message, _askTimeout);
        }
        catch (AskTimeoutException)
        {
            // Which step, for the operator: the exception alone names neither the actor nor the message.
            throw new AskTimeoutException($"{step} got no answer within {_askTimeout.TotalSeconds:0.#} s");
        }
    }
}
