namespace AkkaBgp.Service;

/// <param name="Check">Validate the configuration and exit (0 or 2) without starting anything.</param>
/// <param name="Restarting">This start follows a restart of the service (after a crash, say): OPENs carry the Restart
/// State bit (RFC 4724 section 3) for neighbors with graceful-restart-restarting-speaker on.</param>
public sealed record CommandLineOptions(string? ConfigFile, string ReferenceFile, bool Help, bool Check, bool Restarting = false);

public static class CommandLine
{
    public const string Usage =
        "usage: AkkaBgp.Service [--config FILE] [--reference FILE] [--check]\n" +
        "  --config FILE     user configuration, read on top of reference.conf (default: HOCON/akka-bgp.conf)\n" +
        "  --reference FILE  the defaults (default: HOCON/reference.conf next to the binary)\n" +
        "  --check           validate the configuration, print the problems and exit (0: valid, 2: not)\n" +
        "  --restarting      this start follows a restart (e.g. after a crash): tell graceful-restart helpers so\n" +
        "                    (RFC 4724 Restart State bit) for neighbors with graceful-restart-restarting-speaker = true";

    public static bool TryParse(string[] args, out CommandLineOptions options, out string error)
    {
        string? config = null, reference = null;
        var help = false;
        var check = false;
        var restarting = false;
        error = "";
        options = new CommandLineOptions(null, "", false, false);
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
                case "--check":
                    check = true;
                    break;
                case "--restarting":
                    restarting = true;
                    break;
                case "--config" or "-c" or "--reference":
                    error = $"{args[i]} needs a file name";
                    return false;
                default:
                    error = $"unexpected argument: {args[i]}";
                    return false;
            }
        }
        options = new CommandLineOptions(config ?? DefaultFile("akka-bgp.conf"), reference ?? DefaultFile("reference.conf"), help, check, restarting);
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
