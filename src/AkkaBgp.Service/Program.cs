using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service;

public static class Program
{
    public const int ExitConfigError = 2;
    public const int ExitUsage = 64; // EX_USAGE

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The entry point with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!CommandLine.TryParse(args, out var options, out var usageError))
        {
            stderr.WriteLine(usageError);
            stderr.WriteLine(CommandLine.Usage);
            return ExitUsage;
        }
        if (options.Help)
        {
            stdout.WriteLine(CommandLine.Usage);
            return 0;
        }

        var result = ConfigLoader.Load(options.ConfigFile, options.ReferenceFile);
        if (!result.IsValid)
        {
            stderr.WriteLine($"configuration error{(result.Problems.Count == 1 ? "" : "s")} ({result.Problems.Count}), nothing started:");
            foreach (var p in result.Problems) stderr.WriteLine("  " + p);
            return ExitConfigError;
        }

        var config = result.Config!;
        if (options.Restarting)
            config = config with { Neighbors = [.. config.Neighbors.Select(n => n with { Capabilities = n.Capabilities with { Restarted = true } })] };
        stdout.WriteLine($"configuration OK: router-id {config.RouterIdAddress}, AS {config.LocalAs}, " +
                         $"{config.Neighbors.Count} neighbor(s), {config.DynamicNeighbors.Count} dynamic range(s), {config.Routes.Count} route(s)");
        if (options.Check) return 0;
        return Hosting.ServiceHost.Run(options, config);
    }
}
