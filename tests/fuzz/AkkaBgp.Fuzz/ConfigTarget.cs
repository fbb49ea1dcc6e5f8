using AkkaBgp.Hocon;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Fuzz;

/// <summary>
/// The configuration loader as the service runs it at start and on reload: the input is the user's file, read
/// by <see cref="ConfigLoader.Load"/> on top of the shipped HOCON/reference.conf. A broken file must come back
/// as problems (never an exception, never a hang); a file that loads must render an <c>akka</c> section that
/// Akka.NET's own parser reads, because that is what the host hands to Akka.Hosting next.
/// </summary>
public static class ConfigTarget
{
    // One directory per process: the file under test is rewritten for every input; includes resolve next to it.
    private static readonly string Sandbox = CreateSandbox();
    private static readonly string UserFile = Path.Combine(Sandbox, "akka-bgp.conf");
    private static readonly string ReferenceFile = Path.Combine(AppContext.BaseDirectory, "HOCON", "reference.conf");

    // ${?VAR} lookups see a fixed environment, so an input behaves the same on every machine and run.
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["AKKA_BGP_MANAGEMENT_TOKEN"] = "t0ken",
        ["UPSTREAM_A_MD5"] = "secret",
        ["ROUTER_ID"] = "192.0.2.1",
        ["HOME"] = "/home/bgp",
    };

    private static string CreateSandbox()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"akkabgp-fuzz-config-{System.Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(dir, "conf.d"));
        // Small real fragments for include "..." to find, so includes are exercised beyond "not found".
        File.WriteAllText(Path.Combine(dir, "neighbors.conf"),
            "akka-bgp.neighbors += { address = \"192.0.2.9\", remote-as = 64999, hold-time = 30s }\n");
        File.WriteAllText(Path.Combine(dir, "conf.d", "routes.conf"),
            "routes = [ { prefix = \"198.51.100.0/24\", communities = [\"65000:1\"] } ]\n");
        File.WriteAllText(Path.Combine(dir, "loop.conf"), "include \"loop.conf\"\n");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    public static void Run(byte[] input)
    {
        File.WriteAllBytes(UserFile, input);
        ConfigLoadResult result = ConfigLoader.Load(UserFile, ReferenceFile, name => Environment.GetValueOrDefault(name));
        if (result.IsValid == result.Problems.Count > 0)
            throw new FuzzCheckException($"valid={result.IsValid} with {result.Problems.Count} problem(s)");
        foreach (var problem in result.Problems)
        {
            if (string.IsNullOrWhiteSpace(problem.Message))
                throw new FuzzCheckException($"a problem without a message at {problem.Origin}");
            _ = problem.ToString();
        }
        if (result.Config is not { } config) return;

        _ = config.ToString();
        string akka = config.Akka.ToHocon();
        if (akka.Length > 0)
        {
            // Our own reader must read back what we render, and so must Akka.NET's (ServiceHost.AddHocon).
            _ = HoconConfig.ParseString(akka, "rendered-akka").Resolve(_ => null);
            _ = Akka.Configuration.ConfigurationFactory.ParseString(akka);
        }
    }
}
