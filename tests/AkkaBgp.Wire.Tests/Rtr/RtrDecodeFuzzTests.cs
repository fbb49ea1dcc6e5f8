using AkkaBgp.Wire.Rtr;
using Xunit.Abstractions;

namespace AkkaBgp.Wire.Tests.Rtr;

/// <summary>
/// Property tests over random and mutated octets for <see cref="RtrCodec.Decode"/> (the entry point a SharpFuzz
/// target can call): it never throws, never claims more octets than it was given, asks for more only for a prefix
/// of a PDU, and what it decodes encodes back to the same octets. Reproduce a run with RTR_FUZZ_SEED=n.
/// </summary>
public class RtrDecodeFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] Seeds =
    [
        RtrCodec.Encode(new SerialNotify(1, 5, 9)),
        RtrCodec.Encode(new SerialQuery(0, 5, 9)),
        RtrCodec.Encode(new ResetQuery(1)),
        RtrCodec.Encode(new CacheResponse(1, 5)),
        RtrCodec.Encode(new PrefixPdu(1, true, Prefix.Parse("192.0.2.0/24"), 24, 64496)),
        RtrCodec.Encode(new PrefixPdu(0, false, Prefix.Parse("2001:db8::/32"), 48, 64497)),
        RtrCodec.Encode(new EndOfData(1, 5, 9, 3600, 600, 7200)),
        RtrCodec.Encode(new EndOfData(0, 5, 9)),
        RtrCodec.Encode(new CacheReset(1)),
        RtrCodec.Encode(new RouterKey(1, true, new byte[20], 64496, [0x30, 0x59, 0x30, 0x13])),
        RtrCodec.Encode(new ErrorReport(1, RtrErrorCode.CorruptData, RtrCodec.Encode(new ResetQuery(1)), "bad")),
        RtrCodec.Encode(new AspaPdu(2, true, 64500, [64501, 64502])),
        RtrCodec.Encode(new AspaPdu(2, false, 64500, [64501], AfiFlags: 0)),
    ];

    [Fact]
    public void Decode_never_throws_and_round_trips_what_it_accepts()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("RTR_FUZZ_SEED"), out int s) ? s : Environment.TickCount;
        output.WriteLine($"RTR_FUZZ_SEED={seed}");
        var rng = new Random(seed);
        int decoded = 0, errors = 0, more = 0;
        for (int i = 0; i < 100_000; i++)
        {
            byte[] input = i % 4 == 0 ? RandomBytes(rng) : Mutate(rng, Seeds[rng.Next(Seeds.Length)]);
            RtrDecodeResult r;
            try { r = RtrCodec.Decode(input); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"seed {seed}, input {Hex.Of(input)}: {e}"); }
            Assert.InRange(r.Consumed, 0, input.Length);
            switch (r.Status)
            {
                case RtrDecodeStatus.Pdu:
                    decoded++;
                    Assert.NotNull(r.Pdu);
                    // Reserved bits and zero fields are not kept, so compare what re-decodes, not raw octets.
                    var again = RtrCodec.Decode(RtrCodec.Encode(r.Pdu!));
                    Assert.Equal(RtrDecodeStatus.Pdu, again.Status);
                    Assert.Equal(Describe(r.Pdu!), Describe(again.Pdu!));
                    break;
                case RtrDecodeStatus.Error:
                    errors++;
                    Assert.True(Enum.IsDefined(r.Error!.Code), $"code {r.Error.Code} for {Hex.Of(input)}");
                    Assert.True(r.Error.ErroneousPdu.Length <= RtrCodec.MaxPduLength);
                    break;
                default:
                    more++;
                    // Only a truncated PDU may ask for more: appending can never turn it into an error of the header.
                    Assert.Equal(0, r.Consumed);
                    Assert.True(input.Length < RtrCodec.HeaderLength || input.Length < (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4)),
                        $"NeedMore for a whole PDU: {Hex.Of(input)}");
                    break;
            }
        }
        output.WriteLine($"{decoded} decoded, {errors} errors, {more} incomplete");
        Assert.True(decoded > 1000 && errors > 1000 && more > 100, "the mutants should reach every outcome");
    }

    /// <summary>Records holding arrays compare by reference; this compares their content.</summary>
    private static string Describe(RtrPdu p) => p switch
    {
        RouterKey k => $"{k.Version} {k.Announce} {Hex.Of(k.SubjectKeyIdentifier)} {k.Asn} {Hex.Of(k.SubjectPublicKeyInfo)}",
        ErrorReport e => $"{e.Version} {e.Code} {Hex.Of(e.ErroneousPdu)} {e.Text}",
        AspaPdu a => $"{a.Version} {a.Announce} {a.CustomerAsn} {string.Join(",", a.Providers)} {a.AfiFlags}",
        _ => p.ToString(),
    };

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(0, 40)];
        rng.NextBytes(b);
        if (b.Length > 0 && rng.Next(2) == 0) b[0] = (byte)rng.Next(3); // mostly versions we speak
        return b;
    }

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        var b = new List<byte>(seed);
        int n = rng.Next(1, 4);
        for (int k = 0; k < n; k++)
        {
            switch (rng.Next(6))
            {
                case 0 when b.Count > 0: b[rng.Next(b.Count)] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[rng.Next(b.Count)] = (byte)rng.Next(256); break;
                case 2: b.Insert(rng.Next(b.Count + 1), (byte)rng.Next(256)); break;
                case 3 when b.Count > 0: b.RemoveAt(rng.Next(b.Count)); break;
                case 4 when b.Count > 1: int keep = rng.Next(b.Count); b.RemoveRange(keep, b.Count - keep); break; // truncate
                default: b.Add((byte)rng.Next(256)); break;
            }
        }
        // Often repair the Length so mutants get past the header into the body checks.
        if (b.Count >= 8 && rng.Next(2) == 0)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b)[4..], (uint)b.Count);
        return b.ToArray();
    }
}
