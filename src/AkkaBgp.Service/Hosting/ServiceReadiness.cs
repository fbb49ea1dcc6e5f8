namespace AkkaBgp.Service.Hosting;

/// <summary>What <c>GET /ready</c> reports: ready once the configuration is loaded and every listener is bound.</summary>
public sealed class ServiceReadiness
{
    private volatile string? _notReady = "starting";

    public bool IsReady => _notReady is null;

    /// <summary>Why the service is not ready (null when it is).</summary>
    public string? Reason => _notReady;

    public void Ready() => _notReady = null;

    public void NotReady(string reason) => _notReady = reason;
}
