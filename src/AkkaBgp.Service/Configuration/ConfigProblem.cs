using AkkaBgp.Hocon;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// One thing wrong with the configuration: the setting's full path (e.g. <c>akka-bgp.neighbors[2].hold-time</c>),
/// where its value was written, and what is wrong. A parse error has no path, only a location.
/// </summary>
public sealed record ConfigProblem(string Path, HoconOrigin? Origin, string Message)
{
    /// <summary><c>akka-bgp.neighbors[2].hold-time (conf/x.conf:14:5): 2s is not allowed (0 or at least 3s)</c></summary>
    public override string ToString()
    {
        var where = Origin is { } o && o.Line > 0 ? o.ToString() : Origin?.File;
        if (Path.Length == 0) return where == null ? Message : $"{where}: {Message}";
        return where == null ? $"{Path}: {Message}" : $"{Path} ({where}): {Message}";
    }
}
