namespace AkkaBgp.Service.Configuration;

/// <summary>Picks the known key an unknown one was most likely meant to be.</summary>
internal static class KeySuggestion
{
    public static string? Closest(string unknown, IEnumerable<string> known)
    {
        var u = unknown.ToLowerInvariant().Replace('_', '-');
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var k in known)
        {
            var d = Distance(u, k);
            // A truncated name ("keepalive" for "keepalive-time") is far by edit distance but obvious to a reader.
            if (u.Length >= 4 && k.StartsWith(u, StringComparison.Ordinal)) d = Math.Min(d, 1);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = k;
            }
        }
        var allowed = u.Length <= 4 ? 1 : u.Length <= 8 ? 2 : 3;
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
