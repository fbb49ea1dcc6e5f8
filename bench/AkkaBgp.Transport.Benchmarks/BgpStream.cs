using System.Net;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>
/// A deterministic stream of small BGP messages as a peer sends them after the table dump has
/// settled: IPv4 UPDATEs with 1 to 4 prefixes, AS paths of 1 to 4 hops, 0 to 2 communities, MED on
/// some (46-89 octets each); every 50th message a KEEPALIVE (19 octets). Built with the Wire encoder.
/// </summary>
public sealed class BgpStream
{
    /// <summary>Each message on its own (the write direction hands them to the transport one by one).</summary>
    public byte[][] Messages { get; }
    /// <summary>All messages back to back (the read direction's sender writes this).</summary>
    public byte[] Bytes { get; }
    public int Count => Messages.Length;
    public int Updates { get; }
    /// <summary>Shortest and longest UPDATE.</summary>
    public int MinLength { get; }
    public int MaxLength { get; }

    public BgpStream(int messages, int seed = 4271)
    {
        var rng = new Random(seed);
        var ctx = new UpdateEncodeContext(fourOctetAs: true);
        var keepalive = KeepaliveMessage.Bytes.ToArray();
        Messages = new byte[messages][];
        for (int i = 0; i < messages; i++)
        {
            if (i % 50 == 49)
            {
                Messages[i] = keepalive;
                continue;
            }
            var b = new PathAttributesBuilder
            {
                Origin = (Origin)rng.Next(3),
                AsPath = AsPath.Sequence(Enumerable.Range(0, rng.Next(1, 5)).Select(_ => (uint)rng.Next(1, 400000)).ToArray()),
                NextHop = (uint)rng.Next(),
            };
            if (rng.Next(3) == 0) b.MultiExitDisc = (uint)rng.Next(1000);
            for (int c = rng.Next(3); c > 0; c--) b.Communities.Add(new Community((uint)rng.Next()));
            var nlri = new NlriEntry[rng.Next(1, 5)];
            for (int k = 0; k < nlri.Length; k++)
            {
                int len = rng.Next(100) switch { < 60 => 24, < 80 => 23, < 90 => 22, _ => rng.Next(16, 22) };
                nlri[k] = Prefix.IPv4((uint)rng.Next() & (uint.MaxValue << (32 - len)), len);
            }
            Messages[i] = UpdateEncoder.EncodeIPv4(ctx, default, b.Build(), nlri);
            Updates++;
        }
        Bytes = Messages.SelectMany(m => m).ToArray();
        MinLength = Messages.Where(m => m[18] == (byte)MessageType.Update).Min(m => m.Length);
        MaxLength = Messages.Where(m => m[18] == (byte)MessageType.Update).Max(m => m.Length);
    }

    /// <summary>How the receivers decode: 4-octet AS, eBGP peer, 4096-octet messages.</summary>
    public static readonly DecodeContext Decode = new() { Update = new UpdateDecodeContext(fourOctetAs: true) };

    public override string ToString()
        => $"{Count} messages ({Updates} UPDATEs of {MinLength}-{MaxLength} octets, {Count - Updates} KEEPALIVEs), {Bytes.Length} octets, {Bytes.Length / (double)Count:F1} octets/message";
}
