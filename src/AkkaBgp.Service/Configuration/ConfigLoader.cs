using AkkaBgp.Hocon;

namespace AkkaBgp.Service.Configuration;

/// <summary>Either a usable configuration or everything wrong with the files; never both, never a partial config.</summary>
public sealed record ConfigLoadResult(BgpConfig? Config, IReadOnlyList<ConfigProblem> Problems)
{
    public bool IsValid => Config != null;
}

public static class ConfigLoader
{
    /// <summary>
    /// Reads <paramref name="userFile"/> on top of <paramref name="referenceFile"/> (or the reference alone),
    /// resolves substitutions (environment variables through <paramref name="environment"/>, the process
    /// environment by default) and validates the <c>akka-bgp</c> section.
    /// </summary>
    public static ConfigLoadResult Load(string? userFile, string referenceFile, Func<string, string?>? environment = null)
    {
        HoconConfig merged;
        try
        {
            var reference = HoconConfig.ParseFile(referenceFile);
            merged = userFile == null ? reference : HoconConfig.ParseFile(userFile).WithFallback(reference);
        }
        catch (HoconException e)
        {
            return Failed(e);
        }
        return Validate(merged, environment);
    }

    /// <summary>Validates an already assembled tree (resolving it first when needed).</summary>
    public static ConfigLoadResult Validate(HoconConfig config, Func<string, string?>? environment = null)
    {
        try
        {
            config.Resolve(environment);
        }
        catch (HoconException e)
        {
            return Failed(e);
        }
        var problems = new List<ConfigProblem>();
        BgpConfig? result;
        try
        {
            result = BgpConfigReader.Read(config, problems);
        }
        catch (HoconException e)
        {
            // The reader catches per setting; this is a safety net so that a missed case still names a location.
            problems.Add(new ConfigProblem("", e.Origin, e.Reason));
            result = null;
        }
        return problems.Count > 0 || result == null ? new ConfigLoadResult(null, problems) : new ConfigLoadResult(result, []);
    }

    private static ConfigLoadResult Failed(HoconException e) => new(null, [new ConfigProblem("", e.Origin, e.Reason)]);
}
