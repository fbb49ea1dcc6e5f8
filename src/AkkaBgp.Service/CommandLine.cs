namespace AkkaBgp.Service;

public sealed record CommandLineOptions(string? ConfigFile, string ReferenceFile, bool Help);

public static class CommandLine
{
    public const string Usage =
        "usage: AkkaBgp.Service [--config FILE] [--reference FILE]\n" +
        "  --config FILE     user configuration, read on top of reference.conf (default: HOCON/akka-bgp.conf)\n" +
        "  --reference FILE  the defaults (default: HOCON/reference.conf next to the binary)";

    public static bool TryParse(string[] args, out CommandLineOptions options, out string error)
    {
        string? config = null, reference = null;
        var help = false;
        error = "";
        options = new CommandLineOptions(null, "", false);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" or "-c" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                case "--reference" when i + 1 < args.Length:
                    reference = args[++i];
                    break;
                case "--help" or "-h":
                    help = true;
                    break;
                default:
                    error = args[i].StartsWith('-') && i + 1 >= args.Length && args[i] is "--config" or "-c" or "--reference"
                        ? $"{args[i]} needs a file name"
                        : $"unexpected argument: {args[i]}";
                    return false;
            }
        }
        options = new CommandLineOptions(config ?? DefaultFile("akka-bgp.conf"), reference ?? DefaultFile("reference.conf"), help);
        return true;
    }

    /// <summary>
    /// HOCON/name under the working directory when started from the repository (dotnet run), else the copy
    /// shipped next to the binary. Relative when possible, since the path appears in every error message.
    /// </summary>
    private static string DefaultFile(string name)
    {
        var local = Path.Combine("HOCON", name);
        if (File.Exists(local)) return local;
        var shipped = Path.Combine(AppContext.BaseDirectory, "HOCON", name);
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), shipped);
        return relative.StartsWith("..", StringComparison.Ordinal) ? shipped : relative;
    }
}
