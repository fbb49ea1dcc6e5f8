using Akka.Actor;
using Akka.Event;

namespace AkkaBgp.Rpki;

/// <summary>
/// Runs one <see cref="RtrClient"/> per configured cache and decides which cache's VRPs are in use (RFC 8210
/// section 10): the most preferred cache (lowest preference, then configuration order) that is connected and synced;
/// when none is, the most preferred one whose data has not expired. Every cache is kept connected, so a failover
/// finds the next cache's data ready. When the set in use changes, the RIB gets <see cref="VrpsChanged"/> with only
/// the VRP prefixes that differ.
/// </summary>
public sealed class RpkiActor : ReceiveActor
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();

    private readonly IActorRef _rib;
    private readonly List<(RtrCacheSettings Cache, IActorRef Client)> _clients = new();
    private readonly Dictionary<RtrCacheSettings, RtrCacheUpdate> _latest = new();
    private RtrCacheSettings? _inUse;
    private VrpTable _vrps = VrpTable.Empty;

    /// <param name="clientProps">Builds a cache's client; tests put stand-ins there and send the updates themselves.</param>
    public RpkiActor(IReadOnlyList<RtrCacheSettings> caches, IActorRef rib, Func<RtrCacheSettings, IActorRef, Props>? clientProps = null)
    {
        _rib = rib;
        clientProps ??= RtrClient.Props;
        int i = 0;
        foreach (var c in caches.Select((c, order) => (c, order)).OrderBy(x => x.c.Preference).ThenBy(x => x.order).Select(x => x.c))
            _clients.Add((c, Context.ActorOf(clientProps(c, Self), $"cache-{i++}")));

        Receive<RtrCacheUpdate>(u =>
        {
            _latest[u.Cache] = u;
            Select();
        });
        Receive<GetRpkiStatus>(_ => Status(Sender));
    }

    public static Props Props(IReadOnlyList<RtrCacheSettings> caches, IActorRef rib, Func<RtrCacheSettings, IActorRef, Props>? clientProps = null) =>
        Akka.Actor.Props.Create(() => new RpkiActor(caches, rib, clientProps));

    private void Select()
    {
        RtrCacheUpdate? chosen = null;
        foreach (var (cache, _) in _clients)
            if (_latest.TryGetValue(cache, out var u) && u is { State: RtrCacheState.Synced or RtrCacheState.Syncing, Vrps: not null })
            {
                chosen = u;
                break;
            }
        if (chosen is null)
            foreach (var (cache, _) in _clients)
                if (_latest.TryGetValue(cache, out var u) && u.Vrps is not null)
                {
                    chosen = u;
                    break;
                }
        var next = chosen?.Vrps ?? VrpTable.Empty;
        if (!ReferenceEquals(chosen?.Cache, _inUse))
            Log.Info("RPKI: using {Cache}", chosen is null ? "no cache (no data: every route is NotFound)" : $"the VRPs of cache {chosen.Cache.Name}");
        _inUse = chosen?.Cache;
        if (ReferenceEquals(next, _vrps)) return;
        var changed = VrpTable.ChangedPrefixes(_vrps, next);
        var customers = _vrps.Aspas.ChangedCustomers(next.Aspas);
        _vrps = next;
        if (changed.Count > 0 || customers.Count > 0) _rib.Tell(new VrpsChanged(next, changed) { ChangedAspaCustomers = customers });
    }

    private void Status(IActorRef replyTo)
    {
        var clients = _clients.Select(c => (c.Cache, c.Client)).ToArray();
        var inUse = _inUse;
        var vrps = _vrps;
        // The clients answer their own state; a short Ask each, piped back so this actor never blocks.
        Task.WhenAll(clients.Select(c => c.Client.Ask<RtrCacheStatus>(GetCacheStatus.Instance, TimeSpan.FromSeconds(5))))
            .ContinueWith(t => t.IsCompletedSuccessfully
                ? new RpkiStatus(t.Result.Select((s, i) => s with { InUse = ReferenceEquals(clients[i].Cache, inUse) }).ToList(), vrps.CountV4, vrps.CountV6) { Aspas = vrps.Aspas.Count }
                : (object)new Status.Failure(t.Exception ?? new Exception("no status")), TaskScheduler.Default)
            .PipeTo(replyTo);
    }
}
