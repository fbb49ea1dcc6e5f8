using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Reflection;

namespace AkkaBgp.Wire.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzer for the message codec. Each iteration takes a seed message, applies a few
/// random mutations (bit flips, interesting values, inserts, deletes, truncation, duplication), usually
/// repairs the marker and length so the mutants get past the header into the body decoders, and checks:
/// decoding and framing throw nothing but <see cref="WireException"/>; a failure carries a known
/// NOTIFICATION code; a success re-encodes; decoding allocates in proportion to the message, not to
/// any length field inside it.
/// </summary>
public sealed class MutationFuzzer(IReadOnlyList<FuzzSeed> seeds, int randomSeed)
{
    /// <summary>Allowed allocation per decode: this many octets per message octet, plus <see cref="AllocationSlack"/>.</summary>
    public const int AllocationPerOctet = 64;
    public const int AllocationSlack = 16 * 1024;

    public sealed class Stats
    {
        public int Iterations;
        public int Decoded;
        public int Rejected;
        public int WireExceptions;
        public long MaxAllocated;
        public double MaxAllocatedPerOctet;
        public TimeSpan Elapsed;
        public readonly Dictionary<(byte, byte), int> ErrorCounts = new();
        public readonly List<string> Failures = new();

        public override string ToString()
            => $"{Iterations} mutants in {Elapsed.TotalSeconds:F1} s: {Decoded} decoded, {Rejected} rejected, " +
               $"{WireExceptions} WireException, max {MaxAllocated} B allocated in one decode ({MaxAllocatedPerOctet:F1} B/octet); " +
               $"errors: {string.Join(" ", ErrorCounts.OrderBy(k => k.Key).Select(k => $"{k.Key.Item1}/{k.Key.Item2}:{k.Value}"))}";
    }

    private readonly Random _rng = new(randomSeed);
    private volatile int _current;
    private volatile string _currentHex = "";

    public static IReadOnlyList<FuzzSeed> DiscoverSeeds()
        => typeof(MutationFuzzer).Assembly.GetTypes()
            .Where(t => typeof(IFuzzSeedSource).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                        && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .SelectMany(t => ((IFuzzSeedSource)Activator.CreateInstance(t)!).Seeds())
            .ToList();

    /// <summary>Runs on its own thread; a mutant that makes the codec loop forever fails the run at <paramref name="timeout"/>.</summary>
    public Stats Run(int iterations, TimeSpan timeout)
    {
        var stats = new Stats();
        Exception? crash = null;
        var thread = new Thread(() =>
        {
            try { Loop(iterations, stats); }
            catch (Exception e) { crash = e; }
        }, 16 * 1024 * 1024) { IsBackground = true, Name = "fuzz" };
        var sw = Stopwatch.StartNew();
        thread.Start();
        if (!thread.Join(timeout))
            throw new TimeoutException($"fuzzer stuck at iteration {_current} on {_currentHex}");
        stats.Elapsed = sw.Elapsed;
        if (crash is not null)
            throw new Exception($"fuzzer harness failed at iteration {_current} on {_currentHex}", crash);
        return stats;
    }

    private void Loop(int iterations, Stats stats)
    {
        for (int i = 0; i < iterations; i++)
        {
            _current = i;
            FuzzSeed seed = seeds[_rng.Next(seeds.Count)];
            byte[] mutant = Mutate(seed.Message);
            DecodeContext ctx = _rng.Next(8) == 0 ? seed.Context with { ExtendedMessages = !seed.Context.ExtendedMessages } : seed.Context;
            if (stats.Failures.Count < 20)
                Check(seed, mutant, ctx, stats);
            stats.Iterations++;
        }
    }

    private void Fail(Stats stats, FuzzSeed seed, byte[] mutant, string what)
    {
        _currentHex = Convert.ToHexString(mutant);
        stats.Failures.Add($"iteration {_current}, seed {seed.Name}: {what}\n  mutant {Convert.ToHexString(mutant)}");
    }

    private void Check(FuzzSeed seed, byte[] mutant, DecodeContext ctx, Stats stats)
    {
        BgpMessage? msg;
        WireError? error;
        bool ok;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            ok = BgpMessageCodec.TryDecode(mutant, ctx, out msg, out error);
        }
        catch (WireException)
        {
            stats.WireExceptions++;
            return;
        }
        catch (Exception e)
        {
            Fail(stats, seed, mutant, $"decode threw {e}");
            return;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > stats.MaxAllocated) stats.MaxAllocated = allocated;
        double perOctet = (double)allocated / Math.Max(1, mutant.Length);
        if (perOctet > stats.MaxAllocatedPerOctet) stats.MaxAllocatedPerOctet = perOctet;
        if (allocated > (long)AllocationPerOctet * mutant.Length + AllocationSlack)
            Fail(stats, seed, mutant, $"decode allocated {allocated} B for {mutant.Length} octets");

        if (ok)
        {
            stats.Decoded++;
            if (msg is null || error is not null)
            {
                Fail(stats, seed, mutant, "success without a message, or with an error");
                return;
            }
            CheckReEncode(seed, mutant, msg, ctx, stats);
        }
        else
        {
            stats.Rejected++;
            if (error is null || msg is not null)
            {
                Fail(stats, seed, mutant, "failure without an error");
                return;
            }
            if (error.Code is < 1 or > 8 || error.Data.Length > Math.Max(mutant.Length, 2))
                Fail(stats, seed, mutant, $"implausible error {error}");
            var key = (error.Code, error.Subcode);
            stats.ErrorCounts[key] = stats.ErrorCounts.GetValueOrDefault(key) + 1;
            // The NOTIFICATION for the error must itself be sendable.
            try { NotificationMessage.From(error).ToArray(); }
            catch (Exception e) { Fail(stats, seed, mutant, $"NOTIFICATION for {error} does not encode: {e.Message}"); }
        }

        CheckFraming(seed, mutant, ctx, stats);
    }

