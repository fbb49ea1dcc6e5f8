using Akka.Hosting;
using Akka.Actor;

namespace AkkaBgp.Service.Management;

/// <summary>The speaker's actors are not registered yet (it starts once the node is Up in the cluster).</summary>
public sealed class SpeakerNotRunningException(string message) : Exception(message);

public static class SpeakerActors
{
    /// <summary>How long a request that arrives during startup waits for the speaker before it gets 503.</summary>
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The actor from Akka.Hosting's registry; a request that arrives while the speaker is still starting waits for
    /// it (at most <see cref="StartWait"/>, then <see cref="SpeakerNotRunningException"/>, which is 503).
    /// </summary>
    public static async Task<IActorRef> ResolveAsync<T>(this IRequiredActor<T> actor, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(StartWait);
        try
        {
            return await actor.GetAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SpeakerNotRunningException($"the speaker has not started within {StartWait.TotalSeconds:0} s (GET /ready says why)");
        }
    }
}
