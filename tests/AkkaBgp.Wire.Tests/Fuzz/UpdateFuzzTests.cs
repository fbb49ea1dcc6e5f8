using System.Diagnostics;
using Xunit.Abstractions;

namespace AkkaBgp.Wire.Tests.Fuzz;

/// <summary>
/// UPDATE-only mutation run on top of the shared fuzzer's mutations. Beyond "never throws", it checks
/// that whatever the decoder accepts re-encodes, and that on 4-octet sessions decode(encode(decode(x)))
/// gives the same attributes and routes as decode(x) (canonical form is a fixed point).
/// </summary>
public class UpdateFuzzTests(ITestOutputHelper output)
{
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out int n) ? Math.Max(1, n / 2) : 100_000;

    private void Run(int seed)
    {
        var seeds = new UpdateFuzzSeeds().Seeds().ToList();
        var fuzzer = new MutationFuzzer(seeds, seed);
        var rng = new Random(seed);
        int decoded = 0, rejected = 0, withErrors = 0, notReencodable = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Iterations && failures.Count < 10; i++)
        {
            var s = seeds[rng.Next(seeds.Count)];
            var mutant = fuzzer.Mutate(s.Message);
            if (mutant.Length < 19) continue;
            var body = mutant.AsSpan(19);
            var ctx = s.Context.Update;
            if (rng.Next(8) == 0) ctx = ctx with { FourOctetAs = !ctx.FourOctetAs };
            UpdateMessage? m;
            WireError? err;
            try
            {
                if (!UpdateMessage.TryDecode(body, ctx, out m, out err))
                {
                    rejected++;
                    if (err is null || err.Action is not (ErrorAction.SessionReset or ErrorAction.AfiSafiDisable) || err.Code != ErrorCode.UpdateMessage)
                        failures.Add($"bad fatal error {err} for {Hex.Of(mutant)}");
                    continue;
                }
            }
            catch (Exception e)
            {
                failures.Add($"decode threw {e.GetType().Name}: {e.Message} for {Hex.Of(mutant)}");
                continue;
            }
            decoded++;
            if (m!.Errors.Count > 0) withErrors++;
            if (m.Errors.Any(e => e.Action is ErrorAction.SessionReset or ErrorAction.AfiSafiDisable))
                failures.Add($"fatal action among non-fatal errors for {Hex.Of(mutant)}");
            try
            {
                _ = m.ToString();
                foreach (var a in m.Attributes) _ = a.ToString();
                _ = m.Attributes.ToString();
                var enc = new UpdateEncodeContext(ctx.FourOctetAs, ctx.AddPathReceive, maxMessageSize: 65535);
                byte[] again;
                try { again = m.ToArray(enc); }
                catch (WireException) { notReencodable++; continue; }
                if (!UpdateMessage.TryDecode(again.AsSpan(19), ctx, out var back, out var err2))
                {
                    failures.Add($"re-encoded UPDATE rejected: {err2}\n  mutant {Hex.Of(mutant)}\n  again {Hex.Of(again)}");
                    continue;
                }
                if (ctx.FourOctetAs && !Same(m, back!))
                    failures.Add($"not a fixed point\n  mutant {Hex.Of(mutant)}\n  again {Hex.Of(again)}");
            }
            catch (Exception e)
            {
                failures.Add($"post-decode threw {e}\n  mutant {Hex.Of(mutant)}");
            }
        }
        output.WriteLine($"seed {seed}: {Iterations} UPDATE mutants in {sw.Elapsed.TotalSeconds:F1} s: {decoded} decoded ({withErrors} with RFC 7606 errors), {rejected} rejected, {notReencodable} too large to re-encode");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(decoded > Iterations / 10 && rejected > Iterations / 10 && withErrors > Iterations / 50);
    }

    private static bool Same(UpdateMessage a, UpdateMessage b)
        => a.Attributes.Equals(b.Attributes)
           && a.Nlri.ToArray().SequenceEqual(b.Nlri.ToArray())
           && a.Withdrawn.ToArray().SequenceEqual(b.Withdrawn.ToArray())
           && (a.MpReach is null) == (b.MpReach is null)
           && (a.MpReach is null || (a.MpReach.Afi == b.MpReach!.Afi && a.MpReach.Safi == b.MpReach.Safi
               && a.MpReach.NextHop.Span.SequenceEqual(b.MpReach.NextHop.Span) && a.MpReach.NlriEncoded.Span.SequenceEqual(b.MpReach.NlriEncoded.Span)))
           && (a.MpUnreach is null) == (b.MpUnreach is null)
           && (a.MpUnreach is null || a.MpUnreach.Value.Span.SequenceEqual(b.MpUnreach!.Value.Span));

    [Fact]
    public void Fixed_seed() => Run(7606);

    [Fact]
    public void Random_seed()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out int s) ? s : Random.Shared.Next();
        output.WriteLine($"FUZZ_SEED={seed}");
        Console.WriteLine($"[update-fuzz] FUZZ_SEED={seed}");
        Run(seed);
    }
}