    private void CheckReEncode(FuzzSeed seed, byte[] mutant, BgpMessage msg, DecodeContext ctx, Stats stats)
    {
        byte[] again;
        try
        {
            again = msg.ToArray(ctx.MaxMessageLength);
        }
        catch (WireException) when (msg is BgpUpdate)
        {
            return; // an UPDATE decoded with errors may legitimately not re-encode for this session
        }
        catch (Exception e)
        {
            Fail(stats, seed, mutant, $"re-encoding {msg.Type} threw {e}");
            return;
        }
        if (msg is BgpUpdate)
            return; // UpdateMessage has no value equality; UPDATE round trips are the UPDATE tests' business
        if (!BgpMessageCodec.TryDecode(again, ctx, out BgpMessage? back, out WireError? error))
            Fail(stats, seed, mutant, $"re-encoded {msg.Type} does not decode: {error}");
        else if (!Equals(back, msg))
            Fail(stats, seed, mutant, $"re-encoded {msg.Type} decodes differently: {msg} vs {back}");
    }

    private void CheckFraming(FuzzSeed seed, byte[] mutant, DecodeContext ctx, Stats stats)
    {
        try
        {
            int n = BgpFramer.TryReadMessage(mutant, ctx.MaxMessageLength, out _);
            var seq = new ReadOnlySequence<byte>(mutant);
            bool framed = BgpFramer.TryReadMessage(ref seq, ctx.MaxMessageLength, out var message, out _);
            if (framed != n > 0 || (framed && message.Length != n))
                Fail(stats, seed, mutant, "span and sequence framers disagree");
        }
        catch (Exception e)
        {
            Fail(stats, seed, mutant, $"framer threw {e}");
        }
    }

    private static readonly byte[] Interesting8 = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7F, 0x80, 0xFE, 0xFF, 0x10, 0x20, 0x40];
    private static readonly ushort[] Interesting16 = [0, 1, 2, 3, 4, 18, 19, 20, 23, 29, 0x7F, 0x80, 0xFF, 0x100, 0xFFF, 0x1000, 0x1001, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];

    /// <summary>One to four mutations, then (usually) the header put back in order.</summary>
    public byte[] Mutate(byte[] original)
    {
        var b = new List<byte>(original);
        int count = 1 + _rng.Next(4);
        for (int k = 0; k < count; k++)
        {
            // A position in [0, limit), three times in four inside the body when there is one:
            // the header is covered by golden tests and most bugs live in the body decoders.
            int Pos(int limit)
            {
                if (limit <= 0) return 0;
                if (limit > BgpHeader.Size && _rng.Next(4) != 0)
                    return BgpHeader.Size + _rng.Next(limit - BgpHeader.Size);
                return _rng.Next(limit);
            }
            switch (_rng.Next(9))
            {
                case 0 when b.Count > 0:
                    { int p = Pos(b.Count); b[p] ^= (byte)(1 << _rng.Next(8)); break; }
                case 1 when b.Count > 0:
                    { int p = Pos(b.Count); b[p] = Interesting8[_rng.Next(Interesting8.Length)]; break; }
                case 2 when b.Count > 0:
                    { int p = Pos(b.Count); b[p] = (byte)_rng.Next(256); break; }
                case 3 when b.Count > 1:
                    {
                        int p = Pos(b.Count - 1);
                        ushort v = Interesting16[_rng.Next(Interesting16.Length)];
                        b[p] = (byte)(v >> 8);
                        b[p + 1] = (byte)v;
                        break;
                    }
                case 4:
                    {
                        int p = Pos(b.Count + 1);
                        var ins = new byte[1 + _rng.Next(_rng.Next(4) == 0 ? 300 : 8)];
                        _rng.NextBytes(ins);
                        b.InsertRange(p, ins);
                        break;
                    }
                case 5 when b.Count > 0:
                    {
                        int p = Pos(b.Count);
                        b.RemoveRange(p, Math.Min(b.Count - p, 1 + _rng.Next(16)));
                        break;
                    }
                case 6 when b.Count > 0:
                    {
                        int keep = _rng.Next(b.Count);
                        b.RemoveRange(keep, b.Count - keep);
                        break;
                    }
                case 7 when b.Count > 1:
                    {
                        int from = _rng.Next(b.Count - 1);
                        var chunk = b.GetRange(from, 1 + _rng.Next(Math.Min(64, b.Count - from)));
                        b.InsertRange(Pos(b.Count + 1), chunk);
                        break;
                    }
                default:
                    if (b.Count > 0)
                    {
                        int p = Pos(b.Count);
                        b[p] = (byte)(b[p] + _rng.Next(-2, 3));
                    }
                    break;
            }
        }
        byte[] result = b.ToArray();
        if (result.Length >= BgpHeader.Size)
        {
            if (_rng.Next(10) != 0)
                result.AsSpan(0, BgpHeader.MarkerSize).Fill(0xFF);
            if (_rng.Next(10) < 7 && result.Length <= ushort.MaxValue)
                BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(BgpHeader.MarkerSize), (ushort)result.Length);
            if (_rng.Next(10) < 8 && original.Length >= BgpHeader.Size)
                result[18] = original[18];
        }
        return result;
    }
}
