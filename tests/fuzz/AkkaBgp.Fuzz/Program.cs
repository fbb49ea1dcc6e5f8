using SharpFuzz;

namespace AkkaBgp.Fuzz;

/// <summary>
/// The coverage-guided fuzz harness. Under afl-fuzz (tests/fuzz/run.sh, tests/fuzz/campaign.sh):
/// <c>dotnet AkkaBgp.Fuzz.dll TARGET</c>. By hand, to see why an input fails and with what:
/// <c>dotnet AkkaBgp.Fuzz.dll TARGET --replay FILE...</c> (works on the uninstrumented build too).
/// A target fails an input by throwing; every check a target makes is an exception, so afl-fuzz
/// records the input as a crash.
/// </summary>
public static class Program
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> Targets = new Dictionary<string, Action<byte[]>>
    {
        ["framer"] = WireTargets.Framer,
        ["open"] = WireTargets.Open,
        ["update"] = WireTargets.Update,
        ["notification"] = WireTargets.Notification,
        ["route-refresh"] = WireTargets.RouteRefresh,
        ["config"] = ConfigTarget.Run,
        ["management-json"] = ManagementJsonTarget.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] == "list")
        {
            Console.WriteLine(string.Join("\n", Targets.Keys));
            return args.Length == 0 ? 2 : 0;
        }
        if (!Targets.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(", ", Targets.Keys)}");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
            return Replay(target, args.Skip(2));

        // Out of process: a hang is killed by afl-fuzz's timeout and a stack overflow ends the process; in both
        // cases SharpFuzz's server starts a new child and fuzzing goes on, where the in-process server would die.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            var input = new MemoryStream();
            stream.CopyTo(input);
            target(input.ToArray());
        });
        return 0;
    }

    private static int Replay(Action<byte[]> target, IEnumerable<string> files)
    {
        int failed = 0, total = 0;
        foreach (var file in files)
        {
            total++;
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{file}: {e}");
            }
        }
        Console.WriteLine($"replayed {total} inputs: {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}

/// <summary>A harness check that does not hold: the input shows a bug even though nothing threw.</summary>
public sealed class FuzzCheckException(string message) : Exception(message);
