using Xunit.Abstractions;

namespace AkkaBgp.Wire.Tests.Fuzz;

/// <summary>
/// The mutation fuzz run: 200,000 mutants from a fixed seed (reproducible) and 200,000 from a random
/// seed printed in the test output (reproduce with FUZZ_SEED=n). FUZZ_ITERATIONS overrides the count.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out int n) ? n : 200_000;

    private void RunWith(int seed)
    {
        var seeds = MutationFuzzer.DiscoverSeeds();
        Assert.NotEmpty(seeds);
        var fuzzer = new MutationFuzzer(seeds, seed);
        MutationFuzzer.Stats stats = fuzzer.Run(Iterations, TimeSpan.FromMinutes(2));
        output.WriteLine($"seed {seed}, {seeds.Count} seed messages: {stats}");
        Assert.True(stats.Failures.Count == 0, $"seed {seed}:\n" + string.Join("\n", stats.Failures));
        Assert.Equal(Iterations, stats.Iterations);
        // The mutants must reach both outcomes, or the fuzzer is only exercising the header check.
        Assert.True(stats.Decoded > Iterations / 20, stats.ToString());
        Assert.True(stats.Rejected > Iterations / 20, stats.ToString());
    }

    [Fact]
    public void Fixed_seed() => RunWith(20261121);

    [Fact]
    public void Random_seed()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out int s) ? s : Random.Shared.Next();
        output.WriteLine($"FUZZ_SEED={seed}");
        Console.WriteLine($"[fuzz] FUZZ_SEED={seed}");
        RunWith(seed);
    }
}
