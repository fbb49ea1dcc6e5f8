using System.Collections.Concurrent;
using System.Net;

namespace AkkaBgp.Service.Hosting;

/// <summary>
/// Neighbors an operator stopped through the API. A reload that re-creates such a neighbor's FSM stops the new
/// one too, so an administrative stop survives configuration changes.
/// </summary>
public sealed class AdministrativeState
{
    private readonly ConcurrentDictionary<IPAddress, string?> _stopped = new();

    public void Stopped(IPAddress peer, string? communication) => _stopped[peer] = communication;

    public void Started(IPAddress peer) => _stopped.TryRemove(peer, out _);

    public bool IsStopped(IPAddress peer, out string? communication) => _stopped.TryGetValue(peer, out communication);
}
